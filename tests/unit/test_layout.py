"""The Python decoder reads the event layout from micropack/bpf/micropack.h."""
import ctypes

from micropack import data
from micropack.tracers.ebpf import Layout, program_source


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
    text = data.text(data.BPF_HEADER)
    layout = Layout()
    ops = [k for k in layout.consts if k.startswith("MP_OP_")]
    assert len(ops) == len(set(layout.consts[k] for k in ops)) == text.count("#define MP_OP_")


def test_the_program_given_to_bcc_carries_the_header_in_place_of_its_include():
    source = program_source()
    assert '#include "micropack.h"' not in source
    assert "struct mp_event {" in source
    assert source.index("struct mp_event {") < source.index("BPF_RINGBUF_OUTPUT(events")
