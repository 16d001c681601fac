"""Command-line overrides checked before Hydra sees them, with one-line errors.

Hydra's own messages for a misspelt key, a missing bracket or ``1e6`` given for a count are
correct but long and do not say how to fix the input. :func:`prepare_overrides` catches
these first, against the schema (:func:`peacesim.config.schema.schema`):

* a key that does not exist gets the closest valid key (``did you mean patrol.presence?``);
* a value whose brackets do not match is named as such;
* an integral number written as a float (``population.size=1e6``) is accepted for an integer
  key and passed on as ``1000000``; a fractional one (``steps=1.5``) is refused.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
from functools import lru_cache

from peacesim.config.validate import ConfigError

#: Config groups of configs/ (``scenario=NAME``, ``debug=default``): chosen, not set.
GROUPS = ("scenario", "debug")

_PAIRS = {"]": "[", "}": "{", ")": "("}


def schema_keys() -> dict[str, object]:
    """Every dotted key of the schema (sections too) with its default value.

    Follows the schema: a mechanism registered later (a user's own) adds its keys.
    """
    from peacesim.config.schema import schema

    return _keys_of(schema())


@lru_cache(maxsize=4)
def _keys_of(schema_class: type) -> dict[str, object]:
    keys: dict[str, object] = {}

    def walk(obj, prefix: str) -> None:
        for f in dataclasses.fields(obj):
            value, path = getattr(obj, f.name), prefix + f.name
            keys[path] = value
            if dataclasses.is_dataclass(value):
                walk(value, path + ".")
            elif isinstance(value, dict):
                for k, v in value.items():
                    keys[f"{path}.{k}"] = v
                    if dataclasses.is_dataclass(v):
                        walk(v, f"{path}.{k}.")

    walk(schema_class(), "")
    return keys


def brackets_match(text: str) -> bool:
    """Whether every ``[``, ``{`` and ``(`` in ``text`` (outside quotes) is closed in order."""
    stack: list[str] = []
    quote = None
    for ch in text:
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch in "[{(":
            stack.append(ch)
        elif ch in _PAIRS:
            if not stack or stack.pop() != _PAIRS[ch]:
                return False
    return not stack and quote is None


def _split_top(text: str) -> list[str]:
    """Split a value at the commas outside brackets and quotes (a sweep's values)."""
    parts, depth, quote, start = [], 0, None, 0
    for i, ch in enumerate(text):
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "[{(":
            depth += 1
        elif ch in "]})":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def _as_integer(key: str, text: str) -> str:
    """``text`` as an integer literal if it is an integral float; refuse a fractional one."""
    stripped = text.strip()
    try:
        int(stripped)
        return text
    except ValueError:
        pass
    try:
        number = float(stripped)
    except ValueError:
        return text  # not a number: Hydra's type check names the key
    if not math.isfinite(number) or abs(number) >= 2**63:
        return text  # the range check refuses it, naming the key
    if not number.is_integer():
        raise ConfigError(f"{key}={stripped}: {key} is a whole number; give e.g. "
                          f"{key}={math.floor(number)}")
    return str(int(number))


def unknown_key_message(key: str) -> str | None:
    """A one-line message for a key the schema does not have, or None if it is known."""
    keys = schema_keys()
    if key in keys:
        return None
    parts = key.split(".")
    if parts[0] == "regions" and len(parts) >= 2 and f"regions.{parts[1]}" not in keys:
        return None  # an unknown region id: the validator names the region ids allowed
    match = difflib.get_close_matches(key, list(keys), n=1, cutoff=0.6)
    hint = f"; did you mean {match[0]}?" if match else ""
    return (f"{key}: no such config key{hint} (python -m peacesim run --help lists every "
            "key)")


def prepare_overrides(overrides: list[str]) -> list[str]:
    """Check ``key=value`` overrides against the schema; return them with integers normalised.

    Hydra's own keys (``hydra.*``, ``hydra/launcher=...``) and group choices
    (:data:`GROUPS`) pass unchanged.

    Args:
        overrides: Overrides as typed, e.g. ``["population.size=1e6", "seed=1,2"]``.

    Returns:
        The overrides, with integral floats for integer keys written as integers.

    Raises:
        ConfigError: An unknown key (naming the closest valid one), brackets that do not
            match, or a fractional number for an integer key.
    """
    out = []
    for item in overrides:
        prefix = item[: len(item) - len(item.lstrip("+~"))]
        key, eq, value = item[len(prefix):].partition("=")
        key = key.strip()
        if (not eq or "/" in key or key.split(".")[0] == "hydra" or key in GROUPS
                or prefix.startswith("~")):
            out.append(item)
            continue
        if not brackets_match(value):
            raise ConfigError(f"{item}: the brackets do not match; a list is written "
                              f"{key}=[a,b] (quote the whole override in the shell if it "
                              "has spaces)")
        message = unknown_key_message(key)
        if message:
            raise ConfigError(message)
        default = schema_keys().get(key)  # None: a new region's key (the validator checks it)
        if isinstance(default, int) and not isinstance(default, bool):
            is_function = value.strip().endswith(")") and "(" in value
            if not is_function:
                value = ",".join(_as_integer(key, v) for v in _split_top(value))
        out.append(f"{prefix}{key}={value}")
    return out
