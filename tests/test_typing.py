"""The package ships ``py.typed``, so its type hints must check with mypy."""
from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

MYPY_ARGS = ["viam_data_sync", "--ignore-missing-imports", "--exclude", "viam_data_sync/_proto"]


@pytest.mark.skipif(
    importlib.util.find_spec("mypy") is None, reason="mypy not installed (pip install -e '.[dev]')"
)
def test_mypy_reports_no_errors() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", *MYPY_ARGS],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert proc.returncode == 0, f"mypy failed (exit {proc.returncode}):\n{proc.stdout}{proc.stderr}"
