"""How this sandbox was started: persona, layout, origins, and the knobs of the web app."""

from __future__ import annotations

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

LOGIN_DESIGNS = ("2025", "current")
LAYOUTS = ("split", "single")


@dataclass(frozen=True)
class SandboxConfig:
    persona: str = "reference"
    api_url: str = ""
    web_url: str = ""  # == api_url in the single layout
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    hydration_delay_ms: int = 400
    login_design: str = "2025"
    layout: str = "single"
