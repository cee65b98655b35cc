"""What an ELF file needs to run: its interpreter, DT_NEEDED libraries and
search paths. Pure: reads one file object, knows nothing of roots."""
from __future__ import annotations

import functools
import struct
from dataclasses import dataclass, field
from typing import BinaryIO

from elftools.common.exceptions import ELFError
from elftools.common.utils import struct_parse
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

    def compatible(self, other: ElfInfo) -> bool:
        return self.elfclass == other.elfclass and self.machine == other.machine


def elf_ident(head: bytes) -> tuple[int, int] | None:
    """(class, machine) from the first 20 bytes, or None if not ELF: enough
    to tell whether a library can be loaded by a program, without parsing."""
    if len(head) < 20 or not head.startswith(ELF_MAGIC) or head[4] not in (1, 2):
        return None
    order = "<" if head[5] == 1 else ">"
    (machine,) = struct.unpack_from(order + "H", head, 18)
    return (32 if head[4] == 1 else 64), machine


@functools.cache
def _structs(little_endian: bool, elfclass: int) -> ELFStructs:
    """pyelftools' parsers for one byte order and class; building them is
    slower than parsing a file, so each is built once."""
    structs = ELFStructs(little_endian=little_endian, elfclass=elfclass)
    structs.create_basic_structs()
    structs.create_advanced_structs()
    return structs


def read_elf(fh: BinaryIO) -> ElfInfo | None:
    """The ELF facts of fh, or None when it is not a (readable) ELF file.

    Reads what the loader reads: program headers (PT_INTERP, PT_DYNAMIC,
    PT_LOAD) and the dynamic entries, with pyelftools' structures, but never
    the section headers (walking those made packing ten times slower)."""
    ident = elf_ident(fh.read(20))
    if ident is None:
        return None
    fh.seek(0)
    info = ElfInfo(elfclass=ident[0], machine=ident[1])
    head = fh.read(64)
    try:
        structs = _structs(head[5] == 1, ident[0])
        ehdr = struct_parse(structs.Elf_Ehdr, fh, 0)
        phdrs = [struct_parse(structs.Elf_Phdr, fh, ehdr["e_phoff"] + i * ehdr["e_phentsize"])
                 for i in range(ehdr["e_phnum"])]
        loads = [p for p in phdrs if p["p_type"] == "PT_LOAD"]
        dynamic = next((p for p in phdrs if p["p_type"] == "PT_DYNAMIC"), None)
        interp = next((p for p in phdrs if p["p_type"] == "PT_INTERP"), None)
        if interp is not None:
            fh.seek(interp["p_offset"])
            info.interpreter = fh.read(interp["p_filesz"]).split(b"\0", 1)[0].decode(
                "utf-8", "surrogateescape")
        if dynamic is None:
            return info
        entries = []
        size = structs.Elf_Dyn.sizeof()
        for i in range(dynamic["p_filesz"] // size):
            d = struct_parse(structs.Elf_Dyn, fh, dynamic["p_offset"] + i * size)
            if d["d_tag"] == "DT_NULL":
                break
            entries.append((d["d_tag"], d["d_val"]))
        strtab = next((v for t, v in entries if t == "DT_STRTAB"), None)
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
            if tag == "DT_NEEDED":
                info.needed.append(string(value))
            elif tag == "DT_RPATH":
                info.rpath.extend(p for p in string(value).split(":") if p)
            elif tag == "DT_RUNPATH":
                info.runpath.extend(p for p in string(value).split(":") if p)
        return info
    except (ELFError, ValueError, KeyError, OSError, struct.error, StopIteration):
        return None


def expand_origin(entry: str, origin: str, elfclass: int, platform: str) -> str:
    """Substitute the loader's dynamic string tokens in a search path."""
    lib = "lib64" if elfclass == 64 else "lib"
    for token, value in (("ORIGIN", origin), ("LIB", lib), ("PLATFORM", platform)):
        entry = entry.replace("${" + token + "}", value).replace("$" + token, value)
    return entry


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
