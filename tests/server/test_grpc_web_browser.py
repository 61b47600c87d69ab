"""A real browser (headless Chromium) calls the local server over gRPC-web from a page of
another origin, so CORS is enforced as it is for a web app: the preflight must allow the
headers the TypeScript SDK sends, or ``fetch`` fails.

Skips where Chromium is not installed (``apt-get install chromium``).
"""

from __future__ import annotations

import base64
import http.server
import json
import re
import shutil
import subprocess
import threading
from typing import Any, Iterator

import pytest

from viam_data_sync._proto.app.data.v1 import data_pb2
from viam_data_sync.server import LocalDataServer

from .conftest import T0, Api

PAGE = """<html><body><pre id="out">pending</pre><script>
const body = Uint8Array.from(atob('%(body)s'), (c) => c.charCodeAt(0));
async function call(token) {
  const response = await fetch('%(url)s/viam.app.data.v1.DataService/TabularDataBySQL', {
    method: 'POST', body,
    headers: {'content-type': 'application/grpc-web+proto', 'x-grpc-web': '1',
              'x-user-agent': 'grpc-web-javascript/0.1', 'viam_client': 'typescript;v0.61.1',
              'grpc-timeout': '10S', 'authorization': 'Bearer ' + token},
  });
  const bytes = new Uint8Array(await response.arrayBuffer());
  const frames = [];
  for (let i = 0; i < bytes.length;) {
    const length = new DataView(bytes.buffer).getUint32(i + 1);
    frames.push({trailer: (bytes[i] & 0x80) !== 0, data: bytes.slice(i + 5, i + 5 + length)});
    i += 5 + length;
  }
  const trailer = frames.find((f) => f.trailer);
  return {messages: frames.filter((f) => !f.trailer).length,
          trailer: trailer ? new TextDecoder().decode(trailer.data) : null};
}
(async () => {
  const out = {};
  try { out.good = await call('%(token)s'); out.bad = await call('not-a-token'); }
  catch (error) { out.error = String(error); }
  document.getElementById('out').textContent = JSON.stringify(out);
})();
</script></body></html>"""


@pytest.fixture
def page_server() -> Iterator[Any]:
    """Serves one page (set ``.page``) from ``http://localhost:<port>/``: another origin
    than the gRPC-web URL's ``127.0.0.1``."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            data = httpd.page.encode()  # type: ignore[attr-defined]
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_a_browser_page_of_another_origin_calls_grpc_web(server: LocalDataServer, api: Api,
                                                         page_server: Any) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("Chromium is not installed")
    api.upload_tabular([{"readings": {"n": i}} for i in range(3)], times=[T0] * 3)
    request = data_pb2.TabularDataBySQLRequest(
        organization_id=server.organization_id, sql_query="SELECT COUNT(*) AS n FROM readings"
    ).SerializeToString()
    framed = len(request).to_bytes(4, "big")
    page_server.page = PAGE % {
        "body": base64.b64encode(b"\x00" + framed + request).decode(),
        "url": server.grpc_web_url,
        "token": server.token(),
    }
    url = f"http://localhost:{page_server.server_address[1]}/"
    proc = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=20000",
         "--dump-dom", url],
        capture_output=True, text=True, timeout=120,
    )
    found = re.search(r'<pre id="out">(.*?)</pre>', proc.stdout, re.S)
    assert found is not None, proc.stderr[-2000:]
    out = json.loads(found.group(1))
    assert "error" not in out, out  # "Failed to fetch": the browser refused the CORS answer
    assert out["good"] == {"messages": 1, "trailer": "grpc-status: 0\r\n"}
    assert out["bad"]["messages"] == 0
    assert out["bad"]["trailer"].startswith("grpc-status: 16\r\n")
