"""Slow, plain-Python contact detection: the algorithm of stride.core.contacts written out
sample by sample with named fields, to check the numba kernel against (same results to the
last bit on the same input)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from stride.core.contacts import ContactParams, detect_contacts, gate_ratio
from stride.core.signals import GaitSignals, Side


@dataclass
class Tracker:
    """Envelopes and levels of one signal (a foot's sum, or one sensor)."""

    low_env: float = math.nan
    high_env: float = math.nan
    ref_range: float = 0.0
    noise: float = 0.0
    swing_band: float = 0.0
    block: list[float] = field(default_factory=list)
    prev: float = math.nan
    off: float = 0.0
    onset: float = 0.0
    low: float = 0.0
    mid: float = 0.0
    ok: bool = False
    # sensors: loaded -1 unknown / 0 / 1; above the onset level while unloaded
    loaded: int = -1
    pre: bool = False
    pre_t: float = math.nan
    pre_i: int = -1
    son_t: float = math.nan
    son_i: int = -1
    # the previous block's maximum, the previous three blocks' minima
    pmin: list[float] = field(default_factory=lambda: [math.nan] * 3)
    pmax: float = math.nan

    def end_block(
        self,
        c: dict[str, float],
        unloaded: bool,
        two: bool = False,
        loaded: bool = False,
        known: bool = False,
    ) -> None:
        if not self.block:
            self.pmin, self.pmax = [math.nan, *self.pmin[:2]], math.nan
        if self.block:
            bmin, bmax = min(self.block), max(self.block)
            spread = bmax - bmin
            lmin, hmax = bmin, bmax  # the levels followed at once
            if two:  # glitch-proof: a far level is one this block and those before reach
                pmin, pmax = self.pmin, self.pmax
                self.pmin, self.pmax = [bmin, *pmin[:2]], bmax
                lo, hi, jump = self.low_env, self.high_env, c["jump"]
                if lo - bmin > jump * (hi - lo):
                    back = pmin[: int(c["base_n"]) - 1]
                    lmin = max([bmin] + [v for v in back if not math.isnan(v)])
                far = bmax - hi > jump * (hi - lo)
                # a spike is one reading: with fewer than two beyond the far level the
                # block reaches that level, no further
                n_far = sum(1 for v in self.block if v - hi > jump * (hi - lo))
                reach = bmax if n_far >= 2 or not far else hi + jump * (hi - lo)
                self.pmax = reach
                if known and c["load_n"] > 1 and far:
                    hmax = pmax if pmax < reach else reach
            if math.isnan(self.low_env):
                self.low_env, self.high_env = bmin, bmax
                self.ref_range = spread
                self.noise = spread
                self.swing_band = spread
            else:
                lo, hi = self.low_env, self.high_env
                floor = c["floor"] * self.ref_range
                if hi - lo > floor:
                    leak = c["a_env"] * ((hi - lo) - floor)
                    hi = hi - leak
                    if unloaded:
                        lo = lo + leak
                if unloaded and bmin > lo and bmax <= self.low:
                    lo = lo + c["a_swing"] * (bmin - lo)
                if unloaded and bmax <= self.low:
                    rate = c["a_swing"] if spread < self.swing_band else c["a_noise"]
                    self.swing_band += rate * (spread - self.swing_band)
                self.low_env = lo if loaded else min(lo, lmin)
                self.high_env = max(hi, hmax)
                self.ref_range = max(
                    self.ref_range * (1.0 - c["a_ref"]), self.high_env - self.low_env
                )
                if spread < self.noise:
                    self.noise = spread
                else:
                    self.noise = self.noise + c["a_noise"] * (spread - self.noise)
            rng = self.high_env - self.low_env
            self.onset = self.low_env + max(c["onset_frac"] * rng, 2.0 * self.swing_band)
            self.low = self.low_env + c["low_frac"] * rng
            self.mid = self.low_env + c["mid_frac"] * rng
            self.onset = min(self.onset, self.low)
            self.off = min(self.low_env + max(c["offset_frac"] * rng, 2.0 * self.swing_band),
                           self.onset)  # fmt: skip
            self.ok = rng > 0.0 and rng > c["noise_ratio"] * self.noise and self.mid > self.low
        self.block = []


def crossing(x0: float, x1: float, t0: float, t1: float, thr: float) -> float:
    if math.isnan(t0) or math.isnan(x0) or x1 == x0:
        return t1
    frac = min(1.0, max(0.0, (thr - x0) / (x1 - x0)))
    return t0 + frac * (t1 - t0)


def clip01(v: float) -> float:
    return min(v, 1.0) if v > 0.0 else 0.0


class Foot:
    """The per-foot state machine: unknown, swing, stance, ending (see contacts.py)."""

    def __init__(self, p: ContactParams, fs: float, nk: int) -> None:
        block_n = max(12, round(p.block_s * fs))  # contacts.MIN_BLOCK_SAMPLES
        dtb = block_n / fs
        self.p = p
        self.fs = fs
        self.block_n = block_n
        self.c = {
            "onset_frac": p.onset_frac,
            "offset_frac": p.offset_frac,
            "low_frac": p.low_frac,
            "mid_frac": p.mid_frac,
            "floor": p.range_floor,
            "noise_ratio": gate_ratio(p.noise_ratio, block_n),
            "a_env": 0.5 * (1.0 - math.exp(-dtb / p.tau_env_s)),
            "a_ref": 1.0 - math.exp(-dtb / p.tau_ref_s),
            "a_noise": 1.0 - math.exp(-dtb / p.tau_noise_s),
            "a_swing": 1.0 - math.exp(-dtb / p.tau_swing_s),
            "base_n": min(4, 1 + math.ceil(p.base_confirm_s / dtb - 1e-9)),
            "load_n": min(2, 1 + math.ceil(p.load_confirm_s / dtb - 1e-9)),
            "hold": 1.0 if p.hold_base else 0.0,
            "jump": p.confirm_jump_frac,
            "deep": 1.0 if p.deep_no_lift else 0.0,
            "dip": 1.0 if p.quick_dip_no_lift else 0.0,
        }
        self.min_swing_n = max(1, math.ceil(p.min_swing_s * fs))
        self.gap_dt = p.gap_factor / fs
        self.foot = Tracker()
        self.sensors = [Tracker() for _ in range(nk)] if nk > 1 else []
        self.rows: list[tuple] = []
        self.state = "unknown"
        self.prev_t = math.nan
        self.gap_flag = False
        self.prev_fc = -math.inf
        self.in_block = 0
        self.blips = 0
        self.touches = 0
        # candidate: the foot's sum above the onset level since pre_t
        self.pre = False
        self.cand: dict[str, float] = {}
        # the open contact
        self.on: dict[str, float] = {}
        self.fc: dict[str, float] = {}  # final contact of the current dip
        self.good: dict[str, float] = {}  # final contact of the last long part
        self.above = False
        self.lifted = False
        self.below = 0
        self.low_t = math.nan

    # -- contacts --------------------------------------------------------------------------

    def open_contact(self, seen: bool, after: float) -> None:
        """Start (or restart) the contact at the candidate; sensors that loaded after
        ``after`` give their onsets."""
        self.state = "stance"
        self.on = dict(self.cand)
        # a start not seen: its first part counts as long, whatever its length
        self.on.update(seen=seen, gap=self.gap_flag, long=False, part_i=self.cand["i"],
                       part_t=self.cand["t"] if seen else -math.inf)  # fmt: skip
        self.good = {}
        self.lifted = False
        self.above = False
        for s in self.sensors:
            if s.loaded == 1 and s.pre_t > after:
                s.son_t, s.son_i = s.pre_t, s.pre_i
            else:
                s.son_t, s.son_i = math.nan, -1

    def snapshot_fc(self, t: float, i: int, s_: float) -> None:
        self.fc = dict(t=t, i=i, acc=self.on["acc"] - s_, cnt=self.on["cnt"] - 1,
                       peak=self.on["peak"])  # fmt: skip

    def part_ended(self) -> None:
        """The current part of the contact ended at ``self.fc``: long parts count."""
        if (self.fc["t"] - self.on["part_t"] >= self.p.min_contact_s) or not self.p.touch_rule:
            self.on["long"] = True
            self.good = dict(self.fc)

    def emit(self, off_seen: bool, t_end: float, i_end: int) -> None:
        on_seen = self.on["seen"]
        if off_seen:
            if not self.lifted:
                self.part_ended()
            if not self.on["long"]:
                self.blips += 1
                return
            end = self.good
            off_t, off_i = end["t"], end["i"]
            acc, cnt, peak = end["acc"], end["cnt"], end["peak"]
        else:
            off_t, off_i = t_end, i_end
            acc, cnt, peak = self.on["acc"], self.on["cnt"], self.on["peak"]
        on_t, on_i = self.on["t"], self.on["i"]
        for s in self.sensors:
            if not math.isnan(s.son_t) and s.son_t < on_t:
                on_t, on_i = s.son_t, s.son_i
        complete = on_seen and off_seen
        if complete and off_t - on_t < self.p.min_contact_s:
            self.blips += 1
            return
        base = self.on["base"]
        alone = [on_t if on_seen else math.nan]
        onsets = [s.son_t for s in self.sensors] if self.sensors else alone
        p = self.p
        rng = self.on["range"]
        load = clip01(((peak - base) / rng - p.mid_frac) / (1.0 - p.mid_frac)) if rng > 0 else 0.0
        dur = clip01((off_t - on_t) / p.min_contact_s - 1.0)
        nz = self.on["noise"] * self.c["noise_ratio"]
        clear = clip01(rng / nz - 1.0) if nz > 0 else 1.0
        conf = min(load, dur, clear)
        self.rows.append(
            (on_t, off_t, on_i, off_i, complete, self.on["gap"], onsets,
             (acc - cnt * base) / self.fs, peak - base, on_seen, off_seen, conf)
        )  # fmt: skip
        self.prev_fc = off_t
        self.gap_flag = False

    # -- one sample ------------------------------------------------------------------------

    def gap(self, i: int) -> None:
        if self.state in ("stance", "ending"):
            self.emit(self.state == "ending", self.prev_t, i - 1)
        self.state = "unknown"
        self.pre = False
        self.gap_flag = True
        self.prev_t = math.nan
        for tr in [self.foot, *self.sensors]:
            tr.prev = math.nan
            tr.loaded = -1
            tr.pre = False

    def sensor_sample(self, s: Tracker, v: float, ti: float, i: int) -> None:
        if s.ok:
            if s.loaded == -1:
                if v > s.low:
                    s.loaded = 1
                elif v <= s.off:
                    s.loaded, s.pre = 0, False
            elif s.loaded == 0:
                if v > s.off and not s.pre:
                    s.pre = True
                    s.pre_t, s.pre_i = crossing(s.prev, v, self.prev_t, ti, s.off), i
                elif v <= s.off:
                    s.pre = False
                if v > s.low:
                    s.loaded = 1
                    if s.low > s.off:
                        back = crossing(s.prev, v, self.prev_t, ti, s.low) - s.pre_t
                        ratio = min((s.off - s.low_env) / (s.low - s.off), 1.0)
                        back *= ratio
                        s.pre_t = s.pre_t - (back if back < self.p.extend_s else self.p.extend_s)
                    if (
                        self.state in ("stance", "ending")
                        and math.isnan(s.son_t)
                        and s.pre_t > self.prev_fc
                    ):
                        s.son_t, s.son_i = s.pre_t, s.pre_i
            elif v <= s.low:
                s.loaded = 0
                s.pre = v > s.off
        s.prev = v
        s.block.append(v)

    def deep(self, s_: float) -> bool:
        """One reading far below the baseline (the one before it was not): a glitch, it
        moves no contact state."""
        lo, hi = self.foot.low_env, self.foot.high_env
        far_by = self.c["jump"] * (hi - lo) + (self.foot.off - lo)
        return bool(self.c["deep"]) and lo - s_ > far_by and not lo - self.foot.prev > far_by

    def swing_sample(self, s_: float, ti: float, i: int) -> None:
        """Swing (or the swing part of an ending): the candidate above the onset level."""
        foot = self.foot
        if s_ > foot.onset:
            if not self.pre:
                self.pre = True
                t_on = crossing(foot.prev, s_, self.prev_t, ti, foot.onset)
                if s_ > foot.prev and self.prev_t == self.prev_t and self.p.onset_back_s > 0:
                    # dated back along this rise to the band's top, at most onset_back_s
                    back = (foot.onset - foot.off) * (ti - self.prev_t) / (s_ - foot.prev)
                    back = back if back < self.p.onset_back_s else self.p.onset_back_s
                    t_on = t_on - back if back > 0.0 else t_on
                self.cand = dict(t=t_on, i=i,
                                 base=foot.low_env, acc=0.0, cnt=0, peak=-math.inf)  # fmt: skip
            self.cand["acc"] += s_
            self.cand["cnt"] += 1
            self.cand["peak"] = max(self.cand["peak"], s_)
        elif not self.deep(s_):
            self.pre = False

    def confirm(self) -> None:
        foot = self.foot
        self.cand["range"] = foot.high_env - foot.low_env
        self.cand["noise"] = foot.noise

    def sample(self, ti: float, vals: list[float], i: int, cut: bool = False) -> None:
        """One sample; ``cut``: a known break (a box restart) just before it."""
        total = 0.0
        for v in vals:
            total += v
        valid = not (math.isnan(total) or math.isinf(total))
        jump = not math.isnan(self.prev_t) and ti - self.prev_t > self.gap_dt
        if not valid or cut or jump:
            self.gap(i)
        if valid:
            s_ = total
            for s, v in zip(self.sensors, vals if self.sensors else [], strict=True):
                self.sensor_sample(s, v, ti, i)
            self.foot_sample(s_, ti, i)
            self.foot.prev = s_
            self.prev_t = ti
            self.foot.block.append(s_)
        self.in_block += 1
        if self.in_block >= self.block_n:
            self.end_block()

    def foot_sample(self, s_: float, ti: float, i: int) -> None:
        foot = self.foot
        onset, low, mid = foot.onset, foot.low, foot.mid
        if self.state == "unknown":
            if not foot.ok:
                return
            if s_ <= onset:
                self.state = "swing"
                self.pre = False
            elif s_ >= mid:
                self.cand = dict(t=ti, i=i, base=foot.low_env, acc=s_, cnt=1, peak=s_)
                self.confirm()
                self.open_contact(False, self.prev_fc)
            return
        if self.state in ("stance", "ending"):
            self.on["acc"] += s_
            self.on["cnt"] += 1
            self.on["peak"] = max(self.on["peak"], s_)
        if self.state == "stance":
            if s_ <= low and not self.deep(s_):
                self.state = "ending"
                self.above = False
                self.lifted = False
                self.below = 1
                self.pre = False
                self.snapshot_fc(crossing(foot.prev, s_, self.prev_t, ti, low), i, s_)
                self.low_t = self.fc["t"]
                if s_ <= foot.off:
                    self.lift(s_, ti, i)
            return
        if self.state == "ending":
            if s_ >= mid:
                if self.lifted:
                    self.swing_sample(s_, ti, i)
                self.rejoin(i, s_)
                return
            if s_ <= low:
                if self.above:
                    self.low_t = crossing(foot.prev, s_, self.prev_t, ti, low)
                self.below += 1
                self.above = False
            else:
                self.above = True
            if not self.lifted:
                if s_ <= foot.off and not self.deep(s_):
                    self.lift(s_, ti, i)
            else:
                self.swing_sample(s_, ti, i)
            if self.below >= self.min_swing_n:
                self.emit(True, ti, i)
                self.state = "swing"
            return
        # swing
        self.swing_sample(s_, ti, i)
        if s_ >= mid:
            self.confirm()
            self.open_contact(True, self.prev_fc)

    def lift(self, s_: float, ti: float, i: int) -> None:
        """The force of a dip fell into the unloaded band: the foot left the ground. FC:
        the fall extended through the contact level and the band's top to the baseline."""
        foot = self.foot
        t_off = crossing(foot.prev, s_, self.prev_t, ti, foot.off)
        if foot.low > foot.off:
            ratio = min((foot.off - foot.low_env) / (foot.low - foot.off), 1.0)
            ext = (t_off - self.low_t) * ratio
            t_off = t_off + (ext if ext < self.p.extend_s else self.p.extend_s)
        self.snapshot_fc(t_off, i, s_)
        self.lifted = True
        long_before = self.on["long"]
        self.part_ended()
        if long_before and self.good["t"] != self.fc["t"]:
            # a scuff: the foot was swinging all along, the scuff included
            self.below = self.on["swung"] + i - self.on["part_i"]

    def rejoin(self, i: int, s_: float) -> None:
        """The force came back to the confirmation level before a whole swing."""
        self.state = "stance"
        if not self.lifted:
            return  # the foot never left: the same part goes on
        foot = self.foot
        up = self.c["jump"] * (foot.high_env - foot.low_env) + 2.0 * foot.swing_band
        if self.c["dip"] and self.below == 1 and self.fc["i"] == i - 1 and s_ - foot.prev > up:
            self.lifted = False  # one reading in the unloaded band: a glitch, no lift
            return
        if not self.on["long"] and self.p.touch_rule:
            # every part so far was a short touch: the contact starts at this loading
            self.touches += 1
            seen, gap = self.on["seen"], self.on["gap"]
            self.confirm()
            self.open_contact(seen, self.fc["t"])
            self.on["gap"] = gap
            return
        self.on["part_t"] = self.cand["t"]
        self.on["part_i"] = self.cand["i"]
        self.on["swung"] = self.below
        self.lifted = False

    def end_block(self) -> None:
        self.in_block = 0
        self.foot.end_block(
            self.c,
            self.state in ("swing", "ending"),
            two=True,
            loaded=bool(self.c["hold"]) and self.state == "stance",
            known=self.prev_fc != -math.inf,
        )
        for s in self.sensors:  # the far minimum's rule (no load level's: known=False)
            s.end_block(self.c, s.loaded == 0, two=True)
            if not s.ok:
                s.loaded, s.pre = -1, False
        if not self.foot.ok:
            if self.state in ("stance", "ending"):
                self.emit(self.state == "ending", self.prev_t, self.index - 1)
            if self.state != "unknown":
                self.state = "unknown"
                self.pre = False

    def finish(self, n: int) -> None:
        if self.state in ("stance", "ending"):
            self.emit(self.state == "ending", self.prev_t, n - 1)
        self.state = "unknown"


def reference_contacts(
    t: np.ndarray,
    x: np.ndarray,
    cols: list[int],
    fs: float,
    params: ContactParams,
    cuts: frozenset[int] = frozenset(),
) -> dict[str, np.ndarray]:
    """All contacts of the foot made of columns ``cols``, as arrays named like FootContacts;
    ``cuts``: the samples with a known break (a box restart) just before them."""
    nk = len(cols)
    foot = Foot(params, fs, nk)
    for i in range(t.shape[0]):
        foot.index = i + 1
        foot.sample(float(t[i]), [float(x[i, k]) for k in cols], i, i in cuts)
    foot.finish(t.shape[0])
    rows = foot.rows
    k = max(nk, 1)
    return {
        "on_t": np.array([r[0] for r in rows], np.float64),
        "off_t": np.array([r[1] for r in rows], np.float64),
        "on_idx": np.array([r[2] for r in rows], np.int64),
        "off_idx": np.array([r[3] for r in rows], np.int64),
        "complete": np.array([r[4] for r in rows], bool),
        "gap_before": np.array([r[5] for r in rows], bool),
        "sensor_on_t": np.array([r[6] for r in rows], np.float64).reshape(len(rows), k),
        "impulse": np.array([r[7] for r in rows], np.float64),
        "peak": np.array([r[8] for r in rows], np.float64),
        "on_seen": np.array([r[9] for r in rows], bool),
        "off_seen": np.array([r[10] for r in rows], bool),
        "confidence": np.array([r[11] for r in rows], np.float64),
        "blips": foot.blips,
        "touches": foot.touches,
    }


#: the arrays of FootContacts that the reference gives too
FIELDS = (
    "on_t", "off_t", "on_idx", "off_idx", "complete", "gap_before", "sensor_on_t",
    "impulse", "peak", "on_seen", "off_seen", "confidence",
)  # fmt: skip


def same_as_reference(sig: GaitSignals, side: Side, params: ContactParams) -> int:
    """Asserts that the scan's contacts of ``side`` equal the reference's, array by array
    and in their blip and touch counts; returns how many there are."""
    got = detect_contacts(sig, side, params)
    cols = sig.side_columns(side)
    want = reference_contacts(np.asarray(sig.t), np.asarray(sig.forces), cols, sig.fs, params)
    for name in FIELDS:
        np.testing.assert_array_equal(getattr(got, name), want[name], err_msg=name)
    assert (got.blips, got.touches) == (want["blips"], want["touches"])
    return len(got)
