"""The packer on a real debootstrap image: the packed rootfs, imported into
docker, runs the traced program."""
from __future__ import annotations

import functools
import hashlib
import json
import os
import subprocess
import sys
import tarfile
import uuid
from pathlib import Path

import pytest

from tests.conftest import Container, run_micropack

pytestmark = pytest.mark.integration

PROGRAM = ("import json, sqlite3, hashlib; print(json.dumps(sqlite3.sqlite_version_info >= (3,)), "
           "hashlib.sha256(b'x').hexdigest()[:8])")


micropack = functools.partial(run_micropack, timeout=600)


def test_packed_image_runs_the_traced_program(bpf_ready, fat_image, tmp_path: Path):
    c = Container(fat_image)
    try:
        files = tmp_path / "files.txt"
        proc = micropack("trace", "--container", c.name, "-o", str(files), "--",
                         "docker", "exec", c.name, "python3", "-c", PROGRAM)
        assert proc.returncode == 0, proc.stderr
        live = tmp_path / "live.tar"
        proc = micropack("pack", "-i", str(files), "-o", str(live), "--container", c.name)
        assert proc.returncode == 0, proc.stderr
    finally:
        c.remove()
    expected = subprocess.run(["docker", "run", "--rm", "--network=none", fat_image,
                               "python3", "-c", PROGRAM], capture_output=True, text=True).stdout
    out, report = tmp_path / "rootfs.tar", tmp_path / "report.json"
    proc = micropack("pack", "-i", str(files), "-o", str(out), "--image", fat_image,
                     "--report", str(report), "--packages", str(tmp_path / "pkgs.txt"))
    assert proc.returncode == 0, proc.stderr
    assert "smaller" in proc.stderr and "of the image's" in proc.stderr   # the runtime's size
    tag = f"micropack-test/packed:{uuid.uuid4().hex[:8]}"
    subprocess.run(["docker", "import", str(out), tag], check=True, capture_output=True)
    try:
        got = subprocess.run(["docker", "run", "--rm", "--network=none", tag,
                              "/usr/bin/python3", "-c", PROGRAM], capture_output=True, text=True)
        assert got.returncode == 0, got.stderr
        assert got.stdout == expected and expected.startswith("true ")
        # and nothing else: no shell was traced, so none was packed
        nosh = subprocess.run(["docker", "run", "--rm", "--network=none", tag, "/bin/bash", "-c", "true"],
                              capture_output=True, text=True)
        assert nosh.returncode != 0
    finally:
        subprocess.run(["docker", "rmi", "-f", tag], capture_output=True)
    pkgs = (tmp_path / "pkgs.txt").read_text()
    assert "libsqlite3-0\t" in pkgs and "python3.11-minimal\t/usr/bin/python3.11" in pkgs
    # the image's one layer as a tar (docker save), clamped to the image's
    # creation time as --image does, packs to the very same bytes (an export
    # would not: it holds docker's init layer, and whole seconds only)
    saved = tmp_path / "saved.tar"
    subprocess.run(["docker", "save", "-o", str(saved), fat_image], check=True)
    with tarfile.open(saved) as archive:
        layers = json.load(archive.extractfile("manifest.json"))[0]["Layers"]  # type: ignore[arg-type]
        assert len(layers) == 1
        archive.extract(layers[0], tmp_path / "saved")
    export = tmp_path / "saved" / layers[0]
    again = tmp_path / "again.tar"
    from micropack import runtimes
    created = str(runtimes.get().image(fat_image).created)
    proc = subprocess.run([sys.executable, "-m", "micropack.cli", "pack", "-i", str(files),
                           "-o", str(again), "--tar", str(export)], capture_output=True, text=True,
                          env={**os.environ, "SOURCE_DATE_EPOCH": created})
    assert proc.returncode == 0, proc.stderr
    assert hashlib.sha256(again.read_bytes()).digest() == hashlib.sha256(out.read_bytes()).digest()
