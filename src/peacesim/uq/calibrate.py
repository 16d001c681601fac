"""Calibration to data: find the parameter sets whose runs come closest to a targets table.

The targets table has the layout of ``shared/data/mali_targets.csv``: one row per (year,
region, metric) with a ``value`` (``unit``, ``source`` and ``tag`` are kept when present).
A run is mapped to the same rows by an *adapter* (``adapter(model) -> DataFrame`` with
columns year, region, metric, value); the default uses ``model.annual()`` when the model has
it and otherwise builds yearly values from the run's timeseries (:func:`annual_table`).

The search is Optuna's TPE sampler (called directly, with ask and tell), in batches that run
as an ensemble on any backend, stored in an SQLite study so that a stopped calibration
continues where it was. Every trial runs the same seeds (common random numbers). What is
reported as the posterior is the set of accepted trials: the ``accept`` share with the
smallest distance, with their medians and 5-95 % spread. This is a rejection-ABC reading of an
optimiser's trials, so it is narrower than a Bayesian posterior would be; read it as "the
parameter sets that fit about as well as the best".

Distance (:func:`distance`): counts (events, fatalities, people) are compared on a log scale,
``log1p(sim) - log1p(obs)``, and shares relative to the observed share, ``(sim - obs) /
max(obs, 0.05)``; both are relative errors, so a region's 10 events and a survey's 40 % weigh
alike. The distance is the root mean square over the targets, every row weighing the same by
default. ``weights="metric"`` gives each metric the same total weight whatever its number of
rows (IOM's two displacement rows then weigh as much as ACLED's 36 regional event counts), and
a ``{metric: weight}`` mapping weighs chosen metrics up or down (0 leaves one out). A stored
study remembers its weights and refuses to continue under others (its distances would not
compare).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from peacesim.config import ConfigError
from peacesim.uq.ensemble import base_config, ensemble
from peacesim.uq.params import Parameter, resolve

#: Floor of the observed share in a share target's relative error (avoids dividing by ~0).
SHARE_FLOOR = 0.05

#: Year of model step 1 in the default adapter (the event data start in 2017).
START_YEAR = 2017

WEEKS_PER_YEAR = 52


def annual_table(model, start_year: int = START_YEAR) -> pd.DataFrame:
    """Yearly values of a run: every recorded metric, and ``model.annual()``'s where it has it.

    The recorded metrics take weeks 1-52 as ``start_year``, 53-104 as the next year and so on;
    count metrics are summed over the year's weeks, shares and levels averaged. Regions are
    peacesim's region ids, plus ``national``. ``model.annual()`` adds the targets' own metrics
    (ACLED's events, fatalities, IOM's displaced people) and wins where both name a metric.

    Returns:
        Columns year, region, metric, value.
    """
    recorded = _recorded_by_year(model, start_year)
    if not hasattr(model, "annual"):
        return recorded
    annual = model.annual()
    keep = ~recorded.set_index(["year", "region", "metric"]).index.isin(
        annual.set_index(["year", "region", "metric"]).index)
    return pd.concat([annual, recorded[keep]], ignore_index=True)


def _recorded_by_year(model, start_year: int) -> pd.DataFrame:
    from peacesim.geography import REGION_IDS, REGION_NAMES
    from peacesim.uq.compare import metric_info

    kinds = {k: v[0] for k, v in metric_info().items()}
    ids = dict(zip(REGION_NAMES, REGION_IDS, strict=False))
    ts = model.timeseries()
    ts = ts[ts["step"] >= 1]
    nat = model.national()
    nat = nat[nat["step"] >= 1].assign(region="national")
    frame = pd.concat([ts.assign(region=ts["region"].map(ids).fillna(ts["region"])), nat])
    frame["year"] = start_year + (frame["step"] - 1) // WEEKS_PER_YEAR
    metrics = [m for m in kinds if m in frame.columns]
    long = frame.melt(id_vars=["year", "region"], value_vars=metrics, var_name="metric")
    summed = long["metric"].map(kinds).eq("count")
    out = pd.concat([long[summed].groupby(["year", "region", "metric"])["value"].sum(),
                     long[~summed].groupby(["year", "region", "metric"])["value"].mean()])
    return out.reset_index()


def target_key(year, region, metric) -> str:
    """The column name of one target in the ensemble's rows: ``year/region/metric``."""
    return f"{int(year)}/{region}/{metric}"


