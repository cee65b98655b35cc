"""`micropack build`: -t through docker load, --oci without the daemon, and
--dockerfile; the original image's config is carried over each time."""
from __future__ import annotations

import functools
import json
import subprocess
import tarfile
import uuid
from pathlib import Path

import pytest

from tests.conftest import run_micropack

pytestmark = pytest.mark.integration


micropack = functools.partial(run_micropack, timeout=600)


def config(ref: str) -> dict:
    out = subprocess.run(["docker", "image", "inspect", ref], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)[0]["Config"]


@pytest.fixture(scope="module")
def original(fat_image):
    """An image with a config worth carrying: env, workdir, user, labels, ports, volumes."""
    name = f"micropack-test/configured:{uuid.uuid4().hex[:8]}"
    cid = subprocess.run(["docker", "create", fat_image], capture_output=True, text=True,
                         check=True).stdout.strip()
    changes = ['ENV GREETING="hello world"', "WORKDIR /srv", "USER 1234:1234",
               "LABEL org.example.team=tools", "EXPOSE 8080/tcp", 'VOLUME ["/data"]',
               'ENTRYPOINT ["/bin/cat"]', 'CMD ["/etc/debian_version"]']
    args = [a for c in changes for a in ("-c", c)]
    subprocess.run(["docker", "commit", *args, cid, name], capture_output=True, check=True)
    subprocess.run(["docker", "rm", cid], capture_output=True)
    yield name
    subprocess.run(["docker", "rmi", "-f", name], capture_output=True)


