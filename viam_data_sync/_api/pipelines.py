"""Data pipelines (``viam.app.datapipelines.v1.DataPipelinesService``): the methods the
official ``DataClient`` offers for them, blocking.

A chapter of :class:`~viam_data_sync.DataClient` (see ``_client.py`` for the index).

MQL stages go out as one BSON document each and come back decoded; times are aware
UTC datetimes.
"""
from __future__ import annotations

import functools
from typing import Any, List, Mapping, Sequence

import bson

from viam_data_sync._config import USE_CLIENT_DEFAULT
from viam_data_sync._api._base import ClientBase
from viam_data_sync._checks import check_count, check_text
from viam_data_sync._models import DataPipeline, DataPipelineRun, DataPipelineRunsPage
from viam_data_sync._proto.app.data.v1 import data_pb2
from viam_data_sync._proto.app.datapipelines.v1 import data_pipelines_pb2 as pb
from viam_data_sync._rpcs import DataPipelinesService


class DataPipelines(ClientBase):
    """get/list/create/rename/delete/enable/disable data pipelines and list their runs."""

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
            mql_binary: The MQL stages (dicts), each sent as one BSON document (an empty
                list is sent as it is, as the official SDK sends it).
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
        if isinstance(mql_binary, (str, bytes, Mapping)) or not isinstance(mql_binary, Sequence):
            raise TypeError("mql_binary must be a list of stage dicts")
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
        """Delete a data pipeline; no run is scheduled for it any more.

        Args:
            id: The pipeline id.
            timeout: Deadline of this call (seconds).

        Example::

            data_client.delete_data_pipeline(id="<YOUR-DATA-PIPELINE-ID>")
        """
        self._caller.call(DataPipelinesService.DeleteDataPipeline, pb.DeleteDataPipelineRequest(id=check_text("id", id)), timeout=timeout)

    def enable_data_pipeline(self, id: str, *, timeout: Any = USE_CLIENT_DEFAULT) -> None:
        """Enable a data pipeline: its schedule runs again from the next window on.

        Args:
            id: The pipeline id.
            timeout: Deadline of this call (seconds).

        Example::

            data_client.enable_data_pipeline(id="<YOUR-DATA-PIPELINE-ID>")
        """
        self._caller.call(DataPipelinesService.EnableDataPipeline, pb.EnableDataPipelineRequest(id=check_text("id", id)), timeout=timeout)

    def disable_data_pipeline(self, id: str, *, timeout: Any = USE_CLIENT_DEFAULT) -> None:
        """Disable a data pipeline: no run is scheduled until it is enabled again.

        Args:
            id: The pipeline id.
            timeout: Deadline of this call (seconds).

        Example::

            data_client.disable_data_pipeline(id="<YOUR-DATA-PIPELINE-ID>")
        """
        self._caller.call(DataPipelinesService.DisableDataPipeline, pb.DisableDataPipelineRequest(id=check_text("id", id)), timeout=timeout)

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
        size = check_count("page_size", page_size, minimum=1)
        return self._data_pipeline_runs(check_text("id", id), size, "", timeout=timeout)

    def _data_pipeline_runs(self, id: str, page_size: int, page_token: str, *,
                            timeout: Any = USE_CLIENT_DEFAULT) -> DataPipelineRunsPage:
        request = pb.ListDataPipelineRunsRequest(id=id, page_size=page_size, page_token=page_token)
        response = self._caller.call(DataPipelinesService.ListDataPipelineRuns, request, timeout=timeout)
        fetch = functools.partial(self._data_pipeline_runs, id, page_size, timeout=timeout)
        return DataPipelineRunsPage(fetch, response.pipeline_id, page_size,
                                    [DataPipelineRun.from_proto(run) for run in response.runs],
                                    response.next_page_token)
