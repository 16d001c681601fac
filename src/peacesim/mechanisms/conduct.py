"""Conflict-sensitive conduct: training security units to protect civilians better.

Interpeace and IMRAP trained MINUSMA and Malian SDF staff in conflict-sensitive conduct. A
trained unit closes part of the gap to perfect accuracy and to perfect conduct.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from peacesim.config import fields
from peacesim.mechanisms.base import Mechanism, Programme, mechanism
from peacesim.random import uniform_numpy


@dataclass
class ConductParams(Programme):
    """Training in conflict-sensitive conduct.

    Attributes:
        share: Share of the units in the covered regions that are trained. 0 = no programme.
        accuracy_gain: Share of the gap to perfect accuracy a trained unit closes. Assumed 0.5.
        conduct_gain: Share of the gap to perfect conduct a trained unit closes. Assumed 0.5.
        start, end, regions: When and where.
    """

    share: float = fields.share(0.0)
    accuracy_gain: float = fields.share(0.5)
    conduct_gain: float = fields.share(0.5)


@mechanism
class Conduct(Mechanism):
    """Raises the accuracy and conduct of trained units (after the patrol sets them)."""

    name = "conduct"
    phases = {"deployment": "train"}
    order = 10
    Params = ConductParams

    def setup(self) -> None:
        """Cell column: trained units."""
        self.model.cells.add("trained_units", np.int64)
        self._draw = None  # the units' fixed draws, made on first use (patrol sets up units)

    def train(self, t: int) -> None:
        """Apply the training to units standing in covered cells."""
        p = self.params
        units = self.model.mechanisms["patrol"].units
        cells = self.model.cells
        cells["trained_units"][:] = 0
        if units.size == 0 or p.share <= 0.0:
            return
        covered = self.coverage(p, t)[units["cell"]]
        if self._draw is None:
            # Each unit has one fixed draw: raising ``share`` only adds trained units.
            self._draw = uniform_numpy(self.stream("select"), 0, np.arange(units.size), 0)
        trained = covered & (self._draw < p.share) & units["active"]
        units["accuracy"][trained] += p.accuracy_gain * (1.0 - units["accuracy"][trained])
        units["conduct"][trained] += p.conduct_gain * (1.0 - units["conduct"][trained])
        np.add.at(cells["trained_units"], units["cell"][trained], 1)

    def record(self, out: dict) -> None:
        """Trained units per region."""
        world = self.model.world
        out["trained_units"] = world.region_sum(self.model.cells["trained_units"].astype(float))

    results = {"trained_units": ("count", None, "units trained in conflict-sensitive conduct")}
