"""Session directories: writing, reading back, damage, refusal to overwrite."""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import numpy as np
import pytest

from devices.errors import InputError
from devices.recording import SessionReader, SessionWriter
from devices.recording import writer as writer_mod
from devices.recording.layout import CHUNK_HEAD


def make_session(path: Path, chunks: list[tuple[float, bytes]]) -> None:
    with SessionWriter(path) as w:
        box = w.add_stream("box", "sensorbox-v1")
        rx = w.add_stream("treadmill.rx", "trackmaster")
        for t, data in chunks:
            box.append(data, t)
        rx.append(b"\xd1" + b"0040", 1.5)
        w.write_meta({"subject": "S01", "sample_rate_hz": 1000})
        w.write_table("steps.csv", ["side", "ic_s", "step_length_m"], [["L", 1.0, None]])
        w.write_json("summary.json", {"steps": 1})


def test_round_trip(tmp_path: Path, rng: np.random.Generator) -> None:
    chunks = [
        (i * 0.01, bytes(rng.integers(0, 256, int(rng.integers(1, 300)), np.uint8)))
        for i in range(200)
    ]
    make_session(tmp_path / "s", chunks)
    r = SessionReader(tmp_path / "s")
    assert r.streams == {"box": "sensorbox-v1", "treadmill.rx": "trackmaster"}
    assert r.meta["subject"] == "S01" and r.meta["format_version"] == 1
    assert r.meta["files"] == ["steps.csv", "summary.json"]
    assert list(r.chunks("box")) == chunks
    assert list(r.chunks("treadmill.rx")) == [(1.5, b"\xd10040")]
    assert r.problems["box"].clean
    assert r.file("steps.csv").read_text() == "side,ic_s,step_length_m\nL,1.0,\n"
    assert r.read_json("summary.json") == {"steps": 1}
    sd = r.read_stream("box")
    assert sd.data == b"".join(c for _, c in chunks) and len(sd.offsets) == 200


def test_existing_directory_is_refused_unless_force(tmp_path: Path) -> None:
    make_session(tmp_path / "s", [(0.0, b"abc")])
    with pytest.raises(InputError, match="--force"):
        SessionWriter(tmp_path / "s")
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "keep.txt").write_text("mine")
    with pytest.raises(InputError, match="--force"):
        SessionWriter(tmp_path / "notes")
    assert (tmp_path / "s" / "steps.csv").exists()
    with SessionWriter(tmp_path / "s", force=True) as w:
        w.add_stream("box", "sensorbox-v1").append(b"new", 2.0)
    r = SessionReader(tmp_path / "s")
    assert list(r.chunks("box")) == [(2.0, b"new")] and set(r.streams) == {"box"}
    assert not (tmp_path / "s" / "steps.csv").exists() and r.meta["files"] == []
    SessionWriter(tmp_path / "notes", force=True).close()
    assert (tmp_path / "notes" / "keep.txt").read_text() == "mine"
    (tmp_path / "empty").mkdir()
    SessionWriter(tmp_path / "empty").close()  # an empty directory is fine


@pytest.mark.parametrize("through", ["new/..", "new/deeper/../.."])
def test_an_existing_session_named_through_new_folders_is_refused_untouched(
    tmp_path: Path, through: str
) -> None:
    """``new/..`` names an existing folder only once ``new`` exists: the writer must see
    that folder, not a path that did not exist yet, before it writes session.json."""
    make_session(tmp_path / "s", [(0.0, b"abc")])
    before = {p: p.read_bytes() for p in (tmp_path / "s").rglob("*") if p.is_file()}
    with pytest.raises(InputError, match="already exists and is not empty"):
        SessionWriter(tmp_path / "s" / through)
    after = {p: p.read_bytes() for p in (tmp_path / "s").rglob("*") if p.is_file()}
    assert after == before
    assert not (tmp_path / "s" / "new").exists()  # the folder the refused call made, gone


def test_bad_names_and_reserved_keys(tmp_path: Path) -> None:
    with SessionWriter(tmp_path / "s") as w:
        for bad in ("", "../x", "a/b", ".hidden", "session.json"):
            with pytest.raises(InputError):
                w.add_stream(bad, "x")
        w.add_stream("box", "x")
        with pytest.raises(InputError, match="already"):
            w.add_stream("box", "x")
        with pytest.raises(InputError, match="reserved"):
            w.write_meta({"streams": {}})
        with pytest.raises(InputError):
            w.write_text("../escape.txt", "x")


