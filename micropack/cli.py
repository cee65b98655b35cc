"""Command line entry point: the only module that imports click. Every
MicropackError becomes one line on stderr and its exit code."""
from __future__ import annotations

import contextlib
import errno
import math
import os
import re
import signal
import subprocess
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from micropack import __version__
from micropack.errors import (
    EventsLost,
    Interrupted,
    MicropackError,
    TargetError,
    UsageError,
    check_interrupted,
)
from micropack.levels import DEFAULT_GRANULARITY, GRANULARITIES, PRESETS


@dataclass
class App:
    debug: bool = False


def say(message: str) -> None:
    from micropack import progress
    progress.echo(f"micropack: {message}")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="micropack")
@click.option("--debug", is_flag=True, help="Show tracebacks and tool output on errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Trace a container and pack only the files it uses."""
    ctx.obj = App(debug=debug)


def _on_signal(signum: int, _frame: object) -> None:
    """SIGINT and SIGTERM unwind, so every `finally` removes what it made.
    A second signal while that happens is ignored: it would stop the
    cleaning half way (SIGKILL still works, and the next run cleans up)."""
    from micropack import cleanup
    if Interrupted.raised:
        return
    if cleanup.deferring():
        cleanup.defer(signal.Signals(signum).name)
        return
    raise Interrupted(signal.Signals(signum).name)


def _on_unraisable(info: Any) -> None:
    """An Interrupted raised where Python can only print it (see
    Interrupted.lost) is kept for the next checkpoint instead, and a second
    signal is no longer ignored meanwhile."""
    if isinstance(info.exc_value, Interrupted):
        Interrupted.lost = info.exc_value.signame
        Interrupted.raised = False
        return
    sys.__unraisablehook__(info)


def install_signal_handling() -> None:
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    sys.unraisablehook = _on_unraisable


def _interruption_behind(exc: BaseException) -> Interrupted | None:
    """The Interrupted an error was raised while handling, if any."""
    seen: set[int] = set()
    cause: BaseException | None = exc.__context__
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, Interrupted):
            return cause
        seen.add(id(cause))
        cause = cause.__context__
    return None


def main(argv: list[str] | None = None) -> None:
    """The one error boundary: every error a user can meet becomes one line
    on stderr and an exit code; --debug adds the traceback. A run a signal
    stopped while bcc compiled leaves the compile running in LLVM: it
    exits without the C++ destructors a normal exit would run under it."""
    try:
        _main(argv)
    except SystemExit as exc:
        from micropack.tracers.base import work_abandoned
        if work_abandoned():
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(exc.code if isinstance(exc.code, int) else 1)
        raise


def _main(argv: list[str] | None) -> None:
    import shutil
    import tempfile

    from micropack import cleanup
    args = sys.argv[1:] if argv is None else argv
    from micropack.record import MADE
    debug = False
    install_signal_handling()
    MADE.clear()
    run_tmp: str | None = None
    try:
        with cli.make_context("micropack", args) as ctx:
            debug = bool(ctx.params.get("debug"))
            # Every temporary file of this run goes in one directory named for
            # it, removed on every way out; one a SIGKILL left is removed by
            # the next run (cleanup.sweep_temp) once its owner is gone.
            base = cleanup.base_tempdir()
            cleanup.quietly(lambda: _cheap_sweep(base), lambda _: None)
            run_tmp = tempfile.mkdtemp(prefix=cleanup.run_temp_prefix(), dir=base)
            tempfile.tempdir = run_tmp
            cli.invoke(ctx)
            check_interrupted()     # one Python swallowed after the last checkpoint
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        say("aborted")
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except (KeyboardInterrupt, Interrupted) as exc:
        cleanup.remove_own(_ENGINES)
        code = exc.exit_code if isinstance(exc, Interrupted) else 130
        name = exc.signame if isinstance(exc, Interrupted) else "SIGINT"
        # (not what it made in its own temporary directory, removed below:
        # the line named a rootfs.tar and an image.tar as staying, gone)
        made = [m for m in dict.fromkeys(MADE) if run_tmp is None or not m.startswith(run_tmp + os.sep)]
        if made:
            say(f"interrupted by {name}: stopped after it had made {', '.join(made)}, "
                "which stay; the rest of what this run created was removed")
        else:
            say(f"interrupted by {name}: stopped, and what this run created was removed")
        sys.exit(code)
    except Exception as exc:
        cleanup.remove_own(_ENGINES)
        if debug:
            traceback.print_exc()
        signalled = _interruption_behind(exc)
        if signalled is not None:
            # an error while unwinding from a signal: the user stopped the
            # run, and the exit says so; the error is named, not hidden
            say(f"interrupted by {signalled.signame}: stopped; while stopping: {one_line(exc)}")
            sys.exit(signalled.exit_code)
        say(f"error: {one_line(exc)}")
        sys.exit(exc.exit_code if isinstance(exc, MicropackError) else 1)
    finally:
        if run_tmp is not None:
            tempfile.tempdir = None
            shutil.rmtree(run_tmp, ignore_errors=True)
    sys.exit(0)


