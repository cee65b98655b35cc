"""`micropack trace` with the eBPF backend against a real container."""
from __future__ import annotations

import functools
import json
import platform
import re
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.conftest import need, run_micropack

pytestmark = pytest.mark.integration

WORKLOAD = r'''
import os, subprocess
os.chdir("/usr/share/doc")
open("coreutils/copyright").read()                  # relative, after chdir
d = os.open("/etc", os.O_RDONLY | os.O_DIRECTORY)
os.close(os.open("hostname", os.O_RDONLY, dir_fd=d))  # openat with a directory fd
os.stat("/etc/issue.net")                           # only stat'ed
os.readlink("/etc/alternatives/awk")                # a symlink read
os.chdir("/opt/w")
subprocess.run(["./hello.sh"], check=True)          # shebang script, relative exec
import sqlite3                                      # dlopen of an extension module
for p in LONG:                                      # names around the sizes the kernel side reads in
    os.makedirs(os.path.dirname(p), exist_ok=True)
    open(p, "w").close()
    d = os.open(os.path.dirname(p), os.O_RDONLY | os.O_DIRECTORY)
    os.stat(os.path.basename(p), dir_fd=d)          # and relative to the long directory
print("workload done")
'''


def long_names() -> list[str]:
    """Absolute names of these lengths: each side of the kernel side's
    first read (128 bytes with the NUL for the raw tracepoint, 256 for
    tp_btf) and one far past both."""
    names = []
    for total in (126, 127, 128, 254, 255, 256, 700):
        base = f"/opt/n{total}/"
        rest, parts = total - len(base), []
        while rest > 201:
            parts.append("a" * 200)
            rest -= 201
        parts.append("b" * rest)
        names.append(base + "/".join(parts))
        assert len(names[-1]) == total
    return names


micropack = functools.partial(run_micropack, timeout=300)


@pytest.mark.parametrize(("attach", "reader"), [("auto", "auto"), ("raw", "bcc")])
def test_trace_finds_every_kind_of_use(bpf_ready, fat_container, tmp_path: Path, attach: str,
                                       reader: str, monkeypatch: pytest.MonkeyPatch):
    """Both ways the sys_exit program attaches: as tp_btf (what "auto" picks
    on a kernel with BTF, as here) and as a raw tracepoint; and both ways
    events are read: in place (what "auto" picks on x86) and through bcc's
    callback (every other CPU)."""
    from micropack.tracers import btf_attach, ringbuf
    monkeypatch.setenv("MICROPACK_SYS_EXIT", attach)
    monkeypatch.setenv("MICROPACK_RING_READER", reader)
    c = fat_container
    c.exec("sh", "-c", "mkdir -p /opt/w && printf '#!/bin/bash\\necho hi\\n' > /opt/w/hello.sh"
                       " && chmod +x /opt/w/hello.sh")
    (tmp_path / "wl.py").write_text(f"LONG = {long_names()!r}\n" + WORKLOAD)
    subprocess.run(["docker", "cp", str(tmp_path / "wl.py"), f"{c.name}:/opt/wl.py"], check=True)
    marker = uuid.uuid4().hex
    host_file = tmp_path / f"host-{marker}"
    host_file.write_text("x")
    files, events = tmp_path / "files.txt", tmp_path / "events.jsonl"
    proc = micropack("trace", "--container", c.id[:12], "-o", str(files), "--events", str(events),
                     "--", "sh", "-c",
                     f"cat {host_file} >/dev/null & docker exec {c.name} python3 /opt/wl.py; wait")
    assert proc.returncode == 0, proc.stderr
    paths = files.read_text().splitlines()
    for expected in ["/usr/share/doc/coreutils/copyright", "/etc/hostname", "/etc/issue.net",
                     "/etc/alternatives/awk", "/opt/w/hello.sh", "/opt/wl.py", "/usr/bin/python3",
                     "/usr/share/doc", "/opt/w",
                     "/usr/lib/python3.11/lib-dynload/_sqlite3.cpython-311-x86_64-linux-gnu.so",
                     "/lib/x86_64-linux-gnu/libsqlite3.so.0", *long_names()]:
        assert expected in paths, expected
    assert paths == sorted(set(paths)) and all(p.startswith("/") for p in paths)
    assert not any(p.startswith(("/proc/", "/sys/", "/dev/")) for p in paths)
    text = events.read_text()
    assert marker not in text
    records = [json.loads(line) for line in text.splitlines()]
    summary = records[-1]["summary"]
    assert summary["lost"] == 0 and summary["unresolved_paths"] == 0
    has_btf = btf_attach.tracepoint_btf_id("sys_exit") is not None
    assert summary["attach"] == ("tp_btf" if attach == "auto" and has_btf else "raw_tp")
    assert summary["reader"] == ("in place" if reader == "auto" and ringbuf.supported() else "bcc")
    # results are kept: python's failed lookups are in the events with their errno
    assert any(r.get("error") == "ENOENT" for r in records[:-1])
    assert any(r.get("syscall") == "fork" for r in records[:-1])


