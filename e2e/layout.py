"""Where the project's parts live in a checkout (the flow suite runs from there; see README)."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
FLOW_SUITE = PROJECT_ROOT / "tests" / "flow"
