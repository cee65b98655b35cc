"""Docker: the SDK for what it reads (containers, images, export, load) and
the docker command line for what runs, so a user's `run` options keep the
exact meaning `docker run` gives them."""
from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from micropack.archive import extract_tar
from micropack.errors import ImageError, TargetError, UsageError, first_line, last_line
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
    new_container_name,
    output_text,
    owner_tag,
    run_tool,
)
from micropack.runtimes.mounts import MountUnavailable, overlay


def rfc3339_epoch(stamp: str) -> int:
    """Docker's RFC 3339 times (nanoseconds, Z) as Unix time."""
    clean = re.sub(r"\.\d+", "", stamp).replace("Z", "+00:00")
    return int(datetime.fromisoformat(clean).timestamp())


def run_args(opts: RunOptions) -> list[str]:
    """`docker run` options for the user's RunOptions (podman takes the same)."""
    args = []
    if opts.network:
        args.append(f"--network={opts.network}")
    for e in opts.env:
        args += ["-e", e]
    for v in opts.volumes:
        args += ["-v", v]
    if opts.user:
        args += ["-u", opts.user]
    for p in opts.publish:
        args += ["-p", p]
    if opts.workdir:
        args += ["-w", opts.workdir]
    if opts.entrypoint is not None:
        args.append(f"--entrypoint={opts.entrypoint}")
    return args


