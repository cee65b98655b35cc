"""What a process under a chroot reaches that its names do not say.

The packer follows symlinks and reads a program's interpreter from the
image's root: right for every process but one under a chroot, for which an
absolute symlink target, a PT_INTERP or a "#!" line names a path in its
jail. And the kernel loads a program's interpreter with no syscall that
names it. So for a jailed process the consumer asks the jail itself: where
the lookup of each name it used ended, and which interpreters an exec
loaded; these are recorded as container paths too.

The jail is read through the root of a process in it (/proc/PID/root), or,
when that one has exited (events are read a moment late), found inside the
root of the container's first process; it is held open once found, so it
stays readable after its processes exit. A lookup costs 15 to 60 us, so
each (jail, path) is looked up once per trace (the kernel sends a name once
per process; a jail's processes share most of theirs); only jailed
processes pay for it.
"""
from __future__ import annotations

import contextlib
import os
import stat
from dataclasses import dataclass

from micropack import elf
from micropack.errors import PackError
from micropack.record import under_root
from micropack.rootfs import RootFS, SymlinkLoop, below, top_of

INTERPRETERS_MAX = 4        # a script's interpreter may be a script, and so on
REMEMBERED_MAX = 65536      # lookups kept (then forgotten all at once)


@dataclass(frozen=True)
class Reached:
    """A container path a jailed call reached, and how: "link" the end of
    the symlinks its name went through, "interp" an interpreter the kernel
    loaded for an exec."""

    path: str
    how: str


class JailViews:
    def __init__(self, container_pid: int | None = None) -> None:
        self._roots: dict[str, int] = {}      # jail (a container path) -> O_PATH fd of it
        self.container_pid = container_pid    # the target's first process, when there is one
        self._done: dict[tuple[str, str, bool], list[Reached]] = {}
        self._container_view: RootFS | None = None

    def close(self) -> None:
        while self._roots:
            os.close(self._roots.popitem()[1])
        if self._container_view is not None:
            self._container_view.close()
            self._container_view = None

    def plain_dir(self, path: str) -> bool | None:
        """Whether path is a directory, not a symlink, in the target's root
        (a container path); None when that cannot be read."""
        if self._container_view is None:
            fd = self._fd(self.container_pid, "/") if self.container_pid is not None else None
            if fd is None:
                return None
            self._container_view = RootFS(f"/proc/self/fd/{fd}")
        try:
            st = self._container_view.lstat(path)
        except (OSError, PackError):
            return None
        return st is not None and stat.S_ISDIR(st.st_mode)

    def _fd(self, pid: int, root: str) -> int | None:
        fd = self._roots.get(root)
        if fd is not None:
            return fd
        fd = _open_root(pid, root)
        if fd is None and self.container_pid is not None:
            fd = _open_root(self.container_pid, root)
        if fd is not None:
            self._roots[root] = fd
        return fd

    def reached(self, pid: int, root: str, path: str, program: bool = False) -> list[Reached]:
        """What the lookup of path (a container path under root, used by
        pid) reached besides path: where its symlinks ended, and for a
        program, its interpreters. Nothing when the jail cannot be read."""
        key = (root, path, program)
        done = self._done.get(key)
        if done is not None:
            return done
        if top_of(path, [root]) is None:
            return []
        fd = self._fd(pid, root)
        if fd is None:
            return []
        if len(self._done) >= REMEMBERED_MAX:
            self._done.clear()
        self._done[key] = done = self._look(fd, root, path, program)
        return done

    def _look(self, fd: int, root: str, path: str, program: bool) -> list[Reached]:
        view = RootFS(f"/proc/self/fd/{fd}")
        try:
            out: list[Reached] = []
            inner = below(path, root)
            physical = self._final(view, inner)
            if physical is None:
                return []
            if physical != inner:
                out.append(Reached(under_root(root, physical), "link"))
            if program:
                out += self._interpreters(view, root, physical)
            return out
        except (OSError, PackError):
            return []
        finally:
            view.close()

    @staticmethod
    def _final(view: RootFS, inner: str) -> str | None:
        """Where the lookup of inner ends in the view, None if nowhere."""
        try:
            return view.walk(inner).final
        except SymlinkLoop:
            return None

    def _interpreters(self, view: RootFS, root: str, program: str) -> list[Reached]:
        out = []
        for _ in range(INTERPRETERS_MAX):
            interp = _interpreter(view, program)
            if interp is None:
                break
            out.append(Reached(under_root(root, interp), "interp"))
            final = self._final(view, interp)
            if final is None:
                break
            if final != interp:
                out.append(Reached(under_root(root, final), "interp"))
            program = final
        return out


def _open_root(pid: int, root: str) -> int | None:
    """An O_PATH descriptor of the directory root (a container path), found
    in the root of process pid: that root itself, or a directory under it
    (resolved inside it); None when pid is gone or root is not in its view."""
    try:
        own = os.readlink(f"/proc/{pid}/root")
        if top_of(root, [own]) is None:
            return None
        with RootFS(f"/proc/{pid}/root") as view:
            return view.open(below(root, own), os.O_PATH | os.O_DIRECTORY)
    except (OSError, PackError):
        return None


def _interpreter(view: RootFS, program: str) -> str | None:
    """The interpreter the kernel loads for program (physical, in the
    view): its PT_INTERP, or the program of its "#!" line."""
    try:
        with view.open_file(program, hold=False) as fh:
            head = fh.read(256)
            if head.startswith(elf.ELF_MAGIC):
                info = elf.read_elf(fh)
                return info.interpreter if info is not None else None
    except (OSError, PackError):
        return None
    if head.startswith(b"#!"):
        words = head[2:].split(b"\n", 1)[0].split()
        if words and words[0].startswith(b"/"):
            with contextlib.suppress(UnicodeDecodeError):
                return words[0].decode()
    return None
