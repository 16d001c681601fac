"""The documentation says what the code does."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _parameters_module():
    spec = importlib.util.spec_from_file_location("odd_parameters", ROOT / "docs" / "parameters.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_odd_tables_are_generated_from_the_code():
    params = _parameters_module()
    current = (ROOT / "docs" / "ODD.md").read_text()
    assert params.render(current) == current, "docs/ODD.md is stale: run python docs/parameters.py"


def test_every_parameter_is_described_in_the_odd():
    params = _parameters_module()
    from peacesim.config.schema import schema

    cls = schema()
    odd = (ROOT / "docs" / "ODD.md").read_text()
    missing = []
    for section in ("patrol", "armed_groups", "trust", "grievance", "dialogue", "information",
                    "communal", "employment", "justice", "conduct", "womens_groups",
                    "population", "geography"):
        sub = getattr(cls(), section)
        for key, _default, _allowed, text in params.rows(type(sub), f"{section}."):
            if f"`{key}`" not in odd:
                missing.append(key)
            assert text, f"{key} has no description (unit and source, or 'Assumed')"
    assert not missing, f"parameters missing from docs/ODD.md: {missing}"


def test_behavioural_constants_name_a_source_or_say_assumed():
    params = _parameters_module()
    from peacesim.config.schema import schema

    cls = schema()
    levers = re.compile(r"0 = (none|no programme)|When|Whether|Which|Number of simulated|"
                        r"Multiplier|Region ids|as in the regions", re.I)
    unsourced = []
    for section in ("patrol", "armed_groups", "trust", "grievance", "dialogue", "information",
                    "communal", "womens_groups"):
        sub = getattr(cls(), section)
        for key, _default, _allowed, text in params.rows(type(sub), f"{section}."):
            if key.endswith((".start", ".end", ".regions")) or levers.search(text):
                continue
            if not re.search(r"assumed|\d{4}|RGPH|ACLED|Afrobarometer", text, re.I):
                unsourced.append(key)
    assert not unsourced, f"no source and not marked assumed: {unsourced}"


def test_readme_library_example_runs_as_written(capsys):
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", readme, re.S)
    assert blocks, "README has no python example"
    exec(compile(blocks[0], "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert "trust_in_sdf" in out


@pytest.mark.parametrize("command", [
    "python -m pip install . && python -m peacesim run +scenario=baseline",
    'python -m pip install -e ".[test]" && python -m pytest -q'])
def test_readme_holds_the_two_setup_commands(command):
    assert command in (ROOT / "README.md").read_text()
    if "pytest" in command:
        assert "pytest" in (ROOT / ".ci" / "run").read_text()
