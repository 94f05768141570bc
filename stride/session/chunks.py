"""Chunks waiting for the analysis: joined where that leaves the steps unchanged.

When the analysis falls behind (a loaded machine, a simulator at a speedup), the live
session takes everything waiting and feeds each run of one stream's chunks as one chunk:
the same steps where any chunking gives the same analysis, a fraction of the per-feed cost.
"""

from __future__ import annotations

#: Most bytes joined into one feed when chunks have queued up (keeps one pass short).
MAX_JOIN_BYTES = 1 << 20
#: A queued chunk: stream, bytes, host time (recorded), arrival (perf_counter, for latency).
Chunk = tuple[str, bytes, float, float]


def join_runs(chunks: list[Chunk], max_bytes: int = MAX_JOIN_BYTES) -> list[Chunk]:
    """Consecutive chunks of one stream joined into one (bytes concatenated, the host time
    and arrival of the last), up to ``max_bytes`` each; an empty chunk (the mark of a
    reopened port) stays alone, so the bytes before and after it are never joined. The
    order across streams is kept exactly, so the analysis sees the streams interleaved as
    the host stamped them."""
    runs: list[list[Chunk]] = []
    size = 0
    for c in chunks:
        joins = bool(runs) and bool(c[1]) and bool(runs[-1][-1][1])
        if joins and runs[-1][-1][0] == c[0] and size + len(c[1]) <= max_bytes:
            runs[-1].append(c)
            size += len(c[1])
        else:
            runs.append([c])
            size = len(c[1])
    return [(r[-1][0], b"".join(c[1] for c in r), r[-1][2], r[-1][3]) for r in runs]


def chunking_is_free(pipeline: object) -> bool:
    """Whether joining chunks leaves this pipeline's steps unchanged (its
    ``chunking_is_free``; a pipeline that does not say is fed chunk by chunk)."""
    return getattr(pipeline, "chunking_is_free", False) is True
