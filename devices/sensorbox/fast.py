"""Fast decoding of a whole recorded sensor-box stream into arrays (>= 100 MB/s of wire bytes).

:func:`decode_stream` runs the live decoder's exact logic as a numba kernel over the whole
buffer, honouring the recording's chunk boundaries, so its result equals
``StreamDecoder`` fed chunk by chunk and then flushed: the same samples, gaps, belt
readings, HELLO/STATUS/ERROR events and counters (``DecodedBox.events()`` rebuilds the
event list; the tests compare it with the slow reference). numba is imported on first use
only, so importing :mod:`devices` never pays for it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from devices.cores import read_threads
from devices.errors import InputError
from devices.memory import release_pages, return_freed_memory
from devices.sensorbox._fast_events import _rare_events
from devices.sensorbox._fast_inputs import _checked, _own_buffer, _run_decoder
from devices.sensorbox._fast_runs import block_last_times, sample_runs
from devices.sensorbox.events import (
    BeltBlock,
    DecoderStats,
    ErrorEvent,
    Event,
    HelloEvent,
    SampleBlock,
    StatusEvent,
)
from devices.sensorbox.frames import (
    MAX_WIRE_FRAME,
    T_BELT,
    T_ERROR,
    T_HELLO,
    T_SAMPLES,
    T_STATUS,
    Hello,
)

#: DecoderStats fields in the kernel's counter order.
STAT_FIELDS = tuple(f.name for f in dataclasses.fields(DecoderStats) if f.name != "extra")


@dataclass
class DecodedBox:
    """A decoded sensor-box stream as arrays (one row per sample), plus the rare events.

    - ``t_us`` (S,) int64 unwrapped device time of every sample (made on first use, from
      each block's first time and period: :meth:`sample_runs` gives the same times as a
      few runs, :meth:`block_last_t_us` each block's last, without them);
      ``n_samples`` S; ``values`` (S, C) int16.
    - blocks (one per SAMPLES frame): ``block_start`` (B+1,) sample offsets,
      ``block_t_us`` the first sample's device time,
      ``block_seq``, ``block_missing`` (frames lost before the block: a gap),
      ``block_restart``, ``block_host_t``, ``block_period_us``, ``block_chunk`` (the
      recorded chunk whose feed released the block: the live decoder returned it then;
      the number of chunks for a block released by the final flush); ``block_seq``,
      ``block_period_us`` and ``block_channels`` are int32 (16 bits or less on the wire),
      ``block_chunk`` int32 (int64 for a recording of 2**31 chunks or more),
      ``block_restart`` bool, the others int64.
    - belt: ``belt_t_us``, ``belt_counts``, ``belt_interval_us``, ``belt_speed_mps`` (NaN
      where no counts per metre were known), ``belt_seq``, ``belt_host_t``.
    - ``hellos``, ``statuses``, ``errors``: the events themselves (the HELLO and STATUS
      events made on first use: reading a recording needs only the distinct HELLOs,
      :meth:`distinct_hellos`); ``stats``: counters.
    - ``values_room``: the buffer ``values_flat`` starts at (the recording's own bytes,
      where the counts could be written over them), with room for 4 bytes per value where
      it could be had: a consumer that owns the box may widen the counts to float32 there
      in place.
    """

    n_samples: int
    values_flat: NDArray[np.int16]
    channels: int  # C of every block, or -1 if it changed within the stream
    block_start: NDArray[np.int64]
    block_vstart: NDArray[np.int64]
    block_seq: NDArray[np.int32]
    block_missing: NDArray[np.int64]
    block_restart: NDArray[np.bool_]
    block_host_t: NDArray[np.float64]
    block_period_us: NDArray[np.int32]
    block_channels: NDArray[np.int32]
    block_chunk: NDArray[np.int32] | NDArray[np.int64]
    block_t_us: NDArray[np.int64]
    belt_t_us: NDArray[np.int64]
    belt_counts: NDArray[np.int64]
    belt_interval_us: NDArray[np.int64]
    belt_speed_mps: NDArray[np.float64]
    belt_seq: NDArray[np.int64]
    belt_host_t: NDArray[np.float64]
    errors: list[ErrorEvent]
    stats: DecoderStats
    pending: int
    #: the HELLOs: the distinct ones parsed, then per HELLO frame its index among them, seq,
    #: t_us and host time
    _hello_rows: tuple[list[Hello], list[int], list[int], list[int], list[float]] = field(
        default=([], [], [], [], []), repr=False
    )
    #: the STATUS frames' fields (flags, dropped, supply_mv, seq, t_us, host_t) as arrays
    _status_rows: tuple[NDArray[Any], ...] = field(default=(), repr=False)
    _made: dict[str, list[Any]] = field(default_factory=dict, repr=False)
    _rel_type: NDArray[np.int8] = field(default_factory=lambda: np.zeros(0, np.int8), repr=False)
    _hello_chunk: int = -1  # the recorded chunk whose feed released the first HELLO
    values_room: NDArray[np.uint8] = field(
        default_factory=lambda: np.zeros(0, np.uint8), repr=False
    )
    _t_us: NDArray[np.int64] | None = field(default=None, repr=False)

    @property
    def t_us(self) -> NDArray[np.int64]:
        """(S,) int64 unwrapped device time of every sample (written on first use: an
        hour's at 1 kHz are 28.8 MB); not after the blocks were dropped."""
        if self._t_us is None:
            if int(self.block_start[-1]) != self.n_samples:
                raise RuntimeError("the box's blocks were dropped: its sample times are gone")
            from devices.sensorbox._fast_gather import gather_times

            self._t_us = gather_times(self.block_t_us, self.block_period_us, self.block_start)
        return self._t_us

    def block_last_t_us(self, a: int = 0, b: int | None = None) -> NDArray[np.int64]:
        """The device time of the last sample of blocks ``a..b-1`` (at or before their end:
        a block without samples gives the last one before it)."""
        b = int(self.block_seq.shape[0]) if b is None else b
        got = block_last_times(self.block_t_us, self.block_period_us, self.block_start, a, b)
        return self.t_us[self.block_start[a + 1 : b + 1] - 1] if got is None else got

    def sample_runs(self, prev_us: int) -> tuple[NDArray[np.int64], ...] | None:
        """The samples' times as runs of evenly spaced device times (``starts`` (R + 1),
        ``first``, ``step``, and the last sample's time as a 0-d array), or None if not
        every sample is later than the one before it and than ``prev_us``
        (:func:`devices.sensorbox._fast_runs.sample_runs`)."""
        got = sample_runs(self.block_t_us, self.block_period_us, self.block_start, prev_us)
        return None if got is None else (*got[:3], np.array(got[3], np.int64))

    def first_hello_chunk(self) -> int | None:
        """The recorded chunk whose feed released the first HELLO (None: no HELLO)."""
        return None if self._hello_chunk < 0 else self._hello_chunk

    def blocks_before_hello(self) -> int:
        """SAMPLES blocks released before the first HELLO (all of them if none came)."""
        at = np.flatnonzero(self._rel_type == T_HELLO)
        head = self._rel_type if not at.size else self._rel_type[: at[0]]
        return int(np.count_nonzero(head == T_SAMPLES))

    @property
    def values(self) -> NDArray[np.int16]:
        """(S, C) int16; an InputError if the channel count changed mid-stream."""
        if self.channels < 0:
            raise InputError(
                "the box changed its channel count during the recording",
                fix="read the blocks one by one (DecodedBox.events())",
            )
        c = max(self.channels, 1)
        return self.values_flat.reshape(-1, c)

    @property
    def hello(self) -> Hello | None:
        """The last HELLO of the stream."""
        distinct, which = self._hello_rows[0], self._hello_rows[1]
        return distinct[which[-1]] if which else None

    def distinct_hellos(self) -> list[Hello]:
        """The HELLOs in the order they were released, each repeat of the one before it
        left out (a box repeats the same HELLO every second)."""
        distinct, which = self._hello_rows[0], self._hello_rows[1]
        return [distinct[i] for k, i in enumerate(which) if k == 0 or which[k - 1] != i]

    @property
    def hellos(self) -> list[HelloEvent]:
        """The HELLO events (made on first use)."""
        if "hellos" not in self._made:
            distinct, which, seq, t, host = self._hello_rows
            self._made["hellos"] = [
                HelloEvent(distinct[i], q, t_i, h)
                for i, q, t_i, h in zip(which, seq, t, host, strict=True)
            ]
        return self._made["hellos"]

    @property
    def statuses(self) -> list[StatusEvent]:
        """The STATUS events (made on first use)."""
        if "statuses" not in self._made:
            columns = [c.tolist() for c in self._status_rows]
            self._made["statuses"] = [StatusEvent(*row) for row in zip(*columns, strict=True)]
        return self._made["statuses"]

    def samples_in_place(
        self,
        cols: NDArray[np.int64],
        offset: NDArray[np.float32] | None,
        scale: NDArray[np.float32] | None,
        t0_us: int,
        prev_us: int,
    ) -> tuple[NDArray[np.float64], NDArray[np.int16] | NDArray[np.float32], int, int]:
        """The samples later than every one before them (and ``prev_us``) as seconds since
        ``t0_us`` and their ``cols`` (sorted) counts, or with ``offset``/``scale`` float32
        ``(count - offset) * scale``, in one numba pass over this box's own arrays: the box
        is used up (its ``t_us`` and values become the result; its per-block and belt
        arrays are emptied first, so that their memory is free before the forces are
        widened). Returns (times, forces,
        samples dropped as out of order, the last kept device time or ``prev_us``)."""
        from devices.sensorbox._fast_samples import _assemble_in_place

        t_us = self.t_us  # (written now if not yet: from the blocks, before they go)
        self.drop_blocks()  # used up: their memory goes before the forces are widened
        return_freed_memory()
        flat = self.values_flat
        n, k = t_us.shape[0], int(cols.size)
        room, newtons = self._room(n * k, offset is not None and scale is not None)
        kept, dropped, last = _assemble_in_place(
            t_us,
            t_us.view(np.float64),
            flat,
            max(self.channels, 1),
            cols.astype(np.int64),
            np.zeros(k, np.float32) if offset is None else offset.astype(np.float32),
            np.ones(k, np.float32) if scale is None else scale.astype(np.float32),
            newtons,
            t0_us,
            prev_us,
        )
        if newtons.size:  # the room past the newtons: never written, but its first pages
            release_pages(room[4 * kept * k :])  # were taken with theirs (a huge page)
        t = t_us.view(np.float64)[:kept]
        forces = (newtons if newtons.size else flat)[: kept * k].reshape(kept, k)
        return t, forces, int(dropped), int(last)

    def counts_in_place(
        self, offset: NDArray[np.float32] | None, scale: NDArray[np.float32] | None
    ) -> NDArray[np.int16] | NDArray[np.float32]:
        """Every sample of every channel (the caller knows that none is dropped:
        :meth:`sample_runs`), as counts or, with ``offset``/``scale``, as float32 ``(count -
        offset) * scale`` widened over them; no times. The box is used up (its per-block and
        belt arrays emptied first, so that their memory is free before the widening)."""
        from devices.sensorbox._fast_samples import widen_in_place

        self.drop_blocks()
        return_freed_memory()
        n, k = self.n_samples, max(self.channels, 1)
        flat = self.values_flat[: n * k]
        if offset is None or scale is None:
            return flat.reshape(n, k)
        room, newtons = self._room(n * k, True)
        widen_in_place(flat, k, offset, scale, newtons)
        release_pages(room[4 * n * k :])  # as in samples_in_place
        return newtons.reshape(n, k)

    def _room(self, values: int, widen: bool) -> tuple[NDArray[np.uint8], NDArray[np.float32]]:
        """The buffer the counts start at, if it has room for ``values`` float32, else new
        memory; and the float32 view of its start (empty unless ``widen``)."""
        room = self.values_room
        if widen and not (
            room.size >= 4 * values
            and room.__array_interface__["data"][0]
            == self.values_flat.__array_interface__["data"][0]
        ):
            room = np.empty(4 * values, np.uint8)  # not the decoder's buffer: new memory
        return room, room[: 4 * values].view(np.float32) if widen else np.zeros(0, np.float32)

    def drop_blocks(self) -> None:
        """Forget the per-block and belt arrays (the box is being used up, they have been
        read): empty arrays of their own, so the memory goes (slices would keep it); the
        samples (``t_us``, ``values_flat``) stay."""
        for f in dataclasses.fields(self):
            if f.name.startswith(("block_", "belt_")) or f.name == "_rel_type":
                old = getattr(self, f.name)
                keep = 1 if f.name in ("block_start", "block_vstart") else 0
                setattr(self, f.name, np.zeros(keep, old.dtype))

    def events(self) -> list[Event]:
        """The event list ``StreamDecoder`` produces for the same chunks (then flushed)."""
        out: list[Event] = []
        seen: dict[int, int] = {}
        for kind in self._rel_type.tolist():
            i = seen.get(kind, 0)
            seen[kind] = i + 1
            if kind == T_SAMPLES:
                a, b = int(self.block_start[i]), int(self.block_start[i + 1])
                va, vb = int(self.block_vstart[i]), int(self.block_vstart[i + 1])
                c = int(self.block_channels[i])
                out.append(
                    SampleBlock(
                        self.t_us[a:b].copy(),
                        self.values_flat[va:vb].reshape(b - a, c).copy(),
                        int(self.block_seq[i]),
                        int(self.block_missing[i]),
                        float(self.block_host_t[i]),
                        int(self.block_period_us[i]),
                        bool(self.block_restart[i]),
                    )
                )
            elif kind == T_BELT:
                sp = float(self.belt_speed_mps[i])
                out.append(
                    BeltBlock(
                        int(self.belt_t_us[i]),
                        int(self.belt_counts[i]),
                        int(self.belt_interval_us[i]),
                        None if np.isnan(sp) else sp,
                        int(self.belt_seq[i]),
                        float(self.belt_host_t[i]),
                    )
                )
            elif kind == T_HELLO:
                out.append(self.hellos[i])
            elif kind == T_STATUS:
                out.append(self.statuses[i])
            elif kind == T_ERROR:
                out.append(self.errors[i])
        return out


def decode_stream(
    data: bytes | bytearray | memoryview | NDArray[np.uint8],
    chunk_offsets: ArrayLike | None = None,
    host_t: ArrayLike | None = None,
    *,
    reorder_window: int = 4,
    flush: bool = True,
    consume: bool = False,
    room: NDArray[np.uint8] | None = None,
    threads: int | None = None,
) -> DecodedBox:
    """Decode a recorded stream: ``data`` with chunk start offsets and host times per chunk.

    Without ``chunk_offsets`` the bytes count as one chunk at ``host_t`` 0 (the events are
    the same as for any chunking; only the ``oversize`` counter can depend on it). An empty
    chunk (an offset equal to the next one, or to ``len(data)``) is a recording's mark of a
    new connection: the decoder is told ``new_connection(host_t)`` there, as the live one was. The
    bytes are decoded in place, in a copy unless ``consume`` gives a writable ``data`` (a
    bytearray, a writable memoryview or an array) over to it: its contents are then
    garbage (a recording's size less memory). ``room``: the buffer ``data`` starts at, if
    it has more (``StreamData.room``): with room for twice the bytes, the decoded counts
    are written over the bytes they came from where that is safe, and can be widened to
    float32 there (``samples_in_place``): the recording's bytes become the result.
    ``threads``: 2 frames the stream's halves at once (default: :mod:`devices.cores`)."""
    from devices.sensorbox import _fast_gather, _fast_kernels  # numba: on first use

    assert _fast_kernels.MAX_WIRE == MAX_WIRE_FRAME
    buf, starts, ht = _checked(data, chunk_offsets, host_t, reorder_window)
    del data, chunk_offsets, host_t  # (the caller's, if it kept them) freed once decoded
    buf, room = _own_buffer(buf, room, consume)
    run = _run_decoder(buf, starts, ht, reorder_window, flush, threads or read_threads())
    dec, rel, rel_host, rel_chunk, stats_arr, pending = run
    del starts, ht, run
    stats, pending = _decoder_stats(stats_arr, int(pending), flush)
    f32 = np.zeros(1, np.float32)  # a HELLO's counts per metre, read through its bits
    got = _fast_gather._gather_blocks(dec, rel, rel_host, rel_chunk, f32, f32.view(np.uint32))
    bstart, bvstart, binfo, bhost, belt, belt_host, rare, rel_type = got[:8]
    _release_tables(int(bhost.shape[0]), rel, rel_host, rel_chunk)
    del rel, rel_host, rel_chunk
    other_rows, other_host, hello_chunk = rare  # the few rows the events are made of
    hello_rows, status_rows, errors = _rare_events(other_rows, other_host, dec)
    del rare, other_rows, other_host
    belt_speed, bt = got[10], got[9]  # bt: the blocks' first times (t_us made from them)
    per_block = [got[8], got[9]]  # given over below: freed there once used
    del got
    return_freed_memory()  # the frame tables' and the belt's scratch memory
    room = _fast_gather.gather_samples(dec, per_block, bstart, bvstart, room)
    del dec, buf
    vbytes, bc = room[: 2 * int(bvstart[-1])], binfo[3]
    return DecodedBox(
        n_samples=int(bstart[-1]),
        values_flat=vbytes.view("<i2").astype(np.int16, copy=False),
        channels=_one_count(bc),
        block_start=bstart,
        block_vstart=bvstart,
        block_seq=binfo[0],
        block_missing=binfo[1],
        block_restart=binfo[2],
        block_host_t=bhost,
        block_period_us=binfo[4],
        block_channels=bc,
        block_chunk=binfo[5],
        block_t_us=bt,
        belt_t_us=belt[0],
        belt_counts=belt[1],
        belt_interval_us=belt[2],
        belt_speed_mps=belt_speed,
        belt_seq=belt[3],
        belt_host_t=belt_host,
        errors=errors,
        stats=stats,
        pending=pending,
        _hello_rows=hello_rows,
        _status_rows=status_rows,
        _rel_type=rel_type,
        _hello_chunk=int(hello_chunk),
        values_room=room,
    )


def _release_tables(nb: int, *tables: NDArray[Any]) -> None:
    """The release tables once the block gather has run: the blocks' host times, chunks
    and first times are their first ``nb`` values now (views kept by the box), the rest
    is garbage: its pages go (each table goes with the last view of it)."""
    for table in tables:
        release_pages(table.reshape(-1).view(np.uint8)[table.itemsize * nb :])


def _decoder_stats(counters: NDArray[Any], pending: int, flush: bool) -> tuple[DecoderStats, int]:
    """The decoder kernel's counters (in :data:`STAT_FIELDS` order) as its statistics, and
    the bytes still pending: none once ``flush``ed, where an unfinished frame's bytes are
    discarded and counted, as :meth:`StreamDecoder.flush` does at the end of a stream."""
    counter_map: dict[str, Any] = dict(zip(STAT_FIELDS, (int(x) for x in counters), strict=True))
    if flush:
        counter_map["bytes_discarded"] += pending
    return DecoderStats(**counter_map), 0 if flush else pending


def _one_count(block_channels: NDArray[Any]) -> int:
    """The channel count every block has, -1 when they differ (0 without blocks)."""
    if not block_channels.size:
        return 0
    cmin, cmax = int(block_channels.min()), int(block_channels.max())
    return cmin if cmin == cmax else -1


def load_kernels() -> None:
    """Load (on a first run: compile) the decoder's kernels now, by decoding a two-frame
    stream (and its samples pass on two samples), so that a timed read measures reading,
    not numba loading the kernels."""
    from devices.sensorbox import encode_hello, encode_samples
    from devices.sensorbox.frames import ChannelSpec, Hello

    hello = Hello((ChannelSpec.of("L", "heel"), ChannelSpec.of("R", "heel")), 100)
    wire = encode_hello(0, 0, hello) + encode_samples(1, 0, 10_000, np.zeros((2, 2), np.int16))
    decode_stream(wire, [0], [0.0])
    from devices.sensorbox._fast_samples import load_kernel

    load_kernel()
