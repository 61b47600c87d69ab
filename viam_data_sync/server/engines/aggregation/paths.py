"""Reading and writing dotted field paths in documents, as aggregation expressions do.

In an expression ``"$a.b"`` over an array ``a`` yields the array of each element's ``b``
(elements without one, or that are not documents, are skipped); a numeric path part is a
field name, not an index (MongoDB: "Field paths ... do not support array indexes").
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from .bson_order import MISSING

__all__ = ["get_path", "set_path", "remove_path"]


def get_path(value: Any, parts: List[str]) -> Any:
    """The value at ``parts`` below ``value`` (MISSING when absent)."""
    for index, part in enumerate(parts):
        if isinstance(value, dict):
            value = value.get(part, MISSING)
            if value is MISSING:
                return MISSING
        elif isinstance(value, list):
            rest = parts[index:]
            out = []
            for element in value:
                if isinstance(element, (dict, list)):
                    got = get_path(element, rest)
                    if got is not MISSING:
                        out.append(got)
            return out
        else:
            return MISSING
    return value


def set_path(doc: Dict[str, Any], parts: List[str], value: Any,
             owned: Optional[Dict[int, Any]] = None) -> None:
    """Sets ``value`` at ``parts``, creating documents; over an array, in each element
    that is a document (as ``$addFields`` does). Documents on the way are copied, not
    changed, except those in ``owned`` (by id: copies an earlier call made and recorded
    there, which only ``doc`` holds), so many paths under one field copy it once."""
    head, rest = parts[0], parts[1:]
    if not rest:
        if value is MISSING:
            doc.pop(head, None)
        else:
            doc[head] = value
        return
    current = doc.get(head, MISSING)
    if isinstance(current, list):
        doc[head] = [_set_in_element(element, rest, value) for element in current]
        return
    if not isinstance(current, dict):
        if value is MISSING:
            return
        current = {}
    elif owned is None or id(current) not in owned:
        current = dict(current)
    if owned is not None:
        owned[id(current)] = current  # kept alive: no other object can take its id
    doc[head] = current
    set_path(current, rest, value, owned)


def _set_in_element(element: Any, parts: List[str], value: Any) -> Any:
    if isinstance(element, list):
        return [_set_in_element(e, parts, value) for e in element]
    if isinstance(element, dict):
        copy = dict(element)
        set_path(copy, parts, value)
        return copy
    if value is MISSING:
        return element
    fresh: Dict[str, Any] = {}
    set_path(fresh, parts, value)
    return fresh


def remove_path(doc: Dict[str, Any], parts: List[str]) -> None:
    """Removes the field at ``parts`` (in every document element of arrays on the way)."""
    head, rest = parts[0], parts[1:]
    if head not in doc:
        return
    if not rest:
        del doc[head]
        return
    current = doc[head]
    if isinstance(current, dict):
        current = dict(current)
        remove_path(current, rest)
        doc[head] = current
    elif isinstance(current, list):
        doc[head] = [_remove_in(e, rest) for e in current]


def _remove_in(element: Any, parts: List[str]) -> Any:
    if isinstance(element, dict):
        copy = dict(element)
        remove_path(copy, parts)
        return copy
    if isinstance(element, list):
        return [_remove_in(e, parts) for e in element]
    return element
