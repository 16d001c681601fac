"""Kernels of the core model against their NumPy or plain-Python twins, and their properties.

Every per-member kernel (trust, grievance, recruitment, dialogue, employment, cohesion, census)
is run on a few cells of different sizes, including empty ones, next to its NumPy twin, over
a few steps, and must give bit-identical float32 columns and identical integer outputs. The
float64 per-cell sums (grievance, census) are compared exactly too: both the kernel and the
twin (``np.bincount`` with weights) add a cell's rows one at a time in row order starting from
0.0, so the rounding is the same.

The sequential actor kernels (kernels/actors.py) are compared with their plain-Python twin,
the undecorated function (``.py_func``).

Each kernel is called with the argument types the model uses (int64 offsets and counts,
float32 member columns, float64 per-cell arrays, Python floats for rates, a uint64 stream key
and a Python int step), so it compiles once per session (and is cached on disk).
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import moore_neighbours
from numba import njit

from peacesim.kernels import actors
from peacesim.kernels.actors import armed_groups_act, candidate_cell, deploy_units, operations
from peacesim.kernels.cells import (
    census,
    census_numpy,
    cohesion_step,
    cohesion_step_numpy,
    employment_step,
    employment_step_numpy,
)
from peacesim.kernels.communal import (
    group_cohesion_step,
    group_cohesion_step_numpy,
    group_cohesion_sums,
    group_cohesion_sums_numpy,
)
from peacesim.kernels.dialogue import dialogue_step, dialogue_step_numpy
from peacesim.kernels.grievance import grievance_step, grievance_step_numpy
from peacesim.kernels.recruitment import recruitment_step, recruitment_step_numpy
from peacesim.kernels.trust import trust_step, trust_step_numpy
from peacesim.population import EMPLOYED, FEMALE, HERDER, SYMPATHISER, YOUTH
from peacesim.random import Streams, below, hash_counter, stream_key, uniform, uniform_numpy

STREAMS = Streams(2024)
KEY_A = STREAMS["test.kernels.a"]
KEY_B = STREAMS["test.kernels.b"]
KEY_C = STREAMS["test.kernels.c"]
KEY_D = STREAMS["test.kernels.d"]

#: Rows per cell: empty cells (first, middle and last), a single member, small and larger.
SIZES = (0, 1, 7, 40, 0, 123, 3, 250, 0)
STEPS = (0, 1, 5, 104)


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    """True when two arrays have the same dtype, shape and bytes (float32: bit-identical)."""
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


class Cells:
    """Random members sorted by cell, with random per-cell inputs (one instance per seed)."""

    def __init__(self, seed: int, sizes=SIZES):
        rng = np.random.default_rng(seed)
        self.rng = rng
        counts = np.asarray(sizes, dtype=np.int64)
        self.n_cells = len(counts)
        self.offsets = np.zeros(self.n_cells + 1, dtype=np.int64)
        np.cumsum(counts, out=self.offsets[1:])
        n = int(self.offsets[-1])
        self.n = n
        self.traits = rng.integers(0, 8, n).astype(np.uint8)  # YOUTH | FEMALE | HERDER
        self.status = rng.integers(0, 4, n).astype(np.uint8)  # EMPLOYED | SYMPATHISER
        self.trust = rng.random(n).astype(np.float32)
        self.trust[:5] = [0.0, 1.0, 0.5, 0.0, 1.0]
        self.cohesion = rng.random(n).astype(np.float32)
        self.harm_memory = (rng.random(n) ** 3).astype(np.float32)
        self.hardship = rng.random(n).astype(np.float32)
        self.risk_aversion = rng.random(n).astype(np.float32)
        self.affiliation = np.where(rng.random(n) < 0.2, rng.integers(0, 4, n), -1).astype(np.int16)

    def probs(self, high: float = 1.0, zero_every: int = 3) -> np.ndarray:
        """Per-cell probabilities in [0, high], exactly 0 in some cells and 1 in one."""
        p = self.rng.random(self.n_cells) * high
        p[::zero_every] = 0.0
        p[-2] = min(high, 1.0)
        return p

    def cell_of_rows(self) -> np.ndarray:
        """Cell of each row."""
        return np.repeat(np.arange(self.n_cells), np.diff(self.offsets))


def _ints(n_cells: int, k: int = 1):
    return [np.full(n_cells, -7, dtype=np.int64) for _ in range(k)]


# ----------------------------------------------------------------------------- trust


def _trust_inputs(d: Cells):
    nbr_mean = d.rng.random(d.n_cells)
    nbr_mean[1] = np.nan  # a cell without neighbours
    unprotected = 1.0 / (1.0 + d.rng.integers(0, 3, d.n_cells))
    return dict(p_protect=d.probs(0.6), p_harm_forces=d.probs(0.5), p_harm_violence=d.probs(0.5),
                unprotected=unprotected, baseline=d.rng.random(d.n_cells), nbr_mean=nbr_mean,
                p_hear_bad=d.probs(0.4), p_hear_good=d.probs(0.4),
                hear_loss=0.1 * d.rng.random(d.n_cells), hear_gain=0.02)


def _run_trust(fn, d: Cells, trust, cell_args, rates, step, heard=False):
    """Run a trust kernel; ``rates`` = (gain, loss, fail_loss, drift, nbr_eps, nbr_mu)."""
    hf, hv, hb = _ints(d.n_cells, 3)
    gain, loss, fail_loss, drift, nbr_eps, nbr_mu = rates
    fn(d.offsets, trust, cell_args["p_protect"], cell_args["p_harm_forces"],
       cell_args.get("exposure", np.ones(len(trust), dtype=np.float32)),
       cell_args["p_harm_violence"], cell_args["unprotected"], cell_args["p_hear_bad"],
       cell_args["p_hear_good"], cell_args["hear_loss"], cell_args["baseline"],
       cell_args["nbr_mean"], gain, loss, fail_loss, cell_args["hear_gain"], drift, nbr_eps,
       nbr_mu, KEY_A, KEY_B, KEY_C, KEY_D, step, hf, hv, hb)
    return (hf, hv, hb) if heard else (hf, hv)


TRUST_RATES = [
    (0.05, 0.3, 0.1, 0.01, 0.2, 0.02),  # gain, loss, fail_loss, drift, nbr_eps, nbr_mu
    (1.0, 1.0, 1.0, 1.0, 1.0, 1.0),  # extremes
    (0.5, 0.9, 0.7, 0.0, 0.5, 0.5),
]


@pytest.mark.parametrize("rates", TRUST_RATES)
@pytest.mark.parametrize("seed", [1, 2])
def test_trust_step_matches_twin(seed, rates):
    d = Cells(seed)
    args = _trust_inputs(d)
    args["exposure"] = (0.5 + 1.5 * d.rng.random(d.n)).astype(np.float32)  # stigma weights
    a, b = d.trust.copy(), d.trust.copy()
    harmed = 0
    for step in STEPS:
        ha = _run_trust(trust_step, d, a, args, rates, step)
        hb = _run_trust(trust_step_numpy, d, b, args, rates, step)
        assert same_bits(a, b), f"trust differs at step {step}"
        assert np.array_equal(ha[0], hb[0]) and np.array_equal(ha[1], hb[1])
        heard_a = _run_trust(trust_step, d, a.copy(), args, rates, step, heard=True)[2]
        heard_b = _run_trust(trust_step_numpy, d, b.copy(), args, rates, step, heard=True)[2]
        assert np.array_equal(heard_a, heard_b)
        assert a.min() >= 0.0 and a.max() <= 1.0
        harmed += int(ha[0].sum() + ha[1].sum())
        empty = np.diff(d.offsets) == 0
        assert not ha[0][empty].any() and not ha[1][empty].any()
    assert harmed > 0  # the draws fired


def test_trust_step_nothing_happens_at_zero_probabilities():
    d = Cells(3)
    args = _trust_inputs(d)
    for name in ("p_protect", "p_harm_forces", "p_harm_violence", "p_hear_bad", "p_hear_good"):
        args[name] = np.zeros(d.n_cells)
    trust = d.trust.copy()
    # No drift and no neighbour influence: trust must not move at all.
    hf, hv = _run_trust(trust_step, d, trust, args, (0.5, 0.5, 0.5, 0.0, 1.0, 0.0), 3)
    assert same_bits(trust, d.trust)
    assert not hf.any() and not hv.any()


def test_trust_step_harm_probability_one_harms_everyone():
    d = Cells(4)
    args = _trust_inputs(d)
    args["p_harm_forces"] = np.ones(d.n_cells)
    for name in ("p_protect", "p_harm_violence", "p_hear_bad", "p_hear_good"):
        args[name] = np.zeros(d.n_cells)
    trust = d.trust.copy()
    hf, hv = _run_trust(trust_step, d, trust, args, (0.05, 0.3, 0.1, 0.0, 0.2, 0.0), 0)
    assert np.array_equal(hf, np.diff(d.offsets)) and not hv.any()
    x = d.trust.astype(np.float64)
    assert np.array_equal(trust, np.clip(x - 0.3 * x, 0, 1).astype(np.float32))


def test_trust_step_hearing_bad_news_lowers_trust_by_hear_loss():
    d = Cells(9)
    args = _trust_inputs(d)
    for name in ("p_protect", "p_harm_forces", "p_harm_violence", "p_hear_good"):
        args[name] = np.zeros(d.n_cells)
    args["p_hear_bad"] = np.ones(d.n_cells)
    trust = d.trust.copy()
    _, _, hb = _run_trust(trust_step, d, trust, args, (0.05, 0.3, 0.1, 0.0, 0.2, 0.0), 2,
                          heard=True)
    assert np.array_equal(hb, np.diff(d.offsets))
    x = d.trust.astype(np.float64)
    loss = args["hear_loss"][d.cell_of_rows()]
    assert np.array_equal(trust, np.clip(x - loss * x, 0, 1).astype(np.float32))


def test_trust_step_members_with_no_exposure_are_never_harmed_by_the_forces():
    """Stigmatisation: the forces' harm falls on members by their exposure weight."""
    d = Cells(10)
    args = _trust_inputs(d)
    args["p_harm_forces"] = np.ones(d.n_cells)
    exposure = np.where(d.rng.random(d.n) < 0.5, 0.0, 1.0).astype(np.float32)
    args["exposure"] = exposure
    for name in ("p_protect", "p_harm_violence", "p_hear_bad", "p_hear_good"):
        args[name] = np.zeros(d.n_cells)
    trust = d.trust.copy()
    hf, _ = _run_trust(trust_step, d, trust, args, (0.05, 0.3, 0.1, 0.0, 0.2, 0.0), 1)
    spared = exposure == 0.0
    assert same_bits(trust[spared], d.trust[spared])
    assert hf.sum() == int((~spared).sum())


