"""Running data pipeline windows, for the scheduler.

A run executes ``[{"$match": {"time_received": {"$gte": start, "$lt": end}}}, *stages]``
over the organization's readings in the bounded query workers (``engines/query_pool.py``), as a
client's MQL runs: the same memory and time limits, counted against the organization's
share of the workers. A run that fails, a limit included, is recorded FAILED with the
reason (the limit's name, e.g. ``query_memory_bytes``); a completed run appends its
result documents to the pipeline's sink. A window is recorded once, and only if the
pipeline was not deleted, disabled or rescheduled meanwhile.

Example::

    runner = PipelineRunner(store, clock, pool)
    runner.run_due()   # every window due by the clock; returns how many ran
"""

from __future__ import annotations

import datetime as _dt
import sqlite3
from typing import Callable, List, Optional

from viam_data_sync._convert import ns_to_datetime
from viam_data_sync._proto.app.data.v1 import data_pb2
from viam_data_sync._proto.app.datapipelines.v1 import data_pipelines_pb2 as pb
from viam_data_sync.server.engines.pipeline_schedule import next_fire, previous_fire, to_ns
from viam_data_sync.server.engines.query_pool import QueryPool
from viam_data_sync.server._query_errors import QueryFailed
from viam_data_sync.server._rpc import LOG, log_unexpected
from viam_data_sync.server.engines.scheduler import PipelineClock
from viam_data_sync.server.store import Store, new_id, pipelines
from viam_data_sync.server.store.saved_queries import stored_stages

#: Most result documents one run may write to the sink.
MAX_RUN_DOCS = 100_000
#: Most bytes of result documents one run may write to the sink.
MAX_RUN_BYTES = 256 * 1024 * 1024


class PipelineStopping(Exception):
    """The query workers are closing (the server stops): the window stays due."""


class PipelineRunner:
    """Executes due windows against the store, for the scheduler.

    Args:
        store: The store.
        clock: The pipelines' clock.
        queries: The bounded query workers the runs execute in.
        max_docs: Most documents a run may produce.
        hot_store_since: The oldest ``time_received`` (ns) the hot store holds now; a
            HOT_STORAGE pipeline reads only those readings. None: all of them.
    """

    def __init__(self, store: Store, clock: PipelineClock, queries: QueryPool, max_docs: int = MAX_RUN_DOCS,
                 hot_store_since: Optional[Callable[[], int]] = None) -> None:
        self.store = store
        self.clock = clock
        self.queries = queries
        self.max_docs = max_docs
        self.hot_store_since = hot_store_since

    def now_ns(self) -> int:
        return to_ns(self.clock.now())

    def next_due(self) -> Optional[_dt.datetime]:
        value = pipelines.next_due_ns(self.store.conn())
        return None if value is None else ns_to_datetime(value)

    def run_due(self) -> int:
        ran = 0
        while True:
            row = pipelines.first_due(self.store.conn(), self.now_ns())
            if row is None:
                return ran
            try:
                self._run(row)
            except PipelineStopping:
                return ran
            ran += 1

    def _run(self, pipeline: sqlite3.Row) -> None:
        end = pipeline["next_run_ns"]
        start = previous_fire(pipeline["schedule"], end)
        run_id, started = new_id(), self.now_ns()
        stages = [{"$match": {"time_received": {"$gte": _naive(start), "$lt": _naive(end)}}},
                  *stored_stages(pipeline["mql"])]
        docs: List[bytes] = []
        status, error = pb.DATA_PIPELINE_RUN_STATUS_COMPLETED, ""
        options = {}
        if pipeline["data_source_type"] == data_pb2.TABULAR_DATA_SOURCE_TYPE_HOT_STORAGE and self.hot_store_since:
            options["received_since_ns"] = self.hot_store_since()
        organization_id = pipeline["organization_id"]
        try:
            docs = self.queries.run("MQL", organization_id, [organization_id], stages, max_rows=self.max_docs,
                                    max_bytes=MAX_RUN_BYTES, options=options)
        except QueryFailed as exc:
            if exc.kind == "stopping":
                raise PipelineStopping() from None
            status, error = pb.DATA_PIPELINE_RUN_STATUS_FAILED, exc.message
        except Exception as exc:  # noqa: BLE001 - the run failed; the scheduler goes on
            log_unexpected(LOG, "a data pipeline run", exc)
            status, error = pb.DATA_PIPELINE_RUN_STATUS_FAILED, f"internal error ({type(exc).__name__})"
        run = pipelines.Run(id=run_id, pipeline_id=pipeline["id"], start_ns=started,
                            end_ns=max(self.now_ns(), started), data_start_ns=start, data_end_ns=end,
                            status=status, error=error, data_source_type=pipeline["data_source_type"])
        with self.store.write() as conn:
            pipelines.record_run(conn, run, docs, next_fire(pipeline["schedule"], end))


def _naive(ns: int) -> _dt.datetime:
    return ns_to_datetime(ns).replace(tzinfo=None)
