"""The facts micropack needs from a container runtime, behind one interface.

Only the modules in this package talk to a runtime (its SDK or its command
line); everything else asks an Engine. Docker, podman and containerd differ
in how they name containers, where they put their cgroups, and how an image's
files can be read; the interface is what they have in common."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from micropack.errors import ImageError, PackError, check_interrupted
from micropack.runtimes.mounts import ContainerView, MountUnavailable, container_mounts, container_view

# Every container micropack starts carries these labels, so a later run (or
# `micropack cleanup`) can tell what a killed run left behind and whose it was.
LABEL = "io.micropack.run"            # value: "<pid>@<boot id>" of the micropack process
NAME_PREFIX = "micropack-run-"


def owner_tag() -> str:
    """This process, in a form that stays unique across reboots."""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        boot = "unknown"
    return f"{os.getpid()}@{boot}"


class NoContainerImage(Exception):
    """The files of a container's own image cannot be read (why, in words
    that follow "not part of its image"): what it has under the container's
    mount points is left out."""


@dataclass(frozen=True)
class ContainerInfo:
    id: str
    name: str
    running: bool
    status: str
    pid: int | None                      # host pid of its first process, when running
    env: dict[str, str] = field(default_factory=dict)
    image: str = ""                      # what the runtime calls its image (a name or an id)
    # The id of the very image it was created from, where the runtime keeps
    # one (docker's and podman's Image): unlike a name, which may have been
    # moved to another image since, it always names the container's files.
    image_id: str = ""
    ipc_mode: str = ""                   # the runtime's IPC mode ("private", "shareable", ...)
    # Its cgroup v2 directory below the v2 root, as the runtime placed it
    # ("/libpod_parent/libpod-<id>", "/<namespace>/<id>"), when the runtime
    # says; None makes micropack take the cgroup of pid instead.
    cgroup: str | None = None


@dataclass(frozen=True)
class ImageInfo:
    ref: str
    id: str
    size: int                            # bytes, as the runtime counts them
    created: int                         # Unix time
    architecture: str
    config: dict[str, Any]               # Env, Entrypoint, Cmd, User, WorkingDir, ...

    @property
    def env(self) -> dict[str, str]:
        return env_dict(self.config.get("Env"))


@dataclass
class RunOptions:
    """The `run` options a user gives minify: used for every run (original,
    traced, verification), and carried into the new image where they are
    image config."""

    network: str | None = None
    env: list[str] = field(default_factory=list)
    volumes: list[str] = field(default_factory=list)
    user: str | None = None
    publish: list[str] = field(default_factory=list)
    entrypoint: str | None = None
    cmd: list[str] | None = None
    workdir: str | None = None

    def bind_sources(self) -> tuple[str, ...]:
        """The host's paths the runs bind-mount (`-v /host/path:/in/container`),
        as given and resolved: not the image's (a named volume is the
        runtime's storage)."""
        out: list[str] = []
        for spec in self.volumes:
            source = spec.split(":", 1)[0]
            if source.startswith("/"):
                out += [source, os.path.realpath(source)]
        return tuple(dict.fromkeys(out))

    def image_overrides(self, original_env: list[str] | None = None) -> dict[str, Any]:
        """What was verified becomes the minified image's default: the
        command (the original's may not even be in it), the user, the
        environment (-e NAME=VALUE applied to the original's Env) and the
        working directory. `-e NAME` alone passes micropack's own value to
        the runs, as `docker run -e NAME` does, and never into the image:
        a value of this host's must not be baked into an image."""
        out: dict[str, Any] = {}
        if self.entrypoint is not None:
            out["Entrypoint"] = [self.entrypoint] if self.entrypoint else None
            out["Cmd"] = None
        if self.cmd is not None:
            out["Cmd"] = self.cmd
        if self.user:
            out["User"] = self.user
        if self.workdir:
            out["WorkingDir"] = self.workdir
        given = [item for item in self.env if "=" in item]
        if given:
            merged = env_dict(original_env)
            for item in given:
                key, _, value = item.partition("=")
                merged[key] = value
            out["Env"] = [f"{k}={v}" for k, v in merged.items()]
        return out


@dataclass(frozen=True)
class ExecResult:
    status: int
    stdout: str
    stderr: str
    timed_out: bool = False


