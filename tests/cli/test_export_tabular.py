"""``export tabular``: content, formats, and resuming an interrupted export to the
very same bytes as an uninterrupted one."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time

import grpc
import pytest

from .conftest import ROWS_PER_SENSOR, SENSORS, run_cli

READINGS = ["--component-type", "rdk:component:sensor"]


@pytest.fixture(scope="module")
def reference(cli_env, tmp_path_factory):
    """Uninterrupted exports (JSON Lines and CSV) of all readings."""
    folder = tmp_path_factory.mktemp("reference")
    out = {}
    for fmt in ("jsonl", "csv"):
        dest = folder / f"all.{fmt}"
        result = run_cli(["export", "tabular", "--dest", str(dest), *READINGS], cli_env.environ())
        assert result.returncode == 0, result.stderr
        assert f"exported {cli_env.rows} rows" in result.stderr
        out[fmt] = dest.read_bytes()
        assert not os.path.exists(f"{dest}.partial") and not os.path.exists(f"{dest}.checkpoint")
    return out


def test_jsonl_rows_carry_data_metadata_and_times(cli_env, reference):
    lines = reference["jsonl"].decode().splitlines()
    assert len(lines) == cli_env.rows
    rows = [json.loads(line) for line in lines]
    first = rows[0]
    assert list(first) == [
        "organization_id",
        "location_id",
        "robot_id",
        "robot_name",
        "part_id",
        "part_name",
        "component_type",
        "component_name",
        "method_name",
        "time_requested",
        "time_received",
        "tags",
        "method_parameters",
        "data",
    ]
    assert first["organization_id"] == cli_env.server.organization_id
    assert first["part_id"] == cli_env.server.part_id
    assert first["time_received"].endswith("Z") and "T" in first["time_received"]
    assert first["tags"] == ["cli-test"]
    readings = first["data"]["readings"]
    assert readings["none"] is None and readings["nested"] == {"ok": True}
    assert readings["text"] == 'naïve, "quoted"\nline'
    # every reading exactly once, in time order
    seen = sorted((r["component_name"], int(r["data"]["readings"]["i"])) for r in rows)
    assert seen == sorted((name, i) for name in SENSORS for i in range(ROWS_PER_SENSOR))
    times = [r["time_received"] for r in rows]
    assert times == sorted(times)


def test_csv_has_fixed_columns_and_json_data(cli_env, reference):
    rows = list(csv.DictReader(io.StringIO(reference["csv"].decode())))
    assert len(rows) == cli_env.rows
    assert rows[0]["component_type"] == "rdk:component:sensor"
    data = json.loads(rows[0]["data"])
    assert set(data["readings"]) >= {"i", "temp", "name", "text"}
    assert json.loads(rows[0]["tags"]) == ["cli-test"]
    jsonl = [json.loads(line) for line in reference["jsonl"].decode().splitlines()]
    assert [json.loads(r["data"]) for r in rows] == [r["data"] for r in jsonl]


def test_stdout_equals_file_and_filters_apply(env, reference):
    result = run_cli(["-q", "export", "tabular", "--dest", "-", *READINGS], env.environ())
    assert result.returncode == 0, result.stderr
    assert result.stdout.encode() == reference["jsonl"]
    assert result.stderr == ""  # --quiet: results only
    one = run_cli(
        [
            "export",
            "tabular",
            "--dest",
            "-",
            "--format",
            "csv",
            "--component-name",
            "sensor-b",
            "--start",
            "2025-06-01T12:00:10Z",
            "--end",
            "2025-06-01T12:00:19.5Z",
        ],
        env.environ(),
    )
    assert one.returncode == 0, one.stderr
    rows = list(csv.DictReader(io.StringIO(one.stdout)))
    assert {r["component_name"] for r in rows} == {"sensor-b"}
    assert sorted(int(json.loads(r["data"])["readings"]["i"]) for r in rows) == list(range(10, 20))


def test_interrupted_export_resumes_to_identical_file(env, reference, tmp_path):
    dest = tmp_path / "readings.jsonl"
    # A non-retryable failure on the 6th page request: the export dies part-way.
    env.faults.fail("TabularDataByFilter", grpc.StatusCode.INTERNAL, every=6, times=1)
    first = run_cli(
        ["export", "tabular", "--dest", str(dest), "--page-size", "20", "--parallel", "2", *READINGS],
        env.environ(),
    )
    assert first.returncode == 1, first.stderr
    assert "INTERNAL" in first.stderr and "Traceback" not in first.stderr
    assert not dest.exists()
    checkpoint = json.loads((tmp_path / "readings.jsonl.checkpoint").read_text())
    assert 0 < checkpoint["rows"] < env.rows
    assert (tmp_path / "readings.jsonl.partial").stat().st_size >= checkpoint["offset"] > 0
    # A checkpoint is only resumed by the same export.
    other = run_cli(["export", "tabular", "--dest", str(dest), "--component-name", "sensor-a"], env.environ())
    assert other.returncode == 6 and "--restart" in other.stderr
    # Simulate bytes written after the last checkpoint (a kill between write and checkpoint).
    with open(tmp_path / "readings.jsonl.partial", "ab") as handle:
        handle.write(b'{"torn": ')
    env.faults.clear()
    second = run_cli(
        ["export", "tabular", "--dest", str(dest), "--page-size", "20", *READINGS], env.environ()
    )
    assert second.returncode == 0, second.stderr
    assert f"resumed after {checkpoint['rows']}" in second.stderr
    assert dest.read_bytes() == reference["jsonl"]
    assert not (tmp_path / "readings.jsonl.partial").exists()
    assert not (tmp_path / "readings.jsonl.checkpoint").exists()


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["SIGKILL", "SIGINT"])
def test_killed_csv_export_resumes_to_identical_file(env, reference, tmp_path, sig):
    dest = tmp_path / "readings.csv"
    checkpoint_path = tmp_path / "readings.csv.checkpoint"
    env.latency.seconds = 0.03
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "viam_data_sync.cli",
            "export",
            "tabular",
            "--dest",
            str(dest),
            "--page-size",
            "10",
            "--parallel",
            "1",
            *READINGS,
        ],
        env=env.environ(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if json.loads(checkpoint_path.read_text())["rows"] >= 50:
                    break
            except (OSError, ValueError):
                pass
            time.sleep(0.02)
        process.send_signal(sig)
        _, stderr = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    if sig == signal.SIGKILL:
        assert process.returncode == -signal.SIGKILL
    else:  # Ctrl-C: a clean stop, with the hint
        assert process.returncode == 130, stderr
        assert "interrupted; run the same command again to resume" in stderr and "Traceback" not in stderr
    assert not dest.exists()
    env.latency.seconds = 0.0
    resumed = run_cli(["export", "tabular", "--dest", str(dest), *READINGS], env.environ())
    assert resumed.returncode == 0, resumed.stderr
    assert "resumed after" in resumed.stderr
    assert dest.read_bytes() == reference["csv"]


def test_restart_discards_a_checkpoint(env, reference, tmp_path):
    dest = tmp_path / "x.jsonl"
    (tmp_path / "x.jsonl.partial").write_bytes(b"garbage\n")
    (tmp_path / "x.jsonl.checkpoint").write_text(
        json.dumps({"version": 1, "query": "other", "cursor": None, "offset": 8, "rows": 1})
    )
    result = run_cli(["export", "tabular", "--dest", str(dest), "--restart", *READINGS], env.environ())
    assert result.returncode == 0, result.stderr
    assert dest.read_bytes() == reference["jsonl"]


SOURCE = ["--resource-name", "sensor-b", "--resource-subtype", "rdk:component:sensor", "--method", "Readings"]


def test_per_source_export_writes_the_viam_cli_ndjson_and_resumes(env, tmp_path):
    dest = tmp_path / "data.ndjson"
    whole = run_cli(["export", "tabular", "--dest", str(dest), "--part-id", env.server.part_id, *SOURCE],
                    env.environ())
    assert whole.returncode == 0, whole.stderr
    lines = [json.loads(line) for line in dest.read_text().splitlines()]
    assert len(lines) == 100 and {line["resourceName"] for line in lines} == {"sensor-b"}
    assert set(lines[0]) >= {"partId", "resourceName", "resourceSubtype", "methodName", "timeCaptured",
                             "payload", "tags", "robotName", "partName"}
    assert [line["payload"]["readings"]["i"] for line in lines] == list(range(100))
    assert lines[0]["timeCaptured"].endswith("Z")
    reference = dest.read_bytes()
    dest.unlink()
    # The stream fails for good on its first two tries: the export stops, then resumes.
    env.faults.fail("ExportTabularData", grpc.StatusCode.PERMISSION_DENIED, times=1, after_messages=37)
    first = run_cli(["export", "tabular", "--dest", str(dest), "--part-id", env.server.part_id, *SOURCE],
                    env.environ())
    env.faults.clear()
    assert first.returncode == 5, first.stderr
    assert not dest.exists()
    second = run_cli(["export", "tabular", "--dest", str(dest), "--part-id", env.server.part_id, *SOURCE],
                     env.environ())
    assert second.returncode == 0, second.stderr
    assert dest.read_bytes() == reference


def test_per_source_export_needs_the_whole_source(env, tmp_path):
    result = run_cli(["export", "tabular", "--dest", str(tmp_path / "x.ndjson"), "--resource-name", "s"],
                     env.environ())
    assert result.returncode == 2 and "--part-id" in result.stderr and "Traceback" not in result.stderr


def test_checkpoint_writes_leave_a_neighbouring_tmp_file_alone(env, reference, tmp_path):
    """Checkpoints go through the shared atomic writer (a unique temporary name), so a
    file that happens to be called FILE.checkpoint.tmp, a second writer's say, is
    neither overwritten nor renamed away."""
    dest = tmp_path / "readings.jsonl"
    neighbour = tmp_path / "readings.jsonl.checkpoint.tmp"
    neighbour.write_text("someone else's file\n")
    result = run_cli(["export", "tabular", "--dest", str(dest), "--page-size", "50", *READINGS], env.environ())
    assert result.returncode == 0, result.stderr
    assert dest.read_bytes() == reference["jsonl"]
    assert neighbour.read_text() == "someone else's file\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["readings.jsonl", "readings.jsonl.checkpoint.tmp"]
