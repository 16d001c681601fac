"""Configs: the schema, loading with Hydra's compose API, validation.

The library needs no Hydra app at run time: :func:`load_config` composes the packaged YAML
files with Hydra's compose API, and :func:`to_config` turns any config (a Hydra ``DictConfig``,
a plain dict, or a ``PeaceConfig`` instance) into a validated ``PeaceConfig``.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from peacesim.config.validate import ConfigError, validate

__all__ = ["ConfigError", "config_dir", "load_config", "scenario_names", "to_config", "validate"]


def config_dir() -> Path:
    """The folder of the packaged configs.

    In an installed wheel they sit inside the package (``peacesim/configs``); in a checkout
    (``pip install -e .``) they are the repo's ``configs/``, the one source of both.
    """
    here = Path(__file__).resolve().parent.parent
    packaged = here / "configs"
    if (packaged / "config.yaml").is_file():
        return packaged
    checkout = here.parent.parent / "configs"
    if (checkout / "config.yaml").is_file():
        return checkout
    raise FileNotFoundError(
        f"peacesim's configs are missing: looked in {packaged} and {checkout}")


def scenario_names(extra_dir: str | Path | None = None) -> list[str]:
    """Names of the available scenarios (packaged, plus those in ``extra_dir/scenario``)."""
    names = {p.stem for p in (config_dir() / "scenario").glob("*.yaml")}
    if extra_dir is not None:
        names |= {p.stem for p in (Path(extra_dir) / "scenario").glob("*.yaml")}
    return sorted(names)


def load_config(name: str = "baseline", overrides: list[str] | None = None,
                config_dir_extra: str | Path | None = None):
    """Compose a scenario's config with Hydra's compose API.

    Args:
        name: Scenario name, a file in configs/scenario/ (see :func:`scenario_names`).
        overrides: Hydra overrides, e.g. ``["steps=104", "patrol.presence=0.4"]``.
        config_dir_extra: A folder of the user's own configs (with a ``scenario/`` subfolder),
            searched before the packaged ones.

    Returns:
        An OmegaConf ``DictConfig`` that :class:`peacesim.PeaceModel` accepts.

    Raises:
        ConfigError: Unknown scenario, unknown key, wrong type or out-of-range value.
    """
    from hydra import compose, initialize_config_dir
    from hydra.errors import HydraException
    from omegaconf import OmegaConf
    from omegaconf.errors import OmegaConfBaseException

    from peacesim.config.schema import register_schema

    available = scenario_names(config_dir_extra)
    if name not in available:
        raise ConfigError(f"unknown scenario {name!r}; available: {', '.join(available)}")
    register_schema()
    overrides = [f"+scenario={name}", *(overrides or [])]
    if config_dir_extra is not None:
        overrides.append(f"hydra.searchpath=[file://{Path(config_dir_extra).resolve()}]")
    try:
        with initialize_config_dir(config_dir=str(config_dir()), version_base=None):
            cfg = compose(config_name="config", overrides=overrides)
    except (HydraException, OmegaConfBaseException) as err:
        raise ConfigError(one_line(err)) from None
    OmegaConf.set_struct(cfg, False)
    cfg.pop("hydra", None)
    OmegaConf.set_struct(cfg, True)
    to_config(cfg)  # validate now: errors surface at load time, not at run time
    return cfg


def one_line(err: BaseException) -> str:
    """One line from a Hydra/OmegaConf error: the key and what is wrong with it.

    Walks the exception's causes and uses the deepest message that names a ``full_key``.
    """
    chain = []
    seen = set()
    while err is not None and id(err) not in seen:
        seen.add(id(err))
        chain.append(err)
        err = err.__cause__ or err.__context__
    best = None
    for e in chain:
        lines = [ln.strip() for ln in str(e).strip().splitlines() if ln.strip()]
        keys = [ln.split(":", 1)[1].strip() for ln in lines if ln.startswith("full_key:")]
        if lines and keys:
            best = f"{keys[0]}: {lines[0]}" if keys[0] else lines[0]
    if best is None:
        lines = [ln.strip() for ln in str(chain[0]).strip().splitlines() if ln.strip()]
        best = lines[0] if lines else type(chain[0]).__name__
    return best


def to_config(cfg=None):
    """Return a validated ``PeaceConfig`` instance from any config form.

    Args:
        cfg: None (all defaults), a ``PeaceConfig`` instance, an OmegaConf config or a
            plain (nested) dict of overrides of the defaults.

    Raises:
        ConfigError: Unknown key, wrong type or out-of-range value.
    """
    from omegaconf import DictConfig, OmegaConf
    from omegaconf.errors import OmegaConfBaseException

    from peacesim.config.schema import schema

    cls = schema()
    if isinstance(cfg, cls):
        obj = cfg
    else:
        try:
            base = OmegaConf.structured(cls)
            if cfg is not None:
                if isinstance(cfg, DictConfig):
                    cfg = OmegaConf.to_container(cfg, resolve=True)
                    cfg.pop("hydra", None)
                base = OmegaConf.merge(base, cfg)
            obj = OmegaConf.to_object(base)
        except OmegaConfBaseException as err:
            raise ConfigError(one_line(err)) from None
    if not dataclasses.is_dataclass(obj):
        raise ConfigError(f"not a peacesim config: {type(cfg).__name__}")
    validate(obj)
    return obj
