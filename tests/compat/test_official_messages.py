"""Messages both ways: ``to_official``/``from_official`` in one process with viam-sdk,
in both import orders (each in a fresh subprocess, since import order is process-global).
Our ``create_filter()`` result, converted, is accepted by the official SDK's own client
against a real local server."""
from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from viam_data_sync.server import LocalDataServer

pytest.importorskip("viam.proto.app.data", reason="viam-sdk (test extra) not installed")
grpclib_client = pytest.importorskip("grpclib.client")

SCRIPT = textwrap.dedent(
    """
    import asyncio, datetime as dt, sys
    address, key_id, key, part_id = sys.argv[1:5]
    for name in sys.argv[5:]:
        if name == "ours":
            import viam_data_sync
            from viam_data_sync import create_filter, from_official, to_official, proto as ours
        else:
            import viam.proto.app.data as theirs
            from viam.app.data_client import DataClient as TheirClient
            from google.protobuf import struct_pb2, timestamp_pb2

    f = create_filter(component_name="thermo", tags=["t1"], start_time=dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc))
    g = to_official(f)
    assert type(g) is theirs.Filter, type(g)
    assert g.component_name == "thermo" and list(g.tags_filter.tags) == ["t1"]
    back = from_official(g)
    assert type(back) is ours.Filter and back == f
    assert to_official(g) is g and from_official(f) is f
    ids = [ours.BinaryID(file_id="a", organization_id="o", location_id="l")]
    assert type(to_official(ids[0])) is theirs.BinaryID
    s = to_official(ours.Struct(fields={"t": ours.Value(number_value=1.5)}))
    assert type(s) is struct_pb2.Struct and s["t"] == 1.5
    assert type(from_official(timestamp_pb2.Timestamp(seconds=7))) is ours.Timestamp
    for bad in (object(), {"component_name": "x"}):
        try:
            to_official(bad)
        except TypeError:
            pass
        else:
            raise AssertionError("no TypeError")
    from viam.proto.robot import GetOperationsRequest
    try:
        from_official(GetOperationsRequest())
    except TypeError as exc:
        assert "GetOperationsRequest" in str(exc)
    else:
        raise AssertionError("no TypeError")

    # The official client takes the converted filter (it refuses ours with TypeError).
    from grpclib.client import Channel
    from viam.gen.proto.rpc.v1.auth_grpc import AuthServiceStub
    from viam.gen.proto.rpc.v1.auth_pb2 import AuthenticateRequest, Credentials

    async def main():
        host, port = address.rsplit(":", 1)
        channel = Channel(host, int(port))
        try:
            token = (await AuthServiceStub(channel).Authenticate(AuthenticateRequest(
                entity=key_id, credentials=Credentials(type="api-key", payload=key)))).access_token
            client = TheirClient(channel, {"authorization": f"Bearer {token}"})
            t0 = dt.datetime(2024, 5, 1, 12, 0, 0)
            await client.tabular_data_capture_upload([{"readings": {"temp": 21.5}}], part_id=part_id,
                component_type="rdk:component:sensor", component_name="thermo", method_name="Readings",
                data_request_times=[(t0, t0)], tags=["t1"])
            data, count, last = await client.tabular_data_by_filter(to_official(f))
            assert count == 1 and [d.data for d in data] == [{"readings": {"temp": 21.5}}], (count, data)
            try:
                await client.tabular_data_by_filter(f)
            except TypeError:
                pass
            else:
                raise AssertionError("the official SDK took our own Filter")
        finally:
            channel.close()

    asyncio.run(main())
    print("OK", " ".join(sys.argv[5:]))
    """
)


@pytest.mark.parametrize("order", [("ours", "theirs"), ("theirs", "ours")], ids=["ours-first", "theirs-first"])
def test_messages_cross_both_ways_in_one_process(order, tmp_path):
    with LocalDataServer(auth=True) as server:
        result = subprocess.run(
            [sys.executable, "-W", "ignore::DeprecationWarning", "-c", SCRIPT, server.address, server.api_key_id,
             server.api_key, server.part_id, *order],
            capture_output=True, text=True, timeout=120, cwd=tmp_path,
        )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip() == "OK " + " ".join(order)


def test_to_official_without_viam_sdk_names_the_install(tmp_path):
    script = textwrap.dedent(
        """
        import sys
        sys.modules["viam"] = None
        from viam_data_sync import create_filter, to_official
        try:
            to_official(create_filter(component_name="x"))
        except ImportError as exc:
            print(exc)
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                            cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "to_official needs the official SDK, which is not installed: pip install viam-sdk"
