"""Figures of a collected sweep, drawn from ``sweep.parquet``.

``sweep.parquet`` (written by ``python -m peacesim collect``) has one row per completed job:
``job``, ``folder``, one column per overridden config key, ``seed`` and every summary outcome
(``<metric>_final``, ``<metric>_mean``). The statistics (which parameters were swept, intervals,
paired differences) are in :mod:`peacesim.analysis`; the functions here draw them. Each takes
``labels``, the run's metric labels (:func:`peacesim.report.load_metrics`; None: column names):

* :func:`outcome_vs_parameter`: outcomes against one swept parameter, mean and 90 % interval
  across seeds, one panel per outcome;
* :func:`heatmap`: the mean of one outcome over two swept parameters, annotated;
* :func:`paired_comparison`: intervention minus counterfactual, paired by seed (common random
  numbers), with 90 % confidence intervals (:func:`paired_differences` computes the table);
* :func:`seed_spread`: outcomes across seeds when no parameter but the seed was swept.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import EngFormatter, MaxNLocator

from peacesim.analysis import (
    LEVEL,
    cell_means,
    colour_range,
    main_outcomes,
    sorted_values,
    summarise,
    sweep_columns,
)
from peacesim.plots import style
from peacesim.plots.labels import (
    Labels,
    MetricLabel,
    difference_unit,
    fmt_number,
    metric_label,
    outcome_label,
    outcome_parts,
    parameter_label,
    value_text,
)


def _label(outcome: str, labels: Labels | None) -> MetricLabel:
    return metric_label(outcome_parts(outcome)[0], labels)


def _unit(outcome: str, labels: Labels | None, *, difference: bool = False) -> str:
    m = _label(outcome, labels)
    return difference_unit(m) if difference else m.unit


def _positions(values: list) -> tuple[np.ndarray, list[str], bool]:
    """Positions on the x-axis of parameter values: the values when numeric, else 0..n-1."""
    numeric = all(isinstance(v, (int, float, np.integer, np.floating))
                  and not isinstance(v, (bool, np.bool_)) for v in values)
    if numeric:
        return np.asarray(values, dtype=float), [f"{v:g}" for v in values], True
    return np.arange(len(values), dtype=float), [str(v) for v in values], False


def panel_title(outcome: str, labels: Labels | None = None) -> str:
    """A panel's title: the metric's name, with "(mean over the run)" unless at the end."""
    metric, stat = outcome_parts(outcome)
    text = metric_label(metric, labels).label
    if stat == "mean":
        text += "\n(mean over the run)"
    import textwrap

    return "\n".join(textwrap.fill(line, 30) for line in text.splitlines())


def _min_span(outcome: str, labels: Labels | None) -> float:
    unit = _unit(outcome, labels)
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
                         level: float = LEVEL, labels: Labels | None = None) -> Figure:
    """Outcomes against one swept parameter: mean and central interval across seeds.

    Args:
        table: ``sweep.parquet``.
        parameter: The swept parameter on the x-axis.
        outcomes: Outcome columns, one panel each (default: :func:`main_outcomes`).
        group: Another swept parameter: one line per value (at most six); others are pooled.
        level: Share of the runs inside the interval (0.9: 5th to 95th percentile).
        labels: The metrics' labels (None: column names, unscaled).

    Returns:
        The figure (size ``style.SIZES["sweep_lines"]``).
    """
    outcomes = list(outcomes or main_outcomes(table))
    cols = sweep_columns(table)
    values = cols.swept.get(parameter) or sorted_values(table[parameter])
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
        scale = _label(outcome, labels).scale
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
        style.pad_limits(ax, np.concatenate(spans), _min_span(outcome, labels), lower=0.0)
        ax.set_title(panel_title(outcome, labels), loc="left", fontsize=9.5)
        ax.set_ylabel(_unit(outcome, labels))
        ax.set_xticks(xs, ticks)
        ax.set_xlabel(parameter, fontsize=8.5)
    n_seeds = len(cols.seeds)
    lines = [f"Points: mean over {n_seeds} seed{'s' if n_seeds != 1 else ''};",
             f"bars: {level:.0%} of runs ({(1 - level) / 2:.0%}-{(1 + level) / 2:.0%} percentile).",
             f"x: {parameter_label(parameter)}"]
    if pooled:
        lines.append("Pooled over: " + ", ".join(pooled))
    handles = names = None
    if groups != [None]:
        handles = [Line2D([], [], color=style.CYCLE[i], marker="o", lw=1.5)
                   for i in range(len(groups))]
        names = [value_text(g) for g in groups]
    _notes(fig, axes, len(outcomes), "\n".join(lines), handles, names, group)
    return fig


def _wrap(text: str, width: int) -> str:
    import textwrap

    return "\n".join(textwrap.fill(line, width, subsequent_indent="  ")
                     for line in text.splitlines())


# ------------------------------------------------------------------------ two parameters
@style.with_style
def heatmap(table: pd.DataFrame, x: str, y: str, outcome: str, *,
            labels: Labels | None = None, difference: bool = False) -> Figure:
    """Mean of ``outcome`` over seeds for each pair of values of ``x`` and ``y``, annotated.

    The colour scale is anchored to the quantity, not stretched over the values
    (:func:`peacesim.analysis.colour_range`): a share spans its whole 0-100 % (or 0-1) scale;
    a difference (``difference=True``: the column holds intervention minus counterfactual)
    spans +/- the practical threshold, on a diverging scale centred on zero. Other swept
    parameters, if any, are pooled (averaged over) and named in the subtitle.

    Args:
        table: ``sweep.parquet``.
        x: Swept parameter on the x-axis.
        y: Swept parameter on the y-axis.
        outcome: Outcome column.
        labels: The metrics' labels (None: column names, unscaled).
        difference: Whether ``outcome`` holds differences.

    Returns:
        The figure (size ``style.SIZES["sweep_heatmap"]``).
    """
    xv, yv, grid, count = cell_means(table, x, y, outcome, labels=labels)
    label = _label(outcome, labels)
    lo, hi = colour_range(grid, label, difference=difference)
    name = outcome_label(outcome, labels, with_unit=False)
    fig = style.new_figure("sweep_heatmap", f"Difference in {name}" if difference else name)
    ax = fig.subplots()
    cmap = colormaps[style.DIVERGING if difference else style.SEQUENTIAL]
    image = ax.imshow(grid, origin="lower", cmap=cmap, aspect="auto", vmin=lo, vmax=hi)
    for i in range(len(yv)):
        for j in range(len(xv)):
            if not np.isfinite(grid[i, j]):
                ax.text(j, i, "no runs", ha="center", va="center", fontsize=8, color="#666666")
                continue
            frac = (grid[i, j] - lo) / (hi - lo)
            if difference:
                colour = "#000000" if 0.2 < frac < 0.8 else "#FFFFFF"
            else:
                colour = "#000000" if frac > 0.55 else "#FFFFFF"
            ax.text(j, i, f"{fmt_number(grid[i, j])}\n(n={count[i, j]})", ha="center",
                    va="center", fontsize=9 if len(xv) * len(yv) <= 36 else 7, color=colour)
    ax.set_xticks(range(len(xv)), [f"{v:g}" if isinstance(v, float) else str(v) for v in xv])
    ax.set_yticks(range(len(yv)), [f"{v:g}" if isinstance(v, float) else str(v) for v in yv])
    ax.set_xlabel(_wrap(parameter_label(x), 70))
    ax.set_ylabel(_wrap(parameter_label(y), 45))
    ax.grid(False)
    pooled = [p for p in sweep_columns(table).swept if p not in (x, y)]
    what = "Mean difference over seeds" if difference else "Mean over seeds"
    ax.set_title(f"{what}{'; pooled over ' + ', '.join(pooled) if pooled else ''}",
                 loc="left", fontsize=9, fontweight="normal")
    unit = _unit(outcome, labels, difference=difference)
    scale_note = ("full scale" if label.kind == "share" and not difference
                  else "at least ± the practical threshold" if difference and label.kind == "share"
                  else "range of the values")
    fig.colorbar(image, ax=ax, label=f"{unit} ({scale_note})" if unit else scale_note,
                 shrink=0.9)
    return fig


# ------------------------------------------------------------------------ paired comparison
@style.with_style
def paired_comparison(diffs: pd.DataFrame, *, title: str | None = None,
                      labels: Labels | None = None) -> Figure:
    """Mean paired difference (intervention minus counterfactual) per outcome, with intervals.

    Args:
        diffs: The table of :func:`paired_differences`.
        title: Figure title (default names the parameter and counterfactual).
        labels: The metrics' labels (None: column names, unscaled); the differences in
            ``diffs`` are already in displayed units.

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
    diffs = diffs.assign(rowkey=diffs["value"].map(value_text) + "|"
                         + diffs["by_value"].map(value_text))
    rows = diffs.drop_duplicates("rowkey")
    ticks = [f"{parameter}={value_text(r.value)}"
             + (f"\n{r.by}={value_text(r.by_value)}" if value_text(r.by_value) else "")
             for r in rows.itertuples()]
    axes = _grid_axes(fig, len(outcomes), sharey=True)
    ypos = dict(zip(rows["rowkey"], np.arange(len(ticks))[::-1], strict=True))
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
        ax.set_title(panel_title(outcome, labels), loc="left", fontsize=9.5)
        ax.set_xlabel(f"difference ({_unit(outcome, labels, difference=True)})", fontsize=8.5)
        ax.set_yticks(list(ypos.values()), ticks)
        ax.set_ylim(-0.6, len(ticks) - 0.4)
        lo, hi = ax.get_xlim()
        m = max(abs(lo), abs(hi))
        ax.set_xlim(-m, m)
        ax.xaxis.set_major_locator(MaxNLocator(5, symmetric=True))
        if m >= 1000:
            ax.xaxis.set_major_formatter(EngFormatter(sep=""))
        ax.grid(axis="y", visible=False)
    n = int(diffs["pairs"].max())
    text = (f"Points: mean of {n} paired difference{'s' if n != 1 else ''} (same seed"
            f"{', same other parameters' if diffs['by'].notna().any() else ''}).\n"
            "Bars: 90 % confidence interval of the mean (Student t).\n"
            "Vermillion: the interval excludes zero.")
    if n < 2:
        text += "\nOne pair only: no interval."
    _notes(fig, axes, len(outcomes), text)
    return fig


