"""The SQL sandbox allows functions rather than forbidding them (issue 23, item 5).

The system SQLite is built with ENABLE_FTS3_TOKENIZER, and the sandbox allowed every
function but ``load_extension``: ``SELECT hex(fts3_tokenizer('simple'))`` leaked a
library pointer, and the two-argument form overwrote it in the shared warm worker, where
the next organization's query read it back. Now SQL is compiled to an aggregation
pipeline (no SQLite function runs); any function MongoSQL's compiler here does not know
is INVALID_ARGUMENT naming it.
"""

from __future__ import annotations

import bson
import grpc
import pytest

from viam_data_sync._proto.app.data.v1 import data_pb2

from .conftest import Api


def _sql(api: Api, query: str) -> list:
    request = data_pb2.TabularDataBySQLRequest(organization_id=api.organization_id, sql_query=query)
    return [bson.decode(raw) for raw in api.call(api.data.TabularDataBySQL, request, timeout=60).raw_data]


@pytest.mark.parametrize(
    "query, function",
    [
        ("SELECT hex(fts3_tokenizer('simple')) AS p FROM readings", "fts3_tokenizer"),
        ("SELECT fts3_tokenizer('simple', fts3_tokenizer('porter')) AS p FROM readings", "fts3_tokenizer"),
        ("SELECT load_extension('x') AS p FROM readings", "load_extension"),
        ("SELECT sqlite_compileoption_get(0) AS p FROM readings", "sqlite_compileoption_get"),
        ("SELECT randomblob(16) AS p FROM readings", "randomblob"),
        ("SELECT component_name FROM readings WHERE fts3_tokenizer('simple') IS NOT NULL", "fts3_tokenizer"),
    ],
)
def test_a_function_outside_the_allowed_list_is_refused_by_name(api: Api, query: str, function: str) -> None:
    with pytest.raises(grpc.RpcError) as excinfo:
        _sql(api, query)
    assert excinfo.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert function in excinfo.value.details()


def test_the_functions_queries_use_still_run(api: Api) -> None:
    api.upload_tabular([{"readings": {"temperature": 21.24, "label": "Abc"}}])
    [row] = _sql(
        api,
        "SELECT u, t, COUNT(*) AS n, COALESCE(NULL, 3) AS c, ABS(-2) AS a FROM readings "
        "GROUP BY UPPER(data.readings.label) AS u, ROUND(data.readings.temperature, 1) AS t",
    )
    assert row == {"u": "ABC", "t": 21.2, "n": 1, "c": 3, "a": 2}
