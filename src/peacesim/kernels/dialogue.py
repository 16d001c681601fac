"""Dialogue sessions: who takes part, and how trust, cohesion and grievance move.

Each member of cell ``c`` is reached by the week's sessions with probability
``p_reach[c] * sex_factor * age_factor``, the factors setting the share of women and of young
people among participants. A participant's trust in the forces moves up by
``trust_gain[c] * (1 - x)`` (``trust_gain`` is zero where no forces take part), trust between
communities by ``cohesion_gain * (1 - z)``, and a young participant's harm memory falls by the
share ``voice``. Then participants meet: bounded confidence toward the mean trust of the
cell's participants (``x += mu * (m - x)`` if ``|m - x| < eps``; Hegselmann & Krause 2002).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from peacesim.kernels.dispatch import cell_kernel
from peacesim.population import FEMALE, YOUTH
from peacesim.random import uniform, uniform_numpy


@njit(cache=True, inline="always")
def _reach(traits_i, c, p_reach, female_factor, male_factor, youth_factor, elder_factor):
    f = female_factor[c] if (traits_i & FEMALE) else male_factor[c]
    y = youth_factor[c] if (traits_i & YOUTH) else elder_factor[c]
    return p_reach[c] * f * y


@cell_kernel
def dialogue_step(offsets, traits, trust, cohesion, harm_memory, p_reach, female_factor,
                  male_factor, youth_factor, elder_factor, trust_gain, cohesion_gain, voice, eps,
                  mu, key, step, participants):
    """Apply the week's sessions in place.

    Args:
        offsets: int64 [n_cells + 1].
        traits: uint8 [n].
        trust, cohesion, harm_memory: float32 [n], in [0, 1] (updated).
        p_reach: float64 [n_cells], base weekly probability of taking part.
        female_factor, male_factor, youth_factor, elder_factor: float64 [n_cells].
        trust_gain: float64 [n_cells], gain in trust per session reached, in [-1, 1]
            (negative: the session backfires).
        cohesion_gain, voice, eps, mu: floats.
        key: stream key; step: model step.
        participants: int64 [n_cells], written: members reached.
    """
    n_cells = len(offsets) - 1
    for c in prange(n_cells):
        participants[c] = 0
        if p_reach[c] <= 0.0:
            continue
        tg = trust_gain[c]
        n_t = 0
        total = 0.0
        for i in range(offsets[c], offsets[c + 1]):
            p = _reach(traits[i], c, p_reach, female_factor, male_factor, youth_factor,
                       elder_factor)
            if uniform(key, step, i, 0) < p:
                x = np.float64(trust[i])
                x += tg * (1.0 - x) if tg >= 0.0 else tg * x
                trust[i] = np.float32(x)
                z = np.float64(cohesion[i])
                cohesion[i] = np.float32(z + cohesion_gain * (1.0 - z))
                if traits[i] & YOUTH:
                    harm_memory[i] = np.float32(np.float64(harm_memory[i]) * (1.0 - voice))
                n_t += 1
                total += np.float64(trust[i])
        participants[c] = n_t
        if n_t < 2:
            continue
        m = total / n_t
        for i in range(offsets[c], offsets[c + 1]):
            p = _reach(traits[i], c, p_reach, female_factor, male_factor, youth_factor,
                       elder_factor)
            if uniform(key, step, i, 0) < p:
                x = np.float64(trust[i])
                d = m - x
                if abs(d) < eps:
                    trust[i] = np.float32(min(1.0, max(0.0, x + mu * d)))


def dialogue_step_numpy(offsets, traits, trust, cohesion, harm_memory, p_reach, female_factor,
                        male_factor, youth_factor, elder_factor, trust_gain, cohesion_gain, voice,
                        eps, mu, key, step, participants):
    """NumPy twin of :func:`dialogue_step`."""
    n_cells = len(offsets) - 1
    rows = np.arange(len(trust))
    cell = np.repeat(np.arange(n_cells), np.diff(offsets))
    female = (traits & FEMALE) != 0
    youth = (traits & YOUTH) != 0
    p = (p_reach[cell] * np.where(female, female_factor[cell], male_factor[cell])
         * np.where(youth, youth_factor[cell], elder_factor[cell]))
    took_part = (p_reach[cell] > 0.0) & (uniform_numpy(key, step, rows, 0) < p)
    x = trust.astype(np.float64)
    tg = trust_gain[cell]
    x = np.where(took_part, x + np.where(tg >= 0.0, tg * (1.0 - x), tg * x), x)
    trust[:] = x.astype(np.float32)
    z = cohesion.astype(np.float64)
    cohesion[:] = np.where(took_part, z + cohesion_gain * (1.0 - z), z).astype(np.float32)
    hm = harm_memory.astype(np.float64)
    harm_memory[:] = np.where(took_part & youth, hm * (1.0 - voice), hm).astype(np.float32)
    n_t = np.bincount(cell[took_part], minlength=n_cells)
    participants[:] = n_t
    total = np.bincount(cell[took_part], weights=trust[took_part].astype(np.float64),
                        minlength=n_cells)
    with np.errstate(invalid="ignore", divide="ignore"):
        m = total / n_t
    x = trust.astype(np.float64)
    d = m[cell] - x
    move = took_part & (n_t[cell] >= 2) & (np.abs(d) < eps)
    trust[:] = np.where(move, np.clip(x + mu * d, 0.0, 1.0), x).astype(np.float32)
