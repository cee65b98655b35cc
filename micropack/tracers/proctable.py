"""User-space view of each traced process's working directory, and of the
directories the kernel names by identity, so relative and dirfd-relative
names become absolute paths.

The kernel side reports chdir, fchdir, fork, exec and exit, and gives every
fd an open returns an identity (a hash of what it was opened as, whatever
its number); an event that names a directory fd carries that fd's identity,
and the first event of each identity says which absolute path it is. A
process first seen mid-flight, or an fd the kernel never saw opened, is
asked through /proc.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from micropack.record import clean_path

AT_FDCWD = -100
MAX_UNCLAIMED = 65536   # forked ids never seen again are threads


@dataclass
class ProcState:
    cwd: str | None


def proc_cwd(pid: int) -> str | None:
    # Read from the host, a container process's cwd prints as its path inside
    # the container's mount namespace.
    try:
        return os.readlink(f"/proc/{pid}/cwd")
    except OSError:
        return None


def proc_fd(pid: int, fd: int) -> str | None:
    try:
        target = os.readlink(f"/proc/{pid}/fd/{fd}")
    except OSError:
        return None
    return target if target.startswith("/") else None


class ProcessTable:
    def __init__(self, cwd_probe: Callable[[int], str | None] = proc_cwd,
                 fd_probe: Callable[[int, int], str | None] = proc_fd) -> None:
        self._procs: dict[int, ProcState] = {}
        self._born: dict[int, ProcState] = {}   # forked children not yet seen
        self._cwd_probe = cwd_probe
        self._fd_probe = fd_probe
        self.dirs: dict[int, str] = {}          # kernel identity -> absolute path

    def state(self, pid: int) -> ProcState:
        st = self._procs.get(pid)
        if st is None:
            st = self._born.pop(pid, None) or ProcState(cwd=self._cwd_probe(pid))
            self._procs[pid] = st
        return st

    def resolve(self, pid: int, dirfd: int, name: str, base: int = 0) -> str | None:
        """The absolute path of name, or None when its base is unknown."""
        if name.startswith("/"):
            # most names are clean already: the consumer's hot path
            if "//" in name or "/." in name or name.endswith("/"):
                return clean_path(name)
            return name
        directory = self.directory_of(pid, dirfd, base)
        if directory is None:
            return None
        return clean_path(f"{directory}/{name}") if name else clean_path(directory)

    def directory_of(self, pid: int, dirfd: int, base: int = 0) -> str | None:
        """The directory dirfd names: the cwd for AT_FDCWD, else the path of
        the kernel's identity for it, else what /proc says now."""
        if dirfd == AT_FDCWD:
            return self.state(pid).cwd
        known = self.dirs.get(base) if base else None
        return known if known is not None else self._fd_probe(pid, dirfd)

    def probe_cwd(self, pid: int) -> str | None:
        return self._cwd_probe(pid)

    def opened(self, identity: int, path: str) -> None:
        """The kernel gave an fd opened as path this identity."""
        self.dirs[identity] = path

    def chdir(self, pid: int, path: str | None) -> None:
        """None: the process went somewhere unknown; its relative names are
        unresolved from now on rather than resolved against where it was."""
        self.state(pid).cwd = path

    def fork(self, parent: int, child: int) -> None:
        # A thread (same process) shares the parent's state and is never
        # looked up by its own id, so copying is right for both cases; the
        # oldest unclaimed copies (threads) are dropped past a bound.
        if len(self._born) >= MAX_UNCLAIMED:
            for stale in list(self._born)[: MAX_UNCLAIMED // 2]:
                del self._born[stale]
        self._born[child] = ProcState(cwd=self.state(parent).cwd)

    def exit(self, pid: int) -> None:
        self._procs.pop(pid, None)
