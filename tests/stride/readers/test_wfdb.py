"""WFDB reader: format-212 decoding, header parsing, verification and every bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from stride.errors import InputError
from stride.readers import read_signals
from stride.readers.wfdb import decode_212, parse_header, read_wfdb

DATA = Path(__file__).resolve().parents[3] / "data" / "physionet" / "gaitndd"


def encode_212(values: list[int]) -> bytes:
    """Obvious encoder: two 12-bit two's-complement samples in three bytes."""
    v = [x & 0xFFF for x in values]
    if len(v) % 2:
        v.append(0)
    out = bytearray()
    for a, b in zip(v[0::2], v[1::2], strict=True):
        out += bytes([a & 0xFF, ((a >> 8) & 0x0F) | ((b >> 8) << 4), b & 0xFF])
    return bytes(out)


def checksum(values: list[int]) -> int:
    s = sum(values) & 0xFFFF
    return s - 0x10000 if s >= 0x8000 else s


def write_record(
    tmp: Path,
    left: list[int],
    right: list[int],
    *,
    fs: int = 300,
    fmt: str = "212",
    gains: tuple[str, str] = ("1000", "1000"),
) -> Path:
    tmp.joinpath("rec.let").write_bytes(encode_212(left))
    tmp.joinpath("rec.rit").write_bytes(encode_212(right))
    lines = [f"rec 2 {fs} {len(left)}"]
    for name, x, g, d in (
        ("rec.let", left, gains[0], "left-foot"),
        ("rec.rit", right, gains[1], "right-foot"),
    ):
        lines.append(f"{name} {fmt} {g} 12 0 {x[0]} {checksum(x)} 0 {d}")
    hea = tmp / "rec.hea"
    hea.write_text("\n".join(lines) + "\n")
    return hea


def gait(n: int, phase: int) -> list[int]:
    i = np.arange(n)
    x = np.where(((i + phase) % 330) < 200, 300, -2048)
    return [int(v) for v in x]


def test_decode_212_golden_values() -> None:
    # 0x123 / 0x456 packed by hand; -1 = 0xFFF, -2048 = 0x800, 2047 = 0x7FF
    assert decode_212(bytes([0x23, 0x41, 0x56]), 2).tolist() == [0x123, 0x456]
    assert decode_212(bytes([0xFF, 0x0F, 0x00]), 2).tolist() == [-1, 0]
    assert decode_212(bytes([0x00, 0x78, 0xFF]), 2).tolist() == [-2048, 2047]
    # an odd count needs only the first two bytes of the last triple
    assert decode_212(bytes([0x23, 0x41, 0x56, 0x05, 0x08]), 3).tolist() == [0x123, 0x456, -2043]
    with pytest.raises(ValueError):
        decode_212(bytes([0x23, 0x41]), 2)


@given(st.lists(st.integers(min_value=-2048, max_value=2047), min_size=1, max_size=200))
def test_decode_212_inverts_the_encoder(values: list[int]) -> None:
    assert decode_212(encode_212(values), len(values)).tolist() == values


def test_shipped_record_reads_and_keeps_the_adc_floor() -> None:
    sig = read_wfdb(DATA / "als5.hea")
    assert sig.fs == 300.0 and sig.n == 90000 and sig.forces.dtype == np.int16
    assert [c.name for c in sig.channels] == ["L-foot", "R-foot"]
    assert sig.forces[0].tolist() == [-576, -137]  # the header's first values
    assert np.mean(sig.forces[:, 1] == -2048) > 0.2  # a real, saturated reading
    assert sig.units == "adu" and sig.meta["gain"] == [3000.0, 3000.0]
    np.testing.assert_allclose(np.diff(sig.t), 1 / 300.0)
    # the same record by its name without extension and by a signal file
    assert read_signals(DATA / "als5").n == 90000
    assert read_signals(DATA / "als5.rit").n == 90000


def test_first_value_at_the_floor_is_written_as_invalid(tmp_path: Path) -> None:
    """WFDB headers write a first sample of -2048 as -32768 ("invalid"); it still matches,
    and the checksum counts it as -2048 (als1.rit of gaitndd is such a record)."""
    left, right = gait(600, 250), gait(600, 165)
    assert left[0] == -2048
    hea = write_record(tmp_path, left, right)
    hea.write_text(hea.read_text().replace(" -2048 ", " -32768 ", 1))
    assert "-32768" in hea.read_text()
    assert read_wfdb(hea).forces[0, 0] == -2048


def test_synthetic_record_roundtrip(tmp_path: Path) -> None:
    left, right = gait(1000, 0), gait(1000, 165)
    sig = read_signals(write_record(tmp_path, left, right))
    assert sig.forces[:, 0].tolist() == left and sig.forces[:, 1].tolist() == right


def test_different_gains_give_physical_units(tmp_path: Path) -> None:
    left, right = gait(600, 0), gait(600, 165)
    sig = read_wfdb(write_record(tmp_path, left, right, gains=("1000(-2048)/V", "2000(-2048)/V")))
    assert sig.units == "V"
    np.testing.assert_allclose(sig.forces[:, 0], (np.array(left) + 2048) / 1000.0, rtol=1e-6)
    np.testing.assert_allclose(sig.forces[:, 1], (np.array(right) + 2048) / 2000.0, rtol=1e-6)


