"""--no-healthcheck: the image's HEALTHCHECK is neither probed nor carried,
so a test docker would not run (an unknown first word, CMD-SHELL with two
words) must not stop minify; without the flag it still does."""
from __future__ import annotations

import pytest

from micropack.errors import ImageError
from micropack.probes import Probe
from tests.unit.test_minify_config import FakeEngine, run_minify
from tests.unit.test_minify_config import loop as loop  # noqa: F401  (the fixture)

UNUSUAL = [["CMD-SHELL", "one", "two"], ["WHATEVER", "x"], ["CMD"]]


@pytest.mark.parametrize("test", UNUSUAL)
def test_no_healthcheck_ignores_an_unusual_test(loop, test):  # noqa: F811
    engine = FakeEngine({"Healthcheck": {"Test": test}, "Cmd": ["sleep", "infinity"]})
    report = run_minify(engine, [Probe("exec", "true")], healthcheck=False)
    assert report.passed
    assert loop["builds"][0]["Healthcheck"] == {"Test": ["NONE"]}


@pytest.mark.parametrize("test", UNUSUAL)
def test_without_the_flag_an_unusual_test_is_still_an_error(loop, test):  # noqa: F811
    engine = FakeEngine({"Healthcheck": {"Test": test}, "Cmd": ["sleep", "infinity"]})
    with pytest.raises(ImageError, match="HEALTHCHECK test"):
        run_minify(engine, [Probe("exec", "true")])


def test_no_healthcheck_on_an_image_without_one_changes_nothing(loop):  # noqa: F811
    from micropack.probes import has_healthcheck
    for config in ({}, {"Healthcheck": {"Test": ["NONE"]}}, {"Healthcheck": {"Test": []}}):
        assert not has_healthcheck(config)
        engine = FakeEngine({**config, "Cmd": ["sleep", "infinity"]})
        run_minify(engine, [Probe("exec", "true")], healthcheck=False)
        assert "Healthcheck" not in loop["builds"][-1]
