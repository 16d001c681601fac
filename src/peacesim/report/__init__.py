"""Figures and a one-page HTML report for a run folder or a collected sweep folder.

:func:`write_run_report` reads a run folder's saved tables (``national.parquet``,
``timeseries.parquet``, ``cells.parquet``, ``summary.json``, ``manifest.json``,
``config.yaml``) and its metric labels (``metrics.json``), draws every figure into
``figures/`` and writes ``report.html``; :func:`write_sweep_report` does the same for a sweep
folder's ``sweep.parquet``. Both work from the files alone (never from a live model), so
``python -m peacesim report DIR`` redraws them at any time. The page is self-contained: the
figures are embedded as base64 data URIs, the style is inline, and there are no scripts.

* :mod:`peacesim.report.reading`: the run folder (tables, ``metrics.json``, config diffs);
* :mod:`peacesim.report.html`: the page, tables and embedded figures;
* :mod:`peacesim.report.run`, :mod:`peacesim.report.sweep`: the two reports.

The statistics are in :mod:`peacesim.analysis`, the drawing in :mod:`peacesim.plots`.
Importing this package does not import matplotlib; drawing does.
"""

from peacesim.report.reading import (
    RunTables,
    load_metrics,
    load_run,
    non_default_settings,
    programmes_in_config,
    simulated_area,
)
from peacesim.report.run import run_figures, write_run_report
from peacesim.report.sweep import sweep_figures, write_sweep_report

__all__ = ["RunTables", "load_metrics", "load_run", "non_default_settings",
           "programmes_in_config", "run_figures", "simulated_area", "sweep_figures",
           "write_run_report", "write_sweep_report"]
