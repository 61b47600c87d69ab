"""Incremental sync: export only what the service stored since the last run, one new
file per run, with the position saved in a state file.

The position is the reading ``_id``, which orders readings by when the service stored
them (a MongoDB ObjectId starts with that time; the local server's ids are strictly
increasing in commit order), not by capture time, so readings a device buffered
offline and uploaded late are picked up by the next run.

A run: read the state; find the newest ``_id`` matching (one cheap MQL call, the
run's upper bound); export ``last < _id <= bound`` (keyset-paged MQL) to
``dest/tabular-after-<last>.<ext>``, atomically; then save the state (atomically)
with ``last = bound``. The file's name depends only on where the run starts, so a run
killed after its file was written and before its state was saved is redone into the
same file, replacing it: no gap and no duplicate, wherever a run is killed.

A chapter of :class:`~viam_data_sync.DataClient` (see ``_client.py`` for the index).
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Tuple

import bson

from viam_data_sync._api._base import ClientBase
from viam_data_sync._api.sources import mql_iterator
from viam_data_sync._checks import check_count, check_text
from viam_data_sync._config import USE_CLIENT_DEFAULT
from viam_data_sync._atomic import PathLike, remove_stale_temps, write_atomic
from viam_data_sync._export import check_format, export_rows
from viam_data_sync._defaults import MQL_PAGE_SIZE

_STATE_FORMAT = 1
_START = "0" * 24  # before every id


@dataclass(frozen=True)
class SyncRun:
    """What one :meth:`DataClient.sync_tabular` run did.

    Attributes:
        path: the file written (``None`` when nothing new had arrived).
        rows: rows in it.
        bytes: its size.
        sha256: its SHA-256 (``""`` without a file).
        after: the ``_id`` this run started after (``None``: the first run).
        last: the ``_id`` the next run starts after.
    """

    path: Optional[str]
    rows: int
    bytes: int
    sha256: str
    after: Optional[str]
    last: Optional[str]

    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)


def _query_hash(organization_id: str, match: Mapping[str, Any]) -> str:
    text = json.dumps([organization_id, match], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _read_state(path: Path, query: str) -> Tuple[Any, int]:
    """``(last _id or None, runs so far)`` from a state file (none yet: ``(None, 0)``)."""
    if not path.exists():
        return None, 0
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ValueError(f"state file {path} is not a sync state (corrupted?)") from exc
    if not isinstance(state, dict) or state.get("v") != _STATE_FORMAT:
        raise ValueError(f"state file {path} is not a sync state of this version")
    if state.get("query") != query:
        raise ValueError(f"state file {path} belongs to another organization or match")
    last = state.get("last")
    if last is not None and state.get("type") == "objectid":
        last = bson.ObjectId(last)  # the cloud's ids: compare as ObjectIds, not as text
    return last, int(state.get("runs", 0))


def _save_state(path: Path, query: str, last: Any, runs: int) -> None:
    kind = "objectid" if isinstance(last, bson.ObjectId) else "text"
    text = json.dumps({"v": _STATE_FORMAT, "query": query, "last": str(last), "type": kind, "runs": runs})
    write_atomic(path, lambda handle: handle.write(text + "\n"))


class IncrementalSync(ClientBase):
    """``sync_tabular``: incremental exports, resumable at any point."""

    def sync_tabular(
        self,
        organization_id: str,
        dest: PathLike,
        *,
        state: PathLike,
        match: Optional[Mapping[str, Any]] = None,
        format: str = "jsonl",
        page_size: int = MQL_PAGE_SIZE,
        timeout: Any = USE_CLIENT_DEFAULT,
    ) -> SyncRun:
        """Export the readings stored since the last run into one new file in ``dest``.

        Args:
            organization_id: whose readings.
            dest: the folder for the files (``tabular-after-<id>.jsonl`` or ``.parquet``).
            state: the state file (JSON; created by the first run, saved atomically
                after the run's file is durable).
            match: an MQL ``$match`` on the readings, e.g. ``{"component_name": "sensor-1"}``.
            format: ``"jsonl"`` (the MQL documents, one per line) or ``"parquet"``.
            page_size: documents per request.
            timeout: per-request timeout (seconds).

        Returns:
            A :class:`SyncRun` (``path`` is ``None`` when nothing new arrived).

        Example::

            run = client.sync_tabular(org_id, "/data/sensor-1", state="/data/sensor-1.state",
                                      match={"component_name": "sensor-1"})
            print(run.path, run.rows)
        """
        check_text("organization_id", organization_id)
        fmt = check_format(format)
        check_count("page_size", page_size, minimum=1)
        conditions = dict(match or {})
        if "_id" in conditions:
            raise ValueError("match must not constrain _id: the sync does")
        folder, state_path = Path(dest), Path(state)
        folder.mkdir(parents=True, exist_ok=True)
        query = _query_hash(organization_id, conditions)
        after, runs = _read_state(state_path, query)
        newest = mql_iterator(self._caller, organization_id,
                              [{"$match": conditions}, {"$sort": {"_id": -1}}, {"$limit": 1}, {"$project": {"_id": 1}}],
                              key="_id", page_size=1, max_results=1, timeout=timeout)
        top = next(iter(newest), None)
        bound = None if top is None else top["_id"]
        previous = None if after is None else str(after)
        if bound is None or (after is not None and bound <= after):
            return SyncRun(None, 0, 0, "", previous, previous)
        window: Dict[str, Any] = {"$lte": bound}
        if after is not None:
            window["$gt"] = after
        rows = mql_iterator(self._caller, organization_id, [{"$match": {**conditions, "_id": window}}],
                            key="_id", page_size=page_size, timeout=timeout)
        name = f"tabular-after-{previous or _START}.{fmt}"
        remove_stale_temps(folder / name)  # left by a run killed mid-write
        done = export_rows(rows, folder / name, fmt)
        _save_state(state_path, query, bound, runs + 1)
        return SyncRun(done.path, done.rows, done.bytes, done.sha256, previous, str(bound))
