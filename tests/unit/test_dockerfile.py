"""`micropack build --dockerfile`: every value reaches docker build unchanged.
A Dockerfile expands `$` in ENV, WORKDIR, USER, LABEL, EXPOSE, VOLUME and
STOPSIGNAL and does not decode JSON's \\uXXXX there; the lines are read back
here the way docker's lexer reads a double-quoted word (the real build is
tests/integration/test_dockerfile_values.py)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from micropack.errors import ImageError
from micropack.image import write_dockerfile
from micropack.runtimes.base import ImageInfo

TRICKY = "bar$baz ${HOME} \\ \"q\" 'single' café \t#not-a-comment\\"


def docker_word(text: str) -> str:
    """One double-quoted word as docker's shell lexer (buildkit
    frontend/dockerfile/shell) processes it: \\ escapes ", $ and \\ and is
    kept before anything else; an unescaped $ would expand (none may be left)."""
    assert text[0] == '"' and text[-1] == '"', text
    out, i, body = [], 0, text[1:-1]
    while i < len(body):
        ch = body[i]
        assert ch != '"', f"an unescaped quote ends the word early: {text}"
        assert ch != "$", f"an unescaped $ is expanded: {text}"
        if ch == "\\" and i + 1 < len(body) and body[i + 1] in '"$\\':
            i += 1
            ch = body[i]
        out.append(ch)
        i += 1
    return "".join(out)


def info(config: dict) -> ImageInfo:
    return ImageInfo(ref="mpk-test/orig:1", id="sha256:" + "0" * 64, size=0, created=0,
                     architecture="amd64", config=config)


def written(tmp_path: Path, config: dict) -> list[str]:
    tar = tmp_path / "in.tar"
    tar.write_bytes(b"")
    return write_dockerfile(info(config), tar, tmp_path / "ctx").read_text(encoding="utf-8").splitlines()


def instruction(lines: list[str], name: str) -> list[str]:
    return [line[len(name) + 1:] for line in lines if line.startswith(name + " ")]


def test_values_survive_dollar_backslash_quotes_and_utf8(tmp_path):
    config = {"Env": ["FOO=bar$baz", "ACC=café", f"T={TRICKY}", "EMPTY="],
              "WorkingDir": "/srv/$app/é", "User": "app$1:1000",
              "Labels": {"org.k$ey": TRICKY, "plain": "café"},
              "ExposedPorts": {"8080/tcp": {}}, "Volumes": {"/da$ta": {}, "/é": {}},
              "StopSignal": "SIGTERM",
              "Entrypoint": ["/bin/echo", "$x", "é"], "Cmd": ["$HOME"]}
    lines = written(tmp_path, config)
    env = {}
    for item in instruction(lines, "ENV"):
        key, _, value = item.partition('"="')
        env[docker_word(key + '"')] = docker_word('"' + value)
    assert env == {"FOO": "bar$baz", "ACC": "café", "T": TRICKY, "EMPTY": ""}
    assert 'ENV "FOO"="bar\\$baz"' in lines and 'ENV "ACC"="café"' in lines
    assert [docker_word(w) for w in instruction(lines, "WORKDIR")] == ["/srv/$app/é"]
    assert [docker_word(w) for w in instruction(lines, "USER")] == ["app$1:1000"]
    labels = {}
    for item in instruction(lines, "LABEL"):
        key, _, value = item.partition('"="')
        labels[docker_word(key + '"')] = docker_word('"' + value)
    assert labels == config["Labels"]
    assert [docker_word(w) for w in instruction(lines, "EXPOSE")] == ["8080/tcp"]
    # VOLUME's JSON form is decoded, then each item lexed as a word
    volumes = json.loads(instruction(lines, "VOLUME")[0])
    assert [docker_word(f'"{v}"') for v in volumes] == ["/da$ta", "/é"]
    assert [docker_word(w) for w in instruction(lines, "STOPSIGNAL")] == ["SIGTERM"]
    # JSON forms are never expanded: plain JSON, UTF-8 as is
    assert instruction(lines, "ENTRYPOINT") == ['["/bin/echo", "$x", "é"]']
    assert json.loads(instruction(lines, "CMD")[0]) == ["$HOME"]


def test_healthcheck_durations_are_exact(tmp_path):
    config = {"Healthcheck": {"Test": ["CMD", "/usr/bin/find", "/tmp"], "Interval": 1_500_000_000,
                              "Timeout": 2_000_000_000, "StartPeriod": 250_000, "Retries": 3}}
    assert instruction(written(tmp_path, config), "HEALTHCHECK") == [
        '--interval=1500ms --timeout=2s --start-period=250us --retries=3 CMD ["/usr/bin/find", "/tmp"]']
    shell = {"Healthcheck": {"Test": ["CMD-SHELL", "[ -f /tmp/ok ] && echo $HOME"]}}
    assert instruction(written(tmp_path, shell), "HEALTHCHECK") == ["CMD [ -f /tmp/ok ] && echo $HOME"]
    assert instruction(written(tmp_path, {"Healthcheck": {"Test": ["NONE"]}}), "HEALTHCHECK") == ["NONE"]


@pytest.mark.parametrize("config", [
    {"Env": ["A=one\ntwo"]},
    {"Labels": {"k": "a\r\nb"}},
    {"Healthcheck": {"Test": ["CMD-SHELL", "echo a \\"]}},
    {"Healthcheck": {"Test": ["CMD-SHELL", '["looks", "like", "json"]']}},
])
def test_what_no_dockerfile_line_holds_is_an_error(tmp_path, config):
    with pytest.raises(ImageError, match="-t, --oci or --oci-dir"):
        written(tmp_path, config)
    assert not (tmp_path / "ctx").exists()        # nothing half written
