"""What a killed micropack left behind, removed by the next run or by
`micropack cleanup`, and never what a live run still uses.

Everything a run creates is named or labelled for its owner: containers
carry the label io.micropack.run=<pid>@<boot id>, traced cgroups are named
micropack-<pid>-<hex>, and the run's temporary directory (where every
temporary file and export of the run lives) is micropack-<pid>-<boot>-<random>
in the temporary directory. A leftover is removed only when its owner is
gone for certain: the boot id is this boot's and no process has that pid.
Anything of another boot is reported and kept: a container engine or a
temporary directory may be shared with another machine, where that pid may
well be alive."""
from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from micropack import cgroup
from micropack.errors import Interrupted
from micropack.runtimes.base import Engine

_TEMP = re.compile(r"^micropack-(\d+)-([0-9a-f]{8})-")


def boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return "unknown"


def pid_alive(pid: int) -> bool:
    """Whether a process with this pid exists (a zombie counts as alive)."""
    if pid <= 0:
        return True          # not a pid we can judge: keep what it owns
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def owner_gone(pid: int, boot: str) -> bool:
    """True only when the owner is certainly dead: this boot, no such pid."""
    current = boot_id()
    return current != "unknown" and boot in (current, current[:8]) and not pid_alive(pid)


def parse_owner(tag: str) -> tuple[int, str] | None:
    """The LABEL value "<pid>@<boot id>"; None when it is not one."""
    pid, at, boot = tag.partition("@")
    if not at or not pid.isdigit() or not boot:
        return None
    return int(pid), boot


def run_temp_prefix() -> str:
    """The name a run's temporary directory starts with."""
    return f"micropack-{os.getpid()}-{boot_id()[:8]}-"


# The temporary directory as the environment names it, before a run points
# tempfile at its own directory inside it.
_BASE_TEMP: str | None = None


def base_tempdir() -> str:
    global _BASE_TEMP
    if _BASE_TEMP is None:
        _BASE_TEMP = tempfile.gettempdir()
    return _BASE_TEMP


@dataclass
class Sweep:
    removed: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)       # of a live owner or another boot
    failed: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return ([f"removed {r}" for r in self.removed] + [f"kept {k}" for k in self.kept]
                + [f"could not remove {f}" for f in self.failed])


def sweep_containers(engine: Engine, out: Sweep, dry_run: bool = False) -> None:
    for cid, tag in engine.leftovers():
        owner = parse_owner(tag)
        if owner is not None and owner[0] == os.getpid() and owner[1] == boot_id():
            continue            # this run's own
        what = f"container {cid[:12]} (run {tag or 'unknown'})"
        if owner is None or not owner_gone(*owner):
            out.kept.append(what + (": its run is alive" if owner and owner[1] == boot_id()
                                    else ": of another boot or host"))
            continue
        if not dry_run:
            engine.remove(cid)
            if engine.has_container(cid):
                out.failed.append(what)
                continue
        out.removed.append(what)


def sweep_views(engine: Engine, out: Sweep, dry_run: bool = False) -> None:
    """Image views killed runs left in a runtime's store (containerd's
    snapshots of `ctr images mount`)."""
    for key, pid, boot in engine.leftover_views():
        if pid == os.getpid() and boot == boot_id()[:8]:
            continue
        what = f"{engine.name} image view {key}"
        if not owner_gone(pid, boot):
            out.kept.append(what + (": its run is alive" if boot == boot_id()[:8]
                                    else ": of another boot"))
            continue
        if not dry_run:
            engine.remove_view(key)
            if any(k == key for k, _, _ in engine.leftover_views()):
                out.failed.append(what)
                continue
        out.removed.append(what)


def sweep_cgroups(out: Sweep, dry_run: bool = False, attempts: int = 8) -> None:
    """Traced cgroups of dead runs (cgroups never outlive a boot), in the v2
    hierarchy and, on a hybrid host, the v1 twins a runtime made. One that
    still holds a process (the container of a killed run) stays until that
    container is removed; attempts=1 does not wait for it."""
    places = [Path("/sys/fs/cgroup")]
    with contextlib.suppress(Exception):
        places.append(cgroup.v2_mountpoint())
    with contextlib.suppress(OSError):
        places += [p for p in Path("/sys/fs/cgroup").iterdir() if p.is_dir() and not p.is_symlink()]
    names: set[str] = set()
    for place in places:
        with contextlib.suppress(OSError):
            names.update(n for n in os.listdir(place) if cgroup.TRACED_NAME.match(n))
    for name in sorted(names):
        m = cgroup.TRACED_NAME.match(name)
        assert m is not None
        what = f"cgroup {name}"
        if int(m[1]) == os.getpid():
            continue
        if pid_alive(int(m[1])):
            out.kept.append(what + ": its run is alive")
        elif dry_run or cgroup.remove_traced(name, attempts=attempts):
            out.removed.append(what)
        else:
            out.failed.append(what + " (a process is still in it)")


