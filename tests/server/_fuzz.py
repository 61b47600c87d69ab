"""Generated invalid (and odd) requests for every RPC the local server serves.

Requests are built from the message descriptors with a seeded ``random.Random``: each
field is left unset or filled with a value chosen from the ones that broke the server
before (times of 1e12 s, int64 extremes, NUL characters, ids of another organization,
deeply nested SQL, MQL stages of odd shapes, cursors of odd content, undecodable
``Any`` payloads) or with a random one. The same seed gives the same requests.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import random
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterator, List, Sequence, Tuple

import bson
from google.protobuf import descriptor as _descriptor
from google.protobuf.message_factory import GetMessageClass

FD = _descriptor.FieldDescriptor

INT64_MAX = 2**63 - 1
INT64_MIN = -(2**63)

_INT_BOUNDS = {
    FD.TYPE_INT32: (-(2**31), 2**31 - 1),
    FD.TYPE_SINT32: (-(2**31), 2**31 - 1),
    FD.TYPE_SFIXED32: (-(2**31), 2**31 - 1),
    FD.TYPE_UINT32: (0, 2**32 - 1),
    FD.TYPE_FIXED32: (0, 2**32 - 1),
    FD.TYPE_INT64: (INT64_MIN, INT64_MAX),
    FD.TYPE_SINT64: (INT64_MIN, INT64_MAX),
    FD.TYPE_SFIXED64: (INT64_MIN, INT64_MAX),
    FD.TYPE_UINT64: (0, 2**64 - 1),
    FD.TYPE_FIXED64: (0, 2**64 - 1),
}
_FLOATS = [0.0, -0.0, 0.5, 1.0, 2.0, -1.0, float("nan"), float("inf"), float("-inf"), 1e308, 1e-300]
_TIMESTAMP_SECONDS = [0, -1, 1, 10**12, -(10**12), 253402300799, -62135596800, 1_704_067_200, 2**40]


def _nested_parens(depth: int) -> str:
    return "SELECT " + "(" * depth + "1" + ")" * depth


def _nested_subqueries(depth: int) -> str:
    sql = "SELECT 1 AS v"
    for level in range(depth):
        sql = f"SELECT v FROM ({sql}) q{level}"
    return sql


SQL_QUERIES = [
    "SELECT * FROM readings",
    "SELECT COUNT(*) FROM readings",
    _nested_parens(1000),
    " UNION ALL ".join(["SELECT 1"] * 2000),
    _nested_subqueries(300),
    "SELECT abs(-9223372036854775807 - 1)",
    "SELECT 99999999999999999999999 AS big",
    "SELECT 1 AS \"a\x00b\"",
    "SELECT char(0) AS `$x`",
    "SELECT zeroblob(2000000000)",
    "SELECT * FROM readings LIMIT 1 OFFSET 9223372036854775807",
    "SELECT * FROM readings WHERE time_received > '99999-01-01'",
    "SELECT * FROM readings WHERE time_received > CAST('9999-12-31T23:59:59' AS TIMESTAMP)",
    "SELECT * FROM readings WHERE time_received < CAST('0001-01-01' AS TIMESTAMP)",
    "SELECT data.readings.x.y.z FROM readings",
    "SELECT * FROM (WITH meta AS (SELECT 1 AS v) SELECT v FROM meta) q, meta",
    "SELECT * FROM readings WHERE 'x' IN readings",
    "SELECT COUNT(*) AS n FROM readings a, readings b",
    "WITH c AS (SELECT * FROM readings) SELECT COUNT(*) FROM c",
    "SELECT * FROM sqlite_master",
    "SELECT * FROM pragma_table_info('readings')",
    "SELECT load_extension('x')",
    "INSERT INTO readings VALUES (1)",
    "SELECT ?",
    "SELECT 1; SELECT 2",
    "",
    "\x00",
    "SELECT",
    "SELECT printf('%.*c', 2147483647, 'x')",
    "SELECT json_extract(data, '$.' || char(0)) FROM readings",
    "SELECT CAST(data AS TIMESTAMP) FROM readings",
    "SELECT 1e999, -1e999",
    "SELECT x'00ff' AS b",
    "SELECT * FROM readings ORDER BY 99",
]


def _deep_and(depth: int) -> Dict[str, Any]:
    query: Dict[str, Any] = {"component_name": "x"}
    for _ in range(depth):
        query = {"$and": [query]}
    return query


MQL_STAGES: List[Dict[str, Any]] = [
    {"$skip": INT64_MAX},
    {"$limit": INT64_MAX},
    {"$skip": -1},
    {"$limit": 0},
    {"$limit": 1.5},
    {"$match": {"time_received": {"$gte": dt.datetime(1, 1, 1)}}},
    {"$match": {"time_received": {"$lt": dt.datetime(9999, 12, 31)}}},
    {"$match": {"time_received": dt.datetime(2500, 1, 1)}},
    {"$match": {"time_requested": {"$gt": dt.datetime(1600, 1, 1)}}},
    {"$project": {"big": {"$multiply": [INT64_MAX, 4]}}},
    {"$addFields": {"big": {"$add": [INT64_MAX, INT64_MAX]}}},
    {"$group": {"_id": None, "s": {"$sum": INT64_MAX}}},
    {"$match": _deep_and(90)},
    {"$match": {"$where": "1"}},
    {"$match": 5},
    {"$sample": {"size": -1}},
    {"$sample": {"size": INT64_MAX}},
    {"$bucket": {"groupBy": "$x", "boundaries": []}},
    {"$unwind": 5},
    {"$sort": {}},
    {"$sort": {"time_received": 2}},
    {"$count": ""},
    {"$count": "$x"},
    {"$replaceRoot": {"newRoot": 5}},
    {"$project": {}},
    {"$addFields": {"a\x00": 1}},
    {"$set": {"$x": 1}},
    {"$unset": []},
    {"$lookup": {"from": "x"}},
    {"$out": "x"},
    {"$group": {"_id": {"$toDate": "$x"}}},
    {"$project": {"d": {"$dateFromParts": {"year": 99999}}}},
    {"$project": {"d": {"$toDate": INT64_MAX}}},
    {"$match": {"component_name": {"$regex": "("}}},
    {"$match": {"_id": {"$in": 5}}},
]


def _cursor(body: Any) -> str:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


CURSORS = [
    "",
    "!!!",
    _cursor({"v": 1, "k": "tabular", "d": 0, "t": 10**30, "i": 10**30, "s": 10**30, "h": "x"}),
    _cursor({"v": 1, "k": "binary", "d": 0, "t": -(10**30), "i": 1, "s": 1, "h": "x"}),
    _cursor({"v": 1, "k": "tabular", "d": 0, "t": 1.5, "i": None, "s": 1, "h": "x"}),
    _cursor(b"[" * 100_000 + b"]" * 100_000),
    _cursor(b'{"v":' * 5000 + b"1" + b"}" * 5000),
    _cursor(b"\xff\xfe"),
    _cursor([1, 2]),
    _cursor({"v": 2}),
]


SCHEDULES = ["0 * * * *", "*/5 * * * *", "61 * * * *", "* * * *", "* * * * * *", "", "a b c d e", "0 0 31 2 *",
             "@hourly", "0-59/0 * * * *"]
INDEX_SPECS: List[Any] = [
    {"keys": {"data.x": 1}}, {"keys": {"data.x": -1, "component_name": 1}, "options": {"name": "n"}},
    {"keys": {"a": "text"}}, {"keys": {}}, {"keys": {"a": 0}}, {"keys": {"a": 1}, "options": {"name": 5}},
    {"keys": {"a": 1}, "options": {"name": "x" * 500}}, {"keys": "a"}, {"keys": {"a.": 1}},
    {"keys": {"data." + "a." * 200 + "b": 1}}, {"a": 1}, {"keys": {"a": 1}, "options": []},
]


@dataclass
class Ids:
    """Real ids the generator may use: ours (visible) and another organization's."""

    own: Dict[str, List[str]] = field(default_factory=dict)
    other: Dict[str, List[str]] = field(default_factory=dict)

    def pick(self, rng: random.Random, kind: str) -> str:
        pool = self.own if rng.random() < 0.75 else self.other
        values = pool.get(kind) or [""]
        return rng.choice(values)


