"""One call path: every RPC a user call sends, Authenticate included, comes out of one
attempt budget and one deadline; ``retry=`` is resolved the same way by every
constructor; the table of RPCs agrees with the descriptors in ``protos/``."""
from __future__ import annotations

import logging
import socket

import grpc
import pytest

from viam_data_sync import DataClient, RetryPolicy, Unavailable, UploadOutcomeUnknown
from viam_data_sync._connect import caller_from_api_key
from viam_data_sync._proto._pool import POOL
from viam_data_sync._proto.app.data.v1 import data_pb2
from viam_data_sync._proto.app.dataset.v1 import dataset_pb2
from viam_data_sync._rpcs import RPCS, SERVICES, ClientStream, DataService, DatasetService, Kind, ServerStream, Unary
from viam_data_sync.server import LocalDataServer
from viam_data_sync.testing import FaultInjector

from .conftest import API_KEY, API_KEY_ID, TestClock

AUTHENTICATE = "/proto.rpc.v1.AuthService/Authenticate"
TAGS = "/viam.app.data.v1.DataService/TagsByFilter"
NO_WAIT = RetryPolicy(initial_backoff=0.001, max_backoff=0.002, deadline=30)


def _caller(server, **kwargs):
    kwargs.setdefault("retry", NO_WAIT)
    return caller_from_api_key(API_KEY, API_KEY_ID, server.address, insecure=True, **kwargs)


def _retry_warnings(caplog):
    return [r for r in caplog.records if r.levelno == logging.WARNING and r.getMessage().startswith("retrying")]


def test_dead_auth_service_costs_max_attempts_rpcs_in_all(server, caplog):
    server.faults.fail("Authenticate", grpc.StatusCode.UNAVAILABLE)
    caller = _caller(server)
    with caplog.at_level(logging.WARNING, logger="viam_data_sync"):
        with pytest.raises(Unavailable) as info:
            caller.call(DataService.TagsByFilter, data_pb2.TagsByFilterRequest())
    assert server.faults.calls[AUTHENTICATE] == 5  # not 5 inside each of 5
    assert server.faults.calls[TAGS] == 0
    assert info.value.method == AUTHENTICATE
    warnings = _retry_warnings(caplog)
    assert len(warnings) == 4  # one per retry
    assert all(TAGS in w.getMessage() and AUTHENTICATE in w.getMessage() for w in warnings)


def test_dead_data_service_with_live_auth_counts_authenticate_too(server, caplog):
    server.faults.fail("TagsByFilter", grpc.StatusCode.UNAVAILABLE)
    caller = _caller(server)
    with caplog.at_level(logging.WARNING, logger="viam_data_sync"):
        with pytest.raises(Unavailable):
            caller.call(DataService.TagsByFilter, data_pb2.TagsByFilterRequest())
    assert server.faults.calls[AUTHENTICATE] == 1
    assert server.faults.calls[TAGS] == 4  # 1 + 4 = max_attempts RPCs
    assert len(_retry_warnings(caplog)) == 3


def test_failed_authenticate_before_an_unsafe_call_is_retried(server):
    # Nothing of CreateDataset was sent, so repeating the attempt cannot create twice.
    server.faults.fail("Authenticate", grpc.StatusCode.UNAVAILABLE, times=2)
    caller = _caller(server)
    caller.call(DatasetService.CreateDataset, dataset_pb2.CreateDatasetRequest(name="d", organization_id="o"))
    assert server.state.datasets == ["d"]
    assert server.faults.calls[AUTHENTICATE] == 3


def test_failed_authenticate_before_an_upload_is_not_outcome_unknown(server):
    server.faults.fail("Authenticate", grpc.StatusCode.UNAVAILABLE)
    caller = _caller(server, retry=RetryPolicy(max_attempts=2, initial_backoff=0.001))
    from viam_data_sync._proto.app.datasync.v1 import data_sync_pb2
    from viam_data_sync._rpcs import DataSyncService

    request = data_sync_pb2.DataCaptureUploadRequest(sensor_contents=[data_sync_pb2.SensorData(binary=b"x")])
    with pytest.raises(Unavailable) as info:
        caller.call(DataSyncService.DataCaptureUpload, request)
    assert not isinstance(info.value, UploadOutcomeUnknown)
    assert server.state.uploads == []


