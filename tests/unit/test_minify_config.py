"""What minify verifies and what it writes into the minified image's config:
the image's own HEALTHCHECK is one more probe (it is carried into the
minified image, so it must work there), and `-e NAME` passes this shell's
value to the runs only, never into the image. The loop runs with a fake
engine and a fake traced run; every probe goes through Drive and
Probe.once, as in a real run."""
from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from click.testing import CliRunner

from micropack import cli, minify, probes, resolve, runs
from micropack.errors import ImageError, VerifyError
from micropack.probes import HEALTH_LIMIT, HEALTH_TIMEOUT, Probe, address_taken, healthcheck_probe
from micropack.probes import Target as ProbeTarget
from micropack.runs import Drive, RunOutcome
from micropack.runtimes.base import ExecResult, ImageInfo, RunOptions
from micropack.runtimes.docker import run_args
from micropack.tracers.base import TraceStats

ORIGINAL = "mpk-test/hc:1"
MINIFIED = "mpk-test/hc:min"
FIND = ["/usr/bin/find", "/tmp", "-maxdepth", "0"]


@dataclass
class FakeEngine:
    """Knows two images; exec answers from `answers` by image, and records argv."""

    config: dict[str, Any]
    broken_on_minified: set[str] = field(default_factory=set)   # programs the minified image lacks
    execs: list[tuple[str, list[str]]] = field(default_factory=list)
    name: str = "fake"

    def image(self, ref: str) -> ImageInfo:
        return ImageInfo(ref=ref, id="sha256:" + "0" * 64, size=1000 if ref == ORIGINAL else 100,
                         created=0, architecture="amd64", config=self.config)

    def exec(self, cid: str, argv: Sequence[str], timeout: float) -> ExecResult:
        self.execs.append((cid, list(argv)))
        if cid == MINIFIED and argv[0] in self.broken_on_minified:
            return ExecResult(126, "", f'exec: "{argv[0]}": stat {argv[0]}: no such file or directory')
        return ExecResult(0, "", "")

    def running(self, cid: str) -> bool:
        return True

    def check_run(self, opts: RunOptions) -> None:
        return None

    def has_image(self, ref: str) -> bool:
        return False


class FakePacked:
    kept = ["/usr/bin/sleep"]
    partial_trees: list[str] = []
    left_out = ""
    unused_commands = ""
    unused_libraries = ""
    unused_tools = ""
    toolbox = ""
    unkept_runs = ""
    unkept_companions = ""
    packages = {"coreutils": 1}

    def as_json(self, src: Any) -> dict[str, Any]:
        return {}


@pytest.fixture
def loop(monkeypatch) -> dict[str, Any]:
    """minify's loop with everything but the probes faked; the container of
    an image is the image's name, so the fake engine knows which one a probe
    runs in. Records what image.build was given."""
    seen: dict[str, Any] = {"builds": [], "runs": []}

    def traced_run(engine: Any, image: str, opts: RunOptions, drive: Drive, say: Any,
                   count_syscalls: bool = False, failed_lookups: bool = True) -> RunOutcome:
        seen["runs"].append((image, opts))
        seen.setdefault("failed_lookups", []).append((image, failed_lookups))
        results = drive(ProbeTarget(engine, image), threading.Event())
        return RunOutcome(results, [], TraceStats())

    @contextmanager
    def open_source(engine: Any, image: str) -> Iterator[object]:
        yield object()

    def build(engine: Any, original: ImageInfo, rootfs_tar: Any, tag: str, **kw: Any) -> str:
        seen["builds"].append(kw.get("overrides"))
        return "sha256:" + "1" * 64

    monkeypatch.setattr(minify, "traced_run", traced_run)
    monkeypatch.setattr(minify, "open_source", open_source)
    monkeypatch.setattr(minify.pack, "pack_files", lambda *a, **k: FakePacked())
    monkeypatch.setattr(minify.image, "build", build)
    return seen


