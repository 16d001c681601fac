"""Calibration recovers a parameter from targets the model produced, and resumes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

import peacesim
from peacesim.config import ConfigError
from peacesim.uq.calibrate import annual_table, distance, is_share, read_targets

SMALL = ["population.size=2000", "steps=104"]
TRUE_PRESENCE = 0.35


@pytest.fixture(scope="module")
def targets():
    """Yearly regional and national values of one run at a known patrol presence.

    Its seed (100) is one the calibration does not run: the fit must see through seed noise.
    """
    model = peacesim.PeaceModel(peacesim.load_config(
        "baseline", [*SMALL, f"patrol.presence={TRUE_PRESENCE}", "seed=100"])).run()
    table = annual_table(model)
    keep = table["metric"].isin(["harm_by_forces", "civilian_harm", "information_sharing",
                                 "armed_group_support"])
    keep &= table["region"].isin(["national", "mopti", "gao", "tombouctou"])
    return table[keep].reset_index(drop=True)


@pytest.fixture(scope="module")
def calibration(targets, tmp_path_factory):
    out = tmp_path_factory.mktemp("calibration")
    result = peacesim.calibrate("baseline", targets, {"patrol.presence": (0.05, 0.8)},
                                budget=24, accept=0.25, overrides=SMALL, out=out,
                                progress=False)
    return result, out


def test_targets_cover_two_years_shares_and_counts(targets):
    assert set(targets["year"]) == {2017, 2018}
    assert is_share("information_sharing") and not is_share("civilian_harm")
    assert is_share("trust_military_share") and not is_share("events")


def test_recovers_the_parameter_inside_its_credible_interval(calibration):
    result, _ = calibration
    row = result.summary.set_index("parameter").loc["patrol.presence"]
    assert row["low"] <= TRUE_PRESENCE <= row["high"]
    assert row["high"] - row["low"] < 0.4  # narrower than the prior (0.05 to 0.8)
    assert len(result.trials) == 24 and len(result.accepted) == 6
    assert result.accepted["distance"].is_monotonic_increasing


def test_writes_study_tables_figures_and_a_calibrated_scenario(calibration, tmp_path):
    result, out = calibration
    for name in ("study.db", "trials.parquet", "posterior.parquet", "predictive.parquet",
                 "figures/posterior_predictive.png", "report.html"):
        assert (out / name).is_file(), name
    text = result.scenario_yaml.read_text()
    assert text.startswith("# @package _global_\n# Calibrated by peacesim")
    data = yaml.safe_load(text)
    median = result.summary["median"].iloc[0]
    assert data["patrol"]["presence"] == pytest.approx(median, abs=1e-6)
    assert data["scenario"]["name"] == "baseline_calibrated"
    (tmp_path / "scenario").mkdir()
    (tmp_path / "scenario" / "baseline_calibrated.yaml").write_text(text)
    cfg = peacesim.load_config("baseline_calibrated", SMALL, config_dir_extra=tmp_path)
    assert cfg.patrol.presence == pytest.approx(median, abs=1e-6)
    pred = result.predictive
    assert len(pred) == len(result.predictive) and (pred["low"] <= pred["high"]).all()


def test_a_stored_study_resumes_where_it_stopped(calibration, targets):
    _, out = calibration
    more = peacesim.calibrate("baseline", targets, {"patrol.presence": (0.05, 0.8)},
                              budget=26, accept=0.25, overrides=SMALL, out=out,
                              progress=False)
    assert len(more.trials) == 26  # only the two missing trials ran


def test_distance_mixes_counts_on_log_scale_and_shares_relatively():
    obs = np.array([100.0, 0.5])
    share = np.array([False, True])
    # 10 % too many events and a share 10 % too high weigh about the same
    d_count = distance(np.array([110.0, 0.5]), obs, share)
    d_share = distance(np.array([100.0, 0.55]), obs, share)
    assert d_count == pytest.approx(d_share, rel=0.1)
    assert distance(np.array([np.nan, 0.5]), obs, share) == np.inf


def test_targets_the_model_does_not_produce_are_refused_in_one_line():
    # The model has no protests (model.annual() gives ACLED's events, fatalities, violence
    # against civilians and IOM's displaced people, not its protests).
    acled = pd.DataFrame({"year": [2017], "region": ["national"], "metric": ["protests_events"],
                          "value": [22.0]})
    with pytest.raises(ConfigError, match="no target is produced by the adapter"):
        peacesim.calibrate("baseline", acled, {"patrol.presence": (0.1, 0.5)},
                           overrides=["population.size=1000", "steps=52"], progress=False)
    with pytest.raises(ConfigError, match="missing column"):
        read_targets(pd.DataFrame({"year": [2017]}))


def test_weights_balance_metrics_and_a_study_keeps_its_weights(calibration, targets):
    from peacesim.uq.calibrate import row_weights

    metrics = ["events"] * 36 + ["idps"] * 2
    w = row_weights(metrics, "metric")
    assert w[:36].sum() == pytest.approx(1.0) and w[36:].sum() == pytest.approx(1.0)
    assert np.array_equal(row_weights(metrics, {"idps": 5.0})[-2:], [5.0, 5.0])
    assert np.array_equal(row_weights(metrics, None), np.ones(38))
    # A row weighed 0 no longer counts, even when its value is missing.
    obs, share = np.array([100.0, 10.0]), np.array([False, False])
    sim = np.array([100.0, np.nan])
    assert distance(sim, obs, share, np.array([1.0, 0.0])) == 0.0
    assert distance(np.array([200.0, 10.0]), obs, share, np.array([1.0, 3.0])) == \
        pytest.approx(np.sqrt((np.log1p(200) - np.log1p(100)) ** 2 / 4))
    for bad, match in [({"protests": 1.0}, "no target of metric 'protests'"),
                       ({"events": -1.0}, "a weight is a number >= 0"),
                       ({"events": 0.0, "idps": 0.0}, "every target has weight 0"),
                       ("rows", "use 'metric'")]:
        with pytest.raises(ConfigError, match=match):
            row_weights(metrics, bad)
    # The stored study was made with every row alike: other weights are refused.
    _, out = calibration
    with pytest.raises(ConfigError, match="was made with weights null"):
        peacesim.calibrate("baseline", targets, {"patrol.presence": (0.05, 0.8)},
                           budget=26, overrides=SMALL, out=out, progress=False,
                           weights="metric")


def test_weights_on_the_command_line():
    from peacesim.uq.cli import _weights

    assert _weights(None) is None and _weights("metric") == "metric"
    assert _weights("events=1,idps=5") == {"events": 1.0, "idps": 5.0}
    with pytest.raises(ConfigError, match="expected 'metric' or METRIC=NUMBER"):
        _weights("events=lots")
