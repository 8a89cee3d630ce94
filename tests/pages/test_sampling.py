"""AppTest of the sampling page: create a campaign, freeze, draw with the witnesses' input, redraw."""

from __future__ import annotations

import json
from datetime import date

from core import campaigns, sampling
from tests.pages.conftest import button

PAGE = "pages/sampling.py"


def create_campaign(open_page):
    at = open_page(PAGE)
    assert any("还没有核查任务" in i.value for i in at.info)
    button(at, "创建核查任务").click().run()
    assert not at.exception, at.exception
    return at


def drawn_campaign(open_page, database, witness: str = "见证 11 22"):
    """A campaign created on the page, then frozen and drawn (as the meeting would)."""
    at = create_campaign(open_page)
    [campaign] = campaigns.list_campaigns(database)
    frozen = campaigns.freeze(database, campaign.id, "组织者")
    campaigns.confirm(database, frozen["id"], witness, "组织者", "湖北省")
    return at.run(), campaign


def test_create_freeze_and_draw(open_page, database) -> None:
    at = create_campaign(open_page)
    [campaign] = campaigns.list_campaigns(database)
    assert campaign.title.endswith("年度绿色矿山实地抽查核查") and campaign.rules.ratio == 0.2
    strata = at.dataframe[0].value
    assert list(strata.columns[:3]) == ["入库级别", "在册（纳入范围）", "问题线索"]

    button(at, "冻结名录并生成承诺值").click().run()
    assert campaigns.pending_draw(database, campaign.id) is None  # asks first
    button(at, "确认冻结").click().run()
    pending = campaigns.pending_draw(database, campaign.id)
    assert pending is not None
    assert any(pending["commitment"] in c.value for c in at.code)

    at.text_area(key="witness_input").set_value("现场宣读 83721 45129").run()
    button(at, "执行抽取").click().run()
    button(at, "确认抽取").click().run()
    assert not at.exception, at.exception
    campaign = campaigns.get(database, campaign.id)
    record = json.loads(campaigns.current_draw(database, campaign)["record"])
    assert sampling.verify(record) == []
    assert record["witness_input"] == "现场宣读 83721 45129"
    assert any(m.label == "抽取矿山" and m.value == f"{len(record['selections'])} 座" for m in at.metric)
    shown = at.dataframe[1].value
    assert set(shown["采矿许可证号"]) == {s["licence_no"] for s in record["selections"]}
    assert [b.label for b in at.download_button] == [
        "下载抽签记录（JSON，可复核）", "下载抽签记录（PDF）", "下载公开名单（PDF）", "下载公开名单（xlsx）"]


def test_draw_needs_the_witness_input(open_page, database) -> None:
    at = create_campaign(open_page)
    button(at, "冻结名录并生成承诺值").click().run()
    button(at, "确认冻结").click().run()
    assert button(at, "执行抽取").disabled


def test_redraw_with_a_reason_keeps_the_first(open_page, database) -> None:
    at, campaign = drawn_campaign(open_page, database, "第一次 11 22")
    at.text_area(key="redraw_reason").set_value("冻结前 2 座矿山已被移出名录，未及时更新").run()
    button(at, "冻结名录，准备重新抽取").click().run()
    button(at, "确认重新抽取").click().run()
    assert not at.exception, at.exception
    pending = campaigns.pending_draw(database, campaign.id)
    assert pending["seq"] == 2 and pending["redraw_reason"].startswith("冻结前 2 座矿山")
    assert [d["status"] for d in campaigns.draws(database, campaign.id)] == ["已确认", "已冻结"]


def test_draw_the_teams_after_the_mines(open_page, database) -> None:
    at, campaign = drawn_campaign(open_page, database)
    button(at, "抽取核查组").click().run()
    button(at, "确认抽取核查组").click().run()
    assert not at.exception, at.exception
    team_table = next(d.value for d in at.dataframe if "核查组" in d.value.columns)
    drawn = len(campaigns.drawn_mines(database, campaigns.get(database, campaign.id)))
    assert team_table["核查矿山数"].sum() == drawn
    assert all("（" in leader for leader in team_table["组长"])


def test_an_earlier_draw_stays_visible_after_a_redraw(open_page, database) -> None:
    _, campaign = drawn_campaign(open_page, database, "第一次 11 22")
    second = campaigns.freeze(database, campaign.id, "组织者", redraw_reason="名录更正后重新抽取")
    campaigns.confirm(database, second["id"], "第二次 33 44", "组织者", "湖北省")
    at = open_page(PAGE)
    assert "下载第 1 次抽签记录（JSON）" in [b.label for b in at.download_button]
    assert any("见证输入“第一次 11 22”" in m.value for m in at.markdown)


def test_ministry_direct_mines_are_listed_not_drawn(open_page, database) -> None:
    national = [m["licence_no"] for m in campaigns.national_mines(database)][:2]
    campaigns.create(database, 2023, "任务", date(2023, 11, 30), sampling.Rules(), national, "组织者")
    at = open_page(PAGE)
    listed = next(d.value for d in at.dataframe if "采矿许可证号" in d.value.columns)
    assert set(listed["采矿许可证号"]) == set(national)
