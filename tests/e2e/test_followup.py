"""A rectification case closed in a real browser: each item ticked off, then a passing on-site re-check."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from core import db as dbmod
from core import demo, followup
from tests.e2e.browser import App, assert_all_local, login, wait_for_app
from tests.e2e.conftest import start_app, stop
from tests.e2e.test_pages import query
from tests.e2e.test_sampling import click, eventually
from tests.test_followup import RECTIFY, drawn, submit


@pytest.fixture(scope="module")
def case_app(tmp_path_factory: pytest.TempPathFactory):
    """The app with one submitted 整改 record, hence one rectification case of three items."""
    server, running = start_app(tmp_path_factory.mktemp("e2e-followup"))
    database = dbmod.connect(running.data_dir / "greenmine.db")
    campaign = demo.start_campaign(database)
    record = submit(database, campaign, drawn(database, campaign)[0], **RECTIFY)
    running.mine = database.execute("SELECT name FROM mines WHERE id = ?", [record.mine_id]).fetchone()[0]
    database.close()
    yield running
    stop(server)


def test_close_a_case(page: Page, case_app: App, requests_seen: list[str]) -> None:
    app = case_app
    login(page, app)
    page.goto(app.url("followup"))
    wait_for_app(page)
    page.get_by_role("combobox", name="选择整改案件").click()
    page.get_by_role("option", name=app.mine, exact=False).first.click()
    wait_for_app(page)
    for done, (item_id,) in enumerate(query(app, "SELECT id FROM rectification_items ORDER BY seq"), start=1):
        # By its key: while a rerun is drawn, the old and the new button can both be on the page.
        button = page.locator(f".st-key-fu_item_{item_id} button")
        expect(button.filter(has_text="销号")).to_have_count(1)
        expect(button).to_have_count(1)
        button.click()
        eventually(lambda: query(app, "SELECT COUNT(*) FROM rectification_items WHERE done_at != ''")[0][0] == done)
        expect(button.filter(has_text="撤销")).to_have_count(1)
        expect(button).to_have_count(1)
        wait_for_app(page)
    expect(page.get_by_role("button", name="销号", exact=True)).to_have_count(0)
    page.get_by_text(followup.SITE, exact=True).click()
    wait_for_app(page)
    page.get_by_label("复核情况").fill("现场查看：东侧边坡已复绿，标识标牌齐全")
    page.get_by_label("复核人员").click()  # leaves the text area: its value reaches the server
    wait_for_app(page)
    click(page, "保存复核结论")
    click(page, "确认")
    assert eventually(lambda: query(app, "SELECT status FROM rectifications")[0][0] == followup.PASSED)
    expect(page.get_by_text("已记录复核，案件已结案。")).to_be_visible()
    assert query(app, "SELECT kind, result FROM followup_steps") == [(followup.SITE, "通过")]
    assert_all_local(requests_seen)
