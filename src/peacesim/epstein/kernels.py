"""Step kernels of Epstein's civil-violence Model I, with their plain Python twins.

State (preallocated by :class:`peacesim.epstein.EpsteinModel`):

* ``occ`` int32 ``[H*W]``: the agent row on each cell, or -1.
* ``packed`` uint64 ``[(H + 2V) * PW]``, ``PW = W + 2V``: the grid padded by a halo of
  V = max vision cells. Each cell holds one-hot counters in 16-bit fields, ``EMPTY = 1``,
  ``ACTIVE = 1 << 16``, ``COP = 1 << 32`` (quiet and jailed citizens, and the walls of a bounded
  grid, hold 0), so one pass of additions over a neighbourhood counts empties, actives and cops
  together. On a torus the halo mirrors the opposite edges (each write updates up to four
  copies), so a neighbourhood is a fixed list of contiguous row spans: no modulo, no branch.
* agent rows, citizens first, then cops: ``kind`` uint8 (0 citizen, 1 cop), ``hardship`` and
  ``risk`` float64, ``state`` uint8 (:data:`QUIET`, :data:`ACTIVE`, :data:`JAILED`,
  :data:`COP`), ``jail`` int32 (steps left), ``pos`` int32 (cell; a citizen jailed off the grid
  keeps its arrest cell).

Neighbourhoods (:class:`Hood`) are row spans ordered by dy then dx, both ascending, plus the
flat list of the same cells (centre included); "the r-th empty cell" means the r-th in that
order, in the kernels and in the twins alike.

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
stream key per purpose (:class:`Keys`), the index being the agent row (or the position in the
list being shuffled), so a seed gives the same run with any number of threads.

The twins (suffix ``_numpy``) are written without the halo and the packed counters: they walk
neighbourhood offsets with modular arithmetic on ``occ`` and look agents up by row. The tests
compare them with the kernels bit for bit on small grids.
"""

from __future__ import annotations

import math
from collections import namedtuple

import numpy as np
from numba import njit, prange

from peacesim.random import below, uniform, uniform_numpy

__all__ = [
    "QUIET",
    "ACTIVE",
    "JAILED",
    "COP",
    "RULE_CODES",
    "JAIL_CODES",
    "Hood",
    "Geometry",
    "Rules",
    "Keys",
    "Scratch",
    "neighbourhood_offsets",
    "make_hood",
    "build_packed",
    "arrest_probability",
    "step_sequential",
    "step_sequential_numpy",
    "step_batched",
    "step_batched_numpy",
]

# Agent states (column ``state``).
QUIET = 0
ACTIVE = 1
JAILED = 2
COP = 3

# Codes of the string options passed to the kernels.
RULE_CODES = {"floor": 0, "round": 1, "continuous": 2}
JAIL_CODES = {"stay_on_grid": 0, "leave_grid": 1}
_FLOOR, _ROUND, _CONTINUOUS = 0, 1, 2
_STAY, _LEAVE = 0, 1

# One-hot fields of the packed grid.
F_EMPTY = np.uint64(1)
F_ACTIVE = np.uint64(1 << 16)
F_COP = np.uint64(1 << 32)
F_ZERO = np.uint64(0)
_MASK = np.uint64(0xFFFF)
_SH_EMPTY = np.uint64(0)
_SH_ACTIVE = np.uint64(16)
_SH_COP = np.uint64(32)
_UNSUMMED = np.uint64(0xFFFFFFFFFFFFFFFF)  # 'neighbourhood sum not computed yet'
_ZERO = np.uint64(0)

#: A neighbourhood on the padded grid (int64 arrays): row spans ``off`` (start, relative to
#: the centre's padded index) and ``length``; ``dy`` and half-width ``w`` of each row; ``flat``,
#: the padded offsets of all its cells in scan order, centre included.
Hood = namedtuple("Hood", "off length dy w flat")
#: Grid sizes: height, width, halo, padded width (W + 2 * halo), torus (0/1).
Geometry = namedtuple("Geometry", "H W V PW torus")
#: Rules: k, threshold T, arrest-rule code, Jmax, jail code, move_first, movement,
#: count_own_cell (0/1), the number of draws tried before a move falls back to a search, the
#: number of batches of the batched kernel and the smallest batch whose loops run in parallel.
Rules = namedtuple("Rules", "k threshold rule max_jail jail_mode move_first movement count_own"
                   " tries batches parallel_min_batch")
