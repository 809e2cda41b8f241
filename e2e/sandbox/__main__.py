"""`python -m e2e.sandbox`: run the Cal.com-compatible sandbox on loopback until stopped.

By default it is two origins, as a real deployment is: the API (/v2/*, /openapi.json, /__sandbox/*) on one
port and the web app (/, /auth/login, /auth/platform/authorize, /auth/oauth2/authorize, /api/auth/*,
/api/trpc/oAuth/*) on another, both addressed as http://localhost:PORT (listening on 127.0.0.1, and on ::1 too
where the machine has it). --layout single serves everything from one port of 127.0.0.1.
"""

from __future__ import annotations

import argparse
import dataclasses
import errno
import json
import os
import shutil
import socket
import sys
import tempfile
import threading
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import uvicorn

from .app import create_app, create_split_app
from .config import LAYOUTS, LOGIN_DESIGNS, SandboxConfig
from .deviations import deviations_for, faults_refused
from .faults import listing
from .info import SandboxInfo
from .personas import CALCOM_VERSION, DEFAULT_PERSONA, PERSONAS
from .personas import listing as persona_listing
from .seed import seed
from .store import Store
from .tokens import new_secret_token

EPILOG = (
    f"Personas: calcom (the default) imitates {CALCOM_VERSION}, defects included; reference is the intended "
    "behaviour (CONTRACT.md, every advisory honoured). See --list-personas."
)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m e2e.sandbox",
        description=__doc__,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--persona",
        choices=sorted(PERSONAS),
        default=DEFAULT_PERSONA,
        help=f"whose behaviour to imitate (default {DEFAULT_PERSONA}: {CALCOM_VERSION})",
    )
    parser.add_argument("--list-personas", action="store_true", help="list each persona with its quirks, then exit")
    parser.add_argument(
        "--layout",
        choices=LAYOUTS,
        default="split",
        help="split (default): API and web app on two ports of localhost; single: one port of 127.0.0.1",
    )
    parser.add_argument(
        "--port", type=int, default=0, help="the API's port (single layout: the one port; default: a free one)"
    )
    parser.add_argument(
        "--web-port", type=int, default=0, help="the web app's port in the split layout (default: a free one)"
    )
    parser.add_argument(
        "--timezone",
        default="UTC",
        metavar="NAME",
        help="the server's local zone (IANA name, default UTC): refresh tokens expire at the start of a day there",
    )
    parser.add_argument(
        "--hydration-delay-ms",
        type=int,
        default=400,
        metavar="N",
        help="how long after load the login page's script takes its form over (default 400); before, "
        "a submit is the form's native GET",
    )
    parser.add_argument(
        "--login-design",
        choices=LOGIN_DESIGNS,
        default="2025",
        help="2025 (default): <h2>Welcome back</h2>, 'Sign in'; current: <h1>Cal.com</h1>, a subtitle, 'Continue'",
    )
    parser.add_argument("--db", type=Path, help="SQLite file to keep (default: a temporary one, removed at exit)")
    parser.add_argument("--env-file", type=Path, help="write the .env block to this file instead of printing it")
    parser.add_argument("--json", action="store_true", help="print one JSON line with everything (for the harness)")
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="NAME",
        help="break one rule on purpose (repeatable; see --list-faults)",
    )
    parser.add_argument(
        "--list-faults", action="store_true", help="list the faults and the rule each breaks, then exit"
    )
    parser.add_argument(
        "--exit-with-parent",
        action="store_true",
        help="stop when standard input closes, i.e. when the process that started this one is gone",
    )
    parser.add_argument("--throwaway-db", action="store_true", help="remove --db's directory at exit")
    args = parser.parse_args(argv)
    refused = faults_refused(args.persona, args.fault, args.fault)
    if refused:
        parser.error(refused)
    try:
        args.zone = ZoneInfo(args.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        parser.error(f"unknown time zone {args.timezone!r} (an IANA name such as UTC or Europe/Berlin)")
    if args.hydration_delay_ms < 0:
        parser.error("--hydration-delay-ms must be 0 or more")
    return args


def _listening_socket(family: socket.AddressFamily, host: str, port: int) -> socket.socket:
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit this: without it each keep-alive response's body waits ~40 ms for the
    # client's delayed ACK of the headers (Nagle's algorithm).
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if family == socket.AF_INET6:
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(512)
    return sock


def bind(port: int) -> socket.socket:
    try:
        return _listening_socket(socket.AF_INET, "127.0.0.1", port)
    except OSError as error:
        sys.exit(f"sandbox: cannot listen on 127.0.0.1:{port}: {error.strerror}")


def bind_localhost(port: int) -> list[socket.socket]:
    """127.0.0.1:port, and [::1]:port where the machine has IPv6 loopback: a client resolving localhost to ::1
    first then finds this server, not a refused connection. A free port (0) is one free on both."""
    for _ in range(20):
        v4 = bind(port)
        actual = v4.getsockname()[1]
        if not socket.has_ipv6:
            return [v4]
        try:
            return [v4, _listening_socket(socket.AF_INET6, "::1", actual)]
        except OSError as error:
            if error.errno in (errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT, errno.EPROTONOSUPPORT):
                return [v4]  # no IPv6 loopback here
            v4.close()
            if port:
                sys.exit(f"sandbox: cannot listen on [::1]:{port}: {error.strerror}")
    sys.exit("sandbox: found no port free on both 127.0.0.1 and ::1")


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.list_faults:
        print(listing())
        return
    if args.list_personas:
        print(persona_listing())
        return
    temp_dir: Path | None
    if args.db:
        db_path = args.db
        temp_dir = args.db.parent if args.throwaway_db else None
    else:
        temp_dir = Path(tempfile.mkdtemp(prefix="calcom-sandbox-"))
        db_path = temp_dir / "sandbox.sqlite3"
    try:
        if args.layout == "single":
            sockets = [bind(args.port)]
            api_url = web_url = f"http://127.0.0.1:{sockets[0].getsockname()[1]}"
        else:
            api_sockets, web_sockets = bind_localhost(args.port), bind_localhost(args.web_port)
            sockets = [*api_sockets, *web_sockets]
            api_url = f"http://localhost:{api_sockets[0].getsockname()[1]}"
            web_url = f"http://localhost:{web_sockets[0].getsockname()[1]}"
        config = SandboxConfig(
            persona=args.persona,
            api_url=api_url,
            web_url=web_url,
            timezone=args.zone,
            hydration_delay_ms=args.hydration_delay_ms,
            login_design=args.login_design,
            layout=args.layout,
        )
        store = Store(db_path)
        admin_key = new_secret_token()
        info = seed(store, config, admin_key)
        announce(info, args)
        deviations = deviations_for(args.persona, args.fault)
        if args.layout == "single":
            app = create_app(store, admin_key, deviations, config, role="single")
        else:
            app = create_split_app(store, admin_key, deviations, config, web_sockets[0].getsockname()[1])
        uv_config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
        server = uvicorn.Server(uv_config)
        if args.exit_with_parent:
            stop_when_stdin_closes(server)
        server.run(sockets=sockets)
    finally:
        if temp_dir:
            shutil.rmtree(temp_dir, ignore_errors=True)


def stop_when_stdin_closes(server: uvicorn.Server) -> None:
    """The harness holds the other end of our standard input: if it dies without stopping us (killed, or a CI
    job cancelled), the pipe closes and the sandbox shuts down instead of holding its port forever."""

    def watch() -> None:
        while sys.stdin.buffer.read(4096):
            pass
        server.should_exit = True

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def announce(info: SandboxInfo, args: argparse.Namespace) -> None:
    # The one place the throwaway credentials are shown: this is how a user gets them.
    if args.json:
        print(json.dumps(dataclasses.asdict(info)), flush=True)
        return
    if args.env_file:
        # it holds the client secret and the password: readable by its owner only, as the code journal is
        fd = os.open(args.env_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(info.env_block())
        os.chmod(args.env_file, 0o600)
        print(f"sandbox: wrote {args.env_file}", file=sys.stderr)
    else:
        print(info.env_block(), end="", flush=True)
    imitating = f", imitating {info.imitates}" if info.imitates else ""
    where = info.api_url if info.web_url == info.api_url else f"API {info.api_url}, web app {info.web_url}"
    print(
        f"# sandbox (persona {info.persona}{imitating}) listening on {where} "
        f"(admin key for the test-support API: {info.admin_key})",
        file=sys.stderr,
        flush=True,
    )


if __name__ == "__main__":
    main()
