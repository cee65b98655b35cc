"""What to trace: a container (found through its runtime), a pid, or a
cgroup."""
from __future__ import annotations

from dataclasses import dataclass

from micropack import cgroup
from micropack.errors import TargetError
from micropack.runtimes.base import Engine


@dataclass
class Target:
    label: str
    cgroup: cgroup.CgroupRef
    pid: int | None = None
    container_id: str | None = None

    def alive(self) -> bool:
        """False once the container (its cgroup) is gone."""
        return self.cgroup.exists()


def for_container(engine: Engine, ref: str) -> Target:
    """The container's cgroup as its runtime placed it, when the runtime
    says (podman, containerd) and its first process is in it or below it;
    else the cgroup of that process (docker)."""
    info = engine.container(ref)
    if not info.running or info.pid is None:
        raise TargetError(f"container {ref!r} is not running (status: {info.status})")
    ref_ = cgroup.ref_for_pid(info.pid)
    if info.cgroup:
        try:
            placed = cgroup.ref_for_path(info.cgroup)
        except TargetError:
            placed = None
        if placed is not None and (ref_.path == placed.path or placed.path in ref_.path.parents):
            ref_ = placed
    return Target(label=f"{engine.name} container {info.name} ({info.id[:12]})",
                  cgroup=ref_, pid=info.pid, container_id=info.id)


def for_pid(pid: int) -> Target:
    return Target(label=f"pid {pid}", cgroup=cgroup.ref_for_pid(pid), pid=pid)


def for_cgroup(path: str) -> Target:
    ref = cgroup.ref_for_path(path)
    return Target(label=f"cgroup {ref.path}", cgroup=ref)
