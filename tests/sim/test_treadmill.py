"""Treadmill physics: acceleration limits, heel-strike dips, split belts, exact positions."""

from __future__ import annotations

import numpy as np
import pytest

from devices.errors import InputError
from sim.treadmill import Treadmill
from sim.treadmill_wire import Belt, SplitBelt


def integrate(t: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Slow, obviously correct reference: trapezoidal integral on a fine grid."""
    return np.concatenate([[0.0], np.cumsum((v[1:] + v[:-1]) / 2 * np.diff(t))])


def test_implements_the_belt_protocols() -> None:
    tm = Treadmill(1.0)
    assert isinstance(tm, Belt)
    assert isinstance(tm, SplitBelt)


def test_speed_changes_respect_the_acceleration_limit() -> None:
    tm = Treadmill(1.0, accel_mps2=0.5)
    tm.set_speed_mps(2.0, 10.0)
    assert tm.motor_speed_mps(10.0) == pytest.approx(1.0)
    assert tm.motor_speed_mps(11.0) == pytest.approx(1.5)
    assert tm.motor_speed_mps(12.0) == pytest.approx(2.0)
    assert tm.motor_speed_mps(20.0) == pytest.approx(2.0)
    # A new set point mid-ramp starts from where the belt is.
    tm2 = Treadmill(1.0, accel_mps2=0.5)
    tm2.set_speed_mps(2.0, 0.0)
    tm2.set_speed_mps(1.0, 1.0)
    assert tm2.motor_speed_mps(1.0) == pytest.approx(1.5)
    assert tm2.motor_speed_mps(2.0) == pytest.approx(1.0)


def test_stop_and_start() -> None:
    tm = Treadmill(1.0, accel_mps2=1.0)
    assert tm.running(0.0)
    tm.stop(5.0)
    assert not tm.running(5.0)
    assert tm.actual_speed_mps(6.5) == 0.0
    tm.start(10.0, comm_loss_stop=True)
    assert tm.comm_loss_stop
    assert tm.actual_speed_mps(11.0) == pytest.approx(1.0)


def test_heel_strike_dip_scales_with_body_mass() -> None:
    dips = []
    for mass in (50.0, 100.0):
        tm = Treadmill(1.0, body_mass_kg=mass, dip_per_70kg=0.02, dip_tau_s=0.04)
        tm.heel_strike("L", 1.0)
        t = np.linspace(0.9, 1.5, 601)
        dips.append(1.0 - tm.speeds(t).min())
        # The deepest point is tau after the strike.
        assert t[np.argmin(tm.speeds(t))] == pytest.approx(1.04, abs=0.002)
    assert dips[0] == pytest.approx(0.02 * 50 / 70, rel=1e-3)
    assert dips[1] / dips[0] == pytest.approx(2.0, rel=1e-3)


def test_positions_are_the_exact_integral_of_speed() -> None:
    tm = Treadmill(1.0, accel_mps2=0.4)
    rng = np.random.default_rng(0)
    for t_ic in np.sort(rng.uniform(0.2, 19.0, 40)):
        tm.heel_strike("L" if rng.random() < 0.5 else "R", float(t_ic))
    tm.set_speed_mps(1.6, 5.0)
    tm.set_speed_mps(0.8, 9.0)
    t = np.linspace(0.0, 20.0, 200_001)
    ref = integrate(t, tm.speeds(t))
    assert np.max(np.abs(tm.positions(t) - ref)) < 1e-5  # 10 um over 20 m
    assert tm.displacement(2.0, 3.0) == pytest.approx(ref[30000] - ref[20000], abs=1e-6)


def test_forgetting_old_dips_keeps_recent_positions() -> None:
    tm = Treadmill(1.0)
    for k in range(100):
        tm.heel_strike("L", 0.5 + 0.55 * k)
    t = np.array([50.0, 55.0, 60.0])
    before = tm.positions(t)
    tm.forget_before(45.0)
    assert np.allclose(tm.positions(t), before, atol=1e-9)


def test_split_belts_move_independently() -> None:
    tm = Treadmill(1.0, split=True, accel_mps2=1.0)
    tm.set_split_speeds(0.5, 1.5, 0.0)
    assert tm.actual_speeds_mps(2.0) == pytest.approx((0.5, 1.5))
    tm.heel_strike("R", 3.0)
    assert tm.actual_speeds_mps(3.04)[0] == pytest.approx(0.5)
    assert tm.actual_speeds_mps(3.04)[1] < 1.5
    single = Treadmill(1.0, accel_mps2=1.0)
    single.set_split_speeds(0.5, 1.5, 0.0)
    assert single.actual_speed_mps(3.0) == pytest.approx(1.0)


@pytest.mark.parametrize("bad", [-0.1, 7.0, float("nan")])
def test_bad_speeds_are_refused(bad: float) -> None:
    with pytest.raises(InputError):
        Treadmill(1.0).set_speed_mps(bad, 0.0)
