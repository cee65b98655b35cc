"""The consumer side of a BPF ring buffer, read straight from its mapping.

bcc reads a ring buffer through libbpf, which calls back into Python once
per record: ctypes builds the arguments, takes the GIL back, and bcc's own
wrapper adds a frame, for every event. At a few hundred thousand events a
second that is a sixth of the consumer's time (perf of the consumer, see
bench/tracer.py's event rate). Here the records are read in place, as
many as there are in one pass, and handed to a Python function with the
mapping and their offset.

The layout is the kernel's (kernel/bpf/ringbuf.c, stable since 5.8): the
map's first page holds the consumer position, which the reader writes; the
next page the producer position; then the data, mapped twice in a row so
that a record that wraps around is contiguous. Each record starts with an
8-byte header: its length, with a busy bit while the producer still writes
it and a discard bit for one it dropped; records are 8-byte aligned.

Reading it needs the loads and stores in order: the header before the
record, the record before the new consumer position is written. x86's
memory model gives that to plain loads and stores, which is all Python can
issue, so this reader is used there only (`supported()`); elsewhere bcc's
callback, whose C code has the barriers.

It also needs the two positions loaded and stored whole. The struct
module's little-endian formats ("<Q") move a 64-bit value a byte at a
time: a producer that read the consumer position half written saw it past
its own and dropped the event as if the buffer were full (a few events a
second lost at 400k a second, with 360 bytes in the buffer; 862 in 3 s
with the position written after every record). A memoryview cast to the
native "Q" loads and stores the word with one instruction.
"""
from __future__ import annotations

import mmap
import platform
import select
import struct
from collections.abc import Callable
from typing import Any

BUSY_BIT = 1 << 31
DISCARD_BIT = 1 << 30
HEADER_SIZE = 8

_U32 = struct.Struct("<I").unpack_from     # a header: only its top byte changes once written

# A record handler: (buffer, offset of the record's data, its length).
Handler = Callable[[Any, int, int], object]


def supported() -> bool:
    """Whether plain loads and stores are ordered enough (see above)."""
    return platform.machine() in ("x86_64", "AMD64", "i686", "i386")


class RingReader:
    def __init__(self, consumer: Any, producer: Any, size: int, data_offset: int,
                 fd: int | None = None) -> None:
        """consumer: a writable buffer whose first 8 bytes are the consumer
        position; producer: one with the producer position first and the
        data, twice, from data_offset; size: the data's size, a power of
        two. fd: the map, polled for the kernel's wakeups."""
        if size <= 0 or size & (size - 1):
            raise ValueError(f"a ring buffer's size is a power of two, not {size}")
        self._consumer = consumer
        self._producer = producer
        # the positions, as words (see above)
        self._consumer_pos = memoryview(consumer)[:8].cast("Q")
        self._producer_pos = memoryview(producer)[:8].cast("Q")
        self._mask = size - 1
        self._data = data_offset
        # the consumer position is written at least this often, so the
        # producer gets its space back while a long backlog is read
        self._chunk = max(HEADER_SIZE, size // 64)
        self._epoll: select.epoll | None = None
        if fd is not None:
            self._epoll = select.epoll()
            self._epoll.register(fd, select.EPOLLIN)

    @classmethod
    def of_map(cls, fd: int, size: int) -> RingReader:
        """The ring buffer map fd (of size bytes of data), mapped."""
        page = mmap.PAGESIZE
        consumer = mmap.mmap(fd, page, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE, offset=0)
        try:
            producer = mmap.mmap(fd, page + 2 * size, mmap.MAP_SHARED, mmap.PROT_READ, offset=page)
        except BaseException:
            consumer.close()
            raise
        return cls(consumer, producer, size, page, fd)

    def wait(self, timeout_ms: int) -> None:
        """Until the kernel wakes the reader or timeout_ms pass."""
        if self._epoll is not None:
            self._epoll.poll(timeout_ms / 1000)

    def drain(self, handle: Handler) -> int:
        """Every committed record, in order, to handle; the number read. It
        stops at a record the producer is still writing (the next call
        reads it). A handler's exception propagates, after the records
        read so far, the one it was raised for too, are given back to the
        producer (as libbpf does)."""
        producer, mask, data = self._producer, self._mask, self._data
        consumer_pos, producer_pos = self._consumer_pos, self._producer_pos
        cons = consumer_pos[0]
        done = 0
        try:
            while True:
                prod = producer_pos[0]
                if cons >= prod:
                    return done
                limit = min(prod, cons + self._chunk)
                while cons < limit:
                    at = data + (cons & mask)
                    header = _U32(producer, at)[0]
                    if header & BUSY_BIT:
                        return done
                    length = header & ~(BUSY_BIT | DISCARD_BIT)
                    cons += (length + HEADER_SIZE + 7) & ~7
                    if not header & DISCARD_BIT:
                        handle(producer, at + HEADER_SIZE, length)
                        done += 1
                consumer_pos[0] = cons
        finally:
            consumer_pos[0] = cons

    def close(self) -> None:
        if self._epoll is not None:
            self._epoll.close()
            self._epoll = None
        self._consumer_pos.release()
        self._producer_pos.release()
        for buf in (self._consumer, self._producer):
            close = getattr(buf, "close", None)
            if close is not None:
                close()
