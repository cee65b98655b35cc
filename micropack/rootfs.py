"""A container's filesystem seen from the host, resolved the way the kernel
resolves paths but never outside the container's root: an absolute symlink
restarts at the container's root, '..' stops at it.

Every access goes through file descriptors, never through a host path: the
root is held as an O_PATH descriptor, and a lookup is either one name
relative to a directory descriptor (fstatat, readlinkat) or openat2(2) with
RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS, where the kernel itself keeps '..'
and every symlink inside the root. A live container that swaps a directory
for a symlink to '/' between two lookups therefore still reaches only its
own files (a host path such as /proc/PID/root/a/b would follow such a link
to the host's '/'). Files are read only after their descriptor was checked
to be a regular file, by reopening that very descriptor: a device node or a
FIFO the container put in place is never opened for reading."""
from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import resource
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, cast

from micropack.errors import PackError
from micropack.record import is_pseudo

MAX_SYMLINKS = 40   # the kernel's limit (ELOOP)
# Directory levels below the root that a walk of a tree (scan, iter_tree)
# descends: each level holds a descriptor while its subdirectories are read,
# so a hostile source (a chain of a million directories) can neither exhaust
# them nor make the walk go on without end. A directory deeper than this is
# listed by its parent but not read; it is noted in RootFS.too_deep, and the
# pack says so (a warning, or an error where it needs that directory whole).
MAX_DEPTH = 256

# openat2(2): one number on every architecture but alpha since Linux 5.6.
SYS_OPENAT2 = 437
RESOLVE_NO_XDEV = 0x01
RESOLVE_NO_MAGICLINKS = 0x02
RESOLVE_NO_SYMLINKS = 0x04
RESOLVE_BENEATH = 0x08
RESOLVE_IN_ROOT = 0x10
IN_ROOT = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS

# Errors that mean "no such file here" for a lookup.
MISSING = frozenset({errno.ENOENT, errno.ENOTDIR, errno.ELOOP, errno.ENAMETOOLONG})


class _OpenHow(ctypes.Structure):
    _fields_ = [("flags", ctypes.c_uint64), ("mode", ctypes.c_uint64), ("resolve", ctypes.c_uint64)]


_libc = ctypes.CDLL(None, use_errno=True)
_syscall = _libc.syscall
_syscall.restype = ctypes.c_long
_syscall.argtypes = [ctypes.c_long, ctypes.c_int, ctypes.c_char_p, ctypes.c_void_p, ctypes.c_size_t]


def openat2(dirfd: int, path: str | bytes, flags: int, resolve: int, mode: int = 0) -> int:
    """openat2(2) (Python has no wrapper). EAGAIN, which the kernel returns
    when a rename raced a '..' lookup under RESOLVE_IN_ROOT, is retried."""
    raw = os.fsencode(path) or b"."
    how = _OpenHow(flags | os.O_CLOEXEC, mode, resolve)
    for _ in range(64):
        fd = _syscall(SYS_OPENAT2, dirfd, raw, ctypes.byref(how), ctypes.sizeof(how))
        if fd >= 0:
            return int(fd)
        err = ctypes.get_errno()
        if err == errno.EAGAIN:
            continue
        if err == errno.ENOSYS:
            raise PackError("this kernel has no openat2(2): micropack needs Linux 5.6 or newer "
                            "to read a source safely")
        raise OSError(err, os.strerror(err), os.fsdecode(path))
    raise OSError(errno.EAGAIN, "lookup kept racing a rename", os.fsdecode(path))


_proc_fd = -1      # this process's /proc/PID/fd, opened once (again in a forked child)


def _forget_proc_fd() -> None:
    global _proc_fd
    _proc_fd = -1


os.register_at_fork(after_in_child=_forget_proc_fd)


