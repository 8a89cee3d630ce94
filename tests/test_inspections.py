"""The inspection record: drafts, conflicts, confirmations, submission rules, lock and amendments."""

from __future__ import annotations

from datetime import date

import pytest

from core import db as dbmod
from core import accounts, audit, demo, inspections
from core.access import Denied, System
from core.inspections import InspectionError, RecordConflict, RecordLocked, area_key
from core.evidence import EvidenceError
from core.labels import AREAS, FOUND, NONE_FOUND, RECTIFY, REMOVE, SUBMITTED
from tests.photos import make_photo


@pytest.fixture
def campaign(demo_db):
    return demo.start_campaign(demo_db)  # drawn on 2023-10-20, due 2023-11-30


@pytest.fixture
def record(demo_db, campaign):
    first = inspections.campaign_records(demo_db, campaign).iloc[0]
    return inspections.open_record(demo_db, campaign, int(first["id"]), System("张某华"))


def complete_content(conclusion: str = "保留") -> dict:
    content = {"date_from": "2023-11-02", "date_to": "2023-11-03", "opinions": "加强排土场复绿",
               "main_problems": "排土场局部未复绿", "compliant": "是", "conclusion": conclusion}
    for field, _ in inspections.LEGALITY:
        content[field] = "是"
    for index in range(len(AREAS)):
        content[area_key(index, "finding")] = NONE_FOUND
        content[area_key(index, "checked")] = "查阅资料，现场查看"
    content[area_key(0, "finding")] = FOUND
    content[area_key(0, "problems")] = "排土场东侧约 2 亩未复绿"
    return content


def key_photos(db, record) -> None:
    """A site photo of each key area of the campaign the record has no photo of yet."""
    for number, area in enumerate(inspections.missing_photo_areas(db, record)):
        inspections.add_evidence(db, record.id, make_photo(seed=900 + 10 * record.id + number), f"KEY_{number}.jpg",
                                 area, "", System("李某明"))


def sign_all(db, record, leader_last: bool = True) -> None:
    """What a team does before submitting: a photo of each key area still without one, then every member
    confirms (the command line, confirming as each member in turn), the leader last."""
    key_photos(db, record)
    team = inspections.team_of(db, record)
    members = [m for m in team if m["role"] != "组长"] + [m for m in team if m["role"] == "组长"]
    for member in members if leader_last else reversed(members):
        inspections.sign(db, record.id, member["inspector_id"], System(member["name"]))


def filled(db, record, **overrides) -> inspections.Record:
    inspections.save_draft(db, record.id, {**complete_content(), **overrides}, record.version, System("张某华"))
    return inspections.get(db, record.id)


def test_every_drawn_mine_is_listed_with_its_team_and_progress(demo_db, campaign) -> None:
    frame = inspections.campaign_records(demo_db, campaign)
    assert len(frame) > 0
    assert frame["team_no"].notna().all()
    assert set(frame["progress"]) == {inspections.NOT_STARTED}


def test_a_mine_outside_the_draw_has_no_record(demo_db, campaign) -> None:
    drawn = set(inspections.campaign_records(demo_db, campaign)["id"])
    outside = next(r["id"] for r in demo_db.query("SELECT id FROM mines") if r["id"] not in drawn)
    with pytest.raises(InspectionError, match="不在本次抽取结果中"):
        inspections.open_record(demo_db, campaign, outside, System("张某华"))


def test_a_draft_survives_a_new_connection(tmp_path) -> None:
    path = tmp_path / "app.db"
    first = dbmod.connect(path)
    demo.load_demo(first, mines=60)
    campaign = demo.start_campaign(first)
    mine_id = int(inspections.campaign_records(first, campaign).iloc[0]["id"])
    record = inspections.open_record(first, campaign, mine_id, System("张某华"))
    inspections.save_draft(first, record.id, {area_key(0, "problems"): "边坡局部有落石隐患"}, record.version, System("张某华"))
    first.close()

    second = dbmod.connect(path)  # another browser session, another device
    again = inspections.open_record(second, campaign, mine_id, System("李某明"))
    assert again.id == record.id
    assert again.content[area_key(0, "problems")] == "边坡局部有落石隐患"
    assert again.version == record.version + 1


