"""Find a process's cgroup v2 directory, its id and depth, on pure v2 and on
hybrid hosts (where the v2 hierarchy is mounted at /sys/fs/cgroup/unified)."""
from __future__ import annotations

import contextlib
import os
import re
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from micropack.errors import TargetError


@dataclass(frozen=True)
class CgroupRef:
    path: Path   # host path of the cgroup v2 directory
    id: int      # what bpf_get_current_cgroup_id() returns: the directory's inode
    level: int   # depth below the v2 root (the root is 0)

    def exists(self) -> bool:
        return self.path.is_dir()


def v2_mountpoint(mountinfo: str = "/proc/self/mountinfo") -> Path:
    for line in Path(mountinfo).read_text().splitlines():
        fields = line.split()
        sep = fields.index("-")
        if fields[sep + 1] == "cgroup2":
            return Path(fields[4])
    raise TargetError("no cgroup v2 hierarchy is mounted",
                      "the eBPF tracer filters by cgroup v2; use a host with cgroup v2 or hybrid cgroups")


def v2_path_of_pid(pid: int) -> str:
    try:
        lines = Path(f"/proc/{pid}/cgroup").read_text().splitlines()
    except FileNotFoundError as exc:
        raise TargetError(f"no process with pid {pid}") from exc
    for line in lines:
        if line.startswith("0::"):
            return line[3:]
    raise TargetError(f"pid {pid} is in no cgroup v2 group")


def ref_for_dir(directory: Path, root: Path | None = None) -> CgroupRef:
    root = root or v2_mountpoint()
    directory = directory.resolve()
    try:
        rel = directory.relative_to(root)
    except ValueError as exc:
        raise TargetError(f"{directory} is not under the cgroup v2 mount {root}") from exc
    if not directory.is_dir():
        raise TargetError(f"cgroup {directory} does not exist")
    level = len(rel.parts)
    if level == 0:
        raise TargetError("refusing to trace the root cgroup: that is the whole host")
    return CgroupRef(path=directory, id=os.stat(directory).st_ino, level=level)


def ref_for_pid(pid: int) -> CgroupRef:
    root = v2_mountpoint()
    rel = v2_path_of_pid(pid)
    return ref_for_dir(root / rel.lstrip("/"), root)


def ref_for_path(path: str) -> CgroupRef:
    """PATH may be a host directory or a path relative to the v2 root."""
    root = v2_mountpoint()
    p = Path(path)
    if not p.is_absolute() or not str(p).startswith(str(root)):
        p = root / path.lstrip("/")
    return ref_for_dir(p, root)


# Cgroups micropack creates are named for the process that made them, so
# what a killed run left behind can be told from a live run's.
TRACED_PREFIX = "micropack-"
TRACED_NAME = re.compile(r"^micropack-(\d+)-[0-9a-f]+$")


def remove_traced(name: str, attempts: int = 20) -> bool:
    """Remove the traced cgroup name, and the same name in the v1 hierarchies
    of a hybrid host (a runtime creates the parent there too), children
    first; retried while the runtime still holds it. Whether it is gone."""
    if not TRACED_NAME.match(name):
        raise ValueError(f"not a cgroup micropack made: {name}")
    base = Path("/sys/fs/cgroup")
    try:
        v2 = v2_mountpoint() / name
    except TargetError:
        v2 = base / name
    candidates = [v2, *base.glob(f"*/{name}"), base / name]
    for attempt in range(attempts):
        left = [c for c in candidates if c.exists()]
        for c in left:
            # children first: a runtime may have left its own below
            for child in sorted(c.glob("**/"), key=lambda d: len(d.parts), reverse=True):
                with contextlib.suppress(OSError):
                    child.rmdir()
        if not any(c.exists() for c in candidates):
            return True
        if attempt + 1 < attempts:
            time.sleep(0.25)
    return False


class TracedCgroup:
    """A cgroup micropack creates at the top of the v2 hierarchy and filters
    on; the runtime puts a container below it, so its first exec is traced."""

    def __init__(self) -> None:
        self.name = f"{TRACED_PREFIX}{os.getpid()}-{uuid.uuid4().hex[:8]}"
        root = v2_mountpoint()
        self.path = root / self.name
        self.path.mkdir()
        self.ref = ref_for_dir(self.path, root)

    @property
    def parent(self) -> str:
        """The cgroup as a runtime's --cgroup-parent names it."""
        return f"/{self.name}"

    def remove(self) -> None:
        """Remove it (and its v1 twins on a hybrid host), retried while the
        runtime still holds it."""
        remove_traced(self.name)
