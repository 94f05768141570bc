"""Splitting a stream file into its chunks a window at a time: memory independent of file size.

The file is read in windows of ``WINDOW`` bytes (more only for one chunk larger than that,
at most ``MAX_CHUNK``), so a 2 GB stream of zeros after a valid header is found damaged
without holding it in memory, and :func:`iter_stream` hands intact chunks on window by
window. Damage is counted, never silent (see :mod:`devices.recording.reader`): a torn last
chunk in ``torn``, damaged stretches in the middle in ``corrupt``, with the bytes skipped.

Intact stretches are walked by a numba kernel (CRC-32 checked, hundreds of MB/s); damage is
handled in Python, which then hands the rest back to the kernel.
"""

from __future__ import annotations

import dataclasses
import io
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

import numpy as np
from numpy.typing import NDArray

from devices.errors import InputError
from devices.memory import huge_empty, written
from devices.recording.layout import (
    CHUNK_HEAD,
    CHUNK_MAGIC,
    FILE_HEAD,
    FILE_MAGIC,
    FORMAT_VERSION,
    MAX_CHUNK,
    chunk_crc,
)

#: A chunk's magic, searched for in a window's bytes.
_MAGIC = re.compile(re.escape(CHUNK_MAGIC))
#: Bytes read from the file at a time.
WINDOW = 8 << 20
#: Bytes of a window worth scanning in two parts at once (fewer: one part).
MIN_SPLIT = 1 << 20
#: Chunks worth gathering in two parts at once (fewer: one part).
MIN_SPLIT_CHUNKS = 4096


@dataclass
class StreamProblems:
    """What reading one stream had to skip."""

    torn: int = 0  # an incomplete last chunk (at most one per file)
    corrupt: int = 0  # damaged chunks skipped in the middle
    bytes_skipped: int = 0

    @property
    def clean(self) -> bool:
        return self.torn == 0 and self.corrupt == 0


@dataclass(frozen=True)
class StreamData:
    """Chunks in memory: their bytes, where each chunk starts and when it came."""

    #: writable as read (a bytearray, or a view of the reader's own buffer): whoever
    #: holds it may decode it in place
    data: bytes | bytearray | memoryview
    offsets: NDArray[np.int64]  # start of each chunk in ``data``; len = chunks
    host_t: NDArray[np.float64]
    #: the reader's buffer ``data`` starts at, with twice the file's size of room (None:
    #: no room): a decoder that consumes ``data`` may write its result there
    room: NDArray[np.uint8] | None = field(default=None, repr=False, compare=False)

    def chunks(self) -> Iterator[tuple[float, bytes]]:
        if not self.offsets.size:
            return
        ends = [*self.offsets[1:].tolist(), len(self.data)]
        view = memoryview(self.data)
        for start, end, t in zip(self.offsets.tolist(), ends, self.host_t.tolist(), strict=True):
            yield t, bytes(view[start:end])


EMPTY = StreamData(b"", np.zeros(0, np.int64), np.zeros(0, np.float64))


def join(parts: list[StreamData], sink: _Sink | None = None) -> StreamData:
    """One StreamData of consecutive pieces (with ``sink``: the pieces :func:`iter_stream`
    gathered into it, one after the other, so their bytes, chunk starts and host times
    are joined already: the starts are shifted in place)."""
    if len(parts) == 1:
        return parts[0]
    count = sum(p.offsets.size for p in parts)
    if sink is not None and sink.rows is not None:
        start = 0
        for p in parts:
            np.add(p.offsets, start, out=p.offsets)
            start += len(p.data)
        return StreamData(sink.view(0, start), sink.rows[0][:count], sink.rows[1][:count])
    both = written((2, count), np.int64)  # one array: huge pages where the two are 2 MB
    offsets, host_t = both[0], both[1].view(np.float64)  # (each part's shifted in place)
    start = at = 0
    for p in parts:
        k = p.offsets.size
        np.add(p.offsets, start, out=offsets[at : at + k])
        host_t[at : at + k] = p.host_t
        start += len(p.data)
        at += k
    return StreamData(
        sink.view(0, start) if sink is not None else bytearray().join(p.data for p in parts),
        offsets,
        host_t,
    )