THREADS = r"""
import os, threading
def worker():
    open("/etc/issue").read()                                 # from a second thread
    os.execv("/bin/cat", ["cat", "/etc/debian_version"])      # a non-leader thread execs
threading.Thread(target=worker).start()
threading.Event().wait()
"""


def test_threads_and_an_exec_from_a_thread_are_traced(bpf_ready, fat_container, tmp_path: Path):
    c = fat_container
    (tmp_path / "threads.py").write_text(THREADS)
    subprocess.run(["docker", "cp", str(tmp_path / "threads.py"), f"{c.name}:/opt/threads.py"],
                   check=True)
    files, events = tmp_path / "files.txt", tmp_path / "events.jsonl"
    proc = micropack("trace", "--container", c.id, "-o", str(files), "--events", str(events),
                     "--", "docker", "exec", c.name, "python3", "/opt/threads.py")
    assert proc.returncode == 0, proc.stderr
    paths = files.read_text().splitlines()
    for expected in ("/opt/threads.py", "/etc/issue", "/bin/cat", "/etc/debian_version"):
        assert expected in paths, expected
    summary = json.loads(events.read_text().splitlines()[-1])["summary"]
    assert summary["lost"] == 0 and summary["unreadable_paths"] == 0


def test_calls_on_an_fd_name_no_path_and_leave_nothing_unresolved(bpf_ready, fat_container,
                                                                  tmp_path: Path):
    # touch is open + futimens (utimensat with a NULL name); python's os.stat
    # on an fd is fstat (newfstatat with "" and AT_EMPTY_PATH)
    c = fat_container
    files, events = tmp_path / "files.txt", tmp_path / "events.jsonl"
    proc = micropack("trace", "--container", c.id, "-o", str(files), "--events", str(events),
                     "--", "docker", "exec", c.name, "sh", "-c",
                     "touch /tmp/touched && python3 -c 'import os; os.stat(os.open(\"/etc/os-release\", 0))'")
    assert proc.returncode == 0, proc.stderr
    paths = files.read_text().splitlines()
    assert "/tmp/touched" in paths and "/etc/os-release" in paths
    records = [json.loads(line) for line in events.read_text().splitlines()]
    assert not [r for r in records[:-1] if r.get("syscall") not in ("fork", "exit") and not r["path"]]
    summary = records[-1]["summary"]
    assert summary["unresolved_paths"] == 0 and summary["lost"] == 0
    assert "WARNING" not in proc.stderr


PROG32 = r"""
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
int main(void)
{
    struct stat st;
    char buf[256];
    close(open("/etc/hostname", O_RDONLY));
    stat("/etc/passwd", &st);
    lstat("/etc/os-release", &st);
    access("/usr/bin/env", X_OK);
    readlink("/etc/alternatives/awk", buf, sizeof(buf));
    int d = open("/etc", O_RDONLY | O_DIRECTORY);
    close(openat(d, "issue", O_RDONLY));
    chdir("/usr/share/doc");
    close(open("coreutils/copyright", O_RDONLY));
    execl("/bin/true", "true", (char *)0);
    return 1;
}
"""


def put_32_bit_program(source: str, container: str, path: str, tmp_path: Path) -> None:
    """A static i386 program built from C source, copied into the container at path."""
    need(platform.machine() == "x86_64", "an x86_64 host (32-bit processes run through the i386 table)")
    need(shutil.which("gcc") is not None, "gcc")
    src, out = tmp_path / "prog32.c", tmp_path / "prog32"
    src.write_text(source)
    built = subprocess.run(["gcc", "-m32", "-static", "-O2", "-o", str(out), str(src)],
                           capture_output=True, text=True)
    need(built.returncode == 0, "gcc -m32 (gcc-multilib; scripts/setup-host.sh installs it)")
    subprocess.run(["docker", "cp", str(out), f"{container}:{path}"], check=True)


