"""Offline-first writes: every phone write is stored with its client event id *before* it is sent.

Lifecycle of an event (table ``outbox``)::

    pending ──2xx──────────────▶ done       (the server's answer is kept; a replay of the same id+body is 2xx too)
            ──409 idempotency──▶ conflict   (the id was used with another body: reported, never resent)
            ──other 4xx────────▶ rejected   (a final refusal, e.g. 403 unfiled_visit; reported)
            ──network/5xx/429──▶ pending    (retried with bounded exponential backoff; sync stops, order kept)
            ──401──────────────▶ pending    (log in again, then sync)

``sync`` sends pending events in the order they were queued and marks each only after the server
answered, in its own transaction. A process killed at any point loses nothing: an event whose answer was
not recorded is sent again with the same id and body, and the server replays its first answer.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import msgspec

from clients.sample_mobile.api_client import (
    COMPLAINT_PATH,
    SCAN_PATH,
    Answer,
    ApiClient,
    TransientError,
    api_error,
    checkout_path,
    rating_path,
)
from clients.sample_mobile.schemas import CheckoutRequest, ComplaintRequest, RatingRequest, ScanRequest
from clients.sample_mobile.store import iso, utcnow

# Test hook: pause (and wait to be killed) after N answers arrived, before the N-th is recorded.
PAUSE_ENV = "RUQI_MOBILE_TEST_PAUSE_AFTER_SENDS"
PAUSED_LINE = "sync paused after {n} sends"


@dataclass(frozen=True)
class Event:
    seq: int
    event_id: str
    kind: str
    method: str
    path: str
    body: bytes
    needs_login: bool
    label: str
    owner: str  # the account that queued it: its events are sent with its login only
    state: str
    attempts: int
    created_at: str
    answered_at: str | None
    http_status: int | None
    response: bytes | None
    error: str

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Event:
        data = dict(row)
        data["needs_login"] = bool(data["needs_login"])
        return cls(**data)


@dataclass(frozen=True)
class Backoff:
    """Delays base, base*factor, … capped, for at most ``attempts`` tries of one event per sync."""

    base: float = 0.5
    factor: float = 2.0
    cap: float = 8.0
    attempts: int = 5
    sleep: Callable[[float], None] = time.sleep

    def delay(self, attempt: int) -> float:
        return float(min(self.cap, self.base * self.factor ** (attempt - 1)))


@dataclass
class SyncReport:
    done: list[Event] = field(default_factory=list)
    conflicts: list[Event] = field(default_factory=list)
    rejected: list[Event] = field(default_factory=list)
    remaining: int = 0
    stopped: str = ""  # why sync stopped before the end (network, login); empty when it got through


def new_event_id(kind: str) -> str:
    return f"{kind}-{uuid.uuid4().hex}"


def enqueue(
    db: sqlite3.Connection,
    kind: str,
    path: str,
    body: bytes,
    *,
    needs_login: bool,
    label: str,
    event_id: str,
    owner: str = "",
) -> Event:
    with db:
        cursor = db.execute(
            "INSERT INTO outbox (event_id, kind, method, path, body, needs_login, label, owner, created_at) "
            "VALUES (?, ?, 'POST', ?, ?, ?, ?, ?, ?)",
            (event_id, kind, path, body, int(needs_login), label, owner, iso(utcnow())),
        )
    return get_event(db, int(cursor.lastrowid or 0))


def queue_scan(db: sqlite3.Connection, request: ScanRequest, *, owner: str, label: str) -> Event:
    body = msgspec.json.encode(request)
    event_id = request.client_event_id
    return enqueue(db, "scan", SCAN_PATH, body, needs_login=True, label=label, event_id=event_id, owner=owner)


def queue_checkout(db: sqlite3.Connection, visit_id: int, request: CheckoutRequest, *, owner: str) -> Event:
    body = msgspec.json.encode(request)
    label = f"check-out visit {visit_id}: {request.result}"
    path, event_id = checkout_path(visit_id), request.client_event_id
    return enqueue(db, "checkout", path, body, needs_login=True, label=label, event_id=event_id, owner=owner)


def queue_rating(db: sqlite3.Connection, scanned: str, request: RatingRequest, *, owner: str) -> Event:
    body = msgspec.json.encode(request)
    label = f"rating {request.score}/5"
    path = rating_path(scanned)
    # Only the inspected enterprise rates, with its own login (the code alone is no proof: inspectors hold it).
    return enqueue(
        db, "rating", path, body, needs_login=True, label=label, event_id=request.client_event_id, owner=owner
    )


def queue_complaint(db: sqlite3.Connection, request: ComplaintRequest) -> Event:
    body = msgspec.json.encode(request)
    label = f"complaint {request.kind}"
    return enqueue(
        db, "complaint", COMPLAINT_PATH, body, needs_login=False, label=label, event_id=request.client_event_id
    )


def get_event(db: sqlite3.Connection, seq: int) -> Event:
    return Event.from_row(db.execute("SELECT * FROM outbox WHERE seq = ?", (seq,)).fetchone())


def events(db: sqlite3.Connection, state: str | None = None) -> list[Event]:
    if state is None:
        rows = db.execute("SELECT * FROM outbox ORDER BY seq").fetchall()
    else:
        rows = db.execute("SELECT * FROM outbox WHERE state = ? ORDER BY seq", (state,)).fetchall()
    return [Event.from_row(r) for r in rows]


def _record(db: sqlite3.Connection, event: Event, state: str, answer: Answer, error: str) -> Event:
    """The server's answer, kept with the event: one transaction, after the answer arrived."""
    with db:
        db.execute(
            "UPDATE outbox SET state = ?, attempts = attempts + 1, answered_at = ?, http_status = ?, response = ?, "
            "error = ? WHERE seq = ? AND state = 'pending'",
            (state, iso(utcnow()), answer.status, answer.body, error, event.seq),
        )
    return get_event(db, event.seq)


