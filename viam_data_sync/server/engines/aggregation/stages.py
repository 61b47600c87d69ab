"""The pipeline stages, one function each, over a list of documents.

Stage rules from the manual: ``$count`` and ``$group`` over no documents return no
documents; ``$group`` groups a missing ``_id`` value with null; ``$unwind`` skips a
missing, null or empty array unless ``preserveNullAndEmptyArrays``; ``$sort`` orders by
MongoDB's comparison order with its array rules (see :mod:`.bson_order`).
"""

from __future__ import annotations

import random
from typing import Any, Callable, Dict, List, Optional

from .accumulators import accumulate_spec, hashable, sort_documents
from .bson_order import MISSING, is_number, to_decimal
from .buckets import bucket, bucket_auto
from .errors import AggregationError, UnsupportedError
from .expressions import Context, compile_expression, evaluate
from .fill import densify, fill
from .paths import get_path, set_path
from .projection import add_fields, add_fields_plan, project, projection_tree, unset
from .query import matches
from .windows import set_window_fields

__all__ = ["STAGES", "REFUSED_STAGES", "sort_top"]

Docs = List[Dict[str, Any]]
Stage = Callable[[Docs, Any, Dict[str, Any]], Docs]

#: Stages the cloud accepts that this evaluator refuses, with the reason.
REFUSED_STAGES = {
    "$geoNear": "it needs a geospatial index, which the local store does not build",
}


def _match(docs: Docs, spec: Any, variables: Dict[str, Any]) -> Docs:
    return [doc for doc in docs if matches(doc, spec, variables)]


def _project(docs: Docs, spec: Any, variables: Dict[str, Any]) -> Docs:
    tree = projection_tree(spec)
    return [project(doc, tree, variables) for doc in docs]


def _add_fields(name: str) -> Stage:
    def run(docs: Docs, spec: Any, variables: Dict[str, Any]) -> Docs:
        if not docs:  # the spec is read with the first document, as it always was
            return []
        plan = add_fields_plan(spec, name)
        return [add_fields(doc, plan, variables, name) for doc in docs]
    return run


def _unset(docs: Docs, spec: Any, variables: Dict[str, Any]) -> Docs:
    return [unset(doc, spec) for doc in docs]


def _group(docs: Docs, spec: Any, variables: Dict[str, Any]) -> Docs:
    if not isinstance(spec, dict) or "_id" not in spec:
        raise AggregationError("a group specification must include an _id")
    fields = {k: v for k, v in spec.items() if k != "_id"}
    for field, acc in fields.items():
        if "." in field:
            raise AggregationError(f"the group aggregate field name '{field}' cannot contain '.'")
        if not isinstance(acc, dict) or len(acc) != 1:
            raise AggregationError(f"the group aggregate field '{field}' must be defined as an "
                                   "expression inside an object")
    if not docs:
        return []
    groups: Dict[Any, Any] = {}
    group_key = compile_expression(spec["_id"])
    for doc in docs:
        key = group_key(Context(doc, variables))
        key = None if key is MISSING else key
        groups.setdefault(hashable(key), (key, []))[1].append(doc)
    return [{"_id": key, **{field: accumulate_spec(acc, members, variables) for field, acc in fields.items()}}
            for key, members in groups.values()]


def _sort(docs: Docs, spec: Any, variables: Dict[str, Any]) -> Docs:
    return sort_top(docs, spec, None)


def sort_top(docs: Docs, spec: Any, limit: Optional[int]) -> Docs:
    """``$sort`` by ``spec``, then (``limit`` not None) ``{"$limit": limit}``, one positive int."""
    if isinstance(spec, dict) and any(isinstance(v, dict) for v in spec.values()):
        raise UnsupportedError("$meta", "$sort")
    return sort_documents(docs, spec, limit)


def _count_argument(spec: Any, name: str) -> int:
    if isinstance(spec, bool) or not is_number(spec) or to_decimal(spec) != int(to_decimal(spec)):
        raise AggregationError(f"invalid argument to {name} stage: expected a number")
    return int(to_decimal(spec))


def _limit(docs: Docs, spec: Any, variables: Dict[str, Any]) -> Docs:
    n = _count_argument(spec, "$limit")
    if n <= 0:
        raise AggregationError("the limit must be positive")
    return docs[:n]


def _skip(docs: Docs, spec: Any, variables: Dict[str, Any]) -> Docs:
    n = _count_argument(spec, "$skip")
    if n < 0:
        raise AggregationError("invalid argument to $skip stage: Expected a non-negative number")
    return docs[n:]


def _count(docs: Docs, spec: Any, variables: Dict[str, Any]) -> Docs:
    if not isinstance(spec, str) or not spec or spec.startswith("$") or "." in spec:
        raise AggregationError("the count field must be a non-empty string that does not start "
                               "with '$' nor contain '.'")
    return [{spec: len(docs)}] if docs else []


