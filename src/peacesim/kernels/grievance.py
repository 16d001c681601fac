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
from numba import njit, prange

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
        sympathisers[c], grievance_sum[c] = _grievance_members(
            traits, status, hardship, risk_aversion, trust, harm_memory, exposure, offsets[c],
            offsets[c + 1], (1.0 - forget) * (1.0 - resolve * justice[c]), 1.0 - legitimacy[c],
            risk[c], p_harm_forces[c], p_harm_violence[c], p_hear_bad[c], harm_gain,
            violence_gain, hearsay_gain, job_relief, trust_weight, threshold, key_harm_forces,
            key_harm_violence, key_hear, step)


@njit(cache=True, inline="always")
def _grievance_members(traits, status, hardship, risk_aversion, trust, harm_memory, exposure,
                       lo, hi, fade, open_, p_risk, pf, pv, pb, harm_gain, violence_gain,
                       hearsay_gain, job_relief, trust_weight, threshold, key_harm_forces,
                       key_harm_violence, key_hear, step):
    """The member update of :func:`grievance_step` for rows ``lo .. hi - 1`` of one cell.

    ``fade`` is the cell's ``(1 - forget) * (1 - resolve * justice)``, ``open_`` its
    ``1 - legitimacy``. A draw is compared with its probability only where that probability
    is positive: the draws are in [0, 1), so below a probability <= 0 none succeeds, and
    skipping the hash changes nothing but the time.

    Returns:
        (sympathisers, sum of grievance) over the cell's members.
    """
    n_symp = 0
    g_sum = 0.0
    for i in range(lo, hi):
        g = np.float64(harm_memory[i])
        p_harm = pf * exposure[i]
        if p_harm > 0.0 and uniform(key_harm_forces, step, i, 0) < p_harm:
            g += harm_gain * (1.0 - g)
        if pv > 0.0 and uniform(key_harm_violence, step, i, 0) < pv:
            g += violence_gain * (1.0 - g)
        if pb > 0.0 and uniform(key_hear, step, i, 0) < pb:
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
    return n_symp, g_sum


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


# ---------------------------------------------------------------------- the week, fused
# At 10,000 members the cell part of the weekly update (fading abuse, legitimacy toward its
# target, Epstein's perceived risk) was some fifteen NumPy calls on a few thousand cells,
# each paying its fixed cost. Now: one loop for the exponent of the risk, ``np.exp`` (NumPy's
# exp, whose bits the model keeps), and one pass over the cells that does the rest of each
# cell and its members. Their twins are the NumPy operations the mechanism made before.


@njit(cache=True)
def risk_exponent(units_near, armed_near, armed_scale, minus_k, floor_ratio, out):
    """Minus Epstein's ``k C / A`` per cell, the exponent of the perceived risk of arrest.

    ``A = 1 + armed_near / armed_scale`` (armed actives near, at least one) and
    ``C = units_near``; ``out = minus_k * (C / A)``, the ratio floored first if
    ``floor_ratio``. A tiny ``armed_scale`` gives an infinite ``A``, a ratio 0 and no risk.

    Args:
        units_near: float64 [n_cells], units near each cell.
        armed_near: float64 [n_cells], fighters near each cell (people).
        armed_scale: Fighters that count as one active (people).
        minus_k: ``-k``, minus Epstein's arrest constant.
        floor_ratio: Use ``floor(C / A)`` (NetLogo's Rebellion) instead of ``C / A``.
        out: float64 [n_cells], written; the risk is ``1 - exp(out)``.
    """
    for c in range(len(out)):
        ratio = units_near[c] / (1.0 + armed_near[c] / armed_scale)
        if floor_ratio:
            ratio = np.floor(ratio)
        out[c] = minus_k * ratio


def risk_exponent_numpy(units_near, armed_near, armed_scale, minus_k, floor_ratio, out):
    """NumPy twin of :func:`risk_exponent`."""
    with np.errstate(over="ignore"):
        actives = 1.0 + armed_near / armed_scale
    ratio = units_near / actives
    if floor_ratio:
        ratio = np.floor(ratio)
    out[:] = minus_k * ratio


@njit(cache=True, inline="always")
def _clip01(x):
    """``np.clip(x, 0.0, 1.0)`` bit for bit (NaN and -0.0 kept as NumPy keeps them)."""
    t = x if (x >= 0.0 or x != x) else 0.0
    return t if (t <= 1.0 or t != t) else 1.0


