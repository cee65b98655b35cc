"""Which package each kept file comes from, from the databases in the source."""
from pathlib import Path

from micropack.packages import owners
from micropack.rootfs import RootFS


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
    """dpkg: those no installed package depends on or recommends, not
    marked automatically installed by apt, neither Essential nor of
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
    assert read_database(RootFS(tmp_path)).wanted == {"poppler-utils", "imagemagick", "curl"}
    # apt's record of what came as a dependency
    states = tmp_path / "var/lib/apt/extended_states"
    states.parent.mkdir(parents=True)
    states.write_text("Package: curl\nArchitecture: amd64\nAuto-Installed: 1\n\n"
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
