"""What the runtimes rest on that needs no runtime: image references as
docker and containerd name them, docker's run semantics in ctr's words, the
overlay's lower directories, and the image layout micropack writes."""
from __future__ import annotations

import hashlib
import io
import json
import tarfile
from pathlib import Path

import pytest

from micropack import image
from micropack.errors import ImageError, UsageError
from micropack.runtimes import find, get, names
from micropack.runtimes.base import (
    LABEL,
    RunOptions,
    joined_run_flags,
    loopback_registry,
    normalize_ref,
    owner_tag,
    ref_tag,
)
from micropack.runtimes.containerd import ContainerdEngine, docker_argv
from micropack.runtimes.mounts import overlay_lowerdirs


@pytest.mark.parametrize("ref,full,tag", [
    ("redis", "docker.io/library/redis:latest", "latest"),
    ("micropack-test/fat:0fd3b87e1caf", "docker.io/micropack-test/fat:0fd3b87e1caf", "0fd3b87e1caf"),
    ("localhost/a/b:1", "localhost/a/b:1", "1"),
    ("127.0.0.1:18200/x/y:z", "127.0.0.1:18200/x/y:z", "z"),
    ("quay.io/x/y", "quay.io/x/y:latest", "latest"),
    ("registry:5000/x@sha256:ab", "registry:5000/x@sha256:ab", "sha256:ab"),
])
def test_references_are_named_as_docker_and_containerd_name_them(ref, full, tag):
    assert normalize_ref(ref) == full
    assert ref_tag(ref) == tag


def test_only_loopback_registries_get_plain_http():
    assert loopback_registry("127.0.0.1:18200/x:y") and loopback_registry("localhost:5000/x")
    assert not loopback_registry("registry.example.com/x") and not loopback_registry("redis")


def test_ctr_gets_the_process_docker_would_start():
    config = {"Entrypoint": ["/entry"], "Cmd": ["default"]}
    assert docker_argv(config, RunOptions()) is None                      # the image's own
    assert docker_argv(config, RunOptions(cmd=["x", "y"])) == ["/entry", "x", "y"]
    assert docker_argv(config, RunOptions(entrypoint="/other")) == ["/other"]   # Cmd dropped
    assert docker_argv(config, RunOptions(entrypoint="", cmd=["sh"])) == ["sh"]


@pytest.mark.parametrize("opts,problem", [
    (RunOptions(network="bridge"), "--network host or none"),
    (RunOptions(publish=["80:80"]), "cannot publish"),
    (RunOptions(user="1000"), "no --user"),
    (RunOptions(volumes=["named:/data"]), "bind mounts only"),
])
def test_what_ctr_cannot_do_is_a_usage_error(opts, problem):
    with pytest.raises(UsageError, match=problem):
        ContainerdEngine()._run_options(opts)


def test_ctr_options_for_what_it_can_do(monkeypatch):
    monkeypatch.setenv("FROM_HOST", "v")
    args = ContainerdEngine()._run_options(RunOptions(
        network="host", env=["A=1", "FROM_HOST", "UNSET_HERE"], volumes=["/h:/c:ro", "/d:/e"],
        workdir="/srv"))
    assert args == ["--net-host", "--env=A=1", "--env=FROM_HOST=v",
                    "--mount=type=bind,src=/h,dst=/c,options=rbind:ro",
                    "--mount=type=bind,src=/d,dst=/e,options=rbind:rw", "--cwd=/srv"]


def test_overlay_layers_by_their_short_links(tmp_path):
    root = tmp_path / "overlay2"
    (root / "l").mkdir(parents=True)
    layers = []
    for n, link in enumerate(["AAAA", "BBBB"]):
        d = root / f"id{n}"
        (d / "diff").mkdir(parents=True)
        (d / "link").write_text(link)
        (root / "l" / link).symlink_to(f"../id{n}/diff")
        layers.append(d / "diff")
    assert overlay_lowerdirs(layers) == (str(root), ["l/AAAA", "l/BBBB"])
    (root / "l" / "BBBB").unlink()      # no link: relative to the root, still short
    assert overlay_lowerdirs(layers) == (str(root), ["id0/diff", "id1/diff"])
    other = tmp_path / "elsewhere" / "x" / "diff"
    other.mkdir(parents=True)
    assert overlay_lowerdirs([layers[0], other]) == (None, [str(layers[0]), str(other)])


def test_runtime_names_and_auto():
    assert names() == ["docker", "podman", "containerd", "auto"]
    with pytest.raises(UsageError, match="choose one of docker, podman, containerd, auto"):
        get("rkt")
    assert find("auto").name == "docker"      # nothing named: the default


def rootfs(tmp_path: Path) -> Path:
    tar_path = tmp_path / "rootfs.tar"
    with tarfile.open(tar_path, "w", format=tarfile.PAX_FORMAT) as tar:
        info = tarfile.TarInfo("hello")
        data = b"hello\n"
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return tar_path


