"""Failures: one clear line on stderr, a distinct exit code, no traceback, no secret."""

from __future__ import annotations

import socket

import pytest

from viam_data_sync import cli

from .conftest import SECRET_MARKER, run_cli


def _assert_clean(result, code, *phrases, secret=None):
    assert result.returncode == code, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    error_lines = [line for line in result.stderr.splitlines() if "error" in line]
    assert len(error_lines) == 1, result.stderr
    for phrase in phrases:
        assert phrase in result.stderr
    if secret:
        assert secret not in result.stderr + result.stdout


def test_bad_flag_is_a_usage_error(env):
    result = run_cli(["export", "tabular", "--dest", "x.jsonl", "--no-such-flag"], env.environ())
    _assert_clean(result, 2, "unrecognized arguments: --no-such-flag")
    result = run_cli(["export", "tabular", "--dest", "x", "--start", "yesterday"], env.environ())
    _assert_clean(result, 2, "not an RFC 3339 time")


def test_missing_credentials(env, tmp_path):
    result = run_cli(
        ["sql", "--org-id", "o", "SELECT 1"], env.environ(VIAM_API_KEY=None, VIAM_API_KEY_ID=None)
    )
    _assert_clean(result, 3, "missing the API key (VIAM_API_KEY or --api-key-file)", "API key id")
    result = run_cli(
        ["sql", "--org-id", "o", "SELECT 1", "--api-key-file", str(tmp_path / "nope")],
        env.environ(VIAM_API_KEY=None),
    )
    _assert_clean(result, 3, "cannot read the API key file")


def test_key_file_is_read(env, tmp_path):
    key_file = tmp_path / "key"
    key_file.write_text(env.server.api_key + "\n")
    result = run_cli(
        [
            "sql",
            "--org-id",
            env.server.organization_id,
            "SELECT COUNT(*) AS n FROM readings",
            "--api-key-file",
            str(key_file),
        ],
        env.environ(VIAM_API_KEY=None),
    )
    assert result.returncode == 0, result.stderr


def test_unreachable_address(env):
    secret = f"{SECRET_MARKER}-unreachable"
    result = run_cli(
        ["--address", "127.0.0.1:1", "--retries", "2", "sql", "--org-id", "o", "SELECT 1"],
        env.environ(VIAM_API_KEY=secret),
        timeout=60,
    )
    _assert_clean(result, 4, "cannot reach 127.0.0.1:1", secret=secret)


def _closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_unreachable_address_is_one_line_and_retries_show_only_with_verbose(env):
    address = f"127.0.0.1:{_closed_port()}"
    # Two attempts per request keep the run short while still retrying.
    args = ["sql", "--org-id", "o", "SELECT 1", "--address", address, "--insecure", "--retries", "2"]
    result = run_cli(args, env.environ())
    assert result.returncode == 4, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"viam-data-sync: error: cannot reach {address} (UNAVAILABLE)")
    assert result.stdout == ""
    verbose = run_cli([*args, "--verbose"], env.environ())
    assert verbose.returncode == 4, verbose.stderr
    assert "WARNING: retrying" in verbose.stderr
    assert verbose.stderr.splitlines()[-1] == lines[0]


def test_wrong_key(env):
    secret = f"{SECRET_MARKER}-wrong-key"
    result = run_cli(
        ["sql", "--org-id", env.server.organization_id, "SELECT 1"], env.environ(VIAM_API_KEY=secret)
    )
    _assert_clean(result, 5, "authentication failed", secret=secret)


def test_key_on_the_command_line_is_accepted_with_a_warning_and_never_echoed(env):
    secret = f"{SECRET_MARKER}-argv"
    result = run_cli(
        ["sql", "--org-id", env.server.organization_id, "SELECT 1", "--api-key", secret, "-v"],
        env.environ(VIAM_API_KEY=None),
    )
    assert result.returncode == 5
    assert "--api-key exposes the key" in result.stderr
    assert secret not in result.stderr + result.stdout


def test_invalid_query_and_bad_pipeline(env):
    result = run_cli(["sql", "--org-id", env.server.organization_id, "DELETE FROM readings"], env.environ())
    _assert_clean(result, 6, "INVALID_ARGUMENT")
    result = run_cli(["mql", "--org-id", env.server.organization_id, "[{not json"], env.environ())
    _assert_clean(result, 2, "PIPELINE_JSON is not valid JSON")


def test_local_file_error(env, tmp_path):
    result = run_cli(
        ["export", "tabular", "--dest", str(tmp_path / "missing-dir" / "x.jsonl")], env.environ()
    )
    _assert_clean(result, 7, "no such directory")


def test_verbose_shows_traceback(env):
    result = run_cli(
        ["-v", "sql", "--org-id", env.server.organization_id, "DELETE FROM readings"], env.environ()
    )
    assert result.returncode == 6
    assert "Traceback" in result.stderr


@pytest.mark.parametrize("code", sorted(cli.EXIT_CODES))
def test_exit_codes_are_documented_in_help(code, capsys):
    assert cli.main(["--help"]) == 0
    assert f"{code:>3}  {cli.EXIT_CODES[code]}" in capsys.readouterr().out
