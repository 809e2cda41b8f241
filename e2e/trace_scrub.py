"""Masks secrets in a saved Playwright trace (trace.zip), so a kept trace can be shared and still opens.

A trace records what the browser saw and did: the typed password (the Fill action's value, its log line, the
input's value in every DOM snapshot, the login form's body), URLs with codes, response bodies with tokens and
session cookies. `scrub_trace` rewrites the zip in place (a temporary file in the same folder, then an atomic
replace): every member that decodes as UTF-8 gets the run's Redactor masking; binary members (images) are copied
byte for byte. Member names, their order, dates and compression stay as they were: the viewer finds resources
by name (their sha1 names then no longer match their content, which it does not check).

What is masked, with the Redactor's `***` + fingerprint (only `*` and hex digits: safe in JSON, URLs and HTML):
- every value the Redactor knows, and every value found in the trace by the Redactor's shapes (JWTs, `code=` and
  token query parameters, `Bearer` values, token and password JSON fields, `password=` form fields; only where the
  Redactor hides it: what it shows on purpose, such as an error object's `code`, stays shown) or by the
  trace's own structure (name/value pairs such as form fields, headers and cookies named like a secret, session
  cookies in Cookie and Set-Cookie headers), wherever it appears: raw, JSON-escaped, URL-encoded (quote,
  quote_plus, encodeURIComponent, form encoding, twice-encoded) and HTML-escaped;
- then the Redactor's own `mask` on top.
JSON members (trace.stacks, response bodies) and JSON-lines members (trace.trace, trace.network) are masked
string by string on the parsed values and written back as JSON, so no replacement can break a line (on the raw
text, the Redactor's `code=` shape takes the code up to the quote after it, so also the backslash escaping that
quote, as in the JSON of the log line `navigated to "https://app.test/cb?code=..."`, and ends the string early);
a line that did not change keeps its original bytes, and one that does not parse is masked as plain text.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus, unquote, unquote_plus

from .redaction import (
    JWT_PATTERN,
    SENSITIVE_FORM,
    SENSITIVE_HEADER,
    SENSITIVE_JSON,
    SENSITIVE_QUERY,
    Redactor,
    fingerprint,
)

# Harvested values shorter than this are left to the Redactor's shapes (an error "code" such as "400" is no secret).
MIN_FOUND = 8
# form fields, query parameters, headers and cookies whose value is a secret
SECRET_NAME = re.compile(
    r"(?i)^(?:password|passwd|code|code_verifier|client_?secret|clientSecret|access_?token|accessToken|refresh_?token"
    r"|refreshToken"
    r"|id_token|token|authorization|proxy-authorization|x-cal-secret-key|[\w.-]*session[\w.-]*)$"
)
SECRET_PARAM = re.compile(
    r"(?i)(?:^|[?&#])(?:password|code|code_verifier|client_secret|clientSecret|access_token|refresh_token|id_token"
    r"|token)"
    r"=([^&#\s\"'<>\\]+)"
)
# in the value of a Cookie or Set-Cookie header
SESSION_COOKIE = re.compile(r"(?i)(?:^|[;,]\s*)[\w.-]*session[\w.-]*=([^;,\s\"'\\]+)")
COOKIE_HEADER = re.compile(r"(?i)^(?:set-)?cookie$")
BASIC = re.compile(r"(?i)\bBasic\s+([A-Za-z0-9+/=]{8,})")
# every shape above needs one of these (a text without any of them is not searched)
SHAPE_HINT = re.compile(r'(?i)eyJ|=|%3D|bearer|basic|"\s*:')
# (pattern, group of the value): the Redactor's shapes, whose values count only where the Redactor itself hides them
# (it shows some on purpose, e.g. an error object's `code`), then this module's own
REDACTOR_SHAPES: tuple[tuple[re.Pattern[str], int], ...] = (
    (JWT_PATTERN, 0),
    (SENSITIVE_QUERY, 2),
    (SENSITIVE_JSON, 2),
    (SENSITIVE_HEADER, 2),
    (SENSITIVE_FORM, 2),
)
OWN_SHAPES: tuple[tuple[re.Pattern[str], int], ...] = ((SECRET_PARAM, 1), (BASIC, 1))


def scrub_trace(path: Path, redactor: Redactor) -> None:
    """Rewrites the trace at path with every secret masked (atomically: a reader sees the old or the new zip)."""
    path = Path(path)
    with zipfile.ZipFile(path) as source:
        members = [(info, source.read(info)) for info in source.infolist()]
        comment = source.comment
    texts = {index: text for index, (_, data) in enumerate(members) if (text := _text(data)) is not None}
    known = sorted(set(known_secrets(redactor)), key=lambda value: (len(value), value))
    found = {value for text in texts.values() for value in _found(text, redactor)}
    masker = _Masker(redactor, [*known, *sorted(found - set(known), key=lambda value: (len(value), value))])

    handle, temporary = tempfile.mkstemp(prefix=".trace-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as raw, zipfile.ZipFile(raw, "w") as target:
            target.comment = comment
            for index, (info, data) in enumerate(members):
                if index in texts:
                    masked = masker.member(texts[index])
                    if masked != texts[index]:
                        data = masked.encode()
                target.writestr(_same_entry(info), data)
        shutil.copymode(path, temporary)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _same_entry(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    """A new entry with the member's name, date, compression and attributes (sizes, CRC and any stale zip64
    extra field are the writer's to set)."""
    entry = zipfile.ZipInfo(info.filename, info.date_time)
    entry.compress_type = info.compress_type
    entry.comment = info.comment
    entry.create_system = info.create_system
    entry.external_attr = info.external_attr
    return entry


