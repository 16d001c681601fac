"""Every behavioural parameter of the model carries a plausible range its docstring states."""

from __future__ import annotations

import dataclasses
import re

import pytest

from peacesim.config.fields import PLAUSIBLE, RANGE, SOURCE, SPREAD, share
from peacesim.config.regions import RegionParams
from peacesim.config.schema import attribute_docs, schema

#: Not behaviour: run settings, output, the published models (their own published values),
#: the population's size and Bamako's sub-cells (resolutions, not properties of Mali), the
#: number of identity groups and the stigmatised one (categories a scenario chooses, not
#: quantities: a sampled group count would not match its ``group_shares``), the calendar (a
#: date) and programme timing.
NOT_BEHAVIOURAL_TOP = {"steps", "seed", "threads", "output", "epstein", "bennett"}
NOT_BEHAVIOURAL_KEYS = {"population.size", "geography.bamako_cells", "calendar.start_year",
                        "communal.groups", "communal.stigma_group"}
TIMING = ("start", "end")


def numeric_fields():
    """``(key, field, default, docstring entry)`` of every behavioural numeric field."""
    out = []

    def walk(obj, prefix):
        docs = attribute_docs(type(obj))
        for f in dataclasses.fields(obj):
            value = getattr(obj, f.name)
            key = f"{prefix}{f.name}"
            if dataclasses.is_dataclass(value):
                walk(value, key + ".")
            elif (RANGE in f.metadata and not isinstance(value, bool)
                  and f.name not in TIMING and key not in NOT_BEHAVIOURAL_KEYS):
                out.append((key, f, value, docs.get(f.name, "")))

    config = schema()()
    for f in dataclasses.fields(config):
        value = getattr(config, f.name)
        if f.name in NOT_BEHAVIOURAL_TOP or f.name == "regions":
            continue
        if dataclasses.is_dataclass(value):
            walk(value, f"{f.name}.")
    for rid, region in config.regions.items():
        walk(region, f"regions.{rid}.")
    return out


FIELDS = numeric_fields()


def numbers(text: str) -> set[float]:
    """The numbers written in a docstring (thousands separators dropped)."""
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)
    return {float(x) for x in re.findall(r"\d+(?:\.\d+)?", text)}


def test_the_walk_finds_the_parameters_of_every_part_of_the_model():
    """Nested sections, programmes and regions are walked; run and published keys are not."""
    keys = {k for k, *_ in FIELDS}
    assert {"abuse.rate", "patrol.moc.accuracy", "patrol.un.deterrence", "dialogue.frequency",
            "employment.youth_coverage", "population.youth_share", "geography.adult_share",
            "regions.mopti.insecurity"} <= keys
    assert not keys & {"steps", "population.size", "dialogue.start", "patrol.un.end"}
    assert not any(k.startswith(("epstein.", "bennett.", "output.")) for k in keys)


def range_problems(fields) -> list[str]:
    """What is wrong with the plausible ranges of ``fields`` (one line each)."""
    problems = []
    for key, f, default, doc in fields:
        lo_allowed, hi_allowed, lo_open = f.metadata[RANGE]
        if SPREAD in f.metadata:  # the instance's value plus or minus a spread: contains it
            if f.metadata[SPREAD] not in numbers(doc):
                problems.append(f"{key}: the docstring does not state the spread "
                                f"{f.metadata[SPREAD]:g}")
            continue
        if PLAUSIBLE not in f.metadata:
            problems.append(f"{key}: no plausible range: add plausible=(lo, hi), source=...")
            continue
        lo, hi = f.metadata[PLAUSIBLE]
        if not f.metadata[SOURCE].strip():
            problems.append(f"{key}: the range names no source (or 'assumed')")
        if not lo <= default <= hi:
            problems.append(f"{key}: default {default} outside its plausible [{lo:g}, {hi:g}]")
        if lo < lo_allowed or hi > hi_allowed or (lo_open and lo <= lo_allowed):
            problems.append(f"{key}: plausible [{lo:g}, {hi:g}] leaves the allowed values")
        if isinstance(default, int) and not (float(lo).is_integer() and float(hi).is_integer()):
            problems.append(f"{key}: an integer parameter needs integer bounds")
        if {lo, hi} - numbers(doc):
            problems.append(f"{key}: the docstring does not state the plausible range "
                            f"{lo:g}-{hi:g}; write it there too")
    return problems


def test_every_behavioural_parameter_has_a_plausible_range_its_docstring_states():
    """Range declared with a source, contains the default, allowed, stated in the docstring."""
    problems = range_problems(FIELDS)
    assert not problems, "\n".join(problems)


@dataclasses.dataclass
class Toy:
    """Three parameters, each with one of the faults the check must catch.

    Attributes:
        a: No range. Assumed 0.3.
        b: Assumed 0.3 (plausible 0.1-0.6).
        c: Assumed 0.3.
    """

    a: float = share(0.3)
    b: float = share(0.7, plausible=(0.1, 0.6))
    c: float = share(0.3, plausible=(0.1, 0.6))


def test_the_check_catches_a_missing_range_a_default_outside_and_a_silent_docstring():
    """The check above can fail: one toy field per fault."""
    docs = attribute_docs(Toy)
    fields = [(f.name, f, getattr(Toy(), f.name), docs[f.name]) for f in dataclasses.fields(Toy)]
    problems = range_problems(fields)
    assert [p.split(":")[0] for p in problems] == ["a", "b", "c"]
    assert "outside" in problems[1] and "docstring" in problems[2]


def test_region_ranges_stay_inside_the_allowed_shares():
    """Each region's value plus or minus its spread, clipped to [0, 1], for every region."""
    from peacesim.config.fields import plausible_ranges

    rows = plausible_ranges(schema()())
    regional = [r for r in rows if r["key"].startswith("regions.")]
    assert len(regional) == len(schema()().regions) * len(dataclasses.fields(RegionParams))
    for r in regional:
        assert 0 <= r["plausible_lo"] <= r["default"] <= r["plausible_hi"] <= 1, r
        assert r["plausible_hi"] > r["plausible_lo"], r
    with pytest.raises(ValueError, match="spread"):
        share(0.5, spread=0.0)
    with pytest.raises(ValueError, match="not inside"):
        share(0.5, plausible=(0.0, 0.6), lo_open=True)
