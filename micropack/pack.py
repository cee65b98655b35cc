"""The pack command's flow: files.txt + a source -> closure -> units ->
rootfs.tar, with a report of every kept and skipped path and why, the units
kept, and every unit of the source the result dropped."""
from __future__ import annotations

import os
import posixpath
import stat
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

from micropack import archive, expand, levels, record, resolve, units
from micropack.errors import PackError
from micropack.packages import kept_listing, owners
from micropack.record import TraceRecord
from micropack.rootfs import MAX_DEPTH, RootFS, SymlinkLoop, parent_of, short_path, top_of
from micropack.source import Source
from micropack.units import SHARED_OBJECT

# Depth of the directories searched for sticky ones when nothing else
# needs the whole tree read (/tmp, /var/tmp, /run/lock, /var/lib/php/sessions).
STICKY_DEPTH = 4


@dataclass
class UnitLine:
    key: str
    label: str
    size: int
    kept_bytes: int
    status: str            # kept (whole) | partial | dropped
    why: str = ""          # why the unit counts as used, when it does

    def as_json(self) -> dict[str, Any]:
        kind, _, name = self.key.partition(":")
        return {"name": name, "kind": kind, "label": self.label, "size": self.size,
                "kept": self.status != "dropped", "status": self.status, "kept_bytes": self.kept_bytes,
                **({"used": self.why} if self.why else {})}


@dataclass
class PackReport:
    kept: dict[str, str]
    skipped: dict[str, str]
    warnings: list[str]
    source: archive.TarTotals
    result: archive.TarTotals
    packages: dict[str, str] = field(default_factory=dict)
    granularity: str = levels.DEFAULT_GRANULARITY
    units: list[UnitLine] = field(default_factory=list)           # every unit, largest first
    source_by_dir: dict[str, int] = field(default_factory=dict)   # bytes of the source per directory
    partial_trees: list[str] = field(default_factory=list)        # warnings: unowned trees in part
    left_out: str = ""          # a warning: files of used units left out (the foreign limit, ...)
    unused_commands: str = ""   # a warning: commands of packages installed on purpose, not kept
    unused_libraries: str = ""  # a warning: language libraries of packages installed on purpose, not kept
    unused_tools: str = ""      # a warning: programs not kept whose drop-in configuration is kept
    toolbox: str = ""           # a warning: the shell kept without its everyday commands
    unkept_runs: str = ""       # a warning: programs of the image kept code runs, not kept
    unkept_companions: str = ""  # a warning: companions over their bound (expand.Expansion's)
    original_size: int | None = None    # the image's size, when the source is an image
    # the bytes of the dropped units' files, each file once (a file can be
    # a package's and a language unit's: their sizes summed said 374.5 MB
    # dropped of a 306 MB image)
    dropped_bytes: int = 0

    def as_json(self, src: Source) -> dict[str, Any]:
        def entry(path: str, why: str) -> dict[str, Any]:
            st = src.fs.lstat(path)
            kind = "missing" if st is None else {
                stat.S_IFDIR: "dir", stat.S_IFLNK: "symlink", stat.S_IFREG: "file",
                stat.S_IFIFO: "fifo"}.get(stat.S_IFMT(st.st_mode), "other")
            out: dict[str, Any] = {"path": path, "type": kind, "why": why}
            if kind == "file" and st is not None:
                out["size"] = st.st_size
            if path in self.packages:
                out["package"] = self.packages[path]
            return out

        return {
            "source": src.label,
            "granularity": self.granularity,
            "kept": [entry(p, why) for p, why in sorted(self.kept.items())],
            "skipped": [{"path": p, "why": why} for p, why in sorted(self.skipped.items())],
            "warnings": self.warnings,
            "units": [u.as_json() for u in self.units],
            **({"source_by_dir": self.source_by_dir} if self.source_by_dir else {}),
            "totals": {"source_files": self.source.files, "source_bytes": self.source.bytes,
                       "kept_entries": self.result.entries, "kept_files": self.result.files,
                       "kept_bytes": self.result.bytes,
                       "dropped_unit_bytes": self.dropped_bytes},
        }

    @property
    def units_dropped(self) -> list[UnitLine]:
        return [u for u in self.units if u.status == "dropped"]

    def summary(self) -> str:
        """One line: what was kept, of the image's size as its runtime
        counts it (the figure minify shows too), else of the files walked."""
        if self.original_size is not None:
            original, of = self.original_size, f"of the image's {self.original_size / 1e6:.1f} MB"
        else:
            original = self.source.bytes
            of = f"of {self.source.files} files ({original / 1e6:.1f} MB)"
        smaller = f"{original / self.result.bytes:.1f}x smaller" if self.result.bytes else "no byte kept"
        dropped = (f"; {len(self.units_dropped)} units of the source dropped "
                   f"({self.dropped_bytes / 1e6:.1f} MB)" if self.units_dropped else "")
        return (f"kept {self.result.entries} entries ({self.result.files} files, "
                f"{self.result.bytes / 1e6:.1f} MB) {of}: {smaller} at "
                f"--granularity {self.granularity}; {len(self.skipped)} skipped{dropped}")


