"""Community radio: a worked example of adding a mechanism to peacesim (docs/ARCHITECTURE.md).

Stations placed in the most populous cells broadcast programmes on the forces' work. Each
week a station is on air with probability ``on_air``; its audience grows while it broadcasts
and fades while it is silent, and listeners' trust in the forces moves toward full trust by
``gain`` times the audience. Sizes are invented for the example (assumed), not calibrated.

Importing this file registers the mechanism: its parameters become the config section
``radio`` (``radio.stations=0`` switches it off), its results and map join every run.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from peacesim.config.fields import bounded, share
from peacesim.dtypes import ACC, REAL
from peacesim.mechanisms.base import Column, MapLayer, Mechanism, mechanism
from peacesim.population import Table
from peacesim.random import uniform_numpy
from peacesim.results import Metric


@dataclass
class RadioParams:
    """Community radio stations.

    Attributes:
        stations: Stations, in the most populous cells. Assumed 5 (0 = none).
        on_air: Weekly probability that a station broadcasts. Assumed 0.6.
        growth: Share of the gap to a full audience gained in a week on air. Assumed 0.2.
        fade: Share of the audience lost in a silent week. Assumed 0.1.
        gain: Share of the gap to full trust closed per week for a full audience. Assumed 0.01.
    """

    stations: int = bounded(5, 0, 1000)
    on_air: float = share(0.6)
    growth: float = share(0.2)
    fade: float = share(0.1)
    gain: float = share(0.01)


@mechanism
class Radio(Mechanism):
    """Broadcasts, audiences and the listeners' trust in the forces."""

    name = "radio"
    phases = {"dialogue": "broadcast"}
    order = 20  # after the dialogue sessions of the week
    Params = RadioParams
    owns = (Column("radio_audience", ACC, "share 0-1",
                   "share of the cell's members who listen this week", bounds=(0, 1)),)
    reads = ("cells.members",)
    writes = ("people.trust",)
    streams = ("air",)
    metrics = (Metric("radio_broadcasts", "count", None, "Radio broadcasts",
                      "broadcasts per week", "stations on air in the week"),)
    maps = (MapLayer("radio_audience", "Radio audience", "share 0-1",
                     "share of the cell's members who listen", when=("end",)),)

    def setup(self) -> None:
        """Stations in the most populous cells; audiences start at zero."""
        world = self.model.world
        cells = np.argsort(-world.weight, kind="stable")[: self.params.stations]
        # Any attribute name: every Table a mechanism keeps is checkpointed.
        self.transmitters = Table(len(cells), "radio_stations")
        self.transmitters.add("cell", np.int64)[:] = cells
        self.transmitters.add("audience", ACC)
        self.transmitters.add("on_air", np.bool_)

    def broadcast(self, t: int) -> None:
        """Who is on air, the audiences, and the listeners' trust."""
        p, s, model = self.params, self.transmitters, self.model
        if s.size == 0:
            return
        on = uniform_numpy(self.stream("air"), t, np.arange(s.size), 0) < p.on_air
        s["on_air"][:] = on
        a = s["audience"]
        a[:] = np.where(on, a + p.growth * (1.0 - a), a * (1.0 - p.fade))
        audience = model.cells["radio_audience"]
        audience[:] = 0.0
        audience[s["cell"][on]] = a[on]
        trust = model.people["trust"]
        pull = p.gain * audience[model.people.cell]
        trust += (pull * (1.0 - trust)).astype(REAL)

    def record(self, out: dict) -> None:
        """Stations on air per region."""
        world, s = self.model.world, self.transmitters
        count = np.zeros(world.n_regions)
        np.add.at(count, world.region[s["cell"]], s["on_air"].astype(ACC))
        out["radio_broadcasts"] = count

    def map_values(self, name: str) -> np.ndarray:
        """This week's audience per cell."""
        return self.model.cells["radio_audience"].copy()
