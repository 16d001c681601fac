"""The config schema: top-level keys plus one section per registered mechanism.

The schema is a dataclass built from the mechanism registry (each mechanism brings its own
``Params``), registered in Hydra's ConfigStore as ``peacesim_schema`` so that every YAML file
is checked against it: unknown keys and wrong types are refused by OmegaConf, ranges by
:func:`peacesim.config.validate.validate`.
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache

from peacesim.bennett.params import BennettParams
from peacesim.config.fields import RANGE, bounded, listing, share
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
            (RGPH5 2022: 47.2 % of Malians are under 15; the 15-34 split is assumed). Plausible
            0.5-0.7.
        female_share: Share of women. Assumed 0.5 (plausible 0.48-0.52).
        herder_share_scale: Multiplier of the regions' herder shares. 1 = as in the regions.
            Plausible 0.5-2.
        agent_objects: Which Mesa agent objects to build: ``auto`` (all when size <= 200,000,
            otherwise only the few actors), ``all``, ``actors`` (security units, armed groups,
            women's groups) or ``none``. Results do not depend on it.
    """

    size: int = bounded(100_000, 10, 2_000_000_000)
    youth_share: float = share(0.6, plausible=(0.5, 0.7),
                               source="RGPH5 2022 (47.2 % under 15); the 15-34 split and its "
                                      "range assumed")
    female_share: float = share(0.5, plausible=(0.48, 0.52), source="assumed")
    herder_share_scale: float = bounded(1.0, 0.0, 10.0, plausible=(0.5, 2.0), source="assumed")
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
        progress: Log progress while running (about every 10 % of the steps), on stderr.
        figures: Draw figures and the HTML report after the run: ``auto`` (for a single
            run, not for the jobs of a sweep, whose report is drawn by ``collect``),
            ``true`` or ``false``.
        checkpoint_every: Save a checkpoint every this many steps (0 = never); running the
            same config into the same folder resumes from it (docs/ROBUSTNESS.md).
        skip_completed: When the run folder already holds a run completed with the same
            config, skip it (for re-running a sweep into the same folder:
            ``hydra.sweep.dir=DIR``).
    """

    progress: bool = True
    figures: str = "auto"
    checkpoint_every: int = bounded(0, 0)
    skip_completed: bool = False

    def check(self) -> None:
        """``figures`` is auto, true or false."""
        if str(self.figures).lower() not in FIGURES:
            raise ValueError(f"output.figures={self.figures!r}; allowed: auto, true, false")

    def draw_figures(self, sweep_job: bool) -> bool:
        """Whether a run draws its figures: ``auto`` means yes except for a sweep's jobs."""
        value = str(self.figures).lower()
        return value in ("true", "yes", "on", "1") or (value == "auto" and not sweep_job)


#: Values of ``output.figures`` (booleans from YAML arrive as the strings true/false).
FIGURES = ("auto", "true", "false", "yes", "no", "on", "off", "1", "0")


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


#: What the top-level keys mean (they have no dataclass docstring of their own).
RUN_DOCS = {
    "model": "Which model runs: peace (this model), epstein or bennett (published special cases).",
    "steps": "Weeks simulated (260 = 5 years).",
    "seed": "Root seed; every random stream derives from it.",
    "threads": "Numba threads (0 = all cores); results do not depend on it.",
    "check": "Assert the invariants after every mechanism.",
}


def attribute_docs(cls) -> dict[str, str]:
    """Parse the Google-style ``Attributes:`` section of a class docstring (and its bases')."""
    docs: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        text = klass.__doc__ or ""
        if "Attributes:" not in text:
            continue
        body = text.split("Attributes:", 1)[1]
        current = None
        for line in body.splitlines():
            m = re.match(r"^\s{4,8}([\w, ]+):\s*(.*)$", line)
            if m and not line.startswith(" " * 12):
                names = [n.strip() for n in m.group(1).split(",")]
                current = names
                for n in names:
                    if n in docs and m.group(2).strip().startswith("When"):
                        current = [x for x in current if x != n]  # keep the base's fuller text
                        continue
                    docs[n] = m.group(2).strip()
            elif current and line.strip():
                for n in current:
                    docs[n] += " " + line.strip()
    return docs


