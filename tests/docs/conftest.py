"""A local server holding what the documentation's examples read: 2,000 readings of
``sensor-1`` (``data.readings.i`` = 0 … 1999) and one image of ``camera-1``."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Dict, Iterator

import pytest

from ..iterators._seed import seed_readings


class Docs:
    def __init__(self, server) -> None:  # type: ignore[no-untyped-def]
        self.server = server

    def environ(self, **extra: str) -> Dict[str, str]:
        """What a reader's shell holds after pasting ``serve``'s export line and the ids."""
        server = self.server
        env = {k: v for k, v in os.environ.items() if not k.startswith("VIAM_")}
        env.update(VIAM_API_KEY=server.api_key, VIAM_API_KEY_ID=server.api_key_id, VIAM_APP_ADDRESS=server.address,
                   VIAM_INSECURE="1", ORG_ID=server.organization_id, PART_ID=server.part_id,
                   ORG=server.organization_id, PART=server.part_id,
                   PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}", **extra)
        return env

    def run_python(self, code: str, tmp_path: Path, name: str, **extra: str) -> str:
        script = tmp_path / f"example_{name.replace('-', '_')}.py"
        script.write_text(code)
        done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=self.environ(**extra),
                              capture_output=True, text=True, timeout=240)
        assert done.returncode == 0, done.stderr[-4000:]
        return done.stdout


@pytest.fixture(scope="module")
def docs() -> Iterator[Docs]:
    from viam_data_sync import DataClient
    from viam_data_sync.server import LocalDataServer

    with LocalDataServer() as server:
        seed_readings(server.address, server.part_id, 2000,
                      metadata=[("authorization", f"Bearer {server.token()}")])
        with DataClient.from_api_key(server.api_key, server.api_key_id, server.address, insecure=True) as client:
            client.upload(b"\x89PNG seeded", server.part_id, file_name="seed.png", component_name="camera-1",
                          component_type="rdk:component:camera")
        yield Docs(server)


#: How the site is built, here and by scripts/docs.sh: warnings (broken cross-references
#: included, -n) are errors, and every one is reported before failing (--keep-going).
SPHINX_FLAGS = ("-W", "--keep-going", "-n", "-q")


def sphinx(builder: str, out: Path) -> subprocess.CompletedProcess:
    from ._pages import DOCS, ROOT

    return subprocess.run([sys.executable, "-m", "sphinx", "-b", builder, *SPHINX_FLAGS, str(DOCS), str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site, built once for the session into a temporary folder."""
    pytest.importorskip("sphinx")
    pytest.importorskip("myst_parser")
    out = tmp_path_factory.mktemp("site")
    built = sphinx("html", out)
    assert built.returncode == 0, built.stderr[-6000:]
    return out
