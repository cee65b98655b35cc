"""Which package each kept file comes from, from the databases in the source;
the list of installed packages a packed image carries."""
import os
import shutil
import subprocess
import tarfile
from pathlib import Path

from micropack import pack, resolve
from micropack.packages import owners
from micropack.rootfs import RootFS
from micropack.source import Source
from tests.conftest import need


def test_dpkg_and_apk_databases(tmp_path: Path):
    info = tmp_path / "var/lib/dpkg/info"
    info.mkdir(parents=True)
    (info / "coreutils.list").write_text("/.\n/bin\n/bin/cat\n")
    (info / "libc6:amd64.list").write_text("/lib/x86_64-linux-gnu/libc.so.6\n")
    apk = tmp_path / "lib/apk/db"
    apk.mkdir(parents=True)
    (apk / "installed").write_text("P:busybox\nV:1.36\nF:bin\nR:busybox\n\n"
                                   "P:musl\nF:lib\nR:ld-musl-x86_64.so.1\n")
    got = owners(RootFS(tmp_path), ["/bin/cat", "/usr/bin/cat", "/lib/x86_64-linux-gnu/libc.so.6",
                                    "/usr/lib/x86_64-linux-gnu/libc.so.6", "/bin/busybox",
                                    "/lib/ld-musl-x86_64.so.1", "/opt/unowned"])
    assert got == {"/bin/cat": "coreutils", "/usr/bin/cat": "coreutils",   # merged /usr alias
                   "/lib/x86_64-linux-gnu/libc.so.6": "libc6",
                   "/usr/lib/x86_64-linux-gnu/libc.so.6": "libc6",
                   "/bin/busybox": "busybox", "/lib/ld-musl-x86_64.so.1": "musl"}


def test_a_database_linked_out_of_the_root_is_read_inside_it(tmp_path: Path):
    """/var/lib/dpkg/info -> /var/lib/dpkg/info (absolute) names the source's
    own directory, never the host's: no host package may appear."""
    root = tmp_path / "root"
    (root / "var/lib/dpkg").mkdir(parents=True)
    (root / "var/lib/dpkg/info").symlink_to("/var/lib/dpkg/info-real")
    (root / "var/lib/dpkg/info-real").mkdir()
    (root / "var/lib/dpkg/info-real/mine.list").write_text("/bin/mine\n")
    host_db = Path("/var/lib/dpkg/info")
    assert host_db.is_dir() and any(host_db.glob("*.list"))   # this host has dpkg
    got = owners(RootFS(root), ["/bin/mine", "/bin/sh", "/usr/bin/dpkg"])
    assert got == {"/bin/mine": "mine"}


def test_a_database_that_names_itself_absolutely_reads_nothing_of_the_host(tmp_path: Path):
    """/var/lib/dpkg/info -> /var/lib/dpkg/info is a loop inside the root, and
    the host's own database when followed on the host."""
    root = tmp_path / "root"
    (root / "var/lib/dpkg").mkdir(parents=True)
    (root / "var/lib/dpkg/info").symlink_to("/var/lib/dpkg/info")
    assert owners(RootFS(root), ["/bin/sh", "/usr/bin/dpkg", "/bin/ls"]) == {}


