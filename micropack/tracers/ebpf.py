"""The eBPF backend: micropack/bpf/trace_files.c loaded with BCC, filtered in the
kernel by the target's cgroup, read through a ring buffer. The only module
that imports bcc."""
from __future__ import annotations

import ctypes
import os
import platform
import re
import struct
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from micropack import data
from micropack.errors import TracerUnavailable
from micropack.record import INTERP, MISSING_ERRNOS, TraceRecord, is_pseudo, under_root
from micropack.target import Target
from micropack.tracers import btf_attach, ringbuf
from micropack.tracers.base import Sink, Tracer, TraceStats, interruptible
from micropack.tracers.jails import JailViews
from micropack.tracers.proctable import AT_FDCWD, ProcessTable

TRACEFS = Path("/sys/kernel/tracing")

# Where the program attaches (trace_files.c names the same ones, tested): the
# sys_exit tracepoint, whose register frame still holds the number and
# arguments of the call (attached as tp_btf or raw, see SYS_EXIT_ENV), the
# sched tracepoints that follow processes, and cgroup moves, which make the
# program's cache of who is in the target stale.
TRACEPOINTS = ("raw_syscalls/sys_exit", "sched/sched_process_exec",
               "sched/sched_process_fork", "sched/sched_process_exit", "cgroup/cgroup_attach_task")
# With --seccomp only: every call is also counted at entry.
SECCOMP_TRACEPOINTS = ("raw_syscalls/sys_enter",)
# How the sys_exit program attaches: "auto" as a BTF-enabled raw tracepoint
# where the kernel allows it, else as a raw tracepoint; "btf" or "raw" force
# one (the benchmark compares them; tests check both).
SYS_EXIT_ENV = "MICROPACK_SYS_EXIT"
SYS_EXIT_MODES = ("auto", "btf", "raw")
SYS_EXIT_BTF_FUNCTION = "mp_sys_exit_btf"      # trace_files.c's tp_btf variant
# How events are read from the ring buffer: "auto" in place where the CPU
# orders plain loads and stores enough (tracers/ringbuf.py), else through
# bcc's per-record callback; "bcc" forces the callback (tests check both).
READER_ENV = "MICROPACK_RING_READER"
READER_MODES = ("auto", "bcc")

_CTYPES = {"__u64": ctypes.c_uint64, "__s64": ctypes.c_int64,
           "__u32": ctypes.c_uint32, "__s32": ctypes.c_int32,
           "__u8": ctypes.c_uint8}
_STRUCT_CODES: dict[Any, str] = {ctypes.c_uint64: "Q", ctypes.c_int64: "q", ctypes.c_uint32: "I",
                 ctypes.c_int32: "i", ctypes.c_uint8: "B"}

# struct mp_event's fields before the path, in order, as _decode unpacks them
HEAD_FIELDS = ("ts_ns", "flags", "result", "base", "id", "pid", "tid", "dirfd", "op", "aux",
               "path_len", "comm")

O_CREAT_WRONLY_TRUNC = 0o1101   # creat(path, mode) is open with these flags
# mp_event.aux of a named call (micropack.h's MP_AUX_*, checked when the
# header is read): plain names are 0, and the hot path tests one number
AUX_UNREADABLE, AUX_FD_LINK, AUX_SELF_LINK, AUX_IN_ROOT = 1, 2, 3, 4
# Not the kernel's: a name longer than its stack buffer for names (128 bytes
# on the raw tracepoint, 256 on tp_btf) that may go through a magic link,
# which the kernel does not check; told apart here, and its fd read from
# /proc (the kernel's identity is not sent for it)
AUX_LONG_LINK = -1
LONG_NAME = 128
MAGIC_PREFIXES = ("/dev/fd/", "/proc/")
# The ops the consumer does more for than resolve their name: the process
# events and fchdir, which name no path (EbpfTracer._process_event), and the
# calls whose name is resolved their own way (EbpfTracer._own_resolution).
# One lookup tells the hot path that an op is neither.
_PROCESS, _OWN_RESOLUTION = "process", "own resolution"
_UNUSUAL_OPS = {"fork": _PROCESS, "exit": _PROCESS, "fchdir": _PROCESS,
                "clone": _PROCESS, "unshare": _PROCESS, "io_uring_setup": _PROCESS,
                "creat": _OWN_RESOLUTION, "exec": _OWN_RESOLUTION, "execveat": _OWN_RESOLUTION,
                "chdir": _OWN_RESOLUTION, "chroot": _OWN_RESOLUTION}

# What the tracer cannot follow, said once per kind when a trace ends (the
# kernel reports these calls: see MP_OP_CLONE in micropack.h).
CANNOT_FOLLOW = {
    "clone": "{n} process(es) sharing a working directory or fd table with their parent "
             "(clone with CLONE_FS or CLONE_FILES; first pid {pid}): names relative to "
             "them may be resolved against the wrong directory",
    "unshare": "{n} thread(s) with a working directory of their own (unshare(CLONE_FS); "
               "first pid {pid}): relative names of their process may be resolved against "
               "the wrong directory",
    "io_uring_setup": "{n} io_uring instance(s) set up (first pid {pid}): files opened "
                      "through io_uring make no syscall and are not traced; files.txt may "
                      "miss them",
}


