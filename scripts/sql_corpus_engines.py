"""Measures the local server's SQL engine: pass count on the SQL corpus and query times.

    python scripts/sql_corpus_engines.py corpus [-v]     # corpus cases answered as documented
    python scripts/sql_corpus_engines.py speed [N]       # milliseconds per query over N readings (default 20000)

The engine is ``engines/sql.run_sql``: the query compiled to an aggregation pipeline and
run by the MQL evaluator, as the server runs it. ``speed`` times each query against a
baseline measured in the same run over the same store file: the same question asked of
SQLite directly (``json_extract`` over the ``readings`` table), the fastest a SQLite-backed
answer could be. Figures are ratios within one run.
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.server._readings_fixture import T0, open_store, row  # noqa: E402
from tests.server.sql_corpus import CASES  # noqa: E402
from tests.server.test_sql_corpus import _rows, canonical  # noqa: E402
from viam_data_sync.server._query_errors import QueryError  # noqa: E402
from viam_data_sync.server.engines.sql import run_sql  # noqa: E402


def _passes(case: Dict[str, Any], folder: Path) -> bool:
    conn = open_store(folder / f"{case['name']}.db", _rows(case))
    try:
        try:
            got = run_sql(conn, ["org-1"], case["query"])
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
    with tempfile.TemporaryDirectory() as folder:
        results = [(case["name"], _passes(case, Path(folder))) for case in CASES]
    print(f"compiled: {sum(ok for _, ok in results)}/{len(results)} corpus cases as documented")
    if verbose:
        for case_name, ok in results:
            if not ok:
                print(f"  differs: {case_name}")


#: Each query the server answers, with the same question asked of SQLite directly.
QUERIES: List[Dict[str, str]] = [
    {"sql": "SELECT component_name, COUNT(*) AS n, AVG(data.readings.temperature) AS t FROM readings "
            "GROUP BY component_name",
     "sqlite": "SELECT component_name, COUNT(*), AVG(json_extract(data, '$.readings.temperature')) "
               "FROM readings WHERE organization_id = 'org-1' GROUP BY component_name"},
    {"sql": "SELECT data.readings.temperature FROM readings WHERE component_name = 'c3' "
            "ORDER BY time_received DESC LIMIT 10",
     "sqlite": "SELECT json_extract(data, '$.readings.temperature') FROM readings "
               "WHERE organization_id = 'org-1' AND component_name = 'c3' "
               "ORDER BY time_received_ns DESC LIMIT 10"},
    {"sql": "SELECT component_name, data.readings.temperature FROM readings "
            "ORDER BY data.readings.temperature DESC LIMIT 10",
     "sqlite": "SELECT component_name, json_extract(data, '$.readings.temperature') AS t FROM readings "
               "WHERE organization_id = 'org-1' ORDER BY t DESC, id LIMIT 10"},
    {"sql": "SELECT component_name FROM readings WHERE data.readings.temperature > 25 LIMIT 10",
     "sqlite": "SELECT component_name FROM readings WHERE organization_id = 'org-1' "
               "AND json_extract(data, '$.readings.temperature') > 25 ORDER BY id LIMIT 10"},
    {"sql": "SELECT * FROM readings WHERE component_name = 'c3'",
     "sqlite": "SELECT * FROM readings WHERE organization_id = 'org-1' AND component_name = 'c3'"},
]


def speed(count: int) -> None:
    rows = [row(component_name=f"c{i % 10}", time_received=T0 + dt.timedelta(seconds=i),
                data={"readings": {"temperature": 20 + i % 7}}) for i in range(count)]
    with tempfile.TemporaryDirectory() as folder:
        conn = open_store(Path(folder) / "speed.db", rows)
        for query in QUERIES:
            start = time.perf_counter()
            run_sql(conn, ["org-1"], query["sql"])
            compiled = time.perf_counter() - start
            start = time.perf_counter()
            conn.execute(query["sqlite"]).fetchall()
            sqlite = time.perf_counter() - start
            print(f"{count} readings: compiled {compiled * 1000:.1f} ms, SQLite alone {sqlite * 1000:.2f} ms "
                  f"({compiled / sqlite:.1f}x) for {query['sql'][:60]}...")
        conn.close()


if __name__ == "__main__":
    if sys.argv[1:2] == ["speed"]:
        speed(int(sys.argv[2]) if len(sys.argv) > 2 else 20_000)
    else:
        corpus("-v" in sys.argv)
