"""Running an image for minify: traced from its first exec (in a cgroup
micropack made and filters on before the container starts), or confined
under a seccomp profile; driven by probes either way. Ctrl-C or SIGTERM
cancels a run at once: the container and the cgroup are removed and
the interruption goes on up, never a partial result."""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from micropack import progress
from micropack.cgroup import TracedCgroup
from micropack.errors import Interrupted, VerifyError
from micropack.probes import Probe, ProbeResult, address_taken
from micropack.probes import Target as ProbeTarget
from micropack.record import TraceRecord, names_a_file
from micropack.runtimes.base import Engine, RunOptions
from micropack.target import Target
from micropack.tracers.base import StopWhen, TraceStats, run
from micropack.tracers.ebpf import EbpfTracer

Say = Callable[[str], None]


@dataclass
class RunOutcome:
    results: list[ProbeResult]
    records: list[TraceRecord]
    stats: TraceStats
    syscalls: dict[int, int] = field(default_factory=dict)   # number -> calls, from the first exec
    setup_syscalls: dict[int, int] = field(default_factory=dict)   # the runtime's, before it
    # the container's last lines of output, when a probe failed (see _Worker)
    last_output: list[str] = field(default_factory=list)


TAIL_LINES = 10
TAIL_WIDTH = 200


def output_tail(text: str, lines: int = TAIL_LINES, width: int = TAIL_WIDTH) -> list[str]:
    """A container's last non-empty lines of output, each cut to width,
    its control characters written escaped (an image's output is not
    micropack's to send to a terminal: no escape sequence goes through)."""
    kept = [line.rstrip() for line in text.splitlines() if line.strip()][-lines:]
    return [progress.escaped(line if len(line) <= width else line[:width] + "...") for line in kept]


@dataclass
class Drive:
    """What is done to a running container and how long it may take."""

    probes: list[Probe]
    ready_timeout: float = 30.0
    exit_timeout: float = 120.0
    # After the probes, a traced container runs on until the trace has had
    # no new event for settle_quiet seconds (settle_max at most): what it
    # started at start-up goes on after its service answers. Caddy with
    # `tls internal` runs update-ca-certificates as it starts; its probe
    # passed in 0.65 s, the container was removed mid-run, and the minified
    # image had no grep, xargs or perl for the next update-ca-certificates.
    # (Events are deduplicated in the kernel: a server repeating what it did
    # sends none, so only new work keeps the wait going.)
    settle_quiet: float = 1.0
    settle_max: float = 10.0
    # Whether each HTTP probe passed when asked a second time in the first
    # run (the original image's): one its server does not answer twice (a
    # rate limit, a one-shot URL) is asked once in every run after
    repeatable: dict[str, bool] = field(default_factory=dict)

    def answered_by_it(self, target: ProbeTarget) -> None:
        """Probes that passed while the container is gone: what answered
        them was not its service (the port was taken: its server could not
        listen, and exited). HTTP probes reach an address, so any exit
        counts; a command on the host (--probe-cmd: a client for a POST, a
        protocol of its own) may check a container that ends its work, so a
        failed exit counts. A leftover container held a signing service's
        port, the traced one exited "Address already in use", its curl
        probe passed against the leftover, and minify built an image of 40
        MB with no gpg in it."""
        if target.engine.running(target.cid):
            return
        if any(p.kind == "http" for p in self.probes):
            raise VerifyError("the container exited while its HTTP probes passed: something else "
                              "answers at their address (is the port taken?)")
        status = target.engine.wait(target.cid, 10)     # (not running: at once)
        if status not in (None, 0):
            raise VerifyError(f"the container exited with status {status} while its probes passed: "
                              "what they reached was not its service (is its port taken? its log says why)")

    def __call__(self, target: ProbeTarget, cancelled: threading.Event) -> list[ProbeResult]:
        """Every probe; with none, the container's own run (its exit status
        and output) is what is compared."""
        if self.probes:
            results = [p.run(target, self.ready_timeout, cancelled) for p in self.probes]
            if not cancelled.is_set() and all(r.passed for r in results):
                results = [self._asked_again(p, r, target, cancelled) if p.kind == "http" else r
                           for p, r in zip(self.probes, results, strict=True)]
            if not cancelled.is_set() and all(r.passed for r in results):
                self.answered_by_it(target)
            return results
        status = target.engine.wait(target.cid, self.exit_timeout)
        if cancelled.is_set():
            return []
        if status is None:
            raise VerifyError(f"the container did not exit within {self.exit_timeout:.0f}s and no "
                              "probe was given: add --probe-exec/--probe-http/--probe-cmd")
        return [ProbeResult("container exit", status, target.engine.logs(target.cid),
                            "" if status == 0 else f"exit status {status}")]

    def _asked_again(self, probe: Probe, first: ProbeResult, target: ProbeTarget,
                     cancelled: threading.Event) -> ProbeResult:
        """An HTTP probe that passed, asked once more (a GET, which a server
        may answer twice): what a server made on the first request, a
        cache, is read on the next by code the first never ran, and the
        trace sees it too. MediaWiki's page built its localisation cache on
        the probe's request and read it, with a class the trace had never
        seen, on every request after: the minified image passed its probe,
        then answered that page with a 500 on its second request, for good.
        Its first answer is the one compared; the second must pass where it
        passed in the first run (see repeatable)."""
        known = self.repeatable.get(probe.spec)
        if known is False:
            return first
        second = probe.once(target, cancelled)
        if known is None:
            self.repeatable[probe.spec] = second.passed
        if second.passed or known is None:
            return first
        return ProbeResult(second.name, second.status, second.output,
                           f"{second.reason} the second time it was asked (the first passed)",
                           http_status=second.http_status)


