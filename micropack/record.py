r"""The trace record every tracer produces, and its two on-disk forms.

files.txt: one absolute path per line, sorted and unique (the original
micropacker's format). A name no line can hold as it is (one with a control
character such as a newline, or ending in a space or tab) is written as a
C-quoted string instead: '"' + the name with \\, \", \n, \t, \r and
\ooo (octal) escapes + '"'. A line starting with '/' is always the name
itself, backslashes included, so every ordinary name reads as before and no
file name can add a line. events.jsonl: every record as one JSON object.
"""
from __future__ import annotations

import errno
import json
import os
import re
import stat
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any

from micropack.errors import InputError, UsageError

PSEUDO_ROOTS = ("/proc", "/sys", "/dev")

# A lookup that failed with one of these found no file: nothing to keep.
# Any other error (EACCES, EROFS, ...) means the file exists and is used.
MISSING_ERRNOS = frozenset({errno.ENOENT, errno.ENOTDIR, errno.ENAMETOOLONG, errno.EFAULT,
                            errno.EBADF, errno.ELOOP})

# Classes of a record's syscall field, one list each for every module that
# asks. Records that carry no file of their own:
PROCESS_EVENTS = frozenset({"fork", "exit"})
# A program run ("exec" is the kernel's report of one that succeeded):
EXEC_CALLS = frozenset({"exec", "execve", "execveat"})
# The file itself opened, for its content (or, on a directory, its entries):
OPEN_CALLS = frozenset({"open", "openat", "openat2", "creat"})
# Not a syscall: an interpreter the kernel loaded for a program run under a
# chroot (its PT_INTERP, or the program of its "#!" line), which no syscall
# names and the packer would look for in the image's root
INTERP = "interp"


# Not frozen: a frozen dataclass's __init__ sets each field through
# object.__setattr__, 0.5 us more per record, a fifth of the consumer's time
# per event at the highest event rates. Records are not changed once made.
@dataclass(slots=True)
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


def fold_dotdot(path: str, plain_dir: Callable[[str], bool | None]) -> str:
    """path (clean, absolute) with each 'X/..' removed where plain_dir says
    X is a directory and not a symlink, so the pair names the directory
    before X whatever the links before it; from the first '..' it cannot
    say that of, the rest stays as written. A process that walks a tree
    with chdir("..") or openat(fd, "..") (fts: find, du, chown -R) would
    otherwise grow its directory's path by a '/name/..' a step, past what
    any image can hold."""
    if "/.." not in path:
        return path
    parts = path.split("/")[1:]
    kept: list[str] = []
    for i, part in enumerate(parts):
        if part != "..":
            kept.append(part)
        elif not kept:
            continue                    # the parent of / is /
        elif plain_dir("/" + "/".join(kept)):
            kept.pop()
        else:
            return "/" + "/".join(kept + parts[i:])
    return "/" + "/".join(kept)


def under_root(root: str, name: str) -> str:
    """An absolute name looked up under root (a chroot, or openat2's
    RESOLVE_IN_ROOT), as a path of the container: a '..' that would climb
    above root stays there, as the kernel keeps it (the others stay for the
    packer, which resolves them physically)."""
    depth = 0
    kept = []
    for part in name.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if depth == 0:
                continue
            depth -= 1
        else:
            depth += 1
        kept.append(part)
    return clean_path(f"{root}/{'/'.join(kept)}")


def check_output(dest: str | Path, option: str = "-o") -> None:
    """Fail at once, in one line, when dest cannot be written: what would
    otherwise be found only after the long work (a trace, a build)."""
    if str(dest) == "-":
        return
    if str(dest) == "":
        raise UsageError(f"{option} '': an empty file name: name the file to write")
    dest = Path(dest)
    try:
        st = os.stat(dest)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise UsageError(f"{option} {dest}: {exc.strerror}") from exc
    if st is not None:
        if stat.S_ISDIR(st.st_mode):
            raise UsageError(f"{option} {dest}: is a directory: name a file in it")
        if not stat.S_ISREG(st.st_mode):
            return      # a device or FIFO, written in place
    target = Path(os.path.realpath(dest)) if dest.is_symlink() else dest
    parent = target.parent
    if not parent.exists():
        raise UsageError(f"{option} {dest}: directory {parent} does not exist")
    if not parent.is_dir():
        raise UsageError(f"{option} {dest}: {parent} is not a directory")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise UsageError(f"{option} {dest}: directory {parent} is not writable")


# What this run has finished making (outputs in place, an image built and
# verified): a signal after that stops the run but does not unmake them,
# and the last line says so (it said "what this run created was removed"
# with the outputs in place)
MADE: list[str] = []