_ID_FIELDS = {
    "organization_id": "org",
    "organization_ids": "org",
    "part_id": "part",
    "robot_id": "robot",
    "location_id": "location",
    "location_ids": "location",
    "binary_data_id": "binary",
    "binary_data_ids": "binary",
    "dataset_id": "dataset",
    "dataset_ids": "dataset",
    "id": "any_id",
    "ids": "dataset",
    "sequence_id": "sequence",
    "sequence_ids": "sequence",
    "job_id": "job",
    "pipeline_id": "pipeline",
    "pipeline_name": "pipeline_name",
    "query_prefix_name": "query_name",
    "file_id": "file",
    "bbox_id": "bbox",
    "entity": "key_id",
}


class RequestGenerator:
    """Builds random requests for one message type at a time."""

    def __init__(self, rng: random.Random, ids: Ids) -> None:
        self.rng = rng
        self.ids = ids

    # ------------------------------------------------------------ scalars
    def string(self, name: str) -> str:
        rng = self.rng
        roll = rng.random()
        if name in _ID_FIELDS and roll < 0.6:
            return self.ids.pick(rng, _ID_FIELDS[name])
        if name == "schedule" and roll < 0.8:
            return rng.choice(SCHEDULES)
        if name == "paths" and roll < 0.7:
            return rng.choice(["resources", "sequence_tags", "start_time", "end_time", "id", "", "a.b"])
        if name == "sql_query" and roll < 0.9:
            return rng.choice(SQL_QUERIES)
        if name == "last" and roll < 0.8:
            return rng.choice(CURSORS)
        if name == "type_url" and roll < 0.8:
            return rng.choice(
                [
                    "type.googleapis.com/google.protobuf.Value",
                    "type.googleapis.com/google.protobuf.Struct",
                    "type.googleapis.com/no.such.Type",
                    "",
                ]
            )
        return rng.choice(
            [
                "",
                " ",
                "x",
                "a\x00b",
                "x" * 5000,
                "é☃\U0001f600",
                "../../etc/passwd",
                "a/b/c",
                "//",
                "$x",
                "a.b",
                "'; DROP TABLE readings; --",
                "api-key",
                "00000000-0000-0000-0000-000000000000",
            ]
        )

    def integer(self, kind: int) -> int:
        low, high = _INT_BOUNDS[kind]
        choices = [0, 1, -1, 2, 100, 10**6, 10**12, 2**31 - 1, 2**32 - 1, 2**53, INT64_MAX, INT64_MIN, 2**64 - 1]
        value = self.rng.choice(choices)
        return min(max(value, low), high)

    def bytes_(self, name: str) -> bytes:
        rng = self.rng
        if name == "mql_binary" and rng.random() < 0.85:
            stage = rng.choice(MQL_STAGES)
            try:
                return bson.encode(stage)
            except Exception:  # noqa: BLE001 - a stage bson itself refuses: send garbage
                return b"\x05\x00\x00\x00\x00"
        if name == "index_spec" and rng.random() < 0.7:
            return bson.encode(rng.choice(INDEX_SPECS))
        if name == "value" and rng.random() < 0.5:
            return rng.choice([b"\xff\xff\xff", b"\x0a\x05abc", b"\x08\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01"])
        size = rng.choice([0, 1, 7, 100, 4096])
        return rng.randbytes(size)

    # ------------------------------------------------------------ messages
    def fill(self, message: Any, depth: int = 0) -> Any:
        descriptor = message.DESCRIPTOR
        full_name = descriptor.full_name
        if full_name == "google.protobuf.Timestamp":
            message.seconds = self.rng.choice(_TIMESTAMP_SECONDS)
            message.nanos = self.rng.choice([0, 1, 999_999_999])
            return message
        if full_name == "google.protobuf.Struct":
            message.update(self.struct_dict(depth))
            return message
        if full_name == "google.protobuf.Value":
            message.string_value = self.string("value")
            return message
        oneofs_done = set()
        for fd in descriptor.fields:
            if self.rng.random() < 0.4:
                continue
            if fd.containing_oneof is not None:
                if fd.containing_oneof.name in oneofs_done:
                    continue
                oneofs_done.add(fd.containing_oneof.name)
            self.set_field(message, fd, depth)
        return message

    def struct_dict(self, depth: int) -> Dict[str, Any]:
        rng = self.rng
        out: Dict[str, Any] = {}
        for _ in range(rng.randint(0, 3)):
            key = rng.choice(["a", "readings", "a\x00b", "", "$x", "a.b", "x" * 300])
            roll = rng.random()
            if roll < 0.2 and depth < 6:
                out[key] = self.struct_dict(depth + 1)
            elif roll < 0.4:
                out[key] = [rng.choice([1, "s", None, True])]
            else:
                out[key] = rng.choice([1, 1.5, 1e308, -1e308, "s", "a\x00", None, True, 2**53])
        return out

    def value_of(self, message: Any, fd: Any, depth: int) -> Any:
        if fd.type == FD.TYPE_STRING:
            return self.string(fd.name)
        if fd.type == FD.TYPE_BYTES:
            return self.bytes_(fd.name)
        if fd.type == FD.TYPE_BOOL:
            return self.rng.random() < 0.5
        if fd.type in (FD.TYPE_FLOAT, FD.TYPE_DOUBLE):
            value = self.rng.choice(_FLOATS)
            return min(max(value, -3e38), 3e38) if fd.type == FD.TYPE_FLOAT and value == value else value
        if fd.type == FD.TYPE_ENUM:
            numbers = [v.number for v in fd.enum_type.values]
            return self.rng.choice(numbers + [999, -1])
        return self.integer(fd.type)

    def set_field(self, message: Any, fd: Any, depth: int) -> None:
        is_message = fd.type == FD.TYPE_MESSAGE
        is_map = is_message and fd.message_type.GetOptions().map_entry
        target = getattr(message, fd.name)
        if is_map:
            key_fd = fd.message_type.fields_by_name["key"]
            value_fd = fd.message_type.fields_by_name["value"]
            for _ in range(self.rng.randint(0, 2)):
                key = self.value_of(message, key_fd, depth)
                if value_fd.type == FD.TYPE_MESSAGE:
                    if depth < 4:
                        self.fill(target[key], depth + 1)
                else:
                    target[key] = self.value_of(message, value_fd, depth)
            return
        if fd.is_repeated:
            for _ in range(self.rng.choice([0, 1, 1, 2, 3])):
                if is_message:
                    if depth < 4:
                        self.fill(target.add(), depth + 1)
                else:
                    target.append(self.value_of(message, fd, depth))
            return
        if is_message:
            if depth < 4:
                sub = getattr(message, fd.name)
                sub.SetInParent()
                self.fill(sub, depth + 1)
            return
        setattr(message, fd.name, self.value_of(message, fd, depth))


