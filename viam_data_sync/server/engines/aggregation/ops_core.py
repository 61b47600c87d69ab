"""Arithmetic, comparison, boolean, conditional and type expression operators."""

from __future__ import annotations

import datetime as _dt
import decimal
import math
from typing import Any, Callable, List

from bson.decimal128 import Decimal128

from .bson_order import MISSING, compare, is_number, to_decimal, type_rank
from .errors import AggregationError
from .expressions import Context, args_list, args_or_none, evaluate, nullish, operator

__all__ = ["truthy", "add_numbers", "fit_long", "type_name"]

_MS = _dt.timedelta(milliseconds=1)


def truthy(value: Any) -> bool:
    """MongoDB truthiness: false, null, missing and zero are false; all else is true."""
    if value is MISSING or value is None or value is False:
        return False
    if is_number(value):
        return bool(to_decimal(value)) if isinstance(value, Decimal128) else value != 0
    return True


def _num(value: Any, name: str) -> Any:
    if not is_number(value):
        raise AggregationError(f"{name} only supports numeric types, not {type_name(value)}")
    return value


def _decimalish(values: List[Any]) -> bool:
    return any(isinstance(v, Decimal128) for v in values)


def fit_long(value: Any) -> Any:
    """An integer beyond a 64-bit long becomes a double, as MongoDB widens it."""
    if isinstance(value, int) and not isinstance(value, bool) and not -(2**63) <= value < 2**63:
        return float(value)
    return value


def add_numbers(values: List[Any]) -> Any:
    """Sum of numbers keeping MongoDB's result type."""
    if _decimalish(values):
        return Decimal128(sum((to_decimal(v) for v in values), decimal.Decimal(0)))
    total: Any = 0
    for v in values:
        total = total + v
    return fit_long(total)


@operator("$add")
def _add(arg: Any, ctx: Context) -> Any:
    values = args_or_none(arg, ctx, "$add")
    if values is None:
        return None
    dates = [v for v in values if isinstance(v, _dt.datetime)]
    if len(dates) > 1:
        raise AggregationError("only one date allowed in an $add expression")
    numbers = [_num(v, "$add") for v in values if not isinstance(v, _dt.datetime)]
    if dates:
        return dates[0] + _dt.timedelta(milliseconds=float(add_numbers(numbers) if numbers else 0))
    return add_numbers(numbers)


@operator("$subtract")
def _subtract(arg: Any, ctx: Context) -> Any:
    a, b = args_list(arg, ctx, "$subtract", 2)
    if nullish(a) or nullish(b):
        return None
    if isinstance(a, _dt.datetime) and isinstance(b, _dt.datetime):
        return (a - b) // _MS
    if isinstance(a, _dt.datetime) and is_number(b):
        return a - _dt.timedelta(milliseconds=float(to_decimal(b)))
    _num(a, "$subtract"), _num(b, "$subtract")
    if _decimalish([a, b]):
        return Decimal128(to_decimal(a) - to_decimal(b))
    return fit_long(a - b)


@operator("$multiply")
def _multiply(arg: Any, ctx: Context) -> Any:
    values = args_or_none(arg, ctx, "$multiply")
    if values is None:
        return None
    for v in values:
        _num(v, "$multiply")
    if _decimalish(values):
        product = decimal.Decimal(1)
        for v in values:
            product *= to_decimal(v)
        return Decimal128(product)
    result: Any = 1
    for v in values:
        result = result * v
    return fit_long(result)


def _division(name: str, decimal_op: Callable[[Any, Any], Any], number_op: Callable[[Any, Any], Any]) -> None:
    def run(arg: Any, ctx: Context) -> Any:
        a, b = args_list(arg, ctx, name, 2)
        if nullish(a) or nullish(b):
            return None
        _num(a, name), _num(b, name)
        if to_decimal(b) == 0:
            raise AggregationError(f"can't {name} by zero")
        if _decimalish([a, b]):
            return Decimal128(decimal_op(to_decimal(a), to_decimal(b)))
        return number_op(a, b)
    operator(name)(run)


