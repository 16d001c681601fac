"""What the dashboard holds for one page: two runs that step together, and its choices.

A :class:`PairedRun` is the scenario and its counterfactual (the scenario's own
``scenario.counterfactual`` overrides, applied last) built with the same seed, so they share
every random draw except where the intervention differs. A :class:`Session` keeps the page's
choices (scenario, levers, regions, population, seed, map layer, curves) as Hydra overrides,
and rebuilds both runs from week 0 when a choice changes: each run on the page is always one
config and one seed, which is what :meth:`Session.write` writes. Nothing here imports Solara;
the page (:mod:`peacesim.dashboard.app`) only calls these methods.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field
from pathlib import Path

from peacesim.config import ConfigError, load_config, to_config
from peacesim.dashboard import curves, maps
from peacesim.dashboard.levers import LEVERS, lever_value
from peacesim.plots.labels import MAIN_OUTCOMES, metric_label, outcome_parts

#: Community members of each run unless the command line or the page says otherwise. At this
#: size one step of both runs plus the redraw takes a few milliseconds (benchmarks/dashboard.py).
DEFAULT_POPULATION = 50_000

#: Overrides the dashboard adds to every config: it draws from arrays, so it needs no Mesa
#: agent objects (results do not depend on them), and it logs no progress.
DASHBOARD_OVERRIDES = ("population.agent_objects=none", "output.progress=false")

#: Curves drawn besides the scenario's own outcome.
DEFAULT_CURVES = ("trust_in_sdf", "armed_group_support", "youth_recruited")


@dataclass(frozen=True)
class Options:
    """How the dashboard starts (from the command line).

    Attributes:
        scenario: Scenario shown first.
        config_dir: A folder of the user's own configs (``--config-dir``), or None.
        overrides: Hydra overrides from the command line, applied to every scenario.
        population: Community members per run.
        seed: Root seed of both runs.
        out_dir: Where the write button puts run folders.
    """

    scenario: str = "central_mali"
    config_dir: str | None = None
    overrides: tuple[str, ...] = ()
    population: int = DEFAULT_POPULATION
    seed: int = 0
    out_dir: str = "outputs/dashboard"


@dataclass(frozen=True)
class Frame:
    """What the page shows at one moment (immutable: safe to hand to the page's thread).

    Attributes:
        week: Weeks run so far.
        steps: Weeks of the whole run.
        maps: PNG bytes of the map layer: (scenario, counterfactual).
        layer: The map layer shown.
        curves: SVG charts, one per metric.
        difference: The plain-language line on the difference so far.
    """

    week: int
    steps: int
    maps: tuple[bytes, bytes]
    layer: maps.Layer
    curves: tuple[str, ...]
    difference: str

    @property
    def finished(self) -> bool:
        """Whether the runs reached their last week."""
        return self.week >= self.steps


class PairedRun:
    """A scenario and its counterfactual with the same seed, stepping together.

    Args:
        scenario: Scenario name.
        overrides: Hydra overrides of both runs.
        config_dir: A folder of the user's own configs, or None.

    Raises:
        ConfigError: A config does not load, or the scenario is not of the main model.
    """

    def __init__(self, scenario: str, overrides: list[str], config_dir: str | None = None):
        from peacesim.model import PeaceModel

        self.scenario = scenario
        self.overrides = list(overrides)
        self.config_dir = config_dir
        config = to_config(load_config(scenario, self.overrides, config_dir))
        if config.model != "peace":
            raise ConfigError(f"scenario {scenario!r} runs model={config.model}, a published "
                              "special case: the dashboard shows the main model only")
        self.counterfactual_overrides = list(config.scenario.counterfactual)
        cf_config = to_config(load_config(
            scenario, self.overrides + self.counterfactual_overrides, config_dir))
        self.model = PeaceModel(config)
        self.counterfactual = PeaceModel(cf_config)
        self.box = maps.crop_box(self.model.trust_by_cell())
        self.map_width = maps.display_width(self.box)

    @property
    def config(self):
        """The scenario run's config."""
        return self.model.config

    @property
    def week(self) -> int:
        """Weeks run so far."""
        return int(self.model.steps)

    def step(self) -> bool:
        """Advance both runs one week; False (and nothing done) at the last week."""
        if self.week >= self.config.steps:
            return False
        self.model.step()
        self.counterfactual.step()
        return True

    def outcome(self) -> str:
        """The summary key the difference line reports (the scenario's declared outcome)."""
        return self.config.scenario.outcome or "trust_in_sdf_mean"

    def difference(self) -> str:
        """One plain-language line on how the two runs differ so far."""
        info = self.config.scenario
        if not self.counterfactual_overrides:
            return (f"Scenario {info.name} declares no counterfactual, so both runs are the "
                    "same; choose an intervention scenario to compare.")
        without = ", ".join(self.counterfactual_overrides)
        if self.week == 0:
            return (f"Week 0 of {self.config.steps}: the counterfactual is the same scenario "
                    f"with {without}. Press Step or Play.")
        key = self.outcome()
        metric, stat = outcome_parts(key)
        label = metric_label(metric)
        a = self.model.summary()[key] * label.scale
        b = self.counterfactual.summary()[key] * label.scale
        how = "averaged" if stat == "mean" else "stands at"
        text = (f"Week {self.week} of {self.config.steps}: {label.label.lower()} ({label.unit}, "
                f"national) {how} {a:.3g} with the intervention and {b:.3g} without it "
                f"({without})")
        diff = a - b
        if abs(diff) <= 1e-9 * max(abs(a), abs(b), 1.0):
            return text + ": no difference yet."
        sign = "up" if diff > 0 else "down"
        aim = ""
        if info.direction:
            aim = ("; the way the intervention aims" if sign == info.direction
                   else "; against the way the intervention aims")
        return text + f": {diff:+.3g}{aim}."

    def curves(self, metrics: tuple[str, ...]) -> tuple[str, ...]:
        """SVG charts of ``metrics`` by region, both runs."""
        n = self.week + 1
        a, b = self.model.recorder.data, self.counterfactual.recorder.data
        return tuple(curves.panel(m, a[m][:n], b[m][:n], self.config.steps)
                     for m in metrics if m in a)

    def map_images(self, layer: maps.Layer) -> tuple[bytes, bytes]:
        """PNGs of a layer for both runs."""
        return (maps.draw(self.model, layer, self.box),
                maps.draw(self.counterfactual, layer, self.box))


@dataclass
class Choices:
    """The page's choices; :meth:`Session.overrides` turns them into Hydra overrides."""

    scenario: str
    population: int
    seed: int
    levers: dict[str, float] = field(default_factory=dict)
    regions: tuple[str, ...] | None = None  # None: as the scenario sets each programme


class Session:
    """One page's state: its choices, its paired run and what is drawn.

    Every method that changes the runs holds a lock, so the play thread and the page's
    events never step or rebuild the runs at the same time.

    Args:
        options: How the dashboard started.

    Raises:
        ConfigError: The starting scenario does not load.
    """

    def __init__(self, options: Options | None = None):
        self.options = options or Options()
        self.lock = threading.RLock()
        self.choices = Choices(self.options.scenario, self.options.population,
                               self.options.seed)
        self.layer = maps.LAYERS[0]
        self.run = self._build(self.choices)
        self.metrics = self._default_metrics()

    # ------------------------------------------------------------------ choices
    def overrides(self, choices: Choices | None = None) -> list[str]:
        """The Hydra overrides of the scenario run (the counterfactual adds its own)."""
        c = choices or self.choices
        out = [*DASHBOARD_OVERRIDES, *self.options.overrides,
               f"population.size={c.population}", f"seed={c.seed}"]
        out += [f"{key}={value!r}" for key, value in c.levers.items()]
        if c.regions is not None:
            listed = ",".join(c.regions)
            out += [f"{p}.regions=[{listed}]" for p in self.programmes()]
        return out

    def programmes(self) -> list[str]:
        """Config sections the region chooser moves: every programme but the UN mission.

        The UN's regions are the Security Council's, not a programme's choice; its share is a
        lever of its own.
        """
        from peacesim.runner import interventions

        return [p["name"] for p in interventions(self.run.config) if p["name"] != "patrol.un"]

    def _build(self, choices: Choices) -> PairedRun:
        return PairedRun(choices.scenario, self.overrides(choices), self.options.config_dir)

    def _change(self, **changes) -> None:
        """Apply changes to the choices and rebuild; on any error keep the old runs.

        Raises:
            ConfigError: One line naming what is wrong (the page shows it).
        """
        with self.lock:
            old = self.choices
            new = Choices(**{**old.__dict__, "levers": dict(old.levers), **changes})
            try:
                run = self._build(new)
            except ConfigError:
                raise
            except Exception as err:  # a scenario file that does not parse, say
                first = f"{type(err).__name__}: {err}".splitlines()[0]
                raise ConfigError(f"scenario {new.scenario!r} does not load: {first}") from None
            self.choices, self.run = new, run

    def set_lever(self, key: str, value: float) -> None:
        """Set a lever (restarts both runs at week 0)."""
        if not any(lever.key == key for lever in LEVERS):
            raise ConfigError(f"{key} is not a lever of the dashboard")
        levers = {**self.choices.levers, key: float(value)}
        self._change(levers=levers)

    def set_scenario(self, name: str) -> None:
        """Show another scenario: its own lever values, its programmes' own regions."""
        self._change(scenario=name, levers={}, regions=None)
        self.metrics = self._default_metrics()

    def set_regions(self, regions: list[str]) -> None:
        """Where every programme acts (at least one region: an empty list would mean all)."""
        if not regions:
            raise ConfigError("choose at least one region for the programmes")
        self._change(regions=tuple(regions))

    def set_population(self, size: int) -> None:
        """Community members per run."""
        self._change(population=int(size))

    def set_seed(self, seed: int) -> None:
        """Root seed of both runs."""
        self._change(seed=int(seed))

    def reset(self) -> None:
        """Both runs back to week 0 with the same choices."""
        self._change()

    def set_layer(self, name: str) -> None:
        """Which map layer is drawn."""
        self.layer = maps.LAYER_BY_NAME[name]

    def set_metrics(self, metrics: list[str]) -> None:
        """Which outcomes get curves."""
        self.metrics = tuple(metrics)

    # ------------------------------------------------------------------ reading
    def lever_values(self) -> dict[str, float]:
        """Each lever's value in the scenario run's config."""
        return {lever.key: lever_value(self.run.config, lever.key) for lever in LEVERS}

    def simulated_regions(self) -> list[str]:
        """Region ids the scenario simulates."""
        return list(self.run.config.geography.regions)

    def programme_regions(self) -> list[str]:
        """The regions the chooser shows.

        The page's choice, or else where the scenario's own intervention acts (the programmes
        its counterfactual switches off; every simulated region when it declares none).
        """
        if self.choices.regions is not None:
            return list(self.choices.regions)
        from peacesim.runner import interventions

        simulated = self.simulated_regions()
        switched = {o.split("=", 1)[0].rsplit(".", 1)[0]
                    for o in self.run.counterfactual_overrides}
        covered: set[str] = set()
        for p in interventions(self.run.config):
            if p["name"] in switched:
                covered |= set(p["regions"] or simulated)
        return [r for r in simulated if r in covered] or simulated

    def _default_metrics(self) -> tuple[str, ...]:
        first = outcome_parts(self.run.outcome())[0]
        return tuple(dict.fromkeys((first, *DEFAULT_CURVES)))

    def curve_choices(self) -> list[str]:
        """Metrics the curve chooser offers."""
        return list(dict.fromkeys((*self.metrics, *MAIN_OUTCOMES,
                                   *self.run.model.recorder.metrics)))

    # ------------------------------------------------------------------ stepping
    def frame(self) -> Frame:
        """What the page shows now."""
        with self.lock:
            run = self.run
            return Frame(run.week, run.config.steps, run.map_images(self.layer), self.layer,
                         run.curves(self.metrics), run.difference())

    def advance(self) -> bool:
        """One week of both runs, without drawing; False when the runs are finished."""
        with self.lock:
            return self.run.step()

    def step(self) -> Frame | None:
        """One week of both runs and the new frame; None when the runs are finished."""
        with self.lock:
            if not self.run.step():
                return None
            return self.frame()

    def write(self, out_dir: str | Path | None = None) -> Path:
        """Write both runs so far as run folders, as ``python -m peacesim run`` does.

        The runner reruns each config with ``steps`` = the weeks run so far: the same config
        and seed give the same results, so the folder holds exactly what the page shows.

        Returns:
            The folder holding ``scenario/`` and ``counterfactual/``.

        Raises:
            ConfigError: Nothing has run yet.
        """
        from peacesim.runner import run_to_dir

        with self.lock:
            run = self.run
            week = run.week
            if week == 0:
                raise ConfigError("nothing to write yet: press Step or Play first")
            stamp = dt.datetime.now().strftime("%Y-%m-%d_%H-%M-%S")
            folder = Path(out_dir or self.options.out_dir) / run.scenario / stamp
            jobs = [("scenario", run.overrides),
                    ("counterfactual", run.overrides + run.counterfactual_overrides)]
        for name, overrides in jobs:
            overrides = [*overrides, f"steps={week}"]
            cfg = load_config(run.scenario, overrides, run.config_dir)
            run_to_dir(cfg, folder / name, overrides=[f"+scenario={run.scenario}", *overrides])
        return folder

