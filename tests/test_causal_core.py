"""The causal core responds (issue 12): accuracy feeds recruitment, an abuse moves a region.

Small, paired-seed versions of experiments/validation/causal_core.py (its full results are in
docs/VALIDATION.md). Paired seeds share every draw except where the runs differ.
"""

from __future__ import annotations

import numpy as np
import pytest

import peacesim


def _summary(scenario: str, *overrides: str) -> dict:
    cfg = peacesim.load_config(scenario, [*overrides, "population.agent_objects=none"])
    return peacesim.PeaceModel(cfg).run().summary()


@pytest.mark.slow
def test_bennett_inaccurate_forces_feed_the_insurgency():
    """Bennett (2008) inside the main model: lower accuracy, more fighters and support."""
    common = ["population.size=15000", "steps=156"]
    low, high = [], []
    for seed in (0, 1):
        low.append(_summary("baseline", *common, f"seed={seed}", "patrol.army_accuracy=0.3"))
        high.append(_summary("baseline", *common, f"seed={seed}", "patrol.army_accuracy=0.9"))
    for a, b in zip(low, high, strict=True):
        assert a["harm_by_forces_mean"] > b["harm_by_forces_mean"]
        assert a["armed_group_support_mean"] > b["armed_group_support_mean"]
    strength_low = np.mean([s["armed_group_strength_mean"] for s in low])
    strength_high = np.mean([s["armed_group_strength_mean"] for s in high])
    assert strength_low > 1.2 * strength_high


@pytest.mark.slow
def test_an_abuse_in_mopti_moves_trust_in_mopti_most():
    """abuse_shock against its counterfactual: Mopti's trust falls by a survey's precision."""
    cfg = peacesim.load_config("abuse_shock")
    at = cfg.shocks.events[0].step
    off = list(cfg.scenario.counterfactual)
    common = ["population.size=15000", f"steps={at + 13}", "seed=3",
              "population.agent_objects=none"]
    on = peacesim.PeaceModel(peacesim.load_config("abuse_shock", common)).run().timeseries()
    cf = peacesim.PeaceModel(peacesim.load_config("abuse_shock", [*common, *off])).run()
    cf = cf.timeseries()
    last = on["step"] == at + 13
    gap = (on.loc[last, "trust_in_sdf"].to_numpy() - cf.loc[last, "trust_in_sdf"].to_numpy())
    regions = on.loc[last, "region"].astype(str).tolist()
    by_region = dict(zip(regions, gap, strict=True))
    assert by_region["Mopti"] <= -0.03
    assert min(by_region, key=by_region.get) == "Mopti"
    # Before the shock the two runs are the same, bit for bit.
    before = on["step"] < at
    assert np.array_equal(on.loc[before, "trust_in_sdf"], cf.loc[before, "trust_in_sdf"])


def test_abuse_rises_with_impunity_and_falls_with_conduct():
    common = ["population.size=4000", "steps=104", "seed=2", "abuse.rate=0.02"]
    base = _summary("baseline", *common)
    sanctioned = _summary("baseline", *common, "justice.access=1", "justice.sanctions=1")
    respectful = _summary("baseline", *common, "patrol.army_conduct=1", "patrol.moc.conduct=1",
                          "patrol.un.conduct=1")
    assert sanctioned["accountability_mean"] > base["accountability_mean"]
    assert sanctioned["abuse_events_mean"] < base["abuse_events_mean"]
    assert respectful["abuse_events_mean"] == 0.0 < base["abuse_events_mean"]


def test_legitimacy_builds_up_over_months():
    cfg = ["population.size=3000", "steps=60", "seed=1", "justice.start=10"]
    model = peacesim.PeaceModel(peacesim.load_config("justice_access", [
        *cfg, "population.agent_objects=none"])).run()
    mopti = model.timeseries().query("region == 'Mopti'").set_index("step")
    access, legit = mopti["justice_access"], mopti["legitimacy"]
    assert access.loc[11] < access.loc[30] < access.loc[60]  # capacity builds up
    # Legitimacy rises gradually: a month in, less than half of its rise by week 60.
    assert legit.loc[14] - legit.loc[10] < 0.5 * (legit.loc[60] - legit.loc[10])
    assert legit.loc[60] > legit.loc[10]


def test_epstein_floor_rule_is_an_option():
    common = ["population.size=3000", "steps=20", "seed=1"]
    cont = _summary("baseline", *common)
    floor = _summary("baseline", *common, "grievance.arrest_ratio=floor")
    assert cont["armed_group_support_mean"] != floor["armed_group_support_mean"]
    with pytest.raises(peacesim.ConfigError, match="arrest_ratio"):
        peacesim.load_config("baseline", ["grievance.arrest_ratio=round"])


def test_validation_section_is_generated_from_the_committed_results():
    """docs/VALIDATION.md's causal-core section is what the JSON results say."""
    import importlib.util
    from pathlib import Path

    script = (Path(__file__).resolve().parent.parent / "experiments" / "validation"
              / "causal_core.py")
    spec = importlib.util.spec_from_file_location("causal_core", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    text = module.DOC.read_text()
    block = text.split(module.BEGIN, 1)[1].split(module.END, 1)[0]
    assert block == "\n" + module.render(), "run: python experiments/validation/causal_core.py doc"
