"""Where the packer reads files from: a running container or any process
(through /proc/PID/root, nothing copied into it), an image (a read-only
mount of its layers where its runtime allows one), a directory or an export
tar. Each gives a RootFS and the environment its programs run with.

A root is never resolved on the host: /proc/PID/root is a magic link that
the kernel follows to that process's root, while resolving it as a path
(realpath) gives "/", the host's root, as it is seen by micropack."""
from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from micropack.archive import extract_tar
from micropack.errors import PackError, UsageError
from micropack.rootfs import RootFS
from micropack.runtimes.base import ACCESS, Engine
from micropack.runtimes.mounts import MountUnavailable, container_mounts


@dataclass
class Source:
    fs: RootFS
    label: str
    env: dict[str, str] = field(default_factory=dict)
    # Newer mtimes are lowered to this: docker's init layer touches /etc and
    # friends at each `docker create`, which must not change the packed bytes.
    clamp_mtime: int | None = None
    # An image's size as its runtime counts it: the one figure for the
    # original everywhere (pack's line, minify's), and no walk of the whole
    # image is needed for it.
    size: int | None = None
    # Paths (with all below them) never to pack, and why: a container's
    # mount points that hold something that is not its image's (a bind of a
    # host file, a volume, a tmpfs) where its image has nothing.
    left_out: dict[str, str] = field(default_factory=dict)
    # Mount points of a process's root read as it is (--pid, --rootfs
    # /proc/PID/root of a process in another mount namespace): what is
    # packed from under them is said in a warning.
    mounted: list[str] = field(default_factory=list)
    # An image's files (an image, a container's, an image's tar, a directory
    # or a process's root that is not this machine's own root): only then
    # is a file of /etc no package installed the image's own (expand's
    # _etc_own_files), outside left_out and mounted; never the host's
    # /etc/shadow, unread, from `--rootfs /` or a host process's root
    of_image: bool = False


@contextmanager
def open_source(engine: Engine | None = None, container: str | None = None,
                image: str | None = None, rootfs: str | None = None,
                tar: str | None = None, pid: int | None = None) -> Iterator[Source]:
    given = [x for x in (container, image, rootfs, tar, pid) if x]
    if len(given) != 1:
        raise UsageError("name exactly one source: --container, --pid, --image, --rootfs or --tar")
    if pid:
        yield process_source(pid)
        return
    if rootfs:
        if not os.path.isdir(rootfs):
            raise PackError(f"source directory {rootfs} does not exist or is not a directory")
        if not os.access(rootfs, os.R_OK | os.X_OK):
            raise PackError(f"source directory {rootfs} is not readable")
        # absolute, but never resolved: /proc/PID/root must stay the magic
        # link to that process's root, not become the host's "/"
        absolute = os.path.abspath(rootfs)
        of_process = re.fullmatch(r"/proc/(\d+)/root", absolute)
        yield Source(RootFS(Path(absolute)), f"directory {rootfs}",
                     mounted=mounted_into(int(of_process[1])) if of_process else [],
                     of_image=not_the_hosts(absolute))
        return
    if tar:
        with tempfile.TemporaryDirectory(prefix="micropack-src-") as tmp:
            try:
                with open(tar, "rb") as fh:
                    extract_tar(fh, Path(tmp))
            except OSError as exc:
                raise PackError(f"cannot read {tar}: {exc.strerror}") from exc
            yield Source(RootFS(Path(tmp)), f"tar {tar}", of_image=True)
        return
    assert engine is not None, "a container or image source needs a runtime"
    if container:
        info = engine.container(container)
        if not info.running or info.pid is None:
            raise PackError(f"container {container!r} is not running: use --image to pack from its image")
        # not /proc/PID/root: that has every mount made into the container
        # (the runtime's /etc/hosts, binds, volumes: the host's files)
        with engine.container_root(info) as view:
            yield Source(RootFS(view.root), f"container {container}", info.env,
                         left_out=view.left_out, of_image=True)
        return
    assert image is not None
    facts = engine.image(image)
    # MICROPACK_IMAGE_ACCESS=export reads the image the old way (an export
    # unpacked to disk), e.g. to compare, or where a mount misbehaves
    access = os.environ.get("MICROPACK_IMAGE_ACCESS", "auto")
    if access not in ACCESS:
        raise UsageError(f"MICROPACK_IMAGE_ACCESS={access}: use one of {', '.join(ACCESS)}")
    with engine.image_root(image, access=access) as root:
        yield Source(RootFS(root), f"image {image}", facts.env, facts.created, facts.size, of_image=True)


def process_source(pid: int) -> Source:
    """The root of any process, of any runtime or none: /proc/PID/root,
    with the process's own environment (PATH, LD_LIBRARY_PATH) for the closure."""
    root = Path(f"/proc/{pid}/root")
    try:
        os.stat(root)
        environ = Path(f"/proc/{pid}/environ").read_bytes()
    except FileNotFoundError as exc:
        raise PackError(f"no process with pid {pid}") from exc
    except PermissionError as exc:
        raise PackError(f"cannot read the root of pid {pid}: run micropack as root") from exc
    env = {}
    for item in environ.split(b"\0"):
        key, eq, value = item.decode("utf-8", "surrogateescape").partition("=")
        if eq:
            env[key] = value
    return Source(RootFS(root), f"pid {pid}", env, mounted=mounted_into(pid),
                  of_image=not_the_hosts(str(root)))


def not_the_hosts(root: str) -> bool:
    """Whether the directory root (followed: /proc/PID/root is a process's
    root) is another than this machine's own root."""
    try:
        here, there = os.stat("/"), os.stat(root)
    except OSError:
        return False
    return (here.st_dev, here.st_ino) != (there.st_dev, there.st_ino)


def mounted_into(pid: int) -> list[str]:
    """The mount points of a process in another mount namespace (a
    container's: the runtime's /etc/hosts, binds, volumes, tmpfs), but
    /proc, /sys and /dev; none for one in micropack's own namespace (a
    host process's root is the host's, mounts and all, by design)."""
    try:
        if os.readlink(f"/proc/{pid}/ns/mnt") == os.readlink("/proc/self/ns/mnt"):
            return []
        return container_mounts(pid)[1]
    except (OSError, MountUnavailable):
        return []