def test_two_editors_do_not_overwrite_each_other(demo_db, record) -> None:
    seen_by_both = record.version
    inspections.save_draft(demo_db, record.id, {"opinions": "甲的意见"}, seen_by_both, System("甲"))
    with pytest.raises(RecordConflict) as refused:
        inspections.save_draft(demo_db, record.id, {"opinions": "乙的意见"}, seen_by_both, System("乙"))
    assert refused.value.current.content["opinions"] == "甲的意见"
    both = inspections.conflict_rows(refused.value)
    assert both.iloc[0].tolist() == ["意见建议", "乙的意见", "甲的意见"]
    assert inspections.get(demo_db, record.id).content["opinions"] == "甲的意见"
    # 乙 chooses to keep their text after seeing both: a save on top of the latest version.
    inspections.save_draft(demo_db, record.id, {"opinions": "乙的意见"}, refused.value.current.version, System("乙"))
    assert inspections.get(demo_db, record.id).content["opinions"] == "乙的意见"


def test_saving_the_same_value_changes_nothing(demo_db, record) -> None:
    version = inspections.save_draft(demo_db, record.id, {"remarks": "无"}, record.version, System("甲"))
    assert inspections.save_draft(demo_db, record.id, {"remarks": "无"}, version, System("甲")) == version


def test_unknown_fields_and_bad_dates_are_programming_errors(demo_db, record) -> None:
    with pytest.raises(ValueError):
        inspections.save_draft(demo_db, record.id, {"colour": "red"}, record.version, System("甲"))
    with pytest.raises(ValueError):
        inspections.save_draft(demo_db, record.id, {"date_from": "2023-13-01"}, record.version, System("甲"))


@pytest.mark.parametrize("overrides, reason", [
    ({"date_from": ""}, "未填写核查日期"),
    ({area_key(2, "finding"): ""}, "“资源综合利用”未填写"),
    ({area_key(0, "problems"): " "}, "“矿区环境”选择了发现问题，但未写明"),
    ({"compliant": ""}, "是否符合绿色矿山标准"),
    ({"conclusion": ""}, "处理结论未选择"),
    ({"conclusion": RECTIFY, "rectify_deadline": "2024-05-03"}, "未填写整改措施"),
    ({"conclusion": RECTIFY, "rectify_measures": "补种复绿"}, "未填写整改期限"),
    ({"conclusion": REMOVE}, "未填写移出原因"),
])
def test_each_submission_rule(demo_db, record, overrides, reason) -> None:
    current = filled(demo_db, record, **overrides)
    sign_all(demo_db, current)
    problems = inspections.submission_problems(demo_db, current)
    assert any(reason in p for p in problems), problems
    with pytest.raises(InspectionError, match="不能提交"):
        inspections.submit(demo_db, record.id, current.version, System("张某华"))
    assert inspections.get(demo_db, record.id).status == "草稿"


def test_fewer_than_three_confirmations_refuse_submission(demo_db, record) -> None:
    current = filled(demo_db, record)
    member = next(m for m in inspections.team_of(demo_db, current) if m["role"] != "组长")
    inspections.sign(demo_db, record.id, member["inspector_id"], System(member["name"]))
    problems = inspections.submission_problems(demo_db, current)
    assert "核查组成员签字确认不足 3 人（目前 1 人）" in problems
    assert "组长尚未签字" in problems


def test_the_leader_signs_last_and_only_members_sign(demo_db, record) -> None:
    current = filled(demo_db, record)
    team = inspections.team_of(demo_db, current)
    leader = next(m for m in team if m["role"] == "组长")
    with pytest.raises(InspectionError, match="组长应在其他成员确认后最后签字"):
        inspections.sign(demo_db, record.id, leader["inspector_id"], System(leader["name"]))
    outsider = next(r["id"] for r in demo_db.query("SELECT id FROM inspectors")
                    if r["id"] not in {m["inspector_id"] for m in team})
    with pytest.raises(InspectionError, match="只有分配到该矿山的核查组成员"):
        inspections.sign(demo_db, record.id, outsider, System("任何人"))


def test_a_change_after_signing_voids_the_confirmations(demo_db, record) -> None:
    current = filled(demo_db, record)
    sign_all(demo_db, current)
    assert all(s["valid"] for s in inspections.signatures(demo_db, current))
    inspections.save_draft(demo_db, record.id, {"opinions": "改了意见"}, current.version, System("张某华"))
    changed = inspections.get(demo_db, record.id)
    assert not any(s["valid"] for s in inspections.signatures(demo_db, changed))
    assert any("签字确认不足" in p for p in inspections.submission_problems(demo_db, changed))


