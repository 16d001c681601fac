"""Kernels of the record phase: regional sums of per-cell and per-actor arrays, and results.

The record phase turns per-cell columns into ``[region]`` results: about fifty regional sums
a week, and a few divisions and products of those sums per metric. At 10,000 members a sum
over the 1,687 cells costs about 1 us of arithmetic and 2-4 us of Python and call overhead
(one :meth:`~peacesim.world.World.region_sum` each, measured on the shared 2-core machine),
and each NumPy operation on nine regions about 1 us. So a mechanism takes its sums in one
call: :func:`region_sums4` sums up to four arrays with four running sums side by side
(through :meth:`peacesim.world.World.region_sums`), and the mechanisms with the most
arithmetic have a results kernel (``<mechanism>_results``) that also computes their metrics.

Every sum adds its values one at a time, as float64, in the order ``np.bincount`` (and
:func:`peacesim.kernels.cells.region_sum`) adds them, and every result is computed with the
same operations in the same order as the NumPy formula it replaced, which is kept as its
twin (``<kernel>_numpy``): tests/test_recording_kernels.py compares them bit for bit.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def region_sums4(by_region, starts, count, v0, v1, v2, v3, weight, out):
    """Regional sums of ``count`` (1-4) per-cell arrays, optionally weighted per cell.

    Args:
        by_region: int64 [n_cells], the cells region by region, each region's in increasing
            index order (see :func:`peacesim.kernels.cells.region_sum`).
        starts: int64 [n_regions + 1], region ``r``'s cells are
            ``by_region[starts[r]:starts[r + 1]]``.
        count: How many of ``v0 .. v3`` to sum (the others are not read).
        v0, v1, v2, v3: Per-cell arrays of any numeric or boolean dtype.
        weight: None for plain sums, or float64 [n_cells] multiplying each value (as
            float64) before it is added.
        out: float64 [count or more, n_regions], row ``k`` written with the sums of ``v<k>``:
            the bits of ``np.bincount(region, weights=v<k> * weight)`` (or without
            ``* weight``).
    """
    for r in range(len(starts) - 1):
        lo, hi = starts[r], starts[r + 1]
        if count == 1:
            out[0, r] = _sum1(by_region, lo, hi, v0, weight)
        elif count == 2:
            out[0, r], out[1, r] = _sum2(by_region, lo, hi, v0, v1, weight)
        elif count == 3:
            out[0, r], out[1, r], out[2, r] = _sum3(by_region, lo, hi, v0, v1, v2, weight)
        else:
            out[0, r], out[1, r], out[2, r], out[3, r] = _sum4(by_region, lo, hi, v0, v1, v2,
                                                               v3, weight)


# One running sum per array, side by side, over the cells by_region[lo:hi]: the sums are
# independent chains of additions, so the processor adds them in parallel. ``weight is None``
# is decided when Numba compiles (a plain sum has no multiplication).
@njit(cache=True)
def _sum1(by_region, lo, hi, v0, weight):
    s0 = 0.0
    for i in range(lo, hi):
        c = by_region[i]
        if weight is None:
            s0 += np.float64(v0[c])
        else:
            s0 += np.float64(v0[c]) * weight[c]
    return s0


@njit(cache=True)
def _sum2(by_region, lo, hi, v0, v1, weight):
    s0 = 0.0
    s1 = 0.0
    for i in range(lo, hi):
        c = by_region[i]
        if weight is None:
            s0 += np.float64(v0[c])
            s1 += np.float64(v1[c])
        else:
            w = weight[c]
            s0 += np.float64(v0[c]) * w
            s1 += np.float64(v1[c]) * w
    return s0, s1


@njit(cache=True)
def _sum3(by_region, lo, hi, v0, v1, v2, weight):
    s0 = 0.0
    s1 = 0.0
    s2 = 0.0
    for i in range(lo, hi):
        c = by_region[i]
        if weight is None:
            s0 += np.float64(v0[c])
            s1 += np.float64(v1[c])
            s2 += np.float64(v2[c])
        else:
            w = weight[c]
            s0 += np.float64(v0[c]) * w
            s1 += np.float64(v1[c]) * w
            s2 += np.float64(v2[c]) * w
    return s0, s1, s2


@njit(cache=True)
def _sum4(by_region, lo, hi, v0, v1, v2, v3, weight):
    s0 = 0.0
    s1 = 0.0
    s2 = 0.0
    s3 = 0.0
    for i in range(lo, hi):
        c = by_region[i]
        if weight is None:
            s0 += np.float64(v0[c])
            s1 += np.float64(v1[c])
            s2 += np.float64(v2[c])
            s3 += np.float64(v3[c])
        else:
            w = weight[c]
            s0 += np.float64(v0[c]) * w
            s1 += np.float64(v1[c]) * w
            s2 += np.float64(v2[c]) * w
            s3 += np.float64(v3[c]) * w
    return s0, s1, s2, s3


def region_sums4_numpy(region, count, v0, v1, v2, v3, weight, out):
    """NumPy twin of :func:`region_sums4`, from each cell's region."""
    for k, values in enumerate((v0, v1, v2, v3)[:count]):
        values = values.astype(np.float64)
        out[k] = np.bincount(region, weights=values if weight is None else values * weight,
                             minlength=out.shape[1])


