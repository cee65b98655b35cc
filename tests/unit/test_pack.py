"""The packer on a hand-built rootfs holding every case it must handle."""
from __future__ import annotations

import hashlib
import os
import shutil
import socket
import stat
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from micropack import pack, resolve
from micropack.rootfs import RootFS
from micropack.source import Source
from tests.conftest import need
from tests.unit.roots import HOST_LIBDIR, cc, link, write

LDSO = "/lib64/ld-linux-x86-64.so.2"


@pytest.fixture(scope="module")
def rootfs(tmp_path_factory) -> Path:
    need(os.geteuid() == 0, "root (owners, device nodes, xattrs)")
    need(shutil.which("gcc") is not None, "gcc (scripts/setup-host.sh installs it)")
    root = tmp_path_factory.mktemp("rootfs")
    build = tmp_path_factory.mktemp("build")
    # merged /usr: /lib -> usr/lib, /lib64 -> usr/lib64, /bin -> usr/bin
    for d in ("usr/lib/x86_64-linux-gnu", "usr/lib64", "usr/bin", "etc", "opt/app/lib",
              "opt/app/runlib", "opt/app/bin", "opt/qux", "srv/data", "tmp", "var/local"):
        (root / d).mkdir(parents=True, exist_ok=True)
    link(root, "/lib", "usr/lib")
    link(root, "/lib64", "usr/lib64")
    link(root, "/bin", "usr/bin")
    # the real loader and libc from the host, so the program below runs
    real_ldso = os.path.realpath(LDSO)
    shutil.copy2(real_ldso, root / "usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2")
    link(root, "/usr/lib64/ld-linux-x86-64.so.2", "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2")
    shutil.copy2(os.path.realpath(f"{HOST_LIBDIR}/libc.so.6"), root / "usr/lib/x86_64-linux-gnu/libc.so.6")
    # libfoo found through RPATH $ORIGIN, libbar through RUNPATH; a decoy
    # libbar that is not an ELF sits earlier on LD_LIBRARY_PATH
    cc(build / "libfoo.so", "int foo(void){return 1;}", "-shared", "-fPIC")
    cc(build / "libbar.so", "int bar(void){return 2;}", "-shared", "-fPIC")
    cc(build / "libqux.so", "int qux(void){return 3;}", "-shared", "-fPIC")
    shutil.copy2(build / "libfoo.so", root / "opt/app/lib/libfoo.so")
    shutil.copy2(build / "libbar.so", root / "opt/app/runlib/libbar.so")
    shutil.copy2(build / "libqux.so", root / "opt/qux/libqux.so")
    write(root, "/opt/decoy/libbar.so", "not an ELF file")
    cc(root / "opt/app/bin/prog",
       "int foo(void); int qux(void);\nint main(void){return foo()+qux()-4+0;}\n",
       f"-L{build}", "-lfoo", "-lqux", "-Wl,--disable-new-dtags,-rpath,$ORIGIN/../lib")
    cc(root / "opt/app/bin/prog2", "int bar(void);\nint main(void){return bar()-2;}\n",
       f"-L{build}", "-lbar", "-Wl,--enable-new-dtags,-rpath,/opt/app/runlib")
    # an absolute symlink whose target also exists on the host, with other contents
    write(root, "/etc/hostname", "container-hostname\n")
    link(root, "/data/hostlink", "/etc/hostname")
    link(root, "/data/escape", "../../../../../../etc/hostname")   # '..' stops at the root
    # scripts: env lookup through PATH, and a plain shebang through /bin
    write(root, "/usr/bin/python3", "#!fake python\n", 0o755)
    write(root, "/usr/bin/env", "fake env", 0o755)
    write(root, "/usr/bin/dash", "fake dash", 0o755)
    link(root, "/usr/bin/sh", "dash")
    write(root, "/opt/app/tool.py", "#!/usr/bin/env python3\nprint(1)\n", 0o755)
    write(root, "/opt/app/run.sh", "#!/bin/sh -e\necho hi\n", 0o755)
    # special modes, xattrs, hard links, fifo, socket, device, loop
    write(root, "/usr/bin/suid", "s", 0o4755)
    os.chmod(root / "tmp", 0o1777)
    write(root, "/usr/bin/capped", "c", 0o755)
    os.setxattr(root / "usr/bin/capped", "user.micropack", b"\x01\x00\xff")
    write(root, "/opt/app/a", "same inode")
    os.link(root / "opt/app/a", root / "opt/app/b")
    os.mkfifo(root / "opt/app/fifo")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(root / "opt/app/sock"))
    sock.close()
    os.mknod(root / "opt/app/null", stat.S_IFCHR | 0o666, os.makedev(1, 3))
    link(root, "/loop1", "/loop2")
    link(root, "/loop2", "/loop1")
    write(root, "/srv/data/inside", "not traced")
    write(root, "/etc/passwd", "root:x:0:0::/root:/bin/sh\n")
    write(root, "/etc/group", "root:x:0:\n")
    write(root, "/usr/share/doc/x/README", "doc")
    # parent directories carry their own mode, owner and mtime (set last)
    os.chmod(root / "opt/app", 0o750)
    os.chown(root / "opt/app", 1234, 2345)
    os.utime(root / "opt/app", (1_000_000, 1_000_000))
    return root


