"""Writing results so that nothing half-written ever looks finished.

Every file is written under a temporary name in the same folder and renamed into place when
complete (``os.replace`` is atomic on POSIX file systems), then the folder is synced so the
rename survives a crash. A process killed while writing leaves at most a ``.NAME.XXXX.tmp``
file, never a truncated ``NAME``. A run's ``manifest.json`` is written last: a run folder
without a manifest whose status is ``completed`` is not a result.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd

#: Suffix of the temporary files :func:`atomic_write` renames into place.
TMP_SUFFIX = ".tmp"


def atomic_write(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp_path)`` then rename the temporary file to ``path``.

    Args:
        path: Final path.
        write: Writes the complete file at the path it is given.

    Returns:
        The final path.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TMP_SUFFIX, dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; results are for the group too
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)
    return path


def _umask() -> int:
    """The process's umask (read without changing it where Linux allows)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable (a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def remove_stale_temporaries(folder: str | Path, names: list[str] | tuple[str, ...]) -> list[Path]:
    """Delete the temporary files a killed writer left for ``names`` in ``folder``.

    Only the names :func:`atomic_write` makes for those files (``.NAME.XXXXXXXX.tmp``) are
    touched, never other hidden files. Call it only when no other process is writing them.

    Args:
        folder: The folder (not searched recursively).
        names: Final file names, or glob patterns of them (``"*.png"``).

    Returns:
        The files deleted.
    """
    removed = []
    for name in names:
        for tmp in Path(folder).glob(f".{name}.*{TMP_SUFFIX}"):
            if tmp.is_file():
                tmp.unlink(missing_ok=True)
                removed.append(tmp)
    return removed


def write_json(path: str | Path, data) -> Path:
    """Write JSON atomically (sorted keys, indented, NaN refused)."""
    text = json.dumps(data, indent=2, sort_keys=True, allow_nan=False, default=str)
    return atomic_write(path, lambda p: p.write_text(text + "\n"))


def write_text(path: str | Path, text: str) -> Path:
    """Write text atomically."""
    return atomic_write(path, lambda p: p.write_text(text))


def write_parquet(path: str | Path, frame: pd.DataFrame) -> Path:
    """Write a table as Parquet atomically."""
    return atomic_write(path, lambda p: frame.to_parquet(p, index=False))


def read_json(path: str | Path):
    """Read a JSON file, or None if it does not exist or is not complete JSON."""
    try:
        return json.loads(Path(path).read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None
