"""Tabular queries: filter pages, SQL, MQL, the latest reading, exports and deletes.

A chapter of :class:`~viam_data_sync.DataClient` (see ``_client.py`` for the index).
"""
from __future__ import annotations

import datetime as _dt
import logging
import os
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union, cast

from viam_data_sync._api._base import ClientBase, keyword_aliases
from viam_data_sync._checks import (
    check_count,
    check_enum,
    check_filter,
    check_flag,
    check_text,
)
from viam_data_sync._api.export_stream import export_points
from viam_data_sync._config import USE_CLIENT_DEFAULT
from viam_data_sync._convert import (
    UTC,
    coerce,
    dict_to_struct,
    struct_to_dict,
    timestamp_to_datetime,
)
from viam_data_sync._dest import check_dest_file, write_jsonl
from viam_data_sync._errors import ViamDataError
from viam_data_sync._models import TabularData, TabularDataPoint
from viam_data_sync._proto.app.data.v1 import data_pb2
from viam_data_sync._rpcs import DataService
from viam_data_sync._unbounded_sql import warn_if_unbounded
from viam_data_sync._frames import QueryResult

LOGGER = logging.getLogger("viam_data_sync")


def _bson_codec() -> Any:
    import bson

    return bson.CodecOptions(tz_aware=True, tzinfo=UTC)


def decode_documents(raw_data: Iterable[bytes]) -> QueryResult:
    import bson

    codec = _bson_codec()
    return QueryResult(bson.decode(bytes(raw), codec_options=codec) for raw in raw_data)


def _encode_stages(query: Any) -> List[bytes]:
    import bson

    if isinstance(query, (str, bytes, Mapping)) or not isinstance(query, (list, tuple)):
        raise TypeError("query must be a list of pipeline stages (dicts or BSON bytes)")
    stages: List[bytes] = []
    for index, stage in enumerate(query):
        if isinstance(stage, Mapping):
            stages.append(bson.encode(stage))
        elif isinstance(stage, (bytes, bytearray, memoryview)):
            stages.append(bytes(stage))
        else:
            raise TypeError(f"query[{index}] must be a dict or BSON bytes, got {type(stage).__name__}")
    return stages


# ---------------------------------------------------------------------- the client


def _warn_without_time_bound(sql_query: str) -> None:
    """Viam's known issue APP-10891: an SQL SELECT on ``readings`` returns no rows unless
    its WHERE clause bounds ``time_received`` from below. Say so before it bites (an
    :class:`~viam_data_sync.UnboundedReadingsWarning` at the caller's line)."""
    warn_if_unbounded(sql_query)


def sql_request(organization_id: Any, sql_query: Any) -> data_pb2.TabularDataBySQLRequest:
    """A checked ``TabularDataBySQLRequest`` (with the APP-10891 warning)."""
    request = data_pb2.TabularDataBySQLRequest(
        organization_id=check_text("organization_id", organization_id),
        sql_query=check_text("sql_query", sql_query),
    )
    _warn_without_time_bound(sql_query)
    return request


def tabular_pairs(response: Any) -> List[Tuple[Any, Any]]:
    """``(item, capture_metadata)`` for each row of a ``TabularDataByFilterResponse``."""
    metadata = list(response.metadata)
    pairs = []
    for item in response.data:
        if item.metadata_index >= len(metadata):
            raise ViamDataError(
                f"malformed response: metadata_index {item.metadata_index} but only {len(metadata)} metadata"
            )
        pairs.append((item, metadata[item.metadata_index]))
    return pairs


def tabular_row(pair: Tuple[Any, Any]) -> TabularData:
    """The ``DataClient.TabularData`` for one ``(item, capture_metadata)`` pair."""
    item, metadata = pair
    return TabularData(
        data=struct_to_dict(item.data),
        metadata=metadata,
        time_requested=timestamp_to_datetime(item.time_requested),
        time_received=timestamp_to_datetime(item.time_received),
    )