TRACED = ["/opt/app/bin/prog", "/opt/app/bin/prog2", "/data/hostlink", "/data/escape",
          "/opt/app/tool.py", "/opt/app/run.sh", "/usr/bin/suid", "/usr/bin/capped", "/tmp",
          "/opt/app/a", "/opt/app/b", "/opt/app/fifo", "/opt/app/sock", "/opt/app/null",
          "/loop1", "/srv/data", "/proc/self/maps", "/created/at/runtime",
          "/var/local/app.sock"]


def run_pack(root: Path, out: Path, rules: resolve.Rules | None = None,
             env: dict[str, str] | None = None, **kw) -> pack.PackReport:
    src = Source(RootFS(root), "test", env or {"LD_LIBRARY_PATH": "/opt/decoy:/opt/qux"})
    return pack.pack_files(src, TRACED, str(out), rules or resolve.Rules(), **kw)


def members(tar_path: Path) -> dict[str, tarfile.TarInfo]:
    with tarfile.open(tar_path) as tar:
        return {m.name: m for m in tar.getmembers()}


def test_closure_keeps_what_the_programs_need(rootfs: Path, tmp_path: Path):
    report = run_pack(rootfs, tmp_path / "r.tar")
    m = members(tmp_path / "r.tar")
    for name in ["opt/app/lib/libfoo.so",              # RPATH with $ORIGIN
                 "opt/app/runlib/libbar.so",           # RUNPATH
                 "opt/qux/libqux.so",                  # LD_LIBRARY_PATH from the image env
                 "usr/lib/x86_64-linux-gnu/libc.so.6",
                 "usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",   # PT_INTERP, via links
                 "lib64", "usr/lib64/ld-linux-x86-64.so.2", "lib",
                 "usr/bin/python3", "usr/bin/env",     # #!/usr/bin/env python3
                 "bin", "usr/bin/sh", "usr/bin/dash"]: # #!/bin/sh through merged /usr
        assert name in m, name
    assert "opt/decoy/libbar.so" not in m               # not an ELF: skipped by the search
    assert m["lib"].issym() and m["lib"].linkname == "usr/lib"   # stays a link
    assert "needed by /opt/app/bin/prog" in report.kept["/opt/app/lib/libfoo.so"]


def test_symlinks_never_reach_the_host(rootfs: Path, tmp_path: Path):
    run_pack(rootfs, tmp_path / "r.tar")
    with tarfile.open(tmp_path / "r.tar") as tar:
        assert tar.extractfile("etc/hostname").read() == b"container-hostname\n"
        names = tar.getnames()
    assert Path("/etc/hostname").read_bytes() != b"container-hostname\n"
    assert "data/hostlink" in names and "data/escape" in names


