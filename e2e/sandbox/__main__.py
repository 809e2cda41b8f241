"""`python -m e2e.sandbox`: run the sandbox standalone on 127.0.0.1 until stopped."""

from __future__ import annotations

import argparse
import dataclasses
import json
import shutil
import socket
import sys
import tempfile
import threading
from pathlib import Path

import uvicorn

from .app import create_app
from .faults import FAULTS, listing
from .seed import seed
from .store import Store
from .tokens import new_secret_token


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m e2e.sandbox", description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--db", type=Path, help="SQLite file to keep (default: a temporary one, removed at exit)")
    parser.add_argument("--env-file", type=Path, help="write the .env block to this file instead of printing it")
    parser.add_argument("--json", action="store_true", help="print one JSON line with everything (for the harness)")
    parser.add_argument("--fault", action="append", default=[], metavar="NAME",
                        help="break one rule on purpose (repeatable; see --list-faults)")
    parser.add_argument("--list-faults", action="store_true", help="list the faults and the rule each breaks, then exit")
    parser.add_argument("--exit-with-parent", action="store_true",
                        help="stop when standard input closes, i.e. when the process that started this one is gone")
    parser.add_argument("--throwaway-db", action="store_true", help="remove --db's directory at exit")
    args = parser.parse_args(argv)
    unknown = [name for name in args.fault if name not in FAULTS]
    if unknown:
        parser.error(f"unknown fault {', '.join(unknown)} (see --list-faults)")
    return args


def bind(port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit this: without it each keep-alive response's body waits ~40 ms for the
    # client's delayed ACK of the headers (Nagle's algorithm).
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind(("127.0.0.1", port))
    except OSError as error:
        sys.exit(f"sandbox: cannot listen on 127.0.0.1:{port}: {error.strerror}")
    sock.listen(512)
    return sock


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.list_faults:
        print(listing())
        return
    temp_dir = None if args.db else Path(tempfile.mkdtemp(prefix="calcom-sandbox-"))
    if args.db and args.throwaway_db:
        temp_dir = args.db.parent
    db_path = args.db or temp_dir / "sandbox.sqlite3"  # type: ignore[operator]
    try:
        sock = bind(args.port)
        api_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        store = Store(db_path)
        admin_key = new_secret_token()
        info = seed(store, api_url, admin_key)
        announce(info, args)
        config = uvicorn.Config(create_app(store, admin_key, set(args.fault)), log_level="warning", access_log=False, lifespan="off")
        server = uvicorn.Server(config)
        if args.exit_with_parent:
            stop_when_stdin_closes(server)
        server.run(sockets=[sock])
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


def announce(info, args: argparse.Namespace) -> None:
    # The one place the throwaway credentials are shown: this is how a user gets them.
    if args.json:
        print(json.dumps(dataclasses.asdict(info)), flush=True)
        return
    if args.env_file:
        args.env_file.write_text(info.env_block())
        print(f"sandbox: wrote {args.env_file}", file=sys.stderr)
    else:
        print(info.env_block(), end="", flush=True)
    print(f"# sandbox listening on {info.api_url} (admin key for the test-support API: {info.admin_key})",
          file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
