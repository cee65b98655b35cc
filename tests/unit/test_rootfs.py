"""Path resolution inside a root agrees with the kernel's, whatever order
paths are asked in (walk() caches the directories it resolved)."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from micropack.rootfs import RootFS, SymlinkLoop
from tests.conftest import need

QUERIES = [
    "/usr/lib/libz.so.1", "/lib/libz.so.1", "/lib/libz.so", "/lib64/ld.so", "/opt/cur/lib/libz.so",
    "/opt/cur/../cur/lib/libz.so", "/opt/rel/libz.so", "/opt/up/../lib/libz.so", "/opt/abs/hostname",
    "/etc/hostname", "/etc/hostname/x", "/opt/loop/a", "/opt/loopdir/x", "/missing/x", "/lib/missing",
    "/usr/lib/", "/usr//lib/libz.so.1", "/usr/./lib/libz.so.1", "/lib/../etc/hostname",
    "/opt/chain", "/opt/chain/libz.so.1", "/opt/dotdot", "/opt/dotdot/hostname", "/",
]


def build(root: Path) -> None:
    def link(path: str, target: str) -> None:
        p = root / path.lstrip("/")
        p.parent.mkdir(parents=True, exist_ok=True)
        p.symlink_to(target)

    (root / "usr/lib").mkdir(parents=True)
    (root / "etc").mkdir()
    (root / "etc/hostname").write_text("inside\n")
    (root / "usr/lib/libz.so.1.2").write_text("z")
    link("/usr/lib/libz.so.1", "libz.so.1.2")
    link("/usr/lib/libz.so", "/lib/libz.so.1")
    link("/lib", "usr/lib")
    link("/lib64", "/usr/lib")
    link("/usr/lib/ld.so", "../../etc/hostname")
    (root / "opt/v1/lib").mkdir(parents=True)
    link("/opt/v1/lib/libz.so", "/usr/lib/libz.so")
    link("/opt/cur", "v1")
    link("/opt/rel", "../usr/lib")
    link("/opt/up", "v1/lib")                 # /opt/up/.. is /opt/v1, not /opt
    (root / "opt/v1/lib/libz.so.up").write_text("u")
    (root / "opt/v1/lib").chmod(0o755)
    link("/opt/abs", "/etc")
    link("/opt/loop/a", "b")
    link("/opt/loop/b", "a")
    link("/opt/loopdir", "loopdir")
    link("/opt/chain", "cur/lib/../../rel")
    link("/opt/dotdot", "../../../../etc")    # '..' stops at the root


def kernel_view(root: Path, paths: list[str]) -> dict[str, str | None]:
    """realpath of each path in a child chrooted into root: the kernel's answer."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(read)
            os.chroot(root)
            os.chdir("/")
            answer = {p: os.path.realpath(p) if os.path.exists(p) else None for p in paths}
            os.write(write, json.dumps(answer).encode())
        finally:
            os._exit(0)
    os.close(write)
    data = b""
    while chunk := os.read(read, 65536):
        data += chunk
    os.close(read)
    os.waitpid(pid, 0)
    return json.loads(data)


def final(fs: RootFS, path: str) -> str | None:
    try:
        return fs.walk(path).final
    except SymlinkLoop:
        return None


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    need(os.geteuid() == 0, "root (chroot gives the kernel's view)")
    r = tmp_path_factory.mktemp("walkroot")
    build(r)
    return r


def test_walk_agrees_with_the_kernel_in_any_order(root: Path):
    expected = kernel_view(root, QUERIES)
    # the fixture means what it says: '..' after a symlink leaves its target
    # (/opt/v1/lib/..), not the link's directory (/opt/lib does not exist)
    assert expected["/opt/up/../lib/libz.so"] == "/usr/lib/libz.so.1.2"
    assert expected["/opt/dotdot/hostname"] == "/etc/hostname"
    for order in (QUERIES, list(reversed(QUERIES)), sorted(QUERIES)):
        fs = RootFS(root)
        got = {p: final(fs, p) for p in order}
        assert got == expected