@njit(cache=True)
def add_by_cell_region(cell, cell_region, values, out):
    """Add each actor's value into its cell's region: ``out[cell_region[cell[k]]] += values[k]``.

    Args:
        cell: int [n_actors], each actor's cell (armed groups, women's groups...).
        cell_region: int [n_cells], each cell's region.
        values: [n_actors], any numeric or boolean dtype, added as float64 in actor order.
        out: float64 [n_regions], added to in place.
    """
    for k in range(len(cell)):
        out[cell_region[cell[k]]] += np.float64(values[k])


def add_by_cell_region_numpy(cell, cell_region, values, out):
    """NumPy twin of :func:`add_by_cell_region`."""
    np.add.at(out, cell_region[cell], values.astype(np.float64))


# ------------------------------------------------------------------ a mechanism's results
# The record methods with the most arithmetic take their sums and compute their results in
# one call. Each twin is the NumPy formula the method used before, which the kernel follows
# operation for operation (the results are not NaN: max and min agree with NumPy's).


@njit(cache=True)
def trust_results(by_region, starts, members, everyone, trust_all, trust, heard, reputation,
                  harm_forces, harm_violence, people, region_people, out):
    """Regional results of trust in the forces (:meth:`peacesim.mechanisms.trust.Trust.record`).

    Args:
        by_region, starts: The cells region by region (see :func:`region_sums4`).
        members: int64 [n_cells], members not recruited.
        everyone: int64 [n_cells], all members.
        trust_all, trust: float64 [n_cells], summed trust of all members and of those not
            recruited (members x score 0-1).
        heard: int64 [n_cells], members who heard of abuse this week.
        reputation: float64 [n_cells], the forces' reputation (0-1).
        harm_forces, harm_violence: float64 [n_cells], this week's harm probabilities.
        people: float64 [n_cells], adults represented (people).
        region_people: float64 [n_regions], their regional sums.
        out: float64 [6, n_regions], written: mean trust of everyone and of members not
            recruited, people-weighted reputation, share who heard of abuse, expected people
            harmed by anyone and by the forces.
    """
    for r in range(len(starts) - 1):
        lo, hi = starts[r], starts[r + 1]
        n_members, n_everyone, t_all, t = _sum4(by_region, lo, hi, members, everyone,
                                                trust_all, trust, None)
        n_heard = _sum1(by_region, lo, hi, heard, None)
        rep, by_forces, by_others = _sum3(by_region, lo, hi, reputation, harm_forces,
                                          harm_violence, people)
        n = max(n_everyone, 1.0)
        out[0, r] = t_all / n
        out[1, r] = t / max(n_members, 1.0)
        out[2, r] = rep / max(region_people[r], 1e-300)
        out[3, r] = n_heard / n
        out[4, r] = by_forces + by_others
        out[5, r] = by_forces


