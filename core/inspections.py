"""The on-site inspection record (附件1 国家级绿色矿山核查记录表): drafts saved field by field, conflicts
between two editors, the team's confirmations, submission with its rules, and amendments after it.

A record belongs to one mine in one campaign. Its form fields live in ``content`` (a dict, see
:data:`FIELDS`); every save names the version it started from, so a save made on top of someone
else's is refused with both versions (:class:`RecordConflict`) instead of overwriting them.
Submission locks the record; after that only :func:`amend` changes it, with a reason, and every
submitted or amended version is kept whole in ``record_versions``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
from sqlite_utils import Database

from core import access, audit, campaigns, config, evidence, followup, indicators, limits, reference, registry, settings, teams
from core.config import DATA_FILES
from core.db import now, transaction
from core.exports import chinese_date, chinese_time
from core.labels import AREAS, CONCLUSIONS, DRAFT, FINDINGS, FOUND, KEEP, NO, RECTIFY, REMOVE, SUBMITTED, YES
from core.teams import LEADER

MIN_CONFIRMATIONS = 3
DEFAULT_RECTIFY_MONTHS = 6
SUBMIT = "提交"
AMEND = "更正"
# Notice 四 names 重点设备 beside the key areas (campaign.photo_areas) whose 核查影像 a record must carry.
KEY_EQUIPMENT = "重点设备"
# 合法合规性, which notice 四 names first among what is checked: each answered 是/否, with a note.
LEGALITY: tuple[tuple[str, str], ...] = (
    ("legal_licence", "证照合法有效"),
    ("legal_boundary", "未越界开采"),
    ("legal_penalty", "无未整改的行政处罚"),
)


def area_key(index: int, part: str) -> str:
    """Key of one part ('finding', 'problems', 'checked') of the six areas' rows."""
    return f"area{index}_{part}"


# Every field of the form: key → label (as the form and the version history name it).
FIELDS: dict[str, str] = {
    "date_from": "核查开始日期",
    "date_to": "核查结束日期",
    **{key: label for field, text in LEGALITY for key, label in (
        (field, f"合法合规性：{text}"),
        (f"{field}_note", f"合法合规性：{text}（说明）"),
    )},
    **{key: label for index, area in enumerate(AREAS) for key, label in (
        (area_key(index, "finding"), f"{area}：核查结果"),
        (area_key(index, "problems"), f"{area}：存在的问题与不足"),
        (area_key(index, "checked"), f"{area}：核查方式（资料、地点、人员）"),
    )},
    "indicator_set": "评价指标",
    "checklist": "指标核查结果",
    "opinions": "意见建议",
    "main_problems": "存在的主要问题",
    "compliant": "是否符合绿色矿山标准",
    "conclusion": "处理结论",
    "rectify_measures": "整改措施",
    "rectify_deadline": "整改期限",
    "removal_reason": "移出原因",
    "remarks": "备注",
}


class InspectionError(Exception):
    """A request the record's rules refuse; the message is in Chinese."""


class RecordLocked(InspectionError):
    """The record is submitted: only an amendment with a reason may change it."""


class RecordConflict(InspectionError):
    """Someone saved the record after this user loaded it. Carries both versions."""

    def __init__(self, current: "Record", mine: dict[str, Any]):
        super().__init__(f"该记录已被{current.updated_by}于{chinese_time(current.updated_at)}修改（第 {current.version} 版），"
                         "您的修改尚未保存。请对照两个版本后选择保留哪一个。")
        self.current = current
        self.mine = mine


@dataclass
class Record:
    id: int
    campaign_id: int
    mine_id: int
    licence_no: str
    status: str
    content: dict[str, Any]
    version: int
    created_at: str
    updated_at: str
    updated_by: str
    submitted_at: str
    submitted_by: str

    @property
    def locked(self) -> bool:
        return self.status == SUBMITTED


def empty_content() -> dict[str, Any]:
    return {key: ({} if key == "checklist" else "") for key in FIELDS}


def _load(row: dict[str, Any]) -> Record:
    content = empty_content()
    content.update(json.loads(row["content"]))
    return Record(row["id"], row["campaign_id"], row["mine_id"], row["licence_no"], row["status"], content,
                  row["version"], row["created_at"], row["updated_at"], row["updated_by"], row["submitted_at"],
                  row["submitted_by"])