def known_secrets(redactor: Redactor) -> Iterable[str]:
    """The values the Redactor was told about."""
    return tuple(redactor.secrets())


def encoded_forms(secret: str) -> set[str]:
    """The ways a value shows up in a trace: raw, JSON-escaped, URL-encoded (once, twice), HTML-escaped."""
    json_forms = {json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1]}
    json_forms.add(json.dumps(json.dumps(secret, ensure_ascii=False)[1:-1], ensure_ascii=False)[1:-1])
    json_forms.add(re.sub(r"[<>&']", lambda m: f"\\u{ord(m.group(0)):04x}", json.dumps(secret)[1:-1]))  # <script> JSON
    url_forms = {
        quote(secret, safe=""),
        quote(secret),
        quote_plus(secret),
        quote_plus(secret, safe="*"),  # form encoding
        quote(secret, safe="-_.!~*'()"),  # encodeURIComponent
        quote(secret, safe=";,/?:@&=+$-_.!~*'()#"),  # encodeURI
    }
    url_forms |= {quote(form, safe="") for form in list(url_forms)}  # a URL inside a URL's parameter
    url_forms |= {re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), form) for form in list(url_forms)}
    html_forms = {html.escape(secret), html.escape(secret, quote=False), html.escape(secret).replace("&#x27;", "&#39;")}
    forms = {secret} | json_forms | url_forms | html_forms
    forms |= {html.escape(form) for form in json_forms | url_forms}
    return {form for form in forms if form}


