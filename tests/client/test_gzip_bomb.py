"""A gzip bomb against the exporter: a ``.gz`` item is unpacked in constant memory and
within a limit (100 times its packed size, at least 64 MiB); past it, that item alone is
not written and is reported, and the export finishes (it used to unpack the whole item
in memory: a 1 MiB upload made ``export binary`` peak at 2.1 GB)."""
from __future__ import annotations

import datetime as dt
import gzip
import subprocess
import sys
import textwrap
import zlib

import grpc
import pytest

from viam_data_sync import DataClient, create_filter, export_binary
from viam_data_sync.server import LocalDataServer

UTC = dt.timezone.utc
T0 = dt.datetime(2025, 8, 1, tzinfo=UTC)
UNPACKED = 512 << 20  # 512 MiB of zeros, about 0.5 MiB packed


def bomb() -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # gzip framing
    block = bytes(1 << 20)
    return b"".join(packer.compress(block) for _ in range(UNPACKED >> 20)) + packer.flush()


@pytest.fixture(scope="module")
def server():
    with LocalDataServer(auth=False) as srv:
        with DataClient(grpc.insecure_channel(srv.address)) as client:
            for i, (body, ext) in enumerate([(bomb(), ".gz"), (gzip.compress(b"hello " * 1000), ".gz"),
                                             (b"plain", ".bin")]):
                at = T0 + dt.timedelta(seconds=i)
                client.binary_data_capture_upload(body, srv.part_id, "rdk:component:camera", "gz-cam",
                                                  "ReadImage", ext, data_request_times=(at, at))
        yield srv


def test_a_bomb_is_refused_alone_and_the_export_finishes(server, tmp_path):
    with DataClient(grpc.insecure_channel(server.address)) as client:
        result = export_binary(client, create_filter(component_name="gz-cam"), tmp_path)
        again = export_binary(client, create_filter(component_name="gz-cam"), tmp_path)
    assert result.downloaded == 2 and len(result.failed) == 1 and "gzip bomb" in result.failed[0]
    written = sorted(p.read_bytes() for p in (tmp_path / "data").iterdir())
    assert written == [b"hello " * 1000, b"plain"]
    assert again.downloaded == 0 and len(again.failed) == 1  # a rerun finishes too


def test_unpacking_stays_in_constant_memory(server, tmp_path):
    script = textwrap.dedent("""
        import resource, sys, grpc
        from viam_data_sync import DataClient, create_filter, export_binary
        with DataClient(grpc.insecure_channel(sys.argv[1])) as client:
            client.tags_by_filter()
            before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            export_binary(client, create_filter(component_name="gz-cam"), sys.argv[2])
            print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024)
    """)
    done = subprocess.run([sys.executable, "-c", script, server.address, str(tmp_path)], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert float(done.stdout.split()[-1]) < 128  # MiB of peak growth; unpacking whole would be 512+


def test_dest_skips_a_bomb_too(server, tmp_path):
    with DataClient(grpc.insecure_channel(server.address)) as client:
        items, _, _ = client.binary_data_by_filter(create_filter(component_name="gz-cam"), dest=tmp_path)
    assert len(items) == 3
    assert sorted(p.read_bytes() for p in (tmp_path / "data").iterdir()) == [b"hello " * 1000, b"plain"]


def test_the_cli_names_the_item_it_did_not_export_and_finishes(server, tmp_path):
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("VIAM_")}
    env.update(VIAM_API_KEY=server.api_key, VIAM_API_KEY_ID=server.api_key_id, VIAM_APP_ADDRESS=server.address,
               VIAM_INSECURE="1")
    done = subprocess.run([sys.executable, "-m", "viam_data_sync.cli", "export", "binary", "--dest", str(tmp_path),
                           "--component-name", "gz-cam"], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "not exported:" in done.stderr and "gzip bomb" in done.stderr
    assert sorted(p.read_bytes() for p in (tmp_path / "data").iterdir()) == [b"hello " * 1000, b"plain"]
