"""Result types of :class:`~viam_data_sync.DataClient` and their plain-value forms.

Differences from the official SDK's ``DataClient.TabularData``/``TabularDataPoint``,
on purpose:

* datetimes are timezone-aware UTC (the official SDK returns naive UTC values);
* Struct ``null`` becomes ``None`` (the official SDK returns ``0``);
* ``__eq__`` compares values, not ``str()`` forms.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as _dt
import hashlib
import json
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Mapping, NamedTuple, Optional

import bson

from google.protobuf import message as _message

from viam_data_sync._convert import any_map_to_params, ns_to_datetime, timestamp_to_datetime
from viam_data_sync._planning import with_interval
from viam_data_sync._proto.app.data.v1 import data_pb2

#: Where a reading comes from, in order: the ``readings`` table's names, plus the names
#: export responses carry. The one list of them: the DataFrame helpers, ``dest=`` and
#: the CLI's exports all use it.
CAPTURE_COLUMNS = (
    "organization_id",
    "location_id",
    "robot_id",
    "robot_name",
    "part_id",
    "part_name",
    "component_type",
    "component_name",
    "method_name",
)
#: The keys of a tabular row record (:func:`tabular_record`), in order: the columns of
#: ``dest=`` JSON Lines and of the CLI's ``export tabular`` (JSON Lines and CSV).
TABULAR_COLUMNS = CAPTURE_COLUMNS + ("time_requested", "time_received", "tags", "method_parameters", "data")


def iso_utc(value: Optional[_dt.datetime]) -> Optional[str]:
    """RFC 3339 in UTC with microseconds and ``Z``; naive values are taken as UTC.

    Example::

        iso_utc(datetime(2026, 1, 2, tzinfo=timezone.utc))  # '2026-01-02T00:00:00.000000Z'
    """
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=_dt.timezone.utc)
    return value.astimezone(_dt.timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


def sorted_keys(value: Any) -> Any:
    """``value`` with every dict's keys in sorted order.

    A protobuf ``Struct`` is a map with no key order, and the order a process sees
    varies from run to run (upb); sorting makes a written record byte-for-byte
    repeatable, which resuming an export relies on.
    """
    if isinstance(value, Mapping):
        return {str(key): sorted_keys(value[key]) for key in sorted(value, key=str)}
    if isinstance(value, (list, tuple)):
        return [sorted_keys(item) for item in value]
    return value


def capture_metadata_to_dict(metadata: Any) -> Dict[str, Any]:
    """``CaptureMetadata`` as a flat dict of plain values: :data:`CAPTURE_COLUMNS`,
    ``tags`` and ``method_parameters`` (unpacked, keys sorted)."""
    out: Dict[str, Any] = {name: getattr(metadata, name) for name in CAPTURE_COLUMNS}
    out["tags"] = list(metadata.tags)
    params = metadata.method_parameters
    out["method_parameters"] = sorted_keys(
        {key: _plain_param(value) for key, value in any_map_to_params(params).items()} if params else {}
    )
    return out


def _plain_param(value: Any) -> Any:
    """Unknown ``Any`` payloads (not Struct/Value) as ``{"type_url", "value" (base64)}``."""
    if isinstance(value, _message.Message):
        packed: Any = value  # an Any message: it has type_url and value
        return {"type_url": packed.type_url, "value": base64.b64encode(packed.value).decode("ascii")}
    return value


def tabular_record(row: Any) -> Dict[str, Any]:
    """One tabular row as a flat, JSON-ready dict of :data:`TABULAR_COLUMNS`, in order.

    The one shape of a row on disk: ``TabularData.to_dict()``, ``dest=`` JSON Lines
    and the CLI's ``export tabular`` all come from here. Times are RFC 3339 in UTC
    (:func:`iso_utc`); ``data`` and ``method_parameters`` have their keys sorted.

    Args:
        row: a ``TabularData`` (anything with ``.data``, ``.metadata``,
            ``.time_requested`` and ``.time_received``).

    Example::

        record = tabular_record(row)  # {"organization_id": ..., ..., "data": {...}}
    """
    meta = capture_metadata_to_dict(row.metadata)
    out: Dict[str, Any] = {name: meta[name] for name in CAPTURE_COLUMNS}
    out["time_requested"] = iso_utc(row.time_requested)
    out["time_received"] = iso_utc(row.time_received)
    out["tags"] = meta["tags"]
    out["method_parameters"] = meta["method_parameters"]
    out["data"] = sorted_keys(row.data if row.data is not None else {})
    return out


@dataclass(eq=False)
class TabularData:
    """A piece of tabular data and its metadata (``TabularDataByFilter`` rows).

    Attributes:
        data: The requested data (``null`` values as ``None``).
        metadata: The ``CaptureMetadata`` associated with the data (rows of one
            page share the same message objects: treat them as read-only).
        time_requested: When the data were requested (aware UTC).
        time_received: When the data were received (aware UTC).
    """

    data: Mapping[str, Any]
    metadata: data_pb2.CaptureMetadata
    time_requested: _dt.datetime
    time_received: _dt.datetime

    def __str__(self) -> str:
        return (
            f"{self.data}\n{self.metadata}"
            f"Time requested: {self.time_requested}\nTime received: {self.time_received}\n"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TabularData):
            return NotImplemented
        return (
            self.data == other.data
            and self.metadata == other.metadata
            and self.time_requested == other.time_requested
            and self.time_received == other.time_received
        )

    # Mutable values compared by value are unhashable; mypy types __hash__ as a method.
    __hash__ = None  # type: ignore[assignment]

    def to_dict(self) -> Dict[str, Any]:
        """A JSON-ready dict: the metadata fields flattened, times as ISO-8601 strings,
        ``data`` last (the shape of a ``readings`` row): the record ``dest=`` and the
        CLI's ``export tabular`` write.

        Example::

            json.dumps(row.to_dict())
        """
        return tabular_record(self)


@dataclass(eq=False)
class TabularDataPoint:
    """A tabular data point and its metadata (``ExportTabularData`` rows).

    Attributes:
        part_id: The robot part id.
        resource_name: The resource name.
        resource_api: The resource API, e.g. ``rdk:component:sensor``.
        method_name: The capture method, e.g. ``Readings``.
        time_captured: When the data point was captured (aware UTC).
        organization_id: The organization id.
        location_id: The location id.
        robot_name: The robot name.
        robot_id: The robot id.
        part_name: The robot part name.
        method_parameters: Parameters of the capture method.
        tags: Tags of the data point.
        payload: The captured data (``null`` values as ``None``).
    """

    part_id: str
    resource_name: str
    resource_api: str
    method_name: str
    time_captured: _dt.datetime
    organization_id: str
    location_id: str
    robot_name: str
    robot_id: str
    part_name: str
    method_parameters: Mapping[str, Any] = field(default_factory=dict)
    tags: List[str] = field(default_factory=list)
    payload: Mapping[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return (
            "TabularDataPoint("
            f"robot='{self.robot_name}' (id={self.robot_id}), "
            f"part='{self.part_name}' (id={self.part_id}), "
            f"resource='{self.resource_name}' ({self.resource_api}), "
            f"method='{self.method_name}', "
            f"org={self.organization_id}, "
            f"location={self.location_id}, "
            f"time='{self.time_captured.isoformat()}', "
            f"params={self.method_parameters}, "
            f"tags={self.tags}, "
            f"payload={self.payload})"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TabularDataPoint):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    # Mutable values compared by value are unhashable; mypy types __hash__ as a method.
    __hash__ = None  # type: ignore[assignment]

    @property
    def resource_subtype(self) -> str:
        """The same as ``resource_api`` (deprecated, as in the official SDK)."""
        warnings.warn(
            "TabularDataPoint.resource_subtype is deprecated; use resource_api",
            DeprecationWarning,
            stacklevel=2,
        )
        return self.resource_api

    def to_dict(self) -> Dict[str, Any]:
        """A JSON-ready dict, ``time_captured`` as an ISO-8601 string."""
        return {
            "part_id": self.part_id,
            "resource_name": self.resource_name,
            "resource_api": self.resource_api,
            "method_name": self.method_name,
            "time_captured": self.time_captured.isoformat(),
            "organization_id": self.organization_id,
            "location_id": self.location_id,
            "robot_name": self.robot_name,
            "robot_id": self.robot_id,
            "part_name": self.part_name,
            "method_parameters": dict(self.method_parameters),
            "tags": list(self.tags),
            "payload": dict(self.payload),
        }


class DatabaseConnection(NamedTuple):
    """What ``GetDatabaseConnection`` returns (see :meth:`~viam_data_sync.DataClient.get_database_connection_info`)."""

    hostname: str
    mongodb_uri: str
    has_database_user: bool



def _optional_time(message: Any, field: str) -> Optional[_dt.datetime]:
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
            created_on=_optional_time(message, "created_on"),
            updated_at=_optional_time(message, "updated_at"),
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
            start_time=_optional_time(message, "start_time"),
            end_time=_optional_time(message, "end_time"),
            data_start_time=_optional_time(message, "data_start_time"),
            data_end_time=_optional_time(message, "data_end_time"),
            error_message=message.error_message,
            data_source_type=message.data_source_type,
        )


@dataclasses.dataclass
class DataPipelineRunsPage:
    """A page of runs; :meth:`next_page` fetches the following one (empty at the end).

    The page holds the function that fetches a page by token (handed down by the
    client), never the client itself.
    """

    _fetch: Callable[[str], "DataPipelineRunsPage"] = dataclasses.field(repr=False, compare=False)
    pipeline_id: str
    page_size: int
    runs: List[DataPipelineRun]
    next_page_token: str

    def next_page(self) -> "DataPipelineRunsPage":
        """The following page (one with no runs after the last)."""
        if not self.next_page_token:
            return DataPipelineRunsPage(self._fetch, self.pipeline_id, self.page_size, [], "")
        return self._fetch(self.next_page_token)


__all__ = [
    "CAPTURE_COLUMNS",
    "DataPipeline",
    "DataPipelineRun",
    "DataPipelineRunsPage",
    "DatabaseConnection",
    "TABULAR_COLUMNS",
    "TabularData",
    "TabularDataPoint",
    "capture_metadata_to_dict",
    "iso_utc",
    "sorted_keys",
    "tabular_record",
]


_PARTITION_KINDS = ("tabular", "binary")
_PARTITION_FORMAT = 1


@dataclass(frozen=True)
class Partition:
    """One part of a plan (:meth:`DataClient.plan_tabular` / ``plan_binary``): a filter
    narrowed to a half-open ``time_received`` range, as a plain value a scheduler can
    hand to another process or machine.

    It is frozen and hashable, pickles, and round-trips through :meth:`to_json` /
    :meth:`from_json`. It holds no credentials: the reader rebuilds its own client and
    calls :meth:`DataClient.read_partition`. The partitions of one plan are disjoint
    and cover the plan's window exactly.

    Attributes:
        kind: ``"tabular"`` or ``"binary"``.
        filter_bytes: the caller's ``Filter``, serialized (without this range).
        start_ns: where the range starts, in ns since the epoch (inclusive); ``None``
            when the plan's filter had no start.
        end_ns: where it ends (exclusive); ``None`` only when open.
        estimated_rows: rows (or items) counted in the range when it was planned.
        estimated_bytes: their bytes as the service reported them (file sizes for
            binary data).
        index: its place in the plan (0-based, in time order).
        count: how many partitions the plan has.
        include_internal_data: the plan's ``include_internal_data``.
        arrow_schema: the Arrow schema settled for the whole plan when it was made
            (serialized; ``None`` without pyarrow): every partition's ``to_arrow()``
            and ``iter_batches()`` use it, so their tables concatenate.

    Example::

        plan = client.plan_tabular(create_filter(component_name="sensor-1"))
        payloads = [p.to_json() for p in plan]                # to workers
        rows = list(other_client.read_partition(Partition.from_json(payloads[0])))
    """

    kind: str
    filter_bytes: bytes
    start_ns: Optional[int]
    end_ns: Optional[int]
    estimated_rows: int = 0
    estimated_bytes: int = 0
    index: int = 0
    count: int = 1
    include_internal_data: bool = False
    arrow_schema: Optional[bytes] = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.arrow_schema is not None and not isinstance(self.arrow_schema, bytes):
            raise TypeError("arrow_schema must be bytes (a serialized pyarrow.Schema) or None")
        if self.kind not in _PARTITION_KINDS:
            raise ValueError(f"kind must be one of {_PARTITION_KINDS}, not {self.kind!r}")
        if not isinstance(self.filter_bytes, bytes):
            raise TypeError("filter_bytes must be bytes (a serialized Filter)")
        for name in ("start_ns", "end_ns"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
                raise TypeError(f"{name} must be an int (ns since the epoch) or None")
        if self.start_ns is not None and self.end_ns is not None and self.end_ns <= self.start_ns:
            raise ValueError("end_ns must be after start_ns")
        for name in ("estimated_rows", "estimated_bytes", "index", "count"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"{name} must be an int >= 0")
        try:
            data_pb2.Filter.FromString(self.filter_bytes)
        except _message.DecodeError as exc:
            raise ValueError("filter_bytes is not a serialized Filter") from exc

    @property
    def filter(self) -> data_pb2.Filter:
        """The plan's filter narrowed to this partition's range (what it reads)."""
        return with_interval(data_pb2.Filter.FromString(self.filter_bytes), self.start_ns, self.end_ns)

    @property
    def start(self) -> Optional[_dt.datetime]:
        """``start_ns`` as an aware UTC datetime (microseconds), or ``None``."""
        return None if self.start_ns is None else ns_to_datetime(self.start_ns)

    @property
    def end(self) -> Optional[_dt.datetime]:
        """``end_ns`` as an aware UTC datetime (microseconds), or ``None``."""
        return None if self.end_ns is None else ns_to_datetime(self.end_ns)

    @property
    def key(self) -> str:
        """A short stable name for this partition (its kind, filter and range hashed):
        the same partition always has the same key, e.g. for an output file name."""
        digest = hashlib.sha256(b"%s\x00%s\x00%r\x00%r\x00%r" % (
            self.kind.encode(), self.filter_bytes, self.start_ns, self.end_ns, self.include_internal_data))
        return f"{self.kind}-{self.index:05d}-{digest.hexdigest()[:12]}"

    def to_json(self) -> str:
        """This partition as a JSON string (:meth:`from_json` reads it back)."""
        return json.dumps({
            "v": _PARTITION_FORMAT, "kind": self.kind,
            "filter": base64.b64encode(self.filter_bytes).decode("ascii"),
            "start_ns": self.start_ns, "end_ns": self.end_ns,
            "estimated_rows": self.estimated_rows, "estimated_bytes": self.estimated_bytes,
            "index": self.index, "count": self.count, "include_internal_data": self.include_internal_data,
            "arrow_schema": None if self.arrow_schema is None else base64.b64encode(self.arrow_schema).decode("ascii"),
        }, sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: "str | bytes | Mapping[str, Any]") -> "Partition":
        """The partition :meth:`to_json` wrote (a JSON string, or the dict it parses to).

        Raises:
            ValueError: not a partition's JSON (or a newer format).
        """
        try:
            data = dict(text) if isinstance(text, Mapping) else json.loads(text)
        except (TypeError, ValueError) as exc:
            raise ValueError("not a Partition's JSON") from exc
        if not isinstance(data, dict) or data.get("v") != _PARTITION_FORMAT:
            raise ValueError("not a Partition's JSON (or written by a newer viam-data-sync)")
        try:
            return cls(
                kind=data["kind"], filter_bytes=base64.b64decode(data["filter"], validate=True),
                start_ns=data["start_ns"], end_ns=data["end_ns"], estimated_rows=data["estimated_rows"],
                estimated_bytes=data["estimated_bytes"], index=data["index"], count=data["count"],
                include_internal_data=bool(data["include_internal_data"]),
                arrow_schema=None if data.get("arrow_schema") is None
                else base64.b64decode(data["arrow_schema"], validate=True),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"not a Partition's JSON: {exc}") from exc