#: Stream keys (uint64) of the draws of a step (``repick``: second draws of the batched
#: kernel's movers whose cell was taken).
Keys = namedtuple("Keys", "order move arrest jail release repick")
#: Scratch arrays of the kernels: perm int64 [n], rows uint64 [2V+1], acts uint8 [n],
#: newstate uint8 [n], target int64 [n].
Scratch = namedtuple("Scratch", "perm rows acts newstate target")


# --------------------------------------------------------------------------------------------
# Geometry (Python, once per model)
# --------------------------------------------------------------------------------------------


def _half_width(kind: str, vision: int, dy: int) -> int:
    if kind == "von_neumann":
        return vision - abs(dy)
    if kind == "moore":
        return vision
    if kind == "euclidean":
        return math.isqrt(vision * vision - dy * dy)
    raise ValueError(f"unknown neighbourhood {kind!r}")


def neighbourhood_offsets(kind: str, vision: int) -> list[tuple[int, int]]:
    """Cell offsets (dy, dx) of a neighbourhood in scan order, the centre included.

    Args:
        kind: ``"von_neumann"`` (|dx| + |dy| <= v), ``"moore"`` (max(|dx|, |dy|) <= v) or
            ``"euclidean"`` (dx^2 + dy^2 <= v^2).
        vision: Radius, cells.

    Returns:
        Offsets ordered by dy then dx, both ascending.
    """
    out = []
    for dy in range(-vision, vision + 1):
        w = _half_width(kind, vision, dy)
        out.extend((dy, dx) for dx in range(-w, w + 1))
    return out


def make_hood(kind: str, vision: int, padded_width: int) -> Hood:
    """The :class:`Hood` of a neighbourhood on a padded grid of width ``padded_width``."""
    dy = np.arange(-vision, vision + 1, dtype=np.int64)
    w = np.array([_half_width(kind, vision, int(d)) for d in dy], dtype=np.int64)
    flat = np.array([a * padded_width + b for a, b in neighbourhood_offsets(kind, vision)],
                    dtype=np.int64)
    return Hood(dy * padded_width - w, 2 * w + 1, dy, w, flat)