class _Masker:
    def __init__(self, redactor: Redactor, secrets: list[str]) -> None:
        """secrets: the first to claim a form names its fingerprint (known values first, then the shortest found,
        so a password found form-encoded is still shown with the password's own fingerprint)."""
        self.redactor = redactor
        replacements: dict[str, str] = {}
        for secret in secrets:
            for form in encoded_forms(secret):
                replacements.setdefault(form, fingerprint(secret))
        self.replacements = replacements
        forms = sorted(replacements, key=len, reverse=True)
        self.pattern = re.compile("|".join(map(re.escape, forms))) if forms else None

    def string(self, text: str) -> str:
        if self.pattern is not None:
            text = self.pattern.sub(lambda m: self.replacements[m.group(0)], text)
        return self.redactor.mask(text)

    def member(self, text: str) -> str:
        document = _json(text)
        if document is not _NOT_JSON:
            masked = _map_strings(document, self.string)
            if masked == document:
                return text
            return _keep_padding(text, _dumps(masked))
        # JSON lines end in "\n" only: str.splitlines would also split at a U+2028 inside a JSON string
        return "".join(self._line(line) for line in re.split(r"(?<=\n)", text))

    def _line(self, line: str) -> str:
        body = line.rstrip("\r\n")
        document = _json(body) if body.strip() else _NOT_JSON
        if document is _NOT_JSON:
            return self.string(line)  # HTML, CSS, form bodies, or a line that was never JSON
        masked = _map_strings(document, self.string)
        if masked == document:
            return line
        return _keep_padding(body, _dumps(masked)) + line[len(body) :]


_NOT_JSON = object()


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return _NOT_JSON


def _dumps(document: Any) -> str:
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    try:
        text.encode()
    except UnicodeEncodeError:  # a lone surrogate the browser wrote escaped: keep it escaped
        text = json.dumps(document, separators=(",", ":"))
    return text


def _keep_padding(original: str, body: str) -> str:
    stripped = original.strip()
    start = original.find(stripped) if stripped else 0
    return original[:start] + body + original[start + len(stripped) :]


def _map_strings(value: Any, change: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return change(value)
    if isinstance(value, list):
        return [_map_strings(item, change) for item in value]
    if isinstance(value, dict):
        return {change(key): _map_strings(item, change) for key, item in value.items()}
    return value


def _text(data: bytes) -> str | None:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _found(text: str, redactor: Redactor) -> set[str]:
    """The secret values the trace shows by their shape or by the name they are given."""
    found: set[str] = set()
    document = _json(text)
    documents = (
        [document]
        if document is not _NOT_JSON
        else [parsed for line in text.split("\n") if line.strip() and (parsed := _json(line)) is not _NOT_JSON]
    )
    for candidate in {text, *(s for d in documents for s in _strings(d))}:
        if len(candidate) < MIN_FOUND or not SHAPE_HINT.search(candidate):
            continue
        variants = {candidate, unquote_plus(candidate)}
        if "%" in candidate:
            variants |= {unquote(candidate), unquote(unquote(candidate))}
        for variant in variants:
            for pattern, group in OWN_SHAPES:
                found.update(match.group(group) for match in pattern.finditer(variant))
            shaped = {match.group(group) for pattern, group in REDACTOR_SHAPES for match in pattern.finditer(variant)}
            if shaped:
                masked = redactor.mask(variant)
                found.update(value for value in shaped if value and masked.count(value) < variant.count(value))
    for name, value in (pair for d in documents for pair in _named_values(d)):
        if SECRET_NAME.match(name):
            found.add(value.split()[-1] if value.lower().startswith(("bearer ", "basic ")) else value)
        elif COOKIE_HEADER.match(name):
            found.update(match.group(1) for match in SESSION_COOKIE.finditer(value))
    return {value for raw in found for value in _cleaned(raw)}


def _cleaned(value: str) -> Iterator[str]:
    value = value.rstrip("\\")
    for variant in {value, unquote(value), unquote_plus(value)}:
        if len(variant) >= MIN_FOUND and "***" not in variant:
            yield variant


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)


def _named_values(value: Any) -> Iterator[tuple[str, str]]:
    """The {"name": ..., "value": ...} pairs of a trace: form fields, headers, cookies."""
    if isinstance(value, list):
        for item in value:
            yield from _named_values(item)
    elif isinstance(value, dict):
        name, named = value.get("name"), value.get("value")
        if isinstance(name, str) and isinstance(named, str) and named:
            yield name, named
        for item in value.values():
            yield from _named_values(item)
