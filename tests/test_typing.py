"""The package ships ``py.typed``, so its type hints must check with mypy."""
from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: The whole package under --strict (generated code excepted in pyproject.toml); the stubs
#: for grpcio and protobuf come with the dev extra.
MYPY_ARGS = ["--strict", "viam_data_sync"]


@pytest.mark.skipif(
    importlib.util.find_spec("mypy") is None, reason="mypy not installed (pip install -e '.[dev]')"
)
def test_mypy_strict_reports_no_errors() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", *MYPY_ARGS],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert proc.returncode == 0, f"mypy failed (exit {proc.returncode}):\n{proc.stdout}{proc.stderr}"


def test_ruff_finds_no_errors():
    """Pyflakes-class errors (unused imports, undefined names, syntax): ruff's F and E9."""
    pytest.importorskip("ruff", reason="ruff (dev extra) not installed")
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--select", "F,E9", "viam_data_sync", "tests", "scripts"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


README_EXAMPLE = ROOT / "tests" / "typing_examples" / "readme_example.py"


@pytest.mark.skipif(
    importlib.util.find_spec("mypy") is None, reason="mypy not installed (pip install -e '.[dev]')"
)
def test_readme_example_program_sees_concrete_types_under_strict() -> None:
    """A user program written from the README's examples, under ``mypy --strict``: each
    ``reveal_type`` shows the concrete type its ``# expect:`` comment names (never
    ``Any``), and a misspelt attribute is an error."""
    import re

    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--follow-imports=silent",
         str(README_EXAMPLE.relative_to(ROOT))],
        cwd=ROOT, capture_output=True, text=True, timeout=240,
    )
    name = README_EXAMPLE.name
    revealed = {int(m[1]): m[2] for m in re.finditer(rf"{name}:(\d+): note: Revealed type is \"(.+)\"", proc.stdout)}
    errors = {int(m[1]): m[2] for m in re.finditer(rf"{name}:(\d+): error: (.+)", proc.stdout)}
    lines = README_EXAMPLE.read_text().splitlines()
    expected = {n: line.split("# expect: ", 1)[1].strip() for n, line in enumerate(lines, 1) if "# expect: " in line}
    expected_errors = {n: line.split("# expect-error: ", 1)[1].strip()
                       for n, line in enumerate(lines, 1) if "# expect-error: " in line}
    assert len(expected) >= 14 and expected_errors
    for line, want in expected.items():
        assert revealed.get(line) == want, f"line {line}: revealed {revealed.get(line)!r}, expected {want!r}\n{proc.stdout}"
    assert not any("Any" == t or t.startswith("Any") for t in revealed.values())
    for line, want in expected_errors.items():
        assert want in errors.get(line, ""), f"line {line}: expected an error {want!r}\n{proc.stdout}"
    unexpected = {line: text for line, text in errors.items() if line not in expected_errors}
    assert not unexpected, f"unexpected errors in the example: {unexpected}\n{proc.stdout}"
