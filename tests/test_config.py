"""Configs: composing with Hydra, validating, and one-line errors that name the key."""

from __future__ import annotations

import dataclasses

import pytest

import peacesim
from peacesim import ConfigError
from peacesim.world import MALI_REGIONS


def _error(overrides: list[str], scenario: str = "baseline") -> str:
    with pytest.raises(ConfigError) as info:
        peacesim.load_config(scenario, overrides=overrides)
    message = str(info.value)
    assert "\n" not in message.strip(), f"not one line: {message!r}"
    return message


@pytest.mark.parametrize("overrides, key", [
    (["foo=1"], "foo"),  # unknown key
    (["patrol.foo=1"], "patrol.foo"),  # unknown key in a mechanism's section
    (["steps=abc"], "steps"),  # wrong type
    (["steps=1.5"], "steps"),
    (["patrol.presence=abc"], "patrol.presence"),
    (["patrol.presence=1.5"], "patrol.presence"),  # share out of range
    (["patrol.presence=-0.1"], "patrol.presence"),
    (["population.size=-5"], "population.size"),  # negative population
    (["population.size=0"], "population.size"),
    (["steps=0"], "steps"),
    (["seed=-1"], "seed"),
    (["trust.gain=nan"], "trust.gain"),
    (["regions.mopti.trust_in_sdf=2"], "regions.mopti.trust_in_sdf"),
    (["dialogue.regions=[atlantis]"], "dialogue.regions"),  # unknown region
    (["patrol.moc.regions=[mopti,atlantis]"], "patrol.moc.regions"),
    (["geography.regions=[atlantis]"], "geography.regions"),
    (["regions.atlantis.trust_in_sdf=0.5"], "regions.atlantis"),
])
def test_bad_values_raise_one_line_config_error_naming_the_key(overrides, key):
    message = _error(overrides)
    assert key in message, f"{key!r} not named in {message!r}"


def test_out_of_range_message_says_what_is_allowed():
    message = _error(["patrol.presence=1.5"])
    assert "1.5" in message and "[0, 1]" in message
    assert "atlantis" in _error(["dialogue.regions=[atlantis]"])
    assert "mopti" in _error(["dialogue.regions=[atlantis]"])  # lists the allowed ids


def test_unknown_scenario():
    message = _error([], scenario="atlantis")
    assert "atlantis" in message and "baseline" in message


def test_mixed_patrols_and_peacekeepers_share_at_most_all_units():
    message = _error(["patrol.moc.share=0.6", "patrol.un.share=0.5"])
    assert "patrol.moc.share" in message and "patrol.un.share" in message
    cfg = peacesim.to_config(peacesim.load_config(
        "baseline", ["patrol.moc.share=0.5", "patrol.un.share=0.5"]))
    assert cfg.patrol.moc.share + cfg.patrol.un.share == 1.0
    with pytest.raises(ConfigError, match="patrol.moc.share"):
        peacesim.to_config({"patrol": {"moc": {"share": 0.7}, "un": {"share": 0.4}}})


def test_config_error_is_a_value_error():
    assert issubclass(ConfigError, ValueError)


def test_to_config_none_gives_the_defaults():
    cfg = peacesim.to_config(None)
    from peacesim.config.schema import schema

    assert cfg == schema()()
    assert cfg.model == "peace" and cfg.steps == 260 and cfg.seed == 0 and cfg.check is False
    assert cfg.population.size == 100_000 and cfg.population.agent_objects == "auto"
    assert list(cfg.geography.regions) == list(MALI_REGIONS)
    assert cfg.patrol.presence == 0.25
    assert cfg.regions["mopti"].trust_in_sdf == 0.72  # Afrobarometer-based region table
    assert peacesim.to_config(cfg) is cfg  # an instance passes through, validated


@pytest.mark.parametrize("bad, key", [
    ({"foo": 1}, "foo"),
    ({"patrol": {"foo": 1}}, "patrol.foo"),
    ({"steps": "abc"}, "steps"),
    ({"patrol": {"presence": 1.5}}, "patrol.presence"),
    ({"population": {"size": -3}}, "population.size"),
    ({"dialogue": {"regions": ["atlantis"]}}, "dialogue.regions"),
    ({"regions": {"atlantis": {"trust_in_sdf": 0.5}}}, "regions.atlantis"),
])
def test_to_config_dict_errors_name_the_key(bad, key):
    with pytest.raises(ConfigError) as info:
        peacesim.to_config(bad)
    message = str(info.value)
    assert key in message and "\n" not in message.strip()


def test_to_config_refuses_an_invalid_instance():
    cfg = peacesim.to_config(None)
    bad = dataclasses.replace(cfg, patrol=dataclasses.replace(cfg.patrol, presence=2.0))
    with pytest.raises(ConfigError, match="patrol.presence"):
        peacesim.to_config(bad)


def test_plain_dict_of_overrides_works():
    cfg = peacesim.to_config({"steps": 5, "seed": 3, "patrol": {"presence": 0.4},
                              "regions": {"mopti": {"justice_access": 0.5}}})
    defaults = peacesim.to_config(None)
    assert (cfg.steps, cfg.seed, cfg.patrol.presence) == (5, 3, 0.4)
    assert cfg.regions["mopti"].justice_access == 0.5
    # Everything not named keeps its default, including the rest of the same sections.
    assert cfg.patrol.exposed == defaults.patrol.exposed
    assert cfg.regions["mopti"].trust_in_sdf == defaults.regions["mopti"].trust_in_sdf
    assert cfg.regions["gao"] == defaults.regions["gao"]
    assert cfg.trust == defaults.trust


def test_hydra_overrides_and_dict_give_the_same_config():
    composed = peacesim.to_config(peacesim.load_config(
        "baseline", ["steps=7", "patrol.presence=0.4", "dialogue.regions=[mopti,segou]"]))
    plain = peacesim.to_config({"steps": 7, "patrol": {"presence": 0.4},
                                "dialogue": {"regions": ["mopti", "segou"]}})
    plain = dataclasses.replace(plain, scenario=composed.scenario)
    assert composed == plain


def test_model_accepts_a_dict_and_none():
    model = peacesim.PeaceModel({"steps": 2, "population": {"size": 500,
                                                            "agent_objects": "none"}})
    model.run()
    assert model.config.steps == 2 and model.steps == 2
    assert len(model.national()) == 3


# ----------------------------------------------------------------------------- refused at load time
# Values the model could not run must fail in load_config, not later when it is built.


def test_unknown_agent_objects_refused_at_load_time():
    _error(["population.agent_objects=bogus"])


@pytest.mark.parametrize("regions", ["[]", "[mopti,mopti]"])
def test_empty_or_repeated_geography_regions_refused_at_load_time(regions):
    _error([f"geography.regions={regions}"])
