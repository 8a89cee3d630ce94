"""Follow-up of the results (整改跟踪与移出): rectification cases, their re-checks, and removals from the list.

A submitted record concluded 整改 opens a **rectification case** for its mine: one item per problem the
record found (each closed on its own), the measures and deadline from the record, the mine's contact,
and a status 整改中 → 已报送整改材料 → 复核通过 / 复核未通过. A case not approved by its deadline is shown as
逾期 (computed on the day asked, never stored). The province records what the mine sends and the
re-check (书面复核 or 现场复核, with its own short record and files).

A record concluded 移出, a failed re-check, or an overdue case opens a **removal case**. For provincial,
city and county mines the coordinator approves it and the register marks the mine 已移出. For national
mines the province proposes (移出建议, see :mod:`core.removal_proposal`) and the ministry
decides: only its recorded decision changes the register.

Cases still open when a later campaign freezes its register flag their mines 回头看整改要求
(:func:`flag_open_cases`), so the draw puts them in the priority stratum. Every step is in the audit
trail and in the mine's history.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd
from sqlite_utils import Database

from core import access, audit, config, evidence, limits, registry
from core.db import now, transaction
from core.labels import AREAS, FOUND, LEVELS, RECTIFY, REMOVE, SUBMITTED

NATIONAL = LEVELS[0]

# Rectification cases
OPEN = "整改中"
MATERIALS = "已报送整改材料"
PASSED = "复核通过"
FAILED = "复核未通过"
OVERDUE = "逾期"  # shown, not stored: an open case past its deadline
DUE_SOON = "即将到期"  # shown: an open case within DUE_SOON_DAYS of its deadline
STILL_OPEN = (OPEN, MATERIALS)
DUE_SOON_DAYS = 30

# Steps of a case
SENT = "整改材料"
DESK = "书面复核"
SITE = "现场复核"
STEPS = (SENT, DESK, SITE)

# Removal cases
FROM_RECORD = "核查结论为移出"
FROM_FAILED = "整改复核未通过"
FROM_OVERDUE = "整改逾期未完成"
PENDING = "待审核"  # provincial, city, county: the coordinator decides
TO_MINISTRY = "待报部"  # national: the province proposes
REPORTED = "已报部待决定"
REMOVED = "已移出"
KEPT = "不予移出"
REMOVAL_OPEN = (PENDING, TO_MINISTRY, REPORTED)
PENDING_REMOVAL = "待移出"  # a mine's state on the map while its removal case awaits a decision

MAX_DOCUMENT_BYTES = 50 * 1024 * 1024
# A document's first bytes → its type: PDF, zip (docx, xlsx, ofd, zip), OLE (doc, xls).
DOCUMENT_TYPES = {b"%PDF": "application/pdf", b"PK\x03\x04": "application/zip",
                  b"\xd0\xcf\x11\xe0": "application/x-ole-storage"}
DOCUMENT_EXTENSIONS = (".pdf", ".doc", ".docx", ".xls", ".xlsx", ".ofd", ".zip")


class FollowUpError(ValueError):
    """A follow-up step refused; the message says why in Chinese."""


def files_root() -> Path:
    """Where the files a mine sends and the re-check photos are kept (with the inspection evidence)."""
    return config.data_dir() / "evidence"


# --- opening cases from submitted records ----------------------------------------------------

_SEPARATORS = re.compile(r"[\n；;]+|(?=[（(]\d{1,2}[）)])")
_NUMBER = re.compile(r"^\s*(?:\d{1,2}[.、．)）]|[（(]\d{1,2}[）)])\s*")


def split_items(text: str) -> list[str]:
    """The separate problems (or measures) of a text written one per line, by ；, or numbered （1）（2）."""
    parts = (_NUMBER.sub("", part).strip(" 。，,") for part in _SEPARATORS.split(text or ""))
    return [part for part in parts if part]


def open_from_record(db: Database, record: Any, actor: str) -> None:
    """Open the case a submitted record calls for (整改 → rectification, 移出 → removal), once per record.

    Called inside :func:`core.inspections.submit` and ``amend``, whose own check of ``actor`` covers it.
    """
    content = record.content
    if content.get("conclusion") == "整改":
        if db.execute("SELECT 1 FROM rectifications WHERE record_id = ?", [record.id]).fetchone():
            return
        problems = [(area, problem) for index, area in enumerate(AREAS)
                    if content.get(f"area{index}_finding") == FOUND
                    for problem in split_items(content.get(f"area{index}_problems", ""))]
        problems = problems or [("", part) for part in split_items(content.get("main_problems", ""))]
        measures = split_items(content.get("rectify_measures", ""))
        stamp = now()
        case_id = db.execute(
            "INSERT INTO rectifications (record_id, campaign_id, mine_id, licence_no, measures, deadline, status, "
            "opened_at, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [record.id, record.campaign_id, record.mine_id, record.licence_no, content.get("rectify_measures", ""),
             content.get("rectify_deadline", ""), OPEN, stamp, stamp, str(actor)]).lastrowid
        db.conn.executemany(
            "INSERT INTO rectification_items (case_id, seq, area, problem, measure) VALUES (?, ?, ?, ?, ?)",
            [(case_id, seq, area, problem, measures[seq - 1] if len(measures) == len(problems) else "")
             for seq, (area, problem) in enumerate(problems, start=1)])
        _history(db, record.mine_id, actor, "开始整改跟踪",
                 f"{len(problems)} 项问题，整改期限 {content.get('rectify_deadline', '')}", record.licence_no)
    elif content.get("conclusion") == "移出":
        _open_removal(db, record.mine_id, FROM_RECORD, content.get("removal_reason", ""), actor, record_id=record.id)


def open_missing(db: Database, actor: str) -> int:
    """Open the cases of records submitted before the follow-up existed (at start-up, after an upgrade);
    returns how many records were taken up. Doing it again finds none."""
    rows = db.execute(
        "SELECT r.id, r.campaign_id, r.mine_id, r.licence_no, r.content FROM records r WHERE r.status = '已提交' AND ("
        "(json_extract(r.content, '$.conclusion') = '整改' AND NOT EXISTS (SELECT 1 FROM rectifications c WHERE c.record_id = r.id)) "
        "OR (json_extract(r.content, '$.conclusion') = '移出' AND NOT EXISTS (SELECT 1 FROM removals d WHERE d.record_id = r.id)))"
    ).fetchall()
    with transaction(db):
        for record_id, campaign_id, mine_id, licence_no, content in rows:
            open_from_record(db, SimpleNamespace(id=record_id, campaign_id=campaign_id, mine_id=mine_id,
                                                 licence_no=licence_no, content=json.loads(content)), actor)
    return len(rows)


def _history(db: Database, mine_id: int, actor: str, action: str, note: str, licence_no: str, **detail: Any) -> None:
    """A step of a case, in the mine's history and in the audit trail."""
    registry.add_history(db, mine_id, actor, f"整改与移出：{action}", note)
    audit.log(db, actor, f"整改与移出：{action}", licence_no, new={"note": note, **detail})


