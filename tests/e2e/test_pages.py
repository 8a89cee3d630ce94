"""Every page opens in a real browser without errors and without a request leaving the machine."""

from __future__ import annotations

import io
import sqlite3
from datetime import date
from pathlib import Path

import openpyxl

import pytest
from playwright.sync_api import Page, expect

from core.exports import chinese_date
from tests.e2e.browser import App, assert_all_local, login, wait_for_app

PAGES = [  # url path, title, who opens it (demo accounts: zuzhi the organizer, admin the administrator)
    ("", "湖北省绿色矿山实地抽查核查", "zuzhi"),
    ("overview", "湖北省绿色矿山实地抽查核查", "zuzhi"),
    ("register", "绿色矿山名录库", "zuzhi"),
    ("import", "名录导入与导出", "zuzhi"),
    ("settings", "设置", "admin"),
    ("accounts", "账号管理", "admin"),
    ("account", "我的账号", "chakan"),
    ("sampling", "抽取核查矿山", "zuzhi"),
    ("inspectors", "核查人员名录", "zuzhi"),
    ("inspections", "现场核查记录", "zuzhi"),
    ("reports", "核查结果与报告", "zuzhi"),
    ("followup", "整改与移出", "zuzhi"),
    ("audit", "审计日志", "zuzhi"),
    ("map", "绿色矿山分布图", "zuzhi"),
]


def query(app: App, sql: str, params: tuple = ()) -> list[tuple]:
    with sqlite3.connect(app.data_dir / "greenmine.db") as conn:
        return conn.execute(sql, params).fetchall()


@pytest.mark.parametrize("path,title,user", PAGES)
def test_page_opens_offline(page: Page, app: App, requests_seen: list[str], path: str, title: str, user: str) -> None:
    login(page, app, user)
    page.goto(app.url(path))
    wait_for_app(page)
    expect(page.locator("[data-testid='stMain'] h1").first).to_have_text(title)
    # The frame around every page: the navigation, the province and who is logged in, in the sidebar.
    expect(page.get_by_text("湖北省 · 绿色矿山实地抽查核查")).to_be_visible()
    expect(page.get_by_text("当前用户：")).to_be_visible()
    expect(page.get_by_role("link", name="绿色矿山名录", exact=True)).to_have_count(1 if user == "zuzhi" else 0)
    assert_all_local(requests_seen)


def test_register_lists_demo_mines_and_opens_one(page: Page, app: App, requests_seen: list[str]) -> None:
    listed = query(app, "SELECT COUNT(*) FROM mines WHERE status = '在册'")[0][0]
    licence, name = query(app, "SELECT licence_no, name FROM mines WHERE status = '在册' ORDER BY id LIMIT 1")[0]
    login(page, app)
    page.goto(app.url("register"))
    wait_for_app(page)
    expect(page.get_by_test_id("stMetric").filter(has_text="符合条件的矿山")).to_contain_text(f"{listed} 座")
    expect(page.get_by_test_id("stDataFrame")).to_be_visible()

    search = page.get_by_label("搜索矿山名称、采矿许可证号或采矿权人")
    search.fill(licence[-10:])
    search.press("Enter")
    expect(page.get_by_role("heading", name=name)).to_be_visible()
    expect(page.get_by_test_id("stMetric").filter(has_text="符合条件的矿山")).to_contain_text("1 座")
    expect(page.get_by_role("tab", name="修改记录")).to_be_visible()
    assert_all_local(requests_seen)


def test_import_refuses_a_renamed_file_in_chinese(page: Page, app: App, requests_seen: list[str]) -> None:
    before = query(app, "SELECT COUNT(*), MAX(updated_at) FROM mines")[0]
    login(page, app)
    page.goto(app.url("import"))
    wait_for_app(page)
    page.locator("input[type='file']").set_input_files(files=[{
        "name": "名录.xlsx", "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "buffer": "这不是表格".encode("utf-8"),
    }])
    expect(page.get_by_text("内容不是 Excel 工作簿")).to_be_visible()
    expect(page.get_by_text("名录库没有任何改动")).to_be_visible()
    assert query(app, "SELECT COUNT(*), MAX(updated_at) FROM mines")[0] == before
    assert_all_local(requests_seen)


def test_downloads_are_named_in_chinese_and_hold_the_register(page: Page, app: App, requests_seen: list[str]) -> None:
    total = query(app, "SELECT COUNT(*) FROM mines")[0][0]
    login(page, app)
    page.goto(app.url("import"))
    wait_for_app(page)
    with page.expect_download() as caught:
        page.get_by_role("button", name="导出 Excel（.xlsx）").click()
    download = caught.value
    assert download.suggested_filename == f"湖北省绿色矿山名录（{chinese_date(date.today())}）.xlsx"
    sheet = openpyxl.load_workbook(io.BytesIO(Path(download.path()).read_bytes()), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "湖北省绿色矿山名录" and rows[1][:2] == ("采矿许可证号", "矿山名称")
    assert len(rows) == total + 2

    with page.expect_download() as caught:
        page.get_by_role("button", name="下载导入模板（.xlsx）").click()
    assert caught.value.suggested_filename == "湖北省绿色矿山名录导入模板.xlsx"
    assert_all_local(requests_seen)


def test_the_offline_rule_itself() -> None:
    from tests.e2e.browser import is_local

    assert is_local("http://127.0.0.1:8501/_stcore/health")
    assert is_local("data:image/svg+xml,<svg/>")
    assert not is_local("https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js")
    assert not is_local("https://fonts.gstatic.com/s/i/short-term/release/materialsymbolsrounded/map/default/24px.svg")
    assert not is_local("http://localhost:8501/")  # only the loopback address the app was started on counts