def run_minify(engine: FakeEngine, probes: list[Probe], opts: RunOptions | None = None,
               **kw: Any) -> minify.MinifyReport:
    return minify.minify(engine, ORIGINAL, MINIFIED, opts or RunOptions(network="none"),
                         Drive(probes, ready_timeout=0), resolve.Rules(), lambda _: None,
                         max_rounds=1, **kw)


HC_CMD = {"Healthcheck": {"Test": ["CMD", *FIND], "Interval": 2_000_000_000,
                          "Timeout": 2_000_000_000, "Retries": 1},
          "Cmd": ["sleep", "infinity"]}


# --- the health check is a probe -----------------------------------------------

def test_the_health_check_is_run_in_the_traced_runs_and_counts(loop):
    """The repro: a HEALTHCHECK whose program no probe uses. It runs in the
    original's traced run (so its files are traced and kept) and in the
    minified one, where a missing program fails the minify."""
    engine = FakeEngine(HC_CMD, broken_on_minified={FIND[0]})
    report = run_minify(engine, [Probe("exec", "test -d /tmp")])
    assert (ORIGINAL, FIND) in engine.execs and (MINIFIED, FIND) in engine.execs
    names = [v.probe for v in report.probes]
    assert names == ["exec test -d /tmp", "healthcheck CMD /usr/bin/find /tmp -maxdepth 0"]
    assert not report.passed
    assert "1/2 probes passed" in report.summary()
    failure = report.failure()
    assert failure is not None and "healthcheck CMD /usr/bin/find" in str(failure)
    assert "no such file or directory" in str(failure)


def test_a_working_health_check_passes_and_is_reported(loop):
    engine = FakeEngine(HC_CMD)
    report = run_minify(engine, [Probe("exec", "test -d /tmp")])
    assert report.passed and "2/2 probes passed" in report.summary()
    assert [p["probe"] for p in report.as_json()["probes"]][-1].startswith("healthcheck CMD ")
    assert "Healthcheck" not in loop["builds"][0]       # carried as it is


def test_the_health_checks_output_is_not_compared(loop):
    """docker judges it by its status: a check printing the time passes."""
    engine = FakeEngine(HC_CMD)
    clock = iter(range(100))
    engine.exec = lambda cid, argv, timeout: ExecResult(  # type: ignore[method-assign]
        0, f"now {next(clock)}" if list(argv) == FIND else "same", "")
    report = minify.minify(engine, ORIGINAL, MINIFIED, RunOptions(), Drive([Probe("exec", "x")], 0),
                           resolve.Rules(), lambda _: None, compare_output=True, max_rounds=1)
    assert report.passed, report.failure()


def test_with_no_probe_the_health_check_is_the_probe(loop):
    engine = FakeEngine(HC_CMD)
    report = run_minify(engine, [])
    assert [v.probe for v in report.probes] == ["healthcheck CMD /usr/bin/find /tmp -maxdepth 0"]


def test_a_health_check_failing_on_the_original_says_how_to_leave_it_out(loop):
    engine = FakeEngine(HC_CMD)
    engine.exec = lambda cid, argv, timeout: (  # type: ignore[method-assign]
        ExecResult(1, "", "unhealthy") if list(argv) == FIND else ExecResult(0, "", ""))
    with pytest.raises(VerifyError, match="healthcheck CMD .*: unhealthy .*--no-healthcheck"):
        run_minify(engine, [Probe("exec", "true")])


def test_no_healthcheck_skips_it_and_the_minified_image_has_none(loop):
    engine = FakeEngine(HC_CMD, broken_on_minified={FIND[0]})
    report = run_minify(engine, [Probe("exec", "true")], healthcheck=False)
    assert report.passed and all(argv != FIND for _, argv in engine.execs)
    assert loop["builds"][0]["Healthcheck"] == {"Test": ["NONE"]}


