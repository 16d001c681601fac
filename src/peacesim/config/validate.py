"""Range and consistency checks over a whole config, with one-line messages."""

from __future__ import annotations

import dataclasses
import math
import numbers

from peacesim.config.fields import RANGE


class ConfigError(ValueError):
    """A config value is not allowed. The message names the key and what is allowed."""


def _fmt(x: float) -> str:
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if float(x).is_integer():
        return str(int(x))
    return f"{x:g}"


#: Integers must fit the int64 columns and kernel arguments they end up in.
INT64 = (-(2**63), 2**63 - 1)


def _check_value(path: str, value, spec) -> None:
    lo, hi, lo_open = spec
    if isinstance(value, bool):
        return
    if not isinstance(value, numbers.Real):
        raise ConfigError(f"{path}={value!r} is not a number")
    if not isinstance(value, numbers.Integral) and not math.isfinite(float(value)):
        raise ConfigError(f"{path}={value} is not a finite number")
    bad_lo = value <= lo if lo_open else value < lo
    if bad_lo or value > hi:
        left = "(" if lo_open else "["
        if math.isinf(hi):
            allowed = f"{'> ' if lo_open else '>= '}{_fmt(lo)}"
        else:
            allowed = f"in {left}{_fmt(lo)}, {_fmt(hi)}]"
        raise ConfigError(f"{path}={value!r} is out of range: must be {allowed}")
    if isinstance(value, numbers.Integral) and not INT64[0] <= int(value) <= INT64[1]:
        raise ConfigError(f"{path}={value} does not fit a 64-bit integer")


def validate(cfg, path: str = "") -> None:
    """Check every ranged field of a config dataclass instance, recursively.

    Also calls a ``check()`` method where a params class defines one (cross-field rules),
    and checks region ids named anywhere (``regions`` keys, programme ``regions`` lists,
    ``geography.regions``).

    Raises:
        ConfigError: At the first value that is not allowed, naming its dotted key.
    """
    from peacesim.geography import REGION_IDS

    if not path:
        from peacesim.config.schema import MODELS

        model = getattr(cfg, "model", "peace")
        if model not in MODELS:
            raise ConfigError(f"model={model!r} is not a model; allowed: {', '.join(MODELS)}")
    for f in dataclasses.fields(cfg):
        value = getattr(cfg, f.name)
        key = f"{path}{f.name}"
        if RANGE in f.metadata:
            _check_value(key, value, f.metadata[RANGE])
        if dataclasses.is_dataclass(value):
            validate(value, key + ".")
        elif isinstance(value, dict):
            for k, v in value.items():
                if f.name == "regions" and k not in REGION_IDS:
                    raise ConfigError(
                        f"{key}.{k}: unknown region; allowed: {', '.join(REGION_IDS)}")
                if dataclasses.is_dataclass(v):
                    validate(v, f"{key}.{k}.")
        elif f.name == "regions" and isinstance(value, list):
            for r in value:
                if r not in REGION_IDS:
                    raise ConfigError(
                        f"{key}: unknown region {r!r}; allowed: {', '.join(REGION_IDS)}")
    check = getattr(cfg, "check", None)
    if callable(check):
        try:
            check()
        except ValueError as err:
            raise ConfigError(str(err)) from None
