"""Results: preallocated ``[step, region]`` arrays, tidy tables and the national summary.

Each mechanism declares the results it records as :class:`Metric` objects (``metrics = (...)``
in its own file), and the weights that national means use as :class:`Weight` objects. Kinds:

* ``share``: a regional mean in [0, 1]; the national value is the mean weighted by the named
  weight (for example ``members``: community members not in armed groups);
* ``count``: events or people in the week; national = sum over regions;
* ``level``: a stock (fighters); national = sum over regions.

Every run folder gets ``metrics.json`` (:func:`metrics_document`): name, label, unit,
description and kind of every recorded column, which figures and reports read their labels
from.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

KINDS = ("share", "count", "level")


@dataclass(frozen=True)
class Metric:
    """One recorded result.

    Attributes:
        name: Column name in the tables (``trust_in_sdf``).
        kind: ``share``, ``count`` or ``level`` (see the module docstring).
        weight: For shares, the :class:`Weight` the national mean uses; None otherwise.
        label: Short readable name (a panel title).
        unit: Unit of the displayed value (the stored value times ``scale``).
        description: One line: what it measures, with the stored unit.
        scale: Factor from the stored value to the displayed one (100 for per cent).
        main: One of the outcomes analysts read first (national series, sweep panels).
        event: A weekly event count drawn in the events figure.
        flow: Measured over a step's flows: nothing is recorded at step 0.
    """

    name: str
    kind: str
    weight: str | None
    label: str
    unit: str
    description: str
    scale: float = 1.0
    main: bool = False
    event: bool = False
    flow: bool = False

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"metric {self.name}: kind {self.kind!r} is not one of {KINDS}")
        if self.kind != "share" and self.weight is not None:
            raise ValueError(f"metric {self.name}: only shares have a weight")


@dataclass(frozen=True)
class Weight:
    """A per-region weight of national means (members, young people, people represented).

    Attributes:
        name: Name that shares refer to in ``Metric.weight``.
        description: One line, with the unit.
        in_table: Also a column of the tidy timeseries table.
    """

    name: str
    description: str
    in_table: bool = False


def metrics_document(metrics, weights=()) -> dict:
    """The content of a run folder's ``metrics.json``."""
    return {"metrics": [asdict(m) for m in metrics],
            "weights": [asdict(w) for w in weights]}


class Recorder:
    """Holds every metric and weight per step and region.

    Args:
        metrics: The metrics to record.
        steps: Number of steps of the run (rows 0..steps are allocated).
        region_names: Display names of the simulated regions.
        weights: The weights shares refer to.

    Raises:
        ValueError: Two metrics share a name, or a share names a weight nobody records.
    """

    def __init__(self, metrics: list[Metric], steps: int, region_names: tuple[str, ...],
                 weights: list[Weight] = ()):
        self.metrics: dict[str, Metric] = {}
        for m in metrics:
            if m.name in self.metrics:
                raise ValueError(f"two metrics are named {m.name!r}")
            self.metrics[m.name] = m
        self.weight_info = {w.name: w for w in weights}
        for m in metrics:
            if m.kind == "share" and m.weight not in self.weight_info:
                raise ValueError(f"metric {m.name} is weighted by {m.weight!r}, which no "
                                 f"mechanism records ({', '.join(self.weight_info)})")
        self.region_names = tuple(region_names)
        shape = (steps + 1, len(region_names))
        self.data = {name: np.zeros(shape) for name in self.metrics}
        self.weights = {name: np.zeros(shape) for name in self.weight_info}
        # What write() fills each step, metrics then weights: one list, read in order.
        self._columns = [*self.data.items(), *self.weights.items()]
        self.last = -1

    def write(self, step: int, values: dict[str, np.ndarray]) -> None:
        """Store one step's regional values (every metric and weight must be present).

        Raises:
            KeyError: Naming a declared metric or weight that no mechanism recorded.
        """
        try:
            for name, array in self._columns:
                array[step] = values[name]
        except KeyError:
            missing = next(name for name, _ in self._columns if name not in values)
            raise KeyError(f"{missing} is declared but was not recorded at step {step}") from None
        self.last = step

    def frame(self) -> pd.DataFrame:
        """Tidy table: one row per step and region, one column per metric."""
        steps = np.arange(self.last + 1)
        n_regions = len(self.region_names)
        table = {
            "step": np.repeat(steps, n_regions),
            "region": pd.Categorical(np.tile(self.region_names, len(steps)),
                                     categories=list(self.region_names)),
        }
        for name in self.metrics:
            table[name] = self.data[name][: self.last + 1].ravel()
        for name, w in self.weight_info.items():
            if w.in_table:
                table[name] = self.weights[name][: self.last + 1].ravel()
        return pd.DataFrame(table)

    def national(self) -> pd.DataFrame:
        """National series: one row per step."""
        n = self.last + 1
        table = {"step": np.arange(n)}
        for name, m in self.metrics.items():
            values = self.data[name][:n]
            if m.kind == "share":
                w = self.weights[m.weight][:n]
                total = w.sum(axis=1)
                weighted = (values * w).sum(axis=1) / np.maximum(total, 1e-300)
                table[name] = np.where(total > 0, weighted, 0.0)
            else:
                table[name] = values.sum(axis=1)
        return pd.DataFrame(table)

    def summary(self, programme_start: int = 0) -> dict[str, float]:
        """National outcomes of the run so far.

        Args:
            programme_start: First step of the programme period (the intervention's start).

        Returns:
            ``<metric>_final`` (last step), ``<metric>_mean`` (mean over the programme period:
            steps from ``max(1, programme_start)`` to the last) and ``<metric>_mean_run``
            (mean over the whole run, steps 1 to the last), for every metric. Before the
            programme period has begun, ``_mean`` is the whole-run mean.
        """
        nat = self.national()
        out: dict[str, float] = {}
        first = max(1, int(programme_start))
        for name in self.metrics:
            series = nat[name].to_numpy()
            out[f"{name}_final"] = float(series[-1])
            whole = float(series[1:].mean()) if len(series) > 1 else float(series[0])
            period = series[first:]
            out[f"{name}_mean"] = float(period.mean()) if len(period) else whole
            out[f"{name}_mean_run"] = whole
        return out

    def state(self) -> dict[str, np.ndarray]:
        """Arrays for checkpoints."""
        out = {f"metric.{k}": v.copy() for k, v in self.data.items()}
        out.update({f"weight.{k}": v.copy() for k, v in self.weights.items()})
        out["last"] = np.array(self.last)
        return out

    def load_state(self, state: dict[str, np.ndarray]) -> None:
        """Restore from :meth:`state`."""
        for k in self.data:
            self.data[k][...] = state[f"metric.{k}"]
        for k in self.weights:
            self.weights[k][...] = state[f"weight.{k}"]
        self.last = int(state["last"])
