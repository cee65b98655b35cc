"""The in-place ring buffer reader, on buffers laid out as the kernel maps a
BPF ring buffer (a consumer page; a producer page, then the data twice)."""
from __future__ import annotations

import struct

import pytest

from micropack.tracers.ringbuf import BUSY_BIT, DISCARD_BIT, RingReader

PAGE = 64          # any offset works: the reader is given it
SIZE = 256


class FakeRing:
    """What the producer side does: records written at the producer
    position, the data area mirrored as the kernel's double mapping is."""

    def __init__(self, start: int = 0) -> None:
        self.consumer = bytearray(8)
        self.producer = bytearray(PAGE + 2 * SIZE)
        self.prod = start
        struct.pack_into("<Q", self.consumer, 0, start)
        self._set_prod()

    def _set_prod(self) -> None:
        struct.pack_into("<Q", self.producer, 0, self.prod)

    def _put(self, pos: int, data: bytes) -> None:
        for i, b in enumerate(data):
            off = (pos + i) % SIZE
            self.producer[PAGE + off] = b
            self.producer[PAGE + SIZE + off] = b

    def write(self, payload: bytes, busy: bool = False, discard: bool = False) -> int:
        header = len(payload) | (BUSY_BIT if busy else 0) | (DISCARD_BIT if discard else 0)
        at = self.prod
        self._put(at, struct.pack("<II", header, 0) + payload)
        self.prod += (len(payload) + 8 + 7) & ~7
        self._set_prod()
        return at

    def commit(self, at: int) -> None:
        header = struct.unpack_from("<I", self.producer, PAGE + at % SIZE)[0] & ~BUSY_BIT
        self._put(at, struct.pack("<I", header))

    @property
    def consumed(self) -> int:
        return struct.unpack_from("<Q", self.consumer, 0)[0]

    def reader(self) -> RingReader:
        return RingReader(self.consumer, self.producer, SIZE, PAGE)


def collect(reader: RingReader) -> list[bytes]:
    got: list[bytes] = []
    reader.drain(lambda buf, at, n: got.append(bytes(buf[at:at + n])))
    return got


def test_records_in_order_and_the_position_given_back():
    ring = FakeRing()
    ring.write(b"first")
    ring.write(b"second record")
    ring.write(b"x" * 8)
    reader = ring.reader()
    assert collect(reader) == [b"first", b"second record", b"x" * 8]
    assert ring.consumed == ring.prod == 16 + 24 + 16
    assert collect(reader) == []            # nothing read twice


def test_a_discarded_record_is_skipped():
    ring = FakeRing()
    ring.write(b"kept")
    ring.write(b"dropped", discard=True)
    ring.write(b"kept too")
    assert collect(ring.reader()) == [b"kept", b"kept too"]
    assert ring.consumed == ring.prod


def test_a_record_still_being_written_stops_the_pass_until_committed():
    ring = FakeRing()
    ring.write(b"one")
    busy = ring.write(b"two", busy=True)
    ring.write(b"three")
    reader = ring.reader()
    assert collect(reader) == [b"one"]
    assert ring.consumed == busy             # not past what is unread
    ring.commit(busy)
    assert collect(reader) == [b"two", b"three"]
    assert ring.consumed == ring.prod


def test_a_record_across_the_end_reads_whole_and_positions_keep_growing():
    ring = FakeRing(start=SIZE - 16)         # the next record wraps around
    ring.write(b"A" * 30)
    ring.write(b"after the wrap")
    assert collect(ring.reader()) == [b"A" * 30, b"after the wrap"]
    assert ring.consumed == SIZE - 16 + 40 + 24


def test_a_long_backlog_gives_space_back_as_it_goes():
    ring = FakeRing()
    for i in range(12):                      # 12 x 16 bytes; a chunk is SIZE // 64, at least a header
        ring.write(b"%d" % i)
    reader = ring.reader()
    seen_positions = []
    reader.drain(lambda buf, at, n: seen_positions.append(ring.consumed))
    # the position moved while the pass went on, not only at its end
    assert seen_positions[0] == 0 and seen_positions[-1] > 0
    assert ring.consumed == ring.prod


def test_a_failing_handler_leaves_the_records_it_saw_consumed():
    ring = FakeRing()
    ring.write(b"ok")
    ring.write(b"boom")
    ring.write(b"later")
    reader = ring.reader()

    def handle(buf, at, n):
        if bytes(buf[at:at + n]) == b"boom":
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        reader.drain(handle)
    assert ring.consumed == 32                # past "ok" and "boom"
    assert collect(reader) == [b"later"]


def test_the_size_must_be_a_power_of_two():
    with pytest.raises(ValueError, match="power of two"):
        RingReader(bytearray(8), bytearray(PAGE + 600), 300, PAGE)