class Layout:
    """Constants and structs, read from bpf/micropack.h so C and Python can
    never disagree."""

    def __init__(self, header_text: str | None = None) -> None:
        # comments may say anything: only the declarations count
        header_text = header_text if header_text is not None else data.text(data.BPF_HEADER)
        self.text = re.sub(r"/\*.*?\*/", "", header_text, flags=re.S)
        self.consts = {m[1]: int(m[2]) for m in
                       re.finditer(r"^#define\s+(MP_\w+)\s+(-?\d+)\s*$", self.text, re.M)}
        # the event's path is variable length and read separately
        self.Head = self.struct("mp_event", stop_at="path")
        self.path_offset = ctypes.sizeof(self.Head)
        # the consumer decodes the head with one struct unpack straight into
        # names, in this order
        fields: list[tuple[str, Any]] = list(self.Head._fields_)  # type: ignore[arg-type]
        if [name for name, _ctype in fields] != list(HEAD_FIELDS):
            raise TracerUnavailable("micropack.h: struct mp_event's fields are not the ones the "
                                    "decoder reads (ebpf.HEAD_FIELDS)")
        codes = [f"{ctypes.sizeof(ctype)}s" if issubclass(ctype, ctypes.Array) else _STRUCT_CODES[ctype]
                 for _name, ctype in fields]
        self.head_struct = struct.Struct("=" + "".join(codes))
        if self.head_struct.size != self.path_offset:
            raise TracerUnavailable("micropack.h: struct mp_event has padding the decoder cannot read")
        self.Call = self.struct("mp_call")
        aux = {"MP_AUX_UNREADABLE": AUX_UNREADABLE, "MP_AUX_FD_LINK": AUX_FD_LINK,
               "MP_AUX_SELF_LINK": AUX_SELF_LINK, "MP_AUX_IN_ROOT": AUX_IN_ROOT}
        if any(self.consts.get(name) != value for name, value in aux.items()):
            raise TracerUnavailable("micropack.h: the MP_AUX_* values are not the ones the "
                                    "decoder reads (ebpf.AUX_*)")
        self.op_names = {v: k[len("MP_OP_"):].lower() for k, v in self.consts.items()
                         if k.startswith("MP_OP_")}

    def struct(self, name: str, stop_at: str | None = None) -> type[ctypes.Structure]:
        body = re.search(rf"struct {name} \{{(.*?)\}};", self.text, re.S)
        if not body:
            raise TracerUnavailable(f"micropack.h: no struct {name}")
        fields: list[tuple[str, Any]] = []
        for ctype, field, size in re.findall(r"(\w+)\s+(\w+)(?:\[(\w+)\])?;", body[1]):
            if field == stop_at:
                break
            if ctype == "char":
                length = self.consts[size] if size in self.consts else int(size)
                fields.append((field, ctypes.c_char * length))
            else:
                fields.append((field, _CTYPES[ctype]))
        return type(name, (ctypes.Structure,), {"_fields_": fields})


# -- the syscall table ----------------------------------------------------------

@dataclass(frozen=True)
class Call:
    """One traced call, for every ABI at once: the op it is recorded as, its
    names (a variant with the same arguments, such as i386's stat64 or
    utimensat_time64, is another name of the same call), and which argument
    holds the directory fd, the name and the flags."""

    op: str | None
    names: tuple[str, ...]
    dirfd: int | None = None
    path: int | None = None
    flags: int | None = None
    kind: str = "PATH"
    # Calls added since Linux 5.1 have one number on every architecture and
    # ABI: given here, they are traced even where the headers are older.
    number: int | None = None
    # rename and link: the name they create (reported as op2), whose
    # directory must exist in the image
    op2: str | None = None
    dirfd2: int | None = None
    path2: int | None = None


