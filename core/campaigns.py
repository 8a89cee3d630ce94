"""Campaigns (核查任务) and their draws: rules fixed before the draw, the freeze with its commitment,
the draw at the meeting, redraws with a written reason, and the campaign's history.

The maths of the draw is in :mod:`core.sampling`; this module keeps its inputs and results in the
database. A confirmed draw is final: triggers in the database refuse to change or delete it.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pandas as pd
from sqlite_utils import Database

from core import access, audit, followup, limits, registry, sampling, settings
from core.db import now, transaction
from core.exports import chinese_date, chinese_time
from core.labels import LEVELS, METHODS, STATUS_LISTED, SUBMITTED

FROZEN = "已冻结"
CONFIRMED = "已确认"
DISCARDED = "已作废"
DEFAULT_PHOTO_AREAS = ("矿容矿貌", "开采区", "生态修复区")
# The documents a campaign may rest on that are known for certain (title and 文号 as issued, see
# shared/docs/official-texts.md), with the smallest share of the register each asks to be checked.
BASIS_PRESETS = (
    {"title": "自然资源部办公厅关于开展2023年度绿色矿山实地抽查核查工作的通知", "number": "自然资办函〔2023〕1017号",
     "ratio": 0.20},
    {"title": "自然资源部 生态环境部 财政部 国家市场监督管理总局 国家金融监督管理总局 中国证券监督管理委员会 "
              "国家林业和草原局关于进一步加强绿色矿山建设的通知", "number": "自然资规〔2024〕1号", "ratio": 0.10},
)  # notice 三: 核查影像 of the key areas
DEFAULT_RATIO_FLOOR = 0.10  # 自然资规〔2024〕1号: ≥10 % a year; the notice of 2023 asks 20 %


class CampaignError(Exception):
    """A request the rules of the campaign refuse; the message is in Chinese."""


@dataclass
class Campaign:
    id: int
    year: int
    title: str
    deadline: date
    rules: sampling.Rules
    ministry_direct: list[str]
    current_draw_id: int | None
    version: int
    # The documents the campaign rests on, each {"title": …, "number": 文号}; cited exactly, never composed.
    basis: list[dict[str, str]] = field(default_factory=list)
    # The key areas a record must have photos of before it can be submitted (核查影像).
    photo_areas: list[str] = field(default_factory=lambda: list(DEFAULT_PHOTO_AREAS))


def ratio_floor(db: Database) -> float:
    return float(settings.get(db, "sampling_ratio_floor") or DEFAULT_RATIO_FLOOR)


def default_title(province_name: str, year: int) -> str:
    return f"{province_name}{year}年度绿色矿山实地抽查核查"


def default_deadline(year: int, today: date | None = None) -> date:
    """30 November of the year (the notice's date for the reports); once that is past, 30 days from
    today, so that a campaign created in December still gets a deadline it can meet."""
    today = today or date.today()
    usual = date(year, 11, 30)
    return today + timedelta(days=30) if usual < today else usual


def _load(row: dict[str, Any]) -> Campaign:
    return Campaign(row["id"], row["year"], row["title"], date.fromisoformat(row["deadline"]),
                    sampling.Rules.from_dict(json.loads(row["rules"])), json.loads(row["ministry_direct"]),
                    row["current_draw_id"], row["version"], json.loads(row.get("basis") or "[]"),
                    json.loads(row["photo_areas"]) if row.get("photo_areas") else list(DEFAULT_PHOTO_AREAS))


def list_campaigns(db: Database) -> list[Campaign]:
    return [_load(row) for row in db.query("SELECT * FROM campaigns ORDER BY year DESC, id DESC")]


def with_draws(db: Database) -> list[Campaign]:
    """The campaigns whose mines are drawn, latest first: those records and reports are about."""
    return [c for c in list_campaigns(db) if c.current_draw_id is not None]


def _unfinished(db: Database) -> set[int]:
    """Ids of the drawn campaigns with a drawn mine whose record is not submitted yet."""
    return {row[0] for row in db.execute(
        "SELECT DISTINCT c.id FROM campaigns c JOIN campaign_mines m ON m.draw_id = c.current_draw_id "
        "WHERE NOT EXISTS (SELECT 1 FROM records r WHERE r.campaign_id = c.id AND r.mine_id = m.mine_id "
        "AND r.status = ?)", [SUBMITTED])}


def _with_own_mines(db: Database, inspector_id: int) -> set[int]:
    """Ids of the campaigns where this inspector is in a team with mines, in the team draw in force."""
    return {row[0] for row in db.execute(
        "SELECT DISTINCT d.campaign_id FROM team_members t JOIN team_draws d ON d.id = t.team_draw_id "
        "JOIN campaigns c ON c.id = d.campaign_id "
        "WHERE t.inspector_id = ? AND d.id = (SELECT MAX(id) FROM team_draws WHERE campaign_id = c.id "
        "AND draw_id = c.current_draw_id) "
        "AND EXISTS (SELECT 1 FROM team_mines m WHERE m.team_draw_id = d.id AND m.team_no = t.team_no)",
        [inspector_id])}


def in_progress(db: Database, user: str | None = None, today: date | None = None) -> Campaign | None:
    """The campaign a user is working on, which every page opens on; None when no campaign is drawn.

    The rule: among the campaigns whose mines are drawn — for an inspector, those where he is in a team
    with mines (if there is none, all of them) — the latest (by year, then by creation) that is under
    way: its deadline is today or later and some drawn mine has no submitted record yet. When none is
    under way, the latest of them (its results and report are what is left to do)."""
    today = today or date.today()
    drawn = with_draws(db)
    if isinstance(user, access.User) and not access.sees_all_teams(user) and user.inspector_id is not None:
        own = _with_own_mines(db, user.inspector_id)
        drawn = [c for c in drawn if c.id in own] or drawn
    unfinished = _unfinished(db)
    return next((c for c in drawn if c.id in unfinished and c.deadline >= today), next(iter(drawn), None))


def to_open_for_the_draw(db: Database, user: str | None = None, today: date | None = None) -> Campaign | None:
    """The campaign the draw page opens on: one still to be drawn that is newer than the one in progress
    (its draw is the next step), else the one in progress, else the latest."""
    everything = list_campaigns(db)
    current = in_progress(db, user, today)
    preparing = [c for c in everything if c.current_draw_id is None
                 and (current is None or (c.year, c.id) > (current.year, current.id))]
    return next(iter(preparing), current or next(iter(everything), None))


def state(db: Database, campaign: Campaign, unfinished: set[int] | None = None) -> str:
    """Where the campaign stands, in a few words: 未抽取, 名录已冻结, 核查中, 核查记录已全部提交.
    ``unfinished``: :func:`_unfinished`, when the caller asks for several campaigns."""
    if pending_draw(db, campaign.id):
        return "名录已冻结，待抽取" if campaign.current_draw_id is None else "名录已冻结，待重新抽取"
    if campaign.current_draw_id is None:
        return "未抽取"
    if campaign.id not in (_unfinished(db) if unfinished is None else unfinished):
        return "核查记录已全部提交"
    return "核查中" if campaign.deadline >= date.today() else "核查中，已过完成时限"


def choice_labels(db: Database, shown: list[Campaign]) -> dict[int, str]:
    """Campaign id → how a list of campaigns names it: the title with its state, and its number when
    another campaign has the same title (databases from before titles were unique)."""
    titles = [c.title for c in list_campaigns(db)]
    unfinished = _unfinished(db)
    return {c.id: f"{c.title}（{'编号 ' + str(c.id) + '，' if titles.count(c.title) > 1 else ''}"
                  f"{state(db, c, unfinished)}）" for c in shown}


def get(db: Database, campaign_id: int) -> Campaign:
    rows = list(db.query("SELECT * FROM campaigns WHERE id = ?", [campaign_id]))
    if not rows:
        raise CampaignError("该核查任务不存在")
    return _load(rows[0])


def _check_rules(db: Database, rules: sampling.Rules) -> None:
    floor = ratio_floor(db)
    if rules.ratio < floor - 1e-9 or rules.ratio > 1:
        raise CampaignError(f"抽查比例应在 {floor:.0%} 到 100% 之间（下限可在“设置”中调整）")
    if not rules.levels:
        raise CampaignError("请至少选择一个入库级别")
    for name, policy in rules.policy.items():
        # A category's own ratio may be below the overall one: those mines are taken first, and the rest of
        # the level's minimum is drawn at random from all its other mines (a large category such as 露天开采
        # taken whole would leave nothing to chance).
        if policy != sampling.ALL and not (0.01 - 1e-9 <= float(policy) <= 1):
            raise CampaignError(f"“{name}”的抽取比例应在 1% 到 100% 之间")
    unknown = set(rules.open_pit_methods) - set(METHODS)
    if unknown or not rules.open_pit_methods:
        raise CampaignError("请从开采方式中选择计为“露天开采”的方式（至少包括露天开采）")


def citation(document: dict[str, Any]) -> str:
    """'《自然资源部办公厅关于开展2023年度绿色矿山实地抽查核查工作的通知》（自然资办函〔2023〕1017号）'."""
    number = document.get("number", "").strip()
    return f"《{document['title'].strip()}》" + (f"（{number}）" if number else "")


def _check_basis(basis: list[dict[str, Any]], rules: sampling.Rules) -> list[dict[str, Any]]:
    """The basis documents as stored (title, 文号, and a preset's ratio); refuses an untitled document and a
    ratio below what a chosen document asks."""
    documents = []
    for document in basis:
        title = str(document.get("title", "")).strip().strip("《》")
        if not title:
            raise CampaignError("依据文件须填写文件名称（文号可以为空）")
        limits.check(CampaignError, ("依据文件名称", title, limits.LINE), ("文号", document.get("number", ""), limits.LINE))
        documents.append({"title": title, "number": str(document.get("number", "")).strip(),
                          **({"ratio": float(document["ratio"])} if document.get("ratio") else {})})
        if document.get("ratio") and rules.ratio < float(document["ratio"]) - 1e-9:
            raise CampaignError(f"{citation(documents[-1])}要求核查比例不低于 {float(document['ratio']):.0%}，"
                                f"当前设置为 {rules.ratio:.0%}")
    return documents


def _check_photo_areas(areas: list[str] | tuple[str, ...]) -> list[str]:
    """The key areas a record must have photos of: named, each once."""
    cleaned = list(dict.fromkeys(str(area).strip() for area in areas if str(area).strip()))
    limits.check(CampaignError, *(("重点区域", area, limits.LINE) for area in cleaned))
    if not cleaned:
        raise CampaignError("请至少选择一个须拍摄核查影像的重点区域（通知要求记录矿容矿貌、开采区、生态修复区等重点区域）")
    return cleaned


def _check_title(db: Database, year: int, title: str, campaign_id: int | None = None) -> None:
    """A campaign is known by its title: one title once a year (earlier databases may hold duplicates,
    which are shown with their number and can still be renamed)."""
    if not title.strip():
        raise CampaignError("请填写任务名称")
    limits.check(CampaignError, ("任务名称", title, limits.LINE))
    if db.execute("SELECT 1 FROM campaigns WHERE year = ? AND title = ? AND id != ?",
                  [year, title.strip(), campaign_id or 0]).fetchone():
        raise CampaignError(f"{year}年度已有名为“{title.strip()}”的核查任务，请换一个任务名称（如注明批次）")


def _check_deadline(year: int, deadline: date, actor: str) -> None:
    """The deadline lies in the campaign's year or later and, when a person sets it, not in the past.
    The command line (a :class:`access.System` actor: the demo, scripts) may record a campaign of earlier
    years with the deadline it had."""
    today = date.today()
    if deadline.year < year:
        raise CampaignError(f"完成时限（{chinese_date(deadline)}）早于任务年度 {year} 年，请检查年度和完成时限")
    if not isinstance(actor, access.System) and deadline < today:
        raise CampaignError(f"完成时限（{chinese_date(deadline)}）已经过去，请选择今天（{chinese_date(today)}）或以后的日期")


def create(db: Database, year: int, title: str, deadline: date, rules: sampling.Rules,
           ministry_direct: list[str], actor: str, basis: list[dict[str, Any]] = (),
           photo_areas: list[str] = DEFAULT_PHOTO_AREAS) -> int:
    access.require(actor, access.CAMPAIGNS)
    _check_rules(db, rules)
    documents = _check_basis(list(basis), rules)
    areas = _check_photo_areas(photo_areas)
    _check_deadline(year, deadline, actor)
    stamp = now()
    with transaction(db):
        _check_title(db, year, title)
        campaign_id = db.execute(
            "INSERT INTO campaigns (year, title, deadline, rules, ministry_direct, basis, photo_areas, created_at, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [year, title.strip(), deadline.isoformat(), json.dumps(rules.as_dict(), ensure_ascii=False),
             json.dumps(sorted(ministry_direct)), json.dumps(documents, ensure_ascii=False),
             json.dumps(areas, ensure_ascii=False), stamp, stamp],
        ).lastrowid
        record_history(db, campaign_id, actor, "创建核查任务",
                       title.strip() + "".join(f"；依据{citation(d)}" for d in documents))
    return campaign_id


def update_rules(db: Database, campaign_id: int, title: str, deadline: date, rules: sampling.Rules,
                 ministry_direct: list[str], expected_version: int, actor: str, year: int | None = None,
                 basis: list[dict[str, Any]] | None = None, photo_areas: list[str] | None = None) -> None:
    """Change what the next draw uses (and the title, deadline, year or basis documents; ``basis`` None
    keeps them). Refused while a draw is frozen (its inputs are fixed). The deadline and the title are
    checked as on :func:`create` when they change."""
    access.require(actor, access.CAMPAIGNS)
    _check_rules(db, rules)
    with transaction(db):
        campaign = get(db, campaign_id)
        documents = _check_basis(campaign.basis if basis is None else list(basis), rules)
        areas = _check_photo_areas(campaign.photo_areas if photo_areas is None else photo_areas)
        year = campaign.year if year is None else year
        if campaign.version != expected_version:
            raise CampaignError("任务设置已被他人修改，请刷新页面后重试")
        if pending_draw(db, campaign_id):
            raise CampaignError("名录已冻结、等待抽取，此时不能修改抽取规则。如需修改，请先作废冻结")
        if (year, deadline) != (campaign.year, campaign.deadline):
            _check_deadline(year, deadline, actor)
        if (year, title.strip()) != (campaign.year, campaign.title):
            _check_title(db, year, title, campaign_id)
        db.execute(
            "UPDATE campaigns SET year = ?, title = ?, deadline = ?, rules = ?, ministry_direct = ?, basis = ?, "
            "photo_areas = ?, version = version + 1, updated_at = ? WHERE id = ?",
            [year, title.strip(), deadline.isoformat(), json.dumps(rules.as_dict(), ensure_ascii=False),
             json.dumps(sorted(ministry_direct)), json.dumps(documents, ensure_ascii=False),
             json.dumps(areas, ensure_ascii=False), now(), campaign_id],
        )
        renamed = f"名称“{campaign.title}”→“{title.strip()}”；" if title.strip() != campaign.title else ""
        moved = f"年度 {campaign.year}→{year}；" if year != campaign.year else ""
        due = (f"完成时限 {chinese_date(campaign.deadline)}→{chinese_date(deadline)}；"
               if deadline != campaign.deadline else "")
        cited = ("；依据" + "、".join(citation(d) for d in documents)) if documents != campaign.basis else ""
        cited += f"；须拍摄的重点区域 {'、'.join(areas)}" if areas != campaign.photo_areas else ""
        record_history(db, campaign_id, actor, "修改任务设置",
                       f"{moved}{renamed}{due}比例 {rules.ratio:.0%}；级别 {'、'.join(rules.levels)}；"
                       f"计为露天开采的开采方式 {'、'.join(rules.open_pit_methods)}；"
                       f"部直接核查 {len(ministry_direct)} 座{cited}")


def delete(db: Database, campaign_id: int, reason: str, actor: str) -> None:
    """Delete a campaign created by mistake, with a written reason kept in the audit trail (with the
    campaign's settings and history). Only before its draw: a campaign with a confirmed draw is kept
    for ever, and a frozen register must be discarded first (its secret number then goes on record)."""
    access.require(actor, access.CAMPAIGNS)
    if not reason.strip():
        raise CampaignError("请填写删除理由")
    limits.check(CampaignError, ("删除理由", reason, limits.TEXT))
    with transaction(db):
        campaign = get(db, campaign_id)
        statuses = {row[0] for row in db.execute("SELECT status FROM draws WHERE campaign_id = ?", [campaign_id])}
        if CONFIRMED in statuses:
            raise CampaignError(f"“{campaign.title}”已完成抽取，抽取结果须留存备查，不能删除")
        if FROZEN in statuses:
            raise CampaignError(f"“{campaign.title}”的名录已冻结、等待抽取。请先作废冻结，再删除任务")
        before = {"title": campaign.title, "year": campaign.year, "deadline": campaign.deadline.isoformat(),
                  "rules": campaign.rules.as_dict(), "ministry_direct": campaign.ministry_direct,
                  "history": history(db, campaign_id).to_dict("records")}
        for table in ("campaign_reports", "campaign_history", "draws"):
            db.execute(f"DELETE FROM {table} WHERE campaign_id = ?", [campaign_id])
        db.execute("DELETE FROM campaigns WHERE id = ?", [campaign_id])
        audit.log(db, actor, "任务：删除核查任务", f"核查任务 {campaign_id}", old=before, reason=reason.strip())


def scope(db: Database, campaign: Campaign) -> list[dict[str, Any]]:
    """The mines the draw is over: listed, of the campaign's levels, not checked by the ministry itself."""
    excluded = set(campaign.ministry_direct)
    return [
        mine for mine in db.query(
            f"SELECT * FROM mines WHERE status = ? AND level IN ({', '.join('?' for _ in campaign.rules.levels)})",
            [STATUS_LISTED, *campaign.rules.levels])
        if mine["licence_no"] not in excluded
    ]


def preview(db: Database, campaign: Campaign) -> list[sampling.LevelOutcome]:
    """What the campaign's rules will produce on the register as it is now (see :func:`sampling.preview`)."""
    return sampling.preview(sampling.snapshot(scope(db, campaign)), campaign.rules)


def strata_table(db: Database, campaign: Campaign) -> pd.DataFrame:
    """Mines in scope by level and category, and what the rules will draw: the minimum, the priority mines
    (taken whole or at their category's ratio), the mines drawn at random and from how many, and the share."""
    rows = sampling.snapshot(scope(db, campaign))
    # The counts drawn do not depend on the seed, so any seed shows them before the draw.
    result = sampling.draw(rows, "preview", campaign.rules)
    outcomes = {o.level: o for o in sampling.preview(rows, campaign.rules)}
    table = []
    for level in campaign.rules.levels:
        strata = {s.category: s for s in result.strata if s.level == level}
        done = outcomes[level]
        line: dict[str, Any] = {"入库级别": level, "在册（纳入范围）": done.listed}
        for name in (*campaign.rules.categories(), sampling.OTHER):
            line[name] = strata[name].mines
        line["按比例至少抽取"] = done.required
        line["重点核查（全部纳入）"] = sum(done.whole.values())
        line["重点类别按比例抽取"] = sum(drawn for drawn, _ in done.by_ratio.values())
        line["随机抽取"] = done.random
        line["随机抽取的候选矿山"] = done.pool
        line["将抽取"] = done.drawn
        line["占在册比例"] = f"{done.drawn / done.listed:.0%}" if done.listed else "—"
        table.append(line)
    return pd.DataFrame(table)


def draws(db: Database, campaign_id: int) -> list[dict[str, Any]]:
    return list(db.query("SELECT * FROM draws WHERE campaign_id = ? ORDER BY seq", [campaign_id]))


def pending_draw(db: Database, campaign_id: int) -> dict[str, Any] | None:
    rows = list(db.query("SELECT * FROM draws WHERE campaign_id = ? AND status = ?", [campaign_id, FROZEN]))
    return rows[0] if rows else None


def current_draw(db: Database, campaign: Campaign) -> dict[str, Any] | None:
    if campaign.current_draw_id is None:
        return None
    return next(db.query("SELECT * FROM draws WHERE id = ?", [campaign.current_draw_id]))


def freeze(db: Database, campaign_id: int, actor: str, redraw_reason: str = "") -> dict[str, Any]:
    """Take the snapshot and commit to a secret nonce, before the draw meeting."""
    access.require(actor, access.CAMPAIGNS)
    with transaction(db):
        campaign = get(db, campaign_id)
        if pending_draw(db, campaign_id):
            raise CampaignError("名录已冻结，请先完成抽取或作废冻结")
        if campaign.current_draw_id is not None and not redraw_reason.strip():
            raise CampaignError("本任务已有确认的抽取结果。重新抽取必须填写书面理由")
        limits.check(CampaignError, ("重新抽取理由", redraw_reason, limits.TEXT))
        followup.flag_open_cases(db, campaign_id, actor)  # open rectifications of earlier years: priority
        rows = sampling.snapshot(scope(db, campaign))
        if not rows:
            raise CampaignError("纳入范围内没有在册矿山，无法抽取。请先导入名录或检查级别设置")
        nonce = secrets.token_hex(32)
        seq = db.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM draws WHERE campaign_id = ?", [campaign_id]).fetchone()[0]
        digest = sampling.snapshot_hash(rows)
        draw_id = db.execute(
            "INSERT INTO draws (campaign_id, seq, status, rules, snapshot, snapshot_sha256, nonce, commitment, "
            "frozen_at, frozen_by, redraw_reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [campaign_id, seq, FROZEN, json.dumps(campaign.rules.as_dict(), ensure_ascii=False),
             sampling.canonical_json(rows), digest, nonce, sampling.commitment(nonce), now(), actor,
             redraw_reason.strip()],
        ).lastrowid
        record_history(db, campaign_id, actor, "冻结名录" if seq == 1 else "冻结名录（重新抽取）",
                       f"第 {seq} 次；{len(rows)} 座矿山；快照 SHA-256 {digest}；承诺值 {sampling.commitment(nonce)}"
                       + (f"；重新抽取理由：{redraw_reason.strip()}" if redraw_reason.strip() else ""))
    return next(db.query("SELECT * FROM draws WHERE id = ?", [draw_id]))


def _frozen(db: Database, draw_id: int) -> dict[str, Any]:
    """A draw still waiting for the meeting, or CampaignError."""
    draw_row = next(db.query("SELECT * FROM draws WHERE id = ?", [draw_id]))
    if draw_row["status"] != FROZEN:
        raise CampaignError("该冻结已抽取或已作废")
    return draw_row


def discard(db: Database, draw_id: int, reason: str, actor: str) -> None:
    """Give up a frozen draw that has not been drawn (e.g. the register changed before the meeting)."""
    access.require(actor, access.CAMPAIGNS)
    if not reason.strip():
        raise CampaignError("请填写作废理由")
    limits.check(CampaignError, ("作废理由", reason, limits.TEXT))
    with transaction(db):
        draw_row = _frozen(db, draw_id)
        db.execute("UPDATE draws SET status = ? WHERE id = ?", [DISCARDED, draw_id])
        record_history(db, draw_row["campaign_id"], actor, "作废冻结",
                       f"第 {draw_row['seq']} 次；理由：{reason.strip()}；随机数 {draw_row['nonce']}")


def confirm(db: Database, draw_id: int, witness_input: str, actor: str, province_name: str) -> dict[str, Any]:
    """Draw at the meeting with the witnesses' input; the result is final. Returns the draw record."""
    access.require(actor, access.CAMPAIGNS)
    if not witness_input.strip():
        raise CampaignError("请填写见证人现场提供的输入（如现场宣读的数字、公开开奖号码）")
    with transaction(db):
        draw_row = _frozen(db, draw_id)
        campaign = get(db, draw_row["campaign_id"])
        rows = json.loads(draw_row["snapshot"])
        stamp = now()
        meta = {"province": province_name, "campaign": campaign.title, "year": campaign.year,
                "draw": draw_row["seq"], "frozen_at": draw_row["frozen_at"], "drawn_at": stamp,
                "redraw_reason": draw_row["redraw_reason"], "ministry_direct": campaign.ministry_direct,
                "basis": [{"title": d["title"], "number": d["number"]} for d in campaign.basis]}
        data = sampling.record(rows, sampling.Rules.from_dict(json.loads(draw_row["rules"])), draw_row["nonce"],
                               witness_input, meta)
        db.execute(
            "UPDATE draws SET status = ?, witness_input = ?, seed = ?, record = ?, confirmed_at = ?, confirmed_by = ? "
            "WHERE id = ?",
            [CONFIRMED, data["witness_input"], data["seed"], sampling.canonical_json(data), stamp, actor, draw_id],
        )
        ids = dict(db.execute("SELECT licence_no, id FROM mines").fetchall())
        db.conn.executemany(
            "INSERT INTO campaign_mines (draw_id, campaign_id, mine_id, licence_no, level, category, reason, ticket) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(draw_id, campaign.id, ids[s["licence_no"]], s["licence_no"], s["level"], s["category"], s["reason"],
              s["ticket"]) for s in data["selections"]],
        )
        db.execute("UPDATE campaigns SET current_draw_id = ?, version = version + 1, updated_at = ? WHERE id = ?",
                   [draw_id, stamp, campaign.id])
        record_history(db, campaign.id, actor, "抽取矿山",
                       f"第 {draw_row['seq']} 次；见证输入：{data['witness_input']}；种子 {data['seed']}；"
                       f"抽取 {len(data['selections'])} 座")
    return data


