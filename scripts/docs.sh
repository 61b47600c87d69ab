#!/usr/bin/env bash
# Build the documentation site into docs/_build/html (open docs/_build/html/index.html
# from disk: no server needed). A virtualenv in .venv with the package and the extras the
# reference imports (docs, server, pandas, arrow, dask, airflow), then Sphinx with
# warnings as errors (-W --keep-going) and every cross-reference checked (-n), as the
# tests build it (tests/docs/test_site.py). Extra arguments go to sphinx-build.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[docs,server,pandas,arrow,dask,airflow]"
.venv/bin/python -m sphinx -b html -W --keep-going -n -q docs docs/_build/html "$@"
echo "built: file://$PWD/docs/_build/html/index.html"
