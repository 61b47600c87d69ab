"""Issue 14, the CLI half: progress on a terminal, clean failures, one-line errors,
formats, and usage errors that show the command's own usage. Each test runs the CLI
as a subprocess against the shared local server."""

from __future__ import annotations

import csv
import io
import json
import os
import socket

import pytest

from .conftest import CONSOLE_SCRIPT, ROWS_PER_SENSOR, SENSORS, run_cli, run_on_terminal

EXPORT = ["export", "tabular", "--page-size", "20"]


# ---------------------------------------------------------------------- progress (finding 2)
def test_export_on_a_terminal_shows_a_progress_bar(env, tmp_path):
    assert CONSOLE_SCRIPT.exists()
    dest = tmp_path / "rows.jsonl"
    # The seeded sensor readings only: other modules write readings of their own to the shared server.
    code, shown, _ = run_on_terminal([*EXPORT, "--component-type", "rdk:component:sensor", "--dest", str(dest)],
                                     env.environ())
    assert code == 0, shown
    total = len(SENSORS) * ROWS_PER_SENSOR
    assert f"/{total}" in shown and "row/s" in shown and "%|" in shown, shown  # tqdm's bar: total, rate
    assert "kB" in shown or "MB" in shown, shown  # the bytes written so far
    assert f"exported {total} rows" in shown


def test_binary_export_on_a_terminal_shows_files_and_bytes(env, tmp_path):
    code, shown, _ = run_on_terminal(
        ["export", "binary", "--dest", str(tmp_path), "--component-name", "cam-1", "--parallel", "1"], env.environ()
    )
    assert code == 0, shown
    assert "/10" in shown and "file/s" in shown and "%|" in shown and "B/s" in shown, shown


def test_quiet_on_a_terminal_shows_no_bar(env, tmp_path):
    code, shown, _ = run_on_terminal(["-q", *EXPORT, "--dest", str(tmp_path / "q.jsonl")], env.environ())
    assert code == 0, shown
    assert "%|" not in shown and shown.strip() == ""


def test_progress_forces_a_bar_without_a_terminal_and_none_by_default(env, tmp_path):
    plain = run_cli([*EXPORT, "--dest", str(tmp_path / "a.jsonl")], env.environ())
    assert plain.returncode == 0 and "%|" not in plain.stderr
    forced = run_cli([*EXPORT, "--dest", str(tmp_path / "b.jsonl"), "--progress"], env.environ())
    assert forced.returncode == 0, forced.stderr
    assert "%|" in forced.stderr and "row" in forced.stderr
    files = run_cli(
        ["export", "binary", "--dest", str(tmp_path / "bin"), "--component-name", "cam-1", "--progress"],
        env.environ(),
    )
    assert files.returncode == 0 and "file" in files.stderr and "%|" in files.stderr


# ---------------------------------------------------------------------- clean failure (finding 4)
@pytest.mark.parametrize("kind", ["tabular", "binary"])
def test_a_failure_before_the_first_row_leaves_nothing(env, tmp_path, kind):
    dest = tmp_path / ("out.jsonl" if kind == "tabular" else "out")
    result = run_cli(
        ["export", kind, "--dest", str(dest), "--retries", "1"], env.environ(VIAM_API_KEY="wrong-key")
    )
    assert result.returncode == 5, result.stderr
    assert sorted(os.listdir(tmp_path)) == []  # no .partial, .checkpoint, lock or empty folders


def test_binary_lock_is_removed_after_success_and_failure(env, tmp_path):
    from viam_data_sync.cli.export.binary import LOCK_NAME

    args = ["export", "binary", "--dest", str(tmp_path), "--component-name", "cam-1"]
    assert run_cli(args, env.environ()).returncode == 0
    assert not (tmp_path / LOCK_NAME).exists()
    failed = run_cli([*args, "--retries", "1"], env.environ(VIAM_API_KEY="wrong-key"))
    assert failed.returncode == 5 and not (tmp_path / LOCK_NAME).exists()
    assert (tmp_path / "data").is_dir()  # what an earlier run wrote stays


