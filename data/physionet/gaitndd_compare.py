# Provenance: the comparison method of the validation data's README (the folder these
# PhysioNet records were copied from), shipped unchanged below this note so that the accuracy
# figure is reproducible from a clone. See data/physionet/README.md.
"""Compare stride intervals found by a detector with the gaitndd .ts tables (the yardstick for
the accuracy figures).

The .ts rows are timed at the left-foot contact that ends each left stride; the right-side
intervals are paired with the left ones by order, not by a fixed time offset (their phase drifts
by up to a stride over a record). So each side's detected strides are aligned with the reference
sequence by dynamic programming: order is kept, a detected stride may pair with a reference row
only if it ends within 1.6 median strides of the row's time (after removing the record's typical
offset), pairing costs the interval difference, and leaving a row or a detected stride unpaired
costs 50 ms (so pairs differing by more than 100 ms are never made). Reported per side:
rows matched, rows in total, the absolute interval errors of the pairs, and the detected strides
inside the reference's time span that paired with nothing (extra detections).
Reference rows whose interval lies outside 0.4-3.0 s (pauses, or a foot the database's own
processing got wrong) are left out, and so are rows inside a run of five or more identical
consecutive intervals (a stretch the table fills with one value where its sensor gave nothing
usable, e.g. als5 right from about 168 s); a record-side with fewer than half of its rows valid
is left out whole.

evaluate(ts_path, steps) -> {side: (matched, total, errors, extra)}; steps: dicts with side,
ic_s, stride_time_s (None where not measurable)."""
import numpy as np

GAP = 0.05


def _align(ref_t, ref_int, ic, stride, reach):
    n, m = len(ref_t), len(ic)
    cost = np.full((n + 1, m + 1), np.inf)
    move = np.zeros((n + 1, m + 1), np.int8)
    cost[0, :] = np.arange(m + 1) * GAP
    cost[:, 0] = np.arange(n + 1) * GAP
    for i in range(1, n + 1):
        lo = np.searchsorted(ic, ref_t[i - 1] - reach)
        hi = np.searchsorted(ic, ref_t[i - 1] + reach)
        for j in range(1, m + 1):
            best, mv = cost[i - 1, j] + GAP, 1          # row unpaired
            c = cost[i, j - 1] + GAP                     # detected stride unpaired
            if c < best:
                best, mv = c, 2
            if lo <= j - 1 < hi:
                c = cost[i - 1, j - 1] + abs(stride[j - 1] - ref_int[i - 1])
                if c < best:
                    best, mv = c, 3
            cost[i, j], move[i, j] = best, mv
    pairs, i, j = [], n, m
    while i > 0 and j > 0:
        mv = move[i, j]
        if mv == 3:
            pairs.append((i - 1, j - 1)); i -= 1; j -= 1
        elif mv == 1:
            i -= 1
        else:
            j -= 1
    return pairs[::-1]


def match_side(ref_t, ref_int, ic, stride):
    ok = np.isfinite(stride) & np.isfinite(ic)
    ic, stride = ic[ok], stride[ok]
    order = np.argsort(ic)
    ic, stride = ic[order], stride[order]
    if len(ic) < 2:
        return 0, len(ref_t), np.array([]), 0
    med = float(np.median(ref_int))
    # the record's typical offset between row times and this side's detected stride ends
    j = np.clip(np.searchsorted(ic, ref_t), 1, len(ic) - 1)
    near = np.where(np.abs(ic[j - 1] - ref_t) < np.abs(ic[j] - ref_t), ic[j - 1], ic[j]) - ref_t
    off = float(np.median(near))
    pairs = _align(ref_t + off, ref_int, ic, stride, 1.6 * med)
    errs = np.array([abs(stride[b] - ref_int[a]) for a, b in pairs])
    inside = (ic >= ref_t[0] + off - 0.5 * med) & (ic <= ref_t[-1] + off + 0.5 * med)
    used = np.zeros(len(ic), bool)
    for _, b in pairs:
        used[b] = True
    return len(pairs), len(ref_t), errs, int(np.sum(inside & ~used))


def filled(x, run=5):
    """True for values inside a run of `run` or more identical consecutive values."""
    out = np.zeros(len(x), bool)
    i = 0
    while i < len(x):
        j = i
        while j + 1 < len(x) and x[j + 1] == x[i]:
            j += 1
        if j - i + 1 >= run:
            out[i:j + 1] = True
        i = j + 1
    return out


def evaluate(ts_path, steps):
    ts = np.loadtxt(ts_path)
    out = {}
    for side, col in (("L", 1), ("R", 2)):
        s = [x for x in steps if x.get("side") == side]
        ic = np.array([x["ic_s"] for x in s], float)
        st = np.array([np.nan if x.get("stride_time_s") is None else x["stride_time_s"] for x in s], float)
        valid = (ts[:, col] >= 0.4) & (ts[:, col] <= 3.0) & ~filled(ts[:, col])
        if valid.mean() < 0.5:
            continue
        out[side] = match_side(ts[valid, 0], ts[valid, col], ic, st)
    return out
