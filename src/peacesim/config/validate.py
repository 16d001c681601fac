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
    if not path and hasattr(cfg, "geography"):
        check_programmes(cfg)


def programmes(cfg, path: str = "") -> list[tuple[str, object]]:
    """Every programme section of a config: ``(dotted key, instance)``, in schema order.

    A programme is any params dataclass that subclasses
    :class:`peacesim.mechanisms.base.Programme` (it has ``start``, ``end`` and ``regions``).
    """
    from peacesim.mechanisms.base import Programme

    found = []
    if isinstance(cfg, Programme):
        found.append((path, cfg))
    for f in dataclasses.fields(cfg):
        value = getattr(cfg, f.name)
        if dataclasses.is_dataclass(value) and f.name not in ("epstein", "bennett"):
            found += programmes(value, f"{path}.{f.name}" if path else f.name)
    return found


def _default_regions(programme) -> list[str]:
    field = next(f for f in dataclasses.fields(programme) if f.name == "regions")
    if field.default_factory is not dataclasses.MISSING:
        return list(field.default_factory())
    return list(field.default)


def check_programmes(cfg) -> None:
    """Refuse programmes that could never act: regions not simulated, end before start.

    A programme's ``regions`` left at its default are not checked (the MOC's default, the
    north, is simply absent from a scenario of central Mali); regions set in a scenario or
    an override must all be simulated.
    """
    simulated = list(cfg.geography.regions)
    for key, p in programmes(cfg):
        if p.end != -1 and p.end < p.start:
            raise ConfigError(
                f"{key}.end={p.end} is before {key}.start={p.start}: the programme would "
                f"never act; set {key}.end above {p.start}, or -1 for no end")
        if list(p.regions) == _default_regions(p):
            continue
        absent = [r for r in p.regions if r not in simulated]
        if absent:
            raise ConfigError(
                f"{key}.regions names {', '.join(absent)}, which this run does not simulate "
                f"(geography.regions=[{','.join(simulated)}]): the programme would do nothing "
                f"there; name simulated regions or add them to geography.regions")


def programme_warnings(cfg) -> list[str]:
    """One line per programme that starts at or after the last step (it never acts).

    Args:
        cfg: A validated ``PeaceConfig`` instance.
    """
    if getattr(cfg, "model", "peace") != "peace" or not hasattr(cfg, "steps"):
        return []
    return [f"{key}.start={p.start} is at or after steps={cfg.steps}: this programme never "
            f"acts in this run (lower {key}.start or raise steps)"
            for key, p in programmes(cfg) if p.start >= cfg.steps]
