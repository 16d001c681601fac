"""Kernels of the few actors: security units and armed groups.

These loop over a few hundred units or groups in a fixed order, so they run sequentially
(no ``prange``); their plain-Python twin is the undecorated function (``.py_func``), which
tests run against the compiled one.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from peacesim.random import below, draw_key, uniform, uniform_at


@njit(cache=True)
def candidate_cell(cell, radius, draw_base, cell_row, cell_col, cell_at, n_cols, n_rows, region,
                   key, step, actor, cross=False, n_sub=None):
    """A random cell within ``radius`` raster steps of ``cell``, or -1.

    The cell must be simulated and, unless ``cross``, in the same region as ``cell``.

    Args:
        cell: Current cell position.
        radius: Half-width of the square window, in cells.
        draw_base: First draw number used for this candidate (two draws are used).
        cell_row, cell_col: int64 [n_cells], raster coordinates of each cell.
        cell_at: int64 [n_rows * n_cols], cell position of each raster index or -1.
        n_cols, n_rows: Raster shape.
        region: int32 [n_cells].
        key, step, actor: Counter of the draw.
        cross: Accept cells of other regions (and, where simulated, other countries).
        n_sub: int64 [n_cells], simulated cells sharing each cell's raster cell (Bamako's
            sub-cells, consecutive from ``cell_at``); one of them is drawn (draw
            ``draw_base + 1000``). None: one cell per raster cell.
    """
    width = 2 * radius + 1
    r = cell_row[cell] + below(key, step, actor, draw_base, width) - radius
    q = cell_col[cell] + below(key, step, actor, draw_base + 1, width) - radius
    if r < 0 or q < 0 or r >= n_rows or q >= n_cols:
        return -1
    target = cell_at[r * n_cols + q]
    if target < 0 or (not cross and region[target] != region[cell]):
        return -1
    if n_sub is not None and n_sub[target] > 1:
        target += below(key, step, actor, draw_base + 1000, n_sub[target])
    return target


@njit(cache=True)
def deploy_units(unit_cell, active, score, crowding, radius, n_candidates, cell_row, cell_col,
                 cell_at, n_cols, n_rows, region, key, step, units_in_cell, home, home_pull,
                 cross, n_sub):
    """Move each active unit to the best of a few candidate cells near it, in place.

    Score of a cell: ``score[c] - crowding[c] * (units already there) + 0.05 * noise``, less
    ``home_pull`` outside the unit's home region ``home[u]``; the unit's current cell is always
    a candidate, and with ``cross`` the candidates may lie in other regions.
    ``units_in_cell`` is rewritten.

    Candidate ``k`` of unit ``u`` is :func:`candidate_cell` ``(here, radius, 2 + 3k, ...)``
    and its noise draw ``4 + 3k``. The same draws are computed from per-draw keys
    (:func:`draw_key`): one hash per draw instead of three, all of a unit's draws first (a
    few independent hashes, into a buffer that stays in the processor's cache).
    """
    units_in_cell[:] = 0
    width = 2 * radius + 1
    n_draws = 2 + 3 * n_candidates
    keys = np.empty(n_draws + n_candidates, dtype=np.uint64)
    for d in range(n_draws):
        keys[d] = draw_key(key, step, d)
    for k in range(n_candidates):
        keys[n_draws + k] = draw_key(key, step, 1002 + 3 * k)  # sub-cell draws
    draws = np.empty(n_draws)
    for u in range(len(unit_cell)):
        if not active[u]:
            continue
        for d in range(n_draws):
            draws[d] = uniform_at(keys[d], u)
        here = unit_cell[u]
        best = here
        best_score = (score[here] - crowding[here] * units_in_cell[here]
                      + 0.05 * draws[0]
                      - home_pull * (region[here] != home[u]))
        for k in range(n_candidates):
            # candidate_cell(here, radius, 2 + 3 * k, ...), from the same draws
            r = cell_row[here] + np.int64(draws[2 + 3 * k] * width) - radius
            q = cell_col[here] + np.int64(draws[3 + 3 * k] * width) - radius
            if r < 0 or q < 0 or r >= n_rows or q >= n_cols:
                continue
            c = cell_at[r * n_cols + q]
            if c < 0 or (not cross and region[c] != region[here]):
                continue
            if n_sub[c] > 1:
                c += np.int64(uniform_at(keys[n_draws + k], u) * n_sub[c])
            s = (score[c] - crowding[c] * units_in_cell[c] + 0.05 * draws[4 + 3 * k]
                 - home_pull * (region[c] != home[u]))
            if s > best_score:
                best = c
                best_score = s
        unit_cell[u] = best
        units_in_cell[best] += 1


@njit(cache=True)
def armed_groups_act(group_cell, strength, min_strength, attack_rate, half_strength,
                     forces_share, units_near, deterrence, move_rate, radius, n_candidates,
                     score, cell_row, cell_col, cell_at, n_cols, n_rows, region, key, step,
                     attacks_on_forces, attacks_on_civilians, cross, n_sub):
    """Each armed group may attack (forces near it, or civilians), then may move.

    Args:
        group_cell: int64 [n_groups], updated when a group moves.
        strength: float64 [n_groups], fighters.
        min_strength: Groups weaker than this neither attack nor move.
        attack_rate: Weekly attack probability of a group at ``half_strength`` x 2.
        half_strength: Fighters at which the attack probability is half its maximum.
        forces_share: Probability that an attack targets forces when units are near.
        units_near: float64 [n_cells], units in and around each cell.
        deterrence: float64 [n_cells], probability an attack on civilians is prevented.
        move_rate, radius, n_candidates: Movement toward the best-scoring nearby cell.
        score: float64 [n_cells], attractiveness of a cell to armed groups.
        attacks_on_forces, attacks_on_civilians: int64 [n_cells], incremented.
        cross: Groups may move into other regions and, where simulated, other countries.
        n_sub: int64 [n_cells], sub-cells per raster cell (see :func:`candidate_cell`).
    """
    for g in range(len(group_cell)):
        s = strength[g]
        if s < min_strength:
            continue
        c = group_cell[g]
        if uniform(key, step, g, 0) < attack_rate * s / (s + half_strength):
            if units_near[c] > 0.0 and uniform(key, step, g, 1) < forces_share:
                attacks_on_forces[c] += 1
            elif uniform(key, step, g, 2) >= deterrence[c]:
                attacks_on_civilians[c] += 1
        if uniform(key, step, g, 3) < move_rate:
            best = c
            best_score = score[c] + 0.05 * uniform(key, step, g, 4)
            for k in range(n_candidates):
                t = candidate_cell(c, radius, 5 + 3 * k, cell_row, cell_col, cell_at, n_cols,
                                   n_rows, region, key, step, g, cross, n_sub)
                if t < 0:
                    continue
                sc = score[t] + 0.05 * uniform(key, step, g, 7 + 3 * k)
                if sc > best_score:
                    best = t
                    best_score = sc
            group_cell[g] = best


@njit(cache=True)
def recruiting_groups(order, alive, group_cell, nbr_offsets, nbr_targets, best):
    """The group that recruits in each cell: the strongest live one in or next to it.

    Groups are visited in ``order`` (by decreasing strength, ties by lowest index); each
    claims its cell and that cell's neighbours not yet claimed by a stronger group.

    Args:
        order: int64 [n_groups], group indices by decreasing strength.
        alive: bool [n_groups], groups strong enough to act.
        group_cell: int64 [n_groups], cell of each group.
        nbr_offsets: int64 [n_cells + 1], CSR boundaries of the cells' neighbours.
        nbr_targets: int64, the neighbours of each cell in turn.
        best: int64 [n_cells], rewritten: recruiting group of each cell, -1 where none.
    """
    best[:] = -1
    for k in order:
        if not alive[k]:
            continue
        c = group_cell[k]
        if best[c] < 0:
            best[c] = k
        for j in range(nbr_offsets[c], nbr_offsets[c + 1]):
            if best[nbr_targets[j]] < 0:
                best[nbr_targets[j]] = k


@njit(cache=True)
def operations(unit_cell, active, accuracy, attacked_at, group_at_cell, strength, info,
               people, effectiveness, detection, info_floor, info_accuracy, retaliation_window,
               retaliation_penalty, exposed, protected, loss_fraction, key,
               step, p_harm, p_protect, engagements, successes):
    """Units engage the armed groups where they are.

    Numbers of people are turned into probabilities for a member of the cell by dividing by
    the cell's people (``people[c]``). (Contacts and abuses are the abuse mechanism's.) If an
    armed group is in the cell the unit engages it: of ``exposed`` people, each is hurt with
    probability ``1 - a``, the accuracy ``a`` raised by information and lowered for
    ``retaliation_window`` weeks after an attack on the unit; with probability
    ``effectiveness * (info_floor + (1 - info_floor) * info[c])`` the engagement removes
    ``loss_fraction`` of the group's fighters and ``protected`` people feel protected.
    ``p_harm``, ``p_protect``, ``engagements`` and ``successes`` (per cell) are rewritten.
    """
    p_harm[:] = 0.0
    p_protect[:] = 0.0
    engagements[:] = 0
    successes[:] = 0
    for u in range(len(unit_cell)):
        if not active[u]:
            continue
        c = unit_cell[u]
        per_person = 1.0 / max(people[c], 1.0)
        g = group_at_cell[c]
        if g < 0 or strength[g] <= 0.0:
            continue
        if uniform(key, step, u, 1) >= detection * (info_floor + (1.0 - info_floor) * info[c]):
            continue  # the group stays hidden among the population
        a = accuracy[u]
        if step - attacked_at[u] <= retaliation_window:
            a *= 1.0 - retaliation_penalty
        a += info_accuracy * info[c] * (1.0 - a)
        engagements[c] += 1
        p_harm[c] += exposed * (1.0 - a) * per_person
        if uniform(key, step, u, 0) < effectiveness:
            strength[g] *= 1.0 - loss_fraction
            successes[c] += 1
            p_protect[c] += protected * per_person
    for c in range(len(p_harm)):
        p_harm[c] = min(1.0, p_harm[c])
        p_protect[c] = min(1.0, p_protect[c])


@njit(cache=True)
def unit_kinds(designation, cell, un_share, moc_share, un_cells, moc_cells, accuracy_of,
               conduct_of, deterrence_of, moc_knowledge, kind, accuracy, conduct, deterrence,
               local_knowledge):
    """What each unit acts as this week, and the local knowledge it brings to its cell.

    A unit whose ``designation`` falls below ``un_share`` is a UN unit where the UN
    programme runs (``un_cells``), one between ``un_share`` and ``un_share + moc_share`` a
    mixed patrol where the MOC runs (``moc_cells``); every other unit, and those outside their
    programme's cells, act as the army.

    Args:
        designation: float64 [n_units], a fixed uniform draw per unit.
        cell: int64 [n_units], the unit's cell.
        un_share, moc_share: Shares of the units designated UN and MOC.
        un_cells, moc_cells: bool [n_cells], where the programmes run this week.
        accuracy_of, conduct_of, deterrence_of: float64 [3], by kind (army, MOC, UN).
        moc_knowledge: Extra local knowledge in a cell with a mixed patrol.
        kind: int64 [n_units], out: 0 army, 1 MOC, 2 UN.
        accuracy, conduct, deterrence: float64 [n_units], out: the kind's values.
        local_knowledge: float64 [n_cells], out: ``1 + moc_knowledge`` where a mixed patrol
            stands, else 1.
    """
    with_moc = np.zeros(len(local_knowledge), dtype=np.bool_)
    moc_upper = un_share + moc_share
    for u in range(len(designation)):
        d = designation[u]
        c = cell[u]
        k = 0
        if d < un_share and un_cells[c]:
            k = 2
        elif d >= un_share and d < moc_upper and moc_cells[c]:
            k = 1
            with_moc[c] = True
        kind[u] = k
        accuracy[u] = accuracy_of[k]
        conduct[u] = conduct_of[k]
        deterrence[u] = deterrence_of[k]
    for c in range(len(local_knowledge)):
        local_knowledge[c] = 1.0 + moc_knowledge * (1.0 if with_moc[c] else 0.0)


@njit(cache=True)
def cell_deterrence(cell, active, unit_deterrence, deterrence):
    """Probability that an attack on civilians in a cell is prevented by a unit there.

    ``deterrence[c] = 1 - prod(1 - unit_deterrence[u])`` over the active units in ``c``,
    multiplied in unit order from 1.0; 0 where no unit stands. The products are kept in
    ``deterrence`` itself, so only the occupied cells are visited after it is cleared.
    """
    deterrence[:] = 0.0
    for u in range(len(cell)):
        if active[u]:
            deterrence[cell[u]] = 1.0
    for u in range(len(cell)):
        if active[u]:
            deterrence[cell[u]] *= 1.0 - unit_deterrence[u]
    done = np.zeros(len(deterrence), dtype=np.bool_)
    for u in range(len(cell)):
        c = cell[u]
        if active[u] and not done[c]:
            deterrence[c] = 1.0 - deterrence[c]
            done[c] = True


@njit(cache=True)
def reverse_neighbours(nbr_offsets, nbr_targets):
    """The cells that count each cell as a neighbour: the transpose of a CSR neighbour list.

    Args:
        nbr_offsets, nbr_targets: The cells' neighbours in CSR form.

    Returns:
        ``(offsets, sources)``, int64: the cells ``m`` with ``c`` among their neighbours are
        ``sources[offsets[c]:offsets[c + 1]]``, in increasing order.
    """
    n_cells = len(nbr_offsets) - 1
    offsets = np.zeros(n_cells + 1, dtype=np.int64)
    for k in range(len(nbr_targets)):
        offsets[nbr_targets[k] + 1] += 1
    for c in range(n_cells):
        offsets[c + 1] += offsets[c]
    fill = offsets[:-1].copy()
    sources = np.empty(len(nbr_targets), dtype=np.int64)
    for m in range(n_cells):
        for k in range(nbr_offsets[m], nbr_offsets[m + 1]):
            c = nbr_targets[k]
            sources[fill[c]] = m
            fill[c] += 1
    return offsets, sources


@njit(cache=True)
def near_units(units_in_cell, rev_offsets, rev_sources, units_near):
    """Units in each cell plus half those in the cells next to it (float64, out).

    Each occupied cell adds its units to itself and half of them to every cell that has it as
    a neighbour (:func:`reverse_neighbours`). The sums are of halves of small integers, exact
    in float64 in any order, so they have the bits of ``inside + 0.5 * neighbour_sum(inside)``
    while touching only the few occupied cells' neighbourhoods.
    """
    units_near[:] = 0.0
    for c in range(len(units_near)):
        n = units_in_cell[c]
        if n == 0:
            continue
        units_near[c] += np.float64(n)
        half = 0.5 * np.float64(n)
        for k in range(rev_offsets[c], rev_offsets[c + 1]):
            units_near[rev_sources[k]] += half


@njit(cache=True)
def deploy_week(attack_memory, memory_kept, info, armed_near, unit_cell, active, crowding,
                radius, n_candidates, cell_row, cell_col, cell_at, n_cols, n_rows, region, key,
                step, units_in_cell, home, home_pull, cross, n_sub, designation, un_share,
                moc_share, un_cells, moc_cells, accuracy_of, conduct_of, deterrence_of,
                moc_knowledge, kind, accuracy, conduct, unit_deterrence, local_knowledge,
                rev_offsets, rev_sources, units_near, deterrence):
    """The forces' week of deployment, in one call (see :class:`peacesim.mechanisms.patrol.Patrol`).

    In order: the memory of attacks fades (``attack_memory *= memory_kept``); each cell's
    score is ``info * (armed_near > 0) + attack_memory``; :func:`deploy_units` moves the
    units; :func:`unit_kinds` sets what each acts as; :func:`near_units` counts the units in
    and around each cell; :func:`cell_deterrence` gives each cell's deterrence. Arguments are
    those of these kernels (``unit_deterrence`` is :func:`unit_kinds`'s ``deterrence``;
    ``rev_offsets``, ``rev_sources`` are :func:`reverse_neighbours`).
    """
    score = np.empty(len(info))
    for c in range(len(info)):
        attack_memory[c] *= memory_kept
        score[c] = info[c] * np.float64(armed_near[c] > 0.0) + attack_memory[c]
    deploy_units(unit_cell, active, score, crowding, radius, n_candidates, cell_row, cell_col,
                 cell_at, n_cols, n_rows, region, key, step, units_in_cell, home, home_pull,
                 cross, n_sub)
    if len(unit_cell) > 0:
        unit_kinds(designation, unit_cell, un_share, moc_share, un_cells, moc_cells,
                   accuracy_of, conduct_of, deterrence_of, moc_knowledge, kind, accuracy,
                   conduct, unit_deterrence, local_knowledge)
    near_units(units_in_cell, rev_offsets, rev_sources, units_near)
    cell_deterrence(unit_cell, active, unit_deterrence, deterrence)


@njit(cache=True)
def operations_week(forces_attacked, unit_cell, active, accuracy, attacked_at, group_at_cell,
                    strength, info, people, effectiveness, detection, info_floor,
                    info_accuracy, retaliation_window, retaliation_penalty, exposed, protected,
                    loss_fraction, key, step, engagements, successes, attacks_on_forces,
                    p_harm_forces, p_protect, attack_memory):
    """The forces' week of operations, in one call (see :meth:`Patrol.operate`).

    Units in a cell where forces were attacked (``forces_attacked``, per cell) set
    ``attacked_at`` to ``step``; :func:`operations` resolves the engagements; its harm and
    protection are added to ``p_harm_forces`` and ``p_protect`` (each at most 1); and
    ``attack_memory`` (float64 [n_cells]) grows by the week's ``attacks_on_forces``.
    """
    for u in range(len(unit_cell)):
        if forces_attacked[unit_cell[u]]:
            attacked_at[u] = step
    harm = np.empty(len(people))
    protect = np.empty(len(people))
    operations(unit_cell, active, accuracy, attacked_at, group_at_cell, strength, info,
               people, effectiveness, detection, info_floor, info_accuracy, retaliation_window,
               retaliation_penalty, exposed, protected, loss_fraction, key, step, harm, protect,
               engagements, successes)
    for c in range(len(people)):
        p_harm_forces[c] = min(1.0, p_harm_forces[c] + harm[c])
        p_protect[c] = min(1.0, p_protect[c] + protect[c])
        attack_memory[c] += attacks_on_forces[c]


@njit(cache=True)
def armed_presence_near(group_cell, strength, min_strength, nbr_offsets, nbr_targets,
                        rev_offsets, rev_sources, armed_strength, armed_near):
    """Fighters of the active groups in each cell, and in and next to it.

    Sums only around the cells that hold fighters. A cell with no fighters in or next to it
    gets 0, as the full neighbour sum gives (its terms are all +0.0); every other cell sums
    its neighbours in CSR order (adding a neighbour's +0.0 to a sum of non-negative fighters
    leaves it unchanged). The cells next to the occupied ones are found from
    :func:`reverse_neighbours`. Tests compare it with the full sums in NumPy.

    Args:
        group_cell: int64 [n_groups], cell of each group.
        strength: float64 [n_groups], fighters.
        min_strength: Groups weaker than this are not active.
        nbr_offsets, nbr_targets: The cells' neighbours in CSR form.
        rev_offsets, rev_sources: :func:`reverse_neighbours` of them.
        armed_strength: float64 [n_cells], out: fighters in the cell (added in group order).
        armed_near: float64 [n_cells], out: the cell's fighters plus its neighbours'.
    """
    armed_strength[:] = 0.0
    for g in range(len(group_cell)):
        if strength[g] >= min_strength:
            armed_strength[group_cell[g]] += strength[g]
    near = np.zeros(len(armed_strength), dtype=np.bool_)
    for g in range(len(group_cell)):
        if strength[g] >= min_strength:
            c = group_cell[g]
            near[c] = True
            for k in range(rev_offsets[c], rev_offsets[c + 1]):
                near[rev_sources[k]] = True
    for c in range(len(armed_strength)):
        if not near[c]:
            armed_near[c] = 0.0
            continue
        s = 0.0
        for k in range(nbr_offsets[c], nbr_offsets[c + 1]):
            s += armed_strength[nbr_targets[k]]
        armed_near[c] = armed_strength[c] + s


@njit(cache=True)
def attacks_felt_near(attacks_on_forces, attacks_on_civilians, people, civilian_harm,
                      rev_offsets, rev_sources, p_harm_violence, attacks, forces_attacked):
    """What the week's attacks leave in each cell.

    A cell's forces were attacked in or next to it when it, or a cell it counts as a
    neighbour, had an attack on forces: each attacked cell marks itself and the cells that
    count it as a neighbour (:func:`reverse_neighbours`), instead of every cell gathering its
    neighbours. Tests compare it with the gathering formula in NumPy.

    Args:
        attacks_on_forces, attacks_on_civilians: int64 [n_cells], this week's attacks.
        people: float64 [n_cells], adults represented.
        civilian_harm: People harmed per attack on civilians.
        rev_offsets, rev_sources: :func:`reverse_neighbours` of the cells' neighbours.
        p_harm_violence: float64 [n_cells], raised by ``civilian_harm * attacks / people``
            (at most 1).
        attacks: int64 [n_cells], incremented by both kinds of attack.
        forces_attacked: bool [n_cells], out: forces were attacked in or next to the cell.
    """
    for c in range(len(people)):
        p_harm_violence[c] = min(1.0, p_harm_violence[c] + civilian_harm
                                 * attacks_on_civilians[c] / max(people[c], 1.0))
        attacks[c] += attacks_on_forces[c] + attacks_on_civilians[c]
    forces_attacked[:] = False
    for c in range(len(people)):
        if attacks_on_forces[c] > 0:
            forces_attacked[c] = True
            for k in range(rev_offsets[c], rev_offsets[c + 1]):
                forces_attacked[rev_sources[k]] = True


@njit(cache=True)
def by_strength(strength):
    """Group indices by decreasing strength, ties by lowest index (int64).

    The order of ``np.argsort(-strength, kind="stable")``, by insertion sort (a few dozen
    groups; strengths are never NaN).
    """
    neg = -strength
    order = np.arange(len(strength))
    for i in range(1, len(order)):
        k = order[i]
        j = i - 1
        while j >= 0 and neg[order[j]] > neg[k]:
            order[j + 1] = order[j]
            j -= 1
        order[j + 1] = k
    return order


@njit(cache=True)
def group_presence(group_cell, strength, min_strength, nbr_offsets, nbr_targets, rev_offsets,
                   rev_sources, armed_strength, armed_near, group_at_cell):
    """Fighters in and around each cell, and the group that recruits in each.

    :func:`armed_presence_near`, then :func:`recruiting_groups`
    (the strongest active group in or next to the cell, in the order of :func:`by_strength`).

    Args:
        group_cell, strength: The groups' cells (int64) and fighters (float64).
        min_strength: Groups weaker than this are not active.
        nbr_offsets, nbr_targets: The cells' neighbours in CSR form.
        rev_offsets, rev_sources: Their transpose (:func:`reverse_neighbours`).
        armed_strength, armed_near: float64 [n_cells], out.
        group_at_cell: int64 [n_cells], out (-1 where none).
    """
    alive = strength >= min_strength
    armed_presence_near(group_cell, strength, min_strength, nbr_offsets, nbr_targets,
                        rev_offsets, rev_sources, armed_strength, armed_near)
    recruiting_groups(by_strength(strength), alive, group_cell, nbr_offsets, nbr_targets,
                      group_at_cell)


@njit(cache=True)
def armed_groups_week(sympathisers, members, units_near, opportunity, protection_aversion,
                      opportunity_weight, group_cell, strength, min_strength, attack_rate,
                      half_strength, forces_share, deterrence, move_rate, radius, n_candidates,
                      cell_row, cell_col, cell_at, n_cols, n_rows, region, key, step, cross,
                      n_sub, people, civilian_harm, nbr_offsets, nbr_targets, rev_offsets,
                      rev_sources, attacks_on_forces, attacks_on_civilians, p_harm_violence,
                      attacks, forces_attacked, armed_strength, armed_near, group_at_cell):
    """The armed groups' week of violence, in one call (see :meth:`ArmedGroups.act`).

    In order: the week's attack counts are zeroed; :func:`group_score` scores the cells;
    :func:`armed_groups_act` draws attacks and moves; :func:`attacks_felt_near` leaves their
    harm in the cells; :func:`group_presence` places the fighters. Arguments are those
    kernels'.
    """
    attacks_on_forces[:] = 0
    attacks_on_civilians[:] = 0
    score = np.empty(len(members))
    group_score(sympathisers, members, units_near, opportunity, protection_aversion,
                opportunity_weight, score)
    armed_groups_act(group_cell, strength, min_strength, attack_rate, half_strength,
                     forces_share, units_near, deterrence, move_rate, radius, n_candidates,
                     score, cell_row, cell_col, cell_at, n_cols, n_rows, region, key, step,
                     attacks_on_forces, attacks_on_civilians, cross, n_sub)
    attacks_felt_near(attacks_on_forces, attacks_on_civilians, people, civilian_harm,
                      rev_offsets, rev_sources, p_harm_violence, attacks, forces_attacked)
    group_presence(group_cell, strength, min_strength, nbr_offsets, nbr_targets, rev_offsets,
                   rev_sources, armed_strength, armed_near, group_at_cell)


@njit(cache=True)
def groups_after_recruitment(group_at_cell, recruits, group_region, insecurity,
                             external_support, attrition, people_per_agent, strength,
                             min_strength, group_cell, nbr_offsets, nbr_targets, rev_offsets,
                             rev_sources, armed_strength, armed_near, recruiting):
    """Fighters after the week's recruitment, then their presence.

    Ends with :func:`group_presence` (``recruiting`` is its ``group_at_cell``).

    ``strength = strength * (1 - attrition) + joined * people_per_agent + external_support *
    insecurity[group_region]``, with ``joined`` the week's ``recruits`` of the cells each
    group recruits in (``group_at_cell``, read before it is rewritten), added in cell order
    as ``np.add.at`` does.
    """
    if len(strength) > 0:
        joined = np.zeros(len(strength))
        for c in range(len(group_at_cell)):
            if group_at_cell[c] >= 0:
                joined[group_at_cell[c]] += np.float64(recruits[c])
        kept = 1.0 - attrition
        for g in range(len(strength)):
            strength[g] = (strength[g] * kept + joined[g] * people_per_agent
                           + external_support * insecurity[group_region[g]])
    group_presence(group_cell, strength, min_strength, nbr_offsets, nbr_targets, rev_offsets,
                   rev_sources, armed_strength, armed_near, recruiting)


@njit(cache=True)
def militias_strike(strength, region, community, attack_rate, half_strength, harm, target,
                    people, region_cells, region_starts, deterrence, key, step, militia_attacks,
                    attacks, p_harm_violence):
    """Each militia may attack a cell of its region where another community lives.

    Militia ``i`` attacks with probability ``attack_rate * S / (S + half_strength)`` (draw
    0), in a cell of its region drawn in proportion to ``people * target[community]`` (draw
    1: the first cell whose running sum of weights, in cell order, exceeds the draw times the
    total, as ``np.searchsorted(np.cumsum(w), u * total, side="right")``); a unit there
    prevents it with the cell's ``deterrence`` (draw 2). An attack adds one to the militia's
    ``militia_attacks`` and the cell's ``attacks``, and ``harm / max(people, 1)`` to
    ``p_harm_violence`` (at most 1). Nothing happens while no militia has fighters.

    Args:
        strength: float64 [n_militias], fighters.
        region, community: int64 [n_militias].
        attack_rate, half_strength, harm: Parameters.
        target: float64 [n_communities, n_cells], non-negative share of each cell's people
            that a militia of each community attacks.
        people, deterrence: float64 [n_cells].
        region_cells, region_starts: The cells region by region in index order (CSR).
        key, step: Counter of the draws (one row per militia).
        militia_attacks: int64 [n_militias], rewritten.
        attacks, p_harm_violence: float64 [n_cells], raised.
    """
    militia_attacks[:] = 0
    armed = False
    for i in range(len(strength)):
        armed = armed or strength[i] > 0.0
    if not armed:
        return
    for i in range(len(strength)):
        s = strength[i]
        if not uniform(key, step, i, 0) < attack_rate * s / (s + half_strength):
            continue
        k = community[i]
        first, stop = region_starts[region[i]], region_starts[region[i] + 1]
        if stop == first:
            continue
        cum = np.empty(stop - first)
        total = 0.0
        for j in range(first, stop):
            c = region_cells[j]
            total += people[c] * target[k, c]
            cum[j - first] = total
        if total <= 0.0:
            continue
        x = uniform(key, step, i, 1) * total
        lo, hi = 0, len(cum)  # first position with cum > x (searchsorted, side="right")
        while lo < hi:
            mid = (lo + hi) // 2
            if cum[mid] <= x:
                lo = mid + 1
            else:
                hi = mid
        c = region_cells[first + min(lo, len(cum) - 1)]
        if uniform(key, step, i, 2) < deterrence[c]:
            continue  # a unit in the cell prevents it
        militia_attacks[i] += 1
        attacks[c] += 1.0
        p_harm_violence[c] = min(1.0, p_harm_violence[c] + harm / max(people[c], 1.0))


@njit(cache=True)
def militias_mobilise(strength, region, community, share_people, exposure, p_harm_violence,
                      p_harm_forces, region_cells, region_starts, mobilisation, decay):
    """Fighters from the week's harm to each community, then those who go home.

    The people of community ``k`` harmed in a region, ``sum(share[k] * people *
    (p_harm_violence + exposure[k] * p_harm_forces))`` over its cells in index order (as
    :func:`peacesim.kernels.cells.region_sum`), add ``mobilisation`` fighters each to that
    region's militia of ``k``; then every militia keeps ``1 - decay`` of its fighters.

    Args:
        strength: float64 [n_militias], updated.
        region, community: int64 [n_militias].
        share_people, exposure: float64 [n_communities, n_cells], in the order of
            ``region_cells``: each community's people in the cell (``share * people``) and
            its mean exposure to the forces' harm.
        p_harm_violence, p_harm_forces: float64 [n_cells].
        region_cells, region_starts: The cells region by region in index order (CSR).
        mobilisation, decay: Parameters.
    """
    n_groups, n_regions = share_people.shape[0], len(region_starts) - 1
    per_region = np.zeros((n_groups, n_regions))
    for r in range(n_regions):
        for j in range(region_starts[r], region_starts[r + 1]):
            violence = p_harm_violence[region_cells[j]]
            forces = p_harm_forces[region_cells[j]]
            for k in range(n_groups):
                per_region[k, r] += share_people[k, j] * (violence + exposure[k, j] * forces)
    for k in range(n_groups):
        for i in range(len(strength)):
            if community[i] == k:
                strength[i] += mobilisation * per_region[k, region[i]]
    kept = 1.0 - decay
    for i in range(len(strength)):
        strength[i] *= kept


@njit(cache=True)
def group_score(sympathisers, members, units_near, opportunity, protection_aversion,
                opportunity_weight, score):
    """How attractive each cell is to an armed group.

    ``support - protection_aversion * min(1, units_near) + opportunity_weight * opportunity``
    with ``support`` the share of the cell's members who sympathise.
    """
    for c in range(len(score)):
        support = sympathisers[c] / max(members[c], 1)
        score[c] = (support - protection_aversion * min(1.0, units_near[c])
                    + opportunity_weight * opportunity[c])


@njit(cache=True)
def abuse_week(unit_cell, active, conduct, attacked_at, accountability, sdf_trust, people,
               rate, contact_share, suspicion_weight, attack_weight, retaliation_window,
               impunity_floor, victims_per_event, memory_share, key, step, p_contact,
               abuse_events, abuse_victims, p_harm_forces, abuse_memory):
    """Contacts with the forces and abuses by them this week, and what the abuses leave.

    Each active unit ``u`` in cell ``c`` abuses with probability
    ``min(1, rate (1 - conduct_u) (1 + suspicion_weight (1 - sdf_trust_c))
    (1 + attack_weight [attacked within retaliation_window]) impunity_c)``, with
    ``impunity_c = impunity_floor + (1 - impunity_floor)(1 - accountability_c)``
    (see :mod:`peacesim.mechanisms.abuse`).

    Args:
        unit_cell, active, conduct, attacked_at: The units' cell, state, conduct (0-1) and
            the last step their area was attacked.
        accountability, sdf_trust, people: float64 [n_cells].
        rate, contact_share, suspicion_weight, attack_weight, retaliation_window,
            impunity_floor, victims_per_event, memory_share: Abuse parameters.
        key, step: Counter of the draws (one per unit row, draw 0).
        p_contact: float64 [n_cells], out: probability of a respectful contact.
        abuse_events: int64 [n_cells], incremented by the week's abuses.
        abuse_victims, p_harm_forces: float64 [n_cells], raised by the abuses' victims.
        abuse_memory: float64 [n_cells], ``memory_share * memory + events``.
    """
    no_contact = np.ones(len(people))
    for u in range(len(unit_cell)):
        if not active[u]:
            continue
        c = unit_cell[u]
        no_contact[c] *= 1.0 - contact_share * conduct[u]
        recent = 1.0 if step - attacked_at[u] <= retaliation_window else 0.0
        impunity = impunity_floor + (1.0 - impunity_floor) * (1.0 - accountability[c])
        p = (rate * (1.0 - conduct[u]) * (1.0 + suspicion_weight * (1.0 - sdf_trust[c]))
             * (1.0 + attack_weight * recent) * impunity)
        if uniform(key, step, u, 0) < min(p, 1.0):
            abuse_events[c] += 1
    for c in range(len(people)):
        p_contact[c] = 1.0 - no_contact[c]
        events = np.float64(abuse_events[c])
        victims = events * victims_per_event
        abuse_victims[c] += victims
        p_harm_forces[c] = min(1.0, p_harm_forces[c] + victims / max(people[c], 1.0))
        abuse_memory[c] = memory_share * abuse_memory[c] + events
