"""Suite-wide collection order: the longest tests start first.

The suite runs on xdist workers (``scripts/test.sh``), which hand out tests in
collection order. Whole-package mypy (about 100 s alone), the client-only install, and
the Airflow, Dask and Spark tests would otherwise be collected last and leave one worker
running long after the others finish.
"""

from __future__ import annotations

from typing import List

import pytest

#: Path fragments of the longest tests' files, longest first.
LONGEST_FIRST = (
    "tests/test_typing.py",
    "tests/test_extras.py",
    "tests/engines/",
    "tests/docs/",
    "tests/sync/",
    "tests/server/test_fuzz.py",
)


def _rank(item: pytest.Item) -> int:
    path = item.nodeid
    for rank, fragment in enumerate(LONGEST_FIRST):
        if path.startswith(fragment):
            return rank
    return len(LONGEST_FIRST)


def pytest_collection_modifyitems(items: List[pytest.Item]) -> None:
    items.sort(key=_rank)  # stable: the order within each group is kept
