"""``upload``, ``sql``, ``mql`` and ``serve`` driven as a user would."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys

from .conftest import ROWS_PER_SENSOR, SENSORS, run_cli


def test_upload_files_and_folders_prints_ids(env, tmp_path):
    folder = tmp_path / "batch"
    (folder / "sub").mkdir(parents=True)
    contents = {
        folder / "a.txt": b"alpha\n",
        folder / "sub" / "b.bin": os.urandom(200_000),  # several upload chunks
        tmp_path / "single.log": b"x" * 1000,
    }
    for path, data in contents.items():
        path.write_bytes(data)
    with env.client() as client:
        dataset_id = client.create_dataset("cli-upload", env.server.organization_id)
    result = run_cli(
        [
            "upload",
            str(folder),
            str(tmp_path / "single.log"),
            "--recursive",
            "--part-id",
            env.server.part_id,
            "--component-name",
            "uploader",
            "--tags",
            "x,y",
            "--dataset-id",
            dataset_id,
        ],
        env.environ(),
    )
    assert result.returncode == 0, result.stderr
    lines = [line.split("\t") for line in result.stdout.splitlines()]
    assert [path for _, path in lines] == [
        str(folder / "a.txt"),
        str(folder / "sub" / "b.bin"),
        str(tmp_path / "single.log"),
    ]
    ids = [binary_id for binary_id, _ in lines]
    with env.client() as client:
        items = {item.metadata.binary_data_id: item for item in client.binary_data_by_ids(ids)}
    for binary_id, path in lines:
        item = items[binary_id]
        assert hashlib.sha256(item.binary).digest() == hashlib.sha256(contents[type(folder)(path)]).digest()
        assert set(item.metadata.capture_metadata.tags) == {"x", "y"}
        assert dataset_id in item.metadata.dataset_ids


def test_upload_folder_needs_recursive(env, tmp_path):
    result = run_cli(["upload", str(tmp_path), "--part-id", env.server.part_id], env.environ())
    assert result.returncode == 2  # a bad command line (issue 14: it was 7, a local file error)
    assert "-r (--recursive)" in result.stderr and result.stderr.count("\n") == 1


def test_sql_jsonl_and_table(env):
    query = (
        "SELECT component_name, COUNT(*) AS n, MAX(data.readings.i) AS top FROM readings "
        "WHERE component_type = 'rdk:component:sensor' GROUP BY component_name ORDER BY component_name"
    )
    result = run_cli(["sql", "--org-id", env.server.organization_id, query], env.environ())
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["component_name"], r["n"], r["top"]) for r in rows] == [
        (name, ROWS_PER_SENSOR, ROWS_PER_SENSOR - 1) for name in SENSORS
    ]
    table = run_cli(
        ["sql", "--org-id", env.server.organization_id, "--format", "table", "-"], env.environ(), input=query
    )
    assert table.returncode == 0, table.stderr
    header, rule, *body = table.stdout.splitlines()
    assert header.split() == ["component_name", "n", "top"] and set(rule) <= {"-", " "}
    assert body[0].split() == ["sensor-a", str(ROWS_PER_SENSOR), str(ROWS_PER_SENSOR - 1)]


def test_mql_with_extended_json_dates(env):
    pipeline = json.dumps(
        [
            {
                "$match": {
                    "component_name": "sensor-a",
                    "time_received": {"$gte": {"$date": "2025-06-01T12:00:50Z"}},
                }
            },
            {"$group": {"_id": "$component_name", "n": {"$sum": 1}, "last": {"$max": "$time_received"}}},
        ]
    )
    result = run_cli(["mql", "--org-id", env.server.organization_id, pipeline], env.environ())
    assert result.returncode == 0, result.stderr
    (row,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert row["_id"] == "sensor-a" and row["n"] == ROWS_PER_SENSOR - 50
    assert row["last"].startswith("2025-06-01T12:01:39")


def test_serve_runs_the_local_server(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIAM_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "viam_data_sync.cli", "serve", "--port", "0", "--db", str(tmp_path / "x.db")],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        info = {}
        for line in process.stdout:
            if line.strip() == "ready":
                break
            key, _, value = line.partition(": ")
            info[key] = value.strip()
        assert info["auth"] == "on"
        query = run_cli(
            ["sql", "--org-id", info["organization_id"], "SELECT COUNT(*) AS n FROM readings"],
            {
                **env,
                "VIAM_API_KEY": info["api_key"],
                "VIAM_API_KEY_ID": info["api_key_id"],
                "VIAM_APP_ADDRESS": info["address"],
                "VIAM_INSECURE": "1",
            },
        )
        assert query.returncode == 0, query.stderr
        assert json.loads(query.stdout) == {"n": 0}
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)
        process.stdout.close()
    assert process.returncode == 0
    assert (tmp_path / "x.db").exists()


def test_upload_ledger_makes_reruns_store_nothing_twice(env, tmp_path):
    folder = tmp_path / "captures"
    folder.mkdir()
    for i in range(3):
        (folder / f"f{i}.bin").write_bytes(os.urandom(1000 + i))
    ledger = tmp_path / "uploads.jsonl"
    args = ["upload", str(folder), "-r", "--part-id", env.server.part_id, "--component-name", "ledgered",
            "--ledger", str(ledger)]
    first = run_cli(args, env.environ())
    assert first.returncode == 0, first.stderr
    assert len(first.stdout.splitlines()) == 3
    (folder / "f3.bin").write_bytes(b"new file")
    second = run_cli(args, env.environ())  # a rerun, e.g. an Airflow task retry
    assert second.returncode == 0, second.stderr
    assert len(second.stdout.splitlines()) == 1 and "f3.bin" in second.stdout
    assert "skipped 3 already uploaded" in second.stderr
    # Same content to another destination is a different upload.
    other = run_cli(args[:-4] + ["--component-name", "elsewhere", "--ledger", str(ledger)], env.environ())
    assert other.returncode == 0 and len(other.stdout.splitlines()) == 4
    from viam_data_sync import create_filter

    with env.client() as client:
        _, count, _ = client.binary_data_by_filter(create_filter(component_name="ledgered"), count_only=True)
    assert count == 4
    assert len(ledger.read_text().splitlines()) == 8


def test_sql_without_a_time_bound_warns_in_one_line(env):
    """The SDK's UnboundedReadingsWarning reaches a CLI user as one line of the CLI's
    own, not as a source line of the console script; --quiet keeps it out."""
    query = "SELECT COUNT(*) AS n FROM readings"
    result = run_cli(["sql", "--org-id", env.server.organization_id, query], env.environ())
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("viam-data-sync: warning: ") and "time_received" in lines[0]
    quiet = run_cli(["sql", "--quiet", "--org-id", env.server.organization_id, query], env.environ())
    assert quiet.returncode == 0 and quiet.stderr == ""
