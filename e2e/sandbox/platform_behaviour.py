"""The reference steps of the platform flow (CONTRACT §1-§2, every §4 advisory): the OAuth API, its error
envelope, and the web app's login and consent pages. Each is a step a deviation may override (behaviour.py)."""

from __future__ import annotations


class PlatformBehaviour:
    pass
