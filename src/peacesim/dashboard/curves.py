"""Regional curves as small SVG line charts: the scenario solid, the counterfactual dashed.

Plain SVG text built from the recorded ``[step, region]`` arrays: no plotting library per
frame and no JavaScript chart bundle, so the page stays offline and a frame costs about a
millisecond. The x axis always spans the whole run (weeks 0..steps), so curves grow across a
fixed frame.
"""

from __future__ import annotations

from html import escape

import numpy as np

from peacesim.plots.labels import metric_label

#: Region colours (Okabe-Ito, colour-blind safe), in the model's region order.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
           "#000000", "#999999", "#882255")

WIDTH, HEIGHT = 380, 170
LEFT, RIGHT, TOP, BOTTOM = 46, 8, 22, 24


def _points(x: np.ndarray, y: np.ndarray) -> str:
    return " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(x, y, strict=True))


def panel(metric: str, scenario: np.ndarray, counterfactual: np.ndarray, steps: int) -> str:
    """One chart of a metric by region.

    Args:
        metric: Metric name (its label and scale come from :mod:`peacesim.plots.labels`).
        scenario: Recorded values so far, float [weeks so far + 1, regions].
        counterfactual: The counterfactual run's values, same shape.
        steps: Weeks of the whole run (the x axis's end).

    Returns:
        An ``<svg>`` element as text.
    """
    label = metric_label(metric)
    a = scenario * label.scale
    b = counterfactual * label.scale
    both = np.concatenate([a.ravel(), b.ravel()])
    lo, hi = (float(both.min()), float(both.max())) if both.size else (0.0, 1.0)
    if hi - lo < 1e-9:
        lo, hi = lo - 0.5 * max(abs(lo), 1e-3), hi + 0.5 * max(abs(hi), 1e-3)
    pad = 0.08 * (hi - lo)
    lo, hi = lo - pad, hi + pad
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    weeks = np.arange(a.shape[0])
    x = LEFT + weeks * plot_w / max(steps, 1)

    def ys(values: np.ndarray) -> np.ndarray:
        return TOP + (hi - values) * plot_h / (hi - lo)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
             f'class="peacesim-curve" data-metric="{escape(metric)}">',
             f'<text x="{LEFT}" y="14" font-size="12" font-weight="600">'
             f'{escape(label.label)} ({escape(label.unit)})</text>',
             f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="none" '
             'stroke="#ccc"/>']
    for value in (lo + pad, hi - pad):
        parts.append(f'<text x="{LEFT - 4}" y="{ys(value) + 4:.1f}" font-size="10" '
                     f'text-anchor="end">{value:.3g}</text>')
    for week, anchor in ((0, "start"), (steps, "end")):
        parts.append(f'<text x="{LEFT + week * plot_w / max(steps, 1):.1f}" '
                     f'y="{HEIGHT - 8}" font-size="10" text-anchor="{anchor}">week {week}</text>')
    for r in range(a.shape[1]):
        colour = PALETTE[r % len(PALETTE)]
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="1.5" '
                     f'stroke-dasharray="4 3" points="{_points(x, ys(b[:, r]))}"/>')
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="1.5" '
                     f'points="{_points(x, ys(a[:, r]))}"/>')
    parts.append("</svg>")
    return "".join(parts)


def legend(region_names: tuple[str, ...]) -> str:
    """HTML legend: one colour per region; solid = scenario, dashed = counterfactual."""
    items = [f'<span style="color:{PALETTE[i % len(PALETTE)]}">&#9632;</span> {escape(name)}'
             for i, name in enumerate(region_names)]
    return ("<div style='font-size:12px'>" + " &nbsp; ".join(items)
            + " &nbsp; | &nbsp; solid: scenario, dashed: counterfactual</div>")
