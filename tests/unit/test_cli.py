"""The one error boundary (cli.main): every error is one line and an exit
code; --debug, read from the parsed options, adds the traceback."""
from __future__ import annotations

from pathlib import Path

import click
import pytest

from micropack import cli
from micropack.errors import Interrupted


def run_main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(list(args))
    return int(exit_info.value.code or 0), capsys.readouterr().err


def test_an_input_error_is_one_line_with_exit_1(capsys, tmp_path: Path):
    code, err = run_main(capsys, "pack", "-i", str(tmp_path / "missing.txt"), "-o",
                         str(tmp_path / "o.tar"), "--rootfs", str(tmp_path))
    assert code == 1
    assert err.strip().count("\n") == 0 and "missing.txt: cannot read" in err


def test_a_system_error_is_one_line_naming_the_file(capsys, tmp_path: Path, monkeypatch):
    def fail(*_a, **_k):
        raise PermissionError(13, "Permission denied", "/var/lib/somewhere")
    monkeypatch.setattr("micropack.record.read_files_txt", fail)
    code, err = run_main(capsys, "pack", "-i", "x", "-o", "y", "--rootfs", str(tmp_path))
    assert code == 1
    assert err == "micropack: error: /var/lib/somewhere: Permission denied\n"


def test_debug_adds_the_traceback(capsys, tmp_path: Path):
    code, err = run_main(capsys, "--debug", "pack", "-i", str(tmp_path / "missing.txt"), "-o",
                         str(tmp_path / "o.tar"), "--rootfs", str(tmp_path))
    assert code == 1
    assert "Traceback (most recent call last)" in err and err.strip().endswith("cannot read: "
                                                                                "No such file or directory")


def test_usage_errors_exit_2(capsys):
    code, err = run_main(capsys, "trace", "--container", "a", "--pid", "1")
    assert code == 2 and "name exactly one target" in err
    code, err = run_main(capsys, "pack", "--nonsense")
    assert code == 2 and "No such option" in err


def test_a_signal_exits_with_128_plus_its_number(capsys, monkeypatch):
    @cli.cli.command("raise-term")
    def raise_term() -> None:
        raise Interrupted("SIGTERM")
    try:
        code, err = run_main(capsys, "raise-term")
    finally:
        cli.cli.commands.pop("raise-term")
    assert code == 143 and "interrupted by SIGTERM" in err


def test_an_error_while_unwinding_from_a_signal_still_exits_as_interrupted(capsys):
    """A cleanup that fails on the way out of a signal (once: a descriptor
    closed twice, EBADF) must not turn the user's Ctrl-C into exit 1."""
    @cli.cli.command("fail-unwinding")
    def fail_unwinding() -> None:
        try:
            raise Interrupted("SIGINT")
        finally:
            raise OSError(9, "Bad file descriptor")
    try:
        code, err = run_main(capsys, "fail-unwinding")
    finally:
        cli.cli.commands.pop("fail-unwinding")
    assert code == 130
    assert err == ("micropack: interrupted by SIGINT: stopped; while stopping: "
                   "Bad file descriptor\n")


def test_help_and_version_exit_0(capsys):
    code, out = run_main(capsys, "--version")
    assert code == 0
    with pytest.raises(SystemExit) as info:
        cli.main(["--help"])
    assert info.value.code == 0
    assert "Trace a container" in capsys.readouterr().out
    assert isinstance(cli.cli, click.Group)


SWALLOWED_SIGNAL = r"""
import os, signal
from micropack import cli, progress
from micropack.errors import Interrupted
cli.install_signal_handling()

def after_fork_in_parent():
    # what happens when a signal lands during a fork: Python runs the handler
    # in the first Python code after it, an at-fork callback (logging has
    # one), where an exception is printed and dropped
    os.kill(os.getpid(), signal.SIGINT)
    for _ in range(100):
        pass

os.register_at_fork(after_in_parent=after_fork_in_parent)
pid = os.fork()             # as the packer forks its tar writer
if pid == 0:
    os._exit(0)
os.waitpid(pid, 0)
try:
    with progress.step("the next phase"):
        print("the next phase ran")
except Interrupted as exc:
    print("stopped by", exc.signame)
"""