def env_dict(env_list: list[str] | None) -> dict[str, str]:
    out = {}
    for item in env_list or []:
        key, _, value = item.partition("=")
        out[key] = value
    return out


def split_ref(ref: str) -> tuple[str, str, str]:
    """(domain, path, tag or @digest) of an image reference, by docker's
    rules: a first component with a dot or colon, or "localhost", is a
    registry, else docker.io (with library/ for one-component names); no tag
    means latest."""
    name, at, digest = ref.partition("@")
    tag = ""
    slash = name.rfind("/")
    colon = name.rfind(":")
    if colon > slash:
        name, tag = name[:colon], name[colon + 1:]
    first, sep, rest = name.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost"):
        domain, path = first, rest
    else:
        domain, path = "docker.io", name
        if "/" not in path:
            path = "library/" + path
    if at:
        return domain, path, "@" + digest
    return domain, path, tag or "latest"


def normalize_ref(ref: str) -> str:
    """The full name containerd stores an image under (docker.io/library/x:latest)."""
    domain, path, tag = split_ref(ref)
    return f"{domain}/{path}{tag if tag.startswith('@') else ':' + tag}"


def ref_tag(ref: str) -> str:
    """The tag of a reference ("latest" when it has none)."""
    return split_ref(ref)[2].lstrip("@")


def loopback_registry(ref: str) -> bool:
    """Whether ref names a registry on this host's loopback, which docker
    talks to over plain HTTP without being told; micropack does the same
    for podman and containerd."""
    domain = split_ref(ref)[0]
    host = domain.rsplit(":", 1)[0] if domain.count(":") == 1 else domain
    return host in ("localhost", "127.0.0.1", "[::1]") or host.startswith("127.")


def output_text(data: bytes | str | None) -> str:
    """What a timed-out subprocess had printed (bytes or text, or nothing)."""
    if data is None:
        return ""
    return data.decode("utf-8", "replace") if isinstance(data, bytes) else data


# What is kept of a command's output when it is bounded (run_tool's
# limit): an image's health check `cat /dev/zero` took micropack to 3 GB in
# 34 s, the whole output held to compare
OUTPUT_LIMIT = 4 << 20


def run_tool(argv: Sequence[str], timeout: float | None = None,
             stdin: Any = None, limit: int | None = None) -> subprocess.CompletedProcess[str]:
    """A runtime's command line; a missing tool is one clear error. With
    limit, each of its outputs is kept to its first limit bytes (the rest
    is read and dropped: the command is not stopped for it)."""
    try:
        if limit is not None:
            done = _run_bounded(list(argv), timeout, limit)
        else:
            # (what a container prints is any bytes: a probe that printed one
            # byte not UTF-8 was "UnicodeDecodeError, a bug in micropack")
            done = subprocess.run(list(argv), capture_output=True, text=True, errors="replace",
                                  timeout=timeout, stdin=stdin)
    except FileNotFoundError as exc:
        raise ImageError(f"{argv[0]} is not installed") from exc
    check_interrupted()     # a signal that landed during the fork is handled where Python swallows it
    return done


def _run_bounded(argv: list[str], timeout: float | None, limit: int) -> subprocess.CompletedProcess[str]:
    """argv, its outputs kept to limit bytes each; killed at timeout
    (subprocess.TimeoutExpired, with what it had printed)."""
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    kept: dict[int, bytearray] = {1: bytearray(), 2: bytearray()}

    def drain(stream: Any, into: bytearray) -> None:
        while chunk := os.read(stream.fileno(), 65536):     # (as it comes: a timeout keeps what came)
            if len(into) < limit:
                into += chunk[:limit - len(into)]

    readers = [threading.Thread(target=drain, args=(stream, kept[n]), daemon=True)
               for n, stream in ((1, proc.stdout), (2, proc.stderr))]
    for reader in readers:
        reader.start()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        for reader in readers:
            reader.join(1.0)
        raise subprocess.TimeoutExpired(argv, timeout or 0, bytes(kept[1]), bytes(kept[2])) from None
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    for reader in readers:
        reader.join()
    return subprocess.CompletedProcess(argv, proc.returncode, kept[1].decode("utf-8", "replace"),
                                       kept[2].decode("utf-8", "replace"))


