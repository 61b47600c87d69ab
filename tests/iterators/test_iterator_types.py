"""The iterators are typed by their rows: mypy sees ``TabularData``, ``BinaryData``,
``TabularDataPoint`` and ``Dict[str, Any]``, not ``Any``; and the iteration modules
pass ``mypy --strict``."""
from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STRICT_MODULES = ["viam_data_sync/_iterators.py", "viam_data_sync/_row_iterator.py", "viam_data_sync/_filter_iterator.py",
                  "viam_data_sync/_mql_iterator.py", "viam_data_sync/_export_iterator.py", "viam_data_sync/_pages.py",
                  "viam_data_sync/_fetching.py", "viam_data_sync/_pagination.py"]

SNIPPET = '''\
from viam_data_sync import DataClient


def rows(client: DataClient) -> None:
    reveal_type(next(client.iter_tabular()))
    reveal_type(next(client.iter_binary()))
    reveal_type(next(client.iter_export_tabular("p", "r", "a", "m")))
    reveal_type(next(client.iter_mql("o", [])))
    reveal_type(next(client.iter_tabular().iter_pages()))
    for row in client.iter_tabular():
        reveal_type(row)
'''

EXPECTED = [
    "viam_data_sync._models.TabularData",
    "viam_data_sync._proto.app.data.v1.data_pb2.BinaryData",
    "viam_data_sync._models.TabularDataPoint",
    "dict[str, Any]",
    "list[viam_data_sync._models.TabularData]",
    "viam_data_sync._models.TabularData",
]


@pytest.mark.skipif(importlib.util.find_spec("mypy") is None, reason="mypy not installed (pip install -e '.[dev]')")
def test_rows_have_their_types_and_the_iteration_modules_pass_strict(tmp_path):
    snippet = tmp_path / "typed_rows.py"
    snippet.write_text(SNIPPET)
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--ignore-missing-imports", "--follow-imports=silent",
         *STRICT_MODULES, str(snippet)],
        cwd=ROOT, capture_output=True, text=True, timeout=240,
    )
    lines = proc.stdout.splitlines()
    revealed = [m.group(1) for line in lines if (m := re.search(r'Revealed type is "(.*)"', line))]
    assert revealed == EXPECTED, proc.stdout
    # Generated protobuf stubs have their own findings; these modules must have none.
    ours = [line for line in lines if line.startswith(tuple(STRICT_MODULES))]
    assert ours == [], "\n".join(ours)
    assert not [line for line in lines if line.startswith(str(snippet)) and ": error:" in line], proc.stdout
