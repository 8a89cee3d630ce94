"""Deterministic demo register: realistic, clearly fictitious green mines for one or more provinces.

Same seed, same output. Company names carry the word 示例 and are built from the 干支 cycle and
invented place names, so no real enterprise is named.

Command line::

    python -m core.demo --seed-if-empty          # fill an empty database with the demo province
    python -m core.demo --reset                  # replace the register with the demo data (asks first)
    python -m core.demo --mines 10000 --provinces 420000,430000,360000 --xlsx bench/out/10000.xlsx
"""

from __future__ import annotations

import argparse
import io
import math
import random
import sys
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Callable

from sqlite_utils import Database

from core import config
from core import db as dbmod
from core import access, accounts, audit, campaigns, exports, inspections, inspectors, reference, registry, regions, sampling, settings, teams
from core.db import stamped_at
from core.labels import (AREAS, FLAG_OPEN_PIT, FLAG_PROBLEM, FLAG_RECTIFY, FOUND, KEEP, LEVELS, METHODS, NO,
                         NONE_FOUND, RECTIFY, REMOVE, YES)

DEFAULT_SEED = 20231017
DEFAULT_PROVINCE = "420000"
DEFAULT_MINES = 400
DEMO_ACTOR = access.System("演示数据")


@dataclass(frozen=True)
class MineralProfile:
    name: str
    weight: float
    methods: tuple[tuple[str, float], ...]  # (method, weight)
    unit: str
    low: float  # yearly production range, drawn log-uniformly
    high: float


OPEN, UNDER, BOTH = METHODS
PROFILES = (
    MineralProfile("建筑石料用灰岩", 26, ((OPEN, 1),), "万立方米/年", 2, 120),
    MineralProfile("建筑用花岗岩", 6, ((OPEN, 1),), "万立方米/年", 3, 150),
    MineralProfile("建筑用砂岩", 3, ((OPEN, 1),), "万立方米/年", 2, 80),
    MineralProfile("建筑用白云岩", 2, ((OPEN, 1),), "万立方米/年", 2, 60),
    MineralProfile("水泥用灰岩", 12, ((OPEN, 1),), "万吨/年", 30, 500),
    MineralProfile("磷矿", 10, ((UNDER, 0.75), (OPEN, 0.15), (BOTH, 0.10)), "万吨/年", 10, 400),
    MineralProfile("铁矿", 5, ((UNDER, 0.55), (OPEN, 0.35), (BOTH, 0.10)), "万吨/年", 10, 300),
    MineralProfile("铜矿", 4, ((UNDER, 0.8), (BOTH, 0.2)), "万吨/年", 5, 250),
    MineralProfile("岩金", 3, ((UNDER, 1),), "万吨/年", 2, 40),
    MineralProfile("煤", 3, ((UNDER, 1),), "万吨/年", 15, 240),
    MineralProfile("石膏", 3, ((UNDER, 1),), "万吨/年", 5, 60),
    MineralProfile("硅石", 3, ((OPEN, 1),), "万吨/年", 1, 40),
    MineralProfile("萤石", 2, ((UNDER, 1),), "万吨/年", 1, 15),
    MineralProfile("高岭土", 2, ((OPEN, 1),), "万吨/年", 1, 20),
    MineralProfile("岩盐", 2, ((UNDER, 1),), "万吨/年", 10, 200),
    MineralProfile("铅锌矿", 2, ((UNDER, 1),), "万吨/年", 3, 120),
    MineralProfile("石墨", 1, ((OPEN, 0.6), (BOTH, 0.4)), "万吨/年", 1, 15),
    MineralProfile("累托石", 1, ((OPEN, 1),), "万吨/年", 1, 10),
)

LEVEL_SHARES = (("国家级", 0.10), ("省级", 0.50), ("市级", 0.25), ("县级", 0.15))
LISTING_YEARS = {"国家级": (2019, 2020), "省级": (2018, 2023), "市级": (2020, 2024), "县级": (2020, 2024)}

STEMS = "甲乙丙丁戊己庚辛壬癸"
BRANCHES = "子丑寅卯辰巳午未申酉戌亥"
PLACE_FIRST = "青黄白石龙凤狮鹰马牛松柏桃竹金银红乌大小东西南北高长双三五九堃犇喆赟"
PLACE_SECOND = "石山峰岩林泉溪冲坪湾岗坡垭垴"
PLACE_LAST = "岭沟坪湾山冲岗垭坳寨"

PROBLEM_LEADS = (
    ("群众信访反映夜间爆破扰民", "群众来信"),
    ("卫片执法发现疑似越界开采图斑", "卫片执法"),
    ("督察反馈矿区扬尘治理不到位", "生态环境保护督察"),
    ("年度信息公示实地核查发现储量数据不实", "勘查开采信息公示实地核查"),
    ("12345 热线反映运输道路抛洒", "12345 热线"),
    ("媒体报道排土场边坡存在滑塌隐患", "媒体报道"),
)
RECTIFY_DEMANDS = (
    "排土场边坡未完成复绿，限期完成生态修复",
    "矿区道路硬化和洒水降尘设施不完善",
    "数字化矿山建设滞后，未建立资源储量动态监测",
    "固体废物综合利用率偏低，需制定利用方案",
    "矿山地质环境治理恢复基金计提不足",
    "矿区标识标牌和公示内容不规范",
)
REMOVAL_REASONS = (
    "采矿许可证到期注销",
    "发生较大生产安全事故",
    "资源枯竭关闭",
)


