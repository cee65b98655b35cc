"""The tar writer: what GNU tar and Python's tarfile read back from it, holes,
files that change while they are read, and entries that are swapped."""
from __future__ import annotations

import errno
import gc
import hashlib
import io
import os
import stat
import subprocess
import tarfile
import threading
from pathlib import Path

import pytest

from micropack import archive, resolve
from micropack.errors import Interrupted, PackError
from micropack.rootfs import RootFS
from tests.conftest import need
from tests.unit.roots import link, write

GiB = 1 << 30


@pytest.fixture(autouse=True)
def _root() -> None:
    need(os.geteuid() == 0, "root (owners and xattrs)")


def closure_of(root: Path, paths: list[str]) -> tuple[RootFS, list[str]]:
    fs = RootFS(root)
    c = resolve.Closure(fs)
    c.add_traced(paths)
    return fs, sorted(c.finish())


def pack(root: Path, paths: list[str], out: Path, **kw) -> archive.TarTotals:
    fs, kept = closure_of(root, paths)
    return archive.write_tar(fs, kept, out, **kw)


def gnu_list(tar: Path) -> list[str]:
    return subprocess.run(["tar", "--numeric-owner", "--full-time", "-tvf", str(tar)],
                          capture_output=True, text=True, check=True).stdout.splitlines()


def test_names_links_owners_and_xattrs_read_back_by_gnu_tar_and_tarfile(tmp_path: Path):
    root = tmp_path / "root"
    long_dir = "d" * 120                       # no ustar room: a pax path record
    split = "/".join(["seg" + str(i) * 40 for i in range(3)])   # fits name + prefix
    raw = b"caf\xe9-\xff"                      # not UTF-8
    (root / long_dir).mkdir(parents=True)
    (root / split).mkdir(parents=True)
    (root / long_dir / ("f" * 200)).write_bytes(b"long")
    (root / split / "x").write_bytes(b"split")
    os.makedirs(os.path.join(os.fsencode(root), raw))
    with open(os.path.join(os.fsencode(root), raw, raw), "wb") as fh:
        fh.write(b"latin")
    (root / "link").symlink_to("/" + "t" * 150)  # a pax linkpath record
    (root / "big-ids").write_bytes(b"ids")
    os.chown(root / "big-ids", 3_000_000, 4_000_000)   # beyond ustar's 7 octal digits
    (root / "cap").write_bytes(b"cap")
    os.setxattr(root / "cap", "user.micropack", b"\x00\x01binary\xff")
    (root / "hard1").write_bytes(b"same")
    os.link(root / "hard1", root / "hard2")
    os.mkfifo(root / "fifo")
    os.chmod(root / "hard1", 0o4750)
    os.utime(root / "cap", (0, 2**33 + 5))      # past 8^11 - 1: a pax mtime record
    names = [f"/{long_dir}/{'f' * 200}", f"/{split}/x", "/" + os.fsdecode(raw) + "/" + os.fsdecode(raw),
             "/link", "/big-ids", "/cap", "/hard1", "/hard2", "/fifo"]
    out = tmp_path / "out.tar"
    pack(root, names, out)
    listing = "\n".join(gnu_list(out))
    assert "3000000/4000000" in listing and "hard2 link to hard1" in listing
    with tarfile.open(out) as tar:
        m = {t.name: t for t in tar.getmembers()}
        assert tar.extractfile(f"{long_dir}/{'f' * 200}").read() == b"long"
        assert tar.extractfile(f"{split}/x").read() == b"split"
    assert m["link"].linkname == "/" + "t" * 150
    assert (m["big-ids"].uid, m["big-ids"].gid) == (3_000_000, 4_000_000)
    assert m["cap"].mtime == 2**33 + 5
    assert m["cap"].pax_headers["SCHILY.xattr.user.micropack"].encode(
        "utf-8", "surrogateescape") == b"\x00\x01binary\xff"
    assert m["hard2"].islnk() and m["hard2"].linkname == "hard1" and m["hard1"].mode == 0o4750
    assert m["fifo"].isfifo()
    # GNU tar unpacks it all as it was
    x = tmp_path / "x"
    x.mkdir()
    subprocess.run(["tar", "-x", "-p", "--xattrs", "--xattrs-include=*", "-f", str(out), "-C", str(x)],
                   check=True)
    assert os.getxattr(x / "cap", "user.micropack") == b"\x00\x01binary\xff"
    assert os.stat(x / "hard1").st_ino == os.stat(x / "hard2").st_ino
    assert open(os.path.join(os.fsencode(x), raw, raw), "rb").read() == b"latin"
    assert stat.S_ISFIFO(os.lstat(x / "fifo").st_mode)