# How image_root reads an image: "auto" mounts where it can and exports
# where it cannot; "mount" and "export" force one (the benchmark compares them).
ACCESS = ("auto", "mount", "export")


class Engine(ABC):
    """One container runtime."""

    name: str = ""
    # How the last image_root read its image: "mount" or "export".
    image_access: str = ""

    @classmethod
    @abstractmethod
    def missing(cls) -> list[str]:
        """What this host lacks to use the runtime (empty when usable)."""

    def answers(self) -> bool:
        """Whether the runtime can be asked now (its daemon is up); used by
        --runtime auto to pass over runtimes that are installed but idle."""
        return True

    # -- containers -----------------------------------------------------------

    @abstractmethod
    def container(self, ref: str) -> ContainerInfo:
        """A container by id, short id or name (TargetError when unknown)."""

    @abstractmethod
    def has_container(self, ref: str) -> bool:
        """Whether the runtime knows a container by that id or name."""

    @abstractmethod
    def run(self, image: str, opts: RunOptions, *, cgroup_parent: str | None = None,
            seccomp: str | None = None) -> str:
        """Start a container of image in the background, labelled as
        micropack's; returns its id. cgroup_parent is a cgroup micropack made
        (a path below the v2 root, such as /micropack-1234abcd): the runtime
        puts the container's cgroup below it, so it is traced from its first
        exec. seccomp is 'unconfined' or a profile's path."""

    def check_run(self, opts: RunOptions) -> None:
        """Cheap checks of run options, made before any long work (does the
        network exist?); ImageError/UsageError saying what is wrong. None by
        default."""
        return None

    @abstractmethod
    def exec(self, cid: str, argv: Sequence[str], timeout: float) -> ExecResult:
        """Run argv inside a running container."""

    @abstractmethod
    def running(self, cid: str) -> bool: ...

    @abstractmethod
    def wait(self, cid: str, timeout: float) -> int | None:
        """The container's exit status, or None if it still runs after timeout."""

    @abstractmethod
    def logs(self, cid: str, tail: int | None = None) -> str:
        """What the container printed (stdout, then stderr); with tail,
        only its last lines (a server that logged for an hour)."""

    @abstractmethod
    def remove(self, cid: str) -> None:
        """Stop and remove a container; no error if it is already gone."""

    @abstractmethod
    def run_joined(self, image: str, target: str, argv: Sequence[str], interactive: bool,
                   ipc: bool = True) -> int:
        """Run a throwaway container of image in the pid, network and (when
        ipc) IPC namespaces of the running container target, with this
        process's stdin when interactive (and this terminal when there is
        one), removed when it ends or is interrupted; its status."""

    @abstractmethod
    def leftovers(self) -> list[tuple[str, str]]:
        """(id, owner) of every container a micropack run labelled as its
        own; owner is the LABEL's value, "<pid>@<boot id>"."""

    def leftover_views(self) -> list[tuple[str, int, str]]:
        """(key, owner pid, owner boot) of every image view a micropack run
        left in the runtime's own store (containerd keeps the snapshot a
        mount made until it is removed); most runtimes keep none."""
        return []

    def remove_view(self, key: str) -> None:
        """Remove a view leftover_views named."""
        raise NotImplementedError(f"{self.name} keeps no image views")

    # -- images ---------------------------------------------------------------

    @abstractmethod
    def image(self, ref: str) -> ImageInfo:
        """An image's facts (ImageError when it is unknown)."""

    @abstractmethod
    def has_image(self, ref: str) -> bool: ...

    # Whether an image can be exported when it cannot be mounted.
    can_export: bool = True

    @contextmanager
    def image_root(self, ref: str, access: str = "auto") -> Iterator[Path]:
        """A read-only view of an image's filesystem for the time of the
        `with` block: a mount of its layers where the runtime allows one
        (nothing copied: the cost is what is read), else an export unpacked
        into a temporary directory. Sets image_access to what was done."""
        self.image(ref)                  # one clear error when it is missing
        with ExitStack() as stack:
            root = None
            if access != "export":
                try:
                    root = stack.enter_context(self._mounted(ref))
                    self.image_access = "mount"
                except MountUnavailable as exc:
                    if access == "mount" or not self.can_export:
                        raise ImageError(f"cannot mount image {ref!r}: {exc}") from exc
            if root is None:
                if not self.can_export:
                    raise ImageError(f"{self.name} images are read through a mount only")
                root = stack.enter_context(self._exported(ref))
                self.image_access = "export"
            yield root

    @contextmanager
    def container_root(self, info: ContainerInfo) -> Iterator[ContainerView]:
        """A running container's files as its image and its own writes make
        them, without anything mounted into it (the runtime's /etc/hosts,
        /etc/resolv.conf and /etc/hostname, binds, volumes, tmpfs: the
        host's files, or data that is not the container's): its root mount
        alone, with the image's own files where such a mount was, and the
        mount points the image has nothing for in left_out. The same for
        every runtime: the mounts are the container's /proc/PID/mountinfo,
        its root mount is found among the host's by device, and the image is
        read through image_root (a mount: an export could not be bound).
        PackError, never a leak, where this cannot be done."""
        if info.pid is None:
            raise PackError(f"container {info.name!r} is not running")
        image = info.image_id or info.image
        ask = f"pack --image {image} instead" if image else "pack from its image instead"
        try:
            _, points = container_mounts(info.pid)
        except MountUnavailable as exc:
            raise PackError(f"cannot read the mounts of container {info.name!r}: {exc}; {ask}") from exc
        with ExitStack() as stack:
            image_root, no_image = None, ""
            if points:
                try:
                    image_root = stack.enter_context(self.container_image_root(info))
                except NoContainerImage as exc:
                    no_image = str(exc)
            try:
                view = stack.enter_context(container_view(info.pid, image_root, no_image))
            except MountUnavailable as exc:
                raise PackError(f"cannot read container {info.name!r} without what is mounted into it "
                                f"(which must not be packed): {exc}; {ask}") from exc
            yield view

    @contextmanager
    def container_image_root(self, info: ContainerInfo) -> Iterator[Path]:
        """The files of the very image the container was created from,
        mounted (image_root with access="mount"), for what it has under the
        container's mount points; NoContainerImage saying why when they
        cannot be had. Read by the image's id: a name may have been moved to
        another image since the container started, whose files must never
        stand in for the container's. A runtime that keeps no id overrides
        this with a check of its own, or leaves it at NoContainerImage."""
        if not info.image_id:
            raise NoContainerImage(f"{self.name} does not say which image it is of")
        with ExitStack() as stack:
            try:
                root = stack.enter_context(self.image_root(info.image_id, access="mount"))
            except ImageError as exc:
                raise NoContainerImage(f"its image could not be mounted to read what it has there "
                                       f"({exc})") from exc
            yield root

    @abstractmethod
    def _mounted(self, ref: str) -> AbstractContextManager[Path]:
        """The image's layers mounted read-only (MountUnavailable when not)."""

    def _exported(self, ref: str) -> AbstractContextManager[Path]:
        """The image's files exported into a temporary directory."""
        raise ImageError(f"{self.name} images cannot be exported")

    @abstractmethod
    def load(self, archive: Path) -> None:
        """Load an image archive (micropack's combined docker/OCI layout)."""

    @abstractmethod
    def import_rootfs(self, tarball: Path, tag: str, cmd: Sequence[str]) -> None:
        """Make an image of one rootfs tar (for the test and demo images)."""

    @abstractmethod
    def remove_image(self, ref: str) -> None: ...

    @abstractmethod
    def push(self, ref: str) -> None:
        """Push an image the runtime has to its registry (plain HTTP for a
        registry on the loopback, as docker does, TLS anywhere else)."""


def new_container_name() -> str:
    return f"{NAME_PREFIX}{uuid.uuid4().hex[:12]}"


def joined_run_flags(name: str, target: str, interactive: bool, ipc: bool) -> list[str]:
    """The `run` flags docker and podman share for a container that joins
    target's pid and network namespaces (and its IPC namespace, where that
    is shareable), labelled so that a cleanup finds it if micropack dies.
    SYS_PTRACE: /proc/1/root, and strace of a target running as another user."""
    flags = ["--rm", "--name", name, "--label", f"{LABEL}={owner_tag()}",
             f"--pid=container:{target}", f"--network=container:{target}", "--cap-add=SYS_PTRACE"]
    if ipc:
        flags.append(f"--ipc=container:{target}")
    if interactive:
        flags.append("-i")
        if sys.stdin.isatty():
            flags.append("-t")
    return flags