def trust_results_numpy(region, members, everyone, trust_all, trust, heard, reputation,
                        harm_forces, harm_violence, people, region_people, out):
    """NumPy twin of :func:`trust_results`: the record method's formula before the kernel."""
    def rs(values):
        return np.bincount(region, weights=values.astype(np.float64), minlength=out.shape[1])
    members, everyone = rs(members), rs(everyone)
    out[0] = rs(trust_all) / np.maximum(everyone, 1)
    out[1] = rs(trust) / np.maximum(members, 1)
    out[2] = rs(reputation * people) / np.maximum(region_people, 1e-300)
    out[3] = rs(heard) / np.maximum(everyone, 1)
    by_forces = rs(harm_forces * people)
    out[4] = by_forces + rs(harm_violence * people)
    out[5] = by_forces


@njit(cache=True)
def armed_group_results(by_region, starts, attacks, on_forces, on_civilians, recruits, youth,
                        recruited, deaths_civilians, deaths_forces, people_per_agent,
                        group_cell, cell_region, strength, out):
    """Regional results of the armed groups (``ArmedGroups.record``).

    Args:
        by_region, starts: The cells region by region (see :func:`region_sums4`).
        attacks: float64 [n_cells], this week's attacks (events).
        on_forces, on_civilians: int64 [n_cells], attacks on the forces and on civilians.
        recruits: int64 [n_cells], members recruited this week.
        youth, recruited: int64 [n_cells], young members and the recruited ones.
        deaths_civilians, deaths_forces: People killed per attack on civilians, on forces.
        people_per_agent: People a member represents.
        group_cell: int [n_groups], each group's cell; ``strength`` its fighters.
        cell_region: int [n_cells], each cell's region.
        out: float64 [8, n_regions], written: attacks, on forces, on civilians, civilians
            killed, attack deaths, new recruits (people), share of young members recruited,
            fighters (the groups' strength added in group order).
    """
    for r in range(len(starts) - 1):
        lo, hi = starts[r], starts[r + 1]
        a, f, c, n_recruits = _sum4(by_region, lo, hi, attacks, on_forces, on_civilians,
                                    recruits, None)
        n_youth, n_recruited = _sum2(by_region, lo, hi, youth, recruited, None)
        killed = c * deaths_civilians
        out[0, r] = a
        out[1, r] = f
        out[2, r] = c
        out[3, r] = killed
        out[4, r] = f * deaths_forces + killed
        out[5, r] = n_recruits * people_per_agent
        out[6, r] = n_recruited / max(n_youth, 1.0)
        out[7, r] = 0.0
    for g in range(len(group_cell)):
        out[7, cell_region[group_cell[g]]] += strength[g]


def armed_group_results_numpy(region, attacks, on_forces, on_civilians, recruits, youth,
                              recruited, deaths_civilians, deaths_forces, people_per_agent,
                              group_cell, cell_region, strength, out):
    """NumPy twin of :func:`armed_group_results`: the record method's formula before it."""
    def rs(values):
        return np.bincount(region, weights=values.astype(np.float64), minlength=out.shape[1])
    out[0], out[1], out[2] = rs(attacks), rs(on_forces), rs(on_civilians)
    out[3] = out[2] * deaths_civilians
    out[4] = out[1] * deaths_forces + out[3]
    out[5] = rs(recruits) * people_per_agent
    out[6] = rs(recruited) / np.maximum(rs(youth), 1)
    fighters = np.zeros(out.shape[1])
    if len(group_cell):
        np.add.at(fighters, cell_region[group_cell], strength)
    out[7] = fighters


