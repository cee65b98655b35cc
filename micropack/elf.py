"""What an ELF file needs to run: its interpreter, DT_NEEDED libraries and
search paths; and what it names (functions it imports, words of its data).
Pure: reads one file object, knows nothing of roots."""
from __future__ import annotations

import functools
import re
import struct
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from elftools.common.exceptions import ELFError
from elftools.elf.elffile import ELFFile
from elftools.elf.enums import ENUM_D_TAG_COMMON, ENUM_P_TYPE_BASE
from elftools.elf.structs import ELFStructs

ELF_MAGIC = b"\x7fELF"


@dataclass
class ElfInfo:
    elfclass: int                 # 32 or 64
    machine: int                  # e_machine (62 is x86-64)
    interpreter: str | None = None
    needed: list[str] = field(default_factory=list)
    rpath: list[str] = field(default_factory=list)
    runpath: list[str] = field(default_factory=list)
    go: bool = False              # built by Go's linker (its build ID note)
    # more DT_NEEDED, DT_RPATH or DT_RUNPATH entries than any real object
    # has (NEEDED_MAX, SEARCH_MAX): the rest were left unread
    truncated: bool = False


def elf_ident(head: bytes) -> tuple[int, int] | None:
    """(class, machine) from the first 20 bytes, or None if not ELF: enough
    to tell whether a library can be loaded by a program, without parsing."""
    if len(head) < 20 or not head.startswith(ELF_MAGIC) or head[4] not in (1, 2):
        return None
    order = "<" if head[5] == 1 else ">"
    (machine,) = struct.unpack_from(order + "H", head, 18)
    return (32 if head[4] == 1 else 64), machine


# Values of the program header types and dynamic tags the loader reads.
PT_LOAD, PT_DYNAMIC, PT_INTERP, PT_NOTE = (ENUM_P_TYPE_BASE[n]
                                           for n in ("PT_LOAD", "PT_DYNAMIC", "PT_INTERP", "PT_NOTE"))
# The owner of the note Go's linker writes its build ID in (.note.go.buildid).
GO_NOTE_OWNER = b"Go"
DT_NULL, DT_NEEDED, DT_STRTAB, DT_RPATH, DT_RUNPATH = (
    ENUM_D_TAG_COMMON[n] for n in ("DT_NULL", "DT_NEEDED", "DT_STRTAB", "DT_RPATH", "DT_RUNPATH"))


@dataclass(frozen=True)
class _Record:
    """One ELF record type as a struct.Struct and its field names."""

    layout: struct.Struct
    names: tuple[str, ...]

    def parse(self, data: bytes, offset: int = 0) -> dict[str, int]:
        return dict(zip(self.names, self.layout.unpack_from(data, offset), strict=True))


def _record(little_endian: bool, construct: Any) -> _Record:
    """The layout of a pyelftools structure (field order and sizes) as a
    struct.Struct: pyelftools defines the ELF records, struct.unpack reads
    them about ten times faster than construct's parser."""
    codes = {1: "B", 2: "H", 4: "I", 8: "Q", 16: "16s"}
    names, fmt = [], "<" if little_endian else ">"
    for field_ in construct.subcons:
        size = field_.sizeof()
        if size:            # Elf_Dyn's d_ptr is an alias of d_val, with no bytes
            names.append(field_.name)
            fmt += codes[size]
    layout = struct.Struct(fmt)
    if layout.size != construct.sizeof():
        raise AssertionError(f"{construct.name}: {layout.size} bytes, pyelftools says {construct.sizeof()}")
    return _Record(layout, tuple(names))


@functools.cache
def _records(little_endian: bool, elfclass: int) -> tuple[_Record, _Record, _Record]:
    """(Ehdr, Phdr, Dyn) for one byte order and class, built once."""
    structs = ELFStructs(little_endian=little_endian, elfclass=elfclass)
    structs.create_basic_structs()
    structs.create_advanced_structs()
    return (_record(little_endian, structs.Elf_Ehdr), _record(little_endian, structs.Elf_Phdr),
            _record(little_endian, structs.Elf_Dyn))


