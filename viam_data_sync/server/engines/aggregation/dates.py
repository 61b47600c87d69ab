"""Date expression operators: parts, ``$dateToString``, ``$dateFromString``, ``$dateTrunc``,
``$dateAdd``/``$dateSubtract``, ``$dateDiff``, ``$dateToParts``, ``$dateFromParts``."""

from __future__ import annotations

import calendar
import datetime as _dt
import re
from typing import Any, Callable, Dict, List, Optional, Tuple

from bson.objectid import ObjectId
from bson.timestamp import Timestamp

from .bson_order import MISSING, is_number, to_decimal
from .errors import AggregationError
from .expressions import Context, evaluate, nullish, operator
from .timezones import from_local, parse_timezone, to_local, utc_offset

__all__ = ["format_date", "parse_date_string", "as_date", "add_units", "MONTH_UNITS", "UNIT_DELTAS"]

_EPOCH = _dt.datetime(1970, 1, 1)
_REFERENCE = _dt.datetime(2000, 1, 1)
UNIT_DELTAS = {"week": _dt.timedelta(weeks=1), "day": _dt.timedelta(days=1),
               "hour": _dt.timedelta(hours=1), "minute": _dt.timedelta(minutes=1),
               "second": _dt.timedelta(seconds=1), "millisecond": _dt.timedelta(milliseconds=1)}
MONTH_UNITS = {"year": 12, "quarter": 3, "month": 1}
_DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"]


def as_date(value: Any, name: str) -> _dt.datetime:
    """A Date, Timestamp or ObjectId as a naive-UTC datetime."""
    if isinstance(value, _dt.datetime):
        return value.astimezone(_dt.timezone.utc).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, Timestamp):
        return _EPOCH + _dt.timedelta(seconds=value.time)
    if isinstance(value, ObjectId):
        return value.generation_time.replace(tzinfo=None)
    raise AggregationError(f"{name} requires a date, a timestamp or an objectId as its date")


def _offset_text(offset: _dt.timedelta, colon: bool = False) -> str:
    minutes = int(offset.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    hours, mins = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}{':' if colon else ''}{mins:02d}"


def format_date(date: _dt.datetime, fmt: str, tz: Optional[_dt.tzinfo]) -> str:
    """``date`` formatted with MongoDB's ``$dateToString`` specifiers, in ``tz``."""
    local = to_local(date, tz)
    offset = utc_offset(date, tz)
    iso_year, iso_week, iso_day = local.isocalendar()
    table: Dict[str, Callable[[], str]] = {
        "d": lambda: f"{local.day:02d}", "G": lambda: f"{iso_year:04d}",
        "H": lambda: f"{local.hour:02d}", "j": lambda: f"{local.timetuple().tm_yday:03d}",
        "L": lambda: f"{local.microsecond // 1000:03d}", "m": lambda: f"{local.month:02d}",
        "M": lambda: f"{local.minute:02d}", "S": lambda: f"{local.second:02d}",
        "w": lambda: str(local.isoweekday() % 7 + 1), "u": lambda: str(iso_day),
        "U": lambda: local.strftime("%U"), "V": lambda: f"{iso_week:02d}",
        "Y": lambda: f"{local.year:04d}", "z": lambda: _offset_text(offset),
        "Z": lambda: str(int(offset.total_seconds() // 60)), "%": lambda: "%",
        "b": lambda: _MONTHS[local.month - 1][:3], "B": lambda: _MONTHS[local.month - 1],
    }
    out: List[str] = []
    index = 0
    while index < len(fmt):
        char = fmt[index]
        if char == "%":
            if index + 1 >= len(fmt):
                raise AggregationError("Unmatched '%' at end of format string")
            spec = fmt[index + 1]
            if spec not in table:
                raise AggregationError(f"Invalid format character '%{spec}' in format string")
            out.append(table[spec]())
            index += 2
        else:
            out.append(char)
            index += 1
    return "".join(out)


_ISO = re.compile(
    r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?"
    r"\s*(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?\s*$")
_SPEC_PATTERNS = {"Y": r"(?P<Y>\d{4})", "m": r"(?P<m>\d{1,2})", "d": r"(?P<d>\d{1,2})",
                  "H": r"(?P<H>\d{1,2})", "M": r"(?P<M>\d{1,2})", "S": r"(?P<S>\d{1,2})",
                  "L": r"(?P<L>\d{1,3})", "z": r"(?P<z>[+-]\d{2}:?\d{2})",
                  "Z": r"(?P<Z>[+-]?\d+)", "j": r"(?P<j>\d{1,3})", "%": "%",
                  "b": r"(?P<b>[A-Za-z]{3})", "B": r"(?P<B>[A-Za-z]+)"}


def parse_date_string(text: str, fmt: Optional[str], tz: Optional[_dt.tzinfo]) -> _dt.datetime:
    """A date string (ISO 8601 by default, or ``fmt``) as a naive-UTC datetime."""
    if fmt is None:
        match = _ISO.match(text)
        if not match:
            raise AggregationError(f"Error parsing date string '{text}'")
        y, mo, d, h, mi, s, frac, zone = match.groups()
        local = _dt.datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0),
                             int((frac or "0")[:6].ljust(6, "0")))
        if zone:
            if zone in ("Z", "UTC", "GMT"):
                return local
            return from_local(local, parse_timezone(zone if len(zone) != 5 else zone[:3] + ":" + zone[3:]))
        return from_local(local, tz)
    pattern = ""
    index = 0
    while index < len(fmt):
        if fmt[index] == "%" and index + 1 < len(fmt):
            spec = fmt[index + 1]
            if spec not in _SPEC_PATTERNS:
                raise AggregationError(f"Invalid format character '%{spec}' in format string")
            pattern += _SPEC_PATTERNS[spec]
            index += 2
        else:
            pattern += re.escape(fmt[index])
            index += 1
    match = re.fullmatch(pattern, text)
    if not match:
        raise AggregationError(f"Error parsing date string '{text}' with format '{fmt}'")
    parts = match.groupdict()
    month = int(parts["m"]) if parts.get("m") else 1
    for key in ("b", "B"):
        if parts.get(key):
            names = [m[:len(parts[key])].lower() for m in _MONTHS]
            month = names.index(parts[key].lower()) + 1
    local = _dt.datetime(int(parts.get("Y") or 1970), month, int(parts.get("d") or 1),
                         int(parts.get("H") or 0), int(parts.get("M") or 0), int(parts.get("S") or 0),
                         int(parts.get("L") or 0) * 1000)
    if parts.get("j"):
        local = local.replace(month=1, day=1) + _dt.timedelta(days=int(parts["j"]) - 1)
    if parts.get("z"):
        return from_local(local, parse_timezone(parts["z"]))
    if parts.get("Z"):
        return local - _dt.timedelta(minutes=int(parts["Z"]))
    return from_local(local, tz)


