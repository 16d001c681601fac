"""The 2017-2020 replay against ACLED and IOM (issue 13; docs/VALIDATION.md).

Runs the ``mali_2017_2020`` scenario for several seeds, averages ``model.annual()`` over them,
sets it against every row of the targets file (2017-2018) and writes:

* ``results/mali_2017_2020.csv``: year, region, metric, data (NaN for 2019-2020), model mean,
  lowest and highest seed;
* ``results/mali_2017_2020.png``: by region, model (bars, 2017-2020; 2019-2020 hatched, the
  prediction) against the data (black marks, 2017-2018), for events, fatalities, violence
  against civilians by the forces, and displaced people (national).

    python experiments/validation/mali_2017_2020.py --size 50000 --seeds 3
    python experiments/validation/mali_2017_2020.py --set patrol.exposed=5 --name trial
    python experiments/validation/mali_2017_2020.py --first-seed 4 --name hand_seeds_4_6
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

import peacesim

#: The targets table, in the shared folder beside the repository.
TARGETS = Path(__file__).resolve().parents[3] / "shared" / "data" / "mali_targets.csv"
RESULTS = Path(__file__).with_name("results")
REGIONS = ("kayes", "koulikoro", "sikasso", "segou", "mopti", "tombouctou", "gao", "kidal",
           "bamako", "national")
PANELS = ("events", "fatalities", "vac_events", "vac_by_forces_events")


def replay(size: int, seeds: int, overrides: list[str] | None = None,
           first_seed: int = 1) -> pd.DataFrame:
    """Annual results of seeds ``first_seed`` to ``first_seed + seeds - 1``, stacked (``seed``)."""
    frames = []
    for seed in range(first_seed, first_seed + seeds):
        model = peacesim.PeaceModel(peacesim.load_config("mali_2017_2020", [
            f"population.size={size}", f"seed={seed}", "population.agent_objects=none",
            *(overrides or [])]))
        model.run()
        frames.append(model.annual().assign(seed=seed))
    return pd.concat(frames, ignore_index=True)


def figure(table: pd.DataFrame, path: Path) -> None:
    """Bars of the model by region and year, marks of the data."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(PANELS) + 1, 1, figsize=(10, 2.6 * (len(PANELS) + 1)))
    years = (2017, 2018, 2019, 2020)
    width = 0.2
    x = np.arange(len(REGIONS))
    for ax, metric in zip(axes, PANELS, strict=False):
        part = table[table["metric"] == metric]
        for i, year in enumerate(years):
            rows = part[part["year"] == year].set_index("region").reindex(REGIONS)
            ax.bar(x + (i - 1.5) * width, rows["model"], width, yerr=[
                rows["model"] - rows["low"], rows["high"] - rows["model"]],
                hatch="//" if year > 2018 else None, alpha=0.8, label=f"model {year}",
                error_kw={"lw": 0.6})
            if year <= 2018:
                ax.scatter(x + (i - 1.5) * width, rows["data"], color="black",
                           marker="_" if year == 2017 else "x", s=60, zorder=3,
                           label=f"ACLED {year}")
        ax.set_yscale("symlog", linthresh=10)
        ax.set_xticks(x, REGIONS, fontsize=8)
        ax.set_title(metric, fontsize=10)
        ax.legend(fontsize=6, ncol=6)
    ax = axes[-1]
    part = table[(table["metric"] == "idps") & (table["region"] == "national")]
    part = part.set_index("year").reindex(years)
    ax.bar(years, part["model"], color=["C0", "C0", "C1", "C1"])
    ax.scatter(years, part["data"], color="black", marker="x", s=60, zorder=3,
               label="IOM (end of year)")
    ax.set_title("internally displaced people, national, end of year (model: orange = "
                 "prediction)", fontsize=10)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main() -> None:
    """Run the seeds, write the table and the figure, print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=50_000, help="members (default 50,000)")
    parser.add_argument("--seeds", type=int, default=3, help="number of seeds (default 3)")
    parser.add_argument("--first-seed", type=int, default=1,
                        help="first seed (default 1: seeds 1..N); another set of seeds shows "
                             "the seed noise")
    parser.add_argument("--targets", type=Path, default=TARGETS,
                        help=f"targets file (default {TARGETS})")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="a config override on top of the scenario (repeatable)")
    parser.add_argument("--name", default="mali_2017_2020",
                        help="file name of the results, without extension")
    args = parser.parse_args()
    runs = replay(args.size, args.seeds, args.set, args.first_seed)
    stats = runs.groupby(["year", "region", "metric"])["value"].agg(
        model="mean", low="min", high="max").reset_index()
    targets = pd.read_csv(args.targets)[["year", "region", "metric", "value"]]
    table = stats.merge(targets.rename(columns={"value": "data"}),
                        on=["year", "region", "metric"], how="left")
    RESULTS.mkdir(exist_ok=True)
    table.to_csv(RESULTS / f"{args.name}.csv", index=False)
    figure(table, RESULTS / f"{args.name}.png")
    pd.set_option("display.width", 200)
    for metric in (*PANELS, "state_events", "idps"):
        part = table[table["metric"] == metric].pivot(index="region", columns="year",
                                                       values=["data", "model"])
        print(metric)
        print(part.reindex(REGIONS).dropna(how="all").round(0).to_string())
    for row in agreement(table):
        print(f"{row['metric']} {row['year']}: Spearman {row['spearman']:.2f} across "
              f"{row['regions']} regions, {row['within_2']} within a factor 2")
    print(f"distance to the 2017-2018 targets (calibration's): {fit_distance(table):.3f}")
    print("weighted distance (every metric alike, without state_events; the weighted "
          f"calibration's): {fit_distance(table, 'metric', WEIGHTED_METRICS):.3f}")


#: The metrics of the weighted calibration: all but ``state_events`` (the model's forces include
#: MINUSMA and the mixed patrols, ACLED's state events only Malian forces).
WEIGHTED_METRICS = ("events", "fatalities", "vac_events", "vac_fatalities",
                    "vac_by_forces_events", "vac_by_forces_fatalities", "idps")


def fit_distance(table: pd.DataFrame, weights: str | None = None,
                 metrics: tuple[str, ...] | None = None) -> float:
    """The calibration's distance (:func:`peacesim.uq.calibrate.distance`) over 2017-2018.

    Args:
        table: The replay's table (year, region, metric, model, data).
        weights: None (every row alike) or ``"metric"`` (every metric alike), as in
            :func:`peacesim.calibrate`.
        metrics: Only these metrics (None: every metric with data).

    Every row with data in 2017 or 2018 (the metrics of ``model.annual()``, all counts).
    """
    from peacesim.uq.calibrate import distance, row_weights

    rows = table[(table["year"] <= 2018) & table["data"].notna()]
    if metrics is not None:
        rows = rows[rows["metric"].isin(metrics)]
    return distance(rows["model"].to_numpy(), rows["data"].to_numpy(),
                    np.zeros(len(rows), dtype=bool), row_weights(rows["metric"], weights))


def agreement(table: pd.DataFrame) -> list[dict]:
    """Across the regions (not ``national``): rank agreement and the count within a factor 2.

    For events and fatalities in each year with data; a region is within a factor 2 when
    model / data lies in [0.5, 2].
    """
    from scipy.stats import spearmanr

    out = []
    for metric in ("events", "fatalities"):
        for year in sorted(table.loc[table["data"].notna(), "year"].unique()):
            rows = table[(table["metric"] == metric) & (table["year"] == year)
                         & (table["region"] != "national")].dropna(subset=["data"])
            ratio = rows["model"] / rows["data"]
            out.append({"metric": metric, "year": int(year), "regions": len(rows),
                        "spearman": float(spearmanr(rows["data"], rows["model"])[0]),
                        "within_2": int(((ratio >= 0.5) & (ratio <= 2)).sum())})
    return out


if __name__ == "__main__":
    main()
