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
def _reach(traits_i, p_reach, female_factor, male_factor, youth_factor, elder_factor):
    f = female_factor if (traits_i & FEMALE) else male_factor
    y = youth_factor if (traits_i & YOUTH) else elder_factor
    return p_reach * f * y


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
        participants[c] = _dialogue_members(
            traits, trust, cohesion, harm_memory, offsets[c], offsets[c + 1], p_reach[c],
            female_factor[c], male_factor[c], youth_factor[c], elder_factor[c], trust_gain[c],
            cohesion_gain, voice, eps, mu, key, step)


@njit(cache=True, inline="always")
def _dialogue_members(traits, trust, cohesion, harm_memory, lo, hi, p_reach, female_factor,
                      male_factor, youth_factor, elder_factor, tg, cohesion_gain, voice, eps,
                      mu, key, step):
    """The member part of :func:`dialogue_step` for rows ``lo .. hi - 1`` of one cell.

    Returns:
        Members reached.
    """
    n_t = 0
    total = 0.0
    for i in range(lo, hi):
        p = _reach(traits[i], p_reach, female_factor, male_factor, youth_factor, elder_factor)
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
    if n_t < 2:
        return n_t
    m = total / n_t
    for i in range(lo, hi):
        p = _reach(traits[i], p_reach, female_factor, male_factor, youth_factor, elder_factor)
        if uniform(key, step, i, 0) < p:
            x = np.float64(trust[i])
            d = m - x
            if abs(d) < eps:
                trust[i] = np.float32(min(1.0, max(0.0, x + mu * d)))
    return n_t


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


# ------------------------------------------------------------------ the week's sessions
# The cell-level part of the dialogue mechanism as two compiled loops (about twenty NumPy
# calls over the cells before). The NumPy twins are the mechanism's array formulas; tests
# check the loops give their bits.


def sessions_held_numpy(running, per_week, womens_sessions, draws, reach, sessions, reached):
    """Sessions held in each cell this week and the people they reach (NumPy).

    The expected sessions ``rate = per_week (where the programme runs) + womens_sessions``
    are held as ``floor(rate)`` plus one with probability ``rate - floor(rate)``.

    Args:
        running: bool [n_cells], where the programme runs.
        per_week: Sessions per cell-week where it runs (frequency / 52).
        womens_sessions: float64 [n_cells], sessions that women's groups add.
        draws: float64 [n_cells], uniform draws in [0, 1).
        reach: People reached per session.
        sessions: int64 [n_cells], out.
        reached: float64 [n_cells], out: ``sessions * reach`` (people).
    """
    rate = np.where(running, per_week, 0.0)
    rate = rate + womens_sessions
    whole = np.floor(rate)
    extra = draws < rate - whole
    sessions[:] = (whole + extra).astype(np.int64)
    reached[:] = sessions * reach


@njit(cache=True)
def participation(reached, people, sessions, exp_minus_abuse, womens_boost,
                  women_participation, female_share, trust_gain_base, forces_participation,
                  women_effect, after_abuse, sdf_gain, p_reach, female_factor, male_factor,
                  trust_gain, sdf_trust):
    """Who the sessions reach, what they do to trust, and the forces' trust in the cell.

    Args:
        reached: float64 [n_cells], people reached (after any cross-border share).
        people: float64 [n_cells], adults represented.
        sessions: int64 [n_cells], sessions held.
        exp_minus_abuse: float64 [n_cells], ``exp(-abuse_memory)``: 1 without recent abuse.
        womens_boost: float64 [n_cells], extra women's participation from women's groups.
        women_participation, female_share: Share of women among participants; among members.
        trust_gain_base, forces_participation, women_effect, after_abuse, sdf_gain: Dialogue
            parameters (see :class:`peacesim.mechanisms.dialogue.DialogueParams`).
        p_reach: out, probability that a member is reached (before the sex and age factors).
        female_factor, male_factor: out, reach factors of women and men.
        trust_gain: out, a participant's gain of trust in the forces (negative after abuses).
        sdf_trust: float64 [n_cells], the forces' trust in the community, raised in place
            where a session with the forces was held.
    """
    for c in range(len(reached)):
        p_reach[c], female_factor[c], male_factor[c], trust_gain[c] = _participation_cell(
            c, reached, people, sessions, exp_minus_abuse, womens_boost, women_participation,
            female_share, trust_gain_base, forces_participation, women_effect, after_abuse,
            sdf_gain, sdf_trust)


