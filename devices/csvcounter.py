"""A DIY board's frame counter: how many lines were lost between two of its values.

Boards count their lines in a byte, a uint16 or a uint32, so the counter wraps at 256,
65536 or 2**32 (a byte counter every 2.56 s at 100 Hz). A step back that lands at most
``WRAP_LOST`` lines past such a wrap is the wrap (the lines in between were lost); any other
step back, or a jump ahead of more than ``JUMP`` lines, is a counter reset or a corrupt
digit: :func:`lines_lost` says None, and the caller counts the lines lost by the time
column where there is one (docs/protocol.md, "CSV lines from DIY boards").
"""

from __future__ import annotations

from typing import Final

JUMP: Final = 100_000
WRAP_LOST: Final = 100
MODULI: Final = (1 << 8, 1 << 16, 1 << 32)


def lines_lost(last: int, seq: int) -> int | None:
    """Lines lost between counter values ``last`` and ``seq`` (0: consecutive); None when
    the counter jumped (reset, corrupt digit)."""
    d = seq - last - 1
    if 0 <= d <= JUMP:
        return d
    for m in MODULI:
        if 0 <= last < m and 0 <= seq < m and 0 <= d + m <= WRAP_LOST:
            return d + m
    return None


def went_back(last: int | None, seq: int | None) -> bool:
    """The counter stepped back, and not by wrapping: the board started counting again."""
    return last is not None and seq is not None and seq < last and lines_lost(last, seq) is None