def _send(api: ApiClient, event: Event) -> Answer:
    """One try; the first copy of this event still being processed by the server is transient too."""
    answer = api.send(event.method, event.path, body=event.body, auth=event.needs_login)
    if answer.status == 409 and api_error(answer).code == "idempotency_in_progress":
        raise TransientError(f"{event.event_id}: the server is still processing the first copy")
    return answer


def _pause_for_tests(sent: int) -> None:
    """Only when PAUSE_ENV is set: announce the pause on stderr, then wait to be killed."""
    wanted = os.environ.get(PAUSE_ENV, "")
    if wanted.isdigit() and int(wanted) == sent:
        print(PAUSED_LINE.format(n=sent), file=sys.stderr, flush=True)
        time.sleep(600)
        raise SystemExit(3)


def _state_for(answer: Answer) -> tuple[str, str]:
    if 200 <= answer.status < 300:
        return "done", ""
    problem = api_error(answer)
    if problem.status == 409 and problem.code == "idempotency_conflict":
        return "conflict", f"{problem.code}: {problem.detail}"
    return "rejected", f"{problem.status} {problem.code}: {problem.detail}"


def sync(
    db: sqlite3.Connection,
    api: ApiClient,
    *,
    username: str | None = None,
    backoff: Backoff | None = None,
    on_event: Callable[[Event], None] | None = None,
) -> SyncReport:
    """Send every pending event in order; see the module docstring for what happens to each.

    ``username`` is the logged-in account: events another account queued wait for that account's login.
    """
    backoff = backoff or Backoff()
    report = SyncReport()
    for sent, event in enumerate(events(db, "pending"), start=1):
        if event.needs_login and event.owner != (username or ""):
            report.stopped = f"event {event.event_id} was queued by {event.owner!r}: log in as that account to send it"
            break
        answer: Answer | None = None
        for attempt in range(1, backoff.attempts + 1):
            try:
                answer = _send(api, event)
                break
            except TransientError as exc:
                with db:
                    db.execute(
                        "UPDATE outbox SET attempts = attempts + 1, error = ? WHERE seq = ?", (str(exc), event.seq)
                    )
                if attempt < backoff.attempts:
                    backoff.sleep(backoff.delay(attempt))
        if answer is None:
            report.stopped = f"server unreachable after {backoff.attempts} tries; run sync again later"
            break
        if answer.status == 401:
            report.stopped = "the server wants a new login (401); run login, then sync"
            break
        _pause_for_tests(sent)  # every turn that gets here had an answer: ``sent`` counts answers
        state, error = _state_for(answer)
        recorded = _record(db, event, state, answer, error)
        {"done": report.done, "conflict": report.conflicts, "rejected": report.rejected}[state].append(recorded)
        if on_event is not None:
            on_event(recorded)
    report.remaining = len(events(db, "pending"))
    return report


@contextmanager
def sync_lock(state_dir: Path) -> Iterator[bool]:
    """One sync per profile at a time; yields False when another sync holds the lock."""
    state_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(state_dir / "sync.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)
