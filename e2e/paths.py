"""Where the harness's parts are, in a checkout and installed alike: the flow suite ships inside the package."""

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
PACKAGE_PARENT = PACKAGE.parent  # the checkout, or site-packages
FLOW_SUITE = PACKAGE / "flow_suite"
SUITE_INI = FLOW_SUITE / "pytest.ini"  # the pytest settings calcom-e2e runs the suite with
