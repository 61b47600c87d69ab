"""``viam.app.datasync.v1.DataSyncService``: uploads into the local store.

* ``DataCaptureUpload`` (unary): tabular readings (one ``readings`` row per
  ``SensorData`` struct, in one transaction) or one binary item.
* ``FileUpload`` / ``StreamingDataCaptureUpload`` (client streams): the first message
  must be the metadata, then any number of data chunks. Chunks go to a temp file on
  disk (never held in memory); when the client half-closes, the file is fsynced,
  renamed into place and recorded in one transaction. A stream that is cancelled,
  times out or breaks leaves nothing visible (the temp file is removed; a server crash
  leaves one that the next start removes).

Time fields of an item: ``time_requested`` is ``SensorMetadata.time_requested`` (for
files, ``file_create_time``); ``time_received`` - the sort and interval key - is
``SensorMetadata.time_received``, else the requested time, else the server's clock
(for files: ``file_modify_time``, else ``file_create_time``, else the clock). A time the
store cannot hold (outside 1677-2262) is INVALID_ARGUMENT.

Annotation ids: the server assigns every uploaded bounding box and classification a new
id; ids in the upload are ignored (they are global keys, so keeping them would let one
upload collide with, and so detect, another organization's annotations).
"""

from __future__ import annotations

import base64
import contextlib
import json
import mimetypes
import os
import sqlite3
from dataclasses import dataclass
from typing import Any, Generator, List, Optional, Sequence, Tuple

import grpc
from google.protobuf.message import DecodeError

from viam_data_sync._convert import any_map_to_params, struct_to_dict
from viam_data_sync._proto.app.datasync.v1 import data_sync_pb2, data_sync_pb2_grpc
from viam_data_sync.server._config import ServiceConfig
from viam_data_sync.server.services.validation import check_box
from viam_data_sync.server.services.records import make_binary_data_id
from viam_data_sync.server.store.schema import unstorable_key
from viam_data_sync.server._rpc import (
    LOG,
    Authorizer,
    Consumer,
    RpcFail,
    Scope,
    fill_unimplemented,
    handler,
    invalid,
    not_found,
    stream_handler,
)
from viam_data_sync.server.store import PartInfo, Store, binary, datasets, new_id, now_ns, readings
from viam_data_sync.server.store.values import stored_ns
MAX_READING_BYTES = 4 * 1024 * 1024  # the cloud rejects larger tabular readings
CHUNK_LOG_EVERY = 10_000

_ENUM_MIME = {
    data_sync_pb2.MIME_TYPE_IMAGE_JPEG: "image/jpeg",
    data_sync_pb2.MIME_TYPE_IMAGE_PNG: "image/png",
    data_sync_pb2.MIME_TYPE_APPLICATION_PCD: "pointcloud/pcd",
    data_sync_pb2.MIME_TYPE_VIDEO_MP4: "video/mp4",
}


@dataclass
class Target:
    """Where an upload goes, validated before any data is read."""

    part: PartInfo
    metadata: Any  # UploadMetadata
    params_json: str
    tags: List[str]
    dataset_ids: List[str]


def _params_json(anys: Any) -> str:
    try:
        params = any_map_to_params(anys)
    except DecodeError:
        raise ValueError("a value's Any payload does not decode as its type_url says") from None
    bad_key = unstorable_key(params)
    if bad_key is not None:
        raise ValueError(f"the key {bad_key[:200]} holds a NUL character, which BSON keys cannot")
    for key, value in list(params.items()):
        if hasattr(value, "type_url"):  # an Any of a type we cannot unpack: keep it recognisable
            params[key] = {"@type": value.type_url, "value": base64.b64encode(value.value).decode()}
    return json.dumps(params, sort_keys=True, allow_nan=False)


def _mime_type(metadata: Any, sensor_metadata: Optional[Any], ext: str) -> str:
    if metadata.mime_type:
        return str(metadata.mime_type)
    if sensor_metadata is not None and sensor_metadata.mime_type in _ENUM_MIME:
        return _ENUM_MIME[sensor_metadata.mime_type]
    if ext:
        guessed, _ = mimetypes.guess_type("file" + (ext if ext.startswith(".") else "." + ext))
        if guessed:
            return guessed
    return ""


def _times(sensor_metadata: Optional[Any]) -> Tuple[Optional[int], int]:
    requested = received = None
    if sensor_metadata is not None:
        if sensor_metadata.HasField("time_requested"):
            requested = stored_ns(sensor_metadata.time_requested, "metadata.time_requested")
        if sensor_metadata.HasField("time_received"):
            received = stored_ns(sensor_metadata.time_received, "metadata.time_received")
    if received is None:
        received = requested if requested is not None else now_ns()
    return requested, received


