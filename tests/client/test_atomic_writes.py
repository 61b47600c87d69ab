"""The one atomic writer (``_atomic``) every file of the SDK and the CLI goes through:
a unique temporary name, fsync of the file and its directory, rename; a writer that
dies or fails never leaves anything but whole files under final names."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import threading
import time

import pytest

from viam_data_sync import _atomic
from viam_data_sync._atomic import TEMP_GLOB, write_atomic, write_bytes_atomic, write_text_atomic

_KILLED_WRITER = r"""
import sys, time
from viam_data_sync._atomic import write_atomic

def write(handle):
    handle.write("half of the new ")
    handle.flush()
    open(sys.argv[2], "w").close()  # tell the parent we are mid-write
    time.sleep(60)
    handle.write("content\n")

write_atomic(sys.argv[1], write)
"""


def test_a_writer_killed_mid_write_leaves_the_old_file(tmp_path):
    target, ready = tmp_path / "summary.json", tmp_path / "ready"
    target.write_text("old\n")
    process = subprocess.Popen([sys.executable, "-c", _KILLED_WRITER, str(target), str(ready)])
    try:
        deadline = time.monotonic() + 30
        while not ready.exists() and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.01)
        assert ready.exists(), "the writer never started"
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert target.read_text() == "old\n"
    (temp,) = tmp_path.glob(TEMP_GLOB)  # what a rerun clears; never the final name
    assert temp.read_text() == "half of the new "


def test_a_failing_write_leaves_the_old_file_and_no_temp_file(tmp_path):
    target = tmp_path / "x.bin"
    target.write_bytes(b"old")

    def write(handle):
        handle.write(b"partial")
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError, match="disk on fire"):
        write_atomic(target, write, binary=True)
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.bin"]


def test_concurrent_writers_of_one_path_never_collide(tmp_path):
    target = tmp_path / "checkpoint"
    contents = [bytes([65 + n]) * 65536 for n in range(6)]
    errors = []

    def writer(content: bytes) -> None:
        try:
            for _ in range(30):
                write_bytes_atomic(target, content)
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(content,)) for content in contents]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert target.read_bytes() in contents  # one writer's whole content, never a mix
    assert [p.name for p in tmp_path.iterdir()] == ["checkpoint"]


def test_the_file_and_then_its_directory_are_fsynced(tmp_path, monkeypatch):
    synced = []
    real_fsync = os.fsync

    def spy(fd):
        synced.append("dir" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file")
        real_fsync(fd)

    monkeypatch.setattr(_atomic.os, "fsync", spy)
    write_text_atomic(tmp_path / "a.txt", "naïve\n")
    assert synced == ["file", "dir"]
    assert (tmp_path / "a.txt").read_bytes() == "naïve\n".encode("utf-8")
    synced.clear()
    partial = tmp_path / "b.partial"
    partial.write_text("done\n")
    _atomic.publish(partial, tmp_path / "b")
    assert synced == ["dir"] and (tmp_path / "b").read_text() == "done\n" and not partial.exists()
