"""Benchmark of the full PeaceModel: time per agent-step, peak memory per agent, time per mechanism.

One command::

    python benchmarks/full_model.py [--sizes 1e4,1e5,1e6,1e7] [--threads 1,2] [--steps N]
                                    [--repeats R]

Every (size, threads) combination runs in its own fresh subprocess with ``NUMBA_NUM_THREADS``
set for that process (and ``threads`` in the config), so measurements are independent. Each
subprocess:

1. imports peacesim and loads every kernel the model uses (a 1,000-member model runs one step),
   then measures its resident memory (``VmRSS``, the baseline) and resets the kernel's peak
   counter (``echo 5 > /proc/self/clear_refs`` resets ``VmHWM`` to the current RSS);
2. builds the model (baseline scenario, ``population.agent_objects=none``: no per-agent Python
   objects), runs one warm-up step, then times ``model.step()`` over ``steps`` further steps
   (``time.perf_counter``) — every mechanism and the recording are included;
3. reads the peak resident memory (``VmHWM``) at the end.

Reported per combination:

* ``ns_per_agent_step``: wall time of the timed steps / (steps x agents);
* ``fastest_step_ns_per_agent``: the fastest single step / agents, less sensitive to other
  processes on a shared machine (a step the scheduler did not interrupt);
* ``peak_bytes_per_agent``: (``VmHWM`` at the end - ``VmRSS`` after imports and kernel loading)
  / agents: everything the build and the run added at their peak, set-up temporaries included;
* ``column_bytes_per_agent``: bytes of the population's columns / agents (what stays);
* ``members_share_per_thread_static_split``: the share of the members each thread gets when the
  cells are split into equal runs, one per thread (how Numba's workqueue layer splits a
  ``prange`` over cells);
* ``mechanisms``: the model's own step plan (``model.step_plan()``) over the timed steps, as
  ns per agent-step for each phase/mechanism.

With ``--repeats R`` each combination runs R times (each in a fresh process) and the run with
the lowest time is kept (the machine may be shared; the best run is the least disturbed one).

``--serial-kernels`` adds a diagnostic row per size: the same run with every cell kernel held
on its serial compilation (:mod:`peacesim.kernels.dispatch`; by default runs below
``dispatch.serial_below()`` members use it anyway, larger ones the parallel one) (``njit`` without
``parallel``; results are identical, as the kernels are deterministic for any thread count).
It shows what the parallel launches cost: each launch hands the work to the threading layer's
threads and waits for them (about 100 µs on Numba's workqueue, 6 µs on TBB; see
:mod:`peacesim.threads`). ``--parallel-kernels`` adds the opposite row, on the most threads:
every cell kernel on its parallel compilation even below ``dispatch.serial_below()``, which
is how the crossover is measured.
Results go to ``benchmarks/results/full_model.json`` with the machine, versions, date, load
and the command.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "full_model.json"

#: Targets of the benchmarks issue.
TARGET_NS_AT_1E6_2T = 100.0  # ns per agent-step at 1 million agents, 2 threads
TARGET_BYTES = 64.0  # peak bytes per agent at 1 million agents and up
TARGET_FIXED_COST = 2.0  # ns per agent-step at 10,000 over that at 1 million, 2 threads (#14)


# ------------------------------------------------------------------------------ worker
def _status(key: str) -> int:
    """A field of /proc/self/status, in bytes (VmRSS, VmHWM)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    raise KeyError(key)


