"""Time zones as MongoDB's date operators take them, and local <-> UTC conversion.

A ``timezone`` is an Olson identifier (``America/New_York``) or a UTC offset written
``+/-hh:mm``, ``+/-hhmm`` or ``+/-hh``; dates are naive UTC datetimes.
"""

from __future__ import annotations

import datetime as _dt
import re
from typing import Any, Optional
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import AggregationError

__all__ = ["parse_timezone", "to_local", "from_local", "utc_offset"]

_UTC = _dt.timezone.utc
_OFFSET = re.compile(r"^([+-])(\d{2})(?::?(\d{2}))?$")


def parse_timezone(value: Any) -> Optional[_dt.tzinfo]:
    """The tzinfo a ``timezone`` argument names (None for null/UTC)."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise AggregationError(f"timezone must evaluate to a string, found {type(value).__name__}")
    match = _OFFSET.match(value)
    if match:
        sign = -1 if match.group(1) == "-" else 1
        minutes = int(match.group(2)) * 60 + int(match.group(3) or 0)
        return _dt.timezone(sign * _dt.timedelta(minutes=minutes))
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise AggregationError(f"unrecognized time zone identifier: \"{value}\"") from None


def to_local(date: _dt.datetime, tz: Optional[_dt.tzinfo]) -> _dt.datetime:
    """The naive wall-clock time of naive-UTC ``date`` in ``tz``."""
    if tz is None:
        return date
    return date.replace(tzinfo=_UTC).astimezone(tz).replace(tzinfo=None)


def from_local(local: _dt.datetime, tz: Optional[_dt.tzinfo]) -> _dt.datetime:
    """The naive-UTC instant of wall-clock time ``local`` in ``tz``."""
    if tz is None:
        return local
    return local.replace(tzinfo=tz).astimezone(_UTC).replace(tzinfo=None)


def utc_offset(date: _dt.datetime, tz: Optional[_dt.tzinfo]) -> _dt.timedelta:
    """The offset of ``tz`` from UTC at the instant ``date``."""
    if tz is None:
        return _dt.timedelta(0)
    return date.replace(tzinfo=_UTC).astimezone(tz).utcoffset() or _dt.timedelta(0)
