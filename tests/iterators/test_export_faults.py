"""The export stream iterator against the real local server: rows as they arrive,
exactly once through cut streams, resumable from a cursor."""
from __future__ import annotations

import grpc
import pytest

from viam_data_sync import RetryPolicy
from viam_data_sync._call import Caller
from viam_data_sync._channel import Connection
from viam_data_sync._api.export_stream import export_points
from viam_data_sync._errors import ApiError
from viam_data_sync.server import LocalDataServer
from viam_data_sync.testing import FaultInjector

from ._seed import seed_readings

ROWS = 30_000


@pytest.fixture(scope="module")
def env():
    faults = FaultInjector(seed=11)
    with LocalDataServer(auth=False, interceptors=[faults]) as server:
        seed_readings(server.address, server.part_id, ROWS, same_time_every=3)
        caller = Caller(Connection.for_address(server.address, insecure=True),
                        retry=RetryPolicy(initial_backoff=0.001, max_backoff=0.01))
        yield server, faults, caller
        caller.connection.close()


class Numbers:
    """The export iterator's rows as the seeded reading numbers."""

    def __init__(self, it):
        self.it = it

    def __iter__(self):
        return (int(point.payload["readings"]["i"]) for point in self.it)


def export(server, caller, **kwargs):
    """The iterator of ``iter_export_tabular`` over the seeded readings (its
    ``ExportSource`` sends the calls through ``caller``)."""
    return export_points(caller, server.part_id, "sensor-1", "rdk:component:sensor", "Readings", timeout=60,
                         **kwargs)


def test_export_exactly_once_through_cut_streams(env):
    server, faults, caller = env
    faults.clear()
    # Five streams in a row are cut after 4001 rows (rows share capture times in threes,
    # so resumes land in the middle of equal-time groups).
    faults.fail("ExportTabularData", grpc.StatusCode.UNAVAILABLE, times=5, after_messages=4001)
    it = export(server, caller)
    got = list(Numbers(it))
    faults.clear()
    assert it.reconnects >= 3
    assert sorted(got) == list(range(ROWS))
    assert len(set(got)) == ROWS


def test_export_non_retryable_error_raises_and_cursor_resumes(env):
    server, faults, caller = env
    faults.clear()
    faults.fail("ExportTabularData", grpc.StatusCode.PERMISSION_DENIED, times=1, after_messages=10_001)
    first = export(server, caller)
    got = []
    with pytest.raises(ApiError):
        for value in Numbers(first):
            got.append(value)
    assert len(got) == 10_001
    rest = list(Numbers(export(server, caller, start_after=first.cursor)))
    faults.clear()
    assert sorted(got + rest) == list(range(ROWS))


def test_export_early_stop_cancels_the_stream(env):
    server, faults, caller = env
    faults.clear()
    it = export(server, caller)
    for count, _ in enumerate(it, 1):
        if count == 5:
            break
    it.close()
    # The next export still works on the same channel.
    assert len(list(export(server, caller, max_results=7))) == 7
