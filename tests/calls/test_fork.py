"""A client used before fork keeps working in a forked child (Airflow, Celery,
multiprocessing workers), and in the parent afterwards."""
from __future__ import annotations

import multiprocessing
import os
import sys

import pytest

from viam_data_sync._connect import caller_from_api_key
from viam_data_sync._proto.app.data.v1 import data_pb2
from viam_data_sync._rpcs import DataService

from .conftest import API_KEY, API_KEY_ID

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="fork is POSIX-only")


def _child(caller, queue):
    try:
        response = caller.call(DataService.TagsByFilter, data_pb2.TagsByFilterRequest())
        queue.put(("ok", os.getpid(), list(response.tags)))
    except BaseException as exc:  # report, don't hang the parent
        queue.put(("error", os.getpid(), repr(exc)))


def test_client_used_before_fork_works_in_child_and_parent(server):
    server.state.tags.append("forked")
    caller = caller_from_api_key(API_KEY, API_KEY_ID, server.address, insecure=True)
    first = caller.call(DataService.TagsByFilter, data_pb2.TagsByFilterRequest())
    assert list(first.tags) == ["forked"]

    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    children = [ctx.Process(target=_child, args=(caller, queue)) for _ in range(2)]
    for child in children:
        child.start()
    results = [queue.get(timeout=60) for _ in children]
    for child in children:
        child.join(timeout=30)
        assert child.exitcode == 0
    assert all(status == "ok" and tags == ["forked"] for status, _pid, tags in results), results
    assert {pid for _s, pid, _t in results}.isdisjoint({os.getpid()})

    again = caller.call(DataService.TagsByFilter, data_pb2.TagsByFilterRequest())
    assert list(again.tags) == ["forked"]
