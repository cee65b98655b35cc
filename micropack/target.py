"""What to trace: a docker container, a pid, or a cgroup. Only this module and
image.py talk to docker."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from micropack import cgroup
from micropack.errors import TargetError


@dataclass
class Target:
    label: str
    cgroup: cgroup.CgroupRef
    pid: int | None = None
    container_id: str | None = None

    def alive(self) -> bool:
        """False once the container (its cgroup) is gone."""
        return self.cgroup.exists()


def docker_client() -> Any:
    try:
        import docker  # the SDK
        client = docker.from_env()
        client.ping()
        return client
    except Exception as exc:  # docker raises several unrelated types here
        raise TargetError("cannot reach the docker daemon",
                          "start it (dockerd) or run scripts/setup-host.sh") from exc


def container_info(ref: str) -> dict[str, Any]:
    import docker.errors
    client = docker_client()
    try:
        container = client.containers.get(ref)
    except docker.errors.NotFound as exc:
        raise TargetError(f"container {ref!r} not found") from exc
    except docker.errors.APIError as exc:
        raise TargetError(f"container {ref!r}: {exc.explanation}") from exc
    return dict(container.attrs)


def for_container(ref: str) -> Target:
    attrs = container_info(ref)
    state = attrs.get("State", {})
    if not state.get("Running"):
        raise TargetError(f"container {ref!r} is not running (status: {state.get('Status')})")
    pid = int(state["Pid"])
    return Target(label=f"container {attrs['Name'].lstrip('/')} ({attrs['Id'][:12]})",
                  cgroup=cgroup.ref_for_pid(pid), pid=pid, container_id=attrs["Id"])


def for_pid(pid: int) -> Target:
    return Target(label=f"pid {pid}", cgroup=cgroup.ref_for_pid(pid), pid=pid)


def for_cgroup(path: str) -> Target:
    ref = cgroup.ref_for_path(path)
    return Target(label=f"cgroup {ref.path}", cgroup=ref)
