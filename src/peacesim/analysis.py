"""Statistics of runs and sweeps that figures and reports share.

Everything here is a function of tables (``sweep.parquet`` and the like) and returns numbers
or DataFrames; :mod:`peacesim.plots` draws them and :mod:`peacesim.report` tabulates them.

* :func:`sweep_columns`: which columns of a sweep table are swept or fixed parameters, and
  which are outcomes; :func:`main_outcomes`: the outcomes to show first;
* :func:`summarise`: mean and central interval across seeds (the spread of the runs);
* :func:`paired_differences`: intervention minus counterfactual, paired by seed (common random
  numbers), with Student t confidence intervals (:func:`t_quantile_95`);
* :func:`cell_means`: one outcome's mean over seeds per pair of two swept parameters;
* :func:`colour_range`: the range a colour scale should span for a quantity, so that a small
  effect looks small (:data:`PRACTICAL_THRESHOLD`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from peacesim.plots.labels import MAIN_OUTCOMES, Labels, MetricLabel, metric_label, outcome_parts

#: Columns of sweep.parquet that are bookkeeping, not parameters or outcomes.
META = ("job", "folder", "seed")
#: Top-level config keys (overrides without a dot).
TOP_LEVEL = ("scenario", "model", "steps", "threads", "check")
#: Share of seeds inside the interval drawn around a mean.
LEVEL = 0.9

# Student t quantiles t(0.95; df) for df = 1..30 (two-sided 90 % intervals).
_T95 = (6.314, 2.920, 2.353, 2.132, 2.015, 1.943, 1.895, 1.860, 1.833, 1.812, 1.796, 1.782,
        1.771, 1.761, 1.753, 1.746, 1.740, 1.734, 1.729, 1.725, 1.721, 1.717, 1.714, 1.711,
        1.708, 1.706, 1.703, 1.701, 1.699, 1.697)


def t_quantile_95(df: int) -> float:
    """Student t 0.95 quantile (for a two-sided 90 % interval) with ``df`` degrees of freedom.

    Table values for df <= 30 (e.g. Abramowitz & Stegun, table 26.10); beyond, the
    Cornish-Fisher expansion z (1 + (1 + z^2) / (4 df)), within 0.001 of the exact value.
    """
    if df < 1:
        return float("nan")
    if df <= len(_T95):
        return _T95[df - 1]
    z = 1.6448536
    return z * (1 + (1 + z * z) / (4 * df))


@dataclass
class SweepColumns:
    """What the columns of a sweep table are.

    Attributes:
        swept: Parameters with more than one value, in table order, each with its sorted
            values.
        fixed: Parameters with a single value.
        outcomes: Numeric outcome columns.
        seeds: The seeds (empty when the table has no seed column).
    """

    swept: dict[str, list] = field(default_factory=dict)
    fixed: dict[str, object] = field(default_factory=dict)
    outcomes: list[str] = field(default_factory=list)
    seeds: list = field(default_factory=list)


def sorted_values(series: pd.Series) -> list:
    """The distinct values of a column, sorted (as text when they do not compare)."""
    values = list(pd.unique(series.dropna()))
    try:
        return sorted(values)
    except TypeError:
        return sorted(values, key=str)


def sweep_columns(table: pd.DataFrame) -> SweepColumns:
    """Sort the columns of ``sweep.parquet`` into swept and fixed parameters and outcomes.

    Parameters are the overridden keys: columns between ``folder`` and ``seed`` (collect
    writes the overrides there), any column with a dot (``patrol.presence``) and top-level
    keys (``steps``). Outcomes are the other numeric columns (``param_*`` echoes of a
    published model's parameters are left out).
    """
    cols = list(table.columns)
    params: list[str] = []
    if "folder" in cols:
        end = cols.index("seed") if "seed" in cols else len(cols)
        params += cols[cols.index("folder") + 1: end]
    params += [c for c in cols if "." in c or c in TOP_LEVEL]
    params = [c for c in dict.fromkeys(params) if c not in META]
    out = SweepColumns()
    for c in params:
        values = sorted_values(table[c])
        if len(values) > 1:
            out.swept[c] = values
        elif values:
            out.fixed[c] = values[0]
    out.outcomes = [c for c in cols if c not in params and c not in META
                    and not c.startswith("param_")
                    and (pd.api.types.is_numeric_dtype(table[c])
                         or pd.api.types.is_bool_dtype(table[c]))]
    if "seed" in cols:
        out.seeds = sorted_values(table["seed"])
    return out


def main_outcomes(table: pd.DataFrame, extra: Sequence[str] = ()) -> list[str]:
    """The outcome columns to draw: the main outcomes at the end of the run, then ``extra``.

    Falls back to the first eight outcome columns for tables of other models.
    """
    chosen = [f"{m}_final" for m in MAIN_OUTCOMES if f"{m}_final" in table.columns]
    chosen += [e for e in extra if e in table.columns and e not in chosen]
    if not chosen:
        chosen = sweep_columns(table).outcomes[:8]
    return chosen


def summarise(values: np.ndarray, level: float = LEVEL) -> tuple[float, float, float, int]:
    """(mean, lower, upper, n): the mean and the central ``level`` share of the values.

    The interval is the (1 - level)/2 and (1 + level)/2 quantiles of the values themselves
    (the spread across seeds), not a confidence interval of the mean.
    """
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return (np.nan, np.nan, np.nan, 0)
    q = np.quantile(v, [(1 - level) / 2, (1 + level) / 2])
    return (float(v.mean()), float(q[0]), float(q[1]), int(v.size))


# ------------------------------------------------------------------------ paired comparison
def _parse(value: str):
    import yaml

    try:
        return yaml.safe_load(value)
    except yaml.YAMLError:
        return value


def counterfactual_choice(table: pd.DataFrame, counterfactual: Sequence[str] = ()
                          ) -> list[tuple[str, object, str]]:
    """Which swept parameters to compare against which counterfactual value.

    A scenario's ``counterfactual`` overrides (``["dialogue.frequency=0"]``) name the
    parameter and the value that switch its intervention off; when one of them was swept
    (and its value is among the swept values) it is used. Otherwise every swept parameter
    with an order (numbers, booleans) is compared against its lowest value.

    Returns:
        (parameter, counterfactual value, why) for each comparison to draw.
    """
    swept = sweep_columns(table).swept
    chosen = []
    for item in counterfactual:
        key, _, value = str(item).lstrip("+~").partition("=")
        if key in swept:
            v = _parse(value)
            match = [s for s in swept[key] if s == v]
            if match:
                chosen.append((key, match[0], f"the scenario's counterfactual ({item})"))
    if chosen:
        return chosen
    for key, values in swept.items():
        if all(isinstance(v, (int, float, bool, np.integer, np.floating, np.bool_))
               for v in values):
            chosen.append((key, values[0], "the lowest swept value"))
    return chosen


def paired_differences(table: pd.DataFrame, parameter: str, counterfactual, *,
                       outcomes: Sequence[str] | None = None, by: str | None = None,
                       labels: Labels | None = None) -> pd.DataFrame:
    """Intervention minus counterfactual, paired by seed and every other swept parameter.

    Two jobs are a pair when they differ only in ``parameter``: one at the counterfactual
    value, the other at an intervention value, same seed (so the same random draws where the
    scenarios agree) and same values of the other swept parameters.

    Args:
        table: ``sweep.parquet``.
        parameter: The intervention parameter.
        counterfactual: Its value without the intervention.
        outcomes: Outcome columns (default: :func:`main_outcomes`).
        by: Another swept parameter to keep separate (one row per value); others are pooled.
        labels: The metrics' labels: differences are in displayed units (``scale``).

    Returns:
        One row per (value, by-value, outcome): ``parameter``, ``value``, ``counterfactual``,
        ``by``, ``by_value``, ``outcome``, ``pairs``, ``mean``, ``lower``, ``upper``,
        ``counterfactual_mean`` (displayed units: per cent for shares), and ``sd``. The
        interval is the 90 % confidence interval of the mean difference (Student t).
    """
    outcomes = list(outcomes or main_outcomes(table))
    cols = sweep_columns(table)
    keys = [p for p in cols.swept if p != parameter] + (["seed"] if "seed" in table else [])
    values = [v for v in (cols.swept.get(parameter) or []) if v != counterfactual]
    base = table[table[parameter] == counterfactual]
    if keys:
        base = base.groupby(keys, dropna=False)[outcomes].mean().reset_index()
    rows = []
    by_values = [None] if by is None else (cols.swept.get(by) or [None])
    for v in values:
        treat = table[table[parameter] == v]
        if keys:
            treat = treat.groupby(keys, dropna=False)[outcomes].mean().reset_index()
            pairs = treat.merge(base, on=keys, suffixes=("", "__cf"))
        else:  # nothing to pair on: compare the single runs
            pairs = pd.concat([treat[outcomes].reset_index(drop=True),
                               base[outcomes].add_suffix("__cf").reset_index(drop=True)],
                              axis=1).dropna()
        for bv in by_values:
            part = pairs if bv is None else pairs[pairs[by] == bv]
            for outcome in outcomes:
                scale = _scale(outcome, labels)
                d = ((part[outcome] - part[outcome + "__cf"]) * scale).to_numpy(dtype=float)
                d = d[np.isfinite(d)]
                n = d.size
                mean = float(d.mean()) if n else np.nan
                sd = float(d.std(ddof=1)) if n > 1 else np.nan
                half = t_quantile_95(n - 1) * sd / np.sqrt(n) if n > 1 else np.nan
                rows.append({"parameter": parameter, "value": v, "counterfactual": counterfactual,
                             "by": by, "by_value": bv, "outcome": outcome, "pairs": n,
                             "mean": mean, "lower": mean - half, "upper": mean + half, "sd": sd,
                             "counterfactual_mean": float(part[outcome + "__cf"].mean() * scale)
                             if n else np.nan})
    return pd.DataFrame(rows)


def _scale(outcome: str, labels: Labels | None) -> float:
    return metric_label(outcome_parts(outcome)[0], labels).scale


# ------------------------------------------------------------------------ two parameters
def cell_means(table: pd.DataFrame, x: str, y: str, outcome: str, *,
               labels: Labels | None = None) -> tuple[list, list, np.ndarray, np.ndarray]:
    """Mean of ``outcome`` over the runs of each pair of values of ``x`` and ``y``.

    Other swept parameters are pooled (averaged over with the seeds).

    Args:
        table: ``sweep.parquet``.
        x: Swept parameter of the columns.
        y: Swept parameter of the rows.
        outcome: Outcome column.
        labels: The metrics' labels: means are in displayed units (``scale``).

    Returns:
        (x values, y values, means ``[len(y), len(x)]`` with NaN where no run finished, number
        of runs per cell).
    """
    scale = _scale(outcome, labels)
    xv = sorted_values(table[x])
    yv = sorted_values(table[y])
    grid = np.full((len(yv), len(xv)), np.nan)
    count = np.zeros((len(yv), len(xv)), dtype=int)
    for i, b in enumerate(yv):
        for j, a in enumerate(xv):
            sel = table.loc[(table[x] == a) & (table[y] == b), outcome].astype(float)
            sel = sel[np.isfinite(sel)]
            if len(sel):
                grid[i, j] = sel.mean() * scale
                count[i, j] = len(sel)
    return xv, yv, grid, count


#: Smallest difference of a survey share (stored on the 0-1 scale) worth calling an effect:
#: 0.03, i.e. 3 percentage points or 0.03 on a 0-1 score, about the margin of error of a
#: survey of 1,000 respondents (1.96 * sqrt(0.25 / 1000) = 0.031). Colour scales of
#: differences span at least +/- this much, so a smaller effect stays pale.
PRACTICAL_THRESHOLD = 0.03


def colour_range(values: np.ndarray, label: MetricLabel, *, difference: bool = False,
                 threshold: float = PRACTICAL_THRESHOLD) -> tuple[float, float]:
    """The range (displayed units) a colour scale of ``values`` should span.

    Shares (``kind == "share"``) span their whole scale, 0 to 1 times ``scale`` (0-100 %);
    differences span +/- ``threshold`` times ``scale``, or +/- the largest absolute value when
    that is larger; other quantities (counts, levels, unknown) span the values themselves.

    Args:
        values: The displayed values (NaN ignored).
        label: How the quantity is shown (its ``kind`` and ``scale``).
        difference: Whether the values are differences (intervention minus counterfactual).
        threshold: Practical threshold of a share's difference, on the stored 0-1 scale.

    Returns:
        (low, high), low < high.
    """
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if difference:
        floor = threshold * label.scale if label.kind == "share" else 0.0
        m = max(floor, float(np.abs(v).max()) if v.size else 0.0) or 1.0
        return -m, m
    if label.kind == "share":
        lo = min(0.0, float(v.min())) if v.size else 0.0
        hi = max(label.scale, float(v.max())) if v.size else label.scale
        return lo, hi
    if not v.size:
        return 0.0, 1.0
    lo, hi = float(v.min()), float(v.max())
    return (lo, hi) if hi > lo else (lo - 0.5, hi + 0.5)
