"""The pytest plugin of viam-data-sync: test your own ETL code against a real server.

Registered through the ``pytest11`` entry point, so installing the package makes the
fixtures available everywhere; nothing heavy is imported until a fixture is used. The
fixtures need the ``server`` extra (from a clone: ``pip install '.[server]'``); without
it, a test that uses one fails naming the command, and every other test runs as usual.

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

from typing import TYPE_CHECKING, Iterator

import pytest

from viam_data_sync._extras import MissingExtraError

if TYPE_CHECKING:
    from viam_data_sync import DataClient
    from viam_data_sync.server import LocalDataServer


def _server_class() -> type[LocalDataServer]:
    """``LocalDataServer``, or the test fails with the one-line hint (no traceback)."""
    try:
        from viam_data_sync.server import LocalDataServer
    except MissingExtraError as exc:
        hint = str(exc)
    else:
        return LocalDataServer
    pytest.fail(hint, pytrace=False)  # outside the except: no chained import errors shown


@pytest.fixture
def viam_server() -> Iterator[LocalDataServer]:
    """A fresh in-memory local Data API server (auth on), stopped after the test."""
    server = _server_class()(auth=True)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def viam_client(viam_server: LocalDataServer) -> Iterator[DataClient]:
    """A ``DataClient`` authenticated against ``viam_server`` (plaintext loopback)."""
    from viam_data_sync import DataClient

    client = DataClient.from_api_key(
        viam_server.api_key, viam_server.api_key_id, viam_server.address, insecure=True
    )
    try:
        yield client
    finally:
        client.close()
