#!/usr/bin/env python3
"""micropack's tracer benchmarks. Run as root after scripts/setup-host.sh:

    .venv/bin/python bench/tracer.py [--quick] [--json FILE]

(bench/run.py runs them too, with the pack and minify benchmarks.)

Every workload runs in a container, in rounds; each round runs every mode
once, in turn, so modes see the same machine; medians are reported:

  * untraced;
  * floor: *empty* programs on the very attach points the tracer uses
    (micropack.tracers.ebpf.floor_source()): what the kernel's tracepoint
    path costs before the tracer does any work;
  * for the loops, the names alone: programs that read the name of every
    call of the loop that names a file (of those that found one: the
    counterpart of micropack without --events) and do nothing else, which
    is what recording names costs before any bookkeeping;
  * micropack: `micropack trace --container C -o files.txt`;
  * micropack --events: the same writing events.jsonl;
  * strace -f, for the Python and redis rows.

Workloads: the fd-reuse loop (open(p), close, stat(p), access of a missing
file, p cycling through four files, so every open gets the same fd), the same
loop on one file, an nginx serving many different files to a keep-alive
client, Python start-up, redis answering a client in another container, and
the fd-reuse loop in *another*, untraced container while micropack traces
an idle target (the cost to processes outside the target). The loops report
their own CPU time, which is what the tracer adds to (its programs run in
the traced thread's system time) and which other work on a shared machine
disturbs far less than wall time; servers report the CPU time of their
container's cgroup (cpu.stat) and the client's wall time.

Also: where the program's time goes (kernel.bpf_stats_enabled, run time per
program run), the attach designs compared with empty programs, and the
highest event rate taken with zero loss.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
PYTHON = sys.executable
MICROPACK = [PYTHON, "-m", "micropack.cli"]
PY_IMPORTS = ("import json, ssl, sqlite3, email.mime.text, http.client, asyncio, decimal, "
              "xml.etree.ElementTree, logging, argparse, unittest, csv, zipfile")
REDIS_PORT = 16390
WEB_PORT = 18091
WEB_FILES = 2000
CLK_TCK = os.sysconf("SC_CLK_TCK")
# Workloads, and a server's client, run on the last CPU: on a small VM where
# client and server land changes a server's CPU time by half (cross-CPU
# wakeups), and the tracer's consumer keeps the other CPUs.
CPUSET = str((os.cpu_count() or 1) - 1)
# --compare-with: another checkout whose `micropack trace` runs as the modes
# "other" and "other-events", in the same rounds (say, the main branch)
OTHER: Path | None = None

# An A/A control: untraced once more in every round, as a mode of its own.
# Its ratio to untraced is what the host's noise alone makes of a row (a
# server's CPU time in its cgroup moved by 5% between identical runs).
UNTRACED_AGAIN = "untraced-again"

# The per-syscall tracepoints of the loop's calls, for the attach-design comparison.
LOOP_CALLS = ("openat", "close", "newfstatat", "access")


def sh(cmd: list[str] | str, **kw: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, shell=isinstance(cmd, str), capture_output=True, text=True, **kw)


def build_workload() -> str:
    binary = str(Path(tempfile.mkdtemp(prefix="micropack-bench-")) / "workload")
    sh(["gcc", "-O2", "-static", "-o", binary, str(REPO / "bench" / "workload.c")], check=True)
    return binary


def proc_cpu_s(pid: int) -> float:
    """User + system CPU seconds of a live process."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


class Box:
    """A container whose main command waits on a FIFO gate, runs a workload,
    prints its result, then waits on another FIFO (so its cgroup can still be
    read): the tracer attaches while it waits."""

    def __init__(self, image: str, workload: str, binary: str, network: str = "none",
                 setup: str = "true", cpus: str = CPUSET) -> None:
        script = (f"mkfifo /tmp/gate /tmp/end; {setup}; echo ready; read g < /tmp/gate; "
                  f"{workload}; read e < /tmp/end")
        self.id = sh(["docker", "run", "-d", f"--network={network}", f"--cpuset-cpus={cpus}", "-v",
                      f"{binary}:/bench/workload:ro", image, "sh", "-c", script],
                     check=True).stdout.strip()
        self.logs = subprocess.Popen(["docker", "logs", "-f", self.id], stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True)
        self.wait_line(lambda line: line == "ready")
        from micropack import cgroup
        self.cgroup = cgroup.ref_for_pid(self.pid()).path

    def wait_line(self, want: Callable[[str], bool]) -> str:
        assert self.logs.stdout is not None
        for line in self.logs.stdout:
            if want(line.strip()):
                return line.strip()
        raise RuntimeError(f"container {self.id[:12]} ended: {sh(['docker', 'logs', self.id]).stderr}")

    def pid(self) -> int:
        return int(sh(["docker", "inspect", "-f", "{{.State.Pid}}", self.id]).stdout)

    def cpu_s(self) -> float:
        text = (self.cgroup / "cpu.stat").read_text()
        return int(re.search(r"^usage_usec (\d+)", text, re.M)[1]) / 1e6  # type: ignore[index]

    def go(self) -> None:
        sh(["docker", "exec", self.id, "sh", "-c", "echo > /tmp/gate"], check=True)

    def remove(self) -> None:
        self.logs.kill()
        self.logs.wait()
        sh(["docker", "rm", "-f", self.id])


# -- tracers --------------------------------------------------------------------

