"""Manifest -> reproducible rootfs.tar, written by micropack itself from
descriptors opened inside the source's root (rootfs.RootFS).

Every entry is opened relative to its directory's descriptor, one name at a
time, and must be the very inode the closure checked (device, inode and
type): a live container that renames or swaps anything between the check
and the read makes the pack fail naming the path, it never gets another
file (let alone one of the host's) into the archive. Regular files are read
by reopening that descriptor, so a device node swapped in is never opened.

The format is POSIX pax as GNU tar writes it with --format=posix
--numeric-owner --xattrs: ustar headers, pax records only where ustar has
no room (long names and link targets, large sizes, ids and times, xattrs as
SCHILY.xattr.*), hard links as links to the first name, FIFOs, and files
with holes in the GNU.sparse 1.0 format (a 10 GB sparse file stays small;
GNU tar, Go's archive/tar and so docker, podman and containerd restore the
holes). Entries are sorted, owners numeric, no atime/ctime: the same input
gives the same bytes. Data is copied by the kernel (sendfile).

A regular file that changes size or mtime while it is copied is written
again (the output is rewound to its header), up to three times, then it is
an error naming it; its data is never padded or cut."""
from __future__ import annotations

import ctypes
import errno
import fnmatch
import os
import signal
import stat
import struct
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from micropack.errors import PackError
from micropack.record import atomic_output
from micropack.rootfs import MAX_DEPTH, MISSING, RootFS, reopen

# xattrs that describe the storage driver, not the file.
SKIP_XATTRS = ("trusted.overlay.*", "security.selinux")

BLOCK = 512
RECORD = 20 * BLOCK            # the archive is padded to tar's default record size
ATTEMPTS = 3                   # copies of a file that keeps changing while it is read
COPY_CHUNK = 1 << 30           # sendfile moves at most ~2 GiB per call

KICK = 32 << 20                # bytes written between two starts of writeback
SYNC_FILE_RANGE_WRITE = 2

_SIZE_MAX = 0o77777777777      # 11 octal digits
_ID_MAX = 0o7777777            # 7 octal digits


@dataclass
class TarTotals:
    entries: int = 0
    files: int = 0
    bytes: int = 0


class Changed(Exception):
    """A file changed while it was read (retried, then a PackError)."""


_libc = ctypes.CDLL(None, use_errno=True)
_libc.sync_file_range.argtypes = [ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint]


def _sync_file_range(fd: int, offset: int, length: int, flags: int) -> None:
    """sync_file_range(2), which Python lacks; a failure only means no head start."""
    _libc.sync_file_range(fd, offset, length, flags)


# --- header encoding ------------------------------------------------------------

def _split_name(name: bytes) -> tuple[bytes, bytes] | None:
    """(name, prefix) fields holding name in a ustar header, else None."""
    if len(name) <= 100:
        return name, b""
    # the prefix takes everything before some '/', the name field the rest
    start = max(0, len(name) - 101)
    i = name.find(b"/", start)
    while 0 <= i <= 155:
        if 0 < len(name) - i - 1 <= 100:
            return name[i + 1:], name[:i]
        i = name.find(b"/", i + 1)
    return None


def pax_record(key: bytes, value: bytes) -> bytes:
    """'LEN key=value\\n', LEN counting its own digits."""
    body = b" " + key + b"=" + value + b"\n"
    n = len(body) + len(str(len(body)))
    if len(str(n)) + len(body) != n:
        n += 1
    return str(n).encode() + body


# name, mode, uid, gid, size, mtime, checksum, type, link name, magic and
# version, uname and gname (empty: numeric owners), devmajor and devminor,
# prefix, padding
_USTAR = struct.Struct("100s8s8s8s12s12s8s1s100s8s64s16s155s12x")
_MAGIC = b"ustar\x0000"
_DEVICES = b"0000000\x000000000\x00"
_CONST_SUM = sum(_MAGIC) + sum(_DEVICES) + 8 * ord(" ")   # with the checksum field's spaces