@dataclass
class TargetMeasure:
    """Maps a run to the target values (picklable, for the workers).

    Attributes:
        keys: Target keys to return (``year/region/metric``).
        adapter: ``adapter(model) -> DataFrame`` (year, region, metric, value); None = the
            default :func:`annual_table`.
        start_year: Year of step 1 for the default adapter.
    """

    keys: list[str]
    adapter: Callable | None = None
    start_year: int = START_YEAR

    def __call__(self, model) -> dict[str, float]:
        """The run's value of every target key (NaN where the adapter gives none)."""
        table = (self.adapter(model) if self.adapter is not None
                 else annual_table(model, self.start_year))
        got = {target_key(r.year, r.region, r.metric): float(r.value)
               for r in table.itertuples()}
        return {k: got.get(k, math.nan) for k in self.keys}


def read_targets(targets) -> pd.DataFrame:
    """A targets table from a path or a DataFrame, checked.

    Raises:
        ConfigError: Missing file or columns, or a value that is not a finite number.
    """
    if isinstance(targets, (str, Path)):
        path = Path(targets)
        if not path.is_file():
            raise ConfigError(f"targets file {path} not found")
        targets = pd.read_csv(path)
    frame = pd.DataFrame(targets).copy()
    missing = [c for c in ("year", "region", "metric", "value") if c not in frame.columns]
    if missing:
        raise ConfigError(f"targets: missing column(s) {', '.join(missing)} (need year, region, "
                          "metric, value)")
    values = pd.to_numeric(frame["value"], errors="coerce")
    if not np.isfinite(values).all():
        bad = frame.loc[~np.isfinite(values), "metric"].iloc[0]
        raise ConfigError(f"targets: a value of {bad!r} is not a finite number")
    frame["value"] = values.astype(float)
    frame["key"] = [target_key(*r) for r in frame[["year", "region", "metric"]].itertuples(
        index=False)]
    if frame["key"].duplicated().any():
        raise ConfigError(f"targets: {frame['key'][frame['key'].duplicated()].iloc[0]} appears "
                          "twice")
    return frame


def is_share(metric: str, unit: str | float | None = None) -> bool:
    """Whether a target is a share (compared relatively) rather than a count (log scale)."""
    from peacesim.uq.compare import metric_info

    if metric.endswith("_share") or (isinstance(unit, str) and "share" in unit.lower()):
        return True
    return metric_info().get(metric, ("count",))[0] == "share"


def residuals(sim: np.ndarray, obs: np.ndarray, share: np.ndarray) -> np.ndarray:
    """Scaled residuals: relative for shares, log1p differences for counts."""
    sim = np.asarray(sim, dtype=float)
    obs = np.asarray(obs, dtype=float)
    rel = (sim - obs) / np.maximum(np.abs(obs), SHARE_FLOOR)
    log = np.log1p(np.maximum(sim, 0.0)) - np.log1p(np.maximum(obs, 0.0))
    return np.where(share, rel, log)


def distance(sim: np.ndarray, obs: np.ndarray, share: np.ndarray,
             weight: np.ndarray | None = None) -> float:
    """Root mean square of the scaled residuals (inf if a simulated value is missing).

    Args:
        sim, obs: Simulated and observed values, one per target row.
        share: Whether each row is a share (else a count).
        weight: Non-negative weight of each row (None: all 1); the mean is weighted.
    """
    r = residuals(sim, obs, share)
    w = np.ones(len(r)) if weight is None else np.asarray(weight, dtype=float)
    if not np.all(np.isfinite(r[w > 0])):
        return math.inf
    r = np.where(w > 0, r, 0.0)
    return float(np.sqrt(np.sum(w * r**2) / np.sum(w)))


def row_weights(metrics, weights) -> np.ndarray:
    """The weight of each target row (see the module docstring).

    Args:
        metrics: The metric of each row.
        weights: None (every row 1), ``"metric"`` (each metric's rows sum to 1) or a
            ``{metric: weight}`` mapping (unnamed metrics 1).

    Raises:
        ConfigError: An unknown mode, a metric not in the targets, a negative or non-finite
            weight, or weights that leave nothing.
    """
    metrics = pd.Series(list(metrics), dtype=object)
    if weights is None:
        w = np.ones(len(metrics))
    elif isinstance(weights, str):
        if weights != "metric":
            raise ConfigError(f"weights={weights!r}: use 'metric', a {{metric: weight}} "
                              "mapping, or none")
        w = 1.0 / metrics.map(metrics.value_counts()).to_numpy(dtype=float)
    else:
        unknown = sorted(set(weights) - set(metrics))
        if unknown:
            raise ConfigError(f"weights: no target of metric {unknown[0]!r}; the targets "
                              f"have {', '.join(sorted(set(metrics)))}")
        bad = [m for m, v in weights.items() if not (math.isfinite(float(v)) and float(v) >= 0)]
        if bad:
            raise ConfigError(f"weights: {bad[0]}={weights[bad[0]]}: a weight is a number >= 0")
        w = metrics.map(lambda m: float(weights.get(m, 1.0))).to_numpy(dtype=float)
    if not np.any(w > 0):
        raise ConfigError("weights: every target has weight 0")
    return w


