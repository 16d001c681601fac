"""Hegselmann-Krause on the complete graph: consensus above eps of about 0.2-0.25.

Question: does peacesim's kernel ``hegselmann_krause_step`` reproduce Hegselmann & Krause
(2002, JASSS 5(3) 2): with opinions ~ U(0, 1) and synchronous updates on the complete graph,
all agents reach one opinion when eps is above about 0.2-0.25, and several clusters form
below?

Set-up: N = 1000 agents, opinions U(0, 1) in float32, 20 seeds per eps; iterate until a
fixed point (no opinion changes) or MAX_STEPS. HK reaches its fixed point in finitely
many steps.

Consensus: final spread (max - min) below TOL = 1e-4. Clusters: maximal runs of sorted final
opinions with neighbour gaps < 1e-3; *major* clusters hold at least 1 % of the agents.

Command (from the repo root, a few seconds):
    python experiments/validation/hk_consensus.py

Writes experiments/validation/results/hk_consensus.csv (one row per eps and seed),
hk_consensus_summary.csv (one row per eps) and hk_consensus.png.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

from peacesim.kernels.influence import hegselmann_krause_step
from peacesim.random import Streams

RESULTS = Path(__file__).resolve().parent / "results"
N = 1000
TOL = 1e-4
GAP_TOL = 1e-3
MAJOR_SHARE = 0.01
MAX_STEPS = 2000
EPS_GRID = (0.05, 0.075, 0.1, 0.125, 0.15, 0.175, 0.19, 0.2, 0.21, 0.22, 0.23, 0.24, 0.25,
            0.275, 0.3, 0.35, 0.4)


def run_one(eps: float, seed: int) -> dict:
    """One run to the fixed point; returns its row of the table."""
    rng = np.random.default_rng(int(Streams(seed)["validation.hk.init"]))
    x = rng.random(N).astype(np.float32)
    steps = 0
    while steps < MAX_STEPS:
        new = hegselmann_krause_step(x, eps)
        steps += 1
        if np.array_equal(new, x):
            break
        x = new
    s = np.sort(x.astype(np.float64))
    sizes = np.diff(np.concatenate(([0], np.flatnonzero(np.diff(s) >= GAP_TOL) + 1, [N])))
    return {
        "eps": eps,
        "seed": seed,
        "steps": steps,
        "fixed_point": steps < MAX_STEPS,
        "spread": float(s[-1] - s[0]),
        "consensus": bool(s[-1] - s[0] < TOL),
        "clusters": int(len(sizes)),
        "major_clusters": int(np.sum(sizes >= MAJOR_SHARE * N)),
    }


def summarise(table: pd.DataFrame) -> pd.DataFrame:
    """One row per eps."""
    g = table.groupby("eps")
    return pd.DataFrame(
        {
            "consensus_share": g["consensus"].mean(),
            "clusters_mean": g["clusters"].mean().round(2),
            "clusters_min": g["clusters"].min(),
            "clusters_max": g["clusters"].max(),
            "major_clusters_mean": g["major_clusters"].mean().round(2),
            "spread_median": g["spread"].median().round(4),
            "steps_mean": g["steps"].mean().round(1),
            "all_fixed_points": g["fixed_point"].all(),
        }
    ).reset_index()


def plot(summary: pd.DataFrame, table: pd.DataFrame, path: Path) -> None:
    """Share of seeds in consensus and number of clusters vs eps."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax, ax2) = plt.subplots(2, 1, figsize=(6.5, 6.0), sharex=True)
    ax.plot(summary["eps"], summary["consensus_share"], "o-", color="C0")
    ax.axvspan(0.2, 0.25, color="C2", alpha=0.15, label="published threshold 0.2-0.25")
    ax.set_ylabel(f"share of seeds in consensus\n(final spread < {TOL:g})")
    n_seeds = table["seed"].nunique()
    ax.set_title(f"Hegselmann-Krause 2002, complete graph, N={N}, {n_seeds} seeds")
    ax.legend(loc="lower right")
    ax.grid(alpha=0.3)
    jitter = (table["seed"] - table["seed"].mean()) * 0.0006
    ax2.scatter(table["eps"] + jitter, table["clusters"], s=8, alpha=0.35, color="C1",
                label="all clusters, each seed")
    ax2.plot(summary["eps"], summary["major_clusters_mean"], "o-", color="C0",
             label="major clusters (>= 1 %), mean")
    ax2.axvspan(0.2, 0.25, color="C2", alpha=0.15)
    ax2.set_xlabel(r"confidence bound $\varepsilon$")
    ax2.set_ylabel("final clusters")
    ax2.legend()
    ax2.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> None:
    """Run the sweep, write the tables and the figure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    table = pd.DataFrame([run_one(e, s) for e in EPS_GRID for s in range(args.seeds)])
    summary = summarise(table)
    table.to_csv(RESULTS / "hk_consensus.csv", index=False)
    summary.to_csv(RESULTS / "hk_consensus_summary.csv", index=False)
    plot(summary, table, RESULTS / "hk_consensus.png")
    print(summary.to_string(index=False))
    print(f"{len(table)} runs in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