def drawn_mines(db: Database, campaign: Campaign) -> pd.DataFrame:
    """The mines of the campaign's current draw with their register data."""
    if campaign.current_draw_id is None:
        return pd.DataFrame()
    cursor = db.execute(
        "SELECT m.id, m.licence_no, m.name, m.owner, m.level, m.city, m.city_code, m.county, m.mineral, m.method, "
        "m.lon, m.lat, "
        "m.flag_problem, m.flag_rectify, m.status, c.category, c.reason, c.ticket FROM campaign_mines c "
        "JOIN mines m ON m.id = c.mine_id WHERE c.draw_id = ? "
        "ORDER BY CASE c.level WHEN '国家级' THEN 1 WHEN '省级' THEN 2 WHEN '市级' THEN 3 ELSE 4 END, c.ticket",
        [campaign.current_draw_id],
    )
    return pd.DataFrame(cursor.fetchall(), columns=[d[0] for d in cursor.description])


def exemptions(db: Database, campaign: Campaign) -> dict[str, dict[str, Any]]:
    """The drawn mines the coordinator recorded as not inspected, by licence number, with the reason."""
    return {row["licence_no"]: row for row in db.query(
        "SELECT e.licence_no, e.reason, e.recorded_at, e.recorded_by, m.name, m.level FROM campaign_exemptions e "
        "JOIN mines m ON m.id = e.mine_id WHERE e.campaign_id = ? ORDER BY e.licence_no", [campaign.id])}


