"""Security-side kernels that fuse a mechanism's week into one compiled call.

Each fused kernel is checked bit for bit against the NumPy (or kernel-by-kernel) sequence it
replaced in its mechanism, on random inputs; the draws are checked against
:func:`peacesim.random.uniform`.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import moore_neighbours

from peacesim.kernels import actors
from peacesim.kernels.actors import candidate_cell
from peacesim.kernels.cells import neighbour_sum_numpy
from peacesim.random import Streams, draw_key, uniform, uniform_at, uniform_numpy

STREAMS = Streams(77)
KEY = STREAMS["test.security.a"]
SEEDS = [0, 1, 2]


class Raster:
    """A small raster with holes, two regions, one raster cell split in three sub-cells."""

    def __init__(self, seed: int):
        rng = np.random.default_rng(seed)
        self.rng = rng
        self.n_rows, self.n_cols = 8, 11
        inside = rng.random(self.n_rows * self.n_cols) < 0.8
        inside[[0, 12, 40]] = True
        flat = np.flatnonzero(inside)
        # Raster cell 12 holds three simulated cells (consecutive positions).
        split = int(np.searchsorted(flat, 12))
        raster = np.concatenate([flat[:split], [12, 12], flat[split:]]).astype(np.int64)
        self.n_cells = len(raster)
        self.cell_row = raster // self.n_cols
        self.cell_col = raster % self.n_cols
        self.cell_at = np.full(self.n_rows * self.n_cols, -1, dtype=np.int64)
        self.cell_at[raster[::-1]] = np.arange(self.n_cells)[::-1]
        self.n_sub = np.ones(self.n_cells, dtype=np.int64)
        self.n_sub[split:split + 3] = 3
        self.region = (self.cell_col >= 5).astype(np.int32)
        self.nbr_offsets, self.nbr_targets = moore_neighbours(
            self.cell_row, self.cell_col, self.cell_at, self.n_rows, self.n_cols)
        self.rev = actors.reverse_neighbours(self.nbr_offsets, self.nbr_targets)
        self.people = rng.random(self.n_cells) * 3000.0
        self.people[:3] = [0.0, 0.5, 1.0]

    @property
    def geometry(self):
        """The raster arguments of the actor kernels, in their order."""
        return (self.cell_row, self.cell_col, self.cell_at, self.n_cols, self.n_rows, self.region)


def _neighbour_sum(r: Raster, values) -> np.ndarray:
    out = np.empty(r.n_cells)
    neighbour_sum_numpy(r.nbr_offsets, r.nbr_targets, np.asarray(values, dtype=float), out)
    return out


# ----------------------------------------------------------------------------- draws


@pytest.mark.parametrize("step", [0, 1, 53, 2**20])
def test_draw_key_then_row_is_the_counter_draw(step):
    rows = np.array([0, 1, 2, 419, 10**6, 2**40], dtype=np.int64)
    for draw in (0, 1, 7, 1002):
        k = draw_key(KEY, step, draw)
        got = np.array([uniform_at(np.uint64(k), int(i)) for i in rows])
        assert np.array_equal(got, uniform_numpy(KEY, step, rows, draw))


# ----------------------------------------------------------------------------- patrol


def _deploy_reference(unit_cell, active, score, crowding, radius, n_candidates, cell_row,
                      cell_col, cell_at, n_cols, n_rows, region, key, step, units_in_cell, home,
                      home_pull, cross, n_sub):
    """The movement rule written with :func:`candidate_cell` and :func:`uniform`, per draw."""
    units_in_cell[:] = 0
    for u in range(len(unit_cell)):
        if not active[u]:
            continue
        here = unit_cell[u]
        best = here
        best_score = (score[here] - crowding[here] * units_in_cell[here]
                      + 0.05 * uniform(key, step, u, 0) - home_pull * (region[here] != home[u]))
        for k in range(n_candidates):
            c = candidate_cell(here, radius, 2 + 3 * k, cell_row, cell_col, cell_at, n_cols,
                               n_rows, region, key, step, u, cross, n_sub)
            if c < 0:
                continue
            s = (score[c] - crowding[c] * units_in_cell[c] + 0.05 * uniform(key, step, u, 4 + 3 * k)
                 - home_pull * (region[c] != home[u]))
            if s > best_score:
                best, best_score = c, s
        unit_cell[u] = best
        units_in_cell[best] += 1


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("cross, n_candidates, radius", [(False, 6, 2), (True, 6, 2),
                                                         (True, 3, 1), (False, 0, 2)])
@pytest.mark.parametrize("raster_dtype", [np.int64, np.int32])
def test_deploy_units_draws_the_candidates_of_candidate_cell(seed, cross, n_candidates, radius,
                                                             raster_dtype):
    r = Raster(seed)
    # Patrol passes the raster as int32 (half the cache lines); the moves are the same.
    row, col, cell_at, n_cols, n_rows, region = r.geometry
    small = (row.astype(raster_dtype), col.astype(raster_dtype), cell_at.astype(raster_dtype),
             n_cols, n_rows, region)
    n_sub = r.n_sub.astype(raster_dtype)
    n_units = 40
    cell = r.rng.integers(0, r.n_cells, n_units).astype(np.int64)
    active = r.rng.random(n_units) < 0.85
    home = r.region[cell].astype(np.int64)
    a, b = cell.copy(), cell.copy()
    ua, ub = np.zeros(r.n_cells, dtype=np.int64), np.zeros(r.n_cells, dtype=np.int64)
    moved = 0
    for step in range(8):
        score = r.rng.random(r.n_cells)
        crowding = r.rng.random(r.n_cells)
        before = a.copy()
        actors.deploy_units(a, active, score, crowding, radius, n_candidates, *small, KEY,
                            step, ua, home, 0.5, cross, n_sub)
        _deploy_reference(b, active, score, crowding, radius, n_candidates, *r.geometry, KEY,
                          step, ub, home, 0.5, cross, r.n_sub)
        assert np.array_equal(a, b) and np.array_equal(ua, ub)
        moved += np.sum(a != before)
    assert (moved > 0) == (n_candidates > 0)


def _units(r: Raster, n_units: int = 40):
    rng = r.rng
    return dict(cell=rng.integers(0, r.n_cells, n_units).astype(np.int64),
                active=rng.random(n_units) < 0.85,
                designation=rng.random(n_units),
                kind=np.zeros(n_units, dtype=np.int64), accuracy=np.zeros(n_units),
                conduct=np.zeros(n_units), deterrence=np.zeros(n_units),
                attacked_at=rng.integers(-5, 5, n_units).astype(np.int64))


def _deploy_inputs(r: Raster):
    rng = r.rng
    return dict(memory=rng.random(r.n_cells) * 2.0, info=rng.random(r.n_cells),
                armed_near=np.where(rng.random(r.n_cells) < 0.4, rng.random(r.n_cells) * 50, 0.0),
                crowding=rng.random(r.n_cells), un_cells=rng.random(r.n_cells) < 0.6,
                moc_cells=rng.random(r.n_cells) < 0.5, local=np.zeros(r.n_cells),
                units_in_cell=np.zeros(r.n_cells, dtype=np.int64),
                units_near=np.zeros(r.n_cells), deterrence=np.zeros(r.n_cells))


BY_KIND = (np.array([0.7, 0.75, 0.85]), np.array([0.7, 0.8, 0.9]), np.array([0.2, 0.0, 0.6]))


def _deploy_numpy(r, u, d, step):
    """Patrol.deploy as it was: NumPy for the cells, one kernel per part."""
    d["memory"] *= 0.8
    score = d["info"] * (d["armed_near"] > 0) + d["memory"]
    actors.deploy_units(u["cell"], u["active"], score, d["crowding"], 2, 6, *r.geometry, KEY,
                        step, d["units_in_cell"], r.region[u["cell"]].astype(np.int64), 2.0,
                        True, r.n_sub)
    actors.unit_kinds(u["designation"], u["cell"], 0.2, 0.3, d["un_cells"], d["moc_cells"],
                      *BY_KIND, 0.5, u["kind"], u["accuracy"], u["conduct"], u["deterrence"],
                      d["local"])
    inside = d["units_in_cell"].astype(np.float64)
    d["units_near"][:] = inside + 0.5 * _neighbour_sum(r, inside)
    gets_through = np.ones(r.n_cells)
    np.multiply.at(gets_through, u["cell"][u["active"]], 1.0 - u["deterrence"][u["active"]])
    d["deterrence"][:] = 1.0 - gets_through


def _deploy_fused(r, u, d, step):
    actors.deploy_week(d["memory"], 0.8, d["info"], d["armed_near"], u["cell"], u["active"],
                       d["crowding"], 2, 6, *r.geometry, KEY, step, d["units_in_cell"],
                       r.region[u["cell"]].astype(np.int64), 2.0, True, r.n_sub,
                       u["designation"], 0.2, 0.3, d["un_cells"], d["moc_cells"], *BY_KIND, 0.5,
                       u["kind"], u["accuracy"], u["conduct"], u["deterrence"], d["local"],
                       *r.rev, d["units_near"], d["deterrence"])


def _same(x: dict, y: dict) -> None:
    for name in x:
        assert np.array_equal(x[name], y[name]), name


@pytest.mark.parametrize("seed", SEEDS)
def test_deploy_week_equals_the_steps_it_fuses(seed):
    r = Raster(seed)
    u, d = _units(r), _deploy_inputs(r)
    u2 = {k: v.copy() for k, v in u.items()}
    d2 = {k: v.copy() for k, v in d.items()}
    for step in range(5):
        _deploy_numpy(r, u, d, step)
        _deploy_fused(r, u2, d2, step)
        _same(u, u2)
        _same(d, d2)
    assert np.any(d["deterrence"] > 0) and np.any(u["kind"] == 1) and np.any(u["kind"] == 2)


def test_reverse_neighbours_is_the_transpose():
    r = Raster(4)
    # An asymmetric list too: drop every third neighbour.
    keep = np.arange(len(r.nbr_targets)) % 3 != 0
    source = np.repeat(np.arange(r.n_cells), np.diff(r.nbr_offsets))
    for src, tgt in ((source, r.nbr_targets), (source[keep], r.nbr_targets[keep])):
        offsets = np.concatenate([[0], np.cumsum(np.bincount(src, minlength=r.n_cells))])
        offsets, sources = actors.reverse_neighbours(offsets.astype(np.int64), tgt)
        pairs = {(int(m), int(c)) for m, c in zip(src, tgt, strict=True)}
        got = {(int(sources[k]), c) for c in range(r.n_cells)
               for k in range(offsets[c], offsets[c + 1])}
        assert got == pairs and len(sources) == len(tgt)
        for c in range(r.n_cells):
            assert np.all(np.diff(sources[offsets[c]:offsets[c + 1]]) > 0)


@pytest.mark.parametrize("seed", SEEDS)
def test_near_units_is_the_cell_plus_half_its_neighbours(seed):
    r = Raster(seed)
    for high in (2, 5, 60):
        units = r.rng.integers(0, high, r.n_cells).astype(np.int64)
        units[r.rng.random(r.n_cells) < 0.6] = 0
        out = np.full(r.n_cells, np.nan)
        actors.near_units(units, *r.rev, out)
        inside = units.astype(np.float64)
        assert np.array_equal(out, inside + 0.5 * _neighbour_sum(r, inside))


def _operations_inputs(r: Raster, n_groups: int = 6):
    rng = r.rng
    group_at_cell = np.where(rng.random(r.n_cells) < 0.5, rng.integers(0, n_groups, r.n_cells),
                             -1).astype(np.int64)
    return dict(forces_attacked=rng.random(r.n_cells) < 0.3, group_at_cell=group_at_cell,
                strength=rng.random(n_groups) * 300.0, info=rng.random(r.n_cells),
                engagements=np.zeros(r.n_cells, dtype=np.int64),
                successes=np.zeros(r.n_cells, dtype=np.int64),
                attacks_on_forces=rng.integers(0, 3, r.n_cells).astype(np.int64),
                p_harm_forces=rng.random(r.n_cells) * 0.9, p_protect=rng.random(r.n_cells) * 0.9,
                attack_memory=rng.random(r.n_cells))


OPS = (0.9, 0.9, 0.15, 0.5, 4, 0.3, 500.0, 3000.0, 0.04)  # effectiveness ... loss_fraction


@pytest.mark.parametrize("seed", SEEDS)
def test_operations_week_equals_the_steps_it_fuses(seed):
    r = Raster(seed)
    u = _units(r)
    u["accuracy"][:] = r.rng.random(len(u["cell"]))
    c = _operations_inputs(r)
    u2 = {k: v.copy() for k, v in u.items()}
    c2 = {k: v.copy() for k, v in c.items()}
    for step in range(4):
        # Patrol.operate as it was.
        u["attacked_at"][c["forces_attacked"][u["cell"]]] = step
        harm, protect = np.empty(r.n_cells), np.empty(r.n_cells)
        actors.operations(u["cell"], u["active"], u["accuracy"], u["attacked_at"],
                          c["group_at_cell"], c["strength"], c["info"], r.people, *OPS, KEY,
                          step, harm, protect, c["engagements"], c["successes"])
        c["p_harm_forces"][:] = np.minimum(1.0, c["p_harm_forces"] + harm)
        c["p_protect"][:] = np.minimum(1.0, c["p_protect"] + protect)
        c["attack_memory"] += c["attacks_on_forces"]
        actors.operations_week(c2["forces_attacked"], u2["cell"], u2["active"], u2["accuracy"],
                               u2["attacked_at"], c2["group_at_cell"], c2["strength"],
                               c2["info"], r.people, *OPS, KEY, step, c2["engagements"],
                               c2["successes"], c2["attacks_on_forces"], c2["p_harm_forces"],
                               c2["p_protect"], c2["attack_memory"])
        _same(u, u2)
        _same(c, c2)
    assert c["engagements"].sum() > 0 and c["successes"].sum() > 0


# ----------------------------------------------------------------------------- armed groups


@pytest.mark.parametrize("seed", SEEDS)
def test_by_strength_is_the_stable_argsort(seed):
    rng = np.random.default_rng(seed)
    for n in (0, 1, 2, 7, 30, 64):
        strength = rng.integers(0, 5, n) * 25.0  # many ties
        strength[: n // 3] = rng.random(n // 3) * 100.0
        strength[rng.random(n) < 0.2] = 0.0
        assert np.array_equal(actors.by_strength(strength),
                              np.argsort(-strength, kind="stable"))


def _groups(r: Raster, n_groups: int = 14):
    rng = r.rng
    strength = rng.random(n_groups) * 300.0
    strength[[0, 1]] = 2.0  # dormant
    strength[[2, 3]] = 150.0  # a tie
    return dict(cell=rng.integers(0, r.n_cells, n_groups).astype(np.int64), strength=strength,
                region=rng.integers(0, 2, n_groups).astype(np.int64))


def _presence_cells(r: Raster):
    return dict(armed_strength=np.zeros(r.n_cells), armed_near=np.zeros(r.n_cells),
                group_at_cell=np.zeros(r.n_cells, dtype=np.int64))


def armed_presence_numpy(group_cell, strength, min_strength, nbr_offsets, nbr_targets,
                         armed_strength, armed_near):
    """Fighters in each cell (added in group order) and in and next to it, in NumPy.

    Every cell gathers its neighbours: the formula :func:`actors.armed_presence_near` must
    match bit for bit.
    """
    alive = strength >= min_strength
    armed_strength[:] = 0.0
    np.add.at(armed_strength, group_cell[alive], strength[alive])
    near = np.empty(len(armed_strength))
    neighbour_sum_numpy(nbr_offsets, nbr_targets, armed_strength, near)
    armed_near[:] = armed_strength + near


def attacks_felt_numpy(attacks_on_forces, attacks_on_civilians, people, civilian_harm,
                       nbr_offsets, nbr_targets, p_harm_violence, attacks, forces_attacked):
    """What attacks leave, every cell gathering its neighbours (as :func:`attacks_felt_near`)."""
    p_harm_violence[:] = np.minimum(1.0, p_harm_violence + civilian_harm * attacks_on_civilians
                                    / np.maximum(people, 1.0))
    attacks += attacks_on_forces + attacks_on_civilians
    hit = (attacks_on_forces > 0).astype(float)
    near = np.empty(len(hit))
    neighbour_sum_numpy(nbr_offsets, nbr_targets, hit, near)
    forces_attacked[:] = (hit + near) > 0


def _presence_numpy(r, g, c, min_strength=10.0):
    """ArmedGroups._presence as it was."""
    alive = g["strength"] >= min_strength
    armed_presence_numpy(g["cell"], g["strength"], min_strength, r.nbr_offsets, r.nbr_targets,
                         c["armed_strength"], c["armed_near"])
    actors.recruiting_groups(np.argsort(-g["strength"], kind="stable"), alive, g["cell"],
                             r.nbr_offsets, r.nbr_targets, c["group_at_cell"])


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n_groups", [0, 1, 14, 200])
def test_armed_presence_near_equals_the_full_sums(seed, n_groups):
    r = Raster(seed)
    rng = r.rng
    cell = rng.integers(0, r.n_cells, n_groups).astype(np.int64)
    strength = rng.random(n_groups) * 300.0
    strength[rng.random(n_groups) < 0.3] = 5.0  # inactive
    a = [np.full(r.n_cells, np.nan), np.full(r.n_cells, np.nan)]
    b = [np.full(r.n_cells, np.nan), np.full(r.n_cells, np.nan)]
    armed_presence_numpy(cell, strength, 10.0, r.nbr_offsets, r.nbr_targets, *a)
    actors.armed_presence_near(cell, strength, 10.0, r.nbr_offsets, r.nbr_targets, *r.rev, *b)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert np.array_equal(np.signbit(a[1]), np.signbit(b[1]))


@pytest.mark.parametrize("seed", SEEDS)
def test_attacks_felt_near_equals_the_gathering_formula(seed):
    r = Raster(seed)
    rng = r.rng
    for share in (0.0, 0.05, 0.5):
        forces = np.where(rng.random(r.n_cells) < share, rng.integers(1, 3, r.n_cells), 0)
        civilians = np.where(rng.random(r.n_cells) < 0.2, rng.integers(1, 3, r.n_cells), 0)
        a = [rng.random(r.n_cells) * 0.5, rng.random(r.n_cells), rng.random(r.n_cells) < 0.5]
        b = [x.copy() for x in a]
        attacks_felt_numpy(forces, civilians, r.people, 20.0, r.nbr_offsets, r.nbr_targets, *a)
        actors.attacks_felt_near(forces, civilians, r.people, 20.0, *r.rev, *b)
        for x, y in zip(a, b, strict=True):
            assert np.array_equal(x, y)


def _act_cells(r: Raster):
    rng = r.rng
    members = rng.integers(0, 40, r.n_cells).astype(np.int64)
    return dict(sympathisers=np.minimum(members, rng.integers(0, 30, r.n_cells)).astype(float),
                members=members, units_near=rng.integers(0, 3, r.n_cells) * 0.5,
                opportunity=-rng.random(r.n_cells), deterrence=rng.random(r.n_cells) * 0.5,
                attacks_on_forces=np.full(r.n_cells, 9, dtype=np.int64),
                attacks_on_civilians=np.full(r.n_cells, 9, dtype=np.int64),
                p_harm_violence=rng.random(r.n_cells) * 0.5, attacks=rng.random(r.n_cells),
                forces_attacked=np.zeros(r.n_cells, dtype=bool), **_presence_cells(r))


ACT = (10.0, 0.9, 100.0, 0.5)  # min_strength, attack_rate, half_strength, forces_share


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("cross", [False, True])
def test_armed_groups_week_equals_the_steps_it_fuses(seed, cross):
    r = Raster(seed)
    g, c = _groups(r), _act_cells(r)
    g2 = {k: v.copy() for k, v in g.items()}
    c2 = {k: v.copy() for k, v in c.items()}
    for step in range(6):
        # ArmedGroups.act as it was.
        c["attacks_on_forces"][:] = 0
        c["attacks_on_civilians"][:] = 0
        score = np.empty(r.n_cells)
        actors.group_score(c["sympathisers"], c["members"], c["units_near"], c["opportunity"],
                           0.5, 0.3, score)
        actors.armed_groups_act(g["cell"], g["strength"], *ACT, c["units_near"],
                                c["deterrence"], 0.7, 2, 6, score, *r.geometry, KEY, step,
                                c["attacks_on_forces"], c["attacks_on_civilians"], cross,
                                r.n_sub)
        attacks_felt_numpy(c["attacks_on_forces"], c["attacks_on_civilians"], r.people, 20.0,
                           r.nbr_offsets, r.nbr_targets, c["p_harm_violence"], c["attacks"],
                           c["forces_attacked"])
        _presence_numpy(r, g, c)
        actors.armed_groups_week(c2["sympathisers"], c2["members"], c2["units_near"],
                                 c2["opportunity"], 0.5, 0.3, g2["cell"], g2["strength"], *ACT,
                                 c2["deterrence"], 0.7, 2, 6, *r.geometry, KEY, step, cross,
                                 r.n_sub, r.people, 20.0, r.nbr_offsets, r.nbr_targets, *r.rev,
                                 c2["attacks_on_forces"], c2["attacks_on_civilians"],
                                 c2["p_harm_violence"], c2["attacks"], c2["forces_attacked"],
                                 c2["armed_strength"], c2["armed_near"], c2["group_at_cell"])
        _same(g, g2)
        _same(c, c2)
    assert c["attacks_on_forces"].sum() + c["attacks_on_civilians"].sum() > 0
    assert np.any(c["group_at_cell"] >= 0)


@pytest.mark.parametrize("seed", SEEDS)
def test_groups_after_recruitment_equals_the_array_formula(seed):
    r = Raster(seed)
    rng = r.rng
    g, c = _groups(r), _presence_cells(r)
    _presence_numpy(r, g, c)
    g2 = {k: v.copy() for k, v in g.items()}
    c2 = {k: v.copy() for k, v in c.items()}
    insecurity = np.array([0.3, 0.85])
    for _ in range(4):
        recruits = rng.integers(0, 4, r.n_cells).astype(np.int64)
        # ArmedGroups.recruit as it was, after the members' kernel.
        inflow = 2.0 * insecurity[g["region"]]
        joined = np.zeros(len(g["strength"]))
        has_group = c["group_at_cell"] >= 0
        np.add.at(joined, c["group_at_cell"][has_group], recruits[has_group].astype(np.float64))
        g["strength"][:] = g["strength"] * (1.0 - 0.03) + joined * 37.5 + inflow
        _presence_numpy(r, g, c)
        actors.groups_after_recruitment(c2["group_at_cell"], recruits, g2["region"], insecurity,
                                        2.0, 0.03, 37.5, g2["strength"], 10.0, g2["cell"],
                                        r.nbr_offsets, r.nbr_targets, *r.rev, c2["armed_strength"],
                                        c2["armed_near"], c2["group_at_cell"])
        _same(g, g2)
        _same(c, c2)


def test_groups_after_recruitment_without_groups_clears_the_cells():
    r = Raster(5)
    c = _presence_cells(r)
    c["group_at_cell"][:] = 3
    actors.groups_after_recruitment(c["group_at_cell"], np.ones(r.n_cells, dtype=np.int64),
                                    np.zeros(0, dtype=np.int64), np.array([0.5]), 2.0, 0.03,
                                    37.5, np.zeros(0), 10.0, np.zeros(0, dtype=np.int64),
                                    r.nbr_offsets, r.nbr_targets, *r.rev, c["armed_strength"],
                                    c["armed_near"], c["group_at_cell"])
    assert np.all(c["group_at_cell"] == -1) and not np.any(c["armed_near"])


def test_join_probability_equals_the_array_formula():
    from peacesim.kernels.recruitment import join_probability

    near = np.random.default_rng(3).random(500) * 400.0
    near[:5] = 0.0
    out = np.empty(500)
    join_probability(near, 0.02, 150.0, out)
    assert np.array_equal(out, 0.02 * near / (near + 150.0))


# ----------------------------------------------------------------------------- communal


@pytest.mark.parametrize("seed", SEEDS)
def test_clash_week_equals_the_array_formula(seed):
    from peacesim.kernels.communal import clash_week

    r = Raster(seed)
    rng = r.rng
    n = r.n_cells
    border = rng.random(n) < 0.3
    resource_stress = rng.random(n)
    members = rng.integers(0, 30, n).astype(np.int64)
    cohesion_sum = members * rng.random(n)
    mix = rng.random(n)
    people = r.people * 20.0  # clashes are rare at small cells
    clashes = np.zeros(n, dtype=np.int64)
    pair, shock = clashes.copy(), np.zeros(n)
    attacks, p_harm = rng.random(n), rng.random(n) * 0.5
    attacks2, p_harm2 = attacks.copy(), p_harm.copy()
    hits = 0
    for step in range(6):
        running = rng.random(n) < (0.0 if step % 2 else 0.4)
        # Communal.clash with two groups, as it was.
        extra = 0.5 * border
        if running.any():
            extra = np.where(running, extra * (1.0 - 0.3), extra)
        stress = np.minimum(1.0, resource_stress + extra)
        mean = cohesion_sum / np.maximum(members, 1)
        p_clash = np.minimum(1.0, 0.8 * people / 1e4 * stress * mix * (1.0 - mean) ** 2)
        hit = uniform_numpy(KEY, step, np.arange(n), 0) < p_clash
        attacks += hit
        p_harm[:] = np.minimum(1.0, p_harm + 6.0 * hit / np.maximum(people, 1.0))
        clash_week(border, 0.5, running, 0.3, resource_stress, cohesion_sum, members, 0.8,
                   people, mix, KEY, step, 6.0, 0.1, pair, clashes, attacks2, p_harm2, shock)
        assert np.array_equal(clashes, hit) and np.array_equal(pair, hit)
        assert np.array_equal(attacks, attacks2) and np.array_equal(p_harm, p_harm2)
        assert np.array_equal(shock, 0.1 * hit)
        hits += hit.sum()
    assert 0 < hits < 6 * n


# ----------------------------------------------------------------------------- militias


def _militias(r: Raster, n_groups: int):
    rng = r.rng
    n_regions = 2
    region = np.repeat(np.arange(n_regions), n_groups).astype(np.int64)
    community = np.tile(np.arange(n_groups), n_regions).astype(np.int64)
    h = rng.random(r.n_cells) * 0.6
    if n_groups == 2:
        share = np.stack([1.0 - h, h])
        target = share[::-1]  # as the mechanism: a reversed view
    else:
        raw = rng.random((n_groups, r.n_cells))
        share = raw / raw.sum(axis=0)
        target = share.sum(axis=0)[None, :] - share
    target[:, :4] = 0.0  # cells nobody attacks
    cells = np.argsort(r.region, kind="stable").astype(np.int64)
    starts = np.searchsorted(r.region[cells], np.arange(n_regions + 1)).astype(np.int64)
    return region, community, share, target, cells, starts


def _strike_numpy(r, strength, region, community, target, deterrence, step, m_attacks, attacks,
                  p_harm):
    """Militias.strike as it was (0.6 attack rate, 50 half strength, 20 harm)."""
    m_attacks[:] = 0
    if not np.any(strength > 0):
        return
    attack = (uniform_numpy(KEY, step, np.arange(len(strength)), 0)
              < 0.6 * strength / (strength + 50.0))
    for i in np.flatnonzero(attack):
        cand = np.flatnonzero(r.region == region[i])
        weight = r.people[cand] * target[community[i], cand]
        if weight.sum() <= 0:
            continue
        cum = np.cumsum(weight)
        c = cand[min(int(np.searchsorted(cum, uniform_numpy(KEY, step, i, 1) * cum[-1],
                                         side="right")), len(cand) - 1)]
        if uniform_numpy(KEY, step, i, 2) < deterrence[c]:
            continue
        m_attacks[i] += 1
        attacks[c] += 1
        p_harm[c] = min(1.0, p_harm[c] + 20.0 / max(r.people[c], 1.0))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n_groups", [2, 3])
def test_militias_strike_equals_the_loop_it_replaced(seed, n_groups):
    r = Raster(seed)
    rng = r.rng
    region, community, _, target, cells, starts = _militias(r, n_groups)
    n = len(region)
    deterrence = np.where(rng.random(r.n_cells) < 0.3, rng.random(r.n_cells), 0.0)
    a = [np.zeros(n, dtype=np.int64), rng.random(r.n_cells), rng.random(r.n_cells) * 0.5]
    b = [x.copy() for x in a]
    total = 0
    for step in range(10):
        strength = rng.random(n) * 200.0 * (step > 0)  # none at step 0: nothing happens
        _strike_numpy(r, strength, region, community, target, deterrence, step, *a)
        actors.militias_strike(strength, region, community, 0.6, 50.0, 20.0, target, r.people,
                               cells, starts, deterrence, KEY, step, *b)
        for x, y in zip(a, b, strict=True):
            assert np.array_equal(x, y)
        total += a[0].sum()
    assert total > 0


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n_groups", [2, 3])
def test_militias_mobilise_equals_the_array_formula(seed, n_groups):
    r = Raster(seed)
    rng = r.rng
    region, community, share, _, cells, starts = _militias(r, n_groups)
    exposure = 0.5 + rng.random((n_groups, r.n_cells))
    a = rng.random(len(region)) * 50.0
    b = a.copy()
    for _ in range(3):
        phv, phf = rng.random(r.n_cells) * 0.1, rng.random(r.n_cells) * 0.1
        # Militias.mobilise as it was.
        for k in range(n_groups):
            harmed = share[k] * r.people * (phv + exposure[k] * phf)
            per_region = np.bincount(r.region, weights=harmed, minlength=2)
            rows = community == k
            a[rows] += 0.05 * per_region[region[rows]]
        a *= 1.0 - 0.02
        actors.militias_mobilise(b, region, community, (share * r.people)[:, cells],
                                 exposure[:, cells], phv, phf, cells, starts, 0.05, 0.02)
        assert np.array_equal(a, b)


@pytest.mark.parametrize("n_units, share_active", [(0, 1.0), (30, 0.0), (30, 0.7), (400, 0.9)])
def test_cell_deterrence_equals_the_product_in_unit_order(n_units, share_active):
    rng = np.random.default_rng(n_units)
    n_cells = 50
    cell = rng.integers(0, n_cells, n_units).astype(np.int64)
    active = rng.random(n_units) < share_active
    unit = rng.choice([0.0, 0.2, 0.6, 0.85], n_units)
    out = np.full(n_cells, np.nan)
    actors.cell_deterrence(cell, active, unit, out)
    gets_through = np.ones(n_cells)
    np.multiply.at(gets_through, cell[active], 1.0 - unit[active])
    assert np.array_equal(out, 1.0 - gets_through)
