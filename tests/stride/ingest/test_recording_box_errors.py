"""What the box said in ERROR frames during a recorded session (an open or shorted sensor,
an encoder fault) is said by ``stride analyze`` of the recording, as ``stride replay`` and
the live session say it: one warning per different message, with how often, in the JSON's
``warnings`` and as a ``stride: warning:`` line. The whole-stream decode and the
chunk-by-chunk one find the same frames."""

from __future__ import annotations

import json
from pathlib import Path

from cli_helpers import stride_in_process  # type: ignore[import-not-found]
from cobs import cobs

from devices.recording import SessionReader, SessionWriter
from devices.sensorbox.frames import crc16, encode_error
from stride.ingest.assembler import BlockAssembler
from stride.ingest.decode import _assemble_by_chunk, decode_box


def _renumbered(frames: list[bytes]) -> list[bytes]:
    """``frames`` (wire bytes) with their sequence numbers counted again from 0."""
    out = []
    for seq, f in enumerate(frames):
        raw = bytearray(cobs.decode(f[:-1]))
        raw[1:3] = seq.to_bytes(2, "little")
        body = bytes(raw[:-2])
        out.append(cobs.encode(body + crc16(body).to_bytes(2, "little")) + b"\x00")
    return out


def _t_us(frame: bytes) -> int:
    return int.from_bytes(cobs.decode(frame[:-1])[3:7], "little")


def _session_with_errors(path: Path) -> None:
    """A walking session whose box sends an ERROR frame every 50th frame: 'L-heel open'
    (code 1) and, once, a message with a control character (code 7)."""
    from stride_testkit import box_wire, walk  # type: ignore[import-not-found]

    sig, _ = walk(seconds=20.0, fs=200.0, heel_toe=True, seed=3)
    frames = box_wire(sig, hello_every=20)
    with_errors: list[bytes] = []
    for k, f in enumerate(frames):
        with_errors.append(f)
        if k % 50 == 25:
            with_errors.append(encode_error(0, _t_us(f), 1, "L-heel open"))
    with_errors.insert(60, encode_error(0, _t_us(with_errors[59]), 7, "odd\x07"))
    wire = b"".join(_renumbered(with_errors))
    with SessionWriter(str(path)) as w:
        rec = w.add_stream("box", "sensorbox-v1")
        for k in range(0, len(wire), 4000):
            rec.append(wire[k : k + 4000], 1000.0 + k / 1e5)


def test_analyze_says_what_the_box_reported(tmp_path: Path) -> None:
    rec = tmp_path / "rec"
    _session_with_errors(rec)
    run = stride_in_process("analyze", str(rec), "--json")
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)
    said = [w for w in doc["warnings"] if "sensor box reported" in w]
    assert len(said) == 2, doc["warnings"]
    head, _, count = said[0].rpartition(" (")
    assert head.endswith("code 1 (sensor open circuit): L-heel open"), said[0]
    assert count.endswith(" times)") and int(count.split()[0]) >= 5
    assert said[1].endswith("code 7 (other): odd?")  # printable, once: no count
    for line in said:
        assert f"stride: warning: {line}" in run.stderr


def test_whole_stream_and_chunk_by_chunk_decodes_find_the_same_errors(tmp_path: Path) -> None:
    rec = tmp_path / "rec"
    _session_with_errors(rec)
    fast: list = []
    decode_box(SessionReader(rec), "box", BlockAssembler(), None, errors=fast)
    slow: list = []
    _assemble_by_chunk(SessionReader(rec), "box", BlockAssembler(), [], slow)
    assert len(fast) >= 6
    assert [(e.code, e.message) for e in fast] == [(e.code, e.message) for e in slow]
