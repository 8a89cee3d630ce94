"""AppTest of the record page: the team's mines, autosave, conflicts, signing, submission, amendment."""

from __future__ import annotations

from core import demo, inspections
from core.access import INSPECTOR, System
from core.inspections import area_key
from core.labels import AREAS, NONE_FOUND
from tests.pages.conftest import account, button, shown, widget
from tests.test_inspections import complete_content, sign_all

PAGE = "pages/inspections.py"


def open_record(open_page, database):
    """The page with the first drawn mine's record open; returns (at, campaign, record)."""
    campaign = demo.start_campaign(database)
    at = open_page(PAGE)
    first = inspections.campaign_records(database, campaign).iloc[0]
    at.selectbox(key="rec_mine").set_value(int(first["id"])).run()
    assert not at.exception, at.exception
    record = inspections.find(database, campaign.id, int(first["id"]))
    return at, campaign, record


def show_tab(at, label: str):
    """Open a tab of the record (only the open tab is drawn)."""
    at.session_state["rec_tabs"] = label
    return at.run()


def test_without_a_draw_the_page_says_what_to_do(open_page, database) -> None:
    at = open_page(PAGE)
    assert any("还没有完成抽取的核查任务" in i.value for i in at.info)


def test_the_list_shows_a_teams_mines(open_page, database) -> None:
    campaign = demo.start_campaign(database)
    at = open_page(PAGE)
    everything = inspections.campaign_records(database, campaign)
    assert len(at.dataframe[0].value) == len(everything)
    at.selectbox(key="rec_scope").set_value(1).run()
    team_one = everything[everything["team_no"] == 1]
    assert list(at.dataframe[0].value["矿山名称"]) == list(team_one["name"])
    assert widget(at.metric, "待核查").value == str(len(team_one))


def test_typing_saves_a_draft_that_a_new_session_sees(open_page, database) -> None:
    at, campaign, record = open_record(open_page, database)
    show_tab(at, "六个方面核查情况")
    at.text_input(key=f"r{record.id}g0_{area_key(0, 'checked')}").set_value("查阅复垦方案，现场查看排土场").run()
    at.radio(key=f"r{record.id}g0_{area_key(1, 'finding')}").set_value(NONE_FOUND).run()
    assert not at.exception, at.exception
    saved = inspections.get(database, record.id)
    assert saved.content[area_key(0, "checked")] == "查阅复垦方案，现场查看排土场"
    assert saved.content[area_key(1, "finding")] == NONE_FOUND

    again = open_page(PAGE)  # a refresh, or another device
    again.selectbox(key="rec_mine").set_value(record.mine_id).run()
    show_tab(again, "六个方面核查情况")
    assert again.text_input(key=f"r{record.id}g0_{area_key(0, 'checked')}").value == "查阅复垦方案，现场查看排土场"


