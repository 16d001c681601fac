"""Communal tension over land and water between identity groups (farming, herding, more).

Each week a cell has a clash with probability ``clash_rate * (adults / 10,000) * stress *
(1 - cohesion)^2`` (at most 1): clashes come from people, so an empty desert cell has none and
a region's clashes do not grow with its area. ``stress`` is the region's resource stress,
higher in cells on an international border
(disputed demarcation; Interpeace's Sikasso - Hauts-Bassins research). A clash needs both
communities: the probability is multiplied by ``4 h (1 - h)`` with ``h`` the region's herder
share (1 where farmers and herders are as many, 0 where one community is alone). A clash
harms a share of the cell's members and erodes trust between communities; cohesion drifts
back otherwise.

Each member belongs to the farming or the herding community (the ``HERDER`` trait) and holds
``cohesion``, trust in the other community; with two communities that is trust between the
pair, recorded for each side. ``forces_exposure`` is each member's weight of exposure to the
forces' harm: with ``stigma`` > 0 the forces target herders more (the stigmatisation of Fulani
herders as jihadists in central Mali), with the weights of a region averaging 1 so the forces'
total harm is unchanged. Grievance is to read it (``p_harm_forces[cell] x forces_exposure``).

**More identity groups** (``groups`` > 2, e.g. Dogon, Bambara and Fulani, or Songhai, Tuareg
and Fulani). Group 0 is farming and group 1 herding (the ``HERDER`` trait, drawn as before);
groups 2, 3, ... have the shares ``group_shares`` of every region's people, taken from the
farming group: a region's shares are ``(1 - h - sum(extra), h, extra...)``, the extras scaled
down to ``1 - h`` if they exceed it (a documented rule, the same in every region; the
region's own group mix is not in our sources). Non-herding members are drawn into groups 2+
from the ``groups`` stream with probability ``share / (1 - h)`` each; the ``group`` column
(uint8, one byte per member) holds each member's group, whatever the number of groups.

Cohesion stays one number per member, the member's trust in the other groups. The cohesion
*between a pair* (a, b) in a cell is the mean cohesion of the members of a and b there (not
in armed groups): a pair matrix per cell derived each week from per-cell, per-group sums, so
it costs no memory per member. Each pair clashes on its own draw (stream ``clash``, draw
index = the pair's index, so the two-group run draws exactly as before), with probability as
above, ``4 h (1 - h)`` replaced by ``4 s_a s_b`` (the regions' shares of a and b) and
``cohesion`` by the pair's. A clash shocks the cohesion of the members of the two groups in
the cell (``1 - (1 - cohesion_shock)^n`` after ``n`` clashes of their group in the week).
``stigma`` falls on ``stigma_group`` (default 1, herding). With two groups the pair's
cohesion is the census's cell mean and the shock hits every member, so two groups are
exactly the earlier model.

Per-pair results are kept in the ``communal_pairs`` table (one row per step, region and
pair: ``cohesion``, the pair's cohesion over the region's cells, and ``clashes``), read as a
tidy frame by :meth:`Communal.pair_frame`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from peacesim.config.fields import bounded, listing, nonneg, share
from peacesim.dtypes import ACC, REAL
from peacesim.kernels.cells import cohesion_step
from peacesim.kernels.communal import clash_week
from peacesim.kernels.recording import communal_results
from peacesim.mechanisms.base import Column, Mechanism, mechanism
from peacesim.population import DRAW_BLOCK, HERDER, Table, beta_by_cell
from peacesim.random import uniform_numpy
from peacesim.results import Metric


@dataclass
class CommunalParams:
    """Communal clashes and trust between communities.

    Attributes:
        clash_rate: Weekly clash probability per 10,000 adults of a cell at stress 1 and
            cohesion 0. Assumed 0.01 (plausible 0.001-0.1; about 1.4 clashes a week nationally at
            baseline cohesion, next to about 9 events a week in ACLED Mali 2017).
        clash_harm: People harmed by a clash. Assumed 10 (plausible 2-30).
        clash_deaths: People killed in a clash. Assumed 2 (ACLED Mali 2017: about 2 killed
            per event overall); plausible 0-10.
        cohesion_shock: Share of trust between communities lost by every member of a cell with a
            clash. Assumed 0.1 (plausible 0.02-0.3).
        drift: Weekly pull of cohesion back to its regional level. Assumed 0.01 (plausible
            0.002-0.05).
        border_stress: Extra resource stress in cells on an international border (land
            conflict over the demarcation). Assumed 0.3 (plausible 0-0.6).
        border_relief: Share of that extra stress removed while cross-border dialogue runs
            (``dialogue.cross_border``). Assumed 0.7 (plausible 0.3-1).
        spread: Initial spread of cohesion around the regional mean (Beta concentration is
            1/spread). Assumed 0.1 (plausible 0.02-0.3).
        stigma: How much more the forces' harm falls on a member of ``stigma_group`` (by
            default a herder) than on anyone else, as 1 + stigma times. Assumed 0 (none;
            plausible 0-5). Human Rights Watch and the UN report abuses by Malian forces
            mostly against Fulani in central Mali (second-hand).
        groups: Number of identity groups: 2 (farming, herding: the default) to 8. Assumed
            (a model choice: which groups a scenario tells apart).
        group_shares: Share of every region's people in each group beyond the first two
            (``groups - 2`` entries, in [0, 1]), taken from the farming group. Assumed; none
            by default.
        stigma_group: Which group the forces target more (0 farming, 1 herding, 2+ the
            others). Assumed 1 (herders: the Fulani, in the sources of ``stigma``).
    """

    clash_rate: float = share(0.01, plausible=(0.001, 0.1), source="assumed")
    clash_harm: float = nonneg(10.0, plausible=(2.0, 30.0), source="assumed")
    clash_deaths: float = nonneg(2.0, 1000.0, plausible=(0.0, 10.0),
                                 source="ACLED Mali 2017 (about 2 killed per event)")
    cohesion_shock: float = share(0.1, plausible=(0.02, 0.3), source="assumed")
    drift: float = share(0.01, plausible=(0.002, 0.05), source="assumed")
    border_stress: float = share(0.3, plausible=(0.0, 0.6), source="assumed")
    border_relief: float = share(0.7, plausible=(0.3, 1.0), source="assumed")
    spread: float = share(0.1, plausible=(0.02, 0.3), source="assumed")
    stigma: float = nonneg(0.0, 100.0, plausible=(0.0, 5.0),
                           source="assumed (direction: Human Rights Watch, UN, second-hand)")
    groups: int = bounded(2, 2, 8)
    group_shares: list[float] = listing([])
    stigma_group: int = bounded(1, 0, 7)

    def check(self) -> None:
        """One share per group beyond two, each in [0, 1]; the stigmatised group exists."""
        shares = list(self.group_shares)
        if len(shares) != self.groups - 2:
            raise ValueError(f"communal.group_shares has {len(shares)} entries; communal.groups"
                             f"={self.groups} needs {self.groups - 2} (one per group beyond 2)")
        if any(not 0.0 <= float(x) <= 1.0 for x in shares):
            raise ValueError(f"communal.group_shares={shares}: each share must be in [0, 1]")
        if self.stigma_group >= self.groups:
            raise ValueError(f"communal.stigma_group={self.stigma_group}: groups are 0.."
                             f"{self.groups - 1}")


def group_pairs(n_groups: int) -> list[tuple[int, int]]:
    """The pairs (a, b), a < b, of ``n_groups`` groups in their fixed order (0-1, 0-2, 1-2...)."""
    return [(a, b) for b in range(n_groups) for a in range(b)]


def region_group_shares(h: np.ndarray, extra) -> np.ndarray:
    """Each group's share of the people by the documented rule, ``[groups, len(h)]``.

    Args:
        h: Herder share (group 1) per cell or region, in [0, 1].
        extra: Shares of groups 2, 3, ... (may be empty).

    Returns:
        float64 shares summing to 1 per column: farming ``1 - h - extras``, herding ``h``,
        the extras scaled down to ``1 - h`` where they exceed it.
    """
    h = np.asarray(h, dtype=np.float64)
    extra = np.asarray(list(extra), dtype=np.float64)
    total = extra.sum()
    scale = np.where(total > 1.0 - h, (1.0 - h) / max(total, 1e-300), 1.0) if total > 0 \
        else np.ones_like(h)
    others = extra[:, None] * scale[None, :]
    farming = np.maximum(0.0, 1.0 - h - others.sum(axis=0))
    return np.vstack([farming[None, :], h[None, :], others])


@mechanism
class Communal(Mechanism):
    """Clashes over resources (violence phase, after armed groups)."""

    name = "communal"
    phases = {"violence": "clash"}
    order = 10
    Params = CommunalParams

    owns = (
        Column("cohesion", REAL, "score 0-1", "trust in the other community", table="people",
               bounds=(0, 1)),
        Column("forces_exposure", REAL, "weight >= 0",
               "member's exposure to the forces' harm relative to the region's mean "
               "(herders 1 + stigma times farmers; mean 1)", table="people", fill=1.0,
               bounds=(0, None)),
        Column("group", np.uint8, "group index", "identity group (0 farming, 1 herding, 2+ "
               "the groups of communal.group_shares)", table="people", bounds=(0, 7)),
        Column("clashes", np.int64, "events", "communal clashes in the cell this week"),
    )
    reads = ("cells.cohesion_sum", "cells.members", "cells.cross_border_dialogue",
             "people.affiliation")
    writes = ("cells.attacks", "cells.p_harm_violence")
    streams = ("clash", "groups")
    metrics = (
        Metric("social_cohesion", "share", "members", "Social cohesion", "mean score, 0-1",
               "community members' mean trust in the other community", main=True),
        Metric("communal_clashes", "count", None, "Communal clashes", "events per week",
               "clashes between communities in the week"),
        Metric("cohesion_farming", "share", "members", "Farmers' trust in herders",
               "mean score, 0-1", "farming members' mean trust in the herding community "
               "(members not in armed groups; with more groups, all non-herders' trust in "
               "the other groups)"),
        Metric("cohesion_herding", "share", "members", "Herders' trust in farmers",
               "mean score, 0-1", "herding members' mean trust in the farming community"),
        Metric("clash_deaths", "count", None, "Killed in communal clashes", "people per week",
               "people killed in communal clashes in the week (expected)"),
    )

    def setup(self) -> None:
        """Groups, cohesion drawn around each region's level, exposure to the forces."""
        model, world, p = self.model, self.model.world, self.params
        base = world.per_cell(model.config.regions, "cohesion")
        self.baseline = base
        kappa = 1.0 / max(p.spread, 1e-6)
        rng = self.generator()
        beta_by_cell(rng, base, model.people.cell, kappa, model.people["cohesion"])
        self.stress = world.per_cell(model.config.regions, "resource_stress")
        h = np.minimum(1.0, world.per_cell(model.config.regions, "herder_share")
                       * model.config.population.herder_share_scale)
        self.mix = 4.0 * h * (1.0 - h)
        herder = (model.people.traits & HERDER) > 0
        self.herder_rows = np.flatnonzero(herder)
        self.herder_region = np.asarray(world.region[model.people.cell[self.herder_rows]],
                                        dtype=np.intp)
        self.herders = np.bincount(self.herder_region, minlength=world.n_regions)
        self.n_groups = int(p.groups)
        self.pairs = group_pairs(self.n_groups)
        self.shares = region_group_shares(h, p.group_shares)  # [group, cell]
        group = model.people["group"]
        group[:] = herder
        if self.n_groups > 2:
            self._draw_groups(h, herder)
            self.pair_mix = np.stack([4.0 * self.shares[a] * self.shares[b]
                                      for a, b in self.pairs])
        target = (group == p.stigma_group) if p.stigma_group != 1 else herder
        share_target = self.shares[p.stigma_group] if p.stigma_group != 1 else h
        stigma = p.stigma
        exposure, cell = model.people["forces_exposure"], model.people.cell
        for start in range(0, len(cell), DRAW_BLOCK):  # blocks: no whole-population float64s
            block = slice(start, start + DRAW_BLOCK)
            mean = 1.0 + stigma * share_target[cell[block]]
            exposure[block] = np.where(target[block], 1.0 + stigma, 1.0) / mean
        n_rows = (model.config.steps + 1) * world.n_regions * len(self.pairs)
        pairs = Table(n_rows, "communal_pairs", owner=self.name)
        steps = np.arange(model.config.steps + 1)
        grid = np.stack(np.meshgrid(steps, np.arange(world.n_regions),
                                    np.arange(len(self.pairs)), indexing="ij"), -1).reshape(-1, 3)
        pairs.add("step", np.int64)[:] = grid[:, 0]
        pairs.add("region", np.int64)[:] = grid[:, 1]
        pairs.add("group_a", np.int64)[:] = np.array([a for a, _ in self.pairs])[grid[:, 2]]
        pairs.add("group_b", np.int64)[:] = np.array([b for _, b in self.pairs])[grid[:, 2]]
        pairs.add("cohesion", ACC)
        pairs.add("clashes", ACC)
        self.pair_table = pairs
        self.pair_clashes = np.zeros((len(self.pairs), world.n_cells), dtype=np.int64)
        self._shock = np.zeros(world.n_cells)  # weekly scratch: each cell's cohesion shock

    def _draw_groups(self, h: np.ndarray, herder: np.ndarray) -> None:
        """Non-herders into groups 2+ with probability share / (1 - h), else farming (0)."""
        people = self.model.people
        cell = people.cell
        u = uniform_numpy(self.stream("groups"), 0, np.arange(people.size), 0)
        free = np.maximum(1.0 - h, 1e-300)
        cum = np.zeros(len(h))
        group = people["group"]
        for k in range(2, self.n_groups):
            low = cum[cell]
            cum = cum + self.shares[k] / free
            chosen = ~herder & (u >= low) & (u < cum[cell])
            group[chosen] = k

    def clash(self, t: int) -> None:
        """Draw clashes, harm members, shock and restore cohesion.

        With two groups the cells' part is one kernel
        (:func:`~peacesim.kernels.communal.clash_week`); with more, each pair draws its own.
        """
        p, model, cells, world = self.params, self.model, self.model.cells, self.model.world
        people = model.people
        if self.n_groups == 2:
            clash_week(world.border, p.border_stress, cells["cross_border_dialogue"],
                       p.border_relief, self.stress, cells["cohesion_sum"], cells["members"],
                       p.clash_rate, world.people, self.mix, self.stream("clash"), t,
                       p.clash_harm, p.cohesion_shock, self.pair_clashes[0], cells["clashes"],
                       cells["attacks"], cells["p_harm_violence"], self._shock)
            cohesion_step(people.offsets, people["cohesion"], self._shock, self.baseline,
                          p.drift)
            return
        border_extra = p.border_stress * world.border
        running = cells["cross_border_dialogue"]
        if running.any():
            border_extra = np.where(running, border_extra * (1.0 - p.border_relief), border_extra)
        stress = np.minimum(1.0, self.stress + border_extra)
        clashes, shock = self._pair_clashes(t, stress)
        cells["clashes"][:] = clashes
        cells["attacks"] += clashes
        cells["p_harm_violence"][:] = np.minimum(1.0, cells["p_harm_violence"]
                                                 + p.clash_harm * clashes
                                                 / np.maximum(world.people, 1.0))
        from peacesim.kernels.communal import group_cohesion_step  # see _group_sums

        group_cohesion_step(people.offsets, people["group"], people["cohesion"], shock,
                            self.n_groups, self.baseline, p.drift)

    def _group_sums(self) -> tuple[np.ndarray, np.ndarray]:
        """Per-cell, per-group summed cohesion and members (not in armed groups), [cell, group]."""
        # Imported here, not with the module: only runs with more than two groups call the
        # group kernels, and the check for a cold Numba cache (peacesim.runner.
        # uncached_kernels) counts every kernel a mechanism's module holds, so a default run
        # would otherwise always report two kernels to compile.
        from peacesim.kernels.communal import group_cohesion_sums

        people, n, g = self.model.people, self.model.world.n_cells, self.n_groups
        sums = np.zeros(n * g, dtype=ACC)
        counts = np.zeros(n * g, dtype=np.int64)
        group_cohesion_sums(people.offsets, people["group"], people["affiliation"],
                            people["cohesion"], g, sums, counts)
        return sums.reshape(n, g), counts.reshape(n, g)

    def _pair_cohesion(self, sums: np.ndarray, counts: np.ndarray, a: int, b: int):
        """Mean cohesion of the members of groups a and b per cell (baseline where none)."""
        n = counts[:, a] + counts[:, b]
        return np.where(n > 0, (sums[:, a] + sums[:, b]) / np.maximum(n, 1), self.baseline)

    def _pair_clashes(self, t: int, stress: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Clashes per cell summed over pairs, and the shock of each cell's groups."""
        p, world = self.params, self.model.world
        sums, counts = self._group_sums()
        cells_index = np.arange(world.n_cells)
        key = self.stream("clash")
        involved = np.zeros((world.n_cells, self.n_groups), dtype=np.int64)
        for j, (a, b) in enumerate(self.pairs):
            coh = self._pair_cohesion(sums, counts, a, b)
            p_clash = np.minimum(1.0, p.clash_rate * world.people / 1e4 * stress
                                 * self.pair_mix[j] * (1.0 - coh) ** 2)
            hit = uniform_numpy(key, t, cells_index, j) < p_clash
            self.pair_clashes[j] = hit
            involved[:, a] += hit
            involved[:, b] += hit
        shock = 1.0 - (1.0 - p.cohesion_shock) ** involved
        return self.pair_clashes.sum(axis=0), shock.ravel()

    def pair_frame(self):
        """Per-pair results so far as a tidy frame, one row per step, region and pair.

        Columns: ``step``, ``region`` (id), ``group_a``, ``group_b``, ``cohesion`` (members'
        mean trust in the other groups over the two groups, score 0-1) and ``clashes``
        (events in the week).
        """
        import pandas as pd

        t = self.pair_table
        done = t["step"] <= int(self.model.steps)
        frame = pd.DataFrame({name: t[name][done] for name in
                              ("step", "region", "group_a", "group_b", "cohesion", "clashes")})
        frame["region"] = np.asarray(self.model.world.region_ids)[frame["region"]]
        return frame

    def record(self, out: dict) -> None:
        """Clashes and mean trust between communities per region."""
        world, cells = self.model.world, self.model.cells
        # Herders are a quarter of the members: sum over them only, and take the farmers'
        # sum as the census's (members not in armed groups) less the herders' (recruited
        # herders, a fraction of a per cent, are counted among herders only).
        results = np.empty((5, world.n_regions), dtype=ACC)
        communal_results(world.cells_by_region, world.region_starts, cells["clashes"],
                         cells["members"], cells["cohesion_sum"], self.herder_rows,
                         self.herder_region, self.model.people["cohesion"], self.herders,
                         self.params.clash_deaths, results)
        (out["communal_clashes"], out["clash_deaths"], out["social_cohesion"],
         out["cohesion_herding"], out["cohesion_farming"]) = results
        self._record_pairs(out)

    def _record_pairs(self, out: dict) -> None:
        """This step's rows of ``communal_pairs``: each pair's cohesion and clashes by region."""
        world, t = self.model.world, int(self.model.steps)
        n_pairs = len(self.pairs)
        rows = slice(t * world.n_regions * n_pairs, (t + 1) * world.n_regions * n_pairs)
        table = self.pair_table
        if self.n_groups == 2:  # the one pair's rows are the regional results
            table["cohesion"][rows] = out["social_cohesion"]
            table["clashes"][rows] = out["communal_clashes"]
            return
        sums, counts = self._group_sums()
        totals = world.region_sums(
            *(counts[:, a] + counts[:, b] for a, b in self.pairs),
            *(sums[:, a] + sums[:, b] for a, b in self.pairs), *self.pair_clashes)
        n, total = totals[:n_pairs].T, totals[n_pairs:2 * n_pairs].T
        table["cohesion"][rows] = np.where(n > 0, total / np.maximum(n, 1), 0.0).ravel()
        table["clashes"][rows] = totals[2 * n_pairs:].T.ravel()
