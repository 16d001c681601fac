"""Near-quiescence with a continuous C/A (Epstein 2002, Model I; NetLogo Rebellion's Info tab).

Question: with everything else at NetLogo Rebellion's defaults, does replacing floor(C/A) by
the continuous ratio C/A of the paper's text remove the punctuated outbursts and leave the
population near quiescence, as the Rebellion Info tab says ("punctuated equilibrium does not
appear without floor")? Where does Mesa's rule, round(C/A), fall?

Same seeds (common random numbers) for the three rules. Outburst: a maximal run of steps with at
least 5 % of citizens active, after a burn-in of 100 steps.

Command (about 15 s)::

    python experiments/validation/epstein_continuous.py [--seeds 10] [--steps 2000]

Writes experiments/validation/results/epstein_continuous.{csv,json,png}.
"""

from __future__ import annotations

import argparse
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from epstein_common import RESULTS, manifest, write_json  # noqa: E402
from scipy import stats  # noqa: E402

from peacesim.epstein import EpsteinModel, EpsteinParams  # noqa: E402

RULES = ("floor", "round", "continuous")
SHARE = 0.05
BURN_IN = 100


def run(seeds: int, steps: int):
    """Per seed and rule: summary statistics; and the series of seed 0 for each rule."""
    rows, series = [], {}
    for rule in RULES:
        for seed in range(seeds):
            model = EpsteinModel(EpsteinParams.netlogo(arrest_rule=rule), seed=seed).run(steps)
            s = model.summary(outburst_share=SHARE, burn_in=BURN_IN)
            ts = model.timeseries()
            rows.append({"rule": rule, "seed": seed, "outbursts": s["outbursts"],
                         "mean_active": s["mean_active"], "max_active": s["max_active"],
                         "mean_jailed": s["mean_jailed"],
                         "share_steps_above_1pct": (ts.active.iloc[BURN_IN:]
                                                    >= 0.01 * model.n_citizens).mean(),
                         "citizens": model.n_citizens})
            if seed == 0:
                series[rule] = ts
    return pd.DataFrame(rows), series


def plot(table, series, path):
    """Seed 0's active citizens under each rule (first 600 steps) and per-seed means."""
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(11, 3.8), width_ratios=[2.2, 1])
    colors = {"floor": "tab:red", "round": "tab:orange", "continuous": "tab:blue"}
    for rule in RULES:
        w = series[rule][series[rule].step <= 600]
        ax.plot(w.step, w.active, lw=0.9, color=colors[rule], label=f"{rule}(C/A)")
    ax.set(xlabel="step", ylabel="active citizens", title="NetLogo defaults, seed 0")
    ax.legend(fontsize=8, frameon=False, loc="upper right")
    data = [table[table.rule == r].mean_active for r in RULES]
    bx.boxplot(data, tick_labels=RULES)
    bx.set_yscale("symlog", linthresh=1)
    bx.set(ylabel="mean active (steps 100+)", title=f"{table.seed.nunique()} seeds per rule")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def main() -> None:
    """Run, write the table, the summary and the figure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--steps", type=int, default=2000)
    args = parser.parse_args()
    started = time.perf_counter()
    table, series = run(args.seeds, args.steps)
    RESULTS.mkdir(parents=True, exist_ok=True)
    table.round(4).to_csv(RESULTS / "epstein_continuous.csv", index=False)
    by_rule = table.groupby("rule").agg(["mean", "std", "min", "max"])
    floor, cont = table[table.rule == "floor"], table[table.rule == "continuous"]
    summary = {
        "question": "does a continuous C/A leave the population near quiescence?",
        "by_rule": {rule: {col: by_rule.loc[rule, (col, "mean")]
                           for col in ("outbursts", "mean_active", "max_active", "mean_jailed",
                                       "share_steps_above_1pct")}
                    | {"max_active_over_seeds": by_rule.loc[rule, ("max_active", "max")]}
                    for rule in RULES},
        "floor_vs_continuous_mean_active_mannwhitney_p": stats.mannwhitneyu(
            floor.mean_active, cont.mean_active, alternative="greater").pvalue,
        "manifest": manifest(f"python experiments/validation/epstein_continuous.py --seeds "
                             f"{args.seeds} --steps {args.steps}", EpsteinParams.netlogo(),
                             range(args.seeds), started, rules=list(RULES)),
    }
    write_json("epstein_continuous.json", summary)
    plot(table, series, RESULTS / "epstein_continuous.png")
    print(table.groupby("rule").mean(numeric_only=True).round(3).to_string())
    print(summary["floor_vs_continuous_mean_active_mannwhitney_p"])


if __name__ == "__main__":
    main()
