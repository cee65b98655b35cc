"""The HTML report's typed view, its computations and the page's text. What
a browser shows is tested in tests/integration/test_report_html.py."""
from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from micropack import report_html
from micropack.errors import InputError
from tests.conftest import run_micropack


def minify_report(**extra: object) -> dict:
    """A minify report as micropack writes one today (no units, no sizes)."""
    report = {
        "original": "micropack-test/fat:abc", "minified": "micropack-ux/app:min", "runtime": "docker",
        "original_size": 306_100_000, "minified_size": 18_100_000, "ratio": 16.9, "passed": True,
        "paths_kept": 4, "traced_events": 329, "traced_files": 61, "lost_events": 0,
        "wall_seconds": 11.0, "seccomp_profile": None, "seccomp_syscalls": [],
        "rounds": [{"number": 1, "added": [], "paths_kept": 4, "size": 18_100_000, "passed": True,
                    "verdicts": [{"probe": "exec redis-cli ping", "original_status": 0,
                                  "minified_status": 0, "seccomp_status": None, "passed": True,
                                  "reason": ""}]}],
        "pack": {"source": "image micropack-test/fat:abc",
                 "kept": [{"path": "/usr", "type": "dir", "why": "parent of /usr/bin/redis-cli"},
                          {"path": "/usr/bin/redis-cli", "type": "file", "why": "traced",
                           "package": "redis-tools"},
                          {"path": "/usr/lib/x86_64-linux-gnu/libc.so.6", "type": "file",
                           "why": "needed by /usr/bin/redis-cli", "package": "libc6"},
                          {"path": "/etc/passwd", "type": "file", "why": "traced"}],
                 "skipped": [{"path": "/var/lib/docker", "why": "not in the source"}],
                 "warnings": [],
                 "totals": {"source_files": 12262, "source_bytes": 309_958_026, "kept_entries": 4,
                            "kept_files": 3, "kept_bytes": 18_074_649}},
    }
    report.update(extra)
    return report


def with_units(report: dict) -> dict:
    """The shape proposed for pack's units: every unit with its size, and a size per kept file."""
    pack = report["pack"]
    for k, size in zip(pack["kept"], (None, 800_000, 2_000_000, 1_500), strict=True):
        if size is not None:
            k["size"] = size
    pack["units"] = [{"name": "libc6", "kind": "dpkg", "size": 12_900_000, "kept": True},
                     {"name": "redis-tools", "kind": "dpkg", "size": 5_100_000, "kept": True},
                     {"name": "git", "kind": "dpkg", "size": 38_000_000, "kept": False},
                     {"name": "pip", "kind": "python", "size": 9_000_000, "kept": False},
                     {"name": "/srv/site", "kind": "tree", "size": 40_000, "kept": False}]
    pack["source_by_dir"] = {"/usr/bin": 30_000_000, "/usr/lib/x86_64-linux-gnu": 90_000_000,
                             "/etc": 2_000_000, "/usr/lib/python3": 50_000_000}
    return report


