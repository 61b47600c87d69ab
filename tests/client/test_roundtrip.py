"""DataClient against the real local server over loopback: what comes back."""

from __future__ import annotations

import datetime as dt
import hashlib
import io

import grpc
import pytest

from viam_data_sync._upload import DEFAULT_CHUNK_SIZE
from viam_data_sync import DataClient, RetryPolicy, create_filter
from viam_data_sync._channel import channel_options
from viam_data_sync._dest import export_paths, read_jsonl
from viam_data_sync.proto import Filter, Order, TagsFilter, TagsFilterType

server_module = pytest.importorskip("viam_data_sync.server")
if not hasattr(server_module, "LocalDataServer"):
    pytest.skip("viam_data_sync.server has no LocalDataServer yet", allow_module_level=True)
LocalDataServer = server_module.LocalDataServer

UTC = dt.timezone.utc
T0 = dt.datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
FAST = RetryPolicy(initial_backoff=0.001, max_backoff=0.01, max_attempts=3)


@pytest.fixture(scope="module")
def server():
    with LocalDataServer(auth=False) as srv:
        yield srv


@pytest.fixture
def client(server):
    # A caller's own channel needs our options for pages/files over gRPC's 4 MiB default.
    channel = grpc.insecure_channel(server.address, options=channel_options())
    with DataClient(channel, timeout=20, retry=FAST) as data_client:
        yield data_client
    channel.close()


def upload_readings(client, server, name, values, *, tags=None):
    times = [
        (T0 + dt.timedelta(seconds=i), T0 + dt.timedelta(seconds=i, milliseconds=5))
        for i in range(len(values))
    ]
    return client.tabular_data_capture_upload(
        [{"readings": v} for v in values],
        server.part_id,
        "rdk:component:sensor",
        name,
        "Readings",
        times,
        tags=tags,
    )


# ---------------------------------------------------------------------- tabular
def test_tabular_upload_then_filter_pages_and_values(client, server, tmp_path):
    values = [{"i": i, "none": None, "nested": [i, [None, "x"]], "ok": i % 2 == 0} for i in range(7)]
    file_id = upload_readings(client, server, "rt-sensor-1", values, tags=["rt"])
    assert isinstance(file_id, str) and file_id
    f = create_filter(component_name="rt-sensor-1")
    seen, last = [], None
    while True:
        rows, count, last = client.tabular_data_by_filter(
            f, limit=3, sort_order=Order.ORDER_ASCENDING, last=last
        )
        if not rows:
            break
        seen.extend(rows)
        if not last:
            break
    assert [row.data["readings"]["i"] for row in seen] == [float(i) for i in range(7)]
    first = seen[0]
    assert first.data["readings"]["none"] is None
    assert first.data["readings"]["nested"] == [0.0, [None, "x"]]
    assert first.time_requested == T0 and first.time_requested.tzinfo is not None
    assert first.metadata.component_name == "rt-sensor-1" and list(first.metadata.tags) == ["rt"]
    assert first.metadata.part_id == server.part_id
    _, count, _ = client.tabular_data_by_filter(f, count_only=True)
    assert count == 7
    dest = tmp_path / "rows.jsonl"
    rows, _, _ = client.tabular_data_by_filter(f, limit=100, dest=str(dest))
    records = read_jsonl(dest)
    assert len(records) == 7 == len(rows)
    assert {r["data"]["readings"]["i"] for r in records} == {float(i) for i in range(7)}
    assert all(r["component_name"] == "rt-sensor-1" and r["part_id"] == server.part_id for r in records)
    assert dt.datetime.fromisoformat(records[0]["time_received"]).tzinfo is not None


def test_sql_and_mql(client, server):
    upload_readings(client, server, "rt-sql", [{"v": 1.5}, {"v": 2.5}])
    org = server.organization_id
    rows = client.tabular_data_by_sql(org, "SELECT * FROM readings WHERE component_name = 'rt-sql'")
    assert sorted(r["data"]["readings"]["v"] for r in rows) == [1.5, 2.5]
    assert all(r["time_received"].tzinfo is not None for r in rows)
    docs = client.tabular_data_by_mql(
        org,
        [
            {"$match": {"component_name": "rt-sql"}},
            {"$sort": {"time_received": 1}},
            {"$project": {"_id": 0, "v": "$data.readings.v", "t": "$time_received"}},
        ],
    )
    assert [d["v"] for d in docs] == [1.5, 2.5]
    assert docs[0]["t"].tzinfo is not None and docs[0]["t"] >= T0
    same = client.tabular_data_by_mql(
        org, mql_binary=[{"$match": {"component_name": "rt-sql"}}, {"$count": "n"}]
    )
    assert same == [{"n": 2}]


