"""Access to justice, official and traditional.

Justice resolves grievances (the grievance kernel fades harm memory faster with access) and
raises the perceived legitimacy of governance. A programme closes a share ``access`` of the
gap between a region's access and full access, where and when it runs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from peacesim.config.fields import share
from peacesim.dtypes import ACC
from peacesim.mechanisms.base import Column, Mechanism, Programme, mechanism
from peacesim.results import Metric


@dataclass
class JusticeParams(Programme):
    """Access-to-justice programme.

    Attributes:
        access: Share of the gap to full justice access closed by the programme. 0 = none.
        start, end, regions: When and where.
    """

    access: float = share(0.0)


@mechanism
class Justice(Mechanism):
    """Effective justice access per cell."""

    name = "justice"
    phases = {"programmes": "provide"}
    Params = JusticeParams

    owns = (
        Column("justice", ACC, "share 0-1", "share of grievances that can reach justice",
               bounds=(0, 1)),
        Column("justice_boost", ACC, "share 0-1", "the programme's addition to that share"),
    )
    metrics = (Metric("justice_access", "share", "population", "Access to justice",
                      "% of grievances", "share of grievances that can reach justice",
                      scale=100.0),)

    def setup(self) -> None:
        """Justice access per cell starts at its regional level."""
        model = self.model
        self.base = model.world.per_cell(model.config.regions, "justice_access")
        model.cells["justice"][:] = self.base

    def provide(self, t: int) -> None:
        """Access this week."""
        p, cells = self.params, self.model.cells
        boost = np.where(self.coverage(p, t), p.access * (1.0 - self.base), 0.0)
        cells["justice_boost"][:] = boost
        cells["justice"][:] = self.base + boost

    def record(self, out: dict) -> None:
        """People-weighted justice access per region."""
        world = self.model.world
        w = world.people
        out["justice_access"] = world.region_sum(self.model.cells["justice"] * w) / world.region_sum(w)
