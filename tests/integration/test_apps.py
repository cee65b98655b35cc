"""The application suite (tests/apps): each application minified at the
default granularity with its probe set A, then workload B, which the probes
never ran, must print on the minified image exactly what it prints on the
original. Real images (debootstrap), real dockerd, the real BPF tracer."""
from __future__ import annotations

import functools
import json
import subprocess
from pathlib import Path

import pytest

from micropack.levels import DEFAULT_GRANULARITY
from tests.apps import APPS, App, image, run_workload
from tests.conftest import need, run_micropack

pytestmark = pytest.mark.integration

micropack = functools.partial(run_micropack, timeout=1800)


@pytest.fixture(scope="module")
def built(docker_ready: None) -> dict[str, str]:
    """The application images (built once with debootstrap, then cached)."""
    import shutil
    need(shutil.which("debootstrap") is not None, "debootstrap (scripts/setup-host.sh installs it)")
    return {}


def app_image(app: App, built: dict[str, str]) -> str:
    if app.name not in built:
        built[app.name] = image(app)
    return built[app.name]


def minify(app: App, original: str, tag: str, report: Path, *extra: str) -> dict:
    proc = micropack("minify", original, "-t", tag, *app.minify_args(), "--report", str(report), *extra)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(report.read_text())


@pytest.mark.parametrize("name", list(APPS))
def test_workload_b_survives_the_default_granularity(bpf_ready: None, built: dict[str, str], name: str,
                                                     tmp_path: Path):
    app = APPS[name]
    original = app_image(app, built)
    expected = run_workload(app, original, original=True)
    assert expected.status == 0, expected.output[-2000:]
    tag = f"micropack-apps-{name}:test-{DEFAULT_GRANULARITY}"
    try:
        report = minify(app, original, tag, tmp_path / "report.json")
        assert report["pack"]["granularity"] == DEFAULT_GRANULARITY
        got = run_workload(app, tag, original=False)
        assert got.output == expected.output
        assert report["ratio"] > 1.5
        # the report says why each path is kept, and what of the original was dropped
        assert all(k["why"] for k in report["pack"]["kept"])
        sizes = [u["size"] for u in report["pack"]["units"] if u["status"] == "dropped"]
        assert sizes and sizes == sorted(sizes, reverse=True)
        # ... and keeps the trace, to pack again without tracing
        files_txt, events = Path(report["files_txt"]), Path(report["events"])
        assert files_txt.parent == tmp_path and files_txt.read_text().startswith("/")
        assert events.stat().st_size > 0
    finally:
        subprocess.run(["docker", "rmi", "-f", tag], capture_output=True)


def test_file_granularity_stays_tight_and_fails_workload_b(bpf_ready: None, built: dict[str, str],
                                                            tmp_path: Path):
    """The shell application at file level: smaller than the default, and B
    breaks the way the issue describes (find missing, time zones wrong)."""
    app = APPS["shell"]
    original = app_image(app, built)
    expected = run_workload(app, original, original=True)
    tags = {level: f"micropack-apps-shell:test-{level}" for level in ("file", DEFAULT_GRANULARITY)}
    try:
        file_report = minify(app, original, tags["file"], tmp_path / "file.json", "--granularity", "file")
        unit_report = minify(app, original, tags[DEFAULT_GRANULARITY], tmp_path / "unit.json")
        assert file_report["minified_size"] < unit_report["minified_size"]
        got = run_workload(app, tags["file"], original=False)
        assert got.output != expected.output
        assert "command not found" in got.output          # mktemp, the first of them
        def dropped(report: dict) -> list[str]:
            return [f"{u['kind']}:{u['name']}" for u in report["pack"]["units"] if u["status"] == "dropped"]
        assert "dpkg:findutils" in dropped(file_report) and "dpkg:findutils" not in dropped(unit_report)
        assert any(k["path"] == "/tmp" for k in file_report["pack"]["kept"])   # sticky, at every level
    finally:
        for tag in tags.values():
            subprocess.run(["docker", "rmi", "-f", tag], capture_output=True)


