"""The walking-target options, the same on ``live``, ``demo``, ``analyze`` and ``report``.

``--spacing M`` alone means two lines per step everywhere; the options become a
:class:`stride.core.targets.Target` in one place (:meth:`Target.from_options`). Options
that do not fit together are a usage error (exit 2), implausible values bad input (exit 1).
Imports only typer and the standard library at module level.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from stride.core.targets import Target

Spacing = Annotated[
    float | None,
    typer.Option(
        "--spacing",
        help="Parallel-line spacing, m: target step length = spacing x lines per step.",
    ),
]
LinesPerStep = Annotated[
    int | None, typer.Option("--lines-per-step", help="Lines per step (with --spacing; default 2).")
]
StepLength = Annotated[
    float | None,
    typer.Option("--step-length", help="Target step length, m (instead of --spacing)."),
]
Tolerance = Annotated[
    float | None, typer.Option("--tolerance", help="Target tolerance, m (default 0.05).")
]
Cadence = Annotated[float | None, typer.Option("--cadence", help="Target cadence, steps/min.")]


def target_from_cli(
    spacing: float | None,
    lines_per_step: int | None,
    step_length: float | None,
    tolerance: float | None,
    cadence: float | None,
) -> Target | None:
    """The target of the options (None without any); a bad mix is a usage error."""
    from stride.core.targets import Target, TargetOptionError

    try:
        return Target.from_options(
            spacing_m=spacing,
            lines_per_step=lines_per_step,
            step_length_m=step_length,
            tolerance_m=tolerance,
            cadence_spm=cadence,
        )
    except TargetOptionError as err:
        raise typer.BadParameter(str(err)) from err
