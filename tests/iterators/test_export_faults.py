"""The export stream iterator against the real local server: rows as they arrive,
exactly once through cut streams, resumable from a cursor."""
from __future__ import annotations

import grpc
import pytest

from viam_data_sync import RetryPolicy
from viam_data_sync._call import Caller
from viam_data_sync._channel import Connection
from viam_data_sync._convert import ns_to_timestamp, timestamp_to_ns
from viam_data_sync._errors import ApiError
from viam_data_sync._iterators import ExportIterator
from viam_data_sync._proto.app.data.v1 import data_pb2
from viam_data_sync._retry import Idempotency, should_retry
from viam_data_sync._rpcs import DataService
from viam_data_sync.server import LocalDataServer
from viam_data_sync.testing import FaultInjector

from ._seed import seed_readings

ROWS = 30_000


@pytest.fixture(scope="module")
def env():
    faults = FaultInjector(seed=11)
    with LocalDataServer(auth=False, interceptors=[faults]) as server:
        seed_readings(server.address, server.part_id, ROWS, same_time_every=3)
        caller = Caller(Connection.for_address(server.address, insecure=True),
                        retry=RetryPolicy(initial_backoff=0.001, max_backoff=0.01))
        yield server, faults, caller
        caller.connection.close()


def export(server, caller, **kwargs):
    def open_stream(resume_ns):
        request = data_pb2.ExportTabularDataRequest(
            part_id=server.part_id, resource_name="sensor-1", resource_subtype="rdk:component:sensor",
            method_name="Readings")
        request.interval.SetInParent()
        if resume_ns is not None:
            request.interval.start.CopyFrom(ns_to_timestamp(resume_ns))
        return caller.call(DataService.ExportTabularData, request, timeout=60)

    return ExportIterator(
        open_stream, lambda m: int(m.payload["readings"]["i"]), time_of=lambda m: timestamp_to_ns(m.time_captured),
        should_resume=lambda e: isinstance(e, ApiError) and should_retry(e.code, Idempotency.READ),
        max_attempts=5, context="test", **kwargs)


def test_export_exactly_once_through_cut_streams(env):
    server, faults, caller = env
    faults.clear()
    # Five streams in a row are cut after 4001 rows (rows share capture times in threes,
    # so resumes land in the middle of equal-time groups).
    faults.fail("ExportTabularData", grpc.StatusCode.UNAVAILABLE, times=5, after_messages=4001)
    it = export(server, caller)
    got = list(it)
    faults.clear()
    assert it.reconnects >= 3
    assert sorted(got) == list(range(ROWS))
    assert len(set(got)) == ROWS


def test_export_non_retryable_error_raises_and_cursor_resumes(env):
    server, faults, caller = env
    faults.clear()
    faults.fail("ExportTabularData", grpc.StatusCode.PERMISSION_DENIED, times=1, after_messages=10_001)
    first = export(server, caller)
    got = []
    with pytest.raises(ApiError):
        for value in first:
            got.append(value)
    assert len(got) == 10_001
    rest = list(export(server, caller, start_after=first.cursor))
    faults.clear()
    assert sorted(got + rest) == list(range(ROWS))


def test_export_early_stop_cancels_the_stream(env):
    server, faults, caller = env
    faults.clear()
    it = export(server, caller)
    for count, _ in enumerate(it, 1):
        if count == 5:
            break
    it.close()
    # The next export still works on the same channel.
    assert len(list(export(server, caller, max_results=7))) == 7
