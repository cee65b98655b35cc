"""In CI a skipped test fails the run; locally it is only reported."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

CONFTEST = Path(__file__).resolve().parents[1] / "conftest.py"


def run_pytest(tmp_path: Path, ci: bool) -> subprocess.CompletedProcess[str]:
    shutil.copy(CONFTEST, tmp_path / "conftest.py")
    (tmp_path / "test_sample.py").write_text(
        "import pytest\n"
        "def test_runs():\n    assert True\n"
        "def test_skips():\n    pytest.skip('a prerequisite is missing')\n")
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    if ci:
        env["CI"] = "true"
    # the copied conftest imports nothing of micropack; -p no:cacheprovider keeps tmp clean
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           str(tmp_path)], capture_output=True, text=True, env=env, cwd=tmp_path)


def test_a_skip_fails_the_run_in_ci(tmp_path: Path):
    proc = run_pytest(tmp_path, ci=True)
    assert proc.returncode == 1, proc.stdout
    assert "skipped test(s) count as failures" in proc.stdout


def test_a_skip_is_only_reported_locally(tmp_path: Path):
    proc = run_pytest(tmp_path, ci=False)
    assert proc.returncode == 0, proc.stdout
    assert "1 skipped" in proc.stdout
