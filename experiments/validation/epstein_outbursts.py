"""Punctuated outbursts at NetLogo Rebellion's defaults with floor(C/A) (Epstein 2002, Model I).

Question: at NetLogo Rebellion's defaults (40 x 40 torus, citizen density 0.70, cop density
0.04, vision 7, L = 0.82, Jmax = 30, floor(C/A)), does peacesim show long quiet spells broken
by sudden outbursts of mass activity, as Epstein (2002) and the Rebellion Info tab describe?
How many outbursts are there and what is the mean waiting time between them?

Outburst: a maximal run of steps with at least 5 % of citizens active (56 of 1,120), counted
after a burn-in of 100 steps; waiting time: steps from the start of one outburst to the start
of the next (``peacesim.epstein.count_outbursts``).

Command (about 15 s)::

    python experiments/validation/epstein_outbursts.py [--seeds 10] [--steps 2000]

Writes experiments/validation/results/epstein_outbursts.{csv,json,png}.
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

from peacesim.epstein import EpsteinModel, EpsteinParams, count_outbursts  # noqa: E402

SHARE = 0.05
BURN_IN = 100


def run(seeds: int, steps: int):
    """Per-seed table, the series of seed 0 and every waiting time."""
    params = EpsteinParams.netlogo()
    rows, waits, series = [], [], None
    for seed in range(seeds):
        model = EpsteinModel(params, seed=seed).run(steps)
        ts = model.timeseries()
        starts, peaks, lengths = count_outbursts(ts.active.to_numpy(), SHARE * model.n_citizens,
                                                 BURN_IN)
        gaps = np.diff(starts)
        waits.extend(gaps.tolist())
        quiet = ts.active.to_numpy()[BURN_IN:] < SHARE * model.n_citizens
        rows.append({
            "seed": seed, "steps": steps, "citizens": model.n_citizens, "cops": model.n_cops,
            "outbursts": starts.size, "mean_waiting_time": gaps.mean() if gaps.size else np.nan,
            "median_waiting_time": np.median(gaps) if gaps.size else np.nan,
            "mean_peak_active": peaks.mean() if peaks.size else np.nan,
            "mean_duration": lengths.mean() if lengths.size else np.nan,
            "share_of_steps_quiet": quiet.mean(),
            "mean_active": ts.active.iloc[BURN_IN:].mean(),
            "mean_jailed": ts.jailed.iloc[BURN_IN:].mean(),
        })
        if seed == 0:
            series = ts
    return params, pd.DataFrame(rows), np.array(waits), series


def plot(table, waits, series, n_citizens, path):
    """Time series of seed 0 (first 600 steps) and the distribution of waiting times."""
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(11, 3.8), width_ratios=[2.2, 1])
    window = series[series.step <= 600]
    ax.plot(window.step, window.active, lw=0.9, color="tab:red", label="active")
    ax.plot(window.step, window.jailed, lw=0.9, color="tab:gray", label="jailed")
    ax.axhline(SHARE * n_citizens, color="k", lw=0.6, ls=":", label="outburst threshold (5 %)")
    ax.set(xlabel="step", ylabel="citizens", title="NetLogo defaults, floor(C/A), seed 0")
    ax.set_ylim(top=ax.get_ylim()[1] * 1.18)
    ax.legend(loc="upper center", ncol=3, fontsize=8, frameon=False)
    bx.hist(waits, bins=np.arange(0, max(waits.max(), 10) + 5, 5), color="tab:red", alpha=0.8)
    bx.axvline(waits.mean(), color="k", lw=1)
    bx.set(xlabel="steps between outburst starts", ylabel="count",
           title=f"waiting times ({len(table)} seeds): mean {waits.mean():.1f}")
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
    params, table, waits, series = run(args.seeds, args.steps)
    RESULTS.mkdir(parents=True, exist_ok=True)
    table.round(4).to_csv(RESULTS / "epstein_outbursts.csv", index=False)
    summary = {
        "question": "punctuated outbursts at NetLogo defaults with floor(C/A)",
        "outburst_definition": f"maximal run of steps >= {BURN_IN} with active >= {SHARE:g} x "
                               "citizens",
        "outbursts_per_1000_steps": 1000 * table.outbursts.sum()
        / (len(table) * (args.steps - BURN_IN)),
        "outbursts_per_seed_mean": table.outbursts.mean(),
        "outbursts_per_seed_min": int(table.outbursts.min()),
        "mean_waiting_time": waits.mean(),
        "sd_waiting_time": waits.std(ddof=1),
        "median_waiting_time": float(np.median(waits)),
        "mean_peak_active": table.mean_peak_active.mean(),
        "mean_duration": table.mean_duration.mean(),
        "share_of_steps_quiet": table.share_of_steps_quiet.mean(),
        "mean_active": table.mean_active.mean(),
        "mean_jailed": table.mean_jailed.mean(),
        "manifest": manifest(f"python experiments/validation/epstein_outbursts.py --seeds "
                             f"{args.seeds} --steps {args.steps}", params, range(args.seeds),
                             started),
    }
    write_json("epstein_outbursts.json", summary)
    plot(table, waits, series, int(table.citizens.iloc[0]), RESULTS / "epstein_outbursts.png")
    print(table.round(2).to_string(index=False))
    print({k: v for k, v in summary.items() if k != "manifest"})


if __name__ == "__main__":
    main()