# What is read of a file that says it is larger (a size in a header is the
# file's word, and the file may be hostile: reading 2**62 bytes is a
# MemoryError): program headers, an interpreter's name, dynamic entries.
HEADERS_MAX = 1 << 20
PATH_MAX = 4096
DYNAMIC_MAX = 1 << 20
SYMBOLS_MAX = 64 << 20     # (a .dynsym or .dynstr larger than this is no real one)
# A crafted object with 32,000 DT_NEEDED, each looked for in 32,000
# DT_RPATH directories, held pack for more than five minutes; real ones
# need a few hundred libraries at most, from a few directories.
NEEDED_MAX = 1024
SEARCH_MAX = 256
# What a malformed object's headers make Python or pyelftools raise: a
# section at offset 2**63 (OverflowError in the seek) among them
ELF_ERRORS = (ELFError, ValueError, OSError, struct.error, OverflowError)


def read_elf(fh: BinaryIO) -> ElfInfo | None:
    """The ELF facts of fh, or None when it is not a (readable) ELF file.

    Reads what the loader reads: program headers (PT_INTERP, PT_DYNAMIC,
    PT_LOAD) and the dynamic entries, but never the section headers
    (walking those made packing ten times slower)."""
    fh.seek(0)
    head = fh.read(4096)
    ident = elf_ident(head)
    if ident is None:
        return None
    info = ElfInfo(elfclass=ident[0], machine=ident[1])
    try:
        ehdr_rec, phdr_rec, dyn_rec = _records(head[5] == 1, ident[0])
        ehdr = ehdr_rec.parse(head)
        phoff, phentsize, phnum = ehdr["e_phoff"], ehdr["e_phentsize"], ehdr["e_phnum"]
        if phnum and phentsize < phdr_rec.layout.size:
            return None
        if phnum * phentsize > HEADERS_MAX:
            return None
        table = head[phoff:phoff + phnum * phentsize]
        if len(table) < phnum * phentsize:       # program headers beyond the first page
            fh.seek(phoff)
            table = fh.read(phnum * phentsize)
        phdrs = [phdr_rec.parse(table, i * phentsize) for i in range(phnum)]
        loads = [p for p in phdrs if p["p_type"] == PT_LOAD]
        dynamic = next((p for p in phdrs if p["p_type"] == PT_DYNAMIC), None)
        interp = next((p for p in phdrs if p["p_type"] == PT_INTERP), None)
        info.go = any(_has_note(fh, p, GO_NOTE_OWNER, head[5] == 1) for p in phdrs if p["p_type"] == PT_NOTE)
        if interp is not None:
            fh.seek(interp["p_offset"])
            info.interpreter = fh.read(min(interp["p_filesz"], PATH_MAX)).split(b"\0", 1)[0].decode(
                "utf-8", "surrogateescape")
        if dynamic is None:
            return info
        fh.seek(dynamic["p_offset"])
        raw = fh.read(min(dynamic["p_filesz"], DYNAMIC_MAX))
        size = dyn_rec.layout.size
        entries = []
        for tag, value in dyn_rec.layout.iter_unpack(raw[:len(raw) - len(raw) % size]):
            if tag == DT_NULL:
                break
            entries.append((tag, value))
        strtab = next((v for t, v in entries if t == DT_STRTAB), None)
        if strtab is None:
            return info
        # DT_STRTAB is an address: the PT_LOAD segment holding it gives its offset
        seg = next((p for p in loads if p["p_vaddr"] <= strtab < p["p_vaddr"] + p["p_filesz"]), None)
        if seg is None:
            return info
        base = strtab - seg["p_vaddr"] + seg["p_offset"]

        def string(offset: int) -> str:
            fh.seek(base + offset)
            return fh.read(4096).split(b"\0", 1)[0].decode("utf-8", "surrogateescape")

        for tag, value in entries:
            if tag == DT_NEEDED:
                info.needed.append(string(value))
            elif tag == DT_RPATH:
                info.rpath.extend(p for p in string(value).split(":") if p)
            elif tag == DT_RUNPATH:
                info.runpath.extend(p for p in string(value).split(":") if p)
            if len(info.needed) > NEEDED_MAX or len(info.rpath) > SEARCH_MAX \
                    or len(info.runpath) > SEARCH_MAX:
                info.truncated = True
                del info.needed[NEEDED_MAX:], info.rpath[SEARCH_MAX:], info.runpath[SEARCH_MAX:]
                break
        return info
    except ELF_ERRORS:
        return None


