"""Deffuant bounded confidence on a complete graph: number of final opinion clusters vs eps.

Question: does peacesim's kernel ``deffuant_in_groups`` reproduce Deffuant, Neau, Amblard &
Weisbuch (2000, Adv. Complex Syst. 3): with complete mixing, opinions ~ U(0, 1) and mu = 0.5,
the number of final clusters is about floor(1 / (2 eps)), with consensus (one cluster) for
eps > 1/2 (and in practice from eps of about 0.27 upward)?

Set-up: one group of N = 1000 agents (complete mixing), opinions U(0, 1) in float32,
mu = 0.5; one step = N random pair encounters; run until converged (see below) or
MAX_STEPS; 10 seeds per eps.

Convergence: sort the opinions; the run has converged when every gap between neighbours is
either below GAP_TOL = 1e-3 (inside a cluster) or at least eps (between clusters, which can
then never interact again).

Clusters: maximal runs of sorted opinions whose neighbour gaps are < GAP_TOL. A *major*
cluster holds at least 1 % of the agents (10 of 1000); smaller ones (lone extremists left
near 0 and 1, a known feature of the model) are counted separately as *minor* clusters.

Command (from the repo root, about half a minute):
    python experiments/validation/deffuant_clusters.py

Writes experiments/validation/results/deffuant_clusters.csv (one row per eps and seed),
deffuant_clusters_summary.csv (one row per eps) and deffuant_clusters.png.
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import numpy as np
import pandas as pd

from peacesim.kernels.influence import deffuant_in_groups
from peacesim.random import Streams

RESULTS = Path(__file__).resolve().parent / "results"
N = 1000
MU = 0.5
GAP_TOL = 1e-3
MAJOR_SHARE = 0.01
MAX_STEPS = 20_000
EPS_GRID = (0.05, 0.075, 0.1, 0.125, 0.15, 0.175, 0.2, 0.225, 0.25, 0.275, 0.3, 0.35, 0.4,
            0.45, 0.5, 0.55, 0.6)


def clusters(x: np.ndarray, gap_tol: float = GAP_TOL) -> list[np.ndarray]:
    """Split opinions into clusters at sorted-neighbour gaps >= gap_tol."""
    s = np.sort(x.astype(np.float64))
    cuts = np.flatnonzero(np.diff(s) >= gap_tol) + 1
    return np.split(s, cuts)


def converged(x: np.ndarray, eps: float) -> bool:
    """Every sorted-neighbour gap is either < GAP_TOL or >= eps."""
    gaps = np.diff(np.sort(x.astype(np.float64)))
    return bool(np.all((gaps < GAP_TOL) | (gaps >= eps)))


def run_one(eps: float, seed: int) -> dict:
    """One run; returns its row of the table."""
    streams = Streams(seed)
    rng = np.random.default_rng(int(streams["validation.deffuant.init"]))
    x = rng.random(N).astype(np.float32)
    key = streams["validation.deffuant.pairs"]
    offsets = np.array([0, N], dtype=np.int64)
    n_pairs = np.array([N], dtype=np.int64)
    step = 0
    while step < MAX_STEPS:
        deffuant_in_groups(x, offsets, n_pairs, eps, MU, key, step)
        step += 1
        if step % 10 == 0 and converged(x, eps):
            break
    parts = clusters(x)
    sizes = np.array([len(p) for p in parts])
    major = sizes >= MAJOR_SHARE * N
    return {
        "eps": eps,
        "seed": seed,
        "steps": step,
        "converged": converged(x, eps),
        "major_clusters": int(major.sum()),
        "minor_clusters": int((~major).sum()),
        "agents_in_minor": int(sizes[~major].sum()),
        "largest_share": float(sizes.max() / N),
        "major_positions": " ".join(f"{p.mean():.3f}" for p, m in zip(parts, major, strict=True)
                                    if m),
        "predicted": math.floor(1.0 / (2.0 * eps)) if eps <= 0.5 else 1,
    }


def summarise(table: pd.DataFrame) -> pd.DataFrame:
    """One row per eps: mean, min and max of the major-cluster count, and the prediction."""
    g = table.groupby("eps")
    return pd.DataFrame(
        {
            "predicted_floor_1_over_2eps": g["predicted"].first(),
            "major_mean": g["major_clusters"].mean().round(2),
            "major_min": g["major_clusters"].min(),
            "major_max": g["major_clusters"].max(),
            "minor_mean": g["minor_clusters"].mean().round(2),
            "agents_in_minor_mean": g["agents_in_minor"].mean().round(1),
            "consensus_share": g["major_clusters"].apply(lambda c: float(np.mean(c == 1))),
            "full_consensus_share": g["full_consensus"].mean(),
            "all_converged": g["converged"].all(),
            "steps_mean": g["steps"].mean().round(0),
        }
    ).reset_index()


def plot(summary: pd.DataFrame, table: pd.DataFrame, path: Path) -> None:
    """Major clusters vs eps (each seed, mean) against floor(1/(2 eps))."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax, ax2) = plt.subplots(
        2, 1, figsize=(6.5, 6.2), sharex=True, gridspec_kw={"height_ratios": [2.2, 1]}
    )
    jitter = (table["seed"] - table["seed"].mean()) * 0.0008
    ax.scatter(table["eps"] + jitter, table["major_clusters"], s=8, alpha=0.35, color="C0",
               label="each seed")
    ax.plot(summary["eps"], summary["major_mean"], "o-", color="C0", label="mean over seeds")
    fine = np.linspace(0.045, 0.6, 400)
    ax.step(fine, [math.floor(1 / (2 * e)) if e <= 0.5 else 1 for e in fine], where="post",
            color="C3", ls="--", label=r"$\lfloor 1/(2\varepsilon) \rfloor$")
    ax.set_ylabel("major clusters (>= 1 % of agents)")
    n_seeds = table["seed"].nunique()
    ax.set_title(f"Deffuant et al. 2000, complete mixing, N={N}, mu={MU}, {n_seeds} seeds")
    ax.legend()
    ax.grid(alpha=0.3)
    ax2.plot(summary["eps"], summary["consensus_share"], "o-", label="one major cluster")
    ax2.plot(summary["eps"], summary["full_consensus_share"], "s--",
             label="all agents in one cluster")
    ax2.axvline(0.5, color="C3", ls=":", lw=1)
    ax2.set_xlabel(r"confidence bound $\varepsilon$")
    ax2.set_ylabel("share of seeds")
    ax2.legend(fontsize=8)
    ax2.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> None:
    """Run the sweep, write the tables and the figure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    rows = [run_one(eps, seed) for eps in EPS_GRID for seed in range(args.seeds)]
    table = pd.DataFrame(rows)
    table["full_consensus"] = (table["major_clusters"] == 1) & (table["minor_clusters"] == 0)
    summary = summarise(table)
    table.to_csv(RESULTS / "deffuant_clusters.csv", index=False)
    summary.to_csv(RESULTS / "deffuant_clusters_summary.csv", index=False)
    plot(summary, table, RESULTS / "deffuant_clusters.png")
    print(summary.to_string(index=False))
    print(f"{len(rows)} runs in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
