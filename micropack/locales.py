"""Which languages an image is set up for: the locales generated in it
(glibc's locale archive, or a directory per locale) and the ones its
environment names. A package's translations into those languages are kept:
someone ran locale-gen for them, and a program prints its messages in the
locale's language through them (git under LANG=de_DE.UTF-8 printed English,
exit status unchanged, when git.mo was dropped while the locale was kept)."""
from __future__ import annotations

import re
import struct
from typing import BinaryIO

ARCHIVE = re.compile(r"^(/usr)?/lib/locale/locale-archive$")
LOCALE_DIR = "/usr/lib/locale"
ENV_KEYS = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")

_ARCHIVE_MAGIC = 0xDE020109
_HEAD = struct.Struct("<5I")       # magic, serial, namehash offset, used, size
_NAME_ENTRY = struct.Struct("<3I")  # hash, name offset, locale record offset
_NAME_MAX = 256
_NAME = re.compile(r"^([a-z]{2,3})(_[A-Z]{2})?(\.[\w-]+)?(@\w+)?$")


def archive_names(fh: BinaryIO) -> list[str]:
    """The locale names in glibc's locale-archive (the name hash table its
    header points to; the archive of every locale is 200 MB, so only that
    is read); [] for anything else or a damaged archive."""
    head = fh.read(_HEAD.size)
    if len(head) < _HEAD.size:
        return []
    magic, _serial, offset, _used, size = _HEAD.unpack(head)
    if magic != _ARCHIVE_MAGIC or size > 1 << 20:
        return []
    fh.seek(offset)
    table = fh.read(size * _NAME_ENTRY.size)
    names = []
    for i in range(len(table) // _NAME_ENTRY.size):
        _hash, name_at, _record = _NAME_ENTRY.unpack_from(table, i * _NAME_ENTRY.size)
        if not name_at:
            continue
        fh.seek(name_at)
        name = fh.read(_NAME_MAX).split(b"\0", 1)[0]
        if name:
            names.append(name.decode("ascii", "replace"))
    return names


def languages(locale: str) -> set[str]:
    """The translation directories gettext looks in for a locale
    (de_DE.utf8: de_DE and de; sr_RS@latin: sr_RS@latin, sr@latin,
    sr_RS, sr); none for C and POSIX."""
    m = _NAME.match(locale.strip())
    if m is None:
        return set()
    language, territory, _codeset, modifier = (g or "" for g in m.groups())
    out = {language, language + territory}
    if modifier:
        out |= {language + modifier, language + territory + modifier}
    return out


def env_languages(env: dict[str, str]) -> set[str]:
    """The languages the image's environment names (LANGUAGE is a list)."""
    out: set[str] = set()
    for key in ENV_KEYS:
        for locale in env.get(key, "").split(":"):
            out |= languages(locale)
    return out
