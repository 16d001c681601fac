"""Global sensitivity analysis with SALib: Morris screening, Sobol and eFAST indices.

Every design point is run with the same seeds (common random numbers), ``replicates`` of
them; the indices are computed on the mean over the seeds, and the share of each outcome's
variance that is seed noise is reported beside them. A ``dummy`` parameter, which no
mechanism reads, is always added; its value only moves the runs to other random numbers (a
seed offset, :func:`peacesim.uq.ensemble.dummy_seed`), so its indices are what re-drawing the
random numbers alone produces: the noise floor. A parameter whose indices do not clear the
dummy's is not shown to matter. An outcome named
``effect.<outcome>`` is the intervention's effect (scenario minus its counterfactual, paired
seeds), so the analysis asks what the *effect* depends on, not only the levels.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from peacesim.config import ConfigError
from peacesim.uq.ensemble import EFFECT, base_config, ensemble
from peacesim.uq.params import DUMMY, Parameter, range_table, resolve
from peacesim.uq.stats import seed_noise_share

METHODS = ("morris", "sobol", "fast")

#: Outcomes analysed when none are named (plus the scenario's declared outcome).
DEFAULT_OUTCOMES = ("trust_in_sdf_mean", "armed_group_strength_mean", "social_cohesion_mean",
                    "civilian_harm_mean")

#: Columns of the index table per method.
INDEX_COLUMNS = {"morris": ("mu_star", "mu_star_conf", "sigma", "mu"),
                 "sobol": ("S1", "S1_conf", "ST", "ST_conf"),
                 "fast": ("S1", "S1_conf", "ST", "ST_conf")}


def sensitivity(scenario: str | Callable, params, *, method: str = "morris",
                outcomes: list[str] | None = None, trajectories: int = 10,
                samples: int = 256, replicates: int = 1, groups: dict[str, str] | None = None,
                levels: int = 4, overrides: list[str] | None = None, workers: int = 1,
                backend: str = "local", slurm: dict | None = None,
                out: str | Path | None = None, seed: int = 0,
                resamples: int = 200, progress: bool = True,
                config_dir_extra: str | Path | None = None) -> pd.DataFrame:
    """Sensitivity indices of outcomes to parameters over their ranges.

    Args:
        scenario: Scenario name, or a function model ``f(values, seed) -> dict``.
        params: ``{key: (lo, hi)}``, ``{key: None}`` or a list of keys (a missing range comes
            from the field's metadata: its plausible range or x0.5..x2 of its value).
        method: ``morris`` (screening), ``sobol`` (Saltelli sampling, first-order and total
            indices) or ``fast`` (eFAST).
        outcomes: Outcome names (summary keys such as ``trust_in_sdf_mean``, or
            ``effect.<key>`` for the intervention's effect). Default: the scenario's declared
            outcome and :data:`DEFAULT_OUTCOMES`.
        trajectories: Morris trajectories (each costs parameters + 1 design points).
        samples: Base samples N for Sobol (N x (parameters + 2) points) and eFAST
            (N x parameters points, N > 4 M^2 = 64).
        replicates: Seeds per design point (seeds 0..replicates-1 for every point).
        groups: ``{key: group}``: indices per group of parameters (Morris, Sobol).
        levels: Morris grid levels.
        overrides: Hydra overrides for composing the scenario (``population.size=10000``).
        workers: Parallel workers (see :func:`peacesim.ensemble`).
        backend: Where the runs go (see :func:`peacesim.ensemble`).
        slurm: Extra submitit parameters for ``backend="slurm"``.
        out: Folder for the runs, tables, figures and ``report.html``; None: nothing written.
        seed: Seed of the sampling and the bootstrap (not of the model runs).
        resamples: Bootstrap resamples for the 95 % intervals (``*_conf``: half-widths).
        progress: Progress bar on stderr.
        config_dir_extra: A folder of the user's own configs.

    Returns:
        One row per (parameter or group, outcome): ``parameter``, ``outcome``, the method's
        indices (Morris: ``mu_star``, ``mu_star_conf``, ``sigma``, ``mu``; Sobol and eFAST:
        ``S1``, ``S1_conf``, ``ST``, ``ST_conf``), ``seed_noise_share`` (of the outcome)
        and ``runs``. ``attrs["convergence"]`` holds the indices against the number of runs.

    Raises:
        ConfigError: Unknown method, parameter or outcome, or a range outside the allowed
            values, before anything runs.
    """
    if method not in METHODS:
        raise ConfigError(f"method={method!r}; allowed: {', '.join(METHODS)}")
    if method == "fast" and groups:
        raise ConfigError("method=fast does not support groups; use morris or sobol")
    if int(replicates) < 1:
        raise ConfigError(f"replicates={replicates}: must be at least 1")
    config = None if callable(scenario) else base_config(scenario, overrides, config_dir_extra)
    parameters = resolve(config, params, groups)
    if outcomes is None:
        declared = [config.scenario.outcome] if config is not None and config.scenario.outcome \
            else []
        outcomes = list(dict.fromkeys([*declared, *DEFAULT_OUTCOMES])) if config is not None \
            else None
    effect = bool(outcomes) and any(o.startswith(EFFECT) for o in outcomes)
    problem = _problem(parameters)
    X = _sample(problem, method, trajectories, samples, levels, seed)
    design = pd.DataFrame(X, columns=problem["names"])
    for p in parameters:
        if p.integer:
            design[p.key] = np.round(design[p.key]).astype(np.int64)
    runs_dir = None if out is None else Path(out) / "runs"
    start = time.perf_counter()
    rows = ensemble(config if config is not None else scenario, design,
                    seeds=range(int(replicates)), overrides=overrides,
                    workers=workers, backend=backend, out=runs_dir, effect=effect,
                    progress=progress, config_dir_extra=config_dir_extra,
                    slurm=slurm)
    seconds = time.perf_counter() - start
    if outcomes is None:  # function model: every outcome it returned
        outcomes = [c for c in rows.columns if c not in ("row", "seed", *problem["names"])]
    missing = [o for o in outcomes if o not in rows.columns]
    if missing:
        raise ConfigError(f"unknown outcome(s) {', '.join(missing)}; available: "
                          f"{', '.join(c for c in rows.columns if c not in design.columns)}")
    means = rows.groupby("row")[outcomes].mean().sort_index()
    tables, convergence = [], []
    for outcome in outcomes:
        Y = means[outcome].to_numpy(dtype=float)
        noise = seed_noise_share(rows, "row", outcome) if replicates > 1 else math.nan
        table = _analyse(problem, method, X, Y, levels, resamples, seed)
        table.insert(1, "outcome", outcome)
        table["seed_noise_share"] = noise
        table["runs"] = len(rows) * (2 if effect else 1)
        tables.append(table)
        convergence += _convergence(problem, method, X, Y, levels, resamples, seed, outcome,
                                    int(replicates) * (2 if effect else 1))
    indices = pd.concat(tables, ignore_index=True)
    conv = pd.DataFrame(convergence)
    indices.attrs["convergence"] = conv.to_dict("records")
    indices.attrs["seconds"] = seconds
    if out is not None:
        _write(Path(out), scenario, method, parameters, indices, conv, rows, seconds, overrides,
               replicates)
    return indices


def _problem(parameters: list[Parameter]) -> dict:
    names = [p.key for p in parameters] + [DUMMY]
    problem = {"num_vars": len(names), "names": names,
               "bounds": [[p.lo, p.hi] for p in parameters] + [[0.0, 1.0]]}
    if any(p.group != p.key for p in parameters):
        problem["groups"] = [p.group for p in parameters] + [DUMMY]
    return problem


def _n_factors(problem: dict) -> int:
    return len(set(problem["groups"])) if "groups" in problem else problem["num_vars"]


def _sample(problem: dict, method: str, trajectories: int, samples: int, levels: int,
            seed: int) -> np.ndarray:
    if method == "morris":
        from SALib.sample import morris

        if trajectories < 2:
            raise ConfigError(f"trajectories={trajectories}: at least 2")
        return morris.sample(problem, int(trajectories), num_levels=levels, seed=seed)
    if method == "sobol":
        import warnings

        from SALib.sample import sobol

        with warnings.catch_warnings():  # SALib warns when N is not a power of 2
            warnings.simplefilter("ignore", UserWarning)
            return sobol.sample(problem, int(samples), calc_second_order=False, seed=seed)
    from SALib.sample import fast_sampler

    if samples <= 64:
        raise ConfigError(f"samples={samples}: eFAST needs more than 64 (4 M^2, M=4)")
    return fast_sampler.sample(problem, int(samples), M=4, seed=seed)


def _analyse(problem: dict, method: str, X: np.ndarray, Y: np.ndarray, levels: int,
             resamples: int, seed: int) -> pd.DataFrame:
    import warnings

    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        if np.ptp(Y) == 0:  # nothing moves this outcome: every index is 0
            names = list(dict.fromkeys(problem.get("groups", problem["names"])))
            return pd.DataFrame({"parameter": names,
                                 **{c: 0.0 for c in INDEX_COLUMNS[method]}})
        if method == "morris":
            from SALib.analyze import morris

            res = morris.analyze(problem, X, Y, num_resamples=resamples, num_levels=levels,
                                 seed=seed)
        elif method == "sobol":
            from SALib.analyze import sobol

            res = sobol.analyze(problem, Y, calc_second_order=False, num_resamples=resamples,
                                seed=seed)
        else:
            from SALib.analyze import fast

            # SALib warns that bootstrap intervals of FAST are indicative only (the report
            # says so); the indices themselves are not affected.
            warnings.filterwarnings("ignore", message="FAST confidence intervals")
            res = fast.analyze(problem, Y, M=4, num_resamples=resamples, seed=seed)
    names = list(res["names"]) if "names" in res else \
        list(dict.fromkeys(problem.get("groups", problem["names"])))
    return pd.DataFrame({"parameter": names, **{c: np.asarray(res[c], dtype=float)
                                                for c in INDEX_COLUMNS[method]}})


def _convergence(problem: dict, method: str, X: np.ndarray, Y: np.ndarray, levels: int,
                 resamples: int, seed: int, outcome: str, runs_per_point: int) -> list[dict]:
    """Indices from the first k trajectories (Morris) or base samples (Sobol), k growing."""
    if method == "fast":
        return []  # eFAST's design has no valid prefixes (one frequency block per parameter)
    block = _n_factors(problem) + (1 if method == "morris" else 2)
    total = len(Y) // block
    ks = sorted({k for k in np.unique(np.geomspace(2, total, num=6).astype(int)) if k >= 2}
                | {total})
    index = "mu_star" if method == "morris" else "ST"
    out = []
    for k in ks:
        table = _analyse(problem, method, X[: k * block], Y[: k * block], levels,
                         min(resamples, 100), seed)
        for r in table.itertuples():
            out.append({"outcome": outcome, "parameter": r.parameter,
                        "runs": k * block * runs_per_point, index: getattr(r, index)})
    return out


def _write(folder: Path, scenario, method: str, parameters: list[Parameter],
           indices: pd.DataFrame, conv: pd.DataFrame, rows: pd.DataFrame, seconds: float,
           overrides, replicates: int) -> None:
    from peacesim.io import write_parquet
    from peacesim.uq import report

    ranges = pd.DataFrame(range_table(parameters))
    write_parquet(folder / "indices.parquet", indices)
    write_parquet(folder / "convergence.parquet", conv)
    write_parquet(folder / "ranges.parquet", ranges)
    figures = []
    for outcome in dict.fromkeys(indices["outcome"]):
        safe = outcome.replace(".", "_")
        if method == "morris":
            figures.append(report.morris_figure(indices, outcome,
                                                folder / "figures" / f"morris_{safe}.png"))
        else:
            figures.append(report.bars_figure(indices, outcome,
                                              folder / "figures" / f"{method}_{safe}.png"))
    if not conv.empty:
        index = "mu_star" if method == "morris" else "ST"
        figures.append(report.convergence_figure(conv, index, folder / "figures" /
                                                 "convergence.png"))
    name = scenario if isinstance(scenario, str) else getattr(scenario, "__name__", "function")
    noise = indices.groupby("outcome", sort=False)["seed_noise_share"].first().reset_index()
    intro = [f"Scenario {name}, method {method}, {len(rows)} runs in {seconds:.1f} s "
             f"({replicates} seed(s) per design point, common across points); overrides: "
             f"{' '.join(overrides or []) or 'none'}.",
             "The dummy parameter is read by no mechanism (it only re-draws the random "
             "numbers): indices at or below its values are noise. Intervals (*_conf) are 95 % "
             "bootstrap half-widths.",
             "Ranges labelled 'assumed: default x0.5-x2' are not evidence: the field declares "
             "no plausible range yet."]
    report.write_report(folder, f"Sensitivity: {name} ({method})", intro,
                        {"Indices": indices, "Seed noise share of each outcome's variance":
                         noise, "Parameter ranges": ranges}, figures)
