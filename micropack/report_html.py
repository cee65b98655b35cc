"""`micropack report`: a minify or pack report (JSON) as one self-contained
HTML page a person reads in a browser: where the size went (by package and
by directory, before and after, as a treemap and bars), the units dropped
largest first, every kept path with why (searchable), the probes and their
verdicts per round, and the seccomp profile's syscalls.

The page needs no network when it is viewed: its style and script are
inlined, and a Content-Security-Policy forbids anything else. Everything the
page shows is laid out here (tables and an SVG treemap), so it reads the same
without its script; the script only filters the kept paths.

The report is read through one typed view, `Report`, and nothing else here
looks at the JSON. Each section is optional: what a report lacks is shown as
"not recorded", never as an error, because the report's shape still grows
(units are being added to pack). The fields read, all optional:

  minify report:  original, minified, runtime, original_size, minified_size,
                  ratio, passed, paths_kept, traced_events, traced_files,
                  lost_events, wall_seconds, seccomp_profile, seccomp_syscalls[],
                  files_txt, events,
                  rounds[]: number, added[], paths_kept, size, passed,
                            verdicts[]: probe, original_status, minified_status,
                                        seccomp_status, passed, reason
                  pack: a pack report, below
  pack report:    source, warnings[],
                  kept[]: path, type, why, package, size (size: proposed),
                  skipped[]: path, why,
                  totals: source_files, source_bytes, kept_entries,
                          kept_files, kept_bytes,
                  units[]: name, kind, size, kept (proposed),
                  source_by_dir: {directory: bytes} (proposed)
"""
from __future__ import annotations

import html
import json
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from micropack import __version__
from micropack.errors import InputError
from micropack.record import read_input

# --- the typed view --------------------------------------------------------------


@dataclass(frozen=True)
class KeptPath:
    path: str
    type: str
    why: str
    package: str | None = None
    size: int | None = None            # bytes (regular files); None: not recorded


@dataclass(frozen=True)
class Unit:
    """A whole package or tree kept or dropped as one (dpkg, apk, rpm,
    python, node, gem, tree)."""

    name: str
    kind: str
    size: int
    kept: bool


@dataclass(frozen=True)
class Verdict:
    probe: str
    passed: bool
    original_status: int | None = None
    minified_status: int | None = None
    seccomp_status: int | None = None
    reason: str = ""


@dataclass(frozen=True)
class Round:
    number: int
    passed: bool | None
    paths_kept: int | None
    size: int | None
    added: list[str]
    verdicts: list[Verdict]


@dataclass(frozen=True)
class Totals:
    source_files: int | None = None
    source_bytes: int | None = None
    kept_entries: int | None = None
    kept_files: int | None = None
    kept_bytes: int | None = None


@dataclass(frozen=True)
class Report:
    """What a page shows. None means the report does not record it."""

    kind: str                                  # "minify" or "pack"
    original: str | None = None
    minified: str | None = None
    runtime: str | None = None
    source: str | None = None
    original_size: int | None = None
    minified_size: int | None = None
    passed: bool | None = None
    traced_events: int | None = None
    traced_files: int | None = None
    lost_events: int | None = None
    wall_seconds: float | None = None
    files_txt: str | None = None
    events: str | None = None
    totals: Totals = field(default_factory=Totals)
    kept: list[KeptPath] | None = None
    skipped: list[tuple[str, str]] | None = None
    warnings: list[str] | None = None
    units: list[Unit] | None = None
    source_by_dir: dict[str, int] | None = None
    rounds: list[Round] | None = None
    seccomp_profile: str | None = None
    seccomp_syscalls: list[str] | None = None

    @property
    def before(self) -> int | None:
        return self.original_size if self.original_size is not None else self.totals.source_bytes

    @property
    def after(self) -> int | None:
        return self.minified_size if self.minified_size is not None else self.totals.kept_bytes


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _dicts(value: Any) -> list[dict[str, Any]] | None:
    if not isinstance(value, list):
        return None
    return [v for v in value if isinstance(v, dict)]


