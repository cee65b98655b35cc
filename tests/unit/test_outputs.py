"""Where micropack writes: regular files atomically, devices and FIFOs in
place (never replaced), and every unwritable place said in one line before
any work."""
from __future__ import annotations

import os
import stat
import sys
import threading
from pathlib import Path

import pytest

from micropack import record
from micropack.errors import UsageError
from tests.conftest import need


def test_a_device_is_written_in_place_never_replaced(tmp_path: Path):
    """-o /dev/null once became a root-only regular file. A private node with
    /dev/null's numbers stands in for it, so this test cannot break the real
    one even against code that has the bug."""
    need(os.geteuid() == 0, "root (mknod)")
    null = tmp_path / "null"
    os.mknod(null, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    os.chmod(null, 0o666)
    before = os.stat(null)
    with record.atomic_output(null, "wb") as fh:
        fh.write(b"x" * 100_000)
    record.write_files_txt(["/a"], null)
    record.write_json({"a": 1}, null)
    w = record.EventsWriter(null)
    w.close({})
    after = os.stat(null)
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev
    assert after.st_ino == before.st_ino and stat.S_IMODE(after.st_mode) == 0o666
    assert os.listdir(tmp_path) == ["null"]


def test_a_fifo_is_written_to_its_reader(tmp_path: Path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    record.write_files_txt(["/srv/nl/evil\n/etc/shadow", "/b"], fifo)
    reader.join(10)
    assert got == [b'/b\n"/srv/nl/evil\\n/etc/shadow"\n']
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_through_a_symlink_the_file_it_names_is_replaced(tmp_path: Path):
    (tmp_path / "builds").mkdir()
    (tmp_path / "builds/v1.txt").write_text("old\n")
    (tmp_path / "latest.txt").symlink_to("builds/v1.txt")
    record.write_files_txt(["/new"], tmp_path / "latest.txt")
    assert (tmp_path / "latest.txt").is_symlink()
    assert (tmp_path / "builds/v1.txt").read_text() == "/new\n"
    assert sorted(os.listdir(tmp_path / "builds")) == ["v1.txt"]


def test_a_regular_file_is_replaced_whole_or_not_at_all(tmp_path: Path):
    dest = tmp_path / "out.txt"
    dest.write_text("before\n")
    with pytest.raises(RuntimeError), record.atomic_output(dest) as fh:
        fh.write("partial")
        raise RuntimeError("boom")
    assert dest.read_text() == "before\n" and os.listdir(tmp_path) == ["out.txt"]


@pytest.mark.parametrize("where,expected", [
    ("missing/out.tar", "directory .*missing does not exist"),
    ("", "is a directory"),
    ("file/out.tar", "[Nn]ot a directory"),
])
def test_unwritable_outputs_are_one_line_usage_errors(tmp_path: Path, where: str, expected: str):
    (tmp_path / "file").write_text("x")
    dest = tmp_path / where if where else tmp_path
    with pytest.raises(UsageError, match=expected):
        record.check_output(dest, "-o")
    with pytest.raises(UsageError), record.atomic_output(dest, "wb"):
        pass


def test_devices_and_stdout_pass_the_early_check(tmp_path: Path):
    record.check_output("/dev/null")
    record.check_output("-")
    record.check_output(tmp_path / "new.tar")


def test_a_read_only_directory_is_refused_early(tmp_path: Path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    if os.access(ro, os.W_OK):     # root passes mode bits: use a read-only mount
        need(sys.platform == "linux" and os.geteuid() == 0, "root")
        os.system(f"mount -t tmpfs -o ro,size=1m micropack-hostile {ro}")
        try:
            with pytest.raises(UsageError, match="is not writable"):
                record.check_output(ro / "x.json", "--report")
        finally:
            os.system(f"umount {ro}")
        return
    with pytest.raises(UsageError, match="is not writable"):
        record.check_output(ro / "x.json", "--report")
