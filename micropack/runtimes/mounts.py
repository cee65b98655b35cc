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
import subprocess
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from micropack.errors import ImageError, first_line


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

    def __init__(self) -> None:
        if os.geteuid() != 0:
            raise MountUnavailable("mounting needs root")
        for tool in ("unshare", "nsenter"):
            if shutil.which(tool) is None:
                raise MountUnavailable(f"{tool} (util-linux) is not installed")
        own = os.readlink("/proc/self/ns/mnt")
        self.proc = subprocess.Popen(
            ["unshare", "--mount", "--propagation", "private", "--", "cat"],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        while True:   # unshare execs cat once its namespace is made
            try:
                if os.readlink(f"/proc/{self.proc.pid}/ns/mnt") != own:
                    break
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                err = self.proc.stderr.read().decode() if self.proc.stderr else ""
                self.close()
                raise MountUnavailable(f"unshare --mount failed: {first_line(err)}")
            time.sleep(0.005)
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
