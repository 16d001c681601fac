"""Dialogue spaces between communities, women's groups, youth and the forces.

Where the programme runs, each cell holds ``frequency`` sessions a year on average (the
number in a week is drawn). A session reaches ``reach`` people: its participants and those
they talk to afterwards. Women's participation and youth participation set who is reached;
women's participation also raises how much trust moves (the Interpeace/IMRAP premise that
women's participation helps restore trust between communities and forces; size assumed).
Sessions in cells on an international border draw people from across it when
``cross_border`` is on (Sikasso - Hauts-Bassins dialogue on natural resources).

What the forces just did in the area conditions the sessions they attend: the gain in trust is
multiplied by ``1 - after_abuse * (1 - exp(-recent abuses))``, so that a session soon after an
abuse does little, and after several it backfires (trust falls; assumed form and size).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from peacesim.config.fields import nonneg, positive, share
from peacesim.kernels.dialogue import dialogue_week, sessions_week
from peacesim.mechanisms.base import Column, Mechanism, Programme, mechanism
from peacesim.results import Metric


@dataclass
class DialogueParams(Programme):
    """Community dialogue sessions.

    Attributes:
        frequency: Sessions per cell-year where the programme runs. Assumed 0.5 in the
            baseline (IMRAP's phase 2 held about 70 sessions with 2,000+ people). Plausible 0-2.
        reach: People reached by one session: participants and those they talk to. Assumed 300
            (plausible 50-1000).
        women_participation: Share of women among those reached. Assumed 0.3 (plausible 0.1-0.6).
        youth_participation: Share of young people among those reached. Assumed 0.3 (plausible
            0.1-0.6).
        forces_participation: Share of sessions the forces attend; trust in the forces moves
            only through those. Assumed 0.5 (plausible 0.1-0.9).
        trust_gain: Gain in trust in the forces of a person reached by a session with forces
            (share of the gap to 1), before the women's effect. Assumed 0.1 (plausible 0.02-0.3).
        women_effect: Relative increase of that gain per unit share of women. Assumed 1 (plausible
            0-3).
        cohesion_gain: Gain in trust between communities of a person reached. Assumed 0.1 (plausible
            0.02-0.3).
        youth_voice: Share of a young participant's grievance from harm that is heard and
            eased. Assumed 0.3 (plausible 0-0.6).
        eps: Bounded-confidence threshold between participants (Deffuant 2000). Assumed 0.3
            (plausible 0.1-0.5).
        mu: Convergence rate between participants. Assumed 0.3 (plausible 0.05-0.5).
        sdf_gain: Gain in the forces' trust in the community per session they attend.
            Assumed 0.05 (plausible 0.01-0.15).
        cross_border: Whether sessions on an international border reach across it.
        cross_border_share: Share of a border session's reach on the other side. Assumed 0.5
            (plausible 0.2-0.8).
        after_abuse: How strongly recent abuses by the forces in the cell (abuse_memory) turn
            a session's effect on trust down, and past zero into a backlash. Assumed 1.5
            (0-3): one recent abuse leaves about a twentieth of the gain, two or more reverse
            it.
        start, end, regions: When and where the programme runs.
    """

    frequency: float = nonneg(0.5, plausible=(0.0, 2.0),
                              source="programme lever; the baseline's 0.5 assumed from IMRAP's "
                                     "phase 2")
    reach: float = positive(300.0, plausible=(50.0, 1000.0), source="assumed")
    women_participation: float = share(0.3, plausible=(0.1, 0.6), source="assumed")
    youth_participation: float = share(0.3, plausible=(0.1, 0.6), source="assumed")
    forces_participation: float = share(0.5, plausible=(0.1, 0.9), source="assumed")
    trust_gain: float = share(0.1, plausible=(0.02, 0.3), source="assumed")
    women_effect: float = nonneg(1.0, plausible=(0.0, 3.0), source="assumed")
    cohesion_gain: float = share(0.1, plausible=(0.02, 0.3), source="assumed")
    youth_voice: float = share(0.3, plausible=(0.0, 0.6), source="assumed")
    eps: float = share(0.3, plausible=(0.1, 0.5), source="assumed")
    mu: float = share(0.3, plausible=(0.05, 0.5), source="assumed")
    sdf_gain: float = share(0.05, plausible=(0.01, 0.15), source="assumed")
    cross_border: bool = False
    cross_border_share: float = share(0.5, plausible=(0.2, 0.8), source="assumed")
    after_abuse: float = nonneg(1.5, hi=100.0, plausible=(0.0, 3.0), source="assumed")


@mechanism
class Dialogue(Mechanism):
    """Draws the week's sessions and applies them to those reached."""

    name = "dialogue"
    phases = {"programmes": "announce", "dialogue": "hold"}
    Params = DialogueParams

    owns = (
        Column("sessions", np.int64, "sessions", "dialogue sessions held in the cell this week"),
        Column("participants", np.int64, "members", "members reached by dialogue this week"),
        Column("cross_border_dialogue", np.bool_, "flag",
               "cross-border dialogue on natural resources runs in the cell this week"),
    )
    reads = ("cells.womens_boost", "cells.womens_sessions", "cells.abuse_memory",
             "people.traits")
    writes = ("people.trust", "people.cohesion", "people.harm_memory", "cells.sdf_trust")
    streams = ("sessions", "reach")
    metrics = (
        Metric("dialogue_sessions", "count", None, "Dialogue sessions", "sessions per week",
               "dialogue sessions held in the week", event=True),
        Metric("dialogue_reached", "count", None, "People reached by dialogue",
               "people per week", "people reached by dialogue in the week (people)"),
    )

    def setup(self) -> None:
        """Weekly scratch arrays and the age factors of reach (fixed for the run)."""
        p, world, pop = self.params, self.model.world, self.model.config.population
        n = world.n_cells
        self._reached = np.empty(n)
        self._exp_minus_abuse = np.empty(n)  # -abuse_memory, then its exp (weekly scratch)
        self._youth_f = (p.youth_participation / pop.youth_share
                         if pop.youth_share > 0 else 0.0)
        self._elder_f = ((1.0 - p.youth_participation) / (1.0 - pop.youth_share)
                         if pop.youth_share < 1 else 0.0)

    def announce(self, t: int) -> None:
        """Where cross-border dialogue runs this week (communal clashes read it)."""
        p = self.params
        flag = self.model.cells["cross_border_dialogue"]
        if p.cross_border and p.frequency > 0:
            flag[:] = self.coverage(p, t)
        else:
            flag[:] = False

    def hold(self, t: int) -> None:
        """Hold the week's sessions."""
        p, model, cells, world = self.params, self.model, self.model.cells, self.model.world
        sessions, reached, exp_minus_abuse = cells["sessions"], self._reached, self._exp_minus_abuse
        sessions_week(self.coverage(p, t), p.frequency / 52.0, cells["womens_sessions"],
                      self.stream("sessions"), t, p.reach, cells["abuse_memory"], sessions,
                      reached, exp_minus_abuse)
        if p.cross_border and np.any(world.border):
            out = np.where(world.border, reached * p.cross_border_share, 0.0)
            reached = reached - out
            # Spread what crosses over the neighbours in the other country.
            src, dst = world.cross_source, world.cross_target
            n_across = np.bincount(src, minlength=world.n_cells)
            share_out = np.where(n_across > 0, out / np.maximum(n_across, 1), 0.0)
            reached = reached + np.where(n_across > 0, 0.0, out)  # nobody across: stays home
            reached = reached + np.bincount(dst, weights=share_out[src], minlength=world.n_cells)
        np.exp(exp_minus_abuse, out=exp_minus_abuse)
        people = model.people
        dialogue_week(people.offsets, people.traits, people["trust"], people["cohesion"],
                      people["harm_memory"], reached, world.people, sessions, exp_minus_abuse,
                      cells["womens_boost"], p.women_participation,
                      model.config.population.female_share, p.trust_gain,
                      p.forces_participation, p.women_effect, p.after_abuse, p.sdf_gain,
                      self._youth_f, self._elder_f, p.cohesion_gain, p.youth_voice, p.eps, p.mu,
                      self.stream("reach"), t, cells["sdf_trust"], cells["participants"])

    def record(self, out: dict) -> None:
        """Sessions and people reached per region."""
        world, cells = self.model.world, self.model.cells
        out["dialogue_sessions"], reached = world.region_sums(cells["sessions"],
                                                              cells["participants"])
        out["dialogue_reached"] = reached * self.model.people_per_agent