class Output:
    """A file micropack writes. A regular file (or a new one) is written to a
    temporary file beside it and renamed into place by commit(), so a failure
    never leaves partial output; through a symlink, the file it names is
    replaced and the link stays. A device, FIFO or socket (/dev/null,
    /dev/stdout on a terminal, a named pipe) is written in place: replacing
    /dev/null with a regular file would break it for every user."""

    def __init__(self, dest: str | Path, binary: bool = False) -> None:
        self.dest = Path(dest)
        self._tmp: str | None = None
        flags = os.O_WRONLY | os.O_CLOEXEC
        try:
            st: os.stat_result | None = os.stat(self.dest)
        except FileNotFoundError:
            st = None
        except OSError as exc:
            raise UsageError(f"cannot write {dest}: {exc.strerror}") from exc
        if st is not None and stat.S_ISDIR(st.st_mode):
            raise UsageError(f"cannot write {dest}: is a directory")
        if st is not None and not stat.S_ISREG(st.st_mode):
            fd = os.open(self.dest, flags)          # a FIFO waits here for its reader
        else:
            target = Path(os.path.realpath(self.dest)) if self.dest.is_symlink() else self.dest
            try:
                fd, self._tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
            except FileNotFoundError as exc:
                raise UsageError(f"cannot write {dest}: directory {target.parent} does not exist") from exc
            self._final = target
        # paths are bytes on Linux: one that is not UTF-8 is written back as
        # the bytes it was read from (surrogateescape), never an error
        self.fh: IO[Any] = os.fdopen(fd, "wb" if binary else "w", encoding=None if binary else "utf-8",
                                     errors=None if binary else "surrogateescape")

    def commit(self) -> None:
        self.fh.close()
        if self._tmp is not None:
            os.chmod(self._tmp, 0o644)
            os.replace(self._tmp, self._final)
            self._tmp = None
            MADE.append(str(self.dest))

    def abort(self) -> None:
        try:
            self.fh.close()
        finally:
            if self._tmp is not None:
                os.unlink(self._tmp)
                self._tmp = None


@contextmanager
def atomic_output(dest: str | Path, mode: str = "w") -> Iterator[IO[Any]]:
    """An Output as a `with` block: committed when the block succeeds,
    removed when it fails. '-' means stdout."""
    if str(dest) == "-":
        yield sys.stdout.buffer if "b" in mode else sys.stdout
        return
    out = Output(dest, binary="b" in mode)
    try:
        yield out.fh
    except BaseException:
        out.abort()
        raise
    out.commit()


def json_text(data: Any) -> str:
    """A report or profile as sorted, indented JSON."""
    return json.dumps(data, indent=1, sort_keys=True) + "\n"


def write_json(data: Any, dest: str | Path) -> None:
    with atomic_output(dest) as fh:
        fh.write(json_text(data))


# What a files.txt line cannot hold as it is: a control character anywhere
# (a newline would add a line), or a space or tab at the end (trimmed on read).
_NEEDS_QUOTES = re.compile(r"[\x00-\x1f\x7f]|[ \t]$")
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r"}
_TO_ESCAPE = re.compile(r'[\\"\x00-\x1f\x7f]')
_UNESCAPES = {"\\": "\\", '"': '"', "n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b",
              "f": "\f", "v": "\v"}


def quote_path(path: str) -> str:
    """The files.txt line for path (without its newline)."""
    if not _NEEDS_QUOTES.search(path):
        return path
    return '"' + _TO_ESCAPE.sub(lambda m: _ESCAPES.get(m[0], f"\\{ord(m[0]):03o}"), path) + '"'


def unquote_line(line: str) -> str:
    """The path a quoted files.txt line names; ValueError saying what is wrong."""
    if len(line) < 2 or not line.endswith('"'):
        raise ValueError("quoted path without its closing '\"'")
    out = []
    i, end = 1, len(line) - 1
    while i < end:
        c = line[i]
        if c == '"':
            raise ValueError("unescaped '\"' inside a quoted path")
        if c != "\\":
            out.append(c)
            i += 1
            continue
        nxt = line[i + 1] if i + 1 < end else ""
        if nxt in _UNESCAPES:
            out.append(_UNESCAPES[nxt])
            i += 2
        elif len(line[i + 1:i + 4]) == 3 and all(d in "01234567" for d in line[i + 1:i + 4]) \
                and i + 4 <= end:
            value = int(line[i + 1:i + 4], 8)
            out.append(chr(value) if value < 0x80 else chr(0xDC00 + value))   # a raw byte
            i += 4
        else:
            raise ValueError(f"unknown escape '\\{nxt}' in a quoted path")
    # octal escapes of a UTF-8 sequence name the same file as its characters
    return "".join(out).encode("utf-8", "surrogateescape").decode("utf-8", "surrogateescape")


