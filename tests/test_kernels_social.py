"""Fused weekly loops of the social mechanisms against the NumPy calls they replaced.

At 10,000 members a week's trust or grievance update was a dozen NumPy and Numba calls on a
few thousand cells, each paying its fixed cost; the mechanisms now make one or two compiled
calls. Each fused loop here is run next to its twin, the sequence of NumPy operations the
mechanism made before (in their order), on random inputs with empty cells, cells without
neighbours, zero and certain probabilities, over several steps, and must give the same bits
in every output. The serial and the parallel compilations are both checked.
"""

from __future__ import annotations

import numpy as np
import pytest

from peacesim.kernels import dispatch
from peacesim.random import Streams

STREAMS = Streams(77)
KEYS = tuple(STREAMS[f"test.social.{k}"] for k in "abcde")
STEPS = (0, 1, 9, 300)


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    """True when two arrays have the same dtype, shape and bytes."""
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


@pytest.fixture(params=[False, True], ids=["serial", "parallel"])
def compilation(request):
    """Run the test with the serial, then the parallel, compilation of the cell kernels."""
    dispatch.force(request.param)
    yield request.param
    dispatch.force(None)


class World:
    """Random cells with members, neighbours and per-cell probabilities (one per seed)."""

    def __init__(self, seed: int, n_cells: int = 300):
        rng = np.random.default_rng(seed)
        self.rng = rng
        counts = rng.poisson(6.0, n_cells).astype(np.int64)
        counts[rng.random(n_cells) < 0.4] = 0  # many empty cells, as at 10,000 members
        counts[:3] = (0, 1, 2)
        counts[-1] = 60
        self.n_cells = n_cells
        self.counts = counts
        self.offsets = np.zeros(n_cells + 1, dtype=np.int64)
        np.cumsum(counts, out=self.offsets[1:])
        self.n = int(self.offsets[-1])
        nbrs = rng.integers(0, 9, n_cells)
        nbrs[5] = 0  # a cell without neighbours
        self.nbr_offsets = np.concatenate([[0], np.cumsum(nbrs)]).astype(np.int64)
        self.nbr_targets = rng.integers(0, n_cells, self.nbr_offsets[-1]).astype(np.int64)

    def probs(self, high: float = 1.0, zero_share: float = 0.5) -> np.ndarray:
        """Per-cell probabilities in [0, high], 0 in about ``zero_share`` of cells, 1 in one."""
        p = self.rng.random(self.n_cells) * high
        p[self.rng.random(self.n_cells) < zero_share] = 0.0
        p[7] = 1.0
        return p

    def member_column(self, low: float = 0.0, high: float = 1.0) -> np.ndarray:
        """A float32 member column in [low, high], with the bounds themselves in it."""
        x = (low + (high - low) * self.rng.random(self.n)).astype(np.float32)
        x[:4] = (low, high, low, high)
        return x


# ----------------------------------------------------------------------------- trust


def _trust_week_inputs(w: World):
    rng = w.rng
    n = w.n_cells
    exposure = np.where(rng.random(w.n) < 0.2, 0.0, 0.5 + 1.5 * rng.random(w.n))
    members = np.minimum(w.counts, rng.integers(0, 8, n)).astype(np.int64)
    members[w.nbr_targets[w.nbr_offsets[9]:w.nbr_offsets[10]]] = 0  # neighbours, no members
    return dict(
        exposure=exposure.astype(np.float32),
        exp_bad=np.exp(-rng.exponential(0.3, n)), exp_good=np.exp(-rng.exponential(0.1, n)),
        p_protect=w.probs(0.6), p_contact=w.probs(0.5), p_harm_forces=w.probs(0.5),
        p_harm_violence=w.probs(0.5), accountability=w.probs(), units_near=rng.poisson(0.7, n)
        .astype(float), survey=rng.random(n), trust_sum=members * rng.random(n),
        members=members)


