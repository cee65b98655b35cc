"""Progress of long steps, on stderr: a live line drawn by tqdm when stderr
is a terminal, plain lines otherwise (a log, CI, a pipe).

A step says nothing while it is short: its first sign is shown after
SHOW_AFTER seconds, so quick steps add no noise. In plain mode a step that
outlives that prints one line when it is seen to be slow, one every
PLAIN_EVERY seconds with its status while it goes on, and one when it ends.

tqdm is imported only when a live line is drawn, so `micropack --help` and
every command that does nothing long never pay for it. Every message a
command prints while a live line is shown goes through echo(), which puts
it above the line instead of through it.
"""
from __future__ import annotations

import contextlib
import os
import re
import sys
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any, TextIO

from micropack.errors import check_interrupted

SHOW_AFTER = 2.0        # seconds before a step shows anything
REFRESH = 0.25          # seconds between redraws of a live line
PLAIN_EVERY = 30.0      # seconds between plain status lines of a step that goes on

_lock = threading.RLock()
_live: list[Step] = []      # steps whose live line is on the terminal now


def stream() -> TextIO:
    return sys.stderr


def live_terminal() -> bool:
    """A live line only on a terminal that can redraw one; MICROPACK_PROGRESS=plain
    forces plain lines (a terminal recorder, a screen reader)."""
    if os.environ.get("MICROPACK_PROGRESS", "").lower() == "plain":
        return False
    if os.environ.get("TERM") == "dumb":
        return False
    try:
        return stream().isatty()
    except (AttributeError, ValueError):
        return False


# C0 and C1 control characters, and the marks that reorder text (a bidi
# override makes "txt.exe" read "exe.txt")
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def escaped(text: str) -> str:
    """text with its control characters written as Python writes them
    (\\n, \\x1b): one line, and nothing a terminal acts on."""
    return CONTROL.sub(lambda m: repr(m[0])[1:-1], text)


def echo(message: str) -> None:
    """One line on stderr; above the live lines when some are shown. Its
    control characters written escaped: a name from an image (a file
    name with an escape sequence in it) retitled the terminal or redrew
    the lines above."""
    message = escaped(message)
    with _lock:
        if _live:
            from tqdm import tqdm
            tqdm.write(message, file=stream())
        else:
            print(message, file=stream(), flush=True)


def _size(n: float) -> str:
    return f"{n / 1e6:.1f} MB"


class Step:
    """One long step: `with step("exporting X", total=size, unit="B") as s: s.advance(n)`.

    total: how much there is to do, when known (a bar with a rate and time
    left); else a running count. status: called at each redraw for the words
    after the count ("1234 events, 56 files"), so a hot loop need not update
    anything itself. unit "B" counts bytes, shown in MB like the rest of
    micropack."""

    def __init__(self, label: str, total: int | None = None, unit: str = "",
                 status: Callable[[], str] | None = None) -> None:
        self.label = label
        self.total = total
        self.unit = unit
        self.status = status
        self.done = 0
        self.live = live_terminal()
        self._bar: Any = None
        self._started = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._said_start = False

    # -- the caller's side ------------------------------------------------------

    def advance(self, n: int = 1) -> None:
        self.done += n

    def __enter__(self) -> Step:
        check_interrupted()     # every step is a checkpoint: nothing new starts after a signal
        self._started = time.monotonic()
        self._thread = threading.Thread(target=self._watch, name="micropack-progress", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        elapsed = time.monotonic() - self._started
        with _lock:
            if self._bar is not None:
                self._redraw()
                self._bar.close()
                _live.remove(self)
                self._bar = None
            elif self._said_start:
                how = "done" if exc_type is None else "stopped"
                echo(f"micropack: {self.label}: {how} after {elapsed:.1f}s{self._words(', ')}")
        if exc_type is None:
            check_interrupted()

    # -- drawing ------------------------------------------------------------------

    def _words(self, lead: str) -> str:
        parts = []
        if self.unit == "B":
            parts.append(_size(self.done) + (f" of {_size(self.total)}" if self.total else ""))
        elif self.unit and (self.done or self.total):
            parts.append(f"{self.done}" + (f" of {self.total}" if self.total else "") + f" {self.unit}")
        if self.status is not None:
            # a status is decoration: it never fails the step
            with contextlib.suppress(Exception):
                parts.append(self.status())
        text = ", ".join(p for p in parts if p)
        return f"{lead}{text}" if text else ""

    def _watch(self) -> None:
        if self._stop.wait(SHOW_AFTER):
            return
        if self.live:
            with _lock:
                self._open_bar()
            while not self._stop.wait(REFRESH):
                with _lock:
                    self._redraw()
        else:
            self._said_start = True
            echo(f"micropack: {self.label} ...{self._words(' ')}")
            while not self._stop.wait(PLAIN_EVERY):
                elapsed = time.monotonic() - self._started
                echo(f"micropack: {self.label}: {elapsed:.0f}s{self._words(', ')}")

    def _open_bar(self) -> None:
        from tqdm import tqdm
        byte_units = self.unit == "B"
        counted = bool(self.unit) or self.total is not None
        amount = "{n_fmt}B/{total_fmt}B" if byte_units else "{n_fmt}/{total_fmt} {unit}"
        if self.total is not None:
            form = "{desc}: {percentage:3.0f}%|{bar:20}| " + amount + " [{elapsed}<{remaining}]{postfix}"
        elif byte_units:
            form = "{desc}: {n_fmt}B [{elapsed}, {rate_fmt}]{postfix}"
        elif counted:
            form = "{desc}: {n_fmt} {unit} [{elapsed}]{postfix}"
        else:
            form = "{desc} [{elapsed}]{postfix}"
        self._bar = tqdm(desc=f"micropack: {self.label}", total=self.total, unit=self.unit or "it",
                         unit_scale=byte_units, unit_divisor=1000, file=stream(),
                         bar_format=form, leave=True, mininterval=REFRESH, delay=REFRESH,
                         **_width())
        # the step began before its line was shown: count its time from the start
        self._bar.start_t -= time.monotonic() - self._started
        _live.append(self)
        self._redraw()

    def _redraw(self) -> None:
        bar = self._bar
        if bar is None:
            return
        if self.done != bar.n:
            bar.n = self.done
        if self.status is not None:
            with contextlib.suppress(Exception):
                bar.set_postfix_str(self.status(), refresh=False)
        bar.refresh()


def _width() -> dict[str, Any]:
    """Follow the terminal's size; a terminal that reports none (a bare pty:
    tqdm would then hide every line) is taken as 100 by 24."""
    try:
        size = os.get_terminal_size(stream().fileno())
    except (OSError, AttributeError, ValueError):
        size = os.terminal_size((0, 0))
    return {"dynamic_ncols": True} if size.columns and size.lines else {"ncols": 100, "nrows": 24}


def step(label: str, total: int | None = None, unit: str = "",
         status: Callable[[], str] | None = None) -> Step:
    """A long step's progress (see Step)."""
    return Step(label, total=total, unit=unit, status=status)


class ReadCounter:
    """A file object that counts what is read from it into a step (for a
    load that reads an archive)."""

    def __init__(self, fileobj: Any, into: Step) -> None:
        self._f = fileobj
        self._into = into

    def read(self, size: int = -1) -> bytes:
        data: bytes = self._f.read(size)
        self._into.advance(len(data))
        return data

    def __getattr__(self, name: str) -> Any:
        return getattr(self._f, name)