def write_files_txt(paths: Iterable[str], dest: str | Path) -> int:
    unique = sorted(set(paths))
    with atomic_output(dest, "wb") as fh:
        fh.write(b"".join(quote_path(p).encode("utf-8", "surrogateescape") + b"\n" for p in unique))
    return len(unique)


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _check_line(raw: str, source: str, lineno: int, warnings: list[str]) -> str | None:
    line = raw.rstrip("\n")
    stripped = line.rstrip("\r").rstrip(" \t")
    if stripped != line:
        warnings.append(f"{source}:{lineno}: trailing whitespace or CR removed")
    if not stripped or stripped.startswith("#"):
        return None
    if stripped.startswith('"'):
        try:
            path = unquote_line(stripped)
        except ValueError as exc:
            raise InputError(source, lineno, str(exc)) from None
        if "\0" in path:
            raise InputError(source, lineno, "NUL character in path")
    else:
        if "\0" in stripped:
            raise InputError(source, lineno, "NUL character in path")
        if _CONTROL.search(stripped):
            raise InputError(source, lineno, f"control character in path {stripped!r} "
                                             "(write such a name quoted: \"...\\n...\")")
        path = stripped
    if not path.startswith("/"):
        raise InputError(source, lineno, f"path is not absolute: {path!r}")
    if len(path) > NAME_MAX // 4:       # only then can a component be too long
        long = next((c for c in path.split("/")
                     if len(c) > NAME_MAX // 4 and len(c.encode("utf-8", "surrogateescape")) > NAME_MAX),
                    None)
        if long is not None:
            raise InputError(source, lineno, f"a component of the path is {len(long)} characters long: "
                                             f"no file name can be longer than {NAME_MAX} bytes")
        if len(path) >= PATH_MAX // 4 and len(path.encode("utf-8", "surrogateescape")) >= PATH_MAX:
            # A program that walks down with relative names can use such a
            # file (the tracer records it), but no image can hold it: docker
            # and containerd unpack a layer by whole paths. Not a reason to
            # refuse the rest of the list.
            warnings.append(f"{source}:{lineno}: path is longer than {PATH_MAX - 1} bytes: left out "
                            "(no image can hold it)")
            return None
    return path


NAME_MAX = 255
PATH_MAX = 4096
# The longest line an input of lines may have: a files.txt line is a path
# (4095 bytes, each written at most 4 characters long when quoted), an
# events line one record of one; anything longer is not one of them
# (`-i /dev/zero` read one endless line until the host ran out of memory,
# deaf to Ctrl-C inside the one read)
LINE_MAX = 64 << 10
READ_CHUNK = 1 << 20


def input_lines(path: str | Path, line_max: int = LINE_MAX) -> Iterator[tuple[int, str]]:
    """The lines of a text input, numbered from 1, without their newline,
    read a line at a time (a signal is handled between two); a line longer
    than line_max is an InputError as soon as it is seen."""
    source = str(path)
    try:
        fh = open(path, "rb")
    except OSError as exc:
        raise InputError(source, None, f"cannot read: {exc.strerror}") from exc
    with fh:
        lineno = 0
        while True:
            try:
                raw = fh.readline(line_max + 1)
            except OSError as exc:
                raise InputError(source, lineno + 1, f"cannot read: {exc.strerror}") from exc
            if not raw:
                return
            lineno += 1
            if len(raw) > line_max and not raw.endswith(b"\n"):
                raise InputError(source, lineno, f"a line longer than {line_max} bytes: not a line of text "
                                                 f"this input can have")
            yield lineno, raw.rstrip(b"\n").decode("utf-8", errors="surrogateescape")


def read_input(path: str | Path, limit: int) -> bytes:
    """A whole input file, read a chunk at a time (a signal is handled
    between two), refused past limit bytes."""
    source = str(path)
    chunks: list[bytes] = []
    size = 0
    try:
        with open(path, "rb") as fh:
            while chunk := fh.read(min(READ_CHUNK, limit + 1 - size)):
                chunks.append(chunk)
                size += len(chunk)
                if size > limit:
                    raise InputError(source, None, f"larger than {limit >> 20} MiB: not an input this "
                                                   f"command reads")
    except OSError as exc:
        raise InputError(source, None, f"cannot read: {exc.strerror}") from exc
    return b"".join(chunks)


def read_files_txt(path: str | Path, warnings: list[str] | None = None) -> list[str]:
    """Read and validate a files.txt; blank lines and '#' comments are allowed."""
    warnings = warnings if warnings is not None else []
    source = str(path)
    out = []
    for lineno, raw in input_lines(path):
        checked = _check_line(raw, source, lineno, warnings)
        if checked is not None:
            out.append(clean_path(checked) if checked != "/" else "/")
    return sorted(set(out))


class EventsWriter:
    """Writes records as JSON lines; the file appears (or a device or FIFO
    is written) as an Output, committed on close."""

    def __init__(self, dest: str | Path) -> None:
        self.dest = Path(dest)
        # '-' is stdout, as for every other output
        self._out = Output(dest) if str(dest) != "-" else None
        self._fh: IO[Any] = self._out.fh if self._out is not None else sys.stdout

    def write(self, record: TraceRecord) -> None:
        self._fh.write(record.to_json() + "\n")

    def close(self, summary: dict[str, Any]) -> None:
        self._fh.write(json.dumps({"summary": summary}, sort_keys=True) + "\n")
        if self._out is not None:
            self._out.commit()
        else:
            self._fh.flush()

    def abort(self) -> None:
        if self._out is not None:
            self._out.abort()


def read_events(path: str | Path) -> Iterator[TraceRecord]:
    for lineno, line in input_lines(path):
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
