"""Ensembles: the same rows for any number of workers, chunks or backends, and after a kill."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass

import pandas as pd
import pytest

import peacesim
from peacesim.config import ConfigError, fields
from peacesim.config.fields import ASSUMED_RANGE, plausible_ranges
from peacesim.uq.params import apply, resolve

SMALL = ["population.size=2000", "steps=52"]
DESIGN = pd.DataFrame({"patrol.presence": [0.1, 0.3], "dialogue.frequency": [0, 4]})


@pytest.fixture(scope="module")
def serial():
    return peacesim.ensemble("baseline", DESIGN, seeds=range(2), overrides=SMALL,
                             progress=False)


def test_one_row_per_design_row_and_seed_with_every_outcome(serial):
    assert list(serial.columns[:4]) == ["row", "patrol.presence", "dialogue.frequency", "seed"]
    assert serial[["row", "seed"]].values.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]
    one = peacesim.PeaceModel(peacesim.load_config(
        "baseline", [*SMALL, "patrol.presence=0.3", "dialogue.frequency=4", "seed=1"]))
    summary = one.run().summary()
    assert set(summary) <= set(serial.columns)
    for key, value in summary.items():  # a member is exactly the run of its config and seed
        assert serial.loc[3, key] == value
    assert serial["patrol_units_mean"].iloc[0] < serial["patrol_units_mean"].iloc[2]


def test_rows_identical_with_two_workers_and_other_chunks(serial, tmp_path):
    two = peacesim.ensemble("baseline", DESIGN, seeds=range(2), overrides=SMALL, workers=2,
                            chunk_size=1, out=tmp_path, progress=False)
    pd.testing.assert_frame_equal(serial, two)
    assert len(list((tmp_path / "parts").glob("part-*.parquet"))) == 4
    pd.testing.assert_frame_equal(serial, pd.read_parquet(tmp_path / "rows.parquet"))


def test_submitit_local_executor_gives_the_same_rows(serial, tmp_path):
    rows = peacesim.ensemble("baseline", DESIGN, seeds=range(2), overrides=SMALL, workers=2,
                             chunk_size=2, backend="submitit_local", out=tmp_path,
                             progress=False)
    pd.testing.assert_frame_equal(serial, rows)
    assert (tmp_path / "submitit").is_dir()


def test_ray_backend_gives_the_same_rows(serial):
    pytest.importorskip("ray")
    rows = peacesim.ensemble("baseline", DESIGN, seeds=range(2), overrides=SMALL, workers=2,
                             backend="ray", progress=False)
    pd.testing.assert_frame_equal(serial, rows)


KILLED = """
import pandas, peacesim
design = pandas.DataFrame({{"patrol.presence": [0.1, 0.2, 0.3]}})
peacesim.ensemble("baseline", design, seeds=range(3), overrides={small!r}, chunk_size=1,
                  out={out!r}, progress=False)
"""


def test_kill_and_resume_gives_the_rows_of_an_uninterrupted_run(tmp_path):
    design = pd.DataFrame({"patrol.presence": [0.1, 0.2, 0.3]})
    out = tmp_path / "ens"
    proc = subprocess.Popen([sys.executable, "-c", KILLED.format(small=SMALL, out=str(out))],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and len(list((out / "parts").glob("part-*.parquet"))) < 2:
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    written = len(list((out / "parts").glob("part-*.parquet")))
    assert 2 <= written < 9, "the kill must land part-way through"
    assert not (out / "rows.parquet").exists()
    resumed = peacesim.ensemble("baseline", design, seeds=range(3), overrides=SMALL,
                                chunk_size=5, out=out, progress=False)
    fresh = peacesim.ensemble("baseline", design, seeds=range(3), overrides=SMALL,
                              progress=False)
    pd.testing.assert_frame_equal(fresh, resumed)


def test_rerun_into_the_folder_of_another_ensemble_is_refused(tmp_path):
    peacesim.ensemble("baseline", None, seeds=[0], overrides=SMALL, out=tmp_path,
                      progress=False)
    with pytest.raises(ConfigError, match="holds another ensemble"):
        peacesim.ensemble("baseline", None, seeds=[1], overrides=SMALL, out=tmp_path,
                          progress=False)


def test_bad_design_values_are_refused_before_anything_runs(tmp_path):
    bad = pd.DataFrame({"patrol.presence": [0.2, 1.5]})
    with pytest.raises(ConfigError, match=r"design row 1: patrol.presence=1.5 is out of range"):
        peacesim.ensemble("baseline", bad, seeds=[0], overrides=SMALL, out=tmp_path / "x")
    assert not (tmp_path / "x").exists()
    with pytest.raises(ConfigError, match="unknown config key"):
        peacesim.ensemble("baseline", pd.DataFrame({"patrol.nothing": [1]}), overrides=SMALL)


@dataclass
class _Toy:
    rate: float = fields.nonneg(0.4, plausible=(0.1, 0.9), source="Someone 2020")
    share: float = fields.share(0.8)
    weeks: int = fields.bounded(10, 1, 52)
    off: float = fields.nonneg(0.0)


def test_plausible_ranges_from_field_metadata_or_x05_x2_clipped():
    rows = {r["key"]: r for r in plausible_ranges(_Toy())}
    assert (rows["rate"]["plausible_lo"], rows["rate"]["plausible_hi"]) == (0.1, 0.9)
    assert rows["rate"]["source"] == "Someone 2020"
    assert (rows["share"]["plausible_lo"], rows["share"]["plausible_hi"]) == (0.4, 1.0)
    assert rows["share"]["source"] == ASSUMED_RANGE
    assert rows["weeks"]["integer"] and rows["weeks"]["plausible_hi"] == 20
    assert rows["off"]["plausible_lo"] is None
    with pytest.raises(ValueError, match="not inside"):
        fields.share(0.5, plausible=(0.2, 1.2))


def test_every_parameter_of_the_config_is_listed_and_ranges_are_checked():
    config = peacesim.to_config(peacesim.load_config("baseline", SMALL))
    keys = {r["key"] for r in plausible_ranges(config)}
    assert {"patrol.presence", "grievance.trust_weight", "regions.mopti.cohesion"} <= keys
    (p,) = resolve(config, ["grievance.trust_weight"])
    assert (p.lo, p.hi, p.source) == (0.1, 0.6, "assumed")  # declared on the field
    with pytest.raises(ConfigError, match=r"leaves the allowed values \[0, 1\]"):
        resolve(config, {"patrol.presence": (0.1, 1.2)})
    with pytest.raises(ConfigError, match="value is 0; give one"):
        resolve(config, ["threads"])  # no declared range (not behaviour) and 0: no x0.5-x2
    new = apply(config, {"steps": 30.0, "regions.mopti.cohesion": 0.2})
    assert new.steps == 30 and isinstance(new.steps, int)
    assert new.regions["mopti"].cohesion == 0.2 and config.regions["mopti"].cohesion != 0.2


def test_importing_peacesim_loads_none_of_the_uq_dependencies():
    code = ("import sys, peacesim; bad = [m for m in ('SALib', 'optuna', "
            "'matplotlib', 'submitit', 'peacesim.uq') if m in sys.modules]; print(bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"
    assert callable(peacesim.ensemble) and callable(peacesim.calibrate)
