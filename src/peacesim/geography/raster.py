"""The regional grid (raster) of Mali plus three regions of Burkina Faso and Niger.

The raster is a regular latitude/longitude grid, 0.25 degree by 0.25 degree, built offline by
:mod:`peacesim.geography.build_raster` and committed as ``mali_raster.npz`` next to this file
(provenance in ``PROVENANCE.md``). This module only reads it: it needs NumPy and nothing else.

Conventions:
    * Rows run south to north (``lat`` ascending: row 0 is the southernmost row), columns west
      to east (``lon`` ascending). Plot with ``imshow(..., origin="lower")``.
    * A cell is named by its flat index ``row * n_cols + col`` (row-major, int64).
    * A cell belongs to a region if its centre lies inside the country outline; the region of a
      cell is an index into :data:`REGION_IDS` (``-1`` outside the modelled area).
    * Mali has its nine regions of the pre-2016 division (eight regions and the Bamako
      district); Burkina Faso contributes the cells of Hauts-Bassins (next to Sikasso) and
      Sahel, Niger those of Tillabéri (the Liptako-Gourma tri-border area with Mopti and
      Gao). The regions outside Mali are opt-in (``geography.regions``).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REGION_IDS: tuple[str, ...] = (
    "kayes",
    "koulikoro",
    "sikasso",
    "segou",
    "mopti",
    "tombouctou",
    "gao",
    "kidal",
    "bamako",
    "hauts_bassins",
    "sahel_bf",
    "tillaberi",
)
"""ASCII region ids, used as config keys; the region arrays hold indices into this tuple."""

REGION_NAMES: tuple[str, ...] = (
    "Kayes",
    "Koulikoro",
    "Sikasso",
    "Ségou",
    "Mopti",
    "Tombouctou",
    "Gao",
    "Kidal",
    "Bamako",
    "Hauts-Bassins",
    "Sahel (Burkina Faso)",
    "Tillabéri",
)
"""Display names, aligned with :data:`REGION_IDS`."""

COUNTRY_NAMES: tuple[str, ...] = ("Mali", "Burkina Faso", "Niger")
"""Display names of the values of :attr:`Raster.country` (0 Mali, 1 Burkina Faso, 2 Niger)."""

EARTH_RADIUS_KM = 6371.0088
"""Mean Earth radius (IUGG), km: used for cell areas and great-circle distances."""

RASTER_FILE = Path(__file__).with_name("mali_raster.npz")
"""The committed raster, rebuilt by ``python -m peacesim.geography.build_raster``."""

# Moore (8-neighbour) offsets in a fixed order: (d_row, d_col).
_MOORE = ((-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1))


@dataclass(frozen=True, eq=False)
class Raster:
    """The regional grid: per-cell region, population weight, area and country.

    All arrays are read-only views shared by every caller of :func:`load_raster`. ``eq=False``
    because equality of arrays is elementwise; compare fields explicitly if needed.

    Attributes:
        region: int8 ``[rows, cols]``: index into :data:`REGION_IDS`, -1 outside.
        weight: float64 ``[rows, cols]``: population weight of the cell within its region;
            non-negative, sums to 1 over each region's cells, 0 outside.
        lat: float64 ``[rows]``: cell-centre latitudes, degrees north, ascending.
        lon: float64 ``[cols]``: cell-centre longitudes, degrees east, ascending.
        cell_km2: float64 ``[rows, cols]``: cell area on the sphere, km² (also outside cells).
        country: int8 ``[rows, cols]``: 0 Mali, 1 Burkina Faso, 2 Niger, -1 outside the
            modelled area.
        population_2009: Census population of each region (persons), a tuple aligned with
            :data:`REGION_IDS`. The nine Mali regions are from the 2009 census (RGPH);
            the regions outside Mali have no 2009 census and carry their own census figure
            (Hauts-Bassins and Sahel: Burkina Faso 2006; Tillabéri: Niger 2012; second-hand):
            see ``population_year`` and PROVENANCE.md.
        population_year: Census year of each entry of ``population_2009``.
        official_km2: Official area of each region, km², aligned with :data:`REGION_IDS`.
        resolution_deg: Cell size in degrees (both directions).
    """

    region: np.ndarray
    weight: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    cell_km2: np.ndarray
    country: np.ndarray
    population_2009: tuple[int, ...]
    population_year: tuple[int, ...]
    official_km2: tuple[float, ...]
    resolution_deg: float

    @property
    def shape(self) -> tuple[int, int]:
        """Grid shape ``(rows, cols)``."""
        return self.region.shape

    def region_index(self, region_id: str) -> int:
        """Index of a region id in :data:`REGION_IDS`.

        Raises:
            KeyError: If ``region_id`` is not one of :data:`REGION_IDS`.
        """
        try:
            return REGION_IDS.index(region_id)
        except ValueError:
            raise KeyError(
                f"unknown region id {region_id!r}; expected one of {REGION_IDS}"
            ) from None

    def cells(self, regions: Sequence[str] | None = None) -> np.ndarray:
        """Flat indices of the land cells of some regions.

        Args:
            regions: Region ids (see :data:`REGION_IDS`). ``None`` means all regions, i.e.
                every cell of the modelled area (Mali and its neighbours' three regions).

        Returns:
            int64 array of flat cell indices (``row * n_cols + col``), sorted ascending.
        """
        flat = self.region.ravel()
        if regions is None:
            mask = flat >= 0
        else:
            if isinstance(regions, str):
                regions = (regions,)
            wanted = np.array([self.region_index(r) for r in regions], dtype=np.int8)
            mask = np.isin(flat, wanted)
        return np.flatnonzero(mask).astype(np.int64)

    def neighbours(self, cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Moore (8-neighbour) adjacency restricted to the given cells, in CSR form.

        Two cells are neighbours if their rows and columns each differ by at most one (and they
        are not the same cell). Only pairs where both cells are in ``cells`` are kept; cells of
        different regions or countries are neighbours too (the border scenarios need this).

        Args:
            cells: Unique flat cell indices, any order.

        Returns:
            ``(offsets, targets)``, both int64. The neighbours of ``cells[i]`` are
            ``cells[targets[offsets[i]:offsets[i + 1]]]``: ``targets`` are positions into
            ``cells``, sorted ascending within each row. ``offsets`` has ``len(cells) + 1``
            entries. The relation is symmetric and has no self-loops.

        Raises:
            ValueError: If ``cells`` has duplicates or indices outside the grid.
        """
        cells = np.asarray(cells, dtype=np.int64).ravel()
        n_rows, n_cols = self.shape
        if cells.size and (cells.min() < 0 or cells.max() >= n_rows * n_cols):
            raise ValueError("cell index outside the grid")
        position = np.full(n_rows * n_cols, -1, dtype=np.int64)
        position[cells] = np.arange(cells.size, dtype=np.int64)
        if np.count_nonzero(position >= 0) != cells.size:
            raise ValueError("cells must be unique")
        row, col = np.divmod(cells, n_cols)
        sources, targets = [], []
        for d_row, d_col in _MOORE:
            r, c = row + d_row, col + d_col
            inside = (r >= 0) & (r < n_rows) & (c >= 0) & (c < n_cols)
            src = np.flatnonzero(inside)
            tgt = position[r[inside] * n_cols + c[inside]]
            keep = tgt >= 0
            sources.append(src[keep])
            targets.append(tgt[keep])
        src = np.concatenate(sources)
        tgt = np.concatenate(targets)
        order = np.lexsort((tgt, src))
        src, tgt = src[order], tgt[order]
        offsets = np.zeros(cells.size + 1, dtype=np.int64)
        np.cumsum(np.bincount(src, minlength=cells.size), out=offsets[1:])
        return offsets, tgt.astype(np.int64)

    def latlon(self, cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Cell-centre latitude and longitude (degrees) of flat cell indices."""
        row, col = np.divmod(np.asarray(cells, dtype=np.int64), self.shape[1])
        return self.lat[row], self.lon[col]

    def distance_km(self, cells_a: np.ndarray, cells_b: np.ndarray | None = None) -> np.ndarray:
        """Great-circle distances between cell centres, km (haversine, spherical Earth).

        Memory is ``len(cells_a) * len(cells_b) * 8`` bytes: about 23 MB for all of Mali
        against itself, so pass subsets when that is too much.

        Args:
            cells_a: Flat cell indices.
            cells_b: Flat cell indices; ``cells_a`` if omitted.

        Returns:
            float64 ``[len(cells_a), len(cells_b)]`` matrix of distances, km.
        """
        lat_a, lon_a = (np.deg2rad(x) for x in self.latlon(cells_a))
        if cells_b is None:
            lat_b, lon_b = lat_a, lon_a
        else:
            lat_b, lon_b = (np.deg2rad(x) for x in self.latlon(cells_b))
        return haversine_km(lat_a[:, None], lon_a[:, None], lat_b[None, :], lon_b[None, :])

    def region_area_km2(self) -> np.ndarray:
        """Area of each region on the raster, km², aligned with :data:`REGION_IDS`."""
        flat = self.region.ravel()
        inside = flat >= 0
        return np.bincount(
            flat[inside], weights=self.cell_km2.ravel()[inside], minlength=len(REGION_IDS)
        )


def haversine_km(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray):
    """Great-circle distance on a sphere of radius :data:`EARTH_RADIUS_KM`.

    Args:
        lat1: Latitudes of the first points, radians (broadcastable).
        lon1: Longitudes of the first points, radians.
        lat2: Latitudes of the second points, radians.
        lon2: Longitudes of the second points, radians.

    Returns:
        Distances, km, with the broadcast shape of the inputs.
    """
    h = (
        np.sin((lat2 - lat1) / 2.0) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2.0) ** 2
    )
    return 2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def cell_area_km2(lat: np.ndarray, resolution_deg: float) -> np.ndarray:
    """Area of a ``resolution_deg`` square cell centred at latitude ``lat``, km².

    The exact spherical formula ``R² · Δλ · (sin φ_north − sin φ_south)``, i.e. the integral
    of ``R² cos φ dφ dλ`` over the cell.

    Args:
        lat: Cell-centre latitudes, degrees.
        resolution_deg: Cell size, degrees.
    """
    half = np.deg2rad(resolution_deg) / 2.0
    phi = np.deg2rad(np.asarray(lat, dtype=np.float64))
    return EARTH_RADIUS_KM**2 * 2.0 * half * (np.sin(phi + half) - np.sin(phi - half))


def _read_only(array: np.ndarray) -> np.ndarray:
    array.setflags(write=False)
    return array


@functools.cache
def load_raster(path: str | Path | None = None) -> Raster:
    """Load the committed raster (cached: every call with the same path returns one object).

    Args:
        path: An ``.npz`` written by :mod:`peacesim.geography.build_raster`; the committed
            ``mali_raster.npz`` next to this module if omitted.

    Returns:
        The :class:`Raster`, with read-only arrays.

    Raises:
        ValueError: If the file's region ids differ from :data:`REGION_IDS`.
    """
    with np.load(RASTER_FILE if path is None else Path(path), allow_pickle=False) as data:
        ids = tuple(str(x) for x in data["region_ids"])
        if ids != REGION_IDS:
            raise ValueError(f"raster region ids {ids} differ from REGION_IDS {REGION_IDS}")
        return Raster(
            region=_read_only(data["region"].astype(np.int8, copy=False)),
            weight=_read_only(data["weight"].astype(np.float64, copy=False)),
            lat=_read_only(data["lat"].astype(np.float64, copy=False)),
            lon=_read_only(data["lon"].astype(np.float64, copy=False)),
            cell_km2=_read_only(data["cell_km2"].astype(np.float64, copy=False)),
            country=_read_only(data["country"].astype(np.int8, copy=False)),
            population_2009=tuple(int(x) for x in data["population"]),
            population_year=tuple(int(x) for x in data["population_year"]),
            official_km2=tuple(float(x) for x in data["official_km2"]),
            resolution_deg=float(data["resolution_deg"]),
        )
