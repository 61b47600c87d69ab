"""``progress=`` on every iterator: ``progress(rows, bytes_or_None)`` with what was
handed out so far, before each next row (or page) and at the end; a callback that
raises loses no row."""
from __future__ import annotations

import grpc
import pytest

from viam_data_sync import DataClient, create_filter
from viam_data_sync.server import LocalDataServer

from ._seed import seed_readings

ROWS = 230
SIZES = [1000, 1500, 700]
SENSOR = create_filter(component_name="sensor-1")


@pytest.fixture(scope="module")
def server():
    with LocalDataServer(auth=False) as srv:
        seed_readings(srv.address, srv.part_id, ROWS)
        with DataClient(grpc.insecure_channel(srv.address)) as client:
            for i, size in enumerate(SIZES):
                client.binary_data_capture_upload(bytes([i]) * size, srv.part_id, "rdk:component:camera",
                                                  "cam-progress", "ReadImage", ".bin")
        yield srv


@pytest.fixture
def client(server):
    with DataClient(grpc.insecure_channel(server.address)) as c:
        yield c


OPEN = {
    "tabular": lambda c, s, **kw: c.iter_tabular(SENSOR, page_size=100, **kw),
    "export": lambda c, s, **kw: c.iter_export_tabular(s.part_id, "sensor-1", "rdk:component:sensor", "Readings",
                                                       **kw),
    "mql": lambda c, s, **kw: c.iter_mql(s.organization_id, [{"$match": {"component_name": "sensor-1"}}],
                                         page_size=100, **kw),
}


@pytest.mark.parametrize("kind", sorted(OPEN))
def test_rows_so_far_before_each_row_and_at_the_end(kind, client, server) -> None:
    calls = []
    rows = list(OPEN[kind](client, server, progress=lambda n, b: calls.append((n, b))))
    assert len(rows) == ROWS
    assert calls == [(n, None) for n in range(ROWS + 1)]


def test_iter_binary_reports_file_bytes(client) -> None:
    calls = []
    items = list(client.iter_binary(create_filter(component_name="cam-progress"),
                                    progress=lambda n, b: calls.append((n, b))))
    sizes = [len(item.binary) for item in items]
    assert sorted(sizes) == sorted(SIZES)
    assert calls == [(0, 0), (1, sizes[0]), (2, sizes[0] + sizes[1]), (3, sum(SIZES))]
    meta_calls = []
    list(client.iter_binary(create_filter(component_name="cam-progress"), include_binary_data=False,
                            progress=lambda n, b: meta_calls.append((n, b))))
    assert meta_calls == [(0, None), (1, None), (2, None), (3, None)]


def test_pages_are_reported_page_by_page(client) -> None:
    calls = []
    pages = list(client.iter_tabular(SENSOR, page_size=100, parallel=1,
                                     progress=lambda n, b: calls.append(n)).iter_pages())
    assert [len(p) for p in pages] == [100, 100, 30]
    assert calls == [0, 100, 200, 230]


def test_a_callback_that_raises_loses_no_row(client) -> None:
    def fail_once_at_50(n, _b):
        if n == 50 and not failed:
            failed.append(n)
            raise RuntimeError("stop at 50")

    failed: list = []
    it = client.iter_tabular(SENSOR, page_size=100, progress=fail_once_at_50)
    got = []
    with pytest.raises(RuntimeError, match="stop at 50"):
        for row in it:
            got.append(row.data["readings"]["i"])
    assert len(got) == 50
    got.extend(row.data["readings"]["i"] for row in it)  # the same iterator goes on
    assert sorted(got) == list(range(ROWS))


@pytest.mark.parametrize("kind", sorted(OPEN))
def test_a_progress_that_is_not_callable_is_a_type_error(kind, client, server) -> None:
    with pytest.raises(TypeError, match="progress must be callable"):
        OPEN[kind](client, server, progress="yes")
    with pytest.raises(TypeError, match="progress must be callable"):
        client.iter_binary(progress=1)
