"""Step rows back into a steps table: the inverse of :meth:`StepTable.rows`.

A consumer that sees only the emitted rows (a session observer, the walker's view) can then
summarise them with the one summary builder (:func:`stride.core.summary.summarize`)
instead of a second set of formulas. Rows are taken one at a time into growing columns
(constant work per row); :meth:`RowTable.table` makes the arrays when a summary is asked for.

What a row does not carry is not invented: ``contact`` (the analyser's contact index, used
by no summary) becomes the row's position among its foot's rows, and flags that are not
table flags (``belt-unknown``, added to rows after the analysis) are left out, as the
analysis' own summary leaves them out.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import numpy as np

from stride.core.rollover import CONTACT_TYPES, UNKNOWN
from stride.core.steps import FLAG_NAMES, FLOAT_COLUMNS, StepTable

_SIDE_CODES = {"L": 0, "R": 1}
_FLAG_BITS = {name: bit for bit, name in FLAG_NAMES}
_CONTACT_CODES = {name: code for code, name in CONTACT_TYPES.items()}


def _float(value: object) -> float:
    """A row's number as a float; None, text and booleans are NaN (not measurable)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return math.nan
    return float(value)


class RowTable:
    """Step rows collected as columns, turned into a :class:`StepTable` on demand."""

    def __init__(self) -> None:
        self.side: list[int] = []
        self.contact: list[int] = []
        self.flags: list[int] = []
        self.contact_type: list[int] = []
        self.on_target: list[int] = []
        self.values: dict[str, list[float]] = {k: [] for k in FLOAT_COLUMNS}
        self._per_side = [0, 0]
        self.skipped = 0

    def __len__(self) -> int:
        return len(self.side)

    def add(self, row: Mapping[str, object]) -> None:
        """One step row (docs/formats.md); a row without side ``L``/``R`` is counted in
        :attr:`skipped`, as the session's own state skips it."""
        code = _SIDE_CODES.get(str(row.get("side")))
        if code is None:
            self.skipped += 1
            return
        self.side.append(code)
        self.contact.append(self._per_side[code])
        self._per_side[code] += 1
        names = row.get("flags") or ()
        bits = 0
        for name in names if isinstance(names, list | tuple) else ():
            bits |= _FLAG_BITS.get(str(name), 0)
        self.flags.append(bits)
        self.contact_type.append(_CONTACT_CODES.get(str(row.get("contact_type")), UNKNOWN))
        on = row.get("on_target")
        self.on_target.append(int(on) if isinstance(on, bool) else -1)
        for key, column in self.values.items():
            column.append(_float(row.get(key)))

    def extend(self, rows: Iterable[Mapping[str, object]]) -> RowTable:
        for row in rows:
            self.add(row)
        return self

    def table(self) -> StepTable:
        """The rows so far as a steps table (copies: later rows do not change it)."""
        return StepTable(
            np.asarray(self.side, np.int8),
            np.asarray(self.contact, np.int64),
            np.asarray(self.flags, np.uint16),
            np.asarray(self.contact_type, np.int8),
            np.asarray(self.on_target, np.int8),
            {k: np.asarray(v, np.float64) for k, v in self.values.items()},
        )


def table_from_rows(rows: Iterable[Mapping[str, object]]) -> StepTable:
    """The steps table of ``rows`` (see the module docstring)."""
    return RowTable().extend(rows).table()
