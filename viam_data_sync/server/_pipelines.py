"""Data pipelines: ``viam.app.datapipelines.v1.DataPipelinesService`` over the local
store, the runs the scheduler executes, and the sinks they fill.

* A pipeline is an MQL aggregation run on a cron ``schedule`` (UTC, five fields; parsed
  with croniter). Each run covers one data window: the readings whose
  ``time_received`` lies in ``[previous fire time, fire time)``. The run executes
  ``[{"$match": {"time_received": {"$gte": start, "$lt": end}}}, *stages]`` over the
  organization's readings and appends the result documents to the pipeline's sink;
  ``TabularDataByMQL`` with the ``PIPELINE_SINK`` source and ``pipeline_id`` runs MQL
  over that sink.
* A window is run once its fire time has passed on the server's pipeline clock
  (``LocalDataServer(pipeline_clock=...)``). A window missed while the server was down
  runs when it is back; windows passed while a pipeline was disabled are skipped:
  enabling resumes at the next fire time.
* ``enable_backfill``: at creation, the windows before it are run too, from the one
  holding the organization's oldest reading (at most :data:`MAX_BACKFILL_WINDOWS`).
* Names are unique within an organization. Deleting a pipeline deletes its runs and
  its sink.
"""

from __future__ import annotations

import datetime as _dt
import json
import sqlite3
from typing import Any, Callable, Dict, List, Optional

import grpc
from croniter import CroniterError, croniter  # type: ignore[import-untyped]  # croniter ships no stubs; types-croniter is not a dependency

from viam_data_sync._convert import ns_to_datetime, ns_to_timestamp
from viam_data_sync._proto.app.data.v1 import data_pb2
from viam_data_sync._proto.app.datapipelines.v1 import data_pipelines_pb2 as pb
from viam_data_sync._proto.app.datapipelines.v1 import data_pipelines_pb2_grpc
from viam_data_sync.server._owned import decode_token, encode_token, owned_row, page_size
from viam_data_sync.server._rpc import LOG, RpcFail, Scope, check_org, handler, invalid, log_unexpected, not_found
from viam_data_sync.server._saved_queries import decode_stages, store_stages, stored_stages
from viam_data_sync.server._scheduler import PipelineClock, Scheduler
from viam_data_sync.server._store import Store, new_id, now_ns

#: Most past windows a backfill runs.
MAX_BACKFILL_WINDOWS = 1000
#: Most result documents one run may write to the sink.
MAX_RUN_DOCS = 100_000
_UTC = _dt.timezone.utc

DDL = """
CREATE TABLE IF NOT EXISTS data_pipelines (
    id TEXT PRIMARY KEY, organization_id TEXT NOT NULL, name TEXT NOT NULL,
    mql TEXT NOT NULL, schedule TEXT NOT NULL, enabled INTEGER NOT NULL,
    backfill INTEGER NOT NULL, data_source_type INTEGER NOT NULL,
    next_run_ns INTEGER NOT NULL,             -- fire time (end) of the next window to run
    created_ns INTEGER NOT NULL, updated_ns INTEGER NOT NULL,
    UNIQUE (organization_id, name));
CREATE TABLE IF NOT EXISTS data_pipeline_runs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE,
    pipeline_id TEXT NOT NULL REFERENCES data_pipelines(id) ON DELETE CASCADE,
    start_ns INTEGER NOT NULL, end_ns INTEGER, data_start_ns INTEGER NOT NULL, data_end_ns INTEGER NOT NULL,
    status INTEGER NOT NULL, error TEXT NOT NULL DEFAULT '', data_source_type INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS data_pipeline_runs_pipeline ON data_pipeline_runs (pipeline_id, seq);
CREATE TABLE IF NOT EXISTS pipeline_sink (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    pipeline_id TEXT NOT NULL REFERENCES data_pipelines(id) ON DELETE CASCADE,
    run_id TEXT NOT NULL, doc BLOB NOT NULL); -- one BSON result document
CREATE INDEX IF NOT EXISTS pipeline_sink_pipeline ON pipeline_sink (pipeline_id, id);
"""


