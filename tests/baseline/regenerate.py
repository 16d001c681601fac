"""Regenerate the frozen-seed baseline of the core model, on purpose.

The baseline is the national series (one row per week) of a short, small run of the default
scenario: 52 weeks, 5,000 community members, seed 1. ``tests/test_model.py`` recomputes it and
requires exact equality, so any change to the model's numbers (a parameter default, a kernel,
the order of the step, the random streams) fails that test until this script is run again
and the new file is committed with a note on why the numbers changed::

    python tests/baseline/regenerate.py

Floats are written with 17 significant digits, which round-trips every float64 exactly.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
PATH = HERE / "national_baseline_seed1.csv"
SCENARIO = "baseline"
OVERRIDES = ["steps=52", "population.size=5000", "seed=1", "population.agent_objects=none"]
FLOAT_FORMAT = "%.17g"


def compute() -> pd.DataFrame:
    """The national series of the baseline run, as the model computes it now."""
    import peacesim

    model = peacesim.PeaceModel(peacesim.load_config(SCENARIO, overrides=OVERRIDES))
    model.run()
    return model.national()


def read() -> pd.DataFrame:
    """The frozen baseline, read back exactly.

    Values are parsed by Python's ``float`` (correctly rounded), not by the CSV reader's own
    float parser, so the round trip is exact whatever the pandas version.
    """
    text = pd.read_csv(PATH, dtype=str, keep_default_na=False)
    frame = text.astype(float)
    frame["step"] = frame["step"].astype("int64")
    return frame


def main() -> None:
    """Write the baseline file and check that it reads back exactly."""
    frame = compute()
    frame.to_csv(PATH, index=False, float_format=FLOAT_FORMAT, lineterminator="\n")
    back = read()
    pd.testing.assert_frame_equal(back, frame, check_exact=True)
    print(f"wrote {PATH} ({len(frame)} weeks, {frame.shape[1] - 1} metrics, "
          f"{PATH.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
