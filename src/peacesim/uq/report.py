"""Figures and the HTML report of the uncertainty instruments: functions of their tables."""

from __future__ import annotations

import html
import math
from pathlib import Path

import numpy as np
import pandas as pd


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path: Path) -> Path:
    from peacesim.io import atomic_write

    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, lambda p: fig.savefig(p, dpi=110, bbox_inches="tight", format="png"))
    _plt().close(fig)
    return path


def morris_figure(indices: pd.DataFrame, outcome: str, path: Path, *, labels: int = 12,
                  quiet_listed: int = 8) -> Path:
    """mu* against sigma for one outcome; the dummy parameter marked as the noise floor.

    Args:
        indices: Morris indices (``parameter``, ``outcome``, ``mu_star``, ``mu_star_conf``,
            ``sigma``).
        outcome: The outcome to draw.
        path: Where to save the figure.
        labels: Name at most this many points above the noise floor, the largest mu* first
            (a screen of 160 factors cannot name them all legibly); the dummy is always named.
        quiet_listed: List at most this many names at or below the floor in the corner,
            then how many more there are.
    """
    plt = _plt()
    rows = indices[indices["outcome"] == outcome]
    floor = rows.loc[rows["parameter"] == "dummy", "mu_star"]
    floor = float(floor.iloc[0]) if len(floor) else 0.0
    above = rows[(rows["parameter"] != "dummy") & (rows["mu_star"] > floor)]
    named = set(above.nlargest(labels, "mu_star")["parameter"]) | {"dummy"}
    fig, ax = plt.subplots(figsize=(6.5, 4.8))
    quiet = []
    for r in rows.sort_values("mu_star", ascending=False).itertuples():
        dummy = r.parameter == "dummy"
        ax.errorbar(r.mu_star, r.sigma, xerr=r.mu_star_conf, fmt="s" if dummy else "o",
                    color="grey" if dummy else "C0", capsize=3)
        if r.parameter in named:
            ax.annotate(r.parameter, (r.mu_star, r.sigma), fontsize=8, xytext=(4, 4),
                        textcoords="offset points")
        elif r.mu_star <= floor:
            quiet.append(r.parameter)
    ax.axvline(floor, color="grey", ls="--", lw=0.8)
    unnamed = len(above) - len(named - {"dummy"})
    notes = []
    if unnamed > 0:
        notes.append(f"{unnamed} more above the floor, not named")
    if quiet:
        shown = quiet[:quiet_listed]
        more = f"\n... and {len(quiet) - len(shown)} more" if len(quiet) > len(shown) else ""
        notes.append("at or below the dummy (noise floor):\n" + "\n".join(shown) + more)
    if notes:
        ax.text(0.99, 0.01, "\n".join(notes), transform=ax.transAxes, ha="right",
                va="bottom", fontsize=7, color="grey")
    ax.set_xlabel("mu* (mean |elementary effect|)")
    ax.set_ylabel("sigma (spread of elementary effects)")
    ax.set_title(f"Morris screen: {outcome}")
    ax.grid(alpha=0.3)
    return _save(fig, path)


def bars_figure(indices: pd.DataFrame, outcome: str, path: Path) -> Path:
    """First-order (S1) and total (ST) indices with their intervals, one pair per parameter."""
    plt = _plt()
    rows = indices[indices["outcome"] == outcome]
    x = np.arange(len(rows))
    fig, ax = plt.subplots(figsize=(max(5, 0.8 * len(rows) + 2), 4))
    ax.bar(x - 0.2, rows["S1"], 0.4, yerr=rows["S1_conf"], label="S1 (first order)", capsize=3)
    ax.bar(x + 0.2, rows["ST"], 0.4, yerr=rows["ST_conf"], label="ST (total)", capsize=3)
    ax.set_xticks(x, rows["parameter"], rotation=30, ha="right")
    ax.axhline(0, color="k", lw=0.5)
    ax.set_ylabel("share of output variance")
    ax.set_title(f"Variance-based indices: {outcome}")
    ax.legend()
    return _save(fig, path)


