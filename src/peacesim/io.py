"""Writing results so that nothing half-written ever looks finished.

Every file is written under a temporary name in the same folder and renamed into place when
complete (``os.replace`` is atomic on POSIX file systems). A run's ``manifest.json`` is
written last: a run folder without a manifest whose status is ``completed`` is not a result.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd


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
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


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