def _place_name(rng: random.Random) -> str:
    return rng.choice(PLACE_FIRST) + rng.choice(PLACE_SECOND) + rng.choice(PLACE_LAST)


def _weighted(rng: random.Random, pairs: tuple[tuple[Any, float], ...] | list[tuple[Any, float]]) -> Any:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def _counties_with_weights(province_code: str) -> list[tuple[regions.Region, float]]:
    # Mines sit mostly in rural counties; urban districts (…区) get a small share.
    return [
        (c, 0.1 if c.name.endswith("区") and not c.name.endswith("林区") else 1.0)
        for c in regions.counties(province_code) if c.lon is not None
    ]


def generate(mines: int = DEFAULT_MINES, province_codes: tuple[str, ...] = (DEFAULT_PROVINCE,),
             seed: int = DEFAULT_SEED) -> list[dict[str, Any]]:
    """``mines`` demo mines spread evenly over the provinces; values keyed like the register's columns."""
    rng = random.Random(seed)
    out: list[dict[str, Any]] = []
    used_names: set[str] = set()
    used_licences: set[str] = set()
    per_province = [mines // len(province_codes) + (1 if i < mines % len(province_codes) else 0)
                    for i in range(len(province_codes))]
    for province_code, count in zip(province_codes, per_province):
        province = regions.region_by_code(province_code)
        if province is None or province.kind != "province":
            raise ValueError(f"未知的省级行政区划代码：{province_code}")
        counties = _counties_with_weights(province_code)
        levels = [level for level, share in LEVEL_SHARES for _ in range(round(count * share))]
        levels = (levels + [LEVELS[1]] * count)[:count]
        rng.shuffle(levels)
        for level in levels:
            out.append(_one_mine(rng, province, counties, level, used_names, used_licences))
    return out


def _fitting(choices: tuple, index: int, method: str):
    """The choice at ``index``, or the next one that fits the mine: a lead or an earlier demand about a
    waste dump (排土场) only for a mine that has one, i.e. that mines open-pit."""
    for step in range(len(choices)):
        choice = choices[(index + step) % len(choices)]
        if method != UNDER or "排土场" not in (choice[0] if isinstance(choice, tuple) else choice):
            return choice
    raise AssertionError("no choice fits")


def _one_mine(rng: random.Random, province: regions.Region, counties: list[tuple[regions.Region, float]],
              level: str, used_names: set[str], used_licences: set[str]) -> dict[str, Any]:
    county = _weighted(rng, counties)
    city = regions.region_by_code(county.prefecture_code) or province
    profile = _weighted(rng, [(p, p.weight) for p in PROFILES])
    method = _weighted(rng, profile.methods)
    value = round(math.exp(rng.uniform(math.log(profile.low), math.log(profile.high))), 1)
    brand = rng.choice(STEMS) + rng.choice(BRANCHES)
    owner = f"{county.name}{brand}示例矿业有限公司"
    place = _place_name(rng)
    mineral_word = profile.name if profile.name.endswith("矿") else profile.name + "矿"
    name = f"{owner}{place}{mineral_word}"
    while name in used_names:
        place = _place_name(rng)
        name = f"{owner}{place}{mineral_word}"
    used_names.add(name)
    year_low, year_high = LISTING_YEARS[level]
    listing_year = rng.randint(year_low, year_high)
    licence = ""
    while not licence or licence in used_licences:
        issued = rng.randint(2006, 2022)
        licence = f"C{county.code}{issued}{rng.randint(1, 12):02d}{rng.randrange(10**10):010d}"
    used_licences.add(licence)
    lead = _fitting(PROBLEM_LEADS, rng.randrange(len(PROBLEM_LEADS)), method) if rng.random() < 0.10 else None
    demand = _fitting(RECTIFY_DEMANDS, rng.randrange(len(RECTIFY_DEMANDS)), method) if rng.random() < 0.10 else None
    assert county.lon is not None and county.lat is not None
    return {
        "licence_no": licence,
        "name": name,
        "owner": owner,
        "level": level,
        "listing_year": listing_year,
        "listing_batch": f"{listing_year}年度{level}绿色矿山名录",
        "province": province.name,
        "province_code": province.code,
        "city": city.name,
        "city_code": city.code,
        "county": county.name,
        "county_code": county.code,
        "mineral": profile.name,
        "method": method,
        "scale_value": value,
        "scale_unit": profile.unit,
        "scale_class": reference.scale_class_for(profile.name, method, value, profile.unit),
        "standard": reference.standard_for(profile.name),
        "lon": round(county.lon + rng.uniform(-0.12, 0.12), 6),
        "lat": round(county.lat + rng.uniform(-0.10, 0.10), 6),
        "flag_problem": int(lead is not None),
        "problem_desc": lead[0] if lead else "",
        "problem_source": lead[1] if lead else "",
        "flag_rectify": int(demand is not None),
        "rectify_demand": demand or "",
        "tags": "生态保护红线周边" if rng.random() < 0.05 else "",
    }


SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "华明强军平伟芳敏静丽勇杰磊涛斌超刚辉健波宁玲燕红霞琳"


def generate_inspectors(province_code: str = DEFAULT_PROVINCE, count: int = 45, seed: int = DEFAULT_SEED) -> list[dict[str, Any]]:
    """Fictitious inspectors ("张某华": 某 marks a made-up name) from the province's and cities' departments."""
    rng = random.Random(seed + 2)
    province = regions.region_by_code(province_code)
    assert province is not None
    cities = list(regions.prefectures(province_code))
    people, names = [], set()
    while len(people) < count:
        name = rng.choice(SURNAMES) + "某" + rng.choice(GIVEN)
        if name in names:
            continue
        names.add(name)
        at_province = rng.random() < 0.35
        city = None if at_province else rng.choice(cities)
        unit = (rng.choice((f"{province.name}自然资源厅", f"{province.name}地质调查院", f"{province.name}国土整治中心"))
                if at_province else f"{city.name}自然资源和规划局")
        senior = rng.random() < 0.4
        title = rng.choice(("正高级", "副高级")) if senior else rng.choice(("中级", "中级", "初级"))
        rank = rng.choice(("处级", "科级", "无")) if at_province else rng.choice(("科级", "无", "处级"))
        people.append({
            "name": name, "unit": unit, "title": title, "rank": rank,
            # 人员类型 from the unit and the post: the departments' officials manage, the institutes support,
            # and senior professionals outside the administration sit as experts.
            "kind": ("管理人员" if unit.endswith(("自然资源厅", "自然资源和规划局")) and rank != "无"
                     else "专家" if title == "正高级" else "业务支撑人员"),
            "specialty": rng.choice(inspectors.SPECIALTIES[:8]),
            "prefecture": city.name if city else "", "prefecture_code": city.code if city else "",
            "conflicts": "", "active": 1,
        })
    return people


