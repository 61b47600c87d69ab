"""Names that always export (issue 23, item 8): a file name with NUL or control
characters, a component over 255 bytes, a whole name too long, a Windows reserved name,
or characters a file system refuses is mapped to a safe, deterministic form; two items
that would share a name are both kept; a rerun finishes and re-downloads nothing.

Before this, a NUL or an overlong component failed the whole export at the same item on
every rerun, and the second of two items with one name was dropped.
"""

from __future__ import annotations

import hashlib
import os

import pytest

from viam_data_sync.server import LocalDataServer
from viam_data_sync.testing import FaultInjector, LatencyInjector

from .conftest import Env, run_cli



def short_hash(text):
    """The documented suffix: 12 hex digits of the SHA-256 of the text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


LONG = "x" * 300 + ".png"  # one component over 255 bytes
DEEP = "/".join(["d" * 100] * 50) + "/deep.txt"  # 5,000+ bytes as a whole

#: (file_name, file_ext, bytes); the file names the server takes.
ITEMS = [
    ("bad\x00name/a.txt", ".txt", b"nul"),
    ("ctl/b\x01\x1fc.txt", ".txt", b"control"),
    ("long/" + LONG, ".png", b"long"),
    (DEEP, ".txt", b"deep"),
    ("win/NUL.txt", ".txt", b"reserved nul"),
    ("win/con", ".log", b"reserved con"),
    ("win/Lpt9.tar.gz.bin", ".bin", b"reserved lpt9"),
    ('odd/a<b>c:d"e|f?g*h\\i.txt', ".txt", b"refused chars"),
    ("dup/same.txt", ".txt", b"first"),
    ("dup/same.txt", ".txt", b"second"),
]


def test_each_component_maps_to_a_safe_deterministic_form():
    from viam_data_sync._dest import safe_component, safe_export_name

    assert safe_component("a\x00b\x1f") == "a_b_"
    assert safe_component("NUL.txt") == "_NUL.txt" and safe_component("com1") == "_com1"
    assert safe_component("Lpt9.tar.gz") == "_Lpt9.tar.gz" and safe_component("CONSOLE.txt") == "CONSOLE.txt"
    assert safe_component('a<b>"|?*\\') == "a_b______"
    assert safe_component("trailing.") == "trailing_" and safe_component("space ") == "space_"
    cut = safe_component(LONG)
    assert cut == "x" * (200 - 13 - 4) + "~" + short_hash(LONG) + ".png"
    assert len(cut.encode()) == 200 and safe_component(LONG) == cut
    assert safe_component("é" * 150).endswith("~" + short_hash("é" * 150))  # whole characters kept
    assert len(safe_component("é" * 150).encode()) <= 200
    flat = safe_export_name(DEEP)
    assert flat == f"{short_hash(DEEP)}~deep.txt"
    assert safe_export_name("a/b/c.txt") == "a/b/c.txt"  # ordinary names untouched


@pytest.fixture(scope="module")
def names_env():
    with LocalDataServer(auth=True) as server:
        env = Env(server, FaultInjector(), LatencyInjector(0.0))
        uploaded = []
        with env.client() as client:
            for file_name, ext, body in ITEMS:
                binary_id = client.file_upload(
                    server.part_id, body, component_name="names", file_name=file_name, file_extension=ext
                )
                uploaded.append((binary_id, file_name, body))
        yield env, uploaded


def _files(root):
    return {
        os.path.relpath(os.path.join(folder, name), root): open(os.path.join(folder, name), "rb").read()
        for folder, _, names in os.walk(root)
        for name in names
    }


def _check_tree(data, uploaded):
    files = _files(data)
    assert sorted(files.values()) == sorted(body for _, _, body in uploaded)  # every item, its own bytes
    names = set(files)
    assert "bad_name/a.txt" in names and "ctl/b__c.txt" in names
    assert f"long/{'x' * 183}~{short_hash(LONG)}.png" in names
    assert f"{short_hash(DEEP)}~deep.txt" in names
    assert {"win/_NUL.txt", "win/_con.log", "win/_Lpt9.tar.gz.bin"} <= names
    assert "odd/a_b_c_d_e_f_g_h_i.txt" in names
    dups = sorted(name for name in names if name.startswith("dup/"))
    assert len(dups) == 2 and "dup/same.txt" in dups
    second = next(binary_id for binary_id, name, body in uploaded if body == b"second")
    first = next(binary_id for binary_id, name, body in uploaded if body == b"first")
    # the one listed second gets its id's hash; which one that is follows the listing order
    assert {f"dup/same~{short_hash(second)}.txt", f"dup/same~{short_hash(first)}.txt"} & set(dups)
    return files


def test_every_bad_name_exports_and_a_rerun_finishes(names_env, tmp_path):
    env, uploaded = names_env
    args = ["export", "binary", "--dest", str(tmp_path), "--component-name", "names", "--include-metadata"]
    first = run_cli(args, env.environ())
    assert first.returncode == 0, first.stderr
    assert f"{len(ITEMS)} downloaded" in first.stderr
    before = _check_tree(tmp_path / "data", uploaded)
    assert len(_files(tmp_path / "metadata")) == len(ITEMS)
    again = run_cli(args, env.environ())
    assert again.returncode == 0, again.stderr
    assert f"0 downloaded (0 bytes), {len(ITEMS)} already complete" in again.stderr
    assert _files(tmp_path / "data") == before  # the same names on every run


def test_export_binary_counts_both_duplicates(names_env, tmp_path):
    from viam_data_sync import create_filter, export_binary

    env, uploaded = names_env
    with env.client() as client:
        result = export_binary(client, create_filter(component_name="names"), tmp_path, include_metadata=True)
        assert (result.listed, result.downloaded, result.skipped, result.failed) == (len(ITEMS), len(ITEMS), 0, [])
        assert len(set(result.files)) == len(ITEMS)
        _check_tree(tmp_path / "data", uploaded)
        again = export_binary(client, create_filter(component_name="names"), tmp_path, include_metadata=True)
        assert (again.downloaded, again.skipped, again.bytes_downloaded) == (0, len(ITEMS), 0)


def test_sdk_dest_keeps_both_duplicates_and_maps_names(names_env, tmp_path):
    from viam_data_sync import create_filter

    env, uploaded = names_env
    with env.client() as client:
        client.binary_data_by_filter(create_filter(component_name="names"), dest=tmp_path)
        client.binary_data_by_ids([binary_id for binary_id, _, _ in uploaded], dest=tmp_path / "by-ids")
    for root in (tmp_path, tmp_path / "by-ids"):
        _check_tree(root / "data", uploaded)
