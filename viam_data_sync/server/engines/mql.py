"""The local server's MQL engine: aggregation pipelines over ``readings`` documents.

Evaluation is the aggregation evaluator's (``engines/aggregation``, one stage at a time
over a list of documents), judged against MongoDB's manual by the corpus in
``tests/server/mql_corpus``. Around it this module:

* validates stages against the cloud's supported list, rejecting others by name;
* pushes work down to SQLite: the caller's organizations always, and a leading
  ``$match`` on top-level indexed fields (``_id``, ``organization_id``,
  ``location_id``, ``robot_id``, ``part_id``, ``component_type``, ``component_name``,
  ``method_name``, ``time_received``/``time_requested`` ranges). When that ``$match``
  is pushed down exactly, a following ``$sort`` on those fields and ``$skip``/``$limit``
  are pushed too, so "latest 10 readings of one component" reads 10 rows;
* streams rows from SQLite in batches into :func:`~.store.schema.reading_document` shapes,
  reading and decoding only the fields the pipeline can see (:mod:`.mql_fields`);
* stops reading when stages that map one document at a time (``$match``, ``$set``,
  ``$project``, ``$unwind``, ...) lead to a ``$limit``: they run batch by batch until the
  limit has its documents (as MongoDB, documents past it are never evaluated); a
  ``$sort`` followed by ``$limit`` runs as a top-k; ``$$NOW`` is one instant per pipeline;
* maps the evaluator's errors to :class:`QueryError` naming the operator and the stage.

Datetimes are handled as naive UTC inside the evaluator (as pymongo decodes them) and
returned timezone-aware UTC.
"""
from __future__ import annotations

import datetime as _dt
import itertools
import logging
import sqlite3
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

from viam_data_sync.server._query_errors import QueryError
from viam_data_sync.server._rpc import log_unexpected
from viam_data_sync.server.store.values import MAX_LIST_ITEMS
from viam_data_sync.server.engines.aggregation import (
    STAGE_NAMES, AggregationError, UnsupportedError, pipeline_now, run_stage, stage_steps,
)
from viam_data_sync.server.store import pipelines as sinks
from viam_data_sync.server.store import readings
from viam_data_sync.server.engines.mql_fields import needed_fields
from viam_data_sync.server.store.schema import DOCUMENT_FIELDS, naive_bson_time, reading_document

__all__ = ["run_mql", "MAX_SCANNED_DOCS"]

_LOG = logging.getLogger("viam_data_sync.server")

#: Most documents one pipeline may load from SQLite after pushdown.
MAX_SCANNED_DOCS = 1_000_000

_BATCH = 1000
_UTC = _dt.timezone.utc
_EPOCH_NAIVE = _dt.datetime(1970, 1, 1)
_MS = 1_000_000
#: The stored (int64 ns) time range, kept one millisecond inside so bounds stay in it.
_NS_MIN, _NS_MAX = -(2**63) + _MS, 2**63 - 1 - _MS
#: Largest $skip/$limit pushed into SQLite (its integers are 64-bit).
_INT64_MAX = 2**63 - 1

#: The stages the cloud accepts (users.md §2.2).
_CLOUD_STAGES = frozenset({
    "$addFields", "$bucket", "$bucketAuto", "$count", "$densify", "$fill", "$geoNear",
    "$group", "$limit", "$match", "$project", "$redact", "$replaceRoot", "$replaceWith",
    "$sample", "$set", "$setWindowFields", "$skip", "$sort", "$sortByCount", "$unset",
    "$unwind",
})
#: The subset the local server runs (all but ``$geoNear``: no geospatial index).
SUPPORTED_STAGES = _CLOUD_STAGES & STAGE_NAMES

