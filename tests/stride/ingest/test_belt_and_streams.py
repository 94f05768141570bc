"""The belt-source decision and the stream parsers, made once for live and recorded
sessions: a fixed belt is sampled alike however the samples arrive; a new kind of belt
stream is added by registering a parser; the ingest package imports only the core and
devices."""

from __future__ import annotations

import ast
import math
import struct
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devices.recording import SessionReader, SessionWriter
from devices.sensorbox import SampleBlock, StreamDecoder
from devices.treadmill.base import BeltReading
from stride.analysis import run
from stride.core.analyzer import AnalysisConfig
from stride.core.signals import GaitSignals
from stride.errors import InputError
from stride.ingest.belt_source import FIXED_PERIOD_S, BeltSource, fixed_belt, fixed_samples
from stride.ingest.recording import pipeline_for, read_session, recorded_chunks
from stride.ingest.streams import reading_parser, register_reading_parser, unregister_reading_parser

Walk = Callable[..., tuple[GaitSignals, dict[str, np.ndarray]]]
INGEST = Path(__file__).resolve().parents[3] / "stride" / "ingest"


@settings(max_examples=50)
@given(
    st.lists(st.floats(min_value=0.0, max_value=30.0), min_size=1, max_size=30),
    st.floats(min_value=0.1, max_value=3.0),
)
def test_fixed_belt_samples_are_the_same_in_any_pieces(ends: list[float], speed: float) -> None:
    """Samples asked for chunk by chunk (as live) plus the last sample's one (at the end
    of the stream) are the samples of the whole record (as a recording is read)."""
    ends = sorted(ends)
    t_end = ends[-1]
    got = []
    last = -math.inf
    for end in ends:
        t, v = fixed_samples(last, end, speed)
        assert np.all(v == speed) and v.shape == (t.size, 1)
        got.append(t)
        if t.size:
            last = float(t[-1])
    pieces = np.concatenate(got)
    if last < t_end:
        pieces = np.append(pieces, t_end)
    whole, _ = fixed_belt(t_end, speed)
    assert pieces.tolist() == whole.tolist()
    grid = whole[:-1] if whole[-1] % FIXED_PERIOD_S else whole
    assert np.all(np.diff(whole) > 0) and np.allclose(
        grid / FIXED_PERIOD_S, np.round(grid / FIXED_PERIOD_S)
    )


def test_belt_sources_from_specs_and_sessions() -> None:
    assert BeltSource.from_treadmill_spec("fixed:3.6kmh") == BeltSource("fixed", 1.0)
    assert BeltSource.from_treadmill_spec("box") == BeltSource("box")
    assert BeltSource.from_treadmill_spec("csafe:/dev/ttyUSB0").kind == "treadmill"
    assert BeltSource.from_session({}) == BeltSource("box")
    assert BeltSource.from_session({"belt_source": None}) == BeltSource("box")  # simulated
    stored = BeltSource("fixed", 0.9)
    assert BeltSource.from_session(stored.meta()) == stored
    for bad in ({"belt_source": "x"}, {"belt_source": "fixed"}, {"belt_source": 3}):
        with pytest.raises(InputError, match="corrupt belt source"):
            BeltSource.from_session(bad, "rec")


def test_a_fixed_belt_session_live_and_analysed_later_agree(
    tmp_path: Path, synth_walk: Walk
) -> None:
    from stride_testkit import box_wire, write_box_session  # type: ignore[import-not-found]

    sig, _ = synth_walk(seconds=20.0, fs=200.0, belt_mps=None, seed=9)
    meta = {"belt_source": "fixed", "fixed_speed_mps": 0.9, "target": {"step_length_m": 0.5}}
    write_box_session(tmp_path / "s", box_wire(sig), per_chunk=5, meta=meta)
    reader = SessionReader(tmp_path / "s")
    pipeline, streams, _ = pipeline_for(reader)
    live = [r for s, d, t in recorded_chunks(reader, streams) for r in pipeline.feed(s, d, t)]
    final = pipeline.finish()
    assert live == final["steps"][: len(live)]
    _, result, _ = run(tmp_path / "s", AnalysisConfig())
    assert result.step_rows() == final["steps"]
    assert result.summary == final["summary"]
    belt = final["summary"]["belt_speed_mps"]
    assert belt["mean"] == pytest.approx(0.9, abs=1e-12) and belt["sd"] < 1e-12


def _notifications(chunks: Iterable[tuple[float, str, bytes]]) -> list[BeltReading]:
    """A new stream kind: each recorded chunk is one notification, a float32 speed."""
    out = []
    for host_t, direction, data in chunks:
        if direction == "rx" and len(data) == 4:
            out.append(BeltReading(host_t, (struct.unpack("<f", data)[0],)))
    return out


@pytest.fixture
def notify_parser() -> Iterable[None]:
    register_reading_parser("test-notify", _notifications)
    yield
    unregister_reading_parser("test-notify")


def test_a_registered_stream_parser_reads_a_new_kind_of_belt_stream(
    tmp_path: Path, synth_walk: Walk, notify_parser: None
) -> None:
    from stride_testkit import box_wire  # type: ignore[import-not-found]

    assert reading_parser("test-notify") is _notifications
    sig, _ = synth_walk(seconds=20.0, fs=200.0, belt_mps=None, seed=12)
    wire = box_wire(sig, t0_us=0)
    with SessionWriter(str(tmp_path / "s")) as w:
        w.write_meta({"belt_source": "treadmill"})
        box = w.add_stream("box", "sensorbox-v1")
        host = 1000.0
        for frame in wire:  # each frame arrives 20 ms after its last sample
            dec = StreamDecoder(reorder_window=0)
            blocks = [
                e for e in (*dec.feed(frame, 0.0), *dec.flush()) if isinstance(e, SampleBlock)
            ]
            if blocks:
                host = 1000.02 + blocks[-1].t_us[-1] / 1e6
            box.append(frame, host)
        rx = w.add_stream("treadmill.rx", "test-notify")
        for k in range(200):
            rx.append(struct.pack("<f", 1.25), 1000.03 + 0.1 * k)
    got = read_session(tmp_path / "s")
    assert got.belt_speed is not None and np.allclose(got.belt_speed, 1.25)
    reader = SessionReader(tmp_path / "s")
    pipeline, streams, _ = pipeline_for(reader)
    assert streams == ["box", "treadmill.rx"]
    for s, d, t in recorded_chunks(reader, streams):
        pipeline.feed(s, d, t)
    final = pipeline.finish()
    _, result, _ = run(tmp_path / "s", AnalysisConfig())
    assert result.step_rows() == final["steps"]
    lengths = [r["step_length_m"] for r in final["steps"] if r["step_length_m"] is not None]
    assert len(lengths) > 10


def test_unknown_protocols_have_no_parser_and_known_drivers_have_theirs() -> None:
    from devices.treadmill import trackmaster

    assert reading_parser("no-such-protocol") is None
    assert reading_parser(None) is None
    parser = reading_parser("trackmaster")
    assert parser is not None
    data = [(1.0, "rx", b"\xd10025")]
    assert parser(data) == trackmaster.replay(data)


ALLOWED = ("stride.core", "stride.errors", "stride.ingest", "devices", "numpy", "__future__")


def test_ingest_imports_only_the_core_and_devices() -> None:
    for path in sorted(INGEST.glob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                project = top in ("stride", "devices", "sim", "numpy")
                if project or top not in __import__("sys").stdlib_module_names:
                    assert name.startswith(ALLOWED), f"{path.name} imports {name}"
