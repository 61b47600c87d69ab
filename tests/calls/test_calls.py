"""The call layer against a real loopback server with injected faults: retries by
idempotency class, deadlines, budget, retry-after, re-authentication, uploads."""
from __future__ import annotations

import logging
import time

import grpc
import pytest

from viam_data_sync import (
    DeadlineExceeded,
    InvalidArgument,
    RetryBudget,
    RetryPolicy,
    Unauthenticated,
    Unavailable,
    UploadOutcomeUnknown,
)
from viam_data_sync._connect import caller_from_api_key, caller_from_env
from viam_data_sync._proto.app.data.v1 import data_pb2
from viam_data_sync._proto.app.dataset.v1 import dataset_pb2
from viam_data_sync._proto.app.datasync.v1 import data_sync_pb2
from viam_data_sync._rpcs import DataService, DatasetService, DataSyncService

from .conftest import API_KEY, API_KEY_ID, TestClock

FAST = RetryPolicy(initial_backoff=0.01, max_backoff=0.05, deadline=20)


def make_caller(server, **kwargs):
    kwargs.setdefault("retry", FAST)
    return caller_from_api_key(API_KEY, API_KEY_ID, server.address, insecure=True, **kwargs)


def tags(caller, **kwargs):
    return caller.call(DataService.TagsByFilter, data_pb2.TagsByFilterRequest(), **kwargs)


def test_authenticates_once_and_sends_bearer_on_every_call(server):
    caller = make_caller(server)
    for _ in range(3):
        tags(caller)
    assert server.state.authentications == 1
    assert len(server.state.seen_auth) == 3
    assert all(v == server.state.seen_auth[0] and v.startswith("Bearer tok") for v in server.state.seen_auth)


@pytest.mark.parametrize("code", [grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.RESOURCE_EXHAUSTED,
                                  grpc.StatusCode.ABORTED, grpc.StatusCode.DEADLINE_EXCEEDED])
def test_read_retried_to_success_on_transient_codes(server, code):
    server.faults.fail("TagsByFilter", code, times=2)
    caller = make_caller(server)
    server.state.tags.append("a")
    assert list(tags(caller).tags) == ["a"]
    assert server.faults.calls["/viam.app.data.v1.DataService/TagsByFilter"] == 3


@pytest.mark.parametrize("code", [grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.NOT_FOUND,
                                  grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.INTERNAL])
def test_non_retryable_codes_raise_at_once(server, code):
    server.faults.fail("TagsByFilter", code, times=1, details="nope")
    caller = make_caller(server)
    with pytest.raises(Exception) as info:
        tags(caller)
    assert info.value.code == code and info.value.details == "nope"
    assert isinstance(info.value.__cause__, grpc.RpcError)
    assert server.faults.calls["/viam.app.data.v1.DataService/TagsByFilter"] == 1


def test_deadline_exceeded_not_retried_for_writes(server):
    server.faults.fail("AddTagsToBinaryDataByIDs", grpc.StatusCode.DEADLINE_EXCEEDED, times=1)
    caller = make_caller(server)
    with pytest.raises(DeadlineExceeded):
        caller.call(DataService.AddTagsToBinaryDataByIDs,
                     data_pb2.AddTagsToBinaryDataByIDsRequest(tags=["t"], binary_data_ids=["x"]))
    assert server.faults.calls["/viam.app.data.v1.DataService/AddTagsToBinaryDataByIDs"] == 1


def test_idempotent_write_retried_on_unavailable(server):
    server.faults.fail("AddTagsToBinaryDataByIDs", grpc.StatusCode.UNAVAILABLE, times=1, after_handler=True)
    caller = make_caller(server)
    caller.call(DataService.AddTagsToBinaryDataByIDs,
                 data_pb2.AddTagsToBinaryDataByIDsRequest(tags=["t"], binary_data_ids=["x"]))
    assert server.faults.calls["/viam.app.data.v1.DataService/AddTagsToBinaryDataByIDs"] == 2


def test_create_is_never_replayed(server):
    server.faults.fail("CreateDataset", grpc.StatusCode.UNAVAILABLE, times=1, after_handler=True)
    caller = make_caller(server)
    with pytest.raises(Unavailable):
        caller.call(DatasetService.CreateDataset,
                     dataset_pb2.CreateDatasetRequest(name="d", organization_id="o"))
    assert server.state.datasets == ["d"]  # stored once, by the one attempt
    assert server.faults.calls["/viam.app.dataset.v1.DatasetService/CreateDataset"] == 1


