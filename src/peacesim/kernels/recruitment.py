"""Recruitment of young people by armed groups, and their return.

Per member and week: a recruited member returns to the community with probability
``p_return[c]``; a young sympathiser who is not recruited joins the armed group recruiting in
the cell (``group_at_cell[c]``) with probability ``p_join[c] * (1 + revenge * g)``, ``g``
their memory of harm (harm suffered or heard of: the motive of revenge that makes the forces'
accuracy matter, Bennett 2008), times ``employed_factor`` if employed, at most 1.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from peacesim.kernels.dispatch import cell_kernel
from peacesim.population import EMPLOYED, SYMPATHISER, YOUTH
from peacesim.random import uniform, uniform_numpy


@njit(cache=True)
def join_probability(armed_near, join_rate, presence_half, p_join):
    """``p_join = join_rate * armed_near / (armed_near + presence_half)`` per cell (out)."""
    for c in range(len(p_join)):
        p_join[c] = join_rate * armed_near[c] / (armed_near[c] + presence_half)


@cell_kernel
def recruitment_step(offsets, traits, status, affiliation, harm_memory, group_at_cell, p_join,
                     p_return, employed_factor, revenge, key, step, joined, returned):
    """Update ``affiliation`` in place (-1 = not recruited); count per cell.

    Args:
        offsets: int64 [n_cells + 1].
        traits, status: uint8 [n] bit columns (read).
        affiliation: int16 [n], armed group index or -1 (updated).
        harm_memory: float32 [n], memory of harm in [0, 1] (read).
        group_at_cell: int64 [n_cells], group recruiting in the cell or -1.
        p_join, p_return: float64 [n_cells], weekly probabilities.
        employed_factor: multiplier of p_join for employed youth, in [0, 1].
        revenge: relative rise of p_join per unit of harm memory (>= 0).
        key: stream key; step: model step.
        joined, returned: int64 [n_cells], written.
    """
    n_cells = len(offsets) - 1
    for c in prange(n_cells):
        g = group_at_cell[c]
        pj = p_join[c]
        pr = p_return[c]
        n_join = 0
        n_return = 0
        for i in range(offsets[c], offsets[c + 1]):
            if affiliation[i] >= 0:
                if uniform(key, step, i, 1) < pr:
                    affiliation[i] = -1
                    n_return += 1
                continue
            if g < 0 or not (traits[i] & YOUTH) or not (status[i] & SYMPATHISER):
                continue
            p = pj * employed_factor if (status[i] & EMPLOYED) else pj
            p *= 1.0 + revenge * np.float64(harm_memory[i])
            if uniform(key, step, i, 0) < p:
                affiliation[i] = g
                n_join += 1
        joined[c] = n_join
        returned[c] = n_return


def recruitment_step_numpy(offsets, traits, status, affiliation, harm_memory, group_at_cell,
                           p_join, p_return, employed_factor, revenge, key, step, joined,
                           returned):
    """NumPy twin of :func:`recruitment_step`."""
    n_cells = len(offsets) - 1
    rows = np.arange(len(affiliation))
    cell = np.repeat(np.arange(n_cells), np.diff(offsets))
    recruited = affiliation >= 0
    back = recruited & (uniform_numpy(key, step, rows, 1) < p_return[cell])
    g = group_at_cell[cell]
    eligible = (~recruited & (g >= 0) & ((traits & YOUTH) != 0)
                & ((status & SYMPATHISER) != 0))
    p = np.where((status & EMPLOYED) != 0, p_join[cell] * employed_factor, p_join[cell])
    p = p * (1.0 + revenge * harm_memory.astype(np.float64))
    join = eligible & (uniform_numpy(key, step, rows, 0) < p)
    affiliation[back] = -1
    affiliation[join] = g[join]
    joined[:] = np.bincount(cell[join], minlength=n_cells)
    returned[:] = np.bincount(cell[back], minlength=n_cells)