def data_request(filter: Any, limit: Any, sort_order: Any, last: Any, *, empty_filter: bool) -> data_pb2.DataRequest:
    """A checked ``DataRequest`` (``empty_filter``: an empty ``Filter`` for ``None``)."""
    request = data_pb2.DataRequest()
    converted = check_filter(filter, empty_if_none=empty_filter)
    if converted is not None:
        request.filter.CopyFrom(converted)
    if limit is not None and check_count("limit", limit):
        request.limit = limit
    if sort_order is not None and check_enum("sort_order", sort_order, data_pb2.Order):
        request.sort_order = sort_order
    if last is not None and check_text("last", last, allow_empty=True):
        request.last = last
    return request


def tabular_page_request(filter: Any, limit: Any, sort_order: Any, last: Any, count_only: Any,
                         include_internal_data: Any) -> data_pb2.TabularDataByFilterRequest:
    """A checked ``TabularDataByFilterRequest`` (an empty ``Filter`` for ``None``, as by the SDK)."""
    return data_pb2.TabularDataByFilterRequest(
        data_request=data_request(filter, limit, sort_order, last, empty_filter=True),
        count_only=check_flag("count_only", count_only),
        include_internal_data=check_flag("include_internal_data", include_internal_data),
    )


def mql_request(organization_id: Any, query: Any, use_recent_data: Any = None, tabular_data_source_type: Any = None,
                pipeline_id: Any = None, query_prefix_name: Any = None) -> data_pb2.TabularDataByMQLRequest:
    """A checked ``TabularDataByMQLRequest``; the data source is always sent (see
    :meth:`TabularQueries.tabular_data_by_mql`)."""
    stages = _encode_stages(query)
    if use_recent_data is not None:
        check_flag("use_recent_data", use_recent_data)
    if pipeline_id is not None:
        check_text("pipeline_id", pipeline_id)
    if query_prefix_name is not None:
        check_text("query_prefix_name", query_prefix_name)
    if tabular_data_source_type is None:
        if pipeline_id is not None:
            source_type = data_pb2.TABULAR_DATA_SOURCE_TYPE_PIPELINE_SINK
        elif use_recent_data:
            source_type = data_pb2.TABULAR_DATA_SOURCE_TYPE_HOT_STORAGE
        else:
            source_type = data_pb2.TABULAR_DATA_SOURCE_TYPE_STANDARD
    else:
        # _enum returns a checked member of the enum; protobuf enum values are plain ints.
        source_type = cast(
            data_pb2.TabularDataSourceType,
            check_enum("tabular_data_source_type", tabular_data_source_type, data_pb2.TabularDataSourceType),
        )
    if source_type == data_pb2.TABULAR_DATA_SOURCE_TYPE_PIPELINE_SINK and pipeline_id is None:
        raise ValueError("a PIPELINE_SINK source needs pipeline_id")
    if pipeline_id is not None and source_type != data_pb2.TABULAR_DATA_SOURCE_TYPE_PIPELINE_SINK:
        raise ValueError("pipeline_id applies only to the PIPELINE_SINK source type")
    request = data_pb2.TabularDataByMQLRequest(
        organization_id=check_text("organization_id", organization_id),
        mql_binary=stages,
        data_source=data_pb2.TabularDataSource(type=source_type, pipeline_id=pipeline_id),
    )
    if query_prefix_name is not None:
        request.query_prefix_name = query_prefix_name
    return request


