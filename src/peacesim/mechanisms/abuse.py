"""The forces' conduct toward civilians: respectful contact, and abuse with impunity.

Each week every active security unit meets a share of its cell's people (``contact_share``
times its conduct: a respectful contact is a good experience of the forces) and may commit an
abuse: killings, arbitrary arrests, extortion (ACLED's "violence against civilians" by state
forces). The weekly probability of an abuse event is

    rate * (1 - conduct) * (1 + suspicion_weight * (1 - sdf_trust))
         * (1 + attack_weight * [attacked in the last retaliation_window weeks])
         * (impunity_floor + (1 - impunity_floor) * (1 - accountability)),

so a unit that distrusts the community it serves (low ``sdf_trust``: less restraint), that was
just attacked, or that answers to no one (low ``accountability``, built by official justice
that sanctions the forces) abuses more. An event harms ``victims`` people; they count as harm
by the forces (``p_harm_forces``: trust and grievance), and the story spreads (word of mouth,
:mod:`peacesim.mechanisms.trust`). The area remembers recent abuses (``abuse_memory``), which
the dialogue mechanism reads: a session right after an abuse can do nothing, or backfire.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from peacesim.config.fields import bounded, nonneg, share
from peacesim.dtypes import ACC
from peacesim.kernels.actors import abuse_week
from peacesim.mechanisms.base import Column, Mechanism, mechanism
from peacesim.results import Metric


@dataclass
class AbuseParams:
    """Contact and abuse by security units.

    Attributes:
        rate: Weekly probability of an abuse event by a unit of conduct 0 with no suspicion,
            no recent attack and full impunity. 0.0008, calibrated by hand so that the
            baseline's abuse events are near ACLED's violence against civilians by Malian
            forces in 2017-2018 (16-18 events a year: ../shared/data/mali_targets.csv); a
            comparison with those counts is therefore circular. Plausible 0.0005-0.01.
        victims: People harmed per abuse event (people). Assumed 5 (ACLED Mopti 2018: 16
            events, 86 killed, about 5 per event; arrests and extortion are not counted
            there). Plausible 1-20.
        suspicion_weight: Relative rise of the abuse rate per unit of the forces' distrust
            of the community (1 - sdf_trust). Assumed 2 (0-5).
        attack_weight: Relative rise in the weeks after an attack on the unit (retaliation).
            Assumed 3 (0-10).
        retaliation_window: Weeks after an attack during which it applies. Assumed 4 (0-12).
        impunity_floor: Share of the abuse rate left under full accountability. Assumed 0.3
            (0.1-0.8).
        contact_share: Share of its cell's people a unit of conduct 1 meets in a respectful
            contact each week. Assumed 0.01 (0.001-0.05): contacts scale with the people a
            unit can meet.
        memory: Weekly share of the area's memory of abuses kept. Assumed 0.9 (half-life
            about 6.6 weeks; plausible 0.5-0.98).
    """

    rate: float = share(0.0008, plausible=(0.0005, 0.01),
                        source="calibrated by hand to ACLED 2017-2018 violence against civilians "
                               "by Malian forces (circular for that check)")
    victims: float = nonneg(5.0, hi=10_000.0, plausible=(1.0, 20.0),
                            source="ACLED Mopti 2018 (about 5 killed per event); range assumed")
    suspicion_weight: float = nonneg(2.0, plausible=(0.0, 5.0), source="assumed")
    attack_weight: float = nonneg(3.0, plausible=(0.0, 10.0), source="assumed")
    retaliation_window: int = bounded(4, 0, 520, plausible=(0, 12), source="assumed")
    impunity_floor: float = share(0.3, plausible=(0.1, 0.8), source="assumed")
    contact_share: float = share(0.01, plausible=(0.001, 0.05), source="assumed")
    memory: float = share(0.9, plausible=(0.5, 0.98), source="assumed")


@mechanism
class Abuse(Mechanism):
    """Contact and abuse by the units in their cells (after their operations)."""

    name = "abuse"
    phases = {"operations": "act"}
    order = 10  # after patrol.operate: units have moved, attacks on them are known
    Params = AbuseParams
    owns = (
        Column("p_contact", ACC, "probability 0-1",
               "chance a member of the cell has a respectful contact with the forces this week",
               bounds=(0, 1), weekly=True),
        Column("abuse_events", np.int64, "events", "abuse events by the forces this week",
               weekly=True),
        Column("abuse_victims", ACC, "people",
               "people harmed by the forces' abuses this week (shocks included)", weekly=True),
        Column("abuse_memory", ACC, "events", "fading memory of abuses in the cell"),
    )
    reads = ("units.cell", "units.active", "units.conduct", "units.attacked_at",
             "cells.sdf_trust", "cells.accountability")
    writes = ("cells.p_harm_forces",)
    streams = ("event",)
    metrics = (
        Metric("abuse_events", "count", None, "Abuses by the forces", "events per week",
               "abuse events by the security forces in the week (killings, arbitrary "
               "arrests, extortion; compare ACLED's violence against civilians by state "
               "forces)", event=True),
        Metric("abuse_harmed", "count", None, "People harmed in abuses", "people per week",
               "people harmed in the week in abuses by the forces (shocks included)"),
    )

    def act(self, t: int) -> None:
        """Contacts and abuse events of the week; their harm; the area's memory."""
        p, model, cells, world = self.params, self.model, self.model.cells, self.model.world
        u = model.tables["units"]
        abuse_week(u["cell"], u["active"], u["conduct"], u["attacked_at"],
                   cells["accountability"], cells["sdf_trust"], world.people, p.rate,
                   p.contact_share, p.suspicion_weight, p.attack_weight, p.retaliation_window,
                   p.impunity_floor, p.victims, p.memory, self.stream("event"), t,
                   cells["p_contact"], cells["abuse_events"], cells["abuse_victims"],
                   cells["p_harm_forces"], cells["abuse_memory"])

    def record(self, out: dict) -> None:
        """Abuse events and the people they harmed, per region."""
        world, cells = self.model.world, self.model.cells
        out["abuse_events"], out["abuse_harmed"] = world.region_sums(
            cells["abuse_events"], cells["abuse_victims"])