def test_deadline_covers_authenticate_and_the_call(server):
    clock = TestClock()  # backoff sleeps are recorded, not slept
    server.faults.fail("Authenticate", grpc.StatusCode.UNAVAILABLE, times=1, retry_after=100)
    caller = _caller(server, retry=RetryPolicy(deadline=5), clock=clock)
    with pytest.raises(Unavailable):
        caller.call(DataService.TagsByFilter, data_pb2.TagsByFilterRequest())
    # retry-after 100 s is past the 5 s deadline of the whole call: raised at once.
    assert clock.waits == [] and server.faults.calls[AUTHENTICATE] == 1


def test_sql_call_against_a_dead_auth_service_through_the_client(caplog):
    """The issue's reproduction: one tabular_data_by_sql call made 25 Authenticate attempts."""
    faults = FaultInjector()
    faults.fail("Authenticate", grpc.StatusCode.UNAVAILABLE)
    with LocalDataServer(interceptors=[faults]) as server:
        with DataClient.from_api_key(server.api_key, server.api_key_id, server.address, insecure=True,
                                     retry=NO_WAIT) as client:
            with caplog.at_level(logging.WARNING, logger="viam_data_sync"):
                with pytest.raises(Unavailable):
                    client.tabular_data_by_sql(server.organization_id, "SELECT 1 AS one FROM readings WHERE "
                                              "time_received >= CAST('2000-01-01T00:00:00Z' AS TIMESTAMP)")
    assert faults.calls[AUTHENTICATE] == 5
    assert len(_retry_warnings(caplog)) == 4


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_dead_address_fails_after_max_attempts_with_one_warning_per_retry(caplog):
    client = DataClient.from_api_key(API_KEY, API_KEY_ID, f"127.0.0.1:{_closed_port()}", insecure=True,
                                     retry=RetryPolicy(max_attempts=3, initial_backoff=0.001, deadline=30))
    with caplog.at_level(logging.WARNING, logger="viam_data_sync"):
        with pytest.raises(Unavailable):
            client.tags_by_filter()
    assert len(_retry_warnings(caplog)) == 2
    client.close()


# ---------------------------------------------------------------------- retry=
BAD_RETRIES = [5, "5", 0.5, True, {"max_attempts": 3}]


@pytest.mark.parametrize("retry", BAD_RETRIES, ids=repr)
def test_retry_must_be_a_policy_or_none_in_every_constructor(retry, monkeypatch):
    with pytest.raises(TypeError, match="retry must be a RetryPolicy"):
        DataClient(grpc.insecure_channel("127.0.0.1:1"), retry=retry)
    with pytest.raises(TypeError, match="retry must be a RetryPolicy"):
        DataClient.from_api_key("key", "key-id", "127.0.0.1:1", insecure=True, retry=retry)
    monkeypatch.setenv("VIAM_API_KEY", "key")
    monkeypatch.setenv("VIAM_API_KEY_ID", "key-id")
    with pytest.raises(TypeError, match="retry must be a RetryPolicy"):
        DataClient.from_env(retry=retry)


def test_retry_none_means_one_attempt(server):
    server.faults.fail("TagsByFilter", grpc.StatusCode.UNAVAILABLE)
    with pytest.raises(Unavailable):
        _caller(server, retry=None).call(DataService.TagsByFilter, data_pb2.TagsByFilterRequest())
    assert server.faults.calls[TAGS] == 1


# ---------------------------------------------------------------------- the table
def _services():
    return [POOL.FindServiceByName(row._) for row in SERVICES]


def test_every_rpc_of_our_services_has_exactly_one_row():
    paths = {f"/{service.full_name}/{method.name}" for service in _services() for method in service.methods}
    assert paths == set(RPCS)


@pytest.mark.parametrize("path", sorted(RPCS))
def test_row_agrees_with_the_method_descriptor(path):
    row = RPCS[path]
    method = POOL.FindServiceByName(row.service).FindMethodByName(row.name)
    assert row.request_type.DESCRIPTOR.full_name == method.input_type.full_name
    assert row.response_type.DESCRIPTOR.full_name == method.output_type.full_name
    expected = {(False, False): Unary, (True, False): ClientStream, (False, True): ServerStream}
    assert type(row) is expected[(method.client_streaming, method.server_streaming)]
    assert row.upload == (row.service == "viam.app.datasync.v1.DataSyncService")


def test_a_row_of_the_wrong_kind_is_refused():
    with pytest.raises(TypeError, match="server stream"):
        Unary("viam.app.data.v1.DataService", "ExportTabularData", DataService.ExportTabularData.idempotency,
              data_pb2.ExportTabularDataRequest, data_pb2.ExportTabularDataResponse)
    assert DataService.ExportTabularData.kind is Kind.SERVER_STREAM
