"""One record shape: the CLI's ``export tabular`` JSON Lines and the SDK's
``tabular_data_by_filter(..., dest=)`` write the very same bytes for the same rows."""

from __future__ import annotations

import datetime as dt
import json
import os

from viam_data_sync import DataClient, create_filter
from viam_data_sync._models import TABULAR_COLUMNS
from viam_data_sync.proto import Order
from viam_data_sync.server import LocalDataServer

from .conftest import run_cli

T0 = dt.datetime(2026, 3, 4, 5, 6, 7, 123456, tzinfo=dt.timezone.utc)
ROWS = 30


def _reading(i: int) -> dict:
    # Keys deliberately out of order, at every level; nulls, unicode, lists, nesting.
    return {
        "readings": {
            "zeta": i,
            "alpha": {"y": [i, None, "ü"], "b": None, "a": i / 7},
            "text": f'línea "{i}"\nsecond',
            "ok": i % 3 == 0,
        }
    }


def test_cli_jsonl_export_and_sdk_dest_are_byte_identical(tmp_path):
    cli_file, sdk_file = tmp_path / "cli.jsonl", tmp_path / "sdk.jsonl"
    with LocalDataServer(auth=True) as server:
        with DataClient.from_api_key(server.api_key, server.api_key_id, server.address, insecure=True) as client:
            times = [(T0 + dt.timedelta(seconds=i), T0 + dt.timedelta(seconds=i, milliseconds=5)) for i in range(ROWS)]
            for start in range(0, ROWS, 10):  # several captures, as a robot syncs them
                client.tabular_data_capture_upload(
                    [_reading(i) for i in range(start, start + 10)],
                    server.part_id,
                    "rdk:component:sensor",
                    "env-1",
                    "Readings",
                    times[start : start + 10],
                    method_parameters={"rate_hz": 2.5, "pin": "A1"},
                    tags=["zone-b", "zone-a"],
                )
            client.tabular_data_capture_upload(  # another sensor, filtered out by both
                [{"readings": {"x": 1}}], server.part_id, "rdk:component:sensor", "env-2", "Readings", [times[0]]
            )
            rows, _, _ = client.tabular_data_by_filter(
                create_filter(component_name="env-1"),
                limit=1000,
                sort_order=Order.ORDER_ASCENDING,
                dest=sdk_file,
            )
        env = {k: v for k, v in os.environ.items() if not k.startswith("VIAM_")}
        env.update(VIAM_API_KEY=server.api_key, VIAM_API_KEY_ID=server.api_key_id,
                   VIAM_APP_ADDRESS=server.address, VIAM_INSECURE="1")
        result = run_cli(["export", "tabular", "--dest", str(cli_file), "--component-name", "env-1"], env)
    assert result.returncode == 0, result.stderr
    assert len(rows) == ROWS
    assert cli_file.read_bytes() == sdk_file.read_bytes()
    records = [json.loads(line) for line in sdk_file.read_text(encoding="utf-8").splitlines()]
    assert len(records) == ROWS and all(list(r) == list(TABULAR_COLUMNS) for r in records)
    assert records[0]["time_received"] == "2026-03-04T05:06:07.128456Z"
    assert records[0]["method_parameters"] == {"pin": "A1", "rate_hz": 2.5}
    assert list(records[0]["data"]["readings"]) == ["alpha", "ok", "text", "zeta"]
