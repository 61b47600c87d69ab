"""Security findings of the local server's review, each reproduced over a real server.

Each finding's tests failed on the code before its fix (a test that guards behaviour
which already held says so).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
import os
import signal
import time
from typing import Any, Iterator

try:
    import resource
except ImportError:  # not POSIX
    resource = None  # type: ignore[assignment]  # the full-disk test skips

import bson
import grpc
import pytest

from viam_data_sync._proto.app.data.v1 import data_pb2
from viam_data_sync._proto.app.dataset.v1 import dataset_pb2
from viam_data_sync._proto.app.datasync.v1 import data_sync_pb2
from viam_data_sync._proto.proto.rpc.v1 import auth_pb2
from viam_data_sync.server import LocalDataServer
from viam_data_sync.server._server import DEFAULT_MAX_UPLOAD_BYTES

from .conftest import TIMEOUT, Api, code_of, make_api, other_org_api, remote_server, start_server_process


def _fails(call: object, request: object, api: Api, **kwargs: object) -> grpc.StatusCode:
    with pytest.raises(grpc.RpcError) as excinfo:
        api.call(call, request, **kwargs)
    return code_of(excinfo)


# ---------------------------------------------------------------- 8: secrets in the log
def test_the_log_never_quotes_a_key_token_or_password_put_in_the_wrong_field(
    server: LocalDataServer, api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    token = api.metadata[0][1].split(" ", 1)[1]
    password = "correct-horse-battery-staple"
    secrets = [server.api_key, token, password]
    swapped = auth_pb2.AuthenticateRequest(
        entity=server.api_key, credentials=auth_pb2.Credentials(type="api-key", payload=server.api_key_id)
    )
    with pytest.raises(grpc.RpcError) as excinfo:
        api.auth.Authenticate(swapped, timeout=TIMEOUT)
    assert code_of(excinfo) == grpc.StatusCode.UNAUTHENTICATED
    for secret in secrets:
        wrong = auth_pb2.AuthenticateRequest(
            entity=secret, credentials=auth_pb2.Credentials(type="api-key", payload=secret)
        )
        with pytest.raises(grpc.RpcError):
            api.auth.Authenticate(wrong, timeout=TIMEOUT)
        request = dataset_pb2.ListDatasetsByOrganizationIDRequest(organization_id=secret)
        assert _fails(api.dataset.ListDatasetsByOrganizationID, request, api) == grpc.StatusCode.PERMISSION_DENIED
        flt = data_pb2.Filter(organization_ids=[secret])
        request = data_pb2.TabularDataByFilterRequest(data_request=data_pb2.DataRequest(filter=flt))
        assert _fails(api.data.TabularDataByFilter, request, api) == grpc.StatusCode.PERMISSION_DENIED
        sql = f"SELECT * FROM readings WHERE component_name = '{secret}'"
        api.call(
            api.data.TabularDataBySQL,
            data_pb2.TabularDataBySQLRequest(organization_id=server.organization_id, sql_query=sql),
        )
        mql = [bson.encode({"$match": {"component_name": secret}})]
        api.call(
            api.data.TabularDataByMQL,
            data_pb2.TabularDataByMQLRequest(organization_id=server.organization_id, mql_binary=mql),
        )
        request = data_pb2.ConfigureDatabaseUserRequest(organization_id=secret, password=password)
        assert _fails(api.data.ConfigureDatabaseUser, request, api) == grpc.StatusCode.PERMISSION_DENIED
    logged = caplog.text
    assert "Authenticate rejected" in logged  # the log was captured at all
    assert "TabularDataByFilter -> PERMISSION_DENIED" in logged
    for secret in secrets:
        assert secret not in logged


# ---------------------------------------------------------------- 7: keepalive
def test_a_call_outlives_many_client_keepalive_pings(server: LocalDataServer) -> None:
    """The SDK pings every 20 s without data; grpc's default server policy answers the
    third such ping with GOAWAY "too_many_pings". Here the client pings every second and
    the upload's source stays silent for 6 s, well past the default's two strikes."""
    options = [
        ("grpc.keepalive_time_ms", 1000),
        ("grpc.keepalive_timeout_ms", 10_000),
        ("grpc.http2.max_pings_without_data", 0),  # as viam_data_sync/_channel.py
        ("grpc.keepalive_permit_without_calls", 0),
    ]
    metadata = data_sync_pb2.UploadMetadata(
        part_id=server.part_id, type=data_sync_pb2.DATA_TYPE_FILE, file_name="slow"
    )

    def slow_source() -> Iterator[Any]:
        yield data_sync_pb2.FileUploadRequest(metadata=metadata)
        time.sleep(6)
        yield data_sync_pb2.FileUploadRequest(file_contents=data_sync_pb2.FileData(data=b"late"))

    with grpc.insecure_channel(server.address, options=options) as channel:
        api = make_api(server, channel)
        response = api.call(api.sync.FileUpload, slow_source(), timeout=60)
        assert response.binary_data_id
        request = data_pb2.BinaryDataByIDsRequest(binary_data_ids=[response.binary_data_id], include_binary=True)
        assert api.call(api.data.BinaryDataByIDs, request).data[0].binary == b"late"


# ---------------------------------------------------------------- 3: keys BSON cannot hold
@pytest.mark.parametrize(
    "reading, params, named",
    [
        ({"a\x00b": 1}, None, "'a\\x00b'"),
        ({"readings": {"ok": [{"deep\x00": True}]}}, None, "'deep\\x00'"),
        ({"fine": 1}, {"pin\x00": "A1"}, "'pin\\x00'"),
    ],
)
def test_a_key_with_a_nul_is_refused_at_upload_and_queries_keep_working(
    server: LocalDataServer, api: Api, reading: dict, params: Any, named: str
) -> None:
    api.upload_tabular([{"fine": 1}])
    with pytest.raises(grpc.RpcError) as excinfo:
        api.upload_tabular([{"fine": 2}, reading], method_parameters=params)
    assert code_of(excinfo) == grpc.StatusCode.INVALID_ARGUMENT
    assert named in excinfo.value.details()
    sql = data_pb2.TabularDataBySQLRequest(organization_id=server.organization_id, sql_query="SELECT * FROM readings")
    assert len(api.call(api.data.TabularDataBySQL, sql).raw_data) == 1  # nothing of the refused upload
    mql = data_pb2.TabularDataByMQLRequest(
        organization_id=server.organization_id, mql_binary=[bson.encode({"$match": {"data.fine": {"$gte": 0}}})]
    )
    assert [bson.decode(d)["data"] for d in api.call(api.data.TabularDataByMQL, mql).raw_data] == [{"fine": 1}]


# ---------------------------------------------------------------- 6: precise statuses
def _sql(api: Api, query: str) -> Any:
    request = data_pb2.TabularDataBySQLRequest(organization_id=api.organization_id, sql_query=query)
    return api.call(api.data.TabularDataBySQL, request)


def _mql(api: Api, *stages: Any) -> list:
    request = data_pb2.TabularDataByMQLRequest(
        organization_id=api.organization_id, mql_binary=[bson.encode(s) for s in stages]
    )
    return [bson.decode(raw) for raw in api.call(api.data.TabularDataByMQL, request).raw_data]


def _code(fn: Any, *args: Any) -> grpc.StatusCode:
    with pytest.raises(grpc.RpcError) as excinfo:
        fn(*args)
    return code_of(excinfo)


def test_times_beyond_what_the_store_holds(api: Api) -> None:
    api.upload_tabular([{"x": 1}])
    far = data_pb2.CaptureInterval()
    far.end.seconds = 10**12
    far.start.seconds = -(10**12)
    assert api.tabular_by_filter(data_pb2.Filter(interval=far)).count == 1  # a bound: clamped
    export = data_pb2.ExportTabularDataRequest(part_id=api.part_id, interval=far)
    assert len(list(api.call(api.data.ExportTabularData, export))) == 1
    item = data_sync_pb2.SensorData()
    item.struct.update({"x": 2})
    item.metadata.time_received.seconds = 10**12  # a time to store: refused, named
    md = data_sync_pb2.UploadMetadata(part_id=api.part_id, type=data_sync_pb2.DATA_TYPE_TABULAR_SENSOR)
    request = data_sync_pb2.DataCaptureUploadRequest(metadata=md, sensor_contents=[item])
    with pytest.raises(grpc.RpcError) as excinfo:
        api.call(api.sync.DataCaptureUpload, request)
    assert code_of(excinfo) == grpc.StatusCode.INVALID_ARGUMENT
    assert "time_received" in excinfo.value.details()
    assert len(_mql(api, {"$match": {"time_received": {"$lt": dt.datetime(9999, 1, 1)}}})) == 1
    assert _mql(api, {"$match": {"time_received": {"$lt": dt.datetime(1, 1, 1)}}}) == []
    assert _mql(api, {"$match": {"component_name": "sensor-1"}}, {"$skip": 2**63 - 1}) == []
    delete = data_pb2.DeleteTabularDataRequest(organization_id=api.organization_id, delete_older_than_days=2**32 - 1)
    assert api.call(api.data.DeleteTabularData, delete).deleted_count == 0


def test_lists_beyond_what_one_sql_statement_binds_are_invalid_argument(api: Api) -> None:
    """SQLite binds at most 32,766 (here up to 250,000) parameters per statement."""
    many = [f"v{i}" for i in range(300_000)]
    bid = api.upload_binary(b"img")
    flt = data_pb2.Filter
    tabular, binary = data_pb2.TabularDataByFilterRequest, data_pb2.BinaryDataByFilterRequest
    for method, request, field in (
        (api.data.TabularDataByFilter, tabular(data_request=data_pb2.DataRequest(filter=flt(location_ids=many))),
         "filter.location_ids"),
        (api.data.BinaryDataByFilter, binary(data_request=data_pb2.DataRequest(filter=flt(mime_type=many))),
         "filter.mime_type"),
        (api.data.BinaryDataByFilter, binary(data_request=data_pb2.DataRequest(filter=flt(bbox_labels=many))),
         "filter.bbox_labels"),
        (api.data.TabularDataByFilter,
         tabular(data_request=data_pb2.DataRequest(filter=flt(tags_filter=data_pb2.TagsFilter(tags=many)))),
         "tags_filter.tags"),
        (api.data.RemoveTagsFromBinaryDataByIDs,
         data_pb2.RemoveTagsFromBinaryDataByIDsRequest(binary_data_ids=[bid], tags=many), "tags"),
        (api.data.DeleteTabularData,
         data_pb2.DeleteTabularDataRequest(organization_id=api.organization_id,
                                           filter=data_pb2.DeleteTabularFilter(location_ids=many)),
         "filter.location_ids"),
    ):
        with pytest.raises(grpc.RpcError) as excinfo:
            api.call(method, request, timeout=60)
        assert code_of(excinfo) == grpc.StatusCode.INVALID_ARGUMENT
        assert field in excinfo.value.details()
    api.upload_tabular([{"x": 1}])
    assert len(_mql(api, {"$match": {"component_name": {"$in": ["sensor-1", *many]}}})) == 1


def test_cursor_fields_out_of_range_are_invalid_argument(api: Api) -> None:
    api.upload_tabular([{"x": 1}, {"x": 2}])
    real = json.loads(base64.urlsafe_b64decode(api.tabular_by_filter(limit=1).last + "=="))
    for key in ("t", "i", "s"):
        body = json.dumps({**real, key: 10**30}).encode()
        last = base64.urlsafe_b64encode(body).rstrip(b"=").decode()
        assert _code(lambda: api.tabular_by_filter(limit=1, last=last)) == grpc.StatusCode.INVALID_ARGUMENT
    nested = base64.urlsafe_b64encode(b"[" * 50_000 + b"]" * 50_000).decode()
    assert _code(lambda: api.tabular_by_filter(limit=1, last=nested)) == grpc.StatusCode.INVALID_ARGUMENT


@pytest.mark.parametrize(
    "query",
    [
        "SELECT " + "(" * 1000 + "1" + ")" * 1000,
        " UNION ALL ".join(["SELECT 1"] * 2000),
        "SELECT 1 AS v" + "".join(f") q{i}" for i in range(300)),
    ],
    ids=["parentheses", "unions", "subqueries"],
)
def test_deeply_nested_sql_is_invalid_argument(api: Api, query: str) -> None:
    if query.startswith("SELECT 1 AS v"):
        query = "SELECT v FROM (" * 300 + query
    with pytest.raises(grpc.RpcError) as excinfo:
        _sql(api, query)
    assert code_of(excinfo) == grpc.StatusCode.INVALID_ARGUMENT
    if query.startswith(("SELECT 1 UNION", "SELECT v FROM (")):  # refused before any depth
        assert "not offered by the local server" in excinfo.value.details()


def test_an_mql_result_beyond_int64_is_a_double(api: Api) -> None:
    """MongoDB widens a long that overflows to a double; the answer encodes (no INTERNAL)."""
    api.upload_tabular([{"x": 1}])
    stage = {"$project": {"_id": 0, "big": {"$add": [2**63 - 1, 2**63 - 1]}}}
    assert _mql(api, stage) == [{"big": float(2**64 - 2)}]


def test_annotation_ids_in_an_upload_are_the_servers(server: LocalDataServer, api: Api) -> None:
    """A repeated id, or another organization's, neither fails nor tells anything."""
    other_api = other_org_api(server, api.channel)
    their_box = other_api.add_box(other_api.upload_binary(b"theirs"))
    for repeated in ("same", their_box):
        item = data_sync_pb2.SensorData(binary=b"img")
        for _ in range(2):
            item.metadata.annotations.bboxes.add(
                id=repeated, label="a", x_min_normalized=0.1, y_min_normalized=0.1,
                x_max_normalized=0.2, y_max_normalized=0.2,
            )
            item.metadata.annotations.classifications.add(id=repeated, label="c")
        md = data_sync_pb2.UploadMetadata(part_id=api.part_id, type=data_sync_pb2.DATA_TYPE_BINARY_SENSOR)
        bid = api.call(
            api.sync.DataCaptureUpload, data_sync_pb2.DataCaptureUploadRequest(metadata=md, sensor_contents=[item])
        ).binary_data_id
        meta = api.call(api.data.BinaryDataByIDs, data_pb2.BinaryDataByIDsRequest(binary_data_ids=[bid])).data[0].metadata
        ids = [b.id for b in meta.annotations.bboxes] + [c.id for c in meta.annotations.classifications]
        assert len(set(ids)) == 4 and repeated not in ids


