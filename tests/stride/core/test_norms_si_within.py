"""A symmetry index judged within the normal range as it is shown, to one decimal: the
dashboard, the session summary and the session report tick the same figures."""

from __future__ import annotations

import pytest

from stride.core.norms import NORMAL_SI, si_within


@pytest.mark.parametrize(
    ("si", "limit", "within"),
    [
        (-9.53, NORMAL_SI, True),  # shown -9.5: within, although |-9.53| > 9.524
        (9.52, NORMAL_SI, True),
        (9.56, NORMAL_SI, False),  # shown 9.6
        (-12.0, NORMAL_SI, False),
        (0.0, NORMAL_SI, True),
        (14.96, 15.0, True),  # a session's own tolerance (the dashboard's)
        (15.05, 15.0, False),  # shown 15.1 (15.05 is stored just above)
    ],
)
def test_si_within_is_judged_as_shown(si: float, limit: float, within: bool) -> None:
    assert si_within(si, limit) is within
