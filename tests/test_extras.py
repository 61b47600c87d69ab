"""A client-only install (no ``server`` extra): the client works, and everything that
needs the local server says which extra to install instead of an import traceback."""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Dict, Iterator, List

import pytest

from viam_data_sync import DataClient
from viam_data_sync._extras import missing_extra_message
from viam_data_sync.server import LocalDataServer

ROOT = Path(__file__).resolve().parent.parent
HINT = missing_extra_message()

# What `pip install <repo>` builds from: the package and the files setup.cfg reads.
PACKAGE_FILES = ("pyproject.toml", "setup.cfg", "README.md")


def clean_env() -> Dict[str, str]:
    """This process's environment without what would leak our interpreter or plugins."""
    drop = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTEST_ADDOPTS", "PYTEST_PLUGINS",
            "PYTEST_DISABLE_PLUGIN_AUTOLOAD")
    return {key: value for key, value in os.environ.items() if key not in drop}


def run(args: List[str], *, cwd: Path, env: Dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def client_hint(client_python: Path) -> str:
    """The hint the client-only venv gives: it names the folder it was installed from."""
    return f"the local server needs the 'server' extra: pip install '{client_python.parents[2] / 'source'}[server]'"


def test_the_hint_names_the_command() -> None:
    """Not on PyPI: the hint names this installation's source (here an editable clone)."""
    match = re.fullmatch(r"the local server needs the 'server' extra: pip install -e '(.+)\[server\]'", HINT)
    assert match is not None, HINT
    assert Path(match.group(1)).resolve() == ROOT


def test_client_and_plugin_imports_leave_the_server_alone(tmp_path: Path) -> None:
    """The client package, ``testing`` and the pytest plugin never import the server's engines."""
    script = """
        import sys
        import viam_data_sync, viam_data_sync.proto, viam_data_sync.testing, viam_data_sync.testing._plugin
        print(sorted(m for m in ("croniter", "viam_data_sync.server") if m in sys.modules))
    """
    proc = run([sys.executable, "-c", textwrap.dedent(script)], cwd=tmp_path, env=clean_env())
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


@pytest.mark.parametrize("blocked", ["croniter"])
def test_server_import_without_an_engine_raises_the_hint(blocked: str, tmp_path: Path) -> None:
    """``sys.modules[name] = None`` is how Python spells "not installed" for one process."""
    script = f"""
        import sys
        sys.modules[{blocked!r}] = None
        try:
            import viam_data_sync.server
        except ImportError as exc:
            print(type(exc).__name__, exc.name, type(exc.__cause__).__name__, exc.__cause__.name)
            print(exc)
        else:
            print("imported")
    """
    proc = run([sys.executable, "-c", textwrap.dedent(script)], cwd=tmp_path, env=clean_env())
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        f"MissingExtraError viam_data_sync.server ModuleNotFoundError {blocked}", HINT]


def test_a_broken_engine_is_not_mistaken_for_a_missing_extra(tmp_path: Path) -> None:
    """croniter installed but its own dependency gone: the real error, not the hint."""
    script = """
        import sys
        sys.modules["dateutil"] = None
        try:
            import viam_data_sync.server
        except ImportError as exc:
            print(type(exc).__name__, exc.name)
    """
    proc = run([sys.executable, "-c", textwrap.dedent(script)], cwd=tmp_path, env=clean_env())
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["ModuleNotFoundError dateutil.relativedelta"]


# --- a real client-only install in a fresh virtualenv -------------------------------


@pytest.fixture(scope="module")
def client_python(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The python of a fresh venv with ``pip install <repo>`` (real deps, no extras) and pytest."""
    base = tmp_path_factory.mktemp("client-only")
    source = base / "source"
    source.mkdir()
    for name in PACKAGE_FILES:
        shutil.copy2(ROOT / name, source / name)
    shutil.copytree(ROOT / "viam_data_sync", source / "viam_data_sync",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    venv = base / "venv"
    env = clean_env()
    made = run([sys.executable, "-m", "venv", str(venv)], cwd=base, env=env)
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    installed = run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                     str(source), "pytest"], cwd=base, env=env, timeout=900)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    yield python


@pytest.mark.slow
def test_client_only_install_has_no_server_engines(client_python: Path, tmp_path: Path) -> None:
    proc = run([str(client_python), "-m", "pip", "list", "--format=json", "--disable-pip-version-check"],
               cwd=tmp_path, env=clean_env())
    assert proc.returncode == 0, proc.stderr
    names = {entry["name"].lower() for entry in json.loads(proc.stdout)}
    assert "viam-data-sync" in names
    assert {"grpcio", "protobuf", "pymongo", "tenacity", "tqdm"} <= names
    assert "croniter" not in names


@pytest.mark.slow
def test_client_only_install_talks_to_a_local_server(client_python: Path, tmp_path: Path) -> None:
    """The clean venv's client uploads a reading and reads it back from a server run here."""
    script = """
        import datetime as dt, json, sys
        import viam_data_sync
        from viam_data_sync import DataClient, create_filter

        part_id = sys.argv[1]
        now = dt.datetime.now(dt.timezone.utc)
        with DataClient.from_env() as client:
            client.tabular_data_capture_upload(
                [{"readings": {"t": 21.5}}], part_id, "rdk:component:sensor", "sensor-1",
                "Readings", [(now, now)])
            rows = [row.data for row in client.iter_tabular(create_filter(component_name="sensor-1"))]
        print(json.dumps({"rows": rows, "server_loaded": "viam_data_sync.server" in sys.modules}))
    """
    with LocalDataServer(auth=True) as server:
        env = clean_env()
        env.update(VIAM_API_KEY=server.api_key, VIAM_API_KEY_ID=server.api_key_id,
                   VIAM_APP_ADDRESS=server.address, VIAM_INSECURE="1")
        proc = run([str(client_python), "-c", textwrap.dedent(script), server.part_id], cwd=tmp_path, env=env)
        assert proc.returncode == 0, proc.stderr
        assert json.loads(proc.stdout) == {"rows": [{"readings": {"t": 21.5}}], "server_loaded": False}
        with DataClient.from_api_key(server.api_key, server.api_key_id, server.address, insecure=True) as ours:
            start = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc).isoformat()
            counted = ours.tabular_data_by_sql(
                server.organization_id,
                f"SELECT COUNT(*) AS n FROM readings WHERE time_received >= CAST('{start}' AS TIMESTAMP)")
        assert counted == [{"n": 1}]


