"""Writing MISP values into rule text so that the engine reads exactly the indicator.

Inside a ``content`` string Suricata and Snort give ``"``, ``;``, ``\\`` and ``|`` a meaning,
and MISP's own NIDS export breaks on them. Here every byte outside plain printable ASCII, and
every one of those special characters plus ``:``, is written in ``|hex|`` form. ``msg`` and
``metadata`` cannot carry hex, so their text is reduced to characters with no meaning there.
"""

from __future__ import annotations

import re

# Printable ASCII that needs no escaping inside a quoted content string.
_SPECIAL = frozenset(b'";\\|:')
_PLAIN = re.compile(r'[ !#-9<-\[\]-{}~]*')
_METADATA_UNSAFE = re.compile(r"[^A-Za-z0-9_.+-]+")
_MSG_REPLACEMENTS = str.maketrans({'"': "'", ";": ",", "\\": "/", "|": "/"})
_REFERENCE_UNSAFE = re.compile(r'[\s";\\|,]')


def content(value: str | bytes) -> str:
    """``value`` as the inside of a content string: ``a;b`` becomes ``a|3B|b``."""
    if isinstance(value, str) and _PLAIN.fullmatch(value):
        return value
    data = value.encode("utf-8") if isinstance(value, str) else value
    pieces: list[str] = []
    pending_hex: list[str] = []
    for byte in data:
        if 0x20 <= byte < 0x7F and byte not in _SPECIAL:
            if pending_hex:
                pieces.append(f"|{' '.join(pending_hex)}|")
                pending_hex = []
            pieces.append(chr(byte))
        else:
            pending_hex.append(f"{byte:02X}")
    if pending_hex:
        pieces.append(f"|{' '.join(pending_hex)}|")
    return "".join(pieces)


def content_length(value: str | bytes) -> int:
    """How many bytes the engine matches for ``value``; ``within`` and ``bsize`` count these."""
    return len(value.encode("utf-8") if isinstance(value, str) else value)


def message(text: str, limit: int = 230) -> str:
    """Text for ``msg``: one printable line with no quote, semicolon, backslash or pipe.

    ``msg`` has no escape for hex, so those characters are replaced by look-alikes rather
    than escaped; letters outside ASCII stay, Suricata 7 and its eve.json carry UTF-8.
    """
    flat = text if text.isprintable() else "".join(ch if ch.isprintable() else " "
                                                   for ch in text)
    flat = " ".join(flat.translate(_MSG_REPLACEMENTS).split())
    return flat if len(flat) <= limit else flat[: limit - 3].rstrip() + "..."


def metadata_value(text: str) -> str:
    """A metadata value in the ET style: words joined by ``_``, nothing a parser splits on."""
    return _METADATA_UNSAFE.sub("_", text.strip()).strip("_")


def title_words(text: str) -> str:
    """``Command and Control`` as ET writes it: ``Command_And_Control``."""
    words = re.split(r"[^A-Za-z0-9]+", text)
    return "_".join(word[:1].upper() + word[1:] for word in words if word)


def reference_url(url: str) -> str:
    """A ``reference:url,`` value: Suricata prefixes the scheme itself, so it is dropped here.

    Characters that would end the option or the value are percent-encoded.
    """
    without_scheme = re.sub(r"^[A-Za-z][A-Za-z0-9+.-]*://", "", url.strip())
    return _REFERENCE_UNSAFE.sub(lambda match: f"%{ord(match.group()):02X}", without_scheme)