@dataclass
class Calibration:
    """What a calibration found.

    Attributes:
        summary: One row per parameter: ``parameter``, ``lo``/``hi`` (prior range),
            ``best`` (the smallest-distance trial), ``median``, ``low``/``high`` (5 % and 95 %
            quantiles of the accepted sets).
        accepted: The accepted trials (parameters, ``distance``).
        trials: Every completed trial.
        predictive: One row per target: observed value and the accepted sets' simulated
            median, 5 % and 95 %.
        scenario_yaml: Path of the calibrated scenario file (when ``out`` was given).
    """

    summary: pd.DataFrame
    accepted: pd.DataFrame
    trials: pd.DataFrame
    predictive: pd.DataFrame
    scenario_yaml: Path | None = None
    info: dict = field(default_factory=dict)


def calibrate(scenario: str, targets, params, *, budget: int = 200, replicates: int = 1,
              adapter: Callable | None = None, metrics: list[str] | None = None,
              start_year: int = START_YEAR, accept: float = 0.1, batch: int | None = None,
              overrides: list[str] | None = None, workers: int = 1, backend: str = "local",
              slurm: dict | None = None,
              out: str | Path | None = None, seed: int = 0, progress: bool = True,
              config_dir_extra: str | Path | None = None,
              weights: str | dict[str, float] | None = None) -> Calibration:
    """Calibrate a scenario's parameters to a targets table.

    Args:
        scenario: Scenario name.
        targets: Path of a CSV, or a DataFrame, with columns year, region, metric, value.
        params: The parameters and their prior ranges, as for :func:`peacesim.sensitivity`.
        budget: Completed trials to reach (each runs ``replicates`` seeds); a resumed study
            counts the trials it already has.
        replicates: Seeds per trial (0..replicates-1, the same for every trial).
        adapter: ``adapter(model) -> DataFrame`` (year, region, metric, value), top-level;
            default :func:`annual_table`.
        metrics: Use only targets of these metrics.
        start_year: Year of step 1 for the default adapter.
        accept: Share of the trials, smallest distance first, accepted (at least 3).
        batch: Trials asked at once (run in parallel); default ``2 * workers``.
        overrides: Hydra overrides for composing the scenario (``steps=104``).
        workers: Parallel workers.
        backend: See :func:`peacesim.ensemble`.
        slurm: Extra submitit parameters for ``backend="slurm"``.
        out: Folder for ``study.db`` (resumable), tables, figures, the calibrated scenario
            YAML and ``report.html``; None: an in-memory study, nothing written.
        seed: Seed of the sampler.
        progress: Progress bar (trials) on stderr.
        config_dir_extra: A folder of the user's own configs.
        weights: Weights of the targets in the distance: None (every row alike),
            ``"metric"`` (every metric alike) or ``{metric: weight}``; see the module
            docstring.

    Raises:
        ConfigError: Bad targets, parameters, ranges or weights; no target the adapter
            produces; a stored study made with other weights.
    """
    import optuna

    config = base_config(scenario, overrides, config_dir_extra)
    parameters = resolve(config, params)
    table = read_targets(targets)
    if metrics:
        table = table[table["metric"].isin(metrics)]
        if table.empty:
            raise ConfigError(f"targets: no rows for metrics {', '.join(metrics)}")
    if not 0 < accept <= 1:
        raise ConfigError(f"accept={accept}: a share in (0, 1]")
    probe = ensemble(config, None, seeds=[0], progress=False,
                     measure=TargetMeasure(list(table["key"]), adapter, start_year),
                     config_dir_extra=config_dir_extra)
    produced = [k for k in table["key"] if np.isfinite(probe[k].iloc[0])]
    if not produced:
        raise ConfigError("no target is produced by the adapter: the model gives none of "
                          f"the metrics {', '.join(sorted(set(table['metric'])))} for those "
                          "years and regions (pass adapter= or metrics=)")
    dropped = len(table) - len(produced)
    table = table[table["key"].isin(produced)].reset_index(drop=True)
    share = np.array([is_share(m, u) for m, u in zip(
        table["metric"], table.get("unit", [None] * len(table)), strict=True)])
    obs = table["value"].to_numpy()
    weight = row_weights(table["metric"], weights)
    weights_key = json.dumps(weights, sort_keys=True)
    measure = TargetMeasure(list(table["key"]), adapter, start_year)

    folder = None if out is None else Path(out)
    storage = None
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
        storage = f"sqlite:///{(folder / 'study.db').resolve()}"
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler = optuna.samplers.TPESampler(seed=seed, n_startup_trials=max(5, budget // 5),
                                         multivariate=True, constant_liar=True)
    study = optuna.create_study(study_name=f"peacesim-{scenario}", storage=storage,
                                sampler=sampler, direction="minimize", load_if_exists=True)
    # A study from before weights existed weighed every row alike.
    stored = study.user_attrs.get("weights",
                                  "null" if study.get_trials(deepcopy=False) else None)
    if stored is None:
        study.set_user_attr("weights", weights_key)
    elif stored != weights_key and study.get_trials(deepcopy=False):
        raise ConfigError(f"{folder / 'study.db'} was made with weights {stored}, not "
                          f"{weights_key}: its distances would not compare (use another --out)")
    for t in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,)):
        study.tell(t.number, state=optuna.trial.TrialState.FAIL)  # a stopped earlier batch
    dists = {p.key: optuna.distributions.IntDistribution(int(math.ceil(p.lo)), int(p.hi))
             if p.integer else optuna.distributions.FloatDistribution(p.lo, p.hi)
             for p in parameters}

    def complete() -> int:
        return len(study.get_trials(deepcopy=False,
                                    states=(optuna.trial.TrialState.COMPLETE,)))

    per_batch = int(batch or 2 * int(workers))
    bar = _bar(budget, complete(), f"calibrate {scenario}", progress)
    try:
        while complete() < budget:
            trials = [study.ask(dists) for _ in range(min(per_batch, budget - complete()))]
            design = pd.DataFrame([t.params for t in trials])[[p.key for p in parameters]]
            rows = ensemble(config, design, seeds=range(int(replicates)),
                            workers=workers, backend=backend, slurm=slurm, measure=measure,
                            progress=False,
                            config_dir_extra=config_dir_extra)
            sims = rows.groupby("row")[list(table["key"])].mean().sort_index()
            for k, trial in enumerate(trials):
                sim = sims.iloc[k].to_numpy()
                trial.set_user_attr("sim", [None if not np.isfinite(v) else float(v)
                                            for v in sim])
                study.tell(trial, distance(sim, obs, share, weight))
                bar.update(1)
    finally:
        bar.close()

    result = _summarise(study, parameters, table, accept)
    result.info.update({"targets_dropped": dropped, "targets_used": len(table),
                        "budget": budget, "replicates": replicates, "weights": weights_key})
    if folder is not None:
        result.scenario_yaml = _write(folder, scenario, config_dir_extra, targets, result,
                                      parameters, overrides)
    return result