@njit(cache=True)
def communal_results(by_region, starts, clashes, members, cohesion_sum, herder_rows,
                     herder_region, cohesion, herders, clash_deaths, out):
    """Regional results of communal tension (``Communal.record``).

    Args:
        by_region, starts: The cells region by region (see :func:`region_sums4`).
        clashes: int64 [n_cells], this week's clashes.
        members: int64 [n_cells], members not recruited.
        cohesion_sum: float64 [n_cells], their summed trust in the other community.
        herder_rows: int [n_herders], the herders' rows; ``herder_region`` their regions.
        cohesion: float32 [n_members], each member's trust in the other community.
        herders: int64 [n_regions], herders per region.
        clash_deaths: People killed per clash.
        out: float64 [5, n_regions], written: clashes, clash deaths, mean cohesion, the
            herders' and the farmers' mean cohesion (0 where there are none).
    """
    n_regions = len(starts) - 1
    herd = np.zeros(n_regions)
    for k in range(len(herder_rows)):
        herd[herder_region[k]] += np.float64(cohesion[herder_rows[k]])
    for r in range(n_regions):
        lo, hi = starts[r], starts[r + 1]
        n_clashes, n_members, total = _sum3(by_region, lo, hi, clashes, members, cohesion_sum,
                                            None)
        n_members = max(n_members, 1.0)
        out[0, r] = n_clashes
        out[1, r] = n_clashes * clash_deaths
        out[2, r] = total / n_members
        n_herd = herders[r]
        out[3, r] = herd[r] / max(n_herd, 1) if n_herd > 0 else 0.0
        n_farm = n_members - n_herd
        out[4, r] = (total - herd[r]) / max(n_farm, 1.0) if n_farm > 0 else 0.0


def communal_results_numpy(region, clashes, members, cohesion_sum, herder_rows, herder_region,
                           cohesion, herders, clash_deaths, out):
    """NumPy twin of :func:`communal_results`: the record method's formula before it."""
    n_regions = out.shape[1]
    def rs(values):
        return np.bincount(region, weights=values.astype(np.float64), minlength=n_regions)
    out[0] = rs(clashes)
    out[1] = out[0] * clash_deaths
    members = np.maximum(rs(members), 1)
    out[2] = rs(cohesion_sum) / members
    herd = np.bincount(herder_region, weights=cohesion[herder_rows], minlength=n_regions)
    farm = rs(cohesion_sum) - herd
    n_farm = members - herders
    out[3] = np.where(herders > 0, herd / np.maximum(herders, 1), 0.0)
    out[4] = np.where(n_farm > 0, farm / np.maximum(n_farm, 1), 0.0)


@njit(cache=True)
def grievance_results(by_region, starts, everyone, sympathisers, grievance_sum, legitimacy,
                      people, region_people, out):
    """Regional results of grievance and support (``Grievance.record``).

    Args:
        by_region, starts: The cells region by region (see :func:`region_sums4`).
        everyone: int64 [n_cells], all members.
        sympathisers: int64 [n_cells], members who support an armed group.
        grievance_sum: float64 [n_cells], summed grievance (members x score 0-1).
        legitimacy: float64 [n_cells], the state's legitimacy (0-1).
        people: float64 [n_cells], adults represented; ``region_people`` their regional sums.
        out: float64 [3, n_regions], written: support (at most 1), mean grievance,
            people-weighted legitimacy.
    """
    for r in range(len(starts) - 1):
        lo, hi = starts[r], starts[r + 1]
        n, n_support, total = _sum3(by_region, lo, hi, everyone, sympathisers, grievance_sum,
                                    None)
        n = max(n, 1.0)
        out[0, r] = min(1.0, n_support / n)
        out[1, r] = total / n
        out[2, r] = _sum1(by_region, lo, hi, legitimacy, people) / region_people[r]


