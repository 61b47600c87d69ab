"""The options of the Spark data sources (all strings, as Spark passes them), checked
once, on the driver, before anything is sent: a filter, a time window, the planning
and reading knobs, and how to connect.

Credentials come from the executors' environment (``VIAM_API_KEY``,
``VIAM_API_KEY_ID``, read by ``DataClient.from_env``) unless the ``api_key`` and
``api_key_id`` options are given. An option key is kept in a :class:`Secret`, whose
repr hides it, and never in a partition.
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
from dataclasses import dataclass
from typing import Any, Dict, Mapping, Optional, Tuple

from viam_data_sync._defaults import (
    DEFAULT_MAX_PARTITIONS,
    DEFAULT_TARGET_BYTES,
    DEFAULT_TARGET_ITEMS,
    DEFAULT_TARGET_ROWS,
)
from viam_data_sync._arrow import DEFAULT_BATCH_ROWS
from viam_data_sync._client import DataClient
from viam_data_sync._convert import datetime_to_ns
from viam_data_sync._filters import create_filter
from viam_data_sync._planning import with_interval
from viam_data_sync._proto.app.data.v1 import data_pb2
from viam_data_sync._retry import RetryPolicy

#: ``create_filter`` arguments that take one string.
TEXT_FIELDS = ("component_name", "component_type", "method", "robot_name", "robot_id", "part_name", "part_id",
               "dataset_id")
#: ``create_filter`` arguments that take a list (comma-separated in an option).
LIST_FIELDS = ("location_ids", "organization_ids", "mime_type", "tags", "bbox_labels")
_CONNECTION = ("address", "insecure", "timeout", "max_attempts", "api_key", "api_key_id")
_COMMON = ("start", "end", "max_partitions", "page_size", "parallel", "batch_rows", "include_internal_data",
           "pushdown")
_BY_KIND = {"tabular": ("target_rows",), "binary": ("target_items", "target_bytes", "include_binary_data")}
_TRUE, _FALSE = ("1", "true", "yes"), ("0", "false", "no")


def known_options(kind: str) -> Tuple[str, ...]:
    """Every option the ``kind`` source takes, in a stable order."""
    return TEXT_FIELDS + LIST_FIELDS + _COMMON + _BY_KIND[kind] + _CONNECTION


class Secret:
    """A string that never shows itself: its repr and str are ``<hidden>``.

    Example::

        key = Secret("abc")
        print(key)            # <hidden>
    """

    __slots__ = ("value",)

    def __init__(self, value: str) -> None:
        self.value = value

    def __repr__(self) -> str:
        return "<hidden>"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other.value == self.value

    def __hash__(self) -> int:
        return hash(self.value)


@dataclass(frozen=True)
class Connection:
    """How an executor (or the driver) builds its client. Without ``api_key`` the
    client comes from the environment where it runs (``DataClient.from_env``)."""

    address: Optional[str] = None
    insecure: Optional[bool] = None
    timeout: Optional[float] = None
    max_attempts: Optional[int] = None
    api_key: Optional[Secret] = None
    api_key_id: Optional[str] = None

    def client(self) -> DataClient:
        """A new client for this process."""
        kwargs: Dict[str, Any] = {}
        if self.address is not None:
            kwargs["address"] = self.address
        if self.insecure is not None:
            kwargs["insecure"] = self.insecure
        if self.timeout is not None:
            kwargs["timeout"] = self.timeout
        if self.max_attempts is not None:
            kwargs["retry"] = RetryPolicy(max_attempts=self.max_attempts)
        if self.api_key is None or self.api_key_id is None:
            return DataClient.from_env(**kwargs)
        return DataClient.from_api_key(self.api_key.value, self.api_key_id, **kwargs)


@dataclass(frozen=True)
class ReadOptions:
    """A read, as its options say: what to plan and how to read it."""

    kind: str
    fields: Tuple[Tuple[str, Any], ...] = ()
    start_ns: Optional[int] = None
    end_ns: Optional[int] = None
    target_rows: int = DEFAULT_TARGET_ROWS
    target_bytes: int = DEFAULT_TARGET_BYTES
    max_partitions: int = DEFAULT_MAX_PARTITIONS
    page_size: Optional[int] = None
    parallel: int = 1
    batch_rows: int = DEFAULT_BATCH_ROWS
    include_internal_data: bool = False
    include_binary_data: bool = False
    pushdown: bool = False
    connection: Connection = Connection()

    def filter(self) -> data_pb2.Filter:
        """The ``Filter`` to plan: the filter fields and the window ``[start_ns, end_ns)``."""
        return with_interval(create_filter(**dict(self.fields)), self.start_ns, self.end_ns)

    def replace(self, **changes: Any) -> "ReadOptions":
        return dataclasses.replace(self, **changes)


def _flag(name: str, text: str) -> bool:
    value = text.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"option {name!r} must be true or false, got {text!r}")


def _int(name: str, text: str, minimum: int = 1) -> int:
    try:
        value = int(text.strip())
    except ValueError:
        raise ValueError(f"option {name!r} must be an integer, got {text!r}") from None
    if value < minimum:
        raise ValueError(f"option {name!r} must be >= {minimum}, got {value}")
    return value


def _moment(name: str, text: str) -> int:
    """An ISO 8601 time (``Z`` or an offset; naive is UTC) as ns since the epoch."""
    try:
        value = _dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"option {name!r} must be an ISO 8601 time such as 2025-01-01T00:00:00Z, "
                         f"got {text!r}") from None
    return datetime_to_ns(value)


def _connection(options: Mapping[str, str]) -> Connection:
    key, key_id = options.get("api_key"), options.get("api_key_id")
    if (key is None) != (key_id is None):
        raise ValueError("options 'api_key' and 'api_key_id' go together: give both or neither "
                         "(without them the executors read VIAM_API_KEY and VIAM_API_KEY_ID)")
    if key is not None and (not key or not key_id):
        raise ValueError("options 'api_key' and 'api_key_id' must not be empty")
    timeout = options.get("timeout")
    seconds: Optional[float] = None
    if timeout is not None:
        try:
            seconds = float(timeout)
        except ValueError:
            raise ValueError(f"option 'timeout' must be a number of seconds, got {timeout!r}") from None
        if not seconds > 0:
            raise ValueError(f"option 'timeout' must be > 0, got {timeout!r}")
    return Connection(
        address=options.get("address") or None,
        insecure=None if "insecure" not in options else _flag("insecure", options["insecure"]),
        timeout=seconds,
        max_attempts=None if "max_attempts" not in options else _int("max_attempts", options["max_attempts"]),
        api_key=None if key is None else Secret(key),
        api_key_id=key_id,
    )


def parse_options(kind: str, options: Mapping[str, str]) -> ReadOptions:
    """The :class:`ReadOptions` of a ``kind`` (``"tabular"`` or ``"binary"``) source.

    Raises:
        ValueError: an unknown option or a value that does not parse (named, its value
            shown unless it is a credential).

    Example::

        parse_options("tabular", {"component_name": "sensor-1", "start": "2025-01-01T00:00:00Z"})
    """
    given = {str(name).lower(): str(value) for name, value in options.items()}
    unknown = sorted(set(given) - set(known_options(kind)))
    if unknown:
        raise ValueError(f"unknown option(s) {', '.join(map(repr, unknown))}; the {kind} source takes: "
                         f"{', '.join(known_options(kind))}")
    fields: Dict[str, Any] = {name: given[name] for name in TEXT_FIELDS if given.get(name)}
    for name in LIST_FIELDS:
        if given.get(name):
            fields[name] = tuple(part.strip() for part in given[name].split(",") if part.strip())
    start = _moment("start", given["start"]) if given.get("start") else None
    end = _moment("end", given["end"]) if given.get("end") else None
    if start is not None and end is not None and end <= start:
        raise ValueError("option 'end' must be after 'start'")
    numbers: Dict[str, Any] = {name: _int(name, given[name]) for name in
               ("target_rows", "target_items", "target_bytes", "max_partitions", "page_size", "parallel",
                "batch_rows") if name in given}
    flags: Dict[str, Any] = {name: _flag(name, given[name]) for name in
             ("include_internal_data", "include_binary_data", "pushdown") if name in given}
    target = numbers.pop("target_items", None) if kind == "binary" else numbers.pop("target_rows", None)
    return ReadOptions(
        kind=kind, fields=tuple(sorted(fields.items())), start_ns=start, end_ns=end,
        target_rows=target or (DEFAULT_TARGET_ITEMS if kind == "binary" else DEFAULT_TARGET_ROWS),
        connection=_connection(given), **numbers, **flags,
    )
