"""Access to justice through two channels, official and traditional, that build up over months.

Each cell has a capacity of each channel, in [0, 1]: the share of grievances that can reach
it. A region's ``justice_access`` is split between them by ``official_share``; a programme
closes a share ``access`` of the gap to full access, split the same way, where and when it
runs. Capacity does not appear at once: each channel moves toward its target by a share
``speed`` a week (courts take longer to open than councils of elders to meet), and falls back
the same way when a programme ends.

Resolution (``cells.justice``, read by the grievance kernel: harm memory fades faster) is
each channel's capacity times the trust people place in it. Only the official channel can
sanction the forces: ``accountability = sanctions * official capacity``, which lowers the
forces' impunity (:mod:`peacesim.mechanisms.abuse`) and spares part of the trust lost on
hearing of an abuse (the abuse is seen to be answered, :mod:`peacesim.mechanisms.trust`).
Legitimacy rises with the programme's added resolution (``cells.justice_boost``), gradually,
in the grievance mechanism.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from peacesim.config.fields import share
from peacesim.dtypes import ACC
from peacesim.kernels.cells import justice_week
from peacesim.kernels.recording import justice_results
from peacesim.mechanisms.base import Column, Mechanism, Programme, mechanism
from peacesim.results import Metric


@dataclass
class JusticeParams(Programme):
    """Access-to-justice programme and the two channels.

    Attributes:
        access: Share of the gap to full justice access closed by the programme. 0 = none. Plausible
            0-0.5.
        official_share: Share of access (the region's and the programme's) through official
            courts; the rest through traditional mechanisms (elders, religious leaders, cadis).
            Assumed 0.5 (0.2-0.8).
        official_speed: Weekly share of the gap to its target an official channel's capacity
            closes. Assumed 0.04 (about half a year to build up; plausible 0.01-0.2).
        traditional_speed: The same for traditional justice. Assumed 0.12 (about two months;
            0.04-0.5).
        official_trust: Share of grievances brought to official courts that people accept as
            resolved. Assumed 0.5 (0.2-0.9).
        traditional_trust: The same for traditional justice. Assumed 0.8 (0.5-1): IMRAP's
            consultations report more trust in traditional than in state justice (assumed
            size).
        sanctions: Share of the forces' abuses brought to official justice that end in a
            sanction, at full official capacity. Assumed 0.3 (0-1).
        start, end, regions: When and where.
    """

    access: float = share(0.0, plausible=(0.0, 0.5), source="programme lever (assumed)")
    official_share: float = share(0.5, plausible=(0.2, 0.8), source="assumed")
    official_speed: float = share(0.04, plausible=(0.01, 0.2), source="assumed")
    traditional_speed: float = share(0.12, plausible=(0.04, 0.5), source="assumed")
    official_trust: float = share(0.5, plausible=(0.2, 0.9), source="assumed")
    traditional_trust: float = share(0.8, plausible=(0.5, 1.0),
                                     source="assumed (direction from IMRAP's consultations)")
    sanctions: float = share(0.3, plausible=(0.0, 1.0), source="assumed")


@mechanism
class Justice(Mechanism):
    """Capacity of each justice channel per cell; resolution and accountability."""

    name = "justice"
    phases = {"programmes": "provide"}
    Params = JusticeParams
    owns = (
        Column("justice_official", ACC, "share 0-1",
               "capacity of official justice: share of grievances that can reach it",
               bounds=(0, 1)),
        Column("justice_traditional", ACC, "share 0-1",
               "capacity of traditional justice", bounds=(0, 1)),
        Column("justice", ACC, "share 0-1",
               "share of grievances resolved: each channel's capacity times its trust",
               bounds=(0, 1)),
        Column("justice_boost", ACC, "share 0-1", "the programme's addition to that share"),
        Column("accountability", ACC, "share 0-1",
               "share of the forces' abuses sanctioned by official justice", bounds=(0, 1)),
    )
    metrics = (
        Metric("justice_access", "share", "population", "Access to justice",
               "% of grievances", "share of grievances that can reach official or "
               "traditional justice", scale=100.0),
        Metric("accountability", "share", "population", "Accountability of the forces",
               "% of abuses", "share of the forces' abuses sanctioned by official justice",
               scale=100.0),
    )

    def setup(self) -> None:
        """Each channel's capacity starts at its share of the region's access."""
        p, model = self.params, self.model
        self.base = model.world.per_cell(model.config.regions, "justice_access")
        model.cells["justice_official"][:] = p.official_share * self.base
        model.cells["justice_traditional"][:] = (1.0 - p.official_share) * self.base
        # The starting resolution: a week in which the capacities do not move.
        self._week(np.zeros(model.world.n_cells, dtype=bool), speeds=(0.0, 0.0))

    def provide(self, t: int) -> None:
        """Capacities move toward this week's targets; resolution and accountability."""
        p = self.params
        self._week(self.coverage(p, t), speeds=(p.official_speed, p.traditional_speed))

    def _week(self, running: np.ndarray, speeds: tuple[float, float]) -> None:
        p, cells = self.params, self.model.cells
        base_mix = (p.official_trust * p.official_share
                    + p.traditional_trust * (1.0 - p.official_share))
        justice_week(running, self.base, p.access, p.official_share, *speeds,
                     p.official_trust, p.traditional_trust, p.sanctions, base_mix,
                     cells["justice_official"], cells["justice_traditional"], cells["justice"],
                     cells["justice_boost"], cells["accountability"])

    def record(self, out: dict) -> None:
        """People-weighted capacity and accountability per region."""
        world, cells = self.model.world, self.model.cells
        results = np.empty((2, world.n_regions), dtype=ACC)
        justice_results(world.cells_by_region, world.region_starts, cells["justice_official"],
                        cells["justice_traditional"], cells["accountability"], world.people,
                        world.region_people, results)
        out["justice_access"], out["accountability"] = results
