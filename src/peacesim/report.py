"""Figures and a one-page HTML report for a run folder or a collected sweep folder.

:func:`write_run_report` reads a run folder's saved tables (``national.parquet``,
``timeseries.parquet``, ``cells.parquet``, ``summary.json``, ``manifest.json``,
``config.yaml``), draws every figure into ``figures/`` and writes ``report.html``;
:func:`write_sweep_report` does the same for a sweep folder's ``sweep.parquet``. Both work from
the files alone (never from a live model), so ``python -m peacesim report DIR`` redraws them
at any time. The page is self-contained: the figures are embedded as base64 data URIs, the
style is inline, and there are no scripts.

Importing this module does not import matplotlib; drawing does.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import html
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from peacesim.io import read_json, write_text

log = logging.getLogger("peacesim")

__all__ = ["load_run", "write_run_report", "write_sweep_report"]

FIGURES = "figures"


# =========================================================================== reading
@dataclass
class RunTables:
    """Everything a run folder holds that the report reads (missing parts are empty)."""

    folder: Path
    config: dict = field(default_factory=dict)
    manifest: dict = field(default_factory=dict)
    summary: dict = field(default_factory=dict)
    national: pd.DataFrame | None = None
    timeseries: pd.DataFrame | None = None
    cells: pd.DataFrame | None = None

    @property
    def model(self) -> str:
        """``peace``, ``epstein`` or ``bennett``."""
        return str(self.manifest.get("model") or self.config.get("model") or "peace")

    @property
    def scenario(self) -> dict:
        """The config's ``scenario`` section (name, description, sources, ...)."""
        return self.config.get("scenario") or {"name": self.manifest.get("scenario", "")}

    @property
    def interventions(self) -> list[dict]:
        """The manifest's programmes; rebuilt from config.yaml if there is no manifest yet."""
        if "interventions" in self.manifest:
            return list(self.manifest["interventions"] or [])
        return programmes_in_config(self.config)


def _read_parquet(path: Path) -> pd.DataFrame | None:
    return pd.read_parquet(path) if path.is_file() else None


def _read_yaml(path: Path) -> dict:
    if not path.is_file():
        return {}
    import yaml

    return yaml.safe_load(path.read_text()) or {}


def load_run(run_dir: str | Path) -> RunTables:
    """Read a run folder's tables (whatever is there).

    Raises:
        FileNotFoundError: If the folder has no ``national.parquet``.
    """
    run_dir = Path(run_dir)
    national = _read_parquet(run_dir / "national.parquet")
    if national is None:
        raise FileNotFoundError(f"{run_dir} holds no national.parquet: not a run folder")
    return RunTables(
        folder=run_dir,
        config=_read_yaml(run_dir / "config.yaml"),
        manifest=read_json(run_dir / "manifest.json") or {},
        summary=read_json(run_dir / "summary.json") or {},
        national=national,
        timeseries=_read_parquet(run_dir / "timeseries.parquet"),
        cells=_read_parquet(run_dir / "cells.parquet"),
    )


def programmes_in_config(config: dict, path: str = "") -> list[dict]:
    """The programmes of a resolved config (sections with start, end and regions).

    The same list as the manifest's ``interventions`` (:func:`peacesim.runner.interventions`),
    rebuilt from ``config.yaml`` for a report drawn before the manifest is written.
    """
    found: list[dict] = []
    if not isinstance(config, dict):
        return found
    if {"start", "end", "regions"} <= set(config):
        levels = {k: v for k, v in config.items() if k not in ("start", "end", "regions")
                  and isinstance(v, (int, float, bool))}
        found.append({"name": path, "start": config["start"], "end": config["end"],
                      "regions": list(config["regions"] or []), "levels": levels})
    for key, value in config.items():
        if isinstance(value, dict) and key not in ("regions", "scenario", "epstein", "bennett"):
            found += programmes_in_config(value, f"{path}.{key}" if path else key)
    return found


def _flatten(d: dict, prefix: str = "") -> dict:
    out = {}
    for k, v in d.items():
        key = f"{prefix}.{k}" if prefix else str(k)
        if isinstance(v, dict):
            out.update(_flatten(v, key))
        else:
            out[key] = v
    return out


