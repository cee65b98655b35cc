"""Which distro package each kept file comes from (dpkg or apk databases
inside the source; rpm through the host's rpm tool when it has one)."""
from __future__ import annotations

import glob
import os
import shutil
import subprocess

from micropack.rootfs import RootFS


def owners(fs: RootFS, paths: list[str]) -> dict[str, str]:
    """path -> package for each path a package database claims."""
    table: dict[str, str] = {}
    info_dir = fs.host("/var/lib/dpkg/info")
    for listing in sorted(glob.glob(os.path.join(info_dir, "*.list"))):
        package = os.path.basename(listing)[:-len(".list")].split(":")[0]
        with open(listing, encoding="utf-8", errors="surrogateescape") as fh:
            for line in fh:
                table.setdefault(line.rstrip("\n"), package)
    apk_db = fs.host("/lib/apk/db/installed")
    if os.path.isfile(apk_db):
        package, folder = "", ""
        with open(apk_db, encoding="utf-8", errors="surrogateescape") as fh:
            for line in fh:
                key, _, value = line.rstrip("\n").partition(":")
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
    if os.path.isdir(fs.host("/var/lib/rpm")) and shutil.which("rpm"):
        for p in sorted(wanted - set(result)):
            out = subprocess.run(["rpm", "--root", str(fs.root), "-qf", p],
                                 capture_output=True, text=True)
            if out.returncode == 0:
                result[p] = out.stdout.strip().splitlines()[0]
    return result
