"""Arrow output of the iterators and of SQL/MQL, against a real local server: the
schema (metadata first, then readings), batches, one schema across the partitions of
a plan, and DuckDB, Polars and pyarrow reading an iterator through
``__arrow_c_stream__``."""
from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap
from pathlib import Path

import grpc
import pytest

pa = pytest.importorskip("pyarrow")

from viam_data_sync import DataClient, create_filter  # noqa: E402
from viam_data_sync._extras import missing_extra_hint  # noqa: E402
from viam_data_sync._frames import METADATA_COLUMNS  # noqa: E402
from viam_data_sync.server import LocalDataServer  # noqa: E402

from ..iterators._seed import T0, seed_readings  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]

ROWS = 2500
SENSOR = create_filter(component_name="sensor-1")
STAMP = pa.timestamp("ns", tz="UTC")


@pytest.fixture(scope="module")
def env():
    with LocalDataServer(auth=False) as server:
        seed_readings(server.address, server.part_id, ROWS)
        with client_for(server) as client:
            # "gauge": 300 readings whose "load" is null in the first 150 and a number
            # later, and whose "note" is a string only at the very end.
            times = [(T0 + dt.timedelta(seconds=k),) * 2 for k in range(300)]
            readings = [{"readings": {"k": k, "load": None if k < 150 else k / 2, "ok": k % 2 == 0,
                                      **({"note": "late"} if k == 299 else {}), "arr": [k, k + 1]}}
                        for k in range(300)]
            client.tabular_data_capture_upload(readings, server.part_id, "rdk:component:sensor", "gauge",
                                               "Readings", times, tags=["t1"])
        yield server


def client_for(server):
    return DataClient(grpc.insecure_channel(server.address))


def test_to_arrow_schema_metadata_first_then_readings(env):
    with client_for(env) as client:
        rows = list(client.iter_tabular(create_filter(component_name="gauge")))
        table = client.iter_tabular(create_filter(component_name="gauge")).to_arrow()
    names = table.schema.names
    assert names[:len(METADATA_COLUMNS)] == list(METADATA_COLUMNS)
    assert names[len(METADATA_COLUMNS):] == ["time_requested", "time_received", "data.readings.arr",
                                             "data.readings.k", "data.readings.load", "data.readings.note",
                                             "data.readings.ok"]
    assert table.schema.field("time_received").type == STAMP
    assert table.schema.field("data.readings.load").type == pa.float64()   # null in the first pages
    assert table.schema.field("data.readings.ok").type == pa.bool_()
    assert table.schema.field("tags").type == pa.list_(pa.string())
    assert table.num_rows == 300
    got = table.to_pylist()
    for row, record in zip(rows, got):
        assert record["component_name"] == row.metadata.component_name == "gauge"
        assert record["tags"] == ["t1"]
        assert record["data.readings.k"] == row.data["readings"]["k"]
        assert record["data.readings.load"] == row.data["readings"]["load"]
        assert record["data.readings.arr"] == "[%s, %s]" % tuple(float(v) for v in row.data["readings"]["arr"])
        assert record["time_received"].to_pydatetime() == row.time_received
    assert [r["data.readings.note"] for r in got].count("late") == 1


def test_iter_batches_bounded_and_one_schema(env):
    with client_for(env) as client:
        it = client.iter_tabular(SENSOR, page_size=100)
        batches = list(it.iter_batches(batch_rows=700))
    assert [b.num_rows for b in batches] == [700, 700, 700, 400]
    assert len({b.schema for b in batches}) == 1
    ids = [i for b in batches for i in b.column("data.readings.i").to_pylist()]
    assert sorted(ids) == [float(i) for i in range(ROWS)]
    with pytest.raises(ValueError):
        client_for(env).iter_tabular(SENSOR).iter_batches(batch_rows=0)


def test_one_schema_across_the_partitions_of_a_plan(env):
    with client_for(env) as client:
        bare = client.plan_tabular(create_filter(component_name="gauge"), target_rows=100, schema_sample_rows=0)
        assert len(bare) == 3
        alone = [client.read_partition(p).to_arrow().schema for p in bare]
        # Inferred alone, the first partition (load null throughout, no note) differs.
        assert alone[0].field("data.readings.load").type == pa.string()
        assert alone[2].field("data.readings.load").type == pa.float64()
        plan = client.plan_tabular(create_filter(component_name="gauge"), target_rows=100)
        by_default = [client.read_partition(p).to_arrow().schema for p in plan]  # the plan's schema
        schema = client.arrow_schema(plan)
        assert all(s == schema for s in by_default)
        tables = [client.read_partition(p).to_arrow(schema=schema) for p in plan]
        batches = [b for p in plan for b in client.read_partition(p).iter_batches(60, schema=schema)]
    assert all(t.schema == schema for t in tables) and all(b.schema == schema for b in batches)
    assert schema.field("data.readings.load").type == pa.float64()
    assert schema.field("data.readings.note").type == pa.string()
    whole = pa.concat_tables(tables)
    assert sorted(whole.column("data.readings.k").to_pylist()) == [float(k) for k in range(300)]


def test_an_explicit_schema_is_kept_and_a_misfit_is_refused(env):
    schema = pa.schema([("component_name", pa.string()), ("time_received", STAMP),
                        ("data.readings.k", pa.int64()), ("data.readings.missing", pa.float32())])
    with client_for(env) as client:
        with pytest.warns(UserWarning, match="dropped"):
            table = client.iter_tabular(create_filter(component_name="gauge")).to_arrow(schema=schema)
        assert table.schema == schema
        assert table.column("data.readings.k").to_pylist() == list(range(300))
        assert table.column("data.readings.missing").null_count == 300
        bad = pa.schema([("data.readings.ok", pa.timestamp("s"))])
        with pytest.raises(ValueError, match="data.readings.ok"):
            with pytest.warns(UserWarning):
                client.iter_tabular(create_filter(component_name="gauge")).to_arrow(schema=bad)


