"""Compare: paired effects with t intervals that cover a known effect, in plain sentences."""

from __future__ import annotations

import math

import numpy as np
import pytest

import peacesim
from peacesim.config import ConfigError
from peacesim.uq.stats import t_interval

EFFECT = 0.2


def dosed(values: dict, seed: int) -> dict:
    """A synthetic programme: outcome = 0.2 x dose + noise shared by the pair + own noise."""
    dose = values.get("dose", 1.0)
    shared = np.random.default_rng(seed).normal(0.0, 1.0)
    own = np.random.default_rng([seed, int(dose * 1000)]).normal(0.0, 0.05)
    return {"score_mean": 0.5 + EFFECT * dose + shared + own}


def test_interval_covers_a_known_synthetic_effect():
    e = peacesim.compare(dosed, seeds=range(20), counterfactual={"dose": 0.0},
                         thresholds={"score_mean": 0.1}, progress=False).iloc[0]
    assert e["low"] < EFFECT < e["high"]
    assert e["low"] > 0 and e["n"] == 20
    assert e["high"] - e["low"] < 0.1  # pairing removes the shared noise (sd 1)
    assert e["detectable"] == "yes" and e["sign_share"] == 1.0
    assert e["headline"].startswith("dose raised score (mean over the run) by 0.196")
    assert "beyond the practical threshold of 0.1" in e["headline"]


def test_t_interval_covers_about_90_percent_of_the_time():
    rng = np.random.default_rng(5)
    hits = 0
    for _ in range(400):
        _, low, high, _ = t_interval(rng.normal(EFFECT, 1.0, size=8), 0.9)
        hits += low <= EFFECT <= high
    assert 0.85 <= hits / 400 <= 0.95


def test_central_mali_against_its_declared_counterfactual(tmp_path):
    effects = peacesim.compare("central_mali", seeds=range(3), outcomes=[
        "social_cohesion_mean", "dialogue_sessions_mean", "attacks_mean"],
        overrides=["population.size=2000", "steps=52"], out=tmp_path, progress=False)
    e = effects.set_index("outcome")
    assert e.loc["social_cohesion_mean", "threshold"] == 0.03  # a survey share
    assert math.isnan(e.loc["attacks_mean", "threshold"])  # a count: no default threshold
    sessions = e.loc["dialogue_sessions_mean"]
    assert sessions["counterfactual_mean"] == 0 and sessions["effect"] > 0
    assert "dialogue raised" in sessions["headline"] and "in Mopti and Ségou" in \
        sessions["headline"]
    assert "90 % interval" in e.loc["social_cohesion_mean", "headline"]
    assert effects["effect_per_cost"].isna().all()  # no programme carries a cost yet
    assert (tmp_path / "effects.parquet").is_file() and (tmp_path / "report.html").is_file()
    assert "No programme carries a cost" in (tmp_path / "report.html").read_text()


def test_parameter_draws_give_the_share_with_the_intended_sign():
    effects = peacesim.compare("central_mali", seeds=range(2), outcomes=["social_cohesion_mean"],
                               draws=3, params={"dialogue.cohesion_gain": (0.05, 0.2)},
                               overrides=["population.size=2000", "steps=104"], progress=False)
    e = effects.iloc[0]
    assert e["sign_share_over"] == "draws" and e["intended_sign"] == "declared"
    assert 0.0 <= e["sign_share"] <= 1.0 and e["n"] == 6
    assert "of parameter draws" in e["headline"]


def test_a_scenario_without_counterfactual_is_refused():
    with pytest.raises(ConfigError, match="declares no counterfactual"):
        peacesim.compare("baseline", seeds=range(2), overrides=["population.size=2000"])
