"""A new image from a packed rootfs and the original image's config: the
archive is written here, without any runtime, and handed to the runtime's
engine to load (or kept as a file)."""
from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import tarfile
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from micropack.cleanup import uninterrupted
from micropack.errors import ImageError
from micropack.record import atomic_output
from micropack.runtimes.base import Engine, ImageInfo, normalize_ref, ref_tag

# --- building ------------------------------------------------------------------

# The parts of an image's config a minified image carries over unchanged.
# Not Shell: docker 20.10 does not give a container its image's Shell, and
# runs a CMD-SHELL health check with /bin/sh -c, which is what minify probes;
# a minified image without one gets /bin/sh -c from any docker.
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


# Media types of the OCI image spec (image-spec v1.0): what index.json and the
# manifest name; docker's manifest.json names files, not types.
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar"
REF_NAME = "org.opencontainers.image.ref.name"       # the tag, as skopeo's oci:DIR:TAG reads it
CONTAINERD_NAME = "io.containerd.image.name"          # the full name, as containerd names it


@dataclass(frozen=True)
class Layout:
    """One image as content-addressed blobs: the rootfs tar as its only
    layer (uncompressed, so its digest is its diff id), the config, and the
    OCI manifest that names both. Written as an OCI layout directory, or as
    one tar holding that layout and docker's manifest.json over the same
    blobs, which docker 20.10, podman and containerd all load."""

    layer: Path
    layer_digest: str
    layer_size: int
    config: bytes
    manifest: bytes
    tags: tuple[str, ...]
    epoch: int

    @property
    def image_id(self) -> str:
        return "sha256:" + hashlib.sha256(self.config).hexdigest()

    @property
    def manifest_digest(self) -> str:
        return "sha256:" + hashlib.sha256(self.manifest).hexdigest()

    def blob_name(self, digest: str) -> str:
        return "blobs/sha256/" + digest.split(":", 1)[1]

    def index(self) -> bytes:
        """One descriptor of the manifest per name (none without a name):
        containerd names the image by its full name, skopeo finds it by tag."""
        descriptor: dict[str, Any] = {"mediaType": OCI_MANIFEST, "digest": self.manifest_digest,
                                      "size": len(self.manifest)}
        manifests = [{**descriptor, "annotations": {CONTAINERD_NAME: normalize_ref(tag),
                                                    REF_NAME: ref_tag(tag)}}
                     for tag in self.tags] or [descriptor]
        return _json({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": manifests})

    def docker_manifest(self) -> bytes:
        """docker save's manifest.json, naming the same blobs (no second copy)."""
        return json.dumps([{"Config": self.blob_name(self.image_id),
                            "RepoTags": list(self.tags),
                            "Layers": [self.blob_name(self.layer_digest)]}]).encode()

    def small_files(self, with_docker: bool) -> list[tuple[str, bytes]]:
        """Every file but the layer, in the order they are written."""
        files = [("oci-layout", _json({"imageLayoutVersion": "1.0.0"})),
                 (self.blob_name(self.image_id), self.config),
                 (self.blob_name(self.manifest_digest), self.manifest),
                 ("index.json", self.index())]
        if with_docker:
            files.append(("manifest.json", self.docker_manifest()))
        return files


# One name, several, or none.
Tags = str | Sequence[str] | None


def _json(data: Any) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":")).encode()


def layout(rootfs_tar: Path, config: dict[str, Any], tags: Tags, architecture: str = "amd64",
           created_at: int | None = None) -> Layout:
    """The blobs of an image of one layer. Deterministic: the same tar and
    config give the same image id, whatever the time of the build."""
    layer_digest = "sha256:" + _sha256_file(rootfs_tar)
    # SOURCE_DATE_EPOCH wins; else the original's creation time: never "now"
    sde = os.environ.get("SOURCE_DATE_EPOCH", "")
    epoch = int(sde) if sde.isdigit() else (created_at or 0)
    created = datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    image_config = {
        "architecture": architecture, "os": "linux", "created": created,
        "config": config,
        "rootfs": {"type": "layers", "diff_ids": [layer_digest]},
        "history": [{"created": created, "created_by": "micropack build"}],
    }
    config_bytes = _json(image_config)
    size = rootfs_tar.stat().st_size
    manifest = _json({
        "schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "config": {"mediaType": OCI_CONFIG, "digest": "sha256:" + hashlib.sha256(config_bytes).hexdigest(),
                   "size": len(config_bytes)},
        "layers": [{"mediaType": OCI_LAYER, "digest": layer_digest, "size": size}],
    })
    names = (tags,) if isinstance(tags, str) else tuple(tags or ())
    return Layout(rootfs_tar, layer_digest, size, config_bytes, manifest,
                  tuple(dict.fromkeys(t for t in names if t)), epoch)


