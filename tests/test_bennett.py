"""Tests of the Bennett (2008) insurgency model: kernel vs twin, set-up, mechanisms, outcome."""

from __future__ import annotations

import numpy as np
import pytest

from peacesim.bennett import BennettModel, BennettParams
from peacesim.bennett.kernels import (
    CIVILIAN,
    INSURGENT,
    N_STATS,
    REMOVED,
    SOLDIER,
    STAT_FEAR,
    STAT_HURT,
    STAT_REMOVED,
    bennett_step,
    bennett_step_numpy,
)

SMALL = dict(grid_size=20, n_civilians=120, n_soldiers=16, interaction_range=2)


@pytest.mark.parametrize("max_attacks", [1, 0])
def test_kernel_matches_twin(max_attacks):
    params = BennettParams(
        **SMALL, accuracy=0.5, max_attacks_per_round=max_attacks, move_civilians=True
    )
    fast = BennettModel(params, seed=5).run(25, stop_when_over=False)
    slow = BennettModel(params, seed=5, twin=True).run(25, stop_when_over=False)
    assert fast.timeseries().equals(slow.timeseries())
    assert fast.timeseries()["hurt"].sum() > 0
    for name in ("kind", "px", "py", "anger", "fear", "grid"):
        assert np.array_equal(getattr(fast, name), getattr(slow, name)), name


def test_initial_draws_are_clipped_and_grid_consistent():
    params = BennettParams(**SMALL, anger_sd=1.0, fear_sd=1.0, threshold_sd=1.0)
    model = BennettModel(params, seed=1)
    civ = slice(0, params.n_civilians)
    for column in (model.anger, model.fear, model.threshold):
        assert column.min() >= 0.0 and column.max() <= 1.0
        assert np.any(column[civ] == 0.0) and np.any(column[civ] == 1.0)
    n = params.n_civilians + params.n_soldiers
    assert np.sum(model.grid >= 0) == n
    assert np.array_equal(model.grid[model.px, model.py], np.arange(n))
    insurgent = model.kind == INSURGENT
    assert np.array_equal(
        insurgent[civ], (model.anger > model.fear)[civ] & (model.anger > model.threshold)[civ]
    )
    assert np.all(model.kind[params.n_civilians :] == SOLDIER)


def test_default_initial_state_matches_table_1():
    model = BennettModel(BennettParams(n_civilians=2000, n_soldiers=0), seed=2)
    assert abs(np.median(model.anger) - 0.25) < 0.02
    assert abs(np.median(model.fear) - 0.5) < 0.03
    assert abs(np.median(model.threshold) - 0.5) < 0.03


def _scene(n_civ: int, anger: float = 0.3, fear: float = 0.9):
    """One insurgent at the centre of a 9x9 map, a soldier two cells away, civilians around.

    With range 4 the soldier and all civilians stay in range after the random moves.
    """
    g = 9
    n = n_civ + 2
    grid = np.full((g, g), -1, dtype=np.int64)
    cells = [(3, 3), (3, 4), (3, 5), (4, 3), (5, 5), (5, 3), (4, 5), (5, 4)][:n_civ]
    px = np.array([c[0] for c in cells] + [4, 4], dtype=np.int64)
    py = np.array([c[1] for c in cells] + [4, 6], dtype=np.int64)
    grid[px, py] = np.arange(n)
    kind = np.array([CIVILIAN] * n_civ + [INSURGENT, SOLDIER], dtype=np.int8)
    a = np.full(n, anger)
    f = np.full(n, fear)
    t = np.full(n, 0.99)
    return kind, px, py, a, f, t, grid


@pytest.mark.parametrize("step_fn", [bennett_step, bennett_step_numpy])
def test_anger_rises_with_harm_and_fear_with_witnessing(step_fn):
    key = np.uint64(123)
    out = np.zeros(N_STATS)
    # Accuracy 0: all 6 civilians in range are hurt; each moves 0.05 * 6 = 30 % toward 1.
    kind, px, py, a, f, t, grid = _scene(6)
    step_fn(kind, px, py, a, f, t, grid, key, 1, 4, 1.0, 0.0, 1.0, 0.1, 0.05, False, 1, out)
    assert out[STAT_HURT] == 6 and out[STAT_REMOVED] == 1 and out[STAT_FEAR] == 0
    assert np.allclose(a[:6], 0.3 + 0.3 * 0.7)
    assert np.array_equal(f[:6], np.full(6, 0.9))
    assert kind[6] == REMOVED and grid[px[6], py[6]] == -1
    # Harm grows with the number hurt: 3 civilians hurt move less than 6.
    kind, px, py, a3, f, t, grid = _scene(3)
    step_fn(kind, px, py, a3, f, t, grid, key, 1, 4, 1.0, 0.0, 1.0, 0.1, 0.05, False, 1, out)
    assert np.all(a3[:3] < a[:3])
    # Accuracy 1: nobody hurt; witnesses' fear moves 10 % toward 1; anger unchanged.
    kind, px, py, a, f, t, grid = _scene(6)
    step_fn(kind, px, py, a, f, t, grid, key, 1, 4, 0.0, 1.0, 1.0, 0.1, 0.05, False, 1, out)
    assert out[STAT_HURT] == 0 and out[STAT_FEAR] == 6 and kind[6] == INSURGENT
    assert np.allclose(f[:6], 0.9 + 0.1 * 0.1) and np.all(a[:6] == 0.3)


def test_anger_capped_at_one():
    kind, px, py, a, f, t, grid = _scene(8, anger=0.9)
    out = np.zeros(N_STATS)
    # 8 hurt with anger_gain 0.2: gain 1.6 > 1, so anger would overshoot without the cap.
    bennett_step(kind, px, py, a, f, t, grid, np.uint64(5), 1, 4, 1.0, 0.0, 1.0, 0.1, 0.2,
                 False, 1, out)
    assert np.all(a[:8] == 1.0)


def test_low_accuracy_lengthens_insurgency():
    """Bennett 2008: collateral damage sustains the insurgency (mean over a few seeds)."""
    def mean_duration(accuracy: float) -> float:
        runs = [
            BennettModel(BennettParams(accuracy=accuracy), seed=s).run(3000).summary()
            for s in range(6)
        ]
        assert all(r["ended"] for r in runs)
        return float(np.mean([r["duration"] for r in runs]))

    assert mean_duration(0.4) > 2.0 * mean_duration(1.0)


def test_params_are_checked():
    with pytest.raises(ValueError, match="accuracy"):
        BennettModel(BennettParams(accuracy=1.5))
    with pytest.raises(ValueError, match="do not fit"):
        BennettModel(BennettParams(grid_size=10, n_civilians=100, n_soldiers=1))


def test_summary_and_timeseries():
    model = BennettModel(BennettParams(**SMALL), seed=3).run(500)
    ts = model.timeseries()
    s = model.summary()
    assert ts["step"].tolist() == list(range(len(ts)))
    assert ts["insurgents"].iloc[0] == s["initial_insurgents"] > 0
    if s["ended"]:
        assert ts["insurgents"].iloc[-1] == 0 and s["duration"] == len(ts) - 1
    assert s["removed"] == ts["removed_total"].iloc[-1]
    assert s["total_insurgents"] == s["removed"] + ts["insurgents"].iloc[-1]