def test_export_and_latest(client, server):
    upload_readings(client, server, "rt-export", [{"k": i} for i in range(4)])
    points = client.export_tabular_data(server.part_id, "rt-export", "rdk:component:sensor", "Readings")
    assert [p.payload["readings"]["k"] for p in points] == [0.0, 1.0, 2.0, 3.0]
    assert points[0].time_captured.tzinfo is not None and points[0].resource_api == "rdk:component:sensor"
    windowed = client.export_tabular_data(
        server.part_id,
        "rt-export",
        "rdk:component:sensor",
        "Readings",
        start_time=T0 + dt.timedelta(seconds=1),
        end_time=(T0 + dt.timedelta(seconds=3)).replace(tzinfo=None),
    )
    assert [p.payload["readings"]["k"] for p in windowed] == [1.0, 2.0]
    latest = client.get_latest_tabular_data(server.part_id, "rt-export", "rdk:component:sensor", "Readings")
    assert latest is not None
    captured, synced, payload = latest
    assert payload == {"readings": {"k": 3.0}} and captured.tzinfo is not None
    assert (
        client.get_latest_tabular_data(server.part_id, "nothing-here", "rdk:component:sensor", "Readings")
        is None
    )


# ---------------------------------------------------------------------- binary and uploads
def test_uploads_round_trip_bytes(client, server, tmp_path):
    big = hashlib.sha256(b"seed").digest() * 20_000  # 640,000 bytes: ten 64 KiB chunks
    by_file = client.file_upload(
        server.part_id,
        big,
        file_name="big",
        file_extension="bin",
        tags=["rt-up"],
        mime_type="application/octet-stream",
    )
    path = tmp_path / "notes.txt"
    path.write_text("hello\n" * 1000)
    from_path = client.file_upload_from_path(str(path), server.part_id, tags=["rt-up"])
    streamed = client.streaming_data_capture_upload(
        io.BytesIO(big[:100_000]),
        server.part_id,
        "pcd",
        component_type="rdk:component:camera",
        component_name="rt-lidar",
        method_name="NextPointCloud",
        data_request_times=(T0, T0 + dt.timedelta(seconds=1)),
    )
    progress = []
    generated = client.upload(
        (bytes([i]) * 50_000 for i in range(3)),
        server.part_id,
        file_name="gen",
        file_extension=".dat",
        progress=lambda s, t: progress.append(s),
    )
    captured = client.binary_data_capture_upload(
        b"\x89PNG small",
        server.part_id,
        "rdk:component:camera",
        "rt-cam",
        "ReadImage",
        "png",
        tags=["rt-up"],
        data_request_times=(T0, T0 + dt.timedelta(milliseconds=20)),
    )
    ids = [by_file, from_path, streamed, generated, captured]
    assert all(isinstance(i, str) and i for i in ids) and len(set(ids)) == 5
    items = {item.metadata.binary_data_id: item for item in client.binary_data_by_ids(ids)}
    assert items[by_file].binary == big
    assert items[by_file].metadata.file_name == "big" and items[by_file].metadata.file_ext == ".bin"
    assert items[from_path].binary == path.read_bytes() and items[from_path].metadata.file_ext == ".txt"
    assert items[streamed].binary == big[:100_000]
    assert (
        items[generated].binary == b"".join(bytes([i]) * 50_000 for i in range(3)) and progress[-1] == 150_000
    )
    assert items[captured].binary == b"\x89PNG small"
    assert items[captured].metadata.capture_metadata.component_name == "rt-cam"
    meta_only = client.binary_data_by_ids([captured], include_binary_data=False)
    assert meta_only[0].binary == b"" and meta_only[0].metadata.binary_data_id == captured

    out = tmp_path / "export"
    data, count, last = client.binary_data_by_filter(create_filter(tags=["rt-up"]), dest=out)
    assert count == 3 or len(data) == 3
    paths = [export_paths(out, item.metadata) for item in data]  # the Viam CLI's names
    assert {p.name for p in (out / "data").iterdir()} == {data_path.name for data_path, _ in paths}
    assert {p.name for p in (out / "metadata").iterdir()} == {meta_path.name for _, meta_path in paths}
    for item, (data_path, _) in zip(data, paths):
        assert data_path.read_bytes() == item.binary