def _file_times(metadata: Any) -> Tuple[Optional[int], int]:
    created = (
        stored_ns(metadata.file_create_time, "metadata.file_create_time")
        if metadata.HasField("file_create_time")
        else None
    )
    modified = (
        stored_ns(metadata.file_modify_time, "metadata.file_modify_time")
        if metadata.HasField("file_modify_time")
        else None
    )
    received = modified if modified is not None else created if created is not None else now_ns()
    return created, received


def _item_times(metadata: Any, sensor_metadata: Optional[Any], is_file: bool) -> Tuple[Optional[int], int]:
    """(time_requested, time_received) ns of a binary item; INVALID_ARGUMENT if unstorable."""
    return _file_times(metadata) if is_file else _times(sensor_metadata)


def _annotations(sensor_metadata: Optional[Any]) -> Optional[Any]:
    """The item's annotations, every box checked; None when there are none."""
    if sensor_metadata is None or not sensor_metadata.HasField("annotations"):
        return None
    annotations = sensor_metadata.annotations
    for box in annotations.bboxes:
        check_box(
            box.x_min_normalized,
            box.y_min_normalized,
            box.x_max_normalized,
            box.y_max_normalized,
            box.confidence if box.HasField("confidence") else None,
        )
    return annotations


class DataSyncServicer(data_sync_pb2_grpc.DataSyncServiceServicer):
    """Uploads. See the module docstring for the streaming and durability rules."""

    def __init__(self, store: Store, auth: Authorizer, config: ServiceConfig) -> None:
        self.store = store
        self.auth = auth
        self.config = config

    # ------------------------------------------------------------ validation
    def _target(self, metadata: Any, scope: Scope) -> Target:
        if not metadata.part_id:
            raise invalid("metadata.part_id is required")
        part = self.store.part_info(metadata.part_id)
        if part is None or (scope is not None and part.organization_id not in scope):
            raise not_found(f"part {metadata.part_id[:100]} not found")
        tags = list(dict.fromkeys(metadata.tags))
        if any(not t.strip() for t in tags):
            raise invalid("tags must not be empty")
        dataset_ids = list(dict.fromkeys(metadata.dataset_ids))
        conn = self.store.conn()
        for dataset_id in dataset_ids:
            if datasets.organization_of(conn, dataset_id) != part.organization_id:
                raise not_found(f"dataset {dataset_id[:100]} not found in the part's organization")
        try:
            params = _params_json(metadata.method_parameters)
        except ValueError as exc:
            raise invalid(f"method_parameters: {exc}") from None
        return Target(part, metadata, params, tags, dataset_ids)

    # ------------------------------------------------------------ DataCaptureUpload
    @handler
    def DataCaptureUpload(self, request: Any, context: Any, scope: Scope) -> Any:  # noqa: N802
        if not request.HasField("metadata"):
            raise invalid("metadata is required")
        if not request.sensor_contents:
            raise invalid("sensor_contents is empty")
        kinds = [item.WhichOneof("data") for item in request.sensor_contents]
        if None in kinds:
            raise invalid(f"sensor_contents[{kinds.index(None)}] carries no data (struct or binary)")
        data_type = request.metadata.type
        if data_type == data_sync_pb2.DATA_TYPE_FILE:
            raise invalid("DataCaptureUpload does not take DATA_TYPE_FILE; use FileUpload")
        wanted = {
            data_sync_pb2.DATA_TYPE_TABULAR_SENSOR: "struct",
            data_sync_pb2.DATA_TYPE_BINARY_SENSOR: "binary",
        }.get(data_type, kinds[0])
        if any(k != wanted for k in kinds):
            raise invalid(f"every sensor_contents item must carry {wanted} data for this upload type")
        target = self._target(request.metadata, scope)
        if wanted == "struct":
            file_id = self._insert_readings(target, request.sensor_contents)
            return data_sync_pb2.DataCaptureUploadResponse(file_id=file_id)
        if len(request.sensor_contents) != 1:
            raise invalid("a binary DataCaptureUpload carries exactly one SensorData")
        item = request.sensor_contents[0]
        limit = self.config.max_upload_bytes
        if limit is not None and len(item.binary) > limit:
            raise RpcFail(grpc.StatusCode.RESOURCE_EXHAUSTED, _too_large(limit))
        sensor_metadata = item.metadata if item.HasField("metadata") else None
        temp = self._temp_from_bytes(item.binary)
        file_id, binary_data_id = self._commit_binary(target, temp, len(item.binary), sensor_metadata)
        return data_sync_pb2.DataCaptureUploadResponse(file_id=file_id, binary_data_id=binary_data_id)

    def _insert_readings(self, target: Target, contents: Sequence[Any]) -> str:
        part, md = target.part, target.metadata
        rows = []
        tags_json = json.dumps(target.tags)
        for index, item in enumerate(contents):
            size = item.struct.ByteSize()
            if size > MAX_READING_BYTES:
                raise invalid(
                    f"sensor_contents[{index}] is {size} bytes; tabular readings are limited to 4 MB"
                )
            reading = struct_to_dict(item.struct)
            bad_key = unstorable_key(reading)
            if bad_key is not None:
                raise invalid(
                    f"sensor_contents[{index}] has the key {bad_key[:200]}, which holds a NUL character; "
                    "SQL and MQL results are BSON, whose keys cannot"
                )
            try:
                data = json.dumps(reading, allow_nan=False)
            except ValueError:
                raise invalid(f"sensor_contents[{index}] holds a NaN or infinite number") from None
            requested, received = _times(item.metadata if item.HasField("metadata") else None)
            rows.append(
                (
                    "",  # the ingestion-ordered id, taken inside the write transaction
                    part.organization_id,
                    part.location_id,
                    part.robot_id,
                    part.robot_name,
                    part.part_id,
                    part.part_name,
                    md.component_type,
                    md.component_name,
                    md.method_name,
                    target.params_json,
                    tags_json,
                    md.mime_type,
                    requested,
                    received,
                    data,
                    item.struct.SerializeToString(deterministic=True),
                )
            )
        with self.store.write() as conn:
            readings.insert(conn, rows, self.store.ingest_ids)
        return new_id()

    # ------------------------------------------------------------ streams
    @stream_handler
    def FileUpload(self, context: Any, scope: Scope) -> Consumer:  # noqa: N802
        def metadata_of(first: Any) -> Any:
            if first.WhichOneof("upload_packet") != "metadata":
                raise invalid("the first FileUpload message must carry metadata")
            md = first.metadata
            if md.type not in (data_sync_pb2.DATA_TYPE_UNSPECIFIED, data_sync_pb2.DATA_TYPE_FILE):
                raise invalid("FileUpload takes DATA_TYPE_FILE (or unspecified) metadata")
            return md, None

        def chunk_of(message: Any) -> bytes:
            if message.WhichOneof("upload_packet") != "file_contents":
                raise invalid("only the first FileUpload message may carry metadata")
            data: bytes = message.file_contents.data
            return data

        file_id, binary_data_id = yield from self._stream_upload(
            context, scope, metadata_of, chunk_of, is_file=True
        )
        return data_sync_pb2.FileUploadResponse(file_id=file_id, binary_data_id=binary_data_id)

    @stream_handler
    def StreamingDataCaptureUpload(self, context: Any, scope: Scope) -> Consumer:  # noqa: N802
        def metadata_of(first: Any) -> Any:
            if first.WhichOneof("upload_packet") != "metadata":
                raise invalid("the first StreamingDataCaptureUpload message must carry metadata")
            md = first.metadata.upload_metadata
            if md.type not in (data_sync_pb2.DATA_TYPE_UNSPECIFIED, data_sync_pb2.DATA_TYPE_BINARY_SENSOR):
                raise invalid("StreamingDataCaptureUpload carries binary sensor data only")
            sensor = first.metadata.sensor_metadata if first.metadata.HasField("sensor_metadata") else None
            return md, sensor

        def chunk_of(message: Any) -> bytes:
            if message.WhichOneof("upload_packet") != "data":
                raise invalid("only the first StreamingDataCaptureUpload message may carry metadata")
            data: bytes = message.data
            return data

        file_id, binary_data_id = yield from self._stream_upload(
            context, scope, metadata_of, chunk_of, is_file=False
        )
        return data_sync_pb2.StreamingDataCaptureUploadResponse(
            file_id=file_id, binary_data_id=binary_data_id
        )

    def _stream_upload(
        self,
        context: Any,
        scope: Scope,
        metadata_of: Any,
        chunk_of: Any,
        *,
        is_file: bool,
    ) -> Generator[None, Any, Tuple[str, str]]:
        """The upload consumer: takes each message by ``yield`` (``None`` at the end)."""
        first = yield
        if first is None:
            raise invalid("empty upload stream: the first message must carry metadata")
        md, sensor_metadata = metadata_of(first)
        target = self._target(md, scope)
        _item_times(md, sensor_metadata, is_file)  # bad times and boxes fail before any data is read
        _annotations(sensor_metadata)
        limit = self.config.max_upload_bytes
        _, temp = self.store.new_temp_file()
        committed = False
        try:
            size = 0
            with open(temp, "wb") as fh:
                while True:
                    message = yield
                    if message is None:
                        break
                    chunk = chunk_of(message)
                    size += len(chunk)
                    if limit is not None and size > limit:
                        raise RpcFail(grpc.StatusCode.RESOURCE_EXHAUSTED, _too_large(limit))
                    fh.write(chunk)
                fh.flush()
                os.fsync(fh.fileno())
            result = self._commit_binary(
                target,
                temp,
                size,
                sensor_metadata,
                is_file=is_file,
                still_wanted=lambda: _still_wanted(context),
            )
            committed = True
            return result
        finally:
            if not committed:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(temp)

    # ------------------------------------------------------------ commit
    def _temp_from_bytes(self, data: bytes) -> str:
        _, temp = self.store.new_temp_file()
        try:
            with open(temp, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)
            raise
        return temp

    def _commit_binary(
        self,
        target: Target,
        temp: str,
        size: int,
        sensor_metadata: Optional[Any],
        *,
        is_file: bool = False,
        still_wanted: Optional[Any] = None,
    ) -> Tuple[str, str]:
        """Rename ``temp`` into place and record it, all or nothing. Returns (file_id, binary_data_id).

        ``still_wanted`` is asked last, inside the transaction: False rolls everything back.
        """
        md, part = target.metadata, target.part
        ext = md.file_extension
        requested, received = _item_times(md, sensor_metadata, is_file)
        annotations = _annotations(sensor_metadata)
        file_id = new_id()
        binary_data_id = make_binary_data_id(part.organization_id, part.location_id, file_id)
        final = self.store.blob_path(file_id)
        try:
            os.makedirs(os.path.dirname(final), exist_ok=True)
            os.replace(temp, final)
            _fsync_dir(os.path.dirname(final))
            item = binary.NewBinary(
                binary_data_id=binary_data_id, file_id=file_id, part=part, component_type=md.component_type,
                component_name=md.component_name, method_name=md.method_name,
                method_parameters=target.params_json, mime_type=_mime_type(md, sensor_metadata, ext),
                file_name=md.file_name, file_ext=ext, size_bytes=size, time_requested_ns=requested,
                time_received_ns=received,
            )
            with self.store.write() as conn:
                row_id = binary.insert_item(conn, item)
                binary.add_tags(conn, [row_id], target.tags)
                for dataset_id in target.dataset_ids:
                    if datasets.get(conn, dataset_id) is None:
                        raise not_found(f"dataset {dataset_id[:100]} not found")
                    binary.add_to_dataset(conn, dataset_id, [row_id])
                if annotations is not None:
                    _insert_annotations(conn, row_id, annotations)
                if still_wanted is not None and not still_wanted():
                    raise RpcFail(grpc.StatusCode.CANCELLED, "upload cancelled before it completed")
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(final)
            raise
        LOG.debug("stored %s (%d bytes)", binary_data_id, size)
        return file_id, binary_data_id


