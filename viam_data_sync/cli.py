"""``viam-data-sync``: the command line for the Viam Data API and the local server.

Commands::

    viam-data-sync serve   [--db PATH] [--host H] [--port N] [--no-auth]
    viam-data-sync demo    [--out DIR]
    viam-data-sync export tabular --dest FILE|- [--format jsonl|csv] [filter flags]
    viam-data-sync export binary  --dest DIR [--parallel N] [--include-metadata] [filter flags]
    viam-data-sync upload  PATH... --part-id P [--recursive] [--tags a,b] [--dataset-id D]
    viam-data-sync sql     --org-id O QUERY            [--format jsonl|table]
    viam-data-sync mql     --org-id O PIPELINE_JSON    [--format jsonl|table]

Credentials: the API key id from ``--api-key-id`` or ``VIAM_API_KEY_ID``; the key itself
only from ``VIAM_API_KEY`` or ``--api-key-file`` (a flag value is visible to every user
of the machine through ``ps``; ``--api-key`` is accepted, with a warning, so that a
mistaken use is not echoed back by argparse). Secrets are never printed, in results,
errors or logs.

Results go to stdout, messages to stderr; every failure is one line on stderr and a
distinct exit code (see :data:`EXIT_CODES`); ``--verbose`` adds tracebacks.

**Exports are resumable.** ``export tabular`` writes ``FILE.partial`` and, after each
page, a checkpoint ``FILE.checkpoint`` (the iterator's resume cursor and the byte
offset of the output after that page, replaced atomically). Run the same command again
after an interruption: the partial file is cut back to the checkpoint's offset and the
export continues from the cursor, so the final file is byte-for-byte the one an
uninterrupted run writes. ``FILE`` appears (by rename) only when the export is
complete. ``export binary`` writes each file to a temporary name and renames it when
complete, so a file under its final name is always whole; a rerun skips those.

The functions :func:`export_tabular`, :func:`export_binary` and :func:`upload_paths`
are what the commands run; the demo calls them too.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import csv
import dataclasses
import datetime as _dt
import hashlib
import io
import json
import logging
import math
import os
import shutil
import struct
import sys
import time
import zlib
from pathlib import Path
from typing import Any, Callable, Dict, IO, Iterable, Iterator, List, Mapping, Optional, Sequence, Tuple

from viam_data_sync._atomic import TEMP_GLOB, publish, write_bytes_atomic, write_text_atomic
from viam_data_sync._dest import dumps, jsonl_line
from viam_data_sync._models import TABULAR_COLUMNS, iso_utc as iso, sorted_keys as _sorted_keys, tabular_record

LOG = logging.getLogger("viam_data_sync.cli")

PROG = "viam-data-sync"
DEFAULT_ADDRESS = "app.viam.com:443"
ENV_API_KEY = "VIAM_API_KEY"
ENV_API_KEY_ID = "VIAM_API_KEY_ID"
ENV_ADDRESS = "VIAM_APP_ADDRESS"
ENV_INSECURE = "VIAM_INSECURE"

# ---------------------------------------------------------------------- exit codes
EXIT_OK = 0
EXIT_FAILURE = 1  # anything else: a server-side error, a failed demo check
EXIT_USAGE = 2  # bad flags (argparse's own code)
EXIT_CREDENTIALS = 3  # no API key / key id, unreadable key file
EXIT_UNREACHABLE = 4  # the address cannot be reached, or the call timed out
EXIT_AUTH = 5  # the key was rejected, or may not do this
EXIT_INVALID = 6  # the server (or the SDK) rejected an argument; not found
EXIT_LOCAL_FILE = 7  # a local file or directory could not be read or written
EXIT_INTERRUPTED = 130  # Ctrl-C (an export can be resumed by running it again)

#: Exit code -> meaning, as printed in ``--help``.
EXIT_CODES: Dict[int, str] = {
    EXIT_OK: "success",
    EXIT_FAILURE: "other failure (server error, failed demo check, upload outcome unknown)",
    EXIT_USAGE: "bad command line",
    EXIT_CREDENTIALS: "missing or unreadable credentials",
    EXIT_UNREACHABLE: "service unreachable or timed out",
    EXIT_AUTH: "authentication failed or permission denied",
    EXIT_INVALID: "invalid argument or not found",
    EXIT_LOCAL_FILE: "local file error",
    EXIT_INTERRUPTED: "interrupted (rerun the same export to resume)",
}


class CliError(Exception):
    """A failure with a message for the user and an exit code."""

    def __init__(self, message: str, code: int = EXIT_FAILURE) -> None:
        super().__init__(message)
        self.code = code


# ---------------------------------------------------------------------- secrets
class _Secrets:
    """Values that must never reach the terminal; see :func:`redact`."""

    values: List[str] = []

    @classmethod
    def add(cls, value: Optional[str]) -> None:
        if value and len(value) >= 4 and value not in cls.values:
            cls.values.append(value)

    @classmethod
    def clear(cls) -> None:
        cls.values = []


def redact(text: str) -> str:
    """``text`` with every known secret replaced by ``<redacted>``."""
    for secret in _Secrets.values:
        text = text.replace(secret, "<redacted>")
    return text


class _RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if _Secrets.values:
            message = record.getMessage()
            cleaned = redact(message)
            if cleaned != message:
                record.msg, record.args = cleaned, None
        return True


# ---------------------------------------------------------------------- output helpers
class Progress:
    """An optional ``tqdm`` bar on stderr: only if tqdm is installed, stderr is a
    terminal and the user did not ask for ``--quiet``; otherwise it does nothing."""

    def __init__(
        self, enabled: bool, *, total: Optional[int] = None, desc: str = "", unit: str = "it"
    ) -> None:
        self._bar: Any = None
        if not enabled or not _stderr_is_tty():
            return
        try:
            from tqdm import tqdm  # optional; imported only when a bar would show
        except ImportError:
            return
        self._bar = tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, leave=False, dynamic_ncols=True)

    @property
    def active(self) -> bool:
        return self._bar is not None

    def update(self, n: int = 1) -> None:
        if self._bar is not None:
            self._bar.update(n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _stderr_is_tty() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


# ---------------------------------------------------------------------- filters
def _csv_list(value: Optional[str]) -> List[str]:
    return [item.strip() for item in (value or "").split(",") if item.strip()]


def parse_time(value: str) -> _dt.datetime:
    """Parse an RFC 3339 time (``2026-01-02T03:04:05Z``); a time without an offset
    is taken as UTC."""
    try:
        parsed = _dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not an RFC 3339 time: {value!r} (e.g. 2026-01-02T03:04:05Z)"
        ) from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=_dt.timezone.utc)


def build_filter(args: argparse.Namespace) -> Any:
    """The ``Filter`` the filter flags describe, as ``create_filter`` would build it.

    ``--tags tagged`` / ``--tags untagged`` select items with any / no tags, as in the
    Viam CLI; any other value is a comma-separated list matched with OR.
    """
    from viam_data_sync._convert import datetime_to_timestamp
    from viam_data_sync.proto import Filter, TagsFilter, TagsFilterType

    f = Filter(
        component_name=args.component_name or "",
        component_type=args.component_type or "",
        method=args.method or "",
        robot_name=args.robot_name or "",
        robot_id=args.robot_id or "",
        part_name=args.part_name or "",
        part_id=args.part_id or "",
        location_ids=_csv_list(args.location_ids),
        organization_ids=_csv_list(args.org_ids),
        mime_type=_csv_list(args.mime_types),
        bbox_labels=_csv_list(args.bbox_labels),
        dataset_id=args.dataset_id or "",
    )
    if args.start is not None or args.end is not None:
        if args.start is not None and args.end is not None and args.start > args.end:
            raise CliError("--start is after --end", EXIT_USAGE)
        f.interval.SetInParent()
        if args.start is not None:
            f.interval.start.CopyFrom(datetime_to_timestamp(args.start))
        if args.end is not None:
            f.interval.end.CopyFrom(datetime_to_timestamp(args.end))
    if args.tags:
        word = args.tags.strip().lower()
        if word == "tagged":
            f.tags_filter.CopyFrom(TagsFilter(type=TagsFilterType.TAGS_FILTER_TYPE_TAGGED))
        elif word == "untagged":
            f.tags_filter.CopyFrom(TagsFilter(type=TagsFilterType.TAGS_FILTER_TYPE_UNTAGGED))
        else:
            f.tags_filter.CopyFrom(
                TagsFilter(type=TagsFilterType.TAGS_FILTER_TYPE_MATCH_BY_OR, tags=_csv_list(args.tags))
            )
    return f


def _add_filter_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("filter (as create_filter; lists are comma-separated)")
    group.add_argument("--org-ids", metavar="IDS", help="organization ids")
    group.add_argument("--location-ids", metavar="IDS", help="location ids")
    group.add_argument("--robot-id", "--machine-id", dest="robot_id", metavar="ID", help="machine (robot) id")
    group.add_argument(
        "--robot-name", "--machine-name", dest="robot_name", metavar="NAME", help="machine name"
    )
    group.add_argument("--part-id", metavar="ID", help="part id")
    group.add_argument("--part-name", metavar="NAME", help="part name")
    group.add_argument("--component-name", metavar="NAME", help="component name")
    group.add_argument("--component-type", metavar="TYPE", help="component type, e.g. rdk:component:sensor")
    group.add_argument("--method", metavar="NAME", help="capture method, e.g. Readings")
    group.add_argument("--mime-types", metavar="TYPES", help="MIME types, e.g. image/png,image/jpeg")
    group.add_argument(
        "--start",
        type=parse_time,
        metavar="TIME",
        help="interval start (RFC 3339, e.g. 2026-01-02T03:04:05Z)",
    )
    group.add_argument("--end", type=parse_time, metavar="TIME", help="interval end (RFC 3339)")
    group.add_argument("--tags", metavar="TAGS", help="tags to match (any of), or 'tagged' / 'untagged'")
    group.add_argument("--bbox-labels", metavar="LABELS", help="bounding-box labels")
    group.add_argument("--dataset-id", metavar="ID", help="dataset id")


# ---------------------------------------------------------------------- tabular rows
#: CSV columns holding JSON text.
_JSON_COLUMNS = ("tags", "method_parameters", "data")


class _TabularFormat:
    """Serialises pages of rows to bytes: JSON Lines, or CSV.

    CSV keeps the fixed metadata columns and puts ``tags``, ``method_parameters`` and
    ``data`` in as JSON text. Payloads are free-form and differ from row to row;
    flattening them into columns would need a pass over all rows to learn the schema
    (and memory for it) before the first byte is written, which would break both
    constant memory and resuming from a page checkpoint.
    """

    def __init__(self, fmt: str) -> None:
        if fmt not in ("jsonl", "csv"):
            raise CliError(f"unknown format {fmt!r} (jsonl or csv)", EXIT_USAGE)
        self.fmt = fmt

    def header(self) -> bytes:
        if self.fmt == "csv":
            return self._csv_lines([list(TABULAR_COLUMNS)])
        return b""

    def page(self, rows: Iterable[Any]) -> bytes:
        records = [tabular_record(row) for row in rows]
        if self.fmt == "jsonl":
            return "".join(jsonl_line(record) for record in records).encode("utf-8")
        return self._csv_lines(
            [
                [
                    dumps(r[c]) if c in _JSON_COLUMNS else (r[c] if r[c] is not None else "")
                    for c in TABULAR_COLUMNS
                ]
                for r in records
            ]
        )

    @staticmethod
    def _csv_lines(rows: List[List[Any]]) -> bytes:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(rows)
        return buffer.getvalue().encode("utf-8")


class _ExportFormat:
    """One ``ExportTabularDataResponse`` per line as protojson (camelCase keys, RFC 3339
    times), the format of the Viam CLI's ``viam data export tabular`` ``data.ndjson``."""

    fmt = "ndjson"

    @staticmethod
    def header() -> bytes:
        return b""

    @staticmethod
    def page(points: Iterable[Any]) -> bytes:
        lines = []
        for point in points:
            record = {
                "partId": point.part_id,
                "resourceName": point.resource_name,
                "resourceSubtype": point.resource_api,
                "methodName": point.method_name,
                "timeCaptured": point.time_captured.isoformat().replace("+00:00", "Z"),
                "organizationId": point.organization_id,
                "locationId": point.location_id,
                "robotName": point.robot_name,
                "robotId": point.robot_id,
                "partName": point.part_name,
                "methodParameters": _sorted_keys(point.method_parameters),
                "tags": point.tags,
                "payload": _sorted_keys(point.payload),
            }
            lines.append(dumps(record) + "\n")
        return "".join(lines).encode("utf-8")


