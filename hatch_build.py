"""Hatch build hook: record in the wheel which commit it was built from.

Writes ``peacesim/_build_info.json`` (``{"version", "commit", "dirty"}``) into every
non-editable wheel, so that a run of an installed peacesim records the commit in its
manifest (``git_commit``, ``build``) even where no git checkout is at hand. The commit is
None when the wheel is built outside a git checkout (e.g. from an sdist).
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


def _git(root: str, *args: str) -> str | None:
    try:
        done = subprocess.run(["git", "-C", root, *args], capture_output=True, text=True,
                              timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


class BuildInfoHook(BuildHookInterface):
    """Adds ``peacesim/_build_info.json`` to the wheel."""

    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict) -> None:
        """Write the build info to a temporary file and include it in the wheel."""
        if self.target_name != "wheel" or version == "editable":
            return  # an editable install is a checkout: the runner asks git directly
        commit = _git(self.root, "rev-parse", "HEAD")
        status = _git(self.root, "status", "--porcelain", "--", "src", "configs")
        info = {"version": self.metadata.version, "commit": commit, "dirty": bool(status)}
        folder = Path(tempfile.mkdtemp(prefix="peacesim-build-"))
        path = folder / "_build_info.json"
        path.write_text(json.dumps(info, indent=2, sort_keys=True) + "\n")
        build_data["force_include"][str(path)] = "peacesim/_build_info.json"