def test_attributes_are_kept(rootfs: Path, tmp_path: Path):
    run_pack(rootfs, tmp_path / "r.tar", granularity="file")
    m = members(tmp_path / "r.tar")
    app = m["opt/app"]
    assert (app.mode, app.uid, app.gid, app.mtime) == (0o750, 1234, 2345, 1_000_000)
    assert m["usr/bin/suid"].mode == 0o4755
    assert m["tmp"].mode == 0o1777
    assert m["usr/bin/capped"].pax_headers["SCHILY.xattr.user.micropack"].encode(
        "utf-8", "surrogateescape") == b"\x01\x00\xff"
    assert m["opt/app/a"].isreg() and m["opt/app/b"].islnk() and m["opt/app/b"].linkname == "opt/app/a"
    assert m["opt/app/fifo"].isfifo()
    assert m["srv/data"].isdir() and "srv/data/inside" not in m   # opened dir, not its subtree
    run_pack(rootfs, tmp_path / "u.tar", granularity="unit")       # unless it is the app's tree
    assert "srv/data/inside" in members(tmp_path / "u.tar")


def test_skipped_paths_are_listed_with_why(rootfs: Path, tmp_path: Path):
    report = run_pack(rootfs, tmp_path / "r.tar")
    m = members(tmp_path / "r.tar")
    assert "opt/app/sock" not in m and "opt/app/null" not in m
    assert "socket or device" in report.skipped["/opt/app/sock"]
    assert "socket or device" in report.skipped["/opt/app/null"]
    # a link in a loop is a file the workload saw (ls -l lists it): itself
    assert "a symlink in a loop: kept as itself" in report.kept["/loop1"] and m["loop1"].issym()
    assert "pseudo" in report.skipped["/proc/self/maps"]
    assert "created at run time" in report.skipped["/created/at/runtime"]
    # a socket bound at run time needs its directory, which nothing else used
    assert "created at run time" in report.skipped["/var/local/app.sock"]
    assert m["var/local"].isdir()
    assert report.kept["/var/local"] == "directory of /var/local/app.sock, created at run time"


def test_rules_and_presets(rootfs: Path, tmp_path: Path):
    rules = resolve.Rules(include=["/usr/share/doc/*"], exclude=["/opt/app/tool.py"])
    rules.add_preset("passwd")
    report = run_pack(rootfs, tmp_path / "r.tar", rules)
    m = members(tmp_path / "r.tar")
    assert "usr/share/doc/x/README" in m and "etc/passwd" in m and "etc/group" in m
    assert "opt/app/tool.py" not in m
    assert report.skipped["/opt/app/tool.py"] == "rule --exclude /opt/app/tool.py"


def test_two_runs_are_byte_identical_and_mtime_is_settable(rootfs: Path, tmp_path: Path):
    digests = set()
    for name in ("a.tar", "b.tar"):
        run_pack(rootfs, tmp_path / name)
        digests.add(hashlib.sha256((tmp_path / name).read_bytes()).hexdigest())
    assert len(digests) == 1
    run_pack(rootfs, tmp_path / "c.tar", mtime=42)
    assert {m.mtime for m in members(tmp_path / "c.tar").values()} == {42}


def test_the_packed_program_runs(rootfs: Path, tmp_path: Path):
    run_pack(rootfs, tmp_path / "r.tar")
    out = tmp_path / "x"
    out.mkdir()
    subprocess.run(["tar", "-xf", str(tmp_path / "r.tar"), "-C", str(out)], check=True,
                   stderr=subprocess.DEVNULL)
    (out / "proc").mkdir()
    for prog in ("/opt/app/bin/prog", "/opt/app/bin/prog2"):
        # the loader reads /proc/self/exe for $ORIGIN: give the chroot a /proc
        # in a private mount namespace (gone when the command ends)
        proc = subprocess.run(
            ["unshare", "--mount", "sh", "-c",
             f"mount -t proc proc {out}/proc && exec /usr/sbin/chroot {out} {prog}"],
            env={"LD_LIBRARY_PATH": "/opt/qux", "PATH": "/usr/bin:/bin"})
        assert proc.returncode == 0, prog


def test_cli_bad_line_names_it_and_leaves_no_output(rootfs: Path, tmp_path: Path):
    files = tmp_path / "files.txt"
    files.write_text("/etc/hostname\netc/relative\n")
    out = tmp_path / "out.tar"
    proc = subprocess.run([sys.executable, "-m", "micropack.cli", "pack", "-i", str(files),
                           "-o", str(out), "--rootfs", str(rootfs)], capture_output=True, text=True)
    assert proc.returncode == 1
    assert "files.txt:2: path is not absolute" in proc.stderr
    assert proc.stderr.count("\n") == 1
    assert list(tmp_path.iterdir()) == [files]


