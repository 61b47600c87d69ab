"""The local SQL engine against a real SQLite store file."""
from __future__ import annotations

import datetime as dt
import sqlite3

import bson
import pytest

from tests.server._readings_fixture import T0, open_store, row
from viam_data_sync.server._query_errors import QueryError
from viam_data_sync.server.store.schema import QUERY_COLUMNS
from viam_data_sync.server.engines.sql import run_sql


def sql(conn, query, orgs=("org-1",), **kwargs):
    result = run_sql(conn, list(orgs), query, **kwargs)
    for doc in result:  # every result must survive the wire
        assert bson.decode(bson.encode(doc), codec_options=bson.CodecOptions(tz_aware=True)) == doc
    return result


def test_select_star_returns_cloud_columns_decoded(conn):
    [doc] = sql(conn, "SELECT * FROM readings WHERE component_name = 'temp' "
                      "ORDER BY time_received LIMIT 1")
    assert tuple(doc) == QUERY_COLUMNS
    assert doc["time_received"] == T0 and doc["time_received"].tzinfo is not None
    assert doc["tags"] == ["lab"]
    assert doc["additional_parameters"] == {"pin_name": "p0"}
    assert doc["data"]["readings"]["nested"] == {"a": 0}
    assert "robot_name" not in doc and "part_name" not in doc


def test_dotted_json_paths_keep_json_types_and_are_named_by_last_segment(conn):
    rows = sql(conn, 'SELECT data.readings.temperature, data.readings."temp-1", '
                     "`data`.readings.ok, data.readings.nested AS n FROM readings "
                     "WHERE data.readings.temperature >= 24 ORDER BY temperature DESC")
    assert rows == [
        {"temperature": 25, "temp-1": 7.5, "ok": False, "n": {"a": 5}},
        {"temperature": 24, "temp-1": 6.0, "ok": True, "n": {"a": 4}},
    ]


def test_arrays_and_additional_parameters(conn):
    [cam] = sql(conn, "SELECT data.detections FROM readings WHERE component_name = 'cam'")
    assert cam["detections"][0] == {"class_name": "cat", "confidence": 0.9}
    rows = sql(conn, "SELECT r.additional_parameters.pin_name FROM sensorData.readings AS r "
                     "WHERE r.additional_parameters.pin_name IN ('p1', 'p2') ORDER BY 1")
    assert rows == [{"pin_name": "p1"}, {"pin_name": "p2"}]


def test_time_comparisons_with_cast_and_timestamp_literal(conn):
    query = ("SELECT COUNT(*) AS n FROM readings WHERE component_name = 'temp' AND "
             "time_received >= CAST('2024-01-01T02:00:00.000Z' AS TIMESTAMP) AND "
             "time_received < TIMESTAMP '2024-01-01 04:00:00'")
    assert sql(conn, query) == [{"n": 2}]
    between = sql(conn, "SELECT component_name FROM readings WHERE time_received BETWEEN "
                        "CAST('2024-01-02T00:00:00Z' AS TIMESTAMP) AND "
                        "CAST('2024-01-02T00:01:00Z' AS TIMESTAMP)")
    assert between == [{"component_name": "motor"}] * 2


def test_group_by_aggregates_and_time_through_max(conn):
    rows = sql(conn, "SELECT component_name, COUNT(*), MIN(time_received) AS first, "
                     "MAX(time_received) AS last, AVG(data.readings.temperature) AS avg, "
                     "SUM(data.`position`) AS total FROM readings GROUP BY component_name "
                     "ORDER BY component_name")
    assert [r["component_name"] for r in rows] == ["cam", "motor", "temp"]
    temp = rows[2]
    assert temp["_2"] == 6 and temp["avg"] == 22.5
    assert temp["first"] == T0 and temp["last"] == T0 + dt.timedelta(hours=5)
    assert rows[1]["total"] == 30


def test_where_operators_like_or_null_offset_and_quotes(conn):
    rows = sql(conn, "SELECT component_name AS c FROM readings WHERE (component_name LIKE 'mo%' "
                     "OR component_name = 'cam') AND data.`missing` IS NULL "
                     "ORDER BY time_received LIMIT 2 OFFSET 1")
    assert rows == [{"c": "motor"}, {"c": "motor"}]
    assert sql(conn, "SELECT 'it''s' AS s FROM readings LIMIT 1") == [{"s": "it's"}]


@pytest.mark.parametrize("query, construct", [
    ("WITH t AS (SELECT component_name AS c FROM readings) SELECT c FROM t",
     "WITH (common table expressions) is"),
    ("WITH RECURSIVE r(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM r) SELECT n FROM r",
     "WITH (common table expressions) is"),
    ("SELECT component_name FROM readings UNION SELECT method_name FROM readings", "UNION is"),
    ("SELECT component_name FROM readings EXCEPT SELECT method_name FROM readings", "EXCEPT is"),
    ("SELECT component_name FROM readings INTERSECT SELECT method_name FROM readings",
     "INTERSECT is"),
    ("SELECT * FROM readings a JOIN readings b ON a._id = b._id", "joins are"),
    ("SELECT * FROM readings a, readings b", "joins are"),
    ("SELECT n FROM (SELECT COUNT(*) AS n FROM readings) AS q", "subqueries are"),
    ("SELECT * FROM readings WHERE component_name IN (SELECT method_name FROM readings)",
     "subqueries are"),
    ("SELECT * FROM readings WHERE EXISTS (SELECT * FROM readings)", "EXISTS subqueries are"),
    ("SELECT 1 AS one", "SELECT without FROM is"),
])
def test_relational_forms_are_refused_naming_the_construct(conn, query, construct):
    """Joins, WITH, set operations, subqueries and SELECT without FROM ran on SQLite with
    SQLite's semantics (NULL for MISSING, 0/1 booleans), not MongoSQL's: refused instead."""
    with pytest.raises(QueryError) as excinfo:
        run_sql(conn, ["org-1"], query)
    assert str(excinfo.value) == (
        f"unsupported SQL: {construct} not offered by the local server (their MongoSQL "
        "semantics are not implemented); write one SELECT ... FROM readings, or run the "
        "query against the cloud")


