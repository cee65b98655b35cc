"""The trace loop (tracers.base.run) with a fake backend: how a signal or a
command's end stops it, and the exit status it gives. No root, no kernel."""
from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from micropack.errors import Interrupted
from micropack.target import Target
from micropack.tracers.base import StopWhen, Tracer, TraceStats, interruptible, run


class FakeCgroup:
    def exists(self) -> bool:
        return True


class FakeTracer(Tracer):
    name = "fake"

    def __init__(self, signal_at_start: int | None = None, signal_at_poll: int | None = None) -> None:
        self.signal_at_start = signal_at_start
        self.signal_at_poll = signal_at_poll
        self.stopped = False

    @classmethod
    def missing(cls) -> list[str]:
        return []

    def start(self, target: Target, sink) -> None:
        if self.signal_at_start is not None:      # as while bcc compiles the program
            os.kill(os.getpid(), self.signal_at_start)

    def poll(self, timeout_ms: int) -> None:
        if self.signal_at_poll is not None:
            os.kill(os.getpid(), self.signal_at_poll)
            self.signal_at_poll = None

    def stop(self) -> TraceStats:
        self.stopped = True
        return TraceStats()


TARGET = Target(label="fake", cgroup=FakeCgroup())     # type: ignore[arg-type]


def test_a_signal_before_the_trace_began_stops_it_as_interrupted():
    """A Ctrl-C while the program compiled was seen only after, and the
    trace then ran for an instant and exited 0 with a files.txt of it."""
    tracer = FakeTracer(signal.SIGINT)
    before = signal.getsignal(signal.SIGINT)
    try:
        with pytest.raises(Interrupted) as got:
            run(tracer, TARGET, lambda r: None, StopWhen(duration=5))
    finally:
        Interrupted.raised = False      # (this process is not unwinding)
    assert got.value.exit_code == 130 and tracer.stopped
    assert signal.getsignal(signal.SIGINT) is before        # restored


class SlowStartTracer(FakeTracer):
    """A start that waits on work outside the interpreter, as bcc's compile
    does (time.sleep, like a ctypes call, lets other threads run)."""

    def __init__(self, seconds: float) -> None:
        super().__init__()
        self.seconds = seconds
        self.released: list[str] = []
        self.done = threading.Event()

    def start(self, target: Target, sink) -> None:
        def compile_program() -> str:
            time.sleep(self.seconds)
            return "program"

        def release(made: str) -> None:
            self.released.append(made)
            self.done.set()
        threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGINT)).start()
        interruptible(compile_program, self.cancelled, release)


def test_a_signal_while_the_program_compiles_stops_the_run_at_once():
    """Ctrl-C during bcc's compile waited for the compile to end (three
    seconds on a quiet host, about ten under load): the handler runs in the
    main thread only between its own instructions."""
    tracer = SlowStartTracer(seconds=3.0)
    begun = time.monotonic()
    try:
        with pytest.raises(Interrupted) as got:
            run(tracer, TARGET, lambda r: None, StopWhen(duration=5))
    finally:
        Interrupted.raised = False
    assert got.value.signame == "SIGINT" and time.monotonic() - begun < 1.5
    assert tracer.cancelled is None
    # what the abandoned work made is released once it ends
    assert tracer.done.wait(5) and tracer.released == ["program"]


def test_work_that_fails_raises_in_the_callers_thread():
    def fail() -> None:
        raise ValueError("Failed to compile BPF module")
    with pytest.raises(ValueError, match="Failed to compile"):
        interruptible(fail, lambda: None, lambda made: None)
    assert interruptible(lambda: 7, None, lambda made: None) == 7


@pytest.mark.parametrize("script, status, reason", [
    ("exit 3", 3, "command exited with status 3"),
    ("kill -KILL $$", 137, "command killed by SIGKILL"),
    ("kill -SEGV $$", 139, "command killed by SIGSEGV"),
])
def test_a_commands_status_is_the_shells(script, status, reason):
    """A command killed by signal N gave Python's -N, which exit() wrapped
    to 256-N (247 for SIGKILL): it is 128+N, as a shell says."""
    outcome = run(FakeTracer(), TARGET, lambda r: None, StopWhen(command=["sh", "-c", script]))
    assert outcome.command_status == status and outcome.reason == reason


def test_a_signal_to_micropack_while_its_command_runs_exits_as_that_signal():
    """SIGTERM to `micropack trace -- sleep 777` stopped the command and
    exited 241 (its -15, wrapped): 143, the signal micropack was stopped by."""
    outcome = run(FakeTracer(signal_at_poll=signal.SIGTERM), TARGET, lambda r: None,
                  StopWhen(command=["sleep", "30"]))
    assert outcome.signal == "SIGTERM" and outcome.command_status == 143


class GoneCgroup:
    def exists(self) -> bool:
        return False


def test_a_target_gone_before_the_trace_began_is_an_error():
    """A container that exited while the program compiled gave "stopped:
    target exited; 0 events", an empty files.txt and exit 0."""
    from micropack.errors import TargetError
    tracer = FakeTracer()
    gone = Target(label="docker container web", cgroup=GoneCgroup())     # type: ignore[arg-type]
    with pytest.raises(TargetError, match="docker container web exited before the trace began"):
        run(tracer, gone, lambda r: None, StopWhen())
    assert tracer.stopped


def test_abandoned_work_is_known_until_it_ends():
    """cli.main exits without C++ destructors while an abandoned compile
    still runs in LLVM: work_abandoned says when."""
    from micropack.tracers.base import work_abandoned
    done = threading.Event()
    asked = iter([None, "SIGINT"])
    with pytest.raises(Interrupted):
        interruptible(lambda: time.sleep(0.5), lambda: next(asked, "SIGINT"), lambda made: done.set())
    Interrupted.raised = False
    assert work_abandoned()
    assert done.wait(5)
    time.sleep(0.1)
    assert not work_abandoned()
