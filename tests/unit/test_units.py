"""Unit finding (micropack/units.py, expand.py, codescan.py) on small hand-built roots: each package
format, language packages, application trees, sticky directories; then what
each granularity keeps."""
from __future__ import annotations

import json
import os
import posixpath
import shutil
import sqlite3
import struct
import tarfile
from pathlib import Path

import pytest

from micropack import codescan, expand, pack, packages, resolve, units
from micropack.record import TraceRecord
from micropack.rootfs import RootFS
from micropack.source import Source, not_the_hosts
from tests.conftest import need
from tests.unit.roots import cc, host_libc, host_loader, link, write
from tests.unit.test_locales import archive


def compiled_root(tmp_path: Path) -> tuple[Path, Path]:
    """A root that programs compiled with cc() run in (the host's loader
    and libc), and its library directory; gcc is required."""
    need(shutil.which("gcc") is not None, "gcc")
    root = tmp_path / "root"
    return root, host_loader(root)


def dpkg(root: Path, package: str, *paths: str, depends: str = "", source: str = "",
         essential: bool = False, priority: str = "", conffiles: dict[str, bytes] | None = None,
         recommends: str = "", suggests: str = "") -> None:
    """A dpkg .list naming paths and every directory above them, the way
    dpkg writes them (pre-merged-/usr spellings are allowed); with depends,
    source, essential, priority or conffiles (path -> what the package
    installed there), the package's stanza in the status file, with its
    Depends, Source, Essential, Priority and Conffiles fields."""
    if depends or source or essential or priority or conffiles or recommends or suggests:
        import hashlib
        status = root / "var/lib/dpkg/status"
        status.parent.mkdir(parents=True, exist_ok=True)
        with status.open("a") as f:
            f.write(f"Package: {package}\nStatus: install ok installed\n"
                    + ("Essential: yes\n" if essential else "")
                    + (f"Priority: {priority}\n" if priority else "")
                    + (f"Source: {source}\n" if source else "") + (f"Depends: {depends}\n" if depends else "")
                    + (f"Recommends: {recommends}\n" if recommends else "")
                    + (f"Suggests: {suggests}\n" if suggests else "")
                    + ("Conffiles:\n" + "".join(f" {c} {hashlib.md5(data).hexdigest()}\n"
                                                  for c, data in conffiles.items()) if conffiles else "")
                    + "\n")
    listed: list[str] = ["/."]
    for p in paths:
        parts = p.strip("/").split("/")
        for i in range(1, len(parts)):
            d = "/" + "/".join(parts[:i])
            if d not in listed:
                listed.append(d)
        listed.append(p)
    write(root, f"/var/lib/dpkg/info/{package}:amd64.list", "\n".join(listed) + "\n")


def merged_usr(root: Path) -> None:
    for d in ("usr/bin", "usr/lib/x86_64-linux-gnu", "usr/share"):
        (root / d).mkdir(parents=True, exist_ok=True)
    link(root, "/bin", "usr/bin")
    link(root, "/lib", "usr/lib")


def source(root: Path) -> units.SourceUnits:
    return units.SourceUnits(RootFS(root))


# -- distro packages ----------------------------------------------------------

def test_dpkg_lists_are_read_as_the_image_stores_them(tmp_path: Path):
    merged_usr(tmp_path)
    write(tmp_path, "/usr/bin/tool", "#!/bin/sh\necho\n", 0o755)
    write(tmp_path, "/usr/bin/other", "#!/bin/sh\n", 0o755)
    write(tmp_path, "/usr/share/doc/tool/README", "doc")
    dpkg(tmp_path, "tool", "/bin/tool", "/bin/other", "/usr/share/doc/tool/README")
    dpkg(tmp_path, "shell", "/bin")          # /bin, listed by two packages: shared
    su = source(tmp_path)
    # /bin/tool as dpkg lists it is /usr/bin/tool in a merged-/usr image
    assert su.package_of["/usr/bin/tool"] == "dpkg:tool"
    assert su.package_of["/usr/bin/other"] == "dpkg:tool"
    assert "/bin" not in su.package_of and "/bin" in su.owned_dirs
    unit = su.units["dpkg:tool"]
    assert unit.size == len("#!/bin/sh\necho\n") + len("#!/bin/sh\n") + 3
    assert su.is_program_package(unit) and not su.is_data_package(unit)


def test_apk_database(tmp_path: Path):
    write(tmp_path, "/lib/apk/db/installed",
          "P:busybox\nV:1.36\nF:bin\nR:busybox\nR:sh\n\nP:tzdata\nF:usr/share/zoneinfo\nR:UTC\n")
    write(tmp_path, "/bin/busybox", "\x7fELF", 0o755)
    link(tmp_path, "/bin/sh", "busybox")
    write(tmp_path, "/usr/share/zoneinfo/UTC", "TZif")
    su = source(tmp_path)
    assert su.db_kind == "apk"
    assert su.package_of["/bin/sh"] == "apk:busybox"
    assert su.package_of["/usr/share/zoneinfo/UTC"] == "apk:tzdata"
    assert "/usr/share/zoneinfo" in su.owned_dirs
    assert su.is_data_package(su.units["apk:tzdata"])


def rpm_header(name: str, dirs: list[str], files: list[tuple[int, str]]) -> bytes:
    """An rpm header blob as the rpmdb stores it (no lead, no magic)."""
    store = b""
    entries = []

    def add(tag: int, typ: int, data: bytes, count: int, align: int = 1) -> None:
        nonlocal store
        store += b"\0" * (-len(store) % align)
        entries.append(struct.pack(">iiii", tag, typ, len(store), count))
        store += data

    add(packages.RPMTAG_NAME, packages.RPM_STRING, name.encode() + b"\0", 1)
    add(packages.RPMTAG_DIRNAMES, packages.RPM_STRING_ARRAY, b"".join(d.encode() + b"\0" for d in dirs),
        len(dirs))
    add(packages.RPMTAG_BASENAMES, packages.RPM_STRING_ARRAY,
        b"".join(b.encode() + b"\0" for _, b in files), len(files))
    indexes = struct.pack(f">{len(files)}i", *[i for i, _ in files])
    add(packages.RPMTAG_DIRINDEXES, packages.RPM_INT32, indexes, len(files), align=4)
    return struct.pack(">ii", len(entries), len(store)) + b"".join(entries) + store


def test_rpm_sqlite_database(tmp_path: Path):
    write(tmp_path, "/usr/bin/bash", "\x7fELF", 0o755)
    write(tmp_path, "/etc/bashrc", "# bash")
    db = tmp_path / "var/lib/rpm/rpmdb.sqlite"
    db.parent.mkdir(parents=True)
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)")
    con.execute("INSERT INTO Packages (blob) VALUES (?)",
                (rpm_header("bash", ["/usr/bin/", "/etc/"], [(0, "bash"), (1, "bashrc")]),))
    con.execute("INSERT INTO Packages (blob) VALUES (?)", (b"\0\0\0\x05garbage",))
    con.commit()
    con.close()
    su = source(tmp_path)
    assert su.db_kind == "rpm"
    assert su.package_of["/usr/bin/bash"] == "rpm:bash"
    assert su.package_of["/etc/bashrc"] == "rpm:bash"
    assert any("malformed" in w for w in su.warnings)     # the bad header is said, not fatal


# -- language packages ----------------------------------------------------------

def test_python_distributions_import_packages_and_the_standard_library(tmp_path: Path):
    site = "/usr/lib/python3/dist-packages"
    # a distribution with a RECORD, one with only top_level.txt, and a bare package
    write(tmp_path, f"{site}/flask/__init__.py", "import jinja2\n")
    write(tmp_path, f"{site}/flask/app.py", "")
    write(tmp_path, f"{site}/flask-2.2.dist-info/METADATA",
          "Name: flask\nRequires-Dist: Jinja2 (>=3)\nRequires-Dist: asgiref ; extra == 'async'\n")
    write(tmp_path, f"{site}/flask-2.2.dist-info/RECORD",
          "flask/__init__.py,,\nflask/app.py,,\n../../../bin/flask,,\n")
    write(tmp_path, "/usr/bin/flask", "#!/usr/bin/python3\n", 0o755)
    write(tmp_path, f"{site}/jinja2/__init__.py", "")
    write(tmp_path, f"{site}/jinja2/debug.py", "")
    write(tmp_path, f"{site}/Jinja2-3.1.egg-info/top_level.txt", "jinja2\n")
    write(tmp_path, f"{site}/Jinja2-3.1.egg-info/PKG-INFO", "Name: Jinja2\n")
    write(tmp_path, f"{site}/loose/__init__.py", "")
    write(tmp_path, f"{site}/six.py", "")
    write(tmp_path, f"{site}/__pycache__/six.cpython-311.pyc", "")
    lib = "/usr/lib/python3.11"
    write(tmp_path, f"{lib}/os.py", "")
    write(tmp_path, f"{lib}/csv.py", "import re\n")
    write(tmp_path, f"{lib}/__pycache__/csv.cpython-311.pyc", "")
    write(tmp_path, f"{lib}/encodings/__init__.py", "")
    write(tmp_path, f"{lib}/encodings/unicode_escape.py", "")
    write(tmp_path, f"{lib}/lib-dynload/_json.cpython-311-x86_64-linux-gnu.so", "")
    su = source(tmp_path)
    flask = su.units[f"python:{site}/flask-2.2.dist-info"]
    assert {f"{site}/flask/__init__.py", f"{site}/flask/app.py", "/usr/bin/flask"} <= set(flask.members)
    assert flask.deps == [f"python:{site}/Jinja2-3.1.egg-info"]        # not the extra
    jinja = su.units[f"python:{site}/Jinja2-3.1.egg-info"]
    assert f"{site}/jinja2/debug.py" in jinja.members
    assert su.language_of[f"{site}/loose/__init__.py"] == f"python:{site}/loose"
    assert set(su.units[f"python:{site}/six"].members) == {f"{site}/six.py",
                                                           f"{site}/__pycache__/six.cpython-311.pyc"}
    assert su.language_of[f"{lib}/encodings/unicode_escape.py"] == f"python:{lib}/encodings"
    assert su.language_of[f"{lib}/__pycache__/csv.cpython-311.pyc"] == f"python:{lib}/csv"
    assert su.units_of(f"{lib}/lib-dynload/_json.cpython-311-x86_64-linux-gnu.so") == [
        f"python:{lib}/lib-dynload/_json.cpython-311-x86_64-linux-gnu.so"]
    assert su.python_modules("jinja2") == [f"python:{site}/Jinja2-3.1.egg-info"]
    assert su.module_files("encodings.unicode_escape") == [f"{lib}/encodings/__init__.py",
                                                           f"{lib}/encodings/unicode_escape.py"]


def test_node_modules_and_their_dependencies(tmp_path: Path):
    nm = "/app/node_modules"
    write(tmp_path, f"{nm}/express/package.json", '{"dependencies": {"debug": "*", "@scope/util": "1"}}')
    write(tmp_path, f"{nm}/express/index.js", "")
    write(tmp_path, f"{nm}/express/node_modules/debug/package.json", "{}")   # its own copy
    write(tmp_path, f"{nm}/debug/package.json", "{}")
    write(tmp_path, f"{nm}/@scope/util/package.json", "{}")
    write(tmp_path, f"{nm}/unused/package.json", "{}")
    write(tmp_path, "/app/server.js", "")
    su = source(tmp_path)
    express = su.units[f"node:{nm}/express"]
    # node's lookup finds the module's own nested copy first
    assert express.deps == [f"node:{nm}/express/node_modules/debug", f"node:{nm}/@scope/util"]
    assert f"{nm}/express/node_modules/debug/package.json" not in express.members   # the inner unit's
    assert su.node_dependencies("/app", ["debug", "fs"]) == [f"node:{nm}/debug"]
    # the application's tree holds node_modules itself, not the modules in it
    assert su.tree_of["/app/server.js"] == "/app" and su.tree_of[nm] == "/app"
    assert f"{nm}/unused/package.json" not in su.tree_of


def test_what_an_apps_node_modules_holds_that_is_no_module_is_the_apps(tmp_path: Path):
    """npm's .bin links and a module linked in (`npm link`, a file:
    dependency) are no module of node_modules: on their own, never read
    by the probes, they were dropped, and `npm run greet`, `npx
    hello-local` and `npm ls` failed on a minified Node image (npx then
    asked the public registry). They are the application tree's, kept
    with it; its npm scripts are read as its shell scripts."""
    root = tmp_path / "root"
    merged_usr(root)
    nm = "/app/node_modules"
    write(root, "/usr/bin/node", "\x7fELF", 0o755)
    write(root, "/usr/bin/gzip", "#!/bin/sh\n", 0o755)
    write(root, "/usr/bin/xz", "#!/bin/sh\n", 0o755)
    dpkg(root, "nodejs", "/usr/bin/node")
    dpkg(root, "gzip", "/usr/bin/gzip")
    dpkg(root, "xz-utils", "/usr/bin/xz")
    write(root, "/app/package.json", '{"scripts": {"start": "node server.js", "greet": "hello-local",'
                                     ' "pack": "gzip -c server.js > /tmp/s.gz"}, "dependencies":'
                                     ' {"express": "*", "hello-local": "file:lib/hello-local"}}')
    write(root, "/app/server.js", "const express = require('express');\n")
    write(root, f"{nm}/express/package.json", "{}")
    write(root, f"{nm}/express/index.js", "module.exports = 1;\n")
    write(root, "/app/lib/hello-local/package.json", '{"bin": {"hello-local": "bin.js"}}')
    write(root, "/app/lib/hello-local/bin.js", "#!/usr/bin/env node\n", 0o755)
    link(root, f"{nm}/hello-local", "../lib/hello-local")
    link(root, f"{nm}/.bin/hello-local", "../hello-local/bin.js")
    write(root, f"{nm}/.package-lock.json", "{}")
    write(root, f"{nm}/.cache/babel-loader/abc.json", "{}")        # (a build tool's cache: not the app's)
    su = source(root)
    for path in (f"{nm}/.bin", f"{nm}/.bin/hello-local", f"{nm}/hello-local", f"{nm}/.package-lock.json"):
        assert su.tree_of[path] == "/app", path
    trace = ["/usr/bin/node", "/app/server.js", f"{nm}/express/index.js"]
    events = records(("node", "exec", "/usr/bin/node"), *(("node", "openat", p) for p in trace[1:]))
    kept = kept_at(root, "unit", tmp_path, trace, events).kept
    for path in (f"{nm}/.bin/hello-local", f"{nm}/hello-local", "/app/lib/hello-local/bin.js"):
        assert path in kept, path
    assert f"{nm}/.cache/babel-loader/abc.json" not in kept
    assert "the scripts of /app/package.json" in kept["/usr/bin/gzip"]
    assert "/usr/bin/xz" not in kept


def test_gems_and_their_runtime_dependencies(tmp_path: Path):
    base = "/usr/local/bundle"
    write(tmp_path, f"{base}/gems/rack-3.0.0/lib/rack.rb", "")
    write(tmp_path, f"{base}/gems/sinatra-4.0.0/lib/sinatra.rb", "")
    write(tmp_path, f"{base}/gems/rake-13.0.0/lib/rake.rb", "")
    write(tmp_path, f"{base}/specifications/sinatra-4.0.0.gemspec",
          's.add_runtime_dependency(%q<rack>.freeze, [">= 3"])\ns.add_development_dependency(%q<rake>)\n')
    write(tmp_path, f"{base}/specifications/rack-3.0.0.gemspec", "")
    su = source(tmp_path)
    sinatra = su.units[f"gem:{base}/gems/sinatra-4.0.0"]
    assert f"{base}/specifications/sinatra-4.0.0.gemspec" in sinatra.members
    assert sinatra.deps == [f"gem:{base}/gems/rack-3.0.0"]


# -- application trees and sticky directories --------------------------------------

def test_unowned_trees_stop_at_packages_and_at_the_hierarchy(tmp_path: Path):
    write(tmp_path, "/var/lib/db/15/main/base/1/1259", "catalog")
    write(tmp_path, "/var/lib/db/15/main/PG_VERSION", "15")
    write(tmp_path, "/var/lib/db/db.conf", "owned")
    dpkg(tmp_path, "db", "/var/lib/db/db.conf")
    write(tmp_path, "/var/www/site/index.html", "hi")
    write(tmp_path, "/opt/tool/bin/run", "x")
    write(tmp_path, "/etc/passwd", "root:x:0:0::/root:/bin/sh\n")
    dpkg(tmp_path, "base", "/etc/hostname")
    write(tmp_path, "/etc/hostname", "h")
    su = source(tmp_path)
    # what no package owns in a package's directory is one unit, whole
    assert su.tree_of["/var/lib/db/15/main/base/1/1259"] == "/var/lib/db"
    assert su.units["tree:/var/lib/db"].size == len("catalog") + 2
    assert "/var/lib/db/db.conf" not in su.units["tree:/var/lib/db"].members
    # /var is the hierarchy's even without a package listing it; /var/www is not
    assert su.tree_of["/var/www/site/index.html"] == "/var/www"
    assert su.tree_of["/opt/tool/bin/run"] == "/opt/tool"
    assert "/var" not in su.tree_of and "/opt" not in su.tree_of
    # an unowned file in one of the hierarchy's directories is a unit of its own
    assert su.tree_of["/etc/passwd"] == "/etc/passwd"
    assert "/etc/hostname" not in su.tree_of


def test_a_site_copied_into_a_packages_directory_is_one_unit(tmp_path: Path):
    write(tmp_path, "/usr/share/nginx/html/index.html", "debian's")
    dpkg(tmp_path, "nginx-common", "/usr/share/nginx/html/index.html")
    write(tmp_path, "/usr/share/nginx/html/about.html", "mine")
    write(tmp_path, "/usr/share/nginx/html/img/logo.svg", "<svg/>")
    su = source(tmp_path)
    assert su.tree_of["/usr/share/nginx/html/about.html"] == "/usr/share/nginx/html"
    assert su.tree_of["/usr/share/nginx/html/img/logo.svg"] == "/usr/share/nginx/html"
    assert su.units["tree:/usr/share/nginx/html"].label == "files no package owns under /usr/share/nginx/html"
    kept = pack.pack_files(Source(RootFS(tmp_path), "t"), ["/usr/share/nginx/html/about.html"],
                           str(tmp_path / "o.tar"), resolve.Rules(), granularity="unit").kept
    assert "/usr/share/nginx/html/img/logo.svg" in kept
    assert "/usr/share/nginx/html/index.html" not in kept      # the package's own: not used


def test_sticky_world_writable_directories(tmp_path: Path):
    (tmp_path / "tmp").mkdir()
    (tmp_path / "tmp").chmod(0o1777)
    (tmp_path / "var/tmp").mkdir(parents=True)
    (tmp_path / "var/tmp").chmod(0o1777)
    (tmp_path / "srv/drop").mkdir(parents=True)
    (tmp_path / "srv/drop").chmod(0o1755)        # sticky, not world-writable
    (tmp_path / "srv/open").mkdir()
    (tmp_path / "srv/open").chmod(0o777)          # world-writable, not sticky
    assert source(tmp_path).sticky_dirs() == ["/tmp", "/var/tmp"]
    assert pack.sticky_dirs(RootFS(tmp_path)) == ["/tmp", "/var/tmp"]


# -- what code names ----------------------------------------------------------------

def test_commands_a_shell_script_runs():
    script = """#!/bin/bash
set -euo pipefail   # builtins are not programs
work=$(mktemp -d)
find "$DATA" -name '*.log' | sort > "$work/files"
echo "files: $(wc -l < "$work/files")"
while read -r f; do printf '%s\\n' "$(basename "$f")"; done < x
TZ=Europe/Paris date -d @1 && exec timeout 5 /usr/local/bin/report
case "$1" in summary) cat /x ;; esac
# rm -rf / in a comment is not run
"""
    got = codescan.script_commands(script)
    assert got == ["mktemp", "find", "sort", "wc", "basename", "date", "timeout", "/usr/local/bin/report",
                   "cat"]       # no builtins (set, echo, read), redirection targets or comments
    # env's option values are no commands (LANG was taken for one)
    assert codescan.script_commands("env -u LANG -C /tmp A=1 sort x\nenv\n") == ["env", "sort"]
    # eval runs its words as a command (update-ca-certificates' hooks: "run-parts: not found")
    assert codescan.script_commands('eval run-parts "$V" --test -- "$D" | while read h; do :; done\n') \
        == ["run-parts"]


def test_the_program_a_wrapper_or_a_shell_runs():
    """What runs after a wrapper's options, their values and the words it
    takes first (an account, a lock file, a duration), by its name or path,
    and after a shell's -c: a runit service's `chpst -u root flock ... sh -c
    'find ...'` lost flock and find; gosu's account was taken for the
    program."""
    commands = codescan.script_commands
    assert commands("chpst -u root flock -w 5 /run/lock/x sh -c 'find /srv | xargs -n 1 gzip'") \
        == ["chpst", "flock", "sh", "find", "xargs", "gzip"]
    assert commands('exec gosu redis redis-server /etc/redis.conf') == ["gosu", "redis-server"]
    assert commands("nice -n 10 /usr/bin/ionice -c 3 /srv/bin/worker") \
        == ["nice", "/usr/bin/ionice", "/srv/bin/worker"]
    assert commands("timeout 5s curl -s x; timeout -k 1 5 wget x") == ["timeout", "curl", "wget"]
    assert commands("sudo -u postgres psql; runuser -u app -- python3 x") \
        == ["sudo", "psql", "runuser", "python3"]
    assert commands("setuidgid app envdir ./env s6-softlimit -m 100 app-server") \
        == ["setuidgid", "envdir", "s6-softlimit", "app-server"]
    assert commands('bash -e -c "shasum -a 256 /x"; sh /srv/run.sh; dash -x') \
        == ["bash", "shasum", "sh", "dash"]
    # options whose value is attached or absent, clusters, keywords, the command options
    assert commands("xargs -i gzip {}; watch -d -n 5 bzip2; sudo -Hu postgres psql; time -p xz x") \
        == ["xargs", "gzip", "watch", "bzip2", "sudo", "psql", "xz"]
    assert commands('su - postgres -c "pg_dump db"; flock /run/x -c "tar c"; flock /run/x rsync -c') \
        == ["su", "pg_dump", "flock", "tar", "rsync"]
    assert commands("bash -o pipefail -c 'FOO=1 gzip x'; sh -c \"$CMD\"; su postgres; chroot /x /bin/sh") \
        == ["bash", "gzip", "sh", "su", "chroot"]
    # setpriv, and a shell's command line over several lines (unbound's helper:
    # on a minified image "cp: not found", its trust anchor not written)
    helper = ('setpriv --reuid=unbound --regid unbound --clear-groups \\\n  sh -c "\\\n'
              '    cp --preserve=timestamps $KEY $ANCHOR.tmp && \\\n    mv -f $ANCHOR.tmp $ANCHOR"\n'
              'echo "usage:\n  (sync|async) mode"\n')
    assert [c for c in commands(helper) if c != "_"] == ["setpriv", "sh", "cp", "mv"]
    assert [c for c in commands('su postgres -c "\n  pg_dump db\n  gzip /x"\n') if c != "_"] \
        == ["su", "pg_dump", "gzip"]
    # (not another program's -c: ssh's cipher)
    assert [c for c in commands('ssh host -c aes "\n  rm -rf /x\n"\n') if c != "_"] == ["ssh"]


def test_data_over_several_lines_is_no_command():
    """graphviz's dotty holds its usage in a quoted string over lines, whose
    "(sync|async)" was read as running `sync`; tzselect's awk program has
    `cc = country`, read as `cc` (gcc, 68 MB, at package level). A
    here-document is data too. Quotes in a comment, or in a command
    substitution inside double quotes, do not start a string."""
    script = """#!/bin/sh
# don't read this apostrophe as a quote
usage="usage: dotty [-V] [-lm (sync|async)]
  sync
  cc foo"
count=$(awk '
  BEGIN { FS = "\\t" }
  cc = country
' /etc/zones | sort)
echo "files: $(wc -l < "$work/files")"
cat <<EOF
gzip is not run here
EOF
cat <<-'END' | tr a b
\txz is not run either
\tEND
grep -q x file
"""
    assert codescan.script_commands(script) == ["awk", "sort", "wc", "cat", "tr", "grep"]
    # a command substitution in such a string is code (git's commit-msg
    # sample hook; `uniq` went missing and a user's alias piping through
    # it failed), and >&2 is a redirection, not a command "2"
    hook = """test "" = "$(grep '^Signed-off-by: ' "$1" |
\t sort | uniq -c | sed -e '/^[ \t]*1[ \t]/d')" || {
\techo >&2 Duplicate Signed-off-by lines.
\texit 1
}
"""
    assert codescan.script_commands(hook) == ["grep", "sort", "uniq", "sed"]
    # what a function of the script's own that runs its arguments is called
    # with, a variable's default too (sensible-pager: `hg log` on a terminal
    # printed "Couldn't find a pager!", pager and more dropped)
    pager = ('Run()\n{\n\t"$@"\n\tret=$?\n}\n\nRun ${PAGER:-pager} "$@" ||\nRun more "$@" ||\n'
             'Run $UNKNOWN "$@"\n')
    assert [w for w in codescan.script_commands(pager) if w != "Run"] == ["pager", "more"]
    # a loop's variable is no command (bzexe's `for dir in $PATH` kept
    # coreutils' dir); what the loop's body runs is
    assert codescan.script_commands("for dir in $PATH; do test -x $dir/x && ls $dir; done\n"
                                    "case $1 in tr) tr a b ;; esac\n") == ["ls", "tr"]


def test_paths_a_script_keeps_in_variables_and_runs_or_reads_in():
    """TeX's mktexpk reads in `. "$MT_MKTEX_OPT"`, set to a path under
    another variable, and runs "$MT_MKTEXDIR": what those name is only
    known by the literal tail of the value."""
    script = """: ${MT_MKTEX_OPT=`kpsewhich --format='web2c files' mktex.opt`}
test -n "$MT_MKTEX_OPT" || MT_MKTEX_OPT="$MT_TEXMFMAIN/web2c/mktex.opt"
. "$MT_MKTEX_OPT"
CONF=/etc/tool/tool.conf; : ${HELPER:=${PREFIX}/lib/tool/helper}
DIR="$HOME/x"; DATA=relative/path; echo "NOT=/a/b"
"$MT_MKTEXDIR" "$PKDESTDIR" || exit 1
${HELPER} --run
$CONF
echo "$MT_MKTEXNAM"
"""
    assert codescan.variable_paths(script) == {"MT_MKTEX_OPT": ["/web2c/mktex.opt"],
                                               "CONF": ["/etc/tool/tool.conf"],
                                               "HELPER": ["/lib/tool/helper"]}
    assert codescan.sourced_variables(script) == ["MT_MKTEX_OPT"]
    assert codescan.script_variable_commands(script) == ["MT_MKTEXDIR", "HELPER", "CONF"]
    assert "MT_MKTEXNAM" not in codescan.script_commands(script)


def test_shell_libraries_a_script_reads_in():
    script = """#!/bin/sh
. git-sh-setup
. "$(git --exec-path)/git-sh-i18n"
if [ -r /etc/default/app ]; then . /etc/default/app; fi
\t. "$MERGE_TOOLS_DIR/$tool"
echo . not-read ; source ~/.profile
"""
    # a bare name (PATH's), the last component after a command's output,
    # an absolute name; not a variable's, nor an argument of echo
    assert codescan.sourced_names(script) == ["git-sh-setup", "git-sh-i18n", "/etc/default/app"]


def test_python_imports_and_js_requires():
    py = "import os, json\nfrom decimal import Decimal\ndef f():\n    import statistics as st\n" \
         "from . import debug\nfrom .utils import x\n"
    assert codescan.python_imports(py) == ["os", "json", "decimal", "statistics", ".", ".debug", ".utils"]
    # at the top level only: and a failed import's fallback, which Django's
    # test runner needs where ipdb is absent ("No module named 'pdb'")
    guarded = ("try:\n    import ipdb as pdb\nexcept ImportError:\n    import pdb\n\n    from x.y import z\n"
               "try:\n    import yaml\nexcept ImportError:  # optional\n    yaml = None\n"
               "try:\n    import simplejson as json\nexcept (ImportError, AttributeError):\n    import json\n"
               "try:\n    import fast\nexcept Exception:\n    import slow\ndef f():\n    import secret\n")
    assert codescan.python_imports(guarded, required=True) == ["pdb", "x.y", "json"]
    # in its top level's if/else blocks (rabbitmqadmin's imports for Python
    # 3: "No module named 'configparser'"); not in a def or class there
    versioned = ("import sys\nif sys.version_info[0] == 2:\n    import ConfigParser\nelse:\n"
                 "    import configparser\n    def helper():\n        import inner\n"
                 "    class K:\n        import in_class\n    import http.client as hc\n"
                 "with open('x') as f:\n    import in_with\nclass Top:\n    import not_top\n"
                 "if __name__ == '__main__':\n    import doctest\n"
                 "if TYPE_CHECKING:\n    import pandas\nif typing.TYPE_CHECKING:\n    import numpy.typing\n"
                 "if HAVE_JSON:\n    try:\n        import ujson\n"
                 "    except ImportError:\n        import json2\n")
    assert codescan.python_imports(versioned, required=True) == ["sys", "ConfigParser", "configparser",
                                                                 "http.client", "in_with", "json2"]
    # a literal name given to an import function is an import (pandas
    # loads every optional library so), not at the top level
    lazy = ("def to_excel():\n    xl = import_optional_dependency('openpyxl')\n"
            "mod = importlib.import_module(\"lxml.etree\")\nx = __import__('bs4')\nimport_module(name)\n")
    assert codescan.python_imports(lazy) == ["openpyxl", "lxml.etree", "bs4"]
    assert codescan.python_imports(lazy, required=True) == []
    js = "const a = require('tiny-table');\nimport b from \"@scope/pkg/sub\";\n" \
         "const c = require('./lib/report');\nconst fs = require('node:fs');\nawait import('lazy-mod')\n"
    assert codescan.js_requires(js) == ["tiny-table", "@scope/pkg", "lazy-mod"]


@pytest.mark.parametrize("head,shell,language,python", [
    (b"#!/bin/sh\n", True, None, False), (b"#!/usr/bin/env bash\n", True, None, False),
    (b"#!/usr/bin/perl -w\n", False, "perl", False), (b"#!/usr/bin/env ruby3.1\n", False, "ruby", False),
    (b"#!/usr/bin/python3\n", False, None, True), (b"#!/usr/bin/env python3.11\n", False, None, True),
    (b"#!/bin/sh # not python\n", True, None, False), (b"#!/usr/bin/env\n", False, None, False)])
def test_what_a_scripts_first_line_runs(head: bytes, shell: bool, language: str | None, python: bool):
    assert codescan.is_shell_script(head, "/x") is shell
    assert codescan.script_language(head, "/x") == language
    assert codescan.is_python_script(head) is python


def test_ruby_requires_and_perl_modules():
    rb = ("require 'json'\nrequire_relative 'lib/x'\nclass Page\n  def show(x)\n    require \"csv\"\n"
          "    if x\n      1\n    end\n  end\nend\nbegin\n  require 'set'\nrescue LoadError\n  raise\nend\n"
          "autoload :Zlib, 'zlib'\nrequire('digest/sha2')\n")
    assert codescan.ruby_requires(rb) == ["json", "csv", "set", "zlib", "digest/sha2"]
    # outside methods only (yaml.rb's require 'psych' is in a begin/rescue
    # that raises again: not followed, YAML.dump raised LoadError)
    assert codescan.ruby_requires(rb, required=True) == ["json", "set", "digest/sha2"]
    pl = ("use strict;\nuse POSIX qw(strftime);\nsub piece { require Time::Piece; }\n"
          "my $ok = eval { require 'Digest/SHA.pm'; 1 };\nuse parent -norequire, 'My::Base';\n"
          "use base qw(Exporter);\nno warnings;\nuse 5.010;\nprint 'use Foo';\n"
          # documentation and data: bytes.pm's POD says "use Encode", which
          # brought Encode's 10 MB to PostgreSQL's image
          "=head1 SYNOPSIS\n\n    use Encode qw/encode/;\n\n=cut\n\nuse Carp;\n__END__\nuse Data;\n")
    assert codescan.perl_modules(pl) == ["strict", "POSIX", "Time::Piece", "Digest::SHA", "parent", "base",
                                         "warnings", "Carp", "My::Base", "Exporter"]
    # a module loaded by a name held in a variable: the names its strings
    # hold (Pod::Usage's formatter, Pod::Text), only where it loads so
    usage = ("BEGIN {\n    $Pod::Usage::Formatter ||= 'Pod::Text';\n"
             "    eval \"require $Pod::Usage::Formatter\";\n    die $@ if $@;\n}\nmy $x = \"Not::Loaded\";\n")
    assert codescan.perl_modules(usage) == ["Pod::Text", "Not::Loaded"]
    assert codescan.perl_modules("my $class = 'Pod::Text';\nprint $class;\n") == []
    assert codescan.perl_modules("use Module::Load;\nload 'DBD::Pg';\n") == ["Module::Load", "DBD::Pg"]
    assert codescan.perl_modules("my $m = 'Foo::Bar';\nrequire $m;\n") == ["Foo::Bar"]
    # (and the words of a qw() list: exiftool's optional modules)
    optional_list = ("my @recommends = qw(Archive::Zip Digest::SHA\n  IO::Compress::Bzip2 strict);\n"
                     "for (@recommends) { eval \"require $_\" }\nmy @x = qw/Other::One/;\n")
    assert codescan.perl_modules(optional_list) == ["Archive::Zip", "Digest::SHA", "IO::Compress::Bzip2",
                                                    "Other::One"]
    assert codescan.perl_modules("my @r = qw(Archive::Zip);\n") == []
    # a library's calls, not its tables of keywords (Pygments' AppleScript
    # lexer's `Commands = (...)` named script, of bsdutils)
    lexer = "Commands = ('script', 'beep')\ntar = module.get_bin_path('tar')\n"
    assert codescan.code_commands(lexer, False) == ["tar", "script"]
    assert codescan.code_commands(lexer, False, calls_only=True) == ["tar"]
    # (not a table of names: Module::CoreList's lists of every release's
    # modules, which corelist loads, brought 162 Perl units, 11.9 MB)
    table = "".join(f"    'Mod{i}::Name' => '1.0',\n" for i in range(codescan.PERL_LOADED_NAMES + 1))
    assert codescan.perl_modules(f"use Module::Load;\nmy %released = (\n{table});\n") == ["Module::Load"]
    # an eval's string: the idiom for a module a script can do without
    # (munin's squid_icp: "Net::hostent not found"); not a message's words
    optional = ("if (! eval \"require Net::hostent;\") { die }\nunless (eval ('use MIME::Base64; 1')) {}\n"
                "print \"then use this: require Not::Code\";\n")
    assert codescan.perl_modules(optional) == ["Net::hostent", "MIME::Base64"]
    assert codescan.perl_modules("eval \"use $m; 1\" or my $m = 'Foo::Baz';\n") == ["Foo::Baz"]
    # not a message's "use $how", nor perl's builtins as strings (POSIX.pm:
    # CORE's 8 MB of headers came for them)
    assert codescan.perl_modules("return \"C-specific: use $how instead\";\nmy %h = (x => 'A::B');\n") == []
    assert codescan.perl_modules("require $x;\nmy %h = (fork => 'CORE::fork', m => 'main::x');\n") == []
    # a library's helper that requires on first use (asciidoctor's
    # require_library 'coderay'), not require_relative's file beside
    helper = ("      (Helpers.require_library 'coderay', true, :warn)\n"
              "return unless Asciidoctor::Helpers.require_library('tilt')\nx = try_require 'haml'\n"
              "require_relative 'beside'\nprint 'require me'\nname.require_optional 'no'\n")
    assert codescan.ruby_requires(helper) == ["coderay", "tilt", "haml"]
    assert codescan.ruby_requires(helper, required=True) == []
    ruby_doc = "require 'json'\n=begin\nrequire 'csv'\n=end\nrequire 'set'\n__END__\nrequire 'zlib'\n"
    assert codescan.ruby_requires(ruby_doc) == ["json", "set"]


@pytest.mark.parametrize("head,path,language", [
    (b"#!/usr/bin/env ruby\n", "/app/serve", "ruby"),
    (b"#!/usr/bin/perl5.36.0 -w\n", "/app/serve", "perl"),
    (b"", "/app/lib/Util.pm", "perl"),
    (b"#!/bin/sh\n", "/app/run", None),
    (b"#!/usr/bin/env escript\n", "/app/serve", "erlang"),
    (b"", "/app/src/web.erl", "erlang"),
    (b"#!/usr/bin/env elixir\n", "/app/serve", "elixir"),
    (b"", "/app/lib/web.ex", "elixir"),
    (b"#!/usr/bin/lua5.4\n", "/app/serve", "lua"),
    (b"", "/app/handler.lua", "lua"),
    (b"#!/usr/bin/php8.2\n", "/app/cron", "php"),
    (b"", "/app/public/index.php", "php"),
])
def test_script_language(head: bytes, path: str, language: str | None):
    assert codescan.script_language(head, path) == language


def test_erlang_names():
    erl = ("-module(web).\n-behaviour(gen_server).\n-include_lib(\"public_key/include/public_key.hrl\").\n"
           "route(<<\"/ssl\">>) -> {ok, _} = application:ensure_all_started(ssl), ssl:versions();\n"
           "route(_) -> F = fun lists:sort/1, try M:f() catch C:E -> {C, E} end,\n"
           "    code:ensure_loaded(asn1rt_nif), X#rec.field, <<B:8>>, \"http://h/x\",\n"
           "    % mnesia:start() in a comment\n    os:cmd(\"grep -c x /proc/cpuinfo\").\n")
    assert codescan.erlang_names(erl) == ["application", "ssl", "lists", "code", "os", "gen_server",
                                          "asn1rt_nif", "public_key"]
    assert codescan.code_commands(erl, backticks=False) == ["/bin/sh", "grep"]


def test_elixir_names():
    ex = ("defmodule Web do\n  # :mnesia.start() in a comment\n  def ssl, do: :ssl.versions()\n"
          "  def h(l), do: Enum.map(l, &:crypto.hash(:sha256, &1)) |> :zlib.gzip()\n"
          "  def s, do: Application.ensure_all_started(:inets) && Code.ensure_loaded(:asn1rt_nif)\n"
          "  def i(x), do: \"#{:io_lib.format('~p', [x])}\" <> Map.get(%{}, :key) <> String.upcase(\"a\")\n"
          "  def c, do: {System.cmd(\"xz\", [\"-d\"]), System.shell(\"tar cf - . | bzip2\"),\n"
          "              :os.cmd('ls')}\nend\n")
    assert codescan.elixir_names(ex) == ["ssl", "crypto", "zlib", "io_lib", "os", "inets", "asn1rt_nif"]
    # a string's '#' starts no comment (a colour, a URL's fragment)
    assert codescan.elixir_names('x = "color: #fff" <> :crypto.strong_rand_bytes(4)\n'
                                 'u = "http://x/#frag"; :inets.start() # :nope.f()\n') == ["crypto", "inets"]
    # piped without parentheses; a list of applications
    assert codescan.elixir_names("b = x |> :zlib.gzip\nApplication.ensure_all_started([:ssl, :mnesia])\n") \
        == ["zlib", "ssl", "mnesia"]
    assert codescan.code_commands(':os.cmd(~c"tar cf - /data")\n', backticks=False) == ["/bin/sh", "tar"]
    assert codescan.code_commands(ex, backticks=False) == ["/bin/sh", "xz", "tar", "bzip2", "ls"]


def test_tcl_requires_and_commands():
    tcl = ("package require Tcl 8.6\npackage require -exact json::write 1.0.4\n# package require nope\n"
           "proc gz {f} { return [exec gzip -c < $f | wc -c] }\nset d [exec -ignorestderr -- date +%s]\n"
           "set p [open \"|sort -u\" r]\nif {[auto_execok xz] ne \"\"} { }\n")
    assert codescan.tcl_requires(tcl) == ["Tcl", "json/write"]
    assert codescan.tcl_commands(tcl) == ["gzip", "date", "sort", "xz"]
    assert codescan.script_language(b"#!/usr/bin/tclsh8.6\n", "/app/serve") == "tcl"


def test_tcl_packages_are_units_by_their_index(tmp_path: Path):
    """A Tcl service's routes that required tcllib's csv, ncgi or sha256
    (never loaded by the probe) failed on the minified image, "couldn't
    read file .../csv/csv.tcl": every package index was kept (Tcl reads
    them all at its first `package require`), not the files they name. A
    directory of a package index is a unit, named by what the index
    provides; reading the indexes alone keeps none."""
    root = tmp_path / "root"
    merged_usr(root)
    lib = "/usr/share/tcltk/tcllib1.21"
    files = {f"{lib}/pkgIndex.tcl": "lappend ::auto_path $dir\n",
             f"{lib}/json/pkgIndex.tcl": "package ifneeded json 1.3.4 [list source $dir/json.tcl]\n"
                                         "package ifneeded json::write 1.0.4 [list source $dir/w.tcl]\n",
             f"{lib}/json/json.tcl": "package require Tcl 8.4\n", f"{lib}/json/json_write.tcl": "",
             f"{lib}/csv/pkgIndex.tcl": "package ifneeded csv 0.8.1 [list source $dir/csv.tcl]\n",
             f"{lib}/csv/csv.tcl": "package require struct::queue\n",
             f"{lib}/struct/pkgIndex.tcl": "package ifneeded struct::queue 1.4.5 [list source $dir/q.tcl]\n",
             f"{lib}/struct/queue.tcl": "",
             f"{lib}/sha1/pkgIndex.tcl": "package ifneeded sha256 1.0.4 [list source $dir/sha256.tcl]\n",
             f"{lib}/sha1/sha256.tcl": "", "/usr/share/tcltk/tcl8.6/msgs/de.msg": ""}
    for path, text in files.items():
        write(root, path, text)
    dpkg(root, "tcllib", *files)
    write(root, "/app/server.tcl", "package require json::write\nproc csv {} { package require csv }\n")
    indexes = [p for p in files if p.endswith("pkgIndex.tcl")]
    trace = ["/app/server.tcl", *indexes, f"{lib}/json/json_write.tcl", "/usr/share/tcltk/tcl8.6/msgs/de.msg"]
    kept = kept_at(root, "unit", tmp_path, trace, records(*(("tclsh", "openat", p) for p in trace))).kept
    for path in (f"{lib}/json/json.tcl", f"{lib}/csv/csv.tcl", f"{lib}/struct/queue.tcl"):
        assert path in kept, path
    assert "loaded by /app/server.tcl" in kept[f"{lib}/csv/csv.tcl"]
    assert f"{lib}/sha1/sha256.tcl" not in kept                 # (its index read, nothing required)


def test_octave_packages_are_units_loaded_by_name(tmp_path: Path):
    """An Octave job's packages were dropped unsaid (`pkg load` failed,
    `pkg list` said none was installed), and one kept without a package
    it depends on. A package (its shared and its arch directory) is a unit
    kept whole when the code loads it (pkg load, pkg("load", ...)), with
    those its DESCRIPTION depends on; one installed on purpose and never
    loaded is said, its name once."""
    assert codescan.octave_packages("pkg load statistics signal\n% pkg load nope\nx = 1;\n"
                                    "pkg('load', 'io')\n") == ["statistics", "signal", "io"]
    root = tmp_path / "root"
    merged_usr(root)
    share, arch = "/usr/share/octave/packages", "/usr/lib/x86_64-linux-gnu/octave/packages"
    for name, version, depends in (("signal", "1.4.3", "octave (>= 3.8), control (>= 2.4)"),
                                   ("control", "3.4.0", "octave (>= 4.0.0)"), ("io", "2.6.4", "octave")):
        d = f"{share}/{name}-{version}"
        files = [f"{d}/packinfo/DESCRIPTION", f"{d}/{name}.m", f"{arch}/{name}-{version}/{name}.oct"]
        write(root, files[0], f"Name: {name}\nVersion: {version}\nDepends: {depends}\n")
        write(root, files[1], "")
        write(root, files[2], "\x7fELF")
        dpkg(root, f"octave-{name}", *files)
    write(root, "/app/job.m", "pkg load signal\ndisp(1)\n")
    trace = ["/app/job.m"]
    report = kept_at(root, "unit", tmp_path, trace, records(("octave-cli", "openat", "/app/job.m")))
    for path in (f"{share}/signal-1.4.3/signal.m", f"{arch}/signal-1.4.3/signal.oct",
                 f"{share}/control-3.4.0/control.m", f"{arch}/control-3.4.0/control.oct"):
        assert path in report.kept, path
    assert "loaded by /app/job.m" in report.kept[f"{share}/signal-1.4.3/signal.m"]
    assert f"{share}/io-2.6.4/io.m" not in report.kept
    assert "octave-io (io-2.6.4)" in report.unused_libraries


def test_a_program_the_workload_looked_up_comes_with_its_data(app_root: Path, tmp_path: Path):
    """Octave finds gnuplot on PATH as it starts, and runs it to print: kept
    as traced, without gnuplot-data's PostScript prologues, 7 of 8 print
    formats failed. A program of a package the workload looked up comes
    with the data packages its package depends on; not one it never
    looked up."""
    for name in ("gnuplot", "other"):
        write(app_root, f"/usr/bin/{name}", "#!/bin/sh\n", 0o755)
        write(app_root, f"/usr/share/{name}/prologue.ps", "%!PS")
        dpkg(app_root, f"{name}-data", f"/usr/share/{name}/prologue.ps")
        dpkg(app_root, f"{name}-nox", f"/usr/bin/{name}", depends=f"{name}-data")
    trace = ["/usr/bin/gnuplot"]
    kept = kept_at(app_root, "unit", tmp_path, trace,
                   records(("octave-cli", "newfstatat", "/usr/bin/gnuplot"))).kept
    assert "/usr/share/gnuplot/prologue.ps" in kept and "which the workload looked up" \
        in kept["/usr/share/gnuplot/prologue.ps"]
    assert "/usr/share/other/prologue.ps" not in kept


def test_lua_requires():
    lua = ("local socket = require(\"socket\")\nlocal url = require 'socket.url'\n-- require 'lfs'\n"
           "--[[ require 'x'\n]] --[==[ require 'y' ]==]\nlocal j = require\"cjson.safe\"\n"
           "local t = obj:require('no')\nos.execute(\"tar -cf /tmp/a.tar /app\")\n")
    assert codescan.lua_requires(lua) == ["socket", "socket/url", "cjson/safe"]
    # optional: `pcall(require, "readline")` (Prosody's console)
    assert codescan.lua_requires('local ok, rl = pcall(require, "readline")\n') == ["readline"]
    # dotted names in strings, for a name code picks (LuaDBI's drivers); not other strings
    assert codescan.lua_requires("local d = {sqlite3 = 'dbd.sqlite3'}\nprint('a b.c', \"x\")\n") \
        == ["dbd/sqlite3"]
    assert codescan.code_commands(lua, backticks=False) == ["/bin/sh", "tar"]


def test_php_requires_and_paths_code_names():
    php = ("<?php\nrequire_once 'Twig/autoload.php';\ninclude('Mail/mime.php');\n"
           "require __DIR__ . '/../src/Report.php';\nrequire_once $dir . '/x.php';\n"
           "$font = '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf';\n$route = '/health';\n"
           "$dir = \"/usr/share/fonts/truetype/\"; $u = \"/api/items/{$id}\";\n")
    assert codescan.php_requires(php) == ["Twig/autoload.php", "Mail/mime.php"]
    assert codescan.code_paths(php) == ["/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
                                        "/usr/share/fonts/truetype"]


@pytest.mark.parametrize("code,language,given", [
    ("def run_tool(args):\n    return subprocess.run(args, capture_output=True)", "python", True),
    ("def f(x, *argv: list):\n    os.execvp(argv[0], argv)", "python", True),
    ("def f(line):\n    subprocess.run(shlex.split(line))", "python", True),
    ("cmd = ['ls']\nsubprocess.run(cmd)", "python", False),          # built of names here
    ("def f(code):\n    exec(code)", "python", False),                 # Python's exec: no command
    ("function go(bin, args) { execFile(bin, args) }", "node", True),
    ("const go = cmd => exec(cmd, done)", "node", True),
    ("function f(s) { return re.exec(s) }", "node", False),          # a regex's exec
    ("def go(cmd)\n  system(cmd)\nend", "ruby", True),
    ("def go cmd\n  `#{cmd}`\nend", "ruby", True),
    ("sub go { my ($self, $cmd) = @_; system($cmd); }", "perl", True),
    ("sub go { my $cmd = shift; return `$cmd`; }", "perl", True),
    ("function go(string $line) { exec($line); }", "php", True),
    ('$l = "ls"; exec($l);', "php", False),
    ("function save($sql) { $this->pdo->exec($sql); }", "php", False),      # a method named exec
    ("def run_tool(args):\n    return subprocess.run(args)", None, False),    # a language not known
])
def test_code_that_runs_a_command_it_is_given(code: str, language: str | None, given: bool):
    assert codescan.runs_given_commands(code, language) is given


def test_paths_a_shell_script_names_with_braces_and_globs():
    script = ("#!/bin/sh\n# {/opt,}/commented.so\nfor w in {/usr,}/lib{/*,}/libnss_wrapper.so; do\n"
              "  [ -s \"$w\" ] && export LD_PRELOAD=\"$w\"\ndone\n"
              "LD_PRELOAD=/usr/lib/libjemalloc.so.2 exec \"$@\"\ncp x /etc/{a,b{1,2}}.conf\n")
    assert codescan.shell_path_patterns(script) == [
        "/usr/lib/*/libnss_wrapper.so", "/usr/lib/libnss_wrapper.so", "/lib/*/libnss_wrapper.so",
        "/lib/libnss_wrapper.so", "/usr/lib/libjemalloc.so.2", "/etc/a.conf", "/etc/b1.conf", "/etc/b2.conf"]
    # (a word of many braces is no path: left as it is, not 2**30 words)
    assert codescan.shell_path_patterns("x=/a" + "{b,c}" * 30) == ["/a" + "{b,c}" * 30]


def test_hook_directories_a_script_names():
    script = ("#!/bin/sh\n# /etc/commented.d/* is not read\n"
              "for f in /docker-entrypoint-initdb.d/*; do . \"$f\"; done\nrun-parts /etc/cont-init.d\n"
              "cp x \"${PGDATA}/conf.d/\"\necho x > /etc/nginx/conf.d/default.conf\n"
              "find \"/docker-entrypoint.d/\" -follow -type f -print | sort -V\n")
    # (not one it only writes into)
    assert codescan.hook_directories(script) == ["/docker-entrypoint-initdb.d", "/etc/cont-init.d",
                                                 "/docker-entrypoint.d"]


def test_programs_a_script_gives_an_interpreter_in_a_here_document():
    """exim_checkaccess: `/usr/bin/perl - $exim_path $args <<'End'`. An
    interpreter given no script (or `-`) reads its program from the
    here-document; one given a script or -e reads data."""
    script = ("#!/bin/sh\n/usr/bin/perl - $x <<'End'\nuse FileHandle;\nEnd\n"
              "perl /x.pl <<EOF\nuse Data;\nEOF\nperl -e 'print 1' <<EOF\nuse Data2;\nEOF\n"
              "python3 -c 'import sys' <<EOF\nimport data3\nEOF\npython3.11 <<-PY\n\timport gzip\n\tPY\n"
              "cat <<EOF\nperl -\nEOF\ncat <<'PY' | python3 -\nimport tarfile\nPY\n"
              "cat <<EOF > /tmp/x.py\nimport data4\nEOF\ncat <<EOF | perl /x.pl\nuse Data5;\nEOF\n"
              "perl - \"$@\" <<'End' # check access\nuse IPC::Open2;\nEnd\n"
              "cat <<EOF # | python3 -\nimport d6\nEOF\n")
    assert codescan.interpreter_heredocs(script) == [
        ("perl", "use FileHandle;"), ("python", "\timport gzip"), ("python", "import tarfile"),
        ("perl", "use IPC::Open2;")]


@pytest.mark.parametrize("line,backticks,programs", [
    ('subprocess.run(["gzip", "-c", path])', False, ["gzip"]),
    ("out = subprocess.check_output(['sha256sum', f])", False, ["sha256sum"]),
    ('subprocess.run(\n    ["xz", "--version"], check=True)', False, ["xz"]),      # over lines
    # a shell string runs /bin/sh, by that name (shell=True, os.system)
    ('os.system("tar -czf /tmp/x.tgz /app | wc -c")', False, ["/bin/sh", "tar", "wc"]),
    ('run(f"cat {name} | bzip2 | wc -c", shell=True)', False, ["/bin/sh", "cat", "bzip2", "wc"]),
    ("""run("echo '{\\"b\\":2}' | jq -c .b | xz -c", shell=True)""", False, ["/bin/sh", "jq", "xz"]),
    ('subprocess.run(["sh", "-c", "echo hi | zip -q - - | wc -c"])', False, ["sh", "zip", "wc"]),
    ('subprocess.run(["env", "LC_ALL=C", "jq", ".a"])', False, ["env", "jq"]),
    ('zip_path = shutil.which("zip")', False, ["zip"]),
    ('app.run(host="0.0.0.0")', False, []),
    ('system("bzip2 -k #{file}")', True, ["/bin/sh", "bzip2"]),
    ("out = `jq .name #{f} | xz -c`", True, ["/bin/sh", "jq", "xz"]),
    # a comment's Markdown backticks run nothing (Redmine's "# Allow `id` in a and li elements")
    ("# Allow `id` in a and li elements\nx = 1  # see `make`", True, []),
    ("out = `ls #{dir}`  # not `make`", True, ["/bin/sh", "ls"]),
    # ... but a '#' inside code is none: Perl's $#ARGV and m#...#, Ruby's ?#
    ("if ($#ARGV > 0) { $x = `uname -a`; }", True, ["/bin/sh", "uname"]),
    ("next if $l =~ m#^/dev#; my @b = `blkid`;", True, ["/bin/sh", "blkid"]),
    ("my $type = qx(file -b $path);", True, ["/bin/sh", "file"]),
    ('system("file", "-b", $path);', True, ["/bin/sh", "file"]),
    ('system "xz -d $f";', True, ["/bin/sh", "xz"]),
    ("open(my $fh, '-|', 'zip', '-v') or die;", True, ["zip"]),
    ('open(my $fh, "xz --version |");', True, ["/bin/sh", "xz"]),
    ('open($out, "| bzip2 > f");', True, ["/bin/sh", "bzip2"]),
    ('$o = shell_exec("date -u -d @0");', True, ["/bin/sh", "date"]),
    ("execFile('sha256sum', [f], done)", False, ["sha256sum"]),
    ("cp.spawn(\n  'xz', ['-d'])", False, ["xz"]),
    ("const { stdout } = await exec(`gzip -c ${f}`)", False, ["/bin/sh", "gzip"]),
    ("const page = `<p>${name}</p>`", False, []),         # a template string, not a command
    ("IO.popen(['xz', '-9'])", True, ["xz"]),
    ("cursor.execute('SELECT 1')", False, []),
    # a command kept in a variable named for it, run later: run(args + [url])
    ('args = ["curl", "-sS", "-D", "-"]', False, ["curl"]),
    ("self.gnutls_cmd = ('gnutls-cli', '--port', port)", False, ["gnutls-cli"]),
    ('my @cmd = ("gzip", "-9");', True, ["gzip"]),
    ('const curlArgs = ["curl", url]', False, ["curl"]),
    ('args = ["--verbose"]; kwargs = {"a": "b"}; if args == ["tar"]: pass', False, []),
    ('fields = ["date", "name"]', False, []),        # a list by another name: no command
    ('os.execute("tar -cf x.tar /app")', False, ["/bin/sh", "tar"]),      # Lua
    ('Out = os:cmd("grep -c x /proc/cpuinfo")', False, ["/bin/sh", "grep"]),       # Erlang
    # a hash or dict entry whose key names a command (gitweb's snapshot formats)
    ("tgz => { 'compressor' => ['gzip', '-n'], 'type' => 'x' },", True, ["gzip"]),
    ('FORMATS = {"xz": {"command": ["xz", "-c"]}}', False, ["xz"]),
    ('opts = {"format": ["json", "yaml"]}', False, []),
    # an option whose value is a program the tool runs
    ('cmd += ["--pdf-engine=pdfroff", "--toc"]', False, ["pdfroff"]),
    ('run(["pandoc", src, "--pdf-engine=xelatex"])', False, ["pandoc", "xelatex"]),
    ('args.append("--format=html5")', False, []),
    # a program variable's fallback: the last literal after ||, or, //, ??
    ("CONVERT_BIN = (Redmine::Configuration['imagemagick_convert_command'] || 'convert').freeze", True,
     ["convert"]),
    ('GZIP_CMD = os.environ.get("GZIP_CMD") or "pigz"', False, ["pigz"]),
    ('zip_bin = os.getenv("ZIP_BIN", "zip")', False, ["zip"]),
    ("my $xz_prog = $ENV{XZ} // 'xz';", True, ["xz"]),
    ("$magick_bin = $config['magick'] ?? 'magick';", True, ["magick"]),
    ('LABEL_CMD = settings.get("label") or "Print label"', False, []),     # not one word
    ('if tool_cmd == "tar" or mode == "zip":', False, []),                  # a comparison
    ('GIT_CMD = ["git", "diff"]', False, ["git"]),                  # a list's last item is no fallback
    # a variable of any name given to a call as the program: the literal its
    # assignment ends with (ikiwiki's Wrapper.pm compiles with cc)
    ("my @cc=exists $ENV{CC} ? untaint($ENV{CC}) : 'cc';\nif (system(@cc, \"$w.c\", '-o', $w) != 0) {}",
     True, ["cc"]),
    ("my $pager = $ENV{PAGER} || 'less';\nsystem($pager, $file);", True, ["less"]),
    ('cc = os.environ.get("CC", "gcc")\nsubprocess.run([cc, "-c", src])', False, ["gcc"]),
    ('name = "joe"\ncall(name)\nprint(name)', False, []),        # no program list: not one
    ("my $n = 'x';\nprint($n);", True, []),                        # not given to a call
    ('cmd = "ls -la"\nsystem($cmd)', True, []),                   # not one word
    # Java's (a JSP's or a servlet's source): the program, its arguments
    ('Process p = new ProcessBuilder("gzip", "-c", name).start();', False, ["gzip"]),
    ('Runtime.getRuntime().exec(new String[]{"tar", "-czf", out, dir});', False, ["tar"]),
    ('String[] parts = new String[]{"a", "b"};', False, []),
    ('new ProcessBuilder(Arrays.asList("zip", "-r", out)).start();', False, ["zip"]),
    ('pb = new ProcessBuilder(List.of("xz", "-d"));', False, ["xz"]),
    ('List<String> cmd = Arrays.asList("tar", "-czf", out); new ProcessBuilder(cmd);', False, ["tar"]),
    ('String[] args = new String[]{"sed", "-n", "1p"};', False, ["sed"]),
])
def test_programs_code_runs(line: str, backticks: bool, programs: list[str]):
    assert codescan.code_commands(line, backticks) == programs


def test_a_program_named_or_run_brings_the_data_packages_it_depends_on(app_root: Path, tmp_path: Path):
    """file reads libmagic-mgc's magic database, a package of its own that
    libmagic1 depends on: a route running file -b printed "ASCII text" for
    a Python script on the minified image, status 200."""
    write(app_root, "/usr/bin/file", "x", 0o755)
    dpkg(app_root, "file", "/usr/bin/file", depends="libc6 (>= 2.34), libmagic1 (= 1:5.44-3), libfoo-perl")
    write(app_root, "/usr/share/perl5/Foo.pm", "1;\n")
    dpkg(app_root, "libfoo-perl", "/usr/share/perl5/Foo.pm")       # a language's library: not data
    write(app_root, "/usr/lib/x86_64-linux-gnu/libmagic.so.1", "x")
    dpkg(app_root, "libmagic1", "/usr/lib/x86_64-linux-gnu/libmagic.so.1",
         depends="libbz2-1.0, libmagic-mgc (= 1:5.44-3), libgnutls30 | libssl3:any")
    write(app_root, "/usr/share/misc/magic.mgc", "magic")
    # (the bug reporter's script is documentation, no program: the package
    # is still data, as imagemagick-6-common's configuration is)
    write(app_root, "/usr/share/bug/libmagic-mgc/script", "#!/bin/sh\n", 0o755)
    dpkg(app_root, "libmagic-mgc", "/usr/share/misc/magic.mgc", "/usr/share/bug/libmagic-mgc/script")
    write(app_root, "/app/web.py", "import subprocess\ndef kind(p):\n"
                                   "    return subprocess.check_output(['file', '-b', p])\n")
    trace = ["/app/web.py"]
    kept = kept_at(app_root, "unit", tmp_path, trace, records(("python3", "openat", "/app/web.py"))).kept
    assert "/usr/share/misc/magic.mgc" in kept
    assert kept["/usr/share/misc/magic.mgc"].endswith("is used (data that file depends on "
                                                      "(command file in code /app/web.py))")
    # a data package nothing run depends on stays out (tzdata, here), and
    # a language's library is its units' (perl-modules-5.36 is 17 MB)
    assert "/usr/share/zoneinfo/Europe/Paris" not in kept and "/usr/share/perl5/Foo.pm" not in kept
    assert dpkg_status_names(app_root) == {"file": ["libmagic1", "libfoo-perl"],
                                           "libmagic1": ["libmagic-mgc"]}


def test_web_assets_under_nodejs_are_a_programs_data(app_root: Path, tmp_path: Path):
    """Prometheus's classic pages load Bootstrap through
    /usr/share/javascript/bootstrap4, links into /usr/share/nodejs (both
    libjs-bootstrap4's): taken for a language's library, it was left out
    (404 for the stylesheet, the pages 200). A package all of whose files
    are a language's library is still not data."""
    write(app_root, "/usr/bin/prometheus", "x", 0o755)
    dpkg(app_root, "prometheus", "/usr/bin/prometheus", depends="libjs-bootstrap4, node-left-pad")
    write(app_root, "/usr/share/nodejs/bootstrap/dist/css/bootstrap.min.css", "css")
    write(app_root, "/usr/share/nodejs/bootstrap/package.json", '{"name": "bootstrap"}')
    link(app_root, "/usr/share/javascript/bootstrap4/css/bootstrap.min.css",
         "../../../nodejs/bootstrap/dist/css/bootstrap.min.css")
    write(app_root, "/usr/share/doc/libjs-bootstrap4/copyright", "c")
    dpkg(app_root, "libjs-bootstrap4", "/usr/share/nodejs/bootstrap/dist/css/bootstrap.min.css",
         "/usr/share/nodejs/bootstrap/package.json", "/usr/share/javascript/bootstrap4/css/bootstrap.min.css",
         "/usr/share/doc/libjs-bootstrap4/copyright")
    write(app_root, "/usr/share/nodejs/left-pad/index.js", "module.exports = 1;\n")
    write(app_root, "/usr/share/nodejs/left-pad/package.json", '{"name": "left-pad"}')
    write(app_root, "/usr/share/doc/node-left-pad/copyright", "c")
    dpkg(app_root, "node-left-pad", "/usr/share/nodejs/left-pad/index.js",
         "/usr/share/nodejs/left-pad/package.json", "/usr/share/doc/node-left-pad/copyright")
    trace = ["/usr/bin/prometheus"]
    run = records(("prometheus", "exec", "/usr/bin/prometheus"))
    kept = kept_at(app_root, "unit", tmp_path, trace, run).kept
    assert "/usr/share/javascript/bootstrap4/css/bootstrap.min.css" in kept
    assert "/usr/share/nodejs/bootstrap/dist/css/bootstrap.min.css" in kept
    assert "/usr/share/nodejs/left-pad/index.js" not in kept


def dpkg_status_names(root: Path) -> dict[str, list[str]]:
    return packages.read_database(RootFS(root)).depends


def test_command_links_to_a_kept_program_are_kept(app_root: Path, tmp_path: Path):
    """update-alternatives' links belong to no package: the JDK was kept
    whole for the java that ran, and `keytool` was not on PATH."""
    jdk = "/usr/lib/jvm/java-17/bin"
    for name in ("java", "keytool"):
        write(app_root, f"{jdk}/{name}", "#!/bin/sh\n", 0o755)
        link(app_root, f"/etc/alternatives/{name}", f"{jdk}/{name}")
        link(app_root, f"/usr/bin/{name}", f"/etc/alternatives/{name}")
    dpkg(app_root, "openjdk-17-jre-headless", f"{jdk}/java", f"{jdk}/keytool")
    link(app_root, "/usr/bin/unrelated", "/opt/nowhere")
    trace = ["/usr/bin/java"]
    ran = records(("java", "exec", "/usr/bin/java"))
    kept = kept_at(app_root, "unit", tmp_path, trace, ran).kept
    assert f"{jdk}/keytool" in kept                           # the package of a program that ran
    assert "/usr/bin/keytool" in kept
    assert "/etc/alternatives/keytool" in kept and "/usr/bin/unrelated" not in kept
    assert "/usr/bin/keytool" not in kept_at(app_root, "file", tmp_path, trace, ran).kept
    # (in a directory of the command path where nothing else is kept)
    link(app_root, "/usr/local/bin/keytool", f"{jdk}/keytool")
    src = Source(RootFS(app_root), "test", {"PATH": "/usr/local/bin:/usr/bin:/bin"})
    report = pack.pack_files(src, trace, str(tmp_path / "local.tar"), resolve.Rules(), granularity="unit",
                             events=ran)
    assert "/usr/local/bin/keytool" in report.kept


def test_programs_an_applications_code_runs_are_kept(app_root: Path, tmp_path: Path):
    """A route that zips a report on first use: subprocess.run(["zip", ...])
    in Python, shell_exec in PHP, execFile in Node. Only shell scripts were
    read for commands: zip was not in the image ("No such file or
    directory"), though the probes passed."""
    write(app_root, "/usr/bin/zip", "x", 0o755)
    write(app_root, "/usr/bin/zipnote", "x", 0o755)
    dpkg(app_root, "zip", "/usr/bin/zip", "/usr/bin/zipnote")
    trace = ["/app/web.py"]
    served = records(("python3", "openat", "/app/web.py"))
    assert "/usr/bin/zip" not in kept_at(app_root, "unit", tmp_path, trace, served).kept
    for path, code in (("/app/web.py", "import subprocess\ndef export(d):\n"
                                       "    subprocess.run(['zip', '-r', '/tmp/x.zip', d], check=True)\n"),
                       ("/app/export.php", "<?php echo shell_exec('zip -r /tmp/x.zip /app');\n"),
                       ("/app/export.js", "require('child_process').execFile('zip', ['-r', 'x.zip'])\n"),
                       # a JSP, compiled on its first request ("Cannot run program", a 500)
                       ("/app/export.jsp",
                        '<% Process p = new ProcessBuilder("zip", "-r", "x.zip", dir).start(); %>\n')):
        write(app_root, "/app/web.py", "")
        write(app_root, path, code)
        kept = kept_at(app_root, "unit", tmp_path, trace, served).kept
        assert kept.get("/usr/bin/zip", "").startswith(f"command zip in code {path}"), path
        assert "/usr/bin/zipnote" in kept       # its package, as for a program that ran
        (app_root / path.lstrip("/")).unlink()


@pytest.mark.parametrize("code,sets", [
    ("TZ=UTC date", True), ("export TZ=Asia/Tokyo", True), ("os.environ['TZ'] = zone", True),
    ("ENV[\"TZ\"]=zone", True), ("$ENV{TZ} = shift;", True), ("local $ENV{'TZ'} = 'UTC';", True),
    ("process.env.TZ = zone", True), ("setenv(\"TZ\", zone, 1);", True), ("putenv('TZ=UTC')", True),
    ("paris = ZoneInfo('Europe/Paris')", True), ("tz.gettz(name)", True), ("pytz.timezone(z)", True),
    # an environment given to a program: execFile('date', ..., {env: {TZ: zone}}) printed
    # "12:30 Asia" for Asia/Tokyo on the minified image, status 200
    ("execFile('date', args, {env: {TZ: zone}})", True), ("env={\"TZ\": zone}", True),
    ("local %ENV = (TZ => $zone);", True), ("{'TZ' => zone}", True),
    ("if ENV['TZ'] == 'UTC'", False), ("print TZ", False), ("MYTZ=1", False), ("obj.TZ: 1", False),
    ("NOTZ: 1", False)])
def test_code_that_sets_tz(code: str, sets: bool):
    assert codescan.sets_tz(code) is sets


# -- what each granularity keeps ------------------------------------------------------

@pytest.fixture
def app_root(tmp_path: Path) -> Path:
    """A dpkg image: a program package with a tool beside the one run and
    documentation; a data package (time zones); an unowned application
    tree with a shell script and Python code; a Python package and the
    standard library."""
    root = tmp_path / "root"
    merged_usr(root)
    write(root, "/usr/bin/date", "#!/bin/sh\n", 0o755)
    write(root, "/usr/bin/wc", "#!/bin/sh\n", 0o755)
    write(root, "/usr/share/doc/coreutils/changelog", "c" * 1000)
    write(root, "/usr/share/locale/de/LC_MESSAGES/coreutils.mo", "de")
    dpkg(root, "coreutils", "/bin/date", "/bin/wc", "/usr/share/doc/coreutils/changelog",
         "/usr/share/locale/de/LC_MESSAGES/coreutils.mo")
    write(root, "/usr/bin/find", "#!/bin/sh\n", 0o755)
    dpkg(root, "findutils", "/usr/bin/find")
    write(root, "/usr/bin/sh", "#!/bin/sh\n", 0o755)     # (a script runs as a program here)
    dpkg(root, "dash", "/usr/bin/sh")
    write(root, "/usr/share/zoneinfo/Etc/UTC", "TZif")
    write(root, "/usr/share/zoneinfo/Europe/Paris", "TZif")
    dpkg(root, "tzdata", "/usr/share/zoneinfo/Etc/UTC", "/usr/share/zoneinfo/Europe/Paris")
    write(root, "/app/report.sh", "#!/bin/sh\nfind /app/data | wc -l\ndate\n", 0o755)
    write(root, "/app/data/a.log", "a")
    write(root, "/app/data/b.log", "b")
    write(root, "/app/web.py", "def page():\n    import csv\n    return csv\n")
    lib = "/usr/lib/python3.11"
    write(root, f"{lib}/os.py", "")
    write(root, f"{lib}/csv.py", "import re\n")
    write(root, f"{lib}/re/__init__.py", "")
    write(root, f"{lib}/encodings/__init__.py", "")
    write(root, f"{lib}/encodings/utf_8.py", "")
    write(root, f"{lib}/encodings/unicode_escape.py", "")
    write(root, f"{lib}/encodings/__pycache__/unicode_escape.cpython-311.pyc", "cache")
    dpkg(root, "libpython3.11-stdlib", f"{lib}/os.py", f"{lib}/csv.py", f"{lib}/re/__init__.py",
         f"{lib}/encodings/__init__.py", f"{lib}/encodings/utf_8.py", f"{lib}/encodings/unicode_escape.py")
    (root / "tmp").mkdir()
    (root / "tmp").chmod(0o1777)
    return root


TRACE = ["/app/report.sh", "/app/data/a.log", "/usr/bin/date", "/usr/share/zoneinfo/Etc/UTC",
         "/usr/lib/python3.11/encodings/utf_8.py", "/app/web.py"]


def records(*spec: tuple[str, str, str]) -> list[TraceRecord]:
    return [TraceRecord(0.0, 1, 1, comm, call, path, 0, 3) for comm, call, path in spec]


def library(site: str, name: str, version: str, init: str = "") -> dict[str, str]:
    """A Python library's files as a distro installs it: its import
    package's __init__.py and its distribution's top_level.txt."""
    return {f"{site}/{name}/__init__.py": init,
            f"{site}/{name}-{version}.dist-info/top_level.txt": f"{name}\n"}


EVENTS = records(("report.sh", "exec", "/app/report.sh"), ("date", "exec", "/usr/bin/date"),
                 ("date", "openat", "/usr/share/zoneinfo/Etc/UTC"))


def kept_at(root: Path, level: str, tmp_path: Path, trace: list[str] = TRACE,
            events: list[TraceRecord] | None = EVENTS, rules: resolve.Rules | None = None) -> pack.PackReport:
    src = Source(RootFS(root), "test", {"PATH": "/usr/bin:/bin"})
    return pack.pack_files(src, trace, str(tmp_path / f"{level}.tar"), rules or resolve.Rules(),
                           granularity=level, events=events, report_out=str(tmp_path / f"{level}.json"))


def test_links_in_kept_directories_to_what_is_kept_are_kept(app_root: Path, tmp_path: Path):
    """`varnishd -P /var/run/varnishd.pid` failed on a minified image that
    kept /run and not the hierarchy's link /var/run -> /run; OpenSSL's
    /usr/lib/ssl/cert.pem, a link to the bundle kept for TLS, was dropped
    and Python's default context trusted no authority. A link in a kept
    directory to a file or directory that is kept comes; not one whose
    target is not kept, nor one in a directory that is not."""
    (app_root / "run/lock").mkdir(parents=True)
    (app_root / "run/lock").chmod(0o1777)
    link(app_root, "/var/run", "/run")
    link(app_root, "/var/lock", "../run/lock")
    write(app_root, "/var/lib/app/state", "s")
    write(app_root, "/etc/ssl/certs/ca-certificates.crt", "PEM")
    write(app_root, "/usr/lib/ssl/openssl.cnf", "[x]")
    link(app_root, "/usr/lib/ssl/cert.pem", "/etc/ssl/certs/ca-certificates.crt")
    link(app_root, "/usr/lib/ssl/other.pem", "/srv/certs/other.crt")
    write(app_root, "/srv/certs/other.crt", "PEM")
    link(app_root, "/opt/elsewhere/cert.pem", "/etc/ssl/certs/ca-certificates.crt")
    dpkg(app_root, "ca-certificates", "/etc/ssl/certs/ca-certificates.crt")
    dpkg(app_root, "openssl-conf", "/usr/lib/ssl/openssl.cnf")
    trace = ["/var/lib/app/state", "/etc/ssl/certs/ca-certificates.crt", "/usr/lib/ssl/openssl.cnf"]
    kept = kept_at(app_root, "unit", tmp_path, trace, records(*(("app", "openat", p) for p in trace))).kept
    assert "/var/run" in kept and "/var/lock" in kept and "/usr/lib/ssl/cert.pem" in kept
    assert "/usr/lib/ssl/other.pem" not in kept and "/opt/elsewhere/cert.pem" not in kept


def test_a_packages_link_in_etc_to_a_kept_file_of_it_is_kept(app_root: Path, tmp_path: Path):
    """libasound2-plugins enables its PCM definitions, in
    /usr/share/alsa/alsa.conf.d, by links in /etc/alsa/conf.d, which
    alsa.conf loads: the definitions were kept (with the modules), the
    links were not, and `sox ... -t alsa pulse` said "Unknown PCM pulse",
    unsaid. A package's link in /etc to a kept file of its own comes, with
    its directory; not one to a file not kept, nor one of another package's
    file, nor one no package owns (a postinst's enabling link: the
    administrator's choice is read when it is made)."""
    avail, conf_d = "/usr/share/alsa/alsa.conf.d", "/etc/alsa/conf.d"
    for name in ("50-pulseaudio.conf", "60-upmix.conf"):
        write(app_root, f"{avail}/{name}", "pcm.x {}\n")
        link(app_root, f"{conf_d}/{name}", f"{avail}/{name}")
    write(app_root, "/usr/share/other/x.conf", "x")
    link(app_root, f"{conf_d}/70-other.conf", "/usr/share/other/x.conf")
    link(app_root, f"{conf_d}/80-unowned.conf", f"{avail}/50-pulseaudio.conf")
    dpkg(app_root, "libasound2-plugins", *(f"{d}/{n}" for d in (avail, conf_d)
                                           for n in ("50-pulseaudio.conf", "60-upmix.conf")),
         f"{conf_d}/70-other.conf")
    dpkg(app_root, "other", "/usr/share/other/x.conf")
    trace = [f"{avail}/50-pulseaudio.conf", "/usr/share/other/x.conf"]
    kept = kept_at(app_root, "unit", tmp_path, trace, records(*(("app", "openat", p) for p in trace))).kept
    assert f"{conf_d}/50-pulseaudio.conf" in kept and conf_d in kept
    assert f"{conf_d}/60-upmix.conf" not in kept and f"{conf_d}/70-other.conf" not in kept
    assert f"{conf_d}/80-unowned.conf" not in kept


def test_gits_sample_hooks_are_not_read_as_the_applications_code(app_root: Path, tmp_path: Path):
    """`git init` writes executable sample hooks into every repository, which
    git never runs: a Hugo site's .git brought git, perl and 110 Perl units
    (88.7 MB) to an image of 64 MB. A hook without the suffix is code."""
    write(app_root, "/app/.git/hooks/pre-rebase.sample", "#!/usr/bin/perl\nsystem('gzip', 'x');\n", 0o755)
    write(app_root, "/app/.git/hooks/post-update", "#!/bin/sh\nwc -l x\n", 0o755)
    write(app_root, "/usr/bin/perl", "#!/bin/sh\n", 0o755)
    dpkg(app_root, "perl", "/usr/bin/perl")
    write(app_root, "/usr/bin/gzip", "#!/bin/sh\n", 0o755)
    dpkg(app_root, "gzip", "/usr/bin/gzip")
    trace = ["/app/data/a.log"]
    kept = kept_at(app_root, "unit", tmp_path, trace, records(("cat", "openat", "/app/data/a.log"))).kept
    assert "/app/.git/hooks/pre-rebase.sample" in kept        # (the tree, whole)
    assert "/usr/bin/perl" not in kept and "/usr/bin/gzip" not in kept
    assert "command wc in script /app/.git/hooks/post-update" in kept["/usr/bin/wc"]


def test_file_level_is_the_trace_and_its_closure(app_root: Path, tmp_path: Path):
    kept = kept_at(app_root, "file", tmp_path).kept
    assert "/app/data/b.log" not in kept and "/usr/bin/wc" not in kept
    assert "/usr/share/zoneinfo/Europe/Paris" not in kept
    assert "/tmp" in kept and "sticky" in kept["/tmp"]          # at every level


def test_unit_level_keeps_what_was_used_whole(app_root: Path, tmp_path: Path):
    report = kept_at(app_root, "unit", tmp_path)
    kept = report.kept
    assert "/app/data/b.log" in kept                        # the application's tree, whole
    assert "/usr/bin/wc" in kept                            # the package of a program it ran
    assert "/usr/share/doc/coreutils/changelog" not in kept  # ... without its documentation
    assert "/usr/share/locale/de/LC_MESSAGES/coreutils.mo" not in kept   # or translations
    assert "/usr/bin/find" in kept and "command find" in kept["/usr/bin/find"]   # named by the script
    assert "/usr/share/zoneinfo/Europe/Paris" in kept      # data a command of the script read
    assert "/usr/lib/python3.11/encodings/unicode_escape.py" in kept   # the import package, whole
    assert "/usr/lib/python3.11/encodings/__pycache__/unicode_escape.cpython-311.pyc" not in kept
    assert "/usr/lib/python3.11/csv.py" in kept and "/usr/lib/python3.11/re/__init__.py" in kept
    written = json.loads((tmp_path / "unit.json").read_text())
    assert written["source_by_dir"]["/app/data"] == 2          # for the HTML report's bars
    assert {u["status"] for u in written["units"]} <= {"kept", "partial", "dropped"}
    dropped = [u.key for u in report.units_dropped]
    assert "dpkg:coreutils" not in dropped and dropped == sorted(
        dropped, key=lambda k: -next(u.size for u in report.units_dropped if u.key == k))


def test_a_python_package_kept_whole_brings_what_its_modules_import(app_root: Path, tmp_path: Path):
    # encodings was kept whole because utf_8 was used, but not the C
    # modules its other codecs import: b'...'.decode('euc_jp') then failed
    # on the minified image with "unknown encoding", and so did idna.
    lib = "/usr/lib/python3.11"
    write(app_root, f"{lib}/encodings/euc_jp.py", "import _codecs_jp, codecs\nimport _multibytecodec\n")
    write(app_root, f"{lib}/encodings/idna.py", "import stringprep, codecs\nimport unicodedata\n")
    write(app_root, f"{lib}/stringprep.py", "from unicodedata import ucd_3_2_0\n")
    dynload = f"{lib}/lib-dynload"
    for module in ("_codecs_jp", "_multibytecodec", "unicodedata", "_codecs_kr"):
        write(app_root, f"{dynload}/{module}.cpython-311-x86_64-linux-gnu.so", "")
    # an import in a function, or in a try that tolerates its absence, is a
    # feature the workload may never use; a package's own tests import what
    # the package never does: neither is followed
    write(app_root, f"{lib}/encodings/rare.py", "def f():\n    import tkinter\ntry:\n    import curses\n"
                                                "except ImportError:\n    pass\n")
    write(app_root, f"{lib}/encodings/tests/test_x.py", "import unittest\n")
    for module in ("tkinter", "curses", "unittest"):
        write(app_root, f"{lib}/{module}/__init__.py", "")
    kept = kept_at(app_root, "unit", tmp_path).kept
    for module in ("_codecs_jp", "_multibytecodec", "unicodedata"):
        assert f"{dynload}/{module}.cpython-311-x86_64-linux-gnu.so" in kept, module
    assert f"{lib}/stringprep.py" in kept
    assert f"{dynload}/_codecs_kr.cpython-311-x86_64-linux-gnu.so" not in kept   # nothing imports it
    for module in ("tkinter", "curses", "unittest"):
        assert f"{lib}/{module}/__init__.py" not in kept, module


def test_a_distribution_kept_whole_brings_the_standard_library_its_modules_need(app_root: Path,
                                                                                tmp_path: Path):
    """Django kept whole for the pages probed, and its modules the probes
    never imported could not be: RSS feeds and `dumpdata --format xml` (no
    module named 'xml'), mail (smtplib), `startapp` (tarfile), `test` (pdb,
    the fallback when ipdb is absent). What they import at their top level
    comes, as for the standard library's own packages; not what they
    import in a function."""
    lib, site = "/usr/lib/python3.11", "/usr/lib/python3/dist-packages"
    files = {
        f"{site}/django/__init__.py": "", f"{site}/django/http.py": "import re\n",
        f"{site}/django/feeds.py": "from xml.sax.saxutils import XMLGenerator\n",
        f"{site}/django/mail.py": "import smtplib\ndef f():\n    import tkinter\n",
        f"{site}/django/test/runner.py": ("try:\n    import ipdb as pdb\nexcept ImportError:\n"
                                          "    import pdb\n"),
        # a test/ of test_*.py is the distribution's own tests: not followed
        f"{site}/django/contrib/test/test_views.py": "import tkinter\n",
        f"{site}/django/contrib/test/helpers.py": "import tkinter\n",
        f"{site}/Django-3.2.19.egg-info/PKG-INFO": "Name: Django\n",
        f"{site}/Django-3.2.19.egg-info/top_level.txt": "django\n",
        # setuptools comes with every Python image through _distutils_hack's
        # .pth: only the import package imported is followed, not setuptools/
        f"{site}/_distutils_hack/__init__.py": "import os\n",
        f"{site}/setuptools/wheel.py": "import email\n",
        f"{site}/setuptools-66.1.1.egg-info/PKG-INFO": "Name: setuptools\n",
        f"{site}/setuptools-66.1.1.egg-info/top_level.txt": "_distutils_hack\nsetuptools\n",
        "/app/web.py": "import django.http\n",
        **{f"{lib}/{module}": "" for module in ("xml/__init__.py", "xml/sax/__init__.py",
                                                "xml/sax/saxutils.py", "smtplib.py", "pdb.py",
                                                "tkinter/__init__.py", "email/__init__.py")},
    }
    for path, text in files.items():
        write(app_root, path, text)
    trace = ["/app/web.py", f"{site}/django/__init__.py", f"{site}/django/http.py",
             f"{site}/_distutils_hack/__init__.py"]
    opened = records(*(("python3", "openat", p) for p in trace))
    kept = kept_at(app_root, "unit", tmp_path, trace, opened).kept
    assert f"{site}/django/feeds.py" in kept                     # the distribution, whole
    for module in ("xml/sax/saxutils.py", "xml/__init__.py", "smtplib.py", "pdb.py"):
        assert f"{lib}/{module}" in kept, module
    assert f"{lib}/tkinter/__init__.py" not in kept
    assert f"{site}/setuptools/wheel.py" in kept and f"{lib}/email/__init__.py" not in kept


def test_a_distribution_found_by_its_record_alone(app_root: Path, tmp_path: Path):
    """packaging's and pyparsing's dist-info have a RECORD and no
    top_level.txt: `import packaging` (matplotlib's, on a chart route the
    probe never took) found no unit, and every chart failed with "No module
    named 'packaging'" on the minified image."""
    site = "/usr/lib/python3/dist-packages"
    write(app_root, f"{site}/packaging/__init__.py", "")
    write(app_root, f"{site}/packaging/version.py", "")
    write(app_root, f"{site}/packaging-23.0.dist-info/METADATA", "Name: packaging\n")
    write(app_root, f"{site}/packaging-23.0.dist-info/RECORD",
          "packaging/__init__.py,,\npackaging/version.py,,\npackaging-23.0.dist-info/METADATA,,\n")
    write(app_root, "/app/web.py", "def chart():\n    import packaging.version\n")
    trace = ["/app/web.py"]
    kept = kept_at(app_root, "unit", tmp_path, trace, records(("python3", "openat", "/app/web.py"))).kept
    assert f"{site}/packaging/version.py" in kept and f"{site}/packaging/__init__.py" in kept


def test_a_packages_distribution_outside_the_sites_makes_its_directory_one(app_root: Path, tmp_path: Path):
    """Debian's mkdocs puts /usr/share/mkdocs/themes on sys.path, where the
    theme packages install their import packages and descriptions: a theme
    was kept file by file, as read, and building with one the probe did not
    use failed (exit 1), unsaid. Its directory is a Python library
    directory: a distribution read there is kept whole as in dist-packages.
    Not an application's tree, which no package owns (kept whole as it is),
    nor a package's vendored distributions inside a library directory."""
    themes, site = "/usr/share/mkdocs/themes", "/usr/lib/python3/dist-packages"
    files = {f"{themes}/nature/__init__.py": "", f"{themes}/nature/base.html": "<html>",
             f"{themes}/nature/static/basic.css": "body {}",
             f"{themes}/mkdocs_nature-0.4.egg-info/PKG-INFO": "Name: mkdocs-nature\n",
             f"{themes}/mkdocs_nature-0.4.egg-info/entry_points.txt": "[mkdocs.themes]\nnature = nature\n",
             f"{themes}/mkdocs_nature-0.4.egg-info/top_level.txt": "nature\n"}
    for path, text in files.items():
        write(app_root, path, text)
    dpkg(app_root, "mkdocs-nature", *files)
    vendored = {f"{site}/tool/__init__.py": "", f"{site}/tool/_vendor/six.py": "",
                f"{site}/tool/_vendor/six-1.16.dist-info/METADATA": "Name: six\n"}
    for path, text in vendored.items():
        write(app_root, path, text)
    dpkg(app_root, "python3-tool", *vendored)
    write(app_root, "/app/lib/mine.egg-info/PKG-INFO", "Name: mine\n")
    write(app_root, "/app/lib/mine/__init__.py", "")
    su = source(app_root)
    assert themes in su.python_sites and f"{site}/tool/_vendor" not in su.python_sites
    assert "/app/lib" not in su.python_sites
    nature = su.units[f"python:{themes}/mkdocs_nature-0.4.egg-info"]
    assert f"{themes}/nature/static/basic.css" in nature.members
    trace = [f"{themes}/mkdocs_nature-0.4.egg-info/entry_points.txt", f"{themes}/nature/__init__.py"]
    kept = kept_at(app_root, "unit", tmp_path, trace,
                   records(*(("mkdocs", "openat", p) for p in trace))).kept
    assert f"{themes}/nature/base.html" in kept and f"{themes}/nature/static/basic.css" in kept


def test_a_directory_a_python_program_puts_on_sys_path_is_a_library_directory(app_root: Path,
                                                                            tmp_path: Path):
    """LilyPond's convert-ly, musicxml2ly and five more scripts put
    /usr/share/lilypond/2.24.1/python on sys.path by literals and import
    their modules from it: kept with lilypond, which ran, they failed with
    "No module named 'lilylib'". That directory is a Python library
    directory, and what the kept scripts import from it comes, with what
    that imports. And lilypond-data, whose only program is dh_python's
    hook (rtupdate), is data that lilypond depends on: its bundled
    includes (\\include "english.ly") had been kept as read, "cannot find
    file", exit 1. Not a directory a program names by a variable, nor
    one no package owns."""
    share, lib = "/usr/share/tool/1.0", "/usr/lib/python3.11"
    write(app_root, "/usr/bin/tool", "#!/bin/sh\n", 0o755)
    write(app_root, "/usr/bin/python3", "#!/bin/sh\n", 0o755)
    write(app_root, "/usr/bin/tool-convert",
          "#!/usr/bin/python3\nimport os, sys\n"
          f"sys.path.insert (0, os.path.join ('{share}', 'python'))\n"
          "sys.path.insert(0, os.path.join(datadir, 'other'))\nsys.path.append('/srv/own')\n"
          "import toollib\ndef read():\n    import json\n", 0o755)
    # (not dh_python's helpers, which py3compile puts on sys.path for maintainer scripts)
    write(app_root, "/usr/bin/py3compile", "#!/usr/bin/python3\nsys.path.insert(1, '/usr/share/python3')\n",
          0o755)
    write(app_root, "/usr/share/python3/debpython/__init__.py", "")
    dpkg(app_root, "python3", "/usr/bin/python3", "/usr/bin/py3compile",
         "/usr/share/python3/debpython/__init__.py")
    write(app_root, f"{share}/python/toollib.py", "import csv\n")
    write(app_root, f"{lib}/json/__init__.py", "import re\ndef f():\n    import decimal\n")
    write(app_root, f"{lib}/decimal.py", "")
    write(app_root, f"{share}/python/unused.py", "")
    write(app_root, f"{share}/other/x.py", "")
    write(app_root, "/srv/own/y.py", "")
    write(app_root, f"{share}/ly/init.ly", "%")
    write(app_root, f"{share}/ly/english.ly", "%")
    write(app_root, "/usr/share/python3/runtime.d/tool-data.rtupdate", "#!/bin/sh\n", 0o755)
    dpkg(app_root, "tool", "/usr/bin/tool", "/usr/bin/tool-convert", depends="tool-data")
    dpkg(app_root, "tool-data", f"{share}/python/toollib.py", f"{share}/python/unused.py",
         f"{share}/other/x.py", f"{share}/ly/init.ly", f"{share}/ly/english.ly",
         "/usr/share/python3/runtime.d/tool-data.rtupdate")
    su = source(app_root)
    assert su.private_sites == frozenset({f"{share}/python"}), su.private_sites
    assert not su.is_program_package(su.units["dpkg:tool-data"])
    trace = ["/usr/bin/tool", f"{share}/ly/init.ly"]
    kept = kept_at(app_root, "unit", tmp_path, trace,
                   records(("tool", "exec", "/usr/bin/tool"), ("tool", "openat", f"{share}/ly/init.ly"))).kept
    assert "/usr/bin/tool-convert" in kept, {k: v for k, v in kept.items() if "tool" in k}
    assert f"{share}/ly/english.ly" in kept and "data that tool depends on" in kept[f"{share}/ly/english.ly"]
    assert f"{share}/python/toollib.py" in kept
    assert f"{share}/python/unused.py" in kept      # (with the package's data: imported in a function)
    assert f"imported by {share}/python/toollib.py" in kept.get(f"{lib}/csv.py", "")
    # (and what a kept script imports of the standard library on first use,
    # with what that imports at its top: musicxml2ly's xml.dom; not what
    # that imports on first use in turn, asyncio's to test's)
    assert "imported on first use by /usr/bin/tool-convert" in kept.get(f"{lib}/json/__init__.py", "")
    assert f"{lib}/decimal.py" not in kept


def test_an_application_program_in_python_without_a_suffix_is_read_for_imports(app_root: Path,
                                                                              tmp_path: Path):
    """/app/bin/server, #!/usr/bin/python3 and no .py: its imports in
    handlers the probes never took (smtplib here) were not read, only the
    programs it runs; a .py module beside it was. An executable that is no
    Python (#!/bin/sh) is not read as Python."""
    lib = "/usr/lib/python3.11"
    write(app_root, "/app/bin/server", "#!/usr/bin/python3\ndef mail():\n    import smtplib\n", mode=0o755)
    write(app_root, f"{lib}/smtplib.py", "")
    write(app_root, "/app/bin/helper", "#!/bin/sh\n# import tkinter\n", mode=0o755)
    write(app_root, f"{lib}/tkinter/__init__.py", "")
    trace = ["/app/bin/server"]
    kept = kept_at(app_root, "unit", tmp_path, trace, records(("python3", "openat", "/app/bin/server"))).kept
    assert f"{lib}/smtplib.py" in kept and "imported by /app/bin/server" in kept[f"{lib}/smtplib.py"]
    assert f"{lib}/tkinter/__init__.py" not in kept
    # nor Python by another name: Twisted's resource scripts (a .rpy that
    # imported sqlite3 was a 500 on the minified image), mod_wsgi's scripts
    for name, module in (("stats.rpy", "sqlite3"), ("app.wsgi", "csv"), ("page.epy", "json")):
        write(app_root, f"/app/www/{name}", f"def render(request):\n    import {module}\n")
        write(app_root, f"{lib}/{module}/__init__.py", "")
    kept = kept_at(app_root, "unit", tmp_path, trace, records(("python3", "openat", "/app/bin/server"))).kept
    for name, module in (("stats.rpy", "sqlite3"), ("app.wsgi", "csv"), ("page.epy", "json")):
        assert f"imported by /app/www/{name}" in kept.get(f"{lib}/{module}/__init__.py", ""), name


def test_a_python_library_brings_what_its_distro_package_depends_on(app_root: Path, tmp_path: Path):
    """matplotlib, imported on a chart route the probe never took: Debian's
    egg-info declares no Requires-Dist, and the charts failed for its
    kiwisolver (imported by name in a loop) and for python-matplotlib-data's
    matplotlibrc. The distro package's own Depends say what it needs: its
    data packages and the libraries in them; not the Depends of those
    (python3-fonttools' scipy and sympy, 94 MB)."""
    site = "/usr/lib/python3/dist-packages"
    files = {
        f"{site}/matplotlib/__init__.py": "import importlib\nfor m in ['kiwisolver']:\n"
                                          "    importlib.import_module(m)\n",
        f"{site}/matplotlib-3.6.3.egg-info/PKG-INFO": "Name: matplotlib\n",
        f"{site}/matplotlib-3.6.3.egg-info/top_level.txt": "matplotlib\n",
        f"{site}/kiwisolver/__init__.py": "",
        f"{site}/kiwisolver-1.4.4.dist-info/METADATA": "Name: kiwisolver\n",
        f"{site}/kiwisolver-1.4.4.dist-info/top_level.txt": "kiwisolver\n",
        f"{site}/fontTools/__init__.py": "",
        f"{site}/fonttools-4.38.0.egg-info/PKG-INFO": "Name: fonttools\n",
        f"{site}/fonttools-4.38.0.egg-info/top_level.txt": "fontTools\n",
        f"{site}/sympy/__init__.py": "",
        f"{site}/sympy-1.11.1.egg-info/PKG-INFO": "Name: sympy\n",
        f"{site}/sympy-1.11.1.egg-info/top_level.txt": "sympy\n",
        "/usr/share/matplotlib/mpl-data/matplotlibrc": "backend: Agg\n",
        "/usr/share/unicode/UnicodeData.txt": "0041;A\n",
        "/app/web.py": "def chart():\n    import matplotlib\n",
    }
    for path, text in files.items():
        write(app_root, path, text)
    dpkg(app_root, "python3-matplotlib", f"{site}/matplotlib/__init__.py",
         f"{site}/matplotlib-3.6.3.egg-info/PKG-INFO", f"{site}/matplotlib-3.6.3.egg-info/top_level.txt",
         depends="python3-kiwisolver, python-matplotlib-data (>= 3.6.3), python3-fonttools")
    # (its commands: one whose interpreter and imports are kept comes; not
    # one that would bring more: OCRmyPDF's python3-pdfminer, kept as a
    # dependency, lost `pdf2txt`, 9.8 kB)
    write(app_root, "/usr/bin/python3.11", "\x7fELF", 0o755)
    link(app_root, "/usr/bin/python3", "python3.11")
    dpkg(app_root, "python3.11-minimal", "/usr/bin/python3.11")
    write(app_root, "/usr/bin/kiwi-cli", "#!/usr/bin/python3\nimport sys\nimport kiwisolver\n", 0o755)
    write(app_root, "/usr/bin/kiwi-env", "#!/usr/bin/env python3\nfrom kiwisolver import x\n", 0o755)
    write(app_root, "/usr/bin/kiwi-heavy", "#!/usr/bin/python3\nimport kiwisolver\nimport sympy\n", 0o755)
    dpkg(app_root, "python3-kiwisolver", *(p for p in files if "kiwisolver" in p), "/usr/bin/kiwi-cli",
         "/usr/bin/kiwi-env", "/usr/bin/kiwi-heavy")
    dpkg(app_root, "python-matplotlib-data", "/usr/share/matplotlib/mpl-data/matplotlibrc")
    dpkg(app_root, "python3-fonttools", *(p for p in files if "fontTools" in p or "fonttools" in p),
         depends="python3-sympy, unicode-data")
    dpkg(app_root, "python3-sympy", *(p for p in files if "sympy" in p))
    dpkg(app_root, "unicode-data", "/usr/share/unicode/UnicodeData.txt")
    trace = ["/usr/bin/python3", "/app/web.py"]
    events = records(("python3", "exec", "/usr/bin/python3"), ("python3", "openat", "/app/web.py"))
    kept = kept_at(app_root, "unit", tmp_path, trace, events).kept
    assert f"{site}/matplotlib/__init__.py" in kept
    assert f"{site}/kiwisolver/__init__.py" in kept and f"{site}/fontTools/__init__.py" in kept
    assert "/usr/share/matplotlib/mpl-data/matplotlibrc" in kept
    assert f"{site}/sympy/__init__.py" not in kept and "/usr/share/unicode/UnicodeData.txt" not in kept
    assert "whose library" in kept["/usr/bin/kiwi-cli"] and "/usr/bin/kiwi-env" in kept
    assert "/usr/bin/kiwi-heavy" not in kept


def test_a_python_package_with_no_distribution_brings_what_its_distro_package_depends_on(
        app_root: Path, tmp_path: Path):
    """python3-samba, built with waf, ships no distribution: samba-tool,
    kept beside smbd, lost talloc (which a C library of python3-samba
    imports by name) and tdb: "No module named 'talloc'" on every command.
    Its import package stands for it; not the Depends of what it depends on."""
    site = "/usr/lib/python3/dist-packages"
    files = {
        f"{site}/samba/__init__.py": "from samba import param\n",
        f"{site}/samba/param.so": "\x7fELF",
        f"{site}/talloc.cpython-311-x86_64-linux-gnu.so": "\x7fELF",
        f"{site}/tdb/__init__.py": "",
        f"{site}/heavy/__init__.py": "",
        "/app/web.py": "def admin():\n    import samba\n",
    }
    for path, text in files.items():
        write(app_root, path, text)
    dpkg(app_root, "python3-samba", f"{site}/samba/__init__.py", f"{site}/samba/param.so",
         depends="python3-talloc, python3-tdb (>= 1.4)")
    dpkg(app_root, "python3-talloc", f"{site}/talloc.cpython-311-x86_64-linux-gnu.so")
    dpkg(app_root, "python3-tdb", f"{site}/tdb/__init__.py", depends="python3-heavy")
    dpkg(app_root, "python3-heavy", f"{site}/heavy/__init__.py")
    events = records(("python3", "openat", "/app/web.py"))
    kept = kept_at(app_root, "unit", tmp_path, ["/app/web.py"], events).kept
    assert f"{site}/samba/param.so" in kept
    assert f"{site}/talloc.cpython-311-x86_64-linux-gnu.so" in kept and f"{site}/tdb/__init__.py" in kept
    assert "python3-samba depends on" in kept[f"{site}/tdb/__init__.py"]
    assert f"{site}/heavy/__init__.py" not in kept


@pytest.mark.parametrize("level", ["unit", "package"])
def test_a_package_some_of_whose_files_a_rule_kept_still_comes_whole(app_root: Path, tmp_path: Path,
                                                                     level: str):
    """matplotlib lists mpl-data/stylelib when it loads: that directory's
    files were kept and its package marked used, and the rule that keeps
    the package whole (the data matplotlib depends on) then did nothing:
    DejaVuSerifDisplay.ttf was gone, and mathtext's dejavuserif fell back
    to another font, status 200, at either level."""
    site, data = "/usr/lib/python3/dist-packages", "/usr/share/matplotlib/mpl-data"
    write(app_root, f"{site}/matplotlib/__init__.py", "")
    write(app_root, f"{site}/matplotlib-3.6.3.egg-info/top_level.txt", "matplotlib\n")
    write(app_root, f"{data}/stylelib/ggplot.mplstyle", "axes.grid: True\n")
    write(app_root, f"{data}/fonts/ttf/DejaVuSerifDisplay.ttf", "font")
    write(app_root, "/app/web.py", "import matplotlib\n")
    dpkg(app_root, "python3-matplotlib", f"{site}/matplotlib/__init__.py",
         f"{site}/matplotlib-3.6.3.egg-info/top_level.txt", depends="python-matplotlib-data")
    dpkg(app_root, "python-matplotlib-data", f"{data}/stylelib/ggplot.mplstyle",
         f"{data}/fonts/ttf/DejaVuSerifDisplay.ttf")
    trace = ["/app/web.py", f"{site}/matplotlib/__init__.py", f"{data}/stylelib"]
    events = records(("python3", "openat", "/app/web.py"),
                     ("python3", "openat", f"{site}/matplotlib/__init__.py"),
                     ("python3", "openat", f"{data}/stylelib"))
    kept = kept_at(app_root, level, tmp_path, trace, events).kept
    assert f"{data}/stylelib/ggplot.mplstyle" in kept
    assert f"{data}/fonts/ttf/DejaVuSerifDisplay.ttf" in kept


@pytest.mark.parametrize("used", ["/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
                                  "/usr/lib/x86_64-linux-gnu/libfontconfig.so.1"])
def test_once_fonts_are_in_use_every_font_and_fontconfigs_setup_come(app_root: Path, tmp_path: Path,
                                                                    used: str):
    """Fonts are picked when text is drawn, by family and by the text's
    language: fontconfig chose IPAGothic for Japanese text, which the
    probes never drew, and on the minified image pdftoppm drew it in a
    fallback font, status 200 (the face reached through update-alternatives'
    links too); matplotlib's seaborn style lost Liberation Sans."""
    fonts = "/usr/share/fonts"
    write(app_root, f"{fonts}/truetype/dejavu/DejaVuSans.ttf", "dejavu")
    dpkg(app_root, "fonts-dejavu-core", f"{fonts}/truetype/dejavu/DejaVuSans.ttf")
    ipag = f"{fonts}/opentype/ipafont-gothic/ipag.ttf"
    alternative = "/etc/alternatives/fonts-japanese-gothic.ttf"
    write(app_root, ipag, "ipa")
    dpkg(app_root, "fonts-ipafont-gothic", ipag)
    link(app_root, alternative, ipag)
    link(app_root, f"{fonts}/truetype/fonts-japanese-gothic.ttf", alternative)
    write(app_root, "/etc/fonts/fonts.conf", "<fontconfig/>")
    write(app_root, "/usr/share/fontconfig/conf.avail/10-hinting-slight.conf", "<fontconfig/>")
    dpkg(app_root, "fontconfig-config", "/etc/fonts/fonts.conf",
         "/usr/share/fontconfig/conf.avail/10-hinting-slight.conf")
    link(app_root, "/etc/fonts/conf.d/10-hinting-slight.conf", "../../../usr/share/fontconfig/conf.avail/"
                                                                "10-hinting-slight.conf")
    write(app_root, "/var/cache/fontconfig/0123-le64.cache-7", "cache")
    write(app_root, "/usr/lib/x86_64-linux-gnu/libfontconfig.so.1", "not ELF")
    dpkg(app_root, "libfontconfig1", "/usr/lib/x86_64-linux-gnu/libfontconfig.so.1")
    everything = ["/etc/fonts/fonts.conf", ipag, f"{fonts}/truetype/fonts-japanese-gothic.ttf", alternative,
                  "/etc/fonts/conf.d/10-hinting-slight.conf",
                  "/usr/share/fontconfig/conf.avail/10-hinting-slight.conf",
                  "/var/cache/fontconfig/0123-le64.cache-7"]
    kept = kept_at(app_root, "unit", tmp_path, ["/app/web.py", used], records(("app", "openat", used))).kept
    for path in everything:
        assert path in kept, path
    assert "fonts are picked" in kept[f"{fonts}/opentype/ipafont-gothic/ipag.ttf"]
    # no font in use: none comes
    nothing = records(("app", "openat", "/app/web.py"))
    kept = kept_at(app_root, "unit", tmp_path, ["/app/web.py"], nothing).kept
    assert not any(path in kept for path in everything)


def test_the_commands_of_a_kept_packages_shell_scripts_come(app_root: Path, tmp_path: Path):
    """git ran and was kept whole, its subcommands that are shell scripts
    too, and nothing they run: `git submodule` said "basename: not found",
    the sample pre-commit hook a user enabled let through the commit it
    rejects (`tr` and `wc` missing, exit 0), and with gettext.sh missing
    (read in by git-sh-i18n, which git-sh-setup reads in) every message
    was English under LANG=de_DE.UTF-8."""
    core = "/usr/lib/git-core"
    files = {
        "/usr/bin/git": ("#!/bin/sh\n", 0o755),
        f"{core}/git-submodule": ("#!/bin/sh\n. git-sh-setup\ncmd_$(echo $1 | sed -e s/-/_/g)\n", 0o755),
        f"{core}/git-sh-setup": ('. "$(git --exec-path)/git-sh-i18n"\nd=$(basename -- "$0")\n', 0o644),
        f"{core}/git-sh-i18n": ("if type gettext.sh >/dev/null 2>&1; then\n\t. gettext.sh\nfi\n", 0o644),
        "/usr/share/git-core/templates/hooks/pre-commit.sample":
            ("#!/bin/sh\nif test $(git diff | tr -d x | wc -c) != 0\nthen exit 1\nfi\n", 0o755),
    }
    for path, (text, mode) in files.items():
        write(app_root, path, text, mode)
    dpkg(app_root, "git", *files)
    for package, programs in (("sed", ["sed"]), ("coreutils-more", ["basename", "tr", "dd"]),
                              ("gettext-base", ["gettext.sh", "gettext", "envsubst"])):
        for program in programs:
            write(app_root, f"/usr/bin/{program}", "#!/bin/sh\n", 0o755)
        dpkg(app_root, package, *(f"/usr/bin/{p}" for p in programs))
    write(app_root, "/usr/bin/gettext.sh", "eval_gettext () {\n  gettext \"$1\" | envsubst\n}\n", 0o755)
    trace = ["/usr/bin/git"]
    kept = kept_at(app_root, "unit", tmp_path, trace, records(("git", "exec", "/usr/bin/git"))).kept
    for program in ("sed", "basename", "tr", "wc", "gettext.sh", "gettext", "envsubst"):
        assert f"/usr/bin/{program}" in kept, program
    assert "git-sh-setup" in kept["/usr/bin/basename"]
    # each program alone, not its package: a kept package's scripts are
    # commands a user of the image may run, not the application's own
    # (PostgreSQL's brought dpkg whole, and what dpkg's scripts run, 17 MB)
    assert "/usr/bin/dd" not in kept


def test_translations_of_the_languages_the_image_is_set_up_for(app_root: Path, tmp_path: Path):
    """git under LANG=de_DE.UTF-8, a locale generated in the image (in
    glibc's archive) but never used by the probes: git.mo was dropped, and
    every message came out English, exit status unchanged."""
    de = "/usr/share/locale/de/LC_MESSAGES/coreutils.mo"
    assert de not in kept_at(app_root, "unit", tmp_path).kept       # (the fixture: no language set up)
    write(app_root, "/usr/lib/locale/locale-archive", archive("de_DE.utf8"))
    kept = kept_at(app_root, "unit", tmp_path).kept
    assert de in kept and "/usr/share/doc/coreutils/changelog" not in kept
    (app_root / "usr/lib/locale/locale-archive").unlink()
    (app_root / "usr/lib/locale/de_DE.utf8").mkdir()          # a locale of its own directory
    assert de in kept_at(app_root, "unit", tmp_path).kept
    (app_root / "usr/lib/locale/de_DE.utf8").rmdir()
    src = Source(RootFS(app_root), "test", {"PATH": "/usr/bin:/bin", "LANG": "de_DE.UTF-8"})
    report = pack.pack_files(src, TRACE, str(tmp_path / "env.tar"), resolve.Rules(), granularity="unit",
                             events=EVENTS)
    assert de in report.kept                                    # the image's environment names it


def test_configuration_a_kept_packages_installation_wrote_in_etc(app_root: Path, tmp_path: Path):
    """libpaper1's postinst writes /etc/papersize, which no package owns:
    without it libpaper (loaded by libgs) says US Letter, and Ghostscript's
    PostScript came out on Letter instead of A4, exit 0. A package that is
    not kept brings nothing its scripts name."""
    lib = "/usr/lib/x86_64-linux-gnu/libpaper.so.1"
    write(app_root, lib, "library")
    dpkg(app_root, "libpaper1", lib)
    write(app_root, "/var/lib/dpkg/info/libpaper1:amd64.postinst",
          "#!/bin/sh\nset -e\n[ -e /etc/papersize ] || echo a4 > /etc/papersize\n", 0o755)
    write(app_root, "/etc/papersize", "a4\n")
    write(app_root, "/usr/bin/unused", "#!/bin/sh\n", 0o755)
    dpkg(app_root, "unused", "/usr/bin/unused")
    write(app_root, "/var/lib/dpkg/info/unused.config", "#!/bin/sh\necho x > /etc/unused.conf\n", 0o755)
    write(app_root, "/etc/unused.conf", "x\n")
    kept = kept_at(app_root, "unit", tmp_path, [lib], records(("gs", "openat", lib))).kept
    assert "/etc/papersize" in kept and "libpaper1:amd64.postinst" in kept["/etc/papersize"]
    assert "/etc/unused.conf" not in kept


def test_state_a_kept_packages_installation_generated_under_var_lib(app_root: Path, tmp_path: Path):
    """update-gsfontmap writes Ghostscript's cidfmap into
    /var/lib/ghostscript/fonts, a directory of the package on its font
    path: without it Japanese PostScript was drawn in Courier, exit 0."""
    gs = "/usr/bin/gs"
    write(app_root, gs, "#!/bin/sh\n", 0o755)
    write(app_root, "/var/lib/ghostscript/fonts/README", "generated here\n")
    dpkg(app_root, "ghostscript", gs, "/var/lib/ghostscript/fonts/README")
    write(app_root, "/var/lib/ghostscript/fonts/cidfmap", "/IPAGothic << /Path (/x.ttf) >>\n")
    kept = kept_at(app_root, "unit", tmp_path, [gs], records(("gs", "exec", gs))).kept
    assert "/var/lib/ghostscript/fonts/cidfmap" in kept
    # not the package manager's own state, were dpkg kept (4 MB of
    # /var/lib/dpkg/info came with it)
    write(app_root, "/usr/bin/dpkg", "#!/bin/sh\n", 0o755)
    write(app_root, "/var/lib/dpkg/info/format", "1\n")
    dpkg(app_root, "dpkg", "/usr/bin/dpkg", "/var/lib/dpkg/info/format")
    ran = records(("dpkg", "exec", "/usr/bin/dpkg"))
    kept = kept_at(app_root, "unit", tmp_path, ["/usr/bin/dpkg"], ran).kept
    assert "/usr/bin/dpkg" in kept and "/var/lib/dpkg/info/ghostscript:amd64.list" not in kept


def test_small_trees_of_state_a_kept_package_made_under_var_lib(app_root: Path, tmp_path: Path):
    """a2enmod marks which modules the admin enabled with empty files in
    /var/lib/apache2/module/enabled_by_admin/, directories no package owns:
    without them `a2query -m` said "enabled by unknown" of every module.
    A small tree comes whole; a large one is data, not state."""
    apache = "/usr/sbin/apache2"
    write(app_root, apache, "#!/bin/sh\n", 0o755)
    write(app_root, "/var/lib/apache2/README", "x")
    dpkg(app_root, "apache2", apache, "/var/lib/apache2/README")
    write(app_root, "/var/lib/apache2/module/enabled_by_admin/rewrite", "")
    write(app_root, "/var/lib/apache2/module/enabled_by_maint/mime", "")
    (app_root / "var/lib/apache2/site/disabled_by_admin").mkdir(parents=True)
    for i in range(300):
        write(app_root, f"/var/lib/apache2/cache/{i:03}", "c")
    kept = kept_at(app_root, "unit", tmp_path, [apache], records(("apache2", "exec", apache))).kept
    for path in ("/var/lib/apache2/module/enabled_by_admin/rewrite",
                 "/var/lib/apache2/module/enabled_by_maint/mime", "/var/lib/apache2/site/disabled_by_admin"):
        assert path in kept, path
    assert "/var/lib/apache2/cache/000" not in kept


def test_the_standard_library_a_dependency_kept_whole_imports(app_root: Path, tmp_path: Path):
    """matplotlib's PDF backend, never imported by the probes, imports
    fontTools, kept whole as a dependency of matplotlib's package; what
    fontTools imports at its top level had not come (xml), and every PDF,
    PS and EPS chart failed, 500."""
    site, lib = "/usr/lib/python3/dist-packages", "/usr/lib/python3.11"
    files = {
        f"{site}/matplotlib/__init__.py": "",
        f"{site}/matplotlib/backends/backend_pdf.py": "from fontTools import subset\n",
        f"{site}/matplotlib-3.6.3.egg-info/top_level.txt": "matplotlib\n",
        f"{site}/fontTools/__init__.py": "",
        f"{site}/fontTools/subset/__init__.py": "from xml.etree import ElementTree\n",
        f"{site}/fonttools-4.38.0.egg-info/top_level.txt": "fontTools\n",
    }
    for path, text in files.items():
        write(app_root, path, text)
    write(app_root, f"{lib}/xml/__init__.py", "")
    write(app_root, f"{lib}/xml/etree/__init__.py", "")
    write(app_root, f"{lib}/xml/etree/ElementTree.py", "")
    dpkg(app_root, "python3-matplotlib", *(p for p in files if "atplotlib" in p), depends="python3-fonttools")
    dpkg(app_root, "python3-fonttools", *(p for p in files if "ont" in p))
    trace = ["/app/web.py", f"{site}/matplotlib/__init__.py"]
    events = records(("python3", "openat", "/app/web.py"),
                     ("python3", "openat", f"{site}/matplotlib/__init__.py"))
    kept = kept_at(app_root, "unit", tmp_path, trace, events).kept
    assert f"{site}/fontTools/subset/__init__.py" in kept
    assert f"{lib}/xml/etree/ElementTree.py" in kept


def test_what_a_program_the_application_names_runs_in_any_language(app_root: Path, tmp_path: Path):
    """gitweb.cgi, a Perl CGI the application runs by its path, pipes `git
    archive` into the compressor its snapshot formats name: with no gzip,
    a tgz snapshot was an empty body, status 200."""
    cgi = "/usr/share/gitweb/gitweb.cgi"
    write(app_root, cgi, "#!/usr/bin/perl\nmy %formats = (tgz => {'compressor' => ['gzip', '-n']});\n", 0o755)
    dpkg(app_root, "gitweb", cgi)
    write(app_root, "/usr/bin/perl", "#!/bin/sh\n", 0o755)
    dpkg(app_root, "perl-base", "/usr/bin/perl")
    write(app_root, "/usr/bin/gzip", "#!/bin/sh\n", 0o755)
    dpkg(app_root, "gzip", "/usr/bin/gzip")
    write(app_root, "/app/web.py", f"import subprocess\nsubprocess.run(['{cgi}'])\n")
    events = records(("app", "openat", "/app/web.py"))
    kept = kept_at(app_root, "unit", tmp_path, ["/app/web.py"], events).kept
    assert cgi in kept
    assert "/usr/bin/gzip" in kept and cgi in kept["/usr/bin/gzip"]


def test_a_command_a_setting_in_configuration_read_names(app_root: Path, tmp_path: Path):
    """git read /etc/gitconfig, whose `[tar "tar.xz"] command = xz -c` it
    runs for `git archive --format=tar.xz`: with no xz, 500. A value that
    is no program on PATH, or a setting named otherwise, keeps nothing."""
    write(app_root, "/usr/bin/git", "#!/bin/sh\n", 0o755)
    dpkg(app_root, "git", "/usr/bin/git")
    for program in ("xz", "less", "bzip2"):
        write(app_root, f"/usr/bin/{program}", "#!/bin/sh\n", 0o755)
        dpkg(app_root, program, f"/usr/bin/{program}")
    write(app_root, "/etc/gitconfig", '[tar "tar.xz"]\n\tcommand = xz -c\n[core]\n\tpager = "less -R"\n'
                                      '\teditor = vi-not-here\n[alias]\n\tzip = bzip2\n')
    trace = ["/usr/bin/git", "/etc/gitconfig"]
    events = records(("git", "exec", "/usr/bin/git"), ("git", "openat", "/etc/gitconfig"))
    kept = kept_at(app_root, "unit", tmp_path, trace, events).kept
    assert "/usr/bin/xz" in kept and "/etc/gitconfig" in kept["/usr/bin/xz"]
    assert "/usr/bin/less" in kept
    assert "/usr/bin/bzip2" not in kept
    # a job's command after its schedule: uwsgi's cron deleted no upload on
    # the minified image ("find: not found", logged as if it ran); a
    # switch's yes is no command
    for program in ("find", "yes"):
        write(app_root, f"/usr/bin/{program}", "#!/bin/sh\n", 0o755)
        dpkg(app_root, program, f"/usr/bin/{program}")
    write(app_root, "/etc/uwsgi/app.ini",
          "[uwsgi]\ncron = -1 -1 -1 -1 -1 find /srv/uploads -mtime +1 -delete\ndaemon = yes\n")
    trace = ["/usr/bin/git", "/etc/uwsgi/app.ini"]
    events = records(("git", "exec", "/usr/bin/git"), ("uwsgi", "openat", "/etc/uwsgi/app.ini"))
    kept = kept_at(app_root, "unit", tmp_path, trace, events).kept
    assert "/usr/bin/find" in kept and "/usr/bin/yes" not in kept


def test_a_process_managers_programs_are_commands(app_root: Path, tmp_path: Path):
    """supervisord's programs started later (autostart=false): a setting's
    whole value is a command line, through wrappers and `sh -c` (`find ...
    | xargs gzip; logger` lost all three), in a file of settings outside
    /etc too (supervisord's [include] of the application's
    /srv/app/supervisor/extra.conf); and a program the application's
    script names by its path in an argument (a runit service's `socat ...
    EXEC:/usr/bin/rev`)."""
    for program in ("find", "xargs", "gzip", "logger", "ionice", "supervisord", "socat", "rev", "nice",
                    "unrelated"):
        write(app_root, f"/usr/bin/{program}", "#!/bin/sh\n", 0o755)
        dpkg(app_root, program, f"/usr/bin/{program}")
    write(app_root, "/etc/supervisor/supervisord.conf",
          '[program:sweep]\ncommand=/bin/sh -c "find /srv/x -mtime +1 | xargs gzip; logger swept"\n'
          'autostart=false\n[include]\nfiles = /srv/app/supervisor/*.conf\n')
    write(app_root, "/srv/app/supervisor/extra.conf", "[program:low]\ncommand=nice -n 10 ionice -c3 true\n")
    write(app_root, "/srv/app/notes.txt", "command = unrelated\n")      # no file of settings
    write(app_root, "/etc/service/rev/run", "#!/bin/sh\nexec socat TCP-LISTEN:1 EXEC:/usr/bin/rev\n", 0o755)
    trace = ["/usr/bin/supervisord", "/etc/supervisor/supervisord.conf", "/srv/app/supervisor/extra.conf",
             "/srv/app/notes.txt", "/etc/service/rev/run"]
    events = records(("supervisord", "exec", "/usr/bin/supervisord"),
                     *(("supervisord", "openat", p) for p in trace[1:4]),
                     ("sh", "exec", "/etc/service/rev/run"))
    kept = kept_at(app_root, "unit", tmp_path, trace, events).kept
    for program in ("find", "xargs", "gzip", "logger"):
        assert f"/usr/bin/{program}" in kept and "supervisord.conf" in kept[f"/usr/bin/{program}"], program
    assert "/usr/bin/ionice" in kept and "extra.conf" in kept["/usr/bin/ionice"]
    assert "/usr/bin/rev" in kept and "/etc/service/rev/run" in kept["/usr/bin/rev"]
    assert "/usr/bin/unrelated" not in kept


def test_the_packages_of_a_suite_that_share_a_private_directory_of_programs(app_root: Path, tmp_path: Path):
    """cupsd ran cups-exec from /usr/lib/cups/daemon; `lpinfo -m` then
    needed cups-driverd there, of the cups package, built from the same
    source ("failed to execute"). Its packages that put files in that
    directory come whole; not another source's, nor for a program of a
    directory on PATH."""
    daemon = "/usr/lib/cups/daemon"
    for path in (f"{daemon}/cups-exec", f"{daemon}/cups-driverd", f"{daemon}/other-helper",
                 "/usr/lib/cups/cgi-bin/printers.cgi", "/usr/bin/lp", "/usr/bin/lpadmin"):
        write(app_root, path, "#!/bin/sh\n", 0o755)
    write(app_root, "/var/lib/dpkg/status", "".join(
        f"Package: {p}\nStatus: install ok installed\nSource: {src}\n\n"
        for p, src in (("cups-daemon", "cups"), ("cups", "cups"), ("cups-client", "cups"),
                       ("other", "other"))))
    dpkg(app_root, "cups-daemon", f"{daemon}/cups-exec")
    dpkg(app_root, "cups", f"{daemon}/cups-driverd", "/usr/lib/cups/cgi-bin/printers.cgi")
    dpkg(app_root, "other", f"{daemon}/other-helper")
    dpkg(app_root, "cups-client", "/usr/bin/lp")
    dpkg(app_root, "cups-admin", "/usr/bin/lpadmin")
    trace = [f"{daemon}/cups-exec", "/usr/bin/lp"]
    events = records(("cupsd", "exec", trace[0]), ("lp", "exec", trace[1]))
    kept = kept_at(app_root, "unit", tmp_path, trace, events).kept
    assert f"{daemon}/cups-driverd" in kept and "/usr/lib/cups/cgi-bin/printers.cgi" in kept
    assert "built from the same source" in kept[f"{daemon}/cups-driverd"]
    assert f"{daemon}/other-helper" not in kept and "/usr/bin/lpadmin" not in kept
    # a program that ran on PATH, whose package has a program in such a directory: smbd
    # spawns samba-dcerpcd, samba-common-bin's, beside samba's samba-bgqd
    helpers = "/usr/libexec/samba"
    for path in ("/usr/sbin/smbd", f"{helpers}/samba-bgqd", f"{helpers}/samba-dcerpcd",
                 f"{helpers}/rpcd_lsad", f"{helpers}/foreign"):
        write(app_root, path, "#!/bin/sh\n", 0o755)
    dpkg(app_root, "samba", "/usr/sbin/smbd", f"{helpers}/samba-bgqd", source="samba")
    dpkg(app_root, "samba-common-bin", f"{helpers}/samba-dcerpcd", f"{helpers}/rpcd_lsad", source="samba")
    dpkg(app_root, "samba-foreign", f"{helpers}/foreign", source="foreign")
    kept = kept_at(app_root, "unit", tmp_path, ["/usr/sbin/smbd"],
                   records(("smbd", "exec", "/usr/sbin/smbd"))).kept
    assert f"{helpers}/samba-dcerpcd" in kept and f"{helpers}/rpcd_lsad" in kept
    assert "or a program of its package, built from the same source" in kept[f"{helpers}/rpcd_lsad"]
    assert f"{helpers}/foreign" not in kept
    # a directory of data is none of programs (postgresql-common's, where every client command's
    # pg_wrapper sits: all its maintenance scripts came, and apt for one)
    write(app_root, "/usr/share/cups/wrapper", "#!/bin/sh\n", 0o755)
    write(app_root, "/usr/share/cups/maintain", "#!/bin/sh\n", 0o755)
    dpkg(app_root, "cups-client", "/usr/bin/lp", "/usr/share/cups/wrapper")
    dpkg(app_root, "cups-admin", "/usr/bin/lpadmin", "/usr/share/cups/maintain")
    stanza = "Package: {}\nStatus: install ok installed\nSource: cups\n\n"
    write(app_root, "/var/lib/dpkg/status", stanza.format("cups-client") + stanza.format("cups-admin"))
    (tmp_path / "share").mkdir()
    trace = ["/usr/share/cups/wrapper"]
    kept = kept_at(app_root, "unit", tmp_path / "share", trace, records(("lp", "exec", trace[0]))).kept
    assert "/usr/share/cups/maintain" not in kept
    # but a directory of /usr/share a package names as one of programs: munin's plugins,
    # core's and extra's (a plugin a user enabled next: "# Unknown service 'iostat'")
    plugins = "/usr/share/munin/plugins"
    for path in (f"{plugins}/cpu", f"{plugins}/iostat"):
        write(app_root, path, "#!/bin/sh\n", 0o755)
    dpkg(app_root, "munin-plugins-core", f"{plugins}/cpu")
    dpkg(app_root, "munin-plugins-extra", f"{plugins}/iostat")
    stanza = "Package: {}\nStatus: install ok installed\nSource: munin\n\n"
    write(app_root, "/var/lib/dpkg/status",
          stanza.format("munin-plugins-core") + stanza.format("munin-plugins-extra"))
    (tmp_path / "munin").mkdir()
    kept = kept_at(app_root, "unit", tmp_path / "munin", [f"{plugins}/cpu"],
                   records(("munin-node", "exec", f"{plugins}/cpu"))).kept
    assert f"{plugins}/iostat" in kept and "built from the same source" in kept[f"{plugins}/iostat"]


def test_a_suites_directory_brings_the_programs_of_a_source_it_recommends(app_root: Path, tmp_path: Path):
    """Icinga runs monitoring-plugins' checks from /usr/lib/nagios/plugins,
    where icinga2-bin has a program of its own; none ran before the probe
    passed, and every check failed ("execvpe ... No such file"), nothing
    said. The packages there of a source a package of its source (the
    icinga2 metapackage) depends on or recommends come; not another's."""
    plugins = "/usr/lib/nagios/plugins"
    for path in ("/usr/sbin/icinga2", f"{plugins}/check_nscp_api", f"{plugins}/check_load",
                 f"{plugins}/check_dns", f"{plugins}/check_foreign"):
        write(app_root, path, "#!/bin/sh\n", 0o755)
    write(app_root, "/usr/share/doc/icinga2/copyright", "x")
    dpkg(app_root, "icinga2-bin", "/usr/sbin/icinga2", f"{plugins}/check_nscp_api", source="icinga2")
    dpkg(app_root, "icinga2", "/usr/share/doc/icinga2/copyright", source="icinga2",
         recommends="monitoring-plugins-basic | nagios-plugins-basic")
    dpkg(app_root, "monitoring-plugins-basic", f"{plugins}/check_load", source="monitoring-plugins")
    dpkg(app_root, "monitoring-plugins-standard", f"{plugins}/check_dns", source="monitoring-plugins")
    dpkg(app_root, "foreign-plugins", f"{plugins}/check_foreign", source="foreign")
    kept = kept_at(app_root, "unit", tmp_path, ["/usr/sbin/icinga2"],
                   records(("icinga2", "exec", "/usr/sbin/icinga2"))).kept
    assert f"{plugins}/check_load" in kept and f"{plugins}/check_dns" in kept
    assert "of monitoring-plugins, which icinga2 depends on or recommends" in kept[f"{plugins}/check_dns"]
    assert f"{plugins}/check_foreign" not in kept


def test_what_a_kept_service_runs_next_comes_with_it(app_root: Path, tmp_path: Path):
    """On a minified Icinga image: its notification scripts in /etc (kept as
    its configuration) ran hostname, "command not found"; its unit's
    ExecStartPre= and ExecReload= helpers were gone; logrotate, kept as a
    companion it recommends, rotated nothing without its drop-in; its
    empty /var/spool/icinga2/perfdata was gone ("Perfdata will be lost").
    An executable script of a kept configuration directory is read for its
    commands; the programs of its source a kept service unit runs come;
    a kept logrotate's drop-ins come as if it ran; a kept package's
    directories under /var that hold no file come. Not another source's
    programs a unit runs, nor a directory where a file is."""
    for path in ("/usr/sbin/icinga2", "/usr/lib/icinga2/prepare-dirs", "/usr/lib/icinga2/safe-reload",
                 "/usr/bin/hostname", "/usr/bin/logrotate", "/usr/bin/kill"):
        write(app_root, path, "#!/bin/sh\n", 0o755)
    write(app_root, "/etc/icinga2/icinga2.conf", 'command = [ ConfigDir + "/scripts/mail.sh" ]\n'
                                                 'command = [ ConfigDir + "/scripts/tool.pl" ]\n')
    write(app_root, "/etc/icinga2/scripts/mail.sh", "#!/bin/sh\necho \"$(hostname)\" | cat\n", 0o755)
    # (one its configuration does not name: as MariaDB's debian-start, which only its unit runs)
    write(app_root, "/etc/icinga2/scripts/other.sh", "#!/bin/sh\nlogger x\n", 0o755)
    write(app_root, "/etc/icinga2/scripts/tool.pl", "#!/usr/bin/perl\n`logger x`;\n", 0o755)
    write(app_root, "/usr/bin/logger", "#!/bin/sh\n", 0o755)
    write(app_root, "/etc/logrotate.d/icinga2", "/var/log/icinga2/*.log {\n  daily\n}\n")
    write(app_root, "/usr/lib/systemd/system/icinga2.service",
          "[Service]\nExecStartPre=/usr/lib/icinga2/prepare-dirs /etc/default/icinga2\n"
          "ExecStart=/usr/sbin/icinga2 daemon\nExecReload=-/usr/lib/icinga2/safe-reload x\n"
          "ExecStopPost=/usr/bin/kill -9 $MAINPID\n")
    for d in ("/var/spool/icinga2/perfdata", "/var/spool/icinga2/tmp", "/var/log/icinga2/compat",
              "/var/cache/icinga2/api"):
        (app_root / d.lstrip("/")).mkdir(parents=True)
    write(app_root, "/var/cache/icinga2/api/state", "x")        # (a directory with a file: its own)
    (app_root / "var/lib/dpkg/updates").mkdir(parents=True)       # (the package manager's state: not)
    dpkg(app_root, "icinga2-bin", "/usr/sbin/icinga2", "/usr/lib/systemd/system/icinga2.service",
         depends="icinga2-common", recommends="logrotate", source="icinga2")
    dpkg(app_root, "bsdutils", "/usr/bin/logger", priority="required")
    dpkg(app_root, "icinga2-common", "/etc/icinga2/icinga2.conf", "/etc/icinga2/scripts/mail.sh",
         "/etc/icinga2/scripts/other.sh", "/etc/icinga2/scripts/tool.pl",
         "/etc/logrotate.d/icinga2", "/usr/lib/icinga2/prepare-dirs", "/usr/lib/icinga2/safe-reload",
         "/var/spool/icinga2/perfdata", "/var/spool/icinga2/tmp", "/var/log/icinga2/compat",
         "/var/cache/icinga2/api", source="icinga2")
    dpkg(app_root, "hostname", "/usr/bin/hostname", "/var/lib/dpkg/updates", priority="required")
    dpkg(app_root, "procps", "/usr/bin/kill", priority="required")
    # (not the script beside a configuration read of a source none of whose programs ran: PAM's)
    write(app_root, "/etc/security/namespace.conf", "# none\n")
    write(app_root, "/etc/security/namespace.init", "#!/bin/sh\ngetent passwd \"$1\"\n", 0o755)
    write(app_root, "/usr/bin/getent", "#!/bin/sh\n", 0o755)
    dpkg(app_root, "libpam-modules", "/etc/security/namespace.conf", "/etc/security/namespace.init",
         source="pam")
    dpkg(app_root, "libc-bin", "/usr/bin/getent", priority="required")
    dpkg(app_root, "logrotate", "/usr/bin/logrotate", priority="important")
    trace = ["/usr/sbin/icinga2", "/etc/icinga2/icinga2.conf", "/etc/security/namespace.conf"]
    events = records(("sh", "exec", trace[0]), *(("icinga2", "openat", p) for p in trace[1:]))
    kept = kept_at(app_root, "unit", tmp_path, trace, events).kept
    assert "/etc/icinga2/scripts/mail.sh" in kept and "/usr/bin/hostname" in kept
    assert "/etc/security/namespace.init" in kept and "/usr/bin/getent" not in kept
    assert "/etc/icinga2/scripts/other.sh" in kept and "/usr/bin/logger" not in kept
    assert "/usr/lib/icinga2/prepare-dirs" in kept and "/usr/lib/icinga2/safe-reload" in kept
    assert "service unit /usr/lib/systemd/system/icinga2.service" in kept["/usr/lib/icinga2/safe-reload"]
    assert "/usr/bin/kill" not in kept
    assert "/usr/bin/logrotate" in kept and "/etc/logrotate.d/icinga2" in kept
    for d in ("/var/spool/icinga2/perfdata", "/var/spool/icinga2/tmp", "/var/log/icinga2/compat"):
        assert d in kept and "holds no file" in kept[d], d
    assert "/var/cache/icinga2/api/state" not in kept
    assert "/var/lib/dpkg/updates" not in kept


def test_a_suites_plugins_of_another_package_come_with_what_they_load(script_root: Path, tmp_path: Path):
    """munin-plugins-extra's plugins, kept beside the core's that ran, use
    Perl modules the trace never saw (Net::Ping, Tie::File): enabled next,
    memcached_ and zimbra_ did not compile. A package of programs its suite
    runs next comes with what its scripts load, as one that ran."""
    plugins = "/usr/share/munin/plugins"
    pl = "/usr/share/perl/5.36.0"
    write(script_root, f"{plugins}/cpu", "#!/bin/sh\necho x\n", 0o755)
    write(script_root, f"{plugins}/memcached_", "#!/usr/bin/perl\nuse strict;\nuse Time::Local;\n", 0o755)
    dpkg(script_root, "munin-plugins-core", f"{plugins}/cpu", source="munin")
    dpkg(script_root, "munin-plugins-extra", f"{plugins}/memcached_", source="munin")
    write(script_root, "/usr/bin/perl", "\x7fELF", 0o755)
    write(script_root, "/usr/bin/sh", "\x7fELF", 0o755)
    dpkg(script_root, "perl-base", "/usr/bin/perl", essential=True)
    dpkg(script_root, "dash", "/usr/bin/sh", essential=True)
    kept = kept_at(script_root, "unit", tmp_path, [f"{plugins}/cpu"],
                   records(("munin-node", "exec", f"{plugins}/cpu"))).kept
    assert f"{plugins}/memcached_" in kept
    assert f"{pl}/Time/Local.pm" in kept and "loaded by" in kept[f"{pl}/Time/Local.pm"]


def test_a_kept_packages_link_to_a_directory_brings_what_packages_install_behind_it(app_root: Path,
                                                                                    tmp_path: Path):
    """ghostscript reads its ICC profiles through libgs10-common's
    iccprofiles, a link to libgs-common's /usr/share/color/icc/ghostscript,
    which came empty: "Unable to open the initial device", no PDF. The files
    packages install behind a kept package's link to a directory come; not
    the image's own there, nor documentation, nor what is behind a link to
    a system directory, nor more than FOREIGN_LIMIT."""
    gs = "/usr/share/ghostscript/10.00.0"
    icc = "/usr/share/color/icc/ghostscript"
    write(app_root, "/usr/bin/gs", "#!/bin/sh\n", 0o755)
    write(app_root, f"{gs}/Resource/Init/gs_init.ps", "%!")
    link(app_root, f"{gs}/iccprofiles", "../../color/icc/ghostscript")
    link(app_root, f"{gs}/share", "../..")              # (/usr/share: a system directory)
    link(app_root, f"{gs}/python", "/usr/lib/python3/dist-packages")     # (a language's: its units')
    write(app_root, "/usr/lib/python3/dist-packages/foo/__init__.py", "")
    write(app_root, f"{icc}/srgb.icc", b"\0" * 100)
    write(app_root, f"{icc}/README.txt", "local notes")  # (the image's own)
    write(app_root, "/usr/share/other/big.dat", "x")
    dpkg(app_root, "libgs10-common", "/usr/bin/gs", f"{gs}/Resource/Init/gs_init.ps", f"{gs}/iccprofiles",
         f"{gs}/share", f"{gs}/python")
    dpkg(app_root, "python3-foo", "/usr/lib/python3/dist-packages/foo/__init__.py")
    dpkg(app_root, "libgs-common", f"{icc}/srgb.icc")
    dpkg(app_root, "other", "/usr/share/other/big.dat")
    trace = ["/usr/bin/gs"]
    kept = kept_at(app_root, "unit", tmp_path, trace, records(("gs", "exec", "/usr/bin/gs"))).kept
    assert f"{icc}/srgb.icc" in kept and f"through {gs}/iccprofiles" in kept[f"{icc}/srgb.icc"]
    assert f"{icc}/README.txt" not in kept and "/usr/share/other/big.dat" not in kept
    assert "/usr/lib/python3/dist-packages/foo/__init__.py" not in kept
    # over FOREIGN_LIMIT: none of it
    (tmp_path / "big").mkdir()
    with open(app_root / icc.lstrip("/") / "srgb.icc", "r+b") as f:
        f.truncate(expand.FOREIGN_LIMIT + 1)
    kept = kept_at(app_root, "unit", tmp_path / "big", trace, records(("gs", "exec", "/usr/bin/gs"))).kept
    assert f"{icc}/srgb.icc" not in kept and f"{gs}/iccprofiles" in kept


def test_what_a_used_packages_trigger_builds_comes_with_it(app_root: Path, tmp_path: Path):
    """libglib2.0-0's trigger compiles the schemas packages put in
    /usr/share/glib-2.0/schemas into gschemas.compiled, which no package
    owns: without it GLib aborted GStreamer's HTTP source ("No GSettings
    schemas are installed"). shared-mime-info's, which libgdk-pixbuf
    depends on, writes mime.cache above the directory it watches: without
    it no BMP was read. Those of a package with a file kept, or one it
    depends on; not a package's not in use, nor what is below the
    directories, nor more than COMPANION_LIMIT."""
    lib = "/usr/lib/x86_64-linux-gnu"
    schemas = "/usr/share/glib-2.0/schemas"
    for path in (f"{lib}/libgio-2.0.so.0", f"{lib}/libgdk_pixbuf-2.0.so.0", "/usr/share/mime/packages/fd.xml",
                 f"{schemas}/org.gnome.proxy.gschema.xml", "/usr/share/other/watched/x.xml"):
        write(app_root, path, "x")
    write(app_root, f"{schemas}/gschemas.compiled", b"\0" * 64)
    write(app_root, "/usr/share/mime/mime.cache", b"\0" * 128)
    write(app_root, "/usr/share/mime/image/bmp.xml", "<x/>")    # (made too, below: not read)
    write(app_root, "/usr/share/other/watched/index", "x")
    dpkg(app_root, "libglib2.0-0", f"{lib}/libgio-2.0.so.0")
    dpkg(app_root, "libgdk-pixbuf-2.0-0", f"{lib}/libgdk_pixbuf-2.0.so.0", depends="shared-mime-info")
    dpkg(app_root, "shared-mime-info", "/usr/share/mime/packages/fd.xml")
    dpkg(app_root, "gsettings-desktop-schemas", f"{schemas}/org.gnome.proxy.gschema.xml")
    dpkg(app_root, "other", "/usr/share/other/watched/x.xml")
    write(app_root, "/var/lib/dpkg/info/libglib2.0-0:amd64.triggers",
          f"# Triggers added by dh_makeshlibs\nactivate-noawait ldconfig\ninterest-await {schemas}\n")
    write(app_root, "/var/lib/dpkg/info/shared-mime-info.triggers",
          "interest-noawait /usr/share/mime/packages\n")
    write(app_root, "/var/lib/dpkg/info/other.triggers", "interest /usr/share/other/watched\n")
    trace = [f"{lib}/libgio-2.0.so.0", f"{lib}/libgdk_pixbuf-2.0.so.0"]
    events = records(*(("app", "openat", p) for p in trace))
    kept = kept_at(app_root, "file", tmp_path, trace, events).kept
    assert f"{schemas}/gschemas.compiled" not in kept          # (at file level, nothing comes)
    (tmp_path / "unit").mkdir()
    kept = kept_at(app_root, "unit", tmp_path / "unit", trace, events).kept
    compiled, cache = f"{schemas}/gschemas.compiled", "/usr/share/mime/mime.cache"
    assert compiled in kept and "libglib2.0-0's trigger" in kept[compiled]
    assert cache in kept and "shared-mime-info's trigger" in kept[cache]
    assert "/usr/share/mime/image/bmp.xml" not in kept and "/usr/share/mime/packages/fd.xml" not in kept
    assert f"{schemas}/org.gnome.proxy.gschema.xml" not in kept
    assert "/usr/share/other/watched/index" not in kept
    # over COMPANION_LIMIT: not kept
    (tmp_path / "big").mkdir()
    with open(app_root / "usr/share/mime/mime.cache", "r+b") as f:
        f.truncate(expand.COMPANION_LIMIT + 1)
    kept = kept_at(app_root, "unit", tmp_path / "big", trace, events).kept
    assert "/usr/share/mime/mime.cache" not in kept and f"{schemas}/gschemas.compiled" in kept


def test_dpkg_file_triggers_are_read():
    text = b"# comment\ninterest-noawait /usr/share/mime/packages\nactivate-noawait ldconfig\n" \
           b"interest-await ldconfig\ninterest /usr/lib/x/gio/modules/\n"
    assert packages.dpkg_file_triggers(text) == ["/usr/share/mime/packages", "/usr/lib/x/gio/modules"]


def test_what_a_suites_next_programs_run_of_no_package_they_need_is_said(script_root: Path, tmp_path: Path):
    """munin's apt plugin, kept with munin-plugins-core beside the plugins
    that ran, runs apt-get (of apt, which the package does not depend on):
    enabled next, "Can't exec \"apt-get\"", with nothing said. Not kept,
    but named in the unkept-runs warning, once a program (/sbin/sysctl and
    /usr/sbin/sysctl, by two plugins); not for a package of programs that
    is no suite's (a2enmod's own commands: the rule keeps or leaves them)."""
    plugins = "/usr/share/munin/plugins"
    write(script_root, f"{plugins}/cpu", "#!/bin/sh\necho x\n", 0o755)
    write(script_root, f"{plugins}/apt", '#!/usr/bin/perl\nopen(my $fh, "-|", "apt-get -s upgrade");\n'
                                         'system("/sbin/sysctl", "-a");\n', 0o755)
    write(script_root, f"{plugins}/smart_", "#!/usr/bin/perl\nsystem('/usr/sbin/sysctl', '-n');\n", 0o755)
    dpkg(script_root, "munin-plugins-core", f"{plugins}/cpu", f"{plugins}/apt", f"{plugins}/smart_",
         source="munin")
    for program, package in (("/usr/bin/apt-get", "apt"), ("/usr/sbin/sysctl", "procps"),
                             ("/usr/bin/sh", "dash"), ("/usr/bin/perl", "perl-base")):
        write(script_root, program, "\x7fELF" if package in ("dash", "perl-base") else "#!/bin/sh\n", 0o755)
        dpkg(script_root, package, program, essential=package in ("dash", "perl-base"), priority="required")
    (script_root / "sbin").symlink_to("usr/sbin")
    report = kept_at(script_root, "unit", tmp_path, [f"{plugins}/cpu"],
                     records(("munin-node", "exec", f"{plugins}/cpu")))
    assert f"{plugins}/apt" in report.kept and "/usr/bin/apt-get" not in report.kept
    assert "apt-get (apt, run by munin-plugins-core's apt;" in report.unkept_runs
    assert report.unkept_runs.count("sysctl (procps") == 1
    assert "munin-plugins-core's apt, munin-plugins-core's smart_" in report.unkept_runs
    # a package of programs on PATH only is no suite's
    (tmp_path / "path").mkdir()
    write(script_root, "/usr/sbin/apache2", "#!/bin/sh\necho x\n", 0o755)
    write(script_root, "/usr/sbin/a2enmod", '#!/usr/bin/perl\nsystem("apt-get", "-s", "x");\n', 0o755)
    dpkg(script_root, "apache2", "/usr/sbin/apache2", "/usr/sbin/a2enmod")
    report = kept_at(script_root, "unit", tmp_path / "path", ["/usr/sbin/apache2"],
                     records(("sh", "exec", "/usr/sbin/apache2")))
    assert "/usr/sbin/a2enmod" in report.kept and "apt-get" not in report.unkept_runs


def test_what_configuration_and_scripts_name_that_is_no_command(app_root: Path, tmp_path: Path):
    """Not a program the application's script names in a comment or tests
    for (`test -x /usr/bin/heavy`), nor a package's data of settings
    (a translation's `field_editor: editor`), nor a setting's value that is
    a path but no program (`program: /data/model.bin`, which kept /data)."""
    for program in ("heavy", "editor", "rev"):
        write(app_root, f"/usr/bin/{program}", "#!/bin/sh\n", 0o755)
        dpkg(app_root, program, f"/usr/bin/{program}")
    write(app_root, "/srv/app/run.sh", "#!/bin/sh\n# was: /usr/bin/heavy\ntest -x /usr/bin/heavy && echo\n"
                                       "exec socat X EXEC:/usr/bin/rev\n", 0o755)
    write(app_root, "/usr/share/app/l10n/fr.yml", "field_editor: editor\n")
    dpkg(app_root, "app-data", "/usr/share/app/l10n/fr.yml")
    write(app_root, "/srv/app/model.yml", "program: /data/model.bin\n")
    write(app_root, "/data/model.bin", "x")
    write(app_root, "/data/other.bin", "y")
    trace = ["/srv/app/run.sh", "/usr/share/app/l10n/fr.yml", "/srv/app/model.yml"]
    events = records(("sh", "exec", "/srv/app/run.sh"), *(("app", "openat", p) for p in trace[1:]))
    kept = kept_at(app_root, "unit", tmp_path, trace, events).kept
    assert "/usr/bin/rev" in kept
    assert "/usr/bin/heavy" not in kept and "/usr/bin/editor" not in kept
    assert "/data/other.bin" not in kept


def test_a_suites_next_programs_bring_what_they_run_by_path_of_their_dependencies(tmp_path: Path):
    """Icinga's plugins, kept as a suite's, never ran: check_load runs
    /usr/bin/uptime (procps, which monitoring-plugins-basic depends on),
    and on the minified image "could not parse load from uptime". A
    program of a suite's package comes with what it names by path of a
    package its own depends on, as a program kept alone; not another's
    (check_apt's apt-get)."""
    root, lib = compiled_root(tmp_path)
    plugins = "/usr/lib/nagios/plugins"
    for d in ("usr/bin", "usr/sbin", plugins.lstrip("/")):
        (root / d).mkdir(parents=True, exist_ok=True)
    link(root, "/bin", "usr/bin")
    for name, runs in (("check_load", "/usr/bin/uptime"), ("check_apt", "/usr/bin/apt-get")):
        cc(root / plugins.lstrip("/") / name, "#include <unistd.h>\nint main(int c, char **v) {\n"
           f'  char *a[] = {{"{runs}", 0}};\n  return c > 5 ? execv(a[0], a) : 0;\n}}\n')
    for program in ("usr/sbin/icinga2", f"{plugins.lstrip('/')}/check_nscp_api", "usr/bin/uptime",
                    "usr/bin/apt-get"):
        cc(root / program, "int main(void){return 0;}")
    write(root, "/usr/share/doc/icinga2/copyright", "x")
    dpkg(root, "libc6", "/usr/lib/x86_64-linux-gnu/libc.so.6",
         "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2")
    dpkg(root, "icinga2-bin", "/usr/sbin/icinga2", f"{plugins}/check_nscp_api", source="icinga2",
         depends="libc6")
    dpkg(root, "icinga2", "/usr/share/doc/icinga2/copyright", source="icinga2",
         recommends="monitoring-plugins-basic")
    dpkg(root, "monitoring-plugins-basic", f"{plugins}/check_load", f"{plugins}/check_apt",
         source="monitoring-plugins", depends="libc6, procps")
    dpkg(root, "procps", "/usr/bin/uptime", depends="libc6")
    dpkg(root, "apt", "/usr/bin/apt-get", depends="libc6")
    assert lib.is_dir()
    kept = kept_at(root, "unit", tmp_path, ["/usr/sbin/icinga2"],
                   records(("icinga2", "exec", "/usr/sbin/icinga2"))).kept
    assert f"{plugins}/check_load" in kept and "/usr/bin/uptime" in kept
    assert "a package its own depends on" in kept["/usr/bin/uptime"]
    assert "/usr/bin/apt-get" not in kept


def test_the_tools_of_tls_come_once_a_tls_library_is_loaded(app_root: Path, tmp_path: Path):
    """A minified OpenLDAP image had no openssl ("openssl: not found" for
    an admin checking or renewing the server's certificate), and nothing
    named it (ca-certificates depends on openssl; slapd's TLS is GnuTLS).
    Where a program loaded a TLS library, openssl is a part of the
    toolbox: said on a small image, kept on a large one or with --keep
    toolbox; not where no TLS library was loaded."""
    lib = "/usr/lib/x86_64-linux-gnu"
    write(app_root, "/usr/sbin/slapd", "#!/bin/sh\n", 0o755)
    write(app_root, f"{lib}/libgnutls.so.30", "x")
    write(app_root, "/usr/bin/openssl", "#!/bin/sh\n", 0o755)
    dpkg(app_root, "slapd", "/usr/sbin/slapd")
    dpkg(app_root, "libgnutls30", f"{lib}/libgnutls.so.30")
    dpkg(app_root, "openssl", "/usr/bin/openssl")
    trace = ["/usr/sbin/slapd", f"{lib}/libgnutls.so.30"]
    events = records(("sh", "exec", trace[0]), ("slapd", "openat", trace[1]))
    report = kept_at(app_root, "unit", tmp_path, trace, events)
    assert "/usr/bin/openssl" not in report.kept and "the tools of TLS (openssl" in report.toolbox
    rules = resolve.Rules()
    rules.add_preset("toolbox")
    (tmp_path / "asked").mkdir()
    asked = kept_at(app_root, "unit", tmp_path / "asked", trace, events, rules)
    assert "/usr/bin/openssl" in asked.kept and "a tool of TLS" in asked.kept["/usr/bin/openssl"]
    (tmp_path / "none").mkdir()
    report = kept_at(app_root, "unit", tmp_path / "none", trace[:1], events[:1])
    assert "openssl" not in report.toolbox
    # (OpenSSL's configuration read is no TLS library loaded)
    write(app_root, "/usr/lib/ssl/openssl.cnf", "[default]\n")
    dpkg(app_root, "libssl3", "/usr/lib/ssl/openssl.cnf")
    (tmp_path / "cnf").mkdir()
    report = kept_at(app_root, "unit", tmp_path / "cnf", [trace[0], "/usr/lib/ssl/openssl.cnf"],
                     records(("sh", "exec", trace[0]), ("slapd", "openat", "/usr/lib/ssl/openssl.cnf")))
    assert "openssl" not in report.toolbox


def test_a_program_configuration_names_relative_to_a_variable(app_root: Path, tmp_path: Path):
    """Nagios's commands run `$USER1$/check_load`, where resource.cfg sets
    `$USER1$=/usr/lib/nagios/plugins`: check_load, kept with its package,
    never ran, and ran the /usr/bin/uptime compiled into it ("could not
    parse load from uptime"). A program so named comes as if run; not the
    directory's other programs (check_apt's apt-get)."""
    need(shutil.which("gcc") is not None, "gcc")
    plugins = "/usr/lib/nagios/plugins"
    host_loader(app_root)
    (app_root / plugins.lstrip("/")).mkdir(parents=True)
    for name, runs in (("check_load", "/usr/bin/uptime"), ("check_apt", "/usr/bin/apt-get")):
        cc(app_root / plugins.lstrip("/") / name, "#include <unistd.h>\nint main(int c, char **v) {\n"
           f'  char *a[] = {{"{runs}", 0}};\n  return c > 5 ? execv(a[0], a) : 0;\n}}\n')
    for program in ("uptime", "apt-get", "nagios4"):
        write(app_root, f"/usr/bin/{program}", "#!/bin/sh\n", 0o755)
        dpkg(app_root, program, f"/usr/bin/{program}")
    dpkg(app_root, "monitoring-plugins-basic", f"{plugins}/check_load", f"{plugins}/check_apt")
    write(app_root, "/etc/nagios4/resource.cfg", f"$USER1$={plugins}\n")
    write(app_root, "/etc/nagios4/objects/commands.cfg",
          "define command {\n  command_name check-load\n  command_line $USER1$/check_load -w 5\n}\n")
    trace = ["/usr/bin/nagios4", "/etc/nagios4/resource.cfg", "/etc/nagios4/objects/commands.cfg"]
    events = records(("nagios4", "exec", "/usr/bin/nagios4"), *(("nagios4", "openat", p) for p in trace[1:]))
    kept = kept_at(app_root, "unit", tmp_path, trace, events).kept
    assert f"{plugins}/check_load" in kept and "commands.cfg" in kept[f"{plugins}/check_load"]
    assert "/usr/bin/uptime" in kept and "compiled into it" in kept["/usr/bin/uptime"]
    assert "/usr/bin/apt-get" not in kept


def test_the_libraries_a_loaded_librarys_modules_import_on_first_use(app_root: Path, tmp_path: Path):
    """pandas, probed with describe(), loads its optional libraries on
    first use, by a literal name given to import_optional_dependency, in
    modules of its own that it too imports in a function: xlsx, XML and
    Markdown exports failed (501). What the loaded modules import so, and
    the modules of pandas they reach, is followed into the other installed
    libraries and the standard library (to_sql imports sqlite3: "No module
    named 'sqlite3'"); not from a module nothing loaded."""
    site, lib = "/usr/lib/python3/dist-packages", "/usr/lib/python3.11"
    files = {
        f"{site}/pandas/__init__.py": "from pandas.core import frame\n",
        f"{site}/pandas/core/__init__.py": "",
        f"{site}/pandas/core/frame.py": "def to_xml(self):\n    from pandas.io.formats.xml import Lxml\n"
                                        "def to_markdown(self):\n"
                                        "    tabulate = import_optional_dependency('tabulate')\n"
                                        "def to_sql(self):\n    import sqlite3\n",
        f"{site}/pandas/io/__init__.py": "",
        f"{site}/pandas/io/formats/__init__.py": "",
        f"{site}/pandas/io/formats/xml.py": "class Lxml:\n    def run(self):\n"
                                            "        from lxml.etree import XML\n",
        f"{site}/pandas/plotting.py": "def f():\n    import sympy\n    import tomllib\n",  # nothing loads it
        f"{lib}/sqlite3/__init__.py": "", f"{lib}/tomllib/__init__.py": "", f"{lib}/os.py": "",
        f"{site}/pandas-1.5.3.egg-info/top_level.txt": "pandas\n",
        **library(site, "lxml", "4.9.2"), f"{site}/lxml/etree.py": "",
        f"{site}/tabulate.py": "", f"{site}/tabulate-0.8.9.egg-info/top_level.txt": "tabulate\n",
        **library(site, "sympy", "1.11"),
        "/app/web.py": "import pandas\n",
    }
    for path, text in files.items():
        write(app_root, path, text)
    for package, marker in (("python3-pandas", "andas"), ("python3-lxml", "lxml"),
                            ("python3-tabulate", "tabulate"), ("python3-sympy", "sympy"),
                            ("libpython3.11-stdlib", lib)):
        dpkg(app_root, package, *(p for p in files if marker in p))
    loaded = ["/app/web.py", f"{site}/pandas/__init__.py", f"{site}/pandas/core/__init__.py",
              f"{site}/pandas/core/frame.py", f"{lib}/os.py"]
    events = records(*(("python3", "openat", p) for p in loaded))
    kept = kept_at(app_root, "unit", tmp_path, loaded, events).kept
    assert f"{site}/lxml/etree.py" in kept and "imported on first use" in kept[f"{site}/lxml/etree.py"]
    assert f"{site}/tabulate.py" in kept
    assert f"{lib}/sqlite3/__init__.py" in kept
    assert f"{site}/sympy/__init__.py" not in kept and f"{lib}/tomllib/__init__.py" not in kept


def test_what_the_modules_frozen_into_python_import_on_first_use(app_root: Path, tmp_path: Path):
    """CPython 3.11 runs site, _sitebuiltins, os and others from copies
    frozen into the interpreter and never reads their files: help() said
    "No module named 'pydoc'" on a minified Flask image, and the REPL's
    arrow keys printed ^[[A (no readline). Once a file of the standard
    library was read, the frozen modules count as loaded; not for a
    standard library nothing read from (another Python in the image)."""
    lib, other = "/usr/lib/python3.11", "/usr/lib/python3.12"
    files = {
        f"{lib}/site.py": "import os\ndef enablerlcompleter():\n    def register():\n"
                          "        import readline\n        import rlcompleter\n",
        f"{lib}/_sitebuiltins.py": "class _Helper:\n    def __call__(self):\n        import pydoc\n",
        f"{lib}/pydoc.py": "", f"{lib}/rlcompleter.py": "", f"{lib}/encodings/__init__.py": "",
        f"{lib}/lib-dynload/readline.cpython-311-x86_64-linux-gnu.so": "",
        f"{other}/_sitebuiltins.py": "def f():\n    import pydoc\n", f"{other}/pydoc.py": "",
        f"{other}/encodings/__init__.py": "",
    }
    for path, text in files.items():
        write(app_root, path, text)
    dpkg(app_root, "libpython3.11-stdlib", *(p for p in files if p.startswith(lib)))
    dpkg(app_root, "libpython3.12-stdlib", *(p for p in files if p.startswith(other)))
    loaded = [f"{lib}/encodings/__init__.py"]
    events = records(*(("python3", "openat", p) for p in loaded))
    kept = kept_at(app_root, "unit", tmp_path, loaded, events).kept
    assert f"{lib}/pydoc.py" in kept and "imported on first use" in kept[f"{lib}/pydoc.py"]
    assert f"{lib}/rlcompleter.py" in kept
    assert f"{lib}/lib-dynload/readline.cpython-311-x86_64-linux-gnu.so" in kept
    assert f"{other}/pydoc.py" not in kept and f"{other}/_sitebuiltins.py" not in kept


def test_what_the_loaded_modules_of_python_and_sphinx_import_on_first_use(app_root: Path, tmp_path: Path):
    """A documentation service: every .tar.gz upload failed, tarfile
    importing gzip only when it opens one ("gzip module is not available");
    every Sphinx build failed, Sphinx importing sphinx.builders.linkcheck
    by its name in a string, which needs requests, whose urllib3 came with
    requests' own Depends only once requests counted as used; and babel
    imports cgi, an executable module whose #! names /usr/local/bin/python,
    absent: it was refused as a script."""
    lib, site = "/usr/lib/python3.11", "/usr/lib/python3/dist-packages"
    files = {
        f"{lib}/tarfile.py": "import os\ndef gzopen():\n    import gzip\n",
        f"{lib}/gzip.py": "", f"{lib}/cgi.py": "#! /usr/local/bin/python\n",
        f"{lib}/statistics.py": "def f():\n    import tarfile\n",            # nothing loaded it
        f"{site}/sphinx/__init__.py": "", f"{site}/sphinx/application.py":
            "builtin_extensions = (\n    'sphinx.builders.linkcheck',\n)\nimport babel\n",
        f"{site}/sphinx/builders/__init__.py": "",
        f"{site}/sphinx/builders/linkcheck.py": "import requests\n",
        f"{site}/Sphinx-5.3.0.dist-info/top_level.txt": "sphinx\n",
        f"{site}/babel/__init__.py": "import cgi\n", f"{site}/Babel-2.10.dist-info/top_level.txt": "babel\n",
        f"{site}/requests/__init__.py": "", f"{site}/requests-2.28.dist-info/top_level.txt": "requests\n",
        f"{site}/urllib3/__init__.py": "", f"{site}/urllib3-1.26.dist-info/top_level.txt": "urllib3\n",
    }
    for path, text in files.items():
        write(app_root, path, text, 0o755 if path.endswith("cgi.py") else 0o644)
    write(app_root, "/app/web.py", "import tarfile\nimport sphinx.application\n")
    dpkg(app_root, "libpython3.11-stdlib", *(p for p in files if p.startswith(lib)))
    dpkg(app_root, "python3-sphinx", *(p for p in files if "phinx" in p),
         depends="python3-requests, python3-babel")
    dpkg(app_root, "python3-babel", *(p for p in files if "abel" in p))
    dpkg(app_root, "python3-requests", *(p for p in files if "requests" in p), depends="python3-urllib3")
    dpkg(app_root, "python3-urllib3", *(p for p in files if "urllib3" in p))
    loaded = ["/app/web.py", f"{lib}/tarfile.py", f"{site}/sphinx/__init__.py",
              f"{site}/sphinx/application.py"]
    events = records(*(("python3", "openat", p) for p in loaded))
    kept = kept_at(app_root, "unit", tmp_path, loaded, events).kept
    assert f"{lib}/gzip.py" in kept
    assert f"{site}/sphinx/builders/linkcheck.py" in kept and f"{site}/requests/__init__.py" in kept
    assert f"{site}/urllib3/__init__.py" in kept
    assert f"{lib}/cgi.py" in kept
    assert f"{lib}/statistics.py" not in kept


def test_a_library_that_picks_its_messages_language_keeps_every_translation(app_root: Path,
                                                                              tmp_path: Path):
    """Sphinx translates its pages' labels into the project's `language`,
    from sphinx-common's catalogs: with the image's locales only, `language
    = 'de'` printed "Search" for "Suche", status 200. A Python module that
    loads translations in a language it names itself (gettext.translation
    with languages=) keeps every translation of its package and of the
    packages that depends on; not a library that takes the process's
    locale, nor other packages' translations."""
    site = "/usr/lib/python3/dist-packages"
    files = {
        f"{site}/sphinx/__init__.py": "from sphinx import locale\n",
        f"{site}/sphinx/locale/__init__.py":
            "from gettext import translation\n"
            "def init(dirs, language, catalog='sphinx'):\n"
            "    for d in dirs:\n"
            "        trans = translation(catalog, localedir=d,\n"
            "                            languages=[language] if language else None)\n",
        f"{site}/Sphinx-5.3.0.dist-info/top_level.txt": "sphinx\n",
        f"{site}/plain/__init__.py":
            "import gettext\n_ = gettext.translation('plain', fallback=True).gettext\n",
        f"{site}/plain-1.0.dist-info/top_level.txt": "plain\n",
    }
    for path, text in files.items():
        write(app_root, path, text)
    catalogs = {f"/usr/share/locale/{lang}/LC_MESSAGES/{domain}.mo": domain
                for lang in ("de", "fr", "ja") for domain in ("sphinx", "plain", "other")}
    for path in catalogs:
        write(app_root, path, "mo")
    write(app_root, "/app/web.py", "import sphinx\nimport plain\n")
    dpkg(app_root, "python3-sphinx", *(p for p in files if "phinx" in p), depends="sphinx-common")
    dpkg(app_root, "sphinx-common", *(p for p, d in catalogs.items() if d == "sphinx"))
    dpkg(app_root, "python3-plain", *(p for p in files if "plain" in p),
         *(p for p, d in catalogs.items() if d == "plain"))
    dpkg(app_root, "other", *(p for p, d in catalogs.items() if d == "other"))
    loaded = ["/app/web.py", f"{site}/sphinx/__init__.py", f"{site}/sphinx/locale/__init__.py",
              f"{site}/plain/__init__.py"]
    events = records(*(("python3", "openat", p) for p in loaded))
    kept = kept_at(app_root, "unit", tmp_path, loaded, events).kept
    for lang in ("de", "fr", "ja"):
        assert f"/usr/share/locale/{lang}/LC_MESSAGES/sphinx.mo" in kept, lang
        assert f"/usr/share/locale/{lang}/LC_MESSAGES/plain.mo" not in kept, lang
        assert f"/usr/share/locale/{lang}/LC_MESSAGES/other.mo" not in kept, lang
    assert "picks the language" in kept["/usr/share/locale/ja/LC_MESSAGES/sphinx.mo"]
    assert codescan.picks_language("t = gettext_module.translation(\n    domain='django',\n"
                                   "    localedir=localedir,\n    languages=[self.__locale],\n)")
    assert not codescan.picks_language("translation('x', fallback=True)\nlanguages = ['de']\n")


def test_a_used_python_distribution_keeps_its_packages_commands(app_root: Path, tmp_path: Path):
    """A Django project keeps Django through its distribution, whose
    Debian metadata lists no files: /usr/bin/django-admin, of the same
    package, was dropped ("django-admin: not found", exit 126). The
    commands its package puts on PATH come, each alone, and its data in
    /usr/share (nbconvert's templates: "Download as" was a 500); not its
    documentation, nor another package's."""
    site = "/usr/lib/python3/dist-packages"
    write(app_root, f"{site}/django/__init__.py", "")
    write(app_root, f"{site}/Django-3.2.egg-info/top_level.txt", "django\n")
    write(app_root, "/usr/bin/django-admin", "#!/bin/sh\nexec python3 -m django \"$@\"\n", 0o755)
    write(app_root, "/usr/bin/other-admin", "#!/bin/sh\n", 0o755)
    write(app_root, "/usr/share/django/templates/base.html", "<html>")
    write(app_root, "/usr/share/doc/python3-django/README", "doc")
    write(app_root, "/usr/share/other/data.txt", "x")
    dpkg(app_root, "python3-django", f"{site}/django/__init__.py",
         f"{site}/Django-3.2.egg-info/top_level.txt", "/usr/bin/django-admin",
         "/usr/share/django/templates/base.html", "/usr/share/doc/python3-django/README")
    dpkg(app_root, "python3-other", "/usr/bin/other-admin", "/usr/share/other/data.txt")
    write(app_root, "/app/web.py", "import django\n")
    loaded = ["/app/web.py", f"{site}/django/__init__.py"]
    events = records(*(("python3", "openat", p) for p in loaded))
    kept = kept_at(app_root, "unit", tmp_path, loaded, events).kept
    assert "python3-django, whose library python distribution Django" in kept["/usr/bin/django-admin"]
    assert "data of python3-django" in kept["/usr/share/django/templates/base.html"]
    assert "/usr/share/doc/python3-django/README" not in kept
    assert "/usr/bin/other-admin" not in kept and "/usr/share/other/data.txt" not in kept
    assert "/usr/bin/django-admin" not in kept_at(app_root, "file", tmp_path, loaded, events).kept


def test_a_used_distributions_commands_come_though_a_script_named_one_first(app_root: Path, tmp_path: Path):
    """cgit's rst2html filter, a kept package's script, names docutils'
    rst2html; python3-docutils was installed on purpose, and once that
    command had come alone its package's other commands no longer came
    with its used distribution (its data dependencies had been followed
    already, and the same mark stood for both)."""
    site = "/usr/lib/python3/dist-packages"
    write(app_root, f"{site}/docutils/__init__.py", "")
    write(app_root, f"{site}/docutils-0.19.dist-info/top_level.txt", "docutils\n")
    write(app_root, f"{site}/docutils-0.19.dist-info/RECORD", "docutils/__init__.py,,\n")
    for command in ("rst2html", "rst2man"):
        write(app_root, f"/usr/bin/{command}", "#!/usr/bin/python3\nimport docutils\n", 0o755)
    dpkg(app_root, "python3-docutils", f"{site}/docutils/__init__.py",
         f"{site}/docutils-0.19.dist-info/top_level.txt", f"{site}/docutils-0.19.dist-info/RECORD",
         "/usr/bin/rst2html", "/usr/bin/rst2man")
    write(app_root, "/usr/bin/web", "#!/bin/sh\n", 0o755)
    write(app_root, "/usr/lib/web/filter", "#!/bin/sh\nexec rst2html --quiet\n", 0o755)
    dpkg(app_root, "web", "/usr/bin/web", "/usr/lib/web/filter")
    # (docutils used only once rst2html, kept for the filter, imports it)
    ran = records(("web", "exec", "/usr/bin/web"))
    kept = kept_at(app_root, "unit", tmp_path, ["/usr/bin/web"], ran).kept
    assert "/usr/bin/rst2html" in kept
    assert "python3-docutils, whose library python distribution docutils" in kept["/usr/bin/rst2man"]


def test_a_tex_tree_whose_index_was_read_comes_whole(app_root: Path, tmp_path: Path):
    """pdflatex finds every file of a TeX tree by its name through the
    tree's ls-R and lists no directory: the probe's article kept 14 files,
    and the next document's amssymb.sty and fonts were missing ("File
    'amssymb.sty' not found"). The tree comes whole, from every package in
    it, but its doc/ and source/ (never looked up)."""
    tree = "/usr/share/texlive/texmf-dist"
    files = {f"{tree}/ls-R": "% ls-R\n", f"{tree}/tex/latex/base/article.cls": "x",
             f"{tree}/tex/latex/amsfonts/amssymb.sty": "x", f"{tree}/fonts/tfm/public/cm/cmr10.tfm": "x",
             f"{tree}/doc/latex/amsfonts/amsfndoc.pdf": "x", f"{tree}/source/latex/base/ltx.dtx": "x"}
    for path, text in files.items():
        write(app_root, path, text)
    dpkg(app_root, "texlive-base", f"{tree}/tex/latex/base/article.cls", f"{tree}/source/latex/base/ltx.dtx")
    dpkg(app_root, "texlive-fonts-recommended", f"{tree}/tex/latex/amsfonts/amssymb.sty",
         f"{tree}/fonts/tfm/public/cm/cmr10.tfm", f"{tree}/doc/latex/amsfonts/amsfndoc.pdf")
    read = [f"{tree}/ls-R", f"{tree}/tex/latex/base/article.cls"]
    events = records(*(("pdflatex", "openat", p) for p in read))
    kept = kept_at(app_root, "unit", tmp_path, read, events).kept
    assert f"{tree}/tex/latex/amsfonts/amssymb.sty" in kept
    assert f"{tree}/fonts/tfm/public/cm/cmr10.tfm" in kept
    assert "kpathsea" in kept[f"{tree}/tex/latex/amsfonts/amssymb.sty"]
    assert f"{tree}/doc/latex/amsfonts/amsfndoc.pdf" not in kept
    assert f"{tree}/source/latex/base/ltx.dtx" not in kept
    # not read: only what was
    kept = kept_at(app_root, "unit", tmp_path, read[1:], records(("pdflatex", "openat", read[1]))).kept
    assert f"{tree}/tex/latex/amsfonts/amssymb.sty" not in kept


def test_the_commands_in_a_tex_tree_kept_whole_come_with_what_they_load(script_root: Path, tmp_path: Path):
    """makeglossaries, a command on PATH that leads into TeX's tree (kept
    whole, see above), failed "Can't locate Getopt/Std.pm" on a minified
    TeX Live, and the next pdflatex made the document without its
    glossary, exit 0. Such a command's libraries come, where its
    interpreter is kept; not those of a script of the tree that is no
    command."""
    tree = "/usr/share/texlive/texmf-dist"
    scripts = f"{tree}/scripts"
    write(script_root, f"{tree}/ls-R", "% ls-R\n")
    write(script_root, f"{tree}/tex/latex/base/article.cls", "x")
    write(script_root, "/usr/bin/perl", "\x7fELF", 0o755)
    write(script_root, f"{scripts}/glossaries/makeglossaries", "#!/usr/bin/perl\nuse Time::Local;\n", 0o755)
    link(script_root, "/usr/bin/makeglossaries",
         "../share/texlive/texmf-dist/scripts/glossaries/makeglossaries")
    write(script_root, f"{scripts}/other/tool.pl", "#!/usr/bin/perl\nuse Digest::SHA;\n", 0o755)
    dpkg(script_root, "texlive-base", f"{tree}/tex/latex/base/article.cls", "/usr/bin/makeglossaries",
         f"{scripts}/glossaries/makeglossaries", f"{scripts}/other/tool.pl")
    dpkg(script_root, "perl", "/usr/bin/perl")
    read = [f"{tree}/ls-R", f"{tree}/tex/latex/base/article.cls", "/usr/bin/perl"]
    events = records(*(("pdflatex", "openat", p) for p in read))
    kept = kept_at(script_root, "unit", tmp_path, read, events).kept
    assert "/usr/bin/makeglossaries" in kept
    assert f"{scripts}/glossaries/makeglossaries" in kept[("/usr/share/perl/5.36.0/Time/Local.pm")]
    assert f"{scripts}/other/tool.pl" in kept
    assert "/usr/lib/x86_64-linux-gnu/perl/5.36.0/Digest/SHA.pm" not in kept


def test_a_debhelper_command_makes_no_package_of_programs(app_root: Path, tmp_path: Path):
    """sphinx-common ships Sphinx's templates and themes and dh_sphinxdoc,
    a command run when a Debian package is built: taken for a package of
    programs, it was no data of python3-sphinx's, and every build failed
    ("no theme named 'basic'")."""
    write(app_root, "/usr/bin/dh_sphinxdoc", "#!/usr/bin/perl\n", 0o755)
    write(app_root, "/usr/share/sphinx/themes/basic/layout.html", "x")
    dpkg(app_root, "sphinx-common", "/usr/bin/dh_sphinxdoc", "/usr/share/sphinx/themes/basic/layout.html")
    write(app_root, "/usr/bin/sphinx-build", "#!/bin/sh\n", 0o755)
    dpkg(app_root, "python3-sphinx", "/usr/bin/sphinx-build", depends="sphinx-common")
    run = "/usr/bin/sphinx-build"
    kept = kept_at(app_root, "unit", tmp_path, [run], records(("sphinx-build", "exec", run))).kept
    assert "/usr/share/sphinx/themes/basic/layout.html" in kept


def test_a_dependency_kept_whole_brings_what_its_init_imports(app_root: Path, tmp_path: Path):
    """Sphinx kept for a sphinx-build the code names, never traced: requests
    came as a dependency of Sphinx's package, whose own Depends are not
    followed, and requests' __init__.py imports urllib3, and its own api,
    which imports idna on first use: any import of requests runs them, and
    every build failed. Not what a module of it nothing imports so imports.
    And sphinx-common, Sphinx's themes, came no more as its data for
    debhelper's addon in perl5."""
    site = "/usr/lib/python3/dist-packages"
    files = {
        f"{site}/sphinx/__init__.py": "", f"{site}/Sphinx-5.3.0.dist-info/top_level.txt": "sphinx\n",
        **library(site, "requests", "2.28", "import urllib3\nfrom .api import get\n"),
        f"{site}/requests/api.py": "def get():\n    import idna\n",
        f"{site}/requests/help.py": "def info():\n    import brotli\n",
        **library(site, "idna", "3.3"), **library(site, "urllib3", "1.26"),
        f"{site}/brotli.py": "", f"{site}/Brotli-1.0.dist-info/top_level.txt": "brotli\n",
        "/usr/share/sphinx/themes/basic/layout.html": "x",
        "/usr/share/perl5/Debian/Debhelper/Sequence/sphinxdoc.pm": "1;\n",
    }
    for path, text in files.items():
        write(app_root, path, text)
    dpkg(app_root, "python3-sphinx", *(p for p in files if "phinx-5" in p or "sphinx/" in p),
         depends="python3-requests, sphinx-common")
    dpkg(app_root, "python3-requests", *(p for p in files if "requests" in p), depends="python3-urllib3")
    dpkg(app_root, "python3-urllib3", *(p for p in files if "urllib3" in p))
    dpkg(app_root, "python3-brotli", *(p for p in files if "rotli" in p))
    dpkg(app_root, "python3-idna", *(p for p in files if "idna" in p))
    dpkg(app_root, "sphinx-common", "/usr/share/sphinx/themes/basic/layout.html",
         "/usr/share/perl5/Debian/Debhelper/Sequence/sphinxdoc.pm")
    loaded = [f"{site}/sphinx/__init__.py"]
    kept = kept_at(app_root, "unit", tmp_path, loaded, records(("python3", "openat", loaded[0]))).kept
    assert f"{site}/requests/__init__.py" in kept and f"{site}/urllib3/__init__.py" in kept
    assert f"{site}/idna/__init__.py" in kept
    assert f"{site}/brotli.py" not in kept                  # in a function of a module nothing loads
    assert "/usr/share/sphinx/themes/basic/layout.html" in kept


def test_the_plugins_registered_in_an_entry_point_group_the_code_looks_in(app_root: Path, tmp_path: Path):
    """Sphinx finds its themes among the installed distributions' entry
    points (group sphinx.html_themes): sphinx_rtd_theme was dropped, and a
    project using it failed, "no theme named 'sphinx_rtd_theme'". Not a
    distribution registering elsewhere, nor one with only console scripts."""
    site = "/usr/lib/python3/dist-packages"
    files = {
        **library(site, "sphinx", "5.3.0",
                  "from importlib.metadata import entry_points\n"
                  "def themes():\n    return entry_points(group='sphinx.html_themes')\n"
                  "def scripts():\n    return entry_points(group='console_scripts')\n"),
        **library(site, "sphinx_rtd_theme", "1.2.0"),
        f"{site}/sphinx_rtd_theme-1.2.0.dist-info/entry_points.txt":
            "[sphinx.html_themes]\nsphinx_rtd_theme = sphinx_rtd_theme\n",
        **library(site, "black", "22.1"),
        f"{site}/black-22.1.dist-info/entry_points.txt": "[console_scripts]\nblack = black:main\n",
        **library(site, "pytest_cov", "4.0"),
        f"{site}/pytest_cov-4.0.dist-info/entry_points.txt": "[pytest11]\npytest_cov = pytest_cov.plugin\n",
    }
    for path, text in files.items():
        write(app_root, path, text)
    for package, markers in (("python3-sphinx", ("/sphinx/", "/sphinx-5")),
                             ("python3-sphinx-rtd-theme", ("rtd",)), ("black", ("black",)),
                             ("python3-pytest-cov", ("pytest_cov",))):
        dpkg(app_root, package, *(p for p in files if any(m in p for m in markers)))
    loaded = [f"{site}/sphinx/__init__.py"]
    kept = kept_at(app_root, "unit", tmp_path, loaded, records(("python3", "openat", loaded[0]))).kept
    assert f"{site}/sphinx_rtd_theme/__init__.py" in kept
    assert "sphinx.html_themes" in kept[f"{site}/sphinx_rtd_theme/__init__.py"]
    assert f"{site}/black/__init__.py" not in kept and f"{site}/pytest_cov/__init__.py" not in kept
    # the same lookup in a module the application's code imports, never
    # traced (Sphinx run by a sphinx-build the code names: its theming)
    write(app_root, f"{site}/sphinx/__init__.py", "")
    write(app_root, f"{site}/sphinx/theming.py",
          "from importlib.metadata import entry_points\n"
          "def themes():\n    return entry_points(group='sphinx.html_themes')\n")
    write(app_root, "/app/web.py", "def build():\n    import sphinx.theming\n")
    app = records(("python3", "openat", "/app/web.py"))
    kept = kept_at(app_root, "unit", tmp_path, ["/app/web.py"], app).kept
    assert f"{site}/sphinx_rtd_theme/__init__.py" in kept


def test_the_neighbours_of_a_data_file_a_program_picks_by_name(app_root: Path, tmp_path: Path):
    """Tesseract reads tessdata/<language>.traineddata for `-l deu`, one
    data package per language: with only eng kept, `-l deu` failed and
    `-l eng+deu` read German with the English model, status 200. The data
    packages that put files of the same kind beside one read come; not a
    program's package there, nor files of another kind."""
    tessdata = "/usr/share/tesseract-ocr/5/tessdata"
    for language in ("eng", "deu", "fra"):
        write(app_root, f"{tessdata}/{language}.traineddata", language)
        dpkg(app_root, f"tesseract-ocr-{language}", f"{tessdata}/{language}.traineddata")
    write(app_root, f"{tessdata}/configs/hocr", "x")
    write(app_root, f"{tessdata}/pdf.ttf", "font")
    write(app_root, "/usr/bin/tesseract", "#!/bin/sh\n", 0o755)
    dpkg(app_root, "tesseract-ocr", "/usr/bin/tesseract", f"{tessdata}/configs/hocr")
    dpkg(app_root, "tesseract-fonts", f"{tessdata}/pdf.ttf")
    read = f"{tessdata}/eng.traineddata"
    kept = kept_at(app_root, "unit", tmp_path, [read], records(("tesseract", "openat", read))).kept
    assert f"{tessdata}/deu.traineddata" in kept and f"{tessdata}/fra.traineddata" in kept
    assert "picks one of them by name" in kept[f"{tessdata}/deu.traineddata"]
    assert f"{tessdata}/pdf.ttf" not in kept                   # another kind of file


def test_a_directory_the_configuration_read_names_keeps_its_unowned_files(app_root: Path, tmp_path: Path):
    """Apache read ScriptAlias /cgi-bin/ /usr/lib/cgi-bin/ and served no CGI
    while traced: every script there was dropped, 404 on the minified
    image. The files no package owns under a directory a configuration
    file the workload read names are kept, and read as the application's
    code (the shell CGI runs wc). Not a system directory's whole tree, nor
    the directory of a file it names (a log)."""
    conf = "/etc/apache2/conf-enabled/serve-cgi-bin.conf"
    write(app_root, conf, '<IfModule mod_alias.c>\n\tScriptAlias /cgi-bin/ /usr/lib/cgi-bin/\n'
                          '\t<Directory "/usr/lib/cgi-bin">\n\tErrorLog /var/log/apache2/error.log\n'
                          '\tInclude /usr/lib\n</IfModule>\n')
    write(app_root, "/usr/sbin/apache2", "#!/bin/sh\n", 0o755)
    write(app_root, "/usr/lib/cgi-bin/.keep", "")
    dpkg(app_root, "apache2", "/usr/sbin/apache2", conf, "/usr/lib/cgi-bin/.keep")
    write(app_root, "/usr/lib/cgi-bin/hello.sh", "#!/bin/sh\necho hi | wc -c\n", 0o755)
    write(app_root, "/usr/lib/cgi-bin/info.pl", "#!/usr/bin/perl\nprint 1;\n", 0o755)
    write(app_root, "/usr/lib/unrelated/notes.txt", "x")          # under /usr/lib: not named itself
    write(app_root, "/var/log/apache2/old.log", "x")
    trace = ["/usr/sbin/apache2", conf]
    events = records(("apache2", "exec", "/usr/sbin/apache2"), ("apache2", "openat", conf))
    kept = kept_at(app_root, "unit", tmp_path, trace, events).kept
    for script in ("/usr/lib/cgi-bin/hello.sh", "/usr/lib/cgi-bin/info.pl"):
        assert kept.get(script, "").endswith(f"(under /usr/lib/cgi-bin, which {conf} names)"), script
    assert "/usr/bin/wc" in kept                                   # what the shell CGI runs
    assert "/usr/lib/unrelated/notes.txt" not in kept
    assert "/var/log/apache2/old.log" not in kept      # a file it names: not its directory
    # not read: names nothing
    kept = kept_at(app_root, "unit", tmp_path, trace[:1], events[:1]).kept
    assert "/usr/lib/cgi-bin/hello.sh" not in kept


def test_a_directory_the_configuration_read_names_keeps_its_data_packages_files(app_root: Path,
                                                                                  tmp_path: Path):
    """Tomcat read /etc/tomcat10/Catalina/localhost/manager.xml, whose
    docBase is tomcat10-admin's /usr/share/tomcat10-admin/manager, and
    scanned its WEB-INF only: on the minified image /manager/ was a 404,
    its styles and images too. The files of a package of data under a
    directory such configuration names come, of a package the workload
    read a file of there; not those of a package of programs there, nor
    of one nothing was read of there (Apache's /usr/share/javascript
    holds every libjs-*), nor of a data package elsewhere."""
    conf = "/etc/tomcat10/Catalina/localhost/manager.xml"
    docbase = "/usr/share/tomcat10-admin/manager"
    write(app_root, conf, f'<Context docBase="{docbase}" antiResourceLocking="false">\n</Context>\n')
    write(app_root, "/usr/share/tomcat10/bin/catalina.sh", "#!/bin/sh\n", 0o755)
    dpkg(app_root, "tomcat10-common", "/usr/share/tomcat10/bin/catalina.sh")
    pages = [f"{docbase}/index.jsp", f"{docbase}/css/manager.css", f"{docbase}/WEB-INF/web.xml",
             "/usr/share/tomcat10-admin/host-manager/index.jsp"]
    for page in pages:
        write(app_root, page, "x")
    dpkg(app_root, "tomcat10-admin", conf, *pages)
    write(app_root, f"{docbase}/tool.sh", "#!/bin/sh\n", 0o755)
    dpkg(app_root, "managertools", f"{docbase}/tool.sh")
    write(app_root, f"{docbase}/extra/big.js", "x")      # a package of data nothing of which was read there
    dpkg(app_root, "managerextra", f"{docbase}/extra/big.js")
    trace = ["/usr/share/tomcat10/bin/catalina.sh", conf, f"{docbase}/WEB-INF/web.xml"]
    events = records(("java", "exec", "/usr/share/tomcat10/bin/catalina.sh"), ("java", "openat", conf),
                     ("java", "openat", f"{docbase}/WEB-INF/web.xml"))
    kept = kept_at(app_root, "unit", tmp_path, trace, events).kept
    for page in pages[:2]:
        assert f"under {docbase}, which {conf} names: a file of tomcat10-admin" in kept.get(page, ""), page
    assert f"{docbase}/tool.sh" not in kept and f"{docbase}/extra/big.js" not in kept
    assert "/usr/share/tomcat10-admin/host-manager/index.jsp" not in kept


def test_a_program_the_configuration_read_names_is_kept(app_root: Path, tmp_path: Path):
    """R reads its Renviron (R_ZIPCMD=${R_ZIPCMD-'/usr/bin/zip'}, TAR=...)
    and runs those when asked: utils::zip said "/usr/bin/zip: not found".
    Not the shells /etc/passwd names after a ':'."""
    write(app_root, "/etc/R/Renviron", "R_ZIPCMD=${R_ZIPCMD-'/usr/bin/zip'}\nPAGER=/usr/bin/less\n")
    write(app_root, "/etc/passwd", "root:x:0:0:root:/root:/bin/bash\n")
    for program in ("zip", "zipnote", "bash"):
        write(app_root, f"/usr/bin/{program}", "#!/bin/sh\n", 0o755)
    dpkg(app_root, "zip", "/usr/bin/zip", "/usr/bin/zipnote")
    dpkg(app_root, "bash", "/usr/bin/bash")
    trace = ["/app/web.py", "/etc/R/Renviron", "/etc/passwd"]
    kept = kept_at(app_root, "unit", tmp_path, trace, records(*(("R", "openat", p) for p in trace))).kept
    assert "/usr/bin/zip" in kept and "/usr/bin/zipnote" in kept       # as if run: its package
    assert "/etc/R/Renviron names" in kept["/usr/bin/zip"]
    assert "/usr/bin/bash" not in kept


def test_a_data_directory_listed_is_kept_but_one_only_read_is_not(app_root: Path, tmp_path: Path):
    codes = "/usr/share/iso-codes/json"
    for name in ("iso_3166-1.json", "iso_639-2.json"):
        write(app_root, f"{codes}/{name}", "{}")
    dpkg(app_root, "iso-codes", f"{codes}/iso_3166-1.json", f"{codes}/iso_639-2.json")
    trace = [f"{codes}/iso_3166-1.json", codes]
    read_only = records(("server", "openat", f"{codes}/iso_3166-1.json"))
    kept = kept_at(app_root, "unit", tmp_path, trace, read_only).kept
    assert f"{codes}/iso_3166-1.json" in kept
    assert f"{codes}/iso_639-2.json" not in kept        # one file read: not the package
    listed = records(("server", "openat", codes), ("server", "openat", f"{codes}/iso_3166-1.json"))
    assert f"{codes}/iso_639-2.json" in kept_at(app_root, "unit", tmp_path, trace, listed).kept


def test_a_program_that_tells_local_time_keeps_every_zone(app_root: Path, tmp_path: Path):
    """The zone of local time is TZ's where it is set, and a deployment
    sets it (`docker run -e TZ=Europe/Berlin`): ffmpeg's timestamp
    watermark drew "Europe +0000" for "CET +0100" on the minified image,
    glibc taking the name of a missing zone for a POSIX TZ string, and
    Python's strftime('%Z') the same, status 200. A program that read
    /etc/localtime keeps the database; one that did not, not."""
    link(app_root, "/etc/localtime", "/usr/share/zoneinfo/Etc/UTC")
    told = records(("server", "openat", "/etc/localtime"))
    kept = kept_at(app_root, "unit", tmp_path, ["/etc/localtime"], told).kept
    assert "/usr/share/zoneinfo/Europe/Paris" in kept
    assert "/etc/localtime was read" in kept["/usr/share/zoneinfo/Europe/Paris"]
    other = records(("server", "openat", "/app/data/a.log"))
    assert "/usr/share/zoneinfo/Europe/Paris" not in kept_at(app_root, "unit", tmp_path, ["/app/data/a.log"],
                                                             other).kept
    assert "/usr/share/zoneinfo/Europe/Paris" not in kept_at(app_root, "file", tmp_path, ["/etc/localtime"],
                                                             told).kept


def test_a_zone_read_by_its_name_keeps_every_zone(app_root: Path, tmp_path: Path):
    """TZ=UTC (set in a probe's command, by setenv in a C program, by
    ENV['TZ'] in Ruby) reads /usr/share/zoneinfo/UTC by that name: the
    next run names another zone. The image kept UTC only, and a C program's
    America/New_York printed UTC's time with "America" for its zone, exit 0."""
    link(app_root, "/usr/share/zoneinfo/UTC", "Etc/UTC")      # TZ=UTC names a link
    for zone in ("/usr/share/zoneinfo/Etc/UTC", "/usr/share/zoneinfo/UTC"):
        by_name = records(("app", "openat", zone))
        kept = kept_at(app_root, "unit", tmp_path, [zone], by_name).kept
        assert "/usr/share/zoneinfo/Europe/Paris" in kept, zone
        assert "read by its name" in kept["/usr/share/zoneinfo/Europe/Paris"]
        assert "/usr/share/zoneinfo/Europe/Paris" not in kept_at(app_root, "file", tmp_path, [zone],
                                                                 by_name).kept


@pytest.mark.parametrize("code", [
    ("/app/when.py", "import os, time\ndef at(zone):\n    os.environ['TZ'] = zone\n    time.tzset()\n"),
    ("/app/when.rb", "def at(zone)\n  ENV['TZ'] = zone\n  Time.at(0).strftime('%H %Z')\nend\n"),
    ("/app/when.pl", "sub at { $ENV{TZ} = shift; POSIX::tzset(); }\n1;\n"),
    ("/app/when.js", "exports.at = (zone) => { process.env.TZ = zone; };\n"),
])
def test_application_code_that_sets_tz_keeps_the_time_zones(app_root: Path, tmp_path: Path,
                                                             code: tuple[str, str]):
    """Code that sets TZ in a branch the probes never took: the time zone
    database, as for a shell script's TZ=. A Ruby route setting
    ENV['TZ'] = 'America/New_York' printed UTC's time, status 200."""
    trace = ["/app/web.py"]
    served = records(("server", "openat", "/app/web.py"))
    assert "/usr/share/zoneinfo/Europe/Paris" not in kept_at(app_root, "unit", tmp_path, trace, served).kept
    write(app_root, code[0], code[1])
    kept = kept_at(app_root, "unit", tmp_path, trace, served).kept
    assert "/usr/share/zoneinfo/Europe/Paris" in kept and f"{code[0]} sets TZ" in kept[
        "/usr/share/zoneinfo/Europe/Paris"]


def test_package_level_keeps_every_used_package(app_root: Path, tmp_path: Path):
    catalog = "/usr/share/locale/de/LC_MESSAGES/coreutils.mo"
    trace = [catalog]
    no_program = records(("server", "openat", catalog))
    assert "/usr/bin/wc" not in kept_at(app_root, "unit", tmp_path, trace, no_program).kept
    assert "/usr/bin/wc" in kept_at(app_root, "package", tmp_path, trace, no_program).kept


def test_a_stat_is_not_a_run(app_root: Path, tmp_path: Path):
    """node stats /usr/bin/x86_64: with the events, a program only looked at
    does not bring its package."""
    trace = ["/usr/bin/date"]
    looked = records(("node", "newfstatat", "/usr/bin/date"))
    assert "/usr/bin/wc" not in kept_at(app_root, "unit", tmp_path, trace, looked).kept
    assert "/usr/bin/wc" in kept_at(app_root, "unit", tmp_path, trace, None).kept   # no events: a run


def test_unowned_tree_kept_in_part_is_a_warning(app_root: Path, tmp_path: Path):
    report = kept_at(app_root, "file", tmp_path)
    assert any(w.startswith("/app, which no package owns, is kept only in part") for w in report.warnings)
    assert not any("kept only in part" in w for w in kept_at(app_root, "unit", tmp_path).warnings)
    # above the file level, a tree none of whose files was used is not kept
    # in part: the warning told a user at unit level to use unit level
    write(app_root, "/usr/share/python3/debpython/files.py", "")
    dpkg(app_root, "python3", "/usr/share/python3/debpython/files.py")
    write(app_root, "/usr/share/python3/debpython/__pycache__/files.cpython-311.pyc", "")
    trace = [*TRACE, "/usr/share/python3/debpython/files.py"]
    warned = [w for w in kept_at(app_root, "file", tmp_path, trace).warnings if "/usr/share/python3" in w]
    assert warned and warned[0].endswith("--granularity unit or package keeps them whole")
    assert not any("/usr/share/python3" in w for w in kept_at(app_root, "unit", tmp_path, trace).warnings)


@pytest.fixture
def plugin_root(tmp_path: Path) -> Path:
    """A server package with a plugin that needs a large library of a
    package the server never uses (PostgreSQL's llvmjit.so and libLLVM)."""
    need(shutil.which("gcc") is not None, "gcc")
    root = tmp_path / "root"
    build = tmp_path / "build"
    build.mkdir()
    lib = host_loader(root)
    cc(build / "libhuge.so", "int huge(void){return 1;}", "-shared", "-fPIC")
    shutil.copy2(build / "libhuge.so", lib / "libhuge.so")
    with open(lib / "libhuge.so", "ab") as fh:        # make it large
        fh.write(b"\0" * (expand.FOREIGN_LIMIT + 1))
    (root / "usr/lib/server").mkdir(parents=True)
    cc(root / "usr/lib/server/jit.so", "int huge(void); int jit(void){return huge();}", "-shared", "-fPIC",
       f"-L{build}", "-lhuge")
    cc(root / "usr/lib/server/small.so", "int small(void){return 2;}", "-shared", "-fPIC")
    (root / "usr/bin").mkdir(parents=True)
    cc(root / "usr/bin/server", "int main(void){return 0;}")
    dpkg(root, "server", "/usr/bin/server", "/usr/lib/server/jit.so", "/usr/lib/server/small.so")
    dpkg(root, "libc6", "/usr/lib/x86_64-linux-gnu/libc.so.6",
         "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", "/lib64/ld-linux-x86-64.so.2")
    dpkg(root, "libhuge", "/usr/lib/x86_64-linux-gnu/libhuge.so")
    return root


def test_a_plugin_needing_a_large_unused_package_is_left_out(plugin_root: Path, tmp_path: Path):
    report = kept_at(plugin_root, "unit", tmp_path, ["/usr/bin/server"],
                     records(("server", "exec", "/usr/bin/server")))
    assert "/usr/lib/server/small.so" in report.kept
    assert "/usr/lib/server/jit.so" not in report.kept
    assert "/usr/lib/x86_64-linux-gnu/libhuge.so" not in report.kept
    assert "packages the workload never used (libhuge)" in report.skipped["/usr/lib/server/jit.so"]
    # and said, not only listed (Graphviz's JPEG plugin went unnoticed)
    assert any(w.startswith("1 file(s) of units the workload used were left out, such as "
                            "/usr/lib/server/jit.so (") for w in report.warnings), report.warnings


def test_a_module_of_a_directory_modules_are_loaded_from_has_a_larger_bound(plugin_root: Path,
                                                                             tmp_path: Path):
    """ImageMagick loads a format's coder from its modules directory; heic.so
    was left out for the 24.8 MB of libheif's codecs it needs, and `convert
    in.jpg out.heic` wrote JPEG data, exit 0. A module of a directory the
    program loaded another module from comes within MODULE_LIMIT of
    packages nothing else used; beyond it, it is left out (PostgreSQL's
    llvmjit.so, 133 MB of LLVM)."""
    ran = records(("server", "exec", "/usr/bin/server"), ("server", "openat", "/usr/lib/server/small.so"))
    trace = ["/usr/bin/server", "/usr/lib/server/small.so"]
    kept = kept_at(plugin_root, "unit", tmp_path, trace, ran).kept
    assert "/usr/lib/server/jit.so" in kept and "/usr/lib/x86_64-linux-gnu/libhuge.so" in kept
    # modules its configuration chooses (Apache's LoadModule lines): another
    # comes with the line that names it, and the program says at its start
    # when it cannot load one: the usual bound (mod_proxy_html, 37.5 MB of ICU)
    write(plugin_root, "/etc/server/modules.conf", "load /usr/lib/server/small.so\n")
    (tmp_path / "configured").mkdir()
    configured = kept_at(plugin_root, "unit", tmp_path / "configured", [*trace, "/etc/server/modules.conf"],
                         [*ran, *records(("server", "openat", "/etc/server/modules.conf"))])
    assert "/usr/lib/server/jit.so" not in configured.kept
    (plugin_root / "etc/server/modules.conf").unlink()
    # ... also by the name its file's decorations wrap (Dovecot's
    # `mail_plugins = quota` loads lib10_quota_plugin.so)
    server_lib = plugin_root / "usr/lib/server"
    shutil.copy2(server_lib / "small.so", server_lib / "lib10_quota_plugin.so")
    dpkg(plugin_root, "server", "/usr/bin/server", "/usr/lib/server/jit.so", "/usr/lib/server/small.so",
         "/usr/lib/server/lib10_quota_plugin.so")
    write(plugin_root, "/etc/server/server.conf", "mail_plugins = $mail_plugins quota\n")
    quota = ["/usr/bin/server", "/usr/lib/server/lib10_quota_plugin.so", "/etc/server/server.conf"]
    (tmp_path / "stem").mkdir()
    stem = kept_at(plugin_root, "unit", tmp_path / "stem", quota,
                   records(("server", "exec", quota[0]), *(("server", "openat", p) for p in quota[1:])))
    assert "/usr/lib/server/jit.so" not in stem.kept
    (plugin_root / "etc/server/server.conf").unlink()
    # the pool is the directory's, for its modules together: of two that
    # need 40 MB each, one comes
    build = tmp_path / "build"
    for name in ("one", "two"):
        cc(build / f"lib{name}.so", f"int {name}(void){{return 1;}}", "-shared", "-fPIC")
        shutil.copy2(build / f"lib{name}.so", plugin_root / f"usr/lib/x86_64-linux-gnu/lib{name}.so")
        os.truncate(plugin_root / f"usr/lib/x86_64-linux-gnu/lib{name}.so", 40 << 20)
        cc(server_lib / f"{name}.so", f"int {name}(void);\nint m_{name}(void){{return {name}();}}",
           "-shared", "-fPIC", f"-L{build}", f"-l{name}")
        dpkg(plugin_root, f"lib{name}", f"/usr/lib/x86_64-linux-gnu/lib{name}.so")
    os.truncate(plugin_root / "usr/lib/x86_64-linux-gnu/libhuge.so", 1 << 10)
    dpkg(plugin_root, "server", "/usr/bin/server", "/usr/lib/server/small.so", "/usr/lib/server/one.so",
         "/usr/lib/server/two.so")
    (tmp_path / "pool").mkdir()
    pooled = kept_at(plugin_root, "unit", tmp_path / "pool", trace, ran)
    assert "/usr/lib/server/one.so" in pooled.kept and "/usr/lib/server/two.so" not in pooled.kept
    assert "packages the workload never used (libtwo)" in pooled.skipped["/usr/lib/server/two.so"]
    # a directory of the libraries the program needs (its RUNPATH's: Dovecot's
    # /usr/lib/dovecot, whose libdovecot-fts needs 40 MB of ICU): no pool
    cc(plugin_root / "usr/bin/server", "int small(void);\nint main(void){return small() - 2;}",
       f"-L{server_lib}", "-l:small.so", "-Wl,--enable-new-dtags,-rpath,/usr/lib/server")
    (tmp_path / "needed").mkdir()
    needed = kept_at(plugin_root, "unit", tmp_path / "needed", trace, ran)
    assert "/usr/lib/server/one.so" not in needed.kept and "/usr/lib/server/two.so" not in needed.kept
    dpkg(plugin_root, "server", "/usr/bin/server", "/usr/lib/server/jit.so", "/usr/lib/server/small.so")
    os.truncate(plugin_root / "usr/lib/x86_64-linux-gnu/libhuge.so", expand.MODULE_LIMIT + 1)
    (tmp_path / "huge").mkdir()
    report = kept_at(plugin_root, "unit", tmp_path / "huge", trace, ran)
    assert "/usr/lib/server/jit.so" not in report.kept
    assert "packages the workload never used (libhuge)" in report.skipped["/usr/lib/server/jit.so"]


def test_why_a_file_is_left_out_is_counted_against_what_is_kept_at_the_end(plugin_root: Path,
                                                                            tmp_path: Path):
    """Graphviz's gd plugin was said to be left out for libstdc++6 and
    libwebp7 among "packages the workload never used", which the image
    kept for other files after the plugin was first asked about. The
    reason said is counted against what is kept in the end."""
    root = plugin_root
    build = tmp_path / "build"
    lib = root / "usr/lib/x86_64-linux-gnu"
    cc(lib / "libmid.so", "int mid(void){return 3;}", "-shared", "-fPIC")
    shutil.copy2(lib / "libmid.so", build / "libmid.so")
    cc(root / "usr/lib/server/jit.so", "int huge(void);\nint mid(void);\n"
       "int jit(void){return huge() + mid();}", "-shared", "-fPIC", f"-L{build}", "-lhuge", "-lmid")
    # (after jit.so in the package's order, and kept: it brings libmid)
    cc(root / "usr/lib/server/zz.so", "int mid(void);\nint zz(void){return mid();}", "-shared", "-fPIC",
       f"-L{build}", "-lmid")
    dpkg(root, "server", "/usr/bin/server", "/usr/lib/server/jit.so", "/usr/lib/server/small.so",
         "/usr/lib/server/zz.so")
    dpkg(root, "libmid", "/usr/lib/x86_64-linux-gnu/libmid.so")
    ran = records(("server", "exec", "/usr/bin/server"))
    report = kept_at(root, "unit", tmp_path, ["/usr/bin/server"], ran)
    assert "/usr/lib/server/zz.so" in report.kept and "/usr/lib/x86_64-linux-gnu/libmid.so" in report.kept
    why = report.skipped["/usr/lib/server/jit.so"]
    assert "packages the workload never used (libhuge)" in why, why


def test_the_warning_names_a_module_left_out_beside_a_kept_one_first(plugin_root: Path, tmp_path: Path):
    """Graphviz's gd plugin was left out, and its formats broke; the
    warning named /usr/bin/diffimg, which nothing ran, the first by name.
    A shared object left out beside one that is kept is named first."""
    build = tmp_path / "build"
    cc(plugin_root / "usr/bin/diffimg", "int huge(void);\nint main(void){return huge();}",
       f"-L{build}", "-lhuge")
    dpkg(plugin_root, "server", "/usr/bin/server", "/usr/bin/diffimg", "/usr/lib/server/jit.so",
         "/usr/lib/server/small.so")
    report = kept_at(plugin_root, "unit", tmp_path, ["/usr/bin/server"],
                     records(("server", "exec", "/usr/bin/server")))
    assert "/usr/bin/diffimg" in report.skipped and "/usr/lib/server/small.so" in report.kept
    assert any(w.startswith("2 file(s) of units the workload used were left out, such as "
                            "/usr/lib/server/jit.so (") for w in report.warnings), report.warnings


def test_exclude_applies_before_the_closure(plugin_root: Path, tmp_path: Path):
    """Excluding the plugin (traced) must not keep the library it needs."""
    rules = resolve.Rules(exclude=["/usr/lib/server/jit.so"])
    report = kept_at(plugin_root, "file", tmp_path, ["/usr/bin/server", "/usr/lib/server/jit.so"],
                     None, rules)
    assert "/usr/lib/server/jit.so" not in report.kept
    assert "/usr/lib/x86_64-linux-gnu/libhuge.so" not in report.kept
    assert report.skipped["/usr/lib/server/jit.so"] == "rule --exclude /usr/lib/server/jit.so"
    kept = kept_at(plugin_root, "file", tmp_path, ["/usr/bin/server", "/usr/lib/server/jit.so"]).kept
    assert "/usr/lib/x86_64-linux-gnu/libhuge.so" in kept       # traced and not excluded: needed


def test_include_that_matches_nothing_warns_and_a_relative_one_is_refused(app_root: Path, tmp_path: Path):
    report = kept_at(app_root, "file", tmp_path, rules=resolve.Rules(include=["/usr/share/nothing*",
                                                                           "/app/data"]))
    assert "--include /usr/share/nothing* matches nothing in the source" in report.warnings
    assert not any("/app/data matches nothing" in w for w in report.warnings)
    from micropack.errors import UsageError
    with pytest.raises(UsageError, match="not absolute"):
        resolve.Rules(include=["usr/share/zoneinfo/*"]).check("unit")


def test_include_glob_matches_through_a_linked_directory(app_root: Path, tmp_path: Path):
    # Debian's merged /usr: /bin is a link to usr/bin, so no path of the
    # tree is under /bin, and a glob spelled the way programs spell the
    # path matched nothing (a warning, and the file left out).
    report = kept_at(app_root, "file", tmp_path, rules=resolve.Rules(include=["/bin/w*", "/bin/nothing*"]))
    assert report.kept["/usr/bin/wc"] and "/usr/bin/find" not in report.kept
    assert "/bin" in report.kept                                # the link the name goes through
    assert not any("/bin/w* matches nothing" in w for w in report.warnings), report.warnings
    assert "--include /bin/nothing* matches nothing in the source" in report.warnings
    with tarfile.open(tmp_path / "file.tar") as tar:
        m = {t.name: t for t in tar.getmembers()}
    assert m["bin"].issym() and "usr/bin/wc" in m


def test_include_glob_through_links_of_every_shape(app_root: Path, tmp_path: Path):
    # A link target named like a pattern is text, not a pattern; a link
    # to / ; and both spellings of one glob, each of which matches.
    link(app_root, "/data", "/opt/[ab]")
    write(app_root, "/opt/[ab]/f1")
    write(app_root, "/opt/a/fx")
    link(app_root, "/srv/top", "/")
    write(app_root, "/extra.txt")
    report = kept_at(app_root, "file", tmp_path, rules=resolve.Rules(
        include=["/data/f*", "/srv/top/extra*", "/bin/w*", "/usr/bin/w*"]))
    assert "/opt/[ab]/f1" in report.kept and "/opt/a/fx" not in report.kept
    assert "/extra.txt" in report.kept and "/srv/top" in report.kept
    assert "/usr/bin/wc" in report.kept
    assert not any("matches nothing" in w for w in report.warnings), report.warnings


def test_exclude_spelled_through_a_link_excludes_what_it_leads_to(app_root: Path, tmp_path: Path):
    # /bin is a link to usr/bin: an --exclude written either way wins over
    # an --include written the other way, wildcard or not.
    for exclude in (["/bin/wc"], ["/bin/w*"]):
        report = kept_at(app_root, "file", tmp_path, rules=resolve.Rules(include=["/usr/bin/*"],
                                                                        exclude=exclude))
        assert "/usr/bin/wc" not in report.kept and "/usr/bin/find" in report.kept, exclude
        assert report.skipped["/usr/bin/wc"] == f"rule --exclude {exclude[0]}"


def test_tz_set_by_a_script_or_the_image_keeps_the_time_zones(app_root: Path, tmp_path: Path):
    """date never read a zone in the trace, but TZ names any of them."""
    quiet = records(("report.sh", "exec", "/app/report.sh"))
    trace = ["/app/report.sh"]
    assert "/usr/share/zoneinfo/Europe/Paris" not in kept_at(app_root, "unit", tmp_path, trace, quiet).kept
    write(app_root, "/app/report.sh", "#!/bin/sh\nfor tz in A B; do TZ=$tz date; done\n", 0o755)
    assert "/usr/share/zoneinfo/Europe/Paris" in kept_at(app_root, "unit", tmp_path, trace, quiet).kept
    write(app_root, "/app/report.sh", "#!/bin/sh\necho\n", 0o755)
    src = Source(RootFS(app_root), "test", {"PATH": "/usr/bin:/bin", "TZ": "Europe/Paris"})
    kept = pack.pack_files(src, trace, str(tmp_path / "tz.tar"), resolve.Rules(), events=quiet).kept
    assert "/usr/share/zoneinfo/Europe/Paris" in kept


def test_a_plugin_needing_a_library_its_program_loaded_is_kept(tmp_path: Path):
    # /opt/app/bin/server (RUNPATH $ORIGIN/../lib) loads libcore.so and
    # dlopen()s plugins/p.so, which needs libcore.so with no path of its
    # own: ld.so takes the libcore.so already loaded. The plugin, never
    # traced, was left out at unit and package level as needing a library
    # "the source does not have".
    need(shutil.which("gcc") is not None, "gcc (scripts/setup-host.sh installs it)")
    root, build = tmp_path / "root", tmp_path / "build"
    build.mkdir()
    host_libc(root)
    link(root, "/lib64/ld-linux-x86-64.so.2", "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2")
    for d in ("opt/app/bin", "opt/app/lib", "opt/app/plugins"):
        (root / d).mkdir(parents=True)
    cc(build / "libcore.so", "int core(void){return 7;}", "-shared", "-fPIC")
    shutil.copy2(build / "libcore.so", root / "opt/app/lib/libcore.so")
    cc(root / "opt/app/plugins/p.so", "int core(void);\nint plug(void){return core();}\n", "-shared", "-fPIC",
       f"-L{build}", "-lcore")
    cc(root / "opt/app/bin/server", "int core(void);\nint main(void){return core()-7;}\n", f"-L{build}",
       "-lcore", "-Wl,--enable-new-dtags,-rpath,$ORIGIN/../lib")
    dpkg(root, "app", "/opt/app/bin/server", "/opt/app/lib/libcore.so", "/opt/app/plugins/p.so")
    traced = ["/opt/app/bin/server", "/opt/app/lib/libcore.so"]
    for level in ("unit", "package"):
        report = kept_at(root, level, tmp_path, traced, records(("server", "exec", "/opt/app/bin/server")))
        assert "/opt/app/plugins/p.so" in report.kept, (level, report.skipped.get("/opt/app/plugins/p.so"))


def test_a_library_its_program_finds_for_another_of_its_libraries_is_no_missing_one(tmp_path: Path):
    """systemd's /lib/systemd/systemd finds libsystemd-shared and
    libsystemd-core by its RUNPATH; libsystemd-core, with no path of its
    own, needs libsystemd-shared too, and ld.so takes the one loaded. Left
    out on a cgit image, init was said to need "libsystemd-shared-252.so,
    which the source does not have": the source had it. The reason given is
    what is missing indeed (here a library libshared needs); the name
    itself only where no library of that name is there at all."""
    need(shutil.which("gcc") is not None, "gcc (scripts/setup-host.sh installs it)")
    root, build = tmp_path / "root", tmp_path / "build"
    build.mkdir()
    host_libc(root)
    link(root, "/lib64/ld-linux-x86-64.so.2", "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2")
    private = root / "usr/lib/x86_64-linux-gnu/systemd"
    for d in ("usr/lib/systemd", "usr/lib/x86_64-linux-gnu/systemd"):
        (root / d).mkdir(parents=True, exist_ok=True)
    cc(build / "libgone.so", "int gone(void){return 0;}", "-shared", "-fPIC")
    cc(build / "libshared.so", "int gone(void);\nint shared(void){return 7 + gone();}", "-shared", "-fPIC",
       f"-L{build}", "-lgone")
    cc(build / "libcore.so", "int shared(void);\nint core(void){return shared();}\n", "-shared", "-fPIC",
       f"-L{build}", "-lshared", f"-Wl,-rpath-link,{build}")
    for name in ("libshared.so", "libcore.so"):
        shutil.copy2(build / name, private / name)
    cc(root / "usr/lib/systemd/systemd", "int core(void);\nint shared(void);\n"
       "int main(void){return core() - shared();}\n", f"-L{build}", "-lshared", "-lcore",
       f"-Wl,-rpath-link,{build}", "-Wl,--enable-new-dtags,-rpath,/usr/lib/x86_64-linux-gnu/systemd")
    cc(root / "usr/lib/systemd/other", "int main(void){return 0;}\n")
    lib = "/usr/lib/x86_64-linux-gnu/systemd"
    dpkg(root, "systemd", "/usr/lib/systemd/systemd", "/usr/lib/systemd/other", f"{lib}/libshared.so",
         f"{lib}/libcore.so")
    # (another program of the package ran; none of those libraries was loaded)
    traced = ["/usr/lib/systemd/other"]
    ran = records(("other", "exec", "/usr/lib/systemd/other"))
    report = kept_at(root, "unit", tmp_path, traced, ran)
    why = report.skipped.get("/usr/lib/systemd/systemd", "")
    assert "needs libgone.so, which the source does not have" in why, why
    # without libshared.so anywhere: that one is said
    (private / "libshared.so").unlink()
    (tmp_path / "gone").mkdir()
    gone = kept_at(root, "unit", tmp_path / "gone", traced, ran)
    why = gone.skipped.get("/usr/lib/systemd/systemd", "")
    assert "needs libshared.so, which the source does not have" in why, why


def test_a_package_of_links_to_programs_is_no_data(tmp_path: Path):
    """systemd-sysv holds links only (/sbin/init to systemd, halt and
    reboot to systemctl): as data lighttpd depends on, it was kept whole,
    and with it systemd and its 5.4 MB library on a cgit image where
    nothing runs init. A package whose files lead to programs is one of
    programs; a package of data a program depends on still comes."""
    root, lib = compiled_root(tmp_path)
    for d in ("usr/sbin", "usr/lib/systemd", "usr/share/server"):
        (root / d).mkdir(parents=True, exist_ok=True)
    cc(root / "usr/sbin/server", "int main(void){return 0;}")
    cc(root / "usr/lib/systemd/systemd", "int main(void){return 0;}")
    link(root, "/usr/sbin/init", "../lib/systemd/systemd")
    write(root, "/usr/share/server/types.dat", "x")
    dpkg(root, "libc6", "/usr/lib/x86_64-linux-gnu/libc.so.6",
         "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2")
    dpkg(root, "server", "/usr/sbin/server", depends="libc6, systemd-sysv, server-data")
    dpkg(root, "systemd-sysv", "/usr/sbin/init", depends="systemd")
    dpkg(root, "systemd", "/usr/lib/systemd/systemd", depends="libc6")
    dpkg(root, "server-data", "/usr/share/server/types.dat")
    assert lib.is_dir()
    ran = records(("server", "exec", "/usr/sbin/server"))
    kept = kept_at(root, "unit", tmp_path, ["/usr/sbin/server"], ran).kept
    assert "/usr/share/server/types.dat" in kept
    assert "/usr/sbin/init" not in kept and "/usr/lib/systemd/systemd" not in kept
    # a link of such a package to a program that is kept still comes (python-is-python3's
    # /usr/bin/python, Debian's ruby's /usr/bin/ruby): by the links to what is kept
    link(root, "/usr/sbin/serverd", "server")
    dpkg(root, "server-compat", "/usr/sbin/serverd", depends="server")
    dpkg(root, "server", "/usr/sbin/server", depends="libc6, systemd-sysv, server-data, server-compat")
    (tmp_path / "compat").mkdir()
    assert "/usr/sbin/serverd" in kept_at(root, "unit", tmp_path / "compat", ["/usr/sbin/server"], ran).kept


def test_a_static_program_run_brings_its_package_as_a_dynamic_one_does(tmp_path: Path):
    # Without events every traced program counts as run, and a program was
    # told by its ELF interpreter: a static one (busybox, Go's) was not one,
    # and its package's other programs were left out.
    need(shutil.which("gcc") is not None, "gcc (scripts/setup-host.sh installs it)")
    root = tmp_path / "root"
    host_libc(root)
    link(root, "/lib64/ld-linux-x86-64.so.2", "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2")
    (root / "usr/bin").mkdir(parents=True, exist_ok=True)
    for name, flags in (("a", ["-static"]), ("b", ["-static"]), ("c", []), ("d", [])):
        cc(root / "usr/bin" / name, "int main(void){return 0;}\n", *flags)
    dpkg(root, "static-tools", "/usr/bin/a", "/usr/bin/b")
    dpkg(root, "dynamic-tools", "/usr/bin/c", "/usr/bin/d")
    kept = kept_at(root, "unit", tmp_path, ["/usr/bin/a", "/usr/bin/c"], None).kept
    assert "/usr/bin/d" in kept and "/usr/bin/b" in kept


def test_a_script_run_through_env_with_options_is_told_a_shell_script():
    # the same reading of env's words as the packer's shebang closure:
    # '#!/usr/bin/env -S bash -e' took '-S' for the interpreter, so the
    # script's commands were never read
    from micropack.codescan import is_shell_script
    for line, shell in ((b"#!/usr/bin/env bash", True), (b"#!/usr/bin/env -S bash -e", True),
                        (b"#!/usr/bin/env -u LANG sh", True), (b"#!/usr/bin/env python3", False),
                        (b"#!/usr/bin/env", False)):
        assert is_shell_script(line + b"\n", "/app/run") is shell, line


def test_python_data_read_on_first_use(app_root: Path, tmp_path: Path):
    """Two things Python's standard library reads long after the import
    the trace saw: mimetypes reads /etc/mime.types on its first guess
    (guesses came back None, status 200), and zoneinfo's import asks
    sysconfig for TZPATH, which imports _sysconfigdata_* by a name it
    computes (ModuleNotFoundError, for any zone)."""
    lib = "/usr/lib/python3.11"
    write(app_root, "/etc/mime.types", "application/vnd.oasis.opendocument.text odt\n")
    dpkg(app_root, "media-types", "/etc/mime.types")
    write(app_root, f"{lib}/mimetypes.py", "import os\n")
    write(app_root, f"{lib}/sysconfig.py", "import os\n")
    write(app_root, f"{lib}/_sysconfigdata__x86_64-linux-gnu.py", "build_time_vars = {}\n")
    trace = ["/app/web.py", f"{lib}/mimetypes.py", f"{lib}/sysconfig.py"]
    events = records(*(("python3", "openat", p) for p in trace))
    kept = kept_at(app_root, "unit", tmp_path, trace, events).kept
    assert kept.get("/etc/mime.types") == "read by Python's mimetypes on its first guess"
    assert f"{lib}/_sysconfigdata__x86_64-linux-gnu.py" in kept
    kept = kept_at(app_root, "unit", tmp_path, trace[:1], records(("python3", "openat", "/app/web.py"))).kept
    assert "/etc/mime.types" not in kept and f"{lib}/_sysconfigdata__x86_64-linux-gnu.py" not in kept


def test_the_tools_of_a_package_built_from_the_same_source_as_a_program_that_ran(app_root: Path,
                                                                                 tmp_path: Path):
    """sshd ran; on the minified image a client's `scp -O` failed ("scp:
    command not found", sshd runs it for the client) and a start command's
    `ssh-keygen -A` left sshd with no host keys: openssh-client, a
    dependency of openssh-server built from the same source, was dropped.
    Its commands come, each alone; not those of a dependency of another
    source, nor its package whole."""
    for program in ("/usr/sbin/sshd", "/usr/bin/ssh-keygen", "/usr/bin/scp", "/usr/bin/adduser"):
        write(app_root, program, "#!/bin/sh\n", 0o755)
    write(app_root, "/usr/share/openssh/ssh_config.sample", "x")
    dpkg(app_root, "openssh-server", "/usr/sbin/sshd", source="openssh",
         depends="openssh-client (= 1:9.2p1-2), adduser")
    dpkg(app_root, "openssh-client", "/usr/bin/ssh-keygen", "/usr/bin/scp",
         "/usr/share/openssh/ssh_config.sample", source="openssh")
    dpkg(app_root, "adduser", "/usr/bin/adduser", source="adduser")
    trace = ["/usr/sbin/sshd"]
    kept = kept_at(app_root, "unit", tmp_path, trace, records(("sshd", "exec", "/usr/sbin/sshd"))).kept
    assert "/usr/bin/ssh-keygen" in kept and "/usr/bin/scp" in kept
    assert "built from the same source as openssh-server" in kept["/usr/bin/scp"]
    assert "/usr/bin/adduser" not in kept and "/usr/share/openssh/ssh_config.sample" not in kept
    # in any number of steps through the same source (exim4-daemon-light, exim4-base,
    # exim4-config's update-exim4.conf: "not found"), not through another's
    for program in ("/usr/sbin/exim4", "/usr/bin/exicyclog", "/usr/bin/update-exim4.conf",
                    "/usr/bin/other-tool"):
        write(app_root, program, "#!/bin/sh\n", 0o755)
    dpkg(app_root, "exim4-daemon-light", "/usr/sbin/exim4", source="exim4", depends="exim4-base, other")
    dpkg(app_root, "exim4-base", "/usr/bin/exicyclog", source="exim4", depends="exim4-config")
    dpkg(app_root, "exim4-config", "/usr/bin/update-exim4.conf", source="exim4")
    dpkg(app_root, "other", source="other", depends="other-tools")
    dpkg(app_root, "other-tools", "/usr/bin/other-tool", source="other")
    kept = kept_at(app_root, "unit", tmp_path, ["/usr/sbin/exim4"],
                   records(("exim4", "exec", "/usr/sbin/exim4"))).kept
    assert "built from the same source as exim4-daemon-light" in kept["/usr/bin/update-exim4.conf"]
    assert "/usr/bin/exicyclog" in kept and "/usr/bin/other-tool" not in kept
    # a module a server loaded, as a program that ran: mod_php's own CLI,
    # which an application's maintenance scripts run with (MediaWiki's
    # runJobs.php: "php: executable file not found")
    mods = "/usr/lib/apache2/modules"
    for program in ("/usr/sbin/apache2", "/usr/bin/php8.2"):
        write(app_root, program, "#!/bin/sh\n", 0o755)
    write(app_root, f"{mods}/libphp8.2.so", "\x7fELF")
    write(app_root, f"{mods}/mod_rewrite.so", "\x7fELF")
    dpkg(app_root, "apache2-bin", "/usr/sbin/apache2", f"{mods}/mod_rewrite.so", source="apache2")
    dpkg(app_root, "libapache2-mod-php8.2", f"{mods}/libphp8.2.so", source="php8.2",
         depends="php8.2-cli, other")
    dpkg(app_root, "php8.2-cli", "/usr/bin/php8.2", source="php8.2")
    trace = ["/usr/sbin/apache2", f"{mods}/libphp8.2.so"]
    kept = kept_at(app_root, "unit", tmp_path, trace,
                   records(("apache2", "exec", trace[0]), ("apache2", "openat", trace[1]))).kept
    assert "/usr/bin/php8.2" in kept and "whose /usr/lib/apache2/modules/libphp8.2.so was loaded" \
        in kept["/usr/bin/php8.2"]
    assert "/usr/bin/other-tool" not in kept
    # (a module kept, never loaded: nothing for its source)
    write(app_root, f"{mods}/mod_perl.so", "\x7fELF")
    write(app_root, "/usr/bin/perl-tool", "#!/bin/sh\n", 0o755)
    dpkg(app_root, "libapache2-mod-perl2", f"{mods}/mod_perl.so", source="modperl", depends="perl-tools")
    dpkg(app_root, "perl-tools", "/usr/bin/perl-tool", source="modperl")
    kept = kept_at(app_root, "unit", tmp_path, trace,
                   records(("apache2", "exec", trace[0]), ("apache2", "openat", trace[1])),
                   resolve.Rules(include=[f"{mods}/mod_perl.so"])).kept
    assert "/usr/bin/php8.2" in kept and "/usr/bin/perl-tool" not in kept


@pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc (CI installs it)")
def test_the_login_shells_of_the_accounts_come_with_a_program_that_logs_users_in(app_root: Path,
                                                                                 tmp_path: Path):
    """sshd refuses an account whose shell is missing: an sftp-only
    account's /usr/sbin/nologin was dropped ("shell /usr/sbin/nologin does
    not exist"), no login at all. A program that ran and starts PAM
    sessions keeps the shells /etc/passwd names; one that does not, none."""
    build = tmp_path / "build"
    build.mkdir()
    cc(build / "libpam.so", "int pam_open_session(void *h, int f){return 0;}", "-shared", "-fPIC")
    (app_root / "usr/sbin").mkdir(parents=True, exist_ok=True)
    for name, body in (("sshd", "int pam_open_session(void *, int);\n"
                                "int main(void){return pam_open_session(0, 0);}"),
                       ("server", "int main(void){return 0;}")):
        cc(app_root / f"usr/sbin/{name}", f"{body}\n", f"-L{build}", "-lpam")
    for shell in ("/usr/sbin/nologin", "/usr/bin/zsh"):
        write(app_root, shell, "#!/bin/sh\n", 0o755)
        dpkg(app_root, posixpath.basename(shell), shell)
    write(app_root, "/etc/passwd", "root:x:0:0:root:/root:/usr/bin/zsh\n"
                                   "sftp:x:1001:1001::/home/sftp:/usr/sbin/nologin\nodd:x:1:1::/:nologin\n")
    write(app_root, "/usr/sbin/useradd", "#!/bin/sh\n" + "#" * 100_000, 0o755)      # (over 1% of the image)
    dpkg(app_root, "passwd", "/usr/sbin/useradd")
    for program, kept_shells in (("/usr/sbin/sshd", True), ("/usr/sbin/server", False)):
        report = kept_at(app_root, "unit", tmp_path, [program], records(("x", "exec", program)))
        kept = report.kept
        for shell in ("/usr/sbin/nologin", "/usr/bin/zsh"):
            assert (shell in kept) == kept_shells, (program, shell)
        # and the commands that add accounts, the toolbox's: said, or kept with
        # --keep toolbox (an FTP server's next user: "useradd: not found", unsaid)
        assert ("the commands that add and change accounts (useradd" in report.toolbox) == kept_shells
        if kept_shells:
            assert "a login shell /etc/passwd names" in kept["/usr/sbin/nologin"]
    rules = resolve.Rules()
    rules.add_preset("toolbox")
    kept = kept_at(app_root, "unit", tmp_path, ["/usr/sbin/sshd"], records(("x", "exec", "/usr/sbin/sshd")),
                   rules).kept
    assert "/usr/sbin/useradd" in kept and "--keep toolbox" in kept["/usr/sbin/useradd"]


def test_a_curses_library_kept_keeps_the_terminal_database(app_root: Path, tmp_path: Path):
    """varnishstat, varnishtop and varnishhist on a tty stopped with "Error
    opening terminal: xterm." on a minified Varnish: no probe has a
    terminal, and nothing read /lib/terminfo. Once libtinfo is kept, a
    small terminfo directory comes whole, and of a large one the entries
    of the terminals people connect from."""
    write(app_root, "/usr/lib/x86_64-linux-gnu/libtinfo.so.6", "x")
    dpkg(app_root, "libtinfo6", "/usr/lib/x86_64-linux-gnu/libtinfo.so.6")
    base = ["/lib/terminfo/x/xterm", "/lib/terminfo/d/dumb", "/lib/terminfo/l/linux"]
    for path in base:
        write(app_root, path, "entry")
    dpkg(app_root, "ncurses-base", *base)
    write(app_root, "/usr/share/terminfo/x/xterm-256color", "entry")
    write(app_root, "/usr/share/terminfo/a/adm3a", "e" * (1 << 20))       # a large database
    dpkg(app_root, "ncurses-term", "/usr/share/terminfo/x/xterm-256color", "/usr/share/terminfo/a/adm3a")
    plain = ["/app/web.py"]
    kept = kept_at(app_root, "unit", tmp_path, plain, records(("python3", "openat", "/app/web.py"))).kept
    assert "/lib/terminfo/x/xterm" not in kept and "/usr/lib/terminfo/x/xterm" not in kept
    curses = [*plain, "/usr/lib/x86_64-linux-gnu/libtinfo.so.6"]
    loads = records(*(("varnishstat", "openat", p) for p in curses))
    kept = kept_at(app_root, "unit", tmp_path, curses, loads).kept
    for path in ("/usr/lib/terminfo/x/xterm", "/usr/lib/terminfo/d/dumb", "/usr/lib/terminfo/l/linux",
                 "/usr/share/terminfo/x/xterm-256color"):
        assert path in kept, path
    assert "/usr/share/terminfo/a/adm3a" not in kept


def test_a_tls_library_loaded_keeps_the_certificate_authorities(app_root: Path, tmp_path: Path):
    """ssl.create_default_context() loaded 0 CAs on the minified image (142
    on the original): only openssl.cnf was traced, the first verified
    connection comes later. OpenSSL picks CApath's files by a hash."""
    certs = {"/etc/ssl/certs/ca-certificates.crt": "PEM", "/usr/share/ca-certificates/mozilla/A.crt": "PEM"}
    for path, text in certs.items():
        write(app_root, path, text)
    link(app_root, "/etc/ssl/certs/a1b2c3d4.0", "/usr/share/ca-certificates/mozilla/A.crt")
    # and the command that rebuilds them, for a user's own authority (HAProxy's image:
    # update-ca-certificates "not found", the bundle left at 142)
    write(app_root, "/usr/bin/update-ca-certificates", "#!/bin/sh\nCERTSCONF=/etc/ca-certificates.conf\n"
                                                      "find /etc/ssl/certs\n", 0o755)
    write(app_root, "/etc/ca-certificates.conf", "mozilla/A.crt\n")     # (its postinst's)
    dpkg(app_root, "ca-certificates", "/usr/share/ca-certificates/mozilla/A.crt",
         "/usr/bin/update-ca-certificates")
    write(app_root, "/usr/lib/x86_64-linux-gnu/libssl.so.3", "x")
    dpkg(app_root, "libssl3", "/usr/lib/x86_64-linux-gnu/libssl.so.3")
    plain = ["/app/web.py"]
    kept = kept_at(app_root, "unit", tmp_path, plain, records(("python3", "openat", "/app/web.py"))).kept
    assert "/etc/ssl/certs/ca-certificates.crt" not in kept and "/usr/bin/update-ca-certificates" not in kept
    tls = [*plain, "/usr/lib/x86_64-linux-gnu/libssl.so.3"]
    report = kept_at(app_root, "unit", tmp_path, tls, records(*(("python3", "openat", p) for p in tls)))
    kept = report.kept
    for path in (*certs, "/etc/ssl/certs/a1b2c3d4.0"):
        assert path in kept, path
    assert "libssl.so.3 was loaded" in kept["/usr/share/ca-certificates/mozilla/A.crt"]
    # the command that rebuilds them is the toolbox's: an admin's, said on a small image
    assert "/usr/bin/update-ca-certificates" not in kept
    assert "the command that rebuilds the trusted authorities (update-ca-certificates" in report.toolbox
    # kept where it is a small share of the image, with what it reads and runs
    big = app_root / "app/model.bin"
    big.write_bytes(b"")
    os.truncate(big, 10 << 20)                  # (sparse)
    large = [*tls, "/app/model.bin"]
    events = records(*(("python3", "openat", p) for p in large))
    kept = kept_at(app_root, "unit", tmp_path, large, events).kept
    assert "ca-certificates's, which rebuilds the authorities" in kept["/usr/bin/update-ca-certificates"]
    assert "/usr/bin/find" in kept
    # with the list of authorities it reads (without it, a rebuild drops every one)
    assert "/etc/ca-certificates.conf" in kept
    # said, not kept, when it and what it runs are more than that share (`openssl rehash`
    # on an image whose TLS is GnuTLS: 6.7 MB); kept with --keep toolbox
    write(app_root, "/usr/bin/update-ca-certificates", "#!/bin/sh\nfind /etc/ssl/certs\nopenssl rehash\n",
          0o755)
    write(app_root, "/usr/bin/openssl", "#!/bin/sh\n", 0o755)
    os.truncate(app_root / "usr/bin/openssl", expand.COMPANION_LIMIT)
    dpkg(app_root, "openssl", "/usr/bin/openssl")
    report = kept_at(app_root, "unit", tmp_path, large, events)
    assert "/usr/bin/update-ca-certificates" not in report.kept and "/usr/bin/openssl" not in report.kept
    assert "rebuilds the trusted authorities (update-ca-certificates: 4.2 MB)" in report.toolbox
    rules = resolve.Rules()
    rules.add_preset("toolbox")
    assert "/usr/bin/openssl" in kept_at(app_root, "unit", tmp_path, large, events, rules).kept
    (app_root / "app/model.bin").unlink()
    # slapd's ldapsearch: ld.so loads GnuTLS by the link its soname is,
    # through /lib (merged /usr): StartTLS and ldaps:// failed, "Connect
    # error", with no authority left
    write(app_root, "/usr/lib/x86_64-linux-gnu/libgnutls.so.30.34.3", "x")
    link(app_root, "/usr/lib/x86_64-linux-gnu/libgnutls.so.30", "libgnutls.so.30.34.3")
    dpkg(app_root, "libgnutls30", "/usr/lib/x86_64-linux-gnu/libgnutls.so.30.34.3",
         "/usr/lib/x86_64-linux-gnu/libgnutls.so.30")
    gnutls = [*plain, "/lib/x86_64-linux-gnu/libgnutls.so.30"]
    loads = records(*(("ldapsearch", "openat", p) for p in gnutls))
    kept = kept_at(app_root, "unit", tmp_path, gnutls, loads).kept
    assert "/usr/share/ca-certificates/mozilla/A.crt" in kept and "/etc/ssl/certs/a1b2c3d4.0" in kept


def static_program(path: Path, strings: str, owner: str = "Go") -> None:
    """A static program with these NUL-ended strings, laid out as Go's
    linker lays one out where it matters (its build ID note, of owner, and
    its function names; another owner for a program that is no Go's)."""
    if shutil.which("gcc") is None:     # a failure, never a skip
        pytest.fail("gcc is needed to build the ELF files (scripts/setup-host.sh installs it)", pytrace=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    names = "".join(f"{f}\\0" for f in strings.split())
    cc(path, f"""
__asm__(".section .note.go.buildid,\\"a\\",@note\\n"
        ".balign 4\\n.long 4\\n.long 8\\n.long 4\\n.ascii \\"{owner}\\\\0\\\\0\\"\\n"
        ".ascii \\"buildid!\\"\\n.text\\n");
const char funcnames[] = "\\0main.main\\0{names}";
void _start(void) {{ for (;;) ; }}
""", "-static", "-nostdlib", "-O0")
    path.chmod(0o755)


def test_a_go_program_keeps_the_authorities_and_zones_its_standard_library_reads(app_root: Path,
                                                                                  tmp_path: Path):
    """Prometheus (Go) scraping an HTTPS target on the minified image:
    "x509: certificate signed by unknown authority", the target down, its
    queries empty, status 200. Go's TLS is in the program: no TLS library
    is loaded, and it reads the authorities on its first verified
    connection; the same for zones, and for the MIME types. The function
    names in its table say what it links."""
    write(app_root, "/etc/ssl/certs/ca-certificates.crt", "PEM")
    write(app_root, "/usr/share/ca-certificates/mozilla/A.crt", "PEM")
    dpkg(app_root, "ca-certificates", "/usr/share/ca-certificates/mozilla/A.crt")
    write(app_root, "/etc/mime.types", "font/woff2 woff2\n")
    write(app_root, "/usr/share/mime/globs2", "50:text/csv:*.csv\n")
    server = "/usr/bin/goserver"
    for functions, certs, zones, mime in (("crypto/x509.loadSystemRoots runtime.main", True, False, False),
                                          ("time.LoadLocation", False, True, False),
                                          ("mime.initMime", False, False, True),
                                          ("net/http.ListenAndServe", False, False, False)):
        static_program(app_root / server.lstrip("/"), functions)
        dpkg(app_root, "goserver", server)
        kept = kept_at(app_root, "unit", tmp_path, [server], records(("goserver", "exec", server))).kept
        assert ("/etc/ssl/certs/ca-certificates.crt" in kept) == certs, functions
        assert ("/usr/share/ca-certificates/mozilla/A.crt" in kept) == certs, functions
        assert ("/usr/share/zoneinfo/Europe/Paris" in kept) == zones, functions
        # (Caddy copied in by hand, no media-types to bring them: .woff2,
        # .csv served with no Content-Type, status 200)
        assert ("/etc/mime.types" in kept and "/usr/share/mime/globs2" in kept) == mime, functions
        if certs:
            assert "a Go program" in kept["/etc/ssl/certs/ca-certificates.crt"]
    # the same names in a program that is no Go program: its own C, not Go's
    static_program(app_root / server.lstrip("/"), "crypto/x509.loadSystemRoots time.LoadLocation", owner="Xo")
    kept = kept_at(app_root, "unit", tmp_path, [server], records(("goserver", "exec", server))).kept
    assert "/etc/ssl/certs/ca-certificates.crt" not in kept and "/usr/share/zoneinfo/Europe/Paris" not in kept


def test_a_module_directory_a_program_names_is_kept(app_root: Path, tmp_path: Path):
    """MariaDB loads a plugin from the directory compiled into mariadbd when
    told to (INSTALL SONAME): none was loaded while tracing, and the
    minified image had no /usr/lib/mysql/plugin ("Can't open shared
    library"). The directory a program that ran names is kept whole."""
    plugins = "/usr/lib/mysql/plugin"
    for name in ("ha_archive.so", "auth_ed25519.so"):
        write(app_root, f"{plugins}/{name}", "x")
    dpkg(app_root, "mariadb-server", *(f"{plugins}/{n}" for n in ("ha_archive.so", "auth_ed25519.so")))
    write(app_root, "/usr/lib/other/a.so", "x")
    write(app_root, "/usr/lib/other/b.so", "x")
    server = "/usr/sbin/mariadbd"
    gconv = "/usr/lib/x86_64-linux-gnu/gconv"      # a static C library's: the iconv rule's
    for name in ("SJIS.so", "EBCDIC-US.so"):
        write(app_root, f"{gconv}/{name}", "x")
    static_program(app_root / server.lstrip("/"), f"{plugins} /usr/share/mysql {gconv}", owner="Xo")
    dpkg(app_root, "mariadb-server-core", server)
    kept = kept_at(app_root, "unit", tmp_path, [server], records(("mariadbd", "exec", server))).kept
    assert kept.get(f"{plugins}/ha_archive.so", "").endswith(f"{server} loads its modules from it by name")
    assert f"{plugins}/auth_ed25519.so" in kept
    assert "/usr/lib/other/a.so" not in kept                    # named by nothing that ran
    assert f"{gconv}/SJIS.so" not in kept
    static_program(app_root / server.lstrip("/"), "/usr/share/mysql", owner="Xo")
    kept = kept_at(app_root, "unit", tmp_path, [server], records(("mariadbd", "exec", server))).kept
    assert f"{plugins}/ha_archive.so" not in kept


def test_what_a_packages_installation_made_in_its_configuration_is_kept(app_root: Path, tmp_path: Path):
    """fontconfig-config's postinst links 10-hinting-slight.conf into
    /etc/fonts/conf.d: no package owns the link, and R's PNG plots were
    drawn otherwise on the minified image, exit 0."""
    avail, confd = "/usr/share/fontconfig/conf.avail", "/etc/fonts/conf.d"
    write(app_root, f"{avail}/10-hinting-slight.conf", "<fontconfig/>")
    write(app_root, f"{avail}/60-latin.conf", "<fontconfig/>")
    link(app_root, f"{confd}/60-latin.conf", f"{avail}/60-latin.conf")
    link(app_root, f"{confd}/10-hinting-slight.conf", f"{avail}/10-hinting-slight.conf")   # postinst's
    write(app_root, "/etc/unrelated.conf", "x")                   # /etc itself: a system directory
    dpkg(app_root, "fontconfig-config", f"{avail}/10-hinting-slight.conf", f"{avail}/60-latin.conf",
         f"{confd}/60-latin.conf")
    write(app_root, "/usr/bin/fc-match", "x", 0o755)
    dpkg(app_root, "fontconfig", "/usr/bin/fc-match", depends="fontconfig-config")
    trace = ["/usr/bin/fc-match"]
    kept = kept_at(app_root, "unit", tmp_path, trace, records(("fc-match", "exec", "/usr/bin/fc-match"))).kept
    assert f"{confd}/60-latin.conf" in kept
    assert f"{confd}/10-hinting-slight.conf" in kept
    assert f"{avail}/10-hinting-slight.conf" in kept
    assert "/etc/unrelated.conf" not in kept


def test_a_kept_librarys_package_brings_its_data(app_root: Path, tmp_path: Path):
    """libtcl8.6 reads init.tcl from /usr/share/tcltk on Tcl_Init: kept as
    a library R's tcltk needs, without it, R's library(tcltk) failed. Its
    package's data comes; not its other libraries, nor what is a
    language's library (libpython3.11-stdlib's modules)."""
    lib = "/usr/lib/x86_64-linux-gnu"
    write(app_root, f"{lib}/libtcl8.6.so", "x")
    write(app_root, f"{lib}/libtclstub8.6.so", "x")
    write(app_root, "/usr/share/tcltk/tcl8.6/init.tcl", "proc x {} {}")
    write(app_root, "/usr/share/doc/libtcl8.6/copyright", "c")
    dpkg(app_root, "libtcl8.6", f"{lib}/libtcl8.6.so", f"{lib}/libtclstub8.6.so",
         "/usr/share/tcltk/tcl8.6/init.tcl", "/usr/share/doc/libtcl8.6/copyright")
    write(app_root, f"{lib}/libpython3.11.so.1.0", "x")
    write(app_root, "/usr/lib/python3.11/wave.py", "")
    dpkg(app_root, "libpython3.11", f"{lib}/libpython3.11.so.1.0", "/usr/lib/python3.11/wave.py")
    trace = ["/app/web.py", f"{lib}/libtcl8.6.so", f"{lib}/libpython3.11.so.1.0"]
    kept = kept_at(app_root, "unit", tmp_path, trace, records(*(("R", "openat", p) for p in trace))).kept
    assert "libtcl8.6.so, a library of it, is kept" in kept.get("/usr/share/tcltk/tcl8.6/init.tcl", "")
    assert f"{lib}/libtclstub8.6.so" not in kept and "/usr/share/doc/libtcl8.6/copyright" not in kept
    assert "/usr/lib/python3.11/wave.py" not in kept


def test_iconv_used_keeps_every_converter(tmp_path: Path):
    """iconv_open reads gconv-modules.cache, then loads the converter its
    character set names: the probe's ISO-8859-15 kept ISO8859-15.so, and
    the next call's EBCDIC-US or SHIFT_JIS failed ("Invalid argument";
    PHP's iconv() returned false). libc6, a package of libraries, brings
    no other module of its own."""
    root = tmp_path / "root"
    merged_usr(root)
    gconv = "/usr/lib/x86_64-linux-gnu/gconv"
    names = ("gconv-modules.cache", "ISO8859-15.so", "EBCDIC-US.so", "SJIS.so")
    for name in names:
        write(root, f"{gconv}/{name}", "x")
    write(root, "/usr/lib/x86_64-linux-gnu/libm.so.6", "x")
    write(root, "/usr/lib/x86_64-linux-gnu/libresolv.so.2", "x")
    write(root, "/app/convert", "x", 0o755)
    dpkg(root, "libc6", *(f"{gconv}/{n}" for n in names), "/usr/lib/x86_64-linux-gnu/libm.so.6",
         "/usr/lib/x86_64-linux-gnu/libresolv.so.2")
    trace = ["/app/convert", f"{gconv}/gconv-modules.cache", f"{gconv}/ISO8859-15.so"]
    events = records(("convert", "openat", f"{gconv}/gconv-modules.cache"),
                     ("convert", "openat", f"{gconv}/ISO8859-15.so"))
    kept = kept_at(root, "unit", tmp_path, trace, events).kept
    assert f"{gconv}/EBCDIC-US.so" in kept and f"{gconv}/SJIS.so" in kept
    assert "iconv loads the converter" in kept[f"{gconv}/SJIS.so"]
    assert "/usr/lib/x86_64-linux-gnu/libresolv.so.2" not in kept     # libc6's other libraries: not
    assert f"{gconv}/SJIS.so" not in kept_at(root, "file", tmp_path, trace, events).kept
    unused = ["/app/convert"]
    assert f"{gconv}/SJIS.so" not in kept_at(root, "unit", tmp_path, unused, records()).kept
    # the cache alone: glibc reads it for any UTF-8 locale (Flask and
    # PostgreSQL did, and kept 7.2 MB of converters they never load)
    cache_only = trace[:2]
    assert f"{gconv}/SJIS.so" not in kept_at(root, "unit", tmp_path, cache_only, events[:1]).kept
    # code that converts in a branch the probes never took
    write(root, "/app/page.php", "<?php echo iconv('UTF-8', $_GET['to'], 'café');\n")
    kept = kept_at(root, "unit", tmp_path, unused, records()).kept
    assert f"{gconv}/SJIS.so" in kept and "/app/page.php calls iconv" in kept[f"{gconv}/SJIS.so"]
    (root / "app/page.php").unlink()
    write(root, "/usr/bin/iconv", "x", 0o755)
    dpkg(root, "libc-bin", "/usr/bin/iconv")
    write(root, "/app/convert.sh", "#!/bin/sh\niconv -f UTF-8 -t \"$1\"\n", 0o755)
    kept = kept_at(root, "unit", tmp_path, unused, records()).kept
    assert f"{gconv}/SJIS.so" in kept and "/app/convert.sh runs iconv" in kept[f"{gconv}/SJIS.so"]


def test_the_plugin_directory_a_library_of_a_program_kept_as_if_run_names(tmp_path: Path):
    """sox, run by a route the probes never took (its name in the
    application's code), loads its formats through libsox.so.3, which
    names /usr/lib/x86_64-linux-gnu/sox, where libsox-fmt-base and
    libsox-fmt-mp3, packages that depend on libsox3, put the modules:
    every format but wav failed, "no handler for file extension `flac'".
    A module directory a kept library names, of its own package or of one
    that depends on it, comes whole."""
    need(shutil.which("gcc") is not None, "gcc")
    root, build = tmp_path / "root", tmp_path / "build"
    build.mkdir()
    lib = host_loader(root)
    plugins = "/usr/lib/x86_64-linux-gnu/sox"
    cc(build / "libsox.so.3", f'const char *dir = "{plugins}"; int sox(void){{return dir[0];}}',
       "-shared", "-fPIC", "-Wl,-soname,libsox.so.3")
    shutil.copy2(build / "libsox.so.3", lib / "libsox.so.3")
    (root / "usr/bin").mkdir(parents=True)
    cc(root / "usr/bin/sox", "int sox(void); int main(void){return sox();}", f"-L{build}", "-l:libsox.so.3")
    for name in ("libsox_fmt_flac.so", "libsox_fmt_mp3.so"):
        write(root, f"{plugins}/{name}", "module")
    dpkg(root, "libc6", "/usr/lib/x86_64-linux-gnu/libc.so.6",
         "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2")
    dpkg(root, "libsox3", "/usr/lib/x86_64-linux-gnu/libsox.so.3", depends="libc6")
    dpkg(root, "sox", "/usr/bin/sox", depends="libsox3")
    dpkg(root, "libsox-fmt-base", f"{plugins}/libsox_fmt_flac.so", depends="libsox3")
    dpkg(root, "libsox-fmt-mp3", f"{plugins}/libsox_fmt_mp3.so", depends="libsox3")
    # not a directory of the hierarchy: libc-bin depends on libc6 and has
    # /usr/bin/ld.so, and libc.so.6 names /usr/bin in its default PATH
    link(root, "/usr/bin/ld.so", "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2")
    write(root, "/usr/bin/ldd", "a program", 0o755)
    dpkg(root, "libc-bin", "/usr/bin/ld.so", "/usr/bin/ldd", depends="libc6")
    write(root, "/app/web.py", "import subprocess\ndef convert(a, b):\n    subprocess.run(['sox', a, b])\n")
    events = records(("python3", "openat", "/app/web.py"))
    kept = kept_at(root, "unit", tmp_path, ["/app/web.py"], events).kept
    assert "/usr/bin/sox" in kept and "/usr/lib/x86_64-linux-gnu/libsox.so.3" in kept
    for name in ("libsox_fmt_flac.so", "libsox_fmt_mp3.so"):
        assert f"{plugins}/{name}" in kept, name
    assert "libsox.so.3 loads its modules from it by name" in kept[f"{plugins}/libsox_fmt_mp3.so"]
    assert "/usr/bin/ldd" not in kept


def test_pam_reached_through_a_plugin_directory_keeps_its_modules_and_configuration(tmp_path: Path):
    """MariaDB's PAM logins were refused as if the password were wrong:
    libpam came only with the plugin directory kept whole (auth_pam.so
    needs it), after the last look at the kept libraries; it names its
    modules' directory as dpkg spells it, /lib/x86_64-linux-gnu/security/,
    on a merged-/usr image; and PAM reads the service's file in
    /etc/pam.d (libpam names the directory) and pam_unix /etc/shadow,
    neither read while the probes ran."""
    need(shutil.which("gcc") is not None, "gcc")
    root, build = tmp_path / "root", tmp_path / "build"
    build.mkdir()
    lib = host_loader(root)
    link(root, "/lib", "usr/lib")
    plugins, security = "/usr/lib/mysql/plugin", "/usr/lib/x86_64-linux-gnu/security"
    cc(build / "libpam.so.0", 'const char *dir = "/lib/x86_64-linux-gnu/security/", *conf = "/etc/pam.d";\n'
       "int pam(void){return dir[0] + conf[0];}", "-shared", "-fPIC", "-Wl,-soname,libpam.so.0")
    shutil.copy2(build / "libpam.so.0", lib / "libpam.so.0")
    (root / plugins.lstrip("/")).mkdir(parents=True)
    cc(root / plugins.lstrip("/") / "auth_pam.so", "int pam(void); int auth(void){return pam();}",
       "-shared", "-fPIC", f"-L{build}", "-l:libpam.so.0")
    cc(root / plugins.lstrip("/") / "sequence.so", "int seq(void){return 1;}", "-shared", "-fPIC")
    (root / security.lstrip("/")).mkdir(parents=True)
    cc(root / security.lstrip("/") / "pam_unix.so",
       'const char *s = "/etc/shadow"; int u(void){return s[0];}', "-shared", "-fPIC")
    write(root, "/etc/pam.d/mariadb", "auth required pam_unix.so\n")
    write(root, "/etc/shadow", "pamuser:$y$j9T$x:20000::::::\n", 0o640)
    dpkg(root, "libc6", "/usr/lib/x86_64-linux-gnu/libc.so.6",
         "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2")
    dpkg(root, "libpam0g", "/lib/x86_64-linux-gnu/libpam.so.0", depends="libc6")
    dpkg(root, "libpam-modules", "/lib/x86_64-linux-gnu/security/pam_unix.so", depends="libpam0g")
    dpkg(root, "mariadb-server", f"{plugins}/auth_pam.so", f"{plugins}/sequence.so", depends="libpam0g")
    trace = [f"{plugins}/sequence.so"]
    kept = kept_at(root, "unit", tmp_path, trace, records(("mariadbd", "openat", trace[0]))).kept
    assert f"{plugins}/auth_pam.so" in kept and "/usr/lib/x86_64-linux-gnu/libpam.so.0" in kept
    assert f"{security}/pam_unix.so" in kept, sorted(kept)
    assert "libpam.so.0 loads its modules from it by name" in kept[f"{security}/pam_unix.so"]
    assert "/etc/pam.d/mariadb" in kept and "/etc/shadow" in kept


def test_a_language_librarys_compiled_modules_come_whatever_they_need(tmp_path: Path):
    """lxml, kept whole as a library pandas imports on first use, came
    without etree.so, whose libxml2, libxslt and ICU were 36.9 MB of
    packages nothing else used: `import lxml.etree` failed. A language's
    library is one piece, not a package with optional plugins (the limit
    still leaves PostgreSQL's llvmjit.so out). And a module with a #! line
    that is not executable (odfpy's, #!/usr/bin/python where the image
    has only python3) is imported, not run: it needs no interpreter."""
    need(shutil.which("gcc") is not None, "gcc")
    root, build = tmp_path / "root", tmp_path / "build"
    build.mkdir()
    lib = host_loader(root)
    cc(build / "libhuge.so", "int huge(void){return 1;}", "-shared", "-fPIC")
    shutil.copy2(build / "libhuge.so", lib / "libhuge.so")
    with open(lib / "libhuge.so", "ab") as fh:
        fh.write(b"\0" * (expand.FOREIGN_LIMIT + 1))
    site = "/usr/lib/python3/dist-packages"
    etree = f"{site}/lxml/etree.cpython-311-x86_64-linux-gnu.so"
    (root / etree.lstrip("/")).parent.mkdir(parents=True)
    cc(root / etree.lstrip("/"), "int huge(void); int etree(void){return huge();}", "-shared", "-fPIC",
       f"-L{build}", "-lhuge")
    write(root, f"{site}/lxml/__init__.py", "")
    write(root, f"{site}/lxml/manifest.py", "#!/usr/bin/python\nimport lxml\n")      # 0644
    write(root, f"{site}/lxml-4.9.2.egg-info/top_level.txt", "lxml\n")
    dpkg(root, "python3-lxml", etree, f"{site}/lxml/__init__.py", f"{site}/lxml/manifest.py",
         f"{site}/lxml-4.9.2.egg-info/top_level.txt")
    dpkg(root, "libhuge", "/usr/lib/x86_64-linux-gnu/libhuge.so")
    dpkg(root, "libc6", "/usr/lib/x86_64-linux-gnu/libc.so.6",
         "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2")
    loaded = [f"{site}/lxml/__init__.py"]
    report = kept_at(root, "unit", tmp_path, loaded, records(("python3", "openat", loaded[0])))
    assert etree in report.kept and "/usr/lib/x86_64-linux-gnu/libhuge.so" in report.kept
    assert f"{site}/lxml/manifest.py" in report.kept, report.left_out


IMPORTING = {
    # a converter of every character set, for iconv_open
    "iconv": ("/usr/lib/x86_64-linux-gnu/gconv", ("gconv-modules.cache", "ISO8859-1.so", "SJIS.so"),
              "SJIS.so",
              '#include <iconv.h>\n'
              'int main(void){return iconv_open("UTF-8", "ISO-8859-1") == (iconv_t)-1;}\n',
              "imports iconv_open"),
    # every zone, for localtime_r
    "localtime": ("/usr/share/zoneinfo", ("Etc/UTC", "Europe/Berlin"), "Europe/Berlin",
                  '#include <time.h>\n#include <stdio.h>\n'
                  'int main(void){time_t t = 0; struct tm tm; localtime_r(&t, &tm);\n'
                  '    return printf("%d", tm.tm_hour) < 0;}\n',
                  "imports localtime"),
}


@pytest.mark.parametrize("imported", sorted(IMPORTING))
def test_a_program_that_imports_a_function_that_picks_data_by_name_keeps_it_all(tmp_path: Path,
                                                                                 imported: str):
    """git re-encodes a commit's message for i18n.logOutputEncoding and a
    Latin-1 mail for `git am` through iconv: the probes converted nothing,
    and the minified image printed the message unconverted, status 200,
    and `git am` failed ("cannot convert from ISO-8859-1"). And it shows
    dates in local time, in the zone TZ names: a git daemon probed with
    ls-remote read no zone, and `TZ=Europe/Berlin git log --date=local`
    printed UTC's times, exit 0. A program that ran and imports iconv_open
    brings the converters, one that imports localtime_r every zone; a
    shell that does (bash, for $'\\u...' in the locale's own character
    set, and its prompt's time) does not, nor a program that does not
    import it, nor the file level."""
    directory, names, picked, source, why = IMPORTING[imported]
    root, lib = compiled_root(tmp_path)
    for name in names:
        write(root, f"{directory}/{name}", "x")
    dpkg(root, "data", *(f"{directory}/{n}" for n in names))
    dpkg(root, "libc6", "/usr/lib/x86_64-linux-gnu/libc.so.6",
         "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2")
    (root / "usr/bin").mkdir(parents=True)
    for program, code in (("git", source), ("bash", source), ("plain", "int main(void){return 0;}")):
        cc(root / f"usr/bin/{program}", code)
        dpkg(root, program, f"/usr/bin/{program}")
    assert lib.is_dir()
    for program, kept_too in (("git", True), ("bash", False), ("plain", False)):
        path = f"/usr/bin/{program}"
        kept = kept_at(root, "unit", tmp_path, [path], records((program, "exec", path))).kept
        assert (f"{directory}/{picked}" in kept) == kept_too, program
        if kept_too:
            assert why in kept[f"{directory}/{picked}"]
    assert f"{directory}/{picked}" not in kept_at(root, "file", tmp_path, ["/usr/bin/git"],
                                                  records(("git", "exec", "/usr/bin/git"))).kept


def launcher(root: Path, lib: Path, program: str, library: str, code: str,
             depends: str) -> tuple[list[str], list[TraceRecord]]:
    """/usr/bin/program, of C, a launcher of library (compiled from code,
    which defines `int run(const char *)`), of a package of its own that
    depends on another: the trace and the events of its run."""
    cc(lib / library, code, "-shared", "-fPIC", f"-Wl,-soname,{library}")
    (root / "usr/bin").mkdir(parents=True)
    cc(root / f"usr/bin/{program}",
       "int run(const char *);\nint main(int c, char **v) { return run(v[0]); }\n",
       f"-L{lib}", f"-l:{library}")
    dpkg(root, program, f"/usr/bin/{program}", depends=depends)
    return [f"/usr/bin/{program}", f"/usr/lib/x86_64-linux-gnu/{library}"], \
        records((program, "exec", f"/usr/bin/{program}"))


def test_a_library_of_the_programs_own_source_that_imports_iconv_keeps_the_converters(tmp_path: Path):
    """ffmpeg converts a subtitle's character set in libavcodec, which
    imports iconv_open (ffmpeg does not): `charenc=CP1252` failed on the
    minified image, "Unable to open iconv context", HTTP 422. A kept
    library built from the source package of a program that ran counts as
    that program; a library of another source (libxml2, in nearly every
    image) does not."""
    root, lib = compiled_root(tmp_path)
    gconv = "/usr/lib/x86_64-linux-gnu/gconv"
    for name in ("gconv-modules.cache", "CP1252.so"):
        write(root, f"{gconv}/{name}", "x")
    dpkg(root, "libc6", f"{gconv}/gconv-modules.cache", f"{gconv}/CP1252.so",
         "/usr/lib/x86_64-linux-gnu/libc.so.6", "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2")
    converts = ('#include <iconv.h>\n'
                'int run(const char *c) { return iconv_open("UTF-8", c) == (iconv_t)-1; }\n')
    trace, events = launcher(root, lib, "ffmpeg", "libavcodec.so.59", converts, "libavcodec59")
    for source, kept_too in (("ffmpeg", True), ("libxml2", False)):
        status = root / "var/lib/dpkg/status"
        status.write_text(status.read_text().split("Package: libavcodec59")[0])
        dpkg(root, "libavcodec59", "/usr/lib/x86_64-linux-gnu/libavcodec.so.59", source=source)
        kept = kept_at(root, "unit", tmp_path, trace, events).kept
        assert (f"{gconv}/CP1252.so" in kept) == kept_too, source
        if kept_too:
            assert "source package ffmpeg built it" in kept[f"{gconv}/CP1252.so"]
    # ffmpeg named by the worker's script, never run, counts as run
    status.write_text(status.read_text().split("Package: libavcodec59")[0])
    dpkg(root, "libavcodec59", "/usr/lib/x86_64-linux-gnu/libavcodec.so.59", source="ffmpeg")
    write(root, "/usr/bin/sh", "#!/bin/sh\n", 0o755)
    write(root, "/app/worker.sh", "#!/bin/sh\nffmpeg -sub_charenc CP1252 -i in.mkv out.mp4\n", 0o755)
    worker = ["/app/worker.sh"]
    kept = kept_at(root, "unit", tmp_path, worker, records(("worker.sh", "exec", worker[0]))).kept
    assert "/usr/bin/ffmpeg" in kept and f"{gconv}/CP1252.so" in kept


def test_a_library_of_the_programs_own_source_that_shows_local_time_keeps_the_zones(tmp_path: Path):
    """guile-3.0 is a launcher of libguile-3.0, which imports localtime
    (the launcher does not): under TZ=America/New_York, strftime printed
    "22:13 America" for "17:13 EST" on the minified image, exit 0, the
    zone database left out. A kept library built from the source package
    of a program that ran counts as that program; one of another source
    (libc, in every image) does not."""
    root, lib = compiled_root(tmp_path)
    zone = "/usr/share/zoneinfo/America/New_York"
    write(root, zone, "TZif")
    dpkg(root, "tzdata", zone)
    dpkg(root, "libc6", "/usr/lib/x86_64-linux-gnu/libc.so.6",
         "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2")
    shows = ('#include <time.h>\n'
             'int run(const char *c) { time_t s = c != 0; return localtime(&s) != 0; }\n')
    trace, events = launcher(root, lib, "guile-3.0", "libguile-3.0.so.1", shows, "guile-3.0-libs")
    status = root / "var/lib/dpkg/status"
    for source, kept_too in (("guile-3.0", True), ("other", False)):
        status.write_text(status.read_text().split("Package: guile-3.0-libs")[0])
        dpkg(root, "guile-3.0-libs", "/usr/lib/x86_64-linux-gnu/libguile-3.0.so.1", source=source)
        kept = kept_at(root, "unit", tmp_path, trace, events).kept
        assert (zone in kept) == kept_too, source
        if kept_too:
            assert "source package guile-3.0 built it" in kept[zone]
    # (a program kept as if run, never run, shows no time)
    status.write_text(status.read_text().split("Package: guile-3.0-libs")[0])
    dpkg(root, "guile-3.0-libs", "/usr/lib/x86_64-linux-gnu/libguile-3.0.so.1", source="guile-3.0")
    write(root, "/usr/bin/sh", "#!/bin/sh\n", 0o755)
    write(root, "/app/job.sh", "#!/bin/sh\nguile-3.0 -c 1\n", 0o755)
    kept = kept_at(root, "unit", tmp_path, ["/app/job.sh"], records(("job.sh", "exec", "/app/job.sh"))).kept
    assert "/usr/bin/guile-3.0" in kept and zone not in kept


def test_a_package_of_modules_in_a_kept_module_directory_comes_with_its_data(tmp_path: Path):
    """GStreamer's plugins depend on libgstreamer, not on the tools that
    ran; with the registry built into the image no plugin scanner ran in
    the trace, the plugins came as files of their directory, and
    plugins-good's encoder presets did not (encodebin with a preset
    failed). A package installed on purpose of modules alone, one of which
    is in a directory a program loads modules from, comes as one the
    program's package depends on: not its translations into languages not
    in use, nor a package of modules elsewhere."""
    root = tmp_path / "root"
    merged_usr(root)
    lib = "/usr/lib/x86_64-linux-gnu"
    plugins = f"{lib}/gstreamer-1.0"
    presets = "/usr/share/gstreamer-1.0/presets"
    for path in (f"{plugins}/libgstcoreelements.so", f"{plugins}/libgstvpx.so", f"{presets}/GstVP8Enc.prs",
                 "/usr/share/locale/de/LC_MESSAGES/gst-plugins-good-1.0.mo", f"{lib}/libgstreamer-1.0.so.0",
                 f"{lib}/other/libother.so", "/usr/share/other/data"):
        write(root, path, "x")
    write(root, "/usr/bin/gst-launch-1.0", "x", 0o755)
    dpkg(root, "libgstreamer1.0-0", f"{lib}/libgstreamer-1.0.so.0", f"{plugins}/libgstcoreelements.so")
    dpkg(root, "gstreamer1.0-tools", "/usr/bin/gst-launch-1.0", depends="libgstreamer1.0-0")
    dpkg(root, "gstreamer1.0-plugins-good", f"{plugins}/libgstvpx.so", f"{presets}/GstVP8Enc.prs",
         "/usr/share/locale/de/LC_MESSAGES/gst-plugins-good-1.0.mo", depends="libgstreamer1.0-0")
    dpkg(root, "other-modules", f"{lib}/other/libother.so", "/usr/share/other/data",
         depends="libgstreamer1.0-0")
    trace = ["/usr/bin/gst-launch-1.0", f"{lib}/libgstreamer-1.0.so.0", f"{plugins}/libgstcoreelements.so"]
    events = records(("sh", "exec", trace[0]), *(("gst-launch-1.0", "openat", p) for p in trace[1:]))
    kept = kept_at(root, "unit", tmp_path, trace, events).kept
    assert f"{plugins}/libgstvpx.so" in kept
    assert f"{presets}/GstVP8Enc.prs" in kept
    assert f"in {plugins}, a directory a program loads its modules from" in kept[f"{presets}/GstVP8Enc.prs"]
    assert "/usr/share/locale/de/LC_MESSAGES/gst-plugins-good-1.0.mo" not in kept
    assert "/usr/share/other/data" not in kept


def test_a_module_directory_a_library_names_in_pieces_comes_whole(tmp_path: Path):
    """libgdk_pixbuf builds its loaders' path from "/usr/lib/x86_64-linux-gnu",
    "gdk-pixbuf-2.0", "2.10.0" and reads "loaders.cache" there (generated at
    installation), which lists the loaders: none was kept, and ffmpeg
    drew an SVG without its embedded GIF, status 200. The directory above
    the loaders comes whole, generated cache and plugins' loaders too,
    when the library names every piece and a file of it; not when it
    names the pieces alone."""
    root, lib = compiled_root(tmp_path)
    base = "/usr/lib/x86_64-linux-gnu/pix-2.0/2.10.0"
    for name in ("png", "gif"):
        write(root, f"{base}/loaders/libpixloader-{name}.so", "x")
    write(root, f"{base}/loaders/libpixloader-svg.so", "x")
    write(root, f"{base}/loaders.cache", f'"{base}/loaders/libpixloader-gif.so"\n')
    source = ('#include <stdio.h>\nstatic char buf[256];\n'
              'const char *cache(void) {{ snprintf(buf, sizeof buf, "%s/%s/%s/%s",'
              ' "/usr/lib/x86_64-linux-gnu", "pix-2.0", "2.10.0", "{}"); return buf; }}\n')
    dpkg(root, "libc6", "/usr/lib/x86_64-linux-gnu/libc.so.6",
         "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2")
    dpkg(root, "librsvg-common", f"{base}/loaders/libpixloader-svg.so", depends="libpix0")
    trace = ["/usr/lib/x86_64-linux-gnu/libpix.so.0"]           # (no image decoded by the probes)
    events = records(*(("app", "openat", p) for p in trace))
    for named, kept_too in (("loaders.cache", True), ("other.cache", False)):
        cc(lib / "libpix.so.0", source.format(named), "-shared", "-fPIC")
        dpkg(root, "libpix0", "/usr/lib/x86_64-linux-gnu/libpix.so.0",
             *(f"{base}/loaders/libpixloader-{n}.so" for n in ("png", "gif")))
        kept = kept_at(root, "unit", tmp_path, trace, events).kept
        for path in (f"{base}/loaders/libpixloader-gif.so", f"{base}/loaders/libpixloader-svg.so"):
            assert (path in kept) == kept_too, (named, path)
        if kept_too:
            assert "builds from pieces" in kept[f"{base}/loaders/libpixloader-svg.so"]
            assert f"{base}/loaders.cache" in kept


def test_small_files_a_program_names_by_path(tmp_path: Path):
    """doveconf -n prints the distribution's release from a list of release
    files compiled in; it ran during the trace without printing it, and on
    the minified image printed the line without /etc/debian_version, exit
    0. A small regular file a program that ran names by its path comes;
    not a large one, a directory or a program."""
    root, lib = compiled_root(tmp_path)
    (root / "usr/bin").mkdir(parents=True)
    cc(root / "usr/bin/doveconf", '#include <stdio.h>\nint main(int c, char **v) {\n'
       '  const char *f[] = {"/etc/redhat-release", "/etc/debian_version", "/etc/big.conf", "/etc/conf.d",'
       ' "/usr/bin/tool", 0};\n  for (int i = 0; f[i]; i++) if (c > 5) fopen(f[i], "r");\n  return 0;\n}\n')
    write(root, "/etc/debian_version", "12.15\n")
    write(root, "/etc/big.conf", "x" * (100 << 10))
    write(root, "/etc/conf.d/a", "a")
    write(root, "/usr/bin/tool", "#!/bin/sh\n", 0o755)
    dpkg(root, "base-files", "/etc/debian_version")
    trace = ["/usr/bin/doveconf"]
    events = records(("doveconf", "exec", "/usr/bin/doveconf"))
    kept = kept_at(root, "unit", tmp_path, trace, events).kept
    assert "names it (compiled in)" in kept["/etc/debian_version"]
    for path in ("/etc/big.conf", "/etc/conf.d/a", "/usr/bin/tool"):
        assert path not in kept, path
    assert "/etc/debian_version" not in kept_at(root, "file", tmp_path, trace, events).kept


def test_the_tools_of_a_package_whose_library_was_loaded(tmp_path: Path):
    """Dovecot's master loads libdovecot-sieve; no tool of dovecot-sieve
    ran, and sievec was dropped ("sievec: not found", exit 127). A
    package's commands come when one of its libraries was loaded and all
    they need is kept already; not one that needs more."""
    root, lib = compiled_root(tmp_path)
    (root / "usr/bin").mkdir(parents=True)
    for name, soname in (("sieve", "libsieve.so.0"), ("extra", "libextra.so.1")):
        cc(lib / soname, f"int {name}(void) {{ return 0; }}\n", "-shared", "-fPIC", f"-Wl,-soname,{soname}")
    cc(root / "usr/bin/sievec", "int sieve(void);\nint main(void) { return sieve(); }\n",
       f"-L{lib}", "-l:libsieve.so.0")
    cc(root / "usr/bin/sieve-big", "int extra(void);\nint main(void) { return extra(); }\n",
       f"-L{lib}", "-l:libextra.so.1")
    cc(root / "usr/bin/dovecot", "int main(void) { return 0; }\n")
    dpkg(root, "libc6", "/usr/lib/x86_64-linux-gnu/libc.so.6",
         "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2")
    dpkg(root, "dovecot-core", "/usr/bin/dovecot")
    dpkg(root, "dovecot-sieve", "/usr/lib/x86_64-linux-gnu/libsieve.so.0", "/usr/bin/sievec",
         "/usr/bin/sieve-big")
    dpkg(root, "libextra1", "/usr/lib/x86_64-linux-gnu/libextra.so.1")
    trace = ["/usr/bin/dovecot", "/usr/lib/x86_64-linux-gnu/libsieve.so.0"]
    events = records(("dovecot", "exec", "/usr/bin/dovecot"),
                     ("dovecot", "openat", "/usr/lib/x86_64-linux-gnu/libsieve.so.0"))
    kept = kept_at(root, "unit", tmp_path, trace, events).kept
    assert "libsieve.so.0 was loaded" in kept["/usr/bin/sievec"]
    assert "/usr/bin/sieve-big" not in kept and "/usr/lib/x86_64-linux-gnu/libextra.so.1" not in kept
    assert "/usr/bin/sievec" not in kept_at(root, "file", tmp_path, trace, events).kept


GIS_LIB = "/usr/lib/x86_64-linux-gnu"


def gis_root(tmp_path: Path) -> tuple[Path, list[str], list[TraceRecord]]:
    """A service (gisd, the application's) that loaded libproj.so.25, which names its data
    directory /usr/share/proj; the trace and its events."""
    root, lib = compiled_root(tmp_path)
    (root / "usr/bin").mkdir(parents=True)
    cc(lib / "libproj.so.25", 'const char *data = "/usr/share/proj"; int proj(void) { return data[0]; }\n',
       "-shared", "-fPIC", "-Wl,-soname,libproj.so.25")
    cc(root / "usr/bin/gisd", "int proj(void);\nint main(void) { return proj(); }\n", f"-L{lib}",
       "-l:libproj.so.25")
    cc(root / "usr/bin/cs2cs", "int proj(void);\nint main(void) { return proj(); }\n", f"-L{lib}",
       "-l:libproj.so.25")
    cc(root / "usr/bin/other-tool", "int proj(void);\nint main(void) { return proj(); }\n", f"-L{lib}",
       "-l:libproj.so.25")
    dpkg(root, "libc6", f"{GIS_LIB}/libc.so.6", f"{GIS_LIB}/ld-linux-x86-64.so.2")
    # (the application's own program, of no package: a package depending
    # on libproj25 would bring its data as a program's that ran)
    dpkg(root, "libproj25", f"{GIS_LIB}/libproj.so.25", depends="libc6, proj-data, other-data", source="proj")
    dpkg(root, "proj-bin", "/usr/bin/cs2cs", depends="libproj25", source="proj")
    dpkg(root, "other-tools", "/usr/bin/other-tool", depends="libproj25", source="other")
    for path in ("/usr/share/proj/proj.db", "/usr/share/proj/BETA2007.gsb", "/usr/share/proj/egm96_15.gtx",
                 "/usr/share/doc/proj-data/copyright", "/usr/share/other/table.csv"):
        write(root, path, "data")
    dpkg(root, "proj-data", "/usr/share/proj/proj.db", "/usr/share/proj/BETA2007.gsb",
         "/usr/share/proj/egm96_15.gtx", "/usr/share/doc/proj-data/copyright")
    dpkg(root, "other-data", "/usr/share/other/table.csv")
    trace = ["/usr/bin/gisd", f"{GIS_LIB}/libproj.so.25", "/usr/share/proj/proj.db"]
    events = records(("gisd", "exec", "/usr/bin/gisd"), ("gisd", "openat", f"{GIS_LIB}/libproj.so.25"),
                     ("gisd", "openat", "/usr/share/proj/proj.db"))
    return root, trace, events


def test_the_data_package_a_loaded_library_names_comes_whole(tmp_path: Path):
    """libproj25 opens proj-data's grids only when a coordinate system
    first needs one: a GIS service, its probe a reprojection that read only
    proj.db, gave EPSG:31467 half a metre off and an EGM96 height 49 m
    wrong, exit 0, on the minified image. A data package the library's
    package depends on comes whole when the library names its directory;
    not one it does not name."""
    root, trace, events = gis_root(tmp_path)
    # (proj-bin installed as another's dependency: one installed on purpose
    # brings the data it depends on with its commands, before this rule)
    write(root, packages.APT_STATES, "Package: proj-bin\nArchitecture: amd64\nAuto-Installed: 1\n")
    kept = kept_at(root, "unit", tmp_path, trace, events).kept
    for grid in ("/usr/share/proj/BETA2007.gsb", "/usr/share/proj/egm96_15.gtx"):
        assert grid in kept and "libproj.so.25 reads by name" in kept[grid], grid
    assert "/usr/share/other/table.csv" not in kept
    assert "/usr/share/proj/egm96_15.gtx" not in kept_at(root, "file", tmp_path, trace, events).kept


def test_the_tools_of_the_same_source_that_depend_on_a_loaded_library(tmp_path: Path):
    """proj-bin's cs2cs and projinfo, built from the same source as the
    libproj25 a service loaded, were dropped ("cs2cs: not found"): a
    package of the same source that depends on the library's brings its
    commands when all they need is kept; not another source's package, nor
    for a library the trace never named (needed by a program kept: certutil's
    libnss3), nor for a language's module in a directory of its own (Perl's
    Fcntl.so, of perl-base, brought perl's 29 scripts), nor beside a library
    every system needs (libstdc++6's gcc-12)."""
    root, trace, events = gis_root(tmp_path)
    kept = kept_at(root, "unit", tmp_path, trace, events).kept
    assert "/usr/bin/cs2cs" in kept and "built from the same source as libproj25" in kept["/usr/bin/cs2cs"]
    assert "/usr/bin/other-tool" not in kept
    # the library only needed by a program, never in the trace
    assert "/usr/bin/cs2cs" not in kept_at(root, "unit", tmp_path, trace[:1], events[:1]).kept
    module = f"{GIS_LIB}/perl-base/auto/Fcntl/Fcntl.so"
    write(root, module, "x")
    cc(root / "usr/bin/cpan", "int main(void) { return 0; }\n")      # (all it needs kept)
    dpkg(root, "perl-base", module, source="perl")
    dpkg(root, "perl", "/usr/bin/cpan", depends="perl-base", source="perl")
    events += records(("gisd", "openat", module))
    kept = kept_at(root, "unit", tmp_path, [*trace, module], events).kept
    assert "/usr/bin/cpan" not in kept and "/usr/bin/cs2cs" in kept
    # a package of priority important (systemd, through libcryptsetup12,
    # needs libssl3) is an image's choice: not the system's own
    dpkg(root, "systemd", depends="libproj25", priority="important")
    assert "/usr/bin/cs2cs" in kept_at(root, "unit", tmp_path, trace, events).kept
    # a package of every system needs libproj25: it is the system's own
    dpkg(root, "apt", depends="libproj25", priority="required")
    assert "/usr/bin/cs2cs" not in kept_at(root, "unit", tmp_path, trace, events).kept


def test_a_python_command_kept_brings_what_it_imports_at_its_top(tmp_path: Path):
    """gdal-bin's gdal2tiles.py, kept as a command beside the libgdal a
    service loaded, imports osgeo_utils.gdal2tiles, which imports uuid at
    its top: "No module named 'uuid'". A Python program kept as a command
    comes with the modules it imports at its top (and theirs), and with
    those of the standard library it imports in a function (LilyPond's
    musicxml2ly, xml.dom: "No module named 'xml'"); not another library
    it imports in a function."""
    root = tmp_path / "root"
    merged_usr(root)
    std = "/usr/lib/python3.11"
    for name in ("os", "uuid", "gettext"):
        write(root, f"{std}/{name}.py", "x = 1\n")
    write(root, "/usr/bin/python3", "#!/bin/sh\n", 0o755)
    write(root, "/usr/bin/server", "#!/bin/sh\nexec sleep 1\n", 0o755)
    write(root, "/usr/bin/helper.py", "#!/usr/bin/python3\nimport uuid\n\n\ndef usage():\n"
                                      "    import gettext\n    import bigthing\n", 0o755)
    write(root, "/usr/lib/python3/dist-packages/bigthing/__init__.py", "")
    dpkg(root, "python3-bigthing", "/usr/lib/python3/dist-packages/bigthing/__init__.py")
    dpkg(root, "srv", "/usr/bin/server", depends="srv-tools", source="srv")
    dpkg(root, "srv-tools", "/usr/bin/helper.py", source="srv")
    dpkg(root, "libpython3.11-stdlib", *(f"{std}/{n}.py" for n in ("os", "uuid", "gettext")))
    trace = ["/usr/bin/server"]
    kept = kept_at(root, "unit", tmp_path, trace, records(("server", "exec", "/usr/bin/server"))).kept
    assert "/usr/bin/helper.py" in kept
    assert f"{std}/uuid.py" in kept and "imported by /usr/bin/helper.py" in kept[f"{std}/uuid.py"]
    assert "imported on first use by /usr/bin/helper.py" in kept.get(f"{std}/gettext.py", "")
    assert "/usr/lib/python3/dist-packages/bigthing/__init__.py" not in kept


def test_a_library_of_its_own_package_a_kept_library_loads_by_name(tmp_path: Path):
    """libnss3 loads libsoftokn3.so, which loads libfreeblpriv3.so, by
    name when a certificate database is opened: on a minified Caddy image
    `caddy trust` found "no NSS security databases", exit 0. Each comes,
    and then what it names; not a library of the package no kept one names."""
    root, lib = compiled_root(tmp_path)
    (root / "usr/bin").mkdir(parents=True)
    cc(lib / "libfreeblpriv3.so", "int freebl(void) { return 0; }\n", "-shared", "-fPIC")
    cc(lib / "libsoftokn3.so", 'const char *f = "libfreeblpriv3.so"; int softokn(void) { return f[0]; }\n',
       "-shared", "-fPIC")
    cc(lib / "libunused3.so", "int unused(void) { return 0; }\n", "-shared", "-fPIC")
    cc(lib / "libnss3.so", 'const char *s = "libsoftokn3.so"; int nss(void) { return s[0]; }\n',
       "-shared", "-fPIC", "-Wl,-soname,libnss3.so")
    cc(root / "usr/bin/certutil", "int nss(void);\nint main(void) { return nss(); }\n", f"-L{lib}",
       "-l:libnss3.so")
    dpkg(root, "libc6", f"{GIS_LIB}/libc.so.6", f"{GIS_LIB}/ld-linux-x86-64.so.2")
    dpkg(root, "libnss3", *(f"{GIS_LIB}/{n}" for n in ("libnss3.so", "libsoftokn3.so", "libfreeblpriv3.so",
                                                       "libunused3.so")), depends="libc6")
    dpkg(root, "libnss3-tools", "/usr/bin/certutil", depends="libnss3")
    trace = ["/usr/bin/certutil"]
    events = records(("certutil", "exec", "/usr/bin/certutil"))
    kept = kept_at(root, "unit", tmp_path, trace, events).kept
    assert "libnss3.so loads it by name" in kept[f"{GIS_LIB}/libsoftokn3.so"]
    assert "libsoftokn3.so loads it by name" in kept[f"{GIS_LIB}/libfreeblpriv3.so"]
    assert f"{GIS_LIB}/libunused3.so" not in kept


def test_a_library_of_a_dependency_a_kept_library_loads_by_its_soname_link(tmp_path: Path):
    """glibc's libc.so.6 loads libgcc_s.so.1 by name when a thread exits:
    a minified Mosquitto bridge aborted, "libgcc_s.so.1 must be installed
    for pthread_exit to work". The name dlopen() is given is often a link
    (the soname) to the library's file: the link comes, with its file,
    from a package the library's depends on; not another library of that
    package nothing names, nor one of a package it does not depend on."""
    root, lib = compiled_root(tmp_path)
    (root / "usr/bin").mkdir(parents=True)
    cc(root / "usr/bin/broker", "int main(void) { return 0; }\n")
    cc(lib / "libgcc_s.so.1.0.0", "int unwind(void) { return 0; }\n", "-shared", "-fPIC")
    link(root, f"{GIS_LIB}/libgcc_s.so.1", "libgcc_s.so.1.0.0")
    cc(lib / "libquadmath.so.0", "int quad(void) { return 0; }\n", "-shared", "-fPIC")
    # a module loaded by another name than its soname (Lua's): its SONAME,
    # a string of it, names no library it loads
    cc(lib / "liblua-bit.so.0.0.0", "int bit(void) { return 0; }\n", "-shared", "-fPIC",
       "-Wl,-soname,liblua-bit.so.0")
    link(root, f"{GIS_LIB}/liblua-bit.so.0", "liblua-bit.so.0.0.0")
    dpkg(root, "libc6", f"{GIS_LIB}/libc.so.6", f"{GIS_LIB}/ld-linux-x86-64.so.2", depends="libgcc-s1")
    dpkg(root, "libgcc-s1", f"{GIS_LIB}/libgcc_s.so.1", f"{GIS_LIB}/libgcc_s.so.1.0.0",
         f"{GIS_LIB}/libquadmath.so.0")
    dpkg(root, "lua-bit", f"{GIS_LIB}/liblua-bit.so.0", f"{GIS_LIB}/liblua-bit.so.0.0.0", depends="libc6")
    dpkg(root, "broker", "/usr/bin/broker", depends="libc6")
    trace = ["/usr/bin/broker", f"{GIS_LIB}/liblua-bit.so.0.0.0"]
    kept = kept_at(root, "unit", tmp_path, trace, records(("broker", "exec", "/usr/bin/broker"))).kept
    assert f"{GIS_LIB}/libgcc_s.so.1" in kept
    assert "libc.so.6 loads it by name" in kept[f"{GIS_LIB}/libgcc_s.so.1.0.0"]
    assert f"{GIS_LIB}/libquadmath.so.0" not in kept
    # (the link to its file, kept, is another name for what is kept: no reason of its own)
    assert "by name" not in kept.get(f"{GIS_LIB}/liblua-bit.so.0", "")


def test_a_module_kept_with_its_directory_comes_with_its_packages_configuration(tmp_path: Path):
    """PowerDNS loaded its sqlite backend: the bind backend beside it came,
    without pdns-backend-bind's /etc/powerdns/named.conf, and `launch+=bind`
    with `bind-config=/etc/powerdns/named.conf`, as Debian ships it, stopped
    the whole server at its start. A package of modules kept for the
    directory comes with its configuration in a directory of /etc; not
    files at /etc's top, nor configuration a module package does not own."""
    root = tmp_path / "root"
    merged_usr(root)
    modules = "/usr/lib/x86_64-linux-gnu/pdns"
    write(root, "/usr/sbin/pdns_server", "x", 0o755)
    write(root, "/etc/powerdns/pdns.conf", "launch=gsqlite3\n")
    dpkg(root, "pdns-server", "/usr/sbin/pdns_server", "/etc/powerdns/pdns.conf",
         conffiles={"/etc/powerdns/pdns.conf": b"launch=\n"})
    write(root, f"{modules}/libgsqlite3backend.so", "x")
    dpkg(root, "pdns-backend-sqlite3", f"{modules}/libgsqlite3backend.so")
    write(root, f"{modules}/libbindbackend.so", "x")
    write(root, "/etc/powerdns/named.conf", "options { directory \"/var/lib/powerdns/zones\"; };\n")
    write(root, "/etc/bind-backend.conf", "x\n")
    write(root, "/etc/powerdns/bind-notes.txt", "not a configuration file\n")
    write(root, "/etc/cron.d/pdns-bind", "@daily root true\n")
    dpkg(root, "pdns-backend-bind", f"{modules}/libbindbackend.so", "/etc/powerdns/named.conf",
         "/etc/bind-backend.conf", "/etc/powerdns/bind-notes.txt", "/etc/cron.d/pdns-bind",
         conffiles={"/etc/powerdns/named.conf": b'options { directory "/var/lib/powerdns/zones"; };\n',
                    "/etc/bind-backend.conf": b"x\n",
                    "/etc/cron.d/pdns-bind": b"@daily root true\n"})     # (as installed: no edit brings them)
    trace = ["/usr/sbin/pdns_server", "/etc/powerdns/pdns.conf", f"{modules}/libgsqlite3backend.so"]
    events = records(*(("pdns_server", "openat", p) for p in trace[1:]))
    kept = kept_at(root, "unit", tmp_path, trace, events).kept
    assert f"{modules}/libbindbackend.so" in kept
    assert "/etc/powerdns/named.conf" in kept and "configuration of pdns-backend-bind" \
        in kept["/etc/powerdns/named.conf"]
    assert "/etc/bind-backend.conf" not in kept                 # at /etc's top
    assert "/etc/powerdns/bind-notes.txt" not in kept           # not a configuration file
    assert "/etc/cron.d/pdns-bind" not in kept                  # a directory nothing read


def test_a_file_left_out_for_what_it_needs_comes_once_that_came_for_another(tmp_path: Path):
    """LibreOffice's Calc filter for Lotus and Works files was left out
    for the 17.5 MB of libraries it needs, which the filters of Draw and
    Writer beside it brought right after: every such spreadsheet failed
    ("source file could not be loaded", exit 0). A file left out for what
    it needs is asked again once the rest is kept."""
    root, _ = compiled_root(tmp_path)
    filters, shared = "/usr/lib/office/filters", "/usr/lib/office/shared"
    for d in (filters, shared):
        (root / d.lstrip("/")).mkdir(parents=True)
    big = root / shared.lstrip("/") / "libbig.so.1"
    cc(big, "int big(void) { return 1; }\n", "-shared", "-fPIC", "-Wl,-soname,libbig.so.1")
    os.truncate(big, expand.FOREIGN_LIMIT + (1 << 20))        # (sparse: no disk)
    cc(root / shared.lstrip("/") / "libshared.so", "int s(void) { return 0; }\n", "-shared", "-fPIC")
    cc(root / filters.lstrip("/") / "libcalc.so", "int big(void);\nint calc(void) { return big(); }\n",
       "-shared", "-fPIC", f"-L{root}{shared}", "-l:libbig.so.1", f"-Wl,-rpath,{shared}")
    cc(root / filters.lstrip("/") / "libwriter.so", "int w(void) { return 0; }\n", "-shared", "-fPIC")
    dpkg(root, "calc", f"{filters}/libcalc.so")
    dpkg(root, "writer", f"{filters}/libwriter.so")
    dpkg(root, "libbig", f"{shared}/libbig.so.1")
    dpkg(root, "shared", f"{shared}/libshared.so")
    trace = [f"{filters}/libwriter.so", f"{shared}/libshared.so"]
    report = kept_at(root, "unit", tmp_path, trace, records(*(("soffice", "openat", p) for p in trace)))
    assert f"{shared}/libbig.so.1" in report.kept
    assert f"{filters}/libcalc.so" in report.kept
    assert "libcalc.so" not in report.left_out


def test_a_module_loaded_from_a_module_directory_keeps_the_others(tmp_path: Path):
    """ImageMagick loads the coder of each image format from its modules
    directory: the probe's PNG kept png.so, and the next `convert in.png
    out.jpg` wrote PNG data to out.jpg and exited 0. Every module there is
    kept, of both packages that put modules in it; not a library directory
    ld.so searches, nor a language's own."""
    root = tmp_path / "root"
    merged_usr(root)
    coders = "/usr/lib/x86_64-linux-gnu/ImageMagick-6.9.11/modules-Q16/coders"
    filters = "/usr/lib/x86_64-linux-gnu/ImageMagick-6.9.11/modules-Q16/filters"
    for name in ("png.so", "png.la", "jpeg.so", "jpeg.la", "gif.so"):
        write(root, f"{coders}/{name}", "x")
    write(root, f"{coders}/svg.so", "x")
    write(root, f"{coders}/libcoders.a", "x")       # (a static library: the linker's, of a -dev package)
    write(root, f"{filters}/analyze.so", "x")
    write(root, "/usr/lib/x86_64-linux-gnu/libMagickCore-6.Q16.so.6", "x")
    write(root, "/usr/lib/x86_64-linux-gnu/libjpeg.so.62", "x")
    write(root, "/usr/lib/python3.11/lib-dynload/_json.so", "x")
    write(root, "/usr/lib/python3.11/lib-dynload/_sqlite3.so", "x")
    write(root, "/usr/lib/python3.11/os.py", "x")
    write(root, "/app/convert", "x", 0o755)
    dpkg(root, "libmagickcore-6.q16-6", *(f"{coders}/{n}" for n in ("png.so", "png.la", "jpeg.so", "jpeg.la",
                                                                    "gif.so")),
         f"{filters}/analyze.so", "/usr/lib/x86_64-linux-gnu/libMagickCore-6.Q16.so.6")
    dpkg(root, "libmagickcore-6.q16-6-extra", f"{coders}/svg.so")
    dpkg(root, "libmagickcore-6.q16-dev", f"{coders}/libcoders.a")
    dpkg(root, "libjpeg62-turbo", "/usr/lib/x86_64-linux-gnu/libjpeg.so.62")
    dpkg(root, "libpython3.11-stdlib", "/usr/lib/python3.11/lib-dynload/_json.so",
         "/usr/lib/python3.11/lib-dynload/_sqlite3.so", "/usr/lib/python3.11/os.py")
    for name in ("ld.so.cache", "ld.so.conf", "hostname"):
        write(root, f"/etc/{name}", "x")
    trace = ["/app/convert", "/etc/ld.so.cache", "/usr/lib/x86_64-linux-gnu/libMagickCore-6.Q16.so.6",
             f"{coders}/png.la", f"{coders}/png.so"]
    events = records(*(("convert", "openat", p) for p in trace[1:]))
    kept = kept_at(root, "unit", tmp_path, trace, events).kept
    for name in ("jpeg.so", "jpeg.la", "gif.so", "svg.so"):
        assert f"{coders}/{name}" in kept, name
    # (the -extra package's, which nothing else brings)
    assert "loads its modules from it by name" in kept[f"{coders}/svg.so"]
    assert f"{filters}/analyze.so" not in kept                  # no filter was loaded
    assert f"{coders}/libcoders.a" not in kept                  # no program loads a static library
    assert "/etc/hostname" not in kept                          # ld.so.cache is no module
    assert f"{coders}/gif.so" not in kept_at(root, "file", tmp_path, trace, events).kept
    # a library directory: the other libraries stay out
    assert "/usr/lib/x86_64-linux-gnu/libjpeg.so.62" not in kept
    # a language's extensions: its import rules decide
    py = ["/app/convert", "/usr/lib/python3.11/os.py", "/usr/lib/python3.11/lib-dynload/_json.so"]
    kept = kept_at(root, "unit", tmp_path, py, records(*(("python3", "openat", p) for p in py[1:]))).kept
    assert "/usr/lib/python3.11/lib-dynload/_sqlite3.so" not in kept


def test_an_r_package_is_one_unit_with_the_packages_it_needs(tmp_path: Path):
    """An R job loaded ggplot2 and dplyr; on the minified image library()
    of munsell failed ("cannot open file 'munsell.rdb'": kept in part),
    help("geom_point") found nothing, citation("ggplot2") was silently
    another, and a plot with viridis stopped ("there is no package called
    'viridisLite'", an Imports loaded on first use). An R package is one
    unit, with the packages its DESCRIPTION's Depends and Imports name,
    across libraries; a package the R code loads by name (nlme::lme) too;
    not another, nor one named only by Suggests or LinkingTo."""
    root = tmp_path / "root"
    merged_usr(root)
    site, base = "/usr/lib/R/site-library", "/usr/lib/R/library"
    packages = {f"{site}/ggplot2": "Package: ggplot2\nDepends: R (>= 3.3)\nImports: MASS,\n"
                                   "    viridisLite (>= 0.4), grid\nSuggests: unused\n",
                f"{site}/viridisLite": "Package: viridisLite\n",
                f"{site}/unused": "Package: unused\n",
                f"{base}/MASS": "Package: MASS\nDepends: R (>= 4.0), grDevices\n",
                f"{base}/grid": "Package: grid\n",
                f"{base}/nlme": "Package: nlme\nLinkingTo: BH\n",
                f"{site}/BH": "Package: BH\n"}
    for d, description in packages.items():
        name = d.rsplit("/", 1)[1]
        write(root, f"{d}/DESCRIPTION", description)
        for f in (f"R/{name}.rdb", f"R/{name}.rdx", "help/aliases.rds", "Meta/package.rds"):
            write(root, f"{d}/{f}", "x")
        dpkg(root, f"r-cran-{name.lower()}", f"{d}/DESCRIPTION", f"{d}/R/{name}.rdb", f"{d}/R/{name}.rdx",
             f"{d}/help/aliases.rds", f"{d}/Meta/package.rds")
    write(root, f"{site}/ggplot2/CITATION", "bibentry()")
    write(root, "/app/report.R", "library(ggplot2)\nfit <- function(d) nlme::lme(y ~ x, d)\n")
    trace = ["/app/report.R", f"{site}/ggplot2/R/ggplot2.rdx", f"{site}/ggplot2/DESCRIPTION"]
    events = records(*(("R", "openat", p) for p in trace))
    kept = kept_at(root, "unit", tmp_path, trace, events).kept
    for f in ("R/ggplot2.rdb", "help/aliases.rds", "CITATION"):
        assert f"{site}/ggplot2/{f}" in kept, f
    for d in (f"{site}/viridisLite", f"{base}/MASS", f"{base}/grid", f"{base}/nlme"):
        assert f"{d}/R/{d.rsplit('/', 1)[1]}.rdb" in kept, d
    assert "loaded by /app/report.R" in kept[f"{base}/nlme/R/nlme.rdb"]
    assert f"{site}/unused/R/unused.rdb" not in kept          # Suggests: not needed
    assert f"{site}/BH/R/BH.rdb" not in kept                  # LinkingTo: headers to compile with
    assert f"{site}/viridisLite/R/viridisLite.rdb" not in kept_at(root, "file", tmp_path, trace, events).kept


def test_the_r_packages_a_used_r_packages_distribution_package_recommends(tmp_path: Path):
    """ggsave("plot.svg") failed on a minified R image ("there is no package
    called 'svglite'"), unsaid: ggplot2 draws SVG through svglite, which
    its compiled code names and Debian's r-cran-ggplot2 recommends. The R
    packages a used one's package recommends, installed, come whole with
    the R packages they need, cheapest first within one budget (what they
    need counted); what is over it is said."""
    root = tmp_path / "root"
    merged_usr(root)
    site = "/usr/lib/R/site-library"

    def r_package(name: str, size: int, imports: str = "") -> list[str]:
        d = f"{site}/{name}"
        write(root, f"{d}/DESCRIPTION", f"Package: {name}\n" + (f"Imports: {imports}\n" if imports else ""))
        write(root, f"{d}/R/{name}.rdb", "x" * size)
        return [f"{d}/DESCRIPTION", f"{d}/R/{name}.rdb"]

    dpkg(root, "r-cran-ggplot2", *r_package("ggplot2", 10),
         recommends="r-cran-huge, r-cran-mid, r-cran-svglite, r-cran-two, r-cran-notinstalled")
    dpkg(root, "r-cran-svglite", *r_package("svglite", 1_000_000, imports="systemfonts"))
    dpkg(root, "r-cran-systemfonts", *r_package("systemfonts", 2_000_000))
    dpkg(root, "r-cran-mid", *r_package("mid", 1_500_000))
    dpkg(root, "r-cran-huge", *r_package("huge", 5_000_000))
    dpkg(root, "r-cran-two", *r_package("twoa", 10), *r_package("twob", 10))
    dpkg(root, "r-cran-unrelated", *r_package("unrelated", 10))
    trace = [f"{site}/ggplot2/DESCRIPTION", f"{site}/ggplot2/R/ggplot2.rdb"]
    report = kept_at(root, "unit", tmp_path, trace, records(*(("R", "openat", p) for p in trace)))
    # (cheapest first: both of r-cran-two's, then mid; svglite with its
    # systemfonts, 3 MB, is then over the 4.2 MB)
    for name in ("twoa", "twob", "mid"):
        assert f"{site}/{name}/R/{name}.rdb" in report.kept, name
    assert "r-cran-mid, which r-cran-ggplot2 recommends" in report.kept[f"{site}/mid/R/mid.rdb"]
    for name in ("svglite", "systemfonts", "huge", "unrelated"):
        assert f"{site}/{name}/R/{name}.rdb" not in report.kept, name
    for name in ("r-cran-huge", "r-cran-svglite", "r-cran-ggplot2 recommends it"):
        assert name in report.unkept_companions, name
    # within the budget, with what it needs
    (root / f"{site.lstrip('/')}/mid/R/mid.rdb").write_text("x")
    report = kept_at(root, "unit", tmp_path, trace, records(*(("R", "openat", p) for p in trace)))
    for name in ("svglite", "systemfonts"):
        assert f"{site}/{name}/R/{name}.rdb" in report.kept, name


def test_translations_into_the_languages_in_use_of_what_is_kept(tmp_path: Path):
    """Under LANG=de_DE.UTF-8 a minified sshd image answered in half
    English: passwd, kept alone, without its shadow.mo, and the C library's
    messages, in libc-l10n (glibc's, a package of translations alone). The
    translations into a language in use of every package a program or
    library of which is kept, and of a translations-only package of the
    same source; not another language's, nor an unrelated package's."""
    root = tmp_path / "root"
    merged_usr(root)
    loc = "/usr/share/locale"
    files = {"passwd": ["/usr/bin/passwd", f"{loc}/de/LC_MESSAGES/shadow.mo",
                        f"{loc}/fr/LC_MESSAGES/shadow.mo"],
             "libc6": ["/usr/lib/x86_64-linux-gnu/libc.so.6"],
             "libc-l10n": [f"{loc}/de/LC_MESSAGES/libc.mo", f"{loc}/fr/LC_MESSAGES/libc.mo"],
             "other-l10n": [f"{loc}/de/LC_MESSAGES/other.mo"],
             "app": ["/usr/bin/app", f"{loc}/de/LC_MESSAGES/app.mo"]}
    for package, paths in files.items():
        for path in paths:
            write(root, path, "#!/bin/sh\n" if "/bin/" in path else "x", 0o755 if "/bin/" in path else 0o644)
        dpkg(root, package, *paths, source="glibc" if package.startswith("libc") else package)
    trace = ["/usr/bin/app", f"{loc}/de/LC_MESSAGES/app.mo", "/usr/lib/x86_64-linux-gnu/libc.so.6"]
    events = records(("app", "exec", trace[0]), *(("app", "openat", p) for p in trace[1:]))
    # (passwd kept alone, as a script names it or a user includes it)
    kept = kept_at(root, "unit", tmp_path, trace, events, resolve.Rules(include=["/usr/bin/passwd"])).kept
    for path in (f"{loc}/de/LC_MESSAGES/shadow.mo", f"{loc}/de/LC_MESSAGES/libc.mo"):
        assert path in kept and "into de, a language in use" in kept[path], path
    for path in (f"{loc}/fr/LC_MESSAGES/shadow.mo", f"{loc}/fr/LC_MESSAGES/libc.mo",
                 f"{loc}/de/LC_MESSAGES/other.mo"):
        assert path not in kept, path


@pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc (CI installs it)")
def test_translations_of_the_message_domain_a_kept_library_names(tmp_path: Path):
    """passwd's prompts, PAM's, stayed English under LANG=de_DE.UTF-8 on a
    minified sshd image: libpam names its messages' domain, "Linux-PAM",
    whose catalogues are libpam-runtime's (no program or library of it
    kept). A kept program or library's domain brings its catalogues into
    the languages in use, whoever's package holds them."""
    root = tmp_path / "root"
    merged_usr(root)
    loc = "/usr/share/locale"
    lib = "/usr/lib/x86_64-linux-gnu/libpam.so.0"
    build = tmp_path / "build"
    build.mkdir()
    cc(build / "libpam.so.0", '#include <libintl.h>\n'
       'const char *message(void) { return dgettext("Linux-PAM", "Password: "); }\n', "-shared", "-fPIC")
    write(root, lib, (build / "libpam.so.0").read_bytes())
    dpkg(root, "libpam0g", lib)
    # (a library that names a domain's word and translates nothing: file's
    # libmagic names "tar", whose catalogues are tar's)
    magic = "/usr/lib/x86_64-linux-gnu/libmagic.so.1"
    cc(build / "libmagic.so.1", 'const char *kind(void) { return "other"; }\n', "-shared", "-fPIC")
    write(root, magic, (build / "libmagic.so.1").read_bytes())
    dpkg(root, "libmagic1", magic)
    catalogues = [f"{loc}/{lang}/LC_MESSAGES/{domain}.mo" for lang in ("de", "fr")
                  for domain in ("Linux-PAM", "other")]
    for path in catalogues:
        write(root, path, "mo")
    dpkg(root, "libpam-runtime", *catalogues, "/etc/pam.conf")
    write(root, "/etc/pam.conf", "#\n")
    write(root, f"{loc}/de/LC_MESSAGES/app.mo", "mo")
    dpkg(root, "app", f"{loc}/de/LC_MESSAGES/app.mo")
    trace = [lib, magic, f"{loc}/de/LC_MESSAGES/app.mo"]      # (de: a language in use)
    kept = kept_at(root, "unit", tmp_path, trace, records(*(("sshd", "openat", p) for p in trace))).kept
    pam = f"{loc}/de/LC_MESSAGES/Linux-PAM.mo"
    assert pam in kept and "(Linux-PAM)" in kept[pam]
    for path in (f"{loc}/fr/LC_MESSAGES/Linux-PAM.mo", f"{loc}/de/LC_MESSAGES/other.mo"):
        assert path not in kept, path


def test_the_packages_r_code_names():
    """library(), require(), requireNamespace() and pkg:: name packages; a
    '#' in a string starts no comment ('#fff' had hidden dplyr); a comment's
    names are none; library(p, character.only = TRUE) names the variable's
    value, not p."""
    code = ("library(ggplot2)\ncol <- '#fff'; library(dplyr)\n# library(nothere)\n"
            "fit <- mgcv::gam(y ~ s(x))\nfor (p in pkgs) library(p, character.only = TRUE)\n"
            "requireNamespace(\"MASS\", quietly = TRUE)\ns <- \"a # b\"; require(lattice)\n")
    assert codescan.r_libraries(code) == ["ggplot2", "dplyr", "MASS", "lattice", "mgcv"]


def test_the_generated_locales_once_a_program_that_calls_setlocale_ran(tmp_path: Path):
    """An R job, probed in the C locale, then run with LANG=de_DE.UTF-8 on
    the minified image: "Setting LC_CTYPE failed, using "C"", English
    dates, exit 0, though de_DE was generated in the image (and its
    translations kept). The locales locale-gen made come whole once a
    program that ran imports setlocale; not for one that does not."""
    root, lib = compiled_root(tmp_path)
    (root / "usr/bin").mkdir(parents=True)
    cc(root / "usr/bin/job", '#include <locale.h>\nint main(void) { return !setlocale(LC_ALL, ""); }\n')
    cc(root / "usr/bin/plain", "int main(void) { return 0; }\n")
    dpkg(root, "libc6", f"{GIS_LIB}/libc.so.6", f"{GIS_LIB}/ld-linux-x86-64.so.2")
    write(root, "/usr/lib/locale/locale-archive", archive("de_DE.utf8"))
    write(root, "/usr/lib/locale/C.utf8/LC_CTYPE", "c")
    cc(root / "usr/bin/locale", "int main(void) { return 0; }\n")
    dpkg(root, "libc-bin", "/usr/lib/locale/C.utf8/LC_CTYPE", "/usr/bin/locale")
    write(root, "/etc/locale.alias", "german de_DE.ISO-8859-1\n")
    link(root, "/usr/share/locale/locale.alias", "/etc/locale.alias")
    dpkg(root, "locales", "/etc/locale.alias", "/usr/share/locale/locale.alias")
    for program, keeps in (("job", True), ("plain", False)):
        trace = [f"/usr/bin/{program}"]
        kept = kept_at(root, "unit", tmp_path, trace, records((program, "exec", trace[0]))).kept
        assert ("/usr/lib/locale/locale-archive" in kept) == keeps, program
        assert ("/usr/lib/locale/C.utf8/LC_CTYPE" in kept) == keeps, program
        # with their aliases and `locale -a`
        for extra in ("/etc/locale.alias", "/usr/share/locale/locale.alias", "/usr/bin/locale"):
            assert (extra in kept) == keeps, (program, extra)
    assert "/usr/bin/job calls setlocale" in kept_at(root, "unit", tmp_path, ["/usr/bin/job"], records(
        ("job", "exec", "/usr/bin/job"))).kept["/usr/lib/locale/locale-archive"]


def test_code_that_calls_setlocale_keeps_every_locale(tmp_path: Path):
    """setlocale reads the locale it is given by name: PHP's
    setlocale(LC_ALL, "C.UTF-8") returned false on an image that kept
    none. A locale read in the trace is the one LANG named: it does not
    bring the others, but comes whole itself (Python reads C.utf8's
    LC_CTYPE as it starts; setlocale(LC_ALL, "") under LANG=C.UTF-8 then
    failed, "unsupported locale setting")."""
    root = tmp_path / "root"
    merged_usr(root)
    write(root, "/usr/lib/locale/C.utf8/LC_CTYPE", "c")
    write(root, "/usr/lib/locale/C.utf8/LC_TIME", "c")
    dpkg(root, "libc-bin", "/usr/lib/locale/C.utf8/LC_CTYPE", "/usr/lib/locale/C.utf8/LC_TIME")
    write(root, "/usr/lib/locale/locale-archive", "de_DE fr_FR")      # locale-gen's, no package's
    write(root, "/app/server", "x", 0o755)
    trace = ["/app/server", "/usr/lib/locale/C.utf8/LC_CTYPE"]
    kept = kept_at(root, "unit", tmp_path, trace, records(("server", "openat", trace[1]))).kept
    assert "/usr/lib/locale/locale-archive" not in kept
    assert "a locale, of which" in kept["/usr/lib/locale/C.utf8/LC_TIME"]
    assert "/usr/lib/locale/C.utf8/LC_TIME" not in kept_at(root, "file", tmp_path, trace,
                                                          records(("server", "openat", trace[1]))).kept
    write(root, "/app/page.php", "<?php setlocale(LC_ALL, 'de_DE.UTF-8'); echo strftime('%B');\n")
    kept = kept_at(root, "unit", tmp_path, trace[:1], records()).kept
    assert "/usr/lib/locale/locale-archive" in kept and "/usr/lib/locale/C.utf8/LC_TIME" in kept
    assert "/app/page.php calls setlocale" in kept["/usr/lib/locale/locale-archive"]
    # a program's bytes are not code: a string in a binary says nothing
    (root / "app/page.php").unlink()
    write(root, "/app/server", b"\x7fELF setlocale( TZ=", 0o755)
    kept = kept_at(root, "unit", tmp_path, trace[:1], records()).kept
    assert "/usr/lib/locale/locale-archive" not in kept


@pytest.fixture
def script_root(tmp_path: Path) -> Path:
    """Debian's Ruby and Perl: standard libraries in a lib and an arch
    directory, an application that loads libraries on first use."""
    root = tmp_path / "root"
    merged_usr(root)
    rb, rbarch = "/usr/lib/ruby/3.1.0", "/usr/lib/x86_64-linux-gnu/ruby/3.1.0"
    files = {
        f"{rb}/json.rb": "require 'json/common'\n", f"{rb}/json/common.rb": "",
        f"{rb}/csv.rb": "require 'forwardable'\nrequire 'stringio'\ndef x\n  require 'date'\nend\n",
        f"{rb}/csv/parser.rb": "", f"{rb}/forwardable.rb": "", f"{rb}/date.rb": "",
        f"{rb}/set.rb": "", f"{rb}/digest.rb": "", f"{rbarch}/digest.so": "",
        f"{rbarch}/digest/sha2.so": "", f"{rbarch}/stringio.so": "",
        f"{rbarch}/enc/encdb.so": "", f"{rbarch}/enc/iso_8859_1.so": "", f"{rbarch}/enc/shift_jis.so": "",
        f"{rbarch}/enc/trans/single_byte.so": "", f"{rb}/yaml.rb": "",
        "/usr/share/rubygems-integration/all/gems/rack-2.2.6/lib/rack/utils.rb": "require 'set'\n",
        "/usr/share/rubygems-integration/all/specifications/rack-2.2.6.gemspec": "",
    }
    pl, plarch = "/usr/share/perl/5.36.0", "/usr/lib/x86_64-linux-gnu/perl/5.36.0"
    plbase = "/usr/lib/x86_64-linux-gnu/perl-base"
    files.update({
        f"{plbase}/strict.pm": "", f"{plbase}/POSIX.pm": "use Fcntl;\n", f"{plbase}/Fcntl.pm": "",
        f"{plbase}/auto/POSIX/POSIX.so": "",
        f"{pl}/JSON/PP.pm": "use Carp ();\nsub x { require Math::BigInt; }\n", f"{plbase}/Carp.pm": "",
        f"{plarch}/Unicode/Collate.pm": "sub new { eval { require Unicode::Normalize }; }\n",
        f"{plarch}/Unicode/Normalize.pm": "", f"{plarch}/auto/Unicode/Normalize/Normalize.so": "",
        f"{pl}/Math/BigInt.pm": "", f"{pl}/Time/Local.pm": "",
        f"{pl}/unicore/Name.pl": "", f"{pl}/unicore/lib/Sc/Grek.pl": "", f"{pl}/utf8.pm": "",
        f"{plarch}/Time/Piece.pm": "use Time::Seconds;\n", f"{plarch}/Time/Seconds.pm": "",
        f"{plarch}/auto/Time/Piece/Piece.so": "",
        f"{plarch}/Digest/SHA.pm": "", f"{plarch}/auto/Digest/SHA/SHA.so": "",
        f"{plarch}/Encode.pm": "use Encode::Alias;\n", f"{plarch}/Encode/Alias.pm": "",
        f"{plarch}/Encode/JP.pm": "", f"{plarch}/auto/Encode/JP/JP.so": "",
        f"{plarch}/Storable.pm": "",
    })
    for path, text in files.items():
        write(root, path, text)
    link(root, "/usr/lib/x86_64-linux-gnu/perl/5.36", "5.36.0")      # what @INC names
    dpkg(root, "libruby3.1", *(p for p in files if "ruby/3.1.0" in p))
    dpkg(root, "ruby-rack", *(p for p in files if "rubygems-integration" in p))
    dpkg(root, "perl-base", *(p for p in files if p.startswith(plbase)))
    dpkg(root, "libperl5.36", *(p for p in files if p.startswith(plarch)))
    dpkg(root, "perl-modules-5.36", *(p for p in files if p.startswith(pl)))
    write(root, "/app/server.rb", "require 'json'\nrequire_relative 'lib/helper'\n"
                                  "def csv_page\n  require 'csv'\nend\n"
                                  "def digest_page\n  require 'digest/sha2'\nend\n")
    write(root, "/app/lib/helper.rb", "")
    write(root, "/app/server.pl", "#!/usr/bin/perl\nuse strict;\nuse JSON::PP;\n"
                                  "sub piece { require Time::Piece; }\n"
                                  "sub sha { require Digest::SHA; }\n", 0o755)
    return root


RUBY_TRACE = ["/app/server.rb", "/usr/lib/ruby/3.1.0/json.rb", "/usr/lib/ruby/3.1.0/json/common.rb",
              "/usr/lib/x86_64-linux-gnu/ruby/3.1.0/enc/encdb.so"]
PERL_TRACE = ["/app/server.pl", "/usr/lib/x86_64-linux-gnu/perl-base/strict.pm",
              "/usr/share/perl/5.36.0/JSON/PP.pm"]


def test_ruby_libraries_the_application_loads_on_first_use_are_kept(script_root: Path, tmp_path: Path):
    """A WEBrick app probed on /health and /json: every route requiring its
    library on first use (csv, digest/sha2) raised LoadError on the
    minified image, and Encoding conversions to ISO-8859-1 failed: Ruby's
    standard library was one package (libruby3.1), never run."""
    rb, rbarch = "/usr/lib/ruby/3.1.0", "/usr/lib/x86_64-linux-gnu/ruby/3.1.0"
    events = records(*(("ruby", "openat", p) for p in RUBY_TRACE))
    kept = kept_at(script_root, "unit", tmp_path, RUBY_TRACE, events).kept
    assert f"{rb}/csv.rb" in kept and f"{rb}/csv/parser.rb" in kept      # required in a method
    assert "loaded by /app/server.rb" in kept[f"{rb}/csv.rb"]
    assert f"{rbarch}/digest/sha2.so" in kept and f"{rb}/digest.rb" in kept   # both directories
    assert f"{rb}/forwardable.rb" in kept and f"{rbarch}/stringio.so" in kept  # csv's top-level requires
    assert f"{rb}/date.rb" not in kept                   # csv's require in a method: not followed
    assert f"{rbarch}/enc/shift_jis.so" in kept and f"{rbarch}/enc/trans/single_byte.so" in kept
    assert f"{rb}/yaml.rb" not in kept and f"{rb}/set.rb" not in kept          # nothing loads them
    assert f"{rb}/csv.rb" not in kept_at(script_root, "file", tmp_path, RUBY_TRACE, events).kept


def test_a_gem_kept_whole_brings_the_standard_library_it_requires(script_root: Path, tmp_path: Path):
    gem = "/usr/share/rubygems-integration/all/gems/rack-2.2.6/lib/rack/utils.rb"
    trace = [*RUBY_TRACE, gem]
    events = records(*(("ruby", "openat", p) for p in trace))
    kept = kept_at(script_root, "unit", tmp_path, trace, events).kept
    assert "/usr/lib/ruby/3.1.0/set.rb" in kept and f"loaded by {gem}" in kept["/usr/lib/ruby/3.1.0/set.rb"]


def test_a_gems_own_feature_is_no_library_directorys(script_root: Path, tmp_path: Path):
    """The asciidoctor gem requires 'asciidoctor/core_ext' from its own lib:
    ruby-asciidoctor-pdf's vendor_ruby/asciidoctor/ (9.1 MB of a PDF
    toolchain, without its data) was kept as "loaded" by the top name. And
    a library installed on purpose of which only the description was read
    (RubyGems reads every gemspec) is said: ruby-coderay, which
    asciidoctor's require_library loads for one highlighter."""
    gem = "/usr/share/rubygems-integration/all/gems/asciidoctor-2.0.18/lib"
    vendor = "/usr/lib/ruby/vendor_ruby"
    specs = "/usr/share/rubygems-integration/all/specifications"
    write(script_root, f"{gem}/asciidoctor.rb", "require 'asciidoctor/core_ext'\n")
    write(script_root, f"{gem}/asciidoctor/core_ext.rb", "")
    write(script_root, f"{vendor}/asciidoctor/pdf.rb", "")
    write(script_root, f"{vendor}/asciidoctor/pdf/converter.rb", "")
    write(script_root, f"{vendor}/coderay.rb", "")
    write(script_root, f"{vendor}/coderay/tokens.rb", "")
    write(script_root, f"{specs}/coderay-1.1.3.gemspec", "")
    dpkg(script_root, "asciidoctor", f"{gem}/asciidoctor.rb", f"{gem}/asciidoctor/core_ext.rb")
    dpkg(script_root, "ruby-asciidoctor-pdf", f"{vendor}/asciidoctor/pdf.rb",
         f"{vendor}/asciidoctor/pdf/converter.rb")
    dpkg(script_root, "ruby-coderay", f"{vendor}/coderay.rb", f"{vendor}/coderay/tokens.rb",
         f"{specs}/coderay-1.1.3.gemspec")
    trace = [*RUBY_TRACE, f"{gem}/asciidoctor.rb", f"{gem}/asciidoctor/core_ext.rb",
             f"{specs}/coderay-1.1.3.gemspec"]
    events = records(*(("ruby", "openat", p) for p in trace))
    report = kept_at(script_root, "unit", tmp_path, trace, events)
    assert f"{vendor}/asciidoctor/pdf.rb" not in report.kept
    assert f"{vendor}/coderay/tokens.rb" not in report.kept
    assert "ruby-coderay (coderay, coderay.rb)" in report.unused_libraries


def test_a_library_kept_whole_brings_the_commands_of_its_package(script_root: Path, tmp_path: Path):
    """Redmine loaded the rake and bundler gems; `bundle exec rake
    redmine:send_reminders` then said "bundle: not found": the commands
    the package of a library kept whole puts on PATH come, each alone;
    not another package's that depends on it."""
    gems = "/usr/share/rubygems-integration/all/gems"
    write(script_root, f"{gems}/bundler-2.3.15/lib/bundler.rb", "")
    write(script_root, f"{gems}/bundler-2.3.15/lib/bundler/setup.rb", "")
    write(script_root, "/usr/share/rubygems-integration/all/specifications/bundler-2.3.15.gemspec", "")
    write(script_root, "/usr/bin/bundle", "#!/usr/bin/ruby\nrequire 'bundler'\n", 0o755)
    write(script_root, "/usr/bin/bundler", "#!/usr/bin/ruby\nrequire 'bundler'\n", 0o755)
    write(script_root, "/usr/bin/gem2deb", "#!/usr/bin/ruby\nrequire 'bundler'\n", 0o755)
    dpkg(script_root, "ruby-bundler", f"{gems}/bundler-2.3.15/lib/bundler.rb",
         f"{gems}/bundler-2.3.15/lib/bundler/setup.rb",
         "/usr/share/rubygems-integration/all/specifications/bundler-2.3.15.gemspec",
         "/usr/bin/bundle", "/usr/bin/bundler")
    dpkg(script_root, "gem2deb", "/usr/bin/gem2deb", depends="ruby-bundler")
    # (loaded, and declared by another gem the workload loaded first)
    write(script_root, f"{gems}/railties-6.1/lib/rails.rb", "")
    write(script_root, "/usr/share/rubygems-integration/all/specifications/railties-6.1.gemspec",
          "s.add_runtime_dependency(%q<bundler>, [\">= 1.15.0\"])\n")
    dpkg(script_root, "ruby-railties", f"{gems}/railties-6.1/lib/rails.rb",
         "/usr/share/rubygems-integration/all/specifications/railties-6.1.gemspec")
    trace = [*RUBY_TRACE, f"{gems}/railties-6.1/lib/rails.rb", f"{gems}/bundler-2.3.15/lib/bundler/setup.rb"]
    events = records(*(("ruby", "openat", p) for p in trace))
    kept = kept_at(script_root, "unit", tmp_path, trace, events).kept
    assert f"{gems}/bundler-2.3.15/lib/bundler.rb" in kept
    for command in ("/usr/bin/bundle", "/usr/bin/bundler"):
        assert command in kept and "ruby-bundler, whose library" in kept[command], command
    assert "/usr/bin/gem2deb" not in kept
    # (the language's own library: not its package's commands)
    write(script_root, "/usr/bin/erb", "#!/usr/bin/ruby\n", 0o755)
    write(script_root, "/usr/lib/ruby/3.1.0/erb.rb", "")
    write(script_root, "/usr/lib/ruby/3.1.0/erb/util.rb", "")
    dpkg(script_root, "ruby3.1-erb", "/usr/lib/ruby/3.1.0/erb.rb", "/usr/lib/ruby/3.1.0/erb/util.rb",
         "/usr/bin/erb")
    trace.append("/usr/lib/ruby/3.1.0/erb.rb")
    events = records(*(("ruby", "openat", p) for p in trace))
    kept = kept_at(script_root, "unit", tmp_path, trace, events).kept
    assert "/usr/lib/ruby/3.1.0/erb/util.rb" in kept and "/usr/bin/erb" not in kept


def test_what_rubys_interpreter_requires_by_a_name_compiled_into_it(script_root: Path, tmp_path: Path):
    """String#unicode_normalize requires unicode_normalize/normalize.rb on
    its first call, a name in libruby's data: a route calling it was a 500
    on a minified Sinatra image (LoadError). The features a kept libruby
    names so come; not those of a library of another name."""
    need(shutil.which("gcc") is not None, "gcc")
    rb, lib = "/usr/lib/ruby/3.1.0", "/usr/lib/x86_64-linux-gnu"
    write(script_root, f"{rb}/unicode_normalize/normalize.rb", "")
    write(script_root, f"{rb}/unicode_normalize/tables.rb", "")
    write(script_root, f"{rb}/other/feature.rb", "")
    source = 'const char *%s[] = {"%s", "enc/encdb.so"};\nconst char *get(int i) { return %s[i]; }\n'
    built = script_root / lib.lstrip("/")
    built.mkdir(parents=True, exist_ok=True)
    cc(built / "libruby-3.1.so.3.1", source % ("n", "unicode_normalize/normalize.rb", "n"),
       "-shared", "-fPIC")
    cc(built / "libother.so.1", source % ("o", "other/feature.rb", "o"), "-shared", "-fPIC")
    trace = [*RUBY_TRACE, f"{lib}/libruby-3.1.so.3.1", f"{lib}/libother.so.1"]
    events = records(*(("ruby", "openat", p) for p in trace))
    kept = kept_at(script_root, "unit", tmp_path, trace, events).kept
    assert "by a name compiled into it" in kept[f"{rb}/unicode_normalize/normalize.rb"]
    assert f"{rb}/unicode_normalize/tables.rb" in kept          # (its unit, whole)
    assert f"{rb}/other/feature.rb" not in kept


def test_a_program_a_shell_script_gives_an_interpreter_in_a_here_document(script_root: Path, tmp_path: Path):
    """exim_checkaccess runs `/usr/bin/perl - $exim_path $args <<'End'` and
    its Perl loads FileHandle and IPC::Open2: "Can't locate FileHandle.pm"
    on a minified Exim image. A here-document an interpreter reads its
    program from is code of its language; not one it reads as data."""
    write(script_root, "/app/check.sh", "#!/bin/sh\n/usr/bin/perl - \"$@\" <<'End'\nuse Encode::JP;\nEnd\n"
                                        "perl /app/x.pl <<EOF\nuse Storable;\nEOF\n", 0o755)
    trace = ["/app/check.sh"]
    kept = kept_at(script_root, "unit", tmp_path, trace, records(("check.sh", "exec", "/app/check.sh"))).kept
    jp = "/usr/lib/x86_64-linux-gnu/perl/5.36.0/Encode/JP.pm"
    assert jp in kept and "loaded by /app/check.sh" in kept[jp]
    assert "/usr/lib/x86_64-linux-gnu/perl/5.36.0/Storable.pm" not in kept


def test_a_python_program_a_shell_script_gives_python_in_a_here_document(app_root: Path, tmp_path: Path):
    """The same for Python: `python3 - <<PY` imports what the here-document
    imports; not what a here-document given to a script reads."""
    lib = "/usr/lib/python3.11"
    write(app_root, f"{lib}/shlex.py", "")
    write(app_root, f"{lib}/gzip.py", "")
    dpkg(app_root, "libpython3.11-stdlib", f"{lib}/os.py", f"{lib}/shlex.py", f"{lib}/gzip.py")
    write(app_root, "/app/tool.sh", "#!/bin/sh\npython3 - \"$@\" <<PY\nimport shlex\nPY\n"
                                    "python3 /app/web.py <<EOF\nimport gzip\nEOF\n", 0o755)
    trace = ["/app/tool.sh"]
    kept = kept_at(app_root, "unit", tmp_path, trace, records(("tool.sh", "exec", "/app/tool.sh"))).kept
    assert f"{lib}/shlex.py" in kept and f"{lib}/gzip.py" not in kept


def test_a_rubygems_binstub_brings_the_gem_it_activates(script_root: Path, tmp_path: Path):
    """Debian's /usr/bin/erb and racc are RubyGems binstubs, `load
    Gem.activate_bin_path('erb', 'erb', version)`: kept without the gem's
    directory, they failed with LoadError on a minified Sinatra image. The
    newest version of the gem they name comes whole; not another gem."""
    gems = "/usr/lib/ruby/gems/3.1.0/gems"
    for version in ("2.2.0", "2.2.3"):
        write(script_root, f"{gems}/erb-{version}/libexec/erb", "#!/usr/bin/ruby\n")
    write(script_root, f"{gems}/racc-1.6.0/bin/racc", "#!/usr/bin/ruby\n")
    write(script_root, "/usr/lib/ruby/gems/3.1.0/specifications/default/erb-2.2.3.gemspec", "")
    write(script_root, "/usr/bin/erb3.1", "#!/usr/bin/ruby3.1\nrequire 'rubygems'\nversion = '>= 0.a'\n"
                                          "if Gem.respond_to?(:activate_bin_path)\n"
                                          "load Gem.activate_bin_path('erb', 'erb', version)\nelse\n"
                                          "gem \"erb\", version\nend\n", 0o755)
    # (the interpreter ran by package ruby's link to ruby3.1's, whose command erb3.1 is)
    write(script_root, "/usr/bin/ruby3.1", "\x7fELF", 0o755)
    link(script_root, "/usr/bin/ruby", "ruby3.1")
    dpkg(script_root, "ruby3.1", "/usr/bin/ruby3.1", "/usr/bin/erb3.1")
    dpkg(script_root, "ruby", "/usr/bin/ruby")
    trace = ["/usr/bin/ruby", *RUBY_TRACE]
    events = records(("ruby", "exec", "/usr/bin/ruby"), *(("ruby", "openat", p) for p in RUBY_TRACE))
    kept = kept_at(script_root, "unit", tmp_path, trace, events).kept
    assert "activated by /usr/bin/erb3.1" in kept[f"{gems}/erb-2.2.3/libexec/erb"]
    assert f"{gems}/erb-2.2.0/libexec/erb" not in kept and f"{gems}/racc-1.6.0/bin/racc" not in kept
    # (the newest by its version's numbers, a platform's gem by its name)
    assert units.gem_name(f"{gems}/nokogiri-1.15.4-x86_64-linux")[0] == "nokogiri"
    assert units.gem_name(f"{gems}/rack-2.10.1")[1] > units.gem_name(f"{gems}/rack-2.9.0")[1]


def test_a_library_kept_whole_brings_the_programs_its_package_depends_on(script_root: Path, tmp_path: Path):
    """Redmine's thumbnails run convert through MiniMagick, which finds
    ImageMagick by `which mogrify`: with convert alone, "You must have
    ImageMagick or GraphicsMagick installed", and `identify` not found.
    The packages of programs a library the workload uses depends on,
    through a metapackage, whose commands its code names in a string,
    come, each program alone; not a library's package, nor a program
    package it does not depend on or whose commands it does not name (a
    Perl library depends on `perl`, whose cpan and enc2xs brought 27 MB of
    modules)."""
    gems = "/usr/share/rubygems-integration/all/gems"
    lib = f"{gems}/mini_magick-4.11.0/lib"
    write(script_root, f"{lib}/mini_magick.rb", "CLI = {imagemagick: 'mogrify'}\n")
    write(script_root, "/usr/share/rubygems-integration/all/specifications/mini_magick-4.11.0.gemspec", "")
    dpkg(script_root, "ruby-mini-magick", f"{lib}/mini_magick.rb",
         "/usr/share/rubygems-integration/all/specifications/mini_magick-4.11.0.gemspec",
         depends="imagemagick | graphicsmagick, ruby-posix-spawn")
    write(script_root, "/usr/share/doc/imagemagick/copyright", "c")
    dpkg(script_root, "imagemagick", "/usr/share/doc/imagemagick/copyright", depends="imagemagick-6.q16")
    programs = [f"/usr/bin/{name}-im6.q16" for name in ("convert", "mogrify", "identify")]
    for program in programs:
        write(script_root, program, "#!/bin/sh\n", 0o755)
    link(script_root, "/etc/alternatives/mogrify", "/usr/bin/mogrify-im6.q16")
    link(script_root, "/usr/bin/mogrify", "/etc/alternatives/mogrify")
    dpkg(script_root, "imagemagick-6.q16", *programs, depends="libmagickcore-6.q16-6")
    write(script_root, "/usr/lib/x86_64-linux-gnu/libposix-spawn.so.1", "\x7fELF")
    dpkg(script_root, "ruby-posix-spawn", "/usr/lib/x86_64-linux-gnu/libposix-spawn.so.1")
    write(script_root, "/usr/bin/gm", "#!/bin/sh\n", 0o755)
    dpkg(script_root, "graphicsmagick", "/usr/bin/gm")      # (installed: the other alternative, unnamed)
    write(script_root, "/usr/bin/gs", "#!/bin/sh\n", 0o755)
    dpkg(script_root, "ghostscript", "/usr/bin/gs")
    trace = [*RUBY_TRACE, f"{lib}/mini_magick.rb"]
    events = records(*(("ruby", "openat", p) for p in trace))
    kept = kept_at(script_root, "unit", tmp_path, trace, events).kept
    for program in programs:
        assert program in kept and "imagemagick-6.q16, a package of programs ruby-mini-magick depends on" \
            in kept[program], program
    assert "names mogrify" in kept[programs[0]]
    assert "/usr/bin/gm" not in kept
    assert "/usr/lib/x86_64-linux-gnu/libposix-spawn.so.1" not in kept
    assert "/usr/bin/gs" not in kept


def test_a_program_library_code_runs_of_a_package_the_application_depends_on_is_kept(script_root: Path,
                                                                                      tmp_path: Path):
    """Rails' dbconsole (railties, which does not depend on it) runs
    sqlite3; Redmine's redmine-sqlite, a metapackage, depends on sqlite3:
    "Couldn't find database client: sqlite3". A program kept code runs by
    name, of a package the package of a program that ran depends on
    (directly or through a metapackage), is kept; one of no such package
    is only said (gs)."""
    gems = "/usr/share/rubygems-integration/all/gems"
    lib = f"{gems}/railties-6.1/lib"
    write(script_root, f"{lib}/dbconsole.rb",
          "def start(db)\n  system('sqlite3', db)\n  system('gs', db)\n  system('bigtool', db)\nend\n")
    write(script_root, "/usr/share/rubygems-integration/all/specifications/railties-6.1.gemspec", "")
    dpkg(script_root, "ruby-railties", f"{lib}/dbconsole.rb",
         "/usr/share/rubygems-integration/all/specifications/railties-6.1.gemspec")
    write(script_root, "/usr/share/redmine/bin/rails", "#!/usr/bin/ruby\nrequire 'json'\n", 0o755)
    write(script_root, "/usr/share/doc/redmine-sqlite/copyright", "x")
    for program, package in (("/usr/bin/sqlite3", "sqlite3"), ("/usr/bin/gs", "ghostscript"),
                             ("/usr/bin/ruby", "ruby"), ("/usr/bin/bigtool", "bigtool")):
        write(script_root, program, "#!/bin/sh\n", 0o755)
        dpkg(script_root, package, program, priority="required")
    os.truncate(script_root / "usr/bin/bigtool", expand.COMPANION_LIMIT + 1)     # (sparse)
    dpkg(script_root, "redmine", "/usr/share/redmine/bin/rails", depends="redmine-sqlite, ruby-railties")
    dpkg(script_root, "redmine-sqlite", "/usr/share/doc/redmine-sqlite/copyright", depends="sqlite3, bigtool")
    trace = ["/usr/share/redmine/bin/rails", "/usr/bin/ruby", *RUBY_TRACE[1:], f"{lib}/dbconsole.rb"]
    events = records(("sh", "exec", "/usr/share/redmine/bin/rails"),
                     *(("ruby", "openat", p) for p in trace[2:]))
    report = kept_at(script_root, "unit", tmp_path, trace, events)
    assert "/usr/bin/sqlite3" in report.kept
    assert "which redmine depends on, whose program ran" in report.kept["/usr/bin/sqlite3"]
    assert "/usr/bin/gs" not in report.kept and "gs (ghostscript, run by ruby-railties's dbconsole.rb;" \
        in report.unkept_runs
    assert "/usr/bin/bigtool" not in report.kept               # (over the limit: said)
    assert "bigtool (bigtool" in report.unkept_runs


def test_programs_a_kept_librarys_code_runs_are_said_when_no_rule_keeps_it(script_root: Path, tmp_path: Path):
    """Pillow's EPS plugin runs gs, of ghostscript, which python3-pil has no
    relation to; a Pillow service's probe read PNGs, gs was dropped, and
    every EPS thumbnail failed on the minified image with nothing said.
    Not kept (a library names many programs it may never run), but said,
    with who runs it: not a program the image lacks, nor one kept anyway;
    one of the shell's toolbox (sed) only where the toolbox's own warning
    does not name it. Kept where an admin installed its package on
    purpose (Ansible's modules look up unzip and crontab, installed for
    them, and both were dropped, "nothing ran or named them")."""
    gems = "/usr/share/rubygems-integration/all/gems"
    lib = f"{gems}/epsthumb-1.0/lib"
    write(script_root, f"{lib}/epsthumb.rb",
          "def thumb(f)\n  system('gs', '-q', '-sDEVICE=png16m', f)\n  system('sed', 's/a/b/', f)\n"
          "  system('pstoedit', f)\nend\n")
    write(script_root, "/usr/share/rubygems-integration/all/specifications/epsthumb-1.0.gemspec", "")
    dpkg(script_root, "ruby-epsthumb", f"{lib}/epsthumb.rb",
         "/usr/share/rubygems-integration/all/specifications/epsthumb-1.0.gemspec")
    write(script_root, "/usr/bin/gs", "#!/bin/sh\n", 0o755)
    dpkg(script_root, "ghostscript", "/usr/bin/gs")
    write(script_root, "/usr/bin/sed", "#!/bin/sh\n", 0o755)
    dpkg(script_root, "sed", "/usr/bin/sed", essential=True)
    trace = [*RUBY_TRACE, f"{lib}/epsthumb.rb"]
    events = records(*(("ruby", "openat", p) for p in trace))
    (tmp_path / "wanted").mkdir()
    wanted = kept_at(script_root, "unit", tmp_path / "wanted", trace, events)
    assert "which runs it by name; of ghostscript, installed on purpose" in wanted.kept["/usr/bin/gs"]
    write(script_root, "/var/lib/apt/extended_states", "Package: ghostscript\nAuto-Installed: 1\n")
    report = kept_at(script_root, "unit", tmp_path, trace, events)
    assert "/usr/bin/gs" not in report.kept
    assert "gs (ghostscript, run by ruby-epsthumb's epsthumb.rb;" in report.unkept_runs
    assert "--include /usr/bin/gs" in report.unkept_runs and report.unkept_runs in report.warnings
    assert "ghostscript" not in report.unused_commands
    assert "sed (sed, run by ruby-epsthumb's epsthumb.rb;" in report.unkept_runs    # (no shell kept)
    assert "pstoedit" not in report.unkept_runs
    write(script_root, "/usr/bin/sh", "#!/usr/bin/sh\n", 0o755)
    dpkg(script_root, "dash", "/usr/bin/sh", essential=True)
    with_shell = kept_at(script_root, "unit", tmp_path, [*trace, "/usr/bin/sh"],
                         [*events, *records(("sh", "exec", "/usr/bin/sh"))])
    assert "sed" in with_shell.toolbox and "sed" not in with_shell.unkept_runs
    kept = kept_at(script_root, "unit", tmp_path, trace, events, resolve.Rules(include=["/usr/bin/gs"]))
    assert "/usr/bin/gs" in kept.kept and kept.unkept_runs == ""


def test_programs_a_kept_xml_configuration_runs_are_said(script_root: Path, tmp_path: Path):
    """ImageMagick converts PDF, PostScript and EPS by running gs, as its
    delegates.xml says (`command="&quot;gs&quot; ..."`); ghostscript is
    no dependency of it, and `convert doc.pdf page.png` failed on a
    minified image with nothing said. Said with who names it when the
    configuration is kept; nothing when it is not, or names no program
    the image has."""
    conf = "/etc/ImageMagick-6/delegates.xml"
    write(script_root, conf,
          '<delegatemap>\n <delegate decode="eps" encode="pdf" command="&quot;gs&quot; -q '
          '&quot;-sOutputFile=%o&quot; &quot;-f%i&quot;"/>\n <delegate decode="svg" '
          'command="&quot;rsvg-convert&quot; -o &quot;%o&quot; &quot;%i&quot;"/>\n</delegatemap>\n')
    dpkg(script_root, "imagemagick-6-common", conf)
    write(script_root, "/usr/bin/gs", "#!/bin/sh\n", 0o755)
    dpkg(script_root, "ghostscript", "/usr/bin/gs")
    events = records(("convert", "openat", conf))
    report = kept_at(script_root, "unit", tmp_path, [conf], events)
    assert "/usr/bin/gs" not in report.kept
    assert "gs (ghostscript, run by imagemagick-6-common's delegates.xml;" in report.unkept_runs
    assert "rsvg-convert" not in report.unkept_runs        # (not in the image)
    other = "/etc/other.conf"
    write(script_root, other, "x\n")
    dpkg(script_root, "other", other)
    unread = kept_at(script_root, "unit", tmp_path, [other], records(("cat", "openat", other)))
    assert "gs" not in unread.unkept_runs


def test_xml_commands_are_the_command_attributes_lines():
    text = ('<d command="&quot;blender&quot; -b &quot;%i&quot; -o &quot;%o&quot;&quot;\\n'
            '&quot;convert&quot;"/>'
            '<d command="&quot;libreoffice&quot; --headless `dirname &quot;%i&quot;` 2&gt; &quot;%u&quot;; '
            '/bin/mv &quot;%i.pdf&quot; &quot;%o&quot;"/>\n<d command="lpr &quot;%i&quot;"/>'
            "<d subcommand='nope x'/><d data-command='no'/>")
    assert codescan.xml_commands(text) == ["blender", "libreoffice", "dirname", "/bin/mv", "lpr"]


def test_the_toolbox_warning_shows_ten_names_a_user_knows_at_most():
    known = tuple(f"k{i:02}" for i in range(14))
    line = pack.toolbox_warning([expand.ToolboxPart("the shell's everyday commands", 3_400_000,
                                                    [*known, "zz"], known)])
    assert "(k00, k01, k02, k03, k04, k05, k06, k07, k08, k09, ...: 3.4 MB)" in line


def test_unkept_runs_warning_names_a_few():
    runs = {f"/usr/bin/p{i}": expand.UnkeptRun("pkg", ["a", "b", "c"], 1_500_000) for i in range(6)}
    line = pack.unkept_runs_warning(runs)
    assert "p0 (pkg, run by a, b, ...; 1.5 MB)" in line and "; +2 more" in line and "p5" not in line
    assert "--include /usr/bin/p0" in line
    assert pack.unkept_runs_warning({}) == ""
    # (what the code of a package installed on purpose runs first, and the
    # example: ocrmypdf's unpaper, not a logging library's script)
    runs["/usr/bin/p5"].by_wanted = True
    line = pack.unkept_runs_warning(runs)
    assert line.index("p5 (pkg") < line.index("p0 (pkg") and "--include /usr/bin/p5" in line


def test_a_kept_packages_loaded_code_brings_the_commands_it_runs(script_root: Path, tmp_path: Path):
    """Redmine's lib/redmine/thumbnail.rb, loaded as the server started,
    runs `CONVERT_BIN = (config || 'convert')`: convert, of imagemagick,
    which ruby-mini-magick (a dependency of redmine's) depends on through
    a metapackage, was not kept, and every thumbnail was a 404. Not a
    command of a package it does not depend on, nor one named by code of
    it that never loaded."""
    app = "/usr/share/redmine"
    write(script_root, f"{app}/bin/rails", "#!/usr/bin/ruby\nrequire_relative '../lib/redmine'\n", 0o755)
    write(script_root, f"{app}/lib/redmine.rb", "require 'redmine/thumbnail'\n")
    write(script_root, f"{app}/lib/redmine/thumbnail.rb",
          "CONVERT_BIN = (Redmine::Configuration['convert'] || 'convert').freeze\n"
          "GS_BIN = (Redmine::Configuration['gs'] || 'gs').freeze\n")
    write(script_root, f"{app}/lib/redmine/scm.rb", "GIT_BIN = (Redmine::Configuration['git'] || 'git')\n")
    dpkg(script_root, "redmine", f"{app}/bin/rails", f"{app}/lib/redmine.rb",
         f"{app}/lib/redmine/thumbnail.rb", f"{app}/lib/redmine/scm.rb", depends="ruby-mini-magick, git")
    dpkg(script_root, "ruby-mini-magick", depends="imagemagick")
    dpkg(script_root, "imagemagick", depends="imagemagick-6.q16")
    for program, package in (("/usr/bin/convert-im6.q16", "imagemagick-6.q16"),
                             ("/usr/bin/gs", "ghostscript"), ("/usr/bin/git", "git")):
        write(script_root, program, "#!/bin/sh\n", 0o755)
        dpkg(script_root, package, program, priority="optional")
    link(script_root, "/usr/bin/convert", "convert-im6.q16")
    # (auto-installed: one installed on purpose would come as any command)
    states = "".join(f"Package: {p}\nArchitecture: amd64\nAuto-Installed: 1\n\n"
                     for p in ("imagemagick-6.q16", "ghostscript", "git"))
    write(script_root, packages.APT_STATES, states)
    trace = ["/usr/bin/ruby", f"{app}/bin/rails", f"{app}/lib/redmine.rb", f"{app}/lib/redmine/thumbnail.rb"]
    events = records(("ruby", "exec", f"{app}/bin/rails"), *(("ruby", "openat", p) for p in trace[2:]))
    kept = kept_at(script_root, "unit", tmp_path, trace, events).kept
    assert "/usr/bin/convert" in kept and "which was loaded" in kept["/usr/bin/convert-im6.q16"]
    assert "/usr/bin/gs" not in kept            # no dependency of redmine's
    assert "/usr/bin/git" not in kept           # named by code that never loaded (of a dependency)
    # started as `bundle exec rails server` is: ruby ran, given bin/rails (opened), which counts as run
    (tmp_path / "opened").mkdir()
    events = records(("bundle", "exec", "/usr/bin/ruby"), *(("ruby", "openat", p) for p in trace[1:]))
    kept = kept_at(script_root, "unit", tmp_path / "opened", trace, events).kept
    assert "/usr/bin/convert" in kept and "which was loaded" in kept["/usr/bin/convert-im6.q16"]


def test_a_program_packages_scripts_bring_what_they_load(script_root: Path, tmp_path: Path):
    """a2enmod, a Perl program of the apache2 that ran, said "Can't locate
    strict.pm" on the minified image: its package was kept whole, not the
    modules its scripts load. What they run comes too, each program alone
    (a2enmod runs `find` in backticks: "find: not found" at every module
    it enabled), when it is of a package apache2 depends on or of an
    Essential one; not the rest of that package."""
    plarch = "/usr/lib/x86_64-linux-gnu/perl/5.36.0"
    write(script_root, "/usr/sbin/apache2", "\x7fELF", 0o755)
    write(script_root, "/usr/sbin/a2enmod", "#!/usr/bin/perl -w\nuse strict;\nuse POSIX;\n"
                                            "system('zip', '-r', 'x.zip', '.');\nmy @m = glob('*.load');\n"
                                            "my @old = qx{find /var/lib/apache2 -name x};\n"
                                            "system('curl', '-sS', 'http://localhost/');\n",
          0o755)
    write(script_root, "/usr/lib/x86_64-linux-gnu/perl/5.36.0/File/Glob.pm", "")     # what glob() loads
    dpkg(script_root, "libperl5.36-glob", "/usr/lib/x86_64-linux-gnu/perl/5.36.0/File/Glob.pm")
    write(script_root, "/usr/sbin/apache2-doc.pl", "use Storable;\n")        # not a program
    for program in ("/usr/bin/zip", "/usr/bin/zipcloak", "/usr/bin/find", "/usr/bin/curl"):
        write(script_root, program, "#!/usr/bin/perl\n", 0o755)     # (programs: ELF or a script)
    write(script_root, "/usr/bin/perl", "\x7fELF", 0o755)
    dpkg(script_root, "apache2", "/usr/sbin/apache2", "/usr/sbin/a2enmod", "/usr/sbin/apache2-doc.pl",
         depends="zip, perl")
    dpkg(script_root, "zip", "/usr/bin/zip", "/usr/bin/zipcloak")
    dpkg(script_root, "findutils", "/usr/bin/find", essential=True)
    dpkg(script_root, "curl", "/usr/bin/curl")
    # (installed as another's dependency: one installed on purpose would come)
    write(script_root, packages.APT_STATES, "Package: curl\nArchitecture: amd64\nAuto-Installed: 1\n")
    dpkg(script_root, "perl", "/usr/bin/perl")
    trace = ["/usr/sbin/apache2"]
    ran = records(("apache2", "exec", "/usr/sbin/apache2"))
    kept = kept_at(script_root, "unit", tmp_path, trace, ran).kept
    plbase = "/usr/lib/x86_64-linux-gnu/perl-base"
    assert f"{plbase}/strict.pm" in kept and f"{plbase}/POSIX.pm" in kept
    assert "loaded by /usr/sbin/a2enmod" in kept[f"{plbase}/POSIX.pm"]
    assert f"{plbase}/Fcntl.pm" in kept                        # POSIX's own use
    assert f"{plarch}/File/Glob.pm" in kept
    assert f"{plarch}/Storable.pm" not in kept
    assert "/usr/bin/find" in kept and "code /usr/sbin/a2enmod" in kept["/usr/bin/find"]
    assert "/usr/bin/zip" in kept and "/usr/bin/zipcloak" not in kept
    assert "/usr/bin/curl" not in kept      # (of a package apache2 does not depend on)


def test_a_perl_module_no_library_directory_holds_is_found_in_the_scripts_package(
        script_root: Path, tmp_path: Path):
    """TeX Live's updmap puts texmf's tlpkg/ on @INC at start-up, from the
    path `kpsewhich` prints: kept alone, for a script that runs it, it
    said "Can't locate TeXLive/TLUtils.pm" on the minified image. A Perl
    program kept alone comes with the modules it loads (strict), and one
    no library directory holds is looked for among the script's
    package's files, with what it loads in turn; not its package's
    other modules."""
    tlpkg = "/usr/share/texlive/tlpkg/TeXLive"
    write(script_root, "/usr/bin/mktexpk", "#!/bin/sh\nupdmap --quiet\n", 0o755)
    write(script_root, "/usr/bin/perl", "\x7fELF", 0o755)
    write(script_root, "/usr/bin/updmap",
          "#!/usr/bin/perl\nBEGIN { chomp($m = `kpsewhich -var-value=TEXMFROOT`);"
          " unshift(@INC, \"$m/tlpkg\"); require \"mktexlsr.pl\"; }\nuse strict;\nuse TeXLive::TLUtils;\n",
          0o755)
    # (and a file it requires by name, kept already, is read for what it
    # loads: mktexlsr.pl's File::Find, and mktexfmt failed without it)
    lsr = "/usr/share/texlive/texmf-dist/scripts/texlive/mktexlsr.pl"
    write(script_root, lsr, "use Time::Local;\n1;\n")
    write(script_root, f"{tlpkg}/TLUtils.pm", "use TeXLive::TLConfig;\nuse Missing::Nowhere;\n1;\n")
    write(script_root, f"{tlpkg}/TLConfig.pm", "use TeXLive::TLUtils;\n1;\n")
    write(script_root, f"{tlpkg}/TLWinGoo.pm", "1;\n")
    dpkg(script_root, "texlive-binaries", "/usr/bin/mktexpk", depends="texlive-base")
    dpkg(script_root, "texlive-base", "/usr/bin/updmap", f"{tlpkg}/TLUtils.pm", f"{tlpkg}/TLConfig.pm",
         f"{tlpkg}/TLWinGoo.pm", lsr)
    dpkg(script_root, "perl", "/usr/bin/perl")
    trace = ["/usr/bin/mktexpk", lsr]
    ran = records(("mktexpk", "exec", "/usr/bin/mktexpk"))
    kept = kept_at(script_root, "unit", tmp_path, trace, ran).kept
    assert "/usr/bin/updmap" in kept and "command updmap" in kept["/usr/bin/updmap"]
    assert "/usr/lib/x86_64-linux-gnu/perl-base/strict.pm" in kept
    assert f"{tlpkg}/TLUtils.pm" in kept and "/usr/bin/updmap" in kept[f"{tlpkg}/TLUtils.pm"]
    assert f"{tlpkg}/TLConfig.pm" in kept and f"{tlpkg}/TLUtils.pm" in kept[f"{tlpkg}/TLConfig.pm"]
    assert f"{tlpkg}/TLWinGoo.pm" not in kept
    assert "/usr/share/perl/5.36.0/Time/Local.pm" in kept


def test_an_included_script_comes_with_what_it_loads(script_root: Path, tmp_path: Path):
    """A user who keeps a script with --include means to run it: shasum,
    included alone, said "Can't locate Digest/SHA.pm"."""
    plarch = "/usr/lib/x86_64-linux-gnu/perl/5.36.0"
    write(script_root, "/usr/bin/perl", "\x7fELF", 0o755)
    write(script_root, "/usr/bin/shasum", "#!/usr/bin/perl\nuse strict;\nuse Digest::SHA;\n", 0o755)
    write(script_root, "/usr/sbin/server", "\x7fELF", 0o755)
    dpkg(script_root, "perl", "/usr/bin/perl", "/usr/bin/shasum")
    dpkg(script_root, "server", "/usr/sbin/server")
    trace = ["/usr/sbin/server"]
    ran = records(("server", "exec", "/usr/sbin/server"))
    kept = kept_at(script_root, "unit", tmp_path, trace, ran,
                   rules=resolve.Rules(include=["/usr/bin/shasum"])).kept
    assert "/usr/bin/shasum" in kept and "/usr/bin/perl" in kept
    sha = f"{plarch}/Digest/SHA.pm"
    assert sha in kept and "loaded by /usr/bin/shasum" in kept[sha]


def test_a_named_commands_package_loads_only_that_commands_libraries(script_root: Path, tmp_path: Path):
    """A supervisord program's `shasum` kept perl whole as if run, and the
    modules its other scripts load with it (cpan's, enc2xs's, corelist's:
    26 MB): the named script's come, its siblings' only when a program of
    the package ran."""
    pl = "/usr/share/perl/5.36.0"
    write(script_root, "/usr/bin/perl", "\x7fELF", 0o755)
    write(script_root, "/usr/bin/shasum", "#!/usr/bin/perl\nuse Digest::SHA;\n", 0o755)
    write(script_root, "/usr/bin/corelist", "#!/usr/bin/perl\nuse Module::CoreList;\n", 0o755)
    write(script_root, f"{pl}/Module/CoreList.pm", "1;\n")
    write(script_root, "/app/run.sh", "#!/bin/sh\nshasum -a 256 /data/x\n", 0o755)
    dpkg(script_root, "perl", "/usr/bin/perl", "/usr/bin/shasum", "/usr/bin/corelist")
    trace = ["/app/run.sh"]
    kept = kept_at(script_root, "unit", tmp_path, trace, records(("sh", "openat", "/app/run.sh"))).kept
    assert "/usr/bin/shasum" in kept and "/usr/bin/corelist" in kept      # (its package, whole)
    assert "/usr/lib/x86_64-linux-gnu/perl/5.36.0/Digest/SHA.pm" in kept
    assert f"{pl}/Module/CoreList.pm" not in kept
    # corelist ran: its package's scripts load what they load
    (tmp_path / "ran").mkdir()
    ran = kept_at(script_root, "unit", tmp_path / "ran", trace + ["/usr/bin/corelist"],
                  records(("sh", "openat", "/app/run.sh"), ("corelist", "exec", "/usr/bin/corelist"))).kept
    assert f"{pl}/Module/CoreList.pm" in ran


def test_a_library_a_script_reads_in_or_loads_from_its_own_directory(script_root: Path, tmp_path: Path):
    """The monitoring plugins' check_log reads in `"$PROGPATH"/utils.sh`
    and check_file_age loads utils.pm through `use lib "$FindBin::Bin"`,
    both files of another package in the plugins' directory ("cannot open
    utils.sh", "Can't locate utils.pm"); a chain of private modules as long
    as a package's is followed without recursion."""
    plugins = "/usr/lib/nagios/plugins"
    write(script_root, "/usr/bin/perl", "\x7fELF", 0o755)
    write(script_root, f"{plugins}/check_http", "\x7fELF", 0o755)
    write(script_root, "/usr/bin/sh", "\x7fELF", 0o755)
    write(script_root, f"{plugins}/check_log",
          '#!/bin/sh\nPROGPATH=$(dirname "$0")\n. "$PROGPATH"/utils.sh\n', 0o755)
    write(script_root, f"{plugins}/check_file_age",
          '#!/usr/bin/perl\nuse FindBin;\nuse lib "$FindBin::Bin";\n'
          "use utils qw(%ERRORS);\nuse Chain::M0;\n", 0o755)
    write(script_root, f"{plugins}/utils.sh", "STATE_OK=0\n")
    write(script_root, f"{plugins}/utils.pm", "1;\n")
    chain = [f"{plugins}/Chain/M{i}.pm" for i in range(600)]
    for i, m in enumerate(chain):
        write(script_root, m, f"use Chain::M{i + 1};\n1;\n" if i + 1 < len(chain) else "1;\n")
    dpkg(script_root, "monitoring-plugins-basic", f"{plugins}/check_http", f"{plugins}/check_log",
         f"{plugins}/check_file_age")
    dpkg(script_root, "monitoring-plugins-common", f"{plugins}/utils.sh", f"{plugins}/utils.pm", *chain)
    dpkg(script_root, "perl", "/usr/bin/perl")
    dpkg(script_root, "dash", "/usr/bin/sh")
    trace = [f"{plugins}/check_http"]
    kept = kept_at(script_root, "unit", tmp_path, trace, records(("check_http", "exec", trace[0]))).kept
    assert f"{plugins}/utils.sh" in kept and f"{plugins}/check_log" in kept[f"{plugins}/utils.sh"]
    assert f"{plugins}/utils.pm" in kept and f"{plugins}/check_file_age" in kept[f"{plugins}/utils.pm"]
    assert chain[-1] in kept


def test_code_a_kept_package_ships_in_etc(script_root: Path, tmp_path: Path):
    """FreeRADIUS's rlm_perl runs mods-config/perl/example.pl (0640), whose
    `use Data::Dumper` failed the module's start once enabled; certs/bootstrap
    (0640), which its documentation says to run with sh, fell back without
    make on a part of its work, exit 0. What such code loads, and what such
    a script runs, each alone, come; not the packages of what it runs."""
    plarch = "/usr/lib/x86_64-linux-gnu/perl/5.36.0"
    conf = "/etc/freeradius/3.0"
    write(script_root, "/usr/sbin/freeradius", "\x7fELF", 0o755)
    write(script_root, "/usr/bin/sh", "\x7fELF", 0o755)
    write(script_root, f"{conf}/radiusd.conf", "x\n", 0o640)
    write(script_root, f"{conf}/mods-config/perl/example.pl", "use strict;\nuse Digest::SHA;\n", 0o640)
    write(script_root, f"{conf}/certs/bootstrap", "#!/bin/sh\nif make -h >/dev/null; then make; fi\n", 0o640)
    write(script_root, "/usr/bin/make", "#!/bin/sh\n", 0o755)
    write(script_root, "/usr/bin/make-extra", "#!/bin/sh\n", 0o755)
    dpkg(script_root, "freeradius", "/usr/sbin/freeradius")
    dpkg(script_root, "freeradius-config", f"{conf}/radiusd.conf", f"{conf}/mods-config/perl/example.pl",
         f"{conf}/certs/bootstrap")
    dpkg(script_root, "make", "/usr/bin/make", "/usr/bin/make-extra")
    dpkg(script_root, "dash", "/usr/bin/sh")
    trace = ["/usr/sbin/freeradius", f"{conf}/radiusd.conf"]
    events = records(("freeradius", "exec", trace[0]), ("freeradius", "openat", trace[1]))
    kept = kept_at(script_root, "unit", tmp_path, trace, events).kept
    assert f"{plarch}/Digest/SHA.pm" in kept and "example.pl" in kept[f"{plarch}/Digest/SHA.pm"]
    assert "/usr/bin/make" in kept and f"{conf}/certs/bootstrap" in kept["/usr/bin/make"]
    assert "/usr/bin/make-extra" not in kept


def test_perl_modules_the_application_loads_on_first_use_are_kept(script_root: Path, tmp_path: Path):
    """A Perl server probed on /health and /json: its routes' `require
    Time::Piece` and `require Digest::SHA` died with "Can't locate" on the
    minified image (perl-modules and libperl were never run as programs)."""
    pl, plarch = "/usr/share/perl/5.36.0", "/usr/lib/x86_64-linux-gnu/perl/5.36.0"
    plbase = "/usr/lib/x86_64-linux-gnu/perl-base"
    events = records(*(("perl", "openat", p) for p in PERL_TRACE))
    kept = kept_at(script_root, "unit", tmp_path, PERL_TRACE, events).kept
    assert f"{plarch}/Time/Piece.pm" in kept and f"{plarch}/auto/Time/Piece/Piece.so" in kept
    assert f"{plarch}/Time/Seconds.pm" in kept                # Time::Piece's own use
    assert f"{pl}/Time/Local.pm" not in kept                   # a module per unit, not a family
    assert f"{plarch}/Digest/SHA.pm" in kept and f"{plarch}/auto/Digest/SHA/SHA.so" in kept
    # perl finds them through @INC's /usr/lib/x86_64-linux-gnu/perl/5.36, a
    # link nothing in the trace went through ("Can't locate Time/Piece.pm")
    assert "/usr/lib/x86_64-linux-gnu/perl/5.36" in kept
    assert f"{plbase}/Carp.pm" in kept                       # JSON::PP's use, at compile time
    # a module's own require, in a sub: followed (Unicode::Collate's
    # default normalization needs Unicode::Normalize, loaded so)
    assert f"{pl}/Math/BigInt.pm" in kept
    assert f"{plarch}/Storable.pm" not in kept and f"{plbase}/POSIX.pm" not in kept
    assert f"{plarch}/Digest/SHA.pm" not in kept_at(script_root, "file", tmp_path, PERL_TRACE, events).kept
    # a module the workload loaded brings its namespace: Encode to
    # shiftjis loads Encode::JP by the name it was given
    write(script_root, "/app/server.pl",
          "#!/usr/bin/perl\nuse Encode;\nsub sort { require Unicode::Collate }\n", 0o755)
    trace = [*PERL_TRACE, f"{plarch}/Encode.pm"]
    events = records(*(("perl", "openat", p) for p in trace))
    kept = kept_at(script_root, "unit", tmp_path, trace, events).kept
    assert f"{plarch}/auto/Encode/JP/JP.so" in kept and f"{plarch}/Encode/Alias.pm" in kept
    assert f"{plarch}/auto/Unicode/Normalize/Normalize.so" in kept
    # a regex's \p{Greek} loads unicore/lib/Sc/Grek.pl by its name: the
    # data directory is one unit
    trace = [*PERL_TRACE, f"{pl}/unicore/Name.pl"]
    events = records(*(("perl", "openat", p) for p in trace))
    kept = kept_at(script_root, "unit", tmp_path, trace, events).kept
    assert f"{pl}/unicore/lib/Sc/Grek.pl" in kept and f"{pl}/utf8.pm" not in kept


ESCRIPT = ("/app/server.escript", "#!/usr/bin/env escript\nmain(_) -> {ok, L} = gen_tcp:listen(1, []).\n"
           "route(<<\"/ssl\">>) -> ssl:versions();\n"
           "route(<<\"/httpc\">>) -> httpc:request(\"http://127.0.0.1/\").\n")
# Elixir calls Erlang's modules as atoms: :ssl.versions(), &:httpc.request/1
ELIXIR_SCRIPT = ("/app/server.exs", "{:ok, l} = :gen_tcp.listen(1, [])\n# :ftp.open() in a comment\n"
                 "def route(\"/ssl\"), do: :ssl.versions()\n"
                 "def route(\"/httpc\"), do: Enum.map([1], &:httpc.request/1)\n"
                 "def route(\"/gz\"), do: System.cmd(\"sh\", [\"-c\", \"echo x | gzip -c | wc -c\"])\n")


@pytest.mark.parametrize("script", [ESCRIPT, ELIXIR_SCRIPT], ids=["escript", "elixir"])
def test_erlang_applications_the_code_names_are_kept_with_what_they_need(tmp_path: Path,
                                                                         script: tuple[str, str]):
    """An escript HTTP service probed on /health and /crypto: its /ssl,
    /pubkey and /httpc routes failed on the minified image with
    {"no such file or directory","asn1.app"} and "inets.app": the packages
    of asn1 (a NIF library) and inets (a CGI script) held programs, so
    were dropped, while ssl, a package of .beam files only, was kept
    because the code server had looked into its ebin/. An application is
    a unit: kept for a module the code calls or an application it starts,
    with what its .app says it needs; looking into ebin/ uses nothing."""
    root = tmp_path / "root"
    merged_usr(root)
    otp = "/usr/lib/erlang"
    apps = {  # application: (modules, its .app's applications, extra files)
        "kernel-8.5.3": (["kernel", "gen_tcp", "application", "code", "os"], "[]", {}),
        "stdlib-4.2": (["lists", "io_lib", "gen_server"], "[kernel]", {}),
        "crypto-5.1.2": (["crypto"], "[kernel, stdlib]", {"priv/lib/crypto.so": ""}),
        "ssl-10.8.7": (["ssl", "tls_v1"], "[kernel, stdlib, crypto, public_key]", {}),
        "public_key-1.13.2": (["public_key"], "[asn1, crypto, kernel, stdlib]", {}),
        "asn1-5.0.21": (["asn1rt_nif"], "[kernel, stdlib]", {"priv/lib/asn1rt_nif.so": ""}),
        "inets-8.2.2": (["inets", "httpc", "httpd"], "[kernel, stdlib]",
                        {"priv/bin/runcgi.sh": "#!/bin/sh\n"}),
        "ftp-1.1.3": (["ftp"], "[kernel, stdlib]", {}),
    }
    for app, (modules, needs, extra) in apps.items():
        name = app.split("-")[0]
        files = [f"{otp}/lib/{app}/ebin/{m}.beam" for m in modules] + [f"{otp}/lib/{app}/ebin/{name}.app"]
        for f in files[:-1]:
            write(root, f, "FOR1")
        write(root, files[-1], f"{{application, {name}, [{{vsn, \"1\"}}, {{applications, {needs}}}]}}.\n")
        for rel, text in extra.items():
            files.append(write(root, f"{otp}/lib/{app}/{rel}", text, 0o755).as_posix()[len(str(root)):])
        package = "erlang-base" if name in ("kernel", "stdlib") else f"erlang-{name.replace('_', '-')}"
        dpkg(root, package, *files)
    write(root, f"{otp}/erts-13.1.5/bin/beam.smp", "\x7fELF", 0o755)
    for name in ("gzip", "wc", "sh"):
        write(root, f"/usr/bin/{name}", "\x7fELF", 0o755)
        dpkg(root, name, f"/usr/bin/{name}")
    path, text = script
    write(root, path, text, 0o755)
    trace = [path, f"{otp}/erts-13.1.5/bin/beam.smp",
             f"{otp}/lib/kernel-8.5.3/ebin/gen_tcp.beam", f"{otp}/lib/crypto-5.1.2/ebin/crypto.beam",
             *(f"{otp}/lib/{app}/ebin" for app in apps)]     # the code server looked into each
    events = records(("escript", "exec", path) if path.endswith(".escript") else ("beam.smp", "openat", path),
                     *(("beam.smp", "openat", p) for p in trace[1:4]))
    kept = kept_at(root, "unit", tmp_path, trace, events).kept
    for app, module in (("ssl-10.8.7", "tls_v1"), ("public_key-1.13.2", "public_key"),
                        ("asn1-5.0.21", "asn1rt_nif"), ("inets-8.2.2", "httpd"), ("stdlib-4.2", "lists")):
        assert f"{otp}/lib/{app}/ebin/{module}.beam" in kept, app
    assert f"loaded by {path}" in kept[f"{otp}/lib/inets-8.2.2/ebin/httpd.beam"]
    asn1 = f"{otp}/lib/asn1-5.0.21"
    assert f"{asn1}/ebin/asn1.app" in kept and f"{asn1}/priv/lib/asn1rt_nif.so" in kept
    assert f"{otp}/lib/ftp-1.1.3/ebin/ftp.beam" not in kept        # only looked into
    if path.endswith(".exs"):       # (a route's pipe to gzip answered "0" without it)
        assert "/usr/bin/gzip" in kept and "/usr/bin/wc" in kept


def test_lua_modules_the_application_requires_on_first_use_are_kept(tmp_path: Path):
    """Lua's Debian modules are packages of no program (lua-cjson,
    lua-socket), like Ruby's and Perl's libraries: a module a handler
    requires on first use is kept with its top-level name whole, in the
    script and the C module directories, and the library its .so links to."""
    root = tmp_path / "root"
    merged_usr(root)
    share, lib = "/usr/share/lua/5.4", "/usr/lib/x86_64-linux-gnu/lua/5.4"
    files = {f"{share}/socket.lua": "local core = require('socket.core')\n", f"{share}/socket/url.lua": "",
             f"{share}/mime.lua": "", "/usr/lib/x86_64-linux-gnu/liblua5.4-socket.so.2": "\x7fELF",
             "/usr/lib/x86_64-linux-gnu/liblua5.4-cjson.so.0": "\x7fELF", f"{lib}/lfs.so": "\x7fELF"}
    for path, text in files.items():
        write(root, path, text)
    link(root, f"{lib}/socket/core.so", "../../../liblua5.4-socket.so.2")
    link(root, f"{lib}/cjson.so", "../../liblua5.4-cjson.so.0")
    dpkg(root, "lua-socket", f"{share}/socket.lua", f"{share}/socket/url.lua", f"{share}/mime.lua",
         f"{lib}/socket/core.so", "/usr/lib/x86_64-linux-gnu/liblua5.4-socket.so.2")
    dpkg(root, "lua-cjson", f"{lib}/cjson.so", "/usr/lib/x86_64-linux-gnu/liblua5.4-cjson.so.0")
    dpkg(root, "lua-filesystem", f"{lib}/lfs.so")
    write(root, "/app/server.lua", "local socket = require(\"socket\")\nlocal function json()\n"
                                   "  local cjson = require 'cjson'\nend\n-- require 'lfs'\n"
                                   "local function url() return require(\"socket.url\") end\n")
    trace = ["/app/server.lua", f"{share}/socket.lua", f"{lib}/socket/core.so"]
    events = records(*(("lua5.4", "openat", p) for p in trace))
    report = kept_at(root, "unit", tmp_path, trace, events)
    kept = report.kept
    assert f"{lib}/cjson.so" in kept and "/usr/lib/x86_64-linux-gnu/liblua5.4-cjson.so.0" in kept
    why = {u.key: u.why for u in report.units}
    assert why[f"lua:{lib}/cjson"] == "loaded by /app/server.lua"
    assert f"{share}/socket/url.lua" in kept
    assert f"{lib}/lfs.so" not in kept and f"{share}/mime.lua" not in kept      # nothing requires them


def test_the_modules_a_program_package_keeps_of_its_own_load_their_libraries(tmp_path: Path):
    """Prosody ran: its package came whole, and its util/sql.lua, in
    /usr/lib/prosody, requires DBI (lua-dbi-common), which nothing read:
    with SQL storage set, "module 'DBI' not found" and every login refused.
    A package's own modules (outside a language's and the commands'
    directories) load what they load, when a program of it ran."""
    root = tmp_path / "root"
    merged_usr(root)
    share = "/usr/share/lua/5.4"
    write(root, "/usr/bin/prosody", "#!/usr/bin/lua5.4\nrequire 'util.startup'\n", 0o755)
    write(root, "/usr/bin/lua5.4", "#!/bin/sh\n", 0o755)
    write(root, "/usr/lib/prosody/util/sql.lua", 'local DBI = require "DBI"\n')
    # LuaDBI requires the driver a name picks: `require(available[name])`
    write(root, f"{share}/DBI.lua", "local available = {sqlite3 = 'dbd.sqlite3', mysql = 'dbd.mysql'}\n")
    clib = "/usr/lib/x86_64-linux-gnu/lua/5.4"
    write(root, f"{clib}/dbd/sqlite3.so", "\x7fELF")
    write(root, f"{share}/unused.lua", "")
    # a module of it, enabled next, names /etc/mime.types (a package of data): without it files
    # were served with no type; not a package's of programs
    write(root, "/usr/lib/prosody/modules/mod_http_files.lua", 'local mime_map = "/etc/mime.types"\n')
    write(root, "/usr/lib/prosody/modules/mod_other.lua", 'local f = "/etc/other.types"\n')
    write(root, "/usr/bin/other-tool", "#!/bin/sh\n", 0o755)
    write(root, "/etc/mime.types", "application/json json\n")
    write(root, "/etc/other.types", "x\n")
    dpkg(root, "media-types", "/etc/mime.types")
    dpkg(root, "other-types", "/etc/other.types", "/usr/bin/other-tool")
    dpkg(root, "prosody", "/usr/bin/prosody", "/usr/lib/prosody/util/sql.lua",
         "/usr/lib/prosody/modules/mod_http_files.lua", "/usr/lib/prosody/modules/mod_other.lua")
    dpkg(root, "lua-dbi-common", f"{share}/DBI.lua")
    dpkg(root, "lua-dbi-sqlite3", f"{clib}/dbd/sqlite3.so")
    dpkg(root, "lua-unused", f"{share}/unused.lua")
    dpkg(root, "lua5.4", "/usr/bin/lua5.4")
    trace = ["/usr/bin/prosody"]
    kept = kept_at(root, "unit", tmp_path, trace, records(("prosody", "exec", trace[0]))).kept
    assert "/etc/mime.types" in kept and "mod_http_files.lua" in kept["/etc/mime.types"]
    assert "/etc/other.types" not in kept                   # (of a package of programs)
    assert "/usr/lib/prosody/util/sql.lua" in kept
    assert f"{share}/DBI.lua" in kept and "util/sql.lua" in kept[f"{share}/DBI.lua"]
    assert f"{clib}/dbd/sqlite3.so" in kept and "DBI.lua" in kept[f"{clib}/dbd/sqlite3.so"]
    assert f"{share}/unused.lua" not in kept
    # not another language's, beside a program of machine code (PostgreSQL's pgxs test modules,
    # Perl, beside its server: 15.7 MB of Perl modules)
    write(root, "/usr/lib/server/bin/server", "#!/bin/sh\n", 0o755)      # (a program, of no Lua)
    write(root, "/usr/lib/server/lib/plugin.lua", "require 'unused'\n")
    dpkg(root, "server", "/usr/lib/server/bin/server", "/usr/lib/server/lib/plugin.lua")
    (tmp_path / "c").mkdir()
    trace = ["/usr/lib/server/bin/server"]
    kept = kept_at(root, "unit", tmp_path / "c", trace, records(("server", "exec", trace[0]))).kept
    assert "/usr/lib/server/lib/plugin.lua" in kept and f"{share}/unused.lua" not in kept


@pytest.mark.parametrize("level", ["unit", "package"])
def test_module_directories_a_loaded_library_names_are_kept(tmp_path: Path, level: str):
    """libcrypto.so.3 loads OpenSSL's legacy provider from ossl-modules/,
    a path compiled into it, when md4 or `pkcs12 -legacy` is asked for:
    libssl3 is a package of libraries, which brings only the directories
    its used libraries sit in, and every such step failed on the minified
    image, at both levels. A directory of its package that it does not
    name stays out."""
    root = tmp_path / "root"
    merged_usr(root)
    lib = "/usr/lib/x86_64-linux-gnu"
    write(root, f"{lib}/libcrypto.so.3", f"\x7fELF...{lib}/ossl-modules\0...{lib}/engines-3\0...")
    files = [f"{lib}/libcrypto.so.3", f"{lib}/ossl-modules/legacy.so", f"{lib}/engines-3/afalg.so",
             f"{lib}/engines-3/padlock.so", f"{lib}/libssl3-extra/other.so"]
    for f in files[1:]:
        write(root, f, "\x7fELF")
    dpkg(root, "libssl3", *files)
    write(root, "/usr/bin/openssl", "\x7fELF", 0o755)
    dpkg(root, "openssl", "/usr/bin/openssl")
    trace = ["/usr/bin/openssl", f"{lib}/libcrypto.so.3"]
    events = records(("openssl", "exec", "/usr/bin/openssl"), ("openssl", "openat", f"{lib}/libcrypto.so.3"))
    kept = kept_at(root, level, tmp_path, trace, events).kept
    assert f"{lib}/ossl-modules/legacy.so" in kept
    assert "loads its modules from it by name" in kept[f"{lib}/ossl-modules/legacy.so"]
    assert f"{lib}/engines-3/afalg.so" in kept and f"{lib}/engines-3/padlock.so" in kept
    assert f"{lib}/libssl3-extra/other.so" not in kept


def test_a_module_directory_a_library_names_in_a_package_it_declares_is_kept(tmp_path: Path):
    """libsasl2.so.2 loads its mechanisms from sasl2/, a path compiled
    into it, which libsasl2-modules (its package recommends it) and
    libsasl2-modules-db (it depends on it) fill: a Postfix relay's SASL
    login deferred every message on the minified image, "no mechanism
    available". The module directories of the packages the library's own
    depends on, recommends or suggests are looked for too; not those of
    an unrelated package."""
    root = tmp_path / "root"
    merged_usr(root)
    lib = "/usr/lib/x86_64-linux-gnu"
    write(root, f"{lib}/libsasl2.so.2", f"\x7fELF...{lib}/sasl2\0...{lib}/other-plugins\0...")
    write(root, f"{lib}/sasl2/libplain.so.2", "\x7fELF")
    write(root, f"{lib}/sasl2/libsasldb.so.2", "\x7fELF")
    write(root, f"{lib}/other-plugins/x.so", "\x7fELF")
    dpkg(root, "libsasl2-2", f"{lib}/libsasl2.so.2", depends="libsasl2-modules-db",
         recommends="libsasl2-modules")
    dpkg(root, "libsasl2-modules", f"{lib}/sasl2/libplain.so.2")
    dpkg(root, "libsasl2-modules-db", f"{lib}/sasl2/libsasldb.so.2")
    dpkg(root, "otherplugins", f"{lib}/other-plugins/x.so")
    write(root, "/usr/lib/postfix/sbin/smtp", "\x7fELF", 0o755)
    dpkg(root, "postfix", "/usr/lib/postfix/sbin/smtp", depends="libsasl2-2")
    trace = ["/usr/lib/postfix/sbin/smtp", f"{lib}/libsasl2.so.2"]
    events = records(("smtp", "exec", "/usr/lib/postfix/sbin/smtp"),
                     ("smtp", "openat", f"{lib}/libsasl2.so.2"))
    kept = kept_at(root, "unit", tmp_path, trace, events).kept
    assert "loads its modules from it by name" in kept.get(f"{lib}/sasl2/libplain.so.2", "")
    assert f"{lib}/sasl2/libsasldb.so.2" in kept
    assert f"{lib}/other-plugins/x.so" not in kept


def test_a_module_directory_a_library_names_with_a_doubled_slash_is_kept(tmp_path: Path):
    """libMagickCore names its coders' directory as its build joined it,
    "/usr/lib/x86_64-linux-gnu/ImageMagick-6.9.11//modules-Q16/coders":
    with no coder kept, convert, kept beside Redmine, decoded nothing ("no
    decode delegate for this image format")."""
    root = tmp_path / "root"
    merged_usr(root)
    lib = "/usr/lib/x86_64-linux-gnu"
    coders = f"{lib}/ImageMagick-6.9.11/modules-Q16/coders"
    write(root, f"{lib}/libMagickCore-6.Q16.so.6",
          f"\x7fELF...{lib}/ImageMagick-6.9.11//modules-Q16/coders\0..")
    files = [f"{lib}/libMagickCore-6.Q16.so.6", f"{coders}/png.so", f"{coders}/jpeg.so",
             f"{lib}/ImageMagick-6.9.11/modules-Q16/filters/analyze.so"]
    for f in files[1:]:
        write(root, f, "\x7fELF")
    dpkg(root, "libmagickcore-6.q16-6", *files)
    write(root, "/usr/bin/convert", "\x7fELF", 0o755)
    dpkg(root, "imagemagick-6.q16", "/usr/bin/convert")
    trace = ["/usr/bin/convert", files[0]]
    events = records(("convert", "exec", "/usr/bin/convert"), ("convert", "openat", files[0]))
    kept = kept_at(root, "unit", tmp_path, trace, events).kept
    assert f"{coders}/png.so" in kept and f"{coders}/jpeg.so" in kept
    assert "loads its modules from it by name" in kept[f"{coders}/png.so"]
    assert f"{lib}/ImageMagick-6.9.11/modules-Q16/filters/analyze.so" not in kept      # not named


def test_a_script_the_code_names_brings_its_commands_and_the_configuration_it_names(tmp_path: Path):
    """A route runs update-ca-certificates, which the probes never ran:
    kept as if run, it failed on "mktemp: not found" (the commands of a
    package's script were not followed), and with those added it exited 0
    and left 1 authority of 143: /etc/ca-certificates.conf, written by the
    package's postinst straight into /etc, was dropped."""
    root = tmp_path / "root"
    merged_usr(root)
    tool = "/usr/sbin/update-ca-certificates"
    write(root, tool, "#!/bin/sh\nCERTSCONF=/etc/ca-certificates.conf\nTEMP=\"$(mktemp -t x)\"\n"
                      "sed -n 's/^!//p' $CERTSCONF | sort > \"$TEMP\"\nwc -l < /etc/missing.conf\n", 0o755)
    write(root, "/etc/ca-certificates.conf", "mozilla/ISRG_Root_X1.crt\n")
    write(root, "/etc/other.conf", "x\n")
    for program in ("mktemp", "sort", "wc", "sed", "python3"):
        write(root, f"/usr/bin/{program}", "\x7fELF", 0o755)
    dpkg(root, "ca-certificates", tool)
    dpkg(root, "coreutils", "/usr/bin/mktemp", "/usr/bin/sort", "/usr/bin/wc")
    dpkg(root, "sed", "/usr/bin/sed")
    dpkg(root, "python3", "/usr/bin/python3")
    write(root, "/app/server.py", f"import subprocess\ndef add_ca():\n    subprocess.run(['{tool}'])\n")
    trace = ["/usr/bin/python3", "/app/server.py"]
    events = records(("python3", "exec", "/usr/bin/python3"), ("python3", "openat", "/app/server.py"))
    kept = kept_at(root, "unit", tmp_path, trace, events).kept
    assert tool in kept
    for program in ("mktemp", "sort", "wc", "sed"):
        assert f"/usr/bin/{program}" in kept, program
    assert f"script {tool}" in kept["/usr/bin/sed"]
    assert "/etc/ca-certificates.conf" in kept and tool in kept["/etc/ca-certificates.conf"]
    assert "/etc/other.conf" not in kept


def test_a_perl_modules_sharedir_data_comes_with_it(tmp_path: Path):
    """DateTime::Locale reads a locale's data with File::ShareDir, from
    auto/share/dist/DateTime-Locale/, by the name a request gives: the
    module was kept whole and `locale => 'fr'` failed with "Failed to find
    shared file 'fr.pl'" (English is built into Data.pm, so no probe in
    English could tell)."""
    root = tmp_path / "root"
    merged_usr(root)
    pl = "/usr/share/perl5"
    files = [f"{pl}/DateTime/Locale.pm", f"{pl}/DateTime/Locale/Data.pm",
             f"{pl}/auto/share/dist/DateTime-Locale/fr.pl", f"{pl}/auto/share/module/DateTime-Locale/x.dat",
             f"{pl}/File/ShareDir.pm", f"{pl}/auto/share/dist/File-ShareDir/a.txt",
             f"{pl}/auto/share/dist/No-Such-Module/b.txt"]
    for f in files:
        write(root, f, "1;\n")
    dpkg(root, "libdatetime-locale-perl", *files[:4])
    write(root, "/app/server.pl", "#!/usr/bin/perl\nsub date { require DateTime::Locale; }\n", 0o755)
    trace = ["/app/server.pl"]
    kept = kept_at(root, "unit", tmp_path, trace, records(("perl", "openat", "/app/server.pl"))).kept
    assert f"{pl}/auto/share/dist/DateTime-Locale/fr.pl" in kept
    assert f"{pl}/auto/share/module/DateTime-Locale/x.dat" in kept
    assert f"{pl}/auto/share/dist/File-ShareDir/a.txt" not in kept      # another module's, not used
    assert f"{pl}/auto/share/dist/No-Such-Module/b.txt" not in kept


def test_a_program_configuration_pipes_to_is_kept_with_what_it_runs(tmp_path: Path):
    """postfix's alias `logger: "|/usr/local/bin/subject-logger"`: the
    mail to it was accepted (exit 0) and stayed deferred on the minified
    image, "execvp /usr/local/bin/subject-logger: No such file". The
    program after the pipe is kept, though no package owns it, with its
    interpreter's package and what it runs."""
    root = tmp_path / "root"
    merged_usr(root)
    write(root, "/etc/aliases", "postmaster: root\nlogger: \"|/usr/local/bin/subject-logger\"\n"
                                "# |/usr/local/bin/commented-out is still a name; nothing is there\n")
    write(root, "/usr/local/bin/subject-logger", "#!/bin/sh\nsed -n 's/^Subject: //p' | logger -t mail\n",
          0o755)
    for program in ("sh", "sed", "logger"):
        write(root, f"/usr/bin/{program}", "\x7fELF", 0o755)
    dpkg(root, "dash", "/usr/bin/sh")
    dpkg(root, "sed", "/usr/bin/sed")
    dpkg(root, "bsdutils", "/usr/bin/logger")
    trace = ["/etc/aliases"]
    kept = kept_at(root, "unit", tmp_path, trace, records(("local", "openat", "/etc/aliases"))).kept
    script = "/usr/local/bin/subject-logger"
    assert script in kept and "/etc/aliases names" in kept[script]
    assert "/usr/bin/sh" in kept                                 # its interpreter
    assert "/usr/bin/sed" in kept and "/usr/bin/logger" in kept  # what it runs


def owned_by(found: units.SourceUnits, path: str, uid: int, gid: int) -> None:
    """path's owner in found's view of the source (the tests run as root
    here, and chown's ids need no account)."""
    st = found.stats[path]
    found.stats[path] = os.stat_result((st.st_mode, st.st_ino, st.st_dev, st.st_nlink, uid, gid,
                                        st.st_size, 0, 0, 0))


def test_service_directories_an_installation_made_are_found(tmp_path: Path):
    """bind9's postinst makes /var/lib/bind (root:bind 0775), owned by no
    package: dropped, `docker cp` of a zone into it failed, and after
    `rndc reconfig` (exit 0) the zone's queries came back empty. An empty
    directory no package owns under /var, of a system account, is kept; a
    tree with files is a unit of its own, and root's are not a service's."""
    root = tmp_path / "root"
    for d in ("var/lib/bind", "var/spool/postfix/active", "var/lib/pgdata", "var/lib/plain",
              "var/cache/bind"):
        (root / d).mkdir(parents=True)
    write(root, "/var/lib/pgdata/PG_VERSION", "15\n")
    dpkg(root, "bind9", "/var/cache/bind")
    found = source(root)
    for path, uid, gid in (("/var/lib/bind", 0, 101), ("/var/spool/postfix", 100, 0),
                           ("/var/spool/postfix/active", 100, 0), ("/var/lib/pgdata", 105, 107),
                           ("/var/lib/plain", 0, 0), ("/var/cache/bind", 0, 101)):
        owned_by(found, path, uid, gid)
    assert found.service_dirs() == ["/var/lib/bind", "/var/spool/postfix", "/var/spool/postfix/active"]


def test_empty_files_an_installation_made_for_a_service_are_found(tmp_path: Path):
    """base-files' postinst makes /var/log/wtmp (root:utmp 0664, empty),
    owned by no package; sshd records a login there only if it exists: on
    a minified image logins went unrecorded and `last` failed. Empty files
    under /var of a system account are kept; not root's, not one with
    data, not a package's."""
    root = tmp_path / "root"
    write(root, "/var/log/wtmp", "")
    write(root, "/var/log/btmp", "")
    write(root, "/var/log/faillog", "")
    write(root, "/var/log/dpkg.log", "install x\n")
    write(root, "/var/lib/pkg/empty", "")
    dpkg(root, "pkg", "/var/lib/pkg/empty")
    found = source(root)
    for path in ("/var/log/wtmp", "/var/log/btmp", "/var/log/dpkg.log", "/var/lib/pkg/empty"):
        owned_by(found, path, 0, 43)
    owned_by(found, "/var/log/faillog", 0, 0)
    assert found.service_files() == ["/var/log/btmp", "/var/log/wtmp"]


def test_the_home_directories_of_root_and_of_peoples_accounts_are_found(tmp_path: Path):
    """MariaDB's client saves its history in ~/.mysql_history: on a
    minified image without /root it was silently not saved. root's home
    and those of accounts of people (uid 1000 and up) count where the
    image has them; not a service's, nobody's, nor /."""
    root = tmp_path / "root"
    write(root, "/etc/passwd", "root:x:0:0:root:/root:/bin/bash\n"
                               "www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n"
                               "alice:x:1000:1000::/home/alice/:/bin/bash\n"
                               "bob:x:1001:1001::/home/bob:/bin/bash\n"
                               "odd:x:1002:1002::/:/bin/sh\n"
                               "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n")
    for d in ("root", "var/www", "home/alice", "nonexistent"):
        (root / d).mkdir(parents=True)
    assert source(root).home_dirs() == ["/root", "/home/alice"]      # (bob's is not in the image)


def test_php_libraries_on_the_include_path_are_kept_with_what_they_require(tmp_path: Path):
    """A PHP front controller probed on / and /api/items: its routes that
    require a Debian PHP library on first use (require_once
    'Symfony/Component/Yaml/autoload.php', 'Mail/mime.php') failed with
    "Failed opening required"; and Twig, loaded on the probes, was kept
    class by class as the probes used it (its autoloader loads the rest
    when a template needs it: 500s). A library's package is kept whole,
    with the packages its own requires name."""
    root = tmp_path / "root"
    merged_usr(root)
    php = "/usr/share/php"
    packages = {
        "php-twig": {f"{php}/Twig/autoload.php": "<?php spl_autoload_register(function ($c) {});\n",
                     f"{php}/Twig/Environment.php": "", f"{php}/Twig/Node/WithNode.php": ""},
        "php-symfony-yaml": {f"{php}/Symfony/Component/Yaml/autoload.php":
                             "<?php\nrequire_once 'Symfony/Polyfill/Ctype/autoload.php';\n",
                             f"{php}/Symfony/Component/Yaml/Yaml.php": ""},
        "php-symfony-polyfill-ctype": {f"{php}/Symfony/Polyfill/Ctype/autoload.php": "<?php\n"},
        "php-mail-mime": {f"{php}/Mail/mime.php": "<?php\nrequire_once 'PEAR.php';\n",
                          f"{php}/Mail/mimePart.php": ""},
        "php-pear": {f"{php}/PEAR.php": ""},
        "php-league-commonmark": {f"{php}/League/CommonMark/autoload.php": ""},
    }
    for package, files in packages.items():
        for path, text in files.items():
            write(root, path, text)
        dpkg(root, package, *files)
    write(root, "/app/public/index.php",
          "<?php\nrequire_once 'Twig/autoload.php';\n"
          "function yaml() { require_once 'Symfony/Component/Yaml/autoload.php'; }\n"
          "function mail() { require_once('Mail/mime.php'); }\n")
    trace = ["/app/public/index.php", f"{php}/Twig/autoload.php", f"{php}/Twig/Environment.php"]
    events = records(*(("php-fpm8.2", "openat", p) for p in trace))
    kept = kept_at(root, "unit", tmp_path, trace, events).kept
    assert f"{php}/Twig/Node/WithNode.php" in kept                      # the rest of Twig
    assert f"{php}/Symfony/Component/Yaml/Yaml.php" in kept            # required in a function
    assert f"{php}/Symfony/Polyfill/Ctype/autoload.php" in kept        # which requires this
    assert f"{php}/Mail/mimePart.php" in kept and f"{php}/PEAR.php" in kept
    assert "loaded by /app/public/index.php" in kept[f"{php}/Mail/mimePart.php"]


def test_a_php_applications_package_is_kept_whole(tmp_path: Path):
    """Debian's MediaWiki (/usr/share/mediawiki, off include_path) was kept
    file by file, as the probe's page loaded them: its autoloader loads a
    class by name on first use, and every other page failed (500), the
    API's entry points were gone (404), and the probe's own page failed
    the second time, its cache read by a class the first request never
    loaded. A package whose PHP code was loaded is kept whole; not one
    whose PHP file was only kept (a link's target) or never read."""
    root = tmp_path / "root"
    merged_usr(root)
    mw = "/usr/share/mediawiki"
    files = {f"{mw}/index.php": "<?php\nrequire __DIR__ . '/includes/WebStart.php';\n",
             f"{mw}/includes/WebStart.php": "<?php\n", f"{mw}/includes/actions/HistoryAction.php": "<?php\n",
             f"{mw}/api.php": "<?php\n", f"{mw}/languages/i18n/de.json": "{}"}
    for path, text in files.items():
        write(root, path, text)
    dpkg(root, "mediawiki", *files, depends="php-mail, tool-data")
    # and the PHP libraries it depends on, through a package of none (Roundcube's
    # Mail_mime, loaded by its class name: "Class \"Mail_mime\" not found")
    write(root, "/usr/share/php/Mail/mime.php", "<?php\n")
    write(root, "/usr/share/doc/php-mail/copyright", "x")
    write(root, "/usr/share/tool/data.txt", "x")
    dpkg(root, "php-mail", "/usr/share/doc/php-mail/copyright", depends="php-mail-mime")
    dpkg(root, "php-mail-mime", "/usr/share/php/Mail/mime.php")
    dpkg(root, "tool-data", "/usr/share/tool/data.txt")
    write(root, "/usr/share/other/tool.php", "<?php\n")
    write(root, "/usr/share/other/lib.php", "<?php\n")
    dpkg(root, "other", "/usr/share/other/tool.php", "/usr/share/other/lib.php")
    # (through the document root's link, as Debian's /var/lib/mediawiki has them)
    link(root, "/var/lib/mediawiki/index.php", f"{mw}/index.php")
    trace = ["/var/lib/mediawiki/index.php", f"{mw}/includes/WebStart.php", "/usr/share/other/tool.php"]
    events = records(("apache2", "openat", trace[0]), ("apache2", "openat", trace[1]),
                     ("apache2", "newfstatat", trace[2]))     # (looked up only: a DirectoryIndex)
    kept = kept_at(root, "unit", tmp_path, trace, events).kept
    for path in (f"{mw}/includes/actions/HistoryAction.php", f"{mw}/api.php", f"{mw}/languages/i18n/de.json"):
        assert path in kept and "dpkg package mediawiki is used" in kept[path], path
    assert "/usr/share/other/tool.php" in kept and "/usr/share/other/lib.php" not in kept
    assert "/usr/share/php/Mail/mime.php" in kept and "a PHP library mediawiki depends on" \
        in kept["/usr/share/php/Mail/mime.php"]
    assert "/usr/share/tool/data.txt" not in kept


def dejavu_root(tmp_path: Path) -> tuple[Path, str]:
    """A root with fonts-dejavu-core's two faces, and their directory."""
    root = tmp_path / "root"
    merged_usr(root)
    fonts = "/usr/share/fonts/truetype/dejavu"
    for name in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"):
        write(root, f"{fonts}/{name}", "ttf")
    dpkg(root, "fonts-dejavu-core", f"{fonts}/DejaVuSans.ttf", f"{fonts}/DejaVuSans-Bold.ttf")
    return root, fonts


def test_a_file_the_code_names_by_its_path_is_kept_with_its_data_package(tmp_path: Path):
    """A PHP route draws text with imagettftext(..., '/usr/share/fonts/
    truetype/dejavu/DejaVuSans.ttf', ...): the probes never drew, and the
    minified image sent a blank PNG, status 200. A path in a string of the
    code is kept, with its data package; a route's path is no file."""
    root, fonts = dejavu_root(tmp_path)
    write(root, "/usr/share/liberation/LiberationSans.ttf", "ttf")
    dpkg(root, "fonts-liberation", "/usr/share/liberation/LiberationSans.ttf")
    write(root, "/usr/bin/qrencode", "\x7fELF", 0o755)
    dpkg(root, "qrencode", "/usr/bin/qrencode")
    write(root, "/app/index.php",
          f"<?php\n$r = '/api/items';\nfunction image() {{\n"
          f"  imagettftext($im, 20, 0, 10, 40, $fg, '{fonts}/DejaVuSans.ttf', $t);\n}}\n"
          "$qr = \"/usr/bin/qrencode\";\n")
    trace = ["/app/index.php"]
    kept = kept_at(root, "unit", tmp_path, trace, records(("php", "openat", "/app/index.php"))).kept
    font = f"{fonts}/DejaVuSans.ttf"
    assert font in kept and "which /app/index.php names" in kept[font]
    assert f"{fonts}/DejaVuSans-Bold.ttf" in kept                      # its data package, whole
    assert "/usr/bin/qrencode" in kept                                 # a program: as if run
    assert "/usr/share/liberation/LiberationSans.ttf" not in kept


def test_a_font_the_code_names_by_its_file_name_alone_is_kept(tmp_path: Path):
    """A Django view draws a card with ImageFont.truetype("DejaVuSans-Bold.ttf"),
    which Pillow looks up under the font directories: no probe drew, no
    font was kept, and the card was a 500 ("cannot open resource"). A
    font's file name in a string of the application's code keeps that
    font, and the other faces of its package while they are small (code
    that names a default face is often given another: `truetype(font or
    "DejaVuSans.ttf")` and `font=DejaVuSerif.ttf`, a 500); of a large
    package (100 MB of CJK faces), that face alone; not a font it does not
    name, nor a name no installed font has."""
    root, fonts = dejavu_root(tmp_path)
    liberation = "/usr/share/fonts/truetype/liberation"
    write(root, f"{liberation}/LiberationSans.ttf", "ttf")
    dpkg(root, "fonts-liberation", f"{liberation}/LiberationSans.ttf")
    cjk = "/usr/share/fonts/opentype/noto"
    write(root, f"{cjk}/NotoSansCJK-Regular.ttc", "ttc")
    write(root, f"{cjk}/NotoSansCJK-Bold.ttc", "x" * (5 << 20))
    dpkg(root, "fonts-noto-cjk", f"{cjk}/NotoSansCJK-Regular.ttc", f"{cjk}/NotoSansCJK-Bold.ttc")
    write(root, "/app/views.py", "from PIL import ImageFont\ndef card(title, font=None):\n"
                                 "    font = ImageFont.truetype(font or 'DejaVuSans-Bold.ttf', 32)\n"
                                 "    cjk = ImageFont.truetype('NotoSansCJK-Regular.ttc', 32)\n"
                                 "    other = ImageFont.truetype(\"Missing.otf\", 12)\n")
    trace = ["/app/views.py"]
    kept = kept_at(root, "unit", tmp_path, trace, records(("python3", "openat", "/app/views.py"))).kept
    bold = f"{fonts}/DejaVuSans-Bold.ttf"
    assert bold in kept and "the font DejaVuSans-Bold.ttf, which /app/views.py names" in kept[bold]
    regular = kept[f"{fonts}/DejaVuSans.ttf"]
    assert "a face of fonts-dejavu-core beside the font DejaVuSans-Bold.ttf" in regular
    assert f"{cjk}/NotoSansCJK-Regular.ttc" in kept and f"{cjk}/NotoSansCJK-Bold.ttc" not in kept
    assert f"{liberation}/LiberationSans.ttf" not in kept


def test_the_index_a_trigger_made_beside_a_packages_modules_is_kept(tmp_path: Path):
    """gdk-pixbuf finds its image loaders through loaders.cache, which a
    trigger writes beside loaders/ and no package owns: rsvg-convert drew
    an SVG's embedded GIF as nothing, exit 0. Unowned files in a directory
    of the package's modules, or the directory above one, come with it."""
    root = tmp_path / "root"
    merged_usr(root)
    base = "/usr/lib/x86_64-linux-gnu/gdk-pixbuf-2.0/2.10.0"
    files = [f"{base}/loaders/libpixbufloader-gif.so", f"{base}/loaders/libpixbufloader-bmp.so",
             "/usr/lib/x86_64-linux-gnu/libgdk_pixbuf-2.0.so.0"]
    for f in files:
        write(root, f, "\x7fELF")
    write(root, f"{base}/loaders.cache", "\"libpixbufloader-gif.so\"\n")
    write(root, "/usr/lib/x86_64-linux-gnu/unrelated.cache", "x")
    write(root, "/usr/bin/rsvg-convert", "\x7fELF", 0o755)
    dpkg(root, "libgdk-pixbuf-2.0-0", *files)
    dpkg(root, "librsvg2-bin", "/usr/bin/rsvg-convert", depends="libgdk-pixbuf-2.0-0")
    write(root, "/app/app.py", "import subprocess\ndef svg():\n    subprocess.run(['rsvg-convert'])\n")
    trace = ["/app/app.py", "/usr/lib/x86_64-linux-gnu/libgdk_pixbuf-2.0.so.0"]
    events = records(("python3", "openat", "/app/app.py"),
                     ("python3", "openat", "/usr/lib/x86_64-linux-gnu/libgdk_pixbuf-2.0.so.0"))
    kept = kept_at(root, "unit", tmp_path, trace, events).kept
    assert f"{base}/loaders.cache" in kept and "when it was installed" in kept[f"{base}/loaders.cache"]
    assert "/usr/lib/x86_64-linux-gnu/unrelated.cache" not in kept


def test_distro_node_modules_the_code_requires_are_kept_whole_with_what_they_link_to(tmp_path: Path):
    """A Node app on Debian's packaged modules, each required in its
    handler: at unit level they were dropped ("Cannot find module 'yaml'",
    17 of 44 next uses). A module required is kept whole, with its
    dependencies; through its links to /usr/share/javascript, a small
    directory whole (moment's locales, picked by name), and from a large
    one what its code requires by a relative name (moment-timezone's
    packed data, of 212 MB)."""
    root = tmp_path / "root"
    merged_usr(root)
    nodejs, js = "/usr/share/nodejs", "/usr/share/javascript"
    files = {
        f"{nodejs}/yaml/package.json": '{"name": "yaml", "dependencies": {"tslib": "*"}}',
        f"{nodejs}/yaml/index.js": "module.exports = require('./dist')\n",
        f"{nodejs}/yaml/dist/index.js": "", f"{nodejs}/tslib/package.json": '{"name": "tslib"}',
        f"{nodejs}/tslib/tslib.js": "",
        f"{nodejs}/moment/package.json": '{"name": "moment"}', f"{js}/moment/locale/fr.js": "",
        f"{nodejs}/moment-timezone/package.json": '{"name": "moment-timezone"}',
        f"{nodejs}/moment-timezone/index.js": "var m = require('./data/packed/latest.json');\n",
        f"{nodejs}/moment-timezone/tests/zones/x.js": "", f"{nodejs}/moment-timezone/lib/tests.js": "",
        f"{js}/moment-timezone/data/packed/latest.json": "{}",
        f"{nodejs}/unused/package.json": '{"name": "unused"}', f"{nodejs}/unused/index.js": "",
    }
    for path, text in files.items():
        write(root, path, text)
    with open(root / f"{js.lstrip('/')}/moment-timezone/data/unpacked.json", "wb") as f:
        f.truncate(17 << 20)        # (sparse: 17 MB by its size)
    link(root, f"{nodejs}/moment/locale", f"{js}/moment/locale")
    link(root, f"{nodejs}/moment-timezone/data", f"{js}/moment-timezone/data")
    for package in ("yaml", "tslib", "moment", "moment-timezone", "unused"):
        dpkg(root, f"node-{package}", *(p for p in files if p.startswith(f"{nodejs}/{package}/")))
    write(root, "/app/server.js", "const express = 1;\napp.get('/y', () => require('yaml'));\n"
                                  "app.get('/d', () => { require('moment'); require('moment-timezone') });\n")
    trace = ["/app/server.js"]
    kept = kept_at(root, "unit", tmp_path, trace, records(("node", "openat", "/app/server.js"))).kept
    assert f"{nodejs}/yaml/dist/index.js" in kept and f"{nodejs}/tslib/tslib.js" in kept
    assert f"{js}/moment/locale/fr.js" in kept
    assert f"{js}/moment-timezone/data/packed/latest.json" in kept
    assert f"{js}/moment-timezone/data/unpacked.json" not in kept
    assert f"{nodejs}/moment-timezone/tests/zones/x.js" not in kept       # its own tests
    assert f"{nodejs}/moment-timezone/lib/tests.js" in kept
    assert f"{nodejs}/unused/index.js" not in kept


def test_a_library_a_program_loads_by_name_from_a_package_it_depends_on_is_kept(tmp_path: Path):
    """The JDK's libawt loads fontconfig with dlopen("libfontconfig.so.1")
    when it first draws text: on a minified Tomcat probed on pages
    without text, every drawing request hung, its worker thread dead of
    "Fontconfig head is null". A library named in a library of a program's
    package that ran is kept when a package it depends on has it; not a
    library it does not name, nor one of a package it does not depend on."""
    need(shutil.which("gcc") is not None, "gcc (scripts/setup-host.sh installs it)")
    root = tmp_path / "root"
    lib = host_loader(root)
    jvm = "/usr/lib/jvm/java-17/lib"
    (root / jvm.lstrip("/")).mkdir(parents=True)
    cc(root / jvm.lstrip("/") / "libawt.so",
       'const char *fc = "libfontconfig.so.1"; const char *x = "libnotdep.so.1";\n'
       "const char *awt(void){return fc[0] ? fc : x;}", "-shared", "-fPIC")
    (root / "usr/bin").mkdir(parents=True)
    cc(root / "usr/bin/java", "int main(void){return 0;}")
    for name in ("libfontconfig.so.1", "libother.so.1", "libnotdep.so.1"):
        cc(lib / name, "int f(void){return 1;}", "-shared", "-fPIC")
    libdir = "/usr/lib/x86_64-linux-gnu"
    dpkg(root, "openjdk", "/usr/bin/java", f"{jvm}/libawt.so", depends="libc6, libfontconfig1, libother")
    dpkg(root, "libfontconfig1", f"{libdir}/libfontconfig.so.1")
    dpkg(root, "libother", f"{libdir}/libother.so.1")
    dpkg(root, "libnotdep", f"{libdir}/libnotdep.so.1")
    dpkg(root, "libc6", f"{libdir}/libc.so.6", f"{libdir}/ld-linux-x86-64.so.2",
         "/lib64/ld-linux-x86-64.so.2")
    kept = kept_at(root, "unit", tmp_path, ["/usr/bin/java"], records(("java", "exec", "/usr/bin/java"))).kept
    assert f"{libdir}/libfontconfig.so.1" in kept
    assert f"{jvm}/libawt.so loads it by name" in kept[f"{libdir}/libfontconfig.so.1"]
    assert f"{libdir}/libother.so.1" not in kept and f"{libdir}/libnotdep.so.1" not in kept


def test_programs_a_binary_runs_by_a_name_compiled_into_it(tmp_path: Path):
    """libkpathsea runs texlive-base's mktexpk (a script, by its bare name)
    when a font has no bitmap yet: the probes' fonts all had one, and on
    the minified image every other document failed. mktexpk reads in
    mktex.opt through a variable and runs mkdir there, and runs the
    mktexdir script through another. A binary that imports a function
    that runs programs brings: the scripts of packages that depend on its
    own, named bare; any program named by its absolute path; /bin/sh for
    system(). Not a script of an unrelated package, nor an ELF program
    named bare (a binary's strings hold words like "join")."""
    root, lib = compiled_root(tmp_path)
    (root / "usr/bin").mkdir()
    link(root, "/bin", "usr/bin")
    cc(lib / "libkp.so.6", '#include <unistd.h>\n'
       'int kp_make(const char *font) {\n'
       '    char *argv[] = {"mktexpk", (char *)font, 0};\n'
       '    if (font[0] == 0) argv[0] = "createdb";\n'
       '    if (font[0] == 1) argv[0] = "join";\n'
       '    return execvp(argv[0], argv);\n'
       '}\n', "-shared", "-fPIC", "-Wl,-soname,libkp.so.6")
    cc(root / "usr/bin/pdftex", '#include <stdlib.h>\nint kp_make(const char *);\n'
       'int main(int argc, char **argv) {\n'
       '    if (argc > 2) return system("/usr/bin/pr -l 10 x");\n'
       '    return argc > 1 ? kp_make(argv[1]) : 0;\n'
       '}\n', f"-L{lib}", "-l:libkp.so.6")
    cc(root / "usr/bin/sh", "int main(void){return 0;}")
    for program in ("mkdir", "chmod", "join", "pr", "mawk"):
        cc(root / f"usr/bin/{program}", "int main(void){return 0;}")
    link(root, "/usr/bin/awk", "mawk")
    scripts = "/usr/share/tex"
    write(root, f"{scripts}/scripts/mktexpk", '#!/bin/sh\n'
          ': ${MT_OPT=`kpsewhich mktex.opt`}\n'
          'test -n "$MT_OPT" || MT_OPT="$MT_MAIN/web2c/mktex.opt"\n'
          '. "$MT_OPT"\n'
          '"$MT_DIR" "$dest" || exit 1\n'
          "awk '{print}' /dev/null\n", 0o755)
    link(root, "/usr/bin/mktexpk", "../share/tex/scripts/mktexpk")
    write(root, f"{scripts}/web2c/mktex.opt", 'mkdir "$TEMPDIR"\nMT_DIR="$MT_MAIN/web2c/mktexdir"\n')
    write(root, f"{scripts}/web2c/mktexdir", '#!/bin/sh\nchmod 755 "$1"\n', 0o755)
    write(root, "/usr/bin/createdb", "#!/bin/sh\n", 0o755)
    dpkg(root, "libc6", "/usr/lib/x86_64-linux-gnu/libc.so.6",
         "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2")
    dpkg(root, "libkp6", "/usr/lib/x86_64-linux-gnu/libkp.so.6", depends="libc6")
    dpkg(root, "texbin", "/usr/bin/pdftex", depends="libkp6, libc6")
    dpkg(root, "texbase", "/usr/bin/mktexpk", f"{scripts}/scripts/mktexpk", f"{scripts}/web2c/mktex.opt",
         f"{scripts}/web2c/mktexdir", depends="texbin")
    dpkg(root, "pgcommon", "/usr/bin/createdb", depends="libc6")
    write(root, "/var/lib/apt/extended_states", "Package: pgcommon\nAuto-Installed: 1\n")
    dpkg(root, "coreutils", "/usr/bin/mkdir", "/usr/bin/chmod", "/usr/bin/join", "/usr/bin/pr",
         essential=True)
    dpkg(root, "mawk", "/usr/bin/mawk", "/usr/bin/awk", priority="required")
    dpkg(root, "dash", "/usr/bin/sh", essential=True)
    trace = ["/usr/bin/pdftex", "/usr/lib/x86_64-linux-gnu/libkp.so.6"]
    events = records(("pdftex", "exec", "/usr/bin/pdftex"))
    kept = kept_at(root, "unit", tmp_path, trace, events).kept
    assert "a name compiled into it" in kept[f"{scripts}/scripts/mktexpk"]
    for path in ("/usr/bin/mktexpk", f"{scripts}/web2c/mktex.opt", f"{scripts}/web2c/mktexdir",
                 "/usr/bin/mkdir", "/usr/bin/chmod", "/usr/bin/awk", "/usr/bin/mawk", "/usr/bin/pr",
                 "/usr/bin/sh"):
        assert path in kept, path
    assert "calls system()" in kept["/usr/bin/sh"]
    # (join comes as the shell's toolbox, under 1% of this root's libc)
    assert "/usr/bin/createdb" not in kept and "toolbox" in kept["/usr/bin/join"]
    assert "/usr/bin/mktexpk" not in kept_at(root, "file", tmp_path, trace, events).kept


def test_a_program_a_binary_names_by_a_directory_and_a_name_it_joins_is_kept(tmp_path: Path):
    """gpg-agent runs GnuPG's bindir "/usr/bin" joined with "/pinentry"
    (two strings of its data): on a signing service's image pinentry was
    gone, and a key with a passphrase failed, "No pinentry", unsaid. A
    program so named comes when its package is one the binary's depends
    on, recommends or suggests; not another package's."""
    root, lib = compiled_root(tmp_path)
    (root / "usr/bin").mkdir()
    cc(root / "usr/bin/agent", '#include <stdio.h>\n#include <unistd.h>\n'
       'static const char *bindir = "/usr/bin";\n'
       'int main(int argc, char **argv) {\n'
       '    char path[256];\n'
       '    snprintf(path, sizeof path, "%s%s", bindir, argc > 1 ? "/pinentry" : "/otherhelper");\n'
       '    return execv(path, argv);\n'
       '}\n')
    for program in ("pinentry-curses", "otherhelper"):
        cc(root / f"usr/bin/{program}", "int main(void){return 0;}")
    link(root, "/usr/bin/pinentry", "pinentry-curses")
    dpkg(root, "libc6", "/usr/lib/x86_64-linux-gnu/libc.so.6",
         "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2")
    dpkg(root, "agent", "/usr/bin/agent", depends="libc6, pinentry-curses | pinentry")
    dpkg(root, "pinentry-curses", "/usr/bin/pinentry-curses", "/usr/bin/pinentry", depends="libc6")
    dpkg(root, "other", "/usr/bin/otherhelper", depends="libc6")
    write(root, "/var/lib/apt/extended_states", "Package: other\nAuto-Installed: 1\n")   # (no leaf's)
    trace = ["/usr/bin/agent"]
    kept = kept_at(root, "unit", tmp_path, trace, records(("agent", "exec", trace[0]))).kept
    assert "/usr/bin/pinentry" in kept
    assert "named by /usr/bin and /pinentry in its data" in kept["/usr/bin/pinentry-curses"], \
        kept["/usr/bin/pinentry-curses"]
    assert "/usr/bin/otherhelper" not in kept, kept["/usr/bin/otherhelper"]


def test_a_program_of_a_package_installed_on_purpose_a_binary_names_is_kept(tmp_path: Path):
    """cgit pipes its snapshots into bzip2 and xz, which an admin installed
    for it (cgit does not depend on them), by names the linker merged into
    the ends of "application/x-bzip2" and "application/x-xz": on the
    minified image the .tar.bz2 and .tar.xz downloads were empty, status
    200, nothing said. A program of a package installed on purpose that a
    binary names, whole or as the end of a string after '-' or '/', comes
    within COMPANION_LIMIT; not one of a package installed as another's
    dependency (zstd), nor one a message only starts with (file)."""
    root, lib = compiled_root(tmp_path)
    (root / "usr/bin").mkdir()
    link(root, "/bin", "usr/bin")
    cc(root / "usr/bin/cgit.cgi", '#include <stdio.h>\n#include <unistd.h>\n'
       'int main(int c, char **v) {\n'
       '    const char *types[] = {"application/x-bzip2", "application/x-xz", "application/x-zstd"};\n'
       '    const char *tools[] = {"bzip2", "xz", "zstd"};\n'
       '    puts(types[c % 3]);\n'
       '    if (c > 4) printf("file %s not found\\n", v[1]);\n'
       '    char *a[] = {(char *)tools[c % 3], 0};\n'
       '    return c > 1 ? execvp(a[0], a) : 0;\n'
       '}\n', "-O2")
    data = (root / "usr/bin/cgit.cgi").read_bytes()
    assert b"\0bzip2\0" not in data and b"\0xz\0" not in data      # (merged: the case at hand)
    for program in ("bzip2", "xz", "zstd", "file"):
        cc(root / f"usr/bin/{program}", "int main(void){return 0;}")
    dpkg(root, "libc6", "/usr/lib/x86_64-linux-gnu/libc.so.6",
         "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", priority="required")
    dpkg(root, "cgit", "/usr/bin/cgit.cgi", depends="libc6")
    for package, program in (("bzip2", "bzip2"), ("xz-utils", "xz"), ("zstd", "zstd"), ("file", "file")):
        dpkg(root, package, f"/usr/bin/{program}", depends="libc6")
    write(root, "/var/lib/apt/extended_states", "Package: zstd\nAuto-Installed: 1\n")
    assert lib.is_dir()
    ran = records(("cgit.cgi", "exec", "/usr/bin/cgit.cgi"))
    kept = kept_at(root, "unit", tmp_path, ["/usr/bin/cgit.cgi"], ran).kept
    for program in ("bzip2", "xz"):
        assert "installed on purpose" in kept.get(f"/usr/bin/{program}", ""), program
    assert "/usr/bin/zstd" not in kept and "/usr/bin/file" not in kept
    # by a program that is another's dependency, not: perl's strings hold
    # its keywords, and "scalar" is git's scalar
    # (a package of files: a metapackage's would be installed on purpose too)
    dpkg(root, "cgit-web", "/usr/share/cgit-web/cgit.css", depends="cgit")
    write(root, "/usr/share/cgit-web/cgit.css", "x")
    (tmp_path / "dependency").mkdir()
    dependency = kept_at(root, "unit", tmp_path / "dependency", ["/usr/bin/cgit.cgi"], ran).kept
    assert "/usr/bin/bzip2" not in dependency
    # nor by a program of no package, which may be an interpreter (a python3
    # of /usr/local names "file" and "top"): not kept, nor said as run
    (root / "usr/local/bin").mkdir(parents=True)
    shutil.copy2(root / "usr/bin/cgit.cgi", root / "usr/local/bin/python3")
    (tmp_path / "own").mkdir()
    own = kept_at(root, "unit", tmp_path / "own", ["/usr/local/bin/python3"],
                  records(("python3", "exec", "/usr/local/bin/python3")))
    assert "/usr/bin/bzip2" not in own.kept and "python3" not in own.unkept_runs


def test_a_packages_configuration_beside_a_file_of_it_that_was_read(app_root: Path, tmp_path: Path):
    """nginx read nginx.conf and fastcgi.conf; a site mounted next with
    `include proxy_params;` failed `nginx -t`, and the reload was refused.
    The package's other files under the same directory of /etc come; not
    another package's there, not its files elsewhere in /etc, not a large
    tree of them."""
    write(app_root, "/usr/sbin/nginx", "#!/bin/sh\n", 0o755)
    conf = ["/etc/nginx/nginx.conf", "/etc/nginx/fastcgi.conf", "/etc/nginx/proxy_params",
            "/etc/nginx/sites-available/default", "/etc/nginx/snippets/snakeoil.conf"]
    for path in [*conf, "/etc/logrotate.d/nginx", "/etc/nginx/modules-available/other.conf"]:
        write(app_root, path, "x")
    write(app_root, "/etc/init.d/nginx", "#!/bin/sh\n", 0o755)      # (not a package of data)
    dpkg(app_root, "nginx", "/usr/sbin/nginx", depends="nginx-common")
    # and its configuration at /etc's top (exim4-config's /etc/email-addresses, which
    # Exim's rewriting of a local sender reads: an error in paniclog for every message)
    write(app_root, "/etc/nginx-aliases", "a")
    write(app_root, "/etc/nginx-notes", "n")
    dpkg(app_root, "nginx-common", *conf, "/etc/logrotate.d/nginx", "/etc/init.d/nginx", "/etc/nginx-aliases",
         "/etc/nginx-notes", conffiles={"/etc/nginx-aliases": b"a"})
    dpkg(app_root, "nginx-extra-module", "/etc/nginx/modules-available/other.conf")
    trace = ["/usr/sbin/nginx", "/etc/nginx/nginx.conf"]
    events = records(("nginx", "exec", "/usr/sbin/nginx"), ("nginx", "openat", "/etc/nginx/nginx.conf"))
    kept = kept_at(app_root, "unit", tmp_path, trace, events).kept
    for path in conf:
        assert path in kept, path
    assert "beside /etc/nginx/nginx.conf" in kept["/etc/nginx/proxy_params"]
    assert "beside /etc/nginx/nginx.conf" in kept["/etc/nginx-aliases"] and "/etc/nginx-notes" not in kept
    assert "/etc/logrotate.d/nginx" not in kept and "/etc/init.d/nginx" not in kept
    assert "/etc/nginx/modules-available/other.conf" not in kept
    # nothing read there, nothing kept
    kept = kept_at(app_root, "unit", tmp_path, trace[:1], events[:1]).kept
    assert "/etc/nginx/proxy_params" not in kept
    # a large tree of a package's is not configuration to keep unread
    write(app_root, "/etc/nginx/big.db", "b" * (1 << 20))
    dpkg(app_root, "nginx-common", *conf, "/etc/logrotate.d/nginx", "/etc/init.d/nginx", "/etc/nginx/big.db")
    assert "/etc/nginx/proxy_params" not in kept_at(app_root, "unit", tmp_path, trace, events).kept


def test_configuration_beside_a_file_a_packages_installation_made(app_root: Path, tmp_path: Path):
    """TeX read /etc/texmf/web2c/texmf.cnf, which tex-common's update-texmf
    writes (no package owns it); mktexpk, run later, reads mktex.cnf beside
    it to learn where the fonts it makes go, and without it put them in
    the system's tree. A file no package owns counts as of the packages
    that own its directory; not of another's under the same /etc tree."""
    web2c = "/etc/texmf/web2c"
    write(app_root, "/usr/bin/pdftex", "#!/bin/sh\n", 0o755)
    for path in (f"{web2c}/texmf.cnf", f"{web2c}/mktex.cnf", "/etc/texmf/texmf.d/00debian.cnf",
                 "/etc/texmf/fmt.d/10texlive-base.cnf"):
        write(app_root, path, "x")
    dpkg(app_root, "texlive-binaries", "/usr/bin/pdftex")
    dpkg(app_root, "tex-common", f"{web2c}/mktex.cnf", "/etc/texmf/texmf.d/00debian.cnf")
    dpkg(app_root, "texlive-base", "/etc/texmf/fmt.d/10texlive-base.cnf")
    trace = ["/usr/bin/pdftex", f"{web2c}/texmf.cnf"]
    events = records(("pdftex", "exec", "/usr/bin/pdftex"), ("pdftex", "openat", f"{web2c}/texmf.cnf"))
    kept = kept_at(app_root, "unit", tmp_path, trace, events).kept
    assert f"{web2c}/mktex.cnf" in kept and "/etc/texmf/texmf.d/00debian.cnf" in kept
    assert f"beside {web2c}/texmf.cnf" in kept[f"{web2c}/mktex.cnf"]
    assert "/etc/texmf/fmt.d/10texlive-base.cnf" not in kept
    # in a directory of many packages', whose a file is is unknown
    for path in ("/etc/default/locale", "/etc/default/cron", "/etc/default/rsync"):
        write(app_root, path, "x")
    dpkg(app_root, "cron", "/etc/default/cron")
    dpkg(app_root, "rsync", "/etc/default/rsync")
    trace = ["/usr/bin/pdftex", "/etc/default/locale"]
    events = records(("pdftex", "exec", "/usr/bin/pdftex"), ("pdftex", "openat", "/etc/default/locale"))
    kept = kept_at(app_root, "unit", tmp_path, trace, events).kept
    assert "/etc/default/cron" not in kept and "/etc/default/rsync" not in kept


def test_what_the_installation_made_for_a_program_kept_alone(app_root: Path, tmp_path: Path):
    """php8.2 was kept alone beside php-fpm8.2 (a command of the same
    source), without the php.ini and conf.d links php8.2-cli's
    installation made (no package owns them): `php -m` listed 16 modules
    of 49, exit 0. A program kept alone comes with what its package's
    installation made in its own /etc directories."""
    write(app_root, "/usr/sbin/php-fpm8.2", "#!/bin/sh\n", 0o755)
    write(app_root, "/usr/bin/php8.2", "#!/bin/sh\n", 0o755)
    write(app_root, "/etc/php/8.2/mods-available/intl.ini", "extension=intl.so\n")
    write(app_root, "/etc/php/8.2/cli/php.ini", "memory_limit = -1\n")         # (ucf's copy)
    link(app_root, "/etc/php/8.2/cli/conf.d/20-intl.ini", "/etc/php/8.2/mods-available/intl.ini")
    write(app_root, "/etc/php/8.2/other/made.ini", "x")
    dpkg(app_root, "php8.2-fpm", "/usr/sbin/php-fpm8.2", depends="php8.2-cli", source="php8.2")
    dpkg(app_root, "php8.2-cli", "/usr/bin/php8.2", "/etc/php/8.2/cli/conf.d", source="php8.2")
    dpkg(app_root, "php8.2-intl", "/etc/php/8.2/mods-available/intl.ini")
    trace = ["/usr/sbin/php-fpm8.2"]
    kept = kept_at(app_root, "unit", tmp_path, trace, records(("php-fpm8.2", "exec", trace[0]))).kept
    assert "/usr/bin/php8.2" in kept
    assert "/etc/php/8.2/cli/php.ini" in kept and "/etc/php/8.2/cli/conf.d/20-intl.ini" in kept
    assert "a directory of" in kept["/etc/php/8.2/cli/php.ini"]
    assert "/etc/php/8.2/other/made.ini" not in kept


def test_libcs_own_locale_once_a_loaded_library_calls_setlocale(tmp_path: Path):
    """Tomcat, probed with no LANG, run with LANG=C.UTF-8: Java fell back
    to ASCII and a JSP writing a Japanese file name failed, status 200.
    libjava calls setlocale, not the java launcher, and no locale was
    generated: C.utf8, libc's own, comes once a library that was loaded
    calls setlocale (or a program that ran); not when none does."""
    root, lib = compiled_root(tmp_path)
    (root / "usr/bin").mkdir(parents=True)
    cc(lib / "libjava.so", '#include <locale.h>\nint jinit(void) { return !setlocale(LC_ALL, ""); }\n',
       "-shared", "-fPIC")
    cc(lib / "libplain.so", "int plain(void) { return 0; }\n", "-shared", "-fPIC")
    cc(root / "usr/bin/java", "int main(void) { return 0; }\n")
    dpkg(root, "libc6", f"{GIS_LIB}/libc.so.6", f"{GIS_LIB}/ld-linux-x86-64.so.2")
    write(root, "/usr/lib/locale/C.utf8/LC_CTYPE", "c")
    dpkg(root, "libc-bin", "/usr/lib/locale/C.utf8/LC_CTYPE")
    dpkg(root, "jre", "/usr/bin/java", f"{GIS_LIB}/libjava.so", f"{GIS_LIB}/libplain.so")
    for library, keeps in (("libjava.so", True), ("libplain.so", False)):
        trace = ["/usr/bin/java", f"{GIS_LIB}/{library}"]
        events = records(("java", "exec", trace[0]), ("java", "openat", trace[1]))
        kept = kept_at(root, "unit", tmp_path, trace, events).kept
        assert ("/usr/lib/locale/C.utf8/LC_CTYPE" in kept) == keeps, library
    assert f"{GIS_LIB}/libjava.so calls setlocale" in kept_at(
        root, "unit", tmp_path, ["/usr/bin/java", f"{GIS_LIB}/libjava.so"],
        records(("java", "exec", "/usr/bin/java"), ("java", "openat", f"{GIS_LIB}/libjava.so")),
    ).kept["/usr/lib/locale/C.utf8/LC_CTYPE"]


def test_a_packages_script_given_to_an_interpreter_counts_as_run(tmp_path: Path, app_root: Path):
    """`sh /usr/libexec/tomcat10/tomcat-start.sh` (as Debian's unit starts
    Tomcat): only sh was executed, tomcat10 was kept in part, and its
    tomcat-update-policy.sh was gone. A package's script that was opened
    counts as run, its package kept; not a file of a package that is no
    script, nor one that is not executable."""
    for path, data, mode in (("/usr/libexec/tomcat10/tomcat-start.sh", "#!/bin/sh\n", 0o755),
                             ("/usr/libexec/tomcat10/tomcat-update-policy.sh", "#!/bin/sh\n", 0o755),
                             ("/usr/share/tomcat10/notes.sh", "#!/bin/sh\n", 0o644),
                             ("/usr/share/tomcat10/data.bin", "\x00data", 0o755),
                             ("/usr/share/other/extra.txt", "x", 0o644)):
        write(app_root, path, data, mode)
    dpkg(app_root, "tomcat10", "/usr/libexec/tomcat10/tomcat-start.sh",
         "/usr/libexec/tomcat10/tomcat-update-policy.sh")
    dpkg(app_root, "other", "/usr/share/tomcat10/notes.sh", "/usr/share/tomcat10/data.bin",
         "/usr/share/other/extra.txt")
    write(app_root, "/usr/bin/sh", "#!/bin/sh\n", 0o755)
    for opened, keeps in (("/usr/libexec/tomcat10/tomcat-start.sh", True),
                          ("/usr/share/tomcat10/notes.sh", False), ("/usr/share/tomcat10/data.bin", False)):
        trace = ["/usr/bin/sh", opened]
        events = records(("sh", "exec", "/usr/bin/sh"), ("sh", "openat", opened))
        kept = kept_at(app_root, "unit", tmp_path, trace, events).kept
        assert ("/usr/libexec/tomcat10/tomcat-update-policy.sh" in kept) == keeps, opened
        assert "/usr/share/other/extra.txt" not in kept, opened


def test_the_commands_of_packages_installed_on_purpose_that_were_dropped_are_said(tmp_path: Path):
    """A media worker's image had poppler-utils installed for its PDFs;
    no probe ran pdftoppm, it was dropped, and the next PDF job failed,
    "pdftoppm: not found". Such commands are not kept (an image's debugging
    tools would be), but said, with how to keep one; not those of a
    package installed as another's dependency, nor of one that ran."""
    app_root = tmp_path / "root"
    merged_usr(app_root)
    for program in ("/usr/bin/worker", "/usr/bin/pdftoppm", "/usr/bin/pdfinfo", "/usr/bin/gs"):
        write(app_root, program, "#!/bin/sh\n", 0o755)
    dpkg(app_root, "worker", "/usr/bin/worker", depends="ghostscript")
    dpkg(app_root, "poppler-utils", "/usr/bin/pdftoppm", "/usr/bin/pdfinfo", priority="optional")
    dpkg(app_root, "ghostscript", "/usr/bin/gs", priority="optional")
    trace = ["/usr/bin/worker"]
    report = kept_at(app_root, "unit", tmp_path, trace, records(("worker", "exec", trace[0])))
    assert "/usr/bin/pdftoppm" not in report.kept
    assert "poppler-utils (pdfinfo, pdftoppm)" in report.unused_commands
    assert "--include /usr/bin/pdfinfo" in report.unused_commands       # (none named as its package)
    assert report.unused_commands in report.warnings
    assert "worker" not in report.unused_commands.split(":", 1)[1].replace("--include", "")
    assert "ghostscript" not in report.unused_commands
    # one of them ran: the others are said, each (procps installed on purpose
    # on a Squid image, ps kept for an init script, and `pkill -HUP squid`
    # "not found", unsaid)
    trace = ["/usr/bin/worker", "/usr/bin/pdfinfo"]
    events = records(("worker", "exec", trace[0]), ("pdfinfo", "exec", trace[1]))
    partly = kept_at(app_root, "unit", tmp_path, trace, events).unused_commands
    assert partly.startswith("not kept, as nothing ran them: the other commands of 1 package(s) "
                             "installed on purpose, of which some are kept: poppler-utils (pdftoppm); "), \
        partly
    assert partly.endswith("keep one with --include (e.g. --include /usr/bin/pdftoppm)"), partly
    # (every command of it kept: nothing to say)
    both = ["/usr/bin/worker", "/usr/bin/pdfinfo", "/usr/bin/pdftoppm"]
    (tmp_path / "all").mkdir()
    assert kept_at(app_root, "unit", tmp_path / "all", both,
                   records(*(("w", "exec", p) for p in both))).unused_commands == ""
    # an image's own command, which no package installed (a RabbitMQ image's
    # client script in /usr/local/bin: "executable file not found"); not a
    # link to a package's program (/etc/alternatives'), nor from a host's root
    write(app_root, "/usr/local/bin/amqp-roundtrip", "#!/usr/bin/python3\n", 0o755)
    link(app_root, "/usr/bin/pdf", "/usr/bin/pdftoppm")
    src = Source(RootFS(app_root), "image test", {"PATH": "/usr/local/bin:/usr/bin"}, of_image=True)
    trace, events = both, records(*(("w", "exec", p) for p in both))
    own = pack.pack_files(src, trace, str(tmp_path / "own.tar"), resolve.Rules(), granularity="unit",
                          events=events)
    assert own.unused_commands.startswith("not kept, as nothing ran them: the image's own, of no "
                                          "package (amqp-roundtrip); keep one with --include "
                                          "(e.g. --include /usr/local/bin/amqp-roundtrip)")
    assert "amqp-roundtrip" not in kept_at(app_root, "unit", tmp_path, trace, events).unused_commands
    # a language's library installed on purpose, which nothing imported (that
    # script's python3-pika: "No module named 'pika'"); not one of which a file is kept
    site = "/usr/lib/python3/dist-packages"
    for f in (f"{site}/pika/__init__.py", f"{site}/pika/spec.py", f"{site}/yaml/__init__.py"):
        write(app_root, f, "x = 1\n")
    dpkg(app_root, "python3-pika", f"{site}/pika/__init__.py", f"{site}/pika/spec.py", priority="optional")
    dpkg(app_root, "python3-yaml", f"{site}/yaml/__init__.py", priority="optional")
    trace += [f"{site}/yaml/__init__.py"]
    events += records(("worker", "openat", f"{site}/yaml/__init__.py"))
    libraries = kept_at(app_root, "unit", tmp_path, trace, events)
    assert libraries.unused_libraries == (
        "not kept: the libraries of 1 package(s) installed on purpose, which nothing imported: "
        f"python3-pika (pika); keep one with --include (e.g. --include '{site}/pika*')")
    assert libraries.unused_libraries in libraries.warnings
    # also one with a command (python3-httpx's library, which FastAPI's
    # TestClient imports: only its command was said)
    write(app_root, f"{site}/httpx/__init__.py", "x = 1\n")
    write(app_root, "/usr/bin/httpx", "#!/usr/bin/python3\nimport httpx\n", 0o755)
    dpkg(app_root, "python3-httpx", f"{site}/httpx/__init__.py", "/usr/bin/httpx", priority="optional")
    both_said = kept_at(app_root, "unit", tmp_path, trace, events)
    assert "python3-httpx (httpx); python3-pika (pika)" in both_said.unused_libraries
    assert "python3-httpx (httpx)" in both_said.unused_commands, both_said.unused_commands
    # (not a debhelper addon beside a command: perl-openssl-defaults')
    write(app_root, "/usr/share/perl5/Debian/Debhelper/Sequence/perl_openssl.pm", "1;\n")
    write(app_root, "/usr/bin/dh_perl_openssl", "#!/usr/bin/perl\n", 0o755)
    dpkg(app_root, "perl-openssl-defaults", "/usr/share/perl5/Debian/Debhelper/Sequence/perl_openssl.pm",
         "/usr/bin/dh_perl_openssl", priority="optional")
    debhelper = kept_at(app_root, "unit", tmp_path, trace, events)
    assert "perl-openssl-defaults" not in debhelper.unused_libraries
    assert "perl-openssl-defaults (dh_perl_openssl)" in debhelper.unused_commands
    # and one of plugins or data, nothing of which was read (ffmpeg's af=ladspa:
    # cmt's /usr/lib/ladspa dropped, "Failed to load 'cmt'", unsaid)
    write(app_root, "/usr/lib/ladspa/cmt.so", "x")
    dpkg(app_root, "cmt", "/usr/lib/ladspa/cmt.so", priority="optional")
    plugins = kept_at(app_root, "unit", tmp_path, trace, events).unused_libraries
    assert "; and the files of 1 package(s) installed on purpose, plugins or data, which nothing read: " \
           "cmt (/usr/lib/ladspa); keep one with --include" in plugins, plugins


def test_a_file_of_its_own_package_a_loaded_module_names_is_kept(tmp_path: Path):
    """SpamAssassin's Mail/SpamAssassin.pm copies
    /usr/share/spamassassin/user_prefs.template to a user's first
    preferences; no probe was a user's first, and on the minified image
    spamd made none ("failed to create default user preference file"),
    its scans exit 0. A file of its own package a loaded module names by
    its absolute path comes; not another package's, nor documentation or
    code, nor what a module that was not loaded names."""
    root = tmp_path / "root"
    merged_usr(root)
    write(root, "/usr/bin/spamd", "#!/bin/sh\n", 0o755)
    module = "/usr/share/perl5/Mail/SpamAssassin.pm"
    write(root, module, "package Mail::SpamAssassin;\n"
                        "my @paths = ('/usr/share/spamassassin/user_prefs.template',\n"
                        "  '/usr/share/doc/spamassassin/README', '/usr/share/other/data.txt',\n"
                        "  '/usr/share/perl5/Mail/Other.pm');\n1;\n")
    write(root, "/usr/share/perl5/Mail/Unloaded.pm", "'/usr/share/spamassassin/unloaded.cf';\n1;\n")
    for path in ("/usr/share/spamassassin/user_prefs.template", "/usr/share/spamassassin/unloaded.cf",
                 "/usr/share/doc/spamassassin/README", "/usr/share/other/data.txt",
                 "/usr/share/perl5/Mail/Other.pm"):
        write(root, path, "x\n")
    dpkg(root, "spamd", "/usr/bin/spamd")
    dpkg(root, "spamassassin", module, "/usr/share/perl5/Mail/Unloaded.pm",
         "/usr/share/perl5/Mail/Other.pm", "/usr/share/spamassassin/user_prefs.template",
         "/usr/share/spamassassin/unloaded.cf", "/usr/share/doc/spamassassin/README")
    dpkg(root, "other", "/usr/share/other/data.txt")
    trace = ["/usr/bin/spamd", module]
    events = records(("spamd", "exec", trace[0]), ("spamd", "open", module))
    kept = kept_at(root, "unit", tmp_path, trace, events).kept
    assert "named by /usr/share/perl5/Mail/SpamAssassin.pm" \
        in kept["/usr/share/spamassassin/user_prefs.template"]
    for path in ("/usr/share/spamassassin/unloaded.cf", "/usr/share/doc/spamassassin/README",
                 "/usr/share/other/data.txt"):
        assert path not in kept, path
    assert "named by" not in kept.get("/usr/share/perl5/Mail/Other.pm", "")


def test_a_metapackage_installed_on_purpose_stands_for_what_it_depends_on(tmp_path: Path):
    """gnupg, installed for a signing service, is a metapackage: nothing
    but its documentation, depending on gpg, gpgsm and gnupg-utils, which
    each recommend it. gpg ran; gpgsm and gpgtar were dropped and nothing
    said so: none of them was a leaf. What a metapackage installed on
    purpose depends on is installed on purpose, a metapackage among them
    in turn; not what a package with files depends on."""
    root = tmp_path / "root"
    merged_usr(root)
    for program in ("/usr/bin/server", "/usr/bin/gpg", "/usr/bin/gpgsm", "/usr/bin/gpgtar",
                    "/usr/bin/dep-tool"):
        write(root, program, "#!/bin/sh\n", 0o755)
    write(root, "/usr/share/doc/gnupg/README", "docs\n")
    dpkg(root, "server", "/usr/bin/server", depends="libdep")
    write(root, "/usr/bin/base-tool", "#!/bin/sh\n", 0o755)
    dpkg(root, "base-tools", "/usr/bin/base-tool", essential=True, priority="required")
    dpkg(root, "gnupg", "/usr/share/doc/gnupg/README", depends="gpg, gnupg-tools, base-tools")
    dpkg(root, "gnupg-tools", depends="gpgsm, gnupg-utils")         # (nothing at all: a metapackage too)
    for package, program in (("gpg", "/usr/bin/gpg"), ("gpgsm", "/usr/bin/gpgsm"),
                             ("gnupg-utils", "/usr/bin/gpgtar")):
        dpkg(root, package, program, priority="optional", recommends="gnupg")
    write(root, "/usr/lib/libdep.so.1", "lib")
    dpkg(root, "libdep", "/usr/lib/libdep.so.1", depends="dep-tools")
    dpkg(root, "dep-tools", "/usr/bin/dep-tool", priority="optional")
    trace = ["/usr/bin/server", "/usr/bin/gpg"]
    events = records(("server", "exec", trace[0]), ("gpg", "exec", trace[1]))
    report = kept_at(root, "unit", tmp_path, trace, events)
    assert "gpgsm (gpgsm)" in report.unused_commands and "gnupg-utils (gpgtar)" in report.unused_commands, \
        report.unused_commands
    assert "dep-tools" not in report.unused_commands and "base-tool" not in report.unused_commands


def test_commands_of_packages_installed_on_purpose_a_program_suggests_or_shares_a_source_with(tmp_path: Path):
    """lighttpd suggests apache2-utils, for htpasswd, installed on purpose
    beside it; no probe ran htpasswd, and on the minified image an admin's
    next user could not be added ("executable file not found"). The
    commands of a package installed on purpose that the package of a
    program that ran suggests come, each alone, and those of one built
    from the same source (clamav-milter beside clamd); not those of one
    only another package's dependency, nor of one installed on purpose
    that is neither (said, as before); and a command of one installed on
    purpose named as a subcommand of a program that ran (`jupyter
    nbconvert` runs jupyter-nbconvert). What it recommends, installed with
    it, comes too, within the bound (Exim's image lost exim4-base's
    bsd-mailx: `mail` not found), and is said over it (Hugo's git, 12.6
    MB); a package of data installed on purpose that it suggests, whole
    (pandoc's libjs-katex: --katex failed)."""
    root = tmp_path / "root"
    merged_usr(root)
    for program in ("/usr/sbin/lighttpd", "/usr/bin/htpasswd", "/usr/bin/htdigest", "/usr/bin/spawn-fcgi",
                    "/usr/bin/rrdtool", "/usr/bin/monitor", "/usr/bin/curl", "/usr/sbin/spawn-angel",
                    "/usr/bin/test-lighty"):
        write(root, program, "#!/bin/sh\n", 0o755)
    dpkg(root, "lighttpd-angel", "/usr/sbin/spawn-angel", source="lighttpd", priority="optional")
    # a command that is a link to another package's program, with its own
    # configuration (Debian's redis-sentinel and /etc/redis/sentinel.conf)
    link(root, "/usr/bin/lighty-watch", "../sbin/lighttpd")
    write(root, "/etc/lighttpd/watch.conf", "x\n")
    dpkg(root, "lighttpd-watch", "/usr/bin/lighty-watch", "/etc/lighttpd/watch.conf", source="lighttpd",
         priority="optional", conffiles={"/etc/lighttpd/watch.conf": b"x\n"})
    # one that would add more than COMPANION_LIMIT (mariadb-server's tools
    # beside mariadbd, 52 MB): said, not kept
    write(root, "/usr/bin/lighty-check", "#!/bin/sh\n", 0o755)
    os.truncate(root / "usr/bin/lighty-check", expand.COMPANION_LIMIT + 1)
    dpkg(root, "lighttpd-check", "/usr/bin/lighty-check", source="lighttpd", priority="optional")
    write(root, "/usr/bin/lighttpd-stat", "#!/bin/sh\n", 0o755)
    dpkg(root, "lighty-stat", "/usr/bin/lighttpd-stat", priority="optional")     # (`lighttpd stat`)
    dpkg(root, "lighttpd-test", "/usr/bin/test-lighty", source="lighttpd", priority="optional")
    write(root, "/usr/bin/lighty-big", "#!/bin/sh\n", 0o755)
    os.truncate(root / "usr/bin/lighty-big", expand.COMPANION_LIMIT + 1)
    write(root, "/usr/bin/a-big-helper", "#!/bin/sh\n", 0o755)     # (first in order: no example)
    dpkg(root, "lighty-big", "/usr/bin/a-big-helper", "/usr/bin/lighty-big", priority="optional")
    write(root, "/usr/share/javascript/lighty/ui.js", "js")
    write(root, "/usr/share/javascript/other/ui.js", "js")
    dpkg(root, "libjs-lighty", "/usr/share/javascript/lighty/ui.js", priority="optional")
    dpkg(root, "libjs-other", "/usr/share/javascript/other/ui.js", priority="optional")
    # (libjs-other not on purpose: a dependency of one that is, and no
    # metapackage's, which would stand for it)
    write(root, "/usr/share/javascript/needed/ui.js", "x")
    dpkg(root, "libjs-needed", "/usr/share/javascript/needed/ui.js", priority="optional",
         depends="libjs-other")
    dpkg(root, "lighttpd", "/usr/sbin/lighttpd", recommends="spawn-fcgi, lighty-big",
         suggests="apache2-utils, rrdtool, libjs-lighty, libjs-other")
    dpkg(root, "apache2-utils", "/usr/bin/htpasswd", "/usr/bin/htdigest", priority="optional")
    dpkg(root, "spawn-fcgi", "/usr/bin/spawn-fcgi", priority="optional")
    dpkg(root, "rrdtool", "/usr/bin/rrdtool", priority="optional")
    dpkg(root, "monitor", "/usr/bin/monitor", depends="rrdtool, lighttpd-test", priority="optional")
    dpkg(root, "curl", "/usr/bin/curl", priority="optional")
    trace = ["/usr/sbin/lighttpd"]
    src = Source(RootFS(root), "test", {"PATH": "/usr/sbin:/usr/bin"})
    report = pack.pack_files(src, trace, str(tmp_path / "unit.tar"), resolve.Rules(), granularity="unit",
                             events=records(("lighttpd", "exec", trace[0])))
    for program in ("/usr/bin/htpasswd", "/usr/bin/htdigest"):
        assert "which lighttpd suggests" in report.kept[program], program
    assert "built from the same source as lighttpd" in report.kept["/usr/sbin/spawn-angel"]
    assert "/usr/bin/lighty-watch" in report.kept
    assert "configuration of lighttpd-watch" in report.kept["/etc/lighttpd/watch.conf"]
    assert "subcommands of a program that ran" in report.kept["/usr/bin/lighttpd-stat"]
    assert "/usr/bin/lighty-check" not in report.kept
    assert "lighttpd-check (lighty-check)" in report.unused_commands
    for program in ("/usr/bin/rrdtool", "/usr/bin/curl", "/usr/bin/test-lighty", "/usr/bin/lighty-big",
                    "/usr/share/javascript/other/ui.js"):
        assert program not in report.kept, program
    assert "curl (curl)" in report.unused_commands and "apache2-utils" not in report.unused_commands
    assert "spawn-fcgi, which lighttpd recommends: a companion" in report.kept["/usr/bin/spawn-fcgi"]
    assert "libjs-lighty, which lighttpd suggests, installed on purpose" \
        in report.kept["/usr/share/javascript/lighty/ui.js"]
    assert "lighty-big (lighttpd recommends it; 4.2 MB)" in report.unkept_companions
    assert "--include /usr/bin/lighty-big" in report.unkept_companions
    assert report.unkept_companions in report.warnings
    # (not said when a rule keeps it after all: pandoc's CSL styles, which the
    # application's code names)
    write(root, "/srv/app/run.sh", "#!/bin/sh\nlighty-big --check\n", 0o755)
    report = pack.pack_files(src, [*trace, "/srv/app/run.sh"], str(tmp_path / "unit2.tar"), resolve.Rules(),
                             granularity="unit", events=records(("lighttpd", "exec", trace[0]),
                                                                ("run.sh", "exec", "/srv/app/run.sh")))
    assert "/usr/bin/lighty-big" in report.kept and "lighty-big" not in report.unkept_companions


def test_a_companions_compiled_programs_come_without_its_costly_scripts(tmp_path: Path):
    """lighttpd suggests openssl, installed on purpose: its c_rehash, a Perl
    script, brings 8.6 MB of Perl, and the 1 MB openssl went with it
    (`openssl req`: not found). Over the bound, a companion's compiled
    programs come alone when they fit; its scripts are said. Not a
    package whose compiled programs are over the bound too."""
    root, lib = compiled_root(tmp_path)
    for d in ("usr/bin", "usr/sbin", "usr/share/perl5/Big"):
        (root / d).mkdir(parents=True, exist_ok=True)
    for name in ("usr/sbin/server", "usr/bin/openssl", "usr/bin/bigssl"):
        cc(root / name, "int main(void){return 0;}")
    os.truncate(root / "usr/bin/bigssl", expand.COMPANION_LIMIT + 1)
    write(root, "/usr/bin/c_rehash", "#!/usr/bin/perl\nuse Big::Front;\n", 0o755)
    write(root, "/usr/bin/big_rehash", "#!/usr/bin/perl\nuse Big::Front;\n", 0o755)
    write(root, "/usr/share/perl5/Big/Front.pm", "package Big::Front;\n1;\n")
    os.truncate(root / "usr/share/perl5/Big/Front.pm", expand.COMPANION_LIMIT + 1)
    dpkg(root, "server", "/usr/sbin/server", suggests="openssl, bigssl")
    dpkg(root, "openssl", "/usr/bin/openssl", "/usr/bin/c_rehash", priority="optional")
    dpkg(root, "bigssl", "/usr/bin/bigssl", "/usr/bin/big_rehash", priority="optional")
    dpkg(root, "libbig-perl", "/usr/share/perl5/Big/Front.pm", priority="optional")
    write(root, "/var/lib/apt/extended_states", "Package: libbig-perl\nArchitecture: amd64\n"
                                               "Auto-Installed: 1\n\n")
    assert lib.is_dir()
    report = kept_at(root, "unit", tmp_path, ["/usr/sbin/server"],
                     records(("server", "exec", "/usr/sbin/server")))
    assert "openssl, installed on purpose, which server suggests" in report.kept.get("/usr/bin/openssl", "")
    assert "/usr/bin/c_rehash" not in report.kept and "/usr/share/perl5/Big/Front.pm" not in report.kept
    assert "openssl (c_rehash)" in report.unused_commands, report.unused_commands
    assert "/usr/bin/bigssl" not in report.kept and "bigssl (bigssl, big_rehash)" in report.unused_commands


def test_a_companions_cost_counts_the_modules_its_scripts_load(tmp_path: Path):
    """perl's commands, installed on purpose beside perl-base's perl that
    ran, were costed at their own bytes and brought 6.6 MB of modules
    (cpan loads CPAN, prove TAP::Parser) to a 28.6 MB image. A companion's
    cost counts the library units its Perl and Ruby scripts load, in
    turn: over the bound it is said, not kept."""
    root = tmp_path / "root"
    merged_usr(root)
    write(root, "/usr/bin/server", "#!/bin/sh\n", 0o755)
    write(root, "/usr/bin/bigtool", "#!/usr/bin/perl\nuse Big::Front;\n", 0o755)
    write(root, "/usr/bin/smalltool", "#!/usr/bin/perl\nuse strict;\n", 0o755)
    write(root, "/usr/share/perl5/Big/Front.pm", "package Big::Front;\nuse Big::Back;\n1;\n")
    write(root, "/usr/share/perl5/Big/Back.pm", "1;\n")
    os.truncate(root / "usr/share/perl5/Big/Back.pm", expand.COMPANION_LIMIT + 1)
    dpkg(root, "server", "/usr/bin/server", source="suite")
    dpkg(root, "suite-big", "/usr/bin/bigtool", source="suite", priority="optional")
    dpkg(root, "suite-small", "/usr/bin/smalltool", source="suite", priority="optional")
    dpkg(root, "libbig-perl", "/usr/share/perl5/Big/Front.pm", "/usr/share/perl5/Big/Back.pm",
         priority="optional")
    write(root, "/var/lib/apt/extended_states", "Package: libbig-perl\nArchitecture: amd64\n"
                                               "Auto-Installed: 1\n\n")
    trace = ["/usr/bin/server"]
    report = kept_at(root, "unit", tmp_path, trace, records(("server", "exec", trace[0])))
    assert "/usr/bin/bigtool" not in report.kept and "/usr/share/perl5/Big/Back.pm" not in report.kept
    assert "suite-big (bigtool)" in report.unused_commands, report.unused_commands
    assert "built from the same source as server" in report.kept["/usr/bin/smalltool"]


def test_what_programs_that_ran_recommend_comes_within_one_budget_each(tmp_path: Path):
    """exim4-base, of Exim's source, which exim4-daemon-light depends on,
    recommends bsd-mailx: `mail` was "not found" on the minified image. A
    package of data installed on purpose that pandoc suggests comes with
    the data it depends on (libjs-katex's fonts: --katex failed). One
    budget of COMPANION_LIMIT for each package that ran: the second of two
    recommended packages of 2.5 MB is said, not kept. A package one that
    ran suggests and another recommends is the latter's."""
    root = tmp_path / "root"
    merged_usr(root)
    for program in ("/usr/sbin/exim4", "/usr/bin/bsd-mailx", "/usr/bin/mid-one", "/usr/bin/mid-two",
                    "/usr/bin/pandoc", "/usr/bin/aaa", "/usr/bin/bbb", "/usr/bin/toolx"):
        write(root, program, "#!/bin/sh\n", 0o755)
    for program in ("mid-one", "mid-two"):
        os.truncate(root / f"usr/bin/{program}", 5 << 19)         # (2.6 MB each)
    write(root, "/usr/share/javascript/katex/katex.min.js", "js")
    write(root, "/usr/share/fonts/truetype/katex/KaTeX_Main.ttf", "ttf")
    dpkg(root, "exim4-daemon-light", "/usr/sbin/exim4", source="exim4", depends="exim4-base")
    dpkg(root, "exim4-base", source="exim4", recommends="bsd-mailx, mid-one, mid-two")
    dpkg(root, "bsd-mailx", "/usr/bin/bsd-mailx", priority="optional")
    dpkg(root, "mid-one", "/usr/bin/mid-one", priority="optional")
    dpkg(root, "mid-two", "/usr/bin/mid-two", priority="optional")
    dpkg(root, "pandoc", "/usr/bin/pandoc", suggests="libjs-katex")
    dpkg(root, "libjs-katex", "/usr/share/javascript/katex/katex.min.js", depends="fonts-katex, katex-dev",
         priority="optional")
    # (a package of C headers is a compiler's input, no data a program reads)
    write(root, "/usr/include/katex.h", "int katex;")
    dpkg(root, "katex-dev", "/usr/include/katex.h", priority="optional")
    dpkg(root, "fonts-katex", "/usr/share/fonts/truetype/katex/KaTeX_Main.ttf", priority="optional")
    dpkg(root, "aaa", "/usr/bin/aaa", suggests="toolx")
    dpkg(root, "bbb", "/usr/bin/bbb", recommends="toolx")
    dpkg(root, "toolx", "/usr/bin/toolx", priority="optional")
    # (the recommended ones came with what recommends them, as apt records)
    write(root, "/var/lib/apt/extended_states", "".join(
        f"Package: {name}\nArchitecture: amd64\nAuto-Installed: 1\n\n"
        for name in ("bsd-mailx", "mid-one", "mid-two", "toolx")))
    trace = ["/usr/sbin/exim4", "/usr/bin/pandoc", "/usr/bin/aaa", "/usr/bin/bbb"]
    src = Source(RootFS(root), "test", {"PATH": "/usr/sbin:/usr/bin"})
    report = pack.pack_files(src, trace, str(tmp_path / "unit.tar"), resolve.Rules(), granularity="unit",
                             events=records(*((posixpath.basename(p), "exec", p) for p in trace)))
    assert "bsd-mailx, which exim4-base recommends" in report.kept["/usr/bin/bsd-mailx"]
    assert "/usr/share/javascript/katex/katex.min.js" in report.kept
    assert "/usr/share/fonts/truetype/katex/KaTeX_Main.ttf" in report.kept
    assert "/usr/include/katex.h" not in report.kept
    assert "toolx, which bbb recommends" in report.kept["/usr/bin/toolx"]
    assert "/usr/bin/mid-one" in report.kept and "/usr/bin/mid-two" not in report.kept
    assert "mid-two (exim4-base recommends it; 2.6 MB)" in report.unkept_companions


def test_update_alternatives_kept_keeps_the_records_of_the_kept_alternatives(tmp_path: Path):
    """php-fpm's socket helper kept update-alternatives, without dpkg's
    records of the alternatives: `update-alternatives --set php
    /usr/bin/php8.2` said "no alternatives for php", exit 2. Where it is
    kept, the record of each alternative whose link is kept comes; not
    another's, and none where update-alternatives is not kept."""
    root = toolbox_root(tmp_path)
    for program in ("/usr/bin/php8.2", "/usr/bin/update-alternatives", "/usr/bin/vim.basic"):
        write(root, program, "#!/bin/sh\n", 0o755)
    link(root, "/etc/alternatives/php", "/usr/bin/php8.2")
    link(root, "/usr/bin/php", "/etc/alternatives/php")
    link(root, "/etc/alternatives/vi", "/usr/bin/vim.basic")
    for name in ("php", "vi"):
        write(root, f"/var/lib/dpkg/alternatives/{name}", "auto\n")
    dpkg(root, "php8.2-cli", "/usr/bin/php8.2")
    dpkg(root, "dpkg", "/usr/bin/update-alternatives", essential=True)
    trace = ["/usr/bin/php", "/usr/bin/update-alternatives"]
    events = records(("php", "exec", "/usr/bin/php"), ("sh", "exec", "/usr/bin/update-alternatives"))
    kept = kept_at(root, "unit", tmp_path, trace, events).kept
    assert "/var/lib/dpkg/alternatives/php" in kept and "/var/lib/dpkg/alternatives/vi" not in kept
    (tmp_path / "without").mkdir()
    assert "/var/lib/dpkg/alternatives/php" not in kept_at(root, "unit", tmp_path / "without", trace[:1],
                                                         events[:1]).kept


def test_a_kept_script_brings_the_files_of_its_own_package_it_names(tmp_path: Path):
    """Apache recommends ssl-cert, whose make-ssl-cert was kept as its
    companion, without /usr/share/ssl-cert/ssleay.cnf, which it edits a
    copy of: "sed: can't read", exit 2, the old certificate left in
    place. A file under /usr/share of the script's own package that it
    names comes; not one it does not name, nor another package's."""
    root = toolbox_root(tmp_path)
    (root / "usr/sbin").mkdir(parents=True, exist_ok=True)
    write(root, "/usr/sbin/apache2", "#!/bin/sh\n", 0o755)
    write(root, "/usr/sbin/make-ssl-cert", "#!/bin/sh\nTEMPLATE=/usr/share/ssl-cert/ssleay.cnf\n"
          'sed -e s/@HostName@/x/ $TEMPLATE > "$TMP"\ncat /usr/share/other/notes.txt\n'
          'echo "see /usr/share/doc/ssl-cert/README"\n', 0o755)
    write(root, "/usr/share/doc/ssl-cert/README", "x\n")
    write(root, "/usr/share/ssl-cert/ssleay.cnf", "[ req ]\n")
    write(root, "/usr/share/ssl-cert/unnamed.cnf", "x\n")
    write(root, "/usr/share/other/notes.txt", "x\n")
    dpkg(root, "apache2", "/usr/sbin/apache2", recommends="ssl-cert")
    dpkg(root, "ssl-cert", "/usr/sbin/make-ssl-cert", "/usr/share/ssl-cert/ssleay.cnf",
         "/usr/share/ssl-cert/unnamed.cnf", "/usr/share/doc/ssl-cert/README", priority="optional")
    write(root, "/usr/bin/other", "#!/bin/sh\n", 0o755)
    dpkg(root, "other", "/usr/bin/other", "/usr/share/other/notes.txt")
    src = Source(RootFS(root), "test", {"PATH": "/usr/sbin:/usr/bin"})
    kept = pack.pack_files(src, ["/usr/sbin/apache2"], str(tmp_path / "unit.tar"), resolve.Rules(),
                           granularity="unit", events=records(("apache2", "exec", "/usr/sbin/apache2"))).kept
    assert "ssl-cert, which apache2 recommends" in kept["/usr/sbin/make-ssl-cert"]
    assert "named by /usr/sbin/make-ssl-cert" in kept.get("/usr/share/ssl-cert/ssleay.cnf", "")
    assert "/usr/share/ssl-cert/unnamed.cnf" not in kept and "/usr/share/other/notes.txt" not in kept
    assert "/usr/share/doc/ssl-cert/README" not in kept         # (what a message points to)


def test_the_gems_a_debian_packaged_gem_needs_come_with_it(tmp_path: Path):
    """Debian installs a gem's code in vendor_ruby and its gemspec in
    rubygems-integration. Jekyll requires jekyll-watch by a name it holds
    in a variable, and `jekyll serve` said "cannot load such file --
    jekyll-watch" on a minified image. The gems a used gem's gemspec says
    it needs at run time come, and what those need; not a development
    dependency its branch for old rubygems declares with add_dependency."""
    root = toolbox_root(tmp_path)
    vendor, specs = "/usr/lib/ruby/vendor_ruby", "/usr/share/rubygems-integration/all/specifications"
    write(root, "/usr/bin/ruby", "#!/bin/sh\n", 0o755)
    write(root, "/usr/bin/jekyll", "#!/usr/bin/ruby\nrequire 'jekyll'\n", 0o755)
    runtime = ("  if s.respond_to? :add_runtime_dependency then\n"
               "    s.add_runtime_dependency(%q<{dep}>.freeze, [\"~> 2.0\"])\n"
               "    s.add_development_dependency(%q<rake>.freeze, [\">= 0\"])\n"
               "  else\n    s.add_dependency(%q<{dep}>.freeze)\n"
               "    s.add_dependency(%q<rake>.freeze)\n  end\n")
    for gem, version, dep in (("jekyll", "4.3.1", "jekyll-watch"), ("jekyll-watch", "2.2.1", "listen"),
                              ("listen", "3.7.0", "ffi-none"), ("rake", "13.0.6", "none")):
        write(root, f"{specs}/{gem}-{version}.gemspec", "Gem::Specification.new do |s|\n"
              + runtime.replace("{dep}", dep) + "end\n")
        write(root, f"{vendor}/{gem}.rb", "# code\n")
    dpkg(root, "ruby", "/usr/bin/ruby")
    dpkg(root, "jekyll", "/usr/bin/jekyll", f"{vendor}/jekyll.rb", f"{specs}/jekyll-4.3.1.gemspec")
    write(root, "/usr/include/ruby-3.1.0/vendor_ruby/listen.h", "/* for extensions */\n")
    for gem, package, version in (("jekyll-watch", "ruby-jekyll-watch", "2.2.1"),
                                  ("listen", "ruby-listen", "3.7.0"), ("rake", "rake", "13.0.6")):
        extra = ["/usr/include/ruby-3.1.0/vendor_ruby/listen.h"] if gem == "listen" else []
        dpkg(root, package, f"{vendor}/{gem}.rb", f"{specs}/{gem}-{version}.gemspec", *extra)
    # (RubyGems reads every gemspec at its start)
    gemspecs = [f"{specs}/{p.name}" for p in sorted((root / specs.lstrip("/")).iterdir())]
    trace = ["/usr/bin/jekyll", f"{vendor}/jekyll.rb", *gemspecs]
    events = records(("ruby", "exec", "/usr/bin/jekyll"), *(("ruby", "openat", p) for p in trace[1:]))
    kept = kept_at(root, "unit", tmp_path, trace, events).kept
    assert "gem jekyll-watch, which" in kept.get(f"{vendor}/jekyll-watch.rb", "")
    assert f"{vendor}/listen.rb" in kept                # (what that one needs)
    assert "/usr/include/ruby-3.1.0/vendor_ruby/listen.h" not in kept     # (a header, for building)
    assert f"{vendor}/rake.rb" not in kept               # (a development dependency)


def test_a_companion_kept_for_the_user_to_run_brings_what_it_runs(tmp_path: Path):
    """rsyslog recommends logrotate, kept alone as its companion; logrotate
    compresses with /bin/gzip, a name compiled into it, and its second
    rotation failed, "cannot execute compress command '/bin/gzip'". A
    companion counts as run for what a program that ran brings."""
    root, lib = compiled_root(tmp_path)
    for d in ("usr/bin", "usr/sbin"):
        (root / d).mkdir(parents=True, exist_ok=True)
    link(root, "/bin", "usr/bin")
    cc(root / "usr/sbin/rsyslogd", "int main(void){return 0;}")
    cc(root / "usr/sbin/logrotate", "#include <unistd.h>\nint main(int c, char **v) {\n"
       '    char *a[] = {"/bin/gzip", 0};\n    return c > 3 ? execv(a[0], a) : 0;\n}\n')
    cc(root / "usr/bin/gzip", "int main(void){return 0;}")
    dpkg(root, "libc6", "/usr/lib/x86_64-linux-gnu/libc.so.6",
         "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", priority="required")
    dpkg(root, "rsyslog", "/usr/sbin/rsyslogd", depends="libc6", recommends="logrotate")
    dpkg(root, "logrotate", "/usr/sbin/logrotate", depends="libc6", priority="important")
    dpkg(root, "gzip", "/usr/bin/gzip", essential=True)
    assert lib.is_dir()
    src = Source(RootFS(root), "test", {"PATH": "/usr/sbin:/usr/bin"})
    ran = records(("rsyslogd", "exec", "/usr/sbin/rsyslogd"))
    kept = pack.pack_files(src, ["/usr/sbin/rsyslogd"], str(tmp_path / "unit.tar"), resolve.Rules(),
                           granularity="unit", events=ran).kept
    assert "logrotate, which rsyslog recommends" in kept["/usr/sbin/logrotate"]
    assert "a name compiled into it" in kept.get("/usr/bin/gzip", ""), kept.get("/usr/bin/gzip")


def test_a_program_a_kept_librarys_python_code_runs_by_its_absolute_name(app_root: Path, tmp_path: Path):
    """ctypes.util's find_library runs /sbin/ldconfig -p; without it
    threadpoolctl found no BLAS, and sklearn's show_versions said none,
    exit 0. A program a kept module's code runs by an absolute name comes,
    alone; not one it names by a bare name (webbrowser's dozen browsers,
    ctypes.util's gcc)."""
    lib = "/usr/lib/python3.11"
    write(app_root, f"{lib}/ctypes/__init__.py", "")
    write(app_root, f"{lib}/ctypes/util.py", "import subprocess\n"
                                             "def _ldconfig():\n"
                                             "    return subprocess.run(['/sbin/ldconfig', '-p'])\n"
                                             "def _gcc():\n    return subprocess.run(['gcc', '-x'])\n")
    dpkg(app_root, "libpython3.11-stdlib", f"{lib}/ctypes/__init__.py", f"{lib}/ctypes/util.py")
    write(app_root, "/sbin/ldconfig", "#!/bin/sh\n", 0o755)
    write(app_root, "/usr/bin/gcc", "#!/bin/sh\n", 0o755)
    dpkg(app_root, "libc-bin", "/sbin/ldconfig")
    dpkg(app_root, "gcc", "/usr/bin/gcc")
    write(app_root, "/app/web.py", "import ctypes.util\n")
    loaded = ["/app/web.py", f"{lib}/ctypes/__init__.py", f"{lib}/ctypes/util.py"]
    events = records(*(("python3", "openat", p) for p in loaded))
    kept = kept_at(app_root, "unit", tmp_path, loaded, events).kept
    assert "/sbin/ldconfig" in kept and f"code {lib}/ctypes/util.py" in kept["/sbin/ldconfig"]
    assert "/usr/bin/gcc" not in kept


def test_an_alternative_used_does_not_bring_every_other(app_root: Path, tmp_path: Path):
    """/etc/alternatives was one tree of files no package owns: numpy's
    libblas.so.3 through it kept every alternative's target, a 58 MB
    static libopenblas.a and a gcc driver among them. Each link is its own."""
    lib = "/usr/lib/x86_64-linux-gnu"
    write(app_root, f"{lib}/openblas/libblas.so.3", "so")
    write(app_root, f"{lib}/openblas/libopenblas.a", "a" * 4096)
    dpkg(app_root, "libopenblas0", f"{lib}/openblas/libblas.so.3")
    dpkg(app_root, "libopenblas-dev", f"{lib}/openblas/libopenblas.a")
    dpkg(app_root, "dpkg", "/etc/alternatives/README")
    write(app_root, "/etc/alternatives/README", "x")
    link(app_root, "/etc/alternatives/libblas.so.3", f"{lib}/openblas/libblas.so.3")
    link(app_root, "/etc/alternatives/libopenblas.a", f"{lib}/openblas/libopenblas.a")
    link(app_root, f"{lib}/libblas.so.3", "/etc/alternatives/libblas.so.3")
    trace = [f"{lib}/libblas.so.3"]
    kept = kept_at(app_root, "unit", tmp_path, trace, records(("python3", "openat", trace[0]))).kept
    assert "/etc/alternatives/libblas.so.3" in kept and f"{lib}/openblas/libblas.so.3" in kept
    assert "/etc/alternatives/libopenblas.a" not in kept and f"{lib}/openblas/libopenblas.a" not in kept


def test_the_empty_directories_of_the_image_are_kept(app_root: Path, tmp_path: Path):
    """`docker cp ca.crt c:/usr/local/share/ca-certificates/` failed on a
    minified Tomcat: the empty directory was dropped. An empty directory
    in one of the hierarchy's own directories costs nothing and is kept;
    not one with something in it, nor one deeper in a tree (a cache's
    entry is the cache's), nor at the file level."""
    (app_root / "usr/local/share/ca-certificates").mkdir(parents=True)
    (app_root / "srv/empty").mkdir(parents=True)
    (app_root / "srv/data/empty").mkdir(parents=True)
    write(app_root, "/opt/full/file.txt", "x")
    kept = kept_at(app_root, "unit", tmp_path).kept
    assert "/usr/local/share/ca-certificates" in kept and "/srv/empty" in kept
    assert "/srv/data/empty" not in kept
    assert "/opt/full" not in kept and "/opt/full/file.txt" not in kept
    assert "/usr/local/share/ca-certificates" not in kept_at(app_root, "file", tmp_path).kept


def test_the_standard_librarys_build_directory_is_no_module(app_root: Path, tmp_path: Path):
    """sysconfig read config-3.11-x86_64-linux-gnu/Makefile on a Python
    data image, and the directory counted as a module of the standard
    library, kept whole: 25 MB of static libpython. A directory no import
    can name is no module; what was read of it stays."""
    lib = "/usr/lib/python3.11"
    config = f"{lib}/config-3.11-x86_64-linux-gnu"
    for path in (f"{config}/Makefile", f"{config}/libpython3.11.a", f"{lib}/json/__init__.py",
                 f"{lib}/json/decoder.py"):
        write(app_root, path, "x")
    dpkg(app_root, "libpython3.11-stdlib", f"{lib}/json/__init__.py", f"{lib}/json/decoder.py")
    dpkg(app_root, "libpython3.11-dev", f"{config}/Makefile", f"{config}/libpython3.11.a")
    trace = [f"{config}/Makefile", f"{lib}/json/__init__.py"]
    events = records(*(("python3", "openat", p) for p in trace))
    kept = kept_at(app_root, "unit", tmp_path, trace, events).kept
    assert f"{config}/Makefile" in kept and f"{config}/libpython3.11.a" not in kept
    assert f"{lib}/json/decoder.py" in kept        # (a package of it is still one unit)


def test_dpkg_conffiles_are_read_with_their_checksums():
    value = (" /etc/gitweb.conf 0123456789abcdef0123456789abcdef\n"
             " /etc/old.conf fedcba9876543210fedcba9876543210 obsolete\n"
             " /etc/new.conf newconffile\n"
             " /etc/x/y.conf aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa remove-on-upgrade")
    assert packages.dpkg_conffiles(value.replace("\n", " ")) == {
        "/etc/gitweb.conf": "0123456789abcdef0123456789abcdef",
        "/etc/x/y.conf": "a" * 32}


def test_a_git_servers_gitweb_keeps_what_its_code_and_its_admin_chose(tmp_path: Path):
    """gitweb on a minified git server: every page said "404 - No such
    project" (/etc/gitweb.conf, edited to name the repositories, read by no
    probe), blob views "Reading blob failed" (highlight, named by
    `$highlight_bin = "highlight"`, and the file types its data package
    has), .tar.bz2 and .tar.xz snapshots empty (bzip2 and xz, which git
    does not depend on: installed on purpose), .py served as text/plain
    (/etc/mime.types of media-types). Status 200 every time. Not kept: a
    conffile as installed, a package installed on purpose nothing names."""
    root = tmp_path / "root"
    merged_usr(root)
    cgi = "/usr/share/gitweb/gitweb.cgi"
    write(root, "/usr/bin/perl", "#!/bin/sh\n", 0o755)
    dpkg(root, "perl-base", "/usr/bin/perl", essential=True)
    write(root, "/usr/bin/git", "#!/bin/sh\n", 0o755)
    write(root, cgi, "#!/usr/bin/perl\nour $highlight_bin = \"highlight\";\n"
                     "our %known_snapshot_formats = ('tbz2' => { 'compressor' => ['bzip2'] },\n"
                     "  'txz' => { 'compressor' => ['xz'] });\n"
                     "open my $fh, '<', \"/etc/mime.types\";\n"
                     "my $key = '/usr/share/dns/root.key'; my $doc = '/usr/share/misc/tool.txt';\n"
                     "my $own = '/usr/share/misc/own.txt';\n", 0o755)
    dpkg(root, "git", "/usr/bin/git", cgi, depends="perl-base")
    # (a file of a package of data under /usr/share, as unbound's helper names
    # /usr/share/dns/root.key; not one of a package of programs)
    write(root, "/usr/share/dns/root.key", ". IN DS 20326 8 2 E06D\n")
    dpkg(root, "dns-root-data", "/usr/share/dns/root.key", priority="optional")
    write(root, "/usr/share/misc/tool.txt", "x")
    write(root, "/usr/bin/tool", "#!/bin/sh\n", 0o755)
    dpkg(root, "tool", "/usr/bin/tool", "/usr/share/misc/tool.txt")
    write(root, "/usr/share/misc/own.txt", "x")          # (of no package: not by this rule)
    write(root, "/etc/gitweb.conf", "$projectroot = '/srv/git';\n")
    write(root, "/etc/gitweb-other.conf", "# as installed\n")
    dpkg(root, "gitweb", "/etc/gitweb.conf", "/etc/gitweb-other.conf", depends="git",
         conffiles={"/etc/gitweb.conf": b"# $projectroot = '/pub/git';\n",
                    "/etc/gitweb-other.conf": b"# as installed\n"})
    for package, program in (("bzip2", "/usr/bin/bzip2"), ("xz-utils", "/usr/bin/xz"),
                             ("ncdu", "/usr/bin/ncdu")):
        write(root, program, "#!/bin/sh\n", 0o755)
        dpkg(root, package, program, priority="optional")
    write(root, "/usr/bin/highlight", "#!/bin/sh\n", 0o755)
    dpkg(root, "highlight", "/usr/bin/highlight", depends="highlight-common", priority="optional")
    write(root, "/usr/share/highlight/filetypes.conf", "FileMapping={}\n")
    dpkg(root, "highlight-common", "/usr/share/highlight/filetypes.conf", priority="optional")
    write(root, "/etc/mime.types", "text/x-python py\n")
    dpkg(root, "media-types", "/etc/mime.types", priority="standard")
    trace = ["/usr/bin/git", cgi]
    report = kept_at(root, "unit", tmp_path, trace,
                     records(("git", "exec", "/usr/bin/git"), ("gitweb.cgi", "exec", cgi)))
    kept = report.kept
    assert "/etc/gitweb.conf" in kept and "edited" in kept["/etc/gitweb.conf"]
    assert "/etc/gitweb-other.conf" not in kept
    for program in ("/usr/bin/bzip2", "/usr/bin/xz", "/usr/bin/highlight"):
        assert program in kept, program
    assert "/usr/share/highlight/filetypes.conf" in kept
    assert "/etc/mime.types" in kept and cgi in kept["/etc/mime.types"]
    assert "/usr/share/dns/root.key" in kept and cgi in kept["/usr/share/dns/root.key"]
    assert "/usr/share/misc/tool.txt" not in kept and "/usr/share/misc/own.txt" not in kept
    assert "/usr/bin/ncdu" not in kept and "ncdu" in report.unused_commands


def test_a_program_kept_alone_comes_with_its_packages_configuration(tmp_path: Path):
    """mail, kept beside Dovecot because its init script names it, came
    without bsd-mailx's /etc/mail.rc: `mail -f` then showed every header
    the original hides. Its package's configuration files come with it,
    not the rest of the package."""
    root = tmp_path / "root"
    merged_usr(root)
    write(root, "/usr/bin/sh", "#!/usr/bin/sh\n", 0o755)
    dpkg(root, "dash", "/bin/sh", essential=True)
    write(root, "/usr/sbin/dovecot", "#!/bin/sh\n", 0o755)
    write(root, "/etc/init.d/dovecot", "#!/bin/sh\nmailx -V\nmail -s 'dovecot started' root </dev/null\n",
          0o755)
    dpkg(root, "dovecot-core", "/usr/sbin/dovecot", "/etc/init.d/dovecot")
    write(root, "/usr/bin/bsd-mailx", "#!/bin/sh\n", 0o755)
    link(root, "/usr/bin/mail", "bsd-mailx")
    link(root, "/usr/bin/mailx", "bsd-mailx")
    write(root, "/etc/mail.rc", "ignore received message-id\n")
    write(root, "/usr/share/bsd-mailx/mail.help", "help\n")
    write(root, "/etc/default/mailerd", "ENABLED=0\n")
    dpkg(root, "bsd-mailx", "/usr/bin/bsd-mailx", "/usr/bin/mail", "/usr/bin/mailx", "/etc/mail.rc",
         "/usr/share/bsd-mailx/mail.help", "/etc/default/mailerd", depends="libc6",
         conffiles={"/etc/mail.rc": b"ignore received message-id\n", "/etc/default/mailerd": b"ENABLED=0\n"})
    trace = ["/usr/sbin/dovecot"]
    kept = kept_at(root, "unit", tmp_path, trace, records(("dovecot", "exec", trace[0]))).kept
    assert "/usr/bin/bsd-mailx" in kept
    assert "/etc/mail.rc" in kept and "configuration of bsd-mailx" in kept["/etc/mail.rc"]
    assert "/etc/default/mailerd" not in kept       # another program's (by its name)
    # (the directory of /usr/share named as it, its data: see below)
    assert "data of bsd-mailx" in kept["/usr/share/bsd-mailx/mail.help"]
    # also by a name /etc/alternatives gives it, where it is kept by its own name
    # (bsd-mailx, exim4-base's companion: `mail` showed the headers the original hides)
    for name in ("mail", "mailx"):
        (root / f"usr/bin/{name}").unlink()
        link(root, f"/etc/alternatives/{name}", "/usr/bin/bsd-mailx")
        link(root, f"/usr/bin/{name}", f"/etc/alternatives/{name}")
    dpkg(root, "bsd-mailx", "/usr/bin/bsd-mailx", "/etc/mail.rc", "/usr/share/bsd-mailx/mail.help",
         "/etc/default/mailerd", depends="libc6")
    write(root, "/etc/init.d/dovecot", "#!/bin/sh\nbsd-mailx -V\n", 0o755)
    kept = kept_at(root, "unit", tmp_path, trace, records(("dovecot", "exec", trace[0]))).kept
    assert "/usr/bin/bsd-mailx" in kept and "/etc/mail.rc" in kept and "/etc/default/mailerd" not in kept
    # by its plural too (sudo's /etc/sudoers: with --include /usr/bin/sudo, as
    # a warning advised, "unable to open /etc/sudoers"), not by any longer word
    conf = {"/etc/sudoers": b"root ALL=(ALL) ALL\n", "/etc/sudoers.d/README": b"#\n",
            "/etc/sudonyms.conf": b"x\n"}
    # (a name of fewer than four letters by itself only: ps is no "psrs")
    write(root, "/usr/bin/ps", "#!/bin/sh\n", 0o755)
    write(root, "/etc/psrs", "x\n")
    dpkg(root, "procps", "/usr/bin/ps", "/etc/psrs", conffiles={"/etc/psrs": b"x\n"})
    for path, data in conf.items():
        write(root, path, data)
    write(root, "/usr/bin/sudo", "#!/bin/sh\n", 0o755)
    dpkg(root, "sudo", "/usr/bin/sudo", *conf, conffiles=conf)
    kept = kept_at(root, "unit", tmp_path, trace, records(("dovecot", "exec", trace[0])),
                   resolve.Rules(include=["/usr/bin/sudo", "/usr/bin/ps"])).kept
    assert "/etc/sudoers" in kept and "/etc/sudoers.d/README" in kept and "/etc/sudonyms.conf" not in kept
    assert "/usr/bin/ps" in kept and "/etc/psrs" not in kept


def toolbox_root(tmp_path: Path) -> Path:
    """A Debian image with the shell's toolbox and more: coreutils, awk by
    its alternative, bsdutils' logger, perl."""
    root = tmp_path / "root"
    merged_usr(root)
    for program in ("/usr/bin/sh", "/usr/bin/date", "/usr/bin/cut", "/usr/bin/mawk", "/usr/bin/logger",
                    "/usr/bin/perl", "/usr/bin/python3", "/usr/bin/gunzip"):
        write(root, program, "#!/bin/sh\n", 0o755)
    dpkg(root, "dash", "/bin/sh", essential=True)
    dpkg(root, "coreutils", "/usr/bin/date", "/usr/bin/cut", essential=True)
    dpkg(root, "gzip", "/usr/bin/gunzip", essential=True)
    dpkg(root, "bsdutils", "/usr/bin/logger", essential=True)
    dpkg(root, "perl-base", "/usr/bin/perl", essential=True)
    dpkg(root, "python3-minimal", "/usr/bin/python3")
    link(root, "/etc/alternatives/awk", "/usr/bin/mawk")
    link(root, "/usr/bin/awk", "/etc/alternatives/awk")
    dpkg(root, "mawk", "/usr/bin/mawk", priority="required")
    return root


@pytest.mark.parametrize("code,toolbox", [
    # a task runs the command it is given: any a Debian system has
    ("import subprocess\ndef run_tool(args):\n    return subprocess.run(args).stdout\n", True),
    # a list it built of names: what it names is kept, nothing more
    ("import subprocess\ncmd = ['date', '-u']\nfor r in [cmd]:\n    subprocess.run(r)\n", False),
])
def test_code_that_runs_a_command_it_is_given_keeps_the_shells_toolbox(tmp_path: Path, code: str,
                                                                        toolbox: bool):
    """A Celery task ran `run_tool(["gzip", "--version"])`, a command its
    caller gave it: on the minified image FileNotFoundError, the task
    FAILURE. Code that runs what a function of it is given keeps the
    commands of the Essential set a script assumes, and awk; not
    interpreters nor bsdutils' logger (libsystemd)."""
    root = toolbox_root(tmp_path)
    write(root, "/app/tasks.py", code)
    trace = ["/usr/bin/python3", "/app/tasks.py"]
    events = records(("python3", "exec", "/usr/bin/python3"), ("python3", "openat", "/app/tasks.py"))
    kept = kept_at(root, "unit", tmp_path, trace, events).kept
    for program in ("/usr/bin/gunzip", "/usr/bin/mawk"):
        assert (program in kept) == toolbox, program
    if toolbox:
        assert "/usr/bin/awk" in kept and "/etc/alternatives/awk" in kept
        assert "shell's toolbox (/app/tasks.py runs a command it is given)" in kept["/usr/bin/cut"]
    else:
        assert "/usr/bin/date" in kept          # (named: with its package)
    assert "/usr/bin/logger" not in kept and "/usr/bin/perl" not in kept


@pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc (CI installs it)")
def test_a_program_that_runs_a_repositorys_hooks_keeps_the_shells_toolbox(tmp_path: Path):
    """svnserve runs a repository's hooks/pre-commit (libsvn_repos holds the
    hooks' names): on a minified image a policy hook's `svnlook changed |
    awk ...` found no awk, checked nothing and let the commit through. A
    directory of hook templates whose names a program that ran, or a kept
    library of its source, holds brings the toolbox; not one whose names
    no such program holds (a Hugo site's .git, which nothing serves)."""
    root = toolbox_root(tmp_path)
    repo = "/srv/svn/repo"
    for name in ("pre-commit", "post-commit"):
        write(root, f"{repo}/hooks/{name}.tmpl", "#!/bin/sh\n# $REPOS/hooks/commit-access-control.pl\n")
    # (perl-base, with the modules a Perl hook uses: over 1% of this image)
    write(root, "/usr/lib/x86_64-linux-gnu/perl-base/strict.pm", "#" * 200_000)
    dpkg(root, "perl-base", "/usr/bin/perl", "/usr/lib/x86_64-linux-gnu/perl-base/strict.pm", essential=True)
    write(root, f"{repo}/format", "5\n")
    (root / "usr/sbin").mkdir(parents=True, exist_ok=True)
    build = tmp_path / "build"
    build.mkdir()
    cc(build / "libsvn_repos-1.so.1",
       'const char *hook_names[] = {"hooks", "start-commit", "pre-commit", "post-commit", "update"};\n'
       'const char *hook(int i) { return hook_names[i]; }\n', "-shared", "-fPIC")
    lib = "/usr/lib/x86_64-linux-gnu/libsvn_repos-1.so.1"
    write(root, lib, (build / "libsvn_repos-1.so.1").read_bytes())
    cc(root / "usr/sbin/svnserve", "int main(void) { return 0; }\n")
    cc(root / "usr/sbin/other", "int main(void) { return 0; }\n")
    dpkg(root, "subversion", "/usr/sbin/svnserve", source="subversion")
    dpkg(root, "libsvn1", lib, source="subversion")
    dpkg(root, "other", "/usr/sbin/other", source="other")
    for program, toolbox in (("/usr/sbin/svnserve", True), ("/usr/sbin/other", False)):
        trace = [program, lib, f"{repo}/format"]
        events = records(("x", "exec", program), ("x", "openat", lib), ("x", "openat", f"{repo}/format"))
        report = kept_at(root, "unit", tmp_path, trace, events)
        kept = report.kept
        assert ("/usr/bin/mawk" in kept) == toolbox, program
        if toolbox:
            assert f"{lib} runs the hooks of {repo}/hooks" in kept["/usr/bin/mawk"]
        # the interpreter its templates name scripts of, a part of the toolbox:
        # said (a Perl pre-commit hook blocked every commit, unsaid)
        assert ("perl, which the hooks of /srv/svn/repo/hooks may be written in (its templates name "
                "commit-access-control.pl)" in report.toolbox) == toolbox
        assert "/usr/lib/x86_64-linux-gnu/perl-base/strict.pm" not in kept
    rules = resolve.Rules()
    rules.add_preset("toolbox")
    kept = kept_at(root, "unit", tmp_path, ["/usr/sbin/svnserve", lib, f"{repo}/format"],
                   records(("x", "exec", "/usr/sbin/svnserve"), ("x", "openat", lib),
                           ("x", "openat", f"{repo}/format")), rules).kept
    assert "/usr/lib/x86_64-linux-gnu/perl-base/strict.pm" in kept
    # not a work tree's .git (only a commit there runs them), nor a package's
    # templates (git's, for `git init`), nor for one name alone ("update" is
    # a word of python3's and node's)
    (root / "srv/svn/repo").rename(root / "srv/svn/moved")
    write(root, "/app/.git/hooks/pre-commit.sample", "#!/bin/sh\n")
    write(root, "/app/.git/hooks/post-commit.sample", "#!/bin/sh\n")
    write(root, "/app/index.html", "x")
    templates = "/usr/share/git-core/templates/hooks"
    write(root, f"{templates}/pre-commit.sample", "#!/bin/sh\n")
    write(root, f"{templates}/post-commit.sample", "#!/bin/sh\n")
    dpkg(root, "git", f"{templates}/pre-commit.sample", f"{templates}/post-commit.sample")
    write(root, "/srv/one/hooks/pre-commit.tmpl", "#!/bin/sh\n")
    write(root, "/srv/one/hooks/update.tmpl", "#!/bin/sh\n")
    write(root, "/srv/one/format", "5\n")
    trace = ["/usr/sbin/svnserve", lib, "/app/index.html", f"{templates}/pre-commit.sample",
             f"{templates}/post-commit.sample", "/srv/one/format"]
    events = records(("x", "exec", trace[0]), *(("x", "openat", p) for p in trace[1:]))
    kept = kept_at(root, "unit", tmp_path, trace, events).kept
    assert "/srv/one/hooks/update.tmpl" in kept and "/usr/bin/mawk" not in kept


@pytest.mark.parametrize("hooks", [[], ["/docker-entrypoint-initdb.d/10-users.sh"]])
def test_an_entrypoint_that_runs_a_hook_directory_keeps_the_shells_toolbox(tmp_path: Path, hooks: list[str]):
    """An entrypoint modelled on the official postgres one runs the
    scripts a deployment mounts at /docker-entrypoint-initdb.d, empty in
    the image: a user's init script stopped the first start ("awk: command
    not found", exit 127); nginx's /docker-entrypoint.d holds the image's
    own, and a user's `#!/bin/bash` hook beside them stopped the start
    ("not found"). The toolbox comes either way, bash with it; the scripts
    the image has there are read as an application's named scripts are,
    with the commands they run. Not for a .d directory it does not run
    from; and not bsdutils' logger."""
    root = toolbox_root(tmp_path)
    write(root, "/usr/bin/bash", "#!/bin/sh\n", 0o755)
    write(root, "/usr/bin/getent", "#!/bin/sh\n", 0o755)
    write(root, "/usr/bin/ldconfig", "#!/bin/sh\n", 0o755)
    write(root, "/usr/bin/ldd", "#!/bin/sh\n", 0o755)
    dpkg(root, "bash", "/usr/bin/bash", essential=True)
    dpkg(root, "libc-bin", "/usr/bin/getent", "/usr/bin/ldconfig", "/usr/bin/ldd", essential=True)
    entry = "/usr/local/bin/docker-entrypoint.sh"
    write(root, entry, "#!/bin/sh\n# hooks: /etc/never.d\nfor f in /docker-entrypoint-initdb.d/*; do\n"
                       "  . \"$f\"\ndone\necho x > /etc/app.d/x.conf\nexec \"$@\"\n", 0o755)
    (root / "docker-entrypoint-initdb.d").mkdir()
    (root / "etc/never.d").mkdir(parents=True)
    (root / "etc/app.d").mkdir(parents=True)
    for hook in hooks:
        write(root, hook, "#!/bin/sh\ndate\n", 0o755)
    trace = [entry, "/usr/bin/sh"]
    events = records(("docker-entrypoi", "exec", entry))
    kept = kept_at(root, "unit", tmp_path, trace, events).kept
    for program in ("/usr/bin/gunzip", "/usr/bin/mawk", "/usr/bin/bash", "/usr/bin/getent", "/usr/bin/ldd"):
        assert program in kept and f"{entry} runs scripts from /docker-entrypoint-initdb.d" in kept[program]
    for hook in hooks:
        assert hook in kept and "/usr/bin/date" in kept and "date" in kept["/usr/bin/date"]
    assert "/usr/bin/logger" not in kept and "/usr/bin/ldconfig" not in kept
    # (writing into a .d directory is no running from it)
    write(root, entry, "#!/bin/sh\necho x > /etc/app.d/x.conf\nexec \"$@\"\n", 0o755)
    kept = kept_at(root, "unit", tmp_path, trace, events).kept
    assert "/usr/bin/gunzip" not in kept and "/usr/bin/bash" not in kept


def test_kamailios_admin_script_keeps_what_it_looks_up_reads_in_and_its_modules_data(tmp_path: Path):
    """kamctl, of the kamailio that ran, reads in kamctl.base from a
    directory a variable gives; its `locate_tool egrep` looks egrep up on
    PATH ("'egrep' tool not found" on every user it added), and its
    kamctl.rpcfifo runs mkfifo ("mkfifo: not found"); `kamdbctl create`
    reads the schema in /usr/share/kamailio/db_sqlite, the data of the
    db_sqlite module the server loaded ("no such table: version")."""
    root = toolbox_root(tmp_path)
    lib = "/usr/lib/x86_64-linux-gnu/kamailio/kamctl"
    modules = "/usr/lib/x86_64-linux-gnu/kamailio/modules"
    write(root, "/usr/sbin/kamailio", "\x7fELF", 0o755)
    write(root, "/usr/sbin/kamctl", "#!/bin/sh\nMYLIBDIR=${MYLIBDIR:-/opt/nowhere}\n"
                                   ". \"$MYLIBDIR/kamctl.base\"\n"
                                   "if [ -f \"$MYLIBDIR/kamctl.rpcfifo\" ]; then\n"
                                   "  . \"$MYLIBDIR/kamctl.rpcfifo\"\nfi\n", 0o755)
    write(root, f"{lib}/kamctl.base", "locate_tool() {\n\twhile [ -n \"$1\" ]; do\n"
                                      "\t\tTOOLPATH=`which $1` && return\n\t\tshift\n\tdone\n}\n"
                                      "locate_tool egrep\nEGREP=$TOOLPATH\nlocate_tool md5sum md5\n")
    write(root, f"{lib}/kamctl.rpcfifo", "mkfifo /tmp/x\n")
    for name in ("db_text.so", "tm.so"):
        write(root, f"{modules}/{name}", "\x7fELF")
    dpkg(root, "kamailio", "/usr/sbin/kamailio", "/usr/sbin/kamctl", f"{lib}/kamctl.base",
         f"{lib}/kamctl.rpcfifo", f"{modules}/db_text.so", f"{modules}/tm.so")
    write(root, f"{modules}/db_sqlite.so", "\x7fELF")
    schema = [f"/usr/share/kamailio/db_sqlite/{name}-create.sql" for name in ("standard", "acc", "auth_db")]
    for path in schema:
        write(root, path, "CREATE TABLE version (x);\n")
    dpkg(root, "kamailio-sqlite-modules", f"{modules}/db_sqlite.so", *schema)
    for name in ("egrep", "md5sum", "mkfifo", "expand"):
        write(root, f"/usr/bin/{name}", "#!/bin/sh\n", 0o755)
    dpkg(root, "grep-tools", "/usr/bin/egrep", essential=True)
    dpkg(root, "coreutils-more", "/usr/bin/md5sum", "/usr/bin/mkfifo", "/usr/bin/expand", essential=True)
    trace = ["/usr/sbin/kamailio", f"{modules}/tm.so"]
    events = records(("kamailio", "exec", "/usr/sbin/kamailio"), ("kamailio", "openat", f"{modules}/tm.so"))
    kept = kept_at(root, "unit", tmp_path, trace, events).kept
    for program in ("/usr/bin/egrep", "/usr/bin/md5sum", "/usr/bin/mkfifo"):
        assert program in kept, program
    assert "/usr/bin/expand" not in kept                # named by nothing
    for path in schema:
        assert path in kept and "data of kamailio-sqlite-modules's db_sqlite" in kept[path], path


def test_a_program_kept_with_include_comes_with_its_packages_configuration(tmp_path: Path):
    """openssl, kept with --include on a rsyslog image (minify's warning
    said how), could not make a certificate: `openssl req` found no
    /usr/lib/ssl/openssl.cnf. A program the user keeps comes with what a
    program kept alone does: its package's configuration by its name."""
    root = toolbox_root(tmp_path)
    write(root, "/usr/bin/openssl", "#!/bin/sh\n", 0o755)
    write(root, "/etc/ssl/openssl.cnf", "[req]\n")
    link(root, "/usr/lib/ssl/openssl.cnf", "/etc/ssl/openssl.cnf")
    write(root, "/etc/ssl/other.cnf", "[x]\n")
    dpkg(root, "openssl", "/usr/bin/openssl", "/etc/ssl/openssl.cnf", "/usr/lib/ssl/openssl.cnf",
         "/etc/ssl/other.cnf", conffiles={"/etc/ssl/openssl.cnf": b"[req]\n", "/etc/ssl/other.cnf": b"[x]\n"})
    trace = ["/usr/bin/date"]
    kept = kept_at(root, "unit", tmp_path, trace, records(("date", "exec", "/usr/bin/date")),
                   rules=resolve.Rules(include=["/usr/bin/openssl"])).kept
    assert "/usr/bin/openssl" in kept
    assert "/etc/ssl/openssl.cnf" in kept and "kept with --include" in kept["/etc/ssl/openssl.cnf"]
    assert "/usr/lib/ssl/openssl.cnf" in kept       # (the link openssl opens)
    assert "/etc/ssl/other.cnf" not in kept


def test_a_program_kept_with_include_comes_with_its_packages_data(tmp_path: Path, monkeypatch):
    """locale-gen, kept with --include on a php-fpm image, came without
    locales' /usr/share/i18n: it removed the locale archive, localedef found
    no character map, and it said "Generation complete", exit 0, every
    locale of the image gone. Its package's data comes with it, not its
    documentation, translations or completions, nor a package's that is not
    its own; over the bound, it is said."""
    root = toolbox_root(tmp_path)
    write(root, "/usr/sbin/locale-gen", "#!/bin/sh\nlocaledef -i x\n", 0o755)
    write(root, "/usr/share/i18n/charmaps/UTF-8.gz", "x" * 4000)
    write(root, "/usr/share/i18n/locales/es_ES", "LC_CTYPE\n")
    write(root, "/usr/share/i18n/SUPPORTED", "es_ES.UTF-8 UTF-8\n")
    write(root, "/usr/share/doc/locales/README", "read me\n")
    write(root, "/usr/share/locale/de/LC_MESSAGES/locales.mo", "mo")
    write(root, "/usr/share/bash-completion/completions/locale-gen", "complete\n")
    write(root, "/usr/share/other/data", "other\n")
    dpkg(root, "locales", "/usr/sbin/locale-gen", "/usr/share/i18n/charmaps/UTF-8.gz",
         "/usr/share/i18n/locales/es_ES", "/usr/share/i18n/SUPPORTED", "/usr/share/doc/locales/README",
         "/usr/share/locale/de/LC_MESSAGES/locales.mo", "/usr/share/bash-completion/completions/locale-gen")
    dpkg(root, "other", "/usr/share/other/data")

    def packed(include: list[str]):
        return kept_at(root, "unit", tmp_path, ["/usr/bin/date"], records(("date", "exec", "/usr/bin/date")),
                       rules=resolve.Rules(include=include))

    kept = packed(["/usr/sbin/locale-gen"]).kept
    for path in ("/usr/share/i18n/charmaps/UTF-8.gz", "/usr/share/i18n/locales/es_ES",
                 "/usr/share/i18n/SUPPORTED"):
        assert "whose /usr/sbin/locale-gen was kept with --include" in kept[path]
    for path in ("/usr/share/doc/locales/README", "/usr/share/locale/de/LC_MESSAGES/locales.mo",
                 "/usr/share/bash-completion/completions/locale-gen", "/usr/share/other/data"):
        assert path not in kept
    assert "/usr/share/i18n/SUPPORTED" not in packed([]).kept
    assert "/usr/share/i18n/SUPPORTED" not in packed(["/usr/sbin/locale-*"]).kept      # (a glob's: not)
    monkeypatch.setattr(expand, "INCLUDED_DATA_LIMIT", 3000)
    report = packed(["/usr/sbin/locale-gen"])
    assert "/usr/share/i18n/charmaps/UTF-8.gz" not in report.kept
    assert report.left_out.startswith("3 file(s)") and "locale-gen, kept with --include" in report.left_out


def test_a_program_kept_alone_comes_with_its_packages_configuration_by_a_word_of_its_name(tmp_path: Path):
    """redis-sentinel, kept with --include, could not start: "Fatal error,
    can't open config file '/etc/redis/sentinel.conf'", its package's
    configuration named by a word of the command's name; not by its first
    word, its family (dpkg-divert beside dpkg's dpkg.cfg and cron job),
    nor another package's configuration, nor by a word of two letters."""
    root = toolbox_root(tmp_path)
    # (as Debian has them: a link of redis-sentinel's to redis-tools' binary)
    write(root, "/usr/bin/redis-check-rdb", "#!/bin/sh\n", 0o755)
    dpkg(root, "redis-tools", "/usr/bin/redis-check-rdb")
    link(root, "/usr/bin/redis-sentinel", "redis-check-rdb")
    write(root, "/etc/redis/sentinel.conf", "port 26379\n")
    write(root, "/etc/redis/xy.conf", "x\n")
    write(root, "/etc/redis/redis.conf", "port 6379\n")
    write(root, "/etc/cron.daily/redis", "#!/bin/sh\n", 0o755)
    dpkg(root, "redis-sentinel", "/usr/bin/redis-sentinel", "/etc/redis/sentinel.conf", "/etc/redis/xy.conf",
         "/etc/cron.daily/redis", conffiles={"/etc/redis/sentinel.conf": b"port 26379\n",
                                             "/etc/redis/xy.conf": b"x\n",
                                             "/etc/cron.daily/redis": b"#!/bin/sh\n"})
    dpkg(root, "redis-server", "/etc/redis/redis.conf", conffiles={"/etc/redis/redis.conf": b"port 6379\n"})
    kept = kept_at(root, "unit", tmp_path, ["/usr/bin/date"], records(("date", "exec", "/usr/bin/date")),
                   rules=resolve.Rules(include=["/usr/bin/redis-sentinel"])).kept
    assert "configuration of redis-sentinel" in kept["/etc/redis/sentinel.conf"]
    assert "/etc/redis/redis.conf" not in kept and "/etc/redis/xy.conf" not in kept
    assert "/etc/cron.daily/redis" not in kept


def test_a_package_of_modules_installed_on_purpose_for_a_program_that_ran_is_kept(tmp_path: Path):
    """redis-redisearch, installed on purpose, holds a module and no
    command; no probe loaded it, and on the minified image `MODULE LOAD
    /usr/lib/redis/modules/redisearch.so` failed, then every FT.* command,
    with no warning. Such a package that depends on the package of a
    program that ran comes; not one for a program that did not run, nor a
    language's library (in its directory), nor one installed as a
    dependency."""
    root = toolbox_root(tmp_path)
    modules = "/usr/lib/redis/modules"
    dist = "/usr/lib/python3/dist-packages"
    write(root, "/usr/bin/redis-check-rdb", "#!/bin/sh\n", 0o755)
    link(root, "/usr/bin/redis-server", "redis-check-rdb")      # (as Debian has it)
    write(root, "/usr/bin/other", "#!/bin/sh\n", 0o755)
    for path in (f"{modules}/redisearch.so", f"{modules}/rejson.so", f"{modules}/other.so",
                 f"{dist}/ujson.cpython-311-x86_64-linux-gnu.so"):
        write(root, path, "\x7fELF")
    dpkg(root, "redis-server", "/usr/bin/redis-server", depends="redis-tools", priority="optional")
    dpkg(root, "redis-tools", "/usr/bin/redis-check-rdb")
    dpkg(root, "other", "/usr/bin/other", priority="optional")
    dpkg(root, "redis-redisearch", f"{modules}/redisearch.so", depends="redis-server", priority="optional")
    dpkg(root, "redis-rejson", f"{modules}/rejson.so", depends="redis-server", priority="optional")
    write(root, "/usr/share/stack/stack.conf", "x")     # (files: no metapackage, which stands for its own)
    dpkg(root, "stack", "/usr/share/stack/stack.conf", depends="redis-rejson", priority="optional")
    dpkg(root, "other-plugin", f"{modules}/other.so", depends="other", priority="optional")
    dpkg(root, "python3-ujson", f"{dist}/ujson.cpython-311-x86_64-linux-gnu.so", depends="python3-minimal",
         priority="optional")
    trace = ["/usr/bin/redis-server", "/usr/bin/python3"]
    events = records(("redis-server", "exec", trace[0]), ("python3", "exec", trace[1]))
    kept = kept_at(root, "unit", tmp_path, trace, events).kept
    assert "holds modules for redis-server" in kept[f"{modules}/redisearch.so"]
    ujson = f"{dist}/ujson.cpython-311-x86_64-linux-gnu.so"
    for path in (f"{modules}/rejson.so", f"{modules}/other.so", ujson):
        assert path not in kept, path


def test_a_programs_library_split_into_another_package_of_its_source_is_kept(tmp_path: Path):
    """swi-prolog-nox, installed on purpose, depends on swi-prolog-core
    (swipl, which ran) and swi-prolog-core-packages, whose Prolog files in
    the tree swipl's own are in were left out (only the shared objects
    they load were kept): 33 of 75 next uses failed, "source_sink
    library(process) does not exist". Such a package comes whole; not one
    of another source, nor one with a command, nor one not in the
    program's tree."""
    root = toolbox_root(tmp_path)
    lib = "/usr/lib/swi-prolog/library"
    write(root, "/usr/lib/swi-prolog/bin/swipl", "#!/bin/sh\n", 0o755)
    link(root, "/usr/bin/swipl", "../lib/swi-prolog/bin/swipl")
    for path in (f"{lib}/lists.pl", f"{lib}/process.pl", f"{lib}/uri.pl", "/usr/share/other/data.txt",
                 f"{lib}/foreign.pl"):
        write(root, path, "x")
    write(root, "/usr/bin/helper", "#!/bin/sh\n", 0o755)
    dpkg(root, "swi-prolog-core", "/usr/bin/swipl", "/usr/lib/swi-prolog/bin/swipl", f"{lib}/lists.pl",
         source="swi-prolog")
    dpkg(root, "swi-prolog-core-packages", f"{lib}/process.pl", depends="swi-prolog-core (= 9.0.4)",
         source="swi-prolog")
    dpkg(root, "swi-prolog-extra", f"{lib}/uri.pl", "/usr/bin/helper", depends="swi-prolog-core",
         source="swi-prolog")
    dpkg(root, "swi-prolog-data", "/usr/share/other/data.txt", depends="swi-prolog-core", source="swi-prolog")
    dpkg(root, "foreign-lib", f"{lib}/foreign.pl", depends="swi-prolog-core", source="foreign")
    dpkg(root, "swi-prolog-nox", "/usr/share/doc/swi-prolog-nox/copyright", priority="optional",
         source="swi-prolog", depends="swi-prolog-core (= 9.0.4), swi-prolog-core-packages (= 9.0.4), "
                                      "swi-prolog-extra, swi-prolog-data, foreign-lib")
    trace = ["/usr/bin/swipl", f"{lib}/lists.pl"]
    events = records(("swipl", "exec", "/usr/bin/swipl"), ("swipl", "openat", f"{lib}/lists.pl"))
    kept = kept_at(root, "unit", tmp_path, trace, events).kept
    assert "swi-prolog-core-packages is swi-prolog-core's own library" in kept[f"{lib}/process.pl"]
    for path in (f"{lib}/uri.pl", "/usr/share/other/data.txt", f"{lib}/foreign.pl"):
        assert path not in kept, path
    assert f"{lib}/process.pl" not in kept_at(root, "unit", tmp_path, ["/usr/bin/helper"],
                                              records(("helper", "exec", "/usr/bin/helper"))).kept


def test_the_shells_toolbox_comes_where_it_is_a_small_share_of_the_image(tmp_path: Path):
    """A minified LibreOffice converter of 424 MB lost `bash`, `find`,
    `tar`, `xargs` and `getent`, which an admin types in `docker exec`
    (2.3 MB). Where a shell is kept and the toolbox adds under 1% of the
    bytes kept, it comes; not on a small image, nor where no shell is. On
    a small image a warning says so, and `--keep toolbox` keeps it (a BIND
    image kept sh, cat and rm, and an admin's `cp` was "not found")."""
    root = toolbox_root(tmp_path)
    big = root / "app/model.bin"
    big.parent.mkdir(parents=True)
    big.write_bytes(b"")
    os.truncate(big, 10 << 20)                  # (sparse)
    write(root, "/app/server", "\x7fELF")
    with_shell = ["/usr/bin/date", "/app/model.bin"]
    events = records(("date", "exec", "/usr/bin/date"), ("date", "openat", "/app/model.bin"))
    kept = kept_at(root, "unit", tmp_path, with_shell, events).kept
    assert "under 1% of the 10 MB kept" in kept["/usr/bin/gunzip"]
    assert not kept_at(root, "unit", tmp_path, with_shell, events).toolbox
    for d in ("small", "noshell", "asked"):
        (tmp_path / d).mkdir()
    small_report = kept_at(root, "unit", tmp_path / "small", ["/usr/bin/date"],
                           records(("date", "exec", "/usr/bin/date")))
    assert "/usr/bin/gunzip" not in small_report.kept
    assert "the shell's everyday commands (awk, gunzip: 0.0 MB)" in small_report.toolbox
    assert "--keep toolbox keeps them" in small_report.toolbox
    assert small_report.toolbox in small_report.warnings
    rules = resolve.Rules()
    rules.add_preset("toolbox")
    # (a server that keeps no shell: the preset brings it, and the toolbox with it)
    served = records(("server", "exec", "/app/server"))
    asked = kept_at(root, "unit", tmp_path / "asked", ["/app/server"], served, rules)
    assert "/usr/bin/sh" in asked.kept and not asked.toolbox
    assert "shell's toolbox (--keep toolbox)" in asked.kept["/usr/bin/gunzip"]
    from micropack.errors import UsageError
    with pytest.raises(UsageError, match="--keep toolbox"):
        rules.check("file")
    events = records(("server", "exec", "/app/server"), ("server", "openat", "/app/model.bin"))
    no_shell = kept_at(root, "unit", tmp_path / "noshell", ["/app/server", "/app/model.bin"], events).kept
    assert "/usr/bin/sh" not in no_shell and "/usr/bin/gunzip" not in no_shell
    # the warning names first what users type first (`docker exec C cat out.pdf`)
    for program in ("/usr/bin/cat", "/usr/bin/tar", "/usr/bin/chmod"):
        write(root, program, "#!/bin/sh\n", 0o755)
    dpkg(root, "coreutils", "/usr/bin/date", "/usr/bin/cut", "/usr/bin/cat", "/usr/bin/chmod", essential=True)
    dpkg(root, "tar", "/usr/bin/tar", essential=True)
    (tmp_path / "named").mkdir()
    named = kept_at(root, "unit", tmp_path / "named", ["/usr/bin/logger", "/usr/bin/sh"],
                    records(("sh", "exec", "/usr/bin/sh"), ("logger", "exec", "/usr/bin/logger")))
    assert "the shell's everyday commands (cat, awk, tar, chmod, cut, date, ...: " in named.toolbox


def test_the_toolboxs_share_counts_the_libraries_its_programs_need(tmp_path: Path):
    """The toolbox's share of the image is what keeping it adds: its
    programs and the libraries they need that are not kept yet. procps'
    kill, 23 kB, needs libproc2 and with it libsystemd (3.7 MB on a
    Subversion image of 44 MB): counted by the programs' bytes alone it
    came, well over 1% of the image, unsaid. Here cat needs a library of
    3 MB on an image of 200 MB: said, not kept; without that library,
    kept."""
    root, lib = compiled_root(tmp_path)
    (root / "usr/bin").mkdir(parents=True)
    link(root, "/bin", "usr/bin")
    cc(lib / "libbig.so", "char big[3 << 20] = {1};\nint big_one(void) { return big[0]; }\n",
       "-shared", "-fPIC")
    cc(root / "usr/bin/sh", "int main(void) { return 0; }")
    cc(root / "usr/bin/cat", "int big_one(void);\nint main(void) { return big_one(); }\n",
       f"-L{lib}", "-lbig")
    cc(root / "usr/bin/tac", "int main(void) { return 0; }")
    cc(root / "usr/bin/kill", "int big_one(void);\nint main(void) { return big_one(); }\n",
       f"-L{lib}", "-lbig")
    dpkg(root, "procps", "/usr/bin/kill")
    model = root / "srv/model.bin"
    model.parent.mkdir(parents=True)
    model.write_bytes(b"")
    os.truncate(model, 200 << 20)               # (sparse)
    dpkg(root, "dash", "/usr/bin/sh", essential=True)
    dpkg(root, "coreutils", "/usr/bin/cat", "/usr/bin/tac", essential=True)
    dpkg(root, "libbig", "/usr/lib/x86_64-linux-gnu/libbig.so")
    trace = ["/usr/bin/sh", "/srv/model.bin"]
    events = records(("sh", "exec", "/usr/bin/sh"), ("sh", "openat", "/srv/model.bin"))
    report = kept_at(root, "unit", tmp_path, trace, events)
    assert "/usr/bin/cat" not in report.kept and "/usr/bin/tac" not in report.kept
    assert "the shell's everyday commands (cat, tac: 3.2 MB)" in report.toolbox
    assert "the commands that signal and find processes (kill: 3.2 MB)" in report.toolbox
    # the same programs, the library left out of the count's reach: kept
    (lib / "libbig.so").unlink()
    cc(lib / "libbig.so", "int big_one(void) { return 0; }\n", "-shared", "-fPIC")
    (tmp_path / "small_library").mkdir()
    light = kept_at(root, "unit", tmp_path / "small_library", trace, events)
    assert "(0.0 MB of programs and what they need, under 1% of the" in light.kept["/usr/bin/cat"] \
        and not light.toolbox


def test_the_commands_that_signal_processes_are_a_part_of_the_toolbox(tmp_path: Path):
    """On a minified Mosquitto image `docker exec C kill -HUP 1`, the
    reload after an ACL change (its unit's ExecReload), was "executable
    file not found", unsaid, with --keep toolbox too: procps is not
    Essential. Where a shell is kept, procps' kill, pkill and ps are a part
    of the toolbox: said on a small image, kept on a large one or with
    --keep toolbox; not where no shell is kept."""
    root = toolbox_root(tmp_path)
    for program in ("/usr/bin/kill", "/usr/bin/pkill", "/usr/bin/ps"):
        write(root, program, "#!/bin/sh\n", 0o755)
    dpkg(root, "procps", "/usr/bin/kill", "/usr/bin/pkill", "/usr/bin/ps")
    write(root, "/app/server", "\x7fELF")
    shell = records(("date", "exec", "/usr/bin/date"))
    small = kept_at(root, "unit", tmp_path, ["/usr/bin/date"], shell)
    assert "/usr/bin/kill" not in small.kept
    assert "the commands that signal and find processes (kill, ps, pkill: 0.0 MB)" in small.toolbox
    big = root / "app/model.bin"
    big.write_bytes(b"")
    os.truncate(big, 10 << 20)                  # (sparse)
    for d in ("large", "asked", "noshell"):
        (tmp_path / d).mkdir()
    large = kept_at(root, "unit", tmp_path / "large", ["/usr/bin/date", "/app/model.bin"],
                    records(("date", "exec", "/usr/bin/date"), ("date", "openat", "/app/model.bin")))
    assert "signals or finds processes: 0.0 MB, under 1%" in large.kept["/usr/bin/kill"]
    assert "/usr/bin/pkill" in large.kept and "/usr/bin/ps" in large.kept
    rules = resolve.Rules()
    rules.add_preset("toolbox")
    asked = kept_at(root, "unit", tmp_path / "asked", ["/usr/bin/date"], shell, rules)
    assert "--keep toolbox" in asked.kept["/usr/bin/kill"]
    served = records(("server", "exec", "/app/server"), ("server", "openat", "/app/model.bin"))
    no_shell = kept_at(root, "unit", tmp_path / "noshell", ["/app/server", "/app/model.bin"], served)
    assert "/usr/bin/kill" not in no_shell.kept and "processes" not in no_shell.toolbox


def test_an_interpreters_standard_library_comes_with_the_toolbox(tmp_path: Path):
    """A pandoc service's minified image kept python3 with http.server and
    what it imports; a user's filter script, `import json`, failed ("No
    module named 'json'"), as did `python3 -m json.tool`. Where an
    interpreter is kept as a command, its standard library beyond what was
    imported is part of the toolbox: kept where it is a small share of the
    image or with --keep toolbox, else said; never its tests, IDE or
    GUI, nor the bytecode caches."""
    root = tmp_path / "root"
    merged_usr(root)
    lib = "/usr/lib/python3.11"
    write(root, "/usr/bin/python3.11", "\x7fELF", 0o755)
    link(root, "/usr/bin/python3", "python3.11")
    dpkg(root, "python3.11-minimal", "/usr/bin/python3.11")
    modules = {f"{lib}/os.py": "", f"{lib}/http/__init__.py": "", f"{lib}/http/server.py": "import os\n",
               f"{lib}/json/__init__.py": "j" * 40_000, f"{lib}/json/__pycache__/x.cpython-311.pyc": "c",
               f"{lib}/gzip.py": "g" * 20_000, f"{lib}/test/test_gzip.py": "", f"{lib}/idlelib/run.py": "",
               f"{lib}/lib-dynload/_json.cpython-311-x86_64-linux-gnu.so": "",
               f"{lib}/lib-dynload/_testcapi.cpython-311-x86_64-linux-gnu.so": ""}
    for path, text in modules.items():
        write(root, path, text)
    dpkg(root, "libpython3.11-stdlib", *modules)
    # (another prefix's, whose interpreter never ran: not kept for this one's)
    for path in ("/usr/local/lib/python3.11/os.py", "/usr/local/lib/python3.11/json/__init__.py"):
        write(root, path, "")
    write(root, "/usr/local/bin/python3.11", "\x7fELF", 0o755)
    big = root / "app/model.bin"
    big.parent.mkdir(parents=True)
    big.write_bytes(b"")
    os.truncate(big, 10 << 20)                  # (sparse)
    served = ["/usr/bin/python3.11", f"{lib}/os.py", f"{lib}/http/server.py"]
    events = records(("python3", "exec", served[0]), *(("python3", "openat", p) for p in served[1:]))
    for d in ("big", "small", "asked", "none"):
        (tmp_path / d).mkdir()
    kept = kept_at(root, "unit", tmp_path / "big", [*served, "/app/model.bin"],
                   [*events, *records(("python3", "openat", "/app/model.bin"))]).kept
    assert "the standard library of python3.11, which is kept (0.1 MB, under 1% of the 10 MB kept)" \
        in kept[f"{lib}/json/__init__.py"]
    assert f"{lib}/gzip.py" in kept and f"{lib}/lib-dynload/_json.cpython-311-x86_64-linux-gnu.so" in kept
    assert "/usr/local/lib/python3.11/json/__init__.py" not in kept
    for path in (f"{lib}/test/test_gzip.py", f"{lib}/idlelib/run.py",
                 f"{lib}/json/__pycache__/x.cpython-311.pyc",
                 f"{lib}/lib-dynload/_testcapi.cpython-311-x86_64-linux-gnu.so"):
        assert path not in kept, path
    small = kept_at(root, "unit", tmp_path / "small", served, events)
    assert f"{lib}/json/__init__.py" not in small.kept
    assert "python3.11's standard library beyond what was imported (json, gzip, _json: 0.1 MB)" \
        in small.toolbox
    assert "--keep toolbox keeps them" in small.toolbox and small.toolbox in small.warnings
    # a script that ran ran its interpreter, which no event names (munin-node
    # and its plugins are Perl: a user's own plugin failed, "Can't locate
    # JSON/PP.pm", and Perl's standard library was not said)
    write(root, "/srv/serve", "#!/usr/bin/python3.11\nimport os\n", 0o755)
    (tmp_path / "script").mkdir()
    script = kept_at(root, "unit", tmp_path / "script", ["/srv/serve", *served[1:]],
                     records(("serve", "exec", "/srv/serve"), *(("serve", "openat", p) for p in served[1:])))
    assert "python3.11's standard library beyond what was imported (json, gzip, _json: 0.1 MB)" \
        in script.toolbox
    rules = resolve.Rules()
    rules.add_preset("toolbox")
    asked = kept_at(root, "unit", tmp_path / "asked", served, events, rules)
    assert "(--keep toolbox)" in asked.kept[f"{lib}/json/__init__.py"] and "python3.11" not in asked.toolbox
    # (no interpreter kept: nothing of it)
    none = kept_at(root, "unit", tmp_path / "none", [f"{lib}/os.py"],
                   records(("x", "openat", f"{lib}/os.py")))
    assert f"{lib}/json/__init__.py" not in none.kept and not none.toolbox


def test_the_distributions_release_files_are_kept(tmp_path: Path):
    """`. /etc/os-release` in a user's hook failed on a minified nginx
    image, and image scanners tell the distribution by those files: they
    are kept, however little the workload read."""
    root = toolbox_root(tmp_path)
    write(root, "/usr/lib/os-release", 'ID=debian\nVERSION_ID="12"\n')
    link(root, "/etc/os-release", "../usr/lib/os-release")
    write(root, "/etc/debian_version", "12.8\n")
    write(root, "/etc/motd", "hello\n")
    dpkg(root, "base-files", "/usr/lib/os-release", "/etc/os-release", "/etc/debian_version", "/etc/motd",
         essential=True)
    trace = ["/usr/bin/date"]
    kept = kept_at(root, "unit", tmp_path, trace, records(("date", "exec", "/usr/bin/date"))).kept
    for path in ("/etc/os-release", "/usr/lib/os-release", "/etc/debian_version"):
        assert path in kept, path
    assert "/etc/motd" not in kept


def test_the_images_own_small_files_at_the_top_of_etc_are_kept(tmp_path: Path):
    """A KDC's probe used /etc/krb5.keytab, and `kinit -k -t
    /etc/svc1.keytab` on the minified image found no keytab. The files at
    /etc's top no package installed (the image builder's settings, keys
    and accounts) are kept while small, and the small directories there
    no package has a file in; not a backup of one, nor what a runtime
    mounts over, nor a package's file, nor the image's files in a
    package's directory of /etc (their own rules); and only from an image,
    not a directory or a process's root, which may be the host's."""
    root = toolbox_root(tmp_path)
    write(root, "/etc/krb5.keytab", "key one")
    write(root, "/etc/svc1.keytab", "key two")
    write(root, "/etc/shadow", "root:*:19000:0:99999:7:::\n")
    write(root, "/etc/shadow-", "root:*:18000:0:99999:7:::\n")
    write(root, "/etc/app.conf.dpkg-old", "old\n")
    write(root, "/etc/resolv.conf", "nameserver 10.0.0.1\n")
    write(root, "/etc/GeoIP.dat", "x" * (expand.ETC_OWN_LIMIT + 1))
    write(root, "/etc/myapp/extra.conf", "x\n")
    write(root, "/etc/myapp/tls/server.key", "key\n")
    write(root, "/etc/bigdir/data.bin", "x" * (expand.ETC_OWN_TREE_LIMIT[1] + 1))
    write(root, "/etc/pkgdir/own.conf", "x\n")
    write(root, "/etc/pkgdir/pkg.conf", "x\n")
    # (update-rc.d's links and a package's directory are theirs, not the image's)
    write(root, "/etc/init.d/app", "#!/bin/sh\n", 0o755)
    write(root, "/etc/init.d/procps", "#!/bin/sh\n", 0o755)
    dpkg(root, "procps", "/etc/init.d/procps")
    link(root, "/etc/rc2.d/S01app", "../init.d/app")
    write(root, "/etc/python3/debian_config", "[DEFAULT]\n")        # (python3's postinst writes it)
    write(root, "/usr/bin/python3.11", "#!/bin/sh\n", 0o755)
    dpkg(root, "python3", "/usr/bin/python3.11")
    write(root, "/etc/motd", "hello\n")
    dpkg(root, "base-files", "/etc/motd")
    dpkg(root, "pkg", "/etc/pkgdir/pkg.conf")
    trace = ["/usr/bin/date", "/etc/krb5.keytab"]
    events = records(("date", "exec", "/usr/bin/date"), ("date", "openat", "/etc/krb5.keytab"))
    src = Source(RootFS(root), "image test", {"PATH": "/usr/bin:/bin"}, of_image=True)
    kept = pack.pack_files(src, trace, str(tmp_path / "image.tar"), resolve.Rules(), granularity="unit",
                           events=events).kept
    for path in ("/etc/svc1.keytab", "/etc/shadow"):
        assert "a file of the image's own at /etc's top" in kept[path], path
    # and a small directory there no package has a file in, whole (an rsyslog
    # image's /etc/rsyslog-tls, which a TLS drop-in added next names)
    for path in ("/etc/myapp/extra.conf", "/etc/myapp/tls/server.key"):
        assert "a directory of the image's own at /etc's top" in kept[path], path
    for path in ("/etc/shadow-", "/etc/app.conf.dpkg-old", "/etc/resolv.conf", "/etc/GeoIP.dat",
                 "/etc/bigdir/data.bin", "/etc/pkgdir/own.conf", "/etc/motd", "/etc/init.d/app",
                 "/etc/rc2.d/S01app", "/etc/python3/debian_config"):
        assert path not in kept, path
    file_level = pack.pack_files(src, trace, str(tmp_path / "file.tar"), resolve.Rules(), granularity="file",
                                 events=events).kept
    assert "/etc/svc1.keytab" not in file_level
    # a directory or a process's root may be the host's: not its /etc/shadow
    assert "/etc/shadow" not in kept_at(root, "unit", tmp_path, trace, events).kept
    # nor what is mounted into a container (a bind of a host's file)
    src = Source(RootFS(root), "pid 1", {"PATH": "/usr/bin:/bin"}, of_image=True,
                 mounted=["/etc/svc1.keytab"])
    kept = pack.pack_files(src, trace, str(tmp_path / "pid.tar"), resolve.Rules(), granularity="unit",
                           events=events).kept
    assert "/etc/svc1.keytab" not in kept and "/etc/shadow" in kept
    # which a source knows by its root: this machine's own is the host's
    assert not not_the_hosts("/") and not_the_hosts(str(root))


def test_the_images_own_data_at_the_top_of_srv_is_kept_while_small(tmp_path: Path, monkeypatch):
    """A Twisted image served /srv/www; on the minified image its
    certificate in /srv/tls, its WSGI application in /srv/app and its
    tests were gone (3.2 kB), and nothing said so. What the image's
    builder put at /srv's top and nothing read comes whole, cheapest
    first, within SRV_OWN_LIMIT; what is over it is said; not a package's
    files there, nor what is mounted there, nor from a directory that may
    be the host's."""
    root = toolbox_root(tmp_path)
    write(root, "/srv/www/index.html", "<p>hi</p>")
    write(root, "/srv/tls/server.pem", "PEM")
    write(root, "/srv/app/wsgi.py", "app = None\n")
    write(root, "/srv/keyring.gpg", "keys")
    write(root, "/srv/big/media.bin", "x" * 3000)
    write(root, "/srv/pkg/site.conf", "x")
    dpkg(root, "site-pkg", "/srv/pkg/site.conf", priority="required")     # (said by no warning)
    write(root, "/srv/mounted/data", "host's")
    monkeypatch.setattr(expand, "SRV_OWN_LIMIT", 100)
    trace = ["/usr/bin/date", "/srv/www/index.html"]
    events = records(("date", "exec", "/usr/bin/date"), ("date", "openat", "/srv/www/index.html"))
    src = Source(RootFS(root), "image test", {"PATH": "/usr/bin:/bin"}, of_image=True,
                 mounted=["/srv/mounted"])
    report = pack.pack_files(src, trace, str(tmp_path / "image.tar"), resolve.Rules(), granularity="unit",
                             events=events)
    for path in ("/srv/tls/server.pem", "/srv/app/wsgi.py", "/srv/keyring.gpg"):
        assert "the image's own at /srv's top" in report.kept[path], path
    for path in ("/srv/big/media.bin", "/srv/pkg/site.conf", "/srv/mounted/data"):
        assert path not in report.kept, path
    assert "the image's own at /srv's top, which nothing read: /srv/big/ (0.0 MB)" in report.unused_libraries
    assert report.unused_libraries.endswith("(e.g. --include '/srv/big/*')")
    # (the bound counts what all of them add: one over it is said, the
    # cheapest first kept)
    monkeypatch.setattr(expand, "SRV_OWN_LIMIT", 15)
    report = pack.pack_files(src, trace, str(tmp_path / "image2.tar"), resolve.Rules(), granularity="unit",
                             events=events)
    assert "/srv/tls/server.pem" in report.kept and "/srv/keyring.gpg" in report.kept
    assert "/srv/app/wsgi.py" not in report.kept and "/srv/app/ (0.0 MB)" in report.unused_libraries
    # (nor is what is mounted there said)
    monkeypatch.setattr(expand, "SRV_OWN_LIMIT", 5)
    report = pack.pack_files(src, trace, str(tmp_path / "image3.tar"), resolve.Rules(), granularity="unit",
                             events=events)
    assert "/srv/keyring.gpg" in report.unused_libraries and "/srv/mounted" not in report.unused_libraries
    # a directory or a process's root may be the host's
    assert "/srv/tls/server.pem" not in kept_at(root, "unit", tmp_path, trace, events).kept


def test_a_shared_object_an_entrypoint_names_by_a_glob_is_kept(tmp_path: Path):
    """The postgres entrypoint preloads nss_wrapper, found by
    `{/usr,}/lib{/*,}/libnss_wrapper.so`, for a --user whose uid has no
    passwd entry, a branch the probes (as root) never took: "initdb:
    could not look up effective user ID 1000", exit 1. A shared object an
    application's script names by its path, globs and braces expanded
    against the image, comes with its package; not another one beside it."""
    root = toolbox_root(tmp_path)
    lib = "/usr/lib/x86_64-linux-gnu"
    entry = "/usr/local/bin/docker-entrypoint.sh"
    write(root, entry, "#!/bin/sh\nfor w in {/usr,}/lib{/*,}/libnss_wrapper.so; do\n"
                       "  [ -s \"$w\" ] && export LD_PRELOAD=\"$w\" && break\ndone\n"
                       "rm -f /usr/lib/x86_64-linux-gnu/*_wrapper.so\nexec \"$@\"\n", 0o755)
    for name in ("libnss_wrapper.so", "libuid_wrapper.so"):
        write(root, f"{lib}/{name}", "\x7fELF")
    write(root, f"{lib}/pkgconfig/nss_wrapper.pc", "Name: nss_wrapper\n")
    dpkg(root, "libnss-wrapper", f"{lib}/libnss_wrapper.so", f"{lib}/pkgconfig/nss_wrapper.pc")
    dpkg(root, "libuid-wrapper", f"{lib}/libuid_wrapper.so")
    trace = [entry, "/usr/bin/sh"]
    kept = kept_at(root, "unit", tmp_path, trace, records(("docker-entrypoi", "exec", entry))).kept
    assert f"{lib}/libnss_wrapper.so" in kept
    assert f"{entry} names it (/usr/lib/*/libnss_wrapper.so)" in kept[f"{lib}/libnss_wrapper.so"]
    assert f"{lib}/libuid_wrapper.so" not in kept       # (`rm -f .../*_wrapper.so`: a glob's own name)


def test_a_program_kept_alone_comes_with_its_data_directory(tmp_path: Path):
    """ipptool, kept beside libcups, came without cups-ipp-utils'
    /usr/share/cups/ipptool: `ipptool URI get-printer-attributes.test`
    found no test. The directory of /usr/share its package names after
    it comes whole; not the package's others, nor one holding programs
    or documentation, nor one in a language's library directory (nodejs'
    /usr/share/nodejs/@types/node, 3.8 MB of typings, named as node)."""
    root = tmp_path / "root"
    merged_usr(root)
    write(root, "/usr/bin/sh", "#!/usr/bin/sh\n", 0o755)
    dpkg(root, "dash", "/bin/sh", essential=True)
    write(root, "/usr/sbin/cupsd", "#!/bin/sh\n", 0o755)
    write(root, "/etc/init.d/cups", "#!/bin/sh\nipptool -t ipp://localhost/ get-printers.test\n"
          "ippfind --help\nippeveps --help\nippevepcl --help\nid -u\n", 0o755)
    dpkg(root, "cups-daemon", "/usr/sbin/cupsd", "/etc/init.d/cups")
    tests = [f"/usr/share/cups/ipptool/{name}.test" for name in ("get-printers", "get-jobs", "print-job")]
    for path in tests:
        write(root, path, "{ OPERATION Get-Printers }\n")
    write(root, "/usr/share/cups/ipptool/color.jpg", "\xff\xd8")
    write(root, "/usr/share/cups/ippeveprinter/pages.txt", "page\n")
    write(root, "/usr/share/ippfind/helper", "#!/bin/sh\n", 0o755)
    write(root, "/usr/share/ippevepcl/pcl.py", "import sys\n")
    big = [f"/usr/share/ippeveps/ppd/{i}.ppd" for i in range(520)]
    for path in big:
        write(root, path, "*PPD\n")
    write(root, "/usr/share/doc/ipptool/README", "doc\n")
    write(root, "/usr/share/nodejs/@types/ipptool/index.d.ts", "x")
    write(root, "/usr/share/nodejs/@types/ipptool/package.json", "{}")
    write(root, "/usr/share/locale/id/LC_MESSAGES/coreutils.mo", "mo")
    write(root, "/usr/bin/id", "#!/bin/sh\n", 0o755)
    dpkg(root, "coreutils", "/usr/bin/id", "/usr/share/locale/id/LC_MESSAGES/coreutils.mo", essential=True)
    programs = ["/usr/bin/ipptool", "/usr/bin/ippfind", "/usr/sbin/ippeveprinter", "/usr/bin/ippeveps",
                "/usr/bin/ippevepcl"]
    for program in programs:
        write(root, program, "#!/bin/sh\n", 0o755)
    dpkg(root, "cups-ipp-utils", *programs, *tests, "/usr/share/cups/ipptool/color.jpg",
         "/usr/share/cups/ippeveprinter/pages.txt", "/usr/share/ippfind/helper",
         "/usr/share/ippevepcl/pcl.py", *big, "/usr/share/doc/ipptool/README",
         "/usr/share/nodejs/@types/ipptool/index.d.ts", "/usr/share/nodejs/@types/ipptool/package.json",
         depends="libc6")
    trace = ["/usr/sbin/cupsd"]
    kept = kept_at(root, "unit", tmp_path, trace, records(("cupsd", "exec", trace[0]))).kept
    assert "/usr/bin/ipptool" in kept and "/usr/bin/ippfind" in kept
    for path in [*tests, "/usr/share/cups/ipptool/color.jpg"]:
        assert path in kept and "data of cups-ipp-utils's ipptool" in kept[path], path
    assert "/usr/share/nodejs/@types/ipptool/package.json" not in kept
    assert "/usr/share/cups/ippeveprinter/pages.txt" not in kept    # another program's, not kept
    assert "/usr/share/ippfind/helper" not in kept                  # a program, not data
    assert "/usr/share/ippevepcl/pcl.py" not in kept                # code, not data
    assert "/usr/bin/ippeveps" in kept and big[0] not in kept       # too large to come whole
    assert "/usr/share/doc/ipptool/README" not in kept
    assert "/usr/bin/id" in kept
    assert "/usr/share/locale/id/LC_MESSAGES/coreutils.mo" not in kept     # a language's, named as id


def beam(module: str, calls: list[str]) -> bytes:
    """A compiled Erlang module as the compiler lays it out: its atoms
    (AtU8) and its import table (ImpT, each call module:start/0)."""
    atoms = [module, "start", *calls]
    table = len(atoms).to_bytes(4, "big") + b"".join(bytes([len(a)]) + a.encode() for a in atoms)
    imports = len(calls).to_bytes(4, "big") + b"".join(
        (3 + i).to_bytes(4, "big") + (2).to_bytes(4, "big") + (0).to_bytes(4, "big")
        for i in range(len(calls)))
    chunks = b""
    for name, body in ((b"AtU8", table), (b"Code", b"\0" * 5), (b"ImpT", imports)):
        chunks += name + len(body).to_bytes(4, "big") + body + b"\0" * (-len(body) % 4)
    return b"FOR1" + (4 + len(chunks)).to_bytes(4, "big") + b"BEAM" + chunks


def test_beam_imports_are_read_from_the_import_table():
    assert codescan.beam_imports(beam("rabbit_runtime", ["msacc", "lists", "msacc"])) == ["msacc", "lists"]
    assert codescan.beam_imports(b"FOR1\0\0\0\4BEAM") == []
    assert codescan.beam_imports(beam("x", ["y"])[:30]) == []       # cut short: nothing
    assert codescan.beam_imports(b"\x1f\x8b compressed") == []


def test_the_erlang_applications_compiled_code_calls_are_kept(tmp_path: Path):
    """RabbitMQ's rabbit_runtime calls msacc, of OTP's runtime_tools, which
    rabbit_common's .app does not list and no probe loaded:
    `rabbitmq-diagnostics runtime_thread_stats` failed on the minified
    image, exit 69. Its code ships compiled only: the import table of each
    kept .beam says which applications it calls; not one nothing calls."""
    root = tmp_path / "root"
    merged_usr(root)
    otp = "/usr/lib/erlang"
    write(root, f"{otp}/erts-13.1.5/bin/beam.smp", "\x7fELF", 0o755)
    for app, module, calls in (("runtime_tools-1.19", "msacc", []), ("tools-3.5.3", "cover", []),
                               ("kernel-8.5.3", "code", []), ("compiler-8.2.3", "compile", []),
                               ("stdlib-4.2", "lists", []), ("stdlib-4.2", "c", ["compile"]),
                               ("inets-8.2", "httpc", ["http_transport", "lists"]),
                               ("inets-8.2", "http_transport", ["ssl", "lists"]),
                               ("inets-8.2", "mod_auth_mnesia", ["mnesia"]), ("ssl-10.8.7", "ssl", []),
                               ("mnesia-4.21", "mnesia", []), ("stdlib-4.2", "qlc", ["compile"])):
        write(root, f"{otp}/lib/{app}/ebin/{module}.beam", beam(module, calls))
        write(root, f"{otp}/lib/{app}/ebin/{app.split('-')[0]}.app", "{application, x, []}.\n")
        dpkg(root, f"erlang-{app.split('-')[0]}", f"{otp}/lib/{app}/ebin/{module}.beam",
             f"{otp}/lib/{app}/ebin/{app.split('-')[0]}.app")
    plugins = "/usr/lib/rabbitmq/lib/rabbitmq_server-3.10.8/plugins"
    ebin = f"{plugins}/rabbit_common-3.10.8/ebin"
    write(root, f"{ebin}/rabbit_runtime.beam", beam("rabbit_runtime", ["msacc", "code", "httpc", "qlc"]))
    write(root, f"{ebin}/rabbit_misc.beam", beam("rabbit_misc", ["code"]))
    write(root, "/usr/lib/rabbitmq/bin/rabbitmq-server", "\x7fELF", 0o755)
    dpkg(root, "rabbitmq-server", "/usr/lib/rabbitmq/bin/rabbitmq-server", f"{ebin}/rabbit_runtime.beam",
         f"{ebin}/rabbit_misc.beam")
    trace = ["/usr/lib/rabbitmq/bin/rabbitmq-server", f"{otp}/erts-13.1.5/bin/beam.smp",
             f"{ebin}/rabbit_misc.beam", f"{otp}/lib/kernel-8.5.3/ebin/code.beam",
             f"{otp}/lib/stdlib-4.2/ebin/lists.beam"]
    events = records(("rabbitmq-server", "exec", trace[0]), ("beam.smp", "exec", trace[1]),
                     *(("beam.smp", "openat", p) for p in trace[2:]))
    kept = kept_at(root, "unit", tmp_path, trace, events).kept
    assert f"{ebin}/rabbit_runtime.beam" in kept
    msacc = f"{otp}/lib/runtime_tools-1.19/ebin/msacc.beam"
    assert msacc in kept and f"called by {ebin}/rabbit_runtime.beam" in kept[msacc]
    assert f"{otp}/lib/tools-3.5.3/ebin/cover.beam" not in kept
    # stdlib kept whole: its c module, never loaded, calls the compiler
    assert f"{otp}/lib/stdlib-4.2/ebin/c.beam" in kept
    assert f"{otp}/lib/compiler-8.2.3/ebin/compile.beam" not in kept
    # inets kept whole, as httpc is called: what httpc calls of inets (never
    # loaded) is read, and the applications those call are kept (Elixir's
    # Mix calls httpc; http_transport calls ssl: an https request failed,
    # undef ssl:connect); not what the rest of inets calls
    transport = f"{otp}/lib/inets-8.2/ebin/http_transport.beam"
    assert f"{otp}/lib/inets-8.2/ebin/httpc.beam" in kept and transport in kept
    ssl = f"{otp}/lib/ssl-10.8.7/ebin/ssl.beam"
    assert ssl in kept and f"called by {transport}, which {ebin}/rabbit_runtime.beam reaches" in kept[ssl]
    assert f"{otp}/lib/mnesia-4.21/ebin/mnesia.beam" not in kept


def test_dropped_units_count_each_file_once(tmp_path: Path):
    """A file of a distro package is also its Python distribution's: the
    two units' sizes summed said 374.5 MB dropped of a 306 MB image."""
    root = tmp_path / "root"
    merged_usr(root)
    site = "/usr/lib/python3/dist-packages"
    for path, text in library(site, "foo", "1.0", init="x" * 5000).items():
        write(root, path, text)
    dpkg(root, "python3-foo", *library(site, "foo", "1.0"))
    write(root, "/usr/bin/tool", "#!/bin/sh\n", 0o755)
    dpkg(root, "tool", "/usr/bin/tool")
    report = kept_at(root, "unit", tmp_path, ["/usr/bin/tool"], records(("tool", "exec", "/usr/bin/tool")))
    dropped = [u for u in report.units if u.status == "dropped"]
    assert len(dropped) >= 2 and sum(u.size for u in dropped) > 10000      # the same files, twice
    assert 5000 < report.dropped_bytes < 6000       # (and the dpkg database's few hundred)
    assert f"({report.dropped_bytes / 1e6:.1f} MB)" in report.summary()


def test_a_program_kept_by_include_is_kept_as_if_run(tmp_path: Path):
    """logrotate, added with --include to a minified Squid, failed its
    second rotation: "cannot execute compress command '/bin/gzip'", a name
    compiled into it. What a user includes they mean to run: the programs
    it names so come, as for one that ran (and only through it)."""
    root = cron_root(tmp_path)
    trace = ["/usr/bin/server"]
    events = records(("server", "exec", trace[0]))
    src = Source(RootFS(root), "test", {"PATH": "/usr/bin:/bin"})
    rules = resolve.Rules(include=["/usr/sbin/logrotate"])
    report = pack.pack_files(src, trace, str(tmp_path / "u.tar"), rules, granularity="unit", events=events)
    assert "/usr/sbin/logrotate" in report.kept
    assert "/usr/bin/gzip" in report.kept and "logrotate" in report.kept["/usr/bin/gzip"]
    plain = pack.pack_files(src, trace, str(tmp_path / "p.tar"), resolve.Rules(), granularity="unit",
                            events=events)
    assert "/usr/bin/gzip" not in plain.kept


def test_crontab_commands_by_kind():
    system = ("SHELL=/bin/bash\nPATH=/usr/bin:/bin\n# m h dom mon dow user command\n"
              "17 * * * * root cd / && run-parts --report /etc/cron.hourly\n"
              "@reboot root /usr/local/bin/at-boot --now\n"
              "0 0 * * * www-data date +\\%F > /tmp/day % stdin text\n"
              "SHELLX=/bin/zsh\n\n")
    commands, shell = codescan.crontab_commands(system, "system")
    assert commands == ["cd / && run-parts --report /etc/cron.hourly", "/usr/local/bin/at-boot --now",
                        "date +%F > /tmp/day"]
    assert shell == "/bin/bash"
    # a user's crontab has no user field; anacron's three fields
    assert codescan.crontab_commands("*/5 * * * * php -f /srv/cron.php\n", "user") == (
        ["php -f /srv/cron.php"], None)
    assert codescan.crontab_commands("1 5 cron.daily run-parts --report /etc/cron.daily\n", "anacron")[0] == [
        "run-parts --report /etc/cron.daily"]
    with pytest.raises(KeyError):
        codescan.crontab_commands("", "weekly")  # type: ignore[arg-type]


def test_run_parts_dirs():
    assert codescan.run_parts_dirs("test -x /usr/sbin/anacron || { cd / && run-parts --report "
                                   "/etc/cron.daily; }") == ["/etc/cron.daily"]
    assert codescan.run_parts_dirs("run-parts --umask=022 '/etc/jobs/' && run-parts /etc/more") == [
        "/etc/jobs", "/etc/more"]
    assert codescan.run_parts_dirs("my-run-parts /etc/x; echo run-parts") == []
    # by its path, with options that take a value; --list and --test run nothing
    assert codescan.run_parts_dirs("/bin/run-parts /etc/periodic/15min") == ["/etc/periodic/15min"]
    assert codescan.run_parts_dirs("run-parts -a x -u 022 /etc/y; run-parts --regex='^a' /etc/z") == [
        "/etc/y", "/etc/z"]
    assert codescan.run_parts_dirs("run-parts --list /etc/x; run-parts --test /etc/w") == []


def cron_root(tmp_path: Path) -> Path:
    """A server beside cron: cron's /etc/crontab runs /etc/cron.daily with
    run-parts; its logrotate job runs logrotate, which runs gzip (a name
    compiled into it) and the postrotate script of the drop-in of
    server-common, whose configuration the server reads (nginx-common's
    /etc/logrotate.d/nginx); the application's own job in /etc/cron.d runs
    app-job, of apptools."""
    root, _ = compiled_root(tmp_path)
    for d in ("usr/bin", "usr/sbin"):
        (root / d).mkdir(parents=True)
    link(root, "/bin", "usr/bin")
    main = "int main(void){return 0;}"
    for program in ("/usr/sbin/cron", "/usr/bin/server", "/usr/bin/run-parts", "/usr/bin/sh",
                    "/usr/bin/gzip", "/usr/bin/flock", "/usr/bin/svc-helper"):
        cc(root / program.lstrip("/"), main)
    for program, runs in (("/usr/sbin/logrotate", "/bin/gzip"), ("/usr/bin/svcctl", "/usr/bin/svc-helper")):
        cc(root / program.lstrip("/"), '#include <unistd.h>\n'
           'int main(int argc, char **argv) {\n'
           f'    char *args[] = {{"{runs}", 0}};\n'
           '    return argc > 5 ? execv(args[0], args) : 0;\n'
           '}\n')
    write(root, "/usr/bin/invoke-rc.d", "#!/bin/sh\nsvcctl reload \"$1\"\n", 0o755)
    crontab = ("SHELL=/bin/bash\n25 6 * * * root test -x /usr/sbin/anacron || "
               "{ cd / && run-parts --report /etc/cron.daily; }\n")
    # an admin's line appended to the package's crontab: the image's own job
    write(root, "/etc/crontab", crontab + "*/5 * * * * root admin-job\n0 0 * * * root run-parts /usr/bin\n")
    write(root, "/usr/bin/bash", "#!/bin/sh\n", 0o755)
    write(root, "/etc/anacrontab", "1 5 daily.app /usr/bin/ana-job\n")
    write(root, "/etc/cron.d/app.dpkg-dist", "* * * * * root stale-cron-job\n")
    write(root, "/etc/cron.d/scrub", "10 3 * * 0 root /usr/lib/scrub/scrub-cron\n")
    write(root, "/usr/lib/scrub/scrub-cron", "#!/bin/sh\n. /usr/share/scrub/functions.sh\n"
                                             "run-parts /etc/scrub/hooks\n", 0o755)
    write(root, "/etc/scrub/hooks/notify", "#!/bin/sh\n", 0o755)
    write(root, "/usr/share/scrub/functions.sh", "helper() { :; }\n")
    write(root, "/usr/share/scrub/other-data", "x")
    write(root, "/etc/crontabs/root", "SHELL=/usr/bin/mksh\n"
                                      "0 * * * * /usr/bin/hourly-job --quiet\n")  # busybox's: no user
    write(root, "/usr/bin/mksh", "#!/bin/sh\n", 0o755)
    write(root, "/usr/bin/hourly-job", "#!/bin/sh\n", 0o755)
    # (through a library it reads in, as dpkg's job reads dpkg-error.sh)
    write(root, "/etc/cron.daily/logrotate", "#!/bin/sh\nflock -n /run/lock/x true\n"
                                             ". /usr/lib/logrotate/run.sh\n"
                                             "run-parts /etc/logrotate/hooks\n", 0o755)
    write(root, "/etc/logrotate/hooks/before", "#!/bin/sh\n", 0o755)
    write(root, "/usr/lib/logrotate/run.sh", "/usr/sbin/logrotate /etc/logrotate.conf\n")
    write(root, "/etc/cron.daily/stale.dpkg-old", "#!/bin/sh\n/usr/bin/stale-job\n", 0o755)
    write(root, "/usr/bin/stale-job", "#!/bin/sh\n", 0o755)
    write(root, "/etc/logrotate.conf", "weekly\ninclude /etc/logrotate.d\n")
    write(root, "/etc/logrotate.d/server", "/var/log/server/error.log {\n  weekly\n}\n")
    write(root, "/etc/logrotate.d/server-web", "/var/log/server/*.log {\n  daily\n  postrotate\n"
                                               "    invoke-rc.d server rotate >/dev/null\n  endscript\n}\n")
    write(root, "/etc/server/server.conf", "listen 80;\n")
    write(root, "/etc/logrotate.d/unused", "/var/log/unused.log {\n  postrotate\n    unused-thing\n"
                                           "  endscript\n}\n")
    write(root, "/etc/cron.d/app", "*/5 * * * * root app-job --clean\n")
    for script in ("/usr/bin/unused-thing", "/usr/bin/app-job", "/usr/bin/app-other",
                   "/usr/bin/logrotate-extra", "/usr/bin/admin-job", "/usr/bin/admin-other",
                   "/usr/bin/ana-job", "/usr/bin/stale-cron-job"):
        write(root, script, "#!/bin/sh\n", 0o755)
    dpkg(root, "cron", "/usr/sbin/cron", "/etc/crontab", conffiles={"/etc/crontab": crontab.encode()})
    dpkg(root, "admintools", "/usr/bin/admin-job", "/usr/bin/admin-other")
    dpkg(root, "bash", "/usr/bin/bash")
    dpkg(root, "mksh", "/usr/bin/mksh")
    dpkg(root, "anacron", "/etc/anacrontab", "/usr/bin/ana-job")
    dpkg(root, "scrub", "/etc/cron.d/scrub", "/usr/lib/scrub/scrub-cron", "/usr/share/scrub/functions.sh",
         "/usr/share/scrub/other-data")
    dpkg(root, "server", "/usr/bin/server", "/etc/logrotate.d/server")
    dpkg(root, "server-common", "/etc/server/server.conf", "/etc/logrotate.d/server-web")
    dpkg(root, "unused", "/usr/bin/unused-thing", "/etc/logrotate.d/unused")
    dpkg(root, "apptools", "/usr/bin/app-job", "/usr/bin/app-other")
    dpkg(root, "logrotate", "/usr/sbin/logrotate", "/etc/logrotate.conf", "/etc/cron.daily/logrotate",
         "/usr/bin/logrotate-extra", "/usr/lib/logrotate/run.sh")
    dpkg(root, "gzip", "/usr/bin/gzip")
    dpkg(root, "debianutils", "/usr/bin/run-parts")
    dpkg(root, "dash", "/usr/bin/sh")
    dpkg(root, "init-system-helpers", "/usr/bin/invoke-rc.d")
    dpkg(root, "systemd", "/usr/bin/svcctl", "/usr/bin/svc-helper")
    dpkg(root, "util-linux", "/usr/bin/flock", "/usr/bin/util-other")
    write(root, "/usr/bin/util-other", "#!/bin/sh\n", 0o755)
    dpkg(root, "stale", "/usr/bin/stale-job", "/etc/cron.daily/stale.dpkg-old")
    return root


def test_the_jobs_of_a_scheduler_that_ran_are_kept(tmp_path: Path):
    """cron, started beside a server, runs its daily jobs at 6:25, which a
    trace of minutes never sees: on the minified image its logrotate job
    found no logrotate. The jobs' commands come as if run (logrotate's
    compiled-in gzip too), with run-parts and the shell cron gives them
    to, and what logrotate's configuration runs at a rotation, with the
    drop-in of every package of which a file is kept. A package's job
    comes with its package (dpkg's sources its package's data), each
    program it runs alone (util-linux whole for a `flock`); the image's
    own, as the application's scripts, whole. What the programs a job
    runs run in turn is kept, not followed as run (logrotate's postrotate
    runs invoke-rc.d, which runs systemctl, whose compiled-in names led
    to perl-base)."""
    root = cron_root(tmp_path)
    trace = ["/usr/sbin/cron", "/usr/bin/server", "/etc/crontab", "/etc/server/server.conf"]
    events = records(("cron", "exec", "/usr/sbin/cron"), ("cron", "openat", "/etc/crontab"),
                     ("server", "exec", "/usr/bin/server"), ("server", "openat", "/etc/server/server.conf"))
    kept = kept_at(root, "unit", tmp_path, trace, events).kept
    for path in ("/usr/bin/run-parts", "/usr/bin/sh", "/etc/cron.daily/logrotate", "/usr/sbin/logrotate",
                 "/etc/logrotate.conf", "/usr/bin/gzip", "/etc/logrotate.d/server-web",
                 "/usr/bin/invoke-rc.d", "/usr/bin/hourly-job", "/etc/cron.d/app", "/usr/bin/app-job",
                 "/usr/bin/app-other", "/usr/bin/logrotate-extra", "/usr/bin/flock", "/usr/bin/svcctl",
                 # SHELL=; an admin's line in the package's crontab, whole; anacron's job; a
                 # package's crontab with its package (the data its job reads in)
                 "/usr/bin/bash", "/usr/bin/admin-job", "/usr/bin/admin-other", "/usr/bin/ana-job",
                 "/usr/lib/scrub/scrub-cron", "/usr/share/scrub/functions.sh", "/usr/share/scrub/other-data",
                 # a crontab's SHELL=; what a job runs with run-parts
                 "/usr/bin/mksh", "/etc/scrub/hooks/notify", "/etc/logrotate/hooks/before"):
        assert path in kept, path
    assert "run by cron" in kept["/etc/cron.daily/logrotate"]
    assert "logrotate" in kept["/usr/bin/invoke-rc.d"]
    assert "/usr/bin/util-other" not in kept and "/usr/bin/svc-helper" not in kept
    # cron reads no /etc/cron.d file with a '.' in its name; `run-parts /usr/bin` is refused
    assert "/usr/bin/stale-cron-job" not in kept and "/usr/bin/unused-thing" not in kept
    # no drop-in of a package nothing of is kept
    assert "/etc/logrotate.d/unused" not in kept and "/usr/bin/unused-thing" not in kept
    # run-parts runs no file with a '.' in its name
    assert "/usr/bin/stale-job" not in kept
    # without cron in the trace, nothing of its jobs
    server_only = kept_at(root, "unit", tmp_path, ["/usr/bin/server"],
                          records(("server", "exec", "/usr/bin/server"))).kept
    assert not {"/usr/sbin/logrotate", "/usr/bin/gzip", "/usr/bin/hourly-job",
                "/usr/bin/app-job"} & set(server_only)


def scrub_programs(root: Path, tmp_path: Path) -> None:
    """cron_root's scrub, a package with a daily job, ships programs its job
    does not run: a download method linked to libtls (of a package nothing
    uses, as apt's methods are to GnuTLS), a Perl setup script (dselect's,
    in apt), a shell helper; and an init script."""
    build = tmp_path / "build"
    build.mkdir()
    cc(build / "libtls.so.1", "int tls(void){return 1;}", "-shared", "-fPIC", "-Wl,-soname,libtls.so.1")
    shutil.copy2(build / "libtls.so.1", root / "usr/lib/x86_64-linux-gnu/libtls.so.1")
    cc(root / "usr/lib/scrub/method", "int tls(void); int main(void){return tls();}", f"-L{build}",
       "-l:libtls.so.1")
    write(root, "/usr/lib/scrub/setup", "#!/usr/bin/perl\nprint 1;\n", 0o755)
    write(root, "/usr/bin/perl", "\x7fELF", 0o755)
    write(root, "/usr/lib/scrub/helper", "#!/bin/sh\n", 0o755)
    link(root, "/usr/lib/scrub/method-s", "method")
    dpkg(root, "scrub", "/etc/cron.d/scrub", "/usr/lib/scrub/scrub-cron", "/usr/share/scrub/functions.sh",
         "/usr/share/scrub/other-data",
         *(f"/usr/lib/scrub/{p}" for p in ("method", "method-s", "setup", "helper")))
    dpkg(root, "libtls1", "/usr/lib/x86_64-linux-gnu/libtls.so.1")
    dpkg(root, "perl-base", "/usr/bin/perl")


def test_a_package_kept_for_its_job_leaves_out_programs_it_does_not_run(tmp_path: Path):
    """A package kept whole for its job (its data, which the job reads in)
    keeps its programs the job does not run only where they need no
    package nothing uses: apt and dpkg, kept for their daily jobs beside a
    web application, brought GnuTLS for apt's download methods and perl
    for a dselect method (11.5 MB no job runs). Said in the report, with
    no warning; used for itself (a program of it traced), it comes whole."""
    root = cron_root(tmp_path)
    scrub_programs(root, tmp_path)
    trace = ["/usr/sbin/cron", "/usr/bin/server", "/etc/crontab", "/etc/server/server.conf"]
    events = records(("cron", "exec", "/usr/sbin/cron"), ("cron", "openat", "/etc/crontab"),
                     ("server", "exec", "/usr/bin/server"), ("server", "openat", "/etc/server/server.conf"))
    report = kept_at(root, "unit", tmp_path, trace, events)
    for path in ("/usr/lib/scrub/scrub-cron", "/usr/share/scrub/other-data", "/usr/lib/scrub/helper"):
        assert path in report.kept, path
    for path in ("/usr/lib/scrub/method", "/usr/lib/scrub/method-s", "/usr/lib/scrub/setup", "/usr/bin/perl",
                 "/usr/lib/x86_64-linux-gnu/libtls.so.1"):
        assert path not in report.kept, path
    assert "does not run" in report.skipped["/usr/lib/scrub/method"]
    assert "libtls1" in report.skipped["/usr/lib/scrub/method"]
    assert "perl-base" in report.skipped["/usr/lib/scrub/setup"]
    assert not report.left_out and not any("scrub" in w for w in report.warnings), report.warnings
    # at --granularity package, every package a file of which is kept is whole
    (tmp_path / "package").mkdir()
    assert "/usr/lib/scrub/method" in kept_at(root, "package", tmp_path / "package", trace, events).kept
    # the job's program ran, traced: the package is used for itself
    (tmp_path / "used").mkdir()
    used = kept_at(root, "unit", tmp_path / "used", trace + ["/usr/lib/scrub/scrub-cron"],
                   events + records(("scrub-cron", "exec", "/usr/lib/scrub/scrub-cron"))).kept
    for path in ("/usr/lib/scrub/method", "/usr/lib/x86_64-linux-gnu/libtls.so.1", "/usr/lib/scrub/setup"):
        assert path in used, path
    # or a job of the image's own runs one of its programs, in a crontab read after scrub's:
    # the package, kept for its job already, comes whole
    write(root, "/etc/crontabs/root", "0 * * * * /usr/lib/scrub/helper\n")
    (tmp_path / "own").mkdir()
    own = kept_at(root, "unit", tmp_path / "own", trace, events)
    assert "/usr/lib/scrub/method" in own.kept and "/usr/lib/scrub/method" not in own.skipped


def test_init_scripts_come_with_what_an_admin_runs_them_with(tmp_path: Path):
    """`service cron status` said "service: not found" on a minified image
    whose cron ran and whose /etc/init.d/cron was kept (its package is)."""
    root = cron_root(tmp_path)
    write(root, "/etc/init.d/cron", "#!/bin/sh\n", 0o755)
    write(root, "/usr/sbin/service", "#!/bin/sh\nenv -i /etc/init.d/$1 $2\n", 0o755)
    write(root, "/usr/bin/env", "#!/bin/sh\n", 0o755)
    dpkg(root, "cron", "/usr/sbin/cron", "/etc/crontab", "/etc/init.d/cron")
    dpkg(root, "init-system-helpers", "/usr/bin/invoke-rc.d", "/usr/sbin/service")
    dpkg(root, "coreutils", "/usr/bin/env")
    trace = ["/usr/bin/server", "/etc/server/server.conf"]
    events = records(("server", "exec", "/usr/bin/server"), ("server", "openat", "/etc/server/server.conf"))
    assert "/usr/sbin/service" not in kept_at(root, "unit", tmp_path, trace, events).kept
    (tmp_path / "cron").mkdir()
    kept = kept_at(root, "unit", tmp_path / "cron", trace + ["/usr/sbin/cron"],
                   events + records(("cron", "exec", "/usr/sbin/cron"))).kept
    assert "/etc/init.d/cron" in kept
    assert "/usr/sbin/service" in kept and "/etc/init.d/cron" in kept["/usr/sbin/service"]
    assert "/usr/bin/env" in kept       # what service runs, read as a kept package's script's
    assert "/usr/bin/invoke-rc.d" in kept


def test_a_dropped_tool_a_kept_package_configures_is_named(tmp_path: Path):
    """logrotate, a Recommends of squid, was dropped from Squid's minified
    image with squid's /etc/logrotate.d/squid kept: an admin's `logrotate
    -f` then found no logrotate, and nothing had said so. Not kept (nothing
    ran it), but named, with the drop-in."""
    root = cron_root(tmp_path)
    write(root, "/etc/sysctl.d/50-server.conf", "net.core.somaxconn = 1024\n")
    write(root, "/usr/sbin/sysctl", "#!/bin/sh\n", 0o755)
    dpkg(root, "server", "/usr/bin/server", "/etc/logrotate.d/server", "/etc/sysctl.d/50-server.conf")
    dpkg(root, "procps", "/usr/sbin/sysctl")
    write(root, "/var/lib/apt/extended_states", "".join(
        f"Package: {p}\nArchitecture: amd64\nAuto-Installed: 1\n\n" for p in ("logrotate", "procps")))
    trace = ["/usr/bin/server"]
    report = kept_at(root, "unit", tmp_path, trace, records(("server", "exec", "/usr/bin/server")))
    assert "/etc/logrotate.d/server" in report.kept and "/usr/sbin/logrotate" not in report.kept
    assert "/etc/sysctl.d/50-server.conf" in report.kept and "/usr/sbin/sysctl" not in report.kept
    assert "logrotate (/etc/logrotate.d/server)" in report.unused_tools
    assert "--include /usr/sbin/logrotate" in report.unused_tools and report.unused_tools in report.warnings
    # (nor a tool a container has no use for: sysctl, for a kept /etc/sysctl.d file)
    assert "sysctl" not in report.unused_tools
    # (not when it is kept: cron ran its job)
    events = records(("cron", "exec", "/usr/sbin/cron"), ("server", "exec", "/usr/bin/server"))
    assert kept_at(root, "unit", tmp_path, ["/usr/sbin/cron", *trace], events).unused_tools == ""


def test_unused_tools_warning_shows_a_few_files_each():
    line = pack.unused_tools_warning({"/usr/sbin/logrotate": ["/etc/logrotate.d/a", "/etc/logrotate.d/b",
                                                              "/etc/logrotate.d/c"],
                                      "/usr/sbin/cron": ["/etc/cron.d/php"]})
    assert ("/usr/sbin/cron (/etc/cron.d/php); "
            "/usr/sbin/logrotate (/etc/logrotate.d/a, /etc/logrotate.d/b, +1 more)") in line
    assert line.endswith("--include /usr/sbin/cron)")
    assert pack.unused_tools_warning({}) == ""


def test_a_program_of_the_applications_named_cron_is_no_scheduler(tmp_path: Path):
    """Only a scheduler of a command directory runs crontabs: the
    application's own /app/bin/cron (a task runner) is not one."""
    root = cron_root(tmp_path)
    write(root, "/app/bin/cron", "#!/bin/sh\n", 0o755)
    kept = kept_at(root, "unit", tmp_path, ["/app/bin/cron", "/usr/bin/server"],
                   records(("cron", "exec", "/app/bin/cron"), ("server", "exec", "/usr/bin/server"))).kept
    assert "/app/bin/cron" in kept
    assert not {"/usr/sbin/logrotate", "/usr/bin/app-job", "/usr/bin/admin-job"} & set(kept)


def test_a_program_a_binary_names_of_a_package_it_recommends_is_kept(tmp_path: Path):
    """git runs `pager` (update-alternatives' link to less, which git
    recommends): probed with ls-remote, the minified image's `git log`
    said "cannot run pager" and printed everything unpaged. A program
    named bare in a binary that runs programs is kept when a package the
    binary's own recommends or suggests has it, while all it so names
    add 4 MB at most; not one of a package it only depends on (procps'
    kill, for its maintainer's scripts), nor of an unrelated package, nor
    of the system's own (Essential: "join"), nor a word of one or two
    letters (fopen's "w")."""
    root, lib = compiled_root(tmp_path)
    (root / "usr/bin").mkdir(parents=True)
    cc(root / "usr/bin/git", '#include <unistd.h>\n'
       'int main(int argc, char **argv) {\n'
       '    char *names[] = {"pager", "more", "join", "patch", "gs", "kill", "w", "free"};\n'
       '    char *args[] = {names[argc % 8], 0};\n'
       '    return execvp(args[0], args);\n'
       '}\n')
    for program in ("less", "more", "join", "patch", "kill", "w", "free"):
        cc(root / f"usr/bin/{program}", "int main(void){return 0;}")
    write(root, "/usr/bin/gs", "#!/bin/sh\n" + "#" * (5 << 20), 0o755)
    dpkg(root, "procps", "/usr/bin/kill", "/usr/bin/w", depends="libc6", priority="important")
    dpkg(root, "free", "/usr/bin/free", depends="libc6", priority="important")
    link(root, "/etc/alternatives/pager", "/usr/bin/less")
    link(root, "/usr/bin/pager", "/etc/alternatives/pager")
    dpkg(root, "libc6", "/usr/lib/x86_64-linux-gnu/libc.so.6",
         "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2")
    dpkg(root, "git", "/usr/bin/git", depends="libc6, coreutils, free", recommends="less, procps",
         suggests="patch, ghostscript")
    dpkg(root, "ghostscript", "/usr/bin/gs")
    dpkg(root, "less", "/usr/bin/less", depends="libc6")
    dpkg(root, "patch", "/usr/bin/patch", depends="libc6")
    dpkg(root, "util-linux", "/usr/bin/more", depends="libc6", essential=True)
    dpkg(root, "coreutils", "/usr/bin/join", essential=True)
    assert lib.is_dir()
    ran = records(("git", "exec", "/usr/bin/git"))
    report = kept_at(root, "unit", tmp_path, ["/usr/bin/git"], ran)
    kept = report.kept
    for path in ("/usr/bin/pager", "/etc/alternatives/pager", "/usr/bin/less", "/usr/bin/patch"):
        assert path in kept, path
    assert "which its package recommends or suggests" in kept["/usr/bin/less"]
    assert "a name compiled into it" in kept["/usr/bin/kill"]       # procps: recommended
    for path in ("/usr/bin/more", "/usr/bin/join", "/usr/bin/w", "/usr/bin/free", "/usr/bin/gs"):
        assert path not in kept, (path, kept.get(path))           # (gs: over the bound)
    assert "/usr/bin/less" not in kept_at(root, "file", tmp_path, ["/usr/bin/git"], ran).kept


def test_a_node_module_found_through_a_linked_node_modules_comes_with_the_link(tmp_path: Path):
    """Debian's npm: /usr/share/nodejs/@npmcli/node_modules is a link to
    ../npm/node_modules, where @npmcli/arborist finds treeverse. Resolved
    by the modules' own names only, treeverse was no dependency of
    arborist, and with npm kept every npm command failed, "Cannot find
    module 'treeverse'". A dependency found through a node_modules that
    is a link comes, and so does the link; not a module of that directory
    nothing depends on."""
    root = tmp_path / "root"
    merged_usr(root)
    g = "/usr/share/nodejs"
    write(root, f"{g}/@npmcli/arborist/package.json", '{"name": "@npmcli/arborist", '
                                                       '"dependencies": {"treeverse": "^3"}}')
    write(root, f"{g}/@npmcli/arborist/index.js", "module.exports = require('treeverse')\n")
    write(root, f"{g}/npm/package.json", '{"name": "npm"}')
    for name in ("treeverse", "unused"):
        write(root, f"{g}/npm/node_modules/{name}/package.json", f'{{"name": "{name}"}}')
        write(root, f"{g}/npm/node_modules/{name}/index.js", "module.exports = 1\n")
    link(root, f"{g}/@npmcli/node_modules", "../npm/node_modules")
    trace = [f"{g}/@npmcli/arborist/index.js"]
    kept = kept_at(root, "unit", tmp_path, trace, records(("node", "openat", trace[0]))).kept
    assert f"{g}/npm/node_modules/treeverse/index.js" in kept
    assert f"{g}/@npmcli/node_modules" in kept
    assert f"{g}/npm/node_modules/unused/index.js" not in kept


def test_the_compressors_tar_runs_by_name_come_with_it(tmp_path: Path):
    """Dovecot's dovecot-sysreport runs `tar -czf`: tar was kept for it,
    gzip (Essential: tar does not depend on it) was not, and the report
    failed, "gzip: not found", exit 2. The programs HELPERS_BY_NAME says a
    kept program runs by name come with it, those the image has; not
    without the program."""
    root = tmp_path / "root"
    merged_usr(root)
    for program in ("/usr/bin/sh", "/usr/bin/tar", "/usr/bin/gzip", "/usr/bin/xz", "/usr/bin/true"):
        write(root, program, "#!/bin/sh\n", 0o755)
    write(root, "/usr/bin/dovecot-sysreport", "#!/bin/sh\ntar -czf /tmp/report.tar.gz /etc/dovecot\n", 0o755)
    write(root, "/usr/bin/dovecot-other", "#!/bin/sh\ntrue\n", 0o755)
    dpkg(root, "dash", "/usr/bin/sh", essential=True)
    dpkg(root, "tar", "/usr/bin/tar", essential=True)
    dpkg(root, "gzip", "/usr/bin/gzip", essential=True)
    dpkg(root, "coreutils", "/usr/bin/true", essential=True)
    dpkg(root, "xz-utils", "/usr/bin/xz", priority="optional")
    dpkg(root, "dovecot-core", "/usr/bin/dovecot-sysreport", "/usr/bin/dovecot-other")
    trace = ["/usr/bin/dovecot-sysreport"]
    kept = kept_at(root, "unit", tmp_path, trace, records(("sh", "exec", trace[0]))).kept
    assert "/usr/bin/tar" in kept
    for helper in ("/usr/bin/gzip", "/usr/bin/xz"):
        assert "/usr/bin/tar (which it runs for a part of its work" in kept.get(helper, ""), helper
    write(root, "/usr/bin/dovecot-sysreport", "#!/bin/sh\ntrue\n", 0o755)
    (tmp_path / "no-tar").mkdir()
    kept = kept_at(root, "unit", tmp_path / "no-tar", trace, records(("sh", "exec", trace[0]))).kept
    assert "/usr/bin/tar" not in kept and "/usr/bin/gzip" not in kept


def test_the_helpers_in_a_libexec_directory_the_program_read_from_come(app_root: Path, tmp_path: Path):
    """Emacs reads emacs.pdmp from its exec-directory,
    /usr/libexec/emacs/28.2/x86_64-linux-gnu, as it starts, and runs hexl
    from there by path: hexl-mode failed on a minified image, "Searching
    for program". The programs of a /usr/libexec directory the workload
    read a file in come, each alone; not those of one it read nothing in."""
    write(app_root, "/usr/bin/editor", "#!/bin/sh\n", 0o755)
    write(app_root, "/usr/libexec/editor/1.0/editor.pdmp", "dump")
    write(app_root, "/usr/libexec/editor/1.0/hexl", "#!/bin/sh\n", 0o755)
    write(app_root, "/usr/libexec/other/helper", "#!/bin/sh\n", 0o755)
    dpkg(app_root, "editor", "/usr/bin/editor", "/usr/libexec/editor/1.0/editor.pdmp")
    dpkg(app_root, "editor-bin-common", "/usr/libexec/editor/1.0/hexl")
    dpkg(app_root, "other", "/usr/libexec/other/helper")
    trace = ["/usr/bin/editor", "/usr/libexec/editor/1.0/editor.pdmp"]
    kept = kept_at(app_root, "unit", tmp_path, trace,
                   records(("editor", "exec", trace[0]), ("editor", "openat", trace[1]))).kept
    hexl = kept["/usr/libexec/editor/1.0/hexl"]
    assert "beside /usr/libexec/editor/1.0/editor.pdmp, which was read" in hexl
    assert "/usr/libexec/other/helper" not in kept


def test_the_resolvers_files_come_with_a_program_that_looks_host_names_up(tmp_path: Path):
    """Emacs's lookup of "localhost" returned 127.0.0.1 alone on its
    minified image, exit 0: /etc/host.conf (`multi on`) was never read by
    a probe that resolved no name. A kept program or library that looks
    host names up brings the resolver's files; one that does not, none."""
    need(shutil.which("gcc") is not None, "gcc")
    root = tmp_path / "root"
    merged_usr(root)
    host_loader(root)
    (root / "usr/bin").mkdir(parents=True, exist_ok=True)
    cc(root / "usr/bin/client", "#include <netdb.h>\n#include <stddef.h>\n"
       "int main(void) { struct addrinfo *r; return getaddrinfo(\"localhost\", NULL, NULL, &r); }\n")
    cc(root / "usr/bin/plain", "int main(void) { return 0; }\n")
    write(root, "/etc/host.conf", "multi on\n")
    write(root, "/etc/gai.conf", "#\n")
    dpkg(root, "base-files", "/etc/host.conf")
    dpkg(root, "client", "/usr/bin/client")
    dpkg(root, "plain", "/usr/bin/plain")
    for name in ("client", "plain"):
        (tmp_path / name).mkdir()
        kept = kept_at(root, "unit", tmp_path / name, [f"/usr/bin/{name}"],
                       records((name, "exec", f"/usr/bin/{name}"))).kept
        assert ("/etc/host.conf" in kept and "/etc/gai.conf" in kept) is (name == "client"), name
    assert "/usr/bin/client looks host names up (getaddrinfo)" in kept_at(
        root, "unit", tmp_path / "client", ["/usr/bin/client"],
        records(("client", "exec", "/usr/bin/client"))).kept["/etc/host.conf"]


def test_the_unused_commands_warning_gives_a_packages_own_command_as_its_example():
    """npm's warning said `--include /usr/bin/arborist`, the first of its
    commands by name; a package's command of its own name is the one a
    user means."""
    line = pack.unused_commands_warning({"npm": ["/usr/bin/arborist", "/usr/bin/npm"],
                                         expand.IMAGES_OWN: ["/usr/local/bin/a-tool"]})
    assert line.endswith("(e.g. --include /usr/bin/npm)")
    assert "npm (arborist, npm); and the image's own, of no package (a-tool)" in line
    # (else the first listed: the packer lists compiled programs first; a
    # package's before the image's own)
    assert pack.unused_commands_warning({"x": ["/usr/bin/b", "/usr/bin/a"]}).endswith("--include /usr/bin/b)")
    assert pack.unused_commands_warning({"x": ["/usr/bin/b"], expand.IMAGES_OWN: ["/usr/local/bin/a"]}) \
        .endswith("--include /usr/bin/b)")
    # (its name spelled apart: FreeRADIUS's eapoltest's eapol_test, not strace)
    line = pack.unused_commands_warning({"eapoltest": ["/usr/bin/eapol_test"], "strace": ["/usr/bin/strace"]})
    assert line.endswith("--include /usr/bin/eapol_test)")


def test_the_unused_commands_warning_lists_compiled_programs_before_scripts(tmp_path: Path):
    """gettext's warning gave `--include /usr/bin/gettextize`, the first
    by name: a script nothing runs, which brought 17 MB of the shell's
    tools and no msgfmt. A package's compiled programs are listed first,
    and the example is one of them."""
    root, lib = compiled_root(tmp_path)
    (root / "usr/bin").mkdir()
    cc(root / "usr/bin/msgfmt", "int main(void){return 0;}")
    cc(root / "usr/bin/server", "int main(void){return 0;}")
    write(root, "/usr/bin/gettextize", "#!/bin/sh\n", 0o755)
    dpkg(root, "gettext", "/usr/bin/gettextize", "/usr/bin/msgfmt", priority="optional")
    dpkg(root, "server", "/usr/bin/server", priority="optional")
    assert lib.is_dir()
    line = kept_at(root, "unit", tmp_path, ["/usr/bin/server"],
                   records(("server", "exec", "/usr/bin/server"))).unused_commands
    assert "gettext (msgfmt, gettextize)" in line and line.endswith("(e.g. --include /usr/bin/msgfmt)"), line


def test_the_unused_commands_warning_puts_what_kept_configuration_names_first(tmp_path: Path):
    """Radicale's config offers htpasswd authentication (in a comment, as
    a Debian package ships it); apache2-utils, installed on purpose for
    its htpasswd, was said as "ab, checkgid, ..., +6 more" and the
    example was another command: htpasswd, the seventh, went unseen. A
    command a kept configuration file names is listed first, said with
    that file, and given as the example; a name only inside another word
    (htpasswd_filename) is none."""
    root, lib = compiled_root(tmp_path)
    (root / "usr/bin").mkdir()
    tools = ["ab", "checkgid", "fcgistarter", "htcacheclean", "htdbm", "htdigest", "htpasswd", "logresolve"]
    for name in [*tools, "server", "a-tool"]:
        cc(root / f"usr/bin/{name}", "int main(void){return 0;}")
    dpkg(root, "a-tool", "/usr/bin/a-tool", priority="optional")  # (listed first, of its own name)
    dpkg(root, "apache2-utils", *(f"/usr/bin/{t}" for t in tools), priority="optional")
    dpkg(root, "server", "/usr/bin/server", priority="optional", depends="netbase")
    assert lib.is_dir()
    # (and through links: lighttpd's 15-fastcgi-php.conf names /usr/bin/php-cgi,
    # /etc/alternatives' link to php8.2-cgi's php-cgi8.2)
    cc(root / "usr/bin/php-cgi8.2", "int main(void){return 0;}")
    os.truncate(root / "usr/bin/php-cgi8.2", expand.COMPANION_LIMIT + 1)      # (49 MB)
    dpkg(root, "php8.2-cgi", "/usr/bin/php-cgi8.2", priority="optional")
    link(root, "/usr/bin/php-cgi", "/etc/alternatives/php-cgi")
    link(root, "/etc/alternatives/php-cgi", "/usr/bin/php-cgi8.2")
    config = "[auth]\n# Value: none | htpasswd | remote_user\n#type = none\n"
    write(root, "/etc/server/config", config)
    # (one kept beside it, not read: a module's, which enabling it reads)
    write(root, "/etc/server/conf-available/php.conf", "\"bin-path\" => \"/usr/bin/php-cgi\"\n")
    # (nor a security policy's grants: BIND's AppArmor profile's `w,` was said as procps' w)
    write(root, "/etc/apparmor.d/usr.bin.server",
          "/usr/bin/server {\n  signal (send) peer=logresolve,\n  /var/x w,\n}\n")
    dpkg(root, "server-common", "/etc/server/config", "/etc/server/conf-available/php.conf",
         "/etc/apparmor.d/usr.bin.server", priority="optional")
    # (not the system's tables: /etc/group names man, /etc/services rsync)
    write(root, "/etc/services", "logresolve 1/tcp\n")
    dpkg(root, "netbase", "/etc/services")
    trace = ["/usr/bin/server", "/etc/server/config", "/etc/services", "/etc/apparmor.d/usr.bin.server"]
    events = records(("server", "exec", "/usr/bin/server"), ("server", "openat", "/etc/server/config"))
    line = kept_at(root, "unit", tmp_path, trace, events).unused_commands
    assert "apache2-utils (htpasswd, ab, checkgid, fcgistarter, htcacheclean, htdbm, +2 more); " \
        "php8.2-cgi (php-cgi8.2); named by kept configuration: htpasswd (/etc/server/config), php-cgi8.2 " \
        "(/etc/server/conf-available/php.conf); keep one with --include (e.g. --include /usr/bin/htpasswd)" \
        in line, line
    write(root, "/etc/server/config", config.replace("htpasswd |", "htpasswd_filename |"))
    write(root, "/etc/server/conf-available/php.conf", "\"bin-path\" => \"/usr/bin/php\"\n")
    (tmp_path / "inside").mkdir()
    line = kept_at(root, "unit", tmp_path / "inside", trace, events).unused_commands
    assert "apache2-utils (ab, checkgid," in line and "named by" not in line, line


def test_a_program_kept_alone_brings_the_roles_it_names_by_path(tmp_path: Path):
    """bsd-mailx's mail, kept because Dovecot's init script names it and
    never run, pages a long message through /usr/bin/pager (a link to
    /etc/alternatives/pager): in `docker exec -it ... mail` on the
    minified image, "/usr/bin/pager: not found" and nothing of the
    message. A program kept alone brings what it names by an absolute
    path through /etc/alternatives, or of a package its own depends on
    (mail's /usr/sbin/sendmail, of the mail transport agent: Icinga's
    notification mails, "sendmail process failed"); not another program
    it names by path (systemctl's led to update-rc.d and perl-base)."""
    root, lib = compiled_root(tmp_path)
    (root / "usr/bin").mkdir(parents=True)
    (root / "usr/sbin").mkdir(parents=True)
    link(root, "/bin", "usr/bin")
    cc(root / "usr/bin/mail", '#include <unistd.h>\n'
       'int main(int argc, char **argv) {\n'
       '    char *args[] = {argc > 2 ? "/usr/sbin/sendmail" : argc > 1 ? "/usr/bin/pager"\n'
       '                    : "/usr/sbin/helper", 0};\n'
       '    return execv(args[0], args);\n'
       '}\n')
    for program in ("usr/bin/more", "usr/sbin/helper", "usr/sbin/dovecot", "usr/bin/sh",
                    "usr/sbin/sendmail"):
        cc(root / program, "int main(void){return 0;}")
    link(root, "/etc/alternatives/pager", "/usr/bin/more")
    link(root, "/usr/bin/pager", "/etc/alternatives/pager")
    write(root, "/etc/init.d/dovecot", "#!/bin/sh\nif [ -n \"$MAILTO\" ]; then mail -s x \"$MAILTO\"; fi\n",
          0o755)
    # (and the roles of a role: logrotate's mailx, through the alternatives, is mail)
    cc(root / "usr/bin/rotate", '#include <unistd.h>\n'
       'int main(int argc, char **argv) {\n'
       '    char *args[] = {"/usr/bin/mailx", 0};\n'
       '    return argc > 9 ? execv(args[0], args) : 0;\n'
       '}\n')
    link(root, "/etc/alternatives/mailx", "/usr/bin/mail")
    link(root, "/usr/bin/mailx", "/etc/alternatives/mailx")
    dpkg(root, "rotate", "/usr/bin/rotate", depends="libc6")
    dpkg(root, "libc6", "/usr/lib/x86_64-linux-gnu/libc.so.6",
         "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2")
    dpkg(root, "dovecot-core", "/usr/sbin/dovecot", "/etc/init.d/dovecot", depends="libc6")
    dpkg(root, "bsd-mailx", "/usr/bin/mail", depends="libc6, dma")
    dpkg(root, "dma", "/usr/sbin/sendmail", depends="libc6")
    dpkg(root, "bsdextrautils", "/usr/bin/more", depends="libc6")
    dpkg(root, "helpers", "/usr/sbin/helper", depends="libc6")
    dpkg(root, "dash", "/usr/bin/sh", essential=True)
    assert lib.is_dir()
    ran = records(("dovecot", "exec", "/usr/sbin/dovecot"), ("sh", "exec", "/usr/bin/sh"))
    kept = kept_at(root, "unit", tmp_path, ["/usr/sbin/dovecot", "/usr/bin/sh"], ran).kept
    assert "/usr/bin/mail" in kept and "/usr/sbin/helper" not in kept
    for path in ("/usr/bin/pager", "/etc/alternatives/pager", "/usr/bin/more", "/usr/sbin/sendmail"):
        assert path in kept, path
    # a role's roles: the init script runs rotate, which names mailx (mail), which names sendmail
    write(root, "/etc/init.d/dovecot", "#!/bin/sh\nrotate --daily\n", 0o755)
    (tmp_path / "chain").mkdir()
    kept = kept_at(root, "unit", tmp_path / "chain", ["/usr/sbin/dovecot", "/usr/bin/sh"], ran).kept
    assert "/usr/bin/rotate" in kept and "/usr/bin/mailx" in kept
    assert "/usr/bin/mail" in kept and "/usr/sbin/sendmail" in kept


def test_what_the_xml_catalogs_read_map_names_to(app_root: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch):
    """A DocBook build read /etc/xml/catalog and found its stylesheet by URI
    through docbook-xsl's catalog, which rewrites the release URI to its
    tree: with only the stylesheets the first build read kept, chunk.xsl
    failed to load and a German book came out with empty headings
    (common/de.xml); a DocBook 4.2 book's DTD, through docbook-xml's
    catalog of catalogs, was gone. Not a program of the tree, nor what a
    catalog delegates to of a package nothing used (docbook-xsl-ns)."""
    ns = 'xmlns="urn:oasis:names:tc:entity:xmlns:xml:catalog"'
    xsl = "/usr/share/xml/docbook/stylesheet/docbook-xsl"
    xslns = "/usr/share/xml/docbook/stylesheet/docbook-xsl-ns"
    dtd = "/usr/share/xml/docbook/schema/dtd"
    write(app_root, "/etc/xml/catalog",
          f"<?xml version='1.0'?>\n<catalog {ns}>\n"
          '<delegateURI uriStartString="http://docbook.sourceforge.net/release/xsl/" '
          'catalog="file:///etc/xml/docbook-xsl.xml"/>\n'
          '<delegateURI uriStartString="http://docbook.sourceforge.net/release/xsl-ns/" '
          'catalog="file:///etc/xml/docbook-xsl-ns.xml"/>\n'
          '<delegatePublic publicIdStartString="-//OASIS//DTD DocBook XML" '
          'catalog="file:///etc/xml/docbook-xml.xml"/>\n</catalog>\n')
    write(app_root, "/etc/xml/docbook-xsl.xml",
          f"<catalog {ns}>\n  <delegateURI uriStartString='http://docbook.sourceforge.net/release/xsl/' "
          f"catalog='file://{xsl}/catalog.xml'/>\n</catalog>\n")
    write(app_root, "/etc/xml/docbook-xsl-ns.xml",
          f"<catalog {ns}><delegateURI uriStartString='x' catalog='file://{xslns}/catalog.xml'/></catalog>\n")
    write(app_root, "/etc/xml/docbook-xml.xml",
          f"<catalog {ns}>\n<delegatePublic publicIdStartString='-//OASIS//DTD DocBook XML V4.5' "
          f"catalog='file://{dtd}/4.5/catalog.xml'/>\n<delegatePublic publicIdStartString="
          f"'-//OASIS//DTD DocBook XML V4.2' catalog='file://{dtd}/4.2/catalog.xml'/>\n</catalog>\n")
    write(app_root, f"{xsl}/catalog.xml",
          f"<catalog {ns}>\n  <rewriteURI "
          "uriStartString='http://docbook.sourceforge.net/release/xsl/current/' "
          "rewritePrefix='./'/>\n</catalog>\n")
    for name in ("html/docbook.xsl", "html/chunk.xsl", "common/en.xml", "common/de.xml", "fo/docbook.xsl"):
        write(app_root, f"{xsl}/{name}", "<xsl:stylesheet/>")
    write(app_root, f"{xsl}/fo/pdf2index", "#!/usr/bin/perl\n", 0o755)
    write(app_root, "/usr/bin/perl", "#!/bin/sh\n", 0o755)
    dpkg(app_root, "perl-base", "/usr/bin/perl")
    write(app_root, f"{xslns}/catalog.xml", f"<catalog {ns}><rewriteURI rewritePrefix='./'/></catalog>")
    write(app_root, f"{xslns}/html/docbook.xsl", "<xsl:stylesheet/>")
    for version in ("4.5", "4.2"):
        write(app_root, f"{dtd}/{version}/catalog.xml",
              f"<catalog {ns}>\n<public publicId='-//OASIS//DTD DocBook XML V{version}//EN' "
              "uri='docbookx.dtd'/>\n"
              "<public publicId='-//OASIS//ENTITIES DocBook XML Character Entities' uri='dbcentx.mod'/>\n"
              "</catalog>\n")
        write(app_root, f"{dtd}/{version}/docbookx.dtd", "<!ENTITY % x 'y'>")
        write(app_root, f"{dtd}/{version}/dbcentx.mod", "<!ENTITY % x 'y'>")
    dpkg(app_root, "docbook-xsl", f"{xsl}/catalog.xml", f"{xsl}/html/docbook.xsl", f"{xsl}/html/chunk.xsl",
         f"{xsl}/common/en.xml", f"{xsl}/common/de.xml", f"{xsl}/fo/docbook.xsl", f"{xsl}/fo/pdf2index")
    dpkg(app_root, "docbook-xsl-ns", f"{xslns}/catalog.xml", f"{xslns}/html/docbook.xsl")
    dpkg(app_root, "docbook-xml", *(f"{dtd}/{v}/{n}" for v in ("4.5", "4.2")
                                    for n in ("catalog.xml", "docbookx.dtd", "dbcentx.mod")))
    trace = ["/usr/bin/date", "/etc/xml/catalog", "/etc/xml/docbook-xsl.xml", f"{xsl}/catalog.xml",
             f"{xsl}/html/docbook.xsl", f"{xsl}/common/en.xml", "/etc/xml/docbook-xml.xml",
             f"{dtd}/4.5/catalog.xml", f"{dtd}/4.5/docbookx.dtd"]
    events = records(*(("xsltproc", "openat", p) for p in trace))
    kept = kept_at(app_root, "unit", tmp_path, trace, events).kept
    for name in ("html/chunk.xsl", "common/de.xml", "fo/docbook.xsl"):
        assert f"{xsl}/{name}" in kept, name
        assert kept[f"{xsl}/{name}"].startswith(f"named by the XML catalog {xsl}/catalog.xml")
    assert f"{dtd}/4.5/dbcentx.mod" in kept
    for name in ("catalog.xml", "docbookx.dtd", "dbcentx.mod"):
        assert f"{dtd}/4.2/{name}" in kept, name
    assert kept[f"{dtd}/4.2/docbookx.dtd"] == (f"named by the XML catalog {dtd}/4.2/catalog.xml, which "
                                                "/etc/xml/docbook-xml.xml delegates to")
    assert f"{xsl}/fo/pdf2index" not in kept
    assert not any(p.startswith(xslns) for p in kept)
    # (a tree over the bound: said)
    monkeypatch.setattr(expand, "CATALOG_TREE_LIMIT", 10)
    (tmp_path / "bound").mkdir()
    report = kept_at(app_root, "unit", tmp_path / "bound", trace, events)
    assert f"{xsl}/html/chunk.xsl" not in report.kept and f"{dtd}/4.2/docbookx.dtd" in report.kept
    assert "under /usr/share/xml/docbook/stylesheet/docbook-xsl, named by the XML catalog" in report.left_out
    assert "over the 0 MB a catalog's tree may bring" in report.left_out


def test_the_toolbox_said_names_the_program_that_runs_command_lines_through_the_shell(tmp_path: Path):
    """gnuplot runs a script's `plot "< sort data"`, `system("date")` and
    `set output "| gzip"` through popen() and system(): on a minified
    image the first failed and the others did nothing, exit 0, and the
    warning spoke only of what an admin types in docker exec."""
    need(shutil.which("gcc") is not None, "gcc")
    root = toolbox_root(tmp_path)
    host_loader(root)
    cc(root / "usr/bin/plotter", '#include <stdio.h>\n'
       'int main(int c, char **v) { FILE *f = popen(v[1], "r"); return f ? pclose(f) : 1; }\n')
    shutil.copy2(root / "usr/bin/plotter", root / "usr/bin/python3.11")
    dpkg(root, "plotter", "/usr/bin/plotter", depends="python3.11")   # (installed on purpose)
    dpkg(root, "python3.11", "/usr/bin/python3.11")     # (a dependency: not the program the image is for)
    os.truncate(root / "usr/bin/gunzip", 1 << 20)      # (a toolbox over 1% of what is kept: said)
    trace = ["/usr/bin/plotter", "/usr/bin/python3.11"]
    events = records(("plotter", "exec", trace[0]), ("python3.11", "exec", trace[1]))
    report = kept_at(root, "unit", tmp_path, trace, events)
    assert "/usr/bin/gunzip" not in report.kept
    assert "the shell's everyday commands, which plotter's popen() may run (" in report.toolbox


@pytest.mark.parametrize("script,whole", [("#!/bin/sh\nexec editor tutor\n", True),
                                           # (a Perl script: its interpreter would come)
                                           ("#!/usr/bin/perl\nprint 1;\n", False)])
def test_a_runtime_the_program_depends_on_and_read_is_kept_whole_though_it_has_shell_scripts(
        app_root: Path, tmp_path: Path, script: str, whole: bool):
    """vim depends on vim-runtime, data but for vimtutor and macros/less.sh
    (shell scripts): as a package of programs it was kept as read, the
    plugins vim sources as it starts (59 kB of 36 MB), and file types,
    indenting (exit 0, wrong), syntax, help and `vim file`'s own
    defaults.vim were gone. A direct dependency of a program that ran,
    that it read a file of, and whose programs are all shell scripts, is
    its data, whole. Not one it read nothing of, nor one with a script of
    another language, nor one only a dependency depends on."""
    share = "/usr/share/editor/rt"
    write(app_root, "/usr/bin/editor", "#!/bin/sh\n", 0o755)
    for name in ("plugin/gzip.vim", "syntax/python.vim", "indent/python.vim", "defaults.vim"):
        write(app_root, f"{share}/{name}", '"')
    write(app_root, "/usr/bin/editortutor", script, 0o755)
    write(app_root, "/usr/share/other/data.txt", "d")
    write(app_root, "/usr/bin/other-tool", "#!/bin/sh\n", 0o755)
    dpkg(app_root, "editor", "/usr/bin/editor", depends="editor-runtime, editor-common")
    dpkg(app_root, "editor-runtime", *(f"{share}/{n}" for n in ("plugin/gzip.vim", "syntax/python.vim",
                                                               "indent/python.vim", "defaults.vim")),
         "/usr/bin/editortutor")
    # (one it read nothing of)
    dpkg(app_root, "editor-common", "/usr/share/other/data.txt", "/usr/bin/other-tool")
    trace = ["/usr/bin/editor", f"{share}/plugin/gzip.vim"]
    kept = kept_at(app_root, "unit", tmp_path, trace,
                   records(("editor", "exec", "/usr/bin/editor"),
                           ("editor", "openat", f"{share}/plugin/gzip.vim"))).kept
    for name in ("syntax/python.vim", "indent/python.vim", "defaults.vim"):
        assert (f"{share}/{name}" in kept) is whole, name
    if whole:
        assert "data that editor depends on and read, with shell scripts" in kept[f"{share}/defaults.vim"]
        assert "/usr/bin/editortutor" in kept
    assert "/usr/share/other/data.txt" not in kept


def test_an_interpreter_a_kept_library_embeds_can_start_and_its_standard_library_is_said(tmp_path: Path):
    """FreeRADIUS's rlm_python3.so and rlm_perl.so were kept (their
    package installed on purpose) with libpython3.11 and libperl, and not
    one module of Python's standard library: enabling rlm_python3 stopped
    the server's start, "No module named 'encodings'", and a user's
    rlm_perl script failed, "Can't locate Digest/MD5.pm", both unsaid. An
    interpreter a kept library embeds comes with what it reads as it
    starts, and its standard library is said (or kept) as for one that ran."""
    need(shutil.which("gcc") is not None, "gcc")
    root = toolbox_root(tmp_path)
    lib = host_loader(root)
    (root / "usr/sbin").mkdir(parents=True, exist_ok=True)
    (root / "usr/lib/server").mkdir(parents=True, exist_ok=True)
    cc(root / "usr/sbin/server", "int main(void) { return 0; }\n")
    dpkg(root, "server", "/usr/sbin/server")
    for name in ("libpython3.11.so.1.0", "libperl.so.5.36"):
        cc(lib / name, "int entry(void) { return 0; }\n", "-shared", "-fPIC", f"-Wl,-soname,{name}")
    dpkg(root, "libpython3.11", "/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0")
    dpkg(root, "libperl5.36", "/usr/lib/x86_64-linux-gnu/libperl.so.5.36")
    # (the Python plugin's C code imports decimal by name, the linker's
    # "decimal" the end of "cdecimal", which it tries first: PostgreSQL's
    # plpython3.so, whose numeric arguments failed, and a transform that
    # needs libpython too)
    for plugin, needed in (("rlm_python3", "libpython3.11.so.1.0"), ("rlm_perl", "libperl.so.5.36"),
                           ("hstore_rlm_python3", "libpython3.11.so.1.0")):
        cc(root / f"usr/lib/server/{plugin}.so", "int entry(void);\nint run(void) { return entry(); }\n"
           'const char *module(void) { return "cdecimal"; }\n', "-shared", "-fPIC", f"-L{lib}",
           f"-l:{needed}")
    dpkg(root, "server-plugins", "/usr/lib/server/rlm_python3.so", "/usr/lib/server/rlm_perl.so",
         "/usr/lib/server/hstore_rlm_python3.so")
    std = "/usr/lib/python3.11"
    modules = {f"{std}/encodings/__init__.py": "import codecs\n",
               f"{std}/encodings/utf_8.py": "import codecs\n", f"{std}/codecs.py": "",
               f"{std}/os.py": "import stat\n", f"{std}/stat.py": "",
               f"{std}/site.py": "import os\n", f"{std}/json/__init__.py": "j" * 40_000,
               f"{std}/decimal.py": "try:\n    from _decimal import *\nexcept ImportError:\n"
                                    "    from _pydecimal import *\n",
               f"{std}/_pydecimal.py": "", f"{std}/lib-dynload/_decimal.cpython-311-x86_64-linux-gnu.so": "",
               f"{std}/lib-dynload/_json.cpython-311-x86_64-linux-gnu.so": ""}
    for path, text in modules.items():
        write(root, path, text)
    dpkg(root, "libpython3.11-stdlib", *modules)
    perl = "/usr/share/perl/5.36.0"
    base = "/usr/lib/x86_64-linux-gnu/perl-base"
    write(root, f"{base}/strict.pm", "1;\n")
    write(root, f"{base}/warnings.pm", "1;\n")
    write(root, f"{base}/warnings/register.pm", "1;\n")
    dpkg(root, "perl-base-lib", f"{base}/strict.pm", f"{base}/warnings.pm", f"{base}/warnings/register.pm")
    write(root, f"{perl}/Digest/MD5.pm", "d" * 40_000)
    write(root, f"{perl}/Time/Local.pm", "t" * 40_000)
    dpkg(root, "perl-modules-5.36", f"{perl}/Digest/MD5.pm", f"{perl}/Time/Local.pm")
    trace = ["/usr/sbin/server"]
    events = records(("server", "exec", "/usr/sbin/server"))
    (tmp_path / "plugins").mkdir()
    plugins = resolve.Rules(include=["/usr/lib/server/*"])
    report = kept_at(root, "unit", tmp_path / "plugins", trace, events, plugins)
    for path in ("encodings/__init__.py", "encodings/utf_8.py", "codecs.py", "os.py", "stat.py", "site.py",
                 "lib-dynload"):
        assert "libpython3.11.so.1.0, which /usr/lib/server/rlm_python3.so needs, reads of its standard " \
               "library as it starts" in report.kept[f"{std}/{path}"], path
    assert f"{std}/json/__init__.py" not in report.kept and f"{perl}/Digest/MD5.pm" not in report.kept
    # (and Perl's pragmas, which a script's first lines use)
    for path in ("strict.pm", "warnings.pm", "warnings/register.pm"):
        assert "use in their first lines" in report.kept[f"{base}/{path}"], path
    assert "imported by name by /usr/lib/server/" in report.kept[f"{std}/decimal.py"]
    for path in ("_pydecimal.py", "lib-dynload/_decimal.cpython-311-x86_64-linux-gnu.so"):
        assert "imported by /usr/lib/python3.11/decimal.py" in report.kept[f"{std}/{path}"], path
    assert "perl's standard library beyond what was imported, which /usr/lib/server/rlm_perl.so embeds " \
           "(Digest::MD5, Time::Local: 0.1 MB)" in report.toolbox
    assert "python3.11's standard library beyond what was imported, which /usr/lib/server/rlm_python3.so " \
           "embeds (json, _json: 0.0 MB)" in report.toolbox
    # (no library embeds them: neither)
    (tmp_path / "none").mkdir()
    none = kept_at(root, "unit", tmp_path / "none", trace, events)
    assert f"{std}/encodings/__init__.py" not in none.kept and f"{base}/strict.pm" not in none.kept
    assert "standard library" not in none.toolbox


def test_the_standard_library_said_left_out_is_not_one_kept_in_another_directory(tmp_path: Path):
    """perl-base's POSIX.pm was loaded and kept, and perl-modules' POSIX.pod
    beside the other modules made the warning name POSIX first among
    what a user's script would miss."""
    root = toolbox_root(tmp_path)
    base, modules = "/usr/lib/x86_64-linux-gnu/perl-base", "/usr/share/perl/5.36.0"
    write(root, f"{base}/POSIX.pm", "")
    write(root, f"{modules}/POSIX.pod", "=head1 NAME\n")
    write(root, f"{modules}/Benchmark.pm", "b" * 40_000)
    dpkg(root, "perl-base-modules", f"{base}/POSIX.pm")
    dpkg(root, "perl-modules-5.36", f"{modules}/POSIX.pod", f"{modules}/Benchmark.pm")
    trace = ["/usr/bin/perl", f"{base}/POSIX.pm"]
    events = records(("perl", "exec", "/usr/bin/perl"), ("perl", "openat", f"{base}/POSIX.pm"))
    report = kept_at(root, "unit", tmp_path, trace, events)
    assert "perl's standard library beyond what was imported (Benchmark: 0.0 MB)" in report.toolbox


def test_programs_a_kept_python_distributions_code_looks_up_by_name(app_root: Path, tmp_path: Path):
    """Ansible's modules look up the programs they run with get_bin_path:
    unarchive's unzip and cron's crontab, installed for them, were dropped
    and said as "nothing ran or named them"; tar, Essential, went unsaid.
    A distribution's code kept whole: what it runs by name is kept where
    its package was installed on purpose, else said with who runs it."""
    site = "/usr/lib/python3/dist-packages"
    files = {**library(site, "ansible", "2.14.3"),
             f"{site}/ansible/modules/unarchive.py":
                 "def main(module):\n    unzip = module.get_bin_path('unzip')\n"
                 "    tar = module.get_bin_path('tar', required=True)\n"}
    # (its modules past the files a distribution's code is read in for its
    # commands: Ansible's are thousands)
    files.update({f"{site}/ansible/module_utils/m{i:03}.py": "" for i in range(expand.LIBRARY_FILES_READ)})
    for path, text in files.items():
        write(app_root, path, text)
    dpkg(app_root, "ansible-core", *files)
    for program, package in (("unzip", "unzip"), ("tar", "tar")):
        write(app_root, f"/usr/bin/{program}", "#!/bin/sh\n", 0o755)
        dpkg(app_root, package, f"/usr/bin/{program}", essential=package != "unzip")
    trace = [f"{site}/ansible/__init__.py"]
    report = kept_at(app_root, "unit", tmp_path, trace, records(("python3", "openat", trace[0])))
    assert f"{site}/ansible/modules/unarchive.py" in report.kept
    assert "ansible-core's unarchive.py, which runs it by name; of unzip, installed on purpose" \
        in report.kept["/usr/bin/unzip"]
    # (said by the toolbox's warning, whose part it is)
    assert "/usr/bin/tar" not in report.kept and "tar" in report.toolbox and "tar" not in report.unkept_runs


def test_the_lua_a_compiled_program_loads_brings_what_it_requires(tmp_path: Path):
    """kresd, of C, embeds LuaJIT and loads its modules by name: its
    kres_modules/experimental_dot_auth.lua requires basexx, and
    knot-resolver-module-http, installed on purpose, which knot-resolver
    recommends, requires lua-http: on a minified resolver `modules.load()`
    of either failed, "No such file or directory". The code of a package
    of a program that ran, in a language it was seen loading, is read for
    what it loads; a data companion brings the language libraries it
    depends on."""
    root = toolbox_root(tmp_path)
    mods, lua = "/usr/lib/knot-resolver/kres_modules", "/usr/share/lua/5.1"
    write(root, "/usr/sbin/kresd", "#!/bin/sh\n", 0o755)
    write(root, "/usr/lib/knot-resolver/sandbox.lua", "local ffi = require('ffi')\n")
    write(root, f"{mods}/dot_auth.lua", "local basexx = require('basexx')\n")
    write(root, f"{mods}/http.lua", "local server = require('http.server')\n")
    write(root, f"{mods}/http/kresd.js", "js")
    write(root, f"{lua}/basexx.lua", "return {}\n")
    write(root, f"{lua}/http/server.lua", "local fifo = require('fifo')\n")
    write(root, f"{lua}/fifo.lua", "return {}\n")
    write(root, f"{lua}/unrelated.lua", "return {}\n")
    dpkg(root, "knot-resolver", "/usr/sbin/kresd", "/usr/lib/knot-resolver/sandbox.lua",
         f"{mods}/dot_auth.lua", recommends="knot-resolver-module-http")
    dpkg(root, "knot-resolver-module-http", f"{mods}/http.lua", f"{mods}/http/kresd.js", depends="lua-http")
    dpkg(root, "lua-basexx", f"{lua}/basexx.lua")
    dpkg(root, "lua-http", f"{lua}/http/server.lua", depends="lua-fifo")
    dpkg(root, "lua-fifo", f"{lua}/fifo.lua")
    dpkg(root, "lua-unrelated", f"{lua}/unrelated.lua")
    trace = ["/usr/sbin/kresd", "/usr/lib/knot-resolver/sandbox.lua"]
    events = records(("kresd", "exec", trace[0]), ("kresd", "openat", trace[1]))
    kept = kept_at(root, "unit", tmp_path, trace, events).kept
    assert f"{mods}/dot_auth.lua" in kept and f"{lua}/basexx.lua" in kept
    assert f"{mods}/http.lua" in kept and f"{lua}/http/server.lua" in kept and f"{lua}/fifo.lua" in kept
    assert f"{lua}/unrelated.lua" not in kept