@dataclass
class Rpc:
    """One RPC: how to call it on a channel and how to build its request(s)."""

    path: str
    input_type: Any
    client_streaming: bool
    server_streaming: bool

    def request_class(self) -> Any:
        return GetMessageClass(self.input_type)


def rpcs_of(service_descriptors: Sequence[Any]) -> List[Rpc]:
    return [
        Rpc(
            f"/{service.full_name}/{method.name}",
            method.input_type,
            method.client_streaming,
            method.server_streaming,
        )
        for service in service_descriptors
        for method in service.methods
    ]


def call(channel: Any, rpc: Rpc, requests: Sequence[Any], metadata: Any, timeout: float) -> None:
    """Send ``requests`` (one unless the RPC streams them) and read every answer."""
    serialize: Callable[[Any], bytes] = lambda m: m.SerializeToString()  # noqa: E731
    if rpc.client_streaming:
        stream = channel.stream_unary(rpc.path, request_serializer=serialize)
        stream(iter(requests), metadata=metadata, timeout=timeout)
    elif rpc.server_streaming:
        responses: Iterator[bytes] = channel.unary_stream(rpc.path, request_serializer=serialize)(
            requests[0], metadata=metadata, timeout=timeout
        )
        for _ in responses:
            pass
    else:
        channel.unary_unary(rpc.path, request_serializer=serialize)(requests[0], metadata=metadata, timeout=timeout)