def test_a_text_too_long_is_refused_and_stays_in_its_field_to_be_shortened(open_page, database) -> None:
    from core import limits
    at, campaign, record = open_record(open_page, database)
    show_tab(at, "结论与处理")
    typed = "加强复绿管护。" * (limits.TEXT // 7 + 1)
    at.text_area(key=f"r{record.id}g0_opinions").set_value(typed).run()
    assert any("“意见建议”过长" in e.value for e in at.error)
    assert at.text_area(key=f"r{record.id}g0_opinions").value == typed  # nothing typed is lost
    assert inspections.get(database, record.id).content["opinions"] == ""


def test_a_save_over_someone_elses_shows_both_versions(open_page, database) -> None:
    at, campaign, record = open_record(open_page, database)
    show_tab(at, "结论与处理")
    inspections.save_draft(database, record.id, {"opinions": "另一台设备写的意见"}, record.version, System("李某明"))
    at.text_area(key=f"r{record.id}g0_opinions").set_value("这台设备写的意见").run()
    assert any("该记录已被李某明" in e.value for e in at.error)
    both = next(d.value for d in at.dataframe if "您的修改（未保存）" in d.value.columns)
    assert both.iloc[0].tolist() == ["意见建议", "这台设备写的意见", "另一台设备写的意见"]
    assert inspections.get(database, record.id).content["opinions"] == "另一台设备写的意见"
    button(at, "保留我的修改").click().run()
    assert inspections.get(database, record.id).content["opinions"] == "这台设备写的意见"


def test_submission_lists_what_is_missing_then_locks(open_page, database) -> None:
    at, campaign, record = open_record(open_page, database)
    show_tab(at, "签字与提交")
    assert any("还不能提交" in e.value and "处理结论未选择" in e.value for e in at.error)
    assert button(at, "提交核查记录").disabled

    inspections.save_draft(database, record.id, complete_content(), record.version, System("张某华"))
    sign_all(database, inspections.get(database, record.id))
    at = open_page(PAGE)
    at.selectbox(key="rec_mine").set_value(record.mine_id).run()
    show_tab(at, "签字与提交")
    button(at, "提交核查记录").click().run()
    assert inspections.get(database, record.id).status == "草稿"  # asks first
    button(at, "确认提交").click().run()
    assert not at.exception, at.exception
    assert inspections.get(database, record.id).status == "已提交"
    assert any("核查记录已提交并锁定" in s.value for s in at.success)
    assert [b.label for b in at.download_button] == ["下载核查记录（PDF）", "下载打印签字版（PDF）"]
    show_tab(at, "结论与处理")
    assert at.text_area(key=f"r{record.id}g0_opinions").disabled

    show_tab(at, "版本与更正")
    at.selectbox(key="rec_amend_field").set_value("remarks").run()
    at.text_area(key="rec_amend_value_remarks").set_value("采矿权人名称已变更").run()
    button(at, "保存更正").click().run()
    assert any("必须填写理由" in e.value for e in at.error)
    at.text_input(key="rec_amend_reason").set_value("企业提供变更证明").run()
    button(at, "保存更正").click().run()
    assert inspections.get(database, record.id).content["remarks"] == "采矿权人名称已变更"
    versions = next(d.value for d in at.dataframe if "更正" in set(d.value.get("操作", [])))
    assert versions["理由"].tolist() == ["", "企业提供变更证明"]


def open_as(open_page, database, member: dict, mine_id: int):
    """The record page logged in as the inspector ``member`` (their own account), the record open."""
    at = open_page(PAGE, user=account(INSPECTOR, member["inspector_id"]))
    at.selectbox(key="rec_mine").set_value(mine_id).run()
    assert not at.exception, at.exception
    return at


def test_a_member_confirms_from_their_own_account(open_page, database) -> None:
    at, campaign, record = open_record(open_page, database)
    member = next(m for m in inspections.team_of(database, record) if m["role"] != "组长")
    show_tab(at, "签字与提交")
    assert any("签字确认须由核查组成员本人登录后进行" in i.value for i in at.info)  # the organizer
    assert not [b for b in at.button if b.key and b.key.startswith("rec_signbtn_")]
    assert not [t for t in at.text_input if t.key and t.key.startswith("rec_sign_")]  # no typing of names

    at = open_as(open_page, database, member, record.mine_id)
    show_tab(at, "签字与提交")
    own = [b for b in at.button if b.key and b.key.startswith("rec_signbtn_")]
    assert [b.key for b in own] == [f"rec_signbtn_{member['inspector_id']}"] and own[0].label == "本人确认"
    own[0].click().run()
    assert not at.exception, at.exception
    [given] = inspections.signatures(database, record)
    assert (given["name"], given["proxy_by"]) == (member["name"], "")


def test_a_proxy_confirmation_needs_a_reason(open_page, database) -> None:
    at, campaign, record = open_record(open_page, database)
    giver, absent = [m for m in inspections.team_of(database, record) if m["role"] != "组长"][:2]
    at = open_as(open_page, database, giver, record.mine_id)
    show_tab(at, "签字与提交")
    proxy = next(b for b in at.button if b.key == f"rec_proxybtn_{absent['inspector_id']}")
    proxy.click().run()
    assert any("只能确认本人的签字" in e.value for e in at.error)
    assert inspections.signatures(database, record) == []
    at.text_input(key=f"rec_proxy_reason_{record.id}_{absent['inspector_id']}").set_value("现场共用一台平板").run()
    next(b for b in at.button if b.key == f"rec_proxybtn_{absent['inspector_id']}").click().run()
    assert not at.exception, at.exception
    [given] = inspections.signatures(database, record)
    assert (given["name"], given["proxy_by"], given["proxy_reason"]) == (absent["name"], giver["name"], "现场共用一台平板")
    assert any(f"代签：{absent['name']}（由{giver['name']}代签，原因：现场共用一台平板）" in s.value for s in at.success)


def test_the_photo_tab_lists_the_key_areas_still_without_photos(open_page, database) -> None:
    from tests.photos import make_photo
    at, campaign, record = open_record(open_page, database)
    show_tab(at, "核查影像")
    assert any("还缺少以下重点区域的照片：矿容矿貌、开采区、生态修复区" in w.value for w in at.warning)
    assert at.selectbox(key="rec_upload_area").options[:4] == ["矿容矿貌", "开采区", "生态修复区", "重点设备"]
    inspections.add_evidence(database, record.id, make_photo(seed=4), "IMG_4.jpg", "开采区", "采场", System("李某明"))
    at.run()
    assert any("还缺少以下重点区域的照片：矿容矿貌、生态修复区" in w.value for w in at.warning)
    assert at.selectbox(key="rec_upload_area").value == "矿容矿貌"
    show_tab(at, "签字与提交")
    assert any("缺少重点区域的核查影像：矿容矿貌、生态修复区" in e.value for e in at.error)


def test_legality_is_answered_on_the_record(open_page, database) -> None:
    at, campaign, record = open_record(open_page, database)
    show_tab(at, "基本信息")
    at.radio(key=f"r{record.id}g0_legal_boundary").set_value("否").run()
    at.text_input(key=f"r{record.id}g0_legal_boundary_note").set_value("东南角越出矿区范围约0.3公顷").run()
    assert not at.exception, at.exception
    content = inspections.get(database, record.id).content
    assert (content["legal_boundary"], content["legal_boundary_note"]) == ("否", "东南角越出矿区范围约0.3公顷")
    show_tab(at, "签字与提交")
    errors = " ".join(shown(e.value) for e in at.error)
    assert "合法合规性未填写：证照合法有效（是/否）" in errors and "未越界开采" not in errors


def test_a_date_before_the_draw_is_refused_with_the_allowed_range(open_page, database) -> None:
    from datetime import date
    at, campaign, record = open_record(open_page, database)
    show_tab(at, "基本信息")
    assert any("本任务的核查期：2023年10月20日（抽取结果确认）至2023年11月30日（完成时限）" in c.value for c in at.caption)
    at.date_input(key=f"r{record.id}g0_date_from").set_value(date(2023, 10, 1)).run()
    assert any("核查开始日期2023年10月1日不在本任务的核查期内" in e.value and "2023年10月20日" in e.value
               for e in at.error)
    assert inspections.get(database, record.id).content["date_from"] == ""


def test_a_photo_uploads_with_its_area(open_page, database) -> None:
    from tests.photos import make_photo
    at, campaign, record = open_record(open_page, database)
    show_tab(at, "核查影像")
    assert any("尚未上传核查影像" in i.value for i in at.info)
    inspections.add_evidence(database, record.id, make_photo(seed=3), "IMG_3.jpg", AREAS[2], "尾矿库", System("李某明"))
    at.run()
    assert any("无拍摄时间（EXIF）" in w.value for w in at.warning)
    assert any("尾矿库" in c.value for c in at.caption)


def test_the_overview_follows_the_campaign(open_page, database) -> None:
    campaign = demo.start_campaign(database)
    drawn = len(inspections.campaign_records(database, campaign))
    at = open_page("pages/overview.py")
    assert any(f"已提交核查记录 0/{drawn} 座" in p.proto.text for p in at.get("progress"))
    assert widget(at.metric, "待核查").value == str(drawn)


def test_the_indicator_checklist_is_scored_and_saved(open_page, database) -> None:
    at, campaign, record = open_record(open_page, database)
    show_tab(at, "评价指标（可选）")
    at.selectbox(key=f"r{record.id}g0_indicator_set").set_value("2020").run()
    record = inspections.get(database, record.id)
    assert record.content["indicator_set"] == "2020"
    editor = f"r{record.id}v{record.version}_checklist"
    at.session_state[editor] = {"edited_rows": {0: {"结论": "不符合", "说明": "采矿许可证已过期"}},
                                "added_rows": [], "deleted_rows": []}
    at.run()
    assert not at.exception, at.exception
    saved = inspections.get(database, record.id).content["checklist"]
    assert saved["P1"] == {"mark": "不符合", "note": "采矿许可证已过期"}
    assert any("一票否决" in e.value for e in at.error)


def test_the_page_tells_the_browser_what_is_saved(open_page, database) -> None:
    """The autosave script (static/record/autosave.js) learns after each run what the server holds of each
    text field; its hidden button reruns the record so that text sent while offline is sent again."""
    import json
    at, campaign, record = open_record(open_page, database)
    show_tab(at, "结论与处理")
    at.text_area(key=f"r{record.id}g0_remarks").set_value("矿区道路已硬化 </script>").run()
    reported = next(h.proto.body for h in at.get("html") if "const state = " in h.proto.body)
    state = json.loads(reported.split("const state = ", 1)[1].split("; if (api.receive)", 1)[0])
    assert state["record"] == record.id and state["locked"] is False
    assert state["fields"][f"r{record.id}g0_remarks"] == ["remarks", "矿区道路已硬化 </script>"]
    assert "</script>" not in reported.split("const state = ", 1)[1].rsplit("</script>", 1)[0]
    assert [b.label for b in at.button if b.key == "rec_resync"] == ["重新发送未保存的输入"]
    at.text_area(key=f"r{record.id}g0_opinions").set_value("建议加强排土场管护")
    next(b for b in at.button if b.key == "rec_resync").click().run()
    assert inspections.get(database, record.id).content["opinions"] == "建议加强排土场管护"