def test_the_originals_failed_lookups_are_traced_only_for_the_events_beside_a_report(loop, tmp_path):
    """The minified run's failed lookups are what a next round adds: always
    traced. The original's are only shown, in the events file beside a
    report: without one the kernel may drop them unread."""
    run_minify(FakeEngine({"Cmd": ["sleep", "infinity"]}), [Probe("exec", "true")])
    assert loop["failed_lookups"] == [(ORIGINAL, False), (MINIFIED, True)]
    loop["failed_lookups"].clear()
    run_minify(FakeEngine({"Cmd": ["sleep", "infinity"]}), [Probe("exec", "true")],
               outputs=minify.Outputs(report=str(tmp_path / "r.json")))
    assert loop["failed_lookups"] == [(ORIGINAL, True), (MINIFIED, True)]


def test_healthcheck_forms_as_docker_runs_them():
    cmd = healthcheck_probe(HC_CMD)
    assert cmd is not None and cmd.argv == tuple(FIND) and cmd.timeout == 2.0
    shell = healthcheck_probe({"Healthcheck": {"Test": ["CMD-SHELL", "curl -f localhost || exit 1"],
                                               "StartPeriod": 40_000_000_000}})
    assert shell is not None and shell.argv == ("/bin/sh", "-c", "curl -f localhost || exit 1")
    assert shell.name == "healthcheck CMD-SHELL curl -f localhost || exit 1"
    assert shell.timeout == HEALTH_TIMEOUT and shell.start_period == 40.0
    # docker runs it in the container's Shell, which docker run leaves
    # empty whatever the image's SHELL: /bin/sh -c
    bash = healthcheck_probe({"Healthcheck": {"Test": ["CMD-SHELL", "x"]}, "Shell": ["/bin/bash", "-c"]})
    assert bash is not None and bash.argv == ("/bin/sh", "-c", "x")
    # an image's own limits, each at most HEALTH_LIMIT: --timeout=1000h ended
    # minify in OverflowError, --start-period=1000h would have held it for weeks
    hostile = healthcheck_probe({"Healthcheck": {"Test": ["CMD", "sleep", "9"], "Timeout": 3_600_000 * 10**9,
                                                 "StartPeriod": 3_600_000 * 10**9}})
    assert hostile is not None and hostile.timeout == HEALTH_LIMIT and hostile.start_period == HEALTH_LIMIT
    for none in ({}, {"Healthcheck": None}, {"Healthcheck": {"Test": ["NONE"]}},
                 {"Healthcheck": {"Test": [], "Interval": 5}}):
        assert healthcheck_probe(none) is None
    with pytest.raises(ImageError, match="CMD, CMD-SHELL or NONE"):
        healthcheck_probe({"Healthcheck": {"Test": ["BOGUS", "x"]}})


def test_the_shell_is_not_carried_so_every_docker_runs_what_was_probed():
    from micropack.image import carried_config
    assert carried_config({"Shell": ["/bin/bash", "-c"]}) == {}


# --- -e NAME: the runs get the host's value, the image does not ------------------

def test_env_name_alone_never_reaches_the_image(monkeypatch):
    monkeypatch.setenv("MY_SECRET", "hunter2")
    opts = RunOptions(env=["MY_SECRET", "GIVEN=1", "UNSET_HERE"])
    got = opts.image_overrides(["PATH=/usr/bin", "GIVEN=0"])
    assert got == {"Env": ["PATH=/usr/bin", "GIVEN=1"]}
    assert RunOptions(env=["MY_SECRET"]).image_overrides(["PATH=/x"]) == {}
    # the runs still get it, as docker run -e NAME gives it
    assert run_args(opts)[:2] == ["-e", "MY_SECRET"]


