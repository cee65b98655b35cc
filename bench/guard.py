"""The benchmarks' error boundary, as micropack's own commands have one: a
run that cannot start or go on (no daemon, a command that failed, a file it
cannot write) ends with one line naming the problem and exit status 2, and
Ctrl-C with 130, not with a traceback. A bug in a benchmark still shows its
traceback. Each script puts the repository on sys.path before this runs."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from typing import NoReturn


def run(main: Callable[[], int], name: str = "bench") -> NoReturn:
    from micropack.cli import one_line
    from micropack.errors import MicropackError
    try:
        code = main()
    except KeyboardInterrupt:
        print(f"{name}: interrupted", file=sys.stderr)
        code = 130
    except (MicropackError, OSError, subprocess.SubprocessError) as exc:
        print(f"{name}: {one_line(exc)}", file=sys.stderr)
        code = 2
    sys.exit(code)
