"""The provincial report downloaded in a real browser, and read back."""

from __future__ import annotations

import subprocess

import pytest
from playwright.sync_api import Page, expect

from core import db as dbmod
from core import demo
from tests.e2e.browser import App, assert_all_local, login, wait_for_app
from tests.e2e.conftest import start_app, stop
from tests.e2e.test_sampling import click


@pytest.fixture(scope="module")
def campaign_app(tmp_path_factory: pytest.TempPathFactory):
    """The app with the demo campaign under way (records submitted)."""
    server, running = start_app(tmp_path_factory.mktemp("e2e-reports"))
    database = dbmod.connect(running.data_dir / "greenmine.db")
    demo.demo_campaign(database)
    database.close()
    yield running
    stop(server)


def test_download_the_report(page: Page, campaign_app: App, requests_seen: list[str], tmp_path) -> None:
    login(page, campaign_app)
    page.goto(campaign_app.url("reports"))
    wait_for_app(page)
    expect(page.get_by_text("结果汇总表（附表）").first).to_be_visible()
    with page.expect_download() as table:
        page.get_by_role("button", name="下载汇总表（Excel）").click()
    assert table.value.suggested_filename.endswith("年度绿色矿山抽查核查结果汇总表.xlsx")
    page.get_by_role("tab", name="核查报告（附件2）").click()
    wait_for_app(page)
    click(page, "生成核查报告（PDF）")
    with page.expect_download() as report:
        page.get_by_role("button", name="下载核查报告（PDF）").click()
    assert report.value.suggested_filename.startswith("湖北省") and report.value.suggested_filename.endswith(
        "年度绿色矿山核查报告.pdf")
    saved = tmp_path / "report.pdf"
    report.value.save_as(saved)
    text = subprocess.run(["pdftotext", str(saved), "-"], capture_output=True, text=True, check=True).stdout
    assert "一、工作概况" in text and "附表" in text
    assert_all_local(requests_seen)
