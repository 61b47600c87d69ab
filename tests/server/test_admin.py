"""``FleetAdmin``: the fleet, key and token administration of a running server, and the
server's own helpers delegating to it."""

from __future__ import annotations

import grpc
import pytest

from viam_data_sync._proto.app.data.v1 import data_pb2
from viam_data_sync.server import FleetAdmin, LocalDataServer

from .conftest import Api, code_of, make_api


def test_a_new_organization_and_key_see_only_that_organization(server: LocalDataServer,
                                                               channel: grpc.Channel, api: Api) -> None:
    admin = server.admin
    assert isinstance(admin, FleetAdmin)
    other = admin.create_organization("other-org", robot_name="rover")
    key_id, key = admin.create_api_key(other.organization_id)
    other_api = make_api(server, channel, key_id, key, part_id=other.part_id, organization_id=other.organization_id)
    other_api.upload_tabular([{"x": 1}])
    assert other_api.tabular_by_filter().count == 1
    assert api.tabular_by_filter().count == 0  # the default key does not see the other organization
    assert admin.organizations()[other.organization_id] == "other-org"
    assert other.robot_name == "rover"


def test_added_parts_and_robots_take_uploads(server: LocalDataServer, api: Api) -> None:
    part_id = server.admin.add_part(part_name="arm")
    robot_id, robot_part = server.admin.add_robot(robot_name="rover")
    assert len({part_id, robot_part, server.part_id}) == 3 and robot_id != server.robot_id
    api.upload_tabular([{"x": 1}], part_id=part_id)
    api.upload_tabular([{"x": 2}], part_id=robot_part)
    assert api.tabular_by_filter().count == 2


def test_a_key_for_an_unknown_organization_is_refused(server: LocalDataServer) -> None:
    with pytest.raises(KeyError):
        server.admin.create_api_key("no-such-organization")


def test_an_issued_token_authorizes_calls(server: LocalDataServer, channel: grpc.Channel) -> None:
    from viam_data_sync._proto.app.data.v1 import data_pb2_grpc

    stub = data_pb2_grpc.DataServiceStub(channel)
    request = data_pb2.TabularDataByFilterRequest(data_request=data_pb2.DataRequest(limit=1))
    token = server.admin.token()
    assert stub.TabularDataByFilter(request, metadata=[("authorization", f"Bearer {token}")], timeout=10).count == 0
    with pytest.raises(grpc.RpcError) as excinfo:
        stub.TabularDataByFilter(request, metadata=[("authorization", "Bearer not-a-token")], timeout=10)
    assert code_of(excinfo) == grpc.StatusCode.UNAUTHENTICATED


def test_admin_needs_a_running_server() -> None:
    server = LocalDataServer()
    with pytest.raises(RuntimeError, match="not started"):
        server.admin
    with server:
        assert server.admin.organizations()
    with pytest.raises(RuntimeError, match="not started"):
        server.create_organization("late")
