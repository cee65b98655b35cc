"""Local Debian images built with debootstrap and imported into a runtime: no
registry is needed. Each image is tagged with a hash of what it was built
from, so an existing tag means nothing has to be built again."""
from __future__ import annotations

import hashlib
import os
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
# Raised when what a root holds changes for the same packages, so that
# images and cached roots made before are not taken for current ones
# (2: without the build host's files)
ROOT_VERSION = "2"
# What debootstrap copies from the machine it runs on: its name server and
# its host name, which are the host's, not the image's (a container gets
# its own at run time)
HOST_FILES = ("etc/resolv.conf", "etc/hostname")


@dataclass(frozen=True)
class ImageSpec:
    name: str
    packages: tuple[str, ...]
    cmd: tuple[str, ...] = ("/bin/bash",)
    suite: str = "bookworm"
    # Application images (tests/apps): the contents of tree copied over the
    # debootstrap root, then setup run in it with chroot. Both are part of
    # the tag's hash; repo "" tags the image NAME:HASH.
    repo: str = "micropack-test"
    tree: Path | None = None
    setup: str = ""

    @property
    def application(self) -> bool:
        return self.tree is not None or bool(self.setup)

    def key(self, mirror: str) -> str:
        parts = [ROOT_VERSION, self.suite, mirror, *sorted(self.packages), *self.cmd]
        if self.application:       # plain images keep the tags they always had
            parts += ["--", self.setup, *_tree_digest(self.tree)]
        return "\n".join(parts)


def _tree_digest(tree: Path | None) -> list[str]:
    """One line per entry of tree: its path, and its mode and content (or
    its link target)."""
    if tree is None:
        return []
    out = []
    for p in sorted(tree.rglob("*")):
        if p.is_symlink():
            out.append(f"{p.relative_to(tree)} -> {os.readlink(p)}")
        elif p.is_file():
            digest = hashlib.sha256(p.read_bytes()).hexdigest()
            out.append(f"{p.relative_to(tree)} {p.stat().st_mode & 0o7777:o} {digest}")
    return out


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
    name = f"{spec.repo}/{spec.name}" if spec.repo else spec.name
    return f"{name}:{hashlib.sha256(spec.key(mirror).encode()).hexdigest()[:12]}"


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
    return ensure_spec(engine, SPECS[name])


def ensure_spec(engine: Engine, spec: ImageSpec) -> str:
    """Build the image of spec if its tag is missing; return the tag. An
    application image's debootstrap root is cached by its package list, so
    changing the application's files does not run debootstrap again."""
    mirror = apt_mirror()
    tag = tag_for(spec, mirror)
    if engine.has_image(tag):
        return tag
    if not spec.application:
        tarball = _root_tarball(spec, mirror, CACHE_DIR / f"{tag.split(':')[1]}-{spec.name}.tar")
        _log(f"importing {tarball.name} as {tag}")
        with progress.step(f"importing {tag} ({tarball.stat().st_size / 1e6:.0f} MB)"):
            engine.import_rootfs(tarball, tag, spec.cmd)
        return tag
    base = hashlib.sha256("\n".join([ROOT_VERSION, spec.suite, mirror, *sorted(spec.packages)]).encode())
    tarball = _root_tarball(spec, mirror, CACHE_DIR / f"base-{base.hexdigest()[:12]}.tar")
    with tempfile.TemporaryDirectory(prefix=f"micropack-{spec.name}-", dir=CACHE_DIR) as tmp:
        root = Path(tmp) / "root"
        root.mkdir()
        subprocess.run(["tar", "-C", str(root), "--numeric-owner", "--xattrs", "--xattrs-include=*",
                        "-xpf", str(tarball)], check=True)
        _add_application(spec, root, Path(tmp) / "setup.log")
        image_tar = Path(tmp) / "image.tar"
        subprocess.run(["tar", "-C", str(root), "--numeric-owner", "--xattrs",
                        "-cf", str(image_tar), "."], check=True)
        with progress.step(f"importing {tag} ({image_tar.stat().st_size / 1e6:.0f} MB)"):
            engine.import_rootfs(image_tar, tag, spec.cmd)
    return tag


