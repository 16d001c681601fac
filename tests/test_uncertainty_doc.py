"""docs/UNCERTAINTY.md's screen section is what the committed screen results say (issue 14).

The screen itself (experiments/uncertainty/screen.py) takes about an hour; these tests check
what it screened and that the document quotes its JSON results, not a hand-edited copy.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def screen():
    path = ROOT / "experiments" / "uncertainty" / "screen.py"
    spec = importlib.util.spec_from_file_location("uncertainty_screen", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_doc_section_is_generated_from_the_committed_results(screen):
    text = screen.DOC.read_text()
    assert screen.BEGIN in text and screen.END in text
    block = text.split(screen.BEGIN, 1)[1].split(screen.END, 1)[0]
    assert block == "\n" + screen.render(), "run: python experiments/uncertainty/screen.py doc"


def test_every_screen_and_sobol_result_is_committed(screen):
    for name in (*screen.SCREENS, *screen.SOBOLS):
        result = screen._read(name)
        assert result is not None, f"experiments/uncertainty/results/{name}.json is missing"
        assert result["runs"] > 0 and result["seconds"] > 0 and result["command"]
        for figure in result["figures"]:
            assert (ROOT / figure).exists(), figure


def test_screen_covers_every_behavioural_parameter_and_no_run_setting(screen):
    keys, groups = screen.parameters("baseline")
    assert len(keys) == len(set(keys))
    assert not [k for k in keys if k.endswith((".start", ".end"))]
    assert not [k for k in keys if k.split(".")[0] in ("output", "calendar", "bennett")]
    assert [k for k in keys if k.startswith("epstein.")] == list(screen.CONTROLS)
    assert not set(keys) & {"seed", "threads", "steps", "population.size", *screen.LEVERS}
    # the region table: one group per attribute, every region's row in it
    attributes = {g.split(".")[-1] for g in groups.values()}
    for attribute in attributes:
        members = [k for k, g in groups.items() if g == f"regions.*.{attribute}"]
        assert len(members) >= 9, attribute
    assert all(k.startswith("regions.") for k in groups)
    assert "patrol.presence" in keys and "grievance.trust_weight" in keys


def test_the_inert_control_scores_zero_in_the_committed_baseline_screen(screen):
    result = screen._read("morris_baseline")
    for outcome, summary in result["outcomes"].items():
        assert summary["controls"]["epstein.legitimacy"] == 0.0, outcome
