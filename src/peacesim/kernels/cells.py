"""Kernels over cells: member updates from cell inputs, the census, neighbour and region sums."""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from peacesim.kernels.dispatch import cell_kernel
from peacesim.population import EMPLOYED, SYMPATHISER, YOUTH
from peacesim.random import uniform, uniform_numpy

_NOT_EMPLOYED = np.uint8(255 - EMPLOYED)


@cell_kernel
def employment_step(offsets, traits, status, p_job, key, employed):
    """Set the EMPLOYED bit of young members: employed iff their fixed job draw < p_job[c].

    Each young person has one job draw for the whole run (counter step 0), so raising
    ``p_job`` only ever adds jobs, to the same people in every scenario (common random numbers).
    ``employed`` (int64 [n_cells]) is written with the number of employed young people.
    """
    n_cells = len(offsets) - 1
    for c in prange(n_cells):
        p = p_job[c]
        n = 0
        for i in range(offsets[c], offsets[c + 1]):
            if (traits[i] & YOUTH) and uniform(key, 0, i, 0) < p:
                status[i] |= EMPLOYED
                n += 1
            else:
                status[i] &= _NOT_EMPLOYED
        employed[c] = n


def employment_step_numpy(offsets, traits, status, p_job, key, employed):
    """NumPy twin of :func:`employment_step`."""
    n_cells = len(offsets) - 1
    cell = np.repeat(np.arange(n_cells), np.diff(offsets))
    u = uniform_numpy(key, 0, np.arange(len(status)), 0)
    working = ((traits & YOUTH) != 0) & (u < p_job[cell])
    status[:] = np.where(working, status | EMPLOYED, status & _NOT_EMPLOYED)
    employed[:] = np.bincount(cell[working], minlength=n_cells)


@cell_kernel
def cohesion_step(offsets, cohesion, shock, baseline, drift):
    """Trust between communities: a clash shock then drift to baseline, in place.

    ``z -= shock[c] * z`` then ``z += drift * (baseline[c] - z)``.
    """
    n_cells = len(offsets) - 1
    for c in prange(n_cells):
        s = shock[c]
        b = baseline[c]
        for i in range(offsets[c], offsets[c + 1]):
            z = np.float64(cohesion[i])
            z -= s * z
            z += drift * (b - z)
            cohesion[i] = np.float32(min(1.0, max(0.0, z)))


def cohesion_step_numpy(offsets, cohesion, shock, baseline, drift):
    """NumPy twin of :func:`cohesion_step`."""
    cell = np.repeat(np.arange(len(offsets) - 1), np.diff(offsets))
    z = cohesion.astype(np.float64)
    z = z - shock[cell] * z
    z = z + drift * (baseline[cell] - z)
    cohesion[:] = np.clip(z, 0.0, 1.0).astype(np.float32)


@cell_kernel
def census(offsets, traits, status, affiliation, trust, cohesion, members, trust_sum,
           cohesion_sum, report_sum, youth, youth_recruited, trust_sum_all):
    """Per-cell sums over members, written into the output arrays.

    ``members`` counts members not recruited by an armed group; trust, cohesion and
    ``report_sum`` (trust of non-sympathisers: their willingness to report) are summed over
    them; ``youth`` counts all young members and ``youth_recruited`` the recruited ones;
    ``trust_sum_all`` sums trust over every member, recruited or not.
    """
    n_cells = len(offsets) - 1
    for c in prange(n_cells):
        n = 0
        ts = 0.0
        cs = 0.0
        rs = 0.0
        y = 0
        yr = 0
        ta = 0.0
        for i in range(offsets[c], offsets[c + 1]):
            is_youth = (traits[i] & YOUTH) != 0
            t = np.float64(trust[i])
            ta += t
            if is_youth:
                y += 1
            if affiliation[i] >= 0:
                if is_youth:
                    yr += 1
                continue
            n += 1
            ts += t
            cs += np.float64(cohesion[i])
            if not (status[i] & SYMPATHISER):
                rs += t
        members[c] = n
        trust_sum[c] = ts
        cohesion_sum[c] = cs
        report_sum[c] = rs
        youth[c] = y
        youth_recruited[c] = yr
        trust_sum_all[c] = ta