def test_followed_links_do_not_depend_on_the_cache(root: Path):
    def links(order: list[str]) -> dict[str, list[str]]:
        fs = RootFS(root)
        out = {}
        for p in order:
            try:
                out[p] = fs.walk(p).links
            except SymlinkLoop:
                out[p] = ["loop"]
        return out

    assert links(QUERIES) == links(list(reversed(QUERIES)))
    assert links(QUERIES)["/lib/libz.so"] == ["/lib", "/usr/lib/libz.so", "/lib", "/usr/lib/libz.so.1"]


def test_read_file_reads_regular_files_inside_the_root_only(tmp_path: Path):
    from micropack.errors import PackError
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    (root / "etc/ld.so.conf").write_text("include /etc/ld.so.conf.d/*.conf\n")
    (root / "etc/big").write_bytes(b"x" * 100)
    os.mkfifo(root / "etc/fifo")
    (root / "etc/zero").symlink_to("/dev/zero")      # inside the root: /dev/zero is missing
    (tmp_path / "host-secret").write_text("host")
    (root / "etc/escape").symlink_to("../../host-secret")
    fs = RootFS(root)
    assert fs.read_file("/etc/ld.so.conf", 1000) == b"include /etc/ld.so.conf.d/*.conf\n"
    assert fs.read_file("/etc/fifo", 1000) is None          # would block forever if opened
    assert fs.read_file("/etc/zero", 1000) is None
    assert fs.read_file("/etc/escape", 1000) is None        # '..' stops at the root
    assert fs.read_file("/etc", 1000) is None
    with pytest.raises(PackError, match="larger than 10 bytes"):
        fs.read_file("/etc/big", 10)
    assert fs.list_dir("/etc") == ["big", "escape", "fifo", "ld.so.conf", "zero"]
    assert fs.list_dir("/etc/ld.so.conf") is None


def test_a_walk_stops_where_the_kernels_trees_begin(tmp_path: Path, monkeypatch):
    """Docker's /etc/mtab -> /proc/mounts -> self/mounts: packed from
    /proc/PID/root, micropack (outside the container's pid namespace) could
    not read the container's /proc/self, and pack --pid failed, "the
    container is changing it". A link into /proc, /sys or /dev ends there:
    what it names depends on who reads it."""
    (tmp_path / "etc").mkdir()
    (tmp_path / "proc").mkdir()
    (tmp_path / "etc/mtab").symlink_to("/proc/mounts")
    (tmp_path / "proc/mounts").symlink_to("self/mounts")
    (tmp_path / "proc/self").symlink_to("1")
    fs = RootFS(tmp_path)
    real = fs.readlink

    def unreadable(path: str) -> str:
        if path.startswith("/proc/"):
            raise FileNotFoundError(2, "No such file or directory")
        return real(path)
    monkeypatch.setattr(fs, "readlink", unreadable)
    walk = fs.walk("/etc/mtab")
    assert walk.final == "/proc/mounts" and walk.links == ["/etc/mtab"]
    assert fs.walk("/proc/self/root/etc").final == "/proc/self/root/etc"


def test_the_kernels_files_are_never_read_as_the_images(tmp_path: Path):
    """A --pid pack reads the container's live /proc: /proc/kmsg is a
    regular file whose read waits for the host's next kernel message. A
    file under /proc, /sys or /dev is never opened as one of the image."""
    (tmp_path / "proc").mkdir()
    (tmp_path / "proc/kmsg").write_text("host kernel log")
    (tmp_path / "var/lib/dpkg").mkdir(parents=True)
    (tmp_path / "var/lib/dpkg/status").symlink_to("/proc/kmsg")
    fs = RootFS(tmp_path)
    assert fs.read_file("/var/lib/dpkg/status", 1 << 20) is None
    assert fs.open_regular("/proc/kmsg") is None
