"""Units: what the traced files belong to, so that what the workload used
is kept whole and the image keeps working past its probes.

A unit is one of:
  * a distro package (dpkg, apk or rpm database in the source);
  * a language package: a Python distribution (its RECORD, installed-files
    or top_level list) or top-level import package or module, a node module
    directory, a Ruby gem, a top-level name of a Ruby or Perl library
    directory (net.rb with net/, Time.pm with Time/ and auto/Time/);
  * an application tree: a directory no package owns (/app, /var/www/site,
    a database's data directory), from the highest such directory down, but
    never a directory of the file-system hierarchy itself (/opt, /srv,
    /usr/local/share, ...). A single unowned file in a package's directory
    (/etc/passwd) is a unit of its own.

What each granularity level keeps of them is micropack/expand.py's job; the
static reading of an application's code, micropack/codescan.py's."""
from __future__ import annotations

import bisect
import csv
import io
import json
import os
import posixpath
import re
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field

from micropack import elf
from micropack.codescan import is_python_script, python_path_dirs
from micropack.errors import PackError
from micropack.packages import read_database
from micropack.record import PSEUDO_ROOTS
from micropack.rootfs import RootFS, SymlinkLoop, parent_of

PACKAGE_KINDS = frozenset({"dpkg", "apk", "rpm"})

PSEUDO_TOPS = tuple(root.lstrip("/") for root in PSEUDO_ROOTS)


# Metadata read from the source (RECORD, package.json, gemspec, scripts).
META_LIMIT = 4 << 20
# Where commands are looked up: a link there to a kept program is kept (expand.py)
COMMAND_DIRS = ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")
# dh_python's hooks, which python3 runs when its default version changes: no program a user runs
PYTHON_RUNTIME_HOOKS = ("/usr/share/python3/runtime.d/", "/usr/share/python/runtime.d/")
# dh_python's helpers for maintainer scripts (py3compile and py3clean put
# them on sys.path): no library of a program a user runs, and with them
# py3compile would bring dpkg, which a minified image does not install with
DEBIAN_PYTHON_HELPERS = frozenset({"/usr/share/python3", "/usr/share/python"})

# The file-system hierarchy: never an application's own tree, even in an
# image without a package database.
SYSTEM_DIRS = frozenset({
    "/bin", "/boot", "/etc", "/home", "/lib", "/lib32", "/lib64", "/libx32", "/media", "/mnt",
    "/opt", "/root", "/run", "/sbin", "/srv", "/tmp", "/usr", "/var", "/etc/opt",
    "/usr/bin", "/usr/games", "/usr/include", "/usr/lib", "/usr/lib32", "/usr/lib64",
    "/usr/libexec", "/usr/libx32", "/usr/local", "/usr/sbin", "/usr/share", "/usr/src",
    "/usr/share/doc", "/usr/share/man", "/usr/share/info", "/usr/share/locale",
    "/usr/local/bin", "/usr/local/etc", "/usr/local/games", "/usr/local/include",
    "/usr/local/lib", "/usr/local/lib64", "/usr/local/libexec", "/usr/local/man",
    "/usr/local/sbin", "/usr/local/share", "/usr/local/src",
    "/var/backups", "/var/cache", "/var/lib", "/var/local", "/var/lock", "/var/log", "/var/mail",
    "/var/opt", "/var/run", "/var/spool", "/var/tmp",
    # update-alternatives' links, each its own (as one tree, a trace of
    # libblas.so.3's kept every alternative's target: a 58 MB static
    # libopenblas.a and a gcc driver on a Python data image)
    "/etc/alternatives",
})
MULTIARCH = re.compile(r"^(/usr)?(/local)?/lib(32|64|x32)?/[a-z0-9_]+-linux-[a-z0-9_]+$")
# What a package carries that no program reads: documentation (the bug
# reporter's scripts too), manual pages, type declarations.
NOT_RUN_SUFFIXES = (".d.ts", ".d.mts", ".d.cts", ".pyi")
DOC_PREFIXES = ("/usr/share/doc/", "/usr/share/man/", "/usr/share/info/", "/usr/share/lintian/",
                "/usr/share/gtk-doc/", "/usr/share/help/", "/usr/share/bug/",
                "/usr/share/doc-base/", "/usr/share/linda/")
MAN_PAGE = re.compile(r"/man/([^/]+/)?man[0-9n][^/]*/")


def is_documentation(path: str) -> bool:
    """Documentation, manual pages and type declarations: nothing runs them."""
    return path.startswith(DOC_PREFIXES) or bool(MAN_PAGE.search(path)) or path.endswith(NOT_RUN_SUFFIXES)


SHARED_OBJECT = re.compile(r"\.so(\.[0-9.]+)?$|\.so\.")

PY_STDLIB = re.compile(r"^python[23](\.[0-9]+)?$")
# The directories Ruby and Perl find a library in by a relative name
# (require 'net/http', use Net::HTTP): their standard libraries, the
# distro's and the local ones (gems are apart: _gems).
RUBY_LIB = re.compile(r"^/usr(/local)?/lib(/[a-z0-9_]+-linux-[a-z0-9_]+)?"
                      r"/(ruby/[0-9]+\.[0-9]+\.[0-9]+|ruby/(site|vendor)_ruby(/[0-9]+\.[0-9]+\.[0-9]+)?"
                      r"|site_ruby(/[0-9]+\.[0-9]+\.[0-9]+)?)$")
PERL_LIB = re.compile(r"^/usr(/local)?/(share|lib(/[a-z0-9_]+-linux-[a-z0-9_]+)?)"
                      r"/(perl5|perl-base|perl/[0-9]+\.[0-9]+(\.[0-9]+)?|perl5/[0-9]+\.[0-9]+|site_perl)$")
SCRIPT_LIBRARY_SUFFIXES = {"ruby": (".rb", ".so"), "perl": (".pm", ".pl"), "lua": (".lua", ".so")}
# Lua's (package.path and cpath: /usr/share/lua/5.4/?.lua, ?/init.lua,
# /usr/lib/x86_64-linux-gnu/lua/5.4/?.so)
LUA_LIB = re.compile(r"^/usr(/local)?/(share|lib(/[a-z0-9_]+-linux-[a-z0-9_]+)?)/lua/[0-9]+\.[0-9]+$")
# Erlang/OTP's applications (ssl-10.8.7/ebin/ssl.beam, ssl.app): in an OTP
# installation's or a release's lib/, beside its erts-* (the code server
# finds a module in any application's ebin/ by its name)
ERLANG_APP = re.compile(r"^([a-z][\w@]*)(-[0-9][\w.+-]*)?$")
# R's libraries (/usr/lib/R/library, /usr/lib/R/site-library,
# /usr/local/lib/R/site-library): a directory a package, with its
# DESCRIPTION, whose Depends and Imports name the packages it loads (not
# LinkingTo: headers to compile against, BH's 130 MB of them)
R_LIBRARY = re.compile(r"^/(.+/)?R/(site-)?library$")
# A collection of Tcl packages in Debian's directories on auto_path (tcllib1.21,
# tcltls1.7.22; not Tcl's and Tk's own libraries, tcl8.6), and an index's names
TCL_LIB = re.compile(r"^/usr(/local)?/(share|lib)/tcltk(/[a-z0-9_]+-linux-[a-z0-9_]+)?/(?!tcl8|tk8)[^/]+$")
# Octave's package directories (pkg install's, Debian's octave-* packages'),
# each package a directory NAME-VERSION in both the shared and the arch one
OCTAVE_PACKAGES = re.compile(r"^/usr(/local)?/(share|lib(/[a-z0-9_]+-linux-[a-z0-9_]+)?)/octave/packages$")
OCTAVE_DEPENDS = re.compile(r"^Depends:[ \t]*(.*)$", re.M)
TCL_IFNEEDED = re.compile(r"\bpackage[ \t]+ifneeded[ \t]+\{?([A-Za-z_][\w:]*)")
R_NEEDS = re.compile(r"^(?:Depends|Imports):((?:.*)(?:\n[ \t].*)*)", re.M)
R_NAME = re.compile(r"^\s*([A-Za-z][\w.]*)")
ERLANG_APP_DEPS = re.compile(r"\{\s*(?:applications|included_applications|optional_applications)\s*,"
                             r"\s*\[([^\]]*)\]")
