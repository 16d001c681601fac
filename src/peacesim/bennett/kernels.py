"""Step kernel of the Bennett (2008) insurgency model, with its NumPy twin.

One call is one round (model step) of Bennett, D. S. (2008), JASSS 11(4) 7:

1. **Order.** Agents act in a random order, drawn afresh every round (sort of counter-based
   priorities; assumed: the paper's scheduler is not reproduced).
2. **Move.** Each insurgent and soldier (and civilian if ``move_civilians``) takes one step to
   a random one of its 8 Moore neighbours if that cell is on the map and empty (assumed: the
   paper's movement rule is not reproduced; without some movement an insurgent with no
   soldier in range could never act).
3. **Attack and counterattack.** Insurgents, in this round's order, attack if at least one
   soldier is within ``interaction_range`` (Chebyshev distance), until ``max_attacks``
   attacks have been made (default 1: one attack per round, assumed, so that a round is one
   attack-counterattack exchange; 0 lets every insurgent in range attack); the attacked
   soldier responds with probability ``sensitivity`` (Bennett 2008, Table 2: 1.0). The
   counterattack removes the insurgent with probability ``effectiveness`` and hurts each
   civilian within range of the insurgent's cell independently with probability
   ``1 - accuracy`` (Table 2). Then every
   hurt civilian's anger rises, ``anger += anger_gain * n_hurt * (1 - anger)`` capped at 1
   (Eqs. 2-3), and every civilian in range who was not hurt has a fear event,
   ``fear += fear_gain * (1 - fear)`` (Eq. 1; assumed: witnessing a counterattack unhurt is
   the fear event; hurt civilians update anger only). Soldiers are never hurt (assumed).
4. **Recruitment.** Every civilian whose anger exceeds both its fear and its violence
   threshold becomes an insurgent (Bennett 2008; insurgents never return to civilian life,
   assumed).

The insurgency is over when no insurgent is left.

Random draws are counter-based (:mod:`peacesim.random`), keyed by ``(key, step, agent, draw)``
with the draw numbers below, so the kernel and its twin give bit-identical results.

State arrays (one row per agent; civilians first, then soldiers):
``kind`` int8 (0 civilian, 1 insurgent, 2 soldier, 3 removed), ``px``/``py`` int64 cell,
``anger``/``fear``/``threshold`` float64 in [0, 1], ``grid`` int64[grid_size, grid_size]
holding the agent on each cell or -1.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from peacesim.random import below, uniform, uniform_numpy

CIVILIAN, INSURGENT, SOLDIER, REMOVED = 0, 1, 2, 3

# Draw numbers of the counter (key, step, agent, draw).
DRAW_ORDER = 0  # priority of the agent in this round's order
DRAW_MOVE = 1  # direction of the random step
DRAW_RESPOND = 2  # does the attacked soldier respond (sensitivity)
DRAW_REMOVE = 3  # is the insurgent removed (effectiveness)
DRAW_HURT = 8  # is a civilian hurt in counterattack number c of the round: DRAW_HURT + c

# Per-round statistics written into ``out``.
STAT_ATTACKS, STAT_COUNTER, STAT_REMOVED, STAT_HURT, STAT_NEW, STAT_FEAR = range(6)
N_STATS = 6
STAT_NAMES = ("attacks", "counterattacks", "removed", "hurt", "new_insurgents", "fear_events")

_DX = np.array([-1, -1, -1, 0, 0, 1, 1, 1], dtype=np.int64)
_DY = np.array([-1, 0, 1, -1, 1, -1, 0, 1], dtype=np.int64)


@njit(cache=True)
def bennett_step(
    kind, px, py, anger, fear, threshold, grid, key, step, interaction_range,
    effectiveness, accuracy, sensitivity, fear_gain, anger_gain, move_civilians,
    max_attacks, out,
):
    """Advance the Bennett model by one round, in place (Numba).

    Args:
        kind: int8[n] agent kinds (CIVILIAN, INSURGENT, SOLDIER, REMOVED); updated.
        px: int64[n] row of each agent's cell; updated.
        py: int64[n] column of each agent's cell; updated.
        anger: float64[n] anger in [0, 1]; updated.
        fear: float64[n] fear in [0, 1]; updated.
        threshold: float64[n] violence threshold in [0, 1].
        grid: int64[g, g] agent on each cell, -1 if empty; updated.
        key: Stream key (uint64).
        step: Round number (int >= 1).
        interaction_range: Chebyshev radius in cells (>= 1).
        effectiveness: Probability a counterattack removes the insurgent, in [0, 1].
        accuracy: 1 - accuracy is the chance each civilian in range is hurt, in [0, 1].
        sensitivity: Probability the attacked soldier responds, in [0, 1].
        fear_gain: Fear step toward 1 per fear event, in [0, 1].
        anger_gain: Anger step per civilian hurt, >= 0.
        move_civilians: Whether civilians also take a random step.
        max_attacks: Most attacks in one round (the first insurgents in this round's order
            with a soldier in range attack); 0 means every such insurgent attacks.
        out: float64[N_STATS] statistics of the round (see ``STAT_NAMES``); overwritten.
    """
    n = kind.shape[0]
    g = grid.shape[0]
    r = interaction_range
    out[:] = 0.0
    prio = np.empty(n, dtype=np.float64)
    for a in range(n):
        prio[a] = uniform(key, step, a, DRAW_ORDER)
    order = np.argsort(prio, kind="mergesort")

    for o in range(n):
        a = order[o]
        k = kind[a]
        if k == REMOVED or (k == CIVILIAN and not move_civilians):
            continue
        d = below(key, step, a, DRAW_MOVE, 8)
        nx = px[a] + _DX[d]
        ny = py[a] + _DY[d]
        if 0 <= nx < g and 0 <= ny < g and grid[nx, ny] < 0:
            grid[px[a], py[a]] = -1
            grid[nx, ny] = a
            px[a] = nx
            py[a] = ny

    p_hurt = 1.0 - accuracy
    n_counter = 0
    for o in range(n):
        a = order[o]
        if kind[a] != INSURGENT:
            continue
        if max_attacks > 0 and out[STAT_ATTACKS] >= max_attacks:
            break
        cx = px[a]
        cy = py[a]
        x0, x1 = max(cx - r, 0), min(cx + r, g - 1)
        y0, y1 = max(cy - r, 0), min(cy + r, g - 1)
        soldier_near = False
        for x in range(x0, x1 + 1):
            for y in range(y0, y1 + 1):
                c = grid[x, y]
                if c >= 0 and kind[c] == SOLDIER:
                    soldier_near = True
        if not soldier_near:
            continue
        out[STAT_ATTACKS] += 1.0
        if not uniform(key, step, a, DRAW_RESPOND) < sensitivity:
            continue
        out[STAT_COUNTER] += 1.0
        if uniform(key, step, a, DRAW_REMOVE) < effectiveness:
            kind[a] = REMOVED
            grid[cx, cy] = -1
            out[STAT_REMOVED] += 1.0
        draw = DRAW_HURT + n_counter
        n_counter += 1
        hurt = 0
        for x in range(x0, x1 + 1):
            for y in range(y0, y1 + 1):
                c = grid[x, y]
                if c >= 0 and kind[c] == CIVILIAN and uniform(key, step, c, draw) < p_hurt:
                    hurt += 1
        for x in range(x0, x1 + 1):
            for y in range(y0, y1 + 1):
                c = grid[x, y]
                if c < 0 or kind[c] != CIVILIAN:
                    continue
                if uniform(key, step, c, draw) < p_hurt:
                    anger[c] = min(1.0, anger[c] + anger_gain * hurt * (1.0 - anger[c]))
                else:
                    fear[c] = fear[c] + fear_gain * (1.0 - fear[c])
                    out[STAT_FEAR] += 1.0
        out[STAT_HURT] += hurt

    for a in range(n):
        if kind[a] == CIVILIAN and anger[a] > fear[a] and anger[a] > threshold[a]:
            kind[a] = INSURGENT
            out[STAT_NEW] += 1.0


def bennett_step_numpy(
    kind, px, py, anger, fear, threshold, grid, key, step, interaction_range,
    effectiveness, accuracy, sensitivity, fear_gain, anger_gain, move_civilians,
    max_attacks, out,
) -> None:
    """NumPy/Python twin of :func:`bennett_step` (same arguments, same in-place result)."""
    n = kind.shape[0]
    g = grid.shape[0]
    r = int(interaction_range)
    out[:] = 0.0

    def u(index: int, draw: int) -> float:
        return float(uniform_numpy(key, step, index, draw))

    prio = uniform_numpy(key, step, np.arange(n, dtype=np.int64), DRAW_ORDER)
    order = np.argsort(prio, kind="stable").tolist()

    for a in order:
        k = kind[a]
        if k == REMOVED or (k == CIVILIAN and not move_civilians):
            continue
        d = int(u(a, DRAW_MOVE) * 8)
        nx, ny = int(px[a] + _DX[d]), int(py[a] + _DY[d])
        if 0 <= nx < g and 0 <= ny < g and grid[nx, ny] < 0:
            grid[px[a], py[a]] = -1
            grid[nx, ny] = a
            px[a], py[a] = nx, ny

    p_hurt = 1.0 - accuracy
    n_counter = 0
    for a in order:
        if kind[a] != INSURGENT:
            continue
        if max_attacks > 0 and out[STAT_ATTACKS] >= max_attacks:
            break
        cx, cy = int(px[a]), int(py[a])
        x0, x1 = max(cx - r, 0), min(cx + r, g - 1)
        y0, y1 = max(cy - r, 0), min(cy + r, g - 1)
        window = grid[x0 : x1 + 1, y0 : y1 + 1]
        agents = window[window >= 0]  # row-major, like the kernel's loops
        if not np.any(kind[agents] == SOLDIER):
            continue
        out[STAT_ATTACKS] += 1.0
        if not u(a, DRAW_RESPOND) < sensitivity:
            continue
        out[STAT_COUNTER] += 1.0
        if u(a, DRAW_REMOVE) < effectiveness:
            kind[a] = REMOVED
            grid[cx, cy] = -1
            out[STAT_REMOVED] += 1.0
        draw = DRAW_HURT + n_counter
        n_counter += 1
        civ = agents[kind[agents] == CIVILIAN]
        is_hurt = uniform_numpy(key, step, civ, draw) < p_hurt
        hurt = int(is_hurt.sum())
        for c, h in zip(civ.tolist(), is_hurt.tolist(), strict=True):
            if h:
                anger[c] = min(1.0, anger[c] + anger_gain * hurt * (1.0 - anger[c]))
            else:
                fear[c] = fear[c] + fear_gain * (1.0 - fear[c])
                out[STAT_FEAR] += 1.0
        out[STAT_HURT] += hurt

    recruit = (kind == CIVILIAN) & (anger > fear) & (anger > threshold)
    kind[recruit] = INSURGENT
    out[STAT_NEW] += float(recruit.sum())