def test_an_undecodable_any_in_method_parameters_is_invalid_argument(api: Api) -> None:
    md = data_sync_pb2.UploadMetadata(part_id=api.part_id, type=data_sync_pb2.DATA_TYPE_TABULAR_SENSOR)
    md.method_parameters["p"].type_url = "type.googleapis.com/google.protobuf.Struct"
    md.method_parameters["p"].value = b"\xff\xff\xff"
    item = data_sync_pb2.SensorData()
    item.struct.update({"x": 1})
    request = data_sync_pb2.DataCaptureUploadRequest(metadata=md, sensor_contents=[item])
    with pytest.raises(grpc.RpcError) as excinfo:
        api.call(api.sync.DataCaptureUpload, request)
    assert code_of(excinfo) == grpc.StatusCode.INVALID_ARGUMENT
    assert "method_parameters" in excinfo.value.details()


# ---------------------------------------------------------------- 10: the key survives a restart
def _authenticates(server: LocalDataServer, key_id: str, key: str) -> bool:
    with grpc.insecure_channel(server.address) as channel:
        try:
            make_api(server, channel, key_id, key)
        except grpc.RpcError as exc:
            assert exc.code() == grpc.StatusCode.UNAUTHENTICATED
            return False
    return True


def test_a_restarted_store_serves_the_same_key(tmp_path: Any) -> None:
    db = tmp_path / "store.db"
    with LocalDataServer(db) as first:
        key_id, key = first.api_key_id, first.api_key
    with LocalDataServer(db) as second:
        assert (second.api_key_id, second.api_key) == (key_id, key)
        assert _authenticates(second, key_id, key)


