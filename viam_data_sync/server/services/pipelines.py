"""Data pipelines: ``viam.app.datapipelines.v1.DataPipelinesService`` over the local
store.

* A pipeline is an MQL aggregation run on a cron ``schedule`` (``engines/pipeline_schedule.py``)
  by the scheduler (``engines/scheduler.py``, ``engines/pipeline_runner.py``), each run over one data
  window, its results appended to the pipeline's sink; ``TabularDataByMQL`` with the
  ``PIPELINE_SINK`` source and ``pipeline_id`` runs MQL over that sink
  (``services/pipeline_sink.py``).
* A window is run once its fire time has passed on the server's pipeline clock
  (``LocalDataServer(clock=...)``). A window missed while the server was down runs when
  it is back; windows passed while a pipeline was disabled are skipped: enabling resumes
  at the next fire time.
* ``enable_backfill``: at creation, the windows before it are run too, from the one
  holding the organization's oldest reading (at most ``MAX_BACKFILL_WINDOWS``).
* An organization has at most ``max_pipelines_per_organization`` pipelines (100 by
  default); creating one more answers RESOURCE_EXHAUSTED.
* Names are unique within an organization. Deleting a pipeline deletes its runs and
  its sink.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any, Callable

import grpc

from viam_data_sync._convert import ns_to_timestamp
from viam_data_sync._proto.app.data.v1 import data_pb2
from viam_data_sync._proto.app.datapipelines.v1 import data_pipelines_pb2 as pb
from viam_data_sync._proto.app.datapipelines.v1 import data_pipelines_pb2_grpc
from viam_data_sync.server.services.owned import decode_token, encode_token, owned_row, page_size
from viam_data_sync.server.engines.pipeline_runner import PipelineRunner
from viam_data_sync.server.engines.pipeline_schedule import ScheduleError, check_schedule, first_window_end, next_fire
from viam_data_sync.server._config import ServiceConfig
from viam_data_sync.server._rpc import Authorizer, RpcFail, Scope, check_org, handler, invalid
from viam_data_sync.server.services.validation import decode_stages
from viam_data_sync.server.store import Store, new_id, now_ns, pipelines, readings
from viam_data_sync.server.store.saved_queries import store_stages


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


class PipelinesServicer(data_pipelines_pb2_grpc.DataPipelinesServiceServicer):
    """The data pipeline RPCs.

    Args:
        store: The store.
        auth: The auth layer (each call's organizations).
        runner: The pipeline runner (its clock is the schedules' "now").
        config: The server's limits.
        changed: Called after a pipeline is created, deleted, enabled or disabled (the
            scheduler looks again).
    """

    def __init__(self, store: Store, auth: Authorizer, runner: PipelineRunner, config: ServiceConfig,
                 changed: Callable[[], None]) -> None:
        self.store = store
        self.auth = auth
        self.runner = runner
        self.config = config
        self._changed = changed

    def _now(self) -> int:
        return self.runner.now_ns()

    def _name_free(self, conn: sqlite3.Connection, organization_id: str, name: str) -> None:
        if pipelines.name_taken(conn, organization_id, name):
            raise RpcFail(grpc.StatusCode.ALREADY_EXISTS, f"a data pipeline named {name[:100]!r} already exists")

    def _room_for_one_more(self, conn: sqlite3.Connection, organization_id: str) -> None:
        most = self.config.max_pipelines_per_organization
        if pipelines.count_of_organization(conn, organization_id) >= most:
            raise RpcFail(grpc.StatusCode.RESOURCE_EXHAUSTED,
                          f"organization {organization_id[:100]} already has {most} data pipelines, the most the "
                          "local server allows one organization (max_pipelines_per_organization); delete one first")

    @staticmethod
    def _name(name: str) -> str:
        if not name.strip() or len(name) > 256:
            raise invalid("name must be 1-256 characters, not blank")
        return name

    @handler
    def CreateDataPipeline(self, request: Any, context: Any, scope: Scope) -> Any:  # noqa: N802

        check_org(self.store, request.organization_id, scope)
        name = self._name(request.name)
        decode_stages(request.mql_binary)
        try:
            schedule = check_schedule(request.schedule)
        except ScheduleError as exc:
            raise invalid(str(exc)) from None
        source = request.data_source_type if request.HasField("data_source_type") else \
            data_pb2.TABULAR_DATA_SOURCE_TYPE_STANDARD
        if source == data_pb2.TABULAR_DATA_SOURCE_TYPE_UNSPECIFIED:
            source = data_pb2.TABULAR_DATA_SOURCE_TYPE_STANDARD
        if source not in (data_pb2.TABULAR_DATA_SOURCE_TYPE_STANDARD, data_pb2.TABULAR_DATA_SOURCE_TYPE_HOT_STORAGE):
            raise invalid("data_source_type must be STANDARD or HOT_STORAGE")
        pipeline_id, created, now = new_id(), now_ns(), self._now()
        with self.store.write() as conn:
            self._room_for_one_more(conn, request.organization_id)
            self._name_free(conn, request.organization_id, name)
            oldest = readings.oldest_received_ns(conn, request.organization_id) if request.enable_backfill else None
            first = first_window_end(schedule, now, oldest)
            pipelines.insert(conn, pipelines.NewPipeline(
                id=pipeline_id, organization_id=request.organization_id, name=name,
                mql=store_stages(request.mql_binary), schedule=schedule, backfill=request.enable_backfill,
                data_source_type=source, next_run_ns=first, created_ns=created))
        self._changed()
        return pb.CreateDataPipelineResponse(id=pipeline_id)

    @handler
    def GetDataPipeline(self, request: Any, context: Any, scope: Scope) -> Any:  # noqa: N802
        row = owned_row(self.store.conn(), "data_pipelines", request.id, scope, "data pipeline")
        return pb.GetDataPipelineResponse(data_pipeline=_message(row))

    @handler
    def ListDataPipelines(self, request: Any, context: Any, scope: Scope) -> Any:  # noqa: N802

        check_org(self.store, request.organization_id, scope)
        rows = pipelines.of_organization(self.store.conn(), request.organization_id)
        return pb.ListDataPipelinesResponse(data_pipelines=[_message(r) for r in rows])

    @handler
    def RenameDataPipeline(self, request: Any, context: Any, scope: Scope) -> Any:  # noqa: N802
        name = self._name(request.name)
        with self.store.write() as conn:
            row = owned_row(conn, "data_pipelines", request.id, scope, "data pipeline")
            if name != row["name"]:
                self._name_free(conn, row["organization_id"], name)
            pipelines.rename(conn, row, name, max(now_ns(), row["updated_ns"] + 1))
        return pb.RenameDataPipelineResponse()

    @handler
    def DeleteDataPipeline(self, request: Any, context: Any, scope: Scope) -> Any:  # noqa: N802
        with self.store.write() as conn:
            row = owned_row(conn, "data_pipelines", request.id, scope, "data pipeline")
            pipelines.delete(conn, row)
        self._changed()
        return pb.DeleteDataPipelineResponse()

    def _set_enabled(self, request: Any, scope: Scope, enabled: bool) -> None:
        with self.store.write() as conn:
            row = owned_row(conn, "data_pipelines", request.id, scope, "data pipeline")
            if bool(row["enabled"]) == enabled:
                return  # already so: idempotent
            next_run = next_fire(row["schedule"], self._now()) if enabled else row["next_run_ns"]
            pipelines.set_enabled(conn, row["id"], enabled, next_run, max(now_ns(), row["updated_ns"] + 1))
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
        size = page_size(request.page_size, self.config.max_page_size)
        rows = pipelines.runs_before(conn, pipeline["id"], before, size + 1)
        response = pb.ListDataPipelineRunsResponse(pipeline_id=pipeline["id"],
                                                   runs=[_run_message(r) for r in rows[:size]])
        if len(rows) > size:
            response.next_page_token = encode_token("pipeline-runs", rows[size - 1]["seq"], pipeline["id"])
        return response
