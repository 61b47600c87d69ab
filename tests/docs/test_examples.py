"""Every Python example of the README and the documentation site (a block after
``<!-- checked: NAME -->``), run as a program in a subprocess against a real local
server with auth on (``conftest.py``), its output checked. A Python block with no such
line fails ``test_every_python_block_is_run_or_checked``."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ._pages import ROOT, blocks, checked
from .conftest import Docs

#: What a Python block may be marked with instead of being run here: its commands are run
#: by scripts/check_install.py, it is the official SDK's text (test_migration.py), or it
#: quotes a file of ours (test_site.py checks the quote).
NOT_RUN_HERE = ("install-check", "official:", "excerpt:")


def test_every_python_block_is_run_or_checked() -> None:
    unmarked = [f"{page.relative_to(ROOT)}: {code.splitlines()[0]!r}" for page, marker, lang, code in blocks()
                if lang == "python" and not marker.startswith(("checked: ",) + NOT_RUN_HERE)]
    assert not unmarked, unmarked


def test_every_checked_example_has_a_test() -> None:
    tested = {name[len("test_example_"):].replace("_", "-") for name in globals() if name.startswith("test_example_")}
    assert set(checked()) == tested


def run(docs: Docs, name: str, tmp_path: Path, **extra: str) -> str:
    return docs.run_python(checked()[name], tmp_path, name, **extra)


# -------------------------------------------------------------------------- README
def test_example_readme(docs: Docs, tmp_path: Path) -> None:
    out = run(docs, "readme", tmp_path)
    assert "'component_name': 'sensor-1', 'n': 2000" in out


# ------------------------------------------------------------------ getting started
def test_example_server_with(docs: Docs, tmp_path: Path) -> None:
    lines = run(docs, "server-with", tmp_path).splitlines()
    assert lines[0].startswith("listening on 127.0.0.1:") and not lines[0].endswith(":0")
    assert lines[2] == "1 {'temperature': 21.5}"


def test_example_server_start_stop(docs: Docs, tmp_path: Path) -> None:
    assert run(docs, "server-start-stop", tmp_path).split() == ["0", "readings"]
    assert (tmp_path / "local.db").is_file()  # the store outlives the server


def test_example_first_script(docs: Docs, tmp_path: Path) -> None:
    out = run(docs, "first-script", tmp_path)
    assert "'component_name': 'sensor-1', 'n': 2000" in out
    assert out.split()[-3:] == ["2000", "0", "True"]


def test_example_first_test(docs: Docs, tmp_path: Path) -> None:
    (tmp_path / "test_export.py").write_text(checked()["first-test"])
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIAM_", "PYTEST_"))}
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_export.py"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stdout[-4000:]
    assert "1 passed" in done.stdout


# ------------------------------------------------------------------------ migrating
#: Runs a script as ``__main__`` and then says how often ``ViamClient.close`` ran: the
#: proof that ``main()`` ran to its end (a coroutine never awaited would not close it).
_COUNT_CLOSES = """
import runpy, sys
import viam_data_sync
closed = []
close = viam_data_sync.ViamClient.close
viam_data_sync.ViamClient.close = lambda self: (closed.append(self), close(self))[1]
runpy.run_path(sys.argv[1], run_name="__main__")
print("closed", len(closed))
"""


def run_migrated(docs: Docs, code: str, tmp_path: Path, warnings_as_errors: bool = True) -> subprocess.CompletedProcess:
    """The migrated example with its placeholders filled in as its comment says."""
    filled = code.replace('"<API-KEY>"', repr(docs.server.api_key)).replace('"<API-KEY-ID>"',
                                                                         repr(docs.server.api_key_id))
    (tmp_path / "migrated.py").write_text(filled)
    warnings = ["-W", "error"] if warnings_as_errors else []
    return subprocess.run([sys.executable, *warnings, "-c", _COUNT_CLOSES, str(tmp_path / "migrated.py")],
                          cwd=tmp_path, env=docs.environ(), capture_output=True, text=True, timeout=120)


def test_example_migrated_connection(docs: Docs, tmp_path: Path) -> None:
    """The official connection example, changed as the page says, runs: main() runs and
    closes its client, with no warning (-W error) and nothing on stderr."""
    done = run_migrated(docs, checked()["migrated-connection"], tmp_path)
    assert (done.returncode, done.stdout, done.stderr) == (0, "closed 1\n", "")


def test_example_migrated_local(docs: Docs, tmp_path: Path) -> None:
    assert run(docs, "migrated-local", tmp_path).split() == ["2000", "readings"]


def test_example_pitfall_messages(docs: Docs, tmp_path: Path) -> None:
    pytest.importorskip("viam")
    assert run(docs, "pitfall-messages", tmp_path).strip() == "ok"


def test_example_pitfall_datetimes(docs: Docs, tmp_path: Path) -> None:
    assert "can't compare offset-naive and offset-aware datetimes" in run(docs, "pitfall-datetimes", tmp_path)


def test_example_pitfall_bad_key(docs: Docs, tmp_path: Path) -> None:
    assert run(docs, "pitfall-bad-key", tmp_path).strip() == "rejected: UNAUTHENTICATED"


# --------------------------------------------------------------------------- guides
def test_example_iterators(docs: Docs, tmp_path: Path) -> None:
    assert run(docs, "iterators", tmp_path).strip() == "2000"


def test_example_exports(docs: Docs, tmp_path: Path) -> None:
    out = run(docs, "exports", tmp_path)
    assert out.startswith("['component_name', 'component_type', 'data']") and out.rstrip().endswith("b'\\x89PNG'")
    assert len((tmp_path / "page.jsonl").read_text().splitlines()) == 100


def test_example_uploads(docs: Docs, tmp_path: Path) -> None:
    assert run(docs, "uploads", tmp_path).split() == ["4", "True", "True"]


def test_example_queries(docs: Docs, tmp_path: Path) -> None:
    out = run(docs, "queries", tmp_path)
    assert "'component_name': 'sensor-1', 'n': 2000" in out
    assert "[{'_id': 'sensor-1', 'top': 1999" in out and out.split()[-1] == "2000"


def test_example_arrow(docs: Docs, tmp_path: Path) -> None:
    pytest.importorskip("duckdb")
    pytest.importorskip("polars")
    assert run(docs, "arrow", tmp_path).split() == ["2000", "1999.0"]


def test_example_dataframes(docs: Docs, tmp_path: Path) -> None:
    pytest.importorskip("pandas")
    assert run(docs, "dataframes", tmp_path).split() == ["2000", "2000"]


def test_example_partitions(docs: Docs, tmp_path: Path) -> None:
    out = run(docs, "partitions", tmp_path)
    assert out.strip().endswith("2000 rows")
    assert int(out.split()[0]) >= 4


@pytest.mark.airflow
def test_example_airflow(docs: Docs, tmp_path: Path) -> None:
    pytest.importorskip("airflow.sdk")
    server = docs.server
    export_dir = tmp_path / "exports"
    export_dir.mkdir()
    dags = tmp_path / "dags"
    dags.mkdir()
    (dags / "example_airflow.py").write_text(checked()["airflow"])
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


@pytest.mark.airflow
def test_example_airflow_task(docs: Docs, tmp_path: Path) -> None:
    pytest.importorskip("airflow.sdk")
    assert run(docs, "airflow-task", tmp_path, EXPORT_DIR=str(tmp_path),
               AIRFLOW_HOME=str(tmp_path / "home")).split()[-1] == "2000"
    [written] = tmp_path.glob("readings-*.jsonl")
    assert len(written.read_text().splitlines()) == 2000 and not list(tmp_path.glob("*.tmp"))


@pytest.mark.dask
def test_example_dask(docs: Docs, tmp_path: Path) -> None:
    pytest.importorskip("dask.distributed")
    lines = run(docs, "dask", tmp_path).splitlines()
    npartitions, known, total = lines[0].split()
    assert int(npartitions) >= 4 and known == "True" and int(total) == sum(range(2000))
    from viam_data_sync import DataClient, create_filter

    server = docs.server  # other examples upload images too: count what the server holds
    with DataClient.from_api_key(server.api_key, server.api_key_id, server.address, insecure=True) as client:
        _, images, _ = client.binary_data_by_filter(create_filter(component_type="rdk:component:camera"),
                                                    count_only=True)
    assert images >= 1 and int(lines[1]) == images


@pytest.mark.spark
def test_example_spark(docs: Docs, tmp_path: Path) -> None:
    pytest.importorskip("pyspark.sql.datasource")
    if shutil.which("java") is None:
        pytest.skip("no Java runtime (scripts/test.sh installs openjdk-17-jre-headless when run as root)")
    lines = run(docs, "spark", tmp_path).splitlines()
    partitions, rows = lines[0].split()
    assert int(partitions) >= 4 and int(rows) == 2000
    assert lines[1] == "999.0"  # the first second: readings 0 to 999
    import pyarrow.parquet as pq

    assert pq.read_table(tmp_path / "readings.parquet").num_rows == 2000


def test_example_sync(docs: Docs, tmp_path: Path) -> None:
    out = run(docs, "sync", tmp_path).splitlines()
    assert out[0] == f"2000 tabular-after-{'0' * 24}.jsonl"
    assert out[1] == "0 None"
    assert len((tmp_path / "exports" / out[0].split()[1]).read_text().splitlines()) == 2000


def test_example_faults(docs: Docs, tmp_path: Path) -> None:
    assert run(docs, "faults", tmp_path).splitlines() == ["0", "gave up: UNAVAILABLE", "True"]


def test_example_clock(docs: Docs, tmp_path: Path) -> None:
    assert run(docs, "clock", tmp_path).strip() == "2"
