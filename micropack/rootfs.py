"""A container's filesystem seen from the host, resolved the way the kernel
resolves paths but never outside the container's root: an absolute symlink
restarts at the container's root, '..' stops at it."""
from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from micropack.errors import PackError

MAX_SYMLINKS = 40   # the kernel's limit (ELOOP)


class SymlinkLoop(Exception):
    pass


@dataclass
class Walk:
    """The result of resolving one path inside the root."""

    final: str | None                 # physical path inside the container; None if missing
    links: list[str] = field(default_factory=list)   # every symlink followed, in order
    missing_at: str | None = None     # the component that did not exist


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


class RootFS:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self._root_str = str(self.root)
        # one pack resolves the same directories thousands of times
        self._lstat_cache: dict[str, os.stat_result | None] = {}
        self._dir_cache: dict[str, Walk] = {}

    def host(self, path: str) -> str:
        """Host path of an already resolved container path (no symlink in any
        of its directories, which walk() guarantees)."""
        return self._root_str + "/" + path.lstrip("/")

    def lstat(self, path: str) -> os.stat_result | None:
        if path in self._lstat_cache:
            return self._lstat_cache[path]
        try:
            st: os.stat_result | None = os.lstat(self.host(path))
        except (FileNotFoundError, NotADirectoryError):
            st = None
        self._lstat_cache[path] = st
        return st

    def readlink(self, path: str) -> str:
        return os.readlink(self.host(path))

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
        st = self.lstat(final) if final else None
        if final is None or st is None or not stat.S_ISREG(st.st_mode):
            return None
        try:
            fd = os.open(self.host(final), os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
        except OSError:
            return None
        with os.fdopen(fd, "rb", buffering=0) as fh:
            opened = os.fstat(fd)
            if not stat.S_ISREG(opened.st_mode):
                return None
            data = fh.read(limit + 1) if opened.st_size <= limit else b"x" * (limit + 1)
        if len(data) > limit:
            raise PackError(f"{path} in the source is larger than {limit} bytes: not read")
        return data

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
        try:
            return sorted(os.listdir(self.host(final)))
        except OSError:
            return None

    def walk(self, path: str, follow_final: bool = True) -> Walk:
        """Resolve path component by component inside the root."""
        if _plain(path):
            # the directory part is resolved once per directory, then cached
            parent, name = path.rsplit("/", 1)
            base = self._directory(parent or "/")
            if base is not None:
                return self._resolve(path, [name], base.final or "/", list(base.links), follow_final)
        pending = [p for p in path.split("/") if p]
        pending.reverse()                 # a stack: next component on top
        return self._resolve(path, pending, "/", [], follow_final)

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
                 follow_final: bool) -> Walk:
        """Resolve the components on the pending stack from current, which
        was reached by following links."""
        result = Walk(final=None, links=links)
        while pending:
            name = pending.pop()
            if name == ".":
                continue
            if name == "..":
                current = parent_of(current)
                continue
            candidate = join(current, name)
            st = self.lstat(candidate)
            if st is None:
                result.missing_at = candidate
                return result
            if stat.S_ISLNK(st.st_mode) and (pending or follow_final):
                if len(links) >= MAX_SYMLINKS:
                    raise SymlinkLoop(f"too many levels of symbolic links resolving {path}")
                links.append(candidate)
                target = self.readlink(candidate)
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

    def iter_tree(self, top: str = "/") -> list[str]:
        """Every path under top (not following symlinks), container paths."""
        out = []
        host_top = self.host(top)
        prefix = len(str(self.root).rstrip("/"))
        for dirpath, dirnames, filenames in os.walk(host_top):
            for name in dirnames + filenames:
                out.append(os.path.join(dirpath, name)[prefix:] or "/")
        return out
