"""The mechanism contract: declarations checked at build, every table saved, nothing listed.

Tests the rules of :mod:`peacesim.mechanisms.base` with the worked example of
docs/ARCHITECTURE.md (docs/examples/radio.py: a mechanism that keeps a table under an
attribute name nobody else knows) and with deliberately broken mechanisms.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import peacesim
from peacesim.mechanisms.base import (
    Column,
    ContractError,
    Mechanism,
    mechanism,
    registered,
    setup_order,
    unregister,
)
from peacesim.random import Streams

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "docs" / "examples" / "radio.py"
SMALL = ["steps=16", "population.size=3000", "seed=4", "population.agent_objects=none"]


def _load_example():
    spec = importlib.util.spec_from_file_location("peacesim_example_radio", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def radio():
    """The worked example registered for one test, then removed from the registry."""
    module = _load_example()
    yield module
    unregister("radio")
    sys.modules.pop("peacesim_example_radio", None)


def _model(*overrides: str) -> peacesim.PeaceModel:
    return peacesim.PeaceModel(peacesim.load_config("baseline", [*SMALL, *overrides]))


# ----------------------------------------------------------------------------- the example


def test_the_worked_example_runs_records_and_maps(radio):
    model = _model()
    assert "radio" in model.mechanisms
    assert model.tables["radio_stations"] is model.mechanisms["radio"].transmitters
    assert model.tables["radio_stations"].owner("audience") == "radio"
    assert model.cells.owner("radio_audience") == "radio"
    model.run()
    nat = model.national()
    assert nat["radio_broadcasts"].iloc[1:].sum() > 0
    assert model.metrics()["radio_broadcasts"].label == "Radio broadcasts"
    assert model.map_values("radio_audience").max() > 0
    assert ("dialogue", "radio", "broadcast") in [(p, m.name, f) for p, m, f in model.plan]


def test_the_example_changes_trust_and_switching_it_off_restores_the_baseline(radio):
    on = _model().run().national()
    off = _model("radio.stations=0").run().national()
    unregister("radio")
    plain = _model().run().national()
    assert not np.array_equal(on["trust_in_sdf"], off["trust_in_sdf"])
    # With no station the example draws nothing the others use: the baseline, bit for bit.
    pd.testing.assert_frame_equal(off.drop(columns="radio_broadcasts"), plain,
                                  check_exact=True)


def test_a_table_under_any_attribute_is_checkpointed_and_resumes_bit_identical(radio):
    whole = _model().run().national()
    first = _model()
    for _ in range(7):
        first.step()
    state = first.state()
    assert "table.radio_stations.audience" in state
    resumed = _model()
    resumed.load_state(state)
    resumed.run()
    pd.testing.assert_frame_equal(resumed.national(), whole, check_exact=True)
    # The saved table matters: resuming without it diverges (so the test above can fail).
    blank = _model()
    blank.load_state(state)
    blank.tables["radio_stations"]["audience"][:] = 0.0
    blank.run()
    assert not blank.national()["trust_in_sdf"].equals(whole["trust_in_sdf"])


def _run_script(folder: Path, extra: str = "") -> list[str]:
    overrides = [*SMALL, "steps=60", "output.figures=false", *extra.split()]
    code = (
        "import importlib.util, sys\n"
        "spec = importlib.util.spec_from_file_location("
        f"'peacesim_example_radio', {str(EXAMPLE)!r})\n"
        "m = importlib.util.module_from_spec(spec); sys.modules[spec.name] = m\n"
        "spec.loader.exec_module(m)\n"
        "import peacesim\n"
        "from peacesim.runner import run_to_dir\n"
        f"cfg = peacesim.load_config('baseline', {overrides!r})\n"
        f"run_to_dir(cfg, {str(folder)!r})\n"
    )
    return [sys.executable, "-c", code]


@pytest.mark.slow
def test_kill_and_resume_with_the_example_is_bit_identical(tmp_path):
    """A SIGKILL mid-run, then a rerun into the same folder resumes from the checkpoint."""
    whole = tmp_path / "whole"
    subprocess.run(_run_script(whole), check=True, capture_output=True, timeout=300)
    killed = tmp_path / "killed"
    cmd = _run_script(killed, "output.checkpoint_every=3")
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        end = time.monotonic() + 240
        while True:
            status = killed / "status.json"
            step = 0
            if status.exists():
                try:
                    step = json.loads(status.read_text()).get("step", 0)
                except json.JSONDecodeError:
                    pass
            if step >= 20 and (killed / "checkpoint.npz").exists():
                break
            assert proc.poll() is None, "the run ended before it could be killed"
            assert time.monotonic() < end, "timed out"
            time.sleep(0.01)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert not (killed / "manifest.json").exists()
    subprocess.run(cmd, check=True, capture_output=True, timeout=300)
    manifest = json.loads((killed / "manifest.json").read_text())
    assert manifest["resumed_from_step"] >= 3
    for name in ("national.parquet", "timeseries.parquet"):
        pd.testing.assert_frame_equal(pd.read_parquet(killed / name),
                                      pd.read_parquet(whole / name), check_exact=True)
    assert "radio_broadcasts" in pd.read_parquet(whole / "national.parquet")


# ----------------------------------------------------------------------------- build checks


def _broken(name: str, **attrs) -> type[Mechanism]:
    @dataclasses.dataclass
    class Params:
        """No parameters."""

    def act(self, t: int) -> None:
        """Nothing."""

    cls = type(name.title(), (Mechanism,), {"name": name, "phases": {"trust": "act"},
                                            "Params": Params, "act": act, **attrs})
    return mechanism(cls)


def test_reading_a_column_nobody_owns_fails_at_build_in_one_line():
    _broken("rumours", reads=("cells.rumour_level",))
    try:
        with pytest.raises(ContractError) as err:
            _model()
    finally:
        unregister("rumours")
    message = str(err.value)
    assert "\n" not in message
    assert message == "mechanism rumours reads cells.rumour_level, which no mechanism owns"


def test_reading_from_a_table_that_does_not_exist_names_the_tables():
    _broken("rumours", writes=("camps.size",))
    try:
        with pytest.raises(ContractError, match=r"rumours writes camps.size, but there is no "
                                                r"table 'camps' \(tables: people, cells"):
            _model()
    finally:
        unregister("rumours")


def test_two_owners_of_one_column_fail_at_build():
    _broken("rumours", owns=(Column("info", float, "0-1", "a second info column"),))
    try:
        with pytest.raises(ContractError, match="cells column 'info' of rumours exists "
                                                "already \\(owned by information\\)"):
            _model()
    finally:
        unregister("rumours")


def test_a_column_for_another_table_is_refused_at_registration():
    with pytest.raises(ContractError, match="mechanisms add columns to"):
        _broken("rumours", owns=(Column("x", float, "0-1", "x", table="units"),))
    unregister("rumours")


def test_set_up_order_follows_after_and_detects_loops():
    order = [m.name for m in setup_order(list(registered()))]
    assert order.index("patrol") < order.index("conduct")  # conduct trains patrol's units

    class A:
        name, after = "a", ("b",)

    class B:
        name, after = "b", ("a",)

    with pytest.raises(ContractError, match="loops among: a, b"):
        setup_order([A(), B()])
    B.after = ("nobody",)
    with pytest.raises(ContractError, match="after 'nobody', which is not a mechanism"):
        setup_order([B()])


def test_an_undeclared_random_stream_is_an_error():
    streams = Streams(1, names=["trust.encounters"])
    assert streams["trust.encounters"] == Streams(1)["trust.encounters"]
    with pytest.raises(KeyError, match="'trust.encounter' is not declared"):
        streams["trust.encounter"]
    model = _model()
    with pytest.raises(KeyError, match="not declared"):
        model.mechanisms["trust"].stream("typo")


# ----------------------------------------------------------------------------- nothing listed


def test_model_py_names_no_mechanism():
    source = (ROOT / "src" / "peacesim" / "model.py").read_text()
    for cls in registered():
        hits = re.findall(rf"\b{re.escape(cls.name)}\b", source)
        assert not hits, f"model.py names mechanism {cls.name!r}"


_ACCESS = re.compile(r"\b(cells|people)\[\"(\w+)\"\]")


def test_every_column_a_mechanism_touches_is_owned_or_declared():
    """A static read of each mechanism's file: ``cells["x"]`` / ``people["x"]`` are declared."""
    model = _model()
    for cls in registered():
        source = Path(sys.modules[cls.__module__].__file__).read_text()
        declared = {(c.table, c.name) for c in cls.owns}
        declared |= {tuple(r.split(".")) for r in (*cls.reads, *cls.writes)}
        for table, column in set(_ACCESS.findall(source)):
            assert (table, column) in declared, (
                f"{cls.name} uses {table}.{column} without declaring it "
                f"(owner: {model.tables[table].owner(column)})")