def _root_tarball(spec: ImageSpec, mirror: str, tarball: Path) -> Path:
    """The debootstrap root of spec's packages as a tar, built once."""
    if tarball.exists():
        return tarball
    name = spec.name
    if shutil.which("debootstrap") is None:
        raise ImageError("debootstrap is not installed (scripts/setup-host.sh installs it)")
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    _log(f"building image {name} with debootstrap from {mirror} (about a minute)")
    with tempfile.TemporaryDirectory(prefix=f"micropack-{name}-") as tmp:
        root = Path(tmp) / "root"
        log = Path(tmp) / "debootstrap.log"
        status = _debootstrap(
            ["debootstrap", "--variant=minbase", f"--include={','.join(spec.packages)}",
             spec.suite, str(root), mirror], log, f"debootstrap of image {name}")
        if status != 0:
            raise ImageError(_failed(name, log, root / "debootstrap/debootstrap.log"))
        # No caches or apt lists in a test image; they only cost size.
        for junk in ("var/cache/apt/archives", "var/lib/apt/lists"):
            shutil.rmtree(root / junk, ignore_errors=True)
        without_host_files(root)
        partial = tarball.with_suffix(".part")
        with progress.step(f"archiving image {name}"):
            subprocess.run(["tar", "-C", str(root), "--numeric-owner", "--xattrs",
                            "-cf", str(partial), "."], check=True)
        partial.rename(tarball)
    return tarball


def _failed(name: str, log: Path, inner: Path) -> str:
    """The line of a failed debootstrap: its last words, and where its
    whole output and its own log (which say which package failed and why)
    are kept. Its last line names its own log inside the root, which goes
    with the temporary directory: a message that pointed at it pointed at
    nothing."""
    kept = CACHE_DIR / f"{name}-debootstrap-failed.log"
    output = log.read_text(errors="replace")
    own = inner.read_text(errors="replace") if inner.is_file() else ""
    kept.write_text(output + (f"\n--- {inner.name}, debootstrap's own log ---\n{own}" if own else ""))
    tail = [line for line in output.strip().splitlines() if not line.rstrip().endswith("for details")][-2:]
    return f"debootstrap of image {name} failed: {' | '.join(tail)} (whole log: {kept})"


def without_host_files(root: Path) -> None:
    """Remove what debootstrap copied from this machine into root
    (HOST_FILES): the build host's name server ended up in the demo image,
    and in a minified image of it, since a container reads the file."""
    for name in HOST_FILES:
        path = root / name
        if path.is_symlink() or path.exists():
            path.unlink()


def _add_application(spec: ImageSpec, root: Path, log: Path) -> None:
    """Copy spec.tree over root (owned by root, modes kept), then run
    spec.setup inside it with chroot (/proc mounted for the time)."""
    if spec.tree is not None:
        subprocess.run(["cp", "-a", "--no-preserve=ownership", f"{spec.tree}/.", str(root)], check=True)
    if not spec.setup:
        return
    (root / "micropack-setup.sh").write_text(spec.setup)
    with log.open("w") as fh, progress.step(f"setting up image {spec.name}"):
        proc = subprocess.run(["unshare", "--mount", "--fork", "sh", "-c",
                               f"mount -t proc proc {root}/proc && "
                               f"exec chroot {root} /bin/sh -e /micropack-setup.sh"],
                              stdout=fh, stderr=subprocess.STDOUT)
    (root / "micropack-setup.sh").unlink()
    if proc.returncode != 0:
        tail = log.read_text().strip().splitlines()[-3:]
        raise ImageError(f"setup of image {spec.name} failed: {' | '.join(tail)}")
