"""Whose leftovers may go: only a dead owner's of this boot, never a live
run's, never another boot's. And a signal waits for an image load."""
from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from micropack import cleanup
from micropack.errors import Interrupted

BOOT = cleanup.boot_id()


def dead_pid() -> int:
    p = subprocess.Popen(["true"])
    p.wait()
    return p.pid


def test_owners():
    assert cleanup.parse_owner(f"123@{BOOT}") == (123, BOOT)
    assert cleanup.parse_owner("") is None and cleanup.parse_owner("abc@x") is None
    gone = dead_pid()
    assert cleanup.owner_gone(gone, BOOT)
    assert not cleanup.owner_gone(os.getpid(), BOOT)               # alive
    assert not cleanup.owner_gone(gone, "00000000-another-boot")   # maybe alive elsewhere
    assert not cleanup.owner_gone(0, BOOT)


def test_sweep_temp_removes_only_dead_runs_of_this_boot(tmp_path: Path):
    gone, me, parent = dead_pid(), os.getpid(), os.getppid()
    made = {
        f"micropack-{gone}-{BOOT[:8]}-abc": False,          # removed
        f"micropack-{parent}-{BOOT[:8]}-abc": True,         # a live run's
        f"micropack-{gone}-0badb00t-abc": True,             # another boot's
        f"micropack-{me}-{BOOT[:8]}-own": True,             # this run's own
        "micropack-src-abcdef": True,                       # not named for an owner
        "micropack-rt-fat.tar": True,
    }
    for name in made:
        (tmp_path / name).mkdir()
        (tmp_path / name / "f").write_text("x")
    done = cleanup.Sweep()
    cleanup.sweep_temp(done, base=str(tmp_path))
    assert {n: (tmp_path / n).exists() for n in made} == made
    assert len(done.removed) == 1 and f"micropack-{gone}-" in done.removed[0]
    assert not any(f"micropack-{me}-" in k for k in done.kept)


def test_a_signal_in_an_uninterrupted_block_acts_at_its_end():
    from micropack import cli
    old = signal.signal(signal.SIGTERM, cli._on_signal)
    Interrupted.raised = False
    steps = []
    try:
        with pytest.raises(Interrupted) as caught, cleanup.uninterrupted():
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.1)                  # the handler has run by now
            steps.append("finished the load")
        assert caught.value.signame == "SIGTERM"
        assert steps == ["finished the load"]
    finally:
        signal.signal(signal.SIGTERM, old)
        Interrupted.raised = False


def test_tag_locks_no_run_holds_are_swept():
    """Each tag's lock file stayed in /run/lock (339 of them): one no run
    holds is removed; one a run holds is left."""
    import fcntl

    free, held = "/tmp/micropack-tag-unittestfree.lock", "/tmp/micropack-tag-unittestheld.lock"
    for path in (free, held):
        open(path, "w").close()
    fd = os.open(held, os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        out = cleanup.Sweep()
        cleanup.sweep_locks(out)
        assert f"tag lock {free}" in out.removed and not os.path.exists(free)
        assert os.path.exists(held) and f"tag lock {held}" not in out.removed
    finally:
        os.close(fd)
        os.unlink(held)
