"""``viam-data-sync serve`` honours ``--api-key-id``, ``--api-key-file`` and
``--max-upload-bytes``, and prints a ready-to-paste ``export VIAM_...`` line (findings 5
and 10 of the security review; serve had none of these flags before, so each test failed).
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
from pathlib import Path
from typing import Dict, Iterator, List, Tuple

import pytest

from viam_data_sync import DataClient, ResourceExhausted

from .conftest import run_cli


def _clean_env() -> Dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("VIAM_")}


def _serve(args: List[str]) -> Tuple[subprocess.Popen, Dict[str, str], List[str]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "viam_data_sync.cli", "serve", "--port", "0", *args],
        env=_clean_env(), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    assert process.stdout is not None
    info: Dict[str, str] = {}
    lines: List[str] = []
    for line in process.stdout:
        if line.strip() == "ready":
            return process, info, lines
        lines.append(line.strip())
        key, _, value = line.partition(": ")
        info[key] = value.strip()
    process.wait(10)
    raise AssertionError(f"serve did not start: {lines}")


def _stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=20)
    assert process.stdout is not None
    process.stdout.close()


def _exported(lines: List[str]) -> Dict[str, str]:
    (line,) = [line for line in lines if line.startswith("export ")]
    return dict(word.split("=", 1) for word in shlex.split(line)[1:])


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Tuple[Path, Path]]:
    yield tmp_path / "store.db", tmp_path / "key.secret"


def test_serve_keeps_the_key_it_is_given_and_prints_export_lines(served: Tuple[Path, Path]) -> None:
    db, key_file = served
    flags = ["--db", str(db), "--api-key-id", "team-key", "--api-key-file", str(key_file),
             "--max-upload-bytes", "1000"]
    process, info, lines = _serve(flags)
    try:
        assert info["api_key_id"] == "team-key"
        assert key_file.read_text().strip() == info["api_key"]  # written, for the next run
        assert oct(key_file.stat().st_mode & 0o777) == "0o600"
        exported = _exported(lines)
        assert exported == {"VIAM_API_KEY_ID": "team-key", "VIAM_API_KEY": info["api_key"],
                            "VIAM_APP_ADDRESS": info["address"], "VIAM_INSECURE": "1"}
        query = run_cli(["sql", "--org-id", info["organization_id"], "SELECT COUNT(*) AS n FROM readings"],
                        {**_clean_env(), **exported})
        assert query.returncode == 0, query.stderr
        with DataClient.from_api_key(info["api_key"], "team-key", info["address"], insecure=True) as client:
            with pytest.raises(ResourceExhausted):
                client.file_upload(info["part_id"], b"x" * 2000, file_name="big")
            client.file_upload(info["part_id"], b"x" * 500, file_name="small")
    finally:
        _stop(process)
    again, info2, _ = _serve(flags)  # a restart serves the same key
    try:
        assert (info2["api_key_id"], info2["api_key"]) == ("team-key", info["api_key"])
        with DataClient.from_api_key(info["api_key"], "team-key", info2["address"], insecure=True) as client:
            assert len(client.binary_data_by_filter()[0]) == 1
    finally:
        _stop(again)


def test_serve_reads_the_secret_from_an_existing_key_file(served: Tuple[Path, Path]) -> None:
    db, key_file = served
    key_file.write_text("my-own-secret-0123456789\n")
    process, info, lines = _serve(["--db", str(db), "--api-key-file", str(key_file)])
    try:
        assert info["api_key"] == "my-own-secret-0123456789"
        assert _exported(lines)["VIAM_API_KEY"] == "my-own-secret-0123456789"
        with DataClient.from_api_key(info["api_key"], info["api_key_id"], info["address"], insecure=True) as client:
            assert client.binary_data_by_filter()[0] == []
    finally:
        _stop(process)


def test_serve_names_a_limit_out_of_range() -> None:
    result = run_cli(["serve", "--port", "0", "--max-upload-bytes", "-1"], _clean_env())
    assert result.returncode == 2
    assert "max_upload_bytes must be >= 0" in result.stderr


def test_serve_no_auth_export_line_runs_the_cli(served: Tuple[Path, Path]) -> None:
    db, _ = served
    process, info, lines = _serve(["--db", str(db), "--no-auth"])
    try:
        assert info["auth"] == "off"
        exported = _exported(lines)
        assert set(exported) == {"VIAM_API_KEY_ID", "VIAM_API_KEY", "VIAM_APP_ADDRESS", "VIAM_INSECURE"}
        query = run_cli(["sql", "--org-id", info["organization_id"], "SELECT COUNT(*) AS n FROM readings"],
                        {**_clean_env(), **exported})
        assert query.returncode == 0, query.stderr
        assert '"n": 0' in query.stdout or "0" in query.stdout
    finally:
        _stop(process)


def test_ctrl_c_after_a_query_stops_serve_quietly(served: Tuple[Path, Path]) -> None:
    """Ctrl-C signals the terminal's whole process group: the server and its query
    workers. The workers used to print a KeyboardInterrupt traceback each."""
    db, _ = served
    process = subprocess.Popen(
        [sys.executable, "-m", "viam_data_sync.cli", "serve", "--port", "0", "--db", str(db), "--no-auth"],
        env=_clean_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )
    assert process.stdout is not None
    info: Dict[str, str] = {}
    for line in process.stdout:
        if line.strip() == "ready":
            break
        key, _, value = line.partition(": ")
        info[key] = value.strip()
    try:
        with DataClient.from_api_key(info["api_key"], info["api_key_id"], info["address"], insecure=True) as client:
            # No readings: MongoDB's $count returns no document over empty input.
            assert client.tabular_data_by_mql(info["organization_id"], [{"$count": "n"}]) == []
            client.tabular_data_by_sql(info["organization_id"], "SELECT COUNT(*) AS n FROM readings "
                                       "WHERE time_received >= CAST('2000-01-01T00:00:00Z' AS TIMESTAMP)")
    finally:
        os.killpg(process.pid, signal.SIGINT)  # what the terminal does on Ctrl-C
    _, err = process.communicate(timeout=30)
    assert process.returncode == 0
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
