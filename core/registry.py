"""The register of listed green mines (名录库): queries, edits, removal, and the change history.

Every write records who changed what (old → new) in ``mine_history`` within the same transaction,
and checks the mine's ``version`` so that two people editing one mine cannot overwrite each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Callable

import pandas as pd
from sqlite_utils import Database

from core import access, audit, limits
from core.db import now, transaction
from core.exports import chinese_time
from core.labels import COLUMN_LABELS, LEVELS, FLAG_OPEN_PIT, FLAG_PROBLEM, FLAG_RECTIFY, OPEN_PIT, STATUS_LISTED, STATUS_REMOVED

# Columns a user may set (through the form or an import); the rest are kept by the app.
EDITABLE = (
    "licence_no", "name", "owner", "level", "listing_year", "listing_batch",
    "province", "province_code", "city", "city_code", "county", "county_code",
    "mineral", "method", "scale_value", "scale_unit", "scale_class", "standard", "lon", "lat",
    "flag_problem", "problem_desc", "problem_source", "flag_rectify", "rectify_demand", "tags",
)


class RegistryError(Exception):
    """A write refused for a reason the user can act on; the message is in Chinese."""


class ConflictError(RegistryError):
    """The mine changed since the user loaded it."""


@dataclass
class Filters:
    """What the register page filters on; empty means no restriction."""

    levels: list[str] = field(default_factory=list)
    city_codes: list[str] = field(default_factory=list)
    county_codes: list[str] = field(default_factory=list)
    minerals: list[str] = field(default_factory=list)
    methods: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)  # any of labels.FLAGS; a mine must carry all chosen
    search: str = ""

    def where(self) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        for column, values in (
            ("level", self.levels), ("city_code", self.city_codes), ("county_code", self.county_codes),
            ("mineral", self.minerals), ("method", self.methods), ("status", self.statuses),
        ):
            if values:
                clauses.append(f"{column} IN ({', '.join('?' for _ in values)})")
                params.extend(values)
        if FLAG_OPEN_PIT in self.flags:
            clauses.append("method = ?")
            params.append(OPEN_PIT)
        if FLAG_PROBLEM in self.flags:
            clauses.append("flag_problem = 1")
        if FLAG_RECTIFY in self.flags:
            clauses.append("flag_rectify = 1")
        term = self.search.strip()
        if term:
            clauses.append("(name LIKE ? OR licence_no LIKE ? OR owner LIKE ?)")
            params.extend([f"%{term}%", f"%{term.upper()}%", f"%{term}%"])
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


# What lists, tables and the map show (reading every column of 10,000 mines costs twice as much).
LIST_COLUMNS = (
    "id", "licence_no", "name", "owner", "level", "city", "city_code", "county", "county_code", "mineral",
    "method", "scale_value", "scale_unit", "scale_class", "lon", "lat", "status", "flag_problem", "flag_rectify", "tags",
)


def list_mines(db: Database, filters: Filters | None = None, columns: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Mines matching the filters (all columns, or the ones named), by level, then prefecture, then name."""
    where, params = (filters or Filters()).where()
    order = "CASE level WHEN '国家级' THEN 1 WHEN '省级' THEN 2 WHEN '市级' THEN 3 ELSE 4 END, city_code, county_code, name"
    selected = ", ".join(columns) if columns else "*"
    cursor = db.execute(f"SELECT {selected} FROM mines{where} ORDER BY {order}", params)
    return pd.DataFrame(cursor.fetchall(), columns=[d[0] for d in cursor.description])


def count_mines(db: Database) -> int:
    return db.execute("SELECT COUNT(*) FROM mines").fetchone()[0]


def counts_by_level(db: Database, status: str = STATUS_LISTED) -> dict[str, int]:
    rows = db.execute("SELECT level, COUNT(*) FROM mines WHERE status = ? GROUP BY level", [status]).fetchall()
    return dict(rows)


