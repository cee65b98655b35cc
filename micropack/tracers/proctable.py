"""User-space view of each traced process's working directory, and of the
directories the kernel names by identity, so relative and dirfd-relative
names become absolute paths.

The kernel side reports chdir, fchdir, chroot, fork, exec and exit, and gives every
fd an open returns an identity (a hash of what it was opened as, whatever
its number); an event that names a directory fd carries that fd's identity,
and the first event of each identity says which absolute path it is. A
process first seen mid-flight, or an fd the kernel never saw opened, is
asked through /proc.

A process under a chroot has a root of its own: its absolute names are
resolved under that root, and a '..' stops there (its working directory and
the paths /proc shows are the container's, whatever its root). The kernel
hashes a jailed process's absolute names with its root's identity and sends
that as their base: an absolute name with a base is a jailed one, even for
a process this table thought was not. A process already under a chroot
when the trace began is found through /proc/PID/root (only one that began
before the trace: for a younger one, /proc, read a moment after its event,
may show a chroot it made after it); the kernel knows
nothing of that chroot, so the identities it gives such a process's fds
(and whatever is opened relative to them) are the container's names', and
are never taken as directories.
"""
from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Callable
from dataclasses import dataclass

from micropack.record import clean_path, fold_dotdot, under_root
from micropack.rootfs import below, top_of

AT_FDCWD = -100
MAX_UNCLAIMED = 65536   # forked ids never seen again are threads


@dataclass
class ProcState:
    cwd: str | None
    # its chroot, as a path of the container; None when it is under one
    # that cannot be told (its absolute names are then unresolved)
    root: str | None = "/"
    # a chroot of its own or its ancestors' was seen (even one back to the
    # container's root, which the kernel gives an identity all the same)
    chrooted: bool = False


def held_name(pid: int, link: str) -> str | None:
    """The path of the container the /proc link of process pid (its cwd, one
    of its fds) names, when that path still leads to the very file the link
    holds; else None. Read from the host, a container process's links print
    as paths of its mount namespace, whatever its root; but a link also
    prints a name for a file deleted since ("/x (deleted)"), one renamed
    since, or one of another mount altogether (a message queue's "/q", a
    memfd's), and a name joined to those would be recorded as a file of the
    image, silently wrong. So the name is looked up again from the
    namespace's root (its root's parent as many times as its chroot is deep)
    and kept only where it finds the same device and inode."""
    try:
        target = os.readlink(link)
        root = os.readlink(f"/proc/{pid}/root")
        if not (target.startswith("/") and root.startswith("/")):
            return None
        held = os.stat(link)
        up = "/.." * sum(1 for part in root.split("/") if part)
        found = os.stat(f"/proc/{pid}/root{up}{target}")
    except OSError:
        return None
    return target if (held.st_dev, held.st_ino) == (found.st_dev, found.st_ino) else None


def proc_cwd(pid: int) -> str | None:
    return held_name(pid, f"/proc/{pid}/cwd")


def proc_root(pid: int) -> str | None:
    """Its root: "/" unless it called chroot (the container's own root,
    read from the host, prints as "/" too); None when it cannot be read."""
    try:
        root = os.readlink(f"/proc/{pid}/root")
    except OSError:
        return None
    return root if root.startswith("/") else None


def started_before(since: float) -> Callable[[int], bool]:
    """Whether a process began before since (CLOCK_BOOTTIME seconds), by its
    start time in /proc/PID/stat; True when that cannot be read or is too
    close to tell (a clock tick), as for a process that predates it."""
    tick = os.sysconf("SC_CLK_TCK")

    def check(pid: int) -> bool:
        try:
            with open(f"/proc/{pid}/stat", "rb") as fh:
                fields = fh.read().rsplit(b")", 1)[1].split()
            return int(fields[19]) / tick < since + 1.0 / tick
        except (OSError, IndexError, ValueError):
            return True
    return check


def proc_fd(pid: int, fd: int) -> str | None:
    return held_name(pid, f"/proc/{pid}/fd/{fd}")


