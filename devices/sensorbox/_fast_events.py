"""The HELLO, STATUS and ERROR frames of a decoded box stream as events (private; used by
:func:`devices.sensorbox.fast.decode_stream` once the block gather has run): the few rows
the release tables keep for them, their payloads read from the decoded bytes."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import NDArray

from devices.sensorbox.events import ErrorEvent
from devices.sensorbox.frames import STATUS, T_ERROR, T_HELLO, T_STATUS, Hello

#: A STATUS payload (frames.STATUS, ``<HIH``) as a numpy record.
_STATUS_DTYPE = np.dtype([("flags", "<u2"), ("dropped", "<u4"), ("supply_mv", "<u2")])


def _rare_events(
    rows: NDArray[np.int64], hosts: NDArray[np.float64], dec: NDArray[np.uint8]
) -> tuple[
    tuple[list[Hello], list[int], list[int], list[int], list[float]],
    tuple[NDArray[Any], ...],
    list[ErrorEvent],
]:
    """The few HELLO, STATUS and ERROR frames (their release rows (``rel``'s) and host
    times, their payloads in ``dec``): the HELLOs as ``DecodedBox._hello_rows`` (each
    distinct payload parsed once), the STATUS fields as arrays (one numpy pass; the
    events are made only if asked for), the ERROR events."""
    from devices.sensorbox._fast_sequencer import P_LEN, P_SEQ, R_OFF, R_PACK, R_T

    pack = rows[:, R_PACK]
    kind = pack & 0xFF
    lengths = (pack >> P_LEN) & 0xFFFF
    seqs = (pack >> P_SEQ) & 0xFFFF
    offs = rows[:, R_OFF]
    times = rows[:, R_T]

    def payloads(which: NDArray[np.intp]) -> list[bytes]:
        """The payloads of rows ``which``: those of each length gathered in one numpy
        pass (rows of a window view: no index array, only the payloads' own bytes), then
        sliced as bytes (slicing the decoded bytes frame by frame costs more)."""
        out: list[bytes] = [b""] * which.size
        for ln in np.unique(lengths[which]).tolist():
            if ln == 0:
                continue
            at = np.flatnonzero(lengths[which] == ln)
            got = sliding_window_view(dec, ln)[offs[which[at]]].tobytes()
            for k, i in enumerate(at.tolist()):
                out[i] = got[k * ln : (k + 1) * ln]
        return out

    def columns(which: NDArray[np.intp]) -> tuple[list[int], list[int], list[float]]:
        return seqs[which].tolist(), times[which].tolist(), hosts[which].tolist()

    at = np.flatnonzero(kind == T_HELLO)
    parsed: dict[bytes, int] = {}  # a box repeats the same HELLO every second
    distinct: list[Hello] = []
    index: list[int] = []
    for payload in payloads(at):
        i = parsed.get(payload)
        if i is None:
            h = Hello.parse(payload)
            assert h is not None  # checked by the kernel
            i = parsed[payload] = len(distinct)
            distinct.append(h)
        index.append(i)
    hello_rows = (distinct, index, *columns(at))
    at = np.flatnonzero(kind == T_STATUS)  # each checked by the kernel: STATUS.size bytes
    raw = sliding_window_view(dec, STATUS.size)[offs[at]] if at.size else np.zeros((0, 8))
    fields = np.ascontiguousarray(raw, np.uint8).view(_STATUS_DTYPE).reshape(-1)
    status_rows = (
        *(fields[name].astype(np.int64) for name in _STATUS_DTYPE.names or ()),
        seqs[at],
        times[at],
        hosts[at],
    )
    at = np.flatnonzero(kind == T_ERROR)
    errors = [
        ErrorEvent(p[0], p[1:].decode("ascii", "replace"), seq, t_i, host)
        for p, seq, t_i, host in zip(payloads(at), *columns(at), strict=True)
    ]
    return hello_rows, status_rows, errors
