"""WFDB ``.hea`` headers: read (bounded), parsed field by field and validated.

Why validated field by field: a header whose sampling frequency does not parse (``300Hz``,
``3OO``, ``nan``) used to fall back to WFDB's default of 250 Hz without a word, and every
time, cadence and speed computed from it was wrong. Every field the reader uses is checked
for its type and a plausible range, and a failure is one line naming the header, the line,
the field and the fix. Headers are small (a few hundred bytes for a gait record): a file
over ``MAX_HEADER_BYTES`` is refused from its size, without reading it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

from devices.files import open_regular
from stride.errors import InputError

DEFAULT_FS = 250.0  # WFDB's default when the header gives no rate
MAX_HEADER_BYTES = 1 << 20  # 1 MB: hundreds of signals with long comments
MAX_SIGNALS = 256
MAX_FS = 1e6  # Hz; gait force records are sampled at 100-2000 Hz
MAX_SAMPLES = 1 << 40
MAX_GAIN = 1e9  # ADC units per physical unit
FIX = "give the .hea header of a PhysioNet record (e.g. 'als1 2 300 90000' + signal lines)"

_NAME_RE = re.compile(r"^(?P<name>[^\s/]+)(?P<seg>/\d+)?$")
_FS_RE = re.compile(r"^(?P<fs>[^/()]+)(?:/(?P<cf>[^/()]+)(?:\((?P<base>[^()]*)\))?)?$")
_FORMAT_RE = re.compile(r"^(?P<fmt>\d+)(?P<x>x\d+)?(?P<skew>:\d+)?(?P<off>\+\d+)?$")
_GAIN_RE = re.compile(r"^(?P<gain>[^()/]+)(?:\((?P<base>[^()]*)\))?(?:/(?P<units>\S+))?$")
_NUMBER_RE = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


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


def bad(path: Path, problem: str, fix: str) -> InputError:
    return InputError(f"{path}: {problem}", fix=fix)


def read_header_text(hea: Path) -> str:
    """The header's text, read only if it is a regular file of plausible size. WFDB headers
    are ASCII; one saved by an editor that adds a UTF-8 byte-order mark, or with accented
    letters in a comment or a signal's description, reads as its ASCII self would."""
    fix = "give the record's .hea header (a text file of a few hundred bytes)"
    with open_regular(hea, "header", max_bytes=MAX_HEADER_BYTES, fix=fix) as fh:
        raw = fh.read(MAX_HEADER_BYTES + 1)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise bad(hea, "the header is not ASCII or UTF-8 text", "give a WFDB .hea header") from None


def _int(text: str, path: Path, line: int, what: str, lo: int, hi: int) -> int:
    """An integer field within [lo, hi]."""
    try:
        value = int(text)
    except ValueError:
        raise bad(
            path, f"line {line}: {what} {text!r} is not an integer", "repair the header"
        ) from None
    if not lo <= value <= hi:
        raise bad(path, f"line {line}: {what} {value} is outside {lo}..{hi}", "repair the header")
    return value


def _number(text: str, path: Path, line: int, what: str, hi: float, example: str) -> float:
    """A decimal number field in (0, hi]: ``300Hz``, ``3OO``, ``nan``, ``1e300`` refused."""
    value = float(text) if _NUMBER_RE.match(text) else math.nan
    if not (math.isfinite(value) and 0 < value <= hi):
        raise bad(
            path,
            f"line {line}: {what} {text!r} is not a number in (0, {hi:g}]",
            f"write it as a plain number without units, e.g. {example}",
        )
    return value


