#!/usr/bin/env python3
"""The application suite at every granularity: for each application of
tests/apps and each level, `micropack minify` with probe set A, then
workload B on the original and on the minified image, compared. Prints a
table (the README's) and writes bench/apps.json. Run as root:

    .venv/bin/python bench/apps.py [--apps postgres,flask] [--levels file,unit]

Sizes are docker's image sizes, the same figure for the original and the
result; "hand fix" is the ratio a person reached on the issue's own suite
by adding --include lists until B passed (issue 12).
"""
from __future__ import annotations

import argparse
import difflib
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from micropack.levels import DEFAULT_GRANULARITY, GRANULARITIES  # noqa: E402
from tests.apps import APPS, App, image, run_workload  # noqa: E402

MICROPACK = [sys.executable, "-m", "micropack.cli"]
HAND_FIX = {"postgres": 1.6, "flask": 5.4, "nginx": 13.5, "node": 2.2, "shell": 3.1}


def image_size(ref: str) -> int:
    out = subprocess.run(["docker", "image", "inspect", "-f", "{{.Size}}", ref],
                         capture_output=True, text=True)
    return int(out.stdout.strip()) if out.returncode == 0 else 0


def first_difference(a: str, b: str) -> str:
    for line in difflib.unified_diff(a.splitlines(), b.splitlines(), "original", "minified", n=0,
                                     lineterm=""):
        if line.startswith(("-", "+")) and not line.startswith(("---", "+++")):
            return line[:160]
    return ""


def measure(app: App, level: str, original_b: str, workdir: Path, keep: bool) -> dict[str, Any]:
    original = image(app)
    tag = f"micropack-apps-{app.name}:min-{level}"
    report = workdir / f"{app.name}-{level}.json"
    started = time.monotonic()
    proc = subprocess.run([*MICROPACK, "minify", original, "-t", tag, "--granularity", level,
                           *app.minify_args(), "--report", str(report)],
                          capture_output=True, text=True, cwd=REPO, timeout=1800)
    row: dict[str, Any] = {"app": app.name, "level": level, "original_bytes": image_size(original),
                           "minify_s": round(time.monotonic() - started, 1)}
    if not report.exists():
        row["error"] = (proc.stderr.strip().splitlines() or ["no report"])[-1]
        return row
    r = json.loads(report.read_text())
    units = (r.get("pack") or {}).get("units") or []
    row.update({"minified_bytes": image_size(tag) or r["minified_size"],
                "probes_passed": bool(r["passed"]), "paths_kept": r["paths_kept"],
                "units_dropped": sum(1 for u in units if u["status"] == "dropped")})
    row["ratio"] = round(row["original_bytes"] / row["minified_bytes"], 2)
    if proc.returncode != 0:
        row["minify_error"] = (proc.stderr.strip().splitlines() or [""])[-1]
    got = run_workload(app, tag, original=False)
    row["b_passes"] = got.output == original_b
    if not row["b_passes"]:
        row["b_first_difference"] = first_difference(original_b, got.output)
        (workdir / f"{app.name}-{level}.b.txt").write_text(got.output)
    if not keep:
        subprocess.run(["docker", "rmi", "-f", tag], capture_output=True)
    return row


def table(rows: list[dict[str, Any]]) -> str:
    lines = ["| app | level | original | minified | ratio | B passes | hand fix | B passes, smaller than "
             "the hand fix |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['app']} | {r['level']} | {r['original_bytes'] / 1e6:.1f} MB | "
                         f"error: {r['error']} | | | | |")
            continue
        default = " (default)" if r["level"] == DEFAULT_GRANULARITY else ""
        hand = HAND_FIX.get(r["app"])
        lines.append(f"| {r['app']} | {r['level']}{default} | {r['original_bytes'] / 1e6:.1f} MB | "
                     f"{r['minified_bytes'] / 1e6:.1f} MB | {r['ratio']:.2f}x | "
                     f"{'yes' if r['b_passes'] else 'no'} | {f'{hand}x' if hand else '-'} | "
                     f"{'yes' if r['b_passes'] and hand and r['ratio'] > hand else 'no'} |")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--apps", default=",".join(APPS))
    ap.add_argument("--levels", default=",".join(GRANULARITIES))
    ap.add_argument("--json", default=str(REPO / "bench" / "apps.json"))
    ap.add_argument("--workdir", default="/var/tmp/micropack-bench-apps",
                    help="reports, saved traces and B outputs that differ")
    ap.add_argument("--keep-images", action="store_true")
    ap.add_argument("--table-from", metavar="JSON", help="print the table of an earlier run and stop")
    args = ap.parse_args()
    if args.table_from:
        print(table(json.loads(Path(args.table_from).read_text())["rows"]))
        return 0
    if os.geteuid() != 0:
        print("bench: run as root", file=sys.stderr)
        return 2
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    rows = []
    for name in args.apps.split(","):
        app = APPS[name]
        original = image(app)
        b = run_workload(app, original, original=True)
        if b.status != 0:
            print(f"{name}: workload B fails on the original already ({b.status}): {b.output[-300:]}",
                  file=sys.stderr)
            return 1
        (workdir / f"{name}-original.b.txt").write_text(b.output)
        for level in args.levels.split(","):
            row = measure(app, level, b.output, workdir, args.keep_images)
            print(json.dumps(row), file=sys.stderr, flush=True)
            rows.append(row)
    Path(args.json).write_text(json.dumps({"rows": rows}, indent=1) + "\n")
    print(table(rows))
    return 0


if __name__ == "__main__":
    import guard
    guard.run(main)