def _verdict(d: dict[str, Any]) -> Verdict:
    return Verdict(probe=_str(d.get("probe")) or "?", passed=bool(d.get("passed")),
                   original_status=_int(d.get("original_status")),
                   minified_status=_int(d.get("minified_status")),
                   seccomp_status=_int(d.get("seccomp_status")), reason=_str(d.get("reason")) or "")


def _pack_fields(p: dict[str, Any]) -> dict[str, Any]:
    totals = p.get("totals") if isinstance(p.get("totals"), dict) else {}
    assert isinstance(totals, dict)
    kept = _dicts(p.get("kept"))
    skipped = _dicts(p.get("skipped"))
    units = _dicts(p.get("units"))
    by_dir = p.get("source_by_dir")
    warnings = p.get("warnings")
    return {
        "source": _str(p.get("source")),
        "totals": Totals(**{k: _int(totals.get(k)) for k in
                            ("source_files", "source_bytes", "kept_entries", "kept_files", "kept_bytes")}),
        "kept": None if kept is None else [
            KeptPath(path=_str(k.get("path")) or "?", type=_str(k.get("type")) or "",
                     why=_str(k.get("why")) or "", package=_str(k.get("package")),
                     size=_int(k.get("size"))) for k in kept],
        "skipped": None if skipped is None else [
            (_str(s.get("path")) or "?", _str(s.get("why")) or "") for s in skipped],
        "units": None if units is None else [
            Unit(name=_str(u.get("name")) or "?", kind=_str(u.get("kind")) or "?",
                 size=_int(u.get("size")) or 0, kept=bool(u.get("kept"))) for u in units],
        "source_by_dir": None if not isinstance(by_dir, dict) else {
            str(k): v for k, v in by_dir.items() if _int(v) is not None},
        "warnings": [w for w in warnings if isinstance(w, str)] if isinstance(warnings, list) else None,
    }


def read_report(data: Any, name: str = "report") -> Report:
    """The typed view of a minify or a pack report (as micropack writes
    them); unknown keys are ignored, missing or mistyped ones are None."""
    if not isinstance(data, dict):
        raise InputError(name, None, "not a micropack report (a JSON object was expected)")
    if any(k in data for k in ("rounds", "original", "minified", "pack")):
        pack = data.get("pack") if isinstance(data.get("pack"), dict) else {}
        assert isinstance(pack, dict)
        rounds = _dicts(data.get("rounds"))
        syscalls = data.get("seccomp_syscalls")
        return Report(
            kind="minify", original=_str(data.get("original")), minified=_str(data.get("minified")),
            runtime=_str(data.get("runtime")), original_size=_int(data.get("original_size")),
            minified_size=_int(data.get("minified_size")), passed=_bool(data.get("passed")),
            traced_events=_int(data.get("traced_events")), traced_files=_int(data.get("traced_files")),
            lost_events=_int(data.get("lost_events")), wall_seconds=_num(data.get("wall_seconds")),
            files_txt=_str(data.get("files_txt")), events=_str(data.get("events")),
            rounds=None if rounds is None else [
                Round(number=_int(r.get("number")) or n, passed=_bool(r.get("passed")),
                      paths_kept=_int(r.get("paths_kept")), size=_int(r.get("size")),
                      added=[a for a in r.get("added") or [] if isinstance(a, str)],
                      verdicts=[_verdict(v) for v in _dicts(r.get("verdicts")) or []])
                for n, r in enumerate(rounds, 1)],
            seccomp_profile=_str(data.get("seccomp_profile")),
            seccomp_syscalls=([s for s in syscalls if isinstance(s, str)]
                              if isinstance(syscalls, list) else None),
            **_pack_fields(pack))
    if any(k in data for k in ("kept", "totals", "skipped")):
        return Report(kind="pack", **_pack_fields(data))
    raise InputError(name, None, "not a micropack minify or pack report (no rounds, pack or kept paths)")


# A report lists every path of an image (kept and skipped, with why):
# 100,000 of them are some 30 MB
REPORT_MAX = 1 << 30


