"""The client side of finding 5: "the server refused it, nothing stored" is told apart
from "outcome unknown".

An upload over the server's ``max_upload_bytes`` is RESOURCE_EXHAUSTED, and an upload
the server finds invalid INVALID_ARGUMENT: the client raises those as they are (never
:class:`UploadOutcomeUnknown`), at once, and nothing is stored. Before, the limit's
message ("upload exceeds the server's limit") did not read as a size limit, so the
client repeated a refused upload as if the server were busy (the no-retry assertions
failed on that code).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from viam_data_sync import DataClient, InvalidArgument, ResourceExhausted, UploadOutcomeUnknown
from viam_data_sync.server import LocalDataServer

LIMIT = 1000


@pytest.fixture
def limited() -> Iterator[Any]:
    with LocalDataServer(max_upload_bytes=LIMIT) as server:
        with DataClient.from_api_key(server.api_key, server.api_key_id, server.address, insecure=True) as client:
            yield server, client


def _chunks() -> Iterator[bytes]:
    for _ in range(4):
        yield b"y" * 600


def _uploads(server: LocalDataServer, tmp_path: Path) -> Any:
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(4 * LIMIT))
    part = server.part_id
    return {
        "bytes (replayable)": lambda c: c.file_upload(part, b"x" * (4 * LIMIT), file_name="b"),
        "path (replayable)": lambda c: c.file_upload_from_path(big, part),
        "iterator (one pass)": lambda c: c.upload(_chunks(), part, file_name="i"),
        "unary binary capture": lambda c: c.binary_data_capture_upload(
            b"z" * (4 * LIMIT), part, "rdk:component:camera", "cam", "ReadImage", ".bin"),
    }


@pytest.mark.parametrize("which", ["bytes (replayable)", "path (replayable)", "iterator (one pass)",
                                   "unary binary capture"])
def test_an_upload_over_the_limit_is_a_plain_resource_exhausted_sent_once(
    limited: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture, which: str
) -> None:
    server, client = limited
    upload: Callable[[DataClient], Any] = _uploads(server, tmp_path)[which]
    caplog.set_level(logging.WARNING, logger="viam_data_sync")
    with pytest.raises(ResourceExhausted) as excinfo:
        upload(client)
    assert not isinstance(excinfo.value, UploadOutcomeUnknown)
    assert "max_upload_bytes" in excinfo.value.details and "nothing was stored" in excinfo.value.details
    assert not excinfo.value.retryable
    assert "retry" not in caplog.text.lower()  # refused once, not repeated as if the server were busy
    assert client.binary_data_by_filter()[0] == []


def test_an_invalid_upload_is_a_plain_invalid_argument(limited: Any) -> None:
    server, client = limited
    with pytest.raises(InvalidArgument) as excinfo:
        client.tabular_data_capture_upload(
            [{"a\x00b": 1}], server.part_id, "rdk:component:sensor", "s", "Readings", [None])
    assert not isinstance(excinfo.value, UploadOutcomeUnknown)
    assert client.tabular_data_by_filter()[0] == []