def ustar_header(name: bytes, mode: int, uid: int, gid: int, size: int, mtime: int,
                 typeflag: bytes, linkname: bytes = b"") -> tuple[bytes, list[bytes]]:
    """One 512-byte ustar header, and the pax records needed for what does
    not fit in it (the caller writes those first)."""
    records: list[bytes] = []
    fields = _split_name(name)
    if fields is None:
        records.append(pax_record(b"path", name))
        fields = (name[-100:].lstrip(b"/") or name[:100], b"")
    if len(linkname) > 100:
        records.append(pax_record(b"linkpath", linkname))
        linkname = linkname[:100]
    if size > _SIZE_MAX:
        records.append(pax_record(b"size", str(size).encode()))
        size = 0
    if uid > _ID_MAX:
        records.append(pax_record(b"uid", str(uid).encode()))
        uid = 0
    if gid > _ID_MAX:
        records.append(pax_record(b"gid", str(gid).encode()))
        gid = 0
    if not 0 <= mtime <= _SIZE_MAX:
        records.append(pax_record(b"mtime", str(mtime).encode()))
        mtime = 0
    short, prefix = fields
    numbers = b"%07o\0%07o\0%07o\0%011o\0%011o\0" % (mode, uid, gid, size, mtime)
    checksum = sum(short) + sum(numbers) + typeflag[0] + sum(linkname) + sum(prefix) + _CONST_SUM
    return _USTAR.pack(short, numbers[:8], numbers[8:16], numbers[16:24], numbers[24:36], numbers[36:48],
                       b"%06o\0 " % checksum, typeflag, linkname, _MAGIC, b"", _DEVICES, prefix), records


def _utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _pad(n: int) -> bytes:
    return b"\0" * (-n % BLOCK)


_PADS = [_pad(n) for n in range(BLOCK)]     # by n % BLOCK


def _aside(name: bytes, folder: bytes) -> bytes:
    """dir/FOLDER/base: the name of a pax header or a sparse file's stand-in."""
    d, _, base = name.rstrip(b"/").rpartition(b"/")
    out = (d or b".") + b"/" + folder + b"/" + base
    return out if _split_name(out) is not None else folder + b"/" + base[-(99 - len(folder)):]


def pax_block(name: bytes, records: list[bytes], mtime: int) -> bytes:
    """An 'x' header with its records, for the entry called name."""
    data = b"".join(records)
    head, _ = ustar_header(_aside(name, b"PaxHeaders"), 0o644, 0, 0, len(data),
                           max(0, min(mtime, _SIZE_MAX)), b"x")
    return head + data + _pad(len(data))


# --- reading the source ---------------------------------------------------------

def data_extents(fd: int, size: int) -> list[tuple[int, int]]:
    """(offset, length) of the data in a file with holes (SEEK_DATA/SEEK_HOLE)."""
    out: list[tuple[int, int]] = []
    pos = 0
    while pos < size:
        try:
            start = os.lseek(fd, pos, os.SEEK_DATA)
        except OSError as exc:
            if exc.errno == errno.ENXIO:      # only a hole is left
                break
            raise
        if start >= size:
            break
        end = min(os.lseek(fd, start, os.SEEK_HOLE), size)
        out.append((start, end - start))
        pos = end
    return out


def _xattrs(fd: int) -> list[tuple[str, bytes]]:
    try:
        names = os.listxattr(fd)
    except OSError as exc:
        if exc.errno in (errno.ENOTSUP, errno.EBADF):
            return []
        raise
    if not names:
        return []
    out = []
    for n in sorted(names):
        if any(fnmatch.fnmatchcase(n, pattern) for pattern in SKIP_XATTRS):
            continue
        try:
            out.append((n, os.getxattr(fd, n)))
        except OSError as exc:
            if exc.errno != errno.ENODATA:    # removed meanwhile
                raise
    return out