def _batches(rows: Iterable[Any], size: int) -> Iterator[List[Any]]:
    """Lists of up to ``size`` consecutive items (a stream has no pages of its own)."""
    batch: List[Any] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


# ---------------------------------------------------------------------- export tabular
@dataclasses.dataclass
class TabularExportResult:
    """What :func:`export_tabular` did."""

    path: str
    rows: int
    resumed_from_rows: int
    pages: int
    seconds: float


def _query_key(fmt: str, filter_: Any, extra: str = "") -> str:
    digest = hashlib.sha256()
    digest.update(fmt.encode())
    digest.update(b"\x00")
    digest.update(filter_.SerializeToString(deterministic=True))
    digest.update(b"\x00" + extra.encode())
    return digest.hexdigest()


def export_tabular(
    client: Any,
    filter_: Any,
    dest: str,
    *,
    fmt: str = "jsonl",
    page_size: int = 100,
    parallel: Optional[int] = None,
    restart: bool = False,
    progress: bool = False,
    stdout: Optional[IO[bytes]] = None,
    source: Optional[Dict[str, Any]] = None,
) -> TabularExportResult:
    """Export every tabular row matching ``filter_`` to ``dest`` (``"-"``: stdout).

    With ``source`` (``part_id``, ``resource_name``, ``resource_api``, ``method_name``
    and optionally ``start_time``, ``end_time``, ``additional_params``), one data source
    is exported through the ``ExportTabularData`` stream instead, as the Viam CLI does,
    one protojson response per line (its ``data.ndjson`` format).

    Resumable: see the module docstring. ``restart=True`` discards an earlier
    interrupted export of ``dest``.

    Raises:
        CliError: a checkpoint of a different export exists for ``dest``.
        OSError: ``dest`` cannot be written.
    """
    started = time.perf_counter()
    writer: Any
    if source is not None:
        if fmt != "jsonl":
            raise CliError("a per-source export (--resource-name) writes JSON Lines only", EXIT_USAGE)
        writer = _ExportFormat()
    else:
        writer = _TabularFormat(fmt)
    kwargs: Dict[str, Any] = {"page_size": page_size}
    if parallel is not None:
        kwargs["parallel"] = parallel

    def open_iterator(cursor: Optional[str]) -> Any:
        if source is not None:
            return client.iter_export_tabular(**source, start_after=cursor)
        return client.iter_tabular(filter_, start_after=cursor, **kwargs)

    def pages_of(iterator: Any) -> Iterator[List[Any]]:
        if source is not None:
            return _batches(iterator, max(page_size, 1000))
        return iterator.iter_pages()

    if dest == "-":
        out = stdout if stdout is not None else sys.stdout.buffer
        out.write(writer.header())
        rows = pages = 0
        iterator = open_iterator(None)
        try:
            for page in pages_of(iterator):
                out.write(writer.page(page))
                out.flush()
                rows += len(page)
                pages += 1
        finally:
            iterator.close()
        return TabularExportResult("-", rows, 0, pages, time.perf_counter() - started)

    folder = os.path.dirname(os.path.abspath(dest))
    if not os.path.isdir(folder):
        raise CliError(f"cannot write {dest}: no such directory {folder}", EXIT_LOCAL_FILE)
    partial, checkpoint = f"{dest}.partial", f"{dest}.checkpoint"
    key = _query_key(writer.fmt, filter_, json.dumps(source, sort_keys=True, default=str) if source else "")
    state = None if restart else _load_checkpoint(checkpoint)
    if state is not None and state.get("query") != key:
        raise CliError(
            f"{checkpoint} belongs to an export with other arguments; rerun that export, "
            "or pass --restart to discard it",
            EXIT_INVALID,
        )
    if state is not None:
        offset = int(state.get("offset", -1))
        if not os.path.isfile(partial) or os.path.getsize(partial) < offset or offset < 0:
            LOG.warning("%s does not match its checkpoint; starting the export over", partial)
            state = None

    handle: IO[bytes]
    if state is not None:
        handle = open(partial, "r+b")
        handle.truncate(offset)
        handle.seek(offset)
        rows = resumed = int(state.get("rows", 0))
        cursor = state.get("cursor") or None
        LOG.info("resuming %s after %d rows", dest, rows)
    else:
        handle = open(partial, "wb")
        handle.write(writer.header())
        handle.flush()
        rows = resumed = 0
        cursor = None

    def save(position_cursor: Optional[str]) -> None:
        write_text_atomic(
            checkpoint,
            json.dumps(
                {
                    "version": 1,
                    "query": key,
                    "cursor": position_cursor,
                    "offset": handle.tell(),
                    "rows": rows,
                }
            ),
        )

    pages = 0
    with handle:
        if state is None:
            save(None)
        iterator = open_iterator(cursor)
        total = None
        if progress and _stderr_is_tty() and source is None:
            with contextlib.suppress(Exception):
                total = iterator.count()
        with Progress(progress, total=total, desc=os.path.basename(dest), unit="row") as bar:
            bar.update(rows)
            try:
                for page in pages_of(iterator):
                    handle.write(writer.page(page))
                    handle.flush()  # the checkpoint must never claim bytes not yet written
                    rows += len(page)
                    pages += 1
                    save(iterator.cursor)
                    bar.update(len(page))
            finally:
                iterator.close()
        handle.flush()
        os.fsync(handle.fileno())
    publish(partial, dest)
    with contextlib.suppress(FileNotFoundError):
        os.remove(checkpoint)
    return TabularExportResult(dest, rows, resumed, pages, time.perf_counter() - started)


