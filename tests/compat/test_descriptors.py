"""Our descriptors against the official viam-sdk's: the wire contract, field by field.

Compared: file names and packages; every message (nested too), field name, number,
type, label, type name, oneof membership, proto3 presence, reserved numbers and names,
deprecation flags; every enum value; every service method's types and streaming flags.
Not compared: options that never reach the wire (HTTP annotations, go_package).
"""
from __future__ import annotations

import difflib
import json

import pytest
from google.protobuf import descriptor_pb2, json_format

from viam_data_sync._proto.app.data.v1 import data_pb2
from viam_data_sync._proto.app.datapipelines.v1 import data_pipelines_pb2
from viam_data_sync._proto.app.dataset.v1 import dataset_pb2
from viam_data_sync._proto.app.datasync.v1 import data_sync_pb2
from viam_data_sync._proto.proto.rpc.v1 import auth_pb2

viam_gen = pytest.importorskip("viam.gen", reason="viam-sdk (test extra) not installed")
from viam.gen.app.data.v1 import data_pb2 as viam_data_pb2  # noqa: E402
from viam.gen.app.datapipelines.v1 import data_pipelines_pb2 as viam_data_pipelines_pb2  # noqa: E402
from viam.gen.app.dataset.v1 import dataset_pb2 as viam_dataset_pb2  # noqa: E402
from viam.gen.app.datasync.v1 import data_sync_pb2 as viam_data_sync_pb2  # noqa: E402
from viam.gen.proto.rpc.v1 import auth_pb2 as viam_auth_pb2  # noqa: E402

PAIRS = [
    (data_pb2, viam_data_pb2),
    (dataset_pb2, viam_dataset_pb2),
    (data_sync_pb2, viam_data_sync_pb2),
    (auth_pb2, viam_auth_pb2),
    (data_pipelines_pb2, viam_data_pipelines_pb2),
]
WIRE_IRRELEVANT_DEPENDENCIES = {"google/api/annotations.proto"}


def _options(node: dict) -> None:
    """Keep only the deprecation flag of any options block."""
    opts = node.pop("options", None)
    if opts and opts.get("deprecated"):
        node["deprecated"] = True


def _normalize_message(msg: dict) -> dict:
    _options(msg)
    for field in msg.get("field", []):
        _options(field)
        field.pop("jsonName", None)
    msg["field"] = sorted(msg.get("field", []), key=lambda f: f["number"])
    msg["nestedType"] = sorted((_normalize_message(m) for m in msg.get("nestedType", [])), key=lambda m: m["name"])
    msg["enumType"] = sorted((_normalize_enum(e) for e in msg.get("enumType", [])), key=lambda e: e["name"])
    msg["reservedName"] = sorted(msg.get("reservedName", []))
    msg["reservedRange"] = sorted(msg.get("reservedRange", []), key=lambda r: r.get("start", 0))
    return msg


def _normalize_enum(enum: dict) -> dict:
    _options(enum)
    for value in enum.get("value", []):
        _options(value)
    enum["value"] = sorted(enum.get("value", []), key=lambda v: v.get("number", 0))
    return enum


def normalized(module) -> dict:
    proto = descriptor_pb2.FileDescriptorProto()
    module.DESCRIPTOR.CopyToProto(proto)
    d = json_format.MessageToDict(proto)
    d.pop("sourceCodeInfo", None)
    d.pop("options", None)
    d["dependency"] = sorted(set(d.get("dependency", [])) - WIRE_IRRELEVANT_DEPENDENCIES)
    d["messageType"] = sorted((_normalize_message(m) for m in d.get("messageType", [])), key=lambda m: m["name"])
    d["enumType"] = sorted((_normalize_enum(e) for e in d.get("enumType", [])), key=lambda e: e["name"])
    services = []
    for svc in d.get("service", []):
        _options(svc)
        for method in svc.get("method", []):
            _options(method)
        svc["method"] = sorted(svc.get("method", []), key=lambda m: m["name"])
        services.append(svc)
    d["service"] = sorted(services, key=lambda s: s["name"])
    return d


