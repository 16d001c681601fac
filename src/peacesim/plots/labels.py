"""Readable names and units of what a run records, for figures and reports.

The descriptions are those of ``PeaceModel(...).metrics()`` (copied here so that figures
need only the tables). ``scale`` turns a stored value into the displayed one: shares of people
are shown in per cent (×100); mean scores on a 0-1 scale are shown as they are. A metric
missing from these tables is shown under its column name, unscaled: a new mechanism's results
are drawn without editing this file, only less prettily.
"""

from __future__ import annotations

from dataclasses import dataclass

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
    """

    label: str
    unit: str
    kind: str
    scale: float = 1.0
    description: str = ""


SCORE = "mean score, 0-1"

#: PeaceModel's metrics (``PeaceModel.metrics()``), in the order the reports list them.
METRICS: dict[str, MetricLabel] = {
    "trust_in_sdf": MetricLabel(
        "Trust in the security forces", SCORE, "share", 1.0,
        "community members' mean trust in the security forces"),
    "sdf_trust_in_community": MetricLabel(
        "Forces' trust in communities", SCORE, "share", 1.0,
        "forces' trust in the communities they serve"),
    "social_cohesion": MetricLabel(
        "Social cohesion", SCORE, "share", 1.0,
        "community members' mean trust in the other community"),
    "armed_group_support": MetricLabel(
        "Support for armed groups", "% of members", "share", 100.0,
        "share of community members who support armed groups"),
    "youth_recruited": MetricLabel(
        "Young people in armed groups", "% of young people", "share", 100.0,
        "share of young people in an armed group"),
    "armed_group_strength": MetricLabel(
        "Armed-group strength", "fighters", "level", 1.0,
        "fighters of the armed groups in the region (people)"),
    "information_sharing": MetricLabel(
        "Information shared with the forces", "% of what communities know", "share", 100.0,
        "share of what community members know that reaches the forces"),
    "forces_information": MetricLabel(
        "Forces' knowledge of armed groups", SCORE, "share", 1.0,
        "forces' knowledge of armed-group activity"),
    "grievance": MetricLabel(
        "Grievance", SCORE, "share", 1.0, "mean grievance G = H(1 - L) + harm memory"),
    "legitimacy": MetricLabel(
        "Legitimacy of governance", SCORE, "share", 1.0,
        "perceived legitimacy of governance"),
    "justice_access": MetricLabel(
        "Access to justice", "% of grievances", "share", 100.0,
        "share of grievances that can reach justice"),
    "youth_employed": MetricLabel(
        "Young people with work", "% of young people", "share", 100.0,
        "share of young people with work"),
    "attacks": MetricLabel(
        "Violent events", "events per week", "count", 1.0,
        "violent events in the week: armed-group attacks and communal clashes"),
    "attacks_on_forces": MetricLabel(
        "Attacks on the forces", "events per week", "count", 1.0,
        "armed-group attacks on security forces in the week"),
    "attacks_on_civilians": MetricLabel(
        "Attacks on civilians", "events per week", "count", 1.0,
        "armed-group attacks on civilians in the week"),
    "communal_clashes": MetricLabel(
        "Communal clashes", "events per week", "count", 1.0,
        "clashes between communities in the week"),
    "civilian_harm": MetricLabel(
        "Civilians harmed", "people per week", "count", 1.0,
        "people harmed in the week by forces, armed groups or clashes (people)"),
    "harm_by_forces": MetricLabel(
        "Civilians harmed by the forces", "people per week", "count", 1.0,
        "people harmed by the security forces in the week (people)"),
    "new_recruits": MetricLabel(
        "New armed-group recruits", "people per week", "count", 1.0,
        "young people who joined an armed group in the week (people)"),
    "dialogue_sessions": MetricLabel(
        "Dialogue sessions", "sessions per week", "count", 1.0,
        "dialogue sessions held in the week"),
    "dialogue_reached": MetricLabel(
        "People reached by dialogue", "people per week", "count", 1.0,
        "people reached by dialogue in the week (people)"),
    "operations_success": MetricLabel(
        "Successful operations", "engagements per week", "count", 1.0,
        "engagements that weakened an armed group in the week"),
    "patrol_units": MetricLabel(
        "Security units deployed", "units", "count", 1.0,
        "security units deployed in the region (units)"),
    "trained_units": MetricLabel(
        "Units trained in conflict-sensitive conduct", "units", "count", 1.0,
        "units trained in conflict-sensitive conduct"),
    "womens_groups_active": MetricLabel(
        "Women's groups active", "groups", "count", 1.0, "women's groups active in the region"),
}

#: The outcomes analysts read first (national time series, sweep panels).
MAIN_OUTCOMES: tuple[str, ...] = (
    "trust_in_sdf", "sdf_trust_in_community", "social_cohesion", "armed_group_support",
    "youth_recruited", "armed_group_strength", "information_sharing")

#: Shares measured over a step's flows: nothing is recorded at step 0 (drawn from step 1).
FLOWS: frozenset[str] = frozenset({"information_sharing"})

#: Weekly events (the events figure).
EVENTS: tuple[str, ...] = ("attacks", "civilian_harm", "dialogue_sessions", "new_recruits")

#: Columns of the published special cases' tables (model=epstein, model=bennett).
PUBLISHED: dict[str, MetricLabel] = {
    "active": MetricLabel("Active (rebelling) citizens", "citizens", "level"),
    "quiet": MetricLabel("Quiet citizens", "citizens", "level"),
    "jailed": MetricLabel("Jailed citizens", "citizens", "level"),
    "legitimacy": MetricLabel("Legitimacy L", "0-1", "share"),
    "insurgents": MetricLabel("Insurgents", "agents", "level"),
    "civilians": MetricLabel("Civilians", "agents", "level"),
    "removed_total": MetricLabel("Insurgents removed (cumulative)", "agents", "level"),
    "attacks": MetricLabel("Insurgent attacks", "per round", "count"),
    "counterattacks": MetricLabel("Government counter-attacks", "per round", "count"),
    "removed": MetricLabel("Insurgents removed", "per round", "count"),
    "hurt": MetricLabel("Civilians hurt", "per round", "count"),
    "new_insurgents": MetricLabel("New insurgents", "per round", "count"),
    "fear_events": MetricLabel("Fear events", "per round", "count"),
    "mean_anger": MetricLabel("Mean anger", "0-1", "share"),
    "mean_fear": MetricLabel("Mean fear", "0-1", "share"),
}

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


def metric_label(name: str) -> MetricLabel:
    """How metric ``name`` is shown (a plain fallback for unknown names)."""
    if name in METRICS:
        return METRICS[name]
    if name in PUBLISHED:
        return PUBLISHED[name]
    return MetricLabel(name.replace("_", " ").capitalize(), "", "share")


def axis_label(name: str) -> str:
    """``Label (unit)`` for an axis."""
    m = metric_label(name)
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


def outcome_label(column: str, *, with_unit: bool = True) -> str:
    """A summary column as words: ``Trust in the security forces, end of run (...)``."""
    metric, stat = outcome_parts(column)
    m = metric_label(metric)
    when = {"final": "end of run", "mean": "mean over the run"}.get(stat, "")
    text = m.label + (f", {when}" if when else "")
    return f"{text} ({m.unit})" if with_unit and m.unit else text


def parameter_label(key: str) -> str:
    """A swept config key as words, with the key itself (which people type)."""
    words = PARAMETERS.get(key)
    return f"{words} [{key}]" if words and key != "seed" else (words or key)


def format_value(value: float, name: str = "", *, digits: int = 3) -> str:
    """A stored value of metric ``name`` as displayed (scaled, rounded sensibly)."""
    try:
        v = float(value) * metric_label(name).scale
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
