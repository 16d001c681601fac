"""Trust of community members in the security and defence forces.

Each week (kernel :func:`peacesim.kernels.trust.trust_step`): experience of the forces
(protection builds trust slowly, harm destroys it fast; harm by others that the forces did not
prevent erodes it), drift toward the regional baseline, and bounded-confidence influence from
neighbouring cells; then everyday conversations inside each cell (Deffuant et al. 2000
encounters, :func:`peacesim.kernels.influence.deffuant_in_groups`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from peacesim.config.fields import bounded, nonneg, share
from peacesim.dtypes import ACC, REAL
from peacesim.kernels.influence import deffuant_in_groups
from peacesim.kernels.trust import trust_step
from peacesim.mechanisms.base import Column, MapLayer, Mechanism, mechanism
from peacesim.random import HARMED_BY_FORCES, HARMED_BY_VIOLENCE, PROTECTED
from peacesim.results import Metric


@dataclass
class TrustParams:
    """Trust from experience and social influence.

    Attributes:
        gain: Share of the gap to full trust closed by a good experience. Assumed 0.05.
        loss: Share of trust lost when harmed by the forces. Assumed 0.3: six times the gain,
            since trust is destroyed faster than it is built (Slovic 1993; the weight on
            negative events in Jøsang & Ismail 2002).
        fail_loss: Share of trust lost when harmed by armed groups or communal violence with
            no unit nearby (the forces failed to protect). Assumed 0.1.
        drift: Weekly pull toward the regional baseline without reinforcement. Assumed 0.01
            (half-life about 1.3 years).
        spread: Spread of initial trust around the regional mean (Beta concentration
            1/spread). Assumed 0.1.
        neighbour_eps: Bounded-confidence threshold for influence from neighbouring cells.
            Assumed 0.2.
        neighbour_mu: Weekly pull toward neighbouring cells' mean within that threshold.
            Assumed 0.02.
        encounters: Everyday conversations about the forces per member per week. Assumed 0.5.
        eps: Bounded-confidence threshold in those conversations (Deffuant 2000). Assumed 0.2.
        mu: Convergence rate in those conversations, at most 0.5 (meet halfway). Assumed 0.1.
    """

    gain: float = share(0.05)
    loss: float = share(0.3)
    fail_loss: float = share(0.1)
    drift: float = share(0.01)
    spread: float = share(0.1)
    neighbour_eps: float = share(0.2)
    neighbour_mu: float = share(0.02)
    encounters: float = nonneg(0.5, hi=100.0)  # run time grows with it; 100 a week is plenty
    eps: float = share(0.2)
    mu: float = bounded(0.1, 0.0, 0.5)


@mechanism
class Trust(Mechanism):
    """Updates each member's trust in the forces."""

    name = "trust"
    phases = {"trust": "update"}
    Params = TrustParams

    owns = (
        Column("trust", REAL, "score 0-1", "trust in the security and defence forces",
               table="people", bounds=(0, 1)),
        Column("harmed_forces", np.int64, "members", "members harmed by the forces this week"),
        Column("harmed_violence", np.int64, "members",
               "members harmed by armed groups or clashes this week"),
    )
    reads = ("cells.trust_sum", "cells.members", "cells.units_near", "cells.p_protect",
             "cells.p_harm_forces", "cells.p_harm_violence")
    streams = ("encounters",)
    metrics = (
        Metric("trust_in_sdf", "share", "members", "Trust in the security forces",
               "mean score, 0-1", "community members' mean trust in the security forces",
               main=True),
        Metric("civilian_harm", "count", None, "Civilians harmed", "people per week",
               "people harmed in the week by forces, armed groups or clashes (expected, "
               "people)", event=True),
        Metric("harm_by_forces", "count", None, "Civilians harmed by the forces",
               "people per week",
               "people harmed by the security forces in the week (expected, people)"),
    )
    maps = (MapLayer("trust_in_sdf", "Trust in the security forces", "score 0-1",
                     "mean trust in the forces of the cell's members not in armed groups (0 where "
                     "there are none)"),)

    def setup(self) -> None:
        """Trust drawn around each region's survey level; cell baseline."""
        model, world = self.model, self.model.world
        base = world.per_cell(model.config.regions, "trust_in_sdf")
        self.baseline = base
        kappa = 1.0 / max(self.params.spread, 1e-6)
        mean = np.clip(base[model.people.cell], 1e-3, 1 - 1e-3)
        rng = self.generator()
        model.people["trust"][:] = rng.beta(mean * kappa, (1 - mean) * kappa)

    def update(self, t: int) -> None:
        """Experience, drift and neighbour influence, then conversations within cells."""
        p, model, cells, world = self.params, self.model, self.model.cells, self.model.world
        people = model.people
        nbr_trust = world.neighbour_sum(cells["trust_sum"])
        nbr_members = world.neighbour_sum(cells["members"].astype(ACC))
        with np.errstate(invalid="ignore", divide="ignore"):
            nbr_mean = np.where(nbr_members > 0, nbr_trust / nbr_members, np.nan)
        unprotected = 1.0 / (1.0 + cells["units_near"])
        streams = model.streams
        trust_step(people.offsets, people["trust"], cells["p_protect"], cells["p_harm_forces"],
                   cells["p_harm_violence"], unprotected, self.baseline, nbr_mean, p.gain,
                   p.loss, p.fail_loss, p.drift, p.neighbour_eps, p.neighbour_mu,
                   streams[PROTECTED], streams[HARMED_BY_FORCES], streams[HARMED_BY_VIOLENCE], t,
                   cells["harmed_forces"], cells["harmed_violence"])
        pairs = np.floor(p.encounters * people.counts / 2.0 + 0.5).astype(np.int64)
        deffuant_in_groups(people["trust"], people.offsets, pairs, p.eps, p.mu,
                           self.stream("encounters"), t)

    def record(self, out: dict) -> None:
        """Mean trust (members not recruited) and people harmed, per region.

        People harmed are the expected numbers, sum over cells of the harm probability times
        the cell's people, so they do not depend on how many members represent them; the
        members' own draws of those probabilities drive their trust and grievance.
        """
        world, cells = self.model.world, self.model.cells
        members = world.region_sum(cells["members"].astype(ACC))
        out["trust_in_sdf"] = world.region_sum(cells["trust_sum"]) / np.maximum(members, 1)
        by_forces = world.region_sum(cells["p_harm_forces"] * world.people)
        by_others = world.region_sum(cells["p_harm_violence"] * world.people)
        out["civilian_harm"] = by_forces + by_others
        out["harm_by_forces"] = by_forces

    def map_values(self, name: str) -> np.ndarray:
        """Mean trust in the forces per cell (members not recruited; 0 in empty cells)."""
        c = self.model.cells
        return c["trust_sum"] / np.maximum(c["members"], 1)