def distinct_values(db: Database, column: str) -> list[str]:
    assert column in EDITABLE
    return [r[0] for r in db.execute(f"SELECT DISTINCT {column} FROM mines WHERE {column} != '' ORDER BY 1")]


def get_mine(db: Database, mine_id: int) -> dict[str, Any] | None:
    rows = list(db.query("SELECT * FROM mines WHERE id = ?", [mine_id]))
    return rows[0] if rows else None


def get_by_licence(db: Database, licence_no: str) -> dict[str, Any] | None:
    rows = list(db.query("SELECT * FROM mines WHERE licence_no = ?", [licence_no]))
    return rows[0] if rows else None


def history(db: Database, mine_id: int) -> pd.DataFrame:
    """A mine's changes, newest first, with Chinese column names and field labels."""
    frame = pd.read_sql_query(
        "SELECT at, actor, action, field, old_value, new_value, note FROM mine_history "
        "WHERE mine_id = ? ORDER BY id DESC",
        db.conn, params=[mine_id],
    )
    frame["field"] = frame["field"].map(lambda k: COLUMN_LABELS.get(k, k))
    frame["at"] = frame["at"].map(chinese_time)
    return frame.rename(columns={
        "at": "时间", "actor": "操作人", "action": "操作", "field": "字段",
        "old_value": "原值", "new_value": "新值", "note": "说明",
    })