# --- rectification cases -----------------------------------------------------------------------

@dataclass
class Case:
    id: int
    record_id: int
    campaign_id: int
    mine_id: int
    licence_no: str
    measures: str
    deadline: str
    contact: str
    phone: str
    status: str
    opened_at: str
    closed_at: str
    version: int
    updated_at: str
    updated_by: str

    def shown_status(self, today: date) -> str:
        return shown_status(self.status, self.deadline, today)


def shown_status(status: str, deadline: str, today: date) -> str:
    """A case's status as the pages show it on ``today``: 逾期 / 即将到期 for an open case by its deadline."""
    if status in STILL_OPEN and deadline:
        if deadline < today.isoformat():
            return OVERDUE
        if deadline <= (today + timedelta(days=DUE_SOON_DAYS)).isoformat():
            return DUE_SOON
    return status


def get_case(db: Database, case_id: int) -> Case:
    cursor = db.execute(f"SELECT {', '.join(Case.__dataclass_fields__)} FROM rectifications WHERE id = ?", [case_id])
    row = cursor.fetchone()
    if row is None:
        raise FollowUpError("整改案件不存在，请刷新页面。")
    return Case(*row)


def items(db: Database, case_id: int) -> list[dict[str, Any]]:
    cursor = db.execute("SELECT id, seq, area, problem, measure, done_at, done_by, note FROM rectification_items "
                        "WHERE case_id = ? ORDER BY seq", [case_id])
    return [dict(zip([d[0] for d in cursor.description], row)) for row in cursor.fetchall()]