@pytest.mark.parametrize("ours, theirs", PAIRS, ids=lambda m: getattr(m, "__name__", "").rsplit(".", 1)[-1])
def test_descriptor_matches_official_sdk(ours, theirs):
    assert ours.DESCRIPTOR.name == theirs.DESCRIPTOR.name
    assert ours.DESCRIPTOR.package == theirs.DESCRIPTOR.package
    a = json.dumps(normalized(ours), indent=1, sort_keys=True).splitlines()
    b = json.dumps(normalized(theirs), indent=1, sort_keys=True).splitlines()
    if a != b:
        diff = "\n".join(difflib.unified_diff(b, a, "viam-sdk", "viam-data-sync", lineterm="", n=4))
        pytest.fail(f"descriptor mismatch for {ours.DESCRIPTOR.name}:\n{diff[:6000]}")


def test_counts_match_protocol_facts():
    """The service sizes protocol.md states (41 + 8 + 3 RPCs, AuthService 1)."""
    assert len(data_pb2.DESCRIPTOR.services_by_name["DataService"].methods) == 41
    assert len(dataset_pb2.DESCRIPTOR.services_by_name["DatasetService"].methods) == 8
    assert len(data_sync_pb2.DESCRIPTOR.services_by_name["DataSyncService"].methods) == 3
    assert len(auth_pb2.DESCRIPTOR.services_by_name["AuthService"].methods) == 1
    export = data_pb2.DESCRIPTOR.services_by_name["DataService"].methods_by_name["ExportTabularData"]
    assert export.server_streaming and not export.client_streaming
    upload = data_sync_pb2.DESCRIPTOR.services_by_name["DataSyncService"].methods_by_name["FileUpload"]
    assert upload.client_streaming and not upload.server_streaming


def test_normalizer_catches_a_wrong_field_number():
    """Guard the guard: a one-field change must show up as a difference."""
    good = normalized(data_pb2)
    bad = json.loads(json.dumps(good))
    filt = next(m for m in bad["messageType"] if m["name"] == "Filter")
    filt["field"][0]["number"] = 99
    assert good != bad


def test_known_wire_bytes():
    """Bytes from protocol.md §6, produced by the official SDK's own descriptors."""
    assert data_pb2.Filter(tags_filter=data_pb2.TagsFilter()).SerializeToString() == bytes.fromhex("7200")
    req = data_pb2.TabularDataByFilterRequest(data_request=data_pb2.DataRequest(filter=data_pb2.Filter()))
    assert req.SerializeToString() == bytes.fromhex("0a020a00")
    req = data_pb2.BinaryDataByFilterRequest(data_request=data_pb2.DataRequest(), include_binary=True)
    assert req.SerializeToString() == bytes.fromhex("0a001001")
    mql = data_pb2.TabularDataByMQLRequest(
        organization_id="o", mql_binary=[b"x"],
        data_source=data_pb2.TabularDataSource(type=data_pb2.TABULAR_DATA_SOURCE_TYPE_STANDARD),
    )
    assert mql.SerializeToString() == bytes.fromhex("0a016f1a0178320208 01".replace(" ", ""))
    auth = auth_pb2.AuthenticateRequest(entity="id", credentials=auth_pb2.Credentials(type="api-key", payload="k"))
    assert auth.SerializeToString() == bytes.fromhex("0a026964120c0a07") + b"api-key" + bytes.fromhex("1201") + b"k"
    first = data_sync_pb2.StreamingDataCaptureUploadRequest(
        metadata=data_sync_pb2.DataCaptureUploadMetadata(
            upload_metadata=data_sync_pb2.UploadMetadata(
                part_id="p", type=data_sync_pb2.DATA_TYPE_BINARY_SENSOR, file_extension=".png"
            ),
            sensor_metadata=data_sync_pb2.SensorMetadata(),
        )
    )
    assert first.SerializeToString() == bytes.fromhex("0a0f0a0b0a0170300 14a042e706e671200".replace(" ", ""))