def test_trust_step_more_harm_never_raises_trust():
    """Common random numbers: more harm never leaves a member with more trust.

    With a higher harm probability the harmed set is a superset, so without neighbour
    influence (whose bounded confidence is not monotone) no member ends with more trust.
    """
    d = Cells(5)
    args = _trust_inputs(d)
    low, high = d.trust.copy(), d.trust.copy()
    more = dict(args, p_harm_forces=np.minimum(1.0, args["p_harm_forces"] + 0.3))
    rates = (0.05, 0.3, 0.1, 0.01, 0.2, 0.0)
    for step in range(4):
        h_low = _run_trust(trust_step, d, low, args, rates, step)[0]
        h_high = _run_trust(trust_step, d, high, more, rates, step)[0]
        assert np.all(h_high >= h_low)
        assert np.all(high <= low)
    assert np.any(high < low)


# ----------------------------------------------------------------------------- grievance


def _grievance_inputs(d: Cells):
    return dict(legitimacy=d.rng.random(d.n_cells), justice=d.probs(), risk=d.probs(),
                p_harm_forces=d.probs(0.5), p_harm_violence=d.probs(0.5),
                p_hear_bad=d.probs(0.5), hearsay_gain=0.1)


def _run_grievance(fn, d: Cells, status, harm_memory, cell_args, rates, step, trust=None):
    """Run a grievance kernel.

    ``rates`` = (harm_gain, violence_gain, forget, resolve, job_relief, trust_weight,
    threshold); ``hearsay_gain`` comes with the cell inputs.
    """
    symp = np.full(d.n_cells, -7, dtype=np.int64)
    gsum = np.full(d.n_cells, np.nan)
    harm_gain, violence_gain, *rest = rates
    fn(d.offsets, d.traits, status, d.hardship, d.risk_aversion,
       d.trust if trust is None else trust, harm_memory, cell_args["legitimacy"],
       cell_args["justice"], cell_args["risk"], cell_args["p_harm_forces"],
       cell_args.get("exposure", np.ones(len(harm_memory), dtype=np.float32)),
       cell_args["p_harm_violence"], cell_args["p_hear_bad"], harm_gain, violence_gain,
       cell_args["hearsay_gain"], *rest, KEY_B, KEY_C, KEY_D, step, symp, gsum)
    return symp, gsum


GRIEVANCE_RATES = [
    # harm_gain, violence_gain, forget, resolve, job_relief, trust_weight, threshold
    (0.5, 0.2, 0.01, 0.05, 0.5, 0.3, 0.1),
    (1.0, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0),
    (0.3, 0.6, 1.0, 1.0, 0.0, 2.0, 1.0),
]


@pytest.mark.parametrize("rates", GRIEVANCE_RATES)
@pytest.mark.parametrize("seed", [1, 2])
def test_grievance_step_matches_twin(seed, rates):
    d = Cells(seed)
    args = _grievance_inputs(d)
    args["exposure"] = (0.5 + 1.5 * d.rng.random(d.n)).astype(np.float32)  # stigma weights
    sa, sb = d.status.copy(), d.status.copy()
    ga, gb = d.harm_memory.copy(), d.harm_memory.copy()
    for step in STEPS:
        symp_a, sum_a = _run_grievance(grievance_step, d, sa, ga, args, rates, step)
        symp_b, sum_b = _run_grievance(grievance_step_numpy, d, sb, gb, args, rates, step)
        assert same_bits(ga, gb), f"harm memory differs at step {step}"
        assert same_bits(sa, sb), f"status differs at step {step}"
        assert np.array_equal(symp_a, symp_b)
        # Exact: both add a cell's grievances one by one in row order from 0.0.
        assert same_bits(sum_a, sum_b)
        assert ga.min() >= 0.0 and ga.max() <= 1.0
        counts = np.diff(d.offsets)
        assert np.all(sum_a >= 0.0) and np.all(sum_a <= counts)
        assert np.all(symp_a <= counts)
        # The sympathiser count is the number of SYMPATHISER bits set, per cell.
        bits = (sa & SYMPATHISER) != 0
        assert np.array_equal(symp_a, np.bincount(d.cell_of_rows()[bits], minlength=d.n_cells))
        # The kernel writes only the SYMPATHISER bit.
        assert np.array_equal(sa & ~SYMPATHISER, d.status & ~SYMPATHISER)


def test_grievance_without_harm_or_fading_keeps_memory():
    d = Cells(6)
    args = _grievance_inputs(d)
    args["p_harm_forces"] = np.zeros(d.n_cells)
    args["p_harm_violence"] = np.zeros(d.n_cells)
    args["p_hear_bad"] = np.zeros(d.n_cells)
    hm = d.harm_memory.copy()
    _run_grievance(grievance_step, d, d.status.copy(), hm, args,
                   (0.5, 0.2, 0.0, 0.05, 0.5, 0.3, 0.1), 2)
    # forget = 0; justice 0 in some cells, so memory is kept there and falls elsewhere.
    cell = d.cell_of_rows()
    no_justice = args["justice"][cell] == 0.0
    assert same_bits(hm[no_justice], d.harm_memory[no_justice])
    assert np.all(hm <= d.harm_memory)


def test_grievance_support_rule():
    """A member supports armed groups iff G - R P - w trust > T (Epstein 2002)."""
    d = Cells(7)
    args = _grievance_inputs(d)
    rates = (0.5, 0.2, 0.01, 0.05, 0.5, 0.3, 0.1)
    status, hm = d.status.copy(), d.harm_memory.copy()
    _run_grievance(grievance_step, d, status, hm, args, rates, 9)
    cell = d.cell_of_rows()
    h = d.hardship.astype(np.float64)
    working = ((d.traits & YOUTH) != 0) & ((d.status & EMPLOYED) != 0)
    h = np.where(working, h * 0.5, h)
    g = np.minimum(1.0, h * (1.0 - args["legitimacy"][cell]) + hm.astype(np.float64))
    net = g - d.risk_aversion * args["risk"][cell] - 0.3 * d.trust.astype(np.float64)
    assert np.array_equal((status & SYMPATHISER) != 0, net > 0.1)


def test_grievance_more_trust_means_fewer_sympathisers():
    d = Cells(8)
    args = _grievance_inputs(d)
    rates = (0.5, 0.2, 0.01, 0.05, 0.5, 0.3, 0.1)
    low = _run_grievance(grievance_step, d, d.status.copy(), d.harm_memory.copy(), args, rates,
                         1, trust=np.zeros(d.n, dtype=np.float32))[0]
    high = _run_grievance(grievance_step, d, d.status.copy(), d.harm_memory.copy(), args, rates,
                          1, trust=np.ones(d.n, dtype=np.float32))[0]
    assert np.all(high <= low) and high.sum() < low.sum()


# ----------------------------------------------------------------------------- recruitment


def _run_recruitment(fn, d, status, affiliation, group_at_cell, p_join, p_return, factor, step,
                     revenge=0.0):
    joined, returned = _ints(d.n_cells, 2)
    fn(d.offsets, d.traits, status, affiliation, d.harm_memory, group_at_cell, p_join, p_return,
       factor, revenge, KEY_A, step, joined, returned)
    return joined, returned


