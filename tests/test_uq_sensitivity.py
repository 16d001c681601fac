"""Sensitivity: Sobol reproduces the Ishigami function's indices; Morris finds what acts."""

from __future__ import annotations

import math

import numpy as np
import pytest

import peacesim
from peacesim.config import ConfigError

PI = math.pi
ISHIGAMI_RANGES = {"x1": (-PI, PI), "x2": (-PI, PI), "x3": (-PI, PI)}

#: Ishigami & Homma (1990) with a = 7, b = 0.1: the analytic indices (Sobol' & Levitan 1999;
#: also SALib's and UQLab's benchmark pages).
ISHIGAMI_S1 = {"x1": 0.3139, "x2": 0.4424, "x3": 0.0}
ISHIGAMI_ST = {"x1": 0.5576, "x2": 0.4424, "x3": 0.2437}


def ishigami(values: dict, seed: int) -> dict:
    """The Ishigami function (a = 7, b = 0.1), a function model: ignores the seed."""
    x1, x2, x3 = values["x1"], values["x2"], values["x3"]
    return {"y": math.sin(x1) + 7 * math.sin(x2) ** 2 + 0.1 * x3**4 * math.sin(x1)}


def test_sobol_reproduces_the_published_ishigami_indices_within_their_intervals(tmp_path):
    si = peacesim.sensitivity(ishigami, ISHIGAMI_RANGES, method="sobol", samples=1024,
                              out=tmp_path, progress=False, seed=3)
    si = si.set_index("parameter")
    for name in ISHIGAMI_S1:
        assert abs(si.loc[name, "S1"] - ISHIGAMI_S1[name]) <= si.loc[name, "S1_conf"], name
        assert abs(si.loc[name, "ST"] - ISHIGAMI_ST[name]) <= si.loc[name, "ST_conf"], name
        assert si.loc[name, "S1_conf"] < 0.1
    assert si.loc["dummy", "ST"] == 0.0  # the function reads neither the dummy nor the seed
    assert si["runs"].iloc[0] == 1024 * (4 + 2)
    for name in ("indices.parquet", "convergence.parquet", "report.html",
                 "figures/sobol_y.png", "figures/convergence.png"):
        assert (tmp_path / name).is_file(), name
    conv = si.attrs["convergence"]
    assert max(r["runs"] for r in conv) == 1024 * 6 and min(r["runs"] for r in conv) < 100


def test_efast_ishigami_first_order_indices():
    si = peacesim.sensitivity(ishigami, ISHIGAMI_RANGES, method="fast", samples=1000,
                              progress=False).set_index("parameter")
    for name, value in ISHIGAMI_S1.items():
        assert si.loc[name, "S1"] == pytest.approx(value, abs=0.03)


@pytest.fixture(scope="module")
def morris(tmp_path_factory):
    out = tmp_path_factory.mktemp("morris")
    # conduct.share is 0 in the baseline: the training's accuracy gain acts nowhere.
    si = peacesim.sensitivity(
        "baseline", {"patrol.presence": (0.1, 0.5), "conduct.accuracy_gain": (0.1, 0.9)},
        method="morris", outcomes=["harm_by_forces_mean", "armed_group_support_mean"],
        trajectories=4, replicates=2, overrides=["population.size=2000", "steps=52"],
        out=out, progress=False)
    return si, out


def test_morris_ranks_the_dummy_and_a_switched_off_mechanism_below_an_acting_one(morris):
    si, _ = morris
    for outcome, rows in si.groupby("outcome"):
        mu = rows.set_index("parameter")["mu_star"]
        assert mu["patrol.presence"] > mu["dummy"], outcome
        assert mu["patrol.presence"] > mu["conduct.accuracy_gain"], outcome
        assert mu["conduct.accuracy_gain"] == 0.0  # common random numbers: nothing changes
        assert mu["dummy"] > 0.0  # the dummy re-draws the random numbers: the noise floor


def test_morris_outputs_seed_noise_share_figures_and_ranges(morris):
    si, out = morris
    share = si.groupby("outcome")["seed_noise_share"].first()
    assert ((share > 0) & (share < 1)).all()
    assert si["runs"].iloc[0] == 4 * (3 + 1) * 2
    for name in ("figures/morris_harm_by_forces_mean.png", "figures/convergence.png",
                 "ranges.parquet", "report.html", "runs/rows.parquet"):
        assert (out / name).is_file(), name


def test_effect_of_a_programme_is_an_outcome_that_can_be_analysed():
    si = peacesim.sensitivity(
        "central_mali", {"dialogue.cohesion_gain": (0.02, 0.3), "patrol.army_conduct": None},
        method="morris", outcomes=["effect.social_cohesion_mean"], trajectories=2,
        overrides=["population.size=2000", "steps=104"], progress=False)
    mu = si.set_index("parameter")["mu_star"]
    assert mu["dialogue.cohesion_gain"] > mu["dummy"]
    assert np.isfinite(mu).all()


def test_groups_give_one_row_per_group():
    si = peacesim.sensitivity(ishigami, ISHIGAMI_RANGES, method="sobol", samples=256,
                              groups={"x1": "a", "x3": "a", "x2": "b"}, progress=False)
    assert sorted(si["parameter"]) == ["a", "b", "dummy"]
    st = si.set_index("parameter")["ST"]
    assert st["a"] == pytest.approx(1 - 0.4424, abs=0.08)


def test_bad_method_or_range_is_refused_in_one_line():
    with pytest.raises(ConfigError, match="method='pawn'"):
        peacesim.sensitivity(ishigami, ISHIGAMI_RANGES, method="pawn")
    with pytest.raises(ConfigError, match="lo < hi"):
        peacesim.sensitivity(ishigami, {"x1": (1, 0)})
    with pytest.raises(ConfigError, match="unknown outcome"):
        peacesim.sensitivity(ishigami, ISHIGAMI_RANGES, method="morris", trajectories=2,
                             outcomes=["z"], progress=False)