_division("$divide", lambda a, b: a / b, lambda a, b: a / b)
_division("$mod", lambda a, b: a % b,
          lambda a, b: math.fmod(a, b) if isinstance(a, float) or isinstance(b, float) else int(math.fmod(a, b)))


def _unary(name: str, fn: Callable[[Any], Any]) -> None:
    def run(arg: Any, ctx: Context) -> Any:
        (value,) = args_list(arg, ctx, name, 1)
        if nullish(value):
            return None
        _num(value, name)
        return fn(value)
    operator(name)(run)


def _int_if_int(fn: Callable[[float], Any]) -> Callable[[Any], Any]:
    def run(value: Any) -> Any:
        if isinstance(value, Decimal128):
            return Decimal128(decimal.Decimal(fn(float(to_decimal(value)))))
        if isinstance(value, int):
            return value
        if math.isnan(value) or math.isinf(value):
            return value
        return float(fn(value))
    return run


def _float_op(fn: Callable[[float], float], name: str) -> Callable[[Any], Any]:
    def run(value: Any) -> Any:
        try:
            return fn(float(to_decimal(value)) if isinstance(value, Decimal128) else value)
        except (ValueError, OverflowError):
            raise AggregationError(f"{name}'s argument is out of its domain: {value}") from None
    return run


_unary("$abs", lambda v: Decimal128(abs(to_decimal(v))) if isinstance(v, Decimal128) else fit_long(abs(v)))
_unary("$ceil", _int_if_int(math.ceil))
_unary("$floor", _int_if_int(math.floor))
_unary("$sqrt", _float_op(math.sqrt, "$sqrt"))
_unary("$exp", _float_op(math.exp, "$exp"))
_unary("$ln", _float_op(math.log, "$ln"))
_unary("$log10", _float_op(math.log10, "$log10"))


@operator("$log")
def _log(arg: Any, ctx: Context) -> Any:
    a, b = args_list(arg, ctx, "$log", 2)
    if nullish(a) or nullish(b):
        return None
    return math.log(float(to_decimal(_num(a, "$log"))), float(to_decimal(_num(b, "$log"))))


@operator("$pow")
def _pow(arg: Any, ctx: Context) -> Any:
    a, b = args_list(arg, ctx, "$pow", 2)
    if nullish(a) or nullish(b):
        return None
    _num(a, "$pow"), _num(b, "$pow")
    if isinstance(a, int) and isinstance(b, int) and b >= 0:
        return fit_long(a ** b) if b < 64 else float(a) ** b
    return float(a) ** float(b)


def _round_to(value: Any, place: int, mode: str) -> Any:
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return value
    quantum = decimal.Decimal(1).scaleb(-place)
    exact = to_decimal(value)  # a double's exact binary value: the manual rounds 2.45 to 2.5
    rounded = exact.quantize(quantum, rounding=mode) if place >= 0 else \
        (exact / quantum).quantize(decimal.Decimal(1), rounding=mode) * quantum
    if isinstance(value, Decimal128):
        return Decimal128(rounded)
    if isinstance(value, int):
        return int(rounded)
    return float(rounded)


def _rounding(name: str, mode: str) -> None:
    def run(arg: Any, ctx: Context) -> Any:
        values = args_list(arg, ctx, name)
        if not 1 <= len(values) <= 2:
            raise AggregationError(f"{name} takes 1 or 2 arguments")
        value = values[0]
        place = values[1] if len(values) == 2 else 0
        if nullish(value) or nullish(place):
            return None
        _num(value, name)
        if not is_number(place) or int(to_decimal(place)) != to_decimal(place) \
                or not -20 < int(to_decimal(place)) < 100:
            raise AggregationError(f"{name}'s place must be an integer between -20 and 100")
        return _round_to(value, int(to_decimal(place)), mode)
    operator(name)(run)


_rounding("$round", decimal.ROUND_HALF_EVEN)
_rounding("$trunc", decimal.ROUND_DOWN)


