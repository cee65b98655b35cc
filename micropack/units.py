"""Units: what the traced files belong to, so that what the workload used
is kept whole and the image keeps working past its probes.

A unit is one of:
  * a distro package (dpkg, apk or rpm database in the source);
  * a language package: a Python distribution (its RECORD, installed-files
    or top_level list) or top-level import package or module, a node module
    directory, a Ruby gem;
  * an application tree: a directory no package owns (/app, /var/www/site,
    a database's data directory), from the highest such directory down, but
    never a directory of the file-system hierarchy itself (/opt, /srv,
    /usr/local/share, ...). A single unowned file in a package's directory
    (/etc/passwd) is a unit of its own.

Levels (`--granularity`), each keeping what the one before keeps:
  file     the traced files and what they need (the tightest image);
  unit     every application tree the workload touched, whole; every
           language package it imported or required, whole (Python looks
           modules up by name at run time: encodings, lazy imports), and
           those its own code names (imports, requires, the commands of its
           shell scripts); the distro package of every program it ran
           (pg_dump beside psql, wc beside date); a data directory it
           listed (PostgreSQL's scan of the time zones); a data package the
           commands of its scripts read (date: the time zones);
  package  every distro package any used file belongs to, whole.
Packages lose their documentation, manual pages, translations (unless the
trace shows the language in use) and type declarations at every level.

At every level, world-writable sticky directories (/tmp, /var/tmp) are kept
with their mode. A file a unit brings without being traced never pulls in
more than FOREIGN_LIMIT bytes of packages the workload did not use: it is
left out, with why (PostgreSQL's JIT module and the 110 MB of LLVM it
needs)."""
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
from micropack.errors import PackError
from micropack.packages import read_database
from micropack.record import TraceRecord
from micropack.resolve import Closure
from micropack.rootfs import RootFS, SymlinkLoop, parent_of

PACKAGE_KINDS = frozenset({"dpkg", "apk", "rpm"})

PSEUDO_TOPS = ("proc", "sys", "dev")

# What a file a unit brings (never traced) may pull in through its closure
# from packages the workload did not use.
FOREIGN_LIMIT = 16 << 20

# Metadata read from the source (RECORD, package.json, gemspec, scripts).
META_LIMIT = 4 << 20

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
})
MULTIARCH = re.compile(r"^(/usr)?(/local)?/lib(32|64|x32)?/[a-z0-9_]+-linux-[a-z0-9_]+$")
# Directories where shared libraries sit and are found by name (ld.so).
LIB_DIR = re.compile(r"^(/usr)?(/local)?/lib(32|64|x32)?(/[a-z0-9_]+-linux-[a-z0-9_]+)?$")
SHARED_OBJECT = re.compile(r"\.so(\.[0-9.]+)?$|\.so\.")

# What a package carries that no program reads: documentation, manual
# pages, translations (kept when the trace shows a language in use).
NOT_RUN_SUFFIXES = (".d.ts", ".d.mts", ".d.cts", ".pyi")
DOC_PREFIXES = ("/usr/share/doc/", "/usr/share/man/", "/usr/share/info/", "/usr/share/lintian/",
                "/usr/share/gtk-doc/", "/usr/share/help/", "/usr/share/bug/",
                "/usr/share/doc-base/", "/usr/share/linda/")
MAN_PAGE = re.compile(r"/man/([^/]+/)?man[0-9n][^/]*/")
TRANSLATION = re.compile(r"^/usr/share/locale/([^/]+)/")

ZONEINFO = "/usr/share/zoneinfo"
TZ_ASSIGNMENT = re.compile(r"(^|[\s;(`'\"])(export\s+)?TZ=")
PY_STDLIB = re.compile(r"^python[23](\.[0-9]+)?$")
NODE_GLOBAL = re.compile(r"^(/usr/share/nodejs|/usr/lib/nodejs|/usr/lib/[a-z0-9_]+-linux-[a-z0-9_]+/nodejs)$")

