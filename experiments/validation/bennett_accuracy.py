"""Bennett (2008): insurgency duration against the accuracy (and effectiveness) of soldiers.

Question: does peacesim's ``BennettModel`` reproduce the two results of Bennett, D. S.
(2008), "Governments, Civilians, and the Evolution of Insurgency", JASSS 11(4) 7:

1. insurgency duration rises sharply below a critical accuracy (a "tipping point");
2. accuracy (avoiding collateral damage) matters more for the defeat of an insurgency than
   effectiveness (removing the attacker)?

Set-up: default ``BennettParams`` (50 x 50 map, range 3, 500 civilians, 100 soldiers, one
attack per round; see peacesim.bennett.params for sources and assumptions).
(a) accuracy 0.30 ... 1.00 in steps of 0.05 at effectiveness 0.8, 30 seeds each, with the
    default 500 civilians and, as a sensitivity check on that assumed number, 1000;
(b) the grid accuracy x effectiveness, 0.3 ... 1.0 in steps of 0.1, 10 seeds each
    (500 civilians).
Runs stop when no insurgent is left (all ended well before MAX_STEPS; the table says so).

Duration: rounds until no insurgent is left. Critical accuracy (reported): the highest
accuracy, scanning down from 1.0, at which the mean duration exceeds twice its value at
accuracy 1.0. Recruits per counterattack: civilians turned insurgent divided by
counterattacks; the insurgency grows while this exceeds the removals per counterattack
(about the effectiveness).

Command (from the repo root, under a minute):
    python experiments/validation/bennett_accuracy.py

Writes experiments/validation/results/bennett_accuracy.csv (sweep a, one row per run),
bennett_accuracy_summary.csv, bennett_grid.csv (sweep b, one row per run),
bennett_grid_summary.csv, bennett_accuracy.json (headline numbers) and bennett_accuracy.png.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd

from peacesim.bennett import BennettModel, BennettParams

RESULTS = Path(__file__).resolve().parent / "results"
MAX_STEPS = 50_000
ACCURACY = np.round(np.arange(0.30, 1.0001, 0.05), 2)
GRID = np.round(np.arange(0.3, 1.0001, 0.1), 1)
CIVILIANS = (500, 1000)


def run_one(accuracy: float, effectiveness: float, seed: int, n_civilians: int = 500) -> dict:
    """One run to the end of the insurgency; returns its row of the table."""
    params = BennettParams(
        accuracy=float(accuracy), effectiveness=float(effectiveness), n_civilians=n_civilians
    )
    model = BennettModel(params, seed=seed).run(MAX_STEPS)
    s = model.summary()
    ts = model.timeseries()
    counter = int(ts["counterattacks"].sum())
    recruited = s["total_insurgents"] - s["initial_insurgents"]
    return {
        "n_civilians": n_civilians,
        "accuracy": float(accuracy),
        "effectiveness": float(effectiveness),
        "seed": seed,
        "duration": s["duration"],
        "ended": s["ended"],
        "initial_insurgents": s["initial_insurgents"],
        "recruited": recruited,
        "peak_insurgents": s["peak_insurgents"],
        "share_of_civilians_recruited": recruited / params.n_civilians,
        "counterattacks": counter,
        "hurt": s["hurt"],
        "recruits_per_counterattack": recruited / counter if counter else np.nan,
    }


def summarise(table: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Mean, median and quartiles of duration and recruitment per setting."""
    g = table.groupby(by)
    return pd.DataFrame(
        {
            "runs": g["duration"].size(),
            "all_ended": g["ended"].all(),
            "duration_mean": g["duration"].mean().round(1),
            "duration_median": g["duration"].median(),
            "duration_q25": g["duration"].quantile(0.25),
            "duration_q75": g["duration"].quantile(0.75),
            "recruited_mean": g["recruited"].mean().round(1),
            "peak_insurgents_mean": g["peak_insurgents"].mean().round(1),
            "hurt_mean": g["hurt"].mean().round(1),
            "recruits_per_counterattack": g["recruits_per_counterattack"].mean().round(3),
        }
    ).reset_index()


def critical_accuracy(summary: pd.DataFrame) -> float:  # one density at a time
    """Highest accuracy, scanning down from 1.0, where mean duration > 2 x its value at 1.0."""
    s = summary.sort_values("accuracy", ascending=False)
    base = float(s["duration_mean"].iloc[0])
    above = s[s["duration_mean"] > 2.0 * base]
    return float(above["accuracy"].iloc[0]) if len(above) else float("nan")


