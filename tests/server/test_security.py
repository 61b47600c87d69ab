"""Security findings of the local server's review, each reproduced over a real server.

Every test here failed on the code before its fix.
"""

from __future__ import annotations

import logging

import bson
import grpc
import pytest

from viam_data_sync._proto.app.data.v1 import data_pb2
from viam_data_sync._proto.app.dataset.v1 import dataset_pb2
from viam_data_sync._proto.proto.rpc.v1 import auth_pb2
from viam_data_sync.server import LocalDataServer

from .conftest import TIMEOUT, Api, code_of


def _fails(call: object, request: object, api: Api, **kwargs: object) -> grpc.StatusCode:
    with pytest.raises(grpc.RpcError) as excinfo:
        api.call(call, request, **kwargs)
    return code_of(excinfo)


# ---------------------------------------------------------------- 8: secrets in the log
def test_the_log_never_quotes_a_key_token_or_password_put_in_the_wrong_field(
    server: LocalDataServer, api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    token = api.metadata[0][1].split(" ", 1)[1]
    password = "correct-horse-battery-staple"
    secrets = [server.api_key, token, password]
    swapped = auth_pb2.AuthenticateRequest(
        entity=server.api_key, credentials=auth_pb2.Credentials(type="api-key", payload=server.api_key_id)
    )
    with pytest.raises(grpc.RpcError) as excinfo:
        api.auth.Authenticate(swapped, timeout=TIMEOUT)
    assert code_of(excinfo) == grpc.StatusCode.UNAUTHENTICATED
    for secret in secrets:
        request = dataset_pb2.ListDatasetsByOrganizationIDRequest(organization_id=secret)
        assert _fails(api.dataset.ListDatasetsByOrganizationID, request, api) == grpc.StatusCode.PERMISSION_DENIED
        flt = data_pb2.Filter(organization_ids=[secret])
        request = data_pb2.TabularDataByFilterRequest(data_request=data_pb2.DataRequest(filter=flt))
        assert _fails(api.data.TabularDataByFilter, request, api) == grpc.StatusCode.PERMISSION_DENIED
        sql = f"SELECT * FROM readings WHERE component_name = '{secret}'"
        api.call(
            api.data.TabularDataBySQL,
            data_pb2.TabularDataBySQLRequest(organization_id=server.organization_id, sql_query=sql),
        )
        mql = [bson.encode({"$match": {"component_name": secret}})]
        api.call(
            api.data.TabularDataByMQL,
            data_pb2.TabularDataByMQLRequest(organization_id=server.organization_id, mql_binary=mql),
        )
        request = data_pb2.ConfigureDatabaseUserRequest(organization_id=secret, password=password)
        assert _fails(api.data.ConfigureDatabaseUser, request, api) == grpc.StatusCode.PERMISSION_DENIED
    logged = caplog.text
    assert "Authenticate rejected" in logged  # the log was captured at all
    assert "TabularDataByFilter -> PERMISSION_DENIED" in logged
    for secret in secrets:
        assert secret not in logged
