"""HEALTHCHECK --start-interval is refused by docker before 25 (API 1.44)
("dockerfile parse error ... Unknown flag: start-interval"), the whole
Dockerfile with it: micropack build --dockerfile leaves it out, with one
warning line, unless the docker is known to take it."""
from __future__ import annotations

from pathlib import Path

from micropack.image import write_dockerfile
from micropack.runtimes.base import ImageInfo

HEALTH = {"Test": ["CMD", "/bin/true"], "Interval": 30_000_000_000, "Timeout": 5_000_000_000,
          "StartPeriod": 10_000_000_000, "StartInterval": 2_000_000_000, "Retries": 3}


def written(tmp_path: Path, config: dict, **kw) -> list[str]:
    tar = tmp_path / "in.tar"
    tar.write_bytes(b"")
    info = ImageInfo(ref="mpk-test/orig:1", id="sha256:" + "0" * 64, size=0, created=0,
                     architecture="amd64", config=config)
    return write_dockerfile(info, tar, tmp_path / "ctx", **kw).read_text().splitlines()


def healthcheck(lines: list[str]) -> str:
    found = [line for line in lines if line.startswith("HEALTHCHECK")]
    assert len(found) == 1, lines
    return found[0]


def test_start_interval_is_left_out_with_one_warning(tmp_path, capsys):
    line = healthcheck(written(tmp_path, {"Healthcheck": HEALTH}))
    assert "start-interval" not in line
    assert line == 'HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 CMD ["/bin/true"]'
    warned = [w for w in capsys.readouterr().err.splitlines() if "start-interval" in w]
    assert len(warned) == 1 and "warning:" in warned[0] and "2s" in warned[0]


def test_left_out_for_a_docker_older_than_api_1_44(tmp_path):
    said: list[str] = []
    for version in ("1.41", "1.43", None, "", "junk"):
        line = healthcheck(written(tmp_path, {"Healthcheck": HEALTH}, api_version=version,
                                   warn=said.append))
        assert "start-interval" not in line, version
    assert len(said) == 5


def test_kept_for_a_docker_known_to_take_it(tmp_path):
    said: list[str] = []
    for version in ("1.44", "1.45", "2.0"):
        line = healthcheck(written(tmp_path, {"Healthcheck": HEALTH}, api_version=version,
                                   warn=said.append))
        assert "--start-interval=2s" in line, version
    assert said == []


def test_no_warning_without_a_start_interval(tmp_path, capsys):
    plain = {k: v for k, v in HEALTH.items() if k != "StartInterval"}
    assert "start-interval" not in healthcheck(written(tmp_path, {"Healthcheck": plain}))
    assert "warning" not in capsys.readouterr().err