def _too_large(limit: int) -> str:
    # "too large" is what clients take for a limit that repeating cannot pass.
    return f"upload too large: it exceeds the server's limit of {limit} bytes (max_upload_bytes); nothing was stored"


def _still_wanted(context: Any) -> bool:
    """Whether a client stream really completed and its caller still waits.

    grpcio's server can report a stream that was cancelled (or hit its deadline) as a
    normal end of requests, and flags the cancellation a moment later; so this is asked
    as late as possible, after the fsync, and the deadline is checked directly.
    """
    if not context.is_active():
        return False
    remaining = context.time_remaining()
    return remaining is None or remaining > 0


def _insert_annotations(conn: sqlite3.Connection, row_id: int, annotations: Any) -> None:
    seq = now_ns()
    for offset, box in enumerate(annotations.bboxes):
        confidence = box.confidence if box.HasField("confidence") else None
        binary.insert_box(conn, row_id, binary.Box(box.label, box.x_min_normalized, box.y_min_normalized,
                                                   box.x_max_normalized, box.y_max_normalized, confidence),
                          seq + offset)
    for offset, item in enumerate(annotations.classifications):
        binary.insert_classification(conn, row_id, item.label,
                                     item.confidence if item.HasField("confidence") else None, seq + offset)


def _fsync_dir(path: str) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


fill_unimplemented(
    DataSyncServicer,
    data_sync_pb2.DESCRIPTOR.services_by_name["DataSyncService"],
    {"DataCaptureUpload", "FileUpload", "StreamingDataCaptureUpload"},
)
