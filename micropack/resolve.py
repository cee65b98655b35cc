"""The closure: from the traced paths to everything they need, every lookup
done inside the container's root (rootfs.RootFS)."""
from __future__ import annotations

import fnmatch
import os
import posixpath
import re
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field

from micropack import elf
from micropack.codescan import env_program, never_run, shebang_words
from micropack.errors import PackError, UsageError
from micropack.levels import DEFAULT_GRANULARITY, PRESETS
from micropack.record import is_pseudo
from micropack.rootfs import RootFS, SymlinkLoop, parent_of

# Real ones are a few kB (ld.so.cache: ~100 kB with thousands of libraries).
LD_CONF_LIMIT = 1 << 20
MAX_WAYS = 8        # ways one file is looked at ($ORIGINs, DT_RPATH chains): see _inspect
LD_CACHE_LIMIT = 64 << 20

# A library built for a newer CPU level (glibc 2.33+), and where its
# baseline copy is: /usr/lib/x86_64-linux-gnu/glibc-hwcaps/x86-64-v3/libz.so.1
# beside /usr/lib/x86_64-linux-gnu/libz.so.1.
HWCAPS_COPY = re.compile(r"^(?P<dir>/.*)/glibc-hwcaps/(?P<level>[^/]+)/(?P<name>[^/]+)$")

# The PATH a program that is given none searches (a shell's, execvp's)
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

MUSL_LOADER = re.compile(r"ld-musl-([a-z0-9_]+)\.so\.1$")

DEFAULT_LIB_DIRS = {
    64: ("/lib64", "/usr/lib64", "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu",
         "/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/lib", "/usr/lib"),
    32: ("/lib32", "/usr/lib32", "/lib/i386-linux-gnu", "/usr/lib/i386-linux-gnu",
         "/lib/arm-linux-gnueabihf", "/usr/lib/arm-linux-gnueabihf", "/lib", "/usr/lib"),
}


@dataclass
class Rules:
    include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    toolbox: bool = False       # --keep toolbox

    def add_preset(self, name: str) -> None:
        self.include.extend(PRESETS[name])
        self.toolbox = self.toolbox or name == "toolbox"

    def check(self, granularity: str = DEFAULT_GRANULARITY) -> None:
        """A pattern that is not absolute can never match a path of the
        source (they all start with /): a usage error, not a silent no-op;
        so is the toolbox at file level, which reads no packages."""
        if self.toolbox and granularity == "file":
            raise UsageError("--keep toolbox keeps the programs of packages, which --granularity file "
                             "does not read: use unit or package")
        for option, patterns in (("--include", self.include), ("--exclude", self.exclude)):
            for p in patterns:
                if not p.startswith("/"):
                    raise UsageError(f"{option} {p!r} is not absolute: patterns match paths "
                                     f"inside the image, such as /{p.lstrip('./')}")


def has_glob(pattern: str) -> bool:
    return any(c in pattern for c in "*?[")


@dataclass
class Need:
    """One thing a file needs to run: its path, why, and (for a library) the
    DT_RPATH of the objects that load it."""

    path: str
    why: str
    rpath: list[str] = field(default_factory=list)
    missing: bool = False      # a library the source does not have (path is its name)
    # $ORIGIN of a library: the directory of the name ld.so loaded it under
    # (path's, no symlink resolved: LD_DEBUG tries /opt/app/bin/../lib/...),
    # not its real one; None for a program, whose $ORIGIN ld.so takes from
    # /proc/self/exe, its real directory
    origin: str | None = None


# A module of a Python library directory: imported (or run with `-m`) by
# the interpreter that imports it, whatever its #! line names (the standard
# library's pdb.py and webbrowser.py say `/usr/bin/env python3`, which an
# image embedding libpython3.11 has no need of)
PYTHON_LIBRARY_MODULE = re.compile(r"/lib/python[0-9.]*/.+\.py$")


