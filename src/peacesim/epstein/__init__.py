"""Epstein (2002) "Modeling civil violence", Model I, as a special case of peacesim.

Public API:

* :class:`EpsteinParams` (with the presets :meth:`EpsteinParams.netlogo` and
  :meth:`EpsteinParams.mesa_example`),
* :class:`EpsteinModel` (``EpsteinModel(params, seed=0)``, ``.step()``, ``.run(steps)``,
  ``.timeseries()``, ``.summary()``),
* :func:`count_outbursts`.

Validation against NetLogo Rebellion and Mesa's bundled example: docs/validation/epstein.md.
"""

from peacesim.epstein.model import EpsteinModel, count_outbursts
from peacesim.epstein.params import EpsteinParams

__all__ = ["EpsteinModel", "EpsteinParams", "count_outbursts"]
