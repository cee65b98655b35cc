"""micropack's ELF reader gives what pyelftools' full parser gives."""
from __future__ import annotations

import os
import shutil
import struct
from pathlib import Path

import pytest
from elftools.elf.dynamic import DynamicSection
from elftools.elf.elffile import ELFFile

from micropack import elf
from tests.unit.roots import cc

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
            elif seg["p_type"] == "PT_NOTE":
                # (Go's build ID note: buildah and skopeo are Go programs)
                info.go = info.go or any(note["n_name"] == "Go" for note in seg.iter_notes())
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
    with_needed = go = 0
    for path in files:
        with open(path, "rb") as fh:
            mine = elf.read_elf(fh)
        assert mine == reference(path), path
        with_needed += bool(mine and mine.needed)
        go += bool(mine and mine.go)
    assert with_needed > 50 and go > 0


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


# A program laid out as Go's linker lays one out, where it matters here: the
# build ID note of owner "Go" (name size 4, "Go" and two NULs) in a PT_NOTE
# segment, and the function table's NUL-ended names.
GO_LIKE = r'''
__asm__(".section .note.go.buildid,\"a\",@note\n"
        ".balign 4\n.long 4\n.long 8\n.long 4\n.ascii \"Go\\0\\0\"\n.ascii \"buildid!\"\n"
        ".text\n");
const char funcnames[] = "\0main.main\0crypto/x509.loadSystemRoots\0runtime.main\0";
int main(void) { return funcnames[1]; }
'''


def test_a_go_program_and_the_functions_it_links(tmp_path: Path):
    if shutil.which("gcc") is None:     # a failure, never a skip
        pytest.fail("gcc is needed to build the ELF files (scripts/setup-host.sh installs it)", pytrace=False)
    go, plain = tmp_path / "go", tmp_path / "plain"
    cc(go, GO_LIKE)
    cc(plain, GO_LIKE.replace("Go\\\\0\\\\0", "Xo\\\\0\\\\0").replace("x509.loadSystemRoots", "x509.other"))
    with open(go, "rb") as fh:
        info = elf.read_elf(fh)
        assert info is not None and info.go
        assert elf.functions_named(fh, ("crypto/x509.loadSystemRoots", "time.LoadLocation")) == \
            {"crypto/x509.loadSystemRoots"}
        # a name only as a part of another's is not that function
        assert elf.functions_named(fh, ("x509.loadSystemRoots",), chunk=7) == set()
        # found across the reads' boundaries
        assert elf.functions_named(fh, ("crypto/x509.loadSystemRoots",), chunk=5) == \
            {"crypto/x509.loadSystemRoots"}
    with open(plain, "rb") as fh:
        info = elf.read_elf(fh)
        assert info is not None and not info.go
        assert elf.functions_named(fh, ("crypto/x509.loadSystemRoots",)) == set()


def test_undefined_symbols_are_what_pyelftools_reads_as_undefined():
    """What a program imports, and not what it (or a library) defines: the
    C library defines execvp and imports none of its own functions."""
    checked = 0
    for path in host_elf_files(60):
        with open(path, "rb") as fh:
            f = ELFFile(fh)
            dynsym = f.get_section_by_name(".dynsym")
            if dynsym is None or dynsym["sh_size"] > elf.SYMBOLS_MAX:
                continue
            want = {s.name for s in dynsym.iter_symbols() if s.name and s["st_shndx"] == "SHN_UNDEF"}
            assert elf.undefined_symbols(fh) == want, path
            checked += 1
    assert checked > 30
    libc = Path(os.path.realpath("/usr/lib/x86_64-linux-gnu/libc.so.6"))
    env = Path("/usr/bin/env")
    with open(libc, "rb") as fh:
        assert "execvp" not in elf.undefined_symbols(fh)
    with open(env, "rb") as fh:
        assert {"execvp", "setlocale"} <= elf.undefined_symbols(fh)


def test_undefined_symbols_of_what_is_not_an_elf_object(tmp_path: Path):
    text = tmp_path / "script"
    text.write_bytes(b"#!/bin/sh\necho execvp\n")
    with open(text, "rb") as fh:
        assert elf.undefined_symbols(fh) == frozenset()