def _cheap_sweep(base: str) -> Any:
    """At every start: what killed runs left in the temporary directory and
    the cgroup tree (containers need the engine: minify, pack and cleanup)."""
    from micropack import cleanup
    done = cleanup.Sweep()
    cleanup.sweep_cgroups(done, attempts=1)
    cleanup.sweep_temp(done, base=base)
    return done


def one_line(exc: Exception) -> str:
    """The line a user sees for any error, one line whatever names it
    carries (a file name with a newline in it made three)."""
    from micropack.progress import escaped
    return escaped(_describe(exc))


def _describe(exc: Exception) -> str:
    """Ours say it themselves; the system's are named with what failed."""
    if isinstance(exc, MicropackError):
        return str(exc)
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if exc.filename else ""
        if exc.errno in (errno.ENOSPC, errno.EDQUOT) and not exc.filename:
            from micropack import cleanup
            return (f"{exc.strerror} (in the temporary directory {cleanup.base_tempdir()} or where an "
                    "output goes: free space there, or point TMPDIR at a larger filesystem)")
        return f"{where}{exc.strerror or exc}"
    if isinstance(exc, subprocess.SubprocessError):
        cmd = getattr(exc, "cmd", "a command")
        program = cmd[0] if isinstance(cmd, list | tuple) and cmd else cmd
        if isinstance(exc, subprocess.TimeoutExpired):
            return f"{program} did not finish within {exc.timeout:.0f}s"
        if isinstance(exc, subprocess.CalledProcessError):
            return f"{program} failed with status {exc.returncode}"
    return f"{type(exc).__name__}: {exc} (a bug in micropack: rerun with --debug and report it)"


