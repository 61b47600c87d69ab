"""Runs the MQL corpus (tests/server/mql_corpus) against an engine and prints pass counts.

    python scripts/mql_corpus_engines.py ours          # the aggregation evaluator
    python scripts/mql_corpus_engines.py layer         # run_mql over documents (server wiring)
    python scripts/mql_corpus_engines.py mongomock     # mongomock's process_pipeline, no layer
    PYTHONPATH=DIR python scripts/mql_corpus_engines.py mongomock-ng

``layer`` measures whatever ``server/_mql.py`` the import finds: run the script from a
checkout of 64233dd (``PYTHONPATH=<checkout>``) to measure the mongomock-based layer it
had, and ``layer-ng`` to measure that layer with mongomock-ng standing in for mongomock.

mongomock-ng (module ``mongomock_ng``) is measured from a directory made with
``pip install --no-deps --target DIR mongomock-ng==7.11.1``, never installed into the
project. Prints one line per failing case with ``-v``.
"""

from __future__ import annotations

import copy
import importlib
import sys
from pathlib import Path
from typing import Any, Callable, Dict, List

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.server.mql_corpus import CASES  # noqa: E402
from tests.server.mql_corpus._check import mismatch  # noqa: E402


def _engine(name: str) -> Callable[[List[Dict[str, Any]], List[Dict[str, Any]]], List[Dict[str, Any]]]:
    if name == "ours":
        from viam_data_sync.server.engines.aggregation import run_pipeline
        return run_pipeline
    if name == "layer":
        from viam_data_sync.server.engines.mql import run_mql
        return lambda docs, pipeline: run_mql(None, [], pipeline, documents=docs)  # type: ignore[arg-type]
    if name in ("mongomock", "mongomock-ng"):
        module = importlib.import_module("mongomock_ng.aggregate" if name == "mongomock-ng" else "mongomock.aggregate")
        return lambda docs, pipeline: list(module.process_pipeline(docs, None, pipeline, None))
    if name == "layer-ng":  # today's layer with mongomock-ng standing in for mongomock
        import mongomock_ng
        import mongomock_ng.aggregate
        sys.modules["mongomock"], sys.modules["mongomock.aggregate"] = mongomock_ng, mongomock_ng.aggregate
        return _engine("layer")
    raise SystemExit(f"unknown engine {name!r}")


def main(argv: List[str]) -> int:
    name = argv[1] if len(argv) > 1 else "ours"
    verbose = "-v" in argv
    run = _engine(name)
    passed = 0
    failures = []
    for case in CASES:
        try:
            output = run(copy.deepcopy(case["docs"]), copy.deepcopy(case["pipeline"]))
        except Exception as err:  # noqa: BLE001 - an engine's failure is a result here
            if "error" in case and case["error"] in str(err):
                passed += 1
            else:
                failures.append(f"{case['name']}: raised {type(err).__name__}: {str(err)[:150]}")
            continue
        problem = "expected an error" if "error" in case else mismatch(case, output)
        if problem is None:
            passed += 1
        else:
            failures.append(f"{case['name']}: {problem[:300]}")
    if verbose:
        print("\n".join(failures))
    print(f"{name}: {passed}/{len(CASES)} cases pass")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