def test_a_32_bit_program_is_traced_through_the_i386_table(bpf_ready, fat_container, tmp_path: Path):
    # i386 syscall numbers differ from x86_64's (5 is open there, fstat here):
    # read with the 64-bit table, these calls gave garbage names and no files
    c = fat_container
    put_32_bit_program(PROG32, c.name, "/opt/prog32", tmp_path)
    files, events = tmp_path / "files.txt", tmp_path / "events.jsonl"
    proc = micropack("trace", "--container", c.id, "-o", str(files), "--events", str(events),
                     "--", "docker", "exec", c.name, "/opt/prog32")
    assert proc.returncode == 0, proc.stderr
    paths = files.read_text().splitlines()
    for expected in ("/opt/prog32", "/etc/hostname", "/etc/passwd", "/etc/os-release",
                     "/usr/bin/env", "/etc/alternatives/awk", "/etc/issue",
                     "/usr/share/doc/coreutils/copyright", "/bin/true"):
        assert expected in paths, expected
    summary = json.loads(events.read_text().splitlines()[-1])["summary"]
    assert summary["unreadable_paths"] == 0 and summary["unresolved_paths"] == 0


def test_container_exit_stops_the_trace(bpf_ready, fat_image, tmp_path: Path):
    from tests.conftest import Container
    # the container's own command goes on once the trace has begun (a fixed
    # sleep raced the attach, which takes over 2 s on a slow host)
    c = Container(fat_image, cmd=("sh", "-c", "while [ ! -e /tmp/go ]; do sleep 0.1; done; "
                                              "cat /etc/debian_version"))
    try:
        proc = subprocess.Popen([sys.executable, "-m", "micropack.cli", "trace", "--container", c.id,
                                 "-o", str(tmp_path / "f.txt"), "--duration", "60"],
                                stderr=subprocess.PIPE, text=True)
        assert proc.stderr is not None
        for line in proc.stderr:
            if "micropack: tracing" in line:
                break
        c.exec("touch", "/tmp/go")
        rest = proc.stderr.read()
        assert proc.wait(60) == 0, rest
    finally:
        c.remove()
    assert "target exited" in rest
    assert "/etc/debian_version" in (tmp_path / "f.txt").read_text().split()


def test_command_status_is_the_exit_status(bpf_ready, fat_container, tmp_path: Path):
    proc = micropack("trace", "--container", fat_container.name, "-o", str(tmp_path / "f"),
                     "--", "sh", "-c", "exit 7")
    assert proc.returncode == 7


def _with_consumer_stopped(*argv: str) -> list[str]:
    """The traced command, run while micropack (its parent) is stopped: the
    whole burst waits in the ring buffer, however fast the consumer is."""
    return ["sh", "-c", 'kill -STOP $PPID; "$@"; status=$?; kill -CONT $PPID; exit $status', "sh", *argv]


def _burst(container_name: str, tmp_path: Path, ringbuf_mb: int) -> tuple[int, int, dict]:
    n = 100_000
    events = tmp_path / f"ev{ringbuf_mb}.jsonl"
    code = ("import os\n"
            f"for i in range({n}):\n"
            "    try: os.open(f'/nonexistent/burst/{i}', os.O_RDONLY)\n"
            "    except FileNotFoundError: pass\n")
    proc = micropack("trace", "--container", container_name, "-o", str(tmp_path / "f"),
                     "--events", str(events), "--ringbuf-mb", str(ringbuf_mb),
                     "--", *_with_consumer_stopped("docker", "exec", container_name, "python3", "-c", code))
    assert proc.returncode == 0, proc.stderr
    lines = events.read_text().splitlines()
    got = sum(1 for line in lines if "/nonexistent/burst/" in line)
    summary = json.loads(lines[-1])["summary"]
    if summary["lost"]:
        assert "LOST" in proc.stderr       # loud, never silent
    return got, summary["lost"], summary


