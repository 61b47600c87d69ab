"""``export binary`` names files as ``viam data export binary`` does (viamrobotics/rdk
``cli/data.go``, ``filenameForDownload``). The rules are held here as data: for each
uploaded item, the relative path the Viam CLI gives it, worked out by hand from those
rules, never by our code:

1. no file name (a capture): ``<time_requested>_<id><file_ext>``;
2. a file name without a directory: ``<time_requested>_<file_name>``;
3. a file name with directories: kept as it is;
4. ``/.viam/capture/`` removed from the name; one trailing ``.gz`` removed, and a
   ``.gz`` item written gunzipped;
5. ``:`` replaced by ``_`` (in the time too);
6. the data file gets ``file_ext`` unless its name ends with it (never for ``.gz``);
7. ``time_requested`` is RFC 3339 with nanoseconds, trailing zeros cut; unset, the
   epoch.

Ours adds one rule: a name never leaves ``--dest`` (``..`` stops at it). Names a file
system refuses, and two items with one name, are in test_export_names.py.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import random

import pytest

from viam_data_sync.server import LocalDataServer
from viam_data_sync.testing import FaultInjector, LatencyInjector

from .conftest import Env, run_cli

UTC = dt.timezone.utc
AT = dt.datetime(2025, 6, 1, 12, 10, 0, 500000, tzinfo=UTC)  # -> 2025-06-01T12_10_00.5Z
EPOCH = "1970-01-01T00_00_00Z"  # no time_requested (a file upload sends none)

#: (file_name, file_ext, bytes, expected path under data/ ("{id}": the file id)).
FILE_CASES = [
    ("notes.txt", ".txt", b"plain", f"{EPOCH}_notes.txt"),
    ("trip/day1/route.json", ".json", b"{}", "trip/day1/route.json"),
    ("x", ".png", b"png", f"{EPOCH}_x.png"),
    ("log.txt.gz", ".gz", gzip.compress(b"unzipped!"), f"{EPOCH}_log.txt"),
    ("a:b.bin", ".bin", b"colon", f"{EPOCH}_a_b.bin"),
    ("home/u/.viam/capture/cam/img.jpg", ".jpg", b"jpg", "home/ucam/img.jpg"),
    ("dir:1/f.csv", ".csv", b"c", "dir_1/f.csv"),
    ("../../escape.txt", ".txt", b"esc", "escape.txt"),  # ours: never outside --dest
]
CAPTURE_CASE = (".png", b"capture", "2025-06-01T12_10_00.5Z_{id}.png")


@pytest.fixture(scope="module")
def layout_env():
    with LocalDataServer(auth=True) as server:
        env = Env(server, FaultInjector(), LatencyInjector(0.0))
        expected = {}
        with env.client() as client:
            for file_name, ext, body, path in FILE_CASES:
                binary_id = client.file_upload(
                    server.part_id, body, component_name="layout", file_name=file_name, file_extension=ext
                )
                expected[binary_id] = (path, gzip.decompress(body) if ext == ".gz" else body)
            ext, body, path = CAPTURE_CASE
            binary_id = client.binary_data_capture_upload(
                body, server.part_id, "rdk:component:camera", "layout", "ReadImage", ext,
                data_request_times=(AT, AT),
            )
            file_id = client.binary_data_by_ids([binary_id], include_binary_data=False)[0].metadata.id
            expected[binary_id] = (path.format(id=file_id), body)
        yield env, expected


def _tree(root):
    return {
        os.path.relpath(os.path.join(folder, name), root)
        for folder, _, names in os.walk(root)
        for name in names
    }


def test_cli_export_gives_the_viam_cli_paths(layout_env, tmp_path):
    env, expected = layout_env
    dest = tmp_path / "export"
    result = run_cli(
        ["export", "binary", "--dest", str(dest), "--component-name", "layout", "--include-metadata"],
        env.environ(),
    )
    assert result.returncode == 0, result.stderr
    assert _tree(dest / "data") == {path for path, _ in expected.values()}
    for path, body in expected.values():
        assert (dest / "data" / path).read_bytes() == body  # .gz written gunzipped
    assert os.listdir(tmp_path) == ["export"] and sorted(os.listdir(dest)) == ["data", "metadata"]


def test_metadata_is_protojson_named_like_the_file_without_server_paths(layout_env, tmp_path):
    env, expected = layout_env
    result = run_cli(
        ["export", "binary", "--dest", str(tmp_path), "--component-name", "layout", "--include-metadata"],
        env.environ(),
    )
    assert result.returncode == 0, result.stderr
    names = {path[: -len(".png")] if path.endswith("x.png") else path for path, _ in expected.values()}
    # rule 6: the metadata is named by the name before file_ext was added
    assert _tree(tmp_path / "metadata") == {f"{name}.json" for name in names}
    for binary_id, (path, _) in expected.items():
        name = path[: -len(".png")] if path.endswith("x.png") else path
        document = json.loads((tmp_path / "metadata" / f"{name}.json").read_text())
        assert document["binaryDataId"] == binary_id and document["fileName"] == name
        assert "uri" not in document and str(env.server.address) not in json.dumps(document)
        assert "captureMetadata" in document and "timeReceived" in document  # protojson keys


def test_rerun_skips_every_file_including_gunzipped_ones(layout_env, tmp_path):
    env, expected = layout_env
    args = ["export", "binary", "--dest", str(tmp_path), "--component-name", "layout"]
    assert run_cli(args, env.environ()).returncode == 0
    again = run_cli(args, env.environ())
    assert again.returncode == 0, again.stderr
    assert f"0 downloaded (0 bytes), {len(expected)} already complete" in again.stderr


def test_sdk_dest_uses_the_same_layout(layout_env, tmp_path):
    from viam_data_sync import create_filter

    env, expected = layout_env
    with env.client() as client:
        client.binary_data_by_filter(create_filter(component_name="layout"), dest=tmp_path)
        client.binary_data_by_ids(list(expected), dest=tmp_path / "by-ids")
    for root in (tmp_path, tmp_path / "by-ids"):
        assert _tree(root / "data") == {path for path, _ in expected.values()}
        for path, body in expected.values():
            assert (root / "data" / path).read_bytes() == body


def test_a_gz_file_too_large_for_one_message_is_streamed_then_gunzipped(tmp_path):
    body = random.Random(14).randbytes(1_300_000)  # random: gzip cannot shrink it
    packed = gzip.compress(body, compresslevel=1)
    assert len(packed) > 1024 * 1024  # over the inline limit below: it comes by signed URL
    with LocalDataServer(auth=True, max_message_bytes=1536 * 1024) as server:  # 0.5 MiB inline at most
        env = Env(server, FaultInjector(), LatencyInjector(0.0))
        with env.client() as client:
            client.file_upload(server.part_id, packed, component_name="big", file_name="big.bin.gz",
                               file_extension=".gz")
        args = ["export", "binary", "--dest", str(tmp_path), "--component-name", "big"]
        result = run_cli(args, env.environ())
        assert result.returncode == 0, result.stderr
        assert (tmp_path / "data" / f"{EPOCH}_big.bin").read_bytes() == body
        assert sorted(os.listdir(tmp_path / "data")) == [f"{EPOCH}_big.bin"]  # no temporary file left
        again = run_cli(args, env.environ())
        assert "1 already complete" in again.stderr, again.stderr
