"""String and regular-expression expression operators."""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional

from bson import Regex

from .bson_order import is_number, to_decimal
from .errors import AggregationError
from .expressions import Context, args_list, args_or_none, evaluate, nullish, operator
from .ops_convert import convert
from .ops_core import type_name

__all__ = ["compile_regex"]

_FLAGS = {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL, "x": re.VERBOSE, "u": 0}


def compile_regex(pattern: Any, options: Optional[str] = None) -> "re.Pattern[str]":
    """A Python pattern for a MongoDB regex (a string, ``bson.Regex`` or compiled pattern)
    with ``options`` (``i``, ``m``, ``s``, ``x``); given in both places is an error."""
    flags = 0
    text: str
    if isinstance(pattern, Regex):
        text = str(pattern.pattern)
        own = pattern.flags if isinstance(pattern.flags, int) else 0
        flags |= own & (re.IGNORECASE | re.MULTILINE | re.DOTALL | re.VERBOSE)
        if isinstance(pattern.flags, str):
            options = (options or "") + pattern.flags
    elif isinstance(pattern, re.Pattern):
        text = pattern.pattern
        flags |= pattern.flags & (re.IGNORECASE | re.MULTILINE | re.DOTALL | re.VERBOSE)
    elif isinstance(pattern, str):
        text = pattern
    else:
        raise AggregationError(f"regex must be a string or a regular expression, not {type_name(pattern)}")
    for char in options or "":
        if char not in _FLAGS:
            raise AggregationError(f"invalid flag in regex options: {char}")
        flags |= _FLAGS[char]
    try:
        return re.compile(text, flags)
    except re.error as err:
        raise AggregationError(f"invalid regular expression {text!r}: {err}") from None


def _string(value: Any, name: str) -> str:
    if nullish(value):
        return ""
    if isinstance(value, str):
        return value
    raise AggregationError(f"{name} requires a string, found {type_name(value)}")


@operator("$concat")
def _concat(arg: Any, ctx: Context) -> Any:
    values = args_or_none(arg, ctx, "$concat")
    if values is None:
        return None
    for v in values:
        if not isinstance(v, str):
            raise AggregationError(f"$concat only supports strings, not {type_name(v)}")
    return "".join(values)


def _case(name: str, upper: bool) -> None:
    def run(arg: Any, ctx: Context) -> Any:
        (value,) = args_list(arg, ctx, name, 1)
        text = "" if nullish(value) else (value if isinstance(value, str) else convert(value, "string"))
        return text.upper() if upper else text.lower()
    operator(name)(run)


_case("$toUpper", True)
_case("$toLower", False)


def _substr(name: str, by_bytes: bool) -> None:
    def run(arg: Any, ctx: Context) -> Any:
        value, start, length = args_list(arg, ctx, name, 3)
        text = _string(value, name) if not is_number(value) else convert(value, "string")
        s, n = int(to_decimal(start)), int(to_decimal(length))
        if by_bytes:
            raw = text.encode()
            return raw[s:].decode() if n < 0 else raw[s:s + n].decode()
        return text[s:] if n < 0 else text[s:s + n]
    operator(name)(run)


_substr("$substr", True)
_substr("$substrBytes", True)
_substr("$substrCP", False)


@operator("$strLenCP")
def _strlen_cp(arg: Any, ctx: Context) -> Any:
    (value,) = args_list(arg, ctx, "$strLenCP", 1)
    if not isinstance(value, str):
        raise AggregationError(f"$strLenCP requires a string argument, found: {type_name(value)}")
    return len(value)


@operator("$strLenBytes")
def _strlen_bytes(arg: Any, ctx: Context) -> Any:
    (value,) = args_list(arg, ctx, "$strLenBytes", 1)
    if not isinstance(value, str):
        raise AggregationError(f"$strLenBytes requires a string argument, found: {type_name(value)}")
    return len(value.encode())


@operator("$strcasecmp")
def _strcasecmp(arg: Any, ctx: Context) -> Any:
    a, b = (_string(v, "$strcasecmp").upper() for v in args_list(arg, ctx, "$strcasecmp", 2))
    return (a > b) - (a < b)