def test_a_signal_python_swallowed_still_stops_the_run_at_the_next_step(tmp_path: Path):
    """The signal test of minify once exited 0 after a SIGINT: the exception
    the handler raised was dropped in logging's at-fork callback."""
    import subprocess
    import sys
    proc = subprocess.run([sys.executable, "-c", SWALLOWED_SIGNAL], capture_output=True, text=True,
                          timeout=60, cwd=Path(cli.__file__).parents[1])
    assert proc.stdout.strip() == "stopped by SIGINT", (proc.stdout, proc.stderr)
    assert "Exception ignored" not in proc.stderr      # kept for the checkpoint, not printed


@pytest.mark.parametrize("args, words", [
    (["trace", "--container", "c", "-o", ""], "-o '': an empty file name"),
    (["trace", "--container", "c", "-o", "f.txt", "--seccomp", ""], "--seccomp '': an empty file name"),
    (["trace", "--container", "c", "-o", "f.txt", "--duration", "-1"], "--duration -1.0: give a positive"),
    (["trace", "--container", "c", "-o", "f.txt", "--duration", "nan"], "--duration nan: give a positive"),
    (["trace", "--container", "c", "-o", "-", "--seccomp", "-"], "-o and --seccomp both write to stdout"),
    (["minify", "img", "-t", "t:1", "--html", "/nonexistent-dir/a.html"],
     "--html /nonexistent-dir/a.html: directory /nonexistent-dir does not"),
    (["minify", "img", "-t", "t:1", "--probe-http", "not a url"], "not an http:// or https:// URL"),
    (["minify", "img", "-t", "t:1", "--probe-http", "http://[::1"], "--probe-http 'http://[::1': not a URL"),
    (["minify", "img", "-t", "t:1", "--probe-http", "ftp://x/"], "not an http:// or https:// URL"),
    (["minify", "img", "-t", "t:1", "--probe-cmd", " "], "--probe-cmd ' ': an empty probe"),
    (["minify", "img", "-t", "t:1", "--cmd", 'echo "open'], "--cmd 'echo \"open': no closing quotation"),
    (["minify", "img", "-t", "t:1", "--cmd", ""], "--cmd '': an empty command"),
    (["minify", "img", "-t", "t:1", "-e", "=foo"], "-e '=foo': give NAME=VALUE"),
    # (docker refused them only after the BPF programs were loaded, 5 s in)
    (["minify", "img", "-t", "t:1", "-w", "relative/dir"], "-w 'relative/dir': give an absolute path"),
    (["minify", "img", "-t", "t:1", "-p", "notaport"], "-p 'notaport': give [IP:][HOST_PORT:]CONTAINER_PORT"),
    (["minify", "img", "-t", "t:1", "--ready-timeout", "-5"], "--ready-timeout -5.0: give a positive"),
    # (before the work: --exit-timeout 3e6 ended a whole traced run in OverflowError)
    (["minify", "img", "-t", "t:1", "--exit-timeout", "3e6"], "--exit-timeout 3000000.0: give at most"),
    (["trace", "--container", "c", "-o", "f.txt", "--duration", "1e300"], "--duration 1e+300: give at most"),
    (["build", "--from-image", "img", "-i", "r.tar", "--push", "bad ref"],
     "--push bad ref: not an image name"),
    (["minify", "img\nname", "-t", "t:1"], "IMAGE img\\nname: not an image name"),
    (["minify", "Img:1", "-t", "t:1"], "IMAGE Img:1: not an image name"),
    (["minify", "img", "-t", "t:ünï"], "-t t:ünï: not an image name"),
    (["minify", "img@sha256:zz", "-t", "t:1"], "digest 'sha256:zz' must be"),
    (["pack", "-i", "f.txt", "-o", "o.tar", "--image", "a b"], "--image a b: not an image name"),
    (["build", "--from-image", "a//b", "-i", "r.tar", "-t", "x:1"], "--from-image a//b: not an"),
    (["debug", "c", "--image", "UP"], "--image UP: not an image name"),
    (["build", "--from-image", "img", "-i", "r.tar", "-t", "x:1", "--oci", ""],
     "--oci '': an empty file name"),
    (["build", "--from-image", "img", "-i", "r.tar", "--oci-dir", ""],
     "--oci-dir '': an empty directory name"),
    (["build", "--from-image", "img", "-i", "r.tar", "--dockerfile", ""],
     "--dockerfile '': an empty directory name"),
    (["demo", "--report", ""], "--report '': an empty file name"),
    (["demo", "--html", "/nonexistent-dir/a.html"], "--html /nonexistent-dir/a.html: directory"),
])
def test_what_can_be_checked_before_the_long_work_is_a_usage_error(capsys, args, words):
    """Each was found only after a trace or a minify had run (an empty -o
    after ten minutes of tracing; --html after the whole minify, its
    report left behind), taken for a bug in micropack (a URL, --cmd's
    quoting), or accepted (--duration -1 traced for an instant, an empty
    probe passed for nothing). One line, exit 2, before any target, engine
    or image is asked for."""
    code, err = run_main(capsys, *args)
    assert code == 2, err
    assert err.count("\n") == 1 and words in err, err


