"""A scenario against its declared counterfactual: effects with intervals, in plain words.

Each seed is run twice, with the intervention and without it (the scenario's
``scenario.counterfactual`` overrides), so the two runs share their random numbers except
where the intervention changes them; the effect is the mean paired difference with a t
interval. Optionally the pairs are repeated over parameter draws from the parameters' ranges
(Latin hypercube), and the share of draws in which the effect has the intended sign is
reported: a conclusion that flips sign inside the plausible ranges does not hold.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from peacesim.config import ConfigError
from peacesim.uq.ensemble import EFFECT, base_config, ensemble
from peacesim.uq.params import parse_overrides, range_table, resolve
from peacesim.uq.stats import intended_sign_share, t_interval

#: Smallest change in a survey share that a national survey could detect (about the
#: sampling margin of an Afrobarometer round of ~1,200 respondents: +-2.8 points at 95 %).
SURVEY_THRESHOLD = 0.03


def metric_info() -> dict[str, tuple[str, str | None, str]]:
    """Every recorded metric: ``{name: (kind, weight, description)}`` from the mechanisms."""
    from peacesim.mechanisms.base import registered

    return {m.name: (m.kind, m.weight, m.description)
            for mech in registered() for m in mech.metrics}


def compare(scenario: str | Callable, seeds=range(10), overrides: list[str] | None = None, *,
            outcomes: list[str] | None = None, level: float = 0.9,
            threshold: float = SURVEY_THRESHOLD, thresholds: dict[str, float] | None = None,
            draws: int = 0, params=None, counterfactual: list[str] | dict | None = None,
            workers: int = 1, backend: str = "local", slurm: dict | None = None,
            out: str | Path | None = None,
            seed: int = 0, progress: bool = True,
            config_dir_extra: str | Path | None = None) -> pd.DataFrame:
    """Each outcome's effect of a scenario's intervention, with an interval and a sentence.

    Args:
        scenario: Scenario name (it must declare ``scenario.counterfactual``), or a function
            model ``f(values, seed) -> dict`` with ``counterfactual`` given as a dict.
        seeds: Seeds; each is run with and without the intervention.
        overrides: Hydra overrides for composing the scenario.
        outcomes: Summary outcomes to report; default every one.
        level: Interval coverage (0.9: 90 %).
        threshold: Practical threshold for survey shares (metrics of kind ``share``).
        thresholds: Thresholds by outcome name; they win over ``threshold``, and give other
            outcomes one (counts and levels have none by default).
        draws: Parameter draws (Latin hypercube over ``params``' ranges); 0 = the scenario's
            values only.
        params: The parameters drawn (as for :func:`peacesim.sensitivity`).
        counterfactual: Overrides that switch the intervention off; default the scenario's.
        workers: Parallel workers.
        backend: See :func:`peacesim.ensemble`.
        slurm: Extra submitit parameters for ``backend="slurm"``.
        out: Folder for runs, ``effects.parquet``, figures and ``report.html``.
        seed: Seed of the parameter draws.
        progress: Progress bar on stderr.
        config_dir_extra: A folder of the user's own configs.

    Returns:
        One row per outcome: ``outcome``, ``effect`` (mean paired difference), ``low``,
        ``high`` (the interval), ``n`` (pairs), ``scenario_mean``, ``counterfactual_mean``,
        ``threshold``, ``detectable`` (``yes``/``no``/``maybe``/empty), ``sign_share`` and
        ``sign_share_over`` (share of draws, or of seeds without draws, whose effect has
        the intended sign: the declared direction for the scenario's outcome, the mean
        effect's sign otherwise), ``effect_per_cost`` (where programmes carry a ``cost``)
        and ``headline``.
    """
    config = None if callable(scenario) else base_config(scenario, overrides, config_dir_extra)
    design = None
    parameters = []
    if draws:
        if not params:
            raise ConfigError("draws needs params: the parameters to draw, e.g. "
                              "{'patrol.presence': (0.1, 0.5)}")
        parameters = resolve(config, params)
        design = _draws(parameters, int(draws), seed)
    rows = ensemble(config if config is not None else scenario, design, seeds=seeds,
                    overrides=overrides, workers=workers,
                    backend=backend, out=None if out is None else Path(out) / "runs",
                    effect=True, counterfactual=counterfactual, progress=progress,
                    config_dir_extra=config_dir_extra, slurm=slurm)
    available = [c[len(EFFECT):] for c in rows.columns if c.startswith(EFFECT)]
    outcomes = available if outcomes is None else list(outcomes)
    unknown = [o for o in outcomes if o not in available]
    if unknown:
        raise ConfigError(f"unknown outcome(s) {', '.join(unknown)}; available: "
                          f"{', '.join(available)}")
    info = metric_info() if config is not None else {}
    off = (config.scenario.counterfactual if counterfactual is None and config is not None
           else counterfactual)
    off_keys = list(off) if isinstance(off, dict) else list(parse_overrides(off or []))
    programme = _programme_name(off_keys)
    where = _where(config)
    declared = (config.scenario.outcome, config.scenario.direction) if config else ("", "")
    cost = _cost(config, off_keys)
    table = []
    for outcome in outcomes:
        diffs = rows[EFFECT + outcome]
        mean, low, high, n = t_interval(diffs, level)
        kind = info.get(_metric(outcome), ("", None, ""))[0]
        given = (thresholds or {}).get(outcome)
        limit = given if given is not None else (threshold if kind == "share" else math.nan)
        intended = (1.0 if declared[1] == "up" else -1.0) if outcome == declared[0] and \
            declared[1] else float(np.sign(mean))
        by = rows.groupby("row")[EFFECT + outcome].mean() if draws else diffs
        entry = {"outcome": outcome, "effect": mean, "low": low, "high": high, "n": n,
                 "scenario_mean": float(rows[outcome].mean()),
                 "counterfactual_mean": float(rows["counterfactual." + outcome].mean()),
                 "threshold": float(limit),
                 "threshold_from": "given" if given is not None else
                 ("survey" if kind == "share" else ""), "detectable": _detectable(low, high, limit),
                 "sign_share": intended_sign_share(by, intended),
                 "sign_share_over": "draws" if draws else "seeds",
                 "intended_sign": "declared" if outcome == declared[0] and declared[1]
                 else "mean",
                 "effect_per_cost": mean / cost if cost else math.nan}
        entry["headline"] = headline(programme, _label(outcome, info), where, entry, level)
        table.append(entry)
    effects = pd.DataFrame(table)
    if out is not None:
        _write(Path(out), scenario, effects, rows, parameters, cost, level)
    return effects


def _draws(parameters, draws: int, seed: int) -> pd.DataFrame:
    from scipy.stats import qmc

    unit = qmc.LatinHypercube(d=len(parameters), seed=seed).random(draws)
    lo = np.array([p.lo for p in parameters])
    hi = np.array([p.hi for p in parameters])
    frame = pd.DataFrame(lo + unit * (hi - lo), columns=[p.key for p in parameters])
    for p in parameters:
        if p.integer:
            frame[p.key] = np.round(frame[p.key]).astype(np.int64)
    return frame


def _metric(outcome: str) -> str:
    for suffix in ("_mean", "_final"):
        if outcome.endswith(suffix):
            return outcome[: -len(suffix)]
    return outcome


def _label(outcome: str, info: dict) -> str:
    name = _metric(outcome)
    text = info.get(name, (None, None, name.replace("_", " ")))[2]
    if outcome.endswith("_mean"):
        return f"{text} (mean over the run)"
    if outcome.endswith("_final"):
        return f"{text} (at the end)"
    return text


def _programme_name(keys: list[str]) -> str:
    sections = list(dict.fromkeys(k.split(".")[0].replace("_", " ") for k in keys))
    if not sections:
        return "the intervention"
    return sections[0] if len(sections) == 1 else ", ".join(sections[:-1]) + " and " + \
        sections[-1]


def _where(config) -> str:
    if config is None:
        return ""
    from peacesim.geography import REGION_IDS, REGION_NAMES

    names = dict(zip(REGION_IDS, REGION_NAMES, strict=False))
    regions = list(config.geography.regions)
    if not regions:
        return "in Mali"
    shown = [names.get(r, r) for r in regions]
    shown = sorted(shown)
    return "in " + (shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1])


def _cost(config, keys: list[str]) -> float:
    """Total ``cost`` of the programmes the counterfactual switches off (0 if none has one)."""
    if config is None:
        return 0.0
    total = 0.0
    for section in dict.fromkeys(k.split(".")[0] for k in keys):
        value = getattr(getattr(config, section, None), "cost", None)
        if isinstance(value, (int, float)) and value > 0:
            total += float(value)
    return total


def _detectable(low: float, high: float, limit: float) -> str:
    if not math.isfinite(limit) or not (math.isfinite(low) and math.isfinite(high)):
        return ""
    if low >= limit or high <= -limit:
        return "yes"
    if -limit < low and high < limit:
        return "no"
    return "maybe"


def _fmt(x: float) -> str:
    if not math.isfinite(x):
        return "nan"
    return f"{x:.2g}" if abs(x) < 0.01 and x != 0 else (f"{x:.3f}" if abs(x) < 10 else
                                                          f"{x:,.1f}")


def headline(programme: str, label: str, where: str, e: dict, level: float) -> str:
    """One sentence for one outcome.

    For example "dialogue raised social cohesion in Mopti and Ségou by 0.007 (90 % interval
    0.006 to 0.008), below what a survey could detect".
    """
    pct = f"{round(level * 100):d} %"
    interval = f"{pct} interval {_fmt(e['low'])} to {_fmt(e['high'])}"
    place = f" {where}" if where else ""
    if math.isfinite(e["low"]) and e["low"] <= 0 <= e["high"]:
        text = (f"{programme} did not clearly change {label}{place} (effect "
                f"{_fmt(e['effect'])}, {interval})")
    else:
        verb = "raised" if e["effect"] > 0 else "lowered"
        text = f"{programme} {verb} {label}{place} by {_fmt(abs(e['effect']))} ({interval})"
    if e.get("threshold_from") == "survey":
        clause = {"yes": ", large enough for a survey to detect",
                  "no": ", below what a survey could detect",
                  "maybe": f", near what a survey could detect (threshold "
                           f"{_fmt(e['threshold'])})"}
    else:
        limit = _fmt(e["threshold"])
        clause = {"yes": f", beyond the practical threshold of {limit}",
                  "no": f", within the practical threshold of {limit}",
                  "maybe": f", near the practical threshold of {limit}"}
    text += clause.get(e["detectable"], "")
    if e["sign_share_over"] == "draws" and math.isfinite(e["sign_share"]):
        text += f"; the intended sign in {e['sign_share']:.0%} of parameter draws"
    return text


def _write(folder: Path, scenario, effects: pd.DataFrame, rows: pd.DataFrame, parameters,
           cost: float, level: float) -> None:
    from peacesim.io import write_parquet
    from peacesim.uq import report

    write_parquet(folder / "effects.parquet", effects)
    figures = [report.effects_figure(effects, folder / "figures" / "effects.png")]
    name = scenario if isinstance(scenario, str) else getattr(scenario, "__name__", "function")
    intro = [f"{name} against its counterfactual: {len(rows)} paired runs (each seed with "
             f"and without the intervention); {round(level * 100)} % t intervals over the "
             "paired differences."]
    intro += list(effects["headline"])
    if not cost:
        intro.append("No programme carries a cost field: no cost-effectiveness.")
    tables = {"Effects": effects.drop(columns="headline")}
    if parameters:
        tables["Parameter ranges drawn"] = pd.DataFrame(range_table(parameters))
    report.write_report(folder, f"Comparison: {name}", intro, tables, figures)
