"""Giving freed memory back to the system between the large steps of reading a recording.

Arrays of a few MB (the reader's windows, the per-block arrays the decoder's kernels
allocate) live in the C heap, which keeps freed memory for reuse. When the next step needs
larger arrays than those (the widened forces, the analysis' own), it takes new pages while
the freed ones stay counted: on an hour's session, a third of the recording's size.
"""

from __future__ import annotations

from typing import Any

_TRIM: Any = None


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
