"""AppTest of the follow-up page: the cases, closing an item and a case, removals and restoring."""

from __future__ import annotations

from datetime import date

from core import demo, followup, inspections, registry, removal_proposal
from core.labels import STATUS_LISTED, STATUS_REMOVED
from core.access import System
from tests.pages.conftest import button, shown
from tests.test_followup import RECTIFY, drawn, submit

PAGE = "pages/followup.py"


def test_without_cases_the_page_says_what_to_do(open_page, database) -> None:
    at = open_page(PAGE)
    assert any("还没有整改案件" in i.value for i in at.info)


def test_close_the_items_then_the_case(open_page, database) -> None:
    campaign = demo.start_campaign(database)
    record = submit(database, campaign, drawn(database, campaign)[0], **RECTIFY)
    at = open_page(PAGE)
    assert at.dataframe[0].value.iloc[0]["状态"] == followup.OVERDUE  # the deadline, 2024-05-03, has passed
    [case_id] = [r[0] for r in database.execute("SELECT id FROM rectifications")]
    at.selectbox(key="fu_case").set_value(case_id).run()
    for item in followup.items(database, case_id):
        at.text_input(key=f"fu_note_{item['id']}").set_value("见整改报告")
        at.button(key=f"fu_item_{item['id']}").click().run()
        assert not at.exception, at.exception
    assert all(i["done_at"] and i["note"] == "见整改报告" for i in followup.items(database, case_id))
    at.radio(key=f"fu_kind_{case_id}").set_value(followup.SITE).run()
    at.text_area(key=f"fu_text_{case_id}").set_value("现场查看已复绿")
    at.button(key=f"fu_recheck_{case_id}").click().run()
    button(at, "确认").click().run()
    assert not at.exception, at.exception
    assert followup.get_case(database, case_id).status == followup.PASSED
    assert any("已结案" in s.value for s in at.success)
    assert registry.get_mine(database, record.mine_id)["status"] == STATUS_LISTED


def test_approve_a_provincial_removal_and_restore_it(open_page, database) -> None:
    campaign = demo.start_campaign(database)
    mine_id = drawn(database, campaign, "省级")[0]
    submit(database, campaign, mine_id, conclusion="移出", removal_reason="存在重大安全事故")
    at = open_page(PAGE)
    at.radio(key="fu_view").set_value("移出").run()
    [removal] = followup.removals(database).to_dict("records")
    at.selectbox(key="fu_removal").set_value(removal["id"]).run()
    at.text_input(key=f"fu_doc_{removal['id']}").set_value("鄂自然资函〔2024〕12号")
    at.button(key=f"fu_approve_{removal['id']}").click().run()
    button(at, "确认").click().run()
    assert not at.exception, at.exception
    assert registry.get_mine(database, mine_id)["status"] == STATUS_REMOVED
    at.radio(key="fu_view").set_value("已移出矿山").run()
    at.selectbox(key="fu_restore_pick").set_value(mine_id).run()
    at.button(key=f"fu_restore_{mine_id}").click().run()
    button(at, "确认").click().run()
    assert any("恢复理由" in e.value or "原因" in e.value for e in at.error)  # no reason: refused
    assert registry.get_mine(database, mine_id)["status"] == STATUS_REMOVED
    at.text_input(key=f"fu_restore_reason_{mine_id}").set_value("复议后撤销")
    at.button(key=f"fu_restore_{mine_id}").click().run()
    button(at, "确认").click().run()
    assert registry.get_mine(database, mine_id)["status"] == STATUS_LISTED


