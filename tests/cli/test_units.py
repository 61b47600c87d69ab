"""In-process checks of the CLI's building blocks: names, filters, parsing, tables."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import struct
import zlib

import grpc
import pytest

from viam_data_sync._convert import datetime_to_timestamp
from viam_data_sync._errors import from_status
from viam_data_sync.cli import CliError, build_parser, explain, export_binary
from viam_data_sync.cli._demo_files import make_png
from viam_data_sync.cli._errors import EXIT_AUTH, EXIT_FAILURE, EXIT_INVALID, EXIT_LOCAL_FILE, EXIT_UNREACHABLE
from viam_data_sync import create_filter
from viam_data_sync.cli._filters import build_filter
from viam_data_sync.cli._output import format_table
from viam_data_sync.cli._progress import Progress
from viam_data_sync.cli._secrets import forget_secrets, redact, remember_secret
from viam_data_sync.cli.export.binary import local_file_name
from viam_data_sync.cli.query import parse_pipeline
from viam_data_sync.proto import BinaryMetadata, CaptureMetadata, TagsFilterType


@pytest.mark.parametrize(
    "binary_id",
    [
        "../../etc/passwd",
        "/abs/path",
        "..",
        ".",
        "a/b/c",
        "a\\b",
        "é/ü",
        "x" * 400,
        "org/loc/..%2F",
        ".hidden",
    ],
)
def test_file_names_stay_inside_the_export(binary_id):
    for metadata in (
        BinaryMetadata(binary_data_id=binary_id, file_ext="../../x"),
        BinaryMetadata(binary_data_id="o/l/f", id="f", file_name=binary_id, file_ext="../../x"),
    ):
        name = local_file_name(metadata)
        parts = name.split("/")
        assert name and not name.startswith("/") and ".." not in parts and "." not in parts and "" not in parts
        assert "\\" not in name or os.sep == "/"  # a backslash is only a separator on Windows
        assert len(parts[-1].encode()) <= 255


def test_file_names_are_distinct_for_distinct_ids():
    ids = ["a/b", "a_b", "a%2Fb", "a-b", "a.b", "A/b"]
    assert len({local_file_name(BinaryMetadata(binary_data_id=i)) for i in ids}) == len(ids)


def test_file_names_match_the_sdk_dest_writer():
    from viam_data_sync._dest import export_data_name, export_name

    md = BinaryMetadata(
        binary_data_id="org/loc/file-1",
        file_ext=".png",
        capture_metadata=CaptureMetadata(mime_type="image/png"),
    )
    md.time_requested.CopyFrom(datetime_to_timestamp(dt.datetime(2026, 1, 2, tzinfo=dt.timezone.utc)))
    sdk = export_data_name(md, export_name(md))
    assert local_file_name(md) == sdk == "2026-01-02T00_00_00Z_org%2Floc%2Ffile-1.png"


def test_filter_flags_build_the_filter():
    parser = build_parser()
    args = parser.parse_args(
        [
            "export",
            "tabular",
            "--dest",
            "x",
            "--org-ids",
            "o1, o2",
            "--location-ids",
            "l1",
            "--machine-id",
            "r",
            "--part-name",
            "p",
            "--component-type",
            "t",
            "--method",
            "m",
            "--mime-types",
            "image/png,image/jpeg",
            "--start",
            "2026-01-01T00:00:00+02:00",
            "--end",
            "2026-01-02T00:00:00",
            "--tags",
            "a,b",
            "--bbox-labels",
            "cat",
            "--dataset-id",
            "d",
        ]
    )
    f = build_filter(args)
    assert list(f.organization_ids) == ["o1", "o2"] and list(f.location_ids) == ["l1"]
    assert f.robot_id == "r" and f.part_name == "p" and f.component_type == "t" and f.method == "m"
    assert list(f.mime_type) == ["image/png", "image/jpeg"] and list(f.bbox_labels) == ["cat"]
    assert f.dataset_id == "d"
    assert f.interval.start.seconds == int(dt.datetime(2025, 12, 31, 22, tzinfo=dt.timezone.utc).timestamp())
    assert f.interval.end.seconds == int(dt.datetime(2026, 1, 2, tzinfo=dt.timezone.utc).timestamp())
    assert f == create_filter(  # the SDK's filter, field for field (tags: any of)
        organization_ids=["o1", "o2"], location_ids=["l1"], robot_id="r", part_name="p", component_type="t",
        method="m", mime_type=["image/png", "image/jpeg"], bbox_labels=["cat"], dataset_id="d", tags=["a", "b"],
        start_time=dt.datetime(2025, 12, 31, 22, tzinfo=dt.timezone.utc),
        end_time=dt.datetime(2026, 1, 2, tzinfo=dt.timezone.utc),
    )
    tagged = build_filter(parser.parse_args(["export", "binary", "--dest", "x", "--tags", "untagged"]))
    assert tagged.tags_filter.type == TagsFilterType.TAGS_FILTER_TYPE_UNTAGGED
    assert not build_filter(parser.parse_args(["export", "binary", "--dest", "x"])).HasField("interval")


def test_global_flags_work_before_and_after_the_command():
    parser = build_parser()
    assert parser.parse_args(["--insecure", "sql", "--org-id", "o", "q"]).insecure is True
    assert parser.parse_args(["sql", "--org-id", "o", "q", "--insecure"]).insecure is True
    assert parser.parse_args(["--address", "h:1", "sql", "--org-id", "o", "q"]).address == "h:1"


def test_pipeline_parsing():
    assert parse_pipeline('{"$limit": 1}') == [{"$limit": 1}]
    (stage,) = parse_pipeline('[{"$match": {"t": {"$gte": {"$date": "2026-01-01T00:00:00Z"}}}}]')
    assert stage["$match"]["t"]["$gte"].year == 2026
    with pytest.raises(CliError):
        parse_pipeline("[1, 2]")


def test_table_format():
    text = format_table([{"a": 1.0, "b": {"x": [1]}}, {"a": None, "c": "y" * 100}])
    header, rule, first, second = text.splitlines()
    assert header.split() == ["a", "b", "c"]
    assert first.split() == ["1", '{"x":[1]}']
    assert second.endswith("…") and format_table([]) == "(no rows)\n"


@pytest.mark.parametrize(
    "code, exit_code",
    [
        (grpc.StatusCode.UNAUTHENTICATED, EXIT_AUTH),
        (grpc.StatusCode.PERMISSION_DENIED, EXIT_AUTH),
        (grpc.StatusCode.UNAVAILABLE, EXIT_UNREACHABLE),
        (grpc.StatusCode.DEADLINE_EXCEEDED, EXIT_UNREACHABLE),
        (grpc.StatusCode.INVALID_ARGUMENT, EXIT_INVALID),
        (grpc.StatusCode.NOT_FOUND, EXIT_INVALID),
        (grpc.StatusCode.INTERNAL, EXIT_FAILURE),
    ],
)
def test_api_errors_map_to_exit_codes(code, exit_code):
    assert explain(from_status(code, "details"), argparse.Namespace(address="a:1"))[0] == exit_code


def test_os_errors_are_local_file_errors():
    code, message = explain(FileNotFoundError(2, "No such file or directory", "/x/y"))
    assert code == EXIT_LOCAL_FILE and message == "/x/y: No such file or directory"


def test_demo_pngs_are_valid():
    png = make_png(5, 3, 7)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    offset, chunks = 8, {}
    while offset < len(png):
        (length,) = struct.unpack(">I", png[offset : offset + 4])
        kind, body = png[offset + 4 : offset + 8], png[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack(">I", png[offset + 8 + length : offset + 12 + length])
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF
        chunks[kind] = body
        offset += 12 + length
    width, height = struct.unpack(">II", chunks[b"IHDR"][:8])
    assert (width, height) == (5, 3)
    assert len(zlib.decompress(chunks[b"IDAT"])) == height * (1 + 3 * width)


def test_secrets_are_redacted_from_messages():
    forget_secrets()
    remember_secret("s3cr3t-value")
    try:
        assert redact("bad key s3cr3t-value!") == "bad key <redacted>!"
    finally:
        forget_secrets()


def test_progress_is_silent_without_a_terminal(capsys):
    with Progress(True, total=3, desc="x") as bar:  # stderr is captured: not a terminal
        bar.update(3)
        assert not bar.active
    assert capsys.readouterr().err == ""


class _BigFilesClient:
    """binary_data_by_ids refuses more than one id per call (as for large files)."""

    def __init__(self, items):
        self.items = {item.metadata.binary_data_id: item for item in items}
        self.calls = []

    def binary_data_by_ids(self, ids):
        from viam_data_sync._errors import ResourceExhausted

        self.calls.append(list(ids))
        if len(ids) > 1:
            raise ResourceExhausted(grpc.StatusCode.RESOURCE_EXHAUSTED, "too large")
        return [self.items[i] for i in ids]

    def iter_binary(self, filter_, include_binary_data=True, page_size=100):
        from viam_data_sync.proto import BinaryData

        class _It(list):
            def iter_pages(self):
                yield list(self)

            def close(self):
                pass

        return _It(BinaryData(metadata=item.metadata) for item in self.items.values())


def test_binary_batches_too_large_are_split(tmp_path):
    from viam_data_sync.proto import BinaryData, Filter

    items = [
        BinaryData(
            binary=bytes([i]) * 10,
            metadata=BinaryMetadata(binary_data_id=f"o/l/{i}", file_ext=".bin", file_size_bytes=10),
        )
        for i in range(4)
    ]
    client = _BigFilesClient(items)
    result = export_binary(client, Filter(), str(tmp_path), parallel=1)
    assert result.downloaded == 4 and sorted(len(c) for c in client.calls)[:4] == [1, 1, 1, 1]
    assert sorted(p.read_bytes() for p in (tmp_path / "data").iterdir()) == [
        bytes([i]) * 10 for i in range(4)
    ]
