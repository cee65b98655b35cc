"""`micropack minify`: image in, smaller verified image out.

Trace a container of the image from its first exec (its cgroup is created
under one micropack made and filtered on before the container starts), drive
it with probes, pack what it used, build, then run the result the same way
and compare every probe. Failed lookups of files the original has are added
back and the loop repeats, up to max_rounds."""
from __future__ import annotations

import contextlib
import errno
import json
import os
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from micropack import cgroup, image, pack, record, resolve
from micropack.errors import ImageError, VerifyError
from micropack.record import TraceRecord
from micropack.rootfs import SymlinkLoop
from micropack.source import Source, open_source
from micropack.target import Target
from micropack.tracers.base import StopWhen, TraceStats, run
from micropack.tracers.ebpf import EbpfTracer

Say = Callable[[str], None]


@dataclass
class RunOptions:
    """The `docker run` options used for every run: original, traced, verification."""

    network: str | None = None
    env: list[str] = field(default_factory=list)
    volumes: list[str] = field(default_factory=list)
    user: str | None = None
    publish: list[str] = field(default_factory=list)
    entrypoint: str | None = None
    cmd: list[str] | None = None

    def image_overrides(self) -> dict[str, Any]:
        """The command that was verified becomes the minified image's default:
        the original's may not even be in it."""
        out: dict[str, Any] = {}
        if self.entrypoint is not None:
            out["Entrypoint"] = [self.entrypoint] if self.entrypoint else None
            out["Cmd"] = None
        if self.cmd is not None:
            out["Cmd"] = self.cmd
        return out

    def docker_args(self) -> list[str]:
        args = []
        if self.network:
            args.append(f"--network={self.network}")
        for e in self.env:
            args += ["-e", e]
        for v in self.volumes:
            args += ["-v", v]
        if self.user:
            args += ["-u", self.user]
        for p in self.publish:
            args += ["-p", p]
        if self.entrypoint is not None:
            args.append(f"--entrypoint={self.entrypoint}")
        return args


@dataclass
class ProbeResult:
    name: str
    status: int
    output: str

    def matches(self, other: ProbeResult, compare_output: bool) -> bool:
        return self.status == other.status and (not compare_output or self.output == other.output)


@dataclass
class Probe:
    kind: str      # exec | http | cmd
    spec: str

    @property
    def name(self) -> str:
        return f"{self.kind} {self.spec}"

    def once(self, container: ContainerRun) -> ProbeResult:
        if self.kind == "exec":
            p = subprocess.run(["docker", "exec", container.id, "sh", "-c", self.spec],
                               capture_output=True, text=True, timeout=120)
            return ProbeResult(self.name, p.returncode, p.stdout.strip())
        if self.kind == "http":
            try:
                with urllib.request.urlopen(self.spec, timeout=5) as resp:
                    body = resp.read().decode("utf-8", "replace")
                    return ProbeResult(self.name, 0 if 200 <= resp.status < 400 else resp.status, body)
            except urllib.error.HTTPError as exc:
                return ProbeResult(self.name, exc.code, "")
            except (urllib.error.URLError, OSError) as exc:
                return ProbeResult(self.name, 1, str(exc))
        env = dict(os.environ, MICROPACK_CONTAINER_ID=container.id,
                   MICROPACK_CONTAINER_ADDR=container.address())
        p = subprocess.run(["sh", "-c", self.spec], capture_output=True, text=True, env=env,
                           timeout=600)
        return ProbeResult(self.name, p.returncode, p.stdout.strip())

    def run(self, container: ContainerRun, ready_timeout: float) -> ProbeResult:
        """Retry until it passes or ready_timeout ends: a server needs time to start."""
        deadline = time.monotonic() + ready_timeout
        while True:
            result = self.once(container)
            if result.status == 0 or time.monotonic() >= deadline or not container.running():
                return result
            time.sleep(0.5)


class ContainerRun:
    def __init__(self, image_ref: str, opts: RunOptions, cgroup_parent: str | None = None,
                 security_opt: str | None = None) -> None:
        args = ["docker", "run", "-d", *opts.docker_args()]
        if cgroup_parent:
            args.append(f"--cgroup-parent={cgroup_parent}")
        if security_opt:
            args.append(f"--security-opt={security_opt}")
        args.append(image_ref)
        args += opts.cmd or []
        p = subprocess.run(args, capture_output=True, text=True)
        if p.returncode != 0:
            first = next((line for line in p.stderr.splitlines() if line.strip()), "no output")
            raise ImageError(f"docker run {image_ref} failed: {first}")
        self.id = p.stdout.strip()
        self.opts = opts

    def inspect(self) -> dict[str, Any]:
        p = subprocess.run(["docker", "inspect", self.id], capture_output=True, text=True)
        return json.loads(p.stdout)[0] if p.returncode == 0 else {}

    def running(self) -> bool:
        return bool(self.inspect().get("State", {}).get("Running"))

    def address(self) -> str:
        if self.opts.network == "host":
            return "127.0.0.1"
        nets = self.inspect().get("NetworkSettings", {}).get("Networks", {})
        for net in nets.values():
            if net.get("IPAddress"):
                return str(net["IPAddress"])
        return "127.0.0.1"

    def wait_exit(self, timeout: float) -> int | None:
        p = subprocess.run(["timeout", str(int(timeout)), "docker", "wait", self.id],
                           capture_output=True, text=True)
        return int(p.stdout.strip()) if p.returncode == 0 and p.stdout.strip() else None

    def logs(self) -> str:
        p = subprocess.run(["docker", "logs", self.id], capture_output=True, text=True)
        return (p.stdout + p.stderr).strip()

    def remove(self) -> None:
        subprocess.run(["docker", "stop", "-t", "5", self.id], capture_output=True)
        subprocess.run(["docker", "rm", "-f", self.id], capture_output=True)