def test_submission_locks_and_an_amendment_keeps_the_original(demo_db, record) -> None:
    current = filled(demo_db, record, conclusion=RECTIFY, rectify_measures="补种复绿", rectify_deadline="2024-05-03")
    sign_all(demo_db, current)
    inspections.submit(demo_db, record.id, current.version, System("王某军"))
    submitted = inspections.get(demo_db, record.id)
    assert submitted.status == SUBMITTED and submitted.submitted_by == "王某军"

    with pytest.raises(RecordLocked):
        inspections.save_draft(demo_db, record.id, {"opinions": "偷偷改"}, submitted.version, System("甲"))
    with pytest.raises(InspectionError, match="必须填写理由"):
        inspections.amend(demo_db, record.id, {"remarks": "矿山名称已变更"}, " ", submitted.version, System("甲"))
    inspections.amend(demo_db, record.id, {"remarks": "矿山名称已变更为示例新名称"}, "企业提供了变更证明",
                      submitted.version, System("王某军"))
    amended = inspections.get(demo_db, record.id)
    assert amended.content["remarks"] == "矿山名称已变更为示例新名称"
    history = inspections.versions(demo_db, record.id)
    assert history["操作"].tolist() == ["提交", "更正"]
    assert history.iloc[1]["理由"] == "企业提供了变更证明"
    assert "备注：（未填） → 矿山名称已变更为示例新名称" in history.iloc[1]["修改内容"]
    original = next(demo_db.query("SELECT content FROM record_versions WHERE record_id = ? ORDER BY id", [record.id]))
    assert "矿山名称已变更" not in original["content"]


def test_progress_follows_the_record(demo_db, campaign, record) -> None:
    progress = inspections.progress_by_licence(demo_db, campaign)
    assert progress[record.licence_no] == inspections.IN_PROGRESS
    current = filled(demo_db, record, conclusion=REMOVE, removal_reason=inspections.removal_reasons()[0],
                     compliant="否")
    sign_all(demo_db, current)
    inspections.submit(demo_db, record.id, current.version, System("王某军"))
    assert inspections.progress_by_licence(demo_db, campaign)[record.licence_no] == REMOVE


def test_default_deadline_is_six_months_after_the_inspection() -> None:
    assert inspections.default_deadline({"date_from": "2023-08-31", "date_to": ""}, date(2024, 1, 1)) == date(2024, 2, 29)
    assert inspections.default_deadline({"date_from": "", "date_to": ""}, date(2023, 11, 2)) == date(2024, 5, 2)


def test_consistency_warnings_do_not_block(demo_db, record) -> None:
    current = filled(demo_db, record, compliant="否", main_problems="")
    warnings = inspections.consistency_warnings(current)
    assert any("处理结论却为“保留”" in w for w in warnings)
    assert any("存在的主要问题" in w for w in warnings)


def test_removal_reasons_come_from_the_data_file() -> None:
    from core import reference
    from core.config import DATA_FILES
    rows = reference.read_data_csv(DATA_FILES / "removal_reasons.csv")
    assert inspections.removal_reasons() == [row["reason"] for row in rows] and rows


# --- evidence on the record ---------------------------------------------------------------------

def mine_position(db, record) -> tuple[float, float]:
    lat, lon = db.execute("SELECT lat, lon FROM mines WHERE id = ?", [record.mine_id]).fetchone()
    return lat, lon


def test_a_photo_at_the_mine_during_the_inspection_has_no_warning(demo_db, record) -> None:
    current = filled(demo_db, record)
    lat, lon = mine_position(demo_db, current)
    photo = make_photo(seed=1, taken_at="2023-11-02T10:30:00", gps=(lat + 0.005, lon))
    evidence_id = inspections.add_evidence(demo_db, record.id, photo, "IMG_0001.jpg", AREAS[0], "排土场", System("李某明"))
    [row] = inspections.evidence_of(demo_db, current)
    assert row["id"] == evidence_id and row["warnings"] == []
    assert row["distance_km"] == pytest.approx(0.56, abs=0.05)
    assert row["device"] == "示例 Phone 12" and row["uploaded_by"] == "李某明"
    assert inspections.original(row).read_bytes() == photo
    assert inspections.thumbnail(row).is_file()


