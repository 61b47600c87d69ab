"""Every docstring example (``help()``, the API reference) run against a local server.

Each runs in a fresh :class:`~viam_data_sync.server.LocalDataServer` (so the ones that
delete, upload or create cannot change what another reads), seeded with what the examples
stand for: readings of ``sensor-1``, an image of ``camera-1`` with a bounding box, a
dataset holding it, a sequence and a data pipeline. The placeholders a reader fills in are
bound here: the names (``client``, ``data_client``, ``org_id``, ``part_id``, ``my_filter``
...) in the namespace, the strings (``"<ORG-ID>"``, ``"<PART-ID>"`` ...) replaced in the
code by the seeded ids. An example that cannot run locally is in :data:`NOT_RUN` with
its reason; that set is asserted to be exactly the skipped one.
"""
from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple

import pytest

from .test_docstring_examples import docstring_examples

#: Examples not run here, with why. Asserted to be exactly the skipped set.
_CLOUD = "connects to app.viam.com, the ViamClient constructors' default app_url"
_DAG = "wires Airflow tasks together (.expand over plan.output), which needs a DAG; tests/airflow run the operators"
NOT_RUN: Dict[str, str] = {
    "viam_data_sync.ViamClient": _CLOUD,
    "viam_data_sync.ViamClient.create_from_dial_options": _CLOUD,
    "viam_data_sync.airflow": _DAG,
    "viam_data_sync.airflow.ViamExportPartitionOperator": _DAG,
    "viam_data_sync.airflow.ViamDataHook": "reads the Airflow connection 'viam_default' from an Airflow deployment",
    "viam_data_sync.dask": "starts a 4-worker dask.distributed cluster (read_tabular's own example runs here)",
}

EXAMPLES: List[Tuple[str, str]] = sorted((n, c) for n, c in docstring_examples() if not c.lstrip().startswith(">>>"))


class Seeded:
    """A started server, a connected client and the ids the examples stand for."""

    def __init__(self, tmp_path: Path, index: bool = True) -> None:
        from viam_data_sync import DataClient, create_filter
        from viam_data_sync.proto import DatasetType, IndexableCollection, SequenceResourceFilter
        from viam_data_sync.server import LocalDataServer, ManualClock

        self.clock = ManualClock(_dt.datetime(2025, 1, 1, tzinfo=_dt.timezone.utc))
        self.server = LocalDataServer(clock=self.clock).start()
        s = self.server
        self.client = DataClient.from_api_key(s.api_key, s.api_key_id, s.address, insecure=True)
        c = self.client
        when = (_dt.datetime(2025, 1, 1, 0, 30, tzinfo=_dt.timezone.utc),) * 2
        c.tabular_data_capture_upload([{"readings": {"temperature": 20.0 + i, "i": i}} for i in range(5)],
                                      s.part_id, "rdk:component:sensor", "sensor-1", "Readings",
                                      [when] * 5)
        self.binary_id = c.upload(b"\x89PNG seeded", s.part_id, file_name="seed.png", component_name="camera-1",
                                  component_type="rdk:component:camera", tags=["tag1"])
        self.bbox_id = c.add_bounding_box_to_image_by_id(self.binary_id, "cat", 0.1, 0.1, 0.5, 0.5)
        self.dataset_id = c.create_dataset("seeded", s.organization_id)
        self.dataset_id_2 = c.create_dataset("seeded-2", s.organization_id)
        c.add_binary_data_to_dataset_by_ids([self.binary_id], self.dataset_id)
        self.sequence_dataset_id = c.create_dataset("sequences", s.organization_id, DatasetType.DATASET_TYPE_SEQUENCE_DATA)
        self.sequence_id = c.create_sequence(s.part_id, [SequenceResourceFilter(resource_name="camera-1")],
                                             start_time=_dt.datetime(2025, 1, 1, tzinfo=_dt.timezone.utc),
                                             end_time=_dt.datetime(2025, 1, 2, tzinfo=_dt.timezone.utc))
        c.add_sequences_to_dataset(self.sequence_dataset_id, [self.sequence_id])
        if index:
            c.create_index(s.organization_id, IndexableCollection.INDEXABLE_COLLECTION_HOT_STORE,
                           {"keys": {"component_name": 1}})
        self.pipeline_id = c.create_data_pipeline(s.organization_id, "seeded", [{"$match": {}}], "0 * * * *",
                                                  enable_backfill=False)
        self.filter = create_filter(component_name="sensor-1")

    def close(self) -> None:
        self.client.close()
        self.server.stop()


