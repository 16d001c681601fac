"""Region attributes of the default Mali scenario, with their sources.

Values are starting conditions around 2020 (the Afrobarometer round 8 survey). Where the
source gives a figure for the region it is used; every other value is marked "assumed" and
is a lever for scenarios and sweeps (``regions.mopti.justice_access=0.4``).

Burkina Faso's Sahel (sahel_bf) and Niger's Tillabéri (tillaberi), starting conditions around
2020, with the spreads of RegionParams (region's value ± spread) as plausible ranges:

* insecurity: Sahel 0.75 and Tillabéri 0.65, set near Mopti and Gao (0.80, 0.70) from the ACLED
  pattern: Ansarul Islam active in Soum (Sahel) from December 2016 and the Sahel region the
  epicentre of Burkina Faso's violence by 2019; the Islamic State in the Greater Sahara in
  northern Tillabéri (Tongo Tongo ambush, October 2017; state of emergency in Tillabéri's
  border departments since March 2017). The levels themselves are assumed.
* herder_share: Sahel 0.5, assumed from its population being mainly Fulbe and Tuareg
  pastoralists (the 2006 census' main languages: Fulfulde, Tamasheq); Tillabéri 0.25 from the
  INS Niger ethnic shares as tabulated second-hand (Fulbe 13 %, Tuareg 10 %, rounded up for
  pastoralists of other groups; assumed).
* trust_in_sdf, legitimacy, justice_access, youth_unemployment, resource_stress, cohesion:
  assumed, set between Mopti's and Gao's values and the national Mali defaults; no regional
  survey of these regions is in the project's sources.
"""

from __future__ import annotations

from dataclasses import dataclass

from peacesim.config.fields import share


@dataclass
class RegionParams:
    """Attributes of one region (all shares in [0, 1]).

    Attributes:
        trust_in_sdf: Mean trust of community members in the security and defence forces at
            the start. National level 0.82 ("partly or a lot", Afrobarometer R8 Mali, 2020);
            regional spread assumed, lower where trust in the state is lower. Plausible: the
            region's value ±0.1.
        legitimacy: Perceived legitimacy of governance, L in Epstein's G = H(1 - L). Set to
            trust in the President by region (Afrobarometer R8 2020: Gao-Kidal 0.23, Mopti
            0.28, Tombouctou 0.41, Bamako 0.45, Kayes 0.45; national 0.47 elsewhere, assumed).
            Plausible: the region's value ±0.1.
        justice_access: Share of grievances that can reach official or traditional justice.
            Assumed. Plausible: the region's value ±0.15.
        insecurity: Armed-group presence at the start, 0 (none) to 1 (highest). Assumed from
            the ACLED pattern (violence concentrated in Tombouctou, Gao, Kidal, and Mopti since
            2015; ACLED country report Jan 2015; ACLED 2017 via ACCORD). Plausible: the region's
            value ±0.15.
        youth_unemployment: Share of young people without work. Assumed. Plausible: the region's
            value ±0.1.
        resource_stress: Pressure on land and water between farming and herding communities.
            Assumed (highest in the inner Niger delta, Mopti). Plausible: the region's value ±0.15.
        herder_share: Share of community members from herding communities. Assumed. Plausible: the
            region's value ±0.1.
        cohesion: Mean trust between communities at the start. Assumed. Plausible: the region's
            value ±0.15.

    Sub-national scenarios do not change these: a region is the same region whatever else is
    simulated (the central_mali scenario's stress, herder share and cohesion of Mopti and
    Ségou are the national values since issue 13).
    """

    trust_in_sdf: float = share(0.82, spread=0.1,
                                source="Afrobarometer R8 Mali 2020 (national 0.82); regional "
                                       "values and spread assumed")
    legitimacy: float = share(0.47, spread=0.1,
                              source="Afrobarometer R8 2020 (trust in the President by region); "
                                     "spread assumed")
    justice_access: float = share(0.3, spread=0.15, source="assumed")
    insecurity: float = share(0.2, spread=0.15, source="assumed from the ACLED pattern")
    youth_unemployment: float = share(0.3, spread=0.1, source="assumed")
    resource_stress: float = share(0.3, spread=0.15, source="assumed")
    herder_share: float = share(0.2, spread=0.1, source="assumed")
    cohesion: float = share(0.7, spread=0.15, source="assumed")


# region id: (trust_in_sdf, legitimacy, justice_access, insecurity, youth_unemployment,
#             resource_stress, herder_share, cohesion) -- sources in RegionParams' docstring.
_TABLE = {
    "kayes": (0.86, 0.45, 0.40, 0.10, 0.30, 0.30, 0.15, 0.75),
    "koulikoro": (0.85, 0.47, 0.40, 0.15, 0.30, 0.30, 0.15, 0.75),
    "sikasso": (0.86, 0.47, 0.40, 0.15, 0.28, 0.40, 0.15, 0.72),
    "segou": (0.82, 0.47, 0.35, 0.45, 0.32, 0.60, 0.25, 0.55),
    "mopti": (0.72, 0.28, 0.20, 0.80, 0.38, 0.80, 0.40, 0.45),
    "tombouctou": (0.72, 0.41, 0.15, 0.60, 0.40, 0.50, 0.50, 0.60),
    "gao": (0.66, 0.23, 0.15, 0.70, 0.42, 0.50, 0.50, 0.58),
    "kidal": (0.55, 0.23, 0.10, 0.80, 0.45, 0.40, 0.80, 0.60),
    "bamako": (0.84, 0.45, 0.60, 0.05, 0.25, 0.05, 0.05, 0.75),
    # Burkina Faso's Hauts-Bassins (border_sikasso scenario): all assumed.
    "hauts_bassins": (0.75, 0.45, 0.35, 0.25, 0.30, 0.50, 0.20, 0.65),
    # Liptako-Gourma (liptako_gourma scenario), sources in the module docstring.
    "sahel_bf": (0.65, 0.35, 0.15, 0.75, 0.40, 0.60, 0.50, 0.50),
    "tillaberi": (0.68, 0.40, 0.20, 0.65, 0.40, 0.55, 0.25, 0.55),
}


def default_regions() -> dict[str, RegionParams]:
    """The default region table, one fresh :class:`RegionParams` per region id."""
    return {rid: RegionParams(*values) for rid, values in _TABLE.items()}
