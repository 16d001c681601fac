"""PeaceModel: the step plan, the random streams, the state tables and the recording."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable

import mesa
import numpy as np
import pandas as pd

from peacesim.config import to_config
from peacesim.dtypes import ACC
from peacesim.kernels.cells import census
from peacesim.mechanisms.base import plan, registered
from peacesim.population import FEMALE, HERDER, YOUTH, Population, Table, apportion
from peacesim.random import Streams, uniform_numpy
from peacesim.results import Metric, Recorder
from peacesim.world import World

#: Per-cell exposure of the week, reset at the start of each step. Mechanisms add to these;
#: the trust and grievance kernels read them. They are the interface between the mechanisms
#: that cause events and those that respond to them.
EXPOSURE = ("p_harm_forces", "p_harm_violence", "p_protect", "attacks")

#: Objects built by ``population.agent_objects=auto`` up to this many members.
AUTO_OBJECTS_LIMIT = 200_000


class InvariantError(AssertionError):
    """An invariant of the model broke (``check=true``); names the step and the mechanism."""


class PeaceModel(mesa.Model):
    """Trust between communities and security forces in Mali, week by week.

    Args:
        cfg: A config from :func:`peacesim.load_config`, a ``PeaceConfig`` instance, a plain
            dict of overrides, or None for the defaults.

    Example:
        >>> import peacesim
        >>> model = peacesim.PeaceModel(peacesim.load_config("baseline", ["steps=10"]))
        >>> model.run()
        >>> model.timeseries().columns[:3].tolist()
        ['step', 'region', 'trust_in_sdf']
    """

    def __init__(self, cfg=None):
        config = to_config(cfg)
        if config.model != "peace":
            raise ValueError(f"model={config.model!r}: PeaceModel runs model=peace; use "
                             "peacesim.build_model(cfg) for the published special cases")
        super().__init__(seed=config.seed)
        self.config = config
        _set_threads(config.threads)
        self.streams = Streams(config.seed)
        self.world = World.build(config.geography)
        self.region_names = self.world.region_names
        self.people = Population(apportion(config.population.size, self.world.weight))
        self.people_per_agent = float(self.world.people.sum() / self.people.size)
        self.cells = Table(self.world.n_cells, "cells")
        for name in EXPOSURE:
            self.cells.add(name, ACC)
        for name, dtype in (("members", np.int64), ("trust_sum", ACC), ("cohesion_sum", ACC),
                            ("report_sum", ACC), ("youth", np.int64),
                            ("youth_recruited", np.int64)):
            self.cells.add(name, dtype)
        self._draw_traits()
        self.mechanisms = {m.name: m(self, getattr(config, m.name)) for m in registered()}
        for mech in self.mechanisms.values():
            mech.setup()
        self.plan = plan(list(self.mechanisms.values()))
        self.timings: dict[str, float] = defaultdict(float)
        metrics = [Metric(name, *spec) for m in self.mechanisms.values()
                   for name, spec in m.results.items()]
        self.recorder = Recorder(metrics, config.steps, self.region_names)
        # Step 0: programmes and grievance as they stand before the first week.
        for phase, mech, method in self.plan:
            if phase in ("programmes", "grievance"):
                getattr(mech, method)(0)
        self._census()
        self._record(0)
        self._build_agents(config.population.agent_objects)

    # ------------------------------------------------------------------ set-up
    def _draw_traits(self) -> None:
        """Youth, sex and community of each member (fixed for the run)."""
        people, cfg = self.people, self.config
        rows = np.arange(people.size)
        key = self.streams["population.traits"]
        herder = self.world.per_cell(cfg.regions, "herder_share")[people.cell]
        herder = np.minimum(1.0, herder * cfg.population.herder_share_scale)
        traits = np.where(uniform_numpy(key, 0, rows, 0) < cfg.population.youth_share, YOUTH, 0)
        traits |= np.where(uniform_numpy(key, 0, rows, 1) < cfg.population.female_share, FEMALE, 0)
        traits |= np.where(uniform_numpy(key, 0, rows, 2) < herder, HERDER, 0)
        people.traits[:] = traits.astype(np.uint8)

    def _build_agents(self, which: str) -> None:
        from peacesim.agents import ArmedGroup, SecurityForce, WomensGroup, Youth

        if which == "auto":
            which = "all" if self.people.size <= AUTO_OBJECTS_LIMIT else "actors"
        if which == "none":
            return
        for row in range(self.mechanisms["patrol"].units.size):
            SecurityForce(self, row)
        for row in range(self.mechanisms["armed_groups"].groups.size):
            ArmedGroup(self, row)
        for row in range(self.mechanisms["womens_groups"].groups.size):
            WomensGroup(self, row)
        if which == "all":
            for row in np.flatnonzero(self.people.has(YOUTH)):
                Youth(self, row)

    # ------------------------------------------------------------------ stepping
    def step(self) -> None:
        """One week: every mechanism in the order of the step plan, then the census."""
        t = int(self.steps)  # Mesa's step wrapper has already counted this step
        if t > self.config.steps:
            self.steps -= 1  # refused: leave the counter where the run stopped
            raise RuntimeError(f"the run has {self.config.steps} steps; step {t} is past the end")
        for name in EXPOSURE:
            self.cells[name][:] = 0
        check = self.config.check
        for phase, mech, method in self.plan:
            start = time.perf_counter()
            getattr(mech, method)(t)
            self.timings[f"{phase}:{mech.name}.{method}"] += time.perf_counter() - start
            if check:
                self.check_invariants(t, f"{mech.name}.{method}")
        start = time.perf_counter()
        self._census()
        self._record(t)
        self.timings["record:census"] += time.perf_counter() - start
        if check:
            self.check_invariants(t, "record")

    def run(self, progress: Callable[[int, int], None] | None = None) -> PeaceModel:
        """Run to ``config.steps``.

        Args:
            progress: Called as ``progress(step, steps)`` after each step.

        Returns:
            The model itself.
        """
        total = self.config.steps
        while self.steps < total:
            self.step()
            if progress is not None:
                progress(int(self.steps), total)
        return self

    def _census(self) -> None:
        people, cells = self.people, self.cells
        census(people.offsets, people.traits, people["status"], people["affiliation"],
               people["trust"], people["cohesion"], cells["members"], cells["trust_sum"],
               cells["cohesion_sum"], cells["report_sum"], cells["youth"],
               cells["youth_recruited"])

    def _record(self, t: int) -> None:
        out: dict[str, np.ndarray] = {}
        for mech in self.mechanisms.values():
            mech.record(out)
        world, cells = self.world, self.cells
        weights = {
            "members": world.region_sum(cells["members"].astype(ACC)),
            "everyone": world.region_sum(self.people.counts.astype(ACC)),
            "youth": world.region_sum(cells["youth"].astype(ACC)),
            "population": world.region_sum(world.people),
        }
        self.recorder.write(t, out, weights)

    # ------------------------------------------------------------------ results
    def timeseries(self) -> pd.DataFrame:
        """Tidy results: one row per step (0 = start) and region."""
        return self.recorder.frame()

    def national(self) -> pd.DataFrame:
        """National results: one row per step."""
        return self.recorder.national()

    def summary(self) -> dict[str, float]:
        """National outcomes: ``<metric>_final`` and ``<metric>_mean`` for every metric."""
        return self.recorder.summary()

    def metrics(self) -> dict[str, Metric]:
        """The recorded metrics with their kind, weight and description."""
        return dict(self.recorder.metrics)

    def step_plan(self) -> pd.DataFrame:
        """The step plan in order, with the time spent in each entry so far (seconds)."""
        rows = [{"phase": phase, "mechanism": mech.name, "method": method,
                 "seconds": self.timings.get(f"{phase}:{mech.name}.{method}", 0.0)}
                for phase, mech, method in self.plan]
        rows.append({"phase": "record", "mechanism": "model", "method": "census",
                     "seconds": self.timings.get("record:census", 0.0)})
        return pd.DataFrame(rows)

    @property
    def raster(self) -> np.ndarray:
        """Region index of each raster cell (-1 outside the simulated regions)."""
        return self.world.to_raster(self.world.region.astype(float), fill=-1).astype(np.int64)

    def cell_values(self, name: str) -> np.ndarray:
        """A per-cell column on the raster grid (NaN outside), e.g. ``"info"``."""
        return self.world.to_raster(np.asarray(self.cells[name], dtype=float))

    def trust_by_cell(self) -> np.ndarray:
        """Mean trust in the SDF per cell (members not recruited), on the raster grid."""
        c = self.cells
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(c["members"] > 0, c["trust_sum"] / c["members"], np.nan)
        return self.world.to_raster(mean)

    # ------------------------------------------------------------------ checking
    def check_invariants(self, t: int, after: str) -> None:
        """Assert the model's invariants.

        Raises:
            InvariantError: Naming the step and the mechanism after which one broke.
        """
        people = self.people

        def fail(what: str) -> None:
            raise InvariantError(f"step {t}, after {after}: {what}")

        for name in ("trust", "cohesion", "harm_memory", "hardship", "risk_aversion"):
            col = people[name]
            if not np.all(np.isfinite(col)):
                fail(f"population column {name} has non-finite values")
            if col.min(initial=0.0) < 0.0 or col.max(initial=0.0) > 1.0:
                fail(f"population column {name} leaves [0, 1]")
        recruited = int(np.count_nonzero(people["affiliation"] >= 0))
        members = int(self.cells["members"].sum())
        if (people.size != int(people.offsets[-1]) or people.size != self.config.population.size
                or (after == "record" and members + recruited != people.size)):
            fail(f"people were not conserved: {members} members + {recruited} recruited "
                 f"!= {people.size}")
        if np.any((people["affiliation"] >= 0) & ((people.traits & YOUTH) == 0)):
            fail("a member who is not young was recruited")
        strength = self.mechanisms["armed_groups"].groups["strength"]
        if np.any(~np.isfinite(strength)) or np.any(strength < 0):
            fail("an armed group's strength is negative or not finite")
        for name in ("info", "sdf_trust", "legitimacy", "justice", *EXPOSURE[:3]):
            col = self.cells[name]
            if not np.all(np.isfinite(col)) or col.min() < 0.0 or col.max() > 1.0:
                fail(f"cell column {name} leaves [0, 1]")

    # ------------------------------------------------------------------ checkpoints
    def state(self) -> dict[str, np.ndarray]:
        """Everything needed to continue the run, as named arrays."""
        out = {"step": np.array(int(self.steps))}
        out.update({f"people.{k}": v for k, v in self.people.state().items()})
        out.update({f"cells.{k}": v for k, v in self.cells.state().items()})
        for mech in self.mechanisms.values():
            for attr in ("units", "groups"):
                table = getattr(mech, attr, None)
                if isinstance(table, Table):
                    out.update({f"{mech.name}.{k}": v for k, v in table.state().items()})
        out.update({f"recorder.{k}": v for k, v in self.recorder.state().items()})
        return out

    def load_state(self, state: dict[str, np.ndarray]) -> None:
        """Continue from :meth:`state` (the model must be built from the same config)."""
        def sub(prefix):
            return {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}

        self.people.load_state(sub("people."))
        self.cells.load_state(sub("cells."))
        for mech in self.mechanisms.values():
            for attr in ("units", "groups"):
                table = getattr(mech, attr, None)
                if isinstance(table, Table):
                    table.load_state(sub(f"{mech.name}."))
        self.recorder.load_state(sub("recorder."))
        self.steps = int(state["step"])
        self.time = float(self.steps)


def _set_threads(threads: int) -> None:
    """Use ``threads`` Numba threads (0 = all available)."""
    import numba

    most = numba.config.NUMBA_NUM_THREADS
    numba.set_num_threads(min(threads, most) if threads > 0 else most)



