"""pack --container fills the container's mount points from the very image
it was created from, never from whatever image its name names now: podman
is read by the image id it keeps, containerd (which keeps a name alone)
only when the view of the named image is on the container's own layers."""
from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from micropack.runtimes import base, containerd
from micropack.runtimes.base import ContainerInfo
from micropack.runtimes.containerd import ContainerdEngine
from micropack.runtimes.podman import PodmanEngine

IMAGE_ID = "86e81862fe08a3c916dc2d4728406b066a2f0cd5794193ce26e8a8b454f804be"
CHAIN = "sha256:" + "c" * 64
OTHER_CHAIN = "sha256:" + "d" * 64


def done(stdout: str = "", rc: int = 0) -> subprocess.CompletedProcess[str]:
    return subprocess.CompletedProcess([], rc, stdout, "")


def test_podman_gives_the_id_of_the_containers_image_beside_its_name(monkeypatch):
    attrs = {"Id": "abc", "Name": "web", "State": {"Running": True, "Pid": 42, "Status": "running"},
             "Image": IMAGE_ID, "ImageName": "localhost/mp-review:1"}
    engine = PodmanEngine()
    monkeypatch.setattr(engine, "_inspect", lambda kind, ref: attrs)
    info = engine.container("web")
    assert info.image_id == IMAGE_ID
    assert info.image == "localhost/mp-review:1"


@pytest.fixture
def mount_points(monkeypatch) -> dict[str, Any]:
    """container_root with one mount point and no real mounts: records
    what it was given to read the image with."""
    seen: dict[str, Any] = {}
    monkeypatch.setattr(base, "container_mounts", lambda pid: (None, ["/etc/hosts"]))

    @contextmanager
    def view(pid: int, image_root: Path | None, no_image: str = "") -> Iterator[object]:
        seen["image_root"], seen["no_image"] = image_root, no_image
        yield object()

    monkeypatch.setattr(base, "container_view", view)
    return seen


def test_the_image_is_read_by_its_id_never_by_its_name(monkeypatch, mount_points, tmp_path):
    engine = PodmanEngine()
    asked: list[str] = []

    @contextmanager
    def image_root(ref: str, access: str = "auto") -> Iterator[Path]:
        asked.append(ref)
        yield tmp_path

    monkeypatch.setattr(engine, "image_root", image_root)
    info = ContainerInfo(id="abc", name="web", running=True, status="running", pid=42,
                         image="localhost/mp-review:1", image_id=IMAGE_ID)
    with engine.container_root(info):
        pass
    assert asked == [IMAGE_ID]
    assert mount_points["image_root"] == tmp_path


def test_without_an_image_id_the_mount_points_have_no_image(monkeypatch, mount_points):
    engine = PodmanEngine()
    monkeypatch.setattr(engine, "image_root", lambda *a, **k: pytest.fail("read by name"))
    info = ContainerInfo(id="abc", name="web", running=True, status="running", pid=42,
                         image="localhost/mp-review:1")
    with engine.container_root(info):
        pass
    assert mount_points["image_root"] is None
    assert "does not say which image" in mount_points["no_image"]


class FakeMounts:
    """PrivateMounts without a namespace: records what is run in it."""

    runs: list[list[str]] = []

    def __init__(self, within: int | None = None) -> None:
        pass

    def path(self, name: str) -> Path:
        return Path("/tmp/micropack-root-view")

    def view(self, path: Path) -> Path:
        return Path("/proc/1/root") / str(path).lstrip("/")

    def run(self, argv: list[str], **kw: Any) -> subprocess.CompletedProcess[str]:
        self.runs.append(list(argv))
        return done()

    def __enter__(self) -> FakeMounts:
        return self

    def __exit__(self, *exc: object) -> None:
        pass


removed: list[tuple[str, str]] = []     # (snapshot or lease, key) the engine removed


def containerd_engine(monkeypatch, view_parent: str, container_parent: str = CHAIN) -> ContainerdEngine:
    """A containerd whose container was made on container_parent and whose
    image name's view is on view_parent."""
    FakeMounts.runs = []
    monkeypatch.setattr(containerd, "PrivateMounts", FakeMounts)
    engine = ContainerdEngine()
    removed.clear()

    def tool(*args: str, timeout: float | None = None) -> subprocess.CompletedProcess[str]:
        if args[0] in ("snapshots", "leases") and args[-2] == "rm":
            removed.append((args[0], args[-1]))
            return done()
        if args[:2] == ("containers", "info"):
            return done(json.dumps({"ID": "web", "Image": "localhost/mp-review:1",
                                    "SnapshotKey": "web", "Snapshotter": "overlayfs"}))
        if args[0] == "snapshots" and args[-2] == "info":
            parent = {"web": container_parent, "/tmp/micropack-root-view": view_parent}.get(args[-1])
            return done(json.dumps({"Name": args[-1], "Parent": parent})) if parent else done(rc=1)
        raise AssertionError(args)

    monkeypatch.setattr(engine, "_tool", tool)
    return engine


INFO = ContainerInfo(id="web", name="web", running=True, status="running", pid=42,
                     image="localhost/mp-review:1")


def test_containerd_uses_the_named_image_when_it_is_on_the_containers_layers(monkeypatch):
    engine = containerd_engine(monkeypatch, view_parent=CHAIN)
    with engine.container_image_root(INFO) as root:
        assert str(root).endswith("/tmp/micropack-root-view")
    assert any("mount" in argv and "--snapshotter=overlayfs" in argv for argv in FakeMounts.runs)
    assert any("unmount" in argv for argv in FakeMounts.runs)
    # the view and its lease, which ctr's own unmount --rm left behind
    assert removed == [("snapshots", "/tmp/micropack-root-view"), ("leases", "/tmp/micropack-root-view")]


def test_containerd_refuses_a_name_moved_to_another_image(monkeypatch):
    from micropack.runtimes.base import NoContainerImage
    engine = containerd_engine(monkeypatch, view_parent=OTHER_CHAIN)
    with pytest.raises(NoContainerImage, match="another image"), engine.container_image_root(INFO):
        pytest.fail("another image's files were offered")
    assert any("unmount" in argv for argv in FakeMounts.runs)      # its view is not left behind
    assert ("leases", "/tmp/micropack-root-view") in removed


def test_containerd_without_the_containers_layers_mounts_nothing(monkeypatch):
    from micropack.runtimes.base import NoContainerImage
    engine = containerd_engine(monkeypatch, view_parent=CHAIN, container_parent="")
    with pytest.raises(NoContainerImage, match="cannot be confirmed"), engine.container_image_root(INFO):
        pytest.fail("an unconfirmed image was offered")
    assert FakeMounts.runs == []


def test_a_container_prefix_docker_cannot_tell_apart_is_said_not_hidden(monkeypatch):
    """`--runtime auto -c a`, a prefix of two containers' ids: "no runtime
    has a container 'a'", where docker itself says which: ambiguous."""
    import docker.errors

    from micropack.errors import TargetError
    from micropack.runtimes.docker import DockerEngine

    class Containers:
        def get(self, ref: str) -> None:
            if ref == "a":
                raise docker.errors.APIError("409", explanation="Multiple IDs found with provided prefix: a")
            raise docker.errors.NotFound("404", explanation="No such container")

    class Client:
        containers = Containers()

    engine = DockerEngine()
    monkeypatch.setattr(engine, "client", lambda: Client())
    assert engine.has_container("zzz") is False
    with pytest.raises(TargetError, match="Multiple IDs found"):
        engine.has_container("a")