TRUST_PARAMS = [
    # memory, hearsay_weight, negative_weight, prior, hear_loss, accountability_repair,
    # gain, loss, fail_loss, hear_gain, drift, nbr_eps, nbr_mu, encounters, eps, mu
    (0.99, 0.3, 6.0, 52.0, 0.05, 0.5, 0.05, 0.3, 0.1, 0.01, 0.01, 0.2, 0.02, 0.5, 0.2, 0.1),
    (0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 3.0, 1.0, 0.5),
    (0.95, 0.0, 10.0, 260.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0),
]


def _run_trust_week(fn, w: World, state, inputs, params, step):
    i = inputs
    fn(w.offsets, state["trust"], i["exposure"], i["exp_bad"], i["exp_good"], i["p_protect"],
       i["p_contact"], i["p_harm_forces"], i["p_harm_violence"], i["accountability"],
       i["units_near"], i["survey"], w.nbr_offsets, w.nbr_targets, i["trust_sum"],
       i["members"], *params, *KEYS, step, *(state[k] for k in TRUST_OUTPUTS[1:]))


TRUST_OUTPUTS = ("trust", "good_acts", "bad_acts", "reputation", "p_hear_bad", "p_hear_good",
                 "harmed_forces", "harmed_violence", "heard_bad")


@pytest.mark.parametrize("params", TRUST_PARAMS)
@pytest.mark.parametrize("seed", [0, 1])
def test_trust_week_equals_the_calls_it_replaced(seed, params, compilation):
    from peacesim.kernels.trust import trust_week, trust_week_numpy

    w = World(seed)
    inputs = _trust_week_inputs(w)
    n = w.n_cells
    start = dict(trust=w.member_column(), good_acts=w.rng.random(n) * 9.0,
                 bad_acts=w.rng.random(n) * 3.0)
    states = []
    for _ in range(2):
        state = {k: v.copy() for k, v in start.items()}
        state.update({k: np.full(n, np.nan) for k in TRUST_OUTPUTS[3:6]})
        state.update({k: np.full(n, -7, dtype=np.int64) for k in TRUST_OUTPUTS[6:]})
        states.append(state)
    fired = 0
    for step in STEPS:
        _run_trust_week(trust_week, w, states[0], inputs, params, step)
        _run_trust_week(trust_week_numpy, w, states[1], inputs, params, step)
        for k in TRUST_OUTPUTS:
            assert same_bits(states[0][k], states[1][k]), f"{k} differs at step {step}"
        fired += int(states[0]["harmed_forces"].sum() + states[0]["heard_bad"].sum())
    trust = states[0]["trust"]
    assert trust.min() >= 0.0 and trust.max() <= 1.0
    assert not states[0]["harmed_forces"][w.counts == 0].any()
    assert fired > 0  # the draws fired
    if params[6] > 0:  # some gain: trust moved
        assert not same_bits(trust, start["trust"])


def test_trust_week_rejects_a_convergence_rate_above_one_half():
    from peacesim.kernels.trust import trust_week

    w = World(3, n_cells=20)
    inputs = _trust_week_inputs(w)
    state = dict(trust=w.member_column(), good_acts=np.zeros(20), bad_acts=np.zeros(20))
    state.update({k: np.empty(20) for k in TRUST_OUTPUTS[3:6]})
    state.update({k: np.empty(20, dtype=np.int64) for k in TRUST_OUTPUTS[6:]})
    params = TRUST_PARAMS[0][:-1] + (0.7,)
    with pytest.raises(ValueError, match="mu"):
        _run_trust_week(trust_week, w, state, inputs, params, 0)


# ----------------------------------------------------------------------------- grievance


@pytest.mark.parametrize("floor_ratio", [False, True])
@pytest.mark.parametrize("armed_scale", [50.0, 1e-310])
def test_risk_exponent_equals_the_array_formula(floor_ratio, armed_scale):
    from peacesim.kernels.grievance import risk_exponent, risk_exponent_numpy

    w = World(4)
    units_near = w.rng.poisson(1.5, w.n_cells) * w.rng.random(w.n_cells) * 3.0
    armed_near = w.rng.exponential(80.0, w.n_cells)
    armed_near[::4] = 0.0
    a, b = np.full(w.n_cells, np.nan), np.full(w.n_cells, np.nan)
    risk_exponent(units_near, armed_near, armed_scale, -2.3, floor_ratio, a)
    risk_exponent_numpy(units_near, armed_near, armed_scale, -2.3, floor_ratio, b)
    assert same_bits(a, b)
    assert np.all(a <= 0.0)