def test_warnings_for_missing_exif_distance_and_dates(demo_db, record) -> None:
    current = filled(demo_db, record)
    lat, lon = mine_position(demo_db, current)
    inspections.add_evidence(demo_db, record.id, make_photo(seed=2, device=None), "no-exif.jpg", AREAS[1], "", System("甲"))
    inspections.add_evidence(demo_db, record.id, make_photo(seed=3, taken_at="2023-10-01T09:00:00", gps=(lat + 0.1, lon)),
                             "far.jpg", AREAS[1], "", System("甲"))
    rows = {r["filename"]: r["warnings"] for r in inspections.evidence_of(demo_db, current)}
    assert rows["no-exif.jpg"] == ["无拍摄时间（EXIF）", "无GPS位置"]
    assert any("距矿山 11.1 公里（超过 3 公里）" in w for w in rows["far.jpg"])
    assert "拍摄日期2023年10月1日不在核查日期内" in rows["far.jpg"]


def test_the_same_photo_on_another_mines_record_is_flagged(demo_db, campaign, record) -> None:
    other_mine = inspections.campaign_records(demo_db, campaign).iloc[1]
    other = inspections.open_record(demo_db, campaign, int(other_mine["id"]), System("甲"))
    original = make_photo(width=1600, height=1200, seed=7, taken_at="2023-11-02T10:30:00")
    inspections.add_evidence(demo_db, other.id, original, "a.jpg", AREAS[0], "", System("甲"))
    # A resized, re-compressed copy of the same picture, attached to a different mine.
    copy = make_photo(width=800, height=600, seed=7, taken_at="2023-11-02T10:30:00", quality=60)
    inspections.add_evidence(demo_db, record.id, copy, "b.jpg", AREAS[0], "", System("乙"))
    inspections.add_evidence(demo_db, record.id, make_photo(seed=8), "c.jpg", AREAS[0], "", System("乙"))
    rows = {r["filename"]: r["warnings"] for r in inspections.evidence_of(demo_db, inspections.get(demo_db, record.id))}
    assert any(other_mine["name"] in w and "相同或高度相似" in w for w in rows["b.jpg"])
    assert not any("相同或高度相似" in w for w in rows["c.jpg"])


def test_bad_uploads_are_refused_and_nothing_is_written(demo_db, record) -> None:
    with pytest.raises(EvidenceError, match="不是"):
        inspections.add_evidence(demo_db, record.id, b"this is not a photo", "fake.jpg", AREAS[0], "", System("甲"))
    with pytest.raises(InspectionError, match="请选择影像所属的区域或方面"):
        inspections.add_evidence(demo_db, record.id, make_photo(), "a.jpg", "别的", "", System("甲"))
    photo = make_photo(seed=4)
    inspections.add_evidence(demo_db, record.id, photo, "a.jpg", AREAS[0], "", System("甲"))
    with pytest.raises(InspectionError, match="已上传到本记录"):
        inspections.add_evidence(demo_db, record.id, photo, "again.jpg", AREAS[0], "", System("甲"))
    assert demo_db.execute("SELECT COUNT(*) FROM evidence").fetchone()[0] == 1


def test_evidence_is_covered_by_the_confirmations_and_locked_after_submission(demo_db, record) -> None:
    current = filled(demo_db, record)
    sign_all(demo_db, current)
    inspections.add_evidence(demo_db, record.id, make_photo(seed=5), "late.jpg", AREAS[0], "", System("甲"))
    assert not any(s["valid"] for s in inspections.signatures(demo_db, current))
    sign_all(demo_db, current)
    inspections.submit(demo_db, record.id, current.version, System("王某军"))
    with pytest.raises(RecordLocked):
        inspections.add_evidence(demo_db, record.id, make_photo(seed=6), "after.jpg", AREAS[0], "", System("甲"))
    row = inspections.evidence_of(demo_db, current)[0]
    with pytest.raises(RecordLocked):
        inspections.remove_evidence(demo_db, row["id"], System("甲"))


def test_progress_by_prefecture_puts_the_slowest_first(demo_db, campaign, record) -> None:
    current = filled(demo_db, record)
    sign_all(demo_db, current)
    inspections.submit(demo_db, record.id, current.version, System("王某军"))
    table = inspections.progress_by_prefecture(demo_db, campaign)
    assert table["合计"].sum() == len(inspections.campaign_records(demo_db, campaign))
    done = table[table["保留"] == 1].iloc[0]
    assert done["完成率"] == round(1 / done["合计"], 3)
    assert table["完成率"].is_monotonic_increasing


