"""Data pipelines (``viam.app.datapipelines.v1.DataPipelinesService``): the methods the
official ``DataClient`` offers for them, blocking, as a mixin of ``DataClient``.

MQL stages go out as one BSON document each and come back decoded; times are aware
UTC datetimes.
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
from typing import Any, Dict, List, Mapping, Optional, Sequence

import bson

from viam_data_sync._config import USE_CLIENT_DEFAULT
from viam_data_sync._filters import check_text
from viam_data_sync._convert import timestamp_to_datetime
from viam_data_sync._proto.app.data.v1 import data_pb2
from viam_data_sync._proto.app.datapipelines.v1 import data_pipelines_pb2 as pb
from viam_data_sync._rpcs import DataPipelinesService



def _time(message: Any, field: str) -> Optional[_dt.datetime]:
    return timestamp_to_datetime(getattr(message, field)) if message.HasField(field) else None


@dataclasses.dataclass
class DataPipeline:
    """A data pipeline: a scheduled MQL aggregation whose results land in a sink."""

    id: str
    organization_id: str
    name: str
    mql_binary: List[Dict[str, Any]]
    schedule: str
    created_on: Optional[_dt.datetime]
    updated_at: Optional[_dt.datetime]
    enabled: bool
    data_source_type: int

    @classmethod
    def from_proto(cls, message: Any) -> "DataPipeline":
        return cls(
            id=message.id,
            organization_id=message.organization_id,
            name=message.name,
            mql_binary=[bson.decode(stage) for stage in message.mql_binary],
            schedule=message.schedule,
            created_on=_time(message, "created_on"),
            updated_at=_time(message, "updated_at"),
            enabled=message.enabled,
            data_source_type=message.data_source_type,
        )


@dataclasses.dataclass
class DataPipelineRun:
    """One run of a data pipeline."""

    id: str
    status: int
    start_time: Optional[_dt.datetime]
    end_time: Optional[_dt.datetime]
    data_start_time: Optional[_dt.datetime]
    data_end_time: Optional[_dt.datetime]
    error_message: str
    data_source_type: int

    @classmethod
    def from_proto(cls, message: Any) -> "DataPipelineRun":
        return cls(
            id=message.id,
            status=message.status,
            start_time=_time(message, "start_time"),
            end_time=_time(message, "end_time"),
            data_start_time=_time(message, "data_start_time"),
            data_end_time=_time(message, "data_end_time"),
            error_message=message.error_message,
            data_source_type=message.data_source_type,
        )


@dataclasses.dataclass
class DataPipelineRunsPage:
    """A page of runs; :meth:`next_page` fetches the following one (empty at the end)."""

    _client: Any
    pipeline_id: str
    page_size: int
    runs: List[DataPipelineRun]
    next_page_token: str

    def next_page(self) -> "DataPipelineRunsPage":
        if not self.next_page_token:
            return DataPipelineRunsPage(self._client, self.pipeline_id, self.page_size, [], "")
        return self._client._data_pipeline_runs(self.pipeline_id, self.page_size, self.next_page_token)


class PipelinesMixin:
    """get/list/create/rename/delete data pipelines and list their runs."""

    _caller: Any

    def get_data_pipeline(self, id: str, *, timeout: Any = USE_CLIENT_DEFAULT) -> DataPipeline:
        """Get a data pipeline by id.

        Args:
            id: The pipeline id.
            timeout: Deadline of this call (seconds).

        Returns:
            The pipeline, its MQL stages decoded.

        Example::

            pipeline = data_client.get_data_pipeline(id="<YOUR-DATA-PIPELINE-ID>")
        """
        request = pb.GetDataPipelineRequest(id=check_text("id", id))
        return DataPipeline.from_proto(self._caller.call(DataPipelinesService.GetDataPipeline, request, timeout=timeout).data_pipeline)

    def list_data_pipelines(self, organization_id: str, *, timeout: Any = USE_CLIENT_DEFAULT) -> List[DataPipeline]:
        """List an organization's data pipelines.

        Args:
            organization_id: The organization.
            timeout: Deadline of this call (seconds).

        Returns:
            The pipelines, their MQL stages decoded.

        Example::

            pipelines = data_client.list_data_pipelines(organization_id="<YOUR-ORGANIZATION-ID>")
        """
        request = pb.ListDataPipelinesRequest(organization_id=check_text("organization_id", organization_id))
        response = self._caller.call(DataPipelinesService.ListDataPipelines, request, timeout=timeout)
        return [DataPipeline.from_proto(item) for item in response.data_pipelines]

    def create_data_pipeline(
        self,
        organization_id: str,
        name: str,
        mql_binary: Sequence[Mapping[str, Any]],
        schedule: str,
        enable_backfill: bool,
        data_source_type: int = data_pb2.TABULAR_DATA_SOURCE_TYPE_STANDARD,
        *,
        timeout: Any = USE_CLIENT_DEFAULT,
    ) -> str:
        """Create a data pipeline: an MQL aggregation run on a cron schedule (UTC).

        ``enable_backfill`` and ``data_source_type`` are always sent, as by the
        official SDK. Creates are never retried automatically.

        Args:
            organization_id: The organization.
            name: A unique name.
            mql_binary: The MQL stages (dicts), each sent as one BSON document.
            schedule: A cron expression in UTC, e.g. ``"0 * * * *"``.
            enable_backfill: Also run it over past time windows.
            data_source_type: ``TabularDataSourceType`` to read from.
            timeout: Deadline of this call (seconds).

        Returns:
            The new pipeline's id.

        Example::

            pipeline_id = data_client.create_data_pipeline(
                organization_id="<YOUR-ORGANIZATION-ID>",
                name="hourly-averages",
                mql_binary=[{"$match": {"component_name": "sensor-1"}}],
                schedule="0 * * * *",
                enable_backfill=False,
            )
        """
        if isinstance(mql_binary, (str, bytes, Mapping)) or not mql_binary:
            raise TypeError("mql_binary must be a non-empty list of stage dicts")
        if not all(isinstance(stage, Mapping) for stage in mql_binary):
            raise TypeError("every MQL stage must be a dict")
        if not isinstance(enable_backfill, bool):
            raise TypeError("enable_backfill must be a bool")
        if data_source_type not in data_pb2.TabularDataSourceType.values():
            raise ValueError(f"data_source_type: {data_source_type} is not a TabularDataSourceType value")
        request = pb.CreateDataPipelineRequest(
            organization_id=check_text("organization_id", organization_id),
            name=check_text("name", name),
            mql_binary=[bson.encode(dict(stage)) for stage in mql_binary],
            schedule=check_text("schedule", schedule),
            enable_backfill=enable_backfill,
            data_source_type=data_source_type,  # type: ignore[arg-type]  # checked above
        )
        return str(self._caller.call(DataPipelinesService.CreateDataPipeline, request, timeout=timeout).id)

    def rename_data_pipeline(self, id: str, name: str, *, timeout: Any = USE_CLIENT_DEFAULT) -> None:
        """Rename a data pipeline.

        Args:
            id: The pipeline id.
            name: The new name.
            timeout: Deadline of this call (seconds).

        Example::

            data_client.rename_data_pipeline(id="<YOUR-DATA-PIPELINE-ID>", name="new-name")
        """
        request = pb.RenameDataPipelineRequest(id=check_text("id", id), name=check_text("name", name))
        self._caller.call(DataPipelinesService.RenameDataPipeline, request, timeout=timeout)

    def delete_data_pipeline(self, id: str, *, timeout: Any = USE_CLIENT_DEFAULT) -> None:
        """Delete a data pipeline (its results stay in the sink).

        Args:
            id: The pipeline id.
            timeout: Deadline of this call (seconds).

        Example::

            data_client.delete_data_pipeline(id="<YOUR-DATA-PIPELINE-ID>")
        """
        self._caller.call(DataPipelinesService.DeleteDataPipeline, pb.DeleteDataPipelineRequest(id=check_text("id", id)), timeout=timeout)

    def list_data_pipeline_runs(
        self, id: str, page_size: int = 10, *, timeout: Any = USE_CLIENT_DEFAULT
    ) -> DataPipelineRunsPage:
        """The first page of a pipeline's runs; ``.next_page()`` fetches the next.

        Args:
            id: The pipeline id.
            page_size: Runs per page.
            timeout: Deadline of this call (seconds).

        Returns:
            A :class:`DataPipelineRunsPage`; an empty page follows the last.

        Example::

            page = data_client.list_data_pipeline_runs(id="<YOUR-DATA-PIPELINE-ID>")
            while page.runs:
                for run in page.runs:
                    print(run.id, run.status)
                page = page.next_page()
        """
        if isinstance(page_size, bool) or not isinstance(page_size, int) or page_size <= 0:
            raise ValueError("page_size must be a positive int")
        return self._data_pipeline_runs(check_text("id", id), page_size, "", timeout)

    def _data_pipeline_runs(self, id: str, page_size: int, page_token: str,
                            timeout: Any = USE_CLIENT_DEFAULT) -> DataPipelineRunsPage:
        request = pb.ListDataPipelineRunsRequest(id=id, page_size=page_size, page_token=page_token)
        response = self._caller.call(DataPipelinesService.ListDataPipelineRuns, request, timeout=timeout)
        return DataPipelineRunsPage(self, response.pipeline_id, page_size,
                                    [DataPipelineRun.from_proto(run) for run in response.runs],
                                    response.next_page_token)
