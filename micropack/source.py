"""Where the packer reads files from: a running container (through
/proc/PID/root, nothing copied into it), an image's export, a directory or an
export tar. Each gives a RootFS and the image's environment."""
from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from micropack.errors import PackError, UsageError
from micropack.rootfs import RootFS


@dataclass
class Source:
    fs: RootFS
    label: str
    env: dict[str, str] = field(default_factory=dict)
    # Newer mtimes are lowered to this: docker's init layer touches /etc and
    # friends at each `docker create`, which must not change the packed bytes.
    clamp_mtime: int | None = None


@contextmanager
def open_source(container: str | None = None, image: str | None = None,
                rootfs: str | None = None, tar: str | None = None) -> Iterator[Source]:
    given = [x for x in (container, image, rootfs, tar) if x]
    if len(given) != 1:
        raise UsageError("name exactly one source: --container, --image, --rootfs or --tar")
    if rootfs:
        if not os.path.isdir(rootfs):
            raise PackError(f"source directory {rootfs} does not exist or is not a directory")
        if not os.access(rootfs, os.R_OK | os.X_OK):
            raise PackError(f"source directory {rootfs} is not readable")
        yield Source(RootFS(Path(rootfs).resolve()), f"directory {rootfs}")
        return
    if container:
        from micropack import image as image_mod
        from micropack import target
        attrs = target.container_info(container)
        if not attrs.get("State", {}).get("Running"):
            raise PackError(f"container {container!r} is not running: use --image to pack from its image")
        pid = attrs["State"]["Pid"]
        env = image_mod.env_dict(attrs.get("Config", {}).get("Env"))
        yield Source(RootFS(Path(f"/proc/{pid}/root")), f"container {container}", env)
        return
    tmp = Path(tempfile.mkdtemp(prefix="micropack-src-"))
    try:
        from micropack import image as image_mod
        if image:
            image_mod.export_rootfs(image, tmp)
            env = image_mod.env_dict(image_mod.image_config(image).get("Env"))
            yield Source(RootFS(tmp), f"image {image}", env, image_mod.created_epoch(image))
        else:
            assert tar is not None
            try:
                with open(tar, "rb") as fh:
                    image_mod.extract_tar(fh, tmp)
            except OSError as exc:
                raise PackError(f"cannot read {tar}: {exc.strerror}") from exc
            yield Source(RootFS(tmp), f"tar {tar}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
