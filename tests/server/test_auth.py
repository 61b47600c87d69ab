"""Auth: Authenticate, bearer tokens, expiry, organization isolation, auth off."""

from __future__ import annotations

import logging

import grpc
import pytest

from viam_data_sync._proto.app.data.v1 import data_pb2
from viam_data_sync._proto.app.dataset.v1 import dataset_pb2
from viam_data_sync._proto.proto.rpc.v1 import auth_pb2
from viam_data_sync.server import LocalDataServer

from .conftest import TIMEOUT, Api, code_of, make_api


def _auth_request(entity: str, secret: str, kind: str = "api-key") -> auth_pb2.AuthenticateRequest:
    return auth_pb2.AuthenticateRequest(
        entity=entity, credentials=auth_pb2.Credentials(type=kind, payload=secret)
    )


def test_authenticate_statuses(server: LocalDataServer, api: Api) -> None:
    stub = api.auth
    assert stub.Authenticate(_auth_request(server.api_key_id, server.api_key), timeout=TIMEOUT).access_token
    cases = [
        (_auth_request(server.api_key_id, "wrong"), (), grpc.StatusCode.UNAUTHENTICATED),
        (_auth_request("no-such-key", server.api_key), (), grpc.StatusCode.UNAUTHENTICATED),
        (
            _auth_request(server.api_key_id, server.api_key, "robot-secret"),
            (),
            grpc.StatusCode.INVALID_ARGUMENT,
        ),
        (auth_pb2.AuthenticateRequest(entity=server.api_key_id), (), grpc.StatusCode.INVALID_ARGUMENT),
        (_auth_request(server.api_key_id, server.api_key), api.metadata, grpc.StatusCode.INVALID_ARGUMENT),
    ]
    for request, metadata, code in cases:
        with pytest.raises(grpc.RpcError) as excinfo:
            stub.Authenticate(request, metadata=metadata, timeout=TIMEOUT)
        assert code_of(excinfo) == code
        assert server.api_key not in (excinfo.value.details() or "")


@pytest.mark.parametrize(
    "metadata",
    [
        (),
        (("authorization", "Bearer not.a.jwt"),),
        (("authorization", "Bearer abc"),),
        (("authorization", "Basic abc"),),
    ],
)
def test_calls_without_a_valid_token_are_unauthenticated(api: Api, metadata: tuple) -> None:
    for method, request in (
        (api.data.TabularDataByFilter, data_pb2.TabularDataByFilterRequest()),
        (api.data.TagsByFilter, data_pb2.TagsByFilterRequest()),
        (api.data.CreateIndex, data_pb2.CreateIndexRequest()),
    ):
        with pytest.raises(grpc.RpcError) as excinfo:
            method(request, metadata=metadata, timeout=TIMEOUT)
        assert code_of(excinfo) == grpc.StatusCode.UNAUTHENTICATED


def test_two_authorization_headers_rejected(api: Api) -> None:
    with pytest.raises(grpc.RpcError) as excinfo:
        api.data.TagsByFilter(data_pb2.TagsByFilterRequest(), metadata=api.metadata * 2, timeout=TIMEOUT)
    assert code_of(excinfo) == grpc.StatusCode.UNAUTHENTICATED