SYSCALLS: tuple[Call, ...] = (
    Call("OPEN", ("open",), path=0, flags=1),
    Call("OPENAT", ("openat",), dirfd=0, path=1, flags=2),
    Call("OPENAT2", ("openat2",), dirfd=0, path=1, flags=2, kind="OPENAT2", number=437),
    Call("CREAT", ("creat",), path=0),
    Call("EXECVE", ("execve",), path=0),
    Call("EXECVEAT", ("execveat",), dirfd=0, path=1, flags=4),
    Call("STAT", ("stat", "oldstat", "stat64"), path=0),
    Call("LSTAT", ("lstat", "oldlstat", "lstat64"), path=0),
    Call("NEWFSTATAT", ("newfstatat", "fstatat64"), dirfd=0, path=1, flags=3),
    Call("STATX", ("statx",), dirfd=0, path=1, flags=2),
    Call("ACCESS", ("access",), path=0, flags=1),
    Call("FACCESSAT", ("faccessat",), dirfd=0, path=1, flags=2),
    Call("FACCESSAT2", ("faccessat2",), dirfd=0, path=1, flags=3, number=439),
    Call("READLINK", ("readlink",), path=0),
    Call("READLINKAT", ("readlinkat",), dirfd=0, path=1),
    Call("CHDIR", ("chdir",), path=0),
    Call("FCHDIR", ("fchdir",), dirfd=0, kind="FD"),
    # Calls that change or query a file also prove it exists (mkdir's
    # EEXIST, chmod, unlink, ...); a name they create needs its directory.
    Call("MKDIR", ("mkdir",), path=0, flags=1),
    Call("MKDIR", ("mkdirat",), dirfd=0, path=1, flags=2),
    Call("RMDIR", ("rmdir",), path=0),
    Call("UNLINK", ("unlink",), path=0),
    Call("UNLINK", ("unlinkat",), dirfd=0, path=1, flags=2),
    Call("RENAME", ("rename",), path=0, op2="RENAME_TO", path2=1),
    Call("RENAME", ("renameat",), dirfd=0, path=1, op2="RENAME_TO", dirfd2=2, path2=3),
    Call("RENAME", ("renameat2",), dirfd=0, path=1, flags=4, op2="RENAME_TO", dirfd2=2, path2=3),
    Call("LINK", ("link",), path=0, op2="LINK_TO", path2=1),
    Call("LINK", ("linkat",), dirfd=0, path=1, flags=4, op2="LINK_TO", dirfd2=2, path2=3),
    Call("SYMLINK", ("symlink",), path=1),
    Call("SYMLINK", ("symlinkat",), dirfd=1, path=2),
    Call("CHMOD", ("chmod",), path=0, flags=1),
    Call("CHMOD", ("fchmodat",), dirfd=0, path=1, flags=2),
    Call("CHMOD", ("fchmodat2",), dirfd=0, path=1, flags=3, number=452),
    Call("CHOWN", ("chown", "lchown", "chown32", "lchown32"), path=0),
    Call("CHOWN", ("fchownat",), dirfd=0, path=1, flags=4),
    Call("UTIMES", ("utime", "utimes"), path=0),
    Call("UTIMES", ("futimesat",), dirfd=0, path=1),
    Call("UTIMES", ("utimensat", "utimensat_time64"), dirfd=0, path=1, flags=3),
    Call("MKNOD", ("mknod",), path=0, flags=1),
    Call("MKNOD", ("mknodat",), dirfd=0, path=1, flags=2),
    Call("TRUNCATE", ("truncate", "truncate64"), path=0),
    Call("STATFS", ("statfs", "statfs64"), path=0),
    Call("XATTR", ("getxattr", "lgetxattr", "listxattr", "llistxattr",
                   "setxattr", "lsetxattr", "removexattr", "lremovexattr"), path=0),
    Call("XATTR", ("setxattrat",), dirfd=0, path=1, flags=2, number=463),
    Call("XATTR", ("getxattrat",), dirfd=0, path=1, flags=2, number=464),
    Call("XATTR", ("listxattrat",), dirfd=0, path=1, flags=2, number=465),
    Call("XATTR", ("removexattrat",), dirfd=0, path=1, flags=2, number=466),
    Call("CHROOT", ("chroot",), path=0),
    Call("INOTIFY_ADD_WATCH", ("inotify_add_watch",), path=1, flags=2),
    Call("NAME_TO_HANDLE_AT", ("name_to_handle_at",), dirfd=0, path=1, flags=4),
    # a unix socket's path: its directory must exist in the image
    Call("BIND", ("bind",), path=1, kind="UNIX"),
    Call("CONNECT", ("connect",), path=1, kind="UNIX"),
    Call(None, ("socketcall",), flags=0, path=1, kind="SOCKETCALL"),   # i386: bind 2, connect 3
    # What the tracer cannot follow, reported so the trace says so: a
    # process sharing its parent's cwd or fd table, a thread with a cwd of
    # its own, io_uring (its opens make no syscall).
    Call("CLONE", ("clone",), flags=0, path=2, kind="CLONE"),     # path: where a pidfd is written
    Call("CLONE", ("clone3",), path=0, kind="CLONE3", number=435),
    Call("UNSHARE", ("unshare",), flags=0, kind="UNSHARE"),
    Call("IO_URING_SETUP", ("io_uring_setup",), kind="NOTE", number=425),
    # not reported: they keep the kernel's fd identities right (close is
    # not traced, so an fd that no name opened must forget what its number
    # named before)
    Call(None, ("socket", "accept", "accept4", "memfd_create", "pidfd_getfd", "epoll_create",
                "epoll_create1", "eventfd", "eventfd2", "signalfd", "signalfd4", "timerfd_create",
                "inotify_init", "inotify_init1", "fanotify_init", "userfaultfd", "perf_event_open",
                "bpf", "pidfd_open", "open_tree", "fsopen", "fsmount", "fspick", "mq_open",
                "open_by_handle_at", "memfd_secret"), kind="NEW_FD"),
    Call(None, ("pipe", "pipe2"), path=0, kind="FD_PAIR"),
    Call(None, ("socketpair",), path=3, kind="FD_PAIR"),
    Call(None, ("recvmsg",), path=1, kind="RECVMSG"),
    Call(None, ("recvmmsg",), path=1, kind="RECVMMSG"),
    Call(None, ("dup",), dirfd=0, kind="DUP"),
    Call(None, ("dup2",), dirfd=0, kind="DUP"),
    Call(None, ("dup3",), dirfd=0, kind="DUP"),
    Call(None, ("fcntl", "fcntl64"), dirfd=0, flags=1, kind="FCNTL"),
)

# Where each ABI's syscall numbers are (the kernel's build headers first, then
# the C library's); on x86_64 the i386 table serves 32-bit processes.
ABI_NATIVE, ABI_IA32 = 0, 1