def test_times_keep_their_fraction_of_a_second_unless_set_or_clamped(tmp_path: Path):
    """Apache's ETags are made of a file's mtime in microseconds and rsync
    -a compares times: a minified image whose files lost their fractions
    served every file with another ETag than the original's. The fraction
    goes in a pax mtime record, for a small file, a large one, a directory
    and a link alike; a time set with mtime, or lowered to the clamp, is
    whole."""
    root = tmp_path / "root"
    (root / "dir").mkdir(parents=True)
    (root / "dir" / "small").write_bytes(b"s")
    (root / "dir" / "large").write_bytes(b"L" * (1 << 20))
    (root / "dir" / "link").symlink_to("small")
    (root / "whole").write_bytes(b"w")
    for name, ns in (("dir/small", 1_700_000_000_432_063_536), ("dir/large", 1_700_000_000_5 * 10**8),
                     ("dir/link", 1_700_000_000_000_000_001), ("dir", 1_600_000_000_123_000_000),
                     ("whole", 1_700_000_000 * 10**9)):
        os.utime(root / name, ns=(ns, ns), follow_symlinks=False)
    names = ["/dir/small", "/dir/large", "/dir/link", "/whole"]
    out = tmp_path / "out.tar"
    pack(root, names, out)
    x = tmp_path / "x"
    x.mkdir()
    subprocess.run(["tar", "-x", "-f", str(out), "-C", str(x)], check=True)
    for name in ("dir/small", "dir/large", "dir/link", "whole"):
        assert os.lstat(x / name).st_mtime_ns == os.lstat(root / name).st_mtime_ns, name
    assert os.stat(x / "dir").st_mtime_ns == 1_600_000_000_123_000_000
    with tarfile.open(out) as tar:
        assert "mtime" not in tar.getmember("whole").pax_headers
        assert tar.getmember("dir/small").pax_headers["mtime"] == "1700000000.432063536"
    for kw in ({"mtime": 1000}, {"clamp_mtime": 1_650_000_000}):
        pack(root, names, tmp_path / "set.tar", **kw)
        with tarfile.open(tmp_path / "set.tar") as tar:
            assert not any("mtime" in t.pax_headers for t in tar.getmembers()
                           if t.name != "dir" or "mtime" in kw), kw
    with tarfile.open(tmp_path / "set.tar") as tar:     # clamped: the directory kept its older time
        assert tar.getmember("dir").pax_headers["mtime"] == "1600000000.123"