@njit(cache=True, inline="always")
def _participation_cell(c, reached, people, sessions, exp_minus_abuse, womens_boost,
                        women_participation, female_share, trust_gain_base,
                        forces_participation, women_effect, after_abuse, sdf_gain, sdf_trust):
    """Cell ``c`` of :func:`participation`: raises its ``sdf_trust``.

    Returns:
        (p_reach, female factor, male factor, trust gain) of the cell.
    """
    p_reach = min(1.0, reached[c] / max(people[c], 1.0))
    women = min(1.0, women_participation + (1.0 - women_participation) * womens_boost[c])
    female_factor = women / female_share if female_share > 0 else 0.0
    male_factor = (1.0 - women) / (1.0 - female_share) if female_share < 1 else 0.0
    gain = min(1.0, trust_gain_base * forces_participation * (1.0 + women_effect * women))
    recent = 1.0 - exp_minus_abuse[c]
    trust_gain = min(max(gain * (1.0 - after_abuse * recent), -1.0), 1.0)
    s = sdf_trust[c]
    sdf_trust[c] = s + sdf_gain * forces_participation * min(sessions[c], 1) * (1.0 - s)
    return p_reach, female_factor, male_factor, trust_gain


def participation_numpy(reached, people, sessions, exp_minus_abuse, womens_boost,
                        women_participation, female_share, trust_gain_base,
                        forces_participation, women_effect, after_abuse, sdf_gain, p_reach,
                        female_factor, male_factor, trust_gain, sdf_trust):
    """NumPy twin of :func:`participation`."""
    p_reach[:] = np.minimum(1.0, reached / np.maximum(people, 1.0))
    women = np.minimum(1.0, women_participation + (1.0 - women_participation) * womens_boost)
    female_factor[:] = women / female_share if female_share > 0 else np.zeros_like(women)
    male_factor[:] = ((1.0 - women) / (1.0 - female_share) if female_share < 1
                      else np.zeros_like(women))
    gain = np.minimum(1.0, trust_gain_base * forces_participation * (1.0 + women_effect * women))
    recent = 1.0 - exp_minus_abuse
    trust_gain[:] = np.clip(gain * (1.0 - after_abuse * recent), -1.0, 1.0)
    sdf_trust += sdf_gain * forces_participation * np.minimum(sessions, 1) * (1.0 - sdf_trust)


# ---------------------------------------------------------------------- the week, fused
# At 10,000 members the week's sessions were seven calls (the draws, the sessions, the
# negated abuse memory, its exp, participation, the members), each with NumPy's or Numba's
# fixed cost on a few thousand cells. Now: ``sessions_week`` (the draws inside), NumPy's exp,
# and ``dialogue_week``, participation and members cell by cell (both per-cell computations,
# so the bits are those of the separate calls, which are their twins).


