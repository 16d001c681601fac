"""The Ray launcher runs a sweep end to end (only where the ray extra is installed)."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytest.importorskip("ray", reason="the ray extra is not installed (pip install '.[ray]')")
pytest.importorskip("hydra_plugins.hydra_ray_launcher")


@pytest.mark.slow
def test_ray_local_sweep_completes(tmp_path):
    sweep = tmp_path / "sweep"
    cmd = [sys.executable, "-m", "peacesim", "run", "-m", "hydra/launcher=ray_local",
           "hydra.launcher.ray.init.num_cpus=2", f"hydra.sweep.dir={sweep}",
           "seed=0,1", "steps=3", "population.size=500", "output.figures=false", "threads=1"]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path, timeout=600,
                          env={**__import__("os").environ, "PEACESIM_RAY_TMPDIR": "/tmp/psray"})
    assert done.returncode == 0, done.stderr[-2000:]
    for job in ("0", "1"):
        assert (sweep / job / "manifest.json").is_file()
