"""Foot forces: roll-over order per contact type, body-weight scale, vectorised rendering."""

from __future__ import annotations

import numpy as np
import pytest

from devices.errors import InputError
from sim.forces import G, Shape, components, layout, render_forces
from sim.walker import Contact


def onset(x: np.ndarray, t: np.ndarray, level: float) -> float:
    return float(t[np.argmax(x > level)])


@pytest.mark.parametrize(
    ("kind", "first"),
    [("heel", "heel"), ("toe", "toe")],
)
def test_first_sensor_to_load(kind: str, first: str) -> None:
    t = np.arange(0.0, 1.0, 0.001)
    c = Contact("L", 0.1, 0.7, kind, 1.0, 0.0, fc=0.8)  # type: ignore[arg-type]
    f = render_forces([c], t, layout("heel-toe"), 70.0, 0.1)
    heel, toe = onset(f[:, 0], t, 5.0), onset(f[:, 1], t, 5.0)
    if first == "heel":
        assert heel < toe - 0.05
    else:
        assert toe < heel
    assert min(heel, toe) == pytest.approx(0.1, abs=0.002)  # contact marked within 2 ms


def test_flat_contact_loads_heel_and_forefoot_within_a_few_ms() -> None:
    t = np.arange(0.0, 1.0, 0.001)
    c = Contact("R", 0.1, 0.7, "flat", 1.0, 0.0, fc=0.8)
    f = render_forces([c], t, layout("heel-toe"), 70.0, 0.1)
    assert abs(onset(f[:, 2], t, 5.0) - onset(f[:, 3], t, 5.0)) <= 0.006
    assert not f[:, :2].any()  # nothing under the left foot


def test_double_hump_of_about_body_weight() -> None:
    u = np.linspace(0.0, 0.7, 701)
    total = components(u, 0.7, "heel", 0.1, Shape()).sum(axis=0)
    assert total.max() == pytest.approx(1.12, abs=0.05)
    assert total[350] < 0.85  # midstance valley
    assert total[-1] == pytest.approx(0.0, abs=1e-12)
    # Mean vertical force over stance near 1 body weight x stance share.
    assert total.mean() == pytest.approx(0.9, abs=0.1)


def test_last_sensor_unloads_at_final_contact() -> None:
    t = np.arange(0.0, 1.0, 0.0005)
    c = Contact("L", 0.1, 0.7, "heel", 1.0, 0.0, fc=0.8)
    f = render_forces([c], t, layout("heel-toe"), 70.0, 0.1)
    last = t[np.flatnonzero(f.sum(axis=1) > 1e-9)[-1]]
    assert last == pytest.approx(0.8, abs=0.001)


def test_vectorised_rendering_matches_a_per_sample_reference() -> None:
    rng = np.random.default_rng(2)
    chans = layout("insole8")
    contacts = []
    t0 = 0.2
    for k in range(6):
        side = "L" if k % 2 == 0 else "R"
        kind = ["heel", "flat", "toe"][k % 3]
        contacts.append(Contact(side, t0, 0.65, kind, 0.9 + 0.2 * rng.random(), 0.0, fc=t0 + 0.65))  # type: ignore[arg-type]
        t0 += 0.55
    t = np.arange(0.0, 4.0, 0.001)
    fast = render_forces(contacts, t, chans, 80.0, 0.1)
    slow = np.zeros_like(fast)
    for i, ti in enumerate(t):  # one sample at a time, one contact at a time
        for c in contacts:
            if c.ic <= ti < c.fc:  # type: ignore[operator]
                comp = components(np.array([ti - c.ic]), c.fc - c.ic, c.kind, 0.1, Shape())[:, 0]  # type: ignore[operator]
                for j, ch in enumerate(chans):
                    if ch.side == c.side:
                        slow[i, j] += np.dot(comp, ch.weights) * 80.0 * G * c.load
    assert np.allclose(fast, slow)


def test_layouts() -> None:
    assert [c.name for c in layout("heel-toe")] == ["L-heel", "L-toe", "R-heel", "R-toe"]
    assert len(layout("foot")) == 2
    assert len(layout("insole8")) == 16
    with pytest.raises(InputError, match="layout"):
        layout("socks")


def test_forefoot_lands_quickly_and_the_total_is_unchanged() -> None:
    """Heel-first: the forefoot takes its first share of the load within 25 ms of landing
    (heel_to_toe after the heel), taken from the heel: the sum keeps its double hump."""
    u = np.linspace(0.0, 0.7, 7001)
    comp = components(u, 0.7, "heel", 0.1, Shape())
    fore = comp[2]
    assert fore[u < 0.1].max() == 0.0
    at = int(np.searchsorted(u, 0.1 + 0.025))
    assert fore[at] > 0.2  # body weights, 25 ms after the forefoot landed
    plain = Shape(landing_bw=0.0)
    np.testing.assert_allclose(comp.sum(axis=0), components(u, 0.7, "heel", 0.1, plain).sum(axis=0))


def test_two_stage_contact_touches_then_loads_and_swing_events_are_not_contacts() -> None:
    t = np.arange(0.0, 2.0, 0.001)
    c = Contact("L", 0.2, 0.7, "heel", 1.0, 0.0, fc=0.9, pre_touch=(0.06, 0.3),
                swing_events=((1.0, 0.04, 0.5),))  # fmt: skip
    f = render_forces([c], t, layout("heel-toe"), 70.0, 0.1)
    bw = 70.0 * G
    heel = f[:, 0] / bw
    plateau = (t > 0.21) & (t < 0.26)
    assert np.allclose(heel[plateau], 0.3, atol=0.01)  # the touch, before the loading
    assert heel[(t > 0.26) & (t < 0.4)].max() > 0.9  # then the loading
    assert f[t < 0.2].sum() == 0.0
    toe_bump = f[(t >= 1.0) & (t < 1.04), 1] / bw
    assert toe_bump.max() == pytest.approx(0.5, abs=0.01)  # the toe touches in swing
    assert f[(t > 0.95) & (t < 1.1), 0].sum() == 0.0 and f[:, 2:].sum() == 0.0
