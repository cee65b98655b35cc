"""`micropack build`: -t through docker load, --oci without the daemon, and
--dockerfile; the original image's config is carried over each time."""
from __future__ import annotations

import functools
import json
import subprocess
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
