"""Mean waiting time between outbursts grows with cop density (Epstein 2002, Model I).

Question: at NetLogo Rebellion's defaults with floor(C/A), Epstein (2002) reports that the
mean waiting time between outbursts grows with the density of cops (and that cutting cops
past a threshold brings outbursts). Does peacesim show it?

Cop densities 0.03 .. 0.07, 8 seeds each (the same seeds at every density), 3,000 steps,
outbursts counted after a burn-in of 100 steps (maximal runs of steps with at least 5 % of
citizens active). Waiting time: steps between the starts of consecutive outbursts, pooled over
seeds; also the rate of outbursts per 1,000 steps (defined even when there are too few
outbursts for a waiting time). Trend test: Spearman correlation between cop density and the
per-seed mean waiting time, alpha 0.05.

Command (about 40 s)::

    python experiments/validation/epstein_cop_density.py [--seeds 8] [--steps 3000]

Writes experiments/validation/results/epstein_cop_density.{csv,json,png}.
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

DENSITIES = (0.03, 0.035, 0.04, 0.045, 0.05, 0.055, 0.06, 0.07)
SHARE = 0.05
BURN_IN = 100
ALPHA = 0.05


def run(seeds: int, steps: int):
    """One row per (cop density, seed); pooled waiting times per density."""
    rows, waits = [], {}
    for density in DENSITIES:
        waits[density] = []
        for seed in range(seeds):
            model = EpsteinModel(EpsteinParams.netlogo(cop_density=density), seed=seed)
            ts = model.run(steps).timeseries()
            starts, peaks, _ = count_outbursts(ts.active.to_numpy(), SHARE * model.n_citizens,
                                               BURN_IN)
            gaps = np.diff(starts)
            waits[density].extend(gaps.tolist())
            rows.append({"cop_density": density, "cops": model.n_cops, "seed": seed,
                         "outbursts": starts.size,
                         "outbursts_per_1000_steps": 1000 * starts.size / (steps - BURN_IN),
                         "mean_waiting_time": gaps.mean() if gaps.size else np.nan,
                         "mean_peak_active": peaks.mean() if peaks.size else np.nan,
                         "mean_active": ts.active.iloc[BURN_IN:].mean()})
    return pd.DataFrame(rows), waits


def plot(table, per_density, path):
    """Mean waiting time and outburst rate against cop density."""
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(10, 3.6))
    lo = per_density.pooled_mean_waiting_time - per_density.waiting_time_q25
    hi = per_density.waiting_time_q75 - per_density.pooled_mean_waiting_time
    ax.errorbar(per_density.cop_density, per_density.pooled_mean_waiting_time,
                yerr=[lo.clip(lower=0), hi.clip(lower=0)], marker="o", capsize=3,
                color="tab:red")
    ax.set_yscale("log")
    ax.set(xlabel="cop density", ylabel="steps between outbursts (log)",
           title="waiting time: mean (dots), 25-75 % (bars)")
    ax.axvline(0.04, color="gray", lw=0.7, ls=":")
    bx.plot(table.cop_density, table.outbursts_per_1000_steps, ".", color="tab:gray", alpha=0.6)
    bx.plot(per_density.cop_density, per_density.outbursts_per_1000_steps, "o-",
            color="tab:red")
    bx.set(xlabel="cop density", ylabel="outbursts per 1,000 steps",
           title="outburst rate (dots: seeds)")
    bx.axvline(0.04, color="gray", lw=0.7, ls=":")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def main() -> None:
    """Run, write the table, the summary and the figure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--steps", type=int, default=3000)
    args = parser.parse_args()
    started = time.perf_counter()
    table, waits = run(args.seeds, args.steps)
    RESULTS.mkdir(parents=True, exist_ok=True)
    table.round(4).to_csv(RESULTS / "epstein_cop_density.csv", index=False)
    per_density = table.groupby("cop_density").agg(
        cops=("cops", "first"), outbursts_per_1000_steps=("outbursts_per_1000_steps", "mean"),
        mean_peak_active=("mean_peak_active", "mean")).reset_index()
    per_density["waiting_times"] = [len(waits[d]) for d in per_density.cop_density]
    per_density["pooled_mean_waiting_time"] = [np.mean(waits[d]) if waits[d] else np.nan
                                               for d in per_density.cop_density]
    per_density["pooled_sd_waiting_time"] = [np.std(waits[d], ddof=1) if len(waits[d]) > 1
                                             else np.nan for d in per_density.cop_density]
    per_density["waiting_time_q25"] = [np.percentile(waits[d], 25) if waits[d] else np.nan
                                       for d in per_density.cop_density]
    per_density["waiting_time_q75"] = [np.percentile(waits[d], 75) if waits[d] else np.nan
                                       for d in per_density.cop_density]
    valid = table.dropna(subset=["mean_waiting_time"])
    rho, p = stats.spearmanr(valid.cop_density, valid.mean_waiting_time)
    rate_rho, rate_p = stats.spearmanr(table.cop_density, table.outbursts_per_1000_steps)
    write_json("epstein_cop_density.json", {
        "question": "does the mean waiting time between outbursts grow with cop density?",
        "per_density": per_density.to_dict(orient="records"),
        "spearman_density_vs_waiting_time": {"rho": rho, "p": p, "n_seeds_with_2_outbursts":
                                             len(valid), "grows_at_alpha": bool(rho > 0
                                                                                and p < ALPHA)},
        "spearman_density_vs_outburst_rate": {"rho": rate_rho, "p": rate_p},
        "alpha": ALPHA,
        "manifest": manifest(f"python experiments/validation/epstein_cop_density.py --seeds "
                             f"{args.seeds} --steps {args.steps}", EpsteinParams.netlogo(),
                             range(args.seeds), started, densities=list(DENSITIES)),
    })
    plot(table, per_density, RESULTS / "epstein_cop_density.png")
    print(per_density.round(3).to_string(index=False))
    print("spearman waiting time", rho, p, "rate", rate_rho, rate_p)


if __name__ == "__main__":
    main()