def write_image_archive(rootfs_tar: Path, config: dict[str, Any], tag: Tags,
                        dest: str | Path, architecture: str = "amd64",
                        created_at: int | None = None) -> str:
    """One archive every runtime loads: an OCI image layout (oci-layout,
    index.json, blobs/sha256/...) plus docker's manifest.json naming the same
    blobs, so the layer is stored once. docker 20.10's `load` reads
    manifest.json (it rejects a bare OCI layout); podman and containerd read
    either. Made without any runtime, byte-identical for the same inputs.
    Returns the image id (the config's digest), the same in every runtime."""
    lay = layout(rootfs_tar, config, tag, architecture, created_at)

    def entry(name: str, size: int, directory: bool = False) -> tarfile.TarInfo:
        info = tarfile.TarInfo(name)
        info.size, info.mtime = size, lay.epoch
        info.mode = 0o755 if directory else 0o644
        if directory:
            info.type = tarfile.DIRTYPE
        return info

    with atomic_output(dest, "wb") as raw, \
            tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        tar.addfile(entry("blobs", 0, directory=True))
        tar.addfile(entry("blobs/sha256", 0, directory=True))
        with open(lay.layer, "rb") as fh:
            tar.addfile(entry(lay.blob_name(lay.layer_digest), lay.layer_size), fh)
        for name, data in lay.small_files(with_docker=True):
            tar.addfile(entry(name, len(data)), io.BytesIO(data))
    return lay.image_id


def write_oci_dir(rootfs_tar: Path, config: dict[str, Any], tag: Tags, dest: str | Path,
                  architecture: str = "amd64", created_at: int | None = None) -> str:
    """An OCI image layout directory (what skopeo's oci:DIR:TAG and umoci
    read). An existing layout is refused unless it is one micropack could have
    written (oci-layout present): its index.json is replaced, blobs are added."""
    lay = layout(rootfs_tar, config, tag, architecture, created_at)
    root = Path(dest)
    if root.exists() and any(root.iterdir()) and not (root / "oci-layout").is_file():
        raise ImageError(f"{root} exists and is not an OCI layout: name a new or empty directory")
    blobs = root / "blobs" / "sha256"
    blobs.mkdir(parents=True, exist_ok=True)
    layer_dest = root / lay.blob_name(lay.layer_digest)
    if not layer_dest.exists():
        with atomic_output(layer_dest, "wb") as out, open(lay.layer, "rb") as src:
            shutil.copyfileobj(src, out, 1 << 20)
    for name, data in lay.small_files(with_docker=False):
        with atomic_output(root / name, "wb") as out:
            out.write(data)
    return lay.image_id


def build(engine: Engine, original: ImageInfo, rootfs_tar: Path, tag: str | None,
          oci: str | None = None, overrides: dict[str, Any] | None = None,
          oci_dir: str | None = None, push: str | None = None) -> str:
    """An image from rootfs_tar plus the original image's config (and
    overrides, such as the command minify verified). Written to the archive
    oci and/or the layout directory oci_dir when given; loaded into engine's
    runtime as tag when no file is asked for, and as push when it is to be
    pushed, then pushed through the runtime. Returns the image id."""
    if not rootfs_tar.is_file():
        raise ImageError(f"{rootfs_tar} does not exist")
    config = carried_config(original.config)
    config.update(overrides or {})
    tags = [t for t in (tag, push) if t]
    args = (rootfs_tar, config, tags)
    image_id = ""
    if oci:
        image_id = write_image_archive(*args, oci, original.architecture, original.created)
    if oci_dir:
        image_id = write_oci_dir(*args, oci_dir, original.architecture, original.created)
    if push or (tag and not (oci or oci_dir)):
        with tempfile.TemporaryDirectory(prefix="micropack-build-") as tmp:
            archive = Path(tmp) / "image.tar"
            image_id = write_image_archive(*args, archive, original.architecture, original.created)
            with uninterrupted():     # a load stopped half way may still tag the image
                engine.load(archive)
    if push:
        engine.push(push)
    return image_id


def _escaped(value: str, what: str) -> str:
    """value as docker's Dockerfile lexer reads it back unchanged in the
    instructions it expands variables in (ENV, LABEL, WORKDIR, USER, EXPOSE,
    VOLUME, STOPSIGNAL): a backslash before $, " and itself; everything else,
    UTF-8 included, as is (a JSON \\uXXXX is not decoded there)."""
    if "\n" in value or "\r" in value:
        raise ImageError(f"{what} {value!r} has a line break, which no Dockerfile instruction "
                         "holds: build with -t, --oci or --oci-dir instead")
    return re.sub(r'(["$\\])', r"\\\1", value)


def _word(value: str, what: str) -> str:
    """One double-quoted word of an instruction that expands variables."""
    return f'"{_escaped(value, what)}"'


def _json_list(items: Sequence[str]) -> str:
    """The JSON form of CMD, ENTRYPOINT and HEALTHCHECK CMD: read as JSON,
    never expanded."""
    return json.dumps(list(items), ensure_ascii=False)


def _duration(ns: Any) -> str:
    """docker's nanoseconds as a duration its HEALTHCHECK flags parse, exactly."""
    n = int(ns)
    for unit, size in (("s", 1_000_000_000), ("ms", 1_000_000), ("us", 1_000)):
        if n % size == 0:
            return f"{n // size}{unit}"
    return f"{n}ns"