def test_the_map_colours_mines_by_the_campaigns_progress(demo_db, campaign, record) -> None:
    from core import maps, registry
    mines = registry.list_mines(demo_db, columns=registry.LIST_COLUMNS)
    mines["progress"] = mines["licence_no"].map(inspections.progress_by_licence(demo_db, campaign))
    points = maps.point_rows(mines, "核查进度")
    legend = {entry.label: entry.count for entry in points.legend}
    drawn = len(inspections.campaign_records(demo_db, campaign))
    assert legend["核查中"] == 1 and legend["待核查"] == drawn - 1
    assert legend["未抽中"] == len(mines[mines["lat"].notna()]) - drawn
    assert any("核查进度：核查中" in line for line in points.details)


# --- evidence of the key areas, 合法合规性, dates, own confirmations (issue 14) ------------------------

def test_photos_are_filed_under_the_campaigns_key_areas(demo_db, campaign, record) -> None:
    assert inspections.photo_areas(campaign)[:4] == ["矿容矿貌", "开采区", "生态修复区", "重点设备"]
    assert inspections.photo_areas(campaign)[4:] == list(AREAS)
    inspections.add_evidence(demo_db, record.id, make_photo(seed=11), "a.jpg", "开采区", "采场台阶", System("李某明"))
    assert [r["area"] for r in inspections.evidence_of(demo_db, record)] == ["开采区"]
    assert inspections.missing_photo_areas(demo_db, record) == ["矿容矿貌", "生态修复区"]


def test_a_record_without_photos_of_every_key_area_cannot_be_submitted(demo_db, record) -> None:
    current = filled(demo_db, record)
    inspections.add_evidence(demo_db, record.id, make_photo(seed=12), "a.jpg", "开采区", "", System("李某明"))
    inspections.add_evidence(demo_db, record.id, make_photo(seed=13), "b.jpg", AREAS[0], "", System("李某明"))
    team = inspections.team_of(demo_db, current)
    for member in [m for m in team if m["role"] != "组长"] + [m for m in team if m["role"] == "组长"]:
        inspections.sign(demo_db, record.id, member["inspector_id"], System(member["name"]))
    problems = inspections.submission_problems(demo_db, current)
    assert "缺少重点区域的核查影像：矿容矿貌、生态修复区（每个重点区域至少上传一张现场照片）" in problems
    with pytest.raises(InspectionError, match="缺少重点区域的核查影像：矿容矿貌、生态修复区"):
        inspections.submit(demo_db, record.id, current.version, System("王某军"))
    sign_all(demo_db, current)  # adds the two missing photos, then everyone confirms again
    inspections.submit(demo_db, record.id, current.version, System("王某军"))
    assert inspections.get(demo_db, record.id).status == SUBMITTED


def test_the_key_areas_are_the_campaigns(demo_db, campaign, record) -> None:
    demo_db.execute("UPDATE campaigns SET photo_areas = ? WHERE id = ?", ['["尾矿库"]', campaign.id])
    assert inspections.missing_photo_areas(demo_db, record) == ["尾矿库"]
    inspections.add_evidence(demo_db, record.id, make_photo(seed=14), "a.jpg", "尾矿库", "", System("李某明"))
    assert inspections.missing_photo_areas(demo_db, record) == []


@pytest.mark.parametrize("overrides, reason", [
    ({"legal_licence": ""}, "合法合规性未填写：证照合法有效（是/否）"),
    ({"legal_boundary": ""}, "合法合规性未填写：未越界开采（是/否）"),
    ({"legal_penalty": ""}, "合法合规性未填写：无未整改的行政处罚（是/否）"),
    ({"legal_boundary": "否"}, "合法合规性“未越界开采”为否，但未写明情况"),
])
def test_legality_is_required(demo_db, record, overrides, reason) -> None:
    current = filled(demo_db, record, **overrides)
    sign_all(demo_db, current)
    assert reason in inspections.submission_problems(demo_db, current)


def test_a_failed_legality_check_with_a_note_submits_and_warns_against_compliant(demo_db, record) -> None:
    current = filled(demo_db, record, legal_licence="否", legal_licence_note="安全生产许可证已于2023年8月过期",
                     compliant="是")
    sign_all(demo_db, current)
    assert inspections.submission_problems(demo_db, current) == []
    assert any("证照合法有效" in w and "符合绿色矿山标准" in w for w in inspections.consistency_warnings(current))


