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
from numba import njit, prange

from peacesim.kernels.cells import neighbour_sum_numpy
from peacesim.kernels.dispatch import cell_kernel
from peacesim.kernels.influence import (
    _check_deffuant,
    _deffuant_encounters,
    deffuant_in_groups_numpy,
)
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
        hf, hv, hb = _trust_members(
            trust, exposure, offsets[c], offsets[c + 1], p_good[c], p_harm_forces[c],
            p_harm_violence[c], p_hear_bad[c], p_hear_good[c], hear_loss[c],
            fail_loss * unprotected[c], reputation[c], nbr_mean[c], gain, loss, hear_gain,
            drift, nbr_eps, nbr_mu, key_good, key_harm_forces, key_harm_violence, key_hear,
            step)
        harmed_forces[c] = hf
        harmed_violence[c] = hv
        heard_bad[c] = hb


@njit(cache=True, inline="always")
def _trust_members(trust, exposure, lo, hi, pp, pf, pv, pb, pg, hl, lose_fail, base, m, gain,
                   loss, hear_gain, drift, nbr_eps, nbr_mu, key_good, key_harm_forces,
                   key_harm_violence, key_hear, step):
    """The member update of :func:`trust_step` for rows ``lo .. hi - 1`` of one cell.

    A draw is compared with its probability only where that probability is positive: the
    draws are in [0, 1), so below a probability <= 0 none succeeds, and skipping the hash
    changes nothing but the time (most cells have no unit near and no violence).

    Returns:
        (harmed by the forces, harmed by violence, heard bad news), members of the cell.
    """
    hf = 0
    hv = 0
    hb = 0
    for i in range(lo, hi):
        x = np.float64(trust[i])
        if pp > 0.0 and uniform(key_good, step, i, 0) < pp:
            x += gain * (1.0 - x)
        p_harm = pf * exposure[i]
        if p_harm > 0.0 and uniform(key_harm_forces, step, i, 0) < p_harm:
            x -= loss * x
            hf += 1
        if pv > 0.0 and uniform(key_harm_violence, step, i, 0) < pv:
            x -= lose_fail * x
            hv += 1
        if pb > 0.0 and uniform(key_hear, step, i, 0) < pb:
            x -= hl * x
            hb += 1
        if pg > 0.0 and uniform(key_hear, step, i, 1) < pg:
            x += hear_gain * (1.0 - x)
        x += drift * (base - x)
        d = m - x
        if abs(d) < nbr_eps:
            x += nbr_mu * d
        trust[i] = np.float32(min(1.0, max(0.0, x)))
    return hf, hv, hb


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


# ---------------------------------------------------------------------- news and reputation
# The cell-level part of the weekly trust update: a few thousand cells, a few dozen
# operations each. One compiled loop instead of some thirty NumPy calls over the cells (at
# 10,000 members NumPy's per-call cost, not the arithmetic, was most of the trust update).
# The exponential stays in NumPy (its compiled ``exp`` differs from NumPy's in the last bit),
# so the loops stop where ``exp`` is needed: news_exposure, then np.exp, then reputation_step.
# The NumPy twins are the operations as the mechanism wrote them before; tests check the
# compiled loops give their bits.


@njit(cache=True)
def news_exposure(region, people, region_people, p_harm_forces, abuse_victims, p_protect,
                  bad, good, news_decay, abuse_reach, harm_reach, protect_reach, news_local,
                  minus_bad, minus_good):
    """Stories of the week told in each cell, and minus the stories each member hears.

    Args:
        region: int [n_cells], region of each cell.
        people: float64 [n_cells], adults represented.
        region_people: float64 [n_regions], adults per region.
        p_harm_forces: float64 [n_cells], weekly probability of harm by the forces.
        abuse_victims: float64 [n_cells], victims of abuses this week.
        p_protect: float64 [n_cells], weekly probability of being protected.
        bad, good: float64 [n_cells], stories of harm and of protection in circulation,
            updated in place: ``decay * old + reach * events``.
        news_decay, abuse_reach, harm_reach, protect_reach: Trust parameters (hearings per
            victim or protected person, weekly survival of a story).
        news_local: Share of a member's hearing from the own cell (the rest: the region).
        minus_bad, minus_good: float64 [n_cells], out: minus the expected stories heard per
            member (the Poisson exponent; ``1 - exp(minus)`` is the probability of hearing).
    """
    n_regions = len(region_people)
    bad_region = np.zeros(n_regions)
    good_region = np.zeros(n_regions)
    for c in range(len(region)):
        harmed = p_harm_forces[c] * people[c]
        abused = min(abuse_victims[c], harmed)
        bad[c] = news_decay * bad[c] + abuse_reach * abused + harm_reach * (harmed - abused)
        good[c] = news_decay * good[c] + protect_reach * p_protect[c] * people[c]
        bad_region[region[c]] += bad[c]
        good_region[region[c]] += good[c]
    for r in range(n_regions):
        bad_region[r] = bad_region[r] / max(region_people[r], 1.0)
        good_region[r] = good_region[r] / max(region_people[r], 1.0)
    for c in range(len(region)):
        per = max(people[c], 1.0)
        minus_bad[c] = -(news_local * bad[c] / per + (1.0 - news_local) * bad_region[region[c]])
        minus_good[c] = -(news_local * good[c] / per
                          + (1.0 - news_local) * good_region[region[c]])