class TarWriter:
    """Writes entries of one RootFS to an open descriptor."""

    SMALL = 64 << 10           # files up to this size are read into the buffer
    FLUSH = 1 << 20            # the buffer is written out from this size on

    def __init__(self, fs: RootFS, out: int, mtime: int | None = None,
                 clamp_mtime: int | None = None, borrowed: bool = False) -> None:
        self.fs, self.out = fs, out
        # a forked writer reads the closure's descriptors without taking
        # them: its exit closes them all at once, its parent keeps its own
        self.borrowed = borrowed
        self.mtime, self.clamp = mtime, clamp_mtime
        self.buf = bytearray()
        self.written = 0
        self.links: dict[tuple[int, int], bytes] = {}
        self._dir_path: str | None = None
        self._dir_fd = -1
        try:
            self.seekable = stat.S_ISREG(os.fstat(out).st_mode)
            self.base = os.lseek(out, 0, os.SEEK_CUR) if self.seekable else 0
        except OSError:
            self.seekable, self.base = False, 0
        self._sendfile = True
        self._kicked = 0

    # -- output ---------------------------------------------------------------

    def _flush(self) -> None:
        buf = self.buf
        while buf:
            n = os.write(self.out, buf)
            del buf[:n]
            self.written += n
        self._kick()

    def _kick(self) -> None:
        """Start writing what is done back to disk now, in the background
        (sync_file_range, no wait): ext4 otherwise allocates the whole
        archive at the rename into place (0.15 s for 300 MB, on the critical
        path; 0.06 s with this)."""
        if self.seekable and self.written - self._kicked >= KICK:
            _sync_file_range(self.out, self.base + self._kicked, self.written - self._kicked,
                             SYNC_FILE_RANGE_WRITE)
            self._kicked = self.written

    def _copy(self, src: int, offset: int, count: int) -> None:
        """count bytes of src from offset to the output; Changed when the
        file ends first."""
        if not count:
            return
        self._flush()
        end = offset + count
        while offset < end:
            want = min(end - offset, COPY_CHUNK)
            if self._sendfile:
                try:
                    n = os.sendfile(self.out, src, offset, want)
                except OSError as exc:
                    if exc.errno not in (errno.EINVAL, errno.ENOSYS):
                        raise
                    self._sendfile = False
                    continue
            else:
                data = os.pread(src, min(want, 1 << 20), offset)
                n = len(data)
                view = memoryview(data)
                while view:
                    view = view[os.write(self.out, view):]
            if n == 0:
                raise Changed(f"it ended at byte {offset} of {end}")
            offset += n
            self.written += n
            self._kick()

    def _rewind(self, to: int) -> None:
        """Drop what was written from offset to on (an entry to write again)."""
        if to >= self.written:
            del self.buf[to - self.written:]
            return
        self.buf.clear()
        os.lseek(self.out, self.base + to, os.SEEK_SET)
        os.ftruncate(self.out, self.base + to)
        self.written = to
        self._kicked = min(self._kicked, to)

    # -- entries --------------------------------------------------------------

    def _time(self, st: os.stat_result) -> tuple[int, list[bytes]]:
        """An entry's mtime in whole seconds, and the pax record of the
        whole time when it has a fraction of a second (a set or clamped
        time has none): Apache's ETags are made of the microseconds, and
        `rsync -a` compares them; without it every file of a minified image
        had another ETag than the original's (a cached copy refetched, a
        resumed download restarted) and rsync sent files again."""
        if self.mtime is not None:
            return self.mtime, []
        t, fraction = divmod(st.st_mtime_ns, 1_000_000_000)
        if self.clamp is not None and t >= self.clamp:
            return self.clamp, []
        if not fraction or t < 0:
            return t, []
        return t, [pax_record(b"mtime", b"%d.%s" % (t, (b"%09d" % fraction).rstrip(b"0")))]

    def _parent(self, parent: str) -> int:
        """Descriptor of the directory parent: resolved inside the root, and
        the very directory the closure saw."""
        self.close()
        try:
            fd = self.fs.open(parent, os.O_PATH | os.O_DIRECTORY)
        except OSError as exc:
            if exc.errno not in MISSING:
                raise
            raise PackError(f"{parent} changed while it was packed (it is gone or no directory "
                            "any more): the running container is changing it; pack again, or "
                            "from --image") from exc
        if parent != "/":
            try:
                self._same(parent, os.fstat(fd), self.fs.lstat(parent))
            except BaseException:
                os.close(fd)
                raise
        self._dir_fd, self._dir_path = fd, parent
        return fd

    @staticmethod
    def _same(path: str, got: os.stat_result, want: os.stat_result | None) -> None:
        if want is None or got.st_ino != want.st_ino or got.st_dev != want.st_dev \
                or (got.st_mode ^ want.st_mode) & 0o170000:
            raise PackError(f"{path} changed while it was packed (replaced, moved or swapped for a "
                            "link by the running container): pack again, or from --image")

    def close(self) -> None:
        # forgotten before closed, here and below: a signal handled between
        # the two (its Interrupted unwinds through a `finally` that closes
        # again) would otherwise close a number twice, and the EBADF would
        # replace the Interrupted
        fd, self._dir_fd, self._dir_path = self._dir_fd, -1, None
        if fd >= 0:
            os.close(fd)

    def add(self, path: str) -> None:
        """Add the container path as the closure resolved it (no symlink on
        its way, itself not followed), from the inode the closure saw."""
        parent, _, base = path.rpartition("/")
        parent = parent or "/"
        if path[:1] != "/" or base in ("", ".", "..") or "/." in path and \
                any(p in (".", "..") for p in parent.split("/")):
            raise PackError(f"cannot pack {path!r}: not a resolved path")
        want = self.fs.lstat(path)
        if want is None:
            raise PackError(f"cannot read {path} from the source: it disappeared")
        held = self.fs.held(path) if self.borrowed else self.fs.take_regular(path)
        if held is not None:
            # the descriptor the closure read through: its inode, no new lookup
            rfd, st = held
            try:
                if st.st_ino != want.st_ino or st.st_dev != want.st_dev:
                    self._same(path, st, want)
                done = self._small(path, rfd, st) if st.st_nlink == 1 and st.st_size <= self.SMALL else 0
                if done < 0:       # it changed: read again, the first attempt made
                    self._regular(path, path[1:].encode("utf-8", "surrogateescape"), rfd,
                                  os.fstat(rfd), tried=1)
                elif not done:
                    self._file_entry(path, rfd, st)
            finally:
                if not self.borrowed:
                    os.close(rfd)
            return
        dfd = self._dir_fd if parent == self._dir_path else self._parent(parent)
        try:
            fd = os.open(base, os.O_PATH | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=dfd)
        except OSError as exc:
            if exc.errno in MISSING:
                raise PackError(f"cannot read {path} from the source: it disappeared while "
                                "it was packed") from exc
            raise
        try:
            st = os.fstat(fd)
            self._same(path, st, want)
            name = path[1:].encode("utf-8", "surrogateescape")
            mode = st.st_mode
            if stat.S_ISREG(mode):
                opath, fd = fd, reopen(fd)
                os.close(opath)
                self._file_entry(path, fd, st)
            elif stat.S_ISDIR(mode):
                rfd = os.open(".", os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC, dir_fd=fd)
                try:
                    xattrs = _xattrs(rfd)
                finally:
                    os.close(rfd)
                self._header(name + b"/", st, 0, b"5", xattrs=xattrs)
            elif stat.S_ISLNK(mode):
                self._header(name, st, 0, b"2", linkname=os.fsencode(os.readlink("", dir_fd=fd)))
            elif stat.S_ISFIFO(mode):
                rfd = reopen(fd)
                try:
                    xattrs = _xattrs(rfd)
                finally:
                    os.close(rfd)
                self._header(name, st, 0, b"6", xattrs=xattrs)
            else:
                raise PackError(f"cannot pack {path}: a socket or device node")
        finally:
            os.close(fd)

    def add_content(self, path: str, data: bytes) -> None:
        """Add the container path, a regular file of the source, with data
        in place of what it holds (its mode, owner and time kept): a list
        of packages cut to what is kept (packages.kept_listing)."""
        st = self.fs.lstat(path)
        if st is None or not stat.S_ISREG(st.st_mode):
            raise PackError(f"cannot pack {path}: it changed while it was packed (no regular file now)")
        self._header(path[1:].encode("utf-8", "surrogateescape"), st, len(data), b"0")
        self.buf += data
        self.buf += _pad(len(data))
        if len(self.buf) >= self.FLUSH:
            self._flush()

    def _small(self, path: str, rfd: int, st: os.stat_result) -> int:
        """The common entry, in one piece: a small regular file with no
        other name. 1 when written; 0 when it needs the general way (xattrs,
        a long name, large ids); -1 when its size changed."""
        size = st.st_size
        try:
            if os.listxattr(rfd):
                return 0
        except OSError:
            return 0
        data = os.pread(rfd, size + 1, 0)
        if len(data) != size:
            return -1
        mtime, stamp = self._time(st)
        name = path[1:].encode("utf-8", "surrogateescape")
        head, records = ustar_header(name, st.st_mode & 0o7777, st.st_uid, st.st_gid, size, mtime, b"0")
        if records:
            return 0
        buf = self.buf
        if stamp:
            buf += pax_block(name, stamp, mtime)
        buf += head
        buf += data
        buf += _PADS[size % BLOCK]
        if len(buf) >= self.FLUSH:
            self._flush()
        return 1

    def _file_entry(self, path: str, rfd: int, st: os.stat_result) -> None:
        name = path[1:].encode("utf-8", "surrogateescape")
        key = (st.st_dev, st.st_ino)
        if st.st_nlink > 1 and key in self.links:
            self._header(name, st, 0, b"1", linkname=self.links[key])
            return
        self._regular(path, name, rfd, st)
        if st.st_nlink > 1:
            self.links[key] = name

    def _header(self, name: bytes, st: os.stat_result, size: int, typeflag: bytes,
                linkname: bytes = b"", xattrs: list[tuple[str, bytes]] | None = None,
                extra: list[bytes] | None = None) -> None:
        mtime, stamp = self._time(st)
        head, records = ustar_header(name, st.st_mode & 0o7777, st.st_uid, st.st_gid, size, mtime,
                                     typeflag, linkname)
        records += stamp
        if extra:
            records += extra
        if records and not _utf8(name + linkname):
            # path, linkpath and GNU.sparse.name are UTF-8 unless this says not
            records.insert(0, pax_record(b"hdrcharset", b"BINARY"))
        if xattrs:
            records += [pax_record(b"SCHILY.xattr." + k.encode("utf-8", "surrogateescape"), v)
                        for k, v in xattrs]
        if records:
            self.buf += pax_block(name, records, mtime)
        self.buf += head

    def _regular(self, path: str, name: bytes, rfd: int, st: os.stat_result, tried: int = 0) -> None:
        start = self.written + len(self.buf)
        for attempt in range(tried + 1, ATTEMPTS + 1):
            try:
                self._file(name, rfd, st)
                return
            except Changed as exc:
                wrote = self.written + len(self.buf) > start
                if attempt == ATTEMPTS or (wrote and not self.seekable):
                    times = f" ({attempt} attempts)" if attempt > 1 else ""
                    raise PackError(f"{path} changed size while it was packed: {exc}{times}; "
                                    "nothing was padded or cut: pack again when it is quiet, or "
                                    "from --image") from None
                self._rewind(start)
                st = os.fstat(rfd)

    def _file(self, name: bytes, rfd: int, st: os.stat_result) -> None:
        size = st.st_size
        xattrs = _xattrs(rfd)
        if size <= self.SMALL:
            # one read, one byte more than expected: a change of size shows
            data = os.pread(rfd, size + 1, 0)
            if len(data) != size:
                raise Changed(f"{size} bytes when checked, {len(data) if len(data) <= size else 'more'} "
                              "when read")
            self._header(name, st, size, b"0", xattrs=xattrs)
            self.buf += data
            self.buf += _pad(size)
            if len(self.buf) >= self.FLUSH:
                self._flush()
            return
        extents = None
        if st.st_blocks * 512 < size:
            found = data_extents(rfd, size)
            if sum(n for _, n in found) < size:
                extents = found
        if extents is None:
            self._header(name, st, size, b"0", xattrs=xattrs)
            self._copy(rfd, 0, size)
        else:
            # GNU.sparse 1.0: a map of the data, then only the data
            entries = list(extents)
            if not entries or entries[-1][0] + entries[-1][1] < size:
                entries.append((size, 0))     # where the file ends, in a hole
            smap = (f"{len(entries)}\n" + "".join(f"{o}\n{n}\n" for o, n in entries)).encode()
            smap += _pad(len(smap))
            stored = len(smap) + sum(n for _, n in extents)
            extra = [pax_record(b"GNU.sparse.major", b"1"), pax_record(b"GNU.sparse.minor", b"0"),
                     pax_record(b"GNU.sparse.name", name),
                     pax_record(b"GNU.sparse.realsize", str(size).encode())]
            self._header(_aside(name, b"GNUSparseFile.0"), st, stored, b"0", xattrs=xattrs,
                         extra=extra)
            self.buf += smap
            for offset, length in extents:
                self._copy(rfd, offset, length)
            size = stored
        after = os.fstat(rfd)
        if (after.st_size, after.st_mtime_ns) != (st.st_size, st.st_mtime_ns):
            raise Changed(f"{st.st_size} bytes when its copy began, {after.st_size} after")
        self.buf += _pad(size)

    def finish(self) -> None:
        self.close()
        self.buf += b"\0" * (2 * BLOCK)
        total = self.written + len(self.buf)
        self.buf += b"\0" * (-total % RECORD)
        self._flush()


