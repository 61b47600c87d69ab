"""The Spark data sources in local mode (one SparkSession, ``local[2,2]``: two threads,
a failed task tried twice) against a real local server with auth on, in its own
process: the same rows as ``iter_tabular`` while writes continue, filters that narrow
the plan, one exact schema for every partition, no secret in the partitions, the
event log or an error, a task retried by Spark, Parquet written and read back, and
the binary source."""
from __future__ import annotations

import datetime as dt
import json
import logging
import os
import pickle
import secrets
import shutil
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.spark

pytest.importorskip("pyspark.sql.datasource")
pa = pytest.importorskip("pyarrow")
if shutil.which("java") is None:
    pytest.skip("no Java runtime (scripts/test.sh installs openjdk-17-jre-headless when run as root)",
                allow_module_level=True)

from pyspark.sql import SparkSession  # noqa: E402
from pyspark.sql import functions as F  # noqa: E402
from pyspark.sql.types import StructType  # noqa: E402

from viam_data_sync import DataClient, Partition, create_filter  # noqa: E402
from viam_data_sync.spark import ViamBinaryDataSource, ViamDataSource, register  # noqa: E402

from ..iterators._seed import T0  # noqa: E402
from ..partitions._workers import LiveWriter  # noqa: E402
from ._server_process import server_process  # noqa: E402

ROWS, OTHER_ROWS, IMAGES = 3000, 500, 6
SECRET = f"spark-secret-{secrets.token_hex(8)}"
ENV = ("VIAM_API_KEY", "VIAM_API_KEY_ID", "VIAM_APP_ADDRESS", "VIAM_INSECURE", "PYSPARK_PYTHON")


@pytest.fixture(scope="module")
def server():
    with server_process(SECRET, rows=ROWS, other_rows=OTHER_ROWS, images=IMAGES) as srv:
        yield srv


@pytest.fixture(scope="module")
def event_log(tmp_path_factory):
    return tmp_path_factory.mktemp("spark-events")


