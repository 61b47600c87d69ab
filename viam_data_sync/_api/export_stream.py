"""The ``ExportTabularData`` stream: its request, its rows, and the
:class:`ExportSource` that ``iter_export_tabular`` and ``export_tabular_data`` read it
through.

A stream, not pages: the iterator (:class:`~viam_data_sync.ExportIterator`) is handed
one :class:`ExportSource`, built here from the call layer, that opens the stream from a
capture time, and says when a broken one may be reopened and after what pause. The
iterator decides where to resume (it alone knows which rows it yielded); the source
makes the calls.
"""
from __future__ import annotations

import datetime as _dt
from typing import Any, Iterator, Mapping, Optional

import grpc

from viam_data_sync._call import Caller
from viam_data_sync._checks import check_interval, check_text
from viam_data_sync._config import USE_CLIENT_DEFAULT, TimeoutArg
from viam_data_sync._convert import (
    as_utc,
    datetime_to_ns,
    datetime_to_timestamp,
    dict_to_struct,
    ns_to_timestamp,
    struct_to_dict,
    timestamp_to_datetime,
    timestamp_to_ns,
)
from viam_data_sync._errors import ApiError, DeadlineExceeded
from viam_data_sync._export_iterator import ExportIterator
from viam_data_sync._models import TabularDataPoint
from viam_data_sync._proto.app.data.v1 import data_pb2
from viam_data_sync._retry import Idempotency, should_retry
from viam_data_sync._rpcs import DataService


def export_request(part_id: str, resource_name: str, resource_api: str, method_name: str, start_ns: Optional[int],
                   end_time: Optional[_dt.datetime], params: Any) -> data_pb2.ExportTabularDataRequest:
    """An ``ExportTabularDataRequest`` from ``start_ns`` (inclusive) to ``end_time``."""
    request = data_pb2.ExportTabularDataRequest(
        part_id=part_id, resource_name=resource_name, resource_subtype=resource_api, method_name=method_name,
    )
    request.interval.SetInParent()
    if start_ns is not None:
        request.interval.start.CopyFrom(ns_to_timestamp(start_ns))
    if end_time is not None:
        request.interval.end.CopyFrom(datetime_to_timestamp(end_time))
    if params is not None:
        request.additional_parameters.CopyFrom(params)
    return request


def export_point(message: data_pb2.ExportTabularDataResponse) -> TabularDataPoint:
    """One ``ExportTabularData`` message as a ``TabularDataPoint``."""
    return TabularDataPoint(
        part_id=message.part_id,
        resource_name=message.resource_name,
        resource_api=message.resource_subtype,
        method_name=message.method_name,
        time_captured=timestamp_to_datetime(message.time_captured),
        organization_id=message.organization_id,
        location_id=message.location_id,
        robot_name=message.robot_name,
        robot_id=message.robot_id,
        part_name=message.part_name,
        method_parameters=struct_to_dict(message.method_parameters),
        tags=list(message.tags),
        payload=struct_to_dict(message.payload),
    )


class ExportSource:
    """One export (part, resource, method, interval, parameters) as a stream source:
    :meth:`open` sends ``ExportTabularData`` from a capture time through the call layer.

    ``timeout`` bounds each stream; ``deadline`` (the caller's clock's ``monotonic()``
    seconds), if given, bounds them all: no stream outlives it and none is reopened
    after it.
    """

    def __init__(self, caller: Caller, part_id: Any, resource_name: Any, resource_api: Any, method_name: Any,
                 start_time: Optional[_dt.datetime] = None, end_time: Optional[_dt.datetime] = None,
                 additional_params: Optional[Mapping[str, Any]] = None, *, timeout: TimeoutArg = None,
                 deadline: Optional[float] = None) -> None:
        for name, value in (("part_id", part_id), ("resource_name", resource_name),
                            ("resource_api", resource_api), ("method_name", method_name)):
            check_text(name, value)
        check_interval(start_time, end_time)
        self._caller = caller
        self._names = (part_id, resource_name, resource_api, method_name)
        self._start_ns = datetime_to_ns(start_time) if start_time is not None else None
        self._end_time = end_time
        self._params = dict_to_struct(additional_params) if additional_params is not None else None
        self._timeout = timeout
        self._deadline = deadline
        #: Broken streams in a row (without a new row) after which the error is raised.
        self.max_attempts = caller.retry.max_attempts
        #: What a resume token is bound to.
        self.identity = repr((part_id, resource_name, resource_api, method_name, self._start_ns,
                              end_time and as_utc(end_time).isoformat(), additional_params))

    def _stream_timeout(self) -> TimeoutArg:
        if self._deadline is None:
            return self._timeout
        remaining = self._deadline - self._caller.clock.monotonic()
        if remaining <= 0:
            raise DeadlineExceeded(grpc.StatusCode.DEADLINE_EXCEEDED, "the export ran past its timeout",
                                   method=DataService.ExportTabularData.path)
        per_stream = self._caller.timeout if self._timeout is USE_CLIENT_DEFAULT else self._timeout
        return remaining if per_stream is None else min(float(per_stream), remaining)

    def open(self, from_ns: Optional[int]) -> Iterator[data_pb2.ExportTabularDataResponse]:
        """The stream's messages from capture time ``from_ns`` (inclusive; ``None``:
        the export's own start)."""
        request = export_request(*self._names, from_ns if from_ns is not None else self._start_ns,
                                 self._end_time, self._params)
        return self._caller.call(DataService.ExportTabularData, request, timeout=self._stream_timeout())

    def time_of(self, message: data_pb2.ExportTabularDataResponse) -> int:
        """A message's capture time (ns): what the stream is ordered and resumed by."""
        return timestamp_to_ns(message.time_captured)

    def convert(self, message: data_pb2.ExportTabularDataResponse) -> TabularDataPoint:
        return export_point(message)

    def resumable(self, error: BaseException) -> bool:
        """Whether a stream that broke with ``error`` may be reopened."""
        if self._deadline is not None and self._caller.clock.monotonic() >= self._deadline:
            return False
        return isinstance(error, ApiError) and should_retry(error.code, Idempotency.READ, error.details)

    def pause(self, failures: int) -> None:
        """Wait before reopening after ``failures`` broken streams in a row (the retry
        policy's back-off, on the client's clock)."""
        self._caller.clock.sleep(self._caller.retry.backoff(failures))


def export_points(
    caller: Caller,
    part_id: Any,
    resource_name: Any,
    resource_api: Any,
    method_name: Any,
    start_time: Optional[_dt.datetime] = None,
    end_time: Optional[_dt.datetime] = None,
    additional_params: Optional[Mapping[str, Any]] = None,
    *,
    start_after: Optional[str] = None,
    max_results: Optional[int] = None,
    timeout: TimeoutArg = None,
    deadline: Optional[float] = None,
) -> ExportIterator:
    """The resuming iterator over one ``ExportTabularData`` stream (see
    ``iter_export_tabular``; ``timeout`` and ``deadline`` as :class:`ExportSource`)."""
    source = ExportSource(caller, part_id, resource_name, resource_api, method_name, start_time, end_time,
                          additional_params, timeout=timeout, deadline=deadline)
    return ExportIterator(source, start_after=start_after, max_results=max_results)
