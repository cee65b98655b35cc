"""Which languages an image is set up for (micropack.locales)."""
from __future__ import annotations

import io
import struct

import pytest

from micropack import locales


def archive(*names: str, size: int = 5) -> bytes:
    """A locale-archive as glibc lays out its header and name hash table
    (the locale records themselves are not read)."""
    table_at, names_at = 64, 64 + size * 12
    data = bytearray(struct.pack("<5I", 0xDE020109, 1, table_at, len(names), size).ljust(table_at, b"\0"))
    blob = b""
    entries = [(0, 0, 0)] * size
    for i, name in enumerate(names):
        slot = (i * 2 + 1) % size          # spread out, empty slots between, as hashing leaves them
        entries[slot] = (1234 + i, names_at + len(blob), 9999)
        blob += name.encode() + b"\0"
    for hashval, name_at, record in entries:
        data += struct.pack("<3I", hashval, name_at, record)
    return bytes(data + blob)


def test_the_names_in_a_locale_archive():
    assert locales.archive_names(io.BytesIO(archive("de_DE.utf8", "sr_RS@latin"))) == \
        ["de_DE.utf8", "sr_RS@latin"]
    assert locales.archive_names(io.BytesIO(archive())) == []
    assert locales.archive_names(io.BytesIO(b"not an archive at all, but long enough")) == []
    assert locales.archive_names(io.BytesIO(b"\x09\x01")) == []


@pytest.mark.parametrize("locale, languages", [
    ("de_DE.utf8", {"de", "de_DE"}),
    ("de_DE.UTF-8", {"de", "de_DE"}),
    ("pt_BR", {"pt", "pt_BR"}),
    ("sr_RS@latin", {"sr", "sr_RS", "sr@latin", "sr_RS@latin"}),
    ("fil_PH.UTF-8", {"fil", "fil_PH"}),
    ("C.UTF-8", set()), ("C.utf8", set()), ("POSIX", set()), ("", set()), ("../../etc", set()),
])
def test_the_translation_directories_of_a_locale(locale: str, languages: set[str]):
    assert locales.languages(locale) == languages


def test_the_languages_the_environment_names():
    env = {"LANG": "fr_FR.UTF-8", "LANGUAGE": "de:en_GB", "PATH": "/bin"}
    assert locales.env_languages(env) == {"fr", "fr_FR", "de", "en", "en_GB"}
    assert locales.env_languages({"LANG": "C.UTF-8"}) == set()
