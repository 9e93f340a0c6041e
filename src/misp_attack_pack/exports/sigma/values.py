"""Sigma value encoding: every indicator stays literal in every backend.

In a Sigma string ``*`` and ``?`` are wildcards and ``\\`` escapes them. pySigma's core
validators flag escaped wildcards, control characters and numbers written as strings, so a
value holding any of them (a user agent of only digits exists in the wild) is written as an
anchored regular expression instead (``|re``), which all major backends and the validators
accept. Other values only need their backslashes doubled.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NEEDS_REGEX = re.compile(r"[*?\x00-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class SigmaMatch:
    """A field condition: ``field|modifier: value``, ready to become a detection item."""

    field: str
    modifier: str
    value: str | int

    @property
    def key(self) -> str:
        return f"{self.field}|{self.modifier}" if self.modifier else self.field


def literal(field: str, value: str, position: str = "") -> SigmaMatch:
    """Match ``value`` literally; ``position`` is ``""`` (whole value), ``endswith``, ``contains``.

    Values that contain wildcard or control characters become regular expressions with the
    same meaning.
    """
    if _NEEDS_REGEX.search(value) or value.isdigit():
        return SigmaMatch(field, "re", _regex_for(value, position))
    return SigmaMatch(field, position, escape(value))


def escape(value: str) -> str:
    """Escape a wildcard-free value so pySigma reads every backslash literally."""
    return value.replace("\\", "\\\\")


def _regex_for(value: str, position: str) -> str:
    body = "".join(_regex_char(ch) for ch in value)
    if position == "endswith":
        return f"{body}$"
    if position == "contains":
        return body
    return f"^{body}$"


def _regex_char(ch: str) -> str:
    """Escape one character so PCRE, RE2, Python and Lucene-style engines all read it literally."""
    if ord(ch) < 32 or ord(ch) == 127:
        return f"\\x{ord(ch):02x}"
    if not ch.isascii() or ch.isalnum() or ch in " _/:=,;%!":
        return ch
    return f"\\{ch}"