def test_an_explicit_key_is_used_and_kept(tmp_path: Any) -> None:
    db = tmp_path / "store.db"
    with LocalDataServer(db) as first:
        old_id, old_key = first.api_key_id, first.api_key
    with LocalDataServer(db, api_key_id="ci-key", api_key="ci-secret-0123456789") as second:
        assert (second.api_key_id, second.api_key) == ("ci-key", "ci-secret-0123456789")
        assert _authenticates(second, "ci-key", "ci-secret-0123456789")
        assert not _authenticates(second, "ci-key", old_key)
    with LocalDataServer(db) as third:
        assert (third.api_key_id, third.api_key) == ("ci-key", "ci-secret-0123456789")
        assert _authenticates(third, "ci-key", "ci-secret-0123456789")
        assert _authenticates(third, old_id, old_key)  # the earlier default key still exists


# ---------------------------------------------------------------- 5: bounded uploads, full disk
def test_uploads_are_bounded_by_default() -> None:
    assert LocalDataServer().max_upload_bytes == DEFAULT_MAX_UPLOAD_BYTES == 1024**3


def test_a_never_ending_upload_stops_at_the_limit() -> None:
    """Held before with an explicit limit; what changed is that there is one by default."""
    with LocalDataServer(max_upload_bytes=1 << 20) as small, grpc.insecure_channel(small.address) as channel:
        api = make_api(small, channel)
        def endless() -> Iterator[Any]:
            md = data_sync_pb2.UploadMetadata(part_id=small.part_id, type=data_sync_pb2.DATA_TYPE_FILE)
            yield data_sync_pb2.FileUploadRequest(metadata=md)
            while True:
                yield data_sync_pb2.FileUploadRequest(file_contents=data_sync_pb2.FileData(data=b"x" * 65536))

        assert _code(lambda: api.call(api.sync.FileUpload, endless(), timeout=60)) == (
            grpc.StatusCode.RESOURCE_EXHAUSTED
        )
        assert api.binary_by_filter(count_only=True).count == 0


