"""Array, set and object expression operators, and the accumulators usable on arrays."""

from __future__ import annotations

import math
from typing import Any, Dict, List, Optional

from .bson_order import MISSING, equal, is_number, to_decimal, value_key
from .errors import AggregationError
from .expressions import Context, args_list, args_or_none, evaluate, nullish, operator
from .ops_core import add_numbers, truthy, type_name

__all__ = ["array_arg"]


def array_arg(value: Any, name: str) -> List[Any]:
    """``value`` if it is an array, else the error MongoDB raises."""
    if not isinstance(value, list):
        raise AggregationError(f"{name}'s argument must be an array, but is {type_name(value)}")
    return value


def _index(value: Any, name: str) -> int:
    if not is_number(value) or to_decimal(value) != int(to_decimal(value)):
        raise AggregationError(f"{name}'s second argument must be a numeric value that can be "
                               f"represented as a 32-bit integer")
    return int(to_decimal(value))


@operator("$arrayElemAt")
def _array_elem_at(arg: Any, ctx: Context) -> Any:
    array, idx = args_list(arg, ctx, "$arrayElemAt", 2)
    if nullish(array) or nullish(idx):
        return None
    array = array_arg(array, "$arrayElemAt")
    i = _index(idx, "$arrayElemAt")
    if -len(array) <= i < len(array):
        return array[i]
    return MISSING


def _end(name: str, position: int) -> None:
    def run(arg: Any, ctx: Context) -> Any:
        (value,) = args_list(arg, ctx, name, 1)
        if nullish(value):
            return None
        array = array_arg(value, name)
        return array[position] if array else MISSING
    operator(name)(run)


_end("$first", 0)
_end("$last", -1)


@operator("$size")
def _size(arg: Any, ctx: Context) -> Any:
    (value,) = args_list(arg, ctx, "$size", 1)
    if not isinstance(value, list):
        raise AggregationError(f"The argument to $size must be an array. Type of argument "
                               f"is: {type_name(value)}")
    return len(value)


@operator("$isArray")
def _is_array(arg: Any, ctx: Context) -> Any:
    (value,) = args_list(arg, ctx, "$isArray", 1)
    return isinstance(value, list)


@operator("$concatArrays")
def _concat_arrays(arg: Any, ctx: Context) -> Any:
    values = args_or_none(arg, ctx, "$concatArrays")
    if values is None:
        return None
    out: List[Any] = []
    for v in values:
        out.extend(array_arg(v, "$concatArrays"))
    return out


@operator("$slice")
def _slice(arg: Any, ctx: Context) -> Any:
    values = args_or_none(arg, ctx, "$slice")
    if values is None:
        return None
    array = array_arg(values[0], "$slice")
    if len(values) == 2:
        n = _index(values[1], "$slice")
        return array[:n] if n >= 0 else array[max(len(array) + n, 0):]
    position, n = _index(values[1], "$slice"), _index(values[2], "$slice")
    if n <= 0:
        raise AggregationError("$slice's third argument must be positive")
    start = position if position >= 0 else max(len(array) + position, 0)
    return array[start:start + n]


@operator("$reverseArray")
def _reverse(arg: Any, ctx: Context) -> Any:
    (value,) = args_list(arg, ctx, "$reverseArray", 1)
    return None if nullish(value) else list(reversed(array_arg(value, "$reverseArray")))


@operator("$in")
def _in(arg: Any, ctx: Context) -> Any:
    value, array = args_list(arg, ctx, "$in", 2)
    if not isinstance(array, list):
        raise AggregationError(f"$in requires an array as a second argument, found: {type_name(array)}")
    return any(equal(value, element) for element in array)


@operator("$indexOfArray")
def _index_of_array(arg: Any, ctx: Context) -> Any:
    values = args_list(arg, ctx, "$indexOfArray")
    if nullish(values[0]):
        return None
    array = array_arg(values[0], "$indexOfArray")
    start = _index(values[2], "$indexOfArray") if len(values) > 2 else 0
    end = _index(values[3], "$indexOfArray") if len(values) > 3 else len(array)
    for i in range(start, min(end, len(array))):
        if equal(array[i], values[1]):
            return i
    return -1


@operator("$range")
def _range(arg: Any, ctx: Context) -> Any:
    values = args_list(arg, ctx, "$range")
    step = _index(values[2], "$range") if len(values) > 2 else 1
    if step == 0:
        raise AggregationError("$range requires a non-zero step value")
    return list(range(_index(values[0], "$range"), _index(values[1], "$range"), step))


def _bound(arg: Any, ctx: Context, name: str) -> Dict[str, Any]:
    if not isinstance(arg, dict) or "input" not in arg:
        raise AggregationError(f"Missing 'input' parameter to {name}")
    return arg