def test_the_packages_installed_on_purpose(tmp_path: Path):
    """dpkg: those no installed package depends on, not marked
    automatically installed by apt, neither Essential nor of
    priority required. apk: its world, without version constraints."""
    from micropack.packages import read_database
    info = tmp_path / "var/lib/dpkg/info"
    info.mkdir(parents=True)
    names = ("coreutils", "apt", "poppler-utils", "libpoppler126", "imagemagick", "ghostscript",
             "fonts-dejavu", "curl", "libcurl4")
    for name in names:
        (info / f"{name}.list").write_text(f"/usr/share/doc/{name}\n")
    stanzas = {
        "coreutils": "Essential: yes\nPriority: required\n",
        "apt": "Priority: required\n",
        "poppler-utils": "Priority: optional\nDepends: libpoppler126 (>= 22), libc6\n",
        "imagemagick": "Depends: ghostscript | gsfonts\nRecommends: fonts-dejavu\n",
        "curl": "Depends: libcurl4\n",
    }
    (tmp_path / "var/lib/dpkg/status").write_text("".join(
        f"Package: {n}\nStatus: install ok installed\n{stanzas.get(n, '')}\n" for n in names))
    # (fonts-dejavu, which imagemagick only recommends, with no record of
    # apt's that it came for that: asked for, as debootstrap's --include
    # and dpkg -i install no recommends)
    assert read_database(RootFS(tmp_path)).wanted == {"poppler-utils", "imagemagick", "curl", "fonts-dejavu"}
    # apt's record of what came as a dependency
    states = tmp_path / "var/lib/apt/extended_states"
    states.parent.mkdir(parents=True)
    states.write_text("Package: curl\nArchitecture: amd64\nAuto-Installed: 1\n\n"
                      "Package: fonts-dejavu\nArchitecture: amd64\nAuto-Installed: 1\n\n"
                      "Package: imagemagick\nArchitecture: amd64\nAuto-Installed: 0\n")
    assert read_database(RootFS(tmp_path)).wanted == {"poppler-utils", "imagemagick"}
    apk = tmp_path / "alpine"
    (apk / "lib/apk/db").mkdir(parents=True)
    (apk / "lib/apk/db/installed").write_text("P:curl\nF:usr/bin\nR:curl\n\n"
                                             "P:libcurl\nF:usr/lib\nR:libcurl.so.4\n\n"
                                             "P:busybox\nF:bin\nR:busybox\n")
    (apk / "etc/apk").mkdir(parents=True)
    (apk / "etc/apk/world").write_text("alpine-baselayout busybox curl>=8.0 so:libc.musl-x86_64.so.1\n")
    assert read_database(RootFS(apk)).wanted == {"busybox", "curl"}


def listing_root(root: Path) -> None:
    """A dpkg root: the kept tool's package (a merged-/usr alias), a
    library of it partly kept, a package of docs alone, one whose only
    path is a directory every package lists."""
    for d in ("usr/bin", "usr/lib", "usr/share/doc/manual", "var/lib/dpkg/info"):
        (root / d).mkdir(parents=True, exist_ok=True)
    (root / "bin").symlink_to("usr/bin")
    for f in ("usr/bin/tool", "usr/bin/other", "usr/lib/libtool.so.1", "usr/lib/libtool-extra.so.1",
              "usr/share/doc/manual/index.html"):
        (root / f).write_text("x")
    info = root / "var/lib/dpkg/info"
    (info / "tool.list").write_text("/.\n/bin\n/bin/tool\n/bin/other\n")
    (info / "libtool1:amd64.list").write_text("/usr/lib\n/usr/lib/libtool.so.1\n"
                                              "/usr/lib/libtool-extra.so.1\n")
    (info / "manual.list").write_text("/usr/share/doc/manual\n/usr/share/doc/manual/index.html\n")
    (info / "dirs.list").write_text("/usr\n/usr/lib\n")
    (root / "var/lib/dpkg/status").write_text(
        "Package: tool\nStatus: install ok installed\nVersion: 1.2-3\nDepends: libtool1\n"
        "Description: a tool\n with a long description\n .\n and a blank line in it\n\n"
        "Package: manual\nStatus: install ok installed\nVersion: 4\n\n"
        "Package: libtool1\nStatus: install ok installed\nArchitecture: amd64\nMulti-Arch: same\n"
        "Version: 1.2-3\n\n"
        "Package: dirs\nStatus: install ok installed\nVersion: 1\n\n")
    os.utime(root / "var/lib/dpkg/status", (1_500_000_000, 1_500_000_000))