def test_unary_upload_with_lost_answer_is_outcome_unknown(server):
    server.faults.fail("DataCaptureUpload", grpc.StatusCode.UNAVAILABLE, times=1, after_handler=True)
    caller = make_caller(server)
    request = data_sync_pb2.DataCaptureUploadRequest(sensor_contents=[data_sync_pb2.SensorData(binary=b"img")])
    with pytest.raises(UploadOutcomeUnknown) as info:
        caller.call(DataSyncService.DataCaptureUpload, request)
    assert isinstance(info.value.cause, Unavailable)
    assert server.state.uploads == [b"img"]


def test_overall_deadline_bounds_retries(server):
    server.faults.fail("TagsByFilter", grpc.StatusCode.UNAVAILABLE)
    caller = make_caller(server, retry=RetryPolicy(max_attempts=10_000, initial_backoff=0.02,
                                                   max_backoff=0.05, deadline=0.5))
    start = time.monotonic()
    with pytest.raises(Unavailable):
        tags(caller)
    elapsed = time.monotonic() - start
    attempts = server.faults.calls["/viam.app.data.v1.DataService/TagsByFilter"]
    assert 2 <= attempts < 10_000
    assert elapsed < 5.0  # the 0.5 s budget, plus generous scheduling slack on a shared machine


def test_attempt_timeout_is_cut_to_remaining_budget(server):
    caller = make_caller(server, timeout=30.0, retry=RetryPolicy(deadline=0.001))
    time.sleep(0.01)
    # With a budget already spent before the call starts, nothing is sent.
    with pytest.raises(DeadlineExceeded):
        caller.call(DataService.TagsByFilter, data_pb2.TagsByFilterRequest(), retry=RetryPolicy(deadline=1e-9))


def test_budget_stops_a_retry_storm(server):
    server.faults.fail("TagsByFilter", grpc.StatusCode.UNAVAILABLE)
    budget = RetryBudget(capacity=3, refill=0.0)
    caller = make_caller(server, budget=budget)
    with pytest.raises(Unavailable):
        tags(caller)
    first = server.faults.calls["/viam.app.data.v1.DataService/TagsByFilter"]
    assert first == 4  # 1 attempt + 3 budgeted retries (max_attempts is 5)
    with pytest.raises(Unavailable):
        tags(caller)
    assert server.faults.calls["/viam.app.data.v1.DataService/TagsByFilter"] == first + 1


def test_retry_after_is_honoured(server):
    server.faults.fail("TagsByFilter", grpc.StatusCode.RESOURCE_EXHAUSTED, times=1, retry_after=0.7)
    clock = TestClock()
    caller = make_caller(server, clock=clock)
    waits = clock.waits
    tags(caller)
    assert len(waits) == 1 and waits[0] >= 0.7


def test_retry_after_beyond_deadline_raises_instead_of_waiting(server):
    server.faults.fail("TagsByFilter", grpc.StatusCode.UNAVAILABLE, times=1, retry_after=60)
    clock = TestClock()
    caller = make_caller(server, retry=FAST.replace(deadline=2), clock=clock)
    waits = clock.waits
    with pytest.raises(Unavailable) as info:
        tags(caller)
    assert waits == [] and info.value.retry_after() == 60


def test_retries_logged_at_warning_with_method_and_code(server, caplog):
    server.faults.fail("TagsByFilter", grpc.StatusCode.UNAVAILABLE, times=1)
    caller = make_caller(server)
    with caplog.at_level(logging.WARNING, logger="viam_data_sync"):
        tags(caller)
    messages = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("/viam.app.data.v1.DataService/TagsByFilter" in m and "UNAVAILABLE" in m for m in messages)


def test_revoked_token_reauthenticates_unary(server):
    caller = make_caller(server)
    tags(caller)
    server.state.revoke_all()
    tags(caller)
    assert server.state.authentications == 2


def test_revoked_token_reauthenticates_stream(server):
    caller = make_caller(server)
    tags(caller)
    server.state.revoke_all()
    rows = list(caller.call(DataService.ExportTabularData,
                                     data_pb2.ExportTabularDataRequest(part_id="p", method_name="4")))
    assert [r.resource_name for r in rows] == ["0", "1", "2", "3"]
    assert server.state.authentications == 2


def test_token_near_expiry_refreshed_before_the_call(server):
    clock = TestClock()
    caller = make_caller(server, clock=clock)
    tags(caller)
    clock.offset = 3600 - 5  # the token's exp is 5 s away: inside the refresh margin
    tags(caller)
    assert server.state.authentications == 2
    assert all(v.startswith("Bearer ") for v in server.state.seen_auth)


