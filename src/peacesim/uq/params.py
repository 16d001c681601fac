"""Parameters of an uncertainty analysis: ranges, and values applied to a validated config.

A config is composed once (Hydra), turned into a validated ``PeaceConfig``; each design row's
values are then set on a copy of that object by dotted key and the copy is validated again.
No Hydra composition per run.
"""

from __future__ import annotations

import copy
import dataclasses
import math
from dataclasses import dataclass

import yaml

from peacesim.config import ConfigError, validate
from peacesim.config.fields import ASSUMED_RANGE, plausible_ranges

#: The parameter no mechanism reads: its sensitivity indices are the noise floor.
DUMMY = "dummy"


@dataclass(frozen=True)
class Parameter:
    """One uncertain parameter.

    Attributes:
        key: Dotted config key (``patrol.presence``), or :data:`DUMMY`.
        lo: Lowest value sampled.
        hi: Highest value sampled.
        source: Where the range comes from (the user, the field's metadata, or
            ``assumed: default x0.5-x2``).
        integer: Whether the field holds an integer (sampled values are rounded).
        group: Group name for grouped indices (the key itself when not grouped).
    """

    key: str
    lo: float
    hi: float
    source: str
    integer: bool = False
    group: str = ""


def field_ranges(config) -> dict[str, dict]:
    """Every ranged field of a validated config, by dotted key (see ``plausible_ranges``)."""
    return {row["key"]: row for row in plausible_ranges(config)}


def resolve(config, params, groups: dict[str, str] | None = None) -> list[Parameter]:
    """Turn the user's parameter list into checked :class:`Parameter` objects.

    Args:
        config: The validated scenario config (``PeaceConfig``), or None for a function
            model (then every range must be given).
        params: ``{key: (lo, hi)}``, ``{key: None}`` or a list of keys; a missing range is
            taken from the field's metadata (its plausible range, or x0.5..x2 of its value).
        groups: Optional ``{key: group name}`` for grouped indices.

    Returns:
        The parameters in the order given.

    Raises:
        ConfigError: One line naming the key when it is unknown, has no range, or its range
            leaves the field's allowed values.
    """
    if isinstance(params, (list, tuple)):
        params = {k: None for k in params}
    if not params:
        raise ConfigError("no parameters given: name at least one, e.g. patrol.presence")
    known = field_ranges(config) if config is not None else {}
    out = []
    for key, rng in params.items():
        if key == DUMMY:
            raise ConfigError(f"{DUMMY!r} is added by peacesim itself; use another name")
        spec = known.get(key)
        if config is not None and spec is None:
            raise ConfigError(f"{key}: not a numeric parameter of the config (see "
                              "peacesim.config.fields.plausible_ranges)")
        if rng is None:
            if spec is None or spec["plausible_lo"] is None:
                raise ConfigError(f"{key}: no plausible range is declared and its value is 0; "
                                  f"give one, e.g. {key}=0:1")
            lo, hi, source = spec["plausible_lo"], spec["plausible_hi"], spec["source"]
        else:
            try:
                lo, hi = (float(v) for v in rng)
            except (TypeError, ValueError):
                raise ConfigError(f"{key}: range {rng!r} is not two numbers (lo, hi)") from None
            source = "given"
        if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
            raise ConfigError(f"{key}: range ({lo:g}, {hi:g}) must have lo < hi, both finite")
        if spec is not None:
            a, b, lo_open = spec["lo"], spec["hi"], spec["lo_open"]
            if lo < a or (lo_open and lo <= a) or hi > b:
                left = "(" if lo_open else "["
                raise ConfigError(f"{key}: range ({lo:g}, {hi:g}) leaves the allowed values "
                                  f"{left}{a:g}, {b:g}]")
        integer = bool(spec["integer"]) if spec is not None else False
        group = (groups or {}).get(key, key)
        out.append(Parameter(key, lo, hi, source, integer, group))
    return out


def parse_overrides(overrides: list[str]) -> dict[str, object]:
    """Hydra-style ``key=value`` strings (as in a scenario's ``counterfactual``) as a dict.

    Values are read as YAML (``0`` -> int, ``false`` -> bool, ``[a, b]`` -> list).

    Raises:
        ConfigError: An entry without ``=``.
    """
    out = {}
    for item in overrides or []:
        if "=" not in item:
            raise ConfigError(f"{item!r} is not key=value")
        key, text = item.split("=", 1)
        out[key.lstrip("+")] = yaml.safe_load(text) if text.strip() else ""
    return out


def apply(config, values: dict[str, object]):
    """A validated copy of ``config`` with ``values`` set by dotted key.

    Integers given as floats (``3.0``) are set as integers; other types are checked by the
    validator.

    Raises:
        ConfigError: Unknown key, or a value the field does not allow.
    """
    new = copy.deepcopy(config)
    for key, value in values.items():
        if key == DUMMY:
            continue
        *path, last = key.split(".")
        node = new
        for part in path:
            node = node[part] if isinstance(node, dict) else getattr(node, part, _MISSING)
            if node is _MISSING:
                raise ConfigError(f"{key}: unknown config key")
        if isinstance(node, dict):
            if last not in node:
                raise ConfigError(f"{key}: unknown config key")
            node[last] = value
            continue
        names = {f.name: f for f in dataclasses.fields(node)}
        if last not in names:
            raise ConfigError(f"{key}: unknown config key")
        current = getattr(node, last)
        setattr(node, last, _coerce(key, value, current))
    validate(new)
    return new


_MISSING = object()


def _coerce(key: str, value, current):
    """``value`` in the type of the field's ``current`` value."""
    if hasattr(value, "item"):  # NumPy scalars
        value = value.item()
    if isinstance(current, bool):
        if not isinstance(value, bool):
            raise ConfigError(f"{key}={value!r} is not true or false")
        return value
    if isinstance(current, int):
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            raise ConfigError(f"{key}={value!r} is not an integer")
        return value
    if isinstance(current, float):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{key}={value!r} is not a number")
        return float(value)
    return value


def range_table(parameters: list[Parameter]) -> list[dict]:
    """The parameters as table rows (key, lo, hi, source, group) for the outputs."""
    return [{"parameter": p.key, "lo": p.lo, "hi": p.hi, "source": p.source,
             "group": p.group, "assumed": p.source == ASSUMED_RANGE}
            for p in parameters]
