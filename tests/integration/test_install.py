"""micropack installed like any tool, outside this checkout: a wheel built
from a copy of the source, installed into a fresh venv (with the system's
site-packages for bcc, which only Debian's python3-bpfcc provides), and
`pipx install --system-site-packages` of the source as the README says; each
traces a real container with the BPF program it ships, and reads a sysdig
capture through the chisel it ships."""
from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import need

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
SCAP = REPO.parent / "shared" / "fixtures" / "scap"
SYSTEM_PYTHON = "/usr/bin/python3"     # Debian's, whose site-packages hold bcc
NOT_SOURCE = shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info", "__pycache__",
                                    ".pytest_cache", ".mypy_cache", ".ruff_cache", "bench")


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without anything that points into this checkout."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME") and not k.startswith("PIPX_")}
    env["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    env.update(extra)
    return env


def run(argv: list[str], cwd: Path, timeout: float = 600, **env: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(argv, cwd=cwd, env=clean_env(**env), capture_output=True, text=True,
                          timeout=timeout)
    assert proc.returncode == 0, f"{argv}: {proc.stderr[-3000:]}"
    return proc


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    """A copy of the source: building in the checkout would leave build/ in it."""
    dest = tmp_path_factory.mktemp("src") / "micropack"
    shutil.copytree(REPO, dest, ignore=NOT_SOURCE)
    return dest


@pytest.fixture(scope="module")
def workload(bpf_ready, fat_image) -> Iterator[str]:
    name = f"micropack-ux-{uuid.uuid4().hex[:10]}"
    subprocess.run(["docker", "run", "-d", "--name", name, "--network=none", fat_image,
                    "sleep", "infinity"], capture_output=True, check=True)
    yield name
    subprocess.run(["docker", "rm", "-f", name], capture_output=True)


def traces_a_container(micropack: str, workdir: Path, container: str) -> None:
    """The installed micropack traces a command run in the container."""
    out = workdir / f"files-{uuid.uuid4().hex[:6]}.txt"
    proc = run([micropack, "trace", "--container", container, "-o", str(out), "--",
                "docker", "exec", container, "sh", "-c", "cat /etc/debian_version; ls /usr/share/zoneinfo"],
               cwd=workdir)
    files = out.read_text().split()
    assert "/etc/debian_version" in files and "/usr/bin/cat" in files and "/usr/share/zoneinfo" in files
    assert "stopped: command exited with status 0" in proc.stderr


def reads_a_capture(micropack: str, workdir: Path) -> None:
    need(shutil.which("sysdig") is not None, "sysdig (apt install sysdig)")
    need((SCAP / "run_as_user_0_container.scap").is_file(), f"the capture fixtures at {SCAP}")
    out = workdir / "capture-files.txt"
    run([micropack, "trace", "--from-capture", str(SCAP / "run_as_user_0_container.scap"),
         "--container", "697956520d89", "-o", str(out)], cwd=workdir)
    assert "/bin/ls" in out.read_text().split()


def test_a_wheel_in_a_fresh_venv_traces_a_container(source, workload, tmp_path):
    need(Path(SYSTEM_PYTHON).exists(), SYSTEM_PYTHON)
    wheels = tmp_path / "wheels"
    run([SYSTEM_PYTHON, "-m", "venv", str(tmp_path / "build-env")], cwd=tmp_path)
    run([str(tmp_path / "build-env" / "bin" / "pip"), "wheel", "--no-deps", "-w", str(wheels),
         str(source)], cwd=tmp_path)
    wheel, = wheels.glob("micropack-*.whl")
    venv = tmp_path / "venv"
    run([SYSTEM_PYTHON, "-m", "venv", "--system-site-packages", str(venv)], cwd=tmp_path)
    run([str(venv / "bin" / "pip"), "install", str(wheel)], cwd=tmp_path)

    where = run([str(venv / "bin" / "python"), "-c",
                 "import micropack, micropack.runtimes.docker, micropack.data as d; "
                 "print(micropack.__file__); print(d.exists(d.BPF_PROGRAM), d.exists(d.CHISEL))"],
                cwd=tmp_path).stdout.split()
    assert where[0].startswith(str(venv)) and where[1:] == ["True", "True"]
    assert not where[0].startswith(str(REPO))
    micropack = str(venv / "bin" / "micropack")
    assert run([micropack, "--version"], cwd=tmp_path).stdout.strip() == "micropack, version 0.1.0"
    traces_a_container(micropack, tmp_path, workload)
    reads_a_capture(micropack, tmp_path)


def test_pipx_install_of_the_source_traces_a_container(source, workload, tmp_path):
    need(shutil.which("pipx") is not None, "pipx (apt install pipx; scripts/setup-host.sh installs it)")
    home, bin_dir = tmp_path / "pipx-home", tmp_path / "bin"
    pipx_env = {"PIPX_HOME": str(home), "PIPX_BIN_DIR": str(bin_dir)}
    run(["pipx", "install", "--system-site-packages", str(source)], cwd=tmp_path, **pipx_env)
    micropack = str(bin_dir / "micropack")
    assert Path(micropack).exists()
    assert run([micropack, "--version"], cwd=tmp_path).stdout.strip() == "micropack, version 0.1.0"
    traces_a_container(micropack, tmp_path, workload)
