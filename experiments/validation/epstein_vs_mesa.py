"""peacesim's Epstein Model I side by side with Mesa's bundled example, at its parameters.

Question: at the parameters of Mesa's ``EpsteinCivilViolence`` example (mesa 3.3.1: 40 x 40
torus, citizen density 0.7, cop density 0.074, von Neumann vision 7, L = 0.8, Jmax = 1000,
round(C/A), jailed citizens keep their cell, Mesa's order of decide-then-move), does peacesim's
exact sequential mode give the same distribution of active and jailed counts as the Mesa
example itself over the same number of steps? And the batched (fast) mode?

Mesa's model is imported from the installed package, never copied. Two settings: the
example's defaults (a nearly quiescent regime in which jail slowly fills) and the same with
cop density 0.04 (an early mass outburst, then a full jail). Each implementation runs the same
number of seeds (its own random numbers) for the same number of steps; per seed we take the
mean active and jailed counts over steps 1..T, the final jailed count and the largest active
count. Tests per statistic, alpha = 0.05: Welch's t-test on the per-seed values (means),
Mann-Whitney U (distributions) and Brown-Forsythe/Levene (spreads); decisions also given with
Holm's correction over the family of tests of each setting and mode.

Command (about 5 minutes, mostly Mesa)::

    python experiments/validation/epstein_vs_mesa.py [--seeds 16] [--steps 250]

Writes experiments/validation/results/epstein_vs_mesa.{csv,json,png} (CSV: one row per
implementation, setting and seed) and epstein_vs_mesa_curves.npz (the per-step counts behind
the figure; ``--replot`` redraws the figure from it without running anything).
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
from mesa.examples.advanced.epstein_civil_violence.model import (  # noqa: E402
    EpsteinCivilViolence,
)
from scipy import stats  # noqa: E402

from peacesim.epstein import EpsteinModel, EpsteinParams  # noqa: E402

SETTINGS = {"defaults": {}, "cop_density_0.04": {"cop_density": 0.04}}
ALPHA = 0.05
STATISTICS = ("mean_active", "mean_jailed", "final_jailed", "max_active")


def run_mesa(overrides: dict, seed: int, steps: int) -> np.ndarray:
    """[steps + 1, 2] active and jailed counts of Mesa's example."""
    model = EpsteinCivilViolence(seed=seed, **overrides)
    for _ in range(steps):
        model.step()
    return model.datacollector.get_model_vars_dataframe()[["active", "arrested"]].to_numpy()


def run_peacesim(overrides: dict, seed: int, steps: int, activation: str) -> np.ndarray:
    """[steps + 1, 2] active and jailed counts of peacesim at the Mesa example's parameters."""
    params = EpsteinParams.mesa_example(activation=activation, **overrides)
    ts = EpsteinModel(params, seed=seed).run(steps).timeseries()
    return ts[["active", "jailed"]].to_numpy()


def per_seed(series: np.ndarray) -> dict:
    """Statistics of one run from its [steps + 1, 2] counts (step 0 excluded)."""
    active, jailed = series[1:, 0], series[1:, 1]
    return {"mean_active": active.mean(), "mean_jailed": jailed.mean(),
            "final_jailed": jailed[-1], "max_active": active.max()}


def holm(pvalues: list[float], alpha: float) -> list[bool]:
    """Holm's step-down rejections for a family of p-values."""
    order = np.argsort(pvalues)
    reject = [False] * len(pvalues)
    for rank, i in enumerate(order):
        if pvalues[i] > alpha / (len(pvalues) - rank):
            break
        reject[i] = True
    return reject


def compare(table: pd.DataFrame, setting: str, mode: str) -> dict:
    """Tests of one peacesim mode against Mesa in one setting."""
    mesa = table[(table.setting == setting) & (table.implementation == "mesa")]
    ours = table[(table.setting == setting) & (table.implementation == mode)]
    out, pvalues, keys = {}, [], []
    for stat in STATISTICS:
        a, b = ours[stat].to_numpy(), mesa[stat].to_numpy()
        row = {"peacesim_mean": a.mean(), "peacesim_sd": a.std(ddof=1),
               "mesa_mean": b.mean(), "mesa_sd": b.std(ddof=1)}
        if np.ptp(np.concatenate([a, b])) == 0:
            row.update(welch_p=1.0, mannwhitney_p=1.0, levene_p=1.0)
        else:
            row.update(welch_p=stats.ttest_ind(a, b, equal_var=False).pvalue,
                       mannwhitney_p=stats.mannwhitneyu(a, b).pvalue,
                       levene_p=stats.levene(a, b, center="median").pvalue)
        for test in ("welch_p", "mannwhitney_p", "levene_p"):
            pvalues.append(row[test])
            keys.append((stat, test))
            row[test.replace("_p", "_differs")] = row[test] < ALPHA
        out[stat] = row
    for (stat, test), rejected in zip(keys, holm(pvalues, ALPHA), strict=True):
        out[stat][test.replace("_p", "_differs_holm")] = rejected
    return out


