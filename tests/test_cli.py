"""Command-line behaviour not covered by the sweep tests.

Scenarios of one's own, defaults, the packaged configs.
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _peacesim(*args, cwd):
    return subprocess.run([sys.executable, "-m", "peacesim", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=600)


def test_user_scenario_from_config_dir(tmp_path):
    scen = tmp_path / "mine" / "scenario"
    scen.mkdir(parents=True)
    (scen / "my_north.yaml").write_text(
        "# @package _global_\n"
        "scenario:\n  name: my_north\n  description: my own northern scenario\n"
        "geography:\n  regions: [gao, kidal]\n"
        "employment:\n  youth_coverage: 0.4\n")
    listed = _peacesim("scenarios", "--config-dir", str(tmp_path / "mine"), cwd=tmp_path)
    assert listed.returncode == 0 and "my_north" in listed.stdout and "baseline" in listed.stdout
    run_dir = tmp_path / "run"
    done = _peacesim("run", "--config-dir", str(tmp_path / "mine"), "+scenario=my_north",
                     "steps=3", "population.size=500", "output.figures=false",
                     f"hydra.run.dir={run_dir}", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["scenario"] == "my_north"
    config = (run_dir / "config.yaml").read_text()
    assert "youth_coverage: 0.4" in config


def test_no_scenario_runs_baseline_and_scenario_without_plus_works(tmp_path):
    a = _peacesim("run", "steps=2", "population.size=300", "output.figures=false",
                  f"hydra.run.dir={tmp_path / 'a'}", cwd=tmp_path)
    b = _peacesim("run", "scenario=justice_access", "steps=2", "population.size=300",
                  "output.figures=false", f"hydra.run.dir={tmp_path / 'b'}", cwd=tmp_path)
    assert a.returncode == 0 and b.returncode == 0, a.stderr + b.stderr
    assert json.loads((tmp_path / "a" / "manifest.json").read_text())["scenario"] == "baseline"
    manifest_b = json.loads((tmp_path / "b" / "manifest.json").read_text())
    assert manifest_b["scenario"] == "justice_access"
    assert "national outcome" in a.stdout and "results in" in a.stdout


def test_unknown_command_and_bad_config_dir_are_one_line_errors(tmp_path):
    for args in (["frobnicate"], ["run", "--config-dir", str(tmp_path / "nowhere")],
                 ["collect", str(tmp_path / "nowhere")]):
        done = _peacesim(*args, cwd=tmp_path)
        assert done.returncode == 2, args
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("peacesim: error:"), done.stderr
        assert "Traceback" not in done.stderr


@pytest.mark.slow
def test_the_wheel_carries_the_configs(tmp_path):
    pytest.importorskip("hatchling")
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps",
                           "--no-build-isolation", "-q", "-w", str(tmp_path), str(ROOT)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    wheel = next(tmp_path.glob("peacesim-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "peacesim/configs/config.yaml" in names
    assert "peacesim/configs/scenario/baseline.yaml" in names
    assert "peacesim/configs/hydra/launcher/slurm.yaml" in names
    assert "peacesim/geography/mali_raster.npz" in names
