"""``export binary``: layout, safe names, checksums, skip and resume."""

from __future__ import annotations

import hashlib
import json

import grpc

from .conftest import IMAGES, run_cli


def _data_files(folder):
    return sorted(p for p in (folder / "data").iterdir() if not p.name.startswith("."))


def test_export_binary_layout_names_and_checksums(env, tmp_path):
    result = run_cli(
        [
            "export",
            "binary",
            "--dest",
            str(tmp_path),
            "--component-name",
            "cam-1",
            "--include-metadata",
            "--parallel",
            "3",
        ],
        env.environ(),
    )
    assert result.returncode == 0, result.stderr
    assert f"exported {IMAGES} files" in result.stderr and f"{IMAGES} downloaded" in result.stderr
    files = _data_files(tmp_path)
    assert len(files) == IMAGES
    # Ids contain slashes; names never do, and stay inside data/.
    assert all("/" in binary_id for binary_id in env.images)
    assert all(p.parent == tmp_path / "data" and p.suffix == ".png" for p in files)
    assert sorted(hashlib.sha256(p.read_bytes()).hexdigest() for p in files) == sorted(env.images.values())
    metas = [json.loads((tmp_path / "metadata" / f"{p.name}.json").read_text()) for p in files]
    assert {m["binaryDataId"] for m in metas} == set(env.images)
    assert all(m["captureMetadata"]["componentName"] == "cam-1" for m in metas)


def test_rerun_skips_complete_files_and_repairs_the_rest(env, tmp_path):
    args = ["export", "binary", "--dest", str(tmp_path), "--component-name", "cam-1"]
    assert run_cli(args, env.environ()).returncode == 0
    files = _data_files(tmp_path)
    files[0].unlink()  # missing
    files[1].write_bytes(files[1].read_bytes()[:10])  # cut short (wrong size)
    stale = tmp_path / "data" / f".{files[2].name}.x1y2z3.tmp"
    stale.write_bytes(b"half")  # a dead run's temporary file
    again = run_cli(args, env.environ())
    assert again.returncode == 0, again.stderr
    assert "2 downloaded" in again.stderr and f"{IMAGES - 2} already complete" in again.stderr
    assert not stale.exists()
    assert sorted(hashlib.sha256(p.read_bytes()).hexdigest() for p in _data_files(tmp_path)) == sorted(
        env.images.values()
    )


def test_failed_export_leaves_only_complete_files_then_resumes(env, tmp_path):
    env.faults.fail("BinaryDataByIDs", grpc.StatusCode.INTERNAL, every=2, times=1)
    args = ["export", "binary", "--dest", str(tmp_path), "--component-name", "cam-1", "--parallel", "1"]
    # Small metadata pages make several download batches.
    first = run_cli([*args, "--page-size", "3"], env.environ())
    assert first.returncode == 1 and "INTERNAL" in first.stderr and "Traceback" not in first.stderr
    present = _data_files(tmp_path)
    assert 0 < len(present) < IMAGES
    wanted = set(env.images.values())
    assert all(hashlib.sha256(p.read_bytes()).hexdigest() in wanted for p in present)
    assert not list((tmp_path / "data").glob(".*"))
    env.faults.clear()
    second = run_cli(args, env.environ())
    assert second.returncode == 0, second.stderr
    assert f"{len(present)} already complete" in second.stderr
    assert sorted(hashlib.sha256(p.read_bytes()).hexdigest() for p in _data_files(tmp_path)) == sorted(wanted)