# ------------------------------------------------------------------------ seeds only
@style.with_style
def seed_spread(table: pd.DataFrame, *, outcomes: Sequence[str] | None = None,
                level: float = LEVEL, labels: Labels | None = None) -> Figure:
    """Each outcome across the seeds of a sweep that varied nothing else.

    Args:
        table: ``sweep.parquet``.
        outcomes: Outcome columns, one panel each (default: :func:`main_outcomes`).
        level: Share of runs inside the drawn interval.
        labels: The metrics' labels (None: column names, unscaled).

    Returns:
        The figure (size ``style.SIZES["sweep_seeds"]``).
    """
    outcomes = list(outcomes or main_outcomes(table))
    fig = style.new_figure("sweep_seeds",
                           f"Outcomes at the end of the run across {len(table)} runs (seeds)")
    axes = _grid_axes(fig, len(outcomes))
    rng = np.random.default_rng(0)  # horizontal jitter only
    for ax, outcome in zip(axes, outcomes, strict=False):
        v = table[outcome].to_numpy(dtype=float) * _label(outcome, labels).scale
        ax.plot(rng.uniform(-0.15, 0.15, v.size), v, "o", color=style.MAIN, alpha=0.7, ms=4)
        mean, lo, hi, _ = summarise(v, level)
        ax.errorbar([0.35], [mean], yerr=[[mean - lo], [hi - mean]], fmt="s",
                    color=style.OKABE_ITO["vermillion"], capsize=4)
        ax.set_xlim(-0.5, 0.6)
        ax.set_xticks([])
        ax.set_title(panel_title(outcome, labels), loc="left", fontsize=9.5)
        ax.set_ylabel(_unit(outcome, labels))
        style.pad_limits(ax, v, _min_span(outcome, labels), lower=0.0)
    _notes(fig, axes, len(outcomes),
           f"Dots: one run each.\nSquare and bar: mean and {level:.0%} of runs.")
    return fig