def default_config() -> dict:
    """The schema's defaults as a nested dict ({} if the schema cannot be built)."""
    try:
        from peacesim.config.schema import schema

        return dataclasses.asdict(schema()())
    except Exception as err:  # the report must not fail for want of defaults
        log.warning("report: no defaults to compare with (%s)", err)
        return {}


def non_default_settings(config: dict, model: str = "peace") -> dict[str, tuple]:
    """Settings of ``config`` that differ from the schema's defaults: {key: (value, default)}.

    Leaves out what the report shows elsewhere (scenario, output, seed, steps, threads) and the
    sections of the models that did not run.
    """
    defaults = _flatten(default_config())
    if not defaults:
        return {}
    skip = ("scenario.", "output.", "hydra.")
    other = {"peace": ("epstein.", "bennett."), "epstein": None, "bennett": None}.get(model)
    out = {}
    for key, value in _flatten(config).items():
        if key.startswith(skip) or key in ("seed", "steps", "threads", "model"):
            continue
        if other is None and not key.startswith(f"{model}."):
            continue  # a published model reads only its own section
        if other and key.startswith(other):
            continue
        default = defaults.get(key, "(none)")
        if value != default:
            out[key] = (value, default)
    return out


# =========================================================================== HTML
CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;
  color:#1d1d1d;max-width:1180px;margin:2em auto;padding:0 1.2em;line-height:1.45}
h1{font-size:1.6em;margin-bottom:.1em}h2{font-size:1.2em;border-bottom:2px solid #0072B2;
  padding-bottom:.2em;margin-top:1.8em}h3{font-size:1.02em;margin-bottom:.3em}