def convergence_figure(conv: pd.DataFrame, index: str, path: Path) -> Path:
    """Each parameter's index against the number of model runs, one panel per outcome."""
    plt = _plt()
    outcomes = list(dict.fromkeys(conv["outcome"]))
    ncols = min(3, len(outcomes))
    nrows = math.ceil(len(outcomes) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.6 * ncols, 3.6 * nrows), squeeze=False)
    colours = plt.get_cmap("tab20").colors
    for ax, outcome in zip(axes.flat, outcomes, strict=False):
        sub = conv[conv["outcome"] == outcome]
        for k, (name, g) in enumerate(sub.groupby("parameter", sort=False)):
            ax.plot(g["runs"], g[index], marker="o", ls="--" if name == "dummy" else "-",
                    color="grey" if name == "dummy" else colours[k % len(colours)],
                    label=name)
        ax.set_xscale("log")
        ax.set_xlabel("model runs")
        ax.set_ylabel(index)
        ax.set_title(outcome, fontsize=9)
    for ax in list(axes.flat)[len(outcomes):]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=7)
    fig.suptitle("Convergence of the indices")
    fig.tight_layout(rect=(0, 0, 1, 0.96))
    return _save(fig, path)


def effects_figure(effects: pd.DataFrame, path: Path) -> Path:
    """Each outcome's effect with its 90 % interval, beside the practical threshold."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(effects) + 1.5))
    y = np.arange(len(effects))
    lo = effects["effect"] - effects["low"]
    hi = effects["high"] - effects["effect"]
    ax.errorbar(effects["effect"], y, xerr=[lo, hi], fmt="o", capsize=3)
    for k, t in enumerate(effects["threshold"]):
        if isinstance(t, float) and math.isfinite(t):
            ax.plot([-t, t], [k, k], "|", color="red", ms=10)
    ax.axvline(0, color="k", lw=0.5)
    ax.set_yticks(y, effects["outcome"])
    ax.set_xlabel("effect (scenario minus counterfactual); red: practical threshold")
    return _save(fig, path)


def predictive_figure(pred: pd.DataFrame, path: Path) -> Path:
    """Posterior predictive: simulated targets (median, 5-95 %) against the data."""
    plt = _plt()
    pred = pred.reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(7, 0.35 * len(pred) + 1.5))
    y = np.arange(len(pred))
    scale = pred["observed"].abs().where(pred["observed"].abs() > 0, 1.0)
    ax.errorbar(pred["median"] / scale, y, xerr=[(pred["median"] - pred["low"]) / scale,
                                                 (pred["high"] - pred["median"]) / scale],
                fmt="o", capsize=2, label="simulated (accepted sets: median, 5-95 %)")
    ax.plot(pred["observed"] / scale, y, "x", color="red", label="data")
    ax.set_yticks(y, pred["target"], fontsize=7)
    ax.set_xlabel("value / |data value|")
    ax.legend(fontsize=7)
    ax.set_title("Posterior predictive check")
    return _save(fig, path)


def ensemble_figure(rows: pd.DataFrame, outcomes: list[str], path: Path) -> Path:
    """Each outcome's values by design row (one dot per seed, the mean as a bar)."""
    plt = _plt()
    outcomes = outcomes or [c for c in rows.columns if c.endswith("_mean")][:4]
    fig, axes = plt.subplots(1, len(outcomes), figsize=(4 * len(outcomes), 3.4), squeeze=False)
    for ax, outcome in zip(axes[0], outcomes, strict=True):
        means = rows.groupby("row")[outcome].mean()
        ax.scatter(rows["row"], rows[outcome], s=8, alpha=0.5)
        ax.plot(means.index, means.to_numpy(), "_", color="k", ms=14)
        ax.set_xlabel("design row")
        ax.set_title(outcome, fontsize=9)
    return _save(fig, path)


def write_report(folder: Path, title: str, intro: list[str], tables: dict[str, pd.DataFrame],
                 figures: list[Path]) -> Path:
    """A self-contained HTML page: paragraphs, the figures (relative links), then tables."""
    from peacesim.io import write_text

    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}"
             "</title><style>body{font-family:sans-serif;max-width:70em;margin:2em auto}"
             "table{border-collapse:collapse;font-size:90%}td,th{border:1px solid #ccc;"
             "padding:2px 6px}</style></head><body>", f"<h1>{html.escape(title)}</h1>"]
    parts += [f"<p>{html.escape(p)}</p>" for p in intro]
    for fig in figures:
        rel = Path(fig).relative_to(folder)
        parts.append(f"<p><img src='{html.escape(str(rel))}' style='max-width:100%'></p>")
    for name, table in tables.items():
        parts.append(f"<h2>{html.escape(name)}</h2>")
        parts.append(table.to_html(index=False, float_format=lambda v: f"{v:.4g}"))
    parts.append("</body></html>")
    return write_text(folder / "report.html", "\n".join(parts))