def build_packed(occ, state, H, W, V, torus):
    """Padded one-hot grid of an occupancy grid (NumPy; set-up and twins).

    Args:
        occ: int32 ``[H*W]`` agent rows or -1.
        state: uint8 agent states.
        H: Grid height, cells.
        W: Grid width, cells.
        V: Halo width (largest vision).
        torus: Whether the halo mirrors the opposite edges (else it is wall, 0).

    Returns:
        uint64 ``[(H + 2V) * (W + 2V)]``.
    """
    values = np.full(H * W, F_EMPTY, dtype=np.uint64)
    taken = occ >= 0
    s = state[occ[taken]]
    values[taken] = np.where(s == ACTIVE, F_ACTIVE, np.where(s == COP, F_COP, F_ZERO))
    grid = values.reshape(H, W)
    mode = {"mode": "wrap"} if torus else {"mode": "constant", "constant_values": 0}
    return np.ascontiguousarray(np.pad(grid, V, **mode)).reshape(-1)


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
    if rule == _FLOOR:
        x = np.float64(cops // actives)
    elif rule == _ROUND:
        x = np.rint(cops / actives)  # round half to even, as Python's round()
    else:
        x = cops / actives
    return 1.0 - np.exp(-k * x)


def _probability_py(cops, actives, k, rule):
    """Twin of :func:`_probability` in plain Python."""
    if rule == _FLOOR:
        x = float(cops // actives)
    elif rule == _ROUND:
        x = float(round(cops / actives))
    else:
        x = cops / actives
    return 1.0 - math.exp(-k * x)


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
_TWO53 = 9007199254740992.0


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
    return np.int64(np.float64(z >> np.uint64(11)) * (1.0 / _TWO53) * n)


@njit(cache=True, inline="always")
def _try_empty(packed, p, hood, key, step, a, tries):
    """Up to ``tries`` uniform draws of a neighbourhood cell; the first empty one, or -1.

    The draws are a SplitMix64 sequence seeded by the counter draw (key, step, a, 1).
    """
    n = hood.flat.size
    seed = np.uint64(uniform(key, step, a, 1) * _TWO53)
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
    if rules.jail_mode == _STAY:
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
                if rules.jail_mode == _LEAVE:
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
                if rules.jail_mode == _LEAVE:
                    s = _UNSUMMED  # the cop moved onto the arrest cell
            if not rules.move_first and (s == _UNSUMMED or (s & _MASK) != _ZERO):
                p = _padded_index(pos[a], g)
                q = _try_empty(packed, p, cop, keys.move, step, a, rules.tries)
                if q < 0:
                    q = _search_empty(packed, p, cop, rows, s, keys.move, step, a)
                if q >= 0:
                    _move_to(a, _cell_of(q, g), occ, packed, state, pos, g)
    if rules.jail_mode == _LEAVE:
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
                if rules.jail_mode == _LEAVE:
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
    if rules.jail_mode == _LEAVE:
        _jail_clock(step, keys.release, occ, packed, state, jail, pos, n_cit, cit, rows, g)
    return _counts(state, n_cit)


# --------------------------------------------------------------------------------------------
# Twins: plain Python over occ and the agent rows, modular arithmetic, no halo, no counters
# --------------------------------------------------------------------------------------------


class _Grid:
    """Neighbourhood walks on the unpadded grid, for the twins."""

    def __init__(self, H, W, torus, cit_offsets, cop_offsets):
        self.H, self.W, self.torus = H, W, torus
        self.cit_offsets, self.cop_offsets = cit_offsets, cop_offsets

    def at(self, cell, dy, dx):
        """Cell at offset (dy, dx) of ``cell``, or None outside a bounded grid."""
        y, x = divmod(int(cell), self.W)
        yy, xx = y + dy, x + dx
        if self.torus:
            return (yy % self.H) * self.W + xx % self.W
        if 0 <= yy < self.H and 0 <= xx < self.W:
            return yy * self.W + xx
        return None

    def cells(self, cell, offsets, centre):
        """Cells of the neighbourhood of ``cell`` in scan order (the centre only if asked)."""
        out = []
        for dy, dx in offsets:
            if dy == 0 and dx == 0 and not centre:
                continue
            c = self.at(cell, dy, dx)
            if c is not None:
                out.append(c)
        return out


def _u(key, step, index, draw):
    return float(uniform_numpy(key, step, index, draw))


def _candidate_py(seed, d, n):
    """Twin of :func:`_candidate` with Python integers."""
    m64 = 0xFFFFFFFFFFFFFFFF
    z = (seed + d * 0x9E3779B97F4A7C15) & m64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & m64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & m64
    z ^= z >> 31
    return int(float(z >> 11) * (1.0 / _TWO53) * n)


def _below_py(key, step, index, draw, n):
    return int(_u(key, step, index, draw) * n)


def _shuffle_py(n, first, key, step):
    perm = list(range(first, first + n))
    if n > 1:
        u = uniform_numpy(key, step, np.arange(n), 0)
        for i in range(n - 1, 0, -1):
            j = int(float(u[i]) * (i + 1))
            perm[i], perm[j] = perm[j], perm[i]
    return perm


def _look(grid, cell, offsets, occ, state, centre=False):
    """Empty cells (list), active cells (list) and cops (count) around a cell."""
    empties, actives, cops = [], [], 0
    for c in grid.cells(cell, offsets, centre):
        b = occ[c]
        if b < 0:
            empties.append(c)
        elif state[b] == ACTIVE:
            actives.append(c)
        elif state[b] == COP:
            cops += 1
    return empties, actives, cops


def _pick_empty_py(grid, a, cell, offsets, occ, state, key, step, tries):
    """Twin of the kernels' choice of a random empty cell (draws 1..tries, then draw 0)."""
    seed = int(_u(key, step, a, 1) * _TWO53)
    for d in range(1, tries + 1):
        dy, dx = offsets[_candidate_py(seed, d, len(offsets))]
        c = grid.at(cell, dy, dx)
        if c is not None and occ[c] < 0:
            return c
    empties, _, _ = _look(grid, cell, offsets, occ, state)
    if not empties:
        return None
    return empties[_below_py(key, step, a, 0, len(empties))]


def _move_py(a, target, occ, pos):
    occ[pos[a]] = -1
    occ[target] = a
    pos[a] = target


def _move_random_py(grid, a, offsets, occ, state, pos, key, step, tries):
    target = _pick_empty_py(grid, a, pos_of(a, occ), offsets, occ, state, key, step, tries)
    if target is not None:
        _move_py(a, target, occ, pos)


def _release_py(b, step, key, grid, occ, state, pos):
    cell = int(pos[b])
    if occ[cell] >= 0:
        empties, _, _ = _look(grid, cell, grid.cit_offsets, occ, state)
        if empties:
            cell = empties[_below_py(key, step, b, 0, len(empties))]
        else:
            d = 1
            cell = _below_py(key, step, b, d, grid.H * grid.W)
            while occ[cell] >= 0:
                d += 1
                cell = _below_py(key, step, b, d, grid.H * grid.W)
    occ[cell] = b
    pos[b] = cell
    state[b] = QUIET


def _cop_arrests_py(cop, step, grid, occ, state, jail, pos, rules, keys):
    _, actives, _ = _look(grid, pos_of(cop, occ), grid.cop_offsets, occ, state)
    if not actives:
        return None
    b = int(occ[actives[_below_py(keys.arrest, step, cop, 0, len(actives))]])
    if rules.jail_mode == _STAY:
        jail[b] = _below_py(keys.jail, step, cop, 0, rules.max_jail + 1)
        state[b] = JAILED
    else:
        jail[b] = _below_py(keys.jail, step, cop, 0, rules.max_jail) if rules.max_jail > 0 else 0
        state[b] = JAILED
        cell = int(pos[b])
        occ[cell] = -1
        _move_py(cop, cell, occ, pos)
    return b


def _jail_clock_py(step, key, grid, occ, state, jail, pos, n_cit):
    for b in range(n_cit):
        if state[b] == JAILED:
            if jail[b] > 0:
                jail[b] -= 1
            if jail[b] == 0:
                _release_py(b, step, key, grid, occ, state, pos)


def _counts_py(state, n_cit):
    s = np.asarray(state[:n_cit])
    return int(np.count_nonzero(s == ACTIVE)), int(np.count_nonzero(s == JAILED))


def _decide_py(a, grid, occ, state, hardship, risk, one_minus_l, rules):
    _, actives, cops = _look(grid, pos_of(a, occ), grid.cit_offsets, occ, state,
                             centre=bool(rules.count_own))
    prob = _probability_py(cops, len(actives) + 1, rules.k, rules.rule)
    return ACTIVE if hardship[a] * one_minus_l - risk[a] * prob > rules.threshold else QUIET


def pos_of(a, occ):
    """Cell of agent a, by search of the occupancy grid (the twins do not trust ``pos``)."""
    cells = np.flatnonzero(np.asarray(occ) == a)
    if cells.size != 1:
        raise AssertionError(f"agent {a} is on {cells.size} cells")
    return int(cells[0])


def step_sequential_numpy(step, legitimacy, occ, kind, hardship, risk, state, jail, pos, n_cit,
                          H, W, torus, cit_offsets, cop_offsets, rules, keys):
    """Twin of :func:`step_sequential` (plain Python; small grids only).

    Args:
        step: As the kernel.
        legitimacy: As the kernel.
        occ: As the kernel (updated in place).
        kind: As the kernel.
        hardship: As the kernel.
        risk: As the kernel.
        state: As the kernel (updated in place).
        jail: As the kernel (updated in place).
        pos: As the kernel (updated in place).
        n_cit: As the kernel.
        H: Grid height, cells.
        W: Grid width, cells.
        torus: Whether the grid wraps.
        cit_offsets: Citizens' neighbourhood offsets (:func:`neighbourhood_offsets`).
        cop_offsets: Cops' neighbourhood offsets.
        rules: :class:`Rules`.
        keys: :class:`Keys`.

    Returns:
        (active, jailed) citizen counts after the step.
    """
    grid = _Grid(H, W, torus, cit_offsets, cop_offsets)
    one_minus_l = 1.0 - legitimacy
    for a in _shuffle_py(len(kind), 0, keys.order, step):
        if kind[a] == 0:
            if state[a] == JAILED:
                if rules.jail_mode == _LEAVE:
                    continue
                if jail[a] > 0:
                    jail[a] -= 1
                    continue
            if rules.move_first and rules.movement:
                _move_random_py(grid, a, cit_offsets, occ, state, pos, keys.move, step,
                                rules.tries)
            state[a] = _decide_py(a, grid, occ, state, hardship, risk, one_minus_l, rules)
            if rules.movement and not rules.move_first:
                _move_random_py(grid, a, cit_offsets, occ, state, pos, keys.move, step,
                                rules.tries)
        else:
            if rules.move_first:
                _move_random_py(grid, a, cop_offsets, occ, state, pos, keys.move, step,
                                rules.tries)
            _cop_arrests_py(a, step, grid, occ, state, jail, pos, rules, keys)
            if not rules.move_first:
                _move_random_py(grid, a, cop_offsets, occ, state, pos, keys.move, step,
                                rules.tries)
    if rules.jail_mode == _LEAVE:
        _jail_clock_py(step, keys.release, grid, occ, state, jail, pos, n_cit)
    return _counts_py(state, n_cit)


def _batch_moves_py(perm, lo, hi, acts, step, grid, occ, kind, state, pos, rules, keys):
    snapshot = np.array(occ, copy=True)
    target = {}
    for a in perm[lo:hi]:
        if not acts[a] or (kind[a] == 0 and not rules.movement):
            continue
        offsets = grid.cit_offsets if kind[a] == 0 else grid.cop_offsets
        cell = pos_of(a, snapshot)
        seed = int(_u(keys.move, step, a, 1) * _TWO53)
        target[a] = None
        for d in range(1, rules.tries + 1):
            dy, dx = offsets[_candidate_py(seed, d, len(offsets))]
            c = grid.at(cell, dy, dx)
            if c is not None and snapshot[c] < 0:
                target[a] = c
                break
    for a in perm[lo:hi]:
        if a not in target:
            continue
        t = target[a]
        offsets = grid.cit_offsets if kind[a] == 0 else grid.cop_offsets
        if t is not None and occ[t] < 0:
            _move_py(a, t, occ, pos)
            continue
        if t is None:  # the draws found nothing: search (draw 0 of the move stream)
            empties, _, _ = _look(grid, pos_of(a, occ), offsets, occ, state)
            t = empties[_below_py(keys.move, step, a, 0, len(empties))] if empties else None
        else:  # taken by an earlier mover of the batch: draw again on the current grid
            t = _pick_empty_py(grid, a, pos_of(a, occ), offsets, occ, state, keys.repick,
                               step, rules.tries)
        if t is not None:
            _move_py(a, t, occ, pos)


def step_batched_numpy(step, legitimacy, occ, kind, hardship, risk, state, jail, pos, n_cit,
                       H, W, torus, cit_offsets, cop_offsets, rules, keys):
    """Twin of :func:`step_batched` (plain Python; small grids only).

    Args: as :func:`step_sequential_numpy`.

    Returns:
        (active, jailed) citizen counts after the step.
    """
    grid = _Grid(H, W, torus, cit_offsets, cop_offsets)
    n = len(kind)
    perm = _shuffle_py(n, 0, keys.order, step)
    size = max(1, -(-n // rules.batches))
    acts = np.zeros(n, dtype=bool)
    for lo in range(0, n, size):
        hi = min(n, lo + size)
        for a in perm[lo:hi]:
            acts[a] = True
            if kind[a] == 0 and state[a] == JAILED:
                if rules.jail_mode == _LEAVE:
                    acts[a] = False
                elif jail[a] > 0:
                    jail[a] -= 1
                    acts[a] = False
        if rules.move_first:
            _batch_moves_py(perm, lo, hi, acts, step, grid, occ, kind, state, pos, rules, keys)
        snapshot = np.array(state, copy=True)
        for a in perm[lo:hi]:
            if kind[a] == 0 and acts[a]:
                state[a] = _decide_py(a, grid, occ, snapshot, hardship, risk, 1.0 - legitimacy,
                                      rules)
        for a in perm[lo:hi]:
            if kind[a] == 1:
                b = _cop_arrests_py(a, step, grid, occ, state, jail, pos, rules, keys)
                if b is not None:
                    acts[b] = False
        if not rules.move_first:
            _batch_moves_py(perm, lo, hi, acts, step, grid, occ, kind, state, pos, rules, keys)
    if rules.jail_mode == _LEAVE:
        _jail_clock_py(step, keys.release, grid, occ, state, jail, pos, n_cit)
    return _counts_py(state, n_cit)