def plot(acc: pd.DataFrame, acc_runs: pd.DataFrame, grid: pd.DataFrame,
         crit: dict[int, float], path: Path) -> None:
    """(a) duration vs accuracy; (b) recruits per counterattack; (c) accuracy x effectiveness."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(15.5, 4.6))
    ax = axes[0]
    for i, n_civ in enumerate(CIVILIANS):
        runs = acc_runs[acc_runs["n_civilians"] == n_civ]
        summ = acc[acc["n_civilians"] == n_civ]
        color = f"C{i}"
        jitter = (runs["seed"] - runs["seed"].mean()) * 0.0007
        ax.scatter(runs["accuracy"] + jitter, runs["duration"], s=5, alpha=0.25, color=color)
        label = f"{n_civ} civilians{' (default)' if n_civ == 500 else ''}: median, IQR"
        ax.plot(summ["accuracy"], summ["duration_median"], "o-", color=color, label=label)
        ax.fill_between(summ["accuracy"], summ["duration_q25"], summ["duration_q75"],
                        alpha=0.2, color=color)
        if np.isfinite(crit[n_civ]):
            ax.axvline(crit[n_civ], color=color, ls="--", lw=1,
                       label=f"2x duration at accuracy 1.0: {crit[n_civ]:.2f}")
    ax.set_yscale("log")
    ax.set_xlabel("accuracy (1 - P(civilian in range hurt))")
    ax.set_ylabel("insurgency duration (rounds, log scale)")
    ax.set_title("(a) duration vs accuracy, effectiveness 0.8")
    ax.legend(fontsize=7.5)
    ax.grid(alpha=0.3, which="both")

    ax = axes[1]
    for i, n_civ in enumerate(CIVILIANS):
        summ = acc[acc["n_civilians"] == n_civ]
        ax.plot(summ["accuracy"], summ["recruits_per_counterattack"], "o-", color=f"C{i}",
                label=f"recruits per counterattack, {n_civ} civ.")
        ax.plot(summ["accuracy"], summ["recruited_mean"] / n_civ, "s--", color=f"C{i}", ms=4,
                alpha=0.6, label=f"share of civilians recruited, {n_civ} civ.")
    ax.axhline(0.8, color="k", ls=":", lw=1, label="removals per counterattack (0.8)")
    ax.set_xlabel("accuracy")
    ax.set_ylabel("per counterattack / share")
    ax.set_title("(b) recruitment vs accuracy")
    ax.legend(fontsize=7.5)
    ax.grid(alpha=0.3)

    ax = axes[2]
    pivot = grid.pivot(index="effectiveness", columns="accuracy", values="duration_mean")
    logv = np.log10(pivot.to_numpy())
    im = ax.imshow(logv, origin="lower", aspect="auto", cmap="magma_r")
    ax.set_xticks(range(len(pivot.columns)), [f"{a:.1f}" for a in pivot.columns])
    ax.set_yticks(range(len(pivot.index)), [f"{e:.1f}" for e in pivot.index])
    for i in range(logv.shape[0]):
        for j in range(logv.shape[1]):
            ax.text(j, i, f"{10 ** logv[i, j]:.0f}", ha="center", va="center", fontsize=7,
                    color="white" if logv[i, j] > logv.mean() else "k")
    ax.set_xlabel("accuracy")
    ax.set_ylabel("effectiveness")
    ax.set_title("(c) mean duration (rounds), 500 civilians")
    fig.colorbar(im, ax=ax, label="log10 mean duration")
    fig.suptitle("Bennett 2008 in peacesim: 50x50 map, range 3, 100 soldiers, "
                 "one attack per round", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main() -> None:
    """Run both sweeps, write the tables, the JSON headline and the figure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=30)
    parser.add_argument("--grid-seeds", type=int, default=10)
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    acc_runs = pd.DataFrame(
        [run_one(a, 0.8, s, n) for n in CIVILIANS for a in ACCURACY for s in range(args.seeds)]
    )
    grid_runs = pd.DataFrame(
        [run_one(a, e, s) for a in GRID for e in GRID for s in range(args.grid_seeds)]
    )
    acc = summarise(acc_runs, ["n_civilians", "accuracy"])
    grid = summarise(grid_runs, ["accuracy", "effectiveness"])
    crit = {n: critical_accuracy(acc[acc["n_civilians"] == n]) for n in CIVILIANS}
    g = grid.set_index(["accuracy", "effectiveness"])["duration_mean"]
    headline = {
        "critical_accuracy_2x": {str(n): c for n, c in crit.items()},
        "duration_mean_eff_0.8": {
            str(n): dict(
                zip(
                    acc.loc[acc["n_civilians"] == n, "accuracy"].map(lambda a: f"{a:.2f}"),
                    acc.loc[acc["n_civilians"] == n, "duration_mean"],
                    strict=True,
                )
            )
            for n in CIVILIANS
        },
        "all_runs_ended": bool(acc_runs["ended"].all() and grid_runs["ended"].all()),
        # The same drop from 1.0 in one lever, the other held at 1.0 (500 civilians):
        "duration_mean_acc1.0_eff1.0": float(g[(1.0, 1.0)]),
        "duration_mean_acc0.5_eff1.0": float(g[(0.5, 1.0)]),
        "duration_mean_acc1.0_eff0.5": float(g[(1.0, 0.5)]),
        "duration_mean_acc0.3_eff1.0": float(g[(0.3, 1.0)]),
        "duration_mean_acc1.0_eff0.3": float(g[(1.0, 0.3)]),
        "seeds": args.seeds,
        "grid_seeds": args.grid_seeds,
        "max_steps": MAX_STEPS,
    }
    acc_runs.to_csv(RESULTS / "bennett_accuracy.csv", index=False)
    acc.to_csv(RESULTS / "bennett_accuracy_summary.csv", index=False)
    grid_runs.to_csv(RESULTS / "bennett_grid.csv", index=False)
    grid.to_csv(RESULTS / "bennett_grid_summary.csv", index=False)
    (RESULTS / "bennett_accuracy.json").write_text(json.dumps(headline, indent=2) + "\n")
    plot(acc, acc_runs, grid, crit, RESULTS / "bennett_accuracy.png")
    print(acc.to_string(index=False))
    print(grid.pivot(index="effectiveness", columns="accuracy", values="duration_mean"))
    print(json.dumps({k: v for k, v in headline.items() if k != "duration_mean_eff_0.8"},
                     indent=2))
    print(f"{len(acc_runs) + len(grid_runs)} runs in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