def test_holes_stay_holes_and_the_archive_stays_small(tmp_path: Path):
    """A 10 GB file with 3 pieces of data is a GNU.sparse 1.0 entry of a few
    kB (it was 10.7 GB); GNU tar and tarfile give back its size, its data
    and its holes; so does a file ending in a hole."""
    root = tmp_path / "root"
    root.mkdir()
    size = 10 * GiB
    with open(root / "sparse", "wb") as fh:
        fh.truncate(size)
        for offset, data in ((0, b"head" * 1000), (5 * GiB, b"middle"), (size - 5, b"tail!")):
            fh.seek(offset)
            fh.write(data)
    with open(root / "ends-in-hole", "wb") as fh:
        fh.write(b"start")
        fh.truncate(GiB)
    out = tmp_path / "out.tar"
    totals = pack(root, ["/sparse", "/ends-in-hole"], out)
    assert totals.bytes == size + GiB
    assert out.stat().st_size < 1 << 20
    x = tmp_path / "x"
    x.mkdir()
    subprocess.run(["tar", "-xf", str(out), "-C", str(x)], check=True)
    for name in ("sparse", "ends-in-hole"):
        got, want = os.stat(x / name), os.stat(root / name)
        assert got.st_size == want.st_size
        assert got.st_blocks * 512 < 1 << 20, name          # restored with its holes
    with open(x / "sparse", "rb") as fh:
        fh.seek(5 * GiB)
        assert fh.read(6) == b"middle"
        fh.seek(size - 5)
        assert fh.read() == b"tail!"
        fh.seek(GiB)
        assert fh.read(4096) == bytes(4096)
    with tarfile.open(out) as tar:
        member = tar.getmember("sparse")
        assert member.size == size and member.sparse is not None


def test_two_packs_are_byte_identical(tmp_path: Path):
    root = tmp_path / "root"
    (root / "a/b").mkdir(parents=True)
    (root / "a/b/c").write_bytes(os.urandom(200_000))
    (root / "a/small").write_bytes(b"s")
    with open(root / "a/holes", "wb") as fh:
        fh.truncate(50 << 20)
        fh.write(b"x")
    digests = set()
    for n in range(2):
        pack(root, ["/a/b/c", "/a/small", "/a/holes"], tmp_path / f"{n}.tar", clamp_mtime=1000)
        digests.add(hashlib.sha256((tmp_path / f"{n}.tar").read_bytes()).hexdigest())
    assert len(digests) == 1


def test_files_the_closure_did_not_hold_are_packed_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Past the budget of held descriptors the writer opens a regular file
    itself: same archive, byte for byte."""
    root = tmp_path / "root"
    (root / "a/b").mkdir(parents=True)
    (root / "a/b/c").write_bytes(os.urandom(200_000))
    (root / "a/small").write_bytes(b"s")
    paths = ["/a/b/c", "/a/small"]
    pack(root, paths, tmp_path / "held.tar", clamp_mtime=1000)
    monkeypatch.setattr(RootFS, "_hold_budget", lambda self: 0)
    pack(root, paths, tmp_path / "opened.tar", clamp_mtime=1000)
    assert (tmp_path / "opened.tar").read_bytes() == (tmp_path / "held.tar").read_bytes()
    assert gnu_list(tmp_path / "opened.tar") == gnu_list(tmp_path / "held.tar")


class Shrinks:
    """Truncates a file at the moment the writer has its metadata and asks
    for its xattrs, just before it reads the data: what a live container
    writing it does at the worst time."""

    def __init__(self, path: Path, sizes: list[int]) -> None:
        self.path, self.sizes = path, list(sizes)
        self.real = os.listxattr

    def __call__(self, fd, *args, **kw):
        if isinstance(fd, int) and self.sizes and os.fstat(fd).st_ino == os.stat(self.path).st_ino:
            os.truncate(self.path, self.sizes.pop(0))
        return self.real(fd, *args, **kw)


@pytest.mark.parametrize("big", [False, True], ids=["read-at-once", "sendfile"])
def test_a_file_that_shrinks_once_is_read_again_never_padded(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch, big: bool):
    root = tmp_path / "root"
    root.mkdir()
    size = 4 << 20 if big else 10_000
    (root / "log").write_bytes(b"L" * size)
    monkeypatch.setattr(os, "listxattr", Shrinks(root / "log", [size // 2]))
    out = tmp_path / "out.tar"
    pack(root, ["/log"], out)
    with tarfile.open(out) as tar:
        assert tar.extractfile("log").read() == b"L" * (size // 2)


@pytest.mark.parametrize("big", [False, True], ids=["read-at-once", "sendfile"])
def test_a_file_that_keeps_changing_size_is_an_error_naming_it(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch, big: bool):
    root = tmp_path / "root"
    root.mkdir()
    size = 4 << 20 if big else 10_000
    (root / "log").write_bytes(b"L" * size)
    monkeypatch.setattr(os, "listxattr", Shrinks(root / "log", [size - 1000, size - 2000, size - 3000]))
    out = tmp_path / "out.tar"
    with pytest.raises(PackError, match=r"^/log changed size while it was packed.*3 attempts"):
        pack(root, ["/log"], out)
    assert not out.exists() and os.listdir(tmp_path) == ["root"]


def test_into_a_pipe_a_change_of_size_after_data_went_out_is_an_error_at_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A pipe cannot be rewound to write the file again once its data went
    out (a large file); a small one is checked before anything is written."""
    root = tmp_path / "root"
    root.mkdir()
    (root / "log").write_bytes(b"L" * (4 << 20))
    (root / "small").write_bytes(b"S" * 10_000)
    fs, kept = closure_of(root, ["/log", "/small"])
    read, write = os.pipe()
    got: list[bytes] = []
    drained = threading.Thread(target=lambda: got.append(b"".join(iter(lambda: os.read(read, 65536), b""))))
    drained.start()
    try:
        monkeypatch.setattr(os, "listxattr", Shrinks(root / "small", [10]))
        archive._write_entries(fs, ["/small"], write, None, None, "pipe", {})
        monkeypatch.setattr(os, "listxattr", Shrinks(root / "log", [10]))
        with pytest.raises(PackError, match=r"/log changed size while it was packed: it ended at byte"):
            archive._write_entries(fs, ["/log"], write, None, None, "pipe", {})
    finally:
        os.close(write)
        drained.join()
        os.close(read)
    first = tarfile.open(fileobj=io.BytesIO(got[0])).next()
    assert first is not None and (first.name, first.size) == ("small", 10)
    assert b"S" * 10 in got[0] and b"S" * 11 not in got[0]


