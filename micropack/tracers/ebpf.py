"""The eBPF backend: micropack/bpf/trace_files.c loaded with BCC, filtered in the
kernel by the target's cgroup, read through a ring buffer. The only module
that imports bcc."""
from __future__ import annotations

import ctypes
import os
import platform
import re
import sys
from pathlib import Path
from typing import Any

from micropack import data
from micropack.errors import TracerUnavailable
from micropack.record import TraceRecord
from micropack.target import Target
from micropack.tracers.base import Sink, Tracer, TraceStats
from micropack.tracers.proctable import AT_FDCWD, ProcessTable

TRACEFS = Path("/sys/kernel/tracing")

# The tracepoints the program attaches to.
TRACEPOINTS = ("raw_syscalls/sys_enter", "raw_syscalls/sys_exit", "sched/sched_process_exec",
               "sched/sched_process_fork", "sched/sched_process_exit")

_CTYPES = {"__u64": ctypes.c_uint64, "__s64": ctypes.c_int64,
           "__u32": ctypes.c_uint32, "__s32": ctypes.c_int32}


class Layout:
    """Constants and the event struct, read from bpf/micropack.h so C and
    Python can never disagree."""

    def __init__(self, header_text: str | None = None) -> None:
        # comments may say anything: only the declarations count
        header_text = header_text if header_text is not None else data.text(data.BPF_HEADER)
        text = re.sub(r"/\*.*?\*/", "", header_text, flags=re.S)
        self.consts = {m[1]: int(m[2]) for m in
                       re.finditer(r"^#define\s+(MP_\w+)\s+(-?\d+)\s*$", text, re.M)}
        body = re.search(r"struct mp_event \{(.*?)\};", text, re.S)
        if not body:
            raise TracerUnavailable("micropack.h: no struct mp_event")
        fields: list[tuple[str, Any]] = []
        self.path_field = ""
        for ctype, name, size in re.findall(r"(\w+)\s+(\w+)(?:\[(\w+)\])?;", body[1]):
            if ctype == "char":
                length = self.consts[size] if size in self.consts else int(size)
                if name == "path":   # variable length, read separately
                    self.path_field = name
                    continue
                fields.append((name, ctypes.c_char * length))
            else:
                fields.append((name, _CTYPES[ctype]))
        self.Head: type[ctypes.Structure] = type("MpEventHead", (ctypes.Structure,),
                                                  {"_fields_": fields})
        self.path_offset = ctypes.sizeof(self.Head)
        self.op_names = {v: k[len("MP_OP_"):].lower() for k, v in self.consts.items()
                         if k.startswith("MP_OP_")}


def program_source() -> str:
    """trace_files.c with micropack.h put in place of its #include: one text
    for bcc, read from the package whether it is a clone or an installed wheel."""
    include = '#include "micropack.h"'
    program = data.text(data.BPF_PROGRAM)
    if include not in program:
        raise TracerUnavailable("trace_files.c does not include micropack.h")
    return program.replace(include, data.text(data.BPF_HEADER), 1)


def _kernel_version() -> tuple[int, int]:
    m = re.match(r"(\d+)\.(\d+)", platform.release())
    return (int(m[1]), int(m[2])) if m else (0, 0)


