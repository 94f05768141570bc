"""Readers under bad input: WFDB header fields validated, headers read bounded, files that are
not regular refused without blocking, and single-sample spikes in gaitpdb force data flagged."""

from __future__ import annotations

import json
import os
import threading
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import one_line_error, stride, stride_in_process
from hypothesis import given, settings
from hypothesis import strategies as st

from stride.analysis import run
from stride.core.analyzer import AnalysisConfig
from stride.errors import InputError
from stride.readers import read_signals
from stride.readers.gaitpdb import SPIKE_FACTOR, SPIKE_FLOOR_N, read_gaitpdb, spike_mask
from stride.readers.wfdb import parse_header, read_wfdb

DATA = Path(__file__).resolve().parents[2] / "data"
RECORD = Path(__file__).resolve().parents[3] / "data" / "physionet" / "gaitndd" / "control1"
TRIAL = DATA / "gaitpdb" / "GaCo01_01_30s.txt"


def _copy_record(tmp: Path, first_line: str | None = None, signal_line: str | None = None) -> Path:
    """control1 copied, with its record line and first signal line optionally replaced."""
    for ext in ("let", "rit"):
        (tmp / f"control1.{ext}").write_bytes(RECORD.with_suffix(f".{ext}").read_bytes())
    lines = RECORD.with_suffix(".hea").read_text().splitlines()
    if first_line is not None:
        lines[0] = first_line
    if signal_line is not None:
        lines[1] = signal_line
    hea = tmp / "control1.hea"
    hea.write_text("\n".join(lines) + "\n")
    return hea


@pytest.mark.parametrize("fs", ["300Hz", "3OO", "nan", "1e300", "inf", "-300", "0", "300/x"])
def test_a_sampling_frequency_that_does_not_parse_is_refused(tmp_path: Path, fs: str) -> None:
    hea = _copy_record(tmp_path, first_line=f"control1 2 {fs} 90000")
    with pytest.raises(InputError, match=r"sampling frequency|counter frequency") as info:
        read_wfdb(hea)
    assert "line 1" in str(info.value) and info.value.fix


def test_a_valid_frequency_with_counter_and_base_time_is_read(tmp_path: Path) -> None:
    hea = _copy_record(tmp_path, first_line="control1 2 300/1(0) 90000 12:00:00")
    sig = read_wfdb(hea)
    assert sig.fs == 300.0 and sig.n == 90000


@pytest.mark.parametrize(
    ("field", "words"),
    [
        ("1e300", "gain"),
        ("nan", "gain"),
        ("-3000", "gain"),
        ("3000(x)", "baseline"),
        ("abc", "gain"),
    ],
)
def test_gains_are_validated(tmp_path: Path, field: str, words: str) -> None:
    line = f"control1.let 212 {field} 12 0 503 22230 0 left-foot"
    with pytest.raises(InputError, match=words):
        read_wfdb(_copy_record(tmp_path, signal_line=line))


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("control1.let 212 3000 13 0 503 22230 0 left-foot", "ADC resolution 13"),
        ("control1.let 212 3000 12 5000 503 22230 0 left-foot", "ADC zero 5000"),
        ("control1.let 212 3000 12 0 503 99999 0 left-foot", "checksum 99999"),
        ("control1.let 212 3000 12 0 5O3 22230 0 left-foot", "first value '5O3'"),
        ("control1.let 212 3000 12 0 503 22230 -1 left-foot", "block size -1"),
    ],
)
def test_counts_are_validated(tmp_path: Path, line: str, words: str) -> None:
    with pytest.raises(InputError, match=words):
        read_wfdb(_copy_record(tmp_path, signal_line=line))


def test_a_zero_gain_is_uncalibrated() -> None:
    h = parse_header("r 1 100\nr.dat 212 0 12\n", Path("r.hea"))
    assert h.signals[0].gain == 200.0


def test_too_many_signals_or_samples_are_refused() -> None:
    with pytest.raises(InputError, match="signal count 100000"):
        parse_header("r 100000 100\n", Path("r.hea"))
    with pytest.raises(InputError, match="sample count"):
        parse_header(f"r 1 100 {10**20}\nr.dat 212\n", Path("r.hea"))


def test_a_2_gb_sparse_header_is_refused_from_its_size(tmp_path: Path) -> None:
    hea = tmp_path / "big.hea"
    with hea.open("wb") as fh:
        fh.write(b"big 2 300 90000\n")
        fh.truncate(2 << 30)  # sparse: no disk used
    tracemalloc.start()
    try:
        with pytest.raises(InputError, match="too large for a header"):
            read_wfdb(hea)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1 << 20, peak  # nothing of it was read
    one_line_error(stride_in_process("analyze", str(hea)), "too large")


