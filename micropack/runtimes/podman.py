"""podman, as root, through its command line (which takes docker's `run`
options, so a user's options keep their meaning).

Where podman puts a container: its cgroup is `libpod_parent/libpod-<id>`
with the cgroupfs manager, or `<parent>/libpod-<id>` under --cgroup-parent;
`podman inspect` says which (State.CgroupPath). Rootless podman gets a
cgroup of its own only where the cgroup tree is delegated to the user; it is
not supported (micropack needs root for BPF anyway)."""
from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import Any

from micropack import cgroup
from micropack.archive import extract_tar
from micropack.errors import ImageError, TargetError, first_line, last_line
from micropack.runtimes.base import (
    LABEL,
    OUTPUT_LIMIT,
    ContainerInfo,
    Engine,
    ExecResult,
    ImageInfo,
    RunOptions,
    env_dict,
    joined_run_flags,
    loopback_registry,
    new_container_name,
    output_text,
    owner_tag,
    run_tool,
)
from micropack.runtimes.docker import rfc3339_epoch, run_args
from micropack.runtimes.mounts import MountUnavailable

CAP_SYS_RESOURCE = 24
# What podman's own defaults are replaced with when micropack may not raise
# limits (see PodmanEngine.ulimits).
NPROC_LIMIT = 4096


def has_capability(bit: int, status: str = "/proc/self/status") -> bool:
    for line in Path(status).read_text().splitlines():
        if line.startswith("CapEff:"):
            return bool(int(line.split()[1], 16) >> bit & 1)
    return False