class EbpfTracer(Tracer):
    name = "ebpf"

    def __init__(self, ringbuf_mb: int = 64, print_program: bool = False,
                 count_syscalls: bool = False) -> None:
        self.count_syscalls = count_syscalls
        self.syscall_counts: dict[int, int] = {}   # syscall number -> calls
        self.ringbuf_pages = max(1, ringbuf_mb * 1024 * 1024 // os.sysconf("SC_PAGE_SIZE"))
        # a power of two, as the ring buffer requires
        self.ringbuf_pages = 1 << (self.ringbuf_pages.bit_length() - 1)
        self.print_program = print_program
        self.layout = Layout()
        self.procs = ProcessTable()
        self.bpf: Any = None
        self.stats = TraceStats()
        self._sink: Sink | None = None

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
            for name in TRACEPOINTS:
                if not (TRACEFS / "events" / name).is_dir():
                    problems.append(f"the {name.replace('/', ':')} tracepoint")
        if not Path(f"/lib/modules/{platform.release()}/build").exists():
            problems.append(f"kernel headers at /lib/modules/{platform.release()}/build "
                            "(scripts/setup-host.sh installs or links them)")
        if not (data.exists(data.BPF_PROGRAM) and data.exists(data.BPF_HEADER)):
            problems.append("the BPF program micropack/bpf/trace_files.c (a broken install?)")
        return problems

    def cflags(self, target: Target) -> list[str]:
        flags = [f"-DMP_CGROUP_ID={target.cgroup.id}ULL",
                 f"-DMP_CGROUP_LEVEL={target.cgroup.level}",
                 f"-DMP_RINGBUF_PAGES={self.ringbuf_pages}"]
        if self.count_syscalls:
            flags.append("-DMP_COUNT_SYSCALLS")
        return flags

    def start(self, target: Target, sink: Sink) -> None:
        problems = self.missing()
        if problems:
            raise TracerUnavailable("eBPF backend unavailable: missing " + "; ".join(problems),
                                    "try --backend sysdig")
        from bcc import BPF
        self._sink = sink
        flags = self.cflags(target)
        source = program_source()
        if self.print_program:
            print(f"// cflags: {' '.join(flags)}\n{source}", file=sys.stderr)
        try:
            self.bpf = BPF(text=source.encode(), cflags=flags)
        except Exception as exc:
            raise TracerUnavailable(
                f"the kernel refused the BPF program: {exc}",
                "rerun with --debug for the compiler output, or try --backend sysdig") from exc
        self.bpf[b"events"].open_ring_buffer(self._on_event)

    def poll(self, timeout_ms: int) -> None:
        self.bpf.ring_buffer_poll(timeout_ms)

    def stop(self) -> TraceStats:
        if self.bpf is None:
            return self.stats
        try:
            self.bpf.ring_buffer_consume()
            counters = self.bpf[b"counters"]
            c = self.layout.consts

            def total(idx: int) -> int:
                return int(sum(counters[ctypes.c_int(idx)]))

            self.stats.lost = total(c["MP_CNT_LOST"])
            self.stats.deduplicated = total(c["MP_CNT_DEDUPED"])
            self.stats.unreadable_paths = total(c["MP_CNT_READ_FAILED"])
            self.stats.extra["kernel_emitted"] = total(c["MP_CNT_EMITTED"])
            if self.count_syscalls:
                self.syscall_counts = self._read_syscalls()
        finally:
            self.bpf.cleanup()   # detaches every tracepoint
            self.bpf = None
        return self.stats

    def _read_syscalls(self) -> dict[int, int]:
        counts = {}
        for key, per_cpu in self.bpf[b"syscalls"].items():
            n = int(sum(per_cpu))
            if n:
                counts[int(key.value)] = n
        return counts

    # -- decoding -------------------------------------------------------------

    def _on_event(self, _ctx: Any, data: Any, size: int) -> None:
        layout = self.layout
        head = layout.Head.from_address(data)
        n = head.path_len
        raw = ctypes.string_at(data + layout.path_offset, n - 1) if n > 1 else b""
        name = raw.decode("utf-8", "surrogateescape")
        op = layout.op_names.get(head.op, str(head.op))
        self.stats.emitted += 1
        record = self._interpret(op, head, name)
        if record is not None and self._sink is not None:
            self._sink(record)

    def _interpret(self, op: str, head: Any, name: str) -> TraceRecord | None:
        pid, procs = head.pid, self.procs
        comm = head.comm.decode("utf-8", "replace")
        resolved = True
        path = ""
        if op == "fork":
            procs.fork(pid, head.aux)
        elif op == "exit":
            procs.exit(pid)
        elif op == "fchdir":
            path = procs.directory_of(pid, head.dirfd) or ""
            resolved = bool(path)
            if head.result == 0 and path:
                procs.chdir(pid, path)
        else:
            if head.aux == 1:
                resolved = False   # the kernel could not read the name (counted)
            dirfd = AT_FDCWD if op == "exec" else head.dirfd
            if op == "execveat" and name == "":
                abs_path = procs.directory_of(pid, dirfd)   # fexecve: the fd itself
            else:
                abs_path = procs.resolve(pid, dirfd, name)
            if abs_path is None:
                resolved = False
                self.stats.unresolved_paths += 1
                path = name
            else:
                path = abs_path
                if op == "chdir" and head.result == 0:
                    procs.chdir(pid, abs_path)
                elif op in ("open", "openat", "openat2", "creat") and head.result >= 0:
                    procs.opened(pid, head.result, abs_path)
        return TraceRecord(time=head.ts_ns / 1e9, pid=pid, tid=head.tid, comm=comm, syscall=op,
                           path=path, flags=head.flags, result=head.result, resolved=resolved)