def as_text(value: Any) -> str:
    """How a value is shown in the history and in change previews."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def changes(old: dict[str, Any], new: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """Fields of ``new`` whose value differs from ``old``: key → (old text, new text)."""
    found = {}
    for key, value in new.items():
        if key in EDITABLE and as_text(old.get(key)) != as_text(value):
            found[key] = (as_text(old.get(key)), as_text(value))
    return found


def _record(db: Database, mine_id: int, actor: str, action: str, diff: dict[str, tuple[str, str]], note: str = "",
            at: str | None = None) -> None:
    stamp = at or now()
    rows = [
        {"mine_id": mine_id, "at": stamp, "actor": actor, "action": action, "field": key,
         "old_value": old, "new_value": new, "note": note}
        for key, (old, new) in diff.items()
    ] or [{"mine_id": mine_id, "at": stamp, "actor": actor, "action": action, "field": "",
           "old_value": "", "new_value": "", "note": note}]
    db.conn.executemany(
        "INSERT INTO mine_history (mine_id, at, actor, action, field, old_value, new_value, note) "
        "VALUES (:mine_id, :at, :actor, :action, :field, :old_value, :new_value, :note)",
        rows,
    )


def add_history(db: Database, mine_id: int, actor: str, action: str, note: str) -> None:
    """A step taken about the mine elsewhere (e.g. its rectification), in its history (caller's transaction)."""
    _record(db, mine_id, actor, action, {}, note)


def flag_for_rectification(db: Database, mine_id: int, actor: str, note: str) -> None:
    """Set the mine's 回头看整改要求 flag (the caller checked the actor; inside its transaction)."""
    current = get_mine(db, mine_id)
    if current["flag_rectify"] == 1:
        return
    db["mines"].update(mine_id, {"flag_rectify": 1, "version": current["version"] + 1, "updated_at": now()})
    _record(db, mine_id, actor, "标记回头看整改要求", {"flag_rectify": (as_text(current["flag_rectify"]), "1")}, note)
    audit.log(db, actor, "名录：标记回头看整改要求", current["licence_no"], old={"flag_rectify": current["flag_rectify"]},
              new={"flag_rectify": 1}, reason=note)


def _check_lengths(values: dict[str, Any]) -> None:
    limits.check(RegistryError, *((COLUMN_LABELS.get(key, key), values.get(key), limits.CELL) for key in EDITABLE),
                 ("说明", values.get("note"), limits.TEXT))


def create_mine(db: Database, values: dict[str, Any], actor: str, note: str = "") -> int:
    """Add a mine (values already validated). Raises RegistryError if the licence number exists."""
    access.require(actor, access.REGISTER)
    _check_lengths(values)
    with transaction(db):
        mine_id = _insert(db, values, actor, "新增", note, now())
        audit.log(db, actor, "名录：新增矿山", values["licence_no"], new={k: v for k, v in values.items() if k in EDITABLE})
        return mine_id


def _insert(db: Database, values: dict[str, Any], actor: str, action: str, note: str, stamp: str) -> int:
    if get_by_licence(db, values["licence_no"]):
        raise RegistryError(f"采矿许可证号 {values['licence_no']} 已在名录库中，请改为编辑该矿山")
    row = {k: v for k, v in values.items() if k in EDITABLE}
    row.update(status=STATUS_LISTED, version=1, created_at=stamp, updated_at=stamp)
    columns = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    mine_id = db.execute(f"INSERT INTO mines ({columns}) VALUES ({marks})", list(row.values())).lastrowid
    # The first entry of a mine's history is its creation; its values are the mine itself.
    _record(db, mine_id, actor, action, {}, note, stamp)
    return mine_id


def update_mine(db: Database, mine_id: int, values: dict[str, Any], expected_version: int, actor: str,
                note: str = "", action: str = "编辑") -> dict[str, tuple[str, str]]:
    """Change a mine; returns what changed. Raises ConflictError if someone saved it in between."""
    access.require(actor, access.REGISTER)
    _check_lengths(values)
    with transaction(db):
        diff = _update(db, mine_id, values, expected_version, actor, action, note, now())
        if diff:
            audit.log(db, actor, f"名录：{action}", values.get("licence_no") or str(mine_id),
                      old={k: old for k, (old, _) in diff.items()}, new={k: new for k, (_, new) in diff.items()})
        return diff


def _update(db: Database, mine_id: int, values: dict[str, Any], expected_version: int, actor: str,
            action: str, note: str, stamp: str) -> dict[str, tuple[str, str]]:
    current = get_mine(db, mine_id)
    if current is None:
        raise RegistryError("该矿山已不在名录库中，请刷新页面")
    if current["version"] != expected_version:
        raise ConflictError(
            f"矿山“{current['name']}”在您打开后已被他人修改（{current['updated_at']}），"
            "您的修改未保存。请查看最新内容后重新修改。"
        )
    diff = changes(current, values)
    if not diff:
        return {}
    if "licence_no" in diff:
        other = get_by_licence(db, values["licence_no"])
        if other and other["id"] != mine_id:
            raise RegistryError(f"采矿许可证号 {values['licence_no']} 已属于矿山“{other['name']}”")
    assignments = {key: values[key] for key in diff}
    assignments.update(version=current["version"] + 1, updated_at=stamp)
    db["mines"].update(mine_id, assignments)
    _record(db, mine_id, actor, action, diff, note, stamp)
    return diff


def remove_mine(db: Database, mine_id: int, removed_on: date, reason: str, expected_version: int, actor: str) -> None:
    """Mark a mine 已移出 (it is never deleted: its records and history stay)."""
    access.require(actor, access.REGISTER)
    if not reason.strip():
        raise RegistryError("请填写移出原因")
    limits.check(RegistryError, ("移出原因", reason, limits.TEXT))
    _set_status(db, mine_id, STATUS_REMOVED, removed_on.isoformat(), reason.strip(), expected_version, actor, "移出")


def restore_mine(db: Database, mine_id: int, reason: str, expected_version: int, actor: str) -> None:
    """Put a removed mine back on the list; the reason is kept in its history."""
    access.require(actor, access.REGISTER)
    if not reason.strip():
        raise RegistryError("请填写恢复在册的原因")
    limits.check(RegistryError, ("恢复在册的原因", reason, limits.TEXT))
    _set_status(db, mine_id, STATUS_LISTED, "", "", expected_version, actor, "恢复在册", note=reason.strip())


def _set_status(db: Database, mine_id: int, status: str, on: str, reason: str, expected_version: int,
                actor: str, action: str, note: str = "") -> None:
    with transaction(db):
        current = get_mine(db, mine_id)
        if current is None:
            raise RegistryError("该矿山已不在名录库中，请刷新页面")
        if current["version"] != expected_version:
            raise ConflictError(f"矿山“{current['name']}”在您打开后已被他人修改，请刷新后重试。")
        new = {"status": status, "removed_date": on, "removed_reason": reason}
        diff = {k: (as_text(current[k]), as_text(v)) for k, v in new.items() if as_text(current[k]) != as_text(v)}
        stamp = now()
        db["mines"].update(mine_id, {**new, "version": current["version"] + 1, "updated_at": stamp})
        _record(db, mine_id, actor, action, diff, note or reason, stamp)
        audit.log(db, actor, f"名录：{action}", current["licence_no"], old={k: o for k, (o, _) in diff.items()},
                  new={k: n for k, (_, n) in diff.items()}, reason=note or reason)


def upsert_mines(db: Database, rows: list[dict[str, Any]], actor: str, note: str,
                 progress: Callable[[float], None] | None = None) -> tuple[int, int]:
    """Write validated rows in one transaction: new licence numbers are added, known ones updated.

    Each row may carry ``_expected_version`` (the version seen at preview); if the mine changed since,
    the whole write is refused with ConflictError. Returns (created, updated).
    """
    access.require(actor, access.REGISTER)
    created = updated = 0
    stamp = now()
    with transaction(db):
        for index, row in enumerate(rows):
            if progress and index % 500 == 0:
                progress(index / len(rows))
            values = {k: v for k, v in row.items() if not k.startswith("_")}
            current = get_by_licence(db, values["licence_no"])
            if current is None:
                if row.get("_expected_version") is not None:
                    raise ConflictError(f"矿山 {values['licence_no']} 在预览后被改动，请重新上传预览")
                _insert(db, values, actor, "导入新增", note, stamp)
                created += 1
            else:
                expected = row.get("_expected_version", current["version"])
                if _update(db, current["id"], values, expected, actor, "导入更新", note, stamp):
                    updated += 1
        # One entry per import: each mine's changes are in its own history (mine_history).
        audit.log(db, actor, "名录：导入", note, new={"rows": len(rows), "created": created, "updated": updated})
    return created, updated


def summary(db: Database) -> dict[str, Any]:
    """Counts for the overview: listed/removed, listed by level, listed in each priority category."""
    row = db.execute(
        "SELECT SUM(status = ?), SUM(status = ?), "
        "SUM(status = ? AND method = ?), SUM(status = ? AND flag_problem = 1), SUM(status = ? AND flag_rectify = 1) "
        "FROM mines",
        [STATUS_LISTED, STATUS_REMOVED, STATUS_LISTED, OPEN_PIT, STATUS_LISTED, STATUS_LISTED],
    ).fetchone()
    listed, removed, open_pit, problem, rectify = (value or 0 for value in row)
    return {"listed": listed, "removed": removed, "open_pit": open_pit, "problem": problem, "rectify": rectify,
            "by_level": counts_by_level(db)}


def by_prefecture(db: Database) -> pd.DataFrame:
    """Listed mines per prefecture and level, with Chinese headings and a total column."""
    frame = pd.read_sql_query(
        "SELECT city AS '市（州）', city_code, level, COUNT(*) AS n FROM mines WHERE status = ? "
        "GROUP BY city, city_code, level", db.conn, params=[STATUS_LISTED],
    )
    table = frame.pivot_table(index=["city_code", "市（州）"], columns="level", values="n", fill_value=0, aggfunc="sum")
    table = table.reindex(columns=[level for level in LEVELS], fill_value=0)
    table["合计"] = table.sum(axis=1)
    return table.reset_index().drop(columns="city_code")


def data_version(db: Database) -> tuple:
    """Changes whenever any mine is added or changed: a cache key for views of the register."""
    return tuple(db.execute("SELECT COUNT(*), MAX(updated_at), SUM(version) FROM mines").fetchone())
