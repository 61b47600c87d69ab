"""Every RPC in protos/ has a real handler on the local server: none answers
UNIMPLEMENTED, whatever it is sent."""

from __future__ import annotations

from typing import Any, List

import grpc
import pytest
from google.protobuf.message_factory import GetMessageClass

from viam_data_sync._proto.app.data.v1 import data_pb2
from viam_data_sync._proto.app.datapipelines.v1 import data_pipelines_pb2
from viam_data_sync._proto.app.dataset.v1 import dataset_pb2
from viam_data_sync._proto.app.datasync.v1 import data_sync_pb2
from viam_data_sync._proto.proto.rpc.v1 import auth_pb2

from .conftest import Api

SERVICES = [
    data_pb2.DESCRIPTOR.services_by_name["DataService"],
    dataset_pb2.DESCRIPTOR.services_by_name["DatasetService"],
    data_sync_pb2.DESCRIPTOR.services_by_name["DataSyncService"],
    data_pipelines_pb2.DESCRIPTOR.services_by_name["DataPipelinesService"],
    auth_pb2.DESCRIPTOR.services_by_name["AuthService"],
]
METHODS = [(service, method) for service in SERVICES for method in service.methods]


def test_the_descriptors_hold_every_rpc_of_the_protos() -> None:
    assert len(METHODS) == 61
    assert {"CreateSequence", "ListDataPipelineRuns", "CreateSavedQuery", "CreateIndex",
            "StartSequenceDatasetExport"} <= {m.name for _, m in METHODS}


def _send(api: Api, service: Any, method: Any, request: Any) -> grpc.StatusCode:
    path = f"/{service.full_name}/{method.name}"
    serialize = lambda m: m.SerializeToString()  # noqa: E731
    try:
        if method.client_streaming:
            api.channel.stream_unary(path, request_serializer=serialize)(
                iter([request]), metadata=api.metadata, timeout=10)
        elif method.server_streaming:
            for _ in api.channel.unary_stream(path, request_serializer=serialize)(
                    request, metadata=api.metadata, timeout=10):
                pass
        else:
            api.channel.unary_unary(path, request_serializer=serialize)(request, metadata=api.metadata, timeout=10)
    except grpc.RpcError as exc:
        return exc.code()
    return grpc.StatusCode.OK


@pytest.mark.parametrize("service, method", METHODS, ids=[f"{s.name}.{m.name}" for s, m in METHODS])
def test_no_rpc_answers_unimplemented(api: Api, service: Any, method: Any) -> None:
    cls = GetMessageClass(method.input_type)
    requests: List[Any] = [cls()]
    for field in ("organization_id", "part_id"):
        if field in cls.DESCRIPTOR.fields_by_name:
            requests.append(cls(**{field: api.organization_id if field == "organization_id" else api.part_id}))
    codes = {_send(api, service, method, request) for request in requests}
    assert grpc.StatusCode.UNIMPLEMENTED not in codes, codes
    assert grpc.StatusCode.INTERNAL not in codes and grpc.StatusCode.UNKNOWN not in codes, codes
