"""Parameters of the Bennett (2008) insurgency model.

Values marked "Bennett 2008, Table N" are from Bennett, D. S. (2008), JASSS 11(4) 7, Tables 1
and 2 and Equations 1-3. Values marked "assumed" are not stated in what we could read of the
paper (agent counts, movement, the edge of the map) and are peacesim's documented choices;
see docs/validation/opinion_bennett.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

from peacesim.config.fields import RANGE, bounded, nonneg, share


@dataclass
class BennettParams:
    """Parameters of :class:`peacesim.bennett.BennettModel`.

    Attributes:
        grid_size: Side of the square map, in cells (Bennett 2008, Table 2: 50). The map has
            edges, no wrap-around (assumed).
        interaction_range: Chebyshev radius, in cells, within which an insurgent looks for a
            soldier to attack and within which a counterattack hurts and frightens civilians
            (Bennett 2008, Table 2: 3). Moore neighbourhood of that radius (assumed).
        n_civilians: Civilians placed at start, one per cell (assumed: 500 on 2,500 cells).
        n_soldiers: Soldiers placed at start (assumed: 100).
        effectiveness: Probability that a counterattack removes (captures or kills) the
            attacking insurgent (Bennett 2008, Table 2: 0.8).
        accuracy: 1 - accuracy is the probability that each civilian within range of a
            counterattack is hurt (Bennett 2008, Table 2: 0.8).
        sensitivity: Probability that the attacked soldier counterattacks (Bennett 2008,
            Table 2: always 1.0).
        anger_mean, anger_sd: Initial anger ~ N(0.25, 0.125) clipped to [0, 1]
            (Bennett 2008, Table 1).
        fear_mean, fear_sd: Initial fear ~ N(0.5, 0.25) clipped to [0, 1] (Table 1).
        threshold_mean, threshold_sd: Violence threshold ~ N(0.5, 0.25) clipped to [0, 1]
            (Table 1).
        fear_gain: Fear event: fear <- fear + fear_gain (1 - fear) (Bennett 2008, Eq. 1: 0.10).
        anger_gain: Harm: anger <- anger + anger_gain * (civilians hurt) * (1 - anger),
            capped at 1 (Bennett 2008, Eqs. 2-3: 0.05).
        max_attacks_per_round: Most insurgent attacks per round; the first insurgents of the
            round's random order that have a soldier in range attack (assumed: 1, one
            attack-counterattack exchange per round; 0 lets every insurgent in range attack).
        move_civilians: Whether civilians also take a random step each round (assumed: no;
            insurgents and soldiers move).
    """

    grid_size: int = bounded(50, 1, 10_000)
    interaction_range: int = bounded(3, 1, 10_000)
    n_civilians: int = bounded(500, 1, 100_000_000)  # 0: no civilians, mean anger undefined (NaN)
    n_soldiers: int = bounded(100, 0, 100_000_000)
    effectiveness: float = share(0.8)
    accuracy: float = share(0.8)
    sensitivity: float = share(1.0)
    anger_mean: float = share(0.25)
    anger_sd: float = nonneg(0.125)
    fear_mean: float = share(0.5)
    fear_sd: float = nonneg(0.25)
    threshold_mean: float = share(0.5)
    threshold_sd: float = nonneg(0.25)
    fear_gain: float = share(0.10)
    anger_gain: float = nonneg(0.05)
    max_attacks_per_round: int = bounded(1, 0, 100_000_000)
    move_civilians: bool = False

    def check(self) -> BennettParams:
        """Raise ValueError naming the first out-of-range parameter; return self."""
        for f in fields(self):
            if RANGE not in f.metadata:
                continue
            lo, hi, lo_open = f.metadata[RANGE]
            value = getattr(self, f.name)
            bad = not (lo < value if lo_open else lo <= value) or not value <= hi
            if bad or (isinstance(value, float) and math.isnan(value)):
                raise ValueError(f"bennett.{f.name} = {value} is outside [{lo}, {hi}]")
        if self.n_civilians + self.n_soldiers > self.grid_size**2:
            raise ValueError(
                f"bennett: {self.n_civilians} civilians + {self.n_soldiers} soldiers do not fit"
                f" on a {self.grid_size} x {self.grid_size} map (one agent per cell)"
            )
        return self