class _Sink:
    """Where :func:`iter_stream` gathers the chunks' data: one buffer the size of the file
    (an upper bound), filled from the start, so reading a stream whole needs no second
    copy to join its windows. Reserved at the first intact chunk, with ``np.empty``: the
    pages never written (headers, damage) are never touched, so the memory used follows
    the intact data, not the file size. Twice that size is reserved where the system
    allows it (untouched, it costs nothing): a decoder may then write its result over the
    data it decoded (``StreamData.room``), instead of into new memory. It starts at a huge
    page's boundary (:func:`devices.memory.huge_empty`): its first 2 MB are one page
    fault, not 512."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.buf: NDArray[np.uint8] | None = None
        self.used = 0
        #: the chunks' starts and host times, likewise gathered one batch after the other
        #: (room for a chunk per header's size of the file; pages never written cost nothing)
        self.rows: tuple[NDArray[np.int64], NDArray[np.float64]] | None = None
        self.chunks = 0

    def take_rows(self, k: int) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """The next ``k`` chunks' places for their starts and host times, to be written."""
        if self.rows is None:
            cap = self.size // CHUNK_HEAD.size + 1
            self.rows = (huge_empty(cap, np.int64), huge_empty(cap, np.float64))
        at = self.chunks
        self.chunks += k
        return self.rows[0][at : self.chunks], self.rows[1][at : self.chunks]

    def take(self, n: int) -> NDArray[np.uint8]:
        """The next ``n`` bytes of the buffer, to be written."""
        if self.buf is None:
            try:
                self.buf = huge_empty(max(2 * self.size, n), np.uint8)
            except MemoryError:  # no address space to spare: the data's size only
                self.buf = huge_empty(max(self.size, n), np.uint8)
        out = self.buf[self.used : self.used + n]
        self.used += n
        return out

    def view(self, start: int, stop: int) -> memoryview:
        assert self.buf is not None
        return self.buf[start:stop].data


class _Window:
    """A stretch of the file held in memory: bytes ``[base, base + len(buf))``. The file
    is read into the same buffer window after window (fresh memory costs more than the
    read itself), so a buffer returned by :meth:`at` is good until the next call. The
    buffer is numpy's (not a bytearray: numpy asks for huge pages for it, and nothing
    zero-fills it first): fresh memory costs a page fault per 4 KB otherwise, on a
    window of 8 MB as long as reading its bytes from the page cache."""

    def __init__(self, fh: BinaryIO, end: int, size: int) -> None:
        self.fh, self.end, self.size = fh, end, max(size, CHUNK_HEAD.size)
        self._store = np.empty(0, np.uint8)
        self.base, self.buf = 0, self._store.data

    def at(self, pos: int, need: int) -> tuple[memoryview, int]:
        """A buffer and its file offset holding ``need`` bytes from ``pos`` (fewer at the
        end of the file); read from the file only when the window does not hold them."""
        top = self.base + len(self.buf)
        if self.base <= pos and (pos + need <= top or top >= self.end):
            return self.buf, self.base
        self.fh.seek(pos)
        want = min(max(need, self.size), max(self.end - pos, 0))
        if self._store.size < want:
            self.buf, self._store = memoryview(b""), np.empty(0, np.uint8)  # the old one goes
            self._store = huge_empty(want, np.uint8)
        got = _read_into(self.fh, self._store[:want].data)
        self.buf = self._store[:got].data
        self.base = pos
        return self.buf, self.base


