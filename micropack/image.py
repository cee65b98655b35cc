"""Images through the docker SDK: read an image's config, export its
filesystem, build a new image from a rootfs tar. With target.py, the only
module that talks to docker."""
from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from micropack.errors import ImageError
from micropack.target import docker_client


def get_image(ref: str) -> Any:
    import docker.errors
    try:
        return docker_client().images.get(ref)
    except docker.errors.ImageNotFound as exc:
        raise ImageError(f"image {ref!r} not found (no registry is used: build or load it first)") from exc


def image_config(ref: str) -> dict[str, Any]:
    return dict(get_image(ref).attrs.get("Config") or {})


def created_epoch(ref: str) -> int:
    """The image's creation time as a Unix time (docker gives RFC 3339)."""
    from datetime import datetime
    created = str(get_image(ref).attrs["Created"])
    stamp = re.sub(r"\.\d+", "", created).replace("Z", "+00:00")
    return int(datetime.fromisoformat(stamp).timestamp())


def env_dict(env_list: list[str] | None) -> dict[str, str]:
    out = {}
    for item in env_list or []:
        key, _, value = item.partition("=")
        out[key] = value
    return out


def export_rootfs(ref: str, dest: Path) -> None:
    """Unpack the filesystem of image ref into dest (a created, never
    started container's export), owners, modes and xattrs kept."""
    image = get_image(ref)
    client = docker_client()
    container = client.containers.create(image.id, command=["/nonexistent-micropack"],
                                         entrypoint=[], network_disabled=True)
    try:
        with tempfile.TemporaryFile() as tar:
            for chunk in container.export():
                tar.write(chunk)
            tar.seek(0)
            extract_tar(tar, dest)
    finally:
        container.remove(force=True)


def extract_tar(fileobj: Any, dest: Path) -> None:
    """GNU tar as root keeps owners, modes, xattrs, hard links and devices,
    and refuses members that would land outside dest."""
    proc = subprocess.run(["tar", "-x", "-p", "--numeric-owner", "--xattrs",
                           "--xattrs-include=*", "-C", str(dest), "-f", "-"],
                          stdin=fileobj, capture_output=True, text=True)
    if proc.returncode != 0:
        last = proc.stderr.strip().splitlines()[-1:] or ["unknown error"]
        raise ImageError(f"cannot unpack the export: {last[0]}")
