"""``viam-data-sync upload --tabular FILE.jsonl``: readings from JSON Lines, uploaded
through ``DataCaptureUpload`` in batches (``tabular_data_capture_upload``).

Each line is one JSON object, either

* a record as ``export tabular`` writes it (it has a ``data`` key): the reading is its
  ``data``, its times are ``time_requested``/``time_received``, and its
  ``component_type``, ``component_name``, ``method_name`` and ``tags`` are the
  destination unless a flag says otherwise; or
* a reading itself, e.g. ``{"readings": {"temp": 21.5}}``, sent to the component the
  flags name. Bare readings of a file are stamped from the moment the upload starts,
  one microsecond apart in line order: distinct, increasing capture times, so they
  keep their order and never tie (a page of readings then seeks past the one before).

So an export of one machine's readings uploads again as it is. Consecutive lines with
one destination go up together, at most ``--batch-size`` a request.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import json
import os
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple

from viam_data_sync.cli._errors import EXIT_LOCAL_FILE, EXIT_USAGE, CliError
from viam_data_sync.cli._progress import Progress, ProgressMode

#: ``(component_type, component_name, method_name, tags)`` of a batch.
Destination = Tuple[str, str, str, Tuple[str, ...]]
_Times = Tuple[_dt.datetime, _dt.datetime]


@dataclasses.dataclass
class TabularUploadResult:
    """One ``DataCaptureUpload`` request: the file, its lines, the id it got."""

    path: str
    first_line: int
    readings: int
    file_id: str


@dataclasses.dataclass
class _Flags:
    component_type: Optional[str]
    component_name: Optional[str]
    method_name: Optional[str]
    tags: Optional[List[str]]


def upload_readings(
    client: Any,
    paths: Sequence[str],
    part_id: str,
    *,
    component_type: Optional[str] = None,
    component_name: Optional[str] = None,
    method_name: Optional[str] = None,
    tags: Optional[List[str]] = None,
    batch_size: int = 500,
    progress: ProgressMode = False,
    on_uploaded: Optional[Callable[[TabularUploadResult], None]] = None,
) -> List[TabularUploadResult]:
    """Upload the readings of JSON Lines files (see the module docstring).

    Every file is read and checked before the first request, so a bad line sends
    nothing.

    Raises:
        CliError: a file is missing, a line is not a JSON object, or a line has no
            component name (exit 2 or 7).

    Example::

        with DataClient.from_env() as client:
            upload_readings(client, ["readings.jsonl"], part_id, component_name="sensor-1")
    """
    if batch_size < 1:
        raise CliError("--batch-size must be at least 1", EXIT_USAGE)
    flags = _Flags(component_type, component_name, method_name, tags or None)
    batches = [batch for path in paths for batch in _batches(path, flags, batch_size)]
    results: List[TabularUploadResult] = []
    total = sum(len(points) for _, _, _, points, _ in batches)
    with Progress(progress, total=total, desc="upload", unit="row", count_bytes=True) as bar:
        for path, first, destination, points, size in batches:
            kind, name, method, labels = destination
            file_id = client.tabular_data_capture_upload(
                [reading for reading, _ in points],
                part_id,
                kind,
                name,
                method,
                [times for _, times in points],
                tags=list(labels) or None,
            )
            result = TabularUploadResult(path, first, len(points), file_id)
            results.append(result)
            bar.update(len(points), size)
            if on_uploaded is not None:
                on_uploaded(result)
    return results


_Batch = Tuple[str, int, Destination, List[Tuple[Dict[str, Any], _Times]], int]


def _batches(path: str, flags: _Flags, size: int) -> Iterator[_Batch]:
    """The file's lines as batches: consecutive lines with one destination, at most
    ``size`` each, with the line number of the first and their bytes."""
    batch: List[Tuple[Dict[str, Any], _Times]] = []
    current: Destination = ("", "", "", ())
    first = nbytes = 0
    for number, line, point, destination in _points(path, flags):
        if batch and (destination != current or len(batch) == size):
            yield path, first, current, batch, nbytes
            batch, nbytes = [], 0
        if not batch:
            first, current = number, destination
        batch.append(point)
        nbytes += len(line)
    if batch:
        yield path, first, current, batch, nbytes


def _points(path: str, flags: _Flags) -> Iterator[Tuple[int, bytes, Tuple[Dict[str, Any], _Times], Destination]]:
    if os.path.isdir(path):
        raise CliError(f"{path} is a directory: --tabular takes JSON Lines files", EXIT_USAGE)
    now = _dt.datetime.now(_dt.timezone.utc)
    try:
        with open(path, "rb") as handle:
            lines = handle.readlines()
    except OSError as exc:
        raise CliError(f"{path}: {exc.strerror or exc}", EXIT_LOCAL_FILE) from None
    bare = 0
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            record = json.loads(line)
        except ValueError as exc:
            raise CliError(f"{where}: not JSON ({exc})", EXIT_USAGE) from None
        if not isinstance(record, dict):
            raise CliError(f"{where}: expected a JSON object", EXIT_USAGE)
        if "data" not in record:
            bare += 1
        stamp = now + _dt.timedelta(microseconds=bare)
        yield number, line, _point(record, stamp, where), _destination(record, flags, where)


def _point(record: Dict[str, Any], now: _dt.datetime, where: str) -> Tuple[Dict[str, Any], _Times]:
    if "data" not in record:
        return record, (now, now)
    reading = record["data"]
    if not isinstance(reading, dict):
        raise CliError(f"{where}: 'data' must be a JSON object", EXIT_USAGE)
    requested = _time(record.get("time_requested"), where) or now
    received = _time(record.get("time_received"), where) or requested
    return reading, (requested, received)


def _time(value: Any, where: str) -> Optional[_dt.datetime]:
    if value in (None, ""):
        return None
    try:
        moment = _dt.datetime.fromisoformat(str(value))
    except ValueError:
        raise CliError(f"{where}: not an RFC 3339 time: {value!r}", EXIT_USAGE) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=_dt.timezone.utc)


def _destination(record: Dict[str, Any], flags: _Flags, where: str) -> Destination:
    exported = "data" in record

    def pick(flag: Optional[str], key: str, default: str) -> str:
        if flag:
            return flag
        value = record.get(key) if exported else None
        return str(value) if value else default

    name = pick(flags.component_name, "component_name", "")
    if not name:
        raise CliError(f"{where}: no component name (pass --component-name)", EXIT_USAGE)
    tags = flags.tags if flags.tags is not None else (record.get("tags") if exported else None)
    return (
        pick(flags.component_type, "component_type", "rdk:component:sensor"),
        name,
        pick(flags.method_name, "method_name", "Readings"),
        tuple(str(tag) for tag in (tags or ())),
    )
