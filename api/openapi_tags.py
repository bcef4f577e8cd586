"""The API documentation's groups (OpenAPI tags): one per domain, Chinese first with the English in parentheses.

A controller (or router) names its group once, ``tags = ["检查备案 (visits)"]``; every group used must be
declared here with a description (``tests/integration/test_openapi_docs_chinese.py`` fails otherwise). The
order here is the order of the groups on the docs page (/schema/swagger): the way a visit goes, from the lists
and plans to the visit, its check-in, its verification and what the supervisor reads.
"""

from __future__ import annotations

from litestar.openapi.spec import Tag

AUTH = "账号与登录 (auth)"
REGISTRY = "执法主体、人员与企业 (registry)"
ITEMS = "检查事项清单 (inspection items)"
SCENARIOS = "联合检查场景 (joint-inspection scenarios)"
LIBRARY = "无事不扰清单 (no-disturbance library)"
VERSIONS = "清单版本 (list versions)"
LIST_IO = "清单导入导出 (list import/export)"
ANNUAL_PLANS = "年度检查计划 (annual plans)"
SCHEDULES = "月度检查计划 (monthly schedules)"
CALENDAR = "节假日日历 (holiday calendar)"
PUBLIC_SCHEDULES = "计划公示与检查预告 (public schedules)"
VISITS = "检查备案 (visits)"
APPOINTMENTS = "预约服务 (service appointments)"
RECOGNITION = "结果互认 (result recognition)"
SCAN_IN = "扫码入企 (scan-in)"
VERIFICATION = "公开核验 (public verification)"
FEEDBACK = "评价与投诉 (feedback)"
SUPERVISION = "执法监督 (supervision)"
NONSITE = "非现场检查 (non-site inspection)"
METRICS = "监督指标 (metrics)"
AUDIT = "审计留痕 (audit)"
SYSTEM = "系统 (system)"

DESCRIPTIONS: dict[str, str] = {
    AUTH: "登录取得 Bearer 令牌，查看当前账号；管理员开设账号。"
    " Log in for a bearer token (JWT); every other non-public route needs `Authorization: Bearer …`.",
    REGISTRY: "执法主体（单位）、执法人员（执法证号、有效期、状态）和企业（统一社会信用代码）的名录。"
    " The registry of inspecting units, certified inspectors and enterprises (USCC).",
    ITEMS: "涉企检查事项清单：每项有实施主体、设定依据、检查方式、年度频次上限和类别；每次修改留存版本。"
    " Only published items may be inspected (清单之外无检查).",
    SCENARIOS: "联合检查场景清单：一个场景由牵头单位和两个以上单位的事项组成，一次进门查多项。"
    " Joint-inspection scenarios: one visit, several units' items.",
    LIBRARY: "无事不扰清单：这些事项不做例行现场检查，现场检查须有触发事由（投诉举报、转办交办、数据监测等）。"
    " Items with no routine on-site inspection; a visit needs a trigger.",
    VERSIONS: "三张清单的当前版本号和变更历史，供手机端和外部系统增量同步。"
    " Current list versions and their change history, for incremental sync.",
    LIST_IO: "以 Excel（.xlsx）或 CSV 导出、导入清单；导入要么全部生效，要么全部不生效。"
    " Spreadsheet export and all-or-nothing import of the three lists.",
    ANNUAL_PLANS: "各单位的年度检查计划：草稿 → 提交 → 批准 → 向司法局备案 → 公开；备案后修改须说明理由并形成新版本。"
    " Annual inspection plans per unit, filed with the supervisor.",
    SCHEDULES: "月度检查计划：由年度计划生成全区当月任务，同一企业的任务合并为联合检查；"
    "规划员调整，主体负责人批准，司法局发布。"
    " The monthly schedule: build, edit, approve, publish, and file its visits.",
    CALENDAR: "法定节假日和调休上班日的年度日历：计划只排在工作日；管理员载入或更正官方日历，"
    "载入后落在休息日的已排检查被标出，供规划员调整。"
    " The official holiday calendar (days off, make-up working days) that plans avoid.",
    PUBLIC_SCHEDULES: "无需登录的规上企业月度检查计划公示（JSON、Excel、CSV）、企业日历订阅，以及企业的检查预告。"
    " Published monthly schedules (no login) and an enterprise's advance notice.",
    VISITS: "现场检查的备案、批准（签发检查码）、取消和改期；检查码图片与现场证据。"
    " Filing (备案) and approving on-site visits; the visit code (检查码) and evidence.",
    APPOINTMENTS: "预约式服务：企业向执法单位申请上门服务或宣传并提出时段，单位规划员选定时段受理"
    "（随即备案一次服务性检查）或说明理由不予受理，企业可撤回。"
    " An enterprise asks a unit for a service visit in slots it proposes; the unit accepts or declines.",
    RECOGNITION: "检查结果互认：检查前查看其他单位近期对同一企业相同或等效事项的检查结果，"
    "规划员可采用该结果代替本单位检查；司法局查看全部互认记录。"
    " Accept another unit's recent result instead of inspecting again.",
    SCAN_IN: "执法人员扫描企业码签到、带结果签退；未备案的扫码被拒绝并记录供司法局监督；企业码与张贴页。"
    " Check-in by scanning the enterprise code, check-out, and unfiled attempts.",
    VERIFICATION: "企业用任意手机扫检查码即可核验（无需登录，按客户端限流）；"
    "离线核验用的公钥和吊销列表；司法局查看核验日志。"
    " Verify a visit code without logging in; keys and revocations for offline verifiers.",
    FEEDBACK: "被检查企业对已签退的检查匿名评价；任何人可从核验结果一键投诉；司法局按 30 日时限办理投诉。"
    " Anonymous ratings and complaints, and the supervisor's handling of complaints.",
    SUPERVISION: "执法监督：司法局办理容错纠错案件（立案 → 核实 → 认定 → 反馈 → 纠错 → 归档，按实施办法的时限），"
    "制发监督意见书、决定书、约谈、通报、督办和移送纪检监察；相关单位查看并答复本单位的案件和文书。"
    " The supervisor's cases and documents; the unit concerned reads and answers its own.",
    NONSITE: "非现场检查：无人机、无人船、监控、云勘察和非现场执法点位等设备，检查记录及证据文件；"
    "发现问题可触发现场检查。"
    " Non-site inspection assets, records and evidence; a finding can trigger an on-site visit.",
    METRICS: "司法局的监督指标：检查量、同比、联合检查率、扫码入企率、非现场占比、计划执行率、投诉和评价等。"
    " The supervisor's figures for a period, as JSON or a workbook.",
    AUDIT: "审计链：每次状态变更都写入哈希链；司法局校验整条链、按对象查事件、签署检查点。"
    " The tamper-evident audit trail: verify the hash chain, read events, sign checkpoints.",
    SYSTEM: "服务健康检查（数据库、Redis）。 Service health.",
}

OPENAPI_TAGS = [Tag(name=name, description=description) for name, description in DESCRIPTIONS.items()]