def load(path: str) -> Report:
    text = read_input(path, REPORT_MAX).decode("utf-8", errors="surrogateescape")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(path, exc.lineno, f"not JSON: {exc.msg}") from exc
    return read_report(data, path)


# --- what is computed from the view -----------------------------------------------


@dataclass(frozen=True)
class Row:
    """One bar: a package or a directory, before and after (None: not known)."""

    name: str
    before: int | None
    after: int | None
    note: str = ""


def directory_of(path: str, depth: int = 3) -> str:
    """The directory a path is counted under: its parent, cut to `depth`
    components (/usr/lib/x86_64-linux-gnu, /usr/bin, /etc)."""
    parts = [p for p in path.split("/") if p][:-1][:depth]
    return "/" + "/".join(parts)


def by_package(r: Report) -> tuple[list[Row], str]:
    """Rows by package (unit), largest first, and the unit their numbers are in."""
    if r.units:
        rows = [Row(f"{u.name}", u.size, u.size if u.kept else 0, u.kind) for u in r.units]
        return sorted(rows, key=lambda x: (-(x.before or 0), x.name)), "bytes"
    if not r.kept:
        return [], ""
    sized = all(k.size is not None for k in r.kept if k.type == "file")
    after: dict[str, int] = defaultdict(int)
    for k in r.kept:
        if k.package is None or k.type == "dir":    # a directory belongs to many packages
            continue
        after[k.package] += (k.size or 0) if sized else 1
    rows = [Row(name, None, n) for name, n in after.items()]
    return sorted(rows, key=lambda x: (-(x.after or 0), x.name)), "bytes" if sized else "entries"


def by_directory(r: Report) -> tuple[list[Row], str]:
    """Rows by directory, largest first: bytes when per-path sizes are
    recorded, else kept entries (before only from source_by_dir)."""
    after: dict[str, int] = defaultdict(int)
    kept = r.kept or []
    sized = bool(kept) and all(k.size is not None for k in kept if k.type == "file")
    for k in kept:
        if k.type == "dir":
            continue
        after[directory_of(k.path)] += (k.size or 0) if sized else 1
    before = r.source_by_dir if sized else None
    names = set(after) | set(before or {})
    rows = [Row(n, before.get(n) if before is not None else None, after.get(n, 0)) for n in names]
    rows.sort(key=lambda x: (-(x.before if x.before is not None else x.after or 0), x.name))
    return rows, "bytes" if sized else ("entries" if rows else "")


def missing(r: Report) -> list[str]:
    """What this report does not record, in words (shown at the page's end)."""
    out = []
    if r.units is None:
        out.append("units kept and dropped with their sizes (pack report: units[])")
    if r.kept is None:
        out.append("the kept paths (pack report: kept[])")
    elif any(k.size is None for k in r.kept if k.type == "file"):
        out.append("the size of each kept file (pack report: kept[].size)")
    elif r.source_by_dir is None:
        out.append("the source's size by directory (pack report: source_by_dir)")
    if r.kept is not None and r.kept and all(k.package is None for k in r.kept) and r.units is None:
        out.append("the package of each kept path (pack report: kept[].package)")
    if r.kind == "minify":
        if r.rounds is None:
            out.append("probes and verification per round (rounds[])")
        if r.seccomp_syscalls is None:
            out.append("the seccomp profile's syscalls (seccomp_syscalls)")
    if r.before is None or r.after is None:
        out.append("the total size before and after")
    return out


# --- the treemap ----------------------------------------------------------------------


@dataclass(frozen=True)
class Tile:
    label: str
    value: int
    kept: bool | None          # None: shown in the neutral colour
    x: float
    y: float
    w: float
    h: float


def _worst(row: list[float], side: float) -> float:
    s = sum(row)
    return max(max(row) * side * side / (s * s), (s * s) / (side * side * min(row)))


