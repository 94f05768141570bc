"""The ``--profile`` help of the ``stride sim`` commands: the gait profiles by name.

Written out here (standard library only) so that ``stride sim session --help`` lists them
without importing the simulator (``sim.profiles`` loads numpy); a test keeps it equal to
``sim.profiles.PROFILES`` (and its default severity).
"""

from __future__ import annotations

#: The names of ``sim.profiles.PROFILES``, in its order.
PROFILE_NAMES = (
    "healthy",
    "antalgic-left",
    "antalgic-right",
    "hemiparetic-left",
    "hemiparetic-right",
    "parkinsonian",
    "drop-foot-left",
    "drop-foot-right",
    "huntington",
)


#: ``sim.profiles.DEFAULT_SEVERITY``: the severity of a profile named without one.
DEFAULT_SEVERITY = 0.5


def profile_help(what: str = "Gait profile") -> str:
    """``--profile``'s help: the syntax, every name, the severity taken when none is given
    and the custom form."""
    return (
        f"{what}, NAME:SEVERITY (severity 0-1; {DEFAULT_SEVERITY:g} when left out, healthy "
        f"0), e.g. antalgic-left:0.4; NAME one of "
        f"{', '.join(PROFILE_NAMES)}; or custom:step_length=10,stance=-8 (docs/simulation.md)."
    )
