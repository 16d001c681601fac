"""Annual results in the targets file's terms: one row per year, region and metric.

``annual_table`` turns the weekly results of a run into the metrics of
``../shared/data/mali_targets.csv`` (ACLED counts and IOM's displaced people), so that a
run can be set against the data row by row (:mod:`peacesim.validate`). Each target metric is
a sum of weekly metrics, named here, with fallbacks where a mechanism is absent:

* ``events``: armed-group attacks, communal clashes and militia attacks (``attacks``), the
  forces' engagements, and the forces' violence against civilians;
* ``fatalities``: people killed in attacks, clashes and militia attacks, and by the forces'
  violence against civilians;
* ``vac_events``, ``vac_fatalities``: violence against civilians by anyone: armed-group
  attacks on civilians, communal clashes and militia attacks (ACLED codes most attacks of
  communal militias on villages as violence against civilians), and the forces';
* ``vac_by_forces_events``, ``vac_by_forces_fatalities``: ``abuse_events`` and
  ``abuse_harmed`` where the abuse mechanism records them; otherwise from ``harm_by_forces``
  (people harmed by the forces), at :data:`HARMED_PER_FORCES_EVENT` people an event and
  :data:`KILLED_PER_FORCES_EVENT` killed an event;
* ``state_events``: attacks on the forces, their engagements and their violence against
  civilians;
* ``idps``: displaced people in the last week of the year.

Years are 52 weeks from ``calendar.start_year``; a year the run covers only in part is left
out. Regions are the targets' ids (``gao``, ...) and ``national`` (sum over regions).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from peacesim.geography import REGION_IDS, REGION_NAMES

WEEKS_PER_YEAR = 52

#: People harmed by the forces per ACLED event of violence against civilians, when no abuse
#: mechanism records events. Assumed 10 (range 3-30): ACLED Mopti 2017 counts 23 killed in 13
#: events; the arrested, beaten and robbed are assumed several times the killed.
HARMED_PER_FORCES_EVENT = 10.0
#: People killed per such event: 1.8 (ACLED Mopti 2017: 23 killed in 13 events).
KILLED_PER_FORCES_EVENT = 1.8

METRICS = ("events", "fatalities", "vac_events", "vac_fatalities", "vac_by_forces_events",
           "vac_by_forces_fatalities", "state_events", "idps")


def _col(frame: pd.DataFrame, name: str) -> pd.Series:
    return frame[name] if name in frame else pd.Series(0.0, index=frame.index)


def weekly_targets(ts: pd.DataFrame) -> pd.DataFrame:
    """The target metrics for each week and region of a tidy timeseries (see module doc)."""
    out = pd.DataFrame({"step": ts["step"], "region": ts["region"]})
    if "abuse_events" in ts:
        forces_events = ts["abuse_events"]
        forces_killed = _col(ts, "abuse_harmed") * (KILLED_PER_FORCES_EVENT
                                                     / HARMED_PER_FORCES_EVENT)
    else:
        forces_events = _col(ts, "harm_by_forces") / HARMED_PER_FORCES_EVENT
        forces_killed = forces_events * KILLED_PER_FORCES_EVENT
    engagements = _col(ts, "engagements")
    clashes = _col(ts, "communal_clashes")
    militia, militia_killed = _col(ts, "militia_attacks"), _col(ts, "militia_deaths")
    out["events"] = _col(ts, "attacks") + engagements + forces_events  # attacks has militias'
    out["fatalities"] = (_col(ts, "attack_deaths") + _col(ts, "clash_deaths") + militia_killed
                         + forces_killed)
    out["vac_events"] = _col(ts, "attacks_on_civilians") + clashes + militia + forces_events
    out["vac_fatalities"] = (_col(ts, "civilians_killed") + _col(ts, "clash_deaths")
                             + militia_killed + forces_killed)
    out["vac_by_forces_events"] = forces_events
    out["vac_by_forces_fatalities"] = forces_killed
    out["state_events"] = _col(ts, "attacks_on_forces") + engagements + forces_events
    out["idps"] = _col(ts, "idps")
    return out


def annual_table(ts: pd.DataFrame, start_year: int) -> pd.DataFrame:
    """Tidy annual results: columns ``year``, ``region``, ``metric``, ``value``.

    Args:
        ts: The tidy weekly timeseries (``model.timeseries()``), regions by display name.
        start_year: Calendar year of week 1.
    """
    week = weekly_targets(ts[ts["step"] > 0])
    ids = dict(zip(REGION_NAMES, REGION_IDS, strict=True))
    week["region"] = week["region"].map(lambda r: ids.get(r, r))
    week["year"] = start_year + (week["step"] - 1) // WEEKS_PER_YEAR
    full = week.groupby("year")["step"].nunique()
    full = full[full == WEEKS_PER_YEAR].index
    week = week[week["year"].isin(full)]
    flows = [m for m in METRICS if m != "idps"]
    summed = week.groupby(["year", "region"])[flows].sum()
    last = week.loc[week.groupby(["year", "region"])["step"].idxmax()]
    summed["idps"] = last.set_index(["year", "region"])["idps"]
    table = summed.reset_index().melt(id_vars=["year", "region"], var_name="metric")
    national = table.groupby(["year", "metric"], as_index=False)["value"].sum()
    national["region"] = "national"
    table = pd.concat([table, national[table.columns]], ignore_index=True)
    table["year"] = table["year"].astype(np.int64)
    table["value"] = table["value"].astype(np.float64)
    return table.sort_values(["year", "region", "metric"], ignore_index=True)


def annual_of_run(config, ts: pd.DataFrame) -> pd.DataFrame:
    """:func:`annual_table` of a run, from the year its config's ``calendar`` starts in."""
    calendar = getattr(config, "calendar", None)
    return annual_table(ts, int(getattr(calendar, "start_year", 2017)))