def test_tags_bounding_boxes_and_labels(client, server):
    a = client.binary_data_capture_upload(
        b"a", server.part_id, "rdk:component:camera", "rt-tag-cam", "ReadImage", ".png"
    )
    b = client.binary_data_capture_upload(
        b"b", server.part_id, "rdk:component:camera", "rt-tag-cam", "ReadImage", ".png"
    )
    client.add_tags_to_binary_data_by_ids(["x", "y"], [a, b])
    cam = create_filter(component_name="rt-tag-cam")
    assert sorted(client.tags_by_filter(cam)) == ["x", "y"]
    assert client.remove_tags_from_binary_data_by_ids(["x"], [a]) >= 1
    client.add_tags_to_binary_data_by_filter(["z"], cam)
    tagged = client.binary_data_by_ids([a])[0]
    assert sorted(tagged.metadata.capture_metadata.tags) == ["y", "z"]
    assert client.remove_tags_from_binary_data_by_filter(["z"], cam) >= 2
    client.remove_tags_from_binary_data_by_ids(["y"], [a])
    untagged = Filter(
        component_name="rt-tag-cam", tags_filter=TagsFilter(type=TagsFilterType.TAGS_FILTER_TYPE_UNTAGGED)
    )
    data, _, _ = client.binary_data_by_filter(untagged, include_binary_data=False)
    assert [d.metadata.binary_data_id for d in data] == [a]

    bbox = client.add_bounding_box_to_image_by_id(a, "dog", 0.1, 0.2, 0.3, 0.4, confidence_score=0.9)
    assert client.bounding_box_labels_by_filter(cam) == ["dog"]
    client.update_bounding_box(a, bbox, label="cat", x_max_normalized=0.5)
    (box,) = client.binary_data_by_ids([a])[0].metadata.annotations.bboxes
    assert (box.id, box.label, box.x_min_normalized, box.x_max_normalized) == (bbox, "cat", 0.1, 0.5)
    assert box.confidence == pytest.approx(0.9)
    data, _, _ = client.binary_data_by_filter(create_filter(bbox_labels=["cat"]), include_binary_data=False)
    assert [d.metadata.binary_data_id for d in data] == [a]
    client.remove_bounding_box_from_image_by_id(bbox, a)
    assert client.bounding_box_labels_by_filter(cam) == []


def test_datasets(client, server):
    org = server.organization_id
    first = client.create_dataset("rt-ds-1", org)
    second = client.create_dataset("rt-ds-2", org)
    listed = client.list_dataset_by_ids([first, second])
    assert {d.name for d in listed} == {"rt-ds-1", "rt-ds-2"}
    client.rename_dataset(first, "rt-ds-renamed")
    assert "rt-ds-renamed" in {d.name for d in client.list_datasets_by_organization_id(org)}
    image = client.binary_data_capture_upload(
        b"img", server.part_id, "rdk:component:camera", "rt-ds-cam", "ReadImage", ".jpg", dataset_ids=[second]
    )
    other = client.binary_data_capture_upload(
        b"img2", server.part_id, "rdk:component:camera", "rt-ds-cam", "ReadImage", ".jpg"
    )
    client.add_binary_data_to_dataset_by_ids([other], first)
    in_first, _, _ = client.binary_data_by_filter(create_filter(dataset_id=first), include_binary_data=False)
    assert [d.metadata.binary_data_id for d in in_first] == [other]
    in_second = client.binary_data_by_ids([image], include_binary_data=False)[0]
    assert list(in_second.metadata.dataset_ids) == [second]
    merged = client.merge_datasets("rt-merged", org, [first, second])
    in_merged, _, _ = client.binary_data_by_filter(
        create_filter(dataset_id=merged), include_binary_data=False
    )
    assert {d.metadata.binary_data_id for d in in_merged} == {image, other}
    client.remove_binary_data_from_dataset_by_ids([other], first)
    assert client.binary_data_by_filter(create_filter(dataset_id=first))[0] == []
    client.delete_dataset(first)
    assert first not in {d.id for d in client.list_datasets_by_organization_id(org)}