@pytest.mark.parametrize("factor", [0.3, 0.0, 1.0])
@pytest.mark.parametrize("seed", [1, 2])
def test_recruitment_step_matches_twin(seed, factor):
    d = Cells(seed)
    group_at_cell = np.where(d.rng.random(d.n_cells) < 0.7, d.rng.integers(0, 4, d.n_cells), -1)
    group_at_cell = group_at_cell.astype(np.int64)
    p_join, p_return = d.probs(0.8), d.probs(0.3, zero_every=4)
    aa, ab = d.affiliation.copy(), d.affiliation.copy()
    moved = 0
    for step in STEPS:
        ra = _run_recruitment(recruitment_step, d, d.status, aa, group_at_cell, p_join, p_return,
                              factor, step, revenge=2.0)
        rb = _run_recruitment(recruitment_step_numpy, d, d.status, ab, group_at_cell, p_join,
                              p_return, factor, step, revenge=2.0)
        assert same_bits(aa, ab), f"affiliation differs at step {step}"
        assert np.array_equal(ra[0], rb[0]) and np.array_equal(ra[1], rb[1])
        moved += int(ra[0].sum() + ra[1].sum())
    assert moved > 0
    # Who may be recruited: young sympathisers only (or those recruited from the start).
    new = (aa >= 0) & (d.affiliation < 0)
    assert np.all((d.traits[new] & YOUTH) != 0) and np.all((d.status[new] & SYMPATHISER) != 0)
    assert np.all(aa >= -1)


def test_recruitment_at_zero_probabilities_changes_nothing():
    d = Cells(9)
    group_at_cell = np.zeros(d.n_cells, dtype=np.int64)
    aff = d.affiliation.copy()
    zeros = np.zeros(d.n_cells)
    joined, returned = _run_recruitment(recruitment_step, d, d.status, aff, group_at_cell, zeros,
                                        zeros, 0.3, 4)
    assert same_bits(aff, d.affiliation) and not joined.any() and not returned.any()
    # And with no group recruiting anywhere, p_join = 1 recruits nobody.
    joined, _ = _run_recruitment(recruitment_step, d, d.status, aff, np.full(d.n_cells, -1),
                                 np.ones(d.n_cells), zeros, 0.3, 4)
    assert same_bits(aff, d.affiliation) and not joined.any()


def test_recruitment_employed_factor_zero_spares_employed_youth():
    d = Cells(10)
    aff = np.full(d.n, -1, dtype=np.int16)
    ones = np.ones(d.n_cells)
    joined, _ = _run_recruitment(recruitment_step, d, d.status, aff, np.zeros(d.n_cells, np.int64),
                                 ones, np.zeros(d.n_cells), 0.0, 0)
    eligible = ((d.traits & YOUTH) != 0) & ((d.status & SYMPATHISER) != 0)
    employed = (d.status & EMPLOYED) != 0
    assert np.array_equal(aff >= 0, eligible & ~employed)
    assert joined.sum() == int((eligible & ~employed).sum())


def test_recruitment_revenge_raises_joining_of_the_harmed():
    """Common random numbers: with a revenge motive the joiners are a superset."""
    d = Cells(11)
    group_at_cell = np.zeros(d.n_cells, dtype=np.int64)
    p_join = np.full(d.n_cells, 0.2)
    none = np.zeros(d.n_cells)
    calm, angry = d.affiliation.copy(), d.affiliation.copy()
    calm[:] = -1
    angry[:] = -1
    j0, _ = _run_recruitment(recruitment_step, d, d.status, calm, group_at_cell, p_join, none,
                             1.0, 4)
    j1, _ = _run_recruitment(recruitment_step, d, d.status, angry, group_at_cell, p_join, none,
                             1.0, 4, revenge=3.0)
    assert np.all(j1 >= j0) and j1.sum() > j0.sum()
    assert np.all(angry[calm >= 0] >= 0)


# ----------------------------------------------------------------------------- dialogue


def _dialogue_inputs(d: Cells, p_high: float = 0.6):
    n = d.n_cells
    women = d.rng.random(n)
    youth = d.rng.random(n)
    return dict(p_reach=d.probs(p_high, zero_every=4), female=women / 0.5,
                male=(1.0 - women) / 0.5, young=youth / 0.6, elder=(1.0 - youth) / 0.4,
                trust_gain=d.probs(0.3) * np.where(d.rng.random(n) < 0.3, -1.0, 1.0))


def _run_dialogue(fn, d, trust, cohesion, hm, a, rates, step):
    participants = np.full(d.n_cells, -7, dtype=np.int64)
    fn(d.offsets, d.traits, trust, cohesion, hm, a["p_reach"], a["female"], a["male"],
       a["young"], a["elder"], a["trust_gain"], *rates, KEY_A, step, participants)
    return participants


DIALOGUE_RATES = [(0.1, 0.3, 0.3, 0.3), (1.0, 1.0, 1.0, 0.5), (0.2, 0.0, 0.05, 0.1)]


@pytest.mark.parametrize("rates", DIALOGUE_RATES)  # cohesion_gain, voice, eps, mu
@pytest.mark.parametrize("seed", [1, 2])
def test_dialogue_step_matches_twin(seed, rates):
    d = Cells(seed)
    a = _dialogue_inputs(d)
    ta, tb = d.trust.copy(), d.trust.copy()
    ca, cb = d.cohesion.copy(), d.cohesion.copy()
    ha, hb = d.harm_memory.copy(), d.harm_memory.copy()
    reached = 0
    for step in STEPS:
        pa = _run_dialogue(dialogue_step, d, ta, ca, ha, a, rates, step)
        pb = _run_dialogue(dialogue_step_numpy, d, tb, cb, hb, a, rates, step)
        assert same_bits(ta, tb), f"trust differs at step {step}"
        assert same_bits(ca, cb), f"cohesion differs at step {step}"
        assert same_bits(ha, hb), f"harm memory differs at step {step}"
        assert np.array_equal(pa, pb)
        for col in (ta, ca, ha):
            assert col.min() >= 0.0 and col.max() <= 1.0
        assert np.all(pa <= np.diff(d.offsets))
        assert not pa[a["p_reach"] == 0].any()
        reached += int(pa.sum())
    assert reached > 10


def test_dialogue_without_reach_changes_nothing():
    d = Cells(11)
    a = _dialogue_inputs(d)
    a["p_reach"] = np.zeros(d.n_cells)
    t, c, h = d.trust.copy(), d.cohesion.copy(), d.harm_memory.copy()
    participants = _run_dialogue(dialogue_step, d, t, c, h, a, (0.5, 0.5, 0.5, 0.5), 1)
    assert not participants.any()
    assert same_bits(t, d.trust) and same_bits(c, d.cohesion) and same_bits(h, d.harm_memory)


def test_dialogue_raises_trust_and_cohesion_of_participants_only_upward():
    """Without meeting (eps = 0) a session only raises trust and cohesion.

    And only young participants' harm memory falls.
    """
    d = Cells(12)
    a = _dialogue_inputs(d, p_high=1.0)
    a["trust_gain"] = np.abs(a["trust_gain"])
    t, c, h = d.trust.copy(), d.cohesion.copy(), d.harm_memory.copy()
    _run_dialogue(dialogue_step, d, t, c, h, a, (0.2, 0.5, 0.0, 0.3), 0)
    assert np.all(t >= d.trust) and np.any(t > d.trust)
    assert np.all(c >= d.cohesion) and np.any(c > d.cohesion)
    elders = (d.traits & YOUTH) == 0
    assert same_bits(h[elders], d.harm_memory[elders])
    assert np.all(h <= d.harm_memory)


def test_dialogue_backfires_where_its_gain_is_negative():
    """A negative gain (a session after the forces' abuses) lowers participants' trust by -g x."""
    d = Cells(13)
    a = _dialogue_inputs(d, p_high=1.0)
    a["p_reach"] = np.ones(d.n_cells)
    a["female"] = a["male"] = a["young"] = a["elder"] = np.ones(d.n_cells)
    a["trust_gain"] = np.full(d.n_cells, -0.2)
    t = d.trust.copy()
    _run_dialogue(dialogue_step, d, t, d.cohesion.copy(), d.harm_memory.copy(), a,
                  (0.2, 0.5, 0.0, 0.3), 0)
    x = d.trust.astype(np.float64)
    assert np.array_equal(t, (x - 0.2 * x).astype(np.float32))


def test_dialogue_reach_follows_sex_factor():
    """A female factor of 0 keeps every woman out of the sessions."""
    d = Cells(13)
    a = _dialogue_inputs(d, p_high=1.0)
    a["female"] = np.zeros(d.n_cells)
    a["trust_gain"] = np.full(d.n_cells, 0.5)
    t = d.trust.copy()
    _run_dialogue(dialogue_step, d, t, d.cohesion.copy(), d.harm_memory.copy(), a,
                  (0.1, 0.3, 0.0, 0.3), 0)
    women = (d.traits & FEMALE) != 0
    assert same_bits(t[women], d.trust[women])
    assert np.any(t[~women] != d.trust[~women])


