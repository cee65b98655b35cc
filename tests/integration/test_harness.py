"""Proves the harness is real: a real dockerd, a real container, a real BPF
program loaded into this kernel and filtered by the container's cgroup."""
from __future__ import annotations

import uuid

import pytest

from micropack import runtimes, target, tracing

pytestmark = pytest.mark.integration


def test_bpf_sees_the_container_open_and_not_the_host(bpf_ready, fat_container, tmp_path):
    marker = uuid.uuid4().hex
    host_file = tmp_path / f"host-{marker}"
    host_file.write_text("host only")
    # A host process opens its file again and again while the container works.
    script = (f"(for i in $(seq 50); do cat {host_file} >/dev/null; done) & "
              f"docker exec {fat_container.name} cat /etc/debian_version; wait")
    result = tracing.trace_to_files(
        backend="ebpf", target_factory=lambda: target.for_container(runtimes.get(), fat_container.id),
        output=None, events_path=str(tmp_path / "events.jsonl"),
        command=["sh", "-c", script])
    assert result.outcome.command_status == 0
    assert "/etc/debian_version" in result.paths
    events = (tmp_path / "events.jsonl").read_text()
    assert marker not in events
    assert str(tmp_path) not in events
    # the container's cgroup is the one that was filtered on
    assert f"/{fat_container.id}" in str(target.for_container(runtimes.get(), fat_container.name).cgroup.path)