@cell_kernel
def grievance_week(offsets, traits, status, hardship, risk_aversion, trust, harm_memory,
                   exposure, legitimacy_base, justice_boost, justice, p_harm_forces,
                   p_harm_violence, p_hear_bad, exp_risk, abuse_decay, justice_legitimacy,
                   abuse_weight, legitimacy_rate, harm_gain, violence_gain, hearsay_gain, forget,
                   resolve, job_relief, trust_weight, threshold, key_harm_forces,
                   key_harm_violence, key_hear, step, abuse, legitimacy, risk, sympathisers,
                   grievance_sum):
    """The week's grievance update: abuse memory, legitimacy and risk per cell, then members.

    Per cell: ``abuse = abuse * (1 - abuse_decay) + p_harm_forces``; legitimacy moves by
    ``legitimacy_rate`` toward ``clip(legitimacy_base + justice_legitimacy * justice_boost -
    abuse_weight * abuse, 0, 1)``; ``risk = 1 - exp_risk``; then :func:`grievance_step` for
    its members.

    Args:
        offsets, traits, status, hardship, risk_aversion, trust, harm_memory, exposure: as
            in :func:`grievance_step`.
        legitimacy_base: float64 [n_cells], the region's legitimacy.
        justice_boost: float64 [n_cells], resolution added by justice programmes.
        justice, p_harm_forces, p_harm_violence, p_hear_bad: as in :func:`grievance_step`.
        exp_risk: float64 [n_cells], ``exp`` of :func:`risk_exponent`'s output.
        abuse_decay, justice_legitimacy, abuse_weight, legitimacy_rate: legitimacy
            parameters (shares per week, weights).
        harm_gain, violence_gain, hearsay_gain, forget, resolve, job_relief, trust_weight,
            threshold, key_harm_forces, key_harm_violence, key_hear, step: as in
            :func:`grievance_step`.
        abuse, legitimacy: float64 [n_cells], updated in place.
        risk: float64 [n_cells], written: perceived risk of arrest P.
        sympathisers, grievance_sum: as in :func:`grievance_step`, written.
    """
    n_cells = len(offsets) - 1
    keep_abuse = 1.0 - abuse_decay
    for c in prange(n_cells):
        a = abuse[c] * keep_abuse + p_harm_forces[c]
        abuse[c] = a
        target = _clip01(legitimacy_base[c] + justice_legitimacy * justice_boost[c]
                         - abuse_weight * a)
        lc = legitimacy[c] + legitimacy_rate * (target - legitimacy[c])
        legitimacy[c] = lc
        p_risk = 1.0 - exp_risk[c]
        risk[c] = p_risk
        sympathisers[c], grievance_sum[c] = _grievance_members(
            traits, status, hardship, risk_aversion, trust, harm_memory, exposure, offsets[c],
            offsets[c + 1], (1.0 - forget) * (1.0 - resolve * justice[c]), 1.0 - lc, p_risk,
            p_harm_forces[c], p_harm_violence[c], p_hear_bad[c], harm_gain, violence_gain,
            hearsay_gain, job_relief, trust_weight, threshold, key_harm_forces,
            key_harm_violence, key_hear, step)


def grievance_week_numpy(offsets, traits, status, hardship, risk_aversion, trust, harm_memory,
                         exposure, legitimacy_base, justice_boost, justice, p_harm_forces,
                         p_harm_violence, p_hear_bad, exp_risk, abuse_decay,
                         justice_legitimacy, abuse_weight, legitimacy_rate, harm_gain,
                         violence_gain, hearsay_gain, forget, resolve, job_relief,
                         trust_weight, threshold, key_harm_forces, key_harm_violence, key_hear,
                         step, abuse, legitimacy, risk, sympathisers, grievance_sum):
    """NumPy twin of :func:`grievance_week`: the operations it replaced, in their order."""
    abuse[:] = abuse * (1.0 - abuse_decay) + p_harm_forces
    target = np.clip(legitimacy_base + justice_legitimacy * justice_boost
                     - abuse_weight * abuse, 0.0, 1.0)
    legitimacy += legitimacy_rate * (target - legitimacy)
    risk[:] = 1.0 - exp_risk
    grievance_step_numpy(offsets, traits, status, hardship, risk_aversion, trust, harm_memory,
                         legitimacy, justice, risk, p_harm_forces, exposure, p_harm_violence,
                         p_hear_bad, harm_gain, violence_gain, hearsay_gain, forget, resolve,
                         job_relief, trust_weight, threshold, key_harm_forces,
                         key_harm_violence, key_hear, step, sympathisers, grievance_sum)