_STRING_FIELDS = {
    "_id": "reading_id",
    "organization_id": "organization_id",
    "location_id": "location_id",
    "robot_id": "robot_id",
    "part_id": "part_id",
    "component_type": "component_type",
    "component_name": "component_name",
    "method_name": "method_name",
}
_TIME_FIELDS = {"time_received": "time_received_ns", "time_requested": "time_requested_ns"}
_SORTABLE = {**_STRING_FIELDS, **_TIME_FIELDS}
#: Stages that map each document on its own, keeping their order.
_PER_DOCUMENT = frozenset({"$match", "$set", "$addFields", "$project", "$unset", "$replaceWith",
                           "$replaceRoot", "$unwind"})
_TIME_COLUMNS = frozenset(_TIME_FIELDS.values())


def run_mql(
    conn: sqlite3.Connection,
    organization_ids: Sequence[str],
    stages: List[Dict[str, Any]],
    *,
    max_docs: int = 100_000,
    documents: Optional[List[Dict[str, Any]]] = None,
    received_since_ns: Optional[int] = None,
    sink_pipeline_id: Optional[str] = None,
) -> List[Dict[str, Any]]:
    """Run an aggregation pipeline over the caller's ``sensorData.readings`` documents.

    Args:
        conn: Connection to the store (schema from ``store.schema.create_schema``).
        organization_ids: The organizations whose documents are visible; no other is.
        stages: The pipeline, one dict per stage, as decoded from BSON.
        max_docs: Largest number of result documents; more raises :class:`QueryError`.
        documents: Run over these documents (a pipeline sink) instead of the readings.
        received_since_ns: Only readings received at or after this time (the hot store).
        sink_pipeline_id: Run over this data pipeline's sink, read from ``conn`` in
            batches (here, in the query worker: the server process never holds it).

    Returns:
        Plain dicts ready for ``bson.encode``; datetimes are timezone-aware UTC.

    Raises:
        QueryError: A stage or operator is not supported, a stage is malformed, the
            pipeline would scan more than :data:`MAX_SCANNED_DOCS` documents or return
            more than ``max_docs``.

    Example:
        >>> run_mql(conn, ["org-1"], [
        ...     {"$match": {"component_name": "temp"}},
        ...     {"$group": {"_id": None, "avg": {"$avg": "$data.readings.temperature"}}},
        ... ])
        [{'_id': None, 'avg': 21.5}]
    """
    pipeline = _normalize(stages)
    scope = {"NOW": pipeline_now()}
    if sink_pipeline_id is not None:
        documents = _sink(conn, sink_pipeline_id)
    if documents is not None:
        docs, rest = documents, pipeline
    else:
        where, params, order, limit, offset, rest = _plan(pipeline)
        if received_since_ns is not None:
            where, params = [*where, "time_received_ns >= ?"], [*params, received_since_ns]
        loaded = _load(conn, organization_ids, where, params, order, limit, offset, rest)
        head = _streamed_limit(rest)
        if head is None:
            docs = list(loaded)
        else:
            docs = _stream(loaded, rest[:head[0]], head[1], scope)
            rest = rest[head[0] + 1:]
    for stage, limit in stage_steps(rest):  # a $sort then $limit runs as one top-k
        docs = _evaluate(docs, stage, scope, limit)
    if len(docs) > max_docs:
        raise QueryError(f"result too large: more than {max_docs} documents; add $limit")
    return [_id_first(_plain(doc)) for doc in docs]


def _id_first(doc: Dict[str, Any]) -> Dict[str, Any]:
    """MongoDB puts ``_id`` first in a document; keep that order."""
    if "_id" not in doc or next(iter(doc)) == "_id":
        return doc
    return {"_id": doc["_id"], **{k: v for k, v in doc.items() if k != "_id"}}


# ------------------------------------------------------------------ validation
def _normalize(stages: Any) -> List[Dict[str, Any]]:
    """Checks stage names; datetimes become naive UTC, as pymongo decodes them."""
    if not isinstance(stages, (list, tuple)):
        raise QueryError("invalid MQL: the pipeline must be a list of stage documents")
    pipeline: List[Dict[str, Any]] = []
    for index, stage in enumerate(stages):
        if not isinstance(stage, Mapping) or len(stage) != 1:
            raise QueryError(f"invalid MQL: stage {index} must be a document with exactly "
                             "one field, e.g. {'$match': {...}}")
        (name, spec), = stage.items()
        if name not in SUPPORTED_STAGES:
            if name in _CLOUD_STAGES:
                raise QueryError(f"unsupported MQL stage: {name} (the cloud accepts it; the "
                                 "local server does not)")
            raise QueryError(f"unsupported MQL stage: {name}")
        pipeline.append({name: naive_utc(spec)})
    return pipeline