class DockerEngine(Engine):
    name = "docker"
    command = "docker"

    def __init__(self) -> None:
        self._client: Any = None

    @classmethod
    def missing(cls) -> list[str]:
        problems = []
        if shutil.which(cls.command) is None:
            problems.append("the docker command (apt install docker.io)")
        try:
            import docker  # noqa: F401  (the SDK)
        except ImportError:
            problems.append("the docker Python SDK (pip install docker)")
        return problems

    def answers(self) -> bool:
        try:
            self.client()
        except TargetError:
            return False
        return True

    def client(self) -> Any:
        if self._client is None:
            try:
                import docker  # the SDK
                client = docker.from_env()
                client.ping()
            except Exception as exc:  # docker raises several unrelated types here
                raise TargetError("cannot reach the docker daemon",
                                  "start it (dockerd) or run scripts/setup-host.sh") from exc
            self._client = client
        return self._client

    # -- containers -----------------------------------------------------------

    def _get(self, ref: str) -> Any:
        """The SDK's container ref names, None when docker has none; a ref
        docker cannot tell (a prefix of two ids) is an error that says so."""
        import docker.errors
        try:
            return self.client().containers.get(ref)
        except docker.errors.NotFound:
            return None
        except docker.errors.APIError as exc:
            raise TargetError(f"container {ref!r}: {exc.explanation}") from exc

    def _attrs(self, ref: str) -> dict[str, Any]:
        found = self._get(ref)
        if found is None:
            raise TargetError(f"container {ref!r} not found")
        return dict(found.attrs)

    def container(self, ref: str) -> ContainerInfo:
        attrs = self._attrs(ref)
        state = attrs.get("State", {})
        running = bool(state.get("Running"))
        return ContainerInfo(id=attrs["Id"], name=attrs["Name"].lstrip("/"), running=running,
                             status=str(state.get("Status")),
                             pid=int(state["Pid"]) if running and state.get("Pid") else None,
                             env=env_dict(attrs.get("Config", {}).get("Env")),
                             image=str(attrs.get("Image", "")),
                             image_id=str(attrs.get("Image", "")),
                             ipc_mode=str((attrs.get("HostConfig") or {}).get("IpcMode") or ""))

    def has_container(self, ref: str) -> bool:
        """Whether docker has it (an ambiguous ref is an error, _get: not
        "no runtime has it")."""
        return self._get(ref) is not None

    def run(self, image: str, opts: RunOptions, *, cgroup_parent: str | None = None,
            seccomp: str | None = None) -> str:
        args = [self.command, "run", "-d", "--name", new_container_name(),
                "--label", f"{LABEL}={owner_tag()}", *run_args(opts)]
        if cgroup_parent:
            args.append(f"--cgroup-parent={cgroup_parent}")
        if seccomp:
            args.append(f"--security-opt=seccomp={seccomp}")
        args.append(image)
        args += opts.cmd or []
        p = run_tool(args)
        if p.returncode != 0:
            # `run` can fail after creating the container (an unknown network)
            name = args[args.index("--name") + 1]
            run_tool([self.command, "rm", "-f", name])
            raise ImageError(f"{self.command} run {image} failed: {first_line(p.stderr)}")
        return p.stdout.strip()

    def check_run(self, opts: RunOptions) -> None:
        net = opts.network
        if not net or net in ("host", "none", "bridge", "default") or net.startswith("container:"):
            return
        p = run_tool([self.command, "network", "inspect", "--format", "{{.Name}}", net])
        if p.returncode != 0:
            raise UsageError(f"--network {net}: no such network ({self.command} network ls lists them)")

    def exec(self, cid: str, argv: Sequence[str], timeout: float) -> ExecResult:
        try:
            p = run_tool([self.command, "exec", cid, *argv], timeout=timeout, limit=OUTPUT_LIMIT)
        except subprocess.TimeoutExpired as exc:
            return ExecResult(124, output_text(exc.stdout), output_text(exc.stderr), timed_out=True)
        return ExecResult(p.returncode, p.stdout, p.stderr)

    def running(self, cid: str) -> bool:
        p = run_tool([self.command, "inspect", "-f", "{{.State.Running}}", cid])
        return p.returncode == 0 and p.stdout.strip() == "true"

    def wait(self, cid: str, timeout: float) -> int | None:
        try:
            p = run_tool([self.command, "wait", cid], timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
        out = p.stdout.strip()
        return int(out) if p.returncode == 0 and out.lstrip("-").isdigit() else None

    def logs(self, cid: str, tail: int | None = None) -> str:
        p = run_tool([self.command, "logs", *(["--tail", str(tail)] if tail else []), cid])
        return (p.stdout + p.stderr).strip()

    def remove(self, cid: str) -> None:
        run_tool([self.command, "rm", "-f", "-v", cid])

    def run_joined(self, image: str, target: str, argv: Sequence[str], interactive: bool,
                   ipc: bool = True) -> int:
        name = new_container_name()
        args = [self.command, "run", *joined_run_flags(name, target, interactive, ipc)]
        try:
            # no stdin redirect or capture: the user's terminal is the container's
            return subprocess.run([*args, image, *argv]).returncode
        finally:
            # --rm removes it on a normal end; a signal to micropack must not leave it
            run_tool([self.command, "rm", "-f", "-v", name])

    def leftovers(self) -> list[tuple[str, str]]:
        p = run_tool([self.command, "ps", "-a", "--no-trunc", "--filter", f"label={LABEL}",
                      "--format", f'{{{{.ID}}}} {{{{.Label "{LABEL}"}}}}'])
        if p.returncode != 0:
            return []
        return [(parts[0], parts[1] if len(parts) > 1 else "")
                for parts in (line.split() for line in p.stdout.splitlines()) if parts]

    # -- images ---------------------------------------------------------------

    def _image(self, ref: str) -> Any:
        import docker.errors
        try:
            return self.client().images.get(ref)
        except docker.errors.ImageNotFound as exc:
            raise ImageError(f"image {ref!r} not found "
                             "(no registry is used: build or load it first)") from exc
        except docker.errors.APIError as exc:
            raise ImageError(f"image {ref!r}: {exc.explanation}") from exc

    def image(self, ref: str) -> ImageInfo:
        attrs = self._image(ref).attrs
        return ImageInfo(ref=ref, id=str(attrs["Id"]), size=int(attrs.get("Size") or 0),
                         created=rfc3339_epoch(str(attrs["Created"])),
                         architecture=str(attrs.get("Architecture") or "amd64"),
                         config=dict(attrs.get("Config") or {}))

    def has_image(self, ref: str) -> bool:
        try:
            self._image(ref)
        except ImageError:
            return False
        return True

    def _mounted(self, ref: str) -> AbstractContextManager[Path]:
        """The image's overlay2 layer directories (GraphDriver.Data:
        UpperDir is its top layer, LowerDir the ones below, top first) as
        one read-only overlay with no upper directory."""
        data = self._image(ref).attrs.get("GraphDriver") or {}
        if data.get("Name") != "overlay2":
            raise MountUnavailable(f"storage driver {data.get('Name')!r} is not overlay2")
        dirs = data.get("Data") or {}
        layers = [dirs.get("UpperDir") or "", *(dirs.get("LowerDir") or "").split(":")]
        return overlay([Path(d) for d in layers if d])

    @contextmanager
    def _exported(self, ref: str) -> Iterator[Path]:
        """The export of a created, never started container, unpacked with
        owners, modes and xattrs."""
        image = self._image(ref)
        with tempfile.TemporaryDirectory(prefix="micropack-src-") as tmp:
            # named first, removed by name: an interruption while `create`
            # waits for its answer must not leave the container behind
            name = new_container_name()
            try:
                container = self.client().containers.create(
                    image.id, command=["/nonexistent-micropack"], entrypoint=[], network_disabled=True,
                    name=name, labels={LABEL: owner_tag()})
                with tempfile.TemporaryFile(prefix="micropack-export-") as tar:
                    for chunk in container.export():
                        tar.write(chunk)
                    tar.seek(0)
                    extract_tar(tar, Path(tmp))
            finally:
                self.remove(name)
            yield Path(tmp)

    def load(self, archive: Path) -> None:
        with open(archive, "rb") as fh:
            try:
                self.client().images.load(fh)
            except Exception as exc:   # the SDK raises APIError and others
                raise ImageError(f"docker load failed: {exc}") from exc

    def import_rootfs(self, tarball: Path, tag: str, cmd: Sequence[str]) -> None:
        cmd_json = "[" + ",".join(f'"{c}"' for c in cmd) + "]"
        p = run_tool([self.command, "import", "--change", f"CMD {cmd_json}", str(tarball), tag])
        if p.returncode != 0:
            raise ImageError(f"docker import of {tarball.name} failed: {first_line(p.stderr)}")

    def remove_image(self, ref: str) -> None:
        run_tool([self.command, "rmi", "-f", ref])

    def push(self, ref: str) -> None:
        # dockerd itself talks plain HTTP to registries on 127.0.0.0/8
        p = run_tool([self.command, "push", ref])
        if p.returncode != 0:
            raise ImageError(f"docker push {ref} failed: {last_line(p.stderr or p.stdout)}")