def _unwind(docs: Docs, spec: Any, variables: Dict[str, Any]) -> Docs:
    if isinstance(spec, str):
        spec = {"path": spec}
    if not isinstance(spec, dict) or not isinstance(spec.get("path"), str) or not spec["path"].startswith("$"):
        raise AggregationError("$unwind path must be a field path starting with '$'")
    parts = spec["path"][1:].split(".")
    keep = bool(spec.get("preserveNullAndEmptyArrays", False))
    index_field = spec.get("includeArrayIndex")
    out: Docs = []
    for doc in docs:
        value = get_path(doc, parts)
        if isinstance(value, list) and value:
            for index, element in enumerate(value):
                copy = dict(doc)
                set_path(copy, parts, element)
                if index_field:
                    set_path(copy, index_field.split("."), index)
                out.append(copy)
        elif isinstance(value, list) or value is MISSING or value is None:
            if keep:
                copy = dict(doc)
                if isinstance(value, list):
                    copy_parts = parts
                    from .paths import remove_path
                    remove_path(copy, copy_parts)
                if index_field:
                    set_path(copy, index_field.split("."), None)
                out.append(copy)
        else:
            copy = dict(doc)
            if index_field:
                set_path(copy, index_field.split("."), None)
            out.append(copy)
    return out


def _replace_root(docs: Docs, spec: Any, variables: Dict[str, Any]) -> Docs:
    if not isinstance(spec, dict) or set(spec) != {"newRoot"}:
        raise AggregationError("$replaceRoot requires 'newRoot'")
    return _replace_with(docs, spec["newRoot"], variables)


def _replace_with(docs: Docs, spec: Any, variables: Dict[str, Any]) -> Docs:
    out: Docs = []
    if not docs:
        return out
    new_root = compile_expression(spec)
    for doc in docs:
        root = new_root(Context(doc, variables))
        if not isinstance(root, dict):
            shown = "missing" if root is MISSING else repr(root)
            raise AggregationError(f"'newRoot' expression must evaluate to an object, but "
                                   f"resulting value was: {shown}")
        out.append(root)
    return out


def _sort_by_count(docs: Docs, spec: Any, variables: Dict[str, Any]) -> Docs:
    if isinstance(spec, dict) and not (len(spec) == 1 and str(next(iter(spec))).startswith("$")):
        raise AggregationError("$sortByCount: the argument must be a field path or an operator "
                               "expression, not a document literal")
    grouped = _group(docs, {"_id": spec, "count": {"$sum": 1}}, variables)
    return sort_documents(grouped, {"count": -1})


def _sample(docs: Docs, spec: Any, variables: Dict[str, Any]) -> Docs:
    if not isinstance(spec, dict) or set(spec) != {"size"}:
        raise AggregationError("$sample requires exactly a 'size'")
    size = _count_argument(spec["size"], "$sample")
    if size < 0:
        raise AggregationError("$sample size must not be negative")
    return random.sample(docs, min(size, len(docs)))


_DESCEND, _PRUNE, _KEEP = "descend", "prune", "keep"


def _redact(docs: Docs, spec: Any, variables: Dict[str, Any]) -> Docs:
    out: Docs = []
    for doc in docs:
        kept = _redact_level(doc, doc, spec, variables)
        if kept is not None:
            out.append(kept)
    return out


def _redact_level(root: Dict[str, Any], level: Dict[str, Any], spec: Any,
                  variables: Dict[str, Any]) -> Any:
    scope = {**variables, "DESCEND": _DESCEND, "PRUNE": _PRUNE, "KEEP": _KEEP}
    verdict = evaluate(spec, Context(root, scope, level))
    if verdict == _KEEP:
        return level
    if verdict == _PRUNE:
        return None
    if verdict != _DESCEND:
        raise AggregationError("$redact's expression should not return anything aside from the "
                               "variables $$KEEP, $$DESCEND, and $$PRUNE")
    out: Dict[str, Any] = {}
    for key, value in level.items():
        if isinstance(value, dict):
            sub = _redact_level(root, value, spec, variables)
            if sub is not None:
                out[key] = sub
        elif isinstance(value, list):
            out[key] = [kept for kept in (
                _redact_level(root, v, spec, variables) if isinstance(v, dict) else v for v in value)
                if kept is not None]
        else:
            out[key] = value
    return out


def _windows(docs: Docs, spec: Any, variables: Dict[str, Any]) -> Docs:
    return set_window_fields(docs, spec, variables)


def _densify(docs: Docs, spec: Any, variables: Dict[str, Any]) -> Docs:
    return densify(docs, spec)


STAGES: Dict[str, Stage] = {
    "$match": _match, "$project": _project, "$addFields": _add_fields("$addFields"),
    "$set": _add_fields("$set"), "$unset": _unset, "$group": _group, "$sort": _sort,
    "$limit": _limit, "$skip": _skip, "$count": _count, "$unwind": _unwind,
    "$replaceRoot": _replace_root, "$replaceWith": _replace_with, "$bucket": bucket,
    "$bucketAuto": bucket_auto, "$sortByCount": _sort_by_count, "$sample": _sample,
    "$redact": _redact, "$setWindowFields": _windows, "$densify": _densify, "$fill": fill,
}
