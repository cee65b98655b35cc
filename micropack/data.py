"""Files micropack ships beside its code (the BPF program and its header, the
sysdig chisel), read through importlib.resources: an installed wheel works
like a clone, and nothing is found by climbing the source tree."""
from __future__ import annotations

from importlib import resources

BPF_PROGRAM = ("bpf", "trace_files.c")
BPF_HEADER = ("bpf", "micropack.h")
CHISEL = ("chisels", "microdump.lua")


def exists(parts: tuple[str, ...]) -> bool:
    return resources.files("micropack").joinpath(*parts).is_file()


def text(parts: tuple[str, ...]) -> str:
    return resources.files("micropack").joinpath(*parts).read_text(encoding="utf-8")
