"""A directory deeper than the 256 levels micropack descends (each level of a
walk holds a descriptor: a hostile source must not exhaust them, nor make the
walk recurse without end) is no reason to fail a pack that does not need it:
the too-deep part is skipped with one warning line. Where the pack needs a
directory that deep whole, that is one clear error line."""
from __future__ import annotations

import os
import tarfile
from pathlib import Path

import pytest

from micropack import pack, resolve
from micropack.errors import PackError
from micropack.rootfs import MAX_DEPTH, RootFS
from micropack.source import Source
from tests.unit.roots import write

LEVELS = 300


def deep(root: Path, top: str, levels: int = LEVELS) -> str:
    """top/d/d/.../d, levels deep below top, with a file at the bottom; its
    container path. Made one level at a time (a path that long is more than
    PATH_MAX)."""
    fd = os.open(root / top.lstrip("/"), os.O_RDONLY | os.O_DIRECTORY)
    try:
        for _ in range(levels):
            os.mkdir("d", dir_fd=fd)
            nxt = os.open("d", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = nxt
        out = os.open("bottom", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
        os.write(out, b"deep\n")
        os.close(out)
    finally:
        os.close(fd)
    return top + "/d" * levels + "/bottom"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    r = tmp_path / "root"
    write(r, "/bin/true", b"#!/bin/true\n", mode=0o755)    # not an ELF: needs nothing
    write(r, "/etc/passwd", "root:x:0:0::/root:/bin/sh\n")
    (r / "var/junk").mkdir(parents=True)
    deep(r, "/var/junk")
    return r


def members(tar: Path) -> set[str]:
    with tarfile.open(tar) as t:
        return {m.name for m in t.getmembers()}


@pytest.mark.parametrize("granularity", ["file", "unit", "package"])
def test_an_unrelated_deep_tree_does_not_fail_the_pack(root, tmp_path, granularity):
    out, report = tmp_path / "out.tar", tmp_path / "report.json"
    with RootFS(root) as fs:
        result = pack.pack_files(Source(fs, "directory"), ["/bin/true"], str(out), resolve.Rules(),
                                 granularity=granularity, report_out=str(report))
    assert "bin/true" in members(out)
    assert not any(m.startswith("var/junk") for m in members(out))
    deep_lines = [w for w in result.warnings if f"more than {MAX_DEPTH} directories deep" in w]
    # one line, whatever the walks that met it (units, the report's totals)
    assert len(deep_lines) == 1, result.warnings
    assert "/var/junk/d/d/" in deep_lines[0] and "not read" in deep_lines[0]
    assert "\n" not in deep_lines[0] and len(deep_lines[0]) < 400
    assert deep_lines[0] in report.read_text()


def test_the_scan_skips_the_part_too_deep_and_says_where(root):
    with RootFS(root) as fs:
        found = fs.iter_tree("/var")
        assert len(fs.too_deep) == 1
        cut = next(iter(fs.too_deep))
        assert cut.count("/") == MAX_DEPTH + 1       # the first level not read
        assert cut in found                          # listed, not descended into
        assert not any(p.startswith(cut + "/") for p in found)


def test_a_file_that_deep_named_by_path_is_still_packed(root, tmp_path):
    """A path is resolved one component at a time, not by the walk: a
    traced file down there is kept."""
    bottom = "/var/junk" + "/d" * LEVELS + "/bottom"
    out = tmp_path / "out.tar"
    with RootFS(root) as fs:
        result = pack.pack_files(Source(fs, "directory"), ["/bin/true", bottom], str(out),
                                 resolve.Rules(), granularity="file")
    assert bottom.lstrip("/") in members(out)
    assert not any("directories deep" in w for w in result.warnings)


def test_a_needed_tree_that_deep_is_one_clear_error(root, tmp_path):
    out = tmp_path / "out.tar"
    with RootFS(root) as fs, pytest.raises(PackError) as err:
        pack.pack_files(Source(fs, "directory"), ["/bin/true"], str(out),
                        resolve.Rules(include=["/var/junk"]), granularity="file")
    msg = str(err.value)
    assert f"more than {MAX_DEPTH} directories deep" in msg and "/var/junk" in msg
    assert "\n" not in msg and len(msg) < 400
    assert not out.exists()


def test_cli_unrelated_deep_tree(root, tmp_path):
    from tests.conftest import run_micropack
    files = tmp_path / "fd.txt"
    files.write_text("/bin/true\n")
    for gran in ("file", "unit"):
        out = tmp_path / f"fd-{gran}.tar"
        proc = run_micropack("pack", "--rootfs", str(root), "-i", str(files), "-o", str(out),
                             "--granularity", gran)
        assert proc.returncode == 0, proc.stderr
        lines = [ln for ln in proc.stderr.splitlines() if "directories deep" in ln]
        assert len(lines) == 1 and "warning: " in lines[0], proc.stderr
