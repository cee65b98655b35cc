"""Progress: a live line on a terminal (a real pty here), plain lines
otherwise, nothing for a quick step; and `micropack --help` never imports
the progress library."""
from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
import textwrap
import time

import pytest

# a quick step, a long counted one with a message in between, and a byte count
PROGRAM = textwrap.dedent("""
    import time
    from micropack import progress
    progress.SHOW_AFTER = 0.3
    progress.PLAIN_EVERY = 0.5
    with progress.step("quick"):
        pass
    n = 0
    with progress.step("counting", status=lambda: f"{n} events, {n // 10} files"):
        for i in range(12):
            n += 100
            time.sleep(0.1)
            if i == 8:
                progress.echo("micropack: a line in between")
    with progress.step("loading", total=3_000_000, unit="B") as s:
        for _ in range(6):
            s.advance(500_000)
            time.sleep(0.1)
""")


def run_in_pty(code: str, env: dict[str, str] | None = None) -> str:
    """Run python code with stdin, stdout and stderr on a new terminal."""
    main, side = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-c", code], stdin=side, stdout=side, stderr=side,
                            env=env)
    os.close(side)
    out = b""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([main], [], [], 1)
        if not ready:
            if proc.poll() is not None:
                break
            continue
        try:
            chunk = os.read(main, 65536)
        except OSError:          # EIO: the child closed the terminal
            break
        if not chunk:
            break
        out += chunk
    proc.wait(10)
    os.close(main)
    assert proc.returncode == 0, out
    return out.decode("utf-8", "replace")


def test_on_a_terminal_the_line_is_redrawn_in_place():
    out = run_in_pty(PROGRAM, env={k: v for k, v in os.environ.items() if k != "MICROPACK_PROGRESS"}
                     | {"TERM": "xterm"})
    assert "quick" not in out                          # a quick step shows nothing
    assert "\r" in out                                 # redrawn, not one line per update
    assert "micropack: counting" in out and "1200 events, 120 files" in out
    assert "micropack: a line in between" in out       # printed above the live line
    assert "micropack: loading" in out and "3.00MB/3.00MB" in out and "100%" in out
    assert "\x1b[" not in out.replace("\x1b[A", "")    # no colours or other escape codes


def test_elsewhere_plain_lines_and_nothing_for_a_quick_step():
    proc = subprocess.run([sys.executable, "-c", PROGRAM], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stderr.splitlines()
    assert "\r" not in proc.stderr and not any("quick" in line for line in lines)
    assert lines[0].startswith("micropack: counting ...")
    assert any(line.startswith("micropack: counting: ") and "events" in line for line in lines[1:-3])
    assert "micropack: a line in between" in lines
    assert any(re.fullmatch(r"micropack: counting: done after \d+\.\ds, 1200 events, 120 files", line)
               for line in lines)
    assert any(re.fullmatch(r"micropack: loading: done after \d+\.\ds, 3\.0 MB of 3\.0 MB", line)
               for line in lines)
    assert proc.stdout == ""


def test_plain_can_be_forced_on_a_terminal():
    out = run_in_pty(PROGRAM, env=dict(os.environ, MICROPACK_PROGRESS="plain", TERM="xterm"))
    assert "\r\n" in out and "micropack: counting: done after" in out
    assert "|" not in out                               # no bar


@pytest.mark.parametrize("argv", [["--help"], ["report", "--help"], ["debug", "--help"]])
def test_help_imports_neither_tqdm_nor_docker(argv):
    code = (f"import sys\nfrom micropack import cli\ntry:\n    cli.main({argv!r})\nexcept SystemExit:\n"
            "    pass\nprint(sorted(m for m in ('tqdm', 'docker', 'elftools') if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.stdout.strip().splitlines()[-1] == "[]", proc.stdout



def test_a_line_with_control_characters_is_written_escaped(capsys):
    """A file name from an image, with an escape sequence in it, in a
    pack warning retitled the terminal and recoloured it."""
    from micropack import progress
    progress.echo("warning: /srv/n/loopA\x1b]0;PWNED\x07\x1b[31mRED: symlink loop")
    err = capsys.readouterr().err
    assert err == "warning: /srv/n/loopA\\x1b]0;PWNED\\x07\\x1b[31mRED: symlink loop\n"


def test_c1_controls_and_reordering_marks_are_escaped_too():
    from micropack import progress
    assert progress.escaped("a\x9b31mb \u202etxt.exe") == "a\\x9b31mb \\u202etxt.exe"
