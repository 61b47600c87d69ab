"""``export tabular --format parquet`` (the rows of the JSON Lines export, written
whole and atomically) and ``sync tabular`` (only what was stored since the last run)."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path
from typing import Any, Dict, List

import pytest

from viam_data_sync._extras import missing_extra_hint

from .conftest import ROWS_PER_SENSOR, run_cli

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

SENSOR_A = ["--component-name", "sensor-a"]
UTC = dt.timezone.utc


def _flat(record: Dict[str, Any], prefix: str = "") -> Dict[str, Any]:
    """A JSON Lines record's nested ``data`` as the dotted columns the Parquet file has."""
    out: Dict[str, Any] = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flat(value, f"{name}."))
        else:
            out[name] = value
    return out


def _parquet_records(path: Path) -> List[Dict[str, Any]]:
    """The Parquet rows as JSON Lines would give them (times as RFC 3339 text)."""
    table = pq.read_table(path)
    for column in ("time_requested", "time_received"):
        index = table.schema.get_field_index(column)
        times = [t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ") if t else None
                 for t in table.column(column).cast(pa.timestamp("us", tz="UTC")).to_pylist()]
        table = table.set_column(index, column, pa.array(times, pa.string()))
    return table.to_pylist()


def test_parquet_rows_equal_the_jsonl_rows(env, tmp_path):
    jsonl, parquet = tmp_path / "a.jsonl", tmp_path / "a.parquet"
    for dest in (jsonl, parquet):  # the format from the suffix
        result = run_cli(["export", "tabular", "--dest", str(dest), *SENSOR_A], env.environ())
        assert result.returncode == 0, result.stderr
        assert f"exported {ROWS_PER_SENSOR} rows to {dest}" in result.stderr
    expected = [json.loads(line) for line in jsonl.read_text().splitlines()]
    rows = _parquet_records(parquet)
    assert len(rows) == len(expected) == ROWS_PER_SENSOR
    for row, record in zip(rows, expected):
        record.pop("method_parameters")  # empty for every row; no column in Parquet
        assert row == _flat(record)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.jsonl", "a.parquet"]  # no temporary left


def test_format_parquet_flag_and_a_rerun_starts_the_file_again(env, tmp_path):
    """``--format parquet`` without the suffix; a temporary file a killed run left is
    removed and the file written whole again."""
    dest = tmp_path / "readings"
    stale = tmp_path / ".readings.killed.tmp"
    stale.write_bytes(b"PAR1 half a file")
    result = run_cli(["export", "tabular", "--dest", str(dest), "--format", "parquet", *SENSOR_A], env.environ())
    assert result.returncode == 0, result.stderr
    assert pq.read_table(dest).num_rows == ROWS_PER_SENSOR
    assert sorted(p.name for p in tmp_path.iterdir()) == ["readings"]


def test_parquet_suffix_with_another_format_is_a_usage_error(env, tmp_path):
    dest = tmp_path / "a.parquet"
    result = run_cli(["export", "tabular", "--dest", str(dest), "--format", "jsonl", *SENSOR_A], env.environ())
    assert result.returncode == 2, result.stderr
    assert "is a parquet file name but --format is jsonl" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_parquet_to_stdout_is_a_usage_error(env):
    result = run_cli(["export", "tabular", "--dest", "-", "--format", "parquet", *SENSOR_A], env.environ())
    assert result.returncode == 2
    assert result.stderr.strip().endswith("Parquet is not written to stdout: give --dest FILE.parquet")
    assert result.stdout == ""


def test_a_failed_parquet_export_leaves_no_file(env, tmp_path):
    result = run_cli(["export", "tabular", "--dest", str(tmp_path / "a.parquet"), *SENSOR_A],
                     env.environ(VIAM_API_KEY="wrong-key"))
    assert result.returncode == 5, result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", [
    ["export", "tabular", "--dest", "{tmp}/a.parquet"],
    ["sync", "tabular", "--org-id", "{org}", "--state", "{tmp}/s.json", "--dest", "{tmp}/out", "--format", "parquet"],
])
def test_parquet_without_pyarrow_names_the_extra(env, tmp_path, command):
    """``sys.modules[name] = None`` is how Python spells "not installed" for one process."""
    argv = [arg.format(tmp=tmp_path, org=env.server.organization_id) for arg in command]
    script = f"""
        import sys
        sys.modules["pyarrow"] = None
        from viam_data_sync.cli import main
        sys.exit(main({argv!r}))
    """
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(script)], env=env.environ(),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1, result.stderr
    assert result.stderr.splitlines() == [
        f"viam-data-sync: error: {missing_extra_hint('Parquet output needs', 'arrow')}"]
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------- sync tabular
def _upload(env, component: str, values: range) -> None:
    """Readings of a component type of their own: the shared server's sensor readings
    stay the seeded ones that other modules' exports count, whatever runs first."""
    at = dt.datetime(2025, 7, 1, tzinfo=UTC)
    with env.client() as client:
        client.tabular_data_capture_upload(
            [{"readings": {"i": i}} for i in values], env.server.part_id, "rdk:component:movement_sensor", component,
            "Readings", [(at + dt.timedelta(seconds=i),) * 2 for i in values],
        )


def _sync(env, tmp_path, component: str, *extra: str) -> subprocess.CompletedProcess:
    return run_cli(["sync", "tabular", "--org-id", env.server.organization_id, "--state", str(tmp_path / "state.json"),
                    "--dest", str(tmp_path / "out"), "--component-name", component, *extra], env.environ())


def _written(result: subprocess.CompletedProcess, rows: int) -> Path:
    """The file the run's one line names, checked to say ``rows`` rows."""
    assert result.returncode == 0, result.stderr
    path, _, said = result.stdout.strip().rpartition(": ")
    assert said == f"{rows} rows" and result.stdout.count("\n") == 1, result.stdout
    return Path(path)


def test_sync_writes_only_what_is_new(env, tmp_path):
    component = f"sync-{uuid.uuid4().hex[:8]}"
    _upload(env, component, range(0, 5))
    first = _written(_sync(env, tmp_path, component), 5)
    docs = [json.loads(line) for line in first.read_text().splitlines()]
    assert [doc["data"]["readings"]["i"] for doc in docs] == [0, 1, 2, 3, 4]
    assert {doc["component_name"] for doc in docs} == {component}

    _upload(env, component, range(5, 8))
    second = _written(_sync(env, tmp_path, component), 3)
    assert second != first and first.exists()
    assert [json.loads(line)["data"]["readings"]["i"] for line in second.read_text().splitlines()] == [5, 6, 7]

    third = _sync(env, tmp_path, component)
    assert third.returncode == 0, third.stderr
    assert third.stdout == "nothing new\n"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted([first.name, second.name])


def test_sync_to_parquet(env, tmp_path):
    component = f"sync-{uuid.uuid4().hex[:8]}"
    _upload(env, component, range(0, 4))
    first = _written(_sync(env, tmp_path, component, "--format", "parquet"), 4)
    assert first.suffix == ".parquet"
    table = pq.read_table(first)
    assert table.num_rows == 4
    _upload(env, component, range(4, 6))
    second = _written(_sync(env, tmp_path, component, "--format", "parquet"), 2)
    assert pq.read_table(second).num_rows == 2
    assert os.path.exists(tmp_path / "state.json")
