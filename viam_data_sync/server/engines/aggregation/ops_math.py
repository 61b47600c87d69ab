"""Trigonometric, bitwise and size operators, and ``$rand``."""

from __future__ import annotations

import math
import random
from typing import Any, Callable

import bson
from bson.binary import Binary
from bson.timestamp import Timestamp

from .bson_order import is_number, to_decimal
from .errors import AggregationError
from .expressions import Context, args_list, args_or_none, nullish, operator
from .ops_core import type_name

__all__: list[str] = []


def _float(name: str, fn: Callable[[float], float]) -> None:
    def run(arg: Any, ctx: Context) -> Any:
        (value,) = args_list(arg, ctx, name, 1)
        if nullish(value):
            return None
        if not is_number(value):
            raise AggregationError(f"{name} only supports numeric types, not {type_name(value)}")
        try:
            return fn(float(to_decimal(value)))
        except (ValueError, OverflowError):
            raise AggregationError(f"cannot apply {name} to {value}, value must be in its domain") from None
    operator(name)(run)


for _name, _fn in (("$sin", math.sin), ("$cos", math.cos), ("$tan", math.tan), ("$asin", math.asin),
                   ("$acos", math.acos), ("$atan", math.atan), ("$sinh", math.sinh), ("$cosh", math.cosh),
                   ("$tanh", math.tanh), ("$asinh", math.asinh), ("$acosh", math.acosh),
                   ("$atanh", math.atanh), ("$degreesToRadians", math.radians),
                   ("$radiansToDegrees", math.degrees)):
    _float(_name, _fn)


@operator("$atan2")
def _atan2(arg: Any, ctx: Context) -> Any:
    values = args_or_none(arg, ctx, "$atan2", 2)
    if values is None:
        return None
    return math.atan2(float(to_decimal(values[0])), float(to_decimal(values[1])))


def _bitwise(name: str, fn: Callable[[int, int], int]) -> None:
    def run(arg: Any, ctx: Context) -> Any:
        values = args_or_none(arg, ctx, name)
        if values is None:
            return None
        if any(not isinstance(v, int) or isinstance(v, bool) for v in values):
            raise AggregationError(f"{name} only supports int and long operands")
        result = values[0]
        for v in values[1:]:
            result = fn(result, v)
        return result
    operator(name)(run)


_bitwise("$bitAnd", lambda a, b: a & b)
_bitwise("$bitOr", lambda a, b: a | b)
_bitwise("$bitXor", lambda a, b: a ^ b)


@operator("$bitNot")
def _bit_not(arg: Any, ctx: Context) -> Any:
    (value,) = args_list(arg, ctx, "$bitNot", 1)
    if nullish(value):
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise AggregationError("$bitNot only supports int and long")
    return ~value


@operator("$rand")
def _rand(arg: Any, ctx: Context) -> Any:
    if arg != {}:
        raise AggregationError("$rand does not currently accept arguments")
    return random.random()


@operator("$binarySize")
def _binary_size(arg: Any, ctx: Context) -> Any:
    (value,) = args_list(arg, ctx, "$binarySize", 1)
    if nullish(value):
        return None
    if isinstance(value, str):
        return len(value.encode())
    if isinstance(value, (bytes, Binary)):
        return len(value)
    raise AggregationError(f"$binarySize requires a string or BinData argument, found: {type_name(value)}")


@operator("$bsonSize")
def _bson_size(arg: Any, ctx: Context) -> Any:
    (value,) = args_list(arg, ctx, "$bsonSize", 1)
    if nullish(value):
        return None
    if not isinstance(value, dict):
        raise AggregationError(f"$bsonSize requires a document input, found: {type_name(value)}")
    return len(bson.encode(value))


def _timestamp_part(name: str, part: str) -> None:
    def run(arg: Any, ctx: Context) -> Any:
        (value,) = args_list(arg, ctx, name, 1)
        if nullish(value):
            return None
        if not isinstance(value, Timestamp):
            raise AggregationError(f"{name} expects argument of type timestamp but received {type_name(value)}")
        return getattr(value, part)
    operator(name)(run)


_timestamp_part("$tsSecond", "time")
_timestamp_part("$tsIncrement", "inc")
