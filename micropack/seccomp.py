"""A Docker/OCI seccomp profile that allows exactly the syscalls a traced
workload made (counted in the kernel, same cgroup filter) and answers every
other one with EPERM."""
from __future__ import annotations

import platform
import re
from collections.abc import Callable
from typing import Any

from micropack.errors import MicropackError
from micropack.record import write_json

ARCHITECTURES = {
    "x86_64": ["SCMP_ARCH_X86_64"],
    "aarch64": ["SCMP_ARCH_AARCH64"],
    "armv7l": ["SCMP_ARCH_ARM"],
    "ppc64le": ["SCMP_ARCH_PPC64LE"],
    "s390x": ["SCMP_ARCH_S390X"],
    "riscv64": ["SCMP_ARCH_RISCV64"],
}
EPERM = 1

# Where the C library headers list this architecture's syscall numbers
# (linux-libc-dev); generic architectures (arm64, riscv) use asm-generic.
UNISTD_HEADERS = {
    "x86_64": ("/usr/include/x86_64-linux-gnu/asm/unistd_64.h", "/usr/include/asm/unistd_64.h"),
    "aarch64": ("/usr/include/asm-generic/unistd.h",),
    "riscv64": ("/usr/include/asm-generic/unistd.h",),
}


def syscall_names(machine: str | None = None) -> dict[int, str]:
    """Syscall number -> name for this architecture, from the installed
    headers (bcc's own table is older than the kernel: it lacks faccessat2)."""
    machine = machine or platform.machine()
    for header in UNISTD_HEADERS.get(machine, ()):
        try:
            text = open(header, encoding="utf-8").read()
        except OSError:
            continue
        table = {int(m[2]): m[1] for m in
                 re.finditer(r"^#define __NR(?:3264)?_(\w+)\s+(\d+)\s*$", text, re.M)}
        if table:
            return table
    raise MicropackError(f"no syscall table for {machine}: install linux-libc-dev")


def name_counts(by_number: dict[int, int]) -> tuple[dict[str, int], list[int]]:
    """Counts by name, and the numbers no name is known for."""
    names = syscall_names()
    counts: dict[str, int] = {}
    unknown = []
    for nr, n in by_number.items():
        if nr in names:
            counts[names[nr]] = counts.get(names[nr], 0) + n
        else:
            unknown.append(nr)
    return counts, sorted(unknown)


# Allowed even when a trace did not happen to see them: the kernel runs them
# on a process's behalf (signal return, restarts, exit), and runtimes such as
# runc's Go scheduler make them at moments no single trace can predict
# (preemption signals, yields). Measured: two traces of one program differed
# only in these.
BASELINE = ("rt_sigreturn", "restart_syscall", "exit", "exit_group", "tgkill", "getpid",
            "gettid", "sched_yield", "futex", "nanosleep")


# Calls the runtimes' default profiles (Docker's, and containers-common's
# for podman) refuse to a container that has no capability beyond the
# default set: module, clock, mount, namespace, keyring, tracing and reboot
# calls. runc makes several of them inside the container before the
# workload's first exec (mount, pivot_root, unshare, keyctl, sethostname),
# so they are counted as the runtime's; a profile allows them only when the
# workload itself made them.
PRIVILEGED = frozenset({
    "_sysctl", "acct", "add_key", "bpf", "clock_adjtime", "clock_settime", "create_module",
    "delete_module", "fanotify_init", "finit_module", "fsconfig", "fsmount", "fsopen", "fspick",
    "get_kernel_syms", "init_module", "ioperm", "iopl", "kexec_file_load", "kexec_load", "keyctl",
    "lookup_dcookie", "mount", "mount_setattr", "move_mount", "name_to_handle_at", "nfsservctl",
    "open_by_handle_at", "open_tree", "perf_event_open", "pivot_root", "query_module", "quotactl",
    "quotactl_fd", "reboot", "request_key", "setdomainname", "sethostname", "setns",
    "settimeofday", "swapoff", "swapon", "syslog", "sysfs", "umount", "umount2", "unshare",
    "uselib", "userfaultfd", "ustat", "vhangup", "vm86", "vm86old",
})


def profile_from_counts(counts: dict[str, int], machine: str | None = None,
                        setup: dict[str, int] | None = None) -> dict[str, Any]:
    """A profile allowing what the workload made (counts), the calls of the
    runtime's setup that its default profile allows too (setup), and the
    BASELINE."""
    machine = machine or platform.machine()
    if machine not in ARCHITECTURES:
        raise MicropackError(f"no seccomp architecture known for {machine}")
    seen = {n for n, c in counts.items() if c > 0}
    if not seen:
        raise MicropackError("no syscalls were counted: nothing to build a seccomp profile from")
    runtime = {n for n, c in (setup or {}).items() if c > 0 and n not in PRIVILEGED}
    names = sorted(seen | runtime | set(BASELINE))
    return {
        "defaultAction": "SCMP_ACT_ERRNO",
        "defaultErrnoRet": EPERM,
        "architectures": ARCHITECTURES[machine],
        "syscalls": [{"names": names, "action": "SCMP_ACT_ALLOW"}],
    }


def write_profile(by_number: dict[int, int], dest: str, warn: Callable[[str], None],
                  setup_by_number: dict[int, int] | None = None) -> dict[str, Any]:
    """Write the profile for syscall counts by number (as the tracer counts
    them; setup_by_number: the runtime's calls before the workload's first
    exec); numbers without a name are reported through warn, never dropped
    silently. Returns the profile."""
    counts, unknown = name_counts(by_number)
    setup, _ = name_counts(setup_by_number or {})
    if unknown:
        warn(f"WARNING: syscalls {unknown} have no known name and cannot be allowed: "
             "the profile will block them")
    profile = profile_from_counts(counts, setup=setup)
    write_json(profile, dest)
    return profile