def parse_header(text: str, path: Path) -> Header:
    """Parse header text; ``path`` only names the file in errors."""
    lines = [(i + 1, ln.strip()) for i, ln in enumerate(text.splitlines()) if ln.strip()]
    lines = [(i, ln) for i, ln in lines if not ln.startswith("#")]
    if not lines:
        raise bad(path, "the header is empty", FIX)
    lineno, rec = lines[0]
    fields = rec.split()
    m = _NAME_RE.match(fields[0])
    if m is None or len(fields) < 2 or not fields[1].isdigit():
        raise bad(path, f"line {lineno}: malformed record line {rec[:60]!r}", FIX)
    if m.group("seg"):
        raise bad(path, "multi-segment records are not supported", "give a single-segment record")
    nsig = _int(fields[1], path, lineno, "signal count", 0, MAX_SIGNALS)
    fs = DEFAULT_FS
    if len(fields) > 2:
        fm = _FS_RE.match(fields[2])
        text = fm.group("fs") if fm else fields[2]
        fs = _number(text, path, lineno, "sampling frequency (Hz)", MAX_FS, "300")
        if fm is not None and fm.group("cf") is not None:
            _number(fm.group("cf"), path, lineno, "counter frequency (Hz)", MAX_FS, "300")
    n_samples = None
    if len(fields) > 3:
        tok = fields[3]
        if not (tok.isascii() and tok.isdigit()) or int(tok) > MAX_SAMPLES:  # -5 too
            raise bad(
                path,
                f"line {lineno}: sample count {tok} is not valid",
                "write the number of samples per signal as a whole number >= 0",
            )
        n_samples = int(tok)
    if nsig < 1:
        raise bad(path, "the header declares no signals", "give a record with signals")
    sig_lines = lines[1:]
    if len(sig_lines) != nsig:
        raise bad(
            path,
            f"the record line declares {nsig} signals but {len(sig_lines)} signal lines follow",
            "repair the header so that it has one line per signal",
        )
    specs = tuple(_parse_signal(ln, i, path) for i, ln in sig_lines)
    return Header(m.group("name"), fs, n_samples, specs)


def _format(field: str, path: Path, lineno: int) -> tuple[str, int]:
    """The storage format (only 212) and the byte offset of a signal line's format field."""
    fm = _FORMAT_RE.match(field)
    if fm is None:
        raise bad(path, f"line {lineno}: malformed format field {field!r}", "repair it")
    fmt = fm.group("fmt")
    if fmt != "212":
        raise bad(
            path,
            f"line {lineno}: WFDB format {fmt} is not supported (only format 212)",
            "convert the record to format 212 (e.g. with WFDB's xform)",
        )
    if fm.group("x") or fm.group("skew"):
        raise bad(
            path,
            f"line {lineno}: multi-frequency or skewed signals are not supported",
            "resample the record to one frequency without skew",
        )
    off = fm.group("off")
    return fmt, 0 if off is None else _int(off[1:], path, lineno, "byte offset", 0, 1 << 40)


def _gain(field: str, path: Path, lineno: int) -> tuple[float, int | None, str | None]:
    """Gain (ADC units per physical unit; 0 = uncalibrated, 200), baseline and units."""
    gm = _GAIN_RE.match(field)
    if gm is None:
        raise bad(path, f"line {lineno}: malformed gain {field!r}", "repair it")
    text = gm.group("gain")
    if _NUMBER_RE.match(text) and float(text) == 0:
        gain = 200.0  # WFDB: a zero gain means "uncalibrated", default 200
    else:
        gain = _number(text, path, lineno, "gain", MAX_GAIN, "3000 or 3000(-5)/mV")
    base = gm.group("base")
    baseline = None if base is None else _int(base, path, lineno, "baseline", -(2**31), 2**31)
    return gain, baseline, gm.group("units")


def _parse_signal(line: str, lineno: int, path: Path) -> SignalSpec:
    parts = line.split(maxsplit=8)
    if len(parts) < 2:
        raise bad(
            path,
            f"line {lineno}: a signal line needs at least a file name and a format",
            "repair the header",
        )
    fmt, offset = _format(parts[1], path, lineno)
    gain, baseline, units = _gain(parts[2], path, lineno) if len(parts) > 2 else (200.0, None, None)
    ints = (
        ("ADC resolution", 0, 12),
        ("ADC zero", -2048, 2047),
        ("first value", -32768, 32767),
        ("checksum", -32768, 32767),
        ("block size", 0, 2**31),
    )
    given = parts[3:8]
    got = [_int(text, path, lineno, *spec) for text, spec in zip(given, ints, strict=False)]
    bits = got[0] if len(got) > 0 else 12
    zero = got[1] if len(got) > 1 else 0
    first = got[2] if len(got) > 2 else None
    checksum = got[3] if len(got) > 3 else None
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
        description=parts[8] if len(parts) > 8 else "",
    )