def _open_case(db: Database, case_id: int, expected_version: int | None = None) -> Case:
    case = get_case(db, case_id)
    if case.status not in STILL_OPEN:
        raise FollowUpError(f"该整改案件已{case.status}，不能再修改。")
    if expected_version is not None and case.version != expected_version:
        raise FollowUpError("该整改案件在您打开后已被他人修改，请刷新后重试。")
    return case


def _touch(db: Database, case: Case, actor: str, **changes: Any) -> None:
    sets = {**changes, "version": case.version + 1, "updated_at": now(), "updated_by": str(actor)}
    db.execute(f"UPDATE rectifications SET {', '.join(f'{k} = ?' for k in sets)} WHERE id = ?", [*sets.values(), case.id])


def update_case(db: Database, case_id: int, contact: str, phone: str, deadline: date, expected_version: int,
                actor: str, reason: str = "") -> None:
    """The mine's responsible contact, and the deadline (a changed deadline needs a reason)."""
    access.require(actor, access.FOLLOW_UP)
    limits.check(FollowUpError, ("联系人", contact, limits.NAME), ("联系电话", phone, limits.NAME),
                 ("调整期限的理由", reason, limits.TEXT))
    with transaction(db):
        case = _open_case(db, case_id, expected_version)
        changed = deadline.isoformat() != case.deadline
        if changed and not reason.strip():
            raise FollowUpError("调整整改期限须填写理由（如批准延期的文件）。")
        _touch(db, case, actor, contact=contact.strip(), phone=phone.strip(), deadline=deadline.isoformat())
        _history(db, case.mine_id, actor, "修改整改信息",
                 f"责任人 {contact.strip() or '—'} {phone.strip()}" + (
                     f"；期限 {case.deadline} → {deadline.isoformat()}（{reason.strip()}）" if changed else ""),
                 case.licence_no)


def complete_item(db: Database, item_id: int, done: bool, note: str, actor: str) -> None:
    """Mark one problem rectified (or not yet), with what shows it."""
    access.require(actor, access.FOLLOW_UP)
    limits.check(FollowUpError, ("整改情况说明", note, limits.TEXT))
    with transaction(db):
        row = db.execute("SELECT case_id, seq, problem FROM rectification_items WHERE id = ?", [item_id]).fetchone()
        if row is None:
            raise FollowUpError("整改事项不存在，请刷新页面。")
        case = _open_case(db, row[0])
        db.execute("UPDATE rectification_items SET done_at = ?, done_by = ?, note = ? WHERE id = ?",
                   [now() if done else "", str(actor) if done else "", note.strip(), item_id])
        _touch(db, case, actor)
        _history(db, case.mine_id, actor, "整改事项已完成" if done else "整改事项重新打开",
                 f"第 {row[1]} 项：{row[2]}" + (f"（{note.strip()}）" if note.strip() else ""), case.licence_no)


@dataclass
class Upload:
    data: bytes
    filename: str
    caption: str = ""