@dataclass
class RunOutcome:
    results: list[ProbeResult]
    records: list[TraceRecord]
    stats: TraceStats
    syscalls: dict[int, int] = field(default_factory=dict)   # number -> calls


def drive(container: ContainerRun, probes: list[Probe], ready_timeout: float,
          exit_timeout: float) -> list[ProbeResult]:
    """Run every probe; with none, the container's own run (exit status and
    output) is what is compared."""
    if probes:
        return [p.run(container, ready_timeout) for p in probes]
    status = container.wait_exit(exit_timeout)
    if status is None:
        raise VerifyError(f"the container did not exit within {exit_timeout:.0f}s and no probe "
                          "was given: add --probe-exec/--probe-http/--probe-cmd")
    return [ProbeResult("container exit", status, container.logs())]


class TracedCgroup:
    """A cgroup micropack creates and filters on; docker puts the container
    below it (--cgroup-parent), so the first exec is already traced."""

    def __init__(self) -> None:
        self.name = f"micropack-{uuid.uuid4().hex[:12]}"
        root = cgroup.v2_mountpoint()
        self.path = root / self.name
        self.path.mkdir()
        self.ref = cgroup.ref_for_dir(self.path, root)

    def remove(self) -> None:
        base = Path("/sys/fs/cgroup")
        candidates = [self.path, *base.glob(f"*/{self.name}"), base / self.name]
        for _ in range(20):
            left = [c for c in candidates if c.exists()]
            for c in left:
                with contextlib.suppress(OSError):   # busy until docker lets go
                    c.rmdir()
            if not any(c.exists() for c in candidates):
                return
            time.sleep(0.25)


def traced_run(image_ref: str, opts: RunOptions, probes: list[Probe], ready_timeout: float,
               exit_timeout: float, say: Say, syscalls: bool = False) -> RunOutcome:
    cg = TracedCgroup()
    records: list[TraceRecord] = []
    results: list[ProbeResult] = []
    errors: list[BaseException] = []
    done = threading.Event()

    def work() -> None:
        container = None
        try:
            # Counting for a seccomp profile runs unconfined: docker's own
            # profile would stop calls (faccessat2, clone3) before the
            # tracepoint sees them, and the workload's fallback on ENOSYS
            # would not happen under an EPERM profile.
            container = ContainerRun(image_ref, opts, cgroup_parent=f"/{cg.name}",
                                     security_opt="seccomp=unconfined" if syscalls else None)
            results.extend(drive(container, probes, ready_timeout, exit_timeout))
        except BaseException as exc:  # re-raised in the caller's thread
            errors.append(exc)
        finally:
            if container is not None:
                container.remove()
            done.set()

    tracer = EbpfTracer(count_syscalls=syscalls)
    target = Target(label=f"run of {image_ref}", cgroup=cg.ref)
    worker = threading.Thread(target=work, daemon=True)
    try:
        outcome = run(tracer, target, records.append, StopWhen(done=done.is_set),
                      start_hook=worker.start)
    finally:
        worker.join()
        cg.remove()
    if errors:
        raise errors[0]
    if outcome.stats.lost:
        say(f"WARNING: {outcome.stats.lost} kernel events LOST while tracing {image_ref}")
    return RunOutcome(results, records, outcome.stats, tracer.syscall_counts)


def confined_run(tag: str, opts: RunOptions, probes: list[Probe], profile_path: str,
                 ready_timeout: float, exit_timeout: float) -> list[ProbeResult]:
    """Run the image under the seccomp profile and drive every probe again."""
    container = ContainerRun(tag, opts, security_opt=f"seccomp={profile_path}")
    try:
        return drive(container, probes, ready_timeout, exit_timeout)
    finally:
        container.remove()


def image_size(ref: str) -> int:
    return int(image.get_image(ref).attrs.get("Size", 0))