def test_burst_every_event_or_the_exact_count_lost(bpf_ready, fat_container, tmp_path: Path):
    # 64 MiB ring buffer: the whole burst fits while the consumer is stopped
    got, lost, summary = _burst(fat_container.name, tmp_path, 64)
    assert (got, lost) == (100_000, 0)
    # the consumer is not woken per event: only past a fill threshold
    assert 0 <= summary["wakeups"] <= 1_000
    # 1 MiB: events are lost and every one is counted (a few non-burst
    # events, such as the process exit, may be among the lost)
    got, lost, summary = _burst(fat_container.name, tmp_path, 1)
    assert lost > 0
    assert 0 <= got + lost - 100_000 <= 10


def test_fail_on_loss_exits_non_zero(bpf_ready, fat_container, tmp_path: Path):
    # failed lookups, kept only for an events file (see the test below)
    code = "import os\nfor i in range(200000):\n    os.path.exists(f'/nope/{i}')\n"
    proc = micropack("trace", "--container", fat_container.name, "-o", str(tmp_path / "f"),
                     "--events", str(tmp_path / "e"), "--ringbuf-mb", "1", "--fail-on-loss",
                     "--", *_with_consumer_stopped("docker", "exec", fat_container.name, "python3", "-c",
                                                   code))
    assert proc.returncode == 5, proc.stderr
    assert "LOST" in proc.stderr


def test_failed_lookups_are_dropped_in_the_kernel_without_events(bpf_ready, fat_container,
                                                                 tmp_path: Path):
    """files.txt keeps no lookup that found nothing, so without --events the
    kernel drops them unread: the same files.txt from a fraction of the
    events; with --events every one of them is there, with its errno."""
    code = ("import os\nfor i in range(3000):\n    os.path.exists(f'/nope/{i}')\n"
            "open('/etc/hostname').read()\nos.stat('/etc/issue.net')\n"
            "os.path.exists('/etc/passwd/x')\n")        # ENOTDIR: found nothing either
    runs = {}
    for events in (False, True):
        files, ev = tmp_path / f"files-{events}.txt", tmp_path / "events.jsonl"
        proc = micropack("trace", "--container", fat_container.name, "-o", str(files),
                         *(["--events", str(ev)] if events else []),
                         "--", "docker", "exec", fat_container.name, "python3", "-c", code)
        assert proc.returncode == 0, proc.stderr
        count = re.search(r"(\d+) events, \d+ files written", proc.stderr)
        assert count, proc.stderr
        runs[events] = (files.read_text(), int(count.group(1)))
    assert runs[False][0] == runs[True][0]
    assert {"/etc/hostname", "/etc/issue.net", "/etc/passwd"} <= set(runs[False][0].splitlines())
    assert runs[True][1] > 3000 and runs[False][1] < 1000, (runs[False][1], runs[True][1])
    failed = [json.loads(line) for line in ev.read_text().splitlines()[:-1]]
    assert sum(r["path"].startswith("/nope/") and r["error"] == "ENOENT" for r in failed) == 3000
    assert any(r["path"] == "/etc/passwd/x" and r["error"] == "ENOTDIR" for r in failed)


def test_errors_are_one_line(bpf_ready, tmp_path: Path):
    proc = micropack("trace", "--container", "no-such-container-" + uuid.uuid4().hex[:6])
    assert proc.returncode == 1
    assert proc.stderr.strip().count("\n") == 0 and "not found" in proc.stderr
    proc = micropack("trace", "--pid", "1")
    assert proc.returncode == 1 and "root cgroup" in proc.stderr


def test_live_sysdig_without_driver_is_one_clear_line(docker_ready, fat_container):
    from micropack.tracers.sysdig import driver_loaded
    from tests.conftest import need
    need(not driver_loaded(), "a host without a sysdig driver")
    proc = micropack("trace", "--backend", "sysdig", "--container", fat_container.name,
                     "--duration", "1")
    assert proc.returncode == 3
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "driver" in lines[0] and "modprobe" in lines[0]


def test_trace_writes_a_seccomp_profile(bpf_ready, fat_container, tmp_path: Path):
    profile = tmp_path / "seccomp.json"
    proc = micropack("trace", "--container", fat_container.name, "-o", str(tmp_path / "f"),
                     "--seccomp", str(profile), "--",
                     "docker", "exec", fat_container.name, "cat", "/etc/hostname")
    assert proc.returncode == 0, proc.stderr
    names = json.loads(profile.read_text())["syscalls"][0]["names"]
    assert {"openat", "read", "execve"} <= set(names)
    assert "mkdir" not in names and "reboot" not in names