def reopen(fd: int, flags: int = os.O_RDONLY) -> int:
    """A readable descriptor of the very inode an O_PATH descriptor holds
    (through this process's own /proc, never a path of the source)."""
    global _proc_fd
    if _proc_fd < 0:
        _proc_fd = os.open(f"/proc/{os.getpid()}/fd", os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
    return os.open(str(fd), flags | os.O_CLOEXEC | os.O_NOCTTY | os.O_NONBLOCK, dir_fd=_proc_fd)


class _Reader:
    """A read-only file over a descriptor, by position (pread): each reader
    has its own offset, and making one costs no system call (io.FileIO's
    fstat was a tenth of a pack's closure)."""

    __slots__ = ("fd", "pos", "own")

    def __init__(self, fd: int, own: bool) -> None:
        self.fd, self.pos, self.own = fd, 0, own

    def read(self, n: int = -1) -> bytes:
        if n < 0:
            chunks = []
            while chunk := os.pread(self.fd, 1 << 20, self.pos):
                chunks.append(chunk)
                self.pos += len(chunk)
            return b"".join(chunks)
        data = os.pread(self.fd, n, self.pos)
        self.pos += len(data)
        return data

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        if whence == os.SEEK_SET:
            self.pos = offset
        elif whence == os.SEEK_CUR:
            self.pos += offset
        else:
            self.pos = os.fstat(self.fd).st_size + offset
        return self.pos

    def tell(self) -> int:
        return self.pos

    def close(self) -> None:
        fd, self.fd = self.fd, -1       # forgotten first: a signal between the two closes nothing twice
        if self.own and fd >= 0:
            os.close(fd)

    def __enter__(self) -> _Reader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SymlinkLoop(Exception):
    pass


@dataclass
class Walk:
    """The result of resolving one path inside the root."""

    final: str | None                 # physical path inside the container; None if missing
    links: list[str] = field(default_factory=list)   # every symlink followed, in order
    missing_at: str | None = None     # the component that did not exist
    # directories a '..' went up from (physical paths): the lookup passes
    # through them though the final path is not under them, so an image
    # without them fails it (/opt/dirlink/../real needs dirlink's target)
    dotdot_from: list[str] = field(default_factory=list)


_ROOT_WALK = Walk(final="/")


def _plain(path: str) -> bool:
    """An absolute path with no empty, '.' or '..' component: its directory
    part can be resolved on its own and reused."""
    return (path.startswith("/") and len(path) > 1 and not path.endswith("/")
            and "//" not in path and "/./" not in path and "/../" not in path
            and not path.endswith(("/.", "/..")))


def parent_of(path: str) -> str:
    return path.rsplit("/", 1)[0] or "/"


def join(base: str, name: str) -> str:
    return base.rstrip("/") + "/" + name


def top_of(path: str, tops: Iterable[str]) -> str | None:
    """The first of the directories tops that path is, or is below; None
    when it is under none of them."""
    for top in tops:
        if path == top or path.startswith(top.rstrip("/") + "/"):
            return top
    return None


def below(path: str, top: str) -> str:
    """path, which is or is below the directory top (see top_of), as seen
    from top: "/" for top itself."""
    return path[len(top.rstrip("/")):] or "/"


def depth(path: str) -> int:
    """Levels of a container path below the root: /var/junk is 2."""
    return sum(1 for p in path.split("/") if p)


def short_path(path: str, keep: int = 6) -> str:
    """A path for a one-line message: a very deep one cut in the middle."""
    parts = [p for p in path.split("/") if p]
    if len(parts) <= keep + 2:
        return path
    return "/" + "/".join(parts[:keep]) + f"/.../{parts[-1]} ({len(parts)} levels)"


def split_plain(path: str) -> tuple[str, str] | None:
    """(directory, name) of an absolute path whose last component is a
    plain name, else None ('/', '.', '..', a trailing slash)."""
    if not path.startswith("/") or path.endswith("/"):
        return None
    parent, _, name = path.rpartition("/")
    if name in (".", ".."):
        return None
    return parent or "/", name


class RootFS:
    # directory descriptors kept open at once (a pack visits them in order)
    DIRFDS = 256

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self._root_str = str(self.root)
        self._fd: int | None = None
        # one pack resolves the same directories thousands of times
        self._lstat_cache: dict[str, os.stat_result | None] = {}
        self._dir_cache: dict[str, Walk] = {}
        self._dirfds: dict[str, int] = {}
        self._held: dict[str, tuple[int, os.stat_result]] = {}
        self._budget: int | None = None
        # directories a walk did not descend into (more than MAX_DEPTH deep),
        # in the order met: an ordered set
        self.too_deep: dict[str, None] = {}

    # -- descriptors ----------------------------------------------------------

    @property
    def fd(self) -> int:
        """O_PATH descriptor of the root, opened once: for a container this
        pins its root even if /proc/PID/root later names something else."""
        if self._fd is None:
            try:
                self._fd = os.open(self._root_str, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
            except OSError as exc:
                raise PackError(f"cannot open the source root {self._root_str}: {exc.strerror}") from exc
        return self._fd

    def close(self) -> None:
        # each descriptor is forgotten before it is closed: close() runs
        # again from __del__, and after a signal handled between the two
        # it would close a number twice (EBADF in place of the Interrupted)
        self.drop_held()
        while self._dirfds:
            os.close(self._dirfds.popitem()[1])
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)

    def __enter__(self) -> RootFS:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):   # at interpreter shutdown
            self.close()

    def open(self, path: str, flags: int, resolve: int = IN_ROOT) -> int:
        """openat2 of path (a container path) relative to the root."""
        rel = path.lstrip("/")
        if not rel:
            return openat2(self.fd, ".", flags, resolve)
        return openat2(self.fd, rel, flags, resolve)

    def dirfd(self, path: str) -> int:
        """O_PATH descriptor of the directory path, resolved inside the root,
        from a small cache (the oldest is closed first: a pack visits
        directories in order). Use it at once: a later call may close it."""
        if path == "/":
            return self.fd
        fd = self._dirfds.get(path)
        if fd is not None:
            return fd
        fd = self.open(path, os.O_PATH | os.O_DIRECTORY)
        self._dirfds[path] = fd
        if len(self._dirfds) > self.DIRFDS:
            os.close(self._dirfds.pop(next(iter(self._dirfds))))
        return fd

    def host(self, path: str) -> str:
        """The host path of a container path, for messages and for tools that
        need a path (rpm --root). Never read a live source through it: a
        symlink the container swaps in would be followed on the host."""
        return self._root_str + "/" + path.lstrip("/")

    # -- lookups --------------------------------------------------------------

    def lstat(self, path: str) -> os.stat_result | None:
        """The path's own metadata (the last component is not followed;
        the directories before it are resolved inside the root)."""
        if path in self._lstat_cache:
            return self._lstat_cache[path]
        st: os.stat_result | None
        try:
            parent, _, name = path.rpartition("/")
            if path[:1] == "/" and name and name != "." and name != "..":
                st = os.stat(name, dir_fd=self.dirfd(parent or "/"), follow_symlinks=False)
            else:
                fd = self.open(path, os.O_PATH | os.O_NOFOLLOW)
                try:
                    st = os.fstat(fd)
                finally:
                    os.close(fd)
        except OSError as exc:
            if exc.errno not in MISSING:
                raise
            st = None
        self._lstat_cache[path] = st
        return st

    def readlink(self, path: str) -> str:
        parts = split_plain(path)
        if parts is not None:
            return os.readlink(parts[1], dir_fd=self.dirfd(parts[0]))
        fd = self.open(path, os.O_PATH | os.O_NOFOLLOW)
        try:
            return os.readlink("", dir_fd=fd)
        finally:
            os.close(fd)

    def open_regular(self, path: str) -> tuple[int, os.stat_result] | None:
        """A read-only descriptor of path and its metadata, only when path
        (its last component not followed) is a regular file; None when it is
        missing or anything else. The check and the read are on one inode.
        None under /proc, /sys and /dev: the kernel's files, not the image's
        (/proc/kmsg is a regular file whose read waits for the host's next
        kernel message, read by a --pid pack through a crafted link)."""
        if is_pseudo(path):
            return None
        try:
            parent, _, name = path.rpartition("/")
            if path[:1] == "/" and name and name != "." and name != "..":
                opath = os.open(name, os.O_PATH | os.O_NOFOLLOW | os.O_CLOEXEC,
                                dir_fd=self.dirfd(parent or "/"))
            else:
                opath = self.open(path, os.O_PATH | os.O_NOFOLLOW)
        except OSError as exc:
            if exc.errno in MISSING:
                return None
            raise
        try:
            st = os.fstat(opath)
            if not stat.S_ISREG(st.st_mode):
                return None
            return reopen(opath), st
        finally:
            os.close(opath)

    def open_file(self, path: str, hold: bool = True) -> BinaryIO:
        """An unbuffered binary file of the regular file at path (see
        open_regular); OSError when it is missing or not a regular file.

        With hold (what the closure reads: what it keeps), the descriptor is
        kept, up to a budget, so the archive later reads the very inode the
        closure read, without opening it again (take_regular)."""
        held = self._held.get(path)
        if held is not None:
            return cast(BinaryIO, _Reader(held[0], own=False))
        opened = self.open_regular(path)
        if opened is None:
            raise OSError(errno.EINVAL, "not a regular file (any more)", path)
        if not hold or len(self._held) >= self._hold_budget():
            return cast(BinaryIO, _Reader(opened[0], own=True))
        self._held[path] = opened
        return cast(BinaryIO, _Reader(opened[0], own=False))

    def held(self, path: str) -> tuple[int, os.stat_result] | None:
        """The descriptor open_file kept for path, still the RootFS's."""
        return self._held.get(path)

    def take_regular(self, path: str) -> tuple[int, os.stat_result] | None:
        """The descriptor open_file kept for path, and the caller's to close."""
        return self._held.pop(path, None)

    def drop_held(self) -> None:
        # thousands, mostly opened one after the other: closed a run of
        # consecutive numbers at a time (close_range), not one by one
        fds = sorted(fd for fd, _ in self._held.values())
        self._held.clear()
        start = 0
        for i in range(1, len(fds) + 1):
            if i == len(fds) or fds[i] != fds[i - 1] + 1:
                os.closerange(fds[start], fds[i - 1] + 1)
                start = i

    def _hold_budget(self) -> int:
        """How many read descriptors open_file may keep: a pack holds one per
        regular file it read, so the soft limit is raised toward the hard one
        (as Go programs do at start), leaving room for everything else."""
        if self._budget is None:
            soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
            wanted = 1 << 16
            if soft < wanted and (hard == resource.RLIM_INFINITY or hard > soft):
                new = wanted if hard == resource.RLIM_INFINITY else min(hard, wanted)
                with contextlib.suppress(ValueError, OSError):
                    resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
                    soft = new
            self._budget = max(0, soft - 1024)
        return self._budget

    def read_file(self, path: str, limit: int) -> bytes | None:
        """What micropack itself reads from a source (ld.so.conf, ld.so.cache,
        package databases, ...): path resolved inside the root, opened only
        when it is a regular file (a FIFO would hang, /dev/zero never end),
        and read up to limit bytes. None when it is missing or not a regular
        file; PackError when it is larger than limit."""
        try:
            final = self.walk(path).final
        except SymlinkLoop:
            return None
        if final is None:
            return None
        opened = self.open_regular(final)
        if opened is None:
            return None
        fd, st = opened
        with os.fdopen(fd, "rb", buffering=0) as fh:
            data = fh.read(limit + 1) if st.st_size <= limit else b"x" * (limit + 1)
        if len(data) > limit:
            raise PackError(f"{path} in the source is larger than {limit} bytes: not read")
        return data

    def _open_dir(self, path: str) -> int | None:
        """A readable descriptor of the directory path (for listing)."""
        try:
            return self.open(path, os.O_RDONLY | os.O_DIRECTORY)
        except OSError as exc:
            if exc.errno in MISSING or exc.errno == errno.EACCES:
                return None
            raise

    def list_dir(self, path: str) -> list[str] | None:
        """Names in directory path, resolved inside the root; None when it is
        missing or not a directory."""
        try:
            final = self.walk(path).final
        except SymlinkLoop:
            return None
        st = self.lstat(final) if final else None
        if final is None or st is None or not stat.S_ISDIR(st.st_mode):
            return None
        fd = self._open_dir(final)
        if fd is None:
            return None
        try:
            return sorted(os.listdir(fd))
        finally:
            os.close(fd)

    def walk(self, path: str, follow_final: bool = True) -> Walk:
        """Resolve path component by component inside the root."""
        if _plain(path):
            # the directory part is resolved once per directory, then cached
            parent, name = path.rsplit("/", 1)
            base = self._directory(parent or "/")
            if base is not None:
                return self._resolve(path, [name], base.final or "/", list(base.links),
                                     list(base.dotdot_from), follow_final)
        pending = [p for p in path.split("/") if p]
        pending.reverse()                 # a stack: next component on top
        return self._resolve(path, pending, "/", [], [], follow_final)

    def _directory(self, path: str) -> Walk | None:
        """walk(path) when it ends at a directory, else None."""
        if path == "/":
            return _ROOT_WALK
        found = self._dir_cache.get(path)
        if found is None:
            found = self.walk(path)
            st = self.lstat(found.final) if found.final else None
            if st is None or not stat.S_ISDIR(st.st_mode):
                return None
            self._dir_cache[path] = found
        return found

    def _resolve(self, path: str, pending: list[str], current: str, links: list[str],
                 dotdot_from: list[str], follow_final: bool) -> Walk:
        """Resolve the components on the pending stack from current, which
        was reached by following links and going up from dotdot_from."""
        result = Walk(final=None, links=links, dotdot_from=dotdot_from)
        while pending:
            name = pending.pop()
            if name == ".":
                continue
            if name == "..":
                if current != "/":
                    dotdot_from.append(current)
                current = parent_of(current)
                continue
            candidate = join(current, name)
            if is_pseudo(candidate) and ".." not in pending:
                # the kernel's trees, not the image's: a link there names
                # what depends on who reads it (/proc/self, read from
                # outside the container's pid namespace, names nothing:
                # docker's /etc/mtab -> /proc/mounts -> self/mounts made
                # pack --pid fail, "the container is changing it")
                result.final = "/".join([candidate, *reversed(pending)])
                return result
            st = self.lstat(candidate)
            if st is None:
                result.missing_at = candidate
                return result
            if stat.S_ISLNK(st.st_mode) and (pending or follow_final):
                if len(links) >= MAX_SYMLINKS:
                    raise SymlinkLoop(f"too many levels of symbolic links resolving {path}")
                links.append(candidate)
                try:
                    target = self.readlink(candidate)
                except OSError as exc:
                    if exc.errno not in (errno.EINVAL, *MISSING):
                        raise
                    raise PackError(f"{candidate} changed while it was resolved (it is no symlink "
                                    "any more): the container is changing it; pack again, or "
                                    "from --image") from exc
                if target.startswith("/"):
                    current = "/"
                parts = [p for p in target.split("/") if p]
                pending.extend(reversed(parts))
                continue
            if pending and not stat.S_ISDIR(st.st_mode):
                result.missing_at = candidate     # ENOTDIR
                return result
            current = candidate
        result.final = current
        return result

    # -- trees ----------------------------------------------------------------

    def scan(self, top: str = "/",
             skip: frozenset[str] = frozenset()) -> Iterator[tuple[str, os.DirEntry[str]]]:
        """(container path, entry) for everything under the directory top
        (resolved inside the root), not following symlinks, each directory's
        entries in name order before its subdirectories. Subdirectories are
        opened one name at a time relative to their parent's descriptor, so
        nothing the container renames meanwhile can lead outside it. Paths
        in skip are listed but not descended into."""
        fd = self._open_dir(top)
        if fd is None:
            return
        base = "/" if top.strip("/") == "" else "/" + top.strip("/")
        stack: list[tuple[int, Iterator[tuple[str, str]]]] = []
        try:
            while True:
                subdirs = []
                try:
                    with os.scandir(fd) as it:
                        entries = sorted(it, key=lambda e: e.name)
                except OSError:
                    entries = []
                for entry in entries:
                    child = join(base, entry.name)
                    yield child, entry
                    if child not in skip and entry.is_dir(follow_symlinks=False):
                        subdirs.append((child, entry.name))
                opened, fd = fd, -1     # in one place at a time: never closed twice
                stack.append((opened, iter(subdirs)))
                while stack and fd < 0:
                    parent_fd, pending = stack[-1]
                    nxt = next(pending, None)
                    if nxt is None:
                        stack.pop()
                        os.close(parent_fd)
                        continue
                    if depth(nxt[0]) > MAX_DEPTH:
                        # not descended into: noted, and the walk goes on
                        # (the stack never holds more than MAX_DEPTH descriptors)
                        self.too_deep.setdefault(nxt[0], None)
                        continue
                    base = nxt[0]
                    try:
                        fd = os.open(nxt[1], os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC,
                                     dir_fd=parent_fd)
                    except OSError:
                        fd = -1
                if fd < 0:
                    return
        finally:
            while stack:
                os.close(stack.pop()[0])
            if fd >= 0:
                os.close(fd)

    def iter_tree(self, top: str = "/") -> list[str]:
        """Every path under top (not following symlinks), container paths."""
        return [path for path, _ in self.scan(top)]