def test_duckdb_polars_and_pyarrow_read_an_iterator_lazily(env):
    duckdb = pytest.importorskip("duckdb")
    pl = pytest.importorskip("polars")
    with client_for(env) as client:
        it = client.iter_tabular(SENSOR)  # noqa: F841 (DuckDB finds it by name)
        assert duckdb.sql('SELECT count(*), sum("data.readings.i") FROM it').fetchall() == [
            (ROWS, float(sum(range(ROWS))))]
        frame = pl.DataFrame(client.iter_tabular(SENSOR))
        assert frame.height == ROWS and frame["data.readings.i"].sum() == sum(range(ROWS))
        reader = pa.RecordBatchReader.from_stream(client.iter_tabular(SENSOR))
        assert reader.schema.names[-1] == "data.readings.i"
        assert reader.read_all().num_rows == ROWS
        assert pa.table(client.iter_tabular(create_filter(component_name="nobody"))).num_rows == 0


def test_sql_and_mql_arrow_variants_equal_the_documents(env):
    org = env.organization_id
    sql = ("SELECT component_name, time_received, data FROM readings WHERE component_name = 'gauge' "
           "AND time_received >= CAST('2000-01-01T00:00:00Z' AS TIMESTAMP) ORDER BY time_received")
    with client_for(env) as client:
        docs = client.tabular_data_by_sql(org, sql)
        table = client.tabular_data_by_sql_arrow(org, sql)
        fallback = client.tabular_data_by_sql_arrow(org, sql, schema=table.schema)  # pymongo's bson path
        pipeline = [{"$match": {"component_name": "gauge"}}, {"$sort": {"time_received": 1}},
                    {"$project": {"_id": 0, "k": "$data.readings.k", "time_received": 1}}]
        mql = client.tabular_data_by_mql_arrow(org, pipeline)
        mql_docs = client.tabular_data_by_mql(org, pipeline)
    assert table.num_rows == len(docs) == 300
    assert table.schema.field("time_received").type.tz == "UTC"
    assert table.column("time_received").to_pylist() == [d["time_received"] for d in docs]
    assert [d["readings"]["k"] for d in table.column("data").to_pylist()] == [d["data"]["readings"]["k"]
                                                                            for d in docs]
    assert fallback.equals(table)
    assert mql.column("k").to_pylist() == [d["k"] for d in mql_docs]


def test_select_star_with_empty_documents_decodes(env):
    sql = ("SELECT * FROM readings WHERE component_name = 'gauge' "
           "AND time_received >= CAST('2000-01-01T00:00:00Z' AS TIMESTAMP)")
    with client_for(env) as client:
        table = client.tabular_data_by_sql_arrow(env.organization_id, sql)
        docs = client.tabular_data_by_sql(env.organization_id, sql)
    assert table.num_rows == len(docs) == 300
    assert table.column("component_name").to_pylist() == [d["component_name"] for d in docs]


def test_binary_and_mql_iterators_to_arrow(env):
    with client_for(env) as client:
        for n in range(3):
            at = T0 + dt.timedelta(seconds=n)
            client.binary_data_capture_upload(bytes([n]) * 10, env.part_id, "rdk:component:camera", "cam",
                                              "ReadImage", ".bin", data_request_times=(at, at))
        table = client.iter_binary(create_filter(component_name="cam")).to_arrow()
        assert table.column("binary").to_pylist() == [bytes([n]) * 10 for n in range(3)]
        assert table.column("file_size_bytes").to_pylist() == [10, 10, 10]
        assert table.column("component_name").to_pylist() == ["cam"] * 3
        docs = client.iter_mql(env.organization_id, [{"$match": {"component_name": "gauge"}}], page_size=64)
        assert docs.to_arrow().num_rows == 300
        points = client.iter_export_tabular(env.part_id, "gauge", "rdk:component:sensor", "Readings").to_arrow()
        assert points.num_rows == 300
        assert sorted(points.column("payload.readings.k").to_pylist()) == [float(k) for k in range(300)]


def test_importing_the_sdk_never_imports_pyarrow():
    script = """
        import sys
        import viam_data_sync
        from viam_data_sync import DataClient, create_filter
        print("pyarrow" in sys.modules, "pymongoarrow" in sys.modules)
    """
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(script)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", "False"]


def test_without_the_extras_the_error_names_them(env):
    """``sys.modules[name] = None`` is how Python spells "not installed" for one process."""
    script = f"""
        import sys
        sys.modules["pyarrow"] = None
        sys.modules["dask"] = None
        import grpc
        from viam_data_sync import DataClient, create_filter
        from viam_data_sync.dask import read_tabular
        client = DataClient(grpc.insecure_channel("{env.address}"))
        rows = client.iter_tabular(create_filter(component_name="gauge"))
        assert next(rows).data["readings"]["k"] == 0       # the SDK works without them
        for attempt in (lambda: client.iter_tabular().to_arrow(), lambda: read_tabular()):
            try:
                attempt()
            except ImportError as exc:
                print(exc)
    """
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(script)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    # Not on PyPI: each hint names this installation's source (an editable clone here),
    # never `pip install 'viam-data-sync[...]'`.
    assert out.stdout.splitlines() == [
        missing_extra_hint("Arrow output needs", "arrow"), missing_extra_hint("the Dask reader needs", "dask")]
    assert all(f"{ROOT}[" in line for line in out.stdout.splitlines()), out.stdout
