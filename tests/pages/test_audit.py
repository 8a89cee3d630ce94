"""AppTest of the audit page: the log, its filters, the chain check and the export."""

from __future__ import annotations

from core import audit, registry
from core.access import System
from tests.pages.conftest import account, button, shown


def test_the_log_shows_writes_and_verifies(open_page, database) -> None:
    organizer = account()
    mine = next(database.query("SELECT * FROM mines LIMIT 1"))
    registry.update_mine(database, mine["id"], {**mine, "owner": "审计测试公司"}, mine["version"], System("组织者"))
    at = open_page("pages/audit.py", organizer)
    table = at.dataframe[0].value
    assert table.iloc[0]["操作"] == "名录：编辑" and table.iloc[0]["操作人"] == "组织者"
    at.selectbox(key="audit_action").set_value("名录：编辑").run()
    assert list(at.dataframe[0].value["对象"]) == [mine["licence_no"]]
    button(at, "校验日志链").click().run()
    assert any("日志链完整" in s.value for s in at.success)
    assert [b.label for b in at.download_button] == ["导出为 Excel"]


def test_a_broken_chain_is_shown(open_page, database) -> None:
    database.execute("DROP TRIGGER audit_log_no_update")
    database.execute("UPDATE audit_log SET actor = '别人' WHERE seq = 1")
    database.conn.commit()
    at = open_page("pages/audit.py")
    button(at, "校验日志链").click().run()
    assert any("第 1 条日志的内容与其哈希不符" in e.value for e in at.error)


def test_the_head_is_shown_to_keep_and_a_cut_log_is_found_against_it(open_page, database) -> None:
    at = open_page("pages/audit.py", account())
    head = audit.head(database)  # the login is the newest entry
    assert at.code[0].value == head.kept()
    at.text_input(key="audit_kept_head").set_value(f"{head.seq}:{head.hash[:16]}")
    button(at, "校验日志链").click().run()
    assert any(f"另行保存的链头（第 {head.seq} 条）仍在链中" in s.value for s in at.success)

    database.execute("DROP TRIGGER audit_log_no_delete")
    database.execute("DELETE FROM audit_log WHERE seq = ?", [head.seq])
    database.conn.commit()
    button(at, "校验日志链").click().run()
    assert not at.success and any("末尾的 1 条日志已被删除" in e.value for e in at.error)


def test_an_unreadable_kept_head_is_explained(open_page, database) -> None:
    at = open_page("pages/audit.py", account())
    at.text_input(key="audit_kept_head").set_value("[点此](http://10.1.2.3/)")
    button(at, "校验日志链").click().run()
    assert [shown(e.value) for e in at.error] == [
        "无法识别填写的链头。请按“序号:哈希”填写，如 1234:9f3a1b2c4d5e6f70（哈希至少前 16 位）。"]
