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
line in :mod:`peacesim.uq.cli`. The functions are ``peacesim.ensemble``, ``peacesim.sensitivity``,
``peacesim.compare`` and ``peacesim.calibrate`` (loaded on first use: importing peacesim
imports none of SALib, Optuna or matplotlib).
"""