def store_file(upload: Upload) -> dict[str, Any]:
    """Keep a file the mine sent or a re-check photo (content-addressed, like the inspection evidence)."""
    suffix = Path(upload.filename).suffix.lower()
    if suffix in evidence.PHOTO_EXTENSIONS + evidence.VIDEO_EXTENSIONS:
        found = evidence.ingest(upload.data, upload.filename, files_root())
        return {"sha256": found.sha256, "kind": found.kind, "ext": found.ext, "mime": found.mime, "size": found.size,
                "taken_at": found.taken_at, "lat": found.lat, "lon": found.lon}
    if suffix not in DOCUMENT_EXTENSIONS:
        raise FollowUpError(f"文件“{upload.filename}”的类型（{suffix or '无扩展名'}）不能上传。可上传照片、视频，或文件："
                            f"{'、'.join(DOCUMENT_EXTENSIONS)}。")
    if not upload.data:
        raise FollowUpError(f"文件“{upload.filename}”是空的（0 字节）。")
    if len(upload.data) > MAX_DOCUMENT_BYTES:
        raise FollowUpError(f"文件“{upload.filename}”超过 {MAX_DOCUMENT_BYTES // 2**20} MB，请压缩或分开上传。")
    kind = next((k for k in DOCUMENT_TYPES if upload.data.startswith(k)), None)
    if kind is None or (suffix == ".pdf") != (kind == b"%PDF"):
        raise FollowUpError(f"文件“{upload.filename}”的内容与扩展名 {suffix} 不符，可能已损坏或被改名。请重新导出后上传。")
    sha256 = evidence.sha256_of(upload.data)
    evidence.store_original(files_root(), sha256, suffix, upload.data)
    return {"sha256": sha256, "kind": "文件", "ext": suffix, "mime": DOCUMENT_TYPES[kind], "size": len(upload.data),
            "taken_at": "", "lat": None, "lon": None}


def add_step(db: Database, case_id: int, kind: str, on_date: date, people: str, text: str, actor: str,
             files: list[Upload] = (), passed: bool | None = None, expected_version: int | None = None) -> int:
    """Record what the mine sent (:data:`SENT`) or a re-check (:data:`DESK` / :data:`SITE`, ``passed`` True or
    False). A re-check that passes needs every item rectified and closes the case; one that fails closes it
    and opens a removal case. Files are checked and stored before anything is written; returns the step id."""
    access.require(actor, access.FOLLOW_UP)
    if kind not in STEPS:
        raise FollowUpError(f"未知的跟踪步骤：{kind}")
    if kind != SENT and passed is None:
        raise FollowUpError("请选择复核结论：通过或未通过。")
    if not text.strip():
        raise FollowUpError("请填写" + ("整改材料的内容" if kind == SENT else "复核情况") + "。")
    limits.check(FollowUpError, ("内容", text, limits.TEXT), ("参加人员", people, limits.LINE))
    stored = [(upload, store_file(upload)) for upload in files]
    with transaction(db):
        case = _open_case(db, case_id, expected_version)
        if kind != SENT and passed and any(not item["done_at"] for item in items(db, case_id)):
            raise FollowUpError("还有整改事项未标记为已完成。复核通过前，请逐项确认整改已完成。")
        result = "" if kind == SENT else ("通过" if passed else "未通过")
        step_id = db.execute(
            "INSERT INTO followup_steps (case_id, kind, on_date, people, text, result, at, actor) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [case_id, kind, on_date.isoformat(), people.strip(), text.strip(), result, now(), str(actor)]).lastrowid
        for upload, found in stored:
            db.execute(
                "INSERT INTO followup_files (step_id, sha256, kind, ext, mime, size, filename, caption, taken_at, lat, "
                "lon, uploaded_at, uploaded_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [step_id, found["sha256"], found["kind"], found["ext"], found["mime"], found["size"], upload.filename,
                 upload.caption.strip(), found["taken_at"], found["lat"], found["lon"], now(), str(actor)])
        if kind == SENT:
            _touch(db, case, actor, status=MATERIALS)
        else:
            _touch(db, case, actor, status=PASSED if passed else FAILED, closed_at=now())
        _history(db, case.mine_id, actor, kind + (f"（{result}）" if result else ""),
                 f"{on_date.isoformat()}：{text.strip()}", case.licence_no, files=len(stored))
        if kind != SENT and not passed:
            _open_removal(db, case.mine_id, FROM_FAILED, f"整改复核未通过：{text.strip()}", actor, case_id=case.id,
                          record_id=case.record_id)
    return step_id


