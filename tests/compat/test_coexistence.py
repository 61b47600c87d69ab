"""viam-data-sync and the official viam-sdk in one interpreter, in either import order.

Each order runs in a fresh subprocess, since import order is process-global.
"""
from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("viam.proto.app.data", reason="viam-sdk (test extra) not installed")

SCRIPT = textwrap.dedent(
    """
    import sys
    order = sys.argv[1:]
    for name in order:
        if name == "ours":
            import viam_data_sync
            from viam_data_sync import proto as ours
            from viam_data_sync._proto.app.datasync.v1 import data_sync_pb2 as ours_sync
            from viam_data_sync._convert import dict_to_struct, struct_to_dict
        else:
            import viam.proto.app.data as theirs
            from viam.proto.app.datasync import SensorData as TheirSensorData
            from viam.app.data_client import DataClient as TheirClient

    # Our messages, serialized, parse in theirs, and back.
    f = ours.Filter(component_name="cam", organization_ids=["o1"],
                    tags_filter=ours.TagsFilter(type=ours.TagsFilterType.TAGS_FILTER_TYPE_TAGGED))
    g = theirs.Filter.FromString(f.SerializeToString())
    assert g.component_name == "cam" and list(g.organization_ids) == ["o1"]
    assert g.tags_filter.type == theirs.TagsFilterType.TAGS_FILTER_TYPE_TAGGED
    assert ours.Filter.FromString(g.SerializeToString()) == f

    sd = ours_sync.SensorData(struct=dict_to_struct({"readings": {"t": 21.5, "ok": None}}))
    sd.metadata.time_requested.FromSeconds(1_700_000_000)
    theirs_sd = TheirSensorData.FromString(sd.SerializeToString())
    assert theirs_sd.struct["readings"]["t"] == 21.5
    assert theirs_sd.metadata.time_requested.seconds == 1_700_000_000
    back = ours_sync.SensorData.FromString(theirs_sd.SerializeToString())
    assert struct_to_dict(back.struct) == {"readings": {"t": 21.5, "ok": None}}

    # Their message classes are untouched by ours (default pool still theirs).
    from google.protobuf import descriptor_pool
    assert descriptor_pool.Default().FindMessageTypeByName("viam.app.data.v1.Filter") is theirs.Filter.DESCRIPTOR
    assert ours.Filter.DESCRIPTOR is not theirs.Filter.DESCRIPTOR
    # Their own API keeps working.
    assert isinstance(TheirClient.create_filter(component_name="x"), theirs.Filter)
    print("OK", " ".join(order))
    """
)


@pytest.mark.parametrize("order", [("ours", "theirs"), ("theirs", "ours")], ids=["ours-first", "theirs-first"])
def test_both_import_orders(order):
    result = subprocess.run(
        [sys.executable, "-W", "ignore::DeprecationWarning", "-c", SCRIPT, *order],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip() == "OK " + " ".join(order)


def test_ours_alone_does_not_touch_the_default_pool():
    script = textwrap.dedent(
        """
        import viam_data_sync, viam_data_sync.proto
        from google.protobuf import descriptor_pool
        try:
            descriptor_pool.Default().FindFileByName("app/data/v1/data.proto")
        except KeyError:
            print("clean")
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "clean"


def test_pip_check_is_clean():
    """Our package and viam-sdk==0.85.1 install together without conflicts."""
    result = subprocess.run([sys.executable, "-m", "pip", "check"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
