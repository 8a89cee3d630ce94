"""The demo campaign's records read like real ones: findings that fit the mine, varied 核查方式 and
意见建议, removals on a ground of the removal list, and a chronology that could have happened."""

from __future__ import annotations

import json
from datetime import date

import pytest

from core import demo, inspections
from core.labels import AREAS, KEEP, METHODS, RECTIFY, REMOVE, SUBMITTED

OPEN, UNDER, BOTH = METHODS
TODAY = date(2026, 11, 10)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The demo register of 400 mines and its campaign (built once: it takes a few seconds)."""
    import os

    from core import db as dbmod
    os.environ["GREENMINE_DATA_DIR"] = str(tmp_path_factory.mktemp("demo-records"))
    database = dbmod.connect(":memory:")
    demo.load_demo(database)
    campaign = demo.demo_campaign(database, today=TODAY)
    records = [dict(r, content=json.loads(r["content"])) for r in database.query(
        "SELECT r.*, m.method, m.mineral FROM records r JOIN mines m ON m.id = r.mine_id ORDER BY r.id")]
    yield database, campaign, records
    database.close()


def text_of(content: dict) -> str:
    return json.dumps(content, ensure_ascii=False)


def test_findings_fit_the_mining_method(built) -> None:
    _, _, records = built
    underground = [r for r in records if r["method"] == UNDER]
    open_pit = [r for r in records if r["method"] == OPEN]
    assert underground and open_pit
    assert not [r for r in underground if "排土场" in text_of(r["content"]) or "台阶" in text_of(r["content"])]
    assert not [r for r in open_pit if "矿井水" in text_of(r["content"]) or "井下" in text_of(r["content"])]
    quarries = [r for r in records if r["mineral"] in demo.STONE]
    assert not [r for r in quarries if "尾矿" in text_of(r["content"]) or "选矿" in text_of(r["content"])]


def test_how_each_area_was_checked_varies(built) -> None:
    _, _, records = built
    for index in range(len(AREAS)):
        ways = {r["content"][inspections.area_key(index, "checked")] for r in records}
        assert len(ways) > 5, AREAS[index]
    assert all(len({r["content"][inspections.area_key(i, "checked")] for i in range(len(AREAS))}) == len(AREAS)
               for r in records if r["status"] == SUBMITTED)


def test_opinions_fit_the_conclusion_and_vary(built) -> None:
    _, _, records = built
    submitted = [r["content"] for r in records if r["status"] == SUBMITTED]
    opinions = [c["opinions"] for c in submitted]
    assert len(set(opinions)) > len(opinions) / 2
    for content in submitted:
        problems = content["main_problems"].split("；") if content["main_problems"] else []
        if content["conclusion"] == RECTIFY:
            assert problems and problems[0] in content["opinions"]
            assert "整改" in content["opinions"]
        if content["conclusion"] == KEEP and not problems:
            assert "整改" not in content["opinions"] and "移出" not in content["opinions"]
        if content["conclusion"] == REMOVE:
            assert "移出" in content["opinions"] and content["removal_reason"] in content["opinions"]


def test_removals_rest_on_a_ground_of_the_list_and_a_fact_that_fits_it(built) -> None:
    database, _, records = built
    reasons = inspections.removal_reasons()
    removals = [r for r in records if r["content"].get("conclusion") == REMOVE]
    assert removals
    for record in removals:
        content = record["content"]
        demand = database.execute("SELECT rectify_demand FROM mines WHERE id = ?", [record["mine_id"]]).fetchone()[0]
        assert content["removal_reason"] in reasons
        assert content["removal_reason"] != "实地核查明显不符合绿色矿山标准要求"
        case = next(c for c in demo.REMOVAL_CASES if demo.removal_ground([content["removal_reason"]], c))
        assert case.fact(content["removal_reason"], demand) in content["main_problems"]
        if case.needs_demand:
            assert demand and demand in content["main_problems"]
        if case.legality:
            assert content[case.legality] == "否" and content[f"{case.legality}_note"]
        assert content["compliant"] == "否"


def test_without_a_fitting_ground_there_is_no_removal() -> None:
    import random
    mine = {"method": OPEN, "mineral": "建筑用花岗岩"}
    plan = lambda seed, reasons, **extra: demo._plan_content(random.Random(seed), {**mine, **extra}, date(2026, 11, 2),
                                                             date(2026, 11, 3), reasons, False)
    assert {plan(seed, ["其他情形"])["conclusion"] for seed in range(200)} == {KEEP, RECTIFY}
    # Not rectified within 6 months: only a mine that was told to rectify before.
    unrectified = ["被查实不符合要求，且未能在6个月内完成整改的"]
    assert REMOVE not in {plan(seed, unrectified)["conclusion"] for seed in range(200)}
    told = [plan(seed, unrectified, rectify_demand="排土场边坡未完成复绿") for seed in range(200)]
    removed = [c for c in told if c["conclusion"] == REMOVE]
    assert removed and all("排土场边坡未完成复绿" in c["main_problems"] for c in removed)
    assert demo.removal_ground(["资源枯竭关闭", "采矿许可证到期注销"], demo.REMOVAL_CASES[1]) == "采矿许可证到期注销"


def test_the_chronology_could_have_happened(built) -> None:
    database, campaign, records = built
    first, last = inspections.inspection_window(database, campaign)
    confirmed = database.execute("SELECT confirmed_at FROM draws WHERE id = ?", [campaign.current_draw_id]).fetchone()[0]
    assert first.isoformat() == confirmed[:10]
    for record in records:
        content = record["content"]
        assert confirmed[:10] < content["date_from"] <= content["date_to"] < TODAY.isoformat()
        assert content["date_to"] <= campaign.deadline.isoformat()
        assert confirmed < record["created_at"]
    for signature in database.query(
            "SELECT s.*, r.content, r.submitted_at FROM record_signatures s JOIN records r ON r.id = s.record_id"):
        assert signature["signed_at"][:10] == json.loads(signature["content"])["date_to"]
        assert signature["signed_at"] < signature["submitted_at"]
        assert signature["proxy_by"] == ""  # every member confirmed for themself


def test_every_submitted_record_has_photos_of_the_key_areas_taken_on_its_days(built) -> None:
    database, campaign, records = built
    for record in records:
        if record["status"] != SUBMITTED:
            continue
        assert inspections.missing_photo_areas(database, inspections.get(database, record["id"])) == []
        for photo in database.query("SELECT taken_at FROM evidence WHERE record_id = ?", [record["id"]]):
            assert record["content"]["date_from"] <= photo["taken_at"][:10] <= record["content"]["date_to"]
