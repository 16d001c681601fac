"""Trust of community members in the security forces: experience, news, reputation, neighbours.

One weekly update per member, in this order:

1. a good experience of the forces (protection, a respectful contact) with probability
   ``p_good[c]``: ``x += gain * (1 - x)``;
2. harm by the forces (abuse or an engagement's collateral harm) with probability
   ``p_harm_forces[c] * exposure[i]`` (``exposure``: how much more the forces' harm falls on
   the member's community, 1 without stigmatisation): ``x -= loss * x``, where
   ``loss > gain`` expresses that trust is destroyed faster than it is built (Slovic 1993);
3. harm by armed groups or communal violence with probability ``p_harm_violence[c]``, which
   the forces failed to prevent: ``x -= fail_loss * unprotected[c] * x``;
4. word of mouth: hearing of the forces' harm or abuse (probability ``p_hear_bad[c]``):
   ``x -= hear_loss[c] * x``; hearing of a protection (``p_hear_good[c]``):
   ``x += hear_gain * (1 - x)``;
5. drift toward the forces' reputation in the cell: ``x += drift * (reputation[c] - x)``;
6. influence of the neighbouring cells, bounded confidence (Hegselmann & Krause 2002):
   ``x += nbr_mu * (m - x)`` if ``|m - x| < nbr_eps`` with ``m`` the neighbours' mean trust.

Steps 1-2 are the incremental (exponential-forgetting) form of the beta reputation of
Jøsang & Ismail 2002 with a weight > 1 on negative events. Harm and hearing draws come from
shared streams, so the grievance kernel sees the same events.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from peacesim.kernels.dispatch import cell_kernel
from peacesim.random import uniform, uniform_numpy


@cell_kernel
def trust_step(offsets, trust, p_good, p_harm_forces, exposure, p_harm_violence, unprotected,
               p_hear_bad, p_hear_good, hear_loss, reputation, nbr_mean, gain, loss, fail_loss,
               hear_gain, drift, nbr_eps, nbr_mu, key_good, key_harm_forces,
               key_harm_violence, key_hear, step, harmed_forces, harmed_violence, heard_bad):
    """Update trust in place; count harmed members and those who heard bad news, per cell.

    Args:
        offsets: int64 [n_cells + 1], rows of each cell.
        trust: float32 [n], trust in the SDF in [0, 1] (updated in place).
        p_good, p_harm_forces, p_harm_violence: float64 [n_cells], weekly probabilities.
        exposure: float32 [n], each member's weight of exposure to the forces' harm.
        unprotected: float64 [n_cells], 1 where no unit was near, less where some were.
        p_hear_bad, p_hear_good: float64 [n_cells], weekly probabilities of hearing news.
        hear_loss: float64 [n_cells], share of trust lost on hearing bad news.
        reputation: float64 [n_cells], the forces' reputation that trust drifts to.
        nbr_mean: float64 [n_cells], mean trust in neighbouring cells (NaN if none).
        gain, loss, fail_loss, hear_gain, drift, nbr_eps, nbr_mu: rates (see module doc).
        key_good, key_harm_forces, key_harm_violence, key_hear: stream keys (uint64).
        step: model step.
        harmed_forces, harmed_violence, heard_bad: int64 [n_cells], written.
    """
    n_cells = len(offsets) - 1
    for c in prange(n_cells):
        pp = p_good[c]
        pf = p_harm_forces[c]
        pv = p_harm_violence[c]
        pb = p_hear_bad[c]
        pg = p_hear_good[c]
        hl = hear_loss[c]
        lose_fail = fail_loss * unprotected[c]
        base = reputation[c]
        m = nbr_mean[c]
        hf = 0
        hv = 0
        hb = 0
        for i in range(offsets[c], offsets[c + 1]):
            x = np.float64(trust[i])
            if uniform(key_good, step, i, 0) < pp:
                x += gain * (1.0 - x)
            if uniform(key_harm_forces, step, i, 0) < pf * exposure[i]:
                x -= loss * x
                hf += 1
            if uniform(key_harm_violence, step, i, 0) < pv:
                x -= lose_fail * x
                hv += 1
            if uniform(key_hear, step, i, 0) < pb:
                x -= hl * x
                hb += 1
            if uniform(key_hear, step, i, 1) < pg:
                x += hear_gain * (1.0 - x)
            x += drift * (base - x)
            d = m - x
            if abs(d) < nbr_eps:
                x += nbr_mu * d
            trust[i] = np.float32(min(1.0, max(0.0, x)))
        harmed_forces[c] = hf
        harmed_violence[c] = hv
        heard_bad[c] = hb


def trust_step_numpy(offsets, trust, p_good, p_harm_forces, exposure, p_harm_violence,
                     unprotected,
                     p_hear_bad, p_hear_good, hear_loss, reputation, nbr_mean, gain, loss,
                     fail_loss, hear_gain, drift, nbr_eps, nbr_mu, key_good, key_harm_forces,
                     key_harm_violence, key_hear, step, harmed_forces, harmed_violence,
                     heard_bad):
    """NumPy twin of :func:`trust_step` (same arguments, same results)."""
    n = len(trust)
    n_cells = len(offsets) - 1
    rows = np.arange(n)
    cell = np.repeat(np.arange(n_cells), np.diff(offsets))
    x = trust.astype(np.float64)
    good = uniform_numpy(key_good, step, rows, 0) < p_good[cell]
    x = np.where(good, x + gain * (1.0 - x), x)
    hf = uniform_numpy(key_harm_forces, step, rows, 0) < p_harm_forces[cell] * exposure
    x = np.where(hf, x - loss * x, x)
    hv = uniform_numpy(key_harm_violence, step, rows, 0) < p_harm_violence[cell]
    x = np.where(hv, x - (fail_loss * unprotected[cell]) * x, x)
    hb = uniform_numpy(key_hear, step, rows, 0) < p_hear_bad[cell]
    x = np.where(hb, x - hear_loss[cell] * x, x)
    hg = uniform_numpy(key_hear, step, rows, 1) < p_hear_good[cell]
    x = np.where(hg, x + hear_gain * (1.0 - x), x)
    x = x + drift * (reputation[cell] - x)
    d = nbr_mean[cell] - x
    x = np.where(np.abs(d) < nbr_eps, x + nbr_mu * d, x)
    trust[:] = np.clip(x, 0.0, 1.0).astype(np.float32)
    harmed_forces[:] = np.bincount(cell[hf], minlength=n_cells)
    harmed_violence[:] = np.bincount(cell[hv], minlength=n_cells)
    heard_bad[:] = np.bincount(cell[hb], minlength=n_cells)
