"""Communal tension over land and water between farming and herding communities.

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
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from peacesim.config.fields import nonneg, share
from peacesim.dtypes import REAL
from peacesim.kernels.cells import cohesion_step
from peacesim.mechanisms.base import Column, Mechanism, mechanism
from peacesim.population import HERDER
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
        stigma: How much more the forces' harm falls on a herder than on a farmer, as
            1 + stigma times. Assumed 0 (none; plausible 0-5). Human Rights Watch and the UN
            report abuses by Malian forces mostly against Fulani in central Mali (second-hand).
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
        Column("clashes", np.int64, "events", "communal clashes in the cell this week"),
    )
    reads = ("cells.cohesion_sum", "cells.members", "cells.cross_border_dialogue")
    writes = ("cells.attacks", "cells.p_harm_violence")
    streams = ("clash",)
    metrics = (
        Metric("social_cohesion", "share", "members", "Social cohesion", "mean score, 0-1",
               "community members' mean trust in the other community", main=True),
        Metric("communal_clashes", "count", None, "Communal clashes", "events per week",
               "clashes between communities in the week"),
        Metric("cohesion_farming", "share", "members", "Farmers' trust in herders",
               "mean score, 0-1", "farming members' mean trust in the herding community "
               "(members not in armed groups)"),
        Metric("cohesion_herding", "share", "members", "Herders' trust in farmers",
               "mean score, 0-1", "herding members' mean trust in the farming community"),
        Metric("clash_deaths", "count", None, "Killed in communal clashes", "people per week",
               "people killed in communal clashes in the week (expected)"),
    )

    def setup(self) -> None:
        """Cohesion drawn around each region's level."""
        model, world = self.model, self.model.world
        base = world.per_cell(model.config.regions, "cohesion")
        self.baseline = base
        kappa = 1.0 / max(self.params.spread, 1e-6)
        mean = np.clip(base[model.people.cell], 1e-3, 1 - 1e-3)
        rng = self.generator()
        model.people["cohesion"][:] = rng.beta(mean * kappa, (1 - mean) * kappa).astype(REAL)
        self.stress = world.per_cell(model.config.regions, "resource_stress")
        h = np.minimum(1.0, world.per_cell(model.config.regions, "herder_share")
                       * model.config.population.herder_share_scale)
        self.mix = 4.0 * h * (1.0 - h)
        herder = (model.people.traits & HERDER) > 0
        self.herder_rows = np.flatnonzero(herder)
        self.herder_region = np.asarray(world.region[model.people.cell[self.herder_rows]],
                                        dtype=np.intp)
        self.herders = np.bincount(self.herder_region, minlength=world.n_regions)
        stigma = self.params.stigma
        mean = 1.0 + stigma * h[model.people.cell]
        model.people["forces_exposure"][:] = np.where(herder, 1.0 + stigma, 1.0) / mean

    def clash(self, t: int) -> None:
        """Draw clashes, harm members, shock and restore cohesion."""
        p, model, cells, world = self.params, self.model, self.model.cells, self.model.world
        border_extra = p.border_stress * world.border
        running = cells["cross_border_dialogue"]
        if running.any():
            border_extra = np.where(running, border_extra * (1.0 - p.border_relief), border_extra)
        stress = np.minimum(1.0, self.stress + border_extra)
        cohesion_mean = cells["cohesion_sum"] / np.maximum(cells["members"], 1)
        p_clash = np.minimum(1.0, p.clash_rate * world.people / 1e4 * stress * self.mix
                             * (1.0 - cohesion_mean) ** 2)
        clashes = uniform_numpy(self.stream("clash"), t, np.arange(world.n_cells), 0) < p_clash
        cells["clashes"][:] = clashes
        cells["attacks"] += clashes
        cells["p_harm_violence"][:] = np.minimum(1.0, cells["p_harm_violence"]
                                                 + p.clash_harm * clashes
                                                 / np.maximum(world.people, 1.0))
        people = model.people
        cohesion_step(people.offsets, people["cohesion"], p.cohesion_shock * clashes,
                      self.baseline, p.drift)

    def record(self, out: dict) -> None:
        """Clashes and mean trust between communities per region."""
        world, cells = self.model.world, self.model.cells
        out["communal_clashes"] = world.region_sum(cells["clashes"].astype(float))
        out["clash_deaths"] = out["communal_clashes"] * self.params.clash_deaths
        members = np.maximum(world.region_sum(cells["members"].astype(float)), 1)
        out["social_cohesion"] = world.region_sum(cells["cohesion_sum"]) / members
        # Herders are a quarter of the members: sum over them only, and take the farmers'
        # sum as the census's (members not in armed groups) less the herders' (recruited
        # herders, a fraction of a per cent, are counted among herders only).
        herd = np.bincount(self.herder_region, weights=self.model.people["cohesion"][
            self.herder_rows], minlength=world.n_regions)
        n_herd = self.herders
        farm = world.region_sum(cells["cohesion_sum"]) - herd
        n_farm = members - n_herd
        out["cohesion_herding"] = np.where(n_herd > 0, herd / np.maximum(n_herd, 1), 0.0)
        out["cohesion_farming"] = np.where(n_farm > 0, farm / np.maximum(n_farm, 1), 0.0)
