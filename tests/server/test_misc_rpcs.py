"""SQL/MQL over gRPC, database connection, UNIMPLEMENTED, robustness, concurrency."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from typing import Any, List

import bson
import grpc
import pytest

from viam_data_sync._convert import struct_to_dict
from viam_data_sync._proto.app.data.v1 import data_pb2
from viam_data_sync._proto.app.dataset.v1 import dataset_pb2
from viam_data_sync._proto.app.datasync.v1 import data_sync_pb2
from viam_data_sync.server import LocalDataServer

from .conftest import T0, Api, code_of, make_api


def _engines_available() -> bool:
    try:
        import viam_data_sync.server.engines.mql  # noqa: F401
        import viam_data_sync.server.engines.sql  # noqa: F401
    except ImportError:
        return False
    return True


needs_engines = pytest.mark.skipif(
    not _engines_available(), reason="SQL/MQL engines (_sql.py, _mql.py) not landed"
)


@needs_engines
def test_sql_and_mql_over_grpc(api: Api) -> None:
    api.upload_tabular(
        [{"readings": {"t": float(i)}} for i in range(5)],
        times=[T0 + dt.timedelta(seconds=i) for i in range(5)],
    )
    org = api.server.organization_id
    response = api.call(
        api.data.TabularDataBySQL,
        data_pb2.TabularDataBySQLRequest(
            organization_id=org,
            sql_query="SELECT component_name, COUNT(*) AS n FROM readings GROUP BY component_name",
        ),
    )
    assert [bson.decode(raw) for raw in response.raw_data] == [{"component_name": "sensor-1", "n": 5}]
    stages = [
        {"$match": {"component_name": "sensor-1"}},
        {"$sort": {"time_received": -1}},
        {"$limit": 2},
        {"$project": {"_id": 0, "t": "$data.readings.t"}},
    ]
    response = api.call(
        api.data.TabularDataByMQL,
        data_pb2.TabularDataByMQLRequest(organization_id=org, mql_binary=[bson.encode(s) for s in stages]),
    )
    assert [bson.decode(raw) for raw in response.raw_data] == [{"t": 4.0}, {"t": 3.0}]
    errors = [
        (
            api.data.TabularDataBySQL,
            data_pb2.TabularDataBySQLRequest(organization_id=org, sql_query="DELETE FROM readings"),
        ),
        (api.data.TabularDataBySQL, data_pb2.TabularDataBySQLRequest(organization_id=org, sql_query="")),
        (
            api.data.TabularDataByMQL,
            data_pb2.TabularDataByMQLRequest(organization_id=org, mql_binary=[b"\x01garbage"]),
        ),
        (
            api.data.TabularDataByMQL,
            data_pb2.TabularDataByMQLRequest(
                organization_id=org, mql_binary=[bson.encode({"$nosuchstage": {}})]
            ),
        ),
        (api.data.TabularDataByMQL, data_pb2.TabularDataByMQLRequest(organization_id="", mql_binary=[])),
    ]
    for method, request in errors:
        with pytest.raises(grpc.RpcError) as excinfo:
            api.call(method, request)
        assert code_of(excinfo) == grpc.StatusCode.INVALID_ARGUMENT, request
    assert api.tabular_by_filter(count_only=True).count == 5  # the DELETE did nothing


def test_database_connection_and_user(api: Api) -> None:
    org = api.server.organization_id
    request = data_pb2.GetDatabaseConnectionRequest(organization_id=org)
    response = api.call(api.data.GetDatabaseConnection, request)
    assert response.hostname == "localhost" and response.mongodb_uri.startswith("mongodb://")
    assert not response.has_database_user
    with pytest.raises(grpc.RpcError) as excinfo:
        api.call(
            api.data.ConfigureDatabaseUser,
            data_pb2.ConfigureDatabaseUserRequest(organization_id=org, password="short"),
        )
    assert code_of(excinfo) == grpc.StatusCode.INVALID_ARGUMENT
    api.call(
        api.data.ConfigureDatabaseUser,
        data_pb2.ConfigureDatabaseUserRequest(organization_id=org, password="long-enough-pw"),
    )
    response = api.call(api.data.GetDatabaseConnection, request)
    assert response.has_database_user and "long-enough-pw" not in response.mongodb_uri
    stored = api.server.store.conn().execute("SELECT password_hash FROM database_users").fetchone()[0]
    assert b"long-enough-pw" not in stored


def test_unexpected_errors_become_internal_without_traceback(
    api: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from viam_data_sync.server.services import records as _records

    def boom(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(_records, "load_extras", boom)
    api.upload_binary(b"x")
    with caplog.at_level(logging.ERROR, logger="viam_data_sync.server"):
        with pytest.raises(grpc.RpcError) as excinfo:
            api.binary_by_filter()
    assert code_of(excinfo) == grpc.StatusCode.INTERNAL
    assert "secret internals" not in excinfo.value.details() and "Traceback" not in excinfo.value.details()
    assert "secret internals" in caplog.text
    monkeypatch.undo()
    assert api.binary_by_filter().count == 1  # still serving


def test_garbage_bytes_on_the_wire_do_not_crash(api: Api) -> None:
    raw = api.channel.unary_unary("/viam.app.data.v1.DataService/TabularDataByFilter")
    with pytest.raises(grpc.RpcError) as excinfo:
        raw(b"\xff\xff\xff\xff", metadata=api.metadata, timeout=5)
    assert code_of(excinfo) in (grpc.StatusCode.INTERNAL, grpc.StatusCode.INVALID_ARGUMENT)
    assert api.tabular_by_filter().count == 0


def test_bad_enum_values_are_invalid_argument(api: Api) -> None:
    with pytest.raises(grpc.RpcError) as excinfo:
        api.tabular_by_filter(order=7)
    assert code_of(excinfo) == grpc.StatusCode.INVALID_ARGUMENT
    with pytest.raises(grpc.RpcError) as excinfo:
        api.binary_by_filter(data_pb2.Filter(tags_filter=data_pb2.TagsFilter(type=9)))
    assert code_of(excinfo) == grpc.StatusCode.INVALID_ARGUMENT


def test_concurrent_uploads_and_queries(server: LocalDataServer, channel: grpc.Channel) -> None:
    api = make_api(server, channel)
    errors: List[BaseException] = []
    per_thread, threads = 15, 6

    def writer(n: int) -> None:
        try:
            for i in range(per_thread):
                api.upload_tabular(
                    [{"w": n, "i": i}, {"w": n, "i": i, "second": True}], component_name=f"c{n}"
                )
                api.upload_binary(bytes([n, i]), component_name=f"c{n}", tags=[f"t{n}"])
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    def reader() -> None:
        try:
            for _ in range(per_thread):
                api.tabular_by_filter(limit=20)
                api.binary_by_filter(limit=20)
                api.call(api.data.TagsByFilter, data_pb2.TagsByFilterRequest())
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    workers = [threading.Thread(target=writer, args=(n,)) for n in range(threads)]
    workers += [threading.Thread(target=reader) for _ in range(3)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
    assert not errors
    assert api.tabular_by_filter(count_only=True).count == threads * per_thread * 2
    assert api.binary_by_filter(count_only=True).count == threads * per_thread
    for n in range(threads):
        page = api.tabular_by_filter(data_pb2.Filter(component_name=f"c{n}"), limit=100)
        assert sorted(
            (struct_to_dict(d.data)["i"], "second" in struct_to_dict(d.data)) for d in page.data
        ) == sorted((float(i), s) for i in range(per_thread) for s in (False, True))


def test_binary_upload_annotations_and_dataset_ids(api: Api) -> None:
    ds = api.call(
        api.dataset.CreateDataset,
        dataset_pb2.CreateDatasetRequest(name="ds", organization_id=api.server.organization_id),
    ).id
    item = data_sync_pb2.SensorData(binary=b"img")
    item.metadata.annotations.bboxes.add(
        label="cup", x_min_normalized=0.1, y_min_normalized=0.1, x_max_normalized=0.2, y_max_normalized=0.3
    )
    item.metadata.annotations.classifications.add(label="kitchen", confidence=0.7)
    md = data_sync_pb2.UploadMetadata(
        part_id=api.part_id,
        type=data_sync_pb2.DATA_TYPE_BINARY_SENSOR,
        dataset_ids=[ds],
        file_extension=".png",
    )
    bid = api.call(
        api.sync.DataCaptureUpload,
        data_sync_pb2.DataCaptureUploadRequest(metadata=md, sensor_contents=[item]),
    ).binary_data_id
    meta = (
        api.call(api.data.BinaryDataByIDs, data_pb2.BinaryDataByIDsRequest(binary_data_ids=[bid]))
        .data[0]
        .metadata
    )
    assert [b.label for b in meta.annotations.bboxes] == ["cup"]
    assert [(c.label, c.confidence) for c in meta.annotations.classifications] == [("kitchen", 0.7)]
    assert list(meta.dataset_ids) == [ds]
    assert meta.capture_metadata.mime_type == "image/png"
    md.dataset_ids[:] = ["no-such-dataset"]
    with pytest.raises(grpc.RpcError) as excinfo:
        api.call(
            api.sync.DataCaptureUpload,
            data_sync_pb2.DataCaptureUploadRequest(metadata=md, sensor_contents=[item]),
        )
    assert code_of(excinfo) == grpc.StatusCode.NOT_FOUND


def test_include_binary_pages_fit_the_message_limit() -> None:
    with (
        LocalDataServer(max_message_bytes=4 * 1024 * 1024) as server,
        grpc.insecure_channel(server.address) as channel,
    ):
        api = make_api(server, channel)
        for _ in range(3):
            api.file_upload([b"x" * (1024 * 1024)] * 1)
        ids, last = [], ""
        for _ in range(10):
            page = api.binary_by_filter(include_binary=True, last=last, limit=10)
            if not page.data:
                break
            assert len(page.data) <= 2
            ids.extend(d.metadata.binary_data_id for d in page.data)
            last = page.last
        assert len(set(ids)) == 3


class _FailFirst(grpc.ServerInterceptor):
    """Fails the first call of one method with UNAVAILABLE, then passes calls through."""

    def __init__(self, method: str) -> None:
        self.method = method
        self.seen: List[str] = []

    def intercept_service(self, continuation: Any, handler_call_details: Any) -> Any:
        self.seen.append(handler_call_details.method)
        if (
            handler_call_details.method.endswith(self.method)
            and self.seen.count(handler_call_details.method) == 1
        ):

            def fail(request: Any, context: grpc.ServicerContext) -> Any:
                context.abort(grpc.StatusCode.UNAVAILABLE, "injected")

            return grpc.unary_unary_rpc_method_handler(fail)
        return continuation(handler_call_details)


def test_extra_interceptors_see_every_call() -> None:
    interceptor = _FailFirst("TagsByFilter")
    with (
        LocalDataServer(interceptors=[interceptor]) as server,
        grpc.insecure_channel(server.address) as channel,
    ):
        api = make_api(server, channel)
        with pytest.raises(grpc.RpcError) as excinfo:
            api.call(api.data.TagsByFilter, data_pb2.TagsByFilterRequest())
        assert code_of(excinfo) == grpc.StatusCode.UNAVAILABLE
        assert list(api.call(api.data.TagsByFilter, data_pb2.TagsByFilterRequest()).tags) == []
    assert "/proto.rpc.v1.AuthService/Authenticate" in interceptor.seen