class Elements(HTMLParser):
    """Every start tag with its attributes, and the page's text."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(page: str) -> Elements:
    p = Elements()
    p.feed(page)
    return p


def test_the_view_reads_a_minify_report_as_micropack_writes_it():
    r = report_html.read_report(minify_report())
    assert r.kind == "minify"
    assert (r.before, r.after) == (306_100_000, 18_100_000)
    assert [k.path for k in r.kept or []][1] == "/usr/bin/redis-cli"
    assert r.kept and r.kept[1].package == "redis-tools" and r.kept[1].size is None
    assert r.rounds and r.rounds[0].verdicts[0].probe == "exec redis-cli ping"
    assert r.units is None and r.source_by_dir is None
    assert r.totals.source_files == 12262


def test_a_missing_or_mistyped_section_is_not_recorded_never_an_error():
    r = report_html.read_report({"original": "a", "pack": "nonsense", "rounds": "x",
                                 "original_size": "big", "seccomp_syscalls": None})
    assert r.kind == "minify" and r.kept is None and r.rounds is None and r.original_size is None
    gaps = report_html.missing(r)
    assert any("units" in g for g in gaps) and any("kept paths" in g for g in gaps)
    assert any("per round" in g for g in gaps) and any("seccomp" in g for g in gaps)
    page = report_html.render(r)
    assert page.count("not recorded") >= 4
    assert 'id="not-recorded"' in page


def test_a_pack_report_is_read_too():
    r = report_html.read_report(minify_report()["pack"])
    assert r.kind == "pack" and r.before == 309_958_026 and r.after == 18_074_649
    page = report_html.render(r)
    assert "pack of image micropack-test/fat:abc" in page
    assert 'id="rounds"' not in page          # a pack has no probes


@pytest.mark.parametrize("data", [[], "x", {"something": 1}])
def test_what_is_no_report_is_one_clear_error(data):
    with pytest.raises(InputError, match="not a micropack"):
        report_html.read_report(data)


def test_without_units_or_sizes_the_directories_count_kept_entries():
    r = report_html.read_report(minify_report())
    rows, unit = report_html.by_directory(r)
    assert unit == "entries"
    assert {row.name: row.after for row in rows} == {"/usr/bin": 1, "/usr/lib/x86_64-linux-gnu": 1,
                                                       "/etc": 1}
    assert all(row.before is None for row in rows)
    packages, unit = report_html.by_package(r)
    assert unit == "entries" and {p.name: p.after for p in packages} == {"redis-tools": 1, "libc6": 1}


def test_with_units_and_sizes_before_and_after_are_bytes():
    r = report_html.read_report(with_units(minify_report()))
    packages, unit = report_html.by_package(r)
    assert unit == "bytes"
    assert [(p.name, p.before, p.after) for p in packages][:2] == [("git", 38_000_000, 0),
                                                                   ("libc6", 12_900_000, 12_900_000)]
    dirs, unit = report_html.by_directory(r)
    assert unit == "bytes"
    by_name = {d.name: (d.before, d.after) for d in dirs}
    assert by_name["/usr/lib/x86_64-linux-gnu"] == (90_000_000, 2_000_000)
    assert by_name["/usr/lib/python3"] == (50_000_000, 0)
    assert by_name["/etc"] == (2_000_000, 1_500)
    assert report_html.missing(r) == []


def test_dropped_units_are_listed_largest_first():
    page = report_html.render(report_html.read_report(with_units(minify_report())))
    table = page[page.index('id="dropped-table"'):]
    table = table[:table.index("</table>")]
    assert re.findall(r'<td class="name">([^<]*)</td>', table) == ["git", "pip", "/srv/site"]


@pytest.mark.parametrize("values", [[5.0], [6, 6, 4, 3, 2, 2, 1], [100, 1, 1, 1], [3] * 40])
def test_the_treemap_tiles_fill_the_box_in_proportion(values):
    w, h = 960.0, 420.0
    rects = report_html.squarify(sorted(values, reverse=True), 0, 0, w, h)
    assert len(rects) == len(values)
    total = sum(values)
    for (x, y, rw, rh), v in zip(rects, sorted(values, reverse=True), strict=True):
        assert rw * rh == pytest.approx(v / total * w * h, rel=1e-6)
        assert x >= -1e-6 and x + rw <= w + 1e-6 and y >= -1e-6 and y + rh <= h + 1e-6
    assert sum(rw * rh for _, _, rw, rh in rects) == pytest.approx(w * h)
    # no two tiles overlap
    for i, a in enumerate(rects):
        for b in rects[i + 1:]:
            ox = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
            oy = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
            assert ox <= 1e-6 or oy <= 1e-6


def test_many_items_keep_the_largest_and_one_tile_for_the_rest():
    tiles = report_html.treemap([(f"u{i}", 1000 - i, True) for i in range(200)], limit=50)
    assert len(tiles) == 50 and tiles[-1].label == "151 more" and tiles[-1].kept is None


def test_names_are_shown_as_text_never_as_markup():
    report = minify_report()
    evil = '/srv/<img src=x onerror="alert(1)">&amp;'
    report["pack"]["kept"].append({"path": evil, "type": "file", "why": "<script>alert(2)</script>"})
    report["pack"]["kept"].append({"path": "/srv/caf\udce9", "type": "file", "why": "traced"})
    report["pack"]["kept"].append({"path": "/srv/\x1b]0;PWNED\x07x", "type": "file", "why": "traced"})
    page = report_html.render(report_html.read_report(report))
    assert "\x1b" not in page and "\x07" not in page      # (`cat report.html` on a terminal)
    doc = parse(page)
    assert not any(tag == "img" for tag, _ in doc.tags)
    assert sum(1 for tag, _ in doc.tags if tag == "script") == 1      # only the page's own
    text = "".join(doc.text)
    assert evil in text and "<script>alert(2)</script>" in text
    assert "/srv/caf\\xe9" in text                                    # not UTF-8: shown as \xNN
    assert "/srv/\\x1b]0;PWNED\\x07x" in text                          # a control character too
    page.encode("utf-8")                                              # and the page is valid UTF-8


def test_the_page_loads_nothing_from_anywhere():
    page = report_html.render(report_html.read_report(with_units(minify_report())))
    doc = parse(page)
    for tag, attrs in doc.tags:
        assert "src" not in attrs and "href" not in attrs, (tag, attrs)
        assert tag not in ("link", "iframe", "img", "object", "embed"), tag
    csp = [a["content"] for t, a in doc.tags if t == "meta" and a.get("http-equiv") ==
           "Content-Security-Policy"]
    assert csp and "default-src 'none'" in (csp[0] or "")
    assert "@import" not in page and "url(" not in page


def test_micropack_report_writes_the_page(tmp_path: Path):
    src = tmp_path / "report.json"
    src.write_text(json.dumps(minify_report()))
    out = tmp_path / "report.html"
    proc = run_micropack("report", str(src), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert f"wrote {out}" in proc.stderr
    page = out.read_text()
    assert page.startswith("<!DOCTYPE html>") and "micropack-test/fat:abc" in page


def test_micropack_report_on_a_broken_file_is_one_line(tmp_path: Path):
    src = tmp_path / "report.json"
    src.write_text("{not json")
    proc = run_micropack("report", str(src), "-o", str(tmp_path / "x.html"))
    assert proc.returncode == 1
    assert proc.stderr.strip().count("\n") == 0 and "not JSON" in proc.stderr
    assert not (tmp_path / "x.html").exists()
