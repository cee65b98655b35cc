"""What an ELF file needs to run: its interpreter, DT_NEEDED libraries and
search paths. Pure: reads one file object, knows nothing of roots."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import BinaryIO

from elftools.common.exceptions import ELFError
from elftools.elf.dynamic import DynamicSection
from elftools.elf.elffile import ELFFile

ELF_MAGIC = b"\x7fELF"


@dataclass
class ElfInfo:
    elfclass: int                 # 32 or 64
    machine: str                  # e_machine, e.g. EM_X86_64
    interpreter: str | None = None
    needed: list[str] = field(default_factory=list)
    rpath: list[str] = field(default_factory=list)
    runpath: list[str] = field(default_factory=list)

    def compatible(self, other: ElfInfo) -> bool:
        return self.elfclass == other.elfclass and self.machine == other.machine


def read_elf(fh: BinaryIO) -> ElfInfo | None:
    """The ELF facts of fh, or None when it is not a (readable) ELF file."""
    if fh.read(4) != ELF_MAGIC:
        return None
    fh.seek(0)
    try:
        elf = ELFFile(fh)
        info = ElfInfo(elfclass=elf.elfclass, machine=elf["e_machine"])
        for seg in elf.iter_segments():
            if seg["p_type"] == "PT_INTERP":
                info.interpreter = seg.get_interp_name()
        for section in elf.iter_sections():
            if not isinstance(section, DynamicSection):
                continue
            for tag in section.iter_tags():
                if tag.entry.d_tag == "DT_NEEDED":
                    info.needed.append(tag.needed)
                elif tag.entry.d_tag == "DT_RPATH":
                    info.rpath.extend(p for p in tag.rpath.split(":") if p)
                elif tag.entry.d_tag == "DT_RUNPATH":
                    info.runpath.extend(p for p in tag.runpath.split(":") if p)
        return info
    except (ELFError, ValueError, KeyError, OSError):
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
    import struct
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
