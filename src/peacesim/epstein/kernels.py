"""Step kernels of Epstein's civil-violence Model I (Numba).

The grid, the agent columns and the neighbourhoods are described in
:mod:`peacesim.epstein.grid`; the plain-Python twins that the tests compare with these
kernels bit for bit are in :mod:`peacesim.epstein.reference`.

Moving to a random empty cell of the neighbourhood: up to ``tries`` cells are drawn uniformly
from the flat list (a SplitMix64 sequence seeded by the counter draw 1) and the first empty one
is taken; if none is, the r-th empty cell is taken with r uniform (counter draw 0). Either way
the cell is uniform among the empty cells, as in both reference implementations, and most
moves cost a few draws instead of a search.

Performance notes (measured, see docs/validation/epstein.md): the hot helpers are inlined
(``inline="always"``) and take few arrays; rare paths (``_search_empty``, ``_arrest``,
``_release``, ``_batch_repick``) are separate functions called only from the loop bodies of
the kernels, because a call made inside an inlined helper, or a helper receiving many arrays,
makes Numba keep reference counts on every array at every call, which costs more than the work
itself. Citizens with G <= T are quiet whatever they see (N = R P >= 0), so they skip the scan.

Randomness: every draw is ``uniform(key, step, index, draw)`` (:mod:`peacesim.random`), one
stream key per purpose (:class:`~peacesim.epstein.grid.Keys`), the index being the agent row
(or the position in the list being shuffled), so a seed gives the same run with any number of
threads.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from peacesim.epstein.grid import (
    ACTIVE,
    COP,
    F_ACTIVE,
    F_COP,
    F_EMPTY,
    F_ZERO,
    FLOOR,
    JAILED,
    LEAVE_GRID,
    QUIET,
    ROUND,
    RULE_CODES,
    STAY_ON_GRID,
    TWO53,
)
from peacesim.random import below, uniform

__all__ = [
    "arrest_probability",
    "step_sequential",
    "step_batched",
]

_MASK = np.uint64(0xFFFF)
_SH_EMPTY = np.uint64(0)
_SH_ACTIVE = np.uint64(16)
_SH_COP = np.uint64(32)
_UNSUMMED = np.uint64(0xFFFFFFFFFFFFFFFF)  # 'neighbourhood sum not computed yet'
_ZERO = np.uint64(0)


def arrest_probability(cops: int, actives: int, k: float, rule: str) -> float:
    """Estimated arrest probability P = 1 - exp(-k f(C/A)) (Epstein 2002, Model I).

    Args:
        cops: C, cops in vision.
        actives: A, 1 + actives in vision.
        k: Arrest-probability constant (Epstein 2002: 2.3).
        rule: f: ``"floor"`` (NetLogo Rebellion), ``"round"`` (Python's round, half to even;
            Mesa example) or ``"continuous"`` (identity; the paper's text).

    Returns:
        P in [0, 1).
    """
    return _probability(cops, actives, k, RULE_CODES[rule])


@njit(cache=True, inline="always")
def _probability(cops, actives, k, rule):
    """P = 1 - exp(-k f(C/A)) for integer counts (Numba); f by rule code."""
    if rule == FLOOR:
        x = np.float64(cops // actives)
    elif rule == ROUND:
        x = np.rint(cops / actives)  # round half to even, as Python's round()
    else:
        x = cops / actives
    return 1.0 - np.exp(-k * x)


# --------------------------------------------------------------------------------------------
# Numba helpers on the packed grid
# --------------------------------------------------------------------------------------------


@njit(cache=True, inline="always")
def _padded_index(cell, g):
    y = cell // g.W
    return (y + g.V) * g.PW + (cell - y * g.W) + g.V


@njit(cache=True, inline="always")
def _cell_of(q, g):
    py = q // g.PW
    y = py - g.V
    x = q - py * g.PW - g.V
    if y < 0:
        y += g.H
    elif y >= g.H:
        y -= g.H
    if x < 0:
        x += g.W
    elif x >= g.W:
        x -= g.W
    return y * g.W + x


@njit(cache=True, inline="always")
def _write(packed, cell, value, g):
    """Write a cell's packed value and, on a torus, its halo copies."""
    y = cell // g.W
    x = cell - y * g.W
    py = y + g.V
    px = x + g.V
    packed[py * g.PW + px] = value
    if g.torus:
        py2 = -1
        if y < g.V:
            py2 = py + g.H
        elif y >= g.H - g.V:
            py2 = py - g.H
        px2 = -1
        if x < g.V:
            px2 = px + g.W
        elif x >= g.W - g.V:
            px2 = px - g.W
        if py2 >= 0:
            packed[py2 * g.PW + px] = value
            if px2 >= 0:
                packed[py2 * g.PW + px2] = value
        if px2 >= 0:
            packed[py * g.PW + px2] = value


@njit(cache=True, inline="always")
def _span_sum(packed, p, hood, rows):
    """Sum of the packed values of a neighbourhood around padded index p; row sums to rows."""
    total = np.uint64(0)
    for r in range(hood.off.size):
        q = np.uint64(p + hood.off[r])  # unsigned: no wrap-around test, the loop vectorizes
        acc = np.uint64(0)
        for j in range(np.uint64(hood.length[r])):
            acc += packed[q + j]
        rows[r] = acc
        total += acc
    return total


@njit(cache=True, inline="always")
def _nth(packed, p, hood, rows, shift, value, r):
    """Padded index of the r-th cell (0-based, scan order) of a neighbourhood holding ``value``.

    ``rows`` holds the neighbourhood's row sums (:func:`_span_sum`); r must be below the count
    of ``value``. Branch-free: the row is the number of rows whose running count stays <= r,
    and within the row the match sits after every cell whose running count is <= r.
    """
    cum = np.int64(0)
    row = np.int64(0)
    skip = np.int64(0)
    for i in range(hood.off.size):
        c = np.int64((rows[i] >> shift) & _MASK)
        cum += c
        full = cum <= r
        row += full
        skip += c * full
    r -= skip
    q = np.uint64(p + hood.off[row])
    count = np.int64(0)
    before = np.int64(0)
    for j in range(np.uint64(hood.length[row])):
        count += packed[q + j] == value
        before += count <= r
    return np.int64(q) + before


_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


@njit(cache=True, inline="always")
def _candidate(seed, d, n):
    """d-th uniform integer in [0, n) of a SplitMix64 sequence started at ``seed`` (uint64).

    One mixing round per candidate instead of a full counter hash: the sequence is seeded by
    one counter draw (:func:`_try_empty`), so it stays a function of (key, step, agent).
    """
    z = seed + np.uint64(d) * _GOLDEN
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    z = z ^ (z >> np.uint64(31))
    return np.int64(np.float64(z >> np.uint64(11)) * (1.0 / TWO53) * n)


@njit(cache=True, inline="always")
def _try_empty(packed, p, hood, key, step, a, tries):
    """Up to ``tries`` uniform draws of a neighbourhood cell; the first empty one, or -1.

    The draws are a SplitMix64 sequence seeded by the counter draw (key, step, a, 1).
    """
    n = hood.flat.size
    seed = np.uint64(uniform(key, step, a, 1) * TWO53)
    for d in range(1, tries + 1):
        q = p + hood.flat[_candidate(seed, d, n)]
        if packed[q] == F_EMPTY:
            return q
    return -1


@njit(cache=True)
def _search_empty(packed, p, hood, rows, summed, key, step, a):
    """Fallback of :func:`_try_empty`: the r-th empty cell, r uniform (draw 0), or -1.

    ``summed`` is the neighbourhood sum if ``rows`` already holds this neighbourhood's row
    sums, else :data:`_UNSUMMED`. Called out of line, and only from a kernel's own body: a
    call inside an inlined helper makes Numba keep reference counts on every array the
    helper receives, which costs more than the whole move.
    """
    if summed == _UNSUMMED:
        summed = _span_sum(packed, p, hood, rows)
    n_empty = np.int64(summed & _MASK)
    if n_empty == 0:
        return -1
    return _nth(packed, p, hood, rows, _SH_EMPTY, F_EMPTY, below(key, step, a, 0, n_empty))


@njit(cache=True, inline="always")
def _value_of(state_a):
    if state_a == ACTIVE:
        return F_ACTIVE
    if state_a == COP:
        return F_COP
    return F_ZERO


@njit(cache=True, inline="always")
def _move_to(a, new_cell, occ, packed, state, pos, g):
    old = pos[a]
    occ[old] = -1
    _write(packed, old, F_EMPTY, g)
    occ[new_cell] = a
    _write(packed, new_cell, _value_of(state[a]), g)
    pos[a] = new_cell


@njit(cache=True)
def _release(b, step, key, occ, packed, state, pos, hood, rows, g):
    """Bring back a citizen jailed off the grid, quiet (jail = "leave_grid").

    On its arrest cell if empty; else on the r-th empty cell of its neighbourhood (draw 0);
    else on the first empty cell among uniform draws over the grid (draws 1, 2, ...).
    """
    cell = pos[b]
    if occ[cell] >= 0:
        p = _padded_index(cell, g)
        n_empty = np.int64(_span_sum(packed, p, hood, rows) & _MASK)
        if n_empty > 0:
            r = below(key, step, b, 0, n_empty)
            cell = _cell_of(_nth(packed, p, hood, rows, _SH_EMPTY, F_EMPTY, r), g)
        else:
            d = 1
            cell = below(key, step, b, d, g.H * g.W)
            while occ[cell] >= 0:
                d += 1
                cell = below(key, step, b, d, g.H * g.W)
    occ[cell] = b
    pos[b] = cell
    state[b] = QUIET
    _write(packed, cell, F_ZERO, g)


@njit(cache=True)
def _arrest(cop, b, step, key, rules, occ, packed, state, jail, pos, g):
    """Cop arrests citizen b: jail term (draw indexed by the cop) and the jail rule's moves."""
    if rules.jail_mode == STAY_ON_GRID:
        jail[b] = below(key, step, cop, 0, rules.max_jail + 1)  # Mesa: randint(0, Jmax)
        state[b] = JAILED
        _write(packed, pos[b], F_ZERO, g)
    else:
        # NetLogo: random Jmax, i.e. 0 .. Jmax - 1; the cop moves onto the arrest cell
        jail[b] = below(key, step, cop, 0, rules.max_jail) if rules.max_jail > 0 else 0
        state[b] = JAILED
        cell = pos[b]
        occ[cell] = -1
        _move_to(cop, cell, occ, packed, state, pos, g)


@njit(cache=True)
def _counts(state, n_cit):
    n_active = 0
    n_jailed = 0
    for b in range(n_cit):
        s = state[b]
        if s == ACTIVE:
            n_active += 1
        elif s == JAILED:
            n_jailed += 1
    return n_active, n_jailed


@njit(cache=True)
def _jail_clock(step, key, occ, packed, state, jail, pos, n_cit, hood, rows, g):
    """NetLogo jail clock (jail = "leave_grid"): every term counts down; release at 0."""
    for b in range(n_cit):
        if state[b] == JAILED:
            if jail[b] > 0:
                jail[b] -= 1
            if jail[b] == 0:
                _release(b, step, key, occ, packed, state, pos, hood, rows, g)


@njit(cache=True)
def _shuffle(perm, n, first, key, step):
    """Fisher-Yates shuffle of perm[:n] = first, first + 1, ... with counter draws."""
    for i in range(n):
        perm[i] = first + i
    for i in range(n - 1, 0, -1):
        j = below(key, step, i, 0, i + 1)
        t = perm[i]
        perm[i] = perm[j]
        perm[j] = t


# --------------------------------------------------------------------------------------------
# Sequential kernel: every agent acts in turn, in a fresh random order (Mesa's shuffle_do)
# --------------------------------------------------------------------------------------------


@njit(cache=True)
def step_sequential(step, legitimacy, occ, packed, kind, hardship, risk, state, jail, pos,
                    scratch, n_cit, g, cit, cop, rules, keys):
    """Advance the model one step, agents acting one at a time (Numba).

    Args:
        step: The step being computed (1 for the first); the counter of every draw.
        legitimacy: L during this step.
        occ: int32 ``[H*W]``, agent row on each cell or -1 (updated in place).
        packed: uint64 padded one-hot grid (module docstring; updated in place).
        kind: uint8 per agent, 0 citizen, 1 cop.
        hardship: float64 per agent, H in [0, 1) (citizens).
        risk: float64 per agent, R in [0, 1) (citizens).
        state: uint8 per agent (updated in place).
        jail: int32 per agent, steps of jail left (updated in place).
        pos: int32 per agent, cell (updated in place).
        scratch: :class:`Scratch` (``perm`` and ``rows`` are used).
        n_cit: Number of citizens (rows 0 .. n_cit - 1); cops follow.
        g: :class:`Geometry`.
        cit: :class:`Hood` of citizens.
        cop: :class:`Hood` of cops.
        rules: :class:`Rules`.
        keys: :class:`Keys`.

    Returns:
        (active, jailed) citizen counts after the step.
    """
    # Performance note: the rare paths (_search_empty, _arrest, _release) are called from this
    # body only, never from inside the inlined helpers (see _search_empty).
    perm = scratch.perm
    rows = scratch.rows
    n = kind.size
    _shuffle(perm, n, 0, keys.order, step)
    one_minus_l = 1.0 - legitimacy
    for i in range(n):
        a = perm[i]
        if kind[a] == 0:
            # ---- citizen --------------------------------------------------------------------
            if state[a] == JAILED:
                if rules.jail_mode == LEAVE_GRID:
                    continue  # off the grid; the jail clock runs at the end of the step
                if jail[a] > 0:
                    jail[a] -= 1  # Mesa: the term counts down on the citizen's own turn
                    continue
            if rules.move_first and rules.movement:
                p = _padded_index(pos[a], g)
                q = _try_empty(packed, p, cit, keys.move, step, a, rules.tries)
                if q < 0:
                    q = _search_empty(packed, p, cit, rows, _UNSUMMED, keys.move, step, a)
                if q >= 0:
                    _move_to(a, _cell_of(q, g), occ, packed, state, pos, g)
            p = _padded_index(pos[a], g)
            grievance = hardship[a] * one_minus_l
            s = _UNSUMMED
            active = False
            if grievance > rules.threshold:
                # (if G <= T the citizen is quiet whatever it sees, since N = R P >= 0:
                # no need to look; exact in floating point too, as G - N <= G)
                s = _span_sum(packed, p, cit, rows)
                n_cops = np.int64((s >> _SH_COP) & _MASK)
                n_act = np.int64((s >> _SH_ACTIVE) & _MASK)
                if not rules.count_own and packed[p] == F_ACTIVE:
                    n_act -= 1
                prob = _probability(n_cops, n_act + 1, rules.k, rules.rule)
                active = grievance - risk[a] * prob > rules.threshold
            if active:
                if state[a] != ACTIVE:
                    state[a] = ACTIVE
                    _write(packed, pos[a], F_ACTIVE, g)
            elif state[a] != QUIET:
                state[a] = QUIET
                _write(packed, pos[a], F_ZERO, g)
            if rules.movement and not rules.move_first and (s == _UNSUMMED
                                                            or (s & _MASK) != _ZERO):
                # the decision changed no empty cell: the scan's empties still hold
                q = _try_empty(packed, p, cit, keys.move, step, a, rules.tries)
                if q < 0:
                    q = _search_empty(packed, p, cit, rows, s, keys.move, step, a)
                if q >= 0:
                    _move_to(a, _cell_of(q, g), occ, packed, state, pos, g)
        else:
            # ---- cop ------------------------------------------------------------------------
            if rules.move_first:
                p = _padded_index(pos[a], g)
                q = _try_empty(packed, p, cop, keys.move, step, a, rules.tries)
                if q < 0:
                    q = _search_empty(packed, p, cop, rows, _UNSUMMED, keys.move, step, a)
                if q >= 0:
                    _move_to(a, _cell_of(q, g), occ, packed, state, pos, g)
            p = _padded_index(pos[a], g)
            s = _span_sum(packed, p, cop, rows)
            n_act = np.int64((s >> _SH_ACTIVE) & _MASK)
            if n_act > 0:
                r = below(keys.arrest, step, a, 0, n_act)
                b = occ[_cell_of(_nth(packed, p, cop, rows, _SH_ACTIVE, F_ACTIVE, r), g)]
                _arrest(a, b, step, keys.jail, rules, occ, packed, state, jail, pos, g)
                if rules.jail_mode == LEAVE_GRID:
                    s = _UNSUMMED  # the cop moved onto the arrest cell
            if not rules.move_first and (s == _UNSUMMED or (s & _MASK) != _ZERO):
                p = _padded_index(pos[a], g)
                q = _try_empty(packed, p, cop, keys.move, step, a, rules.tries)
                if q < 0:
                    q = _search_empty(packed, p, cop, rows, s, keys.move, step, a)
                if q >= 0:
                    _move_to(a, _cell_of(q, g), occ, packed, state, pos, g)
    if rules.jail_mode == LEAVE_GRID:
        _jail_clock(step, keys.release, occ, packed, state, jail, pos, n_cit, cit, rows, g)
    return _counts(state, n_cit)


# --------------------------------------------------------------------------------------------
# Batched kernel (fast mode): the same shuffled order, cut into batches acting together
# --------------------------------------------------------------------------------------------

_STAYS = -3  # target of an agent that does not move in this batch
_SEARCH = -2  # target of a mover whose draws found no empty cell: search at resolve time


@njit(cache=True, inline="always")
def _span_total(packed, p, hood):
    """Sum of the packed values of a neighbourhood (no row sums: safe in parallel loops)."""
    total = np.uint64(0)
    for r in range(hood.off.size):
        q = np.uint64(p + hood.off[r])
        for j in range(np.uint64(hood.length[r])):
            total += packed[q + j]
    return total


@njit(cache=True, inline="always")
def _decision(packed, p, cit, grievance, risk_a, rules):
    """New state of a citizen with G > T at padded index p, from the grid as it is."""
    s = _span_total(packed, p, cit)
    n_cops = np.int64((s >> _SH_COP) & _MASK)
    n_act = np.int64((s >> _SH_ACTIVE) & _MASK)
    if not rules.count_own and packed[p] == F_ACTIVE:
        n_act -= 1
    prob = _probability(n_cops, n_act + 1, rules.k, rules.rule)
    return ACTIVE if grievance - risk_a * prob > rules.threshold else QUIET


# The parallel and serial versions of the batch loops below share their bodies line for line
# (the serial one avoids starting threads for small batches). The bodies are written out, not
# put in a helper: an inlined helper receiving many arrays makes Numba keep reference counts on
# each of them at every call, which costs more than the work.


@njit(cache=True, parallel=True)
def _batch_decide_parallel(perm, lo, hi, acts, newstate, packed, kind, hardship, risk, pos, g,
                           cit, one_minus_l, rules):
    for i in prange(lo, hi):
        a = perm[i]
        if kind[a] == 0 and acts[a]:
            grievance = hardship[a] * one_minus_l
            if grievance <= rules.threshold:
                newstate[a] = QUIET  # quiet whatever it sees (see step_sequential)
            else:
                newstate[a] = _decision(packed, _padded_index(pos[a], g), cit, grievance,
                                        risk[a], rules)


@njit(cache=True)
def _batch_decide_serial(perm, lo, hi, acts, newstate, packed, kind, hardship, risk, pos, g,
                         cit, one_minus_l, rules):
    for i in range(lo, hi):
        a = perm[i]
        if kind[a] == 0 and acts[a]:
            grievance = hardship[a] * one_minus_l
            if grievance <= rules.threshold:
                newstate[a] = QUIET  # quiet whatever it sees (see step_sequential)
            else:
                newstate[a] = _decision(packed, _padded_index(pos[a], g), cit, grievance,
                                        risk[a], rules)


@njit(cache=True, parallel=True)
def _batch_targets_parallel(perm, lo, hi, acts, target, packed, kind, pos, step, g, cit, cop,
                            rules, keys):
    for i in prange(lo, hi):  # citizens (one call site per loop keeps the loop fast)
        a = perm[i]
        target[a] = _STAYS
        if kind[a] == 0 and acts[a] and rules.movement:
            q = _try_empty(packed, _padded_index(pos[a], g), cit, keys.move, step, a,
                           rules.tries)
            target[a] = _cell_of(q, g) if q >= 0 else _SEARCH
    for i in prange(lo, hi):  # cops
        a = perm[i]
        if kind[a] == 1 and acts[a]:
            q = _try_empty(packed, _padded_index(pos[a], g), cop, keys.move, step, a,
                           rules.tries)
            target[a] = _cell_of(q, g) if q >= 0 else _SEARCH


@njit(cache=True)
def _batch_targets_serial(perm, lo, hi, acts, target, packed, kind, pos, step, g, cit, cop,
                          rules, keys):
    for i in range(lo, hi):  # citizens (one call site per loop keeps the loop fast)
        a = perm[i]
        target[a] = _STAYS
        if kind[a] == 0 and acts[a] and rules.movement:
            q = _try_empty(packed, _padded_index(pos[a], g), cit, keys.move, step, a,
                           rules.tries)
            target[a] = _cell_of(q, g) if q >= 0 else _SEARCH
    for i in range(lo, hi):  # cops
        a = perm[i]
        if kind[a] == 1 and acts[a]:
            q = _try_empty(packed, _padded_index(pos[a], g), cop, keys.move, step, a,
                           rules.tries)
            target[a] = _cell_of(q, g) if q >= 0 else _SEARCH


@njit(cache=True)
def _batch_moves(perm, lo, hi, scratch, occ, packed, kind, state, pos, step, g, cit, cop,
                 rules, keys):
    """Movement of a batch: draws in parallel on the snapshot, then moves in batch order.

    A mover whose drawn cell is still empty moves there. A mover whose draws found no empty
    cell searches (draw 0 of ``keys.move``, as the sequential kernel). A mover whose cell was
    taken by an earlier mover of the batch draws again on the current grid (stream
    ``keys.repick``), so every mover ends on a uniform random empty cell of its vision, if
    there is one.
    """
    acts = scratch.acts
    target = scratch.target
    rows = scratch.rows
    if hi - lo >= rules.parallel_min_batch:
        _batch_targets_parallel(perm, lo, hi, acts, target, packed, kind, pos, step, g, cit,
                                cop, rules, keys)
    else:
        _batch_targets_serial(perm, lo, hi, acts, target, packed, kind, pos, step, g, cit, cop,
                              rules, keys)
    for i in range(lo, hi):
        a = perm[i]
        t = target[a]
        if t == _STAYS:
            continue
        if t >= 0 and occ[t] < 0:
            _move_to(a, t, occ, packed, state, pos, g)
        else:
            _batch_repick(a, t, occ, packed, kind, state, pos, rows, step, g, cit, cop, rules,
                          keys)


@njit(cache=True)
def _batch_repick(a, t, occ, packed, kind, state, pos, rows, step, g, cit, cop, rules, keys):
    """Rare path of :func:`_batch_moves`: search (t = _SEARCH) or draw again (cell taken)."""
    p = _padded_index(pos[a], g)
    if kind[a] == 1:
        if t == _SEARCH:
            q = _search_empty(packed, p, cop, rows, _UNSUMMED, keys.move, step, a)
        else:
            q = _try_empty(packed, p, cop, keys.repick, step, a, rules.tries)
            if q < 0:
                q = _search_empty(packed, p, cop, rows, _UNSUMMED, keys.repick, step, a)
    else:
        if t == _SEARCH:
            q = _search_empty(packed, p, cit, rows, _UNSUMMED, keys.move, step, a)
        else:
            q = _try_empty(packed, p, cit, keys.repick, step, a, rules.tries)
            if q < 0:
                q = _search_empty(packed, p, cit, rows, _UNSUMMED, keys.repick, step, a)
    if q >= 0:
        _move_to(a, _cell_of(q, g), occ, packed, state, pos, g)


@njit(cache=True)
def step_batched(step, legitimacy, occ, packed, kind, hardship, risk, state, jail, pos,
                 scratch, n_cit, g, cit, cop, rules, keys):
    """Advance the model one step, the shuffled order cut into batches acting together (Numba).

    The agents are shuffled exactly as in :func:`step_sequential` and the order is cut into
    ``rules.batches`` consecutive batches. Each batch, in turn: (1) its jailed citizens count
    down (Mesa jail rule) and the others act; (2) if ``move_first``, it moves; (3) its acting
    citizens decide, all from the grid as the batch found it; (4) its cops arrest one at a
    time in batch order; (5) if not ``move_first``, it moves (:func:`_batch_moves`; a citizen
    arrested in (4) stays). With the jail ``"leave_grid"``, the NetLogo jail clock ends the
    step. Loops (3) and the draws of the moves run in parallel over the batch when it has at
    least ``rules.parallel_min_batch`` agents; every draw is keyed by agent, so the result does
    not depend on the number of threads. With one agent per batch (``batches >= agents``) the
    run is the sequential one, draw for draw.

    Args: as :func:`step_sequential` (``perm``, ``rows``, ``acts``, ``newstate`` and ``target``
        of ``scratch`` are used); ``rules.batches`` sets the number of batches.

    Returns:
        (active, jailed) citizen counts after the step.
    """
    perm = scratch.perm
    rows = scratch.rows
    acts = scratch.acts
    newstate = scratch.newstate
    n = kind.size
    _shuffle(perm, n, 0, keys.order, step)
    one_minus_l = 1.0 - legitimacy
    size = max(1, (n + rules.batches - 1) // rules.batches)
    for lo in range(0, n, size):
        hi = min(n, lo + size)
        for i in range(lo, hi):  # (1)
            a = perm[i]
            acts[a] = 1
            if kind[a] == 0 and state[a] == JAILED:
                if rules.jail_mode == LEAVE_GRID:
                    acts[a] = 0
                elif jail[a] > 0:
                    jail[a] -= 1
                    acts[a] = 0
        if rules.move_first:  # (2)
            _batch_moves(perm, lo, hi, scratch, occ, packed, kind, state, pos, step, g, cit,
                         cop, rules, keys)
        if hi - lo >= rules.parallel_min_batch:  # (3)
            _batch_decide_parallel(perm, lo, hi, acts, newstate, packed, kind, hardship, risk,
                                   pos, g, cit, one_minus_l, rules)
        else:
            _batch_decide_serial(perm, lo, hi, acts, newstate, packed, kind, hardship, risk,
                                 pos, g, cit, one_minus_l, rules)
        for i in range(lo, hi):
            a = perm[i]
            if kind[a] == 0 and acts[a] and newstate[a] != state[a]:
                state[a] = newstate[a]
                _write(packed, pos[a], _value_of(state[a]), g)
        for i in range(lo, hi):  # (4)
            a = perm[i]
            if kind[a] != 1:
                continue
            p = _padded_index(pos[a], g)
            n_act = np.int64((_span_sum(packed, p, cop, rows) >> _SH_ACTIVE) & _MASK)
            if n_act > 0:
                r = below(keys.arrest, step, a, 0, n_act)
                b = occ[_cell_of(_nth(packed, p, cop, rows, _SH_ACTIVE, F_ACTIVE, r), g)]
                _arrest(a, b, step, keys.jail, rules, occ, packed, state, jail, pos, g)
                acts[b] = 0  # an arrested citizen of this batch does not move
        if not rules.move_first:  # (5)
            _batch_moves(perm, lo, hi, scratch, occ, packed, kind, state, pos, step, g, cit,
                         cop, rules, keys)
    if rules.jail_mode == LEAVE_GRID:
        _jail_clock(step, keys.release, occ, packed, state, jail, pos, n_cit, cit, rows, g)
    return _counts(state, n_cit)