# ----------------------------------------------------------------------------- employment


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_employment_step_matches_twin(seed):
    d = Cells(seed)
    p_job = d.probs()
    sa, sb = d.status.copy(), d.status.copy()
    ea, eb = _ints(d.n_cells, 2)
    employment_step(d.offsets, d.traits, sa, p_job, KEY_A, ea)
    employment_step_numpy(d.offsets, d.traits, sb, p_job, KEY_A, eb)
    assert same_bits(sa, sb) and np.array_equal(ea, eb)
    # Only the EMPLOYED bit is written; only young people are employed.
    assert np.array_equal(sa & ~EMPLOYED, d.status & ~EMPLOYED)
    assert not np.any((sa & EMPLOYED)[(d.traits & YOUTH) == 0])


def test_employment_is_monotone_and_bounded():
    d = Cells(4)
    young = (d.traits & YOUTH) != 0
    n_young = np.bincount(d.cell_of_rows()[young], minlength=d.n_cells)
    previous = np.zeros(d.n, dtype=bool)
    for level in (0.0, 0.2, 0.7, 1.0):
        status = d.status.copy()
        employed = np.full(d.n_cells, -7, dtype=np.int64)
        employment_step(d.offsets, d.traits, status, np.full(d.n_cells, level), KEY_A, employed)
        now = (status & EMPLOYED) != 0
        assert np.all(now >= previous)  # common random numbers: jobs are only added
        previous = now
        if level == 0.0:
            assert not employed.any()
        if level == 1.0:
            assert np.array_equal(employed, n_young) and np.array_equal(now, young)


# ----------------------------------------------------------------------------- cohesion


@pytest.mark.parametrize("drift", [0.01, 0.0, 1.0])
@pytest.mark.parametrize("seed", [1, 2])
def test_cohesion_step_matches_twin(seed, drift):
    d = Cells(seed)
    shock = 0.1 * (d.rng.random(d.n_cells) < 0.5)
    baseline = d.rng.random(d.n_cells)
    a, b = d.cohesion.copy(), d.cohesion.copy()
    for _ in range(3):
        cohesion_step(d.offsets, a, shock, baseline, drift)
        cohesion_step_numpy(d.offsets, b, shock, baseline, drift)
        assert same_bits(a, b)
        assert a.min() >= 0.0 and a.max() <= 1.0


@pytest.mark.parametrize("n_groups", [2, 3, 5])
@pytest.mark.parametrize("seed", [1, 2])
def test_group_cohesion_kernels_match_twins(seed, n_groups):
    """Per-group sums and the per-group shock: kernel and NumPy twin give the same bits."""
    d = Cells(seed)
    group = d.rng.integers(0, n_groups, d.n).astype(np.uint8)
    size = d.n_cells * n_groups
    sums_a, sums_b = np.full(size, 7.0), np.zeros(size)
    counts_a, counts_b = np.full(size, 7, dtype=np.int64), np.zeros(size, dtype=np.int64)
    group_cohesion_sums(d.offsets, group, d.affiliation, d.cohesion, n_groups, sums_a, counts_a)
    group_cohesion_sums_numpy(d.offsets, group, d.affiliation, d.cohesion, n_groups, sums_b,
                              counts_b)
    assert np.array_equal(counts_a, counts_b)
    assert np.allclose(sums_a, sums_b, rtol=1e-12, atol=0)
    assert counts_a.sum() == np.count_nonzero(d.affiliation < 0)
    shock = 0.1 * (d.rng.random(size) < 0.5)
    baseline = d.rng.random(d.n_cells)
    a, b = d.cohesion.copy(), d.cohesion.copy()
    for _ in range(3):
        group_cohesion_step(d.offsets, group, a, shock, n_groups, baseline, 0.01)
        group_cohesion_step_numpy(d.offsets, group, b, shock, n_groups, baseline, 0.01)
        assert same_bits(a, b)
        assert a.min() >= 0.0 and a.max() <= 1.0


def test_group_cohesion_step_with_one_shock_per_cell_is_cohesion_step():
    """Every group of a cell shocked alike: the same bits as the two-group kernel."""
    d = Cells(3)
    group = d.rng.integers(0, 3, d.n).astype(np.uint8)
    shock = 0.1 * (d.rng.random(d.n_cells) < 0.5)
    baseline = d.rng.random(d.n_cells)
    a, b = d.cohesion.copy(), d.cohesion.copy()
    group_cohesion_step(d.offsets, group, a, np.repeat(shock, 3), 3, baseline, 0.01)
    cohesion_step(d.offsets, b, shock, baseline, 0.01)
    assert same_bits(a, b)


def test_cohesion_without_shock_or_drift_is_unchanged():
    d = Cells(5)
    z = d.cohesion.copy()
    cohesion_step(d.offsets, z, np.zeros(d.n_cells), d.rng.random(d.n_cells), 0.0)
    assert same_bits(z, d.cohesion)
    cohesion_step(d.offsets, z, np.ones(d.n_cells), np.zeros(d.n_cells), 0.0)
    assert not z.any()


# ----------------------------------------------------------------------------- census


def _run_census(fn, d, status, affiliation, trust, cohesion):
    n = d.n_cells
    members, youth, youth_recruited = _ints(n, 3)
    sums = [np.full(n, np.nan) for _ in range(3)]
    trust_all = np.full(n, np.nan)
    fn(d.offsets, d.traits, status, affiliation, trust, cohesion, members, *sums, youth,
       youth_recruited, trust_all)
    return members, *sums, youth, youth_recruited, trust_all


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_census_matches_twin(seed):
    d = Cells(seed)
    a = _run_census(census, d, d.status, d.affiliation, d.trust, d.cohesion)
    b = _run_census(census_numpy, d, d.status, d.affiliation, d.trust, d.cohesion)
    for name, x, y in zip(("members", "trust_sum", "cohesion_sum", "report_sum", "youth",
                           "youth_recruited", "trust_sum_all"), a, b, strict=True):
        # Exact for the float64 sums too: same rows added in the same order.
        assert same_bits(x, y), name
    members, trust_sum, cohesion_sum, report_sum, youth, youth_recruited, trust_all = a
    assert np.all(trust_sum <= trust_all + 1e-9)
    assert np.allclose(trust_all, np.bincount(d.cell_of_rows(), weights=d.trust.astype(float),
                                              minlength=d.n_cells))
    cell = d.cell_of_rows()
    free = d.affiliation < 0
    assert np.array_equal(members, np.bincount(cell[free], minlength=d.n_cells))
    assert np.all(report_sum <= trust_sum) and np.all(trust_sum <= members)
    assert np.all(cohesion_sum <= members) and np.all(youth_recruited <= youth)
    # Conservation: everyone is either a member or a recruit.
    recruited = np.bincount(cell[~free], minlength=d.n_cells)
    assert np.array_equal(members + recruited, np.diff(d.offsets))


# ----------------------------------------------------------------------------- actors


class Grid:
    """A small raster: 7 x 9 cells, some outside the world, two regions."""

    def __init__(self, seed: int = 0):
        rng = np.random.default_rng(seed)
        self.n_rows, self.n_cols = 7, 9
        inside = rng.random(self.n_rows * self.n_cols) < 0.8
        inside[[0, 10, 30]] = True
        flat = np.flatnonzero(inside).astype(np.int64)
        self.n_cells = len(flat)
        self.cell_row = flat // self.n_cols
        self.cell_col = flat % self.n_cols
        self.cell_at = np.full(self.n_rows * self.n_cols, -1, dtype=np.int64)
        self.cell_at[flat] = np.arange(self.n_cells)
        self.region = (self.cell_col >= 4).astype(np.int32)  # west 0, east 1
        self.n_sub = np.ones(self.n_cells, dtype=np.int64)
        self.rng = rng

    @property
    def geometry(self):
        """The raster arguments of the actor kernels, in their order."""
        return (self.cell_row, self.cell_col, self.cell_at, self.n_cols, self.n_rows, self.region)


def test_candidate_cell_matches_python_and_stays_in_region():
    g = Grid(1)
    found = 0
    for cell in range(g.n_cells):
        for radius in (1, 2, 5):
            for step in (0, 3):
                for actor in (0, 7):
                    args = (cell, radius, 2, *g.geometry, KEY_A, step, actor)
                    c = candidate_cell(*args)
                    assert c == candidate_cell.py_func(*args)
                    if c < 0:
                        continue
                    found += 1
                    assert g.region[c] == g.region[cell]
                    assert abs(g.cell_row[c] - g.cell_row[cell]) <= radius
                    assert abs(g.cell_col[c] - g.cell_col[cell]) <= radius
    assert found > 0