@pytest.mark.parametrize("ref", [
    "redis", "redis:7", "localhost:5000/team/app:1.0", "registry.example.com/a/b",
    "docker.io/library/debian@sha256:" + "ab" * 32, "app:1@sha256:" + "0" * 64,
    "4d736320b8df", "sha256:" + "f" * 64])
def test_image_references_a_runtime_takes_are_taken(ref):
    """Names, digests and ids (whole or a prefix) as docker, podman and ctr take them."""
    cli.check_image_reference(ref)


def test_events_to_stdout_are_written_there(capsys):
    """`--events -` made a file named '-' (every other output writes '-' to stdout)."""
    from micropack import record
    writer = record.EventsWriter("-")
    writer.write(record.TraceRecord(0.0, 1, 1, "cat", "openat", "/etc/hosts", 0, 3))
    writer.close({"backend": "test"})
    out = capsys.readouterr().out
    assert '"/etc/hosts"' in out and '"summary"' in out and not Path("-").exists()


def test_a_signal_after_the_outputs_were_written_says_they_stay(capsys, tmp_path: Path):
    """A signal while pack unmounted its image, its outputs in place:
    "what this run created was removed", exit 130, and the outputs there.
    The line names what was made and stays."""
    from micropack import record
    out = tmp_path / "out.json"

    @cli.cli.command("write-then-term")
    def write_then_term() -> None:
        record.write_json({"a": 1}, out)
        # (not one in the run's own temporary directory, removed with it:
        # the line named a rootfs.tar and an image.tar as staying, gone)
        import tempfile
        record.write_json({"b": 2}, Path(tempfile.gettempdir()) / "rootfs.json")
        raise Interrupted("SIGTERM")
    try:
        code, err = run_main(capsys, "write-then-term")
    finally:
        cli.cli.commands.pop("write-then-term")
    assert code == 143 and out.is_file()
    assert f"stopped after it had made {out}, which stay" in err and "rootfs.json" not in err
    code, err = run_main(capsys, "raise-nothing-such")        # (a new run starts with nothing made)
    assert "made" not in err


def test_an_error_naming_a_file_with_a_newline_is_still_one_line(capsys, tmp_path: Path):
    """`pack -i "$(printf 'no\\nfile')"`: the error came out on two lines."""
    code, err = run_main(capsys, "pack", "-i", str(tmp_path / "no\nfile"), "-o", str(tmp_path / "o.tar"),
                         "--rootfs", str(tmp_path))
    assert code == 1 and err.count("\n") == 1 and "no\\nfile: cannot read" in err, err