# ---------------------------------------------------------------- curated cases
def curated(ids: Ids) -> List[Tuple[str, List[Any]]]:
    """Requests that each aim one known-bad value at one RPC, the rest valid."""
    from viam_data_sync._proto.app.data.v1 import data_pb2
    from viam_data_sync._proto.app.datasync.v1 import data_sync_pb2

    org, part = ids.own["org"][0], ids.own["part"][0]
    data, sync = "/viam.app.data.v1.DataService/", "/viam.app.datasync.v1.DataSyncService/"
    cases: List[Tuple[str, List[Any]]] = []
    for sql in SQL_QUERIES:
        cases.append((data + "TabularDataBySQL", [data_pb2.TabularDataBySQLRequest(organization_id=org, sql_query=sql)]))
    for stage in MQL_STAGES:
        try:
            encoded = bson.encode(stage)
        except Exception:  # noqa: BLE001 - bson refuses to build it; nothing to send
            continue
        for prefix in ([], [bson.encode({"$match": {"component_name": "sensor-1"}})]):
            request = data_pb2.TabularDataByMQLRequest(organization_id=org, mql_binary=[*prefix, encoded])
            cases.append((data + "TabularDataByMQL", [request]))
    for method, cls, kind in (("TabularDataByFilter", data_pb2.TabularDataByFilterRequest, "tabular"),
                              ("BinaryDataByFilter", data_pb2.BinaryDataByFilterRequest, "binary")):
        real = json.loads(base64.urlsafe_b64decode(ids.own["cursor_" + kind][0] + "=="))
        mutated = [_cursor({**real, key: value}) for key in ("t", "i", "s")
                   for value in (10**30, -(10**30), 2**63, 1e30, [1], {"a": 1})]
        for cursor in CURSORS + mutated:
            cases.append((data + method, [cls(data_request=data_pb2.DataRequest(last=cursor))]))
    for seconds in _TIMESTAMP_SECONDS:
        for edge in ("start", "end"):
            interval = data_pb2.CaptureInterval()
            getattr(interval, edge).seconds = seconds
            flt = data_pb2.Filter(interval=interval)
            for method, cls in (("TabularDataByFilter", data_pb2.TabularDataByFilterRequest),
                                ("BinaryDataByFilter", data_pb2.BinaryDataByFilterRequest)):
                cases.append((data + method, [cls(data_request=data_pb2.DataRequest(filter=flt))]))
            for method in ("DeleteBinaryDataByFilter", "TagsByFilter", "BoundingBoxLabelsByFilter"):
                cls = GetMessageClass(data_pb2.DESCRIPTOR.message_types_by_name[method + "Request"])
                cases.append((data + method, [cls(filter=flt)]))
            cases.append((data + "ExportTabularData",
                          [data_pb2.ExportTabularDataRequest(part_id=part, interval=interval)]))
        for kind in ("struct", "binary"):
            item = data_sync_pb2.SensorData()
            item.metadata.time_requested.seconds = seconds
            item.metadata.time_received.seconds = seconds
            if kind == "struct":
                item.struct.update({"x": 1})
            else:
                item.binary = b"img"
            md = data_sync_pb2.UploadMetadata(part_id=part, type=(
                data_sync_pb2.DATA_TYPE_TABULAR_SENSOR if kind == "struct" else data_sync_pb2.DATA_TYPE_BINARY_SENSOR))
            cases.append((sync + "DataCaptureUpload",
                          [data_sync_pb2.DataCaptureUploadRequest(metadata=md, sensor_contents=[item])]))
        md = data_sync_pb2.UploadMetadata(part_id=part, type=data_sync_pb2.DATA_TYPE_FILE)
        md.file_create_time.seconds = seconds
        md.file_modify_time.seconds = seconds
        cases.append((sync + "FileUpload", [data_sync_pb2.FileUploadRequest(metadata=md)]))
    for days in (2**32 - 1, 10**6, 106_751, 106_752, 365 * 300):
        cases.append((data + "DeleteTabularData",
                      [data_pb2.DeleteTabularDataRequest(organization_id=org, delete_older_than_days=days)]))
    for repeated in (ids.own["bbox"][0], ids.other["bbox"][0], "same"):
        item = data_sync_pb2.SensorData(binary=b"img")
        for _ in range(2):
            item.metadata.annotations.bboxes.add(id=repeated, label="a", x_min_normalized=0.1, y_min_normalized=0.1,
                                                 x_max_normalized=0.2, y_max_normalized=0.2)
            item.metadata.annotations.classifications.add(id=repeated, label="c")
        md = data_sync_pb2.UploadMetadata(part_id=part, type=data_sync_pb2.DATA_TYPE_BINARY_SENSOR)
        cases.append((sync + "DataCaptureUpload",
                      [data_sync_pb2.DataCaptureUploadRequest(metadata=md, sensor_contents=[item])]))
    for type_name in ("google.protobuf.Value", "google.protobuf.Struct"):
        md = data_sync_pb2.UploadMetadata(part_id=part, type=data_sync_pb2.DATA_TYPE_TABULAR_SENSOR)
        md.method_parameters["p"].type_url = "type.googleapis.com/" + type_name
        md.method_parameters["p"].value = b"\xff\xff\xff"
        item = data_sync_pb2.SensorData()
        item.struct.update({"x": 1})
        cases.append((sync + "DataCaptureUpload",
                      [data_sync_pb2.DataCaptureUploadRequest(metadata=md, sensor_contents=[item])]))
    return cases
