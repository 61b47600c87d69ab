"""``DataClient``: the official async ``viam.app.data_client.DataClient`` surface as
plain blocking methods over grpcio.

Same method names, parameter names, order and defaults, and return shapes as the
official SDK (``viam-sdk``), minus ``async``. Newer parameters come after the seed
API's, with defaults, and every RPC method takes a keyword-only ``timeout=`` (seconds,
``None`` for no deadline) overriding the client's default for that call.

Requests are built field by field as the official SDK builds them, except where it
has bugs; those differences are listed on each method and summarised here:

* values: Struct ``null`` -> ``None`` (not ``0``); datetimes returned are aware UTC
  (not naive); naive datetimes given to us are taken as UTC (as the SDK does);
  SQL/MQL results are decoded with tz-aware UTC datetimes;
* ``dest=`` writes JSON Lines (tabular) or the CLI's ``data/`` + ``metadata/``
  layout (binary), atomically, and raises on failure;
* uploads stream the payload in chunks (256 KiB) instead of one message, and
  ``file_upload`` sends ``mime_type``;
* ``tabular_data_by_mql`` applies ``use_recent_data`` only when no source type is
  chosen, and works with ``query_prefix_name`` and no stages;
* ``delete_binary_data_by_filter`` has ``include_internal_data``;
* bad input (empty id or tag lists, bounding boxes outside [0, 1], wrong types,
  missing files, ...) raises ``ValueError``/``TypeError``/``FileNotFoundError``
  before anything is sent.
"""

from __future__ import annotations

import datetime as _dt
import functools
import logging
import os
import re
import warnings
from pathlib import Path
from typing import (
    Any,
    Callable,
    Dict,
    Iterable,
    List,
    Mapping,
    NamedTuple,
    Optional,
    Tuple,
    TypeAlias,
    TypeVar,
    Union,
    cast,
)

import grpc

from viam_data_sync._call import Caller
from viam_data_sync._clock import SYSTEM_CLOCK, Clock
from viam_data_sync._config import USE_CLIENT_DEFAULT, RetryArg
from viam_data_sync._channel import Connection
from viam_data_sync._convert import (
    UTC,
    as_utc,
    coerce,
    datetime_to_timestamp,
    dict_to_struct,
    params_to_any_map,
    struct_to_dict,
    timestamp_to_datetime,
)
from viam_data_sync._dest import check_dest_dir, check_dest_file, write_binary_dir, write_jsonl
from viam_data_sync._errors import ViamDataError
from viam_data_sync._filters import check_str_list
from viam_data_sync._filters import create_filter as _create_filter
from viam_data_sync._connect import ConnectMixin
from viam_data_sync._download import DownloadMixin
from viam_data_sync._sequences import SequencesMixin
from viam_data_sync._pipelines import DataPipeline, DataPipelineRun, DataPipelineRunsPage, PipelinesMixin
from viam_data_sync._iter_api import IterationMixin
from viam_data_sync._models import TabularData, TabularDataPoint
from viam_data_sync._proto.app.data.v1 import data_pb2
from viam_data_sync._proto.app.dataset.v1 import dataset_pb2
from viam_data_sync._proto.app.datasync.v1 import data_sync_pb2
from viam_data_sync._rpcs import DataService, DatasetService, DataSyncService
from viam_data_sync._upload import (
    DEFAULT_CHUNK_SIZE,
    ProgressCallback,
    UploadSource,
    file_upload_requests,
    streaming_upload_requests,
)

LOGGER = logging.getLogger("viam_data_sync")


F = TypeVar("F", bound=Callable[..., Any])
BinaryIdLike = Union[str, data_pb2.BinaryID]
TimePair = Tuple[_dt.datetime, _dt.datetime]

#: The longest signed URL the service grants (7 days), in minutes.
_MAX_SIGNED_URL_MINUTES = 10080


class DatabaseConnection(NamedTuple):
    """What ``GetDatabaseConnection`` returns (see :meth:`DataClient.get_database_connection_info`)."""

    hostname: str
    mongodb_uri: str
    has_database_user: bool


