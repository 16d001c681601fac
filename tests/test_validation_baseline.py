"""Small version of experiments/validation/baseline_face_validity.py (it can fail)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

SCRIPT = (Path(__file__).resolve().parent.parent / "experiments" / "validation"
          / "baseline_face_validity.py")


def _script():
    spec = importlib.util.spec_from_file_location("baseline_face_validity", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_baseline_starts_at_the_survey_and_violence_is_in_the_north_and_centre(tmp_path):
    script = _script()
    table, checks = script.run(seeds=2, size=20_000, steps=104)
    assert abs(checks["national_trust_start_mean"] - 0.82) < 0.03
    assert 0.7 < checks["national_trust_end_mean"] < 0.9
    assert checks["share_of_armed_attacks_in_north_and_centre"] > 0.75
    assert 2 < checks["armed_events_per_week_mean"] < 20
    assert 0.5 < checks["share_of_armed_attacks_on_forces"] < 0.9
    # The north's trust in the forces starts below the south's, as in the surveys.
    start = table.groupby("region", observed=True)["trust_start"].mean()
    assert start["Kidal"] < start["Mopti"] < start["Sikasso"]
    script.figure(table, checks, tmp_path / "face.png")
    assert (tmp_path / "face.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
