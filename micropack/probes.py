"""Probes: how minify drives a container and what it compares. Each result
carries its status, its output, and when it failed, why, in words a user
can act on (connection refused, timeout, HTTP status, the command's error)."""
from __future__ import annotations

import contextlib
import os
import shlex
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from micropack.errors import ImageError, first_line
from micropack.runtimes.base import OUTPUT_LIMIT, Engine

EXEC_TIMEOUT = 120.0
CMD_TIMEOUT = 600.0
HTTP_TIMEOUT = 5.0               # each read of an HTTP probe's answer
HTTP_ANSWER_TIMEOUT = 60.0       # the whole answer
# docker's timeout for a HEALTHCHECK that names no --timeout, and the shell
# its CMD-SHELL form runs in: a container's Shell, which docker run never
# sets (docker 20.10 does not copy the image's SHELL into it: tested)
HEALTH_TIMEOUT = 30.0
HEALTH_LIMIT = 600.0            # the longest HEALTHCHECK --timeout and --start-period taken
HEALTH_SHELL = ("/bin/sh", "-c")


@dataclass(frozen=True)
class ProbeResult:
    name: str
    status: int
    output: str
    reason: str = ""          # why it failed; "" when it passed
    # what an HTTP probe's server answered (status is 0 for any 2xx or
    # 3xx): the minified image must answer the same, not another 2xx or 3xx
    http_status: int | None = None

    @property
    def passed(self) -> bool:
        return self.status == 0

    @property
    def shown(self) -> str:
        """The result in words: "HTTP 200", "status 0"."""
        return f"HTTP {self.http_status}" if self.http_status is not None else f"status {self.status}"

    def matches(self, other: ProbeResult, compare_output: bool) -> bool:
        return self.status == other.status and self.http_status == other.http_status \
            and (not compare_output or self.output == other.output)


@dataclass(frozen=True)
class Target:
    """The running container a probe talks to."""

    engine: Engine
    cid: str
    address: str = "127.0.0.1"


@dataclass(frozen=True)
class Probe:
    kind: str      # exec | http | cmd | healthcheck
    spec: str
    # healthcheck: the argv docker execs, its timeout and its start period
    argv: tuple[str, ...] = ()
    timeout: float | None = None       # None: EXEC_TIMEOUT, read when the probe runs
    start_period: float = 0.0

    KINDS = ("exec", "http", "cmd", "healthcheck")

    @property
    def name(self) -> str:
        return f"{self.kind} {self.spec}"

    def once(self, target: Target, cancelled: threading.Event | None = None) -> ProbeResult:
        if self.kind == "exec":
            return self._exec(target, ["sh", "-c", self.spec])
        if self.kind == "healthcheck":
            # docker judges a health check by its exit status alone: its
            # output (a time, a pid) is not compared, even with --compare-output
            r = self._exec(target, list(self.argv))
            return ProbeResult(r.name, r.status, "", r.reason)
        if self.kind == "http":
            return self._http(cancelled)
        env = dict(os.environ, MICROPACK_CONTAINER_ID=target.cid,
                   MICROPACK_CONTAINER_ADDR=target.address)
        try:
            p = _host_command(["sh", "-c", self.spec], env, CMD_TIMEOUT, cancelled)
        except subprocess.TimeoutExpired:
            return ProbeResult(self.name, 124, "", f"timed out after {CMD_TIMEOUT:.0f}s")
        if p is None:
            return ProbeResult(self.name, 130, "", "cancelled")
        reason = "" if p.returncode == 0 else \
            f"exit status {p.returncode}: {first_line(p.stderr or p.stdout)}"
        return ProbeResult(self.name, p.returncode, p.stdout.strip(), reason)

    def _exec(self, target: Target, argv: list[str]) -> ProbeResult:
        """argv inside the container, as `docker exec` runs it (the
        container's user, environment and working directory)."""
        timeout = self.timeout or EXEC_TIMEOUT
        r = target.engine.exec(target.cid, argv, timeout=timeout)
        if r.timed_out:
            return ProbeResult(self.name, 124, r.stdout.strip(), f"timed out after {timeout:.0f}s")
        reason = "" if r.status == 0 else \
            f"exit status {r.status}: {first_line(r.stderr or r.stdout)}"
        return ProbeResult(self.name, r.status, r.stdout.strip(), reason)

    def _http(self, cancelled: threading.Event | None = None) -> ProbeResult:
        """One GET; its answer read within HTTP_ANSWER_TIMEOUT, its body
        kept to OUTPUT_LIMIT bytes: a server that sent a byte every two
        seconds held minify for good (HTTP_TIMEOUT bounds each read, not
        the answer), and one that sent no end took micropack to 6 GB."""
        deadline = time.monotonic() + HTTP_ANSWER_TIMEOUT
        try:
            with urllib.request.urlopen(self.spec, timeout=HTTP_TIMEOUT) as resp:
                data = bytearray()
                while len(data) < OUTPUT_LIMIT and (chunk := resp.read1(65536)):
                    data += chunk
                    if cancelled is not None and cancelled.is_set():
                        return ProbeResult(self.name, 130, "", "cancelled")
                    if time.monotonic() >= deadline:
                        return ProbeResult(self.name, 1, "", f"its answer did not end within "
                                                             f"{HTTP_ANSWER_TIMEOUT:.0f}s")
                body = bytes(data[:OUTPUT_LIMIT]).decode("utf-8", "replace")
                ok = 200 <= resp.status < 400
                return ProbeResult(self.name, 0 if ok else resp.status, body,
                                   "" if ok else f"HTTP status {resp.status}", http_status=resp.status)
        except urllib.error.HTTPError as exc:
            return ProbeResult(self.name, exc.code, "", f"HTTP status {exc.code} {exc.reason}",
                               http_status=exc.code)
        except urllib.error.URLError as exc:
            return ProbeResult(self.name, 1, "", _url_reason(exc.reason))
        except UnicodeError:
            return ProbeResult(self.name, 1, "", "the URL's host name is not a valid name")
        except TimeoutError:
            return ProbeResult(self.name, 1, "", f"timed out after {HTTP_TIMEOUT:.0f}s")
        except OSError as exc:
            return ProbeResult(self.name, 1, "", exc.strerror or str(exc))

    def run(self, target: Target, ready_timeout: float,
            cancelled: threading.Event | None = None) -> ProbeResult:
        """Retry until it passes or ready_timeout ends: a server needs time to
        start. Stops early when the container has exited or the run is cancelled."""
        deadline = time.monotonic() + max(ready_timeout, self.start_period)
        while True:
            result = self.once(target, cancelled)
            if result.passed or time.monotonic() >= deadline:
                return result
            if cancelled is not None and cancelled.is_set():
                return result
            if not target.engine.running(target.cid):
                return ProbeResult(result.name, result.status, result.output,
                                   f"{result.reason}; the container has exited")
            if cancelled is not None:
                cancelled.wait(0.5)
            else:
                time.sleep(0.5)


