"""Progress of a long cohort run: a rich progress bar on stderr."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)


@contextmanager
def progress_bar(show: bool, total: int, fast: bool) -> Iterator[Callable[[int], None]]:
    """A rich progress bar on stderr (patients in --fast mode, sessions otherwise)."""
    if not show:
        yield lambda n: None
        return

    what = "patients" if fast else "sessions"
    with Progress(
        TextColumn(f"simulating {what}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
    ) as bar:
        task = bar.add_task(what, total=total)
        yield lambda n: bar.advance(task, n)
