"""The JSON document of ``stride analyze --json`` as text, built column by column.

The same bytes as ``json.dumps(notes.add_to(document(result, timing)), allow_nan=False)``
(:func:`stride.analysis.document`), made without a dict per step: an hour's 5 765 steps
were 100 000 values put one by one into dicts, made JSON-safe one by one, then walked
again by ``json.dumps``. Here each column of the steps table becomes the JSON text of its
values at once (``tolist`` floats, whose ``repr`` is what ``json.dumps`` writes; a value
that is not finite is ``null``, as :func:`stride.core.rows.json_safe` makes it), and a
row is one ``%`` format of its columns' texts, keys in :data:`STEP_COLUMNS` order.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from stride.core.rollover import CONTACT_TYPES
from stride.core.rows import STEP_COLUMNS, json_safe

if TYPE_CHECKING:
    from stride.analysis import ReadNotes, Timing
    from stride.core.analyzer import Analysis
    from stride.core.steps import StepTable

#: The keys a step row has without a target (with one, all of :data:`STEP_COLUMNS`).
_PLAIN_COLUMNS = tuple(k for k in STEP_COLUMNS if k not in ("target_error_m", "on_target"))


def _dumps(value: object) -> str:
    return json.dumps(value, allow_nan=False)


def _coded(codes: np.ndarray, meaning: Callable[[int], object]) -> list[str]:
    """The JSON text of each code's meaning, each distinct code converted once."""
    values = codes.tolist()
    text = {c: _dumps(meaning(c)) for c in set(values)}
    return [text[c] for c in values]


def _numbers(column: np.ndarray) -> list[str]:
    """The JSON text of a float column as the step rows carry it: ``repr`` of each value
    (``json.dumps``'s own float text), ``null`` where it is not finite."""
    values = column.tolist()
    if column.dtype.kind != "f":  # a column of another dtype: each value as a row has it
        return [_dumps(json_safe(None if v != v else v)) for v in values]
    text = list(map(float.__repr__, values))
    for i in np.flatnonzero(~np.isfinite(column)).tolist():
        text[i] = "null"
    return text


def _flags(names: Sequence[list[str]]) -> list[str]:
    """The JSON text of each row's flag names, each distinct list encoded once."""
    seen: dict[Hashable, str] = {}
    out = []
    for row in names:
        key = tuple(row)
        text = seen.get(key)
        if text is None:
            text = seen[key] = _dumps(row)
        out.append(text)
    return out


def steps_text(table: StepTable, with_target: bool, flags: Sequence[list[str]]) -> str:
    """The JSON text of the step rows of ``table`` (:meth:`StepTable.rows`), with each
    row's ``flags`` as given (:meth:`Analysis.step_flags`)."""
    keys = STEP_COLUMNS if with_target else _PLAIN_COLUMNS
    columns: dict[str, list[str]] = {
        "side": _coded(table.side, lambda s: "LR"[int(s)]),
        "flags": _flags(flags),
        "contact_type": _coded(table.contact_type, lambda c: CONTACT_TYPES.get(int(c))),
    }
    if with_target:
        columns["on_target"] = _coded(
            table.on_target, lambda t: None if int(t) < 0 else bool(int(t))
        )
    for key in keys:
        if key not in columns:
            columns[key] = _numbers(table.values[key])
    row = "{" + ", ".join(f"{_dumps(k)}: %s" for k in keys) + "}"
    rows = zip(*(columns[k] for k in keys), strict=True)
    return "[" + ", ".join([row % cells for cells in rows]) + "]"


def document_text(
    result: Analysis,
    timing: Timing | None,
    notes: ReadNotes,
    head: Mapping[str, object] | None = None,
) -> str:
    """``json.dumps(notes.add_to({**head, **document(result, timing)}), allow_nan=False)``,
    byte for byte, with ``timing`` (where given) also carrying ``output_s``: the seconds
    spent making the summary's and the steps' text (docs/formats.md)."""
    t0 = time.perf_counter()
    parts = [(k, _dumps(v)) for k, v in (head or {}).items()]
    parts.append(("summary", _dumps(json_safe(result.summary))))
    with_target = "target" in result.summary
    parts.append(("steps", steps_text(result.steps, with_target, result.step_flags())))
    if timing is not None:
        said = {**timing.as_dict(), "output_s": time.perf_counter() - t0}
        parts.append(("timing", _dumps(json_safe(said))))
    parts += [(k, _dumps(v)) for k, v in notes.add_to({}).items()]
    return "{" + ", ".join(f"{_dumps(k)}: {text}" for k, text in parts) + "}"


def write_out(text: str) -> None:
    """``text`` and a line end to stdout in one write of its bytes (what ``typer.echo``
    wrote, without its pass over the text for terminal colour codes a JSON text cannot
    hold, since ``json.dumps`` escapes control characters)."""
    out = sys.stdout
    raw = getattr(out, "buffer", None)
    if raw is None or sys.platform == "win32":  # text only, or line ends translated
        out.write(text + "\n")
        out.flush()
        return
    out.flush()
    raw.write((text + "\n").encode())  # ASCII: json.dumps escapes the rest
    raw.flush()