def sticky_dirs(fs: RootFS, depth: int = STICKY_DEPTH) -> list[str]:
    """World-writable sticky directories down to depth, without reading the
    whole tree."""
    found, level = [], ["/"]
    for _ in range(depth):
        below = []
        for d in level:
            for name in fs.list_dir(d) or ():
                path = d.rstrip("/") + "/" + name
                if record.is_pseudo(path):
                    continue
                st = fs.lstat(path)
                if st is None or not stat.S_ISDIR(st.st_mode):
                    continue
                if st.st_mode & stat.S_ISVTX and st.st_mode & stat.S_IWOTH:
                    found.append(path)
                below.append(path)
        level = below
    return found


def check_depth(fs: RootFS, final: dict[str, str]) -> None:
    """A directory the walks did not read (more than MAX_DEPTH deep) that the
    pack keeps for its own sake (a tree kept whole: --include DIR, a unit)
    would be packed without what is under it: one clear error. Kept only as
    the parent of a path named in files.txt, it needs no walk."""
    for path in fs.too_deep:
        why = final.get(path)
        if why is not None and not why.startswith("parent of "):
            raise PackError(f"{short_path(path)} is more than {MAX_DEPTH} directories deep and the "
                            f"pack needs it whole ({why}): micropack does not read a tree that deep")


def depth_warning(fs: RootFS, final: dict[str, str]) -> list[str]:
    """One line for every directory the walks left unread (more than
    MAX_DEPTH deep) with nothing packed from it. (What is kept from below one
    was named by path, resolved one component at a time, not walked.)"""
    cut = [p for p in fs.too_deep if p not in final]
    if not cut:
        return []
    more = f" and {len(cut) - 1} more" if len(cut) > 1 else ""
    return [f"{short_path(cut[0])}{more} is more than {MAX_DEPTH} directories deep: not read "
            "below it (nothing packed needs it)"]


def from_mounts(final: dict[str, str], src: Source) -> list[str]:
    """One warning naming what is packed from under a mount point of a
    process's root read as it is (--pid, --rootfs /proc/PID/root): the
    runtime's /etc/hosts, a bind of a host file, a volume."""
    if not src.mounted:
        return []
    hit = sorted(p for p in final if top_of(p, src.mounted) is not None)
    if not hit:
        return []
    shown = ", ".join(hit[:5]) + (f" and {len(hit) - 5} more" if len(hit) > 5 else "")
    return [f"packed from mounts of the source ({src.label}), which no image has: {shown} "
            "(for a container, pack --container or --image leaves what is mounted into it out)"]