def test_user_given_to_minify_becomes_the_images_user(bpf_ready: None, built: dict[str, str],
                                                      tmp_path: Path):
    """PostgreSQL refuses to run as root: verified with -u postgres, the
    minified image must carry that user, and the -e given."""
    app = APPS["postgres"]
    original = app_image(app, built)
    tag = "micropack-apps-postgres:test-config"
    try:
        minify(app, original, tag, tmp_path / "r.json", "-e", "PGTZ=UTC", "--granularity", "file")
        config = json.loads(subprocess.run(["docker", "image", "inspect", tag], capture_output=True,
                                           text=True, check=True).stdout)[0]["Config"]
        assert config["User"] == "postgres"
        inspect = subprocess.run(["docker", "image", "inspect", original], capture_output=True, text=True,
                                 check=True)
        original_env = json.loads(inspect.stdout)[0]["Config"]["Env"] or []
        assert config["Env"] == [*original_env, "PGTZ=UTC"]
    finally:
        subprocess.run(["docker", "rmi", "-f", tag], capture_output=True)


def test_a_daemon_in_a_chroot_keeps_the_jails_files_not_the_images(bpf_ready: None, built: dict[str, str],
                                                                  tmp_path: Path):
    """busybox httpd chrooted into /srv/jail, at file level: what it ran and
    served are the jail's. Recorded as the image's names, the minified
    image had the image's /bin/busybox and not the jail's, and could not
    start."""
    app = APPS["jail"]
    original = app_image(app, built)
    tag = "micropack-apps-jail:test-file"
    try:
        report = minify(app, original, tag, tmp_path / "r.json", "--granularity", "file")
        kept = {k["path"] for k in report["pack"]["kept"]}
        assert {"/srv/jail/bin/busybox", "/srv/jail/www/index.html"} <= kept
        assert not {"/bin/busybox", "/www/index.html"} & kept
        assert "/srv/jail/www/pages/p7.html" not in kept        # file level: only what was served
        assert report["rounds"][0]["passed"], report["rounds"]
    finally:
        subprocess.run(["docker", "rmi", "-f", tag], capture_output=True)


def test_excluding_the_jit_keeps_no_llvm(docker_ready: None, built: dict[str, str], tmp_path: Path):
    """pack on the PostgreSQL image: the JIT module traced but excluded must
    not keep libLLVM "needed by" it; at package level, the JIT module the
    package brings is left out for the 100+ MB of LLVM it would pull in."""
    original = app_image(APPS["postgres"], built)
    files = tmp_path / "files.txt"
    files.write_text("/usr/lib/postgresql/15/bin/postgres\n/usr/lib/postgresql/15/lib/llvmjit.so\n")
    report_path = tmp_path / "r.json"
    proc = micropack("pack", "-i", str(files), "-o", str(tmp_path / "r.tar"), "--image", original,
                     "--granularity", "file", "--exclude", "/usr/lib/postgresql/15/lib/llvmjit*",
                     "--report", str(report_path))
    assert proc.returncode == 0, proc.stderr
    kept = {k["path"] for k in json.loads(report_path.read_text())["kept"]}
    assert "/usr/lib/postgresql/15/lib/llvmjit.so" not in kept
    assert not any("libLLVM" in p for p in kept)
    files.write_text("/usr/lib/postgresql/15/bin/postgres\n")
    proc = micropack("pack", "-i", str(files), "-o", str(tmp_path / "p.tar"), "--image", original,
                     "--granularity", "package", "--report", str(report_path))
    assert proc.returncode == 0, proc.stderr
    report = json.loads(report_path.read_text())
    kept = {k["path"] for k in report["kept"]}
    assert "/usr/lib/postgresql/15/bin/pgbench" in kept
    assert not any("libLLVM" in p for p in kept)
    skipped = {s["path"]: s["why"] for s in report["skipped"]}
    assert "never used (libllvm14" in skipped["/usr/lib/postgresql/15/lib/llvmjit.so"]


def test_include_options_are_checked(docker_ready: None, built: dict[str, str], tmp_path: Path):
    original = app_image(APPS["shell"], built)
    files = tmp_path / "files.txt"
    files.write_text("/app/report.sh\n")
    out = str(tmp_path / "r.tar")
    proc = micropack("pack", "-i", str(files), "-o", out, "--image", original, "--include", "app/data/*")
    assert proc.returncode == 2 and "not absolute" in proc.stderr
    proc = micropack("pack", "-i", str(files), "-o", out, "--image", original, "--include", "/app/nothing*")
    assert proc.returncode == 0
    assert "--include /app/nothing* matches nothing in the source" in proc.stderr
