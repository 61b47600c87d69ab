"""Uploads: readings, images and files, streamed in chunks from any source.

A chapter of :class:`~viam_data_sync.DataClient` (see ``_client.py`` for the index).
"""
from __future__ import annotations

import datetime as _dt
import os
from pathlib import Path
from typing import Any, List, Mapping, Optional, Tuple, Union

from viam_data_sync._api._base import ClientBase
from viam_data_sync._checks import (
    check_optional_list,
    check_optional_text,
    check_text,
    check_time,
)
from viam_data_sync._config import USE_CLIENT_DEFAULT
from viam_data_sync._convert import (
    datetime_to_timestamp,
    dict_to_struct,
    params_to_any_map,
)
from viam_data_sync._proto.app.datasync.v1 import data_sync_pb2
from viam_data_sync._rpcs import DataSyncService
from viam_data_sync._upload import (
    DEFAULT_CHUNK_SIZE,
    ProgressCallback,
    UploadSource,
    file_upload_requests,
    streaming_upload_requests,
)


TimePair = Tuple[_dt.datetime, _dt.datetime]

#: The longest signed URL the service grants (7 days), in minutes.


def sensor_metadata_arg(times: Any, name: str = "data_request_times") -> Optional[Any]:
    """``SensorMetadata`` for a ``(requested, received)`` pair, or ``None``."""
    if times is None:
        return None
    if isinstance(times, (str, bytes)) or not isinstance(times, (list, tuple)) or len(times) != 2:
        raise TypeError(f"{name} must be a (time_requested, time_received) pair of datetimes")
    requested = check_time(f"{name}[0]", times[0])
    received = check_time(f"{name}[1]", times[1])
    return data_sync_pb2.SensorMetadata(
        time_requested=datetime_to_timestamp(requested),
        time_received=datetime_to_timestamp(received),
    )


def file_extension_arg(file_extension: Any, name: str) -> str:
    """``"jpg"`` -> ``".jpg"``; ``None``/``""`` -> ``""``."""
    ext = check_optional_text(name, file_extension)
    if ext and not ext.startswith("."):
        ext = "." + ext
    return ext


def upload_metadata_arg(
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
        part_id=check_text("part_id", part_id),
        component_type=check_optional_text("component_type", component_type),
        component_name=check_optional_text("component_name", component_name),
        method_name=check_optional_text("method_name", method_name),
        type=data_type,
        file_name=check_optional_text("file_name", file_name),
        file_extension=file_extension,
        tags=check_optional_list("tags", tags),
        dataset_ids=check_optional_list("dataset_ids", dataset_ids),
        mime_type=check_optional_text("mime_type", mime_type),
    )
    for key, value in params_to_any_map(method_parameters).items():
        metadata.method_parameters[key].CopyFrom(value)
    return metadata


class Uploads(ClientBase):
    """Uploads: readings, images and files, streamed in chunks from any source."""

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
                part_id="<PART-ID>",
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
        extension = file_extension_arg(file_extension, "file_extension")
        if not extension and not mime_type:
            raise ValueError("file_extension must not be empty (or give a mime_type)")
        metadata = upload_metadata_arg(
            part_id,
            data_sync_pb2.DATA_TYPE_BINARY_SENSOR,
            component_type=check_text("component_type", component_type, allow_empty=True),
            component_name=check_text("component_name", component_name, allow_empty=True),
            method_name=check_text("method_name", method_name, allow_empty=True),
            method_parameters=method_parameters,
            file_extension=extension,
            tags=tags,
            dataset_ids=dataset_ids,
            mime_type=mime_type,
        )
        sensor = data_sync_pb2.SensorData(binary=bytes(binary_data))
        sensor_metadata = sensor_metadata_arg(data_request_times)
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
                part_id="<PART-ID>",
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
            sensor_metadata = sensor_metadata_arg(times, f"data_request_times[{index}]") if times else None
            if sensor_metadata is not None:
                sensor.metadata.CopyFrom(sensor_metadata)
            contents.append(sensor)
        metadata = upload_metadata_arg(
            part_id,
            data_sync_pb2.DATA_TYPE_TABULAR_SENSOR,
            component_type=check_text("component_type", component_type, allow_empty=True),
            component_name=check_text("component_name", component_name, allow_empty=True),
            method_name=check_text("method_name", method_name, allow_empty=True),
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
                part_id="<PART-ID>",
                file_ext="png",
                component_type='motor',
                component_name='left_motor',
                method_name='IsPowered',
                data_request_times=[time_requested, time_received],
                tags=["tag_1", "tag_2"]
            )
        """
        extension = file_extension_arg(file_ext, "file_ext")
        if not extension and not mime_type:
            raise ValueError("file_ext must not be empty (or give a mime_type)")
        upload_metadata = upload_metadata_arg(
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
        sensor_metadata = sensor_metadata_arg(data_request_times)
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
                part_id="<PART-ID>",
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
            file_extension=file_extension_arg(file_extension, "file_extension"),
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
                part_id="<PART-ID>",
                tags=["tag_1", "tag_2"],
                filepath="/data/log.txt"
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
            file_extension=file_extension_arg(file_extension, "file_extension"),
            tags=tags,
            dataset_ids=dataset_ids,
            mime_type=mime_type,
            timeout=timeout,
        )

    def _file_upload(self, source: UploadSource, part_id: Any, *, timeout: Any, **fields: Any) -> str:
        metadata = upload_metadata_arg(part_id, data_sync_pb2.DATA_TYPE_FILE, **fields)
        response = self._caller.call(
            DataSyncService.FileUpload,
            lambda: file_upload_requests(metadata, source),
            replayable=source.replayable,
            timeout=timeout,
        )
        return str(response.binary_data_id)
