"""The calendar: which year each week of a run falls in (for annual results).

A run's week 1 is the first week of ``start_year``; a year is 52 weeks (the annual tables
drop the extra day or two, which a weekly model cannot place). Acts in no phase.
"""

from __future__ import annotations

from dataclasses import dataclass

from peacesim.config.fields import bounded
from peacesim.mechanisms.base import Mechanism, mechanism


@dataclass
class CalendarParams:
    """When a run starts.

    Attributes:
        start_year: Calendar year of week 1. Default 2017 (the first year of ACLED's
            regional counts in the targets file); a label only, nothing else depends on it.
    """

    start_year: int = bounded(2017, 1900, 2200)


@mechanism
class Calendar(Mechanism):
    """The start year of the run (read by ``model.annual()``)."""

    name = "calendar"
    phases: dict = {}
    Params = CalendarParams