def record_exemption(db: Database, campaign: Campaign, licence_no: str, reason: str, actor: str) -> None:
    """Record why a drawn mine was not inspected (停产、已关闭 …); the report lists it with the reason."""
    access.require(actor, access.CAMPAIGNS)
    if not reason.strip():
        raise CampaignError("请填写未核查的原因（如停产、已关闭、正在整改无法进场）")
    limits.check(CampaignError, ("未核查的原因", reason, limits.TEXT))
    with transaction(db):
        row = db.execute("SELECT c.mine_id, m.name FROM campaign_mines c JOIN mines m ON m.id = c.mine_id "
                         "WHERE c.draw_id = ? AND c.licence_no = ?", [campaign.current_draw_id or 0, licence_no]).fetchone()
        if row is None:
            raise CampaignError(f"采矿许可证号 {licence_no} 不在本任务抽取的矿山中")
        if db.execute("SELECT 1 FROM records WHERE campaign_id = ? AND mine_id = ? AND status = ?",
                      [campaign.id, row[0], SUBMITTED]).fetchone():
            raise CampaignError(f"“{row[1]}”已提交核查记录，不能再登记为未核查")
        db.execute("INSERT OR REPLACE INTO campaign_exemptions (campaign_id, mine_id, licence_no, reason, recorded_at, "
                   "recorded_by) VALUES (?, ?, ?, ?, ?, ?)", [campaign.id, row[0], licence_no, reason.strip(), now(), actor])
        record_history(db, campaign.id, actor, "登记未核查矿山", f"{row[1]}（{licence_no}）：{reason.strip()}")