def test_a_relation_on_a_virtual_name_is_one_on_the_packages_that_provide_it(tmp_path: Path):
    """bsd-mailx depends on `default-mta | mail-transport-agent`: no package
    has either name; exim4-daemon-light provides both. Its Depends are
    that package (and an installed alternative too), a versioned Provides
    and a name given with :any included; a name nothing installed provides
    is nothing."""
    from micropack.packages import read_database
    info = tmp_path / "var/lib/dpkg/info"
    info.mkdir(parents=True)
    names = ("bsd-mailx", "exim4-daemon-light", "mawk", "liblockfile1", "fetchmail")
    for name in names:
        (info / f"{name}.list").write_text(f"/usr/share/doc/{name}\n")
    stanzas = {
        "bsd-mailx": "Depends: liblockfile1, default-mta | mail-transport-agent, awk:any, "
                     "nothing-provides-me\n"
                     "Recommends: mail-reader\n",
        "exim4-daemon-light": "Provides: mail-transport-agent, default-mta (= 4.96)\n",
        "mawk": "Provides: awk\n",
        "fetchmail": "Provides: mail-reader\n",
    }
    (tmp_path / "var/lib/dpkg/status").write_text("".join(
        f"Package: {n}\nStatus: install ok installed\n{stanzas.get(n, '')}\n" for n in names))
    db = read_database(RootFS(tmp_path))
    assert db.depends["bsd-mailx"] == ["liblockfile1", "exim4-daemon-light", "mawk"]
    assert db.recommends["bsd-mailx"] == ["fetchmail"]
    assert db.depends["exim4-daemon-light"] == []
    # (installed on purpose still: a provider is no dependency by its name, or
    # a dropped MTA would go unsaid)
    assert db.wanted == {"bsd-mailx", "exim4-daemon-light", "mawk", "fetchmail"}


def test_the_list_of_installed_packages_is_cut_to_the_kept_files(tmp_path: Path):
    """Image scanners match the packages an image lists against
    advisories: a minified image without the list scanned clean ("no
    packages"). The packed image lists, as the source had them, the
    packages a kept file (not a directory) belongs to; dpkg reads it."""
    need(shutil.which("dpkg-query") is not None, "dpkg-query (Debian's dpkg)")
    root = tmp_path / "root"
    listing_root(root)
    out = tmp_path / "out.tar"
    report = pack.pack_files(Source(RootFS(root), "directory"), ["/usr/bin/tool", "/usr/lib/libtool.so.1"],
                             str(out), resolve.Rules(), granularity="file")
    assert report.kept["/var/lib/dpkg/status"].startswith("the list of installed packages")
    tree = tmp_path / "tree"
    tree.mkdir()
    with tarfile.open(out) as tar:
        assert tar.getmember("var/lib/dpkg/status").mtime == 1_500_000_000
        names = tar.getnames()
        (tree / "var/lib/dpkg").mkdir(parents=True)
        (tree / "var/lib/dpkg/status").write_bytes(tar.extractfile("var/lib/dpkg/status").read())
    listed = subprocess.run(["dpkg-query", f"--admindir={tree}/var/lib/dpkg", "-W",
                             "-f", "${Package} ${Version} ${Status}\n"],
                            capture_output=True, text=True, check=True).stdout
    assert sorted(listed.splitlines()) == ["libtool1 1.2-3 install ok installed",
                                           "tool 1.2-3 install ok installed"]
    status = (tree / "var/lib/dpkg/status").read_text()
    assert " with a long description\n .\n and a blank line in it\n" in status   # as it was
    assert "var/lib/dpkg/info" not in names and "var/lib/dpkg" in names