# ------------------------------------------------------------------ comparison
def _comparison(name: str, test: Callable[[int], bool]) -> None:
    def run(arg: Any, ctx: Context) -> Any:
        a, b = args_list(arg, ctx, name, 2) if isinstance(arg, list) else (None, None)
        if not isinstance(arg, list):
            raise AggregationError(f"Expression {name} takes exactly 2 arguments")
        return test(compare(a, b))
    operator(name)(run)


_comparison("$eq", lambda c: c == 0)
_comparison("$ne", lambda c: c != 0)
_comparison("$gt", lambda c: c > 0)
_comparison("$gte", lambda c: c >= 0)
_comparison("$lt", lambda c: c < 0)
_comparison("$lte", lambda c: c <= 0)


@operator("$cmp")
def _cmp(arg: Any, ctx: Context) -> Any:
    a, b = args_list(arg, ctx, "$cmp", 2)
    return compare(a, b)


# ------------------------------------------------------------------ boolean, conditional
@operator("$and")
def _and(arg: Any, ctx: Context) -> Any:
    return all(truthy(evaluate(a, ctx)) for a in (arg if isinstance(arg, list) else [arg]))


@operator("$or")
def _or(arg: Any, ctx: Context) -> Any:
    return any(truthy(evaluate(a, ctx)) for a in (arg if isinstance(arg, list) else [arg]))


@operator("$not")
def _not(arg: Any, ctx: Context) -> Any:
    (value,) = args_list(arg, ctx, "$not", 1)
    return not truthy(value)


@operator("$cond")
def _cond(arg: Any, ctx: Context) -> Any:
    if isinstance(arg, list):
        if len(arg) != 3:
            raise AggregationError("Expression $cond takes exactly 3 arguments")
        test, then, other = arg
    elif isinstance(arg, dict) and {"if", "then", "else"} <= set(arg):
        test, then, other = arg["if"], arg["then"], arg["else"]
    else:
        raise AggregationError("$cond needs if, then and else")
    return evaluate(then if truthy(evaluate(test, ctx)) else other, ctx)


@operator("$ifNull")
def _if_null(arg: Any, ctx: Context) -> Any:
    if not isinstance(arg, list) or len(arg) < 2:
        raise AggregationError("$ifNull needs at least two arguments")
    for expr in arg[:-1]:
        value = evaluate(expr, ctx)
        if not nullish(value):
            return value
    return evaluate(arg[-1], ctx)


@operator("$switch")
def _switch(arg: Any, ctx: Context) -> Any:
    if not isinstance(arg, dict) or not isinstance(arg.get("branches"), list):
        raise AggregationError("$switch requires at least one branch")
    for branch in arg["branches"]:
        if not isinstance(branch, dict) or "case" not in branch or "then" not in branch:
            raise AggregationError("$switch requires each branch have a 'case' and 'then'")
        if truthy(evaluate(branch["case"], ctx)):
            return evaluate(branch["then"], ctx)
    if "default" not in arg:
        raise AggregationError("$switch could not find a matching branch for an input, and "
                               "no default was specified.")
    return evaluate(arg["default"], ctx)


# ------------------------------------------------------------------ types
_TYPE_NAMES = {10: "double", 15: "string", 20: "object", 25: "array", 30: "binData",
               35: "objectId", 40: "bool", 45: "date", 47: "timestamp", 50: "regex",
               -1: "minKey", 127: "maxKey", 5: "null", 0: "missing"}


def type_name(value: Any) -> str:
    """The ``$type`` name of a value (``int``, ``long``, ``double``, ``decimal``, ...)."""
    from bson.int64 import Int64
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, Int64):
        return "long"
    if isinstance(value, int):
        return "int" if -(2**31) <= value < 2**31 else "long"
    if isinstance(value, Decimal128):
        return "decimal"
    return _TYPE_NAMES.get(type_rank(value), "javascript")


@operator("$type")
def _type(arg: Any, ctx: Context) -> Any:
    (value,) = args_list(arg, ctx, "$type", 1)
    return type_name(value)


@operator("$isNumber")
def _is_number(arg: Any, ctx: Context) -> Any:
    (value,) = args_list(arg, ctx, "$isNumber", 1)
    return is_number(value)
