"""Which distro package each kept file comes from (dpkg or apk databases
inside the source; rpm through the host's rpm tool when it has one)."""
from __future__ import annotations

import shutil
import subprocess

from micropack.rootfs import RootFS

# A package database file larger than this is not a real one.
DB_LIMIT = 256 << 20


def owners(fs: RootFS, paths: list[str]) -> dict[str, str]:
    """path -> package for each path a package database claims. The
    databases are read inside the source's root, regular files only."""
    table: dict[str, str] = {}
    info_dir = "/var/lib/dpkg/info"
    for name in fs.list_dir(info_dir) or ():
        if not name.endswith(".list"):
            continue
        package = name[:-len(".list")].split(":")[0]
        listing = fs.read_file(f"{info_dir}/{name}", DB_LIMIT)
        for line in (listing or b"").decode("utf-8", "surrogateescape").splitlines():
            table.setdefault(line, package)
    apk_db = fs.read_file("/lib/apk/db/installed", DB_LIMIT)
    if apk_db is not None:
        package, folder = "", ""
        for line in apk_db.decode("utf-8", "surrogateescape").splitlines():
            key, _, value = line.partition(":")
            if key == "P":
                package = value
            elif key == "F":
                folder = value
            elif key == "R":
                table.setdefault(f"/{folder}/{value}", package)
    wanted = set(paths)
    result = {p: table[p] for p in wanted if p in table}
    # dpkg lists /bin/x while merged-/usr images store /usr/bin/x: try the aliases
    for p in wanted - set(result):
        for a, b in (("/usr/bin/", "/bin/"), ("/usr/sbin/", "/sbin/"), ("/usr/lib/", "/lib/")):
            if p.startswith(a) and (b + p[len(a):]) in table:
                result[p] = table[b + p[len(a):]]
                break
    if fs.list_dir("/var/lib/rpm") is not None and shutil.which("rpm"):
        for p in sorted(wanted - set(result)):
            out = subprocess.run(["rpm", "--root", str(fs.root), "-qf", p],
                                 capture_output=True, text=True)
            if out.returncode == 0:
                result[p] = out.stdout.strip().splitlines()[0]
    return result
