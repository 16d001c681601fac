"""Patrols: security units move, meet armed groups, protect and sometimes harm civilians.

Units are of three kinds (Mali's army, the mixed patrols of the Mécanisme Opérationnel de
Coordination, MOC, and UN peacekeepers). ``presence`` sets how many there are: one unit per
cell for that share of the simulated cells. Each unit is assigned to a region in proportion to
the region's cells and insecurity, and each week moves to the best of a few nearby cells,
preferring where the forces know of armed-group activity and where they were attacked.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from peacesim.agents import SecurityForce
from peacesim.config import fields
from peacesim.config.fields import bounded, listing, nonneg
from peacesim.dtypes import ACC
from peacesim.kernels.actors import (
    deploy_week,
    near_units,
    operations_week,
    reverse_neighbours,
    unit_kinds,
)
from peacesim.mechanisms.base import AgentView, Column, Mechanism, Programme, mechanism
from peacesim.population import Table
from peacesim.results import Metric
from peacesim.world import MALI_REGIONS, RegionFacts, nested_counts, region_facts

ARMY, MOC, UN = 0, 1, 2
KIND_NAMES = ("army", "MOC", "UN")


@dataclass
class MixedPatrols(Programme):
    """The MOC: units of former CMA and Plateforme combatants with the army (Algiers 2015).

    Attributes:
        share: Share of the units in the covered regions that are mixed patrols. 0 = none. Plausible
            0-0.3.
        accuracy: Probability an engagement spares each exposed civilian. Assumed 0.75 (plausible
            0.5-0.9).
        conduct: Probability of respectful conduct on patrol. Assumed 0.8 (plausible 0.5-0.95).
        local_knowledge: Extra information gained where a mixed patrol is (former combatants
            know the terrain and people), as a multiplier 1 + value. Assumed 0.5 (plausible 0-1.5).
        start, end, regions: When and where (default the north: Gao, Kidal, Tombouctou, where
            the MOC was mandated to protect DDR sites; first unit in Gao).
    """

    share: float = fields.share(0.0, plausible=(0.0, 0.3),
                                source="programme lever (assumed: the MOC stayed a small part of "
                                       "the forces)")
    accuracy: float = fields.share(0.75, plausible=(0.5, 0.9), source="assumed")
    conduct: float = fields.share(0.8, plausible=(0.5, 0.95), source="assumed")
    local_knowledge: float = nonneg(0.5, plausible=(0.0, 1.5), source="assumed")
    regions: list[str] = listing(["gao", "kidal", "tombouctou"])


@dataclass
class Peacekeepers(Programme):
    """UN peacekeepers (MINUSMA, 2013 - 30 June 2023).

    Attributes:
        share: Share of the units that are UN. Assumed 0.2 (MINUSMA authorised 13,289 military
            + 1,920 police from 2016, Res. 2295; the army's size is not in our sources). Plausible
            0.1-0.35.
        accuracy: Assumed 0.85 (plausible 0.7-0.95).
        conduct: Assumed 0.9 (plausible 0.7-0.98).
        deterrence: Probability that an armed-group attack on civilians in a cell with a UN
            unit is prevented. Assumed 0.6 (plausible 0.3-0.8): local presence protects against
            rebel abuse much more than against government abuse (Fjelde, Hultman & Nilsson 2019).
    """

    share: float = fields.share(0.2, plausible=(0.1, 0.35),
                                source="MINUSMA's authorised strength (Res. 2295) against an "
                                       "assumed army size")
    accuracy: float = fields.share(0.85, plausible=(0.7, 0.95), source="assumed")
    conduct: float = fields.share(0.9, plausible=(0.7, 0.98), source="assumed")
    deterrence: float = fields.share(0.6, plausible=(0.3, 0.8),
                                     source="assumed (direction from Fjelde, Hultman & Nilsson "
                                            "2019)")


@dataclass
class Deployment:
    """How the national forces are shared out over the regions.

    A region's share of the units is ``people x (its share of Mali's adults) + insecurity x
    (its share of the regions' summed insecurity) + area x (its share of Mali's area)``, over
    the sum of the three weights. The old rule (cells x (1 + 2 insecurity)) was nearly all
    area: Tombouctou had 180 units for 356,000 adults and Bamako none for 960,000.

    Attributes:
        people: Weight of the population (policing and protection of towns). Assumed 0.4
            (plausible 0.05-1).
        insecurity: Weight of insecurity (military operations; MINUSMA's sector headquarters
            are in the north and centre: Kidal, Gao, Timbuktu, Mopti, second-hand). Assumed 0.4
            (plausible 0.05-1).
        area: Weight of the area (posts along roads and borders). Assumed 0.2 (plausible 0.05-1).

    The plausible ranges start at 0.05, not 0: a rule may lean almost wholly on one weight,
    but a sample at the ranges' corner (all three 0, a point of every Morris grid) would be no
    rule at all, which the config refuses.
    """

    people: float = nonneg(0.4, plausible=(0.05, 1.0), source="assumed")
    insecurity: float = nonneg(0.4, plausible=(0.05, 1.0), source="assumed")
    area: float = nonneg(0.2, plausible=(0.05, 1.0), source="assumed")


@dataclass
class PatrolParams:
    """Security forces' presence, composition and conduct.

    Attributes:
        presence: Units in Mali, as a share of Mali's 1,682 raster cells (0.25: 420 units).
            Assumed 0.25 (plausible 0.1-0.5).
        deployment: How those units are shared out over the regions.
        cross_regions: Whether units may move into other simulated regions (a switch of the
            model, not a fact). Default true.
        home_pull: Score penalty of a cell outside a unit's home region (in units of the
            score: about one week of memory of an attack is 1). Assumed 2 (plausible 0-5).
        army_accuracy: Accuracy of army units (1 - accuracy: chance each exposed civilian is
            hurt in an engagement; Bennett 2008 uses 0.8). Assumed 0.7 (plausible 0.5-0.9).
        army_conduct: Probability of respectful conduct on patrol. Assumed 0.7 (plausible 0.4-0.9).
        army_deterrence: Probability an army unit prevents an attack on civilians in its cell.
            Assumed 0.2 (plausible 0.05-0.5).
        moc: Mixed patrols (MOC).
        un: UN peacekeepers.
        insecurity_weight: Within its region, a unit starts in a cell with probability in
            proportion to people x (1 + weight x insecurity). Assumed 2 (plausible 0-5).
        range_cells: How far a unit moves in a week, in cells (about 28 km each). Assumed 2
            (plausible 1-4).
        candidates: Cells a unit considers each week. Assumed 6 (plausible 2-12).
        crowding: Score penalty per unit already in a cell, divided in a cell with more
            adults than one unit's share of Mali's adults by how many times more (a city cell
            holds many units: Bamako's one cell has 47 units' share). Assumed 0.5 (plausible
            0-2).
        effectiveness: Probability that an engagement weakens the armed group (Bennett 2008:
            0.8 for removing an insurgent). Assumed 0.6 (plausible 0.3-0.9).
        detection: Weekly probability that a unit finds and engages an armed group in its
            cell when the forces know everything about it. Assumed 0.3 (plausible 0.1-0.6).
        info_floor: Share of that probability reached with no information: without
            intelligence, force alone contains but does not eradicate (Kress & Szechtman
            2009). Assumed 0.15 (plausible 0.05-0.4).
        info_accuracy: How much information closes the gap to perfect accuracy. Assumed 0.5
            (plausible 0.1-0.9).
        loss_fraction: Share of a group's fighters removed by a successful engagement. Assumed
            0.04 (plausible 0.01-0.1).
        exposed: Civilians exposed to an engagement, each hurt with probability 1 - accuracy
            (people; Bennett 2008 exposes every civilian in range). Assumed 5 (plausible 1-20).
        protected: Civilians who feel protected after a successful engagement (people).
            Assumed 300 (plausible 50-1000).
        retaliation_window: Weeks after an attack on a unit during which it is less accurate.
            Assumed 4 (plausible 0-12).
        retaliation_penalty: Relative loss of accuracy in that window. Assumed 0.3 (plausible
            0-0.6).
    """

    presence: float = fields.share(0.25, plausible=(0.1, 0.5), source="assumed")
    deployment: Deployment = field(default_factory=Deployment)
    cross_regions: bool = True
    home_pull: float = nonneg(2.0, plausible=(0.0, 5.0), source="assumed")
    army_accuracy: float = fields.share(0.7, plausible=(0.5, 0.9),
                                        source="assumed (Bennett 2008 uses 0.8)")
    army_conduct: float = fields.share(0.7, plausible=(0.4, 0.9), source="assumed")
    army_deterrence: float = fields.share(0.2, plausible=(0.05, 0.5), source="assumed")
    moc: MixedPatrols = field(default_factory=MixedPatrols)
    un: Peacekeepers = field(default_factory=Peacekeepers)
    insecurity_weight: float = nonneg(2.0, plausible=(0.0, 5.0), source="assumed")
    range_cells: int = bounded(2, 1, 50, plausible=(1, 4), source="assumed")
    candidates: int = bounded(6, 1, 100, plausible=(2, 12), source="assumed")
    crowding: float = nonneg(0.5, plausible=(0.0, 2.0), source="assumed")
    effectiveness: float = fields.share(0.6, plausible=(0.3, 0.9),
                                        source="assumed (Bennett 2008 uses 0.8)")
    detection: float = fields.share(0.3, plausible=(0.1, 0.6), source="assumed")
    info_floor: float = fields.share(0.15, plausible=(0.05, 0.4), source="assumed")
    info_accuracy: float = fields.share(0.5, plausible=(0.1, 0.9), source="assumed")
    loss_fraction: float = fields.share(0.04, plausible=(0.01, 0.1), source="assumed")
    exposed: float = nonneg(5.0, plausible=(1.0, 20.0), source="assumed")
    protected: float = nonneg(300.0, plausible=(50.0, 1000.0), source="assumed")
    retaliation_window: int = bounded(4, 0, plausible=(0, 12), source="assumed")
    retaliation_penalty: float = fields.share(0.3, plausible=(0.0, 0.6), source="assumed")

    def check(self) -> None:
        """Cross-field rules."""
        d = self.deployment
        if d.people + d.insecurity + d.area <= 0:
            raise ValueError("patrol.deployment: people + insecurity + area is 0; give at "
                             "least one of them a positive weight")
        if self.moc.share + self.un.share > 1.0 + 1e-12:
            raise ValueError(
                f"patrol.moc.share + patrol.un.share = {self.moc.share + self.un.share:g} "
                "must be at most 1"
            )


def deployment_weights(rule: Deployment, facts: dict[str, RegionFacts],
                       regions: dict) -> dict[str, float]:
    """Weight of each region id in the national deployment (see :class:`Deployment`)."""
    total = rule.people + rule.insecurity + rule.area
    if total <= 0:
        raise ValueError("patrol.deployment: people + insecurity + area must be above 0")
    people = sum(facts[r].people for r in MALI_REGIONS)
    area = sum(facts[r].km2 for r in MALI_REGIONS)
    danger = sum(regions[r].insecurity for r in MALI_REGIONS) or 1.0
    return {r: (rule.people * facts[r].people / people + rule.area * facts[r].km2 / area
                + rule.insecurity * regions[r].insecurity / danger) / total
            for r in facts if r in regions}


@mechanism
class Patrol(Mechanism):
    """Deploys the security units each week and resolves their operations."""

    name = "patrol"
    phases = {"deployment": "deploy", "operations": "operate"}
    Params = PatrolParams

    owns = (
        Column("units_in_cell", np.int64, "units", "security units in the cell this week"),
        Column("units_near", ACC, "units", "units in the cell plus half those next to it"),
        Column("engagements", np.int64, "engagements", "engagements with armed groups this week"),
        Column("successes", np.int64, "engagements",
               "engagements that weakened an armed group this week"),
        Column("deterrence", ACC, "probability 0-1",
               "chance that a unit in the cell prevents an attack on civilians", bounds=(0, 1)),
        Column("attack_memory", ACC, "attacks", "fading memory of attacks on forces nearby"),
        Column("local_knowledge", ACC, "factor >= 1",
               "extra learning where a mixed patrol is (1 = none)", fill=1.0),
        Column("p_harm_forces", ACC, "probability 0-1",
               "chance a member of the cell is harmed by the forces this week",
               bounds=(0, 1), weekly=True),
        Column("p_protect", ACC, "probability 0-1",
               "chance a member of the cell feels protected by the forces this week",
               bounds=(0, 1), weekly=True),
    )
    reads = ("cells.info", "cells.armed_near", "cells.group_at_cell",
             "cells.attacks_on_forces", "cells.forces_attacked")
    writes = ("armed_groups.strength",)
    streams = ("move", "engage")
    metrics = (
        Metric("patrol_units", "count", None, "Security units deployed", "units",
               "security units deployed in the region (units)"),
        Metric("engagements", "count", None, "Engagements", "engagements per week",
               "engagements of security units with armed groups in the week"),
        Metric("operations_success", "count", None, "Successful operations",
               "engagements per week", "engagements that weakened an armed group in the week"),
    )
    agents = (AgentView(SecurityForce, "units"),)

    def setup(self) -> None:
        """Create the units: count, region, designated kind, starting cell."""
        p, world, model = self.params, self.model.world, self.model
        facts = region_facts(model.config.geography.adult_share)
        national_units = int(round(p.presence * sum(facts[r].cells for r in MALI_REGIONS)))
        by_region = nested_counts(national_units, deployment_weights(
            p.deployment, facts, model.config.regions), world.region_ids)
        n_units = int(by_region.sum())
        insecurity = world.per_cell(model.config.regions, "insecurity")
        per_cell_weight = 1.0 + p.insecurity_weight * insecurity
        share = sum(facts[r].people for r in MALI_REGIONS) / max(national_units, 1)
        self.crowding = p.crowding / np.maximum(1.0, world.people / share)
        units = Table(n_units, "units")
        self.units = units
        region = units.add("region", np.int64)
        region[:] = np.repeat(np.arange(world.n_regions), by_region)
        cell = units.add("cell", np.int64)
        rng = self.generator()
        cell[:] = world.place(region, world.weight * per_cell_weight, rng)
        # Designated kind: the first share of each region's units (in a fixed random order).
        units.add("designation", np.float64)[:] = rng.random(n_units)
        units.add("kind", np.int64)
        units.add("active", np.bool_, True)
        units.add("accuracy", ACC)
        units.add("conduct", ACC)
        units.add("deterrence", ACC)
        units.add("attacked_at", np.int64, -1_000_000)
        # Accuracy, conduct and deterrence by kind (army, MOC, UN), read by the weekly kernel.
        self.by_kind = (np.array([p.army_accuracy, p.moc.accuracy, p.un.accuracy]),
                        np.array([p.army_conduct, p.moc.conduct, p.un.conduct]),
                        np.array([p.army_deterrence, 0.0, p.un.deterrence]))
        self._resolve_kinds(0)
        np.add.at(model.cells["units_in_cell"], cell, 1)
        # The cells that count each cell as a neighbour, for the units near each cell.
        self.neighbours_of = reverse_neighbours(world.nbr_offsets, world.nbr_targets)
        # The raster as int32 for the weekly moves (row, column, cell of each raster index,
        # sub-cells): the same integers in half the cache lines of the world's int64 arrays.
        self.raster = tuple(a.astype(np.int32) for a in (world.cell_row, world.cell_col,
                                                          world.cell_at, world.n_sub))
        self._near()

    def _resolve_kinds(self, t: int) -> None:
        """Kind, accuracy, conduct and deterrence of each unit at step ``t``.

        A unit designated MOC or UN acts as such only where and when that programme runs;
        elsewhere the army holds its post (as when MINUSMA left in 2023).
        """
        p, u, world = self.params, self.units, self.model.world
        if u.size == 0:
            return
        unit_kinds(u["designation"], u["cell"], p.un.share, p.moc.share,
                   world.programme_mask(p.un, t), world.programme_mask(p.moc, t),
                   *self.by_kind, p.moc.local_knowledge, u["kind"], u["accuracy"], u["conduct"],
                   u["deterrence"], self.model.cells["local_knowledge"])

    def _near(self) -> None:
        cells = self.model.cells
        near_units(cells["units_in_cell"], *self.neighbours_of, cells["units_near"])

    def deploy(self, t: int) -> None:
        """Move units toward what the forces know of armed groups; set kinds and deterrence.

        One kernel (:func:`~peacesim.kernels.actors.deploy_week`): the memory of attacks on
        forces fades (kept 0.8 a week, assumed: weeks-long), each cell scores ``info`` where
        armed groups are near plus that memory, the units move, take their kind for the week,
        and an attack on civilians gets through a cell only if no unit there prevents it.
        """
        p, cells, world, u = self.params, self.model.cells, self.model.world, self.units
        row, col, cell_at, n_sub = self.raster
        deploy_week(cells["attack_memory"], 0.8, cells["info"], cells["armed_near"], u["cell"],
                    u["active"], self.crowding, p.range_cells, p.candidates, row, col, cell_at,
                    world.shape[1], world.shape[0], world.region, self.stream("move"), t,
                    cells["units_in_cell"], u["region"], p.home_pull, p.cross_regions, n_sub,
                    u["designation"], p.un.share,
                    p.moc.share, world.programme_mask(p.un, t), world.programme_mask(p.moc, t),
                    *self.by_kind, p.moc.local_knowledge, u["kind"], u["accuracy"],
                    u["conduct"], u["deterrence"], cells["local_knowledge"],
                    *self.neighbours_of, cells["units_near"], cells["deterrence"])

    def operate(self, t: int) -> None:
        """Units engage armed groups in their cells (contact and abuse: the abuse mechanism).

        Units in and next to a cell where forces were attacked this week are on edge
        (``attacked_at``), and the forces remember where they were attacked
        (:func:`~peacesim.kernels.actors.operations_week`).
        """
        p, model, cells, u = self.params, self.model, self.model.cells, self.units
        operations_week(cells["forces_attacked"], u["cell"], u["active"], u["accuracy"],
                        u["attacked_at"], cells["group_at_cell"],
                        model.tables["armed_groups"]["strength"], cells["info"],
                        model.world.people, p.effectiveness, p.detection, p.info_floor,
                        p.info_accuracy, p.retaliation_window, p.retaliation_penalty, p.exposed,
                        p.protected, p.loss_fraction, self.stream("engage"), t,
                        cells["engagements"], cells["successes"], cells["attacks_on_forces"],
                        cells["p_harm_forces"], cells["p_protect"], cells["attack_memory"])

    def record(self, out: dict) -> None:
        """Units per region and successful engagements."""
        world, cells = self.model.world, self.model.cells
        out["patrol_units"], out["engagements"], out["operations_success"] = world.region_sums(
            cells["units_in_cell"], cells["engagements"], cells["successes"])