class Attached:
    """One tracer process for one run: started, attached, then stopped."""

    def __init__(self, mode: str, box: Box | None, tmp: str) -> None:
        self.mode, self.tmp = mode, tmp
        self.proc: subprocess.Popen[str] | None = None
        self.cpu0 = 0.0
        self.stderr = ""
        if mode in ("untraced", UNTRACED_AGAIN):
            return
        # "-raw": micropack's sys_exit program (and the floor's) attached as
        # a raw tracepoint, as where the kernel refuses tp_btf
        from micropack.tracers.ebpf import SYS_EXIT_ENV
        env = dict(os.environ, **({SYS_EXIT_ENV: "raw"} if mode.endswith("-raw") else {}))
        if mode in ("floor", "floor-raw") or mode.startswith("design:"):
            what = "floor" if mode.startswith("floor") else mode.split(":", 1)[1]
            self.proc = subprocess.Popen([PYTHON, __file__, "--attach", what], stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, text=True, cwd=REPO, env=env)
            assert self.proc.stdout is not None
            line = self.proc.stdout.readline()
            if not line.startswith("attached"):
                raise RuntimeError(f"{mode}: {line}")
            self.attach_s = float(line.split()[1])
        elif mode.startswith(("micropack", "other")):
            assert box is not None
            args = [*MICROPACK, "trace", "--container", box.id, "-o", f"{tmp}/files.txt"]
            if mode.endswith("-events"):
                args += ["--events", f"{tmp}/events.jsonl"]
            checkout = OTHER if mode.startswith("other") else REPO
            assert checkout is not None
            self.proc = subprocess.Popen(args, stderr=subprocess.PIPE, text=True, cwd=checkout,
                                         env=dict(env, PYTHONPATH=str(checkout)))
            assert self.proc.stderr is not None
            for line in self.proc.stderr:
                if "micropack: tracing" in line:
                    break
            else:
                raise RuntimeError(f"micropack did not start: {self.proc.wait()}")
            self.cpu0 = proc_cpu_s(self.proc.pid)
        elif mode == "strace":
            assert box is not None
            self.proc = subprocess.Popen(["strace", "-f", "-qq", "-o", "/dev/null", "-p", str(box.pid())],
                                         stderr=subprocess.PIPE, text=True)
            time.sleep(1.0)
        else:
            raise ValueError(mode)

    def stop(self) -> dict[str, Any]:
        """Detach; for micropack, the events it reported and the CPU its
        consumer used while attached (start-up and shutdown left out)."""
        out: dict[str, Any] = {}
        if self.proc is None:
            return out
        if self.mode.startswith(("micropack", "other")):
            out["consumer_cpu_s"] = proc_cpu_s(self.proc.pid) - self.cpu0
            self.proc.send_signal(signal.SIGTERM)
            assert self.proc.stderr is not None
            self.stderr = self.proc.stderr.read()
            _, status, usage = os.wait4(self.proc.pid, 0)
            self.proc.returncode = os.waitstatus_to_exitcode(status)
            out["maxrss_mb"] = round(usage.ru_maxrss / 1024, 1)
            m = re.search(r"stopped: .*?; (\d+) events", self.stderr)
            out["events"] = int(m[1]) if m else None
            lost = re.search(r"WARNING: (\d+) kernel events LOST", self.stderr)
            out["lost"] = int(lost[1]) if lost else 0
        elif self.mode == "strace":
            self.proc.terminate()
            self.proc.wait(30)
        else:
            assert self.proc.stdin is not None and self.proc.stdout is not None
            self.proc.stdin.close()
            line = self.proc.stdout.readline()
            self.proc.wait(60)
            if line.startswith("detached"):
                out["detach_s"] = float(line.split()[1])
                out["attach_s"] = self.attach_s
        return out


def design_source(name: str) -> str:
    from micropack.tracers import ebpf
    if name == "floor":
        return ebpf.floor_source(btf=floor_is_btf())
    if name == "raw-exit":              # micropack's where tp_btf is refused (without the sched ones)
        return "RAW_TRACEPOINT_PROBE(sys_exit) { return 0; }\n"
    if name == "btf-exit":              # micropack's where the kernel allows tp_btf
        return ebpf.floor_source(("raw_syscalls/sys_exit",), btf=True)
    if name == "raw-enter-exit":        # the first design
        return ("RAW_TRACEPOINT_PROBE(sys_enter) { return 0; }\n"
                "RAW_TRACEPOINT_PROBE(sys_exit) { return 0; }\n")
    if name in (READ_NAMES, READ_FOUND_NAMES):
        return names_floor_source(found_only=name == READ_FOUND_NAMES)
    if name == "syscall-tracepoints":   # one enter/exit pair per call of the loop
        return "".join(f"TRACEPOINT_PROBE(syscalls, sys_{side}_{call}) {{ return 0; }}\n"
                       for call in LOOP_CALLS for side in ("enter", "exit"))
    raise ValueError(name)


# Designs that read the name of each of the loop's calls that names a file
# and do nothing else: what any tracer that records names pays the kernel for
# the reads alone (bpf_probe_read_user_str, a fixed cost of 130 to 150 ns a
# call on this VM whatever the name's length). READ_FOUND_NAMES skips the
# calls that found no file, as micropack does without --events. They read
# the names of every process's calls, not only the target's (on a quiet host
# the loop's are all but half a percent of them), and attach as tp_btf, as
# the floor does where the kernel allows it; elsewhere they are not run.
READ_NAMES = "read-names"
READ_FOUND_NAMES = "read-found-names"
NAMES_FLOOR = {"micropack": f"design:{READ_FOUND_NAMES}", "micropack-events": f"design:{READ_NAMES}"}


