"""Grievance, legitimacy and support for armed groups (Epstein 2002 Model I, extended).

Legitimacy per cell moves each week by a share ``legitimacy_rate`` toward its target: the
region's level, raised by what justice programmes add and lowered by the memory of the forces'
harm (legitimacy builds over months, it does not jump). Each member's grievance is hardship
times (1 - legitimacy) plus the memory of harm, which grows when they are harmed and when they
hear of the forces' harm to others (anger travels through families and communities); a member
supports armed groups when grievance exceeds perceived risk (from units nearby, Epstein's
``P = 1 - exp(-k C/A)``) and trust in the forces by a threshold.

Epstein's ratio ``C/A`` (units near / armed actives near) is continuous by default; ``arrest_
ratio: floor`` uses ``floor(C/A)`` as NetLogo's Rebellion does. The default is continuous
because C and A here are expected numbers over a 28 km cell (units near and fighters near
scaled by ``armed_scale``), not counts of agents in a vision radius: flooring them would make
risk jump at arbitrary cell-level thresholds. With a continuous ratio Epstein's model is
near-quiescent (docs/validation/epstein.md); the main model's outbursts are not its purpose.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from peacesim.config.fields import nonneg, positive, share
from peacesim.dtypes import ACC, FLAG, REAL
from peacesim.kernels.grievance import grievance_week, risk_exponent
from peacesim.kernels.recording import grievance_results
from peacesim.mechanisms.base import Column, MapLayer, Mechanism, mechanism
from peacesim.random import HARMED_BY_FORCES, HARMED_BY_VIOLENCE, HEARD
from peacesim.results import Metric


@dataclass
class GrievanceParams:
    """Grievance and the decision to support armed groups.

    Attributes:
        harm_gain: Share of the gap to full harm memory added when harmed by the forces.
            Assumed 0.5 (plausible 0.2-0.9).
        violence_gain: The same when harmed by armed groups or clashes. Assumed 0.2 (plausible
            0.05-0.5).
        forget: Weekly fading of harm memory. Assumed 0.01 (plausible 0.002-0.05).
        resolve: Weekly share of harm memory resolved at full justice access. Assumed 0.05
            (plausible 0.01-0.2).
        job_relief: Share of hardship removed by a job for a young person. Assumed 0.5 (plausible
            0.2-0.8).
        trust_weight: Restraint from trust in the forces in the support rule. Assumed 0.3 (plausible
            0.1-0.6).
        threshold: Epstein's activation threshold T. 0.1 (Epstein 2002). Plausible 0.05-0.3.
        k: Epstein's arrest-probability constant. 2.3 (Epstein 2002). Plausible 1-4.
        armed_scale: Fighters near a cell that count as one "active" in Epstein's C/A ratio
            (people). Assumed 50 (plausible 10-200).
        abuse_decay: Weekly fading of the memory of abuses that lowers legitimacy. Assumed 0.05
            (plausible 0.01-0.2).
        abuse_weight: Loss of legitimacy per unit of abuse memory. Assumed 10 (plausible 2-30).
        justice_legitimacy: Gain in legitimacy per unit of added justice resolution.
            Assumed 0.3 (0-1).
        legitimacy_rate: Weekly share of the gap to its target that legitimacy closes.
            Assumed 0.04 (about six months; plausible 0.01-0.2).
        hearsay_gain: Share of the gap to full harm memory added on hearing of the forces'
            harm or abuse to others. Assumed 0.15 (0-0.3).
        arrest_ratio: ``continuous`` (default) or ``floor``: Epstein's C/A or floor(C/A)
            (Epstein 2002; NetLogo's Rebellion floors it). The default is argued in the
            module docstring and docs/ODD.md.
    """

    harm_gain: float = share(0.5, plausible=(0.2, 0.9), source="assumed")
    violence_gain: float = share(0.2, plausible=(0.05, 0.5), source="assumed")
    forget: float = share(0.01, plausible=(0.002, 0.05), source="assumed")
    resolve: float = share(0.05, plausible=(0.01, 0.2), source="assumed")
    job_relief: float = share(0.5, plausible=(0.2, 0.8), source="assumed")
    trust_weight: float = nonneg(0.3, plausible=(0.1, 0.6), source="assumed")
    threshold: float = share(0.1, plausible=(0.05, 0.3), source="Epstein 2002 (0.1); range assumed")
    k: float = positive(2.3, plausible=(1.0, 4.0),
                        source="Epstein 2002 (2.3: arrest probability 0.9 at C/A = 1); range "
                               "assumed")
    armed_scale: float = positive(50.0, plausible=(10.0, 200.0), source="assumed")
    abuse_decay: float = share(0.05, plausible=(0.01, 0.2), source="assumed")
    abuse_weight: float = nonneg(10.0, plausible=(2.0, 30.0), source="assumed")
    justice_legitimacy: float = nonneg(0.3, plausible=(0.0, 1.0), source="assumed")
    legitimacy_rate: float = share(0.04, plausible=(0.01, 0.2), source="assumed")
    hearsay_gain: float = share(0.15, plausible=(0.0, 0.3), source="assumed")
    arrest_ratio: str = "continuous"

    def check(self) -> None:
        """``arrest_ratio`` is continuous or floor."""
        if self.arrest_ratio not in ("continuous", "floor"):
            raise ValueError(f"grievance.arrest_ratio={self.arrest_ratio!r}; allowed: "
                             "continuous, floor")


@mechanism
class Grievance(Mechanism):
    """Legitimacy per cell; grievance and support per member."""

    name = "grievance"
    phases = {"grievance": "update"}
    Params = GrievanceParams

    owns = (
        Column("hardship", REAL, "score 0-1", "perceived hardship H ~ U(0, 1) (Epstein 2002)",
               table="people", bounds=(0, 1)),
        Column("risk_aversion", REAL, "score 0-1", "risk aversion R ~ U(0, 1) (Epstein 2002)",
               table="people", bounds=(0, 1)),
        Column("harm_memory", REAL, "score 0-1", "memory of harm suffered", table="people",
               bounds=(0, 1)),
        Column("status", FLAG, "bit flags",
               "EMPLOYED (set by employment) and SYMPATHISER (set here)", table="people"),
        Column("legitimacy", ACC, "score 0-1", "perceived legitimacy of governance",
               bounds=(0, 1)),
        Column("risk", ACC, "probability 0-1", "perceived risk of arrest P (Epstein 2002)"),
        Column("grievance_sum", ACC, "members x score 0-1", "sum of members' grievance"),
        Column("abuse", ACC, "probability", "fading memory of the forces' abuses"),
        Column("sympathisers", np.int64, "members", "members who support armed groups"),
    )
    reads = ("people.trust", "people.traits", "cells.justice_boost", "cells.justice",
             "cells.armed_near", "cells.units_near", "cells.p_harm_forces",
             "cells.p_harm_violence", "cells.p_hear_bad", "people.forces_exposure")
    metrics = (
        Metric("armed_group_support", "share", "everyone", "Support for armed groups",
               "% of members", "share of community members who support armed groups",
               scale=100.0, main=True),
        Metric("grievance", "share", "everyone", "Grievance", "mean score, 0-1",
               "mean grievance G = H(1 - L) + harm memory"),
        Metric("legitimacy", "share", "population", "Legitimacy of governance",
               "mean score, 0-1", "perceived legitimacy of governance"),
    )
    maps = (MapLayer("armed_group_support", "Support for armed groups", "share of members",
                     "share of the cell's members who support armed groups"),)

    def setup(self) -> None:
        """Hardship and risk aversion ~ U(0, 1) (Epstein 2002); legitimacy per cell."""
        model, world = self.model, self.model.world
        people = model.people
        rng = self.generator()
        people["hardship"][:] = rng.random(people.size)
        people["risk_aversion"][:] = rng.random(people.size)
        self.legitimacy_base = world.per_cell(model.config.regions, "legitimacy")
        model.cells["legitimacy"][:] = self.legitimacy_base
        self._exp_risk = np.empty(world.n_cells)  # weekly scratch (recomputed before use)

    def update(self, t: int) -> None:
        """Legitimacy and perceived risk per cell, then the member kernel.

        Two compiled loops over the cells (:func:`~peacesim.kernels.grievance.risk_exponent`,
        :func:`~peacesim.kernels.grievance.grievance_week`) with Epstein's exponential
        between them in NumPy.
        """
        p, model, cells = self.params, self.model, self.model.cells
        exp_risk = self._exp_risk
        risk_exponent(cells["units_near"], cells["armed_near"], p.armed_scale, -p.k,
                      p.arrest_ratio == "floor", exp_risk)
        np.exp(exp_risk, out=exp_risk)
        people = model.people
        streams = model.streams
        grievance_week(people.offsets, people.traits, people["status"], people["hardship"],
                       people["risk_aversion"], people["trust"], people["harm_memory"],
                       people["forces_exposure"], self.legitimacy_base, cells["justice_boost"],
                       cells["justice"], cells["p_harm_forces"], cells["p_harm_violence"],
                       cells["p_hear_bad"], exp_risk, p.abuse_decay, p.justice_legitimacy,
                       p.abuse_weight, p.legitimacy_rate, p.harm_gain, p.violence_gain,
                       p.hearsay_gain, p.forget, p.resolve, p.job_relief, p.trust_weight,
                       p.threshold, streams[HARMED_BY_FORCES], streams[HARMED_BY_VIOLENCE],
                       streams[HEARD], t, cells["abuse"], cells["legitimacy"], cells["risk"],
                       cells["sympathisers"], cells["grievance_sum"])

    def record(self, out: dict) -> None:
        """Support, grievance and legitimacy per region."""
        world, cells = self.model.world, self.model.cells
        results = np.empty((3, world.n_regions), dtype=ACC)
        grievance_results(world.cells_by_region, world.region_starts, self.model.people.counts,
                          cells["sympathisers"], cells["grievance_sum"], cells["legitimacy"],
                          world.people, world.region_people, results)
        out["armed_group_support"], out["grievance"], out["legitimacy"] = results

    def map_values(self, name: str) -> np.ndarray:
        """Share of each cell's members who support armed groups."""
        return self.model.cells["sympathisers"] / np.maximum(self.model.people.counts, 1)
