"""The benchmark's arithmetic: points above the floor are paired by round, so
a host that drifts over a run moves the floor and the tracer together."""
import importlib.util
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "tracer.py"


@pytest.fixture(scope="module")
def tracer():
    spec = importlib.util.spec_from_file_location("bench_tracer", BENCH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    saved = list(sys.path)
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path[:] = saved
    return module


def test_points_are_the_median_of_each_rounds_difference(tracer):
    # The host slows down over the run: every mode of round k takes k
    # tenths more; the tracer costs 0.1 over the floor in every round.
    drift = [0.0, 0.1, 0.2, 0.3, 0.4]
    floor = [1.0 + d for d in drift]
    traced = [1.1 + d for d in drift]
    assert tracer.points_over_floor(traced, floor, 1.0) == pytest.approx(10.0)
    # Rounds that drift in no order, and one whose floor run was slowed by
    # the host: medians taken apart would say -10 points (1.1 against 1.2).
    floor = [1.0, 1.4, 1.2, 1.0, 1.3]
    traced = [1.1, 1.5, 1.3, 1.1, 1.1]
    assert tracer.points_over_floor(traced, floor, 1.0) == pytest.approx(10.0)


def test_summary_reports_paired_points_and_rejects_uneven_rounds(tracer):
    runs = {
        "untraced": [{"cpu_s": 1.0, "wall_s": 1.0}] * 3,
        "floor": [{"cpu_s": c, "wall_s": c} for c in (1.0, 1.5, 1.0)],
        "micropack": [{"cpu_s": c, "wall_s": c} for c in (1.1, 1.6, 1.2)],
    }
    row = tracer.summarize(runs)["micropack"]
    assert row["cpu_s_points_over_floor"] == pytest.approx(10.0)
    assert row["cpu_s_ratio"] == pytest.approx(1.2)
    runs["micropack"] = runs["micropack"][:2]
    with pytest.raises(ValueError):
        tracer.summarize(runs)


def test_bad_arguments_are_refused_before_any_work():
    # Each is one of the cheap checks made before an image is built or a
    # container started: an unknown workload, a JSON file with no directory
    # to go in, a --compare-with that is no checkout.
    import subprocess
    for args, problem in ((["--only", "fd_reuse_loop,nothing"], "--only: no workload 'nothing'"),
                          (["--json", "/nonexistent-dir/x.json"], "--json: cannot write '/nonexistent-dir/"),
                          (["--json", "/"], "--json: cannot write '/'"),
                          (["--compare-with", "/"], "--compare-with: '/' is not a micropack checkout")):
        done = subprocess.run([sys.executable, str(BENCH), *args], capture_output=True, text=True,
                              timeout=60)
        assert done.returncode == 2, (args, done.stderr)
        assert problem in done.stderr.splitlines()[-1]


def test_an_error_the_run_cannot_get_past_is_one_line(capsys):
    sys.path.insert(0, str(BENCH.parent))
    try:
        import guard
    finally:
        sys.path.remove(str(BENCH.parent))
    from micropack.errors import TargetError

    def no_daemon() -> int:
        raise TargetError("cannot reach the docker daemon", "start it")

    def unwritable() -> int:
        raise PermissionError(13, "Permission denied", "/results.json")

    for main, line in ((no_daemon, "bench: cannot reach the docker daemon (start it)"),
                       (unwritable, "bench: /results.json: Permission denied")):
        with pytest.raises(SystemExit) as stop:
            guard.run(main)
        assert stop.value.code == 2
        assert capsys.readouterr().err.splitlines() == [line]
    with pytest.raises(SystemExit) as stop:
        guard.run(lambda: 0)
    assert stop.value.code == 0


def test_the_medians_interval_is_read_from_order_statistics(tracer):
    # seven rounds: only the extremes bound the median at 95% (98.4%)
    assert tracer.median_interval([5, 1, 7, 3, 2, 6, 4]) == (1, 7)
    # thirty: the 10th and 21st values (95.7%), as the binomial tables give
    values = [float(v) for v in range(1, 31)]
    assert tracer.median_interval(values) == (10.0, 21.0)
    # too few rounds for any interval narrower than all of them
    assert tracer.median_interval([2.0, 1.0]) == (1.0, 2.0)


def test_points_come_with_the_interval_of_their_median(tracer):
    floors = [1.0] * 30
    values = [1.0 + i / 100 for i in range(30)]       # 0 to 29 points, one a round
    low, high = tracer.points_interval(values, floors, 1.0)
    assert (round(low, 6), round(high, 6)) == (9.0, 20.0)      # the 10th and 21st differences
    assert low <= tracer.points_over_floor(values, floors, 1.0) <= high


def test_the_tracer_is_also_read_above_reading_its_names_alone(tracer):
    """The loops' rows say how much of micropack's cost is the reads of the
    names it records (paired by round, against the design that reads the
    same names and does nothing else): --events against all the names,
    without it against those of the calls that found a file."""
    runs = {
        "untraced": [{"cpu_s": 1.0, "wall_s": 1.0}] * 3,
        "floor": [{"cpu_s": 1.0, "wall_s": 1.0}] * 3,
        "micropack": [{"cpu_s": c, "wall_s": c} for c in (1.10, 1.12, 1.11)],
        "micropack-events": [{"cpu_s": c, "wall_s": c} for c in (1.15, 1.15, 1.15)],
        f"design:{tracer.READ_FOUND_NAMES}": [{"cpu_s": c, "wall_s": c} for c in (1.08, 1.08, 1.08)],
        f"design:{tracer.READ_NAMES}": [{"cpu_s": c, "wall_s": c} for c in (1.11, 1.14, 1.12)],
    }
    summary = tracer.summarize(runs)
    assert summary["micropack"]["cpu_s_points_over_names"] == pytest.approx(3.0)
    assert summary["micropack-events"]["cpu_s_points_over_names"] == pytest.approx(3.0)
    assert "cpu_s_points_over_names" not in summary["floor"]
    assert tracer.NAMES_FLOOR["micropack"].endswith(tracer.READ_FOUND_NAMES)


def test_the_names_alone_read_the_loops_calls_and_skip_missing_ones_when_asked(tracer):
    from micropack.tracers import ebpf
    numbers = ebpf.syscall_numbers()[0]
    found = tracer.names_floor_source(found_only=True)
    every = tracer.names_floor_source(found_only=False)
    for call in ("openat", "newfstatat", "access"):
        assert f"nr == {numbers[call]}" in every
    assert str(ebpf.missing_errno_mask()) in found and str(ebpf.missing_errno_mask()) not in every
    assert every.count("bpf_probe_read_user_str") == 1 and ebpf.FLOOR_BTF_FUNCTION in every
    # the floor's other programs too, so that only the reads differ from it
    assert "sched_process_exec" in every
