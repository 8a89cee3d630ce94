"""The audit trail (全程留痕): every write appended to one log — who, when, what, old and new values.

The log is append-only (triggers refuse to change or delete an entry) and hash-chained: each entry
carries the SHA-256 of the one before it, so an entry changed or deleted behind the app's back (with
the triggers dropped) breaks the chain, and :func:`verify` says where. Entries are written inside the
caller's transaction: a write and its entry are kept or lost together.

The chain alone cannot show that its last entries were deleted, nor that someone with the database
file rewrote it from some entry on with fresh hashes. Its head (:func:`head`: the last sequence number
and hash) is therefore printed where the database cannot reach it: each backup's manifest, the ministry
package's manifest, the report's last page, and whatever the operator writes down. :func:`verify` given
such a kept head (:func:`parse_head`) says when the log no longer reaches it.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from dataclasses import dataclass
from typing import Any, NamedTuple

import pandas as pd
from sqlite_utils import Database

from core.db import now, transaction
from core.exports import fitted_row, table_head, workbook

GENESIS = "0" * 64
LOGIN = "登录"
LOGIN_FAILED = "登录失败"
PREFIX = 16  # hex digits of a kept hash that suffice: 64 bits, beyond forging a rewritten chain to match


class AuditError(ValueError):
    """A kept head that cannot be read; the message (Chinese) says what to write."""


class Head(NamedTuple):
    """The last entry of the chain: its sequence number and SHA-256 (``0`` and :data:`GENESIS` when empty).
    ``hash`` may be a prefix of at least :data:`PREFIX` hex digits when it was kept by hand."""

    seq: int
    hash: str

    def kept(self) -> str:
        """'1234:9f3a…' with the whole hash: the line to keep, which :func:`parse_head` reads back."""
        return f"{self.seq}:{self.hash}"

    def short(self) -> str:
        """'第 1234 条 9f3a1b2c4d5e6f70…' for a page, a report or a terminal."""
        return f"第 {self.seq} 条 {self.hash[:PREFIX]}…"


def _digest(previous: str, seq: int, at: str, actor: str, action: str, target: str, detail: str) -> str:
    payload = json.dumps([previous, seq, at, actor, action, target, detail], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _text(value: Any) -> Any:
    """Values as they are shown: dates and numbers as text, nested structures kept."""
    if isinstance(value, (dict, list, str, int, float, bool)) or value is None:
        return value
    return str(value)


MAX_ENTRY = 2_000_000  # characters of one entry: the largest write (a report's sections, old and new) is far less


def log(db: Database, actor: str, action: str, target: str, old: Any = None, new: Any = None, **extra: Any) -> int:
    """Append an entry; returns its sequence number. ``target`` names what was written (e.g. a mine's
    licence number, 'campaign 3', 'record 12'); ``old``/``new`` the values before and after."""
    detail = json.dumps({k: _text(v) for k, v in {"old": old, "new": new, **extra}.items() if v is not None},
                        ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    if len(detail) + len(target) + len(actor) > MAX_ENTRY:  # every input is bounded before; this is the backstop
        raise AuditError(f"本次操作要记入审计日志的内容过多（{len(detail)} 字），没有执行。")
    with transaction(db):
        last = db.execute("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
        seq, previous = (last[0] + 1, last[1]) if last else (1, GENESIS)
        at = now()
        db.execute("INSERT INTO audit_log (seq, at, actor, action, target, detail, prev_hash, hash) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                   [seq, at, actor, action, target, detail, previous,
                    _digest(previous, seq, at, actor, action, target, detail)])
    return seq


def head(db: Database) -> Head:
    """The chain's head now: (sequence number, hash) of the last entry."""
    last = db.execute("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
    return Head(int(last[0]), str(last[1])) if last else Head(0, GENESIS)


_KEPT = re.compile(r"\s*(?:第\s*)?(\d+)(?:\s*条\s*|\s*[:：]\s*|\s+)([0-9a-fA-F]+)\s*[….]*\s*")


def parse_head(text: str) -> Head:
    """A head as the operator kept it: '1234:9f3a1b2c4d5e6f70' (sequence number, then the hash or its
    first :data:`PREFIX` or more hex digits), or as printed ('第 1234 条 9f3a1b2c4d5e6f70…').
    Raises AuditError (Chinese) for anything else."""
    found = _KEPT.fullmatch(text or "")
    if not found or len(found[2]) > len(GENESIS):
        raise AuditError(f"无法识别填写的链头。请按“序号:哈希”填写，如 1234:9f3a1b2c4d5e6f70（哈希至少前 {PREFIX} 位）。")
    if len(found[2]) < PREFIX:
        raise AuditError(f"链头的哈希只有 {len(found[2])} 位，至少需要前 {PREFIX} 位才能可靠核对。")
    return Head(int(found[1]), found[2].lower())


def check_head(db: Database, kept: Head) -> list[str]:
    """What is wrong (Chinese) when the log no longer reaches a head kept elsewhere: its last entries
    were deleted (the log is shorter than the kept sequence number), or the log was rewritten (the
    entry at that number has another hash). [] when the kept head is still in the chain."""
    if kept.seq == 0:
        return []
    row = db.execute("SELECT hash FROM audit_log WHERE seq = ?", [kept.seq]).fetchone()
    if row is None:
        now_at = head(db).seq
        if now_at < kept.seq:
            return [f"日志现只到第 {now_at} 条，而另行保存的链头是第 {kept.seq} 条：末尾的 {kept.seq - now_at} 条日志已被删除"]
        return [f"另行保存的链头第 {kept.seq} 条日志已不存在（被删除）"]
    if not str(row[0]).startswith(kept.hash.lower()):
        return [f"第 {kept.seq} 条日志的哈希（{str(row[0])[:PREFIX]}…）与另行保存的链头（{kept.hash[:PREFIX]}…）不符："
                "该条及之前的日志被改写（或末尾被删除后又追加了日志）"]
    return []


@dataclass
class Verification:
    entries: int
    problems: list[str]
    head: str  # the hash of the last entry: write it down elsewhere to detect a cut-off tail
    seq: int = 0  # the sequence number of the last entry

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(db: Database, kept: Head | None = None) -> Verification:
    """Recompute the chain from the first entry: a changed entry, a deleted one (a gap in the sequence
    or a broken link) and a reordered one are all reported, in Chinese, by sequence number. Given a
    head ``kept`` elsewhere, also what :func:`check_head` finds: a cut-off tail or a rewritten chain."""
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
    if kept is not None:
        problems += check_head(db, kept)
    return Verification(count, problems, previous, expected - 1)


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
    widths = (8, 20, 12, 16, 28, 70, 66)
    table_head(sheet, 1, frame.columns, widths, head)
    for offset, row in enumerate(frame.itertuples(index=False), start=2):
        fitted_row(sheet, offset, [int(row[0]), *map(str, row[1:])], widths, cell)
    sheet.freeze_panes(2, 0)
    book.close()
    return buffer.getvalue()