def _read_into(fh: BinaryIO, out: memoryview) -> int:
    """Bytes read from ``fh`` into ``out`` (a file object without ``readinto``: copied)."""
    readinto = getattr(fh, "readinto", None)
    if readinto is not None:
        return int(readinto(out))
    data = fh.read(len(out))
    out[: len(data)] = data
    return len(data)


def iter_stream(
    fh: BinaryIO,
    where: str,
    problems: StreamProblems,
    *,
    use_kernel: bool = True,
    window: int | None = None,
    sink: _Sink | None = None,
) -> Iterator[StreamData]:
    """The intact chunks of the stream file open in ``fh``, a window at a time (``WINDOW``
    bytes by default); what was skipped is added to ``problems`` (complete once the
    iterator is exhausted). With ``sink`` (:func:`read_whole`) the chunks' data is
    gathered into it, one batch after the other."""
    end = fh.seek(0, io.SEEK_END)
    fh.seek(0)
    head = fh.read(FILE_HEAD.size)
    if len(head) < FILE_HEAD.size or head[:8] != FILE_MAGIC:
        why = "it does not start as one"  # empty, or cut inside its header: said so
        if FILE_MAGIC.startswith(head[:8]) and len(head) < FILE_HEAD.size:
            why = f"it was cut short in its header ({len(head)} bytes)" if head else "it is empty"
        raise InputError(
            f"{where} is not a stride stream file: {why}", fix="restore it from a backup"
        )
    _, version, jlen = FILE_HEAD.unpack(head)
    if version > FORMAT_VERSION:
        raise InputError(f"{where} has stream format {version}", fix="upgrade stride")
    win = _Window(fh, end, window or WINDOW)
    scan = _kernel_scanner() if use_kernel else None
    pos = FILE_HEAD.size + jlen
    while pos < end:
        if scan is not None:
            buf, base = win.at(pos, CHUNK_HEAD.size)
            arr = np.frombuffer(buf, np.uint8)
            found, lengths, hosts, stop = scan(arr, pos - base)
            batch = _batch(arr, found, lengths, sink, hosts) if found.size else None
            del arr  # the window is re-read below: hold one copy of it, not two
            if batch is not None:
                yield batch
            pos = base + stop
            if pos >= end:
                break
        n = _chunk_at(win, pos)
        if n >= 0:  # a whole chunk: one past the window (kernel), or the next one (Python)
            if scan is None:
                buf, base = win.at(pos, CHUNK_HEAD.size + n)
                one = np.array([pos - base], np.int64)
                yield _batch(np.frombuffer(buf, np.uint8), one, np.array([n], np.int64), sink)
                pos += CHUNK_HEAD.size + n
            continue
        nxt = _next_good_chunk(win, pos + 1)
        if nxt < 0:
            problems.torn += 1
            problems.bytes_skipped += end - pos
            break
        problems.corrupt += 1
        problems.bytes_skipped += nxt - pos
        pos = nxt


def parse_stream_bytes(
    raw: bytes, where: str = "stream", *, use_kernel: bool = True, window: int | None = None
) -> tuple[StreamData, StreamProblems]:
    """A whole stream file given as bytes (tests, and files already in memory)."""
    problems = StreamProblems()
    parts = list(
        iter_stream(io.BytesIO(raw), where, problems, use_kernel=use_kernel, window=window)
    )
    return join(parts or [EMPTY]), problems