def test_cli_unreadable_source_is_a_clear_error(tmp_path: Path):
    files = tmp_path / "files.txt"
    files.write_text("/etc/hostname\n")
    proc = subprocess.run([sys.executable, "-m", "micropack.cli", "pack", "-i", str(files),
                           "-o", str(tmp_path / "o.tar"), "--rootfs", str(tmp_path / "nope")],
                          capture_output=True, text=True)
    assert proc.returncode == 1 and "does not exist" in proc.stderr


def test_a_failing_archive_leaves_neither_archive_nor_report(rootfs: Path, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch):
    import errno

    from micropack import archive
    from micropack.errors import PackError

    # the report is made while the archive is written; it must only appear
    # if the archive succeeds
    def full(self):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(archive.TarWriter, "_flush", full)
    with pytest.raises(PackError, match="cannot write .*out.tar: No space left on device"):
        run_pack(rootfs, tmp_path / "out.tar", report_out=str(tmp_path / "report.json"),
                 packages_out=str(tmp_path / "packages.txt"))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("kind", ["fifo", "dev-zero"])
def test_loader_files_that_are_not_regular_neither_hang_nor_fill_memory(rootfs: Path, tmp_path: Path,
                                                                         kind: str):
    """/etc/ld.so.conf and ld.so.cache as a FIFO (open() would block forever)
    or as /dev/zero (read() would never end): skipped with a warning, and the
    libraries are still found through the default directories."""
    root = tmp_path / "root"
    subprocess.run(["cp", "-a", str(rootfs), str(root)], check=True)
    for name in ("etc/ld.so.conf", "etc/ld.so.cache"):
        target = root / name
        if target.exists() or target.is_symlink():
            target.unlink()
        if kind == "fifo":
            os.mkfifo(target)
        else:
            os.mknod(target, stat.S_IFCHR | 0o666, os.makedev(1, 5))   # /dev/zero's numbers
    src = Source(RootFS(root), "test", {"LD_LIBRARY_PATH": "/opt/decoy:/opt/qux"})
    report = pack.pack_files(src, ["/opt/app/bin/prog"], str(tmp_path / "r.tar"), resolve.Rules())
    assert "/usr/lib/x86_64-linux-gnu/libc.so.6" in report.kept
    assert "/etc/ld.so.conf is not a regular file: ignored" in report.warnings


def test_the_summary_measures_against_the_image_when_its_size_is_known(rootfs: Path, tmp_path: Path):
    """An image's size, as its runtime counts it, is the one figure for the
    original (minify shows it too); a directory or tar has only its files."""
    walked = run_pack(rootfs, tmp_path / "a.tar")
    assert walked.source.files > 0
    assert f"of {walked.source.files} files (" in walked.summary()
    image = pack.pack_files(Source(RootFS(rootfs), "image x", {}, size=50_000_000), TRACED,
                            str(tmp_path / "b.tar"), resolve.Rules())
    line = image.summary()
    assert "of the image's 50.0 MB" in line and " files (" not in line.split("of the image's")[1]
    ratio = 50_000_000 / image.result.bytes
    assert f"{ratio:.1f}x smaller" in line, line
    assert image.source.files == 0      # no walk of the whole source was needed for the line


def test_env_options_with_a_value_are_not_taken_for_the_program(tmp_path: Path):
    # "#!/usr/bin/env -u LANG python3": -u takes LANG; LANG was taken for
    # the program (a warning, and python3 not kept through env)
    root = tmp_path / "root"
    write(root, "/usr/bin/env", "fake env", 0o755)
    write(root, "/usr/bin/python3", "fake python", 0o755)
    for n, line in enumerate(("-u LANG python3", "--chdir /tmp -S python3 -u", "-i PATH=/usr/bin python3")):
        write(root, f"/opt/s{n}", f"#!/usr/bin/env {line}\nprint(1)\n", 0o755)
        closure = resolve.Closure(RootFS(root), env={"PATH": "/usr/bin"})
        closure.add_traced([f"/opt/s{n}"])
        why = closure.kept.get("/usr/bin/python3")
        assert why == f"program python3 run by script /opt/s{n} through env", line
        assert closure.warnings == [], line


