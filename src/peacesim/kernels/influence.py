"""Social-influence kernels of the trust core: bounded-confidence opinion dynamics.

Opinions are rows of a float32 column (:data:`peacesim.dtypes.REAL`), typically in [0, 1]
(trust of a community member in the security forces, say). Every kernel here is a cached
Numba function over flat arrays and numbers, with a plain NumPy/Python twin (suffix
``_numpy``) that the tests compare against bit for bit.

Models:

* **Deffuant** (Deffuant, Neau, Amblard & Weisbuch 2000, "Mixing beliefs among interacting
  agents", Advances in Complex Systems 3: 87-98): a random pair (i, j) meets; if
  ``|x_i - x_j| < eps`` both move toward each other, ``x_i += mu (x_j - x_i)`` and
  ``x_j += mu (x_i - x_j)``. On a complete graph the number of final clusters is about
  ``floor(1 / (2 eps))`` and there is consensus for ``eps > 1/2``.
* **Hegselmann-Krause** (Hegselmann & Krause 2002, "Opinion dynamics and bounded confidence:
  models, analysis and simulation", JASSS 5(3) 2): synchronously, each ``x_i`` becomes the mean
  of all ``x_j`` with ``|x_i - x_j| <= eps`` (itself included). Consensus on the complete graph
  for ``eps`` above about 0.2-0.25.

Arithmetic: every update is computed in float64 from the float32 values and rounded once to
the dtype of the opinion column, so kernel and twin agree bit for bit, opinions never leave
the interval spanned by the two opinions that met, and the pair sum (hence the group mean) is
conserved up to that one rounding.

Randomness: pair draws are counter-based (:mod:`peacesim.random`), keyed by
``(key, step, group, draw)`` with ``draw = 2k`` and ``2k + 1`` for the k-th encounter of the
group. No draw depends on visiting order, so the parallel kernels give bit-identical results
for any thread count (``NUMBA_NUM_THREADS``). Use a separate stream key per use (say
``streams["trust.influence.cell"]`` and ``streams["dialogue.influence"]``): groups of two
different calls with the same key and step would draw the same pairs.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from peacesim.kernels.dispatch import cell_kernel
from peacesim.random import below, uniform_numpy

__all__ = [
    "deffuant_in_groups",
    "deffuant_in_groups_numpy",
    "deffuant_members",
    "deffuant_members_sequential",
    "deffuant_members_parallel",
    "deffuant_members_numpy",
    "members_disjoint",
    "hegselmann_krause_step",
    "hegselmann_krause_step_numpy",
    "pull_toward_neighbour_mean",
    "pull_toward_neighbour_mean_numpy",
]


# --------------------------------------------------------------------------------------------
# Deffuant: one group's sequence of encounters (shared by the kernels below)
# --------------------------------------------------------------------------------------------


@njit(cache=True)
def _deffuant_pair(opinion, ri, rj, eps, mu):
    """Let rows ri and rj meet; return 1 if either opinion changed, else 0 (Numba)."""
    xi = np.float64(opinion[ri])
    xj = np.float64(opinion[rj])
    d = xj - xi
    if abs(d) < eps:
        opinion[ri] = xi + mu * d
        opinion[rj] = xj - mu * d
        if np.float64(opinion[ri]) != xi or np.float64(opinion[rj]) != xj:
            return 1
    return 0


@njit(cache=True)
def _deffuant_range(opinion, start, size, n_pairs, eps, mu, key, step, group):
    """Run ``n_pairs`` encounters among rows ``start .. start + size - 1`` (Numba)."""
    changed = 0
    if size < 2:
        return changed
    for k in range(n_pairs):
        a = below(key, step, group, 2 * k, size)
        b = below(key, step, group, 2 * k + 1, size - 1)
        if b >= a:
            b += 1
        changed += _deffuant_pair(opinion, start + a, start + b, eps, mu)
    return changed


@njit(cache=True)
def _deffuant_encounters(opinion, start, size, n_pairs, eps, mu, key, step, group):
    """:func:`_deffuant_range` without counting the encounters that changed something.

    Same draws, same updates, same bits. Each encounter writes both opinions back, the
    loaded values themselves where the pair is too far apart (a copy of the same bits), so
    the loop has no branch on the opinions: which pairs are close is random, and the
    mispredicted branches were most of an encounter's time (Numba).
    """
    if size < 2:
        return
    for k in range(n_pairs):
        a = below(key, step, group, 2 * k, size)
        b = below(key, step, group, 2 * k + 1, size - 1)
        b += 1 if b >= a else 0
        ri = start + a
        rj = start + b
        oi = opinion[ri]
        oj = opinion[rj]
        xi = np.float64(oi)
        xj = np.float64(oj)
        d = xj - xi
        close = abs(d) < eps
        new_i = opinion.dtype.type(xi + mu * d)
        new_j = opinion.dtype.type(xj - mu * d)
        opinion[ri] = new_i if close else oi
        opinion[rj] = new_j if close else oj


@njit(cache=True)
def _deffuant_list(opinion, members, start, size, n_pairs, eps, mu, key, step, group):
    """Run ``n_pairs`` encounters among rows ``members[start : start + size]`` (Numba)."""
    changed = 0
    if size < 2:
        return changed
    for k in range(n_pairs):
        a = below(key, step, group, 2 * k, size)
        b = below(key, step, group, 2 * k + 1, size - 1)
        if b >= a:
            b += 1
        changed += _deffuant_pair(opinion, members[start + a], members[start + b], eps, mu)
    return changed


@njit(cache=True)
def _check_deffuant(eps, mu):
    """Raise ValueError unless eps >= 0 and 0 <= mu <= 0.5 (Numba and Python)."""
    if not eps >= 0.0:
        raise ValueError("deffuant: eps must be >= 0")
    if not (mu >= 0.0 and mu <= 0.5):
        raise ValueError("deffuant: mu must be in [0, 0.5]")


# --------------------------------------------------------------------------------------------
# Deffuant within contiguous groups (cells)
# --------------------------------------------------------------------------------------------


@cell_kernel
def deffuant_in_groups(opinion, offsets, n_pairs, eps, mu, key, step):
    """Deffuant bounded-confidence encounters within contiguous groups, in place.

    Rows are sorted by group; group ``g`` holds rows ``offsets[g] .. offsets[g+1] - 1``. In
    group ``g`` the k-th of its ``n_pairs[g]`` encounters picks ``i`` and ``j != i`` uniformly
    among its members with draws ``(key, step, g, 2k)`` and ``(key, step, g, 2k + 1)``; if
    ``|x_i - x_j| < eps`` then ``x_i += mu (x_j - x_i)`` and ``x_j -= mu (x_j - x_i)``
    (Deffuant et al. 2000, Adv. Complex Syst. 3). Encounters inside a group run in order of
    k; groups run in parallel (``prange``), and the result is bit-identical for any thread
    count. Groups with fewer than 2 members are skipped.

    Args:
        opinion: float32[n_rows] opinions, typically in [0, 1]; updated in place.
        offsets: int64[n_groups + 1] CSR boundaries of the groups (non-decreasing,
            ``offsets[0] == 0``, ``offsets[-1] <= n_rows``).
        n_pairs: int64[n_groups] number of encounters in each group this step (>= 0 and
            < 2**31 so that draw numbers stay below the step bits of the counter).
        eps: Confidence bound (opinion units), >= 0; ``eps = 0`` changes nothing.
        mu: Convergence parameter in [0, 0.5]; 0.5 means the pair meets halfway.
        key: Stream key (uint64), e.g. ``Streams(seed)["trust.influence"]``.
        step: Model step (int >= 0).

    Returns:
        int64: the number of encounters that changed at least one opinion.
    """
    _check_deffuant(eps, mu)
    n_groups = offsets.shape[0] - 1
    changed = np.zeros(n_groups, dtype=np.int64)
    for g in prange(n_groups):
        start = offsets[g]
        changed[g] = _deffuant_range(
            opinion, start, offsets[g + 1] - start, n_pairs[g], eps, mu, key, step, g
        )
    return np.int64(changed.sum())


def _pair_numpy(opinion: np.ndarray, ri: int, rj: int, eps: float, mu: float) -> int:
    xi = float(opinion[ri])
    xj = float(opinion[rj])
    d = xj - xi
    if abs(d) < eps:
        opinion[ri] = xi + mu * d
        opinion[rj] = xj - mu * d
        if float(opinion[ri]) != xi or float(opinion[rj]) != xj:
            return 1
    return 0


def _pairs_numpy(key, step, group: int, n: int, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions (a, b) in a group of ``size`` for its ``n`` encounters (NumPy)."""
    u = uniform_numpy(key, step, group, np.arange(2 * n, dtype=np.int64))
    a = (u[0::2] * size).astype(np.int64)
    b = (u[1::2] * (size - 1)).astype(np.int64)
    b += b >= a
    return a, b


