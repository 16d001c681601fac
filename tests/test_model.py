"""The core model end to end: invariants, determinism, agents as views, checkpoints, results.

Runs are small (5,000 community members, 20 weeks) and shared across tests through the
session cache of ``conftest.run_small``; the frozen-seed baseline in ``tests/baseline/`` is
a 52-week run that must be reproduced exactly.
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import SMALL_STEPS, run_small, small_model

import peacesim
from peacesim.mechanisms.base import PHASES
from peacesim.model import InvariantError
from peacesim.population import YOUTH
from peacesim.world import MALI_REGIONS

REQUIRED_COLUMNS = ("step", "region", "trust_in_sdf", "sdf_trust_in_community",
                    "social_cohesion", "armed_group_support", "armed_group_strength",
                    "youth_recruited", "attacks", "civilian_harm", "dialogue_sessions",
                    "information_sharing")
MALI_REGION_NAMES = ("Kayes", "Koulikoro", "Sikasso", "Ségou", "Mopti", "Tombouctou", "Gao",
                     "Kidal", "Bamako")


def assert_same_frames(a: pd.DataFrame, b: pd.DataFrame) -> None:
    """Exact equality of two result tables (values, dtypes, index)."""
    pd.testing.assert_frame_equal(a, b, check_exact=True)


# ----------------------------------------------------------------------------- invariants


def test_check_true_run_holds_every_invariant(checked_model):
    """``check=true`` asserts the invariants after every mechanism; the run gets through.

    And its results are finite and in range.
    """
    model = checked_model
    assert model.steps == SMALL_STEPS
    ts = model.timeseries()
    assert len(ts) == (SMALL_STEPS + 1) * len(model.region_names)
    values = ts.drop(columns=["step", "region"])
    assert not values.isna().any().any(), "NaN in the timeseries"
    assert np.isfinite(values.to_numpy()).all()
    for name, metric in model.metrics().items():
        col = ts[name]
        assert (col >= 0).all(), f"{name} ({metric.kind}) is negative"
        if metric.kind == "share":
            assert (col <= 1).all(), f"share {name} exceeds 1"
    nat = model.national()
    for name, metric in model.metrics().items():
        if metric.kind == "share":
            assert nat[name].between(0, 1).all(), name


def test_invariants_after_every_step():
    """Stepping by hand: the state stays in range and no member is lost or created."""
    model = small_model("population.agent_objects=none")
    people, cells = model.people, model.cells
    size = model.config.population.size
    youth = int(people.has(YOUTH).sum())
    strength_positive = True
    for t in range(1, SMALL_STEPS + 1):
        model.step()
        assert model.steps == t
        model.check_invariants(t, "test")
        for name in ("trust", "cohesion", "harm_memory"):
            col = people[name]
            assert col.dtype == np.float32
            assert np.isfinite(col).all() and col.min() >= 0 and col.max() <= 1, name
        # Every member is either in the community or in an armed group (only youth join).
        recruited = int((people["affiliation"] >= 0).sum())
        assert int(cells["members"].sum()) + recruited == size
        assert int(cells["youth_recruited"].sum()) == recruited
        assert int(cells["youth"].sum()) == youth
        assert np.all(people["affiliation"][~people.has(YOUTH)] < 0)
        strength_positive &= bool(np.all(model.mechanisms["armed_groups"].groups["strength"] >= 0))
    assert strength_positive
    with pytest.raises(RuntimeError, match="past the end"):
        model.step()


@pytest.mark.parametrize("bad", [1.5, np.nan, -0.25])
@pytest.mark.parametrize("column", ["trust", "cohesion"])
def test_check_invariants_raises_on_corrupt_column(column, bad):
    model = small_model("steps=3", "population.agent_objects=none")
    model.check_invariants(0, "setup")  # a fresh model is sound
    model.people[column][17] = bad
    with pytest.raises(InvariantError, match=rf"step 7, after trust\.update: .*{column}"):
        model.check_invariants(7, "trust.update")


def test_check_invariants_raises_on_corrupt_cell_and_group():
    model = small_model("steps=3", "population.agent_objects=none")
    model.cells["info"][3] = 2.0
    with pytest.raises(InvariantError, match="step 2, after information.share: .*info"):
        model.check_invariants(2, "information.share")
    model.cells["info"][3] = 0.0
    model.mechanisms["armed_groups"].groups["strength"][0] = -1.0
    with pytest.raises(InvariantError, match="strength"):
        model.check_invariants(2, "armed_groups.recruit")


def test_check_true_names_the_mechanism_that_broke_an_invariant():
    """With ``check=true`` a mechanism that leaves a value out of range is named.

    The model checks after each mechanism, so the error names it, with the step.
    """
    model = small_model("steps=3", "check=true", "population.agent_objects=none")
    dialogue = model.mechanisms["dialogue"]
    hold = dialogue.hold

    def corrupting_hold(t):
        hold(t)
        if t == 2:
            model.people["trust"][0] = np.float32(1.5)

    dialogue.hold = corrupting_hold
    model.step()
    with pytest.raises(InvariantError, match=r"^step 2, after dialogue\.hold: .*trust"):
        model.step()


def test_check_false_does_not_check():
    model = small_model("steps=3", "population.agent_objects=none")
    model.people["cohesion"][0] = np.float32(np.nan)
    model.step()  # no InvariantError: checking is off by default


# ----------------------------------------------------------------------------- determinism


def test_same_config_and_seed_give_identical_results():
    a = small_model("population.agent_objects=none")
    b = small_model("population.agent_objects=none")
    a.run()
    b.run()
    assert_same_frames(a.timeseries(), b.timeseries())
    assert a.summary() == b.summary()


def test_different_seeds_differ():
    one = run_small("population.agent_objects=none")[0]
    two = run_small("population.agent_objects=none", seed=2)[0]
    cols = ["trust_in_sdf", "armed_group_strength", "social_cohesion"]
    assert not one[cols].equals(two[cols])
    # Seeds change draws, not the world: same steps, regions and populations.
    assert one[["step", "region", "population"]].equals(two[["step", "region", "population"]])


def test_agent_objects_do_not_change_results(checked_model):
    none = run_small("population.agent_objects=none")[0]
    assert_same_frames(run_small("population.agent_objects=all")[0], none)
    assert_same_frames(run_small("population.agent_objects=actors")[0], none)
    # check=true only reads the state: it changes nothing either.
    assert_same_frames(checked_model.timeseries(), none)


_THREADS_SCRIPT = textwrap.dedent("""
    import hashlib, json, sys
    import numba
    import peacesim
    model = peacesim.PeaceModel(peacesim.to_config(json.loads(sys.argv[1])))
    model.run()
    text = model.timeseries().to_csv(index=False, float_format="%.17g", lineterminator="\\n")
    print(numba.get_num_threads(), hashlib.sha256(text.encode()).hexdigest())
