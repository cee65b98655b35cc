"""Loading a program bcc compiled as a BTF-enabled raw tracepoint (tp_btf).

bcc attaches raw tracepoints, whose arguments are bare integers: a pointer
argument such as sys_exit's register frame can only be read through a
helper that copies it. A tp_btf program gets the same arguments typed by
the kernel's own BTF, so the verifier lets the program load a field in
place. bcc compiles the function and creates the maps as it does for a raw
tracepoint; this module loads the compiled code as a tp_btf program (its map
references already hold the maps' fds) with the bpf() system call and
attaches it. Where the kernel has no BTF, or refuses the program type
(some lockdown settings refuse tracing programs), the caller falls back to
the raw tracepoint.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import errno
import functools
import os
import platform
import struct
from dataclasses import dataclass

VMLINUX_BTF = "/sys/kernel/btf/vmlinux"

# uapi/linux/bpf.h: commands, the program type and the attach type
BPF_PROG_LOAD = 5
BPF_RAW_TRACEPOINT_OPEN = 17
BPF_PROG_TYPE_TRACING = 26
BPF_TRACE_RAW_TP = 23
BTF_KIND_TYPEDEF = 8
# union bpf_attr for BPF_PROG_LOAD, as far as this uses it (offsets are uapi)
_ATTR_SIZE = 128
_LOG_SIZE = 1 << 20
_NR_BPF = {"x86_64": 321, "aarch64": 280}


# A handle of its own: syscall(2) is variadic, and a handle's function keeps
# the argtypes its user sets (rootfs's is set for openat2).
_LIBC = ctypes.CDLL(None, use_errno=True)


class AttachRefused(Exception):
    """The kernel cannot or will not run the program as tp_btf."""


@functools.cache     # the running kernel's BTF does not change
def tracepoint_btf_id(tracepoint: str) -> int | None:
    """The BTF id the kernel knows the raw tracepoint by (the typedef
    btf_trace_<name> in vmlinux's BTF), or None where there is no BTF or no
    libbpf to read it (libbpf comes with bcc: libbpfcc links it)."""
    if not os.path.exists(VMLINUX_BTF) or platform.machine() not in _NR_BPF:
        return None
    name = ctypes.util.find_library("bpf") or "libbpf.so.1"
    try:
        libbpf = ctypes.CDLL(name)
        load, find, free = libbpf.btf__load_vmlinux_btf, libbpf.btf__find_by_name_kind, libbpf.btf__free
    except (OSError, AttributeError):
        return None
    load.restype = ctypes.c_void_p
    find.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_uint32]
    find.restype = ctypes.c_int32
    free.argtypes = [ctypes.c_void_p]
    btf = load()
    if not btf or btf > (1 << 64) - 4096:      # NULL, or an error pointer
        return None
    try:
        found = int(find(btf, f"btf_trace_{tracepoint}".encode(), BTF_KIND_TYPEDEF))
    finally:
        free(btf)
    return found if found > 0 else None


def _bpf(cmd: int, attr: ctypes.Array[ctypes.c_char]) -> int:
    fd = int(_LIBC.syscall(ctypes.c_long(_NR_BPF[platform.machine()]), ctypes.c_int(cmd),
                          attr, ctypes.c_uint(len(attr))))
    if fd < 0:
        return -ctypes.get_errno()
    return fd


@dataclass
class BtfProgram:
    """A loaded and attached tp_btf program: its fd (bpf_stats' run counts
    are read from it) and the link that keeps it attached."""

    name: str
    prog_fd: int
    link_fd: int

    def detach(self) -> None:
        fd, self.link_fd = self.link_fd, -1     # forgotten first: never closed twice
        if fd >= 0:
            os.close(fd)

    def close(self) -> None:
        self.detach()
        fd, self.prog_fd = self.prog_fd, -1
        if fd >= 0:
            os.close(fd)


def _load(code: bytes, name: str, btf_id: int, with_log: bool) -> tuple[int, str]:
    insns = ctypes.create_string_buffer(code, len(code))
    license_ = ctypes.create_string_buffer(b"GPL")
    log = ctypes.create_string_buffer(_LOG_SIZE if with_log else 1)
    attr = ctypes.create_string_buffer(_ATTR_SIZE)
    struct.pack_into("<IIQQ", attr, 0, BPF_PROG_TYPE_TRACING, len(code) // 8,
                     ctypes.addressof(insns), ctypes.addressof(license_))
    if with_log:
        struct.pack_into("<IIQ", attr, 24, 1, _LOG_SIZE, ctypes.addressof(log))
    struct.pack_into("16s", attr, 48, name.encode()[:15])
    struct.pack_into("<I", attr, 68, BPF_TRACE_RAW_TP)       # expected_attach_type
    struct.pack_into("<I", attr, 108, btf_id)                # attach_btf_id
    fd = _bpf(BPF_PROG_LOAD, attr)
    return fd, log.value.decode("utf-8", "replace") if with_log else ""


def attach(code: bytes, tracepoint: str, name: str) -> BtfProgram:
    """Load code (a bcc function's instructions, from BPF.dump_func) as a
    tp_btf program on the raw tracepoint and attach it."""
    btf_id = tracepoint_btf_id(tracepoint)
    if btf_id is None:
        raise AttachRefused(f"no BTF for the {tracepoint} tracepoint")
    fd, _ = _load(code, name, btf_id, with_log=False)
    if fd < 0:
        err = -fd
        _, log = _load(code, name, btf_id, with_log=True)     # again, for the verifier's reason
        # the verifier's reason is its last line before the closing statistics
        last = [line for line in log.splitlines()
                if line.strip() and not line.startswith(("processed ", "verification time"))][-1:] or [""]
        raise AttachRefused(f"the kernel refused a tp_btf program: {os.strerror(err)}"
                            + (f" ({last[0]})" if last[0] and err != errno.EPERM else ""))
    attr = ctypes.create_string_buffer(16)
    struct.pack_into("<QI", attr, 0, 0, fd)       # no name: a tp_btf program names its tracepoint
    link = _bpf(BPF_RAW_TRACEPOINT_OPEN, attr)
    if link < 0:
        os.close(fd)
        raise AttachRefused(f"attaching a tp_btf program to {tracepoint}: {os.strerror(-link)}")
    return BtfProgram(name, fd, link)
