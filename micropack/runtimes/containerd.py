"""containerd, through `ctr` (the client that ships with it), so no gRPC
library is needed. It speaks to the socket in CONTAINERD_ADDRESS (default
/run/containerd/containerd.sock) and works in the namespace in
CONTAINERD_NAMESPACE (default "default"; Kubernetes' is k8s.io), the
variables ctr itself reads.

Facts it rests on: a container's cgroup is `/<namespace>/<id>` unless
`ctr run --cgroup` names another; `ctr images mount` mounts an image's
snapshot read-only; an image's config is a blob in the content store, named
by its manifest. ctr has no `wait` and no `logs`: a container's output goes
to a log file micropack names (--log-uri), and its exit status is what
`ctr tasks delete` reports."""
from __future__ import annotations

import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from micropack.errors import ImageError, TargetError, UsageError, first_line, last_line
from micropack.runtimes.base import (
    LABEL,
    OUTPUT_LIMIT,
    ContainerInfo,
    Engine,
    ExecResult,
    ImageInfo,
    NoContainerImage,
    RunOptions,
    env_dict,
    loopback_registry,
    new_container_name,
    normalize_ref,
    output_text,
    owner_tag,
    run_tool,
)
from micropack.runtimes.docker import rfc3339_epoch
from micropack.runtimes.mounts import VIEW_OWNER, MountUnavailable, PrivateMounts

DEFAULT_ADDRESS = "/run/containerd/containerd.sock"
DEFAULT_NAMESPACE = "default"
LOG_DIR = Path("/run/micropack/containerd-logs")
INDEX_TYPES = ("application/vnd.oci.image.index.v1+json",
               "application/vnd.docker.distribution.manifest.list.v2+json")
EXIT_STATUS = re.compile(r"exit with non-zero exit code (\d+)")
# what a line of a log is read as at most, when only its last lines are asked for
TAIL_LINE_BYTES = 1024
# containerd's own rule for a namespace name (namespaces.Validate)
NAMESPACE = re.compile(r"[A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*")
# ctr dials with gRPC's backoff and no limit: a socket nothing answers on
# held every command (20 to 70 s), then read as "not found"
CONNECT_TIMEOUT = "10s"


def short_digest(digest: str) -> str:
    return digest.removeprefix("sha256:")[:12] or "unknown"


