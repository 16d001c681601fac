"""The mechanism contract: what a mechanism owns, reads, records, checks and saves.

A mechanism is a class registered with :func:`mechanism`. Everything about it is declared in
its own file, and the rest of peacesim reads those declarations (nothing is listed
centrally that a new mechanism would have to edit):

* ``name``: its config key (``patrol``) and the prefix of its random streams;
* ``Params``: a dataclass of its parameters, which is also its Hydra schema (None: the
  mechanism has nothing to configure and no config section);
* ``phases``: where in the weekly step it acts, as ``{phase: method name}`` with phases from
  :data:`PHASES` (a mechanism may act in several), and ``order`` within a phase;
* ``owns``: the :class:`Column` objects it adds to the shared tables (``people``, ``cells``),
  each with dtype, unit, description and, where it has them, bounds (checked as invariants);
  the model allocates them all before any set-up, and the table records the owner;
* ``reads`` and ``writes``: the columns of others it uses, as ``"table.column"`` (for example
  ``"cells.units_near"``, ``"units.kind"``); checked when the model is built, so reading a
  column nobody owns fails at once with one line naming the mechanism and the column;
* ``after``: mechanisms whose :meth:`Mechanism.setup` must run before its own (set-up has two
  stages: every declared column is allocated first, then ``setup()`` draws initial values
  in this order);
* ``streams``: the purposes of its own random streams (``"move"`` is ``patrol.move``);
  streams shared between mechanisms are named constants in :mod:`peacesim.random`;
* ``metrics``: its results as :class:`peacesim.results.Metric` objects (label, unit,
  description, kind), filled by ``record(out)``, and ``weights``
  (:class:`peacesim.results.Weight`), the per-region weights of national means;
* ``maps``: its per-cell outputs as :class:`MapLayer` objects, computed by
  ``map_values(name)``;
* ``agents``: the Mesa agent views over the rows of its tables (:class:`AgentView`);
* ``invariants()``: checks beyond column bounds, returning what broke.

Every :class:`~peacesim.population.Table` a mechanism keeps, under any attribute, is
registered in ``model.tables`` under its label and saved in checkpoints. State that changes
during a run lives in tables (or columns), never in other attributes, so that a resumed run
is bit-identical to an uninterrupted one.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from peacesim.config.fields import bounded, listing, step_index

if TYPE_CHECKING:
    from peacesim.model import PeaceModel
    from peacesim.results import Metric, Weight

#: The phases of one weekly step, in the order they run.
PHASES: tuple[str, ...] = (
    "programmes",  # interventions switch on or off for the step (jobs, justice, training)
    "deployment",  # security units move
    "violence",  # armed groups and communal clashes strike
    "operations",  # security units act on armed groups; protection and harm to civilians
    "information",  # communities share what they know; forces' knowledge and trust update
    "dialogue",  # dialogue sessions between communities, women's groups, youth and forces
    "trust",  # trust from experience, social influence, drift
    "grievance",  # legitimacy, grievance, support for armed groups
    "recruitment",  # armed groups recruit and lose members
    "record",  # per-cell counts of the week, read by the results
)

#: Phases that also run once before the first week (step 0), so that the starting state
#: (programmes in force, grievance and support, the per-cell counts) is recorded.
START_PHASES: tuple[str, ...] = ("programmes", "grievance", "record")

#: The shared tables every model has; mechanisms add their own under their labels.
SHARED_TABLES = ("people", "cells")

_REGISTRY: dict[str, type[Mechanism]] = {}


class ContractError(ValueError):
    """A mechanism breaks the contract (an undeclared or unowned column, a cycle in ``after``)."""


@dataclass(frozen=True)
class Column:
    """A column a mechanism adds to a shared table.

    Attributes:
        name: Column name, unique in its table.
        dtype: NumPy dtype.
        unit: Unit of the values (``"people"``, ``"0-1"``, ``"bit flags"``...).
        description: One line: what the column holds.
        table: ``"people"`` (one row per community member) or ``"cells"``.
        fill: Value the column starts with.
        bounds: ``(low, high)`` the values must stay within (None: unbounded side), checked
            with ``check=true``; None for no check.
        weekly: Reset to ``fill`` at the start of every step (the week's events).
    """

    name: str
    dtype: Any
    unit: str
    description: str
    table: str = "cells"
    fill: float = 0
    bounds: tuple[float | None, float | None] | None = None
    weekly: bool = False


@dataclass(frozen=True)
class MapLayer:
    """A per-cell output a mechanism offers for maps.

    Attributes:
        name: Layer name (``trust_in_sdf``); the cells table of a run folder holds
            ``<name>_start`` and/or ``<name>_end``.
        label: Readable name.
        unit: Unit of the values.
        description: One line.
        when: Which snapshots the run folder keeps: ``("start", "end")`` or ``("end",)``.
    """

    name: str
    label: str
    unit: str
    description: str
    when: tuple[str, ...] = ("start", "end")


@dataclass(frozen=True)
class AgentView:
    """Mesa agents that view the rows of a table.

    Attributes:
        cls: The agent class (a view over one row, see :mod:`peacesim.agents`).
        table: The table whose rows it views (``"units"``, ``"people"``...).
        rows: Which rows get an agent (None: all); a function of the model.
        many: True for views over community members: built only with
            ``population.agent_objects=all`` (or ``auto`` on small populations).
    """

    cls: type
    table: str
    rows: Callable[[Any], np.ndarray] | None = None
    many: bool = False


@dataclass
class Programme:
    """When and where an intervention acts.

    Attributes:
        start: First step (week) at which the programme acts; 0 = from the start.
        end: Step at which it stops; -1 = never.
        regions: Region ids it covers (e.g. ``[mopti, segou]``); empty = every region.
    """

    start: int = step_index(0)
    end: int = bounded(-1, -1)  # -1 = never; no other negative step exists
    regions: list[str] = listing([])


class Mechanism:
    """Base class of the mechanisms. Subclasses set the class attributes below."""

    name: ClassVar[str]
    phases: ClassVar[dict[str, str]]
    order: ClassVar[int] = 0
    Params: ClassVar[type | None]
    owns: ClassVar[tuple[Column, ...]] = ()
    reads: ClassVar[tuple[str, ...]] = ()
    writes: ClassVar[tuple[str, ...]] = ()
    after: ClassVar[tuple[str, ...]] = ()
    streams: ClassVar[tuple[str, ...]] = ()
    metrics: ClassVar[tuple[Metric, ...]] = ()
    weights: ClassVar[tuple[Weight, ...]] = ()
    maps: ClassVar[tuple[MapLayer, ...]] = ()
    agents: ClassVar[tuple[AgentView, ...]] = ()

    def __init__(self, model: PeaceModel, params):
        self.model = model
        self.params = params

    def setup(self) -> None:
        """Draw this mechanism's initial state (its declared columns exist already)."""

    def record(self, out: dict[str, np.ndarray]) -> None:
        """Put this step's regional value of each declared metric and weight into ``out``."""

    def map_values(self, name: str) -> np.ndarray:
        """Per-cell values of the declared map layer ``name`` (float64 [n_cells])."""
        raise NotImplementedError(f"{self.name} declares map {name!r} but computes none")

    def invariants(self, after: str) -> list[str]:
        """What is broken beyond the declared column bounds (empty when all holds).

        Args:
            after: What ran last (``"patrol.deploy"``, ``"record"``, ``"setup"``...).
        """
        return []

    def stream(self, purpose: str) -> np.uint64:
        """Key of this mechanism's random stream for a purpose, e.g. ``"move"``."""
        return self.model.streams[f"{self.name}.{purpose}"]

    def generator(self, purpose: str = "setup") -> np.random.Generator:
        """A NumPy generator of this mechanism's stream ``purpose``, for set-up draws only."""
        return self.model.streams.generator(f"{self.name}.{purpose}")

    def coverage(self, programme: Programme, t: int) -> np.ndarray:
        """Boolean mask over the model's cells where ``programme`` acts at step ``t``."""
        return self.model.world.programme_mask(programme, t)

    def tables(self) -> dict[str, Any]:
        """Every table this mechanism keeps, by attribute name (whatever the attribute)."""
        from peacesim.population import Table

        return {attr: value for attr, value in vars(self).items() if isinstance(value, Table)}

    @classmethod
    def stream_names(cls) -> tuple[str, ...]:
        """Full names of its own random streams (``setup`` is always declared)."""
        purposes = dict.fromkeys(("setup", *cls.streams))
        return tuple(f"{cls.name}.{p}" for p in purposes)


def mechanism(cls: type[Mechanism]) -> type[Mechanism]:
    """Class decorator: check a mechanism's declarations and register it under its ``name``."""
    for phase, method in cls.phases.items():
        if phase not in PHASES:
            raise ContractError(f"{cls.__name__}: phase {phase!r} is not one of {PHASES}")
        if not callable(getattr(cls, method, None)):
            raise ContractError(f"{cls.__name__}: no method {method!r} for phase {phase!r}")
    for col in cls.owns:
        if col.table not in SHARED_TABLES:
            raise ContractError(f"{cls.__name__}: column {col.name!r} is for table "
                                f"{col.table!r}; mechanisms add columns to {SHARED_TABLES} "
                                "and keep other state in tables of their own")
    for ref in (*cls.reads, *cls.writes):
        if ref.count(".") != 1:
            raise ContractError(f"{cls.__name__}: {ref!r} should be 'table.column'")
    if cls.name in _REGISTRY and _REGISTRY[cls.name] is not cls:
        raise ContractError(f"two mechanisms are named {cls.name!r}")
    _REGISTRY[cls.name] = cls
    _schema_changed()
    return cls


def _schema_changed() -> None:
    """Forget the built config schema: the next one includes every registered mechanism."""
    import sys

    schema_module = sys.modules.get("peacesim.config.schema")
    if schema_module is not None:
        schema_module.schema.cache_clear()


def unregister(name: str) -> None:
    """Remove a mechanism from the registry (for tests and worked examples)."""
    _REGISTRY.pop(name, None)
    _schema_changed()


def registered() -> list[type[Mechanism]]:
    """All mechanisms, sorted by name (modules of this package are imported on first call)."""
    package = importlib.import_module("peacesim.mechanisms")
    for info in pkgutil.iter_modules(package.__path__):
        if info.name != "base":
            importlib.import_module(f"peacesim.mechanisms.{info.name}")
    return sorted(_REGISTRY.values(), key=lambda m: m.name)


def setup_order(mechanisms: list[Mechanism]) -> list[Mechanism]:
    """Mechanisms in set-up order: each after those it names in ``after``, else by name.

    Raises:
        ContractError: ``after`` names an unknown mechanism, or the ``after`` links loop.
    """
    by_name = {m.name: m for m in mechanisms}
    for m in mechanisms:
        for other in m.after:
            if other not in by_name:
                raise ContractError(f"mechanism {m.name} sets up after {other!r}, which is not "
                                    f"a mechanism ({', '.join(sorted(by_name))})")
    done: list[Mechanism] = []
    waiting = sorted(by_name)
    while waiting:
        ready = [n for n in waiting if all(a in {d.name for d in done} for a in by_name[n].after)]
        if not ready:
            raise ContractError(f"set-up order loops among: {', '.join(waiting)}")
        done.append(by_name[ready[0]])
        waiting.remove(ready[0])
    return done


def plan(mechanisms: list[Mechanism]) -> list[tuple[str, Mechanism, str]]:
    """The step plan: ``(phase, mechanism, method name)`` in the order they run."""
    rows = [(PHASES.index(phase), m.order, m.name, phase, m, method)
            for m in mechanisms for phase, method in m.phases.items()]
    rows.sort(key=lambda r: r[:3])
    return [(phase, m, method) for *_, phase, m, method in rows]
