"""The batched (fast) mode against the exact sequential mode (peacesim's own check).

Question: does the ``batched`` activation (the shuffled order cut into 16 batches whose agents
act together, in parallel) give the same distribution of outcomes as the exact
``sequential_random`` activation it approximates? With one agent per batch it is the
sequential run draw for draw (tests/test_epstein.py); this checks the default of 16 batches.

Three regimes: NetLogo defaults with floor(C/A) (punctuated outbursts), the same with round(C/A),
and Mesa example defaults (nearly quiescent, jail slowly filling). 32 seeds per mode and
regime (different seeds for the two modes), 500 steps, statistics over steps 50..500 per seed.
Tests per statistic: Welch's t-test and Mann-Whitney U, alpha = 0.05, with Holm's correction
over the family of each regime.

Command (about a minute)::

    python experiments/validation/epstein_batched.py [--seeds 32] [--steps 500]

Writes experiments/validation/results/epstein_batched.{csv,json,png}.
"""

from __future__ import annotations

import argparse
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from epstein_common import RESULTS, manifest, write_json  # noqa: E402
from epstein_vs_mesa import holm  # noqa: E402
from scipy import stats  # noqa: E402

from peacesim.epstein import EpsteinModel, EpsteinParams  # noqa: E402

REGIMES = {
    "netlogo_floor": lambda **kw: EpsteinParams.netlogo(**kw),
    "netlogo_round": lambda **kw: EpsteinParams.netlogo(arrest_rule="round", **kw),
    "mesa_defaults": lambda **kw: EpsteinParams.mesa_example(**kw),
}
MODES = ("sequential_random", "batched")
STATISTICS = ("mean_active", "max_active", "mean_jailed", "outbursts")
ALPHA = 0.05
BURN_IN = 50


def run(seeds: int, steps: int) -> pd.DataFrame:
    """One row per regime, mode and seed (seeds 0.. for sequential, 10000.. for batched)."""
    rows = []
    for regime, make in REGIMES.items():
        for mode in MODES:
            for i in range(seeds):
                seed = i if mode == "sequential_random" else 10_000 + i
                model = EpsteinModel(make(activation=mode), seed=seed).run(steps)
                s = model.summary(burn_in=BURN_IN)
                rows.append({"regime": regime, "mode": mode, "seed": seed,
                             **{k: s[k] for k in STATISTICS}})
    return pd.DataFrame(rows)


def compare(table: pd.DataFrame) -> dict:
    """Welch and Mann-Whitney per statistic and regime, Holm within each regime."""
    out = {}
    for regime, group in table.groupby("regime", sort=False):
        res, pvalues, keys = {}, [], []
        for stat in STATISTICS:
            a = group[group["mode"] == "sequential_random"][stat].to_numpy(dtype=float)
            b = group[group["mode"] == "batched"][stat].to_numpy(dtype=float)
            row = {"sequential_mean": a.mean(), "sequential_sd": a.std(ddof=1),
                   "batched_mean": b.mean(), "batched_sd": b.std(ddof=1)}
            if np.ptp(np.concatenate([a, b])) == 0:
                row.update(welch_p=1.0, mannwhitney_p=1.0)
            else:
                row.update(welch_p=stats.ttest_ind(a, b, equal_var=False).pvalue,
                           mannwhitney_p=stats.mannwhitneyu(a, b).pvalue)
            for test in ("welch_p", "mannwhitney_p"):
                pvalues.append(row[test])
                keys.append((stat, test))
            res[stat] = row
        for (stat, test), rejected in zip(keys, holm(pvalues, ALPHA), strict=True):
            res[stat][test.replace("_p", "_differs_holm")] = rejected
        out[regime] = res
    return out


def plot(table: pd.DataFrame, path) -> None:
    """Per regime: per-seed mean active and mean jailed, sequential vs batched."""
    fig, axes = plt.subplots(2, 3, figsize=(10, 5.2))
    for col, (regime, group) in enumerate(table.groupby("regime", sort=False)):
        for row, (stat, color) in enumerate((("mean_active", "tab:red"),
                                             ("mean_jailed", "tab:gray"))):
            ax = axes[row, col]
            bp = ax.boxplot([group[group["mode"] == m][stat] for m in MODES],
                            tick_labels=["sequential", "batched"], patch_artist=True,
                            widths=0.6)
            for patch in bp["boxes"]:
                patch.set(facecolor=color, alpha=0.5)
            ax.set_title(f"{regime}: {stat.replace('_', ' ')}", fontsize=9)
    for row, label in enumerate(("mean active", "mean jailed")):
        axes[row, 0].set_ylabel(f"{label} per seed (steps 50+)", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def main() -> None:
    """Run, test, write the table, the summary and the figure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=32)
    parser.add_argument("--steps", type=int, default=500)
    args = parser.parse_args()
    started = time.perf_counter()
    table = run(args.seeds, args.steps)
    RESULTS.mkdir(parents=True, exist_ok=True)
    table.round(4).to_csv(RESULTS / "epstein_batched.csv", index=False)
    results = compare(table)
    write_json("epstein_batched.json", {
        "question": "batched (16 batches) vs exact sequential activation",
        "alpha": ALPHA, "burn_in": BURN_IN, "results": results,
        "any_difference_after_holm": any(v for r in results.values() for s in r.values()
                                         for k, v in s.items() if k.endswith("_holm")),
        "manifest": manifest(f"python experiments/validation/epstein_batched.py --seeds "
                             f"{args.seeds} --steps {args.steps}", EpsteinParams.netlogo(
                                 activation="batched"), range(args.seeds), started,
                             regimes=list(REGIMES)),
    })
    plot(table, RESULTS / "epstein_batched.png")
    for regime, res in results.items():
        print(regime)
        print(pd.DataFrame(res).T.round(3).to_string())


if __name__ == "__main__":
    main()