GRIEVANCE_PARAMS = [
    # abuse_decay, justice_legitimacy, abuse_weight, legitimacy_rate, harm_gain, violence_gain,
    # hearsay_gain, forget, resolve, job_relief, trust_weight, threshold
    (0.05, 0.3, 10.0, 0.04, 0.5, 0.2, 0.15, 0.01, 0.05, 0.5, 0.3, 0.1),
    (1.0, 1.0, 30.0, 1.0, 1.0, 1.0, 0.3, 0.0, 0.0, 1.0, 0.0, 0.0),
    (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 2.0, 1.0),
]
GRIEVANCE_OUTPUTS = ("status", "harm_memory", "abuse", "legitimacy", "risk", "sympathisers",
                     "grievance_sum")


def _run_grievance_week(fn, w: World, state, inputs, params, step):
    i = inputs
    fn(w.offsets, i["traits"], state["status"], i["hardship"], i["risk_aversion"], i["trust"],
       state["harm_memory"], i["exposure"], i["legitimacy_base"], i["justice_boost"],
       i["justice"], i["p_harm_forces"], i["p_harm_violence"], i["p_hear_bad"], i["exp_risk"],
       *params, *KEYS[1:4], step, *(state[k] for k in GRIEVANCE_OUTPUTS[2:]))


@pytest.mark.parametrize("params", GRIEVANCE_PARAMS)
@pytest.mark.parametrize("seed", [0, 1])
def test_grievance_week_equals_the_calls_it_replaced(seed, params, compilation):
    from peacesim.kernels.grievance import grievance_week, grievance_week_numpy
    from peacesim.population import SYMPATHISER

    w = World(seed)
    rng, n = w.rng, w.n_cells
    exposure = np.where(rng.random(w.n) < 0.2, 0.0, 0.5 + 1.5 * rng.random(w.n))
    base = rng.random(n)
    base[:4] = (0.0, 1.0, 0.999, 0.001)  # the clip's bounds
    inputs = dict(traits=rng.integers(0, 8, w.n).astype(np.uint8),
                  hardship=w.member_column(), risk_aversion=w.member_column(),
                  trust=w.member_column(), exposure=exposure.astype(np.float32),
                  legitimacy_base=base, justice_boost=w.probs(0.5), justice=w.probs(),
                  p_harm_forces=w.probs(0.3), p_harm_violence=w.probs(0.3),
                  p_hear_bad=w.probs(0.5), exp_risk=np.exp(-rng.exponential(1.0, n)))
    start = dict(status=rng.integers(0, 4, w.n).astype(np.uint8),
                 harm_memory=(rng.random(w.n) ** 3).astype(np.float32),
                 abuse=rng.exponential(0.05, n), legitimacy=rng.random(n))
    states = []
    for _ in range(2):
        state = {k: v.copy() for k, v in start.items()}
        state["risk"] = np.full(n, np.nan)
        state["sympathisers"] = np.full(n, -7, dtype=np.int64)
        state["grievance_sum"] = np.full(n, np.nan)
        states.append(state)
    for step in STEPS:
        _run_grievance_week(grievance_week, w, states[0], inputs, params, step)
        _run_grievance_week(grievance_week_numpy, w, states[1], inputs, params, step)
        for k in GRIEVANCE_OUTPUTS:
            assert same_bits(states[0][k], states[1][k]), f"{k} differs at step {step}"
    s = states[0]
    assert np.all((s["legitimacy"] >= 0.0) & (s["legitimacy"] <= 1.0))
    assert np.array_equal(s["status"] & ~SYMPATHISER, start["status"] & ~SYMPATHISER)
    assert 0 < s["sympathisers"].sum() < w.n or params[-1] == 1.0


@pytest.mark.parametrize("x", [-0.0, 0.0, -1e-300, 1e-300, 0.5, 1.0, np.nextafter(1.0, 2.0),
                               -np.inf, np.inf, np.nan])