def test_a_file_swapped_after_the_closure_checked_it_is_an_error(tmp_path: Path):
    """The archive reads the inode the closure resolved, or nothing."""
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    (root / "etc/conf").write_text("checked")
    fs, kept = closure_of(root, ["/etc/conf"])
    (root / "etc/other").write_text("swapped in")
    os.replace(root / "etc/other", root / "etc/conf")
    # the descriptor the closure read through is the one packed
    archive.write_tar(fs, kept, tmp_path / "out.tar")
    with tarfile.open(tmp_path / "out.tar") as tar:
        assert tar.extractfile("etc/conf").read() == b"checked"
    # without it (more files than descriptors to keep), the name is looked
    # up again and must still be that inode
    fs, kept = closure_of(root, ["/etc/conf"])
    fs.drop_held()
    (root / "etc/other").write_text("swapped again")
    os.replace(root / "etc/other", root / "etc/conf")
    with pytest.raises(PackError, match="/etc/conf changed while it was packed"):
        archive.write_tar(fs, kept, tmp_path / "out2.tar")
    # a directory on its way swapped for a link to '/' (the host's, if
    # followed): the same error, nothing read
    fs, kept = closure_of(root, ["/etc/conf"])
    os.rename(root / "etc", root / "etc.real")
    os.symlink("/", root / "etc")
    with pytest.raises(PackError, match="/etc changed while it was packed"):
        archive.write_tar(fs, kept, tmp_path / "out3.tar")
    assert not (tmp_path / "out2.tar").exists() and not (tmp_path / "out3.tar").exists()


def test_a_device_swapped_in_for_a_regular_file_is_never_opened(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch):
    """Opening a device runs its driver (a watchdog starts counting): the
    writer reopens only a descriptor it saw to be a regular file."""
    root = tmp_path / "root"
    root.mkdir()
    (root / "f").write_text("regular")
    fs, kept = closure_of(root, ["/f"])
    fs.drop_held()
    os.unlink(root / "f")
    os.mknod(root / "f", stat.S_IFCHR | 0o600, os.makedev(1, 5))    # /dev/zero's numbers
    opened: list[str] = []
    real_open = os.open

    def spy(path, flags, *a, **kw):
        fd = real_open(path, flags, *a, **kw)
        if not flags & os.O_PATH and stat.S_ISCHR(os.fstat(fd).st_mode):
            opened.append(str(path))
        return fd

    monkeypatch.setattr(os, "open", spy)
    with pytest.raises(PackError, match="/f changed while it was packed"):
        archive.write_tar(fs, kept, tmp_path / "out.tar")
    assert opened == []