def create_tables(store: Store) -> None:
    with store.write_lock:
        store.conn().executescript(DDL)


def check_schedule(schedule: str) -> str:
    """A five-field cron expression that fires; INVALID_ARGUMENT otherwise."""
    if len(schedule.split()) != 5 or not croniter.is_valid(schedule):
        raise invalid(f"schedule {schedule[:100]!r} is not a five-field cron expression")
    try:
        fires = croniter(schedule, _dt.datetime.now(_UTC))
        fires.get_next(_dt.datetime)
        fires.get_prev(_dt.datetime)
    except CroniterError:  # e.g. "0 0 31 2 *": valid, but never fires
        raise invalid(f"schedule {schedule[:100]!r} never fires") from None
    return schedule


def _ns(value: _dt.datetime) -> int:
    return (value - _dt.datetime(1970, 1, 1, tzinfo=_UTC)) // _dt.timedelta(microseconds=1) * 1000


def next_fire(schedule: str, after_ns: int) -> int:
    """The first fire time strictly after ``after_ns``."""
    return _ns(croniter(schedule, ns_to_datetime(after_ns)).get_next(_dt.datetime))


def previous_fire(schedule: str, before_ns: int) -> int:
    """The last fire time strictly before ``before_ns``."""
    return _ns(croniter(schedule, ns_to_datetime(before_ns)).get_prev(_dt.datetime))


def _first_window_end(conn: sqlite3.Connection, organization_id: str, schedule: str, now: int, backfill: bool) -> int:
    """The fire time of a new pipeline's first window."""
    first = next_fire(schedule, now)
    if not backfill:
        return first
    oldest = conn.execute("SELECT min(time_received_ns) FROM readings WHERE organization_id = ?",
                          (organization_id,)).fetchone()[0]
    if oldest is None:
        return first
    fires = croniter(schedule, ns_to_datetime(now))
    start = now
    for _ in range(MAX_BACKFILL_WINDOWS + 1):  # back to the window holding the oldest reading
        start = _ns(fires.get_prev(_dt.datetime))
        if start <= oldest:
            break
    return next_fire(schedule, start)


def _message(row: sqlite3.Row) -> Any:
    return pb.DataPipeline(
        id=row["id"], organization_id=row["organization_id"], name=row["name"],
        mql_binary=[bytes.fromhex(item) for item in json.loads(row["mql"])], schedule=row["schedule"],
        enabled=bool(row["enabled"]), created_on=ns_to_timestamp(row["created_ns"]),
        updated_at=ns_to_timestamp(row["updated_ns"]), data_source_type=row["data_source_type"])


def _run_message(row: sqlite3.Row) -> Any:
    run = pb.DataPipelineRun(
        id=row["id"], start_time=ns_to_timestamp(row["start_ns"]),
        data_start_time=ns_to_timestamp(row["data_start_ns"]), data_end_time=ns_to_timestamp(row["data_end_ns"]),
        status=row["status"], error_message=row["error"], data_source_type=row["data_source_type"])
    if row["end_ns"] is not None:
        run.end_time.CopyFrom(ns_to_timestamp(row["end_ns"]))
    return run


def _naive(ns: int) -> _dt.datetime:
    return ns_to_datetime(ns).replace(tzinfo=None)


def sink_documents(store: Store, pipeline_id: str) -> List[Dict[str, Any]]:
    """The documents of a pipeline's sink, in the order they were written (naive UTC
    datetimes, as the MQL evaluator takes them); at most ``MAX_SCANNED_DOCS`` of the MQL
    engine, RESOURCE_EXHAUSTED beyond."""
    import bson

    from viam_data_sync.server._mql import MAX_SCANNED_DOCS

    rows = store.query_conn().execute("SELECT doc FROM pipeline_sink WHERE pipeline_id = ? ORDER BY id LIMIT ?",
                                      (pipeline_id, MAX_SCANNED_DOCS + 1)).fetchall()
    if len(rows) > MAX_SCANNED_DOCS:
        raise RpcFail(grpc.StatusCode.RESOURCE_EXHAUSTED,
                      f"the pipeline's sink holds more than {MAX_SCANNED_DOCS} documents")
    return [bson.decode(row[0]) for row in rows]


