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
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from stride.core.signals import Channel, GaitSignals, Side
from stride.errors import InputError

SUPPORTED_FORMATS = ("212",)
DEFAULT_FS = 250.0  # WFDB's default when the header gives no rate
ADC_FLOOR_212 = -2048  # the lowest 12-bit value, which WFDB calls "invalid"
WFDB_INVALID = -32768  # how a header writes a first value that is "invalid"

_RECORD_RE = re.compile(
    r"^(?P<name>[^\s/]+)(?P<seg>/\d+)?\s+(?P<nsig>\d+)"
    r"(?:\s+(?P<fs>[0-9.eE+-]+)(?:/[0-9.eE+-]+)?(?:\([^)]*\))?"
    r"(?:\s+(?P<nsamp>\S+))?)?(?:\s+.*)?$"
)
_FORMAT_RE = re.compile(r"^(?P<fmt>\d+)(?P<x>x\d+)?(?P<skew>:\d+)?(?P<off>\+\d+)?$")
_GAIN_RE = re.compile(r"^(?P<gain>[0-9.eE+-]+)(?:\((?P<base>-?\d+)\))?(?:/(?P<units>\S+))?$")


@dataclass(frozen=True)
class SignalSpec:
    """One signal line of a WFDB header."""

    file: str
    fmt: str
    byte_offset: int
    gain: float
    baseline: int
    units: str | None
    adc_bits: int
    adc_zero: int
    first_value: int | None
    checksum: int | None
    description: str


@dataclass(frozen=True)
class Header:
    """A parsed single-segment WFDB header."""

    record: str
    fs: float
    n_samples: int | None
    signals: tuple[SignalSpec, ...]


def _bad(path: Path, problem: str, fix: str) -> InputError:
    return InputError(f"{path}: {problem}", fix=fix)