def news_exposure_numpy(region, people, region_people, p_harm_forces, abuse_victims, p_protect,
                        bad, good, news_decay, abuse_reach, harm_reach, protect_reach,
                        news_local, minus_bad, minus_good):
    """NumPy twin of :func:`news_exposure`."""
    n_regions = len(region_people)
    harmed = p_harm_forces * people
    abused = np.minimum(abuse_victims, harmed)
    bad[:] = news_decay * bad + abuse_reach * abused + harm_reach * (harmed - abused)
    good[:] = news_decay * good + protect_reach * p_protect * people
    per = np.maximum(people, 1.0)
    for stories, out in ((bad, minus_bad), (good, minus_good)):
        per_region = (np.bincount(region, weights=stories, minlength=n_regions)
                      / np.maximum(region_people, 1.0))
        out[:] = -(news_local * stories / per + (1.0 - news_local) * per_region[region])


@njit(cache=True)
def reputation_step(exp_bad, exp_good, p_protect, p_contact, p_harm_forces, accountability,
                    units_near, survey, memory, hearsay_weight, negative_weight, prior,
                    hear_loss_base, accountability_repair, good_acts, bad_acts, reputation,
                    p_hear_bad, p_hear_good, p_good, unprotected, hear_loss):
    """The forces' beta reputation per cell, and the inputs of the members' trust update.

    Args:
        exp_bad, exp_good: float64 [n_cells], ``exp(minus_bad)``, ``exp(minus_good)`` of
            :func:`news_exposure`.
        p_protect, p_contact, p_harm_forces, accountability, units_near: float64 [n_cells].
        survey: float64 [n_cells], the survey level of trust (the reputation's prior).
        memory, hearsay_weight, negative_weight, prior: Reputation parameters.
        hear_loss_base, accountability_repair: Trust parameters (``hear_loss``,
            ``accountability_repair``).
        good_acts, bad_acts: float64 [n_cells], remembered good and (weighted) harmful acts,
            updated in place.
        reputation: float64 [n_cells], out: ``(prior * survey + good) / (prior + good + bad)``.
        p_hear_bad, p_hear_good: out, probability of hearing of harm / of a protection.
        p_good: out, probability of a good experience (protection or a respectful contact).
        unprotected: out, ``1 / (1 + units_near)``.
        hear_loss: out, trust lost on hearing of harm, less where the forces are held to
            account.
    """
    for c in range(len(exp_bad)):
        (p_hear_bad[c], p_hear_good[c], p_good[c], good_acts[c], bad_acts[c], reputation[c],
         unprotected[c], hear_loss[c]) = _reputation_cell(
            exp_bad[c], exp_good[c], p_protect[c], p_contact[c], p_harm_forces[c],
            accountability[c], units_near[c], survey[c], good_acts[c], bad_acts[c], memory,
            hearsay_weight, negative_weight, prior, hear_loss_base, accountability_repair)


@njit(cache=True, inline="always")
def _reputation_cell(exp_bad, exp_good, p_protect, p_contact, p_harm_forces, accountability,
                     units_near, survey, good_acts, bad_acts, memory, hearsay_weight,
                     negative_weight, prior, hear_loss_base, accountability_repair):
    """One cell of :func:`reputation_step`, from and to numbers.

    Numbers in and out: a first version that took the arrays and wrote into them compiled
    to a loop three times slower than the one it replaced (28 against 10 us on 1,687
    cells); this one takes 6 us.

    Returns:
        (p_hear_bad, p_hear_good, p_good, good_acts, bad_acts, reputation, unprotected,
        hear_loss) of the cell.
    """
    hb = 1.0 - exp_bad
    hg = 1.0 - exp_good
    lived_good = 1.0 - (1.0 - p_protect) * (1.0 - p_contact)
    good = memory * good_acts + lived_good + hearsay_weight * hg
    bad = memory * bad_acts + negative_weight * (p_harm_forces + hearsay_weight * hb)
    return (hb, hg, lived_good, good, bad, (prior * survey + good) / (prior + good + bad),
            1.0 / (1.0 + units_near),
            hear_loss_base * (1.0 - accountability_repair * accountability))


