"""Benchmark of ensemble throughput against a plain loop of runs, measured side by side.

One command::

    python benchmarks/ensemble.py [--size 10000] [--steps 260] [--runs 8] [--workers 2]

Three ways to run ``--runs`` members of the baseline (``population.size=--size``,
``steps=--steps``, seeds 0..runs-1), one after the other in the same process, Numba's cache
warm (a one-step warm-up run first):

* **plain loop**: ``PeaceModel(load_config("baseline", [..., f"seed={s}"])).run()`` for each
  seed: Hydra composes a config for every run; the kernels use every Numba thread;
* **ensemble, 1 worker**: ``peacesim.ensemble(..., workers=1)``: the scenario composed once,
  each member's config a validated copy with its seed; in this process;
* **ensemble, N workers**: the same with ``--workers`` spawned worker processes of one Numba
  thread each (the pool's start-up included: a fresh pool for this measurement);
* **ensemble, N workers, pool started**: the same call again on the pool the previous call
  left running, after a warm-up call of two short runs per worker. This is the throughput of a
  long study (a screen of thousands of runs), which pays the pool's start-up (spawning,
  importing, loading Numba's cache: a few seconds) once. The target is read against it; the
  measurement with the start-up is reported beside it.

The plain loop is also timed by stage (compose, model build, run), and so is an ensemble
member in this process (config copy, build, run, and the costliest entries of the step plan),
which says where the time of a member goes; the member is built as a worker builds it (no
Mesa agent objects). The member is timed again on one thread, as each worker runs it: with
``W`` workers the ensemble can reach at most ``W x (plain loop per run) / (one-thread member
per run)`` times the loop, whatever the pool does (``ceiling_ratio_one_thread_members``).
The same bound is given again with the member's weeks at their *compiled floor*
(``benchmarks/fixed_cost.py``: one week's compiled calls replayed back to back, no Python
between them): what a redesign that left no Python between the kernels could reach
(``ceiling_ratio_compiled_floor``), and with the plain loop's weeks at their floor too, since
the redesign would speed them as well (``ceiling_ratio_both_at_compiled_floor``).
Because the machine may be shared, the ratio of
throughputs measured in the same invocation is the number to read, not the absolute times;
the load average before and after is recorded. Results go to ``benchmarks/results/ensemble.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "ensemble.json"
TARGET_RATIO = 6.0


def plain_loop(size: int, steps: int, runs: int) -> dict:
    """Time the plain loop, by stage."""
    import peacesim

    stages = {"compose": 0.0, "build": 0.0, "run": 0.0}
    start = time.perf_counter()
    for seed in range(runs):
        t0 = time.perf_counter()
        cfg = peacesim.load_config("baseline", [f"population.size={size}", f"steps={steps}",
                                                f"seed={seed}"])
        t1 = time.perf_counter()
        model = peacesim.PeaceModel(cfg)
        t2 = time.perf_counter()
        model.run()
        model.summary()
        t3 = time.perf_counter()
        stages["compose"] += t1 - t0
        stages["build"] += t2 - t1
        stages["run"] += t3 - t2
    total = time.perf_counter() - start
    return {"seconds": total, "runs_per_hour": 3600 * runs / total,
            "per_run_s": {k: v / runs for k, v in stages.items()}}


def member_stages(size: int, steps: int, runs: int, threads: int = 0) -> dict:
    """Time an ensemble member's stages in this process: config copy, model build, weeks.

    The member's config is the one a worker runs (``peacesim.uq.ensemble.member_config``: no
    Mesa agent objects). ``threads=1`` runs it on one thread, as each local worker does, so
    its time per run bounds what the workers can reach (see ``ceiling`` in :func:`main`);
    ``threads=0`` keeps the config's (every thread of this process).
    """
    import peacesim
    from peacesim.uq.ensemble import base_config, member_config

    base = base_config("baseline", [f"population.size={size}", f"steps={steps}"])
    stages = {"apply": 0.0, "build": 0.0, "run": 0.0}
    plan = None
    for seed in range(runs):
        t0 = time.perf_counter()
        config = member_config(base, {}, seed, threads=threads)
        t1 = time.perf_counter()
        model = peacesim.PeaceModel(config)
        t2 = time.perf_counter()
        model.run()
        model.summary()
        t3 = time.perf_counter()
        stages["apply"] += t1 - t0
        stages["build"] += t2 - t1
        stages["run"] += t3 - t2
        table = model.step_plan().set_index(["phase", "mechanism", "method"])["seconds"]
        plan = table if plan is None else plan + table
    top = (plan / runs).sort_values(ascending=False).head(5)
    return {"threads": threads or "config", "runs": runs,
            "per_run_s": {k: v / runs for k, v in stages.items()},
            "step_plan_top_s": {":".join(k): float(v) for k, v in top.items()}}


def member_floor(size: int, steps: int, threads: int = 1) -> dict:
    """The compiled floor of a member's week (``fixed_cost.py``'s replay).

    One member is built as a worker builds it (no Mesa agent objects: the kernels are those
    of any build) and runs its ``steps`` weeks; the compiled calls of one more week are then
    recorded and replayed back to back, fastest of 5 x 20 weeks. The floor is what the
    member's weeks would cost with no Python between its kernels; it takes that last week as
    typical of the run's weeks. The run's ``summary()`` is timed too, since the member and
    the plain loop per run both include it.

    Args:
        threads: 1, as in a worker; 0 for the config's (every thread, as the plain loop).
    """
    import peacesim
    from peacesim.uq.ensemble import base_config, member_config

    if str(HERE) not in sys.path:
        sys.path.insert(0, str(HERE))
    from fixed_cost import compiled_floor  # a sibling script

    base = base_config("baseline", [f"population.size={size}", f"steps={steps + 1}"])
    model = peacesim.PeaceModel(member_config(base, {}, 0, threads=threads))
    for _ in range(steps):
        model.step()
    t0 = time.perf_counter()
    model.summary()
    summary_s = time.perf_counter() - t0
    week_us, calls, _ = compiled_floor(model, 20, 5)
    return {"week_us": week_us, "compiled_calls": calls, "summary_s": summary_s,
            "weeks_s": week_us * 1e-6 * steps}


def ensemble(size: int, steps: int, runs: int, workers: int, *, started: bool = False) -> dict:
    """Time one ensemble call.

    Args:
        started: Time it on a pool already started and warmed by a call of two 2-week runs
            per worker; otherwise (and always with one worker, which runs in this process)
            on a fresh pool, its start-up included.
    """
    import peacesim
    from peacesim.uq.ensemble import shutdown_workers

    overrides = [f"population.size={size}", f"steps={steps}"]
    shutdown_workers()
    if started and workers > 1:
        peacesim.ensemble("baseline", None, seeds=range(runs, runs + 2 * workers),
                          workers=workers, chunk_size=1, progress=False,
                          overrides=[overrides[0], "steps=2"])
    start = time.perf_counter()
    rows = peacesim.ensemble("baseline", None, seeds=range(runs), workers=workers,
                             chunk_size=1, overrides=overrides, progress=False)
    total = time.perf_counter() - start
    assert len(rows) == runs
    shutdown_workers()
    return {"seconds": total, "runs_per_hour": 3600 * runs / total, "workers": workers,
            "pool_started": bool(started and workers > 1)}


def _member_clock(model) -> dict:
    """An ensemble ``measure``: the summary, plus the member's weeks and when it finished."""
    out = dict(model.summary())
    out["clock_weeks_s"] = float(sum(model.timings.values()))
    out["clock_finished"] = time.time()
    out["clock_worker"] = float(os.getpid())
    return out


