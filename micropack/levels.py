"""The granularity levels of pack and minify (micropack/expand.py keeps
what each one keeps) and the presets of --keep; apart so the command
line reads them without importing the packer."""

GRANULARITIES = ("file", "unit", "package")
# Chosen by measurement on the application suite (README, "Granularity").
DEFAULT_GRANULARITY = "unit"

SHELLS_KEPT = ("/bin/sh", "/bin/bash")
# What people expect a small image to keep anyway (`--keep NAME`).
PRESETS: dict[str, tuple[str, ...]] = {
    "shell": SHELLS_KEPT,
    "certs": ("/etc/ssl/certs", "/etc/ssl/certs/*", "/usr/share/ca-certificates/*",
              "/etc/ca-certificates.conf", "/etc/ssl/openssl.cnf", "/etc/pki/*",
              "/usr/lib/ssl/*"),
    "tz": ("/etc/localtime", "/etc/timezone", "/usr/share/zoneinfo/*"),
    "passwd": ("/etc/passwd", "/etc/group", "/etc/nsswitch.conf"),
    # the shell and the commands an admin types in `docker exec` (cp, mv,
    # tail, date, find, tar, ...): programs of packages, not paths, so
    # the expansion keeps them (Rules.toolbox)
    "toolbox": SHELLS_KEPT,
}
