"""Non-site inspection in the sample history: the devices and points (assets) and their records.

The 10 truck-overload enforcement points (治超非现场执法点) belong to 交通运输; drones, an unmanned boat,
cameras and remote video (云勘察) to the units that use them. A record uses an asset of its unit, items of
that unit that may be checked non-site, and an operator of that unit whose 执法证 covers the time.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence

from api.nonsite import geojson
from api.sample.history_records import HistoryAsset, HistoryRecord
from api.sample.history_world import SAMPLE_MARK, World, local
from models.enums import NonsiteKind, NonsiteResult

ECOLOGY = "U-O01"
OVERLOAD_POINTS = 10
_ROADS = (
    "G309国道",
    "G220国道",
    "S102省道",
    "S321省道",
    "旅游路",
    "港西路",
    "工业北路",
    "飞跃大道",
    "凤凰路",
    "春暄路",
)
# (unit, kind, how many, name) — besides the overload points.
_FLEET = (
    ("U-O01", NonsiteKind.drone, 3, "生态环境无人机"),
    ("U-O01", NonsiteKind.boat, 1, "河道水质巡测无人船"),
    ("U-O01", NonsiteKind.camera, 6, "重点排污单位在线监控点位"),
    ("U-O01", NonsiteKind.remote_video, 1, "生态环境云勘察"),
    ("U-D14", NonsiteKind.boat, 1, "小清河巡查无人船"),
    ("U-D14", NonsiteKind.drone, 1, "水务巡查无人机"),
    ("U-D12", NonsiteKind.drone, 2, "城管执法无人机"),
    ("U-D12", NonsiteKind.camera, 4, "渣土运输监控点位"),
    ("U-D21", NonsiteKind.camera, 6, "明厨亮灶监控点位"),
    ("U-D21", NonsiteKind.remote_video, 1, "市场监管云勘察"),
    ("U-D20", NonsiteKind.camera, 3, "危化企业视频监控点位"),
    ("U-D20", NonsiteKind.drone, 1, "应急巡查无人机"),
    ("U-D20", NonsiteKind.remote_video, 1, "应急云勘察"),
    ("U-O03", NonsiteKind.remote_video, 1, "消防远程视频检查"),
    ("U-D11", NonsiteKind.camera, 2, "建筑工地扬尘监控点位"),
    ("U-D10", NonsiteKind.drone, 1, "自然资源卫片核查无人机"),
    ("U-D25", NonsiteKind.drone, 1, "森林防火巡查无人机"),
)
# Share of the non-ecology records per unit (the overload points make 交通运输 the biggest user).
RECORD_WEIGHTS = {"U-D13": 40.0, "U-D21": 20.0, "U-D12": 18.0, "U-D20": 10.0, "U-D14": 4.0, "U-O03": 3.0}
OTHER_RECORD_WEIGHT = 1.5
_ISSUES = {
    NonsiteKind.enforcement_point: "检测到货车超限超载，已固定证据",
    NonsiteKind.drone: "巡飞发现疑似违法线索，已留存影像",
    NonsiteKind.boat: "巡航发现水体异常，已采样留证",
    NonsiteKind.camera: "监控发现违规行为，已截图留证",
    NonsiteKind.remote_video: "远程视频核查发现问题，已告知企业整改",
}
_FIRM_KINDS = (NonsiteKind.camera, NonsiteKind.remote_video)


def assets(rng: random.Random) -> tuple[HistoryAsset, ...]:
    out: list[HistoryAsset] = []
    for n in range(1, OVERLOAD_POINTS + 1):
        road = _ROADS[n - 1]
        lat, lon = round(rng.uniform(36.62, 36.78), 6), round(rng.uniform(117.02, 117.33), 6)
        name = f"治超非现场执法点{n:02d}（{road}）{SAMPLE_MARK}"
        out.append(HistoryAsset(f"ZC-{n:02d}", NonsiteKind.enforcement_point.value, "U-D13", name, lat, lon))
    for unit, kind, count, label in _FLEET:
        for n in range(1, count + 1):
            lat, lon = round(rng.uniform(36.62, 36.78), 6), round(rng.uniform(117.02, 117.33), 6)
            code = f"{kind.value[:2].upper()}-{unit.removeprefix('U-')}-{n:02d}"
            out.append(HistoryAsset(code, kind.value, unit, f"{label}{n:02d}{SAMPLE_MARK}", lat, lon))
    return tuple(out)


class RecordMaker:
    def __init__(self, rng: random.Random, world: World, fleet: Sequence[HistoryAsset]) -> None:
        self.rng, self.world = rng, world
        self.fleet: dict[str, list[HistoryAsset]] = {}
        for asset in fleet:
            if world.nonsite.get(asset.unit_code):
                self.fleet.setdefault(asset.unit_code, []).append(asset)
        self.others = sorted(u for u in self.fleet if u != ECOLOGY)
        self.weights = [RECORD_WEIGHTS.get(u, OTHER_RECORD_WEIGHT) for u in self.others]

    def year(self, days: Sequence[dt.date], total: int, ecology: int) -> list[HistoryRecord]:
        """``ecology`` records of the ecology bureau and ``total - ecology`` of the other units, on ``days``."""
        units = [ECOLOGY] * ecology + self.rng.choices(self.others, weights=self.weights, k=max(0, total - ecology))
        return [self._record(unit, self.rng.choice(days)) for unit in units]

    def _record(self, unit: str, day: dt.date) -> HistoryRecord:
        rng = self.rng
        asset = rng.choice(self.fleet[unit])
        kind = NonsiteKind(asset.kind)
        start = local(day, rng.randint(8, 16), rng.randrange(60))
        end = start + dt.timedelta(minutes=rng.randint(20, 120))
        operator = rng.choice(self.world.inspectors_on(unit, day))
        capable = self.world.nonsite[unit]
        items = rng.sample(capable, min(len(capable), rng.choice((1, 1, 2))))
        firm = rng.choice(self.world.firms) if kind in _FIRM_KINDS else None
        if kind in (NonsiteKind.drone, NonsiteKind.boat):
            route = [[asset.longitude, asset.latitude]]
            for _ in range(rng.randint(3, 6)):
                lon, lat = route[-1]
                route.append([round(lon + rng.uniform(-0.01, 0.01), 6), round(lat + rng.uniform(-0.01, 0.01), 6)])
            geometry = geojson.validate_geometry({"type": "LineString", "coordinates": route})
        elif firm is not None:
            geometry = geojson.point(firm.latitude, firm.longitude)
        else:
            geometry = geojson.point(asset.latitude, asset.longitude)
        result = rng.choices(list(NonsiteResult), weights=(85, 12, 3))[0]
        if result == NonsiteResult.no_issue:
            findings = "未发现异常" + SAMPLE_MARK
        elif result == NonsiteResult.issue_found:
            findings = _ISSUES[kind] + SAMPLE_MARK
        else:
            findings = _ISSUES[kind] + "，已移送有关部门处理" + SAMPLE_MARK
        return HistoryRecord(
            mode=kind.value,
            asset_code=asset.code,
            unit_code=unit,
            operator_cert=str(operator.cert_no),
            started_at=start,
            ended_at=end,
            geometry=geojson.dumps(geometry),
            uscc=firm.uscc if firm else None,
            item_codes=tuple(i.code for i in items),
            findings=findings,
            result=result.value,
        )
