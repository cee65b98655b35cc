"""Probes on the original and the minified image compared; a failure says why."""
from __future__ import annotations

import http.server
import socket
import threading
from collections.abc import Iterator

import pytest

from micropack.probes import Probe, ProbeResult, Target
from micropack.runtimes.base import RunOptions
from micropack.verdicts import judge


def test_same_status_passes_and_output_counts_only_when_compared():
    o = [ProbeResult("exec a", 0, "hello\nworld")]
    m = [ProbeResult("exec a", 0, "hello\nthere")]
    assert judge(o, m, compare_output=False)[0].passed
    v = judge(o, m, compare_output=True)[0]
    assert not v.passed
    assert v.reason == "minified: output differs (line 2: 'there' instead of 'world')"


def test_a_failing_probe_carries_the_minified_runs_reason():
    o = [ProbeResult("http x", 0, "ok")]
    m = [ProbeResult("http x", 1, "", "connection refused")]
    v = judge(o, m, compare_output=False)[0]
    assert (v.passed, v.original_status, v.minified_status) == (False, 0, 1)
    assert v.reason == "minified: connection refused (the original gave status 0)"
    assert "FAILED" in v.line(False) and v.line(False).endswith(v.reason)


def test_an_http_probe_must_get_the_same_answer_not_just_another_2xx_or_3xx():
    """A probe passes on any 2xx or 3xx; the minified image must answer what
    the original did: a redirect to an error page where the original
    served the page is another program. The line says what each answered
    (it said "original 0", which read as an HTTP status)."""
    o = [ProbeResult("http /", 0, "page", http_status=200)]
    same = judge(o, [ProbeResult("http /", 0, "page", http_status=200)], compare_output=False)[0]
    assert same.passed and "(original HTTP 200, minified HTTP 200)" in same.line(False)
    v = judge(o, [ProbeResult("http /", 0, "", http_status=302)], compare_output=False)[0]
    assert not v.passed and v.reason == "minified: HTTP status 302 (the original gave HTTP 200)"
    exec_line = judge([ProbeResult("exec a", 0, "")], [ProbeResult("exec a", 0, "")], False)[0].line(False)
    assert "(original status 0, minified status 0)" in exec_line


def test_the_seccomp_run_is_judged_too():
    o = [ProbeResult("exec a", 0, "")]
    v = judge(o, [ProbeResult("exec a", 0, "")], False,
              confined=[ProbeResult("exec a", 1, "", "exit status 1: Operation not permitted")])[0]
    assert not v.passed and v.seccomp_status == 1
    assert v.reason.startswith("under the seccomp profile: exit status 1: Operation not permitted")


@pytest.fixture
def server() -> Iterator[int]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200 if self.path == "/" else 404)
            self.end_headers()
            self.wfile.write(b"page")

        def log_message(self, *args: object) -> None:
            pass

    httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1]
    httpd.shutdown()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_http_probe_reasons(server: int):
    target = Target(engine=None, cid="none")  # type: ignore[arg-type]   # http needs no engine
    ok = Probe("http", f"http://127.0.0.1:{server}/").once(target)
    assert (ok.status, ok.output, ok.reason) == (0, "page", "")
    missing = Probe("http", f"http://127.0.0.1:{server}/nope").once(target)
    assert missing.status == 404 and missing.reason == "HTTP status 404 Not Found"
    refused = Probe("http", f"http://127.0.0.1:{free_port()}/").once(target)
    assert refused.status == 1 and refused.reason == "connection refused"


def test_run_options_become_image_config(monkeypatch):
    monkeypatch.setenv("FROM_HOST", "passed")
    opts = RunOptions(user="postgres", env=["PGDATA=/data", "FROM_HOST", "UNSET_HERE"],
                      workdir="/srv", cmd=["postgres", "-D", "/data"])
    got = opts.image_overrides(["PATH=/usr/bin", "PGDATA=/old"])
    # `-e NAME` passes this host's value to the runs, never into the image
    assert got == {"Cmd": ["postgres", "-D", "/data"], "User": "postgres", "WorkingDir": "/srv",
                   "Env": ["PATH=/usr/bin", "PGDATA=/data"]}
    assert RunOptions().image_overrides(["PATH=/x"]) == {}
    assert RunOptions(entrypoint="").image_overrides() == {"Entrypoint": None, "Cmd": None}
