"""The trace record every tracer produces, and its two on-disk forms.

files.txt: one absolute path per line, sorted and unique (the original
micropacker's format). events.jsonl: every record as one JSON object.
"""
from __future__ import annotations

import errno
import json
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any

from micropack.errors import InputError

PSEUDO_ROOTS = ("/proc", "/sys", "/dev")

# A lookup that failed with one of these found no file: nothing to keep.
# Any other error (EACCES, EROFS, ...) means the file exists and is used.
MISSING_ERRNOS = frozenset({errno.ENOENT, errno.ENOTDIR, errno.ENAMETOOLONG, errno.EFAULT,
                            errno.EBADF, errno.ELOOP})

# Syscalls whose records carry no file of their own.
PROCESS_EVENTS = frozenset({"fork", "exit"})


@dataclass(frozen=True, slots=True)
class TraceRecord:
    time: float          # seconds, monotonic clock of the tracer
    pid: int             # process (thread group) id as the host sees it
    tid: int
    comm: str
    syscall: str
    path: str            # absolute inside the container; "" when the call names none
    flags: int
    result: int          # >= 0 success (often an fd), < 0 is -errno
    resolved: bool = True  # False when a relative name could not be made absolute

    @property
    def ok(self) -> bool:
        return self.result >= 0

    @property
    def error(self) -> str | None:
        if self.result >= 0:
            return None
        return errno.errorcode.get(-self.result, str(-self.result))

    def to_json(self) -> str:
        data = asdict(self)
        data["error"] = self.error
        return json.dumps(data, sort_keys=True)


_PSEUDO_PREFIXES = tuple(root + "/" for root in PSEUDO_ROOTS)


def is_pseudo(path: str) -> bool:
    return path.startswith(_PSEUDO_PREFIXES) or path in PSEUDO_ROOTS


def names_a_file(record: TraceRecord, keep_pseudo: bool = False) -> bool:
    """Whether a record's path belongs in files.txt."""
    if record.syscall in PROCESS_EVENTS or not record.path or not record.resolved:
        return False
    if not record.path.startswith("/"):
        return False
    if record.result < 0 and -record.result in MISSING_ERRNOS:
        return False
    return keep_pseudo or not is_pseudo(record.path)


def clean_path(path: str) -> str:
    """Collapse '//' and '.' components; '..' stays for the packer to resolve
    physically (lexical removal is wrong after a symlinked directory)."""
    parts = [p for p in path.split("/") if p not in ("", ".")]
    return "/" + "/".join(parts)


@contextmanager
def atomic_output(dest: str | Path, mode: str = "w") -> Iterator[IO[Any]]:
    """Write to a temporary file beside dest and rename it into place on
    success, so a failure never leaves partial output. '-' means stdout."""
    if str(dest) == "-":
        import sys
        yield sys.stdout.buffer if "b" in mode else sys.stdout
        return
    dest = Path(dest)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", dir=dest.parent or ".")
    try:
        # paths are bytes on Linux: one that is not UTF-8 is written back as
        # the bytes it was read from (surrogateescape), never an error
        binary = "b" in mode
        with os.fdopen(fd, mode, encoding=None if binary else "utf-8",
                       errors=None if binary else "surrogateescape") as fh:
            yield fh
        os.chmod(tmp, 0o644)
        os.replace(tmp, dest)
    except BaseException:
        os.unlink(tmp)
        raise


def json_text(data: Any) -> str:
    """A report or profile as sorted, indented JSON."""
    return json.dumps(data, indent=1, sort_keys=True) + "\n"


def write_json(data: Any, dest: str | Path) -> None:
    with atomic_output(dest) as fh:
        fh.write(json_text(data))


def write_files_txt(paths: Iterable[str], dest: str | Path) -> int:
    unique = sorted(set(paths))
    with atomic_output(dest, "wb") as fh:
        fh.write(b"".join(p.encode("utf-8", "surrogateescape") + b"\n" for p in unique))
    return len(unique)


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _check_line(raw: str, source: str, lineno: int, warnings: list[str]) -> str | None:
    line = raw.rstrip("\n")
    stripped = line.rstrip("\r").rstrip(" \t")
    if stripped != line:
        warnings.append(f"{source}:{lineno}: trailing whitespace or CR removed")
    if not stripped or stripped.startswith("#"):
        return None
    if "\0" in stripped:
        raise InputError(source, lineno, "NUL character in path")
    if _CONTROL.search(stripped):
        raise InputError(source, lineno, f"control character in path {stripped!r}")
    if not stripped.startswith("/"):
        raise InputError(source, lineno, f"path is not absolute: {stripped!r}")
    return stripped


def read_files_txt(path: str | Path, warnings: list[str] | None = None) -> list[str]:
    """Read and validate a files.txt; blank lines and '#' comments are allowed."""
    warnings = warnings if warnings is not None else []
    source = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise InputError(source, None, f"cannot read: {exc.strerror}") from exc
    try:
        text = data.decode("utf-8", errors="surrogateescape")
    except UnicodeDecodeError as exc:  # pragma: no cover - surrogateescape never fails
        raise InputError(source, None, str(exc)) from exc
    out = []
    for lineno, raw in enumerate(text.split("\n"), 1):
        checked = _check_line(raw, source, lineno, warnings)
        if checked is not None:
            out.append(clean_path(checked) if checked != "/" else "/")
    return sorted(set(out))


class EventsWriter:
    """Writes records as JSON lines to a temporary file, renamed on close."""

    def __init__(self, dest: str | Path) -> None:
        self.dest = Path(dest)
        fd, self._tmp = tempfile.mkstemp(prefix=f".{self.dest.name}.", dir=self.dest.parent)
        self._fh = os.fdopen(fd, "w")

    def write(self, record: TraceRecord) -> None:
        self._fh.write(record.to_json() + "\n")

    def close(self, summary: dict[str, Any]) -> None:
        self._fh.write(json.dumps({"summary": summary}, sort_keys=True) + "\n")
        self._fh.close()
        os.chmod(self._tmp, 0o644)
        os.replace(self._tmp, self.dest)

    def abort(self) -> None:
        self._fh.close()
        os.unlink(self._tmp)


def read_events(path: str | Path) -> Iterator[TraceRecord]:
    for lineno, line in enumerate(Path(path).read_text().splitlines(), 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(str(path), lineno, f"not JSON: {exc.msg}") from exc
        if "summary" in data:
            continue
        data.pop("error", None)
        yield TraceRecord(**data)