def reputation_step_numpy(exp_bad, exp_good, p_protect, p_contact, p_harm_forces,
                          accountability, units_near, survey, memory, hearsay_weight,
                          negative_weight, prior, hear_loss_base, accountability_repair,
                          good_acts, bad_acts, reputation, p_hear_bad, p_hear_good, p_good,
                          unprotected, hear_loss):
    """NumPy twin of :func:`reputation_step`."""
    p_hear_bad[:] = 1.0 - exp_bad
    p_hear_good[:] = 1.0 - exp_good
    p_good[:] = 1.0 - (1.0 - p_protect) * (1.0 - p_contact)
    good_acts[:] = memory * good_acts + p_good + hearsay_weight * p_hear_good
    bad_acts[:] = memory * bad_acts + negative_weight * (p_harm_forces
                                                         + hearsay_weight * p_hear_bad)
    reputation[:] = (prior * survey + good_acts) / (prior + good_acts + bad_acts)
    unprotected[:] = 1.0 / (1.0 + units_near)
    hear_loss[:] = hear_loss_base * (1.0 - accountability_repair * accountability)


# ---------------------------------------------------------------------- the week, fused
# At 10,000 members the weekly update was a dozen calls (the reputation loop, two neighbour
# sums, the neighbours' mean, the member kernel, the encounters and their counts), each
# paying NumPy's or Numba's fixed cost on a few thousand cells. ``trust_week`` does them in
# one pass over the cells: every part is a per-cell computation, so doing cell by cell what
# the calls did array by array gives the same bits. Its twin is the sequence of those calls.


@cell_kernel
def trust_week(offsets, trust, exposure, exp_bad, exp_good, p_protect, p_contact,
               p_harm_forces, p_harm_violence, accountability, units_near, survey,
               nbr_offsets, nbr_targets, trust_sum, members, memory, hearsay_weight,
               negative_weight, prior, hear_loss_base, accountability_repair, gain, loss,
               fail_loss, hear_gain, drift, nbr_eps, nbr_mu, encounters, eps, mu, key_good,
               key_harm_forces, key_harm_violence, key_hear, key_encounters, step, good_acts,
               bad_acts, reputation, p_hear_bad, p_hear_good, harmed_forces, harmed_violence,
               heard_bad):
    """The week's trust update after the news: reputation, members, conversations.

    Per cell, in this order: :func:`reputation_step` (the reputation and the cell inputs of
    the members' update), the neighbours' mean trust (``trust_sum`` over ``members`` of the
    neighbouring cells, NaN if they have none: :func:`peacesim.kernels.cells.neighbour_sum`),
    :func:`trust_step` for its members, then its members' everyday conversations,
    ``floor(encounters * members / 2 + 0.5)`` Deffuant encounters
    (:func:`peacesim.kernels.influence.deffuant_in_groups`, group = cell). Cells without
    members skip the last three (nothing to update; their counts are 0).

    Args:
        offsets: int64 [n_cells + 1], rows of each cell.
        trust: float32 [n], trust in the forces in [0, 1] (updated in place).
        exposure: float32 [n], each member's weight of exposure to the forces' harm.
        exp_bad, exp_good: float64 [n_cells], ``exp`` of :func:`news_exposure`'s outputs.
        p_protect, p_contact, p_harm_forces, p_harm_violence: float64 [n_cells], weekly
            probabilities.
        accountability, units_near, survey: float64 [n_cells] (see :func:`reputation_step`).
        nbr_offsets, nbr_targets: int64, the cells' neighbours (CSR).
        trust_sum, members: [n_cells], trust summed over the members not recruited, and
            their number (the census).
        memory, hearsay_weight, negative_weight, prior, hear_loss_base,
            accountability_repair: reputation parameters (see :func:`reputation_step`).
        gain, loss, fail_loss, hear_gain, drift, nbr_eps, nbr_mu: rates of :func:`trust_step`.
        encounters: Conversations per member per week.
        eps, mu: Deffuant's confidence bound and convergence rate (0 <= mu <= 0.5).
        key_good, key_harm_forces, key_harm_violence, key_hear: stream keys of
            :func:`trust_step`.
        key_encounters: Stream key of the conversations.
        step: Model step.
        good_acts, bad_acts: float64 [n_cells], remembered acts (updated in place).
        reputation, p_hear_bad, p_hear_good: float64 [n_cells], written.
        harmed_forces, harmed_violence, heard_bad: int64 [n_cells], written.

    Raises:
        ValueError: If ``eps < 0`` or ``mu`` is outside [0, 0.5].
    """
    _check_deffuant(eps, mu)
    n_cells = len(offsets) - 1
    for c in prange(n_cells):
        hear_bad, hear_good, pp, good, bad, rep, unprotected, hl = _reputation_cell(
            exp_bad[c], exp_good[c], p_protect[c], p_contact[c], p_harm_forces[c],
            accountability[c], units_near[c], survey[c], good_acts[c], bad_acts[c], memory,
            hearsay_weight, negative_weight, prior, hear_loss_base, accountability_repair)
        p_hear_bad[c] = hear_bad
        p_hear_good[c] = hear_good
        good_acts[c] = good
        bad_acts[c] = bad
        reputation[c] = rep
        lo = offsets[c]
        hi = offsets[c + 1]
        hf = 0
        hv = 0
        hb = 0
        if hi > lo:
            nbr_trust = 0.0
            nbr_members = 0.0
            for k in range(nbr_offsets[c], nbr_offsets[c + 1]):
                nbr_trust += trust_sum[nbr_targets[k]]
                nbr_members += members[nbr_targets[k]]
            m = nbr_trust / nbr_members if nbr_members > 0 else np.nan
            hf, hv, hb = _trust_members(
                trust, exposure, lo, hi, pp, p_harm_forces[c], p_harm_violence[c],
                hear_bad, hear_good, hl, fail_loss * unprotected, rep, m,
                gain, loss, hear_gain, drift, nbr_eps, nbr_mu, key_good, key_harm_forces,
                key_harm_violence, key_hear, step)
            pairs = np.int64(np.floor(encounters * np.float64(hi - lo) / 2.0 + 0.5))
            _deffuant_encounters(trust, lo, hi - lo, pairs, eps, mu, key_encounters, step, c)
        harmed_forces[c] = hf
        harmed_violence[c] = hv
        heard_bad[c] = hb


