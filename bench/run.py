#!/usr/bin/env python3
"""micropack's benchmark suite: one command, a table on stdout, JSON in
bench/results.json. Run as root after scripts/setup-host.sh:

    .venv/bin/python bench/run.py [--quick] [--skip-minify]

Measures, side by side and as medians of several runs:
  * tracer overhead on an open/stat loop, a Python start-up importing many
    modules, and a redis server answering a fixed number of requests from
    127.0.0.1: untraced, the eBPF backend, strace -f, sysdig (when it has a driver);
  * the highest event rate the eBPF backend takes with zero lost events, and
    the count it reports lost above it;
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


def attach_tracer(mode: str, container: Gated) -> subprocess.Popen[str] | None:
    if mode == "untraced":
        return None
    if mode == "ebpf":
        return start_trace(container)
    if mode == "strace":
        proc = subprocess.Popen(["strace", "-f", "-qq", "-o", "/dev/null", "-p", str(container.pid())],
                                stderr=subprocess.PIPE, text=True)
        time.sleep(1.0)
        return proc
    raise ValueError(mode)


def detach(proc: subprocess.Popen[str] | None) -> None:
    if proc is None:
        return
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.terminate()
        proc.wait(10)


def timed_in_container(image: str, workload: str, mode: str, binary: str | None = None) -> float:
    """Seconds the workload reports for itself (its last output line, in ns)."""
    c = Gated(image, workload, binary=binary)
    tracer = attach_tracer(mode, c)
    c.go()
    out = c.finish()
    detach(tracer)
    return int(out.strip().splitlines()[-1]) / 1e9


def runs_for(mode: str, runs: int) -> int:
    """strace takes minutes per run of the loop: at most 3 runs for it."""
    return min(runs, 3) if mode == "strace" else runs


def overhead(image: str, workload_bin: str, runs: int, loop_n: int, py_n: int,
             redis_n: int, modes: list[str]) -> dict[str, Any]:
    results: dict[str, Any] = {}
    loop = f"/bench/workload loop {loop_n}"
    pystart = (f"s=$(date +%s%N); for i in $(seq {py_n}); do python3 -c '{PY_IMPORTS}'; done; "
               "e=$(date +%s%N); echo $((e-s))")
    for name, workload, binary in (("open_stat_loop", loop, workload_bin),
                                   ("python_startup", pystart, None)):
        results[name] = {mode: statistics.median(timed_in_container(image, workload, mode, binary)
                                                 for _ in range(runs_for(mode, runs)))
                         for mode in modes}
    results["redis_requests"] = {m: statistics.median(redis_run(image, m, redis_n)
                                                      for _ in range(runs_for(m, runs)))
                                 for m in modes}
    return results


def redis_run(image: str, mode: str, requests: int) -> float:
    """Wall time for redis-benchmark (another container) to get `requests`
    SETs and GETs answered by the traced server, over 127.0.0.1."""
    server = Gated(image, f"exec redis-server --port {REDIS_PORT} --bind 127.0.0.1 --save '' "
                          "--appendonly no", network="host")
    tracer = attach_tracer(mode, server)
    server.go()
    for _ in range(100):
        ping = sh(["docker", "exec", server.id, "redis-cli", "-p", str(REDIS_PORT), "ping"])
        if ping.stdout.strip() == "PONG":
            break
        time.sleep(0.1)
    start = time.monotonic()
    sh(["docker", "run", "--rm", "--network=host", image, "redis-benchmark", "-p", str(REDIS_PORT),
        "-n", str(requests), "-t", "set,get", "-q", "-c", "10"], check=True)
    elapsed = time.monotonic() - start
    sh(["docker", "stop", "-t", "2", server.id])
    server.finish()
    detach(tracer)
    return elapsed


def maxrss_mb(stderr: str) -> float | None:
    m = re.search(r"micropack-maxrss-kb=(\d+)", stderr)
    return round(int(m[1]) / 1024, 1) if m else None


def event_rate(image: str, binary: str, seconds: float) -> dict[str, Any]:
    """Raise the rate of distinct (never deduplicated) failed opens until
    the eBPF backend reports lost events."""
    rows = []
    best = 0
    for rate in (25_000, 50_000, 100_000, 200_000, 400_000, 800_000, 0):
        c = Gated(image, f"/bench/workload rate {rate} {seconds}", binary=binary)
        tracer = start_trace(c)
        c.go()
        sent = int(c.finish().strip().splitlines()[-1])
        assert tracer.stderr is not None
        tracer.wait(60)
        err = tracer.stderr.read()
        lost_m = re.search(r"WARNING: (\d+) kernel events LOST", err)
        lost = int(lost_m[1]) if lost_m else 0
        achieved = sent / seconds
        rows.append({"target_rate": rate or "unpaced", "achieved_per_s": round(achieved),
                     "events": sent, "lost": lost, "tracer_maxrss_mb": maxrss_mb(err)})
        if lost == 0:
            best = max(best, round(achieved))
        else:
            break
    return {"max_zero_loss_per_s": best, "runs": rows}


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


def table(title: str, header: list[str], rows: list[list[Any]]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=True)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    lines = [f"\n## {title}", fmt.format(*header), fmt.format(*["-" * w for w in widths])]
    lines += [fmt.format(*[str(x) for x in r]) for r in rows]
    return "\n".join(lines)


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
    binary = str(Path(tempfile.mkdtemp()) / "workload")
    sh(["gcc", "-O2", "-static", "-o", binary, str(REPO / "bench" / "workload.c")], check=True)
    modes = ["untraced", "ebpf", "strace"]
    results: dict[str, Any] = {"machine": machine(), "runs_per_median": runs,
                               "sysdig": "measured" if driver_loaded() else
                               "not measured: no sysdig kernel driver on this host"}
    results["overhead_s"] = overhead(image, binary, runs, 100_000,
                                     5 if args.quick else 10, 20_000 if args.quick else 50_000, modes)
    results["event_rate"] = event_rate(image, binary, 2.0 if args.quick else 3.0)
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
          f"docker {m['docker']}; medians of {runs} runs ({runs_for('strace', runs)} for strace); "
          f"sysdig: {results['sysdig']}")
    rows = []
    for name, by_mode in results["overhead_s"].items():
        base = by_mode["untraced"]
        rows.append([name, f"{base:.3f}s", f"{by_mode['ebpf']:.3f}s",
                     f"{(by_mode['ebpf'] / base - 1) * 100:+.1f}%", f"{by_mode['strace']:.3f}s",
                     f"{(by_mode['strace'] / base - 1) * 100:+.1f}%"])
    print(table("Tracer overhead (lower is better)",
                ["workload", "untraced", "eBPF", "eBPF slowdown", "strace -f", "strace slowdown"], rows))
    er = results["event_rate"]
    print(table(f"Event rate (max with zero loss: {er['max_zero_loss_per_s']}/s)",
                ["target/s", "achieved/s", "events", "lost", "tracer peak RSS"],
                [[r["target_rate"], r["achieved_per_s"], r["events"], r["lost"],
                  f"{r['tracer_maxrss_mb']} MB"] for r in er["runs"]]))
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
    sys.exit(main())