def _substitutions(s: Seeded, tmp_path: Path) -> Dict[str, str]:
    server = s.server
    return {
        "<YOUR-ORGANIZATION-ID>": server.organization_id, "<ORGANIZATION-ID>": server.organization_id,
        "<YOUR-ORG-ID>": server.organization_id, "<ORG-ID>": server.organization_id,
        "<YOUR-LOCATION-ID>": server.location_id, "<PART-ID>": server.part_id,
        "<API-KEY-ID>": server.api_key_id, "<API-KEY>": server.api_key,
        "<YOUR-DATASET-ID-1>": s.dataset_id, "<YOUR-DATASET-ID-2>": s.dataset_id_2,
        "<DATASET-ID-1>": s.dataset_id, "<DATASET-ID-2>": s.dataset_id_2,
        "<YOUR-DATASET-ID>": s.dataset_id, "<SEQUENCE-DATASET-ID>": s.sequence_dataset_id,
        "<DATASET-NAME>": "new-dataset", "<NEW-DATASET-NAME>": "merged",
        "<YOUR-BINARY-DATA-ID>": s.binary_id, "<YOUR-BOUNDING-BOX-ID>": s.bbox_id,
        "<SEQUENCE-ID>": s.sequence_id, "<YOUR-DATA-PIPELINE-ID>": s.pipeline_id,
        "<RESOURCE-NAME>": "sensor-1", "<RESOURCE-API>": "rdk:component:sensor", "<METHOD-NAME>": "Readings",
        "/data/": f"{tmp_path}/data/", "app.viam.com:443": server.address,
        # the cloud is these constructors' default address; a local server is given explicitly
        'from_api_key("<API-KEY>", "<API-KEY-ID>")': f'from_api_key("{server.api_key}", "{server.api_key_id}", "{server.address}", insecure=True)',
        'from_api_key(api_key, api_key_id)': f'from_api_key(api_key, api_key_id, "{server.address}", insecure=True)',
        'from_api_key(key, key_id, ': f'from_api_key(key, key_id, "{server.address}", insecure=True, ',
    }


def _namespace(s: Seeded, tmp_path: Path) -> Dict[str, Any]:
    import grpc

    import viam_data_sync
    from viam_data_sync import DataClient, Partition, ViamClient, create_filter
    from viam_data_sync.proto import IndexableCollection
    from viam_data_sync.server import LocalDataServer
    from viam_data_sync.testing import LatencyInjector

    server, client = s.server, s.client
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "run-42.mcap").write_bytes(b"mcap bytes")
    (tmp_path / "data" / "log.txt").write_bytes(b"log line\n")
    (tmp_path / "data" / "outbox").mkdir()
    (tmp_path / "captures").mkdir()
    (tmp_path / "captures" / "a.jpg").write_bytes(b"jpeg bytes")
    item = next(iter(client.iter_binary(create_filter(component_name="camera-1"))))
    plan = client.plan_tabular(s.filter)
    saved: List[Any] = []
    namespace: Dict[str, Any] = {}
    exec("from viam_data_sync import *\nfrom viam_data_sync.server import *\n"
         "from viam_data_sync.dask import *\nfrom viam_data_sync.airflow import *", namespace)  # as a reader has them
    return {
        **namespace,
        "__name__": "example",
        "viam_data_sync": viam_data_sync, "DataClient": DataClient, "Partition": Partition,
        "create_filter": create_filter, "IndexableCollection": IndexableCollection, "Path": Path,
        "datetime": _dt.datetime, "timezone": _dt.timezone, "grpc": grpc,
        "LocalDataServer": LocalDataServer, "LatencyInjector": LatencyInjector,
        "client": client, "data_client": client, "other_client": client, "viam_client": ViamClient(client),
        "server": server, "admin": server.admin, "clock": s.clock,
        "other": server.create_organization("other-org"),
        "api_key": server.api_key, "api_key_id": server.api_key_id, "key": server.api_key,
        "key_id": server.api_key_id, "token": server.token(),
        "org_id": server.organization_id, "part_id": server.part_id,
        "f": s.filter, "my_filter": s.filter, "item": item, "plan": plan, "payload": plan[0].to_json(),
        "sql": "SELECT * FROM readings LIMIT 5", "job_id": client.start_sequence_dataset_export(s.sequence_dataset_id),
        "path": tmp_path / "captures" / "a.jpg", "destination": server.part_id,
        "handle": lambda row: None, "save": saved.append,
    }


@pytest.fixture
def seeded(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Seeded]:
    s = Seeded(tmp_path, index="create_index" not in request.node.callspec.params["code"])
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("VIAM_API_KEY", s.server.api_key)
    monkeypatch.setenv("VIAM_API_KEY_ID", s.server.api_key_id)
    monkeypatch.setenv("VIAM_APP_ADDRESS", s.server.address)
    monkeypatch.setenv("VIAM_INSECURE", "1")
    try:
        yield s
    finally:
        s.close()


def test_the_not_run_list_names_real_examples() -> None:
    """Exactly the examples skipped below: a renamed or removed one fails here."""
    assert set(NOT_RUN) <= {name for name, _ in EXAMPLES}
    assert len({name for name, _ in EXAMPLES}) == len(EXAMPLES), "two examples under one name"


@pytest.mark.parametrize("name,code", EXAMPLES, ids=[n for n, _ in EXAMPLES])
def test_example_runs_against_a_local_server(name: str, code: str, seeded: Seeded, tmp_path: Path) -> None:
    if name in NOT_RUN:
        pytest.skip(NOT_RUN[name])
    namespace = _namespace(seeded, tmp_path)
    for placeholder, value in sorted(_substitutions(seeded, tmp_path).items(), key=lambda kv: -len(kv[0])):
        code = code.replace(placeholder, value)
    exec(compile(code, f"<example {name}>", "exec"), namespace)


def test_the_reference_page_gives_these_counts() -> None:
    """docs/reference/index.md says how many run; it changes with the examples."""
    total = len(list(docstring_examples()))
    ran = total - len(NOT_RUN)
    page = (Path(__file__).parents[2] / "docs" / "reference" / "index.md").read_text()
    assert f"{ran} of the {total} run" in " ".join(page.split())
