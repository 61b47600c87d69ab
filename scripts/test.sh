#!/usr/bin/env bash
# The test command (README, CI): a virtualenv in .venv with the package and its test,
# dev, docs and server extras and the optional engines' extras (pandas, arrow, arrow-bson,
# test-engines, dask, airflow, spark), so that their tests (markers dask, airflow, spark)
# run too; a Java runtime for Spark (Debian's openjdk-17-jre-headless, installed when java
# is missing and we are root with apt-get; otherwise the spark tests skip, saying why); a
# check that the generated protobuf code has not drifted from protos/; then pytest, whose
# tests/docs/ build the documentation site with warnings as errors, check its links and
# run every example on it.
# Extra arguments go to pytest (-m "not dask and not airflow and not spark" skips the heavy engines).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[test,dev,docs,server,pandas,arrow,arrow-bson,test-engines,dask,airflow,spark]"
if ! command -v java >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    mkdir -p /usr/share/man/man1  # slim images lack it, and the JRE's install needs it
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        openjdk-17-jre-headless; } >/dev/null 2>&1 \
        || echo "scripts/test.sh: could not install openjdk-17-jre-headless; the spark tests will skip" >&2
fi
.venv/bin/python scripts/gen_protos.py --check
# Four workers: the suite mostly waits (servers starting, sockets, subprocesses), so it
# runs about twice as fast as one process even on two cores ("-n 0" runs in one).
exec .venv/bin/python -m pytest -n 4 --dist worksteal "$@"
