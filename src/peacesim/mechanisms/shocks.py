"""Shocks: one-off events written in the config (a step, a region, a kind, a size).

A shock happens once, at its step, in the most populous cell of its region (a town: the
events this is for, such as the killings at Moura, Mopti region, in March 2022, happened in
one place). Kinds:

* ``abuse``: ``size`` people killed or harmed by the security forces: harm by the forces
  (trust, grievance), an abuse event that the area remembers (dialogue) and a story told
  across the region (word of mouth, :mod:`peacesim.mechanisms.trust`);
* ``attack``: ``size`` people killed or harmed by an armed group: harm by violence (trust
  falls where no unit was near to prevent it; grievance rises), an attack event.

Example (configs/scenario/abuse_shock.yaml)::

    shocks:
      events:
        - {step: 52, region: mopti, kind: abuse, size: 300}
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from peacesim.config.fields import nonneg, step_index
from peacesim.dtypes import ACC
from peacesim.mechanisms.base import Column, Mechanism, mechanism
from peacesim.results import Metric

KINDS = ("abuse", "attack")


@dataclass
class Shock:
    """One event.

    Attributes:
        step: Week at which it happens.
        region: Region id where it happens (e.g. ``mopti``).
        kind: ``abuse`` (by the forces) or ``attack`` (by an armed group).
        size: People killed or harmed (people).
    """

    step: int = step_index(0)
    region: str = ""
    kind: str = "abuse"
    size: float = nonneg(0.0, hi=1e7)

    def check(self) -> None:
        """A known kind and a named region."""
        if self.kind not in KINDS:
            raise ValueError(f"shocks.events kind={self.kind!r}; allowed: {', '.join(KINDS)}")
        if not self.region:
            raise ValueError("shocks.events: every event needs a region (e.g. region: mopti)")


@dataclass
class ShockParams:
    """One-off events.

    Attributes:
        events: The events (empty: none).
    """

    events: list[Shock] = field(default_factory=list)

    def check(self) -> None:
        """Each event is valid."""
        for event in self.events:
            event.check()

    @property
    def start(self) -> int:
        """Step of the first event (the period a comparison with and without them measures)."""
        return min((e.step for e in self.events), default=0)


@mechanism
class Shocks(Mechanism):
    """Applies the config's one-off events at their steps."""

    name = "shocks"
    phases = {"operations": "strike"}
    order = 20  # after the week's engagements and abuses
    Params = ShockParams
    owns = (Column("shock_harmed", ACC, "people", "people harmed in shocks this week",
                   weekly=True),)
    writes = ("cells.abuse_victims", "cells.abuse_events", "cells.abuse_memory",
              "cells.p_harm_forces", "cells.p_harm_violence", "cells.attacks")
    metrics = (Metric("shock_harmed", "count", None, "People harmed in shocks",
                      "people per week", "people killed or harmed in the config's one-off "
                      "events in the week (people)"),)

    def setup(self) -> None:
        """The cell of each event: its region's most populous cell.

        Raises:
            ValueError: An event names a region the scenario does not simulate.
        """
        world = self.model.world
        self.cells_of = []
        for event in self.params.events:
            if event.region not in world.region_ids:
                raise ValueError(f"shocks.events: region {event.region!r} is not simulated "
                                 f"({', '.join(world.region_ids)})")
            cells = world.region_cells(event.region)
            self.cells_of.append(int(cells[np.argmax(world.people[cells])]))

    def strike(self, t: int) -> None:
        """The events of step ``t``."""
        cells, world = self.model.cells, self.model.world
        for event, c in zip(self.params.events, self.cells_of, strict=True):
            if event.step != t:
                continue
            share = min(1.0, event.size / max(world.people[c], 1.0))
            if event.kind == "abuse":
                cells["abuse_victims"][c] += event.size
                cells["abuse_events"][c] += 1
                cells["abuse_memory"][c] += 1.0
                cells["p_harm_forces"][c] = min(1.0, cells["p_harm_forces"][c] + share)
            else:
                cells["p_harm_violence"][c] = min(1.0, cells["p_harm_violence"][c] + share)
                cells["attacks"][c] += 1.0
            cells["shock_harmed"][c] += event.size

    def record(self, out: dict) -> None:
        """People harmed in the week's events, per region."""
        world = self.model.world
        out["shock_harmed"] = world.region_sum(self.model.cells["shock_harmed"])