def unused_commands_warning(unused: dict[str, list[str]], unkept: dict[str, list[str]] | None = None,
                            configured: dict[str, str] | None = None) -> str:
    """One line naming the packages installed on purpose whose commands
    were dropped, never run (a few commands of each), those of such
    packages a command of which is kept (unkept: the rest of each), and the
    image's own on PATH (expand.IMAGES_OWN), which of them a kept
    configuration file names (configured: command -> that file), and how
    to keep one."""
    unkept = {p: c for p, c in (unkept or {}).items() if c}
    configured = configured or {}
    if not unused and not unkept:
        return ""
    # (six names each: apache2-utils' htpasswd, procps' top, were hidden in "+9 more")
    def listed(commands: list[str]) -> str:
        names = [posixpath.basename(c) for c in commands]
        return ", ".join(names[:6]) + (f", +{len(names) - 6} more" if len(names) > 6 else "")

    packages = {p: c for p, c in unused.items() if p != expand.IMAGES_OWN}
    parts = [f"the commands of {len(packages)} package(s) installed on purpose: "
             + "; ".join(f"{p} ({listed(c)})" for p, c in sorted(packages.items()))] if packages else []
    if unkept:
        parts.append(f"the other commands of {len(unkept)} package(s) installed on purpose, of which some "
                     f"are kept: " + "; ".join(f"{p} ({listed(c)})" for p, c in sorted(unkept.items())))
    if expand.IMAGES_OWN in unused:
        parts.append(f"the image's own, of no package ({listed(unused[expand.IMAGES_OWN])})")
    listed_commands = [c for _, commands in [*sorted(packages.items()), *sorted(unkept.items())]
                       for c in commands]
    named = [c for c in listed_commands if c in configured]
    named_by = ("; named by kept configuration: "
                + ", ".join(f"{posixpath.basename(c)} ({configured[c]})" for c in named[:3])
                + (f", +{len(named) - 3} more" if len(named) > 3 else "")) if named else ""
    # (the example: one a configuration names, lighttpd's php-cgi8.2, not
    # curl's curl; else a package's command of its own name, npm's npm, not
    # arborist)
    # (its name as the package's spelled without - and _: eapoltest's
    # eapol_test, not strace's strace after it)
    preferred = [*named, *(c for p, commands in sorted(packages.items()) for c in commands
                           if _bare(posixpath.basename(c)) == _bare(p))]
    # (else the first of the first package, the packer lists compiled
    # programs before scripts; the image's own last)
    ordered = [*sorted(packages.items()), *sorted(unkept.items()), (expand.IMAGES_OWN,
                                                                    unused.get(expand.IMAGES_OWN, []))]
    first = preferred[0] if preferred else next(c for _, commands in ordered for c in commands)
    return (f"not kept, as nothing ran them: {'; and '.join(parts)}{named_by}; keep one with --include "
            f"(e.g. --include {first})")


def _bare(name: str) -> str:
    """A name without its separators (eapol_test and eapoltest alike)."""
    return name.replace("-", "").replace("_", "")


def unused_libraries_warning(unused: dict[str, list[str]], files: dict[str, list[str]] | None = None,
                             own: dict[str, int] | None = None) -> str:
    """One line naming the packages of a language's libraries installed on
    purpose of which nothing is kept (nothing imported them), those of
    other files (files: plugins, data; nothing read them), the image's own
    at /srv's top over its bound (own: their bytes), and how to keep one."""
    files, own = files or {}, own or {}
    if not unused and not files and not own:
        return ""
    parts = []
    if unused:
        # (a name once: an Octave package's shared and arch directories)
        shown = [f"{package} ({', '.join(list(dict.fromkeys(posixpath.basename(t) for t in tops))[:3])})"
                 for package, tops in sorted(unused.items())]
        parts.append(f"the libraries of {len(unused)} package(s) installed on purpose, which nothing "
                     f"imported: {'; '.join(shown)}")
    if files:
        shown = [f"{package} ({', '.join(dirs[:3])}{', ...' if len(dirs) > 3 else ''})"
                 for package, dirs in sorted(files.items())]
        parts.append(f"the files of {len(files)} package(s) installed on purpose, plugins or data, which "
                     f"nothing read: {'; '.join(shown)}")
    if own:
        shown = [f"{top} ({size / 1e6:.1f} MB)" for top, size in sorted(own.items())[:6]]
        parts.append(f"the image's own at /srv's top, which nothing read: {', '.join(shown)}"
                     f"{', ...' if len(own) > 6 else ''}")
    # (a file of the image's own at /srv's top is its own glob)
    glob = f"{min(t for tops in unused.values() for t in tops)}*" if unused \
        else f"{min(d for dirs in files.values() for d in dirs)}/*" if files \
        else min(own) + "*" * min(own).endswith("/")
    return f"not kept: {'; and '.join(parts)}; keep one with --include (e.g. --include '{glob}')"


