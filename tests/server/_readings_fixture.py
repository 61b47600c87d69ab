"""Builds a small ``readings`` store for the SQL and MQL engine tests."""
from __future__ import annotations

import datetime as dt
import json
import sqlite3
import uuid
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional

from viam_data_sync.server.store.schema import create_schema

UTC = dt.timezone.utc
T0 = dt.datetime(2024, 1, 1, tzinfo=UTC)

_INSERT = """
INSERT INTO readings (reading_id, organization_id, location_id, robot_id, robot_name, part_id,
    part_name, component_type, component_name, method_name, method_parameters, tags,
    mime_type, time_requested_ns, time_received_ns, data)
VALUES (:reading_id, :organization_id, :location_id, :robot_id, :robot_name, :part_id,
    :part_name, :component_type, :component_name, :method_name, :method_parameters, :tags,
    :mime_type, :time_requested_ns, :time_received_ns, :data)
"""


def to_ns(value: dt.datetime) -> int:
    """Integer ns since the epoch for an aware datetime."""
    return (value - dt.datetime(1970, 1, 1, tzinfo=UTC)) // dt.timedelta(microseconds=1) * 1000


def row(
    *,
    organization_id: str = "org-1",
    component_name: str = "temp",
    component_type: str = "rdk:component:sensor",
    method_name: str = "Readings",
    time_received: dt.datetime = T0,
    time_requested: Optional[dt.datetime] = None,
    data: Optional[Dict[str, Any]] = None,
    tags: Iterable[str] = (),
    method_parameters: Optional[Dict[str, Any]] = None,
    robot_id: str = "robot-1",
    part_id: str = "part-1",
    location_id: str = "loc-1",
    extra_ns: int = 0,
) -> Dict[str, Any]:
    """One ``readings`` row as insert parameters."""
    requested = time_requested if time_requested is not None else time_received
    return {
        "reading_id": uuid.uuid4().hex,
        "organization_id": organization_id,
        "location_id": location_id,
        "robot_id": robot_id,
        "robot_name": "secret-robot-name",
        "part_id": part_id,
        "part_name": "secret-part-name",
        "component_type": component_type,
        "component_name": component_name,
        "method_name": method_name,
        "method_parameters": json.dumps(method_parameters or {}),
        "tags": json.dumps(list(tags)),
        "mime_type": "",
        "time_requested_ns": to_ns(requested) + extra_ns,
        "time_received_ns": to_ns(time_received) + extra_ns,
        "data": json.dumps(data if data is not None else {"readings": {}}),
    }


def open_store(path: Path, rows: List[Dict[str, Any]]) -> sqlite3.Connection:
    """A fresh store file at ``path`` holding ``rows``."""
    conn = sqlite3.connect(str(path))
    create_schema(conn)
    conn.executemany(_INSERT, rows)
    conn.commit()
    return conn


def standard_rows() -> List[Dict[str, Any]]:
    """Sensor, motor and vision readings in org-1, plus look-alikes in org-2."""
    rows = []
    for i in range(6):
        rows.append(row(
            component_name="temp",
            time_received=T0 + dt.timedelta(hours=i),
            data={"readings": {"temperature": 20 + i, "temp-1": i * 1.5, "ok": i % 2 == 0,
                               "nested": {"a": i}}},
            tags=["lab"] if i < 3 else [],
            method_parameters={"pin_name": f"p{i}"},
        ))
    for i in range(3):
        rows.append(row(
            component_name="motor", component_type="rdk:component:motor",
            method_name="Position", time_received=T0 + dt.timedelta(days=1, minutes=i),
            data={"position": i * 10}, robot_id="robot-2", part_id="part-2",
        ))
    rows.append(row(
        component_name="cam", component_type="rdk:component:camera",
        method_name="Detections", time_received=T0 + dt.timedelta(days=2),
        data={"detections": [{"class_name": "cat", "confidence": 0.9},
                             {"class_name": "dog", "confidence": 0.4}]},
    ))
    for i in range(4):
        rows.append(row(
            organization_id="org-2", component_name="temp",
            time_received=T0 + dt.timedelta(hours=i),
            data={"readings": {"temperature": 100 + i}},
        ))
    return rows
