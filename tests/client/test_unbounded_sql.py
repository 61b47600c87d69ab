"""APP-10891: an unbounded SELECT over ``readings`` is a Python warning people see
(``UnboundedReadingsWarning``), once per call site, and only for a SELECT that parses."""
from __future__ import annotations

import logging
import subprocess
import sys
import textwrap
import warnings

import pytest

import viam_data_sync
from viam_data_sync import DataClient, InvalidArgument, UnboundedReadingsWarning
from viam_data_sync._unbounded_sql import MESSAGE, unbounded_readings_select
from viam_data_sync.server import LocalDataServer

BOUND = "time_received >= CAST('2024-01-01T00:00:00Z' AS TIMESTAMP)"

CASES = [
    ("SELECT COUNT(*) AS n FROM readings", True),
    ("SELECT * FROM readings LIMIT 5", True),
    ("select * from READINGS;", True),
    ("SELECT * FROM \"readings\" WHERE component_name = 'a'", True),
    ("SELECT * FROM sensorData.readings", True),
    ("SELECT * FROM readings WHERE time_received < '2024-01-01'", True),
    ("SELECT time_received FROM readings ORDER BY time_received", True),
    ("SELECT * FROM readings WHERE time_received IS NOT NULL", True),
    ("SELECT n FROM (SELECT COUNT(*) n FROM readings) t WHERE time_received >= 'a'", True),
    ("WITH r AS (SELECT * FROM readings) SELECT * FROM r", True),
    (f"SELECT * FROM readings WHERE {BOUND} UNION ALL SELECT * FROM readings", True),
    (f"SELECT * FROM readings WHERE x IN (SELECT y FROM readings WHERE {BOUND})", True),
    ("SELECT * FROM readings WHERE name NOT IN ('a') AND x IS NOT NULL", True),
    (f"SELECT * FROM readings WHERE {BOUND}", False),
    ("SELECT * FROM readings r WHERE r.time_received > '2024-01-01'", False),
    ("SELECT * FROM readings WHERE '2024-01-01' <= readings.time_received", False),
    ("SELECT * FROM readings WHERE \"time_received\" BETWEEN 'a' AND 'b'", False),
    ("SELECT * FROM readings WHERE (component_name = 'x' AND time_received >= 'a')", False),
    ("SELECT n FROM (SELECT COUNT(*) n FROM readings WHERE time_received >= 'a') t", False),
    (f"SELECT * FROM readings -- a comment\n WHERE {BOUND} GROUP BY component_name ORDER BY 1 DESC", False),
    ("SELECT data.readings.temp FROM other", False),
    ("SELECT 1", False),
    # not a SELECT
    ("DELETE FROM readings", False),
    ("DELETE FROM readings WHERE component_name = 'a'", False),
    # does not parse
    ("SELECT * FROM readings WHERE", False),
    ("SELECT FROM readings", False),
    ("SELECT * FROM readings WHERE x = 2 *", False),
    ("SELECT a,, b FROM readings", False),
    ("SELECT * FROM readings WHERE name = 'unterminated", False),
    ("SELECT * FROM readings /* an open comment", False),
    ("SELECT (a FROM readings", False),
    ("SELECT * FROM readings; DROP TABLE x", False),
    ("SELEC * FROM readings", False),
    ("SELECT * FROM readings WHERE x = #1", False),
]


@pytest.mark.parametrize(("sql", "unbounded"), CASES)
def test_what_counts_as_an_unbounded_readings_select(sql: str, unbounded: bool) -> None:
    assert unbounded_readings_select(sql) is unbounded


def test_the_warning_is_a_public_user_warning() -> None:
    assert viam_data_sync.UnboundedReadingsWarning is UnboundedReadingsWarning
    assert issubclass(UnboundedReadingsWarning, UserWarning)
    assert "UnboundedReadingsWarning" in viam_data_sync.__all__


@pytest.fixture(scope="module")
def server():
    with LocalDataServer(auth=True) as srv:
        yield srv


def _client(server: LocalDataServer) -> DataClient:
    return DataClient.from_api_key(server.api_key, server.api_key_id, server.address, insecure=True)


def test_the_call_warns_at_the_callers_line_and_still_sends(server, caplog) -> None:
    with _client(server) as client, warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        with caplog.at_level(logging.WARNING, logger="viam_data_sync"):
            rows = client.tabular_data_by_sql(server.organization_id, "SELECT COUNT(*) AS n FROM readings")
    assert rows == [{"n": 0}]
    assert [(w.category, str(w.message), w.filename) for w in seen] == [
        (UnboundedReadingsWarning, MESSAGE, __file__)]
    assert "APP-10891" in MESSAGE
    assert caplog.records == []  # a warning, not a log line twice over