def test_forged_and_expired_tokens(server: LocalDataServer, api: Api) -> None:
    good = server.token()
    header, claims, signature = good.split(".")
    forged = ".".join([header, claims, signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")])
    expired = server.token(ttl=-1)
    for token in (forged, expired):
        with pytest.raises(grpc.RpcError) as excinfo:
            api.data.TagsByFilter(
                data_pb2.TagsByFilterRequest(),
                metadata=(("authorization", f"Bearer {token}"),),
                timeout=TIMEOUT,
            )
        assert code_of(excinfo) == grpc.StatusCode.UNAUTHENTICATED
    assert "expired" in excinfo.value.details()
    api.data.TagsByFilter(
        data_pb2.TagsByFilterRequest(), metadata=(("authorization", f"Bearer {good}"),), timeout=TIMEOUT
    )


def test_cross_organization_isolation(server: LocalDataServer, channel: grpc.Channel, api: Api) -> None:
    other = server.create_organization("other-org")
    key_id, key = server.create_api_key(other.organization_id)
    other_api = make_api(
        server, channel, key_id, key, part_id=other.part_id, organization_id=other.organization_id
    )
    mine = api.upload_binary(b"mine", tags=["shared-tag"])
    theirs = other_api.upload_binary(b"theirs", tags=["their-tag"])
    api.upload_tabular([{"who": "me"}])
    other_api.upload_tabular([{"who": "them"}])

    assert api.all_binary_ids() == [mine]
    assert other_api.all_binary_ids() == [theirs]
    assert api.tabular_by_filter(count_only=True).count == 1
    assert list(api.call(api.data.TagsByFilter, data_pb2.TagsByFilterRequest()).tags) == ["shared-tag"]
    # another org's ids behave as absent
    response = api.call(api.data.BinaryDataByIDs, data_pb2.BinaryDataByIDsRequest(binary_data_ids=[theirs]))
    assert not response.data
    with pytest.raises(grpc.RpcError) as excinfo:
        api.call(
            api.data.AddTagsToBinaryDataByIDs,
            data_pb2.AddTagsToBinaryDataByIDsRequest(tags=["x"], binary_data_ids=[theirs]),
        )
    assert code_of(excinfo) == grpc.StatusCode.NOT_FOUND
    deleted = api.call(
        api.data.DeleteBinaryDataByIDs, data_pb2.DeleteBinaryDataByIDsRequest(binary_data_ids=[theirs])
    )
    assert deleted.deleted_count == 0
    # deletes by filter stay inside the caller's organizations
    assert (
        api.call(api.data.DeleteBinaryDataByFilter, data_pb2.DeleteBinaryDataByFilterRequest()).deleted_count
        == 1
    )
    assert other_api.all_binary_ids() == [theirs]
    # naming another org explicitly is PERMISSION_DENIED
    denied = [
        (
            api.data.BinaryDataByFilter,
            data_pb2.BinaryDataByFilterRequest(
                data_request=data_pb2.DataRequest(
                    filter=data_pb2.Filter(organization_ids=[other.organization_id])
                )
            ),
        ),
        (
            api.data.DeleteTabularData,
            data_pb2.DeleteTabularDataRequest(organization_id=other.organization_id),
        ),
        (
            api.data.GetDatabaseConnection,
            data_pb2.GetDatabaseConnectionRequest(organization_id=other.organization_id),
        ),
        (
            api.dataset.CreateDataset,
            dataset_pb2.CreateDatasetRequest(name="x", organization_id=other.organization_id),
        ),
        (
            api.data.TabularDataBySQL,
            data_pb2.TabularDataBySQLRequest(
                organization_id=other.organization_id, sql_query="SELECT * FROM readings"
            ),
        ),
    ]
    for method, request in denied:
        with pytest.raises(grpc.RpcError) as excinfo:
            api.call(method, request)
        assert code_of(excinfo) == grpc.StatusCode.PERMISSION_DENIED, method
    # their part and dataset are invisible
    with pytest.raises(grpc.RpcError) as excinfo:
        api.upload_tabular([{"a": 1}], part_id=other.part_id)
    assert code_of(excinfo) == grpc.StatusCode.NOT_FOUND
    ds = other_api.call(
        other_api.dataset.CreateDataset,
        dataset_pb2.CreateDatasetRequest(name="theirs", organization_id=other.organization_id),
    ).id
    assert not api.call(
        api.dataset.ListDatasetsByIDs, dataset_pb2.ListDatasetsByIDsRequest(ids=[ds])
    ).datasets
    with pytest.raises(grpc.RpcError) as excinfo:
        api.call(api.dataset.DeleteDataset, dataset_pb2.DeleteDatasetRequest(id=ds))
    assert code_of(excinfo) == grpc.StatusCode.NOT_FOUND


def test_key_for_two_orgs_sees_both(server: LocalDataServer, channel: grpc.Channel, api: Api) -> None:
    other = server.create_organization("second")
    key_id, key = server.create_api_key(other.organization_id)
    make_api(server, channel, key_id, key, part_id=other.part_id).upload_binary(b"2", tags=["b"])
    api.upload_binary(b"1", tags=["a"])
    both_id, both_key = server.create_api_key([server.organization_id, other.organization_id])
    both = make_api(server, channel, both_id, both_key)
    assert len(both.all_binary_ids()) == 2
    assert list(both.call(both.data.TagsByFilter, data_pb2.TagsByFilterRequest()).tags) == ["a", "b"]


def test_auth_off_sees_everything() -> None:
    with LocalDataServer(auth=False) as server, grpc.insecure_channel(server.address) as channel:
        other = server.create_organization("other")
        api = Api(channel, (), server, server.part_id, server.organization_id)
        api.upload_binary(b"1")
        api.upload_binary(b"2", part_id=other.part_id)
        assert len(api.all_binary_ids()) == 2


def test_secrets_never_logged(
    server: LocalDataServer, channel: grpc.Channel, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="viam_data_sync.server")
    api = make_api(server, channel)
    with pytest.raises(grpc.RpcError):
        api.auth.Authenticate(_auth_request(server.api_key_id, "wrong-secret-value"), timeout=TIMEOUT)
    api.call(
        api.data.ConfigureDatabaseUser,
        data_pb2.ConfigureDatabaseUserRequest(
            organization_id=server.organization_id, password="hunter2-password"
        ),
    )
    text = caplog.text
    for secret in (server.api_key, "wrong-secret-value", "hunter2-password", api.metadata[0][1]):
        assert secret not in text
