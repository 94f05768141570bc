"""What a number needs to be read: minimum counts and normal ranges, each with its source.

One place for the reference values the summary, the history, the reports and the command
line print beside a number (docs/metrics.md, "Reading the numbers", lists them too).
"""

from __future__ import annotations

#: DFA alpha of a stride-interval series needs about 600 strides to tell normal from
#: pathological walking (Damouras et al. 2010, Gait Posture 31:336-340; the figure quoted by
#: Kuznetsov & Rhea 2017, PLoS ONE 12:e0174144). Below it the value is printed with a caveat.
DFA_MIN_STRIDES = 600
DFA_SOURCE = "Damouras et al. 2010"

#: DFA alpha of healthy young adults' stride intervals, mean +/- 1 SD: 0.87 +/- 0.15; healthy
#: elderly 0.68 +/- 0.14; a shuffled series about 0.5 (Hausdorff et al. 1997).
DFA_HEALTHY_YOUNG = (0.72, 1.02)

#: Stride-time coefficient of variation of healthy adults, about 2-4 % (docs/gait-metrics.md).
#: Checked on real walkers: the database's stride tables of the 8 healthy controls of
#: PhysioNet's gaitndd (Hausdorff et al. 2000, J Appl Physiol 88:2045), shipped in
#: data/physionet, give 1.3-3.5 % a foot, every patient group's median foot above 4 %
#: (``python benchmarks/stride_cv_controls.py``; tests/test_stride_cv_band.py).
STRIDE_CV_NORMAL_PCT = (2.0, 4.0)
#: As printed beside the band in the reports, which a patient or a referrer reads: the
#: measured range with a paper one can look up (not a file of this repository).
STRIDE_CV_SOURCE = (
    "1.3-3.5 % a foot in the 8 healthy controls of Hausdorff et al. 2000, J Appl Physiol 88:2045"
)

#: Cadence of healthy adults, steps/min (Mobilise-D literature ranges, docs/gait-metrics.md).
CADENCE_NORMAL_SPM = (90.0, 170.0)
CADENCE_SOURCE = "Mobilise-D literature ranges"

#: Normal left/right ratio of temporal and spatial gait measures, 0.9-1.1 (Patterson et al.
#: 2008), as a symmetry index: SI = 200 (r - 1) / (r + 1), so |SI| <= 9.52 %.
SYMMETRY_RATIO_NORMAL = (0.9, 1.1)
NORMAL_SI = 200.0 * (1.1 - 1.0) / (1.1 + 1.0)
SYMMETRY_SOURCE = "Patterson et al. 2008"


def si_within(si: float, limit: float = NORMAL_SI) -> bool:
    """Whether the symmetry index ``si`` (%) is within ``limit``, judged as it is shown, to
    one decimal (-9.53 is shown -9.5: within), so a tick never contradicts its figure."""
    return abs(round(si, 1)) <= limit


#: A change between two measurements of the same person is beyond measurement noise, with
#: 95 % confidence, when it exceeds 1.96 x sqrt(2) x the within-subject SD (the repeatability
#: coefficient, Bland & Altman 1996, BMJ 313:744; the minimal detectable change MDC95).
MDC95_FACTOR = 1.96 * 2.0**0.5

#: Trend slopes need at least this many sessions: two points always fit a line exactly.
MIN_SESSIONS_FOR_TREND = 3


def dfa_reading(alpha: dict[str, object]) -> str:
    """DFA alpha of both feet as a person should read it: each value with its strides, and
    the caveat when a foot has fewer than :data:`DFA_MIN_STRIDES` (``alpha`` is the
    summary's ``variability.dfa_alpha``)."""
    counts = alpha.get("n")
    counts = counts if isinstance(counts, dict) else {}
    parts, strides = [], []
    short = False
    for side in ("L", "R"):
        value, n = alpha.get(side), counts.get(side)
        strides.append(f"{n} strides" if isinstance(n, int) else "strides unknown")
        shown = f"{value:.2f}" if isinstance(value, int | float) else "not computed"
        parts.append(f"{side} {shown} ({strides[-1]})")
        short = short or not (isinstance(n, int) and n >= DFA_MIN_STRIDES)
    if not any(isinstance(alpha.get(side), int | float) for side in ("L", "R")):
        return (  # too few strides on both feet: no value, so nothing to caution about
            f"DFA alpha not computed ({strides[0]} left, {strides[1]} right): fewer than "
            f"the {DFA_MIN_STRIDES} strides DFA needs ({DFA_SOURCE})"
        )
    text = "DFA alpha " + ", ".join(parts)
    if short:
        text += (
            f": fewer than the {DFA_MIN_STRIDES} strides DFA needs ({DFA_SOURCE}), "
            "not to be read as a finding"
        )
    else:
        lo, hi = DFA_HEALTHY_YOUNG
        text += f" (healthy young adults {lo:.2f}-{hi:.2f}, Hausdorff et al. 1997)"
    return text
