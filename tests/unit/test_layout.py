"""The Python decoder reads the event layout from bpf/micropack.h."""
import ctypes

from micropack.tracers.ebpf import HEADER, Layout


def test_layout_matches_the_header():
    layout = Layout()
    names = [f[0] for f in layout.Head._fields_]
    assert names == ["ts_ns", "flags", "result", "pid", "tid", "dirfd", "op", "aux",
                     "path_len", "comm"]
    # the head is exactly the C offset of path: 3*8 + 6*4 + 16
    assert layout.path_offset == 64 == ctypes.sizeof(layout.Head)
    assert layout.op_names[layout.consts["MP_OP_OPENAT"]] == "openat"
    assert layout.consts["MP_AT_FDCWD"] == -100


def test_every_op_in_the_header_has_a_distinct_code():
    text = HEADER.read_text()
    layout = Layout()
    ops = [k for k in layout.consts if k.startswith("MP_OP_")]
    assert len(ops) == len(set(layout.consts[k] for k in ops)) == text.count("#define MP_OP_")