""")


@pytest.mark.slow
def test_bit_identical_for_one_and_two_threads():
    """Counter-based draws and per-cell loops in row order: the thread count changes nothing.

    Each thread count runs in its own process (Numba fixes the pool at start-up); both run
    at once.
    """
    cfg = {"steps": 15, "seed": 3, "population": {"size": 8000, "agent_objects": "none"}}
    procs = {threads: subprocess.Popen(
        [sys.executable, "-c", _THREADS_SCRIPT, json.dumps(cfg)],
        env=dict(os.environ, NUMBA_NUM_THREADS=str(threads)), stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True) for threads in (1, 2)}
    hashes = {}
    for threads, proc in procs.items():
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err[-2000:]
        used, digest = out.split()[-2:]
        assert int(used) == threads
        hashes[threads] = digest
    assert hashes[1] == hashes[2]
    model = peacesim.PeaceModel(peacesim.to_config(cfg))
    model.run()
    text = model.timeseries().to_csv(index=False, float_format="%.17g", lineterminator="\n")
    assert hashlib.sha256(text.encode()).hexdigest() == hashes[1]


# ----------------------------------------------------------------------------- agents


def test_all_four_agent_types_view_the_arrays():
    model = small_model("population.agent_objects=all")
    by_type = model.agents_by_type
    kinds = {cls.__name__: agents for cls, agents in by_type.items()}
    assert set(kinds) == {"Youth", "WomensGroup", "SecurityForce", "ArmedGroup"}
    people = model.people
    assert len(kinds["Youth"]) == int(people.has(YOUTH).sum()) > 0
    assert len(kinds["SecurityForce"]) == model.mechanisms["patrol"].units.size > 0
    assert len(kinds["ArmedGroup"]) == model.mechanisms["armed_groups"].groups.size > 0
    assert len(kinds["WomensGroup"]) == model.mechanisms["womens_groups"].groups.size > 0

    youth = list(by_type[peacesim.Youth])[5]
    row = youth.row
    assert people.traits[row] & YOUTH
    assert youth.trust_in_sdf == float(people["trust"][row])
    youth.trust_in_sdf = 0.25
    assert people["trust"][row] == np.float32(0.25)
    youth.grievance_from_harm = 0.5
    assert people["harm_memory"][row] == np.float32(0.5)
    assert youth.hardship == float(people["hardship"][row])
    assert youth.region in MALI_REGION_NAMES and youth.cell == int(people.cell[row])
    assert youth.recruited is False

    unit = list(by_type[peacesim.SecurityForce])[0]
    unit.conduct = 0.99
    assert model.mechanisms["patrol"].units["conduct"][unit.row] == 0.99
    assert unit.kind in ("army", "MOC", "UN")
    with pytest.raises(AttributeError):
        unit.pos = (0, 0)

    group = list(by_type[peacesim.ArmedGroup])[0]
    group.strength = 123.0
    assert model.mechanisms["armed_groups"].groups["strength"][group.row] == 123.0
    assert group.pos == (int(model.world.cell_row[group.cell]),
                         int(model.world.cell_col[group.cell]))

    women = list(by_type[peacesim.WomensGroup])[0]
    assert women.reach == model.config.womens_groups.reach
    assert women.region in MALI_REGION_NAMES


def test_youth_grievance_matches_the_kernel(checked_model):
    """Youth.grievance recomputes G as the grievance kernel does.

    In each cell, the youth's G (from the agents) plus the others' (from the arrays) is the
    kernel's per-cell sum.
    """
    model = checked_model
    people, cells = model.people, model.cells
    job_relief = model.config.grievance.job_relief
    legitimacy = cells["legitimacy"][people.cell]
    h = people["hardship"].astype(np.float64)
    employed_youth = people.has(YOUTH) & ((people["status"] & 1) != 0)
    h = np.where(employed_youth, h * (1.0 - job_relief), h)
    g = np.minimum(1.0, h * (1.0 - legitimacy) + people["harm_memory"].astype(np.float64))
    for agent in model.agents_by_type[peacesim.Youth]:
        g[agent.row] = agent.grievance
    per_cell = np.bincount(people.cell, weights=g, minlength=model.world.n_cells)
    np.testing.assert_allclose(per_cell, cells["grievance_sum"], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("which, expected", [("actors", {"WomensGroup", "SecurityForce",
                                                         "ArmedGroup"}),
                                             ("none", set()),
                                             ("auto", {"Youth", "WomensGroup", "SecurityForce",
                                                       "ArmedGroup"})])
def test_agent_objects_choice(which, expected):
    model = small_model(f"population.agent_objects={which}", size=500)
    assert {cls.__name__ for cls, agents in model.agents_by_type.items() if len(agents)} \
        == expected


def test_agent_objects_unknown_value_is_refused():
    with pytest.raises(ValueError, match="agent_objects"):
        peacesim.PeaceModel(peacesim.to_config({"population": {"size": 500,
                                                               "agent_objects": "some"}}))


# ----------------------------------------------------------------------------- step plan


def test_step_plan_follows_the_documented_phases():
    assert PHASES == ("programmes", "deployment", "violence", "operations", "information",
                      "dialogue", "trust", "grievance", "recruitment", "record")
    model = small_model("steps=2", "population.agent_objects=none")
    plan = model.step_plan()
    assert list(plan.columns) == ["phase", "mechanism", "method", "seconds"]
    phases = plan["phase"].tolist()
    assert phases[-1] == "record" and plan.iloc[-1]["method"] == "results"
    assert plan.iloc[-2]["mechanism"] == "census"  # the counts come last, then the results
    order = [PHASES.index(p) for p in phases[:-1]]
    assert order == sorted(order) and set(phases[:-1]) == set(PHASES)
    entries = [f"{m}.{f}" for m, f in zip(plan["mechanism"], plan["method"], strict=True)]
    # Every mechanism's methods appear, each once.
    assert len(entries) == len(set(entries))
    for mech in model.mechanisms.values():
        for method in mech.phases.values():
            assert f"{mech.name}.{method}" in entries

    def before(a, b):
        return entries.index(a) < entries.index(b)

    # Dependencies the mechanisms rely on.
    assert before("patrol.deploy", "conduct.train")  # training adjusts this week's kinds
    assert before("armed_groups.act", "communal.clash")
    assert before("armed_groups.act", "patrol.operate")
    assert before("dialogue.hold", "trust.update")
    assert before("trust.update", "grievance.update")
    assert before("grievance.update", "armed_groups.recruit")
    assert (plan["seconds"] == 0).all()
    model.run()
    assert (model.step_plan()["seconds"] > 0).all()


# ----------------------------------------------------------------------------- checkpoints


@pytest.mark.parametrize("through_file", [False, True])
def test_checkpoint_resume_equals_uninterrupted_run(through_file):
    full = run_small("population.agent_objects=none")[0]
    first = small_model("population.agent_objects=none")
    for _ in range(10):
        first.step()
    state = first.state()
    if through_file:
        buffer = io.BytesIO()
        np.savez(buffer, **state)
        buffer.seek(0)
        with np.load(buffer) as data:
            state = {k: data[k] for k in data.files}
    resumed = small_model("population.agent_objects=none")
    resumed.load_state(state)
    assert resumed.steps == 10
    resumed.run()
    assert resumed.steps == SMALL_STEPS
    assert_same_frames(resumed.timeseries(), full)
    # The interrupted model continues identically too.
    first.run()
    assert_same_frames(first.timeseries(), full)


def test_state_is_a_copy():
    model = small_model("steps=3", "population.agent_objects=none")
    state = model.state()
    state["table.people.trust"][:] = 0
    assert model.people["trust"].max() > 0


# ----------------------------------------------------------------------------- results


def test_timeseries_layout_and_regions():
    ts, nat, summary = run_small("population.agent_objects=none")
    for col in REQUIRED_COLUMNS:
        assert col in ts.columns, col
    assert list(ts.columns[:2]) == ["step", "region"]
    assert list(ts["region"].cat.categories) == list(MALI_REGION_NAMES)
    assert ts.groupby("step", observed=True).size().eq(9).all()
    assert ts["step"].tolist() == np.repeat(np.arange(SMALL_STEPS + 1), 9).tolist()
    assert list(peacesim.to_config(None).geography.regions) == list(MALI_REGIONS)
    metrics = [c for c in ts.columns if c not in ("step", "region", "population")]
    assert set(nat.columns) == {"step", *metrics}
    assert set(summary) == {f"{m}_{k}" for m in metrics for k in ("final", "mean", "mean_run")}
    for m in metrics:
        assert summary[f"{m}_final"] == nat[m].iloc[-1]
        # The baseline declares no counterfactual: its programme period is the whole run.
        assert summary[f"{m}_mean"] == pytest.approx(nat[m].iloc[1:].mean(), rel=1e-12)
        assert summary[f"{m}_mean_run"] == summary[f"{m}_mean"]


def test_programme_period_means_start_at_the_intervention():
    """``_mean`` covers the programme period, ``_mean_run`` the whole run.

    The programme period starts with the programmes the counterfactual switches off.
    """
    cfg = peacesim.load_config("justice_access", ["steps=30", "population.size=3000",
                                                  "justice.start=12",
                                                  "population.agent_objects=none"])
    model = peacesim.PeaceModel(cfg).run()
    assert model.programme_start == 12
    nat, summary = model.national(), model.summary()
    series = nat["justice_access"]
    assert summary["justice_access_mean"] == pytest.approx(series.iloc[12:].mean(), rel=1e-12)
    assert summary["justice_access_mean_run"] == pytest.approx(series.iloc[1:].mean(),
                                                               rel=1e-12)
    assert summary["justice_access_mean"] > summary["justice_access_mean_run"]


def test_national_aggregates_the_regions(checked_model):
    ts, nat = checked_model.timeseries(), checked_model.national()
    for name, metric in checked_model.metrics().items():
        regional = ts.pivot(index="step", columns="region", values=name)
        if metric.kind in ("count", "level"):
            np.testing.assert_allclose(nat[name], regional.sum(axis=1), rtol=1e-12, atol=0)
        elif metric.weight == "population":
            w = ts.pivot(index="step", columns="region", values="population")
            np.testing.assert_allclose(nat[name], (regional * w).sum(axis=1) / w.sum(axis=1),
                                       rtol=1e-12, atol=1e-15)
        else:  # weighted by members or youth: between the regional extremes
            assert (nat[name] >= regional.min(axis=1) - 1e-12).all(), name
            assert (nat[name] <= regional.max(axis=1) + 1e-12).all(), name


def test_starting_trust_matches_afrobarometer():
    """Afrobarometer R8 (2020): 82 % of Malians trust the defence forces partly or a lot."""
    nat = run_small("population.agent_objects=none")[1]
    assert abs(nat["trust_in_sdf"].iloc[0] - 0.82) < 0.03
    ts = run_small("population.agent_objects=none")[0]
    start = ts[ts["step"] == 0].set_index("region")["trust_in_sdf"]
    # Regions keep their survey ordering at the start (Kidal lowest, the south highest).
    assert start.idxmin() == "Kidal"
    assert start["Kayes"] > start["Mopti"] > start["Kidal"]


def test_step_zero_is_before_any_event():
    nat = run_small("population.agent_objects=none")[1]
    first = nat.iloc[0]
    for name in ("attacks", "civilian_harm", "dialogue_sessions", "new_recruits",
                 "operations_success", "youth_recruited"):
        assert first[name] == 0, name
    assert nat["attacks"].iloc[1:].sum() > 0


def test_people_per_agent_scales_with_population():
    small = small_model("steps=1", "population.agent_objects=none", size=1000)
    large = small_model("steps=1", "population.agent_objects=none", size=4000)
    assert small.people.size == 1000 and large.people.size == 4000
    assert small.people_per_agent == pytest.approx(4 * large.people_per_agent, rel=1e-12)
    assert small.people_per_agent * 1000 == pytest.approx(small.world.people.sum(), rel=1e-12)


# ----------------------------------------------------------------------------- frozen baseline


def _baseline_module():
    path = Path(__file__).parent / "baseline" / "regenerate.py"
    spec = importlib.util.spec_from_file_location("peacesim_tests_baseline", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_frozen_seed_baseline():
    """The national series of a 52-week, 5,000-member, seed-1 run is reproduced exactly.

    It is frozen in tests/baseline/; a change to the model's numbers must be made on purpose.
    """
    baseline = _baseline_module()
    frozen = baseline.read()
    now = baseline.compute()
    how = ("the model's numbers changed from the frozen baseline. If the change is intended, "
           "run `python tests/baseline/regenerate.py` and commit "
           f"{baseline.PATH.name} with the reason.")
    assert list(now.columns) == list(frozen.columns), f"metrics differ: {how}"
    for name in now.columns:
        differ = np.flatnonzero(now[name].to_numpy() != frozen[name].to_numpy())
        assert len(differ) == 0, (
            f"{name} first differs at step {differ[0]}: now {now[name].iloc[differ[0]]!r}, "
            f"frozen {frozen[name].iloc[differ[0]]!r}; {how}")
    assert_same_frames(now, frozen)



# ------------------------------------------------------------------ step counter, threads


def test_a_refused_step_leaves_the_step_counter():
    model = small_model("steps=2", "population.agent_objects=none", size=500)
    model.run()
    with pytest.raises(RuntimeError, match="past the end"):
        model.step()
    assert model.steps == 2


def test_threads_zero_means_all_threads_even_after_a_one_thread_model():
    import numba

    available = numba.config.NUMBA_NUM_THREADS
    if available < 2:
        pytest.skip("needs at least two Numba threads")  # pragma: no cover
    try:
        small_model("threads=1", "population.agent_objects=none", size=500)
        assert numba.get_num_threads() == 1
        small_model("threads=0", "population.agent_objects=none", size=500)
        assert numba.get_num_threads() == available
    finally:
        numba.set_num_threads(available)