@njit(cache=True)
def sessions_week(running, per_week, womens_sessions, key, step, reach, abuse_memory,
                  sessions, reached, minus_abuse):
    """Sessions held this week (:func:`sessions_held_numpy`), drawn ``uniform(key, step, c, 0)``.

    Also writes minus the abuse memory, for NumPy's exp.

    Args:
        running, per_week, womens_sessions, reach, sessions, reached: as in
            :func:`sessions_held_numpy`.
        key: Stream key of the sessions; step: model step.
        abuse_memory: float64 [n_cells], recent abuses by the forces in the cell.
        minus_abuse: float64 [n_cells], out: ``-abuse_memory`` (for NumPy's exp).
    """
    for c in range(len(running)):
        rate = (per_week if running[c] else 0.0) + womens_sessions[c]
        whole = np.floor(rate)
        extra = 1.0 if uniform(key, step, c, 0) < rate - whole else 0.0
        sessions[c] = np.int64(whole + extra)
        reached[c] = sessions[c] * reach
        minus_abuse[c] = -abuse_memory[c]


def sessions_week_numpy(running, per_week, womens_sessions, key, step, reach, abuse_memory,
                        sessions, reached, minus_abuse):
    """NumPy twin of :func:`sessions_week`."""
    draws = uniform_numpy(key, step, np.arange(len(running)), 0)
    sessions_held_numpy(running, per_week, womens_sessions, draws, reach, sessions, reached)
    minus_abuse[:] = -abuse_memory


@cell_kernel
def dialogue_week(offsets, traits, trust, cohesion, harm_memory, reached, people, sessions,
                  exp_minus_abuse, womens_boost, women_participation, female_share,
                  trust_gain_base, forces_participation, women_effect, after_abuse, sdf_gain,
                  youth_factor, elder_factor, cohesion_gain, voice, eps, mu, key, step,
                  sdf_trust, participants):
    """:func:`participation` then :func:`dialogue_step`, cell by cell.

    Args:
        offsets, traits, trust, cohesion, harm_memory: as in :func:`dialogue_step`.
        reached, people, sessions, exp_minus_abuse, womens_boost, women_participation,
            female_share, trust_gain_base, forces_participation, women_effect, after_abuse,
            sdf_gain: as in :func:`participation`.
        youth_factor, elder_factor: Reach factors of young and older members (floats).
        cohesion_gain, voice, eps, mu, key, step: as in :func:`dialogue_step`.
        sdf_trust: float64 [n_cells], raised in place (:func:`participation`).
        participants: int64 [n_cells], written: members reached.
    """
    n_cells = len(offsets) - 1
    for c in prange(n_cells):
        p_reach, female_factor, male_factor, tg = _participation_cell(
            c, reached, people, sessions, exp_minus_abuse, womens_boost, women_participation,
            female_share, trust_gain_base, forces_participation, women_effect, after_abuse,
            sdf_gain, sdf_trust)
        participants[c] = 0
        if p_reach <= 0.0:
            continue
        participants[c] = _dialogue_members(
            traits, trust, cohesion, harm_memory, offsets[c], offsets[c + 1], p_reach,
            female_factor, male_factor, youth_factor, elder_factor, tg, cohesion_gain, voice,
            eps, mu, key, step)


def dialogue_week_numpy(offsets, traits, trust, cohesion, harm_memory, reached, people,
                        sessions, exp_minus_abuse, womens_boost, women_participation,
                        female_share, trust_gain_base, forces_participation, women_effect,
                        after_abuse, sdf_gain, youth_factor, elder_factor, cohesion_gain, voice,
                        eps, mu, key, step, sdf_trust, participants):
    """NumPy twin of :func:`dialogue_week`: the two calls it replaced."""
    n = len(reached)
    p_reach, female_f, male_f, trust_gain = (np.empty(n) for _ in range(4))
    participation_numpy(reached, people, sessions, exp_minus_abuse, womens_boost,
                        women_participation, female_share, trust_gain_base,
                        forces_participation, women_effect, after_abuse, sdf_gain, p_reach,
                        female_f, male_f, trust_gain, sdf_trust)
    dialogue_step_numpy(offsets, traits, trust, cohesion, harm_memory, p_reach, female_f,
                        male_f, np.full(n, youth_factor), np.full(n, elder_factor),
                        trust_gain, cohesion_gain, voice, eps, mu, key, step, participants)