def sink_pipeline(store: Store, organization_id: str, pipeline_id: str, scope: Scope) -> str:
    """The pipeline a ``PIPELINE_SINK`` read names, checked against the request's organization."""
    if not pipeline_id:
        raise invalid("a PIPELINE_SINK data source needs pipeline_id")
    row = owned_row(store.conn(), "data_pipelines", pipeline_id, scope, "data pipeline")
    if row["organization_id"] != organization_id:
        raise not_found(f"data pipeline {pipeline_id[:100]} not found")
    return str(row["id"])


class PipelineRunner:
    """Executes due windows against the store, for the scheduler.

    Args:
        store: The store.
        clock: The pipelines' clock.
        max_docs: Most documents a run may produce.
        hot_store_since: The oldest ``time_received`` (ns) the hot store holds now; a
            HOT_STORAGE pipeline reads only those readings. None: all of them.
    """

    def __init__(self, store: Store, clock: PipelineClock, max_docs: int = MAX_RUN_DOCS,
                 hot_store_since: Optional[Callable[[], int]] = None) -> None:
        self.store = store
        self.clock = clock
        self.max_docs = max_docs
        self.hot_store_since = hot_store_since

    def now_ns(self) -> int:
        return _ns(self.clock.now())

    def next_due(self) -> Optional[_dt.datetime]:
        value = self.store.conn().execute("SELECT min(next_run_ns) FROM data_pipelines WHERE enabled = 1").fetchone()[0]
        return None if value is None else ns_to_datetime(value)

    def run_due(self) -> int:
        ran = 0
        while True:
            now = self.now_ns()
            row = self.store.conn().execute(
                "SELECT * FROM data_pipelines WHERE enabled = 1 AND next_run_ns <= ? ORDER BY next_run_ns, id LIMIT 1",
                (now,)).fetchone()
            if row is None:
                return ran
            self._run(row)
            ran += 1

    def _run(self, pipeline: sqlite3.Row) -> None:
        import bson

        from viam_data_sync.server._mql import run_mql
        from viam_data_sync.server._query_errors import QueryError

        end = pipeline["next_run_ns"]
        start = previous_fire(pipeline["schedule"], end)
        run_id, started = new_id(), self.now_ns()
        stages = [{"$match": {"time_received": {"$gte": _naive(start), "$lt": _naive(end)}}},
                  *stored_stages(pipeline["mql"])]
        docs: List[bytes] = []
        status, error = pb.DATA_PIPELINE_RUN_STATUS_COMPLETED, ""
        since = None
        if pipeline["data_source_type"] == data_pb2.TABULAR_DATA_SOURCE_TYPE_HOT_STORAGE and self.hot_store_since:
            since = self.hot_store_since()
        try:
            result = run_mql(self.store.query_conn(), [pipeline["organization_id"]], stages, max_docs=self.max_docs,
                             received_since_ns=since)
            docs = [bson.encode(doc) for doc in result]
        except (QueryError, RecursionError, bson.errors.InvalidDocument, OverflowError) as exc:
            status, error = pb.DATA_PIPELINE_RUN_STATUS_FAILED, str(exc) or type(exc).__name__
        except Exception as exc:  # noqa: BLE001 - the run failed; the scheduler goes on
            log_unexpected(LOG, "a data pipeline run", exc)
            status, error = pb.DATA_PIPELINE_RUN_STATUS_FAILED, f"internal error ({type(exc).__name__})"
        with self.store.write() as conn:
            current = conn.execute("SELECT next_run_ns, enabled FROM data_pipelines WHERE id = ?",
                                   (pipeline["id"],)).fetchone()
            if current is None or current["next_run_ns"] != end or not current["enabled"]:
                return  # deleted, disabled or rescheduled meanwhile: this window is not run
            conn.execute(
                "INSERT INTO data_pipeline_runs (id, pipeline_id, start_ns, end_ns, data_start_ns, data_end_ns, "
                "status, error, data_source_type) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (run_id, pipeline["id"], started, max(self.now_ns(), started), start, end, status, error,
                 pipeline["data_source_type"]))
            conn.executemany("INSERT INTO pipeline_sink (pipeline_id, run_id, doc) VALUES (?, ?, ?)",
                             [(pipeline["id"], run_id, doc) for doc in docs])
            conn.execute("UPDATE data_pipelines SET next_run_ns = ? WHERE id = ?",
                         (next_fire(pipeline["schedule"], end), pipeline["id"]))


