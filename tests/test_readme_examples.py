"""The README's runnable examples (blocks after ``<!-- checked: NAME -->``), each run
as a program in a subprocess against a real local server with auth on."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from viam_data_sync.server import LocalDataServer

from .iterators._seed import seed_readings

ROOT = Path(__file__).resolve().parents[1]
_BLOCK = re.compile(r"<!-- checked: (?P<name>[\w-]+) -->\n```python\n(?P<code>.*?)```", re.S)


def examples() -> dict:
    return {m["name"]: m["code"] for m in _BLOCK.finditer((ROOT / "README.md").read_text())}


@pytest.fixture(scope="module")
def server():
    with LocalDataServer() as server:
        seed_readings(server.address, server.part_id, 2000,
                      metadata=[("authorization", f"Bearer {server.token()}")])
        yield server


def run_example(name: str, server, tmp_path: Path, **extra: str) -> str:
    script = tmp_path / f"example_{name}.py"
    script.write_text(examples()[name])
    env = dict(os.environ, VIAM_API_KEY=server.api_key, VIAM_API_KEY_ID=server.api_key_id,
               VIAM_APP_ADDRESS=server.address, VIAM_INSECURE="1", **extra)
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=240)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_every_checked_example_has_a_test():
    tested = {name[len("test_example_"):].replace("_", "-") for name in globals() if name.startswith("test_example_")}
    assert set(examples()) == tested


def test_example_partitions(server, tmp_path):
    out = run_example("partitions", server, tmp_path)
    assert out.strip().endswith("2000 rows")
    assert int(out.split()[0]) >= 4


def test_example_arrow(server, tmp_path):
    pytest.importorskip("duckdb")
    pytest.importorskip("polars")
    assert run_example("arrow", server, tmp_path).split() == ["2000", "1999.0"]


@pytest.mark.dask
def test_example_dask(server, tmp_path):
    pytest.importorskip("dask.distributed")
    lines = run_example("dask", server, tmp_path).splitlines()
    npartitions, known, total = lines[0].split()
    assert int(npartitions) >= 4 and known == "True" and int(total) == sum(range(2000))
    assert lines[1] == "0"


@pytest.mark.airflow
def test_example_airflow(server, tmp_path):
    pytest.importorskip("airflow.sdk")
    export_dir = tmp_path / "exports"
    export_dir.mkdir()
    dags = tmp_path / "dags"
    dags.mkdir()
    (dags / "example_airflow.py").write_text(examples()["airflow"])
    connection = {"conn_type": "viam", "login": server.api_key_id, "password": server.api_key,
                  "host": server.address, "extra": {"insecure": True}}
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
    env.update(AIRFLOW_HOME=str(tmp_path / "home"), AIRFLOW__CORE__DAGS_FOLDER=str(dags),
               AIRFLOW__CORE__LOAD_EXAMPLES="False", AIRFLOW_CONN_VIAM_DEFAULT=json.dumps(connection),
               EXPORT_DIR=str(export_dir))
    migrated = subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], env=env, capture_output=True,
                              text=True, timeout=300)
    assert migrated.returncode == 0, migrated.stderr[-3000:]
    done = subprocess.run([sys.executable, str(dags / "example_airflow.py")], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    state, files = done.stdout.strip().splitlines()[-1].split()
    assert state == "success" and int(files) >= 4
    import pyarrow.parquet as pq

    assert sum(pq.read_metadata(f).num_rows for f in export_dir.iterdir()) == 2000


@pytest.mark.spark
def test_example_spark(server, tmp_path):
    pytest.importorskip("pyspark.sql.datasource")
    if shutil.which("java") is None:
        pytest.skip("no Java runtime (scripts/test.sh installs openjdk-17-jre-headless when run as root)")
    lines = run_example("spark", server, tmp_path).splitlines()
    partitions, rows = lines[0].split()
    assert int(partitions) >= 4 and int(rows) == 2000
    assert lines[1] == "999.0"  # the first second: readings 0 to 999
    import pyarrow.parquet as pq

    assert pq.read_table(tmp_path / "readings.parquet").num_rows == 2000


def test_example_sync(server, tmp_path):
    out = run_example("sync", server, tmp_path, ORG_ID=server.organization_id).splitlines()
    assert out[0] == f"2000 tabular-after-{'0' * 24}.jsonl"
    assert out[1] == "0 None"
    assert len((tmp_path / "exports" / out[0].split()[1]).read_text().splitlines()) == 2000
