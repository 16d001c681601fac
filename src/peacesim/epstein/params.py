"""Parameters of Epstein's (2002) civil-violence Model I and its two reference implementations.

Sources:
    * Epstein, J. M. (2002), "Modeling civil violence: An agent-based computational approach",
      PNAS 99 (suppl. 3): 7243-7250 ("Epstein 2002").
    * Wilensky, U. (2004), NetLogo Rebellion model, NetLogo Models Library, Social Science
      ("NetLogo Rebellion"); values and rules recalled from its code and Info tab.
    * Mesa's bundled example ``mesa/examples/advanced/epstein_civil_violence`` (mesa 3.3.1,
      ``model.py`` and ``agents.py``; read from the installed package) ("Mesa example").

The two reference implementations differ in details that change the outcome (SCIENCE.md, 3);
every such detail is an explicit field here, and :meth:`EpsteinParams.netlogo` and
:meth:`EpsteinParams.mesa_example` set them as each implementation does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, replace

from peacesim.config.fields import RANGE, bounded, positive, share, step_index

CHOICES = "peacesim_choices"

ARREST_RULES = ("floor", "round", "continuous")
NEIGHBOURHOODS = ("von_neumann", "moore", "euclidean")
JAIL_MODES = ("stay_on_grid", "leave_grid")
ACTIVATIONS = ("sequential_random", "batched")
PLACEMENTS = ("exact", "bernoulli")


def choice(default: str, options: tuple[str, ...]):
    """A string field restricted to ``options`` (checked by :meth:`EpsteinParams.check`)."""
    return field(default=default, metadata={CHOICES: tuple(options)})


def flag(default: bool):
    """A boolean switch."""
    return field(default=bool(default), metadata={CHOICES: (False, True)})


@dataclass
class EpsteinParams:
    """Parameters of :class:`peacesim.epstein.EpsteinModel` (Epstein 2002, Model I).

    The defaults are the NetLogo Rebellion defaults (same as :meth:`netlogo`).

    Attributes:
        width: Grid width, cells (NetLogo Rebellion: 40; Mesa example: 40).
        height: Grid height, cells (NetLogo Rebellion: 40; Mesa example: 40).
        torus: Whether the grid wraps around at its edges (both implementations: True). On a
            torus, width and height must be at least 2 * vision + 1 so that no neighbourhood
            wraps onto itself.
        citizen_density: Citizens per cell at set-up, share of cells (NetLogo Rebellion: 0.70;
            Mesa example: 0.7).
        cop_density: Cops per cell at set-up, share of cells (NetLogo Rebellion: 0.04; Mesa
            example: 0.074). Citizen and cop densities must sum to less than 1.
        placement: How agents are placed at set-up. ``"exact"``: round(density * cells) agents
            of each kind on distinct random cells (NetLogo Rebellion); ``"bernoulli"``: each cell
            independently holds a citizen, a cop or nothing with the two densities as
            probabilities (Mesa example).
        citizen_vision: Radius of a citizen's neighbourhood, cells (Epstein 2002 uses vision v;
            NetLogo Rebellion: 7; Mesa example: 7). At most 127: the kernels count a
            neighbourhood in 16-bit fields (fewer than 65,536 cells).
        cop_vision: Radius of a cop's neighbourhood, cells (NetLogo Rebellion: 7, one slider
            for both kinds; Mesa example: 7).
        neighbourhood: Shape of the neighbourhood of radius ``vision``. ``"von_neumann"``:
            |dx| + |dy| <= v, 112 cells at v = 7 (Mesa example: ``get_neighborhood(radius=7)``
            on an ``OrthogonalVonNeumannGrid``, checked in the installed source: the diamond
            without its centre); ``"moore"``: max(|dx|, |dy|) <= v (Epstein 2002 describes
            vision as the number of lattice positions seen in the four principal directions;
            Moore is a common reading, assumed); ``"euclidean"``: dx^2 + dy^2 <= v^2
            (NetLogo Rebellion: ``patches in-radius vision``).
        count_own_cell: Whether a citizen's neighbourhood includes its own cell when it counts
            actives. NetLogo Rebellion's ``in-radius`` includes the own patch, so an active
            agent counts itself twice in A = 1 + actives (True there); the Mesa example
            excludes the centre (False).
        legitimacy: Perceived legitimacy L of the regime, same for all citizens, in [0, 1]
            (Epstein 2002, Model I; NetLogo Rebellion: 0.82; Mesa example: 0.8).
        legitimacy_change: Change in legitimacy over the run, added to ``legitimacy`` between
            ``legitimacy_change_start`` and ``legitimacy_change_end`` (0 = constant). Negative
            for a loss of legitimacy (Epstein 2002, legitimacy crises; assumed schedule).
        legitimacy_change_start: First step, 1-based, at which legitimacy starts to move.
        legitimacy_change_end: Step at which legitimacy reaches ``legitimacy +
            legitimacy_change``; linear in between. Equal to the start step for a sudden drop.
        threshold: Activation threshold T: a citizen is active iff G - N > T, dimensionless
            (Epstein 2002: 0.1; both implementations: 0.1).
        k: Arrest-probability constant in P = 1 - exp(-k * C/A), dimensionless (Epstein
            2002: 2.3, so that P ~ 0.9 when C = A = 1).
        arrest_rule: How the cop-to-active ratio C/A enters P. ``"floor"``: floor(C/A)
            (NetLogo Rebellion; its Info tab says punctuated equilibrium needs it);
            ``"round"``: Python's ``round(C/A)``, round half to even (Mesa example; e.g.
            round(0.5) = 0, round(1.5) = 2, round(2.5) = 2); ``"continuous"``: C/A as in the
            Epstein 2002 text.
        max_jail_term: Jmax, steps. Jail terms are uniform integers: 0..Jmax with the Mesa
            rule (``randint(0, Jmax)``), 0..Jmax-1 with the NetLogo rule (``random Jmax``)
            (Epstein 2002: J ~ U(0, Jmax); NetLogo Rebellion: 30; Mesa example: 1000).
        jail: What jail does, see ``docs/validation/epstein.md``.
            ``"stay_on_grid"`` (Mesa example): the arrested citizen keeps its cell, is seen as
            neither active nor empty, and counts down its term on each of its own turns; when
            the term is 0 it acts again on its next turn. ``"leave_grid"`` (NetLogo Rebellion):
            the arrested citizen stops blocking its cell and the arresting cop moves onto it;
            every term counts down at the end of the step and at 0 the citizen is back, quiet,
            on its arrest cell if it is empty, otherwise on a random empty cell within its
            vision of that cell (otherwise anywhere). NetLogo instead lets it share the patch;
            peacesim keeps one agent per cell (documented difference).
        activation: ``"sequential_random"``: every agent acts in turn, in an order freshly
            shuffled each step, and sees what those before it did (Mesa example's
            ``shuffle_do``; NetLogo's ``ask turtles``). ``"batched"``: peacesim's fast mode; the
            same shuffled order is cut into ``batches`` consecutive batches and the agents of a
            batch act together (decisions and move draws in parallel, from the grid as the batch
            found it; arrests and moves applied in batch order). With ``batches`` >= the number
            of agents it is the sequential mode, draw for draw.
        batches: Batches per step of the ``"batched"`` activation (peacesim's design; 16 by
            default keeps about five agents of a batch within one agent's vision at the
            reference densities, whatever the grid size, see docs/validation/epstein.md).
        move_first: Whether an agent moves before it acts (NetLogo Rebellion: citizens move
            then decide, cops move then arrest) or after (Mesa example: False).
        movement: Whether citizens move (both implementations: True). Cops always move
            (NetLogo Rebellion's rule; in the Mesa example the switch stops cops too).
    """

    width: int = bounded(40, 1, 100_000)
    height: int = bounded(40, 1, 100_000)
    torus: bool = flag(True)
    citizen_density: float = share(0.70)
    cop_density: float = share(0.04)
    placement: str = choice("exact", PLACEMENTS)
    citizen_vision: int = bounded(7, 1, 127)
    cop_vision: int = bounded(7, 1, 127)
    neighbourhood: str = choice("euclidean", NEIGHBOURHOODS)
    count_own_cell: bool = flag(True)
    legitimacy: float = share(0.82)
    legitimacy_change: float = bounded(0.0, -1.0, 1.0)
    legitimacy_change_start: int = step_index(1)
    legitimacy_change_end: int = step_index(1)
    threshold: float = share(0.1)
    k: float = positive(2.3)
    arrest_rule: str = choice("floor", ARREST_RULES)
    max_jail_term: int = bounded(30, 0, 1_000_000_000)
    jail: str = choice("leave_grid", JAIL_MODES)
    activation: str = choice("sequential_random", ACTIVATIONS)
    batches: int = bounded(16, 1, 1_000_000_000)
    move_first: bool = flag(True)
    movement: bool = flag(True)

    @classmethod
    def netlogo(cls, **overrides) -> EpsteinParams:
        """NetLogo Rebellion's defaults (Wilensky 2004), with optional overrides."""
        base = cls(
            width=40,
            height=40,
            torus=True,
            citizen_density=0.70,
            cop_density=0.04,
            placement="exact",
            citizen_vision=7,
            cop_vision=7,
            neighbourhood="euclidean",
            count_own_cell=True,
            legitimacy=0.82,
            threshold=0.1,
            k=2.3,
            arrest_rule="floor",
            max_jail_term=30,
            jail="leave_grid",
            activation="sequential_random",
            move_first=True,
            movement=True,
        )
        return replace(base, **overrides).check()

    @classmethod
    def mesa_example(cls, **overrides) -> EpsteinParams:
        """Defaults of Mesa's bundled ``EpsteinCivilViolence`` (mesa 3.3.1), with overrides."""
        base = cls(
            width=40,
            height=40,
            torus=True,
            citizen_density=0.7,
            cop_density=0.074,
            placement="bernoulli",
            citizen_vision=7,
            cop_vision=7,
            neighbourhood="von_neumann",
            count_own_cell=False,
            legitimacy=0.8,
            threshold=0.1,
            k=2.3,
            arrest_rule="round",
            max_jail_term=1000,
            jail="stay_on_grid",
            activation="sequential_random",
            move_first=False,
            movement=True,
        )
        return replace(base, **overrides).check()

    def legitimacy_at(self, step: int) -> float:
        """Legitimacy L during a step (1-based), following the legitimacy schedule.

        Args:
            step: The step being computed, 1 for the first step.

        Returns:
            L in [0, 1].
        """
        start, end = self.legitimacy_change_start, self.legitimacy_change_end
        if self.legitimacy_change == 0.0 or step < start:
            return self.legitimacy
        if step >= end:
            return self.legitimacy + self.legitimacy_change
        return self.legitimacy + self.legitimacy_change * (step - start) / (end - start)

    @property
    def halo(self) -> int:
        """Width of the halo around the padded grid, cells: the larger vision."""
        return max(self.citizen_vision, self.cop_vision)

    def check(self) -> EpsteinParams:
        """Raise ValueError naming the first invalid parameter; return self."""
        for f in fields(self):
            value = getattr(self, f.name)
            if RANGE in f.metadata:
                lo, hi, lo_open = f.metadata[RANGE]
                bad = not (lo < value if lo_open else lo <= value) or not value <= hi
                if bad or (isinstance(value, float) and math.isnan(value)):
                    raise ValueError(f"epstein.{f.name} = {value} is outside [{lo}, {hi}]")
            if CHOICES in f.metadata and value not in f.metadata[CHOICES]:
                raise ValueError(
                    f"epstein.{f.name} = {value!r}; allowed: {list(f.metadata[CHOICES])}"
                )
        if self.citizen_density + self.cop_density >= 1.0:
            raise ValueError("epstein: citizen_density + cop_density must be below 1")
        final = self.legitimacy + self.legitimacy_change
        if not 0.0 <= final <= 1.0:
            raise ValueError(f"epstein: legitimacy + legitimacy_change = {final} is outside [0, 1]")
        if self.legitimacy_change_end < self.legitimacy_change_start:
            raise ValueError("epstein: legitimacy_change_end is before legitimacy_change_start")
        if self.torus and min(self.width, self.height) < 2 * self.halo + 1:
            raise ValueError(
                f"epstein: on a torus width and height must be >= 2 * vision + 1 = "
                f"{2 * self.halo + 1} (got {self.width} x {self.height})"
            )
        return self
