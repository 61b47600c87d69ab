"""What a user sees on a terminal where stdout and stderr share one screen: ``upload``
and ``upload --tabular`` print each id on a line of its own, never after the progress
bar's text (a copied id was wrong: its first character landed on the bar's line)."""
from __future__ import annotations

import os
import re

import pytest

from viam_data_sync.server import LocalDataServer
from viam_data_sync.testing import FaultInjector, LatencyInjector

from .conftest import Env, run_on_terminal


@pytest.fixture
def own():
    with LocalDataServer(auth=True) as server:
        yield Env(server, FaultInjector(), LatencyInjector(0.0))


def run_with_shared_terminal(args, env):
    """The console script with stdout and stderr on one terminal, as in a shell."""
    code, screen, _ = run_on_terminal(args, env, stdout_too=True)
    return code, screen


def assert_each_at_line_start(screen: str, ids):
    assert ids
    for value in ids:
        at = screen.index(value)
        assert at == 0 or screen[at - 1] in "\r\n", f"{value!r} follows {screen[max(0, at - 40):at]!r}"


def test_upload_ids_start_their_own_line_under_a_progress_bar(own, tmp_path):
    for i in range(3):
        (tmp_path / f"f{i}.bin").write_bytes(os.urandom(300_000))
    code, screen = run_with_shared_terminal(
        ["upload", "--part-id", own.server.part_id, *sorted(str(p) for p in tmp_path.iterdir())], own.environ()
    )
    assert code == 0, screen
    ids = re.findall(r"([^\s\r\n]+/[^\s\r\n]+/[^\s\r\n]+)\t", screen)
    with own.client() as client:
        stored = {item.metadata.binary_data_id for item in client.binary_data_by_filter(include_binary_data=False)[0]}
    assert len(ids) == 3 and set(ids) <= stored
    assert_each_at_line_start(screen, ids)
    assert "upload" in screen and "|" in screen  # a bar was drawn


def test_upload_tabular_ids_start_their_own_line_under_a_progress_bar(own, tmp_path):
    source = tmp_path / "readings.jsonl"
    source.write_text("".join('{"readings": {"i": %d}}\n' % i for i in range(9)))
    code, screen = run_with_shared_terminal(
        ["upload", "--tabular", str(source), "--part-id", own.server.part_id, "--component-name", "s1",
         "--batch-size", "3"], own.environ()
    )
    assert code == 0, screen
    ids = re.findall(r"(\S+)\t" + re.escape(str(source)), screen)
    assert len(ids) == 3
    assert_each_at_line_start(screen, [f"{value}\t{source}" for value in ids])
