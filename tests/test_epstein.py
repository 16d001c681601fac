"""Tests of the Epstein (2002) Model I special case (peacesim.epstein).

Levels: kernels against their plain Python twins (bit for bit); conservation and consistency
of the state; the arrest rules; determinism; the batched mode against the sequential one
(exact limit and statistics); and small versions of the validation experiments, against the
published behaviour and against Mesa's bundled example (imported from the installed mesa).

Each kernel compiles once per session (and is cached on disk); runs that several tests read
are computed once in module-scoped fixtures.
"""

from __future__ import annotations

import math

import numba
import numpy as np
import pytest
from scipy import stats

from peacesim.epstein import EpsteinModel, EpsteinParams, count_outbursts
from peacesim.epstein import grid as G
from peacesim.epstein import kernels as K
from peacesim.epstein import model as epstein_model

STATE = ("occ", "state", "jail", "pos", "packed")

# Small grids on which the plain Python twins run in well under a second. Each exercises a
# different set of options; the dense ones make the move draws fail and fall back to the search.
TWIN_CASES = {
    "mesa": EpsteinParams.mesa_example(width=16, height=17, citizen_vision=3, cop_vision=4,
                                       legitimacy=0.5, max_jail_term=3),
    "netlogo": EpsteinParams.netlogo(width=16, height=15, citizen_vision=4, cop_vision=3,
                                     legitimacy=0.5, max_jail_term=3),
    "bounded-moore-continuous-dense": EpsteinParams.netlogo(
        width=16, height=15, citizen_vision=4, cop_vision=3, legitimacy=0.5, torus=False,
        neighbourhood="moore", arrest_rule="continuous", citizen_density=0.85,
        cop_density=0.1),
    "bounded-mesa-move-first-dense": EpsteinParams.mesa_example(
        width=12, height=13, citizen_vision=3, cop_vision=2, legitimacy=0.5, torus=False,
        move_first=True, max_jail_term=2, citizen_density=0.85, cop_density=0.1),
}


def _same_state(a: EpsteinModel, b: EpsteinModel) -> list[str]:
    return [name for name in STATE if not np.array_equal(getattr(a, name), getattr(b, name))]


# ------------------------------------------------------------------------------------------
# Kernels against twins
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("activation", ["sequential_random", "batched"])
@pytest.mark.parametrize("case", list(TWIN_CASES))
def test_kernel_matches_its_twin_bit_for_bit(case, activation):
    """Kernel and plain Python twin: the same state after every step."""
    params = EpsteinParams(**{**TWIN_CASES[case].__dict__, "activation": activation,
                              "batches": 4})
    fast = EpsteinModel(params, seed=3)
    twin = EpsteinModel(params, seed=3, backend="numpy")
    for step in range(1, 7):
        fast.step()
        twin.step()
        assert _same_state(fast, twin) == [], f"step {step}"
    assert fast.timeseries().equals(twin.timeseries())
    assert fast.timeseries().active.max() > 0  # something happened


@pytest.mark.parametrize("preset", ["netlogo", "mesa_example"])
def test_batched_with_one_agent_per_batch_is_the_sequential_run(preset):
    """The batched mode with batches of one agent is the sequential run, draw for draw."""
    make = getattr(EpsteinParams, preset)
    seq = EpsteinModel(make(), seed=5).run(25)
    bat = EpsteinModel(make(activation="batched", batches=10**9), seed=5).run(25)
    assert _same_state(seq, bat) == []


@pytest.mark.skipif(numba.config.NUMBA_NUM_THREADS < 2, reason="needs two Numba threads")
def test_batched_parallel_result_does_not_depend_on_thread_count():
    """Parallel batches give bit-identical runs on one and on two threads."""
    params = EpsteinParams.mesa_example(width=60, height=60, activation="batched", batches=2,
                                        legitimacy=0.6)
    before, threshold = numba.get_num_threads(), epstein_model.PARALLEL_MIN_BATCH
    try:
        epstein_model.PARALLEL_MIN_BATCH = 1000  # batches of ~1,390 agents run in parallel
        numba.set_num_threads(1)
        one = EpsteinModel(params, seed=2).run(8)
        numba.set_num_threads(2)
        two = EpsteinModel(params, seed=2).run(8)
    finally:
        numba.set_num_threads(before)
        epstein_model.PARALLEL_MIN_BATCH = threshold
    assert one._rules.parallel_min_batch == 1000 < (one.kind.size + 1) // 2
    assert _same_state(one, two) == []