def unused_tools_warning(unused: dict[str, list[str]]) -> str:
    """One line naming the programs not kept though kept files are their
    drop-in configuration (a few of those each), and how to keep one."""
    if not unused:
        return ""
    shown = []
    for tool, files in sorted(unused.items()):
        more = f", +{len(files) - 2} more" if len(files) > 2 else ""
        shown.append(f"{tool} ({', '.join(files[:2])}{more})")
    first = min(unused)
    return (f"not kept, as nothing ran them, though what is kept configures them: {'; '.join(shown)}; "
            f"keep one with --include (e.g. --include {first})")


def unkept_runs_warning(runs: dict[str, expand.UnkeptRun]) -> str:
    """One line naming the programs of the image that kept code runs and
    no rule kept (their package, who runs them, what each would add), and
    how to keep one: those the code of a package installed on purpose runs
    first, the example among them."""
    if not runs:
        return ""
    ordered = sorted(runs, key=lambda p: (not runs[p].by_wanted, p))
    shown = [f"{posixpath.basename(p)} ({runs[p].package}, run by {', '.join(runs[p].by[:2])}"
             f"{', ...' if runs[p].by[2:] else ''}; {runs[p].size / 1e6:.1f} MB)" for p in ordered]
    more = f"; +{len(shown) - 4} more" if len(shown) > 4 else ""
    return (f"not kept, though kept code runs them by name when asked to (nothing ran them here): "
            f"{'; '.join(shown[:4])}{more}; keep one with --include (e.g. --include {ordered[0]})")


def unkept_companions_warning(companions: dict[str, tuple[str, int, str]]) -> str:
    """One line naming the packages a program that ran recommends or
    suggests that were too large to come by themselves, and how to keep
    one."""
    if not companions:
        return ""
    shown = [f"{package} ({who}; {size / 1e6:.1f} MB)"
             for package, (who, size, _) in sorted(companions.items())]
    first = companions[min(companions)][2]
    return (f"not kept, over {expand.COMPANION_LIMIT / 1e6:.1f} MB with what they need, though a rule "
            f"would keep them: {'; '.join(shown)}; keep one with --include (e.g. --include {first})")


def example_left_out(out: dict[str, str], kept: Collection[str]) -> str:
    """The one of the files left out the warning names: a shared object
    beside one that is kept first, a module of a directory the workload
    loads from (Graphviz's gd plugin, whose formats broke, went unnamed
    behind /usr/bin/diffimg, which nothing ran), else the first by name."""
    # (not a directory ld.so searches: every library there is one)
    module_dirs = {d for p in kept if SHARED_OBJECT.search(posixpath.basename(p))
                   and not expand.LIB_DIR.match(d := parent_of(p))}
    return min(out, key=lambda p: (not (SHARED_OBJECT.search(posixpath.basename(p))
                                        and parent_of(p) in module_dirs), p))


# (of the names a user knows first, those the toolbox's warning shows at most)
TOOLBOX_NAMES_SHOWN = 10


def toolbox_warning(left: list[expand.ToolboxPart]) -> str:
    """One line naming what --keep toolbox would add that was not kept
    (the shell's everyday commands, an interpreter's standard library),
    a few names and the size of each."""
    if not left:
        return ""
    parts = []
    for part in left:
        shown = [n for n in part.known if n in part.names][:TOOLBOX_NAMES_SHOWN]
        # (then others, to six: hgweb's toolbox said only "bash, ...")
        shown += [n for n in part.names if n not in shown][:max(0, 6 - len(shown))]
        more = ", ..." if len(part.names) > len(shown) else ""
        by = f", {part.by}" if part.by else ""
        parts.append(f"{part.what}{by} ({', '.join(shown)}{more}: {part.size / 1e6:.1f} MB)")
    return (f"kept without what nothing here used but a user's next command or script may: "
            f"{'; '.join(parts)}; --keep toolbox keeps them")


