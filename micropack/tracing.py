"""Glue between a target, a tracer backend and the files.txt/events outputs."""
from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from micropack import progress, record
from micropack.errors import UsageError
from micropack.record import TraceRecord
from micropack.tracers import choose
from micropack.tracers.base import StopWhen, TraceOutcome, run


@dataclass
class TraceResult:
    outcome: TraceOutcome
    files: int
    paths: list[str]


class Collector:
    """Receives records: keeps the file set, writes the events file."""

    def __init__(self, keep_pseudo: bool, events: record.EventsWriter | None) -> None:
        self.keep_pseudo = keep_pseudo
        self.events = events
        self.paths: set[str] = set()
        self.count = 0

    def __call__(self, rec: TraceRecord) -> None:
        self.count += 1
        if self.events is not None:
            self.events.write(rec)
        if record.names_a_file(rec, self.keep_pseudo):
            self.paths.add(rec.path)


def trace_to_files(*, backend: str, target_factory: Callable[[], Any], output: str | None,
                   events_path: str | None, keep_pseudo: bool = False,
                   duration: float | None = None, command: Sequence[str] = (),
                   ringbuf_mb: int = 64, from_capture: str | None = None,
                   container_filter: str | None = None, print_program: bool = False,
                   show_progress: bool = True, seccomp_out: str | None = None) -> TraceResult:
    if from_capture and backend == "ebpf":
        raise UsageError("--from-capture reads a sysdig capture: use --backend sysdig (or auto)")
    cls = choose("sysdig" if from_capture and backend == "auto" else backend)
    tracer: Any
    if cls.name == "ebpf":
        # files.txt keeps no lookup that found nothing: only the events
        # file shows them, so without one the kernel drops them unread
        tracer = cls(ringbuf_mb=ringbuf_mb, print_program=print_program,  # type: ignore[call-arg]
                     count_syscalls=bool(seccomp_out), failed_lookups=events_path is not None)
    elif seccomp_out:
        raise UsageError("--seccomp needs the eBPF backend (it counts syscalls in the kernel)")
    else:
        tracer = cls(capture=from_capture, container=container_filter)  # type: ignore[call-arg]
    if from_capture:
        from micropack.tracers.sysdig import CaptureTarget
        target = CaptureTarget(from_capture)
    else:
        target = target_factory()
    events = record.EventsWriter(events_path) if events_path else None
    collector = Collector(keep_pseudo, events)
    env = None
    if command:
        env = dict(os.environ, MICROPACK_TARGET=target.label,
                   MICROPACK_CONTAINER_ID=target.container_id or "")

    def counts() -> str:
        return f"{collector.count} events, {len(collector.paths)} files"

    # a running count of events and files while the trace goes on (a live
    # line on a terminal, a plain line every half minute otherwise)
    shown = progress.step(f"tracing {target.label}", status=counts) if show_progress else None
    entered = False

    def attached() -> None:
        nonlocal entered
        progress.echo(f"micropack: tracing {target.label} ({tracer.name})")
        if shown is not None:
            shown.__enter__()
            entered = True

    try:
        outcome = run(tracer, target, collector, StopWhen(duration, command, env),
                      start_hook=attached)
    except BaseException:
        if events is not None:
            events.abort()
        raise
    finally:
        if shown is not None and entered:
            shown.__exit__(*sys.exc_info())
    if events is not None:
        events.close({"backend": tracer.name, "target": target.label,
                      "stop_reason": outcome.reason, **outcome.stats.as_dict()})
    paths = sorted(collector.paths)
    if output is not None:
        record.write_files_txt(paths, output)
    if seccomp_out:
        from micropack import seccomp
        seccomp.write_profile(tracer.syscall_counts, seccomp_out,
                              lambda msg: progress.echo(f"micropack: {msg}"))
    return TraceResult(outcome=outcome, files=len(paths), paths=paths)
