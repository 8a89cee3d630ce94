"""Download buttons clicked one after another, in any order: every click gives its file (named in Chinese,
not empty), and none is lost to the rerun another click started."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser import App, assert_all_local, login, wait_for_app

ROWS = {  # page, the buttons to click in a row (labels start with these), who
    "sampling": (["下载抽签记录（JSON", "下载抽签记录（PDF）", "下载公开名单（PDF）", "下载公开名单（xlsx）"], "zuzhi"),
    "import": (["下载导入模板", "导出 Excel", "导出 CSV"], "zuzhi"),
    "audit": (["导出为 Excel"], "zuzhi"),
}


@pytest.mark.parametrize("path", list(ROWS))
def test_downloads_clicked_in_a_row(page: Page, campaign_app: App, requests_seen: list[str], path: str) -> None:
    labels, user = ROWS[path]
    login(page, campaign_app, user)
    page.goto(campaign_app.url(path))
    wait_for_app(page)
    expect(page.get_by_role("button", name=labels[-1]).first).to_be_visible(timeout=60_000)
    for order in (labels, labels[::-1]):
        got = []
        downloads = []

        def caught(download) -> None:
            downloads.append(download)

        page.on("download", caught)
        for label in order:
            page.get_by_role("button", name=label).first.click()  # no waiting between clicks
        page.wait_for_timeout(300)
        expect(page.get_by_text("Failed to generate")).to_have_count(0)
        deadline = 60
        while len(downloads) < len(order) and deadline:
            page.wait_for_timeout(500)
            deadline -= 1
        page.remove_listener("download", caught)
        for download in downloads:
            content = Path(download.path()).read_bytes()
            got.append((download.suggested_filename, len(content)))
        assert len(got) == len(order), (order, got)
        assert all(size > 0 and "湖北省" in name for name, size in got), got
        expect(page.get_by_text("生成文件失败")).to_have_count(0)
    assert_all_local(requests_seen)


def test_exports_are_in_the_audit_trail(page: Page, campaign_app: App, requests_seen: list[str]) -> None:
    """The file is built when the button is clicked, without a rerun; the export is logged all the same, under the
    user who was shown the page."""
    from tests.e2e.test_pages import query

    login(page, campaign_app, "zuzhi")
    page.goto(campaign_app.url("import"))
    wait_for_app(page)
    with page.expect_download():
        page.get_by_role("button", name="导出 CSV").click()
    [(actor, action)] = query(campaign_app, "SELECT actor, action FROM audit_log ORDER BY seq DESC LIMIT 1")
    assert action == "导出：绿色矿山名录 CSV" and actor.endswith("（zuzhi）")
    assert_all_local(requests_seen)
