"""The statistics shared by figures and reports (peacesim.analysis), on small tables.

No model runs here: the tests use the committed sweep table in tests/data/ or tables built in
the test.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from peacesim.plots.labels import MetricLabel

SWEEP = Path(__file__).resolve().parent / "data" / "sweep_central"
SHARE = MetricLabel("Support", "% of members", "share", 100.0)
SCORE = MetricLabel("Trust", "mean score, 0-1", "share", 1.0)
COUNT = MetricLabel("Attacks", "events per week", "count", 1.0)


@pytest.fixture(scope="module")
def sweep_table() -> pd.DataFrame:
    return pd.read_parquet(SWEEP / "sweep.parquet")


def test_sweep_columns_finds_what_was_swept(sweep_table):
    from peacesim.analysis import sweep_columns

    cols = sweep_columns(sweep_table)
    assert cols.swept == {"dialogue.frequency": [0, 4], "patrol.presence": [0.1, 0.4]}
    assert cols.seeds == [0, 1, 2]
    assert cols.fixed["steps"] == 20 and cols.fixed["scenario"] == "central_mali"
    assert "trust_in_sdf_final" in cols.outcomes and "job" not in cols.outcomes
    assert not set(cols.swept) & set(cols.outcomes)


def test_scenario_counterfactual_picks_the_intervention_parameter(sweep_table):
    from peacesim.analysis import counterfactual_choice

    chosen = counterfactual_choice(sweep_table, ["dialogue.frequency=0"])
    assert [(p, v) for p, v, _ in chosen] == [("dialogue.frequency", 0)]
    lowest = counterfactual_choice(sweep_table)
    assert [(p, v) for p, v, _ in lowest] == [("dialogue.frequency", 0), ("patrol.presence", 0.1)]


def test_paired_differences_pair_by_seed():
    from peacesim.analysis import paired_differences

    rng = np.random.default_rng(0)
    rows = []
    for seed in range(8):
        base = rng.normal(0.5, 0.1)  # shared by both arms: common random numbers
        for x in (0, 1):
            rows.append({"job": len(rows), "folder": str(len(rows)), "x.level": x, "seed": seed,
                         "trust_in_sdf_final": base + 0.02 * x,
                         "armed_group_strength_final": 100.0 + seed + 10 * x + rng.normal()})
    table = pd.DataFrame(rows)
    d = paired_differences(table, "x.level", 0).set_index("outcome")
    exact = d.loc["trust_in_sdf_final"]
    assert exact["pairs"] == 8 and exact["mean"] == pytest.approx(0.02)
    assert exact["upper"] - exact["lower"] == pytest.approx(0, abs=1e-9)
    noisy = d.loc["armed_group_strength_final"]
    diff = (table[table["x.level"] == 1]["armed_group_strength_final"].to_numpy()
            - table[table["x.level"] == 0]["armed_group_strength_final"].to_numpy())
    scipy_stats = pytest.importorskip("scipy.stats")
    lo, hi = scipy_stats.t.interval(0.9, len(diff) - 1, loc=diff.mean(),
                                    scale=scipy_stats.sem(diff))
    assert noisy["mean"] == pytest.approx(diff.mean())
    assert (noisy["lower"], noisy["upper"]) == pytest.approx((lo, hi), rel=1e-3)


def test_t_quantile_matches_scipy():
    scipy_stats = pytest.importorskip("scipy.stats")
    from peacesim.analysis import t_quantile_95

    for df in (1, 2, 5, 10, 29, 30, 31, 45, 100, 1000):
        assert t_quantile_95(df) == pytest.approx(scipy_stats.t.ppf(0.95, df), abs=2e-3)


def test_paired_differences_are_in_displayed_units_with_labels():
    from peacesim.analysis import paired_differences

    table = pd.DataFrame({"job": range(4), "folder": list("0123"), "x.level": [0, 1, 0, 1],
                          "seed": [0, 0, 1, 1], "support_final": [0.10, 0.13, 0.20, 0.25]})
    plain = paired_differences(table, "x.level", 0).iloc[0]
    shown = paired_differences(table, "x.level", 0, labels={"support": SHARE}).iloc[0]
    assert plain["mean"] == pytest.approx(0.04)
    assert shown["mean"] == pytest.approx(4.0) and shown["pairs"] == 2
    assert shown["counterfactual_mean"] == pytest.approx(15.0)


def test_cell_means_average_the_seeds_of_each_pair_of_values(sweep_table):
    from peacesim.analysis import cell_means

    xv, yv, grid, count = cell_means(sweep_table, "dialogue.frequency", "patrol.presence",
                                     "trust_in_sdf_final")
    assert xv == [0, 4] and yv == [0.1, 0.4]
    assert (count == 3).all()
    cell = sweep_table[(sweep_table["dialogue.frequency"] == 4)
                       & (sweep_table["patrol.presence"] == 0.1)]["trust_in_sdf_final"]
    assert grid[0, 1] == pytest.approx(cell.mean())
    _, _, scaled, _ = cell_means(sweep_table, "dialogue.frequency", "patrol.presence",
                                 "trust_in_sdf_final", labels={"trust_in_sdf": SHARE})
    assert np.allclose(scaled, grid * 100)


def test_colour_range_is_anchored_to_the_quantity():
    from peacesim.analysis import PRACTICAL_THRESHOLD, colour_range

    tiny = np.array([0.497, 0.504, np.nan])
    assert colour_range(tiny, SCORE) == (0.0, 1.0)  # not 0.497-0.504
    assert colour_range(tiny * 100, SHARE) == (0.0, 100.0)
    # differences: symmetric, at least the practical threshold, the data when larger
    assert colour_range(np.array([0.001, -0.004]), SCORE, difference=True) == (
        -PRACTICAL_THRESHOLD, PRACTICAL_THRESHOLD)
    assert colour_range(np.array([0.1, -0.4]), SHARE, difference=True) == (-3.0, 3.0)
    assert colour_range(np.array([10.0, -4.0]), SHARE, difference=True) == (-10.0, 10.0)
    # counts have no natural scale: their own range (a flat one is widened)
    assert colour_range(np.array([3.0, 7.0]), COUNT) == (3.0, 7.0)
    lo, hi = colour_range(np.array([5.0, 5.0]), COUNT)
    assert lo < 5.0 < hi
