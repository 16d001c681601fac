"""The report of a collected sweep folder: its figures and ``report.html``."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from peacesim.io import read_json, write_text
from peacesim.plots.labels import Labels
from peacesim.report import html as H
from peacesim.report.reading import METRICS_FILE, first_job, load_metrics


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", str(text)).strip("_")


def heat_caption(table: pd.DataFrame, x: str, y: str, outcome: str, rest: list[str],
                 labels: Labels | None = None) -> str:
    """The caption of a heat map: what it shows, its colour scale, and how large the effect is.

    The spread of the cell means (largest minus smallest) is set against the colour scale and,
    for shares, against the practical threshold (:data:`peacesim.analysis.PRACTICAL_THRESHOLD`).
    """
    from peacesim.analysis import PRACTICAL_THRESHOLD, cell_means, colour_range
    from peacesim.plots.labels import difference_unit, fmt_number, metric_label, outcome_label
    from peacesim.plots.labels import outcome_parts as parts

    label = metric_label(parts(outcome)[0], labels)
    _, _, grid, _ = cell_means(table, x, y, outcome, labels=labels)
    lo, hi = colour_range(grid, label)
    text = (f"{outcome_label(outcome, labels)}: mean over seeds for each pair of {x} and {y}"
            + (f", pooled over {', '.join(rest)}" if rest else "") + "; n = runs per cell.")
    finite = grid[np.isfinite(grid)]
    if not finite.size:
        return text
    spread = float(finite.max() - finite.min())
    unit = difference_unit(label)
    unit = f" {unit}" if unit else ""
    if label.kind == "share":
        threshold = PRACTICAL_THRESHOLD * label.scale
        size = ("smaller than" if spread < threshold else "at least")
        text += (f" The colours span the whole scale, {lo:g} to {hi:g}, so that a small "
                 f"effect looks small: the cells differ by at most {fmt_number(spread)}{unit} "
                 f"({100 * spread / (hi - lo):.2g} % of the scale), {size} the practical "
                 f"threshold of {threshold:g}{unit}.")
    else:
        text += (f" The colours span the values, {fmt_number(lo)} to {fmt_number(hi)}"
                 f"{unit}: the cells differ by at most {fmt_number(spread)}{unit}.")
    return text


def sweep_figures(table: pd.DataFrame, scenario: dict, labels: Labels | None = None
                  ) -> tuple[list[tuple[str, str, Callable]], list[str], list[pd.DataFrame]]:
    """The figures of a sweep.

    Args:
        table: ``sweep.parquet``.
        scenario: The scenario section of the first job's config (counterfactual, outcome).
        labels: The metrics' labels (:func:`peacesim.report.load_metrics`).

    Returns:
        (file name, caption, draw function) per figure, what is not drawn and why, and the
        paired-difference tables.
    """
    from peacesim import analysis as an
    from peacesim.plots import sweep as sp

    cols = an.sweep_columns(table)
    swept = list(cols.swept)
    target = scenario.get("outcome") or ""
    outcomes = an.main_outcomes(table, [target] if target else [])
    figs: list[tuple[str, str, Callable]] = []
    notes: list[str] = []
    diffs: list[pd.DataFrame] = []
    n_seeds = len(cols.seeds)
    choices = an.counterfactual_choice(table, scenario.get("counterfactual") or [])
    order = list(dict.fromkeys([c[0] for c in choices] + swept))
    if not swept:
        notes.append("No parameter other than the seed was swept: no curves against a "
                     "parameter, no heat map and no paired comparison.")
        if len(table) >= 2:
            figs.append(("sweep_seeds", f"Outcomes across the {len(table)} runs (seeds) of the "
                         "sweep: each dot is one run.",
                         lambda: sp.seed_spread(table, outcomes=outcomes, labels=labels)))
        else:
            notes.append("One run only: no spread across seeds to draw.")
        return figs, notes, diffs
    if n_seeds < 2:
        notes.append("One seed per setting: the intervals across seeds cannot be drawn.")
    for p in order[:4]:
        others = [q for q in order if q != p]
        group = others[0] if len(others) >= 1 and len(cols.swept[others[0]]) <= 6 else None
        pooled = [q for q in others if q != group]
        caption = (f"Outcomes against {p}: mean over seeds and the interval holding 90 % of the "
                   "runs (5th to 95th percentile)"
                   + (f"; one line per value of {group}" if group else "")
                   + (f"; pooled over {', '.join(pooled)}" if pooled else "") + ".")
        figs.append((f"sweep_vs_{_slug(p)}", caption,
                     lambda p=p, group=group: sp.outcome_vs_parameter(
                         table, p, outcomes=outcomes, group=group, labels=labels)))
    if len(order) > 4:
        notes.append(f"Curves drawn for the first four swept parameters only (of {len(order)}).")
    if len(swept) >= 2:
        x, y = order[0], order[1]
        heat_outcomes = list(dict.fromkeys([o for o in (target, "trust_in_sdf_final")
                                            if o and o in table] or outcomes[:1]))
        for o in heat_outcomes:
            rest = [q for q in order if q not in (x, y)]
            figs.append((f"sweep_heatmap_{_slug(o)}", heat_caption(table, x, y, o, rest, labels),
                         lambda o=o: sp.heatmap(table, x, y, o, labels=labels)))
    else:
        notes.append("Heat map: needs two swept parameters; this sweep has one.")
    if not choices:
        notes.append("Paired comparison: no swept parameter has an order (numbers or "
                     "true/false), so no counterfactual value could be chosen.")
    if "seed" not in table:
        notes.append("Paired comparison: the table has no seed column; jobs are paired by "
                     "their other parameters only.")
    for p, cf, why in choices[:3]:
        others = [q for q in swept if q != p]
        by = others[0] if len(others) == 1 and len(cols.swept[others[0]]) <= 4 else None
        d = an.paired_differences(table, p, cf, outcomes=outcomes, by=by, labels=labels)
        if d.empty or int(d["pairs"].max()) == 0:
            notes.append(f"Paired comparison for {p}: no job at {p}={cf} shares a seed with "
                         "another job.")
            continue
        diffs.append(d)
        pooled = [q for q in others if q != by]
        figs.append((f"sweep_paired_{_slug(p)}",
                     f"Paired comparison for {p}: each value minus the counterfactual {p}={cf} "
                     f"({why}), job by job at the same seed"
                     + (f" and the same {', '.join(others)}" if others else "")
                     + (f", pooled over {', '.join(pooled)}" if pooled else "")
                     + "; points: mean difference, bars: its 90 % confidence interval "
                     "(Student t over the pairs). Shares in percentage points.",
                     lambda d=d: sp.paired_comparison(d, labels=labels)))
    return figs, notes, diffs


def _heading(text: str, unit: str, when: str = "") -> H.Raw:
    return H.Raw(f"{H.escape(text)}{when}<br><span class=\"muted\">{H.escape(unit)}</span>")


def _combination_rows(table: pd.DataFrame, swept: list[str], outcomes: list[str],
                      labels: Labels | None = None, limit: int = 60) -> tuple[list, list[list]]:
    """Rows of the outcomes-by-setting table: one per combination of swept values."""
    from peacesim.analysis import summarise
    from peacesim.plots.labels import fmt_number, metric_label, outcome_parts, value_text

    header: list = list(swept) + ["runs"]
    for o in outcomes:
        metric, stat = outcome_parts(o)
        m = metric_label(metric, labels)
        header.append(_heading(m.label, m.unit, "<br><i>mean over the run</i>"
                               if stat == "mean" else ""))
    rows = []
    groups = table.groupby(swept, dropna=False, sort=True) if swept else [((), table)]
    for key, part in groups:
        key = key if isinstance(key, tuple) else (key,)
        row: list = [value_text(k) for k in key] + [len(part)]
        for o in outcomes:
            scale = metric_label(outcome_parts(o)[0], labels).scale
            mean, lo, hi, n = summarise(part[o].to_numpy(dtype=float) * scale)
            interval = (f"<br><span class=\"muted\">[{fmt_number(lo)}, "
                        f"{fmt_number(hi)}]</span>" if n > 1 else "")
            row.append(H.Raw(H.escape(fmt_number(mean)) + interval))
        rows.append(row)
        if len(rows) >= limit:
            break
    return header, rows


def _paired_table(d: pd.DataFrame, labels: Labels | None = None) -> str:
    """The paired-difference tables: a row per outcome, a column per compared value.

    With a ``by`` parameter there is one table per value of it (a heading each), so that a
    table has as many columns as compared values and fits the page; wider still (many
    compared values), it scrolls sideways inside its box.
    """
    from peacesim.plots.labels import value_text

    if d["by"].notna().any():
        parts = []
        for bv, part in d.groupby(d["by_value"].map(value_text), sort=False):
            parts.append(f"<h3>{H.escape(d['by'].iloc[0])} = {H.escape(bv)}</h3>"
                         + _one_paired_table(part, labels))
        return "\n".join(parts)
    return _one_paired_table(d, labels)


def _one_paired_table(d: pd.DataFrame, labels: Labels | None) -> str:
    from peacesim.plots.labels import (
        difference_unit,
        fmt_number,
        metric_label,
        outcome_parts,
        value_text,
    )

    d = d.assign(column=[f"{r.parameter}={value_text(r.value)}" for r in d.itertuples()])
    columns = list(dict.fromkeys(d["column"]))
    rows = []
    for outcome, part in d.groupby("outcome", sort=False):
        metric, stat = outcome_parts(outcome)
        m = metric_label(metric, labels)
        row: list = [_heading(m.label, difference_unit(m), " <i>(mean over the run)</i>"
                              if stat == "mean" else "")]
        for col in columns:
            r = part[part["column"] == col]
            if r.empty:
                row.append("")
                continue
            r = r.iloc[0]
            ci = (f"<br><span class=\"muted\">[{fmt_number(r['lower'])}, "
                  f"{fmt_number(r['upper'])}]<br>from {fmt_number(r['counterfactual_mean'])}"
                  "</span>" if r["pairs"] > 1 else "")
            star = " *" if r["pairs"] > 1 and (r["lower"] > 0 or r["upper"] < 0) else ""
            row.append(H.Raw(H.escape(fmt_number(r["mean"]) + star) + ci))
        rows.append(row)
    return H.table(["outcome"] + columns, rows, set(range(1, len(columns) + 1)), compact=True)


def _sweep_labels(sweep_dir: Path, job: Path | None) -> Labels:
    """The sweep's metric labels: its own metrics.json, else a copy of its first job's."""
    if not (sweep_dir / METRICS_FILE).is_file() and job is not None \
            and (job / METRICS_FILE).is_file():
        write_text(sweep_dir / METRICS_FILE, (job / METRICS_FILE).read_text(encoding="utf-8"))
    return load_metrics(sweep_dir)


def write_sweep_report(sweep_dir: str | Path) -> Path:
    """Draw a collected sweep's figures into ``figures/`` and write ``report.html``.

    Reads ``sweep.parquet`` (and, when the job folders are still there, the first job's
    ``config.yaml``, ``manifest.json`` and ``metrics.json`` for the scenario, provenance and
    labels; ``metrics.json`` is copied to the sweep folder, so the labels outlive the jobs).

    Args:
        sweep_dir: A sweep folder after ``python -m peacesim collect``.

    Returns:
        The path of ``report.html``.

    Raises:
        FileNotFoundError: If there is no ``sweep.parquet``.
    """
    from peacesim import analysis as an
    from peacesim.plots.labels import parameter_label, value_text

    sweep_dir = Path(sweep_dir)
    path = sweep_dir / "sweep.parquet"
    if not path.is_file():
        raise FileNotFoundError(f"{sweep_dir} holds no sweep.parquet: run "
                                f"python -m peacesim collect {sweep_dir} first")
    table = pd.read_parquet(path)
    job, config, manifest = first_job(sweep_dir, table)
    labels = _sweep_labels(sweep_dir, job)
    scenario = dict(config.get("scenario") or {})
    if not scenario.get("name") and "scenario" in table and table["scenario"].nunique() == 1:
        scenario["name"] = str(table["scenario"].iloc[0])
    cols = an.sweep_columns(table)
    figs, notes, diffs = sweep_figures(table, scenario, labels) if len(table) else ([], [
        "The sweep table is empty: no completed job."], [])
    saved, failed = H.draw_figures(figs, sweep_dir / H.FIGURES)

    body = [H.scenario_html(scenario, "peacesim sweep")]
    status = read_json(sweep_dir / "sweep_status.json") or {}
    overview = [["completed jobs", f"{len(table)}" + (f" of {status['jobs']}"
                                                      if status.get("jobs") else "")],
                ["seeds", ", ".join(str(s) for s in cols.seeds) or "(no seed column)"]]
    for p, values in cols.swept.items():
        overview.append([f"swept: {parameter_label(p)}",
                         ", ".join(value_text(v) for v in values)])
    for p, v in cols.fixed.items():
        overview.append([f"fixed: {p}", value_text(v)])
    body.append("<h2>The sweep</h2>" + H.table(None, overview))
    missing = status.get("not_completed") or []
    if missing:
        body.append("<p class=\"warn\">" + H.escape(f"{len(missing)} job(s) not completed and "
                                                    "left out: ") + "; ".join(
            H.escape(f"job {j.get('job')} ({' '.join(j.get('overrides') or [])}): "
                     f"{j.get('status')}") for j in missing) + "</p>")
    if not labels:
        body.append("<p class=\"muted\">No metrics.json next to sweep.parquet or in the first "
                    "job's folder: outcomes are shown under their column names, unscaled.</p>")

    body.append(H.figures_html(saved))
    target = scenario.get("outcome") or ""
    outcomes = an.main_outcomes(table, [target] if target else []) if len(table) else []
    for d in diffs:
        p, cf = d["parameter"].iloc[0], d["counterfactual"].iloc[0]
        body.append(f"<h2>Paired differences: {H.escape(p)} against {H.escape(p)}="
                    f"{H.escape(value_text(cf))}</h2>"
                    "<p class=\"muted\">Mean difference, value minus counterfactual, over the "
                    "pairs of jobs with the same seed (and the same other parameters); below it "
                    "the 90 % confidence interval (Student t) and the counterfactual's mean. "
                    "Shares of people in percentage points, scores in points on the 0-1 scale. "
                    "* the interval excludes zero. End of run unless marked.</p>")
        body.append(_paired_table(d, labels))
    if outcomes:
        header, rows = _combination_rows(table, list(cols.swept), outcomes, labels)
        body.append("<h2>Outcomes by setting</h2><p class=\"muted\">Mean over the runs of each "
                    "setting, at the end of the run unless marked; below it the 5th and 95th "
                    "percentiles across seeds. Shares of people in per cent; trust and "
                    "cohesion are mean scores on a 0-1 scale.</p>")
        body.append(H.table(header, rows, set(range(len(cols.swept) + 1,
                                                    len(cols.swept) + 1 + len(outcomes))),
                            compact=True))
    notes += [f"{name}: could not be drawn ({err})" for name, err in failed]
    body.append(H.notes_html("Not drawn, and why", notes))
    note = ("Versions and commit of the first job; the jobs ran separately." if manifest
            else "The job folders are not next to sweep.parquet.")
    body.append(H.provenance_html({k: v for k, v in manifest.items()
                                   if k in ("git_commit", "versions", "threads", "host",
                                            "platform")}, note=note))
    title = f"peacesim sweep: {scenario.get('name', '')}"
    return write_text(sweep_dir / "report.html", H.page(title, "\n".join(b for b in body if b)))
