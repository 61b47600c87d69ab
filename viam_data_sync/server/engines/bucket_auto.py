"""MQL ``$bucketAuto`` for the local server's MQL engine (mongomock has none).

MongoDB's algorithm (``document_source_bucket_auto.cpp``): documents sorted by the
``groupBy`` value (missing is null) are cut into ``buckets`` runs of about
``round(n / buckets)`` documents (at least one); a run is extended while the next
document has the same value, so equal values share a bucket. Each bucket's ``_id`` is
``{"min": first value, "max": next bucket's min}`` (the last bucket's max is its own
largest value), and its fields are the ``output`` accumulators (default
``{"count": {"$sum": 1}}``), evaluated by mongomock's ``$group``. ``granularity`` is
not supported (QueryError naming it).
"""

from __future__ import annotations

import functools
from typing import Any, Callable, Dict, List

from viam_data_sync.server._query_errors import QueryError

_KEY = "__vds_bucket_key"


def bucket_auto(docs: List[Dict[str, Any]], spec: Any,
                evaluate: Callable[[List[Dict[str, Any]], Dict[str, Any]], List[Dict[str, Any]]]) -> List[Dict[str, Any]]:
    """Run one ``$bucketAuto`` stage; ``evaluate(docs, stage)`` runs a mongomock stage."""
    if not isinstance(spec, dict) or "groupBy" not in spec or "buckets" not in spec:
        raise QueryError("invalid MQL in $bucketAuto: it needs groupBy and buckets")
    unknown = set(spec) - {"groupBy", "buckets", "output", "granularity"}
    if unknown:
        raise QueryError(f"invalid MQL in $bucketAuto: unknown field {sorted(unknown)[0]!r}")
    if "granularity" in spec:
        raise QueryError("unsupported MQL in $bucketAuto: granularity")
    buckets = spec["buckets"]
    if isinstance(buckets, bool) or not isinstance(buckets, int) or buckets < 1:
        raise QueryError("invalid MQL in $bucketAuto: buckets must be a positive integer")
    output = spec.get("output", {"count": {"$sum": 1}})
    if not isinstance(output, dict):
        raise QueryError("invalid MQL in $bucketAuto: output must be a document")
    keyed = evaluate(docs, {"$addFields": {_KEY: spec["groupBy"]}})
    keyed.sort(key=functools.cmp_to_key(_compare))
    size = max(1, round(len(keyed) / buckets))
    runs: List[List[Dict[str, Any]]] = []
    index = 0
    while index < len(keyed):
        end = min(index + size, len(keyed)) if len(runs) < buckets - 1 else len(keyed)
        while end < len(keyed) and _compare(keyed[end], keyed[end - 1]) == 0:
            end += 1
        runs.append(keyed[index:end])
        index = end
    out = []
    for position, run in enumerate(runs):
        upper = runs[position + 1][0][_KEY] if position + 1 < len(runs) else run[-1].get(_KEY)
        plain = [{k: v for k, v in doc.items() if k != _KEY} for doc in run]
        (fields,) = evaluate(plain, {"$group": {"_id": None, **output}})
        fields.pop("_id", None)
        out.append({"_id": {"min": run[0].get(_KEY), "max": upper}, **fields})
    return out


def _rank(value: Any) -> int:
    """MongoDB's comparison order of BSON types, for the types readings hold."""
    if value is None:
        return 1
    if isinstance(value, bool):
        return 8
    if isinstance(value, (int, float)):
        return 2
    if isinstance(value, str):
        return 3
    if isinstance(value, dict):
        return 4
    if isinstance(value, list):
        return 5
    if isinstance(value, bytes):
        return 6
    return 9  # dates and the rest


def _compare(a: Dict[str, Any], b: Dict[str, Any]) -> int:
    x, y = a.get(_KEY), b.get(_KEY)
    rx, ry = _rank(x), _rank(y)
    if rx != ry:
        return -1 if rx < ry else 1
    if x is None or y is None:
        return 0
    try:
        return -1 if x < y else (1 if x > y else 0)
    except TypeError:
        sx, sy = repr(x), repr(y)
        return -1 if sx < sy else (1 if sx > sy else 0)