def host_architecture() -> str:
    machine = platform.machine()
    return {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm", "i686": "386"}.get(machine, machine)


def docker_argv(config: dict[str, Any], opts: RunOptions) -> list[str] | None:
    """The process docker would start for opts on an image with config
    (ctr takes only a whole argv): --entrypoint replaces the image's
    entrypoint and drops its Cmd; a command replaces Cmd. None when the
    image's own is kept."""
    if opts.entrypoint is None and opts.cmd is None:
        return None
    if opts.entrypoint is not None:
        entry = [opts.entrypoint] if opts.entrypoint else []
        return entry + list(opts.cmd or [])
    return list(config.get("Entrypoint") or []) + list(opts.cmd or [])


class ContainerdEngine(Engine):
    name = "containerd"
    command = "ctr"

    def __init__(self) -> None:
        self.address, self.namespace = self._settings()
        self._exits: dict[str, int] = {}
        self._unreachable = ""      # what ctr said when it could not dial: said again at once

    @staticmethod
    def _settings() -> tuple[str, str]:
        """(address, namespace): ctr's own variables, or its defaults."""
        return (os.environ.get("CONTAINERD_ADDRESS") or DEFAULT_ADDRESS,
                os.environ.get("CONTAINERD_NAMESPACE") or DEFAULT_NAMESPACE)

    @classmethod
    def missing(cls) -> list[str]:
        problems = []
        if shutil.which(cls.command) is None:
            problems.append("the ctr command (apt install containerd)")
        address, namespace = cls._settings()
        if not os.path.exists(address):
            problems.append(f"a containerd socket at {address} (set CONTAINERD_ADDRESS)")
        if len(namespace) > 76 or not NAMESPACE.fullmatch(namespace):
            problems.append(f"a namespace name of letters and digits joined by '.', '_' or '-' "
                            f"(CONTAINERD_NAMESPACE is {namespace!r})")
        return problems

    @property
    def ctr(self) -> list[str]:
        return [self.command, "--address", self.address, "--connect-timeout", CONNECT_TIMEOUT,
                "--namespace", self.namespace]

    def _tool(self, *args: str, timeout: float | None = None,
              limit: int | None = None) -> subprocess.CompletedProcess[str]:
        if self._unreachable:
            raise TargetError(self._unreachable)
        done = run_tool([*self.ctr, *args], timeout=timeout, limit=limit)
        if done.returncode != 0 and done.stderr.startswith("ctr: failed to dial"):
            # (each caller read a failed command as "not found"; the run's
            # sweeps, before and after, waited for the timeout again)
            self._unreachable = (f"cannot reach containerd at {self.address} (CONTAINERD_ADDRESS): "
                                 f"{first_line(done.stderr.removeprefix('ctr: '))}")
            raise TargetError(self._unreachable)
        return done

    def answers(self) -> bool:
        try:
            return self._tool("version", timeout=10).returncode == 0
        except (subprocess.TimeoutExpired, TargetError):
            return False

    # -- containers -----------------------------------------------------------

    def _tasks(self) -> dict[str, tuple[int, str]]:
        """id -> (pid, status) of every task in the namespace."""
        p = self._tool("tasks", "ls")
        out = {}
        for line in p.stdout.splitlines()[1:]:
            parts = line.split()
            if len(parts) >= 3 and parts[1].isdigit():
                out[parts[0]] = (int(parts[1]), parts[2])
        return out

    def _info(self, ref: str) -> dict[str, Any] | None:
        p = self._tool("containers", "info", ref)
        if p.returncode != 0:
            return None
        return dict(json.loads(p.stdout))

    def container(self, ref: str) -> ContainerInfo:
        info = self._info(ref)
        if info is None:
            raise TargetError(f"container {ref!r} not found in containerd namespace {self.namespace}")
        pid, status = self._tasks().get(info["ID"], (0, "no task"))
        running = status == "RUNNING"
        spec = info.get("Spec") or {}
        cg = (spec.get("linux") or {}).get("cgroupsPath") or ""
        return ContainerInfo(id=info["ID"], name=info["ID"], running=running, status=status.lower(),
                             pid=pid if running and pid else None,
                             env=env_dict((spec.get("process") or {}).get("env")),
                             image=str(info.get("Image") or ""),
                             # "/ns/id" with cgroupfs; "slice:prefix:name" is systemd's form
                             cgroup=cg if cg.startswith("/") else None)

    def has_container(self, ref: str) -> bool:
        return self._info(ref) is not None

    def run(self, image: str, opts: RunOptions, *, cgroup_parent: str | None = None,
            seccomp: str | None = None) -> str:
        cid = new_container_name()
        ref = normalize_ref(image)
        args = ["run", "-d", "--label", f"{LABEL}={owner_tag()}", *self._run_options(opts)]
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        args.append(f"--log-uri=file://{self._log(cid)}")
        if cgroup_parent:
            args.append(f"--cgroup={cgroup_parent.rstrip('/')}/{cid}")
        if seccomp and seccomp != "unconfined":
            args += ["--seccomp", f"--seccomp-profile={seccomp}"]
        argv = docker_argv(self.image(image).config, opts)
        p = self._tool(*args, ref, cid, *(argv or []))
        if p.returncode != 0:
            self.remove(cid)
            raise ImageError(f"ctr run {image} failed: {last_line(p.stderr)}")
        return cid

    def _run_options(self, opts: RunOptions) -> list[str]:
        """`docker run` options in ctr's words; what ctr cannot do is a usage error."""
        args = []
        if opts.network == "host":
            args.append("--net-host")
        elif opts.network not in (None, "none"):
            raise UsageError(f"containerd (ctr) runs containers with --network host or none, "
                             f"not {opts.network}")
        if opts.publish:
            raise UsageError("containerd (ctr) cannot publish ports: use --network host")
        if opts.user:
            raise UsageError("containerd's ctr has no --user: the image's User is used")
        for item in opts.env:
            key, eq, _ = item.partition("=")
            if eq:
                args.append(f"--env={item}")
            elif key in os.environ:          # `-e NAME` passes micropack's own value
                args.append(f"--env={key}={os.environ[key]}")
        for vol in opts.volumes:
            parts = vol.split(":")
            if len(parts) < 2 or not parts[0].startswith("/"):
                raise UsageError(f"containerd (ctr) takes bind mounts only (/host:/path[:ro]): {vol}")
            mode = "ro" if len(parts) > 2 and "ro" in parts[2].split(",") else "rw"
            args.append(f"--mount=type=bind,src={parts[0]},dst={parts[1]},options=rbind:{mode}")
        if opts.workdir:
            args.append(f"--cwd={opts.workdir}")
        return args

    def _log(self, cid: str) -> Path:
        return LOG_DIR / f"{self.namespace}-{cid}.log"

    def exec(self, cid: str, argv: Sequence[str], timeout: float) -> ExecResult:
        exec_id = f"micropack-{uuid.uuid4().hex[:12]}"
        try:
            p = self._tool("tasks", "exec", f"--exec-id={exec_id}", cid, *argv, timeout=timeout,
                           limit=OUTPUT_LIMIT)
        except subprocess.TimeoutExpired as exc:
            self._tool("tasks", "kill", "--signal=SIGKILL", f"--exec-id={exec_id}", cid)
            return ExecResult(124, output_text(exc.stdout), output_text(exc.stderr), timed_out=True)
        return ExecResult(p.returncode, p.stdout, p.stderr)

    def running(self, cid: str) -> bool:
        return self._tasks().get(cid, (0, ""))[1] == "RUNNING"

    def wait(self, cid: str, timeout: float) -> int | None:
        """Polls the task; once it stopped, deletes it, which is where
        containerd gives its exit status."""
        deadline = time.monotonic() + timeout
        while cid not in self._exits:
            status = self._tasks().get(cid, (0, ""))[1]
            if status == "STOPPED":
                p = self._tool("tasks", "delete", cid)
                m = EXIT_STATUS.search(p.stderr)
                self._exits[cid] = int(m[1]) if m else (0 if p.returncode == 0 else 1)
                break
            if not status or time.monotonic() >= deadline:
                return None
            time.sleep(0.1)
        return self._exits[cid]

    def logs(self, cid: str, tail: int | None = None) -> str:
        try:
            with self._log(cid).open("rb") as fh:
                if tail:
                    fh.seek(max(0, fh.seek(0, os.SEEK_END) - tail * TAIL_LINE_BYTES))
                data = fh.read()
        except OSError:
            return ""
        text = data.decode(errors="replace").strip()
        return "\n".join(text.splitlines()[-tail:]) if tail else text

    def remove(self, cid: str) -> None:
        self._tool("tasks", "delete", "--force", cid)
        self._tool("containers", "delete", cid)
        self._log(cid).unlink(missing_ok=True)

    def run_joined(self, image: str, target: str, argv: Sequence[str], interactive: bool,
                   ipc: bool = True) -> int:
        """ctr run --with-ns: any namespace can be joined by its /proc path,
        so a container's IPC namespace always can."""
        pid = self.container(target).pid
        if pid is None:
            raise TargetError(f"container {target!r} is not running")
        cid = new_container_name()
        args = [*self.ctr, "run", "--rm", "--label", f"{LABEL}={owner_tag()}",
                f"--with-ns=pid:/proc/{pid}/ns/pid", f"--with-ns=network:/proc/{pid}/ns/net",
                "--cap-add=CAP_SYS_PTRACE"]
        if ipc:
            args.append(f"--with-ns=ipc:/proc/{pid}/ns/ipc")
        if interactive and sys.stdin.isatty():
            args.append("--tty")
        try:
            return subprocess.run([*args, normalize_ref(image), cid, *argv],
                                  stdin=None if interactive else subprocess.DEVNULL).returncode
        finally:
            self.remove(cid)

    def leftovers(self) -> list[tuple[str, str]]:
        p = self._tool("containers", "ls", "-q", f'labels."{LABEL}"')
        out = []
        for cid in p.stdout.split():
            info = self._info(cid)
            if info is not None:
                out.append((cid, str((info.get("Labels") or {}).get(LABEL, ""))))
        return out

    def leftover_views(self) -> list[tuple[str, int, str]]:
        """`ctr images mount` makes a snapshot view and a lease holding it,
        both named after the mount's target; a killed run leaves both (and a
        lease outlives its snapshot when only the snapshot was removed)."""
        snapshots = self._tool("snapshots", "ls").stdout.splitlines()[1:]    # under a header
        leases = self._tool("leases", "ls", "-q").stdout.splitlines()
        keys = {line.split()[0] for line in snapshots + leases if line.split()}
        out = []
        for key in sorted(keys):
            m = VIEW_OWNER.search(key)
            if m:
                out.append((key, int(m[1]), m[2]))
        return out

    def remove_view(self, key: str, snapshotter: str = "") -> None:
        """The snapshot first: once the lease is gone, containerd's garbage
        collector may take the snapshot itself at any moment. (Either may
        be gone already: no error.)"""
        chosen = [f"--snapshotter={snapshotter}"] if snapshotter else []
        self._tool("snapshots", *chosen, "rm", key)
        self._tool("leases", "rm", key)

    # -- images ---------------------------------------------------------------

    def _content(self, digest: str) -> dict[str, Any]:
        p = self._tool("content", "get", digest)
        if p.returncode != 0:
            raise ImageError(f"blob {digest} is not in containerd's content store: "
                             f"{first_line(p.stderr)}")
        return dict(json.loads(p.stdout))

    def _manifest(self, ref: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """(manifest, config) of an image for this host's platform."""
        name = normalize_ref(ref)
        p = self._tool("images", "ls", f"name=={name}")
        rows = [line.split() for line in p.stdout.splitlines()[1:] if line.split()]
        row = next((r for r in rows if r[0] == name), None)
        if row is None:
            raise ImageError(f"image {ref!r} not found in containerd namespace {self.namespace} "
                             "(no registry is used: import it first)")
        media_type, digest = row[1], row[2]
        manifest = self._content(digest)
        if media_type in INDEX_TYPES or "manifests" in manifest:
            arch = host_architecture()
            entry = next((m for m in manifest.get("manifests", [])
                          if (m.get("platform") or {}).get("architecture") == arch
                          and (m.get("platform") or {}).get("os", "linux") == "linux"), None)
            if entry is None:
                raise ImageError(f"image {ref!r} has no linux/{arch} manifest")
            manifest = self._content(entry["digest"])
        return manifest, self._content(manifest["config"]["digest"])

    def image(self, ref: str) -> ImageInfo:
        manifest, config = self._manifest(ref)
        size = sum(int(layer.get("size", 0)) for layer in manifest.get("layers", []))
        created = config.get("created")
        return ImageInfo(ref=ref, id=str(manifest["config"]["digest"]), size=size,
                         created=rfc3339_epoch(created) if created else 0,
                         architecture=str(config.get("architecture") or host_architecture()),
                         config=dict(config.get("config") or {}))

    def has_image(self, ref: str) -> bool:
        p = self._tool("images", "ls", "-q")
        return normalize_ref(ref) in p.stdout.split()

    can_export = False   # containerd has no export of a filesystem

    @contextmanager
    def _mounted(self, ref: str) -> Iterator[Path]:
        with self._mount(ref) as root:
            yield root

    @contextmanager
    def _mount(self, ref: str, snapshotter: str = "", parent: str = "") -> Iterator[Path]:
        """`ctr images mount`, run inside micropack's private mount
        namespace: the snapshot view it makes is removed on the way out
        (`unmount --rm`), and the mount itself can never outlive micropack.
        With parent, the view ctr made (named after its target) must have
        that parent, the chain of the layers mounted, else NoContainerImage."""
        with PrivateMounts() as ns:
            target = ns.path("root")
            chosen = [f"--snapshotter={snapshotter}"] if snapshotter else []
            p = ns.run([*self.ctr, "images", "mount", *chosen, normalize_ref(ref), str(target)])
            if p.returncode != 0:
                raise MountUnavailable(f"ctr images mount {ref} failed: {last_line(p.stderr)}")
            try:
                if parent:
                    mounted = self._snapshot_parent(snapshotter, str(target))
                    if mounted != parent:
                        raise NoContainerImage(
                            f"{ref} now names another image than the one the container was created "
                            f"from (layers {short_digest(mounted)}, not {short_digest(parent)}), and "
                            "containerd keeps no other name of its image")
                yield ns.view(target)
            finally:
                ns.run([*self.ctr, "images", "unmount", "--rm", str(target)])
                # (ctr 1.6's `unmount --rm` left the view and its lease
                # behind, on every successful pack --image too)
                self.remove_view(str(target), snapshotter)

    def _snapshot_parent(self, snapshotter: str, key: str) -> str:
        """The committed snapshot a snapshot was made on: for a container's
        or an image view's, the chain id of the image's layers ("" when
        containerd does not say)."""
        chosen = [f"--snapshotter={snapshotter}"] if snapshotter else []
        p = self._tool("snapshots", *chosen, "info", key)
        if p.returncode != 0:
            return ""
        try:
            return str(json.loads(p.stdout).get("Parent") or "")
        except ValueError:
            return ""

    @contextmanager
    def container_image_root(self, info: ContainerInfo) -> Iterator[Path]:
        """containerd keeps a container's image by reference alone (Image),
        a name that may have been moved to another image since the container
        was created. The container's snapshot (SnapshotKey, in its
        Snapshotter) was made on the committed chain of its image's layers:
        the reference's image is used only when the view of it that is
        mounted has that very parent (layers are content-addressed: the same
        chain is the same files). Anything else, or anything that cannot be
        confirmed, is NoContainerImage: the mount points are left out rather
        than filled from an image that may not be the container's."""
        if not info.image:
            raise NoContainerImage("containerd does not say which image it is of")
        record = self._info(info.id) or {}
        key = str(record.get("SnapshotKey") or "")
        snapshotter = str(record.get("Snapshotter") or "")
        parent = self._snapshot_parent(snapshotter, key) if key else ""
        if not parent:
            raise NoContainerImage(f"containerd does not say which layers the container was made on, "
                                   f"so {info.image} cannot be confirmed to be its image")
        with ExitStack() as stack:
            try:
                root = stack.enter_context(self._mount(info.image, snapshotter, parent))
            except (MountUnavailable, ImageError) as exc:
                raise NoContainerImage(f"its image could not be mounted to read what it has there "
                                       f"({exc})") from exc
            yield root

    def load(self, archive: Path) -> None:
        p = self._tool("images", "import", str(archive))
        if p.returncode != 0:
            raise ImageError(f"ctr images import failed: {last_line(p.stderr)}")

    def import_rootfs(self, tarball: Path, tag: str, cmd: Sequence[str]) -> None:
        """ctr imports image archives only: micropack writes one of the tar."""
        import tempfile

        from micropack import image
        with tempfile.TemporaryDirectory(prefix="micropack-import-") as tmp:
            archive = Path(tmp) / "image.tar"
            image.write_image_archive(tarball, {"Cmd": list(cmd)}, tag, archive,
                                      host_architecture(), int(time.time()))
            self.load(archive)

    def remove_image(self, ref: str) -> None:
        self._tool("images", "rm", normalize_ref(ref))

    def push(self, ref: str) -> None:
        http = ["--plain-http"] if loopback_registry(ref) else []
        p = self._tool("images", "push", *http, normalize_ref(ref))
        if p.returncode != 0:
            raise ImageError(f"ctr images push {ref} failed: {last_line(p.stderr or p.stdout)}")