def _tally(fs: RootFS, paths: list[str], contents: Mapping[str, bytes]) -> TarTotals:
    totals = TarTotals()
    for path in paths:
        st = fs.lstat(path)
        if st is None:
            raise PackError(f"cannot read {path} from the source: it disappeared")
        if stat.S_ISREG(st.st_mode):
            totals.files += 1
            totals.bytes += len(contents[path]) if path in contents else st.st_size
        totals.entries += 1
    return totals


def _write_entries(fs: RootFS, paths: list[str], out: int, mtime: int | None,
                   clamp_mtime: int | None, dest: str, contents: Mapping[str, bytes],
                   borrowed: bool = False) -> None:
    writer = TarWriter(fs, out, mtime, clamp_mtime, borrowed)
    try:
        for path in paths:
            if path in contents:
                writer.add_content(path, contents[path])
            else:
                writer.add(path)
        writer.finish()
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EPIPE):
            raise PackError(f"cannot write {dest}: {exc.strerror}") from exc
        raise
    finally:
        writer.close()


def write_tar(fs: RootFS, paths: list[str], dest: str | Path, mtime: int | None = None,
              clamp_mtime: int | None = None,
              meanwhile: Callable[[TarTotals], None] | None = None,
              contents: Mapping[str, bytes] | None = None) -> TarTotals:
    """Pack paths (container paths, kept as they are: links are not followed)
    from fs into dest, in sorted order. mtime sets every entry's time;
    clamp_mtime (SOURCE_DATE_EPOCH) only lowers newer ones. Hard links stay
    hard links, FIFOs FIFOs; modes keep setuid/setgid/sticky.

    meanwhile(totals) runs while the archive is written (by a child process,
    so the report is made on another core); dest appears only once both
    succeeded. contents: paths (regular files of the source, among paths)
    whose entry holds these bytes instead of the file's."""
    ordered = sorted(paths)
    contents = contents or {}
    totals = _tally(fs, ordered, contents)
    with atomic_output(dest, "wb") as out:
        out.flush()
        if meanwhile is None:
            try:
                _write_entries(fs, ordered, out.fileno(), mtime, clamp_mtime, str(dest), contents)
            finally:
                fs.drop_held()
        else:
            # the descriptors the closure kept stay open here until the
            # source is closed: a next pack of it (minify's rounds) reads them
            _in_child(lambda: _write_entries(fs, ordered, out.fileno(), mtime, clamp_mtime,
                                             str(dest), contents, borrowed=True),
                      lambda: meanwhile(totals))
    return totals


