"""One request per RPC through a real grpcio server on 127.0.0.1 with our generated stubs.

Every field of every request and response is filled (nested messages, maps, oneofs,
enums, well-known types), so a serializer, path or streaming-flag mistake in the
generated code or the private pool shows up as a difference.
"""
from __future__ import annotations

from concurrent import futures

import grpc
import pytest
from google.protobuf import descriptor as _d
from google.protobuf import message_factory

from viam_data_sync._proto.app.data.v1 import data_pb2, data_pb2_grpc
from viam_data_sync._proto.app.datapipelines.v1 import data_pipelines_pb2, data_pipelines_pb2_grpc
from viam_data_sync._proto.app.dataset.v1 import dataset_pb2, dataset_pb2_grpc
from viam_data_sync._proto.app.datasync.v1 import data_sync_pb2, data_sync_pb2_grpc
from viam_data_sync._proto.proto.rpc.v1 import auth_pb2, auth_pb2_grpc

SERVICES = [
    (data_pb2, "DataService", data_pb2_grpc),
    (dataset_pb2, "DatasetService", dataset_pb2_grpc),
    (data_sync_pb2, "DataSyncService", data_sync_pb2_grpc),
    (auth_pb2, "AuthService", auth_pb2_grpc),
    (data_pipelines_pb2, "DataPipelinesService", data_pipelines_pb2_grpc),
]
STREAM_LEN = 3


def fill(message, depth: int = 0, salt: int = 1):
    """Set every field of ``message`` to a non-default value (bounded depth)."""
    for field in message.DESCRIPTOR.fields:
        if field.containing_oneof is not None and not field.containing_oneof.name.startswith("_"):
            if field is not field.containing_oneof.fields[salt % len(field.containing_oneof.fields)]:
                continue
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            entry_cls = message_factory.GetMessageClass(field.message_type)
            entry = fill(entry_cls(), depth + 1, salt)
            container = getattr(message, field.name)
            if field.message_type.fields_by_name["value"].message_type is not None:
                container[entry.key].CopyFrom(entry.value)
            else:
                container[entry.key] = entry.value
            continue
        if field.type == _d.FieldDescriptor.TYPE_MESSAGE:
            if depth >= 3:
                continue
            if _repeated(field):
                fill(getattr(message, field.name).add(), depth + 1, salt)
            else:
                fill(getattr(message, field.name), depth + 1, salt)
                if not message.HasField(field.name):  # an empty sub-message still counts
                    getattr(message, field.name).SetInParent()
            continue
        value = _scalar(field, salt)
        if _repeated(field):
            getattr(message, field.name).append(value)
        else:
            setattr(message, field.name, value)
    return message


def _repeated(field) -> bool:
    # ``label`` is deprecated in newer protobuf; ``is_repeated`` is missing in older.
    if hasattr(type(field), "is_repeated"):
        return bool(field.is_repeated)
    return field.label == _d.FieldDescriptor.LABEL_REPEATED


def _scalar(field, salt):
    t = field.type
    if t == _d.FieldDescriptor.TYPE_STRING:
        return f"{field.name}-{salt}/x"
    if t == _d.FieldDescriptor.TYPE_BYTES:
        return bytes([salt, 0, 255])
    if t == _d.FieldDescriptor.TYPE_BOOL:
        return True
    if t in (_d.FieldDescriptor.TYPE_DOUBLE, _d.FieldDescriptor.TYPE_FLOAT):
        return 0.25 * salt
    if t == _d.FieldDescriptor.TYPE_ENUM:
        return field.enum_type.values[-1].number
    return 7 * salt  # every integer type


def _cases():
    for module, service_name, _grpc_mod in SERVICES:
        service = module.DESCRIPTOR.services_by_name[service_name]
        for method in service.methods:
            yield pytest.param(module, service_name, method.name, id=f"{service_name}.{method.name}")


@pytest.fixture(scope="module")
def server():
    received: dict = {}
    srv = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    for module, service_name, grpc_mod in SERVICES:
        service = module.DESCRIPTOR.services_by_name[service_name]
        attrs = {}
        for method in service.methods:
            attrs[method.name] = _handler(method, received)
        servicer_cls = type(f"Echo{service_name}", (getattr(grpc_mod, f"{service_name}Servicer"),), attrs)
        getattr(grpc_mod, f"add_{service_name}Servicer_to_server")(servicer_cls(), srv)
    port = srv.add_insecure_port("127.0.0.1:0")
    srv.start()
    yield f"127.0.0.1:{port}", received
    srv.stop(0)


def _handler(method, received):
    response_cls = message_factory.GetMessageClass(method.output_type)

    def handle(self, request_or_iterator, context):
        if method.client_streaming:
            received[method.full_name] = list(request_or_iterator)
        else:
            received[method.full_name] = [request_or_iterator]
        if method.server_streaming:
            return (fill(response_cls(), salt=i + 1) for i in range(STREAM_LEN))
        return fill(response_cls())

    return handle


@pytest.mark.parametrize("module, service_name, method_name", list(_cases()))
def test_rpc_round_trip(server, module, service_name, method_name):
    address, received = server
    method = module.DESCRIPTOR.services_by_name[service_name].methods_by_name[method_name]
    grpc_mod = dict((s, g) for _m, s, g in SERVICES)[service_name]
    request_cls = message_factory.GetMessageClass(method.input_type)
    response_cls = message_factory.GetMessageClass(method.output_type)
    with grpc.insecure_channel(address) as channel:
        stub = getattr(grpc_mod, f"{service_name}Stub")(channel)
        call = getattr(stub, method_name)
        if method.client_streaming:
            sent = [fill(request_cls(), salt=i + 1) for i in range(STREAM_LEN)]
            response = call(iter(sent), timeout=10)
        else:
            sent = [fill(request_cls())]
            response = call(sent[0], timeout=10)
        if method.server_streaming:
            assert list(response) == [fill(response_cls(), salt=i + 1) for i in range(STREAM_LEN)]
        else:
            assert response == fill(response_cls())
    assert received[method.full_name] == sent
    assert sent[0].ByteSize() > 0
