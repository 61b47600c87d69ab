"""The official TypeScript SDK (``@viamrobotics/sdk``) against the local server over its
default transport, gRPC-web over ``fetch``, in node: the TypeScript half of issue 12's
"a web developer can point a Viam app at the local server".

Skips when node or npm is missing. The SDK is installed from the npm registry into a
temporary folder (a few seconds); where it cannot be installed the test skips, except
under CI (``CI=true``), where it fails.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import subprocess
import urllib.parse
from pathlib import Path
from typing import Any, List, Set

import pytest

from viam_data_sync._proto.app.dataset.v1 import dataset_pb2
from viam_data_sync.server import LocalDataServer

from .conftest import T0, Api

HERE = Path(__file__).parent / "ts_sdk"
#: Request headers a browser sends without asking (content-type only for form types).
SAFELISTED = {"accept", "accept-language", "content-language"}
ORIGIN = "http://localhost:5173"


def preflight(url: str, headers: List[str]) -> Set[str]:
    """The headers the server's answer to a browser's preflight for ``url`` allows."""
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.request("OPTIONS", parts.path, headers={
            "Origin": ORIGIN, "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": ",".join(headers),
        })
        response = conn.getresponse()
        response.read()
        assert response.status == 204
        assert response.getheader("Access-Control-Allow-Origin") == ORIGIN
        assert "POST" in response.getheader("Access-Control-Allow-Methods", "")
        return {h.strip().lower() for h in response.getheader("Access-Control-Allow-Headers", "").split(",")}
    finally:
        conn.close()


@pytest.fixture(scope="module")
def ts_sdk(tmp_path_factory: Any) -> Path:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("node and npm are needed for the TypeScript SDK check")
    folder = tmp_path_factory.mktemp("ts_sdk")
    for name in ("package.json", "client.mjs"):
        shutil.copy(HERE / name, folder / name)
    proc = subprocess.run(
        [npm, "install", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=240,
    )
    if proc.returncode != 0:
        message = f"npm install @viamrobotics/sdk failed: {proc.stderr[-2000:]}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return folder


def test_typescript_sdk_default_transport_reads_streams_writes_and_is_refused(
    ts_sdk: Path, server: LocalDataServer, api: Api
) -> None:
    times = [T0.replace(second=i) for i in range(5)]
    api.upload_tabular([{"readings": {"n": 4 - i}} for i in range(5)], times=times, component_name="counter")
    env = dict(
        os.environ,
        SERVICE_HOST=server.grpc_web_url,
        KEY_ID=server.api_key_id,
        KEY=server.api_key,
        ORG_ID=server.organization_id,
        PART_ID=server.part_id,
    )
    proc = subprocess.run(
        ["node", "client.mjs"], cwd=ts_sdk, env=env, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout)
    assert out["sql"] == [{"n": n} for n in range(5)]  # ORDER BY n
    assert out["exported"] == [4, 3, 2, 1, 0]  # time order: a server stream, row by row
    assert out["badToken"]["code"] == 16  # UNAUTHENTICATED, from the trailers
    # A browser would send each of these requests only after a preflight allowing its
    # method and headers (beyond the CORS-safelisted ones): ask the server the same.
    assert {r["url"].rsplit("/", 1)[-1] for r in out["requests"]} >= {"Authenticate", "ExportTabularData"}
    for sent in out["requests"]:
        assert sent["method"] == "POST" and sent["contentType"] == "application/grpc-web+proto"
        allowed = preflight(sent["url"], sent["headers"])
        assert set(sent["headers"]) - SAFELISTED <= allowed, sent["url"]

    request = dataset_pb2.ListDatasetsByIDsRequest(ids=[out["datasetId"]])
    datasets = api.call(api.dataset.ListDatasetsByIDs, request)
    assert [d.name for d in datasets.datasets] == ["from-typescript"]
