"""The sysdig backend: a live `sysdig -w` capture filtered by container (or an
existing capture), read back through the packaged chisel microdump.lua as records."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from micropack import data
from micropack.cgroup import CgroupRef
from micropack.errors import TargetError, TracerUnavailable
from micropack.record import TraceRecord
from micropack.target import Target
from micropack.tracers.base import Sink, Tracer, TraceStats

DRIVER_NODES = ("/dev/scap0", "/dev/sysdig0")


class CaptureTarget(Target):
    """An existing capture file: nothing runs, so it is never alive."""

    def __init__(self, capture: str) -> None:
        super().__init__(label=f"capture {capture}", cgroup=CgroupRef(Path(capture), 0, 0))

    def alive(self) -> bool:
        return False


def driver_loaded() -> bool:
    return any(os.path.exists(n) for n in DRIVER_NODES)


def run_chisel(capture: str, container: str | None, fmt: str = "jsonl") -> str:
    """Run microdump over a capture; its stdout (paths or JSON lines)."""
    if not Path(capture).is_file():
        raise TargetError(f"capture file {capture} does not exist")
    cmd = ["sysdig", "-r", capture, "-c", "microdump"]
    if container:
        cmd.append(container)
    # sysdig finds chisels by name in a directory: the packaged chisel is
    # written into a private one for this run
    with tempfile.TemporaryDirectory(prefix="micropack-chisel-") as chisel_dir:
        Path(chisel_dir, "microdump.lua").write_text(data.text(data.CHISEL))
        env = dict(os.environ, SYSDIG_CHISEL_DIR=chisel_dir, MICRODUMP_FORMAT=fmt)
        proc = subprocess.run(cmd, env=env, capture_output=True)
    # paths are bytes: one that is not UTF-8 stays its bytes (surrogateescape)
    out = proc.stdout.decode("utf-8", "surrogateescape")
    if proc.returncode != 0:
        detail = (proc.stderr.decode("utf-8", "replace") or out).strip().splitlines()
        raise TracerUnavailable(f"sysdig could not read {capture}: "
                                f"{detail[-1] if detail else 'exit ' + str(proc.returncode)}")
    return out


def parse_chisel_jsonl(text: str) -> list[TraceRecord]:
    records = []
    for line in text.splitlines():
        if not line.startswith("{"):
            continue
        data = json.loads(line)
        records.append(TraceRecord(time=float(data["time"]), pid=int(data["pid"]),
                                   tid=int(data["tid"]), comm=data["comm"],
                                   syscall=data["syscall"], path=data["path"],
                                   flags=int(data["flags"]), result=int(data["result"]),
                                   resolved=bool(data["resolved"])))
    return records


class SysdigTracer(Tracer):
    name = "sysdig"

    def __init__(self, capture: str | None = None, container: str | None = None) -> None:
        self.capture = capture
        self.container = container
        self.proc: subprocess.Popen[bytes] | None = None
        self._tmpdir: str | None = None
        self._sink: Sink | None = None
        self.stats = TraceStats()

    @classmethod
    def missing(cls) -> list[str]:
        problems = []
        if shutil.which("sysdig") is None:
            problems.append("the sysdig command (apt install sysdig)")
        elif not driver_loaded():
            problems.append("a sysdig kernel driver for live capture (none of "
                            f"{', '.join(DRIVER_NODES)}: install sysdig-dkms and "
                            "`modprobe scap`, or read a capture with --from-capture)")
        if not data.exists(data.CHISEL):
            problems.append("the chisel micropack/chisels/microdump.lua (a broken install?)")
        return problems

    def start(self, target: Target, sink: Sink) -> None:
        self._sink = sink
        if self.capture:
            if shutil.which("sysdig") is None:
                raise TracerUnavailable("sysdig is not installed (apt install sysdig)")
            return
        problems = self.missing()
        if problems:
            raise TracerUnavailable("sysdig backend cannot capture live: missing "
                                    + "; ".join(problems))
        if not target.container_id:
            raise TargetError("the live sysdig backend traces containers: use --container")
        self.container = target.container_id[:12]
        self._tmpdir = tempfile.mkdtemp(prefix="micropack-sysdig-")
        self.capture = os.path.join(self._tmpdir, "trace.scap")
        self.proc = subprocess.Popen(
            ["sysdig", "-w", self.capture, f"container.id={self.container}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(1)
        self._check_alive()

    def _check_alive(self) -> None:
        if self.proc is not None and self.proc.poll() is not None:
            err = self.proc.stderr.read().decode(errors="replace").strip() if self.proc.stderr else ""
            raise TracerUnavailable(f"sysdig stopped: {err.splitlines()[-1] if err else 'no output'}",
                                    "load its driver (modprobe scap) or use --backend ebpf")

    def poll(self, timeout_ms: int) -> None:
        time.sleep(timeout_ms / 1000)
        self._check_alive()

    def stop(self) -> TraceStats:
        try:
            if self.proc is not None:
                self.proc.terminate()   # sysdig flushes the capture on SIGTERM
                self.proc.wait(30)
            assert self.capture is not None
            for rec in parse_chisel_jsonl(run_chisel(self.capture, self.container)):
                self.stats.emitted += 1
                if not rec.resolved:
                    self.stats.unresolved_paths += 1
                if self._sink is not None:
                    self._sink(rec)
        finally:
            if self._tmpdir:
                shutil.rmtree(self._tmpdir, ignore_errors=True)
        return self.stats
