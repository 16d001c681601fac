"""Benchmark: peacesim's Epstein Model I against Mesa's bundled example, same rules.

Both run the parameters of Mesa's ``EpsteinCivilViolence`` example (mesa 3.3.1; peacesim's
``EpsteinParams.mesa_example()``) on 40 x 40, 100 x 100 and 200 x 200 tori. Reported: wall
time per agent-step (nanoseconds; every agent, citizens jailed or not and cops, is one
agent-step per step), CPU time per agent-step, and the ratio Mesa / peacesim, for peacesim's
exact sequential mode and its batched (fast) mode.

Protocol: model construction is not timed. Mesa: one untimed warm-up step (fills its
neighbourhood caches), then a few timed steps (10, 3, 2 by size: Mesa is slow). peacesim: three
untimed warm-up steps (the first compiles the kernels unless cached), then ``repeats`` timed
blocks of steps; the median block is reported (min in the JSON). Single process; the batched
mode uses Numba's threads for batches of at least ``peacesim.epstein.model.PARALLEL_MIN_BATCH``
agents (4,096: none of these sizes with the default 16 batches; ``--parallel-min-batch`` lowers
it to measure the threaded path).

Command (about a minute)::

    python benchmarks/epstein_vs_mesa.py [--sizes 40 100 200] [--repeats 5]

Prints a table and writes benchmarks/results/epstein_vs_mesa.json (with machine information:
CPU, cores, load average before and after, Numba threads, versions).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path

import mesa
import numba
import numpy as np
from mesa.examples.advanced.epstein_civil_violence.model import EpsteinCivilViolence

import peacesim
from peacesim.epstein import EpsteinModel, EpsteinParams
from peacesim.epstein.model import PARALLEL_MIN_BATCH

RESULTS = Path(__file__).parent / "results"
MESA_STEPS = {40: 10, 100: 3, 200: 2}
PEACESIM_AGENT_STEPS = 3_000_000  # per timed block


def cpu_name() -> str:
    """CPU model name from /proc/cpuinfo (Linux) or platform."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def bench_mesa(size: int, seed: int = 1) -> dict:
    """Wall and CPU nanoseconds per agent-step of Mesa's example."""
    model = EpsteinCivilViolence(width=size, height=size, seed=seed)
    agents = len(model.agents)
    model.step()  # warm-up
    steps = MESA_STEPS.get(size, 2)
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(steps):
        model.step()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {"agents": agents, "steps": steps,
            "ns_per_agent_step": 1e9 * wall / (steps * agents),
            "cpu_ns_per_agent_step": 1e9 * cpu / (steps * agents)}


def bench_peacesim(size: int, activation: str, repeats: int, seed: int = 1) -> dict:
    """Wall and CPU nanoseconds per agent-step of peacesim (median of ``repeats`` blocks)."""
    model = EpsteinModel(EpsteinParams.mesa_example(width=size, height=size,
                                                    activation=activation), seed=seed)
    agents = model.n_citizens + model.n_cops
    model.run(3)  # warm-up (and compilation)
    steps = max(5, PEACESIM_AGENT_STEPS // agents)
    walls, cpus = [], []
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        model.run(steps)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    per = 1e9 / (steps * agents)
    return {"agents": agents, "steps_per_block": steps, "blocks": repeats,
            "ns_per_agent_step": per * statistics.median(walls),
            "ns_per_agent_step_min": per * min(walls),
            "cpu_ns_per_agent_step": per * statistics.median(cpus),
            "parallel_batches": activation == "batched"
            and agents // model.params.batches >= model._rules.parallel_min_batch}


def main() -> None:
    """Run the benchmark, print the table, write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[40, 100, 200])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--parallel-min-batch", type=int, default=PARALLEL_MIN_BATCH)
    args = parser.parse_args()
    from peacesim.epstein import model as epstein_model

    epstein_model.PARALLEL_MIN_BATCH = args.parallel_min_batch
    load_before = os.getloadavg()
    rows = []
    for size in args.sizes:
        mesa_result = bench_mesa(size)
        row = {"size": size, "mesa": mesa_result}
        for mode in ("sequential_random", "batched"):
            result = bench_peacesim(size, mode, args.repeats)
            result["speedup_vs_mesa"] = (mesa_result["ns_per_agent_step"]
                                         / result["ns_per_agent_step"])
            result["cpu_speedup_vs_mesa"] = (mesa_result["cpu_ns_per_agent_step"]
                                             / result["cpu_ns_per_agent_step"])
            row[mode] = result
        rows.append(row)
        print(f"{size}x{size} done", flush=True)
    load_after = os.getloadavg()
    header = (f"{'grid':>9} {'agents':>7} {'Mesa ns':>10} {'seq ns':>8} {'seq x':>7} "
              f"{'batch ns':>9} {'batch x':>8}")
    print(header)
    for row in rows:
        m, s, b = row["mesa"], row["sequential_random"], row["batched"]
        print(f"{row['size']:>4}x{row['size']:<4} {m['agents']:>7} "
              f"{m['ns_per_agent_step']:>10.0f} {s['ns_per_agent_step']:>8.1f} "
              f"{s['speedup_vs_mesa']:>7.0f} {b['ns_per_agent_step']:>9.1f} "
              f"{b['speedup_vs_mesa']:>8.0f}")
    payload = {
        "benchmark": "peacesim Epstein Model I vs Mesa's bundled EpsteinCivilViolence, Mesa "
                     "example parameters (von Neumann vision 7, round(C/A), L 0.8, Jmax 1000, "
                     "cop density 0.074, citizen density 0.7, torus)",
        "unit": "nanoseconds of wall time per agent-step (cpu_*: process CPU time)",
        "command": "python benchmarks/epstein_vs_mesa.py " + " ".join(
            ["--sizes", *map(str, args.sizes), "--repeats", str(args.repeats),
             "--parallel-min-batch", str(args.parallel_min_batch)]),
        "results": rows,
        "machine": {"cpu": cpu_name(), "logical_cores": os.cpu_count(),
                    "numba_threads": numba.get_num_threads(),
                    "threading_layer": numba.threading_layer(),
                    "load_average_before": [round(x, 2) for x in load_before],
                    "load_average_after": [round(x, 2) for x in load_after],
                    "platform": platform.platform(),
                    "note": "shared machine: other processes ran at the same time"},
        "versions": {"python": platform.python_version(), "peacesim": peacesim.__version__,
                     "mesa": mesa.__version__, "numba": numba.__version__,
                     "numpy": np.__version__},
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / "epstein_vs_mesa.json"
    path.write_text(json.dumps(payload, indent=2) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
