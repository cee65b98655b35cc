"""The Python side reads the event layout, the syscall-table entry and the
constants from micropack/bpf/micropack.h, and fills the program's syscall
table from one list for every ABI."""
import ctypes
import re

import pytest

from micropack import data
from micropack.tracers import ebpf
from micropack.tracers.ebpf import (
    ABI_IA32,
    ABI_NATIVE,
    FLOOR_BTF_FUNCTION,
    SYS_EXIT_BTF_FUNCTION,
    SYSCALLS,
    TRACEPOINTS,
    Layout,
    floor_source,
    parse_unistd,
    program_source,
    syscall_table,
)


def test_layout_matches_the_header():
    layout = Layout()
    names = [f[0] for f in layout.Head._fields_]
    assert names == ["ts_ns", "flags", "result", "base", "id", "pid", "tid", "dirfd", "op", "aux",
                     "path_len", "comm"]
    # the head is exactly the C offset of path: 5*8 + 6*4 + 16
    assert layout.path_offset == 80 == ctypes.sizeof(layout.Head)
    assert layout.op_names[layout.consts["MP_OP_OPENAT"]] == "openat"
    assert layout.consts["MP_AT_FDCWD"] == -100
    assert [f[0] for f in layout.Call._fields_][:5] == ["op", "kind", "dirfd", "path", "flags"]
    assert ctypes.sizeof(layout.Call) == 8


def test_every_op_in_the_header_has_a_distinct_code():
    text = data.text(data.BPF_HEADER)
    layout = Layout()
    ops = [k for k in layout.consts if k.startswith("MP_OP_")]
    assert len(ops) == len(set(layout.consts[k] for k in ops)) == text.count("#define MP_OP_")


def test_the_program_given_to_bcc_carries_the_header_in_place_of_its_include():
    source = program_source()
    assert '#include "micropack.h"' not in source
    assert "struct mp_event {" in source
    assert source.index("struct mp_event {") < source.index("BPF_RINGBUF_OUTPUT(events")


def _probes(source: str) -> set[str]:
    raw = {f"raw_syscalls/{m}" for m in re.findall(r"RAW_TRACEPOINT_PROBE\((\w+)\)", source)}
    classic = {f"{a}/{b}" for a, b in re.findall(r"\bTRACEPOINT_PROBE\((\w+),\s*(\w+)\)", source)}
    return raw | classic


def test_the_floor_attaches_where_the_program_does():
    # the benchmark's floor is only a floor if it uses the very same attach points
    source = program_source()
    seccomp_only = source[source.index("#ifdef MP_COUNT_SYSCALLS"):]
    seccomp_only = seccomp_only[:seccomp_only.index("#endif /* MP_COUNT_SYSCALLS */")]
    assert _probes(source) - _probes(seccomp_only) == set(TRACEPOINTS)
    assert _probes(floor_source()) == set(TRACEPOINTS)
    assert "return 0; }" in floor_source()
    # where sys_exit attaches as tp_btf, the floor's does too; the rest stay
    start = source.rindex("#ifdef MP_SYS_EXIT_BTF", 0, source.index(f"int {SYS_EXIT_BTF_FUNCTION}("))
    btf_only = source[start:source.index("#else", start)]
    assert f"int {SYS_EXIT_BTF_FUNCTION}(u64 *ctx)" in btf_only and not _probes(btf_only)
    btf_floor = floor_source(btf=True)
    assert _probes(btf_floor) == set(TRACEPOINTS) - {"raw_syscalls/sys_exit"}
    assert f"int {FLOOR_BTF_FUNCTION}(u64 *ctx) {{ return 0; }}" in btf_floor


def test_every_call_records_a_known_op_and_kind():
    consts = Layout().consts
    for call in SYSCALLS:
        assert call.op is None or f"MP_OP_{call.op}" in consts, call
        assert f"MP_KIND_{call.kind}" in consts, call
        for arg in (call.dirfd, call.path, call.flags):
            assert arg is None or 0 <= arg <= 4, call
        assert call.kind not in ("PATH", "UNIX") or call.path is not None, call


X86_64 = """#define __NR_read 0
#define __NR_open 2
#define __NR_stat 4
#define __NR_openat 257
#define __NR_newfstatat 262
#define __NR_utimensat 280
"""
I386 = """#define __NR_restart_syscall 0
#define __NR_open 5
#define __NR_stat 106
#define __NR_stat64 195
#define __NR_openat 295
#define __NR_fstatat64 300
#define __NR_utimensat 320
#define __NR_utimensat_time64 412
#define __NR_socketcall 102
"""


def test_one_table_serves_both_abis():
    table = syscall_table({ABI_NATIVE: parse_unistd(X86_64), ABI_IA32: parse_unistd(I386)})
    op = {(abi, nr): call.op for (abi, nr), call in table.items()}
    assert op[(ABI_NATIVE, 257)] == op[(ABI_IA32, 295)] == "OPENAT"
    assert op[(ABI_NATIVE, 262)] == op[(ABI_IA32, 300)] == "NEWFSTATAT"
    # i386's time64 variant is the same entry as utimensat: it cannot drift
    assert table[(ABI_IA32, 412)] is table[(ABI_IA32, 320)] is table[(ABI_NATIVE, 280)]
    assert table[(ABI_IA32, 195)] is table[(ABI_IA32, 106)] is table[(ABI_NATIVE, 4)]
    assert table[(ABI_IA32, 102)].kind == "SOCKETCALL"
    assert (ABI_NATIVE, 0) not in table and (ABI_IA32, 0) not in table
    # calls newer than the headers are numbered alike everywhere
    assert op[(ABI_NATIVE, 452)] == op[(ABI_IA32, 452)] == "CHMOD"
    assert op[(ABI_NATIVE, 439)] == "FACCESSAT2"


def test_a_number_in_two_entries_is_refused():
    clash = parse_unistd(X86_64 + "#define __NR_access 257\n")
    with pytest.raises(ValueError, match="two entries"):
        syscall_table({ABI_NATIVE: clash})


def test_asm_generic_names_resolve_through_their_aliases():
    text = ("#define __NR_openat 56\n#define __NR3264_fstatat 79\n"
            "#define __NR_newfstatat __NR3264_fstatat\n")
    assert parse_unistd(text) == {"openat": 56, "newfstatat": 79}


def test_this_hosts_headers_give_every_call_the_old_switch_had():
    numbers = ebpf.syscall_numbers()
    if ABI_NATIVE not in numbers:
        pytest.skip("no unistd headers on this host")
    table = syscall_table(numbers)
    names = {name for (abi, nr), call in table.items() if abi == ABI_NATIVE
             for name in call.names if numbers[ABI_NATIVE].get(name, call.number) == nr}
    for name in ("openat", "execve", "execveat", "statx", "faccessat", "readlinkat", "chdir",
                 "fchdir", "mkdirat", "unlinkat", "renameat", "linkat", "symlinkat", "fchmodat",
                 "fchownat", "utimensat", "mknodat", "name_to_handle_at", "truncate", "statfs",
                 "getxattr", "chroot", "inotify_add_watch", "bind", "connect", "openat2",
                 "faccessat2", "renameat2", "newfstatat"):
        assert name in names, name
    if ABI_IA32 in numbers:
        ia32 = {nr for (abi, nr) in table if abi == ABI_IA32}
        assert numbers[ABI_IA32]["utimensat_time64"] in ia32
        assert numbers[ABI_IA32]["stat64"] in ia32 and numbers[ABI_IA32]["socketcall"] in ia32
