"""Live updates of a visit on the enterprise's phone: the websocket ``/V/{token}/live``.

The server sends a small JSON message whenever the visit changes (check-in, check-out, cancel); the
database stays the truth, so a phone re-verifies after each message.
"""

from __future__ import annotations

import contextlib
import json
from types import TracebackType
from typing import Any
from urllib.parse import quote, urlsplit

from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from clients.sample_mobile import __version__
from clients.sample_mobile.tokens import token_text


def live_url(server: str, scanned: str) -> str:
    parts = urlsplit(server.rstrip("/"))
    scheme = "wss" if parts.scheme.lower() == "https" else "ws"
    return f"{scheme}://{parts.netloc}{parts.path}/V/{quote(token_text(scanned), safe='')}/live"


class LiveFeed:
    """An open subscription; ``next`` waits for one message (None on timeout)."""

    def __init__(self, server: str, scanned: str, *, open_timeout: float = 10.0) -> None:
        self.url = live_url(server, scanned)
        self._stack = contextlib.ExitStack()  # connect() is a context manager in every websockets version
        agent = f"ruqi-sample-mobile/{__version__}"
        connection = connect(self.url, open_timeout=open_timeout, proxy=None, user_agent_header=agent)
        self._socket: ClientConnection = self._stack.enter_context(connection)

    def __enter__(self) -> LiveFeed:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    @property
    def local_port(self) -> int:
        """This end's TCP port (lets a test find which server process holds the other end)."""
        return int(self._socket.local_address[1])

    def next(self, timeout: float) -> dict[str, Any] | None:
        try:
            message = self._socket.recv(timeout=timeout)
        except TimeoutError:
            return None
        data = json.loads(message)
        return data if isinstance(data, dict) else {"message": data}

    def close(self) -> None:
        with contextlib.suppress(ConnectionClosed):
            self._stack.close()