def _reset_peak() -> bool:
    """Reset VmHWM to the current RSS (Linux >= 4.0); False if not allowed."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _serial_kernels() -> list[str]:
    """Hold every cell kernel on its serial compilation (peacesim.kernels.dispatch.force)."""
    import importlib

    from peacesim.kernels import dispatch
    from peacesim.mechanisms.base import registered

    dispatch.force(False)
    names = ["peacesim.model", "peacesim.world"] + [m.__module__ for m in registered()]
    return [f"{name}.{attr}" for name in names
            for attr, obj in vars(importlib.import_module(name)).items()
            if isinstance(obj, dispatch.CellKernel)]


def worker(size: int, threads: int, steps: int, serial: bool = False,
           parallel: bool = False) -> dict:
    """Build and run one model in this process; return the measurements.

    ``serial`` holds every cell kernel on its serial compilation, ``parallel`` on its
    parallel one, whatever the size (by default the size chooses: ``dispatch.serial_below()``).
    """
    import gc

    import numba

    import peacesim

    swapped = _serial_kernels() if serial else []
    if parallel:
        from peacesim.kernels import dispatch

        dispatch.force(True)

    def config(n: int, total_steps: int):
        return peacesim.load_config("baseline", [
            f"population.size={n}", f"steps={total_steps}", f"threads={threads}",
            "population.agent_objects=none"])

    # Imports and kernel loading (from Numba's cache): a tiny model, one step.
    tiny = peacesim.PeaceModel(config(1000, 1))
    tiny.step()
    del tiny
    cfg = config(size, steps + 1)
    gc.collect()
    peak_reset = _reset_peak()
    base_rss = _status("VmRSS")

    t0 = time.perf_counter()
    model = peacesim.PeaceModel(cfg)
    build_s = time.perf_counter() - t0
    rss_built = _status("VmRSS")
    model.step()  # warm-up
    model.timings.clear()
    fastest = float("inf")
    t0 = time.perf_counter()
    for _ in range(steps):
        t1 = time.perf_counter()
        model.step()
        fastest = min(fastest, time.perf_counter() - t1)
    run_s = time.perf_counter() - t0
    peak = _status("VmHWM")
    n = model.people.size
    plan = model.step_plan()
    # Numba's workqueue layer splits a prange over cells into equal runs of cells, one per
    # thread; with members concentrated in some cells, one thread gets most of them.
    counts = model.people.counts
    per_thread = len(counts) // threads
    bounds = [k * per_thread for k in range(threads)] + [len(counts)]
    split = [int(counts[lo:hi].sum()) / n for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)]
    mechanisms = [
        {"phase": r.phase, "mechanism": r.mechanism, "method": r.method,
         "seconds": float(r.seconds), "ns_per_agent_step": float(r.seconds) / steps / n * 1e9}
        for r in plan.itertuples()]
    return {
        "size": n,
        "threads": threads,
        "numba_threads": numba.get_num_threads(),
        "threading_layer": numba.threading_layer(),
        "cells": model.world.n_cells,
        "steps_timed": steps,
        "build_s": build_s,
        "run_s": run_s,
        "ns_per_agent_step": run_s / steps / n * 1e9,
        "ms_per_step": run_s / steps * 1e3,
        "fastest_step_ns_per_agent": fastest / n * 1e9,
        "baseline_rss_bytes": base_rss,
        "peak_rss_bytes": peak,
        "peak_bytes_per_agent": (peak - base_rss) / n,
        "built_bytes_per_agent": (rss_built - base_rss) / n,
        "column_bytes_per_agent": model.people.nbytes / n,
        "peak_reset": peak_reset,
        "serial_kernels": swapped,
        "members_share_per_thread_static_split": split,
        "mechanisms": mechanisms,
    }


# ------------------------------------------------------------------------------ parent
def default_steps(size: int) -> int:
    """Timed steps: about 5e7 agent-steps, between 10 and 200 steps."""
    return int(min(200, max(10, round(5e7 / size))))


def machine() -> dict:
    """CPU, cores, memory, load and versions of this machine."""
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = int(line.split()[1]) * 1024
    except OSError:
        pass
    caches = {}
    for index in sorted(Path("/sys/devices/system/cpu/cpu0/cache").glob("index*")):
        try:
            level = (index / "level").read_text().strip()
            kind = (index / "type").read_text().strip()
            caches[f"L{level} {kind}"] = (index / "size").read_text().strip()
        except OSError:
            pass
    versions = {"python": platform.python_version()}
    for mod in ("peacesim", "numpy", "numba", "mesa", "pandas"):
        try:
            versions[mod] = __import__(mod).__version__
        except Exception:  # noqa: BLE001 - record what can be recorded
            versions[mod] = None
    commit = _git("rev-parse", "HEAD")
    dirty = _git("status", "--porcelain", "--untracked-files=no", "--", "src")
    return {
        "cpu": cpu,
        "logical_cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)),
        "memory_bytes": mem,
        "caches_per_core_or_shared": caches,
        "platform": platform.platform(),
        "versions": versions,
        "git_commit": commit,
        "src_modified": bool(dirty),
        "src_modified_files": [line.split(maxsplit=1)[1] for line in (dirty or "").splitlines()],
        "load_average_start": os.getloadavg(),
    }


def _git(*args: str) -> str | None:
    try:
        return subprocess.run(["git", *args], cwd=HERE.parent, capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def run_one(size: int, threads: int, steps: int, serial: bool = False,
            parallel: bool = False) -> dict:
    """One (size, threads) measurement in a fresh subprocess."""
    env = dict(os.environ, NUMBA_NUM_THREADS=str(threads))
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", "--size", str(size),
           "--threads", str(threads), "--steps", str(steps)]
    if serial:
        cmd.append("--serial-kernels")
    if parallel:
        cmd.append("--parallel-kernels")
    load = os.getloadavg()[0]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"worker failed ({' '.join(cmd)}):\n{out.stderr}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["load_average_1min_before"] = load
    return result


def table(results: list[dict]) -> str:
    """The main table and the per-mechanism table, as text."""
    lines = [f"{'agents':>12} {'threads':>7} {'steps':>5} {'ns/agent-step':>13} "
             f"{'fastest step':>12} {'ms/step':>9} {'build s':>8} {'peak B/agent':>12} "
             f"{'columns B/agent':>15}"]
    for r in results:
        lines.append(f"{r['size']:>12,} {r['threads']:>7} {r['steps_timed']:>5} "
                     f"{r['ns_per_agent_step']:>13.1f} {r['fastest_step_ns_per_agent']:>12.1f} "
                     f"{r['ms_per_step']:>9.2f} "
                     f"{r['build_s']:>8.2f} {r['peak_bytes_per_agent']:>12.1f} "
                     f"{r['column_bytes_per_agent']:>15.1f}")
    lines.append("")
    lines.append("ns per agent-step by step-plan entry (model.step_plan())")
    heads = [f"{r['size']:.0e}/{r['threads']}t" for r in results]
    lines.append(f"{'phase:mechanism.method':<40}" + "".join(f"{h:>10}" for h in heads))
    for i, m in enumerate(results[0]["mechanisms"]):
        name = f"{m['phase']}:{m['mechanism']}.{m['method']}"
        lines.append(f"{name:<40}" + "".join(
            f"{r['mechanisms'][i]['ns_per_agent_step']:>10.1f}" for r in results))
    return "\n".join(lines)


def targets(results: list[dict]) -> dict:
    """Whether each target of the issue is met."""
    out = {}
    at = [r for r in results if r["size"] == 1_000_000 and r["threads"] == 2]
    if at:
        v = at[0]["ns_per_agent_step"]
        out["ns_per_agent_step_1e6_2threads"] = {"value": v, "target": TARGET_NS_AT_1E6_2T,
                                                 "met": v <= TARGET_NS_AT_1E6_2T}
    small = [r for r in results if r["size"] == 10_000 and r["threads"] == 2]
    if at and small:
        ratio = small[0]["ns_per_agent_step"] / at[0]["ns_per_agent_step"]
        out["fixed_cost_1e4_over_1e6_2threads"] = {"value": ratio, "target": TARGET_FIXED_COST,
                                                   "met": ratio <= TARGET_FIXED_COST}
    big = [r for r in results if r["size"] >= 1_000_000]
    if big:
        v = max(r["peak_bytes_per_agent"] for r in big)
        out["peak_bytes_per_agent_1e6_up"] = {"value": v, "target": TARGET_BYTES,
                                              "met": v <= TARGET_BYTES}
    for t in sorted({r["threads"] for r in results}):
        row = [r for r in results if r["threads"] == t]
        if len(row) > 1:
            ns = [r["ns_per_agent_step"] for r in row]
            out[f"flatness_{t}threads"] = {
                "sizes": [r["size"] for r in row], "ns_per_agent_step": ns,
                "max_over_min": max(ns) / min(ns)}
    return out


def main() -> None:
    """Parse the command line, run the measurements, print and write the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1e4,1e5,1e6,1e7",
                        help="comma-separated agent counts (default 1e4,1e5,1e6,1e7)")
    parser.add_argument("--threads", default="1,2", help="comma-separated thread counts")
    parser.add_argument("--steps", type=int, default=0,
                        help="timed steps after the warm-up step (default: about 5e7 "
                             "agent-steps, between 10 and 200)")
    parser.add_argument("--repeats", type=int, default=1,
                        help="fresh processes per combination; the fastest is kept")
    parser.add_argument("--serial-kernels", action="store_true",
                        help="also run each size with serial copies of the parallel kernels "
                             "(1 thread; diagnostic of the parallel launch cost)")
    parser.add_argument("--parallel-kernels", action="store_true",
                        help="also run each size on the most threads with every cell kernel "
                             "held on its parallel compilation (diagnostic of the crossover)")
    parser.add_argument("--output", default=str(RESULTS), help="JSON file to write")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker:
        print(json.dumps(worker(args.size, int(args.threads), args.steps,
                                args.serial_kernels, args.parallel_kernels)))
        return

    sizes = [int(float(s)) for s in args.sizes.split(",")]
    thread_counts = [int(t) for t in args.threads.split(",")]
    started = dt.datetime.now(dt.UTC)
    info = machine()
    results, serial, parallel = [], [], []
    for size in sizes:
        variants = [(t, "auto") for t in thread_counts]
        if args.serial_kernels:
            variants.append((1, "serial"))
        if args.parallel_kernels:
            variants.append((max(thread_counts), "parallel"))
        for threads, kind in variants:
            steps = args.steps or default_steps(size)
            runs = []
            for k in range(args.repeats):
                r = run_one(size, threads, steps, kind == "serial", kind == "parallel")
                runs.append(r)
                label = {"auto": f"{threads} threads", "serial": "serial kernels",
                         "parallel": f"parallel kernels, {threads} threads"}[kind]
                print(f"  {size:>12,} agents, {label}, run {k + 1}/{args.repeats}: "
                      f"{r['ns_per_agent_step']:.1f} ns/agent-step, "
                      f"{r['peak_bytes_per_agent']:.1f} B/agent peak", flush=True)
            best = min(runs, key=lambda r: r["ns_per_agent_step"])
            best["repeats"] = [{"ns_per_agent_step": r["ns_per_agent_step"],
                                "fastest_step_ns_per_agent": r["fastest_step_ns_per_agent"],
                                "peak_bytes_per_agent": r["peak_bytes_per_agent"],
                                "load_average_1min_before": r["load_average_1min_before"]}
                               for r in runs]
            {"auto": results, "serial": serial, "parallel": parallel}[kind].append(best)
    info["load_average_end"] = os.getloadavg()
    text = table(results)
    print()
    print(text)
    if serial:
        print()
        print("Diagnostic: parallel kernels swapped for serial compilations (1 thread)")
        print(table(serial).split("\n\n")[0])
    if parallel:
        print()
        print("Diagnostic: every cell kernel on its parallel compilation")
        print(table(parallel).split("\n\n")[0])
    goals = targets(results)
    print()
    for name, t in goals.items():
        print(f"{name}: {json.dumps(t)}")
    out = {
        "benchmark": "full_model",
        "command": " ".join(["python", "benchmarks/full_model.py", *sys.argv[1:]]),
        "date": started.isoformat(timespec="seconds"),
        "seconds": (dt.datetime.now(dt.UTC) - started).total_seconds(),
        "machine": info,
        "method": {
            "time": "wall time of model.step() over steps_timed steps after one warm-up step, "
                    "in a fresh process per combination with NUMBA_NUM_THREADS=threads; "
                    "best of `repeats` processes",
            "memory": "(VmHWM at the end - VmRSS after imports and kernel loading) / agents, "
                      "VmHWM reset to the current RSS via /proc/self/clear_refs before the "
                      "build; population.agent_objects=none",
            "config": "baseline scenario, population.agent_objects=none, seed 0",
        },
        "results": results,
        "serial_kernels": serial,
        "parallel_kernels": parallel,
        "targets": goals,
    }
    path = Path(args.output)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=2) + "\n")
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
