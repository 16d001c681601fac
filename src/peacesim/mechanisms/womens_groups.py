"""Women's groups: their reach among women and their participation in dialogue.

Groups are placed in the most populous cells of each region they cover. Where a group is
active it convenes sessions of its own and raises the share of women among those reached by
all sessions in its cell, and half as much in neighbouring cells (assumed).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from peacesim.agents import WomensGroup
from peacesim.config.fields import bounded, nonneg, share
from peacesim.dtypes import ACC
from peacesim.kernels.cells import womens_groups_week
from peacesim.mechanisms.base import AgentView, Column, Mechanism, Programme, mechanism
from peacesim.population import Table
from peacesim.results import Metric


@dataclass
class WomensGroupParams(Programme):
    """Women's groups taking part in trust building.

    Attributes:
        per_region: Groups in each covered region. Assumed 2 (plausible 0-10).
        reach: Share of the women of its cell who belong to a group. Assumed 0.3 (plausible
            0.1-0.6).
        participation: Share of members who take part in dialogue. Assumed 0.5 (plausible 0.2-0.8).
        sessions_per_year: Sessions a group convenes itself, per year (0 = none beyond the
            dialogue programme). Assumed 0 in the baseline. Plausible 0-12.
        start, end, regions: When and where the groups are active.
    """

    per_region: int = bounded(2, 0, 1000, plausible=(0, 10), source="programme lever (assumed)")
    reach: float = share(0.3, plausible=(0.1, 0.6), source="assumed")
    participation: float = share(0.5, plausible=(0.2, 0.8), source="assumed")
    sessions_per_year: float = nonneg(0.0, plausible=(0.0, 12.0),
                                      source="programme lever (assumed: up to a session a month)")


@mechanism
class WomensGroups(Mechanism):
    """Women's groups as collective actors; dialogue reads their effect per cell."""

    name = "womens_groups"
    phases = {"programmes": "organise"}
    Params = WomensGroupParams

    owns = (
        Column("womens_boost", ACC, "share 0-1",
               "share of the gap to all-women dialogue participation closed by groups",
               bounds=(0, 1)),
        Column("womens_sessions", ACC, "sessions per week",
               "dialogue sessions convened by women's groups"),
    )
    metrics = (Metric("womens_groups_active", "count", None, "Women's groups active", "groups",
                      "women's groups active in the region"),)
    agents = (AgentView(WomensGroup, "womens_groups"),)

    def setup(self) -> None:
        """Place groups in the most populous cells of each simulated region."""
        p, world = self.params, self.model.world
        cells = []
        for r in range(world.n_regions):
            members = np.flatnonzero(world.region == r)
            order = members[np.argsort(-world.weight[members], kind="stable")]
            cells.extend(order[: p.per_region].tolist())
        groups = Table(len(cells), "womens_groups")
        groups.add("cell", np.int64)[:] = cells
        groups.add("active", np.bool_)
        self.groups = groups
        self._weeks = {}  # (active, boost, sessions) by the bytes of the programme's mask

    def organise(self, t: int) -> None:
        """Which groups are active this week, and their effect per cell."""
        p, world, g, cells = self.params, self.model.world, self.groups, self.model.cells
        if g.size == 0:
            cells["womens_boost"][:] = 0.0
            cells["womens_sessions"][:] = 0.0
            return
        # The week's effect is a function of where the programme runs alone (the groups,
        # their cells and the parameters are fixed for the run), and that is one of a few
        # masks: each is computed once, then copied into the columns every week.
        running = self.coverage(p, t)
        where = running.tobytes()
        week = self._weeks.get(where)
        if week is None:
            n = world.n_cells
            week = (np.empty(g.size, dtype=np.bool_), np.empty(n), np.empty(n))
            womens_groups_week(g["cell"], running, p.reach * p.participation,
                               p.sessions_per_year / 52.0, world.nbr_offsets,
                               world.nbr_targets, *week)
            if len(self._weeks) >= 8:
                self._weeks.clear()
            self._weeks[where] = week
        g["active"][:] = week[0]
        cells["womens_boost"][:] = week[1]
        cells["womens_sessions"][:] = week[2]

    def record(self, out: dict) -> None:
        """Active groups per region."""
        world, g = self.model.world, self.groups
        out["womens_groups_active"] = world.actors_region_sum(g["cell"], g["active"])
