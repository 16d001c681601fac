"""The HTML of the reports: a self-contained page, tables, embedded figures.

The page has its style inline, the figures embedded as base64 data URIs and no scripts, so it
can be mailed or archived as one file. Wide tables sit in a box that scrolls sideways instead
of running off the page.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import logging
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger("peacesim")

#: The folder (inside a run or sweep folder) the figures are saved into.
FIGURES = "figures"

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;
  color:#1d1d1d;max-width:1180px;margin:2em auto;padding:0 1.2em;line-height:1.45}
h1{font-size:1.6em;margin-bottom:.1em}h2{font-size:1.2em;border-bottom:2px solid #0072B2;
  padding-bottom:.2em;margin-top:1.8em}h3{font-size:1.02em;margin-bottom:.3em}
.lead{font-size:1.08em;color:#333}.muted{color:#666;font-size:.9em}
.wide{max-width:100%;overflow-x:auto}
table{border-collapse:collapse;margin:.6em 0;font-size:.92em}
th,td{border-bottom:1px solid #ddd;padding:.28em .7em;text-align:left;vertical-align:top}
th{background:#f2f5f8}td.num{text-align:right;font-variant-numeric:tabular-nums}
table.compact{font-size:.85em}table.compact th,table.compact td{padding:.25em .45em}
table.compact td.num{white-space:nowrap}
figure{margin:1.2em 0 2em 0}figure img{width:100%;height:auto;border:1px solid #eee}
figcaption{font-size:.92em;color:#333;margin-top:.4em}
.warn{background:#fff4e5;border-left:4px solid #E69F00;padding:.5em .8em}
code{background:#f4f4f4;padding:0 .25em;border-radius:3px;font-size:.92em}
details{margin:.5em 0}summary{cursor:pointer;color:#0072B2}
"""


def escape(x) -> str:
    """Text as HTML (quotes escaped too)."""
    return html.escape(str(x), quote=True)


class Raw(str):
    """Table cell text that is already HTML (not escaped)."""


def _cell(c) -> str:
    return c if isinstance(c, Raw) else escape(c)


def table(header: list[str] | None, rows: list[list], numeric: set[int] | None = None, *,
          compact: bool = False) -> str:
    """An HTML table, in a box that scrolls sideways when it is wider than the page.

    Args:
        header: Column headings; None makes a key-value table.
        rows: Cells; cells of type :class:`Raw` are inserted as HTML, others escaped.
        numeric: Indices of the right-aligned columns.
        compact: Smaller type and padding (tables with many columns).
    """
    numeric = numeric or set()
    head = ("<thead><tr>" + "".join(f"<th>{_cell(h)}</th>" for h in header) + "</tr></thead>"
            if header else "")
    body = "".join(
        "<tr>" + "".join(f"<td class=\"num\">{_cell(c)}</td>" if i in numeric
                         else f"<td>{_cell(c)}</td>" for i, c in enumerate(r)) + "</tr>"
        for r in rows)
    css = " class=\"compact\"" if compact else ""
    return f"<div class=\"wide\"><table{css}>{head}<tbody>{body}</tbody></table></div>"


def figure(png: Path, caption: str, number: int) -> str:
    """A numbered figure with its PNG embedded and its caption."""
    data = base64.b64encode(png.read_bytes()).decode("ascii")
    return (f"<figure id=\"{escape(png.stem)}\"><img alt=\"{escape(caption)}\" "
            f"src=\"data:image/png;base64,{data}\"><figcaption><b>Figure {number}.</b> "
            f"{escape(caption)} <span class=\"muted\">({escape(FIGURES + '/' + png.name)})"
            "</span></figcaption></figure>")


def page(title: str, body: str) -> str:
    """The whole page around ``body``."""
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{escape(title)}</title><style>{CSS}</style></head><body>\n{body}\n"
            f"<p class=\"muted\">Written by peacesim.report on "
            f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC from the folder's saved "
            "tables; redraw with <code>python -m peacesim report DIR</code>.</p>"
            "</body></html>\n")


def scenario_html(scenario: dict, heading: str) -> str:
    """The page's heading: scenario name, description, sources, counterfactual."""
    name = scenario.get("name") or "(unnamed scenario)"
    parts = [f"<h1>{escape(heading)}: {escape(name)}</h1>"]
    if scenario.get("description"):
        parts.append(f"<p class=\"lead\">{escape(scenario['description'])}</p>")
    sources = scenario.get("sources") or []
    if sources:
        parts.append("<h3>Sources</h3><ul>" + "".join(f"<li>{escape(s)}</li>" for s in sources)
                     + "</ul>")
    extra = []
    if scenario.get("counterfactual"):
        extra.append("counterfactual: " + ", ".join(f"{c}" for c in scenario["counterfactual"]))
    if scenario.get("outcome"):
        extra.append(f"intended outcome: {scenario['outcome']} "
                     f"({scenario.get('direction') or 'either direction'})")
    if extra:
        parts.append("<p class=\"muted\">" + escape("; ".join(extra)) + "</p>")
    return "\n".join(parts)


def short(v, n: int = 80) -> str:
    """``str(v)``, cut to ``n`` characters."""
    s = str(v)
    return s if len(s) <= n else s[: n - 1] + "…"


def provenance_html(manifest: dict, *, note: str = "") -> str:
    """The provenance section: commit, times, versions, time per mechanism."""
    if not manifest:
        return ("<h2>Provenance</h2><p class=\"warn\">No manifest.json: the versions, commit and "
                "timings are not known. " + escape(note) + "</p>")
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
    parts = ["<h2>Provenance</h2>", table(None, rows)]
    plan = manifest.get("step_plan_seconds") or {}
    if plan:
        total = sum(plan.values()) or 1.0
        prow = [[k, f"{v:.3f}", f"{100 * v / total:.0f} %"]
                for k, v in sorted(plan.items(), key=lambda kv: -kv[1])]
        parts.append("<details><summary>Time per mechanism (step plan)</summary>"
                     + table(["phase:mechanism.method", "seconds", "share"], prow, {1, 2})
                     + "</details>")
    if note:
        parts.append(f"<p class=\"muted\">{escape(note)}</p>")
    return "\n".join(parts)


def draw_figures(figures: list[tuple[str, str, Callable]], folder: Path
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


def figures_html(saved: list[tuple[Path, str]]) -> str:
    """The figures section: every saved figure, numbered."""
    return "\n".join(["<h2>Figures</h2>"] + [figure(png, caption, k)
                                             for k, (png, caption) in enumerate(saved, 1)])


def notes_html(heading: str, notes: list[str]) -> str:
    """A list of what was not drawn, and why ("" when there is nothing)."""
    if not notes:
        return ""
    return (f"<h3>{escape(heading)}</h3><ul>" + "".join(f"<li>{escape(n)}</li>" for n in notes)
            + "</ul>")