def steps(db: Database, case_id: int) -> list[dict[str, Any]]:
    """The steps of a case, oldest first, each with its ``files``."""
    cursor = db.execute("SELECT id, kind, on_date, people, text, result, at, actor FROM followup_steps "
                        "WHERE case_id = ? ORDER BY id", [case_id])
    found = [dict(zip([d[0] for d in cursor.description], row)) for row in cursor.fetchall()]
    for step in found:
        files = db.execute("SELECT sha256, kind, ext, filename, caption, size FROM followup_files WHERE step_id = ? "
                           "ORDER BY id", [step["id"]])
        step["files"] = [dict(zip([d[0] for d in files.description], row)) for row in files.fetchall()]
    return found


def propose_overdue(db: Database, case_id: int, today: date, actor: str) -> int:
    """Close an overdue case and open its removal case (the 2025 rules: not rectified in time → removed)."""
    access.require(actor, access.FOLLOW_UP)
    with transaction(db):
        case = _open_case(db, case_id)
        if case.shown_status(today) != OVERDUE:
            raise FollowUpError(f"该整改案件尚未逾期（期限 {case.deadline}），不能按逾期提出移出。")
        _touch(db, case, actor, status=FAILED, closed_at=now())
        return _open_removal(db, case.mine_id, FROM_OVERDUE, f"整改期限 {case.deadline} 已过，未通过复核", actor,
                             case_id=case.id, record_id=case.record_id)


def cases(db: Database, today: date) -> pd.DataFrame:
    """Every rectification case with its mine and shown status, the most urgent first. Columns: id, licence_no,
    name, level, city, year, deadline, days_left, status (stored), shown (on ``today``), items, done, contact."""
    frame = pd.read_sql_query(
        "SELECT r.id, r.licence_no, m.name, m.level, m.city, c.year, r.deadline, r.status, r.contact, r.phone, "
        "(SELECT COUNT(*) FROM rectification_items i WHERE i.case_id = r.id) AS items, "
        "(SELECT COUNT(*) FROM rectification_items i WHERE i.case_id = r.id AND i.done_at != '') AS done "
        "FROM rectifications r JOIN mines m ON m.id = r.mine_id JOIN campaigns c ON c.id = r.campaign_id", db.conn)
    if frame.empty:
        return frame.assign(days_left=pd.Series(dtype="Int64"), shown=pd.Series(dtype=object))
    frame["days_left"] = [(date.fromisoformat(d) - today).days if d else None for d in frame["deadline"]]
    frame["shown"] = [shown_status(s, d, today) for s, d in zip(frame["status"], frame["deadline"])]
    urgency = {OVERDUE: 0, DUE_SOON: 1, OPEN: 2, MATERIALS: 2, FAILED: 3, PASSED: 4}
    return frame.sort_values(["shown", "deadline"], key=lambda column: column.map(urgency) if column.name == "shown"
                             else column).reset_index(drop=True)


# --- removal cases ------------------------------------------------------------------------------

def _open_removal(db: Database, mine_id: int, source: str, reason: str, actor: str, record_id: int | None = None,
                  case_id: int | None = None) -> int:
    """A removal case for the mine (the open one, if it already has one)."""
    existing = db.execute("SELECT id FROM removals WHERE mine_id = ? AND closed_at = ''", [mine_id]).fetchone()
    if existing:
        return existing[0]
    mine = registry.get_mine(db, mine_id)
    stamp = now()
    removal_id = db.execute(
        "INSERT INTO removals (mine_id, licence_no, level, source, record_id, case_id, reason, status, proposed_at, "
        "proposed_by, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [mine_id, mine["licence_no"], mine["level"], source, record_id, case_id, reason.strip(),
         TO_MINISTRY if mine["level"] == NATIONAL else PENDING, stamp, str(actor), stamp, str(actor)]).lastrowid
    _history(db, mine_id, actor, "提出移出", f"{source}：{reason.strip()}", mine["licence_no"])
    return removal_id


def get_removal(db: Database, removal_id: int) -> dict[str, Any]:
    cursor = db.execute("SELECT * FROM removals WHERE id = ?", [removal_id])
    row = cursor.fetchone()
    if row is None:
        raise FollowUpError("移出案件不存在，请刷新页面。")
    return dict(zip([d[0] for d in cursor.description], row))


