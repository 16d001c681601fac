"""Validation of the causal core (issue 12): does the model respond, and how much?

Three experiments, each with paired seeds (common random numbers: the same seed gives the same
draws wherever the runs do not differ):

``accuracy``: Bennett (2008) inside the main model. Army accuracy 0.3, 0.45, 0.6, 0.75, 0.9
    on the baseline: do armed-group strength and support fall at every step up in accuracy,
    and is strength at 0.3 at least 1.2 times strength at 0.9?
``shock``: ``abuse_shock`` (an abuse by the forces killing 300 people in Mopti at week 52,
    the scale of Moura, March 2022) against the same run without it: how far does trust in
    the forces fall in each region within 13 weeks, and how much of the gap is left 39 weeks
    after the shock?
``programmes``: every intervention scenario against its declared counterfactual: the effect
    on its own outcome and on trust in the forces, with a 90 % interval, beside the 0.03
    precision of a national survey of 1,200 people.

Commands (results in experiments/validation/results/causal_core_*.{csv,json,png})::

    python experiments/validation/causal_core.py accuracy [--seeds 4] [--size 40000]
    python experiments/validation/causal_core.py shock [--seeds 5] [--size 40000]
    python experiments/validation/causal_core.py programmes [--seeds 10] [--size 20000]
    python experiments/validation/causal_core.py doc    # docs/VALIDATION.md's section, from
                                                        # the three JSON results
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

import peacesim

RESULTS = Path(__file__).parent / "results"
ACCURACIES = (0.3, 0.45, 0.6, 0.75, 0.9)
SURVEY_PRECISION = 0.03  # a national survey of 1,200 adults: about +/- 0.03 (95 %)


def _run(scenario: str, overrides: list[str]):
    cfg = peacesim.load_config(scenario, [*overrides, "population.agent_objects=none"])
    return peacesim.PeaceModel(cfg).run()


def _interval(d: np.ndarray, level: float = 0.90) -> tuple[float, float, float]:
    """Mean of paired differences and its t interval."""
    d = np.asarray(d, dtype=float)
    mean = float(d.mean())
    if len(d) < 2:
        return mean, float("nan"), float("nan")
    half = float(stats.t.ppf(0.5 + level / 2, len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d)))
    return mean, mean - half, mean + half


def accuracy(seeds: int, size: int, steps: int) -> dict:
    """Strength and support against army accuracy, paired seeds."""
    rows = []
    for acc in ACCURACIES:
        for seed in range(seeds):
            model = _run("baseline", [f"seed={seed}", f"population.size={size}",
                                      f"steps={steps}", f"patrol.army_accuracy={acc}"])
            s = model.summary()
            rows.append({"army_accuracy": acc, "seed": seed,
                         **{k: s[f"{k}_mean"] for k in (
                             "armed_group_strength", "armed_group_support", "harm_by_forces",
                             "new_recruits", "trust_in_sdf", "grievance", "abuse_events")}})
    table = pd.DataFrame(rows)
    table.to_csv(RESULTS / "causal_core_accuracy.csv", index=False)
    means = table.groupby("army_accuracy").mean(numeric_only=True)
    strength = means["armed_group_strength"].to_numpy()
    support = means["armed_group_support"].to_numpy()
    out = {
        "seeds": seeds, "size": size, "steps": steps,
        "mean_by_accuracy": means.drop(columns="seed").round(6).to_dict(orient="index"),
        "strength_falls_at_every_step": bool(np.all(np.diff(strength) < 0)),
        "support_falls_at_every_step": bool(np.all(np.diff(support) < 0)),
        "strength_ratio_0.3_to_0.9": float(strength[0] / strength[-1]),
    }
    _figure_accuracy(table)
    return out


def _figure_accuracy(table: pd.DataFrame) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(12, 3.6))
    for ax, (col, label) in zip(axes, (("armed_group_strength", "fighters (mean over the run)"),
                                       ("armed_group_support", "share supporting armed groups"),
                                       ("harm_by_forces", "people harmed by forces / week")),
                                strict=True):
        for _, g in table.groupby("seed"):
            ax.plot(g["army_accuracy"], g[col], color="0.75", lw=0.8)
        m = table.groupby("army_accuracy")[col].mean()
        ax.plot(m.index, m.values, "o-", color="C3", lw=2, label="mean of seeds")
        ax.set_xlabel("army accuracy")
        ax.set_title(label, fontsize=10)
    axes[0].legend(frameon=False)
    fig.suptitle("Bennett (2008) inside the main model: accuracy against insurgent strength",
                 fontsize=11)
    fig.tight_layout()
    fig.savefig(RESULTS / "causal_core_accuracy.png", dpi=120)
    plt.close(fig)


def shock(seeds: int, size: int, steps: int) -> dict:
    """Trust by region with and without the abuse shock, paired seeds."""
    cfg = peacesim.load_config("abuse_shock")
    at = int(cfg.shocks.events[0].step)
    off = list(cfg.scenario.counterfactual)
    frames = []
    for seed in range(seeds):
        common = [f"seed={seed}", f"population.size={size}", f"steps={steps}"]
        on = _run("abuse_shock", common).timeseries()
        cf = _run("abuse_shock", [*common, *off]).timeseries()
        gap = on[["step", "region"]].copy()
        gap["gap"] = on["trust_in_sdf"].to_numpy() - cf["trust_in_sdf"].to_numpy()
        gap["seed"] = seed
        frames.append(gap)
    table = pd.concat(frames)
    table["region"] = table["region"].astype(str)
    table.to_csv(RESULTS / "causal_core_shock.csv", index=False)
    mean = table.groupby(["step", "region"])["gap"].mean().unstack()
    at13, at39 = mean.loc[at + 13], mean.loc[at + 39]
    d13 = table[table.step == at + 13].pivot(index="seed", columns="region", values="gap")
    mopti13 = _interval(d13["Mopti"].to_numpy())
    out = {
        "seeds": seeds, "size": size, "steps": steps, "shock_step": at,
        "gap_13_weeks_by_region": at13.round(5).to_dict(),
        "gap_39_weeks_by_region": at39.round(5).to_dict(),
        "mopti_gap_13_weeks_90pc": [round(x, 5) for x in mopti13],
        "mopti_falls_most": bool(at13.idxmin() == "Mopti"),
        "mopti_falls_by_survey_precision": bool(at13["Mopti"] <= -SURVEY_PRECISION),
        "share_of_gap_left_at_39_weeks": float(at39["Mopti"] / at13["Mopti"]),
    }
    _figure_shock(mean, at)
    return out


def _figure_shock(mean: pd.DataFrame, at: int) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4))
    for region in mean.columns:
        lw, colour = (2.2, "C3") if region == "Mopti" else (0.9, "0.6")
        ax.plot(mean.index - at, mean[region], lw=lw, color=colour,
                label=region if region == "Mopti" else None)
    ax.axhline(-SURVEY_PRECISION, ls="--", color="k", lw=0.8,
               label="a survey's precision (-0.03)")
    ax.axvline(0, color="k", lw=0.5)
    for w in (13, 39):
        ax.axvline(w, color="0.8", lw=0.5)
    ax.set_xlabel("weeks after the shock")
    ax.set_ylabel("trust in the forces: shock - no shock")
    ax.set_title("abuse_shock, 300 killed in Mopti at week 52: trust by region\n"
                 "(mean of paired seeds; grey: the other regions)", fontsize=10)
    ax.legend(frameon=False)
    fig.tight_layout()
    fig.savefig(RESULTS / "causal_core_shock.png", dpi=120)
    plt.close(fig)


def programmes(seeds: int, size: int, steps: int) -> dict:
    """Every intervention scenario against its declared counterfactual."""
    rows = []
    for name in peacesim.scenario_names():
        cfg = peacesim.load_config(name)
        if cfg.model != "peace" or not cfg.scenario.counterfactual:
            continue
        outcome = cfg.scenario.outcome
        diffs = {outcome: [], "trust_in_sdf_mean": []}
        for seed in range(seeds):
            common = [f"seed={seed}", f"population.size={size}", f"steps={steps}"]
            on = _run(name, common).summary()
            cf = _run(name, [*common, *cfg.scenario.counterfactual]).summary()
            for k in diffs:
                diffs[k].append(on[k] - cf[k])
        for k, d in diffs.items():
            mean, lo, hi = _interval(np.array(d))
            rows.append({"scenario": name, "outcome": k, "own_outcome": k == outcome,
                         "intended": cfg.scenario.direction if k == outcome else "",
                         "effect": mean, "lo90": lo, "hi90": hi,
                         "survey_detectable": bool(abs(mean) >= SURVEY_PRECISION)
                         if k.startswith("trust") else None})
    table = pd.DataFrame(rows)
    table.to_csv(RESULTS / "causal_core_programmes.csv", index=False)
    return {"seeds": seeds, "size": size, "steps": steps,
            "rows": table.round(6).to_dict(orient="records")}


DOC = Path(__file__).resolve().parents[2] / "docs" / "VALIDATION.md"
ACC_HEADER = ("army accuracy", "fighters", "support for armed groups",
              "harmed by forces / week", "recruits / week", "trust in the forces")


def _table(header, rows) -> str:
    """A Markdown table (header, separator, rows)."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)
