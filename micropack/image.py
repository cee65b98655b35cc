"""A new image from a packed rootfs and the original image's config: the
archive is written here, without any runtime, and handed to the runtime's
engine to load (or kept as a file)."""
from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from micropack.cleanup import uninterrupted
from micropack.errors import ImageError
from micropack.record import atomic_output
from micropack.runtimes.base import Engine, ImageInfo

# --- building ------------------------------------------------------------------

# The parts of an image's config a minified image carries over unchanged.
CARRIED_CONFIG = ("Env", "Entrypoint", "Cmd", "WorkingDir", "User", "ExposedPorts", "Volumes",
                  "Labels", "StopSignal", "Healthcheck")


def carried_config(original: dict[str, Any]) -> dict[str, Any]:
    return {k: original[k] for k in CARRIED_CONFIG if original.get(k) not in (None, "", [], {})}


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def write_image_archive(rootfs_tar: Path, config: dict[str, Any], tag: str | None,
                        dest: str | Path, architecture: str = "amd64",
                        created_at: int | None = None) -> str:
    """A `docker load`-able archive (docker-archive format) of one layer, made
    without the daemon. Deterministic: the same tar and config give the same
    image id. Returns that id."""

    diff_id = _sha256_file(rootfs_tar)
    # SOURCE_DATE_EPOCH wins; else the original's creation time: never "now"
    sde = os.environ.get("SOURCE_DATE_EPOCH", "")
    epoch = int(sde) if sde.isdigit() else (created_at or 0)
    created = datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    image_config = {
        "architecture": architecture, "os": "linux", "created": created,
        "config": config,
        "rootfs": {"type": "layers", "diff_ids": [f"sha256:{diff_id}"]},
        "history": [{"created": created, "created_by": "micropack build"}],
    }
    config_bytes = json.dumps(image_config, sort_keys=True, separators=(",", ":")).encode()
    image_id = hashlib.sha256(config_bytes).hexdigest()
    manifest = [{"Config": f"{image_id}.json", "RepoTags": [tag] if tag else [],
                 "Layers": [f"{diff_id}/layer.tar"]}]

    def add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
        info = tarfile.TarInfo(name)
        info.size, info.mode, info.mtime = len(data), 0o644, epoch
        tar.addfile(info, io.BytesIO(data))

    with atomic_output(dest, "wb") as raw, \
            tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        add_bytes(tar, f"{image_id}.json", config_bytes)
        layer = tarfile.TarInfo(f"{diff_id}/layer.tar")
        layer.size, layer.mode, layer.mtime = rootfs_tar.stat().st_size, 0o644, epoch
        with open(rootfs_tar, "rb") as fh:
            tar.addfile(layer, fh)
        add_bytes(tar, "manifest.json", json.dumps(manifest).encode())
    return f"sha256:{image_id}"


def build(engine: Engine, original: ImageInfo, rootfs_tar: Path, tag: str, oci: str | None = None,
          overrides: dict[str, Any] | None = None) -> str:
    """Image `tag` from rootfs_tar plus the original image's config (and
    overrides, such as the command minify verified), loaded into engine's
    runtime, or written to the file oci instead."""
    if not rootfs_tar.is_file():
        raise ImageError(f"{rootfs_tar} does not exist")
    config = carried_config(original.config)
    config.update(overrides or {})
    if oci:
        write_image_archive(rootfs_tar, config, tag, oci, original.architecture, original.created)
        return tag
    with tempfile.TemporaryDirectory(prefix="micropack-build-") as tmp:
        archive = Path(tmp) / "image.tar"
        write_image_archive(rootfs_tar, config, tag, archive, original.architecture, original.created)
        with uninterrupted():     # a load stopped half way may still tag the image
            engine.load(archive)
    return tag


def write_dockerfile(original: ImageInfo, rootfs_tar: Path, directory: Path) -> Path:
    """A FROM scratch Dockerfile with rootfs.tar beside it."""
    config = carried_config(original.config)
    directory.mkdir(parents=True, exist_ok=True)
    if rootfs_tar.resolve() != (directory / "rootfs.tar").resolve():
        shutil.copyfile(rootfs_tar, directory / "rootfs.tar")
    lines = ["# Written by micropack from " + original.ref, "FROM scratch", "ADD rootfs.tar /"]
    for item in config.get("Env", []):
        key, _, value = item.partition("=")
        lines.append(f"ENV {key}={json.dumps(value)}")
    if "WorkingDir" in config:
        lines.append(f"WORKDIR {config['WorkingDir']}")
    if "User" in config:
        lines.append(f"USER {config['User']}")
    for port in sorted(config.get("ExposedPorts", {})):
        lines.append(f"EXPOSE {port}")
    if config.get("Volumes"):
        lines.append(f"VOLUME {json.dumps(sorted(config['Volumes']))}")
    for key, value in sorted(config.get("Labels", {}).items()):
        lines.append(f"LABEL {json.dumps(key)}={json.dumps(value)}")
    if "StopSignal" in config:
        lines.append(f"STOPSIGNAL {config['StopSignal']}")
    hc = config.get("Healthcheck")
    if hc and hc.get("Test"):
        test = hc["Test"]
        if test[0] == "NONE":
            lines.append("HEALTHCHECK NONE")
        else:
            opts = "".join(f" --{flag}={int(hc[key]) // 1_000_000_000}s" for flag, key in
                           (("interval", "Interval"), ("timeout", "Timeout"),
                            ("start-period", "StartPeriod")) if hc.get(key))
            if hc.get("Retries"):
                opts += f" --retries={hc['Retries']}"
            cmd = json.dumps(test[1:]) if test[0] == "CMD" else " ".join(test[1:])
            lines.append(f"HEALTHCHECK{opts} CMD {cmd}")
    if "Entrypoint" in config:
        lines.append(f"ENTRYPOINT {json.dumps(config['Entrypoint'])}")
    if "Cmd" in config:
        lines.append(f"CMD {json.dumps(config['Cmd'])}")
    path = directory / "Dockerfile"
    path.write_text("\n".join(lines) + "\n")
    return path
