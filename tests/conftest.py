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

# scripts/setup-host.sh starts a containerd of micropack's own (beside
# dockerd's) and a registry on the loopback; the tests use them, and a
# namespace of their own in that containerd.
CONTAINERD_SOCK = "/run/micropack-containerd/containerd.sock"
os.environ.setdefault("CONTAINERD_ADDRESS", CONTAINERD_SOCK)
os.environ.setdefault("CONTAINERD_NAMESPACE", "micropack-test")
REGISTRY = "127.0.0.1:18200"


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


# --- podman, containerd, the registry ------------------------------------------

def ctr(*args: str, check: bool = True, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """ctr on micropack's containerd, in the tests' namespace."""
    return subprocess.run(["ctr", "--address", os.environ["CONTAINERD_ADDRESS"],
                           "--namespace", os.environ["CONTAINERD_NAMESPACE"], *args],
                          capture_output=True, text=True, check=check, timeout=timeout)


# podman on this host: runc (crun refuses hybrid cgroups) and limits root
# without CAP_SYS_RESOURCE can set (see micropack/runtimes/podman.py)
PODMAN = ["podman", "--runtime", "runc"]
PODMAN_RUN = [*PODMAN, "run", "--pull=never", "--ulimit", "nofile=20000:20000",
              "--ulimit", "nproc=4096:4096"]


def podman(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*PODMAN, *args], capture_output=True, text=True, check=check)


@pytest.fixture(scope="session")
def podman_ready(docker_ready: None) -> None:
    need(shutil.which("podman") is not None, "podman (scripts/setup-host.sh installs it)")
    ok = subprocess.run([*PODMAN, "info"], capture_output=True).returncode == 0
    need(ok, "a working podman (podman info failed)")


@pytest.fixture(scope="session")
def containerd_ready(docker_ready: None) -> None:
    need(shutil.which("ctr") is not None, "ctr (containerd; scripts/setup-host.sh installs it)")
    ok = os.path.exists(os.environ["CONTAINERD_ADDRESS"]) and ctr("version", check=False).returncode == 0
    need(ok, f"micropack's containerd on {os.environ['CONTAINERD_ADDRESS']} "
             "(scripts/setup-host.sh starts it)")


@pytest.fixture(scope="session")
def registry(docker_ready: None) -> str:
    ok = subprocess.run(["curl", "-fsS", f"http://{REGISTRY}/v2/"], capture_output=True).returncode == 0
    need(ok, f"the local registry on {REGISTRY} (scripts/setup-host.sh starts it)")
    return REGISTRY


@pytest.fixture(scope="session")
def fat_archive(fat_image: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The docker test image as `docker save` writes it, loaded into the
    other runtimes: the same image, with the same id, in all three."""
    path = tmp_path_factory.mktemp("fat-archive") / "fat.tar"
    subprocess.run(["docker", "save", "-o", str(path), fat_image], check=True, capture_output=True)
    yield str(path)
    path.unlink(missing_ok=True)


@pytest.fixture(scope="session")
def podman_fat(podman_ready: None, fat_image: str, request: pytest.FixtureRequest) -> str:
    if podman("image", "exists", fat_image, check=False).returncode != 0:
        archive = request.getfixturevalue("fat_archive")
        podman("load", "-i", archive)
    return fat_image


@pytest.fixture(scope="session")
def containerd_fat(containerd_ready: None, fat_image: str, request: pytest.FixtureRequest) -> str:
    from micropack.runtimes.base import normalize_ref
    if normalize_ref(fat_image) not in ctr("images", "ls", "-q").stdout.split():
        archive = request.getfixturevalue("fat_archive")
        ctr("images", "import", archive)
    return fat_image