def floor_is_btf() -> bool:
    """Whether the floor's sys_exit program attaches as tp_btf, as
    micropack's does where the kernel allows it (unless told raw)."""
    from micropack.tracers import btf_attach, ebpf
    return (os.environ.get(ebpf.SYS_EXIT_ENV, "auto") != "raw"
            and btf_attach.tracepoint_btf_id("sys_exit") is not None)


def names_floor_modes() -> list[str]:
    """The names-alone designs, where they attach as the floor does."""
    return list(NAMES_FLOOR.values()) if floor_is_btf() else []


def names_floor_source(found_only: bool) -> str:
    from micropack.tracers import ebpf
    numbers = ebpf.syscall_numbers()[0]    # (x86_64's orig_ax below: the bench runs there)
    by_arg = {0: [numbers["access"]], 1: [numbers["openat"], numbers["newfstatat"]]}
    tests = " else ".join(
        f"if ({' || '.join(f'nr == {n}' for n in nrs)}) name = (const char *)syscall_name_arg{arg}(regs);"
        for arg, nrs in by_arg.items())
    found = (f"if ((long)ctx[1] < 0 && (long)ctx[1] > -64 && "
             f"(({ebpf.missing_errno_mask()}ULL >> -(long)ctx[1]) & 1)) return 0;")
    others = [tp for tp in ebpf.TRACEPOINTS if not tp.startswith("raw_syscalls/")]
    return ebpf.floor_source(others) + f"""#include <uapi/linux/ptrace.h>
static __always_inline u64 syscall_name_arg0(struct pt_regs *regs) {{ return PT_REGS_PARM1(regs); }}
static __always_inline u64 syscall_name_arg1(struct pt_regs *regs) {{ return PT_REGS_PARM2(regs); }}
int {ebpf.FLOOR_BTF_FUNCTION}(u64 *ctx)
{{
    {found if found_only else ""}
    struct pt_regs *regs = (struct pt_regs *)ctx[0];
    u64 nr = regs->orig_ax;
    const char *name = 0;
    {tests} else return 0;
    char buf[256];
    bpf_probe_read_user_str(buf, sizeof(buf), name);
    return 0;
}}
"""


def attach_and_wait(name: str) -> int:
    """--attach NAME: load empty programs, say so, hold them until stdin closes."""
    from bcc import BPF

    from micropack.tracers import btf_attach, ebpf
    started = time.monotonic()
    source = design_source(name)
    bpf = BPF(text=source.encode())
    btf = None
    if ebpf.FLOOR_BTF_FUNCTION in source:
        btf = btf_attach.attach(bpf.dump_func(ebpf.FLOOR_BTF_FUNCTION.encode()), "sys_exit", "mp_floor")
    print(f"attached {time.monotonic() - started:.3f}", flush=True)
    sys.stdin.read()
    started = time.monotonic()
    if btf is not None:
        btf.close()
    bpf.cleanup()
    print(f"detached {time.monotonic() - started:.3f}", flush=True)
    return 0


# -- workloads ------------------------------------------------------------------

def run_loop(image: str, binary: str, mode: str, kind: str, n: int, outside: bool) -> dict[str, Any]:
    """The loop in a container; with outside=True micropack traces another,
    idle container, and the loop's container is not the target."""
    with tempfile.TemporaryDirectory(prefix="micropack-bench-") as tmp:
        box = Box(image, f"/bench/workload {kind} {n}", binary)
        idle = Box(image, "true", binary) if outside else None
        try:
            tracer = Attached(mode, idle if outside else box, tmp)
            box.go()
            wall_ns, cpu_ns = (int(x) for x in box.wait_line(lambda s: s[:1].isdigit()).split())
            result = {"wall_s": wall_ns / 1e9, "cpu_s": cpu_ns / 1e9, **tracer.stop()}
        finally:
            box.remove()
            if idle:
                idle.remove()
    return result


def run_python(image: str, binary: str, mode: str, n: int) -> dict[str, Any]:
    workload = (f"s=$(date +%s%N); for i in $(seq {n}); do python3 -c '{PY_IMPORTS}'; done; "
                "e=$(date +%s%N); echo $((e-s))")
    with tempfile.TemporaryDirectory(prefix="micropack-bench-") as tmp:
        box = Box(image, workload, binary)
        try:
            tracer = Attached(mode, box, tmp)
            cpu = box.cpu_s()
            box.go()
            wall_ns = int(box.wait_line(lambda s: s.isdigit()))
            cpu = box.cpu_s() - cpu
            return {"wall_s": wall_ns / 1e9, "cpu_s": cpu, **tracer.stop()}
        finally:
            box.remove()


def run_server(image: str, binary: str, mode: str, server: str, setup: str, ready: list[str],
               client: list[str], client_seconds: Callable[[str], float],
               profile: bool = False) -> dict[str, Any]:
    """A server in the traced container, its client in another one (not
    traced); the server container's CPU and the time the client reports.
    profile: with bpf_stats on while the client runs, also the run time
    and runs of every program the tracer holds (prog_ns, prog_runs)."""
    with tempfile.TemporaryDirectory(prefix="micropack-bench-") as tmp:
        box = Box(image, server, binary, network="host", setup=setup)
        try:
            tracer = Attached(mode, box, tmp)
            box.go()
            for _ in range(200):
                if sh(["docker", "exec", box.id, *ready]).returncode == 0:
                    break
                time.sleep(0.05)
            holder = tracer.proc.pid if profile and tracer.proc is not None else None
            with bpf_stats() if holder else nullcontext():
                before = programs_run(holder) if holder else (0, 0)
                cpu = box.cpu_s()
                done = sh(["docker", "run", "--rm", "--network=host", f"--cpuset-cpus={CPUSET}",
                           "-v", f"{binary}:/bench/workload:ro", image, *client])
                cpu = box.cpu_s() - cpu
                after = programs_run(holder) if holder else (0, 0)
            if done.returncode != 0:
                raise RuntimeError(f"client failed: {done.stderr.strip()}")
            out = {"wall_s": client_seconds(done.stdout), "cpu_s": cpu, **tracer.stop()}
            if holder:
                out["prog_runs"], out["prog_ns"] = after[0] - before[0], after[1] - before[1]
            return out
        finally:
            box.remove()


