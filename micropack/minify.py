"""`micropack minify`: image in, smaller verified image out.

Trace a container of the image from its first exec, drive it with probes,
pack what it used, build, then run the result the same way and compare every
probe. Failed lookups of files the original has are added back and the loop
repeats, up to max_rounds. The parts live in their own modules: probes.py
(what drives a container), runs.py (traced and confined runs), verdicts.py
(the comparison); this one is the loop and its report."""
from __future__ import annotations

import contextlib
import dataclasses
import errno
import json
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from micropack import image, levels, pack, progress, record, resolve
from micropack.errors import VerifyError
from micropack.packages import owners
from micropack.probes import address_taken, has_healthcheck, healthcheck_probe
from micropack.record import TraceRecord
from micropack.rootfs import SymlinkLoop
from micropack.runs import Drive, RunOutcome, confined_run, traced_run
from micropack.runtimes.base import Engine, RunOptions
from micropack.source import Source, open_source
from micropack.verdicts import Verdict, judge

Say = Callable[[str], None]


@dataclass
class Round:
    number: int
    added: list[str]            # paths the previous round's verification missed
    paths_kept: int
    size: int                   # bytes of the image this round built
    passed: bool
    verdicts: list[Verdict]


@dataclass
class Outputs:
    """Where minify writes what a user keeps (all optional)."""

    report: str | None = None
    seccomp: str | None = None

    def beside_report(self, suffix: str) -> str | None:
        """files.txt and events.jsonl next to the report, so the image can be
        re-packed (other rules, other granularity) without tracing again."""
        if not self.report:
            return None
        path = Path(self.report)
        stem = path.name[:-len(".json")] if path.name.endswith(".json") else path.name
        return str(path.with_name(f"{stem}.{suffix}"))


@dataclass
class MinifyReport:
    original: str
    minified: str
    runtime: str
    original_size: int          # bytes, as the runtime counts them: one figure everywhere
    minified_size: int
    paths_kept: int
    traced_events: int
    traced_files: int
    lost_events: int
    rounds: list[Round]
    wall_seconds: float
    seccomp_profile: str | None = None
    seccomp_syscalls: list[str] = field(default_factory=list)
    files_txt: str | None = None
    events: str | None = None
    pack: dict[str, Any] | None = None    # the last round's pack report: every kept path and why

    @property
    def probes(self) -> list[Verdict]:
        return self.rounds[-1].verdicts if self.rounds else []

    @property
    def ratio(self) -> float:
        return self.original_size / self.minified_size if self.minified_size else 0.0

    @property
    def passed(self) -> bool:
        return bool(self.rounds) and all(v.passed for v in self.probes)

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "probes": [asdict(v) for v in self.probes],
                "ratio": round(self.ratio, 2), "passed": self.passed}

    def summary(self) -> str:
        ok = sum(1 for v in self.probes if v.passed)
        return (f"{self.original}: {mb(self.original_size)} -> {self.minified}: "
                f"{mb(self.minified_size)} ({self.ratio:.1f}x smaller), "
                f"{self.paths_kept} paths kept, {ok}/{len(self.probes)} probes passed, "
                f"{len(self.rounds)} round(s), {self.wall_seconds:.0f}s")

    def failure(self) -> VerifyError | None:
        failed = [v for v in self.probes if not v.passed]
        if not failed:
            return None
        return VerifyError(f"verification failed: probe {failed[0].probe!r} differs on "
                           f"{self.minified}: {failed[0].reason}")


def _say_output(say: Say, which: str, lines: list[str]) -> None:
    """The last lines a container printed, before the line saying its probe failed."""
    if lines:
        say(f"the {which} container's last output:")
        for line in lines:
            say(f"  | {line}")


def mb(size: int) -> str:
    return f"{size / 1e6:.1f} MB"


def failed_lookups(records: list[TraceRecord], original: Source) -> set[str]:
    """Paths the minified run looked up in vain that the original has."""
    missing = set()
    for r in records:
        if r.result in (-errno.ENOENT, -errno.ENOTDIR) and r.resolved and r.path.startswith("/"):
            if record.is_pseudo(r.path):
                continue
            try:
                if original.fs.walk(r.path).final is not None:
                    missing.add(r.path)
            except SymlinkLoop:
                continue
    return missing


def _keep_trace(traced: RunOutcome, files: set[str], outputs: Outputs) -> tuple[str | None, str | None]:
    files_txt, events_path = outputs.beside_report("files.txt"), outputs.beside_report("events.jsonl")
    if files_txt:
        record.write_files_txt(files, files_txt)
    if events_path:
        writer = record.EventsWriter(events_path)
        try:
            for r in traced.records:
                writer.write(r)
        except BaseException:
            writer.abort()
            raise
        writer.close({"backend": "ebpf", "target": "minify's traced run", **traced.stats.as_dict()})
    return files_txt, events_path


