"""A traced run whose tracer cannot attach says why, not a threading error;
a traced container runs on after its probes until the trace is quiet."""
import threading
import time

import pytest

from micropack import runs
from micropack.errors import TracerUnavailable
from micropack.probes import Probe, ProbeResult
from micropack.runtimes.base import RunOptions


class _NoBcc:
    def __init__(self, **_kw: object) -> None:
        self.syscall_counts: dict[int, int] = {}

    def start(self, target: object, sink: object) -> None:
        raise TracerUnavailable("eBPF backend unavailable: missing the bcc Python module")


class _Cgroup:
    parent = "/micropack-test"
    ref = None

    def remove(self) -> None:
        pass


def test_a_tracer_that_cannot_attach_is_reported_as_itself(monkeypatch):
    monkeypatch.setattr(runs, "EbpfTracer", _NoBcc)
    monkeypatch.setattr(runs, "TracedCgroup", _Cgroup)
    with pytest.raises(TracerUnavailable, match="bcc"):
        runs.traced_run(None, "image", RunOptions(), runs.Drive([]), print)  # type: ignore[arg-type]


class _Engine:
    """Runs nothing; says when the container was removed."""

    def __init__(self) -> None:
        self.removed_at: float | None = None

    def run(self, image: str, opts: RunOptions, **_kw: object) -> str:
        return "c1"

    def remove(self, cid: str) -> None:
        self.removed_at = time.monotonic()


class _Passed(runs.Drive):
    def __call__(self, target: object, cancelled: threading.Event) -> list:  # type: ignore[override]
        return []


class _Failed(runs.Drive):
    def __call__(self, target: object, cancelled: threading.Event) -> list:  # type: ignore[override]
        return [ProbeResult("exec true", 1, "", "exit status 1")]


def _removed_after(drive: runs.Drive, activity) -> float:
    engine = _Engine()
    worker = runs._Worker(engine, "image", RunOptions(), drive, activity=activity)  # type: ignore[arg-type]
    start = time.monotonic()
    worker.start()
    worker.join()
    assert engine.removed_at is not None
    return engine.removed_at - start


def test_after_the_probes_a_traced_container_runs_until_the_trace_is_quiet():
    """Caddy runs update-ca-certificates as it starts; its probe passed in
    0.65 s and the container was removed mid-run, so the minified image
    lacked grep, xargs and perl for the next one. After the probes the
    container runs on until no new event came for settle_quiet seconds,
    settle_max at most; not at all when no probe drives it (its whole run
    was traced), nothing counts events (a confined run) or a probe failed."""
    probe = Probe("exec", "true")
    t0 = time.monotonic()
    busy_for_half_a_second = lambda: int(min(time.monotonic() - t0, 0.5) * 100)  # noqa: E731
    waited = _removed_after(_Passed([probe], settle_quiet=0.3, settle_max=5), busy_for_half_a_second)
    assert 0.75 <= waited < 2.5, waited
    t0 = time.monotonic()
    always_busy = lambda: int((time.monotonic() - t0) * 100)  # noqa: E731
    assert 0.5 <= _removed_after(_Passed([probe], settle_quiet=0.3, settle_max=0.5), always_busy) < 2
    assert _removed_after(_Passed([], settle_quiet=5, settle_max=5), always_busy) < 1
    assert _removed_after(_Passed([probe], settle_quiet=5, settle_max=5), None) < 1
    # a failed probe is reported at once
    assert _removed_after(_Failed([probe], settle_quiet=5, settle_max=5), always_busy) < 1


class _Talking(_Engine):
    """A container whose output is there until it is removed."""

    def __init__(self, output: str) -> None:
        super().__init__()
        self.output: str | None = output

    def logs(self, cid: str, tail: int | None = None) -> str:
        assert tail is not None and tail >= runs.TAIL_LINES     # (never a whole hour's log)
        if self.output is None:
            raise RuntimeError("no such container")
        return self.output

    def remove(self, cid: str) -> None:
        super().remove(cid)
        self.output = None


def test_a_failed_probe_keeps_the_containers_last_output():
    """A probe that failed on the original image said only "connection
    refused": why the service did not listen (its configuration error) was
    in the container's output, removed with it. Its last lines are read
    first, control characters escaped; not for a run whose probes passed."""
    noisy = "\n".join(f"line {i}" for i in range(30)) + "\nfcgiwrap: \x1b[31mcannot bind\x1b[0m\n" + "x" * 500
    engine = _Talking(noisy)
    worker = runs._Worker(engine, "image", RunOptions(), _Failed([Probe("exec", "true")]))  # type: ignore[arg-type]
    worker.start()
    worker.join()
    tail = worker.last_output
    assert len(tail) == runs.TAIL_LINES and tail[0] == "line 22"
    assert tail[-2] == "fcgiwrap: \\x1b[31mcannot bind\\x1b[0m"
    assert tail[-1] == "x" * runs.TAIL_WIDTH + "..."
    engine = _Talking(noisy)
    worker = runs._Worker(engine, "image", RunOptions(), _Passed([]))  # type: ignore[arg-type]
    worker.start()
    worker.join()
    assert worker.last_output == []


class _Unreachable(_Engine):
    """A runtime gone mid-run: removing the container fails."""

    def remove(self, cid: str) -> None:
        raise RuntimeError("cannot reach containerd")


def test_a_runtime_that_fails_to_remove_ends_the_run_with_its_error():
    """Once containerd could not be dialled, remove() raised in the
    worker's cleanup: done was never set, the trace waited for the
    container's exit or a Ctrl-C, and a traceback came from the thread;
    a failing remove in cancel() replaced the signal's exit status."""
    worker = runs._Worker(_Unreachable(), "image", RunOptions(), _Passed([]))  # type: ignore[arg-type]
    worker.start()
    assert worker.done.wait(5)
    worker.join()
    with pytest.raises(RuntimeError, match="cannot reach containerd"):
        worker.outcome()
    worker.cancel()         # (no raise)