def _in_child(work: Callable[[], None], meanwhile: Callable[[], None]) -> None:
    """work() in a forked child while meanwhile() runs here: two cores, no
    shared interpreter lock. The child's error comes back as the same
    one-line PackError (or its text); an interruption here kills it."""
    read, write = os.pipe()
    # No signal is handled from the fork until the child is known and
    # watched: one handled in between would unwind with the child's pid
    # unknown (the writer left running, holding the source open) or inside an
    # at-fork callback (where Python drops the Interrupted). Held signals
    # are handled as the mask is restored, inside the `try` below.
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        pid = os.fork()
    except BaseException:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
        os.close(read)
        os.close(write)
        raise
    if pid == 0:   # the child: never returns
        code = 0
        try:
            os.close(read)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
            work()
        except BaseException as exc:
            code = 1
            os.write(write, _one_line(exc).encode("utf-8", "replace")[:60000])
        finally:
            os._exit(code)
    try:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
        os.close(write)
        meanwhile()
        chunks = []
        while chunk := os.read(read, 65536):
            chunks.append(chunk)
        _, status = os.waitpid(pid, 0)
    except BaseException:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        raise
    finally:
        os.close(read)
    if os.waitstatus_to_exitcode(status) != 0:
        message = b"".join(chunks).decode("utf-8", "replace")
        raise PackError(message or f"the archive writer ended with status {status}")


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, PackError):
        return str(exc)
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if exc.filename else ""
        return f"writing the archive failed: {where}{exc.strerror or exc}"
    return f"writing the archive failed: {type(exc).__name__}: {exc}"


