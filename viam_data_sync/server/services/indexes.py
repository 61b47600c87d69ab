"""Custom indexes on the hot store and on pipeline sinks (the ``DataService`` index
RPCs, a mixin of ``DataServicer``).

An index is recorded per organization and collection (the hot store, or one pipeline's
sink, named by the pipeline's name) from one BSON ``index_spec`` document::

    {"keys": {"data.temperature": 1, "component_name": -1}, "options": {"name": "temp"}}

(a bare key document, ``{"data.temperature": 1}``, is taken as the keys). Keys are
dotted field paths with direction 1 or -1, or ``"text"``, ``"hashed"``, ``"2d"``,
``"2dsphere"``; ``options`` may hold ``name`` (default as MongoDB makes it:
``data.temperature_1_component_name_-1``), ``unique``, ``sparse``,
``partialFilterExpression`` and ``expireAfterSeconds``. Anything else is
INVALID_ARGUMENT, a name in use ALREADY_EXISTS, and deleting an unknown name NOT_FOUND.

Where SQLite can serve an index, one is built: a hot-store index whose keys all have a
direction becomes an SQLite index over ``organization_id`` and the ``readings`` columns
and ``json_extract`` expressions of ``data`` it names (see :func:`_sqlite_index`), which
SQL queries comparing those fields use. Options are recorded and listed, not enforced
(``unique`` rejects nothing).
"""

from __future__ import annotations

import re
import sqlite3
from typing import Any, Dict, List, Optional, Tuple

import grpc

from viam_data_sync._proto.app.data.v1 import data_pb2
from viam_data_sync.server._config import ServiceConfig
from viam_data_sync.server._rpc import Authorizer, RpcFail, Scope, check_org, handler, invalid, not_found
from viam_data_sync.server.store import Store, indexes, now_ns, pipelines


#: Most fields of one compound index (MongoDB's limit).
MAX_INDEX_KEYS = 32
_KINDS = frozenset({"text", "hashed", "2d", "2dsphere"})
_OPTIONS = frozenset({"name", "unique", "sparse", "partialFilterExpression", "expireAfterSeconds"})
_FIELD = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*$")
#: Top-level reading fields stored as columns of ``readings``.
_COLUMNS = {"organization_id": "organization_id", "location_id": "location_id", "robot_id": "robot_id",
            "part_id": "part_id", "component_type": "component_type", "component_name": "component_name",
            "method_name": "method_name", "time_received": "time_received_ns", "time_requested": "time_requested_ns"}


def parse_spec(raw: List[bytes]) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    """``(keys, options)`` of a request's ``index_spec``; INVALID_ARGUMENT if malformed."""
    import bson

    if len(raw) != 1:
        raise invalid("index_spec must be exactly one BSON document")
    try:
        spec = bson.decode(raw[0])
    except Exception:  # noqa: BLE001 - any decode failure is the caller's
        raise invalid("index_spec is not a valid BSON document") from None
    if "keys" in spec:
        extra = set(spec) - {"keys", "options"}
        if extra:
            raise invalid(f"index_spec has unknown field {sorted(extra)[0][:100]!r}")
        keys, options = spec["keys"], spec.get("options", {})
    else:
        keys, options = spec, {}
    if not isinstance(keys, dict) or not keys:
        raise invalid("index_spec keys must be a non-empty document")
    if len(keys) > MAX_INDEX_KEYS:
        raise invalid(f"an index has at most {MAX_INDEX_KEYS} keys (as in MongoDB)")
    if not isinstance(options, dict):
        raise invalid("index_spec options must be a document")
    for field, kind in keys.items():
        if not _FIELD.match(field) or field.startswith("$"):
            raise invalid(f"index key {field[:100]!r} is not a field path")
        if not (kind in (1, -1) and not isinstance(kind, bool)) and kind not in _KINDS:
            raise invalid(f"index key {field[:100]!r}: direction must be 1, -1 or one of {sorted(_KINDS)}")
    unknown = set(options) - _OPTIONS
    if unknown:
        raise invalid(f"unsupported index option {sorted(unknown)[0][:100]!r}")
    name = options.get("name", "_".join(f"{f}_{k}" for f, k in keys.items()))
    if not isinstance(name, str) or not name or len(name) > 128 or name == "_id_":
        raise invalid("index name must be a string of 1-128 characters other than '_id_'")
    return keys, {**options, "name": name}


