"""Communal tension over land and water between farming and herding communities.

Each week a cell has a clash with probability ``clash_rate * stress * (1 - cohesion)^2``,
where ``stress`` is the region's resource stress, higher in cells on an international border
(disputed demarcation; Interpeace's Sikasso - Hauts-Bassins research). A clash harms a share of
the cell's members and erodes trust between communities; cohesion drifts back otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from peacesim.config.fields import nonneg, share
from peacesim.dtypes import REAL
from peacesim.kernels.cells import cohesion_step
from peacesim.mechanisms.base import Column, Mechanism, mechanism
from peacesim.random import uniform_numpy
from peacesim.results import Metric


@dataclass
class CommunalParams:
    """Communal clashes and trust between communities.

    Attributes:
        clash_rate: Weekly clash probability in a cell at stress 1 and cohesion 0. Assumed 0.01
            (about 5 clashes a week nationally at baseline cohesion, next to about 9 armed-group
            events a week in ACLED Mali 2017). Plausible 0.002-0.03.
        clash_harm: People harmed by a clash. Assumed 10 (plausible 2-30).
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
    """

    clash_rate: float = share(0.01, plausible=(0.002, 0.03), source="assumed")
    clash_harm: float = nonneg(10.0, plausible=(2.0, 30.0), source="assumed")
    cohesion_shock: float = share(0.1, plausible=(0.02, 0.3), source="assumed")
    drift: float = share(0.01, plausible=(0.002, 0.05), source="assumed")
    border_stress: float = share(0.3, plausible=(0.0, 0.6), source="assumed")
    border_relief: float = share(0.7, plausible=(0.3, 1.0), source="assumed")
    spread: float = share(0.1, plausible=(0.02, 0.3), source="assumed")


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

    def clash(self, t: int) -> None:
        """Draw clashes, harm members, shock and restore cohesion."""
        p, model, cells, world = self.params, self.model, self.model.cells, self.model.world
        border_extra = p.border_stress * world.border
        running = cells["cross_border_dialogue"]
        if running.any():
            border_extra = np.where(running, border_extra * (1.0 - p.border_relief), border_extra)
        stress = np.minimum(1.0, self.stress + border_extra)
        cohesion_mean = cells["cohesion_sum"] / np.maximum(cells["members"], 1)
        p_clash = p.clash_rate * stress * (1.0 - cohesion_mean) ** 2
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
        members = np.maximum(world.region_sum(cells["members"].astype(float)), 1)
        out["social_cohesion"] = world.region_sum(cells["cohesion_sum"]) / members