def leave_out(final: dict[str, str], skipped: dict[str, str], left_out: dict[str, str]) -> list[str]:
    """Drop from final every path at or below a mount point the source
    says to leave out; one warning line naming those that took something."""
    if not left_out:
        return []
    tops = sorted(left_out)
    hit: dict[str, None] = {}
    for path in list(final):
        top = top_of(path, tops)
        if top is not None:
            del final[path]
            skipped[path] = f"mounted into the container, not part of its image: {left_out[top]}"
            hit.setdefault(top, None)
    if not hit:
        return []
    whys = "; ".join(dict.fromkeys(left_out[t] for t in hit))
    return [f"left out {', '.join(hit)}: mounted into the container (a bind of the host's files, "
            f"a volume or a tmpfs), not part of its image ({whys})"]


def unit_lines(src_units: units.SourceUnits, final: dict[str, str],
               expansion: expand.Expansion) -> list[UnitLine]:
    """Every unit of the source, kept whole, in part or dropped, with why
    it counts as used: largest first."""
    lines = []
    for key, unit in src_units.units.items():
        if not unit.members:
            continue
        kept_bytes = sum(src_units.stats[m].st_size for m in unit.members
                         if m in final and stat.S_ISREG(src_units.stats[m].st_mode))
        kept = [m for m in unit.members if m in final]
        status = ("dropped" if not kept else
                  "kept" if len(kept) == len(unit.members) else "partial")
        lines.append(UnitLine(key, unit.label, unit.size, kept_bytes, status, expansion.used.get(key, "")))
    return sorted(lines, key=lambda u: (-u.size, u.key))


def dropped_bytes(src_units: units.SourceUnits, lines: list[UnitLine]) -> int:
    """The bytes of the regular files of the dropped units (unit_lines'),
    each file counted once."""
    files: set[str] = set()
    for line in lines:
        if line.status == "dropped":
            files.update(m for m in src_units.units[line.key].members
                         if (st := src_units.stats.get(m)) is not None and stat.S_ISREG(st.st_mode))
    return sum(src_units.stats[m].st_size for m in files)


def bytes_by_directory(src_units: units.SourceUnits, depth: int = 3) -> dict[str, int]:
    """The source's regular files' bytes by directory, cut to depth
    components (/usr/lib/x86_64-linux-gnu), as the HTML report groups them."""
    out: dict[str, int] = {}
    for path, st in src_units.stats.items():
        if stat.S_ISREG(st.st_mode):
            d = "/" + "/".join(path.split("/")[1:-1][:depth])
            out[d] = out.get(d, 0) + st.st_size
    return dict(sorted(out.items()))


def partial_tree_warnings(src_units: units.SourceUnits, final: dict[str, str],
                          used: Iterable[str] | None = None) -> list[str]:
    """A directory no package owns (an application's tree, a database's data
    directory) kept only in part is usually a broken one. used: above the
    file level, the units in use, which are kept whole (a tree none of
    whose files was used is not partial there: /usr/share/python3's
    unowned __pycache__ beside Debian's own modules)."""
    out = []
    in_use = None if used is None else set(used)
    for unit in src_units.units.values():
        if unit.kind != "tree" or not src_units.is_dir(unit.name) or unit.name not in final:
            continue
        if in_use is not None and unit.key not in in_use:
            continue
        files = [m for m in unit.members if not src_units.is_dir(m)]
        kept = [m for m in files if m in final]
        if len(kept) < len(files):
            kept_bytes = sum(src_units.stats[m].st_size for m in kept)
            what = (f"the files no package owns under {unit.name} are" if src_units.owned(unit.name)
                    else f"{unit.name}, which no package owns, is")
            advice = ("--granularity unit or package keeps them whole" if in_use is None
                      else "the report says why each file was left out")
            out.append(f"{what} kept only in part: {len(kept)} of {len(files)} files "
                       f"({kept_bytes / 1e6:.1f} of {unit.size / 1e6:.1f} MB); {advice}")
    return out