def test_no_warning_for_delete_or_sql_that_does_not_parse(server, caplog) -> None:
    with _client(server) as client, warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        with caplog.at_level(logging.WARNING, logger="viam_data_sync"):
            for sql in ("DELETE FROM readings", "SELECT * FROM readings WHERE x = 2 *"):
                with pytest.raises(InvalidArgument):
                    client.tabular_data_by_sql(server.organization_id, sql)
            client.tabular_data_by_sql(server.organization_id, f"SELECT COUNT(*) AS n FROM readings WHERE {BOUND}")
    assert seen == []
    assert "APP-10891" not in caplog.text


SCRIPT = textwrap.dedent(
    """
    import sys, warnings
    from viam_data_sync import DataClient, UnboundedReadingsWarning
    if sys.argv[5] == "ignore":
        warnings.filterwarnings("ignore", category=UnboundedReadingsWarning)
    client = DataClient.from_api_key(sys.argv[1], sys.argv[2], sys.argv[3], insecure=True)
    for _ in range(3):
        client.tabular_data_by_sql(sys.argv[4], "SELECT COUNT(*) AS n FROM readings")     # line 8
    print(client.tabular_data_by_sql(sys.argv[4], "SELECT * FROM readings LIMIT 1"))   # line 9
    client.close()
    """
)


@pytest.mark.parametrize("mode", ["default", "ignore"])
def test_a_script_sees_it_on_stderr_once_per_call_site(server, tmp_path, mode: str) -> None:
    script = tmp_path / "job.py"
    script.write_text(SCRIPT)
    proc = subprocess.run(
        [sys.executable, str(script), server.api_key, server.api_key_id, server.address,
         server.organization_id, mode],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
    if mode == "ignore":
        assert proc.stderr == ""
        return
    assert proc.stderr.count(f"UnboundedReadingsWarning: {MESSAGE}") == 2, proc.stderr
    assert f"{script}:8: UnboundedReadingsWarning" in proc.stderr
    assert f"{script}:9: UnboundedReadingsWarning" in proc.stderr
    assert server.api_key not in proc.stderr


NOTEBOOK = textwrap.dedent(
    """
    import sys
    from viam_data_sync import DataClient
    client = DataClient.from_api_key(sys.argv[1], sys.argv[2], sys.argv[3], insecure=True)
    cell = 'client.tabular_data_by_sql(sys.argv[4], "SELECT COUNT(*) AS n FROM readings")'
    user_ns = {"client": client, "sys": sys, "__name__": "__main__"}
    for n in (1, 2, 1):   # cells 1 and 2, then cell 1 run again: each cell is its own file, line 1
        exec(compile(cell, f"/tmp/ipykernel_1/cell{n}.py", "exec"), user_ns)
    client.close()
    """
)


def test_a_notebook_sees_it_once_per_cell(server, tmp_path) -> None:
    """Notebook cells share one module (``__main__``) but are separate files."""
    proc = subprocess.run(
        [sys.executable, "-c", NOTEBOOK, server.api_key, server.api_key_id, server.address,
         server.organization_id],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.count("UnboundedReadingsWarning") == 2, proc.stderr
    assert "/tmp/ipykernel_1/cell1.py:1: UnboundedReadingsWarning" in proc.stderr
    assert "/tmp/ipykernel_1/cell2.py:1: UnboundedReadingsWarning" in proc.stderr


def _docstring_examples():
    """``(module, code)`` of every ``Example::`` block in the SDK's docstrings."""
    import ast
    from pathlib import Path

    package = Path(viam_data_sync.__file__).parent
    for path in sorted(package.rglob("*.py")):
        relative = path.relative_to(package).as_posix()
        if relative.startswith(("_proto/", "server/")) or relative == "_unbounded_sql.py":
            continue  # generated; the local server answers unbounded queries; what warns
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef)):
                continue
            doc = ast.get_docstring(node, clean=True) or ""
            for block in doc.split("Example::")[1:]:
                lines = []
                for line in block.splitlines()[1:]:
                    if line.strip() and not line.startswith(" "):
                        break
                    lines.append(line)
                yield relative, textwrap.dedent("\n".join(lines))


def test_docstring_examples_show_bounded_queries() -> None:
    import ast

    queries = []
    for module, code in _docstring_examples():
        try:
            tree = ast.parse(code)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and "from readings" in node.value.lower():
                queries.append((module, node.value))
    assert len(queries) >= 3, queries  # the examples are found at all
    assert [q for q in queries if unbounded_readings_select(q[1])] == []
