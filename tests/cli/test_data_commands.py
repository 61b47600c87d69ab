"""``upload --tabular``, ``delete tabular|binary`` and ``datasets``: the console
script as a subprocess against a local server of this module's own (they change data
the shared one's tests count)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from viam_data_sync import create_filter
from viam_data_sync.server import LocalDataServer
from viam_data_sync.testing import FaultInjector, LatencyInjector

from .conftest import Env, run_cli, run_on_terminal

UTC = dt.timezone.utc


@pytest.fixture
def own():
    with LocalDataServer(auth=True) as server:
        yield Env(server, FaultInjector(), LatencyInjector(0.0))


def _count(env, component_name):
    with env.client() as client:
        _, count, _ = client.tabular_data_by_filter(create_filter(component_name=component_name), count_only=True)
    return count


def _upload_images(env, n, name="cam"):
    with env.client() as client:
        return [
            client.binary_data_capture_upload(
                b"img%d" % i, env.server.part_id, "rdk:component:camera", name, "ReadImage", ".png"
            )
            for i in range(n)
        ]


# ---------------------------------------------------------------------- upload --tabular
def test_upload_tabular_readings_in_batches(own, tmp_path):
    source = tmp_path / "readings.jsonl"
    source.write_text("".join(json.dumps({"readings": {"i": i}}) + "\n" for i in range(7)))
    result = run_cli(
        ["upload", "--tabular", str(source), "--part-id", own.server.part_id, "--component-name", "s1",
         "--batch-size", "3"],
        own.environ(),
    )
    assert result.returncode == 0, result.stderr
    assert [line.split("\t")[1] for line in result.stdout.splitlines()] == [
        f"{source}:1", f"{source}:4", f"{source}:7"
    ]  # three DataCaptureUpload requests
    assert "uploaded 7 readings in 3 requests" in result.stderr
    with own.client() as client:
        rows = list(client.iter_tabular(create_filter(component_name="s1")))
    assert sorted(row.data["readings"]["i"] for row in rows) == list(range(7))
    assert {row.metadata.method_name for row in rows} == {"Readings"}
    # bare readings get distinct, increasing capture times, in line order
    by_time = sorted(rows, key=lambda row: row.time_received)
    assert [row.data["readings"]["i"] for row in by_time] == list(range(7))
    assert len({row.time_received for row in rows}) == 7
    assert [row.time_requested for row in by_time] == [row.time_received for row in by_time]


def test_an_export_uploads_again_as_it_is(own, tmp_path):
    at = dt.datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC)
    with own.client() as client:
        client.tabular_data_capture_upload(
            [{"readings": {"t": 1.5}}, {"readings": {"t": 2.5}}], own.server.part_id,
            "rdk:component:sensor", "orig", "Readings", [(at, at), (at, at)], tags=["x"],
        )
    exported = tmp_path / "orig.jsonl"
    assert run_cli(["export", "tabular", "--dest", str(exported), "--component-name", "orig"],
                   own.environ()).returncode == 0
    result = run_cli(["upload", "--tabular", str(exported), "--part-id", own.server.part_id,
                      "--component-name", "copy"], own.environ())
    assert result.returncode == 0, result.stderr
    with own.client() as client:
        rows = list(client.iter_tabular(create_filter(component_name="copy")))
    assert sorted(row.data["readings"]["t"] for row in rows) == [1.5, 2.5]
    assert {row.time_requested for row in rows} == {at} and {tuple(row.metadata.tags) for row in rows} == {("x",)}


def test_a_bad_line_sends_nothing(own, tmp_path):
    source = tmp_path / "bad.jsonl"
    source.write_text('{"readings": {"i": 1}}\n[1, 2]\n')
    result = run_cli(["upload", "--tabular", str(source), "--part-id", own.server.part_id,
                      "--component-name", "bad"], own.environ())
    assert result.returncode == 2 and f"{source}:2: expected a JSON object" in result.stderr
    assert _count(own, "bad") == 0


# ---------------------------------------------------------------------- delete
def test_delete_tabular_asks_and_refuses_without_a_terminal(own):
    now = dt.datetime.now(UTC)
    with own.client() as client:
        client.tabular_data_capture_upload(
            [{"readings": {"v": 1}}], own.server.part_id, "rdk:component:sensor", "del", "Readings", [(now, now)]
        )
    args = ["delete", "tabular", "--org-id", own.server.organization_id, "--older-than-days", "0"]
    refused = run_cli(args, own.environ(), input="y\n")  # stdin is a pipe: no question is asked
    assert refused.returncode == 2 and "pass --yes" in refused.stderr
    assert _count(own, "del") == 1
    done = run_cli([*args, "--yes"], own.environ())
    assert done.returncode == 0 and "deleted 1 readings" in done.stderr, done.stderr
    assert _count(own, "del") == 0


def test_delete_asks_on_a_terminal(own):
    ids = _upload_images(own, 2, "ask-cam")
    args = ["delete", "binary", "--component-name", "ask-cam"]
    code, shown, _ = run_on_terminal(args, own.environ(), answer="n")
    assert code == 0 and "Delete 2 binary files matching the filter? [y/N]" in shown, shown
    assert "nothing deleted" in shown
    code, shown, _ = run_on_terminal(args, own.environ(), answer="y")
    assert code == 0 and "deleted 2 binary files" in shown, shown
    with own.client() as client:
        assert client.binary_data_by_ids(ids, include_binary_data=False) == []


def test_uploads_and_deletes_by_id_show_a_bar_on_a_terminal(own, tmp_path):
    readings = tmp_path / "r.jsonl"
    readings.write_text("".join(json.dumps({"readings": {"i": i}}) + "\n" for i in range(40)))
    code, shown, _ = run_on_terminal(
        ["upload", "--tabular", str(readings), "--part-id", own.server.part_id, "--component-name", "bar",
         "--batch-size", "10"], own.environ())
    assert code == 0 and "/40" in shown and "row/s" in shown and "%|" in shown, shown
    files = tmp_path / "files"
    files.mkdir()
    for i in range(3):
        (files / f"f{i}.bin").write_bytes(bytes(1000))
    code, shown, out = run_on_terminal(["upload", "-r", str(files), "--part-id", own.server.part_id],
                                       own.environ())
    assert code == 0 and "%|" in shown and "B/s" in shown, shown  # bytes of 3000, with the rate
    ids = [line.split("\t")[0] for line in out.splitlines()]
    code, shown, _ = run_on_terminal(["delete", "binary", "--ids", ",".join(ids), "--yes"], own.environ())
    assert code == 0 and "/3" in shown and "file" in shown and "%|" in shown, shown


def test_delete_binary_by_filter_and_by_ids(own):
    ids = _upload_images(own, 3, "del-cam")
    keep = _upload_images(own, 1, "keep-cam")
    everything = run_cli(["delete", "binary", "--yes"], own.environ())
    assert everything.returncode == 2 and "--all" in everything.stderr  # an empty filter is refused
    by_id = run_cli(["delete", "binary", "--ids", ids[0], "--yes"], own.environ())
    assert by_id.returncode == 0 and "deleted 1 binary files" in by_id.stderr, by_id.stderr
    by_filter = run_cli(["delete", "binary", "--component-name", "del-cam", "--yes"], own.environ())
    assert by_filter.returncode == 0 and "deleted 2 binary files" in by_filter.stderr, by_filter.stderr
    with own.client() as client:
        left = [item.metadata.binary_data_id for item in client.iter_binary(include_binary_data=False)]
    assert left == keep


# ---------------------------------------------------------------------- datasets
def test_datasets_create_list_rename_add_remove_delete(own):
    org = own.server.organization_id
    created = run_cli(["datasets", "create", "--org-id", org, "--name", "first"], own.environ())
    assert created.returncode == 0, created.stderr
    dataset_id = created.stdout.strip()
    listed = run_cli(["datasets", "list", "--org-id", org], own.environ())
    assert [json.loads(line)["name"] for line in listed.stdout.splitlines()] == ["first"]
    assert run_cli(["datasets", "rename", "--id", dataset_id, "--name", "second"], own.environ()).returncode == 0
    by_id = run_cli(["datasets", "list", "--ids", dataset_id, "--format", "csv"], own.environ())
    assert by_id.stdout.splitlines()[0] == "id,name,organization_id,time_created"
    assert by_id.stdout.splitlines()[1].startswith(f"{dataset_id},second,{org},")
    images = _upload_images(own, 2, "ds-cam")
    added = run_cli(["datasets", "add", "--id", dataset_id, "--binary-ids", ",".join(images)], own.environ())
    assert added.returncode == 0, added.stderr
    with own.client() as client:
        assert client.binary_data_by_filter(create_filter(dataset_id=dataset_id), count_only=True)[1] == 2
    removed = run_cli(["datasets", "remove", "--id", dataset_id, "--binary-ids", images[0]], own.environ())
    assert removed.returncode == 0, removed.stderr
    with own.client() as client:
        assert client.binary_data_by_filter(create_filter(dataset_id=dataset_id), count_only=True)[1] == 1
    refused = run_cli(["datasets", "delete", "--id", dataset_id], own.environ())
    assert refused.returncode == 2 and "pass --yes" in refused.stderr
    deleted = run_cli(["datasets", "delete", "--id", dataset_id, "--yes"], own.environ())
    assert deleted.returncode == 0, deleted.stderr
    assert run_cli(["datasets", "list", "--org-id", org], own.environ()).stdout == ""
