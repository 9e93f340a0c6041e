"""Scalar coercion for MISP JSON, where numbers arrive as strings and booleans as ``"0"``."""

from __future__ import annotations

import datetime
from typing import Any

_TRUE = frozenset({"1", "true", "yes", "on"})

# MISP stores numbers in 64-bit columns; anything wider is a broken or hostile value.
_INT64 = 1 << 63


def to_bool(value: Any) -> bool:
    """``True``, ``1``, ``"1"`` and ``"true"`` are true; everything else is false."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value != 0
    if isinstance(value, str):
        return value.strip().lower() in _TRUE
    return False


def to_int(value: Any, default: int) -> int:
    """A 64-bit integer from an int or a numeric string; ``default`` for anything else."""
    if isinstance(value, bool):
        return int(value)
    number = None
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and value == value and abs(value) < _INT64:
        number = int(value)
    elif isinstance(value, str):
        text = value.strip()
        if text.lstrip("-").isascii() and text.lstrip("-").isdigit() and len(text) <= 20:
            number = int(text)
    if number is None or not -_INT64 <= number < _INT64:
        return default
    return number


def to_text(value: Any) -> str:
    """A string, or ``""`` for null and non-scalar values."""
    if value is None or isinstance(value, (dict, list)):
        return ""
    return value if isinstance(value, str) else str(value)


def calendar_date(text: str) -> datetime.date | None:
    """The day of a MISP ``date`` (``YYYY-MM-DD``, possibly followed by a time); else ``None``."""
    try:
        return datetime.date.fromisoformat(text.strip()[:10])
    except ValueError:
        return None


def utc_moment(timestamp: int) -> datetime.datetime | None:
    """A MISP epoch ``timestamp`` in UTC; ``None`` for values no calendar can hold."""
    if timestamp <= 0:
        return None
    try:
        return datetime.datetime.fromtimestamp(timestamp, tz=datetime.timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None


def iso_moment(text: str) -> datetime.datetime | None:
    """MISP ``first_seen``/``last_seen`` (ISO 8601, any offset or none) in UTC; else ``None``."""
    if not text:
        return None
    try:
        moment = datetime.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return moment.astimezone(datetime.timezone.utc)
