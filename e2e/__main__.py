"""`python -m e2e`: the same as the calcom-e2e command."""

import sys

from .cli import main

sys.exit(main())