def trust_week_numpy(offsets, trust, exposure, exp_bad, exp_good, p_protect, p_contact,
                     p_harm_forces, p_harm_violence, accountability, units_near, survey,
                     nbr_offsets, nbr_targets, trust_sum, members, memory, hearsay_weight,
                     negative_weight, prior, hear_loss_base, accountability_repair, gain, loss,
                     fail_loss, hear_gain, drift, nbr_eps, nbr_mu, encounters, eps, mu,
                     key_good, key_harm_forces, key_harm_violence, key_hear, key_encounters,
                     step, good_acts, bad_acts, reputation, p_hear_bad, p_hear_good,
                     harmed_forces, harmed_violence, heard_bad):
    """NumPy twin of :func:`trust_week`: the calls it replaced, in their order."""
    n_cells = len(offsets) - 1
    p_good, unprotected, hear_loss = np.empty(n_cells), np.empty(n_cells), np.empty(n_cells)
    reputation_step_numpy(exp_bad, exp_good, p_protect, p_contact, p_harm_forces,
                          accountability, units_near, survey, memory, hearsay_weight,
                          negative_weight, prior, hear_loss_base, accountability_repair,
                          good_acts, bad_acts, reputation, p_hear_bad, p_hear_good, p_good,
                          unprotected, hear_loss)
    nbr_trust, nbr_members = np.empty(n_cells), np.empty(n_cells)
    neighbour_sum_numpy(nbr_offsets, nbr_targets, trust_sum, nbr_trust)
    neighbour_sum_numpy(nbr_offsets, nbr_targets, members.astype(np.float64), nbr_members)
    with np.errstate(invalid="ignore", divide="ignore"):
        nbr_mean = np.where(nbr_members > 0, nbr_trust / nbr_members, np.nan)
    trust_step_numpy(offsets, trust, p_good, p_harm_forces, exposure, p_harm_violence,
                     unprotected, p_hear_bad, p_hear_good, hear_loss, reputation, nbr_mean,
                     gain, loss, fail_loss, hear_gain, drift, nbr_eps, nbr_mu, key_good,
                     key_harm_forces, key_harm_violence, key_hear, step, harmed_forces,
                     harmed_violence, heard_bad)
    pairs = np.floor(encounters * np.diff(offsets) / 2.0 + 0.5).astype(np.int64)
    deffuant_in_groups_numpy(trust, offsets, pairs, eps, mu, key_encounters, step)