def test_every_declared_column_and_metric_is_described():
    for cls in registered():
        for col in cls.owns:
            assert col.unit and col.description, f"{cls.name}: column {col.name}"
        for m in cls.metrics:
            assert m.label and m.unit and m.description, f"{cls.name}: metric {m.name}"
    model = _model()
    state = model.state()
    for label, table in model.tables.items():
        for column in table.columns:
            assert f"table.{label}.{column}" in state


def test_metrics_json_is_written_and_matches_the_model(tmp_path):
    from peacesim.runner import run_to_dir

    cfg = peacesim.load_config("baseline", [*SMALL, "steps=3", "output.figures=false"])
    run_to_dir(cfg, tmp_path)
    doc = json.loads((tmp_path / "metrics.json").read_text())
    model = _model()
    assert [m["name"] for m in doc["metrics"]] == list(model.metrics())
    trust = next(m for m in doc["metrics"] if m["name"] == "trust_in_sdf")
    assert trust["label"] == "Trust in the security forces" and trust["kind"] == "share"
    assert {w["name"] for w in doc["weights"]} == {"members", "everyone", "youth", "population"}
    cells = pd.read_parquet(tmp_path / "cells.parquet")
    for name, layer in model.map_layers().items():
        for when in layer.when:
            assert f"{name}_{when}" in cells


def test_architecture_md_shows_the_example_as_it_is():
    doc = (ROOT / "docs" / "ARCHITECTURE.md").read_text()
    block = doc.split("The whole file (a test checks this copy is the file):\n\n```python\n")[1]
    assert block.split("```")[0] == EXAMPLE.read_text()


def test_warming_the_cache_leaves_the_given_config_alone():
    from peacesim.warm import warm_cache

    cfg = peacesim.to_config(peacesim.load_config("baseline", ["steps=30"]))
    warm_cache(cfg)
    assert cfg.steps == 30 and cfg.population.size == 100_000