def _input_array(spec: Dict[str, Any], ctx: Context, name: str) -> Optional[List[Any]]:
    """The evaluated ``input`` array of ``spec``; None when it is null or missing."""
    values = evaluate(spec["input"], ctx)
    return None if nullish(values) else array_arg(values, name)


@operator("$filter")
def _filter(arg: Any, ctx: Context) -> Any:
    spec = _bound(arg, ctx, "$filter")
    unknown = set(spec) - {"input", "as", "cond", "limit"}
    if unknown or "cond" not in spec:
        raise AggregationError(f"Unrecognized parameter to $filter: {sorted(unknown or {'cond'})[0]}")
    values = _input_array(spec, ctx, "$filter")
    if values is None:
        return None
    limit = None
    if "limit" in spec:
        raw = evaluate(spec["limit"], ctx)
        if not nullish(raw):
            limit = _index(raw, "$filter")
            if limit < 1:
                raise AggregationError("$filter: limit must be greater than 0")
    name = spec.get("as", "this")
    out: List[Any] = []
    for element in values:
        if limit is not None and len(out) >= limit:
            break
        if truthy(evaluate(spec["cond"], ctx.bind({name: element}))):
            out.append(element)
    return out


@operator("$map")
def _map(arg: Any, ctx: Context) -> Any:
    spec = _bound(arg, ctx, "$map")
    values = _input_array(spec, ctx, "$map")
    if values is None:
        return None
    name = spec.get("as", "this")
    mapped = (evaluate(spec["in"], ctx.bind({name: v})) for v in values)
    return [None if v is MISSING else v for v in mapped]


@operator("$reduce")
def _reduce(arg: Any, ctx: Context) -> Any:
    spec = _bound(arg, ctx, "$reduce")
    values = _input_array(spec, ctx, "$reduce")
    if values is None:
        return None
    acc = evaluate(spec.get("initialValue"), ctx)
    for element in values:
        acc = evaluate(spec["in"], ctx.bind({"this": element, "value": acc}))
    return acc


@operator("$sortArray")
def _sort_array(arg: Any, ctx: Context) -> Any:
    spec = _bound(arg, ctx, "$sortArray")
    values = _input_array(spec, ctx, "$sortArray")
    if values is None:
        return None
    by = spec.get("sortBy", 1)
    items = list(values)
    if isinstance(by, dict):
        from .paths import get_path
        for field, direction in reversed(list(by.items())):
            items.sort(key=lambda v: value_key(get_path(v, field.split("."))), reverse=direction == -1)
        return items
    return sorted(items, key=value_key, reverse=by == -1)


@operator("$zip")
def _zip(arg: Any, ctx: Context) -> Any:
    if not isinstance(arg, dict) or "inputs" not in arg:
        raise AggregationError("$zip requires 'inputs'")
    inputs = evaluate(arg["inputs"], ctx)
    if any(nullish(v) for v in inputs):
        return None
    longest = bool(evaluate(arg.get("useLongestLength", False), ctx))
    defaults = evaluate(arg["defaults"], ctx) if "defaults" in arg else [None] * len(inputs)
    length = max(map(len, inputs)) if longest else min(map(len, inputs))
    return [[a[i] if i < len(a) else defaults[j] for j, a in enumerate(inputs)] for i in range(length)]


def _set_op(name: str) -> None:
    def run(arg: Any, ctx: Context) -> Any:
        values = args_list(arg, ctx, name)
        if name in ("$setUnion", "$setIntersection", "$setDifference") and any(nullish(v) for v in values):
            return None
        sets = [_unique(array_arg(v, name)) for v in values]
        if name == "$setUnion":
            return _unique([x for s in sets for x in s])
        if name == "$setIntersection":
            return [x for x in sets[0] if all(any(equal(x, y) for y in s) for s in sets[1:])] if sets else []
        if name == "$setDifference":
            return [x for x in sets[0] if not any(equal(x, y) for y in sets[1])]
        if name == "$setEquals":
            return all(_same(sets[0], s) for s in sets[1:])
        return all(any(equal(x, y) for y in sets[1]) for x in sets[0])  # $setIsSubset
    operator(name)(run)


def _unique(values: List[Any]) -> List[Any]:
    out: List[Any] = []
    for v in values:
        if not any(equal(v, u) for u in out):
            out.append(v)
    return out


def _same(a: List[Any], b: List[Any]) -> bool:
    return all(any(equal(x, y) for y in b) for x in a) and all(any(equal(x, y) for y in a) for x in b)


for _name in ("$setUnion", "$setIntersection", "$setDifference", "$setEquals", "$setIsSubset"):
    _set_op(_name)


@operator("$anyElementTrue")
def _any_true(arg: Any, ctx: Context) -> Any:
    (value,) = args_list(arg, ctx, "$anyElementTrue", 1)
    return any(truthy(v) for v in array_arg(value, "$anyElementTrue"))