def deffuant_in_groups_numpy(opinion, offsets, n_pairs, eps, mu, key, step) -> int:
    """NumPy twin of :func:`deffuant_in_groups` (same arguments, same in-place result)."""
    _check_deffuant(eps, mu)
    changed = 0
    for g in range(len(offsets) - 1):
        start, size = int(offsets[g]), int(offsets[g + 1] - offsets[g])
        if size < 2 or n_pairs[g] == 0:
            continue
        a, b = _pairs_numpy(key, step, g, int(n_pairs[g]), size)
        for ai, bi in zip((start + a).tolist(), (start + b).tolist(), strict=True):
            changed += _pair_numpy(opinion, ai, bi, eps, mu)
    return changed


# --------------------------------------------------------------------------------------------
# Deffuant within explicit member lists (dialogue sessions)
# --------------------------------------------------------------------------------------------


@njit(cache=True)
def deffuant_members_sequential(opinion, session_offsets, members, n_pairs, eps, mu, key, step):
    """Deffuant encounters within sessions of listed rows, sessions one after another.

    Session ``s`` has participant rows ``members[session_offsets[s] : session_offsets[s+1]]``
    (rows of ``opinion``, in any order, no row twice in one session). Its k-th encounter
    picks positions with draws ``(key, step, s, 2k)`` and ``(key, step, s, 2k + 1)`` in that
    list, then updates as in :func:`deffuant_in_groups`. Sessions are processed in order
    0, 1, ..., so a row that attends several sessions carries the result of the earlier ones
    into the later ones. Safe whatever the overlap between sessions.

    Args:
        opinion: float32[n_rows] opinions; updated in place.
        session_offsets: int64[n_sessions + 1] CSR boundaries into ``members``.
        members: int64[n_members] participant rows, grouped by session.
        n_pairs: int64[n_sessions] encounters in each session this step (>= 0, < 2**31).
        eps: Confidence bound, >= 0.
        mu: Convergence parameter in [0, 0.5].
        key: Stream key (uint64); use a stream distinct from that of the cell groups.
        step: Model step (int >= 0).

    Returns:
        int64: the number of encounters that changed at least one opinion.
    """
    _check_deffuant(eps, mu)
    changed = np.int64(0)
    for s in range(session_offsets.shape[0] - 1):
        start = session_offsets[s]
        changed += _deffuant_list(
            opinion, members, start, session_offsets[s + 1] - start, n_pairs[s], eps, mu,
            key, step, s,
        )
    return changed


