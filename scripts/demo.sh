#!/usr/bin/env bash
# The demo (README's main job): a virtualenv in .venv with the package and its server
# extra (the demo runs the local server), then `viam-data-sync demo`, which starts a
# local Data API server, seeds it through the SDK and runs real exports and queries
# against it. Extra arguments go to the demo (e.g. --out DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[server]"
exec .venv/bin/viam-data-sync demo "$@"
