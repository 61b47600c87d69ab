"""Incremental sync (``DataClient.sync_tabular``) against a real local server: runs
killed (SIGKILL) at random points while readings keep arriving, some captured long
ago and uploaded late, lose nothing and repeat nothing."""
from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import textwrap
import time

import grpc
import pytest

from viam_data_sync import DataClient
from viam_data_sync.server import LocalDataServer

from ..iterators._seed import seed_readings
from ..partitions._workers import LiveWriter

SYNC = textwrap.dedent("""
    import sys, grpc
    from viam_data_sync import DataClient
    address, org, dest, state = sys.argv[1:5]
    with DataClient(grpc.insecure_channel(address)) as client:
        run = client.sync_tabular(org, dest, state=state, match={"component_type": "rdk:component:sensor"},
                                  page_size=20)
    print(run.rows)
""")


def client_for(server):
    return DataClient(grpc.insecure_channel(server.address))


def ids_in(folder):
    out = []
    for path in sorted(folder.glob("tabular-after-*.jsonl")):
        out += [json.loads(line)["_id"] for line in path.read_text().splitlines()]
    return out


def upload_late(server, start, count):
    """Readings captured in 2024 (buffered offline) and uploaded now."""
    seed_readings(server.address, server.part_id, count, component_name=f"late-{start}")


@pytest.mark.slow
def test_runs_killed_at_random_points_lose_nothing_and_repeat_nothing(tmp_path):
    dest, state = tmp_path / "out", tmp_path / "state.json"
    rng = random.Random(1313)
    killed = finished = 0
    with LocalDataServer(auth=False) as server:
        seed_readings(server.address, server.part_id, 400)
        late_uploads = 0
        def start(folder, state_file):
            return subprocess.Popen([sys.executable, "-c", SYNC, server.address, server.organization_id,
                                     str(folder), str(state_file)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)

        # How long a whole run takes here (a side run with its own state): the kill
        # points are drawn around it, so some runs die early, some mid-file, some late.
        began = time.monotonic()
        assert start(tmp_path / "side", tmp_path / "side.json").wait(timeout=120) == 0
        span = time.monotonic() - began
        with LiveWriter(server.address, server.part_id, start=1_000_000, batch=25, pause=0.1) as writer:
            for attempt in range(16):
                upload_late(server, attempt, 150)
                late_uploads += 150
                proc = start(dest, state)
                try:
                    proc.wait(timeout=rng.uniform(0.2, 1.3) * span)
                    finished += 1
                except subprocess.TimeoutExpired:
                    proc.send_signal(signal.SIGKILL)
                    proc.wait()
                    killed += 1
                    continue
                assert proc.returncode == 0, proc.stderr.read().decode()[-2000:]
            writer.wait_for(2)
        # Everything has arrived: run to the end, then once more (nothing new).
        with client_for(server) as client:
            last = client.sync_tabular(server.organization_id, dest, state=state,
                                       match={"component_type": "rdk:component:sensor"})
            again = client.sync_tabular(server.organization_id, dest, state=state,
                                        match={"component_type": "rdk:component:sensor"})
            everything = [doc["_id"] for doc in client.iter_mql(
                server.organization_id, [{"$match": {"component_type": "rdk:component:sensor"}}])]
            late = [doc["_id"] for doc in client.iter_mql(
                server.organization_id, [{"$match": {"component_name": {"$regex": "^late-"}}}])]
    got = ids_in(dest)
    assert again.path is None and again.rows == 0 and again.last == last.last
    assert len(got) == len(set(got))                 # nothing repeated
    assert set(got) == set(everything)               # nothing lost
    assert len(late) == late_uploads and set(late) <= set(got)   # late uploads included
    assert not list(dest.glob(".*.tmp"))            # no temporary file left behind
    print(f"{killed} runs killed, {finished} finished, {len(got)} rows")


def test_one_file_per_run_and_state_saved_after_the_file(tmp_path):
    dest, state = tmp_path / "out", tmp_path / "state.json"
    with LocalDataServer(auth=False) as server, client_for(server) as client:
        seed_readings(server.address, server.part_id, 500)
        first = client.sync_tabular(server.organization_id, dest, state=state)
        assert first.rows == 500 and first.after is None
        saved = json.loads(state.read_text())
        assert saved["last"] == first.last and saved["runs"] == 1
        # Late data (captured before everything exported so far) comes in the next run.
        upload_late(server, 0, 40)
        second = client.sync_tabular(server.organization_id, dest, state=state)
        assert second.rows == 40 and second.after == first.last and second.path != first.path
        assert sorted(p.name for p in dest.iterdir()) == sorted(
            [f"tabular-after-{'0' * 24}.jsonl", f"tabular-after-{first.last}.jsonl"])
        # A state saved before a run's file was replaced (a kill in between): the
        # rerun rewrites the same file, with what arrived meanwhile too.
        state.write_text(json.dumps(saved))
        upload_late(server, 1, 5)
        redo = client.sync_tabular(server.organization_id, dest, state=state)
        assert redo.path == second.path and redo.rows == 45
        assert len(ids_in(dest)) == len(set(ids_in(dest))) == 545
        parquet = client.sync_tabular(server.organization_id, tmp_path / "pq", state=tmp_path / "pq.json",
                                      format="parquet")
        assert parquet.rows == 545 and parquet.path.endswith(".parquet")
        with pytest.raises(ValueError, match="another organization or match"):
            client.sync_tabular(server.organization_id, dest, state=state, match={"component_name": "x"})
        with pytest.raises(ValueError, match="_id"):
            client.sync_tabular(server.organization_id, dest, state=state, match={"_id": "x"})
        with pytest.raises(ValueError):
            client.sync_tabular(server.organization_id, dest, state=state, format="csv")


def test_reading_ids_follow_the_order_of_storage(tmp_path):
    with LocalDataServer(tmp_path / "store.db", auth=False) as server:
        seed_readings(server.address, server.part_id, 100)
        upload_late(server, 0, 10)  # captured earlier than the first 100, stored after them
    with LocalDataServer(tmp_path / "store.db", auth=False) as server, client_for(server) as client:
        upload_late(server, 1, 10)  # after a restart too
        docs = list(client.iter_mql(server.organization_id, [{"$match": {}}], page_size=37))
    names = [doc["component_name"] for doc in docs]  # iter_mql pages in _id order
    assert names == ["sensor-1"] * 100 + ["late-0"] * 10 + ["late-1"] * 10
    assert all(len(doc["_id"]) == 24 for doc in docs)

