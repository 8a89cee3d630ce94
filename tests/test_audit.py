"""The audit trail: every kind of write leaves an entry; the chain finds changed and deleted entries."""

from __future__ import annotations

import io
import json
import sqlite3

import openpyxl
import pytest

from core import audit, demo, inspections, registry, settings
from core.access import System
from tests.photos import make_photo
from tests.test_inspections import filled, sign_all


def actions(db) -> list[str]:
    return [row[0] for row in db.execute("SELECT action FROM audit_log ORDER BY seq")]


def tamper(db, sql: str, params=()) -> None:
    """What someone with the database file could do: drop the guards, change the log, put them back."""
    db.execute("DROP TRIGGER audit_log_no_update")
    db.execute("DROP TRIGGER audit_log_no_delete")
    db.execute(sql, params)
    db.conn.commit()


def test_a_fresh_log_verifies(db) -> None:
    result = audit.verify(db)
    assert result.ok and result.entries == 0 and result.head == audit.GENESIS


def test_every_kind_of_write_leaves_an_entry(demo_db) -> None:
    mine = next(demo_db.query("SELECT * FROM mines LIMIT 1"))
    registry.update_mine(demo_db, mine["id"], {**mine, "owner": "改名后的示例公司"}, mine["version"], System("组织者"))
    settings.put(demo_db, "evidence_max_distance_km", 5.0, System("管理员"))
    campaign = demo.start_campaign(demo_db)
    record = inspections.open_record(demo_db, campaign, int(inspections.campaign_records(demo_db, campaign).iloc[0]["id"]),
                                     System("李某明"))
    current = filled(demo_db, record)
    inspections.add_evidence(demo_db, record.id, make_photo(seed=1), "a.jpg", "矿区环境", "", System("李某明"))
    sign_all(demo_db, inspections.get(demo_db, record.id))
    inspections.submit(demo_db, record.id, inspections.get(demo_db, record.id).version, System("王某军"))
    inspections.amend(demo_db, record.id, {"remarks": "名称变更"}, "企业提供证明", inspections.get(demo_db, record.id).version,
                      System("王某军"))
    done = actions(demo_db)
    for expected in ("重置为演示数据", "名录：导入", "核查人员：新增", "名录：编辑", "设置", "任务：创建核查任务",
                     "任务：冻结名录", "任务：抽取矿山", "任务：抽取核查组", "核查记录：建立草稿", "核查记录：保存草稿",
                     "核查影像：上传", "核查记录：签字确认", "核查记录：提交", "核查记录：更正"):
        assert expected in done, expected
    edit = audit.entries(demo_db, action="名录：编辑").iloc[0]
    assert edit["操作人"] == "组织者" and edit["对象"] == mine["licence_no"]
    assert json.loads(edit["内容"]) == {"old": {"owner": mine["owner"]}, "new": {"owner": "改名后的示例公司"}}
    amended = json.loads(audit.entries(demo_db, action="核查记录：更正").iloc[0]["内容"])
    assert amended["reason"] == "企业提供证明" and amended["new"] == {"remarks": "名称变更"}
    assert current.version >= 1
    assert audit.verify(demo_db).ok


def test_the_log_refuses_changes_through_the_app(demo_db) -> None:
    with pytest.raises(sqlite3.IntegrityError, match="只能追加"):
        demo_db.execute("UPDATE audit_log SET actor = '别人' WHERE seq = 1")
    with pytest.raises(sqlite3.IntegrityError, match="只能追加"):
        demo_db.execute("DELETE FROM audit_log WHERE seq = 1")


def test_the_chain_finds_an_edited_entry(demo_db) -> None:
    entries = audit.verify(demo_db).entries
    assert entries > 3
    tamper(demo_db, "UPDATE audit_log SET actor = '别人' WHERE seq = 2")
    result = audit.verify(demo_db)
    assert not result.ok
    assert "第 2 条日志的内容与其哈希不符（该条被修改）" in result.problems


def test_the_chain_finds_a_deleted_entry(demo_db) -> None:
    tamper(demo_db, "DELETE FROM audit_log WHERE seq = 2")
    problems = audit.verify(demo_db).problems
    assert "第 2 条至第 2 条日志缺失（已被删除）" in problems
    assert "第 3 条日志与前一条的链接不符（前面的日志被修改或删除）" in problems


def test_a_rewritten_entry_with_a_fresh_hash_still_breaks_the_next_link(demo_db) -> None:
    row = demo_db.execute("SELECT seq, at, action, target, detail, prev_hash FROM audit_log WHERE seq = 2").fetchone()
    forged = audit._digest(row[5], row[0], row[1], "别人", row[2], row[3], row[4])
    tamper(demo_db, "UPDATE audit_log SET actor = '别人', hash = ? WHERE seq = 2", [forged])
    assert audit.verify(demo_db).problems == ["第 3 条日志与前一条的链接不符（前面的日志被修改或删除）"]