BEGIN = ("<!-- causal-core:begin (generated by experiments/validation/causal_core.py doc; "
         "do not edit by hand) -->")
END = "<!-- causal-core:end -->"


def render() -> str:
    """docs/VALIDATION.md's section on the causal core, from the committed JSON results."""
    acc = json.loads((RESULTS / "causal_core_accuracy.json").read_text())
    sh = json.loads((RESULTS / "causal_core_shock.json").read_text())
    pr = json.loads((RESULTS / "causal_core_programmes.json").read_text())
    acc_rows = "\n".join(
        f"| {a} | {v['armed_group_strength']:,.0f} | {v['armed_group_support']:.3f} | "
        f"{v['harm_by_forces']:.1f} | {v['new_recruits']:.0f} | {v['trust_in_sdf']:.3f} |"
        for a, v in acc["mean_by_accuracy"].items())
    g13, g39 = sh["gap_13_weeks_by_region"], sh["gap_39_weeks_by_region"]
    other13 = max(abs(v) for k, v in g13.items() if k != "Mopti")
    other39 = max(abs(v) for k, v in g39.items() if k != "Mopti")
    _, lo13, hi13 = sh["mopti_gap_13_weeks_90pc"]
    prog_rows = []
    for r in pr["rows"]:
        seen = {None: "—", True: "yes", False: "no"}[r["survey_detectable"]]
        prog_rows.append(f"| `{r['scenario']}` | `{r['outcome']}` | {r['intended'] or '—'} | "
                         f"{r['effect']:+.4g} ({r['lo90']:+.4g} to {r['hi90']:+.4g}) | {seen} |")
    own = [r for r in pr["rows"] if r["own_outcome"]]
    intended = sum(1 for r in own if (r["effect"] > 0) == (r["intended"] == "up")
                   and (r["lo90"] > 0 or r["hi90"] < 0))
    trust = [r for r in pr["rows"] if r["outcome"] == "trust_in_sdf_mean"
             and not r["own_outcome"]]
    best = max(trust, key=lambda r: r["effect"])
    seen_any = any(r["survey_detectable"] for r in pr["rows"] if r["survey_detectable"])
    abuse_year = {a: v["abuse_events"] * 52 for a, v in acc["mean_by_accuracy"].items()}
    ratio = acc["strength_ratio_0.3_to_0.9"]
    circular = (
        ("starting trust vs Afrobarometer R8", "the survey level",
         "yes: the regional levels are inputs (`regions.*.trust_in_sdf`)"),
        ("armed-group events a week vs ACLED 2017", "ACLED's count",
         "partly: `armed_groups.attack_rate` was set with that count in view"),
        ("share of attacks aimed at the forces", "ACLED's event types",
         "yes: `armed_groups.forces_share` is that share"),
        ("abuse events vs ACLED's violence against civilians by Malian forces (16-18 a year)",
         "ACLED", f"yes: `abuse.rate` was calibrated by hand to it ({abuse_year['0.6']:.0f} a "
         f"year at army accuracy 0.6, {abuse_year['0.75']:.0f} at 0.75; the default is 0.7)"),
        ("fighters near 8,000 over five years", "the previous calibration",
         "yes: `armed_groups.join_rate` was set by hand for it"),
        ("concentration of violence in the north and centre", "ACLED country report",
         "no: it comes from the regions' insecurity, people and the dynamics"),
        ("Bennett's accuracy effect, the shock's size and persistence",
         "published direction (Bennett 2008), the issue's thresholds",
         "no data: a property of the assumed mechanisms, not a fit"),
        ("Epstein, Deffuant, Hegselmann-Krause limits", "published results",
         "no: independent reproductions"),
    )
    falls = acc["strength_falls_at_every_step"] and acc["support_falls_at_every_step"]
    return f"""## The causal core responds (issue 12)

Command: `python experiments/validation/causal_core.py accuracy|shock|programmes` (paired
seeds; tables, JSON and figures in experiments/validation/results/causal_core_*), then
`python experiments/validation/causal_core.py doc` rewrites this section from the JSON (a
test checks it is up to date). Small versions that can fail: tests/test_causal_core.py.

### Bennett (2008) inside the main model

Army accuracy on the baseline, {acc['seeds']} paired seeds, {acc['size']:,} members,
{acc['steps']} weeks ({acc['seconds']:.0f} s on the shared 2-core machine). Means over the run:

{_table(ACC_HEADER, [])}
{acc_rows}

Strength and support {"fall at every step up in accuracy" if falls else
"do NOT fall at every step up in accuracy"} (strength at 0.3 is {ratio:.2f} times strength at
0.9; the issue asked for at least 1.2). What carries it: the casualties of engagements are
heard of (`trust.harm_reach`, 1,000 people each, assumed), hearing raises harm memory
(`grievance.hearsay_gain`), and harm memory is a motive to join (`armed_groups.revenge`, join
probability × (1 + 5 g), assumed). All three are assumed, so the size of the effect is the
size of those assumptions; its sign and monotonicity are the mechanism's.

![accuracy](../experiments/validation/results/causal_core_accuracy.png)

### One abuse moves a region: `abuse_shock`

300 people killed by the forces in Mopti's most populous cell at week {sh['shock_step']} (the
scale of Moura, March 2022), against the same run without it, {sh['seeds']} paired seeds,
{sh['size']:,} members. Trust in the forces, shock minus no shock:

| | Mopti | largest other region (absolute) |
|---|---|---|
| 13 weeks after | {g13['Mopti']:+.4f} (90 % interval {lo13:+.4f} to {hi13:+.4f}) | {other13:.4f} |
| 39 weeks after | {g39['Mopti']:+.4f} | {other39:.4f} |

Mopti falls {"by more than" if sh['mopti_falls_by_survey_precision'] else "by less than"} a
survey's precision (0.03) and {"more than any other region" if sh['mopti_falls_most'] else
"NOT more than every other region"}; 39 weeks after the shock
{sh['share_of_gap_left_at_39_weeks']:.0%} of the 13-week gap is left (the issue asked for at
least half): trust drifts back toward a reputation that the shock itself lowered. Before the
shock the two runs are identical, bit for bit. The recovery curve:

![shock](../experiments/validation/results/causal_core_shock.png)

### Every programme against its counterfactual

{pr['seeds']} paired seeds, {pr['size']:,} members, {pr['steps']} weeks ({pr['seconds']:.0f} s).
Effects are on the scenario's simulated area (national for the national scenarios) and over
the programme period (`<metric>_mean`, from the programme's start), with 90 % t intervals of
the paired differences. "Survey could see it" compares the effect on trust with the ±0.03 of
a national survey of 1,200 people.

| scenario | outcome | intended | effect (90 % interval) | survey could see it |
|---|---|---|---|---|
{chr(10).join(prog_rows)}

{intended} of the {len(own)} scenarios move their own outcome in the intended direction with
an interval that excludes zero. {"Some programme moves" if seen_any else "No programme moves"}
trust in the forces by as much as a survey could detect; the largest effect on trust is
`{best['scenario']}` ({best['effect']:+.4f}). These numbers were not tuned: the defaults were
set before this table was computed, and the table is what came out.

### Which checks are circular

{_table(("check", "compared with", "circular?"), circular)}
"""