def test_candidate_cell_draws_among_sub_cells():
    g = Grid(1)
    # Split the raster cell of position 5 into 3 sub-cells: positions 5, 6, 7 share it.
    n_sub = np.ones(g.n_cells + 2, dtype=np.int64)
    n_sub[5:8] = 3
    flat = g.cell_row * g.n_cols + g.cell_col
    raster = np.concatenate([flat[:5], np.repeat(flat[5], 3), flat[6:]])
    rows, cols = raster // g.n_cols, raster % g.n_cols
    cell_at = np.full(g.n_rows * g.n_cols, -1, dtype=np.int64)
    cell_at[raster[::-1]] = np.arange(len(raster))[::-1]
    region = (cols >= 4).astype(np.int32)
    hits = set()
    for cell in range(len(raster)):
        for step in range(10):
            for actor in range(10):
                args = (cell, 2, 2, rows, cols, cell_at, g.n_cols, g.n_rows, region, KEY_A, step,
                        actor, True, n_sub)
                c = candidate_cell(*args)
                assert c == candidate_cell.py_func(*args)
                if c >= 0 and raster[c] == raster[5]:
                    hits.add(int(c))
    assert hits == {5, 6, 7}


def test_candidate_cell_crosses_regions_only_when_allowed():
    g = Grid(1)
    crossed = 0
    for cell in range(g.n_cells):
        for step in range(4):
            args = (cell, 3, 2, *g.geometry, KEY_A, step, 1)
            c = candidate_cell(*args, True)
            assert c == candidate_cell.py_func(*args, True)
            kept = candidate_cell(*args)
            assert kept in (-1, c)  # same draws: the region rule only refuses
            crossed += c >= 0 and g.region[c] != g.region[cell]
    assert crossed > 0


def _deploy_args(g: Grid, n_units: int = 25):
    unit_cell = g.rng.integers(0, g.n_cells, n_units).astype(np.int64)
    active = g.rng.random(n_units) < 0.8
    score = g.rng.random(g.n_cells)
    return unit_cell, active, score


@pytest.mark.parametrize("n_candidates", [6, 0])
def test_deploy_units_matches_python(n_candidates):
    g = Grid(2)
    unit_cell, active, score = _deploy_args(g)
    a, b = unit_cell.copy(), unit_cell.copy()
    ua = np.full(g.n_cells, -3, dtype=np.int64)
    ub = ua.copy()
    home = g.region[unit_cell].astype(np.int64)
    for step in (0, 1, 2, 50):
        crowding = np.full(g.n_cells, 0.5)
        deploy_units(a, active, score, crowding, 2, n_candidates, *g.geometry, KEY_A, step, ua,
                     home, 0.0, False, g.n_sub)
        deploy_units.py_func(b, active, score, crowding, 2, n_candidates, *g.geometry, KEY_A,
                             step, ub, home, 0.0, False, g.n_sub)
        assert np.array_equal(a, b) and np.array_equal(ua, ub)
        assert ua.sum() == active.sum()
        assert np.array_equal(ua, np.bincount(a[active], minlength=g.n_cells))
    assert np.array_equal(a[~active], unit_cell[~active])  # inactive units stay
    assert np.array_equal(g.region[a], g.region[unit_cell])  # units keep to their region
    if n_candidates == 0:
        assert np.array_equal(a, unit_cell)
    else:
        assert np.any(a != unit_cell)


def test_deploy_units_cross_regions_unless_held_home():
    g = Grid(2)
    unit_cell, active, score = _deploy_args(g)
    home = g.region[unit_cell].astype(np.int64)
    for pull, left_home in ((0.0, True), (100.0, False)):
        a, b = unit_cell.copy(), unit_cell.copy()
        ua = np.zeros(g.n_cells, dtype=np.int64)
        ub = ua.copy()
        for step in range(6):
            crowding = np.full(g.n_cells, 0.5)
            deploy_units(a, active, score, crowding, 2, 6, *g.geometry, KEY_A, step, ua, home,
                         pull, True, g.n_sub)
            deploy_units.py_func(b, active, score, crowding, 2, 6, *g.geometry, KEY_A, step, ub,
                                 home, pull, True, g.n_sub)
            assert np.array_equal(a, b) and np.array_equal(ua, ub)
        assert np.any(g.region[a] != home) == left_home


def _groups_args(g: Grid, n_groups: int = 12):
    group_cell = g.rng.integers(0, g.n_cells, n_groups).astype(np.int64)
    strength = g.rng.random(n_groups) * 400.0
    strength[0] = 1.0  # dormant
    units_near = g.rng.integers(0, 3, g.n_cells).astype(np.float64)
    deterrence = g.rng.random(g.n_cells) * 0.8
    score = g.rng.random(g.n_cells)
    return group_cell, strength, units_near, deterrence, score


def _act(fn, g, group_cell, strength, units_near, deterrence, score, step, attack_rate=0.6,
         move_rate=0.3, cross=False):
    forces = np.zeros(g.n_cells, dtype=np.int64)
    civilians = np.zeros(g.n_cells, dtype=np.int64)
    fn(group_cell, strength, 5.0, attack_rate, 150.0, 283 / 415, units_near, deterrence,
       move_rate, 2, 6, score, *g.geometry, KEY_B, step, forces, civilians, cross, g.n_sub)
    return forces, civilians


def test_armed_groups_act_matches_python():
    g = Grid(3)
    group_cell, strength, units_near, deterrence, score = _groups_args(g)
    a, b = group_cell.copy(), group_cell.copy()
    attacks = 0
    for step in range(8):
        fa = _act(armed_groups_act, g, a, strength, units_near, deterrence, score, step, 0.9, 0.5)
        fb = _act(armed_groups_act.py_func, g, b, strength, units_near, deterrence, score, step,
                  0.9, 0.5)
        assert np.array_equal(a, b)
        assert np.array_equal(fa[0], fb[0]) and np.array_equal(fa[1], fb[1])
        attacks += int(fa[0].sum() + fa[1].sum())
        # No attack on forces where none are near.
        assert not fa[0][units_near == 0].any()
    assert attacks > 0
    assert a[0] == group_cell[0]  # the dormant group neither attacks nor moves
    assert np.array_equal(g.region[a], g.region[group_cell])


def test_armed_groups_cross_regions_when_allowed():
    g = Grid(3)
    group_cell, strength, units_near, deterrence, score = _groups_args(g)
    a, b = group_cell.copy(), group_cell.copy()
    for step in range(20):
        fa = _act(armed_groups_act, g, a, strength, units_near, deterrence, score, step, 0.9,
                  0.9, True)
        fb = _act(armed_groups_act.py_func, g, b, strength, units_near, deterrence, score, step,
                  0.9, 0.9, True)
        assert np.array_equal(a, b)
        assert np.array_equal(fa[0], fb[0]) and np.array_equal(fa[1], fb[1])
    assert np.any(g.region[a] != g.region[group_cell])


def test_armed_groups_idle_at_zero_rates():
    g = Grid(4)
    group_cell, strength, units_near, deterrence, score = _groups_args(g)
    cells = group_cell.copy()
    forces, civilians = _act(armed_groups_act, g, cells, strength, units_near, deterrence, score,
                             1, attack_rate=0.0, move_rate=0.0)
    assert np.array_equal(cells, group_cell) and not forces.any() and not civilians.any()
    # Full deterrence everywhere and no units near: no attack gets through.
    forces, civilians = _act(armed_groups_act, g, cells, strength, np.zeros(g.n_cells),
                             np.ones(g.n_cells), score, 1, attack_rate=1.0, move_rate=0.0)
    assert not forces.any() and not civilians.any()


def _recruiting_groups_reference(order, alive, group_cell, nbr_offsets, nbr_targets, n_cells):
    """Each live group, strongest first, claims its cell and its unclaimed neighbours."""
    best = np.full(n_cells, -1, dtype=np.int64)
    for k in order:
        if not alive[k]:
            continue
        c = group_cell[k]
        around = np.concatenate(([c], nbr_targets[nbr_offsets[c]:nbr_offsets[c + 1]]))
        best[around[best[around] < 0]] = k
    return best


@pytest.mark.skipif(not hasattr(actors, "recruiting_groups"), reason="no recruiting_groups")
def test_recruiting_groups_matches_python_and_reference():
    g = Grid(7)
    nbr_offsets, nbr_targets = moore_neighbours(g.cell_row, g.cell_col, g.cell_at, g.n_rows,
                                                 g.n_cols)
    group_cell, strength, *_ = _groups_args(g, 15)
    group_cell[4] = group_cell[5]  # two groups in one cell
    strength[6] = strength[7]  # a tie: the lower index wins
    alive = strength >= 5.0
    order = np.argsort(-strength, kind="stable")
    a = np.full(g.n_cells, 99, dtype=np.int64)
    b = a.copy()
    actors.recruiting_groups(order, alive, group_cell, nbr_offsets, nbr_targets, a)
    actors.recruiting_groups.py_func(order, alive, group_cell, nbr_offsets, nbr_targets, b)
    assert np.array_equal(a, b)
    assert np.array_equal(a, _recruiting_groups_reference(order, alive, group_cell, nbr_offsets,
                                                          nbr_targets, g.n_cells))
    assert not np.isin(np.flatnonzero(~alive), a).any()  # dormant groups recruit nowhere
    assert set(a[group_cell[alive]]) <= set(np.flatnonzero(alive))


