#!/usr/bin/env python3
"""Writes constraints.txt: the versions installed in the running interpreter's environment, limited to what
pyproject.toml's dependencies and `dev` extras pull in (nothing else the venv happens to hold).

    .venv/bin/python .ci/freeze_constraints.py

To take new releases (within pyproject.toml's bounds) first:
    .venv/bin/pip install --upgrade --upgrade-strategy eager -e '.[dev]' && .venv/bin/python .ci/freeze_constraints.py
"""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
REFRESH = (
    ".venv/bin/pip install --upgrade --upgrade-strategy eager -e '.[dev]' && .venv/bin/python .ci/freeze_constraints.py"
)
HEADER = f"""\
# The versions ./bootstrap installs (pip install -c constraints.txt -e '.[dev]'): the set last tested.
# Written by .ci/freeze_constraints.py from the venv, limited to the project's dependency closure.
# Refresh (newest releases within pyproject.toml's bounds), then run the tests and commit:
#   {REFRESH}
"""


def closure(requirements: list[str]) -> set[str]:
    """Canonical names of the installed distributions these requirements pull in, transitively."""
    found: set[str] = set()
    seen: set[tuple[str, frozenset[str]]] = set()
    pending: list[tuple[Requirement, frozenset[str]]] = [(Requirement(r), frozenset()) for r in requirements]
    while pending:
        requirement, parent_extras = pending.pop()
        # a dependency's marker may name an extra of its parent (`extra == "socks"`); otherwise the platform
        if requirement.marker is not None and not any(
            requirement.marker.evaluate({"extra": extra}) for extra in parent_extras or {""}
        ):
            continue
        name, extras = canonicalize_name(requirement.name), frozenset(requirement.extras)
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        try:
            distribution = importlib.metadata.distribution(requirement.name)
        except importlib.metadata.PackageNotFoundError:
            sys.exit(f"freeze_constraints: {requirement.name} is not installed: run ./bootstrap --no-run first")
        found.add(name)
        pending.extend((Requirement(r), extras) for r in distribution.requires or [])
    return found


def main() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = closure([*project["dependencies"], *project["optional-dependencies"]["dev"]])
    frozen = subprocess.run(
        [sys.executable, "-m", "pip", "freeze", "--exclude-editable", "--disable-pip-version-check"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    pins = {canonicalize_name(line.split("==")[0]): line for line in frozen if "==" in line}
    pins = {name: line for name, line in pins.items() if name in names}
    missing = names - pins.keys()
    if missing:
        sys.exit(f"freeze_constraints: not pinned by pip freeze: {', '.join(sorted(missing))}")
    (ROOT / "constraints.txt").write_text(HEADER + "".join(f"{pins[name]}\n" for name in sorted(pins)))
    print(f"constraints.txt: {len(pins)} pins", file=sys.stderr)


if __name__ == "__main__":
    main()