def test_a_national_proposal_downloads_and_the_decision_removes(open_page, database) -> None:
    campaign = demo.start_campaign(database)
    mine_id = drawn(database, campaign, "国家级")[0]
    submit(database, campaign, mine_id, conclusion="移出", removal_reason="存在重大安全事故")
    at = open_page(PAGE)
    at.radio(key="fu_view").set_value("移出").run()
    assert [b.proto.label for b in at.get("download_button")] == [
        "下载移出建议名单（Excel）", "下载移出建议名单（PDF）", "下载报送函（PDF）"]
    [removal] = followup.removals(database).to_dict("records")
    at.selectbox(key="fu_removal").set_value(removal["id"]).run()
    at.text_input(key=f"fu_announce_{removal['id']}").set_value("自然资源部公告2024年第8号")
    at.button(key=f"fu_decide_{removal['id']}").click().run()
    button(at, "确认").click().run()
    assert not at.exception, at.exception
    assert registry.get_mine(database, mine_id)["status"] == STATUS_REMOVED
    assert inspections.get(database, removal["record_id"]).content["conclusion"] == "移出"
    assert followup.get_removal(database, removal["id"])["decided_on"] == date.today().isoformat()


def test_the_steps_show_with_their_files(open_page, database) -> None:
    from tests.photos import make_photo
    campaign = demo.start_campaign(database)
    submit(database, campaign, drawn(database, campaign)[0], **RECTIFY)
    [case_id] = [r[0] for r in database.execute("SELECT id FROM rectifications")]
    followup.add_step(database, case_id, followup.SENT, date(2024, 3, 1), "矿山", "报送整改报告", System("组织者"),
                      files=[followup.Upload(b"%PDF-1.4 x", "整改报告.pdf"), followup.Upload(make_photo(), "复绿.jpg")])
    at = open_page(PAGE)
    at.selectbox(key="fu_case").set_value(case_id).run()
    assert not at.exception, at.exception
    assert any("整改报告.pdf" in shown(m.value) and "报送整改报告" in m.value for m in at.markdown)
    assert len(at.get("image")) == 1  # the photo's thumbnail; the PDF is listed by name


def test_the_coordinator_edits_the_letter_and_chooses_the_situation(open_page, database) -> None:
    campaign = demo.start_campaign(database)
    mine_id = drawn(database, campaign, "国家级")[0]
    submit(database, campaign, mine_id, conclusion="移出", removal_reason="自拟的原因")
    at = open_page(PAGE)
    at.radio(key="fu_view").set_value("移出").run()
    assert any("尚未对应移出情形列表中的情形" in w.value for w in at.warning)
    assert at.dataframe[0].value.iloc[0]["提出原因"] == followup.FROM_RECORD  # the proposal comes first
    k = f"fu_letter_{campaign.id}"
    assert "组织开展了2023年度绿色矿山实地抽查核查" in at.text_area(key=f"{k}_body").value
    at.text_input(key=f"{k}_unit").set_value("湖北省自然资源厅")
    at.text_input(key=f"{k}_phone").set_value("电话待定")
    at.button(key=f"{k}_save").click().run()
    assert any("联系电话" in e.value for e in at.error)  # refused: nothing kept, the typed text stays
    assert not removal_proposal.letter(database, campaign, [], date.today()).saved
    assert at.text_input(key=f"{k}_unit").value == "湖北省自然资源厅"
    at.text_input(key=f"{k}_contact").set_value("王某")
    at.text_input(key=f"{k}_phone").set_value("027-87654321")
    at.button(key=f"{k}_save").click().run()
    assert not at.exception, at.exception
    kept = removal_proposal.letter(database, campaign, [], date.today())
    assert (kept.saved, kept.unit, kept.contact, kept.phone) == (True, "湖北省自然资源厅", "王某", "027-87654321")

    [removal] = followup.removals(database).to_dict("records")
    at.selectbox(key="fu_removal").set_value(removal["id"]).run()
    ground = removal_proposal.grounds(database)[-1].reason
    at.selectbox(key=f"fu_situation_{removal['id']}").set_value(ground).run()
    at.button(key=f"fu_situation_save_{removal['id']}").click().run()
    assert not at.exception, at.exception
    assert followup.get_removal(database, removal["id"])["reason"] == ground
    [proposed] = removal_proposal.proposals(database, campaign)
    assert proposed.situation == ground
