"""The project's own tests: the flow suite runs against the embedded sandbox, never the user's deployment."""

import os
import tempfile
from pathlib import Path

import pytest

from e2e.settings import VARIABLES

pytest_plugins = ["e2e.plugin"]

# The shell's CAL_*/E2E_* variables and ./.env name the user's deployment: not this suite's target. A test that
# wants a target sets it itself.
for _name in VARIABLES:
    os.environ.pop(_name, None)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("env_file", None) is None:
        empty = Path(tempfile.mkdtemp(prefix="calcom-e2e-tests-")) / "empty.env"
        empty.write_text("")
        config.option.env_file = empty