@cell_kernel
def deffuant_members_parallel(opinion, session_offsets, members, n_pairs, eps, mu, key, step):
    """Parallel :func:`deffuant_members_sequential`; requires sessions that share no row.

    Same arguments, draws and result as the sequential kernel **when no row appears in two
    sessions** (check with :func:`members_disjoint`); sessions then touch disjoint rows and
    run in parallel (``prange``), bit-identical for any thread count. If sessions share rows
    the result is a data race: undefined. Prefer :func:`deffuant_members`, which checks.
    """
    _check_deffuant(eps, mu)
    n_sessions = session_offsets.shape[0] - 1
    changed = np.zeros(n_sessions, dtype=np.int64)
    for s in prange(n_sessions):
        start = session_offsets[s]
        changed[s] = _deffuant_list(
            opinion, members, start, session_offsets[s + 1] - start, n_pairs[s], eps, mu,
            key, step, s,
        )
    return np.int64(changed.sum())


@njit(cache=True)
def members_disjoint(members, n_rows):
    """Return True if no row appears twice in ``members`` (int64 rows in [0, n_rows))."""
    seen = np.zeros(n_rows, dtype=np.uint8)
    for k in range(members.shape[0]):
        r = members[k]
        if seen[r]:
            return False
        seen[r] = 1
    return True