def _sqlite_index(conn: sqlite3.Connection, keys: Dict[str, Any]) -> Optional[str]:
    """Build the SQLite index serving a hot-store index, when every key has a direction.

    Its columns are ``organization_id`` then the keys: reading columns as they are,
    ``data.*`` paths as the SQL engine spells them (``json_extract(data, '$."a"."b"')``),
    so the planner can use it for a query of one organization. Equal key lists share one
    SQLite index (named by a hash of its columns).
    """
    if not all(kind in (1, -1) for kind in keys.values()):
        return None
    terms = ["organization_id"]
    for field, kind in keys.items():
        if field in _COLUMNS:
            term = _COLUMNS[field]
        elif field.startswith("data."):
            # The path matched _FIELD: letters, digits and underscores only, no quotes.
            term = "json_extract(data, '$" + "".join(f'."{part}"' for part in field.split(".")[1:]) + "')"
        else:
            return None
        terms.append(f"{term} {'ASC' if kind == 1 else 'DESC'}")
    return indexes.build_readings_index(conn, terms)


def _collection(request: Any, scope: Scope, store: Store) -> Tuple[int, str]:
    """The checked ``(collection_type, pipeline_name)`` of a request; a pipeline sink's
    pipeline must exist in the organization."""

    check_org(store, request.organization_id, scope)
    kind = request.collection_type
    if kind == data_pb2.INDEXABLE_COLLECTION_HOT_STORE:
        if request.HasField("pipeline_name") and request.pipeline_name:
            raise invalid("pipeline_name is only for PIPELINE_SINK collections")
        return kind, ""
    if kind != data_pb2.INDEXABLE_COLLECTION_PIPELINE_SINK:
        raise invalid("collection_type must be HOT_STORE or PIPELINE_SINK")
    name = request.pipeline_name
    if not name:
        raise invalid("a PIPELINE_SINK collection needs pipeline_name")
    if not pipelines.name_taken(store.conn(), request.organization_id, name):
        raise not_found(f"data pipeline {name[:100]!r} not found")
    return kind, name


class IndexesMixin:
    """The index RPCs of ``DataServicer`` (typed against the attributes it sets: ``store``, ``auth``, ``config``)."""

    store: Store
    auth: Authorizer
    config: ServiceConfig

    @handler
    def CreateIndex(self, request: Any, context: Any, scope: Scope) -> Any:  # noqa: N802
        kind, pipeline = _collection(request, scope, self.store)
        keys, options = parse_spec(list(request.index_spec))
        org = request.organization_id
        with self.store.write() as conn:
            if indexes.get(conn, org, kind, pipeline, options["name"]) is not None:
                raise RpcFail(grpc.StatusCode.ALREADY_EXISTS, f"an index named {options['name'][:100]!r} exists")
            index = _sqlite_index(conn, keys) if kind == data_pb2.INDEXABLE_COLLECTION_HOT_STORE else None
            indexes.insert(conn, org, kind, pipeline, options["name"], bytes(request.index_spec[0]), index, now_ns())
        return data_pb2.CreateIndexResponse()

    @handler
    def ListIndexes(self, request: Any, context: Any, scope: Scope) -> Any:  # noqa: N802
        kind, pipeline = _collection(request, scope, self.store)
        rows = indexes.of_collection(self.store.conn(), request.organization_id, kind, pipeline)
        response = data_pb2.ListIndexesResponse()
        for row in rows:
            index = response.indexes.add(collection_type=kind, index_name=row["name"], index_spec=[row["spec"]],
                                         created_by=data_pb2.INDEX_CREATOR_CUSTOMER)
            if pipeline:
                index.pipeline_name = pipeline
        return response

    @handler
    def DeleteIndex(self, request: Any, context: Any, scope: Scope) -> Any:  # noqa: N802
        kind, pipeline = _collection(request, scope, self.store)
        with self.store.write() as conn:
            row = indexes.get(conn, request.organization_id, kind, pipeline, request.index_name)
            if row is None:
                raise not_found(f"index {request.index_name[:100]!r} not found")
            indexes.delete(conn, row)
        return data_pb2.DeleteIndexResponse()
