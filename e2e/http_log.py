"""Records every HTTP request and its response (method, path, status, duration, bodies), secrets masked."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import httpx

from .phases import PhaseTimer, phase_of_path
from .redaction import Redactor

log = logging.getLogger(__name__)
MAX_BODY_CHARS = 2000


@dataclass(frozen=True)
class HttpRecord:
    method: str
    url: str
    status: int
    duration_ms: float
    request_headers: str
    request_body: str
    response_headers: str
    response_body: str

    def summary(self) -> str:
        return f"{self.method} {self.url} -> {self.status} ({self.duration_ms:.0f} ms)"

    def render(self) -> str:
        return (
            f"{self.summary()}\n  > {self.request_headers}\n  > {self.request_body or '(no body)'}\n"
            f"  < {self.response_headers}\n  < {self.response_body or '(no body)'}"
        )


class HttpRecorder:
    """httpx event hooks that keep the HTTP records of the current test."""

    SHOWN_HEADERS = ("authorization", "x-cal-secret-key", "content-type", "cookie", "location", "cache-control")

    def __init__(self, redactor: Redactor, timer: PhaseTimer | None = None) -> None:
        self.redactor = redactor
        self.timer = timer
        self.records: list[HttpRecord] = []

    def hooks(self) -> dict[str, list]:
        return {"request": [self._on_request], "response": [self._on_response]}

    def clear(self) -> list[HttpRecord]:
        taken, self.records = self.records, []
        return taken

    def _on_request(self, request: httpx.Request) -> None:
        request.extensions["e2e_started"] = time.perf_counter()

    def _on_response(self, response: httpx.Response) -> None:
        response.read()
        request = response.request
        started = request.extensions.get("e2e_started", time.perf_counter())
        record = HttpRecord(
            method=request.method,
            url=self.redactor.mask(str(request.url)),
            status=response.status_code,
            duration_ms=(time.perf_counter() - started) * 1000,
            request_headers=self._headers(request.headers),
            request_body=self._body(request.content),
            response_headers=self._headers(response.headers),
            response_body=self._body(response.content),
        )
        self.records.append(record)
        log.info("%s", record.summary())
        phase = phase_of_path(request.url.path)
        if self.timer is not None and phase is not None:
            self.timer.record(phase, record.duration_ms)

    def _headers(self, headers: httpx.Headers) -> str:
        shown = {k: v for k, v in headers.items() if k.lower() in self.SHOWN_HEADERS}
        text = ", ".join(f"{k}: {self._header_value(k, v)}" for k, v in shown.items())
        return self.redactor.mask(text)

    def _header_value(self, name: str, value: str) -> str:
        if name.lower() == "x-cal-secret-key":
            return "***"
        if name.lower() in ("cookie", "set-cookie"):
            return "; ".join(part.split("=", 1)[0] + "=***" for part in value.split("; "))
        return value

    def _body(self, content: bytes) -> str:
        text = content.decode("utf-8", errors="replace")
        if len(text) > MAX_BODY_CHARS:
            text = text[:MAX_BODY_CHARS] + f"... ({len(content)} bytes)"
        return self.redactor.mask(text)