# ------------------------------------------------------------------------------------------
# State consistency and conservation
# ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def netlogo_run():
    """NetLogo defaults with floor(C/A), 300 steps, seed 1 (shared by several tests)."""
    return EpsteinModel(EpsteinParams.netlogo(), seed=1).run(300)


@pytest.fixture(scope="module")
def mesa_run():
    """Mesa example's defaults, 150 steps, seed 1."""
    return EpsteinModel(EpsteinParams.mesa_example(), seed=1).run(150)


@pytest.mark.parametrize("fixture", ["netlogo_run", "mesa_run"])
def test_agents_are_conserved_and_the_grid_is_consistent(fixture, request):
    """Counts add up, one agent per cell, pos agrees with occ, the halo agrees with the grid."""
    model = request.getfixturevalue(fixture)
    p = model.params
    ts = model.timeseries()
    assert (ts.active + ts.quiet + ts.jailed == model.n_citizens).all()
    assert ((ts.active >= 0) & (ts.quiet >= 0) & (ts.jailed >= 0)).all()
    n = model.n_citizens + model.n_cops
    assert model.kind.size == n and np.count_nonzero(model.kind == 1) == model.n_cops
    on_grid = model.occ[model.occ >= 0]
    assert np.unique(on_grid).size == on_grid.size  # one agent per cell
    jailed = model.state[: model.n_citizens] == G.JAILED
    expected_on_grid = n - (np.count_nonzero(jailed) if p.jail == "leave_grid" else 0)
    assert on_grid.size == expected_on_grid
    assert np.array_equal(model.occ[model.pos[on_grid]], on_grid)  # pos agrees with occ
    # the padded counters and their halo copies agree with the occupancy grid
    assert np.array_equal(model.packed,
                          G.build_packed(model.occ, model.state, p.height, p.width, p.halo,
                                         p.torus))
    assert (model.jail >= 0).all() and (model.jail <= p.max_jail_term).all()
    assert ts.jailed.max() > 0 and ts.active.max() > 0


# ------------------------------------------------------------------------------------------
# Rules
# ------------------------------------------------------------------------------------------


def test_arrest_rules_floor_round_continuous():
    """P = 1 - exp(-k f(C/A)) for chosen C/A under the three rules (round: half to even)."""
    k = 2.3
    p = K.arrest_probability
    assert p(1, 1, k, "floor") == pytest.approx(0.8997, abs=1e-4)  # Epstein: ~0.9 at C = A = 1
    # C/A = 1/2: floor 0, Python's round(0.5) = 0 (half to even), continuous 0.5
    assert p(1, 2, k, "floor") == 0.0
    assert p(1, 2, k, "round") == 0.0
    assert p(1, 2, k, "continuous") == pytest.approx(1 - math.exp(-1.15))
    # C/A = 3/2: floor 1, round 2 (half to even); 5/2: round 2; 7/2: round 4
    assert p(3, 2, k, "floor") == pytest.approx(1 - math.exp(-2.3))
    assert p(3, 2, k, "round") == pytest.approx(1 - math.exp(-4.6))
    assert p(5, 2, k, "round") == pytest.approx(1 - math.exp(-4.6))
    assert p(7, 2, k, "round") == pytest.approx(1 - math.exp(-9.2))
    assert round(2.5) == 2 and round(3.5) == 4  # the Python rule the Mesa example uses
    # C/A = 2/3: floor 0, round 1, continuous 2/3
    assert p(2, 3, k, "floor") == 0.0
    assert p(2, 3, k, "round") == pytest.approx(1 - math.exp(-2.3))
    assert p(2, 3, k, "continuous") == pytest.approx(1 - math.exp(-2.3 * 2 / 3))
    assert p(0, 5, k, "continuous") == 0.0


