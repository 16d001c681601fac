"""Figures of one run, drawn from its tables.

Each function takes the tables a run folder holds (see :mod:`peacesim.runner`) and returns a
:class:`~matplotlib.figure.Figure` of a fixed size:

* :func:`national_timeseries`: the main national outcomes over time, small multiples, with
  the programmes that start during the run marked;
* :func:`trust_by_region`: trust in the security forces, one labelled line per region;
* :func:`trust_map`: the grid coloured by trust at the start and the end, and the change;
* :func:`events`: weekly violent events, civilian harm, dialogue sessions and recruits;
* :func:`published_timeseries`: the series of a published special case (Epstein, Bennett).

Each takes ``labels``, the run's metric labels (:func:`peacesim.report.load_metrics`): without
them, panels are titled by column name and values are drawn unscaled, without units.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib import patheffects as pe
from matplotlib.collections import LineCollection, PatchCollection
from matplotlib.colors import Normalize, TwoSlopeNorm
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from peacesim.plots import style
from peacesim.plots.labels import (
    EVENTS,
    FLOWS,
    MAIN_OUTCOMES,
    WEEKS_PER_YEAR,
    Labels,
    axis_label,
    difference_unit,
    metric_label,
    programme_is_on,
    programme_level,
)

YEARS = f"Years since the start (1 step = 1 week; {WEEKS_PER_YEAR} weeks = 1 year)"
HALO = [pe.withStroke(linewidth=2.5, foreground="white")]

#: Smallest y-range of a panel, by displayed unit: flat series stay flat.
_MIN_SPAN = {"mean score, 0-1": 0.1, "%": 5.0}


def _min_span(name: str, labels: Labels | None) -> float:
    m = metric_label(name, labels)
    if m.unit.startswith("%"):
        return _MIN_SPAN["%"]
    return _MIN_SPAN.get(m.unit, 0.0)


def _years(steps) -> np.ndarray:
    return np.asarray(steps, dtype=float) / WEEKS_PER_YEAR


# ------------------------------------------------------------------------ programmes
def programme_marks(interventions: Sequence[dict] | None, steps: int | None = None
                    ) -> list[dict]:
    """The programme starts and ends worth marking on a time axis.

    A programme is marked when it acts (its switching level is not zero, see
    :func:`peacesim.plots.labels.programme_is_on`) and starts after step 0 (a start) or ends
    before the run's last step (an end).

    Args:
        interventions: The manifest's ``interventions`` list.
        steps: Last step of the run (ends after it are not marked); None = no limit.

    Returns:
        One dict per mark: ``step``, ``what`` (``starts``/``ends``), ``name``, ``label``.
    """
    marks = []
    for p in interventions or []:
        if not programme_is_on(p):
            continue
        key, value = programme_level(p)
        where = f" in {', '.join(r.replace('_', ' ').title() for r in p['regions'])}" \
            if p.get("regions") else ""
        level = f"{key} {value:g}" if key is not None and value is not None else ""
        start, end = int(p.get("start", 0) or 0), int(p.get("end", -1))
        if start > 0 and (steps is None or start <= steps):
            marks.append({"step": start, "what": "starts", "name": p["name"],
                          "label": f"{p['name']} starts, week {start} ({level}{where})"})
        if end > 0 and (steps is None or end < steps):
            marks.append({"step": end, "what": "ends", "name": p["name"],
                          "label": f"{p['name']} ends, week {end}"})
    return marks


def programmes_from_start(interventions: Sequence[dict] | None) -> list[str]:
    """Short descriptions of the programmes that act from step 0."""
    out = []
    for p in interventions or []:
        if programme_is_on(p) and int(p.get("start", 0) or 0) == 0:
            key, value = programme_level(p)
            where = f" in {', '.join(p['regions'])}" if p.get("regions") else ""
            out.append(f"{p['name']} ({key} {value:g}{where})")
    return out


def _mark(ax, marks: list[dict], colours: dict[str, str]) -> None:
    for m in marks:
        ax.axvline(m["step"] / WEEKS_PER_YEAR, color=colours[m["name"]], lw=1.4,
                   ls="-" if m["what"] == "starts" else "--", alpha=0.9, zorder=1)


def _mark_colours(marks: list[dict]) -> dict[str, str]:
    names = list(dict.fromkeys(m["name"] for m in marks))
    palette = [style.OKABE_ITO[k] for k in ("vermillion", "black", "sky_blue",
                                            "reddish_purple", "bluish_green", "orange")]
    return {n: palette[i % len(palette)] for i, n in enumerate(names)}


def _legend_panel(ax, marks: list[dict], colours: dict[str, str],
                  from_start: list[str]) -> None:
    ax.set_axis_off()
    handles = [Line2D([], [], color=colours[m["name"]], lw=1.6,
                      ls="-" if m["what"] == "starts" else "--") for m in marks]
    y = 1.0
    if handles:
        leg = ax.legend(handles, [_wrap(m["label"], 44) for m in marks], loc="upper left",
                        title="Vertical lines", alignment="left", fontsize=8,
                        bbox_to_anchor=(0.0, 1.0))
        leg.get_title().set_fontweight("bold")
        y = 0.98 - 0.13 * (len(marks) + 1)
    else:
        ax.text(0.0, y, "No programme starts or ends\nduring the run.", va="top",
                fontsize=8.5, transform=ax.transAxes)
        y -= 0.22
    if from_start:
        text = "Acting from the start:\n" + "\n".join(
            "• " + _wrap(s, 44, indent="   ") for s in from_start)
    else:
        text = "No programme acts from the start."
    ax.text(0.0, y, text, va="top", fontsize=8, transform=ax.transAxes, color="#333333")


def _wrap(text: str, width: int, indent: str = "") -> str:
    import textwrap

    return textwrap.fill(text, width, subsequent_indent=indent)


# ------------------------------------------------------------------------ national
@style.with_style
def national_timeseries(national: pd.DataFrame, interventions: Sequence[dict] | None = None,
                        *, metrics: Sequence[str] = MAIN_OUTCOMES,
                        title: str = "National outcomes over time",
                        window: int = 4, labels: Labels | None = None) -> Figure:
    """Small multiples of the main national outcomes, with programme starts marked.

    Args:
        national: ``national.parquet``: ``step`` and one column per metric.
        interventions: The manifest's ``interventions`` (for the vertical marks); optional.
        metrics: Metrics to draw (those missing from the table are skipped).
        title: Figure title.
        window: Weeks of the rolling mean drawn over the weekly values.
        labels: The metrics' labels (None: column names, unscaled).

    Returns:
        The figure (size ``style.SIZES["national"]``).
    """
    fig = style.new_figure("national", f"{title} (thin: weekly; bold: {window}-week mean)")
    present = [m for m in metrics if m in national.columns]
    n = len(present) + 1
    ncols = 4
    nrows = int(np.ceil(n / ncols))
    axes = fig.subplots(nrows, ncols, sharex=True, squeeze=False).ravel()
    steps = int(national["step"].max()) if len(national) else None
    marks = programme_marks(interventions, steps)
    colours = _mark_colours(marks)
    national = national.sort_values("step")
    for ax, name in zip(axes, present, strict=False):
        m = metric_label(name, labels)
        part = national[national["step"] > 0] if (m.kind == "count" or name in FLOWS) \
            else national
        x = _years(part["step"])
        y = part[name].to_numpy(dtype=float) * m.scale
        ax.plot(x, y, color=style.FAINT, lw=0.9)
        ax.plot(x, pd.Series(y).rolling(window, min_periods=1).mean(), color=style.MAIN,
                lw=1.8)
        _mark(ax, marks, colours)
        ax.set_title(m.label, loc="left")
        ax.set_ylabel(m.unit)
        upper = 1.0 if m.unit == "mean score, 0-1" else (100.0 if m.scale == 100 else None)
        style.pad_limits(ax, y, _min_span(name, labels), lower=0.0, upper=upper)
    for ax in axes[len(present):]:
        ax.set_axis_off()
    _legend_panel(axes[len(present)], marks, colours, programmes_from_start(interventions))
    for i, ax in enumerate(axes[:len(present)]):
        below = i + ncols
        if below >= len(present):  # nothing drawn below this panel: show its years
            ax.tick_params(labelbottom=True)
            ax.set_xlabel("Years since the start")
    return fig


# ------------------------------------------------------------------------ regions
@style.with_style
def trust_by_region(timeseries: pd.DataFrame, *, metric: str = "trust_in_sdf",
                    national: pd.DataFrame | None = None,
                    interventions: Sequence[dict] | None = None,
                    labels: Labels | None = None, whole: str = "National") -> Figure:
    """One labelled line per region of ``metric`` over time (their mean dotted).

    Args:
        timeseries: ``timeseries.parquet``: ``step``, ``region`` and the metric.
        metric: The metric to draw.
        national: ``national.parquet``, to add the line of all simulated regions; optional.
        interventions: The manifest's ``interventions``: programme starts are marked.
        labels: The metrics' labels (None: column names, unscaled).
        whole: Name of the line of ``national`` (``"National"`` when all of Mali is
            simulated, else e.g. ``"All simulated"``).

    Returns:
        The figure (size ``style.SIZES["regions"]``).
    """
    m = metric_label(metric, labels)
    fig = style.new_figure("regions", f"{m.label} by region")
    ax = fig.subplots()
    regions = _regions(timeseries)
    last = {}
    allvals = []
    for i, region in enumerate(regions):
        part = timeseries[timeseries["region"] == region].sort_values("step")
        y = part[metric].to_numpy(dtype=float) * m.scale
        x = _years(part["step"])
        ax.plot(x, y, lw=1.8, **style.region_style(str(region), i), label=region)
        last[region] = (x[-1], y[-1], i)
        allvals.append(y)
    if national is not None and metric in national.columns:
        y = national[metric].to_numpy(dtype=float) * m.scale
        x = _years(national["step"])
        ax.plot(x, y, color="#333333", lw=2.4, ls=(0, (1, 1.2)), label=whole)
        last[whole] = (x[-1], y[-1], -1)
        allvals.append(y)
    values = np.concatenate(allvals) if allvals else np.zeros(1)
    style.pad_limits(ax, values, _min_span(metric, labels), lower=0.0,
                     upper=1.0 if m.unit == "mean score, 0-1" else None)
    lo, hi = ax.get_ylim()
    names = list(last)
    ys = style.spread_labels([last[r][1] for r in names], gap=(hi - lo) * 0.045, lo=lo, hi=hi)
    xmax = max(v[0] for v in last.values()) if last else 1.0
    for name, ytext in zip(names, ys, strict=True):
        x_end, y_end, i = last[name]
        colour = "#333333" if i < 0 else style.darker(style.region_style(name, i)["color"])
        ax.annotate(name, xy=(x_end, y_end), xytext=(xmax * 1.02, ytext),
                    textcoords="data", va="center", fontsize=9, color=colour,
                    fontweight="bold" if i < 0 else "normal",
                    arrowprops={"arrowstyle": "-", "color": colour, "lw": 0.6, "alpha": 0.6})
    ax.set_xlim(0, xmax * 1.16 if xmax > 0 else 1)
    steps = int(timeseries["step"].max()) if len(timeseries) else None
    marks = programme_marks(interventions, steps)
    colours = _mark_colours(marks)
    _mark(ax, marks, colours)
    for m in marks:
        ax.text(m["step"] / WEEKS_PER_YEAR, hi, " " + m["label"].split(" (")[0], rotation=0,
                va="top", ha="left", fontsize=8, color=colours[m["name"]])
    ax.set_xlabel(YEARS)
    ax.set_ylabel(axis_label(metric, labels))
    ax.spines["bottom"].set_bounds(0, xmax)
    return fig


def _regions(timeseries: pd.DataFrame) -> list[str]:
    region = timeseries["region"]
    if isinstance(region.dtype, pd.CategoricalDtype):
        present = set(region.unique())
        return [r for r in region.cat.categories if r in present]
    return list(dict.fromkeys(region))


# ------------------------------------------------------------------------ map
def _grid(cells: pd.DataFrame, column: str) -> np.ndarray:
    shape = (int(cells["raster_rows"].iloc[0]), int(cells["raster_cols"].iloc[0]))
    out = np.full(shape, np.nan)
    out[cells["row"].to_numpy(), cells["col"].to_numpy()] = cells[column].to_numpy(dtype=float)
    return out


def _spacing(cells: pd.DataFrame) -> tuple[float, float, float, float]:
    """(lon of col 0, degrees per col, lat of row 0, degrees per row)."""

    def fit(index, coord):
        index = np.asarray(index, dtype=float)
        coord = np.asarray(coord, dtype=float)
        if np.ptp(index) == 0:
            return float(coord[0]), 1.0
        slope, intercept = np.polyfit(index, coord, 1)
        return float(intercept), float(slope)

    lon0, dlon = fit(cells["col"], cells["lon"])
    lat0, dlat = fit(cells["row"], cells["lat"])
    return lon0, dlon, lat0, dlat


def _boundaries(codes: np.ndarray, lon0, dlon, lat0, dlat, *, inner_only: bool = False
                ) -> list:
    """Segments between cells of different codes (NaN = outside).

    With ``inner_only``, only segments between two cells inside.
    """
    segs = []
    rows, cols = codes.shape
    padded = np.full((rows + 2, cols + 2), np.nan)
    padded[1:-1, 1:-1] = codes
    for r in range(rows + 1):
        for c in range(cols + 1):
            a = padded[r + 1, c + 1] if r < rows and c < cols else np.nan
            left = padded[r + 1, c] if r < rows else np.nan
            below = padded[r, c + 1] if c < cols else np.nan
            x = lon0 + (c - 0.5) * dlon
            y = lat0 + (r - 0.5) * dlat
            if r < rows and not _same(a, left) and not (
                    inner_only and (np.isnan(a) or np.isnan(left))):
                segs.append([(x, y), (x, y + dlat)])
            if c < cols and not _same(a, below) and not (
                    inner_only and (np.isnan(a) or np.isnan(below))):
                segs.append([(x, y), (x + dlon, y)])
    return segs


def _same(a: float, b: float) -> bool:
    return (np.isnan(a) and np.isnan(b)) or a == b


@style.with_style
def trust_map(cells: pd.DataFrame, *, metric: str = "trust_in_sdf",
              labels: Labels | None = None) -> Figure:
    """The grid coloured by ``metric`` at the start and the end (same scale), and the change.

    Cells without simulated community members (both values exactly 0) are left blank.
    Region boundaries are drawn; cells outside Mali (Burkina Faso, Niger), if any, are
    hatched.

    Args:
        cells: ``cells.parquet``: ``row``, ``col``, ``lat``, ``lon``, ``region``,
            ``country``, ``<metric>_start``, ``<metric>_end``, ``raster_rows/cols``.
        metric: The per-cell metric (``trust_in_sdf`` or ``armed_group_support``).
        labels: The metrics' labels (None: column names, unscaled).

    Returns:
        The figure (size ``style.SIZES["map"]``).
    """
    m = metric_label(metric, labels)
    fig = style.new_figure("map", f"{m.label}: map of the simulated cells")
    axes = fig.subplots(1, 3)
    start_col, end_col = f"{metric}_start", f"{metric}_end"
    if cells is None or len(cells) == 0 or start_col not in cells.columns:
        for ax in axes:
            style.note(ax, "No cell table in this run.")
        return fig
    cells = cells.copy()
    empty = (cells[start_col] == 0) & (cells[end_col] == 0)
    cells.loc[empty, [start_col, end_col]] = np.nan
    cells["_change"] = cells[end_col] - cells[start_col]
    lon0, dlon, lat0, dlat = _spacing(cells)
    rows, cols = int(cells["raster_rows"].iloc[0]), int(cells["raster_cols"].iloc[0])
    extent = (lon0 - dlon / 2, lon0 + (cols - 0.5) * dlon, lat0 - dlat / 2,
              lat0 + (rows - 0.5) * dlat)
    region_codes = cells["region"].astype("category").cat.codes.astype(float)
    cells["_region_code"] = region_codes
    codes = _grid(cells, "_region_code")
    segs = _boundaries(codes, lon0, dlon, lat0, dlat)
    bf = (cells["country"].astype(str) != "Mali") if "country" in cells \
        else pd.Series(False, index=cells.index)
    cells["_bf"] = np.where(bf, 1.0, 0.0)
    country = _grid(cells, "_bf")
    border = _boundaries(np.where(np.isnan(codes), np.nan, country), lon0, dlon, lat0, dlat,
                         inner_only=True) if bf.any() else []
    # Zoom to the simulated cells (one cell of margin).
    r0, r1 = cells["row"].min() - 1, cells["row"].max() + 1
    c0, c1 = cells["col"].min() - 1, cells["col"].max() + 1
    xlim = sorted((lon0 + (c0 - 0.5) * dlon, lon0 + (c1 + 0.5) * dlon))
    ylim = sorted((lat0 + (r0 - 0.5) * dlat, lat0 + (r1 + 0.5) * dlat))
    aspect = 1 / np.cos(np.deg2rad(np.nanmean(cells["lat"])))
    xlim, ylim = _fill_box(xlim, ylim, aspect, _MAP_BOX)

    values = pd.concat([cells[start_col], cells[end_col]]).to_numpy(dtype=float) * m.scale
    finite = values[np.isfinite(values)]
    vmin, vmax = (np.percentile(finite, [1, 99]) if finite.size else (0.0, 1.0))
    norm = Normalize(vmin=float(vmin), vmax=float(vmax))
    change = cells["_change"].to_numpy(dtype=float) * m.scale
    lim = float(np.nanpercentile(np.abs(change), 99)) if np.isfinite(change).any() else 0.0
    lim = lim or 1e-3
    cnorm = TwoSlopeNorm(vcenter=0.0, vmin=-lim, vmax=lim)
    cmap = colormaps[style.SEQUENTIAL].with_extremes(bad="#FFFFFF")
    dmap = colormaps[style.DIVERGING].with_extremes(bad="#FFFFFF")
    panels = [(start_col, "At the start", cmap, norm, m.scale),
              (end_col, "At the end", cmap, norm, m.scale),
              ("_change", "Change, end minus start", dmap, cnorm, m.scale)]
    centroids = _centroids(cells)
    images = []
    for ax, (col, label, cm, nm, scale) in zip(axes, panels, strict=True):
        grid = _grid(cells, col) * scale
        images.append(ax.imshow(grid, origin="lower", extent=extent, cmap=cm, norm=nm,
                                interpolation="nearest"))
        ax.add_collection(LineCollection(segs, colors="#FFFFFF", linewidths=1.6))
        ax.add_collection(LineCollection(segs, colors="#222222", linewidths=0.6))
        if bf.any():
            ax.add_collection(PatchCollection(
                [Rectangle((lon - dlon / 2, lat - dlat / 2), dlon, dlat)
                 for lon, lat in cells.loc[bf, ["lon", "lat"]].to_numpy()],
                facecolor="none", edgecolor="#000000", linewidth=0, hatch="////", alpha=0.6))
        if border:
            ax.add_collection(LineCollection(border, colors="#000000", linewidths=2.2))
        ax.set_xlim(*xlim)
        ax.set_ylim(*ylim)
        _label_regions(ax, centroids)
        ax.set_title(label, loc="left")
        ax.set_aspect(aspect)
        ax.set_xlabel("Longitude (°E)")
        ax.grid(False)
    axes[0].set_ylabel("Latitude (°N)")
    unit = m.unit
    note = "; hatched: outside Mali (thick line: the border)" if bf.any() else ""
    named = f"{m.label} ({unit})" if unit else m.label
    fig.colorbar(images[0], ax=axes[:2], location="bottom", shrink=0.6, pad=0.02,
                 label=f"{named}; blank: no simulated members{note}")
    change = difference_unit(m)
    fig.colorbar(images[2], ax=axes[2], location="bottom", shrink=0.9, pad=0.02,
                 label=f"Change ({change})" if change else "Change")
    return fig


#: Width / height of one map panel in the figure (inches / inches), roughly.
_MAP_BOX = 1.05


def _fill_box(xlim, ylim, aspect: float, box: float) -> tuple[list, list]:
    """Widen the shorter side of the limits so that the map fills a panel of ratio ``box``."""
    (x0, x1), (y0, y1) = xlim, ylim
    width, height = x1 - x0, (y1 - y0) * aspect
    if width / height > box:  # too wide: more latitude
        extra = (width / box - height) / aspect / 2
        y0, y1 = y0 - extra, y1 + extra
    else:
        extra = (height * box - width) / 2
        x0, x1 = x0 - extra, x1 + extra
    return [x0, x1], [y0, y1]


def _centroids(cells: pd.DataFrame) -> list[tuple[str, float, float, int]]:
    out = []
    for region, part in cells.groupby("region", observed=True, sort=False):
        name = str(region)
        if "country" in part and (part["country"].astype(str) != "Mali").all():
            name = f"{name}\n({part['country'].iloc[0]})"
        out.append((name, float(part["lon"].mean()), float(part["lat"].mean()), len(part)))
    return out


def _label_regions(ax, centroids) -> None:
    for name, lon, lat, n in centroids:
        if n <= 2:  # a city region (Bamako): a dot and a label beside it
            ax.plot(lon, lat, "o", ms=4, color="#000000", mec="#FFFFFF", mew=1.0)
            ax.text(lon - 0.35, lat - 0.35, name, ha="right", va="top", fontsize=7.5,
                    path_effects=HALO)
        else:
            ax.text(lon, lat, name, ha="center", va="center", fontsize=8,
                    fontweight="bold", path_effects=HALO)


# ------------------------------------------------------------------------ events
_PARTS = (style.OKABE_ITO["orange"], style.OKABE_ITO["bluish_green"],
          style.OKABE_ITO["reddish_purple"])

@style.with_style
def events(national: pd.DataFrame, interventions: Sequence[dict] | None = None, *,
           window: int = 4, labels: Labels | None = None) -> Figure:
    """Weekly events: violence, civilian harm, dialogue sessions and new recruits.

    Each panel shows the weekly values (faint) and their trailing ``window``-week mean.

    Args:
        national: ``national.parquet``.
        interventions: The manifest's ``interventions`` (for the vertical marks); optional.
        window: Weeks of the rolling mean.
        labels: The metrics' labels (None: column names).

    Returns:
        The figure (size ``style.SIZES["events"]``).
    """
    fig = style.new_figure("events", f"Events per week (bold: {window}-week rolling mean)")
    axes = fig.subplots(2, 2, sharex=True).ravel()
    nat = national[national["step"] > 0].sort_values("step")  # step 0 records no events
    x = _years(nat["step"])
    steps = int(national["step"].max()) if len(national) else None
    marks = programme_marks(interventions, steps)
    colours = _mark_colours(marks)
    breakdown = {
        "attacks": ["attacks_on_forces", "attacks_on_civilians", "communal_clashes"],
        "civilian_harm": ["harm_by_forces"],
    }
    for ax, name in zip(axes, EVENTS, strict=True):
        m = metric_label(name, labels)
        ax.set_title(m.label, loc="left")
        if name not in nat.columns:
            style.note(ax, f"{name}: not recorded in this run")
            continue
        y = nat[name].to_numpy(dtype=float)
        ax.plot(x, y, color=style.FAINT, lw=0.8, label="weekly")
        ax.plot(x, pd.Series(y).rolling(window, min_periods=1).mean(), color=style.MAIN,
                lw=2.0, label=f"{m.label.lower()}, {window}-week mean")
        for i, part in enumerate(breakdown.get(name, [])):
            if part in nat.columns:  # colours unlike the programme marks (vermillion first)
                ax.plot(x, nat[part].rolling(window, min_periods=1).mean(), lw=1.3,
                        color=_PARTS[i % len(_PARTS)],
                        label=metric_label(part, labels).label.lower())
        _mark(ax, marks, colours)
        ax.set_ylabel(m.unit)
        top = float(np.nanmax(y)) if len(y) else 1.0
        if name in breakdown:  # room for the legend above the lines
            ax.set_ylim(0, max(top, 1.0) * 1.35)
            ax.legend(loc="upper left", ncols=2, fontsize=7.5)
        else:
            ax.set_ylim(0, max(top, 1.0) * 1.05)
    for ax in axes[2:]:
        ax.set_xlabel(YEARS)
    if marks:
        handles = [Line2D([], [], color=colours[mk["name"]], lw=1.4,
                          ls="-" if mk["what"] == "starts" else "--") for mk in marks]
        fig.legend(handles, [mk["label"] for mk in marks], loc="outside lower center",
                   ncols=min(2, len(marks)), fontsize=8)
    return fig


# ------------------------------------------------------------------------ published models
@style.with_style
def published_timeseries(national: pd.DataFrame, model: str = "", *,
                         labels: Labels | None = None) -> Figure:
    """Every series of a published special case (model=epstein, model=bennett).

    Args:
        national: The run's ``national.parquet`` (``step`` and one column per series).
        model: The model's name, for the title.
        labels: The series' labels (None: column names).

    Returns:
        The figure (size ``style.SIZES["published"]``).
    """
    names = {"epstein": "Epstein (2002) civil violence", "bennett": "Bennett (2008) insurgency"}
    fig = style.new_figure("published", f"{names.get(model, model or 'Model')}: series per step")
    columns = [c for c in national.columns if c != "step"
               and pd.api.types.is_numeric_dtype(national[c])][:16]
    if not columns:
        style.note(fig.subplots(), "No series recorded.")
        return fig
    ncols = 2 if len(columns) <= 4 else 4
    nrows = int(np.ceil(len(columns) / ncols))
    axes = fig.subplots(nrows, ncols, sharex=True, squeeze=False).ravel()
    for ax, name in zip(axes, columns, strict=False):
        m = metric_label(name, labels)
        ax.plot(national["step"], national[name], color=style.MAIN, lw=1.4)
        ax.set_title(m.label, loc="left")
        if m.unit:
            ax.set_ylabel(m.unit)
    for ax in axes[len(columns):]:
        ax.set_axis_off()
    fig.supxlabel("Step (one round of the model)")
    return fig