def remove_exemption(db: Database, campaign: Campaign, licence_no: str, actor: str) -> None:
    """Take back a 'not inspected' entry (the mine is inspected after all)."""
    access.require(actor, access.CAMPAIGNS)
    with transaction(db):
        gone = db.execute("DELETE FROM campaign_exemptions WHERE campaign_id = ? AND licence_no = ?",
                          [campaign.id, licence_no]).rowcount
        if gone:
            record_history(db, campaign.id, actor, "撤销未核查登记", licence_no)


def history(db: Database, campaign_id: int) -> pd.DataFrame:
    cursor = db.execute("SELECT at AS 时间, actor AS 操作人, action AS 操作, detail AS 说明 FROM campaign_history "
                        "WHERE campaign_id = ? ORDER BY id DESC", [campaign_id])
    frame = pd.DataFrame(cursor.fetchall(), columns=[d[0] for d in cursor.description])
    frame["时间"] = frame["时间"].map(chinese_time)
    return frame


def record_history(db: Database, campaign_id: int, actor: str, action: str, detail: str) -> None:
    """The campaign's own history, and the same step in the audit trail."""
    db.execute("INSERT INTO campaign_history (campaign_id, at, actor, action, detail) VALUES (?, ?, ?, ?, ?)",
               [campaign_id, now(), actor, action, detail])
    audit.log(db, actor, f"任务：{action}", f"核查任务 {campaign_id}", new=detail)