def _int(text: str, path: Path, line: int, what: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise _bad(
            path, f"line {line}: {what} {text!r} is not an integer", "repair the header"
        ) from None


def parse_header(text: str, path: Path) -> Header:
    """Parse header text; ``path`` only names the file in errors."""
    lines = [(i + 1, ln.strip()) for i, ln in enumerate(text.splitlines()) if ln.strip()]
    lines = [(i, ln) for i, ln in lines if not ln.startswith("#")]
    fix = "give the .hea header of a PhysioNet record (e.g. 'als1 2 300 90000' + signal lines)"
    if not lines:
        raise _bad(path, "the header is empty", fix)
    lineno, rec = lines[0]
    m = _RECORD_RE.match(rec)
    if m is None:
        raise _bad(path, f"line {lineno}: malformed record line {rec[:60]!r}", fix)
    if m.group("seg"):
        raise _bad(path, "multi-segment records are not supported", "give a single-segment record")
    nsig = int(m.group("nsig"))
    fs = DEFAULT_FS
    if m.group("fs") is not None:
        try:
            fs = float(m.group("fs"))
        except ValueError:
            raise _bad(path, f"line {lineno}: bad sampling frequency", fix) from None
        if not (np.isfinite(fs) and fs > 0):
            raise _bad(path, f"line {lineno}: sampling frequency {fs} is not positive", fix)
    n_samples = None
    if m.group("nsamp") is not None:
        tok = m.group("nsamp")
        if not (tok.isascii() and tok.isdigit()):  # -5 too: reading on would hide it
            raise _bad(
                path,
                f"line {lineno}: sample count {tok} is not valid",
                "write the number of samples per signal as a whole number >= 0",
            )
        n_samples = int(tok)
    if nsig < 1:
        raise _bad(path, "the header declares no signals", "give a record with signals")
    sig_lines = lines[1:]
    if len(sig_lines) != nsig:
        raise _bad(
            path,
            f"the record line declares {nsig} signals but {len(sig_lines)} signal lines follow",
            "repair the header so that it has one line per signal",
        )
    specs = tuple(_parse_signal(ln, i, path) for i, ln in sig_lines)
    return Header(m.group("name"), fs, n_samples, specs)


def _parse_signal(line: str, lineno: int, path: Path) -> SignalSpec:
    parts = line.split(maxsplit=8)
    if len(parts) < 2:
        raise _bad(
            path,
            f"line {lineno}: a signal line needs at least a file name and a format",
            "repair the header",
        )
    fm = _FORMAT_RE.match(parts[1])
    if fm is None:
        raise _bad(path, f"line {lineno}: malformed format field {parts[1]!r}", "repair it")
    fmt = fm.group("fmt")
    if fmt not in SUPPORTED_FORMATS:
        raise _bad(
            path,
            f"line {lineno}: WFDB format {fmt} is not supported (only format 212)",
            "convert the record to format 212 (e.g. with WFDB's xform)",
        )
    if fm.group("x") or fm.group("skew"):
        raise _bad(
            path,
            f"line {lineno}: multi-frequency or skewed signals are not supported",
            "resample the record to one frequency without skew",
        )
    offset = int(fm.group("off")[1:]) if fm.group("off") else 0
    gain, baseline, units = 200.0, None, None
    if len(parts) > 2:
        gm = _GAIN_RE.match(parts[2])
        if gm is None:
            raise _bad(path, f"line {lineno}: malformed gain {parts[2]!r}", "repair it")
        try:
            gain = float(gm.group("gain"))
        except ValueError:
            raise _bad(path, f"line {lineno}: malformed gain {parts[2]!r}", "repair it") from None
        if not np.isfinite(gain):
            raise _bad(path, f"line {lineno}: gain {parts[2]!r} is not finite", "repair it")
        if gain == 0:
            gain = 200.0  # WFDB: a zero gain means "uncalibrated", default 200
        baseline = None if gm.group("base") is None else int(gm.group("base"))
        units = gm.group("units")
    bits = _int(parts[3], path, lineno, "ADC resolution") if len(parts) > 3 else 12
    zero = _int(parts[4], path, lineno, "ADC zero") if len(parts) > 4 else 0
    first = _int(parts[5], path, lineno, "first value") if len(parts) > 5 else None
    checksum = _int(parts[6], path, lineno, "checksum") if len(parts) > 6 else None
    if len(parts) > 7:
        _int(parts[7], path, lineno, "block size")
    description = parts[8] if len(parts) > 8 else ""
    if bits not in range(1, 13) and bits != 0:
        raise _bad(
            path,
            f"line {lineno}: ADC resolution {bits} bits does not fit format 212 (12 bits)",
            "repair the header",
        )
    return SignalSpec(
        file=parts[0],
        fmt=fmt,
        byte_offset=offset,
        gain=gain,
        baseline=zero if baseline is None else baseline,
        units=units,
        adc_bits=bits or 12,
        adc_zero=zero,
        first_value=first,
        checksum=checksum,
        description=description,
    )


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
    if hea.is_dir():
        raise _bad(
            hea, "is a directory, not a header file", "give the path of the record's .hea file"
        )
    if not hea.is_file():
        raise _bad(hea, "no such header file", "give the path of the record's .hea file")
    try:
        text = hea.read_text(encoding="ascii")
    except UnicodeDecodeError:
        raise _bad(hea, "the header is not ASCII text", "give a WFDB .hea header") from None
    except OSError as err:
        raise _bad(hea, f"cannot read the header: {err.strerror}", "check the file") from err
    header = parse_header(text, hea)
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
        try:
            flat = decode_212(data, n * k)
        except ValueError:
            raise _bad(
                sig_path,
                f"the signal file is truncated: {data.shape[0]} bytes hold {available} of the "
                f"{n} samples the header declares",
                "copy the complete file again (or fix the sample count in the header)",
            ) from None
        frames = flat.reshape(n, k)
        for j, i in enumerate(idx):
            columns[i] = np.ascontiguousarray(frames[:, j])
        if n_samples is None:
            n_samples = n
        elif n != n_samples:
            raise _bad(sig_path, "signal files disagree on the sample count", "repair them")
    assert n_samples is not None
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
    sides = [_side(s, hea) for s in header.signals]
    order = sorted(range(len(sides)), key=lambda i: (sides[i] != "L", i))
    adc = np.stack([columns[i] for i in order], axis=1)
    specs = [header.signals[i] for i in order]
    same_scale = len({(s.gain, s.baseline) for s in specs}) == 1
    units = "adu"
    forces: NDArray[np.generic] = adc
    if not same_scale:
        # feet with different gains: physical units, so loading compares across feet
        gain = np.array([s.gain for s in specs])
        base = np.array([s.baseline for s in specs], np.float64)
        forces = ((adc - base) / gain).astype(np.float32)
        units = specs[0].units or "wfdb-units"
    names = [header.signals[i].description or header.signals[i].file for i in order]
    n_place = {side: sides.count(side) for side in ("L", "R")}
    channels = []
    seen: dict[Side, int] = {"L": 0, "R": 0}
    for i in order:
        side = sides[i]
        seen[side] += 1
        channels.append(Channel(side, "foot" if n_place[side] == 1 else f"cell{seen[side]}"))
    if not (n_place["L"] and n_place["R"]):
        missing = "left" if not n_place["L"] else "right"
        raise _bad(hea, f"the record has no {missing}-foot signal", "give a two-foot record")
    if all(np.all(c == c[0]) for c in columns):
        raise _bad(
            hea,
            "no walking in it: every force signal is constant",
            "check that the sensors were connected while the subject walked",
        )
    t = np.arange(n_samples, dtype=np.float64) / header.fs
    meta: dict[str, object] = {
        "source": str(hea),
        "format": "wfdb-212",
        "record": header.record,
        "signals": names,
        "gain": [s.gain for s in specs],
        "baseline": [s.baseline for s in specs],
        "adc_bits": [s.adc_bits for s in specs],
        "units_note": (
            "raw ADC units; physical = (adu - baseline) / gain"
            if same_scale
            else "(adu - baseline) / gain"
        ),
    }
    return GaitSignals(t, forces, tuple(channels), header.fs, units=units, meta=meta)


def _read_signal_file(path: Path, offset: int, hea: Path) -> NDArray[np.uint8]:
    if path.is_dir():
        raise _bad(
            path,
            f"signal file named by {hea.name} is a directory",
            "put the record's signal files (not folders) beside its header",
        )
    if not path.is_file():
        raise _bad(
            path,
            f"signal file named by {hea.name} is missing",
            "put the record's signal files beside its header",
        )
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise _bad(path, f"cannot read the signal file: {err.strerror}", "check it") from err
    if not raw:
        raise _bad(path, "the signal file is empty", "copy the complete record again")
    if offset >= len(raw):
        raise _bad(path, f"byte offset {offset} is beyond the file's end", "repair the header")
    return np.frombuffer(raw, np.uint8)[offset:]