def test_a_shebang_with_a_nul_in_it_is_read_up_to_it(tmp_path: Path):
    """`#!/bin/sh\\0/etc/shadow`, which the kernel runs with /bin/sh, was
    "ValueError: embedded null byte, a bug in micropack" out of pack."""
    root = tmp_path / "root"
    (root / "bin").mkdir(parents=True)
    (root / "srv").mkdir()
    (root / "bin/sh").write_bytes(b"#!/bin/sh\n")
    (root / "srv/s5").write_bytes(b"#!/bin/sh\0/etc/shadow\necho s5\n")
    os.chmod(root / "srv/s5", 0o755)
    os.chmod(root / "bin/sh", 0o755)
    closure = resolve.Closure(RootFS(root))
    closure.add("/srv/s5", "traced")
    assert "interpreter of script /srv/s5" in closure.kept["/bin/sh"]
    from micropack import codescan
    assert codescan.shebang_program(b"#!/bin/sh\0/etc/shadow\n") == "sh"


def test_file_level_says_the_time_zones_it_leaves_out(tmp_path: Path):
    """A zone is picked by TZ's name at run time; at file level the zones
    the trace did not read are gone and glibc takes TZ=Europe/Berlin for
    UTC, exit 0: said, with the preset that keeps them."""
    root = tmp_path / "root"
    write(root, "/usr/share/zoneinfo/Etc/UTC", b"TZif" + b"u" * 100)
    write(root, "/usr/share/zoneinfo/Europe/Berlin", b"TZif" + b"b" * 199_996)
    write(root, "/usr/share/zoneinfo/Europe/Paris", b"TZif" + b"p" * 299_996)
    link(root, "/etc/localtime", "/usr/share/zoneinfo/Etc/UTC")
    write(root, "/etc/hostname", "h\n")

    def warnings(traced: list[str], rules: resolve.Rules | None = None,
                 granularity: str = "file") -> list[str]:
        report = pack.pack_files(Source(RootFS(root), "test", {}), traced, str(tmp_path / "o.tar"),
                                 rules or resolve.Rules(), granularity=granularity)
        return [w for w in report.warnings if "time zones" in w]

    said = warnings(["/etc/localtime", "/etc/hostname"])
    assert said == ["only the time zones the trace read are kept (1 of 3 files of /usr/share/zoneinfo): "
                    "a TZ naming another zone at run time is taken as UTC, silently; "
                    "--keep tz keeps them all (+0.5 MB)"]
    assert warnings(["/etc/hostname"]) == []             # no local time told: nothing to say
    keep_tz = resolve.Rules()
    keep_tz.add_preset("tz")
    assert warnings(["/etc/localtime"], keep_tz) == []   # all kept
    assert warnings(["/etc/localtime"], granularity="unit") == []   # the unit rules keep them


def test_a_python_librarys_module_with_a_shebang_is_no_script_without_its_interpreter(tmp_path: Path):
    """The standard library's pdb.py and webbrowser.py are executable and
    say `#!/usr/bin/env python3`; kept for an interpreter a library embeds
    (no python3 on PATH), each gave a warning that python3 was not found:
    a module is imported by the interpreter that imports it. A script
    elsewhere still says so."""
    root = tmp_path / "root"
    write(root, "/usr/bin/env", "fake env", 0o755)
    write(root, "/usr/lib/python3.11/pdb.py", "#!/usr/bin/env python3\nimport os\n", 0o755)
    write(root, "/usr/local/lib/python3.11/dist-packages/tool/cli.py", "#!/usr/bin/env python3\n", 0o755)
    write(root, "/opt/tool.py", "#!/usr/bin/env python3\nprint(1)\n", 0o755)
    closure = resolve.Closure(RootFS(root), env={"PATH": "/usr/bin"})
    closure.add_traced(["/usr/lib/python3.11/pdb.py", "/usr/local/lib/python3.11/dist-packages/tool/cli.py"])
    assert closure.warnings == []
    closure.add_traced(["/opt/tool.py"])
    assert closure.warnings == ["/opt/tool.py: python3 (through env) not found on PATH"]