def test_neighbourhoods_have_the_published_shapes():
    """Neighbourhood sizes at vision 7: von Neumann 112, Moore 224, Euclidean 148 cells."""
    sizes = {kind: len(G.neighbourhood_offsets(kind, 7)) - 1
             for kind in ("von_neumann", "moore", "euclidean")}
    # von Neumann radius 7 without centre: 2 * 7 * 8 = 112 cells (Mesa's get_neighborhood(7));
    # Moore: 15 * 15 - 1; NetLogo in-radius 7 (dx^2 + dy^2 <= 49): 149 cells with the centre
    assert sizes == {"von_neumann": 112, "moore": 224, "euclidean": 148}


def test_legitimacy_schedule_sudden_and_gradual():
    """Sudden and linear legitimacy schedules, and the L the model records."""
    sudden = EpsteinParams(legitimacy=0.82, legitimacy_change=-0.1,
                           legitimacy_change_start=10, legitimacy_change_end=10)
    gradual = EpsteinParams(legitimacy=0.82, legitimacy_change=-0.1,
                            legitimacy_change_start=10, legitimacy_change_end=20)
    assert [sudden.legitimacy_at(t) for t in (9, 10, 30)] == pytest.approx([0.82, 0.72, 0.72])
    assert [gradual.legitimacy_at(t) for t in (9, 10, 15, 20, 30)] == pytest.approx(
        [0.82, 0.82, 0.77, 0.72, 0.72])
    ts = EpsteinModel(EpsteinParams.netlogo(**{**sudden.__dict__}), seed=0).run(12).timeseries()
    assert ts.legitimacy.tolist() == pytest.approx([0.82] * 10 + [0.72] * 3)


@pytest.mark.parametrize("bad", [
    dict(citizen_density=0.7, cop_density=0.3),
    dict(width=14),  # a torus needs 2 * vision + 1 = 15 cells
    dict(arrest_rule="ceil"),
    dict(legitimacy=0.1, legitimacy_change=-0.2),
    dict(threshold=1.5),
])
def test_invalid_parameters_are_refused(bad):
    """Out-of-range or inconsistent parameters raise ValueError."""
    with pytest.raises(ValueError):
        EpsteinParams.netlogo(**bad)


def test_count_outbursts_on_a_known_series():
    """Outbursts of a hand-made series: starts, peaks, lengths, burn-in."""
    active = [0, 0, 60, 80, 10, 0, 70, 0, 0, 90, 95]
    starts, peaks, lengths = count_outbursts(active, threshold=50)
    assert starts.tolist() == [2, 6, 9] and peaks.tolist() == [80, 70, 95]
    assert lengths.tolist() == [2, 1, 2]
    assert count_outbursts(active, 50, burn_in=5)[0].tolist() == [6, 9]


# ------------------------------------------------------------------------------------------
# Determinism
# ------------------------------------------------------------------------------------------


def test_same_seed_same_run_other_seed_other_run(netlogo_run):
    """Same seed, same run; another seed, another run."""
    again = EpsteinModel(EpsteinParams.netlogo(), seed=1).run(300)
    assert again.timeseries().equals(netlogo_run.timeseries())
    assert _same_state(again, netlogo_run) == []
    other = EpsteinModel(EpsteinParams.netlogo(), seed=2).run(300)
    assert not other.timeseries().equals(netlogo_run.timeseries())
    assert not np.array_equal(other.pos, netlogo_run.pos)


# ------------------------------------------------------------------------------------------
# Small versions of the validation experiments
# ------------------------------------------------------------------------------------------


def test_floor_gives_outbursts_continuous_stays_near_quiescent(netlogo_run):
    """Small version of the outburst and continuous-rule validations (NetLogo defaults)."""
    floor = netlogo_run.summary(burn_in=50)
    cont = EpsteinModel(EpsteinParams.netlogo(arrest_rule="continuous"), seed=1).run(300)
    cont = cont.summary(burn_in=50)
    assert floor["outbursts"] >= 3  # punctuated equilibrium (NetLogo Rebellion, Info tab)
    assert floor["max_active"] > 0.15 * floor["citizens"]
    assert cont["outbursts"] == 0
    assert cont["mean_active"] < 0.01 * cont["citizens"]
    assert floor["mean_active"] > 10 * cont["mean_active"]