class ProcessTable:
    def __init__(self, cwd_probe: Callable[[int], str | None] = proc_cwd,
                 fd_probe: Callable[[int, int], str | None] = proc_fd,
                 root_probe: Callable[[int], str | None] = proc_root,
                 plain_dir: Callable[[str], bool | None] = lambda _: None,
                 predates_trace: Callable[[int], bool] | None = None) -> None:
        self._procs: dict[int, ProcState] = {}
        self._born: dict[int, ProcState] = {}   # forked children not yet seen
        self._cwd_probe = cwd_probe
        self._fd_probe = fd_probe
        self._root_probe = root_probe
        # whether a process began before the trace (every one, until begin())
        self._predates_trace = predates_trace or (lambda pid: True)
        self._given_predates = predates_trace is not None
        self._plain_dir = plain_dir     # whether a path is a directory, no symlink, in the container
        self.dirs: dict[int, str] = {}          # kernel identity -> absolute path
        # identities the kernel gave fds a jailed process opened by an
        # absolute name without its root's identity (a chroot before the
        # trace began), and those opened relative to them: the container's
        # names' identities, so never taken as directories (/proc is asked)
        self._unsure: set[int] = set()
        self.jailed = False     # some process is under a chroot

    def begin(self) -> None:
        """The trace starts now: a process that begins later makes every
        chroot while traced."""
        if not self._given_predates:
            self._predates_trace = started_before(time.clock_gettime(time.CLOCK_BOOTTIME))

    def state(self, pid: int) -> ProcState:
        st = self._procs.get(pid)
        if st is None:
            st = self._born.pop(pid, None)
            if st is None:
                # First seen, not forked while traced. One that began before
                # the trace may be under a chroot the kernel never saw: /proc
                # says (gone already, "/": the kernel's base says otherwise).
                # One that began since made any chroot while traced, which the
                # kernel reports (its event; its names' root identity), and
                # /proc, read a moment after this event, may show a chroot
                # made after it: a `docker exec C chroot /srv/jail4 /bin/run`
                # had its runtime's reads of /etc/group put in the jail, its
                # chroot resolved in the jail again, and /bin/run lost.
                root = (self._root_probe(pid) or "/") if self._predates_trace(pid) else "/"
                st = ProcState(cwd=self._cwd_probe(pid), root=root)
                self.jailed = self.jailed or root != "/"
            self._procs[pid] = st
        return st

    def resolve(self, pid: int, dirfd: int, name: str, base: int = 0) -> str | None:
        """The absolute path of name, or None when its base is unknown."""
        if name.startswith("/"):
            # a process seen for the first time is asked for its root here
            st = self._procs.get(pid) or self.state(pid)
            root = st.root
            if base and not st.chrooted:
                # the kernel saw a chroot this table did not (its event
                # lost, or the pid's record gone): where to, /proc says
                root = st.root = self._root_probe(pid)
                st.chrooted = self.jailed = True
            if root != "/":
                return None if root is None else under_root(root, name)
            # most names are clean already: the consumer's hot path
            if "//" in name or "/." in name or name.endswith("/"):
                return clean_path(name)
            return name
        directory = self.directory_of(pid, dirfd, base)
        if directory is None:
            return None
        return self.join(pid, directory, name)

    def join(self, pid: int, directory: str, name: str) -> str:
        """name (relative) looked up in directory by process pid: under a
        chroot, a '..' stops at the jail's root."""
        if self.jailed:
            root = self.root_of(pid)
            if root is not None and root != "/" and top_of(directory, [root]):
                return under_root(root, f"{below(directory, root)}/{name}")
        return clean_path(f"{directory}/{name}") if name else clean_path(directory)

    def directory_of(self, pid: int, dirfd: int, base: int = 0) -> str | None:
        """The directory dirfd names: the cwd for AT_FDCWD, else the path of
        the kernel's identity for it, else what /proc says now."""
        if dirfd == AT_FDCWD:
            return self.state(pid).cwd
        known = self.dirs.get(base) if base and base not in self._unsure else None
        return known if known is not None else self._fd_probe(pid, dirfd)

    def probe_cwd(self, pid: int) -> str | None:
        return self._cwd_probe(pid)

    def opened(self, identity: int, path: str, pid: int = 0, name: str = "", base: int = 0) -> None:
        """The kernel gave an fd that process pid opened as name (base: the
        identity the kernel resolved it against), path, this identity."""
        if self.jailed and (base in self._unsure or
                            (not base and name.startswith("/") and self.root_of(pid) != "/")):
            self._unsure.add(identity)
            return
        self.dirs[identity] = fold_dotdot(path, self._plain_dir)

    def chroot(self, pid: int, path: str | None) -> None:
        """A chroot into path (None: unknown, read from /proc; None again
        when that cannot be read)."""
        st = self.state(pid)
        st.root = path if path is not None else self._root_probe(pid)
        st.chrooted = True
        self.jailed = self.jailed or st.root != "/"

    def root_of(self, pid: int) -> str | None:
        st = self._procs.get(pid) or self._born.get(pid)     # (a child not seen yet has its copy)
        return st.root if st is not None else "/"

    def known(self, pid: int) -> bool:
        """Whether the table has pid's state (seen, or forked while traced)."""
        return pid in self._procs or pid in self._born

    def chdir(self, pid: int, path: str | None) -> None:
        """None: the process went somewhere unknown; its relative names are
        unresolved from now on rather than resolved against where it was."""
        self.state(pid).cwd = None if path is None else fold_dotdot(path, self._plain_dir)

    def fork(self, parent: int, child: int) -> None:
        # A thread (same process) shares the parent's state and is never
        # looked up by its own id, so copying is right for both cases; the
        # oldest unclaimed copies (threads) are dropped past a bound.
        if len(self._born) >= MAX_UNCLAIMED:
            for stale in list(self._born)[: MAX_UNCLAIMED // 2]:
                del self._born[stale]
        self._born[child] = dataclasses.replace(self.state(parent))
        self._procs.pop(child, None)    # a pid used again: its last owner's exit was lost

    def exit(self, pid: int) -> None:
        self._procs.pop(pid, None)
        self._born.pop(pid, None)
