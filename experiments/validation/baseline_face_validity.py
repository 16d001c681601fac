"""Face validity of the baseline scenario.

Question: does ``baseline`` start at the survey level of trust in the defence forces (82 %
"partly or a lot", Afrobarometer R8 Mali 2020), keep it plausible over five years, and
concentrate violence in the north (Tombouctou, Gao, Kidal) and the centre (Mopti, Ségou), as
ACLED reports (violence concentrated in Tombouctou, Gao and Kidal, and in Mopti since 2011)?
Does it produce about the 9 armed-group events a week of ACLED Mali 2017 (474 events)?

Command (about a minute)::

    python experiments/validation/baseline_face_validity.py [--seeds 5] [--size 100000]

Writes experiments/validation/results/baseline_face_validity.{csv,json,png}.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd

import peacesim

NORTH_CENTRE = ("Tombouctou", "Gao", "Kidal", "Mopti", "Ségou")
RESULTS = Path(__file__).parent / "results"


def run(seeds: int, size: int, steps: int) -> tuple[pd.DataFrame, dict]:
    """Run the baseline for several seeds; per-region table and national checks."""
    rows, national = [], []
    for seed in range(seeds):
        cfg = peacesim.load_config("baseline", [f"seed={seed}", f"population.size={size}",
                                                f"steps={steps}", "population.agent_objects=none"])
        model = peacesim.PeaceModel(cfg).run()
        ts = model.timeseries()
        nat = model.national()
        start = ts[ts.step == 0].set_index("region")
        later = ts[ts.step > 0].groupby("region", observed=True)
        per_region = pd.DataFrame({
            "trust_start": start["trust_in_sdf"],
            "trust_end": ts[ts.step == steps].set_index("region")["trust_in_sdf"],
            "attacks_per_week": later["attacks"].mean(),
            "armed_attacks_per_week": later["attacks_on_forces"].mean()
            + later["attacks_on_civilians"].mean(),
            "armed_group_support": later["armed_group_support"].mean(),
            "civilian_harm_per_week": later["civilian_harm"].mean(),
        })
        per_region["seed"] = seed
        rows.append(per_region.reset_index())
        armed = nat["attacks_on_forces"] + nat["attacks_on_civilians"]
        national.append({
            "seed": seed,
            "trust_start": float(nat["trust_in_sdf"].iloc[0]),
            "trust_end": float(nat["trust_in_sdf"].iloc[-1]),
            "armed_events_per_week": float(armed.iloc[1:].mean()),
            "share_on_forces": float(nat["attacks_on_forces"].iloc[1:].sum()
                                     / max(armed.iloc[1:].sum(), 1)),
            "events_per_week": float(nat["attacks"].iloc[1:].mean()),
        })
    table = pd.concat(rows, ignore_index=True)
    nat = pd.DataFrame(national)
    by_region = table.groupby("region", observed=True)["armed_attacks_per_week"].mean()
    share_nc = float(by_region[list(NORTH_CENTRE)].sum() / by_region.sum())
    pop = table.groupby("region", observed=True).size()
    checks = {
        "seeds": seeds, "population.size": size, "steps": steps,
        "national_trust_start_mean": float(nat.trust_start.mean()),
        "survey_trust_in_defence_forces": 0.82,
        "national_trust_end_mean": float(nat.trust_end.mean()),
        "armed_events_per_week_mean": float(nat.armed_events_per_week.mean()),
        "acled_2017_events_per_week": 474 / 52,
        "share_of_armed_attacks_on_forces": float(nat.share_on_forces.mean()),
        "acled_2017_share_battles_and_remote": 283 / 415,
        "share_of_armed_attacks_in_north_and_centre": share_nc,
        "regions": int(len(pop)),
    }
    return table, checks


def figure(table: pd.DataFrame, checks: dict, path: Path) -> None:
    """Two panels: trust by region (start/end) and armed attacks per week by region."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    mean = table.groupby("region", observed=True).mean(numeric_only=True)
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4.2), constrained_layout=True)
    x = np.arange(len(mean))
    a.bar(x - 0.2, mean.trust_start, 0.4, label="start (week 0)", color="#0072B2")
    a.bar(x + 0.2, mean.trust_end, 0.4, label="after 5 years", color="#E69F00")
    a.axhline(0.82, color="k", ls="--", lw=1, label="Afrobarometer 2020, national: 0.82")
    a.set_xticks(x, mean.index, rotation=35, ha="right")
    a.set_ylim(0, 1)
    a.set_ylabel("mean trust in the SDF (0-1)")
    a.set_title("Trust in the security forces by region")
    a.legend(loc="lower left", fontsize=8)
    colours = ["#D55E00" if r in NORTH_CENTRE else "#999999" for r in mean.index]
    b.bar(x, mean.armed_attacks_per_week, color=colours)
    b.set_xticks(x, mean.index, rotation=35, ha="right")
    b.set_ylabel("armed-group attacks per week")
    b.set_title(f"Violence: {checks['share_of_armed_attacks_in_north_and_centre']:.0%} "
                "in the north and centre (orange)")
    fig.suptitle(f"baseline, {checks['seeds']} seeds x {checks['steps']} weeks, "
                 f"{checks['population.size']:,} members", fontsize=10)
    fig.savefig(path, dpi=110)


def main() -> None:
    """Run the checks and write the table, the JSON and the figure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--steps", type=int, default=260)
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    table, checks = run(args.seeds, args.size, args.steps)
    table.to_csv(RESULTS / "baseline_face_validity.csv", index=False, float_format="%.5g")
    (RESULTS / "baseline_face_validity.json").write_text(json.dumps(checks, indent=2) + "\n")
    figure(table, checks, RESULTS / "baseline_face_validity.png")
    print(json.dumps(checks, indent=2))


if __name__ == "__main__":
    main()
