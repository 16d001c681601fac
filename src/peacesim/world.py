"""The model's world: the cells of the chosen regions, their neighbours and attributes.

The raster (:mod:`peacesim.geography`) covers Mali's nine regions, Burkina Faso's
Hauts-Bassins and Sahel, and Niger's Tillabéri. A scenario picks the regions it simulates
(``geography.regions``); the world holds those cells as flat arrays, so the rest of the
model never sees the raster's shape.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np

from peacesim.config.fields import bounded, listing
from peacesim.dtypes import ACC, INDEX
from peacesim.geography import REGION_IDS, REGION_NAMES, load_raster
from peacesim.kernels.cells import neighbour_sum as _neighbour_sum
from peacesim.kernels.cells import region_sum as _region_sum
from peacesim.kernels.recording import add_by_cell_region as _add_by_cell_region
from peacesim.kernels.recording import region_sums4 as _region_sums4
from peacesim.population import apportion

MALI_REGIONS = ("kayes", "koulikoro", "sikasso", "segou", "mopti", "tombouctou", "gao",
                "kidal", "bamako")


@dataclass
class GeographyParams:
    """Which part of the raster the model simulates.

    Attributes:
        regions: Region ids to simulate (default: Mali's nine pre-2016 regions). Add
            ``hauts_bassins`` (Burkina Faso, by Sikasso), ``sahel_bf`` (Burkina Faso) or
            ``tillaberi`` (Niger) for cross-border scenarios: the last two with Mopti and Gao
            make the Liptako-Gourma tri-border area.
        adult_share: Share of the population aged 15 and over, whom community members
            represent: 1 - 0.472 (RGPH5 2022: 47.2 % under 15). Plausible 0.5-0.56.
        bamako_cells: Cells the Bamako district is split into. The raster has one cell for
            it (754 km2; the district is 252 km2) holding 12 % of Mali's adults; the district
            has six communes (Commune I to VI), so it is simulated as 6 sub-cells of that
            raster cell, each with a sixth of its people (the communes' populations are not
            in our sources: equal shares assumed). Sub-cells neighbour each other and every
            neighbour of the raster cell; maps show their mean. 1 = one cell.
    """

    regions: list[str] = listing(list(MALI_REGIONS))
    adult_share: float = bounded(0.528, 0.0, 1.0, lo_open=True,  # 0: nobody to simulate
                                 plausible=(0.5, 0.56),
                                 source="RGPH5 2022 (47.2 % under 15); range assumed")
    bamako_cells: int = bounded(6, 1, 64)

    def check(self) -> None:
        """At least one region, each once."""
        if not self.regions:
            raise ValueError("geography.regions is empty: name at least one region")
        repeated = sorted({r for r in self.regions if self.regions.count(r) > 1})
        if repeated:
            raise ValueError(f"geography.regions names {repeated[0]!r} more than once")


@dataclass
class World:
    """Flat arrays over the simulated cells.

    Attributes:
        raster_index: Flat raster index of each cell (int64 [n_cells]).
        region: Index of each cell's region into ``region_ids`` (int32 [n_cells]).
        region_ids: Ids of the simulated regions, in raster order.
        region_names: Display names, aligned with ``region_ids``.
        weight: Share of the simulated population living in each cell (float64, sums to 1).
        people: Adults represented by each cell (float64 [n_cells]), people.
        nbr_offsets, nbr_targets: Moore neighbours of each cell (CSR over cell positions).
        country: 0 Mali, 1 Burkina Faso, 2 Niger, per cell.
        border: True for cells with a neighbour in the other country.
        lat, lon: Cell-centre coordinates, degrees.
        shape: Raster shape (rows, cols).
        cell_row, cell_col: Raster row and column of each cell (int64).
        cell_at: Cell position of each flat raster index, -1 outside the world (int64).
        cross_source, cross_target: Neighbour links that cross an international border, as
            (cell, neighbour in the other country) pairs (int64).
        n_sub: Simulated cells sharing each cell's raster cell (1, or
            ``geography.bamako_cells`` for Bamako's sub-cells), which are consecutive
            positions starting at ``cell_at`` of their raster cell (int64 [n_cells]).
        region_people: Adults per region, the sum of ``people`` over its cells (float64).
        derived: Maps that mechanisms compute from the world alone, kept by key so that the
            runs of a process sharing this world compute each once (the armed groups'
            opportunity map).
    """

    raster_index: np.ndarray
    region: np.ndarray
    region_ids: tuple[str, ...]
    region_names: tuple[str, ...]
    weight: np.ndarray
    people: np.ndarray
    nbr_offsets: np.ndarray
    nbr_targets: np.ndarray
    country: np.ndarray
    border: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    shape: tuple[int, int]
    cell_row: np.ndarray
    cell_col: np.ndarray
    cell_at: np.ndarray
    cross_source: np.ndarray
    cross_target: np.ndarray
    n_sub: np.ndarray = None
    _region_cells: dict = field(default_factory=dict, repr=False)
    _region_masks: dict = field(default_factory=dict, repr=False)
    _by_region: np.ndarray = field(init=False, repr=False)
    _region_starts: np.ndarray = field(init=False, repr=False)
    _cell_shape: tuple = field(init=False, repr=False)
    region_people: np.ndarray = field(init=False, repr=False)
    derived: dict = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        # The cells region by region (each region's in index order), for the region_sum kernel.
        self._by_region = np.argsort(self.region, kind="stable").astype(np.int64)
        self._region_starts = np.searchsorted(self.region[self._by_region],
                                              np.arange(len(self.region_ids) + 1)).astype(np.int64)
        if self.n_sub is None:
            self.n_sub = np.ones(len(self.raster_index), dtype=np.int64)
        self._cell_shape = (len(self.raster_index),)
        self.region_people = self.region_sum(self.people)

    @property
    def n_cells(self) -> int:
        """Number of simulated cells."""
        return len(self.raster_index)

    @property
    def n_regions(self) -> int:
        """Number of simulated regions."""
        return len(self.region_ids)

    @property
    def cells_by_region(self) -> np.ndarray:
        """The cells region by region, each region's in index order (int64 [n_cells]).

        Region ``r``'s cells are ``cells_by_region[region_starts[r]:region_starts[r + 1]]``:
        summing them in this order gives the bits of :meth:`region_sum` (for the record
        kernels of :mod:`peacesim.kernels.recording`).
        """
        return self._by_region

    @property
    def region_starts(self) -> np.ndarray:
        """Where each region's cells start in :attr:`cells_by_region` (int64 [n_regions + 1])."""
        return self._region_starts

    @classmethod
    def build(cls, geography: GeographyParams) -> World:
        """Cut the simulated regions out of the committed raster.

        A world is fixed for a run and shared by the runs of one process that simulate the
        same geography (an ensemble's worker builds hundreds of models): it is built once
        per (regions, adult share, Bamako cells), at most 8 kept, with read-only arrays.

        Raises:
            ValueError: If a region id is unknown or repeated.
        """
        return _shared_world(cls, tuple(geography.regions), float(geography.adult_share),
                             int(geography.bamako_cells))

    @classmethod
    def _build(cls, geography: GeographyParams) -> World:
        raster = load_raster()
        wanted = list(geography.regions)
        unknown = [r for r in wanted if r not in REGION_IDS]
        if unknown:
            raise ValueError(
                f"geography.regions: unknown region {unknown[0]!r}; allowed: "
                f"{', '.join(REGION_IDS)}"
            )
        if len(set(wanted)) != len(wanted) or not wanted:
            raise ValueError("geography.regions must list at least one region, each once")
        order = [r for r in REGION_IDS if r in wanted]  # raster order, whatever the config order
        cells = np.asarray(raster.cells(order), dtype=np.int64)
        # Cells in a fixed pseudo-random order (a hash of the raster index, not of the seed):
        # kernels split the cells into one contiguous block per thread, and in raster order
        # the southern half of Mali, with nearly all the people, would fall to one thread.
        with np.errstate(over="ignore"):
            scrambled = (cells.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(17)
        cells = cells[np.argsort(scrambled, kind="stable")]
        flat_region = raster.region.ravel()[cells].astype(np.int64)
        lookup = {REGION_IDS.index(r): i for i, r in enumerate(order)}
        region = np.array([lookup[int(r)] for r in flat_region], dtype=INDEX)
        population = _region_population(raster)
        within = raster.weight.ravel()[cells].astype(ACC)
        totals = np.array([population[r] for r in order], dtype=ACC)
        people = totals[region] * within * geography.adult_share
        offsets, targets = raster.neighbours(cells)
        n_sub = np.ones(len(cells), dtype=np.int64)
        if "bamako" in order and geography.bamako_cells > 1:
            cells, region, people, offsets, targets, n_sub = _split_cell(
                int(np.flatnonzero(region == order.index("bamako"))[0]),
                geography.bamako_cells, cells, region, people, offsets, targets)
        weight = people / people.sum()
        country = raster.country.ravel()[cells].astype(INDEX)
        source = np.repeat(np.arange(len(cells)), np.diff(offsets))
        across = country[source] != country[targets]
        border = np.zeros(len(cells), dtype=bool)
        border[source[across]] = True
        rows, cols = raster.region.shape
        cell_at = np.full(rows * cols, -1, dtype=np.int64)
        cell_at[cells[::-1]] = np.arange(len(cells))[::-1]  # a split cell: its first sub-cell
        return cls(
            raster_index=cells,
            region=region,
            region_ids=tuple(order),
            region_names=tuple(REGION_NAMES[REGION_IDS.index(r)] for r in order),
            weight=weight,
            people=people,
            nbr_offsets=np.asarray(offsets, dtype=np.int64),
            nbr_targets=np.asarray(targets, dtype=np.int64),
            country=country,
            border=border,
            lat=np.asarray(raster.lat)[cells // cols],
            lon=np.asarray(raster.lon)[cells % cols],
            shape=(rows, cols),
            cell_row=cells // cols,
            cell_col=cells % cols,
            cell_at=cell_at,
            cross_source=source[across].astype(np.int64),
            cross_target=np.asarray(targets, dtype=np.int64)[across],
            n_sub=n_sub,
        )

    def region_cells(self, region_id: str) -> np.ndarray:
        """Positions of the cells of one simulated region."""
        if region_id not in self._region_cells:
            k = self.region_ids.index(region_id)
            self._region_cells[region_id] = np.flatnonzero(self.region == k)
        return self._region_cells[region_id]

    def region_mask(self, region_ids) -> np.ndarray:
        """Boolean mask of the cells in the given region ids (empty = all cells).

        Region ids outside the simulated set are ignored (a programme may name regions that a
        focused scenario does not simulate). The mask is computed once per list of regions and
        is read-only.
        """
        key = tuple(region_ids)
        mask = self._region_masks.get(key)
        if mask is None:
            if not key:
                mask = np.ones(self.n_cells, dtype=bool)
            else:
                wanted = [self.region_ids.index(r) for r in key if r in self.region_ids]
                mask = np.isin(self.region, wanted)
            mask.setflags(write=False)
            self._region_masks[key] = mask
        return mask

    def programme_mask(self, programme, t: int) -> np.ndarray:
        """Cells where ``programme`` (start, end, regions) acts at step ``t``."""
        if t < programme.start or (programme.end >= 0 and t >= programme.end):
            return np.zeros(self.n_cells, dtype=bool)
        return self.region_mask(programme.regions)

    def per_cell(self, regions: dict, attribute: str) -> np.ndarray:
        """A region attribute broadcast to cells (float64 [n_cells])."""
        values = np.array([getattr(regions[r], attribute) for r in self.region_ids], dtype=ACC)
        return values[self.region]

    def neighbour_sum(self, values: np.ndarray) -> np.ndarray:
        """Sum of ``values`` over each cell's neighbours (excluding the cell), float64.

        Any numeric or boolean dtype, added as float64 (as :meth:`region_sum`).
        """
        if type(values) is not np.ndarray or values.dtype.kind not in "biuf":
            values = np.asarray(values, dtype=ACC)
        out = np.empty(self.n_cells, dtype=ACC)
        _neighbour_sum(self.nbr_offsets, self.nbr_targets, values, out)
        return out

    def region_sum(self, values: np.ndarray) -> np.ndarray:
        """Sum of per-cell ``values`` within each region, float64 [n_regions].

        ``values`` may be of any numeric or boolean dtype: the kernel adds each value as a
        float64, which gives the bits of ``values.astype(float64)`` summed, without the copy.
        Several arrays are summed faster in one call of :meth:`region_sums`.
        """
        if type(values) is not np.ndarray or values.dtype.kind not in "biuf":
            values = np.asarray(values, dtype=ACC)
        if values.shape != (self.n_cells,):
            raise ValueError(f"region_sum needs one value per cell ({self.n_cells}), "
                             f"got shape {values.shape}")
        out = np.empty(self.n_regions, dtype=ACC)
        _region_sum(self._by_region, self._region_starts, values, out)
        return out

    def region_sums(self, *values: np.ndarray, weight: np.ndarray | None = None) -> np.ndarray:
        """Regional sums of several per-cell arrays at once, float64 [len(values), n_regions].

        Row ``k`` has the bits of ``region_sum(values[k])`` (or of
        ``region_sum(values[k] * weight)`` with a weight, such as :attr:`people`), but the
        arrays are summed four to a compiled call, side by side, and no product is
        allocated: the record phase takes its regional sums this way.

        Args:
            values: Per-cell arrays of any numeric or boolean dtype.
            weight: float64 [n_cells] multiplying every value before it is added; None for
                plain sums.

        Raises:
            ValueError: An array does not have one value per cell.
        """
        shape = self._cell_shape
        for v in values:
            if type(v) is not np.ndarray or v.shape != shape:
                raise ValueError(f"region_sums needs arrays of one value per cell "
                                 f"({shape[0]}), got {np.shape(v)}")
        if weight is not None and (weight.dtype != ACC or weight.shape != shape):
            raise ValueError(f"region_sums needs a float64 weight per cell ({shape[0]})")
        n = len(values)
        out = np.empty((n, len(self._region_starts) - 1), dtype=ACC)
        for k in range(0, n, 4):
            chunk = values[k:k + 4]
            m = len(chunk)
            if m < 4:
                chunk += (chunk[0],) * (4 - m)  # not read: the kernel sums m of them
            _region_sums4(self._by_region, self._region_starts, m, *chunk, weight,
                          out if n <= 4 else out[k:k + m])
        return out

    def actors_region_sum(self, cell: np.ndarray, values: np.ndarray) -> np.ndarray:
        """Sum of actors' ``values`` within the region of each actor's cell, float64 [n_regions].

        The bits of ``np.add.at(zeros, region[cell], values)``: actors are added in their
        order, as float64.

        Args:
            cell: int [n_actors], each actor's cell (armed groups, women's groups...).
            values: [n_actors], any numeric or boolean dtype.
        """
        out = np.zeros(self.n_regions, dtype=ACC)
        _add_by_cell_region(cell, self.region, values, out)
        return out

    def place(self, row_region: np.ndarray, weights: np.ndarray,
              rng: np.random.Generator) -> np.ndarray:
        """Draw a cell for each actor inside its own region, in proportion to ``weights``.

        Args:
            row_region: Region index of each actor (int).
            weights: Non-negative weight of each cell (e.g. its people).
            rng: The generator of the caller's set-up stream.

        Returns:
            int64 cell positions, one per actor.
        """
        cell = np.zeros(len(row_region), dtype=np.int64)
        for r in range(self.n_regions):
            rows = np.flatnonzero(row_region == r)
            cells = np.flatnonzero(self.region == r)
            if len(rows):
                w = weights[cells] / weights[cells].sum()
                cell[rows] = rng.choice(cells, size=len(rows), p=w)
        return cell

    def to_raster(self, values: np.ndarray, fill: float = np.nan) -> np.ndarray:
        """Place per-cell values back on the raster grid (for maps); sub-cells: their mean."""
        grid = np.full(self.shape[0] * self.shape[1], fill, dtype=ACC)
        values = np.asarray(values, dtype=ACC)
        grid[self.raster_index] = values
        split = self.n_sub > 1
        if split.any():
            total = np.zeros_like(grid)
            np.add.at(total, self.raster_index[split], values[split])
            where = np.unique(self.raster_index[split])
            grid[where] = total[where] / np.bincount(self.raster_index[split])[where]
        return grid.reshape(self.shape)


@dataclass(frozen=True)
class RegionFacts:
    """What the raster says about one region, whether it is simulated or not.

    Attributes:
        cells: Raster cells of the region.
        km2: Area of those cells, km2.
        people: Adults the region's cells represent (census population x adult share).
    """

    cells: int
    km2: float
    people: float


def region_facts(adult_share: float) -> dict[str, RegionFacts]:
    """Cells, area and adults of every region of the raster, by region id.

    The national set-up (armed groups, forces) is shared out with these figures, so that a
    sub-national scenario gives each of its regions what the national run gives it.
    """
    raster = load_raster()
    population = _region_population(raster)
    flat = raster.region.ravel()
    km2 = raster.cell_km2.ravel()
    out = {}
    for k, rid in enumerate(REGION_IDS):
        mask = flat == k
        out[rid] = RegionFacts(int(mask.sum()), float(km2[mask].sum()),
                               population[rid] * adult_share)
    return out


def nested_counts(total: int, weights: dict[str, float], simulated,
                  abroad: bool = True) -> np.ndarray:
    """Share ``total`` actors out over Mali's nine regions; return the simulated regions' counts.

    The national split is made over :data:`MALI_REGIONS` whatever the scenario simulates, so
    a region gets the same number in a sub-national scenario as in the national run. A
    simulated region outside Mali (Hauts-Bassins, Sahel, Tillabéri) gets
    ``round(total x its weight / Mali's total weight)`` if ``abroad``, as if it were one more
    region of the same country, else 0.

    Args:
        total: Actors in the national set-up.
        weights: Non-negative weight of every region id (at least Mali's nine).
        simulated: Region ids of the world, in its order.
        abroad: Give regions outside Mali their share too.

    Returns:
        int64 counts aligned with ``simulated``.
    """
    national = np.array([weights[r] for r in MALI_REGIONS], dtype=ACC)
    whole = national.sum()
    split = apportion(total, national) if total and whole > 0 else \
        np.zeros(len(MALI_REGIONS), dtype=np.int64)
    out = []
    for r in simulated:
        if r in MALI_REGIONS:
            out.append(int(split[MALI_REGIONS.index(r)]))
        else:
            out.append(int(round(total * weights[r] / whole)) if whole > 0 and abroad else 0)
    return np.array(out, dtype=np.int64)


def _split_cell(pos, k, cells, region, people, offsets, targets):
    """Split the cell at position ``pos`` into ``k`` consecutive sub-cells.

    The sub-cells (positions ``pos .. pos + k - 1``) each get 1/k of its people; they
    neighbour each other and every neighbour of the cell. Returns the new cells, region,
    people, CSR neighbours and ``n_sub``.
    """
    n = len(cells)
    # New position of each old position: cells after ``pos`` shift by k - 1.
    shift = np.arange(n) + np.where(np.arange(n) > pos, k - 1, 0)
    subs = list(range(pos, pos + k))
    lists = []
    for i in range(n):
        nb = [int(shift[j]) for j in targets[offsets[i]:offsets[i + 1]]]
        if i == pos:
            base = nb
            continue
        if pos in targets[offsets[i]:offsets[i + 1]]:
            nb = [j for j in nb if j != pos] + subs
        lists.append((int(shift[i]), sorted(nb)))
    for s in subs:
        lists.append((s, sorted(base + [t for t in subs if t != s])))
    lists.sort()
    new_offsets = np.zeros(n + k, dtype=np.int64)
    np.cumsum([len(nb) for _, nb in lists], out=new_offsets[1:])
    new_targets = np.array([j for _, nb in lists for j in nb], dtype=np.int64)
    def spread(a, value=None):
        return np.concatenate([a[:pos], np.repeat(a[pos:pos + 1] if value is None else
                                                  np.array([value], dtype=a.dtype), k),
                               a[pos + 1:]])
    n_sub = np.ones(n + k - 1, dtype=np.int64)
    n_sub[pos:pos + k] = k
    return (spread(cells), spread(region), spread(people, people[pos] / k), new_offsets,
            new_targets, n_sub)


def _region_population(raster) -> dict[int, float]:
    """Population per region id, whatever container the raster uses."""
    pop = raster.population_2009
    if isinstance(pop, dict):
        return {rid if isinstance(rid, str) else REGION_IDS[rid]: float(v)
                for rid, v in pop.items()}
    return {rid: float(v) for rid, v in zip(REGION_IDS, pop, strict=True)}


@functools.lru_cache(maxsize=8)
def _shared_world(cls, regions: tuple, adult_share: float, bamako_cells: int) -> World:
    """The world of one geography, built once per process, its arrays read-only."""
    world = cls._build(GeographyParams(regions=list(regions), adult_share=adult_share,
                                       bamako_cells=bamako_cells))
    for value in vars(world).values():
        if isinstance(value, np.ndarray):
            value.setflags(write=False)
    return world
