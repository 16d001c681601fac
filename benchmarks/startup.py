"""Benchmark of what one sweep job pays before useful work, with a warm and a cold Numba cache.

One command::

    python benchmarks/startup.py [--size 10000] [--repeats 5]

A job is a fresh ``python`` process that imports peacesim, loads the baseline config
(``load_config``, Hydra's compose API), builds a small model (``population.size=10000`` by
default, everything else as in the baseline, so Mesa agent objects are built as ``auto``
says), runs one step and exits. The parent times the process from launch to exit
(``time.perf_counter`` around ``subprocess.run``); the job reports when each stage ended, so
the table shows where the time goes: interpreter start, ``import numpy``, ``import numba``,
``import mesa``, ``import peacesim`` (the rest of it), ``load_config``, the first call of a
compiled function (a tiny cached kernel: Numba initialises its compiler and runtime on the first
call, whatever the kernel), building the model, the first step (these two load the model's
kernels from Numba's cache), and interpreter exit (with the number of modules imported).

* **cold**: a fresh, empty ``NUMBA_CACHE_DIR`` in a temporary folder, so every kernel the
  model uses is compiled: the one-time cost of a new machine or a changed kernel;
* **warm**: the same folder afterwards, so every kernel is loaded from the cache: what every
  job of a sweep pays. Best and median of ``--repeats`` runs.
* **warm, os._exit**: the same warm job ending with ``os._exit(0)`` once its output is
  flushed, which skips the interpreter's teardown of the ~1,300 imported modules: a diagnostic
  of what the exit costs.

Results go to ``benchmarks/results/startup.json`` with the machine, versions, date, load and
the command.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "startup.json"
TARGET_WARM_S = 1.5

#: The job each process runs; prints the wall-clock time (time.time()) at which each stage
#: ended, so the parent can subtract its own launch time.
JOB = r"""
import time
marks = [("start", time.time())]
import numpy
marks.append(("import numpy", time.time()))
import numba
marks.append(("import numba", time.time()))
import mesa
marks.append(("import mesa", time.time()))
import peacesim
marks.append(("import peacesim", time.time()))
cfg = peacesim.load_config("baseline", ["population.size={size}", "steps=1"])
marks.append(("load_config", time.time()))
from peacesim.kernels.cells import neighbour_sum
neighbour_sum(numpy.zeros(2, numpy.int64), numpy.zeros(0, numpy.int64), numpy.zeros(1),
              numpy.zeros(1))
