"""The project's own tests: the flow suite runs against the embedded sandbox, never the user's deployment."""

import os
import tempfile
from pathlib import Path

import pytest

from e2e.plugin import activate
from e2e.settings import VARIABLES

# The shell's CAL_*/E2E_* variables and ./.env name the user's deployment: not this suite's target. A test that
# wants a target sets it itself.
for _name in VARIABLES:
    os.environ.pop(_name, None)


@pytest.hookimpl(tryfirst=True)  # before e2e/plugin.py's (registered earlier, so called later) reads the target
def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("env_file", None) is None:
        empty = Path(tempfile.mkdtemp(prefix="calcom-e2e-tests-")) / "empty.env"
        empty.write_text("")
        config.option.env_file = empty
    # The harness's fixtures (its browser launch among them) for the sandbox's and the harness's tests too, in runs
    # without the flow suite (pytest tests/sandbox); e2e/plugin.py registers them for the suite itself.
    activate(config)
