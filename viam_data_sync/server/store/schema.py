"""The local server's SQLite schema for tabular readings, shared by the store and the
SQL and MQL engines.

One row per capture event, shaped like the cloud's ``sensorData.readings``
(see the README, "The readings table"). Times are integer nanoseconds since the Unix
epoch, UTC. JSON columns hold JSON text.
"""
from __future__ import annotations

import datetime as _dt
import json
import sqlite3
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from viam_data_sync._convert import ns_to_datetime

READINGS_DDL = """
CREATE TABLE IF NOT EXISTS readings (
    id               INTEGER PRIMARY KEY AUTOINCREMENT, -- insertion order, cursor tie-break
    reading_id       TEXT NOT NULL UNIQUE,              -- opaque id, the MQL _id
    organization_id  TEXT NOT NULL,
    location_id      TEXT NOT NULL,
    robot_id         TEXT NOT NULL,
    robot_name       TEXT NOT NULL,
    part_id          TEXT NOT NULL,
    part_name        TEXT NOT NULL,
    component_type   TEXT NOT NULL,
    component_name   TEXT NOT NULL,
    method_name      TEXT NOT NULL,
    method_parameters TEXT NOT NULL DEFAULT '{}',       -- JSON object
    tags             TEXT NOT NULL DEFAULT '[]',        -- JSON array of strings
    mime_type        TEXT NOT NULL DEFAULT '',
    time_requested_ns INTEGER,                          -- NULL when not sent
    time_received_ns INTEGER NOT NULL,
    data             TEXT NOT NULL,                     -- JSON object: the reading payload
    data_pb          BLOB,                              -- the same payload as a serialized
                                                        -- google.protobuf.Struct (served as is)
    time_synced_ns   INTEGER                            -- when the server stored it (NULL in
                                                        -- stores older than the column)
);
CREATE INDEX IF NOT EXISTS readings_org_time ON readings (organization_id, time_received_ns, id);
CREATE INDEX IF NOT EXISTS readings_source ON readings
    (organization_id, part_id, component_name, method_name, time_received_ns, id);
CREATE INDEX IF NOT EXISTS readings_robot ON readings (organization_id, robot_id, time_received_ns, id);
CREATE INDEX IF NOT EXISTS readings_location ON readings (organization_id, location_id, time_received_ns, id);
CREATE INDEX IF NOT EXISTS readings_component ON readings
    (organization_id, component_type, component_name, time_received_ns, id);
"""

#: The columns the cloud's ``readings`` table exposes to SQL and MQL, in order.
#: ``robot_name`` and ``part_name`` are stored but, as in the cloud, not queryable.
QUERY_COLUMNS = (
    "organization_id",
    "location_id",
    "robot_id",
    "part_id",
    "component_type",
    "component_name",
    "method_name",
    "time_requested",
    "time_received",
    "tags",
    "additional_parameters",
    "data",
)


def create_schema(conn: sqlite3.Connection) -> None:
    conn.executescript(READINGS_DDL)
    columns = {row[1] for row in conn.execute("PRAGMA table_info(readings)")}
    if "data_pb" not in columns:  # a store created before the column existed
        conn.execute("ALTER TABLE readings ADD COLUMN data_pb BLOB")
    if "time_synced_ns" not in columns:
        conn.execute("ALTER TABLE readings ADD COLUMN time_synced_ns INTEGER")


#: Component types of the RDK's internal resources (``rdk-internal:...``): the data a
#: filter query's ``include_internal_data`` brings in.
INTERNAL_TYPE_PATTERN = "rdk-internal:%"


def captured_ns(row: sqlite3.Row) -> int:
    """When a reading was captured: its ``time_requested``, or ``time_received`` without one."""
    requested = row["time_requested_ns"]
    return int(row["time_received_ns"] if requested is None else requested)


def unstorable_key(value: Any) -> Optional[str]:
    """The path (``a.b``, keys shown with ``repr``) of the first key BSON cannot hold,
    anywhere inside ``value``, or None. BSON keys are C strings: no NUL character."""
    stack: List[tuple[str, Any]] = [("", value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, Mapping):
            for key, child in item.items():
                where = f"{path}.{key!r}" if path else repr(key)
                if "\x00" in str(key):
                    return where
                stack.append((where, child))
        elif isinstance(item, list):
            stack.extend((f"{path}[{i}]", child) for i, child in enumerate(item))
    return None


def _bson_time(ns: Any) -> Any:
    if ns is None:
        return None
    # BSON dates have millisecond precision.
    value: _dt.datetime = ns_to_datetime(int(ns))
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


_EPOCH_NAIVE = _dt.datetime(1970, 1, 1)


def naive_bson_time(ns: Any) -> Any:
    """``ns`` as a naive-UTC datetime truncated to BSON's milliseconds (as pymongo decodes
    it), or None: the time field of a document as the MQL evaluator sees it.

    Example:
        >>> naive_bson_time(1_500_999_999)
        datetime.datetime(1970, 1, 1, 0, 0, 1, 500000)
    """
    if ns is None:
        return None
    return _EPOCH_NAIVE + _dt.timedelta(microseconds=int(ns) // 1_000_000 * 1000)


#: A reading's MQL document (as the cloud stores it): each field in order, the column it
#: is read from, and how the column's value becomes the field's (None: as stored).
DOCUMENT_FIELDS: Tuple[Tuple[str, str, Optional[Callable[[Any], Any]]], ...] = (
    ("_id", "reading_id", None),
    ("organization_id", "organization_id", None),
    ("location_id", "location_id", None),
    ("robot_id", "robot_id", None),
    ("part_id", "part_id", None),
    ("component_type", "component_type", None),
    ("component_name", "component_name", None),
    ("method_name", "method_name", None),
    ("time_requested", "time_requested_ns", _bson_time),
    ("time_received", "time_received_ns", _bson_time),
    ("tags", "tags", json.loads),
    ("additional_parameters", "method_parameters", json.loads),
    ("data", "data", json.loads),
)


def reading_document(row: Any, fields: Sequence[Tuple[str, Any, Optional[Callable[[Any], Any]]]]
                     = DOCUMENT_FIELDS) -> Dict[str, Any]:
    """The MQL document for one ``readings`` row (as the cloud stores it), or only the
    ``fields`` given (entries shaped like :data:`DOCUMENT_FIELDS`, whose column may be
    an index into ``row``), in their order.

    Example:
        >>> reading_document(("r1", "{}"), [("_id", 0, None), ("data", 1, json.loads)])
        {'_id': 'r1', 'data': {}}
    """
    return {name: row[column] if convert is None else convert(row[column])
            for name, column, convert in fields}
