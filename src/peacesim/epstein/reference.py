"""Plain-Python twins of the Epstein step kernels (small grids only).

The twins of :func:`peacesim.epstein.kernels.step_sequential` and
:func:`~peacesim.epstein.kernels.step_batched` are written without the halo and the packed
counters of :mod:`peacesim.epstein.grid`: they walk neighbourhood offsets with modular
arithmetic on ``occ`` and look agents up by row. They make the same counter-based draws, so the
tests compare them with the kernels bit for bit; ``EpsteinModel(backend="numpy")`` runs them.
"""

from __future__ import annotations

import math

import numpy as np

from peacesim.epstein.grid import (
    ACTIVE,
    COP,
    FLOOR,
    JAILED,
    LEAVE_GRID,
    QUIET,
    ROUND,
    STAY_ON_GRID,
    TWO53,
)
from peacesim.random import uniform_numpy

__all__ = ["step_sequential_numpy", "step_batched_numpy", "pos_of"]


def _probability_py(cops, actives, k, rule):
    """Twin of :func:`peacesim.epstein.kernels._probability` in plain Python."""
    if rule == FLOOR:
        x = float(cops // actives)
    elif rule == ROUND:
        x = float(round(cops / actives))
    else:
        x = cops / actives
    return 1.0 - math.exp(-k * x)


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
    return int(float(z >> 11) * (1.0 / TWO53) * n)


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
    seed = int(_u(key, step, a, 1) * TWO53)
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
    if rules.jail_mode == STAY_ON_GRID:
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
                if rules.jail_mode == LEAVE_GRID:
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
    if rules.jail_mode == LEAVE_GRID:
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
        seed = int(_u(keys.move, step, a, 1) * TWO53)
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
                if rules.jail_mode == LEAVE_GRID:
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
    if rules.jail_mode == LEAVE_GRID:
        _jail_clock_py(step, keys.release, grid, occ, state, jail, pos, n_cit)
    return _counts_py(state, n_cit)
