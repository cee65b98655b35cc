"""`micropack debug` on a real minified image that has no shell: the
toolbox sees the target's processes, sockets and files, shares its IPC
namespace when docker allows it (and says so when it does not), passes the
command's status on, and leaves no container behind, also when micropack
is stopped with SIGTERM."""
from __future__ import annotations

import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import need, run_micropack

pytestmark = pytest.mark.integration

LABEL = "io.micropack.run"


@pytest.fixture(scope="module")
def toolbox(docker_ready: None) -> str:
    from micropack import debimage
    tag = debimage.tag_for(debimage.SPECS["toolbox"], debimage.apt_mirror())
    built = subprocess.run(["docker", "image", "inspect", tag], capture_output=True).returncode == 0
    need(built, f"the toolbox image {tag} (micropack test-image toolbox)")
    return tag


@pytest.fixture(scope="module")
def shellless(bpf_ready: None, fat_image: str) -> Iterator[str]:
    """A minified image of `sleep` alone: no shell, no ps, nothing to exec."""
    tag = f"micropack-ux-test/sleep:{uuid.uuid4().hex[:8]}"
    proc = run_micropack("minify", fat_image, "-t", tag, "--network", "none", "--cmd", "sleep 3600",
                         "--probe-cmd", "true", timeout=900)
    assert proc.returncode == 0, proc.stderr
    yield tag
    subprocess.run(["docker", "rmi", "-f", tag], capture_output=True)


def start(image: str, *args: str) -> str:
    name = f"micropack-ux-{uuid.uuid4().hex[:10]}"
    subprocess.run(["docker", "run", "-d", "--name", name, "--network", "none", *args, image],
                   capture_output=True, check=True)
    return name


@pytest.fixture
def target(shellless: str) -> Iterator[str]:
    name = start(shellless)
    yield name
    subprocess.run(["docker", "rm", "-f", name], capture_output=True)


def debug(*args: str) -> tuple[subprocess.Popen[str], str]:
    """micropack debug in a child process; also the owner label its containers carry."""
    proc = subprocess.Popen([sys.executable, "-m", "micropack.cli", "debug", *args],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    return proc, f"{proc.pid}@{boot}"


def containers_of(owner: str) -> list[str]:
    out = subprocess.run(["docker", "ps", "-a", "-q", "--filter", f"label={LABEL}={owner}"],
                         capture_output=True, text=True, check=True)
    return out.stdout.split()


def test_the_target_really_has_no_shell(target):
    proc = subprocess.run(["docker", "exec", target, "sh", "-c", "true"], capture_output=True, text=True)
    assert proc.returncode != 0 and "executable file not found" in proc.stderr + proc.stdout


def test_a_toolbox_sees_the_targets_processes_files_and_network(toolbox, target):
    script = ("ps -eo pid=,args=; echo ---; ls /proc/1/root/usr/bin; echo ---; "
              "test -e /proc/1/root/bin/sh && echo target-has-sh; test -x /bin/sh && echo toolbox-has-sh; "
              "echo ---; readlink /proc/1/ns/net /proc/self/ns/net /proc/1/ns/ipc /proc/self/ns/ipc; exit 7")
    proc, owner = debug(target, "--", "sh", "-c", script)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 7, err                   # the command's own status
    processes, files, shells, namespaces = out.split("---\n")
    first = processes.splitlines()[0].split(None, 1)
    assert first == ["1", "sleep 3600"]                # the target's process is pid 1
    assert "sleep" in files.split() and "sh" not in files.split()
    assert shells.split() == ["toolbox-has-sh"]        # the shell is the toolbox's, not the target's
    net_target, net_self, ipc_target, ipc_self = namespaces.split()
    assert net_target == net_self
    # docker's default IPC mode is private: not joinable, and micropack says so
    assert ipc_target != ipc_self
    assert "IPC namespace is not shareable" in err and "/proc/1/root" in err
    assert containers_of(owner) == []


def test_a_shareable_ipc_namespace_is_joined(toolbox, shellless):
    name = start(shellless, "--ipc", "shareable")
    try:
        proc, owner = debug(name, "--image", toolbox, "--",
                            "sh", "-c", "readlink /proc/1/ns/ipc /proc/self/ns/ipc")
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        a, b = out.split()
        assert a == b and a.startswith("ipc:")
        assert "and its IPC namespace" in err and "not shareable" not in err
        assert containers_of(owner) == []
    finally:
        subprocess.run(["docker", "rm", "-f", name], capture_output=True)


def test_sigterm_leaves_no_toolbox_behind(toolbox, target):
    proc, owner = debug(target, "--", "sleep", "300")
    deadline = time.monotonic() + 120
    while not containers_of(owner):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the toolbox never started"
        time.sleep(0.3)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM, err
    assert "interrupted by SIGTERM" in err
    assert containers_of(owner) == []
    # the target goes on untouched
    state = subprocess.run(["docker", "inspect", "-f", "{{.State.Running}}", target],
                           capture_output=True, text=True)
    assert state.stdout.strip() == "true"


def test_a_stopped_or_unknown_target_is_one_line(toolbox, shellless):
    proc = run_micropack("debug", f"micropack-ux-missing-{uuid.uuid4().hex[:6]}", "--", "true")
    assert proc.returncode == 1 and "not found" in proc.stderr
    name = start(shellless)
    try:
        subprocess.run(["docker", "stop", "-t", "1", name], capture_output=True, check=True)
        proc = run_micropack("debug", name, "--", "true")
        assert proc.returncode == 1 and "is not running" in proc.stderr
        assert proc.stderr.count("\n") == 1
    finally:
        subprocess.run(["docker", "rm", "-f", name], capture_output=True)
