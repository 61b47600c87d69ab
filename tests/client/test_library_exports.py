"""The library's own exporter and ledger upload (``viam_data_sync.export_binary`` and
``upload_files``), as the CLI, ``dest=`` and the Airflow operators call them, against a
real local server: one layout, resumable, one batch-halving rule."""
from __future__ import annotations

import datetime as dt
import hashlib
import os

import grpc
import pytest

from viam_data_sync import (
    DataClient, ExportIncomplete, ResourceExhausted, create_filter, export_binary, upload_files,
)
from viam_data_sync.server import LocalDataServer
from viam_data_sync.testing import FaultInjector

UTC = dt.timezone.utc
T0 = dt.datetime(2025, 5, 1, tzinfo=UTC)
FILES = 12


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    faults = FaultInjector()
    with LocalDataServer(auth=False, interceptors=[faults]) as server:
        bodies = {}
        with DataClient(grpc.insecure_channel(server.address)) as client:
            for i in range(FILES):
                body = os.urandom(1000 + i)
                at = T0 + dt.timedelta(seconds=i)
                bid = client.binary_data_capture_upload(body, server.part_id, "rdk:component:camera", "cam",
                                                        "ReadImage", ".png", data_request_times=(at, at))
                bodies[bid] = body
        yield server, faults, bodies


def client_of(server):
    return DataClient(grpc.insecure_channel(server.address))


def digests(folder):
    return sorted(hashlib.sha256(p.read_bytes()).hexdigest() for p in (folder / "data").rglob("*") if p.is_file())


def test_a_partition_a_filter_and_dest_give_one_layout(env, tmp_path):
    server, _, bodies = env
    want = sorted(hashlib.sha256(b).hexdigest() for b in bodies.values())
    with client_of(server) as client:
        (partition,) = client.plan_binary(create_filter(component_name="cam"))
        by_partition = export_binary(client, partition, tmp_path / "p", include_metadata=True)
        by_filter = export_binary(client, create_filter(component_name="cam"), tmp_path / "f", include_metadata=True)
        client.binary_data_by_filter(create_filter(component_name="cam"), limit=FILES, dest=tmp_path / "d")
    assert by_partition.downloaded == by_filter.downloaded == FILES
    layouts = [sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
               for root in (tmp_path / "p", tmp_path / "f", tmp_path / "d")]
    assert layouts[0] == layouts[1] == layouts[2] and len(layouts[0]) == 2 * FILES  # data/ and metadata/
    assert digests(tmp_path / "p") == digests(tmp_path / "d") == want


def test_a_rerun_resumes_and_an_answer_short_of_its_metadata_is_refused(env, tmp_path):
    server, _, _ = env
    with client_of(server) as client:
        first = export_binary(client, create_filter(component_name="cam"), tmp_path)
        again = export_binary(client, create_filter(component_name="cam"), tmp_path)
    assert (first.downloaded, again.downloaded, again.skipped) == (FILES, 0, FILES)

    class Short:
        """A client whose bodies come back cut short."""

        def __init__(self, inner):
            self.inner = inner

        def __getattr__(self, name):
            return getattr(self.inner, name)

        def binary_data_by_ids(self, ids):
            items = self.inner.binary_data_by_ids(ids)
            for item in items:
                item.binary = item.binary[:-1]
            return items

    with client_of(server) as client, pytest.raises(ExportIncomplete):
        export_binary(Short(client), create_filter(component_name="cam"), tmp_path / "short")
    assert not list((tmp_path / "short").rglob("*.png"))


def test_a_slow_down_is_not_mistaken_for_a_size_limit(env, tmp_path):
    """One halving rule: only a size-limit RESOURCE_EXHAUSTED splits a batch; the
    service asking to slow down is retried by the call layer, then raised."""
    server, faults, _ = env
    method = "/viam.app.data.v1.DataService/BinaryDataByIDs"
    before = faults.calls[method]
    faults.fail("BinaryDataByIDs", grpc.StatusCode.RESOURCE_EXHAUSTED, details="quota: slow down")
    try:
        with DataClient(grpc.insecure_channel(server.address), retry=None) as client:
            with pytest.raises(ResourceExhausted):
                export_binary(client, create_filter(component_name="cam"), tmp_path, parallel=1)
    finally:
        faults.clear()
    assert faults.calls[method] - before == 1  # one batch of 12 files, not split into halves


def test_upload_files_keeps_a_ledger_so_a_rerun_stores_nothing_twice(env, tmp_path):
    server, _, _ = env
    folder = tmp_path / "outbox"
    folder.mkdir()
    for i in range(3):
        (folder / f"f{i}.bin").write_bytes(os.urandom(500))
    ledger = tmp_path / "ledger.jsonl"
    sent = []
    with client_of(server) as client:
        first = upload_files(client, [folder], server.part_id, component_name="outbox", recursive=True,
                             ledger=ledger, progress=sent.append)
        skipped = []
        second = upload_files(client, [folder], server.part_id, component_name="outbox", recursive=True,
                              ledger=ledger, on_skipped=skipped.append)
        stored = client.binary_data_by_filter(create_filter(component_name="outbox"), include_binary_data=False)[0]
    assert len(first) == 3 and second == [] and len(skipped) == 3 and sum(sent) == 1500
    assert len(stored) == 3
    with pytest.raises(IsADirectoryError):
        upload_files(None, [folder], server.part_id)