def squarify(values: list[float], x: float, y: float, w: float, h: float) -> list[tuple[float, ...]]:
    """Rectangles of areas proportional to values (sorted largest first),
    filling (x, y, w, h), laid in rows along the shorter side while that
    keeps the rectangles closer to squares (Bruls, Huizing and van Wijk's
    squarified treemap)."""
    total = sum(values)
    if total <= 0 or w <= 0 or h <= 0:
        return []
    areas = [v * w * h / total for v in values]
    rects: list[tuple[float, ...]] = []
    i = 0
    while i < len(areas):
        side = min(w, h)
        row = [areas[i]]
        i += 1
        while i < len(areas) and _worst([*row, areas[i]], side) <= _worst(row, side):
            row.append(areas[i])
            i += 1
        thick = sum(row) / side
        if w >= h:       # a column on the left
            yy = y
            for a in row:
                rects.append((x, yy, thick, a / thick))
                yy += a / thick
            x, w = x + thick, w - thick
        else:            # a row on top
            xx = x
            for a in row:
                rects.append((xx, y, a / thick, thick))
                xx += a / thick
            y, h = y + thick, h - thick
    return rects


def treemap(items: Sequence[tuple[str, int, bool | None]], width: float = 960, height: float = 420,
            limit: int = 80) -> list[Tile]:
    """The largest `limit` items as tiles; the rest as one "other" tile."""
    items = sorted((it for it in items if it[1] > 0), key=lambda it: -it[1])
    if len(items) > limit:
        rest = items[limit - 1:]
        items = [*items[:limit - 1], (f"{len(rest)} more", sum(it[1] for it in rest), None)]
    rects = squarify([float(it[1]) for it in items], 0, 0, width, height)
    return [Tile(label, value, kept, *rect) for (label, value, kept), rect in zip(items, rects, strict=True)]


# --- the page ---------------------------------------------------------------------------


def _show(text: str) -> str:
    """A name for the page: bytes that are not UTF-8 and control characters
    as \\xNN (a file name's ESC sequences, written raw, retitled or cleared
    the terminal of whoever ran `cat report.html`), then HTML-escaped."""
    visible = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    visible = CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", visible)
    return html.escape(visible, quote=True)


CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")   # (not a tab, not a line's end)


def _mb(n: int | None) -> str:
    if n is None:
        return "not recorded"
    if n < 1000:
        return f"{n} B"
    if n < 1_000_000:
        return f"{n / 1e3:.1f} kB"
    return f"{n / 1e6:.1f} MB"


def _amount(n: int | None, unit: str) -> str:
    if n is None:
        return "—"
    return _mb(n) if unit == "bytes" else f"{n:,}"


def _not_recorded(what: str) -> str:
    return f'<p class="missing">not recorded: {_show(what)}</p>'


def _asset(name: str) -> str:
    return resources.files("micropack").joinpath("assets", name).read_text(encoding="utf-8")


def _summary(r: Report) -> str:
    cards = [("before", _mb(r.before)), ("after", _mb(r.after))]
    if r.before and r.after:
        cards.append(("smaller by", f"{r.before / r.after:.1f}x"))
    if r.kind == "minify":
        probes = r.rounds[-1].verdicts if r.rounds else []
        ok = sum(1 for v in probes if v.passed)
        cards.append(("probes passed", f"{ok}/{len(probes)}" if r.rounds is not None else "not recorded"))
        cards.append(("rounds", str(len(r.rounds)) if r.rounds is not None else "not recorded"))
        if r.traced_events is not None:
            cards.append(("traced", f"{r.traced_events:,} events, {r.traced_files or 0:,} files"))
        if r.wall_seconds is not None:
            cards.append(("took", f"{r.wall_seconds:.0f} s"))
    kept = r.totals.kept_entries if r.totals.kept_entries is not None else (
        len(r.kept) if r.kept is not None else None)
    cards.append(("paths kept", f"{kept:,}" if kept is not None else "not recorded"))
    if r.totals.source_files is not None:
        cards.append(("files in the source", f"{r.totals.source_files:,}"))
    out = ['<div class="cards" id="summary">']
    for label, value in cards:
        out.append(f'<div class="card" data-card="{_show(label)}"><div class="v">{_show(value)}</div>'
                   f'<div class="k">{_show(label)}</div></div>')
    out.append("</div>")
    if r.passed is not None:
        verdict = "verified: every probe passed" if r.passed else "verification FAILED"
        out.append(f'<p class="verdict {"ok" if r.passed else "bad"}" id="verdict">{verdict}</p>')
    if r.lost_events:
        out.append(f'<p class="verdict bad">{r.lost_events:,} kernel events were lost while tracing: '
                   "the kept list may be incomplete</p>")
    return "\n".join(out)


