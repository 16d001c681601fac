"""The threading layer: TBB when installed, the user's choice when given, safe across fork."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import subprocess
import sys

import pytest

import peacesim
from peacesim.kernels import dispatch
from peacesim.threads import _load_tbb


def _layer_in_child(env_extra: dict) -> str:
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_THREADING_LAYER"}
    env.update(env_extra)
    code = ("import peacesim, numpy, numba\n"
            "from numba import njit, prange\n"
            "@njit(parallel=True)\n"
            "def f(a):\n"
            "    s = numpy.zeros(a.size)\n"
            "    for i in prange(a.size):\n"
            "        s[i] = a[i] * 2\n"
            "    return s\n"
            "f(numpy.ones(1000))\n"
            "print(peacesim.THREADING_LAYER, numba.threading_layer())")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True)
    return out.stdout.split()


def test_tbb_is_chosen_when_installed():
    expected = "tbb" if _load_tbb() else "workqueue"
    assert _layer_in_child({}) == [expected, expected]


def test_a_users_layer_wins():
    assert _layer_in_child({"NUMBA_THREADING_LAYER": "workqueue"}) == ["workqueue", "workqueue"]


def _census_in_fork(queue) -> None:
    from peacesim.config import load_config
    from peacesim.model import PeaceModel

    m = PeaceModel(load_config("baseline", ["population.size=3000", "steps=3",
                                            "population.agent_objects=none"])).run()
    numbers = m.timeseries().select_dtypes("number").to_numpy()
    queue.put(hashlib.sha1(numbers.tobytes()).hexdigest())  # small: the child exits at once


@pytest.mark.skipif(sys.platform != "linux", reason="fork is a Unix start method")
def test_a_process_forked_after_parallel_kernels_runs_them_again():
    """GNU OpenMP kills such a child; the chosen layer must not (sweeps and joblib fork)."""
    dispatch.force(True)  # parallel kernels even at this size, in parent and child
    try:
        expected = []
        _census_in_fork(_Collect(expected))  # parallel kernels have run in this process
        ctx = multiprocessing.get_context("fork")
        queue = ctx.Queue()
        child = ctx.Process(target=_census_in_fork, args=(queue,))
        child.start()
        child.join(timeout=180)
    finally:
        dispatch.force(None)
    assert child.exitcode == 0, f"the forked child ended with exit code {child.exitcode}"
    assert queue.get(timeout=10) == expected[0]  # and the same bits as in the parent
    assert peacesim.THREADING_LAYER in ("tbb", "workqueue")


class _Collect:
    def __init__(self, into: list):
        self.into = into

    def put(self, value) -> None:
        self.into.append(value)


def test_layer_does_not_change_results():
    """The same run in a child on workqueue and on the default layer gives the same bits."""
    code = ("import hashlib, peacesim\n"
            "from peacesim.config import load_config\n"
            "from peacesim.model import PeaceModel\n"
            "from peacesim.kernels import dispatch\n"
            "dispatch.force(True)\n"
            "m = PeaceModel(load_config('baseline', ['population.size=3000', 'steps=4',"
            " 'population.agent_objects=none'])).run()\n"
            "print(hashlib.sha1(m.timeseries().select_dtypes('number').to_numpy().tobytes())"
            ".hexdigest())")
    runs = []
    for extra in ({}, {"NUMBA_THREADING_LAYER": "workqueue"}):
        env = {k: v for k, v in os.environ.items() if k != "NUMBA_THREADING_LAYER"}
        env.update(extra)
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                             text=True, check=True)
        runs.append(out.stdout.strip())
    assert len(runs[0]) == 40 and runs[0] == runs[1]