def minify(engine: Engine, image_ref: str, tag: str, opts: RunOptions, drive: Drive,
           rules: resolve.Rules, say: Say, compare_output: bool = False, max_rounds: int = 3,
           outputs: Outputs | None = None,
           granularity: str = levels.DEFAULT_GRANULARITY, healthcheck: bool = True,
           writing: Callable[[], None] = lambda: None) -> MinifyReport:
    """writing() is called as the outputs begin to be written, once the
    verdict is in (the caller holds signals from there: cleanup.Held)."""
    started = time.monotonic()
    outputs = outputs or Outputs()
    original_image = engine.image(image_ref)    # fails early, in one line, if it is missing
    overrides = opts.image_overrides(original_image.config.get("Env"))
    # The image's HEALTHCHECK is carried into the minified image, so it is
    # one more probe: docker first runs it only after its interval, which a
    # traced run may never reach, and a program it needs would be missing.
    # Without it (--no-healthcheck) the minified image carries none, and
    # its test is not even read (an unusual one must not stop minify).
    health = healthcheck_probe(original_image.config) if healthcheck else None
    if health is not None:
        say(f"the image's health check is probed too: {health.spec}")
        drive = dataclasses.replace(drive, probes=[*drive.probes, health])
    elif not healthcheck and has_healthcheck(original_image.config):
        say("--no-healthcheck: the image's health check is not probed, and the minified image has none")
        overrides["Healthcheck"] = {"Test": ["NONE"]}
    taken = address_taken(drive.probes)
    if taken is not None:
        raise VerifyError(f"something answers at {taken[1]} (probe {taken[0].name}) before any container "
                          f"of {image_ref} runs (a container left running? another service on the port?)")
    say(f"tracing a container of {image_ref} from its first exec")
    # The original's failed lookups are only shown, in the events beside a
    # report; the minified run's are what the next round adds (failed_lookups).
    original = traced_run(engine, image_ref, opts, drive, say, count_syscalls=bool(outputs.seccomp),
                          failed_lookups=outputs.beside_report("events.jsonl") is not None)
    for r in original.results:
        say(f"original: {r.name}: {r.shown}" + (f" ({r.reason})" if r.reason else ""))
    if drive.probes and any(not r.passed for r in original.results):
        _say_output(say, "original", original.last_output)
        bad = next(r for r in original.results if not r.passed)
        hint = (" (the image's HEALTHCHECK is run as a probe: --no-healthcheck leaves it out and "
                "drops it from the minified image)") if health and bad.name == health.name else ""
        raise VerifyError(f"probe fails on the original image already: {bad.name}: {bad.reason}{hint}")
    files = {r.path for r in original.records if record.names_a_file(r)}
    traced_files = set(files)
    say(f"traced {len(original.records)} events, {len(files)} files")
    syscalls: list[str] = []
    rounds: list[Round] = []
    pack_json: dict[str, Any] | None = None
    with contextlib.ExitStack() as stack:
        with progress.step(f"reading {image_ref} ({mb(original_image.size)})"):
            src = stack.enter_context(open_source(engine, image=image_ref))
        tmpdir = stack.enter_context(tempfile.TemporaryDirectory(prefix="micropack-minify-"))
        rootfs_tar = Path(tmpdir) / "rootfs.tar"
        # What a user keeps (files.txt, events, the profile) is written at the
        # end: an interrupted or failed minify leaves none of it. Until then
        # the profile the confined runs use is in the temporary directory.
        profile_path = str(Path(tmpdir) / "seccomp.json") if outputs.seccomp else None
        if profile_path:
            from micropack import seccomp
            profile = seccomp.write_profile(original.syscalls, profile_path, say,
                                            setup_by_number=original.setup_syscalls)
            syscalls = list(profile["syscalls"][0]["names"])
        added: set[str] = set()
        for number in range(1, max_rounds + 1):
            with progress.step(f"round {number}: packing {len(files)} traced paths and what they need"):
                packed = pack.pack_files(src, sorted(files), str(rootfs_tar), rules,
                                         granularity=granularity, events=original.records,
                                         units_report=True)
            with progress.step(f"round {number}: building and loading {tag}"):
                image.build(engine, original_image, rootfs_tar, tag, overrides=overrides)
            size = engine.image(tag).size
            say(f"round {number}: built {tag}: {len(packed.kept)} paths kept, {mb(size)} "
                f"of {mb(original_image.size)} at --granularity {granularity}")
            lines = (packed.left_out, packed.unused_commands, packed.unused_libraries, packed.unused_tools,
                     packed.toolbox, packed.unkept_runs, packed.unkept_companions)
            for w in [*packed.partial_trees, *[line for line in lines if line]]:
                say(f"WARNING: {w}")
            verify = traced_run(engine, tag, opts, drive, say)
            confined = None
            if profile_path:
                with progress.step(f"round {number}: running the probes under the seccomp profile"):
                    confined = confined_run(engine, tag, opts, drive, profile_path)
            verdicts = judge(original.results, verify.results, compare_output, confined)
            for v in verdicts:
                say(f"verify: {v.line(compare_output)}")
            if not all(v.passed for v in verdicts):
                _say_output(say, "minified", verify.last_output)
            rounds.append(Round(number, sorted(added), len(packed.kept), size,
                                all(v.passed for v in verdicts), verdicts))
            if not packed.packages:       # the report names each kept path's package
                packed.packages = owners(src.fs, sorted(packed.kept))
            pack_json = packed.as_json(src)
            if rounds[-1].passed:
                break
            added = failed_lookups(verify.records, src) - files
            if not added or number == max_rounds:
                break
            say(f"round {number}: adding {len(added)} paths the minified run missed")
            files |= added
        writing()
        files_txt, events_path = _keep_trace(original, traced_files, outputs)
        if outputs.seccomp and profile_path:
            record.write_json(json.loads(Path(profile_path).read_text()), outputs.seccomp)
            say(f"seccomp profile with {len(syscalls)} syscalls written to {outputs.seccomp}")
    last = rounds[-1]
    return MinifyReport(original=image_ref, minified=tag, runtime=engine.name,
                        original_size=original_image.size, minified_size=last.size,
                        paths_kept=last.paths_kept, traced_events=len(original.records),
                        traced_files=len(files), lost_events=original.stats.lost, rounds=rounds,
                        wall_seconds=round(time.monotonic() - started, 1),
                        seccomp_profile=outputs.seccomp, seccomp_syscalls=syscalls,
                        files_txt=files_txt, events=events_path, pack=pack_json)

