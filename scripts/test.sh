#!/usr/bin/env bash
# The test command (README, CI): a virtualenv in .venv with the package and its test,
# dev, docs and server extras and the optional engines' extras (pandas, arrow, arrow-bson,
# test-engines, dask, airflow), so that their tests (markers dask, airflow) run too; a
# check that the generated protobuf code has not drifted from protos/; then pytest, whose
# tests/docs/ build the documentation site with warnings as errors, check its links and
# run every example on it.
# Extra arguments go to pytest (-m "not dask and not airflow" skips the heavy engines).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[test,dev,docs,server,pandas,arrow,arrow-bson,test-engines,dask,airflow]"
.venv/bin/python scripts/gen_protos.py --check
# Four workers: the suite mostly waits (servers starting, sockets, subprocesses), so it
# runs about twice as fast as one process even on two cores ("-n 0" runs in one).
exec .venv/bin/python -m pytest -n 4 --dist worksteal "$@"