def test_pid_and_cgroup_targets_trace_the_same_container(bpf_ready, fat_container, tmp_path: Path):
    from micropack import runtimes, target
    pid = int(subprocess.run(["docker", "inspect", "-f", "{{.State.Pid}}", fat_container.id],
                             capture_output=True, text=True, check=True).stdout)
    cgroup_dir = str(target.for_container(runtimes.get(), fat_container.id).cgroup.path)
    for how in (["--pid", str(pid)], ["--cgroup", cgroup_dir]):
        out = tmp_path / "files.txt"
        proc = micropack("trace", *how, "-o", str(out), "--",
                         "docker", "exec", fat_container.name, "cat", "/etc/issue")
        assert proc.returncode == 0, proc.stderr
        assert "/etc/issue" in out.read_text().split(), how


def test_sigterm_and_duration_stop_cleanly(bpf_ready, fat_container, tmp_path: Path):
    import signal
    import time
    out = tmp_path / "files.txt"
    proc = subprocess.Popen([sys.executable, "-m", "micropack.cli", "trace", "--container",
                             fat_container.name, "-o", str(out)], stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    for line in proc.stderr:
        if "micropack: tracing" in line:
            break
    fat_container.exec("cat", "/etc/host.conf")
    time.sleep(0.5)
    proc.send_signal(signal.SIGTERM)
    rest = proc.stderr.read()
    assert proc.wait(30) == 0, rest
    assert "signal SIGTERM" in rest
    assert "/etc/host.conf" in out.read_text().split()
    started = time.monotonic()
    done = micropack("trace", "--container", fat_container.name, "-o", str(out), "--duration", "2")
    assert done.returncode == 0 and "duration reached" in done.stderr
    assert 2 <= time.monotonic() - started < 20


def test_unix_socket_paths_are_traced(bpf_ready, fat_container, tmp_path: Path):
    # nothing but bind ever touches /var/local: its directory must still be kept
    code = ("import socket; s = socket.socket(socket.AF_UNIX); s.bind('/var/local/app.sock'); "
            "s.listen(); c = socket.socket(socket.AF_UNIX); c.connect('/var/local/app.sock'); "
            "a = socket.socket(socket.AF_UNIX); a.bind('\\0abstract-name')")
    out, events = tmp_path / "files.txt", tmp_path / "events.jsonl"
    proc = micropack("trace", "--container", fat_container.name, "-o", str(out),
                     "--events", str(events), "--",
                     "docker", "exec", fat_container.name, "python3", "-c", code)
    assert proc.returncode == 0, proc.stderr
    assert "/var/local/app.sock" in out.read_text().split()
    records = [json.loads(line) for line in events.read_text().splitlines()[:-1]]
    calls = {(r["syscall"], r["result"]) for r in records if r["path"] == "/var/local/app.sock"}
    assert {("bind", 0), ("connect", 0)} <= calls
    assert "abstract-name" not in events.read_text()


def trace_python(c, tmp_path: Path, code: str
                 ) -> tuple[list[str], list[dict], dict, subprocess.CompletedProcess[str]]:
    """code run by python3 in container c, traced: files.txt's paths, the
    events, the summary and micropack's process."""
    (tmp_path / "prog.py").write_text(code)
    subprocess.run(["docker", "cp", str(tmp_path / "prog.py"), f"{c.name}:/opt/prog.py"], check=True)
    files, events = tmp_path / "files.txt", tmp_path / "events.jsonl"
    proc = micropack("trace", "--container", c.id, "-o", str(files), "--events", str(events),
                     "--", "docker", "exec", c.name, "python3", "/opt/prog.py")
    assert proc.returncode == 0, proc.stderr
    records = [json.loads(line) for line in events.read_text().splitlines()]
    return files.read_text().splitlines(), records[:-1], records[-1]["summary"], proc


def _trace_python(c, tmp_path: Path, code: str) -> tuple[list[str], list[dict], dict]:
    paths, records, summary, _ = trace_python(c, tmp_path, code)
    return paths, records, summary


FD_REUSE = r"""
import os
paths = ["/etc/hostname", "/etc/passwd", "/etc/debian_version", "/usr/share/zoneinfo/UTC"]
for i in range(4000):                      # the kernel hands out the same fd every time
    p = paths[i % 4]
    os.close(os.open(p, os.O_RDONLY))
    os.stat(p)
    os.access("/etc/missing-file", os.F_OK)
dirs = [("/etc", "issue"), ("/usr/share/zoneinfo", "Etc"), ("/usr/bin", "env")]
for i in range(900):                       # one fd number naming three directories in turn
    d, name = dirs[i % 3]
    fd = os.open(d, os.O_RDONLY)
    os.stat(name, dir_fd=fd)
    os.close(os.open(name, os.O_RDONLY, dir_fd=fd))
    os.close(fd)
"""


def test_fd_reuse_is_deduplicated_and_dirfd_names_stay_exact(bpf_ready, fat_container, tmp_path: Path):
    paths, records, summary = _trace_python(fat_container, tmp_path, FD_REUSE)
    for expected in ("/etc/hostname", "/etc/passwd", "/etc/debian_version", "/usr/share/zoneinfo/UTC",
                     "/etc/issue", "/usr/share/zoneinfo/Etc", "/usr/bin/env"):
        assert expected in paths, expected
    # events in proportion to distinct (process, path, result), not to the
    # 4,000 + 900 opens that reused one fd number (python's start-up is the rest)
    loop = [r for r in records if r["path"] in ("/etc/hostname", "/etc/passwd", "/etc/issue",
                                                "/usr/bin/env", "/etc/missing-file")]
    assert len(loop) <= 20, len(loop)
    assert len(records) < 1_000, len(records)
    assert summary["deduplicated"] > 10_000
    # a name relative to the reused fd is never resolved against another directory
    wrong = {f"{d}/{n}" for d in ("/etc", "/usr/share/zoneinfo", "/usr/bin")
             for n in ("issue", "Etc", "env")} - {"/etc/issue", "/usr/share/zoneinfo/Etc", "/usr/bin/env"}
    assert not wrong & {r["path"] for r in records}
    assert summary["unresolved_paths"] == 0 and summary["lost"] == 0


NAME_BYTES = r"""
import os
for n in range(1, 26):          # the last byte at every place in an 8-byte word
    for c in "ab":
        for _ in range(3):
            os.access("/no-such-dir/" + "x" * (n - 1) + c, os.F_OK)
# a short name read into a buffer that still holds a longer one's bytes
for i in range(300):
    os.access("/etc/hostname" + ("-longer-name-left-behind" if i % 2 else ""), os.F_OK)
"""


def test_every_byte_of_a_name_and_none_past_it_tells_names_apart(bpf_ready, fat_container,
                                                                  tmp_path: Path):
    """The kernel deduplicates by a hash of the name: names that differ in
    their last byte, wherever it falls in a word, are all sent; a name is
    sent once however many times it is repeated, whatever the buffer held
    past its NUL (this kernel's string copy zeroes the rest of the last
    word; the program masks it too, for copies that do not)."""
    _, records, _ = _trace_python(fat_container, tmp_path, NAME_BYTES)
    sent = [r["path"] for r in records if r["syscall"] in ("access", "faccessat", "faccessat2")]
    for n in range(1, 26):
        for c in "ab":
            name = "/no-such-dir/" + "x" * (n - 1) + c
            assert sent.count(name) == 1, (name, sent.count(name))
    assert sent.count("/etc/hostname") == 1
    assert sent.count("/etc/hostname-longer-name-left-behind") == 1


FCHDIR_REUSE = r"""
import os
for i in range(200):
    d = ["/usr/share/zoneinfo", "/usr/share/doc"][i % 2]
    fd = os.open(d, os.O_RDONLY)
    os.fchdir(fd)
    os.close(fd)
    os.stat(["UTC", "coreutils"][i % 2])
"""


def test_fchdir_through_a_reused_fd_number(bpf_ready, fat_container, tmp_path: Path):
    paths, records, summary = _trace_python(fat_container, tmp_path, FCHDIR_REUSE)
    assert "/usr/share/zoneinfo/UTC" in paths and "/usr/share/doc/coreutils" in paths
    assert "/usr/share/doc/UTC" not in paths and "/usr/share/zoneinfo/coreutils" not in paths
    assert {r["path"] for r in records if r["syscall"] == "fchdir"} == {"/usr/share/zoneinfo",
                                                                       "/usr/share/doc"}
    assert summary["unresolved_paths"] == 0


INHERITED = r"""
import os
d = os.open("/etc", os.O_RDONLY)
pid = os.fork()
if pid == 0:                     # the child's inherited fd, used as it exits: /proc cannot help
    os.close(os.open("hostname", os.O_RDONLY, dir_fd=d))
    os._exit(0)
os.waitpid(pid, 0)
r, w = os.pipe()
pid = os.fork()
if pid == 0:                     # the parent gave the number to another directory meanwhile
    os.read(r, 1)
    os.close(os.open("issue", os.O_RDONLY, dir_fd=d))
    os._exit(0)
os.close(d)
assert os.open("/usr/share/zoneinfo", os.O_RDONLY) == d
os.close(os.open("UTC", os.O_RDONLY, dir_fd=d))
os.write(w, b"x")
os.waitpid(pid, 0)
e = os.open("/usr/share/doc", os.O_RDONLY)
os.dup2(e, 100)                  # dup2 and F_DUPFD carry what the fd names
os.close(os.open("coreutils", os.O_RDONLY, dir_fd=100))
f = __import__("fcntl").fcntl(e, __import__("fcntl").F_DUPFD, 200)
os.close(e)
os.stat("bash", dir_fd=f)
os._exit(0)
"""


def test_fds_inherited_at_fork_and_duplicated_resolve_exactly(bpf_ready, fat_container, tmp_path: Path):
    paths, records, summary = _trace_python(fat_container, tmp_path, INHERITED)
    for expected in ("/etc/hostname", "/etc/issue", "/usr/share/zoneinfo/UTC",
                     "/usr/share/doc/coreutils", "/usr/share/doc/bash"):
        assert expected in paths, expected
    seen = {r["path"] for r in records}
    assert not {"/usr/share/zoneinfo/issue", "/usr/share/zoneinfo/hostname", "/etc/UTC"} & seen
    assert summary["unresolved_paths"] == 0


PROG32_TIME64 = r"""
#include <fcntl.h>
#include <unistd.h>
#include <sys/syscall.h>
int main(void)
{
    int d = open("/opt", O_RDONLY | O_DIRECTORY);
    /* i386's 64-bit-time utimensat (412) and the old one (320), absolute and dirfd-relative */
    syscall(412, AT_FDCWD, "/opt/stamp64", 0, 0);
    syscall(412, d, "stamp64-rel", 0, 0);
    syscall(320, AT_FDCWD, "/opt/stamp32", 0, 0);
    return 0;
}
"""


def test_a_32_bit_utimensat_time64_is_traced(bpf_ready, fat_container, tmp_path: Path):
    c = fat_container
    c.exec("touch", "/opt/stamp64", "/opt/stamp64-rel", "/opt/stamp32")
    put_32_bit_program(PROG32_TIME64, c.name, "/opt/t64", tmp_path)
    files, events = tmp_path / "files.txt", tmp_path / "events.jsonl"
    proc = micropack("trace", "--container", c.id, "-o", str(files), "--events", str(events),
                     "--", "docker", "exec", c.name, "/opt/t64")
    assert proc.returncode == 0, proc.stderr
    paths = files.read_text().splitlines()
    for expected in ("/opt/stamp64", "/opt/stamp64-rel", "/opt/stamp32"):
        assert expected in paths, expected
    records = [json.loads(line) for line in events.read_text().splitlines()[:-1]]
    assert {r["syscall"] for r in records if r["path"].startswith("/opt/stamp")} == {"utimes"}


def test_a_refused_tp_btf_program_falls_back_to_the_raw_tracepoint(bpf_ready, fat_container,
                                                                   tmp_path: Path, monkeypatch):
    """A kernel that refuses the tp_btf program (no BTF, a lockdown that
    refuses tracing programs): the trace runs on the raw tracepoint, and
    says why; asked for tp_btf alone, it is one clear error."""
    from micropack import runtimes, target, tracing
    from micropack.errors import TracerUnavailable
    from micropack.tracers import btf_attach

    def refuse(*_args, **_kwargs):
        raise btf_attach.AttachRefused("the kernel refused a tp_btf program: Operation not permitted")
    monkeypatch.setattr(btf_attach, "attach", refuse)
    monkeypatch.setenv("MICROPACK_SYS_EXIT", "auto")
    c = fat_container
    out, events = tmp_path / "files.txt", tmp_path / "events.jsonl"
    tracing.trace_to_files(backend="ebpf", target_factory=lambda: target.for_container(runtimes.get(), c.id),
                           output=str(out), events_path=str(events), show_progress=False,
                           command=["docker", "exec", c.name, "cat", "/etc/debian_version"])
    summary = json.loads(events.read_text().splitlines()[-1])["summary"]
    assert summary["attach"] == "raw_tp" and "Operation not permitted" in summary["attach_refused"]
    assert "/etc/debian_version" in out.read_text().splitlines()
    monkeypatch.setenv("MICROPACK_SYS_EXIT", "btf")
    with pytest.raises(TracerUnavailable, match="MICROPACK_SYS_EXIT=btf: the kernel refused"):
        tracing.trace_to_files(backend="ebpf", output=str(tmp_path / "f2.txt"), events_path=None,
                               target_factory=lambda: target.for_container(runtimes.get(), c.id),
                               show_progress=False, command=["true"])


def test_the_loader_names_what_the_verifier_refused(bpf_ready):
    """btf_attach on code the verifier rejects: AttachRefused with its reason."""
    import struct

    from micropack.tracers import btf_attach
    need(btf_attach.tracepoint_btf_id("sys_exit") is not None, "BTF for the sys_exit tracepoint")
    no_exit = struct.pack("<BBhi", 0xb7, 0, 0, 0)          # r0 = 0, and no exit instruction
    with pytest.raises(btf_attach.AttachRefused, match="refused a tp_btf program: .*not an exit"):
        btf_attach.attach(no_exit, "sys_exit", "mp_test")


def test_a_process_moved_into_or_out_of_the_target_is_traced_only_while_inside(
        bpf_ready, fat_container, tmp_path: Path):
    """The program caches, per process, whether it is in the target; a move
    to another cgroup must make that answer stale at once. A host shell that
    was asked (and found outside) joins the target: its next open is traced.
    A shell of the container that was found inside is moved out: its next
    open is not (nothing of the host reaches an output)."""
    import os
    import signal
    import time

    from micropack import cgroup
    c = fat_container
    mark = uuid.uuid4().hex[:12]
    events = tmp_path / "events.jsonl"
    tracer = subprocess.Popen([sys.executable, "-m", "micropack.cli", "trace", "--container", c.id,
                               "-o", str(tmp_path / "files.txt"), "--events", str(events),
                               "--", "sleep", "30"], stderr=subprocess.PIPE, text=True)
    assert tracer.stderr is not None
    for line in tracer.stderr:
        if "micropack: tracing" in line:
            break
    target_cgroup = cgroup.ref_for_pid(int(subprocess.run(
        ["docker", "inspect", "-f", "{{.State.Pid}}", c.id], capture_output=True, text=True,
        check=True).stdout)).path
    host_root = cgroup.v2_mountpoint()
    script = ("read a < /nonexistent-{m}-{w}-before 2>/dev/null; sleep 2; "
              "read b < /nonexistent-{m}-{w}-after 2>/dev/null; true")
    leaver = subprocess.Popen(["docker", "exec", c.name, "sh", "-c", script.format(m=mark, w="leaver")])
    joiner = subprocess.Popen(["sh", "-c", script.format(m=mark, w="joiner")])
    try:
        time.sleep(1)           # both made their first open, and were asked
        shell = subprocess.run(["pgrep", "-f", f"{mark}-leaver-before"], capture_output=True,
                               text=True).stdout.split()
        assert shell, "the container's shell is not running"
        for pid in shell:
            (host_root / "cgroup.procs").write_text(pid)
        (target_cgroup / "cgroup.procs").write_text(str(joiner.pid))
        assert leaver.wait(20) == 0 and joiner.wait(20) == 0
    finally:
        tracer.send_signal(signal.SIGTERM)
        tracer.communicate(timeout=60)
    text = events.read_text()
    assert f"{mark}-leaver-before" in text          # traced while it was inside
    assert f"{mark}-joiner-after" in text            # inside after the move
    assert f"{mark}-leaver-after" not in text        # outside after the move
    assert f"{mark}-joiner-before" not in text       # outside before it
    assert os.path.exists(host_root / "cgroup.procs")
