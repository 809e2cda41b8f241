"""Whether a pytest run is a run of the flow suite, read from its arguments as pytest would collect them."""

from __future__ import annotations

import importlib.util
from fnmatch import fnmatch
from pathlib import Path

import pytest

from .paths import FLOW_SUITE


def runs_flow_suite(config: pytest.Config) -> bool:
    """Whether the run's arguments include the flow suite: its folder or one of its files, a folder pytest would
    collect it from, or with --pyargs its package or one of its modules."""
    for arg in config.args:
        name = arg.split("::")[0]
        path = Path(config.invocation_params.dir, name).resolve()
        if config.option.pyargs and not path.exists():
            path = _module_path(name) or path
        if path.is_relative_to(FLOW_SUITE) or (FLOW_SUITE.is_relative_to(path) and _collected_from(path, config)):
            return True
    return False


def _collected_from(folder: Path, config: pytest.Config) -> bool:
    """Whether pytest, given folder, goes down to the flow suite: not through a virtualenv (where an installed
    suite lives) unless --collect-in-virtualenv, nor a folder norecursedirs names."""
    skip = config.getini("norecursedirs")
    for inner in [FLOW_SUITE, *FLOW_SUITE.parents]:
        if inner == folder:
            return True
        in_venv = (inner / "pyvenv.cfg").is_file() and not config.getoption("collect_in_virtualenv", False)
        if in_venv or any(fnmatch(inner.name, pattern) for pattern in skip):
            return False
    return False


def _module_path(name: str) -> Path | None:
    """The file or package folder of a module named as --pyargs takes it; None if it is not one."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    if spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations))).resolve()
    return Path(spec.origin).resolve() if spec.origin else None