def write_doc() -> None:
    """Rewrite the generated section of docs/VALIDATION.md."""
    text = DOC.read_text()
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    DOC.write_text(f"{head}{BEGIN}\n{render()}{END}{tail}")


def main() -> None:
    """Run one experiment and write its results (or rewrite the doc section)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("experiment", choices=("accuracy", "shock", "programmes", "doc"))
    parser.add_argument("--seeds", type=int, default=None)
    parser.add_argument("--size", type=int, default=None)
    parser.add_argument("--steps", type=int, default=260)
    args = parser.parse_args()
    defaults = {"accuracy": (4, 40_000), "shock": (5, 40_000), "programmes": (10, 20_000),
                "doc": (0, 0)}
    seeds, size = defaults[args.experiment]
    if args.experiment == "doc":
        write_doc()
        print(f"wrote {DOC}")
        return
    seeds, size = args.seeds or seeds, args.size or size
    RESULTS.mkdir(exist_ok=True)
    start = time.perf_counter()
    out = {"accuracy": accuracy, "shock": shock, "programmes": programmes}[args.experiment](
        seeds, size, args.steps)
    out["seconds"] = round(time.perf_counter() - start, 1)
    path = RESULTS / f"causal_core_{args.experiment}.json"
    path.write_text(json.dumps(out, indent=2, default=float) + "\n")
    print(json.dumps(out, indent=2, default=float))


if __name__ == "__main__":
    main()