class PipelinesServicer(data_pipelines_pb2_grpc.DataPipelinesServiceServicer):
    """The data pipeline RPCs.

    Args:
        server: The owning ``LocalDataServer`` (store, auth, scheduler).
    """

    def __init__(self, server: Any) -> None:
        self.server = server
        self.store: Store = server.store
        self.auth = server.authority

    def _changed(self) -> None:
        scheduler: Optional[Scheduler] = getattr(self.server, "scheduler", None)
        if scheduler is not None:
            scheduler.poke()

    def _now(self) -> int:
        runner: PipelineRunner = self.server.pipeline_runner
        return runner.now_ns()

    def _name_free(self, conn: sqlite3.Connection, organization_id: str, name: str) -> None:
        if conn.execute("SELECT 1 FROM data_pipelines WHERE organization_id = ? AND name = ?",
                        (organization_id, name)).fetchone():
            raise RpcFail(grpc.StatusCode.ALREADY_EXISTS, f"a data pipeline named {name[:100]!r} already exists")

    @staticmethod
    def _name(name: str) -> str:
        if not name.strip() or len(name) > 256:
            raise invalid("name must be 1-256 characters, not blank")
        return name

    @handler
    def CreateDataPipeline(self, request: Any, context: Any, scope: Scope) -> Any:  # noqa: N802

        check_org(self.server, request.organization_id, scope)
        name = self._name(request.name)
        decode_stages(request.mql_binary)
        schedule = check_schedule(request.schedule)
        source = request.data_source_type if request.HasField("data_source_type") else \
            data_pb2.TABULAR_DATA_SOURCE_TYPE_STANDARD
        if source == data_pb2.TABULAR_DATA_SOURCE_TYPE_UNSPECIFIED:
            source = data_pb2.TABULAR_DATA_SOURCE_TYPE_STANDARD
        if source not in (data_pb2.TABULAR_DATA_SOURCE_TYPE_STANDARD, data_pb2.TABULAR_DATA_SOURCE_TYPE_HOT_STORAGE):
            raise invalid("data_source_type must be STANDARD or HOT_STORAGE")
        pipeline_id, created, now = new_id(), now_ns(), self._now()
        with self.store.write() as conn:
            self._name_free(conn, request.organization_id, name)
            first = _first_window_end(conn, request.organization_id, schedule, now, request.enable_backfill)
            conn.execute(
                "INSERT INTO data_pipelines (id, organization_id, name, mql, schedule, enabled, backfill, "
                "data_source_type, next_run_ns, created_ns, updated_ns) VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?)",
                (pipeline_id, request.organization_id, name, store_stages(request.mql_binary), schedule,
                 int(request.enable_backfill), source, first, created, created))
        self._changed()
        return pb.CreateDataPipelineResponse(id=pipeline_id)

    @handler
    def GetDataPipeline(self, request: Any, context: Any, scope: Scope) -> Any:  # noqa: N802
        row = owned_row(self.store.conn(), "data_pipelines", request.id, scope, "data pipeline")
        return pb.GetDataPipelineResponse(data_pipeline=_message(row))

    @handler
    def ListDataPipelines(self, request: Any, context: Any, scope: Scope) -> Any:  # noqa: N802

        check_org(self.server, request.organization_id, scope)
        rows = self.store.conn().execute(
            "SELECT * FROM data_pipelines WHERE organization_id = ? ORDER BY created_ns, id",
            (request.organization_id,)).fetchall()
        return pb.ListDataPipelinesResponse(data_pipelines=[_message(r) for r in rows])

    @handler
    def RenameDataPipeline(self, request: Any, context: Any, scope: Scope) -> Any:  # noqa: N802
        name = self._name(request.name)
        with self.store.write() as conn:
            row = owned_row(conn, "data_pipelines", request.id, scope, "data pipeline")
            if name != row["name"]:
                self._name_free(conn, row["organization_id"], name)
            conn.execute("UPDATE data_pipelines SET name = ?, updated_ns = ? WHERE id = ?",
                         (name, max(now_ns(), row["updated_ns"] + 1), row["id"]))
            conn.execute("UPDATE custom_indexes SET pipeline_name = ? WHERE organization_id = ? "
                         "AND collection_type = ? AND pipeline_name = ?",  # its sink's indexes follow it
                         (name, row["organization_id"], data_pb2.INDEXABLE_COLLECTION_PIPELINE_SINK, row["name"]))
        return pb.RenameDataPipelineResponse()

    @handler
    def DeleteDataPipeline(self, request: Any, context: Any, scope: Scope) -> Any:  # noqa: N802
        with self.store.write() as conn:
            row = owned_row(conn, "data_pipelines", request.id, scope, "data pipeline")
            conn.execute("DELETE FROM custom_indexes WHERE organization_id = ? AND collection_type = ? "
                         "AND pipeline_name = ?",
                         (row["organization_id"], data_pb2.INDEXABLE_COLLECTION_PIPELINE_SINK, row["name"]))
            conn.execute("DELETE FROM data_pipelines WHERE id = ?", (row["id"],))
        self._changed()
        return pb.DeleteDataPipelineResponse()

    def _set_enabled(self, request: Any, scope: Scope, enabled: bool) -> None:
        with self.store.write() as conn:
            row = owned_row(conn, "data_pipelines", request.id, scope, "data pipeline")
            if bool(row["enabled"]) == enabled:
                return  # already so: idempotent
            next_run = next_fire(row["schedule"], self._now()) if enabled else row["next_run_ns"]
            conn.execute("UPDATE data_pipelines SET enabled = ?, next_run_ns = ?, updated_ns = ? WHERE id = ?",
                         (int(enabled), next_run, max(now_ns(), row["updated_ns"] + 1), row["id"]))
        self._changed()

    @handler
    def EnableDataPipeline(self, request: Any, context: Any, scope: Scope) -> Any:  # noqa: N802
        self._set_enabled(request, scope, True)
        return pb.EnableDataPipelineResponse()

    @handler
    def DisableDataPipeline(self, request: Any, context: Any, scope: Scope) -> Any:  # noqa: N802
        self._set_enabled(request, scope, False)
        return pb.DisableDataPipelineResponse()

    @handler
    def ListDataPipelineRuns(self, request: Any, context: Any, scope: Scope) -> Any:  # noqa: N802
        """The pipeline's runs, newest first."""
        conn = self.store.conn()
        pipeline = owned_row(conn, "data_pipelines", request.id, scope, "data pipeline")
        before = decode_token(request.page_token, "pipeline-runs", pipeline["id"])
        size = page_size(request.page_size, self.server.max_page_size)
        rows = conn.execute(
            "SELECT * FROM data_pipeline_runs WHERE pipeline_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?",
            (pipeline["id"], 2**63 - 1 if before is None else before, size + 1)).fetchall()
        response = pb.ListDataPipelineRunsResponse(pipeline_id=pipeline["id"],
                                                   runs=[_run_message(r) for r in rows[:size]])
        if len(rows) > size:
            response.next_page_token = encode_token("pipeline-runs", rows[size - 1]["seq"], pipeline["id"])
        return response