def _has_note(fh: BinaryIO, segment: dict[str, int], owner: bytes, little_endian: bool) -> bool:
    """Whether a PT_NOTE segment holds a note of owner. Each note: name
    size, description size, type, then the name (NUL-ended; Go's linker
    pads it with a second NUL and counts it) and the description, each
    padded to 4 bytes."""
    fh.seek(segment["p_offset"])
    data = fh.read(min(segment["p_filesz"], HEADERS_MAX))
    word = struct.Struct("<3I" if little_endian else ">3I")
    at = 0
    while at + word.size <= len(data):
        namesz, descsz, _ = word.unpack_from(data, at)
        at += word.size
        if data[at:at + namesz].split(b"\0", 1)[0] == owner:
            return True
        at += (namesz + 3) // 4 * 4 + (descsz + 3) // 4 * 4
    return False


def containing(fh: BinaryIO, needles: Mapping[str, tuple[bytes, ...]], chunk: int = 4 << 20) -> set[str]:
    """The keys of needles one of whose byte strings the file holds; the
    file is read through once, at most (until every key is found)."""
    keep = max((len(b) for bs in needles.values() for b in bs), default=1) - 1
    found: set[str] = set()
    tail = b""
    fh.seek(0)
    while len(found) < len(needles):
        block = fh.read(chunk)
        if not block:
            break
        window = tail + block
        found.update(k for k, bs in needles.items() if k not in found and any(b in window for b in bs))
        tail = window[-keep:] if keep else b""
    return found


def functions_named(fh: BinaryIO, names: tuple[str, ...], chunk: int = 4 << 20) -> set[str]:
    """Which of names a Go program links: its function table keeps every
    function's name, NUL-ended, stripped binary or not (Go's runtime needs
    them for its tracebacks)."""
    return containing(fh, {n: (b"\0" + n.encode() + b"\0",) for n in names}, chunk)


def undefined_symbols(fh: BinaryIO) -> frozenset[str]:
    """The functions (and other symbols) the dynamically linked object fh
    imports: the undefined symbols of its .dynsym. A library that defines
    one (the C library, execvp's) does not import it. Reads the two
    sections only, the symbols unpacked in bulk; empty for an object with
    no dynamic symbols or too many to be a program's."""
    try:
        fh.seek(0)
        ef = ELFFile(fh)
        dynstr, dynsym = ef.get_section_by_name(".dynstr"), ef.get_section_by_name(".dynsym")
        if dynstr is None or dynsym is None or dynsym["sh_size"] > SYMBOLS_MAX \
                or dynstr["sh_size"] > SYMBOLS_MAX:
            return frozenset()
        strings = dynstr.data()
        order = "<" if ef.little_endian else ">"
        # Elf64_Sym: name, info, other, shndx, value, size; Elf32_Sym: name, value, size, info, other, shndx
        layout = struct.Struct(order + ("IBBHQQ" if ef.elfclass == 64 else "IIIBBH"))
        shndx = 3 if ef.elfclass == 64 else 5
        table = dynsym.data()
        out = set()
        for sym in layout.iter_unpack(table[:len(table) - len(table) % layout.size]):
            if sym[0] and sym[shndx] == 0 and sym[0] < len(strings):     # (SHN_UNDEF)
                end = strings.find(b"\0", sym[0])
                out.add(strings[sym[0]:end if end >= 0 else len(strings)].decode("utf-8", "surrogateescape"))
        return frozenset(out)
    except ELF_ERRORS:
        return frozenset()


# The first word of a string of a program's data: a name or a path, ended
# by the string's end or a space (a command line: "/usr/sbin/sendmail -t -i")
DATA_WORD = re.compile(rb"(?<=\0)(/?[\w.+-]+(?:/[\w.+-]+)*)(?=[\0 ])")
# ... a string that is one word, and the end of another after a '-' or a
# '/': a literal that is the end of a longer one has no string of its own
# once the linker merged them (SHF_MERGE|SHF_STRINGS): cgit's argv "xz" is
# the end of "application/x-xz"
DATA_WHOLE = re.compile(rb"(?<=\0)([\w+][\w.+-]*)(?=\0)")
DATA_END = re.compile(rb"[-/]([\w+][\w.+]*)(?=\0)")
# ... of which a MIME type's x- name ("application/x-bzip2"), which names
# the tool of its format
DATA_X_NAME = re.compile(rb"/x-([\w+][\w.+]*)(?=\0)")