@pytest.mark.parametrize("cut", [1, 5, CHUNK_HEAD.size, CHUNK_HEAD.size + 3])
def test_torn_last_chunk_is_skipped_and_counted(tmp_path: Path, cut: int) -> None:
    chunks = [(float(i), bytes([i + 1]) * 10) for i in range(5)]
    make_session(tmp_path / "s", chunks)
    f = tmp_path / "s" / "streams" / "box.rec"
    raw = f.read_bytes()
    last = CHUNK_HEAD.size + 10
    f.write_bytes(raw[: len(raw) - last + cut])
    r = SessionReader(tmp_path / "s")
    assert list(r.chunks("box")) == chunks[:4]
    assert r.problems["box"].torn == 1 and r.problems["box"].bytes_skipped == cut


def test_damaged_middle_chunk_is_skipped(tmp_path: Path) -> None:
    chunks = [(float(i), bytes([i + 1]) * 10) for i in range(5)]
    make_session(tmp_path / "s", chunks)
    f = tmp_path / "s" / "streams" / "box.rec"
    raw = bytearray(f.read_bytes())
    start = raw.index(b"CHNK") + 2 * (CHUNK_HEAD.size + 10)
    raw[start + CHUNK_HEAD.size + 3] ^= 0xFF
    f.write_bytes(bytes(raw))
    r = SessionReader(tmp_path / "s")
    assert list(r.chunks("box")) == [chunks[i] for i in (0, 1, 3, 4)]
    assert r.problems["box"].corrupt == 1 and r.problems["box"].torn == 0


def test_missing_foreign_and_corrupt_dirs(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no recording"):
        SessionReader(tmp_path / "nope")
    (tmp_path / "foreign").mkdir()
    (tmp_path / "foreign" / "data.csv").write_text("1,2")
    with pytest.raises(InputError, match="not a stride recording"):
        SessionReader(tmp_path / "foreign")
    (tmp_path / "f.txt").write_text("x")
    with pytest.raises(InputError, match="not a session directory"):
        SessionReader(tmp_path / "f.txt")
    make_session(tmp_path / "s", [(0.0, b"a")])
    sj = tmp_path / "s" / "session.json"
    meta = json.loads(sj.read_text())
    sj.write_text("{broken")
    with pytest.raises(InputError, match="corrupt"):
        SessionReader(tmp_path / "s")
    sj.write_text(json.dumps({**meta, "format_version": 99}))
    with pytest.raises(InputError, match="upgrade"):
        SessionReader(tmp_path / "s")
    sj.write_text(json.dumps({**meta, "format": "other"}))
    with pytest.raises(InputError, match="not a stride recording"):
        SessionReader(tmp_path / "s")
    sj.write_text(json.dumps(meta))
    with pytest.raises(InputError, match="streams: box"):
        SessionReader(tmp_path / "s").read_stream("belt")
    (tmp_path / "s" / "streams" / "box.rec").write_bytes(b"garbage")
    with pytest.raises(InputError, match="not a stride stream"):
        SessionReader(tmp_path / "s").read_stream("box")


def test_fsync_at_least_every_interval(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [100.0]
    monkeypatch.setattr(writer_mod.time, "monotonic", lambda: clock[0])
    synced: list[float] = []
    real = os.fsync
    monkeypatch.setattr(writer_mod.os, "fsync", lambda fd: (synced.append(clock[0]), real(fd)))
    w = SessionWriter(tmp_path / "s", sync_interval=1.0)
    rec = w.add_stream("box", "x")
    synced.clear()
    for i in range(50):
        clock[0] = 100.0 + i * 0.1
        rec.append(b"x", clock[0])
    assert len(synced) >= 4
    assert all(b - a <= 1.0 + 1e-9 for a, b in itertools.pairwise(synced))
    w.close()


def test_quiet_stream_is_synced_in_the_background(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced = threading.Event()
    real = os.fsync

    def fsync(fd: int) -> None:
        synced.set()
        real(fd)

    w = SessionWriter(tmp_path / "s", sync_interval=0.05)
    rec = w.add_stream("box", "x")
    monkeypatch.setattr(writer_mod.os, "fsync", fsync)
    rec.append(b"last bytes before the cable came out", 1.0)
    with rec._lock:  # whether or not the append synced, pretend it did not: no more appends
        synced.clear()
        rec._dirty = True
    assert synced.wait(5.0)
    w.close()
    assert w._syncer is not None and not w._syncer.is_alive()


def test_killed_writer_keeps_every_appended_chunk(tmp_path: Path) -> None:
    code = textwrap.dedent(f"""
        import sys, time
        from devices.recording import SessionWriter
        w = SessionWriter({str(tmp_path / "s")!r}, sync_interval=1.0)
        rec = w.add_stream("box", "sensorbox-v1")
        for i in range(300):
            rec.append(bytes([i % 251 + 1]) * 50, i * 0.01)
        print("ready", flush=True)
        time.sleep(60)
    """)
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    r = SessionReader(tmp_path / "s")
    chunks = list(r.chunks("box"))
    assert len(chunks) == 300 and chunks[-1] == (2.99, bytes([299 % 251 + 1]) * 50)
    assert r.problems["box"].clean