# ---------------------------------------------------------------------- validation
def _keyword_aliases(**aliases: str) -> Callable[[F], F]:
    """Accept old keyword names (``old=value``) for a parameter, as the official SDK does."""

    def decorate(function: F) -> F:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            for old, new in aliases.items():
                if old in kwargs:
                    if new in kwargs:
                        raise TypeError(f"pass {new}= or {old}=, not both")
                    kwargs[new] = kwargs.pop(old)
            return function(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def _text(name: str, value: Any, *, allow_empty: bool = False) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, got {type(value).__name__}")
    if not allow_empty and not value:
        raise ValueError(f"{name} must not be empty")
    return value


def _optional_text(name: str, value: Any) -> str:
    """``None`` -> ``""``; otherwise a string."""
    return "" if value is None else _text(name, value, allow_empty=True)


def _flag(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be a bool, got {type(value).__name__}")
    return value


def _count(name: str, value: Any, *, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return value


def _enum(name: str, value: Any, enum: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be a {enum.DESCRIPTOR.full_name} value, got {type(value).__name__}")
    if value not in enum.values():
        raise ValueError(f"{name}: {value} is not a {enum.DESCRIPTOR.full_name} value")
    return value


def _index_collection(collection_type: Any, pipeline_name: Optional[str]) -> int:
    """A checked ``IndexableCollection``; a pipeline sink needs its pipeline's name."""
    value = _enum("collection_type", collection_type, data_pb2.IndexableCollection)
    if value == data_pb2.INDEXABLE_COLLECTION_UNSPECIFIED:
        raise ValueError("collection_type must be HOT_STORE or PIPELINE_SINK")
    if value == data_pb2.INDEXABLE_COLLECTION_PIPELINE_SINK and not pipeline_name:
        raise ValueError("a PIPELINE_SINK collection needs pipeline_name")
    return value


def _tags(tags: Any) -> List[str]:
    return check_str_list("tags", tags, allow_empty=False)


def _optional_list(name: str, values: Any) -> List[str]:
    return [] if values is None else check_str_list(name, values)


def _filter(filter: Any, *, empty_if_none: bool) -> Optional[data_pb2.Filter]:
    if filter is None:
        return data_pb2.Filter() if empty_if_none else None
    return coerce(filter, data_pb2.Filter, "filter")


def _binary_id(value: Any) -> BinaryIdLike:
    if isinstance(value, str):
        if not value:
            raise ValueError("binary ids must not be empty strings")
        return value
    if isinstance(value, bytes):
        raise TypeError("binary ids must be str or BinaryID, not bytes")
    binary_id = coerce(value, data_pb2.BinaryID, "binary id")
    if not binary_id.file_id:
        raise ValueError("BinaryID.file_id must not be empty")
    return binary_id


def _split_ids(binary_ids: Any) -> Tuple[List[str], List[data_pb2.BinaryID]]:
    """Binary data ids (``str``, sent as ``binary_data_ids``) and deprecated ``BinaryID``
    messages (sent as ``binary_ids``); mixed lists fill both fields."""
    if isinstance(binary_ids, (str, bytes)) or not isinstance(binary_ids, (list, tuple)):
        raise TypeError(f"binary_ids must be a list of str or BinaryID, got {type(binary_ids).__name__}")
    if not binary_ids:
        raise ValueError("binary_ids must not be empty")
    strings: List[str] = []
    messages: List[data_pb2.BinaryID] = []
    for item in binary_ids:
        converted = _binary_id(item)
        if isinstance(converted, str):
            strings.append(converted)
        else:
            messages.append(converted)
    return strings, messages


def _one_id(binary_id: Any, message_field: str, string_field: str) -> Dict[str, Any]:
    converted = _binary_id(binary_id)
    return {string_field: converted} if isinstance(converted, str) else {message_field: converted}


def _coordinate(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    number = float(value)
    if not 0.0 <= number <= 1.0:
        raise ValueError(f"{name} must be within [0, 1], got {value}")
    return number


def _confidence(value: Any) -> Optional[float]:
    return None if value is None else _coordinate("confidence_score", value)


def _check_box(
    x_min: Optional[float], y_min: Optional[float], x_max: Optional[float], y_max: Optional[float]
) -> None:
    if x_min is not None and x_max is not None and x_min >= x_max:
        raise ValueError(f"x_min_normalized ({x_min}) must be less than x_max_normalized ({x_max})")
    if y_min is not None and y_max is not None and y_min >= y_max:
        raise ValueError(f"y_min_normalized ({y_min}) must be less than y_max_normalized ({y_max})")


def _time(name: str, value: Any) -> _dt.datetime:
    if not isinstance(value, _dt.datetime):
        raise TypeError(f"{name} must be a datetime, got {type(value).__name__}")
    return value


def _sensor_metadata(times: Any, name: str = "data_request_times") -> Optional[Any]:
    """``SensorMetadata`` for a ``(requested, received)`` pair, or ``None``."""
    if times is None:
        return None
    if isinstance(times, (str, bytes)) or not isinstance(times, (list, tuple)) or len(times) != 2:
        raise TypeError(f"{name} must be a (time_requested, time_received) pair of datetimes")
    requested = _time(f"{name}[0]", times[0])
    received = _time(f"{name}[1]", times[1])
    return data_sync_pb2.SensorMetadata(
        time_requested=datetime_to_timestamp(requested),
        time_received=datetime_to_timestamp(received),
    )


def _extension(file_extension: Any, name: str) -> str:
    """``"jpg"`` -> ``".jpg"``; ``None``/``""`` -> ``""``."""
    ext = _optional_text(name, file_extension)
    if ext and not ext.startswith("."):
        ext = "." + ext
    return ext


def _interval(start_time: Any, end_time: Any) -> None:
    if start_time is not None:
        _time("start_time", start_time)
    if end_time is not None:
        _time("end_time", end_time)
    if start_time is not None and end_time is not None and as_utc(start_time) > as_utc(end_time):
        raise ValueError("start_time must not be after end_time")


def _upload_metadata(
    part_id: Any,
    data_type: data_sync_pb2.DataType,
    *,
    component_type: Any = None,
    component_name: Any = None,
    method_name: Any = None,
    file_name: Any = None,
    method_parameters: Any = None,
    file_extension: str = "",
    tags: Any = None,
    dataset_ids: Any = None,
    mime_type: Any = None,
) -> Any:
    metadata = data_sync_pb2.UploadMetadata(
        part_id=_text("part_id", part_id),
        component_type=_optional_text("component_type", component_type),
        component_name=_optional_text("component_name", component_name),
        method_name=_optional_text("method_name", method_name),
        type=data_type,
        file_name=_optional_text("file_name", file_name),
        file_extension=file_extension,
        tags=_optional_list("tags", tags),
        dataset_ids=_optional_list("dataset_ids", dataset_ids),
        mime_type=_optional_text("mime_type", mime_type),
    )
    for key, value in params_to_any_map(method_parameters).items():
        metadata.method_parameters[key].CopyFrom(value)
    return metadata


def _bson_codec() -> Any:
    import bson

    return bson.CodecOptions(tz_aware=True, tzinfo=UTC)


def _decode_documents(raw_data: Iterable[bytes]) -> List[Dict[str, Any]]:
    import bson

    codec = _bson_codec()
    return [bson.decode(bytes(raw), codec_options=codec) for raw in raw_data]


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
_READINGS = re.compile(r"\breadings\b", re.IGNORECASE)
_TIME_RECEIVED = re.compile(r"\btime_received\b", re.IGNORECASE)


def _warn_without_time_bound(sql_query: str) -> None:
    """Viam's known issue APP-10891: an SQL query on ``readings`` returns no rows unless
    its WHERE clause bounds ``time_received`` from below. Say so before it bites."""
    if _READINGS.search(sql_query) and not _TIME_RECEIVED.search(sql_query):
        LOGGER.warning(
            "SQL on readings without a time_received bound: the Viam cloud returns no rows for such "
            "queries (known issue APP-10891); add e.g. "
            "\"WHERE time_received >= CAST('2000-01-01T00:00:00Z' AS TIMESTAMP)\""
        )


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


class DataClient(ConnectMixin, IterationMixin, DownloadMixin, PipelinesMixin, SequencesMixin):
    """Blocking client for the Viam Data API (data, datasets, uploads).

    The same methods as the official async ``viam.app.data_client.DataClient``, called
    without ``await``. Thread-safe; one client can be shared.

    Args:
        channel: a grpcio channel to the Data API (with TLS and, for the cloud, a
            bearer token: see :meth:`from_api_key`, which does all of that). The
            channel is used as given: raise its ``grpc.max_receive_message_length``
            above gRPC's 4 MiB default to read large files or pages.
        metadata: gRPC metadata sent with every call, e.g.
            ``{"authorization": "Bearer <token>"}`` as in the official SDK.
        timeout: default deadline of each call, in seconds (``None``: only the retry
            policy's overall deadline, 300 s by default).
        retry: the retry policy; ``None`` disables retries; the default is
            ``RetryPolicy()``.

    Example::

        import grpc
        from viam_data_sync import DataClient

        with DataClient.from_api_key("<API-KEY>", "<API-KEY-ID>") as data_client:
            rows = data_client.tabular_data_by_sql("<ORG-ID>", "SELECT * FROM readings LIMIT 5")

        # or over your own channel
        data_client = DataClient(grpc.insecure_channel("localhost:8080"))
    """

    TabularData: TypeAlias = TabularData
    TabularDataPoint: TypeAlias = TabularDataPoint
    DatabaseConnection: TypeAlias = DatabaseConnection
    DataPipeline: TypeAlias = DataPipeline
    DataPipelineRun: TypeAlias = DataPipelineRun
    DataPipelineRunsPage: TypeAlias = DataPipelineRunsPage

    _caller: Caller

    def __init__(
        self,
        channel: grpc.Channel,
        metadata: Optional[Mapping[str, str]] = None,
        *,
        timeout: Optional[float] = 60.0,
        retry: RetryArg = USE_CLIENT_DEFAULT,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        if channel is None or not hasattr(channel, "unary_unary"):
            raise TypeError(f"channel must be a grpc.Channel, got {type(channel).__name__}")
        pairs: Tuple[Tuple[str, str], ...] = ()
        if metadata is not None:
            if not isinstance(metadata, Mapping):
                raise TypeError("metadata must be a mapping of str to str")
            for key, value in metadata.items():
                if not isinstance(key, str) or not isinstance(value, str):
                    raise TypeError("metadata must be a mapping of str to str")
            pairs = tuple(metadata.items())
        self._caller = Caller(Connection.for_channel(channel), metadata=pairs, timeout=timeout, retry=retry,
                              clock=clock)

    @classmethod
    def _from_caller(cls, caller: Caller) -> "DataClient":
        """A client over an existing :class:`Caller` (used by the connection factories)."""
        client = cls.__new__(cls)
        client._caller = caller
        return client

    def close(self) -> None:
        """Close the client. Idempotent. A channel passed to the constructor stays
        open (it is the caller's); one the client created is closed.

        Example::

            data_client = DataClient.from_env()
            try:
                print(data_client.tags_by_filter())
            finally:
                data_client.close()
        """
        self._caller.connection.close()

    def __enter__(self) -> "DataClient":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        caller = self._caller
        state = "closed" if caller.connection.closed else "open"
        auth = "api-key" if caller.auth is not None else "metadata"
        return (
            f"<{type(self).__name__} {caller.connection.description or 'channel'} "
            f"timeout={caller.timeout!r} auth={auth} {state}>"
        )

    # ================================================================== queries
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
            my_filter = create_filter(component_name="motor-1")
            last = None
            while True:
                tabular_data, count, last = data_client.tabular_data_by_filter(my_filter, last=last)
                if not tabular_data:
                    break
                my_data.extend(tabular_data)

            print(f"My data: {my_data}")
        """
        path = check_dest_file(dest) if dest is not None else None
        response = self._tabular_page(filter, limit, sort_order, last, count_only, include_internal_data, timeout)
        rows = [tabular_row(pair) for pair in tabular_pairs(response)]
        if path is not None:
            write_jsonl(path, (row.to_dict() for row in rows))
            LOGGER.debug("wrote %d rows to %s", len(rows), path)
        return rows, int(response.count), response.last

    def _tabular_page(self, filter: Any, limit: Any, sort_order: Any, last: Any, count_only: bool,
                      include_internal_data: bool, timeout: Any) -> Any:
        """One raw ``TabularDataByFilterResponse`` (``iter_tabular`` converts its rows
        on the consuming thread, so conversion overlaps the next page's fetch)."""
        request = data_pb2.TabularDataByFilterRequest(
            data_request=self._data_request(filter, limit, sort_order, last, empty_filter=True),
            count_only=_flag("count_only", count_only),
            include_internal_data=_flag("include_internal_data", include_internal_data),
        )
        return self._caller.call(DataService.TabularDataByFilter, request, timeout=timeout)

    @staticmethod
    def _data_request(filter: Any, limit: Any, sort_order: Any, last: Any, *, empty_filter: bool) -> Any:
        request = data_pb2.DataRequest()
        converted = _filter(filter, empty_if_none=empty_filter)
        if converted is not None:
            request.filter.CopyFrom(converted)
        if limit is not None and _count("limit", limit):
            request.limit = limit
        if sort_order is not None and _enum("sort_order", sort_order, data_pb2.Order):
            request.sort_order = sort_order
        if last is not None and _text("last", last, allow_empty=True):
            request.last = last
        return request

    def tabular_data_by_sql(
        self, organization_id: str, sql_query: str, *, timeout: Any = USE_CLIENT_DEFAULT
    ) -> List[Dict[str, Any]]:
        """Obtain unified tabular data and metadata, queried with SQL (table ``readings``).

        Make sure your API key has permissions at the organization level.
        Results are decoded with pymongo's ``bson`` using tz-aware UTC codec options, so
        datetimes are aware UTC (the official SDK returns naive ones).

        Args:
            organization_id: The organization that owns the data.
            sql_query: The SQL query to run.
            timeout: Deadline of this call (seconds); ``None``: the retry policy's overall deadline only.

        Returns:
            The result documents as dicts.

        Example::

            data = data_client.tabular_data_by_sql(
                organization_id="<YOUR-ORG-ID>",
                sql_query="SELECT * FROM readings LIMIT 5"
            )
        """
        request = data_pb2.TabularDataBySQLRequest(
            organization_id=_text("organization_id", organization_id),
            sql_query=_text("sql_query", sql_query),
        )
        _warn_without_time_bound(sql_query)
        response = self._caller.call(DataService.TabularDataBySQL, request, timeout=timeout)
        return _decode_documents(response.raw_data)

    @_keyword_aliases(mql_binary="query", mql_query="query")
    def tabular_data_by_mql(
        self,
        organization_id: str,
        query: Union[List[bytes], List[Dict[str, Any]]],
        use_recent_data: Optional[bool] = None,
        tabular_data_source_type: Optional[int] = None,
        pipeline_id: Optional[str] = None,
        query_prefix_name: Optional[str] = None,
        *,
        timeout: Any = USE_CLIENT_DEFAULT,
    ) -> List[Dict[str, Any]]:
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
            The result documents as dicts.

        Example::

            tabular_data = data_client.tabular_data_by_mql(organization_id="<YOUR-ORG-ID>", query=[
                { '$match': { 'location_id': '<YOUR-LOCATION-ID>' } },
                { "$limit": 5 }
            ])

            print(f"Tabular Data: {tabular_data}")
        """
        stages = _encode_stages(query)
        if use_recent_data is not None:
            _flag("use_recent_data", use_recent_data)
        if pipeline_id is not None:
            _text("pipeline_id", pipeline_id)
        if query_prefix_name is not None:
            _text("query_prefix_name", query_prefix_name)
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
                _enum("tabular_data_source_type", tabular_data_source_type, data_pb2.TabularDataSourceType),
            )
        if source_type == data_pb2.TABULAR_DATA_SOURCE_TYPE_PIPELINE_SINK and pipeline_id is None:
            raise ValueError("a PIPELINE_SINK source needs pipeline_id")
        if pipeline_id is not None and source_type != data_pb2.TABULAR_DATA_SOURCE_TYPE_PIPELINE_SINK:
            raise ValueError("pipeline_id applies only to the PIPELINE_SINK source type")
        request = data_pb2.TabularDataByMQLRequest(
            organization_id=_text("organization_id", organization_id),
            mql_binary=stages,
            data_source=data_pb2.TabularDataSource(type=source_type, pipeline_id=pipeline_id),
        )
        if query_prefix_name is not None:
            request.query_prefix_name = query_prefix_name
        response = self._caller.call(DataService.TabularDataByMQL, request, timeout=timeout)
        return _decode_documents(response.raw_data)

    @_keyword_aliases(resource_subtype="resource_api")
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
                part_id="77ae3145-7b91-123a-a234-e567cdca8910",
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
            part_id=_text("part_id", part_id),
            resource_name=_text("resource_name", resource_name),
            method_name=_text("method_name", method_name),
            resource_subtype=_text("resource_api", resource_api),
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

    @_keyword_aliases(resource_subtype="resource_api")
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
        :meth:`iter_export_tabular`, which yields rows as they arrive. ``timeout``
        bounds each stream; pass a larger ``timeout`` (or ``None``: the retry policy's
        overall deadline) for long exports.
        ``resource_api`` is also accepted as the keyword ``resource_subtype=``.

        Args:
            part_id: The part that owns the data.
            resource_name: The resource that captured the data.
            resource_api: Its API, e.g. ``"rdk:component:sensor"``.
            method_name: The capture method.
            start_time: Optional start of the range (naive = UTC).
            end_time: Optional end of the range (naive = UTC).
            additional_params: Method parameters the data was captured with.
            timeout: Deadline of each stream (seconds); ``None``: the retry policy's overall deadline only.

        Returns:
            ``TabularDataPoint`` rows (aware UTC times).

        Example::

            tabular_data = data_client.export_tabular_data(
                part_id="<PART-ID>",
                resource_name="<RESOURCE-NAME>",
                resource_api="<RESOURCE-API>",
                method_name="<METHOD-NAME>",
                start_time="<START_TIME>",
                end_time="<END_TIME>"
            )

            print(f"My data: {tabular_data}")
        """
        _interval(start_time, end_time)
        if additional_params is not None:
            dict_to_struct(additional_params)  # refuse bad values before sending
        rows = self.iter_export_tabular(
            part_id,
            resource_name,
            resource_api,
            method_name,
            start_time,
            end_time,
            additional_params,
            timeout=timeout,
        )
        return list(rows)

    def binary_data_by_filter(
        self,
        filter: Optional[data_pb2.Filter] = None,
        limit: Optional[int] = None,
        sort_order: Optional[int] = None,
        last: Optional[str] = None,
        include_binary_data: bool = True,
        count_only: bool = False,
        include_internal_data: bool = False,
        dest: Optional[Union[str, "os.PathLike[str]"]] = None,
        *,
        timeout: Any = USE_CLIENT_DEFAULT,
    ) -> Tuple[List[data_pb2.BinaryData], int, str]:
        """Filter and download binary data, one page of ``limit`` items.

        To read everything, prefer :meth:`iter_binary`. With ``dest`` (a directory),
        each item is written in the Viam CLI's layout: ``dest/data/<id><ext>`` (the
        bytes, when included) and ``dest/metadata/<id><ext>.json`` (protojson), with
        ids made safe as file names (they may contain ``/``); each file is replaced
        atomically and a failure raises.

        Args:
            filter: Which data; ``None`` for all (no filter is sent, as by the SDK).
            limit: Maximum items in the page (server default 50 when unset).
            sort_order: ``Order`` value.
            last: The ``last`` value of the previous page, to get the next one.
            include_binary_data: Include the file bytes, not only the metadata.
            count_only: Return only the count.
            include_internal_data: Include Viam-internal data.
            dest: Optional directory to write the page to.
            timeout: Deadline of this call (seconds); ``None``: the retry policy's overall deadline only.

        Returns:
            ``(data, count, last)``: ``BinaryData`` messages, the count, the cursor.

        Example::

            from viam_data_sync import create_filter
            from viam_data_sync.proto import Filter, TagsFilter, TagsFilterType

            # Get data captured from camera components
            my_data = []
            last = None
            my_filter = create_filter(component_name="camera-1")

            while True:
                data, count, last = data_client.binary_data_by_filter(
                    my_filter, limit=1, last=last)
                if not data:
                    break
                my_data.extend(data)

            print(f"My data: {my_data}")

            # Get untagged data from a dataset

            my_untagged_data = []
            last = None
            tags_filter = TagsFilter(type=TagsFilterType.TAGS_FILTER_TYPE_UNTAGGED)
            my_filter = Filter(
                dataset_id="66db6fe7d93d1ade24cd1dc3",
                tags_filter=tags_filter
            )

            while True:
                data, count, last = data_client.binary_data_by_filter(
                    my_filter, last=last, include_binary_data=False)
                if not data:
                    break
                my_untagged_data.extend(data)
        """
        request = data_pb2.BinaryDataByFilterRequest(
            data_request=self._data_request(filter, limit, sort_order, last, empty_filter=False),
            include_binary=_flag("include_binary_data", include_binary_data),
            count_only=_flag("count_only", count_only),
            include_internal_data=_flag("include_internal_data", include_internal_data),
        )
        path = check_dest_dir(dest) if dest is not None else None
        response = self._caller.call(DataService.BinaryDataByFilter, request, timeout=timeout)
        data = list(response.data)
        if path is not None:
            write_binary_dir(path, data)
            LOGGER.debug("wrote %d binary items to %s", len(data), path)
        return data, int(response.count), response.last

    def binary_data_by_ids(
        self,
        binary_ids: Union[List[data_pb2.BinaryID], List[str]],
        dest: Optional[Union[str, "os.PathLike[str]"]] = None,
        include_binary_data: bool = True,
        *,
        timeout: Any = USE_CLIENT_DEFAULT,
    ) -> List[data_pb2.BinaryData]:
        """Download binary data by id.

        Ids may be binary data id strings (``BinaryMetadata.binary_data_id``, sent as
        ``binary_data_ids``) or deprecated ``BinaryID`` messages (sent as
        ``binary_ids``), or a mix. With ``dest`` (a directory) the items are written as
        by :meth:`binary_data_by_filter` (the official SDK writes a text repr).
        ``include_binary_data`` comes after ``dest`` here to keep the seed API's
        positions; pass it by keyword.

        Args:
            binary_ids: The ids; must be non-empty.
            dest: Optional directory to write the items to.
            include_binary_data: Include the file bytes, not only the metadata.
            timeout: Deadline of this call (seconds); ``None``: the retry policy's overall deadline only.

        Returns:
            The ``BinaryData`` messages.

        Raises:
            ValueError: ``binary_ids`` is empty.

        Example::

            binary_metadata, count, last = data_client.binary_data_by_filter(
                include_binary_data=False
            )
            my_ids = [obj.metadata.binary_data_id for obj in binary_metadata]

            binary_data = data_client.binary_data_by_ids(my_ids)
        """
        if isinstance(dest, bool):
            raise TypeError("dest must be a path; pass include_binary_data= by keyword")
        strings, messages = _split_ids(binary_ids)
        request = data_pb2.BinaryDataByIDsRequest(
            include_binary=_flag("include_binary_data", include_binary_data),
            binary_ids=messages,
            binary_data_ids=strings,
        )
        path = check_dest_dir(dest) if dest is not None else None
        response = self._caller.call(DataService.BinaryDataByIDs, request, timeout=timeout)
        data = list(response.data)
        if path is not None:
            write_binary_dir(path, data)
        return data

    # ================================================================== deletes
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
            organization_id=_text("organization_id", organization_id),
            delete_older_than_days=_count("delete_older_than_days", delete_older_than_days),
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

    def delete_binary_data_by_filter(
        self,
        filter: Optional[data_pb2.Filter],
        include_internal_data: bool = False,
        *,
        timeout: Any = USE_CLIENT_DEFAULT,
    ) -> int:
        """Filter and delete binary data.

        Passing ``None`` or an empty ``Filter`` deletes all data: exercise caution.
        Specify an organization with ``organization_ids``.

        Args:
            filter: Which binary data to delete.
            include_internal_data: Also delete Viam-internal data (the official SDK
                never sends this field).
            timeout: Deadline of this call (seconds); ``None``: the retry policy's overall deadline only.

        Returns:
            The number of items deleted.

        Example::

            from viam_data_sync import create_filter

            my_filter = create_filter(component_name="left_motor", organization_ids=["<YOUR-ORG-ID>"])

            res = data_client.delete_binary_data_by_filter(my_filter)
        """
        request = data_pb2.DeleteBinaryDataByFilterRequest(
            filter=_filter(filter, empty_if_none=True),
            include_internal_data=_flag("include_internal_data", include_internal_data),
        )
        return int(self._caller.call(DataService.DeleteBinaryDataByFilter, request, timeout=timeout).deleted_count)

    def delete_binary_data_by_ids(
        self,
        binary_ids: Union[List[data_pb2.BinaryID], List[str]],
        *,
        timeout: Any = USE_CLIENT_DEFAULT,
    ) -> int:
        """Delete binary data by id (strings, ``BinaryID`` messages, or a mix).

        Args:
            binary_ids: The ids; must be non-empty.
            timeout: Deadline of this call (seconds); ``None``: the retry policy's overall deadline only.

        Returns:
            The number of items deleted.

        Raises:
            ValueError: ``binary_ids`` is empty.

        Example::

            from viam_data_sync import create_filter

            my_filter = create_filter(component_name="camera-1", organization_ids=["<YOUR-ORG-ID>"])
            binary_metadata, count, last = data_client.binary_data_by_filter(
                filter=my_filter,
                limit=20,
                include_binary_data=False
            )

            my_ids = [obj.metadata.binary_data_id for obj in binary_metadata]

            binary_data = data_client.delete_binary_data_by_ids(my_ids)
        """
        strings, messages = _split_ids(binary_ids)
        request = data_pb2.DeleteBinaryDataByIDsRequest(binary_ids=messages, binary_data_ids=strings)
        return int(self._caller.call(DataService.DeleteBinaryDataByIDs, request, timeout=timeout).deleted_count)

    # ================================================================== tags
    def add_tags_to_binary_data_by_ids(
        self,
        tags: List[str],
        binary_ids: Union[List[data_pb2.BinaryID], List[str]],
        *,
        timeout: Any = USE_CLIENT_DEFAULT,
    ) -> None:
        """Add tags to binary data (note the order: ``tags`` first).

        Args:
            tags: Tags to add; must be non-empty.
            binary_ids: The ids (strings, ``BinaryID`` messages, or a mix); non-empty.
            timeout: Deadline of this call (seconds); ``None``: the retry policy's overall deadline only.

        Raises:
            ValueError: ``tags`` or ``binary_ids`` is empty.

        Example::

            from viam_data_sync import create_filter

            tags = ["tag1", "tag2"]

            my_filter = create_filter(component_name="camera-1", organization_ids=["<YOUR-ORG-ID>"])
            binary_metadata, count, last = data_client.binary_data_by_filter(
                filter=my_filter,
                limit=20,
                include_binary_data=False
            )

            my_ids = [obj.metadata.binary_data_id for obj in binary_metadata]

            binary_data = data_client.add_tags_to_binary_data_by_ids(tags, my_ids)
        """
        checked_tags = _tags(tags)
        strings, messages = _split_ids(binary_ids)
        request = data_pb2.AddTagsToBinaryDataByIDsRequest(
            tags=checked_tags, binary_ids=messages, binary_data_ids=strings
        )
        self._caller.call(DataService.AddTagsToBinaryDataByIDs, request, timeout=timeout)

    def add_tags_to_binary_data_by_filter(
        self,
        tags: List[str],
        filter: Optional[data_pb2.Filter] = None,
        *,
        timeout: Any = USE_CLIENT_DEFAULT,
    ) -> None:
        """Add tags to the binary data matching ``filter`` (all data if ``None``).

        Args:
            tags: Tags to add; must be non-empty.
            filter: Which data to tag.
            timeout: Deadline of this call (seconds); ``None``: the retry policy's overall deadline only.

        Raises:
            ValueError: ``tags`` is empty.

        Example::

            from viam_data_sync import create_filter

            my_filter = create_filter(component_name="my_camera")
            tags = ["tag1", "tag2"]
            data_client.add_tags_to_binary_data_by_filter(tags, my_filter)
        """
        request = data_pb2.AddTagsToBinaryDataByFilterRequest(
            filter=_filter(filter, empty_if_none=True), tags=_tags(tags)
        )
        self._caller.call(DataService.AddTagsToBinaryDataByFilter, request, timeout=timeout)

    def remove_tags_from_binary_data_by_ids(
        self,
        tags: List[str],
        binary_ids: Union[List[data_pb2.BinaryID], List[str]],
        *,
        timeout: Any = USE_CLIENT_DEFAULT,
    ) -> int:
        """Remove tags from binary data by id.

        Args:
            tags: Tags to remove; must be non-empty.
            binary_ids: The ids (strings, ``BinaryID`` messages, or a mix); non-empty.
            timeout: Deadline of this call (seconds); ``None``: the retry policy's overall deadline only.

        Returns:
            The number of tags removed.

        Raises:
            ValueError: ``tags`` or ``binary_ids`` is empty.

        Example::

            from viam_data_sync import create_filter

            tags = ["tag1", "tag2"]

            my_filter = create_filter(component_name="camera-1")

            binary_metadata, count, last = data_client.binary_data_by_filter(
                filter=my_filter,
                limit=50,
                include_binary_data=False
            )

            my_ids = [obj.metadata.binary_data_id for obj in binary_metadata]

            binary_data = data_client.remove_tags_from_binary_data_by_ids(
                tags, my_ids)
        """
        checked_tags = _tags(tags)
        strings, messages = _split_ids(binary_ids)
        request = data_pb2.RemoveTagsFromBinaryDataByIDsRequest(
            tags=checked_tags, binary_ids=messages, binary_data_ids=strings
        )
        return int(self._caller.call(DataService.RemoveTagsFromBinaryDataByIDs, request, timeout=timeout).deleted_count)

    def remove_tags_from_binary_data_by_filter(
        self,
        tags: List[str],
        filter: Optional[data_pb2.Filter] = None,
        *,
        timeout: Any = USE_CLIENT_DEFAULT,
    ) -> int:
        """Remove tags from the binary data matching ``filter`` (all data if ``None``).

        Args:
            tags: Tags to remove; must be non-empty.
            filter: Which data to untag.
            timeout: Deadline of this call (seconds); ``None``: the retry policy's overall deadline only.

        Returns:
            The number of tags removed.

        Example::

            from viam_data_sync import create_filter

            my_filter = create_filter(component_name="my_camera")
            tags = ["tag1", "tag2"]
            res = data_client.remove_tags_from_binary_data_by_filter(tags, my_filter)
        """
        request = data_pb2.RemoveTagsFromBinaryDataByFilterRequest(
            filter=_filter(filter, empty_if_none=True), tags=_tags(tags)
        )
        return int(self._caller.call(DataService.RemoveTagsFromBinaryDataByFilter, request, timeout=timeout).deleted_count)

    def tags_by_filter(
        self, filter: Optional[data_pb2.Filter] = None, *, timeout: Any = USE_CLIENT_DEFAULT
    ) -> List[str]:
        """Get the tags of the data matching ``filter`` (all data if ``None``).

        Args:
            filter: Which data.
            timeout: Deadline of this call (seconds); ``None``: the retry policy's overall deadline only.

        Returns:
            The tags.

        Example::

            from viam_data_sync import create_filter

            my_filter = create_filter(component_name="my_camera")
            tags = data_client.tags_by_filter(my_filter)
        """
        request = data_pb2.TagsByFilterRequest(filter=_filter(filter, empty_if_none=True))
        return list(self._caller.call(DataService.TagsByFilter, request, timeout=timeout).tags)

    # ================================================================== bounding boxes
    def add_bounding_box_to_image_by_id(
        self,
        binary_id: Union[data_pb2.BinaryID, str],
        label: str,
        x_min_normalized: float,
        y_min_normalized: float,
        x_max_normalized: float,
        y_max_normalized: float,
        confidence_score: Optional[float] = None,
        *,
        timeout: Any = USE_CLIENT_DEFAULT,
    ) -> str:
        """Add a bounding box to an image.

        Args:
            binary_id: The image: a binary data id string or a ``BinaryID``.
            label: The label of the box.
            x_min_normalized: Min X, within [0, 1].
            y_min_normalized: Min Y, within [0, 1].
            x_max_normalized: Max X, within [0, 1] and greater than min X.
            y_max_normalized: Max Y, within [0, 1] and greater than min Y.
            confidence_score: Optional confidence, within [0, 1].
            timeout: Deadline of this call (seconds); ``None``: the retry policy's overall deadline only.

        Returns:
            The bounding box id.

        Raises:
            ValueError: A coordinate is outside [0, 1] or a min is not below its max.

        Example::

            bbox_id = data_client.add_bounding_box_to_image_by_id(
                binary_id="<YOUR-BINARY-DATA-ID>",
                label="label",
                x_min_normalized=0,
                y_min_normalized=.1,
                x_max_normalized=.2,
                y_max_normalized=.3
            )

            print(bbox_id)
        """
        ids = _one_id(binary_id, "binary_id", "binary_data_id")
        box = (
            _coordinate("x_min_normalized", x_min_normalized),
            _coordinate("y_min_normalized", y_min_normalized),
            _coordinate("x_max_normalized", x_max_normalized),
            _coordinate("y_max_normalized", y_max_normalized),
        )
        _check_box(*box)
        request = data_pb2.AddBoundingBoxToImageByIDRequest(
            label=_text("label", label),
            x_min_normalized=box[0],
            y_min_normalized=box[1],
            x_max_normalized=box[2],
            y_max_normalized=box[3],
            confidence=_confidence(confidence_score),
            **ids,
        )
        return str(self._caller.call(DataService.AddBoundingBoxToImageByID, request, timeout=timeout).bbox_id)

    def update_bounding_box(
        self,
        binary_id: Union[data_pb2.BinaryID, str],
        bbox_id: str,
        label: Optional[str] = None,
        x_min_normalized: Optional[float] = None,
        y_min_normalized: Optional[float] = None,
        x_max_normalized: Optional[float] = None,
        y_max_normalized: Optional[float] = None,
        confidence_score: Optional[float] = None,
        *,
        timeout: Any = USE_CLIENT_DEFAULT,
    ) -> None:
        """Update a bounding box of an image; only the values given are changed.

        (The official SDK requires every value; here ``None`` leaves a value as it
        is, which the request's optional fields allow.)

        Args:
            binary_id: The image: a binary data id string or a ``BinaryID``.
            bbox_id: The bounding box.
            label: The new label.
            x_min_normalized: New min X, within [0, 1].
            y_min_normalized: New min Y, within [0, 1].
            x_max_normalized: New max X, within [0, 1].
            y_max_normalized: New max Y, within [0, 1].
            confidence_score: New confidence, within [0, 1].
            timeout: Deadline of this call (seconds); ``None``: the retry policy's overall deadline only.

        Example::

            data_client.update_bounding_box(
                binary_id="<YOUR-BINARY-DATA-ID>",
                bbox_id="your-bounding-box-id-to-update",
                label="label",
                x_min_normalized=0,
                y_min_normalized=.1,
                x_max_normalized=.2,
                y_max_normalized=.3,
            )
        """
        ids = _one_id(binary_id, "binary_id", "binary_data_id")
        names = ("x_min_normalized", "y_min_normalized", "x_max_normalized", "y_max_normalized")
        values = (x_min_normalized, y_min_normalized, x_max_normalized, y_max_normalized)
        box = [None if value is None else _coordinate(name, value) for name, value in zip(names, values)]
        _check_box(*box)
        request = data_pb2.UpdateBoundingBoxRequest(bbox_id=_text("bbox_id", bbox_id), **ids)
        if label is not None:
            request.label = _text("label", label)
        for name, value in zip(names, box):
            if value is not None:
                setattr(request, name, value)
        confidence = _confidence(confidence_score)
        if confidence is not None:
            request.confidence = confidence
        self._caller.call(DataService.UpdateBoundingBox, request, timeout=timeout)

    def remove_bounding_box_from_image_by_id(
        self,
        bbox_id: str,
        binary_id: Union[data_pb2.BinaryID, str],
        *,
        timeout: Any = USE_CLIENT_DEFAULT,
    ) -> None:
        """Remove a bounding box from an image (note the order: ``bbox_id`` first).

        Args:
            bbox_id: The bounding box to remove.
            binary_id: The image: a binary data id string or a ``BinaryID``.
            timeout: Deadline of this call (seconds); ``None``: the retry policy's overall deadline only.

        Example::

            data_client.remove_bounding_box_from_image_by_id(
                binary_id="<YOUR-BINARY-DATA-ID>",
                bbox_id="your-bounding-box-id-to-delete"
            )
        """
        ids = _one_id(binary_id, "binary_id", "binary_data_id")
        request = data_pb2.RemoveBoundingBoxFromImageByIDRequest(bbox_id=_text("bbox_id", bbox_id), **ids)
        self._caller.call(DataService.RemoveBoundingBoxFromImageByID, request, timeout=timeout)

    def bounding_box_labels_by_filter(
        self, filter: Optional[data_pb2.Filter] = None, *, timeout: Any = USE_CLIENT_DEFAULT
    ) -> List[str]:
        """Get the bounding box labels of the data matching ``filter`` (all if ``None``).

        Args:
            filter: Which data.
            timeout: Deadline of this call (seconds); ``None``: the retry policy's overall deadline only.

        Returns:
            The labels.

        Example::

            from viam_data_sync import create_filter

            my_filter = create_filter(component_name="my_camera")
            bounding_box_labels = data_client.bounding_box_labels_by_filter(
                my_filter)

            print(bounding_box_labels)
        """
        request = data_pb2.BoundingBoxLabelsByFilterRequest(filter=_filter(filter, empty_if_none=True))
        return list(self._caller.call(DataService.BoundingBoxLabelsByFilter, request, timeout=timeout).labels)

    # ================================================================== database
    def get_database_connection(self, organization_id: str, *, timeout: Any = USE_CLIENT_DEFAULT) -> str:
        """Get the hostname of the organization's MongoDB Atlas Data Federation instance.

        Returns only the hostname, like the official SDK; use
        :meth:`get_database_connection_info` for the MongoDB URI and whether a
        database user is configured.

        Args:
            organization_id: The organization.
            timeout: Deadline of this call (seconds); ``None``: the retry policy's overall deadline only.

        Returns:
            The hostname of the federated database.

        Example::

            hostname = data_client.get_database_connection(organization_id="<YOUR-ORG-ID>")
        """
        return self.get_database_connection_info(organization_id, timeout=timeout).hostname

    def get_database_connection_info(
        self, organization_id: str, *, timeout: Any = USE_CLIENT_DEFAULT
    ) -> DatabaseConnection:
        """Get everything ``GetDatabaseConnection`` returns (the official SDK drops all
        but the hostname).

        Args:
            organization_id: The organization.
            timeout: Deadline of this call (seconds); ``None``: the retry policy's overall deadline only.

        Returns:
            ``DatabaseConnection(hostname, mongodb_uri, has_database_user)``.

        Example::

            info = data_client.get_database_connection_info("<YOUR-ORG-ID>")
            if info.has_database_user:
                print(info.mongodb_uri)
        """
        request = data_pb2.GetDatabaseConnectionRequest(
            organization_id=_text("organization_id", organization_id)
        )
        response = self._caller.call(DataService.GetDatabaseConnection, request, timeout=timeout)
        return DatabaseConnection(response.hostname, response.mongodb_uri, bool(response.has_database_user))

    def configure_database_user(
        self, organization_id: str, password: str, *, timeout: Any = USE_CLIENT_DEFAULT
    ) -> None:
        """Configure (or reset the password of) the organization's database user.

        Args:
            organization_id: The organization.
            password: The password of the user.
            timeout: Deadline of this call (seconds); ``None``: the retry policy's overall deadline only.

        Example::

            data_client.configure_database_user(
                organization_id="<YOUR-ORG-ID>",
                password="Your_Password@1234"
            )
        """
        request = data_pb2.ConfigureDatabaseUserRequest(
            organization_id=_text("organization_id", organization_id), password=_text("password", password)
        )
        self._caller.call(DataService.ConfigureDatabaseUser, request, timeout=timeout)

    # ================================================================== datasets
    def create_dataset(
        self,
        name: str,
        organization_id: str,
        type: Optional[int] = None,
        *,
        timeout: Any = USE_CLIENT_DEFAULT,
    ) -> str:
        """Create a new dataset.

        Args:
            name: The name of the dataset.
            organization_id: The organization to create it in.
            type: Optional ``DatasetType`` value (sent only when given).
            timeout: Deadline of this call (seconds); ``None``: the retry policy's overall deadline only.

        Returns:
            The id of the new dataset.

        Example::

            dataset_id = data_client.create_dataset(
                name="<DATASET-NAME>",
                organization_id="<YOUR-ORG-ID>"
            )
            print(dataset_id)
        """
        request = dataset_pb2.CreateDatasetRequest(
            name=_text("name", name), organization_id=_text("organization_id", organization_id)
        )
        if type is not None:
            # _enum returns a checked member of the enum; protobuf enum values are plain ints.
            request.type = cast(dataset_pb2.DatasetType, _enum("type", type, dataset_pb2.DatasetType))
        return str(self._caller.call(DatasetService.CreateDataset, request, timeout=timeout).id)

    def list_dataset_by_ids(
        self, ids: List[str], *, timeout: Any = USE_CLIENT_DEFAULT
    ) -> List[dataset_pb2.Dataset]:
        """Get datasets by id.

        Args:
            ids: The dataset ids; must be non-empty.
            timeout: Deadline of this call (seconds); ``None``: the retry policy's overall deadline only.

        Returns:
            The ``Dataset`` messages.

        Example::

            datasets = data_client.list_dataset_by_ids(
                ids=["<YOUR-DATASET-ID-1>", "<YOUR-DATASET-ID-2>"]
            )
            print(datasets)
        """
        request = dataset_pb2.ListDatasetsByIDsRequest(ids=check_str_list("ids", ids, allow_empty=False))
        return list(self._caller.call(DatasetService.ListDatasetsByIDs, request, timeout=timeout).datasets)

    def list_datasets_by_organization_id(
        self,
        organization_id: str,
        dataset_type: Optional[int] = None,
        *,
        timeout: Any = USE_CLIENT_DEFAULT,
    ) -> List[dataset_pb2.Dataset]:
        """Get the datasets of an organization.

        Args:
            organization_id: The organization.
            dataset_type: Optional ``DatasetType`` to list only that kind.
            timeout: Deadline of this call (seconds); ``None``: the retry policy's overall deadline only.

        Returns:
            The ``Dataset`` messages.

        Example::

            datasets = data_client.list_datasets_by_organization_id(
                organization_id="<YOUR-ORG-ID>"
            )
            print(datasets)
        """
        request = dataset_pb2.ListDatasetsByOrganizationIDRequest(
            organization_id=_text("organization_id", organization_id)
        )
        if dataset_type is not None:
            # _enum returns a checked member of the enum; protobuf enum values are plain ints.
            request.type = cast(
                dataset_pb2.DatasetType, _enum("dataset_type", dataset_type, dataset_pb2.DatasetType)
            )
        return list(self._caller.call(DatasetService.ListDatasetsByOrganizationID, request, timeout=timeout).datasets)

    def rename_dataset(self, id: str, name: str, *, timeout: Any = USE_CLIENT_DEFAULT) -> None:
        """Rename a dataset.

        Args:
            id: The dataset id.
            name: The new name.
            timeout: Deadline of this call (seconds); ``None``: the retry policy's overall deadline only.

        Example::

            data_client.rename_dataset(
                id="<YOUR-DATASET-ID>",
                name="MyDataset"
            )
        """
        request = dataset_pb2.RenameDatasetRequest(id=_text("id", id), name=_text("name", name))
        self._caller.call(DatasetService.RenameDataset, request, timeout=timeout)

    def delete_dataset(self, id: str, *, timeout: Any = USE_CLIENT_DEFAULT) -> None:
        """Delete a dataset.

        Args:
            id: The dataset id.
            timeout: Deadline of this call (seconds); ``None``: the retry policy's overall deadline only.

        Example::

            data_client.delete_dataset(
                id="<YOUR-DATASET-ID>"
            )
        """
        request = dataset_pb2.DeleteDatasetRequest(id=_text("id", id))
        self._caller.call(DatasetService.DeleteDataset, request, timeout=timeout)

    def merge_datasets(
        self,
        name: str,
        organization_id: str,
        dataset_ids: List[str],
        *,
        timeout: Any = USE_CLIENT_DEFAULT,
    ) -> str:
        """Merge datasets into a new one.

        Args:
            name: The name of the new dataset.
            organization_id: The organization.
            dataset_ids: The datasets to merge; must be non-empty.
            timeout: Deadline of this call (seconds); ``None``: the retry policy's overall deadline only.

        Returns:
            The id of the new dataset.

        Example::

            dataset_id = data_client.merge_datasets(
                name="<NEW-DATASET-NAME>",
                organization_id="<YOUR-ORG-ID>",
                dataset_ids=["<DATASET-ID-1>", "<DATASET-ID-2>"]
            )
        """
        request = dataset_pb2.MergeDatasetsRequest(
            dataset_ids=check_str_list("dataset_ids", dataset_ids, allow_empty=False),
            name=_text("name", name),
            organization_id=_text("organization_id", organization_id),
        )
        return str(self._caller.call(DatasetService.MergeDatasets, request, timeout=timeout).dataset_id)

    def add_binary_data_to_dataset_by_ids(
        self,
        binary_ids: Union[List[data_pb2.BinaryID], List[str]],
        dataset_id: str,
        *,
        timeout: Any = USE_CLIENT_DEFAULT,
    ) -> None:
        """Add binary data to a dataset.

        Args:
            binary_ids: The ids (strings, ``BinaryID`` messages, or a mix); non-empty.
            dataset_id: The dataset.
            timeout: Deadline of this call (seconds); ``None``: the retry policy's overall deadline only.

        Example::

            binary_metadata, count, last = data_client.binary_data_by_filter(
                include_binary_data=False
            )

            my_binary_data_ids = [obj.metadata.binary_data_id for obj in binary_metadata]

            data_client.add_binary_data_to_dataset_by_ids(
                binary_ids=my_binary_data_ids,
                dataset_id="abcd-1234xyz-8765z-123abc"
            )
        """
        strings, messages = _split_ids(binary_ids)
        request = data_pb2.AddBinaryDataToDatasetByIDsRequest(
            binary_ids=messages, dataset_id=_text("dataset_id", dataset_id), binary_data_ids=strings
        )
        self._caller.call(DataService.AddBinaryDataToDatasetByIDs, request, timeout=timeout)

    def remove_binary_data_from_dataset_by_ids(
        self,
        binary_ids: Union[List[data_pb2.BinaryID], List[str]],
        dataset_id: str,
        *,
        timeout: Any = USE_CLIENT_DEFAULT,
    ) -> None:
        """Remove binary data from a dataset.

        Args:
            binary_ids: The ids (strings, ``BinaryID`` messages, or a mix); non-empty.
            dataset_id: The dataset.
            timeout: Deadline of this call (seconds); ``None``: the retry policy's overall deadline only.

        Example::

            binary_metadata, count, last = data_client.binary_data_by_filter(
                include_binary_data=False
            )

            my_binary_data_ids = [obj.metadata.binary_data_id for obj in binary_metadata]

            data_client.remove_binary_data_from_dataset_by_ids(
                binary_ids=my_binary_data_ids,
                dataset_id="abcd-1234xyz-8765z-123abc"
            )
        """
        strings, messages = _split_ids(binary_ids)
        request = data_pb2.RemoveBinaryDataFromDatasetByIDsRequest(
            binary_ids=messages, dataset_id=_text("dataset_id", dataset_id), binary_data_ids=strings
        )
        self._caller.call(DataService.RemoveBinaryDataFromDatasetByIDs, request, timeout=timeout)

    def create_binary_data_signed_url(
        self,
        binary_data_id: str,
        expiration_minutes: Optional[int] = None,
        *,
        timeout: Any = USE_CLIENT_DEFAULT,
    ) -> Tuple[str, _dt.datetime]:
        """Create a signed URL to download one binary data file over HTTP.

        Args:
            binary_data_id: The binary data id.
            expiration_minutes: Validity in minutes (1 to 10080; server default 15).
            timeout: Deadline of this call (seconds); ``None``: the retry policy's overall deadline only.

        Returns:
            ``(signed_url, expires_at)``, ``expires_at`` aware UTC.

        Example::

            url, expires_at = data_client.create_binary_data_signed_url(
                binary_data_id="<YOUR-BINARY-DATA-ID>",
                expiration_minutes=60,
            )
        """
        request = data_pb2.CreateBinaryDataSignedURLRequest(
            binary_data_id=_text("binary_data_id", binary_data_id)
        )
        if expiration_minutes is not None:
            minutes = _count("expiration_minutes", expiration_minutes, minimum=1)
            if minutes > _MAX_SIGNED_URL_MINUTES:
                raise ValueError(f"expiration_minutes must be at most {_MAX_SIGNED_URL_MINUTES} (7 days)")
            request.expiration_minutes = minutes
        response = self._caller.call(DataService.CreateBinaryDataSignedURL, request, timeout=timeout)
        return response.signed_url, timestamp_to_datetime(response.expires_at)

    # ================================================================== indexes
    def create_index(
        self,
        organization_id: str,
        collection_type: int,
        index_spec: Mapping[str, Any],
        pipeline_name: Optional[str] = None,
        *,
        timeout: Any = USE_CLIENT_DEFAULT,
    ) -> None:
        """Create a custom index on a hot-store or pipeline-sink collection.

        Args:
            organization_id: The organization.
            collection_type: ``IndexableCollection.INDEXABLE_COLLECTION_HOT_STORE`` or
                ``..._PIPELINE_SINK``.
            index_spec: The MongoDB index specification, sent as one BSON document (as
                the official SDK sends it), e.g. ``{"keys": {"component_name": 1}}``.
            pipeline_name: The pipeline, for a pipeline-sink collection.
            timeout: Deadline of this call (seconds).

        Example::

            from viam_data_sync.proto import IndexableCollection

            data_client.create_index("<ORG-ID>", IndexableCollection.INDEXABLE_COLLECTION_HOT_STORE,
                                     {"keys": {"component_name": 1}})
        """
        import bson

        if not isinstance(index_spec, Mapping) or not index_spec:
            raise TypeError("index_spec must be a non-empty mapping (one index specification)")
        request = data_pb2.CreateIndexRequest(
            organization_id=_text("organization_id", organization_id),
            collection_type=cast(Any, _index_collection(collection_type, pipeline_name)),
            index_spec=[bson.encode(dict(index_spec))],
        )
        if pipeline_name is not None:
            request.pipeline_name = _text("pipeline_name", pipeline_name)
        self._caller.call(DataService.CreateIndex, request, timeout=timeout)

    def list_indexes(
        self,
        organization_id: str,
        collection_type: int,
        pipeline_name: Optional[str] = None,
        *,
        timeout: Any = USE_CLIENT_DEFAULT,
    ) -> List[Any]:
        """The indexes of a collection.

        Args:
            organization_id: The organization.
            collection_type: An ``IndexableCollection`` value (not UNSPECIFIED).
            pipeline_name: The pipeline, for a pipeline-sink collection.
            timeout: Deadline of this call (seconds).

        Returns:
            ``Index`` messages; each ``index_spec`` stays BSON bytes (``bson.decode`` it).

        Example::

            for index in data_client.list_indexes("<ORG-ID>", IndexableCollection.INDEXABLE_COLLECTION_HOT_STORE):
                print(index.index_name)
        """
        request = data_pb2.ListIndexesRequest(
            organization_id=_text("organization_id", organization_id),
            collection_type=cast(Any, _index_collection(collection_type, pipeline_name)),
        )
        if pipeline_name is not None:
            request.pipeline_name = _text("pipeline_name", pipeline_name)
        return list(self._caller.call(DataService.ListIndexes, request, timeout=timeout).indexes)

    def delete_index(
        self,
        organization_id: str,
        collection_type: int,
        index_name: str,
        pipeline_name: Optional[str] = None,
        *,
        timeout: Any = USE_CLIENT_DEFAULT,
    ) -> None:
        """Delete a custom index by name.

        Args:
            organization_id: The organization.
            collection_type: An ``IndexableCollection`` value (not UNSPECIFIED).
            index_name: The index's name (see :meth:`list_indexes`).
            pipeline_name: The pipeline, for a pipeline-sink collection.
            timeout: Deadline of this call (seconds).

        Example::

            data_client.delete_index("<ORG-ID>", IndexableCollection.INDEXABLE_COLLECTION_HOT_STORE,
                                     "component_name_1")
        """
        request = data_pb2.DeleteIndexRequest(
            organization_id=_text("organization_id", organization_id),
            collection_type=cast(Any, _index_collection(collection_type, pipeline_name)),
            index_name=_text("index_name", index_name),
        )
        if pipeline_name is not None:
            request.pipeline_name = _text("pipeline_name", pipeline_name)
        self._caller.call(DataService.DeleteIndex, request, timeout=timeout)

    # ================================================================== uploads
    def binary_data_capture_upload(
        self,
        binary_data: bytes,
        part_id: str,
        component_type: str,
        component_name: str,
        method_name: str,
        file_extension: str,
        method_parameters: Optional[Mapping[str, Any]] = None,
        tags: Optional[List[str]] = None,
        data_request_times: Optional[TimePair] = None,
        dataset_ids: Optional[List[str]] = None,
        mime_type: Optional[str] = None,
        *,
        timeout: Any = USE_CLIENT_DEFAULT,
    ) -> str:
        """Upload binary sensor data (one unary ``DataCaptureUpload``).

        The extension is normalized to start with ``"."``; an empty extension needs a
        ``mime_type``. For large payloads prefer :meth:`streaming_data_capture_upload`,
        which streams in chunks. ``dataset_ids`` and ``mime_type`` come after
        ``data_request_times`` here to keep the seed API's positions.

        Args:
            binary_data: The bytes to upload.
            part_id: Part of the component that captured the data.
            component_type: Type of the component, e.g. ``"rdk:component:camera"``.
            component_name: Name of the component.
            method_name: Capture method, e.g. ``"ReadImage"``.
            file_extension: E.g. ``".jpg"``; images go to the images tab.
            method_parameters: Optional method parameters.
            tags: Optional tags.
            data_request_times: Optional ``(time_requested, time_received)``.
            dataset_ids: Optional datasets to add the data to.
            mime_type: Optional MIME type.
            timeout: Deadline of this call (seconds); ``None``: the retry policy's overall deadline only.

        Returns:
            The binary data id of the upload.

        Example::

            from datetime import datetime

            time_requested = datetime(2023, 6, 5, 11)
            time_received = datetime(2023, 6, 5, 11, 0, 3)

            file_id = data_client.binary_data_capture_upload(
                part_id="INSERT YOUR PART ID",
                component_type='camera',
                component_name='my_camera',
                method_name='GetImages',
                method_parameters=None,
                tags=["tag_1", "tag_2"],
                data_request_times=[time_requested, time_received],
                file_extension=".jpg",
                binary_data=b"Encoded image bytes"
            )
        """
        if not isinstance(binary_data, (bytes, bytearray, memoryview)):
            raise TypeError(f"binary_data must be bytes, got {type(binary_data).__name__}")
        extension = _extension(file_extension, "file_extension")
        if not extension and not mime_type:
            raise ValueError("file_extension must not be empty (or give a mime_type)")
        metadata = _upload_metadata(
            part_id,
            data_sync_pb2.DATA_TYPE_BINARY_SENSOR,
            component_type=_text("component_type", component_type, allow_empty=True),
            component_name=_text("component_name", component_name, allow_empty=True),
            method_name=_text("method_name", method_name, allow_empty=True),
            method_parameters=method_parameters,
            file_extension=extension,
            tags=tags,
            dataset_ids=dataset_ids,
            mime_type=mime_type,
        )
        sensor = data_sync_pb2.SensorData(binary=bytes(binary_data))
        sensor_metadata = _sensor_metadata(data_request_times)
        if sensor_metadata is not None:
            sensor.metadata.CopyFrom(sensor_metadata)
        request = data_sync_pb2.DataCaptureUploadRequest(metadata=metadata, sensor_contents=[sensor])
        return str(self._caller.call(DataSyncService.DataCaptureUpload, request, timeout=timeout).binary_data_id)

    def tabular_data_capture_upload(
        self,
        tabular_data: List[Mapping[str, Any]],
        part_id: str,
        component_type: str,
        component_name: str,
        method_name: str,
        data_request_times: List[Optional[TimePair]],
        method_parameters: Optional[Mapping[str, Any]] = None,
        tags: Optional[List[str]] = None,
        *,
        timeout: Any = USE_CLIENT_DEFAULT,
    ) -> str:
        """Upload tabular sensor data (all points in one ``DataCaptureUpload``).

        Returns the response's ``file_id``, as the official SDK does: a tabular upload
        creates readings, not a binary file, so it has no binary data id to return
        (the service leaves ``binary_data_id`` empty for it).

        Values go through a Struct: numbers become floats, ``None`` is ``null``,
        datetimes are sent as RFC 3339 strings.

        Args:
            tabular_data: The data points (dicts); sensors need a ``"readings"`` key.
            part_id: Part of the component that captured the data.
            component_type: Type of the component, e.g. ``"rdk:component:movement_sensor"``.
            component_name: Name of the component.
            method_name: Capture method, e.g. ``"Readings"``.
            data_request_times: One ``(time_requested, time_received)`` (or ``None``)
                per data point.
            method_parameters: Optional method parameters.
            tags: Optional tags.
            timeout: Deadline of this call (seconds); ``None``: the retry policy's overall deadline only.

        Returns:
            The file id of the upload.

        Raises:
            ValueError: The two lists differ in length, or are empty.

        Example::

            from datetime import datetime

            time_requested = datetime(2023, 6, 5, 11)
            time_received = datetime(2023, 6, 5, 11, 0, 3)
            file_id = data_client.tabular_data_capture_upload(
                part_id="INSERT YOUR PART ID",
                component_type='rdk:component:movement_sensor',
                component_name='my_movement_sensor',
                method_name='Readings',
                tags=["sensor_data"],
                data_request_times=[(time_requested, time_received)],
                tabular_data=[{
                    'readings': {
                        'linear_velocity': {'x': 0.5, 'y': 0.0, 'z': 0.0},
                        'angular_velocity': {'x': 0.0, 'y': 0.0, 'z': 0.1}
                    }
                }]
            )
        """
        if isinstance(tabular_data, Mapping) or not isinstance(tabular_data, (list, tuple)):
            raise TypeError("tabular_data must be a list of dicts")
        if isinstance(data_request_times, (str, bytes)) or not isinstance(data_request_times, (list, tuple)):
            raise TypeError("data_request_times must be a list of (time_requested, time_received) pairs")
        if len(tabular_data) != len(data_request_times):
            raise ValueError(
                f"tabular_data has {len(tabular_data)} items "
                f"but data_request_times has {len(data_request_times)}"
            )
        if not tabular_data:
            raise ValueError("tabular_data must not be empty")
        contents = []
        for index, (point, times) in enumerate(zip(tabular_data, data_request_times)):
            if not isinstance(point, Mapping):
                raise TypeError(f"tabular_data[{index}] must be a dict, got {type(point).__name__}")
            sensor = data_sync_pb2.SensorData(struct=dict_to_struct(point))
            sensor_metadata = _sensor_metadata(times, f"data_request_times[{index}]") if times else None
            if sensor_metadata is not None:
                sensor.metadata.CopyFrom(sensor_metadata)
            contents.append(sensor)
        metadata = _upload_metadata(
            part_id,
            data_sync_pb2.DATA_TYPE_TABULAR_SENSOR,
            component_type=_text("component_type", component_type, allow_empty=True),
            component_name=_text("component_name", component_name, allow_empty=True),
            method_name=_text("method_name", method_name, allow_empty=True),
            method_parameters=method_parameters,
            tags=tags,
        )
        request = data_sync_pb2.DataCaptureUploadRequest(metadata=metadata, sensor_contents=contents)
        return str(self._caller.call(DataSyncService.DataCaptureUpload, request, timeout=timeout).file_id)

    def streaming_data_capture_upload(
        self,
        data: Union[bytes, Any],
        part_id: str,
        file_ext: str,
        component_type: Optional[str] = None,
        component_name: Optional[str] = None,
        method_name: Optional[str] = None,
        method_parameters: Optional[Mapping[str, Any]] = None,
        data_request_times: Optional[TimePair] = None,
        tags: Optional[List[str]] = None,
        dataset_ids: Optional[List[str]] = None,
        mime_type: Optional[str] = None,
        *,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        progress: Optional[ProgressCallback] = None,
        timeout: Any = USE_CLIENT_DEFAULT,
    ) -> str:
        """Upload binary capture data of any size, streamed in chunks.

        The first message carries the metadata, then the data follows in messages of
        ``chunk_size`` bytes (the official SDK sends it all in one message). ``data``
        may be bytes, a binary file object or an iterable of bytes; bytes and
        seekable files are sent again if a retry is safe, other sources never.
        ``file_ext`` is normalized to start with ``"."``; an empty one needs a
        ``mime_type`` (the official SDK crashes on it).

        Args:
            data: The data to upload.
            part_id: Part of the resource.
            file_ext: File extension, e.g. ``"png"`` or ``".png"``.
            component_type: Optional type of the component.
            component_name: Optional name of the component.
            method_name: Optional capture method.
            method_parameters: Optional method parameters.
            data_request_times: Optional ``(time_requested, time_received)``.
            tags: Optional tags.
            dataset_ids: Optional datasets to add the data to.
            mime_type: Optional MIME type.
            chunk_size: Bytes per data message.
            progress: Optional ``progress(bytes_sent, total_or_None)`` callback.
            timeout: Deadline of the whole upload (seconds); ``None``: the policy deadline only.

        Returns:
            The binary data id of the upload.

        Example::

            from datetime import datetime

            time_requested = datetime(2023, 6, 5, 11)
            time_received = datetime(2023, 6, 5, 11, 0, 3)

            file_id = data_client.streaming_data_capture_upload(
                data=b"byte-data-to-upload",
                part_id="INSERT YOUR PART ID",
                file_ext="png",
                component_type='motor',
                component_name='left_motor',
                method_name='IsPowered',
                data_request_times=[time_requested, time_received],
                tags=["tag_1", "tag_2"]
            )
        """
        extension = _extension(file_ext, "file_ext")
        if not extension and not mime_type:
            raise ValueError("file_ext must not be empty (or give a mime_type)")
        upload_metadata = _upload_metadata(
            part_id,
            data_sync_pb2.DATA_TYPE_BINARY_SENSOR,
            component_type=component_type,
            component_name=component_name,
            method_name=method_name,
            method_parameters=method_parameters,
            file_extension=extension,
            tags=tags,
            dataset_ids=dataset_ids,
            mime_type=mime_type,
        )
        metadata = data_sync_pb2.DataCaptureUploadMetadata(upload_metadata=upload_metadata)
        metadata.sensor_metadata.SetInParent()
        sensor_metadata = _sensor_metadata(data_request_times)
        if sensor_metadata is not None:
            metadata.sensor_metadata.CopyFrom(sensor_metadata)
        source = UploadSource(data, chunk_size=chunk_size, progress=progress)
        response = self._caller.call(
            DataSyncService.StreamingDataCaptureUpload,
            lambda: streaming_upload_requests(metadata, source),
            replayable=source.replayable,
            timeout=timeout,
        )
        return str(response.binary_data_id)

    def file_upload(
        self,
        part_id: str,
        data: Union[bytes, Any],
        component_type: Optional[str] = None,
        component_name: Optional[str] = None,
        method_name: Optional[str] = None,
        file_name: Optional[str] = None,
        method_parameters: Optional[Mapping[str, Any]] = None,
        file_extension: Optional[str] = None,
        tags: Optional[List[str]] = None,
        dataset_ids: Optional[List[str]] = None,
        mime_type: Optional[str] = None,
        *,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        progress: Optional[ProgressCallback] = None,
        timeout: Any = USE_CLIENT_DEFAULT,
    ) -> str:
        """Upload arbitrary file data, streamed in chunks.

        ``data`` may be bytes, a binary file object or an iterable of bytes (see
        :meth:`upload`). Unlike the official SDK, ``mime_type`` is sent, the data is
        not sent as one message, and ``file_extension`` is normalized to start with
        ``"."``.

        Args:
            part_id: Part of the resource associated with the file.
            data: The file data.
            component_type: Optional type of the component.
            component_name: Optional name of the component.
            method_name: Optional method name.
            file_name: Optional file name (``""`` if not given).
            method_parameters: Optional method parameters.
            file_extension: Optional extension, e.g. ``".txt"``; ``.jpeg``, ``.jpg``
                and ``.png`` files go to the images tab.
            tags: Optional tags.
            dataset_ids: Optional datasets to add the file to.
            mime_type: Optional MIME type.
            chunk_size: Bytes per data message.
            progress: Optional ``progress(bytes_sent, total_or_None)`` callback.
            timeout: Deadline of the whole upload (seconds); ``None``: the policy deadline only.

        Returns:
            The binary data id of the new file.

        Example::

            file_id = data_client.file_upload(
                data=b"Encoded image bytes",
                part_id="INSERT YOUR PART ID",
                tags=["tag_1", "tag_2"],
                file_name="your-file",
                file_extension=".txt"
            )
        """
        source = UploadSource(data, chunk_size=chunk_size, progress=progress)
        return self._file_upload(
            source,
            part_id,
            component_type=component_type,
            component_name=component_name,
            method_name=method_name,
            file_name=file_name,
            method_parameters=method_parameters,
            file_extension=_extension(file_extension, "file_extension"),
            tags=tags,
            dataset_ids=dataset_ids,
            mime_type=mime_type,
            timeout=timeout,
        )

    def file_upload_from_path(
        self,
        filepath: Union[str, "os.PathLike[str]"],
        part_id: str,
        component_type: Optional[str] = None,
        component_name: Optional[str] = None,
        method_name: Optional[str] = None,
        method_parameters: Optional[Mapping[str, Any]] = None,
        tags: Optional[List[str]] = None,
        dataset_ids: Optional[List[str]] = None,
        mime_type: Optional[str] = None,
        file_name: Optional[str] = None,
        *,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        progress: Optional[ProgressCallback] = None,
        timeout: Any = USE_CLIENT_DEFAULT,
    ) -> str:
        """Upload a file from disk, streamed in chunks (never read into memory whole).

        The file name defaults to the path's stem (``a.tar.gz`` -> ``a.tar``) and the
        extension is its last suffix (``.gz``), as in the official SDK. The file is
        read again from the start if a retry is safe.

        Args:
            filepath: Path of the file.
            part_id: Part of the component associated with the file.
            component_type: Optional type of the component.
            component_name: Optional name of the component.
            method_name: Optional method name.
            method_parameters: Optional method parameters.
            tags: Optional tags.
            dataset_ids: Optional datasets to add the file to.
            mime_type: Optional MIME type.
            file_name: Optional file name instead of the path's stem.
            chunk_size: Bytes per data message.
            progress: Optional ``progress(bytes_sent, total)`` callback.
            timeout: Deadline of the whole upload (seconds); ``None``: the policy deadline only.

        Returns:
            The binary data id of the new file.

        Raises:
            FileNotFoundError: ``filepath`` does not exist.

        Example::

            file_id = data_client.file_upload_from_path(
                part_id="INSERT YOUR PART ID",
                tags=["tag_1", "tag_2"],
                filepath="/Users/<your-username>/<your-directory>/<your-file.txt>"
            )
        """
        if not isinstance(filepath, (str, os.PathLike)):
            raise TypeError(f"filepath must be a str or os.PathLike, got {type(filepath).__name__}")
        path = Path(filepath)
        source = UploadSource(path, chunk_size=chunk_size, progress=progress)
        return self._file_upload(
            source,
            part_id,
            component_type=component_type,
            component_name=component_name,
            method_name=method_name,
            file_name=path.stem if file_name is None else file_name,
            method_parameters=method_parameters,
            file_extension=path.suffix,
            tags=tags,
            dataset_ids=dataset_ids,
            mime_type=mime_type,
            timeout=timeout,
        )

    def upload(
        self,
        source: Any,
        part_id: str,
        *,
        file_name: Optional[str] = None,
        file_extension: Optional[str] = None,
        tags: Optional[List[str]] = None,
        dataset_ids: Optional[List[str]] = None,
        mime_type: Optional[str] = None,
        component_type: Optional[str] = None,
        component_name: Optional[str] = None,
        method_name: Optional[str] = None,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        progress: Optional[ProgressCallback] = None,
        timeout: Any = USE_CLIENT_DEFAULT,
    ) -> str:
        """Upload a file of any size in chunks, from wherever its bytes are.

        ``source`` is a path (``str`` or ``os.PathLike``), a binary file object, an
        iterable of ``bytes`` (e.g. a generator reading a socket), or bytes. Memory
        stays constant: each ``chunk_size`` piece is read only when gRPC can send it.
        Paths, bytes and seekable files are re-read from the start if a retry is safe;
        iterators and pipes are never replayed. An exception raised while reading the
        source reaches you as itself.

        For a path (or a file object with a ``name``), ``file_name`` and
        ``file_extension`` default to its stem and last suffix.

        Args:
            source: What to upload.
            part_id: Part the file belongs to.
            file_name: Name of the file.
            file_extension: Extension, e.g. ``".csv"`` (normalized to start with ``"."``).
            tags: Optional tags.
            dataset_ids: Optional datasets to add the file to.
            mime_type: Optional MIME type.
            component_type: Optional type of the component.
            component_name: Optional name of the component.
            method_name: Optional method name.
            chunk_size: Bytes per data message (default 256 KiB).
            progress: Optional ``progress(bytes_sent, total_or_None)`` callback.
            timeout: Deadline of the whole upload (seconds); ``None``: the policy deadline only.

        Returns:
            The binary data id of the new file.

        Example::

            def report(sent, total):
                print(f"{sent}/{total or '?'} bytes")

            binary_data_id = data_client.upload("/data/run-42.mcap", "<PART-ID>",
                                                tags=["runs"], progress=report)

            with open("/data/log.txt", "rb") as f:
                data_client.upload(f, "<PART-ID>")
        """
        upload_source = UploadSource(source, chunk_size=chunk_size, progress=progress, allow_path=True)
        named = upload_source.path
        if named is None:
            name_attr = getattr(source, "name", None)
            named = Path(name_attr) if isinstance(name_attr, str) and name_attr else None
        if named is not None:
            file_name = named.stem if file_name is None else file_name
            file_extension = named.suffix if file_extension is None else file_extension
        return self._file_upload(
            upload_source,
            part_id,
            component_type=component_type,
            component_name=component_name,
            method_name=method_name,
            file_name=file_name,
            file_extension=_extension(file_extension, "file_extension"),
            tags=tags,
            dataset_ids=dataset_ids,
            mime_type=mime_type,
            timeout=timeout,
        )

    def _file_upload(self, source: UploadSource, part_id: Any, *, timeout: Any, **fields: Any) -> str:
        metadata = _upload_metadata(part_id, data_sync_pb2.DATA_TYPE_FILE, **fields)
        response = self._caller.call(
            DataSyncService.FileUpload,
            lambda: file_upload_requests(metadata, source),
            replayable=source.replayable,
            timeout=timeout,
        )
        return str(response.binary_data_id)

    # ================================================================== filters
    @staticmethod
    def create_filter(
        component_name: Optional[str] = None,
        component_type: Optional[str] = None,
        method: Optional[str] = None,
        robot_name: Optional[str] = None,
        robot_id: Optional[str] = None,
        part_name: Optional[str] = None,
        part_id: Optional[str] = None,
        location_ids: Optional[List[str]] = None,
        organization_ids: Optional[List[str]] = None,
        mime_type: Optional[List[str]] = None,
        start_time: Optional[_dt.datetime] = None,
        end_time: Optional[_dt.datetime] = None,
        tags: Optional[List[str]] = None,
        bbox_labels: Optional[List[str]] = None,
        dataset_id: Optional[str] = None,
    ) -> data_pb2.Filter:
        """Deprecated: use ``viam_data_sync.create_filter`` (same arguments).

        Example::

            from viam_data_sync import create_filter

            my_filter = create_filter(component_name="motor-1")
        """
        warnings.warn(
            "DataClient.create_filter is deprecated; use viam_data_sync.create_filter",
            DeprecationWarning,
            stacklevel=2,
        )
        return _create_filter(
            component_name,
            component_type,
            method,
            robot_name,
            robot_id,
            part_name,
            part_id,
            location_ids,
            organization_ids,
            mime_type,
            start_time,
            end_time,
            tags,
            bbox_labels,
            dataset_id,
        )


__all__ = ["DataClient", "DatabaseConnection"]
