"""Public objects show their public names where users look (``help()``, reprs,
tracebacks, the API reference), pickle still finds them there, and no public docstring
points at a private module or file."""
from __future__ import annotations

import importlib
import inspect
import pickle
import pydoc
import re
import subprocess
import sys
from typing import Any, Iterator, Tuple

import pytest

import viam_data_sync
from viam_data_sync import DataClient

PUBLIC_MODULES = ("viam_data_sync", "viam_data_sync.proto", "viam_data_sync.server", "viam_data_sync.testing",
                  "viam_data_sync.dask", "viam_data_sync.airflow")


def public_objects() -> Iterator[Tuple[str, Any]]:
    """``(public name, object)`` for every public name and the members of public classes."""
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        yield module_name, module
        for name in getattr(module, "__all__", [n for n in vars(module) if not n.startswith("_")]):
            obj = getattr(module, name)
            yield f"{module_name}.{name}", obj
            generated = hasattr(obj, "DESCRIPTOR")  # a protobuf message: its members are protobuf's
            if isinstance(obj, type) and (obj.__module__ or "").startswith("viam_data_sync") and not generated:
                for attr in dir(obj):  # its own members, and DataClient's chapters'
                    if not attr.startswith("_") and (attr in vars(obj) or obj is DataClient):
                        yield f"{module_name}.{name}.{attr}", getattr(obj, attr)


def test_help_shows_the_public_module() -> None:
    text = pydoc.render_doc(DataClient.iter_tabular, renderer=pydoc.plaintext)
    assert text.splitlines()[0] == "Python Library Documentation: function iter_tabular in module viam_data_sync"
    assert "_api" not in text.split("\n", 3)[2]
    assert repr(DataClient.TabularData) == "<class 'viam_data_sync.DataClient.TabularData'>"


def test_every_public_class_and_function_reports_a_public_module() -> None:
    private = {name: obj.__module__ for name, obj in public_objects()
               if (inspect.isclass(obj) or inspect.isfunction(obj) or inspect.ismethod(obj))
               and isinstance(obj.__module__, str)
               and obj.__module__.startswith("viam_data_sync") and re.search(r"\._", obj.__module__)}
    assert not private, private


@pytest.mark.parametrize("name", ["DataClient", "Partition", "RetryPolicy", "TabularIterator", "ApiError"])
def test_top_level_classes_pickle_by_their_public_name(name: str) -> None:
    cls = getattr(viam_data_sync, name)
    assert cls.__module__ == "viam_data_sync" and pickle.loads(pickle.dumps(cls)) is cls


def test_methods_and_result_types_pickle_as_members_of_dataclient() -> None:
    for obj in (DataClient.iter_tabular, DataClient.TabularData, DataClient.DatabaseConnection):
        assert pickle.loads(pickle.dumps(obj)) is obj
    assert pickle.loads(pickle.dumps(DataClient.from_env)) == DataClient.from_env  # a bound classmethod


def test_instances_pickle_and_round_trip_in_a_fresh_process() -> None:
    """A worker process unpickles what the parent sent (partitions, rows, messages)."""
    from viam_data_sync.proto import Filter
    from viam_data_sync.server import FleetIds

    values = [viam_data_sync.create_filter(component_name="c"), Filter(component_name="c"),
              FleetIds("o", "on", "l", "ln", "r", "rn", "p", "pn"), viam_data_sync.RetryPolicy(max_attempts=2)]
    payload = pickle.dumps(values)
    script = "import pickle, sys; print([type(v).__qualname__ for v in pickle.loads(sys.stdin.buffer.read())])"
    done = subprocess.run([sys.executable, "-c", script], input=payload, capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode().strip() == "['Filter', 'Filter', 'FleetIds', 'RetryPolicy']"


def test_no_public_docstring_names_a_private_module_or_file() -> None:
    private = re.compile(r"\b_[a-z_]+\.py\b|viam_data_sync\.(\w+\.)*_[a-z]")
    found = [f"{name}: {m.group(0)}" for name, obj in public_objects()
             for m in [private.search(inspect.getdoc(obj) or "")] if m and not isinstance(obj, (str, int, float))]
    assert not found, found