class PodmanEngine(Engine):
    name = "podman"
    command = "podman"

    @classmethod
    def missing(cls) -> list[str]:
        problems = []
        if shutil.which(cls.command) is None:
            problems.append("the podman command (apt install podman)")
        if os.geteuid() != 0:
            problems.append("root (rootless podman is not supported: its containers get a cgroup "
                            "of their own only where cgroups are delegated)")
        return problems

    @cached_property
    def base(self) -> list[str]:
        """podman and its global options. crun refuses a hybrid cgroup host
        (v2 mounted beside v1): there podman is told to use runc."""
        args = [self.command]
        try:
            hybrid = cgroup.v2_mountpoint() != Path("/sys/fs/cgroup")
        except TargetError:
            hybrid = False
        if hybrid and shutil.which("runc"):
            args += ["--runtime", "runc"]
        return args

    @cached_property
    def ulimits(self) -> list[str]:
        """podman asks runc for RLIMIT_NOFILE and RLIMIT_NPROC of 1048576
        each; without CAP_SYS_RESOURCE (a sandboxed root, as on the
        development machine) runc cannot raise them and every container fails
        to start. There micropack gives limits it can set: its own open-file
        limit, and NPROC_LIMIT processes."""
        if has_capability(CAP_SYS_RESOURCE):
            return []
        _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        nproc = NPROC_LIMIT if hard == resource.RLIM_INFINITY else min(NPROC_LIMIT, hard)
        nofile = 1048576 if hard == resource.RLIM_INFINITY else hard
        return ["--ulimit", f"nofile={nofile}:{nofile}", "--ulimit", f"nproc={nproc}:{nproc}"]

    def _tool(self, *args: str, timeout: float | None = None,
              limit: int | None = None) -> subprocess.CompletedProcess[str]:
        return run_tool([*self.base, *args], timeout=timeout, limit=limit)

    # -- containers -----------------------------------------------------------

    def _inspect(self, kind: str, ref: str) -> dict[str, Any] | None:
        p = self._tool(kind, "inspect", ref)
        if p.returncode != 0:
            return None
        items = json.loads(p.stdout or "[]")
        return dict(items[0]) if items else None

    def container(self, ref: str) -> ContainerInfo:
        attrs = self._inspect("container", ref)
        if attrs is None:
            raise TargetError(f"container {ref!r} not found in podman")
        state = attrs.get("State") or {}
        running = bool(state.get("Running"))
        return ContainerInfo(id=attrs["Id"], name=str(attrs.get("Name", "")).lstrip("/"),
                             running=running, status=str(state.get("Status")),
                             pid=int(state["Pid"]) if running and state.get("Pid") else None,
                             env=env_dict((attrs.get("Config") or {}).get("Env")),
                             image=str(attrs.get("ImageName") or attrs.get("Image") or ""),
                             # Image is the id; ImageName a name that may have moved since
                             image_id=str(attrs.get("Image") or ""),
                             ipc_mode=str((attrs.get("HostConfig") or {}).get("IpcMode") or ""),
                             cgroup=state.get("CgroupPath") or None)

    def has_container(self, ref: str) -> bool:
        return self._tool("container", "exists", ref).returncode == 0

    def run(self, image: str, opts: RunOptions, *, cgroup_parent: str | None = None,
            seccomp: str | None = None) -> str:
        name = new_container_name()
        args = ["run", "-d", "--pull=never", "--name", name, "--label", f"{LABEL}={owner_tag()}",
                *self.ulimits, *run_args(opts)]
        if cgroup_parent:
            # conmon, podman's monitor, would go to <parent>/conmon and be
            # traced with the container: it stays where podman runs
            args += ["--cgroups=no-conmon", f"--cgroup-parent={cgroup_parent}"]
        if seccomp:
            args.append(f"--security-opt=seccomp={seccomp}")
        p = self._tool(*args, image, *(opts.cmd or []))
        if p.returncode != 0:
            self._tool("rm", "-f", "-t", "0", name)
            raise ImageError(f"podman run {image} failed: {last_line(p.stderr)}")
        return p.stdout.strip().splitlines()[-1]

    def exec(self, cid: str, argv: Sequence[str], timeout: float) -> ExecResult:
        try:
            p = self._tool("exec", cid, *argv, timeout=timeout, limit=OUTPUT_LIMIT)
        except subprocess.TimeoutExpired as exc:
            return ExecResult(124, output_text(exc.stdout), output_text(exc.stderr), timed_out=True)
        return ExecResult(p.returncode, p.stdout, p.stderr)

    def running(self, cid: str) -> bool:
        p = self._tool("container", "inspect", "-f", "{{.State.Running}}", cid)
        return p.returncode == 0 and p.stdout.strip() == "true"

    def wait(self, cid: str, timeout: float) -> int | None:
        try:
            p = self._tool("wait", cid, timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
        out = p.stdout.strip()
        return int(out) if p.returncode == 0 and out.lstrip("-").isdigit() else None

    def logs(self, cid: str, tail: int | None = None) -> str:
        p = self._tool("logs", *(["--tail", str(tail)] if tail else []), cid)
        return (p.stdout + p.stderr).strip()

    def remove(self, cid: str) -> None:
        self._tool("rm", "-f", "-v", "-t", "0", cid)

    def run_joined(self, image: str, target: str, argv: Sequence[str], interactive: bool,
                   ipc: bool = True) -> int:
        name = new_container_name()
        args = [*self.base, "run", "--pull=never", *self.ulimits,
                *joined_run_flags(name, target, interactive, ipc)]
        try:
            return subprocess.run([*args, image, *argv]).returncode
        finally:
            self._tool("rm", "-f", "-v", "-t", "0", name)

    def leftovers(self) -> list[tuple[str, str]]:
        p = self._tool("ps", "-a", "--no-trunc", "--filter", f"label={LABEL}",
                       "--format", f'{{{{.ID}}}} {{{{index .Labels "{LABEL}"}}}}')
        if p.returncode != 0:
            return []
        return [(parts[0], parts[1] if len(parts) > 1 else "")
                for parts in (line.split() for line in p.stdout.splitlines()) if parts]

    # -- images ---------------------------------------------------------------

    def image(self, ref: str) -> ImageInfo:
        attrs = self._inspect("image", ref)
        if attrs is None:
            raise ImageError(f"image {ref!r} not found in podman "
                             "(no registry is used: build or load it first)")
        return ImageInfo(ref=ref, id="sha256:" + str(attrs["Id"]).removeprefix("sha256:"),
                         size=int(attrs.get("Size") or 0),
                         created=rfc3339_epoch(str(attrs["Created"])),
                         architecture=str(attrs.get("Architecture") or "amd64"),
                         config=dict(attrs.get("Config") or {}))

    def has_image(self, ref: str) -> bool:
        return self._tool("image", "exists", ref).returncode == 0

    @contextmanager
    def _mounted(self, ref: str) -> Iterator[Path]:
        """`podman image mount`: read-only, counted by podman (two runs can
        hold the same image), undone with `podman image unmount`."""
        p = self._tool("image", "mount", ref)
        if p.returncode != 0:
            raise MountUnavailable(f"podman image mount: {first_line(p.stderr)}")
        try:
            yield Path(p.stdout.strip().splitlines()[-1])
        finally:
            self._tool("image", "unmount", ref)

    @contextmanager
    def _exported(self, ref: str) -> Iterator[Path]:
        name = new_container_name()
        with tempfile.TemporaryDirectory(prefix="micropack-src-") as tmp:
            p = self._tool("create", "--pull=never", "--name", name, "--label",
                           f"{LABEL}={owner_tag()}", "--network=none", ref, "/nonexistent-micropack")
            if p.returncode != 0:
                raise ImageError(f"podman create {ref} failed: {last_line(p.stderr)}")
            try:
                with subprocess.Popen([*self.base, "export", name], stdout=subprocess.PIPE) as exp:
                    extract_tar(exp.stdout, Path(tmp))
                if exp.returncode != 0:
                    raise ImageError(f"podman export of {ref} failed")
            finally:
                self._tool("rm", "-f", name)
            yield Path(tmp)

    def load(self, archive: Path) -> None:
        p = self._tool("load", "-i", str(archive))
        if p.returncode != 0:
            raise ImageError(f"podman load failed: {last_line(p.stderr)}")

    def import_rootfs(self, tarball: Path, tag: str, cmd: Sequence[str]) -> None:
        p = self._tool("import", "--change", f"CMD {json.dumps(list(cmd))}", str(tarball), tag)
        if p.returncode != 0:
            raise ImageError(f"podman import of {tarball.name} failed: {last_line(p.stderr)}")

    def remove_image(self, ref: str) -> None:
        self._tool("rmi", "-f", ref)

    def push(self, ref: str) -> None:
        tls = ["--tls-verify=false"] if loopback_registry(ref) else []
        p = self._tool("push", *tls, ref)
        if p.returncode != 0:
            raise ImageError(f"podman push {ref} failed: {last_line(p.stderr)}")

