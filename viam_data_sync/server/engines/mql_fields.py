"""Which fields of the ``readings`` documents a pipeline can see: the MQL engine reads
(and decodes) only those columns.

A field the pipeline never names cannot change its answer when the pipeline ends the
documents' shape: a stage that builds new documents (``$group``, ``$replaceWith``,
``$count``, ...) reached through stages that only look at fields by name (``$match``,
``$set``, ``$sort``, ``$limit``, ...). The analysis over-approximates: every string and
every key anywhere in those stages' specifications counts as a field name (its first
dotted part, ``$`` signs dropped), so ``{"$getField": "data"}`` or a ``$let`` variable
named like a field keeps that field. Anything that can see a whole document
(``$$ROOT``, ``$$CURRENT``, ``$getField``/``$setField``/``$unsetField``, another stage
first, or no stage that ends the shape) reads every field.

Example:
    >>> sorted(needed_fields([{"$group": {"_id": "$component_name", "n": {"$sum": 1}}}]))
    ['_id', 'component_name', 'n', 'sum']
    >>> needed_fields([{"$match": {"component_name": "a"}}]) is None
    True
"""

from __future__ import annotations

from typing import Any, FrozenSet, List, Mapping, Optional, Set

__all__ = ["needed_fields"]

#: Stages whose output documents are new ones, built only from what the spec names.
_ENDS_SHAPE = frozenset({"$group", "$replaceWith", "$replaceRoot", "$count", "$bucket",
                         "$bucketAuto", "$sortByCount"})
#: Stages that pass documents on looking at fields only through names in the spec.
_BY_NAME = frozenset({"$match", "$project", "$addFields", "$set", "$unset", "$sort", "$limit",
                      "$skip", "$unwind", "$sample"})
#: Names that reach the whole current document without naming a field.
_WHOLE = frozenset({"ROOT", "CURRENT", "getField", "setField", "unsetField"})


def needed_fields(stages: List[Any]) -> Optional[FrozenSet[str]]:
    """The top-level field names the pipeline can see, or None when it may see all."""
    names: Set[str] = set()
    for stage in stages:
        if not isinstance(stage, Mapping) or len(stage) != 1:
            return None
        (name, spec), = stage.items()
        if name not in _ENDS_SHAPE and name not in _BY_NAME:
            return None
        if not _collect(spec, names, 0):
            return None
        if name in _ENDS_SHAPE:
            return frozenset(names)
    return None


def _collect(spec: Any, names: Set[str], depth: int) -> bool:
    """Adds the names ``spec`` holds; False when it may see a whole document."""
    if depth > 200:  # a pathological nesting: read everything, the evaluator will judge it
        return False
    if isinstance(spec, str):
        return _name(spec, names)
    if isinstance(spec, Mapping):
        for key, value in spec.items():
            if not isinstance(key, str) or not _name(key, names) or not _collect(value, names, depth + 1):
                return False
        return True
    if isinstance(spec, (list, tuple)):
        return all(_collect(item, names, depth + 1) for item in spec)
    return True


def _name(text: str, names: Set[str]) -> bool:
    root = text.lstrip("$").split(".", 1)[0]
    if root in _WHOLE:
        return False
    names.add(root)
    return True
