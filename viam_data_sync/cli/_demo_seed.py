"""What the demo uploads: sensor readings, camera images, a point cloud and a log
file, each through the SDK call a robot or a script would use."""

from __future__ import annotations

import dataclasses
import datetime as _dt
import math
from pathlib import Path
from typing import Any, Dict, List, Tuple

from viam_data_sync._atomic import write_bytes_atomic, write_text_atomic
from viam_data_sync.cli._demo_files import make_pcd, make_png, sha256

SENSORS = (("env-sensor-1", "greenhouse"), ("env-sensor-2", "greenhouse"), ("env-sensor-3", "warehouse"))
READINGS_PER_SENSOR = 120
IMAGES = 12
#: Readings per upload: several captures per sensor, like a sync.
_CAPTURE = 40


@dataclasses.dataclass
class Seeded:
    """What was uploaded, for the checks that follow."""

    rows: int = 0
    uploaded: Dict[str, str] = dataclasses.field(default_factory=dict)  # binary data id -> sha256
    image_ids: List[str] = dataclasses.field(default_factory=list)


def _reading(index: int, i: int, site: str) -> Dict[str, Any]:
    phase = i / 24.0 + index
    return {
        "readings": {
            "temperature_c": round(21.0 + 3.0 * math.sin(phase) + index, 3),
            "humidity_pct": round(55.0 + 10.0 * math.cos(phase / 2), 3),
            "co2_ppm": 410 + (i * 7 + index * 13) % 90,
            "site": site,
            "ok": i % 17 != 0,
        }
    }


def seed_readings(client: Any, part_id: str, t0: _dt.datetime) -> int:
    """:data:`READINGS_PER_SENSOR` readings from each of :data:`SENSORS`; returns the rows."""
    count = 0
    for index, (name, site) in enumerate(SENSORS):
        batch: List[Dict[str, Any]] = []
        times: List[Tuple[_dt.datetime, _dt.datetime]] = []
        for i in range(READINGS_PER_SENSOR):
            at = t0 + _dt.timedelta(seconds=i * 5, milliseconds=index * 7)
            batch.append(_reading(index, i, site))
            times.append((at, at + _dt.timedelta(milliseconds=3)))
        for start in range(0, len(batch), _CAPTURE):
            client.tabular_data_capture_upload(
                batch[start : start + _CAPTURE],
                part_id,
                "rdk:component:sensor",
                name,
                "Readings",
                times[start : start + _CAPTURE],
                tags=["demo", site],
            )
        count += len(batch)
    return count


def seed_images(client: Any, part_id: str, t0: _dt.datetime, source: Path, seeded: Seeded) -> int:
    """:data:`IMAGES` PNG captures of ``camera-1`` (copies kept in ``source``); returns the bytes."""
    total = 0
    for i in range(IMAGES):
        png = make_png(64, 48, i)
        write_bytes_atomic(source / f"camera-1-{i:02d}.png", png)
        at = t0 + _dt.timedelta(seconds=30 * i)
        binary_data_id = client.binary_data_capture_upload(
            png,
            part_id,
            "rdk:component:camera",
            "camera-1",
            "ReadImage",
            ".png",
            tags=["demo"],
            data_request_times=(at, at + _dt.timedelta(milliseconds=20)),
        )
        seeded.uploaded[binary_data_id] = sha256(png)
        seeded.image_ids.append(binary_data_id)
        total += len(png)
    return total


def seed_streams(client: Any, part_id: str, t0: _dt.datetime, source: Path, seeded: Seeded) -> int:
    """A point cloud (streamed upload) and a log file (chunked from its path); returns the bytes."""
    pcd = make_pcd(12_000, 1)  # ~300 KB: several upload chunks
    write_bytes_atomic(source / "lidar-1.pcd", pcd)
    at = t0 + _dt.timedelta(minutes=7)
    streamed = client.streaming_data_capture_upload(
        pcd,
        part_id,
        ".pcd",
        component_type="rdk:component:camera",
        component_name="lidar-1",
        method_name="NextPointCloud",
        data_request_times=(at, at + _dt.timedelta(milliseconds=80)),
        tags=["demo"],
    )
    seeded.uploaded[streamed] = sha256(pcd)
    log_path = source / "robot-run.log"
    lines = [
        f"2026-01-01T00:{i // 60:02d}:{i % 60:02d}Z INFO step {i} pose=({i * 0.1:.1f},{i * 0.2:.1f})"
        for i in range(4000)
    ]
    write_text_atomic(log_path, "\n".join(lines) + "\n")
    from_path = client.file_upload_from_path(
        str(log_path),
        part_id,
        component_type="rdk:service:logger",
        component_name="run-log",
        tags=["demo"],
    )
    seeded.uploaded[from_path] = sha256(log_path.read_bytes())
    return len(pcd) + log_path.stat().st_size
