"""What ``stride analyze`` holds in memory while it reads and analyses a recording: each
large array goes as soon as nothing needs it, so an hour's session peaks at about twice
its recorded bytes (docs: README, memory row). Asserted as structure (which arrays are
still alive at each step, by weak reference: freed by reference counting, at once), not
as sizes: the step that frees an array must come before the step that fills the next.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from cli_helpers import stride_in_process


def _owner(a: Any) -> Any:
    """The array that owns ``a``'s memory (the end of its chain of views; a sample clock
    is its own)."""
    while isinstance(getattr(a, "base", None), np.ndarray):
        a = a.base
    return a


class Alive:
    """Weak references to arrays, by name: which of them are still in memory."""

    def __init__(self) -> None:
        self.refs: dict[str, weakref.ref[Any]] = {}

    def watch(self, name: str, a: Any) -> None:
        self.refs[name] = weakref.ref(_owner(a))

    def alive(self) -> list[str]:
        return sorted(name for name, ref in self.refs.items() if ref() is not None)


def _wrap(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str, around: Callable[..., Any]):
    """Replace ``owner.name`` by ``around(original, *args, **kwargs)``."""
    original = getattr(owner, name)
    monkeypatch.setattr(owner, name, lambda *a, **k: around(original, *a, **k))


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory, simulated_session: Any) -> Path:
    folder: Path = simulated_session(tmp_path_factory.mktemp("memory") / "s", minutes=0.5)
    return folder


def test_analyze_json_lets_the_samples_go_before_the_steps_and_the_document(
    session: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The times and forces read (an hour's: twice the recording) are freed once their
    contacts and gaps are found: the steps, the summary and the JSON document are built
    without them (``--plot`` alone keeps them, to draw them)."""
    import stride.analysis
    import stride.core.analyzer
    import stride.document

    samples = Alive()
    seen: dict[str, list[str]] = {}

    def read(original: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        signals = original(*args, **kwargs)
        samples.watch("times", signals.t)
        samples.watch("forces", signals.forces)
        return signals

    def note(step: str) -> Callable[..., Any]:
        def around(original: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
            seen.setdefault(step, samples.alive())
            return original(*args, **kwargs)

        return around

    _wrap(monkeypatch, stride.analysis, "read_signals", read)
    _wrap(monkeypatch, stride.core.analyzer, "side_rows", note("steps"))
    _wrap(monkeypatch, stride.document, "document_text", note("document"))
    run = stride_in_process("analyze", str(session), "--json")
    assert run.returncode == 0, run.stderr
    assert seen == {"steps": [], "document": []}


def test_plot_keeps_the_samples_it_draws(
    session: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import stride.plots

    drawn: list[int] = []

    def plot(original: Callable[..., Any], signals: Any, *args: Any) -> Any:
        drawn.append(signals.n)
        return original(signals, *args)

    _wrap(monkeypatch, stride.plots, "plot_analysis", plot)
    run = stride_in_process("analyze", str(session), "--plot", str(tmp_path / "p.png"))
    assert run.returncode == 0, run.stderr
    assert drawn and drawn[0] > 1000


@pytest.mark.parametrize("compact", [False, True])
def test_reading_frees_each_stage_before_the_next_one_fills(
    session: Path, monkeypatch: pytest.MonkeyPatch, compact: bool
) -> None:
    """Reading a session: the chunk tables and the blocks' payload offsets are gone and
    the decoded bytes past the counts given back when the samples are assembled; the
    times per sample are written from the blocks only then (with ``compact_times``, never:
    the times are a clock); the belt and per-block arrays are gone when the forces are
    widened to float32."""
    import devices.recording.reader as reader_module
    import devices.sensorbox._fast_gather as gather
    import devices.sensorbox._fast_samples as samples_module
    from stride.core.clock import SampleClock
    from stride.ingest.assembler import BlockAssembler
    from stride.ingest.recording import read_session

    arrays = Alive()
    seen: dict[str, list[str]] = {}
    released: list[tuple[int, int]] = []

    def read_stream(original: Callable[..., Any], self: Any, name: str) -> Any:
        data = original(self, name)
        arrays.watch("chunk starts", data.offsets)
        arrays.watch("chunk host times", data.host_t)
        return data

    def blocks(original: Callable[..., Any], *args: Any) -> Any:
        got = original(*args)
        arrays.watch("payload offsets", got[8])
        return got

    def release(original: Callable[..., Any], buf: np.ndarray) -> None:
        released.append((buf.__array_interface__["data"][0], buf.nbytes))
        original(buf)

    def times(original: Callable[..., Any], *args: Any) -> Any:
        seen.setdefault("times", [])
        return original(*args)

    def assemble(original: Callable[..., Any], self: Any, box: Any, **kwargs: Any) -> Any:
        seen["assembly"] = arrays.alive()
        values = box.values_flat
        counts_end = values.__array_interface__["data"][0] + values.nbytes
        seen["released after the counts"] = [str(any(at == counts_end for at, _ in released))]
        for name in ("belt_t_us", "belt_speed_mps", "block_host_t", "block_start"):
            arrays.watch(name, getattr(box, name))
        del values
        return original(self, box, **kwargs)

    def widen(original: Callable[..., Any], *args: Any) -> Any:
        seen.setdefault("forces", arrays.alive())
        return original(*args)

    _wrap(monkeypatch, reader_module.SessionReader, "read_stream", read_stream)
    _wrap(monkeypatch, gather, "_gather_blocks", blocks)
    _wrap(monkeypatch, gather, "release_pages", release)
    _wrap(monkeypatch, gather, "gather_times", times)
    monkeypatch.setattr(BlockAssembler, "clock_min_samples", 0)  # a clock at any length
    _wrap(monkeypatch, BlockAssembler, "feed_decoded", assemble)
    _wrap(monkeypatch, samples_module, "_assemble_in_place", widen)
    _wrap(monkeypatch, samples_module, "widen_in_place", widen)
    signals = read_session(session, compact_times=compact)
    assert signals.n > 1000 and signals.forces.dtype == np.float32
    assert isinstance(signals.t, SampleClock) == compact
    want = {"assembly": [], "released after the counts": ["True"], "forces": []}
    assert seen == (want if compact else {**want, "times": []})


def test_the_block_gather_writes_over_the_release_tables_it_reads(
    session: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The blocks' host times, release chunks and first sample times are written over
    the rows of the decoder's release tables already read (views of them, their other
    rows' pages given back), not to new arrays beside the tables: the gather is the peak
    of a read, the tables and its arrays all in memory at once."""
    import devices.sensorbox._fast_gather as gather
    import devices.sensorbox._fast_kernels as kernels
    import devices.sensorbox.fast as fast
    from stride.ingest.recording import read_session

    tables: list[Any] = []
    shared: dict[str, bool] = {}
    released: list[tuple[int, int]] = []

    def frame_tables(original: Callable[..., Any], *args: Any) -> Any:
        got = original(*args)
        tables[:] = got[2:5]  # rel, rel_host, rel_chunk
        return got

    def blocks(original: Callable[..., Any], *args: Any) -> Any:
        got = original(*args)
        rel, rel_host, rel_chunk = tables
        shared["host times"] = np.shares_memory(got[3], rel_host)
        shared["chunks"] = np.shares_memory(got[2][5], rel_chunk)
        shared["first times"] = np.shares_memory(got[9], rel)
        shared["offsets"] = np.shares_memory(got[8], rel)  # the one block array beside them
        return got

    def release(original: Callable[..., Any], buf: np.ndarray) -> None:
        released.append((buf.__array_interface__["data"][0], buf.nbytes))
        original(buf)

    _wrap(monkeypatch, kernels, "frame_tables", frame_tables)
    _wrap(monkeypatch, gather, "_gather_blocks", blocks)
    _wrap(monkeypatch, fast, "release_pages", release)
    signals = read_session(session)
    tables.clear()
    assert signals.n > 1000
    assert shared == {"host times": True, "chunks": True, "first times": True, "offsets": False}
    # the newtons' room past them is given back too (it was taken a huge page at a time)
    forces_end = signals.forces.__array_interface__["data"][0] + signals.forces.nbytes
    assert any(at == forces_end for at, _ in released)


def test_the_blocks_go_before_the_belt_readings_are_converted(
    session: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A decoded stream given over: its per-block arrays (and the belt arrays the
    assembler does not take) go once the blocks' arrival times are noted, before the belt
    readings' temporaries and the forces widened to float32 need memory."""
    from stride.ingest.assembler import BlockAssembler
    from stride.ingest.recording import read_session

    arrays = Alive()
    seen: dict[str, list[str]] = {}

    def assemble(original: Callable[..., Any], self: Any, box: Any, **kwargs: Any) -> Any:
        for name in ("block_host_t", "block_start", "block_missing", "belt_host_t"):
            arrays.watch(name, getattr(box, name))
        return original(self, box, **kwargs)

    def belt(original: Callable[..., Any], *args: Any) -> Any:
        seen.setdefault("belt readings", arrays.alive())
        return original(*args)

    _wrap(monkeypatch, BlockAssembler, "feed_decoded", assemble)
    _wrap(monkeypatch, BlockAssembler, "_belt_readings", belt)
    signals = read_session(session)
    assert signals.n > 1000 and signals.belt_t is not None and signals.belt_t.size
    assert seen == {"belt readings": []}
