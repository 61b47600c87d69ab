"""The Airflow provider with ``dag.test()`` (Airflow 3, SQLite) against a real local
server with auth on: a DAG plans a window and exports it in mapped tasks; the files'
union equals one full export, and a task failed on purpose and retried leaves one
complete file. Airflow runs in subprocesses (its configuration is per process)."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import grpc
import pytest

pytestmark = pytest.mark.airflow

pytest.importorskip("airflow.sdk")
pq = pytest.importorskip("pyarrow.parquet")

from viam_data_sync import DataClient, Partition, create_filter  # noqa: E402
from viam_data_sync._proto.app.data.v1 import data_pb2  # noqa: E402
from viam_data_sync.server import LocalDataServer  # noqa: E402

from .._interceptors import wrap_unary  # noqa: E402
from ..iterators._seed import T0, seed_readings  # noqa: E402

ROWS = 6000
HERE = Path(__file__).resolve().parent


class FailOneExportPage(grpc.ServerInterceptor):
    """Fails (UNAVAILABLE) the first ``TabularDataByFilter`` call that continues an
    export page chain (a cursor, pages of 1000): a task dies in the middle of its file."""

    def __init__(self) -> None:
        self.fired = 0

    def intercept_service(self, continuation, details):
        return wrap_unary(continuation, details, "TabularDataByFilter", self._maybe_fail)

    def _maybe_fail(self, inner, request, context):
        if not self.fired and request.data_request.last and request.data_request.limit == 1000:
            self.fired += 1
            context.abort(grpc.StatusCode.UNAVAILABLE, "injected: task dies mid-export")
        return inner(request, context)


@pytest.fixture(scope="module")
def airflow_env(tmp_path_factory):
    home = tmp_path_factory.mktemp("airflow")
    dags = home / "dags"
    dags.mkdir()
    (dags / "viam_export_window.py").write_text((HERE / "_airflow_dag.py").read_text())
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
    env.update(AIRFLOW_HOME=str(home), AIRFLOW__CORE__DAGS_FOLDER=str(dags), AIRFLOW__CORE__LOAD_EXAMPLES="False",
               AIRFLOW__CORE__UNIT_TEST_MODE="False")
    done = subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return home, dags, env


def rows_of_jsonl(path):
    return [json.loads(line) for line in Path(path).read_text().splitlines()]


def test_dag_test_plans_a_window_and_exports_it_exactly_once_with_a_retried_task(airflow_env, tmp_path):
    home, dags, env = airflow_env
    faults = FailOneExportPage()
    with LocalDataServer(interceptors=[faults]) as server:
        seed_readings(server.address, server.part_id, ROWS, metadata=[("authorization", f"Bearer {server.token()}")])
        connection = {"conn_type": "viam", "login": server.api_key_id, "password": server.api_key,
                      "host": server.address, "extra": {"insecure": True, "max_attempts": 1}}
        run_env = dict(env, AIRFLOW_CONN_VIAM_DEFAULT=json.dumps(connection), VIAM_TEST_DEST=str(tmp_path),
                       VIAM_TEST_LOGICAL_DATE=(T0 + dt.timedelta(hours=1)).isoformat())
        done = subprocess.run([sys.executable, str(dags / "viam_export_window.py")], env=run_env, cwd=tmp_path,
                              capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
        with DataClient.from_api_key(server.api_key, server.api_key_id, server.address, insecure=True) as client:
            window = create_filter(component_name="sensor-1", start_time=T0, end_time=T0 + dt.timedelta(hours=1))
            full = sorted(int(row.data["readings"]["i"]) for row in client.iter_tabular(window))
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["state"] == "success"
    assert faults.fired == 1
    exports = [t for t in result["tries"] if t[0].startswith("export_")]
    assert all(state == "success" for _, _, state, _ in exports)
    assert sorted(tries for *_, tries in exports)[-1] == 2          # one task failed, then passed on its retry
    assert sum(tries for *_, tries in exports) == len(exports) + 1

    xcoms = json.loads((tmp_path / "xcoms.json").read_text())
    plan = [Partition.from_json(item["partition"]) for item in xcoms["plan"]]
    assert len(plan) >= 2 and plan[0].start_ns == int(T0.timestamp()) * 10**9
    for fmt in ("jsonl", "parquet"):
        files = sorted((tmp_path / fmt).iterdir())
        # One file per partition, named by its key; no temporary file left behind.
        assert [f.name for f in files] == sorted(f"{p.key}.{fmt}" for p in plan)
        union = []
        for summary in xcoms[fmt]:
            path = Path(summary["path"])
            assert summary["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
            assert summary["bytes"] == path.stat().st_size
            ids = ([int(r["data"]["readings"]["i"]) for r in rows_of_jsonl(path)] if fmt == "jsonl"
                   else [int(v) for v in pq.read_table(path).column("data.readings.i").to_pylist()])
            assert summary["rows"] == len(ids)
            union += ids
        assert sorted(union) == full == list(range(ROWS))            # = one full export, exactly once
    schemas = {pq.read_schema(f) for f in (tmp_path / "parquet").iterdir()}
    assert len(schemas) == 1                                          # one schema for the plan


def test_the_provider_registers_the_viam_connection_type(airflow_env):
    _, _, env = airflow_env
    script = """