def unistd_headers(machine: str | None = None, release: str | None = None) -> dict[int, list[Path]]:
    machine = machine or platform.machine()
    build = Path(f"/lib/modules/{release or platform.release()}/build")
    if machine == "x86_64":
        gen = build / "arch/x86/include/generated/uapi/asm"
        inc = Path("/usr/include/x86_64-linux-gnu/asm")
        return {ABI_NATIVE: [gen / "unistd_64.h", inc / "unistd_64.h", Path("/usr/include/asm/unistd_64.h")],
                ABI_IA32: [gen / "unistd_32.h", inc / "unistd_32.h", Path("/usr/include/asm/unistd_32.h")]}
    return {ABI_NATIVE: [build / "include/uapi/asm-generic/unistd.h",
                         Path("/usr/include/asm-generic/unistd.h")]}


def parse_unistd(text: str) -> dict[str, int]:
    """Syscall name -> number from a unistd header (asm-generic's
    __NR3264_ names resolved through their __NR_ aliases)."""
    numbers = {m[1]: int(m[2]) for m in re.finditer(r"^#define __NR_(\w+)\s+(\d+)\s*$", text, re.M)}
    generic = {m[1]: int(m[2]) for m in re.finditer(r"^#define __NR3264_(\w+)\s+(\d+)\s*$", text, re.M)}
    for m in re.finditer(r"^#define __NR_(\w+)\s+__NR3264_(\w+)\s*$", text, re.M):
        if m[2] in generic:
            numbers.setdefault(m[1], generic[m[2]])
    return numbers


def syscall_numbers(headers: dict[int, list[Path]] | None = None) -> dict[int, dict[str, int]]:
    """Each ABI's name -> number table, from the first header found; an ABI
    without one is left out (its processes are counted as lost, never misread)."""
    out = {}
    for abi, candidates in (headers or unistd_headers()).items():
        for header in candidates:
            try:
                numbers = parse_unistd(header.read_text(encoding="utf-8", errors="replace"))
            except OSError:
                continue
            if numbers:
                out[abi] = numbers
                break
    return out


def syscall_table(numbers: dict[int, dict[str, int]], calls: Iterable[Call] = SYSCALLS,
                  limit: int = 1024) -> dict[tuple[int, int], Call]:
    """(abi, number) -> Call: every name of every call that the ABI has."""
    table: dict[tuple[int, int], Call] = {}
    for abi, by_name in numbers.items():
        for call in calls:
            for name in call.names:
                nr = by_name.get(name, call.number if len(call.names) == 1 else None)
                if nr is None:
                    continue
                if not 0 <= nr < limit:
                    raise ValueError(f"syscall {name} is number {nr}, outside the table")
                if (abi, nr) in table and table[(abi, nr)] != call:
                    raise ValueError(f"syscall number {nr} (abi {abi}) is in two entries")
                table[(abi, nr)] = call
    return table


def program_source() -> str:
    """trace_files.c with micropack.h put in place of its #include: one text
    for bcc, read from the package whether it is a clone or an installed wheel."""
    include = '#include "micropack.h"'
    program = data.text(data.BPF_PROGRAM)
    if include not in program:
        raise TracerUnavailable("trace_files.c does not include micropack.h")
    return program.replace(include, data.text(data.BPF_HEADER), 1)


FLOOR_BTF_FUNCTION = "mp_floor_sys_exit"


def floor_source(tracepoints: Iterable[str] = TRACEPOINTS, btf: bool = False) -> str:
    """Empty programs on the tracer's own attach points: what the kernel's
    tracepoint path costs before micropack does anything (the benchmark's
    floor). With btf, the sys_exit one is FLOOR_BTF_FUNCTION, for the caller
    to attach as tp_btf (btf_attach) as the tracer's own is."""
    out = []
    for tp in tracepoints:
        category, name = tp.split("/")
        if category == "raw_syscalls" and btf:
            out.append(f"int {FLOOR_BTF_FUNCTION}(u64 *ctx) {{ return 0; }}")
        elif category == "raw_syscalls":
            out.append(f"RAW_TRACEPOINT_PROBE({name}) {{ return 0; }}")
        else:
            out.append(f"TRACEPOINT_PROBE({category}, {name}) {{ return 0; }}")
    return "\n".join(out) + "\n"


def missing_errno_mask() -> int:
    """record.MISSING_ERRNOS as a bit mask (bit e for errno e), for the
    kernel's test of a result that found no file: one list, in one place."""
    mask = 0
    for e in MISSING_ERRNOS:
        if not 0 < e < 64:
            raise ValueError(f"errno {e} does not fit the kernel's 64-bit mask")
        mask |= 1 << e
    return mask


def exit_says_group_dead() -> bool:
    """Whether sched_process_exit has a group_dead field (6.x kernels): the
    process ends with its last thread, not with its leader."""
    try:
        fmt = (TRACEFS / "events/sched/sched_process_exit/format").read_text()
    except OSError:
        return False
    return re.search(r"\bgroup_dead;", fmt) is not None


def _kernel_version() -> tuple[int, int]:
    m = re.match(r"(\d+)\.(\d+)", platform.release())
    return (int(m[1]), int(m[2])) if m else (0, 0)