def test_wrong_key_is_unauthenticated_and_secret_free(server, caplog):
    caller = caller_from_api_key("wrong-key-0123456789", API_KEY_ID, server.address, insecure=True, retry=FAST)
    with caplog.at_level(logging.DEBUG, logger="viam_data_sync"):
        with pytest.raises(Unauthenticated) as info:
            tags(caller)
    text = "\n".join([str(info.value), repr(info.value), repr(caller.auth), caplog.text])
    assert "wrong-key-0123456789" not in text


def test_no_secret_or_token_in_logs_errors_or_reprs(server, caplog):
    server.faults.fail("TagsByFilter", grpc.StatusCode.UNAVAILABLE, times=1)
    server.faults.fail("AddTagsToBinaryDataByIDs", grpc.StatusCode.INVALID_ARGUMENT, times=1)
    caller = make_caller(server)
    with caplog.at_level(logging.DEBUG):
        tags(caller)
        with pytest.raises(InvalidArgument) as info:
            caller.call(DataService.AddTagsToBinaryDataByIDs, data_pb2.AddTagsToBinaryDataByIDsRequest(tags=["t"]))
    tokens = [v[len("Bearer "):] for v in server.state.seen_auth]
    text = "\n".join([caplog.text, str(info.value), repr(info.value), repr(info.value.trailing_metadata),
                      repr(caller.auth)])
    assert API_KEY not in text
    assert tokens and not any(t in text for t in tokens)


def test_stream_upload_source_error_reaches_caller_as_itself(server):
    caller = make_caller(server)

    class Boom(Exception):
        pass

    def requests():
        yield data_sync_pb2.FileUploadRequest(metadata=data_sync_pb2.UploadMetadata(part_id="p"))
        yield data_sync_pb2.FileUploadRequest(file_contents=data_sync_pb2.FileData(data=b"x"))
        raise Boom("disk went away")

    with pytest.raises(Boom, match="disk went away"):
        caller.call(DataSyncService.FileUpload, requests, replayable=True)
    assert server.state.uploads == []


def _upload_requests(chunks, size=64 * 1024):
    def requests():
        yield data_sync_pb2.FileUploadRequest(metadata=data_sync_pb2.UploadMetadata(part_id="p"))
        for i in range(chunks):
            yield data_sync_pb2.FileUploadRequest(file_contents=data_sync_pb2.FileData(data=bytes([i % 256]) * size))
    return requests


def test_stream_upload_failed_before_end_is_replayed_when_source_rereadable(server):
    server.faults.fail("FileUpload", grpc.StatusCode.UNAVAILABLE, times=1, after_messages=2)
    caller = make_caller(server)
    response = caller.call(DataSyncService.FileUpload,
                                   _upload_requests(200), replayable=True)
    assert response.binary_data_id == "f1"
    assert len(server.state.uploads) == 1 and len(server.state.uploads[0]) == 200 * 64 * 1024


def test_stream_upload_not_replayed_when_source_is_one_shot(server):
    server.faults.fail("FileUpload", grpc.StatusCode.UNAVAILABLE, times=1, after_messages=2)
    caller = make_caller(server)
    with pytest.raises(Unavailable):
        caller.call(DataSyncService.FileUpload,
                            _upload_requests(200), replayable=False)
    assert server.state.uploads == []
    assert server.faults.calls["/viam.app.datasync.v1.DataSyncService/FileUpload"] == 1


def test_stream_upload_lost_answer_is_outcome_unknown(server):
    server.faults.fail("FileUpload", grpc.StatusCode.UNAVAILABLE, times=1, after_handler=True)
    caller = make_caller(server)
    with pytest.raises(UploadOutcomeUnknown):
        caller.call(DataSyncService.FileUpload,
                            _upload_requests(3, size=10), replayable=True)
    assert len(server.state.uploads) == 1  # stored once; not replayed


def test_from_env(monkeypatch, server):
    monkeypatch.setenv("VIAM_API_KEY", API_KEY)
    monkeypatch.setenv("VIAM_API_KEY_ID", API_KEY_ID)
    monkeypatch.setenv("VIAM_APP_ADDRESS", server.address)
    monkeypatch.setenv("VIAM_INSECURE", "1")
    caller = caller_from_env(retry=FAST)
    tags(caller)
    monkeypatch.delenv("VIAM_API_KEY")
    with pytest.raises(ValueError, match="VIAM_API_KEY"):
        caller_from_env()


def test_missing_root_certificates_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        caller_from_api_key(API_KEY, API_KEY_ID, "localhost:1", root_certificates=str(tmp_path / "none.pem"))


def test_unreachable_address_fails_with_unavailable_quickly():
    caller = caller_from_api_key(API_KEY, API_KEY_ID, "127.0.0.1:1", insecure=True,
                                 retry=RetryPolicy(max_attempts=2, initial_backoff=0.01, deadline=5))
    with pytest.raises(Unavailable):
        tags(caller)
