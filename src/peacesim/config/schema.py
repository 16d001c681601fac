"""The config schema: top-level keys plus one section per registered mechanism.

The schema is a dataclass built from the mechanism registry (each mechanism brings its own
``Params``), registered in Hydra's ConfigStore as ``peacesim_schema`` so that every YAML file
is checked against it: unknown keys and wrong types are refused by OmegaConf, ranges by
:func:`peacesim.config.validate.validate`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from functools import lru_cache

from peacesim.bennett.params import BennettParams
from peacesim.config.fields import bounded, listing, share
from peacesim.config.regions import RegionParams, default_regions
from peacesim.epstein.params import EpsteinParams
from peacesim.mechanisms.base import registered
from peacesim.world import GeographyParams


@dataclass
class ScenarioInfo:
    """What the scenario is.

    Attributes:
        name: Scenario name (the file name under configs/scenario/).
        description: One line shown by ``python -m peacesim scenarios``.
        sources: Where its numbers come from.
        counterfactual: Overrides that switch the scenario's intervention off (the same
            scenario without it), e.g. ``["employment.youth_coverage=0"]``; empty when the
            scenario has no intervention.
        outcome: The national outcome the intervention is meant to move (a summary key such
            as ``youth_recruited_mean``).
        direction: ``up`` or ``down``: which way the intervention should move ``outcome``.
    """

    name: str = "baseline"
    description: str = ""
    sources: list[str] = listing([])
    counterfactual: list[str] = listing([])
    outcome: str = ""
    direction: str = ""

    def check(self) -> None:
        """``direction`` is up, down or empty."""
        if self.direction not in ("", "up", "down"):
            raise ValueError(f"scenario.direction={self.direction!r}; allowed: up, down")


@dataclass
class PopulationParams:
    """Community members.

    Attributes:
        size: Number of simulated community members (rows). Each stands for
            (adults in the simulated regions) / size people.
        youth_share: Share of members aged 15-34 among those aged 15 and over. Assumed 0.6
            (RGPH5 2022: 47.2 % of Malians are under 15; the 15-34 split is assumed).
        female_share: Share of women. Assumed 0.5.
        herder_share_scale: Multiplier of the regions' herder shares. 1 = as in the regions.
        agent_objects: Which Mesa agent objects to build: ``auto`` (all when size <= 200,000,
            otherwise only the few actors), ``all``, ``actors`` (security units, armed groups,
            women's groups) or ``none``. Results do not depend on it.
    """

    size: int = bounded(100_000, 10, 2_000_000_000)
    youth_share: float = share(0.6)
    female_share: float = share(0.5)
    herder_share_scale: float = bounded(1.0, 0.0, 10.0)
    agent_objects: str = "auto"

    def check(self) -> None:
        """``agent_objects`` is one of its four values."""
        allowed = ("auto", "all", "actors", "none")
        if self.agent_objects not in allowed:
            raise ValueError(f"population.agent_objects={self.agent_objects!r}; allowed: "
                             f"{', '.join(allowed)}")


@dataclass
class OutputParams:
    """What a run writes (used by the command line).

    Attributes:
        progress: Log progress while running (about every 10 % of the steps).
        figures: Draw figures and the HTML report after the run.
        checkpoint_every: Save a checkpoint every this many steps (0 = never); running the
            same config into the same folder resumes from it (docs/ROBUSTNESS.md).
        skip_completed: When the run folder already holds a run completed with the same
            config, skip it (for re-running a sweep into the same folder:
            ``hydra.sweep.dir=DIR``).
    """

    progress: bool = True
    figures: bool = True
    checkpoint_every: int = bounded(0, 0)
    skip_completed: bool = False


BASE_FIELDS = [
    ("model", str, field(default="peace")),
    ("steps", int, bounded(260, 1, 1_000_000)),
    ("seed", int, bounded(0, 0, 2**63 - 1)),
    ("threads", int, bounded(0, 0, 1024)),
    ("check", bool, field(default=False)),
    ("scenario", ScenarioInfo, field(default_factory=ScenarioInfo)),
    ("population", PopulationParams, field(default_factory=PopulationParams)),
    ("geography", GeographyParams, field(default_factory=GeographyParams)),
    ("regions", dict[str, RegionParams], field(default_factory=default_regions)),
    ("output", OutputParams, field(default_factory=OutputParams)),
    # The published models peacesim contains as special cases (model=epstein, model=bennett).
    ("epstein", EpsteinParams, field(default_factory=EpsteinParams)),
    ("bennett", BennettParams, field(default_factory=BennettParams)),
]

#: Values of the top-level ``model`` key.
MODELS = ("peace", "epstein", "bennett")


@lru_cache(maxsize=1)
def schema() -> type:
    """The ``PeaceConfig`` dataclass: base fields plus each mechanism's ``Params``."""
    fields = list(BASE_FIELDS)
    for m in registered():
        if m.Params is not None:
            fields.append((m.name, m.Params, field(default_factory=m.Params)))
    doc = ("A peacesim run. Top level: model (peace, epstein or bennett), steps (weeks), seed, "
           "threads (Numba threads, "
           "0 = all), check (assert invariants after every mechanism); then scenario, "
           "population, geography, regions, output, and one section per mechanism: "
           + ", ".join(m.name for m in registered() if m.Params is not None) + ".")
    cls = dataclasses.make_dataclass("PeaceConfig", fields)
    cls.__doc__ = doc
    cls.__module__ = __name__
    return cls


def register_schema() -> None:
    """Store the schema in Hydra's ConfigStore as ``peacesim_schema`` (idempotent)."""
    from hydra.core.config_store import ConfigStore

    ConfigStore.instance().store(name="peacesim_schema", node=schema())


def __getattr__(name: str):
    # ``PeaceConfig`` is built on first use (it needs the mechanism registry); this makes it
    # importable and picklable as peacesim.config.schema.PeaceConfig.
    if name == "PeaceConfig":
        return schema()
    raise AttributeError(name)