def test_output_errors_are_one_line_naming_the_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    root = tmp_path / "root"
    root.mkdir()
    (root / "f").write_text("x")

    def full(self) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(archive.TarWriter, "_flush", full)
    with pytest.raises(PackError, match=r"cannot write .*out.tar: No space left on device"):
        pack(root, ["/f"], tmp_path / "out.tar")


def test_tar_reason_is_the_first_complaint():
    err = ("tar: ./etc/x: Cannot mknod: Operation not permitted\n"
           "tar: Exiting with failure status due to previous errors\n")
    assert archive.tar_reason(err) == "tar: ./etc/x: Cannot mknod: Operation not permitted"
    # (not its warning about the names it rewrote: a hostile archive's hard
    # link to /etc/x was reported as "Removing leading `/' ...")
    err = ("tar: Removing leading `/' from hard link targets\n"
           "tar: app/h: Cannot hard link to 'etc/x': No such file or directory\n"
           "tar: Exiting with failure status due to previous errors\n")
    assert archive.tar_reason(err) == "tar: app/h: Cannot hard link to 'etc/x': No such file or directory"


_TREE = [f"/d{i}/e{j}/f" for i in range(3) for j in range(3)]


def _tree(root: Path) -> None:
    for path in _TREE:
        write(root, path, path)
    for i in range(3):
        link(root, f"/d{i}/l", "e0/f")


def _pack_in_place(root: Path, out: Path) -> None:
    with RootFS(root) as fs:
        c = resolve.Closure(fs)
        c.add_traced([*_TREE, "/d0/l"])
        archive.write_tar(fs, sorted(c.finish()), out)    # no meanwhile: in this process


def _walk_totals(root: Path, _out: Path) -> None:
    with RootFS(root) as fs:
        archive.source_totals(fs)


def _scan(root: Path, _out: Path) -> None:
    with RootFS(root) as fs:
        for _ in fs.scan("/"):
            pass


@pytest.mark.parametrize("work", [_pack_in_place, _walk_totals, _scan], ids=["tar", "totals", "scan"])
def test_a_signal_right_after_any_close_surfaces_as_the_interruption(tmp_path: Path, work,
                                                                     monkeypatch: pytest.MonkeyPatch):
    """A signal handled just after a close() returns raises Interrupted
    there; what unwinds must not close that descriptor again (EBADF would
    replace the Interrupted, and minify would exit 1 with "Bad file
    descriptor" instead of 130). Every close of the work is tried in turn."""
    root = tmp_path / "root"
    _tree(root)
    real_close = os.close
    calls = 0
    at = 0

    def close(fd: int) -> None:
        nonlocal calls
        real_close(fd)
        calls += 1
        if calls == at:
            raise Interrupted("SIGINT")

    monkeypatch.setattr(os, "close", close)
    work(root, tmp_path / "dry.tar")
    total = calls
    assert total > 10, "the work closes descriptors (else this test shows nothing)"
    for at in range(1, total + 1):
        gc.collect()        # what an earlier round left closes outside the count
        calls = 0
        monkeypatch.setattr(Interrupted, "raised", False)
        with pytest.raises(BaseException) as got:
            work(root, tmp_path / f"{at}.tar")
        assert got.type is Interrupted, f"close #{at} of {total}: {got.value!r}"
        out = tmp_path / f"{at}.tar"
        if out.exists():     # interrupted after it was committed: then it is whole
            assert gnu_list(out) == gnu_list(tmp_path / "dry.tar")
