"""A small hand-made district for integration tests: few rows, every case the rules care about."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from api.accounts import service as users
from api.accounts.schemas import UserCreate
from api.actor import SYSTEM_ACTOR, Actor
from api.auth import hash_password_async
from api.catalogue import items, library, scenarios
from api.catalogue.schemas import ItemCreate, LibraryEntryCreate, ScenarioCreate
from api.registry import service as registry
from api.registry.schemas import EnterpriseCreate, InspectorCreate, UnitCreate
from api.registry.uscc import check_character
from models.enums import (
    InspectorStatus,
    ItemCategory,
    ItemMethod,
    ListStatus,
    Role,
    Trigger,
    UnitKind,
)
from models.tables import User
from tests.support.clock import WORLD_DAY, WORLD_INSTANT

PASSWORD = "correct-horse-1"
TODAY = WORLD_DAY
NOW = WORLD_INSTANT


def uscc(body: str) -> str:
    first17 = ("91370112" + body).ljust(17, "0")[:17]
    return first17 + check_character(first17)


USCC_A = uscc("MA3C0001A")  # restaurant, above scale
USCC_B = uscc("MA3C0002B")  # chemicals
USCC_W = uscc("MA3C0003W")  # whitelisted (无事不扰)


@dataclass
class World:
    actors: dict[str, Actor] = field(default_factory=dict)
    inspector_ids: dict[str, int] = field(default_factory=dict)


async def build_world() -> World:
    admin = SYSTEM_ACTOR
    for code, name, kind in [
        ("MKT", "历城区市场监督管理局", UnitKind.department),
        ("FIRE", "历城区消防救援大队", UnitKind.other),
        ("ENV", "济南市生态环境局历城分局", UnitKind.other),
        ("STR", "洪家楼街道办事处", UnitKind.street_office),
    ]:
        await registry.create_unit(admin, UnitCreate(code=code, name=name, kind=kind), NOW)

    world = World()
    later = TODAY + dt.timedelta(days=700)
    inspectors = [
        ("MKT-C1", "张明", "MKT", InspectorStatus.valid, TODAY - dt.timedelta(days=300), later),
        ("MKT-C2", "李华", "MKT", InspectorStatus.valid, TODAY - dt.timedelta(days=300), later),
        ("MKT-C3", "王芳", "MKT", InspectorStatus.valid, TODAY - dt.timedelta(days=300), later),
        ("MKT-SUS", "赵强", "MKT", InspectorStatus.suspended, TODAY - dt.timedelta(days=300), later),
        ("MKT-EXP", "孙丽", "MKT", InspectorStatus.valid, TODAY - dt.timedelta(days=800), TODAY - dt.timedelta(days=1)),
        ("FIRE-C1", "周勇", "FIRE", InspectorStatus.valid, TODAY - dt.timedelta(days=300), later),
        ("FIRE-C2", "吴静", "FIRE", InspectorStatus.valid, TODAY - dt.timedelta(days=300), later),
        ("ENV-C1", "郑伟", "ENV", InspectorStatus.valid, TODAY - dt.timedelta(days=300), later),
        ("ENV-C2", "冯娟", "ENV", InspectorStatus.valid, TODAY - dt.timedelta(days=300), later),
    ]
    for cert, name, unit, status, start, end in inspectors:
        read = await registry.create_inspector(
            admin,
            InspectorCreate(name=name, unit_code=unit, cert_no=cert, valid_from=start, valid_to=end, status=status),
            NOW,
        )
        world.inspector_ids[cert] = read.id
    aux = await registry.create_inspector(admin, InspectorCreate(name="陈辅", unit_code="MKT", is_auxiliary=True), NOW)
    world.inspector_ids["MKT-AUX"] = aux.id

    for code, unit, category, method, list_status, cap, nonsite in [
        ("MKT-001", "MKT", ItemCategory.random_check, ItemMethod.onsite, ListStatus.published, 2, False),
        ("MKT-002", "MKT", ItemCategory.key_supervision, ItemMethod.onsite, ListStatus.published, 1, True),
        ("MKT-003", "MKT", ItemCategory.random_check, ItemMethod.onsite, ListStatus.draft, 1, False),
        ("MKT-ND", "MKT", ItemCategory.no_disturbance, ItemMethod.onsite, ListStatus.published, 1, True),
        ("FIRE-001", "FIRE", ItemCategory.key_supervision, ItemMethod.onsite, ListStatus.published, 2, False),
        ("FIRE-002", "FIRE", ItemCategory.random_check, ItemMethod.document, ListStatus.published, 1, True),
        ("ENV-001", "ENV", ItemCategory.key_supervision, ItemMethod.nonsite, ListStatus.published, 4, True),
        ("STR-001", "STR", ItemCategory.random_check, ItemMethod.onsite, ListStatus.published, 1, False),
    ]:
        await items.create_item(
            admin,
            ItemCreate(
                code=code,
                name=f"{code} 检查事项",
                unit_code=unit,
                legal_basis="《中华人民共和国食品安全法》第八十七条",
                object="食品经营者",
                method=method,
                yearly_cap=cap,
                nonsite_capable=nonsite,
                category=category,
                status=list_status,
            ),
            NOW,
        )
    await scenarios.create_scenario(
        admin,
        ScenarioCreate(
            code="SC-REST",
            name="餐饮服务单位联合检查",
            lead_unit_code="MKT",
            item_codes=["MKT-001", "FIRE-001"],
            industry_codes=["H62"],
            status=ListStatus.published,
        ),
        NOW,
    )
    await library.create_entry(
        admin, LibraryEntryCreate(item_code="MKT-ND", triggers=[Trigger.complaint, Trigger.monitoring]), NOW
    )

    for code, name, industry, above, whitelisted in [
        (USCC_A, "济南泉城餐饮有限公司（测试）", "H6210", True, False),
        (USCC_B, "济南华山化工有限公司（测试）", "C2614", False, False),
        (USCC_W, "济南白名单科技有限公司（测试）", "I6510", False, True),
    ]:
        await registry.create_enterprise(
            admin,
            EnterpriseCreate(
                uscc=code,
                name=name,
                address="济南市历城区花园路1号",
                latitude=36.68,
                longitude=117.06,
                industry_code=industry,
                above_scale=above,
                whitelisted=whitelisted,
                whitelist_reason="低风险、信用良好" if whitelisted else "",
                whitelist_until=TODAY + dt.timedelta(days=365) if whitelisted else None,
            ),
            NOW,
        )

    accounts = [
        UserCreate(username="admin", password=PASSWORD, role=Role.admin),
        UserCreate(username="supervisor", password=PASSWORD, role=Role.supervisor),
        UserCreate(username="planner-mkt", password=PASSWORD, role=Role.planner, unit_code="MKT"),
        UserCreate(username="approver-mkt", password=PASSWORD, role=Role.approver, unit_code="MKT"),
        UserCreate(username="planner-fire", password=PASSWORD, role=Role.planner, unit_code="FIRE"),
        UserCreate(username="approver-fire", password=PASSWORD, role=Role.approver, unit_code="FIRE"),
        UserCreate(username="inspector-mkt1", password=PASSWORD, role=Role.inspector, inspector_cert_no="MKT-C1"),
        UserCreate(username="inspector-mkt2", password=PASSWORD, role=Role.inspector, inspector_cert_no="MKT-C2"),
        UserCreate(username="inspector-fire1", password=PASSWORD, role=Role.inspector, inspector_cert_no="FIRE-C1"),
        UserCreate(username="enterprise-a", password=PASSWORD, role=Role.enterprise, uscc=USCC_A),
        UserCreate(username="enterprise-b", password=PASSWORD, role=Role.enterprise, uscc=USCC_B),
    ]
    for account in accounts:
        await users.create_user(account, hash_password_async, WORLD_INSTANT)
    for row in await User.select():
        world.actors[row["username"]] = users.actor_of(row)
    return world
