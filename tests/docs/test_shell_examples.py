"""Every shell example of the documentation marked ``<!-- checked-shell: NAME -->``, run
with bash (``set -euo pipefail``) as a reader would after pasting ``serve``'s export line,
against a real local server, with the CLI of this installation on ``PATH``."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from ._pages import checked
from .conftest import Docs


def run(docs: Docs, name: str, tmp_path: Path) -> subprocess.CompletedProcess:
    done = subprocess.run(["bash", "-c", "set -euo pipefail\n" + checked("checked-shell")[name]], cwd=tmp_path,
                          env=docs.environ(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-4000:]
    return done


def test_every_checked_shell_example_has_a_test() -> None:
    tested = {name[len("test_shell_"):].replace("_", "-") for name in globals() if name.startswith("test_shell_")}
    assert set(checked("checked-shell")) == tested


def test_shell_exports(docs: Docs, tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")  # the Parquet line needs the arrow extra
    run(docs, "exports", tmp_path)
    assert len((tmp_path / "readings.jsonl").read_text().splitlines()) == 2000
    assert len((tmp_path / "readings.csv").read_text().splitlines()) == 2001  # a header
    assert (tmp_path / "readings.parquet").stat().st_size > 0
    assert [p.name for p in (tmp_path / "images" / "data").iterdir()] == ["1970-01-01T00_00_00Z_seed.png"]
    assert len(list((tmp_path / "images" / "metadata").iterdir())) == 1


def test_shell_uploads(docs: Docs, tmp_path: Path) -> None:
    run(docs, "uploads", tmp_path)
    ledger = (tmp_path / "uploads.jsonl").read_text().splitlines()
    assert len(ledger) == 2  # the second run skipped both files


def test_shell_queries(docs: Docs, tmp_path: Path) -> None:
    out = run(docs, "queries", tmp_path).stdout
    lines = out.splitlines()
    assert json.loads(lines[0]) == {"n": 2000}                         # sql, JSON Lines
    assert lines[1].split() == ["_id", "n"] and ["sensor-1", "2000"] in [line.split() for line in lines[3:]]