def sweep_temp(out: Sweep, dry_run: bool = False, base: str | None = None) -> None:
    """Run directories of dead runs in the temporary directory."""
    base = base or base_tempdir()
    try:
        names = sorted(os.listdir(base))
    except OSError:
        return
    for name in names:
        m = _TEMP.match(name)
        if m is None:
            continue
        path = os.path.join(base, name)
        if int(m[1]) == os.getpid() or not os.path.isdir(path) or os.path.islink(path):
            continue
        what = f"temporary directory {path}"
        if not owner_gone(int(m[1]), m[2]):
            out.kept.append(what + (": its run is alive" if m[2] == boot_id()[:8]
                                    else ": of another boot"))
            continue
        if not dry_run:
            shutil.rmtree(path, ignore_errors=True)
            if os.path.exists(path):
                out.failed.append(what)
                continue
        out.removed.append(what)


# Where a run holds the lock of the tag it makes (cli._building): the
# system's lock directory, else /tmp
TAG_LOCK_DIRS = ("/run/lock", "/tmp")


def tag_lock_path(runtime: str, tag: str) -> str:
    """The lock file of image tag in a runtime."""
    import hashlib
    base = next((d for d in TAG_LOCK_DIRS if os.access(d, os.W_OK)), TAG_LOCK_DIRS[-1])
    key = hashlib.sha256(f"{runtime}\0{tag}".encode()).hexdigest()[:16]
    return f"{base}/micropack-tag-{key}.lock"


def sweep_locks(out: Sweep, dry_run: bool = False) -> None:
    """Tag locks no run holds (cli._building's): earlier versions left
    each tag's in /run/lock. Removed while held here, so no run can be
    taking it meanwhile (one that opened it first takes the new file)."""
    import fcntl
    import glob
    for path in sorted(p for d in TAG_LOCK_DIRS for p in glob.glob(f"{d}/micropack-tag-*.lock")):
        try:
            fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue        # (a run holds it)
        try:
            if not dry_run:
                os.unlink(path)
            out.removed.append(f"tag lock {path}")
        except OSError:
            out.failed.append(f"tag lock {path}")
        finally:
            os.close(fd)


def sweep(engines: Engine | list[Engine] | None, dry_run: bool = False) -> Sweep:
    """Everything dead runs left: containers first (a traced container's
    cgroup lives under micropack's), then cgroups, then temporary files."""
    out = Sweep()
    for engine in [engines] if isinstance(engines, Engine) else engines or []:
        sweep_containers(engine, out, dry_run)
        sweep_views(engine, out, dry_run)
    sweep_cgroups(out, dry_run)
    sweep_temp(out, dry_run)
    sweep_locks(out, dry_run)
    return out


def quietly(action: Callable[[], Sweep], say: Callable[[str], None]) -> None:
    """A sweep at the start of a run: it says what it removed, and never
    fails the run (what it could not do, `micropack cleanup` reports)."""
    with contextlib.suppress(Exception):
        done = action()
        if done.removed:
            say(f"removed {len(done.removed)} leftover(s) of killed micropack runs: "
                + "; ".join(done.removed))


def remove_own(engines: list[Engine]) -> None:
    """This run's own containers and cgroups, at the end of a run that
    failed or was interrupted: what a `finally` could not know of (a
    container whose `create` was interrupted before it answered)."""
    me = f"{os.getpid()}@{boot_id()}"
    for engine in engines:
        with contextlib.suppress(Exception):
            for cid, tag in engine.leftovers():
                if tag == me:
                    engine.remove(cid)
    with contextlib.suppress(Exception):
        for place in (Path("/sys/fs/cgroup"), cgroup.v2_mountpoint()):
            for p in place.glob(f"micropack-{os.getpid()}-*"):
                if cgroup.TRACED_NAME.match(p.name):
                    cgroup.remove_traced(p.name)


# SIGINT/SIGTERM that arrive inside an uninterrupted() block wait for its end.
_deferred: list[str] = []
_depth = 0


def deferring() -> bool:
    return _depth > 0


def defer(signame: str) -> None:
    _deferred.append(signame)


class Held:
    """An uninterrupted stretch that begins in one function and ends in
    its caller: minify's outputs, from the first written after its last
    verification to the image kept. A SIGINT while they were written left
    files.txt alone, no report, events or profile, and the image that
    had passed its verification removed."""

    def __init__(self) -> None:
        self.holding = False

    def hold(self) -> None:
        global _depth
        if not self.holding:
            _depth += 1
            self.holding = True

    def release(self, act: bool = True) -> None:
        """The stretch's end; a signal meanwhile is acted on now, unless
        act is False (the run is failing on its own way out)."""
        global _depth
        if self.holding:
            _depth -= 1
            self.holding = False
            if not _depth and _deferred:
                signame = _deferred.pop(0)
                if act:
                    raise Interrupted(signame)


@contextmanager
def uninterrupted() -> Iterator[None]:
    """A step that, stopped half way, would leave what cannot be removed: an
    image load whose upload ended goes on in the daemon and tags the image
    after micropack has exited. A signal meanwhile is acted on at its end."""
    global _depth
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
    if not _depth and _deferred:
        raise Interrupted(_deferred.pop(0))
