"""The reporting page in a real browser: the report downloaded and read back, every file downloaded in a row,
the summary table on a 1366-pixel screen. ``campaign_app``: the demo campaign under way (tests/e2e/conftest.py)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from tests.e2e.browser import App, assert_all_local, login, wait_for_app
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_sampling import click
from tests.pages.test_reports import FITS


def open_reports(page: Page, app: App) -> None:
    login(page, app)
    page.goto(app.url("reports"))
    wait_for_app(page)


def open_tab(page: Page, label: str) -> None:
    page.get_by_role("tab", name=label).click()
    wait_for_app(page)


def test_download_the_report(page: Page, campaign_app: App, requests_seen: list[str], tmp_path) -> None:
    open_reports(page, campaign_app)
    open_tab(page, "核查报告（附件2）")
    click(page, "生成核查报告（PDF）")
    expect(page.get_by_role("button", name="下载核查报告（PDF）")).to_be_visible(timeout=120_000)
    with page.expect_download() as report:
        page.get_by_role("button", name="下载核查报告（PDF）").click()
    # The demo campaign is under way: an interim report, so named.
    assert report.value.suggested_filename.startswith("湖北省") and report.value.suggested_filename.endswith(
        "年度绿色矿山核查报告（阶段性）.pdf")
    saved = tmp_path / "report.pdf"
    report.value.save_as(saved)
    text = subprocess.run(["pdftotext", str(saved), "-"], capture_output=True, text=True, check=True).stdout
    assert "一、工作概况" in text and "附表" in text
    assert_all_local(requests_seen)


DOWNLOADS = (  # tab, button, end of the file's Chinese name
    ("结果汇总表（附表）", "下载汇总表（Excel）", "年度绿色矿山抽查核查结果汇总表.xlsx"),
    ("结果汇总表（附表）", "下载汇总表（CSV）", "年度绿色矿山抽查核查结果汇总表.csv"),
    ("核查报告（附件2）", "下载核查报告（PDF）", "年度绿色矿山核查报告（阶段性）.pdf"),
    ("报部材料", "下载报部材料", "报部材料（阶段性）.zip"),
    ("公开结果（一公开）", "下载公开结果（Excel）", "年度绿色矿山抽查核查结果（公开）.xlsx"),
)


def test_every_download_in_a_row(page: Page, campaign_app: App, requests_seen: list[str]) -> None:
    """Each file arrives whole with its Chinese name, in any order, without waiting between clicks (before,
    the files were rebuilt at every run and a click's rerun could drop the file the next click asked for)."""
    open_reports(page, campaign_app)
    for tab, making, offered in (("结果汇总表（附表）", "生成汇总表（Excel、CSV）", "下载汇总表（CSV）"),
                                 ("核查报告（附件2）", "生成核查报告（PDF）", "下载核查报告（PDF）"),
                                 ("报部材料", "生成报部材料", "下载报部材料"),
                                 ("公开结果（一公开）", "生成公开结果（Excel）", "下载公开结果（Excel）")):
        open_tab(page, tab)
        click(page, making)
        expect(page.get_by_role("button", name=offered)).to_be_visible(timeout=120_000)  # built
    for order in (DOWNLOADS, DOWNLOADS[::-1], DOWNLOADS[1::2] + DOWNLOADS[::2]):
        for tab, label, name in order:
            page.get_by_role("tab", name=tab).click()  # no wait: the button is clicked as soon as it is there
            with page.expect_download() as caught:
                page.get_by_role("button", name=label).first.click()
            download = caught.value
            assert download.failure() is None, (label, download.failure())
            assert download.suggested_filename.startswith("湖北省") and download.suggested_filename.endswith(name), (
                label, download.suggested_filename)
            data = Path(download.path()).read_bytes()
            assert data[:2] in (b"PK", b"%P", "\ufeff".encode()[:2]), (label, data[:8])
    wait_for_app(page)
    assert_all_local(requests_seen)


def test_the_table_fits_a_1366_pixel_screen(browser: Browser, campaign_app: App) -> None:
    """矿山名称, 处理结论 and 备注 are in view without scrolling sideways (the page test checks the widths)."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768})
    page = context.new_page()
    try:
        open_reports(page, campaign_app)
        grid = page.get_by_test_id("stDataFrame").first
        expect(grid).to_be_visible()
        box = grid.bounding_box()
        assert box["x"] + box["width"] <= 1366 and box["width"] >= FITS, box
        for name in ("矿山名称", "处理结论", "备注"):  # in the grid's table for screen readers: columns drawn
            expect(grid.locator("[role='columnheader']").filter(has_text=re.compile(f"^{name}$"))).to_have_count(1)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "reports-1366.png"))
    finally:
        context.close()
