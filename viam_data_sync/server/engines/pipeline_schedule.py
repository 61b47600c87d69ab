"""Cron arithmetic of data pipelines: schedules (UTC, five fields, parsed with croniter)
and their windows.

A run covers one data window: the readings whose ``time_received`` lies in
``[previous fire time, fire time)``. ``enable_backfill`` starts a new pipeline at the
window holding the organization's oldest reading (at most :data:`MAX_BACKFILL_WINDOWS`
back).

Example::

    next_fire("0 * * * *", now_ns)   # the next full hour, in ns
"""

from __future__ import annotations

import datetime as _dt
from typing import Optional

from croniter import CroniterError, croniter  # type: ignore[import-untyped]  # croniter ships no stubs; types-croniter is not a dependency

from viam_data_sync._convert import ns_to_datetime

#: Most past windows a backfill runs.
MAX_BACKFILL_WINDOWS = 1000
_UTC = _dt.timezone.utc


class ScheduleError(ValueError):
    """A schedule that is not a five-field cron expression that fires."""


def check_schedule(schedule: str) -> str:
    """A five-field cron expression that fires; :class:`ScheduleError` otherwise."""
    if len(schedule.split()) != 5 or not croniter.is_valid(schedule):
        raise ScheduleError(f"schedule {schedule[:100]!r} is not a five-field cron expression")
    try:
        fires = croniter(schedule, _dt.datetime.now(_UTC))
        fires.get_next(_dt.datetime)
        fires.get_prev(_dt.datetime)
    except CroniterError:  # e.g. "0 0 31 2 *": valid, but never fires
        raise ScheduleError(f"schedule {schedule[:100]!r} never fires") from None
    return schedule


def to_ns(value: _dt.datetime) -> int:
    """An aware datetime in ns since the epoch (microsecond precision)."""
    return (value - _dt.datetime(1970, 1, 1, tzinfo=_UTC)) // _dt.timedelta(microseconds=1) * 1000


def next_fire(schedule: str, after_ns: int) -> int:
    """The first fire time strictly after ``after_ns``."""
    return to_ns(croniter(schedule, ns_to_datetime(after_ns)).get_next(_dt.datetime))


def previous_fire(schedule: str, before_ns: int) -> int:
    """The last fire time strictly before ``before_ns``."""
    return to_ns(croniter(schedule, ns_to_datetime(before_ns)).get_prev(_dt.datetime))


def first_window_end(schedule: str, now: int, oldest_reading_ns: Optional[int]) -> int:
    """The fire time of a new pipeline's first window: the next one, or with a backfill
    (``oldest_reading_ns`` given) the one closing the window that holds that reading."""
    first = next_fire(schedule, now)
    if oldest_reading_ns is None:
        return first
    fires = croniter(schedule, ns_to_datetime(now))
    start = now
    for _ in range(MAX_BACKFILL_WINDOWS + 1):  # back to the window holding the oldest reading
        start = to_ns(fires.get_prev(_dt.datetime))
        if start <= oldest_reading_ns:
            break
    return next_fire(schedule, start)
