"""The command line of the uncertainty instruments (ensemble, sensitivity, compare, calibrate).

Arguments are ``+scenario=NAME`` (default baseline), any number of config overrides
``KEY=VALUE`` (applied when the scenario is composed, e.g. ``population.size=10000``), and the
instrument's options (``--workers 2``, ``--param patrol.presence=0.1:0.5``; ``--help`` lists
them). Each command writes its tables (Parquet), figures and ``report.html`` into its own
folder (``--out``, default ``outputs/<command>/<scenario>/<time>``) and prints where. Bad input
stops it before anything runs, with one line and exit status 2.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
from pathlib import Path

USAGE_LINES = """  ensemble [+scenario=NAME] [KEY=VALUE ...] (--design FILE | --param KEY=LO:HI
           --draws N) [--seeds 5] [--workers 2] [--backend local|slurm|submitit_local|ray]
           [--effect]
        run a design of parameter values x seeds; rows.parquet, one row per (row, seed)
  sensitivity [+scenario=NAME] [KEY=VALUE ...] --param KEY[=LO:HI] ... [--method morris|sobol|
           fast] [--outcomes A,B] [--trajectories 10] [--samples 256] [--replicates 3]
        sensitivity indices with a dummy parameter (the noise floor) and convergence
  compare +scenario=NAME [KEY=VALUE ...] [--seeds 10] [--draws N --param KEY ...]
        the scenario against its declared counterfactual: effects with 90 % intervals
  calibrate +scenario=NAME --targets FILE.csv --param KEY=LO:HI ... [--budget 200]
        fit parameters to a targets table; the accepted sets and a calibrated scenario YAML
