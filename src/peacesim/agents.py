"""Mesa agents: views over the model's arrays.

Community members, security units, armed groups and women's groups all live in typed columns
(:mod:`peacesim.population`). These classes give researchers Mesa's familiar API over those
rows: reading an attribute reads the array, setting one writes it. They carry no behaviour of
their own, so a model gives the same results whether they are built or not.
"""

from __future__ import annotations

import mesa

from peacesim.population import EMPLOYED, FEMALE, HERDER, SYMPATHISER


class _RowView(mesa.Agent):
    """A Mesa agent bound to row ``row`` of one of the model's tables."""

    def __init__(self, model, row: int):
        super().__init__(model)
        self.row = int(row)

    def step(self) -> None:  # behaviour lives in the mechanisms' kernels
        """Nothing: the model's step plan updates the arrays this agent views."""


def _column(table_getter, name, doc, cast=float):
    def get(self):
        return cast(table_getter(self)[name][self.row])

    def set_(self, value):
        table_getter(self)[name][self.row] = value

    return property(get, set_, doc=doc)


def _people(agent):
    return agent.model.people


class Youth(_RowView):
    """A young community member (15-34).

    Attributes:
        trust_in_sdf: Trust in the security and defence forces, in [0, 1].
        grievance_from_harm: Memory of harm, in [0, 1].
        hardship: Perceived hardship H, in [0, 1].
        employed: Whether they have work (set by the employment mechanism).
        recruited: Whether they are in an armed group.
        sympathiser: Whether they support armed groups.
        female, herder: Fixed traits.
        cell, region: Where they live (cell index; region display name).
    """

    trust_in_sdf = _column(_people, "trust", "Trust in the SDF, in [0, 1].")
    grievance_from_harm = _column(_people, "harm_memory", "Memory of harm, in [0, 1].")
    hardship = _column(_people, "hardship", "Perceived hardship, in [0, 1].")
    cohesion = _column(_people, "cohesion", "Trust in the other community, in [0, 1].")

    @property
    def grievance(self) -> float:
        """Grievance G = min(1, H (1 - L) + harm memory), as the grievance kernel computes it."""
        m = self.model
        h = self.hardship
        if self.employed:
            h *= 1.0 - m.config.grievance.job_relief
        return min(1.0, h * (1.0 - m.cells["legitimacy"][self.cell]) + self.grievance_from_harm)

    @property
    def employed(self) -> bool:
        """Whether this young person has work."""
        return bool(self.model.people["status"][self.row] & EMPLOYED)

    @property
    def sympathiser(self) -> bool:
        """Whether this person supports armed groups."""
        return bool(self.model.people["status"][self.row] & SYMPATHISER)

    @property
    def recruited(self) -> bool:
        """Whether this person is in an armed group."""
        return int(self.model.people["affiliation"][self.row]) >= 0

    @property
    def female(self) -> bool:
        """Fixed trait."""
        return bool(self.model.people.traits[self.row] & FEMALE)

    @property
    def herder(self) -> bool:
        """Fixed trait: from a herding community."""
        return bool(self.model.people.traits[self.row] & HERDER)

    @property
    def cell(self) -> int:
        """Cell index."""
        return int(self.model.people.cell[self.row])

    @property
    def region(self) -> str:
        """Region display name."""
        return self.model.region_names[self.model.world.region[self.cell]]


class _PlacedActor(_RowView):
    """A view over a row of an actor table with a ``cell`` column (units, armed groups)."""

    @staticmethod
    def _table(agent):
        raise NotImplementedError

    @property
    def cell(self) -> int:
        """Cell index."""
        return int(self._table(self)["cell"][self.row])

    @property
    def pos(self) -> tuple[int, int]:
        """Raster (row, column), read-only: the mechanisms move actors."""
        w = self.model.world
        return int(w.cell_row[self.cell]), int(w.cell_col[self.cell])

    @pos.setter
    def pos(self, value) -> None:
        if value is not None:  # mesa.Agent.__init__ sets pos = None
            raise AttributeError("pos is read-only: the model's mechanisms move actors")

    @property
    def region(self) -> str:
        """Region display name."""
        return self.model.region_names[self.model.world.region[self.cell]]


def _units(agent):
    return agent.model.tables["units"]


class SecurityForce(_PlacedActor):
    """A security unit: army, mixed patrol (MOC) or UN.

    Attributes:
        kind: "army", "MOC" or "UN" this week.
        accuracy, conduct: This week's values, in [0, 1].
        cell, pos: Position (cell index; raster row and column).
    """

    _table = staticmethod(_units)
    accuracy = _column(_units, "accuracy", "Accuracy this week, in [0, 1].")
    conduct = _column(_units, "conduct", "Conduct this week, in [0, 1].")

    @property
    def kind(self) -> str:
        """Kind this week."""
        from peacesim.mechanisms.patrol import KIND_NAMES

        return KIND_NAMES[int(_units(self)["kind"][self.row])]



def _groups(agent):
    return agent.model.tables["armed_groups"]


class ArmedGroup(_PlacedActor):
    """An armed group.

    Attributes:
        strength: Fighters (people).
        cell, pos: Position.
    """

    _table = staticmethod(_groups)
    strength = _column(_groups, "strength", "Fighters (people).")



def _womens(agent):
    return agent.model.tables["womens_groups"]


class WomensGroup(_RowView):
    """A women's group.

    Attributes:
        reach: Share of the women of its cell who are members.
        participation: Share of members who take part in dialogue.
        active: Whether the programme runs here this week.
        cell: Cell index.
    """

    @property
    def reach(self) -> float:
        """Share of the women of its cell who are members."""
        return float(self.model.config.womens_groups.reach)

    @property
    def participation(self) -> float:
        """Share of members taking part in dialogue."""
        return float(self.model.config.womens_groups.participation)

    @property
    def active(self) -> bool:
        """Whether the group is active this week."""
        return bool(_womens(self)["active"][self.row])

    @property
    def cell(self) -> int:
        """Cell index."""
        return int(_womens(self)["cell"][self.row])

    @property
    def region(self) -> str:
        """Region display name."""
        return self.model.region_names[self.model.world.region[self.cell]]



