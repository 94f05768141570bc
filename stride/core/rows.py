"""The step row: one step as the JSON output and ``steps.csv`` carry it (docs/formats.md).

:class:`StepRow` is the one definition of a step's keys; :data:`STEP_COLUMNS` (the CSV
header, in order) is derived from it, so the core's rows, the live session's JSON lines,
``steps.csv``, the report and the simulator's ``truth_steps.csv`` (whose first columns are
:data:`SHARED_COLUMNS`; ``sim`` cannot import stride, so a test compares the two) cannot
drift apart. Scripts read these keys: they keep their names and meaning; keys may be added.

Also here, because every writer of the contract needs them: :func:`json_safe` (JSON has no
NaN) and :func:`steps_csv_text` (the one CSV format, whoever writes it).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Mapping
from typing import NotRequired, TypedDict


class StepRow(TypedDict):
    """One step, ended by the initial contact (IC) of ``side``; ``None`` = not measurable.

    Keys in CSV order. ``target_error_m`` and ``on_target`` are present when a target is
    set; ``confidence`` (0..1) where the contact detector provides it.
    """

    side: str
    ic_s: float | None
    fc_s: float | None
    step_time_s: float | None
    stride_time_s: float | None
    stance_s: float | None
    swing_s: float | None
    step_length_m: float | None
    stride_length_m: float | None
    flags: list[str]
    target_error_m: NotRequired[float | None]
    on_target: NotRequired[bool | None]
    double_support_initial_s: float | None
    double_support_terminal_s: float | None
    contact_type: str | None
    heel_toe_s: float | None
    impulse: float | None
    peak: float | None
    confidence: NotRequired[float | None]


#: Every key of a step row, in the order of the ``steps.csv`` header.
STEP_COLUMNS: tuple[str, ...] = tuple(StepRow.__annotations__)
#: The first columns, shared with the simulator's ``truth_steps.csv`` in this order.
SHARED_COLUMNS: tuple[str, ...] = STEP_COLUMNS[: STEP_COLUMNS.index("flags")]
#: Keys holding a number (seconds, metres, newton-seconds...) or None.
NUMERIC_COLUMNS: tuple[str, ...] = tuple(
    k for k in STEP_COLUMNS if k not in ("side", "flags", "on_target", "contact_type")
)


def json_safe(obj: object) -> object:
    """``obj`` ready for ``json.dumps(allow_nan=False)``: NaN and infinities become null,
    numpy scalars plain numbers, tuples lists; mappings keep their (string) keys."""
    # The plain types first, by exact type (an hour's step rows are 100 000 values, and
    # the Mapping check is slow); subclasses (numpy's float64) take the general path.
    kind_of = type(obj)
    if kind_of is float:
        return obj if math.isfinite(obj) else None  # type: ignore[arg-type]
    if obj is None or kind_of is str or kind_of is int or kind_of is bool:
        return obj
    if kind_of is dict:
        return {str(k): json_safe(v) for k, v in obj.items()}  # type: ignore[attr-defined]
    if kind_of is list:
        return [json_safe(v) for v in obj]  # type: ignore[attr-defined]
    if isinstance(obj, Mapping):
        return {str(k): json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [json_safe(v) for v in obj]
    if obj is None or isinstance(obj, bool | str | int):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    kind = getattr(getattr(obj, "dtype", None), "kind", None)
    if kind in ("i", "u"):
        return int(obj)  # type: ignore[call-overload]
    if kind == "b":
        return bool(obj)
    try:
        f = float(obj)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(obj)
    return f if math.isfinite(f) else None


def _cell(value: object) -> str:
    """One CSV field: empty for a missing value, full precision for a number."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return "" if math.isnan(value) else repr(value)
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    return str(value)


def steps_csv_text(rows: Iterable[Mapping[str, object]]) -> str:
    """``steps.csv`` from step rows: :data:`STEP_COLUMNS` as the header, ``flags`` joined
    with ``;``, ``on_target`` as 1/0, a key a row lacks as an empty field."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(STEP_COLUMNS)
    for row in rows:
        w.writerow([_cell(row.get(c)) for c in STEP_COLUMNS])
    return buf.getvalue()
