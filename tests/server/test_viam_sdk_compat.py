"""The official async viam-sdk DataClient, unchanged, against our local server."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from viam_data_sync.server import LocalDataServer

pytest.importorskip("viam.app.data_client")
grpclib_client = pytest.importorskip("grpclib.client")


def _sql_engine_landed() -> bool:
    try:
        import viam_data_sync.server.engines.sql  # noqa: F401
    except ImportError:
        return False
    return True


async def _scenario(server: LocalDataServer) -> None:
    from viam.app.data_client import DataClient as ViamDataClient
    from viam.gen.proto.rpc.v1.auth_grpc import AuthServiceStub
    from viam.gen.proto.rpc.v1.auth_pb2 import AuthenticateRequest, Credentials
    from viam.proto.app.data import Filter

    host, port = server.address.rsplit(":", 1)
    channel = grpclib_client.Channel(host, int(port))
    try:
        token = (
            await AuthServiceStub(channel).Authenticate(
                AuthenticateRequest(
                    entity=server.api_key_id, credentials=Credentials(type="api-key", payload=server.api_key)
                )
            )
        ).access_token
        client = ViamDataClient(channel, {"authorization": f"Bearer {token}"})
        t0 = dt.datetime(2024, 5, 1, 12, 0, 0)
        file_id = await client.tabular_data_capture_upload(
            [{"readings": {"temp": 21.5}}, {"readings": {"temp": 22.5}}],
            part_id=server.part_id,
            component_type="rdk:component:sensor",
            component_name="thermo",
            method_name="Readings",
            data_request_times=[(t0, t0), (t0 + dt.timedelta(seconds=1), t0 + dt.timedelta(seconds=1))],
            tags=["compat"],
        )
        assert file_id
        data, count, last = await client.tabular_data_by_filter(Filter(component_name="thermo"))
        assert count == 2 and last
        assert [d.data for d in data] == [{"readings": {"temp": 21.5}}, {"readings": {"temp": 22.5}}]
        assert data[0].metadata.part_id == server.part_id and data[0].time_received == t0

        if _sql_engine_landed():
            rows = await client.tabular_data_by_sql(
                server.organization_id, "SELECT COUNT(*) AS n FROM readings WHERE component_name = 'thermo'"
            )
            assert rows == [{"n": 2}]
            docs = await client.tabular_data_by_mql(
                server.organization_id, [{"$match": {"component_name": "thermo"}}, {"$count": "n"}]
            )
            assert docs == [{"n": 2}]

        bid = await client.binary_data_capture_upload(
            b"\x89PNG...",
            part_id=server.part_id,
            component_type="rdk:component:camera",
            component_name="cam",
            method_name="GetImages",
            file_extension="png",
            data_request_times=(t0, t0),
        )
        assert bid.count("/") == 2
        file_bid = await client.file_upload(
            server.part_id, b"file body", file_name="notes", file_extension=".txt"
        )
        stream_bid = await client.streaming_data_capture_upload(b"stream body", server.part_id, "bin")
        binaries, count, _ = await client.binary_data_by_filter(Filter(), include_binary_data=True)
        assert count == 3
        assert {b.metadata.binary_data_id: b.binary for b in binaries} == {
            bid: b"\x89PNG...",
            file_bid: b"file body",
            stream_bid: b"stream body",
        }

        await client.add_tags_to_binary_data_by_ids(["good", "png"], [bid])
        assert await client.tags_by_filter() == ["good", "png"]
        assert await client.remove_tags_from_binary_data_by_ids(["png"], [bid]) == 1

        bbox_id = await client.add_bounding_box_to_image_by_id(
            bid, "logo", 0.1, 0.1, 0.5, 0.5, confidence_score=0.8
        )
        await client.update_bounding_box(bid, bbox_id, "logo2", 0.1, 0.1, 0.6, 0.6)
        assert await client.bounding_box_labels_by_filter() == ["logo2"]
        (item,) = await client.binary_data_by_ids([bid])
        assert [b.label for b in item.metadata.annotations.bboxes] == ["logo2"]
        await client.remove_bounding_box_from_image_by_id(bbox_id, bid)
        assert await client.bounding_box_labels_by_filter() == []

        ds = await client.create_dataset("compat-ds", server.organization_id)
        await client.add_binary_data_to_dataset_by_ids([bid, file_bid], ds)
        in_ds, count, _ = await client.binary_data_by_filter(Filter(dataset_id=ds))
        assert count == 2
        await client.rename_dataset(ds, "compat-renamed")
        (listed,) = await client.list_dataset_by_ids([ds])
        assert listed.name == "compat-renamed"
        await client.remove_binary_data_from_dataset_by_ids([file_bid], ds)
        assert (await client.binary_data_by_filter(Filter(dataset_id=ds)))[1] == 1
        await client.delete_dataset(ds)
        assert await client.list_datasets_by_organization_id(server.organization_id) == []

        assert await client.delete_binary_data_by_ids([stream_bid]) == 1
        hostname = await client.get_database_connection(server.organization_id)
        assert hostname == "localhost"
        assert await client.delete_tabular_data(server.organization_id, 0) == 2
    finally:
        channel.close()


def test_official_sdk_against_local_server() -> None:
    with LocalDataServer() as server:
        asyncio.run(_scenario(server))