class TabularQueries(ClientBase):
    """Tabular queries: filter pages, SQL, MQL, the latest reading, exports and deletes."""

    def tabular_data_by_filter(
        self,
        filter: Optional[data_pb2.Filter] = None,
        limit: Optional[int] = None,
        sort_order: Optional[int] = None,
        last: Optional[str] = None,
        count_only: bool = False,
        include_internal_data: bool = False,
        dest: Optional[Union[str, "os.PathLike[str]"]] = None,
        *,
        timeout: Any = USE_CLIENT_DEFAULT,
    ) -> Tuple[List[TabularData], int, str]:
        """Filter and download tabular data, one page of ``limit`` items.

        To read everything, prefer :meth:`iter_tabular`, which pages, retries and
        stops correctly. With ``dest``, this page is written there as JSON Lines (one
        object per row: the metadata fields, ``time_requested``/``time_received`` as
        ISO-8601 and ``data``), replacing the file atomically; a write failure raises.
        (The official SDK writes a Python repr and only logs failures.)

        Args:
            filter: Which data; ``None`` for all the caller can see (an empty
                ``Filter`` is sent, as by the official SDK).
            limit: Maximum items in the page (server default 50 when unset).
            sort_order: ``Order`` value.
            last: The ``last`` value of the previous page, to get the next one.
            count_only: Return only the count.
            include_internal_data: Include Viam-internal data (e.g. cloud SLAM).
            dest: Optional file path for the page as JSON Lines.
            timeout: Deadline of this call (seconds); ``None``: the retry policy's overall deadline only.

        Returns:
            ``(rows, count, last)``: ``TabularData`` rows (aware UTC times, ``null`` as
            ``None``), the count, and the page cursor.

        Raises:
            IsADirectoryError, FileNotFoundError: ``dest`` cannot be written (checked
                before the call).
            OSError: Writing ``dest`` failed (no partial file is left).

        Example::

            from viam_data_sync import create_filter

            my_data = []
            my_filter = create_filter(component_name="sensor-1")
            last = None
            while True:
                tabular_data, count, last = data_client.tabular_data_by_filter(my_filter, last=last)
                if not tabular_data:
                    break
                my_data.extend(tabular_data)

            print(f"My data: {my_data}")
        """
        path = check_dest_file(dest) if dest is not None else None
        request = tabular_page_request(filter, limit, sort_order, last, count_only, include_internal_data)
        response = self._caller.call(DataService.TabularDataByFilter, request, timeout=timeout)
        rows = [tabular_row(pair) for pair in tabular_pairs(response)]
        if path is not None:
            write_jsonl(path, (row.to_dict() for row in rows))
            LOGGER.debug("wrote %d rows to %s", len(rows), path)
        return rows, int(response.count), response.last

    def tabular_data_by_sql(
        self, organization_id: str, sql_query: str, *, timeout: Any = USE_CLIENT_DEFAULT
    ) -> QueryResult:
        """Obtain unified tabular data and metadata, queried with SQL (table ``readings``).

        Make sure your API key has permissions at the organization level.
        A ``SELECT`` over ``readings`` with no ``time_received`` lower bound in its
        ``WHERE`` clause warns with :class:`~viam_data_sync.UnboundedReadingsWarning`
        (the cloud returns no rows for it: known issue APP-10891), once per line of
        your code. Results are decoded with pymongo's ``bson`` using tz-aware UTC codec options, so
        datetimes are aware UTC (the official SDK returns naive ones).

        Args:
            organization_id: The organization that owns the data.
            sql_query: The SQL query to run.
            timeout: Deadline of this call (seconds); ``None``: the retry policy's overall deadline only.

        Returns:
            The result documents as dicts (a ``list`` with ``.to_pandas()``).

        Example::

            data = data_client.tabular_data_by_sql(
                organization_id="<YOUR-ORG-ID>",
                sql_query="SELECT * FROM readings "
                          "WHERE time_received >= CAST('2025-01-01T00:00:00Z' AS TIMESTAMP) LIMIT 5"
            )
        """
        request = sql_request(organization_id, sql_query)
        response = self._caller.call(DataService.TabularDataBySQL, request, timeout=timeout)
        return decode_documents(response.raw_data)

    @keyword_aliases(mql_binary="query", mql_query="query")
    def tabular_data_by_mql(
        self,
        organization_id: str,
        query: Sequence[Union[bytes, Mapping[str, Any]]],
        use_recent_data: Optional[bool] = None,
        tabular_data_source_type: Optional[int] = None,
        pipeline_id: Optional[str] = None,
        query_prefix_name: Optional[str] = None,
        *,
        timeout: Any = USE_CLIENT_DEFAULT,
    ) -> QueryResult:
        """Obtain unified tabular data and metadata, queried with MQL (an aggregation
        pipeline over ``sensorData.readings``).

        ``query`` is also accepted as the keyword ``mql_binary=`` or ``mql_query=``.
        The data source is always sent: ``tabular_data_source_type`` if given;
        otherwise PIPELINE_SINK with ``pipeline_id``, HOT_STORAGE with
        ``use_recent_data=True``, else STANDARD. (The official SDK lets
        ``use_recent_data`` override an explicit source, and fails on an empty stage
        list; a saved query via ``query_prefix_name`` needs no stages here.)
        Results are decoded with tz-aware UTC datetimes.

        Args:
            organization_id: The organization that owns the data.
            query: Pipeline stages, as dicts (preferred) or BSON bytes.
            use_recent_data: Query the hot store (recent data) when no source is chosen.
            tabular_data_source_type: A ``TabularDataSourceType`` value.
            pipeline_id: The data pipeline whose sink to query.
            query_prefix_name: A saved query whose stages run before ``query``.
            timeout: Deadline of this call (seconds); ``None``: the retry policy's overall deadline only.

        Returns:
            The result documents as dicts (a ``list`` with ``.to_pandas()``).

        Example::

            tabular_data = data_client.tabular_data_by_mql(organization_id="<YOUR-ORG-ID>", query=[
                { '$match': { 'location_id': '<YOUR-LOCATION-ID>' } },
                { "$limit": 5 }
            ])

            print(f"Tabular Data: {tabular_data}")
        """
        request = mql_request(organization_id, query, use_recent_data, tabular_data_source_type, pipeline_id,
                              query_prefix_name)
        response = self._caller.call(DataService.TabularDataByMQL, request, timeout=timeout)
        return decode_documents(response.raw_data)

    @keyword_aliases(resource_subtype="resource_api")
    def get_latest_tabular_data(
        self,
        part_id: str,
        resource_name: str,
        resource_api: str,
        method_name: str,
        additional_params: Optional[Mapping[str, Any]] = None,
        *,
        timeout: Any = USE_CLIENT_DEFAULT,
    ) -> Optional[Tuple[_dt.datetime, _dt.datetime, Dict[str, Any]]]:
        """Get the most recent tabular data captured from a data source, as long as it
        was synced within the last year.

        ``resource_api`` is also accepted as the keyword ``resource_subtype=``.
        ``None`` means no data: the response has neither a payload nor a capture time
        (the official SDK also returns ``None`` for a real but empty payload).

        Args:
            part_id: The part that owns the data.
            resource_name: The resource that captured the data, e.g. ``"my-sensor"``.
            resource_api: Its API, e.g. ``"rdk:component:sensor"``.
            method_name: The capture method, e.g. ``"Readings"``.
            additional_params: Method parameters the data was captured with.
            timeout: Deadline of this call (seconds); ``None``: the retry policy's overall deadline only.

        Returns:
            ``None``, or ``(time_captured, time_synced, payload)`` with aware UTC times.

        Example::

            tabular_data = data_client.get_latest_tabular_data(
                part_id="<PART-ID>",
                resource_name="camera-1",
                resource_api="rdk:component:camera",
                method_name="GetImage"
            )

            if tabular_data:
                time_captured, time_synced, payload = tabular_data
                print(f"Time Captured: {time_captured}")
                print(f"Time Synced: {time_synced}")
                print(f"Payload: {payload}")
            else:
                print(f"No data returned: {tabular_data}")
        """
        request = data_pb2.GetLatestTabularDataRequest(
            part_id=check_text("part_id", part_id),
            resource_name=check_text("resource_name", resource_name),
            method_name=check_text("method_name", method_name),
            resource_subtype=check_text("resource_api", resource_api),
        )
        if additional_params is not None:
            request.additional_parameters.CopyFrom(dict_to_struct(additional_params))
        response = self._caller.call(DataService.GetLatestTabularData, request, timeout=timeout)
        if not response.HasField("time_captured") and not response.payload.fields:
            return None
        return (
            timestamp_to_datetime(response.time_captured),
            timestamp_to_datetime(response.time_synced),
            struct_to_dict(response.payload),
        )

    @keyword_aliases(resource_subtype="resource_api")
    def export_tabular_data(
        self,
        part_id: str,
        resource_name: str,
        resource_api: str,
        method_name: str,
        start_time: Optional[_dt.datetime] = None,
        end_time: Optional[_dt.datetime] = None,
        additional_params: Optional[Mapping[str, Any]] = None,
        *,
        timeout: Any = USE_CLIENT_DEFAULT,
    ) -> List[TabularDataPoint]:
        """Obtain unified tabular data and metadata from one data source.

        Collects the whole ``ExportTabularData`` stream into a list, like the official
        SDK (a broken stream is resumed without duplicates). For large exports use
        :meth:`iter_export_tabular`, which yields rows as they arrive. An explicit
        ``timeout`` bounds the whole export, resumes included; the default bounds each
        stream by the client's timeout and the whole by the retry policy's overall
        deadline, as ``None`` does.
        ``resource_api`` is also accepted as the keyword ``resource_subtype=``.

        Args:
            part_id: The part that owns the data.
            resource_name: The resource that captured the data.
            resource_api: Its API, e.g. ``"rdk:component:sensor"``.
            method_name: The capture method.
            start_time: Optional start of the range (naive = UTC).
            end_time: Optional end of the range (naive = UTC).
            additional_params: Method parameters the data was captured with.
            timeout: Deadline of the whole export (seconds); ``None``: the retry policy's overall deadline.

        Returns:
            ``TabularDataPoint`` rows (aware UTC times).

        Raises:
            DeadlineExceeded: the export did not finish within ``timeout``.

        Example::

            from datetime import datetime, timezone

            tabular_data = data_client.export_tabular_data(
                part_id="<PART-ID>",
                resource_name="<RESOURCE-NAME>",
                resource_api="<RESOURCE-API>",
                method_name="<METHOD-NAME>",
                start_time=datetime(2025, 1, 1, tzinfo=timezone.utc),
                end_time=datetime(2025, 1, 2, tzinfo=timezone.utc)
            )

            print(f"My data: {tabular_data}")
        """
        caller = self._caller
        overall = timeout if isinstance(timeout, (int, float)) else caller.retry.deadline
        deadline = caller.clock.monotonic() + float(overall)
        return list(export_points(caller, part_id, resource_name, resource_api, method_name, start_time,
                                  end_time, additional_params, timeout=timeout, deadline=deadline))

    def delete_tabular_data(
        self,
        organization_id: str,
        delete_older_than_days: int,
        filter: Optional[data_pb2.DeleteTabularFilter] = None,
        *,
        timeout: Any = USE_CLIENT_DEFAULT,
    ) -> int:
        """Delete tabular data older than a number of days (UTC calendar days).

        Args:
            organization_id: The organization to delete data from.
            delete_older_than_days: Delete data captured up to this many days ago;
                0 deletes all existing data.
            filter: Optional ``DeleteTabularFilter`` narrowing what is deleted; without
                it the whole organization is in scope.
            timeout: Deadline of this call (seconds); ``None``: the retry policy's overall deadline only.

        Returns:
            The number of items deleted.

        Example::

            tabular_data = data_client.delete_tabular_data(
                organization_id="<YOUR-ORG-ID>",
                delete_older_than_days=150
            )
        """
        request = data_pb2.DeleteTabularDataRequest(
            organization_id=check_text("organization_id", organization_id),
            delete_older_than_days=check_count("delete_older_than_days", delete_older_than_days),
        )
        if filter is not None:
            request.filter.CopyFrom(coerce(filter, data_pb2.DeleteTabularFilter, "filter"))
        return int(self._caller.call(DataService.DeleteTabularData, request, timeout=timeout).deleted_count)

    def delete_tabular_data_by_filter(self, filter: Optional[data_pb2.Filter]) -> int:
        """Deprecated: use :meth:`delete_tabular_data` instead.

        Raises:
            NotImplementedError: always, as in the official SDK (no RPC exists).

        Example::

            data_client.delete_tabular_data("<YOUR-ORG-ID>", delete_older_than_days=150)
        """
        raise NotImplementedError("delete_tabular_data_by_filter is deprecated; use delete_tabular_data")
