"""CSV lines from DIY insole boards (``time_ms,ch0,ch1,...``) -> the sensor box's SampleBlocks.

Many existing boards print one line per sample (often 100 Hz, 115200 baud, no checksum).
A :class:`CsvLineConfig` (the column map, :mod:`devices.csvmap`) says which column is time
(and its unit), which columns are which foot and place, an optional frame-counter column,
and the nominal rate. The streaming
:class:`CsvLineDecoder` turns bytes in any chunking into :class:`SampleBlock` events like
the sensor-box decoder's, so everything downstream is the same.

Policy (every bad input has a counted outcome, nothing raises):

- Lines end with ``\\n`` (a trailing ``\\r`` is dropped). Blank lines and lines starting
  with ``#`` are skipped (``comments``); a non-numeric text line before the first good one is a
  header (``header_lines``); any other line that does not parse (wrong column count, not
  a number, NaN/inf, non-UTF-8) is counted in ``bad_lines`` and skipped. A line longer
  than ``max_line`` bytes is discarded up to its newline (``overlong``). The bytes of
  bad and over-long lines and of a line cut by the port count in ``discarded_bytes``.
- Values are multiplied by ``value_scale``, rounded and stored as int16; values outside
  int16 are clipped and counted (``clipped``).
- Time: the time column times its unit gives device microseconds. A line whose time does
  not increase is skipped (``non_monotonic``) unless it steps back by more than
  ``restart_s``, or its frame counter steps back too (the board restarted): then time
  continues from the last sample plus the host time that passed, and the block is marked
  ``restart``. Without a time column, samples are timed at the nominal rate.
- CSV carries no checksum: a damaged digit cannot be detected. A time that jumps ahead
  by mistake makes the next lines look out of order until time catches up (at most
  ``restart_s``); prefer the binary protocol where the board allows it.
- Gaps: lines lost are counted from the frame counter if there is one (across its wrap,
  :mod:`devices.csvcounter`), else (or where it jumped) from a time step over 1.5 nominal
  periods (rate given, or the median of the first 16 intervals). They are reported as
  ``missing_before`` on the next block, never interpolated.
- Blocks: the good lines of one ``feed`` call form one block, split at gaps and restarts.
- A port reopened after an unplug (``new_connection``): the unfinished line is dropped and
  the next good line is a restart, timed as above. The end of the stream (``flush``) drops
  an unfinished last line too, its bytes counted.

:class:`devices.csvbox.CsvBoxDecoder` gives the map as a sensor-box HELLO too.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Final

import numpy as np

from devices.csvcounter import lines_lost, went_back
from devices.csvmap import TIME_UNITS
from devices.csvmap import CsvChannel as CsvChannel  # the map's names, where they were
from devices.csvmap import CsvLineConfig as CsvLineConfig
from devices.sensorbox.events import SampleBlock

PROTOCOL_NAME: Final = "csvlines"


@dataclass
class CsvStats:
    """Counters of the line decoder (shown like the box decoder's)."""

    bytes_in: int = 0
    lines: int = 0  # good lines (samples)
    bad_lines: int = 0
    header_lines: int = 0
    comments: int = 0
    overlong: int = 0
    clipped: int = 0
    non_monotonic: int = 0
    restarts: int = 0
    gaps: int = 0
    frames_lost: int = 0  # lines lost
    discarded_bytes: int = 0  # in bad, over-long and cut lines (the module docstring)
    extra: dict[str, int] = field(default_factory=dict)

    @property
    def frames(self) -> int:
        """A good line, read as the box's frame is (``DecoderStats.frames``)."""
        return self.lines

    @property
    def crc_errors(self) -> int:
        """A line that does not parse, counted where the box counts a frame failing its CRC."""
        return self.bad_lines

    @property
    def bytes_discarded(self) -> int:
        """``DecoderStats.bytes_discarded``'s name for ``discarded_bytes``."""
        return self.discarded_bytes

    def as_dict(self) -> dict[str, int]:
        """The counters, flat (as ``DecoderStats.as_dict``)."""
        d = {k: v for k, v in asdict(self).items() if k != "extra"}
        return {**d, **self.extra}


class CsvLineDecoder:
    """Streaming decoder: ``feed(data, host_t) -> list[SampleBlock]``; never raises."""

    def __init__(self, config: CsvLineConfig) -> None:
        self.config = config
        self.stats = CsvStats()
        self._buf = bytearray()
        self._skip = False  # inside an overlong line
        self._synced = not config.skip_first  # past the first newline of the connection
        self._cols = [c.column for c in config.channels]
        self._period_us: float | None = 1e6 / config.rate_hz if config.rate_hz else None
        self._intervals: list[int] = []
        self._last_raw: int | None = None  # last time value (device units -> us), as sent
        self._last_t = 0  # last unwrapped t_us
        self._last_host = 0.0
        self._last_seq: int | None = None
        self._n = 0  # good lines so far
        self._k = 0  # sample slots so far, lost lines included (no time column)
        self._reopened = False  # the port was reopened since the last good line

    def flush(self) -> list[SampleBlock]:
        """The end of the stream: nothing is held back, and the bytes of an unfinished last
        line are discarded (counted: nothing will end it; a line cut there may be any part
        of one), as :meth:`StreamDecoder.flush` does an unfinished frame's, so what a
        stream's end skips is counted alike however its bytes were fed."""
        self.stats.discarded_bytes += len(self._buf)
        self._buf.clear()
        self._skip = False
        return []

    def new_connection(self, host_t: float) -> list[SampleBlock]:
        """The port was reopened at ``host_t`` (after an unplug): the unfinished line is
        dropped (``stats.discarded_bytes``) and the next good line starts a new stretch
        (``restart``), its time the last line's plus the host time that passed."""
        self.stats.discarded_bytes += len(self._buf)
        self._buf.clear()
        self._skip = False
        self._synced = not self.config.skip_first
        self._reopened = True
        return []

    def feed(self, data: bytes, host_t: float) -> list[SampleBlock]:
        """Decode ``data``; returns the blocks of samples it completed."""
        self.stats.bytes_in += len(data)
        self._buf += data
        rows: list[tuple[int, list[int], int, bool, int]] = []
        start = 0
        while True:
            nl = self._buf.find(b"\n", start)
            if nl < 0:
                break
            line = bytes(self._buf[start:nl])
            start = nl + 1
            if self._skip:  # the end of an over-long line
                self._skip, self._synced = False, True
                self.stats.discarded_bytes += len(line) + 1
                continue
            if not self._synced:  # perhaps the tail of a line printed before the port opened
                self._synced = True
                self.stats.discarded_bytes += len(line) + 1
                continue
            if len(line) > self.config.max_line:
                self.stats.overlong += 1
                self.stats.discarded_bytes += len(line) + 1
                continue
            bad = self.stats.bad_lines
            row = self._line(line, host_t)
            if row is not None:
                rows.append(row)
            elif self.stats.bad_lines > bad:  # its bytes made no sample
                self.stats.discarded_bytes += len(line) + 1
        del self._buf[:start]
        if len(self._buf) > self.config.max_line and not self._skip:
            # the connection's first line is dropped unread, however long (as when whole)
            self.stats.overlong += self._synced
            self._skip = True
        if self._skip:
            self.stats.discarded_bytes += len(self._buf)
            self._buf.clear()
        return self._blocks(rows, host_t)

    def _line(self, raw: bytes, host_t: float) -> tuple[int, list[int], int, bool, int] | None:
        cfg = self.config
        st = self.stats
        text = raw.rstrip(b"\r").strip()
        if not text or text.startswith(b"#"):
            st.comments += 1
            return None
        try:
            fields = text.decode("utf-8").split(cfg.delimiter)
            if cfg.delimiter == " ":
                fields = [f for f in fields if f]
            if len(fields) < cfg.n_columns:
                raise ValueError
            nums = [float(fields[c]) for c in range(cfg.n_columns)]
            if not all(math.isfinite(x) for x in nums):
                raise ValueError
        except (ValueError, UnicodeDecodeError) as err:
            noise = isinstance(err, UnicodeDecodeError)  # no text: never a header
            if self._n == 0 and not noise and self._looks_like_header(text):
                st.header_lines += 1
            else:
                st.bad_lines += 1
            return None
        t_float = (
            nums[cfg.time_column] * TIME_UNITS[cfg.time_unit] if cfg.time_column is not None else 0
        )
        if not abs(t_float) < 2.0**52:  # 142 years in us; also catches inf
            st.bad_lines += 1
            return None
        values = []
        for c in self._cols:
            x = nums[c] * cfg.value_scale
            if not -32768.5 < x < 32767.5:  # also catches inf
                st.clipped += 1
                x = -32768.0 if x < 0 else 32767.0
            values.append(round(x))
        missing = 0
        seq = int(nums[cfg.seq_column]) if cfg.seq_column is not None else None
        restart = False
        t_raw = round(t_float)
        k_new = self._k
        if cfg.time_column is not None:
            timed = self._timed(t_raw, seq, host_t)
            if timed is None:
                st.non_monotonic += 1
                return None
            t, missing, restart = timed
        else:
            assert self._period_us is not None
            if self._reopened and self._n:
                restart = True
                slots = round((host_t - self._last_host) * 1e6 / self._period_us)
                k_new = self._k + max(1, slots)
            else:
                if seq is not None and self._last_seq is not None:
                    missing = self._seq_missing(seq) or 0
                k_new = self._k + missing + (1 if self._n else 0)
            t = round(k_new * self._period_us)
        if not t < 2**62:  # absurd jumps of a corrupt time column would overflow int64
            st.bad_lines += 1
            return None
        self._last_raw = t_raw
        self._reopened = False
        self._k = k_new
        if restart:
            st.restarts += 1
        if missing:
            st.gaps += 1
            st.frames_lost += missing
        self._last_t = t
        self._last_host = host_t
        self._last_seq = seq
        line_no = seq if seq is not None else self._n
        self._n += 1
        st.lines += 1
        return t, values, missing, restart, line_no & 0xFFFF

    def _timed(self, t_raw: int, seq: int | None, host_t: float) -> tuple[int, int, bool] | None:
        """(t, lines missing before, restart) of a line with a time column; None: out of
        order. A restart (the time back by more than ``restart_s``, or a new connection)
        goes on from the last line by the host's clock."""
        if self._last_raw is None:
            return t_raw, 0, False
        dt = t_raw - self._last_raw
        back = went_back(self._last_seq, seq)  # the counter too: the board restarted
        if not (self._reopened or back) and dt <= 0 and -dt <= self.config.restart_s * 1e6:
            return None
        if self._reopened or dt <= 0:
            return (
                self._last_t + max(1, math.floor((host_t - self._last_host) * 1e6 + 0.5)),
                0,
                True,
            )
        return self._last_t + dt, self._missing(dt, seq), False

    def _seq_missing(self, seq: int) -> int | None:
        """Lines lost by the frame counter; None: it jumped (``extra["seq_jumps"]``)."""
        assert self._last_seq is not None
        lost = lines_lost(self._last_seq, seq)
        if lost is None:
            self.stats.extra["seq_jumps"] = self.stats.extra.get("seq_jumps", 0) + 1
        return lost

    def _missing(self, dt: int, seq: int | None) -> int:
        lost = None if seq is None or self._last_seq is None else self._seq_missing(seq)
        if lost is not None:
            return lost
        period = self._period_us
        if period is None:
            if len(self._intervals) < 16:
                self._intervals.append(dt)
                return 0
            period = float(np.median(self._intervals))
            self._period_us = period
        if dt > 1.5 * period:
            return max(1, round(dt / period) - 1)
        return 0

    def _looks_like_header(self, text: bytes) -> bool:
        """A line of names (``time_ms,heel_l,...``): some field has letters and is no number."""
        for f in text.decode("utf-8", "replace").split(self.config.delimiter):
            try:
                float(f)
            except ValueError:
                if any(ch.isalpha() for ch in f):
                    return True
        return False

    def _blocks(
        self, rows: list[tuple[int, list[int], int, bool, int]], host_t: float
    ) -> list[SampleBlock]:
        """One block per run of good lines; ``seq`` is the first line's counter (or number)."""
        out: list[SampleBlock] = []
        period = round(self._period_us) if self._period_us else 0
        start = 0
        for i in range(1, len(rows) + 1):
            if i == len(rows) or rows[i][2] or rows[i][3]:
                part = rows[start:i]
                out.append(
                    SampleBlock(
                        np.array([r[0] for r in part], dtype=np.int64),
                        np.array([r[1] for r in part], dtype=np.int16).reshape(len(part), -1),
                        part[0][4],
                        part[0][2],
                        host_t,
                        period,
                        part[0][3],
                    )
                )
                start = i
        return out