def _batch(
    buf: NDArray[np.uint8],
    found: NDArray[np.int64],
    lengths: Any,
    sink: _Sink | None = None,
    host_bits: NDArray[np.int64] | None = None,
) -> StreamData:
    """The chunks whose headers start at ``found`` in ``buf`` (data lengths ``lengths``,
    host times as the scanner read them, else read here), their data gathered into a new
    bytearray or the next bytes of ``sink``, their starts and host times into new arrays
    or the sink's next rows."""
    if sink is None:
        offsets, host_t = written(found.size, np.int64), written(found.size, np.float64)
    else:
        offsets, host_t = sink.take_rows(found.size)
    if host_bits is not None:  # (the scanner's memory, written again by its next scan)
        np.copyto(host_t, host_bits.view("<f8"))
    else:
        host_t[:] = buf[found[:, None] + np.arange(8, 16)].copy().view("<f8").reshape(-1)
    offsets[:1] = 0
    np.cumsum(lengths[:-1], out=offsets[1:])
    total = int(lengths.sum())
    data: bytearray | memoryview
    if sink is None:
        data = bytearray(total)  # written once, by the kernel: no extra copy
        out = np.frombuffer(data, np.uint8)
    else:
        out = sink.take(total)
        data = out.data
    _gather_parts(buf, found, lengths.astype(np.int64, copy=False), out, offsets)
    return StreamData(data, offsets, host_t.astype(np.float64, copy=False))


def _gather_parts(
    buf: NDArray[np.uint8],
    found: NDArray[np.int64],
    lengths: NDArray[np.int64],
    out: NDArray[np.uint8],
    offsets: NDArray[np.int64],
) -> None:
    """The chunks' data into ``out`` (``offsets``: where each goes): where
    :func:`devices.cores.read_threads` allows two threads and there are enough chunks, the
    second half on a thread of its own at once (the kernel releases the GIL)."""
    from devices.cores import in_two_parts
    from devices.recording._scan_kernels import _gather

    n = found.size

    def part(a: int, b: int) -> None:  # chunks a to b, into their stretch of ``out``
        end = int(offsets[b]) if b < n else out.size
        _gather(buf, found[a:b], lengths[a:b], out[int(offsets[a]) : end])

    in_two_parts(n, MIN_SPLIT_CHUNKS, part)


def read_whole(
    fh: BinaryIO, where: str, problems: StreamProblems, window: int | None = None
) -> StreamData:
    """The intact chunks of the stream file open in ``fh`` as one StreamData, their data
    gathered straight into one buffer (no joining copy; writable: it may be decoded in
    place)."""
    sink = _Sink(fh.seek(0, io.SEEK_END))
    parts = list(iter_stream(fh, where, problems, window=window, sink=sink))
    if not parts:
        return EMPTY
    return dataclasses.replace(join(parts, sink), room=sink.buf)


def _kernel_scanner() -> Callable[[NDArray[np.uint8], int], tuple[Any, Any, Any, int]]:
    """The numba chunk scanner (``use_kernel=False`` walks chunk by chunk in Python: the
    slow reference the kernel is tested against): (header positions, data lengths, host
    times' bits, where scanning stopped). Where :func:`devices.cores.read_threads` allows
    two threads, a window's second half is scanned at once from an intact chunk found
    there (:func:`_split_scan`). Imported when first needed: writing a recording (the
    simulator, a live session) does not load numba."""
    from devices.cores import read_threads
    from devices.recording._scan_kernels import _scan_chunks, crc32_tables

    tables = crc32_tables()
    room: list[Any] = []  # the outputs' memory, from window to window (read before the next)
    if read_threads() < 2:
        return lambda buf, pos: _scan_chunks(buf, pos, tables, buf.shape[0], room)
    rooms: tuple[list[Any], ...] = ([], [], [])  # the first part's, the second's, joined
    return lambda buf, pos: _split_scan(buf, pos, tables, rooms)