marks.append(("first compiled call", time.time()))
model = peacesim.PeaceModel(cfg)
marks.append(("build model", time.time()))
model.step()
marks.append(("first step", time.time()))
import json, sys
sys.stdout.write(json.dumps({"marks": marks, "modules": len(sys.modules)}) + "\n")
sys.stdout.flush()
"""
FAST_EXIT = "import os\nos._exit(0)\n"

STAGES = ("interpreter start", "import numpy", "import numba", "import mesa",
          "import peacesim", "load_config", "first compiled call", "build model", "first step",
          "exit")


def job(size: int, cache_dir: str, fast_exit: bool = False) -> dict:
    """Run one job process; return its total wall time and the time of each stage."""
    env = dict(os.environ, NUMBA_CACHE_DIR=cache_dir)
    code = JOB.replace("{size}", str(size)) + (FAST_EXIT if fast_exit else "")
    launched = time.time()
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    total = time.perf_counter() - t0
    ended = time.time()
    if out.returncode != 0:
        raise RuntimeError(f"job failed:\n{out.stderr}")
    report = json.loads(out.stdout.strip().splitlines()[-1])
    marks = report["marks"]
    stages = {"interpreter start": marks[0][1] - launched}
    for (_, before), (name, at) in zip(marks[:-1], marks[1:], strict=True):
        stages[name] = at - before
    stages["exit"] = ended - marks[-1][1]
    return {"total_s": total, "stages_s": stages, "modules": report["modules"]}


def summarise(runs: list[dict]) -> dict:
    """Best and median of several runs (stages of the best run)."""
    best = min(runs, key=lambda r: r["total_s"])
    return {
        "best_s": best["total_s"],
        "median_s": statistics.median(r["total_s"] for r in runs),
        "runs_s": [r["total_s"] for r in runs],
        "stages_of_best_s": best["stages_s"],
        "modules_imported": best["modules"],
    }


def main() -> None:
    """Parse the command line, run the jobs, print and write the results."""
    sys.path.insert(0, str(HERE))
    from full_model import machine

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10_000, help="community members")
    parser.add_argument("--repeats", type=int, default=5, help="warm runs (best is kept)")
    parser.add_argument("--cold-repeats", type=int, default=1,
                        help="cold runs, each with its own empty cache folder")
    parser.add_argument("--output", default=str(RESULTS), help="JSON file to write")
    args = parser.parse_args()

    started = dt.datetime.now(dt.UTC)
    info = machine()
    cold, warm, fast = [], [], []
    with tempfile.TemporaryDirectory(prefix="peacesim-numba-") as tmp:
        for k in range(args.cold_repeats):
            cache = str(Path(tmp) / f"cache{k}")
            cold.append(job(args.size, cache))
            print(f"  cold run {k + 1}: {cold[-1]['total_s']:.2f} s", flush=True)
        for k in range(args.repeats):
            warm.append(job(args.size, str(Path(tmp) / "cache0")))
            print(f"  warm run {k + 1}: {warm[-1]['total_s']:.2f} s", flush=True)
        for k in range(args.repeats):
            fast.append(job(args.size, str(Path(tmp) / "cache0"), fast_exit=True))
            print(f"  warm run with os._exit {k + 1}: {fast[-1]['total_s']:.2f} s", flush=True)
    info["load_average_end"] = os.getloadavg()
    result = {"cold": summarise(cold), "warm": summarise(warm),
              "warm_os_exit": summarise(fast)}
    result["cold_compile_s"] = result["cold"]["best_s"] - result["warm"]["best_s"]

    kinds = ("warm", "cold", "warm_os_exit")
    print()
    print(f"{'stage':<20} {'warm cache s':>12} {'cold cache s':>12} {'warm, os._exit s':>16}")
    for name in STAGES:
        print(f"{name:<20}" + "".join(f" {result[k]['stages_of_best_s'][name]:>{w}.3f}"
                                      for k, w in zip(kinds, (12, 12, 16), strict=True)))
    for what in ("best", "median"):
        print(f"{'total (' + what + ')':<20}" + "".join(
            f" {result[k][what + '_s']:>{w}.3f}" for k, w in zip(kinds, (12, 12, 16), strict=True)))
    print(f"\none-time compile (cold - warm, best): {result['cold_compile_s']:.2f} s")
    met = result["warm"]["best_s"] <= TARGET_WARM_S
    print(f"warm start target {TARGET_WARM_S} s: {'met' if met else 'missed'} "
          f"({result['warm']['best_s']:.2f} s best, {result['warm']['median_s']:.2f} s median)")

    out = {
        "benchmark": "startup",
        "command": " ".join(["python", "benchmarks/startup.py", *sys.argv[1:]]),
        "date": started.isoformat(timespec="seconds"),
        "machine": info,
        "environment": {k: os.environ.get(k) for k in
                        ("PYTHONDONTWRITEBYTECODE", "NUMBA_THREADING_LAYER",
                         "NUMBA_NUM_THREADS")},
        "method": {
            "job": f"python -c: import numpy, numba, mesa, peacesim; load_config('baseline', "
                   f"['population.size={args.size}', 'steps=1']); a tiny neighbour_sum call; "
                   "PeaceModel(cfg); model.step(); exit",
            "total": "wall time from launching the process to its exit, measured by the parent",
            "cold": "fresh empty NUMBA_CACHE_DIR in a temporary folder",
            "warm": "the same NUMBA_CACHE_DIR after the cold run",
            "warm_os_exit": "warm, and the job ends with os._exit(0) after flushing stdout",
        },
        "size": args.size,
        "target_warm_s": TARGET_WARM_S,
        "target_met": met,
        **result,
    }
    path = Path(args.output)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=2) + "\n")
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
