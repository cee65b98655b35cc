"""The HTML report in a real headless Chromium (Debian's), driven over the
DevTools protocol: what the page shows after its script ran, that the
search filters the kept paths as a user types, and that viewing it asks
for nothing but the file itself. One report comes from a real `micropack
minify --html` run; one carries the units pack is growing, to show them.

A screenshot of each page is written to $MICROPACK_SCREENSHOTS when set."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from tests.browser import Browser, chromium
from tests.conftest import need, run_micropack
from tests.unit.test_report_html import minify_report, with_units

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def browser():
    need(chromium() is not None, "chromium (apt install chromium; scripts/setup-host.sh installs it)")
    with Browser(width=1280, height=1000) as b:
        yield b


def keep_screenshot(b: Browser, tmp_path: Path, name: str) -> None:
    shot = b.screenshot(tmp_path / name)
    assert shot.stat().st_size > 10_000       # a picture, not an empty page
    where = os.environ.get("MICROPACK_SCREENSHOTS")
    if where:
        Path(where).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(where) / name)


@pytest.fixture(scope="module")
def minified(bpf_ready, fat_image, tmp_path_factory):
    """A real minify of redis out of the fat image, with a seccomp profile and --html."""
    out = tmp_path_factory.mktemp("report")
    tag = f"micropack-ux-test/redis:{uuid.uuid4().hex[:8]}"
    proc = run_micropack("minify", fat_image, "-t", tag, "--network", "none",
                         "--cmd", "redis-server --port 6379 --bind 127.0.0.1 --save '' --appendonly no",
                         "--probe-exec", "redis-cli ping", "--report", str(out / "report.json"),
                         "--seccomp", str(out / "seccomp.json"), "--html", str(out / "report.html"),
                         timeout=900)
    subprocess.run(["docker", "rmi", "-f", tag], capture_output=True)
    assert proc.returncode == 0, proc.stderr
    assert f"wrote {out / 'report.html'}" in proc.stderr
    return out


def shown_rows(b: Browser) -> list[str]:
    return b.js("Array.from(document.querySelectorAll('#kept-table tbody tr'))"
                ".filter(r => r.offsetParent !== null).map(r => r.cells[0].textContent)")


def test_a_real_minify_report_in_chromium(browser, minified, tmp_path):
    report = json.loads((minified / "report.json").read_text())
    url = (minified / "report.html").as_uri()
    b = browser
    b.open(url)
    assert b.requests() == [url]                  # nothing but the file itself
    assert b.js("document.title") == f"micropack: {report['original']} → {report['minified']}"
    cards = b.js("Object.fromEntries(Array.from(document.querySelectorAll('.card'))"
                 ".map(c => [c.dataset.card, c.querySelector('.v').textContent]))")
    assert cards["before"] == f"{report['original_size'] / 1e6:.1f} MB"
    assert cards["after"] == f"{report['minified_size'] / 1e6:.1f} MB"
    assert cards["probes passed"] == "1/1"
    assert b.js("document.getElementById('verdict').textContent") == "verified: every probe passed"

    # the picture: pack records the source's units, so the treemap is every
    # unit of the source, kept or dropped, by size
    kept = report["pack"]["kept"]
    units = {u["name"]: u for u in report["pack"]["units"]}
    tiles = b.js("Object.fromEntries(Array.from(document.querySelectorAll('#treemap .tile'))"
                 ".map(t => [t.dataset.name, t.getAttribute('class')]))")
    assert tiles and {name for name in tiles if not name.endswith(" more")} <= set(units)
    assert tiles.get("redis-tools") == "tile kept" and tiles.get("libc6") == "tile kept"
    assert tiles.get("git") == "tile dropped"          # the fat image's leftovers
    assert b.js("document.querySelector('#treemap').getBoundingClientRect().width") > 800

    # kept files by package: minify records each kept path's package
    packages = b.js("Array.from(document.querySelectorAll('#package-table tbody tr'))"
                    ".map(r => r.dataset.name)")
    assert {"redis-tools", "libc6"} <= set(packages)

    # every kept path is listed with why; the search narrows them as one types
    assert len(shown_rows(b)) == len(kept)
    assert b.js("document.getElementById('kept-shown').textContent") == f"{len(kept)} of {len(kept)} shown"
    b.type_into("#search", "redis-cli")
    rows = shown_rows(b)
    expected = [k["path"] for k in kept if "redis-cli" in " ".join(str(v) for v in k.values())]
    assert rows == expected and 0 < len(rows) < len(kept)
    assert b.js("document.getElementById('kept-shown').textContent") == f"{len(rows)} of {len(kept)} shown"
    b.type_into("#search", " nothing-is-called-this")
    assert shown_rows(b) == []

    # probes per round and the seccomp profile's syscalls
    verdicts = b.js("Array.from(document.querySelectorAll('#rounds table.verdicts tbody tr'))"
                    ".map(r => Array.from(r.cells).map(c => c.textContent))")
    assert verdicts == [["exec redis-cli ping", "0", "0", "0", "ok", ""]]
    syscalls = b.js("Array.from(document.querySelectorAll('#syscalls li')).map(l => l.textContent)")
    assert syscalls == sorted(report["seccomp_syscalls"]) and "execve" in syscalls

    # the units dropped, largest first; units and per-file sizes are recorded
    dropped = b.js("Array.from(document.querySelectorAll('#dropped-table tbody tr'))"
                   ".map(r => r.cells[0].textContent)")
    gone = sorted((u for u in units.values() if not u["kept"]), key=lambda u: (-u["size"], u["name"]))
    assert dropped == [u["name"] for u in gone] and "git" in dropped
    missing = b.js("(document.getElementById('not-recorded') || {textContent: ''}).textContent")
    assert "units" not in missing and "kept[].size" not in missing
    b.js("document.getElementById('search').value = ''; "
         "document.getElementById('search').dispatchEvent(new Event('input'))")
    keep_screenshot(b, tmp_path, "report-minify.png")


def test_units_sizes_and_an_address_that_filters(browser, tmp_path):
    report = with_units(minify_report())
    report["pack"]["kept"].append({"path": '/srv/<img src=x onerror="document.title=1">',
                                   "type": "file", "why": "traced", "size": 10})
    src = tmp_path / "report.json"
    src.write_text(json.dumps(report))
    page = tmp_path / "report.html"
    proc = run_micropack("report", str(src), "-o", str(page))
    assert proc.returncode == 0, proc.stderr
    b = browser
    b.open(page.as_uri() + "#q=libc")
    assert b.requests() and all(u.startswith(page.as_uri()) for u in b.requests())
    # the address's filter is applied; the odd name is text, and ran nothing
    assert b.js("document.getElementById('search').value") == "libc"
    assert shown_rows(b) == ["/usr/lib/x86_64-linux-gnu/libc.so.6"]
    assert b.js("document.querySelectorAll('img').length") == 0
    assert b.js("document.title").startswith("micropack: ")

    tiles = b.js("Object.fromEntries(Array.from(document.querySelectorAll('#treemap .tile'))"
                 ".map(t => [t.dataset.name, t.getAttribute('class')]))")
    assert tiles == {"git": "tile dropped", "libc6": "tile kept", "pip": "tile dropped",
                     "redis-tools": "tile kept", "/srv/site": "tile dropped"}
    # the largest unit has the largest tile
    areas = b.js("Object.fromEntries(Array.from(document.querySelectorAll('#treemap .tile'))"
                 ".map(t => { const r = t.querySelector('rect').getBoundingClientRect(); "
                 "return [t.dataset.name, r.width * r.height]; }))")
    assert max(areas, key=areas.get) == "git"
    assert areas["git"] / areas["libc6"] == pytest.approx(38.0 / 12.9, rel=0.02)

    dropped = b.js("Array.from(document.querySelectorAll('#dropped-table tbody tr'))"
                   ".map(r => [r.cells[0].textContent, r.cells[2].textContent])")
    assert dropped == [["git", "38.0 MB"], ["pip", "9.0 MB"], ["/srv/site", "40.0 kB"]]
    bars = b.js("Array.from(document.querySelectorAll('#directory-table tbody tr')).map(r => "
                "[r.dataset.name, r.querySelector('.bar.before').getBoundingClientRect().width, "
                "r.querySelector('.bar.after').getBoundingClientRect().width])")
    first, *_ = bars
    assert first[0] == "/usr/lib/x86_64-linux-gnu" and first[1] > first[2] > 0
    assert b.js("document.getElementById('not-recorded')") is None
    b.js("document.getElementById('search').value = ''; "
         "document.getElementById('search').dispatchEvent(new Event('input'))")
    keep_screenshot(b, tmp_path, "report-units.png")
