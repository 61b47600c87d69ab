"""Fuzz: at least 2,000 generated invalid requests across every RPC of the local server,
over a real loopback server; none may end in INTERNAL or UNKNOWN (which would mean the
caller's mistake reached the server as a bug). Deterministic: a fixed seed."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any, List, Set, Tuple

import bson
import grpc

from viam_data_sync._proto.app.data.v1 import data_pb2
from viam_data_sync._convert import datetime_to_timestamp
from viam_data_sync._proto.app.datapipelines.v1 import data_pipelines_pb2, data_pipelines_pb2_grpc
from viam_data_sync._proto.app.dataset.v1 import dataset_pb2
from viam_data_sync._proto.app.datasync.v1 import data_sync_pb2
from viam_data_sync._proto.proto.rpc.v1 import auth_pb2
from viam_data_sync.server import LocalDataServer

from . import _fuzz
from .conftest import Api, make_api, other_org_api

SEED = 20_261_202
REQUESTS = 2_100
BAD_CODES = (grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN)
SERVICES = [
    data_pb2.DESCRIPTOR.services_by_name["DataService"],
    dataset_pb2.DESCRIPTOR.services_by_name["DatasetService"],
    data_sync_pb2.DESCRIPTOR.services_by_name["DataSyncService"],
    auth_pb2.DESCRIPTOR.services_by_name["AuthService"],
    data_pipelines_pb2.DESCRIPTOR.services_by_name["DataPipelinesService"],
]


def _seed_org(api: Api, name: str) -> dict:
    """Readings, binary items with a box and a dataset in the api's organization."""
    server = api.server
    api.upload_tabular([{"x": 1, "big": 2**53}, {"x": 2}], times=[dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)] * 2)
    binary = api.upload_binary(b"\xff\xd8img", tags=["t"])
    box = api.add_box(binary)
    dataset = api.call(
        api.dataset.CreateDataset,
        dataset_pb2.CreateDatasetRequest(name=name, organization_id=api.organization_id),
    ).id
    fleet = server.store.fleet_of_part(api.part_id)
    when = datetime_to_timestamp(dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc))
    sequence = api.call(api.data.CreateSequence, data_pb2.CreateSequenceRequest(
        part_id=api.part_id, resources=[data_pb2.SequenceResourceFilter(resource_name="camera")],
        start_time=when, end_time=when)).id
    sequences = api.call(api.dataset.CreateDataset, dataset_pb2.CreateDatasetRequest(
        name=name + "-sequences", organization_id=api.organization_id, type=dataset_pb2.DATASET_TYPE_SEQUENCE_DATA)).id
    api.call(api.data.AddSequencesToDataset, data_pb2.AddSequencesToDatasetRequest(
        dataset_id=sequences, sequence_ids=[sequence]))
    job = api.call(api.dataset.StartSequenceDatasetExport,
                   dataset_pb2.StartSequenceDatasetExportRequest(dataset_id=sequences)).job_id
    query = api.call(api.data.CreateSavedQuery, data_pb2.CreateSavedQueryRequest(
        organization_id=api.organization_id, name=name, mql_binary=[bson.encode({"$limit": 1})])).id
    pipelines = data_pipelines_pb2_grpc.DataPipelinesServiceStub(api.channel)
    pipeline = api.call(pipelines.CreateDataPipeline, data_pipelines_pb2.CreateDataPipelineRequest(
        organization_id=api.organization_id, name=name, schedule="* * * * *",
        mql_binary=[bson.encode({"$count": "n"})], enable_backfill=False)).id
    return {
        "org": [api.organization_id],
        "part": [api.part_id],
        "robot": [fleet.robot_id],
        "location": [fleet.location_id],
        "binary": [binary],
        "file": [binary.split("/")[-1]],
        "dataset": [dataset, sequences],
        "bbox": [box],
        "sequence": [sequence],
        "job": [job],
        "pipeline": [pipeline],
        "pipeline_name": [name],
        "query_name": [name],
        "any_id": [dataset, sequences, sequence, query, pipeline],
    }


def test_generated_invalid_requests_never_get_internal_or_unknown() -> None:
    with LocalDataServer(max_workers=4) as server, grpc.insecure_channel(server.address) as channel:
        api = make_api(server, channel)
        other_api = other_org_api(server, channel)
        ids = _fuzz.Ids(_seed_org(api, "mine"), _seed_org(other_api, "theirs"))
        ids.own["key_id"] = [server.api_key_id]
        ids.own["cursor_tabular"] = [api.tabular_by_filter(limit=1).last]
        ids.own["cursor_binary"] = [api.binary_by_filter(limit=1).last]
        rng = random.Random(SEED)
        generator = _fuzz.RequestGenerator(rng, ids)
        rpcs = _fuzz.rpcs_of(SERVICES)
        by_path = {rpc.path: rpc for rpc in rpcs}
        failures: List[Tuple[str, str, str, str]] = []

        unimplemented: Set[str] = set()

        def send(rpc: _fuzz.Rpc, requests: List[Any]) -> None:
            metadata: Any = () if rpc.path.startswith("/proto.rpc.v1.AuthService/") else api.metadata
            try:
                _fuzz.call(channel, rpc, requests, metadata, timeout=30)
            except grpc.RpcError as exc:
                if exc.code() in BAD_CODES:
                    failures.append((rpc.path, exc.code().name, exc.details() or "", repr(requests)[:400]))
                elif "is not implemented by the local Data API server" in (exc.details() or ""):
                    unimplemented.add(rpc.path)  # the whole RPC, not one of its options

        cases = _fuzz.curated(ids)
        for path, requests in cases:
            send(by_path[path], requests)
        sent = len(cases)
        while sent < REQUESTS:
            for rpc in rpcs:
                if rpc.path in unimplemented and rng.random() < 0.9:
                    continue  # still asked now and then; the requests go where code runs
                cls = rpc.request_class()
                count = rng.randint(1, 3) if rpc.client_streaming else 1
                send(rpc, [generator.fill(cls()) for _ in range(count)])
                sent += 1
        assert sent >= 2_000
        assert len({f[0] for f in failures}) == 0, "\n".join(" | ".join(f) for f in failures[:40])
