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
from peacesim.mechanisms.base import Mechanism, Programme, mechanism


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

    def setup(self) -> None:
        """Cell columns: justice access and the programme's addition to it."""
        model = self.model
        self.base = model.world.per_cell(model.config.regions, "justice_access")
        model.cells.add("justice", ACC)[:] = self.base
        model.cells.add("justice_boost", ACC)

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

    results = {"justice_access": ("share", "population", "share of grievances that can reach justice")}