def _load_checkpoint(path: str) -> Optional[Dict[str, Any]]:
    try:
        with open(path, encoding="utf-8") as handle:
            state = json.load(handle)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        LOG.warning("ignoring unreadable checkpoint %s (%s)", path, exc)
        return None
    return state if isinstance(state, dict) and state.get("version") == 1 else None


# ---------------------------------------------------------------------- export binary
def local_file_name(metadata: Any) -> str:
    """The file name of a binary item in an export: its id made safe, plus its extension.

    The same name ``binary_data_by_filter(dest=DIR)`` gives a file (``_dest``), so an
    SDK export and a CLI export of one folder recognise each other's files. Every
    character outside ``[A-Za-z0-9_-]`` is percent-encoded (ids contain slashes and are
    never parsed), so a name is always one path component, never ``.``/``..``, and
    distinct ids keep distinct names. Files are listed in service order, not by name;
    each file's ``metadata/<name>.json`` carries its times.
    """
    from viam_data_sync._dest import binary_file_name

    name = binary_file_name(metadata)
    if os.path.basename(name) != name or name.startswith(".") or os.sep in name:
        raise ValueError(f"unsafe file name for {metadata.binary_data_id!r}")  # excluded by construction
    return name


@dataclasses.dataclass
class BinaryExportResult:
    """What :func:`export_binary` did."""

    directory: str
    listed: int
    downloaded: int
    skipped: int
    bytes_downloaded: int
    seconds: float
    files: List[str] = dataclasses.field(default_factory=list)


