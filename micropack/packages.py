"""The distro package databases inside a source: dpkg (/var/lib/dpkg/info/*.list,
and the dependencies in /var/lib/dpkg/status), apk (/lib/apk/db/installed)
and rpm (the sqlite rpmdb, read here; older Berkeley DB ones through the
host's rpm tool when it has one). Every database file is read inside the
source's root, regular files only."""
from __future__ import annotations

import re
import shutil
import stat
import struct
import subprocess
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from micropack.rootfs import RootFS

# A package database file larger than this is not a real one.
DB_LIMIT = 256 << 20

DPKG_STATUS = "/var/lib/dpkg/status"
DPKG_DIVERSIONS = "/var/lib/dpkg/diversions"
APK_INSTALLED = "/lib/apk/db/installed"
RPM_SQLITE = ("/var/lib/rpm/rpmdb.sqlite", "/usr/lib/sysimage/rpm/rpmdb.sqlite")
RPM_DIRS = ("/var/lib/rpm", "/usr/lib/sysimage/rpm")
# The package managers' own state: what the image had installed, not what
# a program of it reads
STATE_DIRS = ("/var/lib/dpkg", "/var/lib/apt", "/lib/apk", *RPM_DIRS)

# rpm header tags and types (the header format of rpm's file format spec)
RPMTAG_NAME = 1000
RPMTAG_OLDFILENAMES = 1027
RPMTAG_DIRINDEXES = 1116
RPMTAG_BASENAMES = 1117
RPMTAG_DIRNAMES = 1118
RPM_INT32, RPM_STRING, RPM_STRING_ARRAY, RPM_I18NSTRING = 4, 6, 8, 9