def test_clip01_is_numpys_clip(x):
    from peacesim.kernels.grievance import _clip01

    assert same_bits(np.float64(_clip01(x)), np.clip(np.float64(x), 0.0, 1.0))


# ----------------------------------------------------------------------------- dialogue


def test_sessions_week_equals_the_calls_it_replaced():
    from peacesim.kernels.dialogue import sessions_week, sessions_week_numpy

    w = World(5)
    running = w.rng.random(w.n_cells) < 0.6
    womens = np.where(w.rng.random(w.n_cells) < 0.3, w.rng.random(w.n_cells) * 2.5, 0.0)
    abuse = w.probs(3.0)
    for step in STEPS:
        outs = []
        for fn in (sessions_week, sessions_week_numpy):
            out = (np.full(w.n_cells, -7, dtype=np.int64), np.full(w.n_cells, np.nan),
                   np.full(w.n_cells, np.nan))
            fn(running, 0.4, womens, KEYS[0], step, 300.0, abuse, *out)
            outs.append(out)
        for a, b in zip(*outs, strict=True):
            assert same_bits(a, b)
        assert outs[0][0].sum() > 0


@pytest.mark.parametrize("female_share", [0.5, 0.0, 1.0])
@pytest.mark.parametrize("seed", [0, 1])
def test_dialogue_week_equals_the_calls_it_replaced(seed, female_share, compilation):
    from peacesim.kernels.dialogue import dialogue_week, dialogue_week_numpy

    w = World(seed)
    rng, n = w.rng, w.n_cells
    sessions = np.where(rng.random(n) < 0.5, rng.integers(1, 3, n), 0).astype(np.int64)
    people = rng.gamma(0.7, 400.0, n)
    people[::9] = 0.0
    cell_args = (sessions * 300.0 * rng.random(n), people, sessions,
                 np.exp(-w.probs(3.0)), w.probs())
    rates = (0.3, female_share, 0.1, 0.5, 1.0, 1.5, 0.05, 1.2, 0.9, 0.1, 0.3, 0.3, 0.3)
    traits = rng.integers(0, 8, w.n).astype(np.uint8)
    start = (w.member_column(), w.member_column(), w.member_column(), rng.random(n))
    states = []
    for fn in (dialogue_week, dialogue_week_numpy):
        state = [x.copy() for x in start] + [np.full(n, -7, dtype=np.int64)]
        for step in STEPS:
            fn(w.offsets, traits, *state[:3], *cell_args, *rates, KEYS[1], step, *state[3:])
        states.append(state)
    for a, b in zip(*states, strict=True):
        assert same_bits(a, b)
    assert states[0][4].sum() > 0  # members were reached


# ----------------------------------------------------------------------------- information


@pytest.mark.parametrize("loss", [0.1, 0.02, 0.3, 0.123456789, 0.0, 1.0])
def test_trust_after_attacks_equals_numpys_power(loss):
    from peacesim.kernels.cells import forces_trust_after_attacks
    from peacesim.kernels.information import (
        kept_after_attacks,
        trust_after_attacks,
        trust_after_attacks_numpy,
    )

    rng = np.random.default_rng(11)
    kept = kept_after_attacks(loss)
    assert kept[1] == 1.0 - loss and kept[0] == 1.0
    for n in (1687, 64, 1):
        attacks = np.where(rng.random(n) < 0.8, 0, rng.integers(0, 64, n)).astype(np.float64)
        start = rng.random(n)
        a, b, c = start.copy(), start.copy(), start.copy()
        assert trust_after_attacks(a, attacks, kept, 0.01, 0.5)
        trust_after_attacks_numpy(b, attacks, kept, 0.01, 0.5)
        # The mechanism's formula before: np.power(1 - loss, attacks) over all the cells.
        forces_trust_after_attacks(c, np.power(1.0 - loss, attacks), 0.01, 0.5)
        assert same_bits(a, b) and same_bits(a, c)


