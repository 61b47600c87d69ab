"""The SQL corpus (tests/server/sql_corpus): MongoSQL's documented answers, recast over
``readings``, asked of the local SQL engine over a real store file. Each case's readings
are in org-1 with a look-alike reading in org-2 that must never show."""

from __future__ import annotations

import datetime as dt
from typing import Any, Dict, List

import bson
import pytest

from tests.server._readings_fixture import T0, open_store, row
from viam_data_sync.server._query_errors import QueryError
from viam_data_sync.server.engines.sql import run_sql

from .sql_corpus import CASES


def canonical(value: Any) -> Any:
    """A comparable form that keeps BSON's types apart (true is not 1, 2 is not 2.0)."""
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, int):
        return ("int", value)
    if isinstance(value, float):
        return ("double", value)
    if isinstance(value, dict):
        return ("doc", tuple(sorted((k, canonical(v)) for k, v in value.items())))
    if isinstance(value, list):
        return ("array", tuple(canonical(v) for v in value))
    if value is None:
        return ("null",)
    return (type(value).__name__, value)


def _rows(case: Dict[str, Any]) -> List[Dict[str, Any]]:
    times = case.get("times") or [(T0 + dt.timedelta(seconds=i),) * 2 for i in range(len(case["docs"]))]
    rows = [row(data=doc, time_received=received, time_requested=requested)
            for doc, (received, requested) in zip(case["docs"], times)]
    rows.append(row(organization_id="org-2", data=case["docs"][0], time_received=times[0][0]))
    return rows


def test_corpus_is_cited_and_covers_the_issue() -> None:
    names = [case["name"] for case in CASES]
    assert len(names) == len(set(names)) and len(CASES) >= 60
    assert all(case["source"].startswith("https://") for case in CASES)
    assert all(("expected" in case) + ("error" in case) == 1 for case in CASES)
    text = " ".join(case["query"] for case in CASES)
    for construct in ("FLATTEN(", "UNWIND(", " AS ap2", "IS MISSING", "IS NUMBER", "ON NULL",
                      "ON ERROR", "SIZE(", "STDDEV_SAMP(", "DATEADD(", "DATEDIFF(", "DATETRUNC(",
                      "EXTRACT(", "LIMIT 2, 1", "NOT IN", "POSITION(", "ROUND(", "LIMIT -1",
                      "ORDER BY 1 + 2", "data.value", "['b']", "AS BOOL", "AS TIMESTAMP"):
        assert construct in text, construct


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_local_sql_answers_as_documented(tmp_path: Any, case: Dict[str, Any]) -> None:
    conn = open_store(tmp_path / "store.db", _rows(case))
    try:
        if "error" in case:
            with pytest.raises(QueryError) as excinfo:
                run_sql(conn, ["org-1"], case["query"])
            assert case["error"] in str(excinfo.value)
            return
        got = run_sql(conn, ["org-1"], case["query"])
    finally:
        conn.close()
    for doc in got:  # every row must survive the wire unchanged
        assert bson.decode(bson.encode(doc), codec_options=bson.CodecOptions(tz_aware=True)) == doc
    if case.get("ordered"):
        assert [canonical(r) for r in got] == [canonical(r) for r in case["expected"]]
    else:
        assert sorted(map(repr, map(canonical, got))) == sorted(
            map(repr, map(canonical, case["expected"])))
