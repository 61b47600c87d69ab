"""Nothing from a query worker reaches the server's stderr except through logging.

A library's log line or a Python warning in the worker (here ``re``'s FutureWarning for a
``$regex`` with a nested set) went to Python's last-resort handler, printed on the
server's stderr; the worker had no logging set up. Now the worker forwards its records
to the server's logging."""

from __future__ import annotations

import logging
import uuid
from typing import Any

import bson

from viam_data_sync._proto.app.data.v1 import data_pb2

from .conftest import Api


def test_a_library_warning_in_the_worker_goes_to_the_servers_logging(
        api: Api, capfd: Any, caplog: Any) -> None:
    api.upload_tabular([{"x": 1}])
    caplog.set_level(logging.DEBUG, logger="py.warnings")
    # A fresh pattern each run: ``re`` warns once per pattern it compiles.
    pattern = f"[[{uuid.uuid4().hex}]x]"
    stages = [{"$match": {"component_name": {"$not": {"$regex": pattern}}}}, {"$count": "n"}]
    request = data_pb2.TabularDataByMQLRequest(organization_id=api.organization_id,
                                               mql_binary=[bson.encode(s) for s in stages])
    rows = [bson.decode(raw) for raw in api.call(api.data.TabularDataByMQL, request, timeout=60).raw_data]
    assert rows == [{"n": 1}]
    _, err = capfd.readouterr()
    assert "Possible nested set" not in err
    forwarded = [r for r in caplog.records if r.name == "py.warnings"]
    assert forwarded and "Possible nested set" in forwarded[0].getMessage()
    assert "query worker (level WARNING)" in forwarded[0].getMessage()
    assert forwarded[0].levelno == logging.DEBUG
