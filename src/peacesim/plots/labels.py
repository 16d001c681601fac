"""Readable names and units for figures and reports: metrics, levers, programmes, numbers.

How each recorded metric is shown (label, unit, ``scale``) is not listed here: the model
declares it and writes it into every run folder as ``metrics.json``, which
:func:`peacesim.report.load_metrics` reads into a ``{name: MetricLabel}`` mapping that the
report passes to the drawing functions. ``scale`` turns a stored value into the displayed one
(shares of people are shown in per cent, ×100; mean scores on a 0-1 scale as they are). A
metric the mapping does not hold (a folder written before metrics.json existed, a new column)
is shown under its column name, unscaled, without a unit: :func:`metric_label`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

#: Weeks per year: one step of PeaceModel is one week.
WEEKS_PER_YEAR = 52


@dataclass(frozen=True)
class MetricLabel:
    """How one metric is shown.

    Attributes:
        label: Short readable name (a panel title).
        unit: Unit of the displayed value (after ``scale``).
        kind: ``share`` (regional mean), ``count`` (events or people in the week) or
            ``level`` (a stock), as recorded by the model.
        scale: Factor from the stored value to the displayed one (100 for per cent).
        description: The model's own description of the metric.
        weight: What a regional mean is weighted by (``members``, ``youth``, ...), or None.
    """

    label: str
    unit: str
    kind: str
    scale: float = 1.0
    description: str = ""
    weight: str | None = None


#: How the metrics of a run are shown, by column name (read from the run's metrics.json).
Labels = Mapping[str, MetricLabel]


#: The outcomes analysts read first (national time series, sweep panels).
MAIN_OUTCOMES: tuple[str, ...] = (
    "trust_in_sdf", "sdf_trust_in_community", "social_cohesion", "armed_group_support",
    "youth_recruited", "armed_group_strength", "information_sharing")

#: Shares measured over a step's flows: nothing is recorded at step 0 (drawn from step 1).
FLOWS: frozenset[str] = frozenset({"information_sharing"})

#: Weekly events (the events figure).
EVENTS: tuple[str, ...] = ("attacks", "civilian_harm", "dialogue_sessions", "new_recruits")

#: Levers people sweep, by config key (others are shown under their key).
PARAMETERS: dict[str, str] = {
    "patrol.presence": "Patrol presence (share of cells with a unit per week)",
    "dialogue.frequency": "Dialogue (sessions per cell-year)",
    "dialogue.women_participation": "Women's share of dialogue participants",
    "dialogue.youth_participation": "Youth share of dialogue participants",
    "dialogue.forces_participation": "Share of dialogue sessions the forces attend",
    "conduct.share": "Units trained in conflict-sensitive conduct (share)",
    "employment.youth_coverage": "Youth employment coverage (share of unemployed youth)",
    "justice.access": "Justice access (share of the gap closed)",
    "patrol.moc.share": "Mixed patrols (MOC share of units)",
    "patrol.un.share": "UN share of units",
    "womens_groups.sessions_per_year": "Women's group sessions per year",
    "seed": "Random seed",
}

#: The level that switches each programme on (0 = off), by programme name in the manifest.
PROGRAMME_LEVEL: dict[str, str] = {
    "conduct": "share", "dialogue": "frequency", "employment": "youth_coverage",
    "justice": "access", "patrol.moc": "share", "patrol.un": "share",
    "womens_groups": "sessions_per_year",
}
_LEVEL_NAMES = ("share", "frequency", "coverage", "youth_coverage", "access",
                "sessions_per_year", "intensity", "level")


def metric_label(name: str, labels: Labels | None = None) -> MetricLabel:
    """How metric ``name`` is shown: from ``labels``, else its column name without a unit.

    Args:
        name: Column name of the metric (``trust_in_sdf``).
        labels: The run's labels (:func:`peacesim.report.load_metrics`); None or missing
            names give the plain fallback (label = column name, scale 1, no unit, kind "").
    """
    if labels and name in labels:
        return labels[name]
    return MetricLabel(name, "", "")


def axis_label(name: str, labels: Labels | None = None) -> str:
    """``Label (unit)`` for an axis."""
    m = metric_label(name, labels)
    return f"{m.label} ({m.unit})" if m.unit else m.label


def outcome_parts(column: str) -> tuple[str, str]:
    """Split a summary column into (metric, statistic).

    ``trust_in_sdf_final`` -> (``trust_in_sdf``, ``final``); the statistic is ``""`` when
    there is none.
    """
    for stat in ("final", "mean"):
        if column.endswith("_" + stat):
            return column[: -len(stat) - 1], stat
    return column, ""


def outcome_label(column: str, labels: Labels | None = None, *, with_unit: bool = True) -> str:
    """A summary column as words: ``Trust in the security forces, end of run (...)``."""
    metric, stat = outcome_parts(column)
    m = metric_label(metric, labels)
    when = {"final": "end of run", "mean": "mean over the run"}.get(stat, "")
    text = m.label + (f", {when}" if when else "")
    return f"{text} ({m.unit})" if with_unit and m.unit else text


def parameter_label(key: str) -> str:
    """A swept config key as words, with the key itself (which people type)."""
    words = PARAMETERS.get(key)
    return f"{words} [{key}]" if words and key != "seed" else (words or key)


def format_value(value: float, name: str = "", labels: Labels | None = None, *,
                 digits: int = 3) -> str:
    """A stored value of metric ``name`` as displayed (scaled, rounded sensibly)."""
    try:
        v = float(value) * metric_label(name, labels).scale
    except (TypeError, ValueError):
        return str(value)
    if v != v:  # NaN
        return "–"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    if abs(v) >= 100:
        return f"{v:.0f}"
    return f"{v:.{digits}g}"


def programme_level(programme: dict) -> tuple[str | None, float | None]:
    """The level that switches a manifest programme on, and its value.

    Args:
        programme: One entry of the manifest's ``interventions`` ({name, start, end,
            regions, levels}).

    Returns:
        (level name, value); (None, None) when the programme has no numeric level.
    """
    levels = programme.get("levels") or {}
    key = PROGRAMME_LEVEL.get(programme.get("name", ""))
    if key is None:
        key = next((k for k in _LEVEL_NAMES if k in levels), None)
    if key is None:
        key = next((k for k, v in levels.items()
                    if isinstance(v, (int, float)) and not isinstance(v, bool)), None)
    if key is None or key not in levels:
        return None, None
    try:
        return key, float(levels[key])
    except (TypeError, ValueError):
        return key, None


def programme_is_on(programme: dict) -> bool:
    """Whether a manifest programme acts at all (its switching level is not zero)."""
    _, value = programme_level(programme)
    return bool(value)


def fmt_number(v: float, digits: int = 3) -> str:
    """A number with about ``digits`` significant digits, never in scientific notation."""
    try:
        v = float(v)
    except (TypeError, ValueError):
        return str(v)
    if not np.isfinite(v):
        return "–"
    if v == 0:
        return "0"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    decimals = int(min(6, max(0, digits - 1 - np.floor(np.log10(abs(v))))))
    return f"{v:.{decimals}f}"


def value_text(v) -> str:
    """A swept parameter's value as text (``""`` for None or NaN, ``0.1`` not ``0.1000``)."""
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return ""
    return f"{v:g}" if isinstance(v, float) else str(v)


def difference_unit(label: MetricLabel) -> str:
    """The unit of a difference of two displayed values (percentage points for per cent)."""
    if label.unit.startswith("%"):
        return "percentage points"
    if label.unit.startswith("mean score"):
        return "points on the 0-1 scale"
    return label.unit