def test_tls_against_a_plaintext_server_is_one_line_with_the_hint(env):
    result = run_cli(
        ["sql", "--org-id", env.server.organization_id, "SELECT 1", "--retries", "1"],
        env.environ(VIAM_INSECURE=None),
    )
    assert result.returncode == 4
    assert result.stderr.splitlines() == [
        f"viam-data-sync: error: cannot reach {env.server.address}: the server does not speak TLS: try --insecure"
    ]


def test_busy_port_is_one_line(env):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = run_cli(["serve", "--port", str(port)], env.environ(), timeout=30)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and f"cannot listen on 127.0.0.1:{port}" in lines[0], result.stderr
    assert "RuntimeError" not in result.stderr and "GRPC_VERBOSITY" not in result.stderr


# ---------------------------------------------------------------------- CLI faults (finding 6)
def test_sql_and_mql_take_csv(env):
    org = env.server.organization_id
    query = "SELECT component_name, COUNT(*) AS n FROM readings WHERE component_name LIKE 'sensor-%' "
    result = run_cli(["sql", "--org-id", org, "--format", "csv", query + "GROUP BY component_name ORDER BY 1"],
                     env.environ())
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows == [{"component_name": name, "n": str(ROWS_PER_SENSOR)} for name in SENSORS]
    pipeline = json.dumps([{"$match": {"component_name": "sensor-a"}}, {"$count": "n"}])
    mql = run_cli(["mql", "--org-id", org, "--format", "csv", pipeline], env.environ())
    assert mql.returncode == 0, mql.stderr
    assert mql.stdout == f"n\n{ROWS_PER_SENSOR}\n"


def test_export_tabular_writes_a_table(env, tmp_path):
    dest = tmp_path / "rows.txt"
    result = run_cli(["export", "tabular", "--dest", str(dest), "--component-name", "sensor-a"], env.environ())
    assert result.returncode == 0, result.stderr
    lines = dest.read_text().splitlines()
    assert lines[0].split()[:2] == ["organization_id", "location_id"] and set(lines[1]) <= {"-", " "}
    assert len(lines) == 2 + ROWS_PER_SENSOR


@pytest.mark.parametrize(
    "dest, fmt, message",
    [
        ("x.xlsx", None, "no output format writes .xlsx files"),
        ("x.csv", "jsonl", "is a csv file name but --format is jsonl"),
        ("x.jsonl", "table", "is a jsonl file name but --format is table"),
    ],
)
def test_a_dest_suffix_that_disagrees_is_a_usage_error(env, tmp_path, dest, fmt, message):
    args = ["export", "tabular", "--dest", str(tmp_path / dest)] + (["--format", fmt] if fmt else [])
    result = run_cli(args, env.environ())
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert os.listdir(tmp_path) == []


def test_a_query_that_does_not_parse_shows_no_parser_internals(env):
    result = run_cli(["sql", "--org-id", env.server.organization_id, "SELECT 2 *"], env.environ())
    assert result.returncode == 6
    assert "invalid SQL: syntax error" in result.stderr
    for internal in ("Traceback", "<class", "Unsupported", "engines.sqlc"):  # the parser's own names
        assert internal not in result.stderr, result.stderr


@pytest.mark.parametrize(
    "args, usage",
    [
        (["export", "tabular", "--dest", "x.jsonl", "--formt", "csv"], "usage: viam-data-sync export tabular"),
        (["sql", "--org-id", "o", "SELECT 1", "--limt", "3"], "usage: viam-data-sync sql"),
        (["datasets", "list", "--org", "o"], "usage: viam-data-sync datasets list"),
    ],
)
def test_a_misspelled_flag_shows_the_commands_usage(env, args, usage):
    result = run_cli(args, env.environ())
    assert result.returncode == 2
    assert result.stderr.startswith(usage), result.stderr
    assert "unrecognized arguments" in result.stderr


@pytest.mark.parametrize("command", ["serve", "demo"])
def test_serve_and_demo_list_only_their_flags(env, command):
    result = run_cli([command, "--help"], env.environ())
    assert result.returncode == 0
    unused = ["--address", "--insecure", "--retries", "--timeout"]
    if command == "demo":  # serve uses the key flags: they name the key it serves
        unused += ["--api-key-id", "--api-key-file"]
    for flag in unused:
        assert flag not in result.stdout, (flag, result.stdout)
    assert "--quiet" in result.stdout
    if command == "serve":
        assert "--api-key-id" in result.stdout and "--api-key-file" in result.stdout