def address_taken(probes: list[Probe]) -> tuple[Probe, str] | None:
    """The first HTTP probe, and its address, where something accepts a
    connection while no container of the run is started: whatever answers
    there is not the container's service (a container left from an earlier
    run holding the port, with --network host; another service), and the
    probes could not tell it from the container's own. Checked before every
    run: minify once traced 30 files, said "2/2 probes passed" and built an
    image that died on its first start; and a server another user started
    on the port during a minify answered the minified image's probe with
    a 404, reported as the image's failure, while its own server had
    exited with "Address already in use"."""
    for p in probes:
        if p.kind != "http":
            continue
        url = urllib.parse.urlsplit(p.spec)
        try:
            port = url.port or (443 if url.scheme == "https" else 80)
        except ValueError:
            continue        # (no port to check: the probe itself says why it fails)
        if not url.hostname:
            continue
        try:
            with socket.create_connection((url.hostname, port), timeout=HTTP_TIMEOUT):
                host = f"[{url.hostname}]" if ":" in url.hostname else url.hostname
                return p, f"{host}:{port}"
        except (OSError, UnicodeError):     # (refused; or no such name: `a..b` fails to encode)
            continue
    return None


def _seconds(ns: Any) -> float:
    """One of docker's durations (integer nanoseconds; 0 or none: unset)."""
    return int(ns) / 1e9 if isinstance(ns, int | float) and ns > 0 else 0.0


def has_healthcheck(config: dict[str, Any]) -> bool:
    """Whether the image has a HEALTHCHECK that is not NONE, of any form
    (healthcheck_probe says whether docker can run it)."""
    test = list((config.get("Healthcheck") or {}).get("Test") or [])
    return bool(test) and test[0] != "NONE"


def healthcheck_probe(config: dict[str, Any]) -> Probe | None:
    """The image's HEALTHCHECK as docker runs it, as a probe: ["CMD", argv...]
    is exec'd as is; ["CMD-SHELL", command] with /bin/sh -c (docker uses
    the container's Shell, which `docker run` leaves empty whatever the
    image's SHELL); ["NONE"], or no test, is no health check. It
    runs with docker's --timeout (30 s by default) and is retried for at
    least its --start-period while the service starts."""
    if not has_healthcheck(config):
        return None
    hc = config["Healthcheck"]
    test = list(hc["Test"])
    kind, args = test[0], [str(a) for a in test[1:]]
    if kind == "CMD" and args:
        argv, spec = tuple(args), "CMD " + shlex.join(args)
    elif kind == "CMD-SHELL" and len(args) == 1:
        argv, spec = (*HEALTH_SHELL, args[0]), "CMD-SHELL " + args[0]
    else:
        raise ImageError(f"the image's HEALTHCHECK test {test!r} is none docker runs "
                         "(CMD, CMD-SHELL or NONE)")
    # (each at most HEALTH_LIMIT: an image's --timeout=1000h ended minify in
    # OverflowError, and --start-period=1000h would have held it for weeks)
    return Probe("healthcheck", spec, argv,
                 timeout=min(_seconds(hc.get("Timeout")) or HEALTH_TIMEOUT, HEALTH_LIMIT),
                 start_period=min(_seconds(hc.get("StartPeriod")), HEALTH_LIMIT))


def _host_command(argv: list[str], env: dict[str, str], timeout: float,
                  cancelled: threading.Event | None) -> subprocess.CompletedProcess[str] | None:
    """argv on the host in a session of its own; killed with everything it
    started when the run is cancelled (None) or the timeout passes."""
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            start_new_session=True)
    deadline = time.monotonic() + timeout
    while True:
        try:
            out, err = proc.communicate(timeout=0.2)
            return subprocess.CompletedProcess(argv, proc.returncode, out, err)
        except subprocess.TimeoutExpired:
            stop = cancelled is not None and cancelled.is_set()
            if stop or time.monotonic() >= deadline:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.communicate()
                if stop:
                    return None
                raise subprocess.TimeoutExpired(argv, timeout) from None
        except BaseException:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            raise


def _url_reason(reason: object) -> str:
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    if isinstance(reason, TimeoutError):
        return f"timed out after {HTTP_TIMEOUT:.0f}s"
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror
    return str(reason)
