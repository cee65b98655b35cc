"""Manifest -> reproducible rootfs.tar: sorted entries, numeric owners,
modes with setuid/setgid/sticky, mtimes, xattrs (file capabilities), hard
links as hard links, FIFOs. Written to a temporary file and renamed."""
from __future__ import annotations

import os
import stat
import tarfile
from dataclasses import dataclass
from pathlib import Path

from micropack.errors import PackError
from micropack.record import atomic_output
from micropack.rootfs import RootFS

# xattrs that describe the storage driver, not the file.
SKIP_XATTR_PREFIXES = ("trusted.overlay.", "security.selinux")


@dataclass
class TarTotals:
    entries: int = 0
    files: int = 0
    bytes: int = 0


def _xattrs(host_path: str) -> dict[str, str]:
    try:
        names = os.listxattr(host_path, follow_symlinks=False)
    except OSError:
        return {}
    out = {}
    for name in sorted(names):
        if name.startswith(SKIP_XATTR_PREFIXES):
            continue
        try:
            value = os.getxattr(host_path, name, follow_symlinks=False)
        except OSError:
            continue
        # tarfile writes non-UTF-8 values as binary PAX records (hdrcharset=BINARY)
        out[f"SCHILY.xattr.{name}"] = value.decode("utf-8", "surrogateescape")
    return out


def write_tar(fs: RootFS, paths: list[str], dest: str | Path, mtime: int | None = None,
              clamp_mtime: int | None = None) -> TarTotals:
    """Pack paths (container paths, kept as they are: no following of links)
    from fs into dest. mtime sets every entry's time; clamp_mtime
    (SOURCE_DATE_EPOCH) only lowers newer ones."""
    totals = TarTotals()
    first_of_inode: dict[tuple[int, int], str] = {}
    with atomic_output(dest, "wb") as raw:
        with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
            tar.copybufsize = 1 << 20
            for path in sorted(paths):
                host = fs.host(path)
                try:
                    st = os.lstat(host)
                except OSError as exc:
                    raise PackError(f"cannot read {path} from the source: {exc.strerror}") from exc
                arcname = path.lstrip("/")
                info = tarfile.TarInfo(arcname)
                info.mode = stat.S_IMODE(st.st_mode)
                info.uid, info.gid = st.st_uid, st.st_gid
                info.uname = info.gname = ""
                t = int(st.st_mtime)
                if mtime is not None:
                    t = mtime
                elif clamp_mtime is not None:
                    t = min(t, clamp_mtime)
                info.mtime = t
                info.pax_headers = _xattrs(host)
                fileobj = None
                if stat.S_ISREG(st.st_mode):
                    key = (st.st_dev, st.st_ino)
                    if st.st_nlink > 1 and key in first_of_inode:
                        info.type = tarfile.LNKTYPE
                        info.linkname = first_of_inode[key]
                    else:
                        if st.st_nlink > 1:
                            first_of_inode[key] = arcname
                        info.type = tarfile.REGTYPE
                        info.size = st.st_size
                        fileobj = open(host, "rb")
                        totals.files += 1
                        totals.bytes += st.st_size
                elif stat.S_ISDIR(st.st_mode):
                    info.type = tarfile.DIRTYPE
                elif stat.S_ISLNK(st.st_mode):
                    info.type = tarfile.SYMTYPE
                    info.linkname = os.readlink(host)
                elif stat.S_ISFIFO(st.st_mode):
                    info.type = tarfile.FIFOTYPE
                else:
                    continue   # sockets and devices never reach here (resolve skips them)
                try:
                    tar.addfile(info, fileobj)
                finally:
                    if fileobj is not None:
                        fileobj.close()
                totals.entries += 1
    return totals


def source_totals(fs: RootFS) -> TarTotals:
    """Size of the whole source, for the before/after summary."""
    totals = TarTotals()
    for dirpath, dirnames, filenames in os.walk(str(fs.root)):
        rel = dirpath[len(str(fs.root)):] or "/"
        if rel in ("/proc", "/sys", "/dev") or rel.startswith(("/proc/", "/sys/", "/dev/")):
            dirnames[:] = []
            continue
        totals.entries += len(dirnames)
        for name in filenames:
            try:
                st = os.lstat(os.path.join(dirpath, name))
            except OSError:
                continue
            totals.entries += 1
            if stat.S_ISREG(st.st_mode):
                totals.files += 1
                totals.bytes += st.st_size
    return totals