def census_numpy(offsets, traits, status, affiliation, trust, cohesion, members, trust_sum,
                 cohesion_sum, report_sum, youth, youth_recruited, trust_sum_all):
    """NumPy twin of :func:`census`."""
    n_cells = len(offsets) - 1
    cell = np.repeat(np.arange(n_cells), np.diff(offsets))
    free = affiliation < 0
    is_youth = (traits & YOUTH) != 0
    t = trust.astype(np.float64)
    members[:] = np.bincount(cell[free], minlength=n_cells)
    trust_sum[:] = np.bincount(cell[free], weights=t[free], minlength=n_cells)
    cohesion_sum[:] = np.bincount(cell[free], weights=cohesion[free].astype(np.float64),
                                  minlength=n_cells)
    reporting = free & ((status & SYMPATHISER) == 0)
    report_sum[:] = np.bincount(cell[reporting], weights=t[reporting], minlength=n_cells)
    youth[:] = np.bincount(cell[is_youth], minlength=n_cells)
    youth_recruited[:] = np.bincount(cell[is_youth & ~free], minlength=n_cells)
    trust_sum_all[:] = np.bincount(cell, weights=t, minlength=n_cells)


@njit(cache=True)
def neighbour_sum(nbr_offsets, nbr_targets, values, out):
    """Sum of ``values`` over each cell's neighbours, written into ``out`` (float64).

    Neighbours are in CSR form: those of cell ``c`` are
    ``nbr_targets[nbr_offsets[c]:nbr_offsets[c + 1]]``. Each sum starts from 0.0 and adds in
    that order, as ``np.bincount`` does, so the twin gives the same bits.
    """
    for c in range(len(nbr_offsets) - 1):
        s = 0.0
        for k in range(nbr_offsets[c], nbr_offsets[c + 1]):
            s += values[nbr_targets[k]]
        out[c] = s


def neighbour_sum_numpy(nbr_offsets, nbr_targets, values, out):
    """NumPy twin of :func:`neighbour_sum`."""
    n_cells = len(nbr_offsets) - 1
    source = np.repeat(np.arange(n_cells), np.diff(nbr_offsets))
    out[:] = np.bincount(source, weights=values[nbr_targets], minlength=n_cells)


@njit(cache=True)
def region_sum(by_region, starts, values, out):
    """Sum of per-cell ``values`` within each region, written into ``out`` (float64).

    ``by_region`` lists the cells region by region, each region's cells in increasing index
    order (a stable sort of the cells by region), and region ``r``'s cells are
    ``by_region[starts[r]:starts[r + 1]]``. Each sum therefore adds its cells in index order,
    as ``np.bincount(region, weights=values)`` does, and both give the same bits; the running
    sum stays in a register (the cells' own order is scrambled across regions, see
    :meth:`peacesim.world.World.build`). Values of any numeric dtype are added as float64.
    """
    for r in range(len(starts) - 1):
        s = 0.0
        for i in range(starts[r], starts[r + 1]):
            s += values[by_region[i]]
        out[r] = s


def region_sum_numpy(region, values, out):
    """NumPy twin of :func:`region_sum`, from each cell's region."""
    out[:] = np.bincount(region, weights=values, minlength=len(out))


@njit(cache=True)
def information_week(report_sum, members, armed_near, units_in_cell, local_knowledge,
                     attacks_on_forces, nbr_offsets, nbr_targets, report_rate, unit_bonus, learn,
                     decay, sdf_gain, reporting, info, sdf_trust, attacks_near):
    """Reporting, the forces' knowledge, and the first part of their trust in each cell.

    Args:
        report_sum: float64 [n_cells], summed trust of members who may report.
        members: int64 [n_cells], community members.
        armed_near: float64 [n_cells], fighters in and next to the cell.
        units_in_cell: int64 [n_cells].
        local_knowledge: float64 [n_cells], 1 + the mixed patrols' knowledge of the terrain.
        attacks_on_forces: int64 [n_cells], this week's.
        nbr_offsets, nbr_targets: The cells' neighbours in CSR form.
        report_rate, unit_bonus, learn, decay, sdf_gain: Information parameters.
        reporting: out, share of members reporting (``report_rate * report_sum / members``).
        info: float64 [n_cells], the forces' knowledge, updated in place (0-1).
        sdf_trust: float64 [n_cells], raised where members report to a unit in the cell.
        attacks_near: out, attacks on forces in and next to the cell (events).
    """
    for c in range(len(members)):
        r = report_rate * report_sum[c] / max(members[c], 1)
        reporting[c] = r
        with_units = 1.0 if units_in_cell[c] > 0 else 0.0
        bonus = (1.0 + unit_bonus * with_units) * local_knowledge[c]
        gain = min(1.0, learn * r * bonus) * (1.0 if armed_near[c] > 0 else 0.0)
        x = info[c]
        info[c] = min(max(x * (1.0 - decay) + gain * (1.0 - x), 0.0), 1.0)
        s = sdf_trust[c]
        sdf_trust[c] = s + sdf_gain * r * with_units * (1.0 - s)
        near = 0.0
        for k in range(nbr_offsets[c], nbr_offsets[c + 1]):
            near += attacks_on_forces[nbr_targets[k]]
        attacks_near[c] = attacks_on_forces[c] + near


