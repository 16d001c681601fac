"""Displacement: people flee the violence in their cell and return when it stops.

Each week a cell's displaced people grow by ``per_harmed`` for each person harmed there by
armed groups, clashes or the forces (the week's expected harm, ``p_harm_violence`` and
``p_harm_forces`` times the adults still at home), and a share ``return_rate`` of them go
back in a week without violence in the cell. Displaced people are counted by cell of origin,
in people (not community members), so the count does not depend on how many members
represent the population. Members stay in their cell: the displaced still answer for their
home community (the model does not move them).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from peacesim.config.fields import nonneg, share
from peacesim.dtypes import ACC
from peacesim.kernels.cells import displacement_week
from peacesim.mechanisms.base import Column, MapLayer, Mechanism, mechanism
from peacesim.results import Metric


@dataclass
class DisplacementParams:
    """Flight from violence and return.

    Attributes:
        per_harmed: People who flee their homes for each person harmed in the cell (all ages,
            the displaced are families). Fitted by hand to IOM's 38,172 internally displaced
            people at the end of 2017 and 120,298 at the end of 2018 (mali_2017_2020);
            plausible 1-50. Default 6.
        forces_factor: Flight for a person harmed by the forces, relative to one harmed by
            armed groups. Assumed 1 (plausible 0-2).
        return_rate: Weekly share of a cell's displaced who return in a week without
            violence there. 0.025: IOM counted 283,726 displaced in October 2013 and 61,621 in
            December 2014, a fall of 78 % in about 60 weeks (plausible 0.005-0.05).
    """

    per_harmed: float = nonneg(6.0, 1000.0, plausible=(1.0, 50.0),
                               source="fitted by hand to IOM 2017-2018 (circular for those rows)")
    forces_factor: float = nonneg(1.0, 10.0, plausible=(0.0, 2.0), source="assumed")
    return_rate: float = share(0.025, plausible=(0.005, 0.05),
                               source="IOM DTM Oct 2013 - Dec 2014 (283,726 to 61,621)")


@mechanism
class Displacement(Mechanism):
    """Who flees and who returns (operations phase, after the week's violence and harm)."""

    name = "displacement"
    phases = {"operations": "flee"}
    order = 90  # after the forces' operations of the week
    Params = DisplacementParams
    owns = (Column("displaced", ACC, "people",
                   "people of all ages displaced from the cell, by cell of origin",
                   bounds=(0, None)),
            Column("newly_displaced", ACC, "people", "people who fled the cell this week",
                   bounds=(0, None), weekly=True))
    reads = ("cells.p_harm_violence", "cells.p_harm_forces", "cells.attacks")
    metrics = (Metric("idps", "level", None, "Internally displaced people", "people",
                      "people displaced from their homes in the region (all ages)"),
               Metric("newly_displaced", "count", None, "Newly displaced", "people per week",
                      "people who fled their homes in the week (all ages)"),)
    maps = (MapLayer("displaced", "Displaced people", "people",
                     "people displaced from the cell (all ages)", when=("end",)),)

    def setup(self) -> None:
        """Nobody displaced at the start."""
        self.adult_share = self.model.config.geography.adult_share

    def flee(self, t: int) -> None:
        """This week's flight and returns."""
        p, cells, world = self.params, self.model.cells, self.model.world
        displacement_week(world.people, self.adult_share, cells["p_harm_violence"],
                          cells["p_harm_forces"], cells["attacks"], p.forces_factor,
                          p.per_harmed, p.return_rate, cells["displaced"],
                          cells["newly_displaced"])

    def record(self, out: dict) -> None:
        """Displaced people and the week's flight, per region."""
        world = self.model.world
        out["idps"], out["newly_displaced"] = world.region_sums(
            self.model.cells["displaced"], self.model.cells["newly_displaced"])

    def map_values(self, name: str) -> np.ndarray:
        """Displaced people by cell of origin."""
        return self.model.cells["displaced"].copy()
