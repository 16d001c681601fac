"""Women's groups: their reach among women and their participation in dialogue.

Groups are placed in the most populous cells of each region they cover. Where a group is
active it convenes sessions of its own and raises the share of women among those reached by
all sessions in its cell, and half as much in neighbouring cells (assumed).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from peacesim.config.fields import bounded, nonneg, share
from peacesim.mechanisms.base import Mechanism, Programme, mechanism
from peacesim.population import Table


@dataclass
class WomensGroupParams(Programme):
    """Women's groups taking part in trust building.

    Attributes:
        per_region: Groups in each covered region. Assumed 2.
        reach: Share of the women of its cell who belong to a group. Assumed 0.3.
        participation: Share of members who take part in dialogue. Assumed 0.5.
        sessions_per_year: Sessions a group convenes itself, per year (0 = none beyond the
            dialogue programme). Assumed 0 in the baseline.
        start, end, regions: When and where the groups are active.
    """

    per_region: int = bounded(2, 0, 1000)
    reach: float = share(0.3)
    participation: float = share(0.5)
    sessions_per_year: float = nonneg(0.0)


@mechanism
class WomensGroups(Mechanism):
    """Women's groups as collective actors; read by the dialogue mechanism."""

    name = "womens_groups"
    phases = {"programmes": "organise"}
    Params = WomensGroupParams

    def setup(self) -> None:
        """Place groups in the most populous cells of each simulated region."""
        p, world = self.params, self.model.world
        cells = []
        for r in range(world.n_regions):
            members = np.flatnonzero(world.region == r)
            order = members[np.argsort(-world.weight[members], kind="stable")]
            cells.extend(order[: p.per_region].tolist())
        groups = Table(len(cells), "women's groups")
        groups.add("cell", np.int64)[:] = cells
        groups.add("active", np.bool_)
        self.groups = groups
        self._boost = np.zeros(world.n_cells)
        self._sessions = np.zeros(world.n_cells)

    def organise(self, t: int) -> None:
        """Which groups are active this week, and their effect per cell."""
        p, world, g = self.params, self.model.world, self.groups
        n = world.n_cells
        if g.size == 0:
            self._boost, self._sessions = np.zeros(n), np.zeros(n)
            return
        g["active"][:] = self.coverage(p, t)[g["cell"]]
        here = np.zeros(n)
        np.add.at(here, g["cell"][g["active"]], p.reach * p.participation)
        here = np.minimum(1.0, here)
        self._boost = np.minimum(1.0, here + 0.5 * np.minimum(1.0, world.neighbour_sum(here)))
        sessions = np.zeros(n)
        np.add.at(sessions, g["cell"][g["active"]], p.sessions_per_year / 52.0)
        self._sessions = sessions

    def boost(self, t: int) -> np.ndarray:
        """Share of the gap to all-women participation closed by groups, per cell."""
        return self._boost

    def extra_sessions(self, t: int) -> np.ndarray:
        """Sessions per week convened by groups, per cell."""
        return self._sessions

    def record(self, out: dict) -> None:
        """Active groups per region."""
        world, g = self.model.world, self.groups
        active = np.zeros(world.n_regions)
        if g.size:
            np.add.at(active, world.region[g["cell"]], g["active"].astype(float))
        out["womens_groups_active"] = active

    results = {"womens_groups_active": ("count", None, "women's groups active in the region")}