def test_a_list_of_packages_the_workload_read_or_an_exclude_names_is_not_cut(tmp_path: Path):
    root = tmp_path / "root"
    listing_root(root)
    whole = (root / "var/lib/dpkg/status").read_bytes()
    apk = root / "lib/apk/db"
    apk.mkdir(parents=True)
    (apk / "installed").write_text("P:busybox\nV:1.36\nF:usr/bin\nR:tool\n\n"
                                   "P:musl\nV:1.2\nF:lib\nR:ld-musl.so.1\n")
    out = tmp_path / "read.tar"
    pack.pack_files(Source(RootFS(root), "directory"), ["/usr/bin/tool", "/var/lib/dpkg/status"],
                    str(out), resolve.Rules(), granularity="file")
    with tarfile.open(out) as tar:
        assert tar.extractfile("var/lib/dpkg/status").read() == whole     # read by the workload
        assert tar.extractfile("lib/apk/db/installed").read() == b"P:busybox\nV:1.36\nF:usr/bin\nR:tool\n\n"
    out = tmp_path / "excluded.tar"
    report = pack.pack_files(Source(RootFS(root), "directory"), ["/usr/bin/tool"], str(out),
                             resolve.Rules(exclude=["/var/lib/dpkg/*"]), granularity="file")
    assert "/var/lib/dpkg/status" not in report.kept and "/lib/apk/db/installed" in report.kept
    with tarfile.open(out) as tar:
        assert "var/lib/dpkg/status" not in tar.getnames()


def test_a_list_of_packages_behind_a_link_is_written_where_it_is(tmp_path: Path):
    """/var/lib/dpkg a link (an image that moved its database): the cut
    list is written to the file the link leads to, the link kept as it
    is, never a file under a path the archive has as a link."""
    root = tmp_path / "root"
    listing_root(root)
    (root / "usr/lib/dpkgdb").parent.mkdir(parents=True, exist_ok=True)
    (root / "var/lib/dpkg").rename(root / "usr/lib/dpkgdb")
    (root / "var/lib/dpkg").symlink_to("../../usr/lib/dpkgdb")
    out = tmp_path / "out.tar"
    report = pack.pack_files(Source(RootFS(root), "directory"), ["/usr/bin/tool"], str(out), resolve.Rules(),
                             granularity="file")
    assert report.kept["/usr/lib/dpkgdb/status"].startswith("the list of installed packages")
    with tarfile.open(out) as tar:
        assert tar.getmember("var/lib/dpkg").issym()
        assert "var/lib/dpkg/status" not in tar.getnames()
        listed = tar.extractfile("usr/lib/dpkgdb/status").read().decode()
    assert "Package: tool\n" in listed and "Package: manual" not in listed


def test_a_diverted_file_is_its_package_s_under_the_new_name(tmp_path: Path):
    """dpkg-divert: perl's shasum lives at /usr/bin/shasum.bundled once
    libdigest-sha-perl diverts it, the diverting package's own file at the
    name both list; a local diversion (":") moves every package's file."""
    info = tmp_path / "var/lib/dpkg/info"
    info.mkdir(parents=True)
    (info / "perl.list").write_text("/usr/bin\n/usr/bin/shasum\n/usr/bin/perl\n")
    (info / "libdigest-sha-perl.list").write_text("/usr/bin\n/usr/bin/shasum\n")
    (info / "tzdata.list").write_text("/etc/timezone\n")
    (tmp_path / "var/lib/dpkg/diversions").write_text(
        "/usr/bin/shasum\n/usr/bin/shasum.bundled\nlibdigest-sha-perl\n"
        "/etc/timezone\n/etc/timezone.dist\n:\n")
    got = owners(RootFS(tmp_path), ["/usr/bin/shasum", "/usr/bin/shasum.bundled", "/usr/bin/perl",
                                    "/etc/timezone", "/etc/timezone.dist"])
    assert got == {"/usr/bin/shasum": "libdigest-sha-perl", "/usr/bin/shasum.bundled": "perl",
                   "/usr/bin/perl": "perl", "/etc/timezone.dist": "tzdata"}