SHELLS = ("sh", "bash", "dash", "ash", "ksh", "mksh", "zsh", "busybox")
SHELL_KEYWORDS = frozenset({"if", "then", "elif", "else", "fi", "do", "done", "while", "until", "for",
                            "in", "case", "esac", "function", "select", "time", "!", "{", "}",
                            "[[", "]]", "coproc"})
SHELL_BUILTINS = frozenset({
    ".", ":", "alias", "bg", "bind", "break", "builtin", "caller", "cd", "command", "compgen",
    "complete", "continue", "declare", "dirs", "disown", "echo", "enable", "eval", "exec", "exit",
    "export", "false", "fc", "fg", "getopts", "hash", "help", "history", "jobs", "kill", "let",
    "local", "logout", "mapfile", "popd", "printf", "pushd", "pwd", "read", "readarray",
    "readonly", "return", "set", "shift", "shopt", "source", "suspend", "test", "times", "trap",
    "true", "type", "typeset", "ulimit", "umask", "unalias", "unset", "wait", "[",
})
# Programs that run the program named after them.
WRAPPERS = frozenset({"exec", "command", "nohup", "xargs", "nice", "timeout", "env", "sudo",
                      "setsid", "stdbuf", "chroot", "su-exec", "gosu", "runuser", "ionice",
                      "flock", "watch", "time"})
SEGMENT = re.compile(r"\$\(|`|\|\||&&|[|;&(){}]")
ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\[[^]]*\])?\+?=")
REDIRECTION = re.compile(r"[0-9]*(<<?<?|>>?|&>>?|<&|>&)[-|]?")
COMMAND_WORD = re.compile(r"^(/[\w./+-]+|[A-Za-z0-9_][\w.+-]*)$")
PY_IMPORT = re.compile(r"^[ \t]*(?:from[ \t]+([.\w]+)[ \t]+import[ \t]+\(?([\w, \t*]+)"
                       r"|import[ \t]+([\w., \t]+))", re.M)
JS_REQUIRE = re.compile(r"""(?:\brequire\s*\(\s*|\bimport\s*\(\s*|\bfrom\s+|^\s*import\s+)"""
                        r"""(['"])([^'"\n]+)\1""", re.M)


def is_system_dir(path: str) -> bool:
    return path in SYSTEM_DIRS or bool(MULTIARCH.match(path))


def is_documentation(path: str) -> bool:
    """Documentation, manual pages and type declarations: nothing runs them."""
    return path.startswith(DOC_PREFIXES) or bool(MAN_PAGE.search(path)) or path.endswith(NOT_RUN_SUFFIXES)


@dataclass
class Unit:
    kind: str                      # dpkg | apk | rpm | python | node | gem | tree
    name: str                      # package name, or the unit's root path
    label: str
    members: list[str] = field(default_factory=list)   # files, links, and dirs of trees
    dirs: list[str] = field(default_factory=list)      # directories a package lists
    deps: list[str] = field(default_factory=list)      # keys of units it declares it needs
    size: int = 0

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.name}"