class _Worker:
    """Starts the container and drives it on a thread of its own, while the
    main thread reads the tracer (or waits); the container is removed on
    every way out, including a cancel from the main thread."""

    def __init__(self, engine: Engine, image: str, opts: RunOptions, drive: Drive,
                 cgroup_parent: str | None = None, seccomp: str | None = None,
                 activity: Callable[[], int] | None = None) -> None:
        """activity: a count that grows with the trace's events (a traced
        run), to wait for after the probes (Drive.settle_quiet)."""
        self.engine, self.image, self.opts, self.drive = engine, image, opts, drive
        self.cgroup_parent, self.seccomp, self.activity = cgroup_parent, seccomp, activity
        self.results: list[ProbeResult] = []
        self.error: BaseException | None = None
        # what the container printed last, read before it is removed when a
        # probe failed or the run did: why a service did not answer (a
        # config error, a missing library) was gone with the container
        self.last_output: list[str] = []
        self.done = threading.Event()
        self.cancelled = threading.Event()
        self._cid: str | None = None
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._work, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _work(self) -> None:
        try:
            taken = address_taken(self.drive.probes)
            if taken is not None:
                # (minify checked before its first run; a service may have
                # taken the port since, and would answer for the container)
                raise VerifyError(f"something answers at {taken[1]} (probe {taken[0].name}) before this "
                                  f"run's container of {self.image} starts: the port is taken (another "
                                  "service?); what the probes found would not be the image's")
            cid = self.engine.run(self.image, self.opts, cgroup_parent=self.cgroup_parent,
                                  seccomp=self.seccomp)
            with self._lock:
                self._cid = cid
                if self.cancelled.is_set():
                    return
            address = "127.0.0.1"
            target = ProbeTarget(self.engine, cid, address)
            self.results = self.drive(target, self.cancelled)
            if self.activity is not None and self.drive.probes and all(r.passed for r in self.results):
                self._settle()      # (a failed probe is reported at once)
                # and again once it has settled: a server that could not
                # listen exits a moment after a probe another container
                # answered (a signing service's did 0.3 s after its curl
                # probe passed, and minify built an image with no gpg)
                if not self.cancelled.is_set():
                    self.drive.answered_by_it(target)
        except BaseException as exc:  # re-raised in the caller's thread
            self.error = exc
        finally:
            try:
                if not self.cancelled.is_set() and (self.error is not None
                                                    or any(not r.passed for r in self.results)):
                    self._read_output()
                self._remove()
            except BaseException as exc:    # (a runtime gone mid-run: said, never a hung trace)
                self.error = self.error or exc
            finally:
                self.done.set()

    def _read_output(self) -> None:
        with self._lock:
            cid = self._cid
        if cid is None:
            return
        try:
            self.last_output = output_tail(self.engine.logs(cid, tail=TAIL_LINES * 2))
        except Exception:       # (gone already, or a runtime that cannot say): nothing to show
            self.last_output = []

    def _settle(self) -> None:
        """Wait until the trace has been quiet for settle_quiet seconds, or
        settle_max has passed, or the run is cancelled (see Drive)."""
        assert self.activity is not None
        start = last_change = time.monotonic()
        seen = self.activity()
        while not self.cancelled.wait(0.1):
            now, count = time.monotonic(), self.activity()
            if count != seen:
                seen, last_change = count, now
            if now - last_change >= self.drive.settle_quiet or now - start >= self.drive.settle_max:
                return

    def _remove(self) -> None:
        with self._lock:
            cid, self._cid = self._cid, None
        if cid is not None:
            self.engine.remove(cid)

    def cancel(self) -> None:
        """Stop at once: the probes see the container go and return. A
        runtime that fails to remove it now does not replace why the run
        stops (a signal's exit status); the sweep of the next run finds it."""
        self.cancelled.set()
        try:
            self._remove()
        except Exception as exc:
            self.error = self.error or exc

    def join(self) -> None:
        if self._thread.ident is not None:     # never started when the tracer failed to attach
            self._thread.join()

    def outcome(self) -> list[ProbeResult]:
        if self.error is not None:
            raise self.error
        return self.results


