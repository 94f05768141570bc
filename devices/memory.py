"""Giving freed memory back to the system between the large steps of reading a recording.

Arrays of a few MB (the reader's windows, the per-block arrays the decoder's kernels
allocate) live in the C heap, which keeps freed memory for reuse. When the next step needs
larger arrays than those (the widened forces, the analysis' own), it takes new pages while
the freed ones stay counted: on an hour's session, a third of the recording's size.
And a large array done with in part (the recorded bytes past the counts decoded over
them) can give those pages back at once (:func:`release_pages`).
"""

from __future__ import annotations

import mmap
import sys
from typing import Any

import numpy as np
from numpy.typing import NDArray

_TRIM: Any = None
_MADVISE: Any = None


def return_freed_memory() -> None:
    """Give the C heap's free memory back to the system: glibc's ``malloc_trim(0)``;
    elsewhere (no such function) nothing."""
    global _TRIM
    if _TRIM is None:
        import ctypes

        try:
            _TRIM = getattr(ctypes.CDLL(None), "malloc_trim", False)
        except (OSError, TypeError):  # no C library to ask (Windows: CDLL(None) fails)
            _TRIM = False
    if _TRIM:
        _TRIM(0)


def release_pages(buf: NDArray[np.uint8]) -> None:
    """Give the whole pages inside ``buf`` (memory of this process's own, not a mapped
    file) back to the system now: their contents are done with, and read as zeros
    afterwards (writing them takes new pages). For a large array whose first part is
    still used and whose rest is not, e.g. a buffer's bytes once decoded. Linux's
    ``madvise(MADV_DONTNEED)``; elsewhere nothing."""
    _advise(buf, getattr(mmap, "MADV_DONTNEED", None))  # zero-fill afterwards: Linux's meaning


#: Arrays smaller than this are made as they are (:func:`written`): their pages are few.
POPULATE_MIN = 256 << 10
#: ``madvise``'s advice to take a stretch's pages for writing now (Linux 5.14).
MADV_POPULATE_WRITE = 23


def written(shape: int | tuple[int, ...], dtype: Any) -> NDArray[Any]:
    """``np.empty(shape, dtype)`` for an array about to be written whole, its fresh pages
    taken now, in one system call: a page fault per 4 KB on its first writes costs more
    than writing it (taken together, about half as much). From 2 MB on it starts at a
    huge page's boundary (:func:`huge_empty`), so its whole 2 MB stretches come as huge
    pages, one fault each instead of 512. The memory is the pages it would take anyway
    (those already held, e.g. reused from the C heap, as they are). From
    ``POPULATE_MIN`` bytes; Linux's ``madvise(MADV_POPULATE_WRITE)`` (5.14); elsewhere,
    or on an older kernel, as ``np.empty``."""
    dt = np.dtype(dtype)
    a = huge_empty(shape, dt)
    if a.nbytes >= POPULATE_MIN:
        _advise(a.reshape(-1).view(np.uint8), MADV_POPULATE_WRITE)
    return a


def _advise(buf: NDArray[np.uint8], advice: int | None) -> None:
    """``madvise(advice)`` over the whole pages inside ``buf`` (Linux; errors ignored)."""
    global _MADVISE
    if advice is None or not sys.platform.startswith("linux") or not buf.flags.c_contiguous:
        return
    page = mmap.PAGESIZE
    start = buf.__array_interface__["data"][0]
    first = -(-start // page) * page
    last = (start + buf.nbytes) // page * page
    if last <= first:
        return
    if _MADVISE is None:
        import ctypes

        found = getattr(ctypes.CDLL(None, use_errno=True), "madvise", None)
        if found is not None:
            found.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int)
        _MADVISE = found or False
    if _MADVISE:
        _MADVISE(first, last - first, advice)


def small_pages_empty(shape: int | tuple[int, ...], dtype: Any) -> NDArray[Any]:
    """``np.empty(shape, dtype)`` whose pages are taken 4 KB at a time as it is written, never
    a huge page ahead of the writing (numpy asks for huge pages from 4 MB): for arrays
    written a part at a time while others shrink, so that the memory held follows what
    is written (a page fault per 4 KB: about a microsecond each)."""
    a = np.empty(shape, dtype)
    if a.nbytes >= HUGE_PAGE:
        _advise(a.reshape(-1).view(np.uint8), getattr(mmap, "MADV_NOHUGEPAGE", None))
    return a


#: The size of a huge page (Linux's transparent huge pages on x86-64 and arm64).
HUGE_PAGE = 2 << 20


def huge_empty(shape: int | tuple[int, ...], dtype: Any) -> NDArray[Any]:
    """``np.empty(shape, dtype)``, starting at a huge page's boundary where it takes a
    huge page or more, its whole 2 MB stretches asked for as huge pages (the stretch
    before the first boundary in an array, and after the last, would take a page fault
    per 4 KB: up to a thousand, each costing more than writing the page). The stretch
    after its last boundary is told to take small pages: a huge page there would hold up
    to 2 MB the array never writes. The 2 MB more reserved for the alignment are never
    touched: they cost address space, not memory."""
    dt = np.dtype(dtype)
    size = int(np.prod(shape)) * dt.itemsize
    if size < HUGE_PAGE:
        return np.empty(shape, dt)
    raw = np.empty(size + HUGE_PAGE, np.uint8)
    at = -raw.__array_interface__["data"][0] % HUGE_PAGE
    whole = size // HUGE_PAGE * HUGE_PAGE
    _advise(raw[at : at + whole], getattr(mmap, "MADV_HUGEPAGE", None))
    _advise(raw[at + whole :], getattr(mmap, "MADV_NOHUGEPAGE", None))
    return raw[at : at + size].view(dt).reshape(shape)