def time_zone_warning(fs: RootFS, final: Collection[str]) -> str:
    """At file level: the time zones the trace did not read, when it read
    one (or /etc/localtime). A zone is picked by the name TZ gives at run
    time (`docker run -e TZ=Europe/Berlin`), and glibc takes a name it
    finds no file for as a zone of offset 0: a minified PowerDNS at file
    level logged its Berlin times in UTC, exit 0, nothing said. (Above the
    file level the whole database is kept once a program tells local time.)"""
    if expand.LOCALTIME not in final and not any(p.startswith(expand.ZONEINFO + "/") for p in final):
        return ""
    count = left = size = 0
    for path, entry in fs.scan(expand.ZONEINFO):
        if entry.is_dir(follow_symlinks=False):
            continue
        count += 1
        if path not in final:
            left += 1
            size += entry.stat(follow_symlinks=False).st_size
    if not left:
        return ""
    return (f"only the time zones the trace read are kept ({count - left} of {count} files of "
            f"{expand.ZONEINFO}): a TZ naming another zone at run time is taken as UTC, silently; "
            f"--keep tz keeps them all (+{size / 1e6:.1f} MB)")


LISTING_WHY = "the list of installed packages, cut to those of the kept files (image scanners read it)"


def listed_packages(src: Source, final: dict[str, str], closure: resolve.Closure) -> dict[str, bytes]:
    """The source's lists of installed packages cut to the kept files'
    (packages.kept_listing), added to final as the file each path leads
    to, with the links on the way (an Alpine's /lib may be one) and their
    directories: physical path -> what to write there. Not one kept as it
    is (the workload read it), nor one an --exclude names or a mount holds;
    none, with a warning, where the database cannot be read."""
    try:
        cut = kept_listing(src.fs, final)
    except PackError as exc:
        closure.warnings.append(f"the list of installed packages was left out: {exc}")
        return {}
    listing: dict[str, bytes] = {}
    tops = sorted(src.left_out)
    for path, data in cut.items():
        try:
            walk = src.fs.walk(path)
        except SymlinkLoop:
            continue
        physical = walk.final
        if physical is None or physical in final or closure.excluded(path) \
                or any(top_of(p, tops) is not None for p in (physical, *walk.links)):
            continue
        listing[physical] = data
        for entry, why in ((physical, LISTING_WHY), *((link, f"symlink on the path of {path}")
                                                     for link in walk.links)):
            final.setdefault(entry, why)
            resolve.with_parents(final, entry)
    return listing


