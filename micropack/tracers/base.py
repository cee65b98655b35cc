"""The tracer contract: a backend turns kernel activity of one target into
TraceRecords. The run loop and every way of stopping are shared here."""
from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import FrameType
from typing import Any, TypeVar

from micropack.errors import Interrupted, TargetError
from micropack.record import TraceRecord
from micropack.target import Target

Sink = Callable[[TraceRecord], None]
T = TypeVar("T")


@dataclass
class TraceStats:
    """Counters a backend reports when it stops. `lost` is never hidden."""

    emitted: int = 0
    lost: int = 0
    unreadable_paths: int = 0
    unresolved_paths: int = 0
    deduplicated: int = 0
    extra: dict[str, int] = field(default_factory=dict)
    # how the backend attached, when it has a choice (eBPF: "tp_btf" or
    # "raw_tp" for its sys_exit program), and why a faster way was refused
    attach: str = ""
    attach_refused: str = ""
    # how events were read, when the backend has a choice (eBPF: "in place"
    # or "bcc", see tracers/ringbuf.py)
    reader: str = ""
    # what the backend saw and cannot follow (io_uring, a shared fd table, ...), one
    # line each: the trace may be incomplete or wrong there
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, int | str | list[str]]:
        out: dict[str, int | str | list[str]] = {"emitted": self.emitted, "lost": self.lost,
                                     "unreadable_paths": self.unreadable_paths,
                                     "unresolved_paths": self.unresolved_paths,
                                     "deduplicated": self.deduplicated, **self.extra}
        if self.attach:
            out["attach"] = self.attach
        if self.attach_refused:
            out["attach_refused"] = self.attach_refused
        if self.reader:
            out["reader"] = self.reader
        out["notes"] = list(self.notes)
        return out


class Tracer(ABC):
    name: str = ""
    # Set by run() while start() runs: the name of a signal that asked the
    # run to stop, or None. A start that waits long (bcc's compile) asks it.
    cancelled: Callable[[], str | None] | None = None

    @classmethod
    @abstractmethod
    def missing(cls) -> list[str]:
        """What this host lacks for the backend (empty when it can run)."""

    @abstractmethod
    def start(self, target: Target, sink: Sink) -> None:
        """Begin tracing; records reach sink from poll() or stop()."""

    @abstractmethod
    def poll(self, timeout_ms: int) -> None:
        """Deliver pending records; wait at most timeout_ms."""

    @abstractmethod
    def stop(self) -> TraceStats:
        """Deliver every remaining record, detach from the kernel, report counters."""


START_THREAD = "micropack-start"


def work_abandoned() -> bool:
    """Whether work interruptible left on a signal still runs: bcc's
    compile inside LLVM, whose C++ destructors a normal exit runs (see
    cli.main)."""
    return any(t.name == START_THREAD and t.is_alive() for t in threading.enumerate())


def interruptible(work: Callable[[], T], cancelled: Callable[[], str | None] | None,
                  release: Callable[[T], Any]) -> T:
    """work() in a thread of its own while this one waits, asking
    cancelled() as it does: a signal's handler runs in the main thread only
    between its own instructions, and bcc's compile (seconds, ten under
    load) held Ctrl-C until it ended. On a signal the work is abandoned
    (Interrupted); what it makes after that is released when it ends."""
    box: dict[str, Any] = {}
    lock = threading.Lock()

    def worker() -> None:
        try:
            made = work()
        except BaseException as exc:    # raised again below, in the caller's thread
            box["error"] = exc
            return
        with lock:
            if not box.get("abandoned"):
                box["made"] = made
                return
        release(made)

    thread = threading.Thread(target=worker, name=START_THREAD, daemon=True)
    thread.start()
    while thread.is_alive():
        thread.join(0.05)
        signame = cancelled() if cancelled is not None else None
        if signame:
            with lock:
                box["abandoned"] = True
                late = box.pop("made", None)
            if late is not None:
                release(late)
            raise Interrupted(signame)
    if "error" in box:
        raise box["error"]
    return box["made"]  # type: ignore[no-any-return]


@dataclass
class StopWhen:
    duration: float | None = None
    command: Sequence[str] = ()
    command_env: dict[str, str] | None = None
    done: Callable[[], bool] | None = None   # a caller's own work has finished


@dataclass
class TraceOutcome:
    stats: TraceStats
    reason: str
    command_status: int | None = None
    signal: str | None = None       # SIGINT or SIGTERM when one ended the trace


def run(tracer: Tracer, target: Target, sink: Sink, until: StopWhen,
        progress: Callable[[], None] | None = None,
        start_hook: Callable[[], None] | None = None) -> TraceOutcome:
    """Trace until Ctrl-C/SIGTERM, the duration, the command's end, the
    caller's done(), or the target's exit; the backend is stopped (and
    detached) on every way out. start_hook runs once tracing is attached."""
    stopping: list[str] = []

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        stopping.append(signal.Signals(signum).name)

    in_main = threading.current_thread() is threading.main_thread()
    old = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)} if in_main else {}
    child: subprocess.Popen[bytes] | None = None
    status: int | None = None
    reason = "unknown"
    tracer.cancelled = lambda: stopping[0] if stopping else None
    try:
        tracer.start(target, sink)
    except BaseException:
        for s, handler in old.items():
            signal.signal(s, handler)
        raise
    finally:
        tracer.cancelled = None
    try:
        # (the backend is stopped and the handlers restored by the finally)
        if stopping:
            # a signal while the program was attached (the compile itself
            # is left at once, see interruptible): stopped before the trace
            # began, nothing of it to write (it exited 0 with a files.txt of
            # an instant's events)
            raise Interrupted(stopping[0])
        if start_hook is None and not target.alive():
            # gone while the program was compiled and attached: nothing of it
            # was seen (it gave an empty files.txt and exit 0, which pack then
            # made an image of nothing from)
            raise TargetError(f"{target.label} exited before the trace began: nothing of it was traced")
        if start_hook is not None:
            start_hook()
        if until.command:
            child = subprocess.Popen(list(until.command), env=until.command_env)
        deadline = time.monotonic() + until.duration if until.duration else None
        last_progress = time.monotonic()
        while True:
            tracer.poll(100)
            if stopping:
                reason = f"signal {stopping[0]}"
                break
            if deadline is not None and time.monotonic() >= deadline:
                reason = "duration reached"
                break
            if child is not None and child.poll() is not None:
                status = child.returncode
                reason = f"command exited with status {status}" if status >= 0 else \
                    f"command killed by {signal.Signals(-status).name}"
                break
            if until.done is not None and until.done():
                reason = "work finished"
                break
            if not target.alive():
                reason = "target exited"
                break
            if progress and time.monotonic() - last_progress >= 2:
                progress()
                last_progress = time.monotonic()
    finally:
        if child is not None and child.poll() is None:
            child.terminate()
            try:
                status = child.wait(10)
            except subprocess.TimeoutExpired:
                child.kill()
                status = child.wait()
        try:
            stats = tracer.stop()
        finally:
            for s, handler in old.items():
                signal.signal(s, handler)
    if status is not None and status < 0:
        status = 128 - status       # a command killed by signal N: the shell's 128+N
    if status is not None and stopping:
        status = 128 + signal.Signals[stopping[0]].value     # micropack was stopped, and stopped it
    return TraceOutcome(stats=stats, reason=reason, command_status=status,
                        signal=stopping[0] if stopping else None)


def warn(message: str) -> None:
    print(f"micropack: {message}", file=sys.stderr)
