"""``$project``, ``$addFields``/``$set`` and ``$unset``.

A projection is inclusive (fields set to ``1``/``true`` or to expressions) or exclusive
(fields set to ``0``/``false``), never both, except that ``_id`` may always be excluded;
``_id`` is kept unless excluded. Including ``a.b`` when ``a`` is an array keeps ``b`` in
each element that is a document. A field whose expression yields ``$$REMOVE`` is left
out. ``$addFields`` evaluates every expression against the incoming document; a
document value adds its fields into the embedded document rather than replacing it.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from .bson_order import MISSING, is_number, to_decimal
from .errors import AggregationError
from .expressions import Compiled, Context, compile_expression, evaluate
from .paths import remove_path, set_path

__all__ = ["project", "add_fields", "add_fields_plan", "unset", "projection_tree"]

_INCLUDE, _EXCLUDE = "include", "exclude"


def _is_expression_doc(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 1 and str(next(iter(value))).startswith("$")


def _flag(value: Any) -> Any:
    if isinstance(value, bool):
        return _INCLUDE if value else _EXCLUDE
    if is_number(value):
        return _INCLUDE if to_decimal(value) != 0 else _EXCLUDE
    return None


def projection_tree(spec: Any, stage: str = "$project") -> Dict[str, Any]:
    """The projection as a tree of field names to include/exclude/("expr", e)/subtree."""
    if not isinstance(spec, dict) or not spec:
        raise AggregationError(f"{stage} specification must be an object with at least one field")
    tree: Dict[str, Any] = {}
    for path, value in spec.items():
        if not isinstance(path, str) or path.startswith("$") or not path:
            raise AggregationError(f"FieldPath field names may not start with '$': {path!r}")
        parts = path.split(".")
        node = tree
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise AggregationError(f"Invalid {stage} :: caused by :: Path collision at {path}")
        leaf = parts[-1]
        flag = _flag(value)
        if flag is not None:
            node[leaf] = flag
        elif isinstance(value, dict) and not _is_expression_doc(value):
            sub = projection_tree(value, stage)
            existing = node.get(leaf)
            node[leaf] = {**existing, **sub} if isinstance(existing, dict) else sub
        else:
            node[leaf] = ("expr", value)
    return tree


def _modes(tree: Dict[str, Any], top: bool = True) -> Tuple[bool, bool]:
    includes = excludes = False
    for key, node in tree.items():
        if top and key == "_id" and node in (_INCLUDE, _EXCLUDE):
            continue
        if node == _INCLUDE or isinstance(node, tuple):
            includes = True
        elif node == _EXCLUDE:
            excludes = True
        else:
            sub_in, sub_ex = _modes(node, False)
            includes, excludes = includes or sub_in, excludes or sub_ex
    return includes, excludes


def project(doc: Dict[str, Any], tree: Dict[str, Any], variables: Dict[str, Any]) -> Dict[str, Any]:
    """``doc`` projected with ``tree`` (from :func:`projection_tree`)."""
    includes, excludes = _modes(tree)
    if includes and excludes:
        raise AggregationError("Invalid $project :: caused by :: Cannot do exclusion on field "
                               "in inclusion projection")
    ctx = Context(doc, variables)
    if includes or (not excludes and tree.get("_id") == _INCLUDE):
        out = _include(doc, tree, ctx)
        if "_id" not in tree and "_id" in doc:
            out = {"_id": doc["_id"], **out}
        return out
    return _exclude(doc, tree)


def _include(value: Dict[str, Any], tree: Dict[str, Any], ctx: Context) -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    for key, node in tree.items():
        if node == _EXCLUDE:
            continue
        current = value.get(key, MISSING)
        if node == _INCLUDE:
            if current is not MISSING:
                out[key] = current
        elif isinstance(node, tuple):
            result = evaluate(node[1], ctx)
            if result is not MISSING:
                out[key] = result
        elif isinstance(current, dict):
            out[key] = _include(current, node, ctx)
        elif isinstance(current, list):
            out[key] = _include_array(current, node, ctx)
        elif _has_expression(node):
            out[key] = _include({}, node, ctx)
    return out


def _include_array(values: List[Any], tree: Dict[str, Any], ctx: Context) -> List[Any]:
    out: List[Any] = []
    for element in values:
        if isinstance(element, dict):
            out.append(_include(element, tree, ctx))
        elif isinstance(element, list):
            out.append(_include_array(element, tree, ctx))
    return out


def _has_expression(tree: Dict[str, Any]) -> bool:
    return any(isinstance(n, tuple) or (isinstance(n, dict) and _has_expression(n)) for n in tree.values())


def _exclude(value: Dict[str, Any], tree: Dict[str, Any]) -> Dict[str, Any]:
    out = dict(value)
    for key, node in tree.items():
        if node == _EXCLUDE:
            out.pop(key, None)
        elif isinstance(node, dict) and key in out:
            current = out[key]
            if isinstance(current, dict):
                out[key] = _exclude(current, node)
            elif isinstance(current, list):
                out[key] = [_exclude(e, node) if isinstance(e, dict) else e for e in current]
    return out


def _flatten(spec: Dict[str, Any], prefix: str = "") -> List[Tuple[str, Any]]:
    items: List[Tuple[str, Any]] = []
    for key, value in spec.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and value and not _is_expression_doc(value):
            items.extend(_flatten(value, path + "."))
        else:
            items.append((path, value))
    return items


#: One field of an ``$addFields``/``$set``: its path, its compiled expression, the path's
#: parts (None: the path is not a valid field name) and whether the expression is ``{}``.
FieldPlan = List[Tuple[str, Compiled, Optional[List[str]], bool]]


def add_fields_plan(spec: Any, stage: str) -> FieldPlan:
    """The fields of ``$addFields``/``$set`` spec ``spec``, read once for all documents."""
    if not isinstance(spec, dict):
        raise AggregationError(f"{stage} specification stage must be an object")
    return [(path, compile_expression(expr), None if path.startswith("$") or not path else path.split("."),
             expr == {}) for path, expr in _flatten(spec)]


def add_fields(doc: Dict[str, Any], plan: FieldPlan, variables: Dict[str, Any], stage: str) -> Dict[str, Any]:
    """``doc`` with the fields of an ``$addFields``/``$set`` (from :func:`add_fields_plan`) added."""
    ctx = Context(doc, variables)
    values = []
    for _, expr, parts, empty in plan:
        if parts is None:
            raise AggregationError(f"{stage}: FieldPath field names may not start with '$'")
        values.append((parts, {} if empty else expr(ctx)))
    out = dict(doc)
    owned: Dict[int, Any] = {}  # the documents this call copied into ``out``
    index = 0
    while index < len(values):
        parts, value = values[index]
        if len(parts) == 2:  # "a.x", "a.y", ... in a row (a nested spec): one copy of "a"
            end = index + 1
            while end < len(values) and len(values[end][0]) == 2 and values[end][0][0] == parts[0]:
                end += 1
            if _set_fields(out, parts[0], values[index:end]):
                index = end
                continue
        if value is MISSING:
            remove_path(out, parts)
        else:
            set_path(out, parts, value, owned)
        index += 1
    return out


def _set_fields(out: Dict[str, Any], head: str, values: List[Tuple[List[str], Any]]) -> bool:
    """Sets (or, for MISSING, removes) ``head.leaf`` for each value in order, as
    ``set_path``/``remove_path`` one by one would; False (nothing done) over an array."""
    current = out.get(head, MISSING)
    if isinstance(current, list):
        return False
    mine = dict(current) if isinstance(current, dict) else None
    for (_, leaf), value in values:
        if value is MISSING:
            if mine is not None:
                mine.pop(leaf, None)
        else:
            if mine is None:
                mine = {}
            mine[leaf] = value
    if mine is not None:
        out[head] = mine
    return True


def unset(doc: Dict[str, Any], spec: Any) -> Dict[str, Any]:
    """``doc`` without the field(s) named by ``$unset`` spec ``spec``."""
    fields = [spec] if isinstance(spec, str) else spec
    if not isinstance(fields, list) or not fields or not all(isinstance(f, str) and f for f in fields):
        raise AggregationError("$unset specification must be a string or an array of strings")
    out = dict(doc)
    for field in fields:
        remove_path(out, field.split("."))
    return out