def _bars(rows: list[Row], unit: str, table_id: str, first: str, limit: int = 60) -> str:
    if not rows:
        return ""
    scale = max(max(r.before or 0, r.after or 0) for r in rows) or 1
    has_before = any(r.before is not None for r in rows)
    out = [f'<table class="bars" id="{table_id}"><thead><tr><th>{first}</th>'
           + ("<th>before</th>" if has_before else "")
           + '<th>after</th><th class="barcol"></th></tr></thead><tbody>']
    for row in rows[:limit]:
        b = f'<span class="bar before" style="width:{100 * (row.before or 0) / scale:.2f}%"></span>' \
            if has_before else ""
        a = f'<span class="bar after" style="width:{100 * (row.after or 0) / scale:.2f}%"></span>'
        note = f' <span class="kind">{_show(row.note)}</span>' if row.note else ""
        out.append(f'<tr data-name="{_show(row.name)}"><td class="name">{_show(row.name)}{note}</td>'
                   + (f'<td class="num">{_amount(row.before, unit)}</td>' if has_before else "")
                   + f'<td class="num">{_amount(row.after, unit)}</td>'
                   f'<td class="barcol"><div class="track">{b}{a}</div></td></tr>')
    out.append("</tbody></table>")
    if len(rows) > limit:
        out.append(f'<p class="note">and {len(rows) - limit} more</p>')
    return "\n".join(out)


def _treemap_svg(tiles: list[Tile], caption: str) -> str:
    w, h = 960, 420
    out = [f'<figure class="treemap"><svg id="treemap" viewBox="0 0 {w} {h}" role="img" '
           f'aria-label="{_show(caption)}" xmlns="http://www.w3.org/2000/svg">']
    for t in tiles:
        cls = "kept" if t.kept else ("dropped" if t.kept is False else "neutral")
        label = f"{t.label}: {_mb(t.value)}" if caption.endswith("bytes") else f"{t.label}: {t.value:,}"
        status = {True: " (kept)", False: " (dropped)", None: ""}[t.kept]
        out.append(f'<g class="tile {cls}" data-name="{_show(t.label)}"><title>{_show(label + status)}'
                   f'</title><rect x="{t.x:.1f}" y="{t.y:.1f}" width="{t.w:.1f}" height="{t.h:.1f}"/>')
        if t.w > 60 and t.h > 16:
            chars = int(t.w / 7)
            text = t.label if len(t.label) <= chars else "…" + t.label[-(chars - 1):]
            out.append(f'<text x="{t.x + 4:.1f}" y="{t.y + 13:.1f}">{_show(text)}</text>')
        out.append("</g>")
    out.append(f"</svg><figcaption>{_show(caption)}</figcaption></figure>")
    return "\n".join(out)


