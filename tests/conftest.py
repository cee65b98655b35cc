"""Shared fixtures. Integration tests need root, a docker daemon, BPF and the
local test images: locally a missing prerequisite skips them with the reason;
in CI (CI=true) it fails them, and any skip at all fails the run."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator

import pytest

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def run_micropack(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """The CLI as a user runs it, in a child process."""
    return subprocess.run([sys.executable, "-m", "micropack.cli", *args],
                          capture_output=True, text=True, timeout=timeout)


def need(condition: bool, what: str) -> None:
    """Stop the test when a prerequisite is missing: a skip locally, a failure in CI."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"prerequisite missing in CI: {what}", pytrace=False)
    pytest.skip(f"needs {what}")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if IN_CI and skipped and exitstatus == 0:
        if reporter:
            reporter.write_line(f"CI=true: {skipped} skipped test(s) count as failures", red=True)
        session.exitstatus = 1


@pytest.fixture(scope="session")
def docker_ready() -> None:
    need(os.geteuid() == 0, "root")
    need(shutil.which("docker") is not None, "the docker client")
    ok = subprocess.run(["docker", "info"], capture_output=True).returncode == 0
    need(ok, "a running docker daemon (scripts/setup-host.sh starts one)")


@pytest.fixture(scope="session")
def bpf_ready(docker_ready: None) -> None:
    from micropack.tracers.ebpf import EbpfTracer
    missing = EbpfTracer.missing()
    need(not missing, "eBPF: " + "; ".join(missing))


@pytest.fixture(scope="session")
def fat_image(docker_ready: None) -> str:
    from micropack import debimage
    tag = debimage.tag_for(debimage.SPECS["fat"], debimage.apt_mirror())
    built = subprocess.run(["docker", "image", "inspect", tag], capture_output=True).returncode == 0
    need(built, f"the test image {tag} (micropack test-image fat)")
    return tag


class Container:
    def __init__(self, image: str, cmd: tuple[str, ...] = ("sleep", "infinity"),
                 run_args: tuple[str, ...] = ("--network=none",)) -> None:
        self.name = f"micropack-test-{uuid.uuid4().hex[:10]}"
        out = subprocess.run(["docker", "run", "-d", "--name", self.name, *run_args, image, *cmd],
                             capture_output=True, text=True, check=True)
        self.id = out.stdout.strip()

    def exec(self, *cmd: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["docker", "exec", self.name, *cmd], capture_output=True,
                              text=True, check=check)

    def remove(self) -> None:
        subprocess.run(["docker", "rm", "-f", self.name], capture_output=True)


@pytest.fixture
def fat_container(fat_image: str) -> Iterator[Container]:
    c = Container(fat_image)
    try:
        yield c
    finally:
        c.remove()
