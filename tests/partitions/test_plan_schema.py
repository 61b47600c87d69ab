"""One Arrow schema per plan, by default: a field null in every row of some partitions
and a number in another comes out ``double`` in all of them, so tables of partitions
read in separate processes concatenate with ``pa.concat_tables`` (before, the null
partitions typed it ``string`` and the concatenation failed)."""
from __future__ import annotations

import datetime as dt
import json
import multiprocessing

import grpc
import pyarrow as pa
import pytest

from viam_data_sync import DataClient, Partition, create_filter
from viam_data_sync.server import LocalDataServer

from ._workers import read_arrow

UTC = dt.timezone.utc
T0 = dt.datetime(2025, 2, 1, tzinfo=UTC)
GROUPS, PER_GROUP = 4, 50
F = create_filter(component_name="mixed")


@pytest.fixture(scope="module")
def server():
    with LocalDataServer(auth=False) as srv:
        with DataClient(grpc.insecure_channel(srv.address)) as client:
            for group in range(GROUPS):
                times = [(T0 + dt.timedelta(hours=group, milliseconds=i),) * 2 for i in range(PER_GROUP)]
                rows = [{"readings": {"i": group * PER_GROUP + i, "x": None if group < GROUPS - 1 else i * 0.5}}
                        for i in range(PER_GROUP)]
                client.tabular_data_capture_upload(rows, srv.part_id, "rdk:component:sensor", "mixed", "Readings",
                                                   times)
        yield srv


def _tables(server, plan):
    payloads = [(server.address, p.to_json()) for p in plan]
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        blobs = pool.map(read_arrow, payloads)
    return [pa.ipc.open_stream(blob).read_all() for blob in blobs]


def test_partitions_read_in_separate_processes_concatenate(server):
    with DataClient(grpc.insecure_channel(server.address)) as client:
        plan = client.plan_tabular(F, target_rows=PER_GROUP)
    assert len(plan) >= 2 and all(p.arrow_schema is not None for p in plan)
    tables = _tables(server, plan)
    combined = pa.concat_tables(tables)  # raises on differing schemas
    assert combined.num_rows == GROUPS * PER_GROUP
    assert combined.schema.field("data.readings.x").type == pa.float64()
    xs = combined.column("data.readings.x").to_pylist()
    assert sorted(x for x in xs if x is not None) == [i * 0.5 for i in range(PER_GROUP)]
    assert sum(x is None for x in xs) == (GROUPS - 1) * PER_GROUP


def test_without_the_plan_schema_the_null_partitions_disagree(server):
    """The same reads with no schema in the plan: what the default path used to give."""
    with DataClient(grpc.insecure_channel(server.address)) as client:
        plan = client.plan_tabular(F, target_rows=PER_GROUP, schema_sample_rows=0)
    assert all(p.arrow_schema is None for p in plan)
    types = {t.schema.field("data.readings.x").type for t in _tables(server, plan)}
    assert types == {pa.string(), pa.float64()}
    with pytest.raises(pa.ArrowInvalid):
        pa.concat_tables(_tables(server, plan))


def test_the_schema_travels_in_json_and_pickle(server):
    import pickle

    with DataClient(grpc.insecure_channel(server.address)) as client:
        plan = client.plan_tabular(F, target_rows=PER_GROUP)
    for p in plan:
        assert Partition.from_json(p.to_json()) == p == pickle.loads(pickle.dumps(p))
        assert "arrow_schema" not in repr(p)
    older = json.loads(plan[0].to_json())
    del older["arrow_schema"]  # a payload written before plans carried a schema
    assert Partition.from_json(older).arrow_schema is None