@operator("$split")
def _split(arg: Any, ctx: Context) -> Any:
    value, sep = args_list(arg, ctx, "$split", 2)
    if nullish(value):
        return None
    if not isinstance(value, str) or not isinstance(sep, str) or not sep:
        raise AggregationError("$split requires a string and a non-empty string delimiter")
    return value.split(sep)


@operator("$indexOfCP")
def _index_of_cp(arg: Any, ctx: Context) -> Any:
    values = args_list(arg, ctx, "$indexOfCP")
    if nullish(values[0]):
        return None
    text, sub = values[0], values[1]
    start = int(to_decimal(values[2])) if len(values) > 2 else 0
    end = int(to_decimal(values[3])) if len(values) > 3 else len(text)
    return text.find(sub, start, end)


def _trim(name: str, left: bool, right: bool) -> None:
    def run(arg: Any, ctx: Context) -> Any:
        if not isinstance(arg, dict) or "input" not in arg:
            raise AggregationError(f"{name} requires an 'input' field")
        value = evaluate(arg["input"], ctx)
        if nullish(value):
            return None
        chars = evaluate(arg["chars"], ctx) if "chars" in arg else None
        text = _string(value, name)
        if left:
            text = text.lstrip(chars)
        if right:
            text = text.rstrip(chars)
        return text
    operator(name)(run)


_trim("$trim", True, True)
_trim("$ltrim", True, False)
_trim("$rtrim", False, True)


def _replace(name: str, count: int) -> None:
    def run(arg: Any, ctx: Context) -> Any:
        spec = {k: evaluate(arg.get(k), ctx) for k in ("input", "find", "replacement")}
        if any(nullish(v) for v in spec.values()):
            return None
        return spec["input"].replace(spec["find"], spec["replacement"], count)
    operator(name)(run)


_replace("$replaceOne", 1)
_replace("$replaceAll", -1)


def _regex_spec(arg: Any, ctx: Context, name: str) -> Optional[tuple]:  # type: ignore[type-arg]
    if not isinstance(arg, dict) or "input" not in arg or "regex" not in arg:
        raise AggregationError(f"{name} requires 'input' and 'regex'")
    unknown = set(arg) - {"input", "regex", "options"}
    if unknown:
        raise AggregationError(f"{name} found an unknown argument: {sorted(unknown)[0]}")
    text = evaluate(arg["input"], ctx)
    regex = evaluate(arg["regex"], ctx)
    options = evaluate(arg["options"], ctx) if "options" in arg else None
    if nullish(options):
        options = None
    if isinstance(regex, (Regex, re.Pattern)) and options and _has_flags(regex):
        raise AggregationError(f"{name}: regex option(s) specified in both 'regex' and 'option' fields")
    if nullish(text) or nullish(regex):
        return None
    if not isinstance(text, str):
        raise AggregationError(f"{name} needs 'input' to be of type string")
    return text, compile_regex(regex, options)


def _has_flags(regex: Any) -> bool:
    if isinstance(regex, Regex):
        return bool(regex.flags)
    return bool(regex.flags & (re.IGNORECASE | re.MULTILINE | re.DOTALL | re.VERBOSE))


def _match_doc(match: "re.Match[str]") -> Dict[str, Any]:
    return {"match": match.group(0), "idx": match.start(), "captures": list(match.groups())}


@operator("$regexMatch")
def _regex_match(arg: Any, ctx: Context) -> Any:
    got = _regex_spec(arg, ctx, "$regexMatch")
    return False if got is None else got[1].search(got[0]) is not None


@operator("$regexFind")
def _regex_find(arg: Any, ctx: Context) -> Any:
    got = _regex_spec(arg, ctx, "$regexFind")
    if got is None:
        return None
    match = got[1].search(got[0])
    return None if match is None else _match_doc(match)


@operator("$regexFindAll")
def _regex_find_all(arg: Any, ctx: Context) -> Any:
    got = _regex_spec(arg, ctx, "$regexFindAll")
    if got is None:
        return []
    found: List[Dict[str, Any]] = [_match_doc(m) for m in got[1].finditer(got[0])]
    return found
