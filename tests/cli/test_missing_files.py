"""A missing file reads the same everywhere: the OS's wording, as ``open()`` gives it
(once the SDK said ``no such file: PATH`` and the CLI ``PATH: no such file`` beside
``PATH: No such file or directory``)."""
from __future__ import annotations

import os
from pathlib import Path

import grpc
import pytest

from viam_data_sync import DataClient

from .conftest import Env, run_cli


def test_the_sdk_words_a_missing_file_as_open_does(tmp_path: Path) -> None:
    missing = tmp_path / "capture.pcd"
    with pytest.raises(FileNotFoundError) as by_open:
        open(missing, "rb")
    client = DataClient(grpc.insecure_channel("127.0.0.1:9"))  # nothing is sent: the check comes first
    try:
        for attempt in (lambda: client.file_upload_from_path(str(missing), "part"),
                        lambda: client.upload(missing, "part")):
            with pytest.raises(FileNotFoundError) as by_sdk:
                attempt()
            assert str(by_sdk.value) == str(by_open.value)
            assert by_sdk.value.filename == str(missing)
    finally:
        client.close()


@pytest.mark.parametrize("command", [["upload"], ["upload", "--tabular"]], ids=["files", "tabular"])
def test_every_cli_upload_words_a_missing_file_alike(env: Env, tmp_path: Path, command: list) -> None:
    missing = tmp_path / "missing.jsonl"
    done = run_cli([*command, str(missing), "--part-id", env.server.part_id, "--component-name", "s1"],
                   env.environ())
    assert done.returncode == 7, done.stderr
    assert done.stderr.strip().splitlines()[-1] == f"viam-data-sync: error: {missing}: {os.strerror(2)}"