@pytest.mark.parametrize("odd", [64.0, 1e6, 2.5, -1.0, np.nan, np.inf])
def test_trust_after_attacks_declines_what_the_table_does_not_hold(odd):
    from peacesim.kernels.information import kept_after_attacks, trust_after_attacks

    attacks = np.zeros(50)
    attacks[[3, 17]] = (5.0, odd)
    sdf_trust = np.linspace(0.0, 1.0, 50)
    before = sdf_trust.copy()
    assert not trust_after_attacks(sdf_trust, attacks, kept_after_attacks(0.1), 0.01, 0.5)
    assert same_bits(sdf_trust, before)  # untouched: the caller takes the NumPy path


# ----------------------------------------------------------------------------- women's groups


def test_womens_groups_weeks_from_their_cache_equal_the_kernel_each_week():
    """Each week's columns, copied from a week computed once per mask, are the kernel's."""
    from peacesim.config import load_config
    from peacesim.kernels.cells import womens_groups_week
    from peacesim.model import PeaceModel

    cfg = load_config("baseline", [
        "population.size=2000", "population.agent_objects=none", "steps=8",
        "womens_groups.start=2", "womens_groups.end=5", "womens_groups.regions=[mopti,segou]",
        "womens_groups.sessions_per_year=6"])
    model = PeaceModel(cfg)
    groups = model.mechanisms["womens_groups"]
    g, p, world, cells = groups.groups, groups.params, model.world, model.cells
    seen = set()
    for t in range(1, 9):
        model.step()
        running = groups.coverage(p, t)
        active, boost, sessions = (np.empty(g.size, dtype=np.bool_), np.empty(world.n_cells),
                                   np.empty(world.n_cells))
        womens_groups_week(g["cell"], running, p.reach * p.participation,
                           p.sessions_per_year / 52.0, world.nbr_offsets, world.nbr_targets,
                           active, boost, sessions)
        assert same_bits(g["active"], active)
        assert same_bits(cells["womens_boost"], boost)
        assert same_bits(cells["womens_sessions"], sessions)
        seen.add(bool(active.any()))
    assert seen == {False, True}  # weeks with and without the programme
    assert len(groups._weeks) == 2


# ----------------------------------------------------------------------------- encounters


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("eps", [0.0, 0.2, 1.5])
def test_encounters_without_branches_equal_deffuant_in_groups(dtype, eps):
    from peacesim.kernels.influence import _deffuant_encounters, deffuant_in_groups

    w = World(6)
    opinion = w.rng.random(w.n).astype(dtype)
    opinion[w.offsets[-2]:w.offsets[-2] + 3] = np.nan  # NaN opinions are copied bit for bit
    n_pairs = w.rng.integers(0, 40, w.n_cells).astype(np.int64)
    a, b = opinion.copy(), opinion.copy()
    for step in STEPS:
        deffuant_in_groups(a, w.offsets, n_pairs, eps, 0.3, KEYS[4], step)
        for c in range(w.n_cells):
            lo, hi = w.offsets[c], w.offsets[c + 1]
            _deffuant_encounters(b, lo, hi - lo, n_pairs[c], eps, 0.3, KEYS[4], step, c)
        assert same_bits(a, b)
    assert eps == 0.0 or not same_bits(a, opinion)


def test_information_falls_back_to_numpys_power_with_the_same_bits():
    """A week with more attacks near a cell than the table holds takes the NumPy power."""
    import hashlib

    import peacesim
    from peacesim.kernels.information import kept_after_attacks

    overrides = ["population.size=3000", "steps=30", "population.agent_objects=none", "seed=2"]
    hashes, fallbacks = [], []
    for size in (64, 1):  # 1: only weeks with no attack near any cell fit the table
        model = peacesim.PeaceModel(peacesim.load_config("central_mali", overrides))
        info = model.mechanisms["information"]
        info._kept = kept_after_attacks(info.params.sdf_attack_loss, size)
        weeks = 0
        while model.steps < model.config.steps:
            model.step()
            weeks += bool((info._attacks_near >= size).any())
        fallbacks.append(weeks)
        numbers = model.timeseries().select_dtypes("number").to_numpy()
        hashes.append(hashlib.sha1(numbers.tobytes()).hexdigest())
    assert fallbacks[0] == 0 and fallbacks[1] > 0  # the second run did take the NumPy path
    assert hashes[0] == hashes[1]
