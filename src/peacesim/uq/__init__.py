"""Which conclusions hold: ensembles, sensitivity analysis, comparison and calibration.

One module per instrument, all built on :func:`peacesim.uq.ensemble.ensemble`:

* :mod:`peacesim.uq.ensemble`: a design times seeds, in-process, on local workers, Slurm
  (submitit) or Ray, written as Parquet parts and resumable;
* :mod:`peacesim.uq.sensitivity`: Morris, Sobol and eFAST indices (SALib), with a dummy
  parameter, seed replicates and convergence;
* :mod:`peacesim.uq.compare`: a scenario against its declared counterfactual, paired seeds;
* :mod:`peacesim.uq.calibrate`: fitting parameters to a targets table (Optuna);

with shared statistics in :mod:`peacesim.uq.stats`, parameters and ranges in
:mod:`peacesim.uq.params`, figures and reports in :mod:`peacesim.uq.report`, and the command
line in :mod:`peacesim.uq.cli`. Importing this package imports none of SALib, Optuna or
matplotlib; each instrument imports what it needs when called.
"""

from __future__ import annotations

__all__ = ["calibrate", "compare", "ensemble", "sensitivity"]

_WHERE = {"ensemble": "peacesim.uq.ensemble", "sensitivity": "peacesim.uq.sensitivity",
          "compare": "peacesim.uq.compare", "calibrate": "peacesim.uq.calibrate"}


def __getattr__(name: str):
    if name in _WHERE:
        import importlib

        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'peacesim.uq' has no attribute {name!r}")