def naive_utc(value: Any) -> Any:
    if isinstance(value, _dt.datetime):
        return value.astimezone(_UTC).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, Mapping):
        return {k: naive_utc(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [naive_utc(v) for v in value]
    return value


# ------------------------------------------------------------------ pushdown
def _plan(pipeline: List[Dict[str, Any]]) -> Tuple[
        List[str], List[Any], List[str], Optional[int], int, List[Dict[str, Any]]]:
    """Splits the pipeline into SQL (where, params, order, limit, offset) and the rest."""
    where: List[str] = []
    params: List[Any] = []
    order: List[str] = []
    limit: Optional[int] = None
    offset = 0
    rest = pipeline
    if pipeline and "$match" in pipeline[0]:
        if not isinstance(pipeline[0]["$match"], Mapping):
            return where, params, order, limit, offset, pipeline
        exact = _translate(pipeline[0]["$match"], where, params)
        if len(params) > MAX_LIST_ITEMS:  # more than one SQLite statement may bind
            return [], [], order, limit, offset, pipeline
        if not exact:
            return where, params, order, limit, offset, pipeline
        rest = pipeline[1:]
    if rest and "$sort" in rest[0]:
        order = _sort_columns(rest[0]["$sort"])
        if order:
            rest = rest[1:]
    while rest and ("$skip" in rest[0] or "$limit" in rest[0]):
        (name, value), = rest[0].items()
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            break
        if name == "$skip":
            offset = min(offset + value, _INT64_MAX)
            limit = None if limit is None else max(limit - value, 0)
        else:
            limit = min(value, _INT64_MAX) if limit is None else min(limit, value)
        rest = rest[1:]
    return where, params, order, limit, offset, rest


def _translate(query: Mapping[str, Any], where: List[str], params: List[Any]) -> bool:
    """Appends SQL for the parts of ``query`` it can express; True if it expressed all."""
    exact = True
    for key, condition in query.items():
        if key == "$and" and isinstance(condition, list):
            for sub in condition:
                exact = isinstance(sub, Mapping) and _translate(sub, where, params) and exact
        elif key == "$or" and isinstance(condition, list) and condition:
            branches: List[str] = []
            branch_params: List[Any] = []
            ok = True
            for sub in condition:
                sub_where: List[str] = []
                ok = ok and isinstance(sub, Mapping) and _translate(sub, sub_where, branch_params)
                branches.append(" AND ".join(sub_where) or "1")
            if ok:
                where.append("(" + " OR ".join(f"({b})" for b in branches) + ")")
                params.extend(branch_params)
            exact = exact and ok
        elif key in _STRING_FIELDS or key in _TIME_FIELDS:
            sql = _field_sql(key, condition, params)
            if sql is None:
                exact = False
            else:
                where.append(sql)
        else:
            exact = False
    return exact


def _field_sql(field: str, condition: Any, params: List[Any]) -> Optional[str]:
    """SQL exactly equivalent to ``{field: condition}``, or None (then not pushed)."""
    is_operator_doc = isinstance(condition, Mapping) and condition and all(
        str(k).startswith("$") for k in condition)
    items = list(condition.items()) if is_operator_doc else [("$eq", condition)]
    parts: List[str] = []
    local: List[Any] = []
    for op, value in items:
        sql = (_time_sql(_TIME_FIELDS[field], op, value, local) if field in _TIME_FIELDS
               else _string_sql(_STRING_FIELDS[field], op, value, local))
        if sql is None:
            return None
        parts.append(sql)
    params.extend(local)
    return " AND ".join(parts)


def _string_sql(column: str, op: str, value: Any, params: List[Any]) -> Optional[str]:
    comparisons = {"$eq": "=", "$ne": "!=", "$gt": ">", "$gte": ">=", "$lt": "<", "$lte": "<="}
    if op in comparisons and isinstance(value, str):
        params.append(value)
        return f"{column} {comparisons[op]} ?"
    if op in ("$in", "$nin") and isinstance(value, list) and all(isinstance(v, str) for v in value):
        if not value:
            return "0" if op == "$in" else "1"
        params.extend(value)
        return f"{column} {'IN' if op == '$in' else 'NOT IN'} ({', '.join('?' * len(value))})"
    if op == "$exists" and isinstance(value, bool):
        return "1" if value else "0"  # these fields are always present
    return None


def _time_sql(column: str, op: str, value: Any, params: List[Any]) -> Optional[str]:
    """Bounds on stored ns that match the millisecond-truncated document times exactly."""
    if value is None and op == "$eq":
        return f"{column} IS NULL"
    if op == "$exists" and isinstance(value, bool):
        return "1" if value else "0"
    if not isinstance(value, _dt.datetime):
        return None
    ns = (value - _EPOCH_NAIVE) // _dt.timedelta(microseconds=1) * 1000
    if not _NS_MIN <= ns <= _NS_MAX:  # beyond every stored time: all of them or none
        if op not in ("$gte", "$gt", "$lt", "$lte", "$eq"):
            return None
        matches_all = op in ("$gte", "$gt") if ns < _NS_MIN else op in ("$lt", "$lte")
        return f"{column} IS NOT NULL" if matches_all else "0"
    floor_ms, ceil_ms = ns // _MS, -(-ns // _MS)
    if op == "$gte":
        params.append(ceil_ms * _MS)
        return f"{column} >= ?"
    if op == "$gt":
        params.append((floor_ms + 1) * _MS)
        return f"{column} >= ?"
    if op == "$lt":
        params.append(ceil_ms * _MS)
        return f"{column} < ?"
    if op == "$lte":
        params.append((floor_ms + 1) * _MS)
        return f"{column} < ?"
    if op == "$eq":
        if ns % _MS:
            return "0"
        params.extend([ns, ns + _MS])
        return f"({column} >= ? AND {column} < ?)"
    return None


def _sort_columns(spec: Any) -> List[str]:
    if not isinstance(spec, Mapping) or not spec:
        return []
    order = []
    for field, direction in spec.items():
        if field not in _SORTABLE or direction not in (1, -1) or isinstance(direction, bool):
            return []
        order.append(f"{_SORTABLE[field]} {'ASC' if direction == 1 else 'DESC'}")
    return order


def _sink(conn: sqlite3.Connection, pipeline_id: str) -> List[Dict[str, Any]]:
    """A pipeline sink's documents in the order they were written (naive UTC datetimes,
    as pymongo decodes them); at most :data:`MAX_SCANNED_DOCS`."""
    import bson

    docs: List[Dict[str, Any]] = []
    for batch in sinks.sink_batches(conn, pipeline_id, 1000):
        docs.extend(bson.decode(raw) for raw in batch)
        if len(docs) > MAX_SCANNED_DOCS:
            raise QueryError(f"the pipeline's sink holds more than {MAX_SCANNED_DOCS} documents")
    return docs


def _reader(rest: List[Dict[str, Any]]) -> Tuple[str, List[Tuple[str, int, Any]]]:
    """The columns to read for ``rest`` and how each becomes its document field (only
    the fields the pipeline can see, times naive UTC as pymongo decodes them)."""
    needed = needed_fields(rest)
    fields = [(name, column, naive_bson_time if column in _TIME_COLUMNS else convert)
              for name, column, convert in DOCUMENT_FIELDS
              if needed is None or name in needed or name == "_id"]
    return (", ".join(column for _, column, _ in fields),
            [(name, index, convert) for index, (name, _, convert) in enumerate(fields)])


def _load(conn: sqlite3.Connection, organization_ids: Sequence[str], where: List[str],
          params: List[Any], order: List[str], limit: Optional[int],
          offset: int, rest: List[Dict[str, Any]]) -> Iterator[Dict[str, Any]]:
    """Streams the org-scoped, pushed-down rows as documents with naive-UTC times, holding
    the fields the rest of the pipeline ``rest`` can see."""
    _LOG.debug("run_mql load: %s (%d parameters)", where, len(params))  # values are the caller's
    columns, fields = _reader(rest)
    scanned = 0
    for rows in readings.scan(conn, organization_ids, columns, where, params, order, limit, offset, _BATCH):
        scanned += len(rows)
        if scanned > MAX_SCANNED_DOCS:
            raise QueryError(f"query scans more than {MAX_SCANNED_DOCS} documents; start "
                             "the pipeline with a $match on indexed fields (component_name, "
                             "time_received, ...)")
        for row in rows:
            yield reading_document(row, fields)


# ------------------------------------------------------------------ evaluation
def _streamed_limit(rest: List[Dict[str, Any]]) -> Optional[Tuple[int, int]]:
    """``(i, n)`` when ``rest[i]`` is ``{"$limit": n}`` (a positive int) and the stages
    before it each map one document at a time, in order: then reading stops once ``n``
    documents came through them."""
    for index, stage in enumerate(rest):
        (name, value), = stage.items()
        if name == "$limit":
            return (index, value) if type(value) is int and value > 0 else None
        if name not in _PER_DOCUMENT:
            return None
    return None


def _stream(loaded: Iterator[Dict[str, Any]], stages: List[Dict[str, Any]], limit: int,
            scope: Dict[str, Any]) -> List[Dict[str, Any]]:
    """The first ``limit`` documents out of ``stages`` run over ``loaded`` batch by batch
    (at least one batch, empty if nothing was read, so a stage's specification is always
    checked). As MongoDB, which pulls documents through a pipeline only until ``$limit``
    has its count, documents past that point are neither read nor evaluated."""
    docs: List[Dict[str, Any]] = []
    size = min(_BATCH, max(limit, 100))
    while True:
        batch = list(itertools.islice(loaded, size))
        read = len(batch)
        for stage in stages:
            batch = _evaluate(batch, stage, scope)
        docs.extend(batch)
        if len(docs) >= limit or read < size:
            return docs[:limit]
        size = min(_BATCH, size * 2)


def _evaluate(docs: List[Dict[str, Any]], stage: Dict[str, Any], scope: Dict[str, Any],
              limit: Optional[int] = None) -> List[Dict[str, Any]]:
    (name,) = stage
    try:
        return run_stage(docs, stage, scope, limit)
    except UnsupportedError as err:
        raise QueryError(f"unsupported MQL operator: {err.name} in {err.where or name}") from None
    except AggregationError as err:
        raise QueryError(f"invalid MQL in {name}: {err}") from None
    except RecursionError:
        raise QueryError(f"invalid MQL in {name}: the pipeline nests too deeply") from None
    except (QueryError, MemoryError):
        raise  # a memory error is the server's limit (the query worker answers it), not the caller's syntax
    except Exception as err:  # noqa: BLE001 - evaluator bugs on odd input become client errors
        log_unexpected(_LOG, f"aggregation evaluator in {name}", err, logging.DEBUG)
        raise QueryError(f"invalid MQL in {name}: {type(err).__name__}: {err}") from None


#: Values ``_plain`` returns as they are (checked by exact type: the common case, fast).
_SCALARS = frozenset({str, int, float, bool, type(None), bytes})


def _plain(value: Any) -> Any:
    """Plain dicts and lists with aware-UTC datetimes, ready for ``bson.encode``."""
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is dict:  # exact dict and str keys: the documents the evaluator builds
        return {k if type(k) is str else str(k): _plain(v) for k, v in value.items()}
    if kind is list:
        return [_plain(v) for v in value]
    if isinstance(value, _dt.datetime):
        return value.replace(tzinfo=_UTC) if value.tzinfo is None else value.astimezone(_UTC)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value