def run_nginx(image: str, binary: str, mode: str, requests: int) -> dict[str, Any]:
    setup = (f"mkdir -p /srv/site/f && i=0; while [ $i -lt {WEB_FILES} ]; do "
             "echo \"file $i\" > /srv/site/f/$i.html; i=$((i+1)); done; "
             f"echo 'server {{ listen 127.0.0.1:{WEB_PORT}; root /srv/site; }}' "
             "> /etc/nginx/sites-enabled/default")
    return run_server(image, binary, mode, "exec nginx -g 'daemon off;'", setup,
                      ["curl", "-sf", "-o", "/dev/null", f"http://127.0.0.1:{WEB_PORT}/f/0.html"],
                      ["/bench/workload", "http", str(WEB_PORT), str(requests), str(WEB_FILES)],
                      lambda out: int(out.split()[-1]) / 1e9)


def run_redis(image: str, binary: str, mode: str, requests: int, profile: bool = False) -> dict[str, Any]:
    return run_server(image, binary, mode,
                      f"exec redis-server --port {REDIS_PORT} --bind 127.0.0.1 --save '' --appendonly no",
                      "true", ["redis-cli", "-p", str(REDIS_PORT), "ping"],
                      ["redis-benchmark", "-p", str(REDIS_PORT), "-n", str(requests), "-t", "set,get",
                       "-q", "-c", "10"],
                      lambda out: sum(requests / float(rps) for rps in
                                      re.findall(r"([\d.]+) requests per second", out)), profile)


SETTLE_S = 1.0      # between two runs: what the last one's teardown started ends first


def rounds(runs: int, modes: list[str], one: Callable[[str], dict[str, Any]],
           label: str) -> dict[str, list[dict[str, Any]]]:
    """Every mode once per round, in an order shuffled anew each round (the
    same orders on every run of the bench), with a pause between runs. A
    fixed cyclic order gives each mode the same neighbour in every round, so
    whatever one run leaves behind (a process exiting, programs being
    freed) falls on the same mode each time: micropack, always right after
    the floor, measured +13 points over it in one run and +6 in a run with
    another order. Shuffled, such effects are noise, not bias."""
    out: dict[str, list[dict[str, Any]]] = {m: [] for m in modes}
    shuffle = random.Random(f"{label}:{len(modes)}")
    for r in range(runs):
        order = list(modes)
        shuffle.shuffle(order)
        for mode in order:
            time.sleep(SETTLE_S)
            out[mode].append(one(mode))
        print(f"bench: {label}: round {r + 1}/{runs}", file=sys.stderr, flush=True)
    return out


def median_interval(values: list[float], confidence: float = 0.95) -> tuple[float, float]:
    """A distribution-free interval for the median: the k-th smallest and
    k-th largest value, k the largest rank whose two binomial tails stay
    within 1 - confidence. Seven rounds give the extremes (98.4%); the
    noise of a server's CPU time needs some thirty rounds before the
    interval is narrower than the 5% a target asks about."""
    ordered = sorted(values)
    n = len(ordered)
    tail = 0.0
    k = 0
    while k < n // 2:
        tail += math.comb(n, k) / 2 ** n
        if 2 * tail > 1 - confidence:
            break
        k += 1
    k = max(k, 1)
    return ordered[k - 1], ordered[n - k]


def points_over_floor(values: list[float], floors: list[float], base: float) -> float:
    """Points above the floor, paired by round: the median of each round's
    difference, over the untraced median. The host drifts over the minutes
    of a run more than the modes of one round differ (the floor's own median
    moved from x0.996 to x1.058 of untraced across three runs of the same
    code), and a round's modes run within seconds of each other."""
    return statistics.median(v - f for v, f in zip(values, floors, strict=True)) / base * 100


def points_interval(values: list[float], floors: list[float], base: float) -> tuple[float, float]:
    """The 95% interval of points_over_floor's median (median_interval of
    each round's difference): whether a target of 10 points is met is read
    from its upper end, not from the median alone."""
    low, high = median_interval([v - f for v, f in zip(values, floors, strict=True)])
    return low / base * 100, high / base * 100