def _section_patched(tmp_path: Path, name: str, field: int, value: int, which: str) -> Path:
    """/bin/true with one field (offset within its Elf64_Shdr: 0x18
    sh_offset, 0x20 sh_size) of section `which` set: "shstrtab" for the
    section names' own section, else the section of that name."""
    data = bytearray(Path("/bin/true").read_bytes())
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
    names_at, = struct.unpack_from("<Q", data, shoff + shstrndx * shentsize + 0x18)
    for i in range(shnum):
        at = shoff + i * shentsize
        name_off, = struct.unpack_from("<I", data, at)
        section = bytes(data[names_at + name_off:names_at + name_off + 32]).split(b"\0", 1)[0].decode()
        if (which == "shstrtab" and i == shstrndx) or section == which:
            struct.pack_into("<Q", data, at + field, value)
    out = tmp_path / name
    out.write_bytes(bytes(data))
    return out


def test_section_headers_a_hostile_file_claims_are_no_crash(tmp_path: Path):
    """A section at offset 2**63 raised OverflowError in the seek, a .dynstr
    of 2**62 bytes MemoryError, each "a bug in micropack" out of pack and
    minify: such an object imports nothing and holds no strings."""
    for name, field, value, which in (("badstr", 0x18, 1 << 63, "shstrtab"),
                                      ("bigdynstr", 0x20, 1 << 62, ".dynstr"),
                                      ("badrodata", 0x18, 1 << 63, ".rodata")):
        with open(_section_patched(tmp_path, name, field, value, which), "rb") as fh:
            assert elf.undefined_symbols(fh) == frozenset() or name == "badrodata", name
            assert isinstance(elf.data_words(fh), frozenset)
            assert isinstance(elf.data_ends(fh), elf.DataEnds)
            assert elf.read_elf(fh) is not None     # (program headers only: still read)


def _many_needed(path: Path, needed: int, rpaths: int) -> None:
    """A 64-bit ELF of one PT_LOAD and a PT_DYNAMIC: `needed` DT_NEEDED and
    `rpaths` DT_RPATH entries, their strings after the entries."""
    names = [f"l{i}.so" for i in range(needed)] + [f"/r{i}" for i in range(rpaths)]
    table, offsets = b"\0", []
    for n in names:
        offsets.append(len(table))
        table += n.encode() + b"\0"
    dyn_at = 64 + 2 * 56
    str_at = dyn_at + (len(names) + 2) * 16
    entries = [(elf.DT_NEEDED if i < needed else elf.DT_RPATH, o) for i, o in enumerate(offsets)]
    dynamic = b"".join(struct.pack("<qQ", t, v) for t, v in [*entries, (elf.DT_STRTAB, str_at), (0, 0)])
    size = str_at + len(table)
    header = (b"\x7fELF\x02\x01\x01" + b"\0" * 9
              + struct.pack("<HHIQQQIHHHHHH", 3, 62, 1, 0, 64, 0, 0, 64, 56, 2, 64, 0, 0))
    load = struct.pack("<IIQQQQQQ", elf.PT_LOAD, 5, 0, 0, 0, size, size, 0x1000)
    dyn = struct.pack("<IIQQQQQQ", elf.PT_DYNAMIC, 6, dyn_at, dyn_at, dyn_at, len(dynamic), len(dynamic), 8)
    path.write_bytes(header + load + dyn + dynamic + table)


def test_more_libraries_than_any_program_needs_are_not_all_read(tmp_path: Path):
    """32,000 DT_NEEDED each looked for in 32,000 DT_RPATH directories held
    pack for more than five minutes: a few hundred is what real objects
    have; past the bounds the rest is left, and said."""
    _many_needed(tmp_path / "bomb", 3000, 3000)
    with open(tmp_path / "bomb", "rb") as fh:
        info = elf.read_elf(fh)
    assert info is not None and info.truncated
    assert len(info.needed) <= elf.NEEDED_MAX and len(info.rpath) <= elf.SEARCH_MAX
    _many_needed(tmp_path / "fine", 3, 2)
    with open(tmp_path / "fine", "rb") as fh:
        info = elf.read_elf(fh)
    assert info is not None and not info.truncated
    assert info.needed == ["l0.so", "l1.so", "l2.so"] and info.rpath == ["/r0", "/r1"]
