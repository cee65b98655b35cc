"""The closure keeps what a lookup through symlinks passes through, checked
the way the kernel resolves paths: in the packed, extracted tree, not in
micropack's own idea of it. A file created through a (dangling) link needs
the directory of the link's target; a '..' after a link to a directory
needs that directory; a library loaded through a link takes its $ORIGIN
from the name ld.so loaded it under."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from micropack import pack, resolve
from micropack.rootfs import IN_ROOT, RootFS, openat2
from micropack.source import Source
from tests.conftest import need
from tests.unit.roots import cc, host_libc, link, write

LDSO = "/lib64/ld-linux-x86-64.so.2"


def elf_root(tmp_path: Path, loader: bool = True) -> tuple[Path, Path]:
    """(root, build): a root with the host's libc (and, with loader, the
    /lib64 link to its ld.so), and a directory to build ELF files in."""
    if shutil.which("gcc") is None:     # the case cannot be built: a failure, never a skip
        pytest.fail("gcc is needed to build the ELF files (scripts/setup-host.sh installs it)", pytrace=False)
    root = tmp_path / "root"
    build = tmp_path / "build"
    build.mkdir()
    host_libc(root)
    if loader:
        link(root, LDSO, "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2")
    return root, build


def pack_tree(root: Path, traced: list[str], out: Path) -> tuple[pack.PackReport, Path]:
    """Pack traced from root at --granularity file; the report and the tar extracted."""
    src = Source(RootFS(root), "test", {})
    report = pack.pack_files(src, traced, str(out / "r.tar"), resolve.Rules(), granularity="file")
    tree = out / "extracted"
    tree.mkdir()
    subprocess.run(["tar", "-xf", str(out / "r.tar"), "-C", str(tree)], check=True)
    return report, tree


def open_in(tree: Path, path: str, flags: int = os.O_RDONLY) -> int:
    """path opened in tree as the kernel resolves it with tree as the root."""
    root = os.open(tree, os.O_PATH | os.O_DIRECTORY)
    try:
        # openat2 takes a mode only with O_CREAT (EINVAL otherwise)
        return openat2(root, path.lstrip("/"), flags, IN_ROOT, 0o644 if flags & os.O_CREAT else 0)
    finally:
        os.close(root)


# -- a file created at run time through a link ---------------------------------

PID_LINKS = {
    "absolute": {"/etc/app.pid": "/run/app/app.pid"},
    "relative": {"/etc/app.pid": "../run/app/app.pid"},
    # /etc/app.pid -> /var/run/app.pid, through /var/run -> ../run, to the
    # dangling /run/app.pid -> app/app.pid
    "chain": {"/etc/app.pid": "/var/run/app.pid", "/var/run": "../run", "/run/app.pid": "app/app.pid"},
    # '..' stops at the root: never the host's /run
    "escaping": {"/etc/app.pid": "../../../../../../run/app/app.pid"},
}


@pytest.mark.parametrize("links", PID_LINKS.values(), ids=PID_LINKS.keys())
def test_a_file_created_through_a_link_keeps_the_directory_of_its_target(
        tmp_path: Path, links: dict[str, str]):
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    (root / "var").mkdir()
    (root / "run/app").mkdir(parents=True)
    (root / "run/app").chmod(0o750)
    if os.geteuid() == 0:
        os.chown(root / "run/app", 999, 999)       # the service's own (as root only)
    for path, target in links.items():
        link(root, path, target)
    report, tree = pack_tree(root, ["/etc/app.pid"], tmp_path)
    assert "/run/app" in report.kept, report.kept
    assert report.kept["/run/app"].startswith("directory of /etc/app.pid, created at run time")
    assert set(links) <= set(report.kept)                  # the links of the chain
    # with its mode and owner
    st, packed = (root / "run/app").lstat(), (tree / "run/app").lstat()
    assert (packed.st_mode, packed.st_uid, packed.st_gid) == (st.st_mode, st.st_uid, st.st_gid)
    # `echo $$ > /etc/app.pid` in the packed tree: open(O_CREAT) of the link
    os.close(open_in(tree, "/etc/app.pid", os.O_WRONLY | os.O_CREAT | os.O_TRUNC))
    assert (tree / "run/app/app.pid").is_file()


def test_a_file_created_in_a_plain_directory_still_keeps_it(tmp_path: Path):
    root = tmp_path / "root"
    (root / "var/local").mkdir(parents=True)
    report, _ = pack_tree(root, ["/var/local/app.sock", "/nowhere/at/all"], tmp_path)
    assert report.kept["/var/local"] == "directory of /var/local/app.sock, created at run time"
    assert "created at run time" in report.skipped["/nowhere/at/all"]
    assert not any(p.startswith("/nowhere") for p in report.kept)


# -- '..' after a link to a directory ------------------------------------------

DOTDOT = [
    "/opt/dirlink/../real/file",         # /opt/dirlink -> /opt/realdir: '..' leaves realdir
    "/opt/rellink/../real/file",         # /opt/rellink -> realdir
    "/opt/plain/../real/file",           # a real directory, left by '..'
    "/opt/through/file",                 # /opt/through -> deep/dir/../../real
]


def dotdot_root(root: Path) -> None:
    write(root, "/opt/real/file", "the file\n")
    (root / "opt/realdir").mkdir()
    (root / "opt/plain").mkdir()
    (root / "opt/deep/dir").mkdir(parents=True)
    link(root, "/opt/dirlink", "/opt/realdir")
    link(root, "/opt/rellink", "realdir")
    link(root, "/opt/through", "deep/dir/../../real")


@pytest.mark.parametrize("path", DOTDOT)
def test_dotdot_after_a_link_keeps_the_directory_it_leaves(tmp_path: Path, path: str):
    root = tmp_path / "root"
    dotdot_root(root)
    _, tree = pack_tree(root, [path], tmp_path)
    fd = open_in(tree, path)          # ENOENT when the directory '..' leaves is missing
    with os.fdopen(fd, "rb") as fh:
        assert fh.read() == b"the file\n"


def test_walk_names_the_directories_dotdot_leaves_in_any_order(tmp_path: Path):
    root = tmp_path / "root"
    dotdot_root(root)
    deep = ["/opt/deep/dir", "/opt/deep"]
    expected = {"/opt/dirlink/../real/file": ["/opt/realdir"], "/opt/plain/../real/file": ["/opt/plain"],
                "/opt/through/file": deep, "/opt/through/missing": deep,
                "/opt/real/file": [], "/../opt/real/file": []}      # '..' at the root leaves nothing
    for order in (list(expected), list(reversed(expected))):    # walk() caches directories
        fs = RootFS(root)
        assert {p: fs.walk(p).dotdot_from for p in order} == expected


# -- $ORIGIN of a library loaded through a link --------------------------------

@pytest.fixture
def origin_root(tmp_path: Path, request: pytest.FixtureRequest) -> Path:
    """/opt/app/bin/app (RUNPATH $ORIGIN/../lib) needs libfoo.so;
    /opt/app/lib/libfoo.so links to /opt/vendor/libfoo.so (RUNPATH $ORIGIN),
    which needs libbar.so, found only in /opt/app/lib."""
    root, build = elf_root(tmp_path)
    for d in ("opt/app/bin", "opt/app/lib", "opt/vendor"):
        (root / d).mkdir(parents=True)
    cc(build / "libbar.so", "int bar(void){return 2;}", "-shared", "-fPIC")
    cc(build / "libfoo.so", "int bar(void);\nint foo(void){return bar()+1;}\n", "-shared", "-fPIC",
       f"-L{build}", "-lbar", "-Wl,--enable-new-dtags,-rpath,$ORIGIN")
    cc(root / "opt/app/bin/app", "int foo(void);\nint main(void){return foo()-3;}\n",
       f"-L{build}", "-lfoo", "-Wl,--enable-new-dtags,-rpath,$ORIGIN/../lib")
    shutil.copy2(build / "libbar.so", root / "opt/app/lib/libbar.so")
    shutil.copy2(build / "libfoo.so", root / "opt/vendor/libfoo.so")
    link(root, "/opt/app/lib/libfoo.so", request.param)
    link(root, "/usr/local/bin/app", "../../../opt/app/bin/app")      # a program run through a link
    return root


LIBFOO_LINKS = {"absolute": "/opt/vendor/libfoo.so", "relative": "../../vendor/libfoo.so"}


@pytest.mark.parametrize("origin_root", LIBFOO_LINKS.values(), ids=LIBFOO_LINKS.keys(), indirect=True)
@pytest.mark.parametrize("program", ["/opt/app/bin/app", "/usr/local/bin/app"])
def test_origin_of_a_library_is_the_directory_it_was_loaded_from(origin_root: Path, tmp_path: Path,
                                                                 program: str):
    report, _ = pack_tree(origin_root, [program], tmp_path)
    assert report.warnings == []
    assert report.kept["/opt/app/lib/libbar.so"] == "needed by /opt/vendor/libfoo.so"
    assert "/opt/vendor/libfoo.so" in report.kept and "/opt/app/lib/libfoo.so" in report.kept


@pytest.mark.parametrize("origin_root", [LIBFOO_LINKS["relative"]], indirect=True)
def test_the_loader_agrees(origin_root: Path):
    # the fixture means what it says: the host's ld.so runs the program
    # (the links are relative, so they hold outside the root too) and finds
    # libbar.so beside the link to libfoo.so, not beside libfoo.so itself
    for program in ("opt/app/bin/app", "usr/local/bin/app"):
        proc = subprocess.run([str(origin_root / program)], env={"LD_DEBUG": "libs"},
                              capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
        assert f"trying file={origin_root}/opt/app/bin/../lib/libbar.so" in proc.stderr


CYCLE_RPATHS = {"origin": "$ORIGIN/../lib", "absolute": "/opt/app/lib:/opt/app/lib2"}


@pytest.mark.parametrize("rpath", CYCLE_RPATHS.values(), ids=CYCLE_RPATHS.keys())
def test_libraries_that_need_each_other_are_looked_at_a_bounded_number_of_times(tmp_path: Path,
                                                                              rpath: str):
    # liba needs libb and libb needs liba, both with a DT_RPATH: each time
    # round the cycle, the $ORIGIN text and the inherited path grew, every
    # way was new, and the pack ended in a RecursionError
    root, build = elf_root(tmp_path)
    (root / "opt/app/lib").mkdir(parents=True)
    (root / "opt/app/bin").mkdir(parents=True)
    dtags = f"-Wl,--no-as-needed,--disable-new-dtags,-rpath,{rpath}"
    cc(build / "libb.so", "int b(void){return 2;}\n", "-shared", "-fPIC")
    cc(build / "liba.so", "int b(void);\nint a(void){return b();}\n", "-shared", "-fPIC",
       f"-L{build}", "-lb", dtags)
    cc(build / "libb.so", "int a(void);\nint b(void){return 2;}\nint c(void){return a();}\n",
       "-shared", "-fPIC", f"-L{build}", "-la", dtags)
    for lib in ("liba.so", "libb.so"):
        shutil.copy2(build / lib, root / "opt/app/lib" / lib)
    cc(root / "opt/app/bin/m", "int a(void);\nint main(void){return a()-2;}\n",
       f"-L{build}", "-la", "-lb", dtags)
    report, _ = pack_tree(root, ["/opt/app/bin/m"], tmp_path)
    assert {"/opt/app/lib/liba.so", "/opt/app/lib/libb.so"} <= set(report.kept)
    assert not [w for w in report.warnings if "needs" in w], report.warnings


def test_a_library_for_this_cpus_level_brings_its_baseline_copy(tmp_path: Path):
    # ld.so loads glibc-hwcaps/x86-64-v3/libh.so.1 on a CPU that has that
    # level: that is the copy the trace sees. An image of only that copy
    # fails on an older CPU ("libh.so.1: cannot open shared object file");
    # the baseline beside the glibc-hwcaps directory must come too.
    root, build = elf_root(tmp_path, loader=False)
    lib = "/usr/lib/x86_64-linux-gnu"
    cc(build / "libh.so.1", "int h(void){return 1;}", "-shared", "-fPIC", "-Wl,-soname,libh.so.1")
    (root / lib.lstrip("/") / "glibc-hwcaps/x86-64-v3").mkdir(parents=True)
    shutil.copy2(build / "libh.so.1", root / lib.lstrip("/") / "libh.so.1")
    shutil.copy2(build / "libh.so.1", root / lib.lstrip("/") / "glibc-hwcaps/x86-64-v3/libh.so.1")
    (root / "usr/bin").mkdir(parents=True, exist_ok=True)
    cc(root / "usr/bin/app", "int h(void);\nint main(void){return h()-1;}\n", f"-L{build}", "-l:libh.so.1")
    # ldconfig lists the copy for the newest level first, so the closure,
    # as ld.so on this CPU, finds that one for the program's DT_NEEDED
    need(os.geteuid() == 0, "root (ldconfig -r chroots to write the root's ld.so.cache)")
    write(root, "/etc/ld.so.conf", f"{lib}\n")
    subprocess.run(["ldconfig", "-r", str(root)], check=True, capture_output=True)
    copy = f"{lib}/glibc-hwcaps/x86-64-v3/libh.so.1"
    report, tree = pack_tree(root, ["/usr/bin/app", copy], tmp_path)
    assert report.kept[f"{lib}/libh.so.1"] == f"baseline of {copy}, for CPUs without x86-64-v3"
    assert (tree / lib.lstrip("/") / "libh.so.1").is_file()


def test_the_rpath_chain_goes_on_through_a_library_with_runpath(tmp_path: Path):
    # app (DT_RPATH $ORIGIN/../lib:$ORIGIN/../../vendor) needs liba (RUNPATH
    # $ORIGIN), which needs libb (no paths), which needs libc3, found only
    # through app's DT_RPATH: glibc searches the loaders' DT_RPATH up to the
    # program's for libb, past liba's RUNPATH. The chain was cut at liba,
    # and libc3 reported missing (so units that need it were left out).
    root, build = elf_root(tmp_path)
    for d in ("opt/app/bin", "opt/app/lib", "opt/vendor"):
        (root / d).mkdir(parents=True)
    cc(build / "libc3.so", "int c3(void){return 0;}", "-shared", "-fPIC")
    cc(build / "libb.so", "int c3(void);\nint b(void){return c3();}\n", "-shared", "-fPIC",
       f"-L{build}", "-lc3")
    cc(build / "liba.so", "int b(void);\nint a(void){return b();}\n", "-shared", "-fPIC", f"-L{build}", "-lb",
       "-Wl,--enable-new-dtags,-rpath,$ORIGIN")
    for lib, where in (("libc3.so", "opt/app/lib"), ("libb.so", "opt/vendor"), ("liba.so", "opt/vendor")):
        shutil.copy2(build / lib, root / where / lib)
    cc(root / "opt/app/bin/app", "int a(void);\nint main(void){return a();}\n", f"-L{build}", "-la",
       f"-Wl,-rpath-link,{build}", "-Wl,--disable-new-dtags,-rpath,$ORIGIN/../lib:$ORIGIN/../../vendor")
    # the host's ld.so agrees (the RPATH entries are relative to the program)
    proc = subprocess.run([str(root / "opt/app/bin/app")], env={"LD_DEBUG": "libs"},
                          capture_output=True, text=True)
    assert proc.returncode == 0 and f"{root}/opt/app/bin/../lib/libc3.so" in proc.stderr, proc.stderr
    report, _ = pack_tree(root, ["/opt/app/bin/app"], tmp_path)
    assert report.warnings == []
    assert report.kept["/opt/app/lib/libc3.so"] == "needed by /opt/vendor/libb.so"


def test_musl_finds_libraries_where_its_loader_looks(tmp_path: Path):
    # Alpine: no ld.so.cache, no ld.so.conf; musl's loader reads
    # /etc/ld-musl-ARCH.path, else /lib:/usr/local/lib:/usr/lib. A library
    # installed into /usr/local/lib (make install) was reported missing.
    if shutil.which("gcc") is None:
        pytest.fail("gcc is needed to build the ELF files (scripts/setup-host.sh installs it)", pytrace=False)
    root = tmp_path / "root"
    build = tmp_path / "build"
    build.mkdir()
    write(root, "/lib/ld-musl-x86_64.so.1", "")          # never run: only its name counts
    musl = "-Wl,--dynamic-linker=/lib/ld-musl-x86_64.so.1"
    for lib in ("libf", "libg"):
        cc(build / f"{lib}.so", f"int {lib[3]}(void){{return 0;}}", "-shared", "-fPIC")
    (root / "usr/local/lib").mkdir(parents=True)
    (root / "opt/x").mkdir(parents=True)
    shutil.copy2(build / "libf.so", root / "usr/local/lib/libf.so")
    shutil.copy2(build / "libg.so", root / "opt/x/libg.so")
    (root / "usr/bin").mkdir(parents=True)
    cc(root / "usr/bin/app", "int f(void);\nint main(void){return f();}\n", f"-L{build}", "-lf",
       "-nodefaultlibs", "-lc", musl)
    cc(root / "usr/bin/app2", "int g(void);\nint main(void){return g();}\n", f"-L{build}", "-lg",
       "-nodefaultlibs", "-lc", musl)
    closure = resolve.Closure(RootFS(root))
    closure.add_traced(["/usr/bin/app"])
    assert closure.kept["/usr/local/lib/libf.so"] == "needed by /usr/bin/app"
    write(root, "/etc/ld-musl-x86_64.path", "/opt/x\n/lib\n")       # the path file replaces the default
    closure = resolve.Closure(RootFS(root))
    closure.add_traced(["/usr/bin/app", "/usr/bin/app2"])
    assert closure.kept["/opt/x/libg.so"] == "needed by /usr/bin/app2"
    assert "/usr/local/lib/libf.so" not in closure.kept
    assert "/usr/bin/app needs libf.so, which the source does not have" in closure.warnings


def test_lib_in_a_runpath_is_every_directory_the_loader_may_mean(tmp_path: Path):
    # RUNPATH $ORIGIN/../$LIB: Debian's ld.so reads $LIB as
    # lib/x86_64-linux-gnu, upstream glibc's as lib64; the closure read only
    # lib64 and reported the library missing where Debian's loader finds it.
    root, build = elf_root(tmp_path)
    (root / "opt/app/lib/x86_64-linux-gnu").mkdir(parents=True)
    (root / "opt/app/bin").mkdir(parents=True)
    cc(build / "libf.so", "int f(void){return 0;}", "-shared", "-fPIC")
    shutil.copy2(build / "libf.so", root / "opt/app/lib/x86_64-linux-gnu/libf.so")
    cc(root / "opt/app/bin/app", "int f(void);\nint main(void){return f();}\n", f"-L{build}", "-lf",
       "-Wl,--enable-new-dtags,-rpath,$ORIGIN/../$LIB")
    # this host's loader agrees
    proc = subprocess.run([str(root / "opt/app/bin/app")], env={"LD_DEBUG": "libs"},
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    report, _ = pack_tree(root, ["/opt/app/bin/app"], tmp_path)
    assert report.warnings == []
    assert report.kept["/opt/app/lib/x86_64-linux-gnu/libf.so"] == "needed by /opt/app/bin/app"


def test_a_library_a_kept_file_has_by_that_name_is_not_missing(tmp_path: Path):
    """The JDK's libjava.so needs libjvm.so, with no path that finds it:
    the java launcher loads lib/server/libjvm.so by its path first, and
    ld.so takes the one loaded by its name. Every such library was warned
    about as missing (22 times on a Tomcat image); a name no kept file has
    is still said."""
    root, build = elf_root(tmp_path)
    jdk = root / "usr/lib/jvm/jdk/lib"
    (jdk / "server").mkdir(parents=True)
    cc(build / "libjvm.so", "int jvm(void){return 1;}", "-shared", "-fPIC")
    cc(build / "libgone.so", "int gone(void){return 1;}", "-shared", "-fPIC")
    shutil.copy2(build / "libjvm.so", jdk / "server/libjvm.so")
    cc(jdk / "libjava.so", "int jvm(void);\nint java(void){return jvm();}\n", "-shared", "-fPIC",
       f"-L{build}", "-ljvm")
    cc(jdk / "libnet.so", "int gone(void);\nint net(void){return gone();}\n", "-shared", "-fPIC",
       f"-L{build}", "-lgone")
    lib = "/usr/lib/jvm/jdk/lib"
    report, _ = pack_tree(root, [f"{lib}/libjava.so", f"{lib}/libnet.so", f"{lib}/server/libjvm.so"],
                          tmp_path)
    assert not any("libjvm.so, which the source does not have" in w for w in report.warnings), report.warnings
    assert "libjvm.so (needed by /usr/lib/jvm/jdk/lib/libjava.so)" not in report.skipped
    assert f"{lib}/libnet.so needs libgone.so, which the source does not have" in report.warnings