def _operations(fn, g, unit_cell, active, strength, step, effectiveness=0.35,
                exposed=10.0, protected=300.0, detection=1.0):
    rng = np.random.default_rng(step)
    n_units = len(unit_cell)
    accuracy = rng.random(n_units)
    attacked_at = rng.integers(step - 8, step + 1, n_units).astype(np.int64)
    group_at_cell = np.where(rng.random(g.n_cells) < 0.5, rng.integers(0, len(strength), g.n_cells),
                             -1).astype(np.int64)
    info = rng.random(g.n_cells)
    people = rng.random(g.n_cells) * 3000.0  # some cells below one person
    p_harm = np.full(g.n_cells, np.nan)
    p_protect = np.full(g.n_cells, np.nan)
    engagements = np.full(g.n_cells, -7, dtype=np.int64)
    successes = engagements.copy()
    fn(unit_cell, active, accuracy, attacked_at, group_at_cell, strength, info, people,
       effectiveness, detection, 0.15, 0.5, 4, 0.3, exposed, protected, 0.04,
       KEY_C, step,
       p_harm, p_protect, engagements, successes)
    return p_harm, p_protect, engagements, successes


def test_operations_matches_python():
    g = Grid(5)
    unit_cell, active, _ = _deploy_args(g, 40)
    sa = g.rng.random(12) * 400.0
    sa[3] = 0.0  # a destroyed group is not engaged
    sb = sa.copy()
    engaged = 0
    for step in range(6):
        oa = _operations(operations, g, unit_cell, active, sa, step, effectiveness=0.8)
        ob = _operations(operations.py_func, g, unit_cell, active, sb, step, effectiveness=0.8)
        assert same_bits(sa, sb)
        for x, y in zip(oa, ob, strict=True):
            assert same_bits(x, y)
        p_harm, p_protect, engagements, successes = oa
        assert np.all((p_harm >= 0) & (p_harm <= 1)) and np.all((p_protect >= 0) & (p_protect <= 1))
        assert np.all(successes <= engagements) and np.all(successes >= 0)
        engaged += int(engagements.sum())
    assert engaged > 0 and sa[3] == 0.0


def test_operations_without_harm_or_effect_changes_nothing():
    g = Grid(6)
    unit_cell, active, _ = _deploy_args(g, 40)
    strength = g.rng.random(12) * 400.0
    before = strength.copy()
    p_harm, p_protect, _, successes = _operations(
        operations, g, unit_cell, active, strength, 3, effectiveness=0.0,
        exposed=0.0, protected=0.0)
    assert not p_harm.any() and not p_protect.any() and not successes.any()
    assert same_bits(strength, before)


# ----------------------------------------------------------------------------- counter draws


@njit
def _uniform_loop(key, steps, rows, draws):
    out = np.empty(len(steps))
    for k in range(len(steps)):
        out[k] = uniform(key, steps[k], rows[k], draws[k])
    return out


@njit
def _below_loop(key, steps, rows, draws, n):
    out = np.empty(len(steps), dtype=np.int64)
    for k in range(len(steps)):
        out[k] = below(key, steps[k], rows[k], draws[k], n)
    return out


@njit
def _hash_loop(key, steps, rows, draws):
    out = np.empty(len(steps), dtype=np.uint64)
    for k in range(len(steps)):
        out[k] = hash_counter(key, steps[k], rows[k], draws[k])
    return out


def _counters(seed: int, size: int = 5000):
    rng = np.random.default_rng(seed)
    steps = rng.integers(0, 2**31, size)
    steps[:3] = [0, 1, 2**31 - 1]
    rows = rng.integers(0, 2**40, size)
    rows[:3] = [0, 1, 2**40]
    draws = rng.integers(0, 64, size)
    return steps.astype(np.int64), rows.astype(np.int64), draws.astype(np.int64)


@pytest.mark.parametrize("key", [KEY_A, np.uint64(0), np.uint64(2**64 - 1), stream_key(0, "x")])
def test_counter_draws_numba_equals_numpy(key):
    steps, rows, draws = _counters(int(key % 1000))
    u = _uniform_loop(key, steps, rows, draws)
    assert same_bits(u, uniform_numpy(key, steps, rows, draws))
    assert u.min() >= 0.0 and u.max() < 1.0
    n = 7
    assert np.array_equal(_below_loop(key, steps, rows, draws, n),
                          (uniform_numpy(key, steps, rows, draws) * n).astype(np.int64))
    # The same bits called from Python, one at a time.
    for k in range(5):
        assert uniform(key, int(steps[k]), int(rows[k]), int(draws[k])) == u[k]
    h = _hash_loop(key, steps, rows, draws)
    assert len(np.unique(h)) == len(h)


@pytest.mark.parametrize("key", [KEY_A, np.uint64(2**64 - 1), stream_key(3, "y")])
def test_counter_draws_fast_path_equals_broadcast(key):
    # One step and one draw number over an array of rows (or one row) takes a compiled
    # loop; it must give the bits of the general broadcasting path.
    from peacesim.random import _uniform_broadcast

    _, rows, _ = _counters(int(key % 997))
    for step, draw in [(0, 0), (7, 2), (2**31 - 1, 63)]:
        for index in (rows, rows.astype(np.int32) & 0x7FFFFFFF, np.arange(10, dtype=np.uint32)):
            assert same_bits(uniform_numpy(key, step, index, draw),
                             _uniform_broadcast(key, step, index, draw))
        assert uniform_numpy(key, np.int64(step), 5, draw) == _uniform_broadcast(key, step, 5, draw)


def test_counter_draws_are_uniform_and_independent_of_order():
    steps = np.zeros(100_000, dtype=np.int64)
    rows = np.arange(100_000, dtype=np.int64)
    draws = np.zeros_like(rows)
    u = _uniform_loop(KEY_A, steps, rows, draws)
    # Kolmogorov-Smirnov against U(0, 1) and a crude independence check of neighbours.
    from scipy import stats

    assert stats.kstest(u, "uniform").pvalue > 1e-4
    assert abs(np.corrcoef(u[:-1], u[1:])[0, 1]) < 0.02
    # Visiting the rows in another order gives each row the same number.
    perm = np.random.default_rng(0).permutation(len(rows))
    assert same_bits(_uniform_loop(KEY_A, steps, rows[perm], draws)[np.argsort(perm)], u)
    # Different keys, steps and draws give different streams.
    other = [_uniform_loop(KEY_B, steps, rows, draws), _uniform_loop(KEY_A, steps + 1, rows, draws),
             _uniform_loop(KEY_A, steps, rows, draws + 1)]
    for v in other:
        assert np.mean(u == v) < 1e-3


def test_stream_keys_are_named_and_seeded():
    assert stream_key(1, "patrol.move") == stream_key(1, "patrol.move")
    assert stream_key(1, "patrol.move") != stream_key(2, "patrol.move")
    assert stream_key(1, "patrol.move") != stream_key(1, "patrol.harm")
    streams = Streams(1)
    assert streams["patrol.move"] == stream_key(1, "patrol.move")
    with pytest.raises(ValueError):
        stream_key(-1, "x")


def test_trait_bits_are_distinct():
    bits = [int(YOUTH), int(FEMALE), int(HERDER)]
    assert len(set(bits)) == 3 and all(b & (b - 1) == 0 for b in bits)
    assert int(EMPLOYED) != int(SYMPATHISER)


# ----------------------------------------------------------------------------- dispatch


@pytest.mark.parametrize("threads", [1, 2])
def test_serial_and_parallel_compilations_give_the_same_model(threads):
    """Every cell kernel's two compilations give bit-identical runs (only speed differs)."""
    import peacesim
    from peacesim.kernels import dispatch

    cfg = peacesim.load_config("baseline", ["steps=12", "population.size=4000", "seed=5",
                                            f"threads={threads}", "population.agent_objects=none",
                                            "abuse.rate=0.02"])
    runs = []
    try:
        for flag in (True, False):
            dispatch.force(flag)
            runs.append(peacesim.PeaceModel(cfg).run().national())
    finally:
        dispatch.force(None)
    import pandas as pd

    pd.testing.assert_frame_equal(runs[0], runs[1], check_exact=True)


def test_small_runs_use_the_serial_kernels_and_large_the_parallel():
    import peacesim
    from peacesim.kernels import dispatch

    below = dispatch.serial_below()
    assert below == dispatch.SERIAL_BELOW_BY_LAYER[peacesim.THREADING_LAYER]
    assert not dispatch.parallel_for(below - 1, 2)
    assert not dispatch.parallel_for(10_000_000, 1)
    assert dispatch.parallel_for(below, 2)
    from peacesim.kernels.trust import trust_step

    assert isinstance(trust_step, dispatch.CellKernel)
    assert trust_step.serial.py_func.__qualname__ == "trust_step_serial"
    assert trust_step.parallel.targetoptions.get("parallel")


