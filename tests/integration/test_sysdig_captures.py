"""Real sysdig 0.29 running chisels/microdump.lua over the real captures in
shared/fixtures/scap. Expected lists were written by hand from `sysdig -r`."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import need, run_micropack

SCAP = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "scap"
REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.integration

# `sysdig -r run_as_user_0_container.scap "container.id!=host"`: bash in the
# nginx container 697956520d89 stats / and the PATH entries for ls, accesses
# and runs /bin/ls, which loads its libraries and lists /.
CONTAINER_FILES = [
    "/", "/bin/bash", "/bin/ls", "/etc/ld.so.cache",
    "/lib/x86_64-linux-gnu/libc.so.6", "/lib/x86_64-linux-gnu/libdl.so.2",
    "/lib/x86_64-linux-gnu/libpcre.so.3", "/lib/x86_64-linux-gnu/libpthread.so.0",
    "/lib/x86_64-linux-gnu/libselinux.so.1",
]


@pytest.fixture(scope="module", autouse=True)
def sysdig_present():
    need(shutil.which("sysdig") is not None, "sysdig (apt install sysdig)")
    need(SCAP.is_dir(), f"the capture fixtures at {SCAP}")


def chisel(capture: str, *args: str) -> list[str]:
    out = subprocess.run(["sysdig", "-r", str(SCAP / capture), "-c", "microdump", *args],
                         env={"SYSDIG_CHISEL_DIR": str(REPO / "micropack" / "chisels"),
                              "PATH": "/usr/bin:/bin"},
                         capture_output=True, text=True, check=True)
    return out.stdout.splitlines()


def test_chisel_lists_the_container_files_sorted_without_na():
    lines = chisel("run_as_user_0_container.scap")
    assert lines == CONTAINER_FILES
    assert all(line.startswith("/") and "<NA>" not in line for line in lines)


def test_chisel_container_argument_filters():
    assert chisel("run_as_user_0_container.scap", "697956520d89") == CONTAINER_FILES
    assert chisel("run_as_user_0_container.scap", "0123456789ab") == []


def test_host_captures_have_no_container_files_unless_asked():
    assert chisel("cat_write.scap") == []
    assert chisel("cat_write.scap", "host") == [
        "/etc/ld.so.cache", "/lib/x86_64-linux-gnu/libc.so.6", "/usr/lib/locale/locale-archive"]
    files = chisel("open-multiple-files.scap", "host")
    tmp = [f for f in files if f.startswith("/tmp/file-")]
    assert len(tmp) >= 5 and tmp == sorted(tmp)


def test_trace_from_capture_writes_files_and_events(tmp_path: Path):
    out, events = tmp_path / "files.txt", tmp_path / "events.jsonl"
    proc = run_micropack("trace", "--from-capture", str(SCAP / "run_as_user_0_container.scap"),
                         "--container", "697956520d89", "-o", str(out), "--events", str(events))
    assert proc.returncode == 0, proc.stderr
    assert out.read_text().splitlines() == CONTAINER_FILES
    text = events.read_text()
    # failed PATH lookups keep their errno; pseudo paths stay in the events
    assert '"path": "/usr/local/sbin/ls"' in text and '"error": "ENOENT"' in text
    assert '"/proc/filesystems"' in text


