"""The published models peacesim contains, behind the same run interface as PeaceModel.

``model=epstein`` runs :class:`peacesim.epstein.EpsteinModel` (Epstein 2002, Model I) and
``model=bennett`` runs :class:`peacesim.bennett.BennettModel` (Bennett 2008) with the config's
``epstein`` or ``bennett`` section, ``steps`` and ``seed``, so that the command line, sweeps,
``collect`` and the reports treat them like any scenario.
"""

from __future__ import annotations

import math

import pandas as pd


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
