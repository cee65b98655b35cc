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


def test_help_and_version_exit_0(capsys):
    code, out = run_main(capsys, "--version")
    assert code == 0
    with pytest.raises(SystemExit) as info:
        cli.main(["--help"])
    assert info.value.code == 0
    assert "Trace a container" in capsys.readouterr().out
    assert isinstance(cli.cli, click.Group)
