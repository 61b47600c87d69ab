"""Aggregation expressions: field paths, variables, literals and the operator table.

``evaluate(expr, ctx)`` follows the manual's expression rules: a string starting with
``$`` is a field path, ``$$name`` a variable (``ROOT``, ``CURRENT``, ``REMOVE``, ``NOW``
and those bound by ``$let``, ``$filter``, ``$map``, ...); a document whose only key starts
with ``$`` is an operator; any other document is built field by field (a field whose
value is missing is left out); an array is built element by element (a missing element
becomes null). Operators live in the modules ``ops_*`` and register themselves in
:data:`OPERATORS`.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any, Callable, Dict, List, Optional, Tuple

from .bson_order import MISSING
from .errors import AggregationError, UnsupportedError
from .paths import get_path

__all__ = ["Context", "OPERATORS", "evaluate", "compile_expression", "operator", "args_list", "args_or_none",
           "nullish"]


class Context:
    """The document an expression runs over and the variables in scope."""

    __slots__ = ("root", "current", "variables")

    def __init__(self, root: Any, variables: Optional[Dict[str, Any]] = None,
                 current: Any = MISSING) -> None:
        self.root = root
        self.current = root if current is MISSING else current
        self.variables: Dict[str, Any] = variables if variables is not None else {}

    def bind(self, names: Dict[str, Any]) -> "Context":
        """A context with ``names`` added to the variables."""
        return Context(self.root, {**self.variables, **names}, self.current)


Operator = Callable[[Any, Context], Any]
#: Expression operators by name; each takes its raw argument and the context.
OPERATORS: Dict[str, Operator] = {}


def operator(*names: str) -> Callable[[Operator], Operator]:
    """Registers the decorated function as the expression operator(s) ``names``."""
    def register(fn: Operator) -> Operator:
        for name in names:
            OPERATORS[name] = fn
        return fn
    return register


def nullish(value: Any) -> bool:
    """Null or missing."""
    return value is None or value is MISSING


def evaluate(expr: Any, ctx: Context) -> Any:
    """The value of aggregation expression ``expr`` in ``ctx`` (MISSING if it has none)."""
    if isinstance(expr, str):
        if expr.startswith("$$"):
            return _variable(expr[2:], ctx)
        if expr.startswith("$"):
            if len(expr) == 1:
                raise AggregationError("'$' by itself is not a valid field path")
            return get_path(ctx.current, expr[1:].split("."))
        return expr
    if isinstance(expr, dict):
        op = _operator_of(expr)
        if op is not None:
            fn = OPERATORS.get(op[0])
            if fn is None:
                raise UnsupportedError(op[0])
            return fn(op[1], ctx)
        out: Dict[str, Any] = {}
        for key, sub in expr.items():
            if isinstance(key, str) and key.startswith("$"):
                raise AggregationError(f"an expression document may hold only one operator, got {key!r}")
            value = evaluate(sub, ctx)
            if value is not MISSING:
                out[key] = value
        return out
    if isinstance(expr, list):
        return [None if v is MISSING else v for v in (evaluate(e, ctx) for e in expr)]
    return expr


Compiled = Callable[[Context], Any]


def compile_expression(expr: Any) -> Compiled:
    """``expr`` read once, for evaluation over many documents: a function of the context
    returning what ``evaluate(expr, ctx)`` returns, raising what it raises when it would.

    Field paths are split once and documents and arrays built from compiled parts; an
    operator is looked up once and runs as :func:`evaluate` runs it.

    Example:
        >>> fn = compile_expression({"t": "$data.temperature"})
        >>> fn(Context({"data": {"temperature": 21}}))
        {'t': 21}
    """
    if isinstance(expr, str):
        if expr.startswith("$$") or expr == "$":
            return lambda ctx: evaluate(expr, ctx)
        if expr.startswith("$"):
            parts = expr[1:].split(".")
            if len(parts) == 1:
                field = parts[0]

                def top_field(ctx: Context) -> Any:
                    current = ctx.current
                    return current.get(field, MISSING) if isinstance(current, dict) else get_path(current, parts)
                return top_field
            return lambda ctx: get_path(ctx.current, parts)
        return lambda ctx: expr
    if isinstance(expr, dict):
        op = _operator_of(expr)
        if op is None:
            return _compile_document(expr)
        fn, arg = OPERATORS.get(op[0]), op[1]
        if fn is None:
            return lambda ctx: evaluate(expr, ctx)  # raises UnsupportedError when run
        return lambda ctx: fn(arg, ctx)
    if isinstance(expr, list):
        items = [compile_expression(e) for e in expr]
        return lambda ctx: [None if v is MISSING else v for v in (f(ctx) for f in items)]
    return lambda ctx: expr


def _compile_document(expr: Dict[Any, Any]) -> Compiled:
    fields: List[Any] = []
    for key, sub in expr.items():
        if isinstance(key, str) and key.startswith("$"):
            fields.append((key, None))  # raises when reached, after the fields before it
            break
        fields.append((key, compile_expression(sub)))

    def document(ctx: Context) -> Dict[str, Any]:
        out: Dict[str, Any] = {}
        for key, fn in fields:
            if fn is None:
                raise AggregationError(f"an expression document may hold only one operator, got {key!r}")
            value = fn(ctx)
            if value is not MISSING:
                out[key] = value
        return out
    return document


def _operator_of(expr: Dict[Any, Any]) -> Optional[Tuple[str, Any]]:
    """``(name, argument)`` when ``expr`` is an operator document ``{"$name": argument}``."""
    if len(expr) == 1:
        (name, arg), = expr.items()
        if isinstance(name, str) and name.startswith("$"):
            return name, arg
    return None


def _variable(path: str, ctx: Context) -> Any:
    name, _, rest = path.partition(".")
    if name == "ROOT":
        value = ctx.root
    elif name == "CURRENT":
        value = ctx.current
    elif name == "REMOVE":
        return MISSING
    elif name == "NOW":
        value = ctx.variables.get("NOW") or _dt.datetime.now(_dt.timezone.utc).replace(tzinfo=None)
    elif name in ctx.variables:
        value = ctx.variables[name]
    else:
        raise AggregationError(f"use of undefined variable: {name}")
    return get_path(value, rest.split(".")) if rest else value


def args_list(arg: Any, ctx: Context, name: str, count: Optional[int] = None) -> List[Any]:
    """The evaluated arguments of an operator written ``{name: [a, b, ...]}`` (or one)."""
    raw = arg if isinstance(arg, list) else [arg]
    if count is not None and len(raw) != count:
        raise AggregationError(f"Expression {name} takes exactly {count} arguments. "
                               f"{len(raw)} were passed in.")
    return [evaluate(a, ctx) for a in raw]


def args_or_none(arg: Any, ctx: Context, name: str, count: Optional[int] = None) -> Optional[List[Any]]:
    """The evaluated arguments, or None when one is null or missing (the operator is then null)."""
    values = args_list(arg, ctx, name, count)
    return None if any(nullish(v) for v in values) else values


@operator("$literal")
def _literal(arg: Any, ctx: Context) -> Any:
    return arg


@operator("$let")
def _let(arg: Any, ctx: Context) -> Any:
    if not isinstance(arg, dict) or "in" not in arg:
        raise AggregationError("$let needs 'vars' and 'in'")
    names = {k: evaluate(v, ctx) for k, v in (arg.get("vars") or {}).items()}
    return evaluate(arg["in"], ctx.bind(names))