def _open_removal_case(db: Database, removal_id: int, expected_version: int | None, allowed: tuple[str, ...]) -> dict:
    removal = get_removal(db, removal_id)
    if removal["status"] not in allowed:
        raise FollowUpError(f"该移出案件当前为“{removal['status']}”，不能进行此操作。")
    if expected_version is not None and removal["version"] != expected_version:
        raise FollowUpError("该移出案件在您打开后已被他人修改，请刷新后重试。")
    return removal


def _close_removal(db: Database, removal: dict, status: str, actor: str, **changes: Any) -> None:
    sets = {**changes, "status": status, "closed_at": now(), "version": removal["version"] + 1, "updated_at": now(),
            "updated_by": str(actor)}
    db.execute(f"UPDATE removals SET {', '.join(f'{k} = ?' for k in sets)} WHERE id = ?", [*sets.values(), removal["id"]])


def _remove_from_register(db: Database, removal: dict, removed_on: date, reason: str, document_no: str,
                          actor: str) -> None:
    mine = registry.get_mine(db, removal["mine_id"])
    if mine["status"] == registry.STATUS_REMOVED:
        return
    registry.remove_mine(db, mine["id"], removed_on, f"{reason.strip()}（{document_no.strip()}）", mine["version"], actor)


def approve_removal(db: Database, removal_id: int, removed_on: date, document_no: str, reason: str,
                    expected_version: int, actor: str) -> None:
    """The province removes a provincial, city or county mine: the register marks it 已移出 with the date,
    the reason and the document number, and it drops out of later draws."""
    access.require(actor, access.FOLLOW_UP)
    limits.check(FollowUpError, ("文号", document_no, limits.LINE), ("移出原因", reason, limits.TEXT))
    if not document_no.strip() or not reason.strip():
        raise FollowUpError("移出须填写移出情形和文件文号。")
    with transaction(db):
        removal = _open_removal_case(db, removal_id, expected_version, (PENDING,))
        _close_removal(db, removal, REMOVED, actor, reason=reason.strip(), decided_on=removed_on.isoformat(),
                       document_no=document_no.strip(), decision="移出")
        _remove_from_register(db, removal, removed_on, reason, document_no, actor)


def keep_listed(db: Database, removal_id: int, reason: str, expected_version: int, actor: str) -> None:
    """The province decides not to remove the mine (a provincial-level case), with a reason."""
    access.require(actor, access.FOLLOW_UP)
    if not reason.strip():
        raise FollowUpError("不予移出须填写理由。")
    limits.check(FollowUpError, ("不予移出的理由", reason, limits.TEXT))
    with transaction(db):
        removal = _open_removal_case(db, removal_id, expected_version, (PENDING,))
        _close_removal(db, removal, KEPT, actor, decision=f"不予移出：{reason.strip()}", decided_on=date.today().isoformat())
        _history(db, removal["mine_id"], actor, "不予移出", reason.strip(), removal["licence_no"])


def mark_reported(db: Database, removal_ids: list[int], reported_on: date, actor: str) -> None:
    """The national-mine proposals sent to the ministry on ``reported_on``."""
    access.require(actor, access.FOLLOW_UP)
    with transaction(db):
        for removal_id in removal_ids:
            removal = _open_removal_case(db, removal_id, None, (TO_MINISTRY,))
            db.execute("UPDATE removals SET status = ?, reported_on = ?, version = version + 1, updated_at = ?, "
                       "updated_by = ? WHERE id = ?", [REPORTED, reported_on.isoformat(), now(), str(actor), removal_id])
            _history(db, removal["mine_id"], actor, "移出建议已报部", reported_on.isoformat(), removal["licence_no"])