"""


class _Parser(argparse.ArgumentParser):
    """argparse that raises a one-line error instead of printing usage and exiting."""

    def error(self, message: str):
        from peacesim.config import ConfigError

        raise ConfigError(f"{self.prog}: {message} (see python -m peacesim {self.prog} "
                          "--help)")


def _common(name: str, description: str) -> _Parser:
    p = _Parser(prog=name, description=description)
    p.add_argument("--workers", type=int, default=1, help="parallel workers (default 1)")
    p.add_argument("--backend", default="local",
                   help="local, slurm, submitit_local or ray (default local)")
    p.add_argument("--out", default=None, help="output folder")
    p.add_argument("--config-dir", default=None, help="a folder of your own configs")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--slurm", action="append", default=[], metavar="KEY=VALUE",
                   help="a submitit parameter for --backend slurm, e.g. slurm_partition=cpu")
    return p


def _slurm(items: list[str]) -> dict | None:
    """``KEY=VALUE`` items (values read as YAML) as submitit parameters."""
    from peacesim.uq.params import parse_overrides

    return parse_overrides(items) or None


def _params(p: _Parser, required: bool) -> None:
    p.add_argument("--param", action="append", default=[], required=required,
                   metavar="KEY[=LO:HI]",
                   help="a parameter and its range; without a range, the field's plausible "
                        "range (or x0.5..x2 of its value)")


def _split(args: list[str]) -> tuple[str, list[str], list[str]]:
    """(scenario, overrides, options) from the raw arguments."""
    from peacesim.config import ConfigError

    scenario, overrides, options = "baseline", [], []
    it = iter(args)
    for a in it:
        if a.startswith("-"):
            options.append(a)
            if "=" not in a and a not in ("--effect", "--no-progress", "-h", "--help"):
                nxt = next(it, None)
                if nxt is not None:
                    options.append(nxt)
        elif a.lstrip("+").startswith("scenario="):
            scenario = a.split("=", 1)[1]
        elif "=" in a:
            overrides.append(a)
        else:
            raise ConfigError(f"{a!r}: expected KEY=VALUE, +scenario=NAME or an --option")
    return scenario, overrides, options


def parse_seeds(text: str) -> list[int]:
    """``5`` -> 0..4, ``10:20`` -> 10..19, ``range(3)``, or ``1,4,9``."""
    from peacesim.config import ConfigError

    t = text.strip()
    try:
        if t.startswith("range(") and t.endswith(")"):
            return list(range(*(int(v) for v in t[6:-1].split(","))))
        if ":" in t:
            a, b = t.split(":", 1)
            return list(range(int(a), int(b)))
        if "," in t:
            return [int(v) for v in t.split(",")]
        return list(range(int(t)))
    except ValueError:
        raise ConfigError(f"--seeds {text}: give a count (5), a range (10:20) or a list "
                          "(1,4,9)") from None


def parse_params(items: list[str]) -> dict:
    """``KEY=LO:HI`` or ``KEY`` items as ``{key: (lo, hi) or None}``."""
    from peacesim.config import ConfigError

    out = {}
    for item in items:
        key, _, rng = item.partition("=")
        if not rng:
            out[key] = None
            continue
        try:
            lo, hi = (float(v) for v in rng.split(":"))
        except ValueError:
            raise ConfigError(f"--param {item}: write KEY=LO:HI, e.g. "
                              "patrol.presence=0.1:0.5") from None
        out[key] = (lo, hi)
    return out


def _out(ns, command: str, scenario: str) -> Path:
    if ns.out:
        return Path(ns.out)
    return Path("outputs") / command / scenario / dt.datetime.now().strftime("%Y-%m-%d_%H-%M-%S")


def _listing(text: str | None) -> list[str] | None:
    return [v.strip() for v in text.split(",") if v.strip()] if text else None


# ------------------------------------------------------------------------------ commands
def run_ensemble(args: list[str]) -> int:
    """``python -m peacesim ensemble``."""
    import pandas as pd

    from peacesim.config import ConfigError
    from peacesim.uq import report
    from peacesim.uq.ensemble import ensemble, outcome_columns

    scenario, overrides, options = _split(args)
    p = _common("ensemble", "Run a design of parameter values times seeds.")
    p.add_argument("--design", help="CSV or Parquet: one column per config key")
    _params(p, required=False)
    p.add_argument("--draws", type=int, default=0, help="Latin-hypercube rows over --param")
    p.add_argument("--seeds", default="5")
    p.add_argument("--chunk-size", type=int, default=None)
    p.add_argument("--effect", action="store_true",
                   help="also run the counterfactual; adds effect.<outcome> columns")
    p.add_argument("--seed", type=int, default=0, help="seed of the --draws design")
    ns = p.parse_args(options)
    if ns.design:
        path = Path(ns.design)
        if not path.is_file():
            raise ConfigError(f"--design {path}: no such file")
        design = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
    elif ns.param:
        if ns.draws < 1:
            raise ConfigError("--param needs --draws N (rows to draw) or use --design FILE")
        from peacesim.uq.compare import _draws
        from peacesim.uq.ensemble import base_config
        from peacesim.uq.params import resolve

        params = resolve(base_config(scenario, overrides, ns.config_dir),
                         parse_params(ns.param))
        design = _draws(params, ns.draws, ns.seed)
    else:
        design = None
    out = _out(ns, "ensemble", scenario)
    rows = ensemble(scenario, design, seeds=parse_seeds(ns.seeds), overrides=overrides,
                    workers=ns.workers, backend=ns.backend, chunk_size=ns.chunk_size, out=out,
                    effect=ns.effect, config_dir_extra=ns.config_dir,
                    progress=not ns.no_progress, slurm=_slurm(ns.slurm))
    columns = [] if design is None else list(design.columns)
    outcomes = [o for o in ("trust_in_sdf_mean", "armed_group_strength_mean",
                            "social_cohesion_mean", "civilian_harm_mean")
                if o in rows.columns]
    fig = report.ensemble_figure(rows, outcomes, out / "figures" / "outcomes.png")
    table = rows.groupby("row")[outcome_columns(rows, columns)].agg(["mean", "std"])
    table.columns = [f"{a} {b}" for a, b in table.columns]
    report.write_report(out, f"Ensemble: {scenario}",
                        [f"{len(rows)} runs: {rows['row'].nunique()} design rows x "
                         f"{rows['seed'].nunique()} seeds; overrides: "
                         f"{' '.join(overrides) or 'none'}."],
                        {"Outcomes by design row (mean, sd over seeds)":
                         table.reset_index()}, [fig])
    print(f"{len(rows)} rows -> {out / 'rows.parquet'}; report: {out / 'report.html'}")
    return 0


def run_sensitivity(args: list[str]) -> int:
    """``python -m peacesim sensitivity``."""
    from peacesim.uq.sensitivity import sensitivity

    scenario, overrides, options = _split(args)
    p = _common("sensitivity", "Global sensitivity analysis (SALib).")
    _params(p, required=True)
    p.add_argument("--group", action="append", default=[], metavar="KEY=GROUP")
    p.add_argument("--method", default="morris", help="morris, sobol or fast")
    p.add_argument("--outcomes", default=None, help="comma list; effect.<outcome> for effects")
    p.add_argument("--trajectories", type=int, default=10)
    p.add_argument("--samples", type=int, default=256)
    p.add_argument("--replicates", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    ns = p.parse_args(options)
    groups = dict(g.split("=", 1) for g in ns.group if "=" in g) or None
    out = _out(ns, "sensitivity", scenario)
    si = sensitivity(scenario, parse_params(ns.param), method=ns.method,
                     outcomes=_listing(ns.outcomes), trajectories=ns.trajectories,
                     samples=ns.samples, replicates=ns.replicates, groups=groups,
                     overrides=overrides, workers=ns.workers, backend=ns.backend, out=out,
                     seed=ns.seed, progress=not ns.no_progress, config_dir_extra=ns.config_dir,
                     slurm=_slurm(ns.slurm))
    cols = [c for c in si.columns if c not in ("runs",)]
    print(si[cols].to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    print(f"report: {out / 'report.html'}")
    return 0


def run_compare(args: list[str]) -> int:
    """``python -m peacesim compare``."""
    from peacesim.uq.compare import SURVEY_THRESHOLD, compare

    scenario, overrides, options = _split(args)
    p = _common("compare", "A scenario against its declared counterfactual.")
    p.add_argument("--seeds", default="10")
    p.add_argument("--outcomes", default=None)
    p.add_argument("--draws", type=int, default=0)
    _params(p, required=False)
    p.add_argument("--threshold", type=float, default=SURVEY_THRESHOLD)
    p.add_argument("--level", type=float, default=0.9)
    p.add_argument("--seed", type=int, default=0)
    ns = p.parse_args(options)
    out = _out(ns, "compare", scenario)
    effects = compare(scenario, seeds=parse_seeds(ns.seeds), overrides=overrides,
                      outcomes=_listing(ns.outcomes), level=ns.level, threshold=ns.threshold,
                      draws=ns.draws, params=parse_params(ns.param) or None,
                      workers=ns.workers, backend=ns.backend, out=out, seed=ns.seed,
                      progress=not ns.no_progress, config_dir_extra=ns.config_dir,
                      slurm=_slurm(ns.slurm))
    for line in effects["headline"]:
        print(line)
    print(f"report: {out / 'report.html'}")
    return 0


def run_calibrate(args: list[str]) -> int:
    """``python -m peacesim calibrate``."""
    from peacesim.uq.calibrate import START_YEAR, calibrate

    scenario, overrides, options = _split(args)
    p = _common("calibrate", "Fit parameters to a targets table (Optuna).")
    p.add_argument("--targets", required=True)
    _params(p, required=True)
    p.add_argument("--budget", type=int, default=200)
    p.add_argument("--replicates", type=int, default=1)
    p.add_argument("--metrics", default=None)
    p.add_argument("--accept", type=float, default=0.1)
    p.add_argument("--weights", default=None,
                   help="targets' weights in the distance: 'metric' (every metric alike) or "
                        "METRIC=W,... (others 1); default: every row alike")
    p.add_argument("--start-year", type=int, default=START_YEAR)
    p.add_argument("--seed", type=int, default=0)
    ns = p.parse_args(options)
    out = _out(ns, "calibrate", scenario)
    result = calibrate(scenario, ns.targets, parse_params(ns.param), budget=ns.budget,
                       replicates=ns.replicates, metrics=_listing(ns.metrics),
                       start_year=ns.start_year, accept=ns.accept, overrides=overrides,
                       workers=ns.workers, backend=ns.backend, out=out, seed=ns.seed,
                       progress=not ns.no_progress, config_dir_extra=ns.config_dir,
                       slurm=_slurm(ns.slurm), weights=_weights(ns.weights))
    print(result.summary.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    best = result.info["best_distance"]
    print(f"best distance {best:.4g}" if math.isfinite(best) else "no finite distance")
    print(f"report: {out / 'report.html'}")
    return 0


def _weights(text: str | None):
    """``--weights``: None, ``"metric"`` or ``{metric: weight}`` from ``m=w,m=w``."""
    from peacesim.config import ConfigError

    if text is None or text == "metric":
        return text
    weights = {}
    for part in text.split(","):
        metric, eq, value = part.partition("=")
        try:
            weights[metric.strip()] = float(value)
        except ValueError:
            raise ConfigError(f"--weights {text}: expected 'metric' or METRIC=NUMBER,... "
                              f"(got {part!r})") from None
        if not eq or not metric.strip():
            raise ConfigError(f"--weights {text}: expected 'metric' or METRIC=NUMBER,...")
    return weights


#: The subcommands, for :mod:`peacesim.cli`.
COMMANDS = {"ensemble": run_ensemble, "sensitivity": run_sensitivity, "compare": run_compare,
            "calibrate": run_calibrate}