def _limit_file_size() -> None:  # runs in the forked child before exec: no imports here
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
    resource.setrlimit(resource.RLIMIT_FSIZE, (4 << 20, 4 << 20))


@pytest.mark.skipif(resource is None, reason="RLIMIT_FSIZE is POSIX-only")
def test_a_full_disk_answers_resource_exhausted_and_stores_nothing(tmp_path: Any) -> None:
    """A server process whose files cannot grow past 4 MiB (RLIMIT_FSIZE: the write
    fails as on a full disk) gets an 8 MiB upload."""
    db = str(tmp_path / "full.db")
    proc, info = start_server_process(db, preexec_fn=_limit_file_size)
    try:
        with grpc.insecure_channel(info["address"]) as channel:
            api = make_api(remote_server(info), channel)
            with pytest.raises(grpc.RpcError) as excinfo:
                api.file_upload([b"x" * (1 << 20)] * 8)
            assert code_of(excinfo) == grpc.StatusCode.RESOURCE_EXHAUSTED
            assert "full" in excinfo.value.details()
            assert api.binary_by_filter(count_only=True).count == 0
            assert os.listdir(db + ".blobs/tmp") == []
            with pytest.raises(grpc.RpcError) as excinfo:  # the database cannot grow either
                api.upload_tabular([{"blob": "x" * (1 << 20)}] * 8)
            assert code_of(excinfo) == grpc.StatusCode.RESOURCE_EXHAUSTED
            assert api.tabular_by_filter(count_only=True).count == 0
            assert api.file_upload([b"small"]).binary_data_id  # still serving
    finally:
        proc.terminate()
        proc.wait(10)
        if proc.stdout is not None:
            proc.stdout.close()