@dataclass
class Closure:
    fs: RootFS
    env: dict[str, str] = field(default_factory=dict)
    platform: str = "x86_64"
    # --exclude is applied before the closure: an excluded file is never
    # kept, and nothing is kept because it needs it
    rules: Rules = field(default_factory=Rules)
    kept: dict[str, str] = field(default_factory=dict)       # path -> why
    # the paths the trace named (a library traced after the program that
    # needs it is kept as "needed by" that program, and was opened all the same)
    traced: set[str] = field(default_factory=set)
    included: set[str] = field(default_factory=set)    # what --include named (apply_includes)
    skipped: dict[str, str] = field(default_factory=dict)    # path -> why
    warnings: list[str] = field(default_factory=list)
    # a library kept as needed -> the files that needed it (by the name the
    # search found it under), the first first
    needed_by: dict[str, list[str]] = field(default_factory=dict)
    _inspected: set[tuple[str, str, tuple[str, ...]]] = field(default_factory=set)
    _ways: dict[str, int] = field(default_factory=dict)      # path -> ways it was looked at
    # a library needed by a name no search path finds: its warning -> (name, skipped entry)
    _missing: dict[str, tuple[str, str]] = field(default_factory=dict)
    _idents: dict[str, tuple[int, int] | None] = field(default_factory=dict)
    _ld_cache: dict[str, list[str]] | None = None
    _ld_conf: list[str] | None = None
    _needs: dict[tuple[str, str, tuple[str, ...]], list[Need]] = field(default_factory=dict)
    _spellings: dict[str, tuple[str, str]] = field(default_factory=dict)    # glob -> _through_links
    _musl_loader: str | None = None     # the source's loader if musl's, else ""; None: not looked yet
    _musl_dirs: dict[str, list[str]] = field(default_factory=dict)     # arch -> musl's search path

    # -- entry points -------------------------------------------------------

    def add_traced(self, paths: Iterable[str]) -> None:
        for p in paths:
            self.traced.add(p)
            self.add(p, "traced")

    def apply_includes(self, rules: Rules) -> None:
        """Keep what --include names; one that matches nothing in the
        source is a warning (a typo would otherwise pass unnoticed)."""
        globs = [g for g in rules.include if has_glob(g)]
        matched: set[str] = set()
        for literal in (g for g in rules.include if not has_glob(g)):
            try:
                found = self.fs.lstat(literal) is not None or bool(self.fs.walk(literal).final)
            except SymlinkLoop:
                found = False
            if found:
                matched.add(literal)
                self.included.add(literal)
                self.add(literal, f"rule --include {literal}", subtree=True)
        if globs:
            for path in self.fs.iter_tree("/"):
                kept = False
                for g in globs:
                    name = self._glob_match(path, g)
                    if name is None:
                        continue
                    matched.add(g)          # every pattern that matches, not only the first
                    if not kept:
                        self.included.add(name)
                        self.add(name, f"rule --include {g}")
                        kept = True
        for pattern in rules.include:
            if pattern not in matched:
                self.warnings.append(f"--include {pattern} matches nothing in the source")

    def excluded(self, path: str) -> str | None:
        """The --exclude pattern that path matches, spelled as the path is
        or through a link (see _glob_match); None if none does."""
        return next((g for g in self.rules.exclude if self._glob_match(path, g) is not None), None)

    def _glob_match(self, path: str, glob: str) -> str | None:
        """The name under which path matches glob, None if it does not:
        path itself, or, when the directories before the glob's first
        wildcard go through a symlink (Debian's merged /usr: /lib/x86_64-
        linux-gnu/libz* is /usr/lib/x86_64-linux-gnu/libz*), a path under
        where they lead, named as the glob spells it. Where they lead is
        compared as text, never as a pattern (a directory may be named with
        '[' or '*')."""
        if fnmatch.fnmatchcase(path, glob):
            return path
        if glob not in self._spellings:
            self._spellings[glob] = self._through_links(glob)
        physical, spelled = self._spellings[glob]
        top = physical.rstrip("/")          # a link to / leaves ""
        if physical and (path == top or path.startswith(top + "/")) and \
                fnmatch.fnmatchcase(path[len(top):], glob[len(spelled):]):
            return spelled + path[len(top):]
        return None

    def _through_links(self, glob: str) -> tuple[str, str]:
        """(physical, spelled): the directories before glob's first wildcard
        and where they lead in the source, when a symlink is among them;
        ("", "") when none is, or they are missing."""
        head = glob.split("/")
        literal = next((i for i, part in enumerate(head) if has_glob(part)), len(head))
        spelled = "/".join(head[:literal])
        if not spelled:
            return "", ""
        try:
            physical = self.fs.walk(spelled).final
        except SymlinkLoop:
            return "", ""
        return (physical, spelled) if physical and physical != spelled else ("", "")

    def add(self, path: str, why: str, subtree: bool = False,
            inherited_rpath: list[str] | None = None, origin: str | None = None) -> None:
        """Keep path and what it needs. inherited_rpath and origin, when it
        is a library: the DT_RPATH of the objects that loaded it, and its
        $ORIGIN (Need.origin)."""
        if is_pseudo(path):
            self.skipped.setdefault(path, "pseudo filesystem (/proc, /sys, /dev): not packed")
            return
        glob = self.excluded(path)
        if glob:
            self.skipped.setdefault(path, f"rule --exclude {glob}")
            return
        try:
            walk = self.fs.walk(path)
        except SymlinkLoop as exc:
            self._keep_looping_link(path, why, exc)
            return
        for link in walk.links:
            self._keep(link, f"symlink on the path of {path}")
        for directory in walk.dotdot_from:
            self._keep(directory, f"directory on the path of {path} (left by '..')")
        final = walk.final
        if final is None:
            self.skipped.setdefault(path, "not in the source (created at run time?)")
            # what the program created needs the directory it created it in:
            # the one the lookup stopped in, past every link (open(O_CREAT)
            # of a dangling link creates its target, in the target's directory)
            parent = parent_of(walk.missing_at or path)
            if parent != "/":
                at = f" (as {walk.missing_at})" if walk.missing_at != path else ""
                self.add(parent, f"directory of {path}, created at run time{at}")
            return
        if is_pseudo(final):
            self.skipped.setdefault(final, "pseudo filesystem (/proc, /sys, /dev): not packed")
            return
        glob = self.excluded(final)
        if glob:
            self.skipped.setdefault(final, f"rule --exclude {glob} (target of {path})")
            return
        st = self.fs.lstat(final)
        assert st is not None
        mode = st.st_mode
        if stat.S_ISSOCK(mode) or stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
            self.skipped.setdefault(final, "socket or device node: not packed")
            return
        self._keep(final, why if not walk.links else f"target of {path} ({why})")
        if stat.S_ISREG(mode):
            self._inspect(final, inherited_rpath or [], origin)
            hwcaps = HWCAPS_COPY.match(final)
            if hwcaps:
                # ld.so loaded the copy built for this CPU's level (its
                # ld.so.cache lists it first): a CPU without that level
                # loads the baseline library beside the glibc-hwcaps
                # directory, which the trace never saw
                baseline = f"{hwcaps['dir']}/{hwcaps['name']}"
                if self.fs.lstat(baseline) is not None:
                    self.add(baseline, f"baseline of {final}, for CPUs without {hwcaps['level']}",
                             inherited_rpath=inherited_rpath, origin=origin and hwcaps["dir"])
        elif stat.S_ISDIR(mode) and subtree:
            for child in self.fs.iter_tree(final):
                self.add(child, f"under {final} ({why})")

    # -- internals ----------------------------------------------------------

    def _keep_looping_link(self, path: str, why: str, loop: SymlinkLoop) -> None:
        """A link that leads round in a loop is still a file the workload
        saw (`ls -l` of its directory lists it, readlink reads it): kept as
        itself, with the links before it; dropped, the listing lost it."""
        try:
            walk = self.fs.walk(path, follow_final=False)
        except SymlinkLoop:
            walk = None
        st = self.fs.lstat(walk.final) if walk is not None and walk.final else None
        if walk is None or walk.final is None or st is None or not stat.S_ISLNK(st.st_mode):
            self.skipped.setdefault(path, f"symlink loop: {loop}")
            self.warnings.append(f"{path}: symlink loop")
            return
        for link in walk.links:
            self._keep(link, f"symlink on the path of {path}")
        self._keep(walk.final, f"{why} (a symlink in a loop: kept as itself)")

    def _keep(self, path: str, why: str) -> None:
        self.kept.setdefault(path, why)

    def _inspect(self, path: str, inherited_rpath: list[str], origin: str | None) -> None:
        # one file loaded under two names (two $ORIGINs) or by two chains of
        # DT_RPATH may need different files: each way it is loaded is looked at
        key = _needs_key(path, inherited_rpath, origin)
        if key in self._inspected:
            return
        # Libraries that need each other, loaded through $ORIGIN/.. or a
        # DT_RPATH chain, would give a new key each time round (the origin
        # and the inherited path grow): a file is looked at in at most
        # MAX_WAYS ways, the first ones.
        ways = self._ways.get(path, 0)
        if ways >= MAX_WAYS:
            return
        self._ways[path] = ways + 1
        self._inspected.add(key)
        for need in self.needs(path, inherited_rpath, origin):
            if need.missing:
                entry = f"{need.path} (needed by {path})"
                self.skipped.setdefault(entry, "library not found in the source")
                warning = f"{path} needs {need.path}, which the source does not have"
                if warning not in self.warnings:      # said once, under any of its names
                    self.warnings.append(warning)
                    self._missing[warning] = (need.path, entry)
            else:
                needers = self.needed_by.setdefault(need.path, [])
                if path not in needers:
                    needers.append(path)
                self.add(need.path, need.why, inherited_rpath=need.rpath, origin=need.origin)

    def needs(self, path: str, inherited_rpath: list[str] | None = None,
              origin: str | None = None) -> list[Need]:
        """What the regular file path (resolved) needs to run, one level deep:
        its ELF interpreter and libraries, or its script interpreter. Nothing
        is kept: callers decide (unit expansion asks before it keeps).
        origin: its $ORIGIN when it is a library (Need.origin); else its
        own directory, a program's."""
        key = _needs_key(path, inherited_rpath or [], origin)
        if key not in self._needs:
            self._needs[key] = self._read_needs(path, inherited_rpath or [], key[1])
        return self._needs[key]

    def _read_needs(self, path: str, inherited_rpath: list[str], origin: str) -> list[Need]:
        try:
            # one open, unbuffered (256 bytes read, not 8 KiB), inside the
            # root and only if it is still a regular file (a live container
            # may have swapped it since its lstat)
            with self.fs.open_file(path) as fh:
                head = fh.read(256)
                info = elf.read_elf(fh) if head.startswith(elf.ELF_MAGIC) else None
        except OSError as exc:
            self.warnings.append(f"{path}: cannot read ({exc.strerror})")
            return []
        if info is not None:
            return self._elf_needs(path, info, inherited_rpath, origin)
        if head.startswith(b"#!") and self._executable(path):
            return self._shebang_needs(path, head)
        return []

    def _executable(self, path: str) -> bool:
        """Whether anyone may run path: the kernel reads a #! line only
        then. A module with one (odfpy's are 0644 with #!/usr/bin/python,
        which the image did not have) is imported, not run: taken for a
        script, it was refused, and `import odf` failed."""
        st = self.fs.lstat(path)
        return st is not None and bool(st.st_mode & 0o111) and not never_run(path)

    def _shebang_needs(self, path: str, head: bytes) -> list[Need]:
        parts = shebang_words(head)
        if not parts:
            return []
        interp = parts[0]
        if not interp.startswith("/"):
            return []      # "#! perl" in a module: not something the kernel runs
        out = [Need(interp, f"interpreter of script {path}")]
        if os.path.basename(interp) == "env":
            program = env_program(parts[1:])
            if program:
                found = self._find_in_path(program)
                if found:
                    out.append(Need(found, f"program {program} run by script {path} through env"))
                elif not PYTHON_LIBRARY_MODULE.search(path):
                    self.warnings.append(f"{path}: {program} (through env) not found on PATH")
        return out

    def find_program(self, prog: str) -> str | None:
        """prog found through the image's PATH, as a shell finds it."""
        return self._find_in_path(prog)

    def _find_in_path(self, prog: str) -> str | None:
        search = self.env.get("PATH", DEFAULT_PATH)
        for d in search.split(":"):
            if not d:
                continue
            candidate = f"{d.rstrip('/')}/{prog}"
            w = self.fs.walk(candidate)
            if w.final and (st := self.fs.lstat(w.final)) and stat.S_ISREG(st.st_mode):
                return candidate
        return None

    def _elf_needs(self, path: str, info: elf.ElfInfo, inherited_rpath: list[str],
                   origin: str) -> list[Need]:
        out = []
        if info.interpreter:
            out.append(Need(info.interpreter, f"ELF interpreter of {path}"))

        def expand(entries: list[str]) -> list[str]:
            return [d for e in entries for d in elf.expand_tokens(e, origin, info.elfclass, self.platform)]

        # glibc's loader chain: an object's DT_NEEDED are searched in its
        # DT_RPATH and then in those of the objects that loaded it, up to
        # the program's; an object with DT_RUNPATH searches none of them
        # (its own DT_RPATH is ignored), but the chain goes on through it
        # to what it loads. (each directory once, where it first comes: a
        # chain that loops adds nothing new)
        chain = list(dict.fromkeys(([] if info.runpath else expand(info.rpath)) + inherited_rpath))
        if info.truncated or len(chain) > elf.SEARCH_MAX:
            self.warnings.append(f"{path}: more libraries or library directories than any real "
                                 f"program has (over {elf.NEEDED_MAX} or {elf.SEARCH_MAX}): "
                                 "the rest were not looked for")
            del chain[elf.SEARCH_MAX:]
        search = [] if info.runpath else chain
        for name in info.needed:
            found = self._find_library(name, info, search, expand(info.runpath))
            if found is None:
                out.append(Need(name, f"needed by {path}", missing=True))
            else:
                out.append(Need(found, f"needed by {path}", chain, origin=parent_of(found)))
        return out

    def _find_library(self, name: str, info: elf.ElfInfo, rpath: list[str],
                      runpath: list[str]) -> str | None:
        if "/" in name:
            return name if self._compatible(name, info) else None
        ld_path = [p for p in self.env.get("LD_LIBRARY_PATH", "").split(":") if p]
        musl = self._musl_path(info.interpreter)
        if musl is not None:
            # musl's loader: LD_LIBRARY_PATH, the rpaths, then its path file
            # or /lib:/usr/local/lib:/usr/lib; no cache, no ld.so.conf
            for d in [*ld_path, *rpath, *runpath, *musl]:
                if self._compatible(f"{d.rstrip('/')}/{name}", info):
                    return f"{d.rstrip('/')}/{name}"
            return None
        for d in [*rpath, *ld_path, *runpath]:
            if self._compatible(f"{d.rstrip('/')}/{name}", info):
                return f"{d.rstrip('/')}/{name}"
        for cached in self._cache().get(name, ()):
            if self._compatible(cached, info):
                return cached
        for d in [*self._conf_dirs(), *DEFAULT_LIB_DIRS[info.elfclass]]:
            if self._compatible(f"{d.rstrip('/')}/{name}", info):
                return f"{d.rstrip('/')}/{name}"
        return None

    def _compatible(self, candidate: str, wanted: elf.ElfInfo) -> bool:
        """A regular ELF file of the same class and machine (ld.so skips others)."""
        try:
            w = self.fs.walk(candidate)
        except SymlinkLoop:
            return False
        if not w.final:
            return False
        if w.final not in self._idents:
            st = self.fs.lstat(w.final)
            ident = None
            if st is not None and stat.S_ISREG(st.st_mode):
                try:
                    with self.fs.open_file(w.final) as fh:
                        ident = elf.elf_ident(fh.read(20))
                except OSError:
                    ident = None
            self._idents[w.final] = ident
        return self._idents[w.final] == (wanted.elfclass, wanted.machine)

    def _musl_path(self, loader: str | None) -> list[str] | None:
        """Where musl's loader looks for libraries: /etc/ld-musl-ARCH.path
        (':' or newline separated), else /lib:/usr/local/lib:/usr/lib; None
        when the loader is not musl's. loader: a program's ELF interpreter;
        a library names none, and the source's loader counts, if it has
        musl's (Alpine) and not glibc's."""
        if not loader:
            if self._musl_loader is None:
                names = self.fs.list_dir("/lib") or []
                musl = sorted(n for n in names if MUSL_LOADER.fullmatch(n))
                glibc = any(n.startswith("ld-linux") for n in [*names, *(self.fs.list_dir("/lib64") or [])])
                self._musl_loader = musl[0] if musl and not glibc else ""
            loader = self._musl_loader
        found = MUSL_LOADER.search(loader)
        if not found:
            return None
        if found[1] not in self._musl_dirs:
            path = f"/etc/ld-musl-{found[1]}.path"
            text = self._read_config(path, LD_CONF_LIMIT).decode("utf-8", "replace")
            dirs = [d.strip() for d in re.split(r"[:\n]", text) if d.strip()]
            self._musl_dirs[found[1]] = dirs or ["/lib", "/usr/local/lib", "/usr/lib"]
        return self._musl_dirs[found[1]]

    def _cache(self) -> dict[str, list[str]]:
        """ld.so.cache's libraries by file name, each list in the cache's order."""
        if self._ld_cache is None:
            data = self._read_config("/etc/ld.so.cache", LD_CACHE_LIMIT)
            self._ld_cache = {}
            for lib in elf.parse_ld_cache(data):
                self._ld_cache.setdefault(os.path.basename(lib), []).append(lib)
        return self._ld_cache

    def _read_config(self, path: str, limit: int) -> bytes:
        """A loader file of the source, read safely: b"" (with a warning)
        when it is not a regular file or is too large to be one."""
        try:
            data = self.fs.read_file(path, limit)
        except PackError as exc:
            self.warnings.append(f"{exc}; the loader's search list is used without it")
            return b""
        if data is None and self.fs.lstat(path) is not None:
            self.warnings.append(f"{path} is not a regular file: ignored")
        return data or b""

    def _conf_dirs(self) -> list[str]:
        if self._ld_conf is None:
            self._ld_conf = []
            self._read_conf("/etc/ld.so.conf", depth=0)
        return self._ld_conf

    def _read_conf(self, path: str, depth: int) -> None:
        if depth > 8:
            return
        text = self._read_config(path, LD_CONF_LIMIT).decode("utf-8", "replace")
        assert self._ld_conf is not None
        for line in text.splitlines():
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            if line.startswith("include "):
                pattern = line.split(None, 1)[1]
                if not pattern.startswith("/"):
                    pattern = parent_of(path) + "/" + pattern
                directory = parent_of(pattern)
                for entry in self.fs.list_dir(directory) or ():
                    if fnmatch.fnmatchcase(entry, os.path.basename(pattern)):
                        self._read_conf(f"{directory}/{entry}", depth + 1)
            else:
                self._ld_conf.append(line)

    # -- the final set ------------------------------------------------------

    def finish(self) -> dict[str, str]:
        """Apply excludes, then add every parent directory of what is kept.
        A library needed by a name no search path finds that a kept file
        has is not missing: the program loaded it by its path first, and
        ld.so takes the one loaded by its name (the JDK's libjava.so needs
        libjvm.so, which the launcher loads from lib/server/: 22 warnings
        on a Tomcat image, each false)."""
        names = {posixpath.basename(p) for p in self.kept}
        for warning, (name, entry) in self._missing.items():
            if name in names:
                self.warnings.remove(warning)
                self.skipped.pop(entry, None)
        self._missing.clear()
        final: dict[str, str] = {}
        for path, why in self.kept.items():
            glob = self.excluded(path)
            if glob:
                self.skipped.setdefault(path, f"rule --exclude {glob}")
            else:
                final[path] = why
        for path in list(final):
            with_parents(final, path)
        final.pop("/", None)
        return final


def with_parents(final: dict[str, str], path: str) -> None:
    """Add to final (path -> why it is kept) every directory above path
    that it does not hold yet, each as path's parent."""
    parent = parent_of(path)
    while parent != "/" and parent not in final:
        final[parent] = f"parent of {path}"
        parent = parent_of(parent)


def _needs_key(path: str, inherited_rpath: list[str], origin: str | None) -> tuple[str, str, tuple[str, ...]]:
    """What a file's needs depend on: the file, its $ORIGIN (its own
    directory unless it is a library loaded under another name) and the
    DT_RPATH it inherits."""
    return path, origin or parent_of(path), tuple(inherited_rpath)