@pytest.fixture(scope="module")
def rootfs_tar(original, tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("build")
    files = d / "files.txt"
    files.write_text("/bin/cat\n/etc/debian_version\n/srv\n/data\n")
    out = d / "rootfs.tar"
    proc = micropack("pack", "-i", str(files), "-o", str(out), "--image", original)
    assert proc.returncode == 0, proc.stderr
    return out


CARRIED = ("Env", "WorkingDir", "User", "Labels", "ExposedPorts", "Volumes", "Entrypoint", "Cmd")


def run_default(tag: str) -> str:
    return subprocess.run(["docker", "run", "--rm", "--network=none", tag], capture_output=True,
                          text=True, check=True).stdout


def test_build_tag_carries_the_config(original, rootfs_tar):
    tag = f"micropack-test/built:{uuid.uuid4().hex[:8]}"
    try:
        proc = micropack("build", "--from-image", original, "-i", str(rootfs_tar), "-t", tag)
        assert proc.returncode == 0, proc.stderr
        want, got = config(original), config(tag)
        for key in CARRIED:
            assert got[key] == want[key], key
        assert run_default(tag).strip() == run_default(original).strip()
    finally:
        subprocess.run(["docker", "rmi", "-f", tag], capture_output=True)


def test_oci_archive_loads_and_is_reproducible(original, rootfs_tar, tmp_path):
    tag = f"micropack-test/oci:{uuid.uuid4().hex[:8]}"
    a, b = tmp_path / "a.tar", tmp_path / "b.tar"
    for dest in (a, b):
        proc = micropack("build", "--from-image", original, "-i", str(rootfs_tar), "-t", tag,
                         "--oci", str(dest))
        assert proc.returncode == 0, proc.stderr
    assert a.read_bytes() == b.read_bytes()
    try:
        subprocess.run(["docker", "load", "-i", str(a)], capture_output=True, check=True)
        assert config(tag)["Env"] == config(original)["Env"]
        assert run_default(tag).strip() == run_default(original).strip()
    finally:
        subprocess.run(["docker", "rmi", "-f", tag], capture_output=True)


def test_dockerfile_builds_the_same_image(original, rootfs_tar, tmp_path):
    out = tmp_path / "ctx"
    proc = micropack("build", "--from-image", original, "-i", str(rootfs_tar), "--dockerfile", str(out))
    assert proc.returncode == 0, proc.stderr
    text = (out / "Dockerfile").read_text()
    assert text.splitlines()[1:3] == ["FROM scratch", "ADD rootfs.tar /"]
    assert (out / "rootfs.tar").read_bytes() == rootfs_tar.read_bytes()
    tag = f"micropack-test/dockerfile:{uuid.uuid4().hex[:8]}"
    try:
        subprocess.run(["docker", "build", "-q", "-t", tag, str(out)], capture_output=True, check=True)
        want, got = config(original), config(tag)
        for key in CARRIED:
            if key == "Env":   # docker build adds a default PATH to every image
                assert set(want[key]) <= set(got[key])
            else:
                assert got[key] == want[key], key
        assert run_default(tag).strip() == run_default(original).strip()
    finally:
        subprocess.run(["docker", "rmi", "-f", tag], capture_output=True)


def test_build_needs_an_output(original, rootfs_tar):
    proc = micropack("build", "--from-image", original, "-i", str(rootfs_tar))
    assert proc.returncode == 2 and "-t NAME:TAG" in proc.stderr


# --- one archive for every runtime, an OCI layout, a push ----------------------------

def image_id_in(runtime: str, tag: str) -> str:
    from micropack import runtimes
    return runtimes.get(runtime).image(tag).id


def test_oci_archive_is_one_layout_every_runtime_loads_with_one_id(podman_fat, containerd_fat,
                                                                   original, rootfs_tar, tmp_path):
    from micropack.runtimes.base import normalize_ref
    from tests.conftest import PODMAN_RUN, ctr, podman
    tag = f"micropack-rt/everywhere:{uuid.uuid4().hex[:8]}"
    archive = tmp_path / "image.tar"
    proc = micropack("build", "--from-image", original, "-i", str(rootfs_tar), "-t", tag,
                     "--oci", str(archive))
    assert proc.returncode == 0, proc.stderr
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        index = json.load(tar.extractfile("index.json"))          # type: ignore[arg-type]
        manifest = json.load(tar.extractfile("manifest.json"))    # type: ignore[arg-type]
        layout = json.load(tar.extractfile("oci-layout"))         # type: ignore[arg-type]
        blobs = {n: tar.getmember(n).size for n in names if n.startswith("blobs/sha256/")}
    assert layout == {"imageLayoutVersion": "1.0.0"}
    assert len(names) == len(set(names))
    # the layer is stored once, and both indexes name the same blobs
    assert sum(1 for size in blobs.values() if size == rootfs_tar.stat().st_size) == 1
    assert set(manifest[0]["Layers"]) | {manifest[0]["Config"]} <= set(blobs)
    assert index["manifests"][0]["annotations"]["io.containerd.image.name"] == normalize_ref(tag)
    image_id = manifest[0]["Config"].replace("blobs/sha256/", "sha256:")
    assert image_id[:19] in proc.stderr
    want = run_default(original).strip()
    try:
        subprocess.run(["docker", "load", "-i", str(archive)], capture_output=True, check=True)
        podman("load", "-i", str(archive))
        ctr("images", "import", str(archive))
        ids = {rt: image_id_in(rt, tag) for rt in ("docker", "podman", "containerd")}
        assert set(ids.values()) == {image_id}, ids
        assert run_default(tag).strip() == want
        got = subprocess.run([*PODMAN_RUN, "--rm", "--network=none", tag], capture_output=True,
                             text=True, check=True).stdout.strip()
        assert got == want
        got = ctr("run", "--rm", normalize_ref(tag), f"micropack-rt-{uuid.uuid4().hex[:8]}").stdout.strip()
        assert got == want
    finally:
        subprocess.run(["docker", "rmi", "-f", tag], capture_output=True)
        podman("rmi", "-f", tag, check=False)
        ctr("images", "rm", normalize_ref(tag), check=False)


def test_oci_dir_is_what_skopeo_and_umoci_read(original, rootfs_tar, registry, tmp_path):
    tag = f"micropack-rt/layout:{uuid.uuid4().hex[:8]}"
    layout = tmp_path / "layout"
    proc = micropack("build", "--from-image", original, "-i", str(rootfs_tar), "-t", tag,
                     "--oci-dir", str(layout))
    assert proc.returncode == 0, proc.stderr
    assert {p.name for p in layout.iterdir()} == {"oci-layout", "index.json", "blobs"}
    ref_tag = tag.split(":")[1]
    inspect = subprocess.run(["skopeo", "inspect", f"oci:{layout}:{ref_tag}"], capture_output=True,
                             text=True, check=True)
    assert json.loads(inspect.stdout)["Env"] == config(original)["Env"]
    config_blob = subprocess.run(["skopeo", "inspect", "--raw", f"oci:{layout}:{ref_tag}"],
                                 capture_output=True, text=True, check=True)
    image_id = json.loads(config_blob.stdout)["config"]["digest"]
    bundle = tmp_path / "bundle"
    subprocess.run(["umoci", "unpack", "--image", f"{layout}:{ref_tag}", str(bundle)],
                   capture_output=True, check=True)
    assert (bundle / "rootfs/etc/debian_version").read_text() == \
        subprocess.run(["docker", "run", "--rm", "--network=none", "--entrypoint", "cat", original,
                        "/etc/debian_version"], capture_output=True, text=True, check=True).stdout
    # copied by skopeo to a registry and pulled by docker: the same image
    remote = f"{registry}/{tag}"
    subprocess.run(["skopeo", "copy", "--dest-tls-verify=false", f"oci:{layout}:{ref_tag}",
                    f"docker://{remote}"], capture_output=True, check=True)
    try:
        subprocess.run(["docker", "pull", remote], capture_output=True, check=True)
        assert image_id_in("docker", remote) == image_id
        assert run_default(remote).strip() == run_default(original).strip()
    finally:
        subprocess.run(["docker", "rmi", "-f", remote], capture_output=True)


@pytest.mark.parametrize("runtime", ["docker", "podman", "containerd"])
def test_push_through_the_runtime(runtime, original, rootfs_tar, registry, tmp_path, request):
    from tests.conftest import podman
    if runtime != "docker":
        # the original's config is read from the same runtime: give it the image
        request.getfixturevalue(f"{runtime}_ready")
        archive = tmp_path / "original.tar"
        subprocess.run(["docker", "save", "-o", str(archive), original], check=True, capture_output=True)
        from micropack import runtimes
        runtimes.get(runtime).load(archive)
    remote = f"{registry}/micropack-rt/pushed-{runtime}:{uuid.uuid4().hex[:8]}"
    try:
        proc = micropack("build", "--from-image", original, "-i", str(rootfs_tar), "--push", remote,
                         "--runtime", runtime)
        assert proc.returncode == 0, proc.stderr
        assert f"pushed {remote} through {runtime}" in proc.stderr
        pushed = json.loads(subprocess.run(
            ["skopeo", "inspect", "--tls-verify=false", "--raw", f"docker://{remote}"],
            capture_output=True, text=True, check=True).stdout)
        assert pushed["config"]["digest"] == image_id_in(runtime, remote)
        subprocess.run(["docker", "pull", remote], capture_output=True, check=True)
        assert run_default(remote).strip() == run_default(original).strip()
    finally:
        subprocess.run(["docker", "rmi", "-f", remote], capture_output=True)
        from micropack import runtimes
        runtimes.get(runtime).remove_image(remote)
        if runtime == "podman":
            podman("rmi", "-f", original, check=False)
        if runtime == "containerd":
            runtimes.get(runtime).remove_image(original)
