"""AppTest of the sampling page: create a campaign, freeze, draw with the witnesses' input, redraw."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from core import audit, campaigns, demo, sampling, teams
from core.access import System
from tests.pages.conftest import button, shown

THIS_YEAR = date.today().year

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
    frozen = campaigns.freeze(database, campaign.id, System("组织者"))
    campaigns.confirm(database, frozen["id"], witness, System("组织者"), "湖北省")
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
    second = campaigns.freeze(database, campaign.id, System("组织者"), redraw_reason="名录更正后重新抽取")
    campaigns.confirm(database, second["id"], "第二次 33 44", System("组织者"), "湖北省")
    at = open_page(PAGE)
    assert "下载第 1 次抽签记录（JSON）" in [b.label for b in at.download_button]
    assert any("见证输入“第一次 11 22”" in m.value for m in at.markdown)


def test_ministry_direct_mines_are_listed_not_drawn(open_page, database) -> None:
    national = [m["licence_no"] for m in campaigns.national_mines(database)][:2]
    campaigns.create(database, 2023, "任务", date(2023, 11, 30), sampling.Rules(), national, System("组织者"))
    at = open_page(PAGE)
    listed = next(d.value for d in at.dataframe if "采矿许可证号" in d.value.columns)
    assert set(listed["采矿许可证号"]) == set(national)


def test_the_title_and_the_deadline_follow_the_year_until_the_user_types_them(open_page, database) -> None:
    at = open_page(PAGE)
    at.number_input(key="rules_new_year").set_value(THIS_YEAR + 1).run()
    assert at.text_input(key="rules_new_title").value == f"湖北省{THIS_YEAR + 1}年度绿色矿山实地抽查核查"
    assert at.date_input(key="rules_new_deadline").value == date(THIS_YEAR + 1, 11, 30)
    at.text_input(key="rules_new_title").set_value("湖北省绿色矿山专项核查").run()
    at.number_input(key="rules_new_year").set_value(THIS_YEAR + 2).run()
    assert at.text_input(key="rules_new_title").value == "湖北省绿色矿山专项核查"  # typed: kept
    assert at.date_input(key="rules_new_deadline").value == date(THIS_YEAR + 2, 11, 30)
    button(at, "创建核查任务").click().run()
    [campaign] = campaigns.list_campaigns(database)
    assert (campaign.year, campaign.title, campaign.deadline) == (THIS_YEAR + 2, "湖北省绿色矿山专项核查",
                                                                   date(THIS_YEAR + 2, 11, 30))


def test_a_past_deadline_or_a_second_title_of_the_year_is_refused_on_the_page(open_page, database) -> None:
    at = open_page(PAGE)
    at.date_input(key="rules_new_deadline").set_value(date.today() - timedelta(days=1)).run()
    button(at, "创建核查任务").click().run()
    assert any("已经过去" in e.value for e in at.error)
    assert campaigns.list_campaigns(database) == []
    at = create_campaign(open_page)
    button(at, "创建核查任务").click().run()  # the form of another campaign, with the same default title
    assert any("已有名为" in e.value for e in at.error)
    assert len(campaigns.list_campaigns(database)) == 1


def test_the_chosen_campaign_stays_chosen_across_edits(open_page, database) -> None:
    """Two campaigns of an older database with the same title: told apart, and an edit of the one chosen
    keeps it on the page (it used to jump to the other one)."""
    first = campaigns.create(database, THIS_YEAR, "湖北省核查", campaigns.default_deadline(THIS_YEAR),
                             sampling.Rules(), [], System("组织者"))
    database.execute("INSERT INTO campaigns (year, title, deadline, rules, ministry_direct, created_at, updated_at) "
                     "SELECT year, title, deadline, rules, ministry_direct, created_at, updated_at FROM campaigns")
    second = max(c.id for c in campaigns.list_campaigns(database))
    at = open_page(PAGE)
    chooser = at.selectbox(key="campaign_id__select")
    assert chooser.value == second  # the latest, not drawn: its draw is the next step
    assert sorted(chooser.options) == sorted([f"湖北省核查（编号 {first}，未抽取）", f"湖北省核查（编号 {second}，未抽取）"])
    chooser.set_value(first).run()
    at.number_input(key=f"rules_{first}_ratio").set_value(30).run()
    button(at, "保存任务设置").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert campaigns.get(database, first).rules.ratio == 0.3
    assert at.selectbox(key="campaign_id__select").value == first
    at.text_input(key=f"rules_{first}_title").set_value("湖北省核查（第一批）").run()
    button(at, "保存任务设置").click().run()
    assert at.selectbox(key="campaign_id__select").value == first
    assert at.selectbox(key="campaign_id__select").options[-1] == "湖北省核查（第一批）（未抽取）"
    assert campaigns.get(database, second).rules.ratio == 0.2


def test_an_undrawn_campaign_is_deleted_with_a_reason(open_page, database) -> None:
    at = create_campaign(open_page)
    [campaign] = campaigns.list_campaigns(database)
    assert button(at, "删除本核查任务").disabled
    at.text_input(key=f"delete_reason_{campaign.id}").set_value("年度选错，重新建立").run()
    button(at, "删除本核查任务").click().run()
    assert campaigns.list_campaigns(database)  # asks first
    button(at, "确认删除").click().run()
    assert not at.exception, at.exception
    assert campaigns.list_campaigns(database) == []
    assert any("还没有核查任务" in i.value for i in at.info)
    entry = audit.entries(database, action="任务：删除核查任务").iloc[0]
    assert "年度选错，重新建立" in entry["内容"]


def test_a_drawn_campaign_offers_no_deletion(open_page, database) -> None:
    at, _ = drawn_campaign(open_page, database)
    assert "删除本核查任务" not in [b.label for b in at.button]


def test_the_teams_load_is_shown_before_the_team_draw(open_page, database) -> None:
    at, campaign = drawn_campaign(open_page, database)
    load = next(d.value for d in at.dataframe if list(d.value.columns) == ["核查组", "核查矿山数", "负责地市"])
    drawn = len(campaigns.drawn_mines(database, campaigns.get(database, campaign.id)))
    assert load["核查矿山数"].sum() == drawn
    assert any(f"每组 {load['核查矿山数'].min()}～{load['核查矿山数'].max()} 座矿山" in m.value for m in at.markdown)
    button(at, "抽取核查组").click().run()
    button(at, "确认抽取核查组").click().run()
    stored = teams.teams_frame(database, teams.latest_team_draw(database, campaigns.get(database, campaign.id))["id"])
    assert stored[list(load.columns)].to_dict("records") == load.to_dict("records")


def test_pages_open_on_the_campaign_in_progress(open_page, database) -> None:
    """Last year's campaign still running (due next June) and this year's past its deadline: the draw,
    record and report pages open on last year's, not merely the newest."""
    older = demo.start_campaign(database, THIS_YEAR - 1, deadline=date(THIS_YEAR + 1, 6, 30))
    newer = demo.start_campaign(database, THIS_YEAR, witness="另一组见证", deadline=date(THIS_YEAR, 1, 1))
    assert campaigns.in_progress(database).id == older.id != newer.id
    at = open_page(PAGE)
    assert at.selectbox(key="campaign_id__select").value == older.id
    for page, key in (("pages/inspections.py", "rec_campaign"), ("pages/reports.py", "rep_campaign")):
        at = open_page(page)
        assert at.selectbox(key=f"{key}__select").value == older.id, page