@dataclass
class Expansion:
    used: dict[str, str] = field(default_factory=dict)         # unit key -> why it is used
    left_out: dict[str, str] = field(default_factory=dict)     # path -> why (a unit's file)
    sticky: list[str] = field(default_factory=list)


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
        self.tree_of: dict[str, str] = {}
        self.warnings: list[str] = []
        self.db_kind = ""
        self._programs: dict[str, bool] = {}
        self._py_index: dict[str, list[str]] | None = None
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

    def owned(self, path: str) -> bool:
        return path in self.package_of or path in self.owned_dirs

    def is_program_package(self, unit: Unit) -> bool:
        """A package with a program in it (an executable or a script), not
        one of shared libraries and their data only."""
        if unit.key not in self._programs:
            self._programs[unit.key] = any(self.is_program(m) for m in unit.members)
        return self._programs[unit.key]

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
        return info is not None and bool(info.interpreter)

    # -- language packages --------------------------------------------------

    def _languages(self) -> None:
        sites, stdlibs, nodes, gems = [], [], [], []
        for path in self.paths:
            if not self.is_dir(path):
                continue
            base = posixpath.basename(path)
            parent = parent_of(path)
            if base in ("site-packages", "dist-packages"):
                sites.append(path)
            elif base == "node_modules" or NODE_GLOBAL.match(path):
                nodes.append(path)
            elif base == "gems" and self.is_dir(parent + "/specifications"):
                gems.append(path)
            elif PY_STDLIB.match(base) and posixpath.basename(parent).startswith("lib") \
                    and (path + "/os.py") in self.stats:
                stdlibs.append(path)
        self.containers.update(sites, stdlibs, nodes, gems)
        found: list[Unit] = []
        for site in sites:
            found += self._python_site(site)
        for lib in stdlibs:
            found += self._python_stdlib(lib)
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
        self._resolve_node_deps(found)
        self._resolve_gem_deps(found)

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

    def _import_units(self, container: str, claimed: set[str], what: str) -> list[Unit]:
        """One unit per top-level import name nothing else claimed."""
        units = []
        names: set[str] = set()
        for p in self.children(container):
            base = posixpath.basename(p)
            if p in claimed or base in ("__pycache__", "site-packages", "dist-packages", "lib-dynload"):
                continue
            if self.is_dir(p):
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
        units = self._import_units(lib, set(), "python standard module")
        for p in self.children(lib + "/lib-dynload"):
            units.append(Unit("python", p, f"python extension module {posixpath.basename(p)}",
                              members=[p]))
        return units

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
                pkg = _json(self.read_text(module + "/package.json"))
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
                text = self.read_text(spec) or ""
                unit.deps = re.findall(
                    r"add_(?:runtime_)?dependency\s*\(?\s*(?:%q<|[\"'])([^>\"']+)", text)
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

    @staticmethod
    def _node_lookup(start: str, dep: str, by_root: dict[str, Unit], globals_: list[str]) -> str | None:
        """Node's own search: start/node_modules/dep, then each parent's."""
        d = start
        while True:
            candidate = f"{d.rstrip('/')}/node_modules/{dep}"
            if candidate in by_root:
                return by_root[candidate].key
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
                name = posixpath.basename(u.name).rsplit("-", 1)[0]
                by_name.setdefault((parent_of(u.name), name), []).append(u)
        for u in units:
            if u.kind == "gem":
                keys = []
                for dep in u.deps:
                    found = sorted(by_name.get((parent_of(u.name), dep), []), key=lambda x: x.name)
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
            if parent in self.tree_of and parent not in self.containers:
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

    def python_modules(self, top: str) -> list[str]:
        """Keys of the import units named top in every Python directory."""
        if self._py_index is None:
            index: dict[str, list[str]] = {}
            for u in self.units.values():
                if u.kind != "python":
                    continue
                if u.name.endswith((".dist-info", ".egg-info")):
                    for m in u.members:
                        if parent_of(m) in self.containers and not m.endswith((".dist-info", ".egg-info")):
                            index.setdefault(posixpath.basename(m).split(".")[0], []).append(u.key)
                else:
                    index.setdefault(posixpath.basename(u.name).split(".")[0], []).append(u.key)
            self._py_index = index
        return sorted(set(self._py_index.get(top, [])))

    def in_language_dir(self, path: str) -> bool:
        """path is, or is inside, a Python, node or gem directory."""
        p = path
        while p != "/":
            if p in self.containers:
                return True
            p = parent_of(p)
        return False

    def module_files(self, dotted: str) -> list[str]:
        """The files `import dotted` runs, in every Python directory: each
        package's __init__.py on the way and the module itself."""
        parts = dotted.split(".")
        out = []
        for container in sorted(self.containers):
            if not posixpath.basename(container).startswith(("python", "site-packages", "dist-packages")):
                continue
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

    def sticky_dirs(self) -> list[str]:
        return [p for p in self.paths if stat.S_ISDIR(self.stats[p].st_mode)
                and self.stats[p].st_mode & stat.S_ISVTX and self.stats[p].st_mode & stat.S_IWOTH]


def _inside(base: str, relative: str) -> str:
    """relative (from a RECORD or installed-files list) as a path of the
    source, never above its root."""
    joined = relative if relative.startswith("/") else f"{base}/{relative}"
    return posixpath.normpath("/" + joined.lstrip("/"))


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


