"""Conflict-sensitive conduct: training security units to protect civilians better.

Interpeace and IMRAP trained MINUSMA and Malian SDF staff in conflict-sensitive conduct. A
trained unit closes part of the gap to perfect accuracy and to perfect conduct.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from peacesim.config import fields
from peacesim.mechanisms.base import Column, Mechanism, Programme, mechanism
from peacesim.random import uniform_numpy
from peacesim.results import Metric


@dataclass
class ConductParams(Programme):
    """Training in conflict-sensitive conduct.

    Attributes:
        share: Share of the units in the covered regions that are trained. 0 = no programme.
            Plausible 0-1.
        accuracy_gain: Share of the gap to perfect accuracy a trained unit closes. Assumed 0.5
            (plausible 0.1-0.8).
        conduct_gain: Share of the gap to perfect conduct a trained unit closes. Assumed 0.5
            (plausible 0.1-0.8).
        start, end, regions: When and where.
    """

    share: float = fields.share(0.0, plausible=(0.0, 1.0), source="programme lever (assumed)")
    accuracy_gain: float = fields.share(0.5, plausible=(0.1, 0.8), source="assumed")
    conduct_gain: float = fields.share(0.5, plausible=(0.1, 0.8), source="assumed")


@mechanism
class Conduct(Mechanism):
    """Raises the accuracy and conduct of trained units (after the patrol sets them)."""

    name = "conduct"
    phases = {"deployment": "train"}
    order = 10
    Params = ConductParams

    owns = (Column("trained_units", np.int64, "units", "trained units in the cell this week"),)
    writes = ("units.accuracy", "units.conduct")
    reads = ("units.cell", "units.active")
    after = ("patrol",)  # trains the units patrol creates
    streams = ("select",)
    metrics = (Metric("trained_units", "count", None,
                      "Units trained in conflict-sensitive conduct", "units",
                      "units trained in conflict-sensitive conduct"),)

    def setup(self) -> None:
        """Each unit's fixed draw: raising ``share`` only adds trained units."""
        units = self.model.tables["units"]
        self.draw = uniform_numpy(self.stream("select"), 0, np.arange(units.size), 0)

    def train(self, t: int) -> None:
        """Apply the training to units standing in covered cells."""
        p = self.params
        units = self.model.tables["units"]
        cells = self.model.cells
        cells["trained_units"][:] = 0
        if units.size == 0 or p.share <= 0.0:
            return
        covered = self.coverage(p, t)[units["cell"]]
        trained = covered & (self.draw < p.share) & units["active"]
        units["accuracy"][trained] += p.accuracy_gain * (1.0 - units["accuracy"][trained])
        units["conduct"][trained] += p.conduct_gain * (1.0 - units["conduct"][trained])
        np.add.at(cells["trained_units"], units["cell"][trained], 1)

    def record(self, out: dict) -> None:
        """Trained units per region."""
        world = self.model.world
        out["trained_units"] = world.region_sum(self.model.cells["trained_units"])
