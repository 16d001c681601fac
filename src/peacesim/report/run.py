"""The report of one run folder: its figures and ``report.html``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from peacesim.io import write_text
from peacesim.report import html as H
from peacesim.report.reading import (
    RunTables,
    default_config,
    flatten,
    load_run,
    non_default_settings,
    programmes_in_config,
    simulated_area,
)


def area_words(t: RunTables) -> tuple[str, str]:
    """(title prefix, mean line) naming what the run's totals cover.

    ``("national", "National")`` when all of Mali's regions are simulated, else e.g.
    ``("Mopti and Ségou", "All simulated regions")``; ``("", "All simulated regions")`` when
    the config does not say.
    """
    area = simulated_area(t.config)
    return area, "National" if area == "national" else "All simulated regions"


def run_figures(t: RunTables) -> tuple[list[tuple[str, str, Callable]], list[str]]:
    """The figures of a run: (file name, caption, draw function), and what is not drawn."""
    from peacesim.plots import run as plots

    figs: list[tuple[str, str, Callable]] = []
    skipped: list[str] = []
    nat, labels = t.national, t.metrics
    if t.model != "peace":
        figs.append(("timeseries", f"Every series the {t.model} model records, per step "
                     "(a step is one round of the published model, not a week).",
                     lambda: plots.published_timeseries(nat, t.model, labels=labels)))
        skipped.append("Regional, map and event figures: this model has no regions or cells.")
        return figs, skipped
    name = t.scenario.get("name") or "run"
    area, whole = area_words(t)
    title = f"{name}: {area} outcomes" if area == "national" else (
        f"{name}, {area}: outcomes" if area else f"{name}: outcomes")
    scope = ("National outcomes" if area == "national" else
             f"Outcomes of the simulated regions ({area})" if area else "Outcomes")
    figs.append(("national", f"{scope} over time (weekly values and their 4-week "
                 "mean). Vertical lines mark programmes that start or end during the run; "
                 "shares of people are in per cent, trust and cohesion are mean scores on a "
                 "0-1 scale.",
                 lambda: plots.national_timeseries(nat, t.interventions, title=title,
                                                   labels=labels)))
    ts = t.timeseries
    if ts is not None and "region" in ts and "trust_in_sdf" in ts:
        mean = "national mean" if area == "national" else "mean of the simulated regions"
        figs.append(("trust_by_region", "Community members' mean trust in the security forces "
                     f"by region (0-1 scale); dotted black: {mean} weighted by members; "
                     "vertical lines: programme starts.",
                     lambda: plots.trust_by_region(ts, national=nat, labels=labels,
                                                   interventions=t.interventions,
                                                   whole=whole)))
    else:
        skipped.append("Trust by region: timeseries.parquet has no region or trust column.")
    cells = t.cells
    if cells is not None and len(cells) and "trust_in_sdf_start" in cells:
        figs.append(("trust_map", "Trust in the security forces per simulated cell at the "
                     "start and the end of the run (same colour scale), and the change. "
                     "Lines: region boundaries; blank cells hold no simulated members.",
                     lambda: plots.trust_map(cells, labels=labels)))
    else:
        skipped.append("Map: cells.parquet is empty or has no trust columns.")
    if any(c in nat for c in ("attacks", "civilian_harm", "dialogue_sessions", "new_recruits")):
        figs.append(("events", "Events per week: violent events (with attacks on the forces, "
                     "on civilians and communal clashes), people harmed, dialogue sessions "
                     "held and young people recruited; faint: weekly, bold: 4-week mean.",
                     lambda: plots.events(nat, t.interventions, labels=labels)))
    return figs, skipped


def _summary_rows(t: RunTables) -> list[list]:
    from peacesim.plots.labels import FLOWS, format_value, metric_label

    nat, labels = t.national, t.metrics
    names = [m for m in labels if f"{m}_final" in t.summary or m in nat.columns]
    names += [c for c in nat.columns if c != "step" and c not in names]
    rows = []
    for m in names:
        label = metric_label(m, labels)
        final = t.summary.get(f"{m}_final", nat[m].iloc[-1] if m in nat else float("nan"))
        mean = t.summary.get(f"{m}_mean",
                             nat[m].iloc[1:].mean() if m in nat and len(nat) > 1 else final)
        recorded = m in nat and label.kind != "count" and m not in FLOWS
        start = nat[m].iloc[0] if recorded else float("nan")
        rows.append([label.label, label.unit, format_value(start, m, labels),
                     format_value(final, m, labels), format_value(mean, m, labels), m])
    return rows


def _published_summary_rows(t: RunTables) -> list[list]:
    return [[k.replace("_", " "), f"{v:.4g}" if isinstance(v, float) else str(v)]
            for k, v in t.summary.items() if not k.startswith("param_")]


def _programme_rows(t: RunTables) -> list[list]:
    from peacesim.plots.labels import programme_is_on, programme_level

    defaults = {p["name"]: p for p in programmes_in_config(default_config())}
    rows = []
    for p in t.interventions:
        if not programme_is_on(p) and p["name"] not in defaults:
            continue
        d = defaults.get(p["name"], {})
        changed = {k: v for k, v in (p.get("levels") or {}).items()
                   if (d.get("levels") or {}).get(k, object()) != v}
        key, value = programme_level(p)
        timing = [f"from week {p.get('start', 0)}"]
        if int(p.get("end", -1)) > 0:
            timing.append(f"to week {p['end']}")
        if not programme_is_on(p) and not changed and p.get("start") == d.get("start"):
            continue
        rows.append([
            p["name"], "on" if programme_is_on(p) else "off",
            f"{key} = {value:g}" if value is not None else "",
            " ".join(timing), ", ".join(p.get("regions") or []) or "all",
            ", ".join(f"{k}={v}" for k, v in changed.items()) or "defaults"])
    return rows


def _parameters_html(t: RunTables) -> str:
    from peacesim.plots.labels import WEEKS_PER_YEAR

    m, c = t.manifest, t.config
    steps = m.get("steps", c.get("steps"))
    rows = [["model", t.model], ["seed", m.get("seed", c.get("seed"))]]
    if t.model == "peace":
        rows.append(["steps", f"{steps} weeks ({steps / WEEKS_PER_YEAR:.1f} years)"
                     if isinstance(steps, int) else steps])
        size = m.get("population", (c.get("population") or {}).get("size"))
        rows.append(["simulated community members", f"{size:,}" if isinstance(size, int)
                     else size])
        ts = t.timeseries
        if ts is not None and "population" in ts:
            first = ts[ts["step"] == ts["step"].min()]["population"].sum()
            rows.append(["people represented (adults)", f"{first:,.0f}"])
        regions = (c.get("geography") or {}).get("regions")
        if regions:
            rows.append(["regions", ", ".join(regions)])
    else:
        rows.append(["steps", steps])
    parts = ["<h2>Key parameters</h2>", H.table(None, rows)]
    if t.model == "peace":
        prog_rows = _programme_rows(t)
        if prog_rows:
            parts.append("<h3>Programmes (interventions)</h3>")
            parts.append(H.table(["programme", "state", "level", "when", "where",
                                  "levels that differ from the defaults"], prog_rows))
        else:
            parts.append("<p>No programme acts in this run.</p>")
    if t.model != "peace" and isinstance(t.config.get(t.model), dict):
        own = flatten(t.config[t.model])
        parts.append(f"<details><summary>Parameters of the {H.escape(t.model)} model</summary>"
                     + H.table(["parameter", "value"], [[k, H.short(v)] for k, v in own.items()])
                     + "</details>")
        if (t.scenario.get("name") or "") != t.model:
            parts.append(f"<p class=\"warn\">This run set <code>model={H.escape(t.model)}"
                         f"</code> on the {H.escape(t.scenario.get('name'))} scenario: the "
                         "description and sources above are that scenario's; the published "
                         "model reads only its own parameters.</p>")
    diff = non_default_settings(t.config, t.model)
    if diff:
        rows = [[k, H.short(v), H.short(d)] for k, (v, d) in sorted(diff.items())]
        parts.append(f"<details><summary>{len(rows)} setting(s) that differ from the schema's "
                     "defaults (scenario file and overrides)</summary>"
                     + H.table(["setting", "value", "default"], rows) + "</details>")
    overrides = m.get("overrides")
    if overrides:
        parts.append("<p>Command-line overrides: " + " ".join(
            f"<code>{H.escape(o)}</code>" for o in overrides) + "</p>")
    return "\n".join(parts)


def _summary_html(t: RunTables) -> str:
    if t.model != "peace":
        return "<h2>Summary</h2>" + H.table(["result", "value"], _published_summary_rows(t),
                                            {1})
    area, _ = area_words(t)
    heading = ("Summary of national outcomes" if area == "national" else
               f"Summary of outcomes: {area}" if area else "Summary of outcomes")
    labels = "" if t.metrics else (" <b>This folder has no metrics.json</b> (written before "
                                   "runs declared their metrics): outcomes are shown under "
                                   "their column names, unscaled.")
    return (f"<h2>{H.escape(heading)}</h2><p class=\"muted\">Start: step 0; final: the last "
            "week; mean: over weeks 1 to the end. Counts are per week; nothing is counted at "
            f"step 0 (–).{labels}</p>"
            + H.table(["outcome", "unit", "start", "final", "mean over the run", "column"],
                      _summary_rows(t), {2, 3, 4}))


def write_run_report(run_dir: str | Path) -> Path:
    """Draw every figure of a run into ``run_dir/figures/`` and write ``run_dir/report.html``.

    Works from the saved tables only; labels and units come from the folder's
    ``metrics.json``. Before ``manifest.json`` exists (the runner draws the figures just before
    writing it) the programmes are read from ``config.yaml`` and the provenance is left out.

    Args:
        run_dir: A run folder (see :mod:`peacesim.runner`).

    Returns:
        The path of ``report.html``.
    """
    run_dir = Path(run_dir)
    t = load_run(run_dir)
    figs, skipped = run_figures(t)
    saved, failed = H.draw_figures(figs, run_dir / H.FIGURES)
    scenario = t.scenario
    body = [H.scenario_html(scenario, "peacesim run")]
    status = t.manifest.get("status")
    if t.manifest and status != "completed":
        body.append(f"<p class=\"warn\">Run status: {H.escape(status)}.</p>")
    body.append(_parameters_html(t))
    body.append(_summary_html(t))
    body.append(H.figures_html(saved))
    body.append(H.notes_html("Not drawn", skipped + [f"{name}: could not be drawn ({err})"
                                                     for name, err in failed]))
    note = "" if t.manifest else ("The report was drawn before the run's manifest was "
                                  "written; redraw it with python -m peacesim report DIR.")
    body.append(H.provenance_html(t.manifest, note=note))
    title = f"peacesim run: {scenario.get('name', '')} (seed {t.config.get('seed', '')})"
    return write_text(run_dir / "report.html", H.page(title, "\n".join(b for b in body if b)))
