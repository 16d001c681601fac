"""Trust of community members in the security forces: experience, neighbours, drift.

One weekly update per member, in this order:

1. positive experience (protection, respectful contact) with probability ``p_protect[c]``:
   ``x += gain * (1 - x)``;
2. harm by the forces with probability ``p_harm_forces[c]``: ``x -= loss * x``, where
   ``loss > gain`` expresses that trust is destroyed faster than it is built (Slovic 1993);
3. harm by armed groups or communal violence with probability ``p_harm_violence[c]``, which
   the forces failed to prevent: ``x -= fail_loss * unprotected[c] * x``;
4. drift toward the cell's baseline: ``x += drift * (baseline[c] - x)``;
5. influence of the neighbouring cells, bounded confidence (Hegselmann & Krause 2002):
   ``x += nbr_mu * (m - x)`` if ``|m - x| < nbr_eps`` with ``m`` the neighbours' mean trust.

Steps 1-2 are the incremental (exponential-forgetting) form of the beta reputation of
Jøsang & Ismail 2002 with a weight > 1 on negative events. Harm draws come from the streams of
the mechanisms that cause the harm, so the grievance kernel sees the same events.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from peacesim.random import uniform, uniform_numpy


@njit(parallel=True, cache=True)
def trust_step(offsets, trust, p_protect, p_harm_forces, p_harm_violence, unprotected, baseline,
               nbr_mean, gain, loss, fail_loss, drift, nbr_eps, nbr_mu, key_protect,
               key_harm_forces, key_harm_violence, step, harmed_forces, harmed_violence):
    """Update trust in place; count harmed members per cell.

    Args:
        offsets: int64 [n_cells + 1], rows of each cell.
        trust: float32 [n], trust in the SDF in [0, 1] (updated in place).
        p_protect, p_harm_forces, p_harm_violence: float64 [n_cells], weekly probabilities.
        unprotected: float64 [n_cells], 1 where no unit was near, 0 where one was.
        baseline: float64 [n_cells], trust each cell drifts to.
        nbr_mean: float64 [n_cells], mean trust in neighbouring cells (NaN if none).
        gain, loss, fail_loss, drift, nbr_eps, nbr_mu: rates, per week (see module doc).
        key_protect, key_harm_forces, key_harm_violence: stream keys (uint64).
        step: model step.
        harmed_forces, harmed_violence: int64 [n_cells], written: members harmed this step.
    """
    n_cells = len(offsets) - 1
    for c in prange(n_cells):
        pp = p_protect[c]
        pf = p_harm_forces[c]
        pv = p_harm_violence[c]
        lose_fail = fail_loss * unprotected[c]
        base = baseline[c]
        m = nbr_mean[c]
        hf = 0
        hv = 0
        for i in range(offsets[c], offsets[c + 1]):
            x = np.float64(trust[i])
            if uniform(key_protect, step, i, 0) < pp:
                x += gain * (1.0 - x)
            if uniform(key_harm_forces, step, i, 0) < pf:
                x -= loss * x
                hf += 1
            if uniform(key_harm_violence, step, i, 0) < pv:
                x -= lose_fail * x
                hv += 1
            x += drift * (base - x)
            d = m - x
            if abs(d) < nbr_eps:
                x += nbr_mu * d
            trust[i] = np.float32(min(1.0, max(0.0, x)))
        harmed_forces[c] = hf
        harmed_violence[c] = hv


def trust_step_numpy(offsets, trust, p_protect, p_harm_forces, p_harm_violence, unprotected,
                     baseline, nbr_mean, gain, loss, fail_loss, drift, nbr_eps, nbr_mu,
                     key_protect, key_harm_forces, key_harm_violence, step, harmed_forces,
                     harmed_violence):
    """NumPy twin of :func:`trust_step` (same arguments, same results)."""
    n = len(trust)
    rows = np.arange(n)
    cell = np.repeat(np.arange(len(offsets) - 1), np.diff(offsets))
    x = trust.astype(np.float64)
    protected = uniform_numpy(key_protect, step, rows, 0) < p_protect[cell]
    x = np.where(protected, x + gain * (1.0 - x), x)
    hf = uniform_numpy(key_harm_forces, step, rows, 0) < p_harm_forces[cell]
    x = np.where(hf, x - loss * x, x)
    hv = uniform_numpy(key_harm_violence, step, rows, 0) < p_harm_violence[cell]
    x = np.where(hv, x - (fail_loss * unprotected[cell]) * x, x)
    x = x + drift * (baseline[cell] - x)
    d = nbr_mean[cell] - x
    x = np.where(np.abs(d) < nbr_eps, x + nbr_mu * d, x)
    trust[:] = np.clip(x, 0.0, 1.0).astype(np.float32)
    harmed_forces[:] = np.bincount(cell[hf], minlength=len(offsets) - 1)
    harmed_violence[:] = np.bincount(cell[hv], minlength=len(offsets) - 1)