def _bar(total: int, initial: int, desc: str, show: bool):
    from peacesim.uq.ensemble import _bar as bar

    return bar(total, initial, desc, show)


def _summarise(study, parameters: list[Parameter], table: pd.DataFrame,
               accept: float) -> Calibration:
    import optuna

    done = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
    keys = [p.key for p in parameters]
    trials = pd.DataFrame([{"trial": t.number, **{k: t.params[k] for k in keys},
                            "distance": t.value} for t in done])
    trials = trials.sort_values(["distance", "trial"]).reset_index(drop=True)
    n = min(len(trials), max(3, math.ceil(accept * len(trials))))
    accepted = trials.head(n).reset_index(drop=True)
    summary = pd.DataFrame([{"parameter": p.key, "lo": p.lo, "hi": p.hi, "source": p.source,
                             "best": float(accepted[p.key].iloc[0]),
                             "median": float(accepted[p.key].median()),
                             "low": float(accepted[p.key].quantile(0.05)),
                             "high": float(accepted[p.key].quantile(0.95))}
                            for p in parameters])
    by_number = {t.number: t for t in done}
    sims = np.array([[math.nan if v is None else v for v in by_number[int(i)].user_attrs["sim"]]
                     for i in accepted["trial"]])
    predictive = pd.DataFrame({"target": table["key"], "observed": table["value"],
                               "median": np.nanmedian(sims, axis=0),
                               "low": np.nanquantile(sims, 0.05, axis=0),
                               "high": np.nanquantile(sims, 0.95, axis=0)})
    return Calibration(summary, accepted, trials, predictive,
                       info={"best_distance": float(accepted["distance"].iloc[0]),
                             "accepted": n, "trials": len(trials)})


