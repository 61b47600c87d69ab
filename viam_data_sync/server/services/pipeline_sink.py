"""Reading a data pipeline's sink: what ``TabularDataByMQL`` with the ``PIPELINE_SINK``
source runs its MQL over."""

from __future__ import annotations

from typing import Any, Dict, List

import bson
import grpc

from viam_data_sync.server.services.owned import owned_row
from viam_data_sync.server._rpc import RpcFail, Scope, invalid, not_found
from viam_data_sync.server.store import Store, pipelines

#: Most documents of a sink one query reads: the MQL engine's ``MAX_SCANNED_DOCS`` (the
#: server process does not import the engine, which runs in the query workers).
MAX_SINK_DOCS = 1_000_000


def sink_documents(store: Store, pipeline_id: str) -> List[Dict[str, Any]]:
    """The documents of a pipeline's sink, in the order they were written (naive UTC
    datetimes, as the MQL evaluator takes them); at most :data:`MAX_SINK_DOCS`,
    RESOURCE_EXHAUSTED beyond."""
    raw = pipelines.sink_documents(store.query_conn(), pipeline_id, MAX_SINK_DOCS + 1)
    if len(raw) > MAX_SINK_DOCS:
        raise RpcFail(grpc.StatusCode.RESOURCE_EXHAUSTED, f"the pipeline's sink holds more than {MAX_SINK_DOCS} documents")
    return [bson.decode(doc) for doc in raw]


def sink_pipeline(store: Store, organization_id: str, pipeline_id: str, scope: Scope) -> str:
    """The pipeline a ``PIPELINE_SINK`` read names, checked against the request's organization."""
    if not pipeline_id:
        raise invalid("a PIPELINE_SINK data source needs pipeline_id")
    row = owned_row(store.conn(), "data_pipelines", pipeline_id, scope, "data pipeline")
    if row["organization_id"] != organization_id:
        raise not_found(f"data pipeline {pipeline_id[:100]} not found")
    return str(row["id"])
