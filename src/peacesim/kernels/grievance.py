"""Grievance and support for armed groups (Epstein 2002, extended with trust and harm).

Per member and week:

1. harm memory ``g``: ``g += harm_gain * (1 - g)`` when harmed by the forces (same draw as
   the trust kernel), ``g += violence_gain * (1 - g)`` when harmed by armed or communal
   violence, ``g += hearsay_gain * (1 - g)`` when hearing of the forces' harm or abuse to
   others (the trust kernel's draw: anger spreads through families and communities); then it
   fades, ``g *= (1 - forget) * (1 - resolve * justice[c])``: justice
   resolves grievances;
2. hardship ``H = h * (1 - job_relief)`` for an employed young person, ``h`` otherwise;
3. grievance ``G = min(1, H * (1 - L[c]) + g)`` (Epstein's G = H(1 - L) plus harm);
4. support for armed groups when ``G - R * P[c] - trust_weight * trust > threshold``
   (Epstein's activation rule, with perceived risk ``P`` from the forces nearby and trust in
   the forces as a further restraint).
"""

from __future__ import annotations

import numpy as np
from numba import prange

from peacesim.kernels.dispatch import cell_kernel
from peacesim.population import EMPLOYED, SYMPATHISER, YOUTH
from peacesim.random import uniform, uniform_numpy

_NOT_SYMPATHISER = np.uint8(255 - SYMPATHISER)


@cell_kernel
def grievance_step(offsets, traits, status, hardship, risk_aversion, trust, harm_memory,
                   legitimacy, justice, risk, p_harm_forces, exposure, p_harm_violence,
                   p_hear_bad, harm_gain, violence_gain, hearsay_gain, forget, resolve, job_relief,
                   trust_weight, threshold, key_harm_forces, key_harm_violence, key_hear, step,
                   sympathisers, grievance_sum):
    """Update harm memory and the sympathiser bit in place; sum per cell.

    Args:
        offsets: int64 [n_cells + 1], rows of each cell.
        traits, status: uint8 [n] bit columns (read; status's SYMPATHISER bit written).
        hardship, risk_aversion, trust: float32 [n], in [0, 1] (read).
        harm_memory: float32 [n], grievance from harm in [0, 1] (updated).
        legitimacy, justice, risk: float64 [n_cells]: L, justice access, perceived risk P.
        p_harm_forces, p_harm_violence: float64 [n_cells], weekly harm probabilities.
        exposure: float32 [n], each member's weight of exposure to the forces' harm
            (stigmatisation of a community; 1 without it).
        p_hear_bad: float64 [n_cells], weekly probability of hearing of the forces' harm.
        harm_gain, violence_gain, hearsay_gain, forget, resolve, job_relief, trust_weight,
            threshold: floats.
        key_harm_forces, key_harm_violence, key_hear: stream keys (the trust kernel's).
        step: model step.
        sympathisers: int64 [n_cells], written: members supporting armed groups.
        grievance_sum: float64 [n_cells], written: sum of G over the cell's members.
    """
    n_cells = len(offsets) - 1
    for c in prange(n_cells):
        fade = (1.0 - forget) * (1.0 - resolve * justice[c])
        open_ = 1.0 - legitimacy[c]
        p_risk = risk[c]
        pf = p_harm_forces[c]
        pv = p_harm_violence[c]
        pb = p_hear_bad[c]
        n_symp = 0
        g_sum = 0.0
        for i in range(offsets[c], offsets[c + 1]):
            g = np.float64(harm_memory[i])
            if uniform(key_harm_forces, step, i, 0) < pf * exposure[i]:
                g += harm_gain * (1.0 - g)
            if uniform(key_harm_violence, step, i, 0) < pv:
                g += violence_gain * (1.0 - g)
            if uniform(key_hear, step, i, 0) < pb:
                g += hearsay_gain * (1.0 - g)
            g *= fade
            harm_memory[i] = np.float32(g)
            h = np.float64(hardship[i])
            if (traits[i] & YOUTH) and (status[i] & EMPLOYED):
                h *= 1.0 - job_relief
            grievance = min(1.0, h * open_ + np.float64(harm_memory[i]))
            g_sum += grievance
            net = (grievance - np.float64(risk_aversion[i]) * p_risk
                   - trust_weight * np.float64(trust[i]))
            if net > threshold:
                status[i] |= SYMPATHISER
                n_symp += 1
            else:
                status[i] &= _NOT_SYMPATHISER
        sympathisers[c] = n_symp
        grievance_sum[c] = g_sum


def grievance_step_numpy(offsets, traits, status, hardship, risk_aversion, trust, harm_memory,
                         legitimacy, justice, risk, p_harm_forces, exposure, p_harm_violence,
                         p_hear_bad, harm_gain, violence_gain, hearsay_gain, forget, resolve,
                         job_relief, trust_weight, threshold, key_harm_forces, key_harm_violence,
                         key_hear, step, sympathisers, grievance_sum):
    """NumPy twin of :func:`grievance_step`; grievance sums agree to float rounding."""
    n_cells = len(offsets) - 1
    rows = np.arange(len(trust))
    cell = np.repeat(np.arange(n_cells), np.diff(offsets))
    g = harm_memory.astype(np.float64)
    hf = uniform_numpy(key_harm_forces, step, rows, 0) < p_harm_forces[cell] * exposure
    g = np.where(hf, g + harm_gain * (1.0 - g), g)
    hv = uniform_numpy(key_harm_violence, step, rows, 0) < p_harm_violence[cell]
    g = np.where(hv, g + violence_gain * (1.0 - g), g)
    hb = uniform_numpy(key_hear, step, rows, 0) < p_hear_bad[cell]
    g = np.where(hb, g + hearsay_gain * (1.0 - g), g)
    g = g * ((1.0 - forget) * (1.0 - resolve * justice[cell]))
    harm_memory[:] = g.astype(np.float32)
    h = hardship.astype(np.float64)
    working = ((traits & YOUTH) != 0) & ((status & EMPLOYED) != 0)
    h = np.where(working, h * (1.0 - job_relief), h)
    grievance = np.minimum(1.0, h * (1.0 - legitimacy[cell]) + harm_memory.astype(np.float64))
    net = (grievance - risk_aversion.astype(np.float64) * risk[cell]
           - trust_weight * trust.astype(np.float64))
    symp = net > threshold
    status[:] = np.where(symp, status | SYMPATHISER, status & _NOT_SYMPATHISER)
    sympathisers[:] = np.bincount(cell[symp], minlength=n_cells)
    grievance_sum[:] = np.bincount(cell, weights=grievance, minlength=n_cells)
