"""Measures the two SQL designs: pass counts on the SQL corpus and the time of typical queries.

    python scripts/sql_corpus_engines.py corpus [-v]     # corpus cases each design answers as documented
    python scripts/sql_corpus_engines.py speed [N]       # seconds per query over N readings (default 20000)

``compiled`` is ``engines/sql.run_sql`` (the query compiled to an aggregation pipeline and run
by the MQL evaluator); ``sqlite`` is ``engines/sql_relational.run_relational_sql`` (the
sqlglot rewrite run by SQLite, the engine before this design). Both read the same real store
file; timings are ratios within one run.
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Dict, List

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.server._readings_fixture import T0, open_store, row  # noqa: E402
from tests.server.sql_corpus import CASES  # noqa: E402
from tests.server.test_sql_corpus import _rows, canonical  # noqa: E402
from viam_data_sync.server._query_errors import QueryError  # noqa: E402
from viam_data_sync.server.engines.sql import run_sql  # noqa: E402
from viam_data_sync.server.engines.sql_relational import run_relational_sql  # noqa: E402

ENGINES: Dict[str, Callable[..., List[Dict[str, Any]]]] = {
    "compiled": run_sql, "sqlite": run_relational_sql}


def _passes(engine: Callable[..., List[Dict[str, Any]]], case: Dict[str, Any], folder: Path) -> bool:
    conn = open_store(folder / f"{case['name']}.db", _rows(case))
    try:
        try:
            got = engine(conn, ["org-1"], case["query"])
        except QueryError as err:
            return "error" in case and case["error"] in str(err)
        if "error" in case:
            return False
        if case.get("ordered"):
            return [canonical(r) for r in got] == [canonical(r) for r in case["expected"]]
        return sorted(map(repr, map(canonical, got))) == sorted(map(repr, map(canonical, case["expected"])))
    finally:
        conn.close()


def corpus(verbose: bool) -> None:
    for name, engine in ENGINES.items():
        with tempfile.TemporaryDirectory() as folder:
            results = [(case["name"], _passes(engine, case, Path(folder))) for case in CASES]
        print(f"{name}: {sum(ok for _, ok in results)}/{len(results)} corpus cases as documented")
        if verbose:
            for case_name, ok in results:
                if not ok:
                    print(f"  differs: {case_name}")


QUERIES = [
    "SELECT component_name, COUNT(*) AS n, AVG(data.readings.temperature) AS t FROM readings "
    "GROUP BY component_name",
    "SELECT data.readings.temperature FROM readings WHERE component_name = 'c3' "
    "ORDER BY time_received DESC LIMIT 10",
]


def speed(count: int) -> None:
    rows = [row(component_name=f"c{i % 10}", time_received=T0 + dt.timedelta(seconds=i),
                data={"readings": {"temperature": 20 + i % 7}}) for i in range(count)]
    with tempfile.TemporaryDirectory() as folder:
        conn = open_store(Path(folder) / "speed.db", rows)
        for query in QUERIES:
            times = {}
            for name, engine in ENGINES.items():
                start = time.perf_counter()
                engine(conn, ["org-1"], query)
                times[name] = time.perf_counter() - start
            print(f"{count} readings: compiled {times['compiled']:.3f} s, sqlite {times['sqlite']:.3f} s "
                  f"({times['compiled'] / times['sqlite']:.1f}x) for {query[:60]}...")
        conn.close()


if __name__ == "__main__":
    if sys.argv[1:2] == ["speed"]:
        speed(int(sys.argv[2]) if len(sys.argv) > 2 else 20_000)
    else:
        corpus("-v" in sys.argv)
