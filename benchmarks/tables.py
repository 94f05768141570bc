"""The benchmarks' tables, printed one way: as Markdown (``--markdown``, for the docs) or
as plain columns padded to their widest cell (for a terminal)."""

from __future__ import annotations

from collections.abc import Sequence


def print_table(head: Sequence[str], rows: Sequence[Sequence[str]], markdown: bool) -> None:
    """``head`` and ``rows`` (cells as text) on stdout."""
    if markdown:
        print("| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
        for c in rows:
            print("| " + " | ".join(c) + " |")
        return
    widths = [max(len(h), *(len(c[i]) for c in rows)) for i, h in enumerate(head)]
    for c in [head, *rows]:
        print("  ".join(v.ljust(w) for v, w in zip(c, widths, strict=True)))