def load_demo(db: Database, mines: int = DEFAULT_MINES, province_code: str = DEFAULT_PROVINCE, seed: int = DEFAULT_SEED,
              progress: Callable[[float], None] | None = None, actor: str = DEMO_ACTOR) -> int:
    """Replace the register with the demo data for one province, in one transaction; returns the count.
    ``actor`` asks for the reset (an administrator, or the command line); the data itself is written as the demo."""
    access.require(actor, access.SETTINGS)
    rows = generate(mines, (province_code,), seed)
    rng = random.Random(seed + 1)
    removed = rng.sample(range(len(rows)), k=max(1, len(rows) // 50))
    with dbmod.transaction(db):
        dbmod.erase_all_data(db)
        audit.log(db, actor, "重置为演示数据", province_code, new={"mines": len(rows)})
        settings.set_province(db, province_code, DEMO_ACTOR)
        registry.upsert_mines(db, rows, DEMO_ACTOR, "演示数据")
        for person in generate_inspectors(province_code, seed=seed):
            inspectors.save(db, person, actor=DEMO_ACTOR)
        if progress:
            progress(0.8)
        for index in removed:
            mine = registry.get_by_licence(db, rows[index]["licence_no"])
            assert mine is not None
            registry.remove_mine(db, mine["id"], date(2024, rng.randint(1, 12), rng.randint(1, 28)),
                                 rng.choice(REMOVAL_REASONS), mine["version"], DEMO_ACTOR)
    if progress:
        progress(1.0)
    return len(rows)


def only_demo_data(db: Database) -> bool:
    """True when the register is empty or every mine in it was written by the demo loader (its first history
    entry is the demo's): the case where replacing everything with demo data loses nothing real."""
    row = db.execute(
        "SELECT COUNT(*) FROM mines m WHERE (SELECT actor FROM mine_history h WHERE h.mine_id = m.id "
        "ORDER BY h.id LIMIT 1) IS NOT ?", [DEMO_ACTOR]).fetchone()
    return row[0] == 0


# The demo's rules, as a province with this register would choose them: problem leads and mines told to
# rectify are all checked; open-pit mines (close to seven in ten of the register) are drawn at their own
# 10 %, since taking them all would leave nothing to chance; the rest of 30 % is drawn at random.
DEMO_RULES = sampling.Rules(
    ratio=0.30, policy={FLAG_PROBLEM: sampling.ALL, FLAG_RECTIFY: sampling.ALL, FLAG_OPEN_PIT: 0.10},
    note="问题线索和“回头看”提出整改要求的矿山全部纳入重点核查；露天开采（含露天-地下联合开采）矿山约占名录七成，"
         "全部纳入将使抽取失去随机性，故按 10% 优先抽取；其余由随机抽取补足到各级别在册数的 30%。")


def draw_day(year: int) -> datetime:
    """When the demo's draw meeting took place: after the notice, before the inspections."""
    return datetime(year, 10, 20, 10, 0)


def start_campaign(db: Database, year: int = 2023, team_count: int = 3, witness: str = "演示见证 2023",
                   actor: str = DEMO_ACTOR, deadline: date | None = None) -> campaigns.Campaign:
    """A campaign with its draw confirmed and its teams drawn, as after the draw meeting (on
    :func:`draw_day` for a past year; now for this year and later)."""
    province_name = settings.province(db).name
    meeting = draw_day(year) if draw_day(year) < datetime.now() else datetime.now().replace(microsecond=0)
    with stamped_at(meeting - timedelta(days=4)):
        campaign_id = campaigns.create(db, year, campaigns.default_title(province_name, year),
                                       deadline or date(year, 11, 30), DEMO_RULES, [], actor,
                                       basis=[campaigns.BASIS_PRESETS[0 if year < 2024 else 1]])
    with stamped_at(meeting - timedelta(hours=1)):
        frozen = campaigns.freeze(db, campaign_id, actor)
    with stamped_at(meeting):
        campaigns.confirm(db, frozen["id"], witness, actor, province_name)
    campaign = campaigns.get(db, campaign_id)
    # The seed is new each time, and a small demo pool cannot always staff every prefecture with
    # recusal: the demo then takes one more team (a real coordinator reads the draw's message).
    with stamped_at(meeting + timedelta(minutes=30)):
        for count in range(team_count, team_count + 6):
            try:
                teams.save_team_draw(db, campaign, teams.TeamRules(teams=count), actor)
                break
            except teams.TeamError:
                continue
    return campaign


def demo_photo(rng: random.Random, taken: datetime, lat: float, lon: float) -> bytes:
    """A fictitious site photo (coloured shapes) with EXIF capture time, GPS position and device."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (800, 600), tuple(rng.randrange(90, 200) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 380, 800, 600), fill=tuple(rng.randrange(60, 140) for _ in range(3)))
    for _ in range(6):
        x, y = rng.randrange(0, 700), rng.randrange(100, 500)
        draw.ellipse((x, y, x + rng.randrange(40, 200), y + rng.randrange(30, 120)),
                     fill=tuple(rng.randrange(0, 256) for _ in range(3)))
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "示例".encode(), b"Phone 12"  # UTF-8, as Chinese phones write it
    exif.get_ifd(0x8769)[0x9003] = taken.strftime("%Y:%m:%d %H:%M:%S")

    def dms(value: float) -> tuple:
        degrees, rest = divmod(abs(value) * 3600, 3600)
        minutes, seconds = divmod(rest, 60)
        return (degrees, minutes, round(seconds, 2))

    exif.get_ifd(0x8825).update({1: "N", 2: dms(lat), 3: "E", 4: dms(lon)})
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85, exif=exif.tobytes())
    return buffer.getvalue()


# --- the demo's inspection records ---------------------------------------------------------------
# Findings as inspection reports word them, each for the mines it can concern: ``where`` says which
# mining method (open pit, underground; a combined mine is both) and which kind of mineral. Nothing here is
# an official list: it makes the demo's records read like real ones.

STONE = frozenset({"建筑石料用灰岩", "建筑用花岗岩", "建筑用砂岩", "建筑用白云岩", "水泥用灰岩", "硅石"})
ORE = frozenset({"磷矿", "铁矿", "铜矿", "岩金", "萤石", "铅锌矿", "石墨"})  # concentrated on site: tailings
COAL = frozenset({"煤"})


@dataclass(frozen=True)
class Finding:
    text: str
    where: str = "any"  # any, open, under, stone, ore, coal, not_stone


def _fits(where: str, method: str, mineral: str) -> bool:
    return {
        "any": True,
        "open": method in (OPEN, BOTH),
        "under": method in (UNDER, BOTH),
        "stone": mineral in STONE,
        "ore": mineral in ORE,
        "coal": mineral in COAL,
        "not_stone": mineral not in STONE,
    }[where]


DEMO_FINDINGS: tuple[tuple[Finding, ...], ...] = (
    (  # 矿区环境
        Finding("矿区运输道路扬尘治理不到位，道路两侧积尘明显"), Finding("部分安全警示和标识标牌缺失或破损"),
        Finding("工业场地物料露天堆放，未分区苫盖"), Finding("排土场局部边坡未复绿，坡面有冲沟", "open"),
        Finding("采场周边截排水沟淤堵", "open"), Finding("井口工业场地绿化不足，裸露地面较多", "under"),
        Finding("废石场未设挡墙和截排水设施", "under"), Finding("尾矿库坝坡局部未覆绿", "ore"),
        Finding("煤矸石堆场自燃隐患未完全消除", "coal"),
    ),
    (  # 资源开发方式
        Finding("台阶高度、坡面角与开发利用方案不符", "open"), Finding("已到界边坡未及时复绿，未做到边开采边治理", "open"),
        Finding("未按设计自上而下分台阶开采", "open"), Finding("采空区充填进度滞后于设计", "under"),
        Finding("地表沉陷监测点布设不足，监测记录不连续", "under"), Finding("井下回采率低于开发利用方案指标", "under"),
        Finding("矿山地质环境治理恢复基金计提不足"), Finding("土地复垦方案确定的年度复垦任务未完成"),
    ),
    (  # 资源综合利用
        Finding("石粉、泥土等副产物未综合利用，堆存量大", "stone"), Finding("尾矿未开展综合利用", "ore"),
        Finding("共伴生资源未综合回收", "ore"), Finding("矿井水利用率偏低，部分外排", "under"),
        Finding("煤矸石综合利用率偏低", "coal"), Finding("废石综合利用率偏低", "not_stone"),
    ),
    (  # 节能减排
        Finding("未建立能耗核算体系"), Finding("高耗能设备未按期淘汰"),
        Finding("破碎筛分车间粉尘收集设施不完善", "stone"), Finding("爆破作业未采取降尘措施", "open"),
        Finding("井下主通风机未实施变频改造，能效偏低", "under"), Finding("选矿废水未实现循环利用", "ore"),
    ),
    (  # 科技创新与数字化矿山
        Finding("数字化矿山建设停留在规划阶段"), Finding("研发投入未达到要求，无在研项目"),
        Finding("未建立边坡在线监测系统", "open"), Finding("井下人员定位与安全监测监控系统未联网", "under"),
    ),
    (  # 企业管理与企业形象
        Finding("绿色矿山管理制度不健全，职责分工不明确"), Finding("未定期开展绿色矿山自评估"),
        Finding("与周边群众的沟通协商机制不完善"), Finding("环境监测台账不完整"),
    ),
)

# How each area was checked: documents read, places seen, persons asked (one of each, chosen for the mine).
DEMO_DOCUMENTS = (
    ("矿山地质环境保护与土地复垦方案", "矿区绿化规划及实施台账", "环境影响评价报告及批复"),
    ("矿产资源开发利用方案", "年度储量报告", "采掘工程平面图"),
    ("资源综合利用台账", "固体废物管理台账", "废水处置与回用记录"),
    ("能耗统计报表", "粉尘、噪声监测报告", "主要用能设备清单"),
    ("数字化矿山建设方案", "研发投入凭证及科研项目资料", "安全监测监控系统运行记录"),
    ("绿色矿山管理制度汇编", "绿色矿山自评估报告", "企业年度信息公示材料"),
)
DEMO_PLACES = (
    (Finding("采场、排土场和工业场地", "open"), Finding("井口工业场地和废石场", "under"), Finding("矿区道路和办公生活区")),
    (Finding("采场台阶和已到界边坡", "open"), Finding("井下采场和充填系统", "under"), Finding("地表沉陷区", "under")),
    (Finding("石粉、废石堆场和综合利用生产线", "stone"), Finding("尾矿库和选矿厂", "ore"), Finding("矿井水处理站", "under"),
     Finding("废石场")),
    (Finding("破碎筛分车间", "stone"), Finding("空压机房和主要用能设备"), Finding("主通风机房", "under")),
    (Finding("调度监控中心"), Finding("边坡监测点", "open"), Finding("井下人员定位系统", "under")),
    (Finding("档案室"), Finding("矿区公示栏"), Finding("周边村组")),
)
DEMO_PERSONS = (
    (Finding("矿长"), Finding("安全环保部负责人")), (Finding("总工程师"), Finding("生产技术部负责人")),
    (Finding("生产技术部负责人"), Finding("选矿厂厂长", "ore"), Finding("砂石加工车间主任", "stone")),
    (Finding("设备能源部负责人"), Finding("安全环保部负责人")), (Finding("信息中心负责人"), Finding("总工程师")),
    (Finding("综合办公室负责人"), Finding("周边村民代表")),
)

KEY_AREA_CAPTIONS = {
    "矿容矿貌": (("矿区全貌", "any"), ("工业场地", "any"), ("矿区运输道路", "any")),
    "开采区": (("采场台阶", "open"), ("采场全景", "open"), ("主井口", "under"), ("井下采场", "under")),
    "生态修复区": (("排土场复绿区", "open"), ("已到界边坡复绿", "open"), ("废石场复绿区", "under"),
                  ("沉陷区治理", "under")),
    "重点设备": (("破碎筛分设备", "stone"), ("选矿设备", "ore"), ("除尘喷淋设施", "any"), ("主通风机", "under")),
}


@dataclass(frozen=True)
class RemovalCase:
    """A removal the demo can record: the words a ground of :func:`inspections.removal_reasons` must
    contain, the finding on the record (area, text) and, when the ground is a legality failure, the
    question it fails and the note."""

    words: tuple[str, ...]
    area: int
    finding: str
    legality: str = ""
    note: str = ""
    needs_demand: bool = False  # only for a mine given a rectification demand earlier (回头看)

    def fact(self, ground: str, demand: str = "") -> str:
        """The finding, as grave as the ground says (an accident 较大 or 重大, when the ground names one)."""
        return self.finding.format(severity=next((w for w in ("特别重大", "重大", "较大") if w in ground), ""),
                                   demand=demand)


REMOVAL_CASES = (
    RemovalCase(("6个月",), 5, "“回头看”提出的整改要求（{demand}）逾期6个月以上仍未完成整改", needs_demand=True),
    RemovalCase(("证照", "许可证"), 5, "采矿许可证已过有效期，企业未办理延续登记仍在生产", "legal_licence",
                "采矿许可证有效期已届满，未办理延续"),
    RemovalCase(("越界",), 1, "卫片执法图斑显示矿区范围外存在开采痕迹，越界开采面积约0.4公顷", "legal_boundary",
                "矿区范围外存在开采痕迹，经核实为越界开采"),
    RemovalCase(("枯竭", "闭坑"), 1, "保有资源储量已近枯竭，矿山已停产准备闭坑"),
    RemovalCase(("事故",), 5, "近三年内发生{severity}生产安全事故，经事故调查认定企业负有责任"),
)


def removal_ground(reasons: list[str], case: RemovalCase) -> str | None:
    """The ground among ``reasons`` (by its text, not its place in the list) that ``case`` rests on, if any."""
    return next((reason for reason in reasons if any(word in reason for word in case.words)), None)


def _for_mine(rng: random.Random, options, method: str, mineral: str):
    fitting = [o for o in options if _fits(o.where, method, mineral)]
    return rng.choice(fitting) if fitting else None


def _checked(rng: random.Random, index: int, method: str, mineral: str) -> str:
    place = _for_mine(rng, DEMO_PLACES[index], method, mineral)
    person = _for_mine(rng, DEMO_PERSONS[index], method, mineral)
    return (f"查阅{rng.choice(DEMO_DOCUMENTS[index])}；现场查看{place.text if place else '矿区'}；"
            f"询问{person.text if person else '矿山负责人'}")


def _opinions(rng: random.Random, conclusion: str, found: list[str], deadline: date | None, ground: str,
              fact: str) -> str:
    """意见建议 that follow from the conclusion and name the record's own problems (``fact``: what a removal
    rests on)."""
    if conclusion == REMOVE:
        return rng.choice((
            f"{fact}，属于“{ground}”的移出情形，建议按程序移出绿色矿山名录，并督促企业依法依规处理。",
            f"核查发现{fact}，属于“{ground}”情形，建议省级自然资源主管部门按程序提出移出建议。",
        ))
    if conclusion == RECTIFY:
        listed = "、".join(found[:2]) + ("等问题" if len(found) > 2 else "问题")
        due = f"{deadline.month}月{deadline.day}日" if deadline else "整改期限"
        return rng.choice((
            f"督促企业针对{listed}制定整改方案，明确责任人和时限，于{due}前完成整改并报送整改材料。",
            f"{listed}须限期整改；企业应于{due}前报送整改报告，由市级自然资源主管部门组织复核。",
            f"建议企业对照行业标准，重点解决{listed}，整改完成后申请复核。",
        ))
    if found:
        return rng.choice((
            f"{found[0]}属一般性问题，建议企业自行整改，纳入下一年度自评估。",
            f"建议企业尽快解决{found[0]}，持续巩固绿色矿山建设成果。",
        ))
    return rng.choice((
        "绿色矿山建设成效较好，建议继续保持，按年度开展自评估。",
        "建议进一步推进数字化矿山建设，巩固现有成果。",
        "建议加强矿区绿化养护，保持矿容矿貌整洁。",
        "建议完善资源综合利用台账，持续提升综合利用水平。",
    ))


def _legality(rng: random.Random, case: RemovalCase | None, year: int) -> dict[str, str]:
    content = {field: YES for field, _ in inspections.LEGALITY}
    content.update({f"{field}_note": "" for field, _ in inspections.LEGALITY})
    if rng.random() < 0.5:
        content["legal_licence_note"] = f"采矿许可证有效期至{year + rng.randint(2, 9)}年{rng.randint(1, 12)}月"
    if case and case.legality:
        content[case.legality], content[f"{case.legality}_note"] = NO, case.note
    return content


@dataclass
class _Plan:
    """One demo record before it is written: the mine, the days, the content, whether it is submitted."""

    mine_id: int
    method: str
    mineral: str
    lat: float | None
    lon: float | None
    first: date
    last: date
    content: dict[str, Any]
    submitted: bool


def _plan_content(rng: random.Random, mine: dict[str, Any], first: date, last: date,
                  reasons: list[str], short_deadline: bool) -> dict[str, Any]:
    method, mineral, demand = mine["method"], mine["mineral"], mine.get("rectify_demand", "")
    # A mine told to rectify in the 回头看 review more often fails again.
    conclusion = _weighted(rng, ((KEEP, 0.5), (RECTIFY, 0.3), (REMOVE, 0.2)) if demand else
                           ((KEEP, 0.74), (RECTIFY, 0.22), (REMOVE, 0.04)))
    case, ground = None, ""
    if conclusion == REMOVE:
        # A removal rests on a ground of the list that fits the mine; without one, the team orders rectification.
        grounded = [(c, g) for c in REMOVAL_CASES if (g := removal_ground(reasons, c)) and (demand or not c.needs_demand)]
        if grounded:
            case, ground = rng.choice(grounded)
        else:
            conclusion = RECTIFY
    content: dict[str, Any] = {"date_from": first.isoformat(), "date_to": last.isoformat(),
                               **_legality(rng, case, first.year)}
    found: list[str] = []
    for index, options in enumerate(DEMO_FINDINGS):
        problem = None
        if case and case.area == index:
            problem = case.fact(ground, demand)
        elif rng.random() < {KEEP: 0.12, RECTIFY: 0.45, REMOVE: 0.35}[conclusion]:
            picked = _for_mine(rng, options, method, mineral)
            problem = picked.text if picked else None
        content[inspections.area_key(index, "finding")] = FOUND if problem else NONE_FOUND
        content[inspections.area_key(index, "problems")] = problem or ""
        content[inspections.area_key(index, "checked")] = _checked(rng, index, method, mineral)
        found += [problem] if problem else []
    if conclusion == RECTIFY and not found:
        index = rng.randrange(len(DEMO_FINDINGS))
        problem = _for_mine(rng, DEMO_FINDINGS[index], method, mineral)
        assert problem is not None  # every area has findings for any mine
        content[inspections.area_key(index, "finding")] = FOUND
        content[inspections.area_key(index, "problems")] = problem.text
        found.append(problem.text)
    deadline = None
    if conclusion == RECTIFY:
        # A third of the teams set 30 days for small problems: the follow-up then shows cases overdue and due soon.
        deadline = last + timedelta(days=30) if short_deadline else inspections.default_deadline(content, last)
        content.update(rectify_measures="；".join(f"针对“{p}”限期整改" for p in found),
                       rectify_deadline=deadline.isoformat())
    if conclusion == REMOVE:
        content["removal_reason"] = ground
    content.update(opinions=_opinions(rng, conclusion, found, deadline, ground, case.fact(ground, demand) if case else ""),
                   main_problems="；".join(found),
                   compliant=NO if conclusion == REMOVE else YES, conclusion=conclusion)
    return content


def _at(day: date, hour: int, minute: int) -> datetime:
    """A moment on ``day``, never later than now (a demo built today stamps nothing in the future)."""
    return min(datetime.combine(day, datetime.min.time()) + timedelta(hours=hour, minutes=minute),
               datetime.now().replace(microsecond=0))


def _key_photos(db: Database, rng: random.Random, plan: _Plan, record_id: int, areas: list[str], number: int) -> int:
    """A site photo of each of ``areas``, taken on the inspection days near the mine; returns the next number."""
    for area in areas:
        if plan.lat is None or plan.lon is None:
            return number
        captions = [c for c, where in KEY_AREA_CAPTIONS.get(area, (("现场照片", "any"),))
                    if _fits(where, plan.method, plan.mineral)] or ["现场照片"]
        day = plan.first + timedelta(days=rng.randrange((plan.last - plan.first).days + 1))
        taken = _at(day, 9, rng.randrange(0, 420))
        photo = demo_photo(rng, taken, plan.lat + rng.uniform(-0.004, 0.004), plan.lon + rng.uniform(-0.004, 0.004))
        number += 1
        with dbmod.stamped_at(taken + timedelta(minutes=5)):
            inspections.add_evidence(db, record_id, photo, f"IMG_{number:04d}.jpg", area, rng.choice(captions), DEMO_ACTOR)
    return number


def _write(db: Database, campaign: campaigns.Campaign, rng: random.Random, plan: _Plan, number: int) -> int:
    """Write one planned record as its team would have: opened and filled on the first day, photographed on
    site, confirmed by each member (the leader last) and submitted on the last day. Returns the photo count."""
    with dbmod.stamped_at(_at(plan.first, 8, 30)):
        record = inspections.open_record(db, campaign, plan.mine_id, DEMO_ACTOR)
    with dbmod.stamped_at(_at(plan.last, 15, 30)):
        inspections.save_draft(db, record.id, plan.content, record.version, DEMO_ACTOR)
    areas = list(campaign.photo_areas) + ([inspections.KEY_EQUIPMENT] if rng.random() < 0.4 else [])
    number = _key_photos(db, rng, plan, record.id, areas if plan.submitted else areas[:1], number)
    if not plan.submitted:
        return number
    team = inspections.team_of(db, inspections.get(db, record.id))
    for minute, member in enumerate(sorted(team, key=lambda m: m["role"] == teams.LEADER)):
        with dbmod.stamped_at(_at(plan.last, 16, 10 + 3 * minute)):
            inspections.sign(db, record.id, member["inspector_id"], access.System(member["name"]))  # each member, not 代签
    with dbmod.stamped_at(_at(plan.last, 17, 0)):
        inspections.submit(db, record.id, inspections.get(db, record.id).version, DEMO_ACTOR)
    return number


def demo_campaign(db: Database, today: date | None = None,
                  progress: Callable[[float], None] | None = None) -> campaigns.Campaign:
    """This year's campaign under way, for demonstrations: mines and teams drawn, inspections between the
    draw and today (never after the deadline), about half the records submitted (mostly 保留, some 整改, a
    few 移出 on a ground of the removal list), some drafts. Every submitted record has photos of each key
    area taken on its inspection days and the confirmations of its team on its last day."""
    today = today or date.today()
    deadline = date(today.year, 11, 30) if date(today.year, 11, 30) >= today else today + timedelta(days=30)
    campaign = start_campaign(db, today.year, deadline=deadline)
    first_day, last_day = inspections.inspection_window(db, campaign)
    last_day = min(last_day, max(first_day, today - timedelta(days=1)))
    span = (last_day - first_day).days
    mines = inspections.campaign_records(db, campaign)
    rng = random.Random(DEFAULT_SEED + 2)
    reasons = inspections.removal_reasons()
    submitted, drafts = int(len(mines) * 0.45), int(len(mines) * 0.15)
    # Teams work through their mines in their own order: every level has records at every stage.
    order = sorted(range(len(mines)), key=lambda i: rng.random())
    plans = []
    for number, row in enumerate(mines.iloc[order[:submitted + drafts]].itertuples()):
        mine = db.execute("SELECT method, mineral, lat, lon, rectify_demand FROM mines WHERE id = ?",
                          [int(row.id)]).fetchone()
        first = first_day + timedelta(days=rng.randint(min(1, span), span))
        last = min(first + timedelta(days=rng.choice((0, 1))), last_day)
        short = random.Random(int(row.id)).random() < 0.35
        content = _plan_content(rng, {"method": mine[0], "mineral": mine[1], "rectify_demand": mine[4]}, first, last,
                                reasons, short)
        if number >= submitted:  # a draft: the legality and the first areas filled in, no conclusion yet
            content = {k: v for k, v in content.items() if k.startswith(("date", "legal", "area0", "area1", "area2"))}
        plans.append(_Plan(int(row.id), mine[0], mine[1], mine[2], mine[3], first, last, content, number < submitted))
    photo_number = 0
    # Written day by day, as the campaign went: the audit trail's entries follow one another in time.
    for done, plan in enumerate(sorted(plans, key=lambda p: (p.last, p.first, p.mine_id)), start=1):
        photo_number = _write(db, campaign, rng, plan, photo_number)
        if progress:
            progress(done / len(plans))
    return campaign


DEMO_PASSWORD = "lvkuang2023"


def demo_accounts(db: Database) -> list[dict[str, str]]:
    """One account per role for demonstrations, all with :data:`DEMO_PASSWORD`, when there are no accounts
    yet (else none). The two inspectors are the leader of team 1 and a member of team 2 of the latest
    campaign, if teams are drawn; returns what was created (username, name, role) for printing."""
    if not accounts.needs_first_admin(db):
        return []
    wanted = [("admin", "系统管理员", access.ADMIN, None), ("zuzhi", "组织者", access.ORGANIZER, None),
              ("chakan", "督导查看", access.VIEWER, None)]
    campaign = inspections.current_campaign(db)
    draw_id = teams.latest_team_draw_id(db, campaign) if campaign else None
    team = teams.members(db, draw_id) if draw_id else []
    for username, team_no, leader in (("hecha1", 1, True), ("hecha2", 2, False)):
        member = next((m for m in team if m["team_no"] == team_no and (m["role"] == teams.LEADER) == leader), None)
        if member:
            wanted.append((username, member["name"], access.INSPECTOR, member["inspector_id"]))
    for username, name, role, inspector_id in wanted:
        accounts.create_user(db, username, name, role, DEMO_PASSWORD, DEMO_ACTOR, inspector_id=inspector_id,
                             must_change=False)
    return [{"username": u, "name": n, "role": r} for u, n, r, _ in wanted]


def write_xlsx(rows: list[dict[str, Any]], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(exports.register_xlsx(rows))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="生成演示用绿色矿山名录（确定性，可重复）")
    parser.add_argument("--mines", type=int, default=DEFAULT_MINES, help="矿山数量（默认 400）")
    parser.add_argument("--provinces", default=DEFAULT_PROVINCE, help="省级代码，逗号分隔（默认 420000 湖北省）")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="随机种子")
    parser.add_argument("--xlsx", type=Path, help="把生成的名录写成 xlsx 文件（可用于手工试导入）")
    parser.add_argument("--seed-if-empty", action="store_true", help="名录库为空时写入演示数据")
    parser.add_argument("--reset", action="store_true", help="清空名录库并写入演示数据")
    parser.add_argument("--yes", action="store_true", help="--reset 时不再询问")
    parser.add_argument("--campaign", action="store_true",
                        help="写入演示数据时另建一个进行中的核查任务（已抽取矿山和核查组，部分核查记录已提交）")
    args = parser.parse_args(argv)
    codes = tuple(c.strip() for c in args.provinces.split(",") if c.strip())

    if args.xlsx:
        write_xlsx(generate(args.mines, codes, args.seed), args.xlsx)
        print(f"已生成 {args.mines} 座演示矿山：{args.xlsx}")
    if args.seed_if_empty or args.reset:
        database = dbmod.connect()
        if args.seed_if_empty and registry.count_mines(database) > 0:
            print(f"名录库已有 {registry.count_mines(database)} 座矿山，未写入演示数据。")
            return 0
        if args.reset and not args.yes:
            answer = input("将清空名录库中的全部矿山及其修改记录，并写入演示数据。确定吗？输入 yes 继续：")
            if answer.strip().lower() != "yes":
                print("已取消。")
                return 1
        count = load_demo(database, args.mines, codes[0], args.seed)
        if args.campaign:
            campaign = demo_campaign(database)
            print(f"已建立演示核查任务“{campaign.title}”，部分核查记录已提交。")
        province_name = regions.region_by_code(codes[0]).name
        sample = config.data_dir() / f"{province_name}绿色矿山名录（演示数据）.xlsx"
        write_xlsx(generate(args.mines, codes[:1], args.seed), sample)
        print(f"已写入 {count} 座演示矿山（{province_name}）：{config.db_path()}")
        print(f"同样的数据另存为 Excel，可在“名录导入与导出”页试导入：{sample}")
        created = demo_accounts(database)
        if created:
            print(f"演示账号（密码均为 {DEMO_PASSWORD}，正式使用前请在“账号管理”页停用或重置）：")
            for account in created:
                print(f"  {account['username']:<8}{account['role']:<6}{account['name']}")
    return 0


if __name__ == "__main__":
    config.keep_files_private()
    sys.exit(main())
