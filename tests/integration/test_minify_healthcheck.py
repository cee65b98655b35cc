"""minify runs the image's own HEALTHCHECK as one more probe: docker first
runs it only after its interval, so a traced run may never see it, and the
minified image (which carries it) would go unhealthy for a program it lacks.
Checked the way a user meets it: a container of the minified image must
become healthy."""
from __future__ import annotations

import functools
import json
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import run_micropack

pytestmark = pytest.mark.integration

micropack = functools.partial(run_micropack, timeout=900)


@pytest.fixture
def build(fat_image: str, tmp_path: Path) -> Iterator[Callable[..., str]]:
    """An image of the fat one with these Dockerfile lines; removed at the end."""
    made: list[str] = []

    def build_image(*lines: str) -> str:
        name = f"micropack-test/hc:{uuid.uuid4().hex[:8]}"
        ctx = tmp_path / name.rsplit(":", 1)[1]
        ctx.mkdir()
        (ctx / "Dockerfile").write_text("\n".join([f"FROM {fat_image}", *lines]) + "\n")
        made.append(name)
        subprocess.run(["docker", "build", "-q", "--network=none", "-t", name, str(ctx)],
                       capture_output=True, check=True)
        return name
    yield build_image
    for name in made:
        subprocess.run(["docker", "rmi", "-f", name], capture_output=True)


@pytest.fixture
def tag() -> Iterator[str]:
    name = f"micropack-test/hc-minified:{uuid.uuid4().hex[:8]}"
    yield name
    subprocess.run(["docker", "rmi", "-f", name], capture_output=True)


def health_of_a_container(image: str, timeout: float = 40) -> tuple[str, str]:
    """(status, last check's output) of a container of image left to docker."""
    cid = subprocess.run(["docker", "run", "-d", "--network=none", image], capture_output=True,
                         text=True, check=True).stdout.strip()
    try:
        deadline = time.monotonic() + timeout
        while True:
            out = subprocess.run(["docker", "inspect", "-f", "{{json .State.Health}}", cid],
                                 capture_output=True, text=True, check=True).stdout
            health = json.loads(out)
            log = (health.get("Log") or [{}])[-1].get("Output", "")
            if health["Status"] != "starting" or time.monotonic() > deadline:
                return health["Status"], log
            time.sleep(0.5)
    finally:
        subprocess.run(["docker", "rm", "-f", cid], capture_output=True)


def test_a_cmd_health_check_no_probe_uses_is_kept(bpf_ready, build, tmp_path, tag):
    """The reviewer's repro: find is used by the health check only."""
    original = build('HEALTHCHECK --interval=2s --timeout=2s --retries=1 '
                     'CMD ["/usr/bin/find", "/tmp", "-maxdepth", "0"]',
                     'CMD ["sleep", "infinity"]')
    out = tmp_path / "report.json"
    proc = micropack("minify", original, "-t", tag, "--network", "none",
                     "--probe-exec", "test -d /tmp", "--report", str(out))
    assert proc.returncode == 0, proc.stderr
    report = json.loads(out.read_text())
    assert [p["probe"] for p in report["probes"]] == [
        "exec test -d /tmp", "healthcheck CMD /usr/bin/find /tmp -maxdepth 0"]
    assert "2/2 probes passed" in proc.stderr
    assert health_of_a_container(tag) == ("healthy", "/tmp\n")


def test_a_cmd_shell_health_check_is_the_probe_and_its_shell_is_kept(bpf_ready, build, tag):
    """No --probe-*: the health check is the probe (before, minify waited for
    a server to exit). Docker runs CMD-SHELL with /bin/sh -c whatever the
    image's SHELL (the container's Shell stays empty), so sh must be kept
    though nothing else runs it, and the minified image carries no Shell."""
    original = build('SHELL ["/bin/bash", "-c"]',
                     "HEALTHCHECK --interval=2s --timeout=2s --retries=1 "
                     "CMD stat -c %n /etc/hostname && test -z \"$BASH_VERSION\"",
                     'CMD ["sleep", "infinity"]')
    proc = micropack("minify", original, "-t", tag, "--network", "none", "--exit-timeout", "5")
    assert proc.returncode == 0, proc.stderr
    assert "healthcheck CMD-SHELL stat -c %n /etc/hostname" in proc.stderr
    got = subprocess.run(["docker", "image", "inspect", "-f", "{{json .Config.Shell}}", tag],
                         capture_output=True, text=True, check=True).stdout
    assert json.loads(got) is None
    assert health_of_a_container(tag) == ("healthy", "/etc/hostname\n")


def test_no_healthcheck_leaves_it_out_of_the_minified_image(bpf_ready, build, tag):
    original = build('HEALTHCHECK --interval=2s CMD ["/usr/bin/find", "/tmp", "-maxdepth", "0"]',
                     'CMD ["sleep", "infinity"]')
    proc = micropack("minify", original, "-t", tag, "--network", "none",
                     "--probe-exec", "test -d /tmp", "--no-healthcheck")
    assert proc.returncode == 0, proc.stderr
    got = subprocess.run(["docker", "image", "inspect", "-f", "{{json .Config.Healthcheck}}", tag],
                         capture_output=True, text=True, check=True).stdout
    assert json.loads(got) == {"Test": ["NONE"]}