def deffuant_members(
    opinion: np.ndarray,
    session_offsets: np.ndarray,
    members: np.ndarray,
    n_pairs: np.ndarray,
    eps: float,
    mu: float,
    key: np.uint64,
    step: int,
    disjoint: bool | None = None,
) -> int:
    """Deffuant encounters within a batch of dialogue sessions, in place.

    Dispatches to :func:`deffuant_members_parallel` when no row attends two sessions and to
    :func:`deffuant_members_sequential` otherwise; both give the same result in the disjoint
    case, so the choice never changes results, only speed.

    Args:
        opinion: float32[n_rows] opinions; updated in place.
        session_offsets: int64[n_sessions + 1] CSR boundaries into ``members``.
        members: int64[n_members] participant rows, grouped by session; a row may appear
            at most once per session.
        n_pairs: int64[n_sessions] encounters per session (e.g. a few per participant).
        eps: Confidence bound (opinion units), >= 0.
        mu: Convergence parameter in [0, 0.5].
        key: Stream key (uint64).
        step: Model step (int >= 0).
        disjoint: Whether sessions share no row; ``None`` (default) checks in O(n_rows).
            Pass ``True`` only when it is guaranteed (e.g. one session per cell at most and
            participants sampled without replacement).

    Returns:
        The number of encounters that changed at least one opinion.
    """
    _check_deffuant(eps, mu)
    if disjoint is None:
        disjoint = bool(members_disjoint(members, opinion.shape[0]))
    kernel = deffuant_members_parallel if disjoint else deffuant_members_sequential
    return int(kernel(opinion, session_offsets, members, n_pairs, eps, mu, key, step))


def deffuant_members_numpy(opinion, session_offsets, members, n_pairs, eps, mu, key, step) -> int:
    """NumPy twin of :func:`deffuant_members_sequential` (sessions in order)."""
    _check_deffuant(eps, mu)
    changed = 0
    for s in range(len(session_offsets) - 1):
        start, size = int(session_offsets[s]), int(session_offsets[s + 1] - session_offsets[s])
        if size < 2 or n_pairs[s] == 0:
            continue
        a, b = _pairs_numpy(key, step, s, int(n_pairs[s]), size)
        rows = np.asarray(members[start : start + size], dtype=np.int64)
        for ri, rj in zip(rows[a].tolist(), rows[b].tolist(), strict=True):
            changed += _pair_numpy(opinion, ri, rj, eps, mu)
    return changed


# --------------------------------------------------------------------------------------------
# Hegselmann-Krause on the complete graph
# --------------------------------------------------------------------------------------------


@cell_kernel
def hegselmann_krause_step(opinion, eps):
    """One synchronous Hegselmann-Krause update on the complete graph, O(N log N).

    Each ``x_i`` becomes the mean of all ``x_j`` (itself included) with
    ``|x_i - x_j| <= eps`` (Hegselmann & Krause 2002, JASSS 5(3) 2). The opinions are sorted
    once; because ``x_i - x_j`` is monotone in ``x_j`` even after floating-point rounding, each
    confidence set is a contiguous run of the sorted values, found by two binary searches
    with the exact test ``|x_i - x_j| <= eps``; its sum is a difference of float64 prefix
    sums. The mean is rounded once to the dtype of ``opinion``.

    Args:
        opinion: float32[N] (or float64[N]) opinions; not modified.
        eps: Confidence bound (opinion units), >= 0.

    Returns:
        A new array of the same dtype and shape: the updated opinions.
    """
    n = opinion.shape[0]
    out = np.empty_like(opinion)
    if n == 0:
        return out
    srt = np.sort(opinion.astype(np.float64))
    prefix = np.zeros(n + 1, dtype=np.float64)
    acc = 0.0
    for k in range(n):
        acc += srt[k]
        prefix[k + 1] = acc
    for i in prange(n):
        xi = np.float64(opinion[i])
        # lo: first k with xi - srt[k] <= eps
        lo, hi = 0, n
        while lo < hi:
            mid = (lo + hi) // 2
            if xi - srt[mid] <= eps:
                hi = mid
            else:
                lo = mid + 1
        first = lo
        # hi: first k with srt[k] - xi > eps
        lo, hi = first, n
        while lo < hi:
            mid = (lo + hi) // 2
            if srt[mid] - xi <= eps:
                lo = mid + 1
            else:
                hi = mid
        out[i] = (prefix[lo] - prefix[first]) / (lo - first)
    return out


