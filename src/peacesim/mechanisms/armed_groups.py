"""Armed groups: attack forces and civilians, move toward weak protection, recruit youth.

Groups start in each region in proportion to its insecurity, shared out over Mali's nine
regions whatever the scenario simulates (so a region starts with the same groups in a
sub-national scenario as in the national run; a scenario may add groups with ``added``).
Each week a group attacks with a probability that rises with its strength; where units are
near, most attacks target them (ACLED Mali 2017: 283 of 415 events were battles or remote
violence, the rest violence against civilians), otherwise civilians, unless a unit prevents
it. Groups then move toward cells where support is high, protection weak and people within
reach (also into other regions and, where simulated, Burkina Faso), and recruit young
sympathisers in and around their cell.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from peacesim.agents import ArmedGroup
from peacesim.config.fields import bounded, listing, nonneg, positive, share
from peacesim.dtypes import ACC
from peacesim.kernels.actors import (
    armed_groups_week,
    group_presence,
    groups_after_recruitment,
    reverse_neighbours,
)
from peacesim.kernels.recording import armed_group_results
from peacesim.kernels.recruitment import join_probability, recruitment_step
from peacesim.mechanisms.base import AgentView, Column, MapLayer, Mechanism, mechanism
from peacesim.population import YOUTH, Table
from peacesim.results import Metric
from peacesim.world import MALI_REGIONS, nested_counts


@dataclass
class ArmedGroupParams:
    """Armed groups' numbers, violence, movement and recruitment.

    Attributes:
        groups: Number of groups in Mali at the start, shared among Mali's nine regions in
            proportion to insecurity (at least one where insecurity > 0.3), whichever regions
            are simulated. A region outside Mali (Hauts-Bassins) starts with none: the
            national run has none there, and a scenario adds them with ``added``. Assumed 30
            (plausible 10-60).
        added: Region ids where a scenario adds a group, one per entry (repeat an id for
            several; ids not simulated are ignored). Default none.
        cross_regions: Groups may move into other regions and countries that are simulated
            (the spread to the centre after 2015 and into Burkina Faso; ACLED country report
            Jan 2015). Default true; false keeps each group in its region.
        fighters: Fighters of a group in a region of insecurity 1 at the start (people).
            Assumed 400 (plausible 100-1000).
        min_strength: Groups with fewer fighters are dormant (people). Assumed 5 (plausible 1-20).
        attack_rate: Highest weekly probability that a group attacks. 0.6, set to give
            roughly the 9 events a week of ACLED Mali 2017 (474 events; a comparison with that
            count is therefore circular). Plausible 0.3-0.9.
        half_strength: Fighters at which the attack probability is half its highest (people).
            Assumed 150 (plausible 50-400).
        forces_share: Share of attacks aimed at forces when units are near: 283/415 (ACLED
            Mali 2017 via ACCORD: battles 191 + remote violence 92, of 415 with civilians).
            Plausible 0.5-0.8.
        civilian_harm: People harmed by one attack on civilians. Assumed 30 (ACLED Mali
            2017: 238 fatalities in 132 events of violence against civilians, about 2 killed
            per event; the injured, abducted and robbed are assumed to be several times more).
            Plausible 5-60.
        deaths_forces: People killed by an attack on forces (fighters, soldiers, bystanders).
            Fitted by hand to ACLED Mali 2017 (946 fatalities in 473 events, about 2 an event,
            and 2.4 for events outside violence against civilians); plausible 1-5. Default 2.4.
        deaths_civilians: People killed by an attack on civilians. ACLED Mali 2017: about
            1.8 (238 killed in 132 events, ACCORD); plausible 1-5. Default 1.8.
        move_rate: Weekly probability that a group moves. Assumed 0.3 (plausible 0.1-0.6).
        range_cells: How far it moves, in cells. Assumed 2 (plausible 1-5).
        candidates: Cells considered when moving. Assumed 6 (plausible 2-12).
        protection_aversion: Weight of forces nearby in a cell's score for a group. Assumed 1
            (plausible 0-3).
        opportunity: Weight of the people within reach in a cell's score for a group (people
            to recruit, tax and attack), beside its support for armed groups (weight 1). The
            opportunity of a cell is ``min(0, ln(P / P_full))``, with ``P`` the adults of all
            cells weighted by ``exp(-distance / reach_cells)`` and ``P_full`` that sum for a
            land of ``opportunity_people`` adults in every cell: groups leave empty land for
            inhabited land (the gradient is ``1 / reach_cells`` per cell in the desert) and
            among inhabited cells support and protection decide. Assumed 0.3 (plausible 0-1);
            0 keeps groups where support is.
        opportunity_people: Adults per cell at which the opportunity is full. Assumed 10,000
            (about a Mopti or Ségou cell; plausible 2,000-50,000).
        reach_cells: Distance scale of that pull, in cells (about 28 km each). Assumed 4
            (plausible 2-8).
        join_rate: Weekly probability that a young sympathiser with no memory of harm joins a
            group at full local presence. 0.001, set by hand with the other defaults so that
            the baseline keeps about its starting strength (about 8,000 fighters over five
            years; plausible 0.0002-0.005).
        presence_half: Fighters in and around a cell at which recruitment is at half its
            rate (people). Assumed 100 (plausible 30-300).
        employed_factor: Relative chance that an employed young sympathiser joins. Assumed
            0.3 (plausible 0.1-0.7).
        revenge: Relative rise of a sympathiser's chance to join per unit of their memory of
            harm (suffered, or heard of: harm_memory in [0, 1]). Assumed 5 (plausible 0-20):
            the motive that makes the forces' accuracy matter (Bennett 2008).
        return_rate: Weekly probability that a recruit leaves the group. Assumed 0.01 (plausible
            0.002-0.03).
        attrition: Weekly share of fighters lost to desertion and other causes. Assumed 0.008
            (plausible 0.002-0.02).
        external_support: Fighters a week joining a group from outside the simulated
            population (foreign fighters, networks across the Sahel), times its region's
            insecurity (people). Assumed 2 (plausible 0-10): it sustains groups in the sparsely
            populated north, where local recruitment alone cannot.
    """

    groups: int = bounded(30, 0, 10_000, plausible=(10, 60), source="assumed")
    added: list[str] = listing([])
    cross_regions: bool = True
    fighters: float = nonneg(400.0, plausible=(100.0, 1000.0), source="assumed")
    min_strength: float = nonneg(5.0, plausible=(1.0, 20.0), source="assumed")
    attack_rate: float = share(0.6, plausible=(0.3, 0.9),
                               source="set by hand to give ACLED Mali 2017's 474 events "
                                      "(circular for that check)")
    half_strength: float = positive(150.0, plausible=(50.0, 400.0), source="assumed")
    forces_share: float = share(283 / 415, plausible=(0.5, 0.8),
                                source="ACLED Mali 2017 via ACCORD (283/415); range assumed for "
                                       "other years and regions")
    civilian_harm: float = nonneg(30.0, plausible=(5.0, 60.0),
                                  source="ACLED Mali 2017 (about 2 killed per event) times an "
                                         "assumed multiple for the injured, abducted and robbed")
    deaths_forces: float = nonneg(2.4, 1000.0, plausible=(1.0, 5.0),
                                  source="fitted by hand to ACLED Mali 2017 fatalities")
    deaths_civilians: float = nonneg(1.8, 1000.0, plausible=(1.0, 5.0),
                                     source="ACLED Mali 2017 via ACCORD (238 killed in 132 "
                                            "events)")
    move_rate: float = share(0.3, plausible=(0.1, 0.6), source="assumed")
    range_cells: int = bounded(2, 1, 50, plausible=(1, 5), source="assumed")
    candidates: int = bounded(6, 1, 100, plausible=(2, 12), source="assumed")
    protection_aversion: float = nonneg(1.0, plausible=(0.0, 3.0), source="assumed")
    opportunity: float = nonneg(0.3, 10.0, plausible=(0.0, 1.0), source="assumed")
    opportunity_people: float = positive(10_000.0, plausible=(2000.0, 50000.0),
                                         source="assumed")
    reach_cells: float = positive(4.0, 100.0, plausible=(2.0, 8.0), source="assumed")
    join_rate: float = share(0.001, plausible=(0.0002, 0.005),
                             source="calibrated by hand to keep the baseline's starting strength "
                                    "(circular for that check)")
    presence_half: float = positive(100.0, plausible=(30.0, 300.0), source="assumed")
    employed_factor: float = share(0.3, plausible=(0.1, 0.7), source="assumed")
    revenge: float = nonneg(5.0, hi=1000.0, plausible=(0.0, 20.0), source="assumed")
    return_rate: float = share(0.01, plausible=(0.002, 0.03), source="assumed")
    attrition: float = share(0.008, plausible=(0.002, 0.02), source="assumed")
    external_support: float = nonneg(2.0, plausible=(0.0, 10.0), source="assumed")


def opportunity(world, full_people: float, reach: float) -> np.ndarray:
    """``min(0, ln(P / P_full))`` per cell (see ``ArmedGroupParams.opportunity``).

    It depends only on the world and the two parameters, and costs about 70 ms at 1,687
    cells (two thirds of a 10,000-member build), so it is kept, read-only, in the world's
    ``derived`` maps: the runs of a process that share a world compute it once.
    """
    key = ("armed_groups.opportunity", float(full_people), float(reach))
    if key not in world.derived:
        value = _opportunity(world, full_people, reach)
        value.setflags(write=False)
        world.derived[key] = value
    return world.derived[key]


def _opportunity(world, full_people: float, reach: float) -> np.ndarray:
    rows = world.cell_row.astype(ACC)
    cols = world.cell_col.astype(ACC)
    near = np.empty(world.n_cells)
    for start in range(0, world.n_cells, 512):  # blocks of rows: at most 512 x n_cells floats
        stop = min(start + 512, world.n_cells)
        # In place: two blocks of temporaries (14 MB at 1,687 cells), not six.
        d = rows[start:stop, None] - rows[None, :]
        np.hypot(d, cols[start:stop, None] - cols[None, :], out=d)
        np.negative(d, out=d)
        np.divide(d, reach, out=d)
        np.exp(d, out=d)
        near[start:stop] = d @ world.people
    dr, dc = np.meshgrid(np.arange(-60, 61), np.arange(-60, 61))
    full = full_people * np.exp(-np.hypot(dr, dc) / reach).sum()
    return np.minimum(0.0, np.log(np.maximum(near, 1e-9) / full))


@mechanism
class ArmedGroups(Mechanism):
    """Armed groups' attacks and movement (violence phase) and recruitment (recruitment)."""

    name = "armed_groups"
    phases = {"violence": "act", "recruitment": "recruit"}
    Params = ArmedGroupParams

    owns = (
        Column("affiliation", np.int16, "group index",
               "armed group the member has joined (-1: none)", table="people", fill=-1),
        Column("armed_strength", ACC, "people", "fighters of active groups in the cell"),
        Column("armed_near", ACC, "people", "fighters in and next to the cell"),
        Column("group_at_cell", np.int64, "group index",
               "the group that recruits in the cell (-1: none)"),
        Column("attacks_on_forces", np.int64, "events", "attacks on forces in the cell this week"),
        Column("attacks_on_civilians", np.int64, "events",
               "attacks on civilians in the cell this week"),
        Column("forces_attacked", np.bool_, "flag",
               "forces were attacked in or next to the cell this week"),
        Column("recruits", np.int64, "members", "members who joined a group this week"),
        Column("returns", np.int64, "members", "recruits who left their group this week"),
        Column("p_harm_violence", ACC, "probability 0-1",
               "chance a member of the cell is harmed by armed groups or clashes this week",
               bounds=(0, 1), weekly=True),
        Column("attacks", ACC, "events",
               "violent events in the cell this week (attacks and clashes)", weekly=True),
    )
    reads = ("cells.sympathisers", "cells.units_near", "cells.deterrence", "cells.youth",
             "cells.youth_recruited", "people.status", "people.harm_memory")
    streams = ("act", "recruit")
    metrics = (
        Metric("armed_group_strength", "level", None, "Armed-group strength", "fighters",
               "fighters of the armed groups in the region (people)", main=True),
        Metric("attacks", "count", None, "Violent events", "events per week",
               "violent events in the week: armed-group attacks and communal clashes",
               event=True),
        Metric("attacks_on_forces", "count", None, "Attacks on the forces", "events per week",
               "armed-group attacks on security forces in the week"),
        Metric("attacks_on_civilians", "count", None, "Attacks on civilians", "events per week",
               "armed-group attacks on civilians in the week"),
        Metric("attack_deaths", "count", None, "Killed in armed-group attacks",
               "people per week", "people killed in armed-group attacks on forces and "
               "civilians in the week (expected, from the deaths per attack)"),
        Metric("civilians_killed", "count", None, "Civilians killed by armed groups",
               "people per week", "people killed in armed-group attacks on civilians in the "
               "week (expected)"),
        Metric("new_recruits", "count", None, "New armed-group recruits", "people per week",
               "young people who joined an armed group in the week (people)", event=True),
        Metric("youth_recruited", "share", "youth", "Young people in armed groups",
               "% of young people", "share of young community members who have joined an "
               "armed group (the groups' starting fighters are not community members)",
               scale=100.0, main=True),
    )
    maps = (MapLayer("armed_strength", "Armed-group fighters", "people",
                     "fighters of active groups in the cell", when=("end",)),)
    agents = (AgentView(ArmedGroup, "armed_groups"),)

    def setup(self) -> None:
        """Place the groups."""
        p, model, world = self.params, self.model, self.model.world
        regions = model.config.regions
        insecurity = np.array([regions[r].insecurity for r in world.region_ids])
        self.insecurity = insecurity
        per_region = nested_counts(p.groups, {r: v.insecurity for r, v in regions.items()},
                                   world.region_ids, abroad=False)
        in_mali = np.isin(world.region_ids, MALI_REGIONS)
        per_region = np.maximum(per_region, ((insecurity > 0.3) & in_mali).astype(np.int64)) \
            if p.groups else per_region
        for r in p.added:
            if r in world.region_ids:
                per_region[world.region_ids.index(r)] += 1
        n = int(per_region.sum())
        groups = Table(n, "armed_groups")
        self.groups = groups
        region = groups.add("region", np.int64)
        region[:] = np.repeat(np.arange(world.n_regions), per_region)
        cell = groups.add("cell", np.int64)
        rng = self.generator()
        cell[:] = world.place(region, world.weight, rng)
        groups.add("strength", ACC)[:] = p.fighters * insecurity[region] * (
            0.5 + rng.random(n))
        self.opportunity = opportunity(world, p.opportunity_people, p.reach_cells)
        self._p_join = np.empty(world.n_cells)  # weekly scratch: each cell's joining probability
        self._p_return = np.full(world.n_cells, p.return_rate)
        # The cells that count each cell as a neighbour (fighters and attacks near a cell).
        self.neighbours_of = reverse_neighbours(world.nbr_offsets, world.nbr_targets)
        self._presence()

    def _presence(self) -> None:
        """Fighters in and around each cell, and which group recruits there."""
        cells, world, g = self.model.cells, self.model.world, self.groups
        # The strongest group in or next to a cell recruits there (ties: lowest index).
        group_presence(g["cell"], g["strength"], self.params.min_strength, world.nbr_offsets,
                       world.nbr_targets, *self.neighbours_of, cells["armed_strength"],
                       cells["armed_near"], cells["group_at_cell"])

    def act(self, t: int) -> None:
        """Attacks, then movement.

        Then the attacks' harm to civilians and the fighters' presence; units in and next to
        an attacked cell remember the attack (``forces_attacked``: patrol reads it). One
        kernel: :func:`~peacesim.kernels.actors.armed_groups_week`.
        """
        p, model, cells, world = self.params, self.model, self.model.cells, self.model.world
        g = self.groups
        armed_groups_week(cells["sympathisers"], model.people.counts, cells["units_near"],
                          self.opportunity, p.protection_aversion, p.opportunity, g["cell"],
                          g["strength"], p.min_strength, p.attack_rate, p.half_strength,
                          p.forces_share, cells["deterrence"], p.move_rate, p.range_cells,
                          p.candidates, world.cell_row, world.cell_col, world.cell_at,
                          world.shape[1], world.shape[0], world.region, self.stream("act"), t,
                          p.cross_regions, world.n_sub, world.people, p.civilian_harm,
                          world.nbr_offsets, world.nbr_targets, *self.neighbours_of,
                          cells["attacks_on_forces"],
                          cells["attacks_on_civilians"], cells["p_harm_violence"],
                          cells["attacks"], cells["forces_attacked"], cells["armed_strength"],
                          cells["armed_near"], cells["group_at_cell"])

    def recruit(self, t: int) -> None:
        """Young sympathisers join; recruits return; fighters change accordingly."""
        p, model, cells, world = self.params, self.model, self.model.cells, self.model.world
        people, g = model.people, self.groups
        join_probability(cells["armed_near"], p.join_rate, p.presence_half, self._p_join)
        recruitment_step(people.offsets, people.traits, people["status"], people["affiliation"],
                         people["harm_memory"], cells["group_at_cell"], self._p_join,
                         self._p_return, p.employed_factor, p.revenge, self.stream("recruit"), t,
                         cells["recruits"], cells["returns"])
        groups_after_recruitment(cells["group_at_cell"], cells["recruits"], g["region"],
                                 self.insecurity, p.external_support, p.attrition,
                                 model.people_per_agent, g["strength"], p.min_strength,
                                 g["cell"], world.nbr_offsets, world.nbr_targets,
                                 *self.neighbours_of, cells["armed_strength"], cells["armed_near"],
                                 cells["group_at_cell"])

    def record(self, out: dict) -> None:
        """Fighters, attacks and recruitment per region."""
        world, cells, g = self.model.world, self.model.cells, self.groups
        p = self.params
        results = np.empty((8, world.n_regions), dtype=ACC)
        armed_group_results(world.cells_by_region, world.region_starts, cells["attacks"],
                            cells["attacks_on_forces"], cells["attacks_on_civilians"],
                            cells["recruits"], cells["youth"], cells["youth_recruited"],
                            p.deaths_civilians, p.deaths_forces, self.model.people_per_agent,
                            g["cell"], world.region, g["strength"], results)
        (out["attacks"], out["attacks_on_forces"], out["attacks_on_civilians"],
         out["civilians_killed"], out["attack_deaths"], out["new_recruits"],
         out["youth_recruited"], out["armed_group_strength"]) = results

    def map_values(self, name: str) -> np.ndarray:
        """Fighters of active groups per cell (people)."""
        return self.model.cells["armed_strength"].copy()

    def invariants(self, after: str) -> list[str]:
        """Strength is finite and not negative; only young members are recruited."""
        problems = []
        strength = self.groups["strength"]
        if np.any(~np.isfinite(strength)) or np.any(strength < 0):
            problems.append("an armed group's strength is negative or not finite")
        people = self.model.people
        if np.any((people["affiliation"] >= 0) & ((people.traits & YOUTH) == 0)):
            problems.append("a member who is not young was recruited")
        return problems
