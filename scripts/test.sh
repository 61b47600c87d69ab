#!/usr/bin/env bash
# The test command (README, CI): a virtualenv in .venv with the package and its test,
# dev and server extras and the optional engines' extras (pandas, arrow, arrow-bson,
# test-engines, dask, airflow), so that their tests (markers dask, airflow) run too; a
# check that the generated protobuf code has not drifted from protos/; then pytest.
# Extra arguments go to pytest (-m "not dask and not airflow" skips the heavy engines).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[test,dev,server,pandas,arrow,arrow-bson,test-engines,dask,airflow,spark]"
.venv/bin/python scripts/gen_protos.py --check
exec .venv/bin/python -m pytest "$@"