def test_filters_and_export(demo_db) -> None:
    settings.put(demo_db, "pdf_font", "/fonts/simhei.ttf", System("管理员"))
    found = audit.entries(demo_db, actor="管理员", action="设置", text="pdf_font")
    assert len(found) == 1 and found.iloc[0]["对象"] == "pdf_font"
    book = openpyxl.load_workbook(io.BytesIO(audit.export_xlsx(found, "审计日志")))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[1][:4] == ("序号", "时间", "操作人", "操作") and rows[2][4] == "pdf_font"


# ── the head kept elsewhere ───────────────────────────────────────────────────────────────────────


def rewrite_chain(db, from_seq: int, actor: str) -> None:
    """What someone with the database file and this program's source could do: change an entry and give it
    and every later entry fresh, consistent hashes, so that the chain verifies again."""
    tamper(db, "UPDATE audit_log SET actor = ? WHERE seq = ?", [actor, from_seq])
    previous = db.execute("SELECT hash FROM audit_log WHERE seq = ?", [from_seq - 1]).fetchone()
    previous = previous[0] if previous else audit.GENESIS
    for seq, at, who, action, target, detail in db.execute(
            "SELECT seq, at, actor, action, target, detail FROM audit_log WHERE seq >= ? ORDER BY seq", [from_seq]).fetchall():
        digest = audit._digest(previous, seq, at, who, action, target, detail)
        db.execute("UPDATE audit_log SET prev_hash = ?, hash = ? WHERE seq = ?", [previous, digest, seq])
        previous = digest
    db.conn.commit()


def test_the_head_is_the_last_sequence_number_and_hash(db) -> None:
    assert audit.head(db) == (0, audit.GENESIS)
    audit.log(db, "管理员", "设置", "a")
    seq = audit.log(db, "管理员", "设置", "b")
    head = audit.head(db)
    assert head == (seq, db.execute("SELECT hash FROM audit_log WHERE seq = ?", [seq]).fetchone()[0])
    assert (head.seq, head.hash) == (audit.verify(db).seq, audit.verify(db).head)
    assert head.kept() == f"{seq}:{head.hash}" and head.short() == f"第 {seq} 条 {head.hash[:16]}…"


@pytest.mark.parametrize("text", ["7:9F3A1B2C4D5E6F70", "7：9f3a1b2c4d5e6f70", " 7 9f3a1b2c4d5e6f70 ",
                                  "第 7 条 9f3a1b2c4d5e6f70…", "第7条9f3a1b2c4d5e6f70"])
def test_a_kept_head_is_read_as_written_or_as_printed(text: str) -> None:
    assert audit.parse_head(text) == (7, "9f3a1b2c4d5e6f70")


@pytest.mark.parametrize("text, expected", [("", "无法识别"), ("9f3a1b2c4d5e6f70", "无法识别"), ("7:xyz", "无法识别"),
                                            ("7:9f3a1b2c", "至少需要前 16 位"), ("7:" + "a" * 65, "无法识别")])
def test_an_unreadable_kept_head_is_refused_in_chinese(text: str, expected: str) -> None:
    with pytest.raises(audit.AuditError, match=expected):
        audit.parse_head(text)


def test_a_kept_head_still_in_the_chain_passes_as_the_log_grows(demo_db) -> None:
    kept = audit.parse_head(audit.head(demo_db).kept()[:30])  # sequence number and a 16+ digit prefix
    audit.log(demo_db, "管理员", "设置", "evidence_max_distance_km")
    result = audit.verify(demo_db, kept)
    assert result.ok and result.seq == kept.seq + 1


def test_deleting_the_last_entries_is_found_against_the_kept_head(demo_db) -> None:
    kept = audit.head(demo_db)
    tamper(demo_db, "DELETE FROM audit_log WHERE seq > ?", [kept.seq - 2])
    assert audit.verify(demo_db).ok  # the chain alone cannot tell
    assert audit.verify(demo_db, kept).problems == [
        f"日志现只到第 {kept.seq - 2} 条，而另行保存的链头是第 {kept.seq} 条：末尾的 2 条日志已被删除"]


def test_a_consistently_rewritten_chain_is_found_against_the_kept_head(demo_db) -> None:
    kept = audit.head(demo_db)
    rewrite_chain(demo_db, 2, "别人")
    assert audit.verify(demo_db).ok  # the chain alone cannot tell
    [problem] = audit.verify(demo_db, audit.Head(kept.seq, kept.hash[:16])).problems
    assert problem.startswith(f"第 {kept.seq} 条日志的哈希") and "与另行保存的链头" in problem and "被改写" in problem


def test_a_cut_log_that_grew_again_past_the_kept_head_is_found(demo_db) -> None:
    kept = audit.head(demo_db)
    tamper(demo_db, "DELETE FROM audit_log WHERE seq > ?", [kept.seq - 3])
    for number in range(5):  # the app goes on writing after the cut
        audit.log(demo_db, "管理员", "设置", f"key {number}")
    assert audit.verify(demo_db).ok and audit.head(demo_db).seq > kept.seq
    [problem] = audit.verify(demo_db, kept).problems
    assert "与另行保存的链头" in problem