@contextlib.contextmanager
def _directory_lock(directory: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``directory`` (POSIX); two exports into one
    directory would remove each other's temporary files."""
    try:
        import fcntl
    except ImportError:  # Windows: no lock
        yield
        return
    path = directory / ".viam-data-sync.lock"
    with open(path, "a+b") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise CliError(f"another export is writing to {directory}", EXIT_LOCAL_FILE) from None
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary name beside ``path`` (``.<name>.XXXX.tmp``),
    fsync it, then rename it into place."""
    write_bytes_atomic(path, data)


def _is_complete(path: Path, expected_size: int) -> bool:
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return False
    # Files only ever appear under their final name complete (rename); the size check
    # also catches a file that was changed or cut since.
    return size == expected_size if expected_size > 0 else True


class _Streamed:
    """Stands for an item too large for one message, streamed to disk by signed URL."""

    def __init__(self, metadata: Any) -> None:
        self.metadata = metadata


def export_binary(
    client: Any,
    filter_: Any,
    dest: str,
    *,
    parallel: int = 8,
    include_metadata: bool = False,
    page_size: int = 100,
    batch_bytes: int = 8 * 1024 * 1024,
    progress: bool = False,
) -> BinaryExportResult:
    """Export every binary item matching ``filter_`` to ``dest``.

    Layout (as the Viam CLI's): ``DEST/data/<name>`` holds the bytes and, with
    ``include_metadata``, ``DEST/metadata/<name>.json`` the item's ``BinaryMetadata`` as
    protojson (lowerCamelCase keys). Names come from :func:`local_file_name`.

    Metadata is paged first (no bodies), then the bodies of the files not yet on disk
    are fetched by id in batches of at most ``batch_bytes`` by ``parallel`` workers, at
    most ``2 * parallel`` batches in flight. Each file is written to a temporary name
    and renamed when complete; files already complete are skipped, so rerunning after
    an interruption resumes.
    """
    if parallel < 1:
        raise CliError("--parallel must be at least 1", EXIT_USAGE)
    started = time.perf_counter()
    root = Path(dest)
    data_dir, meta_dir = root / "data", root / "metadata"
    data_dir.mkdir(parents=True, exist_ok=True)
    if include_metadata:
        meta_dir.mkdir(parents=True, exist_ok=True)
    result = BinaryExportResult(str(root), 0, 0, 0, 0, 0.0)

    with _directory_lock(root):
        for folder in (data_dir, meta_dir):
            if folder.is_dir():
                # Temporary files of a dead run (final names never start with ".").
                for stale in folder.glob(TEMP_GLOB):
                    with contextlib.suppress(OSError):
                        stale.unlink()

        from viam_data_sync._dest import metadata_document

        def write_metadata(name: str, metadata: Any) -> None:
            if include_metadata:
                path = meta_dir / f"{name}.json"
                if not path.exists():
                    write_text_atomic(path, metadata_document(metadata))

        def fetch(batch: List[Tuple[str, Any]]) -> List[Any]:
            from viam_data_sync._errors import ResourceExhausted

            try:
                return list(client.binary_data_by_ids([metadata.binary_data_id for _, metadata in batch]))
            except ResourceExhausted:
                if len(batch) == 1:  # one file over the message limit: stream it to disk
                    name, metadata = batch[0]
                    client.download_binary_data(metadata.binary_data_id, data_dir / name)
                    return [_Streamed(metadata)]
                half = len(batch) // 2  # the sizes were estimates: split and try again
                return fetch(batch[:half]) + fetch(batch[half:])

        def download(batch: List[Tuple[str, Any]]) -> Tuple[int, int]:
            by_id = {item.metadata.binary_data_id: item for item in fetch(batch)}
            count = size = 0
            for name, metadata in batch:
                item = by_id.get(metadata.binary_data_id)
                if item is None:
                    raise CliError(f"the server returned no data for {metadata.binary_data_id}", EXIT_FAILURE)
                if isinstance(item, _Streamed):  # already on disk, complete and size-checked
                    write_metadata(name, metadata)
                    count += 1
                    size += int(metadata.file_size_bytes)
                    continue
                body = bytes(item.binary)
                if metadata.file_size_bytes and len(body) != metadata.file_size_bytes:
                    raise CliError(
                        f"{metadata.binary_data_id}: got {len(body)} bytes, metadata says "
                        f"{metadata.file_size_bytes}",
                        EXIT_FAILURE,
                    )
                _write_atomically(data_dir / name, body)
                write_metadata(name, metadata)
                count += 1
                size += len(body)
            return count, size

        iterator = client.iter_binary(filter_, include_binary_data=False, page_size=page_size)
        total = None
        if progress and _stderr_is_tty():
            with contextlib.suppress(Exception):
                total = iterator.count()
        pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=parallel, thread_name_prefix="viam-data-sync-dl"
        )
        in_flight: Dict[concurrent.futures.Future, int] = {}

        def collect(wait_for: int) -> None:
            while len(in_flight) > wait_for:
                done, _ = concurrent.futures.wait(
                    list(in_flight), return_when=concurrent.futures.FIRST_COMPLETED
                )
                for future in done:
                    files = in_flight.pop(future)
                    count, size = future.result()  # raises the worker's error
                    result.downloaded += count
                    result.bytes_downloaded += size
                    bar.update(files)

        bar = Progress(progress, total=total, desc=os.path.basename(os.path.abspath(dest)), unit="file")
        try:
            batch: List[Tuple[str, Any]] = []
            batch_size = 0

            def submit() -> None:
                nonlocal batch, batch_size
                if batch:
                    collect(2 * parallel - 1)
                    in_flight[pool.submit(download, batch)] = len(batch)
                    batch, batch_size = [], 0

            for page in iterator.iter_pages():
                for item in page:
                    metadata = item.metadata
                    name = local_file_name(metadata)
                    result.listed += 1
                    result.files.append(name)
                    if _is_complete(data_dir / name, int(metadata.file_size_bytes)):
                        write_metadata(name, metadata)
                        result.skipped += 1
                        bar.update(1)
                        continue
                    if batch and batch_size + metadata.file_size_bytes > batch_bytes:
                        submit()
                    batch.append((name, metadata))
                    batch_size += int(metadata.file_size_bytes)
                submit()
            collect(0)
        except BaseException:
            for future in in_flight:
                future.cancel()
            raise
        finally:
            iterator.close()
            pool.shutdown(wait=True, cancel_futures=True)
            bar.close()
    result.seconds = time.perf_counter() - started
    return result


# ---------------------------------------------------------------------- upload
@dataclasses.dataclass
class UploadResult:
    """One uploaded file."""

    path: str
    binary_data_id: str
    size: int


def _collect_files(paths: Sequence[str], recursive: bool) -> List[Path]:
    files: List[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            if not recursive:
                raise CliError(f"{raw} is a directory (use --recursive)", EXIT_LOCAL_FILE)
            for folder, dirnames, filenames in os.walk(path):
                dirnames.sort()
                files.extend(Path(folder) / name for name in sorted(filenames))
        elif path.is_file():
            files.append(path)
        else:
            raise CliError(f"{raw}: no such file", EXIT_LOCAL_FILE)
    return files


class UploadLedger:
    """A local record of what was uploaded, so a rerun skips it.

    The Data API has no idempotency key: uploading a file twice stores it twice (the
    Viam docs warn of this). The ledger is a JSON Lines file; each line records the
    SHA-256 and size of a file's content, the destination (part, component, method,
    tags, dataset), and the binary data id it got. A file whose content and
    destination are already recorded is skipped. A line is appended, flushed and
    fsynced only after the service confirmed the upload.
    """

    def __init__(self, path: str) -> None:
        self.path = Path(path)
        self._seen: Dict[str, str] = {}
        if self.path.exists():
            with open(self.path, encoding="utf-8") as handle:
                for number, line in enumerate(handle, 1):
                    if not line.strip():
                        continue
                    try:
                        entry = json.loads(line)
                        self._seen[entry["key"]] = entry["binary_data_id"]
                    except (ValueError, KeyError, TypeError):
                        # A line cut by a crash mid-write: everything before it stands.
                        LOG.warning("ledger %s: ignoring unreadable line %d", self.path, number)

    @staticmethod
    def key(path: Path, destination: Sequence[Any]) -> Tuple[str, str]:
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        content = f"{digest.hexdigest()}:{path.stat().st_size}"
        return content, hashlib.sha256(json.dumps([content, *destination]).encode()).hexdigest()

    def get(self, key: str) -> Optional[str]:
        return self._seen.get(key)

    def record(self, key: str, content: str, path: Path, binary_data_id: str) -> None:
        line = json.dumps({"key": key, "content": content, "path": str(path), "binary_data_id": binary_data_id})
        with open(self.path, "a", encoding="utf-8") as handle:
            handle.write(line + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        self._seen[key] = binary_data_id


def upload_paths(
    client: Any,
    paths: Sequence[str],
    part_id: str,
    *,
    component_type: Optional[str] = None,
    component_name: Optional[str] = None,
    method_name: Optional[str] = None,
    tags: Optional[List[str]] = None,
    dataset_id: Optional[str] = None,
    recursive: bool = False,
    progress: bool = False,
    on_uploaded: Optional[Callable[[UploadResult], None]] = None,
    ledger: Optional[str] = None,
    on_skipped: Optional[Callable[[UploadResult], None]] = None,
) -> List[UploadResult]:
    """Upload files (and, with ``recursive``, folders, in sorted order) in chunks with
    ``file_upload_from_path``, each straight into ``dataset_id`` if given.

    ``on_uploaded`` is called after each file, so a caller can report what was stored
    even if a later file fails. With ``ledger`` (a file path), files already recorded
    there with the same content and destination are skipped (``on_skipped``), and
    each new upload is recorded: reruns (an Airflow retry, say) store nothing twice.
    """
    files = _collect_files(paths, recursive)
    results: List[UploadResult] = []
    book = UploadLedger(ledger) if ledger else None
    destination = [part_id, component_type, component_name, method_name, sorted(tags or []), dataset_id]
    total = sum(path.stat().st_size for path in files)
    with Progress(progress, total=total, desc="upload", unit="B") as bar:
        for path in files:
            content = key = ""
            if book is not None:
                content, key = book.key(path, destination)
                known = book.get(key)
                if known is not None:
                    bar.update(path.stat().st_size)
                    LOG.info("skipped %s: already uploaded as %s", path, known)
                    if on_skipped is not None:
                        on_skipped(UploadResult(str(path), known, path.stat().st_size))
                    continue
            sent = [0]

            def report(done: int, _total: Optional[int], sent: List[int] = sent) -> None:
                bar.update(max(0, done - sent[0]))
                sent[0] = max(sent[0], done)

            binary_data_id = client.file_upload_from_path(
                str(path),
                part_id,
                component_type=component_type,
                component_name=component_name,
                method_name=method_name,
                tags=tags or None,
                dataset_ids=[dataset_id] if dataset_id else None,
                progress=report if bar.active else None,
            )
            result = UploadResult(str(path), binary_data_id, path.stat().st_size)
            if book is not None:
                book.record(key, content, path, binary_data_id)
            results.append(result)
            LOG.info("uploaded %s as %s", path, binary_data_id)
            if on_uploaded is not None:
                on_uploaded(result)
    return results


# ---------------------------------------------------------------------- queries
def _read_argument(value: str) -> str:
    """``-`` reads stdin, ``@PATH`` reads a file, anything else is the text itself."""
    if value == "-":
        return sys.stdin.read()
    if value.startswith("@"):
        with open(value[1:], encoding="utf-8") as handle:
            return handle.read()
    return value


def parse_pipeline(text: str) -> List[Dict[str, Any]]:
    """An MQL pipeline from JSON (MongoDB extended JSON: ``{"$date": ...}`` works).

    A single stage object is accepted as a one-stage pipeline.
    """
    from bson import json_util

    try:
        pipeline = json_util.loads(text)
    except ValueError as exc:
        raise CliError(f"PIPELINE_JSON is not valid JSON: {exc}", EXIT_USAGE) from None
    if isinstance(pipeline, dict):
        pipeline = [pipeline]
    if not isinstance(pipeline, list) or not all(isinstance(stage, dict) for stage in pipeline):
        raise CliError("PIPELINE_JSON must be a JSON array of stage objects", EXIT_USAGE)
    return pipeline


def format_table(records: Sequence[Mapping[str, Any]], max_width: int = 40) -> str:
    """Records as an aligned text table (columns in order of first appearance)."""
    columns: List[str] = []
    for record in records:
        for key in record:
            if key not in columns:
                columns.append(key)
    if not columns:
        return "(no rows)\n"

    def cell(value: Any) -> str:
        if value is None:
            text = ""
        elif isinstance(value, str):
            text = value
        elif isinstance(value, _dt.datetime):
            text = iso(value) or ""
        elif isinstance(value, float) and math.isfinite(value) and value.is_integer():
            text = str(int(value))
        else:
            text = dumps(value) if isinstance(value, (dict, list, tuple)) else str(value)
        text = text.replace("\n", " ")
        return text if len(text) <= max_width else text[: max_width - 1] + "…"

    table = [[cell(record.get(column)) for column in columns] for record in records]
    widths = [max(len(column), *(len(row[i]) for row in table)) for i, column in enumerate(columns)]
    lines = [
        "  ".join(column.ljust(widths[i]) for i, column in enumerate(columns)).rstrip(),
        "  ".join("-" * width for width in widths),
    ]
    lines += ["  ".join(value.ljust(widths[i]) for i, value in enumerate(row)).rstrip() for row in table]
    return "\n".join(lines) + "\n"


def _print_records(records: Sequence[Mapping[str, Any]], fmt: str) -> None:
    out = sys.stdout
    if fmt == "table":
        out.write(format_table(records))
    else:
        for record in records:
            out.write(dumps(record) + "\n")
    out.flush()


# ---------------------------------------------------------------------- credentials
def _credentials(args: argparse.Namespace) -> Tuple[str, str]:
    key_id = args.api_key_id or os.environ.get(ENV_API_KEY_ID, "")
    key = ""
    if args.api_key is not None:
        LOG.warning(
            "--api-key exposes the key to other users of this machine (ps, shell history); "
            "use %s or --api-key-file",
            ENV_API_KEY,
        )
        key = args.api_key
    elif args.api_key_file:
        try:
            with open(args.api_key_file, encoding="utf-8") as handle:
                key = handle.read().strip()
        except OSError as exc:
            raise CliError(
                f"cannot read the API key file {args.api_key_file}: {exc.strerror or exc}", EXIT_CREDENTIALS
            ) from None
        if not key:
            raise CliError(f"the API key file {args.api_key_file} is empty", EXIT_CREDENTIALS)
    else:
        key = os.environ.get(ENV_API_KEY, "").strip()
    _Secrets.add(key)
    missing = []
    if not key:
        missing.append(f"the API key ({ENV_API_KEY} or --api-key-file)")
    if not key_id:
        missing.append(f"the API key id (--api-key-id or {ENV_API_KEY_ID})")
    if missing:
        raise CliError("missing " + " and ".join(missing), EXIT_CREDENTIALS)
    return key, key_id


def connect(args: argparse.Namespace) -> Any:
    """A ``DataClient`` from the global flags and environment."""
    from viam_data_sync import DataClient, RetryPolicy  # imported here: --help and serve stay light

    key, key_id = _credentials(args)
    if args.retries < 1:
        raise CliError("--retries must be at least 1", EXIT_USAGE)
    if args.timeout <= 0:
        raise CliError("--timeout must be positive", EXIT_USAGE)
    return DataClient.from_api_key(
        key,
        key_id,
        args.address,
        insecure=args.insecure,
        timeout=args.timeout,
        retry=RetryPolicy(max_attempts=args.retries),
    )


# ---------------------------------------------------------------------- commands
def _cmd_serve(args: argparse.Namespace) -> int:
    from viam_data_sync.server.__main__ import main as serve_main

    argv: List[str] = []
    if args.db:
        argv += ["--db", args.db]
    argv += ["--host", args.host, "--port", str(args.port)]
    if args.no_auth:
        argv.append("--no-auth")
    return int(serve_main(argv) or 0)


def _export_source(args: argparse.Namespace) -> Optional[Dict[str, Any]]:
    """The data source of a per-source export, or None for a filter export."""
    if not args.resource_name:
        return None
    missing = [flag for flag, value in (("--part-id", args.part_id), ("--resource-subtype", args.resource_subtype),
                                        ("--method", args.method)) if not value]
    if missing:
        raise CliError(f"--resource-name needs {', '.join(missing)} too", EXIT_USAGE)
    params = None
    if args.additional_params:
        try:
            params = json.loads(_read_argument(args.additional_params))
        except ValueError as exc:
            raise CliError(f"--additional-params is not JSON: {exc}", EXIT_USAGE) from None
        if not isinstance(params, dict):
            raise CliError("--additional-params must be a JSON object", EXIT_USAGE)
    return {
        "part_id": args.part_id, "resource_name": args.resource_name, "resource_api": args.resource_subtype,
        "method_name": args.method, "start_time": args.start, "end_time": args.end, "additional_params": params,
    }


def _cmd_export_tabular(args: argparse.Namespace) -> int:
    filter_ = build_filter(args)
    source = _export_source(args)
    client = connect(args)
    with client:
        result = export_tabular(
            client,
            filter_,
            args.dest,
            fmt=args.format,
            page_size=args.page_size,
            parallel=args.parallel,
            restart=args.restart,
            progress=not args.quiet,
            source=source,
        )
    if args.dest != "-" and not args.quiet:
        resumed = f" (resumed after {result.resumed_from_rows})" if result.resumed_from_rows else ""
        print(
            f"exported {result.rows} rows{resumed} to {result.path} in {result.seconds:.1f}s", file=sys.stderr
        )
    return EXIT_OK


def _cmd_export_binary(args: argparse.Namespace) -> int:
    filter_ = build_filter(args)
    client = connect(args)
    with client:
        result = export_binary(
            client,
            filter_,
            args.dest,
            parallel=args.parallel,
            include_metadata=args.include_metadata,
            page_size=args.page_size,
            progress=not args.quiet,
        )
    if not args.quiet:
        print(
            f"exported {result.listed} files to {os.path.join(result.directory, 'data')}: "
            f"{result.downloaded} downloaded ({result.bytes_downloaded} bytes), "
            f"{result.skipped} already complete, in {result.seconds:.1f}s",
            file=sys.stderr,
        )
    return EXIT_OK


def _cmd_upload(args: argparse.Namespace) -> int:
    client = connect(args)

    def report(result: UploadResult) -> None:
        print(f"{result.binary_data_id}\t{result.path}", flush=True)

    skipped: List[UploadResult] = []
    with client:
        results = upload_paths(
            client,
            args.paths,
            args.part_id,
            component_type=args.component_type,
            component_name=args.component_name,
            method_name=args.method,
            tags=_csv_list(args.tags),
            dataset_id=args.dataset_id,
            recursive=args.recursive,
            progress=not args.quiet,
            on_uploaded=report,
            ledger=args.ledger,
            on_skipped=skipped.append,
        )
    if not args.quiet:
        extra = f", skipped {len(skipped)} already uploaded (ledger)" if args.ledger else ""
        print(f"uploaded {len(results)} files{extra}", file=sys.stderr)
    return EXIT_OK


def _cmd_sql(args: argparse.Namespace) -> int:
    query = _read_argument(args.query)
    client = connect(args)
    with client:
        records = client.tabular_data_by_sql(args.org_id, query)
    _print_records(records, args.format)
    return EXIT_OK


def _cmd_mql(args: argparse.Namespace) -> int:
    pipeline = parse_pipeline(_read_argument(args.pipeline))
    client = connect(args)
    with client:
        records = client.tabular_data_by_mql(args.org_id, pipeline)
    _print_records(records, args.format)
    return EXIT_OK


def _cmd_demo(args: argparse.Namespace) -> int:
    return run_demo(args.out, quiet=args.quiet)


# ---------------------------------------------------------------------- parser
class _Parser(argparse.ArgumentParser):
    """argparse, with the usage error on one line (plus the usage) and exit code 2."""

    def error(self, message: str) -> Any:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {redact(message)}\n")


def _epilog() -> str:
    codes = "\n".join(f"  {code:>3}  {meaning}" for code, meaning in EXIT_CODES.items())
    return (
        "credentials:\n"
        f"  key id: --api-key-id or {ENV_API_KEY_ID}; key: {ENV_API_KEY} or --api-key-file PATH\n"
        f"  address: --address or {ENV_ADDRESS} (default {DEFAULT_ADDRESS});"
        f" {ENV_INSECURE}=1 for --insecure\n"
        "\nexit codes:\n" + codes
    )


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``viam-data-sync``."""

    def common_flags(top: bool) -> argparse.ArgumentParser:
        # The flags are accepted before and after the command. The command's copy
        # has no defaults: argparse would otherwise let them overwrite a value given
        # before the command.
        def default(value: Any) -> Any:
            return value if top else argparse.SUPPRESS

        common = _Parser(add_help=False, allow_abbrev=False)
        group = common.add_argument_group("connection and output")
        group.add_argument(
            "--address",
            default=default(os.environ.get(ENV_ADDRESS) or DEFAULT_ADDRESS),
            help=f"host:port of the Data API (default ${ENV_ADDRESS} or {DEFAULT_ADDRESS})",
        )
        group.add_argument(
            "--insecure",
            action="store_true",
            default=default(_env_flag(ENV_INSECURE)),
            help=f"plaintext, no TLS (local servers only; also ${ENV_INSECURE}=1)",
        )
        group.add_argument(
            "--api-key-id",
            default=default(None),
            metavar="ID",
            help=f"API key id (default ${ENV_API_KEY_ID})",
        )
        group.add_argument(
            "--api-key-file",
            default=default(None),
            metavar="PATH",
            help=f"read the API key from this file (default: ${ENV_API_KEY})",
        )
        group.add_argument(
            "--api-key", default=default(None), help=argparse.SUPPRESS
        )  # accepted, with a warning
        group.add_argument(
            "--timeout",
            type=float,
            default=default(60.0),
            metavar="SECONDS",
            help="per-request timeout (default 60)",
        )
        group.add_argument(
            "--retries",
            type=int,
            default=default(5),
            metavar="N",
            help="attempts per request on transient failures (default 5; 1: no retries)",
        )
        verbosity = group.add_mutually_exclusive_group()
        verbosity.add_argument(
            "-q",
            "--quiet",
            action="store_true",
            default=default(False),
            help="only errors on stderr, no progress bars",
        )
        verbosity.add_argument(
            "-v",
            "--verbose",
            action="store_true",
            default=default(False),
            help="log details; tracebacks on errors",
        )
        return common

    top_common, common = common_flags(True), common_flags(False)
    parser = _Parser(
        prog=PROG,
        parents=[top_common],
        allow_abbrev=False,
        description="Export, query and upload Viam data; run a local Data API server or the demo.",
        epilog=_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    from viam_data_sync._version import __version__

    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    def command(sub: Any, name: str, help_text: str, **kwargs: Any) -> argparse.ArgumentParser:
        return sub.add_parser(
            name,
            help=help_text,
            description=help_text,
            parents=[common],
            allow_abbrev=False,
            epilog=_epilog(),
            formatter_class=argparse.RawDescriptionHelpFormatter,
            **kwargs,
        )

    serve = command(commands, "serve", "run the local Data API server (python -m viam_data_sync.server)")
    serve.add_argument("--db", metavar="PATH", help="SQLite database file (default: temporary)")
    serve.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8080, help="TCP port (default 8080; 0 picks one)")
    serve.add_argument("--no-auth", action="store_true", help="serve without API-key authentication")
    serve.set_defaults(handler=_cmd_serve)

    demo = command(commands, "demo", "seed a local server through the SDK and run real export/query jobs")
    demo.add_argument(
        "--out", default="demo-output", metavar="DIR", help="output folder (default ./demo-output)"
    )
    demo.set_defaults(handler=_cmd_demo)

    export = command(commands, "export", "export tabular rows or binary files")
    kinds = export.add_subparsers(dest="kind", metavar="KIND", parser_class=_Parser)
    kinds.required = True
    tabular = command(kinds, "tabular", "export tabular rows to JSON Lines or CSV (resumable)")
    tabular.add_argument("--dest", required=True, metavar="FILE", help="output file, or - for stdout")
    tabular.add_argument(
        "--format",
        choices=("jsonl", "csv"),
        default=None,
        help="output format (default: from the file suffix, else jsonl)",
    )
    tabular.add_argument(
        "--page-size", type=int, default=100, metavar="N", help="rows per request (default 100)"
    )
    tabular.add_argument(
        "--parallel",
        type=int,
        default=None,
        metavar="N",
        help="time partitions fetched at once (default: the SDK's)",
    )
    tabular.add_argument("--restart", action="store_true", help="discard an interrupted export of --dest")
    per_source = tabular.add_argument_group(
        "one data source through the ExportTabularData stream, as the Viam CLI exports it "
        "(with --part-id, --method, --start, --end; writes its data.ndjson format)"
    )
    per_source.add_argument("--resource-name", metavar="NAME", help="e.g. sensor-1")
    per_source.add_argument("--resource-subtype", metavar="API", help="e.g. rdk:component:sensor")
    per_source.add_argument(
        "--additional-params", metavar="JSON", help="method parameters to match (JSON object; @FILE reads a file)"
    )
    _add_filter_flags(tabular)
    tabular.set_defaults(handler=_cmd_export_tabular)

    binary = command(kinds, "binary", "export binary files to DIR/data (resumable, parallel)")
    binary.add_argument("--dest", required=True, metavar="DIR", help="output folder")
    binary.add_argument("--parallel", type=int, default=8, metavar="N", help="download workers (default 8)")
    binary.add_argument(
        "--include-metadata",
        action="store_true",
        help="also write DIR/metadata/<file>.json (BinaryMetadata as protojson)",
    )
    binary.add_argument(
        "--page-size", type=int, default=100, metavar="N", help="metadata items per request (default 100)"
    )
    _add_filter_flags(binary)
    binary.set_defaults(handler=_cmd_export_binary)

    upload = command(
        commands, "upload", "upload files or folders (chunked); prints '<binary data id>\\t<path>'"
    )
    upload.add_argument("paths", nargs="+", metavar="PATH", help="files or folders")
    upload.add_argument("--part-id", required=True, metavar="ID", help="the part the data belongs to")
    upload.add_argument("--component-type", metavar="TYPE", help="component type")
    upload.add_argument("--component-name", metavar="NAME", help="component name")
    upload.add_argument("--method", metavar="NAME", help="method name")
    upload.add_argument("--tags", metavar="TAGS", help="comma-separated tags")
    upload.add_argument("--dataset-id", metavar="ID", help="add the uploaded files to this dataset")
    upload.add_argument("-r", "--recursive", action="store_true", help="upload the files inside folders")
    upload.add_argument(
        "--ledger",
        metavar="FILE",
        help="record uploads in FILE (JSON Lines) and skip files already recorded there with the same "
        "content and destination, so a rerun uploads nothing twice",
    )
    upload.set_defaults(handler=_cmd_upload)

    sql = command(commands, "sql", "run an SQL query over the readings table")
    sql.add_argument("query", metavar="QUERY", help="the query; - reads stdin, @FILE reads a file")
    sql.add_argument("--org-id", required=True, metavar="ID", help="organization id")
    sql.add_argument("--format", choices=("jsonl", "table"), default="jsonl", help="output (default jsonl)")
    sql.set_defaults(handler=_cmd_sql)

    mql = command(commands, "mql", "run an MQL aggregation pipeline over the readings")
    mql.add_argument(
        "pipeline",
        metavar="PIPELINE_JSON",
        help="a JSON array of stages (extended JSON); - reads stdin, @FILE reads a file",
    )
    mql.add_argument("--org-id", required=True, metavar="ID", help="organization id")
    mql.add_argument("--format", choices=("jsonl", "table"), default="jsonl", help="output (default jsonl)")
    mql.set_defaults(handler=_cmd_mql)
    return parser


# ---------------------------------------------------------------------- errors
def explain(exc: BaseException, args: Optional[argparse.Namespace] = None) -> Tuple[int, str]:
    """The exit code and the one-line message for a failure."""
    from viam_data_sync import _errors as errors

    address = getattr(args, "address", None) or "the service"
    if isinstance(exc, CliError):
        return exc.code, str(exc)
    if isinstance(exc, (errors.Unauthenticated, errors.PermissionDenied)):
        what = "authentication failed" if isinstance(exc, errors.Unauthenticated) else "permission denied"
        return EXIT_AUTH, f"{what} ({exc.code.name}): {exc.details or 'check the API key and key id'}"
    if isinstance(exc, errors.Unavailable):
        return EXIT_UNREACHABLE, f"cannot reach {address} (UNAVAILABLE): {exc.details or 'no answer'}"
    if isinstance(exc, errors.DeadlineExceeded):
        return EXIT_UNREACHABLE, f"{address} did not answer in time (DEADLINE_EXCEEDED)"
    if isinstance(
        exc, (errors.InvalidArgument, errors.NotFound, errors.FailedPrecondition, errors.AlreadyExists)
    ):
        return EXIT_INVALID, f"{exc.code.name}: {exc.details}"
    if isinstance(exc, errors.ApiError):
        return EXIT_FAILURE, f"server error {exc.code.name}: {exc.details}"
    if isinstance(exc, errors.UploadOutcomeUnknown):
        return EXIT_FAILURE, f"{exc} (check before uploading again)"
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if exc.filename else ""
        return EXIT_LOCAL_FILE, f"{where}{exc.strerror or exc}"
    if isinstance(exc, ValueError):
        return EXIT_INVALID, f"invalid argument: {exc}"
    return EXIT_FAILURE, f"unexpected error: {type(exc).__name__}: {exc}"


def _setup_logging(args: argparse.Namespace) -> logging.Handler:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(f"{PROG}: %(levelname)s: %(message)s"))
    handler.addFilter(_RedactingFilter())
    root = logging.getLogger("viam_data_sync")
    root.addHandler(handler)
    if args.quiet:
        root.setLevel(logging.ERROR)
    elif args.verbose:
        root.setLevel(logging.DEBUG)
    else:
        root.setLevel(logging.WARNING)
    return handler


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run ``viam-data-sync``; returns the exit code. ``argv`` excludes the program name."""
    parser = build_parser()
    _Secrets.clear()
    _Secrets.add(os.environ.get(ENV_API_KEY, "").strip())
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0) if not isinstance(exc.code, str) else EXIT_USAGE
    if getattr(args, "api_key", None):
        _Secrets.add(args.api_key)
    if getattr(args, "command", None) == "export" and args.kind == "tabular" and args.format is None:
        args.format = "csv" if args.dest.lower().endswith(".csv") else "jsonl"
    handler = _setup_logging(args)
    root = logging.getLogger("viam_data_sync")
    previous_level = root.level
    try:
        return int(args.handler(args) or 0)
    except KeyboardInterrupt:
        hint = "; run the same command again to resume" if args.command == "export" else ""
        print(f"{PROG}: interrupted{hint}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # e.g. piped into head: not an error
        with contextlib.suppress(Exception):
            sys.stdout = open(os.devnull, "w")
        return EXIT_OK
    except Exception as exc:  # noqa: BLE001 - every failure becomes one line and an exit code
        code, message = explain(exc, args)
        if args.verbose:
            import traceback

            sys.stderr.write(redact("".join(traceback.format_exception(exc))))
        print(f"{PROG}: error: {redact(message)}", file=sys.stderr)
        return code
    finally:
        root.removeHandler(handler)
        root.setLevel(previous_level)


# ====================================================================== demo
# (after main for reading order: the demo is the largest command)


def make_png(width: int, height: int, seed: int) -> bytes:
    """A small, valid RGB PNG (a colour gradient), made with zlib and struct only."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    rows = bytearray()
    for y in range(height):
        rows.append(0)  # filter: none
        for x in range(width):
            rows += bytes(
                (
                    (x * 255 // max(1, width - 1) + seed * 37) % 256,
                    (y * 255 // max(1, height - 1) + seed * 91) % 256,
                    (seed * 53 + (x ^ y)) % 256,
                )
            )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + chunk(b"IEND", b"")
    )


def _make_pcd(points: int, seed: int) -> bytes:
    """An ASCII PCD point cloud (what a lidar's NextPointCloud captures)."""
    header = (
        "# .PCD v0.7 - Point Cloud Data file format\nVERSION 0.7\nFIELDS x y z\nSIZE 4 4 4\nTYPE F F F\n"
        f"COUNT 1 1 1\nWIDTH {points}\nHEIGHT 1\nVIEWPOINT 0 0 0 1 0 0 0\nPOINTS {points}\nDATA ascii\n"
    )
    lines = []
    for i in range(points):
        angle = (i * 0.013 + seed) % (2 * math.pi)
        radius = 2.0 + math.sin(i * 0.07) * 0.5
        lines.append(
            f"{radius * math.cos(angle):.4f} {radius * math.sin(angle):.4f} {math.sin(i * 0.001):.4f}"
        )
    return (header + "\n".join(lines) + "\n").encode()


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class _Demo:
    """The demo's steps, checks and report."""

    SENSORS = (("env-sensor-1", "greenhouse"), ("env-sensor-2", "greenhouse"), ("env-sensor-3", "warehouse"))
    READINGS_PER_SENSOR = 120
    IMAGES = 12

    def __init__(self, out: Path, quiet: bool) -> None:
        self.out = out
        self.quiet = quiet
        self.steps: List[Dict[str, Any]] = []
        self.failures: List[str] = []
        self.uploaded: Dict[str, str] = {}  # binary data id -> sha256
        self.image_ids: List[str] = []
        self.rows_uploaded = 0

    # ------------------------------------------------------------ reporting
    def say(self, text: str) -> None:
        if not self.quiet:
            print(text, flush=True)

    def check(self, ok: bool, what: str) -> bool:
        if not ok:
            self.failures.append(what)
            print(f"{PROG}: demo check failed: {what}", file=sys.stderr)
        return ok

    @contextlib.contextmanager
    def step(self, name: str) -> Iterator[Dict[str, Any]]:
        record: Dict[str, Any] = {"step": name}
        started = time.perf_counter()
        try:
            yield record
            record["ok"] = True
        except Exception as exc:  # noqa: BLE001 - a failed step is reported, the demo goes on
            code, message = explain(exc)
            record["ok"] = False
            record["error"] = message
            self.failures.append(f"{name}: {message}")
            print(f"{PROG}: demo step '{name}' failed: {redact(message)}", file=sys.stderr)
            LOG.debug("step %s failed", name, exc_info=True)
        finally:
            record["seconds"] = round(time.perf_counter() - started, 3)
            self.steps.append(record)
            detail = record.get("detail", "")
            mark = "ok " if record["ok"] else "FAIL"
            self.say(f"  {mark} {name:<28} {record['seconds']:6.2f}s  {detail}")

    # ------------------------------------------------------------ seeding
    def seed_readings(self, client: Any, part_id: str, t0: _dt.datetime) -> int:
        count = 0
        for index, (name, site) in enumerate(self.SENSORS):
            batch, times = [], []
            for i in range(self.READINGS_PER_SENSOR):
                at = t0 + _dt.timedelta(seconds=i * 5, milliseconds=index * 7)
                phase = i / 24.0 + index
                batch.append(
                    {
                        "readings": {
                            "temperature_c": round(21.0 + 3.0 * math.sin(phase) + index, 3),
                            "humidity_pct": round(55.0 + 10.0 * math.cos(phase / 2), 3),
                            "co2_ppm": 410 + (i * 7 + index * 13) % 90,
                            "site": site,
                            "ok": i % 17 != 0,
                        }
                    }
                )
                times.append((at, at + _dt.timedelta(milliseconds=3)))
            for start in range(0, len(batch), 40):  # several captures per sensor, like a sync
                client.tabular_data_capture_upload(
                    batch[start : start + 40],
                    part_id,
                    "rdk:component:sensor",
                    name,
                    "Readings",
                    times[start : start + 40],
                    tags=["demo", site],
                )
            count += len(batch)
        return count

    def seed_images(self, client: Any, part_id: str, t0: _dt.datetime, source: Path) -> int:
        total = 0
        for i in range(self.IMAGES):
            png = make_png(64, 48, i)
            (source / f"camera-1-{i:02d}.png").write_bytes(png)
            at = t0 + _dt.timedelta(seconds=30 * i)
            binary_data_id = client.binary_data_capture_upload(
                png,
                part_id,
                "rdk:component:camera",
                "camera-1",
                "ReadImage",
                ".png",
                tags=["demo"],
                data_request_times=(at, at + _dt.timedelta(milliseconds=20)),
            )
            self.uploaded[binary_data_id] = _sha256(png)
            self.image_ids.append(binary_data_id)
            total += len(png)
        return total

    def seed_streams(self, client: Any, part_id: str, t0: _dt.datetime, source: Path) -> int:
        pcd = _make_pcd(12_000, 1)  # ~300 KB: several upload chunks
        (source / "lidar-1.pcd").write_bytes(pcd)
        at = t0 + _dt.timedelta(minutes=7)
        streamed = client.streaming_data_capture_upload(
            pcd,
            part_id,
            ".pcd",
            component_type="rdk:component:camera",
            component_name="lidar-1",
            method_name="NextPointCloud",
            data_request_times=(at, at + _dt.timedelta(milliseconds=80)),
            tags=["demo"],
        )
        self.uploaded[streamed] = _sha256(pcd)
        log_path = source / "robot-run.log"
        lines = [
            f"2026-01-01T00:{i // 60:02d}:{i % 60:02d}Z INFO step {i} pose=({i * 0.1:.1f},{i * 0.2:.1f})"
            for i in range(4000)
        ]
        log_path.write_text("\n".join(lines) + "\n")
        from_path = client.file_upload_from_path(
            str(log_path),
            part_id,
            component_type="rdk:service:logger",
            component_name="run-log",
            tags=["demo"],
        )
        self.uploaded[from_path] = _sha256(log_path.read_bytes())
        return len(pcd) + log_path.stat().st_size

    # ------------------------------------------------------------ the run
    def run(self) -> int:
        from viam_data_sync import DataClient
        from viam_data_sync.proto import Filter, TagsFilter, TagsFilterType
        from viam_data_sync.server import LocalDataServer

        started = time.perf_counter()
        for sub in ("tabular", "queries", "binary", "dataset", "source"):
            shutil.rmtree(self.out / sub, ignore_errors=True)
        for sub in ("tabular", "queries", "source"):
            (self.out / sub).mkdir(parents=True, exist_ok=True)
        source = self.out / "source"
        t0 = (_dt.datetime.now(_dt.timezone.utc) - _dt.timedelta(hours=1)).replace(microsecond=0)

        self.say(f"{PROG} demo: a local Data API server, seeded and queried through the SDK")
        with LocalDataServer(auth=True) as server:
            self.say(f"  server  {server.address} (auth on, organization {server.organization_id})")
            client = DataClient.from_api_key(server.api_key, server.api_key_id, server.address, insecure=True)
            _Secrets.add(server.api_key)
            org, part = server.organization_id, server.part_id
            with client:
                with self.step("upload sensor readings") as s:
                    self.rows_uploaded = self.seed_readings(client, part, t0)
                    s["detail"] = f"{self.rows_uploaded} rows, {len(self.SENSORS)} sensors"
                with self.step("upload camera images") as s:
                    size = self.seed_images(client, part, t0, source)
                    s["detail"] = f"{self.IMAGES} PNG files, {size} bytes"
                with self.step("streamed uploads") as s:
                    size = self.seed_streams(client, part, t0, source)
                    s["detail"] = f"point cloud + log file, {size} bytes in chunks"

                readings = Filter(organization_ids=[org], component_type="rdk:component:sensor")
                with self.step("export tabular -> jsonl") as s:
                    result = export_tabular(client, readings, str(self.out / "tabular" / "readings.jsonl"))
                    self.check(
                        result.rows == self.rows_uploaded,
                        f"jsonl export has {result.rows} rows, uploaded {self.rows_uploaded}",
                    )
                    lines = (self.out / "tabular" / "readings.jsonl").read_text().splitlines()
                    self.check(len(lines) == self.rows_uploaded, f"readings.jsonl has {len(lines)} lines")
                    first = json.loads(lines[0]) if lines else {}
                    self.check(
                        "temperature_c" in first.get("data", {}).get("readings", {}),
                        "exported rows carry their readings payload",
                    )
                    s["detail"] = f"{result.rows} rows in {result.pages} pages"
                with self.step("export tabular -> csv") as s:
                    result = export_tabular(
                        client, readings, str(self.out / "tabular" / "readings.csv"), fmt="csv"
                    )
                    with open(self.out / "tabular" / "readings.csv", newline="", encoding="utf-8") as handle:
                        csv_rows = list(csv.DictReader(handle))
                    self.check(
                        len(csv_rows) == self.rows_uploaded,
                        f"csv export has {len(csv_rows)} rows, uploaded {self.rows_uploaded}",
                    )
                    s["detail"] = f"{len(csv_rows)} rows"

                with self.step("SQL query") as s:
                    sql = (
                        "SELECT component_name, COUNT(*) AS n, "
                        "AVG(data.readings.temperature_c) AS avg_temp_c, "
                        "MAX(time_received) AS latest FROM readings "
                        "WHERE time_received >= CAST('2000-01-01T00:00:00.000Z' AS TIMESTAMP) "
                        "GROUP BY component_name ORDER BY component_name"
                    )
                    records = client.tabular_data_by_sql(org, sql)
                    (self.out / "queries" / "sql.jsonl").write_text("".join(dumps(r) + "\n" for r in records))
                    counts = {r.get("component_name"): int(r.get("n", 0)) for r in records}
                    expected = {name: self.READINGS_PER_SENSOR for name, _ in self.SENSORS}
                    self.check(counts == expected, f"SQL counts per sensor {counts} != {expected}")
                    s["detail"] = ", ".join(f"{k}={v}" for k, v in sorted(counts.items()))
                with self.step("MQL aggregation") as s:
                    pipeline = [
                        {"$match": {"component_type": "rdk:component:sensor"}},
                        {
                            "$group": {
                                "_id": "$data.readings.site",
                                "n": {"$sum": 1},
                                "max_co2_ppm": {"$max": "$data.readings.co2_ppm"},
                            }
                        },
                        {"$sort": {"_id": 1}},
                    ]
                    records = client.tabular_data_by_mql(org, pipeline)
                    (self.out / "queries" / "mql.jsonl").write_text("".join(dumps(r) + "\n" for r in records))
                    sites = {r.get("_id"): int(r.get("n", 0)) for r in records}
                    expected_sites: Dict[str, int] = {}
                    for _, site in self.SENSORS:
                        expected_sites[site] = expected_sites.get(site, 0) + self.READINGS_PER_SENSOR
                    self.check(sites == expected_sites, f"MQL counts per site {sites} != {expected_sites}")
                    s["detail"] = ", ".join(f"{k}={v}" for k, v in sorted(sites.items()))

                everything = Filter(organization_ids=[org])
                with self.step("export binary") as s:
                    exported = export_binary(
                        client, everything, str(self.out / "binary"), include_metadata=True
                    )
                    self._verify_binary_export(self.out / "binary", exported)
                    s["detail"] = (
                        f"{exported.downloaded} files, {exported.bytes_downloaded} bytes, SHA-256 verified"
                    )
                with self.step("export binary again (resume)") as s:
                    again = export_binary(client, everything, str(self.out / "binary"), include_metadata=True)
                    self.check(
                        again.downloaded == 0 and again.skipped == len(self.uploaded),
                        f"a rerun downloaded {again.downloaded} and skipped {again.skipped}",
                    )
                    s["detail"] = f"{again.skipped} already complete, {again.downloaded} downloaded"

                with self.step("tags") as s:
                    reviewed = self.image_ids[:5]
                    client.add_tags_to_binary_data_by_ids(["reviewed"], reviewed)
                    tags = sorted(client.tags_by_filter(everything))
                    self.check("reviewed" in tags, f"tags_by_filter {tags} lacks 'reviewed'")
                    tagged = Filter(
                        organization_ids=[org],
                        tags_filter=TagsFilter(
                            type=TagsFilterType.TAGS_FILTER_TYPE_MATCH_BY_OR, tags=["reviewed"]
                        ),
                    )
                    found = sum(1 for _ in client.iter_binary(tagged, include_binary_data=False))
                    self.check(
                        found == len(reviewed), f"{found} items tagged 'reviewed', expected {len(reviewed)}"
                    )
                    s["detail"] = f"{found} images tagged 'reviewed'; tags: {', '.join(tags)}"
                with self.step("dataset") as s:
                    dataset_id = client.create_dataset("demo-camera-1", org)
                    client.add_binary_data_to_dataset_by_ids(self.image_ids, dataset_id)
                    names = [d.name for d in client.list_datasets_by_organization_id(org)]
                    self.check("demo-camera-1" in names, f"datasets {names} lack demo-camera-1")
                    in_dataset = export_binary(
                        client,
                        Filter(organization_ids=[org], dataset_id=dataset_id),
                        str(self.out / "dataset"),
                    )
                    self.check(
                        in_dataset.listed == self.IMAGES,
                        f"dataset export has {in_dataset.listed} files, added {self.IMAGES}",
                    )
                    s["detail"] = f"{in_dataset.listed} images in dataset {dataset_id}"

                with self.step("pandas DataFrame") as s:
                    s["detail"] = self.dataframe(client, readings)

        seconds = time.perf_counter() - started
        self._write_summary(seconds)
        self.say(
            f"\n  output in {self.out}/: tabular/readings.jsonl, tabular/readings.csv, "
            "queries/sql.jsonl, queries/mql.jsonl,\n"
            "    binary/data/ + binary/metadata/, dataset/data/, source/ (uploaded files), summary.json"
        )
        if self.failures:
            self.say(f"  demo FAILED ({len(self.failures)} problem(s)) in {seconds:.1f}s")
            return EXIT_FAILURE
        self.say(f"  demo passed: every count and checksum round-tripped, in {seconds:.1f}s")
        return EXIT_OK

    def dataframe(self, client: Any, readings: Any) -> str:
        """Readings into pandas (when installed), as a notebook user would."""
        try:
            import pandas  # noqa: F401
        except ImportError:
            return "skipped: pandas not installed (pip install viam-data-sync[pandas])"
        from viam_data_sync import tabular_to_dataframe

        frame = tabular_to_dataframe(client.iter_tabular(readings))
        self.check(len(frame) == self.rows_uploaded, f"DataFrame has {len(frame)} rows")
        means = frame.groupby("component_name")["data.readings.temperature_c"].mean()
        return f"{frame.shape[0]}x{frame.shape[1]}; mean temperature_c " + ", ".join(
            f"{name}={value:.2f}" for name, value in means.items()
        )

    def _verify_binary_export(self, root: Path, result: BinaryExportResult) -> None:
        files = sorted(p for p in (root / "data").iterdir() if not p.name.startswith("."))
        self.check(
            result.listed == len(self.uploaded),
            f"binary export listed {result.listed}, uploaded {len(self.uploaded)}",
        )
        self.check(
            len(files) == len(self.uploaded),
            f"{len(files)} files in binary/data, uploaded {len(self.uploaded)}",
        )
        exported = sorted(_sha256(p.read_bytes()) for p in files)
        self.check(
            exported == sorted(self.uploaded.values()), "exported files' SHA-256 differ from the uploads"
        )
        metas = list((root / "metadata").glob("*.json"))
        self.check(len(metas) == len(files), f"{len(metas)} metadata files for {len(files)} data files")

    def _write_summary(self, seconds: float) -> None:
        summary = {
            "seconds": round(seconds, 3),
            "ok": not self.failures,
            "failures": self.failures,
            "rows_uploaded": self.rows_uploaded,
            "files_uploaded": len(self.uploaded),
            "steps": self.steps,
        }
        write_text_atomic(str(self.out / "summary.json"), json.dumps(summary, indent=2) + "\n")


def run_demo(out: str = "demo-output", *, quiet: bool = False) -> int:
    """Run the demo (see ``viam-data-sync demo --help``); returns the exit code."""
    directory = Path(out)
    directory.mkdir(parents=True, exist_ok=True)
    return _Demo(directory, quiet).run()


if __name__ == "__main__":
    sys.exit(main())
