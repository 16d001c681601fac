"""Figures of peacesim results: functions of tables, never of a live model.

Every figure function takes DataFrames (and plain dicts read from a run's JSON files) and
returns a :class:`matplotlib.figure.Figure` of a fixed size (:data:`style.SIZES`);
:func:`peacesim.plots.style.save_figure` writes it as a PNG atomically.

* :mod:`peacesim.plots.labels`: how a metric is shown (:class:`~peacesim.plots.labels.MetricLabel`,
  read from a run's ``metrics.json`` by :func:`peacesim.report.load_metrics` and passed to every
  figure as ``labels``), names of the levers and programmes, number formatting;
* :mod:`peacesim.plots.style`: the colour-blind-safe palette, sizes, shared formatting;
* :mod:`peacesim.plots.run`: figures of one run (``national.parquet``, ``timeseries.parquet``,
  ``cells.parquet``);
* :mod:`peacesim.plots.sweep`: figures of a collected sweep (``sweep.parquet``); the
  statistics they draw are in :mod:`peacesim.analysis`.

Importing :mod:`peacesim` does not import this package (nor matplotlib).
"""