def _is_json_list(text: str) -> bool:
    """Whether docker would read a shell-form line as the JSON form."""
    try:
        return isinstance(json.loads(text), list)
    except ValueError:
        return False


# docker (its API) from which a Dockerfile's HEALTHCHECK takes --start-interval:
# docker 25; before it, the whole Dockerfile is refused ("Unknown flag").
START_INTERVAL_API = (1, 44)


def _healthcheck(hc: dict[str, Any], start_interval: bool = False,
                 warn: Callable[[str], None] | None = None) -> str | None:
    test = hc.get("Test") or []
    if not test:
        return None
    if test[0] == "NONE":
        return "HEALTHCHECK NONE"
    flags = [("interval", "Interval"), ("timeout", "Timeout"), ("start-period", "StartPeriod")]
    if start_interval:
        flags.append(("start-interval", "StartInterval"))
    elif hc.get("StartInterval") and warn is not None:
        warn(f"HEALTHCHECK --start-interval={_duration(hc['StartInterval'])} is left out of the "
             "Dockerfile: docker before 25 (API 1.44) refuses the flag, and the whole Dockerfile "
             "with it; it only sets how often the check runs during its start period "
             "(build with -t, --oci or --oci-dir to keep it)")
    opts = "".join(f" --{flag}={_duration(hc[key])}" for flag, key in flags if hc.get(key))
    if hc.get("Retries"):
        opts += f" --retries={int(hc['Retries'])}"
    if test[0] == "CMD":
        return f"HEALTHCHECK{opts} CMD {_json_list(test[1:])}"
    command = " ".join(test[1:])          # CMD-SHELL: the rest of the line, as written
    if "\n" in command or "\r" in command or command.rstrip().endswith("\\") or _is_json_list(command):
        raise ImageError(f"HEALTHCHECK {command!r} cannot be written as a Dockerfile line: "
                         "build with -t, --oci or --oci-dir instead")
    return f"HEALTHCHECK{opts} CMD {command}"


def api_supports(version: str | None, least: tuple[int, int]) -> bool:
    """Whether a docker API version ("1.41") is at least least; unknown: no."""
    try:
        major, minor = (int(part) for part in (version or "").split(".")[:2])
    except ValueError:
        return False
    return (major, minor) >= least


def _warn(message: str) -> None:
    from micropack import progress
    progress.echo(f"micropack: warning: {message}")


def write_dockerfile(original: ImageInfo, rootfs_tar: Path, directory: Path, *,
                     api_version: str | None = None,
                     warn: Callable[[str], None] | None = None) -> Path:
    """A FROM scratch Dockerfile with rootfs.tar beside it; docker build
    gives back the original's config value for value (`$`, `\\`, quotes and
    UTF-8 included). What no Dockerfile line can hold (a line break in a
    value) is an error, before anything is written. HEALTHCHECK's
    --start-interval is written only for a docker whose API version is
    known to take it (api_version, 1.44 on): any other docker refuses the
    Dockerfile, so it is left out, with one line to warn (a warning on
    stderr unless warn is given)."""
    config = carried_config(original.config)
    lines = ["# Written by micropack from " + original.ref, "FROM scratch", "ADD rootfs.tar /"]
    for item in config.get("Env", []):
        key, _, value = item.partition("=")
        lines.append(f"ENV {_word(key, 'Env')}={_word(value, 'Env ' + key)}")
    if "WorkingDir" in config:
        lines.append(f"WORKDIR {_word(config['WorkingDir'], 'WorkingDir')}")
    if "User" in config:
        lines.append(f"USER {_word(config['User'], 'User')}")
    for port in sorted(config.get("ExposedPorts", {})):
        lines.append(f"EXPOSE {_word(port, 'ExposedPorts')}")
    if config.get("Volumes"):
        lines.append(f"VOLUME {_json_list([_escaped(v, 'Volumes') for v in sorted(config['Volumes'])])}")
    for key, value in sorted(config.get("Labels", {}).items()):
        lines.append(f"LABEL {_word(key, 'Labels')}={_word(value, 'Labels ' + key)}")
    if "StopSignal" in config:
        lines.append(f"STOPSIGNAL {_word(config['StopSignal'], 'StopSignal')}")
    health = _healthcheck(config.get("Healthcheck") or {}, api_supports(api_version, START_INTERVAL_API),
                          warn or _warn)
    if health:
        lines.append(health)
    if "Entrypoint" in config:
        lines.append(f"ENTRYPOINT {_json_list(config['Entrypoint'])}")
    if "Cmd" in config:
        lines.append(f"CMD {_json_list(config['Cmd'])}")
    directory.mkdir(parents=True, exist_ok=True)
    if rootfs_tar.resolve() != (directory / "rootfs.tar").resolve():
        shutil.copyfile(rootfs_tar, directory / "rootfs.tar")
    path = directory / "Dockerfile"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
