"""PhysioNet WFDB gait records: a ``.hea`` header and format-212 signal files.

Written for records such as the Gait Dynamics in Neuro-Degenerative Disease database
(``NAME.hea`` + ``NAME.let``/``NAME.rit``, one force-sensitive resistor per foot) but reads
any single-segment format-212 record whose signals name their foot. The header is parsed
per the WFDB header specification; the first value and checksum of every signal are
verified, so a truncated or mismatched signal file is reported instead of analysed.

-2048 (the bottom of the 12-bit range) is kept as a reading: WFDB tools turn it into
"invalid sample", but FSR recordings sit there when a foot is unloaded and the ADC floors.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from devices.files import open_regular
from stride.core.signals import Channel, GaitSignals, Side
from stride.readers.wfdb_header import (
    DEFAULT_FS,
    Header,
    SignalSpec,
    parse_header,
    read_header_text,
)
from stride.readers.wfdb_header import bad as _bad

__all__ = ["DEFAULT_FS", "Header", "SignalSpec", "decode_212", "parse_header", "read_wfdb"]

SUPPORTED_FORMATS = ("212",)
ADC_FLOOR_212 = -2048  # the lowest 12-bit value, which WFDB calls "invalid"
WFDB_INVALID = -32768  # how a header writes a first value that is "invalid"


def decode_212(raw: bytes | NDArray[np.uint8], n_values: int) -> NDArray[np.int16]:
    """The first ``n_values`` 12-bit two's-complement samples of format-212 bytes.

    Every 3 bytes hold 2 samples: s0 = b0 | (b1 & 0x0F) << 8, s1 = b2 | (b1 & 0xF0) << 4.
    """
    b = np.frombuffer(raw, np.uint8) if isinstance(raw, bytes | bytearray) else raw
    n_pairs = (n_values + 1) // 2
    need = n_values // 2 * 3 + (2 if n_values % 2 else 0)
    if b.shape[0] < need:
        raise ValueError(f"{b.shape[0]} bytes hold fewer than {n_values} samples")
    padded = np.zeros(n_pairs * 3, np.uint8)
    padded[: min(b.shape[0], n_pairs * 3)] = b[: n_pairs * 3]
    tri = padded.reshape(-1, 3).astype(np.int16)
    out = np.empty(n_pairs * 2, np.int16)
    out[0::2] = tri[:, 0] | ((tri[:, 1] & 0x0F) << 8)
    out[1::2] = tri[:, 2] | ((tri[:, 1] & 0xF0) << 4)
    out[out > 2047] -= 4096
    return out[:n_values]


def _checksum(x: NDArray[np.int16]) -> int:
    """WFDB checksum: the 16-bit two's-complement sum of the samples."""
    s = int(np.sum(x, dtype=np.int64)) & 0xFFFF
    return s - 0x10000 if s >= 0x8000 else s


def _side(spec: SignalSpec, path: Path) -> Side:
    text = f"{spec.description} {spec.file}".lower()
    left = "left" in text or spec.file.lower().endswith(".let")
    right = "right" in text or spec.file.lower().endswith(".rit")
    if left == right:
        raise _bad(
            path,
            f"cannot tell which foot signal {spec.file!r} ({spec.description!r}) is",
            "name the foot in the signal description ('left-foot', 'right-foot')",
        )
    return "L" if left else "R"


def read_wfdb(path: str | os.PathLike[str]) -> GaitSignals:
    """Read a WFDB record given its ``.hea`` path (or the path without the extension)."""
    p = Path(path)
    hea = p if p.suffix == ".hea" else p.with_name(p.name + ".hea")
    if p.suffix in (".let", ".rit", ".dat"):
        hea = p.with_suffix(".hea")
    header = parse_header(read_header_text(hea), hea)
    columns, n_samples = _read_columns(hea, header)
    _verify(hea, header, columns)
    return _signals(hea, header, columns, n_samples)


def _read_columns(hea: Path, header: Header) -> tuple[list[NDArray[np.int16]], int]:
    """Every signal's samples, file by file (signals sharing a file are interleaved)."""
    by_file: dict[str, list[int]] = {}
    for i, s in enumerate(header.signals):
        if s.file == "-":
            raise _bad(hea, "signals read from standard input are not supported", "use files")
        by_file.setdefault(s.file, []).append(i)
    columns: list[NDArray[np.int16]] = [np.zeros(0, np.int16)] * len(header.signals)
    n_samples = header.n_samples
    for fname, idx in by_file.items():
        sig_path = hea.parent / fname
        offs = {header.signals[i].byte_offset for i in idx}
        if len(offs) != 1:
            raise _bad(hea, f"signals of {fname} disagree on the byte offset", "repair it")
        data = _read_signal_file(sig_path, offs.pop(), hea)
        k = len(idx)
        available = (data.shape[0] * 2) // 3 // k  # whole frames in the file
        n = available if n_samples is None else n_samples
        if n == 0:
            raise _bad(sig_path, "the signal file holds no samples", "give a non-empty record")
        if n > available:
            raise _bad(
                sig_path,
                f"the signal file is truncated: {data.shape[0]} bytes hold {available} of the "
                f"{n} samples the header declares",
                "copy the complete file again (or fix the sample count in the header)",
            )
        frames = decode_212(data, n * k).reshape(n, k)
        for j, i in enumerate(idx):
            columns[i] = np.ascontiguousarray(frames[:, j])
        if n_samples is None:
            n_samples = n
        elif n != n_samples:
            raise _bad(sig_path, "signal files disagree on the sample count", "repair them")
    assert n_samples is not None
    return columns, n_samples