# ---------------------------------------------------------------- 9: SQL scoping in the database
def _rows(api: Api, query: str) -> list:
    return [bson.decode(raw) for raw in _sql(api, query).raw_data]


@pytest.mark.parametrize(
    "query, construct",
    [
        ("SELECT * FROM (WITH meta AS (SELECT 1 AS v) SELECT v FROM meta) q, meta", "subqueries are"),
        ("SELECT COUNT(*) AS n FROM readings a, readings b", "joins are"),
        ("WITH c AS (SELECT * FROM readings) SELECT COUNT(*) AS n FROM c", "WITH (common table expressions) is"),
        ("SELECT COUNT(*) AS n FROM readings WHERE organization_id IN (SELECT organization_id FROM readings)",
         "subqueries are"),
        ("SELECT COUNT(*) AS n FROM (SELECT * FROM (SELECT * FROM readings) s) t", "subqueries are"),
        ("SELECT COUNT(*) AS n FROM readings WHERE EXISTS (SELECT 1 FROM readings)", "EXISTS subqueries are"),
    ],
)
def test_relational_sql_is_refused_naming_the_construct(api: Api, query: str, construct: str) -> None:
    """The relational forms ran on SQLite with SQLite's answers (NULL for MISSING, 0/1 for
    booleans); the local server does not answer differently from MongoSQL, so it refuses."""
    api.upload_tabular([{"mine": 1}] * 2)
    with pytest.raises(grpc.RpcError) as excinfo:
        _sql(api, query)
    assert code_of(excinfo) == grpc.StatusCode.INVALID_ARGUMENT
    assert f"unsupported SQL: {construct} not offered by the local server" in excinfo.value.details()
    assert "MongoSQL semantics are not implemented" in excinfo.value.details()


