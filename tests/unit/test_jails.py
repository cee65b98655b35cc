"""JailViews: what a chrooted process reached that its names do not say,
read inside the jail (a directory here, no root needed)."""
from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from micropack import elf
from micropack.tracers.jails import JailViews, Reached

ROOT = "/srv/j"       # the jail as a path of the container


def interpreter_of(path: str | Path) -> str:
    with open(path, "rb") as fh:
        info = elf.read_elf(fh)
    assert info is not None and info.interpreter
    return info.interpreter


@pytest.fixture
def jail(tmp_path: Path) -> Iterator[JailViews]:
    j = tmp_path / "jail"
    for d in ("bin", "lib", "www", "data"):
        (j / d).mkdir(parents=True)
    shutil.copy("/bin/true", j / "bin" / "sh")                   # an ELF with a PT_INTERP
    (j / "lib" / "ld.so").write_bytes(b"\x7fELF")                 # the jail's loader
    loader = j / interpreter_of("/bin/true").lstrip("/")
    loader.parent.mkdir(parents=True, exist_ok=True)
    loader.symlink_to("/lib/ld.so")                               # absolute: the jail's /lib
    (j / "bin" / "run").write_text("#!/bin/sh -e\ncat /www/index.html\n")
    (j / "data" / "page.html").write_text("hello\n")
    (j / "www" / "index.html").symlink_to("/data/page.html")
    views = JailViews()
    views._roots[ROOT] = os.open(j, os.O_PATH | os.O_DIRECTORY)
    yield views
    views.close()


def test_a_symlink_in_the_jail_ends_in_the_jail(jail: JailViews):
    # read from the image's root, /data/page.html would be the container's
    assert jail.reached(1, ROOT, f"{ROOT}/www/index.html") == [Reached(f"{ROOT}/data/page.html", "link")]
    assert jail.reached(1, ROOT, f"{ROOT}/data/page.html") == []           # no link: nothing more
    assert jail.reached(1, ROOT, f"{ROOT}/www/missing") == []
    assert jail.reached(1, ROOT, "/etc/passwd") == []                      # not in this jail


def test_a_scripts_interpreters_are_the_jails(jail: JailViews):
    # the kernel loads them with no syscall that names them
    got = jail.reached(1, ROOT, f"{ROOT}/bin/run", program=True)
    assert got == [Reached(f"{ROOT}/bin/sh", "interp"),
                   Reached(f"{ROOT}{interpreter_of('/bin/true')}", "interp"),
                   Reached(f"{ROOT}/lib/ld.so", "interp")]
    assert jail.reached(1, ROOT, f"{ROOT}/bin/run") == []       # not run: no interpreter asked for


def test_a_jail_that_cannot_be_read_gives_nothing():
    views = JailViews(container_pid=None)
    assert views.reached(2 ** 22 + 1, ROOT, f"{ROOT}/bin/x", program=True) == []   # no such pid