def _json(text: str | None) -> dict[str, object]:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def script_commands(text: str) -> list[str]:
    """Names of the programs a shell script runs: the first word of each
    simple command (after assignments and keywords), and the program a
    wrapper (exec, xargs, env, timeout...) runs. Builtins are left out."""
    out: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        for segment in SEGMENT.split(line):
            words = segment.split()
            while words:
                w = words.pop(0)
                if REDIRECTION.match(w):
                    if REDIRECTION.fullmatch(w) and words:
                        words.pop(0)          # "< file": the file is no command
                    continue
                if ASSIGNMENT.match(w) or w in SHELL_KEYWORDS:
                    continue
                w = w.strip("\"'")
                if not COMMAND_WORD.match(w):
                    break
                if w not in SHELL_BUILTINS or w in WRAPPERS:
                    out.append(w)
                if w in WRAPPERS:
                    while words and (words[0].startswith("-") or ASSIGNMENT.match(words[0])
                                     or words[0].isdigit()):
                        words.pop(0)
                    continue
                break
    return list(dict.fromkeys(w for w in out if w not in SHELL_BUILTINS))


def is_shell_script(head: bytes, path: str) -> bool:
    if head.startswith(b"#!"):
        line = head[2:].split(b"\n", 1)[0].decode("utf-8", "replace").split()
        if not line:
            return False
        prog = posixpath.basename(line[0])
        if prog == "env" and len(line) > 1:
            prog = posixpath.basename(line[1])
        return prog in SHELLS
    return path.endswith(".sh")




def python_imports(text: str) -> list[str]:
    """Modules a Python file imports, absolute ones by their full dotted
    name and relative ones as '.name' (one dot per level)."""
    out = []
    for m in PY_IMPORT.finditer(text):
        if m.group(3):
            for part in m.group(3).split(","):
                name = part.strip().split()[0] if part.strip() else ""
                if name:
                    out.append(name)
        else:
            base = m.group(1)
            out.append(base)
            if base.endswith("."):
                # from . import debug: each name may be a submodule
                out += [base + n.strip().split()[0] for n in m.group(2).split(",")
                        if n.strip() and n.strip() != "*"]
    return list(dict.fromkeys(out))


def js_requires(text: str) -> list[str]:
    """Module names a JavaScript file requires or imports (bare names only:
    relative and absolute paths are the application's own files)."""
    names = JS_REQUIRE.findall(text)
    out = []
    for _, spec in names:
        if spec.startswith((".", "/")) or spec.startswith("node:"):
            continue
        parts = spec.split("/")
        out.append("/".join(parts[:2]) if spec.startswith("@") else parts[0])
    return list(dict.fromkeys(out))


# -- expansion ----------------------------------------------------------------

CONTENT_CALLS = frozenset({"open", "openat", "openat2", "creat", "exec", "execve", "execveat"})


@dataclass
class Activity:
    """What the trace shows beyond which paths: the programs run, the
    directories listed, and which program read what. From the events
    (minify, or pack --events); without them every traced program counts
    as run and every traced directory as listed."""

    executed: set[str] = field(default_factory=set)
    listed: set[str] = field(default_factory=set)
    read_by: dict[str, set[str]] = field(default_factory=dict)     # comm -> paths opened

    @classmethod
    def from_records(cls, records: Iterable[TraceRecord]) -> Activity:
        out = cls()
        for r in records:
            if r.result < 0 or not r.path.startswith("/"):
                continue
            if r.syscall in ("exec", "execve", "execveat"):
                out.executed.add(r.path)
            if r.syscall in CONTENT_CALLS:
                out.read_by.setdefault(r.comm, set()).add(r.path)
                if r.syscall in ("open", "openat", "openat2"):
                    out.listed.add(r.path)      # directories among them are listed
        return out


