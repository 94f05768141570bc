"""``--csv-map``: inline, ``default`` or a JSON file; anything else one InputError."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devices.csvlines import CsvChannel, CsvLineConfig
from devices.errors import InputError
from stride.session.csvboard import DEFAULT_MAP, csv_hint, csv_map
from stride.session.diagnose import diagnose

ROLES = [(s, p) for s in "LR" for p in ("heel", "toe", "mid", "lateral", "medial", "foot")]


@st.composite
def configs(draw: st.DrawFn) -> CsvLineConfig:
    n = draw(st.integers(1, 6))
    cols = draw(st.permutations(range(10)))
    roles = draw(st.lists(st.sampled_from(ROLES), min_size=n, max_size=n))
    chans = tuple(CsvChannel(c, s, p) for c, (s, p) in zip(cols, roles, strict=False))
    time_col = draw(st.sampled_from([None, cols[n]]))
    seq = draw(st.sampled_from([None, cols[n + 1]]))
    return CsvLineConfig(
        chans,
        time_column=time_col,
        time_unit=draw(st.sampled_from(["us", "ms", "s"])),
        seq_column=seq,
        rate_hz=float(draw(st.integers(1, 2000))),
        delimiter=draw(st.sampled_from([",", ";", "\t", " "])),
        value_scale=draw(st.sampled_from([1.0, 0.5, 2.0, -1.0])),
        adc_bits=draw(st.integers(1, 15)),
    )


def text_of(cfg: CsvLineConfig) -> str:
    parts = [f"time={'none' if cfg.time_column is None else cfg.time_column}:{cfg.time_unit}"]
    if cfg.seq_column is not None:
        parts.append(f"seq={cfg.seq_column}")
    parts += [f"{c.side}-{c.place}={c.column}" for c in cfg.channels]
    delim = {"\t": "tab", " ": "space", ";": "semicolon"}.get(cfg.delimiter, cfg.delimiter)
    parts += [f"rate={cfg.rate_hz}", f"scale={cfg.value_scale}", f"bits={cfg.adc_bits}"]
    return ",".join(parts) + ("" if delim == "," else f",delim={delim}")


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cfg=configs())
def test_inline_and_file_maps_read_back_the_same(cfg: CsvLineConfig, tmp_path: Path) -> None:
    live = replace(cfg, skip_first=True)  # a port opened mid-line: its first line dropped
    assert csv_map(text_of(cfg)) == live
    f = tmp_path / "map.json"
    f.write_text(json.dumps(cfg.to_dict()))
    assert csv_map(str(f)) == live
    f.write_text(json.dumps(text_of(cfg)))
    assert csv_map(str(f)) == live


@settings(max_examples=300)
@given(st.text(max_size=60).filter(lambda t: not t.strip().endswith(".json")))
def test_any_text_is_a_map_with_a_rate_or_one_error_with_a_fix(text: str) -> None:
    try:
        cfg = csv_map(text)
    except InputError as err:
        assert err.fix and "\n" not in err.problem.replace(text, "")
    else:
        assert cfg.channels and cfg.hello().sample_rate_hz >= 1


def test_default_is_the_common_layout() -> None:
    cfg = csv_map("default")
    assert cfg == replace(CsvLineConfig.parse(DEFAULT_MAP), skip_first=True)
    assert [(c.column, c.side, c.place) for c in cfg.channels] == [
        (2, "L", "heel"), (3, "L", "toe"), (4, "R", "heel"), (5, "R", "toe"),
    ]  # fmt: skip
    assert (cfg.time_column, cfg.time_unit, cfg.seq_column, cfg.rate_hz) == (0, "ms", 1, 100)


def test_text_lines_without_a_map_suggest_one_never_use_it() -> None:
    msg = str(diagnose("/dev/ttyX", b"120,12,140,150,160,170\r\n" * 40, total_bytes=960,
                       seconds=3, baudrate=115200))  # fmt: skip
    assert "text lines" in msg and f"--csv-map {DEFAULT_MAP}" in msg
    assert "L-foot=2,R-foot=3" in csv_hint(b"0,1,140,150")
    assert "--csv-map" in csv_hint(b"a;b")


def test_lines_that_do_not_fit_the_map_name_both() -> None:
    cfg = csv_map("time=0:ms,L-heel=1,R-heel=7,rate=100")
    sample = b"time_ms,frame,a,b\r\n" + b"10,1,140,150\r\n" * 40
    msg = str(diagnose("/dev/ttyX", sample, total_bytes=len(sample), seconds=3,
                       baudrate=115200, csv=cfg))  # fmt: skip
    assert "do not fit the CSV column map" in msg and "'10,1,140,150'" in msg
    assert "4 columns, the map needs 8" in msg
    binary = bytes(range(256)) * 4
    msg = str(diagnose("/dev/ttyX", binary, total_bytes=1024, seconds=3, baudrate=115200, csv=cfg))
    assert "binary" in msg and "leave out --csv-map" in msg
    assert "no bytes" in str(diagnose("/dev/ttyX", b"", total_bytes=0, seconds=3,
                                      baudrate=115200, csv=cfg))  # fmt: skip


def test_lines_with_the_columns_but_values_no_number_name_the_value() -> None:
    """A board printing nan or inf was told its lines had 4 columns where the map needs
    4; the value that is no number is named, and text without line ends is not 'binary'."""
    cfg = csv_map("time=0:ms,seq=1,L-foot=2,R-foot=3,rate=100")
    sample = b"10,1,nan,inf\n" * 40
    msg = str(diagnose("/dev/ttyX", sample, total_bytes=len(sample), seconds=3,
                       baudrate=115200, csv=cfg))  # fmt: skip
    assert "'10,1,nan,inf': column 2 is 'nan', not a number the map can read" in msg
    assert "columns, the map needs" not in msg
    endless = b"9" * 4000
    msg = str(diagnose("/dev/ttyX", endless, total_bytes=4000, seconds=3, baudrate=115200,
                       csv=cfg))  # fmt: skip
    assert "(text, no line end in 4000 bytes)" in msg and "binary" not in msg


@pytest.mark.parametrize("bad", ["time=0:ms,L-heel=1,R-heel=2", "L-heel=1,R-heel=2,rate=0"])
def test_a_live_map_needs_a_usable_rate(bad: str) -> None:
    with pytest.raises(InputError, match="rate"):
        csv_map(bad)