def test_a_second_run_making_the_same_image_is_refused_while_the_first_runs():
    """Two minify runs on one tag each verified the image the other had
    loaded under it. The tag is held (per runtime) while a run makes it."""
    from micropack.errors import UsageError

    class Engine:
        name = "docker"

    class Other:
        name = "podman"
    tag = "mp-unit/lock-test:1"
    with cli._building(Engine(), tag):
        with pytest.raises(UsageError, match="another micropack run is making that image in docker"), \
                cli._building(Engine(), tag):
            pass
        with cli._building(Other(), tag), cli._building(Engine(), tag + "-other"):
            pass
    with cli._building(Engine(), tag):        # released
        pass
    # its file removed as it ends (each tag's stayed in /run/lock, 339 of them)
    import glob
    before = set(glob.glob("/run/lock/micropack-tag-*")) | set(glob.glob("/tmp/micropack-tag-*"))
    with cli._building(Engine(), tag + "-gone"):
        during = set(glob.glob("/run/lock/micropack-tag-*")) | set(glob.glob("/tmp/micropack-tag-*"))
    after = set(glob.glob("/run/lock/micropack-tag-*")) | set(glob.glob("/tmp/micropack-tag-*"))
    assert len(during - before) == 1 and not during - before & after


def test_a_runtime_that_cannot_be_used_says_why_at_once(capsys, tmp_path: Path, monkeypatch):
    """With no containerd socket where CONTAINERD_ADDRESS points, ctr
    dialled for 20 to 70 s and micropack then said the image or container
    was not found."""
    monkeypatch.setenv("CONTAINERD_ADDRESS", str(tmp_path / "no.sock"))
    code, err = run_main(capsys, "trace", "--runtime", "containerd", "-c", "web", "-o",
                         str(tmp_path / "f.txt"))
    assert code == 1 and "the containerd runtime cannot be used here" in err and "no.sock" in err, err


def test_containerd_that_does_not_answer_is_said_not_read_as_not_found(monkeypatch):
    """ctr that could not dial the socket was read as an empty answer: the
    image or container "not found" (a socket nothing listens on: at once;
    one that never answers: after gRPC's backoff, now bounded)."""
    import subprocess

    from micropack.errors import TargetError
    from micropack.runtimes import containerd
    seen = []

    def fake_tool(argv, timeout=None, stdin=None, limit=None):
        seen.append(argv)
        return subprocess.CompletedProcess(argv, 1, "", 'ctr: failed to dial "/x.sock": context '
                                           "deadline exceeded: timed out waiting for server handshake\n")
    monkeypatch.setattr(containerd, "run_tool", fake_tool)
    monkeypatch.setenv("CONTAINERD_ADDRESS", "/x.sock")
    engine = containerd.ContainerdEngine()
    with pytest.raises(TargetError, match=r"cannot reach containerd at /x.sock \(CONTAINERD_ADDRESS\): "
                                          "failed to dial"):
        engine.has_image("redis")
    assert "--connect-timeout" in seen[0]
    with pytest.raises(TargetError, match="cannot reach containerd"):
        engine.has_image("redis")
    assert not engine.answers()
    assert len(seen) == 1           # dialled once: the timeout is not waited for again


def test_a_containerd_namespace_containerd_would_refuse_is_said(monkeypatch, tmp_path: Path):
    from micropack.runtimes import containerd
    monkeypatch.setenv("CONTAINERD_NAMESPACE", "bad ns!")
    assert any("CONTAINERD_NAMESPACE is 'bad ns!'" in p for p in containerd.ContainerdEngine.missing())
    monkeypatch.setenv("CONTAINERD_NAMESPACE", "k8s.io")
    assert not any("NAMESPACE" in p for p in containerd.ContainerdEngine.missing())


@pytest.mark.parametrize("args", [
    ["build", "--from-image", "img", "-i", "r.tar", "--oci-dir", "{ro}/od"],
    ["build", "--from-image", "img", "-i", "r.tar", "--dockerfile", "{ro}/df"],
    ["report", "{ro}/in.json", "-o", "{ro}/x.html"],
])
def test_an_output_directory_that_cannot_be_written_is_said_first(capsys, tmp_path: Path, monkeypatch, args):
    """A read-only directory for --oci-dir or --dockerfile failed at the
    build's end (exit 1), and `report -o` named its temporary file. (A
    read-only filesystem stops root too; here os.access says so.)"""
    import os
    ro = tmp_path / "ro"
    ro.mkdir()
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, **kw: str(p) != str(ro) and real(p, mode, **kw))
    code, err = run_main(capsys, *(a.format(ro=ro) for a in args))
    assert code == 2 and f"directory {ro} is not writable" in err and ".x.html." not in err, err