class Expander:
    """Keeps what the workload used, at the given level, on top of a
    closure that already holds the traced files and what they need."""

    def __init__(self, closure: Closure, units: SourceUnits, level: str,
                 activity: Activity | None = None) -> None:
        self.closure = closure
        self.units = units
        self.level = level
        self.activity = activity
        self.result = Expansion()
        self._languages: set[str] = set()
        self._queue: list[str] = []
        self._tools: set[str] = set()          # commands the application's scripts name
        self._scanned: set[str] = set()
        self._owned_modules: set[str] | None = None
        # TZ names a file of the time zone database: set in the image's
        # environment or by the application's scripts, any zone may be read
        self._tz_named = "TZ" in closure.env
        self._traced: dict[str, str] = {}

    # -- driving --------------------------------------------------------------

    def run(self) -> Expansion:
        for d in self.units.sticky_dirs():
            self.closure.add(d, "world-writable sticky directory (programs make their temporary files in it)")
            self.result.sticky.append(d)
        if self.level == "file":
            return self.result
        self._languages = {m.group(1) for p in self.closure.kept if (m := TRANSLATION.match(p))}
        traced = self._traced = dict(self.closure.kept)
        for path in traced:
            for key in self.units.units_of(path):
                if not key.startswith(tuple(k + ":" for k in PACKAGE_KINDS)):
                    self._use(key, path)
        for path in self._programs_run(traced):
            self._use_package(path, f"program {path} was run")
        self._listed_data_dirs(traced)
        if self.level == "package":
            for path, why in traced.items():
                if not why.startswith("symlink on the path of"):
                    self._use_package(path, path)
        self._drain()
        self._tool_data(traced)
        if self._tz_named:
            self._time_zones()
        self._drain()
        return self.result

    def _drain(self) -> None:
        while self._queue:
            key = self._queue.pop(0)
            unit = self.units.units[key]
            why = f"unit {unit.label} is used ({self.result.used[key]})"
            if unit.kind == "tree":
                for m in unit.members:
                    if m not in self.closure.kept:
                        self.closure.add(m, why)
                self._scan_code(unit)
            elif unit.kind in PACKAGE_KINDS:
                self._keep_files(unit, self._package_members(unit), why)
            elif unit.kind == "node" and self.level == "unit" and unit.name in self._distro_owned():
                continue     # a distro's own module: its package decides (package level)
            else:
                members = [m for m in unit.members if not _untraced_cache(m, self.closure.kept)]
                self._keep_files(unit, members, why)
            for dep in unit.deps:
                self._use(dep, f"a dependency of {unit.label}")

    def _use(self, key: str, why: str) -> None:
        if key not in self.result.used and key in self.units.units:
            self.result.used[key] = why
            self._queue.append(key)

    def _use_package(self, path: str, why: str) -> None:
        try:
            final = self.closure.fs.walk(path).final
        except SymlinkLoop:
            return
        for p in (path, final):
            key = self.units.package_of.get(p or "")
            if key:
                self._use(key, why)

    def _distro_owned(self) -> set[str]:
        if self._owned_modules is None:
            self._owned_modules = {u.name for u in self.units.units.values() if u.kind == "node"
                                   and any(m in self.units.package_of for m in u.members)}
        return self._owned_modules

    # -- what the trace shows ---------------------------------------------------

    def _programs_run(self, traced: dict[str, str]) -> list[str]:
        """Programs the workload ran, and the interpreters of scripts among them."""
        if self.activity is not None:
            run = sorted(self.activity.executed)
        else:
            run = []
            for path in traced:
                try:
                    final = self.closure.fs.walk(path).final
                except SymlinkLoop:
                    continue
                if final and self.units.is_program(final):
                    run.append(path)
        out = list(run)
        for path in run:
            try:
                final = self.closure.fs.walk(path).final
            except SymlinkLoop:
                continue
            if final:
                out += [n.path for n in self.closure.needs(final)
                        if n.why.startswith(("interpreter of script", "program "))]
        return out

    def _listed_data_dirs(self, traced: dict[str, str]) -> None:
        """A directory of a data package the workload listed: it picks files
        from it by name (PostgreSQL and its time zones), so the package's
        files under it are kept."""
        listed = self.activity.listed if self.activity is not None else set(traced)
        for path in sorted(listed):
            st = self.units.stats.get(path)
            if st is not None and not (stat.S_ISDIR(st.st_mode) or stat.S_ISLNK(st.st_mode)):
                continue          # only directories (or links to them) are listed
            try:
                final = self.closure.fs.walk(path).final
            except SymlinkLoop:
                continue
            if final is None or not self.units.is_dir(final):
                continue
            owners = self.units.dir_owners.get(final, set())
            if len(owners) != 1 or self.units.in_language_dir(final):
                continue
            unit = self.units.units[next(iter(owners))]
            if not self.units.is_data_package(unit):
                continue
            why = f"under {final}, a directory of {unit.label} the workload listed"
            members = [m for m in self._package_members(unit) if m.startswith(final + "/")]
            self._keep_files(unit, members, why)
            self.result.used.setdefault(unit.key, why)

    def _time_zones(self) -> None:
        """The unit of the time zone database, whole (its package, or the
        tree when no package owns it)."""
        for p in self.units.subtree(ZONEINFO)[1:]:
            for key in self.units.units_of(p):
                self._use(key, f"the time zone database: TZ is set by the image or its scripts ({p})")
            if self.units.units_of(p):
                return

    def _tool_data(self, traced: dict[str, str]) -> None:
        """A data package a command of the application's scripts read is
        kept whole: tools take other arguments next time (date, TZ=...)."""
        if not self._tools:
            return
        if self.activity is not None:
            read = set().union(*(paths for comm, paths in self.activity.read_by.items()
                                 if comm in {t[:15] for t in self._tools}))
        else:
            read = set(traced)
        for path in sorted(read):
            try:
                final = self.closure.fs.walk(path).final
            except SymlinkLoop:
                continue
            key = self.units.package_of.get(final or "")
            if key and self.units.is_data_package(self.units.units[key]):
                self._use(key, f"{final}, read by a command of the application's scripts")

    # -- keeping ----------------------------------------------------------------

    def _keep_files(self, unit: Unit, members: list[str], why: str) -> None:
        for m in members:
            if m in self.closure.kept:
                continue
            reason = self._refuse(m)
            if reason:
                self.result.left_out.setdefault(m, f"{unit.label}: {reason}")
            else:
                self.closure.add(m, why)

    def _package_members(self, unit: Unit) -> list[str]:
        """A package's files worth keeping: not its documentation, nor
        translations of languages not in use; a package of shared libraries
        brings only plugin directories a used library of it sits in."""
        program = self.units.is_program_package(unit)
        used_dirs = {parent_of(m) for m in unit.members
                     if m in self.closure.kept and SHARED_OBJECT.search(posixpath.basename(m))}
        out = []
        for m in unit.members:
            if is_documentation(m):
                continue
            t = TRANSLATION.match(m)
            if t and t.group(1) not in self._languages:
                continue
            if not program and SHARED_OBJECT.search(posixpath.basename(m)):
                d = parent_of(m)
                if LIB_DIR.match(d) or d not in used_dirs:
                    continue
            out.append(m)
        return out + [d for d in unit.dirs if not is_documentation(d + "/")
                      and not LIB_DIR.match(d) and not is_system_dir(d)]

    def _refuse(self, path: str) -> str | None:
        """Why a file a unit brings (never traced) is left out: what it needs
        is missing, or would pull in too much of packages the workload never
        used. None when it can be kept."""
        seen: set[str] = set()
        foreign: dict[str, int] = {}
        todo: list[tuple[str, list[str]]] = [(path, [])]
        while todo:
            p, rpath = todo.pop()
            try:
                final = self.closure.fs.walk(p).final
            except SymlinkLoop:
                return f"{p} is a symlink loop"
            if final is None:
                if p == path:
                    return None      # a dangling link: kept as the unit has it
                return f"needs {p}, which the source does not have"
            if final in seen:
                continue
            seen.add(final)
            st = self.closure.fs.lstat(final)
            if st is None or not stat.S_ISREG(st.st_mode):
                continue
            if final != path:
                if final in self.closure.kept:
                    continue
                key = self.units.package_of.get(final)
                if key is not None and key not in self.result.used:
                    foreign[key] = foreign.get(key, 0) + st.st_size
            for need in self.closure.needs(final, rpath):
                if need.missing:
                    return f"needs {need.path}, which the source does not have"
                todo.append((need.path, need.rpath))
        total = sum(foreign.values())
        if total > FOREIGN_LIMIT:
            names = ", ".join(k.split(":", 1)[1] for k, _ in sorted(foreign.items(), key=lambda x: -x[1]))
            return (f"needs {total / 1e6:.1f} MB of packages the workload never used ({names}): "
                    "left out (--include keeps it)")
        return None

    # -- what the application's own code names ------------------------------------

    def _scan_code(self, tree: Unit) -> None:
        """Shell scripts name commands, Python files imports, JavaScript
        files modules: keep what they name, as if traced."""
        py: list[str] = []
        for m in tree.members:
            st = self.units.stats.get(m)
            if st is None or not stat.S_ISREG(st.st_mode) or st.st_size > META_LIMIT:
                continue
            if m.endswith(".py"):
                py.append(m)
                continue
            if m.endswith((".js", ".mjs", ".cjs")):
                for key in self.units.node_dependencies(parent_of(m),
                                                         js_requires(self.units.read_text(m) or "")):
                    self._use(key, f"required by {m}")
                continue
            if not (st.st_mode & 0o111 or m.endswith(".sh")):
                continue
            text = self.units.read_text(m)
            if text is None or not is_shell_script(text[:256].encode("utf-8", "surrogateescape"), m):
                continue
            if TZ_ASSIGNMENT.search(text):
                self._tz_named = True
            for word in script_commands(text):
                found: str | None = word if word.startswith("/") else self.closure.find_program(word)
                if not found:
                    continue
                self._tools.add(posixpath.basename(found))
                if found not in self.closure.kept:
                    before = set(self.closure.kept)
                    self.closure.add(found, f"command {word} in script {m}")
                    for p in self.closure.kept.keys() - before:
                        for key in self.units.units_of(p):
                            self._use(key, f"command {word} in script {m}")
                self._use_package(found, f"command {word} in script {m}")
        package_json = _json(self.units.read_text(tree.name + "/package.json"))
        for key in self.units.node_dependencies(tree.name, _node_deps(package_json)):
            self._use(key, f"a dependency in {tree.name}/package.json")
        self._scan_python(py)

    def _scan_python(self, files: list[str]) -> None:
        """The modules Python files import, also inside functions (imported
        on first use), followed through the modules the trace never saw
        imported: their import packages are kept, found where the
        interpreter looks (site and standard library directories)."""
        todo = list(files)
        while todo:
            f = todo.pop()
            if f in self._scanned:
                continue
            self._scanned.add(f)
            text = self.units.read_text(f)
            if text is None:
                continue
            for name in python_imports(text):
                dotted = _absolute(name, f, self.units)
                if not dotted:
                    continue
                for key in self.units.python_modules(dotted.split(".")[0]):
                    self._use(key, f"imported by {f}")
                for found in self.units.module_files(dotted):
                    if found not in self._traced:     # what ran was imported already
                        todo.append(found)


def _absolute(name: str, importer: str, units: SourceUnits) -> str | None:
    """An import's absolute dotted name; relative ones from the importer's
    package (None when the importer is not inside a Python directory)."""
    if not name.startswith("."):
        return name
    level = len(name) - len(name.lstrip("."))
    package = parent_of(importer)
    for _ in range(level - 1):
        package = parent_of(package)
    for container in units.containers:
        if package.startswith(container + "/"):
            rest = package[len(container) + 1:].replace("/", ".")
            tail = name.lstrip(".")
            return f"{rest}.{tail}" if tail else rest
    return None


def _untraced_cache(path: str, kept: dict[str, str]) -> bool:
    """Cached bytecode the trace did not read: Python makes it again."""
    return "/__pycache__/" in path and path.endswith(".pyc") and path not in kept


def _node_deps(package_json: dict[str, object]) -> list[str]:
    out: list[str] = []
    for section in ("dependencies", "optionalDependencies", "peerDependencies"):
        deps = package_json.get(section)
        if isinstance(deps, dict):
            out += [d for d in deps if isinstance(d, str)]
    return out
