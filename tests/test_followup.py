"""Follow-up of results: rectification cases from 整改 records, re-checks, overdue, removals and the next draw."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from core import campaigns, demo, followup, inspections, registry, removal_proposal, sampling
from core.followup import FollowUpError, Upload
from core.inspections import area_key
from core.labels import FOUND, STATUS_LISTED, STATUS_REMOVED
from core.access import System
from tests.photos import make_photo
from tests.test_inspections import complete_content, sign_all

ACTOR = System("组织者")


def submit(db, campaign, mine_id: int, **content) -> inspections.Record:
    record = inspections.open_record(db, campaign, mine_id, ACTOR)
    inspections.save_draft(db, record.id, {**complete_content(), **content}, record.version, ACTOR)
    sign_all(db, inspections.get(db, record.id))
    inspections.submit(db, record.id, inspections.get(db, record.id).version, ACTOR)
    return inspections.get(db, record.id)


def drawn(db, campaign, level: str | None = None) -> list[int]:
    frame = inspections.campaign_records(db, campaign)
    if level:
        frame = frame[frame["level"] == level]
    return [int(i) for i in frame["id"]]


RECTIFY = {"conclusion": "整改", "rectify_measures": "1. 补种排土场植被\n2. 完善标识标牌", "rectify_deadline": "2024-05-03",
           area_key(0, "problems"): "1. 排土场东侧约 2 亩未复绿\n2. 标识标牌缺失", area_key(2, "finding"): FOUND,
           area_key(2, "problems"): "废石综合利用率偏低"}


@pytest.fixture
def campaign(demo_db):
    return demo.start_campaign(demo_db)


def only_case(db) -> followup.Case:
    [case_id] = [r[0] for r in db.execute("SELECT id FROM rectifications")]
    return followup.get_case(db, case_id)


def test_a_rectify_record_opens_a_case_with_one_item_per_problem(demo_db, campaign) -> None:
    record = submit(demo_db, campaign, drawn(demo_db, campaign)[0], **RECTIFY)
    case = only_case(demo_db)
    assert (case.record_id, case.deadline, case.status) == (record.id, "2024-05-03", followup.OPEN)
    listed = followup.items(demo_db, case.id)
    assert [(i["area"], i["problem"]) for i in listed] == [
        ("矿区环境", "排土场东侧约 2 亩未复绿"), ("矿区环境", "标识标牌缺失"), ("资源综合利用", "废石综合利用率偏低")]
    assert [i["measure"] for i in listed] == ["", "", ""]  # 2 measures for 3 problems: kept whole on the case
    assert case.measures.startswith("1. 补种")
    history = registry.history(demo_db, record.mine_id)
    assert "整改与移出：开始整改跟踪" in set(history["操作"])


def test_a_keep_record_opens_no_case_and_a_case_opens_once(demo_db, campaign) -> None:
    submit(demo_db, campaign, drawn(demo_db, campaign)[0])
    assert demo_db.execute("SELECT COUNT(*) FROM rectifications").fetchone()[0] == 0
    record = submit(demo_db, campaign, drawn(demo_db, campaign)[1], **RECTIFY)
    inspections.amend(demo_db, record.id, {"remarks": "补充"}, "补充说明", record.version, ACTOR)
    assert demo_db.execute("SELECT COUNT(*) FROM rectifications").fetchone()[0] == 1


def test_deadline_passes_and_the_case_shows_overdue(demo_db, campaign) -> None:
    submit(demo_db, campaign, drawn(demo_db, campaign)[0], **RECTIFY)
    case = only_case(demo_db)
    assert case.shown_status(date(2024, 3, 1)) == followup.OPEN
    assert case.shown_status(date(2024, 4, 20)) == followup.DUE_SOON
    assert case.shown_status(date(2024, 5, 4)) == followup.OVERDUE
    assert followup.attention(demo_db, date(2024, 5, 4)) == {"open": 1, "due_soon": 0, "overdue": 1, "removals": 0}
    with pytest.raises(FollowUpError, match="尚未逾期"):
        followup.propose_overdue(demo_db, case.id, date(2024, 5, 3), ACTOR)
    followup.propose_overdue(demo_db, case.id, date(2024, 5, 4), ACTOR)
    assert only_case(demo_db).status == followup.FAILED
    [removal] = followup.removals(demo_db).to_dict("records")
    assert removal["source"] == followup.FROM_OVERDUE


def test_materials_then_a_passing_recheck_closes_the_case(demo_db, campaign) -> None:
    submit(demo_db, campaign, drawn(demo_db, campaign)[0], **RECTIFY)
    case = only_case(demo_db)
    followup.add_step(demo_db, case.id, followup.SENT, date(2024, 3, 1), "", "报送整改报告和复绿照片", ACTOR,
                      files=[Upload(b"%PDF-1.4 report", "整改报告.pdf"), Upload(make_photo(), "复绿.jpg", "东侧边坡")])
    assert only_case(demo_db).status == followup.MATERIALS
    with pytest.raises(FollowUpError, match="未标记为已完成"):
        followup.add_step(demo_db, case.id, followup.SITE, date(2024, 3, 10), "张三、李四", "现场查看", ACTOR, passed=True)
    for item in followup.items(demo_db, case.id):
        followup.complete_item(demo_db, item["id"], True, "现场核实", ACTOR)
    followup.add_step(demo_db, case.id, followup.SITE, date(2024, 3, 10), "张三、李四", "已复绿，标牌齐全", ACTOR, passed=True,
                      files=[Upload(make_photo(seed=3), "复核.jpg")])
    closed = only_case(demo_db)
    assert closed.status == followup.PASSED and closed.closed_at
    assert closed.shown_status(date(2025, 1, 1)) == followup.PASSED  # closed cases are never overdue
    recorded = followup.steps(demo_db, case.id)
    assert [s["kind"] for s in recorded] == [followup.SENT, followup.SITE]
    assert [f["kind"] for f in recorded[0]["files"]] == ["文件", "照片"]
    assert (followup.files_root() / "originals").is_dir()
    with pytest.raises(FollowUpError, match="复核通过"):
        followup.complete_item(demo_db, followup.items(demo_db, case.id)[0]["id"], False, "", ACTOR)


def test_a_bad_file_is_refused_before_anything_is_written(demo_db, campaign) -> None:
    submit(demo_db, campaign, drawn(demo_db, campaign)[0], **RECTIFY)
    case = only_case(demo_db)
    with pytest.raises(FollowUpError, match="内容与扩展名"):
        followup.add_step(demo_db, case.id, followup.SENT, date(2024, 3, 1), "", "报告", ACTOR,
                          files=[Upload(b"not a pdf", "整改报告.pdf")])
    assert followup.steps(demo_db, case.id) == [] and only_case(demo_db).status == followup.OPEN


def test_a_failed_recheck_opens_a_removal_and_a_provincial_mine_leaves_the_register(demo_db, campaign) -> None:
    provincial = drawn(demo_db, campaign, "省级")[0]
    submit(demo_db, campaign, provincial, **RECTIFY)
    case = only_case(demo_db)
    followup.add_step(demo_db, case.id, followup.DESK, date(2024, 5, 1), "", "未见整改材料", ACTOR, passed=False)
    [removal] = followup.removals(demo_db).to_dict("records")
    assert (removal["status"], removal["source"]) == (followup.PENDING, followup.FROM_FAILED)
    assert registry.get_mine(demo_db, provincial)["status"] == STATUS_LISTED
    followup.approve_removal(demo_db, removal["id"], date(2024, 6, 1), "鄂自然资函〔2024〕12号", "整改逾期未完成",
                             removal["version"], ACTOR)
    mine = registry.get_mine(demo_db, provincial)
    assert (mine["status"], mine["removed_date"]) == (STATUS_REMOVED, "2024-06-01")
    assert "鄂自然资函〔2024〕12号" in mine["removed_reason"]
    # The next campaign's draw leaves it out.
    later = campaigns.create(demo_db, 2024, "2024年度", date(2024, 11, 30), sampling.Rules(), [], ACTOR)
    frozen = campaigns.freeze(demo_db, later, ACTOR)
    assert mine["licence_no"] not in frozen["snapshot"]
    # It can come back only with a reason, kept in its history.
    with pytest.raises(registry.RegistryError):
        followup.restore(demo_db, provincial, " ", ACTOR)
    followup.restore(demo_db, provincial, "复议后撤销移出决定", ACTOR)
    assert registry.get_mine(demo_db, provincial)["status"] == STATUS_LISTED
    assert "复议后撤销移出决定" in set(registry.history(demo_db, provincial)["说明"])


def test_a_national_mine_stays_listed_until_the_ministry_decides(demo_db, campaign) -> None:
    national = drawn(demo_db, campaign, "国家级")[0]
    submit(demo_db, campaign, national, conclusion="移出", removal_reason="存在重大安全事故")
    [removal] = followup.removals(demo_db).to_dict("records")
    assert (removal["status"], removal["source"]) == (followup.TO_MINISTRY, followup.FROM_RECORD)
    with pytest.raises(FollowUpError, match="不能进行此操作"):
        followup.approve_removal(demo_db, removal["id"], date(2024, 1, 5), "鄂自然资函", "x", removal["version"], ACTOR)
    [proposed] = removal_proposal.proposals(demo_db, campaign)
    assert (proposed.licence_no, proposed.source) == (removal["licence_no"], followup.FROM_RECORD)
    followup.mark_reported(demo_db, [removal["id"]], date(2024, 1, 10), ACTOR)
    assert registry.get_mine(demo_db, national)["status"] == STATUS_LISTED
    current = followup.get_removal(demo_db, removal["id"])
    followup.record_decision(demo_db, removal["id"], True, "自然资源部公告2024年第8号", date(2024, 3, 1), current["version"],
                             ACTOR)
    mine = registry.get_mine(demo_db, national)
    assert mine["status"] == STATUS_REMOVED and "自然资源部公告2024年第8号" in mine["removed_reason"]
    assert removal_proposal.proposals(demo_db, campaign) == []


def test_an_open_case_flags_the_mine_in_the_next_campaigns_draw(demo_db, campaign) -> None:
    mine_id = drawn(demo_db, campaign)[0]
    submit(demo_db, campaign, mine_id, **RECTIFY)
    demo_db.execute("UPDATE mines SET flag_rectify = 0 WHERE id = ?", [mine_id])
    later = campaigns.create(demo_db, 2024, "2024年度", date(2024, 11, 30), sampling.Rules(), [], ACTOR)
    frozen = campaigns.freeze(demo_db, later, ACTOR)
    assert registry.get_mine(demo_db, mine_id)["flag_rectify"] == 1
    licence = registry.get_mine(demo_db, mine_id)["licence_no"]
    confirmed = campaigns.confirm(demo_db, frozen["id"], "见证 2024", ACTOR, "湖北省")
    [chosen] = [s for s in confirmed["selections"] if s["licence_no"] == licence]  # certainty stratum: always drawn
    assert "回头看" in chosen["category"] or "整改" in chosen["category"]
    assert "标记回头看整改要求" in set(registry.history(demo_db, mine_id)["操作"])


def test_a_closed_case_does_not_flag_the_mine(demo_db, campaign) -> None:
    mine_id = drawn(demo_db, campaign)[0]
    submit(demo_db, campaign, mine_id, **RECTIFY)
    case = only_case(demo_db)
    for item in followup.items(demo_db, case.id):
        followup.complete_item(demo_db, item["id"], True, "", ACTOR)
    followup.add_step(demo_db, case.id, followup.DESK, date(2024, 3, 1), "", "材料齐全", ACTOR, passed=True)
    demo_db.execute("UPDATE mines SET flag_rectify = 0 WHERE id = ?", [mine_id])
    later = campaigns.create(demo_db, 2024, "2024年度", date(2024, 11, 30), sampling.Rules(), [], ACTOR)
    campaigns.freeze(demo_db, later, ACTOR)
    assert registry.get_mine(demo_db, mine_id)["flag_rectify"] == 0


def test_items_are_split_by_lines_semicolons_and_numbers() -> None:
    assert followup.split_items("（1）排土场未复绿；（2）标牌缺失\n3. 道路扬尘") == ["排土场未复绿", "标牌缺失", "道路扬尘"]
    assert followup.split_items("") == []
    assert followup.split_items("一处问题。") == ["一处问题"]


def test_overdue_is_counted_on_the_day_asked(demo_db, campaign) -> None:
    submit(demo_db, campaign, drawn(demo_db, campaign)[0], **RECTIFY)
    today = date(2024, 5, 3)
    assert followup.attention(demo_db, today)["overdue"] == 0
    assert followup.attention(demo_db, today + timedelta(days=1))["overdue"] == 1
    assert set(followup.status_by_licence(demo_db, today + timedelta(days=1)).values()) == {followup.OVERDUE}


def test_the_data_check_covers_the_files_of_the_follow_up(tmp_path) -> None:
    from core import backup, config
    from core import db as dbmod
    database = dbmod.connect(config.db_path())
    demo.load_demo(database, mines=60)
    campaign = demo.start_campaign(database)
    submit(database, campaign, drawn(database, campaign)[0], **RECTIFY)
    case = only_case(database)
    followup.add_step(database, case.id, followup.SENT, date(2024, 3, 1), "", "整改报告", ACTOR,
                      files=[Upload(b"%PDF-1.4 report", "整改报告.pdf")])
    assert backup.check_data(config.db_path(), config.data_dir()).ok
    [stored] = (followup.files_root() / "originals").rglob("*.pdf")
    stored.write_bytes(b"%PDF-1.4 changed")
    report = backup.check_data(config.db_path(), config.data_dir())
    assert not report.ok and any("整改跟踪中的“整改报告.pdf”" in e for e in report.errors)
    database.close()


def test_records_submitted_before_the_follow_up_get_their_cases_once(demo_db, campaign) -> None:
    submit(demo_db, campaign, drawn(demo_db, campaign)[0], **RECTIFY)
    submit(demo_db, campaign, drawn(demo_db, campaign, "省级")[0], conclusion="移出", removal_reason="存在重大安全事故")
    for table in ("rectification_items", "rectifications", "removals"):
        demo_db.execute(f"DELETE FROM {table}")  # as in a database from before the follow-up
    assert followup.open_missing(demo_db, System("系统")) == 2
    assert followup.open_missing(demo_db, System("系统")) == 0
    assert len(followup.cases(demo_db, date(2024, 1, 1))) == 1 and len(followup.removals(demo_db)) == 1


def test_the_map_colours_the_followed_up_mines(demo_db, campaign) -> None:
    from core import maps
    submit(demo_db, campaign, drawn(demo_db, campaign)[0], **RECTIFY)
    mines = registry.list_mines(demo_db, registry.Filters(), registry.LIST_COLUMNS)
    mines["followup"] = mines["licence_no"].map(followup.status_by_licence(demo_db, date(2024, 5, 4)))
    points = maps.point_rows(mines, "整改跟踪")
    legend = {entry.label: entry.count for entry in points.legend}
    assert legend[followup.OVERDUE] == 1 and legend[maps.NO_CASE] == len(points.rows) - 1
    assert any("整改：逾期" in line for line in points.details)


# --- what may be published --------------------------------------------------------------------------

@pytest.mark.parametrize("conclusion, level, status, source, shown", [
    ("保留", "国家级", None, None, "保留"),
    ("移出", "国家级", None, None, followup.AWAITS_MINISTRY),  # a record whose case is not opened yet
    ("移出", "国家级", followup.TO_MINISTRY, followup.FROM_RECORD, "拟移出，待自然资源部确定"),
    ("移出", "国家级", followup.REPORTED, followup.FROM_RECORD, "拟移出，待自然资源部确定"),
    ("移出", "国家级", followup.REMOVED, followup.FROM_RECORD, "移出"),
    ("移出", "国家级", followup.KEPT, followup.FROM_RECORD, "保留（自然资源部决定不予移出）"),
    ("移出", "市级", followup.PENDING, followup.FROM_RECORD, "拟移出，待省级审定"),
    ("移出", "省级", followup.REMOVED, followup.FROM_RECORD, "移出"),
    ("移出", "县级", followup.KEPT, followup.FROM_RECORD, "保留（经省级审定不予移出）"),
    ("整改", "省级", None, None, "整改"),
    ("整改", "省级", followup.PENDING, followup.FROM_FAILED, "整改（整改复核未通过，拟移出，待省级审定）"),
    ("整改", "国家级", followup.REPORTED, followup.FROM_OVERDUE, "整改（整改逾期未完成，拟移出，待自然资源部确定）"),
    ("整改", "国家级", followup.REMOVED, followup.FROM_OVERDUE, "移出（整改逾期未完成）"),
    ("整改", "省级", followup.KEPT, followup.FROM_FAILED, "整改"),
])
def test_a_removal_is_published_as_removed_only_once_decided(conclusion, level, status, source, shown) -> None:
    removal = None if status is None else {"status": status, "source": source}
    published = followup.public_conclusion(conclusion, level, removal)
    assert published == shown
    if status in followup.REMOVAL_OPEN or (conclusion == "移出" and status is None):
        assert not published.startswith("移出") and "拟移出" in published


def test_the_public_conclusions_follow_the_cases_of_the_campaign(demo_db, campaign) -> None:
    national, other_national = drawn(demo_db, campaign, "国家级")[:2]
    provincial, rectified = drawn(demo_db, campaign, "省级")[:2]
    licence = {mine_id: registry.get_mine(demo_db, mine_id)["licence_no"]
               for mine_id in (national, other_national, provincial, rectified)}
    submit(demo_db, campaign, national, conclusion="移出", removal_reason="存在重大安全事故")
    submit(demo_db, campaign, provincial, conclusion="移出", removal_reason="存在重大安全事故")
    submit(demo_db, campaign, rectified, **RECTIFY)
    published = followup.public_conclusions(demo_db, campaign)
    assert set(published) == {r[0] for r in demo_db.execute(
        "SELECT licence_no FROM campaign_mines WHERE draw_id = ?", [campaign.current_draw_id])}
    assert published[licence[national]] == "拟移出，待自然资源部确定"
    assert published[licence[provincial]] == "拟移出，待省级审定"
    assert published[licence[rectified]] == "整改"
    assert published[licence[other_national]] == followup.NOT_CHECKED
    assert "移出" not in published.values()
    by_mine = {r["licence_no"]: r for r in followup.removals(demo_db).to_dict("records")}
    followup.mark_reported(demo_db, [by_mine[licence[national]]["id"]], date(2024, 1, 10), ACTOR)
    assert followup.public_conclusions(demo_db, campaign)[licence[national]] == "拟移出，待自然资源部确定"
    current = followup.get_removal(demo_db, by_mine[licence[national]]["id"])
    followup.record_decision(demo_db, current["id"], True, "自然资源部公告2024年第8号", date(2024, 3, 1),
                             current["version"], ACTOR)
    pending = followup.get_removal(demo_db, by_mine[licence[provincial]]["id"])
    followup.approve_removal(demo_db, pending["id"], date(2024, 2, 1), "鄂自然资函〔2024〕12号", "存在重大安全事故",
                             pending["version"], ACTOR)
    published = followup.public_conclusions(demo_db, campaign)
    assert (published[licence[national]], published[licence[provincial]]) == ("移出", "移出")


def test_a_failed_recheck_is_published_as_pending_removal(demo_db, campaign) -> None:
    provincial = drawn(demo_db, campaign, "省级")[0]
    submit(demo_db, campaign, provincial, **RECTIFY)
    case = only_case(demo_db)
    followup.add_step(demo_db, case.id, followup.DESK, date(2024, 5, 1), "", "未见整改材料", ACTOR, passed=False)
    licence = registry.get_mine(demo_db, provincial)["licence_no"]
    assert followup.public_conclusions(demo_db, campaign)[licence] == "整改（整改复核未通过，拟移出，待省级审定）"


def test_the_situation_of_a_removal_is_one_of_the_grounds(demo_db, campaign) -> None:
    national = drawn(demo_db, campaign, "国家级")[0]
    submit(demo_db, campaign, national, conclusion="移出", removal_reason="存在重大安全事故")
    [removal] = followup.removals(demo_db).to_dict("records")
    grounds = ["第一种情形", "第二种情形"]
    with pytest.raises(FollowUpError, match="不在移出情形列表中"):
        followup.set_situation(demo_db, removal["id"], "自拟的情形", grounds, removal["version"], ACTOR)
    assert followup.get_removal(demo_db, removal["id"])["reason"] == "存在重大安全事故"
    followup.set_situation(demo_db, removal["id"], "第二种情形", grounds, removal["version"], ACTOR)
    assert followup.get_removal(demo_db, removal["id"])["reason"] == "第二种情形"
    assert any("存在重大安全事故 → 第二种情形" in note for note in registry.history(demo_db, national)["说明"])
    with pytest.raises(FollowUpError, match="已被他人修改"):
        followup.set_situation(demo_db, removal["id"], "第一种情形", grounds, removal["version"], ACTOR)