def plot(curves: dict, path, steps: int):
    """Mean over seeds (lines) and 10-90 % range (bands) of active and jailed counts."""
    fig, axes = plt.subplots(2, 2, figsize=(11, 6.4), sharex=True)
    styles = {"mesa": ("k", "-", "Mesa example"), "sequential_random": ("tab:red", "-",
                                                                        "peacesim sequential"),
              "batched": ("tab:blue", "--", "peacesim batched")}
    for col, setting in enumerate(SETTINGS):
        for row, (k, name) in enumerate(((0, "active"), (1, "jailed"))):
            ax = axes[row, col]
            for impl, (color, ls, label) in styles.items():
                data = curves[(setting, impl)][:, :, k]
                steps_axis = np.arange(data.shape[1])
                ax.plot(steps_axis, data.mean(axis=0), color=color, ls=ls, lw=1, label=label)
                if impl != "batched":
                    lo, hi = np.percentile(data, [10, 90], axis=0)
                    ax.fill_between(steps_axis, lo, hi, color=color, alpha=0.12, lw=0)
            ax.set(ylabel=f"{name} citizens",
                   title=f"{setting}: {name} (mean, 10-90 % of seeds)")
            if name == "active":
                ax.set_yscale("symlog", linthresh=1)
                ax.set_ylim(bottom=0)
            if row == 1:
                ax.set_xlabel("step")
    axes[1, 0].legend(fontsize=8, frameon=False, loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=85)
    plt.close(fig)


def main() -> None:
    """Run both implementations, test, write the table, the summary and the figure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=16)
    parser.add_argument("--steps", type=int, default=250)
    parser.add_argument("--replot", action="store_true",
                        help="redraw the figure from epstein_vs_mesa_curves.npz")
    args = parser.parse_args()
    if args.replot:
        saved = np.load(RESULTS / "epstein_vs_mesa_curves.npz")
        curves = {tuple(key.split("__")): saved[key] for key in saved.files}
        plot(curves, RESULTS / "epstein_vs_mesa.png", args.steps)
        return
    started = time.perf_counter()
    rows, curves, seconds = [], {}, {}
    for setting, overrides in SETTINGS.items():
        for impl in ("mesa", "sequential_random", "batched"):
            runs = []
            t0 = time.perf_counter()
            for seed in range(args.seeds):
                if impl == "mesa":
                    series = run_mesa(overrides, seed, args.steps)
                else:
                    series = run_peacesim(overrides, seed, args.steps, impl)
                runs.append(series)
                rows.append({"setting": setting, "implementation": impl, "seed": seed,
                             **per_seed(series)})
            seconds[f"{setting}/{impl}"] = round(time.perf_counter() - t0, 2)
            curves[(setting, impl)] = np.array(runs)
            print(setting, impl, f"{seconds[f'{setting}/{impl}']} s", flush=True)
    table = pd.DataFrame(rows)
    RESULTS.mkdir(parents=True, exist_ok=True)
    table.round(4).to_csv(RESULTS / "epstein_vs_mesa.csv", index=False)
    results = {f"{setting}/{mode}": compare(table, setting, mode)
               for setting in SETTINGS for mode in ("sequential_random", "batched")}
    np.savez_compressed(RESULTS / "epstein_vs_mesa_curves.npz",
                        **{f"{s}__{i}": c for (s, i), c in curves.items()})
    write_json("epstein_vs_mesa.json", {
        "question": "peacesim (Mesa example parameters) vs Mesa's bundled example",
        "alpha": ALPHA, "statistics": "per seed, over steps 1..T", "results": results,
        "wall_seconds_by_run_set": seconds,
        "manifest": manifest(f"python experiments/validation/epstein_vs_mesa.py --seeds "
                             f"{args.seeds} --steps {args.steps}", EpsteinParams.mesa_example(),
                             range(args.seeds), started, settings=SETTINGS, steps=args.steps),
    })
    plot(curves, RESULTS / "epstein_vs_mesa.png", args.steps)
    for key, res in results.items():
        print(key)
        print(pd.DataFrame(res).T.round(3).to_string())


if __name__ == "__main__":
    main()
