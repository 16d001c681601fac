"""The published models peacesim contains, behind the same run interface as PeaceModel.

``model=epstein`` runs :class:`peacesim.epstein.EpsteinModel` (Epstein 2002, Model I) and
``model=bennett`` runs :class:`peacesim.bennett.BennettModel` (Bennett 2008) with the config's
``epstein`` or ``bennett`` section, ``steps`` and ``seed``, so that the command line, sweeps,
``collect`` and the reports treat them like any scenario.
"""

from __future__ import annotations

import math

import pandas as pd

from peacesim.results import Metric

#: What each published model records: the columns of its table, with labels and units.
METRICS: dict[str, tuple[Metric, ...]] = {
    "epstein": (
        Metric("active", "level", None, "Active (rebelling) citizens", "citizens",
               "citizens openly rebelling in the step", main=True),
        Metric("quiet", "level", None, "Quiet citizens", "citizens",
               "citizens not rebelling and not in jail", main=True),
        Metric("jailed", "level", None, "Jailed citizens", "citizens",
               "citizens in jail", main=True),
        Metric("legitimacy", "share", None, "Legitimacy L", "0-1",
               "perceived legitimacy of the regime during the step", main=True),
    ),
    "bennett": (
        Metric("insurgents", "level", None, "Insurgents", "agents", "insurgents on the grid",
               main=True),
        Metric("civilians", "level", None, "Civilians", "agents", "civilians on the grid",
               main=True),
        Metric("removed_total", "level", None, "Insurgents removed (cumulative)", "agents",
               "insurgents removed by soldiers since the start", main=True),
        Metric("attacks", "count", None, "Insurgent attacks", "per round",
               "attacks by insurgents in the round", event=True),
        Metric("counterattacks", "count", None, "Government counter-attacks", "per round",
               "soldiers' counter-attacks in the round", event=True),
        Metric("removed", "count", None, "Insurgents removed", "per round",
               "insurgents removed in the round"),
        Metric("hurt", "count", None, "Civilians hurt", "per round",
               "civilians hurt by counter-attacks in the round", event=True),
        Metric("new_insurgents", "count", None, "New insurgents", "per round",
               "civilians who turned insurgent in the round", event=True),
        Metric("fear_events", "count", None, "Fear events", "per round",
               "civilians who had a fear event in the round"),
        Metric("mean_anger", "share", None, "Mean anger", "0-1",
               "civilians' mean anger (undefined when no civilian is left)", main=True),
        Metric("mean_fear", "share", None, "Mean fear", "0-1",
               "civilians' mean fear (undefined when no civilian is left)", main=True),
    ),
}


class PublishedRun:
    """Adapter: ``run(progress)``, ``timeseries()``, ``national()``, ``summary()``.

    Args:
        config: A validated ``PeaceConfig`` with ``model`` = ``epstein`` or ``bennett``.
    """

    def __init__(self, config):
        self.config = config
        if config.model == "epstein":
            from peacesim.epstein import EpsteinModel

            self.model = EpsteinModel(config.epstein, seed=config.seed)
        elif config.model == "bennett":
            from peacesim.bennett import BennettModel

            self.model = BennettModel(config.bennett, seed=config.seed)
        else:
            raise ValueError(f"model={config.model!r} is not a published model")
        self.steps_done = 0

    def run(self, progress=None) -> PublishedRun:
        """Run ``config.steps`` steps (Bennett stops early once the insurgency is over)."""
        total = self.config.steps
        chunk = max(1, total // 10)
        while self.steps_done < total:
            n = min(chunk, total - self.steps_done)
            if self.config.model == "bennett":
                self.model.run(n, stop_when_over=True)
            else:
                self.model.run(n)
            self.steps_done += n
            if progress is not None:
                progress(self.steps_done, total)
        return self

    def metrics(self) -> dict[str, Metric]:
        """The columns of the model's table that are results, with labels and units."""
        return {m.name: m for m in METRICS[self.config.model]}

    def timeseries(self) -> pd.DataFrame:
        """The model's own table: one row per step."""
        return self.model.timeseries()

    def national(self) -> pd.DataFrame:
        """Same as :meth:`timeseries` (these models have no regions)."""
        return self.timeseries()

    def summary(self) -> dict:
        """The model's summary, numbers only, NaN replaced by None.

        Keys that repeat the config (``steps``, ``seed``, ``param_*``) are left out: they are in
        the manifest and would collide with the swept parameters in ``sweep.parquet``.
        """
        out = {}
        for key, value in self.model.summary().items():
            if key in ("steps", "seed") or key.startswith("param_"):
                continue
            if isinstance(value, bool):
                out[key] = value
            elif isinstance(value, (int, float)):
                out[key] = None if isinstance(value, float) and math.isnan(value) else value
        return out