def test_deletes(client, server):
    keep = client.binary_data_capture_upload(
        b"k", server.part_id, "rdk:component:camera", "rt-del", "ReadImage", ".png"
    )
    gone = client.binary_data_capture_upload(
        b"g", server.part_id, "rdk:component:camera", "rt-del", "ReadImage", ".png", tags=["drop"]
    )
    gone2 = client.binary_data_capture_upload(
        b"g2", server.part_id, "rdk:component:camera", "rt-del", "ReadImage", ".png"
    )
    assert client.delete_binary_data_by_ids([gone2]) == 1
    deleted = client.delete_binary_data_by_filter(
        create_filter(component_name="rt-del", tags=["drop"], organization_ids=[server.organization_id])
    )
    assert deleted == 1
    left, _, _ = client.binary_data_by_filter(
        create_filter(component_name="rt-del"), include_binary_data=False
    )
    assert [d.metadata.binary_data_id for d in left] == [keep]
    assert gone not in {d.metadata.binary_data_id for d in left}


def test_database_and_signed_url(client, server):
    org = server.organization_id
    hostname = client.get_database_connection(org)
    assert isinstance(hostname, str) and hostname
    client.configure_database_user(org, "Your_Password@1234")
    info = client.get_database_connection_info(org)
    assert info.hostname == hostname and info.has_database_user is True
    image = client.binary_data_capture_upload(
        b"u", server.part_id, "rdk:component:camera", "rt-url", "ReadImage", ".png"
    )
    url, expires = client.create_binary_data_signed_url(image, 5)
    assert url and expires.tzinfo is not None
    assert dt.timedelta(minutes=4) < expires - dt.datetime.now(UTC) <= dt.timedelta(minutes=5, seconds=5)


def test_delete_tabular_data(client, server):
    upload_readings(client, server, "rt-old", [{"a": 1}])
    assert client.delete_tabular_data(server.organization_id, 0) >= 1
    assert client.tabular_data_by_filter(create_filter(component_name="rt-old"))[0] == []


def test_with_auth_from_api_key_and_with_a_token_as_metadata():
    with LocalDataServer(auth=True) as srv:
        with DataClient.from_api_key(
            srv.api_key, srv.api_key_id, srv.address, insecure=True, timeout=10
        ) as client:
            upload_readings(client, srv, "rt-auth", [{"a": 1}])
            assert client.tabular_data_by_sql(srv.organization_id, "SELECT COUNT(*) AS n FROM readings") == [
                {"n": 1}
            ]
        from viam_data_sync._proto.proto.rpc.v1 import auth_pb2, auth_pb2_grpc

        channel = grpc.insecure_channel(srv.address)
        token = (
            auth_pb2_grpc.AuthServiceStub(channel)
            .Authenticate(
                auth_pb2.AuthenticateRequest(
                    entity=srv.api_key_id,
                    credentials=auth_pb2.Credentials(type="api-key", payload=srv.api_key),
                ),
                timeout=10,
            )
            .access_token
        )
        client = DataClient(channel, {"authorization": f"Bearer {token}"}, timeout=10)
        assert len(client.tabular_data_by_filter(create_filter(component_name="rt-auth"))[0]) == 1
        from viam_data_sync import Unauthenticated

        bad = DataClient(channel, {"authorization": "Bearer nope"}, timeout=10, retry=None)
        with pytest.raises(Unauthenticated):
            bad.tags_by_filter()
        channel.close()


def test_large_file_upload_is_chunked_and_intact(client, server, tmp_path):
    path = tmp_path / "big.bin"
    block = hashlib.sha256(b"block").digest() * 2048  # 64 KiB
    with open(path, "wb") as handle:
        for i in range(80):  # 5 MiB
            handle.write(bytes([i]) + block[1:])
    chunks = -(-path.stat().st_size // DEFAULT_CHUNK_SIZE)
    sent = []
    binary_data_id = client.file_upload_from_path(
        path, server.part_id, progress=lambda s, t: sent.append((s, t))
    )
    assert len(sent) == chunks > 1 and sent[-1] == (path.stat().st_size,) * 2
    (item,) = client.binary_data_by_ids([binary_data_id])
    assert hashlib.sha256(item.binary).digest() == hashlib.sha256(path.read_bytes()).digest()
    assert item.metadata.file_name == "big" and item.metadata.file_ext == ".bin"
