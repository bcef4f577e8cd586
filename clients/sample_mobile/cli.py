"""``python -m clients.sample_mobile``: the command line that plays the inspector's and the enterprise's phone.

Each profile (``--profile``) is one phone: its own state directory with the login, the outbox and the
caches. Exit codes: 0 ok, 1 a refusal or an invalid code, 2 usage or local error, 3 not finished (the
server was unreachable, or a login is needed), 4 "needs an online check".
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import sqlite3
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clients.sample_mobile.api_client import DEFAULT_SERVER, ApiClient, ApiError, TransientError
from clients.sample_mobile.offline import DEFAULT_MAX_AGE
from clients.sample_mobile.qrimage import NoCode
from clients.sample_mobile.store import Session, load_session, open_db

DESCRIPTION = "The sample mobile client of ruqi: the inspector's and the enterprise's phone."
EXIT_OK, EXIT_REFUSED, EXIT_USAGE, EXIT_UNFINISHED, EXIT_NEEDS_ONLINE = 0, 1, 2, 3, 4
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)([smhd]?)$")
_UNITS = {"s": 1, "": 1, "m": 60, "h": 3600, "d": 86400}


def duration(text: str) -> dt.timedelta:
    """``90s``, ``15m``, ``24h``, ``2d`` (plain numbers are seconds)."""
    match = _DURATION.match(text.strip().lower())
    if not match:
        raise argparse.ArgumentTypeError(f"not a duration: {text!r} (try 90s, 15m, 24h, 2d)")
    return dt.timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2)])


@dataclass
class Phone:
    """What every command gets: the options, the local store and (lazily) the API client."""

    args: argparse.Namespace
    state_dir: Path
    db: sqlite3.Connection
    _api: ApiClient | None = field(default=None, repr=False)

    @property
    def server(self) -> str:
        return str(self.args.server).rstrip("/")

    @property
    def session(self) -> Session | None:
        session = load_session(self.db)
        if session is None or session.server != self.server or session.expired():
            return None
        return session

    @property
    def api(self) -> ApiClient:
        if self._api is None:
            session = self.session
            self._api = ApiClient(self.server, session.token if session else None, timeout=self.args.timeout)
        return self._api

    def require_login(self, *roles: str) -> Session:
        session = self.session
        if session is None:
            raise UsageError(f"log in first: python -m clients.sample_mobile --profile {self.args.profile} login USER")
        if roles and session.role not in roles:
            raise UsageError(f"this command is for {' or '.join(roles)} accounts; {session.username} is {session.role}")
        return session

    def out(self, text: str, data: Any = None) -> None:
        """Human text, or with --json the data (one JSON document per call)."""
        if self.args.json:
            if data is not None:
                print(json.dumps(data, ensure_ascii=False, default=str), flush=True)
        else:
            print(text, flush=True)

    def close(self) -> None:
        if self._api is not None:
            self._api.close()
        self.db.close()


class UsageError(Exception):
    """A mistake of the user or a local problem: printed, exit code 2."""


Command = Callable[[Phone], int]


def _common(parser: argparse.ArgumentParser, suppress: bool) -> None:
    def default(value: Any) -> Any:
        return argparse.SUPPRESS if suppress else value

    parser.add_argument("--server", default=default(os.environ.get("RUQI_SERVER", DEFAULT_SERVER)), help="API base URL")
    parser.add_argument("--profile", default=default("default"), help="which phone (one state directory each)")
    parser.add_argument("--state-dir", type=Path, default=default(None), help="default ~/.ruqi-sample-mobile/PROFILE")
    parser.add_argument("--json", action="store_true", default=default(False), help="print JSON instead of text")
    parser.add_argument("--timeout", type=float, default=default(15.0), help="seconds per HTTP request")
    parser.add_argument(
        "--max-cache-age",
        type=duration,
        default=default(DEFAULT_MAX_AGE),
        help="offline results older than this need an online check (e.g. 30m, 24h)",
    )


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, Command]]:
    from clients.sample_mobile import cli_enterprise, cli_inspector, cli_office

    parser = argparse.ArgumentParser(prog="python -m clients.sample_mobile", description=DESCRIPTION)
    _common(parser, suppress=False)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    parent = argparse.ArgumentParser(add_help=False)
    _common(parent, suppress=True)
    handlers: dict[str, Command] = {}
    for module in (cli_inspector, cli_enterprise, cli_office):
        handlers.update(module.register(commands, parent))
    return parser, handlers


def state_dir_for(args: argparse.Namespace) -> Path:
    if args.state_dir is not None:
        return Path(args.state_dir)
    return Path.home() / ".ruqi-sample-mobile" / str(args.profile)


def main(argv: Sequence[str] | None = None) -> int:
    parser, handlers = build_parser()
    args = parser.parse_args(argv)
    state_dir = state_dir_for(args)
    phone = Phone(args=args, state_dir=state_dir, db=open_db(state_dir))
    try:
        return handlers[args.command](phone)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except NoCode as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except TransientError as exc:
        print(f"the server cannot be reached ({exc}); try again later", file=sys.stderr)
        return EXIT_UNFINISHED
    except ApiError as exc:
        print(f"refused: {exc.status} {exc.code}: {exc.detail}", file=sys.stderr)
        return EXIT_REFUSED
    finally:
        phone.close()