@pytest.fixture(scope="module")
def spark(server, event_log):
    saved = {name: os.environ.get(name) for name in ENV}
    # The executors' Python workers inherit this environment: their clients find the
    # credentials there (and run this interpreter, which has the package).
    os.environ.update(VIAM_API_KEY=SECRET, VIAM_API_KEY_ID=server.api_key_id, VIAM_APP_ADDRESS=server.address,
                      VIAM_INSECURE="1", PYSPARK_PYTHON=sys.executable)
    # py4j logs each connection it closes at INFO, the last ones from __del__ at interpreter
    # exit, when a handler another test configured may write to a closed stream.
    logging.getLogger("py4j").setLevel(logging.WARNING)
    session = (SparkSession.builder.master("local[2,2]").appName("viam-data-sync-tests")
               .config("spark.ui.enabled", "false")
               .config("spark.sql.session.timeZone", "UTC")
               .config("spark.sql.shuffle.partitions", "2")
               .config("spark.sql.python.filterPushdown.enabled", "true")
               .config("spark.eventLog.enabled", "true")
               .config("spark.eventLog.dir", str(event_log))
               .config("spark.eventLog.compress", "false")
               .config("spark.eventLog.rolling.enabled", "false")
               .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    register(session)
    try:
        yield session
    finally:
        session.stop()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def client(server) -> DataClient:
    return DataClient.from_api_key(SECRET, server.api_key_id, server.address, insecure=True)


def ids_of(rows) -> list:
    return [int(json.loads(row.data)["readings"]["i"]) for row in rows]


def events(event_log) -> list:
    """The Spark events logged so far (JSON lines; flushed at each job's end)."""
    return [json.loads(line) for path in Path(event_log).rglob("*") if path.is_file()
            for line in path.read_text().splitlines() if line.startswith("{")]


def at_ms(ms: int) -> dt.datetime:
    return T0 + dt.timedelta(milliseconds=ms)


def test_a_read_gives_exactly_the_rows_of_iter_tabular_while_writes_continue(spark, server):
    auth = [("authorization", f"Bearer {server.token}")]
    with LiveWriter(server.address, server.part_id, start=ROWS, batch=20, pause=0.05,
                    metadata=auth) as writer:
        writer.wait_for(3)  # live rows exist before the plan is made
        df = spark.read.format("viam").option("component_name", "sensor-1").option("target_rows", "700") \
            .load()
        assert df.rdd.getNumPartitions() >= 4
        read = df.select("data", "time_received").collect()
        writer.wait_for(2)  # and keep arriving after it
    got = ids_of(read)
    assert len(got) == len(set(got))
    assert sorted(got) == list(range(len(got))) and len(got) > ROWS  # the seeded rows, a prefix of the live
    with client(server) as c:
        stored = {int(row.data["readings"]["i"]): row.time_received for row in
                  c.iter_tabular(create_filter(component_name="sensor-1"))}
    newest = max(stored[i] for i in got)
    window = {i for i, when in stored.items() if when <= newest}
    assert set(got) == window  # every stored row of the window, once
    assert len(stored) > len(got)  # writes went on after the plan


def test_the_default_schema_is_the_capture_columns_times_and_data_as_json(spark, server):
    df = spark.read.format("viam").option("component_name", "sensor-2").load()
    assert df.schema == StructType.fromDDL(ViamDataSource({}).schema())
    assert [f.name for f in df.schema][-3:] == ["time_requested", "time_received", "data"]
    assert df.schema["time_received"].dataType.typeName() == "timestamp"
    rows = df.orderBy("time_received").collect()
    assert len(rows) == OTHER_ROWS
    first = rows[0]
    assert first.component_name == "sensor-2" and first.part_id == server.part_id and first.tags == []
    assert json.loads(first.data) == {"readings": {"i": 0.0}}
    assert first.time_received == at_ms(0).replace(tzinfo=None)            # session time zone UTC


def test_every_partition_gives_batches_of_exactly_the_declared_schema(spark, server):
    # Some partitions hold no row with `extra`: their batches must still be the declared schema.
    declared = StructType.fromDDL("time_received TIMESTAMP, `data.readings.i` DOUBLE, "
                                  "`data.readings.extra` STRING, data STRUCT<readings: STRUCT<i: DOUBLE>>")
    source = ViamDataSource({"component_name": "sensor-1", "end": at_ms(ROWS).isoformat(),
                             "target_rows": "500"})
    reader = source.reader(declared)
    partitions = reader.partitions()
    assert len(partitions) >= 5
    expected = pa.schema([pa.field("time_received", pa.timestamp("us", tz="UTC")),
                          pa.field("data.readings.i", pa.float64()),
                          pa.field("data.readings.extra", pa.string()),
                          pa.field("data", pa.struct([("readings", pa.struct([("i", pa.float64())]))]))])
    seen = []
    for partition in partitions:
        for batch in reader.read(pickle.loads(pickle.dumps(partition))):
            assert batch.schema.equals(expected)
            seen += batch.column("data.readings.i").to_pylist()
            assert batch.column("data").to_pylist()[0]["readings"]["i"] == batch.column(1)[0].as_py()
    assert sorted(seen) == [float(i) for i in range(ROWS)]
    # Spark checks the same schema on its executors, and flattens as declared.
    df = spark.read.format("viam").schema(declared).option("component_name", "sensor-1") \
        .option("end", at_ms(ROWS).isoformat()).option("target_rows", "500").load()
    rows = df.where(F.col("`data.readings.i`") < 3).orderBy("time_received").collect()
    assert [(r["data.readings.i"], r["data.readings.extra"], r.data.readings.i) for r in rows] == \
        [(0.0, None, 0.0), (1.0, None, 1.0), (2.0, None, 2.0)]


def test_filters_on_time_received_and_component_name_narrow_the_plan(spark, server):
    low, high = at_ms(999), at_ms(1999)

    def read(pushdown: bool):
        server.ask("reset")
        df = spark.read.format("viam").option("pushdown", str(pushdown).lower()).load()
        picked = df.where((F.col("time_received") > low) & (F.col("time_received") <= high)
                          & (F.col("component_name") == "sensor-1"))
        got = ids_of(picked.collect())
        return got, server.ask("counts")["rows"].get("TabularDataByFilter", 0)

    pushed, fetched = read(True)
    assert sorted(pushed) == list(range(1000, 2000))  # > and <= as Spark means them
    assert fetched <= 1000 + 10  # the window alone (and a few probes)
    everything, fetched_all = read(False)
    assert sorted(everything) == sorted(pushed)
    assert fetched_all >= ROWS + OTHER_ROWS  # without pushdown: every row


def test_pushdown_needs_spark_conf_and_says_which(spark):
    spark.conf.set("spark.sql.python.filterPushdown.enabled", "false")
    try:
        with pytest.raises(Exception) as failed:
            spark.read.format("viam").option("pushdown", "true").load() \
                .where(F.col("component_name") == "x").collect()
        assert "spark.sql.python.filterPushdown.enabled" in str(failed.value)
    finally:
        spark.conf.set("spark.sql.python.filterPushdown.enabled", "true")


def test_a_task_failed_mid_partition_is_retried_by_spark_and_rows_come_once(spark, server, event_log):
    server.ask("reset")
    server.ask("fail", code="UNAVAILABLE", times=1)
    df = (spark.read.format("viam").option("component_name", "sensor-1")
          .option("end", at_ms(ROWS).isoformat()).option("target_rows", "1000")
          .option("page_size", "100").option("batch_rows", "100").option("max_attempts", "1").load())
    got = ids_of(df.select("data").collect())
    counts = server.ask("counts")
    assert counts["armed"] == 0 and counts["fired"] >= 1  # a task died mid-partition
    assert sorted(got) == list(range(ROWS))  # and its retry gave each row once
    failures = [event for event in events(event_log) if event["Event"] == "SparkListenerTaskEnd"
                and event["Task End Reason"]["Reason"] == "ExceptionFailure"]
    assert any("injected: a reader dies mid-partition" in json.dumps(event) for event in failures)


def test_parquet_written_by_spark_reads_back_equal(spark, server, tmp_path):
    df = (spark.read.format("viam").option("component_name", "sensor-1").option("start", T0.isoformat())
          .option("end", at_ms(ROWS).isoformat()).option("target_rows", "1000").load())
    df.write.parquet(str(tmp_path / "readings"))
    back = spark.read.parquet(str(tmp_path / "readings"))
    assert back.schema == df.schema
    assert sorted(back.collect()) == sorted(df.collect())
    import pyarrow.parquet as pq

    table = pq.read_table(tmp_path / "readings")
    assert sorted(int(json.loads(text)["readings"]["i"]) for text in table.column("data").to_pylist()) == \
        list(range(ROWS))


def test_the_binary_source_gives_metadata_rows_and_the_files_when_asked(spark, server):
    df = spark.read.format("viam_binary").option("component_name", "cam").option("target_items", "2").load()
    assert df.schema == StructType.fromDDL(ViamBinaryDataSource({}).schema())
    assert df.rdd.getNumPartitions() >= 3
    rows = df.orderBy("time_received").collect()
    assert [(r.file_size_bytes, r.binary) for r in rows] == [(100, None)] * IMAGES
    assert all(r.binary_data_id and r.component_name == "cam" for r in rows)
    files = spark.read.format("viam_binary").option("component_name", "cam") \
        .option("include_binary_data", "true").load().orderBy("time_received").collect()
    assert [bytes(r.binary) for r in files] == [bytes([n]) * 100 for n in range(IMAGES)]


def test_no_secret_in_partitions_event_log_or_errors(spark, server, event_log):
    # A key given as options: used, and never shown.
    options = {"component_name": "sensor-2", "api_key": SECRET, "api_key_id": server.api_key_id,
               "address": server.address, "insecure": "true"}
    df = spark.read.format("viam").options(**options).load()
    assert df.count() == OTHER_ROWS
    reader = ViamDataSource(options).reader(StructType.fromDDL(ViamDataSource({}).schema()))
    partitions = reader.partitions()
    assert SECRET.encode() not in pickle.dumps(partitions)
    assert all(SECRET not in Partition.from_json(p.value).to_json() and SECRET not in repr(p)
               for p in partitions)
    assert SECRET not in repr(reader.query) and SECRET not in repr(vars(reader))
    # A wrong key, and a read that fails on the executors: the errors name neither key.
    wrong = f"wrong-{secrets.token_hex(8)}"
    with pytest.raises(Exception) as refused:
        spark.read.format("viam").options(**dict(options, api_key=wrong)).load().collect()
    assert "nauthenticated" in str(refused.value) or "UNAUTHENTICATED" in str(refused.value)
    server.ask("fail", code="PERMISSION_DENIED", times=100)
    try:
        with pytest.raises(Exception) as failed:
            spark.read.format("viam").options(**options).option("page_size", "100").load().collect()
    finally:
        server.ask("reset")
    assert "PERMISSION_DENIED" in str(failed.value) or "ermission" in str(failed.value)
    for error in (refused.value, failed.value):
        assert SECRET not in str(error) and wrong not in str(error)
    logs = [p for p in Path(event_log).rglob("*") if p.is_file()]
    assert logs
    for path in logs:
        text = path.read_bytes()
        assert SECRET.encode() not in text and wrong.encode() not in text


def test_bad_options_are_refused_before_anything_is_sent(spark, server):
    server.ask("reset")
    for options, words in [({"component": "x"}, "unknown option(s) 'component'"),
                           ({"target_rows": "many"}, "'target_rows' must be an integer"),
                           ({"start": "yesterday"}, "'start' must be an ISO 8601 time"),
                           ({"api_key": SECRET}, "go together")]:
        with pytest.raises(Exception) as refused:
            spark.read.format("viam").options(**options).load().collect()
        assert words in str(refused.value) and SECRET not in str(refused.value)
    assert server.ask("counts")["calls"] == {}