# Where PHP finds a file a require names relatively (include_path:
# Debian's /usr/share/php, PEAR's, a local one)
PHP_INCLUDE_DIRS = ("/usr/share/php", "/usr/share/pear", "/usr/local/share/php", "/usr/local/lib/php")
NODE_GLOBAL = re.compile(r"^(/usr/share/nodejs|/usr/lib/nodejs|/usr/lib/[a-z0-9_]+-linux-[a-z0-9_]+/nodejs)$")



def is_system_dir(path: str) -> bool:
    return path in SYSTEM_DIRS or bool(MULTIARCH.match(path))



@dataclass
class Unit:
    kind: str               # dpkg | apk | rpm | python | node | gem | ruby | perl | lua | erlang | r | tree
    name: str                      # package name, or the unit's root path
    label: str
    members: list[str] = field(default_factory=list)   # files, links, and dirs of trees
    dirs: list[str] = field(default_factory=list)      # directories a package lists
    deps: list[str] = field(default_factory=list)      # keys of units it declares it needs
    size: int = 0

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.name}"




class SourceUnits:
    """Every unit of a source and which units each path belongs to."""

    def __init__(self, fs: RootFS) -> None:
        self.fs = fs
        self.stats: dict[str, os.stat_result] = {}
        self.units: dict[str, Unit] = {}
        self.package_of: dict[str, str] = {}
        self.owned_dirs: set[str] = set()
        self.dir_owners: dict[str, set[str]] = {}
        self.language_of: dict[str, str] = {}
        self.containers: set[str] = set()
        self.python_stdlibs: frozenset[str] = frozenset()
        self.python_sites: frozenset[str] = frozenset()     # site-packages, dist-packages, private ones
        self.private_sites: frozenset[str] = frozenset()    # (_private_sites)
        self.tree_of: dict[str, str] = {}
        self.warnings: list[str] = []
        self.db_kind = ""
        self._programs: dict[str, bool] = {}
        self._py_index: dict[str, list[str]] | None = None
        # language -> library directory -> a unit's name in it -> its key
        self._script_names: dict[str, dict[str, dict[str, str]]] = {}
        # library directory -> the links beside it that name it (Perl's @INC
        # has /usr/share/perl/5.36, a link to 5.36.0)
        self.aliases: dict[str, list[str]] = {}
        self.library_dir: dict[str, str] = {}      # a Ruby or Perl unit's key -> its library directory
        # (gems directory, gem name) -> its gem units, the newest version last
        self._gems_by_name: dict[tuple[str, str], list[Unit]] = {}
        self.package_deps: dict[str, list[str]] = {}   # a package's key -> its dependencies' keys
        self.package_source: dict[str, str] = {}    # a package's key -> its source package's name
        self.package_suggests: dict[str, list[str]] = {}    # a package's key -> what its Suggests names
        self.package_recommends: dict[str, list[str]] = {}  # a package's key -> what its Recommends names
        # a node module's key -> the links named node_modules a module found it through (_node_lookup)
        self.node_via_link: dict[str, set[str]] = {}
        self.essential: set[str] = set()            # keys of the packages marked Essential
        self.base: set[str] = set()                 # keys of the packages of priority required
        self.wanted: set[str] = set()               # keys of the packages installed on purpose
        self.package_scripts: dict[str, list[str]] = {}    # a package's key -> its maintainer scripts
        self.package_triggers: dict[str, list[str]] = {}   # a package's key -> what its file triggers watch
        self.conffiles: dict[str, str] = {}         # a tracked configuration file -> its installed md5
        self._modules: dict[str, dict[str, list[str]]] = {}
        self._scan()
        self.paths = sorted(self.stats)
        self._children: dict[str, list[str]] = {}
        for p in self.paths:
            self._children.setdefault(parent_of(p), []).append(p)
        self._packages()
        self._languages()
        self._trees()
        for unit in self.units.values():
            unit.size = sum(self.stats[m].st_size for m in unit.members
                            if m in self.stats and stat.S_ISREG(self.stats[m].st_mode))

    # -- reading the source -------------------------------------------------

    def _scan(self) -> None:
        for name in self.fs.list_dir("/") or ():
            if name in PSEUDO_TOPS:
                continue
            top = "/" + name
            st = self.fs.lstat(top)
            if st is None:
                continue
            self.stats[top] = st
            if stat.S_ISDIR(st.st_mode):
                for p in self.fs.iter_tree(top):
                    sub = self.fs.lstat(p)
                    if sub is not None:
                        self.stats[p] = sub

    def subtree(self, top: str) -> list[str]:
        """top and every path under it."""
        start = bisect.bisect_left(self.paths, top + "/")
        end = bisect.bisect_left(self.paths, top + "0")     # '0' sorts right after '/'
        return ([top] if top in self.stats else []) + self.paths[start:end]

    def children(self, path: str) -> list[str]:
        return self._children.get(path, [])

    def read_text(self, path: str, limit: int = META_LIMIT) -> str | None:
        try:
            data = self.fs.read_file(path, limit)
        except PackError:      # larger than the limit: not metadata
            return None
        return None if data is None else data.decode("utf-8", "surrogateescape")

    def is_dir(self, path: str) -> bool:
        st = self.stats.get(path)
        return st is not None and stat.S_ISDIR(st.st_mode)

    def is_file(self, path: str) -> bool:
        st = self.stats.get(path)
        return st is not None and stat.S_ISREG(st.st_mode)

    def _canonical(self, path: str) -> str | None:
        """A database's path as the image stores it: its directory resolved
        inside the root (merged /usr: /bin/sh is /usr/bin/sh)."""
        parent, _, name = path.rstrip("/").rpartition("/")
        if not name:
            return None
        try:
            final = self.fs.walk(parent or "/").final
        except SymlinkLoop:
            return None
        if final is None:
            return None
        c = final.rstrip("/") + "/" + name
        return c if c in self.stats else None

    # -- distro packages ----------------------------------------------------

    def _packages(self) -> None:
        db = read_database(self.fs)
        self.db_kind = db.kind.split("+")[0]
        self.warnings += db.warnings
        listed: dict[str, int] = {}
        canon: dict[str, list[tuple[str, bool]]] = {}
        for package, files in db.files.items():
            raw = set(files)
            dir_like = {parent_of(f) for f in raw} & raw
            out = []
            for f in raw:
                c = self._canonical(f)
                if c is None:
                    continue
                is_dir = f in dir_like or self.is_dir(c)
                out.append((c, is_dir))
                listed[c] = listed.get(c, 0) + 1
            canon[package] = out
        for package, entries in sorted(canon.items()):
            unit = Unit(self.db_kind, package, f"{self.db_kind} package {package}")
            for c, is_dir in sorted(entries):
                # a path several packages list is a shared directory (merged /usr's /bin)
                if is_dir or listed.get(c, 0) > 1:
                    self.owned_dirs.add(c)
                    self.dir_owners.setdefault(c, set()).add(unit.key)
                    unit.dirs.append(c)
                else:
                    self.package_of.setdefault(c, unit.key)
                    unit.members.append(c)
            self.units[unit.key] = unit
        for package, deps in db.depends.items():
            self.package_deps[f"{self.db_kind}:{package}"] = [
                f"{self.db_kind}:{d}" for d in deps if f"{self.db_kind}:{d}" in self.units]
        for relation, table in ((db.suggests, self.package_suggests),
                                (db.recommends, self.package_recommends)):
            for package, deps in relation.items():
                table[f"{self.db_kind}:{package}"] = [
                    f"{self.db_kind}:{d}" for d in deps if f"{self.db_kind}:{d}" in self.units]
        for package, scripts in db.scripts.items():
            self.package_scripts[f"{self.db_kind}:{package}"] = sorted(scripts)
        for package, watched in db.triggers.items():
            self.package_triggers[f"{self.db_kind}:{package}"] = sorted(
                {c for w in watched if (c := self._canonical(w))})
        for package in db.files:
            self.package_source[f"{self.db_kind}:{package}"] = db.source.get(package, package)
        self.essential = {f"{self.db_kind}:{package}" for package in db.essential}
        self.base = {f"{self.db_kind}:{package}" for package in db.base}
        self.wanted = {f"{self.db_kind}:{package}" for package in db.wanted}
        # A metapackage installed on purpose (nothing but its documentation)
        # stands for what it depends on (not the system's own), a
        # metapackage among them in turn: gnupg's gpgsm, gpgv and
        # gnupg-utils' gpgtar, none of them a leaf, were dropped from a
        # minified signing service and nothing said so
        todo = sorted(self.wanted)
        while todo:
            key = todo.pop()
            if key not in self.units or not all(is_documentation(m) for m in self.units[key].members):
                continue
            for dep in self.package_deps.get(key, []):
                if dep not in self.wanted and dep not in self.essential and dep not in self.base:
                    self.wanted.add(dep)
                    todo.append(dep)
        self.conffiles = {c: digest for f, digest in db.conffiles.items() if (c := self._canonical(f))}

    def owned(self, path: str) -> bool:
        return path in self.package_of or path in self.owned_dirs

    def is_program_package(self, unit: Unit) -> bool:
        """A package with a program in it (an executable or a script), not
        one of shared libraries and their data only. Documentation does not
        count: imagemagick-6-common's bug-report script made ImageMagick's
        configuration and messages a package of programs, no data package
        of convert's (its error texts changed)."""
        if unit.key not in self._programs:
            self._programs[unit.key] = bool(self.programs_of(unit, first_only=True))
        return self._programs[unit.key]

    def programs_of(self, unit: Unit, first_only: bool = False) -> list[str]:
        """The members of unit that are programs or links to one (see
        is_program_package); with first_only, the first found, if any."""
        out = []
        for m in unit.members:
            # (nor a debhelper command, dh_*, run when a package is built:
            # sphinx-common's dh_sphinxdoc made Sphinx's templates and
            # themes, /usr/share/sphinx, no data of python3-sphinx's, and
            # every build failed, "no theme named 'basic'")
            # (nor dh_python's hook, run when python3's default version
            # changes: lilypond-data's rtupdate made LilyPond's .ly, .scm
            # and Python modules no data of lilypond's, and its bundled
            # includes, its SVG backend and its Python tools failed)
            if is_documentation(m) or posixpath.basename(m).startswith("dh_") \
                    or m.startswith(PYTHON_RUNTIME_HOOKS):
                continue
            if self.is_program(m) or self._links_to_program(m):
                out.append(m)
                if first_only:
                    break
        return out

    def _links_to_program(self, path: str) -> bool:
        """Whether path is a symbolic link that leads to a program: a package
        of such links is one of programs, not data (systemd-sysv's
        /sbin/init, halt and reboot, kept as data lighttpd depends on,
        brought systemd and its 5.4 MB library into a cgit image)."""
        st = self.stats.get(path)
        if st is None or not stat.S_ISLNK(st.st_mode):
            return False
        try:
            final = self.fs.walk(path).final
        except SymlinkLoop:
            return False
        return final is not None and self.is_program(final)

    def is_data_package(self, unit: Unit) -> bool:
        """A package of data only: no program, no shared object (tzdata)."""
        return (unit.kind in PACKAGE_KINDS and not self.is_program_package(unit)
                and not any(SHARED_OBJECT.search(posixpath.basename(m)) for m in unit.members))

    def is_program(self, path: str) -> bool:
        st = self.stats.get(path)
        if st is None or not stat.S_ISREG(st.st_mode) or not st.st_mode & 0o111:
            return False
        if SHARED_OBJECT.search(posixpath.basename(path)):
            return False
        try:
            # inside the root, and only if it is still a regular file
            with self.fs.open_file(path, hold=False) as fh:
                head = fh.read(4)
                if head.startswith(b"#!"):
                    return True
                if head != elf.ELF_MAGIC[:4]:
                    return False
                fh.seek(0)
                info = elf.read_elf(fh)
        except (OSError, ValueError):
            return False
        # with an ELF interpreter or without (a static program: busybox,
        # Go's; a library is told by its name, above)
        return info is not None

    # -- language packages --------------------------------------------------

    def _languages(self) -> None:
        sites, stdlibs, nodes, gems = [], [], [], []
        scripts: list[tuple[str, str]] = []    # (language, directory)
        for path in self.paths:
            if not self.is_dir(path):
                continue
            base = posixpath.basename(path)
            parent = parent_of(path)
            script = "ruby" if RUBY_LIB.match(path) else "perl" if PERL_LIB.match(path) \
                else "lua" if LUA_LIB.match(path) else "r" if R_LIBRARY.match(path) \
                else "tcl" if TCL_LIB.match(path) else "octave" if OCTAVE_PACKAGES.match(path) \
                else "erlang" if base == "lib" and self._erlang_root(parent) else None
            if script:
                scripts.append((script, path))
            elif base in ("site-packages", "dist-packages"):
                sites.append(path)
            elif base == "node_modules" or NODE_GLOBAL.match(path):
                nodes.append(path)
            elif base == "gems" and self.is_dir(parent + "/specifications"):
                gems.append(path)
            elif PY_STDLIB.match(base) and posixpath.basename(parent).startswith("lib") \
                    and (path + "/os.py") in self.stats:
                stdlibs.append(path)
        self.containers.update(sites, stdlibs, nodes, gems, (d for _, d in scripts))
        private = self._private_sites()
        sites += private
        self.containers.update(private)
        self.python_sites = frozenset(sites)
        self.private_sites = frozenset(private)
        found: list[Unit] = []
        r_needs: dict[str, list[str]] = {}      # an R or Octave package's unit -> the names it needs
        for language, container in scripts:
            found += (self._erlang_applications(container) if language == "erlang"
                      else self._r_packages(container, r_needs) if language == "r"
                      else self._tcl_packages(container) if language == "tcl"
                      else self._octave_packages(container, r_needs) if language == "octave"
                      else self._script_libraries(language, container))
            self.aliases[container] = self._links_to(container)
        for unit in found:
            if unit.key in r_needs:     # (across libraries: site-library's ggplot2 needs library's MASS)
                unit.deps = sorted({k for name in r_needs[unit.key]
                                    for k in self.script_libraries(unit.kind, name)} - {unit.key})
        for site in sites:
            found += self._python_site(site)
        for lib in stdlibs:
            found += self._python_stdlib(lib)
        self.python_stdlibs = frozenset(stdlibs)
        for container in nodes:
            found += self._node_modules(container)
        for container in gems:
            found += self._gems(container)
        # a path belongs to the innermost unit (a module's own node_modules)
        roots: dict[str, str] = {}
        for unit in found:
            self.units[unit.key] = unit
        for unit in sorted(found, key=lambda u: len(u.name)):
            for m in unit.members:
                roots[m] = unit.key
        for unit in found:
            unit.members = sorted(m for m in set(unit.members) if roots.get(m) == unit.key)
        self.language_of = roots
        self._resolve_python_deps(found)
        # sysconfig imports its data module by a name it computes
        # (zoneinfo's import reads TZPATH through it: ModuleNotFoundError)
        for lib in stdlibs:
            sysconfig = self.units.get(f"python:{lib}/sysconfig")
            if sysconfig is not None:
                sysconfig.deps += [key for p in self.children(lib)
                                   if posixpath.basename(p).startswith("_sysconfigdata_")
                                   and (key := f"python:{p.rsplit('.', 1)[0]}") in self.units]
        self._resolve_node_deps(found)
        self._resolve_gem_deps(found)

    def _private_sites(self) -> list[str]:
        """The package's directories, no language's by name, that are private
        entries of sys.path: where a package's Python distribution is
        (Debian's mkdocs inserts /usr/share/mkdocs/themes, where
        mkdocs-bootstrap, mkdocs-nature and mkdocs-material put their themes'
        packages and descriptions: each theme was kept file by file, as read,
        and building with another failed, exit 1, unsaid), and what a Python
        program in a command directory puts on sys.path by literals
        (LilyPond's convert-ly, musicxml2ly and five more import their
        modules from /usr/share/lilypond/2.24.1/python: kept, they failed
        with "No module named 'lilylib'"). Not an application's tree (no
        package owns it): kept whole as it is, it would be split."""
        found: list[str] = []
        for path in self.paths:
            if path.endswith((".dist-info", ".egg-info")) and self.owned(path):
                named = [parent_of(path)]
            elif parent_of(path) in COMMAND_DIRS and self._is_python_program(path):
                named = python_path_dirs(self.read_text(path) or "")
            else:
                continue
            for site in named:
                if site != "/" and site not in found and site not in DEBIAN_PYTHON_HELPERS \
                        and self.is_dir(site) and self.owned(site) and not self.in_language_dir(site):
                    found.append(site)
        # (the outermost of nested ones: a package's vendored distributions)
        return [d for d in found if not any(d.startswith(o + "/") for o in found)]

    def _is_python_program(self, path: str) -> bool:
        """A regular file, executable, whose first line runs Python."""
        st = self.stats.get(path)
        if st is None or not st.st_mode & 0o111:
            return False
        head = self.head(path)
        return head is not None and is_python_script(head)

    def head(self, path: str) -> bytes | None:
        """The first 256 bytes of the regular file path (where a #! line
        is read); None for anything else or a file that cannot be read."""
        st = self.stats.get(path)
        if st is None or not stat.S_ISREG(st.st_mode):
            return None
        try:
            with self.fs.open_file(path, hold=False) as fh:
                return fh.read(256)
        except OSError:
            return None

    def _module_files(self, container: str, name: str) -> list[str]:
        """A Python top-level name in container: its package directory, or its
        module files (name.py, name.*.so) with their cached bytecode."""
        out = []
        if self.is_dir(f"{container}/{name}"):
            out += self.subtree(f"{container}/{name}")
        return out + self._by_module(container).get(name, [])

    def _by_module(self, container: str) -> dict[str, list[str]]:
        """container's module files (name.py, name.*.so, and __pycache__'s
        name.*.pyc) by module name, made once per container."""
        if container not in self._modules:
            index: dict[str, list[str]] = {}
            for p in self.children(container):
                base = posixpath.basename(p)
                if base.endswith((".py", ".so", ".pyd")) and not self.is_dir(p):
                    index.setdefault(base.split(".", 1)[0], []).append(p)
            for p in self.children(f"{container}/__pycache__"):
                index.setdefault(posixpath.basename(p).split(".", 1)[0], []).append(p)
            self._modules[container] = index
        return self._modules[container]

    def _python_site(self, site: str) -> list[Unit]:
        units: list[Unit] = []
        claimed: set[str] = set()
        for meta in self.children(site):
            base = posixpath.basename(meta)
            if not base.endswith((".dist-info", ".egg-info")):
                continue
            dist = base.rsplit(".", 1)[0].split("-")[0]
            unit = Unit("python", meta, f"python distribution {dist} ({site})")
            unit.members = self.subtree(meta)
            tops: list[str] = []
            if self.is_dir(meta):
                record = self.read_text(meta + "/RECORD")
                for row in csv.reader(io.StringIO(record or "")):
                    if row and row[0]:
                        unit.members.append(_inside(site, row[0]))
                for line in (self.read_text(meta + "/installed-files.txt") or "").splitlines():
                    if line.strip():
                        unit.members.append(_inside(meta, line.strip()))
                tops = [t.strip() for t in (self.read_text(meta + "/top_level.txt") or "").splitlines()
                        if t.strip()]
                text = self.read_text(meta + ("/METADATA" if base.endswith(".dist-info") else "/PKG-INFO"))
                unit.deps = _requires_dist(text or "", self.read_text(meta + "/requires.txt") or "")
            if not tops and len(unit.members) == len(self.subtree(meta)):
                tops = [_normal(dist).replace("-", "_")]
            for top in tops:
                unit.members += self._module_files(site, top.replace("/", "."))
            unit.members = [m for m in unit.members if m in self.stats]
            # the site's entries this distribution holds (its packages, modules)
            claimed.update(f"{site}/{m[len(site) + 1:].split('/')[0]}" for m in unit.members
                           if m.startswith(site + "/") and not m.startswith(site + "/__pycache__/"))
            units.append(unit)
        units += self._import_units(site, claimed, "python package")
        return units

    def _import_units(self, container: str, claimed: set[str], what: str,
                      packages_only: bool = False) -> list[Unit]:
        """One unit per top-level import name nothing else claimed; with
        packages_only, of the directories only those an import can name
        (the standard library's config-3.11-x86_64-linux-gnu is the
        build's: Makefile and 25 MB of static libpython, kept whole when
        sysconfig read its Makefile)."""
        units = []
        names: set[str] = set()
        for p in self.children(container):
            base = posixpath.basename(p)
            if p in claimed or base in ("__pycache__", "site-packages", "dist-packages", "lib-dynload"):
                continue
            if self.is_dir(p):
                if packages_only and not base.isidentifier():
                    continue
                names.add(base)
            elif base.endswith((".py", ".so", ".pyd")):
                names.add(base.split(".", 1)[0])
        for name in sorted(names):
            members = [m for m in self._module_files(container, name) if m not in claimed]
            if members:
                units.append(Unit("python", f"{container}/{name}", f"{what} {name} ({container})",
                                  members=members))
        return units

    def _python_stdlib(self, lib: str) -> list[Unit]:
        units = self._import_units(lib, set(), "python standard module", packages_only=True)
        for p in self.children(lib + "/lib-dynload"):
            units.append(Unit("python", p, f"python extension module {posixpath.basename(p)}",
                              members=[p]))
        return units

    def _script_libraries(self, language: str, container: str) -> list[Unit]:
        """The units of a Ruby, Lua or Perl library directory. Ruby and
        Lua: one per top-level name, net.rb with net/ and net.so (socket.lua
        with socket/, whose socket/core.so another directory holds). Perl:
        one per module no module above it holds, with its directory and its
        XS modules (Time/Piece.pm, Time/Piece/, auto/Time/Piece/; Encode.pm
        with all of Encode/), and its File::ShareDir data
        (auto/share/dist/Time-Piece/): Perl's top-level names are loose
        families (Module:: holds CoreList, 1 MB, and Load). A library loads
        others of its name and picks some by a name it is given (Ruby's enc/
        encodings, Perl's Encode::JP for shiftjis, unicore/ for a regex's
        property).
        Units are named by their path under the directory, without suffix
        (net, Time/Piece)."""
        suffixes = SCRIPT_LIBRARY_SUFFIXES[language]
        members: dict[str, list[str]] = {}
        if language in ("ruby", "lua"):
            for p in self.children(container):
                base = posixpath.basename(p)
                if p in self.containers:
                    continue        # a library directory of its own (vendor_ruby/3.1.0)
                if self.is_dir(p):
                    members.setdefault(base, []).extend(self.subtree(p))
                elif base.endswith(suffixes):
                    members.setdefault(base.rsplit(".", 1)[0], []).append(p)
        else:
            inner = tuple(c for c in self.containers if c.startswith(container + "/"))  # perl5/5.36
            paths = [p for p in self.subtree(container)[1:]
                     if p[len(container) + 1:].split("/")[0] != "auto"
                     and not any(p == c or p.startswith(c + "/") for c in inner)]
            # top-level directories of modules (Time/), not of data (unicore/)
            families = {p[len(container) + 1:].split("/")[0] for p in paths if p.endswith(".pm")}
            for p in paths:
                rel = p[len(container) + 1:]
                name = rel.rsplit(".", 1)[0] if rel.endswith(suffixes) else rel
                parts = name.split("/")
                # the outermost module it is, or is under (Encode.pm holds
                # Encode/JP.pm; Time/Piece.pm holds the directory Time/Piece)
                owner = next(("/".join(parts[:i]) for i in range(1, len(parts) + 1)
                              if f"{container}/{'/'.join(parts[:i])}.pm" in self.stats), None)
                if owner is None and parts[0] not in families:
                    owner = parts[0]        # data a module picks from (unicore/), a .pl file
                if owner is not None:
                    members.setdefault(owner, []).append(p)
            for name in list(members):
                members[name] += self.subtree(f"{container}/auto/{name}")
            # File::ShareDir's data of a distribution or module (A-B for
            # A::B), which it picks from by a name given at run time:
            # DateTime::Locale reads auto/share/dist/DateTime-Locale/fr.pl
            # for a French date ("Failed to find shared file 'fr.pl'")
            owner_of = {m: name for name, files in members.items() for m in files}
            for kind in ("dist", "module"):
                for share in self.children(f"{container}/auto/share/{kind}"):
                    module = f"{container}/{posixpath.basename(share).replace('-', '/')}.pm"
                    if module in owner_of:
                        members[owner_of[module]] += self.subtree(share)
        what = {"ruby": "ruby library", "lua": "lua module"}.get(language, "perl module")
        units = [Unit(language, f"{container}/{name}", f"{what} {name.replace('/', '::')} ({container})",
                      members=files)
                 for name, files in sorted(members.items())]
        self._script_names.setdefault(language, {})[container] = {
            u.name[len(container) + 1:]: u.key for u in units}
        self.library_dir.update((u.key, container) for u in units)
        return units

    def _erlang_root(self, path: str) -> bool:
        """An Erlang/OTP installation (/usr/lib/erlang) or a release: its
        runtime (erts-13.1.5/) beside its lib/."""
        return any(posixpath.basename(c).startswith("erts-") and self.is_dir(c)
                   for c in self.children(path))

    def _erlang_applications(self, container: str) -> list[Unit]:
        """One unit per Erlang application (ssl-10.8.7/), with the
        applications its .app file says it needs, includes or starts when
        present. Found by its modules' names and by its own: a call
        ssl:versions() or application:ensure_all_started(ssl) needs all of
        it (ssl.app, and asn1's ebin/ through public_key). Its files only,
        not its directories: the code server looks into every
        application's ebin/ when it starts, and that uses none of them."""
        units: list[Unit] = []
        names: dict[str, str] = {}          # a module's or application's name -> its unit
        deps: dict[str, list[str]] = {}
        for p in self.children(container):
            m = ERLANG_APP.match(posixpath.basename(p))
            if m is None or not self.is_dir(p):
                continue
            app = m.group(1)
            unit = Unit("erlang", p, f"erlang application {app} ({container})",
                        members=[f for f in self.subtree(p) if not self.is_dir(f)])
            units.append(unit)
            for f in self.children(p + "/ebin"):
                if f.endswith(".beam"):
                    names.setdefault(posixpath.basename(f)[:-5], unit.key)
            names.setdefault(app, unit.key)
            spec = self.read_text(f"{p}/ebin/{app}.app") or ""
            deps[unit.key] = [d.strip().strip("'") for group in ERLANG_APP_DEPS.findall(spec)
                              for d in group.split(",") if d.strip()]
        for unit in units:
            unit.deps = [names[d] for d in deps[unit.key] if d in names and names[d] != unit.key]
        self._script_names.setdefault("erlang", {})[container] = names
        self.library_dir.update((u.key, container) for u in units)
        return units

    def _r_packages(self, container: str, needs: dict[str, list[str]]) -> list[Unit]:
        """One unit per R package of an R library, all its files: library()
        reads its code database, R/<name>.rdb, and help(), example(),
        citation() and vignette() its help/, doc/ and CITATION, none of them
        read by a job that loaded it (a package kept in part: "cannot open
        file 'munsell.rdb'"); and the names of the packages it loads
        (needs, by unit; ggplot2's viridisLite, loaded on first use: "there
        is no package called 'viridisLite'")."""
        units: list[Unit] = []
        names: dict[str, str] = {}
        for p in self.children(container):
            description = self.read_text(p + "/DESCRIPTION") if self.is_dir(p) else None
            if description is None:
                continue
            name = posixpath.basename(p)
            unit = Unit("r", p, f"R package {name} ({container})",
                        members=[f for f in self.subtree(p) if not self.is_dir(f)])
            units.append(unit)
            names[name] = unit.key
            needs[unit.key] = [m.group(1) for field in R_NEEDS.findall(description)
                               for part in field.split(",")
                               if (m := R_NAME.match(part)) and m.group(1) != "R"]
        self._script_names.setdefault("r", {})[container] = names
        self.library_dir.update((u.key, container) for u in units)
        return units

    def _octave_packages(self, container: str, needs: dict[str, list[str]]) -> list[Unit]:
        """One unit per Octave package (statistics-1.5.3/), all its files,
        in the shared directory and the arch one alike, found by its name
        (`pkg load statistics`), with the packages its DESCRIPTION depends
        on (needs, by unit): an Octave job's packages were dropped, `pkg
        load` failed and `pkg list` said none was installed, unsaid; one
        the job loaded was kept without io, which it loads ('csv2cell'
        undefined)."""
        units: list[Unit] = []
        names: dict[str, str] = {}
        for p in self.children(container):
            if not self.is_dir(p) or "-" not in posixpath.basename(p):
                continue
            name = posixpath.basename(p).rsplit("-", 1)[0]
            unit = Unit("octave", p, f"Octave package {name} ({container})",
                        members=[f for f in self.subtree(p) if not self.is_dir(f)])
            units.append(unit)
            names[name] = unit.key
            description = self.read_text(p + "/packinfo/DESCRIPTION") or ""
            needs[unit.key] = [d for field in OCTAVE_DEPENDS.findall(description) for part in field.split(",")
                               if (d := part.strip().split("(")[0].strip().lower()) and d != "octave"]
        self._script_names.setdefault("octave", {})[container] = names
        self.library_dir.update((u.key, container) for u in units)
        return units

    def _tcl_packages(self, container: str) -> list[Unit]:
        """One unit per directory of a Tcl package index (pkgIndex.tcl), its
        files but those of a directory below with an index of its own
        (tcllib's json/, csv/, ncgi/), found by the names the index says
        it provides (`package ifneeded json::write ...`): `package require`
        sources a package's files only when asked, and a tcllib kept as
        the probe loaded it, its every index with it, answered a route
        that required csv with "couldn't read file .../csv/csv.tcl"."""
        indexed = sorted(parent_of(p) for p in self.subtree(container)
                         if posixpath.basename(p) == "pkgIndex.tcl" and not self.is_dir(p))
        if not indexed:
            return []
        units: list[Unit] = []
        names: dict[str, str] = {}
        owner: dict[str, Unit] = {}
        for d in indexed:
            unit = Unit("tcl", d, f"Tcl package {posixpath.basename(d)} ({container})")
            owner[d] = unit
            units.append(unit)
            for name in TCL_IFNEEDED.findall(self.read_text(d + "/pkgIndex.tcl") or ""):
                names.setdefault(name.replace("::", "/"), unit.key)
        for d in indexed:
            for f in self.subtree(d):
                if self.is_dir(f):
                    continue
                up = parent_of(f)
                while up not in owner:
                    up = parent_of(up)
                if up == d:
                    owner[d].members.append(f)
        self._script_names.setdefault("tcl", {})[container] = names
        self.library_dir.update((u.key, container) for u in units)
        return units

    def _links_to(self, directory: str) -> list[str]:
        """The symlinks in directory's parent that lead to it."""
        out = []
        for p in self.children(parent_of(directory)):
            st = self.stats.get(p)
            if st is None or not stat.S_ISLNK(st.st_mode):
                continue
            try:
                if self.fs.walk(p).final == directory:
                    out.append(p)
            except SymlinkLoop:
                continue
        return out

    def _node_modules(self, container: str) -> list[Unit]:
        units = []
        for p in self.children(container):
            base = posixpath.basename(p)
            if base.startswith(".") or not self.is_dir(p):
                continue
            for module in (self.children(p) if base.startswith("@") else [p]):
                if not self.is_dir(module):
                    continue
                name = module[len(container) + 1:]
                unit = Unit("node", module, f"node module {name} ({container})",
                            members=self.subtree(module))
                pkg = json_object(self.read_text(module + "/package.json"))
                for section in ("dependencies", "optionalDependencies", "peerDependencies"):
                    deps = pkg.get(section)
                    if isinstance(deps, dict):
                        unit.deps += [d for d in deps if isinstance(d, str)]
                units.append(unit)
        return units

    def _gems(self, container: str) -> list[Unit]:
        units = []
        base = parent_of(container)
        for p in self.children(container):
            if not self.is_dir(p):
                continue
            full = posixpath.basename(p)
            unit = Unit("gem", p, f"gem {full} ({container})", members=self.subtree(p))
            spec = f"{base}/specifications/{full}.gemspec"
            if spec in self.stats:
                unit.members.append(spec)
                unit.deps = gem_dependencies(self.read_text(spec) or "")
            for platform in self.children(base + "/extensions"):
                for abi in self.children(platform):
                    unit.members += self.subtree(f"{abi}/{full}")
            units.append(unit)
        return units

    def _resolve_python_deps(self, units: list[Unit]) -> None:
        by_name: dict[str, list[Unit]] = {}
        for u in units:
            if u.kind == "python" and u.name.endswith((".dist-info", ".egg-info")):
                dist = posixpath.basename(u.name).rsplit(".", 1)[0].split("-")[0]
                by_name.setdefault(_normal(dist), []).append(u)
        for u in units:
            if u.kind != "python" or not u.deps:
                continue
            keys = []
            for dep in u.deps:
                candidates = by_name.get(_normal(dep), [])
                same = [c for c in candidates if parent_of(c.name) == parent_of(u.name)]
                for c in same or candidates[:1]:
                    keys.append(c.key)
            u.deps = keys

    def _resolve_node_deps(self, units: list[Unit]) -> None:
        by_root = {u.name: u for u in units if u.kind == "node"}
        globals_ = sorted({parent_of(u.name) for u in units if u.kind == "node"
                           and NODE_GLOBAL.match(parent_of(u.name))})
        for u in units:
            if u.kind == "node":
                u.deps = [k for d in u.deps if (k := self._node_lookup(u.name, d, by_root, globals_))]

    def node_dependencies(self, directory: str, names: Iterable[str]) -> list[str]:
        """Keys of the node modules names resolve to from directory."""
        by_root = {u.name: u for u in self.units.values() if u.kind == "node"}
        globals_ = sorted({parent_of(n) for n in by_root if NODE_GLOBAL.match(parent_of(n))})
        return [k for d in names if (k := self._node_lookup(directory, d, by_root, globals_))]

    def _node_lookup(self, start: str, dep: str, by_root: dict[str, Unit], globals_: list[str]) -> str | None:
        """Node's own search: start/node_modules/dep, then each parent's,
        also where that node_modules is a link (Debian's
        /usr/share/nodejs/@npmcli/node_modules is ../npm/node_modules:
        arborist finds treeverse there; the link is noted in node_via_link
        for the module found)."""
        d = start
        while True:
            directory = f"{d.rstrip('/')}/node_modules"
            candidate = f"{directory}/{dep}"
            if candidate in by_root:
                return by_root[candidate].key
            st = self.stats.get(directory)
            if st is not None and stat.S_ISLNK(st.st_mode):
                try:
                    final = self.fs.walk(directory).final
                except SymlinkLoop:
                    final = None
                if final is not None and f"{final}/{dep}" in by_root:
                    key = by_root[f"{final}/{dep}"].key
                    self.node_via_link.setdefault(key, set()).add(directory)
                    return key
            if d == "/":
                break
            d = parent_of(d)
        for g in globals_:
            if f"{g}/{dep}" in by_root:
                return by_root[f"{g}/{dep}"].key
        return None

    def _resolve_gem_deps(self, units: list[Unit]) -> None:
        by_name: dict[tuple[str, str], list[Unit]] = {}
        for u in units:
            if u.kind == "gem":
                by_name.setdefault((parent_of(u.name), gem_name(u.name)[0]), []).append(u)
        for found in by_name.values():
            found.sort(key=lambda x: gem_name(x.name)[1])        # (the newest last)
        self._gems_by_name = by_name
        for u in units:
            if u.kind == "gem":
                keys = []
                for dep in u.deps:
                    found = by_name.get((parent_of(u.name), dep), [])
                    if found:
                        keys.append(found[-1].key)
                u.deps = keys

    # -- application trees --------------------------------------------------

    def _trees(self) -> None:
        """What no package owns, in units: from the highest unowned directory
        down; what sits in a directory a package owns (a site copied into
        /usr/share/nginx/html, a cluster under /var/lib/postgresql) is one
        unit with everything unowned beside it; only the hierarchy's own
        directories (/etc, /usr/bin) hold single-file units (/etc/passwd)."""
        trees: dict[str, Unit] = {}
        for path in self.paths:
            if self.owned(path) or path in self.language_of:
                continue
            parent = parent_of(path)
            # what an application's node_modules holds that is no module
            # of its own is the application's: npm's .bin links, a module
            # linked in (`npm link`, a file: dependency); on their own, never
            # read by the probes, they went, and `npm run`, `npx` and `npm
            # ls` failed (npx then asked the public registry for the name)
            if parent in self.tree_of and (parent not in self.containers or (
                    posixpath.basename(parent) == "node_modules"
                    and (posixpath.basename(path) == ".bin" or not self.is_dir(path)))):
                # (not a tool's cache there, .cache or .vite: hundreds of MB)
                root = self.tree_of[parent]
            elif is_system_dir(path):
                continue
            elif parent != "/" and self.owned(parent) and not is_system_dir(parent) \
                    and parent not in self.containers:
                root = parent              # beside a package's files
            else:
                root = path
            self.tree_of[path] = root
            if root not in trees:
                if self.owned(root):
                    label = f"files no package owns under {root}"
                elif self.is_dir(root):
                    label = f"application tree {root} (no package owns it)"
                else:
                    label = f"file {root} (no package owns it)"
                trees[root] = Unit("tree", root, label)
            trees[root].members.append(path)
        for unit in trees.values():
            self.units[unit.key] = unit

    # -- queries ------------------------------------------------------------

    def units_of(self, path: str) -> list[str]:
        """Keys of the units path belongs to: a package (files and links
        only: directories are shared), a language package, a tree."""
        out = []
        if path in self.package_of:
            out.append(self.package_of[path])
        if path in self.language_of:
            out.append(self.language_of[path])
        if path in self.tree_of:
            out.append("tree:" + self.tree_of[path])
        return out

    def in_python_stdlib(self, key: str) -> bool:
        """Whether unit key is part of Python's standard library."""
        unit = self.units.get(key)
        return unit is not None and unit.kind == "python" and any(
            unit.name.startswith(lib + "/") for lib in self.python_stdlibs)

    def python_modules(self, top: str) -> list[str]:
        """Keys of the import units named top in every Python directory."""
        if self._py_index is None:
            index: dict[str, list[str]] = {}
            for u in self.units.values():
                if u.kind != "python":
                    continue
                if u.name.endswith((".dist-info", ".egg-info")):
                    # by what its files are under in its site: a package's
                    # directory, or a module (a RECORD without top_level.txt
                    # names only files: packaging/__init__.py, and `import
                    # packaging` found no unit, matplotlib's charts failed)
                    site = parent_of(u.name) + "/"
                    for m in u.members:
                        if not m.startswith(site):
                            continue
                        first = m[len(site):].split("/", 1)[0]
                        if first.endswith((".dist-info", ".egg-info", ".pth")) or first == "__pycache__":
                            continue
                        index.setdefault(first.split(".")[0], []).append(u.key)
                else:
                    index.setdefault(posixpath.basename(u.name).split(".")[0], []).append(u.key)
            self._py_index = index
        return sorted(set(self._py_index.get(top, [])))

    def script_libraries(self, language: str, name: str) -> list[str]:
        """Keys of the units that hold a Ruby feature ('net/http'), a Perl
        module ('Encode::JP'), a Lua module ('socket/http') or an Erlang
        module or application ('ssl'), in every directory of that language:
        in each, the unit of its name, else of the nearest name above it."""
        if language == "ruby" and name.endswith(SCRIPT_LIBRARY_SUFFIXES["ruby"]):
            name = name.rsplit(".", 1)[0]      # require 'foo.rb'
        parts = name.replace("::", "/").split("/")
        keys: list[str] = []
        containers = self._script_names.get(language, {})
        # Ruby's require finds a file: a feature no library directory has
        # is some gem's own, not of a directory's unit of its top name
        # (ruby-asciidoctor-pdf's vendor_ruby/asciidoctor/pdf/ is not the
        # asciidoctor gem's 'asciidoctor/core_ext': 9.1 MB of a PDF
        # toolchain came as "loaded", without its data). Where one has it,
        # the units of its name in the others come too: digest/sha2.so
        # requires digest.rb from the other directory.
        if language == "ruby" and not any(f"{container}/{name}{suffix}" in self.stats
                                          for container in containers
                                          for suffix in SCRIPT_LIBRARY_SUFFIXES["ruby"]):
            return keys
        for names in containers.values():
            for i in range(len(parts), 0, -1):
                key = names.get("/".join(parts[:i]))
                if key:
                    keys.append(key)
                    break
        return sorted(keys)

    def gems_named(self, name: str) -> list[str]:
        """Keys of the gem units of that name: the newest version in each
        gems directory."""
        return sorted(found[-1].key for (_, gem), found in self._gems_by_name.items() if gem == name)

    def php_libraries(self, name: str) -> list[str]:
        """Keys of the units that hold the file a PHP require names
        ('Twig/autoload.php'): the first found along include_path; an
        absolute name as it is."""
        for d in ("",) if name.startswith("/") else PHP_INCLUDE_DIRS:
            path = posixpath.normpath(f"{d}/{name}")
            if path in self.stats:
                return self.units_of(path)
        return []

    def in_private_site(self, path: str) -> bool:
        """path is inside a package's private entry of sys.path (_private_sites)."""
        return any(path.startswith(site + "/") for site in self.private_sites)

    def in_language_dir(self, path: str) -> bool:
        """path is, or is inside, a Python, node, gem, Ruby, Perl, Lua, Erlang or R directory."""
        return path in self.containers or self.language_entry(path) is not None

    def language_entry(self, path: str) -> str | None:
        """The entry of the language's directory path is or is under
        (/usr/lib/python3/dist-packages/pika for its __init__.py); None
        outside one."""
        p = path
        while p != "/":
            parent = parent_of(p)
            if parent in self.containers:
                return p
            p = parent
        return None

    def module_files(self, dotted: str) -> list[str]:
        """The files `import dotted` runs, in every Python directory: each
        package's __init__.py on the way and the module itself."""
        parts = dotted.split(".")
        out = []
        for container in sorted(self.python_sites | self.python_stdlibs):
            base = container
            for i, part in enumerate(parts):
                init = f"{base}/{part}/__init__.py"
                if init in self.stats:
                    out.append(init)
                    base = f"{base}/{part}"
                    continue
                if i == len(parts) - 1 and f"{base}/{part}.py" in self.stats:
                    out.append(f"{base}/{part}.py")
                break
        return out

    def service_dirs(self) -> list[str]:
        """The empty directories under /var no package owns that belong to
        a system account (a user or group 1-999, not root's): what a
        package's installation made for its service to write in (bind9's
        /var/lib/bind, root:bind 0775, made by its postinst). Not one with
        files in it: that is a tree of data, a unit of its own."""
        return [p for p in self.paths if p.startswith("/var/") and p.count("/") >= 3
                and stat.S_ISDIR(self.stats[p].st_mode) and p not in self.owned_dirs
                and (0 < self.stats[p].st_uid < 1000 or 0 < self.stats[p].st_gid < 1000)
                and all(self.is_dir(q) for q in self.subtree(p))]

    def service_files(self) -> list[str]:
        """The empty files under /var no package owns that belong to a
        system account, as service_dirs: what an installation made for a
        service to append to, which it never creates itself (base-files'
        postinst makes /var/log/wtmp, root:utmp 0664; sshd records a
        login there only if it exists, and on a minified image logins went
        unrecorded and `last` failed)."""
        return [p for p in self.paths if p.startswith("/var/") and p not in self.package_of
                and stat.S_ISREG(self.stats[p].st_mode) and self.stats[p].st_size == 0
                and (0 < self.stats[p].st_uid < 1000 or 0 < self.stats[p].st_gid < 1000)]

    def home_dirs(self) -> list[str]:
        """The home directories of root and of the people's accounts (uid
        1000 and up, not nobody's) /etc/passwd names, where the image has
        them: a client writes its history there (.mysql_history,
        .python_history, .bash_history), and on a minified MariaDB without
        /root it was silently not saved."""
        text = self.read_text("/etc/passwd") or ""
        out = []
        for line in text.splitlines():
            fields = line.split(":")
            if len(fields) < 7 or not fields[2].isdigit():
                continue
            uid, home = int(fields[2]), posixpath.normpath(fields[5] or "/")
            if (uid == 0 or 1000 <= uid < 65534) and home != "/" and self.is_dir(home) and home not in out:
                out.append(home)
        return out

    def sticky_dirs(self) -> list[str]:
        return [p for p in self.paths if stat.S_ISDIR(self.stats[p].st_mode)
                and self.stats[p].st_mode & stat.S_ISVTX and self.stats[p].st_mode & stat.S_IWOTH]


