"""Results: preallocated ``[step, region]`` arrays, tidy tables and the national summary.

Each mechanism declares the results it records (``results = {name: (kind, weight, text)}``):

* ``share``: a regional mean in [0, 1]; the national value is the mean weighted by the named
  weight (``members``: community members not in armed groups; ``everyone``: all members;
  ``youth``; ``population``: people represented);
* ``count``: events or people in the week; national = sum over regions;
* ``level``: a stock (fighters); national = sum over regions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

WEIGHTS = ("members", "everyone", "youth", "population")


@dataclass(frozen=True)
class Metric:
    """One recorded result."""

    name: str
    kind: str  # "share" | "count" | "level"
    weight: str | None
    description: str


class Recorder:
    """Holds every metric per step and region.

    Args:
        metrics: The metrics to record.
        steps: Number of steps of the run (rows 0..steps are allocated).
        region_names: Display names of the simulated regions.
    """

    def __init__(self, metrics: list[Metric], steps: int, region_names: tuple[str, ...]):
        self.metrics = {m.name: m for m in metrics}
        self.region_names = tuple(region_names)
        shape = (steps + 1, len(region_names))
        self.data = {name: np.zeros(shape) for name in self.metrics}
        self.weights = {name: np.zeros(shape) for name in WEIGHTS}
        self.last = -1

    def write(self, step: int, values: dict[str, np.ndarray], weights: dict[str, np.ndarray]) -> None:
        """Store one step's regional values (every metric and weight must be present)."""
        for name in self.metrics:
            self.data[name][step] = values[name]
        for name in WEIGHTS:
            self.weights[name][step] = weights[name]
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
        table["population"] = self.weights["population"][: self.last + 1].ravel()
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
                table[name] = np.where(total > 0, (values * w).sum(axis=1) / np.maximum(total, 1e-300), 0.0)
            else:
                table[name] = values.sum(axis=1)
        return pd.DataFrame(table)

    def summary(self) -> dict[str, float]:
        """``<metric>_final`` and ``<metric>_mean`` (over steps 1..last) at national level."""
        nat = self.national()
        out: dict[str, float] = {}
        for name in self.metrics:
            series = nat[name].to_numpy()
            out[f"{name}_final"] = float(series[-1])
            out[f"{name}_mean"] = float(series[1:].mean()) if len(series) > 1 else float(series[0])
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
