"""Kernels of communal relations with more than two identity groups (``communal.groups``).

With the default two groups (farming, herding) the communal mechanism uses the census's
per-cell cohesion sum and :func:`peacesim.kernels.cells.cohesion_step`; these kernels are for
three or more groups, where cohesion and clash shocks are per cell and per group, except
:func:`clash_week`, the two-group week of clashes in one call.
Arrays indexed ``[cell * n_groups + group]`` are flat ``n_cells * n_groups``.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from peacesim.kernels.dispatch import cell_kernel
from peacesim.random import uniform


@cell_kernel
def group_cohesion_sums(offsets, group, affiliation, cohesion, n_groups, sums, counts):
    """Per cell and group: members not in an armed group, and their summed cohesion.

    Args:
        offsets: int64 ``[n_cells + 1]`` row ranges of the cells.
        group: uint8 ``[n]`` identity group of each member (< ``n_groups``).
        affiliation: int ``[n]`` armed group of each member, -1 for none (recruited members
            are left out, as in the census).
        cohesion: float32 ``[n]`` trust in the other groups, score 0-1.
        n_groups: Number of groups.
        sums: float64 ``[n_cells * n_groups]``, written: summed cohesion (members x score).
        counts: int64 ``[n_cells * n_groups]``, written: members.
    """
    n_cells = len(offsets) - 1
    for c in prange(n_cells):
        base = c * n_groups
        for k in range(n_groups):
            sums[base + k] = 0.0
            counts[base + k] = 0
        for i in range(offsets[c], offsets[c + 1]):
            if affiliation[i] >= 0:
                continue
            k = base + group[i]
            sums[k] += np.float64(cohesion[i])
            counts[k] += 1


def group_cohesion_sums_numpy(offsets, group, affiliation, cohesion, n_groups, sums, counts):
    """NumPy twin of :func:`group_cohesion_sums`."""
    n_cells = len(offsets) - 1
    cell = np.repeat(np.arange(n_cells), np.diff(offsets))
    free = affiliation < 0
    slot = cell[free] * n_groups + group[free].astype(np.int64)
    sums[:] = np.bincount(slot, weights=cohesion[free].astype(np.float64),
                          minlength=n_cells * n_groups)
    counts[:] = np.bincount(slot, minlength=n_cells * n_groups)


@cell_kernel
def group_cohesion_step(offsets, group, cohesion, shock, n_groups, baseline, drift):
    """Trust in the other groups: the shock of the member's group, then drift, in place.

    ``z -= shock[c * n_groups + g] * z`` then ``z += drift * (baseline[c] - z)``: the
    arithmetic of :func:`peacesim.kernels.cells.cohesion_step` with a shock per group.

    Args:
        offsets: int64 ``[n_cells + 1]`` row ranges of the cells.
        group: uint8 ``[n]`` identity group of each member.
        cohesion: float32 ``[n]``, updated in place (clipped to [0, 1]).
        shock: float64 ``[n_cells * n_groups]`` share of cohesion lost, 0-1.
        n_groups: Number of groups.
        baseline: float64 ``[n_cells]`` level cohesion drifts back to.
        drift: Weekly pull to the baseline, 0-1.
    """
    n_cells = len(offsets) - 1
    for c in prange(n_cells):
        b = baseline[c]
        base = c * n_groups
        for i in range(offsets[c], offsets[c + 1]):
            z = np.float64(cohesion[i])
            z -= shock[base + group[i]] * z
            z += drift * (b - z)
            cohesion[i] = np.float32(min(1.0, max(0.0, z)))


def group_cohesion_step_numpy(offsets, group, cohesion, shock, n_groups, baseline, drift):
    """NumPy twin of :func:`group_cohesion_step`."""
    cell = np.repeat(np.arange(len(offsets) - 1), np.diff(offsets))
    z = cohesion.astype(np.float64)
    z = z - shock[cell * n_groups + group.astype(np.int64)] * z
    z = z + drift * (baseline[cell] - z)
    cohesion[:] = np.clip(z, 0.0, 1.0).astype(np.float32)


@njit(cache=True)
def group_exposure(cell, group, exposure, n_groups, n_cells):
    """Mean exposure to the forces' harm of each group's members, per cell (1 where none).

    Sums in member order, as ``np.bincount(cell[rows], weights=exposure[rows])`` does, so the
    NumPy formulation gives the same bits; without its per-member temporaries (a build-time
    peak of about 28 bytes a member).

    Args:
        cell: int [n_members], each member's cell.
        group: uint8 [n_members], each member's identity group.
        exposure: float32 [n_members], ``forces_exposure``.
        n_groups: Number of groups.
        n_cells: Number of cells.

    Returns:
        float64 [n_groups, n_cells].
    """
    count = np.zeros((n_groups, n_cells), dtype=np.int64)
    total = np.zeros((n_groups, n_cells))
    for i in range(len(cell)):
        k, c = group[i], cell[i]
        count[k, c] += 1
        total[k, c] += np.float64(exposure[i])
    out = np.ones((n_groups, n_cells))
    for k in range(n_groups):
        for c in range(n_cells):
            if count[k, c] > 0:
                out[k, c] = total[k, c] / count[k, c]
    return out


@njit(cache=True)
def clash_week(border, border_stress, running, border_relief, resource_stress, cohesion_sum,
               members, clash_rate, people, mix, key, step, clash_harm, cohesion_shock,
               pair_clashes, clashes, attacks, p_harm_violence, shock):
    """The week's clashes between two communities, per cell (see :meth:`Communal.clash`).

    ``stress = min(1, resource_stress + border_stress * border)``, the border's part times
    ``1 - border_relief`` where cross-border dialogue is ``running``; a cell clashes when
    ``uniform(key, step, c, 0) < min(1, clash_rate * people / 1e4 * stress * mix *
    (1 - cohesion) ** 2)``, ``cohesion`` the members' mean (``cohesion_sum / max(members,
    1)``). A clash adds one to ``attacks``, ``clash_harm / max(people, 1)`` to
    ``p_harm_violence`` (at most 1) and ``cohesion_shock`` to ``shock``.

    Args:
        border, running: bool [n_cells], border cells; cross-border dialogue this week.
        border_stress, border_relief, clash_rate, clash_harm, cohesion_shock: Parameters.
        resource_stress, mix, people, cohesion_sum: float64 [n_cells].
        members: int64 [n_cells].
        key, step: Counter of the draws (one per cell, draw 0).
        pair_clashes, clashes: int64 [n_cells], out: 1 where the cell clashed, else 0.
        attacks, p_harm_violence: float64 [n_cells], raised.
        shock: float64 [n_cells], out: the members' cohesion shock.
    """
    for c in range(len(people)):
        extra = border_stress * np.float64(border[c])
        if running[c]:
            extra = extra * (1.0 - border_relief)
        stress = min(1.0, resource_stress[c] + extra)
        distrust = 1.0 - cohesion_sum[c] / max(members[c], 1)
        p = min(1.0, clash_rate * people[c] / 1e4 * stress * mix[c] * (distrust * distrust))
        hit = uniform(key, step, c, 0) < p
        pair_clashes[c] = hit
        clashes[c] = hit
        attacks[c] += np.float64(hit)
        p_harm_violence[c] = min(1.0, p_harm_violence[c]
                                 + clash_harm * np.float64(hit) / max(people[c], 1.0))
        shock[c] = cohesion_shock * np.float64(hit)