def extract_tar(fileobj: Any, dest: Path) -> None:
    """Unpack a rootfs tar (an export) into dest: GNU tar as root keeps
    owners, modes, xattrs, hard links and devices, and refuses members that
    would land outside dest."""
    proc = subprocess.run(["tar", "-x", "-p", "--numeric-owner", "--xattrs",
                           "--xattrs-include=*", "-C", str(dest), "-f", "-"],
                          stdin=fileobj, capture_output=True, text=True)
    if proc.returncode != 0:
        raise PackError(f"cannot unpack the archive: {tar_reason(proc.stderr)}")


def tar_reason(stderr: str) -> str:
    """The line where tar says why it failed: its first complaint, not its
    closing 'Exiting with failure status due to previous errors'."""
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    useful = [ln for ln in lines if "Exiting with failure status" not in ln
              and "Error is not recoverable" not in ln and "Removing leading" not in ln]
    return (useful or lines or ["no output"])[0]


def source_totals(fs: RootFS) -> TarTotals:
    """Size of the whole source, for the before/after summary: every
    directory opened by name under its parent's descriptor (nothing the
    container renames can lead outside it), only the chain being walked held
    open. The directory entry's type spares an lstat for all but regular files."""
    totals = TarTotals()
    try:
        top = fs.open("/", os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return totals
    flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
    stack: list[tuple[int, Any, str]] = []
    fd, path, skip = top, "", ("proc", "sys", "dev")
    try:
        while True:
            try:
                it = os.scandir(fd)
            except OSError:
                os.close(fd)
                it = None
            if it is not None:
                stack.append((fd, it, path))
            fd = -1
            while stack and fd < 0:
                parent, it, where = stack[-1]
                for entry in it:
                    totals.entries += 1
                    if entry.is_dir(follow_symlinks=False):
                        if len(stack) == 1 and entry.name in skip:
                            continue
                        if len(stack) > MAX_DEPTH:
                            # not read, as RootFS.scan does not (each level holds a descriptor)
                            fs.too_deep.setdefault(where + "/" + entry.name, None)
                            continue
                        try:
                            fd = os.open(entry.name, flags, dir_fd=parent)
                        except OSError:
                            continue
                        path = where + "/" + entry.name
                        break
                    if entry.is_file(follow_symlinks=False):
                        try:
                            totals.bytes += entry.stat(follow_symlinks=False).st_size
                        except OSError:
                            continue
                        totals.files += 1
                else:
                    stack.pop()     # before the close: a signal between them must not close it twice
                    it.close()
                    os.close(parent)
            if fd < 0:
                return totals
    finally:
        while stack:
            parent, it, _ = stack.pop()
            it.close()
            os.close(parent)