_NAME_COMPONENT = re.compile(r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*")
_DOMAIN = re.compile(r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
                     r"(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*(?::[0-9]+)?")
_TAG = re.compile(r"[\w][\w.-]{0,127}", re.ASCII)      # (docker's \w is ASCII's)


def check_image_name(ref: str, option: str = "-t") -> None:
    """-t NAME[:TAG] as docker's reference grammar has it, checked before a
    trace, a pack and a build that it would otherwise fail at the end of."""
    name, tag = ref, None
    head, colon, tail = ref.rpartition(":")
    if colon and "/" not in tail:
        name, tag = head, tail
    problem = None
    if not name or len(name) > 255:
        problem = "the name must have 1 to 255 characters"
    elif tag is not None and not _TAG.fullmatch(tag):
        problem = f"tag {tag!r} must be letters, digits, '_', '.' or '-' (not first), at most 128"
    else:
        parts = name.split("/")
        if len(parts) > 1 and (_DOMAIN.fullmatch(parts[0]) and
                               ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost")):
            parts = parts[1:]
        bad = next((p for p in parts if not _NAME_COMPONENT.fullmatch(p)), None)
        if bad is not None:
            problem = (f"{bad!r} is not a valid name component (lowercase letters and digits, "
                       "separated by '.', '_', '__' or '-')")
    if problem:
        raise UsageError(f"{option} {ref}: not an image name: {problem}")


_IMAGE_ID = re.compile(r"(sha256:)?[0-9a-f]{1,64}")
_DIGEST = re.compile(r"[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[0-9a-fA-F]{32,}")


def check_image_reference(ref: str, option: str = "IMAGE") -> None:
    """An image to read: NAME[:TAG][@DIGEST] or an image id. A name no
    runtime could hold was sent to the daemon, whose answer to it was
    docker's "page not found"."""
    if _IMAGE_ID.fullmatch(ref):
        return
    name, at, digest = ref.partition("@")
    if at and not _DIGEST.fullmatch(digest):
        raise UsageError(f"{option} {ref}: not an image name: digest {digest!r} must be "
                         "ALGORITHM:HEX (sha256:...)")
    check_image_name(name, option)


_ENGINES: list[Any] = []      # the engines this run used: swept of its own containers on failure


def engine_of(name: str, container: str | None = None, image: str | None = None) -> Any:
    """The runtime called name; for `auto`, the one that has the container or image."""
    from micropack import runtimes
    engine = runtimes.find(name, container=container, image=image)
    # (containerd with no socket where it was told to look: ctr dialled
    # for 20 to 70 s, then said the image or container was not found)
    problems = type(engine).missing()
    if problems:
        raise TargetError(f"the {engine.name} runtime cannot be used here: it needs {'; '.join(problems)}")
    _ENGINES.append(engine)
    return engine


runtime_option = click.option(
    "--runtime", default="docker", show_default=True, metavar="NAME",
    help="Container runtime that has the container or image: docker, podman, containerd "
         "(CONTAINERD_ADDRESS, CONTAINERD_NAMESPACE), or auto to find it.")


# --- trace ---------------------------------------------------------------------

def _target_from(runtime: str, container: str | None, pid: int | None,
                 cgroup_path: str | None) -> Any:
    from micropack import target
    chosen = [x for x in (container, pid, cgroup_path) if x is not None]
    if len(chosen) != 1:
        raise UsageError("name exactly one target: --container, --pid or --cgroup")
    if container is not None:
        return target.for_container(engine_of(runtime, container=container), container)
    if pid is not None:
        return target.for_pid(pid)
    assert cgroup_path is not None
    return target.for_cgroup(cgroup_path)


@cli.command(context_settings={"ignore_unknown_options": False})
@click.option("--container", "-c", metavar="ID|NAME", help="Container (short id, id or name).")
@runtime_option
@click.option("--pid", type=int, help="Trace the cgroup of this process (any runtime).")
@click.option("--cgroup", "cgroup_path", metavar="PATH", help="Trace this cgroup v2 directory.")
@click.option("--backend", type=click.Choice(["auto", "ebpf", "sysdig"]), default="auto",
              show_default=True)
@click.option("-o", "--output", default="-", show_default=True, help="files.txt to write.")
@click.option("--events", "events_path", metavar="FILE",
              help="Write every event as JSON lines, lookups that found nothing too "
                   "(without it the kernel drops those unread).")
@click.option("--keep-pseudo", is_flag=True, help="Keep /proc, /sys and /dev paths in files.txt.")
@click.option("--duration", type=float, metavar="SECONDS", help="Stop after this long.")
@click.option("--fail-on-loss", is_flag=True, help="Exit non-zero if any kernel event was lost.")
@click.option("--ringbuf-mb", type=int, default=64, show_default=True,
              help="eBPF ring buffer size.")
@click.option("--from-capture", metavar="FILE.scap",
              help="sysdig: read this capture instead of tracing live.")
@click.option("--print-program", is_flag=True, help="eBPF: print the BPF program and its cflags.")
@click.option("--seccomp", "seccomp_out", metavar="FILE.json",
              help="eBPF: also write a seccomp profile allowing the syscalls made.")
@click.argument("command", nargs=-1, type=click.UNPROCESSED)
@click.pass_obj
def trace(app: App, container: str | None, runtime: str, pid: int | None, cgroup_path: str | None,
          backend: str, output: str, events_path: str | None, keep_pseudo: bool,
          duration: float | None, fail_on_loss: bool, ringbuf_mb: int,
          from_capture: str | None, print_program: bool, seccomp_out: str | None,
          command: tuple[str, ...]) -> None:
    """Record every file a container uses and write files.txt.

    Stops on Ctrl-C, SIGTERM, --duration, the target's exit, or when
    COMMAND (given after --) ends; then micropack exits with its status.
    """
    from micropack import tracing
    # everything that can be checked is, before the trace: its result is
    # not lost to a typo found at the end
    outputs = ((output, "-o"), (events_path, "--events"), (seccomp_out, "--seccomp"))
    _check_outputs(*outputs)
    stdout = [option for dest, option in outputs if dest == "-"]
    if len(stdout) > 1:
        raise UsageError(f"{' and '.join(stdout)} both write to stdout (-): give one of them a file")
    if duration is not None:
        _check_seconds(duration, "--duration")
    ringbuf_mb = _ringbuf_size(ringbuf_mb)
    paused = False
    if container is not None and pid is None and cgroup_path is None and not from_capture:
        paused = engine_of(runtime, container=container).container(container).status == "paused"
        if paused:
            say(f"WARNING: container {container} is paused: it makes no system calls, so nothing "
                f"is traced until it is unpaused (docker unpause {container})")
    result = tracing.trace_to_files(
        backend=backend,
        target_factory=lambda: _target_from(runtime, container, pid, cgroup_path),
        output=output, events_path=events_path, keep_pseudo=keep_pseudo,
        duration=duration, command=command, ringbuf_mb=ringbuf_mb,
        from_capture=from_capture, container_filter=container,
        print_program=print_program, seccomp_out=seccomp_out)
    stats = result.outcome.stats
    say(f"stopped: {result.outcome.reason}; {stats.emitted} events, "
        f"{result.files} files written to {output if output != '-' else 'stdout'}")
    if paused and not stats.emitted:
        say(f"no events: container {container} stayed paused (docker unpause {container})")
    for note in stats.notes:
        say(f"WARNING: {note}")
    if stats.lost or stats.unreadable_paths or stats.unresolved_paths:
        say(f"WARNING: {stats.lost} kernel events LOST (full ring buffer, 32-bit calls it "
            f"cannot decode, or a full table of processes), {stats.unreadable_paths} paths unreadable, "
            f"{stats.unresolved_paths} relative paths unresolved: files.txt may be incomplete "
            "(try a larger --ringbuf-mb)")
        if fail_on_loss:
            raise EventsLost(f"{stats.lost + stats.unreadable_paths + stats.unresolved_paths} "
                             "events lost or incomplete and --fail-on-loss was given")
    if result.outcome.command_status is not None:
        sys.exit(result.outcome.command_status)


# The kernel's largest BPF ring buffer: max_entries is a 32-bit power of two.
RINGBUF_MAX_MB = 2048


def _ringbuf_size(mb: int) -> int:
    """--ringbuf-mb checked before anything is loaded: the kernel's refusal
    reads "Failed to compile BPF module", and 0 or less once became a page."""
    if not 1 <= mb <= RINGBUF_MAX_MB:
        raise UsageError(f"--ringbuf-mb {mb}: give 1 to {RINGBUF_MAX_MB} (MB of kernel memory "
                         "for the event ring buffer; 64 is the default)")
    power = 1 << (mb.bit_length() - 1)
    if power != mb:
        say(f"note: --ringbuf-mb {mb} is rounded down to {power} (a ring buffer is a power of two)")
    return power


# --- pack ----------------------------------------------------------------------

def _read_globs(path: str) -> list[str]:
    from micropack.errors import InputError
    from micropack.record import input_lines
    out = []
    for n, line in input_lines(path):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if not line.startswith("/"):
            raise InputError(path, n, f"pattern is not absolute: {line!r}")
        out.append(line)
    return out


@cli.command()
@click.option("-i", "--input", "input_path", required=True, metavar="files.txt",
              help="Paths to keep (micropack trace writes it).")
@click.option("-o", "--output", required=True, metavar="rootfs.tar")
@click.option("--container", help="Read from this running container (nothing is copied into it).")
@click.option("--pid", type=int, help="Read from the root of this process (any runtime, or none).")
@click.option("--image", help="Read from this image (a read-only mount of its layers).")
@click.option("--rootfs", type=click.Path(), help="Read from this directory.")
@click.option("--tar", "tar_path", type=click.Path(), help="Read from this export tar.")
@runtime_option
@click.option("--include", multiple=True, metavar="GLOB", help="Also keep these (repeatable).")
@click.option("--exclude", multiple=True, metavar="GLOB", help="Never keep these (repeatable).")
@click.option("--include-from", metavar="FILE", help="Include globs, one per line.")
@click.option("--exclude-from", metavar="FILE", help="Exclude globs, one per line.")
@click.option("--keep", multiple=True, type=click.Choice(sorted(PRESETS)),
              help="Presets of what people expect to keep.")
@click.option("--packages", "packages_out", metavar="FILE",
              help="Write the distro package of each kept file.")
@click.option("--report", "report_out", metavar="FILE.json",
              help="Every kept and skipped path with why, and totals.")
@click.option("--mtime", type=int, metavar="EPOCH", help="Set every entry's mtime.")
@click.option("--granularity", type=click.Choice(GRANULARITIES), default=DEFAULT_GRANULARITY,
              show_default=True,
              help="file: the traced files and what they need; unit: also whole what the workload "
                   "used (application trees, language packages, packages of programs it ran); "
                   "package: also every distro package of a used file.")
@click.option("--events", "events_path", metavar="events.jsonl",
              help="The trace's events (trace --events): which programs ran, which directories "
                   "were listed. Without them every traced program counts as run.")
def pack(input_path: str, output: str, container: str | None, pid: int | None, image: str | None,
         rootfs: str | None, tar_path: str | None, runtime: str, include: tuple[str, ...],
         exclude: tuple[str, ...], include_from: str | None, exclude_from: str | None,
         keep: tuple[str, ...], packages_out: str | None, report_out: str | None,
         mtime: int | None, granularity: str, events_path: str | None) -> None:
    """Pack the files in files.txt, and all they need, into a reproducible rootfs tar."""
    from micropack import pack as pack_mod
    from micropack import progress, record, resolve
    from micropack.source import open_source
    _check_outputs((output, "-o"), (report_out, "--report"), (packages_out, "--packages"))
    if image is not None:
        check_image_reference(image, "--image")
    warnings: list[str] = []
    paths = record.read_files_txt(input_path, warnings)
    for w in warnings:
        say(f"warning: {w}")
    rules = resolve.Rules(include=list(include), exclude=list(exclude))
    if include_from:
        rules.include += _read_globs(include_from)
    if exclude_from:
        rules.exclude += _read_globs(exclude_from)
    for preset in keep:
        rules.add_preset(preset)
    rules.check(granularity)
    events = list(record.read_events(events_path)) if events_path else None
    engine = engine_of(runtime, container=container, image=image) if (container or image) else None
    if image and engine is not None:
        _sweep(engine)      # an export container a killed pack --image left
    what = container or image or rootfs or tar_path or (f"pid {pid}" if pid else "the source")
    with contextlib.ExitStack() as stack:
        with progress.step(f"reading {what}"):
            src = stack.enter_context(open_source(engine, container=container, image=image,
                                                  rootfs=rootfs, tar=tar_path, pid=pid))
        with progress.step(f"packing {len(paths)} paths and what they need into {output}"):
            report = pack_mod.pack_files(src, paths, output, rules, mtime=mtime,
                                        packages_out=packages_out, report_out=report_out,
                                        granularity=granularity, events=events)
    for w in report.warnings:
        say(f"warning: {w}")
    say(report.summary())


# --- build and minify ----------------------------------------------------------

@cli.command()
@click.option("--from-image", "original", required=True, metavar="IMAGE",
              help="Carry this image's config over (Env, Entrypoint, Cmd, User, ...).")
@click.option("-i", "--input", "rootfs_tar", required=True, type=click.Path(), metavar="rootfs.tar")
@click.option("-t", "--tag", metavar="NAME:TAG", help="Name of the image to build.")
@click.option("--dockerfile", metavar="DIR", help="Write a FROM scratch Dockerfile and rootfs.tar to DIR.")
@click.option("--oci", metavar="FILE.tar",
              help="Write one archive docker, podman and containerd all load (OCI layout plus "
                   "docker's manifest.json), without any runtime.")
@click.option("--oci-dir", metavar="DIR", help="Write an OCI image layout directory (skopeo oci:DIR:TAG).")
@click.option("--push", metavar="REF", help="Load the image as REF and push it through the runtime.")
@runtime_option
def build(original: str, rootfs_tar: str, tag: str | None, dockerfile: str | None,
          oci: str | None, oci_dir: str | None, push: str | None, runtime: str) -> None:
    """Build an image from a packed rootfs and the original image's config."""
    from micropack import image, progress
    from micropack.record import MADE
    if (tag, dockerfile, oci, oci_dir, push) == (None,) * 5:
        raise UsageError("say what to build: -t NAME:TAG, --dockerfile DIR, --oci FILE.tar, "
                         "--oci-dir DIR or --push REF")
    check_image_reference(original, "--from-image")
    for name, option in ((tag, "-t"), (push, "--push")):
        if name is not None:
            check_image_name(name, option)
    _check_outputs((oci, "--oci"))
    for option, directory in (("--dockerfile", dockerfile), ("--oci-dir", oci_dir)):
        if directory is None:
            continue
        if not directory:
            raise UsageError(f"{option} '': an empty directory name: name the directory to write")
        where = Path(directory) if Path(directory).is_dir() else Path(directory).parent
        if not where.is_dir():
            raise UsageError(f"{option} {directory}: directory {where} does not exist")
        # (on a read-only filesystem the build failed at its end, exit 1)
        if not os.access(where, os.W_OK | os.X_OK):
            raise UsageError(f"{option} {directory}: directory {where} is not writable")
    engine = engine_of(runtime, image=original)
    info = engine.image(original)
    if oci or oci_dir or push:
        what = " and ".join(x for x in (oci, oci_dir, push and f"pushing {push}") if x)
        with progress.step(f"writing {what}"):
            image_id = image.build(engine, info, Path(rootfs_tar), tag, oci=oci, oci_dir=oci_dir,
                                   push=push)
        if oci:
            say(f"wrote {oci}, image {image_id[:19]} (load it with docker load -i, podman load -i "
                "or ctr images import)")
        if oci_dir:
            say(f"wrote the OCI layout {oci_dir}, image {image_id[:19]}")
        if push:
            say(f"pushed {push} through {engine.name}, image {image_id[:19]}")
    if dockerfile:
        path = image.write_dockerfile(info, Path(rootfs_tar), Path(dockerfile))
        say(f"wrote {path} and rootfs.tar beside it")
    if tag and not (oci or oci_dir or push):
        # (a signal during the load acts after it: the tag it made goes again)
        with _building(engine, tag), _removed_on_failure(engine, tag), \
                progress.step(f"building and loading {tag}"):
            image.build(engine, info, Path(rootfs_tar), tag)
        MADE.append(f"image {tag}")
        say(f"built {tag} in {engine.name}")


# docker run -p's forms: 80, 8080:80, 127.0.0.1:8080:80, 127.0.0.1::80, [::1]:8080:80,
# 8000-8010:80-90, 80/udp
PUBLISH = re.compile(r"^(?:(?:\[[0-9A-Fa-f:.]+\]|[0-9.]+):)?(?:(?:\d{1,5}(?:-\d{1,5})?)?:)?"
                     r"\d{1,5}(?:-\d{1,5})?(?:/(?:tcp|udp|sctp))?$")


def _run_options(network: str | None, env: tuple[str, ...], volume: tuple[str, ...],
                 user: str | None, publish: tuple[str, ...], entrypoint: str | None,
                 cmd: str | None, workdir: str | None) -> Any:
    import shlex

    from micropack.runtimes.base import RunOptions
    for item in env:
        if not item.split("=", 1)[0]:
            raise UsageError(f"-e {item!r}: give NAME=VALUE, or NAME to pass this environment's value")
    words = None
    if cmd is not None:
        try:
            words = shlex.split(cmd)
        except ValueError as exc:
            raise UsageError(f"--cmd {cmd!r}: {str(exc).lower()} (it is split as a shell would)") from exc
        if not words:
            raise UsageError(f"--cmd {cmd!r}: an empty command: leave --cmd out for the image's own")
    # (what the runtime would refuse only after the BPF programs are loaded)
    if workdir is not None and not workdir.startswith("/"):
        raise UsageError(f"-w {workdir!r}: give an absolute path (the container's working directory)")
    for item in publish:
        if not PUBLISH.match(item):
            raise UsageError(f"-p {item!r}: give [IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL], "
                             "as docker run -p")
    return RunOptions(network=network, env=list(env), volumes=list(volume), user=user,
                      publish=list(publish), entrypoint=entrypoint, cmd=words, workdir=workdir)


def _check_outputs(*outputs: tuple[str | None, str]) -> None:
    """Each output given (dest, option) can be written (record.check_output);
    an empty name is one given, and refused."""
    from micropack.record import check_output
    for dest, option in outputs:
        if dest is not None:
            check_output(dest, option)


# The longest time limit: what the system's waits take (poll's milliseconds
# in an int; --exit-timeout 3e6 ended a whole traced run in OverflowError)
MAX_SECONDS = 2_000_000


def _check_seconds(value: float, option: str, zero: bool = False) -> None:
    """A time limit is a positive (or, where it means "no wait", zero),
    finite number of seconds, up to MAX_SECONDS: --duration -1 traced for
    an instant and nan until a signal."""
    if not (math.isfinite(value) and (value > 0 or zero and value == 0)):
        raise UsageError(f"{option} {value}: give a positive number of seconds")
    if value > MAX_SECONDS:
        raise UsageError(f"{option} {value}: give at most {MAX_SECONDS} seconds (23 days)")


def _check_probes(probe_exec: tuple[str, ...], probe_http: tuple[str, ...],
                  probe_cmd: tuple[str, ...]) -> None:
    """Each probe says something to run or ask: an empty one would pass
    for nothing, a URL that is no http(s) one fail only after the trace."""
    import urllib.parse
    for option, values in (("--probe-exec", probe_exec), ("--probe-cmd", probe_cmd),
                           ("--probe-http", probe_http)):
        for value in values:
            if not value.strip():
                raise UsageError(f"{option} {value!r}: an empty probe")
    for url in probe_http:
        try:
            parts = urllib.parse.urlsplit(url)
            _ = parts.port      # (raises on a port that is no number)
        except ValueError as exc:
            raise UsageError(f"--probe-http {url!r}: not a URL: {exc}") from exc
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise UsageError(f"--probe-http {url!r}: not an http:// or https:// URL with a host")


class _VerifiedFailure(Exception):
    """A verification that failed: its image is kept for a look (exit 4)."""

    def __init__(self, error: MicropackError) -> None:
        super().__init__(str(error))
        self.error = error


def _report_minified(report: Any, report_out: str | None, html_out: str | None = None,
                     keep_on_failure: bool = False) -> None:
    """Summary, optional JSON and HTML reports (written also when
    verification failed: that is when they are read), and a failure that
    names the probe."""
    from micropack import record
    if report_out:
        record.write_json(report.as_json(), report_out)
    if html_out:
        from micropack import report_html
        report_html.write(report_html.read_report(report.as_json()), html_out,
                          source_name=report_out or "")
        say(f"wrote {html_out}")
    say(report.summary())
    failure = report.failure()
    if failure is not None:
        if keep_on_failure:
            raise _VerifiedFailure(failure)
        raise failure


@contextmanager
def _building(engine: Any, tag: str) -> Iterator[None]:
    """Held while a run makes the image tag: a second run on the same tag
    is refused at once. Two minify runs on one tag each verified the image
    the other had just loaded under it (one added a round it did not need,
    the other reported an image that no longer existed). A lock of the
    kernel's: released however the run ends, its file removed by its
    holder (each tag's stayed in /run/lock, 339 of them); one taken on a
    file removed meanwhile is taken again on the file now there."""
    import fcntl

    from micropack import cleanup
    path = cleanup.tag_lock_path(engine.name, tag)
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise UsageError(f"-t {tag}: another micropack run is making that image in {engine.name} "
                             "now: wait for it, or give another tag") from None
        try:
            if os.stat(path).st_ino == os.fstat(fd).st_ino:
                break
        except FileNotFoundError:
            pass
        os.close(fd)            # (its holder removed it as it ended: the file now there is the lock)
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)
        os.close(fd)


@contextmanager
def _removed_on_failure(engine: Any, tag: str) -> Iterator[None]:
    """The image minify builds is removed again when it is interrupted or
    fails before its verdict (a tag that was there before is left alone: the
    load has already moved it). A failed verification keeps it, to look at."""
    existed = engine.has_image(tag)
    try:
        yield
    except _VerifiedFailure as exc:
        raise exc.error from None
    except BaseException:
        if not existed and engine.has_image(tag):
            engine.remove_image(tag)
        raise


@cli.command()
@click.argument("image_ref", metavar="IMAGE")
@click.option("-t", "--tag", required=True, metavar="NAME:TAG", help="Name of the minified image.")
@click.option("--cmd", help="Command to run instead of the image's own (shell words).")
@click.option("--probe-exec", multiple=True, metavar="CMD", help="Run CMD inside the container (sh -c).")
@click.option("--probe-http", multiple=True, metavar="URL",
              help="GET URL; 2xx or 3xx passes. Asked twice where the original answers twice "
                   "(a cache the first request makes is read by the next).")
@click.option("--probe-cmd", multiple=True, metavar="CMD",
              help="Run CMD on the host with MICROPACK_CONTAINER_ID/ADDR set.")
@click.option("--compare-output", is_flag=True, help="Probes must also print the same output.")
@click.option("--network")
@click.option("-e", "--env", multiple=True, metavar="NAME[=VALUE]",
              help="Set in every run, as docker run -e; NAME=VALUE also goes into the minified "
                   "image's Env (over the original's), NAME alone passes this shell's value to "
                   "the runs only, never into the image.")
@click.option("-v", "--volume", multiple=True)
@click.option("-u", "--user")
@click.option("-p", "--publish", multiple=True)
@click.option("--entrypoint")
@click.option("-w", "--workdir")
@runtime_option
@click.option("--max-rounds", type=int, default=3, show_default=True)
@click.option("--ready-timeout", type=float, default=30, show_default=True,
              help="Seconds a probe is retried while the service starts.")
@click.option("--exit-timeout", type=float, default=120, show_default=True,
              help="Without probes: seconds to wait for the container to exit.")
@click.option("--keep", multiple=True, type=click.Choice(sorted(PRESETS)))
@click.option("--include", multiple=True, metavar="GLOB")
@click.option("--exclude", multiple=True, metavar="GLOB")
@click.option("--report", "report_out", metavar="FILE.json")
@click.option("--html", "html_out", metavar="FILE.html",
              help="Also write the report as one self-contained HTML page (see: micropack report).")
@click.option("--seccomp", "seccomp_out", metavar="FILE.json",
              help="Also write a seccomp profile of the syscalls made, and verify under it.")
@click.option("--granularity", type=click.Choice(GRANULARITIES), default=DEFAULT_GRANULARITY,
              show_default=True, help="What to keep whole (see pack --help).")
@click.option("--no-healthcheck", is_flag=True,
              help="Do not run the image's HEALTHCHECK as a probe (it is by default, since the "
                   "minified image carries it); the minified image then has none.")
def minify(image_ref: str, tag: str, cmd: str | None, probe_exec: tuple[str, ...],
           probe_http: tuple[str, ...], probe_cmd: tuple[str, ...], compare_output: bool,
           network: str | None, env: tuple[str, ...], volume: tuple[str, ...], user: str | None,
           publish: tuple[str, ...], entrypoint: str | None, workdir: str | None, runtime: str,
           max_rounds: int, ready_timeout: float, exit_timeout: float, keep: tuple[str, ...],
           include: tuple[str, ...], exclude: tuple[str, ...], report_out: str | None,
           html_out: str | None, seccomp_out: str | None, granularity: str,
           no_healthcheck: bool) -> None:
    """Image in, smaller verified image out: trace, probe, pack, build, verify.
    The image's own HEALTHCHECK is one more probe."""
    from micropack import cleanup, resolve
    from micropack import minify as minify_mod
    from micropack.probes import Probe
    from micropack.record import MADE
    from micropack.runs import Drive
    # the checks a trace, an export and a build must not wait for
    check_image_reference(image_ref)
    check_image_name(tag)
    _check_outputs((report_out, "--report"), (seccomp_out, "--seccomp"), (html_out, "--html"))
    if max_rounds < 1:
        raise UsageError(f"--max-rounds {max_rounds}: give 1 or more")
    for value, option in ((ready_timeout, "--ready-timeout"), (exit_timeout, "--exit-timeout")):
        _check_seconds(value, option, zero=True)
    _check_probes(probe_exec, probe_http, probe_cmd)
    probes = ([Probe("exec", p) for p in probe_exec] + [Probe("http", p) for p in probe_http]
              + [Probe("cmd", p) for p in probe_cmd])
    rules = resolve.Rules(include=list(include), exclude=list(exclude))
    for preset in keep:
        rules.add_preset(preset)
    rules.check(granularity)
    opts = _run_options(network, env, volume, user, publish, entrypoint, cmd, workdir)
    engine = engine_of(runtime, image=image_ref)
    engine.check_run(opts)
    _sweep(engine)
    # (from the outputs' first write to the image kept, a signal waits: all
    # of them and the image, or, stopped before, none)
    writing = cleanup.Held()
    try:
        with _building(engine, tag), _removed_on_failure(engine, tag):
            report = minify_mod.minify(engine, image_ref, tag, opts,
                                       Drive(probes, ready_timeout, exit_timeout), rules, say,
                                       compare_output=compare_output, max_rounds=max_rounds,
                                       outputs=minify_mod.Outputs(report=report_out, seccomp=seccomp_out),
                                       granularity=granularity, healthcheck=not no_healthcheck,
                                       writing=writing.hold)
            _report_minified(report, report_out, html_out, keep_on_failure=True)
        MADE.append(f"image {tag}")
    except BaseException:
        writing.release(act=False)
        raise
    writing.release()


@cli.command()
@click.option("-t", "--tag", default="micropack-demo/redis:minified", show_default=True)
@click.option("--report", "report_out", metavar="FILE.json")
@click.option("--html", "html_out", metavar="FILE.html", help="Also write the report as an HTML page.")
def demo(tag: str, report_out: str | None, html_out: str | None) -> None:
    """Build the local fat image and minify a redis server out of it, verified
    with its own client (no network: the probes run inside the container)."""
    from micropack import debimage, resolve
    from micropack import minify as minify_mod
    from micropack.probes import Probe
    from micropack.runs import Drive
    from micropack.runtimes.base import RunOptions
    _check_outputs((report_out, "--report"), (html_out, "--html"))
    check_image_name(tag)
    engine = engine_of("docker")
    fat = debimage.ensure(engine, "fat")
    say(f"demo: minifying a redis server out of {fat}")
    opts = RunOptions(network="none", cmd=[
        "redis-server", "--port", "6379", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
    probes = [Probe("exec", "redis-cli ping"),
              Probe("exec", "redis-cli set greeting hello && redis-cli get greeting")]
    report = minify_mod.minify(engine, fat, tag, opts, Drive(probes), resolve.Rules(), say,
                               compare_output=True, outputs=minify_mod.Outputs(report=report_out))
    _report_minified(report, report_out, html_out)
    click.echo(f"run it: docker run --rm --network none {tag}")


# --- cleanup -------------------------------------------------------------------

def _sweep(engine: Any) -> None:
    """What killed runs left (containers, cgroups, temporary files), removed
    before a run that creates more; never what a live run owns."""
    from micropack import cleanup
    cleanup.quietly(lambda: cleanup.sweep(engine), say)


@cli.command()
@click.option("--runtime", metavar="NAME",
              help="Only this runtime's containers (default: every runtime usable here).")
@click.option("--dry-run", is_flag=True, help="Only say what would be removed.")
def cleanup(runtime: str | None, dry_run: bool) -> None:
    """Remove what killed micropack runs left behind: containers labelled
    io.micropack.run=PID@BOOT, cgroups micropack-PID-*, temporary directories
    micropack-PID-*. Only when PID is dead on this boot: a live run's are kept."""
    from micropack import cleanup as cleanup_mod
    from micropack import runtimes
    engines = [engine_of(runtime)] if runtime else runtimes.usable()
    done = cleanup_mod.sweep(engines, dry_run=dry_run)
    verb = "would remove" if dry_run else "removed"
    for r in done.removed:
        say(f"{verb} {r}")
    for k in done.kept:
        say(f"kept {k}")
    for f in done.failed:
        say(f"could not remove {f}")
    say(f"{len(done.removed)} leftover(s) {verb}, {len(done.kept)} kept"
        + (f", {len(done.failed)} could not be removed" if done.failed else ""))
    if done.failed:
        raise MicropackError(f"{len(done.failed)} leftover(s) could not be removed: "
                             + "; ".join(done.failed))


# --- report and debug ----------------------------------------------------------

@cli.command()
@click.argument("report_path", metavar="REPORT.json")
@click.option("-o", "--output", required=True, metavar="FILE.html", help="The page to write.")
def report(report_path: str, output: str) -> None:
    """Show a minify or pack report as one self-contained HTML page: sizes by
    package and directory, what was dropped, every kept path and why, probes
    per round, the seccomp profile. It needs no network to be viewed."""
    from micropack import report_html
    from micropack.record import check_output
    check_output(output, "-o")     # (a read-only directory was named by a temporary file's name)
    report_html.write(report_html.load(report_path), output, source_name=Path(report_path).name)
    say(f"wrote {output}")


@cli.command("debug", context_settings={"ignore_unknown_options": False})
@click.argument("container", metavar="CONTAINER")
@click.option("--image", metavar="IMAGE",
              help="Toolbox image (default: a local Debian with bash, ps, ip, ss, strace, lsof, "
                   "less, curl, built once with debootstrap).")
@runtime_option
@click.argument("command", nargs=-1, type=click.UNPROCESSED)
def debug_command(container: str, image: str | None, runtime: str, command: tuple[str, ...]) -> None:
    """Inspect a running container that has no shell: run a throwaway toolbox
    in its pid, network and IPC namespaces, with its files under
    /proc/1/root. COMMAND (after --) runs instead of a shell; micropack
    exits with its status. The toolbox container is removed at the end."""
    from micropack import debug
    if image is not None:
        check_image_reference(image, "--image")
    sys.exit(debug.debug(engine_of(runtime, container=container), container, image, command, say))


# --- test images ---------------------------------------------------------------

@cli.command("test-image")
@click.argument("name", default="fat")
def test_image(name: str) -> None:
    """Build (or reuse) a local Debian image for tests and the demo; print its tag."""
    from micropack import debimage
    click.echo(debimage.ensure(engine_of("docker"), name))


if __name__ == "__main__":
    main()
