"""Self-defence militias: formed by a community from the harm it suffers, they attack the other.

Each simulated region has one militia for each community (farming, herding, and any further
identity group of ``communal.groups``), starting with no fighters. Each week a militia gains
``mobilisation`` fighters per person of its community harmed in the region (by armed groups,
clashes and the other militia, and by the forces with the community's ``forces_exposure``)
and loses ``decay`` of its fighters. A militia attacks with probability ``attack_rate x S /
(S + half_strength)``, in a cell of its region drawn in proportion to the people of the other
community there (with more than two groups: of all the other groups), unless a unit prevents
it; an attack harms ``harm`` people (violence against civilians) and so feeds the other
side's militia: the cycle of Dan Na Ambassagou and Fulani self-defence groups in Mopti
(ACLED: Dan Na Ambassagou in 8 events in 2017 and 108 in 2018; "Fulani militias" in 16 and
31).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from peacesim.config.fields import nonneg, positive, share
from peacesim.dtypes import ACC
from peacesim.kernels.actors import militias_mobilise, militias_strike
from peacesim.kernels.communal import group_exposure
from peacesim.kernels.recording import militia_results
from peacesim.mechanisms.base import Mechanism, mechanism
from peacesim.population import Table
from peacesim.results import Metric

FARMING, HERDING = 0, 1


@dataclass
class MilitiaParams:
    """Militias' mobilisation, decay and attacks.

    Attributes:
        mobilisation: Fighters gained per person of the community harmed in the region.
            Assumed 0.05 (plausible 0-1; 0 = no militias).
        decay: Weekly share of a militia's fighters who go home. Assumed 0.02 (plausible
            0.005-0.1).
        attack_rate: Highest weekly probability that a militia attacks. Assumed 0.5
            (plausible 0.1-0.9).
        half_strength: Fighters at which the attack probability is half its highest
            (people). Assumed 100 (plausible 20-500).
        harm: People harmed by one militia attack. Assumed 20 (plausible 5-100).
        deaths: People killed by one militia attack. Assumed 3 (plausible 1-20; ACLED Mopti 2018:
            847 fatalities in 308 events, about 2.8 an event).
    """

    mobilisation: float = nonneg(0.05, 100.0, plausible=(0.0, 1.0), source="assumed")
    decay: float = share(0.02, plausible=(0.005, 0.1), source="assumed")
    attack_rate: float = share(0.5, plausible=(0.1, 0.9), source="assumed")
    half_strength: float = positive(100.0, plausible=(20.0, 500.0), source="assumed")
    harm: float = nonneg(20.0, 1e6, plausible=(5.0, 100.0), source="assumed")
    deaths: float = nonneg(3.0, 1e6, plausible=(1.0, 20.0),
                           source="ACLED Mopti 2018 (about 2.8 killed per event); range assumed")


@mechanism
class Militias(Mechanism):
    """Militias strike (violence phase) and mobilise from the week's harm (operations)."""

    name = "militias"
    phases = {"violence": "strike", "operations": "mobilise"}
    order = 80  # after the forces' operations (operations), after clashes (violence)
    Params = MilitiaParams
    after = ("communal",)
    reads = ("cells.p_harm_violence", "cells.p_harm_forces", "cells.deterrence",
             "people.forces_exposure", "people.group")
    writes = ("cells.attacks", "cells.p_harm_violence")
    streams = ("strike",)
    metrics = (
        Metric("militia_strength", "level", None, "Militia fighters", "fighters",
               "fighters of the self-defence militias in the region (people)"),
        Metric("militia_attacks", "count", None, "Militia attacks", "events per week",
               "attacks of self-defence militias on the other community in the week"),
        Metric("militia_deaths", "count", None, "Killed by militias", "people per week",
               "people killed in militia attacks in the week (expected)"),
    )

    def setup(self) -> None:
        """One militia per region and community, without fighters."""
        model, world = self.model, self.model.world
        n = world.n_regions
        g = int(model.config.communal.groups)
        self.n_groups = g
        t = Table(g * n, "militias")
        t.add("region", np.int64)[:] = np.repeat(np.arange(n), g)
        t.add("community", np.int64)[:] = np.tile(np.arange(g), n)
        t.add("strength", ACC)
        t.add("attacks", np.int64)
        self.militias = t
        h = np.minimum(1.0, world.per_cell(model.config.regions, "herder_share")
                       * model.config.population.herder_share_scale)
        if g == 2:
            self.share = np.stack([1.0 - h, h])  # [community, cell]
            self.target = self.share[::-1]  # people of the other community
        else:
            from peacesim.mechanisms.communal import region_group_shares

            self.share = region_group_shares(h, model.config.communal.group_shares)
            self.target = self.share.sum(axis=0)[None, :] - self.share  # the other groups
        # Mean exposure of each community to the forces' harm, per cell.
        people = model.people
        exposure = group_exposure(people.cell, people["group"], people["forces_exposure"], g,
                                  world.n_cells)
        self.exposure = exposure
        # The cells region by region, each region's in index order (CSR), for the kernels.
        self.region_cells = np.argsort(world.region, kind="stable").astype(np.int64)
        self.region_starts = np.searchsorted(world.region[self.region_cells],
                                             np.arange(n + 1)).astype(np.int64)
        # Each community's people and exposure per cell, in that order (fixed in a run).
        self.share_people = (self.share * world.people)[:, self.region_cells]
        self.exposure_by_region = exposure[:, self.region_cells]

    def strike(self, t: int) -> None:
        """Each militia may attack a cell of its region where the other community lives.

        One kernel: :func:`~peacesim.kernels.actors.militias_strike`.
        """
        p, cells, world, m = self.params, self.model.cells, self.model.world, self.militias
        militias_strike(m["strength"], m["region"], m["community"], p.attack_rate,
                        p.half_strength, p.harm, self.target, world.people, self.region_cells,
                        self.region_starts, cells["deterrence"], self.stream("strike"), t,
                        m["attacks"], cells["attacks"], cells["p_harm_violence"])

    def mobilise(self, t: int) -> None:
        """Fighters from the week's harm to each community; some go home.

        One kernel: :func:`~peacesim.kernels.actors.militias_mobilise`.
        """
        p, cells, m = self.params, self.model.cells, self.militias
        militias_mobilise(m["strength"], m["region"], m["community"], self.share_people,
                          self.exposure_by_region, cells["p_harm_violence"],
                          cells["p_harm_forces"], self.region_cells, self.region_starts,
                          p.mobilisation, p.decay)

    def record(self, out: dict) -> None:
        """Fighters, attacks and deaths per region."""
        m = self.militias
        results = np.empty((3, self.model.world.n_regions), dtype=ACC)
        militia_results(m["region"], m["strength"], m["attacks"], self.params.deaths, results)
        out["militia_strength"], out["militia_attacks"], out["militia_deaths"] = results

    def invariants(self, after: str) -> list[str]:
        """Militia strength is finite and not negative."""
        s = self.militias["strength"]
        if np.any(~np.isfinite(s)) or np.any(s < 0):
            return ["a militia's strength is negative or not finite"]
        return []