def canonical(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def removal_reasons(data_dir=DATA_FILES) -> list[str]:
    """The removal situations a province keeps in ``data/removal_reasons.csv``."""
    return [row["reason"] for row in reference.read_data_csv(data_dir / "removal_reasons.csv")]


def max_photo_distance_km(db: Database) -> float:
    return float(settings.get(db, "evidence_max_distance_km") or 3)


def default_deadline(content: dict[str, Any], today: date) -> date:
    """Six months after the last day of inspection (or today when no date is entered yet)."""
    start = date.fromisoformat(content["date_to"] or content["date_from"] or today.isoformat())
    month = start.month - 1 + DEFAULT_RECTIFY_MONTHS
    year, month = start.year + month // 12, month % 12 + 1
    for day in (start.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _target(licence_no: str, campaign_id: int) -> str:
    """How the audit trail names a record: the mine's licence number and the campaign."""
    return f"{licence_no}（核查任务 {campaign_id}）"


# --- what the campaign allows: inspection dates, photo areas --------------------------------------

def inspection_window(db: Database, campaign: campaigns.Campaign) -> tuple[date, date]:
    """The first and last day an inspection of this campaign may take place: from the day its draw in
    force was confirmed (not before 1 January of the campaign year) to its deadline."""
    confirmed = db.execute("SELECT confirmed_at FROM draws WHERE id = ?", [campaign.current_draw_id or 0]).fetchone()
    first = date(campaign.year, 1, 1)
    if confirmed and confirmed[0]:
        first = max(first, date.fromisoformat(confirmed[0][:10]))
    return first, campaign.deadline


def date_problems(db: Database, campaign: campaigns.Campaign, content: dict[str, Any]) -> list[str]:
    """Why the inspection dates of ``content`` are impossible for this campaign (empty when they are not)."""
    first, last = inspection_window(db, campaign)
    if last < first:
        return [f"本任务的抽取结果于{chinese_date(first)}确认，晚于完成时限{chinese_date(last)}，无法填写核查日期。"
                "请组织者先调整完成时限"]
    problems = []
    for key in ("date_from", "date_to"):
        if content.get(key) and not first <= date.fromisoformat(content[key]) <= last:
            problems.append(f"{FIELDS[key]}{chinese_date(date.fromisoformat(content[key]))}不在本任务的核查期内："
                            f"核查只能在抽取结果确认之日（{chinese_date(first)}）至完成时限（{chinese_date(last)}）之间进行")
    if content.get("date_from") and content.get("date_to") and content["date_to"] < content["date_from"]:
        problems.append("核查结束日期早于开始日期")
    return problems


def photo_areas(campaign: campaigns.Campaign) -> list[str]:
    """What a photo can be filed under, the campaign's key areas first: its required areas, 重点设备,
    then the six areas of the form."""
    return list(dict.fromkeys([*campaign.photo_areas, KEY_EQUIPMENT, *AREAS]))


def missing_photo_areas(db: Database, record: Record) -> list[str]:
    """The campaign's key areas of which the record has no photo yet (a video does not count)."""
    covered = {row[0] for row in db.execute("SELECT DISTINCT area FROM evidence WHERE record_id = ? AND kind = ?",
                                            [record.id, evidence.PHOTO])}
    return [area for area in campaigns.get(db, record.campaign_id).photo_areas if area not in covered]


def legality_problems(content: dict[str, Any]) -> list[str]:
    """What is missing of 合法合规性: an answer to each question, and a note where the answer is 否."""
    problems = []
    for field, text in LEGALITY:
        if content.get(field) not in (YES, NO):
            problems.append(f"合法合规性未填写：{text}（是/否）")
        elif content[field] == NO and not content.get(f"{field}_note", "").strip():
            problems.append(f"合法合规性“{text}”为否，但未写明情况")
    return problems


# --- reading ------------------------------------------------------------------------------------

def get(db: Database, record_id: int) -> Record:
    rows = list(db.query("SELECT * FROM records WHERE id = ?", [record_id]))
    if not rows:
        raise InspectionError("该核查记录不存在")
    return _load(rows[0])


def find(db: Database, campaign_id: int, mine_id: int) -> Record | None:
    rows = list(db.query("SELECT * FROM records WHERE campaign_id = ? AND mine_id = ?", [campaign_id, mine_id]))
    return _load(rows[0]) if rows else None


def open_record(db: Database, campaign: campaigns.Campaign, mine_id: int, actor: str) -> Record:
    """The mine's record in this campaign, created as an empty draft the first time it is opened
    (by an organizer or a member of the mine's team)."""
    drawn = db.execute("SELECT licence_no FROM campaign_mines WHERE draw_id = ? AND mine_id = ?",
                       [campaign.current_draw_id or 0, mine_id]).fetchone()
    existing = find(db, campaign.id, mine_id)
    if drawn is None and existing is None:
        raise InspectionError("该矿山不在本次抽取结果中，不能填写核查记录")
    _require_team(db, actor, campaign, existing.licence_no if existing else drawn[0])
    if existing is not None:
        return existing
    stamp = now()
    with transaction(db):
        created = db.execute(
            "INSERT OR IGNORE INTO records (campaign_id, mine_id, licence_no, status, content, created_at, created_by, "
            "updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [campaign.id, mine_id, drawn[0], DRAFT, canonical(empty_content()), stamp, actor, stamp, actor]).rowcount
        if created:
            audit.log(db, actor, "核查记录：建立草稿", _target(drawn[0], campaign.id))
    found = find(db, campaign.id, mine_id)
    assert found is not None
    return found


def team_of(db: Database, record: Record) -> list[dict[str, Any]]:
    """The members of the team the draw assigned to the record's mine (leader first)."""
    return team_of_mine(db, campaigns.get(db, record.campaign_id), record.licence_no)


def team_of_mine(db: Database, campaign: campaigns.Campaign, licence_no: str) -> list[dict[str, Any]]:
    """The members of the team the campaign's team draw in force assigned to the mine (leader first)."""
    return list(db.query(
        "SELECT t.team_no, t.role, t.inspector_id, i.name, i.unit, i.title, i.specialty FROM team_mines m "
        "JOIN team_members t ON t.team_draw_id = m.team_draw_id AND t.team_no = m.team_no "
        "JOIN inspectors i ON i.id = t.inspector_id "
        "WHERE m.licence_no = ? AND m.team_draw_id = ? ORDER BY CASE t.role WHEN ? THEN 0 ELSE 1 END, i.name",
        [licence_no, teams.latest_team_draw_id(db, campaign), LEADER]))


def _require_team(db: Database, actor: str, campaign: campaigns.Campaign, licence_no: str) -> None:
    """Refuse unless ``actor`` may write the mine's record: an organizer, or a member of its team."""
    access.require_member(actor, access.RECORDS,
                          lambda: [m["inspector_id"] for m in team_of_mine(db, campaign, licence_no)])


def _require_record(db: Database, actor: str, record: Record) -> None:
    _require_team(db, actor, campaigns.get(db, record.campaign_id), record.licence_no)


def teams_of(db: Database, campaign: campaigns.Campaign, actor: str) -> list[int] | None:
    """The team numbers whose records ``actor`` may see in this campaign: None for all (organizers),
    else the teams an inspector belongs to in the team draw in force (possibly none)."""
    if access.sees_all_teams(actor):
        return None
    return sorted({m["team_no"] for m in teams.members(db, teams.latest_team_draw_id(db, campaign))
                   if m["inspector_id"] == actor.inspector_id})


def team_leaders(db: Database, campaign: campaigns.Campaign) -> list[dict[str, Any]]:
    """Team number and leader's name of each team of the campaign's latest team draw."""
    return [m for m in teams.members(db, teams.latest_team_draw_id(db, campaign)) if m["role"] == LEADER]


def mine_facts(db: Database, record: Record) -> list[dict[str, str]]:
    """The mine's register data as on the licence, and why it was drawn (read-only on the record)."""
    mine = db.execute("SELECT * FROM mines WHERE id = ?", [record.mine_id])
    row = dict(zip([d[0] for d in mine.description], mine.fetchone()))
    drawn = db.execute("SELECT c.category, c.reason FROM campaign_mines c JOIN campaigns p ON p.current_draw_id = c.draw_id "
                       "WHERE p.id = ? AND c.mine_id = ?", [record.campaign_id, record.mine_id]).fetchone()
    scale = registry.as_text(row["scale_value"]) + row["scale_unit"]
    facts = [("矿山名称", row["name"]), ("采矿许可证号", row["licence_no"]), ("采矿权人", row["owner"]),
             ("入库级别", f"{row['level']}（{row['listing_year'] or '—'}年入库）"),
             ("所在地区", f"{row['city']}{row['county']}"), ("开采矿种", row["mineral"]), ("开采方式", row["method"]),
             ("生产规模", f"{scale}（{row['scale_class']}）" if scale else "—"), ("适用标准", row["standard"]),
             ("抽取类别", f"{drawn[0]}（{drawn[1]}）" if drawn else "—")]
    if row["flag_problem"]:
        facts.append(("问题线索", row["problem_desc"] or "有"))
    if row["flag_rectify"]:
        facts.append(("回头看整改要求", row["rectify_demand"] or "有"))
    return [{"项目": k, "内容": str(v or "—")} for k, v in facts]


def campaign_records(db: Database, campaign: campaigns.Campaign, team_no: int | None = None) -> pd.DataFrame:
    """The drawn mines of the campaign with their team and record: one row per mine, in the draw's order.

    Columns: id, licence_no, name, level, city, method (the register's), category (the draw's),
    ``team_no``, ``record_id``, ``record_status``, ``conclusion``, ``updated_at`` and ``progress``
    (see :func:`progress_label`).
    """
    cursor = db.execute(
        "SELECT m.id, m.licence_no, m.name, m.level, m.city, m.method, c.category, t.team_no, "
        "r.id AS record_id, COALESCE(r.status, '') AS record_status, "
        "COALESCE(json_extract(r.content, '$.conclusion'), '') AS conclusion, COALESCE(r.updated_at, '') AS updated_at "
        "FROM campaign_mines c JOIN mines m ON m.id = c.mine_id "
        "LEFT JOIN records r ON r.campaign_id = c.campaign_id AND r.mine_id = c.mine_id "
        "LEFT JOIN team_mines t ON t.licence_no = c.licence_no AND t.team_draw_id = ? "
        "WHERE c.draw_id = ? "
        "ORDER BY CASE c.level WHEN '国家级' THEN 1 WHEN '省级' THEN 2 WHEN '市级' THEN 3 ELSE 4 END, c.ticket",
        [teams.latest_team_draw_id(db, campaign), campaign.current_draw_id or 0])
    frame = pd.DataFrame(cursor.fetchall(), columns=[d[0] for d in cursor.description])
    frame["progress"] = [progress_label(s, c) for s, c in zip(frame["record_status"], frame["conclusion"])]
    if team_no is not None:
        frame = frame[frame["team_no"] == team_no].reset_index(drop=True)
    return frame


# Where a drawn mine stands in the campaign, as the map and the lists show it.
NOT_STARTED = "待核查"
IN_PROGRESS = "核查中"
PROGRESS = (NOT_STARTED, IN_PROGRESS, KEEP, RECTIFY, REMOVE)


def progress_label(status: str, conclusion: str) -> str:
    if status == SUBMITTED:
        return conclusion
    return IN_PROGRESS if status == DRAFT else NOT_STARTED


def progress_by_prefecture(db: Database, campaign: campaigns.Campaign) -> pd.DataFrame:
    """Drawn mines of each prefecture by progress, with the share submitted (most behind first)."""
    frame = campaign_records(db, campaign)
    columns = ["市（州）", *PROGRESS, "合计", "完成率"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    table = pd.crosstab(frame["city"], frame["progress"]).reindex(columns=list(PROGRESS), fill_value=0)
    table["合计"] = table.sum(axis=1)
    table["完成率"] = (table[[KEEP, RECTIFY, REMOVE]].sum(axis=1) / table["合计"]).round(3)
    table = table.reset_index().rename(columns={"city": "市（州）"})
    return table.sort_values(["完成率", "合计"], ascending=[True, False])[columns].reset_index(drop=True)


def current_campaign(db: Database, user: str | None = None) -> campaigns.Campaign | None:
    """The campaign in progress for ``user`` (:func:`campaigns.in_progress`): the one the map and the
    overview follow."""
    return campaigns.in_progress(db, user)


def data_version(db: Database) -> tuple:
    """Changes whenever a record is created, saved or submitted: a cache key for progress views."""
    return tuple(db.execute("SELECT COUNT(*), MAX(updated_at), SUM(version) FROM records").fetchone())


def progress_by_licence(db: Database, campaign: campaigns.Campaign) -> dict[str, str]:
    """Licence number → progress label of every drawn mine of the campaign."""
    frame = campaign_records(db, campaign)
    return {} if frame.empty else dict(zip(frame["licence_no"], frame["progress"]))


# --- drafts ------------------------------------------------------------------------------------

def _check_patch(patch: dict[str, Any]) -> None:
    unknown = set(patch) - set(FIELDS)
    if unknown:
        raise ValueError(f"unknown record fields: {sorted(unknown)}")
    for key, value in patch.items():
        if key == "checklist":
            if not isinstance(value, dict):
                raise ValueError("checklist must be a dict")
            limits.check(InspectionError, *((f"{FIELDS[key]}：{item}", note, limits.LINE)
                                            for item, marks in value.items() for note in dict(marks).values()))
        elif not isinstance(value, str):
            raise ValueError(f"{key} must be text")
        else:
            limits.check(InspectionError, (FIELDS[key], value, limits.TEXT))
    for key in ("date_from", "date_to", "rectify_deadline"):
        if patch.get(key):
            date.fromisoformat(patch[key])


def save_draft(db: Database, record_id: int, patch: dict[str, Any], expected_version: int, actor: str) -> int:
    """Save changed fields of a draft; returns the record's version after the save.

    ``expected_version`` is the version the user's screen shows; if the record moved on since,
    :class:`RecordConflict` carries the latest version and the user's unsaved fields.
    """
    _check_patch(patch)
    with transaction(db):
        record = get(db, record_id)
        _require_record(db, actor, record)
        if record.locked:
            raise RecordLocked("该核查记录已提交，不能直接修改。如需更改，请使用“更正”并填写理由。")
        changed = {k: v for k, v in patch.items() if record.content.get(k) != v}
        if record.version != expected_version:
            if not changed:
                return record.version
            raise RecordConflict(record, patch)
        if not changed:
            return record.version
        content = {**record.content, **changed}
        _refuse_impossible_dates(db, record, changed, content)
        db.execute("UPDATE records SET content = ?, version = version + 1, updated_at = ?, updated_by = ? WHERE id = ?",
                   [canonical(content), now(), actor, record_id])
        audit.log(db, actor, "核查记录：保存草稿", _target(record.licence_no, record.campaign_id),
                  old={k: record.content.get(k) for k in changed}, new=changed, version=record.version + 1)
        return record.version + 1


def _refuse_impossible_dates(db: Database, record: Record, changed: dict[str, Any], content: dict[str, Any]) -> None:
    """Refuse a change of the inspection dates that puts them outside the campaign's window."""
    if not {"date_from", "date_to"} & set(changed):
        return
    problems = date_problems(db, campaigns.get(db, record.campaign_id), content)
    if problems:
        raise InspectionError("；".join(problems) + "。")


def checklist_from_rows(item_ids: list[str], rows: list[tuple[Any, Any]]) -> dict[str, dict[str, str]]:
    """The checklist as stored: item id → mark and note, for the items that have either."""
    return {item: {"mark": mark or "", "note": note or ""} for item, (mark, note) in zip(item_ids, rows)
            if mark or note}


def conflict_rows(conflict: RecordConflict) -> pd.DataFrame:
    """The fields where the user's unsaved input differs from the latest saved version, side by side."""
    rows = [{"内容": FIELDS[key], "您的修改（未保存）": display_value(key, value),
             "最新保存的版本": display_value(key, conflict.current.content.get(key))}
            for key, value in conflict.mine.items() if conflict.current.content.get(key) != value]
    return pd.DataFrame(rows, columns=["内容", "您的修改（未保存）", "最新保存的版本"])


def display_value(key: str, value: Any) -> str:
    if key == "checklist":
        marks = [entry.get("mark", "") for entry in (value or {}).values()]
        return "；".join(f"{m} {marks.count(m)} 项" for m in indicators.MARKS if marks.count(m)) or "（未填）"
    if key in ("date_from", "date_to", "rectify_deadline") and value:
        return chinese_date(date.fromisoformat(value))
    return str(value) if value else "（未填）"


# --- evidence hash, confirmations, submission -------------------------------------------------

def content_hash(db: Database, record: Record) -> str:
    """SHA-256 over the form's content and the list of its evidence: what a member's confirmation covers."""
    photos = [list(row) for row in db.execute(
        "SELECT sha256, area, caption FROM evidence WHERE record_id = ? ORDER BY sha256", [record.id])]
    return hashlib.sha256(canonical({"content": record.content, "evidence": photos}).encode()).hexdigest()


def signatures(db: Database, record: Record) -> list[dict[str, Any]]:
    """Confirmations given, in order, each with ``valid`` False when the draft changed after it, and
    ``proxy_by``/``proxy_reason`` set for a 代签 (see :func:`proxy_note`).

    Once submitted, the confirmations cover the submitted version; amendments are recorded apart.
    """
    submitted = db.execute("SELECT content_hash FROM record_versions WHERE record_id = ? AND action = ? "
                           "ORDER BY id LIMIT 1", [record.id, SUBMIT]).fetchone()
    current = submitted[0] if record.locked and submitted else content_hash(db, record)
    rows = list(db.query("SELECT * FROM record_signatures WHERE record_id = ? ORDER BY signed_at, rowid", [record.id]))
    for row in rows:
        row["valid"] = row["content_hash"] == current
    return rows


def sign(db: Database, record_id: int, inspector_id: int, actor: str, proxy_reason: str = "") -> None:
    """A team member confirms the record; the leader confirms last.

    A logged-in inspector confirms from their own account (``inspector_id`` is their own). A member may
    confirm for another member only as 代签 (a team sharing one device on site), with ``proxy_reason``:
    the confirmation then says who gave it and why, and so do the audit trail and the PDF. The command
    line (a :class:`access.System` actor, e.g. the demo loader) confirms as the member it names.
    """
    limits.check(InspectionError, ("代签理由", proxy_reason, limits.LINE))
    with transaction(db):
        record = get(db, record_id)
        _require_record(db, actor, record)
        if record.locked:
            raise RecordLocked("该核查记录已提交，签字已完成")
        team = {m["inspector_id"]: m for m in team_of(db, record)}
        member = team.get(inspector_id)
        if member is None:
            raise InspectionError("只有分配到该矿山的核查组成员才能签字确认")
        proxy_by = _proxy(team, member, actor, proxy_reason)
        valid_others = [s for s in signatures(db, record) if s["valid"] and s["inspector_id"] != inspector_id]
        if member["role"] == LEADER and len(valid_others) < MIN_CONFIRMATIONS - 1:
            raise InspectionError(f"组长应在其他成员确认后最后签字：目前已有 {len(valid_others)} 名成员确认，"
                                  f"至少需要 {MIN_CONFIRMATIONS - 1} 名")
        if member["role"] != LEADER and any(s["valid"] and s["role"] == LEADER for s in valid_others):
            raise InspectionError("组长已签字，成员不能再补签。如需补签，请先修改记录，全组重新确认。")
        digest = content_hash(db, record)
        reason = proxy_reason.strip() if proxy_by else ""
        db.execute(
            "INSERT INTO record_signatures (record_id, inspector_id, name, role, signed_at, content_hash, proxy_by, "
            "proxy_reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(record_id, inspector_id) DO UPDATE SET "
            "signed_at = excluded.signed_at, content_hash = excluded.content_hash, proxy_by = excluded.proxy_by, "
            "proxy_reason = excluded.proxy_reason",
            [record_id, inspector_id, member["name"], member["role"], now(), digest, proxy_by, reason])
        details = {"name": member["name"], "role": member["role"], "content_hash": digest}
        if proxy_by:
            audit.log(db, actor, "核查记录：代签", _target(record.licence_no, record.campaign_id),
                      new={**details, "proxy_by": proxy_by}, reason=reason)
        else:
            audit.log(db, actor, "核查记录：签字确认", _target(record.licence_no, record.campaign_id), new=details)


def _proxy(team: dict[int, dict[str, Any]], member: dict[str, Any], actor: str, reason: str) -> str:
    """Who gives this confirmation on ``member``'s behalf ('' when it is their own); refuses what is neither."""
    if isinstance(actor, access.System):
        return ""  # the command line confirms as the member it names
    own = team.get(actor.inspector_id) if actor.inspector_id is not None else None
    if own is None:  # an organizer may write the record, not confirm it
        raise access.Denied(f"当前账号“{actor}”不是该矿山核查组的成员：签字确认须由核查组成员本人登录后进行。")
    if own["inspector_id"] == member["inspector_id"]:
        return ""
    if not reason.strip():
        raise InspectionError(f"您（{own['name']}）只能确认本人的签字。如{member['name']}无法本人登录确认，"
                              "可选择“代签”并填写代签原因")
    return own["name"]


def proxy_note(signature: dict[str, Any]) -> str:
    """How a confirmation given by another member is written: '代签：张三（由李四代签，原因：…）'."""
    if not signature.get("proxy_by"):
        return ""
    return f"代签：{signature['name']}（由{signature['proxy_by']}代签，原因：{signature['proxy_reason']}）"


def submission_problems(db: Database, record: Record) -> list[str]:
    """Why the record cannot be submitted yet (empty when it can), in the form's words."""
    content, problems = record.content, []
    if not content["date_from"]:
        problems.append("未填写核查日期")
    problems += date_problems(db, campaigns.get(db, record.campaign_id), content)
    problems += legality_problems(content)
    for index, area in enumerate(AREAS):
        finding = content[area_key(index, "finding")]
        if finding not in FINDINGS:
            problems.append(f"“{area}”未填写：请填写存在的问题与不足，或选择“未发现问题”")
        elif finding == FOUND and not content[area_key(index, "problems")].strip():
            problems.append(f"“{area}”选择了发现问题，但未写明存在的问题与不足")
    if content["compliant"] not in (YES, NO):
        problems.append("核查结论未选择：是否符合绿色矿山标准（是/否）")
    if content["conclusion"] not in CONCLUSIONS:
        problems.append("处理结论未选择（保留/整改/移出）")
    if content["conclusion"] == RECTIFY:
        if not content["rectify_measures"].strip():
            problems.append("处理结论为整改，但未填写整改措施")
        if not content["rectify_deadline"]:
            problems.append("处理结论为整改，但未填写整改期限")
    if content["conclusion"] == REMOVE and not content["removal_reason"].strip():
        problems.append("处理结论为移出，但未填写移出原因")
    missing = missing_photo_areas(db, record)
    if missing:
        problems.append(f"缺少重点区域的核查影像：{'、'.join(missing)}（每个重点区域至少上传一张现场照片）")
    signed = [s for s in signatures(db, record) if s["valid"]]
    if len(signed) < MIN_CONFIRMATIONS:
        problems.append(f"核查组成员签字确认不足 {MIN_CONFIRMATIONS} 人（目前 {len(signed)} 人）")
    if not any(s["role"] == LEADER for s in signed):
        problems.append("组长尚未签字")
    return problems


def consistency_warnings(record: Record) -> list[str]:
    """Combinations worth a second look that do not block submission."""
    content, warnings = record.content, []
    if content["compliant"] == NO and content["conclusion"] == KEEP:
        warnings.append("核查结论为“不符合绿色矿山标准”，处理结论却为“保留”")
    if content["compliant"] == YES and content["conclusion"] == REMOVE:
        warnings.append("核查结论为“符合绿色矿山标准”，处理结论却为“移出”")
    failed = [text for field, text in LEGALITY if content.get(field) == NO]
    if failed and content["compliant"] == YES:
        warnings.append(f"合法合规性“{'、'.join(failed)}”为否，核查结论却为“符合绿色矿山标准”（证照合法有效等是先决条件）")
    found = any(content[area_key(i, "finding")] == FOUND for i in range(len(AREAS)))
    if found and not content["main_problems"].strip():
        warnings.append("有方面发现了问题，但“存在的主要问题”未填写（汇总表中将为空）")
    return warnings


def submit(db: Database, record_id: int, expected_version: int, actor: str) -> None:
    """Lock the record (草稿 → 已提交) when every rule of the form is met; keeps the submitted version."""
    with transaction(db):
        record = get(db, record_id)
        _require_record(db, actor, record)
        if record.locked:
            raise RecordLocked("该核查记录已提交")
        if record.version != expected_version:
            raise RecordConflict(record, {})
        problems = submission_problems(db, record)
        if problems:
            raise InspectionError("不能提交：" + "；".join(problems))
        stamp = now()
        db.execute("UPDATE records SET status = ?, version = version + 1, submitted_at = ?, submitted_by = ?, "
                   "updated_at = ?, updated_by = ? WHERE id = ?", [SUBMITTED, stamp, actor, stamp, actor, record_id])
        submitted = get(db, record_id)
        _keep_version(db, submitted, actor, SUBMIT, "", {})
        audit.log(db, actor, "核查记录：提交", _target(record.licence_no, record.campaign_id),
                  new={"version": submitted.version, "content_hash": content_hash(db, submitted)})
        followup.open_from_record(db, submitted, actor)


def _keep_version(db: Database, record: Record, actor: str, action: str, reason: str,
                  changes: dict[str, list[Any]]) -> None:
    db.execute(
        "INSERT INTO record_versions (record_id, version, at, actor, action, reason, changes, content, content_hash) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [record.id, record.version, record.updated_at, actor, action, reason, canonical(changes),
         canonical(record.content), content_hash(db, record)])


def amend(db: Database, record_id: int, patch: dict[str, Any], reason: str, expected_version: int, actor: str) -> int:
    """Change a submitted record with a written reason; the earlier version stays on file. Returns the new version."""
    _check_patch(patch)
    if not reason.strip():
        raise InspectionError("更正已提交的核查记录必须填写理由")
    limits.check(InspectionError, ("更正理由", reason, limits.TEXT))
    with transaction(db):
        record = get(db, record_id)
        _require_record(db, actor, record)
        if not record.locked:
            raise InspectionError("草稿可直接修改，无需更正")
        if record.version != expected_version:
            raise RecordConflict(record, patch)
        changes = {k: [record.content.get(k), v] for k, v in patch.items() if record.content.get(k) != v}
        if not changes:
            raise InspectionError("更正内容与原记录相同，没有需要保存的修改")
        content = {**record.content, **{k: new for k, (_, new) in changes.items()}}
        _refuse_impossible_dates(db, record, changes, content)
        db.execute("UPDATE records SET content = ?, version = version + 1, updated_at = ?, updated_by = ? WHERE id = ?",
                   [canonical(content), now(), actor, record_id])
        _keep_version(db, get(db, record_id), actor, AMEND, reason.strip(), changes)
        audit.log(db, actor, "核查记录：更正", _target(record.licence_no, record.campaign_id),
                  old={k: old for k, (old, _) in changes.items()}, new={k: new for k, (_, new) in changes.items()},
                  reason=reason.strip())
        followup.open_from_record(db, get(db, record_id), actor)
        return record.version + 1


def versions(db: Database, record_id: int) -> pd.DataFrame:
    """The submitted version and each amendment: when, who, what, why."""
    rows = [{
        "版本": row["version"], "时间": chinese_time(row["at"]), "操作人": row["actor"], "操作": row["action"],
        "理由": row["reason"],
        "修改内容": "；".join(f"{FIELDS[k]}：{display_value(k, old)} → {display_value(k, new)}"
                          for k, (old, new) in json.loads(row["changes"]).items()),
        "内容哈希（SHA-256）": row["content_hash"],
    } for row in db.query("SELECT * FROM record_versions WHERE record_id = ? ORDER BY id", [record_id])]
    return pd.DataFrame(rows, columns=["版本", "时间", "操作人", "操作", "理由", "修改内容", "内容哈希（SHA-256）"])


# --- evidence (核查影像) -------------------------------------------------------------------------

def evidence_root() -> Path:
    return config.data_dir() / "evidence"


def add_evidence(db: Database, record_id: int, data: bytes, filename: str, area: str, caption: str,
                 actor: str) -> int:
    """Store a photo or video for one area of a draft record; returns the evidence id.

    The original is kept unchanged under its SHA-256 (see :mod:`core.evidence`); refusals
    (not an image, too large, already attached) raise with a Chinese message.
    """
    limits.check(InspectionError, ("影像说明", caption, limits.LINE), ("文件名", filename, limits.FILE_NAME))
    record = get(db, record_id)
    allowed = photo_areas(campaigns.get(db, record.campaign_id))
    if area not in allowed:
        raise InspectionError(f"请选择影像所属的区域或方面（{'、'.join(allowed)}）")
    _require_record(db, actor, record)
    if record.locked:
        raise RecordLocked("该核查记录已提交，不能再添加影像")
    found = evidence.ingest(data, filename, evidence_root())
    mine = db.execute("SELECT lat, lon FROM mines WHERE id = ?", [record.mine_id]).fetchone()
    distance = (evidence.distance_km(found.lat, found.lon, mine[0], mine[1])
                if found.lat is not None and mine[0] is not None else None)
    with transaction(db):
        if get(db, record_id).locked:
            raise RecordLocked("该核查记录已提交，不能再添加影像")
        if db.execute("SELECT 1 FROM evidence WHERE record_id = ? AND sha256 = ?", [record_id, found.sha256]).fetchone():
            raise InspectionError(f"“{filename}”已上传到本记录，无需重复上传")
        audit.log(db, actor, "核查影像：上传", _target(record.licence_no, record.campaign_id),
                  new={"sha256": found.sha256, "filename": filename, "area": area, "caption": caption.strip()})
        return db.execute(
            "INSERT INTO evidence (record_id, sha256, kind, ext, mime, size, filename, area, caption, uploaded_by, "
            "uploaded_at, taken_at, lat, lon, device, width, height, phash, distance_km) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [record_id, found.sha256, found.kind, found.ext, found.mime, found.size, filename, area, caption.strip(),
             actor, now(), found.taken_at, found.lat, found.lon, found.device, found.width, found.height,
             found.phash, distance]).lastrowid


def remove_evidence(db: Database, evidence_id: int, actor: str) -> None:
    """Take a photo off a draft record (the stored original stays: other records may share it)."""
    with transaction(db):
        row = db.execute("SELECT record_id, sha256, filename FROM evidence WHERE id = ?", [evidence_id]).fetchone()
        if row is None:
            return
        record = get(db, row[0])
        _require_record(db, actor, record)
        if record.locked:
            raise RecordLocked("该核查记录已提交，不能删除影像")
        db.execute("DELETE FROM evidence WHERE id = ?", [evidence_id])
        audit.log(db, actor, "核查影像：删除", _target(record.licence_no, record.campaign_id),
                  old={"sha256": row[1], "filename": row[2]})


def evidence_of(db: Database, record: Record) -> list[dict[str, Any]]:
    """The record's photos and videos in the order of the form's areas, each with its ``warnings``
    (never blocking): missing EXIF time or position, taken far from the mine or outside the
    inspection dates, or the same or a near-identical photo on another mine's record."""
    rows = list(db.query("SELECT * FROM evidence WHERE record_id = ? ORDER BY id", [record.id]))
    order = photo_areas(campaigns.get(db, record.campaign_id))
    rows.sort(key=lambda r: order.index(r["area"]) if r["area"] in order else len(order))
    limit = max_photo_distance_km(db)
    others = db.execute(
        "SELECT e.phash, m.name FROM evidence e JOIN records r ON r.id = e.record_id JOIN mines m ON m.id = r.mine_id "
        "WHERE r.mine_id != ? AND e.phash != ''", [record.mine_id]).fetchall()
    other_hashes = [(int(h, 16), name) for h, name in others]
    first = record.content["date_from"]
    last = record.content["date_to"] or first
    for row in rows:
        warnings = []
        if row["kind"] == evidence.PHOTO:
            if not row["taken_at"]:
                warnings.append("无拍摄时间（EXIF）")
            if row["lat"] is None:
                warnings.append("无GPS位置")
            if row["distance_km"] is not None and row["distance_km"] > limit:
                warnings.append(f"拍摄位置距矿山 {row['distance_km']:.1f} 公里（超过 {limit:g} 公里）")
            taken = row["taken_at"][:10]
            if taken and first and not first <= taken <= last:
                warnings.append(f"拍摄日期{chinese_date(date.fromisoformat(taken))}不在核查日期内")
            if row["phash"]:
                mine_hash = int(row["phash"], 16)
                close = sorted({name for value, name in other_hashes
                                if (mine_hash ^ value).bit_count() <= evidence.NEAR_DUPLICATE_BITS})
                if close:
                    warnings.append("与其他矿山核查记录中的照片相同或高度相似：" + "、".join(close[:3])
                                    + ("等" if len(close) > 3 else ""))
        row["warnings"] = warnings
    return rows


def thumbnail(row: dict[str, Any]) -> Path:
    return evidence.thumbnail_path(evidence_root(), row["sha256"])


def original(row: dict[str, Any]) -> Path:
    return evidence.original_path(evidence_root(), row["sha256"], row["ext"])
