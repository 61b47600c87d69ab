"""Fixtures for the CLI tests: one seeded local server (auth on) shared by the
session, with a fault injector and a latency injector the tests switch on and off,
and a helper that runs ``python -m viam_data_sync.cli`` as a user would."""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import os
import pty
import select
import struct
import subprocess
import sys
import termios
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import pytest

from viam_data_sync.cli._demo_files import make_png
from viam_data_sync.server import LocalDataServer
from viam_data_sync.testing import FaultInjector, LatencyInjector

UTC = dt.timezone.utc
T0 = dt.datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
SENSORS = ("sensor-a", "sensor-b", "sensor-c")
ROWS_PER_SENSOR = 100
IMAGES = 10
SECRET_MARKER = "never-print-me"


@dataclass
class Env:
    server: LocalDataServer
    faults: FaultInjector
    latency: LatencyInjector
    images: Dict[str, str] = field(default_factory=dict)  # binary data id -> sha256

    @property
    def rows(self) -> int:
        return len(SENSORS) * ROWS_PER_SENSOR

    def environ(self, **overrides: Optional[str]) -> Dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("VIAM_")}
        env.update(
            {
                "VIAM_API_KEY": self.server.api_key,
                "VIAM_API_KEY_ID": self.server.api_key_id,
                "VIAM_APP_ADDRESS": self.server.address,
                "VIAM_INSECURE": "1",
            }
        )
        for key, value in overrides.items():
            if value is None:
                env.pop(key, None)
            else:
                env[key] = value
        return env

    def client(self):
        from viam_data_sync import DataClient

        return DataClient.from_api_key(
            self.server.api_key, self.server.api_key_id, self.server.address, insecure=True
        )


def run_cli(
    args: Sequence[str], env: Dict[str, str], *, timeout: float = 60.0, input: Optional[str] = None
) -> subprocess.CompletedProcess:
    """Run the CLI in a subprocess, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "viam_data_sync.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        input=input,
    )


#: The ``viam-data-sync`` console script of this environment.
CONSOLE_SCRIPT = Path(sys.executable).with_name("viam-data-sync")


def run_on_terminal(args, env, timeout=60.0, answer=None, stdout_too=False):
    """Run the console script with stderr and stdin (and with ``stdout_too`` stdout, as
    in a shell) on a pseudo-terminal, typing ``answer`` once it asks; returns (exit code,
    what the terminal showed, stdout)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 120, 0, 0))  # 24 rows, 120 columns
    proc = subprocess.Popen(
        [str(CONSOLE_SCRIPT), *args], env=env, stdin=slave, stdout=slave if stdout_too else subprocess.PIPE,
        stderr=slave,
    )
    os.close(slave)
    shown = b""
    try:
        while True:
            ready, _, _ = select.select([master], [], [], timeout)
            if not ready:
                break
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            shown += chunk
            if answer is not None and b"[y/N]" in shown:
                os.write(master, answer.encode() + b"\n")
                answer = None
        out = proc.stdout.read() if proc.stdout is not None else b""
        code = proc.wait(timeout=timeout)
    finally:
        os.close(master)
        if proc.stdout is not None:
            proc.stdout.close()
    return code, shown.decode("utf-8", "replace"), out.decode()


def seed(env: Env) -> None:
    with env.client() as client:
        for index, name in enumerate(SENSORS):
            rows: List[dict] = []
            times = []
            for i in range(ROWS_PER_SENSOR):
                at = T0 + dt.timedelta(seconds=i, milliseconds=index * 3)
                rows.append(
                    {
                        "readings": {
                            "i": i,
                            "temp": 20.0 + i / 10,
                            "name": name,
                            "nested": {"ok": i % 2 == 0},
                            "none": None,
                            "text": 'naïve, "quoted"\nline',
                        }
                    }
                )
                times.append((at, at))
            for start in range(0, ROWS_PER_SENSOR, 25):
                client.tabular_data_capture_upload(
                    rows[start : start + 25],
                    env.server.part_id,
                    "rdk:component:sensor",
                    name,
                    "Readings",
                    times[start : start + 25],
                    tags=["cli-test"],
                )
        for i in range(IMAGES):
            png = make_png(16 + i, 8, i)
            at = T0 + dt.timedelta(minutes=10, seconds=i)
            binary_data_id = client.binary_data_capture_upload(
                png,
                env.server.part_id,
                "rdk:component:camera",
                "cam-1",
                "ReadImage",
                ".png",
                tags=["cli-test"],
                data_request_times=(at, at),
            )
            env.images[binary_data_id] = hashlib.sha256(png).hexdigest()


@pytest.fixture(scope="session")
def cli_env():
    faults = FaultInjector()
    latency = LatencyInjector(0.0)
    with LocalDataServer(auth=True, interceptors=[faults, latency]) as server:
        env = Env(server, faults, latency)
        seed(env)
        yield env


@pytest.fixture
def env(cli_env: Env):
    """The shared server, with faults and latency reset after each test."""
    yield cli_env
    cli_env.faults.clear()
    cli_env.latency.seconds = 0.0
