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

#: The first line every scenario file needs: its keys belong at the top level of the config.
PACKAGE_LINE = "# @package _global_"


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


def scenario_file(name: str, extra_dir: str | Path | None = None) -> Path:
    """The YAML file of scenario ``name`` (the user's folder wins over the packaged one)."""
    if extra_dir is not None:
        mine = Path(extra_dir) / "scenario" / f"{name}.yaml"
        if mine.is_file():
            return mine
    return config_dir() / "scenario" / f"{name}.yaml"


def read_yaml(path: str | Path):
    """Parse a YAML file; a syntax error becomes one line naming the file and the line.

    Raises:
        ConfigError: ``FILE, line N: what is wrong``.
    """
    import yaml

    path = Path(path)
    try:
        return yaml.safe_load(path.read_text())
    except yaml.MarkedYAMLError as err:
        marks = [(text, mark) for text, mark in ((err.context, err.context_mark),
                                                 (err.problem, err.problem_mark)) if text]
        first = next((m for _, m in marks if m is not None), None)
        where = f", line {first.line + 1}" if first else ""
        what = ", ".join(f"{text} (line {m.line + 1}, column {m.column + 1})" if m else text
                         for text, m in marks)
        raise ConfigError(f"{path}{where}: YAML syntax error: {what}; fix the file "
                          "(indent with spaces, close every bracket and quote)") from None
    except yaml.YAMLError as err:
        raise ConfigError(f"{path}: YAML syntax error: {one_line(err)}") from None


def check_scenario_file(path: str | Path) -> dict:
    """Read a scenario file, refusing YAML errors and a missing ``# @package _global_``.

    Returns:
        The file's content.

    Raises:
        ConfigError: One line naming the file and what to fix.
    """
    path = Path(path)
    data = read_yaml(path) or {}
    if not any(line.strip().replace(" ", "") == PACKAGE_LINE.replace(" ", "")
               for line in path.read_text().splitlines()[:5]):
        raise ConfigError(f"{path}: a scenario file must start with the line "
                          f"'{PACKAGE_LINE}' (its keys belong at the top level of the "
                          "config); add it as the first line")
    return data


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

    from peacesim.config.overrides import prepare_overrides
    from peacesim.config.schema import register_schema

    available = scenario_names(config_dir_extra)
    if name not in available:
        raise ConfigError(f"unknown scenario {name!r}; available: {', '.join(available)}")
    check_scenario_file(scenario_file(name, config_dir_extra))
    register_schema()
    overrides = [f"scenario={name}", *prepare_overrides(list(overrides or []))]
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


def nest_dotted(data: dict) -> dict:
    """``{"patrol.presence": 0.3}`` as ``{"patrol": {"presence": 0.3}}`` (nested keys merge).

    Raises:
        ConfigError: A key given both as a value and as a section.
    """
    out: dict = {}
    for key, value in data.items():
        if isinstance(value, dict):
            value = nest_dotted(value)
        parts = str(key).split(".") if isinstance(key, str) else [key]
        node = out
        for i, part in enumerate(parts[:-1]):
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ConfigError(f"{'.'.join(parts[:i + 1])} is given both as a value and "
                                  "as a section")
        leaf = parts[-1]
        if isinstance(value, dict) and isinstance(node.get(leaf), dict):
            node[leaf] = {**node[leaf], **value}
        else:
            node[leaf] = value
    return out


def to_config(cfg=None):
    """Return a validated ``PeaceConfig`` instance from any config form.

    Args:
        cfg: None (all defaults), a ``PeaceConfig`` instance, an OmegaConf config or a
            plain dict of overrides of the defaults, nested or with dotted keys
            (``{"patrol.presence": 0.3}``).

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
            if isinstance(cfg, dict):
                cfg = nest_dotted(cfg)
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