def test_batched_mode_matches_sequential_statistically():
    """Welch t-test on per-seed means (8 seeds, 250 steps, NetLogo floor), alpha = 0.01."""
    def means(activation):
        out = []
        for seed in range(8):
            m = EpsteinModel(EpsteinParams.netlogo(activation=activation), seed=seed).run(250)
            ts = m.timeseries().iloc[50:]
            out.append((ts.active.mean(), ts.jailed.mean()))
        return np.array(out)

    seq, bat = means("sequential_random"), means("batched")
    for column in range(2):
        assert stats.ttest_ind(seq[:, column], bat[:, column], equal_var=False).pvalue > 0.01
        assert bat[:, column].mean() == pytest.approx(seq[:, column].mean(), rel=0.2)


mesa_example = pytest.importorskip("mesa.examples.advanced.epstein_civil_violence.model")


def _mesa_state(model, params):
    """Citizens' H, R, state, jail and cells, and cops' cells, of a Mesa example model."""
    from mesa.examples.advanced.epstein_civil_violence.agents import Citizen, CitizenState

    codes = {CitizenState.QUIET: G.QUIET, CitizenState.ACTIVE: G.ACTIVE,
             CitizenState.ARRESTED: G.JAILED}
    citizens = list(model.agents_by_type[Citizen])
    cops = [a for a in model.agents if not isinstance(a, Citizen)]

    def cell(agent):
        i, j = agent.cell.coordinate
        return i * params.height + j

    return citizens, dict(
        hardship=[c.hardship for c in citizens], risk=[c.risk_aversion for c in citizens],
        state=[codes[c.state] for c in citizens], jail=[c.jail_sentence for c in citizens],
        citizen_cells=[cell(c) for c in citizens], cop_cells=[cell(c) for c in cops])


def test_arrest_probabilities_equal_mesa_examples_on_the_same_grid():
    """Same configuration, citizen by citizen: Mesa's P and peacesim's P are equal."""
    kw = dict(width=20, height=20, legitimacy=0.6)
    mesa_model = mesa_example.EpsteinCivilViolence(seed=3, **kw)
    for _ in range(2):  # seed 3: 45 active and 58 jailed citizens after two steps
        mesa_model.step()
    params = EpsteinParams.mesa_example(**kw)
    citizens, state = _mesa_state(mesa_model, params)
    assert sum(s == G.ACTIVE for s in state["state"]) > 10
    assert sum(s == G.JAILED for s in state["state"]) > 10
    ours = EpsteinModel.from_state(params, **state).arrest_probabilities()
    theirs = []
    for c in citizens:
        c.update_neighbors()
        c.update_estimated_arrest_probability()
        theirs.append(c.arrest_probability)
    assert np.array_equal(ours, np.array(theirs))
    assert len(set(theirs)) > 1  # several values of round(C/A) occur


def test_small_comparison_with_mesa_example_over_seeds():
    """20x20 grid, 12 seeds x 6 steps, L = 0.6: means agree (Mann-Whitney, alpha = 0.001)."""
    kw = dict(width=20, height=20, legitimacy=0.6)
    steps, seeds = 6, range(12)
    ours, theirs = [], []
    for seed in seeds:
        ts = EpsteinModel(EpsteinParams.mesa_example(**kw), seed=seed).run(steps).timeseries()
        ours.append(ts[["active", "jailed"]].to_numpy()[1:].mean(axis=0))
        m = mesa_example.EpsteinCivilViolence(seed=seed, **kw)
        for _ in range(steps):
            m.step()
        df = m.datacollector.get_model_vars_dataframe()
        theirs.append(df[["active", "arrested"]].to_numpy()[1:].mean(axis=0))
    ours, theirs = np.array(ours), np.array(theirs)
    for column in range(2):
        assert stats.mannwhitneyu(ours[:, column], theirs[:, column]).pvalue > 0.001
        assert ours[:, column].mean() == pytest.approx(theirs[:, column].mean(), rel=0.5)
    assert theirs[:, 1].mean() > 5  # the comparison is not between two empty runs
