"""A traced run whose tracer cannot attach says why, not a threading error."""
import pytest

from micropack import runs
from micropack.errors import TracerUnavailable
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
