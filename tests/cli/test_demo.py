"""``demo`` end to end: exit 0, the promised files, a passing summary."""

from __future__ import annotations

import json
import os

from .conftest import run_cli


def test_demo_runs_end_to_end(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIAM_")}
    out = tmp_path / "demo"
    result = run_cli(["demo", "--out", str(out)], env, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "demo passed" in result.stdout
    summary = json.loads((out / "summary.json").read_text())
    assert summary["ok"] and not summary["failures"]
    assert summary["seconds"] < 60
    assert {step["step"] for step in summary["steps"] if step["ok"]} >= {
        "export tabular -> jsonl",
        "export tabular -> csv",
        "SQL query",
        "MQL aggregation",
        "export binary",
        "tags",
        "dataset",
    }
    for name in ("tabular/readings.jsonl", "tabular/readings.csv", "queries/sql.jsonl", "queries/mql.jsonl"):
        assert (out / name).stat().st_size > 0, name
    rows = (out / "tabular" / "readings.jsonl").read_text().splitlines()
    assert len(rows) == summary["rows_uploaded"]
    data = [p for p in (out / "binary" / "data").iterdir() if not p.name.startswith(".")]
    assert len(data) == summary["files_uploaded"]
    assert len(list((out / "binary" / "metadata").glob("*.json"))) == len(data)
    # The server's key is never printed.
    assert "api_key" not in result.stdout
