"""Figures of a collected sweep, drawn from ``sweep.parquet``.

``sweep.parquet`` (written by ``python -m peacesim collect``) has one row per completed job:
``job``, ``folder``, one column per overridden config key, ``seed`` and every summary outcome
(``<metric>_final``, ``<metric>_mean``). The functions here find which parameters were swept
(:func:`sweep_columns`) and draw:

* :func:`outcome_vs_parameter`: outcomes against one swept parameter, mean and 90 % interval
  across seeds, one panel per outcome;
* :func:`heatmap`: the mean of one outcome over two swept parameters, annotated;
* :func:`paired_comparison`: intervention minus counterfactual, paired by seed (common random
  numbers), with 90 % confidence intervals (:func:`paired_differences` computes the table);
* :func:`seed_spread`: outcomes across seeds when no parameter but the seed was swept.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import EngFormatter, MaxNLocator

from peacesim.plots import style
from peacesim.plots.labels import (
    MAIN_OUTCOMES,
    metric_label,
    outcome_label,
    outcome_parts,
    parameter_label,
)

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


def _sorted_values(series: pd.Series) -> list:
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
        values = _sorted_values(table[c])
        if len(values) > 1:
            out.swept[c] = values
        elif values:
            out.fixed[c] = values[0]
    out.outcomes = [c for c in cols if c not in params and c not in META
                    and not c.startswith("param_")
                    and (pd.api.types.is_numeric_dtype(table[c])
                         or pd.api.types.is_bool_dtype(table[c]))]
    if "seed" in cols:
        out.seeds = _sorted_values(table["seed"])
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


def _scaled(outcome: str) -> float:
    return metric_label(outcome_parts(outcome)[0]).scale


def _unit(outcome: str, *, difference: bool = False) -> str:
    unit = metric_label(outcome_parts(outcome)[0]).unit
    if difference and unit.startswith("%"):
        return "percentage points"
    if difference and unit.startswith("mean score"):
        return "points on the 0-1 scale"
    return unit


def _positions(values: list) -> tuple[np.ndarray, list[str], bool]:
    """Positions on the x-axis of parameter values: the values when numeric, else 0..n-1."""
    numeric = all(isinstance(v, (int, float, np.integer, np.floating))
                  and not isinstance(v, (bool, np.bool_)) for v in values)
    if numeric:
        return np.asarray(values, dtype=float), [f"{v:g}" for v in values], True
    return np.arange(len(values), dtype=float), [str(v) for v in values], False


def panel_title(outcome: str) -> str:
    """A panel's title: the metric's name, with "(mean over the run)" unless at the end."""
    metric, stat = outcome_parts(outcome)
    text = metric_label(metric).label
    if stat == "mean":
        text += "\n(mean over the run)"
    import textwrap

    return "\n".join(textwrap.fill(line, 30) for line in text.splitlines())


def _min_span(outcome: str) -> float:
    unit = _unit(outcome)
    return 5.0 if unit.startswith("%") else (0.1 if unit.startswith("mean score") else 0.0)


def _grid_axes(fig: Figure, n: int, ncols: int = 4, **kw) -> np.ndarray:
    """Axes for ``n`` panels, plus a spare one for notes when the last row has room."""
    spare = 1 if n % ncols else 0
    nrows = int(np.ceil((n + spare) / ncols))
    axes = fig.subplots(nrows, ncols, squeeze=False, **kw).ravel()
    for ax in axes[n:]:
        ax.set_axis_off()
    return axes


def _notes(fig: Figure, axes: np.ndarray, n: int, text: str, handles=None, labels=None,
           title: str | None = None) -> None:
    """Write the notes (and a legend) in the spare panel after the ``n`` panels.

    When every panel is used, the notes go below the panels and the legend to the right.
    """
    if len(axes) > n:
        ax = axes[n]
        if handles:
            leg = ax.legend(handles, labels, title=title, loc="upper left", alignment="left")
            leg.get_title().set_fontweight("bold")
        ax.text(0.0, 0.35 if handles else 1.0, _wrap(text, 46), va="top", fontsize=8,
                transform=ax.transAxes)
        return
    if handles:
        leg = fig.legend(handles, labels, title=title, loc="outside right upper",
                         alignment="left")
        leg.get_title().set_fontweight("bold")
    fig.supxlabel(" ".join(text.split("\n")), fontsize=8, color="#333333")


# ------------------------------------------------------------------------ one parameter
@style.with_style
def outcome_vs_parameter(table: pd.DataFrame, parameter: str, *,
                         outcomes: Sequence[str] | None = None, group: str | None = None,
                         level: float = LEVEL) -> Figure:
    """Outcomes against one swept parameter: mean and central interval across seeds.

    Args:
        table: ``sweep.parquet``.
        parameter: The swept parameter on the x-axis.
        outcomes: Outcome columns, one panel each (default: :func:`main_outcomes`).
        group: Another swept parameter: one line per value (at most six); others are pooled.
        level: Share of the runs inside the interval (0.9: 5th to 95th percentile).

    Returns:
        The figure (size ``style.SIZES["sweep_lines"]``).
    """
    outcomes = list(outcomes or main_outcomes(table))
    cols = sweep_columns(table)
    values = cols.swept.get(parameter) or _sorted_values(table[parameter])
    xs, ticks, numeric = _positions(values)
    groups = [None]
    if group is not None and group in cols.swept and len(cols.swept[group]) <= 6:
        groups = cols.swept[group]
    pooled = [p for p in cols.swept if p not in (parameter, group)]
    fig = style.new_figure("sweep_lines", f"Outcomes at the end of the run against {parameter}")
    axes = _grid_axes(fig, len(outcomes))
    span = (xs.max() - xs.min()) if len(xs) > 1 else 1.0
    dodge = span * 0.012 if numeric else 0.06
    for ax, outcome in zip(axes, outcomes, strict=False):
        scale = _scaled(outcome)
        spans = []
        for gi, g in enumerate(groups):
            part = table if g is None else table[table[group] == g]
            stats = [summarise(part.loc[part[parameter] == v, outcome] * scale, level)
                     for v in values]
            mean = np.array([s[0] for s in stats])
            lo = np.array([s[1] for s in stats])
            hi = np.array([s[2] for s in stats])
            x = xs + (gi - (len(groups) - 1) / 2) * dodge
            colour = style.CYCLE[gi] if g is not None else style.MAIN
            ax.errorbar(x, mean, yerr=[mean - lo, hi - mean], color=colour, marker="o", ms=4,
                        lw=1.5, capsize=3, elinewidth=1.0)
            spans.append(np.concatenate([lo, hi]))
        style.pad_limits(ax, np.concatenate(spans), _min_span(outcome), lower=0.0)
        ax.set_title(panel_title(outcome), loc="left", fontsize=9.5)
        ax.set_ylabel(_unit(outcome))
        ax.set_xticks(xs, ticks)
        ax.set_xlabel(parameter, fontsize=8.5)
    n_seeds = len(cols.seeds)
    lines = [f"Points: mean over {n_seeds} seed{'s' if n_seeds != 1 else ''};",
             f"bars: {level:.0%} of runs ({(1 - level) / 2:.0%}-{(1 + level) / 2:.0%} percentile).",
             f"x: {parameter_label(parameter)}"]
    if pooled:
        lines.append("Pooled over: " + ", ".join(pooled))
    handles = labels = None
    if groups != [None]:
        handles = [Line2D([], [], color=style.CYCLE[i], marker="o", lw=1.5)
                   for i in range(len(groups))]
        labels = [_val(g) for g in groups]
    _notes(fig, axes, len(outcomes), "\n".join(lines), handles, labels, group)
    return fig


def _wrap(text: str, width: int) -> str:
    import textwrap

    return "\n".join(textwrap.fill(line, width, subsequent_indent="  ")
                     for line in text.splitlines())


# ------------------------------------------------------------------------ two parameters
@style.with_style
def heatmap(table: pd.DataFrame, x: str, y: str, outcome: str) -> Figure:
    """Mean of ``outcome`` over seeds for each pair of values of ``x`` and ``y``, annotated.

    Other swept parameters, if any, are pooled (averaged over) and named in the subtitle.

    Args:
        table: ``sweep.parquet``.
        x: Swept parameter on the x-axis.
        y: Swept parameter on the y-axis.
        outcome: Outcome column.

    Returns:
        The figure (size ``style.SIZES["sweep_heatmap"]``).
    """
    scale = _scaled(outcome)
    xv = _sorted_values(table[x])
    yv = _sorted_values(table[y])
    grid = np.full((len(yv), len(xv)), np.nan)
    count = np.zeros((len(yv), len(xv)), dtype=int)
    for i, b in enumerate(yv):
        for j, a in enumerate(xv):
            sel = table.loc[(table[x] == a) & (table[y] == b), outcome].astype(float)
            sel = sel[np.isfinite(sel)]
            if len(sel):
                grid[i, j] = sel.mean() * scale
                count[i, j] = len(sel)
    fig = style.new_figure("sweep_heatmap", outcome_label(outcome, with_unit=False))
    ax = fig.subplots()
    cmap = colormaps[style.SEQUENTIAL]
    image = ax.imshow(grid, origin="lower", cmap=cmap, aspect="auto")
    finite = grid[np.isfinite(grid)]
    lo, hi = (finite.min(), finite.max()) if finite.size else (0, 1)
    for i in range(len(yv)):
        for j in range(len(xv)):
            if not np.isfinite(grid[i, j]):
                ax.text(j, i, "no runs", ha="center", va="center", fontsize=8, color="#666666")
                continue
            frac = (grid[i, j] - lo) / (hi - lo) if hi > lo else 0.5
            colour = "#000000" if frac > 0.55 else "#FFFFFF"
            ax.text(j, i, f"{_fmt(grid[i, j])}\n(n={count[i, j]})", ha="center", va="center",
                    fontsize=9 if len(xv) * len(yv) <= 36 else 7, color=colour)
    ax.set_xticks(range(len(xv)), [f"{v:g}" if isinstance(v, float) else str(v) for v in xv])
    ax.set_yticks(range(len(yv)), [f"{v:g}" if isinstance(v, float) else str(v) for v in yv])
    ax.set_xlabel(_wrap(parameter_label(x), 70))
    ax.set_ylabel(_wrap(parameter_label(y), 45))
    ax.grid(False)
    pooled = [p for p in sweep_columns(table).swept if p not in (x, y)]
    ax.set_title(f"Mean over seeds{'; pooled over ' + ', '.join(pooled) if pooled else ''}",
                 loc="left", fontsize=9, fontweight="normal")
    fig.colorbar(image, ax=ax, label=_unit(outcome), shrink=0.9)
    return fig


def fmt_number(v: float, digits: int = 3) -> str:
    """A number with about ``digits`` significant digits, never in scientific notation."""
    try:
        v = float(v)
    except (TypeError, ValueError):
        return str(v)
    if not np.isfinite(v):
        return "–"
    if v == 0:
        return "0"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    decimals = int(min(6, max(0, digits - 1 - np.floor(np.log10(abs(v))))))
    return f"{v:.{decimals}f}"


_fmt = fmt_number


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
                       outcomes: Sequence[str] | None = None, by: str | None = None
                       ) -> pd.DataFrame:
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
                scale = _scaled(outcome)
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


@style.with_style
def paired_comparison(diffs: pd.DataFrame, *, title: str | None = None) -> Figure:
    """Mean paired difference (intervention minus counterfactual) per outcome, with intervals.

    Args:
        diffs: The table of :func:`paired_differences`.
        title: Figure title (default names the parameter and counterfactual).

    Returns:
        The figure (size ``style.SIZES["sweep_paired"]``).
    """
    if len(diffs) == 0:
        fig = style.new_figure("sweep_paired", title or "Paired comparison")
        style.note(fig.subplots(), "No pairs: no job shares a seed with a counterfactual job.")
        return fig
    parameter = diffs["parameter"].iloc[0]
    cf = diffs["counterfactual"].iloc[0]
    fig = style.new_figure("sweep_paired", title or (
        f"Effect of {parameter} at the end of the run: each value minus {parameter}={cf}, "
        "paired by seed"))
    outcomes = list(dict.fromkeys(diffs["outcome"]))
    diffs = diffs.assign(rowkey=diffs["value"].map(_val) + "|" + diffs["by_value"].map(_val))
    rows = diffs.drop_duplicates("rowkey")
    labels = [f"{parameter}={_val(r.value)}"
              + (f"\n{r.by}={_val(r.by_value)}" if _val(r.by_value) else "")
              for r in rows.itertuples()]
    axes = _grid_axes(fig, len(outcomes), sharey=True)
    ypos = dict(zip(rows["rowkey"], np.arange(len(labels))[::-1], strict=True))
    for ax, outcome in zip(axes, outcomes, strict=False):
        for s in diffs[diffs["outcome"] == outcome].itertuples():
            colour = style.OKABE_ITO["vermillion"] if s.lower > 0 or s.upper < 0 \
                else style.MAIN
            if np.isfinite(s.lower):
                ax.errorbar(s.mean, ypos[s.rowkey], xerr=[[s.mean - s.lower], [s.upper - s.mean]],
                            fmt="o", color=colour, capsize=3, ms=5)
            else:
                ax.plot(s.mean, ypos[s.rowkey], "o", color=colour, ms=5)
        ax.axvline(0, color="#333333", lw=0.9)
        ax.set_title(panel_title(outcome), loc="left", fontsize=9.5)
        ax.set_xlabel(f"difference ({_unit(outcome, difference=True)})", fontsize=8.5)
        ax.set_yticks(list(ypos.values()), labels)
        ax.set_ylim(-0.6, len(labels) - 0.4)
        lo, hi = ax.get_xlim()
        m = max(abs(lo), abs(hi))
        ax.set_xlim(-m, m)
        ax.xaxis.set_major_locator(MaxNLocator(5, symmetric=True))
        if m >= 1000:
            ax.xaxis.set_major_formatter(EngFormatter(sep=""))
        ax.grid(axis="y", visible=False)
    n = int(diffs["pairs"].max())
    text = (f"Points: mean of {n} paired difference{'s' if n != 1 else ''} (same seed"
            f"{', same other parameters' if sweep_has_others(diffs) else ''}).\n"
            "Bars: 90 % confidence interval of the mean (Student t).\n"
            "Vermillion: the interval excludes zero.")
    if n < 2:
        text += "\nOne pair only: no interval."
    _notes(fig, axes, len(outcomes), text)
    return fig


def sweep_has_others(diffs: pd.DataFrame) -> bool:
    """Whether the pairs also held other swept parameters fixed (recorded in ``by``)."""
    return bool(diffs["by"].notna().any())


def _val(v) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return ""
    return f"{v:g}" if isinstance(v, float) else str(v)


# ------------------------------------------------------------------------ seeds only
@style.with_style
def seed_spread(table: pd.DataFrame, *, outcomes: Sequence[str] | None = None,
                level: float = LEVEL) -> Figure:
    """Each outcome across the seeds of a sweep that varied nothing else.

    Args:
        table: ``sweep.parquet``.
        outcomes: Outcome columns, one panel each (default: :func:`main_outcomes`).
        level: Share of runs inside the drawn interval.

    Returns:
        The figure (size ``style.SIZES["sweep_seeds"]``).
    """
    outcomes = list(outcomes or main_outcomes(table))
    fig = style.new_figure("sweep_seeds",
                           f"Outcomes at the end of the run across {len(table)} runs (seeds)")
    axes = _grid_axes(fig, len(outcomes))
    rng = np.random.default_rng(0)  # horizontal jitter only
    for ax, outcome in zip(axes, outcomes, strict=False):
        v = table[outcome].to_numpy(dtype=float) * _scaled(outcome)
        ax.plot(rng.uniform(-0.15, 0.15, v.size), v, "o", color=style.MAIN, alpha=0.7, ms=4)
        mean, lo, hi, _ = summarise(v, level)
        ax.errorbar([0.35], [mean], yerr=[[mean - lo], [hi - mean]], fmt="s",
                    color=style.OKABE_ITO["vermillion"], capsize=4)
        ax.set_xlim(-0.5, 0.6)
        ax.set_xticks([])
        ax.set_title(panel_title(outcome), loc="left", fontsize=9.5)
        ax.set_ylabel(_unit(outcome))
        style.pad_limits(ax, v, _min_span(outcome), lower=0.0)
    _notes(fig, axes, len(outcomes),
           f"Dots: one run each.\nSquare and bar: mean and {level:.0%} of runs.")
    return fig