def test_minify_e_name_from_the_command_line(loop, monkeypatch):
    """`micropack minify IMG -t out -e MY_SECRET` with MY_SECRET exported:
    the traced runs are given -e MY_SECRET, the image built has no such Env."""
    monkeypatch.setenv("MY_SECRET", "hunter2")
    engine = FakeEngine({"Env": ["PATH=/usr/bin"], "Cmd": ["sleep", "infinity"]})
    monkeypatch.setattr(cli, "engine_of", lambda *a, **k: engine)
    monkeypatch.setattr(cli, "_sweep", lambda engine: None)
    result = CliRunner().invoke(cli.cli, ["minify", ORIGINAL, "-t", MINIFIED, "--network", "none",
                                          "-e", "MY_SECRET", "-e", "KEPT=yes", "--probe-exec", "true",
                                          "--ready-timeout", "0", "--max-rounds", "1"])
    assert result.exit_code == 0, result.output
    assert all(opts.env == ["MY_SECRET", "KEPT=yes"] for _, opts in loop["runs"])
    for overrides in loop["builds"]:
        assert overrides["Env"] == ["PATH=/usr/bin", "KEPT=yes"]
        assert not any("hunter2" in str(v) for v in overrides.values())


def test_a_signal_while_minify_writes_its_outputs_waits_for_them(loop, monkeypatch, tmp_path):
    """A SIGINT while minify wrote its outputs left files.txt alone: no
    report, events or profile, and the image that had passed its
    verification was removed. From the outputs' first write to the image
    kept, a signal waits: all of them, and the image, then the stop."""
    import signal

    from micropack.errors import Interrupted
    monkeypatch.setattr(Interrupted, "raised", False)       # (as at a run's start)
    engine = FakeEngine({"Env": ["PATH=/usr/bin"], "Cmd": ["sleep", "infinity"]})
    removed: list[str] = []
    engine.remove_image = removed.append        # type: ignore[attr-defined]
    # (the image is there once built: what an interruption would remove)
    engine.has_image = lambda ref: bool(loop["builds"])     # type: ignore[method-assign]
    monkeypatch.setattr(cli, "engine_of", lambda *a, **k: engine)
    monkeypatch.setattr(cli, "_sweep", lambda engine: None)
    keep_trace = minify._keep_trace

    def interrupted_keep_trace(*args: Any) -> Any:
        cli._on_signal(signal.SIGINT, None)     # (as the signal lands mid-write)
        return keep_trace(*args)

    monkeypatch.setattr(minify, "_keep_trace", interrupted_keep_trace)
    report = tmp_path / "r.json"
    with pytest.raises(Interrupted):
        CliRunner().invoke(cli.cli, ["minify", ORIGINAL, "-t", MINIFIED, "--network", "none",
                                     "--probe-exec", "true", "--ready-timeout", "0", "--max-rounds", "1",
                                     "--report", str(report)])
    assert report.exists() and (tmp_path / "r.files.txt").exists()
    assert removed == []


def test_minify_help_says_what_e_writes():
    out = CliRunner().invoke(cli.cli, ["minify", "--help"]).output
    assert "NAME alone passes this shell's value to the runs only" in " ".join(out.split())
    assert "--no-healthcheck" in out


# --- a probe something else answers ----------------------------------------------