# ---------------------------------------------------------------- compiled cell loops
# Each compiled loop over the cells must give the bits of its NumPy twin (the mechanism's
# array formulas), on random inputs with empty cells, zeros and several regions.


def _random_neighbours(rng, n: int):
    """Random neighbour lists in CSR form (0-7 per cell, repeats allowed)."""
    offsets = np.concatenate([[0], np.cumsum(rng.integers(0, 8, n))]).astype(np.int64)
    return offsets, rng.integers(0, n, offsets[-1]).astype(np.int64)


def _cell_inputs(seed: int, n_cells: int = 2000, n_regions: int = 7):
    rng = np.random.default_rng(seed)
    region = np.sort(rng.integers(0, n_regions, n_cells)).astype(np.intp)
    rng.shuffle(region[: n_cells // 3])  # runs of one region and scattered cells
    people = rng.gamma(0.5, 3000.0, n_cells)
    people[rng.random(n_cells) < 0.1] = 0.0
    region_people = np.bincount(region, weights=people, minlength=n_regions)

    def prob(zero_share=0.3):
        x = rng.random(n_cells) * rng.random(n_cells)
        x[rng.random(n_cells) < zero_share] = 0.0
        return x

    return rng, region, people, region_people, prob


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_news_and_reputation_loops_equal_numpy_twins(seed):
    from peacesim.kernels.trust import (
        news_exposure,
        news_exposure_numpy,
        reputation_step,
        reputation_step_numpy,
    )

    rng, region, people, region_people, prob = _cell_inputs(seed)
    n = len(region)
    p_harm, p_protect, p_contact, acc = prob(), prob(), prob(), prob()
    victims = p_harm * people * rng.random(n) * 2.0  # sometimes more than harmed
    units_near = rng.poisson(0.5, n).astype(float)
    survey = rng.random(n)
    outs = []
    for news, rep in ((news_exposure, reputation_step),
                      (news_exposure_numpy, reputation_step_numpy)):
        bad, good = np.linspace(0, 50, n), np.linspace(3, 0, n)
        minus_bad, minus_good = np.empty(n), np.empty(n)
        news(region, people, region_people, p_harm, victims, p_protect, bad, good, 0.7, 3000.0,
             1000.0, 20.0, 0.6, minus_bad, minus_good)
        e_bad, e_good = np.exp(minus_bad), np.exp(minus_good)
        good_acts, bad_acts = np.linspace(0, 9, n), np.linspace(2, 1, n)
        cols = [np.empty(n) for _ in range(6)]
        rep(e_bad, e_good, p_protect, p_contact, p_harm, acc, units_near, survey, 0.99, 0.5,
            3.0, 50.0, 0.2, 0.5, good_acts, bad_acts, *cols)
        outs.append([bad, good, minus_bad, minus_good, good_acts, bad_acts, *cols])
    for a, b in zip(*outs, strict=True):
        assert same_bits(a, b)
    assert np.all(outs[0][2] <= 0.0)


@pytest.mark.parametrize("seed", [0, 1])
def test_unit_kinds_and_cell_deterrence_equal_array_formulas(seed):
    from peacesim.kernels.actors import cell_deterrence, unit_kinds

    rng = np.random.default_rng(seed)
    n_units, n_cells = 700, 300
    designation = rng.random(n_units)
    cell = rng.integers(0, n_cells, n_units)
    active = rng.random(n_units) < 0.9
    un_cells, moc_cells = rng.random(n_cells) < 0.5, rng.random(n_cells) < 0.5
    acc, cond, det = rng.random(3), rng.random(3), np.array([0.4, 0.0, 0.7])
    un_share, moc_share, knowledge = 0.2, 0.3, 0.5
    kind = np.empty(n_units, dtype=np.int64)
    outs = [np.empty(n_units) for _ in range(3)]
    local = np.empty(n_cells)
    unit_kinds(designation, cell, un_share, moc_share, un_cells, moc_cells, acc, cond, det,
               knowledge, kind, *outs, local)
    # The same as array operations (as the patrol mechanism first wrote it).
    ref = np.full(n_units, 0)
    ref[(designation < un_share) & un_cells[cell]] = 2
    ref[(designation >= un_share) & (designation < un_share + moc_share) & moc_cells[cell]] = 1
    assert np.array_equal(kind, ref) and set(np.unique(kind)) == {0, 1, 2}
    for out, by_kind in zip(outs, (acc, cond, det), strict=True):
        assert same_bits(out, np.choose(ref, list(by_kind)))
    moc_here = np.zeros(n_cells)
    np.add.at(moc_here, cell, (ref == 1).astype(float))
    assert same_bits(local, 1.0 + knowledge * (moc_here > 0))
    deterrence = np.empty(n_cells)
    cell_deterrence(cell, active, outs[2], deterrence)
    gets_through = np.ones(n_cells)
    np.multiply.at(gets_through, cell[active], 1.0 - outs[2][active])
    assert same_bits(deterrence, 1.0 - gets_through)


@pytest.mark.parametrize("seed", [0, 1])
def test_dialogue_participation_loop_equals_numpy_twin(seed):
    from peacesim.kernels.dialogue import participation, participation_numpy, sessions_held_numpy

    rng, _, people, _, prob = _cell_inputs(seed)
    n = len(people)
    running = rng.random(n) < 0.6
    womens = rng.random(n) * (rng.random(n) < 0.2) * 2.5
    draws = rng.random(n)
    exp_abuse = np.exp(-rng.exponential(0.3, n) * (rng.random(n) < 0.3))
    boost = prob()
    sessions, reached = np.empty(n, dtype=np.int64), np.empty(n)
    sessions_held_numpy(running, 4 / 52.0, womens, draws, 30.0, sessions, reached)
    outs = []
    for part in (participation, participation_numpy):
        cols = [np.empty(n) for _ in range(4)]
        sdf = np.linspace(0.2, 0.9, n)
        part(reached, people, sessions, exp_abuse, boost, 0.3, 0.5, 0.05, 0.8, 0.5, 1.5, 0.02,
             *cols, sdf)
        outs.append([*cols, sdf])
    for a, b in zip(*outs, strict=True):
        assert same_bits(a, b)
    assert sessions.max() >= 3 and np.any(outs[0][3] < 0)  # several sessions; backfire


@pytest.mark.parametrize("seed", [0, 1])
def test_armed_group_cell_loops_equal_array_formulas(seed):
    from peacesim.kernels.actors import (
        armed_presence_near,
        attacks_felt_near,
        group_score,
        reverse_neighbours,
    )
    from peacesim.kernels.cells import neighbour_sum_numpy

    rng, _, people, _, prob = _cell_inputs(seed, n_cells=400)
    n = len(people)
    counts = rng.integers(0, 5, n)
    offsets, targets = _random_neighbours(rng, n)

    def nbr(x):
        out = np.empty(n)
        neighbour_sum_numpy(offsets, targets, x.astype(float), out)
        return out

    group_cell, strength = rng.integers(0, n, 60), rng.gamma(1.0, 200.0, 60)
    armed, near = np.empty(n), np.empty(n)
    rev = reverse_neighbours(offsets, targets)
    armed_presence_near(group_cell, strength, 50.0, offsets, targets, *rev, armed, near)
    ref = np.zeros(n)
    alive = strength >= 50.0
    np.add.at(ref, group_cell[alive], strength[alive])
    assert same_bits(armed, ref) and same_bits(near, ref + nbr(ref))

    sympathisers, units_near, opp = rng.integers(0, 3, n), rng.poisson(1.0, n) * 0.7, -prob()
    score = np.empty(n)
    group_score(sympathisers, counts, units_near, opp, 0.4, 0.3, score)
    support = sympathisers / np.maximum(counts, 1)
    assert same_bits(score, support - 0.4 * np.minimum(1.0, units_near) + 0.3 * opp)

    aof, aoc = rng.poisson(0.05, n), rng.poisson(0.1, n)
    phv, attacks, hit = prob(), rng.integers(0, 3, n).astype(float), np.empty(n, dtype=bool)
    ref_phv = np.minimum(1.0, phv + 5.0 * aoc / np.maximum(people, 1.0))
    ref_attacks = attacks + (aof + aoc)
    attacks_felt_near(aof, aoc, people, 5.0, *rev, phv, attacks, hit)
    assert same_bits(phv, ref_phv) and same_bits(attacks, ref_attacks)
    h = (aof > 0).astype(float)
    assert np.array_equal(hit, (h + nbr(h)) > 0) and hit.any()


@pytest.mark.parametrize("seed", [0, 1])
def test_abuse_week_equals_array_formulas(seed):
    from peacesim.kernels.actors import abuse_week

    rng, _, people, _, prob = _cell_inputs(seed, n_cells=300)
    n, n_units, t, key = len(people), 900, 40, stream_key(seed, "abuse.event")
    cell = rng.integers(0, n, n_units)
    active = rng.random(n_units) < 0.9
    conduct = rng.random(n_units) * 0.9
    attacked_at = t - rng.integers(0, 10, n_units)
    acc, sdf = prob(), rng.random(n)
    events0 = rng.integers(0, 2, n)
    victims0, phf0, memory0 = prob(), prob(), rng.random(n)
    args = (0.05, 0.5, 1.0, 2.0, 4, 0.2, 3.0, 0.9)
    p_contact = np.empty(n)
    events, victims, phf, memory = events0.copy(), victims0.copy(), phf0.copy(), memory0.copy()
    abuse_week(cell, active, conduct, attacked_at, acc, sdf, people, *args, key, t, p_contact,
               events, victims, phf, memory)
    rate, contact_share, sw, aw, window, floor, per_event, keep = args
    # The array formulas the abuse mechanism first used.
    here, c = cell[active], conduct[active]
    no_contact = np.ones(n)
    np.multiply.at(no_contact, here, 1.0 - contact_share * c)
    recent = (t - attacked_at[active]) <= window
    impunity = floor + (1.0 - floor) * (1.0 - acc[here])
    p = rate * (1.0 - c) * (1.0 + sw * (1.0 - sdf[here])) * (1.0 + aw * recent) * impunity
    abused = uniform_numpy(key, t, np.flatnonzero(active), 0) < np.minimum(p, 1.0)
    ref_events = events0.copy()
    np.add.at(ref_events, here[abused], 1)
    e = ref_events.astype(float)
    assert abused.sum() > 10 and np.array_equal(events, ref_events)
    assert same_bits(p_contact, 1.0 - no_contact)
    assert same_bits(victims, victims0 + e * per_event)
    assert same_bits(phf, np.minimum(1.0, phf0 + e * per_event / np.maximum(people, 1.0)))
    assert same_bits(memory, keep * memory0 + e)


@pytest.mark.parametrize("seed", [0, 1])
def test_information_week_equals_array_formulas(seed):
    from peacesim.kernels.cells import (
        forces_trust_after_attacks,
        information_week,
        neighbour_sum_numpy,
    )

    rng, _, _, _, prob = _cell_inputs(seed, n_cells=500)
    n = 500
    offsets, targets = _random_neighbours(rng, n)
    members = rng.integers(0, 30, n)
    report_sum = rng.random(n) * members
    armed_near = rng.gamma(0.3, 100.0, n) * (rng.random(n) < 0.5)
    units = rng.poisson(0.4, n)
    knowledge = 1.0 + 0.5 * (rng.random(n) < 0.1)
    aof = rng.poisson(0.1, n)
    info0, sdf0 = prob(), rng.random(n)
    rr, ub, learn, decay, sg, loss, drift, start = 0.3, 0.5, 0.8, 0.05, 0.05, 0.1, 0.01, 0.5
    reporting, near = np.empty(n), np.empty(n)
    info, sdf = info0.copy(), sdf0.copy()
    information_week(report_sum, members, armed_near, units, knowledge, aof, offsets, targets,
                     rr, ub, learn, decay, sg, reporting, info, sdf, near)
    forces_trust_after_attacks(sdf, np.power(1.0 - loss, near), drift, start)
    # The array formulas the information mechanism first used.
    ref_rep = rr * report_sum / np.maximum(members, 1)
    bonus = (1.0 + ub * (units > 0)) * knowledge
    gain = np.minimum(1.0, learn * ref_rep * bonus) * (armed_near > 0)
    ref_info = np.clip(info0 * (1.0 - decay) + gain * (1.0 - info0), 0.0, 1.0)
    nbr = np.empty(n)
    neighbour_sum_numpy(offsets, targets, aof.astype(float), nbr)
    s = sdf0.copy()
    s += sg * ref_rep * (units > 0) * (1.0 - s)
    s *= (1.0 - loss) ** (aof + nbr)
    s += drift * (start - s)
    np.clip(s, 0.0, 1.0, out=s)
    assert same_bits(reporting, ref_rep) and same_bits(info, ref_info)
    assert same_bits(near, aof + nbr) and same_bits(sdf, s)


def test_beta_by_cell_draws_the_bits_of_one_call():
    from peacesim.population import DRAW_BLOCK, beta_by_cell

    rng = np.random.default_rng(11)
    level = rng.random(300)
    level[:3] = [0.0, 1.0, 0.5]  # clipped to (1e-3, 1 - 1e-3)
    cell = rng.integers(0, 300, 3 * DRAW_BLOCK + 17)
    out = np.empty(len(cell), dtype=np.float32)
    beta_by_cell(np.random.default_rng(3), level, cell, 8.0, out)
    mean = np.clip(level[cell], 1e-3, 1 - 1e-3)
    ref = np.random.default_rng(3).beta(mean * 8.0, (1 - mean) * 8.0).astype(np.float32)
    assert same_bits(out, ref)


def test_group_exposure_equals_bincount_means():
    from peacesim.kernels.communal import group_exposure

    rng = np.random.default_rng(4)
    n_cells, n = 200, 50_000
    cell = rng.integers(0, n_cells, n).astype(np.int32)
    group = rng.integers(0, 3, n).astype(np.uint8)
    group[cell < 5] = 0  # cells without groups 1 and 2: exposure 1
    exposure = (0.5 + rng.random(n)).astype(np.float32)
    out = group_exposure(cell, group, exposure, 3, n_cells)
    for k in range(3):
        rows = group == k
        count = np.bincount(cell[rows], minlength=n_cells)
        total = np.bincount(cell[rows], weights=exposure[rows], minlength=n_cells)
        assert same_bits(out[k], np.where(count > 0, total / np.maximum(count, 1), 1.0))
    assert np.all(out[1, :5] == 1.0)


@pytest.mark.parametrize("seed", [0, 1])
def test_justice_displacement_and_womens_groups_loops_equal_array_formulas(seed):
    from peacesim.kernels.cells import (
        displacement_week,
        justice_week,
        neighbour_sum_numpy,
        womens_groups_week,
    )

    rng, _, people, _, prob = _cell_inputs(seed, n_cells=400)
    n = len(people)
    # Justice, as the mechanism's array formulas.
    running, base = rng.random(n) < 0.4, prob()
    official0, traditional0 = base * 0.6 * rng.random(n), base * 0.4
    args = (0.3, 0.6, 0.05, 0.1, 0.7, 0.5, 0.4)
    access, share, s_off, s_trad, t_off, t_trad, sanctions = args
    mix = t_off * share + t_trad * (1.0 - share)
    official, traditional = official0.copy(), traditional0.copy()
    justice, boost, acc = np.empty(n), np.empty(n), np.empty(n)
    justice_week(running, base, *args, mix, official, traditional, justice, boost, acc)
    target = base + np.where(running, access * (1.0 - base), 0.0)
    o = official0 + s_off * (share * target - official0)
    t = traditional0 + s_trad * ((1.0 - share) * target - traditional0)
    j = t_off * o + t_trad * t
    assert same_bits(official, o) and same_bits(traditional, t) and same_bits(justice, j)
    assert same_bits(boost, np.maximum(0.0, j - mix * base)) and same_bits(acc, sanctions * o)
    # Displacement.
    phv, phf = prob(), prob()
    attacks = rng.poisson(0.2, n).astype(float)
    shown0 = rng.random(n) * people * 0.1
    shown, newly = shown0.copy(), np.empty(n)
    displacement_week(people, 0.53, phv, phf, attacks, 0.5, 11.0, 0.02, shown, newly)
    home = np.maximum(people / 0.53 - shown0, 0.0)
    new = np.minimum(home, 11.0 * (phv + 0.5 * phf) * home)
    ref = shown0 + (new - np.where(attacks <= 0, 0.02 * shown0, 0.0))
    assert same_bits(newly, new) and same_bits(shown, np.maximum(ref, 0.0))
    # Women's groups.
    offsets, targets = _random_neighbours(rng, n)
    group_cell = rng.integers(0, n, 300)
    active, wboost, sessions = np.empty(300, dtype=bool), np.empty(n), np.empty(n)
    womens_groups_week(group_cell, running, 0.35, 4 / 52.0, offsets, targets, active, wboost,
                       sessions)
    ref_active = running[group_cell]
    here = np.zeros(n)
    np.add.at(here, group_cell[ref_active], 0.35)
    here = np.minimum(1.0, here)
    nbr = np.empty(n)
    neighbour_sum_numpy(offsets, targets, here, nbr)
    ref_sessions = np.zeros(n)
    np.add.at(ref_sessions, group_cell[ref_active], 4 / 52.0)
    assert np.array_equal(active, ref_active) and same_bits(sessions, ref_sessions)
    assert same_bits(wboost, np.minimum(1.0, here + 0.5 * np.minimum(1.0, nbr)))
