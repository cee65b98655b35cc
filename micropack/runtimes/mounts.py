"""Read-only mounts of an image's layers that nothing on the host sees and
nothing can leak.

The mounts live in a mount namespace of their own, held by a helper process
(`unshare --mount ... cat`, which waits for end of file on a pipe only
micropack holds). micropack and GNU tar read them through that process's
root, /proc/<helper>/root/<dir>, the way a running container is read. When
micropack ends, in any way, even SIGKILL, the pipe closes, the helper exits,
its namespace dies and every mount in it goes with it: no mount is ever left
on the host, and no other process's view of the filesystem changes. Even the
directories mounted on are made on a tmpfs mounted over /tmp inside the
namespace, so nothing at all is left on the host's disk."""
from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from micropack.errors import ImageError, first_line
from micropack.record import is_pseudo
from micropack.rootfs import RootFS, SymlinkLoop, top_of


def owner_tag() -> str:
    """This process as a view's name carries it: pid and the boot's id."""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()[:8]
    except OSError:
        boot = "unknown"
    return f"{os.getpid()}-{boot}"


# A view name's owner, as owner_tag() wrote it.
VIEW_OWNER = re.compile(r"micropack-[a-z]+-(\d+)-([0-9a-f]{8})-[0-9a-f]{12}$")


class MountUnavailable(Exception):
    """No mount can be made here (not root, no overlay, no unshare): the
    caller falls back to an export."""


