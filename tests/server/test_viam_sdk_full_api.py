"""The official async viam-sdk DataClient, unchanged, driving the sequence, saved-query,
index and pipeline calls against the local server, with values checked: a pipeline
created with a schedule runs (the server's clock advanced by the test), its runs are
listed, and its sink is read back with MQL."""

from __future__ import annotations

import asyncio
import datetime as dt

import bson
import pytest

from viam_data_sync.server import LocalDataServer, ManualClock

pytest.importorskip("viam.app.data_client")
grpclib_client = pytest.importorskip("grpclib.client")

UTC = dt.timezone.utc
NOW = dt.datetime(2025, 3, 1, 10, 30, tzinfo=UTC)


async def _scenario(server: LocalDataServer, clock: ManualClock) -> None:
    from viam.app.data_client import DataClient as ViamDataClient
    from viam.gen.proto.rpc.v1.auth_grpc import AuthServiceStub
    from viam.gen.proto.rpc.v1.auth_pb2 import AuthenticateRequest, Credentials
    from viam.proto.app.data import (
        CreateSavedQueryRequest,
        DataServiceStub,
        GetSavedQueryRequest,
        IndexableCollection,
        ListSavedQueriesRequest,
        SequenceResourceFilter,
        TabularDataSourceType,
    )
    from viam.proto.app.datapipelines import DataPipelineRunStatus

    host, port = server.address.rsplit(":", 1)
    channel = grpclib_client.Channel(host, int(port))
    try:
        token = (await AuthServiceStub(channel).Authenticate(AuthenticateRequest(
            entity=server.api_key_id, credentials=Credentials(type="api-key", payload=server.api_key)))).access_token
        metadata = {"authorization": f"Bearer {token}"}
        client = ViamDataClient(channel, metadata)
        org, part = server.organization_id, server.part_id
        hour_start = NOW.replace(minute=0)

        # ------------------------------------------------ sequences
        for minute, payload in ((5, b"first"), (20, b"second"), (50, b"outside")):
            when = (hour_start + dt.timedelta(minutes=minute)).replace(tzinfo=None)
            await client.binary_data_capture_upload(payload, part, "rdk:component:camera", "cam", "ReadImage",
                                                    ".jpg", data_request_times=(when, when))
        cam = SequenceResourceFilter(resource_name="cam", method_name="ReadImage")
        sequence_id = await client.create_sequence(part, [cam], hour_start, hour_start + dt.timedelta(minutes=30),
                                                   sequence_tags=["drive-1"])
        sequence = await client.get_sequence(sequence_id)
        assert sequence.part_id == part and list(sequence.sequence_tags) == ["drive-1"]
        assert [(r.resource_name, r.method_name) for r in sequence.resources] == [("cam", "ReadImage")]
        data, token_ = await client.get_sequence_binary_data(sequence_id)
        assert [d.binary for d in data] == [b"first", b"second"] and token_ == ""
        await client.update_sequence(sequence_id, sequence_tags=["drive-1", "reviewed"],
                                     end_time=hour_start + dt.timedelta(hours=1))
        data, _ = await client.get_sequence_binary_data(sequence_id)
        assert [d.binary for d in data] == [b"first", b"second", b"outside"]
        assert list((await client.get_sequence(sequence_id)).sequence_tags) == ["drive-1", "reviewed"]
        second = await client.create_sequence(part, [cam], hour_start, hour_start)
        first_page, next_token = await client.list_sequences(org, page_size=1)
        rest, end = await client.list_sequences(org, page_token=next_token, page_size=5)
        assert [s.id for s in first_page + rest] == [sequence_id, second] and end == ""
        await client.delete_sequence(second)
        assert [s.id for s in (await client.list_sequences(org))[0]] == [sequence_id]

        # ------------------------------------------------ saved queries
        await client.tabular_data_capture_upload(
            [{"readings": {"temp": t}} for t in (20.0, 22.0, 30.0)], part_id=part,
            component_type="rdk:component:sensor", component_name="thermo", method_name="Readings",
            data_request_times=[(hour_start.replace(tzinfo=None) + dt.timedelta(minutes=m),) * 2 for m in (1, 2, 3)])
        stub = DataServiceStub(channel)
        stages = [{"$match": {"component_name": "thermo"}}, {"$sort": {"time_received": 1}}]
        query_id = (await stub.CreateSavedQuery(CreateSavedQueryRequest(
            organization_id=org, name="thermo-readings", mql_binary=[bson.encode(s) for s in stages]),
            metadata=metadata)).id
        saved = (await stub.GetSavedQuery(GetSavedQueryRequest(id=query_id), metadata=metadata)).saved_query
        assert saved.name == "thermo-readings" and [bson.decode(b) for b in saved.mql_binary] == stages
        listed = (await stub.ListSavedQueries(ListSavedQueriesRequest(organization_id=org), metadata=metadata)).queries
        assert [q.id for q in listed] == [query_id]
        rows = await client.tabular_data_by_mql(org, [{"$project": {"_id": 0, "t": "$data.readings.temp"}}],
                                                query_prefix_name="thermo-readings")
        assert rows == [{"t": 20.0}, {"t": 22.0}, {"t": 30.0}]

        # ------------------------------------------------ data pipeline on a schedule
        pipeline_id = await client.create_data_pipeline(
            org, "hourly-avg", [{"$match": {"component_name": "thermo"}},
                                {"$group": {"_id": "$component_name", "avg": {"$avg": "$data.readings.temp"},
                                            "n": {"$sum": 1}}}],
            "0 * * * *", enable_backfill=False)
        pipeline = await client.get_data_pipeline(pipeline_id)
        assert pipeline.name == "hourly-avg" and pipeline.schedule == "0 * * * *" and pipeline.enabled
        assert (await client.list_data_pipeline_runs(pipeline_id)).runs == []
        clock.advance(hours=1)  # 11:30: the window [10:00, 11:00) is due
        server.run_due_pipelines()  # every due window has run when this returns
        page = await client.list_data_pipeline_runs(pipeline_id)
        (run,) = page.runs
        assert run.status == DataPipelineRunStatus.DATA_PIPELINE_RUN_STATUS_COMPLETED and run.error_message == ""
        naive = hour_start.replace(tzinfo=None)  # the SDK gives naive UTC datetimes
        assert (run.data_start_time, run.data_end_time) == (naive, naive + dt.timedelta(hours=1))
        assert run.start_time == run.end_time == (NOW + dt.timedelta(hours=1)).replace(tzinfo=None)
        sink = await client.tabular_data_by_mql(
            org, [{"$project": {"_id": 1, "avg": 1, "n": 1}}],
            tabular_data_source_type=TabularDataSourceType.TABULAR_DATA_SOURCE_TYPE_PIPELINE_SINK,
            pipeline_id=pipeline_id)
        assert sink == [{"_id": "thermo", "avg": 24.0, "n": 3}]

        # ------------------------------------------------ indexes
        hot = IndexableCollection.INDEXABLE_COLLECTION_HOT_STORE
        await client.create_index(org, hot, {"keys": {"data.readings.temp": 1}, "options": {"name": "by-temp"}})
        sink_collection = IndexableCollection.INDEXABLE_COLLECTION_PIPELINE_SINK
        await client.create_index(org, sink_collection, {"keys": {"avg": -1}}, pipeline_name="hourly-avg")
        indexes = await client.list_indexes(org, hot)
        assert [(i.index_name, bson.decode(i.index_spec[0])) for i in indexes] == [
            ("by-temp", {"keys": {"data.readings.temp": 1}, "options": {"name": "by-temp"}})]
        assert [i.index_name for i in await client.list_indexes(org, sink_collection, "hourly-avg")] == ["avg_-1"]
        await client.delete_index(org, hot, "by-temp")
        assert list(await client.list_indexes(org, hot)) == []

        await client.delete_data_pipeline(pipeline_id)
        assert await client.list_data_pipelines(org) == []
    finally:
        channel.close()


def test_official_sdk_drives_sequences_saved_queries_indexes_and_pipelines() -> None:
    clock = ManualClock(NOW)
    with LocalDataServer(clock=clock) as server:
        asyncio.run(_scenario(server, clock))