def pool_clock(size: int, steps: int, runs: int, workers: int) -> dict:
    """Where a started pool's time goes: each worker's members, and the call before them.

    The started-pool call again, each member reporting when it finished and how long its
    weeks took (``model.timings``): the time between a worker's successive finishes is what a
    member costs in a busy worker (build, weeks, summary, and passing the chunk and its row);
    the first finish, less one member, is what the call spends before its first member
    (composing the scenario's config once, submitting the chunks). Then the first members
    again, one call each, so that one worker runs while the other waits: their weeks against
    those of the busy pool say whether two busy workers slow each other. Agent objects are off as
    in the timed calls (with a ``measure`` the ensemble would otherwise build them).
    """
    import numpy as np

    import peacesim
    from peacesim.uq.ensemble import base_config, shutdown_workers

    overrides = [f"population.size={size}", f"steps={steps}", "population.agent_objects=none"]
    t0 = time.perf_counter()
    base_config("baseline", overrides)
    compose = time.perf_counter() - t0
    shutdown_workers()
    peacesim.ensemble("baseline", None, seeds=range(runs, runs + 2 * workers), workers=workers,
                      chunk_size=1, progress=False, overrides=[overrides[0], "steps=2"])
    start = time.time()
    rows = peacesim.ensemble("baseline", None, seeds=range(runs), workers=workers, chunk_size=1,
                             overrides=overrides, progress=False, measure=_member_clock)
    wall = time.time() - start
    # The same members one call at a time: one worker busy, the other idle.
    lone = [peacesim.ensemble("baseline", None, seeds=[seed], workers=workers, chunk_size=1,
                              overrides=overrides, progress=False,
                              measure=_member_clock)["clock_weeks_s"].iloc[0]
            for seed in range(min(runs, 4))]
    shutdown_workers()
    gaps, firsts = [], []
    for _, group in rows.groupby("clock_worker"):
        done = np.sort(group["clock_finished"].to_numpy())
        gaps.extend(np.diff(done))
        firsts.append(done[0] - start)
    # With one member per worker there is no gap between two finishes: use the weeks.
    member = float(np.mean(gaps)) if gaps else float(rows["clock_weeks_s"].mean())
    return {"seconds": wall, "compose_s": compose, "member_in_worker_s": member,
            "weeks_in_worker_s": float(rows["clock_weeks_s"].mean()),
            "weeks_in_lone_worker_s": float(np.mean(lone)),
            "before_first_member_s": float(min(firsts)) - member,
            "members_per_worker": rows.groupby("clock_worker").size().tolist()}


