"""Trust of community members in the security and defence forces.

Each week (kernel :func:`peacesim.kernels.trust.trust_step`, run inside
:func:`peacesim.kernels.trust.trust_week`): experience of the forces
(protection and respectful contact build trust slowly, harm destroys it fast; harm by others
that the forces did not prevent erodes it), word of mouth (news of the forces' abuses and of
their protection reaches people who did not live it), drift toward the forces' reputation in
the cell, and bounded-confidence influence from neighbouring cells; then everyday
conversations inside each cell (Deffuant et al. 2000 encounters,
:func:`peacesim.kernels.influence.deffuant_in_groups`).

**Reputation** is a slow state per cell, a beta reputation with forgetting (Jøsang & Ismail
2002): ``r <- memory * r + good``, ``s <- memory * s + negative_weight * bad``, where ``good``
and ``bad`` are the shares of the cell's members who lived or heard of a good or a harmful act
of the forces that week (hearsay weighted by ``hearsay_weight``), and
``reputation = (prior * T0 + r) / (prior + r + s)``, ``T0`` the region's survey level. Trust
drifts toward it, not toward the survey: what the forces do moves the anchor itself.

**Word of mouth.** Each person harmed in an abuse is a story told to ``abuse_reach`` people,
each harmed in an engagement to ``harm_reach``, each protected to ``protect_reach``; a share
``news_local`` of the hearers live in the same cell, the rest anywhere in the region; stories
circulate for several weeks (``news_decay``). A member hears bad news with probability
``1 - exp(-stories heard per person)``, and loses ``hear_loss`` of their trust, less where
justice sanctions the forces (``accountability``: the abuse is seen to be answered).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from peacesim.config.fields import bounded, nonneg, positive, share
from peacesim.dtypes import ACC, REAL
from peacesim.kernels.recording import trust_results
from peacesim.kernels.trust import news_exposure, trust_week
from peacesim.mechanisms.base import Column, MapLayer, Mechanism, mechanism
from peacesim.population import beta_by_cell
from peacesim.random import HARMED_BY_FORCES, HARMED_BY_VIOLENCE, HEARD, PROTECTED
from peacesim.results import Metric


@dataclass
class TrustParams:
    """Trust from experience, word of mouth, reputation and social influence.

    Attributes:
        gain: Share of the gap to full trust closed by a good experience. Assumed 0.05
            (plausible 0.01-0.1).
        loss: Share of trust lost when harmed by the forces. Assumed 0.3: six times the gain,
            since trust is destroyed faster than it is built (Slovic 1993; the weight on
            negative events in Jøsang & Ismail 2002). Plausible 0.1-0.6.
        fail_loss: Share of trust lost when harmed by armed groups or communal violence with
            no unit nearby (the forces failed to protect). Assumed 0.1 (0.02-0.3).
        drift: Weekly pull toward the forces' reputation in the cell. Assumed 0.01 (half-life
            about 1.3 years; plausible 0.002-0.05).
        spread: Spread of initial trust around the regional mean (Beta concentration
            1/spread). Assumed 0.1 (0.02-0.3).
        neighbour_eps: Bounded-confidence threshold for influence from neighbouring cells.
            Assumed 0.2 (0.05-0.5).
        neighbour_mu: Weekly pull toward neighbouring cells' mean within that threshold.
            Assumed 0.02 (0-0.1).
        encounters: Everyday conversations about the forces per member per week. Assumed 0.5
            (0-5).
        eps: Bounded-confidence threshold in those conversations (Deffuant 2000). Assumed 0.2
            (0.05-0.5).
        mu: Convergence rate in those conversations, at most 0.5 (meet halfway). Assumed 0.1
            (0.01-0.5).
        abuse_reach: People who hear of each person harmed in an abuse by the forces (people).
            Assumed 3000 (500-10000): deliberate killings and arrests are talked about across
            a region (the Moura killings of March 2022 were national news).
        harm_reach: People who hear of each person hurt in an engagement (people). Assumed 1000
            (100-3000): casualties are known across their village and kin. With
            grievance.hearsay_gain this is what carries the forces' accuracy to recruitment
            (Bennett 2008); docs/VALIDATION.md measures it.
        protect_reach: People who hear of each person protected by an operation (people).
            Assumed 20 (0-500).
        news_local: Share of a story's hearers in the victim's own cell (the rest anywhere in
            its region). Assumed 0.5 (0.1-0.9).
        news_decay: Share of the week's stories still told the next week. Assumed 0.7 (about
            three weeks; plausible 0.3-0.9).
        hear_loss: Share of trust lost on hearing of the forces' harm or abuse. Assumed 0.05
            (0.01-0.15): less than living it (``loss``).
        hear_gain: Share of the gap to full trust closed on hearing of a protection. Assumed
            0.01 (0-0.05).
        accountability_repair: Share of ``hear_loss`` spared where justice sanctions the
            forces fully (cells.accountability = 1). Assumed 0.5 (0-1).
        prior: Weight of the survey level in the reputation, in weeks of every member's
            experience. Assumed 52 (10-260).
        memory: Weekly share of past experience the reputation keeps. Assumed 0.99 (half-life
            about 1.3 years; plausible 0.95-0.998).
        negative_weight: Weight of a harmful act against a good one in the reputation (Jøsang
            & Ismail 2002's asymmetry). Assumed 6 (loss / gain; plausible 1-10).
        hearsay_weight: Weight of news heard against an act lived, in the reputation. Assumed
            0.3 (0-1).
    """

    gain: float = share(0.05, plausible=(0.01, 0.1), source="assumed")
    loss: float = share(0.3, plausible=(0.1, 0.6),
                        source="assumed (asymmetry: Slovic 1993; Jøsang & Ismail 2002)")
    fail_loss: float = share(0.1, plausible=(0.02, 0.3), source="assumed")
    drift: float = share(0.01, plausible=(0.002, 0.05), source="assumed")
    spread: float = share(0.1, plausible=(0.02, 0.3), source="assumed")
    neighbour_eps: float = share(0.2, plausible=(0.05, 0.5), source="assumed")
    neighbour_mu: float = share(0.02, plausible=(0.0, 0.1), source="assumed")
    encounters: float = nonneg(0.5, hi=100.0,  # run time grows with it; 100 a week is plenty
                               plausible=(0.0, 5.0), source="assumed")
    eps: float = share(0.2, plausible=(0.05, 0.5), source="assumed")
    mu: float = bounded(0.1, 0.0, 0.5, plausible=(0.01, 0.5), source="assumed")
    abuse_reach: float = nonneg(3000.0, plausible=(500.0, 10000.0), source="assumed")
    harm_reach: float = nonneg(1000.0, plausible=(100.0, 3000.0), source="assumed")
    protect_reach: float = nonneg(20.0, plausible=(0.0, 500.0), source="assumed")
    news_local: float = share(0.5, plausible=(0.1, 0.9), source="assumed")
    news_decay: float = bounded(0.7, 0.0, 0.999, plausible=(0.3, 0.9), source="assumed")
    hear_loss: float = share(0.05, plausible=(0.01, 0.15), source="assumed")
    hear_gain: float = share(0.01, plausible=(0.0, 0.05), source="assumed")
    accountability_repair: float = share(0.5, plausible=(0.0, 1.0), source="assumed")
    prior: float = positive(52.0, plausible=(10.0, 260.0), source="assumed")
    memory: float = bounded(0.99, 0.0, 0.9999, plausible=(0.95, 0.998), source="assumed")
    negative_weight: float = nonneg(6.0, plausible=(1.0, 10.0),
                                    source="assumed (asymmetry: Jøsang & Ismail 2002)")
    hearsay_weight: float = share(0.3, plausible=(0.0, 1.0), source="assumed")


@mechanism
class Trust(Mechanism):
    """Updates each member's trust in the forces and the forces' reputation per cell."""

    name = "trust"
    phases = {"trust": "update"}
    Params = TrustParams

    owns = (
        Column("trust", REAL, "score 0-1", "trust in the security and defence forces",
               table="people", bounds=(0, 1)),
        Column("harmed_forces", np.int64, "members", "members harmed by the forces this week"),
        Column("harmed_violence", np.int64, "members",
               "members harmed by armed groups or clashes this week"),
        Column("heard_bad", np.int64, "members",
               "members who heard of the forces' harm or abuse this week"),
        Column("bad_news", ACC, "hearings", "stories of the forces' harm told in the cell, "
               "weighted by reach, still circulating"),
        Column("good_news", ACC, "hearings", "stories of protection still circulating"),
        Column("p_hear_bad", ACC, "probability 0-1",
               "chance a member hears of the forces' harm or abuse this week", bounds=(0, 1)),
        Column("p_hear_good", ACC, "probability 0-1",
               "chance a member hears of a protection this week", bounds=(0, 1)),
        Column("reputation_good", ACC, "share-weeks", "remembered good acts of the forces"),
        Column("reputation_bad", ACC, "share-weeks", "remembered harmful acts, weighted"),
        Column("reputation", ACC, "score 0-1", "the forces' reputation in the cell",
               bounds=(0, 1)),
    )
    reads = ("cells.trust_sum", "cells.trust_sum_all", "cells.members", "cells.units_near",
             "cells.p_protect", "cells.p_contact", "cells.p_harm_forces",
             "cells.p_harm_violence", "cells.abuse_victims", "cells.accountability",
             "people.forces_exposure")
    streams = ("encounters",)
    metrics = (
        Metric("trust_in_sdf", "share", "everyone", "Trust in the security forces",
               "mean score, 0-1", "all community members' mean trust in the security forces "
               "(recruited members included)", main=True),
        Metric("trust_in_sdf_not_recruited", "share", "members",
               "Trust in the forces (not recruited)", "mean score, 0-1",
               "mean trust in the security forces of members not in armed groups"),
        Metric("forces_reputation", "share", "population", "Forces' reputation",
               "mean score, 0-1", "the forces' reputation that trust drifts toward"),
        Metric("heard_of_abuse", "share", "everyone", "Heard of the forces' harm",
               "% of members", "share of members who heard of the forces' harm or abuse to "
               "others in the week", scale=100.0, flow=True),
        Metric("civilian_harm", "count", None, "Civilians harmed", "people per week",
               "people harmed in the week by forces, armed groups or clashes (expected, "
               "people)", event=True),
        Metric("harm_by_forces", "count", None, "Civilians harmed by the forces",
               "people per week",
               "people harmed by the security forces in the week (expected, people)"),
    )
    maps = (MapLayer("trust_in_sdf", "Trust in the security forces", "score 0-1",
                     "mean trust in the forces of the cell's members not in armed groups (0 where "
                     "there are none)"),
            MapLayer("forces_reputation", "Forces' reputation", "score 0-1",
                     "the forces' reputation in the cell", when=("end",)))

    def setup(self) -> None:
        """Trust drawn around each region's survey level; the reputation starts there."""
        model, world = self.model, self.model.world
        base = world.per_cell(model.config.regions, "trust_in_sdf")
        self.survey = base
        kappa = 1.0 / max(self.params.spread, 1e-6)
        beta_by_cell(self.generator(), base, model.people.cell, kappa, model.people["trust"])
        model.cells["reputation"][:] = base
        # Weekly scratch (recomputed each week before use: not state): minus the stories
        # heard per member, bad and good, then their exp; one block, so one np.exp call.
        self._news_exp = np.empty((2, world.n_cells))
        self._exp_bad, self._exp_good = self._news_exp

    def _news(self) -> None:
        """Stories of the week and who hears them: ``exp`` of minus the stories heard.

        Leaves ``exp(-stories heard per member)``, bad and good (the chance of hearing
        none), in ``self._exp_bad`` and ``self._exp_good`` for :meth:`update`. The
        exponential stays in NumPy: Numba's ``exp`` differs from NumPy's in the last bit.
        """
        p, cells, world = self.params, self.model.cells, self.model.world
        news_exposure(world.region, world.people, world.region_people, cells["p_harm_forces"],
                      cells["abuse_victims"], cells["p_protect"], cells["bad_news"],
                      cells["good_news"], p.news_decay, p.abuse_reach, p.harm_reach,
                      p.protect_reach, p.news_local, self._exp_bad, self._exp_good)
        np.exp(self._news_exp, out=self._news_exp)

    def update(self, t: int) -> None:
        """News and reputation; experience, hearing, drift and neighbours; conversations.

        Two compiled loops over the cells, :func:`~peacesim.kernels.trust.news_exposure` and
        :func:`~peacesim.kernels.trust.trust_week`, with one ``np.exp`` between them.
        """
        p, model, cells, world = self.params, self.model, self.model.cells, self.model.world
        people, streams = model.people, model.streams
        self._news()
        trust_week(people.offsets, people["trust"], people["forces_exposure"], self._exp_bad,
                   self._exp_good, cells["p_protect"], cells["p_contact"],
                   cells["p_harm_forces"], cells["p_harm_violence"], cells["accountability"],
                   cells["units_near"], self.survey, world.nbr_offsets, world.nbr_targets,
                   cells["trust_sum"], cells["members"], p.memory, p.hearsay_weight,
                   p.negative_weight, p.prior, p.hear_loss, p.accountability_repair, p.gain,
                   p.loss, p.fail_loss, p.hear_gain, p.drift, p.neighbour_eps, p.neighbour_mu,
                   p.encounters, p.eps, p.mu, streams[PROTECTED], streams[HARMED_BY_FORCES],
                   streams[HARMED_BY_VIOLENCE], streams[HEARD], self.stream("encounters"), t,
                   cells["reputation_good"], cells["reputation_bad"], cells["reputation"],
                   cells["p_hear_bad"], cells["p_hear_good"], cells["harmed_forces"],
                   cells["harmed_violence"], cells["heard_bad"])

    def record(self, out: dict) -> None:
        """Mean trust (all members; not recruited), reputation, hearing and harm, per region.

        People harmed are the expected numbers, sum over cells of the harm probability times
        the cell's people, so they do not depend on how many members represent them; the
        members' own draws of those probabilities drive their trust and grievance.
        """
        world, cells = self.model.world, self.model.cells
        results = np.empty((6, world.n_regions), dtype=ACC)
        trust_results(world.cells_by_region, world.region_starts, cells["members"],
                      self.model.people.counts, cells["trust_sum_all"], cells["trust_sum"],
                      cells["heard_bad"], cells["reputation"], cells["p_harm_forces"],
                      cells["p_harm_violence"], world.people, world.region_people, results)
        (out["trust_in_sdf"], out["trust_in_sdf_not_recruited"], out["forces_reputation"],
         out["heard_of_abuse"], out["civilian_harm"], out["harm_by_forces"]) = results

    def map_values(self, name: str) -> np.ndarray:
        """Mean trust in the forces per cell, or the forces' reputation.

        Trust is over members not recruited, 0 in cells with none.
        """
        c = self.model.cells
        if name == "forces_reputation":
            return c["reputation"].copy()
        return c["trust_sum"] / np.maximum(c["members"], 1)
