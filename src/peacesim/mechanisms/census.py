"""The week's census: per-cell counts and sums over community members, read by the results.

Runs last in the step (phase ``record``) and once before the first week. ``members`` counts
the members not recruited by an armed group; their trust in the forces, their trust in the
other community and ``report_sum`` (the trust of those who do not support armed groups:
their willingness to report) are summed per cell; ``youth`` counts all young members and
``youth_recruited`` the recruited ones. It records the weights of national means: community
members, all members, young members and the people they represent.
"""

from __future__ import annotations

import numpy as np

from peacesim.agents import Youth
from peacesim.dtypes import ACC
from peacesim.kernels.cells import census
from peacesim.mechanisms.base import AgentView, Column, Mechanism, mechanism
from peacesim.population import YOUTH
from peacesim.results import Weight


def _young_rows(model) -> np.ndarray:
    return np.flatnonzero(model.people.has(YOUTH))


@mechanism
class Census(Mechanism):
    """Counts members per cell after every step."""

    name = "census"
    phases = {"record": "count"}
    Params = None  # nothing to configure: no config section
    owns = (
        Column("members", np.int64, "members",
               "community members in the cell not recruited by an armed group"),
        Column("trust_sum", ACC, "members x score 0-1",
               "sum of those members' trust in the security forces"),
        Column("cohesion_sum", ACC, "members x score 0-1",
               "sum of those members' trust in the other community"),
        Column("report_sum", ACC, "members x score 0-1",
               "sum of the trust of members who do not support armed groups"),
        Column("youth", np.int64, "members", "young members (15-34), recruited or not"),
        Column("youth_recruited", np.int64, "members", "young members in an armed group"),
        Column("trust_sum_all", ACC, "members x score 0-1",
               "sum of every member's trust in the security forces, recruited or not"),
    )
    reads = ("people.status", "people.affiliation", "people.trust", "people.cohesion")
    weights = (
        Weight("members", "community members not in armed groups (members)"),
        Weight("everyone", "all community members (members)"),
        Weight("youth", "young community members, recruited or not (members)"),
        Weight("population", "adults the region's members represent (people)", in_table=True),
    )
    agents = (AgentView(Youth, "people", rows=_young_rows, many=True),)

    def count(self, t: int) -> None:
        """Per-cell counts and sums of this week."""
        people, cells = self.model.people, self.model.cells
        census(people.offsets, people.traits, people["status"], people["affiliation"],
               people["trust"], people["cohesion"], cells["members"], cells["trust_sum"],
               cells["cohesion_sum"], cells["report_sum"], cells["youth"],
               cells["youth_recruited"], cells["trust_sum_all"])

    def record(self, out: dict) -> None:
        """The weights of national means, per region."""
        world, cells = self.model.world, self.model.cells
        out["members"], out["everyone"], out["youth"] = world.region_sums(
            cells["members"], self.model.people.counts, cells["youth"])
        out["population"] = world.region_people

    def invariants(self, after: str) -> list[str]:
        """Every member is in the community or in an armed group: none is lost or created.

        Checked right after the count (``after`` is ``census.count`` or ``record``): between
        two counts, recruitment has moved people the counts do not show yet.
        """
        if after not in ("census.count", "record"):
            return []
        people = self.model.people
        recruited = int(np.count_nonzero(people["affiliation"] >= 0))
        members = int(self.model.cells["members"].sum())
        if members + recruited != people.size:
            return [f"people were not conserved: {members} members + {recruited} recruited "
                    f"!= {people.size}"]
        return []
