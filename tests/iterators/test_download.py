"""download_binary_data: a file larger than one gRPC message, streamed to disk through
the signed URL with constant memory; never a partial file under the final name."""
from __future__ import annotations

import functools
import hashlib
import http.server
import io
import os
import threading
import socket

import grpc
import pytest

from viam_data_sync import DataClient, ResourceExhausted
from viam_data_sync import _download
from viam_data_sync._download import IncompleteDownload, stream_url_to_file
from viam_data_sync.server import LocalDataServer


Client = DataClient


@pytest.fixture
def env(tmp_path):
    with LocalDataServer(tmp_path / "store.db", auth=False, max_message_bytes=4 << 20) as server:
        with Client(grpc.insecure_channel(server.address)) as client:
            yield server, client


def test_file_over_the_message_limit_streams_to_disk(env, tmp_path):
    server, client = env
    payload = os.urandom(9 << 20)  # over the server's 4 MiB message limit
    binary_id = client.file_upload(server.part_id, payload, file_name="big", file_extension=".bin")
    with pytest.raises(ResourceExhausted):
        client.binary_data_by_ids([binary_id])
    out = tmp_path / "out"
    out.mkdir()
    seen = []
    path = client.download_binary_data(binary_id, out, progress=lambda n, total: seen.append((n, total)))
    assert path.parent == out and path.suffix == ".bin" and "/" not in path.name
    assert hashlib.sha256(path.read_bytes()).digest() == hashlib.sha256(payload).digest()
    assert seen[-1] == (len(payload), len(payload)) and len(seen) == 9
    assert [p.name for p in out.iterdir()] == [path.name]  # no temp file left


def _served(directory):
    """A loopback HTTP server of ``directory`` (signed URLs are http(s), never file://)."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(directory))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


def test_short_download_leaves_nothing(tmp_path, monkeypatch):
    src = tmp_path / "src.bin"
    src.write_bytes(b"x" * 1000)
    dest = tmp_path / "dest.bin"
    httpd = _served(tmp_path)
    try:
        with pytest.raises(IncompleteDownload):
            stream_url_to_file(f"http://127.0.0.1:{httpd.server_address[1]}/src.bin", dest, expected_size=2000)
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert list(tmp_path.iterdir()) == [src]

    class Broken(io.BytesIO):
        def read(self, n=-1):
            raise OSError("connection reset")

    monkeypatch.setattr(_download, "_open", lambda url, timeout, allow_http: Broken())
    with pytest.raises(OSError, match="connection reset"):
        stream_url_to_file("https://example.invalid/x", dest)
    assert list(tmp_path.iterdir()) == [src]


def test_unsafe_schemes_and_bad_destinations_refused(env, tmp_path):
    server, client = env
    with pytest.raises(ValueError, match="ftp"):
        stream_url_to_file("ftp://x/y", tmp_path / "f")
    with pytest.raises(ValueError, match="http"):
        stream_url_to_file("http://x/y", tmp_path / "f")
    binary_id = client.file_upload(server.part_id, b"abc", file_name="s", file_extension=".txt")
    with pytest.raises(FileNotFoundError):
        client.download_binary_data(binary_id, tmp_path / "missing-dir" / "f.txt")


def test_cli_binary_export_streams_files_over_the_message_limit(env, tmp_path):
    from viam_data_sync import create_filter
    from viam_data_sync.cli import export_binary

    server, client = env
    big, small = os.urandom(6 << 20), os.urandom(1000)
    client.file_upload(server.part_id, big, component_name="cam", file_name="big", file_extension=".bin")
    client.file_upload(server.part_id, small, component_name="cam", file_name="small", file_extension=".bin")
    result = export_binary(client, create_filter(component_name="cam"), str(tmp_path / "out"), parallel=2,
                           include_metadata=True)
    files = sorted((tmp_path / "out" / "data").iterdir(), key=lambda p: p.stat().st_size)
    assert [p.read_bytes() for p in files] == [small, big]
    assert result.downloaded == 2 and result.bytes_downloaded == len(big) + len(small)
    assert len(list((tmp_path / "out" / "metadata").iterdir())) == 2


def test_download_into_a_folder_uses_the_export_layout_name(env, tmp_path):
    """The file gets the name ``viam data export binary`` (and dest=) gives it under
    data/, directories of its file name kept inside the folder; it was named by id."""
    server, client = env
    binary_id = client.file_upload(server.part_id, b"\x89PNG...", file_name="cams/front/img.png",
                                   file_extension=".png")
    out = tmp_path / "out"
    out.mkdir()
    path = client.download_binary_data(binary_id, out)
    exported = tmp_path / "exported"
    client.binary_data_by_ids([binary_id], dest=exported)
    (written,) = [p for p in (exported / "data").rglob("*") if p.is_file()]
    assert path.relative_to(out) == written.relative_to(exported / "data")
    assert path.read_bytes() == written.read_bytes() == b"\x89PNG..."
    assert path.relative_to(out).parts[:2] == ("cams", "front")


def test_a_redirect_to_another_scheme_is_refused_before_it_is_connected_to(tmp_path):
    target = socket.socket()
    target.bind(("127.0.0.1", 0))
    target.listen(4)
    target.settimeout(0.5)
    port = target.getsockname()[1]

    class Redirect(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(302)
            self.send_header("Location", f"ftp://127.0.0.1:{port}/etc/passwd")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        with pytest.raises(ValueError, match="ftp"):
            stream_url_to_file(f"http://127.0.0.1:{httpd.server_address[1]}/x", tmp_path / "f")
        with pytest.raises(socket.timeout):
            target.accept()  # nothing connected to the ftp:// target
    finally:
        httpd.shutdown()
        httpd.server_close()
        target.close()
    assert list(tmp_path.iterdir()) == []