def grievance_results_numpy(region, everyone, sympathisers, grievance_sum, legitimacy, people,
                            region_people, out):
    """NumPy twin of :func:`grievance_results`: the record method's formula before it."""
    def rs(values):
        return np.bincount(region, weights=values.astype(np.float64), minlength=out.shape[1])
    everyone = np.maximum(rs(everyone), 1)
    out[0] = np.minimum(1.0, rs(sympathisers) / everyone)
    out[1] = rs(grievance_sum) / everyone
    out[2] = rs(legitimacy * people) / region_people


@njit(cache=True)
def information_results(by_region, starts, reporting, sdf_trust, info, people, region_people,
                        out):
    """People-weighted regional means of reporting, the forces' trust and their knowledge.

    Args:
        by_region, starts: The cells region by region (see :func:`region_sums4`).
        reporting, sdf_trust, info: float64 [n_cells], shares 0-1.
        people: float64 [n_cells], adults represented; ``region_people`` their regional sums.
        out: float64 [3, n_regions], written (``Information.record``).
    """
    for r in range(len(starts) - 1):
        s0, s1, s2 = _sum3(by_region, starts[r], starts[r + 1], reporting, sdf_trust, info,
                           people)
        n = region_people[r]
        out[0, r] = s0 / n
        out[1, r] = s1 / n
        out[2, r] = s2 / n


def information_results_numpy(region, reporting, sdf_trust, info, people, region_people, out):
    """NumPy twin of :func:`information_results`: the record method's formula before it."""
    for k, values in enumerate((reporting, sdf_trust, info)):
        out[k] = np.bincount(region, weights=values * people,
                             minlength=out.shape[1]) / region_people


@njit(cache=True)
def justice_results(by_region, starts, official, traditional, accountability, people,
                    region_people, out):
    """People-weighted regional means of justice capacity and of the forces' accountability.

    Args:
        by_region, starts: The cells region by region (see :func:`region_sums4`).
        official, traditional: float64 [n_cells], the two justice capacities (0-1); the
            capacity is their sum.
        accountability: float64 [n_cells], sanctions of the forces (0-1).
        people: float64 [n_cells], adults represented; ``region_people`` their regional sums.
        out: float64 [2, n_regions], written (``Justice.record``).
    """
    for r in range(len(starts) - 1):
        capacity = 0.0
        sanctions = 0.0
        for i in range(starts[r], starts[r + 1]):
            c = by_region[i]
            w = people[c]
            capacity += (official[c] + traditional[c]) * w
            sanctions += accountability[c] * w
        out[0, r] = capacity / region_people[r]
        out[1, r] = sanctions / region_people[r]


def justice_results_numpy(region, official, traditional, accountability, people,
                          region_people, out):
    """NumPy twin of :func:`justice_results`: the record method's formula before it."""
    n_regions = out.shape[1]
    capacity = official + traditional
    out[0] = np.bincount(region, weights=capacity * people, minlength=n_regions) / region_people
    out[1] = np.bincount(region, weights=accountability * people,
                         minlength=n_regions) / region_people


@njit(cache=True)
def militia_results(region, strength, attacks, deaths, out):
    """Regional results of the self-defence militias (``Militias.record``).

    Args:
        region: int [n_militias], each militia's region.
        strength: float64 [n_militias], fighters (people).
        attacks: int64 [n_militias], this week's attacks (events).
        deaths: People killed per militia attack.
        out: float64 [3, n_regions], written: fighters, attacks and deaths per region, each
            militia added in table order.
    """
    out[:] = 0.0
    for k in range(len(region)):
        out[0, region[k]] += strength[k]
        out[1, region[k]] += np.float64(attacks[k])
    for r in range(out.shape[1]):
        out[2, r] = out[1, r] * deaths


def militia_results_numpy(region, strength, attacks, deaths, out):
    """NumPy twin of :func:`militia_results`: the record method's formula before it."""
    n = out.shape[1]
    out[0] = np.bincount(region, weights=strength, minlength=n)
    out[1] = np.bincount(region, weights=attacks.astype(np.float64), minlength=n)
    out[2] = out[1] * deaths
