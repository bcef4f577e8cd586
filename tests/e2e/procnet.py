"""Which server process holds the other end of one of our TCP connections (Linux ``/proc``).

Lets a test prove that a websocket subscriber and an HTTP publisher landed on *different* workers of one
``ruqi run --web-concurrency 2`` without any help from the server.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ESTABLISHED = "01"


@dataclass(frozen=True)
class Connection:
    local_port: int
    remote_port: int
    inode: int


def _connections() -> list[Connection]:
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        path = Path(table)
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] != ESTABLISHED:
                continue
            local, remote = fields[1].rsplit(":", 1)[1], fields[2].rsplit(":", 1)[1]
            found.append(Connection(int(local, 16), int(remote, 16), int(fields[9])))
    return found


def _socket_inodes(pid: int) -> set[int]:
    inodes: set[int] = set()
    try:
        names = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return inodes
    for name in names:
        try:
            target = os.readlink(f"/proc/{pid}/fd/{name}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(int(target[8:-1]))
    return inodes


def own_client_ports(server_port: int) -> set[int]:
    """Local ports of this process's established connections to ``server_port``."""
    mine = _socket_inodes(os.getpid())
    return {c.local_port for c in _connections() if c.remote_port == server_port and c.inode in mine}


def serving_pid(client_port: int, server_port: int, candidates: list[int]) -> int | None:
    """The process among ``candidates`` holding the server end of the connection from ``client_port``."""
    inodes = {c.inode for c in _connections() if c.local_port == server_port and c.remote_port == client_port}
    for pid in candidates:
        if inodes & _socket_inodes(pid):
            return pid
    return None
