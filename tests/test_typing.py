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


@pytest.mark.skipif(
    importlib.util.find_spec("mypy") is None, reason="mypy not installed (pip install -e '.[dev]')"
)
def test_cli_package_checks_with_mypy_strict() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "viam_data_sync/cli", "--ignore-missing-imports",
         "--follow-imports=silent"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert proc.returncode == 0, f"mypy --strict failed (exit {proc.returncode}):\n{proc.stdout}{proc.stderr}"


def test_ruff_finds_no_errors():
    """Pyflakes-class errors (unused imports, undefined names, syntax): ruff's F and E9."""
    pytest.importorskip("ruff", reason="ruff (dev extra) not installed")
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--select", "F,E9", "viam_data_sync", "tests", "scripts"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
