"""Running data pipeline windows, for the scheduler.

A run executes ``[{"$match": {"time_received": {"$gte": start, "$lt": end}}}, *stages]``
over the organization's readings in the bounded query workers (``engines/query_pool.py``), as a
client's MQL runs: the same memory limit, counted against the organization's share of
the workers. A run that fails, a limit included, is recorded FAILED with the reason
(the limit's name, e.g. ``query_memory_bytes``); a completed run appends its result
documents to the pipeline's sink. A window is recorded once, and only if the pipeline
was not deleted, disabled or rescheduled meanwhile.

The cloud's execution limits (Viam docs, ``docs/data/pipelines/reference.md``,
"Execution limits"): at most 10,000 output documents per run, a 5-minute MQL execution
timeout, and a run still ``STARTED`` after 10 minutes marked FAILED. Here a run's wait
for a worker and its MQL share one deadline, the smaller of the two limits, so no run
stays started past either; :class:`PipelineLimits` holds them (shorter in tests).

Runs of different organizations never wait for each other: each organization runs one
window at a time, up to ``concurrency`` organizations at once on their own threads,
and a freed thread goes to the organization whose next window has waited longest.

Example::

    runner = PipelineRunner(store, clock, pool)
    runner.run_due()   # every window due by the clock; returns how many ran
"""

from __future__ import annotations

import datetime as _dt
import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable, List, Optional, Set

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

#: Most result documents one run may write to the sink (the cloud's limit).
MAX_RUN_DOCS = 10_000
#: Most bytes of result documents one run may write to the sink.
MAX_RUN_BYTES = 256 * 1024 * 1024
#: The cloud's MQL execution timeout of a run, in seconds.
MQL_TIMEOUT = 300.0
#: Seconds after which the cloud marks a run still started as FAILED.
RUN_TIMEOUT = 600.0
#: Organizations whose runs go on at once (one run each).
CONCURRENCY = 4
#: How often (seconds) the dispatcher looks for newly due windows while runs go on.
_POLL = 0.25


@dataclass(frozen=True)
class PipelineLimits:
    """The limits of one run (defaults: the cloud's) and how many organizations run at once.

    Example::

        PipelineLimits(mql_timeout=2.0)   # a test's slow pipeline fails in 2 s
    """

    max_docs: int = MAX_RUN_DOCS
    mql_timeout: float = MQL_TIMEOUT
    run_timeout: float = RUN_TIMEOUT
    concurrency: int = CONCURRENCY

    def check(self) -> None:
        """ValueError for a limit out of range (named as ``LocalDataServer`` names it)."""
        if self.max_docs < 1:
            raise ValueError("pipeline_max_docs must be >= 1")
        if not self.mql_timeout > 0 or not self.run_timeout > 0:
            raise ValueError("pipeline_mql_timeout and pipeline_run_timeout must be > 0")
        if self.concurrency < 1:
            raise ValueError("pipeline_concurrency must be >= 1")


class PipelineStopping(Exception):
    """The query workers are closing (the server stops): the window stays due."""


class PipelineRunner:
    """Executes due windows against the store, for the scheduler.

    Args:
        store: The store.
        clock: The pipelines' clock.
        queries: The bounded query workers the runs execute in.
        limits: A run's limits and how many organizations run at once.
        hot_store_since: The oldest ``time_received`` (ns) the hot store holds now; a
            HOT_STORAGE pipeline reads only those readings. None: all of them.
    """

    def __init__(self, store: Store, clock: PipelineClock, queries: QueryPool,
                 limits: PipelineLimits = PipelineLimits(),
                 hot_store_since: Optional[Callable[[], int]] = None) -> None:
        limits.check()
        self.store = store
        self.clock = clock
        self.queries = queries
        self.limits = limits
        self.hot_store_since = hot_store_since

    def now_ns(self) -> int:
        return to_ns(self.clock.now())

    def next_due(self) -> Optional[_dt.datetime]:
        value = pipelines.next_due_ns(self.store.conn())
        return None if value is None else ns_to_datetime(value)

    def run_due(self) -> int:
        """Run every window due by the clock, one at a time per organization, up to
        ``limits.concurrency`` organizations at once; returns how many ran. Windows that
        come due meanwhile run too; it returns when none is due and none is running."""
        busy: Set[str] = set()
        ran, stopping = [0], [False]
        changed = threading.Condition()

        def run(row: sqlite3.Row) -> None:
            done = False
            try:
                self._run(row)
                done = True
            except PipelineStopping:
                stopping[0] = True
            except Exception as exc:  # noqa: BLE001 - e.g. the store failed: stop; the scheduler tries again
                log_unexpected(LOG, "a data pipeline run", exc)
                stopping[0] = True
            finally:
                with changed:
                    ran[0] += done
                    busy.discard(row["organization_id"])
                    changed.notify_all()

        with ThreadPoolExecutor(self.limits.concurrency, thread_name_prefix="viam-pipeline-run") as threads:
            with changed:
                while not stopping[0]:
                    free = self.limits.concurrency - len(busy)
                    due = pipelines.due_by_organization(self.store.conn(), self.now_ns(), busy, free) if free else []
                    if not due and not busy:
                        break
                    for row in due:
                        busy.add(row["organization_id"])
                        threads.submit(run, row)
                    changed.wait(_POLL)
                while busy:  # stopping: let the runs under way end
                    changed.wait(_POLL)
        return ran[0]

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
        limits = self.limits
        began = time.monotonic()
        try:
            docs = self.queries.run("MQL", organization_id, [organization_id], stages, max_rows=limits.max_docs,
                                    max_bytes=MAX_RUN_BYTES, options=options,
                                    timeout=min(limits.mql_timeout, limits.run_timeout))
        except QueryFailed as exc:
            if exc.kind == "stopping":
                raise PipelineStopping() from None
            status, error = pb.DATA_PIPELINE_RUN_STATUS_FAILED, self._reason(exc, time.monotonic() - began)
        except Exception as exc:  # noqa: BLE001 - the run failed; the scheduler goes on
            log_unexpected(LOG, "a data pipeline run", exc)
            status, error = pb.DATA_PIPELINE_RUN_STATUS_FAILED, f"internal error ({type(exc).__name__})"
        run = pipelines.Run(id=run_id, pipeline_id=pipeline["id"], start_ns=started,
                            end_ns=max(self.now_ns(), started), data_start_ns=start, data_end_ns=end,
                            status=status, error=error, data_source_type=pipeline["data_source_type"])
        with self.store.write() as conn:
            pipelines.record_run(conn, run, docs, next_fire(pipeline["schedule"], end))


    def _reason(self, exc: QueryFailed, seconds: float) -> str:
        """Why a run failed, naming the pipeline limit it hit."""
        limits = self.limits
        if exc.kind == "time" and limits.mql_timeout <= limits.run_timeout:
            return (f"the pipeline's MQL ran past its {limits.mql_timeout:g} s limit (pipeline_mql_timeout; "
                    "the cloud allows 5 minutes)")
        if exc.kind in ("time", "busy"):
            return (f"the run did not finish within {min(limits.mql_timeout, limits.run_timeout):g} s, waiting "
                    f"for a query worker included (pipeline_run_timeout, pipeline_mql_timeout; {seconds:.0f} s)")
        if exc.kind == "invalid" and f"more than {limits.max_docs} documents" in exc.message:
            return (f"the run produced more than {limits.max_docs} documents, the most one run may write "
                    "(the cloud allows 10,000); add $limit or narrow the window")
        return exc.message


def _naive(ns: int) -> _dt.datetime:
    return ns_to_datetime(ns).replace(tzinfo=None)