def test_the_combined_archive_is_deterministic_and_stores_the_layer_once(tmp_path, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    src = rootfs(tmp_path)
    a, b = tmp_path / "a.tar", tmp_path / "b.tar"
    ids = [image.write_image_archive(src, {"Cmd": ["/hello"]}, ["x/y:1", "127.0.0.1:1/x/y:2"], dest,
                                     created_at=1700000000) for dest in (a, b)]
    assert ids[0] == ids[1] and a.read_bytes() == b.read_bytes()
    with tarfile.open(a) as tar:
        names_ = tar.getnames()
        index = json.load(tar.extractfile("index.json"))           # type: ignore[arg-type]
        manifest = json.load(tar.extractfile("manifest.json"))     # type: ignore[arg-type]
        config = tar.extractfile(manifest[0]["Config"]).read()     # type: ignore[union-attr]
    assert "sha256:" + hashlib.sha256(config).hexdigest() == ids[0]
    assert manifest[0]["RepoTags"] == ["x/y:1", "127.0.0.1:1/x/y:2"]
    assert [m["annotations"] for m in index["manifests"]] == [
        {"io.containerd.image.name": "docker.io/x/y:1", "org.opencontainers.image.ref.name": "1"},
        {"io.containerd.image.name": "127.0.0.1:1/x/y:2", "org.opencontainers.image.ref.name": "2"}]
    blobs = [n for n in names_ if n.startswith("blobs/sha256/")]
    assert len(blobs) == 3 == len(set(blobs))                    # layer, config, manifest
    assert json.loads(config)["created"] == "2023-11-14T22:13:20Z"


def test_the_layout_directory_holds_the_same_blobs(tmp_path):
    src = rootfs(tmp_path)
    image_id = image.write_oci_dir(src, {}, "x:1", tmp_path / "layout", created_at=0)
    layout = tmp_path / "layout"
    assert (layout / "blobs/sha256" / image_id.split(":")[1]).is_file()
    assert json.loads((layout / "oci-layout").read_text()) == {"imageLayoutVersion": "1.0.0"}
    assert image.write_oci_dir(src, {}, "x:1", layout, created_at=0) == image_id   # again: same
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "file").write_text("x")
    with pytest.raises(ImageError, match="not an OCI layout"):
        image.write_oci_dir(src, {}, "x:1", tmp_path / "busy")


def test_a_joined_container_shares_pid_and_network_and_ipc_only_when_asked():
    """docker joins only a shareable IPC namespace: without it the flag must
    be left out, or the debug container does not start."""
    with_ipc = joined_run_flags("mp-x", "target1", interactive=False, ipc=True)
    without = joined_run_flags("mp-x", "target1", interactive=False, ipc=False)
    for flags in (with_ipc, without):
        assert {"--pid=container:target1", "--network=container:target1", "--rm"} <= set(flags)
        assert flags[flags.index("--label") + 1] == f"{LABEL}={owner_tag()}"   # a cleanup finds it
        assert "-i" not in flags
    assert "--ipc=container:target1" in with_ipc and not any(f.startswith("--ipc") for f in without)
    assert "-i" in joined_run_flags("mp-x", "target1", interactive=True, ipc=False)


def test_a_tools_output_that_is_not_utf8_is_read():
    """A probe that printed one byte not UTF-8 (a listing of an image's odd
    file names, a gzip cat) was "UnicodeDecodeError, a bug in micropack"."""
    from micropack.runtimes.base import run_tool
    done = run_tool(["printf", "a\\377b\\n"])
    assert done.returncode == 0 and done.stdout == "a\ufffdb\n"


def test_containerds_log_tail_reads_only_the_end(tmp_path, monkeypatch):
    log = tmp_path / "c1.log"
    log.write_text("".join(f"line {i}\n" for i in range(200_000)))
    engine = ContainerdEngine()
    monkeypatch.setattr(engine, "_log", lambda cid: log)
    assert engine.logs("c1", tail=3) == "line 199997\nline 199998\nline 199999"
    assert engine.logs("c1").count("\n") == 199_999
    monkeypatch.setattr(engine, "_log", lambda cid: tmp_path / "none.log")
    assert engine.logs("c1", tail=3) == ""


def test_a_bounded_commands_output_is_kept_to_its_limit():
    """An image's health check `cat /dev/zero` took micropack to 3 GB in 34
    s, its whole output held to compare: a probe's command keeps the first
    OUTPUT_LIMIT bytes of each output and reads the rest to nothing; one
    stopped at its timeout keeps what it had printed."""
    import subprocess

    from micropack.runtimes.base import run_tool
    done = run_tool(["sh", "-c", "head -c 20000000 /dev/zero; echo oops >&2; exit 3"], timeout=60, limit=1000)
    assert (done.returncode, len(done.stdout), done.stderr) == (3, 1000, "oops\n")
    with pytest.raises(subprocess.TimeoutExpired) as stopped:
        run_tool(["sh", "-c", "echo started; exec sleep 30"], timeout=0.5, limit=1000)
    assert stopped.value.stdout == b"started\n"
