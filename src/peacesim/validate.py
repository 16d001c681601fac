"""Model against data: ``python -m peacesim validate RUN_DIR --targets FILE``.

Reads a run folder's ``annual.parquet`` and a targets table (``year, region, metric, value``
and optional ``unit``, ``source``, ``tag``; for instance ``../shared/data/mali_targets.csv``)
and prints, for every target row, the model's value beside it (missing where the run does not
cover that year or metric), then draws ``validation.png`` in the run folder: model against
data, one panel per metric, one point per region and year, on log axes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from peacesim.io import atomic_write


class ValidationInputError(ValueError):
    """A run folder or targets file that cannot be read (one line, exit 2 on the CLI)."""


def read_targets(path: str | Path) -> pd.DataFrame:
    """The targets table, checked for its columns."""
    path = Path(path)
    if not path.is_file():
        raise ValidationInputError(f"--targets {path}: no such file")
    try:
        table = pd.read_csv(path)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as err:
        raise ValidationInputError(f"--targets {path}: not a readable CSV ({err})") from None
    missing = [c for c in ("year", "region", "metric", "value") if c not in table]
    if missing:
        raise ValidationInputError(f"--targets {path}: no column {missing[0]!r} (needs year, "
                                   "region, metric, value)")
    return table


def compare(run_dir: str | Path, targets: pd.DataFrame) -> pd.DataFrame:
    """Every target row with the model's value (``model``, NaN where not covered)."""
    path = Path(run_dir) / "annual.parquet"
    if not path.is_file():
        raise ValidationInputError(f"{run_dir}: no annual.parquet (run it again with this "
                                   "version of peacesim)")
    annual = pd.read_parquet(path)
    model = annual.rename(columns={"value": "model"})[["year", "region", "metric", "model"]]
    return targets.merge(model, on=["year", "region", "metric"], how="left")


def figure(table: pd.DataFrame, path: str | Path) -> None:
    """Model against data, one panel per metric the run covers (log-log, 1:1 line)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    covered = table.dropna(subset=["model"])
    metrics = list(dict.fromkeys(covered["metric"]))
    n = max(len(metrics), 1)
    cols = min(4, n)
    rows = -(-n // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.4 * cols, 3.2 * rows), squeeze=False)
    for ax in axes.ravel()[n:]:
        ax.axis("off")
    for ax, metric in zip(axes.ravel(), metrics, strict=False):
        part = covered[covered["metric"] == metric]
        for year, marker in zip(sorted(part["year"].unique()), "os^v", strict=False):
            rows_y = part[part["year"] == year]
            ax.scatter(rows_y["value"] + 1, rows_y["model"] + 1, marker=marker, s=22,
                       label=str(year))
            for _, r in rows_y.iterrows():
                if r["region"] in ("national", "mopti", "gao", "kidal", "tombouctou"):
                    ax.annotate(r["region"][:4], (r["value"] + 1, r["model"] + 1), fontsize=6)
        top = max(part["value"].max(), part["model"].max()) + 1
        ax.plot([1, top], [1, top], color="grey", lw=0.8)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(metric, fontsize=9)
        ax.set_xlabel("data + 1", fontsize=8)
        ax.set_ylabel("model + 1", fontsize=8)
        ax.legend(fontsize=6)
    fig.tight_layout()
    atomic_write(Path(path), lambda tmp: fig.savefig(tmp, dpi=110, format="png"))
    plt.close(fig)


def main(args: list[str]) -> int:
    """``validate RUN_DIR --targets FILE``: print the comparison, write validation.png."""
    usage = "usage: python -m peacesim validate RUN_DIR --targets FILE"
    if len(args) != 3 or args[1] != "--targets":
        raise ValidationInputError(usage)
    run_dir = Path(args[0])
    if not run_dir.is_dir():
        raise ValidationInputError(f"{run_dir}: no such run folder")
    table = compare(run_dir, read_targets(args[2]))
    show = table[["year", "region", "metric", "value", "model"]].copy()
    show["ratio"] = np.where(show["value"] > 0, show["model"] / show["value"], np.nan)
    with pd.option_context("display.max_rows", None, "display.width", 120):
        print(show.to_string(index=False, float_format=lambda v: f"{v:.3g}"))
    path = run_dir / "validation.png"
    figure(table, path)
    print(f"figure: {path}")
    return 0