@njit(cache=True)
def forces_trust_after_attacks(sdf_trust, kept, drift, start):
    """``s = clip(s * kept + drift * (start - s) ..., 0, 1)``: attacks, then the drift back.

    ``kept`` is ``(1 - sdf_attack_loss) ** attacks_near`` (computed in NumPy).
    """
    for c in range(len(sdf_trust)):
        s = sdf_trust[c] * kept[c]
        s = s + drift * (start - s)
        sdf_trust[c] = min(max(s, 0.0), 1.0)


@njit(cache=True)
def justice_week(running, base, access, official_share, official_speed, traditional_speed,
                 official_trust, traditional_trust, sanctions, base_mix, official, traditional,
                 justice, boost, accountability):
    """Justice capacities move toward this week's targets; resolution and accountability.

    Args:
        running: bool [n_cells], where the access-to-justice programme runs.
        base: float64 [n_cells], the region's access without the programme.
        access, official_share, official_speed, traditional_speed, official_trust,
            traditional_trust, sanctions: Justice parameters.
        base_mix: ``official_trust * official_share + traditional_trust * (1 -
            official_share)``: the resolution the base access gives.
        official, traditional: float64 [n_cells], capacities updated in place.
        justice: out, trusted resolution of disputes (0-1).
        boost: out, resolution above the base (what the programme adds).
        accountability: out, sanctions of the forces through official justice.
    """
    for c in range(len(base)):
        added = access * (1.0 - base[c]) if running[c] else 0.0
        target = base[c] + added
        o = official[c]
        o = o + official_speed * (official_share * target - o)
        official[c] = o
        t = traditional[c]
        t = t + traditional_speed * ((1.0 - official_share) * target - t)
        traditional[c] = t
        j = official_trust * o + traditional_trust * t
        justice[c] = j
        boost[c] = max(0.0, j - base_mix * base[c])
        accountability[c] = sanctions * o


@njit(cache=True)
def displacement_week(people, adult_share, p_harm_violence, p_harm_forces, attacks,
                      forces_factor, per_harmed, return_rate, displaced, newly_displaced):
    """People who flee this week's harm and those who return where it was quiet.

    Args:
        people: float64 [n_cells], adults represented.
        adult_share: Adults' share of the population (people of all ages flee).
        p_harm_violence, p_harm_forces: float64 [n_cells], this week's harm probabilities.
        attacks: float64 [n_cells], this week's attacks and clashes (returns need none).
        forces_factor, per_harmed, return_rate: Displacement parameters.
        displaced: float64 [n_cells], people displaced, updated in place (at least 0).
        newly_displaced: out, people who fled this week.
    """
    for c in range(len(people)):
        shown = displaced[c]
        home = max(people[c] / adult_share - shown, 0.0)
        harm = p_harm_violence[c] + forces_factor * p_harm_forces[c]
        new = min(home, per_harmed * harm * home)
        back = return_rate * shown if attacks[c] <= 0 else 0.0
        displaced[c] = max(shown + (new - back), 0.0)
        newly_displaced[c] = new


@njit(cache=True)
def womens_groups_week(group_cell, running, reach_share, sessions_per_week, nbr_offsets,
                       nbr_targets, active, boost, sessions):
    """Which women's groups meet this week, and what they add to each cell.

    Args:
        group_cell: int64 [n_groups], each group's cell.
        running: bool [n_cells], where the programme runs this week.
        reach_share: Participation a group adds to its cell (``reach * participation``).
        sessions_per_week: Dialogue sessions a group adds a week (``sessions_per_year / 52``).
        nbr_offsets, nbr_targets: The cells' neighbours in CSR form.
        active: bool [n_groups], out.
        boost: out, women's extra participation: the cell's (at most 1) plus half its
            neighbours' (at most 1 together), at most 1.
        sessions: out, sessions the groups add per cell.
    """
    here = np.zeros(len(boost))
    sessions[:] = 0.0
    for g in range(len(group_cell)):
        c = group_cell[g]
        active[g] = running[c]
        if running[c]:
            here[c] += reach_share
            sessions[c] += sessions_per_week
    for c in range(len(here)):
        here[c] = min(1.0, here[c])
    for c in range(len(here)):
        s = 0.0
        for k in range(nbr_offsets[c], nbr_offsets[c + 1]):
            s += here[nbr_targets[k]]
        boost[c] = min(1.0, here[c] + 0.5 * min(1.0, s))
