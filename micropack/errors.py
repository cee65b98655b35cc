"""One error family: each carries the line a user sees and an exit code."""


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
