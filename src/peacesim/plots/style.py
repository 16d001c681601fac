"""The look shared by every figure: palette, sizes, fonts, saving.

Colours are Okabe & Ito's (2008) palette, distinguishable with the common forms of colour
blindness; beyond seven series, line styles repeat the colours with dashes. Maps use
``cividis`` (sequential, colour-blind safe, monotonic in lightness) and differences ``PuOr``
(diverging, colour-blind safe).

Figures are built on :class:`matplotlib.figure.Figure` directly, not through ``pyplot``, so
drawing holds no global state and does not change a notebook's backend; the Agg backend is
selected only if ``pyplot`` has not already been imported by the user.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import matplotlib

if "matplotlib.pyplot" not in sys.modules:  # do not switch a notebook's backend
    matplotlib.use("Agg")

import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from peacesim.io import atomic_write  # noqa: E402

#: Okabe & Ito (2008), "Color Universal Design", https://jfly.uni-koeln.de/color/
OKABE_ITO: dict[str, str] = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}

#: Series colours in order (yellow last: faint on white).
CYCLE: tuple[str, ...] = tuple(OKABE_ITO[k] for k in (
    "blue", "orange", "bluish_green", "vermillion", "reddish_purple", "sky_blue", "black",
    "yellow"))
#: Paul Tol's "muted" scheme (https://personal.sron.nl/~pault/): nine colours distinguishable
#: with colour blindness, for the regions (one colour each for Mali's nine).
TOL_MUTED: tuple[str, ...] = ("#332288", "#88CCEE", "#44AA99", "#117733", "#999933",
                              "#DDCC77", "#CC6677", "#882255", "#AA4499")
#: Line styles that extend the seven strong colours to more series.
DASHES: tuple[str, ...] = ("-", "--", ":", "-.")

#: Colour of the main line of a single-series panel, and of its faint weekly values.
MAIN = OKABE_ITO["blue"]
FAINT = "#9DB9D6"
GRID = "#E3E3E3"
SEQUENTIAL = "cividis"
DIVERGING = "PuOr"

#: Pixels per inch of every saved figure.
DPI = 110

#: Size in inches of each figure, by name (tests check the PNGs' pixel sizes against these).
SIZES: dict[str, tuple[float, float]] = {
    "national": (12.0, 6.6),
    "regions": (11.0, 6.2),
    "map": (13.0, 5.5),
    "events": (12.0, 6.6),
    "published": (12.0, 6.6),
    "sweep_lines": (12.0, 6.6),
    "sweep_heatmap": (8.0, 6.4),
    "sweep_paired": (12.0, 6.6),
    "sweep_seeds": (12.0, 6.6),
}

RC = {
    "font.size": 9.5,
    "axes.titlesize": 10.5,
    "axes.titleweight": "bold",
    "axes.labelsize": 9.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": GRID,
    "grid.linewidth": 0.8,
    "legend.frameon": False,
    "legend.fontsize": 8.5,
    "xtick.labelsize": 8.5,
    "ytick.labelsize": 8.5,
    "figure.titlesize": 13,
    "figure.titleweight": "bold",
}


def pixel_size(name: str) -> tuple[int, int]:
    """(width, height) in pixels of the saved figure ``name``."""
    w, h = SIZES[name]
    return round(w * DPI), round(h * DPI)


def new_figure(name: str, title: str | None = None) -> Figure:
    """An empty figure of the size registered for ``name``, with constrained layout."""
    fig = Figure(figsize=SIZES[name], dpi=DPI, layout="constrained")
    if title:
        fig.suptitle(title, x=0.01, ha="left")
    return fig


def series_style(i: int) -> dict:
    """Colour and line style of the ``i``-th series (colours first, then dashes)."""
    strong = len(CYCLE) - 1  # yellow only as a last resort
    return {"color": CYCLE[i % strong], "linestyle": DASHES[(i // strong) % len(DASHES)]}


#: A fixed colour per region, so a region looks the same in every figure of every run.
REGION_COLOURS: dict[str, str] = dict(zip(
    ("Kayes", "Koulikoro", "Sikasso", "Ségou", "Mopti", "Tombouctou", "Gao", "Kidal", "Bamako"),
    TOL_MUTED, strict=True))


def region_style(region: str, i: int = 0) -> dict:
    """Colour and line style of a region.

    Mali's regions have a fixed colour; another region (Hauts-Bassins) gets the ``i``-th
    colour, dashed.
    """
    if region in REGION_COLOURS:
        return {"color": REGION_COLOURS[region], "linestyle": "-"}
    return {"color": TOL_MUTED[i % len(TOL_MUTED)], "linestyle": "--"}


def darker(colour: str, amount: float = 0.35) -> tuple[float, float, float]:
    """``colour`` mixed with black (for text in a light colour)."""
    from matplotlib.colors import to_rgb

    return tuple(c * (1 - amount) for c in to_rgb(colour))


def with_style(draw):
    """Decorator: run a figure function inside peacesim's rc settings."""

    def wrapped(*args, **kwargs):
        with matplotlib.rc_context(RC):
            return draw(*args, **kwargs)

    wrapped.__name__ = draw.__name__
    wrapped.__qualname__ = draw.__qualname__
    wrapped.__doc__ = draw.__doc__
    wrapped.__wrapped__ = draw
    return wrapped