def range_text(f: dataclasses.Field, *, compact: bool = False) -> str:
    """The allowed range of a field as ``[lo, hi]`` (``(`` for an open bound), or "".

    Args:
        f: The dataclass field.
        compact: Write large bounds short (``1e9``, ``2^63-1``), as ``run --help`` does.
    """
    if RANGE not in f.metadata:
        return ""
    lo, hi, lo_open = f.metadata[RANGE]

    def fmt(x):
        if math.isinf(x):
            return "∞"
        if compact and x >= 2**63 - 1:
            return "2^63-1"
        if compact and abs(x) >= 1e6:
            return f"{x:.0e}".replace("+0", "").replace("+", "")
        return str(int(x)) if float(x).is_integer() else f"{x:g}"

    return f"{'(' if lo_open else '['}{fmt(lo)}, {fmt(hi)}{')' if math.isinf(hi) else ']'}"


def default_text(value) -> str:
    """A default value as the parameter tables show it."""
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        return "[" + ", ".join(map(str, value)) + "]" if value else "[] (all)"
    return str(value)


def parameter_rows(cls, prefix: str):
    """``(key, default, allowed, description)`` for every leaf field of ``cls``, recursively."""
    docs = attribute_docs(cls)
    instance = cls()
    for f in dataclasses.fields(cls):
        value = getattr(instance, f.name)
        key = f"{prefix}{f.name}"
        if dataclasses.is_dataclass(value):
            yield from parameter_rows(type(value), key + ".")
            continue
        yield key, default_text(value), range_text(f), docs.get(f.name, "")


def unit_of(key: str, allowed: str, default) -> str:
    """The unit of a parameter, from its name, range and type: weeks, share, count or ""."""
    leaf = key.rsplit(".", 1)[-1]
    if leaf in ("steps", "start", "end") or leaf.endswith(("_window", "_weeks")):
        return "weeks"
    if leaf == "seed":
        return ""
    if allowed == "[0, 1]":
        return "share 0-1"
    if allowed and isinstance(default, int) and not isinstance(default, bool):
        return "count"
    return ""


#: Longest description ``run --help`` prints on a key's line (the rest is in docs/ODD.md).
HELP_TEXT_WIDTH = 72


def help_rows() -> list[tuple[str, str, str, str, str]]:
    """``(key, default, allowed, unit, one-line description)`` of every config key.

    The description is the first sentence of each field's ``Attributes:`` entry (the text of
    docs/ODD.md's parameter tables), shortened to :data:`HELP_TEXT_WIDTH` characters; the
    regions' keys are shown once, as ``regions.<id>.KEY``.
    """
    cls = schema()
    instance = cls()
    out = []

    def add(key, value, f, text):
        first = re.split(r"(?<=\.)\s+(?=[A-Z(])", text.strip(), maxsplit=1)[0] if text else ""
        if len(first) > HELP_TEXT_WIDTH:
            first = first[: HELP_TEXT_WIDTH - 1].rstrip() + "…"
        allowed = range_text(f, compact=True)
        shown = value if isinstance(value, str) else default_text(value)
        out.append((key, shown, allowed, unit_of(key, range_text(f), value), first))

    def walk(klass, prefix: str) -> None:
        docs = attribute_docs(klass)
        obj = klass()
        for f in dataclasses.fields(klass):
            value = getattr(obj, f.name)
            if dataclasses.is_dataclass(value):
                walk(type(value), f"{prefix}{f.name}.")
            else:
                add(f"{prefix}{f.name}", value, f, docs.get(f.name, ""))

    for f in dataclasses.fields(cls):
        if f.name in RUN_DOCS:
            add(f.name, getattr(instance, f.name), f, RUN_DOCS[f.name])
    for f in dataclasses.fields(cls):
        value = getattr(instance, f.name)
        if dataclasses.is_dataclass(value):
            walk(type(value), f"{f.name}.")
    region_docs = attribute_docs(RegionParams)
    for f in dataclasses.fields(RegionParams):
        add(f"regions.<id>.{f.name}", "by region", f, region_docs.get(f.name, ""))
    return out


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
