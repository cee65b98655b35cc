"""The application suite: eight applications built from Debian packages with
debootstrap, each with probe set A (what `micropack minify` is given) and a
different workload B (what a user runs next, tests/apps/<app>/workload.sh).

B passes on a minified image when it prints exactly what it prints on the
original. The original is run with every option minify was given (-u,
--cmd, ...); the minified image only with the runtime ones (--network), so
whatever is image config must have been carried into it.

Used by tests/integration/test_apps.py and bench/apps.py."""
from __future__ import annotations

import os
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from micropack.debimage import ImageSpec

HERE = Path(__file__).resolve().parent
REPO = "micropack-apps"


@dataclass(frozen=True)
class App:
    name: str
    spec: ImageSpec
    runtime: tuple[str, ...]          # docker run options that are not image config
    config: tuple[str, ...] = ()      # minify options that are image config (-u, -e, --cmd)
    probes: tuple[str, ...] = ()      # probe set A, as minify options
    port: int | None = None           # a server's port: B runs against a running container
    ready_timeout: float = 60.0

    @property
    def workload(self) -> Path:
        return HERE / self.name / "workload.sh"

    def minify_args(self) -> list[str]:
        return [*self.runtime, *self.config, *self.probes]


def _setup(name: str) -> str:
    path = HERE / name / "setup.sh"
    return path.read_text() if path.exists() else ""


def _tree(name: str) -> Path | None:
    path = HERE / name / "root"
    return path if path.is_dir() else None


def _spec(name: str, packages: tuple[str, ...], cmd: tuple[str, ...]) -> ImageSpec:
    return ImageSpec(f"{REPO}-{name}", packages, cmd=cmd, repo="", tree=_tree(name), setup=_setup(name))


PG_BIN = "/usr/lib/postgresql/15/bin"
APPS = {
    "postgres": App(
        "postgres",
        _spec("postgres", ("postgresql-15",),
              (f"{PG_BIN}/postgres", "-D", "/var/lib/postgresql/15/main",
               "-c", "config_file=/etc/postgresql/15/main/postgresql.conf")),
        runtime=("--network", "host"), config=("-u", "postgres"),
        probes=("--probe-exec", "pg_isready -h 127.0.0.1 -p 18110",
                "--probe-exec", "psql -h 127.0.0.1 -p 18110 -U postgres -Atc 'select 1'"),
        port=18110),
    "flask": App(
        "flask", _spec("flask", ("python3-flask",), ("python3", "/app/app.py")),
        runtime=("--network", "host"),
        probes=("--probe-http", "http://127.0.0.1:18120/health",
                "--probe-http", "http://127.0.0.1:18120/api/items"),
        port=18120),
    "nginx": App(
        "nginx", _spec("nginx", ("nginx",), ("nginx", "-g", "daemon off;")),
        runtime=("--network", "host"), probes=("--probe-http", "http://127.0.0.1:18130/"),
        port=18130),
    "node": App(
        "node", _spec("node", ("nodejs",), ("node", "/app/server.js")),
        runtime=("--network", "host"), probes=("--probe-http", "http://127.0.0.1:18140/health"),
        port=18140),
    "jail": App(
        "jail", _spec("jail", ("busybox-static",),
                      ("/usr/sbin/chroot", "/srv/jail", "/bin/busybox", "httpd", "-f",
                       "-p", "127.0.0.1:18150", "-h", "/www")),
        runtime=("--network", "host"), probes=("--probe-http", "http://127.0.0.1:18150/"),
        port=18150),
    "shell": App(
        "shell", _spec("shell", ("tzdata",), ("/app/report.sh", "summary")),
        runtime=("--network", "none"), probes=("--compare-output",)),
    "ruby": App(
        "ruby", _spec("ruby", ("ruby", "ruby-webrick", "tzdata"), ("ruby", "/app/server.rb")),
        runtime=("--network", "host"),
        probes=("--probe-http", "http://127.0.0.1:18160/health",
                "--probe-http", "http://127.0.0.1:18160/json?q=a"),
        port=18160),
    "perl": App(
        "perl", _spec("perl", ("perl", "tzdata"), ("perl", "/app/server.pl")),
        runtime=("--network", "host"),
        probes=("--probe-http", "http://127.0.0.1:18170/health",
                "--probe-http", "http://127.0.0.1:18170/json"),
        port=18170),
}


def image(app: App) -> str:
    from micropack import debimage, runtimes
    return debimage.ensure_spec(runtimes.get(), app.spec)


def _wait_port(port: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            s.settimeout(1)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.3)
    return False


@dataclass
class Outcome:
    status: int
    output: str


def run_workload(app: App, image_ref: str, original: bool) -> Outcome:
    """Workload B against image_ref: the original with all of minify's
    options, a minified image with the runtime ones only."""
    name = f"micropack-apps-{app.name}-{uuid.uuid4().hex[:8]}"
    env = dict(os.environ, IMAGE=image_ref, NAME=name, CONTAINER=name)
    if app.port is None:
        p = subprocess.run(["sh", str(app.workload)], env=env, capture_output=True, text=True,
                           timeout=600)
        return Outcome(p.returncode, p.stdout + p.stderr)
    args = ["docker", "run", "-d", "--name", name, *app.runtime]
    cmd: list[str] = []
    if original:
        opts = list(app.config)
        while opts:
            flag, value = opts.pop(0), opts.pop(0)
            if flag == "--cmd":
                cmd = value.split()
            else:
                args += [flag, value]
    started = subprocess.run([*args, image_ref, *cmd], capture_output=True, text=True)
    if started.returncode != 0:
        return Outcome(started.returncode, "docker run failed: " + started.stderr)
    try:
        if not _wait_port(app.port, app.ready_timeout):
            logs = subprocess.run(["docker", "logs", name], capture_output=True, text=True)
            return Outcome(1, f"port {app.port} never opened\n{logs.stdout}{logs.stderr}")
        time.sleep(1.0)          # a database accepts connections a moment before queries
        p = subprocess.run(["sh", str(app.workload)], env=env, capture_output=True, text=True,
                           timeout=600)
        return Outcome(p.returncode, p.stdout + p.stderr)
    finally:
        subprocess.run(["docker", "rm", "-f", name], capture_output=True)