def pad_limits(ax, values: np.ndarray, min_span: float, lower: float | None = None,
               upper: float | None = None) -> None:
    """Set y-limits to the data, but never narrower than ``min_span``.

    Keeps noise in a flat series from looking like a trend: a trust score that moves by
    0.002 is drawn nearly flat, not from the bottom of the panel to the top.
    """
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return
    lo, hi = float(v.min()), float(v.max())
    span = max(hi - lo, min_span)
    mid = (lo + hi) / 2
    lo, hi = mid - span * 0.55, mid + span * 0.55
    if lower is not None and lo < lower:
        hi, lo = hi + (lower - lo), lower
    if upper is not None and hi > upper:
        lo, hi = max(lo - (hi - upper), lower if lower is not None else -np.inf), upper
    ax.set_ylim(lo, hi)


def spread_labels(y: Sequence[float], gap: float, lo: float, hi: float) -> np.ndarray:
    """Move label positions apart so that neighbours are at least ``gap`` apart.

    Args:
        y: Wanted positions (data units).
        gap: Minimum distance between two labels.
        lo: Lowest allowed position.
        hi: Highest allowed position.

    Returns:
        Positions in the input order, as close to the wanted ones as the gap allows.
    """
    y = np.asarray(y, dtype=float)
    order = np.argsort(y)
    pos = y[order].copy()
    for _ in range(50):
        moved = False
        for i in range(1, len(pos)):
            if pos[i] - pos[i - 1] < gap:
                push = (gap - (pos[i] - pos[i - 1])) / 2
                pos[i - 1] -= push
                pos[i] += push
                moved = True
        if len(pos):
            if pos[0] < lo:
                pos += lo - pos[0]
            if pos[-1] > hi:
                pos -= pos[-1] - hi
        if not moved:
            break
    out = np.empty_like(pos)
    out[order] = pos
    return out


def note(ax, text: str) -> None:
    """Replace a panel's contents by a centred note (for what cannot be drawn)."""
    ax.set_axis_off()
    ax.text(0.5, 0.5, text, ha="center", va="center", wrap=True, transform=ax.transAxes,
            color="#444444")


def save_figure(fig: Figure, path: str | Path, *, close: bool = True) -> Path:
    """Write ``fig`` as a PNG at ``path`` atomically (a temporary file renamed into place).

    The size is the figure's own (no tight bounding box), so a figure of a given name always
    has the same pixel size.

    Args:
        fig: The figure.
        path: Where to write the PNG.
        close: Release the figure's memory afterwards (it cannot be drawn again).

    Returns:
        The path written.
    """
    path = Path(path)

    def write(tmp: Path) -> None:
        with matplotlib.rc_context(RC):
            fig.savefig(tmp, format="png", dpi=fig.dpi, metadata={"Software": "peacesim"})

    atomic_write(path, write)
    if close:
        fig.clear()
    return path