def _inside(base: str, relative: str) -> str:
    """relative (from a RECORD or installed-files list) as a path of the
    source, never above its root."""
    joined = relative if relative.startswith("/") else f"{base}/{relative}"
    return posixpath.normpath("/" + joined.lstrip("/"))


GEM_DIR = re.compile(r"^(?P<name>.+?)-(?P<version>\d[^-]*)(?:-(?P<platform>.+))?$")


# What a gemspec declares the gem needs: at run time where it says so,
# else all it declares (a gemspec's branch for old rubygems declares its
# development dependencies, rake and rspec, with add_dependency too)
GEM_RUNTIME_DEPENDENCY = re.compile(r"add_runtime_dependency\s*\(?\s*(?:%q<|[\"'])([^>\"']+)")
GEM_DEPENDENCY = re.compile(r"add_(?:runtime_)?dependency\s*\(?\s*(?:%q<|[\"'])([^>\"']+)")


def gem_dependencies(gemspec: str) -> list[str]:
    """The names of the gems the text of a gemspec says the gem needs."""
    pattern = GEM_RUNTIME_DEPENDENCY if "add_runtime_dependency" in gemspec else GEM_DEPENDENCY
    return sorted(set(pattern.findall(gemspec)))


def gem_name(path: str) -> tuple[str, tuple[tuple[int, str], ...]]:
    """A gem directory's name and a key that orders its versions
    (nokogiri-1.15.4-x86_64-linux: nokogiri, 1.15.4; rack-2.10.1 after
    rack-2.9.0)."""
    m = GEM_DIR.match(posixpath.basename(path))
    if m is None:
        return posixpath.basename(path), ()
    return m.group("name"), tuple((int(p), "") if p.isdigit() else (-1, p)
                                  for p in m.group("version").split("."))


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requires_dist(metadata: str, requires_txt: str) -> list[str]:
    """Distribution names a Python distribution needs (not its extras)."""
    out = []
    for line in metadata.splitlines():
        if line.startswith("Requires-Dist:"):
            spec = line.split(":", 1)[1]
            requirement, _, marker = spec.partition(";")
            if "extra" in marker:
                continue
            m = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
            if m:
                out.append(m[1])
    section = ""
    for line in requires_txt.splitlines():
        line = line.strip()
        if line.startswith("["):
            section = line
            continue
        if line and (not section or section.startswith("[:")):
            m = re.match(r"([A-Za-z0-9][A-Za-z0-9._-]*)", line)
            if m:
                out.append(m[1])
    return out


def json_object(text: str | None) -> dict[str, object]:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