@dataclass
class PackageDB:
    """Which files each installed package lists, as its database spells them
    (before merged /usr: /bin/sh where the image stores /usr/bin/sh)."""

    kind: str = ""                                           # dpkg | apk | rpm | "" (none)
    files: dict[str, list[str]] = field(default_factory=dict)
    # package -> the installed packages it depends on (dpkg's Depends and
    # Pre-Depends, every installed alternative)
    depends: dict[str, list[str]] = field(default_factory=dict)
    # package -> the source package it was built from, where the database
    # says (dpkg's Source, apk's origin; a package without one is its own)
    source: dict[str, str] = field(default_factory=dict)
    # the packages every other one may use without depending on them
    # (dpkg's Essential: yes: coreutils, findutils, grep, sed, tar, ...)
    essential: set[str] = field(default_factory=set)
    # the packages of every system of the distribution, whatever the image
    # is for (dpkg's Priority: required: e2fsprogs, apt, libpam-modules-bin;
    # not important, which is systemd, cron and the like, an image's choice)
    base: set[str] = field(default_factory=set)
    # the packages installed on purpose, as far as the database says: apk's
    # world; for dpkg, those no installed package depends on or recommends,
    # not marked automatically installed by apt, neither Essential nor of
    # priority required (poppler-utils in a media worker's image)
    wanted: set[str] = field(default_factory=set)
    # package -> the installed packages its Suggests names (dpkg's):
    # lighttpd suggests apache2-utils, for htpasswd
    suggests: dict[str, list[str]] = field(default_factory=dict)
    # package -> the installed packages its Recommends names (dpkg's): git
    # recommends less, the pager it runs
    recommends: dict[str, list[str]] = field(default_factory=dict)
    # package -> what its installation ran that may write configuration
    # (dpkg's postinst and config scripts)
    scripts: dict[str, list[str]] = field(default_factory=dict)
    # a configuration file the package manager tracks -> the checksum of
    # what its package installed (dpkg's Conffiles: md5; obsolete ones left
    # out): a file that differs was edited for this image
    conffiles: dict[str, str] = field(default_factory=dict)
    # package -> the directories its file triggers watch (dpkg's interest
    # lines: libglib2.0-0's /usr/share/glib-2.0/schemas, which it compiles
    # into gschemas.compiled when another package adds a schema)
    triggers: dict[str, list[str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def add(self, package: str, path: str) -> None:
        self.files.setdefault(package, []).append(path)


def read_database(fs: RootFS) -> PackageDB:
    """Every package database the source has (dpkg, apk, rpm), merged: an
    image rarely has two, but a file either lists is a package's."""
    merged = PackageDB()
    for reader in (_read_dpkg, _read_apk, _read_rpm):
        db = reader(fs)
        if db is None:
            continue
        merged.kind = f"{merged.kind}+{db.kind}" if merged.kind else db.kind
        merged.warnings += db.warnings
        for package, files in db.files.items():
            merged.files.setdefault(package, []).extend(files)
        for package, deps in db.depends.items():
            merged.depends.setdefault(package, []).extend(deps)
        for package, deps in db.suggests.items():
            merged.suggests.setdefault(package, []).extend(deps)
        for package, deps in db.recommends.items():
            merged.recommends.setdefault(package, []).extend(deps)
        merged.source.update(db.source)
        merged.essential |= db.essential
        merged.base |= db.base
        merged.wanted |= db.wanted
        for package, scripts in db.scripts.items():
            merged.scripts.setdefault(package, []).extend(scripts)
        for package, watched in db.triggers.items():
            merged.triggers.setdefault(package, []).extend(watched)
        merged.conffiles.update(db.conffiles)
    return merged


def _read_dpkg(fs: RootFS) -> PackageDB | None:
    info_dir = "/var/lib/dpkg/info"
    names = fs.list_dir(info_dir)
    if names is None:
        return None
    db = PackageDB("dpkg")
    for name in names:
        if name.endswith((".postinst", ".config")):
            db.scripts.setdefault(name.rsplit(".", 1)[0].split(":")[0], []).append(f"{info_dir}/{name}")
        if name.endswith(".triggers"):
            watched = dpkg_file_triggers(fs.read_file(f"{info_dir}/{name}", DB_LIMIT) or b"")
            if watched:
                db.triggers.setdefault(name[:-len(".triggers")].split(":")[0], []).extend(watched)
        if not name.endswith(".list"):
            continue
        package = name[:-len(".list")].split(":")[0]
        listing = fs.read_file(f"{info_dir}/{name}", DB_LIMIT)
        db.files.setdefault(package, [])
        for line in (listing or b"").decode("utf-8", "surrogateescape").splitlines():
            if line.startswith("/") and line != "/.":
                db.add(package, line)
    # A diverted name: the file a package other than the diverting one
    # lists there is installed under the new name (perl's shasum is
    # /usr/bin/shasum.bundled once libdigest-sha-perl diverts it): as
    # listed, both packages claimed /usr/bin/shasum, which made it a
    # shared directory, and shasum.bundled was said to be the image's own,
    # of no package
    diversions = dpkg_diversions(fs.read_file(DPKG_DIVERSIONS, DB_LIMIT) or b"")
    if diversions:
        for package, files in db.files.items():
            db.files[package] = [diversions[f][0] if f in diversions and diversions[f][1] != package
                                 else f for f in files]
    status = fs.read_file(DPKG_STATUS, DB_LIMIT)
    text = (status or b"").decode("utf-8", "surrogateescape")
    db.depends = dpkg_depends(text, set(db.files))
    db.source = dpkg_sources(text, set(db.files))
    stanzas = [fields for fields in _stanzas(text) if fields.get("Package") in db.files]
    db.essential = {fields["Package"] for fields in stanzas if fields.get("Essential") == "yes"}
    db.base = {fields["Package"] for fields in stanzas if fields.get("Priority") == "required"}
    db.suggests = dpkg_depends(text, set(db.files), ("Suggests",))
    db.recommends = dpkg_depends(text, set(db.files), ("Recommends",))
    # (by real names only: a package that provides a virtual name another
    # depends on, postfix for mailutils' mail-transport-agent, gawk for
    # awk, was still installed by hand, and its commands are said when
    # dropped)
    # (not what another only recommends: apt marks what it pulls in for a
    # Recommends as installed automatically, and debootstrap and dpkg pull
    # in none, so one left unmarked was asked for: gnupg, which gpg
    # recommends, and python3-aiofiles, which starlette does, were
    # installed for the application, and what of them was dropped went
    # unsaid)
    needed = {d for deps in dpkg_depends(text, set(db.files), virtual=False).values() for d in deps}
    auto = apt_auto_installed(fs.read_file(APT_STATES, DB_LIMIT))
    db.wanted = set(db.files) - needed - auto - db.essential - db.base
    for fields in stanzas:
        db.conffiles.update(dpkg_conffiles(fields.get("Conffiles", "")))
    return db


def dpkg_diversions(text: bytes) -> dict[str, tuple[str, str]]:
    """dpkg's diversions file: three lines a diversion, the name diverted,
    where to, and the package that diverts it (":" for the administrator's
    own, which diverts every package's file). name -> (where to, package)."""
    lines = text.decode("utf-8", "surrogateescape").splitlines()
    return {lines[i]: (lines[i + 1], lines[i + 2].split(":")[0])
            for i in range(0, len(lines) - 2, 3)
            if lines[i].startswith("/") and lines[i + 1].startswith("/")}


def dpkg_file_triggers(text: bytes) -> list[str]:
    """The paths a package's triggers file says it is interested in (file
    triggers; not named ones, such as ldconfig)."""
    out = []
    for line in text.decode("utf-8", "surrogateescape").splitlines():
        words = line.split()
        if len(words) == 2 and words[0] in ("interest", "interest-await", "interest-noawait") \
                and words[1].startswith("/"):
            out.append(words[1].rstrip("/") or "/")
    return out


MD5 = re.compile(r"[0-9a-f]{32}")


def dpkg_conffiles(value: str) -> dict[str, str]:
    """path -> md5 of a stanza's Conffiles (one " PATH MD5 [FLAG...]" a
    line, joined), the obsolete ones and those without a checksum
    ("newconffile", before dpkg finished configuring it) left out."""
    out: dict[str, str] = {}
    entry: list[str] = []
    for word in [*value.split(), "/"]:
        if word.startswith("/"):
            if len(entry) >= 2 and MD5.fullmatch(entry[1]) and "obsolete" not in entry[2:]:
                out[entry[0]] = entry[1]
            entry = [word]
        elif entry:
            entry.append(word)
    return out


APT_STATES = "/var/lib/apt/extended_states"


def apt_auto_installed(states: bytes | None) -> set[str]:
    """The packages apt's extended_states marks as installed automatically
    (as another's dependency)."""
    out = set()
    for fields in _stanzas((states or b"").decode("utf-8", "surrogateescape")):
        if fields.get("Auto-Installed") == "1" and fields.get("Package"):
            out.add(fields["Package"])
    return out


def _stanzas(status: str) -> Iterator[dict[str, str]]:
    """The fields of each stanza of dpkg's status file (continuation lines joined)."""
    for stanza in status.split("\n\n"):
        fields: dict[str, str] = {}
        key = ""
        for line in stanza.splitlines():
            if line[:1] in (" ", "\t") and key:
                fields[key] += " " + line.strip()
            elif ":" in line:
                key, _, value = line.partition(":")
                fields[key] = value.strip()
        yield fields


def dpkg_sources(status: str, installed: set[str]) -> dict[str, str]:
    """package -> its source package (Source, its version dropped), for
    the installed packages whose stanza names one."""
    return {fields["Package"]: fields["Source"].split(" ")[0] for fields in _stanzas(status)
            if fields.get("Package") in installed and fields.get("Source")}


def dpkg_depends(status: str, installed: set[str], fields_named: tuple[str, ...] = ("Pre-Depends", "Depends"),
                 virtual: bool = True) -> dict[str, list[str]]:
    """package -> the installed packages its Depends and Pre-Depends (or
    fields_named) name (every alternative that is installed; versions and
    :arch dropped), a virtual name as the installed packages that provide
    it: bsd-mailx depends on `default-mta | mail-transport-agent`, which
    exim4-daemon-light and postfix provide, no package of that name
    (unless not virtual)."""
    stanzas = [fields for fields in _stanzas(status) if fields.get("Package") in installed]
    providers: dict[str, list[str]] = {}
    for fields in stanzas if virtual else ():
        for name in _relation_names(fields.get("Provides", "")):
            providers.setdefault(name, []).append(fields["Package"])
    out: dict[str, list[str]] = {}
    for fields in stanzas:
        package = fields["Package"]
        names = []
        for field_name in fields_named:
            for name in _relation_names(fields.get(field_name, "")):
                names += [name] if name in installed else providers.get(name, [])
        out[package] = [n for n in dict.fromkeys(names) if n != package]
    return out


def _relation_names(value: str) -> list[str]:
    """The package names a relation field (Depends, Provides, ...) gives,
    alternatives too, without versions and :arch."""
    return [name for alternative in re.split(r"[,|]", value)
            if (name := alternative.strip().split(" ")[0].split("(")[0].split(":")[0])]


def _read_apk(fs: RootFS) -> PackageDB | None:
    installed = fs.read_file(APK_INSTALLED, DB_LIMIT)
    if installed is None:
        return None
    db = PackageDB("apk")
    package, folder = "", ""
    for line in installed.decode("utf-8", "surrogateescape").splitlines():
        key, _, value = line.partition(":")
        if key == "P":
            package, folder = value, ""
            db.files.setdefault(package, [])
        elif key == "o" and package:
            db.source[package] = value
        elif key == "F":
            folder = value
            db.add(package, f"/{folder}")
        elif key == "R":
            db.add(package, f"/{folder}/{value}" if folder else f"/{value}")
    # what the image's builder asked for (apk add): name, then a version
    # constraint or a repository tag; not a virtual name (so:, cmd:)
    world = (fs.read_file("/etc/apk/world", DB_LIMIT) or b"").decode("utf-8", "surrogateescape")
    db.wanted = {name for word in world.split() if (name := re.split(r"[<>=~@]", word)[0]) in db.files}
    return db


def _read_rpm(fs: RootFS) -> PackageDB | None:
    for path in RPM_SQLITE:
        data = fs.read_file(path, DB_LIMIT)
        if data is not None:
            return rpm_sqlite(data)
    if any(fs.list_dir(d) is not None for d in RPM_DIRS):
        return _rpm_by_host_tool(fs)
    return None


def rpm_sqlite(data: bytes) -> PackageDB:
    """Packages and files of an rpmdb.sqlite given as bytes: a copy is opened
    read-only (the source's file is never opened by sqlite)."""
    import sqlite3
    db = PackageDB("rpm")
    with tempfile.NamedTemporaryFile(prefix="micropack-rpmdb-", suffix=".sqlite") as tmp:
        tmp.write(data)
        tmp.flush()
        try:
            con = sqlite3.connect(f"file:{tmp.name}?mode=ro", uri=True)
        except sqlite3.Error as exc:
            db.warnings.append(f"rpm database unreadable: {exc}")
            return db
        try:
            rows = con.execute("SELECT blob FROM Packages").fetchall()
        except sqlite3.Error as exc:
            db.warnings.append(f"rpm database unreadable: {exc}")
            rows = []
        finally:
            con.close()
    for (blob,) in rows:
        try:
            name, files = rpm_header_files(bytes(blob))
        except (struct.error, ValueError, IndexError):
            db.warnings.append("an rpm header in the database is malformed: skipped")
            continue
        db.files.setdefault(name, []).extend(files)
    return db


def rpm_header_files(blob: bytes) -> tuple[str, list[str]]:
    """Name and file paths of one rpm header as the rpmdb stores it: index
    count and data length (big-endian), 16-byte index entries (tag, type,
    offset, count), then the data store."""
    il, dl = struct.unpack_from(">ii", blob, 0)
    if il <= 0 or dl < 0 or 8 + il * 16 + dl > len(blob):
        raise ValueError("bad header sizes")
    store = 8 + il * 16
    tags: dict[int, tuple[int, int, int]] = {}
    for i in range(il):
        tag, typ, offset, count = struct.unpack_from(">iiii", blob, 8 + i * 16)
        tags[tag] = (typ, offset, count)

    def strings(tag: int) -> list[str]:
        if tag not in tags:
            return []
        typ, offset, count = tags[tag]
        if typ not in (RPM_STRING, RPM_STRING_ARRAY, RPM_I18NSTRING):
            raise ValueError(f"tag {tag} is not a string")
        out, pos = [], store + offset
        for _ in range(count if typ != RPM_STRING else 1):
            end = blob.index(b"\0", pos)
            out.append(blob[pos:end].decode("utf-8", "surrogateescape"))
            pos = end + 1
        return out

    def int32s(tag: int) -> list[int]:
        if tag not in tags:
            return []
        typ, offset, count = tags[tag]
        if typ != RPM_INT32:
            raise ValueError(f"tag {tag} is not int32")
        return list(struct.unpack_from(f">{count}i", blob, store + offset))

    name = (strings(RPMTAG_NAME) or ["?"])[0]
    basenames = strings(RPMTAG_BASENAMES)
    if basenames:
        dirnames, indexes = strings(RPMTAG_DIRNAMES), int32s(RPMTAG_DIRINDEXES)
        files = [dirnames[i] + b for i, b in zip(indexes, basenames, strict=True)]
    else:
        files = strings(RPMTAG_OLDFILENAMES)
    return name, [f.rstrip("/") or "/" for f in files if f.startswith("/")]


def _rpm_by_host_tool(fs: RootFS) -> PackageDB:
    """A Berkeley DB or ndb rpm database: only the host's rpm reads it."""
    db = PackageDB("rpm")
    if not shutil.which("rpm"):
        db.warnings.append("the source has an rpm database this host cannot read (no sqlite "
                           "rpmdb, no rpm tool): packages are not known")
        return db
    out = subprocess.run(["rpm", "--root", str(fs.root), "-qa", "--qf", "[%{NAME}\t%{FILENAMES}\n]"],
                         capture_output=True, text=True, errors="surrogateescape")
    for line in out.stdout.splitlines():
        name, _, path = line.partition("\t")
        if path.startswith("/"):
            db.add(name, path)
    return db


def owners(fs: RootFS, paths: list[str]) -> dict[str, str]:
    """path -> package for each path a package database claims."""
    db = read_database(fs)
    table: dict[str, str] = {}
    for package, files in db.files.items():
        for f in files:
            table.setdefault(f, package)
    wanted = set(paths)
    result = {p: table[p] for p in wanted if p in table}
    # dpkg lists /bin/x while merged-/usr images store /usr/bin/x: try the aliases
    for p in wanted - set(result):
        for a, b in (("/usr/bin/", "/bin/"), ("/usr/sbin/", "/sbin/"), ("/usr/lib/", "/lib/")):
            if p.startswith(a) and (b + p[len(a):]) in table:
                result[p] = table[b + p[len(a):]]
                break
    return result


def kept_listing(fs: RootFS, kept: Iterable[str]) -> dict[str, bytes]:
    """The source's lists of installed packages (dpkg's status, apk's
    installed), each cut to the packages a kept file belongs to, their
    entries as they are: what image scanners read to match packages
    against advisories. Without it a minified image scanned clean, "no
    packages", whatever its libraries. A package whose every file was
    dropped is not listed; one partly kept is, as installed (a scanner may
    name an advisory for a file it dropped, never miss one for a file it
    has). Path -> the new content, for each list the source has as a
    regular file; rpm's database is a binary one, not cut (README)."""
    files = [p for p in kept if (st := fs.lstat(p)) is not None and not stat.S_ISDIR(st.st_mode)]
    present = set(owners(fs, files).values())
    out: dict[str, bytes] = {}
    for path, field_name in ((DPKG_STATUS, b"Package:"), (APK_INSTALLED, b"P:")):
        data = fs.read_file(path, DB_LIMIT)         # (a regular file, past links)
        if data is not None:
            out[path] = b"".join(entry + b"\n\n" for entry in _entries(data)
                                 if _entry_name(entry, field_name) in present)
    return out


def _entries(data: bytes) -> Iterator[bytes]:
    """The entries of a list of packages (a blank line between two; dpkg's
    status and apk's installed alike), without their last newline."""
    for entry in re.split(rb"\n[ \t]*\n", data):
        entry = entry.strip(b"\n")
        if entry:
            yield entry


def _entry_name(entry: bytes, field_name: bytes) -> str | None:
    for line in entry.split(b"\n"):
        if line.startswith(field_name):
            return line[len(field_name):].strip().decode("utf-8", "surrogateescape")
    return None