def traced_run(engine: Engine, image: str, opts: RunOptions, drive: Drive, say: Say,
               count_syscalls: bool = False, failed_lookups: bool = True) -> RunOutcome:
    """A traced container of image, driven; failed_lookups=False when no
    record of a lookup that found nothing is used (see EbpfTracer)."""
    cg = TracedCgroup()
    records: list[TraceRecord] = []
    # Counting for a seccomp profile runs unconfined: docker's own profile
    # would stop calls (faccessat2, clone3) before the tracepoint sees them,
    # and the workload's fallback on ENOSYS would not happen under an EPERM
    # profile.
    worker = _Worker(engine, image, opts, drive, cgroup_parent=cg.parent,
                     seccomp="unconfined" if count_syscalls else None, activity=records.__len__)
    # traced from the container's start: the runtime's setup calls apart
    tracer = EbpfTracer(count_syscalls=count_syscalls, split_at_exec=count_syscalls,
                        failed_lookups=failed_lookups, host_sources=opts.bind_sources())
    try:
        with progress.step(f"tracing a run of {image}", status=_counter(records)):
            outcome = run(tracer, Target(label=f"run of {image}", cgroup=cg.ref), records.append,
                          StopWhen(done=worker.done.is_set), start_hook=worker.start)
        if outcome.signal is not None:
            worker.cancel()
            raise Interrupted(outcome.signal)
    except BaseException:
        worker.cancel()
        raise
    finally:
        worker.join()
        cg.remove()
    results = worker.outcome()
    if outcome.stats.lost:
        say(f"WARNING: {outcome.stats.lost} kernel events LOST while tracing {image}")
    for note in outcome.stats.notes:
        say(f"WARNING: while tracing {image}: {note}")
    return RunOutcome(results, records, outcome.stats, tracer.syscall_counts,
                      tracer.setup_syscall_counts, worker.last_output)


def _counter(records: list[TraceRecord]) -> Callable[[], str]:
    """Events and files so far, for progress: counted on the progress thread
    from where it last stopped, so the tracer's sink stays a bare append."""
    files: set[str] = set()
    seen = [0]

    def status() -> str:
        upto = len(records)
        for r in records[seen[0]:upto]:
            if names_a_file(r):
                files.add(r.path)
        seen[0] = upto
        return f"{upto} events, {len(files)} files"
    return status


def confined_run(engine: Engine, image: str, opts: RunOptions, drive: Drive,
                 profile_path: str) -> list[ProbeResult]:
    """Run the image under the seccomp profile and drive every probe again."""
    worker = _Worker(engine, image, opts, drive, seccomp=profile_path)
    worker.start()
    try:
        while not worker.done.wait(0.2):   # a signal interrupts the wait
            pass
    except BaseException:
        worker.cancel()
        raise
    finally:
        worker.join()
    return worker.outcome()