def _scenario_file(scenario: str, config_dir_extra) -> Path:
    from peacesim.config import config_dir

    for folder in ([Path(config_dir_extra)] if config_dir_extra else []) + [config_dir()]:
        path = folder / "scenario" / f"{scenario}.yaml"
        if path.is_file():
            return path
    raise ConfigError(f"scenario file {scenario}.yaml not found")


def calibrated_yaml(scenario: str, values: dict[str, float], provenance: list[str],
                    config_dir_extra=None) -> str:
    """The scenario's YAML with the calibrated values set and its provenance recorded."""
    import yaml

    data = yaml.safe_load(_scenario_file(scenario, config_dir_extra).read_text()) or {}
    for key, value in values.items():
        *path, last = key.split(".")
        node = data
        for part in path:
            node = node.setdefault(part, {})
        node[last] = value
    info = data.setdefault("scenario", {})
    info["name"] = f"{scenario}_calibrated"
    info["description"] = f"{info.get('description', scenario)} (calibrated)"
    info["sources"] = [*info.get("sources", []), *provenance]
    header = "# @package _global_\n" + "".join(f"# {line}\n" for line in provenance)
    return header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def _write(folder: Path, scenario: str, config_dir_extra, targets, result: Calibration,
           parameters: list[Parameter], overrides) -> Path:
    from peacesim import __version__
    from peacesim.io import write_parquet, write_text
    from peacesim.runner import git_commit
    from peacesim.uq import report

    write_parquet(folder / "trials.parquet", result.trials)
    write_parquet(folder / "accepted.parquet", result.accepted)
    write_parquet(folder / "posterior.parquet", result.summary)
    write_parquet(folder / "predictive.parquet", result.predictive)
    if isinstance(targets, (str, Path)):
        digest = hashlib.sha256(Path(targets).read_bytes()).hexdigest()[:16]
        what = f"{Path(targets).name} (sha256 {digest})"
    else:
        what = "a targets table given in memory"
    values = {}
    for p, row in zip(parameters, result.summary.itertuples(), strict=True):
        values[p.key] = int(round(row.median)) if p.integer else round(float(row.median), 6)
    provenance = [f"Calibrated by peacesim {__version__} (commit {git_commit() or 'unknown'}) "
                  f"on {dt.date.today().isoformat()} to {what}: {result.info['trials']} trials "
                  f"(Optuna TPE), {result.info['targets_used']} targets, values = median of "
                  f"the {result.info['accepted']} accepted sets; best distance "
                  f"{result.info['best_distance']:.4g}; overrides: "
                  f"{' '.join(overrides or []) or 'none'}"]
    path = folder / f"{scenario}_calibrated.yaml"
    write_text(path, calibrated_yaml(scenario, values, provenance, config_dir_extra))
    figures = [report.predictive_figure(result.predictive, folder / "figures" /
                                        "posterior_predictive.png")]
    figures.append(_trials_figure(result, parameters, folder / "figures" / "trials.png"))
    intro = [provenance[0], f"Calibrated scenario: {path.name} (run it with "
             f"--config-dir {folder} after moving it into a scenario/ folder).",
             "Accepted sets are the trials with the smallest distance; their spread is not a "
             "Bayesian posterior (the optimiser samples near the best fit)."]
    report.write_report(folder, f"Calibration: {scenario}", intro,
                        {"Parameters": result.summary, "Posterior predictive":
                         result.predictive}, figures)
    print(f"calibrated scenario: {path}", file=sys.stderr)
    return path


def _trials_figure(result: Calibration, parameters: list[Parameter], path: Path) -> Path:
    from peacesim.uq.report import _plt, _save

    plt = _plt()
    fig, axes = plt.subplots(1, len(parameters), figsize=(4 * len(parameters), 3.4),
                             squeeze=False)
    for ax, p in zip(axes[0], parameters, strict=True):
        ax.scatter(result.trials[p.key], result.trials["distance"], s=10, alpha=0.6,
                   label="trials")
        ax.scatter(result.accepted[p.key], result.accepted["distance"], s=16, color="C3",
                   label="accepted")
        ax.set_xlabel(p.key)
        ax.set_ylabel("distance")
    axes[0][0].legend(fontsize=7)
    return _save(fig, path)
