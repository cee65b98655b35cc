"""`micropack build --dockerfile` of an image whose HEALTHCHECK has a
StartInterval (docker 25's --start-interval), built by this host's docker
(20.10 refuses the flag, and the whole Dockerfile with it: "Unknown flag:
start-interval"): the flag is left out with one warning, the rest of the
health check comes back. The original is in containerd, which keeps an
image's config as it is (docker 20.10 drops a StartInterval it loads)."""
from __future__ import annotations

import io
import json
import subprocess
import tarfile
import uuid

import pytest

from micropack.image import write_image_archive
from micropack.runtimes.base import normalize_ref
from tests.conftest import ctr, run_micropack

pytestmark = pytest.mark.integration

HEALTH = {"Test": ["CMD", "/hc"], "Interval": 30_000_000_000, "Timeout": 5_000_000_000,
          "StartPeriod": 10_000_000_000, "StartInterval": 2_000_000_000, "Retries": 3}


def test_a_start_interval_does_not_stop_docker_build(containerd_ready, tmp_path):
    rootfs = tmp_path / "rootfs.tar"
    with tarfile.open(rootfs, "w") as t:
        info = tarfile.TarInfo("hc")
        info.size, info.mode = 2, 0o755
        t.addfile(info, io.BytesIO(b"x\n"))
    original = f"micropack-test/start-interval:{uuid.uuid4().hex[:8]}"
    built = f"micropack-test/start-interval:{uuid.uuid4().hex[:8]}-built"
    archive = tmp_path / "original.tar"
    write_image_archive(rootfs, {"Cmd": ["/hc"], "Healthcheck": HEALTH}, original, archive)
    try:
        ctr("images", "import", str(archive))
        ctx = tmp_path / "ctx"
        proc = run_micropack("build", "--runtime", "containerd", "--from-image", original,
                             "-i", str(rootfs), "--dockerfile", str(ctx))
        assert proc.returncode == 0, proc.stderr
        p = subprocess.run(["docker", "build", "-q", "--network=none", "-t", built, str(ctx)],
                           capture_output=True, text=True)
        assert p.returncode == 0, p.stderr
        warned = [line for line in proc.stderr.splitlines() if "start-interval" in line]
        assert len(warned) == 1 and "warning:" in warned[0], proc.stderr
        out = subprocess.run(["docker", "image", "inspect", built], capture_output=True, text=True,
                             check=True)
        health = json.loads(out.stdout)[0]["Config"]["Healthcheck"]
        for key in ("Test", "Interval", "Timeout", "StartPeriod", "Retries"):
            assert health[key] == HEALTH[key], key
    finally:
        subprocess.run(["docker", "rmi", "-f", built], capture_output=True)
        ctr("images", "rm", normalize_ref(original), check=False)
