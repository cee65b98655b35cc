"""micropack's ELF reader gives what pyelftools' full parser gives."""
from __future__ import annotations

import os
import struct
from pathlib import Path

from elftools.elf.dynamic import DynamicSection
from elftools.elf.elffile import ELFFile

from micropack import elf

DIRS = ("/usr/bin", "/usr/sbin", "/usr/lib/x86_64-linux-gnu")


def host_elf_files(limit: int = 300) -> list[Path]:
    found = []
    for d in DIRS:
        for name in sorted(os.listdir(d)):
            p = Path(d) / name
            if p.is_symlink() or not p.is_file():
                continue
            with open(p, "rb") as fh:
                if fh.read(4) == elf.ELF_MAGIC:
                    found.append(p)
            if len(found) >= limit * (DIRS.index(d) + 1) // len(DIRS):
                break
    return found


def reference(path: Path) -> elf.ElfInfo:
    with open(path, "rb") as fh:
        f = ELFFile(fh)
        info = elf.ElfInfo(elfclass=f.elfclass, machine=elf.elf_ident(open(path, "rb").read(20))[1])
        for seg in f.iter_segments():
            if seg["p_type"] == "PT_INTERP":
                info.interpreter = seg.get_interp_name()
        for sec in f.iter_sections():
            if isinstance(sec, DynamicSection):
                for tag in sec.iter_tags():
                    if tag.entry.d_tag == "DT_NEEDED":
                        info.needed.append(tag.needed)
                    elif tag.entry.d_tag == "DT_RPATH":
                        info.rpath.extend(p for p in tag.rpath.split(":") if p)
                    elif tag.entry.d_tag == "DT_RUNPATH":
                        info.runpath.extend(p for p in tag.runpath.split(":") if p)
        return info


def test_reader_matches_pyelftools_on_the_hosts_programs_and_libraries():
    files = host_elf_files()
    assert len(files) > 100
    with_needed = 0
    for path in files:
        with open(path, "rb") as fh:
            mine = elf.read_elf(fh)
        assert mine == reference(path), path
        with_needed += bool(mine and mine.needed)
    assert with_needed > 50


def test_not_elf_is_none(tmp_path: Path):
    (tmp_path / "x").write_bytes(b"#!/bin/sh\n")
    (tmp_path / "y").write_bytes(b"\x7fELF\x02\x01")        # truncated
    for name in ("x", "y"):
        with open(tmp_path / name, "rb") as fh:
            assert elf.read_elf(fh) is None


def _patched(tmp_path: Path, p_type: int, filesz: int) -> Path:
    """/bin/true with the p_filesz of its program header of type p_type set."""
    data = bytearray(Path("/bin/true").read_bytes())
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    for i in range(phnum):
        at = phoff + i * phentsize
        if struct.unpack_from("<I", data, at)[0] == p_type:
            struct.pack_into("<Q", data, at + 0x20, filesz)
    out = tmp_path / f"patched-{p_type}"
    out.write_bytes(bytes(data))
    return out


def test_sizes_a_hostile_file_claims_are_not_read_whole(tmp_path: Path):
    # a PT_INTERP or PT_DYNAMIC of 2**62 bytes was a MemoryError out of the
    # packer (and out of the tracer's event callback, for a jailed program)
    for p_type in (elf.PT_INTERP, elf.PT_DYNAMIC):
        with open(_patched(tmp_path, p_type, 1 << 62), "rb") as fh:
            info = elf.read_elf(fh)
        assert info is not None
    data = bytearray(Path("/bin/true").read_bytes())
    struct.pack_into("<HH", data, 0x36, 0xFFFF, 0xFFFF)        # 4 GB of program headers
    (tmp_path / "many").write_bytes(bytes(data))
    with open(tmp_path / "many", "rb") as fh:
        assert elf.read_elf(fh) is None