class PrivateMounts:
    """A mount namespace of micropack's own, with a tmpfs of its own (over
    /tmp, seen only inside the namespace) to make mount points in."""

    dir = Path("/tmp")

    def __init__(self, within: int | None = None) -> None:
        """within: the pid of another namespace's holder; the new namespace
        is a copy of that one (its mounts included) instead of micropack's."""
        if os.geteuid() != 0:
            raise MountUnavailable("mounting needs root")
        for tool in ("unshare", "nsenter"):
            if shutil.which(tool) is None:
                raise MountUnavailable(f"{tool} (util-linux) is not installed")
        # the helper's namespace is new once it is neither this process's
        # nor (with within) the one it enters before unsharing
        before = {os.readlink(f"/proc/{p}/ns/mnt") for p in ("self", within) if p is not None}
        enter = [] if within is None else ["nsenter", f"--target={within}", "--mount", "--"]
        self.proc = subprocess.Popen(
            [*enter, "unshare", "--mount", "--propagation", "private", "--", "cat"],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        while True:   # unshare execs cat once its namespace is made
            try:
                if os.readlink(f"/proc/{self.proc.pid}/ns/mnt") not in before:
                    break
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                err = self.proc.stderr.read().decode() if self.proc.stderr else ""
                self.close()
                raise MountUnavailable(f"unshare --mount failed: {first_line(err)}")
            time.sleep(0.005)
        if within is not None:
            return      # that namespace's own tmpfs is over /tmp already (and hides nothing of it)
        p = self.run(["mount", "-t", "tmpfs", "-o", "mode=0700,size=1m", "micropack-image",
                      str(self.dir)])
        if p.returncode != 0:
            self.close()
            raise MountUnavailable(f"tmpfs mount failed: {first_line(p.stderr)}")

    def path(self, name: str) -> Path:
        """A new directory on the namespace's tmpfs (its path inside the
        namespace: what mount and ctr are given). Unique: `ctr images mount`
        names its snapshot view after it, in a store every run shares (with a
        name another run holds, ctr reuses that run's view, and the first
        `unmount --rm` removes it under the other). It carries its owner, as
        "<pid>-<boot>", so the view a killed run left can be removed."""
        p = self.dir / f"micropack-{name}-{owner_tag()}-{uuid.uuid4().hex[:12]}"
        self.view(p).mkdir(mode=0o700)
        return p

    def view(self, path: Path) -> Path:
        """What the namespace has at path, as the host reaches it."""
        return Path(f"/proc/{self.proc.pid}/root") / str(path).lstrip("/")

    def run(self, argv: Sequence[str], cwd: str | None = None,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        """argv inside the namespace. cwd is changed to after entering it
        (nsenter's --wd opens the directory before, in the host's namespace,
        and overlay refuses layers reached through another namespace)."""
        inner = list(argv) if cwd is None else ["sh", "-c", 'cd -- "$0" && exec "$@"', cwd, *argv]
        return subprocess.run(["nsenter", f"--target={self.proc.pid}", "--mount", "--", *inner],
                              capture_output=True, text=True, env=env)

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()      # end of file: the helper exits, its mounts go
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stderr:
            self.proc.stderr.close()

    def __enter__(self) -> PrivateMounts:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def overlay_lowerdirs(layers: Sequence[Path]) -> tuple[str | None, list[str]]:
    """(directory to run mount in, lowerdir entries) for layer directories
    given top first. Docker's and containers-storage's overlay layouts keep a
    short link per layer (<root>/l/<link> -> ../<id>/diff, named in
    <root>/<id>/link): relative to <root> they keep a 100-layer mount option
    under the page-size limit the kernel puts on it, as docker does."""
    roots = {layer.parent.parent for layer in layers}
    if len(roots) == 1:
        root = next(iter(roots))
        short = []
        for layer in layers:
            try:
                link = (layer.parent / "link").read_text().strip()
            except OSError:
                break
            if not link or not (root / "l" / link).is_symlink():
                break
            short.append(f"l/{link}")
        else:
            return str(root), short
        return str(root), [f"{layer.parent.name}/{layer.name}" for layer in layers]
    return None, [str(layer) for layer in layers]


@contextmanager
def overlay(layers: Sequence[Path]) -> Iterator[Path]:
    """The union of layer directories (top first) as a read-only overlay
    with no upper directory, mounted in a private namespace."""
    if not layers:
        raise MountUnavailable("the image has no layer directories")
    for layer in layers:
        if not layer.is_dir():
            raise MountUnavailable(f"layer directory {layer} is missing")
    with PrivateMounts() as ns:
        target = ns.path("root")
        cwd, lower = overlay_lowerdirs(layers)
        if len(lower) == 1:
            # overlayfs wants two lower layers when there is no upper one
            lower.append(str(ns.path("empty")))
        p = ns.run(["mount", "-t", "overlay", "overlay", "-o", "ro,lowerdir=" + ":".join(lower),
                    str(target)], cwd=cwd)
        if p.returncode != 0:
            raise MountUnavailable(f"overlay mount failed: {first_line(p.stderr)}")
        yield ns.view(target)


def check(p: subprocess.CompletedProcess[str], what: str) -> None:
    if p.returncode != 0:
        raise ImageError(f"{what} failed: {first_line(p.stderr or p.stdout)}")


# --- a running container's files without what is mounted into it ----------------


@dataclass(frozen=True)
class MountEntry:
    """One line of /proc/PID/mountinfo."""

    id: int
    parent: int
    dev: str            # major:minor of the filesystem
    root: str           # the directory of that filesystem mounted
    point: str          # where, in that process's view


def _unescape(field: str) -> str:
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), field)


def read_mountinfo(path: str) -> list[MountEntry]:
    try:
        text = Path(path).read_text(errors="surrogateescape")
    except OSError as exc:
        raise MountUnavailable(f"cannot read {path}: {exc.strerror}") from exc
    out = []
    for line in text.splitlines():
        f = line.split()
        if len(f) >= 5 and f[0].isdigit() and f[1].isdigit():
            out.append(MountEntry(int(f[0]), int(f[1]), f[2], _unescape(f[3]), _unescape(f[4])))
    return out


def container_mounts(pid: int) -> tuple[MountEntry, list[str]]:
    """The mount of a process's root, and every other mount point it sees
    (parents first), but those of /proc, /sys and /dev."""
    mounts = read_mountinfo(f"/proc/{pid}/mountinfo")
    roots = [m for m in mounts if m.point == "/"]
    if not roots:
        raise MountUnavailable(f"process {pid} has no root mount")
    parents = {m.parent for m in roots}
    root = [m for m in roots if m.id not in parents][-1]      # the one on top
    # /proc, /sys and /dev are never packed: their mounts are left as they are
    points = sorted({m.point for m in mounts if m.point != "/" and not is_pseudo(m.point)},
                    key=lambda p: (p.count("/"), p))
    return root, points


