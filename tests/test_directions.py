"""Direction tests: each mechanism moves its outcome the way the model says it should.

Each test compares a low and a high setting of one lever on the same seeds (common random
numbers: every draw is keyed by seed, stream, step and row, so the paired runs share their
randomness) and asserts the sign of the mean paired difference over the seeds. Runs are
small (5,000 members, one year) and cached per session, so the file takes seconds.

Sizes of the effects at this scale (3 seeds, means of the paired runs) are in the messages;
see the docstrings for what each lever does.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import run_small

SEEDS = (1, 2, 3)
STEPS = 52
SIZE = 5_000


def summaries(*overrides: str) -> list[dict]:
    """Summaries of the small one-year runs, one per seed."""
    return [run_small(*overrides, "population.agent_objects=none", steps=STEPS, size=SIZE,
                      seed=s)[2] for s in SEEDS]


def paired(low: list[str], high: list[str], metric: str) -> tuple[np.ndarray, np.ndarray]:
    """``metric`` for each seed at the low and the high setting."""
    lo = np.array([s[metric] for s in summaries(*low)])
    hi = np.array([s[metric] for s in summaries(*high)])
    return lo, hi


def assert_direction(low: list[str], high: list[str], metric: str, sign: int) -> None:
    """The mean paired difference (high - low) of ``metric`` has the given sign."""
    lo, hi = paired(low, high, metric)
    diff = hi - lo
    message = (f"{metric}: {low} -> {high}; low {np.round(lo, 6).tolist()}, "
               f"high {np.round(hi, 6).tolist()}, mean difference {diff.mean():.6g}")
    assert np.sign(diff.mean()) == sign, message


def test_more_harm_by_forces_lowers_trust():
    """Abuses by the forces destroy trust, directly and by word of mouth (Slovic 1993).

    ``abuse.rate`` is the weekly probability of an abuse event by a unit of conduct 0.
    """
    low, high = ["abuse.rate=0.002"], ["abuse.rate=0.02"]
    assert_direction(low, high, "harm_by_forces_mean", +1)
    assert_direction(low, high, "trust_in_sdf_final", -1)
    assert_direction(low, high, "trust_in_sdf_mean", -1)


def test_more_jobs_fewer_young_recruits():
    low, high = ["employment.youth_coverage=0"], ["employment.youth_coverage=1"]
    lo, hi = paired(low, high, "youth_employed_mean")
    assert np.all(hi == 1.0) and np.all(lo < 0.8)
    assert_direction(low, high, "youth_recruited_mean", -1)
    assert_direction(low, high, "new_recruits_mean", -1)
    assert_direction(low, high, "grievance_mean", -1)


def test_more_information_weakens_armed_groups():
    """Reporting raises the forces' knowledge, which makes engagements succeed."""
    low, high = ["information.report_rate=0.1"], ["information.report_rate=1.0"]
    assert_direction(low, high, "information_sharing_mean", +1)
    assert_direction(low, high, "forces_information_mean", +1)
    assert_direction(low, high, "operations_success_mean", +1)
    assert_direction(low, high, "armed_group_strength_mean", -1)


def test_dialogue_with_women_raises_trust():
    low = ["dialogue.frequency=0", "dialogue.women_participation=0.6"]
    high = ["dialogue.frequency=6", "dialogue.women_participation=0.6"]
    lo, hi = paired(low, high, "dialogue_sessions_mean")
    assert np.all(lo == 0) and np.all(hi > 0)
    assert_direction(low, high, "dialogue_reached_mean", +1)
    assert_direction(low, high, "trust_in_sdf_final", +1)
    assert_direction(low, high, "social_cohesion_final", +1)


def test_womens_participation_raises_trust_at_the_same_frequency():
    low = ["dialogue.frequency=6", "dialogue.women_participation=0.1"]
    high = ["dialogue.frequency=6", "dialogue.women_participation=0.8"]
    lo, hi = paired(low, high, "dialogue_sessions_mean")
    assert np.array_equal(lo, hi)  # same sessions; only who takes part and the gain differ
    assert_direction(low, high, "trust_in_sdf_final", +1)
    assert_direction(low, high, "trust_in_sdf_mean", +1)


def test_justice_access_lowers_grievance():
    low, high = ["justice.access=0"], ["justice.access=0.8"]
    assert_direction(low, high, "justice_access_mean", +1)
    assert_direction(low, high, "legitimacy_mean", +1)
    assert_direction(low, high, "grievance_final", -1)
    assert_direction(low, high, "armed_group_support_mean", -1)


def test_conduct_training_lowers_harm_by_forces():
    low, high = ["conduct.share=0"], ["conduct.share=1"]
    lo, hi = paired(low, high, "trained_units_mean")
    assert np.all(lo == 0) and np.all(hi > 0)
    assert_direction(low, high, "harm_by_forces_mean", -1)
    assert_direction(low, high, "trust_in_sdf_final", +1)


def test_more_patrols_fewer_attacks_on_civilians():
    """More units deter more attacks on civilians and draw more attacks onto themselves.

    (People harmed in total rise: engagements expose civilians; not asserted here.)
    """
    low, high = ["patrol.presence=0.1"], ["patrol.presence=0.5"]
    assert_direction(low, high, "patrol_units_mean", +1)
    assert_direction(low, high, "attacks_on_civilians_mean", -1)  # mean over weeks: total / 52


def test_inactive_programmes_change_nothing():
    """Common random numbers: parameters of a programme that is off do not shift any draw."""
    base = run_small("population.agent_objects=none", steps=STEPS, size=SIZE)[0]
    for overrides in (["conduct.accuracy_gain=0.9", "conduct.regions=[mopti]"],
                      ["employment.regions=[gao]", "employment.start=10"],
                      ["justice.end=30", "justice.regions=[kidal]"]):
        other = run_small("population.agent_objects=none", *overrides, steps=STEPS, size=SIZE)[0]
        pd.testing.assert_frame_equal(other, base, check_exact=True, obj=str(overrides))


@pytest.mark.parametrize("lever, low, high", [
    ("employment", "employment.youth_coverage=0", "employment.youth_coverage=1"),
    ("justice", "justice.access=0", "justice.access=0.8"),
])
def test_programme_acts_only_where_and_when_it_runs(lever, low, high):
    """A programme limited to Mopti from week 26 acts only there and then.

    The first half year is exactly as without it, and so is the programme's own metric in
    the other regions.
    """
    where = [f"{lever}.regions=[mopti]", f"{lever}.start=26"]
    off = run_small("population.agent_objects=none", low, *where, steps=STEPS, size=SIZE)[0]
    on = run_small("population.agent_objects=none", high, *where, steps=STEPS, size=SIZE)[0]
    early = on["step"] < 26
    pd.testing.assert_frame_equal(on[early], off[early], check_exact=True)
    metric = "youth_employed" if lever == "employment" else "justice_access"
    late_mopti = (on["step"] >= 26) & (on["region"] == "Mopti")
    assert (on.loc[late_mopti, metric] > off.loc[late_mopti, metric]).all()
    elsewhere = on["region"] != "Mopti"
    np.testing.assert_array_equal(on.loc[elsewhere, metric], off.loc[elsewhere, metric])
