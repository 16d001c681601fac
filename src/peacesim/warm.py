"""Compile (or load from Numba's cache) every kernel a config needs, in a tiny run."""

from __future__ import annotations

import copy
import logging
import time

log = logging.getLogger("peacesim")


def warm_cache(cfg=None) -> float:
    """Run one step of a tiny copy of ``cfg`` so every kernel is compiled and cached.

    Args:
        cfg: A config (any form :func:`peacesim.to_config` accepts), or None for defaults.

    Returns:
        Seconds spent.
    """
    from omegaconf import DictConfig, OmegaConf

    from peacesim.config import to_config
    from peacesim.runner import build_model

    start = time.perf_counter()
    if isinstance(cfg, DictConfig):
        cfg = OmegaConf.to_container(cfg, resolve=False)
        cfg.pop("hydra", None)
        cfg = OmegaConf.to_container(OmegaConf.create(cfg), resolve=True)
    config = copy.deepcopy(to_config(cfg))  # a PeaceConfig passed in is returned as it is
    config.steps = 1
    config.population.size = min(config.population.size, 500)
    config.population.agent_objects = "none"
    build_model(config).run()
    if config.model != "peace":  # the main model's kernels too, for mixed sweeps
        config.model = "peace"
        build_model(config).run()
    seconds = time.perf_counter() - start
    log.info("kernels ready in %.1f s", seconds)
    return seconds
