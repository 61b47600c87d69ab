"""Slow upload sources keep their stream alive: a source that trickles for several of the
server's idle periods uploads whole, although no chunk ever fills (issue: a live capture
yielding 100 bytes every 5 s was cut by the server's 60 s idle limit). The idle limit is
shortened to 3 s here so the test runs in seconds; the mechanism is the same at 60 s."""
from __future__ import annotations

import os
import threading
import time

import grpc
import pytest

from viam_data_sync import DataClient
from viam_data_sync._upload import _rechunk
from viam_data_sync.server import LocalDataServer

IDLE = 3.0
PIECE = 100
EVERY = 0.5
PIECES = 20  # 10 s: over three idle periods, and far less than one 256 KiB chunk


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with LocalDataServer(tmp_path_factory.mktemp("slow") / "store.db", auth=False,
                         request_idle_timeout=IDLE) as srv:
        yield srv


def trickle(pieces):
    for piece in pieces:
        time.sleep(EVERY)
        yield piece


def test_trickling_iterator_uploads_whole_past_the_idle_limit(server):
    pieces = [os.urandom(PIECE) for _ in range(PIECES)]
    with DataClient(grpc.insecure_channel(server.address)) as client:
        binary_id = client.upload(trickle(pieces), server.part_id, file_name="live", file_extension=".bin",
                                  timeout=60)
        (item,) = client.binary_data_by_ids([binary_id])
    assert item.binary == b"".join(pieces)


def test_trickling_pipe_uploads_whole_past_the_idle_limit(server):
    pieces = [os.urandom(PIECE) for _ in range(PIECES)]
    read_fd, write_fd = os.pipe()

    def writer():
        with os.fdopen(write_fd, "wb", buffering=0) as out:
            for piece in pieces:
                time.sleep(EVERY)
                out.write(piece)

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    with os.fdopen(read_fd, "rb") as pipe, DataClient(grpc.insecure_channel(server.address)) as client:
        binary_id = client.upload(pipe, server.part_id, file_name="pipe", file_extension=".bin", timeout=60)
        (item,) = client.binary_data_by_ids([binary_id])
    thread.join(5)
    assert item.binary == b"".join(pieces)


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_fast_sources_still_fill_whole_chunks():
    clock = FakeTime()
    out = list(_rechunk((b"x" * 10 for _ in range(100)), 64, monotonic=clock))
    assert [len(c) for c in out] == [64] * 15 + [40]


def test_a_held_partial_chunk_goes_out_after_the_flush_interval():
    clock = FakeTime()

    def source():
        for step in (0.0, 0.3, 0.3, 0.5, 0.1):  # pieces 0.3 s apart: no single wait reaches 1 s
            clock.now += step
            yield b"ab"

    sizes = [len(c) for c in _rechunk(source(), 1024, flush_after=1.0, monotonic=clock)]
    assert sizes == [8, 2]  # held 1.1 s at the fourth piece: flushed then, not at the end
    clock.now = 0.0

    def slow():
        for _ in range(3):
            clock.now += 5.0  # each piece took 5 s: sent as it comes
            yield b"abc"

    assert [len(c) for c in _rechunk(slow(), 1024, flush_after=1.0, monotonic=clock)] == [3, 3, 3]
