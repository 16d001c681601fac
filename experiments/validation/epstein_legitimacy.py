"""A small sudden drop in legitimacy versus a gradual decline to the same value (Epstein 2002).

Question: Epstein (2002, Model I, legitimacy crises) reports that a sudden drop in legitimacy
brings a large outburst while a gradual decline of the same size, to the same final value,
brings a smaller one or none, because the few citizens who cross the threshold at each small
decrement are isolated and arrested. Does peacesim reproduce it?

Set-up: NetLogo Rebellion's defaults (floor(C/A)) except legitimacy, which starts at 0.90 (there
every citizen has G = 0.1 H <= T = 0.1, so nobody can be active) and falls at step 100 to a
final value L1 in {0.86, 0.84, 0.82, 0.80}: either at once (sudden) or linearly over 200 steps
(gradual, reaching L1 at step 300). Measure: the peak of the first outburst (maximal run of
steps with at least 5 % of citizens active) that starts at or after step 100, or 0 if there is
none; same seeds for both schedules; one-sided Mann-Whitney test sudden > gradual, alpha 0.05.

Command (about 30 s)::

    python experiments/validation/epstein_legitimacy.py [--seeds 20]

Writes experiments/validation/results/epstein_legitimacy.{csv,json,png}.
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
from scipy import stats  # noqa: E402

from peacesim.epstein import EpsteinModel, EpsteinParams, count_outbursts  # noqa: E402

L0 = 0.90
FINALS = (0.86, 0.84, 0.82, 0.80)
START = 100
RAMPS = {"sudden": 0, "gradual": 200}
STEPS = 500
SHARE = 0.05
ALPHA = 0.05


def params(final: float, schedule: str) -> EpsteinParams:
    """NetLogo defaults with legitimacy falling from L0 to ``final`` from step START."""
    return EpsteinParams.netlogo(legitimacy=L0, legitimacy_change=round(final - L0, 10),
                                 legitimacy_change_start=START,
                                 legitimacy_change_end=START + RAMPS[schedule])


def run(seeds: int):
    """One row per (final L, schedule, seed); the series of seed 0 at L1 = 0.84."""
    rows, series = [], {}
    for final in FINALS:
        for schedule in RAMPS:
            for seed in range(seeds):
                model = EpsteinModel(params(final, schedule), seed=seed).run(STEPS)
                ts = model.timeseries()
                starts, peaks, _ = count_outbursts(ts.active.to_numpy(),
                                                   SHARE * model.n_citizens, burn_in=START)
                first = starts[0] if starts.size else -1
                rows.append({
                    "final_legitimacy": final, "schedule": schedule, "seed": seed,
                    "first_outburst_peak": peaks[0] if peaks.size else 0,
                    "first_outburst_start": first if first >= 0 else np.nan,
                    "legitimacy_at_first_outburst": ts.legitimacy.iloc[first]
                    if first >= 0 else np.nan,
                    "max_active_after_start": ts.active.iloc[START:].max(),
                })
                if seed == 0 and final == 0.84:
                    series[schedule] = ts
    return pd.DataFrame(rows), series


def compare(table: pd.DataFrame) -> list[dict]:
    """Per final L: means of both schedules and the one-sided Mann-Whitney test."""
    out = []
    for final, group in table.groupby("final_legitimacy"):
        sudden = group[group.schedule == "sudden"].first_outburst_peak
        gradual = group[group.schedule == "gradual"].first_outburst_peak
        p = stats.mannwhitneyu(sudden, gradual, alternative="greater").pvalue
        out.append({"final_legitimacy": final, "drop": round(L0 - final, 3),
                    "sudden_peak_mean": sudden.mean(), "sudden_peak_sd": sudden.std(),
                    "gradual_peak_mean": gradual.mean(), "gradual_peak_sd": gradual.std(),
                    "ratio": sudden.mean() / max(gradual.mean(), 1e-9),
                    "gradual_L_at_first_outburst": group[group.schedule == "gradual"]
                    .legitimacy_at_first_outburst.mean(),
                    "mannwhitney_p_sudden_greater": p, "sudden_larger_at_alpha": p < ALPHA})
    return out


def plot(table, series, path):
    """Seed 0 at L1 = 0.84 under both schedules, and first-outburst peaks against L1."""
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(11, 3.8), width_ratios=[1.6, 1])
    colors = {"sudden": "tab:red", "gradual": "tab:blue"}
    lx = ax.twinx()
    for schedule, ts in series.items():
        w = ts[(ts.step >= 50) & (ts.step <= 400)]
        ax.plot(w.step, w.active, lw=0.9, color=colors[schedule], label=f"active, {schedule}")
        lx.plot(w.step, w.legitimacy, lw=1.2, ls="--", color=colors[schedule], alpha=0.6)
    ax.set(xlabel="step", ylabel="active citizens",
           title=f"L {L0} -> 0.84 at step {START} (dashed: L, right axis), seed 0")
    lx.set_ylabel("legitimacy L")
    ax.legend(fontsize=8, frameon=False, loc="upper right")
    for schedule in RAMPS:
        g = table[table.schedule == schedule].groupby("final_legitimacy").first_outburst_peak
        bx.errorbar(g.mean().index, g.mean(), yerr=g.std(), marker="o", capsize=3,
                    color=colors[schedule], label=f"{schedule}" + (" (200 steps)"
                                                                  if RAMPS[schedule] else ""))
    bx.invert_xaxis()
    bx.set(xlabel="final legitimacy L1 (from 0.90)", ylabel="peak of first outburst",
           title=f"mean +- sd over {table.seed.nunique()} seeds")
    bx.legend(fontsize=8, frameon=False)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def main() -> None:
    """Run, write the table, the summary and the figure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    args = parser.parse_args()
    started = time.perf_counter()
    table, series = run(args.seeds)
    RESULTS.mkdir(parents=True, exist_ok=True)
    table.round(4).to_csv(RESULTS / "epstein_legitimacy.csv", index=False)
    comparison = compare(table)
    write_json("epstein_legitimacy.json", {
        "question": "sudden vs gradual loss of legitimacy to the same final value",
        "measure": "peak active of the first outburst (>= 5 % active) starting at step >= 100",
        "alpha": ALPHA, "comparison": comparison,
        "manifest": manifest(f"python experiments/validation/epstein_legitimacy.py --seeds "
                             f"{args.seeds}", params(0.84, "gradual"), range(args.seeds),
                             started, finals=list(FINALS), ramps=RAMPS, steps=STEPS),
    })
    plot(table, series, RESULTS / "epstein_legitimacy.png")
    print(pd.DataFrame(comparison).round(3).to_string(index=False))


if __name__ == "__main__":
    main()
