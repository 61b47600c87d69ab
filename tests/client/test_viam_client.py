"""The seed's own connection example, blocking: ``ViamClient``, ``DialOptions`` and
``Credentials`` from viam_data_sync, with the official SDK's names. The seed's example
runs after changing its imports and deleting ``await``/``asyncio.run``."""
from __future__ import annotations

import re
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import viam_data_sync
from viam_data_sync import Credentials, DataClient, DialOptions, ViamClient
from viam_data_sync.server import LocalDataServer

SEED = Path(__file__).resolve().parent.parent / "data" / "data_client_api.rst"


def seed_connection_example() -> str:
    """The "Establish a Connection" example at the top of the seed's DataClient page."""
    lines = SEED.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == "Establish a Connection::") + 1
    body = []
    for line in lines[start:]:
        if line.strip() and not line.startswith("       "):
            break
        body.append(line)
    return textwrap.dedent("\n".join(body)).strip() + "\n"


def migrate(example: str) -> str:
    """What a user does: change the import, delete ``await``/``async``/``asyncio.run``."""
    code = example.replace("from viam.rpc.dial import DialOptions, Credentials",
                           "from viam_data_sync import DialOptions, Credentials")
    code = code.replace("from viam.app.viam_client import ViamClient", "from viam_data_sync import ViamClient")
    code = code.replace("await ", "").replace("async def", "def")
    return code.replace("asyncio.run(main())", "main()")


@pytest.fixture(scope="module")
def server():
    with LocalDataServer(auth=True) as srv:
        with DataClient.from_api_key(srv.api_key, srv.api_key_id, srv.address, insecure=True) as client:
            client.file_upload(srv.part_id, b"body", file_name="notes", file_extension=".txt", tags=["seed"])
        yield srv


def test_the_seed_example_runs_blocking_after_changing_the_import(server, tmp_path) -> None:
    example = seed_connection_example()
    assert "await ViamClient.create_from_dial_options(dial_options)" in example  # the seed's, as written
    code = migrate(example)
    assert not re.search(r"\bawait\b|\basync\b|asyncio\.run", code), code
    # Pointing it at the local server: the key, and the official names for where and how.
    code = code.replace('"<API-KEY>"', repr(server.api_key)).replace('"<API-KEY-ID>"', repr(server.api_key_id))
    code = code.replace(
        "    return ViamClient.create_from_dial_options(dial_options)",
        f"    dial_options.insecure = True\n"
        f"    return ViamClient.create_from_dial_options(dial_options, app_url={server.address!r})")
    code = code.replace(
        "    data_client = viam_client.data_client\n",
        "    data_client = viam_client.data_client\n"
        "    print(type(data_client).__module__, type(data_client).__name__, data_client.tags_by_filter())\n")
    assert "app_url=" in code and "tags_by_filter" in code
    script = tmp_path / "connect.py"
    script.write_text(code)
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120,
                          cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "viam_data_sync DataClient ['seed']"


def test_with_closes_and_a_closed_client_refuses_calls(server) -> None:
    options = DialOptions.with_api_key(server.api_key, server.api_key_id)
    options.insecure = True
    with ViamClient.create_from_dial_options(options, server.address) as viam_client:
        data_client = viam_client.data_client
        assert viam_client.data_client is data_client
        assert data_client.tags_by_filter() == ["seed"]
    with pytest.raises(ValueError, match="closed"):
        data_client.tags_by_filter()
    viam_client.close()  # idempotent


def test_dial_options_like_the_official_sdk() -> None:
    key_id = "0b1e4d4e-5b43-4f5c-9c1a-6d1c4a3c2b10"
    options = DialOptions.with_api_key("s3cret-key", key_id)
    assert options.credentials == Credentials(type="api-key", payload="s3cret-key")
    assert options.auth_entity == key_id and options.insecure is False
    assert "s3cret-key" not in repr(options) and "s3cret-key" not in repr(options.credentials)
    with pytest.raises(ValueError, match="not a valid UUID"):
        DialOptions.with_api_key("k", "not-a-uuid")
    with pytest.raises(ValueError, match="credentials cannot be None"):
        ViamClient.create_from_dial_options(DialOptions(auth_entity=key_id))
    with pytest.raises(ValueError, match="robot-secret"):
        ViamClient.create_from_dial_options(
            DialOptions(auth_entity=key_id, credentials=Credentials(type="robot-secret", payload="x")))
    with pytest.raises(ValueError, match="auth_entity cannot be None"):
        ViamClient.create_from_dial_options(DialOptions(credentials=Credentials(type="api-key", payload="x")))
    with pytest.raises(TypeError, match="DialOptions"):
        ViamClient.create_from_dial_options({"credentials": None})
    client = ViamClient.create_from_dial_options(options)
    assert "s3cret-key" not in repr(client) and "app.viam.com:443" in repr(client)
    with pytest.raises(AttributeError, match="viam-sdk"):
        client.app_client
    client.close()


def test_the_official_dial_options_are_accepted_too(server) -> None:
    dial = pytest.importorskip("viam.rpc.dial", reason="viam-sdk (test extra) not installed")
    options = dial.DialOptions.with_api_key(server.api_key, server.api_key_id)
    options.insecure = True
    with ViamClient.create_from_dial_options(options, app_url=server.address) as viam_client:
        assert viam_client.data_client.tags_by_filter() == ["seed"]


def test_create_from_env_vars(server, monkeypatch) -> None:
    monkeypatch.setenv("VIAM_API_KEY", server.api_key)
    monkeypatch.setenv("VIAM_API_KEY_ID", server.api_key_id)
    with ViamClient.create_from_env_vars(DialOptions(insecure=True), server.address) as viam_client:
        assert viam_client.data_client.tags_by_filter() == ["seed"]
    monkeypatch.delenv("VIAM_API_KEY")
    with pytest.raises(ValueError, match="api key cannot be None"):
        ViamClient.create_from_env_vars()


def test_create_from_env_vars_reads_the_address_and_insecure_as_from_env_does(server, monkeypatch) -> None:
    """VIAM_APP_ADDRESS and VIAM_INSECURE, the variables DataClient.from_env and the CLI
    read, point ViamClient.create_from_env_vars at a local server too; arguments win."""
    monkeypatch.setenv("VIAM_API_KEY", server.api_key)
    monkeypatch.setenv("VIAM_API_KEY_ID", server.api_key_id)
    monkeypatch.setenv("VIAM_APP_ADDRESS", server.address)
    monkeypatch.setenv("VIAM_INSECURE", "1")
    with ViamClient.create_from_env_vars() as viam_client:
        assert viam_client.data_client.tags_by_filter() == ["seed"]
    # An explicit app_url wins over the variable: here one where nothing listens.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]
    with ViamClient.create_from_env_vars(app_url=f"127.0.0.1:{free}", timeout=2, retry=None) as viam_client:
        with pytest.raises(viam_data_sync.Unavailable):
            viam_client.data_client.tags_by_filter()


def test_the_names_are_public() -> None:
    for name in ("ViamClient", "DialOptions", "Credentials"):
        assert name in viam_data_sync.__all__