def test_with_one_campaign_the_page_names_it(open_page, database) -> None:
    campaign = demo.start_campaign(database, THIS_YEAR, deadline=campaigns.default_deadline(THIS_YEAR))
    at = open_page("pages/reports.py")
    assert any(c.value == f"当前核查任务：{campaign.title}" for c in at.caption)


def test_the_page_shows_what_the_rules_will_draw_and_warns_before_the_freeze(open_page, database) -> None:
    at = create_campaign(open_page)  # the default rules: every priority category taken whole
    [campaign] = campaigns.list_campaigns(database)
    outcomes = campaigns.preview(database, campaign)
    drawn = sum(o.drawn for o in outcomes)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["将抽取"] == f"{drawn} 座" and metrics["其中随机抽取"] == f"{sum(o.random for o in outcomes)} 座"
    table = at.dataframe[0].value
    assert list(table["随机抽取"]) == [o.random for o in outcomes]
    assert list(table["重点核查（全部纳入）"]) == [sum(o.whole.values()) for o in outcomes]
    expected = sampling.warnings(outcomes, campaign.rules.ratio)
    assert [shown(w.value) for w in at.warning if shown(w.value) in expected] == expected
    # Open-pit at its own 10 %, the rest of 30 % at random: a real random part, no warning about it.
    rules = sampling.Rules(ratio=0.3, policy={"问题线索": "all", "回头看整改要求": "all", "露天开采": 0.1})
    campaigns.update_rules(database, campaign.id, campaign.title, campaign.deadline, rules, [], campaign.version, System("组织者"),
                           basis=[campaigns.BASIS_PRESETS[0]])
    at.run()
    assert not any("没有任何矿山由随机抽取产生" in w.value for w in at.warning)
    assert int(at.metric[2].value.split()[0]) > 0
    assert any("计入的开采方式：露天开采、露天-地下联合开采" in shown(c.value) for c in at.caption)


def test_a_basis_document_s_ratio_is_enforced(database) -> None:
    demo.load_demo(database, mines=60)
    with pytest.raises(campaigns.CampaignError, match="自然资办函〔2023〕1017号）要求核查比例不低于 20%"):
        campaigns.create(database, 2023, "任务", date(2023, 11, 30), sampling.Rules(ratio=0.1), [], System("组织者"),
                         basis=[campaigns.BASIS_PRESETS[0]])
    campaign_id = campaigns.create(database, 2025, "任务", date(2025, 11, 30), sampling.Rules(ratio=0.1), [], System("组织者"),
                                   basis=[campaigns.BASIS_PRESETS[1], {"title": "《湖北省自然资源厅关于…的通知》", "number": ""}])
    assert [campaigns.citation(d) for d in campaigns.get(database, campaign_id).basis][1] == "《湖北省自然资源厅关于…的通知》"


def test_the_key_areas_to_photograph_are_a_campaign_setting(open_page, database) -> None:
    at = create_campaign(open_page)
    [campaign] = campaigns.list_campaigns(database)
    assert campaign.photo_areas == ["矿容矿貌", "开采区", "生态修复区"]
    areas = next(m for m in at.multiselect if m.label.startswith("核查记录必须拍摄的重点区域"))
    areas.set_value(["矿容矿貌", "开采区", "生态修复区", "重点设备"])
    button(at, "保存任务设置").click().run()
    assert not at.exception, at.exception
    assert campaigns.get(database, campaign.id).photo_areas == ["矿容矿貌", "开采区", "生态修复区", "重点设备"]
    assert "须拍摄的重点区域 矿容矿貌、开采区、生态修复区、重点设备" in " ".join(campaigns.history(database, campaign.id)["说明"])
    with pytest.raises(campaigns.CampaignError, match="至少选择一个"):
        campaigns.update_rules(database, campaign.id, campaign.title, campaign.deadline, campaign.rules, [],
                               campaigns.get(database, campaign.id).version, System("组织者"), photo_areas=[])