@operator("$allElementsTrue")
def _all_true(arg: Any, ctx: Context) -> Any:
    (value,) = args_list(arg, ctx, "$allElementsTrue", 1)
    return all(truthy(v) for v in array_arg(value, "$allElementsTrue"))


# ------------------------------------------------------------------ objects
@operator("$mergeObjects")
def _merge_objects(arg: Any, ctx: Context) -> Any:
    out: Dict[str, Any] = {}
    for value in args_list(arg, ctx, "$mergeObjects"):
        if nullish(value):
            continue
        if not isinstance(value, dict):
            raise AggregationError(f"$mergeObjects requires object inputs, but input is of type {type_name(value)}")
        out.update(value)
    return out


@operator("$objectToArray")
def _object_to_array(arg: Any, ctx: Context) -> Any:
    (value,) = args_list(arg, ctx, "$objectToArray", 1)
    if nullish(value):
        return None
    if not isinstance(value, dict):
        raise AggregationError(f"$objectToArray requires a document input, found: {type_name(value)}")
    return [{"k": k, "v": v} for k, v in value.items()]


@operator("$arrayToObject")
def _array_to_object(arg: Any, ctx: Context) -> Any:
    (value,) = args_list(arg, ctx, "$arrayToObject", 1)
    if nullish(value):
        return None
    out: Dict[str, Any] = {}
    for pair in array_arg(value, "$arrayToObject"):
        if isinstance(pair, dict) and set(pair) == {"k", "v"}:
            out[pair["k"]] = pair["v"]
        elif isinstance(pair, list) and len(pair) == 2:
            out[pair[0]] = pair[1]
        else:
            raise AggregationError("$arrayToObject requires an array of key-value pairs")
    return out


@operator("$getField")
def _get_field(arg: Any, ctx: Context) -> Any:
    spec = arg if isinstance(arg, dict) and "field" in arg else {"field": arg, "input": "$$CURRENT"}
    source = evaluate(spec.get("input", "$$CURRENT"), ctx)
    field = evaluate(spec["field"], ctx) if not isinstance(spec["field"], str) else spec["field"]
    if nullish(source):
        return None
    return source.get(field, MISSING) if isinstance(source, dict) else MISSING


@operator("$setField")
def _set_field(arg: Any, ctx: Context) -> Any:
    source = evaluate(arg.get("input"), ctx)
    if nullish(source):
        return None
    out = dict(source)
    value = evaluate(arg.get("value"), ctx)
    if value is MISSING:
        out.pop(arg["field"], None)
    else:
        out[arg["field"]] = value
    return out


@operator("$unsetField")
def _unset_field(arg: Any, ctx: Context) -> Any:
    return _set_field({**arg, "value": "$$REMOVE"}, ctx)


# ------------------------------------------------------------------ accumulators on arrays
def _numbers(values: List[Any]) -> List[Any]:
    flat: List[Any] = []
    for v in values:
        flat.extend(v if isinstance(v, list) else [v])
    return [v for v in flat if is_number(v)]


def _array_accumulator(name: str) -> None:
    def run(arg: Any, ctx: Context) -> Any:
        values = args_list(arg, ctx, name)
        if len(values) == 1 and not isinstance(arg, list):
            values = values[0] if isinstance(values[0], list) else values
        if name in ("$max", "$min"):
            present = [v for v in values if not nullish(v)]
            if not present:
                return None
            pick = max if name == "$max" else min
            return pick(present, key=value_key)
        numbers = _numbers(values) if isinstance(arg, list) else [v for v in values if is_number(v)]
        if name == "$sum":
            return add_numbers(numbers) if numbers else 0
        if not numbers:
            return None
        mean = float(sum(to_decimal(v) for v in numbers) / len(numbers))
        if name == "$avg":
            return mean
        squares = sum((float(v) - mean) ** 2 for v in numbers)
        if name == "$stdDevPop":
            return math.sqrt(squares / len(numbers))
        return math.sqrt(squares / (len(numbers) - 1)) if len(numbers) > 1 else None
    operator(name)(run)


for _name in ("$sum", "$avg", "$max", "$min", "$stdDevPop", "$stdDevSamp"):
    _array_accumulator(_name)


def _n_of(name: str) -> None:
    def run(arg: Any, ctx: Context) -> Any:
        if not isinstance(arg, dict) or set(arg) != {"n", "input"}:
            raise AggregationError(f"{name} requires 'n' and 'input'")
        n = _index(evaluate(arg["n"], ctx), name)
        values = evaluate(arg["input"], ctx)
        if nullish(values):
            return None
        values = array_arg(values, name)
        if name == "$firstN":
            return values[:n]
        if name == "$lastN":
            return values[-n:] if n else []
        present = [v for v in values if not nullish(v)]
        ordered = sorted(present, key=value_key, reverse=name == "$maxN")
        return ordered[:n]
    operator(name)(run)


for _name in ("$firstN", "$lastN", "$maxN", "$minN"):
    _n_of(_name)

