"""Published schedules: the public month (规上企业月公示), exports, iCalendar feeds and 检查预告.

Nothing here names an inspector: a plan assigns units, items and windows, never people, and the public
views read only plan rows, enterprise names and the lists' unit and item names.

- The public month lists only **above-scale** enterprises' **on-site** planned visits of a published month.
- An enterprise's own feed and its 检查预告 list every published task of that enterprise (on-site and
  non-site). The feed URL carries a per-enterprise secret token (an HMAC of the USCC under the service's
  secret), because calendar apps cannot log in and a public feed of a non-above-scale enterprise would leak
  its inspections; a wrong or missing token answers 404 like an unknown enterprise.
- A unit's feed (login required: the unit's staff, the supervisor, admins) lists the published planned
  visits that carry one of the unit's tasks.
- Triggered tasks (a complaint, a referral, monitoring …) never reach the public month, the enterprise's
  检查预告 or its feed: announcing them would tip off the target and could expose a complainant. Only the unit's
  own feed lists them.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from api.errors import NotFound
from api.i18n import tr
from api.plans.policy import period_text
from api.plans.schemas import PublicScheduleRead, PublicVisitRead, UpcomingVisitRead
from models.plan_tables import PlanTask, PlanVisit, ScheduleMonth
from models.tables import Item, Unit
from models.values import as_date, json_list

EXPORT_HEADERS = ["企业名称", "统一社会信用代码", "检查单位", "检查事项", "周次", "开始日期", "结束日期", "联合检查"]


@dataclass(frozen=True)
class PublishedVisit:
    period: str
    seq: int
    uscc: str
    enterprise_name: str
    onsite: bool
    window_start: dt.date
    window_end: dt.date
    unit_codes: list[str]
    unit_names: list[str]
    item_names: list[str]

    @property
    def joint(self) -> bool:
        return self.onsite and len(self.unit_codes) >= 2


async def published_schedule(year: int, month: int) -> dict[str, Any]:
    row = await ScheduleMonth.select().where(ScheduleMonth.period == period_text(year, month)).first()
    if row is None or row["status"] != "published":
        raise NotFound(
            tr("{period} has no published schedule.", period=period_text(year, month)), code="schedule_not_published"
        )
    return row


async def published_periods(limit: int = 24) -> list[str]:
    """The newest published months (``YYYY-MM``), newest first."""
    rows = await (
        ScheduleMonth.select(ScheduleMonth.period)
        .where(ScheduleMonth.status == "published")
        .order_by(ScheduleMonth.period, ascending=False)
        .limit(limit)
    )
    return [str(r["period"]) for r in rows]


def _triggered(task: dict[str, Any]) -> bool:
    return any(source.get("kind") == "triggered" for source in json_list(task["sources"]))


async def published_visits(where: str, *args: Any, confidential: bool = False) -> list[PublishedVisit]:
    """Planned visits of published months matching ``where`` (SQL on ``pv``, ``s``, ``e``), in window order.

    Triggered tasks are left out unless ``confidential`` (the unit's own feed): a visit made only of them is not
    listed at all."""
    rows = await PlanVisit.raw(
        "SELECT pv.seq AS seq, pv.schedule AS schedule, pv.uscc AS uscc, pv.lead_unit AS lead_unit, "
        "pv.window_start AS window_start, pv.window_end AS window_end, pv.onsite AS onsite, s.period AS period, "
        "e.name AS enterprise_name FROM plan_visit pv JOIN schedule_month s ON s.id = pv.schedule "
        "LEFT JOIN enterprise e ON e.uscc = pv.uscc "
        f"WHERE s.status = 'published' AND pv.status = 'planned' AND {where}",
        *args,
    )
    if not rows:
        return []
    wanted = {(r["schedule"], r["seq"]) for r in rows}
    tasks: dict[tuple[int, int], list[dict[str, Any]]] = defaultdict(list)
    for task in await PlanTask.select(
        PlanTask.schedule, PlanTask.visit_seq, PlanTask.unit, PlanTask.item_codes, PlanTask.sources
    ).where(
        PlanTask.schedule.is_in(sorted({s for s, _ in wanted}))
        & PlanTask.uscc.is_in(sorted({r["uscc"] for r in rows}))
        & (PlanTask.status == "planned")
    ):
        key = (task["schedule"], task["visit_seq"])
        if key in wanted and (confidential or not _triggered(task)):
            tasks[key].append(task)
    units = {u["id"]: u for u in await Unit.select(Unit.id, Unit.code, Unit.name)}
    codes = sorted({c for group in tasks.values() for t in group for c in json_list(t["item_codes"])})
    items = {
        i["code"]: i["name"] for i in await Item.select(Item.code, Item.name).where(Item.code.is_in(codes or [""]))
    }
    found = []
    for r in rows:
        group = tasks.get((r["schedule"], r["seq"]), [])
        if not group:
            continue
        unit_ids = sorted({t["unit"] for t in group}, key=lambda u: (u != r["lead_unit"], units[u]["code"]))
        item_codes = list(dict.fromkeys(c for t in group for c in json_list(t["item_codes"])))
        found.append(
            PublishedVisit(
                period=r["period"],
                seq=r["seq"],
                uscc=r["uscc"],
                enterprise_name=r["enterprise_name"] or "",
                onsite=bool(r["onsite"]),
                window_start=as_date(r["window_start"]),
                window_end=as_date(r["window_end"]),
                unit_codes=[units[u]["code"] for u in unit_ids],
                unit_names=[units[u]["name"] for u in unit_ids],
                item_names=[items.get(c, c) for c in item_codes],
            )
        )
    return sorted(found, key=lambda v: (v.window_start, v.enterprise_name, v.uscc, v.seq))


PUBLIC_PAGE = 200  # visits per page of the public month (the exports hold the whole month)


async def public_schedule(year: int, month: int, limit: int | None = None, offset: int = 0) -> PublicScheduleRead:
    """The published month, or one page of it (``limit`` visits from ``offset``, in window order)."""
    schedule = await published_schedule(year, month)
    visits = await published_visits("s.id = {} AND pv.onsite = {} AND e.above_scale = {}", schedule["id"], True, True)
    total = len(visits)
    if limit is not None:
        visits = visits[offset : offset + limit]
    return PublicScheduleRead(
        period=schedule["period"],
        published_at=schedule["published_at"],
        total=total,
        limit=total if limit is None else limit,
        offset=0 if limit is None else offset,
        visits=[
            PublicVisitRead(
                enterprise_name=v.enterprise_name,
                uscc=v.uscc,
                units=v.unit_names,
                items=v.item_names,
                week=v.window_start.isocalendar()[1],
                window_start=v.window_start,
                window_end=v.window_end,
                joint=v.joint,
            )
            for v in visits
        ],
    )


def export_rows(view: PublicScheduleRead) -> list[list[Any]]:
    return [
        [
            v.enterprise_name,
            v.uscc,
            "、".join(v.units),
            "、".join(v.items),
            f"第{v.week}周",
            v.window_start.isoformat(),
            v.window_end.isoformat(),
            "是" if v.joint else "否",
        ]
        for v in view.visits
    ]


async def upcoming_visits(uscc: str, today: dt.date) -> list[UpcomingVisitRead]:
    visits = await published_visits("pv.uscc = {} AND pv.window_end >= {}", uscc, today)
    return [
        UpcomingVisitRead(
            period=v.period,
            units=v.unit_names,
            items=v.item_names,
            window_start=v.window_start,
            window_end=v.window_end,
            onsite=v.onsite,
            joint=v.joint,
        )
        for v in visits
    ]


def feed_token(secret: str, uscc: str) -> str:
    """The enterprise feed's secret: HMAC-SHA256 of the USCC under the service secret (domain-separated)."""
    digest = hmac.new(secret.encode(), f"ruqi:schedule-feed:{uscc}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode()


def token_matches(secret: str, uscc: str, token: str | None) -> bool:
    return token is not None and hmac.compare_digest(feed_token(secret, uscc), token)