def _verify(hea: Path, header: Header, columns: list[NDArray[np.int16]]) -> None:
    """First value and checksum of every signal, as the header states them."""
    for s, x in zip(header.signals, columns, strict=True):
        first = int(x[0])
        if first == ADC_FLOOR_212 and s.first_value == WFDB_INVALID:
            first = WFDB_INVALID  # headers write a first sample at the floor as "invalid"
        if s.first_value is not None and first != s.first_value:
            raise _bad(
                hea.parent / s.file,
                f"the first sample is {int(x[0])} but the header says {s.first_value}: the "
                "header does not match its signal file",
                "give the signal file that belongs to this header",
            )
        if s.checksum is not None and _checksum(x) != s.checksum:
            raise _bad(
                hea.parent / s.file,
                f"checksum {_checksum(x)} differs from the header's {s.checksum}: the file "
                "is corrupt or does not belong to this header",
                "copy the record again from its source",
            )


def _signals(
    hea: Path, header: Header, columns: list[NDArray[np.int16]], n_samples: int
) -> GaitSignals:
    """The record as GaitSignals: left foot first, physical units where gains differ."""
    sides = [_side(s, hea) for s in header.signals]
    n_place = {side: sides.count(side) for side in ("L", "R")}
    if not (n_place["L"] and n_place["R"]):
        missing = "left" if not n_place["L"] else "right"
        raise _bad(hea, f"the record has no {missing}-foot signal", "give a two-foot record")
    if all(np.all(c == c[0]) for c in columns):
        raise _bad(
            hea,
            "no walking in it: every force signal is constant",
            "check that the sensors were connected while the subject walked",
        )
    order = sorted(range(len(sides)), key=lambda i: (sides[i] != "L", i))
    adc = np.stack([columns[i] for i in order], axis=1)
    specs = [header.signals[i] for i in order]
    same_scale = len({(s.gain, s.baseline) for s in specs}) == 1
    units = "adu"
    forces: NDArray[np.generic] = adc
    if not same_scale:
        # feet with different gains: physical units, so loading compares across feet
        gain = np.array([s.gain for s in specs], np.float32)
        base = np.array([s.baseline for s in specs], np.float32)
        scaled = adc.astype(np.float32)  # in place from here: no float64 copy
        scaled -= base
        scaled /= gain
        forces = scaled
        units = specs[0].units or "wfdb-units"
    seen: dict[Side, int] = {"L": 0, "R": 0}
    channels = []
    for i in order:
        seen[sides[i]] += 1
        place = "foot" if n_place[sides[i]] == 1 else f"cell{seen[sides[i]]}"
        channels.append(Channel(sides[i], place))
    meta: dict[str, object] = {
        "source": str(hea),
        "format": "wfdb-212",
        "record": header.record,
        "signals": [s.description or s.file for s in specs],
        "gain": [s.gain for s in specs],
        "baseline": [s.baseline for s in specs],
        "adc_bits": [s.adc_bits for s in specs],
        "units_note": (
            "raw ADC units; physical = (adu - baseline) / gain"
            if same_scale
            else "(adu - baseline) / gain"
        ),
    }
    t = np.arange(n_samples, dtype=np.float64) / header.fs
    return GaitSignals(t, forces, tuple(channels), header.fs, units=units, meta=meta)


def _read_signal_file(path: Path, offset: int, hea: Path) -> NDArray[np.uint8]:
    """The bytes of a signal file from ``offset``; only a regular file is read."""
    if not path.exists():
        raise _bad(
            path,
            f"signal file named by {hea.name} is missing",
            "put the record's signal files beside its header",
        )
    if path.is_dir():
        raise _bad(
            path,
            f"signal file named by {hea.name} is a directory",
            "put the record's signal files (not folders) beside its header",
        )
    with open_regular(path, "signal") as fh:
        size = os.fstat(fh.fileno()).st_size
        if size and offset >= size:
            raise _bad(path, f"byte offset {offset} is beyond the file's end", "repair the header")
        fh.seek(offset)
        raw = fh.read()
    if not raw and not size:
        raise _bad(path, "the signal file is empty", "copy the complete record again")
    return np.frombuffer(raw, np.uint8)