@pytest.mark.slow
def test_client_only_server_import_names_the_extra(client_python: Path, tmp_path: Path) -> None:
    HINT = client_hint(client_python)
    script = """
        try:
            import viam_data_sync.server
        except ImportError as exc:
            print(type(exc.__cause__).__name__, exc.__cause__.name)
            print(exc)
    """
    proc = run([str(client_python), "-c", textwrap.dedent(script)], cwd=tmp_path, env=clean_env())
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["ModuleNotFoundError croniter", HINT]

    bare = run([str(client_python), "-c", "import viam_data_sync.server"], cwd=tmp_path, env=clean_env())
    assert bare.returncode == 1
    assert bare.stderr.splitlines()[-1] == f"viam_data_sync._extras.MissingExtraError: {HINT}"


@pytest.mark.slow
def test_client_only_python_m_server_names_the_extra(client_python: Path, tmp_path: Path) -> None:
    HINT = client_hint(client_python)
    proc = run([str(client_python), "-m", "viam_data_sync.server", "--port", "0"], cwd=tmp_path,
               env=clean_env())
    assert proc.returncode == 1
    assert HINT in proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""


@pytest.mark.slow
@pytest.mark.parametrize("command", [["serve", "--port", "0"], ["demo", "--quiet"]])
def test_client_only_cli_serve_and_demo_print_just_the_hint(client_python: Path, tmp_path: Path,
                                                            command: list[str]) -> None:
    HINT = client_hint(client_python)
    cli = client_python.parent / "viam-data-sync"
    proc = run([str(cli), *command], cwd=tmp_path, env=clean_env())
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [f"viam-data-sync: error: {HINT}"]
    assert "Traceback" not in proc.stderr and "MissingExtraError" not in proc.stderr


@pytest.mark.slow
def test_client_only_fixtures_fail_with_the_hint(client_python: Path, tmp_path: Path) -> None:
    HINT = client_hint(client_python)
    (tmp_path / "test_uses_fixtures.py").write_text(textwrap.dedent("""
        def test_server(viam_server):
            pass

        def test_client(viam_client):
            pass
    """))
    proc = run([str(client_python), "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=tmp_path,
               env=clean_env())
    output = proc.stdout + proc.stderr
    assert proc.returncode == 1, output
    assert "2 errors" in output, output
    assert output.count(HINT) >= 2, output
    for noise in ("Traceback", "ModuleNotFoundError", "ImportError", "No module named", "exception"):
        assert noise not in output, output


@pytest.mark.slow
def test_client_only_plugin_leaves_other_tests_alone(client_python: Path, tmp_path: Path) -> None:
    (tmp_path / "test_plain.py").write_text(textwrap.dedent("""
        import viam_data_sync

        def test_plugin_is_loaded(request):
            assert request.config.pluginmanager.has_plugin("viam_data_sync")

        def test_client_names_import(tmp_path):
            assert viam_data_sync.create_filter(component_name="sensor-1").component_name == "sensor-1"
    """))
    proc = run([str(client_python), "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=tmp_path,
               env=clean_env())
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "2 passed" in proc.stdout, proc.stdout


@pytest.mark.parametrize(("record", "tree", "command"), [
    ({"url": "file:///src/viam-data-sync", "dir_info": {"editable": True}}, None,
     "pip install -e '/src/viam-data-sync[server]'"),
    ({"url": "file:///src/viam-data-sync", "dir_info": {}}, None, "pip install '/src/viam-data-sync[server]'"),
    ({"url": "file:///dl/viam_data_sync-0.1.0-py3-none-any.whl", "archive_info": {}}, None,
     "pip install '/dl/viam_data_sync-0.1.0-py3-none-any.whl[server]'"),
    ({"url": "file:///dl/viam_data_sync-0.1.0.tar.gz", "archive_info": {}}, None,
     "pip install '/dl/viam_data_sync-0.1.0.tar.gz[server]'"),
    ({"url": "file:///it's/here", "dir_info": {}}, None, "pip install '/it'\\''s/here[server]'"),
    ({"url": "https://example.com/viam_data_sync-0.1.0-py3-none-any.whl", "archive_info": {}}, None,
     "pip install 'viam-data-sync[server] @ https://example.com/viam_data_sync-0.1.0-py3-none-any.whl'"),
    ({"url": "https://example.com/viam-data-sync.git", "vcs_info": {"vcs": "git", "commit_id": "abc123"}}, None,
     "pip install 'viam-data-sync[server] @ git+https://example.com/viam-data-sync.git@abc123'"),
    (None, Path("/src/clone"), "pip install -e '/src/clone[server]'"),
    (None, None, "pip install '<your viam-data-sync clone or wheel>[server]'"),
])
def test_the_command_names_where_this_copy_came_from(record, tree, command) -> None:
    from viam_data_sync._extras import command_for

    assert command_for(record, "server", tree) == command
