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
from core.labels import AREAS, FOUND, KEEP, LEVELS, METHODS, NO, NONE_FOUND, RECTIFY, REMOVE, YES

DEFAULT_SEED = 20231017
DEFAULT_PROVINCE = "420000"
DEFAULT_MINES = 400
DEMO_ACTOR = "演示数据"


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
    lead = rng.choice(PROBLEM_LEADS) if rng.random() < 0.10 else None
    demand = rng.choice(RECTIFY_DEMANDS) if rng.random() < 0.10 else None
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
        people.append({
            "name": name, "unit": unit,
            "title": rng.choice(("正高级", "副高级")) if senior else rng.choice(("中级", "中级", "初级")),
            "rank": rng.choice(("处级", "科级", "无")) if at_province else rng.choice(("科级", "无", "处级")),
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


def start_campaign(db: Database, year: int = 2023, team_count: int = 3, witness: str = "演示见证 2023",
                   actor: str = DEMO_ACTOR, deadline: date | None = None) -> campaigns.Campaign:
    """A campaign with its draw confirmed and its teams drawn, as after the draw meeting."""
    province_name = settings.province(db).name
    campaign_id = campaigns.create(db, year, campaigns.default_title(province_name, year),
                                   deadline or date(year, 11, 30), sampling.Rules(), [], actor)
    frozen = campaigns.freeze(db, campaign_id, actor)
    campaigns.confirm(db, frozen["id"], witness, actor, province_name)
    campaign = campaigns.get(db, campaign_id)
    # The seed is new each time, and a small demo pool cannot always staff every prefecture with
    # recusal: the demo then takes one more team (a real coordinator reads the draw's message).
    for count in range(team_count, team_count + 6):
        try:
            teams.save_team_draw(db, campaign, teams.TeamRules(teams=count), actor)
            break
        except teams.TeamError:
            continue
    return campaign


# Findings the demo records draw from, per area of 附件1 (typical wording of inspection reports).
DEMO_PROBLEMS = (
    ("排土场局部边坡未复绿", "矿区道路扬尘治理不到位", "部分标识标牌缺失或破损", "工业场地物料堆放不规范"),
    ("台阶高度、坡面角与开发利用方案不符", "采空区治理进度滞后", "未做到边开采边治理", "开采顺序与设计不一致"),
    ("废石综合利用率偏低", "尾矿未开展综合利用", "共伴生资源未综合回收", "矿井水利用率偏低"),
    ("未建立能耗核算体系", "粉尘在线监测设施未正常运行", "高耗能设备未按期淘汰", "生产废水未实现循环利用"),
    ("数字化矿山建设停留在规划阶段", "研发投入未达到要求", "未建立安全生产在线监测系统"),
    ("绿色矿山管理制度不健全", "未定期开展绿色矿山自评估", "与周边群众的沟通机制不完善", "档案资料不完整"),
)
DEMO_CHECKED = "查阅开发利用方案和土地复垦方案；现场查看采场、排土场和工业场地；询问矿山负责人"


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


def demo_campaign(db: Database, today: date | None = None,
                  progress: Callable[[float], None] | None = None) -> campaigns.Campaign:
    """This year's campaign under way, for demonstrations: mines and teams drawn, inspections over the
    last seven weeks, about half the records submitted (mostly 保留, some 整改, a few 移出; the first
    ones with a site photo), some drafts."""
    today = today or date.today()
    deadline = date(today.year, 11, 30) if date(today.year, 11, 30) >= today else today + timedelta(days=30)
    campaign = start_campaign(db, today.year, deadline=deadline)
    mines = inspections.campaign_records(db, campaign)
    rng = random.Random(DEFAULT_SEED + 2)
    submitted, drafts = int(len(mines) * 0.45), int(len(mines) * 0.15)
    # Teams work through their mines in their own order: every level has records at every stage.
    order = sorted(range(len(mines)), key=lambda i: rng.random())
    for number, row in enumerate(mines.iloc[order[:submitted + drafts]].itertuples()):
        record = inspections.open_record(db, campaign, int(row.id), DEMO_ACTOR)
        day = today - timedelta(days=rng.randrange(2, 50))
        conclusion = _weighted(rng, ((KEEP, 0.72), (RECTIFY, 0.22), (REMOVE, 0.06)))
        content = {"date_from": day.isoformat(), "date_to": (day + timedelta(days=rng.choice((0, 1)))).isoformat()}
        found = []
        for index, choices in enumerate(DEMO_PROBLEMS):
            problem = rng.choice(choices) if rng.random() < (0.15 if conclusion == KEEP else 0.55) else ""
            content[inspections.area_key(index, "finding")] = FOUND if problem else NONE_FOUND
            content[inspections.area_key(index, "problems")] = problem
            content[inspections.area_key(index, "checked")] = DEMO_CHECKED
            found += [problem] if problem else []
        content.update(opinions="督促企业对照标准逐项整改，按期报送整改材料。" if found else "继续保持绿色矿山建设水平。",
                       main_problems="；".join(found), compliant=NO if conclusion == REMOVE else YES,
                       conclusion=conclusion)
        if conclusion == RECTIFY:
            # A third of the teams set 30 days for small problems: the follow-up then shows cases overdue and
            # due soon (a random stream of its own, so the rest of the demo stays as it was).
            short = random.Random(int(row.id)).random() < 0.35
            deadline = (date.fromisoformat(content["date_to"]) + timedelta(days=30) if short
                        else inspections.default_deadline(content, day))
            content.update(rectify_measures="；".join(f"整改{p}" for p in found) or "完善绿色矿山管理制度",
                           rectify_deadline=deadline.isoformat())
        if conclusion == REMOVE:
            content["removal_reason"] = inspections.removal_reasons()[7]
        if number >= submitted:  # a draft: the first areas filled in, no conclusion yet
            content = {k: v for k, v in content.items() if k.startswith(("date", "area0", "area1", "area2"))}
        inspections.save_draft(db, record.id, content, record.version, DEMO_ACTOR)
        if number < 40:
            lat, lon = db.execute("SELECT lat, lon FROM mines WHERE id = ?", [int(row.id)]).fetchone()
            if lat is not None:
                taken = datetime.combine(day, datetime.min.time()) + timedelta(hours=9, minutes=rng.randrange(0, 420))
                photo = demo_photo(rng, taken, lat + rng.uniform(-0.004, 0.004), lon + rng.uniform(-0.004, 0.004))
                inspections.add_evidence(db, record.id, photo, f"IMG_{number + 1:04d}.jpg", AREAS[0], "矿区全貌",
                                         DEMO_ACTOR)
        if number < submitted:
            record = inspections.get(db, record.id)
            team = inspections.team_of(db, record)
            for member in sorted(team, key=lambda m: m["role"] == teams.LEADER):
                inspections.sign(db, record.id, member["inspector_id"], member["name"], member["name"])
            inspections.submit(db, record.id, record.version, DEMO_ACTOR)
        if progress:
            progress((number + 1) / (submitted + drafts))
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
    sys.exit(main())
