"""AppTest of the audit page: the log, its filters, the chain check and the export."""

from __future__ import annotations

from core import registry
from tests.pages.conftest import account, button


def test_the_log_shows_writes_and_verifies(open_page, database) -> None:
    organizer = account()
    mine = next(database.query("SELECT * FROM mines LIMIT 1"))
    registry.update_mine(database, mine["id"], {**mine, "owner": "审计测试公司"}, mine["version"], "组织者")
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