def _date_args(arg: Any, ctx: Context, name: str) -> Tuple[Any, Optional[_dt.tzinfo]]:
    if isinstance(arg, dict) and "date" in arg:
        unknown = set(arg) - {"date", "timezone"}
        if unknown:
            raise AggregationError(f"unrecognized option to {name}: {sorted(unknown)[0]}")
        return evaluate(arg["date"], ctx), _tz(arg, ctx)
    if isinstance(arg, list):
        if len(arg) != 1:
            raise AggregationError(f"Expression {name} takes exactly 1 arguments.")
        arg = arg[0]
    return evaluate(arg, ctx), None


def _tz(spec: Dict[str, Any], ctx: Context) -> Optional[_dt.tzinfo]:
    if "timezone" not in spec:
        return None
    value = evaluate(spec["timezone"], ctx)
    return parse_timezone(None if value is MISSING else value)


def _part(name: str, fn: Callable[[_dt.datetime], int]) -> None:
    def run(arg: Any, ctx: Context) -> Any:
        value, tz = _date_args(arg, ctx, name)
        if nullish(value):
            return None
        return fn(to_local(as_date(value, name), tz))
    operator(name)(run)


_part("$year", lambda d: d.year)
_part("$month", lambda d: d.month)
_part("$dayOfMonth", lambda d: d.day)
_part("$hour", lambda d: d.hour)
_part("$minute", lambda d: d.minute)
_part("$second", lambda d: d.second)
_part("$millisecond", lambda d: d.microsecond // 1000)
_part("$dayOfYear", lambda d: d.timetuple().tm_yday)
_part("$dayOfWeek", lambda d: d.isoweekday() % 7 + 1)
_part("$week", lambda d: int(d.strftime("%U")))
_part("$isoWeek", lambda d: d.isocalendar()[1])
_part("$isoWeekYear", lambda d: d.isocalendar()[0])
_part("$isoDayOfWeek", lambda d: d.isoweekday())


def _spec(arg: Any, name: str, allowed: set) -> Dict[str, Any]:  # type: ignore[type-arg]
    if not isinstance(arg, dict):
        raise AggregationError(f"{name} only supports an object as its argument")
    unknown = set(arg) - allowed
    if unknown:
        raise AggregationError(f"Unrecognized argument to {name}: {sorted(unknown)[0]}")
    return arg


@operator("$dateToString")
def _date_to_string(arg: Any, ctx: Context) -> Any:
    spec = _spec(arg, "$dateToString", {"date", "format", "timezone", "onNull"})
    if "date" not in spec:
        raise AggregationError("Missing 'date' parameter to $dateToString")
    value = evaluate(spec["date"], ctx)
    if nullish(value):
        return evaluate(spec["onNull"], ctx) if "onNull" in spec else None
    fmt = evaluate(spec["format"], ctx) if "format" in spec else "%Y-%m-%dT%H:%M:%S.%LZ"
    if nullish(fmt):
        return None
    return format_date(as_date(value, "$dateToString"), fmt, _tz(spec, ctx))


@operator("$dateFromString")
def _date_from_string(arg: Any, ctx: Context) -> Any:
    spec = _spec(arg, "$dateFromString", {"dateString", "format", "timezone", "onError", "onNull"})
    text = evaluate(spec.get("dateString"), ctx)
    if nullish(text):
        return evaluate(spec["onNull"], ctx) if "onNull" in spec else None
    try:
        if not isinstance(text, str):
            raise AggregationError("$dateFromString requires that 'dateString' be a string")
        fmt = evaluate(spec["format"], ctx) if "format" in spec else None
        return parse_date_string(text, fmt, _tz(spec, ctx))
    except AggregationError:
        if "onError" in spec:
            return evaluate(spec["onError"], ctx)
        raise


def _add_months(local: _dt.datetime, months: int) -> _dt.datetime:
    total = local.year * 12 + local.month - 1 + months
    year, month = divmod(total, 12)
    if not 1 <= year <= 9999:
        raise AggregationError("date overflow in $dateAdd")
    day = min(local.day, calendar.monthrange(year, month + 1)[1])
    return local.replace(year=year, month=month + 1, day=day)


def add_units(date: _dt.datetime, unit: str, amount: int, tz: Optional[_dt.tzinfo]) -> _dt.datetime:
    """``date`` moved by ``amount`` ``unit``s; calendar units in ``tz``'s wall clock."""
    if unit in MONTH_UNITS:
        return from_local(_add_months(to_local(date, tz), amount * MONTH_UNITS[unit]), tz)
    if unit in ("day", "week"):
        return from_local(to_local(date, tz) + UNIT_DELTAS[unit] * amount, tz)
    if unit not in UNIT_DELTAS:
        raise AggregationError(f"unknown time unit value: {unit}")
    return date + UNIT_DELTAS[unit] * amount


def _date_arith(name: str, sign: int) -> None:
    def run(arg: Any, ctx: Context) -> Any:
        spec = _spec(arg, name, {"startDate", "unit", "amount", "timezone"})
        start, unit, amount = (evaluate(spec.get(k), ctx) for k in ("startDate", "unit", "amount"))
        if nullish(start) or nullish(unit) or nullish(amount):
            return None
        if not is_number(amount) or to_decimal(amount) != int(to_decimal(amount)):
            raise AggregationError(f"{name} requires an integral 'amount'")
        return add_units(as_date(start, name), unit, sign * int(to_decimal(amount)), _tz(spec, ctx))
    operator(name)(run)


_date_arith("$dateAdd", 1)
_date_arith("$dateSubtract", -1)


def _week_start(local: _dt.datetime, start_of_week: str) -> _dt.datetime:
    first = _start_day(start_of_week)
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return day - _dt.timedelta(days=(day.weekday() - first) % 7)


def _start_day(value: Any) -> int:
    text = str(value).lower()
    for index, day in enumerate(_DAYS):
        if text in (day, day[:3]):
            return index
    raise AggregationError(f"unknown startOfWeek value: {value}")


def _trunc_local(local: _dt.datetime, unit: str, bin_size: int, start_of_week: str) -> _dt.datetime:
    if unit in MONTH_UNITS:
        months = (local.year - 2000) * 12 + local.month - 1
        step = MONTH_UNITS[unit] * bin_size
        start = months - months % step
        year, month = divmod(start, 12)
        return _dt.datetime(2000 + year, month + 1, 1)
    if unit == "week":
        reference = _week_start(_REFERENCE + _dt.timedelta(days=6), start_of_week)
        week = _week_start(local, start_of_week)
        weeks = (week - reference).days // 7
        return reference + _dt.timedelta(weeks=weeks - weeks % bin_size)
    if unit not in UNIT_DELTAS:
        raise AggregationError(f"unknown time unit value: {unit}")
    size = UNIT_DELTAS[unit] * bin_size
    return _REFERENCE + ((local - _REFERENCE) // size) * size


@operator("$dateTrunc")
def _date_trunc(arg: Any, ctx: Context) -> Any:
    spec = _spec(arg, "$dateTrunc", {"date", "unit", "binSize", "timezone", "startOfWeek"})
    date, unit = evaluate(spec.get("date"), ctx), evaluate(spec.get("unit"), ctx)
    bin_size = evaluate(spec["binSize"], ctx) if "binSize" in spec else 1
    if nullish(date) or nullish(unit) or nullish(bin_size):
        return None
    start_of_week = evaluate(spec["startOfWeek"], ctx) if "startOfWeek" in spec else "sunday"
    if unit == "week" and nullish(start_of_week):
        return None
    if not is_number(bin_size) or to_decimal(bin_size) < 1:
        raise AggregationError("$dateTrunc requires 'binSize' to be a positive integer")
    tz = _tz(spec, ctx)
    local = to_local(as_date(date, "$dateTrunc"), tz)
    return from_local(_trunc_local(local, unit, int(to_decimal(bin_size)), start_of_week), tz)


@operator("$dateDiff")
def _date_diff(arg: Any, ctx: Context) -> Any:
    spec = _spec(arg, "$dateDiff", {"startDate", "endDate", "unit", "timezone", "startOfWeek"})
    start, end, unit = (evaluate(spec.get(k), ctx) for k in ("startDate", "endDate", "unit"))
    if nullish(start) or nullish(end) or nullish(unit):
        return None
    tz = _tz(spec, ctx)
    a, b = to_local(as_date(start, "$dateDiff"), tz), to_local(as_date(end, "$dateDiff"), tz)
    if unit in MONTH_UNITS:
        months = (b.year * 12 + b.month) - (a.year * 12 + a.month)
        if unit == "month":
            return months
        if unit == "year":
            return b.year - a.year
        return (b.year * 4 + (b.month - 1) // 3) - (a.year * 4 + (a.month - 1) // 3)
    if unit == "week":
        sow = evaluate(spec["startOfWeek"], ctx) if "startOfWeek" in spec else "sunday"
        return (_week_start(b, sow) - _week_start(a, sow)).days // 7
    if unit not in UNIT_DELTAS:
        raise AggregationError(f"unknown time unit value: {unit}")
    size = UNIT_DELTAS[unit]
    return (b - _EPOCH) // size - (a - _EPOCH) // size


@operator("$dateToParts")
def _date_to_parts(arg: Any, ctx: Context) -> Any:
    spec = _spec(arg, "$dateToParts", {"date", "timezone", "iso8601"})
    value = evaluate(spec.get("date"), ctx)
    if nullish(value):
        return None
    local = to_local(as_date(value, "$dateToParts"), _tz(spec, ctx))
    tail = {"hour": local.hour, "minute": local.minute, "second": local.second,
            "millisecond": local.microsecond // 1000}
    if evaluate(spec.get("iso8601", False), ctx) is True:
        y, w, d = local.isocalendar()
        return {"isoWeekYear": y, "isoWeek": w, "isoDayOfWeek": d, **tail}
    return {"year": local.year, "month": local.month, "day": local.day, **tail}


@operator("$dateFromParts")
def _date_from_parts(arg: Any, ctx: Context) -> Any:
    fields = ("year", "month", "day", "hour", "minute", "second", "millisecond",
              "isoWeekYear", "isoWeek", "isoDayOfWeek", "timezone")
    spec = _spec(arg, "$dateFromParts", set(fields))
    values = {k: evaluate(spec[k], ctx) for k in fields if k in spec and k != "timezone"}
    if any(nullish(v) for v in values.values()):
        return None
    n = {k: int(to_decimal(v)) for k, v in values.items()}
    if "isoWeekYear" in n:
        base = _dt.datetime.fromisocalendar(n["isoWeekYear"], 1, 1)
        local = base + _dt.timedelta(weeks=n.get("isoWeek", 1) - 1, days=n.get("isoDayOfWeek", 1) - 1)
    elif "year" in n:
        local = _add_months(_dt.datetime(n["year"], 1, 1), n.get("month", 1) - 1)
        local += _dt.timedelta(days=n.get("day", 1) - 1)
    else:
        raise AggregationError("$dateFromParts requires either 'year' or 'isoWeekYear'")
    local += _dt.timedelta(hours=n.get("hour", 0), minutes=n.get("minute", 0),
                           seconds=n.get("second", 0), milliseconds=n.get("millisecond", 0))
    return from_local(local, _tz(spec, ctx))
