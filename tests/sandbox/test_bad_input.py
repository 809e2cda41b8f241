"""Bad input never crashes the sandbox: each gets a 4xx, in the error envelope, or (calcom persona, a body
Express's JSON parser refuses) in Express's own HTML page, as Cal.com answers it."""

from __future__ import annotations

import httpx
import pytest

from e2e.checks.responses import check_error_envelope
from e2e.sandbox.http_input import MAX_BODY_BYTES
from e2e.sandbox.info import SandboxInfo

OAUTH_OPERATIONS = ["authorize", "exchange", "refresh"]
FIELD = {"authorize": "redirectUri", "exchange": "clientSecret", "refresh": "refreshToken"}


def headers_for(operation: str, info: SandboxInfo) -> dict[str, str]:
    return {"exchange": {"Authorization": "Bearer some-code"}, "refresh": {"x-cal-secret-key": info.client_secret}}.get(
        operation, {}
    )


def assert_4xx_envelope(response: httpx.Response, status: int | None = None) -> dict:
    assert 400 <= response.status_code < 500, f"HTTP {response.status_code}: {response.text[:200]}"
    if status is not None:
        assert response.status_code == status, response.text[:200]
    return check_error_envelope(response)


def assert_express_page(response: httpx.Response, status: int, text: str) -> None:
    assert response.status_code == status, response.text[:200]
    assert response.headers["content-type"].startswith("text/html")
    assert text in response.text, response.text[:300]


@pytest.mark.parametrize("operation", OAUTH_OPERATIONS)
@pytest.mark.parametrize(
    "raw",
    [b"{", b'{"a": }', b"\xff\xfe", b"nul\x00l", b'"text"', b"42", b"null"],
    ids=["truncated", "invalid", "not-utf8", "nul-byte", "string", "number", "null"],
)
def test_malformed_or_non_object_json_is_400(signed_in, any_sandbox, operation, raw):
    response = signed_in.post(
        f"/v2/oauth/{any_sandbox.client_id}/{operation}",
        content=raw,
        headers={"Content-Type": "application/json", **headers_for(operation, any_sandbox)},
    )
    if any_sandbox.persona == "calcom":  # body-parser's SyntaxError, before Nest: Express's page, no envelope
        assert_express_page(response, 400, "SyntaxError: Unexpected ")
        assert "in JSON at position" in response.text or "Unexpected end of JSON input" in response.text
    else:
        assert_4xx_envelope(response, 400)


@pytest.mark.parametrize("operation", OAUTH_OPERATIONS)
def test_a_json_array_is_400_in_the_envelope(signed_in, any_sandbox, operation):
    response = signed_in.post(
        f"/v2/oauth/{any_sandbox.client_id}/{operation}",
        content=b"[1, 2]",
        headers={"Content-Type": "application/json", **headers_for(operation, any_sandbox)},
    )
    assert_4xx_envelope(response, 400)


@pytest.mark.parametrize("operation", OAUTH_OPERATIONS)
@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", "multipart/form-data; boundary=x", ""])
def test_wrong_content_type_is_400(signed_in, any_sandbox, operation, content_type):
    response = signed_in.post(
        f"/v2/oauth/{any_sandbox.client_id}/{operation}",
        content=b"redirectUri=x",
        headers={"Content-Type": content_type, **headers_for(operation, any_sandbox)},
    )
    body = assert_4xx_envelope(response, 400)
    if any_sandbox.persona == "calcom":  # the body is not read at all: validation finds the field missing
        assert body["error"]["message"] == "Bad Request Exception"


@pytest.mark.parametrize("operation", OAUTH_OPERATIONS)
@pytest.mark.parametrize("value", ["missing", 1, 1.5, True, None, [], {}], ids=str)
def test_missing_or_non_string_field_is_400_bad_request_exception(signed_in, any_sandbox, operation, value):
    body = {} if value == "missing" else {FIELD[operation]: value}
    response = signed_in.post(
        f"/v2/oauth/{any_sandbox.client_id}/{operation}", json=body, headers=headers_for(operation, any_sandbox)
    )
    error = assert_4xx_envelope(response, 400)["error"]
    assert error["message"] == "Bad Request Exception"
    if any_sandbox.persona == "calcom":  # ValidationPipe's {errors} as details, outside production
        assert error["details"]["errors"][0]["property"] == FIELD[operation]
        assert error["details"]["errors"][0]["constraints"] == {"isString": f"{FIELD[operation]} must be a string"}
    else:
        assert "details" not in error


@pytest.mark.parametrize("operation", OAUTH_OPERATIONS)
@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
def test_oversized_body_is_413(signed_in, any_sandbox, operation, declared):
    payload = b'{"x": "' + b"a" * (MAX_BODY_BYTES + 10) + b'"}'
    content = payload if declared else iter([payload[i : i + 8192] for i in range(0, len(payload), 8192)])
    response = signed_in.post(
        f"/v2/oauth/{any_sandbox.client_id}/{operation}",
        content=content,
        headers={"Content-Type": "application/json", **headers_for(operation, any_sandbox)},
    )
    if any_sandbox.persona == "calcom":
        assert_express_page(response, 413, "PayloadTooLargeError: request entity too large")
    else:
        assert_4xx_envelope(response, 413)


@pytest.mark.parametrize(
    "method, path",
    [
        ("GET", "/nope"),
        ("POST", "/v2/oauth"),
        ("GET", "/v2/oauth/x/authorize"),
        ("DELETE", "/v2/me"),
        ("PUT", "/openapi.json"),
        ("GET", "/v2/oauth/x/y/z"),
    ],
)
def test_unknown_api_routes_and_methods_are_404(signed_in, any_sandbox, method, path):
    response = signed_in.request(method, f"{any_sandbox.api_url}{path}")
    assert assert_4xx_envelope(response, 404)["error"]["message"] == f"Cannot {method} {path}"


def test_unknown_web_routes_are_next_js_404_pages(signed_in, any_sandbox):
    response = signed_in.get(f"{any_sandbox.web_url}/nope")
    assert response.status_code == 404 and "This page could not be found." in response.text


@pytest.mark.parametrize(
    "client_id",
    ["%00", "%FF%FE", "%E2%98%83", "a%2Fb", "'%22%3C%3E", "x" * 3000, "%25", "..%2F.."],
    ids=["nul", "bad-utf8", "snowman", "encoded-slash", "quotes", "long", "percent", "traversal"],
)
@pytest.mark.parametrize("operation", OAUTH_OPERATIONS)
def test_odd_characters_in_client_id_get_4xx(signed_in, any_sandbox, client_id, operation):
    response = signed_in.post(
        f"/v2/oauth/{client_id}/{operation}",
        json={FIELD[operation]: any_sandbox.redirect_uri, "clientSecret": "x"},
        headers=headers_for(operation, any_sandbox),
    )
    assert_4xx_envelope(response)


def test_odd_query_on_consent_page_is_answered(signed_in, any_sandbox):
    response = signed_in.get(
        f"{any_sandbox.web_url}/auth/platform/authorize?client_id=%00%FF&redirect_uri=%E2%98%83&state=%ZZ"
    )
    if any_sandbox.persona == "calcom":  # the mock-up ignores its query
        assert response.status_code == 200 and "Acme.com" in response.text
    else:
        assert response.status_code == 400
        assert "not found" in response.text


def test_sandbox_still_serves_after_bad_input(signed_in, any_sandbox):
    response = signed_in.get("/openapi.json")
    assert response.status_code == 200