def data_words(fh: BinaryIO, limit: int = 256 << 20) -> frozenset[str]:
    """The first words of the NUL-ended strings in an object's read-only
    and initialized data (.rodata, .data), where its code's string
    literals are; not its symbol tables' names (an object that imports
    mkdir() is no program that runs `mkdir`). Empty when it has no
    section headers to find them by."""
    return _data_matches(fh, (DATA_WORD,), limit)[0]


@dataclass(frozen=True)
class DataEnds:
    """The strings of one word in an object's data (whole), the ends of the
    others after a '-' or a '/' (ends, where a short literal may hide in a
    longer one), and of those a MIME type's x- names (x_names)."""
    whole: frozenset[str] = frozenset()
    ends: frozenset[str] = frozenset()
    x_names: frozenset[str] = frozenset()


def data_ends(fh: BinaryIO, limit: int = 256 << 20) -> DataEnds:
    """The DataEnds of an object's data, read apart from its words: three
    more passes over it, asked of few objects (a program installed on
    purpose that runs others)."""
    return DataEnds(*_data_matches(fh, (DATA_WHOLE, DATA_END, DATA_X_NAME), limit))


def _data_matches(fh: BinaryIO, patterns: tuple[re.Pattern[bytes], ...], limit: int) -> list[frozenset[str]]:
    """The first groups of each pattern's matches in an object's .rodata
    and .data, NUL-framed; empty sets when it has no section headers."""
    found: list[set[str]] = [set() for _ in patterns]
    try:
        fh.seek(0)
        for section in ELFFile(fh).iter_sections():
            if section.name not in (".rodata", ".data") or section["sh_type"] == "SHT_NOBITS" \
                    or section["sh_size"] > limit:
                continue
            data = b"\0" + section.data() + b"\0"
            for out, pattern in zip(found, patterns, strict=True):
                out.update(m.group(1).decode("utf-8", "surrogateescape") for m in pattern.finditer(data))
    except ELF_ERRORS:
        return [frozenset() for _ in patterns]
    return [frozenset(f) for f in found]


# What the loader's $LIB and $PLATFORM may stand for. Which one a loader
# uses is its build's choice (Debian's: lib/x86_64-linux-gnu; upstream
# glibc's: lib64) and, for $PLATFORM on x86_64, the CPU's: every spelling
# is tried, in this order.
LIB_SPELLINGS = {
    ("x86_64", 64): ("lib/x86_64-linux-gnu", "lib64", "lib"),
    ("x86_64", 32): ("lib/i386-linux-gnu", "lib32", "lib"),
    ("aarch64", 64): ("lib/aarch64-linux-gnu", "lib64", "lib"),
    ("aarch64", 32): ("lib/arm-linux-gnueabihf", "lib"),
}
PLATFORM_SPELLINGS = {"x86_64": ("x86_64", "haswell", "xeon_phi"), "aarch64": ("aarch64",)}


def expand_tokens(entry: str, origin: str, elfclass: int, platform: str) -> list[str]:
    """A search path entry with the loader's dynamic string tokens
    substituted: one entry, or one for each thing $LIB or $PLATFORM may
    stand for."""
    entry = entry.replace("${ORIGIN}", origin).replace("$ORIGIN", origin)
    out = [entry]
    for token, values in (("LIB", LIB_SPELLINGS.get((platform, elfclass), ("lib64", "lib"))),
                          ("PLATFORM", PLATFORM_SPELLINGS.get(platform, (platform,)))):
        if "$" + token in entry or "${" + token + "}" in entry:
            out = [e.replace("${" + token + "}", v).replace("$" + token, v) for e in out for v in values]
    return list(dict.fromkeys(out))


def parse_ld_cache(data: bytes) -> list[str]:
    """Library paths listed in a glibc ld.so.cache (new format, any endian-
    ness of this host), in the cache's order."""
    magic = b"glibc-ld.so.cache1.1"
    base = data.find(magic)
    if base < 0:
        return []
    nlibs, _strlen = struct.unpack_from("=II", data, base + 20)
    header = 48
    entry_size = 24
    paths = []
    for i in range(nlibs):
        off = base + header + i * entry_size
        if off + entry_size > len(data):
            break
        _flags, _key, value = struct.unpack_from("=iII", data, off)
        start = base + value
        end = data.find(b"\0", start)
        if start < len(data) and end > start:
            paths.append(data[start:end].decode("utf-8", "surrogateescape"))
    return paths
