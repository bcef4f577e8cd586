"""iCalendar (RFC 5545) feeds of published planned visits, built with the ``icalendar`` library.

One all-day event per planned visit (DTEND is the day after the window's last day, as RFC 5545 wants for
dates). UIDs are stable once a month is published: ``plan-<period>-<seq>@<issuer>``. No inspector appears.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from icalendar import Calendar, Event

from api.actor import Actor
from api.errors import Forbidden, NotFound
from api.i18n import tr
from api.plans.policy import local_today
from api.plans.public import PublishedVisit, feed_token, published_visits, token_matches, upcoming_visits
from api.plans.schemas import UpcomingRead
from api.registry.lookups import unit_by_code
from models.appointment_tables import ServiceRequest
from models.enums import Role
from models.tables import Enterprise

PRODID = "-//ruqi//扫码入企 检查计划//ZH"


def _calendar(name: str, events: Sequence[Event]) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Asia/Shanghai")
    for event in events:
        calendar.add_component(event)
    return bytes(calendar.to_ical())


def _event(visit: PublishedVisit, summary: str, issuer: str, stamp: dt.datetime) -> Event:
    event = Event()
    event.add("uid", f"plan-{visit.period}-{visit.seq}@{issuer}")
    event.add("dtstamp", stamp)
    event.add("dtstart", visit.window_start)
    event.add("dtend", visit.window_end + dt.timedelta(days=1))
    event.add("summary", summary)
    mode = "联合检查" if visit.joint else ("现场检查" if visit.onsite else "非现场检查")
    event.add(
        "description",
        f"{mode}\n检查单位：{'、'.join(visit.unit_names)}\n检查事项：{'、'.join(visit.item_names)}\n"
        f"统一社会信用代码：{visit.uscc}",
    )
    event.add("transp", "TRANSPARENT")
    return event


async def enterprise_feed(uscc: str, name: str, issuer: str, now: dt.datetime) -> bytes:
    visits = await published_visits("pv.uscc = {}", uscc)
    events = [
        _event(v, ("检查预告：" if v.onsite else "非现场检查：") + "、".join(v.unit_names), issuer, now) for v in visits
    ]
    return _calendar(f"{name} 检查预告", events + await _appointment_events(uscc, issuer, now))


async def _appointment_events(uscc: str, issuer: str, stamp: dt.datetime) -> list[Event]:
    """预约式服务: the service visits the enterprise asked for and a unit accepted (timed, in the chosen slot)."""
    rows = await ServiceRequest.select(
        ServiceRequest.id,
        ServiceRequest.topic,
        ServiceRequest.unit._.name.as_alias("unit_name"),
        ServiceRequest.visit._.window_start.as_alias("start"),
        ServiceRequest.visit._.window_end.as_alias("end"),
    ).where(
        (ServiceRequest.enterprise._.uscc == uscc)
        & (ServiceRequest.status == "accepted")
        & (ServiceRequest.visit._.status != "cancelled")
    )
    events = []
    for row in rows:
        event = Event()
        event.add("uid", f"appointment-{row['id']}@{issuer}")
        event.add("dtstamp", stamp)
        event.add("dtstart", row["start"])
        event.add("dtend", row["end"])
        event.add("summary", f"预约服务：{row['unit_name']}")
        event.add("description", f"服务内容：{row['topic']}")
        events.append(event)
    return events


async def unit_feed(unit_id: int, unit_name: str, issuer: str, now: dt.datetime) -> bytes:
    visits = await published_visits(
        "EXISTS (SELECT 1 FROM plan_task t WHERE t.schedule = pv.schedule AND t.visit_seq = pv.seq "
        "AND t.unit = {} AND t.status = 'planned')",
        unit_id,
        confidential=True,
    )
    events = [
        _event(
            v, f"{v.enterprise_name}：{'联合' if v.joint else ''}{'检查' if v.onsite else '非现场检查'}", issuer, now
        )
        for v in visits
    ]
    return _calendar(f"{unit_name} 检查计划", events)


async def unit_feed_for(actor: Actor, unit_code: str, issuer: str, now: dt.datetime) -> bytes:
    """The unit's staff, the supervisor and admins read a unit's feed."""
    unit = await unit_by_code(unit_code)
    if not (actor.sees_everything or (actor.is_unit_role and actor.unit_id == unit["id"])):
        raise Forbidden(tr("Only the unit's own staff (or the supervisor) read its calendar."), code="not_your_unit")
    return await unit_feed(unit["id"], unit["name"], issuer, now)


async def enterprise_feed_for(uscc: str, token: str | None, secret: str, issuer: str, now: dt.datetime) -> bytes:
    """The enterprise's feed for the holder of its secret token; anything else looks like an unknown one."""
    enterprise = await Enterprise.select(Enterprise.name).where(Enterprise.uscc == uscc).first()
    if enterprise is None or not token_matches(secret, uscc, token):
        raise NotFound(tr("No calendar at this address."), code="feed_not_found")
    return await enterprise_feed(uscc, enterprise["name"], issuer, now)


async def my_upcoming(actor: Actor, secret: str, base_url: str, now: dt.datetime) -> UpcomingRead:
    """检查预告: the logged-in enterprise's published tasks whose window has not ended, and its feed URL."""
    if actor.role != Role.enterprise or not actor.uscc:
        raise Forbidden(tr("Only an enterprise account has upcoming inspections."))
    token = feed_token(secret, actor.uscc)
    url = f"{base_url.rstrip('/')}/api/v1/public/schedules/enterprise/{actor.uscc}.ics?token={token}"
    return UpcomingRead(uscc=actor.uscc, ics_url=url, visits=await upcoming_visits(actor.uscc, local_today(now)))