def test_org_isolation_even_when_asking_for_the_other_org(conn):
    assert sql(conn, "SELECT COUNT(*) AS n FROM readings") == [{"n": 10}]
    assert sql(conn, "SELECT COUNT(*) AS n FROM readings WHERE organization_id = 'org-2'") == [
        {"n": 0}]
    assert sql(conn, "SELECT * FROM readings WHERE 1 = 1 OR organization_id = 'org-2'",
               orgs=("org-2",))[0]["organization_id"] == "org-2"
    both = sql(conn, "SELECT COUNT(*) AS n FROM readings", orgs=("org-1", "org-2"))
    assert both == [{"n": 14}]
    assert sql(conn, "SELECT COUNT(*) AS n FROM readings", orgs=()) == [{"n": 0}]


def test_org_id_with_quote_is_bound_not_pasted(tmp_path):
    conn = open_store(tmp_path / "q.db", [row(organization_id="o'1 OR 1=1 --")])
    assert sql(conn, "SELECT COUNT(*) AS n FROM readings", orgs=("o'1 OR 1=1 --",)) == [{"n": 1}]


@pytest.mark.parametrize("query, message", [
    ("INSERT INTO readings (data) VALUES ('{}')", "INSERT statements are read-only"),
    ("UPDATE readings SET data = '{}'", "UPDATE statements are read-only"),
    ("DELETE FROM readings", "DELETE statements are read-only"),
    ("DROP TABLE readings", "DROP statements are read-only"),
    ("PRAGMA query_only = 0", "PRAGMA statements are read-only"),
    ("ATTACH DATABASE 'x.db' AS x", "ATTACH statements are read-only"),
    ("SELECT * FROM readings; DELETE FROM readings", "unexpected text|multiple statements"),
    ("SELECT * FROM sqlite_master", "unknown table sqlite_master"),
    ("SELECT * FROM other.readings", "unknown table other.readings"),
    ("SELECT * FROM readings JOIN users ON 1", "joins are not offered by the local server"),
    ("SELECT robot_name FROM readings", "robot_name is not a column"),
    ("SELECT component_name.x FROM readings", "component_name is not a document"),
    ("SELECT * FROM readings WHERE time_received > CAST('soon' AS TIMESTAMP)", "'soon'"),
    ("SELECT * FROM readings WHERE time_received > CAST('2024-01-01' AS DATE)", "no DATE type"),
    ("SELECT * FROM readings WHERE component_name = ?", "query parameters"),
    ("SELECT FROM WHERE", "invalid SQL"),
    ("SELECT * FROM readings WHERE (", "invalid SQL"),
    ("SELECT nosuch FROM readings", "no such column: nosuch"),
])
def test_query_errors(conn, query, message):
    with pytest.raises(QueryError, match=message.replace("?", r"\?").replace("(", r"\(")):
        run_sql(conn, ["org-1"], query)
    assert conn.execute("SELECT COUNT(*) FROM readings").fetchone() == (14,)


def test_authorizer_is_removed_after_the_call(conn):
    run_sql(conn, ["org-1"], "SELECT 1 AS one FROM readings LIMIT 1")
    conn.execute("UPDATE readings SET tags = '[]' WHERE 0")  # writes work again
    with pytest.raises(QueryError):
        run_sql(conn, ["org-1"], "DELETE FROM readings")
    conn.execute("UPDATE readings SET tags = '[]' WHERE 0")


def test_max_rows(conn):
    assert len(sql(conn, "SELECT component_name FROM readings", max_rows=10)) == 10
    with pytest.raises(QueryError, match="result too large; add LIMIT|add LIMIT"):
        run_sql(conn, ["org-1"], "SELECT component_name FROM readings", max_rows=9)


def test_time_precision_is_milliseconds_and_utc(tmp_path):
    conn = open_store(tmp_path / "t.db", [row(time_received=T0, extra_ns=1_234_567)])
    [doc] = sql(conn, "SELECT time_received, time_requested AS req FROM readings")
    assert doc["time_received"] == T0 + dt.timedelta(milliseconds=1)
    assert doc["req"].utcoffset() == dt.timedelta(0)


def test_connection_row_factory_is_irrelevant(conn):
    conn.row_factory = sqlite3.Row
    assert sql(conn, "SELECT COUNT(*) AS n FROM readings") == [{"n": 10}]


def test_evaluation_errors_speak_of_sql_and_huge_integers_are_doubles(conn):
    with pytest.raises(QueryError) as excinfo:
        sql(conn, "SELECT SIZE('abc') AS s FROM readings")
    assert str(excinfo.value).startswith("SQL error: ") and "MQL" not in str(excinfo.value)
    [row] = sql(conn, "SELECT 99999999999999999999999 AS big FROM readings LIMIT 1")
    assert row == {"big": 1e23} and isinstance(row["big"], float)