.lead{font-size:1.08em;color:#333}.muted{color:#666;font-size:.9em}
table{border-collapse:collapse;margin:.6em 0;font-size:.92em}
th,td{border-bottom:1px solid #ddd;padding:.28em .7em;text-align:left;vertical-align:top}
th{background:#f2f5f8}td.num{text-align:right;font-variant-numeric:tabular-nums}
figure{margin:1.2em 0 2em 0}figure img{width:100%;height:auto;border:1px solid #eee}
figcaption{font-size:.92em;color:#333;margin-top:.4em}
.warn{background:#fff4e5;border-left:4px solid #E69F00;padding:.5em .8em}
code{background:#f4f4f4;padding:0 .25em;border-radius:3px;font-size:.92em}
details{margin:.5em 0}summary{cursor:pointer;color:#0072B2}
"""


def _e(x) -> str:
    return html.escape(str(x), quote=True)


class Raw(str):
    """Table cell text that is already HTML (not escaped)."""


def _cell(c) -> str:
    return c if isinstance(c, Raw) else _e(c)


def _table(header: list[str] | None, rows: list[list], numeric: set[int] | None = None) -> str:
    """An HTML table.

    ``header`` None makes a key-value table; ``numeric`` lists the right-aligned columns;
    cells of type :class:`Raw` are inserted as HTML.
    """
    numeric = numeric or set()
    head = ("<thead><tr>" + "".join(f"<th>{_cell(h)}</th>" for h in header) + "</tr></thead>"
            if header else "")
    body = "".join(
        "<tr>" + "".join(f"<td class=\"num\">{_cell(c)}</td>" if i in numeric
                         else f"<td>{_cell(c)}</td>" for i, c in enumerate(r)) + "</tr>"
        for r in rows)
    return f"<table>{head}<tbody>{body}</tbody></table>"


def _figure(png: Path, caption: str, number: int) -> str:
    data = base64.b64encode(png.read_bytes()).decode("ascii")
    return (f"<figure id=\"{_e(png.stem)}\"><img alt=\"{_e(caption)}\" "
            f"src=\"data:image/png;base64,{data}\"><figcaption><b>Figure {number}.</b> "
            f"{_e(caption)} <span class=\"muted\">({_e(FIGURES + '/' + png.name)})</span>"
            "</figcaption></figure>")


def _page(title: str, body: str) -> str:
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{_e(title)}</title><style>{CSS}</style></head><body>\n{body}\n"
            f"<p class=\"muted\">Written by peacesim.report on "
            f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC from the folder's saved "
            "tables; redraw with <code>python -m peacesim report DIR</code>.</p>"
            "</body></html>\n")


def _scenario_html(scenario: dict, heading: str) -> str:
    name = scenario.get("name") or "(unnamed scenario)"
    parts = [f"<h1>{_e(heading)}: {_e(name)}</h1>"]
    if scenario.get("description"):
        parts.append(f"<p class=\"lead\">{_e(scenario['description'])}</p>")
    sources = scenario.get("sources") or []
    if sources:
        parts.append("<h3>Sources</h3><ul>" + "".join(f"<li>{_e(s)}</li>" for s in sources)
                     + "</ul>")
    extra = []
    if scenario.get("counterfactual"):
        extra.append("counterfactual: " + ", ".join(f"{c}" for c in scenario["counterfactual"]))
    if scenario.get("outcome"):
        extra.append(f"intended outcome: {scenario['outcome']} "
                     f"({scenario.get('direction') or 'either direction'})")
    if extra:
        parts.append("<p class=\"muted\">" + _e("; ".join(extra)) + "</p>")
    return "\n".join(parts)


def _draw(figures: list[tuple[str, str, Callable]], folder: Path
          ) -> tuple[list[tuple[Path, str]], list[tuple[str, str]]]:
    """Draw and save each (name, caption, draw) into ``folder``; return saved and failed."""
    from peacesim.plots.style import save_figure

    saved, failed = [], []
    for name, caption, draw in figures:
        try:
            saved.append((save_figure(draw(), folder / f"{name}.png"), caption))
        except Exception as err:  # one figure must not cost the others
            log.warning("figure %s failed: %s: %s", name, type(err).__name__, err)
            failed.append((name, f"{type(err).__name__}: {err}"))
    return saved, failed


# =========================================================================== run report
def run_figures(t: RunTables) -> tuple[list[tuple[str, str, Callable]], list[str]]:
    """The figures of a run: (file name, caption, draw function), and what is not drawn."""
    from peacesim.plots import run as plots

    figs: list[tuple[str, str, Callable]] = []
    skipped: list[str] = []
    nat = t.national
    if t.model != "peace":
        figs.append(("timeseries", f"Every series the {t.model} model records, per step "
                     "(a step is one round of the published model, not a week).",
                     lambda: plots.published_timeseries(nat, t.model)))
        skipped.append("Regional, map and event figures: this model has no regions or cells.")
        return figs, skipped
    name = t.scenario.get("name") or "run"
    figs.append(("national", "National outcomes over time (weekly values and their 4-week "
                 "mean). Vertical lines mark programmes that start or end during the run; "
                 "shares of people are in per cent, trust and cohesion are mean scores on a "
                 "0-1 scale.",
                 lambda: plots.national_timeseries(nat, t.interventions,
                                                   title=f"{name}: national outcomes")))
    ts = t.timeseries
    if ts is not None and "region" in ts and "trust_in_sdf" in ts:
        figs.append(("trust_by_region", "Community members' mean trust in the security forces "
                     "by region (0-1 scale); dotted black: national mean weighted by members; "
                     "vertical lines: programme starts.",
                     lambda: plots.trust_by_region(ts, national=nat,
                                                   interventions=t.interventions)))
    else:
        skipped.append("Trust by region: timeseries.parquet has no region or trust column.")
    cells = t.cells
    if cells is not None and len(cells) and "trust_in_sdf_start" in cells:
        figs.append(("trust_map", "Trust in the security forces per simulated cell at the "
                     "start and the end of the run (same colour scale), and the change. "
                     "Lines: region boundaries; blank cells hold no simulated members.",
                     lambda: plots.trust_map(cells)))
    else:
        skipped.append("Map: cells.parquet is empty or has no trust columns.")
    if any(c in nat for c in ("attacks", "civilian_harm", "dialogue_sessions", "new_recruits")):
        figs.append(("events", "Events per week: violent events (with attacks on the forces, "
                     "on civilians and communal clashes), people harmed, dialogue sessions "
                     "held and young people recruited; faint: weekly, bold: 4-week mean.",
                     lambda: plots.events(nat, t.interventions)))
    return figs, skipped


def _summary_rows(t: RunTables) -> list[list]:
    from peacesim.plots.labels import FLOWS, METRICS, format_value, metric_label

    nat = t.national
    names = [m for m in METRICS if f"{m}_final" in t.summary or m in nat.columns]
    names += [c for c in nat.columns if c != "step" and c not in names]
    rows = []
    for m in names:
        label = metric_label(m)
        final = t.summary.get(f"{m}_final", nat[m].iloc[-1] if m in nat else float("nan"))
        mean = t.summary.get(f"{m}_mean",
                             nat[m].iloc[1:].mean() if m in nat and len(nat) > 1 else final)
        recorded = m in nat and label.kind != "count" and m not in FLOWS
        start = nat[m].iloc[0] if recorded else float("nan")
        rows.append([label.label, label.unit, format_value(start, m), format_value(final, m),
                     format_value(mean, m), m])
    return rows


def _published_summary_rows(t: RunTables) -> list[list]:
    return [[k.replace("_", " "), f"{v:.4g}" if isinstance(v, float) else str(v)]
            for k, v in t.summary.items() if not k.startswith("param_")]


def _parameters_html(t: RunTables) -> str:
    from peacesim.plots.labels import WEEKS_PER_YEAR, programme_is_on, programme_level

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
    parts = ["<h2>Key parameters</h2>", _table(None, rows)]
    if t.model == "peace":
        defaults = {p["name"]: p for p in programmes_in_config(default_config())}
        prog_rows = []
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
            prog_rows.append([
                p["name"], "on" if programme_is_on(p) else "off",
                f"{key} = {value:g}" if value is not None else "",
                " ".join(timing), ", ".join(p.get("regions") or []) or "all",
                ", ".join(f"{k}={v}" for k, v in changed.items()) or "defaults"])
        if prog_rows:
            parts.append("<h3>Programmes (interventions)</h3>")
            parts.append(_table(["programme", "state", "level", "when", "where",
                                 "levels that differ from the defaults"], prog_rows))
        else:
            parts.append("<p>No programme acts in this run.</p>")
    if t.model != "peace" and isinstance(t.config.get(t.model), dict):
        own = _flatten(t.config[t.model])
        parts.append(f"<details><summary>Parameters of the {_e(t.model)} model</summary>"
                     + _table(["parameter", "value"], [[k, _short(v)] for k, v in own.items()])
                     + "</details>")
        if (t.scenario.get("name") or "") != t.model:
            parts.append(f"<p class=\"warn\">This run set <code>model={_e(t.model)}</code> on "
                         f"the {_e(t.scenario.get('name'))} scenario: the description and "
                         "sources above are that scenario's; the published model reads only "
                         "its own parameters.</p>")
    diff = non_default_settings(t.config, t.model)
    if diff:
        rows = [[k, _short(v), _short(d)] for k, (v, d) in sorted(diff.items())]
        parts.append(f"<details><summary>{len(rows)} setting(s) that differ from the schema's "
                     "defaults (scenario file and overrides)</summary>"
                     + _table(["setting", "value", "default"], rows) + "</details>")
    overrides = m.get("overrides")
    if overrides:
        parts.append("<p>Command-line overrides: " + " ".join(
            f"<code>{_e(o)}</code>" for o in overrides) + "</p>")
    return "\n".join(parts)


def _short(v, n: int = 80) -> str:
    s = str(v)
    return s if len(s) <= n else s[: n - 1] + "…"


def _provenance_html(manifest: dict, *, note: str = "") -> str:
    if not manifest:
        return ("<h2>Provenance</h2><p class=\"warn\">No manifest.json: the versions, commit and "
                "timings are not known. " + _e(note) + "</p>")
    rows = []
    for key, label in (("git_commit", "git commit"), ("started", "started"),
                       ("finished", "finished"), ("wall_time_s", "wall time (s)"),
                       ("build_time_s", "build time (s)"), ("run_time_s", "run time (s)"),
                       ("steps_per_second", "steps per second"), ("threads", "Numba threads"),
                       ("host", "host"), ("platform", "platform")):
        if manifest.get(key) is not None:
            rows.append([label, manifest[key]])
    versions = manifest.get("versions") or {}
    if versions:
        rows.append(["versions", ", ".join(f"{k} {v}" for k, v in versions.items())])
    parts = ["<h2>Provenance</h2>", _table(None, rows)]
    plan = manifest.get("step_plan_seconds") or {}
    if plan:
        total = sum(plan.values()) or 1.0
        prow = [[k, f"{v:.3f}", f"{100 * v / total:.0f} %"]
                for k, v in sorted(plan.items(), key=lambda kv: -kv[1])]
        parts.append("<details><summary>Time per mechanism (step plan)</summary>"
                     + _table(["phase:mechanism.method", "seconds", "share"], prow, {1, 2})
                     + "</details>")
    if note:
        parts.append(f"<p class=\"muted\">{_e(note)}</p>")
    return "\n".join(parts)


def write_run_report(run_dir: str | Path) -> Path:
    """Draw every figure of a run into ``run_dir/figures/`` and write ``run_dir/report.html``.

    Works from the saved tables only. Before ``manifest.json`` exists (the runner draws the
    figures just before writing it) the programmes are read from ``config.yaml`` and the
    provenance is left out.

    Args:
        run_dir: A run folder (see :mod:`peacesim.runner`).

    Returns:
        The path of ``report.html``.
    """
    run_dir = Path(run_dir)
    t = load_run(run_dir)
    figs, skipped = run_figures(t)
    saved, failed = _draw(figs, run_dir / FIGURES)
    scenario = t.scenario
    body = [_scenario_html(scenario, "peacesim run")]
    status = t.manifest.get("status")
    if t.manifest and status != "completed":
        body.append(f"<p class=\"warn\">Run status: {_e(status)}.</p>")
    body.append(_parameters_html(t))
    body.append("<h2>Summary of national outcomes</h2>" if t.model == "peace"
                else "<h2>Summary</h2>")
    if t.model == "peace":
        rows = _summary_rows(t)
        body.append("<p class=\"muted\">Start: step 0; final: the last week; mean: over weeks "
                    "1 to the end. Counts are per week; nothing is counted at step 0 (–).</p>")
        body.append(_table(["outcome", "unit", "start", "final", "mean over the run", "column"],
                           rows, {2, 3, 4}))
    else:
        body.append(_table(["result", "value"], _published_summary_rows(t), {1}))
    body.append("<h2>Figures</h2>")
    for k, (png, caption) in enumerate(saved, 1):
        body.append(_figure(png, caption, k))
    notes = skipped + [f"{name}: could not be drawn ({err})" for name, err in failed]
    if notes:
        body.append("<h3>Not drawn</h3><ul>" + "".join(f"<li>{_e(n)}</li>" for n in notes)
                    + "</ul>")
    note = "" if t.manifest else ("The report was drawn before the run's manifest was "
                                  "written; redraw it with python -m peacesim report DIR.")
    body.append(_provenance_html(t.manifest, note=note))
    title = f"peacesim run: {scenario.get('name', '')} (seed {t.config.get('seed', '')})"
    return write_text(run_dir / "report.html", _page(title, "\n".join(body)))


# =========================================================================== sweep report
def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", str(text)).strip("_")


def _first_job(sweep_dir: Path, table: pd.DataFrame) -> tuple[dict, dict]:
    """(config, manifest) of the first job whose folder is still there, else ({}, {})."""
    if "folder" in table:
        for folder in table["folder"]:
            job = sweep_dir / str(folder)
            if (job / "config.yaml").is_file():
                return _read_yaml(job / "config.yaml"), read_json(job / "manifest.json") or {}
    return {}, {}


def sweep_figures(table: pd.DataFrame, scenario: dict
                  ) -> tuple[list[tuple[str, str, Callable]], list[str], list[pd.DataFrame]]:
    """The figures of a sweep.

    Returns:
        (file name, caption, draw function) per figure, what is not drawn and why, and the
        paired-difference tables.
    """
    from peacesim.plots import sweep as sp
    from peacesim.plots.labels import outcome_label

    cols = sp.sweep_columns(table)
    swept = list(cols.swept)
    target = scenario.get("outcome") or ""
    outcomes = sp.main_outcomes(table, [target] if target else [])
    figs: list[tuple[str, str, Callable]] = []
    notes: list[str] = []
    diffs: list[pd.DataFrame] = []
    n_seeds = len(cols.seeds)
    choices = sp.counterfactual_choice(table, scenario.get("counterfactual") or [])
    order = list(dict.fromkeys([c[0] for c in choices] + swept))
    if not swept:
        notes.append("No parameter other than the seed was swept: no curves against a "
                     "parameter, no heat map and no paired comparison.")
        if len(table) >= 2:
            figs.append(("sweep_seeds", f"Outcomes across the {len(table)} runs (seeds) of the "
                         "sweep: each dot is one run.",
                         lambda: sp.seed_spread(table, outcomes=outcomes)))
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
                         table, p, outcomes=outcomes, group=group)))
    if len(order) > 4:
        notes.append(f"Curves drawn for the first four swept parameters only (of {len(order)}).")
    if len(swept) >= 2:
        x, y = order[0], order[1]
        heat_outcomes = list(dict.fromkeys([o for o in (target, "trust_in_sdf_final")
                                            if o and o in table] or outcomes[:1]))
        for o in heat_outcomes:
            rest = [q for q in order if q not in (x, y)]
            figs.append((f"sweep_heatmap_{_slug(o)}",
                         f"{outcome_label(o)}: mean over seeds for each pair of {x} and {y}"
                         + (f", pooled over {', '.join(rest)}" if rest else "")
                         + "; n = runs per cell.",
                         lambda o=o: sp.heatmap(table, x, y, o)))
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
        d = sp.paired_differences(table, p, cf, outcomes=outcomes, by=by)
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
                     lambda d=d: sp.paired_comparison(d)))
    return figs, notes, diffs


def _combination_rows(table: pd.DataFrame, swept: list[str], outcomes: list[str],
                      limit: int = 60) -> tuple[list, list[list]]:
    """Rows of the outcomes-by-setting table: one per combination of swept values."""
    from peacesim.plots import sweep as sp
    from peacesim.plots.labels import metric_label, outcome_parts

    header: list = list(swept) + ["runs"]
    for o in outcomes:
        metric, stat = outcome_parts(o)
        m = metric_label(metric)
        when = "<br><i>mean over the run</i>" if stat == "mean" else ""
        header.append(Raw(f"{_e(m.label)}{when}<br><span class=\"muted\">{_e(m.unit)}</span>"))
    rows = []
    groups = table.groupby(swept, dropna=False, sort=True) if swept else [((), table)]
    for key, part in groups:
        key = key if isinstance(key, tuple) else (key,)
        row: list = [sp._val(k) for k in key] + [len(part)]
        for o in outcomes:
            scale = metric_label(outcome_parts(o)[0]).scale
            mean, lo, hi, n = sp.summarise(part[o].to_numpy(dtype=float) * scale)
            interval = (f"<br><span class=\"muted\">[{sp.fmt_number(lo)}, "
                        f"{sp.fmt_number(hi)}]</span>" if n > 1 else "")
            row.append(Raw(_e(sp.fmt_number(mean)) + interval))
        rows.append(row)
        if len(rows) >= limit:
            break
    return header, rows


def _paired_table(d: pd.DataFrame) -> str:
    """One paired-difference table: a row per outcome, a column per compared value."""
    from peacesim.plots import sweep as sp
    from peacesim.plots.labels import outcome_label

    d = d.assign(column=[f"{r.parameter}={sp._val(r.value)}"
                         + (f", {r.by}={sp._val(r.by_value)}" if sp._val(r.by_value) else "")
                         for r in d.itertuples()])
    columns = list(dict.fromkeys(d["column"]))
    rows = []
    for outcome, part in d.groupby("outcome", sort=False):
        row: list = [outcome_label(outcome)]
        for col in columns:
            r = part[part["column"] == col]
            if r.empty:
                row.append("")
                continue
            r = r.iloc[0]
            ci = (f"<br><span class=\"muted\">[{sp.fmt_number(r['lower'])}, "
                  f"{sp.fmt_number(r['upper'])}] from {sp.fmt_number(r['counterfactual_mean'])}"
                  "</span>" if r["pairs"] > 1 else "")
            star = " *" if r["pairs"] > 1 and (r["lower"] > 0 or r["upper"] < 0) else ""
            row.append(Raw(_e(sp.fmt_number(r["mean"]) + star) + ci))
        rows.append(row)
    return _table(["outcome"] + columns, rows, set(range(1, len(columns) + 1)))


def write_sweep_report(sweep_dir: str | Path) -> Path:
    """Draw a collected sweep's figures into ``figures/`` and write ``report.html``.

    Reads ``sweep.parquet`` (and, when the job folders are still there, the first job's
    ``config.yaml`` and ``manifest.json`` for the scenario and provenance).

    Args:
        sweep_dir: A sweep folder after ``python -m peacesim collect``.

    Returns:
        The path of ``report.html``.

    Raises:
        FileNotFoundError: If there is no ``sweep.parquet``.
    """
    from peacesim.plots import sweep as sp
    from peacesim.plots.labels import parameter_label

    sweep_dir = Path(sweep_dir)
    path = sweep_dir / "sweep.parquet"
    if not path.is_file():
        raise FileNotFoundError(f"{sweep_dir} holds no sweep.parquet: run "
                                f"python -m peacesim collect {sweep_dir} first")
    table = pd.read_parquet(path)
    config, manifest = _first_job(sweep_dir, table)
    scenario = dict(config.get("scenario") or {})
    if not scenario.get("name") and "scenario" in table and table["scenario"].nunique() == 1:
        scenario["name"] = str(table["scenario"].iloc[0])
    cols = sp.sweep_columns(table)
    figs, notes, diffs = sweep_figures(table, scenario) if len(table) else ([], [
        "The sweep table is empty: no completed job."], [])
    saved, failed = _draw(figs, sweep_dir / FIGURES)

    body = [_scenario_html(scenario, "peacesim sweep")]
    status = read_json(sweep_dir / "sweep_status.json") or {}
    overview = [["completed jobs", f"{len(table)}" + (f" of {status['jobs']}"
                                                      if status.get("jobs") else "")],
                ["seeds", ", ".join(str(s) for s in cols.seeds) or "(no seed column)"]]
    for p, values in cols.swept.items():
        overview.append([f"swept: {parameter_label(p)}", ", ".join(sp._val(v) for v in values)])
    for p, v in cols.fixed.items():
        overview.append([f"fixed: {p}", sp._val(v)])
    body.append("<h2>The sweep</h2>" + _table(None, overview))
    missing = status.get("not_completed") or []
    if missing:
        body.append("<p class=\"warn\">" + _e(f"{len(missing)} job(s) not completed and left "
                                                "out: ") + "; ".join(
            _e(f"job {j.get('job')} ({' '.join(j.get('overrides') or [])}): {j.get('status')}")
            for j in missing) + "</p>")

    body.append("<h2>Figures</h2>")
    for k, (png, caption) in enumerate(saved, 1):
        body.append(_figure(png, caption, k))
    target = scenario.get("outcome") or ""
    outcomes = sp.main_outcomes(table, [target] if target else []) if len(table) else []
    for d in diffs:
        p, cf = d["parameter"].iloc[0], d["counterfactual"].iloc[0]
        body.append(f"<h2>Paired differences: {_e(p)} against {_e(p)}={_e(sp._val(cf))}</h2>"
                    "<p class=\"muted\">Mean difference, value minus counterfactual, over the "
                    "pairs of jobs with the same seed (and the same other parameters); below it "
                    "the 90 % confidence interval (Student t) and the counterfactual's mean. "
                    "Shares of people in percentage points, scores in points on the 0-1 scale. "
                    "* the interval excludes zero. End of run unless marked.</p>")
        body.append(_paired_table(d))
    if outcomes:
        header, rows = _combination_rows(table, list(cols.swept), outcomes)
        body.append("<h2>Outcomes by setting</h2><p class=\"muted\">Mean over the runs of each "
                    "setting, at the end of the run unless marked; below it the 5th and 95th "
                    "percentiles across seeds. Shares of people in per cent; trust and "
                    "cohesion are mean scores on a 0-1 scale.</p>")
        body.append(_table(header, rows, set(range(len(cols.swept) + 1,
                                                   len(cols.swept) + 1 + len(outcomes)))))
    notes += [f"{name}: could not be drawn ({err})" for name, err in failed]
    if notes:
        body.append("<h3>Not drawn, and why</h3><ul>" + "".join(f"<li>{_e(n)}</li>"
                                                               for n in notes) + "</ul>")
    note = ("Versions and commit of the first job; the jobs ran separately." if manifest
            else "The job folders are not next to sweep.parquet.")
    body.append(_provenance_html({k: v for k, v in manifest.items()
                                  if k in ("git_commit", "versions", "threads", "host",
                                           "platform")}, note=note))
    title = f"peacesim sweep: {scenario.get('name', '')}"
    return write_text(sweep_dir / "report.html", _page(title, "\n".join(body)))
