#!/usr/bin/env python3
"""micropack's benchmark suite: one command, a table on stdout, JSON in
bench/results.json. Run as root after scripts/setup-host.sh:

    .venv/bin/python bench/run.py [--quick] [--skip-minify]

Measures, side by side and as medians of several runs:
  * the tracer (bench/tracer.py): overhead against untraced and against the
    floor of empty programs on the same attach points, on loops, nginx,
    Python start-up and redis, events, consumer CPU, the cost outside the
    target, and the highest event rate taken with zero lost events;
  * pack time against GNU tar packing the same final list from the same rootfs;
  * packing one file from an image (300 MB and 1.5 GB) through a mount of its
    layers and through an export, against GNU tar (bench/image_access.py);
  * minification of the demo images: sizes, ratio, files kept, probes, wall time.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))
import tracer as tracer_bench  # noqa: E402  (bench/tracer.py)
from tracer import table  # noqa: E402  (one way to print a table for every bench)

MICROPACK = [sys.executable, "-m", "micropack.cli"]
PY_IMPORTS = ("import json, ssl, sqlite3, email.mime.text, http.client, asyncio, decimal, "
              "xml.etree.ElementTree, logging, argparse, unittest, csv, zipfile")
REDIS_PORT = 16390
# GNU time reports a command's peak resident memory
MAXRSS = ["/usr/bin/time", "-f", "micropack-maxrss-kb=%M"]
WEB_PORT = 18090


def sh(cmd: list[str] | str, **kw: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, shell=isinstance(cmd, str), capture_output=True, text=True, **kw)


def machine() -> dict[str, Any]:
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                if line.startswith("model name")), platform.processor())
    mem = next(int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal"))
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(mem / 2**20, 1),
            "kernel": platform.release(), "python": platform.python_version(),
            "docker": sh(["docker", "version", "-f", "{{.Server.Version}}"]).stdout.strip()}


class Gated:
    """A container whose workload waits for /tmp/go, so a tracer can attach first."""

    def __init__(self, image: str, workload: str, network: str = "none",
                 binary: str | None = None) -> None:
        script = f"while [ ! -e /tmp/go ]; do sleep 0.05; done; {workload}"
        self.id = sh(["docker", "run", "-d", f"--network={network}", image, "sh", "-c", script],
                     check=True).stdout.strip()
        if binary:   # the static workload program, as /bench/workload
            sh(["docker", "exec", self.id, "mkdir", "-p", "/bench"], check=True)
            sh(["docker", "cp", binary, f"{self.id}:/bench/workload"], check=True)

    def pid(self) -> int:
        return int(sh(["docker", "inspect", "-f", "{{.State.Pid}}", self.id]).stdout)

    def go(self) -> None:
        sh(["docker", "exec", self.id, "touch", "/tmp/go"], check=True)

    def finish(self) -> str:
        sh(["docker", "wait", self.id])
        out = sh(["docker", "logs", self.id]).stdout
        sh(["docker", "rm", "-f", self.id])
        return out


def start_trace(container: Gated, output: str = "/dev/null") -> subprocess.Popen[str]:
    """`micropack trace` of the container, returned once its programs are attached."""
    proc = subprocess.Popen([*MAXRSS, *MICROPACK, "trace", "--container", container.id,
                             "-o", output], stderr=subprocess.PIPE, text=True, cwd=REPO)
    assert proc.stderr is not None
    for line in proc.stderr:
        if "micropack: tracing" in line:
            break
    return proc


def maxrss_mb(stderr: str) -> float | None:
    m = re.search(r"micropack-maxrss-kb=(\d+)", stderr)
    return round(int(m[1]) / 1024, 1) if m else None


def pack_vs_tar(image: str, runs: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="micropack-bench-") as tmp:
        root = Path(tmp) / "root"
        root.mkdir()
        cid = sh(["docker", "create", image], check=True).stdout.strip()
        sh(f"docker export {cid} | tar -x -p --numeric-owner -C {root}", check=True)
        sh(["docker", "rm", cid])
        small = Path(tmp) / "small.txt"
        c = Gated(image, f"python3 -c '{PY_IMPORTS}'")
        tracer = start_trace(c, str(small))
        c.go()
        c.finish()
        tracer.wait(60)
        big = Path(tmp) / "big.txt"
        big.write_text("\n".join(sorted(str(p)[len(str(root)):] for p in (root / "usr").rglob("*")
                                        if p.is_file() and not p.is_symlink())) + "\n")
        for label, files in (("python_imports", small), ("all_of_usr", big)):
            report = Path(tmp) / f"{label}.json"
            mp_times, tar_times, tar64_times, rss = [], [], [], []
            for _ in range(runs):
                os.sync()   # neither run pays for writing back the other's archive
                t = time.monotonic()
                done = sh([*MAXRSS, *MICROPACK, "pack", "-i", str(files), "-o", f"{tmp}/mp.tar",
                           "--rootfs", str(root), "--report", str(report)], check=True, cwd=REPO)
                mp_times.append(time.monotonic() - t)
                rss.append(maxrss_mb(done.stderr) or 0.0)
                kept = [k["path"].lstrip("/") for k in json.loads(report.read_text())["kept"]]
                (Path(tmp) / "final.txt").write_text("\n".join(kept) + "\n")
                os.sync()
                t = time.monotonic()
                sh(["tar", "-cf", f"{tmp}/gnu.tar", "-C", str(root), "--no-recursion",
                    "-T", f"{tmp}/final.txt"], check=True)
                tar_times.append(time.monotonic() - t)
                # with the 32 KiB records micropack gives tar
                os.sync()
                t = time.monotonic()
                sh(["tar", "-b", "64", "-cf", f"{tmp}/gnu.tar", "-C", str(root), "--no-recursion",
                    "-T", f"{tmp}/final.txt"], check=True)
                tar64_times.append(time.monotonic() - t)
            totals = json.loads(report.read_text())["totals"]
            out[label] = {"entries": totals["kept_entries"], "bytes": totals["kept_bytes"],
                          "micropack_s": round(statistics.median(mp_times), 3),
                          "gnu_tar_s": round(statistics.median(tar_times), 3),
                          "gnu_tar_b64_s": round(statistics.median(tar64_times), 3),
                          "ratio": round(statistics.median(mp_times) / statistics.median(tar_times), 2),
                          "micropack_maxrss_mb": max(rss)}
    return out


def minify_results(image: str) -> list[dict[str, Any]]:
    web = f"micropack-bench/web:{uuid.uuid4().hex[:6]}"
    site = f"server {{ listen 127.0.0.1:{WEB_PORT}; root /srv/site; }}"
    cid = sh(["docker", "run", "-d", "--network=none", image, "sh", "-c",
              f"mkdir -p /srv/site && echo hello > /srv/site/index.html && "
              f"echo '{site}' > /etc/nginx/sites-enabled/default"], check=True).stdout.strip()
    sh(["docker", "wait", cid])
    sh(["docker", "commit", "-c", 'CMD ["nginx", "-g", "daemon off;"]', cid, web], check=True)
    sh(["docker", "rm", cid])
    cases = [
        ("nginx static site", web, ["--network", "host", "--probe-http", f"http://127.0.0.1:{WEB_PORT}/"]),
        ("redis + redis-cli", image, ["--network", "none", "--cmd",
                                      "redis-server --save '' --appendonly no",
                                      "--probe-exec", "redis-cli ping", "--compare-output"]),
        ("python ssl/sqlite3/json", image, ["--network", "none", "--cmd",
                                            "python3 -c 'import ssl, sqlite3, json; print(json.dumps(1))'",
                                            "--compare-output"]),
    ]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for label, src, args in cases:
            tag = f"micropack-bench/min:{uuid.uuid4().hex[:6]}"
            report = Path(tmp) / "r.json"
            t = time.monotonic()
            proc = sh([*MICROPACK, "minify", src, "-t", tag, *args, "--report", str(report)], cwd=REPO)
            wall = time.monotonic() - t
            if proc.returncode != 0:
                rows.append({"case": label, "error": proc.stderr.strip().splitlines()[-1]})
                continue
            r = json.loads(report.read_text())
            rows.append({"case": label, "original_mb": round(r["original_size"] / 1e6, 1),
                         "minified_mb": round(r["minified_size"] / 1e6, 1), "ratio": r["ratio"],
                         "paths_kept": r["paths_kept"],
                         "probes_passed": f"{sum(p['passed'] for p in r['probes'])}/{len(r['probes'])}",
                         "wall_s": round(wall, 1)})
            sh(["docker", "rmi", "-f", tag])
    sh(["docker", "rmi", "-f", web])
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="fewer runs and smaller workloads")
    ap.add_argument("--skip-minify", action="store_true")
    ap.add_argument("--json", default=str(REPO / "bench" / "results.json"))
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("bench: run as root", file=sys.stderr)
        return 2
    from micropack import debimage, runtimes
    from micropack.tracers.sysdig import driver_loaded
    image = debimage.ensure(runtimes.get(), "fat")
    runs = 3 if args.quick else 5
    results: dict[str, Any] = {"machine": machine(), "runs_per_median": runs,
                               "sysdig": "measured" if driver_loaded() else
                               "not measured: no sysdig kernel driver on this host"}
    results["tracer"] = tracer_bench.run(image, quick=args.quick)
    results["pack_vs_tar"] = pack_vs_tar(image, runs)
    # bench/image_access.py: a mount against an export, 300 MB and 1.5 GB images
    import image_access
    results["image_access"] = {"runs_per_median": runs, "list": image_access.ONE_FILE.strip(),
                               "rows": image_access.measure(image, runs)}
    if not args.skip_minify:
        results["minify"] = minify_results(image)
    Path(args.json).write_text(json.dumps(results, indent=1) + "\n")

    m = results["machine"]
    print(f"machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, kernel {m['kernel']}, "
          f"docker {m['docker']}; medians of {runs} runs; sysdig: {results['sysdig']}")
    print(tracer_bench.report(results["tracer"]))
    print(table("Pack time against GNU tar (same final list, same rootfs)",
                ["list", "entries", "MB", "micropack", "GNU tar", "ratio", "GNU tar -b 64",
                 "micropack peak RSS"],
                [[k, v["entries"], round(v["bytes"] / 1e6, 1), f"{v['micropack_s']}s",
                  f"{v['gnu_tar_s']}s", f"{v['ratio']}x", f"{v['gnu_tar_b64_s']}s",
                  f"{v['micropack_maxrss_mb']} MB"]
                 for k, v in results["pack_vs_tar"].items()]))
    print("\n## Packing one file from an image: a mount of its layers against an export\n")
    print(image_access.table(results["image_access"]["rows"]))
    if "minify" in results:
        print(table("Minification", ["case", "original MB", "minified MB", "ratio", "files kept",
                                     "probes", "wall"],
                    [[r["case"], r.get("original_mb"), r.get("minified_mb"), r.get("ratio"),
                      r.get("paths_kept"), r.get("probes_passed"), f"{r.get('wall_s')}s"]
                     if "error" not in r else [r["case"], "error: " + r["error"], "", "", "", "", ""]
                     for r in results["minify"]]))
    print(f"\nJSON: {args.json}")
    return 0


if __name__ == "__main__":
    import guard
    guard.run(main)
