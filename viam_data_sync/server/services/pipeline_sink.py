"""Reading a data pipeline's sink: what ``TabularDataByMQL`` with the ``PIPELINE_SINK``
source runs its MQL over. The server process only checks the pipeline; the query worker
reads the sink's documents itself, in batches (``engines/mql.py``), within its memory
limit and at most ``MAX_SCANNED_DOCS`` of them, so no sink is ever loaded here."""

from __future__ import annotations

from viam_data_sync.server.services.owned import owned_row
from viam_data_sync.server._rpc import Scope, invalid, not_found
from viam_data_sync.server.store import Store


def sink_pipeline(store: Store, organization_id: str, pipeline_id: str, scope: Scope) -> str:
    """The pipeline a ``PIPELINE_SINK`` read names, checked against the request's organization."""
    if not pipeline_id:
        raise invalid("a PIPELINE_SINK data source needs pipeline_id")
    row = owned_row(store.conn(), "data_pipelines", pipeline_id, scope, "data pipeline")
    if row["organization_id"] != organization_id:
        raise not_found(f"data pipeline {pipeline_id[:100]} not found")
    return str(row["id"])
