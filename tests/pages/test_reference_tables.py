"""AppTest of the settings section 正式参考表 (ui/reference_tables.py), run on its own as the settings page runs it."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from core import reference_tables
from core.access import ADMIN, VIEWER
from tests.conftest import build_xlsx
from tests.pages.conftest import account, button, logged_in


def _section() -> None:
    import ui
    from ui import reference_tables as section

    section.section(ui.db())


@pytest.fixture
def open_section(database):
    def opener(role: str = ADMIN) -> AppTest:
        from ui import auth
        at = AppTest.from_function(_section, default_timeout=60)
        at.session_state[auth.LOGIN] = logged_in(account(role))
        at.run()
        assert not at.exception, at.exception
        return at
    return opener


def situations(count: int = 14) -> bytes:
    return build_xlsx([["序号", "移出情形", "来源文件"]]
                      + [[n, f"情形原文{n}", "自然资规〔2024〕1号附件2" if n == 1 else None] for n in range(1, count + 1)])


def test_the_section_says_what_is_not_confirmed(open_section) -> None:
    at = open_section()
    labels = [e.label for e in at.expander]
    assert "评价指标：绿色矿山评价指标（2020年版）（条目未核实，待载入正式文本）" in labels
    assert "移出名录的情形（附件2的14种情形待载入）" in labels
    assert any("尚未载入正式文本" in w.value for w in at.warning)
    # The structure table shows the confirmed maxima and says where none is confirmed.
    structure = next(d.value for d in at.dataframe if "满分" in d.value.columns)
    assert structure.set_index("一级指标")["满分"].to_dict()["矿区环境"] == "220"
    assert structure.set_index("一级指标")["满分"].to_dict()["节能减排"] == "未核实"


def test_a_bad_table_is_refused_and_a_good_one_loaded(open_section, database) -> None:
    at = open_section()
    bad = build_xlsx([["编号", "一级指标", "二级指标", "三级指标（评价内容）", "分值", "来源文件"],
                      [None, "矿区生态", None, "甲", 10, "某文件"]])
    at.file_uploader(key="ref_upload_2020").set_value(("指标表.xlsx", bad, "application/octet-stream")).run()
    assert not at.exception, at.exception
    assert any("本次不能载入" in e.value for e in at.error)
    assert reference_tables.loaded_indicator_items(database, "2020") is None

    at.file_uploader(key="ref_removal_upload").set_value(("附件2.xlsx", situations(), "application/octet-stream")).run()
    button(at, "确认载入（14 种情形）").click().run()
    assert not at.exception, at.exception
    assert reference_tables.removal_reason_texts(database)[:2] == ["情形原文1", "情形原文2"]
    assert "移出名录的情形（已载入附件2）" in [e.label for e in at.expander]


def test_a_viewer_sees_the_tables_but_loads_nothing(open_section) -> None:
    at = open_section(VIEWER)
    assert any("须由系统管理员操作" in i.value for i in at.info)
    assert len(at.get("file_uploader")) == 0