def record_decision(db: Database, removal_id: int, removed: bool, announcement_no: str, decided_on: date,
                    expected_version: int, actor: str) -> None:
    """The ministry's decision on a national mine, with its announcement number and date: only a decision
    to remove changes the register."""
    access.require(actor, access.FOLLOW_UP)
    limits.check(FollowUpError, ("公告文号", announcement_no, limits.LINE))
    if not announcement_no.strip():
        raise FollowUpError("请填写自然资源部公告（文件）的文号。")
    with transaction(db):
        removal = _open_removal_case(db, removal_id, expected_version, (TO_MINISTRY, REPORTED))
        _close_removal(db, removal, REMOVED if removed else KEPT, actor, decided_on=decided_on.isoformat(),
                       document_no=announcement_no.strip(), decision="部决定移出" if removed else "部决定保留")
        if removed:
            _remove_from_register(db, removal, decided_on, removal["reason"] or removal["source"], announcement_no,
                                  actor)
        else:
            _history(db, removal["mine_id"], actor, "部决定保留", announcement_no.strip(), removal["licence_no"])


def set_situation(db: Database, removal_id: int, situation: str, grounds: list[str], expected_version: int,
                  actor: str) -> None:
    """The 移出情形 an open removal case rests on: one of ``grounds``, the official situations the province
    keeps (:func:`core.removal_proposal.grounds`). The text it replaces stays in the mine's history."""
    access.require(actor, access.FOLLOW_UP)
    if situation not in grounds:
        raise FollowUpError(f"“{situation}”不在移出情形列表中，请从列表中选择。")
    with transaction(db):
        removal = _open_removal_case(db, removal_id, expected_version, REMOVAL_OPEN)
        db.execute("UPDATE removals SET reason = ?, version = version + 1, updated_at = ?, updated_by = ? WHERE id = ?",
                   [situation, now(), str(actor), removal_id])
        _history(db, removal["mine_id"], actor, "确定移出情形", f"{removal['reason'] or '—'} → {situation}",
                 removal["licence_no"])


def restore(db: Database, mine_id: int, reason: str, actor: str) -> None:
    """Put a removed mine back on the list (e.g. the decision was reversed); the reason is required."""
    access.require(actor, access.FOLLOW_UP)
    limits.check(FollowUpError, ("恢复的理由", reason, limits.TEXT))
    mine = registry.get_mine(db, mine_id)
    registry.restore_mine(db, mine_id, reason, mine["version"], actor)


def removals(db: Database) -> pd.DataFrame:
    """Every removal case with its mine, open ones first."""
    return pd.read_sql_query(
        "SELECT r.id, r.licence_no, m.name, r.level, m.city, m.county, r.source, r.reason, r.status, r.proposed_at, "
        "r.reported_on, r.decided_on, r.document_no, r.decision, r.version, r.record_id, m.status AS mine_status "
        "FROM removals r JOIN mines m ON m.id = r.mine_id "
        "ORDER BY r.closed_at != '', CASE r.level WHEN '国家级' THEN 1 WHEN '省级' THEN 2 WHEN '市级' THEN 3 ELSE 4 END, r.id",
        db.conn)


# --- what may be published (一公开) ----------------------------------------------------------------

# A removal is published as 移出 only once decided: by the province for provincial, city and county mines
# (approve_removal), by the ministry for national ones (record_decision). Until then it says who decides.
AWAITS_PROVINCE = "拟移出，待省级审定"
AWAITS_MINISTRY = "拟移出，待自然资源部确定"
NOT_CHECKED = "未完成核查"


def public_conclusion(conclusion: str, level: str, removal: dict[str, Any] | None) -> str:
    """The conclusion of one submitted record as it may be published, given its latest removal case.

    ``conclusion``: the record's 保留 / 整改 / 移出; ``removal``: a row of ``removals`` opened from the record
    (``status``, ``source``), or None. Returns:

    - 保留 → "保留";
    - 移出 → "移出" once removed, "拟移出，待省级审定" / "拟移出，待自然资源部确定" while the case is open
      (or not opened yet), "保留（经省级审定不予移出）" / "保留（自然资源部决定不予移出）" when kept;
    - 整改 → "整改", or, when its case failed or ran out: "整改（整改复核未通过，拟移出，待…）" while that
      removal is open and "移出（整改复核未通过）" once decided (整改逾期未完成 likewise).
    """
    status = removal["status"] if removal else None
    awaiting = AWAITS_MINISTRY if level == NATIONAL else AWAITS_PROVINCE
    if conclusion == REMOVE:
        if status == REMOVED:
            return "移出"
        if status == KEPT:
            return "保留（自然资源部决定不予移出）" if level == NATIONAL else "保留（经省级审定不予移出）"
        return awaiting
    if conclusion == RECTIFY and removal is not None:
        if status in REMOVAL_OPEN:
            return f"整改（{removal['source']}，{awaiting}）"
        if status == REMOVED:
            return f"移出（{removal['source']}）"
    return conclusion


