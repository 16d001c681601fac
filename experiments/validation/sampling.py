"""Does a run's outcome depend on how many members represent the population (issue 13)?

Runs the national baseline at 10,000, 50,000 and 200,000 members (same seeds) and compares,
per region, outcomes counted in people and events: armed-group fighters, violent events a
week, new recruits a week, displaced people. Writes results/sampling.csv and prints the
means over seeds with their ratio to the 200,000-member run.

    python experiments/validation/sampling.py --steps 104 --seeds 2
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

import peacesim

OUTCOMES = ("armed_group_strength", "attacks", "new_recruits", "idps")


def run(size: int, seed: int, steps: int) -> pd.DataFrame:
    """Mean of each outcome per region over weeks 1..steps."""
    model = peacesim.PeaceModel(peacesim.load_config(
        "baseline", [f"population.size={size}", f"seed={seed}", f"steps={steps}",
                     "population.agent_objects=none"]))
    model.run()
    ts = model.timeseries()
    out = ts[ts["step"] > 0].groupby("region")[list(OUTCOMES)].mean().reset_index()
    out["size"], out["seed"] = size, seed
    return out


def main() -> None:
    """Run every size and seed, write the table, print the comparison."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=104)
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000, 200_000])
    args = parser.parse_args()
    rows = [run(size, seed, args.steps) for size in args.sizes for seed in range(args.seeds)]
    table = pd.concat(rows, ignore_index=True)
    out = Path(__file__).with_name("results") / "sampling.csv"
    table.to_csv(out, index=False)
    mean = table.groupby(["size", "region"])[list(OUTCOMES)].mean()
    national = table.groupby(["size", "seed"])[list(OUTCOMES)].sum().groupby("size").mean()
    pd.set_option("display.width", 200)
    print(mean.round(2).to_string())
    print("national (sum over regions), mean over seeds:")
    print(national.round(2).to_string())
    print("ratio to the largest size:")
    print((national / national.iloc[-1]).round(3).to_string())


if __name__ == "__main__":
    main()
