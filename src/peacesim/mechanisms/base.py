"""What every mechanism is: its parameters, its place in the step, the state it owns.

A mechanism is a class registered with :func:`mechanism`. It declares

* ``name``: its config key (``patrol``) and the prefix of its random streams;
* ``phases``: where in the weekly step it acts, as ``{phase: method name}`` with phases from
  :data:`PHASES` (a mechanism may act in several), and ``order`` within a phase;
* ``Params``: a dataclass of its parameters, which is also its Hydra schema;

and implements ``setup()`` (add its columns, draw initial state) and its phase methods,
each taking the step ``t`` being computed. Nothing is
listed centrally: the config schema and the step plan are built from the registry.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from peacesim.config.fields import bounded, listing, step_index

if TYPE_CHECKING:
    from peacesim.model import PeaceModel

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
)

_REGISTRY: dict[str, type[Mechanism]] = {}


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
    Params: ClassVar[type]

    def __init__(self, model: PeaceModel, params):
        self.model = model
        self.params = params

    def setup(self) -> None:
        """Add this mechanism's columns and draw its initial state."""

    def stream(self, purpose: str) -> np.uint64:
        """Key of this mechanism's random stream for a purpose, e.g. ``"move"``."""
        return self.model.streams[f"{self.name}.{purpose}"]

    def coverage(self, programme: Programme, t: int) -> np.ndarray:
        """Boolean mask over the model's cells where ``programme`` acts at step ``t``."""
        return self.model.world.programme_mask(programme, t)


def mechanism(cls: type[Mechanism]) -> type[Mechanism]:
    """Class decorator: register a mechanism under its ``name``."""
    for phase, method in cls.phases.items():
        if phase not in PHASES:
            raise ValueError(f"{cls.__name__}: phase {phase!r} is not one of {PHASES}")
        if not callable(getattr(cls, method, None)):
            raise ValueError(f"{cls.__name__}: no method {method!r} for phase {phase!r}")
    if cls.name in _REGISTRY and _REGISTRY[cls.name] is not cls:
        raise ValueError(f"two mechanisms are named {cls.name!r}")
    _REGISTRY[cls.name] = cls
    return cls


def registered() -> list[type[Mechanism]]:
    """All mechanisms, sorted by name (modules of this package are imported on first call)."""
    package = importlib.import_module("peacesim.mechanisms")
    for info in pkgutil.iter_modules(package.__path__):
        if info.name != "base":
            importlib.import_module(f"peacesim.mechanisms.{info.name}")
    return sorted(_REGISTRY.values(), key=lambda m: m.name)


def plan(mechanisms: list[Mechanism]) -> list[tuple[str, Mechanism, str]]:
    """The step plan: ``(phase, mechanism, method name)`` in the order they run."""
    rows = [(PHASES.index(phase), m.order, m.name, phase, m, method)
            for m in mechanisms for phase, method in m.phases.items()]
    rows.sort(key=lambda r: r[:3])
    return [(phase, m, method) for *_, phase, m, method in rows]