import json
from airflow.providers_manager import ProvidersManager
pm = ProvidersManager()
hook = pm.hooks["viam"]
behaviour = pm.field_behaviours["viam"]
print(json.dumps({"class": hook.hook_class_name, "package": hook.package_name,
                  "relabeling": behaviour["relabeling"], "hidden": behaviour["hidden_fields"],
                  "extras": sorted(pm.connection_form_widgets)}))
"""
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    info = json.loads(done.stdout.strip().splitlines()[-1])
    assert info["class"] == "viam_data_sync.airflow.hooks.ViamDataHook"
    assert info["package"] == "viam-data-sync"
    assert info["relabeling"] == {"login": "API key id", "password": "API key", "host": "Address (host:port)"}
    assert "extra" in info["hidden"]
    assert {f"extra__viam__{name}" for name in ("insecure", "timeout", "deadline", "max_attempts")} <= set(
        info["extras"])


def test_the_hook_builds_its_client_only_when_asked(airflow_env):
    _, _, env = airflow_env
    script = """
import json
from viam_data_sync.airflow import ViamDataHook
hook = ViamDataHook("viam_default")
assert hook._client is None
options = hook.client_options()
client = hook.get_conn()
assert hook.get_conn() is client
print(json.dumps({"address": options["address"], "insecure": options["insecure"], "timeout": options["timeout"],
                  "attempts": options["retry"].max_attempts, "repr": repr(client) + repr(hook)}))
hook.close()
"""
    conn = {"conn_type": "viam", "login": "key-id", "password": "top-secret-key", "host": "localhost", "port": 8080,
            "extra": {"insecure": "true", "timeout": 12, "max_attempts": 3}}
    done = subprocess.run([sys.executable, "-c", script], env=dict(env, AIRFLOW_CONN_VIAM_DEFAULT=json.dumps(conn)),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    info = json.loads(done.stdout.strip().splitlines()[-1])
    assert info["address"] == "localhost:8080" and info["insecure"] is True
    assert info["timeout"] == 12.0 and info["attempts"] == 3
    assert "top-secret-key" not in info["repr"]


def test_importing_the_provider_package_does_not_import_airflow():
    done = subprocess.run([sys.executable, "-c", "import sys, viam_data_sync.airflow as a; "
                           "info = a.get_provider_info(); print('airflow' in sys.modules, info['package-name'])"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "viam-data-sync"]


assert data_pb2  # the message module stays importable beside Airflow


def test_a_binary_plan_aims_at_the_sdks_items_per_partition_not_rows():
    """The plan operator passed its tabular default (100,000 rows) as ``target_items``
    of a binary plan, where ``plan_binary`` aims at 2,000 items."""
    import inspect

    from viam_data_sync.airflow import ViamPlanPartitionsOperator

    items = inspect.signature(DataClient.plan_binary).parameters["target_items"].default
    rows = inspect.signature(DataClient.plan_tabular).parameters["target_rows"].default
    assert ViamPlanPartitionsOperator(task_id="b", kind="binary").target_rows == items == 2_000
    assert ViamPlanPartitionsOperator(task_id="t", kind="tabular").target_rows == rows == 100_000
    assert ViamPlanPartitionsOperator(task_id="n", kind="binary", target_rows=50).target_rows == 50


def test_no_module_outside_the_cli_imports_the_cli():
    """Airflow, Dask and the SDK call the library; only the CLI's own modules import it."""
    import ast

    import viam_data_sync

    root = Path(viam_data_sync.__file__).parent
    offenders = []
    for path in root.rglob("*.py"):
        if path.relative_to(root).parts[0] == "cli":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([node.module or ""] if isinstance(node, ast.ImportFrom)
                     else [a.name for a in node.names] if isinstance(node, ast.Import) else [])
            offenders += [f"{path.relative_to(root)}:{node.lineno}" for name in names
                          if name == "viam_data_sync.cli" or name.startswith("viam_data_sync.cli.")]
    assert offenders == []