def hegselmann_krause_step_numpy(opinion: np.ndarray, eps: float) -> np.ndarray:
    """NumPy twin of :func:`hegselmann_krause_step`, O(N^2) memory: for small N only.

    Finds each confidence set with the direct N x N test ``|x_i - x_j| <= eps`` and sums it
    with the same sorted float64 prefix sums as the kernel, so the two agree bit for bit.
    """
    x = np.asarray(opinion)
    if x.size == 0:
        return np.empty_like(x)
    srt = np.sort(x.astype(np.float64))
    prefix = np.concatenate(([0.0], np.cumsum(srt)))
    inside = np.abs(x.astype(np.float64)[:, None] - srt[None, :]) <= eps
    first = np.argmax(inside, axis=1)
    last = first + inside.sum(axis=1)
    return ((prefix[last] - prefix[first]) / (last - first)).astype(x.dtype)


# --------------------------------------------------------------------------------------------
# Pull toward the mean opinion of neighbouring cells
# --------------------------------------------------------------------------------------------


@cell_kernel
def pull_toward_neighbour_mean(opinion, row_cell, cell_mean_of_neighbours, eps, mu):
    """Pull each row toward the mean opinion of its cell's neighbours when within eps.

    An HK-style, elementwise influence between neighbouring cells: with
    ``m = cell_mean_of_neighbours[row_cell[r]]``, if ``|m - x_r| <= eps`` then
    ``x_r += mu (m - x_r)`` (bounded confidence as in Hegselmann & Krause 2002, JASSS 5(3) 2,
    with a partial step ``mu`` as in Deffuant et al. 2000). A NaN mean (a cell with no
    neighbours, or whose neighbours are empty) leaves its rows unchanged. The caller computes
    the neighbour means beforehand, so rows are independent: ``prange``, deterministic for
    any thread count.

    Args:
        opinion: float32[n_rows] opinions; updated in place.
        row_cell: int32 or int64[n_rows] cell of each row.
        cell_mean_of_neighbours: float64[n_cells] mean opinion of each cell's neighbours
            (NaN if none).
        eps: Confidence bound (opinion units), >= 0.
        mu: Step toward the neighbour mean, in [0, 1].

    Returns:
        int64: the number of rows whose opinion changed.
    """
    n = opinion.shape[0]
    changed = 0
    for r in prange(n):
        m = cell_mean_of_neighbours[row_cell[r]]
        x = np.float64(opinion[r])
        d = m - x
        if abs(d) <= eps:  # False for NaN
            opinion[r] = x + mu * d
            if np.float64(opinion[r]) != x:
                changed += 1
    return changed


def pull_toward_neighbour_mean_numpy(opinion, row_cell, cell_mean_of_neighbours, eps, mu) -> int:
    """NumPy twin of :func:`pull_toward_neighbour_mean` (vectorised, same in-place result)."""
    x = opinion.astype(np.float64)
    d = np.asarray(cell_mean_of_neighbours, dtype=np.float64)[row_cell] - x
    with np.errstate(invalid="ignore"):
        move = np.abs(d) <= eps
    new = (x + mu * d).astype(opinion.dtype)
    changed = move & (new.astype(np.float64) != x)
    opinion[move] = new[move]
    return int(changed.sum())