def summarize(by_mode: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """Medians per mode, as ratios to untraced and points above the floor
    (paired by round), for CPU time and for wall time."""
    out: dict[str, Any] = {}
    for mode, runs in by_mode.items():
        row: dict[str, Any] = {}
        for metric in ("cpu_s", "wall_s"):
            base = statistics.median(r[metric] for r in by_mode["untraced"])
            value = statistics.median(r[metric] for r in runs)
            row[metric] = round(value, 4)
            row[f"{metric}_ratio"] = round(value / base, 3)
            # the same ratio paired by round (each run over its round's
            # untraced), which a drift across the run moves less
            paired = [r[metric] / u[metric] for r, u in zip(runs, by_mode["untraced"], strict=True)]
            row[f"{metric}_paired_ratio"] = round(statistics.median(paired), 3)
            if mode != "untraced":
                row[f"{metric}_paired_ratio_ci95"] = [round(x, 3) for x in median_interval(paired)]
            if mode == UNTRACED_AGAIN:
                # noise alone: its spread is what a ratio in this row is good to
                row[f"{metric}_round_ratios"] = sorted(round(r[metric] / u[metric], 3) for r, u in
                                                       zip(runs, by_mode["untraced"], strict=True))
            floor_mode = "floor-raw" if mode.endswith("-raw") else "floor"
            if floor_mode in by_mode and mode not in ("untraced", UNTRACED_AGAIN):
                row[f"{metric}_points_over_floor"] = round(points_over_floor(
                    [r[metric] for r in runs], [r[metric] for r in by_mode[floor_mode]], base), 1)
                row[f"{metric}_points_ci95"] = [round(x, 1) for x in points_interval(
                    [r[metric] for r in runs], [r[metric] for r in by_mode[floor_mode]], base)]
            names = NAMES_FLOOR.get(mode)
            if names in by_mode:
                # above what reading the same names alone costs
                values, floors = [r[metric] for r in runs], [r[metric] for r in by_mode[names]]
                row[f"{metric}_points_over_names"] = round(points_over_floor(values, floors, base), 1)
                row[f"{metric}_points_over_names_ci95"] = [
                    round(x, 1) for x in points_interval(values, floors, base)]
            row[f"{metric}_runs"] = [round(r[metric], 4) for r in runs]
        if "events" in runs[0]:
            row["events"] = statistics.median(r["events"] or 0 for r in runs)
            row["lost"] = max(r.get("lost", 0) for r in runs)
            row["consumer_cpu_s"] = round(statistics.median(r["consumer_cpu_s"] for r in runs), 3)
        if "detach_s" in runs[0]:
            row["attach_s"] = round(statistics.median(r["attach_s"] for r in runs), 2)
            row["detach_s"] = round(statistics.median(r["detach_s"] for r in runs), 2)
        out[mode] = row
    return out


# -- where the time goes --------------------------------------------------------

def prog_stats(pid: int) -> dict[int, tuple[int, int]]:
    """prog_type -> (run_cnt, run_time_ns) summed over a process's BPF program fds."""
    out: dict[int, tuple[int, int]] = {}
    for info in Path(f"/proc/{pid}/fdinfo").iterdir():
        try:
            text = info.read_text()
        except OSError:
            continue
        fields = dict(re.findall(r"^(\w+):\s+(\d+)$", text, re.M))
        if "run_cnt" in fields and "prog_type" in fields:
            t = int(fields["prog_type"])
            cnt, ns = out.get(t, (0, 0))
            out[t] = (cnt + int(fields["run_cnt"]), ns + int(fields["run_time_ns"]))
    return out


def programs_run(pid: int, types: tuple[int, ...] | None = None) -> tuple[int, int]:
    """(runs, run time in ns) of the BPF programs a process holds: of
    these prog_types, or of every one."""
    found = [v for t, v in prog_stats(pid).items() if types is None or t in types]
    return (sum(c for c, _ in found), sum(ns for _, ns in found))


@contextmanager
def bpf_stats() -> Iterator[None]:
    knob = Path("/proc/sys/kernel/bpf_stats_enabled")
    old = knob.read_text().strip()
    knob.write_text("1")
    try:
        yield
    finally:
        knob.write_text(old)


def program_profile(image: str, binary: str, n: int, runs: int) -> dict[str, Any]:
    """ns per run of the sys_exit program (a raw tracepoint, prog_type 17, or
    a tp_btf one, prog_type 26: a process has one or the other) with
    bpf_stats on, over the same loop: empty (floor), the programs that read
    the names of the loop's calls and do nothing else (READ_NAMES,
    READ_FOUND_NAMES), micropack's with the loop in the target, without and
    with --events, and micropack's with the loop in another container (what
    every process outside the target pays: the cgroup check); with
    --compare-with, the other checkout's too, in the same rounds."""
    sys_exit_types = (17, 26)

    samples: dict[str, list[tuple[float, int]]] = {
        "floor": [], **{names: [] for names in names_floor_modes()}, "micropack": [], "micropack-events": [],
        "micropack-outside": []}
    if OTHER is not None:
        samples["other"] = []
    for _ in range(runs):
        for mode in samples:
            outside = mode == "micropack-outside"
            with tempfile.TemporaryDirectory(prefix="micropack-bench-") as tmp:
                box = Box(image, f"/bench/workload reuse {n}", binary)
                idle = Box(image, "true", binary) if outside else None
                try:
                    tracer = Attached(mode.removesuffix("-outside"), idle if idle else box, tmp)
                    assert tracer.proc is not None
                    with bpf_stats():
                        before = programs_run(tracer.proc.pid, sys_exit_types)
                        box.go()
                        box.wait_line(lambda s: s[:1].isdigit())
                        after = programs_run(tracer.proc.pid, sys_exit_types)
                    tracer.stop()
                finally:
                    box.remove()
                    if idle:
                        idle.remove()
            cnt = after[0] - before[0]
            samples[mode].append(((after[1] - before[1]) / max(cnt, 1), cnt))
    out: dict[str, Any] = {mode: {"ns_per_run": round(statistics.median(s[0] for s in values), 1),
                                  "runs": statistics.median(s[1] for s in values)}
                           for mode, values in samples.items()}
    out["loop_syscalls"] = 4 * n
    out["runs_per_median"] = runs
    return out


def redis_profile(image: str, binary: str, requests: int, runs: int) -> dict[str, Any]:
    """The redis row's tracer cost read from the kernel rather than from
    the server's CPU time: bpf_stats run time of every program the floor
    and micropack hold (sys_exit, sched, cgroup) while the client runs, per
    request and as a share of the server's CPU (an upper bound: the
    programs run for every process's syscalls, the client's too). The CPU time of a server in
    its cgroup moves by several percent between identical runs (the
    untraced-again column); the programs' own time does not, and what the
    tracer adds above the floor is micropack's minus the floor's. bpf_stats
    itself costs two clock reads a run, so these runs are not the overhead
    rows' (whose servers run with it off)."""
    modes = ["floor", "micropack"] + (["other"] if OTHER is not None else [])
    by_mode = rounds(runs, modes, lambda m: run_redis(image, binary, m, requests, profile=True),
                     "redis profile")
    out: dict[str, Any] = {"requests": requests}
    total = 2 * requests        # -n of each of SET and GET
    for mode, values in by_mode.items():
        out[mode] = {
            "ns_per_run": round(statistics.median(v["prog_ns"] / max(v["prog_runs"], 1) for v in values), 1),
            "runs_per_request": round(statistics.median(v["prog_runs"] / total for v in values), 2),
            "ns_per_request": round(statistics.median(v["prog_ns"] / total for v in values), 1),
            "server_cpu_ns_per_request": round(statistics.median(v["cpu_s"] * 1e9 / total for v in values)),
            "share_of_server_cpu_pct": round(statistics.median(
                v["prog_ns"] / (v["cpu_s"] * 1e9) * 100 for v in values), 2)}
    for mode in modes[1:]:
        # Paired by round: what a run of this mode's programs costs over a
        # run of the floor's, times this mode's runs, in points of the
        # server's CPU. The programs run on every syscall of the machine
        # (the client's and the daemons' too, whose number varies between
        # runs), so the runs are an upper bound of the server's, and the
        # difference is taken per run, not over the totals.
        out[mode]["points_over_floor"] = round(statistics.median(
            (v["prog_ns"] / max(v["prog_runs"], 1) - f["prog_ns"] / max(f["prog_runs"], 1))
            * v["prog_runs"] / (v["cpu_s"] * 1e9) * 100
            for v, f in zip(by_mode[mode], by_mode["floor"], strict=True)), 2)
    return out


# -- event rate -------------------------------------------------------------------

def event_rate(image: str, binary: str, seconds: float) -> dict[str, Any]:
    """Raise the rate of distinct (never deduplicated) names looked up until
    the eBPF backend reports lost events (with --compare-with, until both
    checkouts do, each rate run by both in turn)."""
    modes = ["micropack"] + (["other"] if OTHER is not None else [])
    rows = []
    best = dict.fromkeys(modes, 0)
    for rate in (25_000, 50_000, 100_000, 200_000, 400_000, 600_000, 800_000, 0):
        lossless = False
        for mode in modes:
            with tempfile.TemporaryDirectory(prefix="micropack-bench-") as tmp:
                box = Box(image, f"/bench/workload rate {rate} {seconds}", binary)
                try:
                    tracer = Attached(mode, box, tmp)
                    box.go()
                    sent = int(box.wait_line(lambda s: s.isdigit()))
                    stats = tracer.stop()
                finally:
                    box.remove()
            achieved = sent / seconds
            rows.append({"tracer": mode, "target_rate": rate or "unpaced", "achieved_per_s": round(achieved),
                         "events": sent, "lost": stats["lost"],
                         "consumer_cpu_s": round(stats["consumer_cpu_s"], 2),
                         # (CPU time is counted in ticks: read it at the higher rates)
                         "consumer_us_per_event": round(stats["consumer_cpu_s"] / max(sent, 1) * 1e6, 2),
                         "tracer_maxrss_mb": stats["maxrss_mb"]})
            print(f"bench: event rate {rows[-1]}", file=sys.stderr, flush=True)
            if stats["lost"] == 0:
                best[mode] = max(best[mode], round(achieved))
                lossless = True
        if not lossless:
            break
    out: dict[str, Any] = {"max_zero_loss_per_s": best["micropack"], "runs": rows}
    if OTHER is not None:
        out["other_max_zero_loss_per_s"] = best["other"]
    return out


# -- all of it ----------------------------------------------------------------------

WORKLOADS = ("fd_reuse_loop", "one_path_loop", "outside_target_loop", "nginx_many_files",
             "python_startup", "redis_requests", "attach_designs", "program_profile", "redis_profile",
             "event_rate")


def run(image: str, quick: bool = False, strace: bool = True,
        only: tuple[str, ...] = WORKLOADS, raw_too: bool = False,
        n_rounds: int | None = None) -> dict[str, Any]:
    binary = build_workload()
    n_runs = n_rounds or (3 if quick else 7)
    loop_n = 100_000 if quick else 300_000
    tracer_modes = ["untraced", "floor", "micropack", "micropack-events"]
    if OTHER is not None:
        tracer_modes += ["other", "other-events"]
    if raw_too:
        tracer_modes += ["floor-raw", "micropack-raw"]
    extra = ["strace"] if strace else []
    web_n = 5_000 if quick else 20_000
    py_n = 5 if quick else 20
    redis_n = 20_000 if quick else 50_000
    results: dict[str, Any] = {"runs_per_median": n_runs, "loop_iterations": loop_n,
                               "compared_with": str(OTHER) if OTHER else None,
                               "workload_sizes": {"loops": loop_n, "nginx_requests": web_n,
                                                  "nginx_files": WEB_FILES, "python_runs": py_n,
                                                  "redis_requests": redis_n}}
    overhead: dict[str, Any] = {}
    for kind, label in (("reuse", "fd_reuse_loop"), ("one", "one_path_loop")):
        if label in only:
            loop_modes = tracer_modes + names_floor_modes()
            overhead[label] = summarize(rounds(n_runs, loop_modes, lambda m, k=kind: run_loop(
                image, binary, m, k, loop_n, outside=False), label))
    if "outside_target_loop" in only:
        outside_modes = [m for m in tracer_modes if not m.endswith("-events")]
        overhead["outside_target_loop"] = summarize(rounds(n_runs, outside_modes, lambda m: run_loop(
            image, binary, m, "reuse", loop_n, outside=True), "outside"))
    # the real workloads, whose CPU time moves the most, get the A/A control
    real = tracer_modes + [UNTRACED_AGAIN]
    if "nginx_many_files" in only:
        overhead["nginx_many_files"] = summarize(rounds(n_runs, real, lambda m: run_nginx(
            image, binary, m, web_n), "nginx"))
    if "python_startup" in only:
        overhead["python_startup"] = summarize(rounds(n_runs, real + extra, lambda m: run_python(
            image, binary, m, py_n), "python"))
    if "redis_requests" in only:
        overhead["redis_requests"] = summarize(rounds(n_runs, real + extra, lambda m: run_redis(
            image, binary, m, redis_n), "redis"))
    results["overhead"] = overhead
    if "attach_designs" in only:
        designs = ["untraced", "design:btf-exit", "design:raw-exit", "design:raw-enter-exit",
                   "design:syscall-tracepoints"]
        results["attach_designs"] = summarize(rounds(n_runs, designs, lambda m: run_loop(
            image, binary, m, "reuse", loop_n, outside=False), "designs"))
    if "program_profile" in only:
        results["program_profile"] = program_profile(image, binary, loop_n, 3)
    if "redis_profile" in only:
        results["redis_profile"] = redis_profile(image, binary, redis_n, n_runs)
    if "event_rate" in only:
        results["event_rate"] = event_rate(image, binary, 2.0 if quick else 3.0)
    return results


def table(title: str, header: list[str], rows: list[list[Any]]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=True)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    lines = [f"\n## {title}", fmt.format(*header), fmt.format(*["-" * w for w in widths])]
    lines += [fmt.format(*[str(x) for x in r]) for r in rows]
    return "\n".join(lines)


def _cell(row: dict[str, Any] | None, metric: str) -> str:
    if row is None:
        return "-"
    text = f"x{row[f'{metric}_ratio']:.3f}"
    if f"{metric}_points_over_floor" in row:
        text += f" ({row[f'{metric}_points_over_floor']:+.1f})"
    return text


def _points_cell(row: dict[str, Any], key: str) -> str:
    if key not in row:
        return "-"
    low, high = row[f"{key}_ci95"]
    return f"{row[key]:+.1f} ({low:+.1f} .. {high:+.1f})"


def report(results: dict[str, Any]) -> str:
    out = []
    compare = bool(results.get("compared_with"))
    raw_too = any("micropack-raw" in r for r in results.get("overhead", {}).values())
    control = any(UNTRACED_AGAIN in r for r in results.get("overhead", {}).values())
    if compare:
        out.append(f"other checkout: {results['compared_with']}")
    for metric, what in (("cpu_s", "CPU time of the traced processes (loops: the loop's own; servers "
                                   "and Python: their container's cgroup)"),
                         ("wall_s", "wall time (loops and Python: their own; servers: the client's)")):
        rows = []
        for name, r in results["overhead"].items():
            traced = [r.get(m) for m in ("micropack", "micropack-events", "other", "other-events")]
            row = [name, f"{r['untraced'][metric]:.3f}s", _cell(r.get("floor"), metric),
                   _cell(traced[0], metric), _cell(traced[1], metric)]
            if compare:
                row += [_cell(traced[2], metric), _cell(traced[3], metric)]
            if raw_too:
                row += [_cell(r.get("floor-raw"), metric), _cell(r.get("micropack-raw"), metric)]
            row.append(_cell(r.get("strace"), metric))
            if control:
                again = r.get(UNTRACED_AGAIN)
                row.append("-" if again is None else f"x{again[f'{metric}_ratio']:.3f} (rounds "
                           f"{again[f'{metric}_round_ratios'][0]:.3f}..{again[f'{metric}_round_ratios'][-1]:.3f})")
            if metric == "cpu_s":
                row += [" / ".join(f"{x['events']:.0f}" for x in traced if x),
                        " / ".join(f"{x['consumer_cpu_s']:.2f}s" for x in traced if x),
                        max((x.get("lost", 0) for x in traced if x), default=0)]
            rows.append(row)
        header = ["workload", "untraced", "floor (empty programs)", "micropack", "micropack --events"]
        if compare:
            header += ["other checkout", "other --events"]
        if raw_too:
            header += ["floor, raw_tp", "micropack, raw_tp"]
        header.append("strace -f")
        if control:
            header.append("untraced again (A/A: noise)")
        if metric == "cpu_s":
            header += ["events", "consumer CPU", "lost"]
        out.append(table(f"Tracer overhead, {what}: slowdown (points above the floor)", header, rows))
    intervals = [[name, mode, f"x{row['cpu_s_paired_ratio']:.3f}",
                  f"x{row['cpu_s_paired_ratio_ci95'][0]:.3f} .. x{row['cpu_s_paired_ratio_ci95'][1]:.3f}",
                  f"{row['cpu_s_points_over_floor']:+.1f} ({row['cpu_s_points_ci95'][0]:+.1f} .. "
                  f"{row['cpu_s_points_ci95'][1]:+.1f})" if "cpu_s_points_ci95" in row else "-",
                  _points_cell(row, "cpu_s_points_over_names")]
                 for name, r in results["overhead"].items() for mode, row in r.items()
                 if "cpu_s_paired_ratio_ci95" in row]
    if intervals:
        rounds = results['runs_per_median']
        coverage = "95%" if rounds >= 6 else f"{100 - 100 / 2 ** (rounds - 1):.0f}% (too few rounds for 95%)"
        out.append(table(f"CPU time over untraced and points above the floor, paired by round "
                         f"({rounds} rounds): medians and their {coverage} intervals",
                         ["workload", "mode", "over untraced", "95% interval",
                          "points above the floor (95% interval)",
                          "points above reading the same names alone (95% interval)"], intervals))
    if "attach_designs" in results:
        d = results["attach_designs"]
        out.append(table("Attach designs, empty programs, fd-reuse loop (its CPU time)",
                         ["design", "slowdown", "attach", "detach"],
                         [[k.split(":", 1)[-1], f"x{v['cpu_s_ratio']:.3f}", f"{v.get('attach_s', '-')}s",
                           f"{v.get('detach_s', '-')}s"] for k, v in d.items()]))
    if "program_profile" in results:
        p = results["program_profile"]
        out.append(table("sys_exit program run time (bpf_stats), fd-reuse loop",
                         ["program", "ns per run", "runs"],
                         [[k, v["ns_per_run"], v["runs"]] for k, v in p.items() if isinstance(v, dict)]))
    if "redis_profile" in results:
        rp = results["redis_profile"]
        out.append(table(f"redis, the tracer's programs with bpf_stats on ({rp['requests']} SET + "
                         f"{rp['requests']} GET)",
                         ["programs", "ns per run", "runs per request", "ns per request",
                          "server CPU per request", "share of server CPU", "points above the floor"],
                         [[k, v["ns_per_run"], v["runs_per_request"], v["ns_per_request"],
                           f"{v['server_cpu_ns_per_request']} ns", f"{v['share_of_server_cpu_pct']}%",
                           f"{v['points_over_floor']:+.2f}" if "points_over_floor" in v else "-"]
                          for k, v in rp.items() if isinstance(v, dict)]))
    if "event_rate" in results:
        er = results["event_rate"]
        best = f"max with zero loss: {er['max_zero_loss_per_s']}/s"
        if "other_max_zero_loss_per_s" in er:
            best += f", the other checkout's {er['other_max_zero_loss_per_s']}/s"
        out.append(table(f"Event rate ({best})",
                         ["tracer", "target/s", "achieved/s", "events", "lost", "consumer CPU",
                          "consumer per event", "tracer peak RSS"],
                         [[r.get("tracer", "micropack"), r["target_rate"], r["achieved_per_s"], r["events"],
                           r["lost"], f"{r['consumer_cpu_s']}s", f"{r.get('consumer_us_per_event', '-')} us",
                           f"{r['tracer_maxrss_mb']} MB"] for r in er["runs"]]))
    return "\n".join(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="fewer runs and smaller workloads")
    ap.add_argument("--no-strace", action="store_true")
    ap.add_argument("--raw-too", action="store_true",
                    help="also sys_exit as a raw tracepoint (floor and micropack), as without tp_btf")
    ap.add_argument("--json", default=str(REPO / "bench" / "tracer-results.json"))
    ap.add_argument("--compare-with", metavar="CHECKOUT",
                    help="also run this other checkout's `micropack trace` (say, the main branch)")
    ap.add_argument("--rounds", type=int, metavar="N",
                    help="rounds per workload (default 7, 3 with --quick): some thirty before a "
                         "server's rows can be read to 5%%")
    ap.add_argument("--only", metavar="NAMES", help=f"comma-separated, of: {', '.join(WORKLOADS)}")
    ap.add_argument("--attach", help=argparse.SUPPRESS)   # internal: hold empty programs
    args = ap.parse_args()
    if args.attach:
        return attach_and_wait(args.attach)
    if args.rounds is not None and args.rounds < 1:
        ap.error(f"--rounds {args.rounds}: give 1 or more")
    only = tuple(args.only.split(",")) if args.only else WORKLOADS
    unknown = [name for name in only if name not in WORKLOADS]
    if unknown:
        ap.error(f"--only: no workload {unknown[0]!r} (one of: {', '.join(WORKLOADS)})")
    out = Path(args.json)
    if out.is_dir() or not out.parent.is_dir() or not os.access(out.parent, os.W_OK):
        ap.error(f"--json: cannot write {str(out)!r} (a directory, or its directory is missing or "
                 "not writable)")
    global OTHER
    OTHER = Path(args.compare_with).resolve() if args.compare_with else None
    if OTHER is not None and not (OTHER / "micropack" / "bpf" / "trace_files.c").is_file():
        ap.error(f"--compare-with: {str(OTHER)!r} is not a micropack checkout")
    if os.geteuid() != 0:
        print("bench: run as root", file=sys.stderr)
        return 2
    from micropack import debimage, runtimes
    image = debimage.ensure(runtimes.get(), "fat")
    results = run(image, quick=args.quick, strace=not args.no_strace, only=only, raw_too=args.raw_too,
                  n_rounds=args.rounds)
    print(report(results))          # before the file: a failed write loses no numbers
    out.write_text(json.dumps(results, indent=1) + "\n")
    print(f"\nJSON: {args.json}")
    return 0


if __name__ == "__main__":
    import guard
    guard.run(main)