def public_conclusions(db: Database, campaign: Any) -> dict[str, str]:
    """Licence number → the publishable conclusion (:func:`public_conclusion`) of every mine of the
    campaign's draw in force; "未完成核查" for a mine without a submitted record."""
    cursor = db.execute(
        "SELECT c.licence_no, m.level, r.status, json_extract(r.content, '$.conclusion'), "
        "(SELECT d.id FROM removals d WHERE d.record_id = r.id ORDER BY d.id DESC LIMIT 1) "
        "FROM campaign_mines c JOIN mines m ON m.id = c.mine_id "
        "LEFT JOIN records r ON r.campaign_id = ? AND r.mine_id = c.mine_id WHERE c.draw_id = ?",
        [campaign.id, campaign.current_draw_id or 0])
    found = {}
    for licence, level, status, conclusion, removal_id in cursor.fetchall():
        if status != SUBMITTED:
            found[licence] = NOT_CHECKED
            continue
        found[licence] = public_conclusion(conclusion or "", level,
                                           get_removal(db, removal_id) if removal_id else None)
    return found


# --- the next campaign, the overview and the map ------------------------------------------------

def flag_open_cases(db: Database, campaign_id: int, actor: str) -> list[str]:
    """Flag 回头看整改要求 on every mine with a case of an earlier campaign still open (called as a campaign
    freezes its register, so the draw puts them in the priority stratum); returns their licence numbers."""
    rows = db.execute(
        "SELECT DISTINCT r.mine_id, r.licence_no FROM rectifications r JOIN mines m ON m.id = r.mine_id "
        f"WHERE r.status IN ({', '.join('?' * len(STILL_OPEN))}) AND r.campaign_id != ? AND m.flag_rectify = 0",
        [*STILL_OPEN, campaign_id]).fetchall()
    for mine_id, _ in rows:
        registry.flag_for_rectification(db, mine_id, actor, "上一年度核查要求整改、至今未通过复核")
    return [licence for _, licence in rows]


def attention(db: Database, today: date, frame: pd.DataFrame | None = None) -> dict[str, int]:
    """Counts for the overview: open cases, due within 30 days, overdue, removal cases awaiting a decision.
    ``frame``: :func:`cases` of ``today``, when the caller has it already."""
    shown = (cases(db, today) if frame is None else frame)["shown"]
    return {"open": int(shown.isin([OPEN, MATERIALS, DUE_SOON, OVERDUE]).sum()), "due_soon": int((shown == DUE_SOON).sum()),
            "overdue": int((shown == OVERDUE).sum()), "removals": len(_pending_removals(db))}


def _pending_removals(db: Database) -> list[str]:
    """Licence numbers of the mines with a removal case awaiting a decision."""
    return [row[0] for row in db.execute(
        f"SELECT licence_no FROM removals WHERE status IN ({', '.join('?' * len(REMOVAL_OPEN))})", list(REMOVAL_OPEN))]


def status_by_licence(db: Database, today: date) -> dict[str, str]:
    """Each followed-up mine's state for the map: a pending removal, else its latest case's shown status."""
    found = {}
    frame = cases(db, today)
    for licence, shown in zip(frame["licence_no"][::-1], frame["shown"][::-1]):
        found.setdefault(licence, shown)
    for licence in _pending_removals(db):
        found[licence] = PENDING_REMOVAL
    return found


def data_version(db: Database) -> tuple:
    """Changes whenever a case or a removal changes: a cache key for the map."""
    return tuple(db.execute("SELECT (SELECT COUNT(*) || MAX(updated_at) FROM rectifications), "
                            "(SELECT COUNT(*) || MAX(updated_at) FROM removals)").fetchone())