def test_inspection_dates_outside_the_campaign_are_refused(demo_db, campaign, record) -> None:
    assert inspections.inspection_window(demo_db, campaign) == (date(2023, 10, 20), date(2023, 11, 30))
    with pytest.raises(InspectionError, match=r"核查开始日期2023年10月19日不在本任务的核查期内：核查只能在抽取结果确认之日"
                                              r"（2023年10月20日）至完成时限（2023年11月30日）之间进行"):
        inspections.save_draft(demo_db, record.id, {"date_from": "2023-10-19"}, record.version, System("甲"))
    with pytest.raises(InspectionError, match="核查结束日期2023年12月1日不在本任务的核查期内"):
        inspections.save_draft(demo_db, record.id, {"date_to": "2023-12-01"}, record.version, System("甲"))
    assert inspections.get(demo_db, record.id).content["date_from"] == ""  # nothing was written
    version = inspections.save_draft(demo_db, record.id, {"date_from": "2023-10-20", "date_to": "2023-11-30"},
                                     record.version, System("甲"))
    assert version == record.version + 1


def test_an_amendment_cannot_move_the_dates_out_of_the_campaign(demo_db, record) -> None:
    current = filled(demo_db, record)
    sign_all(demo_db, current)
    inspections.submit(demo_db, record.id, current.version, System("王某军"))
    submitted = inspections.get(demo_db, record.id)
    with pytest.raises(InspectionError, match="不在本任务的核查期内"):
        inspections.amend(demo_db, record.id, {"date_from": "2024-01-05"}, "日期写错", submitted.version, System("王某军"))


def test_a_campaign_whose_deadline_precedes_its_draw_says_so(demo_db) -> None:
    late = demo.start_campaign(demo_db, 2023, deadline=date(2023, 10, 1))
    record = inspections.open_record(demo_db, late, int(inspections.campaign_records(demo_db, late).iloc[0]["id"]), System("甲"))
    with pytest.raises(InspectionError, match="晚于完成时限2023年10月1日，无法填写核查日期。请组织者先调整完成时限"):
        inspections.save_draft(demo_db, record.id, {"date_from": "2023-09-30"}, record.version, System("甲"))


def inspector_account(db, member: dict, username: str):
    user_id = accounts.create_user(db, username, member["name"], "核查员", "mima12345", System("测试"),
                                   inspector_id=member["inspector_id"], must_change=False)
    return accounts.get(db, user_id)


def test_each_member_confirms_from_their_own_account(demo_db, record) -> None:
    current = filled(demo_db, record)
    team = inspections.team_of(demo_db, current)
    first, second = [m for m in team if m["role"] != "组长"][:2]
    user = inspector_account(demo_db, first, "hecha1")
    inspections.sign(demo_db, record.id, first["inspector_id"], user)
    with pytest.raises(InspectionError, match="只能确认本人的签字。.*可选择“代签”并填写代签原因"):
        inspections.sign(demo_db, record.id, second["inspector_id"], user)
    given = inspections.signatures(demo_db, current)
    assert [(s["name"], s["proxy_by"]) for s in given] == [(first["name"], "")]


def test_a_proxy_confirmation_says_who_gave_it_and_why(demo_db, record) -> None:
    current = filled(demo_db, record)
    team = inspections.team_of(demo_db, current)
    first, second = [m for m in team if m["role"] != "组长"][:2]
    user = inspector_account(demo_db, first, "hecha1")
    inspections.sign(demo_db, record.id, second["inspector_id"], user, proxy_reason="现场共用一台平板")
    [given] = inspections.signatures(demo_db, current)
    assert (given["name"], given["proxy_by"], given["proxy_reason"]) == (second["name"], first["name"], "现场共用一台平板")
    assert inspections.proxy_note(given) == f"代签：{second['name']}（由{first['name']}代签，原因：现场共用一台平板）"
    entry = audit.entries(demo_db, action="核查记录：代签").iloc[0]
    assert entry["操作人"] == str(user) and "现场共用一台平板" in entry["内容"] and first["name"] in entry["内容"]


def test_an_organizer_cannot_confirm_for_the_team(demo_db, record) -> None:
    current = filled(demo_db, record)
    member = next(m for m in inspections.team_of(demo_db, current) if m["role"] != "组长")
    organizer = accounts.get(demo_db, accounts.create_user(demo_db, "zuzhi", "组织者", "组织者", "mima12345", System("测试"),
                                                          must_change=False))
    with pytest.raises(Denied, match="签字确认须由核查组成员本人登录后进行"):
        inspections.sign(demo_db, record.id, member["inspector_id"], organizer, proxy_reason="代为确认")
    assert inspections.signatures(demo_db, current) == []
