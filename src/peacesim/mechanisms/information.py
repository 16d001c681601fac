"""Information: communities tell the forces what they know, in proportion to their trust.

Per cell and week, the share of members willing to report is the mean trust of those who do
not support armed groups (Wheeler 2005: reporting eagerness rises with the forces'
reputation). Where armed groups are in or near the cell, the forces' knowledge ``info`` grows
with that share (more where a unit is, and more again for mixed patrols, who know the terrain)
and decays without it. The forces' trust in the community rises with the information they
receive and falls with attacks on them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from peacesim.config.fields import share
from peacesim.dtypes import ACC
from peacesim.kernels.cells import information_week
from peacesim.kernels.information import kept_after_attacks, trust_after_attacks
from peacesim.kernels.recording import information_results
from peacesim.mechanisms.base import Column, MapLayer, Mechanism, mechanism
from peacesim.results import Metric


@dataclass
class InformationParams:
    """Information sharing and the forces' knowledge and trust.

    Attributes:
        report_rate: Share of what willing members know that reaches the forces in a week.
            Assumed 0.5 (plausible 0.2-0.8).
        learn: Weekly gain of knowledge at full reporting where armed groups are. Assumed 0.3
            (plausible 0.1-0.6).
        decay: Weekly loss of knowledge without reinforcement. Assumed 0.05 (plausible 0.01-0.2).
        unit_bonus: Extra learning where a unit is in the cell (relative). Assumed 1 (plausible
            0.3-1).
        sdf_trust_start: Forces' trust in communities at the start. Assumed 0.5 (plausible 0.3-0.7).
        sdf_gain: Weekly gain of the forces' trust per unit of reporting. Assumed 0.05 (plausible
            0.01-0.15).
        sdf_attack_loss: Share of the forces' trust lost per attack on them nearby. Assumed 0.1
            (plausible 0.02-0.3).
        sdf_drift: Weekly drift of the forces' trust back to its starting level. Assumed 0.01
            (plausible 0.002-0.05).
    """

    report_rate: float = share(0.5, plausible=(0.2, 0.8), source="assumed")
    learn: float = share(0.3, plausible=(0.1, 0.6), source="assumed")
    decay: float = share(0.05, plausible=(0.01, 0.2), source="assumed")
    unit_bonus: float = share(1.0, plausible=(0.3, 1.0), source="assumed")
    sdf_trust_start: float = share(0.5, plausible=(0.3, 0.7), source="assumed")
    sdf_gain: float = share(0.05, plausible=(0.01, 0.15), source="assumed")
    sdf_attack_loss: float = share(0.1, plausible=(0.02, 0.3), source="assumed")
    sdf_drift: float = share(0.01, plausible=(0.002, 0.05), source="assumed")


@mechanism
class Information(Mechanism):
    """Reporting, the forces' knowledge, and the forces' trust in communities."""

    name = "information"
    phases = {"information": "share"}
    Params = InformationParams

    owns = (
        Column("info", ACC, "score 0-1", "forces' knowledge of armed-group activity nearby",
               bounds=(0, 1)),
        Column("sdf_trust", ACC, "score 0-1", "forces' trust in the cell's community",
               bounds=(0, 1)),
        Column("reporting", ACC, "share 0-1",
               "share of what members know that reaches the forces this week"),
    )
    reads = ("cells.report_sum", "cells.members", "cells.armed_near", "cells.units_in_cell",
             "cells.local_knowledge", "cells.attacks_on_forces")
    metrics = (
        Metric("information_sharing", "share", "population", "Information shared with the forces",
               "% of what communities know",
               "share of what community members know that reaches the forces", scale=100.0,
               main=True, flow=True),
        Metric("sdf_trust_in_community", "share", "population", "Forces' trust in communities",
               "mean score, 0-1", "forces' trust in the communities they serve", main=True),
        Metric("forces_information", "share", "population", "Forces' knowledge of armed groups",
               "mean score, 0-1", "forces' knowledge of armed-group activity"),
    )
    maps = (MapLayer("forces_information", "Forces' knowledge of armed groups", "score 0-1",
                     "forces' knowledge of armed-group activity in the cell", when=("end",)),)

    def setup(self) -> None:
        """The forces' trust in communities starts at its assumed level."""
        self.model.cells["sdf_trust"][:] = self.params.sdf_trust_start
        self._attacks_near = np.empty(self.model.world.n_cells)  # weekly scratch (events)
        self._kept = kept_after_attacks(self.params.sdf_attack_loss)  # fixed for the run

    def share(self, t: int) -> None:
        """Update reporting, knowledge and the forces' trust in each cell."""
        p, cells, world = self.params, self.model.cells, self.model.world
        information_week(cells["report_sum"], cells["members"], cells["armed_near"],
                         cells["units_in_cell"], cells["local_knowledge"],
                         cells["attacks_on_forces"], world.nbr_offsets, world.nbr_targets,
                         p.report_rate, p.unit_bonus, p.learn, p.decay, p.sdf_gain,
                         cells["reporting"], cells["info"], cells["sdf_trust"],
                         self._attacks_near)
        if not trust_after_attacks(cells["sdf_trust"], self._attacks_near, self._kept,
                                   p.sdf_drift, p.sdf_trust_start):
            # More attacks near a cell than the table holds: the power in NumPy. Imported
            # here because almost no run gets here, and the cold-cache check counts every
            # kernel a mechanism's module holds (it would report this one on every run).
            from peacesim.kernels.cells import forces_trust_after_attacks

            kept = np.power(1.0 - p.sdf_attack_loss, self._attacks_near)
            forces_trust_after_attacks(cells["sdf_trust"], kept, p.sdf_drift, p.sdf_trust_start)

    def record(self, out: dict) -> None:
        """People-weighted reporting share, knowledge and forces' trust per region."""
        world, cells = self.model.world, self.model.cells
        results = np.empty((3, world.n_regions), dtype=ACC)
        information_results(world.cells_by_region, world.region_starts, cells["reporting"],
                            cells["sdf_trust"], cells["info"], world.people,
                            world.region_people, results)
        out["information_sharing"], out["sdf_trust_in_community"], \
            out["forces_information"] = results

    def map_values(self, name: str) -> np.ndarray:
        """The forces' knowledge per cell."""
        return self.model.cells["info"].copy()
