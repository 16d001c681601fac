"""Where a small run's week goes: the fixed cost per step, and why it sets a floor.

One command::

    python benchmarks/fixed_cost.py [--sizes 1000,3000,10000,30000] [--threads 1,2]
                                    [--reference 1000000] [--steps 50] [--repeats 8]

Issue 14 asks that a 10,000-member run cost at most twice the nanoseconds per agent-step of a
1-million-member run. This benchmark measures what stands in the way. Every (size, threads)
combination runs in its own fresh subprocess (``NUMBA_NUM_THREADS`` set for it; baseline
scenario, ``population.agent_objects=none``, Numba's cache warm), which:

1. builds the model, runs five warm-up weeks, then times ``--steps`` weeks ``--repeats``
   times (``time.perf_counter`` around ``model.step()``) and keeps the fastest repeat;
2. records each step-plan entry's time in the week (``model.step_plan()``, *in the week*:
   called between the other mechanisms, as a run calls it);
3. times each entry again *alone* (``timeit``: the same method called 20 times in a row on
   the same week, best of 5), and each mechanism's ``record``: what the same work costs when
   its code and data are already in the processor's caches. The model's state moves on while
   this runs; these timings only say how long the calls take;
4. counts, over 20 weeks under ``cProfile``, the Python calls per week (built-in functions
   included, among them the model's own timers) and the calls of compiled (Numba) kernels;
5. adds up the bytes of the data a week walks through: every table the mechanisms keep
   (members, cells, units...) except those that hold one row per step (a results history,
   such as ``communal_pairs``, of which a week touches one step's rows), and the world's own
   arrays (neighbour lists, the raster's index), against the level-2 cache of a core;
6. records every compiled call of one more week (dispatcher and arguments) and replays them
   back to back, ``--steps`` weeks ``--repeats`` times (fastest kept): the *compiled floor*,
   what the week would cost with no Python at all between its kernels, and each kernel's
   share of it;
7. splits each entry's time over 20 more weeks into its compiled calls and the Python around
   them (the step plan's methods, each mechanism's ``record``, the recorder's write).

The parent fits ``week = fixed + per_member x members`` by least squares over the sizes, per
thread count, and runs ``--reference`` members on the most threads (the denominator of the
target). It reports the week a 10,000-member run would need to meet the target
(``2 x ns(reference) x 10,000``) beside the measured 10,000-member week (10,000 must be one
of ``--sizes``), and the compiled floor of that week against the same target. Results go to
``benchmarks/results/fixed_cost.json`` with the machine, load and command. As with every
benchmark here, read the ratios of one invocation; the machine may be shared.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import datetime as dt
import importlib
import json
import os
import pstats
import subprocess
import sys
import time
import timeit
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "fixed_cost.json"
sys.path.insert(0, str(HERE))
from full_model import TARGET_FIXED_COST, machine  # noqa: E402  (a sibling script)


# ------------------------------------------------------------------------------ worker
def _compiled_calls(stats: pstats.Stats) -> tuple[int, int]:
    """(Python calls, calls of Numba dispatchers) in a profile."""
    from numba.core.dispatcher import Dispatcher

    from peacesim.kernels.dispatch import CellKernel

    src = Path(importlib.import_module("peacesim").__file__).parent
    python = compiled = 0
    for (filename, _line, name), (_cc, calls, *_rest) in stats.stats.items():
        path = Path(filename)
        obj = None
        if path.suffix == ".py" and src in path.parents:
            module = ".".join(("peacesim", *path.relative_to(src).with_suffix("").parts))
            obj = getattr(importlib.import_module(module), name, None)
        if isinstance(obj, (Dispatcher, CellKernel)):  # a cell kernel's two compilations
            compiled += calls
        else:
            python += calls
    return python, compiled


@contextlib.contextmanager
def _kernels_wrapped(wrap):
    """Swap every kernel a peacesim module holds as a global for ``wrap(kernel)``, then back.

    The mechanisms and the world call their kernels through module globals, so this reaches
    every compiled call of a week. Kernels are Numba dispatchers and cell kernels. Use it on
    a model that has already stepped (warm-up weeks): a kernel compiled while the wrappers
    are in place would find a Python function where it expects a dispatcher.
    """
    from numba.core.dispatcher import Dispatcher

    from peacesim.kernels.dispatch import CellKernel

    swapped = []
    for name, module in list(sys.modules.items()):
        if not name.startswith("peacesim") or module is None:
            continue
        for attr, value in list(vars(module).items()):
            if isinstance(value, (Dispatcher, CellKernel)):
                swapped.append((module, attr, value))
                setattr(module, attr, wrap(value))
    try:
        yield
    finally:
        for module, attr, value in swapped:
            setattr(module, attr, value)


def _record_compiled_calls(model) -> list[tuple]:
    """Run one week and keep every compiled call it makes: ``(dispatcher, args, kwargs)``.

    In order. A cell kernel is recorded as the compilation it ran (serial or parallel), so
    replaying the list calls the dispatchers themselves.
    """
    from peacesim.kernels import dispatch
    from peacesim.kernels.dispatch import CellKernel

    calls: list[tuple] = []

    def recorder(kernel):
        def call(*args, **kwargs):
            if isinstance(kernel, CellKernel):
                target = kernel.parallel if dispatch._state["parallel"] else kernel.serial
            else:
                target = kernel
            calls.append((target, args, kwargs))
            return target(*args, **kwargs)
        return call

    with _kernels_wrapped(recorder):
        model.step()
    return calls


def compiled_floor(model, weeks: int, repeats: int) -> tuple[float, int, dict]:
    """The week's compiled calls replayed back to back.

    What a week would cost if nothing but its compiled kernels ran (no Python between them,
    the arguments already built): a floor that no trimming of the Python around the kernels
    can go below. The calls replay on the model's live arrays with the recorded week's step,
    so the state moves on as in a run (the numbers only time the calls). Numba's argument
    checks on each call remain (about 0.06 us an array argument on this machine).

    Returns:
        (fastest us per week, compiled calls a week, us per week of each kernel: the calls
        timed one by one in a further ``weeks`` replays, largest first; a mean with the
        timer's cost, so the shares add up to a little more than the fastest floor).
    """
    calls = _record_compiled_calls(model)

    def replay():
        for target, args, kwargs in calls:
            target(*args, **kwargs)

    best = min(timeit.repeat(replay, number=weeks, repeat=repeats)) / weeks
    by_kernel: dict[str, float] = {}
    clock = time.perf_counter
    for _ in range(weeks):
        for target, args, kwargs in calls:
            t0 = clock()
            target(*args, **kwargs)
            name = target.py_func.__name__.removesuffix("_serial")
            by_kernel[name] = by_kernel.get(name, 0.0) + clock() - t0
    by_kernel = {k: v / weeks * 1e6 for k, v in sorted(by_kernel.items(), key=lambda kv: -kv[1])}
    return best * 1e6, len(calls), by_kernel


def _python_by_entry(model, weeks: int) -> dict:
    """Each step-plan entry's time in the week, split into compiled calls and the Python around.

    For ``weeks`` weeks of ``model.step()``, every Numba dispatcher a peacesim module holds
    adds its calls' time to the entry that made them. Entries are the step plan's methods,
    each mechanism's ``record`` (``record:<mechanism>``) and the recorder's write; each is
    timed through an instance attribute that shadows its method for these weeks only.

    Returns:
        ``{entry: {"total_us", "compiled_us", "python_us"}}`` per week, most Python first.
        The wrappers' own cost (a fraction of a microsecond a call) counts as Python.
    """
    clock = time.perf_counter
    compiled = [0.0]
    totals: dict[str, list[float]] = {}

    def kernel_timer(kernel):
        def call(*args, **kwargs):
            t0 = clock()
            out = kernel(*args, **kwargs)
            compiled[0] += clock() - t0
            return out
        return call

    def entry_timer(fn, name):
        cell = totals.setdefault(name, [0.0, 0.0])

        def call(*args, **kwargs):
            before = compiled[0]
            t0 = clock()
            out = fn(*args, **kwargs)
            cell[0] += clock() - t0
            cell[1] += compiled[0] - before
            return out
        return call

    shadowed = [(mech, method) for _phase, mech, method in model.plan]
    records = list(model._records)
    try:
        for mech, method in shadowed:
            setattr(mech, method, entry_timer(getattr(mech, method), f"{mech.name}.{method}"))
        model._records = [entry_timer(r, f"record:{r.__self__.name}") for r in records]
        model.recorder.write = entry_timer(model.recorder.write, "recorder.write")
        with _kernels_wrapped(kernel_timer):
            for _ in range(weeks):
                model.step()
    finally:
        for mech, method in shadowed:
            vars(mech).pop(method, None)
        model._records = records
        vars(model.recorder).pop("write", None)
    out = {name: {"total_us": total / weeks * 1e6, "compiled_us": comp / weeks * 1e6,
                  "python_us": (total - comp) / weeks * 1e6}
           for name, (total, comp) in totals.items()}
    return dict(sorted(out.items(), key=lambda kv: -kv[1]["python_us"]))


def worker(size: int, threads: int, steps: int, repeats: int, alone: bool) -> dict:
    """Build and run one model in this process; return the measurements."""
    import numba

    import peacesim

    warmup = 5
    profiled = 20
    # Weeks used: warm-up, the timed blocks, the profile and the per-entry split (20 each),
    # the floor's recorded week, and one spare.
    total = warmup + repeats * steps + 2 * profiled + 2
    cfg = peacesim.load_config("baseline", [
        f"population.size={size}", f"steps={total}", f"threads={threads}",
        "population.agent_objects=none"])
    model = peacesim.PeaceModel(cfg)
    for _ in range(warmup):
        model.step()
    best = float("inf")
    best_plan = None
    for _ in range(repeats):
        before = model.step_plan()["seconds"].to_numpy()
        t0 = time.perf_counter()
        for _ in range(steps):
            model.step()
        week = (time.perf_counter() - t0) / steps
        if week < best:
            best = week
            best_plan = (model.step_plan()["seconds"].to_numpy() - before) / steps
    plan = model.step_plan()
    entries = []
    for row, in_week in zip(plan.itertuples(), best_plan, strict=True):
        entries.append({"phase": row.phase, "mechanism": row.mechanism, "method": row.method,
                        "in_week_us": float(in_week) * 1e6})
    if alone:
        t = int(model.steps)
        for entry, (_phase, mech, method) in zip(entries, model.plan, strict=False):
            call = getattr(mech, method)
            entry["alone_us"] = min(timeit.repeat(lambda c=call: c(t), number=20,
                                                  repeat=5)) / 20 * 1e6
        records = model._records
        entries[-1]["alone_us"] = min(timeit.repeat(
            lambda: [r({}) for r in records], number=20, repeat=5)) / 20 * 1e6
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(profiled):
        model.step()
    profile.disable()
    python_calls, compiled_calls = _compiled_calls(pstats.Stats(profile))
    by_entry = _python_by_entry(model, profiled)
    floor_us, floor_calls, floor_by_kernel = compiled_floor(model, steps, repeats)
    import numpy as np

    # A table of one row per step (and region) is a results history: a week touches one
    # step's rows of it, so it is not counted in what a week walks through.
    history = {(cfg.steps + 1) * k for k in (1, model.world.n_regions)}
    tables = {label: int(sum(table[c].nbytes for c in table.columns))
              for label, table in model.tables.items() if table.size not in history}
    tables["world"] = int(sum(v.nbytes for v in vars(model.world).values()
                              if isinstance(v, np.ndarray)))
    return {
        "size": model.people.size,
        "threads": threads,
        "numba_threads": numba.get_num_threads(),
        "threading_layer": numba.threading_layer(),
        "cells": model.world.n_cells,
        "steps_timed": steps,
        "week_us": best * 1e6,
        "ns_per_agent_step": best / model.people.size * 1e9,
        "plan": entries,
        "python_calls_per_week": python_calls / profiled,
        "compiled_calls_per_week": compiled_calls / profiled,
        "compiled_floor_us": floor_us,
        "compiled_floor_calls": floor_calls,
        "compiled_floor_by_kernel_us": floor_by_kernel,
        "python_by_entry_us": by_entry,
        "python_us_per_week": sum(e["python_us"] for e in by_entry.values()),
        "table_bytes": tables,
    }


# ------------------------------------------------------------------------------ parent
def run_one(size: int, threads: int, steps: int, repeats: int, alone: bool) -> dict:
    """One measurement in a fresh subprocess."""
    env = dict(os.environ, NUMBA_NUM_THREADS=str(threads))
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", "--size", str(size),
           "--threads", str(threads), "--steps", str(steps), "--repeats", str(repeats)]
    if not alone:
        cmd.append("--no-alone")
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"size {size}, {threads} threads failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def fit(rows: list[dict]) -> dict | None:
    """Least squares ``week_us = fixed_us + per_member_ns * members / 1000``; None below 2 sizes."""
    import numpy as np

    if len({r["size"] for r in rows}) < 2:
        return None
    n = np.array([r["size"] for r in rows], dtype=float)
    w = np.array([r["week_us"] for r in rows])
    slope, intercept = np.polyfit(n, w, 1)
    return {"fixed_us": float(intercept), "per_member_ns": float(slope * 1e3),
            "sizes": [int(x) for x in n]}


def l2_bytes() -> int | None:
    """Level-2 cache of one core, in bytes (None if the system does not say)."""
    for index in Path("/sys/devices/system/cpu/cpu0/cache").glob("index*"):
        try:
            if (index / "level").read_text().strip() == "2":
                text = (index / "size").read_text().strip()
                unit = {"K": 1024, "M": 1024 ** 2}.get(text[-1].upper(), 1)
                return int(text.rstrip("KkMm")) * unit
        except (OSError, ValueError):
            pass
    return None


def report(out: dict) -> str:
    """The tables printed after a run."""
    lines = ["members  threads   week (us)   ns/agent-step   Python calls*  compiled calls"]
    for r in out["results"]:
        lines.append(f"{r['size']:>9,} {r['threads']:>6} {r['week_us']:>11.0f} "
                     f"{r['ns_per_agent_step']:>15.1f} {r['python_calls_per_week']:>14.0f} "
                     f"{r['compiled_calls_per_week']:>16.0f}")
    lines.append("* built-in functions included, among them the model's own timers")
    for threads, f in out["fit"].items():
        if f is None:
            continue
        lines.append(f"fit, {threads} thread(s): week = {f['fixed_us']:.0f} us + "
                     f"{f['per_member_ns']:.1f} ns x members")
    ref = out["reference"]
    lines.append(f"reference: {ref['size']:,} members, {ref['threads']} threads, "
                 f"{ref['ns_per_agent_step']:.1f} ns per agent-step")
    lines.append(f"target: a 10,000-member week of at most {out['target_week_us_at_1e4']:.0f} us")
    if out["measured_week_us_at_1e4"] is not None:
        lines.append(f"measured: {out['measured_week_us_at_1e4']:.0f} us (ratio "
                     f"{out['ratio_1e4_over_reference']:.1f}, target {TARGET_FIXED_COST})")
        calls = next(r for r in out["results"] if r["size"] == 10_000)["compiled_floor_calls"]
        lines.append(f"compiled floor: the same week's {calls} "
                     f"compiled calls back to back, no Python between them: "
                     f"{out['compiled_floor_us_at_1e4']:.0f} us (ratio "
                     f"{out['floor_ratio_1e4_over_reference']:.1f})")
    else:
        lines.append("measured: no 10,000-member run (add 10000 to --sizes)")
    lines.append("compiled floor by size (us a week): " + ", ".join(
        f"{r['size']:,}/{r['threads']}t {r['compiled_floor_us']:.0f}" for r in out["results"]))
    smallest = out["smallest_alone"]
    if smallest:
        lines.append(f"in the week against alone, {smallest['size']:,} members, "
                     f"{smallest['threads']} thread(s):")
        for e in smallest["plan"]:
            lines.append(f"  {e['mechanism'] + '.' + e['method']:<28} {e['in_week_us']:7.1f} "
                         f"{e.get('alone_us', float('nan')):7.1f} us")
        top = list(smallest["compiled_floor_by_kernel_us"].items())[:10]
        lines.append(f"costliest kernels of the floor, {smallest['size']:,} members, "
                     f"{smallest['threads']} thread(s): "
                     + ", ".join(f"{k} {v:.1f}" for k, v in top) + " us")
        top = list(smallest["python_by_entry_us"].items())[:8]
        lines.append(f"Python around the kernels, {smallest['size']:,} members, "
                     f"{smallest['threads']} thread(s): {smallest['python_us_per_week']:.0f} us a "
                     f"week over {len(smallest['python_by_entry_us'])} entries; most: "
                     + ", ".join(f"{k} {v['python_us']:.1f}" for k, v in top) + " us")
    smallest_size = min(r["size"] for r in out["results"])
    parts = ", ".join(f"{k} {v / 1e6:.2f}" for k, v in out["data_bytes_smallest"].items())
    lines.append(f"data a week walks through at {smallest_size:,} members: "
                 f"{sum(out['data_bytes_smallest'].values()) / 1e6:.2f} MB ({parts}); "
                 f"level-2 cache per core {(out['l2_bytes'] or 0) / 1e6:.2f} MB")
    return "\n".join(lines)


def main() -> None:
    """Run every combination in its own process, fit, write the JSON and print the tables."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,3000,10000,30000")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--reference", type=int, default=1_000_000)
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--repeats", type=int, default=8)
    ap.add_argument("--output", type=Path, default=RESULTS)
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--size", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--no-alone", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(worker(args.size, int(args.threads), args.steps, args.repeats,
                                not args.no_alone)))
        return
    sizes = [int(float(s)) for s in args.sizes.split(",")]
    threads = [int(t) for t in args.threads.split(",")]
    info = machine()
    start = time.perf_counter()
    results = [run_one(n, t, args.steps, args.repeats, alone=(n == min(sizes)))
               for t in threads for n in sizes]
    ref_steps = max(10, min(args.steps, round(2e7 / args.reference)))
    reference = run_one(args.reference, max(threads), ref_steps, args.repeats, alone=False)
    info["load_average_end"] = os.getloadavg()
    most = [r for r in results if r["threads"] == max(threads)]
    at_1e4 = next((r for r in most if r["size"] == 10_000), None)
    smallest = min(results, key=lambda r: (r["size"], -r["threads"]))
    out = {
        "benchmark": "fixed_cost",
        "command": "python benchmarks/fixed_cost.py " + " ".join(sys.argv[1:]),
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "seconds": time.perf_counter() - start,
        "machine": info,
        "results": results,
        "reference": reference,
        "fit": {str(t): fit([r for r in results if r["threads"] == t]) for t in threads},
        "target_ratio": TARGET_FIXED_COST,
        "target_week_us_at_1e4": TARGET_FIXED_COST * reference["ns_per_agent_step"] * 1e4 / 1e3,
        "measured_week_us_at_1e4": at_1e4["week_us"] if at_1e4 else None,
        "ratio_1e4_over_reference": (at_1e4["ns_per_agent_step"] / reference["ns_per_agent_step"]
                                     if at_1e4 else None),
        "compiled_floor_us_at_1e4": at_1e4["compiled_floor_us"] if at_1e4 else None,
        "floor_ratio_1e4_over_reference": (
            at_1e4["compiled_floor_us"] * 1e3 / 1e4 / reference["ns_per_agent_step"]
            if at_1e4 else None),
        "smallest_alone": smallest if "alone_us" in smallest["plan"][0] else None,
        "data_bytes_smallest": smallest["table_bytes"],
        "l2_bytes": l2_bytes(),
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(out, indent=1) + "\n")
    print(report(out))
    print(f"-> {args.output}")


if __name__ == "__main__":
    main()