def _sizes(r: Report) -> str:
    out = ['<section id="sizes"><h2>Where the size went</h2>']
    pkg_rows, pkg_unit = by_package(r)
    dir_rows, dir_unit = by_directory(r)
    if r.units:
        tiles = treemap([(f"{u.name}", u.size, u.kept) for u in r.units])
        out.append(_treemap_svg(tiles, "every unit of the source, kept (green) or dropped (grey), "
                                       "area by size in bytes"))
    elif dir_rows:
        items = [(row.name, row.after or 0, True) for row in dir_rows]
        tiles = treemap(items)
        out.append(_treemap_svg(tiles, f"what was kept, by directory, area by {dir_unit}"))
    else:
        out.append(_not_recorded("sizes by package or by directory"))
    out.append('<h3 id="by-package">By package</h3>')
    if pkg_rows:
        if pkg_unit == "entries":
            out.append('<p class="note">kept entries per package: per-path sizes are not recorded</p>')
        out.append(_bars(pkg_rows, pkg_unit, "package-table", "package"))
    else:
        out.append(_not_recorded("sizes by package (units with their sizes, or kept paths "
                                 "with package and size)"))
    out.append('<h3 id="by-directory">By directory</h3>')
    if dir_rows:
        if dir_unit == "entries":
            out.append('<p class="note">kept entries per directory: per-path sizes are not recorded, '
                       "nor the source's sizes by directory</p>")
        out.append(_bars(dir_rows, dir_unit, "directory-table", "directory"))
    else:
        out.append(_not_recorded("sizes by directory (kept paths)"))
    out.append("</section>")
    return "\n".join(out)


def _dropped(r: Report) -> str:
    out = ['<section id="dropped"><h2>Units dropped, largest first</h2>']
    if r.units is None:
        out.append(_not_recorded("units kept and dropped (this report has no units)"))
    else:
        gone = sorted((u for u in r.units if not u.kept), key=lambda u: (-u.size, u.name))
        if not gone:
            out.append('<p class="note">no unit was dropped</p>')
        else:
            total = sum(u.size for u in gone)
            out.append(f'<p class="note">{len(gone)} units, {_mb(total)}</p>'
                       '<table id="dropped-table"><thead><tr><th>unit</th><th>kind</th>'
                       "<th>size</th></tr></thead><tbody>")
            for u in gone:
                out.append(f'<tr><td class="name">{_show(u.name)}</td><td>{_show(u.kind)}</td>'
                           f'<td class="num">{_mb(u.size)}</td></tr>')
            out.append("</tbody></table>")
    out.append("</section>")
    return "\n".join(out)


def _kept(r: Report) -> str:
    out = ['<section id="kept"><h2>Kept paths, with why</h2>']
    if r.kept is None:
        out.append(_not_recorded("the kept paths"))
    else:
        n = len(r.kept)
        out.append('<div class="search"><input id="search" type="search" autocomplete="off" '
                   'placeholder="filter by path, why, type or package" aria-label="filter the kept paths">'
                   f' <span id="kept-shown" data-total="{n}">{n} of {n} shown</span></div>'
                   '<table id="kept-table"><thead><tr><th>path</th><th>type</th><th>why</th>'
                   "<th>package</th><th>size</th></tr></thead><tbody>")
        for k in r.kept:
            out.append(f'<tr><td class="name">{_show(k.path)}</td><td>{_show(k.type)}</td>'
                       f"<td>{_show(k.why)}</td><td>{_show(k.package or '')}</td>"
                       f'<td class="num">{"" if k.size is None else _mb(k.size)}</td></tr>')
        out.append("</tbody></table>")
    if r.skipped:
        out.append(f'<details id="skipped"><summary>skipped, with why: {len(r.skipped)}</summary>'
                   '<table><tbody>')
        out.extend(f'<tr><td class="name">{_show(p)}</td><td>{_show(why)}</td></tr>'
                   for p, why in r.skipped)
        out.append("</tbody></table></details>")
    if r.warnings:
        out.append('<details id="warnings"><summary>warnings</summary><ul>'
                   + "".join(f"<li>{_show(w)}</li>" for w in r.warnings) + "</ul></details>")
    out.append("</section>")
    return "\n".join(out)


def _status(n: int | None) -> str:
    return "—" if n is None else str(n)


