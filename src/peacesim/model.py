"""PeaceModel: builds the mechanisms from their declarations, runs the step plan, records.

The model names no mechanism. It reads what each one declares (:mod:`peacesim.mechanisms.base`):
the columns it owns are allocated before any set-up, set-ups run in their declared order, the
columns each one reads are checked against their owners, the step plan comes from the
phases, the results from the metrics, the checkpoints from every table kept, the
invariants from the column bounds and the mechanisms' own checks, the Mesa agents from the
agent views.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable

import mesa
import numpy as np
import pandas as pd

from peacesim.config import to_config
from peacesim.kernels import dispatch
from peacesim.mechanisms.base import (
    SHARED_TABLES,
    START_PHASES,
    Column,
    ContractError,
    MapLayer,
    Mechanism,
    plan,
    registered,
    setup_order,
)
from peacesim.population import FEMALE, HERDER, YOUTH, Population, Table, apportion
from peacesim.random import POPULATION_TRAITS, SHARED_STREAMS, Streams, uniform_numpy
from peacesim.results import Metric, Recorder
from peacesim.world import World

#: Objects built by ``population.agent_objects=auto`` up to this many members.
AUTO_OBJECTS_LIMIT = 200_000


class InvariantError(AssertionError):
    """An invariant of the model broke (``check=true``); names the step and the mechanism."""


class PeaceModel(mesa.Model):
    """Trust between communities and security forces in Mali, week by week.

    Args:
        cfg: A config from :func:`peacesim.load_config`, a ``PeaceConfig`` instance, a plain
            dict of overrides, or None for the defaults.

    Raises:
        ContractError: A mechanism reads a column that nobody owns (one line naming both).

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
        self.world = World.build(config.geography)
        self.region_names = self.world.region_names
        self.people = Population(apportion(config.population.size, self.world.weight))
        self.people_per_agent = float(self.world.people.sum() / self.people.size)
        self.cells = Table(self.world.n_cells, "cells")
        self.mechanisms: dict[str, Mechanism] = {
            m.name: m(self, getattr(config, m.name, None)) for m in registered()}
        self.streams = Streams(config.seed, names=[
            POPULATION_TRAITS, *SHARED_STREAMS,
            *(s for m in self.mechanisms.values() for s in m.stream_names())])
        self.columns: dict[tuple[str, str], Column] = {}
        self._draw_traits()  # before the other columns exist: its temporaries set the peak
        self._allocate()
        self.tables: dict[str, Table] = {"people": self.people, "cells": self.cells}
        for mech in setup_order(list(self.mechanisms.values())):
            mech.setup()
            self._collect_tables(mech)  # those set up after it may read them
        self._check_reads()
        self._weekly = [(self.tables[c.table][c.name], c.fill)
                        for c in self.columns.values() if c.weekly]
        self.plan = plan(list(self.mechanisms.values()))
        self.timings: dict[str, float] = defaultdict(float)
        mechs = self.mechanisms.values()
        self.recorder = Recorder([m for mech in mechs for m in mech.metrics], config.steps,
                                 self.region_names, [w for mech in mechs for w in mech.weights])
        # The record methods, in mechanism order, without those that record nothing.
        self._records = [mech.record for mech in mechs
                         if type(mech).record is not Mechanism.record]
        # Step 0: the phases that set the starting state (programmes in force, support...).
        self._choose_kernels()
        for phase, mech, method in self.plan:
            if phase in START_PHASES:
                getattr(mech, method)(0)
        self._record(0)
        self._build_agents(config.population.agent_objects)

    # ------------------------------------------------------------------ set-up
    def _allocate(self) -> None:
        """Allocate every declared column, owned by its mechanism, before any set-up."""
        shared = {"people": self.people, "cells": self.cells}
        for mech in self.mechanisms.values():
            for col in mech.owns:
                try:
                    shared[col.table].add(col.name, col.dtype, col.fill, owner=mech.name)
                except ValueError as err:
                    raise ContractError(str(err)) from None
                self.columns[(col.table, col.name)] = col

    def _draw_traits(self) -> None:
        """Youth, sex and community of each member (fixed for the run)."""
        people, cfg = self.people, self.config
        rows = np.arange(people.size)
        key = self.streams[POPULATION_TRAITS]
        herder = self.world.per_cell(cfg.regions, "herder_share")[people.cell]
        herder = np.minimum(1.0, herder * cfg.population.herder_share_scale)
        traits = np.where(uniform_numpy(key, 0, rows, 0) < cfg.population.youth_share, YOUTH, 0)
        traits |= np.where(uniform_numpy(key, 0, rows, 1) < cfg.population.female_share, FEMALE, 0)
        traits |= np.where(uniform_numpy(key, 0, rows, 2) < herder, HERDER, 0)
        people.traits[:] = traits.astype(np.uint8)

    def _collect_tables(self, mech: Mechanism) -> None:
        """Register every table ``mech`` keeps (any attribute) in ``tables``, by label."""
        for attr, table in mech.tables().items():
            if table.label in self.tables and self.tables[table.label] is not table:
                raise ContractError(f"mechanism {mech.name} keeps a table {table.label!r} "
                                    f"({attr}), a name another table has")
            if table.owner_name == "model":  # made with Table(...): the keeper owns it
                table.owner_name = mech.name
                table.owners = {c: mech.name if o == "model" else o
                                for c, o in table.owners.items()}
            self.tables[table.label] = table

    def _check_reads(self) -> None:
        """Every column a mechanism says it reads or writes exists, and has an owner."""
        for mech in self.mechanisms.values():
            for verb, refs in (("reads", mech.reads), ("writes", mech.writes)):
                for ref in refs:
                    table_name, column = ref.split(".")
                    table = self.tables.get(table_name)
                    if table is None:
                        raise ContractError(
                            f"mechanism {mech.name} {verb} {ref}, but there is no table "
                            f"{table_name!r} (tables: {', '.join(self.tables)})")
                    if column not in table:
                        raise ContractError(
                            f"mechanism {mech.name} {verb} {ref}, which no mechanism owns")

    def _build_agents(self, which: str) -> None:
        if which == "auto":
            which = "all" if self.people.size <= AUTO_OBJECTS_LIMIT else "actors"
        if which == "none":
            return
        views = [v for m in self.mechanisms.values() for v in m.agents]
        for view in sorted(views, key=lambda v: v.many):  # the few actors first
            if view.many and which != "all":
                continue
            table = self.tables[view.table]
            rows = view.rows(self) if view.rows is not None else range(table.size)
            for row in rows:
                view.cls(self, row)

    # ------------------------------------------------------------------ stepping
    def step(self) -> None:
        """One week: every mechanism in the order of the step plan, then the recording."""
        t = int(self.steps)  # Mesa's step wrapper has already counted this step
        if t > self.config.steps:
            self.steps -= 1  # refused: leave the counter where the run stopped
            raise RuntimeError(f"the run has {self.config.steps} steps; step {t} is past the end")
        for column, fill in self._weekly:
            column[:] = fill
        self._choose_kernels()
        check = self.config.check
        for phase, mech, method in self.plan:
            start = time.perf_counter()
            getattr(mech, method)(t)
            self.timings[f"{phase}:{mech.name}.{method}"] += time.perf_counter() - start
            if check:
                self.check_invariants(t, f"{mech.name}.{method}")
        start = time.perf_counter()
        self._record(t)
        self.timings["record:model.results"] += time.perf_counter() - start
        if check:
            self.check_invariants(t, "record")

    def _choose_kernels(self) -> None:
        """Serial kernels for small runs, parallel ones for large (same results either way)."""
        import numba

        _set_threads(self.config.threads)
        dispatch.use_parallel(dispatch.parallel_for(self.people.size, numba.get_num_threads()))

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

    def _record(self, t: int) -> None:
        """Every mechanism's results of step ``t`` into the recorder."""
        out: dict[str, np.ndarray] = {}
        for record in self._records:
            record(out)
        self.recorder.write(t, out)

    # ------------------------------------------------------------------ results
    def timeseries(self) -> pd.DataFrame:
        """Tidy results: one row per step (0 = start) and region."""
        return self.recorder.frame()

    def national(self) -> pd.DataFrame:
        """National results: one row per step."""
        return self.recorder.national()

    def summary(self) -> dict[str, float]:
        """National outcomes of every metric.

        ``<metric>_final`` (last step), ``<metric>_mean`` (mean over the programme period,
        from :attr:`programme_start`) and ``<metric>_mean_run`` (mean over the whole run).
        """
        return self.recorder.summary(self.programme_start)

    @property
    def programme_start(self) -> int:
        """First step of the programme period.

        The earliest start of the programmes that the scenario's counterfactual switches off
        (0 when it declares none).
        """
        return programme_start(self.config)

    def annual(self) -> pd.DataFrame:
        """Annual results in the targets' terms (:mod:`peacesim.annual`).

        Returns:
            Columns ``year``, ``region`` (the targets' ids and ``national``), ``metric``,
            ``value``; full years only.
        """
        from peacesim.annual import annual_of_run

        return annual_of_run(self.config, self.timeseries())

    def metrics(self) -> dict[str, Metric]:
        """The recorded metrics with their label, unit, kind, weight and description."""
        return dict(self.recorder.metrics)

    def step_plan(self) -> pd.DataFrame:
        """The step plan in order, with the time spent in each entry so far (seconds)."""
        rows = [{"phase": phase, "mechanism": mech.name, "method": method,
                 "seconds": self.timings.get(f"{phase}:{mech.name}.{method}", 0.0)}
                for phase, mech, method in self.plan]
        rows.append({"phase": "record", "mechanism": "model", "method": "results",
                     "seconds": self.timings.get("record:model.results", 0.0)})
        return pd.DataFrame(rows)

    def map_layers(self) -> dict[str, MapLayer]:
        """The per-cell outputs the mechanisms declare, by name."""
        return {layer.name: layer for m in self.mechanisms.values() for layer in m.maps}

    def map_values(self, name: str) -> np.ndarray:
        """Per-cell values of map layer ``name`` now (float64 [n_cells]).

        Raises:
            KeyError: No mechanism declares that layer (the message lists those that exist).
        """
        for mech in self.mechanisms.values():
            if any(layer.name == name for layer in mech.maps):
                return np.asarray(mech.map_values(name), dtype=np.float64)
        raise KeyError(f"no map layer {name!r}; layers: {', '.join(self.map_layers())}")

    @property
    def raster(self) -> np.ndarray:
        """Region index of each raster cell (-1 outside the simulated regions)."""
        return self.world.to_raster(self.world.region.astype(float), fill=-1).astype(np.int64)

    def cell_values(self, name: str) -> np.ndarray:
        """A per-cell column (or map layer) on the raster grid (NaN outside), e.g. ``"info"``."""
        if name in self.cells:
            return self.world.to_raster(np.asarray(self.cells[name], dtype=float))
        return self.world.to_raster(self.map_values(name))

    def trust_by_cell(self) -> np.ndarray:
        """The ``trust_in_sdf`` map layer on the raster grid (NaN outside and in empty cells)."""
        values = np.where(self.cells["members"] > 0, self.map_values("trust_in_sdf"), np.nan)
        return self.world.to_raster(values)

    # ------------------------------------------------------------------ checking
    def check_invariants(self, t: int, after: str) -> None:
        """Assert the model's invariants: declared column bounds and the mechanisms' checks.

        Raises:
            InvariantError: Naming the step and the mechanism after which one broke.
        """
        people = self.people
        problems: list[str] = []
        if people.size != int(people.offsets[-1]) or people.size != self.config.population.size:
            problems.append(f"people were not conserved: {people.size} rows, "
                            f"{int(people.offsets[-1])} in cells")
        for (table_name, name), col in self.columns.items():
            if col.bounds is None or table_name not in SHARED_TABLES:
                continue
            values = self.tables[table_name][name]
            lo, hi = col.bounds
            owner = self.tables[table_name].owner(name)
            if not np.all(np.isfinite(values)):
                problems.append(f"{table_name} column {name} ({owner}) has non-finite values")
            elif ((lo is not None and values.min(initial=lo) < lo)
                  or (hi is not None and values.max(initial=hi) > hi)):
                problems.append(f"{table_name} column {name} ({owner}) leaves "
                                f"[{'-inf' if lo is None else f'{lo:g}'}, "
                                f"{'inf' if hi is None else f'{hi:g}'}]")
        for mech in self.mechanisms.values():
            problems.extend(mech.invariants(after))
        if problems:
            raise InvariantError(f"step {t}, after {after}: {problems[0]}")

    # ------------------------------------------------------------------ checkpoints
    def state(self) -> dict[str, np.ndarray]:
        """Everything needed to continue the run, as named arrays: every table, the results."""
        out = {"step": np.array(int(self.steps))}
        for label, table in self.tables.items():
            out.update({f"table.{label}.{k}": v for k, v in table.state().items()})
        out.update({f"recorder.{k}": v for k, v in self.recorder.state().items()})
        return out

    def load_state(self, state: dict[str, np.ndarray]) -> None:
        """Continue from :meth:`state` (the model must be built from the same config).

        Raises:
            ValueError: The state lacks a table or column this model has (another config
                or another version of a mechanism).
        """
        def sub(prefix):
            return {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}

        for label, table in self.tables.items():
            saved = sub(f"table.{label}.")
            missing = [name for name in table.columns if name not in saved]
            if missing:
                raise ValueError(f"the checkpoint has no {label} column {missing[0]!r}: it "
                                 "was written by another config or version")
            table.load_state(saved)
        self.recorder.load_state(sub("recorder."))
        self.steps = int(state["step"])
        self.time = float(self.steps)


def programme_start(config) -> int:
    """Earliest ``start`` of the programmes named by ``config.scenario.counterfactual``.

    Each counterfactual override (for example ``some_section.level=0``) names a key;
    the deepest section on its path that has a ``start`` (a
    :class:`~peacesim.mechanisms.base.Programme`, or any section with a first step) gives
    the start. Returns 0
    when the scenario declares no counterfactual or none of its keys has a start.
    """
    starts = []
    for override in config.scenario.counterfactual:
        node, found = config, None
        for part in override.split("=", 1)[0].strip().lstrip("+~").split("."):
            node = getattr(node, part, None)
            if isinstance(getattr(node, "start", None), int):
                found = node
        if found is not None:
            starts.append(int(found.start))
    return min(starts) if starts else 0


def threads_for(threads: int) -> int:
    """The Numba threads a config's ``threads`` gives (0 = all available)."""
    import numba

    most = numba.config.NUMBA_NUM_THREADS
    return min(threads, most) if threads > 0 else most


def _set_threads(threads: int) -> None:
    """Use ``threads`` Numba threads (0 = all available)."""
    import numba

    numba.set_num_threads(threads_for(threads))