@dataclass
class ContainerView:
    """A container's root filesystem as its image and its own writes make
    it, read through `root` (a host path: /proc/<helper>/root/...)."""

    root: Path
    left_out: dict[str, str] = field(default_factory=dict)   # mount point -> why it is left out
    from_image: list[str] = field(default_factory=list)      # mount points showing the image's files


_HELD_IMAGE = re.compile(r"/proc/(\d+)/root(/tmp/micropack-[^/]+)")


@contextmanager
def container_view(pid: int, image_root: Path | None, no_image: str = "") -> Iterator[ContainerView]:
    """The root filesystem of the container whose first process is pid,
    without a single mount made into it: its root mount (the runtime's
    overlay of the image's layers and the container's own) bound alone,
    not recursively, read-only, in a private mount namespace. Where the
    container had a mount that is not part of its image (the runtime's
    /etc/resolv.conf, /etc/hosts and /etc/hostname, binds, volumes, tmpfs),
    the image's own files at that place are bound over it (image_root: the
    image's files); where the image has nothing there (or another kind of
    file, or no image_root: no_image says why), the mount point is listed in
    left_out, for the pack to leave out. Nothing the host has is ever in
    the view."""
    root, points = container_mounts(pid)
    within, image_inner = None, str(image_root) if image_root is not None else ""
    held = _HELD_IMAGE.fullmatch(image_inner)
    if held:
        # a mount in a namespace of micropack's own: the view is made in a
        # copy of it, where the image's mount can be bound from
        within, image_inner = int(held.group(1)), held.group(2)
    with PrivateMounts(within) as ns:
        seen = read_mountinfo(f"/proc/{ns.proc.pid}/mountinfo")
        found = [m for m in seen if m.dev == root.dev and top_of(root.root, [m.root]) is not None]
        if not found:
            raise MountUnavailable("its root filesystem is not mounted where micropack can see it")
        best = min(found, key=lambda m: (m.root != root.root, m.point.count("/")))
        source = best.point.rstrip("/") + root.root[len(best.root.rstrip("/")):] or "/"
        target = ns.path("container")
        p = ns.run(["mount", "--bind", "-o", "ro", source, str(target)])
        if p.returncode != 0:
            raise MountUnavailable(f"bind of its root filesystem failed: {first_line(p.stderr)}")
        view = ContainerView(ns.view(target))
        with RootFS(view.root) as mine, (RootFS(image_root) if image_root else RootFS(view.root)) as img:
            for point in points:
                if top_of(point, [*view.left_out, *view.from_image]) is not None:
                    continue        # gone with a mount point above it, or the image's already
                st = mine.lstat(point)
                if st is None:
                    continue        # nothing there in the container's own files
                why = ""
                if image_root is None:
                    why = no_image or "its image was not read"
                else:
                    try:
                        walk = img.walk(point, follow_final=False)
                    except SymlinkLoop:
                        walk = None
                    ist = img.lstat(point) if walk is not None and walk.final == point else None
                    if walk is None or walk.final is None:
                        why = "its image has nothing there"
                    elif walk.links or ist is None:
                        why = "its image has a symlink on the way there"
                    elif not ((stat.S_ISDIR(ist.st_mode) and stat.S_ISDIR(st.st_mode))
                              or (stat.S_ISREG(ist.st_mode) and stat.S_ISREG(st.st_mode))):
                        why = "its image has another kind of file there"
                    else:
                        p = ns.run(["mount", "--bind", "-o", "ro", image_inner.rstrip("/") + point,
                                    str(target) + point])
                        if p.returncode != 0:
                            why = f"its image's files could not be shown there: {first_line(p.stderr)}"
                if why:
                    view.left_out[point] = why
                else:
                    view.from_image.append(point)
        yield view
