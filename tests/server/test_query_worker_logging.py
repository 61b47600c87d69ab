"""Nothing from a query worker reaches the server's stderr except through logging.

sqlglot logs "DATEDIFF unsupported for ..." when it writes SQLite for a relational query;
the worker had no logging set up, so Python's last-resort handler printed the line on
the server's stderr. Now the worker forwards its records to the server's logging."""

from __future__ import annotations

import logging
from typing import Any

import bson

from viam_data_sync._proto.app.data.v1 import data_pb2

from .conftest import Api

_QUERY = ("WITH t AS (SELECT time_received FROM readings) "
          "SELECT DATEDIFF('day', time_received, time_received) AS d FROM t")


def test_a_library_warning_in_the_worker_goes_to_the_servers_logging(
        api: Api, capfd: Any, caplog: Any) -> None:
    api.upload_tabular([{"readings": {"x": 1}}])
    caplog.set_level(logging.DEBUG, logger="sqlglot")
    request = data_pb2.TabularDataBySQLRequest(organization_id=api.organization_id, sql_query=_QUERY)
    rows = [bson.decode(raw) for raw in api.call(api.data.TabularDataBySQL, request, timeout=60).raw_data]
    assert len(rows) == 1
    _, err = capfd.readouterr()
    assert "unsupported" not in err
    forwarded = [r for r in caplog.records if r.name == "sqlglot"]
    assert forwarded and "DATEDIFF unsupported" in forwarded[0].getMessage()
    assert forwarded[0].levelno == logging.DEBUG