def _split_scan(
    buf: NDArray[np.uint8], pos: int, tables: Any, rooms: tuple[list[Any], ...]
) -> tuple[Any, Any, Any, int]:
    """The scan of ``buf`` from ``pos`` in two parts at once: from ``pos`` up to an intact
    chunk found half way (its magic and CRC check), and from that chunk on a thread of its
    own. The second part counts only where the first one's walk lands on that chunk
    exactly (else the first walk goes on past it alone): the result of one walk.
    ``rooms``: the outputs' memory from one window to the next (the first part's, the
    second's, and the two joined; see ``_scan_chunks``): the results are views of it."""
    from devices.recording._scan_kernels import _scan_chunks, reused_rows

    n = buf.shape[0]
    mid = _chunk_from(buf, pos + (n - pos) // 2, tables) if n - pos >= MIN_SPLIT else -1
    if mid < 0:
        return _scan_chunks(buf, pos, tables, n, rooms[0])
    later: list[Any] = []
    helper = threading.Thread(
        target=lambda: later.extend(_scan_chunks(buf, mid, tables, n, rooms[1]))
    )
    helper.start()
    try:
        found, lengths, hosts, stop = _scan_chunks(buf, pos, tables, mid, rooms[0])
    finally:
        helper.join()
    if stop < mid:  # damage before the second part: the scan stops there
        return found, lengths, hosts, stop
    if stop > mid or len(later) != 4:  # the walk went past the chunk found (not one of
        later = list(_scan_chunks(buf, stop, tables, n, rooms[1]))  # the stream's own)
    k = found.size + later[0].size
    joined = reused_rows(rooms[2], k)[:, :k]
    for whole, a, b in zip(joined, (found, lengths, hosts), later[:3], strict=True):
        whole[: a.size] = a
        whole[a.size :] = b
    return joined[0], joined[1], joined[2], int(later[3])


def _chunk_from(buf: NDArray[np.uint8], at: int, tables: Any) -> int:
    """Where the first intact chunk (its magic, then its CRC) starts in the 64 kB of
    ``buf`` from ``at``, or -1."""
    from devices.recording._scan_kernels import _scan_chunks

    part = buf[at : at + 65536]
    magic = np.frombuffer(CHUNK_MAGIC, np.uint8)
    hits = part[:-3] == magic[0]
    for i in range(1, 4):
        hits &= part[i : part.size - 3 + i] == magic[i]
    for cand in (at + np.flatnonzero(hits)[:8]).tolist():
        if _scan_chunks(buf, cand, tables, cand + 1)[0].size:
            return int(cand)
    return -1


def _chunk_at(win: _Window, pos: int) -> int:
    """Data length of an intact chunk at file offset ``pos``, or -1."""
    hs = CHUNK_HEAD.size
    buf, base = win.at(pos, hs)
    r = pos - base
    if len(buf) - r < hs or buf[r : r + 4] != CHUNK_MAGIC:
        return -1
    _, n, host_t, crc = CHUNK_HEAD.unpack_from(buf, r)
    if n > MAX_CHUNK or pos + hs + n > win.end:
        return -1
    buf, base = win.at(pos, hs + n)
    r = pos - base
    return int(n) if chunk_crc(n, host_t, memoryview(buf)[r + hs : r + hs + n]) == crc else -1


def _next_good_chunk(win: _Window, start: int) -> int:
    """File offset of the next chunk whose CRC checks, or -1; scans window by window."""
    pos = start
    while pos < win.end:
        buf, base = win.at(pos, len(CHUNK_MAGIC))
        found = _MAGIC.search(buf, pos - base)  # (a memoryview has no find)
        hit = -1 if found is None else found.start()
        if hit < 0:
            top = base + len(buf)
            if top >= win.end:
                return -1
            pos = max(pos + 1, top - len(CHUNK_MAGIC) + 1)  # the magic may straddle windows
            win.at(pos, win.size)
            continue
        cand = base + hit
        if _chunk_at(win, cand) >= 0:
            return cand
        pos = cand + 1
    return -1


def load_kernels() -> None:
    """Load (on a first run: compile) the chunk scanner's kernels now, by reading a
    one-chunk stream, so that a timed read measures reading, not numba loading them."""
    from devices.recording.layout import pack_chunk

    head = FILE_HEAD.pack(FILE_MAGIC, FORMAT_VERSION, 2) + b"{}"
    parse_stream_bytes(head + pack_chunk(b"\x00", 0.0), "a one-chunk stream")
