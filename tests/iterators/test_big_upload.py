"""A 256 MiB upload from a file: constant client memory, and the server's copy is
byte-identical (SHA-256)."""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import textwrap

import pytest

from viam_data_sync.server import LocalDataServer

SIZE = 256 * 1024 * 1024

CLIENT = textwrap.dedent(
    """
    import resource, sys, grpc
    from viam_data_sync import DataClient
    address, part_id, path = sys.argv[1:4]
    client = DataClient(grpc.insecure_channel(address))
    client.tags_by_filter()  # warm up: channel, imports, first call
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    binary_id = client.file_upload_from_path(path, part_id, tags=["big"])
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(binary_id, (after - before) / 1024.0)
    """
)


@pytest.mark.slow
def test_256_mib_upload_constant_memory_and_identical_copy(tmp_path):
    source = tmp_path / "big.bin"
    digest = hashlib.sha256()
    block = os.urandom(1024 * 1024)
    with open(source, "wb") as f:
        for i in range(SIZE // len(block)):
            chunk = block[:-4] + i.to_bytes(4, "big")  # no two MiB alike
            f.write(chunk)
            digest.update(chunk)
    with LocalDataServer(tmp_path / "store.db", auth=False) as server:
        out = subprocess.run([sys.executable, "-c", CLIENT, server.address, server.part_id, str(source)],
                             capture_output=True, text=True, timeout=600)
        assert out.returncode == 0, out.stderr[-3000:]
        binary_id, growth_mib = out.stdout.split()
        file_id = binary_id.rsplit("/", 1)[-1]
        stored = server.store.blob_path(file_id)
        copy = hashlib.sha256()
        with open(stored, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                copy.update(chunk)
    assert copy.hexdigest() == digest.hexdigest()
    assert os.path.getsize(source) == SIZE
    # Peak RSS growth of the uploading process: a whole-file read would be >= 256 MiB.
    assert float(growth_mib) < 64, f"client memory grew by {growth_mib} MiB"