# The container runtime's own processes, traced from a container's start
# (or a `docker exec`): runc starting up (its libraries, the host's
# ld.so.cache) and its parent and child stages never enter the container's
# root, and its init mounts the host's storage before it pivots into it.
# Their names are the host's, not the image's: no record of them reaches
# files.txt or the events (the process table still follows them). The
# init's reads after the pivot are the container's (/etc/passwd for -u).
RUNTIME_COMMS = frozenset({"runc", "runc:[0:PARENT]", "runc:[1:CHILD]"})
RUNTIME_INIT_COMMS = frozenset({"runc:[2:INIT]", "exe"})
RUNTIME_ROOTS = ("/var/lib/docker/", "/var/run/docker/", "/run/docker/", "/var/lib/containerd/",
                 "/run/containerd/", "/var/lib/containers/", "/run/containers/", "/run/libpod/",
                 "/run/runc/", "/var/run/runc/", "/run/crun/")


class EbpfTracer(Tracer):
    name = "ebpf"
    # The consumer is woken by the kernel only past this much unread data
    # per CPU (or a 16th of the buffer, if smaller); otherwise it polls.
    WAKEUP_BYTES_MAX = 256 * 1024

    def __init__(self, ringbuf_mb: int = 64, print_program: bool = False,
                 count_syscalls: bool = False, split_at_exec: bool = False,
                 failed_lookups: bool = True, host_sources: tuple[str, ...] = ()) -> None:
        """count_syscalls: count every syscall for a seccomp profile;
        split_at_exec (a trace from the container's start): count what a
        process does before its first exec in the target (the runtime
        setting the container up) apart, in setup_syscall_counts;
        failed_lookups=False: calls that found no file (record.MISSING_ERRNOS)
        are dropped in the kernel, before their name is read, for a caller
        that keeps only files (no --events): real programs make many
        (the loader's library search, Python's imports, config probing);
        host_sources: the host's paths the run bind-mounts (`-v SRC:DST`),
        which the runtime's init looks up before it enters the container's
        root, as it does its own storage (RUNTIME_ROOTS)."""
        self.count_syscalls = count_syscalls or split_at_exec
        self.split_at_exec = split_at_exec
        self.failed_lookups = failed_lookups
        self.host_sources = frozenset(p.rstrip("/") for p in host_sources if p.rstrip("/"))
        self.runtime_roots = RUNTIME_ROOTS + tuple(p + "/" for p in sorted(self.host_sources))
        self.syscall_counts: dict[int, int] = {}   # syscall number -> calls
        self.setup_syscall_counts: dict[int, int] = {}
        self.ringbuf_pages = max(1, ringbuf_mb * 1024 * 1024 // os.sysconf("SC_PAGE_SIZE"))
        # a power of two, as the ring buffer requires
        self.ringbuf_pages = 1 << (self.ringbuf_pages.bit_length() - 1)
        self.print_program = print_program
        self.layout = Layout()
        self.jails = JailViews()
        self.procs = ProcessTable(plain_dir=self.jails.plain_dir)
        self.bpf: Any = None
        self.stats = TraceStats()
        self._sink: Sink | None = None
        self._numbers: dict[int, dict[str, int]] = {}
        self._cpu_start = 0.0
        self.sys_exit: Any = None               # the tp_btf program, when it is one
        self._ring: ringbuf.RingReader | None = None    # the ring buffer, read in place
        self._arrays: dict[int, type[ctypes.Array[ctypes.c_char]]] = {}   # a record's size -> its type
        self._comms: dict[bytes, str] = {}      # a raw command name -> decoded
        self._cannot_follow: dict[str, tuple[int, int]] = {}   # op -> count, first pid

    @classmethod
    def missing(cls) -> list[str]:
        problems = []
        if os.geteuid() != 0:
            problems.append("root (the eBPF backend loads kernel programs)")
        if _kernel_version() < (5, 8):
            problems.append(f"a 5.8+ kernel for BPF ring buffers (this is {platform.release()})")
        try:
            import bcc  # noqa: F401
        except ImportError:
            problems.append("the bcc Python module (apt install python3-bpfcc; "
                            "create the venv with --system-site-packages)")
        if not (TRACEFS / "events").is_dir():
            problems.append(f"tracefs at {TRACEFS} (mount -t tracefs nodev /sys/kernel/tracing)")
        else:
            for name in TRACEPOINTS + SECCOMP_TRACEPOINTS:
                if not (TRACEFS / "events" / name).is_dir():
                    problems.append(f"the {name.replace('/', ':')} tracepoint")
        if not Path(f"/lib/modules/{platform.release()}/build").exists():
            problems.append(f"kernel headers at /lib/modules/{platform.release()}/build "
                            "(scripts/setup-host.sh installs or links them)")
        if not (data.exists(data.BPF_PROGRAM) and data.exists(data.BPF_HEADER)):
            problems.append("the BPF program micropack/bpf/trace_files.c (a broken install?)")
        if ABI_NATIVE not in syscall_numbers():
            problems.append("the syscall numbers (asm/unistd_64.h from linux-libc-dev or the kernel headers)")
        return problems

    def wakeup_bytes(self) -> int:
        ring = self.ringbuf_pages * os.sysconf("SC_PAGE_SIZE")
        return max(4096, min(self.WAKEUP_BYTES_MAX, ring // (16 * (os.cpu_count() or 1))))

    def cflags(self, target: Target) -> list[str]:
        flags = [f"-DMP_CGROUP_ID={target.cgroup.id}ULL",
                 f"-DMP_CGROUP_LEVEL={target.cgroup.level}",
                 f"-DMP_RINGBUF_PAGES={self.ringbuf_pages}",
                 f"-DMP_WAKEUP_BYTES={self.wakeup_bytes()}"]
        if ABI_IA32 in self._numbers:
            flags.append("-DMP_IA32")
        if exit_says_group_dead():
            flags.append("-DMP_EXIT_GROUP_DEAD")
        if self.count_syscalls:
            flags.append("-DMP_COUNT_SYSCALLS")
        if self.split_at_exec:
            flags.append("-DMP_SPLIT_AT_EXEC")
        if not self.failed_lookups:
            flags.append(f"-DMP_MISSING_ERRNOS={missing_errno_mask():#x}ULL")
        return flags

    def start(self, target: Target, sink: Sink) -> None:
        problems = self.missing()
        if problems:
            raise TracerUnavailable("eBPF backend unavailable: missing " + "; ".join(problems),
                                    "try --backend sysdig")
        mode = os.environ.get(SYS_EXIT_ENV, "auto")
        if mode not in SYS_EXIT_MODES:
            raise TracerUnavailable(f"{SYS_EXIT_ENV}={mode}: use one of {', '.join(SYS_EXIT_MODES)}")
        reader = os.environ.get(READER_ENV, "auto")
        if reader not in READER_MODES:
            raise TracerUnavailable(f"{READER_ENV}={reader}: use one of {', '.join(READER_MODES)}")
        self._sink = sink
        self.jails.container_pid = target.pid
        self._numbers = syscall_numbers()
        refused = ""
        if mode != "raw":
            try:
                if btf_attach.tracepoint_btf_id("sys_exit") is None:   # known before compiling
                    raise btf_attach.AttachRefused("no BTF for the sys_exit tracepoint")
                self._load(target, btf=True)
            except btf_attach.AttachRefused as exc:
                if mode == "btf":
                    raise TracerUnavailable(f"{SYS_EXIT_ENV}=btf: {exc}") from exc
                refused = str(exc)
        if self.bpf is None:
            self._load(target, btf=False)
        self.stats.attach_refused = refused
        self._fill_calls()
        self.procs.begin()      # (what began before this may be under a chroot it never saw)
        events = self.bpf[b"events"]
        if reader == "auto" and ringbuf.supported():
            # (the map's own size: its data pages, as the kernel made them)
            self._ring = ringbuf.RingReader.of_map(events.map_fd, int(events.max_entries))
            self.stats.reader = "in place"
        else:
            events.open_ring_buffer(self._on_event)
            self.stats.reader = "bcc"
        self._cpu_start = time.process_time()

    def _load(self, target: Target, btf: bool) -> None:
        """Compile the program and attach it: bcc attaches the raw and sched
        tracepoints itself; the tp_btf variant of the sys_exit program is
        loaded by btf_attach from the code bcc compiled. A refused tp_btf
        load leaves nothing behind (AttachRefused, for the fallback)."""
        from bcc import BPF
        flags = self.cflags(target) + (["-DMP_SYS_EXIT_BTF"] if btf else [])
        source = program_source()
        if self.print_program:
            print(f"// cflags: {' '.join(flags)}\n{source}", file=sys.stderr)
        try:
            bpf = interruptible(lambda: BPF(text=source.encode(), cflags=flags), self.cancelled,
                                lambda late: late.cleanup())
        except Exception as exc:
            raise TracerUnavailable(
                f"the kernel refused the BPF program: {exc}",
                "rerun with --debug for the compiler output, or try --backend sysdig") from exc
        if btf:
            try:
                self.sys_exit = btf_attach.attach(bpf.dump_func(SYS_EXIT_BTF_FUNCTION.encode()), "sys_exit",
                                                  "mp_sys_exit")
            except BaseException:
                bpf.cleanup()
                raise
        self.bpf = bpf
        self.stats.attach = "tp_btf" if btf else "raw_tp"

    def _fill_calls(self) -> None:
        """The syscall table, written into the program's "calls" map."""
        c = self.layout.consts
        calls = self.bpf[b"calls"]
        none = c["MP_ARG_NONE"]
        for (abi, nr), call in syscall_table(self._numbers, limit=c["MP_SYSCALL_MAX"]).items():
            leaf = calls.Leaf()
            leaf.op = c[f"MP_OP_{call.op}"] if call.op else 0
            leaf.kind = c[f"MP_KIND_{call.kind}"]
            leaf.dirfd = none if call.dirfd is None else call.dirfd
            leaf.path = none if call.path is None else call.path
            leaf.flags = none if call.flags is None else call.flags
            leaf.op2 = c[f"MP_OP_{call.op2}"] if call.op2 else 0
            leaf.dirfd2 = none if call.dirfd2 is None else call.dirfd2
            leaf.path2 = none if call.path2 is None else call.path2
            calls[calls.Key(abi * c["MP_SYSCALL_MAX"] + nr)] = leaf

    def poll(self, timeout_ms: int) -> None:
        # The kernel wakes this only past a fill threshold: whatever came
        # in below it is read when the timeout ends.
        if self._ring is not None:
            self._ring.wait(timeout_ms)
            self._ring.drain(self._decode)
        else:
            self.bpf.ring_buffer_poll(timeout_ms)
            self.bpf.ring_buffer_consume()

    def _detach(self) -> None:
        if self.sys_exit is not None:
            self.sys_exit.detach()
        for tp in list(getattr(self.bpf, "raw_tracepoint_fds", {})):
            self.bpf.detach_raw_tracepoint(tp=tp)
        for tp in list(getattr(self.bpf, "tracepoint_fds", {})):
            self.bpf.detach_tracepoint(tp=tp)

    def stop(self) -> TraceStats:
        if self.bpf is None:
            return self.stats
        try:
            self._detach()                  # nothing new after this ...
            if self._ring is not None:      # ... so nothing sent stays unread
                self._ring.drain(self._decode)
            else:
                self.bpf.ring_buffer_consume()
            counters = self.bpf[b"counters"]
            c = self.layout.consts

            def total(idx: int) -> int:
                return int(sum(counters[ctypes.c_int(idx)]))

            self.stats.lost = total(c["MP_CNT_LOST"])
            self.stats.deduplicated = total(c["MP_CNT_DEDUPED"])
            self.stats.unreadable_paths = total(c["MP_CNT_READ_FAILED"])
            self.stats.notes = [CANNOT_FOLLOW[op].format(n=n, pid=pid)
                                for op, (n, pid) in self._cannot_follow.items()]
            self.stats.extra["kernel_emitted"] = total(c["MP_CNT_EMITTED"])
            self.stats.extra["wakeups"] = total(c["MP_CNT_WAKEUPS"])
            self.stats.extra["consumer_cpu_ms"] = round((time.process_time() - self._cpu_start) * 1000)
            if self.count_syscalls:
                self.syscall_counts = self._read_syscalls(b"syscalls")
            if self.split_at_exec:
                self.setup_syscall_counts = self._read_syscalls(b"setup_syscalls")
        finally:
            if self.sys_exit is not None:
                self.sys_exit.close()
                self.sys_exit = None
            if self._ring is not None:
                self._ring.close()
                self._ring = None
            self.bpf.cleanup()   # detaches whatever is left
            self.bpf = None
            self.jails.close()
        return self.stats

    def _read_syscalls(self, table: bytes) -> dict[int, int]:
        counts = {}
        for key, per_cpu in self.bpf[table].items():
            n = int(sum(per_cpu))
            if n:
                counts[int(key.value)] = n
        return counts

    # -- decoding -------------------------------------------------------------

    def _on_event(self, _ctx: Any, data: int, size: int) -> int:
        """bcc's callback, one record at data (where the ring buffer is not
        read in place, see ringbuf.py). Returns 0, an int: bcc's wrapper
        makes one of anything else by catching int()'s TypeError, a
        formatted exception per event (a tenth of the consumer's time,
        measured with perf)."""
        array = self._arrays.get(size)
        if array is None:
            array = self._arrays[size] = ctypes.c_char * size
        self._decode(array.from_address(data), 0, size)     # read in place, before it returns
        return 0

    def _decode(self, buf: Any, at: int, size: int) -> None:
        """One record, at offset at of buf: decoded, resolved, handed to the
        sink. The consumer's hot path, run for every event: at a few hundred
        thousand events a second each step here shows (see bench/tracer.py's
        event rate), hence the caches and the one test for the rare ops."""
        layout = self.layout
        # one unpack straight into names (the order is checked against the
        # header when it is read)
        (ts_ns, flags, result, base, ident, pid, tid, dirfd, opcode, aux, path_len,
         raw_comm) = layout.head_struct.unpack_from(buf, at)
        start = at + layout.path_offset
        # (a slice of a c_char array or an mmap is bytes; no typing.cast
        # here, a function call per event)
        name = buf[start:start + path_len - 1].decode("utf-8", "surrogateescape") if path_len > 1 else ""
        op = layout.op_names.get(opcode, str(opcode))
        self.stats.emitted += 1
        procs = self.procs
        resolved = aux != AUX_UNREADABLE     # the kernel could not read the name (counted)
        unusual = _UNUSUAL_OPS.get(op)
        if path_len >= LONG_NAME and not aux and name.startswith(MAGIC_PREFIXES):
            aux = AUX_LONG_LINK
        if unusual is _PROCESS:
            path, resolved = self._process_event(op, pid, dirfd, base, result, aux)
        else:
            if unusual is None and 0 <= aux <= AUX_UNREADABLE:
                abs_path = procs.resolve(pid, dirfd, name, base)
            else:
                abs_path, flags, dirfd = self._own_resolution(op, pid, dirfd, base, name, flags,
                                                              result, aux)
            if abs_path is None:
                resolved = False
                self.stats.unresolved_paths += 1
                path = name
            else:
                path = abs_path
                # (a long magic name's identity is its text's, the same for
                # every process and fd: never taken for a directory)
                if (ident and result >= 0 and resolved and aux != AUX_LONG_LINK
                        and not is_pseudo(abs_path)):
                    procs.opened(ident, abs_path, pid, name, base)
        if self._sink is not None:
            comm = self._comms.get(raw_comm)
            if comm is None:
                if len(self._comms) >= 4096:
                    self._comms.clear()
                comm = self._comms[raw_comm] = raw_comm.split(b"\0", 1)[0].decode("utf-8", "replace")
            if comm in RUNTIME_COMMS or (comm in RUNTIME_INIT_COMMS and (
                    path.startswith(self.runtime_roots) or path in self.host_sources)):
                self.stats.extra["runtime_setup_events"] = self.stats.extra.get("runtime_setup_events", 0) + 1
                return
            # by position (keywords cost more here): time, pid, tid, comm,
            # syscall, path, flags, result, resolved
            self._sink(TraceRecord(ts_ns / 1e9, pid, tid, comm, op, path, flags, result, resolved))
            if procs.jailed and resolved and path and (result >= 0 or -result not in MISSING_ERRNOS):
                root = procs.root_of(pid)
                if root is not None and root != "/" and unusual is not _PROCESS:
                    # the interpreters of a program that ran (the kernel's exec event)
                    for reached in self.jails.reached(pid, root, path, program=op == "exec"):
                        self._sink(TraceRecord(ts_ns / 1e9, pid, tid, comm,
                                               op if reached.how == "link" else INTERP,
                                               reached.path, flags, result, True))

    def _process_event(self, op: str, pid: int, dirfd: int, base: int, result: int,
                       aux: int) -> tuple[str, bool]:
        """fork, exit, fchdir and the calls the tracer cannot follow: the
        process table follows them; the path and resolved flag of their record."""
        procs = self.procs
        if op == "fork":
            procs.fork(pid, aux)
            return "", True
        if op == "exit":
            procs.exit(pid)
            return "", True
        if op != "fchdir":
            self._cannot(op, pid)
            return "", True
        path = procs.directory_of(pid, dirfd, base) or ""
        if not path and result == 0:
            path = procs.probe_cwd(pid) or ""   # where it went, read after the fact
        if result == 0:
            # unknown: the process's relative names are unresolved from now
            # on (counted, warned about), not resolved against where it was
            procs.chdir(pid, path or None)
            if not path:
                self.stats.unresolved_paths += 1
        return path, bool(path)

    def _cannot(self, op: str, pid: int) -> None:
        n, first = self._cannot_follow.get(op, (0, pid))
        self._cannot_follow[op] = (n + 1, first)

    def _own_resolution(self, op: str, pid: int, dirfd: int, base: int, name: str, flags: int,
                        result: int, aux: int) -> tuple[str | None, int, int]:
        """creat, exec, execveat, chdir, chroot and names through magic links
        or under RESOLVE_IN_ROOT: the absolute path (None when unknown), flags
        and dirfd of their record; a chdir and a chroot are followed."""
        procs = self.procs
        if op == "creat":
            flags = O_CREAT_WRONLY_TRUNC
        elif op == "exec" and 0 <= aux <= AUX_UNREADABLE:
            dirfd = AT_FDCWD        # (through /dev/fd/N, dirfd is N)
        if op in ("chdir", "chroot") and result == 0 and not procs.known(pid):
            # first seen at this call: /proc, read after it, says where it
            # went (resolving the name against that would apply it twice)
            abs_path = procs.probe_cwd(pid) if op == "chdir" else None
        elif aux > AUX_UNREADABLE or aux == AUX_LONG_LINK:
            abs_path = self._special_name(aux, pid, dirfd, base, name)
        elif op == "execveat" and name == "":
            abs_path = procs.directory_of(pid, dirfd, base)   # fexecve: the fd itself
        else:
            abs_path = procs.resolve(pid, dirfd, name, base)
        if op == "chdir" and result == 0:
            if abs_path is None or is_pseudo(abs_path):
                abs_path = procs.probe_cwd(pid)     # where it went, read after the fact
            procs.chdir(pid, abs_path)      # None: unknown from now on, as for fchdir
        elif op == "chroot" and result == 0:
            procs.chroot(pid, abs_path)     # None: read from /proc
        return abs_path, flags, dirfd

    def _special_name(self, aux: int, pid: int, dirfd: int, base: int, name: str) -> str | None:
        """A name through a magic link, or absolute under RESOLVE_IN_ROOT, as
        the kernel marked it (aux); None when what it names is unknown."""
        procs = self.procs
        if aux == AUX_IN_ROOT:
            directory = procs.directory_of(pid, dirfd, base)
            return None if directory is None else under_root(directory, name)
        if aux == AUX_LONG_LINK:    # too long for the kernel's check: told apart here
            link = MAGIC_LINK.match(name)
            if link is None:
                return name         # another /proc or /dev name: not packed
            if link["fd"] is None:
                aux = AUX_SELF_LINK
            else:
                aux, dirfd, base = AUX_FD_LINK, int(link["fd"]), 0
        if aux == AUX_FD_LINK:      # /dev/fd/N[/rest], /proc/[thread-]self/fd/N[/rest]; dirfd is N
            rest = name.split("/fd/", 1)[1].partition("/")[2]
            directory = procs.directory_of(pid, dirfd, base)
            if directory is None:
                # not opened by a name the trace saw, and /proc says no
                # path: a pipe or socket (bash's <(...)), no file to keep;
                # a name under it is unknown (counted), not that /dev name
                return name if not base and not rest else None
        else:                       # AUX_SELF_LINK: /proc/[thread-]self/{cwd,root}[/rest]
            which, _, rest = name.split("/", 3)[3].partition("/")
            state = procs.state(pid)
            directory = state.cwd if which == "cwd" else state.root
            if directory is None:
                return None
            if which == "root":
                return under_root(directory, rest)      # '..' stops at the root
        return procs.join(pid, directory, rest)


# The magic links the kernel side tells apart (trace_files.c magic_link()),
# for a name too long for it to check.
MAGIC_LINK = re.compile(r"/(?:dev|proc/self|proc/thread-self)/fd/(?P<fd>\d+)(?:/|$)"
                        r"|/proc/(?:self|thread-self)/(?:cwd|root)(?:/|$)")

