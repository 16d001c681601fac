"""Map layers of the dashboard and their drawing: NumPy raster -> RGBA -> PNG bytes.

Drawn straight from the model's raster arrays (no matplotlib figure per frame): a layer is
cropped to the simulated regions, coloured through a 256-entry lookup table and encoded by
Pillow at one pixel per cell; the page enlarges it with ``image-rendering: pixelated``, so
each cell shows as a square block and a frame's PNG is a few kilobytes. Cells outside the
simulated regions are transparent.

A new layer is one line in :data:`LAYERS`: a name, a label, a unit, a function of the model
that returns the raster (NaN outside) in that unit, the colour scale's ends and a colour map.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import numpy as np


@dataclass(frozen=True)
class Layer:
    """One map layer.

    Attributes:
        name: Identifier (``trust_in_sdf``).
        label: Readable name.
        unit: Unit of the values ``values`` returns.
        values: The model's raster of this quantity (float [rows, cols], NaN outside).
        lo: Value drawn with the first colour (lower values too).
        hi: Value drawn with the last colour (higher values too).
        colours: A matplotlib colour map name.
    """

    name: str
    label: str
    unit: str
    values: Callable[[object], np.ndarray]
    lo: float
    hi: float
    colours: str


def _per_member(column: str, members: str = "members") -> Callable[[object], np.ndarray]:
    def values(model) -> np.ndarray:
        c = model.cells
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(c[members] > 0, c[column] / c[members], np.nan)
        return model.world.to_raster(mean)

    return values


def _support(model) -> np.ndarray:
    # As in the run folder's cells.parquet: sympathisers over everyone in the cell.
    counts = model.people.counts
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(counts > 0, model.cells["sympathisers"] / np.maximum(counts, 1), np.nan)
    return model.world.to_raster(100.0 * share)


#: The layers, in the order the page offers them (displacement is not in the model yet).
LAYERS: tuple[Layer, ...] = (
    Layer("trust_in_sdf", "Trust in the security forces", "mean score, 0-1",
          lambda m: m.trust_by_cell(), 0.0, 1.0, "viridis"),
    Layer("armed_group_support", "Support for armed groups", "% of members", _support,
          0.0, 50.0, "magma_r"),
    Layer("violence", "Risk of harm from violence", "per 1,000 people per week",
          lambda m: 1000.0 * m.cell_values("p_harm_violence"), 0.0, 5.0, "Reds"),
    Layer("social_cohesion", "Social cohesion", "mean score, 0-1",
          _per_member("cohesion_sum"), 0.0, 1.0, "cividis"),
    Layer("forces_information", "Forces' knowledge of armed groups", "mean score, 0-1",
          lambda m: m.cell_values("info"), 0.0, 1.0, "Blues"),
    Layer("forces_reputation", "Forces' reputation", "score, 0-1",
          lambda m: m.cell_values("reputation"), 0.0, 1.0, "viridis"),
    Layer("abuse_memory", "Recent abuses by the forces", "events remembered",
          lambda m: m.cell_values("abuse_memory"), 0.0, 3.0, "Reds"),
)

LAYER_BY_NAME: dict[str, Layer] = {layer.name: layer for layer in LAYERS}


@cache
def colour_table(name: str) -> np.ndarray:
    """256 RGBA colours (uint8 [256, 4]) of a matplotlib colour map."""
    from matplotlib import colormaps

    return (colormaps[name](np.linspace(0.0, 1.0, 256)) * 255).round().astype(np.uint8)


def css_gradient(name: str, stops: int = 11) -> str:
    """A CSS ``linear-gradient`` of a colour map, for the legend."""
    table = colour_table(name)
    picks = table[np.linspace(0, 255, stops).round().astype(int)]
    colours = ", ".join(f"rgb({r},{g},{b})" for r, g, b, _ in picks)
    return f"linear-gradient(to right, {colours})"


def crop_box(raster: np.ndarray) -> tuple[slice, slice]:
    """Rows and columns of the smallest box holding every finite cell."""
    rows = np.flatnonzero(np.isfinite(raster).any(axis=1))
    cols = np.flatnonzero(np.isfinite(raster).any(axis=0))
    if rows.size == 0:
        return slice(0, raster.shape[0]), slice(0, raster.shape[1])
    return slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1)


def to_rgba(raster: np.ndarray, layer: Layer) -> np.ndarray:
    """Colour a raster, NaN transparent (uint8 [rows, cols, 4])."""
    finite = np.isfinite(raster)
    t = (np.where(finite, raster, layer.lo) - layer.lo) / (layer.hi - layer.lo)
    index = np.clip(np.rint(t * 255.0), 0, 255).astype(np.intp)
    rgba = colour_table(layer.colours)[index]
    rgba[~finite] = 0
    return rgba


def png(rgba: np.ndarray) -> bytes:
    """PNG bytes of an RGBA image (fast compression: the image is mostly flat blocks)."""
    from PIL import Image

    out = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(out, format="PNG", compress_level=1)
    return out.getvalue()


def draw(model, layer: Layer, box: tuple[slice, slice]) -> bytes:
    """PNG of ``layer`` for ``model``, cropped to ``box``, one pixel per cell."""
    return png(to_rgba(layer.values(model)[box], layer))


def display_width(box: tuple[slice, slice], size_px: int = 360) -> int:
    """Width in pixels at which the page shows a map cropped to ``box``.

    Each cell becomes an integer number of pixels, so that the longer side is about
    ``size_px``.
    """
    rows, cols = box[0].stop - box[0].start, box[1].stop - box[1].start
    return cols * max(1, size_px // max(rows, cols, 1))
