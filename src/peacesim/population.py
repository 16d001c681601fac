"""The community members: one row each in preallocated typed columns.

Rows are sorted by cell and never move between cells, so ``offsets[c]:offsets[c + 1]`` are
the rows of cell ``c``. Kernels loop over cells in parallel and over a cell's rows in order,
which keeps every per-cell sum deterministic for any thread count.

Columns are added by the mechanisms that own them (:meth:`Population.add`); the few that
every mechanism reads are created here.
"""

from __future__ import annotations

import numpy as np

from peacesim.dtypes import COUNT, FLAG, INDEX

# Bits of the ``traits`` column (fixed at birth).
YOUTH = np.uint8(1)  # aged 15-34
FEMALE = np.uint8(2)
HERDER = np.uint8(4)  # herding community (else farming)


def apportion(total: int, weights: np.ndarray) -> np.ndarray:
    """Split ``total`` rows over cells in proportion to ``weights`` (largest remainder).

    Deterministic: ties go to the lower cell index.

    Args:
        total: Number of rows to place.
        weights: Non-negative weights per cell (need not sum to 1).

    Returns:
        int64 counts per cell summing to ``total``.
    """
    w = np.asarray(weights, dtype=np.float64)
    quota = total * w / w.sum()
    counts = np.floor(quota).astype(np.int64)
    short = total - int(counts.sum())
    if short > 0:
        order = np.lexsort((np.arange(len(w)), -(quota - counts)))
        counts[order[:short]] += 1
    return counts


class Table:
    """Named columns of equal length; mechanisms add the columns they own.

    Used for the community members, the cells, the security units and the armed groups.
    """

    def __init__(self, size: int, label: str, owner: str = "model"):
        self.size = int(size)
        self.label = label
        self.owner_name = owner
        self.columns: dict[str, np.ndarray] = {}
        self.owners: dict[str, str] = {}

    def add(self, name: str, dtype, fill=0, owner: str | None = None) -> np.ndarray:
        """Allocate a column.

        Args:
            name: Column name.
            dtype: NumPy dtype.
            fill: Starting value.
            owner: Name of the mechanism that owns it (default: the table's owner).

        Raises:
            ValueError: If a column of that name exists already (naming both owners).
        """
        owner = owner or self.owner_name
        if name in self.columns:
            raise ValueError(f"{self.label} column {name!r} of {owner} exists already "
                             f"(owned by {self.owners[name]})")
        column = np.full(self.size, fill, dtype=dtype)
        self.columns[name] = column
        self.owners[name] = owner
        return column

    def owner(self, name: str) -> str:
        """Name of the mechanism (or ``model``) that owns column ``name``."""
        return self.owners[name]

    def __getitem__(self, name: str) -> np.ndarray:
        return self.columns[name]

    def __setitem__(self, name: str, values) -> None:
        # Writes into the existing column (so ``table["x"] += 1`` works); never adds one.
        column = self.columns[name]
        if values is not column:
            column[...] = values

    def __contains__(self, name: str) -> bool:
        return name in self.columns

    @property
    def nbytes(self) -> int:
        """Bytes held by all columns."""
        return sum(c.nbytes for c in self.columns.values())

    def state(self) -> dict[str, np.ndarray]:
        """Copies of the columns, for checkpoints."""
        return {name: column.copy() for name, column in self.columns.items()}

    def load_state(self, state: dict[str, np.ndarray]) -> None:
        """Overwrite the columns in place from a checkpoint."""
        for name, column in self.columns.items():
            column[...] = state[name]


class Population(Table):
    """Columns of community members.

    Attributes:
        size: Number of rows.
        cell: Cell of each row (int32).
        offsets: CSR boundaries of the cells' rows (int64 [n_cells + 1]).
        columns: All columns by name (including ``cell`` and ``traits``).
    """

    def __init__(self, counts: np.ndarray):
        counts = np.asarray(counts, dtype=COUNT)
        super().__init__(int(counts.sum()), "people")
        self.counts = counts
        self.offsets = np.zeros(len(counts) + 1, dtype=COUNT)
        np.cumsum(counts, out=self.offsets[1:])
        self.cell = self.add("cell", INDEX)
        self.cell[:] = np.repeat(np.arange(len(counts), dtype=INDEX), counts)
        self.traits = self.add("traits", FLAG)

    def has(self, bit: np.uint8) -> np.ndarray:
        """Boolean mask of rows whose traits include ``bit``."""
        return (self.traits & bit) != 0

    @property
    def nbytes(self) -> int:
        """Bytes held by all columns and the cell offsets."""
        return super().nbytes + self.offsets.nbytes


# Bits of the ``status`` column (change during the run).
EMPLOYED = np.uint8(1)  # set by the employment mechanism
SYMPATHISER = np.uint8(2)  # supports an armed group; set by the grievance mechanism


#: Members drawn per block by :func:`beta_by_cell` (2**16: about 2 MB of temporaries).
DRAW_BLOCK = 1 << 16


def beta_by_cell(rng: np.random.Generator, level: np.ndarray, cell: np.ndarray,
                 concentration: float, out: np.ndarray, lo: float = 1e-3,
                 hi: float = 1 - 1e-3) -> None:
    """Draw each member's value from a Beta around its cell's level, block by block.

    Member ``i`` gets ``Beta(m kappa, (1 - m) kappa)`` with ``m = clip(level[cell[i]], lo,
    hi)`` and ``kappa = concentration``, the same draws, in the same order, as one call of
    ``rng.beta`` over all members, but with temporaries of :data:`DRAW_BLOCK` members rather
    than four float64 arrays of the whole population (32 bytes a member at the build's peak).

    Args:
        rng: The caller's set-up generator.
        level: float64 [n_cells], the mean per cell.
        cell: int [n_members], each member's cell.
        concentration: Beta concentration (1 / spread).
        out: [n_members], written (cast to its dtype).
        lo, hi: Bounds of the mean (a Beta needs both parameters > 0).
    """
    for start in range(0, len(cell), DRAW_BLOCK):
        stop = min(start + DRAW_BLOCK, len(cell))
        mean = np.clip(level[cell[start:stop]], lo, hi)
        out[start:stop] = rng.beta(mean * concentration, (1 - mean) * concentration)
