"""A ``LocalDataServer`` that was never started says so, rather than answer
``127.0.0.1:0`` and an empty key that fail later and elsewhere."""
from __future__ import annotations

import pytest

from viam_data_sync import DataClient
from viam_data_sync.server import LocalDataServer

ATTRIBUTES = ("address", "http_address", "grpc_web_url", "api_key", "api_key_id", "organization_id",
              "location_id", "robot_id", "part_id")


@pytest.mark.parametrize("attribute", ATTRIBUTES)
def test_before_start_each_attribute_names_the_fix(attribute: str) -> None:
    server = LocalDataServer()
    with pytest.raises(RuntimeError, match=r"not started: call server\.start\(\).*with LocalDataServer\(\)"):
        getattr(server, attribute)


def test_start_and_stop_without_with() -> None:
    server = LocalDataServer().start()
    try:
        assert not server.address.endswith(":0") and server.api_key_id and server.api_key
        with DataClient.from_api_key(server.api_key, server.api_key_id, server.address, insecure=True) as client:
            assert client.tabular_data_by_filter(count_only=True)[1] == 0
    finally:
        server.stop()
    assert server.address.endswith(f":{server.port}")  # still readable after stop(): the server it was
