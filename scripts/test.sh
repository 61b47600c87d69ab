#!/usr/bin/env bash
# The test command (README, CI): a virtualenv in .venv with the package and its test,
# dev, server and pandas extras (pandas, so the DataFrame tests run), a check that the
# generated protobuf code has not drifted from protos/, then pytest. Extra arguments go
# to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[test,dev,server,pandas]"
.venv/bin/python scripts/gen_protos.py --check
exec .venv/bin/python -m pytest "$@"
