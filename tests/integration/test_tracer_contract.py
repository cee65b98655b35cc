"""One contract, every backend: absolute paths, files.txt sorted and unique,
results recorded, the container filter honoured. eBPF traces a live
container; sysdig reads the real capture (it has no driver on this kernel)."""
from __future__ import annotations

import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from micropack import record, runtimes, target, tracing
from micropack.record import TraceRecord
from tests.conftest import need
from tests.integration.test_sysdig_captures import SCAP

pytestmark = pytest.mark.integration


@dataclass
class Traced:
    records: list[TraceRecord]
    files_txt: Path
    inside: str          # a file the traced container used
    outside: str         # a marker only activity outside the target touched


def trace_ebpf(request, tmp_path: Path) -> Traced:
    request.getfixturevalue("bpf_ready")
    container = request.getfixturevalue("fat_container")
    other = request.getfixturevalue("fat_image")
    marker = uuid.uuid4().hex
    # another container and the host both work while the target is traced
    script = (f"docker run --rm --network=none {other} cat /etc/{marker} 2>/dev/null; "
              f"cat /tmp/{marker} 2>/dev/null; "
              f"docker exec {container.name} sh -c 'cd /etc && cat debian_version >/dev/null "
              "&& ls /nonexistent-dir 2>/dev/null; true'")
    out = tmp_path / "files.txt"
    records: list[TraceRecord] = []
    events = tmp_path / "events.jsonl"
    tracing.trace_to_files(backend="ebpf",
                           target_factory=lambda: target.for_container(runtimes.get(), container.id),
                           output=str(out), events_path=str(events), command=["sh", "-c", script])
    records = list(record.read_events(events))
    return Traced(records, out, "/etc/debian_version", marker)


def trace_sysdig(request, tmp_path: Path) -> Traced:
    import shutil
    need(shutil.which("sysdig") is not None, "sysdig")
    out, events = tmp_path / "files.txt", tmp_path / "events.jsonl"
    tracing.trace_to_files(backend="sysdig", target_factory=lambda: None, output=str(out),
                           events_path=str(events),
                           from_capture=str(SCAP / "run_as_user_0_container.scap"),
                           container_filter="697956520d89")
    # the capture also holds host processes (sysdig itself, shells): their
    # pids must not appear
    host_pids = subprocess.run(
        ["sysdig", "-r", str(SCAP / "run_as_user_0_container.scap"), "-p", "%proc.pid",
         "container.id=host"], capture_output=True, text=True).stdout.split()
    return Traced(list(record.read_events(events)), out, "/etc/ld.so.cache",
                  f"pid:{','.join(sorted(set(host_pids)))}")


BACKENDS = {"ebpf": trace_ebpf, "sysdig": trace_sysdig}


@pytest.fixture(params=sorted(BACKENDS))
def traced(request, tmp_path) -> Traced:
    return BACKENDS[request.param](request, tmp_path)


def test_paths_are_absolute(traced: Traced):
    files = traced.files_txt.read_text().splitlines()
    assert files and all(p.startswith("/") for p in files)
    assert all(r.path.startswith("/") for r in traced.records if r.resolved and r.path)


def test_files_txt_is_sorted_and_unique(traced: Traced):
    files = traced.files_txt.read_text().splitlines()
    assert files == sorted(set(files))
    assert traced.inside in files


def test_results_are_recorded(traced: Traced):
    assert any(r.result >= 0 for r in traced.records)
    failed = [r for r in traced.records if r.result < 0]
    assert failed and all(r.error for r in failed)
    assert not any(record.names_a_file(r) for r in failed if r.error == "ENOENT")


def test_container_filter_is_honoured(traced: Traced):
    if traced.outside.startswith("pid:"):
        host_pids = {int(p) for p in traced.outside[4:].split(",") if p}
        assert host_pids and not host_pids & {r.pid for r in traced.records}
    else:
        assert not any(traced.outside in r.path for r in traced.records)