@dataclass
class MinifyReport:
    original: str
    minified: str
    original_size: int
    minified_size: int
    files_kept: int
    probes: list[dict[str, Any]]
    rounds: list[dict[str, Any]]
    lost_events: int
    wall_seconds: float
    seccomp: dict[str, Any] | None = None

    @property
    def ratio(self) -> float:
        return self.original_size / self.minified_size if self.minified_size else 0.0

    @property
    def passed(self) -> bool:
        return all(p["passed"] for p in self.probes)

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "ratio": round(self.ratio, 2), "passed": self.passed}

    def summary(self) -> str:
        ok = sum(1 for p in self.probes if p["passed"])
        return (f"{self.original}: {self.original_size / 1e6:.1f} MB -> {self.minified}: "
                f"{self.minified_size / 1e6:.1f} MB ({self.ratio:.1f}x smaller), "
                f"{self.files_kept} paths kept, {ok}/{len(self.probes)} probes passed, "
                f"{len(self.rounds)} round(s), {self.wall_seconds:.0f}s")


def failed_lookups(records: list[TraceRecord], original: Source) -> set[str]:
    """Paths the minified run looked up in vain that the original has."""
    missing = set()
    for r in records:
        if r.result in (-errno.ENOENT, -errno.ENOTDIR) and r.resolved and r.path.startswith("/"):
            if record.is_pseudo(r.path):
                continue
            try:
                if original.fs.walk(r.path).final is not None:
                    missing.add(r.path)
            except SymlinkLoop:
                continue
    return missing


def minify(image_ref: str, tag: str, opts: RunOptions, probes: list[Probe], rules: resolve.Rules,
           say: Say, compare_output: bool = False, max_rounds: int = 3,
           ready_timeout: float = 30.0, exit_timeout: float = 120.0,
           seccomp_out: str | None = None) -> MinifyReport:
    started = time.monotonic()
    image.get_image(image_ref)          # fails early, in one line, if it is missing
    say(f"tracing a container of {image_ref} from its first exec")
    original = traced_run(image_ref, opts, probes, ready_timeout, exit_timeout, say,
                          syscalls=bool(seccomp_out))
    for r in original.results:
        say(f"original: {r.name}: status {r.status}")
    if probes and any(r.status != 0 for r in original.results):
        bad = [r.name for r in original.results if r.status != 0]
        raise VerifyError(f"probe fails on the original image already: {bad[0]}")
    lost = original.stats.lost
    files = {r.path for r in original.records if record.names_a_file(r)}
    say(f"traced {len(original.records)} events, {len(files)} files")
    if seccomp_out:
        from micropack import seccomp
        profile = seccomp.write_profile(original.syscalls, seccomp_out, say)
        say(f"seccomp profile with {len(profile['syscalls'][0]['names'])} syscalls "
            f"written to {seccomp_out}")
    rounds: list[dict[str, Any]] = []
    verdicts: list[dict[str, Any]] = []
    kept = 0
    with open_source(image=image_ref) as src, \
            tempfile.TemporaryDirectory(prefix="micropack-minify-") as tmpdir:
        rootfs_tar = Path(tmpdir) / "rootfs.tar"
        added: set[str] = set()
        for round_no in range(1, max_rounds + 1):
            report = pack.pack_files(src, sorted(files), str(rootfs_tar), rules)
            kept = len(report.kept)
            image.build(image_ref, rootfs_tar, tag, overrides=opts.image_overrides())
            say(f"round {round_no}: built {tag}: {report.summary()}")
            verify = traced_run(tag, opts, probes, ready_timeout, exit_timeout, say)
            verdicts = [{"probe": o.name, "original_status": o.status, "minified_status": m.status,
                         "passed": m.matches(o, compare_output)}
                        for o, m in zip(original.results, verify.results, strict=True)]
            if seccomp_out:
                confined = confined_run(tag, opts, probes, seccomp_out, ready_timeout, exit_timeout)
                for v, c, o in zip(verdicts, confined, original.results, strict=True):
                    v["seccomp_status"] = c.status
                    v["passed"] = v["passed"] and c.matches(o, compare_output)
            rounds.append({"round": round_no, "added": sorted(added), "files_kept": kept,
                           "passed": all(v["passed"] for v in verdicts)})
            for v in verdicts:
                under = (f", under seccomp {v['seccomp_status']}" if "seccomp_status" in v else "")
                output = "" if v["passed"] or not compare_output else "; output compared"
                say(f"verify: {v['probe']}: {'ok' if v['passed'] else 'FAILED'} "
                    f"(original {v['original_status']}, minified {v['minified_status']}"
                    f"{under}{output})")
            if all(v["passed"] for v in verdicts):
                break
            added = failed_lookups(verify.records, src) - files
            if not added or round_no == max_rounds:
                break
            say(f"round {round_no}: adding {len(added)} paths the minified run missed")
            files |= added
    result = MinifyReport(original=image_ref, minified=tag, original_size=image_size(image_ref),
                          minified_size=image_size(tag), files_kept=kept, probes=verdicts,
                          rounds=rounds, lost_events=lost,
                          wall_seconds=round(time.monotonic() - started, 1),
                          seccomp={"profile": seccomp_out} if seccomp_out else None)
    return result
