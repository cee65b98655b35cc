"""Local Debian images built with debootstrap and imported into a runtime: no
registry is needed. Each image is tagged with a hash of what it was built
from, so an existing tag means nothing has to be built again."""
from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from micropack import progress
from micropack.errors import ImageError
from micropack.runtimes.base import Engine

CACHE_DIR = Path("/var/cache/micropack/rootfs")


@dataclass(frozen=True)
class ImageSpec:
    name: str
    packages: tuple[str, ...]
    cmd: tuple[str, ...] = ("/bin/bash",)
    suite: str = "bookworm"


# "fat" is the demo and test workhorse, shaped like the kitchen-sink images
# people want to shrink: a shell and coreutils, python3 with pip, nginx, redis
# and curl, and the usual debugging leftovers (git, an editor, network tools).
SPECS = {
    "fat": ImageSpec("fat", ("bash", "coreutils", "python3", "python3-pip", "nginx",
                             "redis-server", "redis-tools", "curl", "ca-certificates", "tzdata",
                             "procps", "git", "vim-tiny", "iproute2", "less", "netcat-openbsd")),
    # `micropack debug`'s default toolbox: a shell and the tools people reach
    # for inside a container that has none (ps, ip, ss, strace, lsof, less).
    "toolbox": ImageSpec("toolbox", ("bash", "coreutils", "procps", "iproute2", "less", "strace",
                                     "lsof", "psmisc", "findutils", "grep", "file",
                                     "netcat-openbsd", "curl", "ca-certificates", "vim-tiny")),
}


def apt_mirror() -> str:
    """The Debian mirror apt already uses on this host."""
    sources = [Path("/etc/apt/sources.list"), *sorted(Path("/etc/apt/sources.list.d").glob("*"))]
    for src in sources:
        try:
            text = src.read_text()
        except OSError:
            continue
        m = re.search(r"^URIs:\s*(\S*/debian)\s*$", text, re.M) or \
            re.search(r"^deb\s+(?:\[[^\]]*\]\s+)?(\S*/debian)\s+\S+", text, re.M)
        if m:
            return m[1]
    return "http://deb.debian.org/debian"


def tag_for(spec: ImageSpec, mirror: str) -> str:
    key = "\n".join([spec.suite, mirror, *sorted(spec.packages), *spec.cmd])
    return f"micropack-test/{spec.name}:{hashlib.sha256(key.encode()).hexdigest()[:12]}"


def _log(msg: str) -> None:
    progress.echo(f"micropack: {msg}")


def _debootstrap(argv: list[str], log: Path, label: str) -> int:
    """Run debootstrap with its output in log, showing the step it is at
    ("unpacking libc6") and how many packages it has configured."""
    now = ["starting"]
    configured = [0]

    def status() -> str:
        return f"{configured[0]} packages configured, {now[0]}"

    with log.open("w") as fh, progress.step(label, status=status), \
            subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             errors="replace") as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            fh.write(line)
            m = re.match(r"I: (Retrieving|Validating|Extracting|Unpacking|Configuring) (\S+)", line)
            if m:
                now[0] = f"{m[1].lower()} {m[2].rstrip('.')}"
                if m[1] == "Configuring":
                    configured[0] += 1
            elif line.startswith("I: "):
                now[0] = line[3:].strip().rstrip(".").lower()[:60]
        return proc.wait()


def ensure(engine: Engine, name: str) -> str:
    """Build the image `name` if its tag is missing; return the tag."""
    if name not in SPECS:
        raise ImageError(f"unknown test image {name!r}; known: {', '.join(SPECS)}")
    spec = SPECS[name]
    mirror = apt_mirror()
    tag = tag_for(spec, mirror)
    if engine.has_image(tag):
        return tag
    if shutil.which("debootstrap") is None:
        raise ImageError("debootstrap is not installed (scripts/setup-host.sh installs it)")
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    tarball = CACHE_DIR / f"{tag.split(':')[1]}-{name}.tar"
    if not tarball.exists():
        _log(f"building image {name} with debootstrap from {mirror} (about a minute)")
        with tempfile.TemporaryDirectory(prefix=f"micropack-{name}-") as tmp:
            root = Path(tmp) / "root"
            log = Path(tmp) / "debootstrap.log"
            status = _debootstrap(
                ["debootstrap", "--variant=minbase", f"--include={','.join(spec.packages)}",
                 spec.suite, str(root), mirror], log, f"debootstrap of image {name}")
            if status != 0:
                tail = log.read_text().strip().splitlines()[-3:]
                raise ImageError(f"debootstrap of image {name} failed: {' | '.join(tail)}")
            # No caches or apt lists in a test image; they only cost size.
            for junk in ("var/cache/apt/archives", "var/lib/apt/lists"):
                shutil.rmtree(root / junk, ignore_errors=True)
            partial = tarball.with_suffix(".part")
            with progress.step(f"archiving image {name}"):
                subprocess.run(["tar", "-C", str(root), "--numeric-owner", "--xattrs",
                                "-cf", str(partial), "."], check=True)
            partial.rename(tarball)
    _log(f"importing {tarball.name} as {tag}")
    with progress.step(f"importing {tag} ({tarball.stat().st_size / 1e6:.0f} MB)"):
        engine.import_rootfs(tarball, tag, spec.cmd)
    return tag
