"""The pytest plugin of viam-data-sync: test your own ETL code against a real server.

Registered through the ``pytest11`` entry point, so installing the package makes the
fixtures available everywhere; nothing heavy is imported until a fixture is used.

Fixtures:
    ``viam_server``: a fresh in-memory :class:`~viam_data_sync.server.LocalDataServer`
    with authentication on, started for the test and stopped after it. It has
    ``.address``, ``.api_key_id``, ``.api_key``, ``.organization_id``,
    ``.location_id``, ``.robot_id`` and ``.part_id``.

    ``viam_client``: a :class:`~viam_data_sync.DataClient` connected to ``viam_server``
    with its API key, closed after the test.

Example::

    def test_my_export(viam_client, viam_server, tmp_path):
        viam_client.tabular_data_capture_upload(
            [{"readings": {"t": 21.5}}], viam_server.part_id, "rdk:component:sensor",
            "sensor-1", "Readings", [(now, now)])
        assert my_etl.export(viam_client, tmp_path) == 1
"""

from __future__ import annotations

from typing import Any, Iterator

import pytest


@pytest.fixture
def viam_server() -> Iterator[Any]:
    """A fresh in-memory local Data API server (auth on), stopped after the test."""
    from viam_data_sync.server import LocalDataServer

    server = LocalDataServer(auth=True)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def viam_client(viam_server: Any) -> Iterator[Any]:
    """A ``DataClient`` authenticated against ``viam_server`` (plaintext loopback)."""
    from viam_data_sync import DataClient

    client = DataClient.from_api_key(
        viam_server.api_key, viam_server.api_key_id, viam_server.address, insecure=True
    )
    try:
        yield client
    finally:
        client.close()
