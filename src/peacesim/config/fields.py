"""Field constructors that carry the allowed range of a parameter.

Parameter dataclasses use these instead of bare defaults so that one validator
(:func:`peacesim.config.validate.validate`) can check every key of every mechanism and name
the key and what is allowed when a value is out of range.

Example:
    >>> from dataclasses import dataclass
    >>> @dataclass
    ... class PatrolParams:
    ...     presence: float = share(0.3)
"""

from __future__ import annotations

from dataclasses import field
from typing import Any

RANGE = "peacesim_range"

#: Metadata keys of a field's plausible range (what the evidence allows, for uncertainty
#: analysis) and the range's source. Not a validation bound: the allowed range is ``RANGE``.
PLAUSIBLE = "peacesim_plausible"
SOURCE = "peacesim_source"

#: Metadata key of a plausible range given as the value plus or minus a spread, for fields
#: whose default differs between instances (a region's attributes: ``regions.<id>.KEY``).
SPREAD = "peacesim_plausible_spread"

#: Label of the range used for a field that declares no plausible range of its own.
ASSUMED_RANGE = "assumed: default x0.5-x2"

#: Upper bound of every number declared without one (``nonneg``, ``positive``, ``bounded``
#: without ``hi``). No parameter of the model means anything above it (weeks, people, rates
#: and weights are all far smaller), and it keeps products of parameters far from float
#: overflow and every integer inside int64, so an absurd value is refused at load time
#: instead of turning into inf or NaN in the results.
LARGE = 1e9


def bounded(default: Any, lo: float = -LARGE, hi: float = LARGE, *, lo_open: bool = False,
            plausible: tuple[float, float] | None = None, spread: float | None = None,
            source: str | None = None):
    """A number in ``[lo, hi]`` (or ``(lo, hi]`` when ``lo_open``); NaN and inf are refused.

    Args:
        default: The default value.
        lo: Smallest allowed value.
        hi: Largest allowed value.
        lo_open: Whether ``lo`` itself is refused.
        plausible: ``(low, high)``: the values the evidence makes plausible, the range an
            uncertainty analysis samples (:func:`plausible_ranges`); inside ``[lo, hi]``.
        spread: Instead of ``plausible``: the range is the value (of each instance, e.g.
            each region) plus or minus ``spread``, clipped to ``[lo, hi]``.
        source: Where the plausible range comes from (a citation, or ``"assumed"``).
    """
    metadata: dict[str, Any] = {RANGE: (lo, hi, lo_open)}
    if plausible is not None:
        p_lo, p_hi = plausible
        if not (lo <= p_lo <= p_hi <= hi) or (lo_open and p_lo <= lo):
            raise ValueError(f"plausible range {plausible} is not inside [{lo}, {hi}]")
        metadata[PLAUSIBLE] = (p_lo, p_hi)
        metadata[SOURCE] = source or "assumed"
    elif spread is not None:
        if not 0 < spread <= hi - lo:
            raise ValueError(f"plausible spread {spread} must be > 0 and at most {hi - lo}")
        metadata[SPREAD] = spread
        metadata[SOURCE] = source or "assumed"
    return field(default=default, metadata=metadata)


def share(default: float, **range_info):
    """A share or probability, in [0, 1] (``plausible``, ``source``: see :func:`bounded`)."""
    return bounded(default, 0.0, 1.0, **range_info)


def nonneg(default: float, hi: float = LARGE, **range_info):
    """A non-negative number, at most ``hi`` (``plausible``, ``source``: see :func:`bounded`)."""
    return bounded(default, 0.0, hi, **range_info)


def positive(default: float, hi: float = LARGE, **range_info):
    """A strictly positive number, at most ``hi`` (``plausible``, ``source``: :func:`bounded`)."""
    return bounded(default, 0.0, hi, lo_open=True, **range_info)


def step_index(default: int = 0):
    """A model step (week), >= 0."""
    return bounded(default, 0)


def listing(default: list):
    """A list-valued field (copied for each instance)."""
    return field(default_factory=lambda: list(default))


def default_range(default: float, lo: float, hi: float) -> tuple[float, float] | None:
    """The range used where a field declares none: x0.5 to x2 of the default, clipped.

    Args:
        default: The field's default value.
        lo: Smallest allowed value.
        hi: Largest allowed value.

    Returns:
        ``(low, high)``, or None when the default is 0 or negative (no multiple of it is a
        range; negative defaults are sentinels such as ``end=-1``, never).
    """
    if default <= 0:  # 0 has no multiples; negative values are sentinels (end=-1: never)
        return None
    a, b = sorted((0.5 * default, 2.0 * default))
    return max(a, lo), min(b, hi)


def plausible_ranges(cfg, prefix: str = "") -> list[dict]:
    """Every numeric parameter of a config with its allowed bounds and plausible range.

    Args:
        cfg: A config dataclass instance (e.g. ``peacesim.to_config(...)``); nested sections
            and dicts of sections (``regions``) are walked.
        prefix: Dotted key prefix of ``cfg`` (for nested calls).

    Returns:
        One dict per ranged field: ``key`` (dotted), ``default`` (the value in ``cfg``),
        ``integer``, ``lo``/``hi`` (allowed), ``lo_open``, ``plausible_lo``/``plausible_hi``
        (the declared range, or the value plus or minus the declared ``spread``; None where no
        range can be given: a default of 0 without a declared range) and
        ``source`` (:data:`ASSUMED_RANGE` where the field declares none).
    """
    import dataclasses

    rows: list[dict] = []
    for f in dataclasses.fields(cfg):
        value = getattr(cfg, f.name)
        key = f"{prefix}{f.name}"
        if dataclasses.is_dataclass(value):
            rows += plausible_ranges(value, key + ".")
        elif isinstance(value, dict):
            for k, v in value.items():
                if dataclasses.is_dataclass(v):
                    rows += plausible_ranges(v, f"{key}.{k}.")
        elif RANGE in f.metadata and not isinstance(value, bool):
            lo, hi, lo_open = f.metadata[RANGE]
            if PLAUSIBLE in f.metadata:
                rng, source = f.metadata[PLAUSIBLE], f.metadata[SOURCE]
            elif SPREAD in f.metadata:
                d = f.metadata[SPREAD]
                rng, source = (max(value - d, lo), min(value + d, hi)), f.metadata[SOURCE]
            else:
                rng, source = default_range(value, lo, hi), ASSUMED_RANGE
            rows.append({"key": key, "default": value, "integer": isinstance(value, int),
                         "lo": lo, "hi": hi, "lo_open": lo_open,
                         "plausible_lo": None if rng is None else rng[0],
                         "plausible_hi": None if rng is None else rng[1],
                         "source": source})
    return rows
