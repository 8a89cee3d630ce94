"""The audit trail (全程留痕): every write appended to one log — who, when, what, old and new values.

The log is append-only (triggers refuse to change or delete an entry) and hash-chained: each entry
carries the SHA-256 of the one before it, so an entry changed or deleted behind the app's back (with
the triggers dropped) breaks the chain, and :func:`verify` says where. Entries are written inside the
caller's transaction: a write and its entry are kept or lost together.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlite_utils import Database

from core.db import now, transaction
from core.exports import workbook

GENESIS = "0" * 64
LOGIN = "登录"
LOGIN_FAILED = "登录失败"


def _digest(previous: str, seq: int, at: str, actor: str, action: str, target: str, detail: str) -> str:
    payload = json.dumps([previous, seq, at, actor, action, target, detail], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _text(value: Any) -> Any:
    """Values as they are shown: dates and numbers as text, nested structures kept."""
    if isinstance(value, (dict, list, str, int, float, bool)) or value is None:
        return value
    return str(value)


def log(db: Database, actor: str, action: str, target: str, old: Any = None, new: Any = None, **extra: Any) -> int:
    """Append an entry; returns its sequence number. ``target`` names what was written (e.g. a mine's
    licence number, 'campaign 3', 'record 12'); ``old``/``new`` the values before and after."""
    detail = json.dumps({k: _text(v) for k, v in {"old": old, "new": new, **extra}.items() if v is not None},
                        ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    with transaction(db):
        last = db.execute("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
        seq, previous = (last[0] + 1, last[1]) if last else (1, GENESIS)
        at = now()
        db.execute("INSERT INTO audit_log (seq, at, actor, action, target, detail, prev_hash, hash) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                   [seq, at, actor, action, target, detail, previous,
                    _digest(previous, seq, at, actor, action, target, detail)])
    return seq


@dataclass
class Verification:
    entries: int
    problems: list[str]
    head: str  # the hash of the last entry: write it down elsewhere to detect a cut-off tail

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(db: Database) -> Verification:
    """Recompute the chain from the first entry: a changed entry, a deleted one (a gap in the sequence
    or a broken link) and a reordered one are all reported, in Chinese, by sequence number."""
    problems, previous, expected, count = [], GENESIS, 1, 0
    for seq, at, actor, action, target, detail, prev_hash, digest in db.execute(
            "SELECT seq, at, actor, action, target, detail, prev_hash, hash FROM audit_log ORDER BY seq"):
        count += 1
        if seq != expected:
            problems.append(f"第 {expected} 条至第 {seq - 1} 条日志缺失（已被删除）")
        if prev_hash != previous:
            problems.append(f"第 {seq} 条日志与前一条的链接不符（前面的日志被修改或删除）")
        if _digest(prev_hash, seq, at, actor, action, target, detail) != digest:
            problems.append(f"第 {seq} 条日志的内容与其哈希不符（该条被修改）")
        previous, expected = digest, seq + 1
    return Verification(count, problems, previous)


def entries(db: Database, actor: str = "", action: str = "", text: str = "", since: str = "", until: str = "",
            limit: int = 2000) -> pd.DataFrame:
    """The newest entries first, filtered by who, what, a word in the target or values, and dates."""
    where, params = [], []
    for clause, value in (("actor = ?", actor), ("action = ?", action), ("at >= ?", since),
                          ("at < date(?, '+1 day')", until)):
        if value:
            where.append(clause)
            params.append(value)
    if text:
        where.append("(target LIKE ? OR detail LIKE ?)")
        params += [f"%{text}%", f"%{text}%"]
    cursor = db.execute(
        "SELECT seq AS 序号, at AS 时间, actor AS 操作人, action AS 操作, target AS 对象, detail AS 内容, hash AS 哈希 "
        f"FROM audit_log {'WHERE ' + ' AND '.join(where) if where else ''} ORDER BY seq DESC LIMIT ?", [*params, limit])
    return pd.DataFrame(cursor.fetchall(), columns=[d[0] for d in cursor.description])


def actions(db: Database) -> list[str]:
    return [row[0] for row in db.execute("SELECT DISTINCT action FROM audit_log ORDER BY action")]


def actors(db: Database) -> list[str]:
    return [row[0] for row in db.execute("SELECT DISTINCT actor FROM audit_log ORDER BY actor")]


def export_xlsx(frame: pd.DataFrame, title: str) -> bytes:
    buffer = io.BytesIO()
    book = workbook(buffer)
    sheet = book.add_worksheet("审计日志")
    bold = book.add_format({"bold": True, "font_size": 14})
    head = book.add_format({"bold": True, "bg_color": "#E2EFDA", "border": 1})
    cell = book.add_format({"border": 1, "text_wrap": True, "valign": "top"})
    sheet.write(0, 0, title, bold)
    sheet.write_row(1, 0, list(frame.columns), head)
    for col, width in enumerate((8, 20, 12, 16, 28, 70, 66)):
        sheet.set_column(col, col, width)
    for offset, row in enumerate(frame.itertuples(index=False), start=2):
        sheet.write_row(offset, 0, [int(row[0]), *map(str, row[1:])], cell)
    sheet.freeze_panes(2, 0)
    book.close()
    return buffer.getvalue()