def test_header_fields() -> None:
    h = parse_header(
        "# comment\nrec 2 300/1(0) 90000 12:00:00\n"
        "a.let 212+3 3000(-5)/mV 12 1 -686 1016 0 left foot sensor\n"
        "a.rit 212\n",
        Path("x.hea"),
    )
    assert h.fs == 300.0 and h.n_samples == 90000 and len(h.signals) == 2
    a, b = h.signals
    assert (a.file, a.byte_offset, a.gain, a.baseline, a.units) == ("a.let", 3, 3000.0, -5, "mV")
    assert (a.adc_bits, a.adc_zero, a.first_value, a.checksum) == (12, 1, -686, 1016)
    assert a.description == "left foot sensor"
    assert (b.gain, b.first_value, b.checksum) == (200.0, None, None)
    assert parse_header("r 1\nr.dat 212\n", Path("r.hea")).fs == 250.0


def _expect(match: str, fn: object, *args: object) -> InputError:
    with pytest.raises(InputError, match=match) as info:
        fn(*args)  # type: ignore[operator]
    assert info.value.fix, "every input error says how to fix it"
    return info.value


def test_bad_inputs(tmp_path: Path) -> None:
    left, right = gait(600, 0), gait(600, 165)
    hea = write_record(tmp_path, left, right)
    good = hea.read_text()
    # missing header, missing / empty / truncated signal file
    _expect("no such header", read_wfdb, tmp_path / "nope.hea")
    let = tmp_path / "rec.let"
    data = let.read_bytes()
    let.unlink()
    _expect("rec.let.*missing", read_wfdb, hea)
    let.write_bytes(b"")
    _expect("rec.let.*empty", read_wfdb, hea)
    let.write_bytes(data[:-30])
    _expect("rec.let.*truncated", read_wfdb, hea)
    # a byte changed: checksum; another record's file: first value
    let.write_bytes(data[:-3] + bytes([data[-3] ^ 1]) + data[-2:])
    _expect("checksum", read_wfdb, hea)
    let.write_bytes(encode_212(gait(600, 250)))
    _expect("first sample", read_wfdb, hea)
    let.write_bytes(data)
    assert read_wfdb(hea).n == 600
    # malformed header, wrong signal count, unknown format
    hea.write_text("hello world\n")
    _expect("malformed record line", read_wfdb, hea)
    hea.write_text(good.replace("rec 2 300", "rec 3 300"))
    _expect("declares 3 signals", read_wfdb, hea)
    hea.write_text(good.replace(" 212 ", " 16 "))
    _expect("format 16 is not supported", read_wfdb, hea)
    hea.write_text("")
    _expect("empty", read_wfdb, hea)
    hea.write_bytes(b"\xff\xfe\x00")
    _expect("not ASCII", read_wfdb, hea)


def test_foot_must_be_named_and_walking_present(tmp_path: Path) -> None:
    left, right = gait(600, 0), gait(600, 165)
    hea = write_record(tmp_path, left, right)
    text = hea.read_text()
    # signal files without a foot in their name or description
    (tmp_path / "a.dat").write_bytes((tmp_path / "rec.let").read_bytes())
    hea.write_text(text.replace("rec.let", "a.dat").replace("left-foot", "sensor"))
    _expect("which foot", read_wfdb, hea)
    flat = [-2048] * 600
    _expect("no walking", read_wfdb, write_record(tmp_path, flat, flat))


_HEADER_PIECES = st.sampled_from(
    [
        "rec",
        "2",
        "300",
        "90000",
        "rec.let",
        "rec.rit",
        "212",
        "16",
        "3000",
        "12",
        "0",
        "-686",
        "1016",
        "left-foot",
        "right-foot",
        "/",
        "(",
        ")",
        "+",
        ":",
        "x",
        "#",
        "\n",
        " ",
        "-",
        "1e999",
        "nan",
        "0.0",
        "999999999999999999999",
    ]
)


@given(st.lists(_HEADER_PIECES, max_size=40).map(" ".join) | st.text(max_size=200))
def test_fuzz_header_parser(text: str) -> None:
    try:
        parse_header(text, Path("fuzz.hea"))
    except InputError as err:
        assert "fuzz.hea" in str(err)


@given(st.binary(max_size=400), st.integers(min_value=1, max_value=300))
def test_fuzz_signal_bytes(tmp_path_factory: pytest.TempPathFactory, data: bytes, n: int) -> None:
    tmp = tmp_path_factory.mktemp("fz")
    (tmp / "r.let").write_bytes(data)
    (tmp / "r.rit").write_bytes(data)
    (tmp / "r.hea").write_text(f"r 2 100 {n}\nr.let 212 1000 12 0\nr.rit 212 1000 12 0\n")
    try:
        sig = read_wfdb(tmp / "r.hea")
    except InputError as err:
        assert "r." in str(err)
    else:
        assert sig.n == n and sig.forces.shape == (n, 2)


@given(
    st.booleans(),
    st.text(st.characters(exclude_categories=("Cs", "Cc", "Zl", "Zp")), max_size=40),
)
def test_a_byte_order_mark_and_unicode_comments_read_as_the_ascii_header(
    tmp_path_factory: pytest.TempPathFactory, bom: bool, comment: str
) -> None:
    """A header saved by an editor that adds a UTF-8 byte-order mark, or with a comment in
    another script, reads exactly as the plain ASCII header (it was "not ASCII" before)."""
    tmp = tmp_path_factory.mktemp("u8")
    left, right = gait(600, 0), gait(600, 165)
    hea = write_record(tmp, left, right)
    plain = read_wfdb(hea)
    text = hea.read_text()
    first, rest = text.split("\n", 1)
    edited = ("\ufeff" if bom else "") + f"# {comment}\n{first}\n# {comment}\n{rest}"
    hea.write_bytes(edited.encode("utf-8"))
    sig = read_wfdb(hea)
    assert sig.fs == plain.fs and sig.channels == plain.channels
    np.testing.assert_array_equal(sig.forces, plain.forces)
