"""Ids and clocks of the store's rows, and the fleet registry's id records."""

from __future__ import annotations

import sqlite3
import threading
import time
import uuid
from dataclasses import dataclass
from typing import List


def now_ns() -> int:
    return time.time_ns()


def new_id() -> str:
    return str(uuid.uuid4())


class IngestIds:
    """Reading ids (the MQL ``_id``) in the order readings are stored.

    Like a MongoDB ObjectId, an id is 24 hex digits that start with the time the
    service stored the reading, here the whole nanosecond clock, made strictly
    increasing. Ids are taken inside the write transaction (the store's write lock
    serializes commits), so a reader that sees id X has every smaller id visible too:
    ``_id > last`` finds exactly what was stored since, whatever its capture time.
    Databases written before ids were ordered keep their old (random) ids.
    """

    def __init__(self) -> None:
        self._last = 0
        self._lock = threading.Lock()
        self._loaded = False

    def take(self, conn: sqlite3.Connection, n: int) -> List[str]:
        with self._lock:
            if not self._loaded:
                row = conn.execute("SELECT max(reading_id) FROM readings WHERE length(reading_id) = 24").fetchone()
                self._last = int(row[0], 16) if row and row[0] else 0
                self._loaded = True
            start = max(time.time_ns(), self._last + 1)
            self._last = start + n - 1
        return [f"{start + k:024x}" for k in range(n)]


@dataclass(frozen=True)
class PartInfo:
    """A part and everything above it in the fleet registry."""

    organization_id: str
    location_id: str
    robot_id: str
    robot_name: str
    part_id: str
    part_name: str


@dataclass(frozen=True)
class FleetIds:
    """Ids (and names) of one organization -> location -> robot -> part chain."""

    organization_id: str
    organization_name: str
    location_id: str
    location_name: str
    robot_id: str
    robot_name: str
    part_id: str
    part_name: str