def _returns(fn: Callable[[], object]) -> BaseException | None:
    """What ``fn`` raised (None if it returned); fails if it does not end within 60 s."""
    out: list[BaseException | None] = []

    def call() -> None:
        try:
            fn()
            out.append(None)
        except BaseException as err:
            out.append(err)

    t = threading.Thread(target=call, daemon=True)
    t.start()
    t.join(60)
    assert out, "the reader blocked"
    return out[0]


def test_fifos_and_devices_are_refused_without_blocking(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.hea")
    err = _returns(lambda: read_wfdb(tmp_path / "pipe.hea"))
    assert isinstance(err, InputError) and "not a regular file" in str(err)
    hea = _copy_record(tmp_path)
    (tmp_path / "control1.let").unlink()
    os.mkfifo(tmp_path / "control1.let")
    err = _returns(lambda: read_wfdb(hea))
    assert isinstance(err, InputError) and "not a regular file" in str(err)
    os.mkfifo(tmp_path / "trial.txt")
    err = _returns(lambda: read_signals(tmp_path / "trial.txt"))
    assert isinstance(err, InputError) and "not a regular file" in str(err)
    err = _returns(lambda: read_signals("/dev/zero"))
    assert isinstance(err, InputError) and "not a regular file" in str(err)


def test_cli_names_the_bad_frequency_in_one_line(tmp_path: Path) -> None:
    hea = _copy_record(tmp_path, first_line="control1 2 300Hz 90000")
    one_line_error(stride("analyze", str(hea)), "sampling frequency (Hz) '300Hz'", "line 1")


# -- gaitpdb spikes ----------------------------------------------------------------------
def _spiked(tmp: Path, spikes: list[tuple[int, int, float]]) -> Path:
    """The shipped trial with ``(row, column, newtons)`` written over some samples."""
    lines = TRIAL.read_text().splitlines()
    for row, col, value in spikes:
        fields = lines[row].split("\t")
        fields[col] = f"{value:g}"
        lines[row] = "\t".join(fields)
    out = tmp / "spiked.txt"
    out.write_text("\n".join(lines) + "\n")
    return out


def test_a_real_trial_has_no_spike() -> None:
    sig = read_gaitpdb(TRIAL)
    assert sig.meta["spikes"] == {} and sig.meta["warnings"] == []


def test_spikes_are_flagged_and_do_not_cut_usable_steps(tmp_path: Path) -> None:
    clean = run(TRIAL, AnalysisConfig())[1].usable_steps
    path = _spiked(tmp_path, [(1500, 13, 5000.0), (700, 5, 3000.0)])
    signals, result, _ = run(path, AnalysisConfig())
    # 46 with the detector before issue 10; a foot's first observed IC starts no stride
    assert result.usable_steps == clean == 43  # of 48 steps in the 30 s trial
    assert signals.meta["spikes"] == {"L-cell5": 1, "R-cell5": 1}
    cli = stride_in_process("analyze", str(path), "--json")
    assert cli.returncode == 0, cli.stderr
    warnings = [ln for ln in cli.stderr.splitlines() if ln.startswith("stride: warning:")]
    assert len(warnings) == 1 and "2 implausible single-sample spike(s)" in warnings[0]
    assert json.loads(cli.stdout)["warnings"] == [warnings[0].removeprefix("stride: warning: ")]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 998).map(lambda k: 3 * k + 1),  # rows 1, 4, ..., 2995
            st.integers(1, 16),
            st.floats(1.05, 10.0, allow_nan=False),
        ),
        max_size=3,  # at most 3 of 3000 samples: the 99.9th percentile stays the cell's own
        unique_by=lambda s: s[0],  # isolated: distinct rows of the grid are 3 apart
    )
)
def test_every_isolated_spike_is_found_and_nothing_else(spikes: list) -> None:
    forces = np.loadtxt(TRIAL)[:, 1:17].copy()
    bound = np.maximum(SPIKE_FACTOR * np.percentile(forces, 99.9, axis=0), SPIKE_FLOOR_N)
    for row, col, times in spikes:  # ``times`` the bound: 5 kN where a cell peaks near 500 N
        forces[row, col - 1] = times * bound[col - 1]
    mask = spike_mask(forces)
    assert sorted(zip(*np.nonzero(mask), strict=True)) == sorted(
        {(row, col - 1) for row, col, _ in spikes}
    )