def ministry_direct_mines(db: Database, campaign: Campaign) -> pd.DataFrame:
    """The national-list mines the ministry checks itself in this campaign (shown, not drawn)."""
    if not campaign.ministry_direct:
        return pd.DataFrame(columns=list(registry.LIST_COLUMNS))
    marks = ", ".join("?" for _ in campaign.ministry_direct)
    cursor = db.execute(f"SELECT {', '.join(registry.LIST_COLUMNS)} FROM mines WHERE licence_no IN ({marks}) "
                        "ORDER BY city_code, name", campaign.ministry_direct)
    return pd.DataFrame(cursor.fetchall(), columns=[d[0] for d in cursor.description])


def mine_tags(db: Database) -> list[str]:
    """The priority categories the province has put on mines (for adding them to a campaign's rules)."""
    found: dict[str, None] = {}
    for (tags,) in db.execute("SELECT tags FROM mines WHERE tags != '' AND status = ?", [STATUS_LISTED]):
        found.update(dict.fromkeys(tags.split("、")))
    return sorted(found)


def national_mines(db: Database) -> list[dict[str, Any]]:
    """National-list mines, for choosing the ones the ministry checks itself (部直接核查)."""
    return list(db.query("SELECT licence_no, name, city FROM mines WHERE level = ? AND status = ? ORDER BY city_code, name",
                         [LEVELS[0], STATUS_LISTED]))
