"""The pack command's flow: files.txt + a source -> closure -> rootfs.tar,
with a report of every kept and skipped path and why."""
from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from typing import Any

from micropack import archive, record, resolve
from micropack.packages import owners
from micropack.source import Source


@dataclass
class PackReport:
    kept: dict[str, str]
    skipped: dict[str, str]
    warnings: list[str]
    source: archive.TarTotals
    result: archive.TarTotals
    packages: dict[str, str] = field(default_factory=dict)

    def as_json(self, src: Source) -> dict[str, Any]:
        def kind(path: str) -> str:
            st = src.fs.lstat(path)
            if st is None:
                return "missing"
            return {stat.S_IFDIR: "dir", stat.S_IFLNK: "symlink", stat.S_IFREG: "file",
                    stat.S_IFIFO: "fifo"}.get(stat.S_IFMT(st.st_mode), "other")

        return {
            "source": src.label,
            "kept": [{"path": p, "type": kind(p), "why": why,
                      **({"package": self.packages[p]} if p in self.packages else {})}
                     for p, why in sorted(self.kept.items())],
            "skipped": [{"path": p, "why": why} for p, why in sorted(self.skipped.items())],
            "warnings": self.warnings,
            "totals": {"source_files": self.source.files, "source_bytes": self.source.bytes,
                       "kept_entries": self.result.entries, "kept_files": self.result.files,
                       "kept_bytes": self.result.bytes},
        }

    def summary(self) -> str:
        ratio = self.source.bytes / self.result.bytes if self.result.bytes else 0.0
        return (f"kept {self.result.entries} entries ({self.result.files} files, "
                f"{self.result.bytes / 1e6:.1f} MB) of {self.source.files} files "
                f"({self.source.bytes / 1e6:.1f} MB): {ratio:.1f}x smaller; "
                f"{len(self.skipped)} skipped")


def pack_files(src: Source, paths: list[str], output: str, rules: resolve.Rules,
               mtime: int | None = None, packages_out: str | None = None,
               report_out: str | None = None) -> PackReport:
    closure = resolve.Closure(src.fs, env=src.env)
    closure.add_traced(paths)
    closure.apply_includes(rules)
    final = closure.finish(rules)
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    clamps = [int(epoch)] if epoch and epoch.isdigit() else []
    if src.clamp_mtime is not None:
        clamps.append(src.clamp_mtime)
    clamp = min(clamps) if clamps else None
    kept = sorted(final)
    report = PackReport(kept=final, skipped=closure.skipped, warnings=closure.warnings,
                        source=archive.TarTotals(), result=archive.TarTotals())
    report_json = ""

    def while_tar_writes(result: archive.TarTotals) -> None:
        nonlocal report_json
        report.result = result
        report.source = archive.source_totals(src.fs)
        if packages_out or report_out:
            report.packages = owners(src.fs, kept)
        if report_out:
            report_json = record.json_text(report.as_json(src))

    archive.write_tar(src.fs, kept, output, mtime=mtime, clamp_mtime=clamp, meanwhile=while_tar_writes)
    if packages_out:
        with record.atomic_output(packages_out) as fh:
            for p in kept:
                fh.write(f"{report.packages.get(p, '-')}\t{p}\n")
    if report_out:
        with record.atomic_output(report_out) as fh:
            fh.write(report_json)
    return report
