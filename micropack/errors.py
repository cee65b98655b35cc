"""One error family: each carries the line a user sees and an exit code."""


def first_line(text: str, default: str = "no output") -> str:
    """The first non-blank line of a tool's output, for a one-line error."""
    return next((line.strip() for line in text.splitlines() if line.strip()), default)


def last_line(text: str, default: str = "no output") -> str:
    """The last non-blank line (where tar and friends say why they stopped)."""
    return next((line.strip() for line in reversed(text.splitlines()) if line.strip()), default)


class MicropackError(Exception):
    """An error the user can act on; shown as one line (traceback only with --debug)."""

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class UsageError(MicropackError):
    exit_code = 2


class TargetError(MicropackError):
    """The container, pid or cgroup to trace cannot be used."""


class TracerUnavailable(MicropackError):
    """A tracer backend cannot run on this host."""

    exit_code = 3


class InputError(MicropackError):
    """A malformed input file; names the file and line."""

    def __init__(self, source: str, line: int | None, problem: str) -> None:
        where = f"{source}:{line}" if line is not None else source
        super().__init__(f"{where}: {problem}")
        self.source = source
        self.line = line


class PackError(MicropackError):
    """The rootfs could not be read or packed."""


class ImageError(MicropackError):
    """An image could not be read, built or run."""


class VerifyError(MicropackError):
    """The minified image does not behave like the original."""

    exit_code = 4


class EventsLost(MicropackError):
    """Kernel events were lost and the user asked to fail on loss."""

    exit_code = 5


class Interrupted(BaseException):
    """SIGINT or SIGTERM: micropack stops at once, after removing what it
    created, and exits 128 + the signal's number. A BaseException like
    KeyboardInterrupt, so no `except Exception` on the way up can turn it
    into an ordinary error."""

    raised = False      # set once: the process is unwinding from a signal
    # The signal whose exception Python swallowed: a handler that runs inside
    # a callback whose errors are only printed (an at-fork callback, which is
    # where a signal that lands during a fork is handled, or a __del__) loses
    # what it raises. check_interrupted() raises it again at the next
    # checkpoint (each progress step, each runtime command, the end of main).
    # The packer's own fork holds signals until its child is watched.
    lost: str | None = None

    def __init__(self, signame: str) -> None:
        super().__init__(signame)
        self.signame = signame
        Interrupted.raised = True

    @property
    def exit_code(self) -> int:
        import signal
        return 128 + int(signal.Signals[self.signame])


def check_interrupted() -> None:
    """A checkpoint: raise again an Interrupted that Python swallowed."""
    name = Interrupted.lost
    if name is not None:
        Interrupted.lost = None
        raise Interrupted(name)
