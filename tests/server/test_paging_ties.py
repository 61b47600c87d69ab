"""Paging past many equal timestamps reads only the page (issue 18).

A cursor is the order key (organization, time_received, id). The page after it used to
seek on ``time_received`` alone and rescan every row tied at the cursor's timestamp, so
with 50,000 readings captured in one instant the page after row 50,000 visited all of
them. The work a page does is counted in SQLite virtual-machine steps (a progress
handler called every step), not timed.
"""

from __future__ import annotations

import sqlite3
from typing import Any, Iterator, List, Optional, Tuple

import pytest

from viam_data_sync.server.store import filters as q
from viam_data_sync.server.store.schema import create_schema

TIES = 50_000
T = 1_700_000_000_000_000_000
PAGE = 100


def _insert(conn: sqlite3.Connection, org: str, times: List[int]) -> None:
    conn.executemany(
        "INSERT INTO readings (reading_id, organization_id, location_id, robot_id, robot_name, part_id, "
        "part_name, component_type, component_name, method_name, time_received_ns, data) "
        "VALUES (?, ?, 'loc', 'robot', 'r', 'part', 'p', 'rdk:component:sensor', 'temp', 'Readings', ?, '{}')",
        [(f"{org}-{t}-{k}-{len(times)}-{id(times)}", org, t) for k, t in enumerate(times)])


@pytest.fixture(scope="module")
def conn() -> Iterator[sqlite3.Connection]:
    db = sqlite3.connect(":memory:")
    db.row_factory = sqlite3.Row
    create_schema(db)
    # Interleave two organizations so each one's ids are not contiguous.
    for _ in range(2):
        _insert(db, "org-a", [T - 1] * 10 + [T] * (TIES // 2) + [T + 1] * 10)
        _insert(db, "org-b", [T] * 1000)
    yield db
    db.close()


def _page(db: sqlite3.Connection, orgs: Optional[List[str]], after: Optional[Tuple[int, int]],
          descending: bool = False, limit: int = PAGE) -> Tuple[List[Any], int]:
    steps = [0]

    def count() -> int:
        steps[0] += 1
        return 0

    db.set_progress_handler(count, 1)
    try:
        rows = q.fetch_page(db, q.READINGS, q.Where(orgs=orgs), descending=descending, limit=limit,
                            snapshot=q.max_row_id(db, q.READINGS), after=after)
    finally:
        db.set_progress_handler(None, 0)
    return rows, steps[0]


def _ids(db: sqlite3.Connection, org: str, descending: bool) -> List[int]:
    order = "DESC" if descending else "ASC"
    return [r[0] for r in db.execute(
        f"SELECT id FROM readings WHERE organization_id = ? ORDER BY time_received_ns {order}, id {order}", (org,))]


@pytest.mark.parametrize("descending", [False, True])
def test_a_page_after_50000_equal_timestamps_costs_what_the_first_page_costs(
    conn: sqlite3.Connection, descending: bool
) -> None:
    order = _ids(conn, "org-a", descending)
    # org-a in order: 20 rows before T, 50,000 at T, 20 after. The cursor is the
    # 49,981st tie: the page is the other 19 ties, then the 20 rows after T.
    cursor = order[TIES]
    assert conn.execute("SELECT time_received_ns FROM readings WHERE id = ?", (cursor,)).fetchone()[0] == T
    first, first_steps = _page(conn, ["org-a"], None, descending)
    later, later_steps = _page(conn, ["org-a"], (T, cursor), descending)
    assert [r["id"] for r in first] == order[:PAGE]
    assert [r["id"] for r in later] == order[TIES + 1:]
    assert len(later) == 19 + 20
    # Rescanning the ties costs tens of steps per tied row (over a million steps);
    # a seek on the full key costs about what the first page costs.
    assert later_steps < 3 * first_steps + 2000, (first_steps, later_steps)


def test_paging_through_ties_returns_every_row_once_in_order(conn: sqlite3.Connection) -> None:
    for descending in (False, True):
        order = "DESC" if descending else "ASC"
        expected = [r[0] for r in conn.execute(
            f"SELECT id FROM readings ORDER BY time_received_ns {order}, id {order}")]
        seen: List[int] = []
        after: Optional[Tuple[int, int]] = None
        while True:
            rows, _ = _page(conn, ["org-a", "org-b"], after, descending, limit=997)
            if not rows:
                break
            seen += [r["id"] for r in rows]
            after = (rows[-1]["time_received_ns"], rows[-1]["id"])
        assert seen == expected


def test_a_page_of_every_organization_is_seeks_too(conn: sqlite3.Connection) -> None:
    """With auth off and no organization named, a page used to sort every row."""
    order = [r[0] for r in conn.execute("SELECT id FROM readings ORDER BY time_received_ns, id")]
    cursor = order[len(order) // 2]
    time_ns = conn.execute("SELECT time_received_ns FROM readings WHERE id = ?", (cursor,)).fetchone()[0]
    first, first_steps = _page(conn, None, None)
    later, later_steps = _page(conn, None, (time_ns, cursor))
    assert [r["id"] for r in first] == order[:PAGE]
    assert [r["id"] for r in later] == order[len(order) // 2 + 1:][:PAGE]
    assert later_steps < 3 * first_steps + 2000, (first_steps, later_steps)
    assert first_steps < 20_000, first_steps  # not a sort of the 52,000 rows
