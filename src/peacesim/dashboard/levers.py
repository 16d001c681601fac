"""The levers the dashboard offers: config keys, with ranges read from the schema.

A lever's range is the one its parameter declares (:mod:`peacesim.config.fields`), so the
page never allows what a config file would refuse; its label and unit are those the reports
use (:data:`peacesim.plots.labels.PARAMETERS`). Where the schema sets no practical upper
bound (a frequency may be up to ``LARGE``), ``slider_max`` bounds the slider only: a larger
value can still be typed.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import cache

from peacesim.config.fields import LARGE, RANGE
from peacesim.plots.labels import PARAMETERS


@dataclass(frozen=True)
class Lever:
    """One slider of the page.

    Attributes:
        key: Dotted config key, e.g. ``patrol.presence``.
        step: Slider step, in the parameter's unit.
        slider_max: Upper end of the slider where the schema's bound is ``LARGE``.
    """

    key: str
    step: float = 0.01
    slider_max: float | None = None

    @property
    def label(self) -> str:
        """Readable name with its unit, as in the reports."""
        return PARAMETERS.get(self.key, self.key)

    @property
    def range(self) -> tuple[float, float]:
        """``(lo, hi)`` the schema allows."""
        lo, hi, _ = field_range(self.key)
        return lo, hi

    @property
    def slider_range(self) -> tuple[float, float]:
        """``(lo, hi)`` of the slider: the schema's, with ``slider_max`` for an open top."""
        lo, hi = self.range
        if hi >= LARGE and self.slider_max is not None:
            hi = self.slider_max
        return lo, hi


#: The levers, in the order the page shows them.
LEVERS: tuple[Lever, ...] = (
    Lever("patrol.presence"),
    Lever("patrol.moc.share"),
    Lever("patrol.un.share"),
    Lever("dialogue.frequency", step=0.5, slider_max=12.0),
    Lever("dialogue.women_participation"),
    Lever("dialogue.youth_participation"),
    Lever("employment.youth_coverage"),
    Lever("justice.access"),
    Lever("conduct.share"),
)


@cache
def field_range(key: str) -> tuple[float, float, bool]:
    """The ``(lo, hi, lo_open)`` range the schema declares for a dotted key.

    Raises:
        KeyError: The key is not a ranged field of the schema.
    """
    from peacesim.config import to_config

    node = to_config(None)
    *parents, last = key.split(".")
    for part in parents:
        node = getattr(node, part)
    for f in dataclasses.fields(node):
        if f.name == last and RANGE in f.metadata:
            return f.metadata[RANGE]
    raise KeyError(f"{key} is not a ranged config field")


def lever_value(config, key: str) -> float:
    """The value of a dotted key in a config dataclass instance."""
    node = config
    for part in key.split("."):
        node = getattr(node, part)
    return float(node)
