"""Whether the minified image behaves like the original: every probe's
result on both, compared; a failure says why."""
from __future__ import annotations

from dataclasses import dataclass

from micropack.probes import ProbeResult


@dataclass(frozen=True)
class Verdict:
    probe: str
    original_status: int
    minified_status: int
    # the results in words ("HTTP 200", "status 0": ProbeResult.shown), for the line
    original_shown: str
    minified_shown: str
    passed: bool
    reason: str = ""                     # why it failed: "" when it passed
    seccomp_status: int | None = None    # under the written seccomp profile, when one was made

    def line(self, compare_output: bool) -> str:
        under = f", under seccomp {self.seccomp_status}" if self.seccomp_status is not None else ""
        output = "; output compared" if compare_output and self.passed else ""
        why = f": {self.reason}" if self.reason else ""
        return (f"{self.probe}: {'ok' if self.passed else 'FAILED'} (original {self.original_shown}, "
                f"minified {self.minified_shown}{under}{output}){why}")


def _difference(original: ProbeResult, other: ProbeResult, compare_output: bool, where: str) -> str:
    """Why other does not match original; "" when it does."""
    if not other.matches(original, compare_output=False):
        detail = other.reason or (f"HTTP status {other.http_status}" if other.http_status is not None
                                  else f"exit status {other.status}")
        return f"{where}: {detail} (the original gave {original.shown})"
    if not other.matches(original, compare_output):
        return f"{where}: output differs ({_first_difference(original.output, other.output)})"
    return ""


def _first_difference(a: str, b: str) -> str:
    for n, (x, y) in enumerate(zip(a.splitlines(), b.splitlines(), strict=False), 1):
        if x != y:
            return f"line {n}: {y[:80]!r} instead of {x[:80]!r}"
    return f"{len(b.splitlines())} lines instead of {len(a.splitlines())}"


def judge(original: list[ProbeResult], minified: list[ProbeResult], compare_output: bool,
          confined: list[ProbeResult] | None = None) -> list[Verdict]:
    """One verdict per probe, in the order given."""
    verdicts = []
    for i, (o, m) in enumerate(zip(original, minified, strict=True)):
        reasons = [_difference(o, m, compare_output, "minified")]
        c = confined[i] if confined is not None else None
        if c is not None:
            reasons.append(_difference(o, c, compare_output, "under the seccomp profile"))
        reason = "; ".join(r for r in reasons if r)
        verdicts.append(Verdict(probe=o.name, original_status=o.status, minified_status=m.status,
                                passed=not reason, reason=reason,
                                seccomp_status=c.status if c is not None else None,
                                original_shown=o.shown, minified_shown=m.shown))
    return verdicts
