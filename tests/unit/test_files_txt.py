"""files.txt's escaping: one path per line whatever the name holds, ordinary
names exactly as before, every name round-trips."""
from __future__ import annotations

from pathlib import Path

import pytest

from micropack import record
from micropack.errors import InputError

NAMES = [
    "/srv/nl/evil\n/etc/shadow",          # would have added /etc/shadow
    "/a\\b",                              # a backslash alone: the line is the name
    "/lib/systemd/system/dev-disk-by\\x2dlabel.device",
    '/q"uote',
    "/mixed\\\n\"\t\r end",
    "/trailing space ",
    "/trailing\ttab\t",
    "/bell\x07\x7f\x1b",
    "/caf\udce9/not-utf8",                # raw bytes, kept as bytes
    "/plain/ordinary.so",
]


def test_every_name_round_trips_one_line_each(tmp_path: Path):
    out = tmp_path / "files.txt"
    assert record.write_files_txt(NAMES, out) == len(NAMES)
    lines = out.read_bytes().split(b"\n")
    assert lines[-1] == b"" and len(lines) - 1 == len(NAMES)
    assert sorted(record.read_files_txt(out)) == sorted(NAMES)


def test_ordinary_names_are_written_as_they_are(tmp_path: Path):
    out = tmp_path / "files.txt"
    plain = ["/etc/hosts", "/a\\b", '/q"uote', "/caf\udce9", "/with space/x"]
    record.write_files_txt(plain, out)
    assert out.read_bytes() == b"".join(sorted(p.encode("utf-8", "surrogateescape") + b"\n" for p in plain))


def test_the_injection_is_one_quoted_line(tmp_path: Path):
    out = tmp_path / "files.txt"
    record.write_files_txt(["/srv/nl/evil\n/etc/shadow"], out)
    assert out.read_bytes() == b'"/srv/nl/evil\\n/etc/shadow"\n'
    assert record.read_files_txt(out) == ["/srv/nl/evil\n/etc/shadow"]


@pytest.mark.parametrize("line,problem", [
    ('"/no/closing', "without its closing"),
    ('"/bad\\q"', "unknown escape"),
    ('"/in"side"', "unescaped"),
    ('"/nul\\000"', "NUL"),
    ('"relative\\n"', "not absolute"),
])
def test_malformed_quoted_lines_name_their_line(tmp_path: Path, line: str, problem: str):
    f = tmp_path / "files.txt"
    f.write_text(f"/ok\n{line}\n")
    with pytest.raises(InputError, match=f"files.txt:2: .*{problem}"):
        record.read_files_txt(f)


def test_a_raw_control_character_says_how_to_write_it(tmp_path: Path):
    f = tmp_path / "files.txt"
    f.write_bytes(b"/a\x01b\n")
    with pytest.raises(InputError, match=r":1: control character .*quoted"):
        record.read_files_txt(f)


def test_a_5000_character_component_is_a_line_error(tmp_path: Path):
    f = tmp_path / "files.txt"
    f.write_text("/ok\n/" + "x" * 5000 + "/y\n")
    with pytest.raises(InputError, match=r"files.txt:2: a component of the path is 5000 characters long"):
        record.read_files_txt(f)



def test_a_path_longer_than_an_image_can_hold_is_left_out_with_a_warning(tmp_path: Path):
    # a traced program that walked down with relative names can use one;
    # docker refuses such a path in a layer, so it is left out, the rest kept
    f = tmp_path / "files.txt"
    f.write_text("/etc/passwd\n/" + "/".join(["d" * 200] * 25) + "\n/etc/hosts\n")
    warnings: list[str] = []
    assert sorted(record.read_files_txt(f, warnings)) == ["/etc/hosts", "/etc/passwd"]
    assert len(warnings) == 1 and "files.txt:2: path is longer than 4095 bytes: left out" in warnings[0]


def test_octal_escapes_of_utf8_name_the_same_file(tmp_path: Path):
    f = tmp_path / "files.txt"
    f.write_text('"/caf\\303\\251\\n"\n')
    assert record.read_files_txt(f) == ["/café\n"]


def test_an_endless_line_is_refused_as_soon_as_it_is_too_long(tmp_path: Path):
    """`pack -i /dev/zero` read one endless line, deaf to Ctrl-C inside
    the one read, until the host ran out of memory (24 GB). A line longer
    than any path can be written is refused once that much is read, with
    its line number; a long path that fits is the path's own problem."""
    f = tmp_path / "files.txt"
    f.write_bytes(b"/etc/passwd\n/" + b"\0" * (record.LINE_MAX + 10))      # no newline: /dev/zero's kind
    with pytest.raises(InputError, match=r"files.txt:2: a line longer than 65536 bytes"):
        record.read_files_txt(f)
    events = tmp_path / "events.jsonl"
    events.write_bytes(b"x" * (record.LINE_MAX * 2))
    with pytest.raises(InputError, match=r"events.jsonl:1: a line longer than"):
        list(record.read_events(events))
    f.write_bytes(b"/" + b"d" * 5000 + b"\n/etc/hosts\n")        # within the line's bound
    with pytest.raises(InputError, match=r"files.txt:1: a component of the path is 5000 characters long"):
        record.read_files_txt(f)


def test_a_whole_input_is_read_within_its_limit(tmp_path: Path):
    f = tmp_path / "report.json"
    f.write_bytes(b"{}" + b" " * (3 << 20))
    assert record.read_input(f, 4 << 20).startswith(b"{}")
    with pytest.raises(InputError, match=r"report.json: larger than 2 MiB"):
        record.read_input(f, 2 << 20)
    with pytest.raises(InputError, match=r"cannot read"):
        record.read_input(tmp_path / "missing.json", 1 << 20)
