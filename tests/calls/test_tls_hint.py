"""The SDK against a plaintext server without ``insecure=True``: one line saying what is
wrong and what fixes it, at once (no retries: a handshake fails the same way each time),
as the CLI says "the server does not speak TLS: try --insecure"."""
from __future__ import annotations

import pytest

from viam_data_sync import Clock, DataClient, Unavailable
from viam_data_sync.server import LocalDataServer


class Recording(Clock):
    def __init__(self) -> None:
        self.waits: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture(scope="module")
def plaintext():
    with LocalDataServer(auth=True) as server:
        yield server


def test_tls_to_a_plaintext_server_says_so_in_one_line(plaintext):
    clock = Recording()
    with DataClient.from_api_key(plaintext.api_key, plaintext.api_key_id, plaintext.address, clock=clock) as client:
        with pytest.raises(Unavailable) as caught:
            client.tags_by_filter()
    message = str(caught.value)
    assert "does not speak TLS" in message and "insecure=True" in message and plaintext.address in message
    assert "\n" not in message and "TSI_" not in message
    assert clock.waits == []  # not retried


def test_the_same_server_with_insecure_answers(plaintext):
    with DataClient.from_api_key(plaintext.api_key, plaintext.api_key_id, plaintext.address,
                                 insecure=True) as client:
        assert client.tags_by_filter() == []
