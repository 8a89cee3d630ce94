"""AppTest of the frame around every page: the menu of the role's pages. (A page the role may not open is tested in
the browser, tests/e2e/test_login.py: after its first run AppTest runs a page file without the router.)"""

from __future__ import annotations

from core.access import INSPECTOR, VIEWER
from tests.pages.conftest import account


def menu(at) -> list[str]:
    return [link.label for link in at.sidebar.get("page_link")]


def test_the_menu_lists_the_pages_of_the_role(open_page, database) -> None:
    at = open_page(user=account(VIEWER))
    assert menu(at) == ["总览", "矿山分布图", "我的账号"]
    organizer = open_page()
    assert {"绿色矿山名录", "抽取核查矿山与核查组", "核查结果与报告", "审计日志"} <= set(menu(organizer))
    assert "账号管理" not in menu(organizer) and "设置" not in menu(organizer)


def test_an_inspector_opens_on_the_records(open_page, database) -> None:
    inspector = account(INSPECTOR, inspector_id=database.execute("SELECT MIN(id) FROM inspectors").fetchone()[0])
    at = open_page(user=inspector)
    assert at.title[0].value == "现场核查记录"
    assert menu(at) == ["现场核查记录", "我的账号"]


def test_an_unexpected_error_shows_a_chinese_message_and_logs_the_details(open_page, database, monkeypatch,
                                                                         caplog) -> None:
    from core import overview

    def broken(*_):
        raise RuntimeError("/srv/lvkuang/data/greenmine.db: disk I/O error")

    monkeypatch.setattr(overview, "basis", broken)
    at = open_page(user=account(VIEWER))  # the viewer's first page is the overview
    shown = " ".join(e.value for e in at.error)
    assert "系统出错" in shown and "出错编号" in shown and "/srv" not in shown
    assert "disk I/O error" in caplog.text  # the details are in the server's log


def test_no_stack_trace_reaches_a_browser() -> None:
    import tomllib
    from pathlib import Path
    config = tomllib.loads((Path(__file__).resolve().parents[2] / ".streamlit" / "config.toml").read_text())
    assert config["client"]["showErrorDetails"] == "none"
    zh = (Path(__file__).resolve().parents[2] / "ui" / "zh.js").read_text()
    from streamlit.elements import exception
    assert exception._GENERIC_UNCAUGHT_EXCEPTION_TEXT in zh.replace("\\'", "'")  # translated into Chinese
