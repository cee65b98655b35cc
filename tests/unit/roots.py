"""Building small root filesystems by hand for the unit tests: files, links
and compiled programs at absolute paths inside a root."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

HOST_LIBDIR = "/lib/x86_64-linux-gnu"     # where the host's libc is copied from


def write(root: Path, path: str, data: str | bytes = b"x", mode: int = 0o644) -> Path:
    p = root / path.lstrip("/")
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data.encode() if isinstance(data, str) else data)
    p.chmod(mode)
    return p


def host_loader(root: Path) -> Path:
    """host_libc(), and the loader where programs name it
    (/lib64/ld-linux-x86-64.so.2, a link into the library directory)."""
    lib = host_libc(root)
    (root / "lib64").mkdir()
    (root / "lib64/ld-linux-x86-64.so.2").symlink_to("/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2")
    return lib


def link(root: Path, path: str, target: str) -> None:
    p = root / path.lstrip("/")
    p.parent.mkdir(parents=True, exist_ok=True)
    p.symlink_to(target)


def cc(out: Path, source: str, *flags: str) -> None:
    """Compiles C source into the program out (gcc, which the caller checks for)."""
    src = out.with_suffix(".c")
    src.write_text(source)
    subprocess.run(["gcc", "-o", str(out), str(src), *flags], check=True)
    src.unlink()


def host_libc(root: Path) -> Path:
    """The host's ld.so and libc copied into root's multiarch library
    directory (returned), so programs built with cc() load inside it."""
    lib = root / "usr/lib/x86_64-linux-gnu"
    lib.mkdir(parents=True, exist_ok=True)
    for name in ("ld-linux-x86-64.so.2", "libc.so.6"):
        shutil.copy2(os.path.realpath(f"{HOST_LIBDIR}/{name}"), lib / name)
    return lib