@pytest.fixture
def answering() -> Iterator[str]:
    """An HTTP server on this host, not in any container: a URL it answers."""
    import http.server

    server = http.server.HTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def listening() -> Iterator[str]:
    """A socket on this host that accepts connections and answers nothing."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/health"


def test_an_address_taken_before_the_first_run_stops_minify(loop, answering, listening):
    """A container of an earlier run still held the port (--network host):
    the new container's server could not listen and exited, the old one
    answered the probes, and minify said "2/2 probes passed" for an image
    of 30 files that died on its first start. A probe's address where
    anything accepts a connection (an answer that would fail the probe
    too: another user's server answered a 404, reported as the image's
    failure) with no container of the image running is refused before
    any is started; an address where nothing listens is not."""
    engine = FakeEngine({"Cmd": ["server"]})
    for url in (answering, listening):
        port = url.split(":")[2].split("/")[0]
        with pytest.raises(VerifyError, match=rf"something answers at 127.0.0.1:{port} \(probe http {url}\) "
                                              r"before any container of .* runs"):
            run_minify(engine, [Probe("exec", "true"), Probe("http", url)])
    assert loop["runs"] == []
    import socket
    with socket.socket() as free:       # (a port nothing listens on: bound, never listening)
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
        assert address_taken([Probe("http", f"http://127.0.0.1:{port}/"), Probe("exec", "true"),
                              Probe("http", "http://a..b:8080/")]) is None


def test_a_run_whose_probes_address_was_taken_since_is_refused(listening):
    """A server another user started on the port during a minify answered
    the minified image's probe: before every run the address is checked
    again, and no container is started."""
    engine = FakeEngine({"Cmd": ["server"]})
    started: list[str] = []
    engine.run = lambda image, opts, **kw: started.append(image) or "c"     # type: ignore[attr-defined]
    worker = runs._Worker(engine, MINIFIED, RunOptions(network="host"),  # type: ignore[arg-type]
                          Drive([Probe("http", listening)], ready_timeout=0))
    worker._work()
    assert isinstance(worker.error, VerifyError) and "before this run's container" in str(worker.error)
    assert started == []


def test_http_probes_that_pass_while_the_container_is_gone_fail(answering):
    engine = FakeEngine({"Cmd": ["server"]})
    engine.running = lambda cid: False      # type: ignore[method-assign]
    drive = Drive([Probe("http", answering)], ready_timeout=0)
    with pytest.raises(VerifyError, match="the container exited while its HTTP probes passed"):
        drive(ProbeTarget(engine, "c"), threading.Event())
    engine.running = lambda cid: True       # type: ignore[method-assign]
    assert all(r.passed for r in drive(ProbeTarget(engine, "c"), threading.Event()))


def test_command_probes_that_pass_while_the_container_failed_fail():
    """A leftover container held a signing service's port: the traced one
    exited "Address already in use", its --probe-cmd (curl, a POST)
    passed against the leftover, and minify built an image with no gpg.
    A command probe that passes while the container has exited with an
    error fails the run; one whose container ended its work cleanly (a
    command may check a job's output) does not."""
    engine = FakeEngine({"Cmd": ["server"]})
    engine.running = lambda cid: False      # type: ignore[method-assign]
    drive = Drive([Probe("cmd", "true")], ready_timeout=0)
    for status in (1, 0):
        engine.wait = lambda cid, timeout, status=status: status     # type: ignore[attr-defined]
        if status:
            with pytest.raises(VerifyError, match="exited with status 1 while its probes passed"):
                drive(ProbeTarget(engine, "c"), threading.Event())
        else:
            assert all(r.passed for r in drive(ProbeTarget(engine, "c"), threading.Event()))


def test_a_container_that_exits_once_its_probes_passed_fails_the_run():
    """The traced server of a signing service exited "Address already in
    use" 0.3 s after its curl probe passed against a leftover container
    on the port: still running when the probes ended, it was not caught,
    and minify built an image with no gpg. Once the trace has settled,
    the container is asked again."""
    engine = FakeEngine({"Cmd": ["server"]})
    states = iter([True])                   # running as the probes end, gone after
    engine.running = lambda cid: next(states, False)        # type: ignore[method-assign]
    engine.wait = lambda cid, timeout: 1                    # type: ignore[attr-defined]
    engine.run = lambda image, opts, **kw: "c"              # type: ignore[attr-defined]
    engine.remove = lambda cid: None                        # type: ignore[attr-defined]
    drive = Drive([Probe("cmd", "true")], ready_timeout=0, settle_quiet=0.1, settle_max=1)
    worker = runs._Worker(engine, MINIFIED, RunOptions(network="host"), drive,  # type: ignore[arg-type]
                          activity=lambda: 0)
    worker._work()
    assert isinstance(worker.error, VerifyError) and "exited with status 1" in str(worker.error)
    # (one still running once settled is its own service)
    engine.running = lambda cid: True       # type: ignore[method-assign]
    worker = runs._Worker(engine, MINIFIED, RunOptions(network="host"), drive,  # type: ignore[arg-type]
                          activity=lambda: 0)
    worker._work()
    assert worker.error is None and all(r.passed for r in worker.results)


@pytest.fixture
def odd_server() -> Iterator[tuple[str, list[str]]]:
    """An HTTP server on this host whose answer to /drip comes a byte at
    a time, for 4 s, and to /flood has no end at all."""
    import http.server

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.end_headers()
            with contextlib.suppress(OSError):
                for _ in range(80) if self.path == "/drip" else iter(int, 1):
                    self.wfile.write(b"x" if self.path == "/drip" else b"y" * 65536)
                    self.wfile.flush()
                    if self.path == "/drip":
                        time.sleep(0.05)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_an_http_probes_answer_is_bounded_in_time_and_size(odd_server, monkeypatch):
    """A server that sent a byte every two seconds held minify for good
    (each read had a timeout, the answer none); one that sent no end took
    micropack to 6 GB. The answer is read within HTTP_ANSWER_TIMEOUT, and
    its body kept to OUTPUT_LIMIT bytes."""
    monkeypatch.setattr(probes, "HTTP_ANSWER_TIMEOUT", 0.5)
    monkeypatch.setattr(probes, "OUTPUT_LIMIT", 100_000)
    target = ProbeTarget(FakeEngine({"Cmd": ["x"]}), "c")
    started = time.monotonic()
    drip = Probe("http", f"{odd_server}/drip").once(target)
    assert not drip.passed and "its answer did not end within" in drip.reason
    assert time.monotonic() - started < 5
    flood = Probe("http", f"{odd_server}/flood").once(target)
    assert flood.passed and len(flood.output) == 100_000


def test_http_probes_are_asked_twice():
    """MediaWiki built its localisation cache on the probe's request and
    read it, with a class the trace never saw, on every request after: its
    minified image passed the probe, then answered that page with a 500.
    An HTTP probe that passed is asked once more, and fails if the second
    answer does, where the first run's (the original's) second answer
    passed; one the original does not answer twice (a rate limit, a
    one-shot URL) is asked once from then on. The first answer is the one
    compared."""
    import http.server

    answers = {"/wiki": [200, 200, 200, 500], "/once": [200, 429, 200, 500]}
    asked: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.append(self.path)
            self.send_response(answers[self.path][asked.count(self.path) - 1])
            self.end_headers()
            self.wfile.write(f"answer {asked.count(self.path)}".encode())

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        engine = FakeEngine({"Cmd": ["server"]})
        engine.running = lambda cid: True       # type: ignore[method-assign]
        base = f"http://127.0.0.1:{server.server_address[1]}"
        drive = Drive([Probe("http", f"{base}/wiki"), Probe("http", f"{base}/once"), Probe("exec", "true")],
                      ready_timeout=0)
        original = drive(ProbeTarget(engine, "c"), threading.Event())
        assert all(r.passed for r in original) and original[0].output == "answer 1"
        assert drive.repeatable == {f"{base}/wiki": True, f"{base}/once": False}
        minified = drive(ProbeTarget(engine, "c"), threading.Event())
        assert not minified[0].passed and minified[0].http_status == 500
        assert "the second time it was asked (the first passed)" in minified[0].reason
        assert minified[1].passed and asked.count("/once") == 3
        assert len(engine.execs) == 2       # (a command, once a run: it may not be one to repeat)
    finally:
        server.shutdown()
        server.server_close()


def test_minify_says_the_packs_warnings_on_unused_commands_and_tools(loop, monkeypatch):
    monkeypatch.setattr(FakePacked, "unused_commands", "not kept, ...: poppler-utils (pdftoppm)")
    monkeypatch.setattr(FakePacked, "unused_tools",
                        "not kept, ...: /usr/sbin/logrotate (/etc/logrotate.d/squid)")
    said: list[str] = []
    engine = FakeEngine({"Cmd": ["sleep", "infinity"]})
    minify.minify(engine, ORIGINAL, MINIFIED, RunOptions(network="none"),
                  Drive([Probe("exec", "test -d /tmp")], ready_timeout=0), resolve.Rules(), said.append,
                  max_rounds=1)
    assert "WARNING: not kept, ...: poppler-utils (pdftoppm)" in said
    assert "WARNING: not kept, ...: /usr/sbin/logrotate (/etc/logrotate.d/squid)" in said
