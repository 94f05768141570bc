"""The column map of a board printing CSV lines: which column is time (and its unit), which
columns are which foot and place, an optional frame-counter column, the nominal rate.

``CsvLineConfig.parse("time=0:ms,seq=1,L-heel=2,L-toe=3,R-heel=4,R-toe=5,rate=100")`` reads
the map ``stride live --csv-map`` takes; :meth:`CsvLineConfig.to_dict` and ``from_dict``
are its form in session.json; :meth:`CsvLineConfig.hello` gives it as a sensor-box HELLO.
:class:`devices.csvlines.CsvLineDecoder` reads the lines by it.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass
from typing import Any, Final

from devices.errors import InputError
from devices.sensorbox.frames import PLACES, SIDES, ChannelSpec, Hello

TIME_UNITS: Final = {"us": 1, "ms": 1000, "s": 1_000_000}
_ROLE = re.compile(r"^([LR])-(\w+)$")


@dataclass(frozen=True)
class CsvChannel:
    """One force column: its 0-based index in the line, the foot and the place."""

    column: int
    side: str
    place: str = "foot"


@dataclass(frozen=True)
class CsvLineConfig:
    """Where things are in a line. ``CsvLineConfig.parse("time=0:ms,L-heel=1,R-heel=2")``."""

    channels: tuple[CsvChannel, ...]
    time_column: int | None = 0
    time_unit: str = "ms"
    seq_column: int | None = None
    rate_hz: float | None = None
    delimiter: str = ","
    value_scale: float = 1.0
    max_line: int = 1024
    restart_s: float = 1.0
    adc_bits: int = 10
    #: A port opened while the board prints joins mid-line: the first line of a
    #: connection is then dropped unread (``stats.discarded_bytes``), never misread.
    skip_first: bool = False

    def __post_init__(self) -> None:
        if not self.channels:
            raise InputError(
                "a CSV column map needs at least one force column",
                fix="e.g. time=0:ms,L-heel=1,R-heel=2",
            )
        if self.time_unit not in TIME_UNITS:
            raise InputError(f"unknown time unit {self.time_unit!r}", fix="use us, ms or s")
        cols = [c.column for c in self.channels]
        cols += [x for x in (self.time_column, self.seq_column) if x is not None]
        if len(set(cols)) != len(cols) or min(cols) < 0:
            raise InputError("CSV columns must be distinct and >= 0", fix="check the map")
        for c in self.channels:
            if c.side not in SIDES or c.place not in PLACES:
                raise InputError(
                    f"unknown channel {c.side}-{c.place}",
                    fix=f"sides {sorted(SIDES)}, places {sorted(PLACES)}",
                )
        if self.time_column is None and not self.rate_hz:
            raise InputError("without a time column the rate is needed", fix="add rate=100")
        if not (math.isfinite(self.value_scale) and self.value_scale != 0):
            raise InputError(f"scale {self.value_scale} is not usable", fix="e.g. scale=1")
        if self.rate_hz is not None and not 0 < self.rate_hz <= 100_000:
            raise InputError(f"rate {self.rate_hz} Hz is out of range", fix="e.g. rate=100")
        if len(self.delimiter) != 1 or self.delimiter in "\r\n":
            raise InputError("the delimiter must be one character", fix="e.g. ',' or ';'")
        if not 1 <= self.adc_bits <= 15:
            raise InputError(f"{self.adc_bits} ADC bits is out of range", fix="e.g. bits=10")

    def hello(self) -> Hello:
        """The channel map and rate as a sensor-box HELLO (what the samples are assigned to
        feet with); needs the nominal rate."""
        if not self.rate_hz or round(self.rate_hz) < 1:
            raise InputError(
                "the CSV column map gives no sample rate (rate=HZ)",
                fix="add the board's rate to the map, e.g. rate=100",
            )
        specs = tuple(ChannelSpec.of(c.side, c.place) for c in self.channels)
        return Hello(specs, sample_rate_hz=round(self.rate_hz), adc_bits=self.adc_bits)

    @property
    def n_columns(self) -> int:
        """Columns a line must have (at least up to the last one used)."""
        cols = [c.column for c in self.channels]
        cols += [x for x in (self.time_column, self.seq_column) if x is not None]
        return max(cols) + 1

    @classmethod
    def parse(cls, text: str) -> CsvLineConfig:
        """From ``time=0:ms,seq=1,L-heel=2,L-toe=3,R-heel=4,R-toe=5,rate=100``.

        Keys: ``time=COL[:us|ms|s]`` or ``time=none``, ``seq=COL``, ``rate=HZ``,
        ``scale=X``, ``delim=;|tab|space``, ``bits=N`` (the ADC's, for ``stride check``)
        and ``SIDE-PLACE=COL`` for each force column.
        """
        kw: dict[str, Any] = {"time_column": 0, "time_unit": "ms"}
        chans: list[CsvChannel] = []
        for part in filter(None, (p.strip() for p in text.split(","))):
            key, sep, val = part.partition("=")
            try:
                if not sep:
                    raise ValueError(part)
                if key == "time":
                    col, _, unit = val.partition(":")
                    kw["time_column"] = None if col == "none" else int(col)
                    kw["time_unit"] = unit or "ms"
                elif key == "seq":
                    kw["seq_column"] = int(val)
                elif key == "rate":
                    kw["rate_hz"] = float(val)
                elif key == "scale":
                    kw["value_scale"] = float(val)
                elif key == "bits":
                    kw["adc_bits"] = int(val)
                elif key == "delim":
                    kw["delimiter"] = {"tab": "\t", "space": " ", "semicolon": ";"}.get(val, val)
                elif m := _ROLE.match(key):
                    chans.append(CsvChannel(int(val), m.group(1), m.group(2)))
                else:
                    raise ValueError(part)
            except ValueError:
                raise InputError(
                    f"cannot read {part!r} in the CSV column map {text!r}",
                    fix="write e.g. time=0:ms,L-heel=1,L-toe=2,R-heel=3,R-toe=4,rate=100",
                ) from None
        return cls(tuple(chans), **kw)

    def to_dict(self) -> dict[str, Any]:
        """For session.json (``from_dict`` reads it back)."""
        d = asdict(self)
        d["channels"] = [asdict(c) for c in self.channels]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> CsvLineConfig:
        try:
            kw = dict(d)
            kw["channels"] = tuple(CsvChannel(**c) for c in d["channels"])
            return cls(**kw)
        except (KeyError, TypeError) as err:
            raise InputError(f"corrupt CSV column map {d!r}", fix="check session.json") from err
