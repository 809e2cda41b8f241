"""A second Cal.com-compatible server, written independently of the sandbox (standard library only).

It exists to show the harness depends on CONTRACT.md alone: the flow suite must pass against it, configured
only through CONTRACT §3's variables. Run: python independent_server.py  (prints one JSON line when ready)
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import html
import json
import re
import secrets
import threading
import time
from base64 import urlsafe_b64decode, urlsafe_b64encode
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TypedDict
from urllib.parse import parse_qs, quote, urlencode, urlsplit

KEY = secrets.token_bytes(32)
LOCK = threading.Lock()
NAMES = {400: "BadRequestException", 401: "UnauthorizedException", 404: "NotFoundException"}
COOKIE = "next-auth.session-token"  # NextAuth's session cookie, which Cal.com's login sets (CONTRACT §2)


def b64(raw: bytes) -> str:
    return urlsafe_b64encode(raw).rstrip(b"=").decode()


def sign(payload: dict[str, str | int]) -> str:
    head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode()) + "." + b64(json.dumps(payload).encode())
    return head + "." + b64(hmac.new(KEY, head.encode(), hashlib.sha256).digest())


def verify(token: str) -> dict | None:
    parts = token.split(".")
    if len(parts) != 3:
        return None
    expected = b64(hmac.new(KEY, f"{parts[0]}.{parts[1]}".encode(), hashlib.sha256).digest())
    if not hmac.compare_digest(expected, parts[2]):
        return None
    try:
        payload = json.loads(urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except ValueError:
        return None
    return payload if isinstance(payload, dict) else None


class User(TypedDict):
    id: int
    email: str
    username: str
    salt: bytes
    hash: bytes


class Client(TypedDict):
    id: str
    secret: str
    name: str
    uris: list[str]


class AccessRecord(TypedDict):
    family: str
    exp: int


class RefreshRecord(TypedDict):
    family: str
    used: bool
    client: str
    exp: int


class State:
    def __init__(self) -> None:
        salt = secrets.token_bytes(16)
        self.password = secrets.token_urlsafe(16)
        self.user: User = {
            "id": 7,
            "email": "qa-independent@example.test",
            "username": "qa-independent",
            "salt": salt,
            "hash": hashlib.pbkdf2_hmac("sha256", self.password.encode(), salt, 100_000),
        }
        self.client: Client = {
            "id": "indep-" + secrets.token_hex(6),
            "secret": secrets.token_urlsafe(24),
            "name": "Independent Test App",
            "uris": ["http://callback.independent.test/done"],
        }
        self.sessions: set[str] = set()
        self.codes: dict[str, str] = {}  # code -> client id (one user)
        self.access: dict[str, AccessRecord] = {}  # jti -> record
        self.refresh: dict[str, RefreshRecord] = {}  # jti -> record


STATE = State()


def now_ms() -> int:
    return int(time.time() * 1000)


def issue(client_id: str, family: str, refreshed: bool) -> dict:
    now = now_ms()
    access_exp = (now + 3_600_000) // 60_000 * 60_000
    issued = datetime.fromtimestamp(now / 1000, UTC)
    year_later = issued.replace(year=issued.year + 1, day=28 if (issued.month, issued.day) == (2, 29) else issued.day)
    refresh_exp = int(year_later.replace(hour=0, minute=0, second=0, microsecond=0).timestamp() * 1000)
    tokens: dict[str, tuple[str, str, int]] = {}  # kind -> (token, jti, expiry)
    for kind, exp in (("access_token", access_exp), ("refresh_token", refresh_exp)):
        jti = secrets.token_urlsafe(24)
        claims: dict[str, str | int] = {
            "type": kind,
            "clientId": client_id,
            "ownerId": STATE.user["id"],
            "expiresAt": exp,
            "iat": now // 1000,
            "jti": jti,
        }
        if refreshed:
            claims["userId"] = STATE.user["id"]
        tokens[kind] = (sign(claims), jti, exp)
    STATE.access[tokens["access_token"][1]] = {"family": family, "exp": access_exp}
    STATE.refresh[tokens["refresh_token"][1]] = {
        "family": family,
        "used": False,
        "client": client_id,
        "exp": refresh_exp,
    }
    return {
        "accessToken": tokens["access_token"][0],
        "accessTokenExpiresAt": access_exp,
        "refreshToken": tokens["refresh_token"][0],
        "refreshTokenExpiresAt": refresh_exp,
    }


def uri_allowed(uri: str) -> bool:
    return any(re.fullmatch(".*".join(map(re.escape, r.split("*"))), uri) for r in STATE.client["uris"])


PAGE = """<!doctype html><html><head><meta charset=utf-8><title>{title}</title>
<style>body{{font-family:sans-serif;max-width:28rem;margin:4rem auto}} .err{{color:#a00}}</style></head>
<body><main>{body}</main></body></html>"""


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    # --- plumbing ---------------------------------------------------------------------------
    def send(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def json(self, status: int, payload: dict, headers: dict[str, str] | None = None) -> None:
        self.send(status, json.dumps(payload).encode(), "application/json", headers)

    def error(self, status: int, message: str) -> None:
        self.json(
            status,
            {
                "status": "error",
                "timestamp": datetime.now(UTC).isoformat(),
                "path": self.path,
                "error": {"code": NAMES[status], "message": message},
            },
        )

    def page(self, status: int, title: str, body: str, headers: dict[str, str] | None = None) -> None:
        self.send(status, PAGE.format(title=title, body=body).encode(), "text/html; charset=utf-8", headers)

    def redirect(self, location: str, status: int = 302, headers: dict[str, str] | None = None) -> None:
        self.send(status, b"", "text/plain", {"Location": location, **(headers or {})})

    def body(self) -> dict | None:
        raw = self.raw_body
        kind = (self.headers.get("Content-Type") or "").split(";")[0]
        try:
            if kind == "application/x-www-form-urlencoded":
                return {k: v[0] for k, v in parse_qs(raw.decode()).items()}
            data = json.loads(raw or b"{}") if kind == "application/json" or not raw else None
        except (ValueError, UnicodeDecodeError):
            return None
        return data if isinstance(data, dict) else None

    def signed_in(self) -> bool:
        for part in (self.headers.get("Cookie") or "").split(";"):
            name, _, value = part.strip().partition("=")
            if name == COOKIE and value in STATE.sessions:
                return True
        return False

    # --- routes -----------------------------------------------------------------------------
    def do_GET(self) -> None:
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path == "/auth/login":
            self.login_page(query.get("callbackUrl", "/"), "")
        elif url.path == "/auth/platform/authorize":
            self.consent_page(query)
        elif url.path == "/v2/me":
            self.me()
        elif url.path == "/":
            self.page(200, "Home", "<h1>Independent server</h1>")
        else:
            self.error(404, f"Cannot GET {url.path}")

    def do_POST(self) -> None:
        self.raw_body = self.rfile.read(int(self.headers.get("Content-Length") or 0))  # always, for keep-alive
        url = urlsplit(self.path)
        match = re.fullmatch(r"/v2/oauth/([^/]+)/(authorize|exchange|refresh)", url.path)
        if url.path == "/auth/login":
            self.login()
        elif match:
            getattr(self, match.group(2))(match.group(1))
        else:
            self.error(404, f"Cannot POST {url.path}")

    def login_page(self, callback: str, error: str, status: int = 200) -> None:
        alert = f'<p class="err">{html.escape(error)}</p>' if error else ""
        self.page(
            status,
            "Log in",
            f"""<h1>Welcome back</h1>
<form data-testid="login-form" method="post" action="/auth/login">
<input type="hidden" name="callbackUrl" value="{html.escape(callback)}">
<label>Email <input id="email" name="email" type="email"></label>
<label>Password <input id="password" name="password" type="password"></label>{alert}
<button type="submit">Log in</button></form>""",
        )

    def login(self) -> None:
        form = self.body() or {}
        user = STATE.user
        good = form.get("email") == user["email"] and hmac.compare_digest(
            hashlib.pbkdf2_hmac("sha256", str(form.get("password", "")).encode(), user["salt"], 100_000), user["hash"]
        )
        if not good:
            return self.login_page(form.get("callbackUrl", "/"), "The email or password you entered is incorrect.", 401)
        session = secrets.token_urlsafe(24)
        with LOCK:
            STATE.sessions.add(session)
        callback = form.get("callbackUrl", "/")
        target = callback if urlsplit(callback).netloc in ("", self.headers.get("Host")) else "/"
        self.redirect(target, 303, {"Set-Cookie": f"{COOKIE}={session}; Path=/; HttpOnly; SameSite=Lax"})

    def consent_page(self, query: dict[str, str]) -> None:
        if not self.signed_in():
            return self.redirect("/auth/login?" + urlencode({"callbackUrl": self.path}))
        client_id, uri = query.get("client_id", ""), query.get("redirect_uri", "")
        if client_id != STATE.client["id"]:
            return self.page(
                400, "Error", f"<p class=\"err\">OAuth client with ID '{html.escape(client_id)}' not found</p>"
            )
        if not uri_allowed(uri):
            return self.page(400, "Error", "<p class=\"err\">Invalid 'redirect_uri' value.</p>")
        state = f'<input type="hidden" name="state" value="{html.escape(query["state"])}">' if "state" in query else ""
        self.page(
            200,
            "Authorize",
            f"""<h2>{html.escape(STATE.client["name"])} wants to access your account</h2>
<ul><li>Read your bookings</li></ul>
<form method="post" action="/v2/oauth/{quote(client_id)}/authorize">
<input type="hidden" name="redirectUri" value="{html.escape(uri)}">{state}
<button type="button" data-testid="deny-button" onclick="history.back()">Go back</button>
<button type="submit" data-testid="allow-button">Allow</button></form>""",
        )

    def authorize(self, client_id: str) -> None:
        if not self.signed_in():
            return self.error(401, "Unauthorized")
        body = self.body()
        if body is None or not isinstance(body.get("redirectUri"), str):
            return self.error(400, "redirectUri must be a string")
        if client_id != STATE.client["id"]:
            return self.error(400, f"OAuth client with ID '{client_id}' not found")
        uri = body["redirectUri"]
        if not uri_allowed(uri):
            return self.error(400, "Invalid 'redirect_uri' value.")
        with LOCK:
            if client_id in STATE.codes.values():
                return self.error(
                    400, f"User with id={STATE.user['id']} has already authorized client with id={client_id}."
                )
            code = secrets.token_urlsafe(32)
            STATE.codes[code] = client_id
        params = {"code": code, **({"state": body["state"]} if isinstance(body.get("state"), str) else {})}
        self.redirect(
            uri + ("&" if "?" in uri else "?") + urlencode(params, quote_via=quote),
            headers={"Cache-Control": "no-store"},
        )

    def exchange(self, client_id: str) -> None:
        body = self.body()
        if body is None or not isinstance(body.get("clientSecret"), str):
            return self.error(400, "clientSecret must be a string")
        auth = self.headers.get("Authorization") or ""
        code = auth[7:].strip() if auth.startswith("Bearer ") else ""
        if not code:
            return self.error(400, "Missing 'Bearer' Authorization header.")
        if client_id != STATE.client["id"] or not hmac.compare_digest(body["clientSecret"], STATE.client["secret"]):
            return self.error(400, "Invalid OAuth Client.")
        with LOCK:
            if STATE.codes.get(code) != client_id:
                return self.error(400, "Invalid OAuth Client.")
            del STATE.codes[code]
            keys = issue(client_id, secrets.token_hex(8), refreshed=False)
        self.json(200, {"status": "success", "data": keys}, {"Cache-Control": "no-store"})

    def refresh(self, client_id: str) -> None:
        secret = self.headers.get("x-cal-secret-key")
        if secret is None:
            return self.error(401, "Unauthorized")
        if client_id != STATE.client["id"]:
            return self.error(401, f"Client with ID {client_id} not found")
        if not hmac.compare_digest(secret, STATE.client["secret"]):
            return self.error(401, "Invalid client secret")
        body = self.body()
        if body is None or not isinstance(body.get("refreshToken"), str):
            return self.error(400, "refreshToken must be a string")
        claims = verify(body["refreshToken"]) or {}
        with LOCK:
            record = STATE.refresh.get(claims.get("jti", "")) if claims.get("type") == "refresh_token" else None
            if record is None or record["client"] != client_id or record["exp"] <= now_ms():
                return self.error(400, "Invalid refresh token")
            if record["used"]:
                for other in STATE.refresh.values():
                    if other["family"] == record["family"]:
                        other["used"] = True
                return self.error(400, "Invalid refresh token")
            record["used"] = True
            keys = issue(client_id, record["family"], refreshed=True)
        self.json(200, {"status": "success", "data": keys}, {"Cache-Control": "no-store"})

    def me(self) -> None:
        auth = self.headers.get("Authorization") or ""
        claims = verify(auth[7:]) if auth.startswith("Bearer ") else None
        record = (
            STATE.access.get((claims or {}).get("jti", "")) if (claims or {}).get("type") == "access_token" else None
        )
        if record is None or record["exp"] <= now_ms():
            return self.error(401, "Unauthorized")
        user = STATE.user
        self.json(
            200, {"status": "success", "data": {"id": user["id"], "email": user["email"], "username": user["username"]}}
        )


def main() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    url = f"http://127.0.0.1:{server.server_address[1]}"
    print(
        json.dumps(
            {
                "CAL_API_URL": url,
                "CAL_CLIENT_ID": STATE.client["id"],
                "CAL_CLIENT_SECRET": STATE.client["secret"],
                "CAL_REDIRECT_URI": STATE.client["uris"][0],
                "E2E_USER_EMAIL": STATE.user["email"],
                "E2E_USER_PASSWORD": STATE.password,
                "E2E_USER_ID": str(STATE.user["id"]),
            }
        ),
        flush=True,
    )
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()


if __name__ == "__main__":
    main()