def _rounds(r: Report) -> str:
    out = ['<section id="rounds"><h2>Probes and verification, per round</h2>']
    if r.rounds is None:
        out.append(_not_recorded("probes and verification"))
    for rnd in r.rounds or []:
        state = {True: "passed", False: "FAILED", None: "not recorded"}[rnd.passed]
        size = f", image {_mb(rnd.size)}" if rnd.size is not None else ""
        kept = f", {rnd.paths_kept} paths kept" if rnd.paths_kept is not None else ""
        out.append(f'<div class="round" data-round="{rnd.number}"><h3>round {rnd.number}: '
                   f'<span class="{"ok" if rnd.passed else "bad"}">{state}</span>{kept}{size}</h3>')
        if rnd.added:
            out.append(f"<details><summary>{len(rnd.added)} paths added after the previous round"
                       "</summary><ul>" + "".join(f"<li>{_show(a)}</li>" for a in rnd.added)
                       + "</ul></details>")
        if rnd.verdicts:
            out.append('<table class="verdicts"><thead><tr><th>probe</th><th>original</th>'
                       "<th>minified</th><th>under seccomp</th><th>result</th><th>why</th>"
                       "</tr></thead><tbody>")
            for v in rnd.verdicts:
                out.append(f'<tr class="{"ok" if v.passed else "bad"}"><td class="name">{_show(v.probe)}'
                           f"</td><td>{_status(v.original_status)}</td>"
                           f"<td>{_status(v.minified_status)}</td><td>{_status(v.seccomp_status)}</td>"
                           f"<td>{'ok' if v.passed else 'FAILED'}</td><td>{_show(v.reason)}</td></tr>")
            out.append("</tbody></table>")
        else:
            out.append('<p class="note">no probe results in this round</p>')
        out.append("</div>")
    out.append("</section>")
    return "\n".join(out)


def _seccomp(r: Report) -> str:
    out = ['<section id="seccomp"><h2>Seccomp profile</h2>']
    if not r.seccomp_syscalls:
        out.append(_not_recorded("a seccomp profile (minify --seccomp FILE.json writes one)"))
    else:
        where = f" in {_show(r.seccomp_profile)}" if r.seccomp_profile else ""
        out.append(f'<p class="note">{len(r.seccomp_syscalls)} syscalls allowed{where}; '
                   "every other one fails with EPERM</p><ul class=\"syscalls\" id=\"syscalls\">"
                   + "".join(f"<li>{_show(s)}</li>" for s in sorted(r.seccomp_syscalls)) + "</ul>")
    out.append("</section>")
    return "\n".join(out)


def _missing_section(r: Report) -> str:
    gaps = missing(r)
    if not gaps:
        return ""
    return ('<section id="not-recorded"><h2>Not recorded in this report</h2><ul>'
            + "".join(f"<li>{_show(g)}</li>" for g in gaps) + "</ul></section>")


CSP = ("default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
       "img-src data:; base-uri 'none'; form-action 'none'")


def render(r: Report, source_name: str = "") -> str:
    """The page, as one string of HTML with everything inlined."""
    if r.kind == "minify":
        title = f"{r.original or '?'} → {r.minified or '?'}"
    else:
        title = f"pack of {r.source or 'a source'}"
    facts = []
    if r.runtime:
        facts.append(f"runtime {r.runtime}")
    if r.source and r.kind == "minify":
        facts.append(f"packed from {r.source}")
    if r.files_txt:
        facts.append(f"files.txt: {r.files_txt}")
    if r.events:
        facts.append(f"events: {r.events}")
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>micropack: {_show(title)}</title>",
        f"<style>{_asset('report.css')}</style></head>",
        f'<body data-report-kind="{r.kind}"><header><h1>micropack {r.kind} report</h1>',
        f'<p class="title" id="title">{_show(title)}</p>',
        f'<p class="facts">{_show(" · ".join(facts))}</p>' if facts else "",
        "</header><main>",
        _summary(r), _sizes(r), _dropped(r), _kept(r),
        _rounds(r) if r.kind == "minify" else "",
        _seccomp(r) if r.kind == "minify" else "",
        _missing_section(r),
        f'</main><footer>micropack {__version__}{" · " + _show(source_name) if source_name else ""}'
        "</footer>",
        f"<script>{_asset('report.js')}</script>", "</body></html>", "",
    ]
    return "\n".join(p for p in parts if p is not None)


def write(r: Report, dest: str, source_name: str = "") -> None:
    from micropack.record import atomic_output
    with atomic_output(dest) as fh:
        fh.write(render(r, source_name))
