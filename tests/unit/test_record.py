import errno
import json
from pathlib import Path

import pytest

from micropack import record
from micropack.errors import InputError
from micropack.record import TraceRecord


def rec(path: str, result: int = 0, syscall: str = "openat", resolved: bool = True) -> TraceRecord:
    return TraceRecord(time=0.0, pid=1, tid=1, comm="x", syscall=syscall, path=path, flags=0,
                       result=result, resolved=resolved)


def test_clean_path_keeps_dotdot_for_physical_resolution():
    assert record.clean_path("/a//b/./c/") == "/a/b/c"
    assert record.clean_path("/a/b/../c") == "/a/b/../c"
    assert record.clean_path("/") == "/"


@pytest.mark.parametrize("path,result,expected", [
    ("/etc/passwd", 3, True),
    ("/etc/missing", -errno.ENOENT, False),
    ("/etc/shadow", -errno.EACCES, True),      # exists, so it is used
    ("/proc/self/maps", 3, False),
    ("/dev/null", 3, False),
    ("/device", 3, True),                       # not under /dev
])
def test_names_a_file(path, result, expected):
    assert record.names_a_file(rec(path, result)) is expected


def test_pseudo_kept_on_request_and_process_events_never():
    assert record.names_a_file(rec("/proc/1/status"), keep_pseudo=True)
    assert not record.names_a_file(rec("/bin/sh", syscall="fork"))
    assert not record.names_a_file(rec("rel/name", resolved=False))


def test_files_txt_round_trip_sorted_unique(tmp_path: Path):
    out = tmp_path / "files.txt"
    assert record.write_files_txt(["/b", "/a", "/b"], out) == 2
    assert out.read_text() == "/a\n/b\n"
    assert record.read_files_txt(out) == ["/a", "/b"]


def test_read_files_txt_names_the_bad_line(tmp_path: Path):
    f = tmp_path / "files.txt"
    f.write_text("/ok\n\nrelative/path\n")
    with pytest.raises(InputError, match=r"files.txt:3: path is not absolute"):
        record.read_files_txt(f)
    f.write_bytes(b"/ok\n/bad\x01name\n")
    with pytest.raises(InputError, match=r":2: control character"):
        record.read_files_txt(f)
    f.write_bytes(b"/a\x00b\n")
    with pytest.raises(InputError, match=r":1: NUL"):
        record.read_files_txt(f)


def test_read_files_txt_normalises_crlf_with_a_warning(tmp_path: Path):
    f = tmp_path / "files.txt"
    f.write_bytes(b"/etc/hosts\r\n/bin/sh  \n# comment\n")
    warnings: list[str] = []
    assert record.read_files_txt(f, warnings) == ["/bin/sh", "/etc/hosts"]
    assert len(warnings) == 2 and ":1:" in warnings[0]


def test_atomic_output_leaves_nothing_on_failure(tmp_path: Path):
    dest = tmp_path / "out.txt"
    with pytest.raises(RuntimeError), record.atomic_output(dest) as fh:
        fh.write("partial")
        raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []


def test_events_writer_round_trip(tmp_path: Path):
    dest = tmp_path / "events.jsonl"
    w = record.EventsWriter(dest)
    w.write(rec("/etc/hosts", -errno.ENOENT))
    w.close({"lost": 0})
    assert [r.path for r in record.read_events(dest)] == ["/etc/hosts"]
    assert '"error": "ENOENT"' in dest.read_text()


def test_a_path_that_is_not_utf8_round_trips_as_its_bytes(tmp_path: Path):
    raw = b"/opt/caf\xe9/lib\xff.so"          # Latin-1 and a stray byte: legal Linux names
    name = raw.decode("utf-8", "surrogateescape")
    out = tmp_path / "files.txt"
    record.write_files_txt([name, "/etc/hostname"], out)
    assert out.read_bytes() == b"/etc/hostname\n" + raw + b"\n"
    assert record.read_files_txt(out) == ["/etc/hostname", name]
    events = tmp_path / "events.jsonl"
    w = record.EventsWriter(events)
    w.write(rec(name, result=3))
    w.close({})
    assert json.loads(events.read_text().splitlines()[0])["path"] == name


def test_the_kernels_mask_of_lookups_that_found_nothing_is_the_one_list():
    """Without --events the kernel drops calls whose errno is in this mask
    unread: exactly those files.txt would drop, no more."""
    from micropack.tracers.ebpf import missing_errno_mask
    mask = missing_errno_mask()
    dropped = {e for e in range(64) if mask >> e & 1}
    assert dropped == set(record.MISSING_ERRNOS)
    for e in range(1, 64):
        assert record.names_a_file(rec("/etc/x", result=-e)) == (e not in dropped), errno.errorcode.get(e)
