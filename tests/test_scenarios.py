"""Every scenario composes and runs; each intervention moves its outcome the intended way."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import yaml

import peacesim
from peacesim.config import config_dir, scenario_names

SCENARIOS = scenario_names()
PEACE_SCENARIOS = [n for n in SCENARIOS if n not in ("epstein", "bennett")]


def _meta(name: str) -> dict:
    return yaml.safe_load((config_dir() / "scenario" / f"{name}.yaml").read_text())["scenario"]


INTERVENTIONS = [n for n in PEACE_SCENARIOS if _meta(n).get("counterfactual")]


def test_the_programmes_of_the_issue_are_all_there():
    expected = {"baseline", "algiers_moc", "central_mali", "border_sikasso",
                "women_trust_building", "youth_employment", "conflict_sensitive_forces",
                "justice_access", "epstein", "bennett"}
    assert expected <= set(SCENARIOS)


@pytest.mark.parametrize("name", SCENARIOS)
def test_every_scenario_composes_and_runs(name):
    small = ["steps=3", "population.size=2000"]
    if name == "epstein":
        small = ["steps=3", "epstein.width=20", "epstein.height=20", "epstein.citizen_vision=3",
                 "epstein.cop_vision=3"]
    cfg = peacesim.load_config(name, small)
    assert cfg.scenario.name == name
    assert cfg.scenario.description
    assert cfg.scenario.sources, f"{name} names no sources"
    from peacesim.runner import build_model

    model = build_model(cfg).run()
    summary = model.summary()
    assert summary
    values = [v for v in summary.values() if isinstance(v, float)]
    assert np.all(np.isfinite(values))
    if name in PEACE_SCENARIOS:
        ts = model.timeseries()
        assert ts["step"].max() == 3
        assert set(ts["region"].unique()) == set(model.region_names)


@pytest.mark.parametrize("name", INTERVENTIONS)
def test_counterfactual_and_outcome_are_valid(name):
    meta = _meta(name)
    assert meta["direction"] in ("up", "down")
    cfg = peacesim.load_config(name, ["steps=2", "population.size=500", *meta["counterfactual"]])
    model = peacesim.PeaceModel(cfg).run()
    assert meta["outcome"] in model.summary()


@pytest.mark.parametrize("name", INTERVENTIONS)
def test_intervention_moves_its_outcome_against_its_counterfactual(name):
    """Paired seeds (common random numbers): the mean paired difference has the right sign."""
    meta = _meta(name)
    outcome = meta["outcome"]
    diffs = []
    for seed in range(3):
        base = ["steps=156", "population.size=20000", "population.agent_objects=none",
                f"seed={seed}"]
        on = peacesim.PeaceModel(peacesim.load_config(name, base)).run().summary()[outcome]
        off = peacesim.PeaceModel(
            peacesim.load_config(name, base + meta["counterfactual"])).run().summary()[outcome]
        diffs.append(on - off)
    sign = 1 if meta["direction"] == "up" else -1
    assert sign * np.mean(diffs) > 0, f"{name}: {outcome} moved {np.mean(diffs):+.5g} ({diffs})"


def test_border_scenario_holds_both_countries_and_dialogue_crosses_the_border():
    cfg = peacesim.load_config("border_sikasso", ["steps=1", "population.size=2000"])
    model = peacesim.PeaceModel(cfg)
    world = model.world
    assert set(np.unique(world.country)) == {0, 1}
    assert set(model.region_names) == {"Sikasso", "Hauts-Bassins"}
    src = np.repeat(np.arange(world.n_cells), np.diff(world.nbr_offsets))
    assert np.any(world.country[src] != world.country[world.nbr_targets]), "no shared border"
    assert len(world.cross_source) > 0
    assert np.all(world.country[world.cross_source] != world.country[world.cross_target])
    assert world.border.any()
    assert cfg.dialogue.cross_border


def test_the_intervention_starts_when_and_where_the_scenario_says():
    cfg = peacesim.load_config("youth_employment", ["steps=60", "population.size=20000",
                                                    "population.agent_objects=none"])
    model = peacesim.PeaceModel(cfg).run()
    ts = model.timeseries().set_index(["step", "region"])["youth_employed"]
    before, after = ts.loc[51], ts.loc[53]
    assert after["Mopti"] > before["Mopti"] + 0.05
    assert after["Kayes"] == before["Kayes"]  # not covered


def test_scenarios_command_lists_every_scenario():
    out = subprocess.run([sys.executable, "-m", "peacesim", "scenarios"], capture_output=True,
                         text=True, check=True).stdout
    for name in SCENARIOS:
        assert name in out