def main() -> int:
    """Run the benchmark and write its JSON; prints a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--steps", type=int, default=260)
    parser.add_argument("--runs", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    import logging

    import numba

    import peacesim

    logging.getLogger("MESA").setLevel(logging.WARNING)
    load_before = os.getloadavg()
    peacesim.PeaceModel(peacesim.load_config("baseline", [f"population.size={args.size}",
                                                          "steps=1"])).run()  # warm cache
    loop = plain_loop(args.size, args.steps, args.runs)
    stages = member_stages(args.size, args.steps, min(args.runs, 4))
    worker_member = member_stages(args.size, args.steps, min(args.runs, 8), threads=1)
    floor = member_floor(args.size, args.steps)
    loop_floor = member_floor(args.size, args.steps, threads=0)
    one = ensemble(args.size, args.steps, args.runs, 1)
    many = ensemble(args.size, args.steps, args.runs, args.workers)
    started = ensemble(args.size, args.steps, args.runs, args.workers, started=True)
    clock = pool_clock(args.size, args.steps, args.runs, args.workers) if args.workers > 1 else None
    load_after = os.getloadavg()
    ratio = started["runs_per_hour"] / loop["runs_per_hour"]
    # What the workers could reach if the pool cost nothing: each runs its members one after
    # the other on one thread, at the one-thread member's time per run.
    loop_per_run = loop["seconds"] / args.runs
    member_per_run = sum(worker_member["per_run_s"].values())
    ceiling = args.workers * loop_per_run / member_per_run
    # The same with the member's weeks at their compiled floor (no Python between kernels).
    one_t_stages = worker_member["per_run_s"]
    floor_per_run = (one_t_stages["apply"] + one_t_stages["build"] + floor["weeks_s"]
                     + floor["summary_s"])
    floor_ceiling = args.workers * loop_per_run / floor_per_run
    # A redesign would speed the plain loop's weeks too: both at their floor.
    per = loop["per_run_s"]
    loop_at_floor = (per["compose"] + per["build"] + loop_floor["weeks_s"]
                     + loop_floor["summary_s"])
    both_floor_ceiling = args.workers * loop_at_floor / floor_per_run
    result = {
        "command": "python benchmarks/ensemble.py " + " ".join(sys.argv[1:]),
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count(),
                    "numba_threads": numba.config.NUMBA_NUM_THREADS,
                    "load_before": load_before, "load_after": load_after},
        "size": args.size, "steps": args.steps, "runs": args.runs,
        "plain_loop": loop, "ensemble_member_stages": stages,
        "ensemble_member_one_thread": worker_member, "ensemble_1_worker": one,
        f"ensemble_{args.workers}_workers": many,
        f"ensemble_{args.workers}_workers_pool_started": started,
        "ratio_vs_plain_loop": ratio,
        "ratio_with_pool_start": many["runs_per_hour"] / loop["runs_per_hour"],
        "ceiling_ratio_one_thread_members": ceiling,
        "member_compiled_floor": floor,
        "ceiling_ratio_compiled_floor": floor_ceiling,
        "plain_loop_compiled_floor": loop_floor,
        "ceiling_ratio_both_at_compiled_floor": both_floor_ceiling,
        "pool_clock": clock,
        "target_ratio": TARGET_RATIO,
        "versions": {"peacesim": peacesim.__version__, "python": platform.python_version(),
                     "numba": numba.__version__},
    }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    per = loop["per_run_s"]
    print(f"{args.runs} runs of the baseline, {args.size:,} members x {args.steps} weeks; "
          f"load {load_before[0]:.1f} -> {load_after[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'':28s} {'seconds':>9s} {'runs/hour':>10s} {'vs loop':>8s}")
    for name, r in (("plain loop", loop), ("ensemble, 1 worker", one),
                    (f"ensemble, {args.workers} workers", many),
                    ("  ... pool started", started)):
        print(f"{name:28s} {r['seconds']:9.1f} {r['runs_per_hour']:10.0f} "
              f"{r['runs_per_hour'] / loop['runs_per_hour']:8.2f}")
    print(f"plain loop per run: compose {per['compose']:.2f} s, build {per['build']:.2f} s, "
          f"run {per['run']:.2f} s")
    mem = stages["per_run_s"]
    print(f"ensemble member: config copy {mem['apply'] * 1000:.1f} ms, build {mem['build']:.2f} "
          f"s, run {mem['run']:.2f} s; costliest step-plan entries per run: "
          + ", ".join(f"{k} {v:.2f} s" for k, v in stages["step_plan_top_s"].items()))
    one_t = worker_member["per_run_s"]
    print(f"ensemble member on one thread, as in a worker: build {one_t['build']:.2f} s, run "
          f"{one_t['run']:.2f} s: {args.workers} workers can reach at most {ceiling:.2f}x")
    print(f"its weeks at their compiled floor (no Python between kernels): "
          f"{floor['week_us']:.0f} us a week, {floor['weeks_s']:.2f} s a run: at most "
          f"{floor_ceiling:.2f}x; {both_floor_ceiling:.2f}x if the plain loop's weeks "
          f"({loop_floor['week_us']:.0f} us on every thread) were at theirs too")
    if clock:
        print(f"in the started pool: a member took {clock['member_in_worker_s']:.2f} s of a "
              f"worker (its weeks {clock['weeks_in_worker_s']:.2f} s; "
              f"{clock['weeks_in_lone_worker_s']:.2f} s with the other worker idle); the call "
              f"spent {clock['before_first_member_s']:.2f} s before its first member "
              f"(composing the config: {clock['compose_s']:.2f} s)")
    print(f"target: {TARGET_RATIO:.0f}x the plain loop; measured {ratio:.2f}x with the pool "
          f"started ({result['ratio_with_pool_start']:.2f}x with its start-up) -> {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
