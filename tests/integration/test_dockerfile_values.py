"""`micropack build --dockerfile` built by the real docker: every config
value comes back exactly, `$`, backslashes, quotes and UTF-8 included (a
Dockerfile expands `$` in ENV, WORKDIR, USER, LABEL, VOLUME and does not
decode JSON's \\uXXXX there)."""
from __future__ import annotations

import functools
import json
import subprocess
import tarfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import run_micropack

pytestmark = pytest.mark.integration

micropack = functools.partial(run_micropack, timeout=600)

ORIGINAL_LINES = [
    # single quotes: docker takes everything in them literally
    "ENV FOO='bar$baz' ACC='café' T='a\\b \"q\" ${HOME} end\\'",
    "WORKDIR '/srv/$app/é'",
    "USER 'app$1:1000'",
    "LABEL 'org.k$ey'='v$al \\ \"q\" é'",
    'VOLUME ["/da\\\\$ta"]',
    "HEALTHCHECK --interval=1500ms --timeout=2s --retries=2 CMD echo \"$HOME\" é",
    'ENTRYPOINT ["/bin/echo", "$x", "é"]',
    'CMD ["$HOME"]',
    "EXPOSE 8080/tcp 53/udp",
    "STOPSIGNAL SIGQUIT",
]
COMPARED = ("Env", "WorkingDir", "User", "Labels", "Volumes", "Healthcheck",
            "Entrypoint", "Cmd", "ExposedPorts", "StopSignal")


def config(ref: str) -> dict:
    out = subprocess.run(["docker", "image", "inspect", ref], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)[0]["Config"]


def build(ctx: Path, lines: list[str]) -> str:
    name = f"micropack-test/values:{uuid.uuid4().hex[:8]}"
    (ctx / "Dockerfile").write_text("\n".join(lines) + "\n", encoding="utf-8")
    p = subprocess.run(["docker", "build", "-q", "--network=none", "-t", name, str(ctx)],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    return name


@pytest.fixture
def images() -> Iterator[list[str]]:
    made: list[str] = []
    yield made
    for name in made:
        subprocess.run(["docker", "rmi", "-f", name], capture_output=True)


def test_every_value_survives_docker_build(fat_image, tmp_path, images):
    first = tmp_path / "original"
    first.mkdir()
    original = build(first, [f"FROM {fat_image}", *ORIGINAL_LINES])
    images.append(original)
    want = config(original)
    assert "FOO=bar$baz" in want["Env"] and "ACC=café" in want["Env"]   # the fixture is what it says
    assert all(want.get(key) for key in COMPARED), {k: want.get(k) for k in COMPARED}
    rootfs = tmp_path / "rootfs.tar"
    with tarfile.open(rootfs, "w") as tar:
        info = tarfile.TarInfo("marker")
        tar.addfile(info)
    out = tmp_path / "ctx"
    proc = micropack("build", "--from-image", original, "-i", str(rootfs), "--dockerfile", str(out))
    assert proc.returncode == 0, proc.stderr
    rebuilt = build(out, (out / "Dockerfile").read_text(encoding="utf-8").splitlines())
    images.append(rebuilt)
    got = config(rebuilt)
    for key in COMPARED:
        assert got.get(key) == want.get(key), key