def pack_files(src: Source, paths: list[str], output: str, rules: resolve.Rules,
               mtime: int | None = None, packages_out: str | None = None,
               report_out: str | None = None,
               granularity: str = levels.DEFAULT_GRANULARITY,
               events: Iterable[TraceRecord] | None = None,
               units_report: bool = False) -> PackReport:
    """Pack paths (files.txt) and what they need from src into output.
    events (the trace's records, when there are any) tell which programs
    ran and which directories were listed; without them every traced
    program counts as run. units_report: find the source's units (kept,
    dropped) even at file level without a report file (minify's report)."""
    if granularity not in levels.GRANULARITIES:
        raise ValueError(f"unknown granularity {granularity!r}")
    closure = resolve.Closure(src.fs, env=src.env, rules=rules)
    closure.add_traced(paths)
    closure.apply_includes(rules)
    src_units = None
    expansion = expand.Expansion()
    if granularity != "file":
        src_units = units.SourceUnits(src.fs)
        activity = expand.Activity.from_records(events) if events is not None else None
        expansion = expand.Expander(closure, src_units, granularity, activity, src.of_image,
                                    (*src.left_out, *src.mounted)).run()
    else:
        for d in sticky_dirs(src.fs):
            closure.add(d, "world-writable sticky directory (programs make their temporary files in it)")
    # (not one left out by a rule and kept by another)
    out = {p: why for p, why in expansion.left_out.items() if p not in closure.kept}
    for path, why in {**out, **expansion.unrun_programs}.items():
        if path not in closure.kept:
            closure.skipped.setdefault(path, why)
    left_out = ""
    if out:
        # said, not only listed in the report: Graphviz's JPEG plugin, left
        # out for the 16 MB of libgd's stack it needs, failed the next
        # request with "Format: jpg not recognized"
        first = example_left_out(out, closure.kept)
        left_out = (f"{len(out)} file(s) of units the workload used were left out, such as "
                    f"{first} ({out[first]}); the report's skipped list has them all")
        closure.warnings.append(left_out)
    unused = unused_commands_warning(expansion.unused_commands, expansion.unkept_commands,
                                     expansion.configured_commands)
    unused_libraries = unused_libraries_warning(expansion.unused_libraries, expansion.unused_files,
                                                expansion.unused_own)
    unused_tools = unused_tools_warning(expansion.unused_drop_ins)
    toolbox = toolbox_warning(expansion.toolbox_left)
    unkept_runs = unkept_runs_warning(expansion.unkept_runs)
    unkept_companions = unkept_companions_warning(expansion.unkept_companions)
    closure.warnings.extend(w for w in (unused, unused_libraries, unused_tools, toolbox, unkept_runs,
                                        unkept_companions) if w)
    final = closure.finish()
    closure.warnings.extend(leave_out(final, closure.skipped, src.left_out))
    if granularity == "file" and (zones := time_zone_warning(src.fs, final)):
        closure.warnings.append(zones)
    listing = listed_packages(src, final, closure)
    closure.warnings.extend(from_mounts(final, src))
    check_depth(src.fs, final)
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    clamps = [int(epoch)] if epoch and epoch.isdigit() else []
    if src.clamp_mtime is not None:
        clamps.append(src.clamp_mtime)
    clamp = min(clamps) if clamps else None
    kept = sorted(final)
    report = PackReport(kept=final, skipped=closure.skipped, warnings=closure.warnings,
                        source=archive.TarTotals(), result=archive.TarTotals(),
                        granularity=granularity, original_size=src.size, left_out=left_out,
                        unused_commands=unused, unused_libraries=unused_libraries, unused_tools=unused_tools,
                        toolbox=toolbox, unkept_runs=unkept_runs, unkept_companions=unkept_companions)

    def with_units(found: units.SourceUnits) -> None:
        report.partial_trees = partial_tree_warnings(
            found, final, None if granularity == "file" else expansion.used)
        report.warnings = [*found.warnings, *closure.warnings, *report.partial_trees]
        report.units = unit_lines(found, final, expansion)
        report.dropped_bytes = dropped_bytes(found, report.units)
        report.source_by_dir = bytes_by_directory(found)

    if src_units is not None:
        with_units(src_units)
    report_json = ""

    def while_tar_writes(result: archive.TarTotals) -> None:
        nonlocal report_json
        report.result = result
        if src.size is None or report_out or units_report:
            # a walk of every file of the source: only where a figure needs it
            report.source = archive.source_totals(src.fs)
        if src_units is None and (report_out or units_report):
            with_units(units.SourceUnits(src.fs))     # at file level only the report needs them
        if packages_out or report_out:
            report.packages = owners(src.fs, kept)
        report.warnings = [*report.warnings, *depth_warning(src.fs, final)]
        if report_out:
            report_json = record.json_text(report.as_json(src))

    archive.write_tar(src.fs, kept, output, mtime=mtime, clamp_mtime=clamp, meanwhile=while_tar_writes,
                      contents=listing)
    if packages_out:
        with record.atomic_output(packages_out) as fh:
            for p in kept:
                fh.write(f"{report.packages.get(p, '-')}\t{p}\n")
    if report_out:
        with record.atomic_output(report_out) as fh:
            fh.write(report_json)
    return report
