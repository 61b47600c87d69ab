"""Type conversion operators: ``$convert`` and its shorthands (``$toDate``, ``$toString``, ...)."""

from __future__ import annotations

import datetime as _dt
import decimal
import math
from typing import Any, Callable, Dict

from bson.decimal128 import Decimal128
from bson.int64 import Int64
from bson.objectid import ObjectId

from .bson_order import MISSING, is_number, to_decimal
from .dates import format_date, parse_date_string
from .errors import AggregationError
from .expressions import Context, args_list, evaluate, nullish, operator
from .ops_core import type_name

__all__ = ["convert"]

_EPOCH = _dt.datetime(1970, 1, 1)


def _to_date(value: Any) -> Any:
    if isinstance(value, _dt.datetime):
        return value
    if isinstance(value, bool):
        raise AggregationError("can't convert from BSON type bool to Date")
    if is_number(value):
        ms = int(to_decimal(value))  # truncated, as the manual says
        return _EPOCH + _dt.timedelta(milliseconds=ms)
    if isinstance(value, str):
        return parse_date_string(value, None, None)
    if isinstance(value, ObjectId):
        return value.generation_time.replace(tzinfo=None)
    raise AggregationError(f"can't convert from BSON type {type_name(value)} to Date")


def _to_string(value: Any) -> Any:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return repr(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if is_number(value):
        return str(value)
    if isinstance(value, ObjectId):
        return str(value)
    if isinstance(value, _dt.datetime):
        return format_date(value, "%Y-%m-%dT%H:%M:%S.%LZ", None)
    raise AggregationError(f"Unsupported conversion from {type_name(value)} to string")


def _to_double(value: Any) -> Any:
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if is_number(value):
        return float(to_decimal(value)) if isinstance(value, Decimal128) else float(value)
    if isinstance(value, str):
        try:
            number = float(value) if "_" not in value else float("x")
        except ValueError:
            raise AggregationError(f"Failed to parse number '{value}' in $convert") from None
        if math.isinf(number) and "inf" not in value.lower():  # e.g. '5e550': out of range
            raise AggregationError(f"Failed to parse number '{value}' in $convert: Out of range")
        return number
    if isinstance(value, _dt.datetime):
        return float((value - _EPOCH) // _dt.timedelta(milliseconds=1))
    raise AggregationError(f"Unsupported conversion from {type_name(value)} to double")


def _to_integer(bits: int) -> Callable[[Any], Any]:
    def run(value: Any) -> Any:
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, str):
            try:
                result = int(value)
            except ValueError:
                raise AggregationError(f"Failed to parse number '{value}' in $convert") from None
        elif is_number(value):
            number = to_decimal(value)
            if not number.is_finite():
                raise AggregationError("Attempt to convert NaN or infinity to an integer")
            result = int(number)
        elif isinstance(value, _dt.datetime) and bits == 64:
            result = (value - _EPOCH) // _dt.timedelta(milliseconds=1)
        else:
            raise AggregationError(f"Unsupported conversion from {type_name(value)} to int")
        if not -(2 ** (bits - 1)) <= result < 2 ** (bits - 1):
            raise AggregationError(f"Conversion would overflow target type in $convert: {value}")
        return Int64(result) if bits == 64 else result
    return run


def _to_decimal(value: Any) -> Any:
    if isinstance(value, bool):
        return Decimal128(decimal.Decimal(int(value)))
    if is_number(value):
        return Decimal128(to_decimal(value) if not isinstance(value, float) else decimal.Decimal(repr(value)))
    if isinstance(value, str):
        try:
            return Decimal128(decimal.Decimal(value))
        except decimal.InvalidOperation:
            raise AggregationError(f"Failed to parse number '{value}' in $convert") from None
    raise AggregationError(f"Unsupported conversion from {type_name(value)} to decimal")


def _to_bool(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if is_number(value):
        return to_decimal(value) != 0
    return True


def _to_object_id(value: Any) -> Any:
    if isinstance(value, ObjectId):
        return value
    if isinstance(value, str):
        try:
            return ObjectId(value)
        except Exception:  # noqa: BLE001 - bson raises InvalidId
            raise AggregationError(f"Failed to parse objectId '{value}' in $convert") from None
    raise AggregationError(f"Unsupported conversion from {type_name(value)} to objectId")


_CONVERTERS: Dict[str, Callable[[Any], Any]] = {
    "date": _to_date, "string": _to_string, "double": _to_double, "int": _to_integer(32),
    "long": _to_integer(64), "decimal": _to_decimal, "bool": _to_bool, "objectId": _to_object_id,
}
_TYPE_NUMBERS = {1: "double", 2: "string", 7: "objectId", 8: "bool", 9: "date", 16: "int",
                 18: "long", 19: "decimal"}


def convert(value: Any, to: str) -> Any:
    """``value`` converted to the type named ``to`` (null or missing stay null)."""
    if nullish(value):
        return None
    return _CONVERTERS[to](value)


def _shorthand(name: str, to: str) -> None:
    def run(arg: Any, ctx: Context) -> Any:
        (value,) = args_list(arg, ctx, name, 1)
        return convert(value, to)
    operator(name)(run)


for _name, _to in (("$toDate", "date"), ("$toString", "string"), ("$toDouble", "double"),
                   ("$toInt", "int"), ("$toLong", "long"), ("$toDecimal", "decimal"),
                   ("$toBool", "bool"), ("$toObjectId", "objectId")):
    _shorthand(_name, _to)


@operator("$convert")
def _convert(arg: Any, ctx: Context) -> Any:
    if not isinstance(arg, dict) or "input" not in arg or "to" not in arg:
        raise AggregationError("$convert needs 'input' and 'to'")
    value = evaluate(arg["input"], ctx)
    to = evaluate(arg["to"], ctx)
    to = _TYPE_NUMBERS.get(int(to), "") if is_number(to) else to
    if to not in _CONVERTERS:
        raise AggregationError(f"Unknown type name in $convert: {to}")
    if nullish(value):
        return evaluate(arg["onNull"], ctx) if "onNull" in arg else None
    try:
        return _CONVERTERS[to](value)
    except AggregationError:
        if "onError" in arg:
            result = evaluate(arg["onError"], ctx)
            return None if result is MISSING else result
        raise