def test_sql_scoping_holds_over_the_compiled_path(server: LocalDataServer, api: Api) -> None:
    other = other_org_api(server, api.channel)
    other.upload_tabular([{"secret": 1}] * 3)
    api.upload_tabular([{"mine": 1}] * 2)
    with pytest.raises(grpc.RpcError) as excinfo:
        _sql(api, "SELECT organization_id FROM readings WHERE 'x' IN readings")
    assert code_of(excinfo) == grpc.StatusCode.INVALID_ARGUMENT
    assert _rows(api, "SELECT COUNT(*) AS n FROM readings") == [{"n": 2}]
    assert _rows(api, "SELECT COUNT(*) AS n FROM readings WHERE organization_id = "
                      f"'{other.organization_id}'") == [{"n": 0}]
    assert _rows(api, "SELECT COUNT(*) AS n FROM readings WHERE TRUE OR organization_id <> 'x'") == [{"n": 2}]
    assert _rows(api, "SELECT COUNT(*) AS n FROM readings r") == [{"n": 2}]
    assert _rows(other, "SELECT COUNT(*) AS n FROM readings") == [{"n": 3}]
    assert _rows(api, "SELECT COUNT(*) AS n FROM FLATTEN(readings)") == [{"n": 2}]


@pytest.mark.parametrize("query, named", [
    ("SELECT organization_id FROM main.readings", "unknown table main.readings"),
    ("SELECT organization_id FROM temp.readings", "unknown table temp.readings"),
    ("SELECT name FROM sqlite_master", "unknown table sqlite_master"),
    ("SELECT key_hash FROM api_keys", "unknown table api_keys"),
])
def test_the_stores_own_tables_are_out_of_reach_of_sql(server: LocalDataServer, api: Api, query: str,
                                                        named: str) -> None:
    """Only ``readings`` (scoped to the caller's organizations) is a table to SQL: the
    store's schema, its other tables and its unscoped readings are not."""
    other_org_api(server, api.channel).upload_tabular([{"secret": 1}])
    with pytest.raises(grpc.RpcError) as excinfo:
        _sql(api, query)
    assert code_of(excinfo) == grpc.StatusCode.INVALID_ARGUMENT
    assert named in excinfo.value.details()


def test_a_stream_with_an_unstorable_time_is_refused_before_its_data(api: Api) -> None:
    md = data_sync_pb2.UploadMetadata(part_id=api.part_id, type=data_sync_pb2.DATA_TYPE_FILE)
    md.file_create_time.seconds = 10**12
    read = []

    def source() -> Iterator[Any]:
        yield data_sync_pb2.FileUploadRequest(metadata=md)
        for _ in range(1000):
            read.append(1)
            yield data_sync_pb2.FileUploadRequest(file_contents=data_sync_pb2.FileData(data=b"x" * 65536))

    with pytest.raises(grpc.RpcError) as excinfo:
        api.call(api.sync.FileUpload, source())
    assert code_of(excinfo) == grpc.StatusCode.INVALID_ARGUMENT
    assert "file_create_time" in excinfo.value.details()
    assert len(read) < 1000  # the server did not wait for all 64 MiB
