"""core.campaigns: rules before the draw, freeze and commitment, the final draw, redraws, history."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, timedelta

import pytest

from core import access, audit, campaigns, demo, inspections, registry, sampling, teams
from core import db as dbmod
from core.access import System, User
from core.campaigns import CampaignError
from core.sampling import Rules


@pytest.fixture
def campaign_id(demo_db) -> int:
    return campaigns.create(demo_db, 2023, "湖北省2023年度绿色矿山实地抽查核查", date(2023, 11, 30), Rules(), [], System("组织者"))


def draw_now(db, campaign_id: int, witness: str = "83721 45129") -> dict:
    frozen = campaigns.freeze(db, campaign_id, System("组织者"))
    return campaigns.confirm(db, frozen["id"], witness, System("组织者"), "湖北省")


def test_rules_are_checked(demo_db) -> None:
    with pytest.raises(CampaignError, match="抽查比例"):
        campaigns.create(demo_db, 2023, "任务", date(2023, 11, 30), Rules(ratio=0.05), [], System("组织者"))
    with pytest.raises(CampaignError, match="1% 到 100%"):
        campaigns.create(demo_db, 2023, "任务", date(2023, 11, 30),
                         Rules(ratio=0.3, policy={"露天开采": 1.5}), [], System("组织者"))
    with pytest.raises(CampaignError, match="计为“露天开采”"):
        campaigns.create(demo_db, 2023, "任务", date(2023, 11, 30), Rules(open_pit_methods=()), [], System("组织者"))
    # A category's ratio below the overall one is a rule (露天开采 at 10 %, the rest of 30 % at random).
    campaigns.create(demo_db, 2023, "任务", date(2023, 11, 30), Rules(ratio=0.3, policy={"露天开采": 0.1}), [], System("组织者"))


def test_freeze_commits_then_the_draw_is_recorded_and_verifies(demo_db, campaign_id) -> None:
    frozen = campaigns.freeze(demo_db, campaign_id, System("组织者"))
    assert frozen["commitment"] == sampling.commitment(frozen["nonce"])
    assert frozen["snapshot_sha256"] == sampling.snapshot_hash(json.loads(frozen["snapshot"]))
    data = campaigns.confirm(demo_db, frozen["id"], "福彩3D 第2023298期 5 6 1", System("组织者"), "湖北省")
    assert sampling.verify(data) == []
    campaign = campaigns.get(demo_db, campaign_id)
    assert campaign.current_draw_id == frozen["id"]
    drawn = campaigns.drawn_mines(demo_db, campaign)
    assert set(drawn["licence_no"]) == {s["licence_no"] for s in data["selections"]}
    actions = list(campaigns.history(demo_db, campaign_id)["操作"])
    assert actions[:3] == ["抽取矿山", "冻结名录", "创建核查任务"]


def test_a_confirmed_draw_cannot_be_changed_or_deleted(demo_db, campaign_id) -> None:
    draw_now(demo_db, campaign_id)
    draw_id = campaigns.get(demo_db, campaign_id).current_draw_id
    for statement in (f"UPDATE draws SET seed = 'x' WHERE id = {draw_id}", f"DELETE FROM draws WHERE id = {draw_id}",
                      f"DELETE FROM campaign_mines WHERE draw_id = {draw_id}",
                      f"UPDATE campaign_mines SET reason = 'x' WHERE draw_id = {draw_id}"):
        with pytest.raises(sqlite3.IntegrityError, match="已确认的抽取结果"):
            demo_db.execute(statement)


def test_a_redraw_needs_a_reason_and_keeps_the_first(demo_db, campaign_id) -> None:
    first = draw_now(demo_db, campaign_id)
    with pytest.raises(CampaignError, match="书面理由"):
        campaigns.freeze(demo_db, campaign_id, System("组织者"))
    frozen = campaigns.freeze(demo_db, campaign_id, System("组织者"), redraw_reason="名录中 3 座矿山级别填错，已更正")
    second = campaigns.confirm(demo_db, frozen["id"], "另一组见证数字 55 66", System("组织者"), "湖北省")
    rows = campaigns.draws(demo_db, campaign_id)
    assert [r["status"] for r in rows] == ["已确认", "已确认"]
    assert json.loads(rows[0]["record"]) == first and json.loads(rows[1]["record"]) == second
    assert campaigns.get(demo_db, campaign_id).current_draw_id == frozen["id"]
    assert "名录中 3 座矿山级别填错" in " ".join(campaigns.history(demo_db, campaign_id)["说明"])


def test_rules_cannot_change_while_frozen_and_a_freeze_can_be_discarded(demo_db, campaign_id) -> None:
    frozen = campaigns.freeze(demo_db, campaign_id, System("组织者"))
    campaign = campaigns.get(demo_db, campaign_id)
    with pytest.raises(CampaignError, match="已冻结"):
        campaigns.update_rules(demo_db, campaign_id, campaign.title, campaign.deadline, Rules(ratio=0.3), [],
                               campaign.version, System("组织者"))
    campaigns.discard(demo_db, frozen["id"], "名录需更正后再冻结", System("组织者"))
    campaigns.update_rules(demo_db, campaign_id, campaign.title, campaign.deadline, Rules(ratio=0.3), [],
                           campaign.version, System("组织者"))
    assert campaigns.get(demo_db, campaign_id).rules.ratio == 0.3


def test_ministry_direct_mines_are_out_of_scope(demo_db) -> None:
    national = [m["licence_no"] for m in campaigns.national_mines(demo_db)][:2]
    campaign_id = campaigns.create(demo_db, 2023, "任务", date(2023, 11, 30), Rules(), national, System("组织者"))
    data = draw_now(demo_db, campaign_id)
    assert not set(national) & {row["licence_no"] for row in data["snapshot"]}
    assert data["meta"]["ministry_direct"] == sorted(national)


def test_removed_mines_are_not_drawn(demo_db, campaign_id) -> None:
    removed = {m["licence_no"] for m in demo_db.query("SELECT licence_no FROM mines WHERE status = '已移出'")}
    assert removed
    data = draw_now(demo_db, campaign_id)
    assert not removed & {row["licence_no"] for row in data["snapshot"]}


def test_strata_table_shows_the_counts_before_the_draw(demo_db, campaign_id) -> None:
    table = campaigns.strata_table(demo_db, campaigns.get(demo_db, campaign_id))
    listed = registry.counts_by_level(demo_db)
    assert dict(zip(table["入库级别"], table["在册（纳入范围）"])) == listed
    data = draw_now(demo_db, campaign_id)
    assert dict(zip(table["入库级别"], table["将抽取"])) == {k: v["drawn"] for k, v in data["levels"].items()}


def test_reset_to_demo_data_clears_final_draws_too(demo_db, campaign_id) -> None:
    draw_now(demo_db, campaign_id)
    demo.load_demo(demo_db, mines=30)
    assert campaigns.list_campaigns(demo_db) == []
    assert registry.count_mines(demo_db) == 30
    with pytest.raises(sqlite3.IntegrityError):  # the guards are back
        campaign = campaigns.create(demo_db, 2024, "任务", date(2024, 11, 30), Rules(), [], System("组织者"))
        draw_now(demo_db, campaign)
        demo_db.execute("DELETE FROM draws")


# --- year, title and deadline -------------------------------------------------------------------

THIS_YEAR = date.today().year


ORGANIZER = User(8, "zuzhi", "组织者", access.ORGANIZER)


def test_the_default_deadline_follows_the_year_and_is_never_past() -> None:
    assert campaigns.default_deadline(2030, today=date(2029, 5, 1)) == date(2030, 11, 30)
    assert campaigns.default_deadline(2029, today=date(2029, 5, 1)) == date(2029, 11, 30)
    assert campaigns.default_deadline(2029, today=date(2029, 12, 3)) == date(2030, 1, 2)


def test_a_person_cannot_set_a_deadline_in_the_past(demo_db) -> None:
    yesterday = date.today() - timedelta(days=1)
    with pytest.raises(CampaignError, match="完成时限.*已经过去"):
        campaigns.create(demo_db, THIS_YEAR, "任务", yesterday, Rules(), [], ORGANIZER)
    with pytest.raises(CampaignError, match="已经过去"):
        campaigns.create(demo_db, THIS_YEAR - 1, "任务", date(THIS_YEAR - 1, 11, 30), Rules(), [], ORGANIZER)
    with pytest.raises(CampaignError, match="早于任务年度"):
        campaigns.create(demo_db, THIS_YEAR + 1, "任务", date(THIS_YEAR, 12, 31), Rules(), [], ORGANIZER)
    assert campaigns.list_campaigns(demo_db) == []
    campaign_id = campaigns.create(demo_db, THIS_YEAR, "任务", campaigns.default_deadline(THIS_YEAR), Rules(), [],
                                   ORGANIZER)
    campaign = campaigns.get(demo_db, campaign_id)
    with pytest.raises(CampaignError, match="已经过去"):
        campaigns.update_rules(demo_db, campaign_id, "任务", yesterday, Rules(), [], campaign.version, ORGANIZER)
    later = date.today() + timedelta(days=60)
    campaigns.update_rules(demo_db, campaign_id, "任务", later, Rules(), [], campaign.version, ORGANIZER)
    assert campaigns.get(demo_db, campaign_id).deadline == later
    assert "完成时限" in campaigns.history(demo_db, campaign_id)["说明"].iloc[0]


def test_a_campaign_past_its_deadline_keeps_it_when_its_rules_change(demo_db, campaign_id) -> None:
    """Recorded from the command line (2023, due 2023-11-30): a person can still change its rules."""
    campaign = campaigns.get(demo_db, campaign_id)
    campaigns.update_rules(demo_db, campaign_id, campaign.title, campaign.deadline, Rules(ratio=0.3), [],
                           campaign.version, ORGANIZER)
    assert campaigns.get(demo_db, campaign_id).rules.ratio == 0.3


def test_titles_are_unique_in_a_year(demo_db, campaign_id) -> None:
    title = campaigns.get(demo_db, campaign_id).title
    with pytest.raises(CampaignError, match="2023年度已有名为“湖北省2023年度绿色矿山实地抽查核查”的核查任务"):
        campaigns.create(demo_db, 2023, f" {title} ", date(2023, 11, 30), Rules(), [], System("组织者"))
    other = campaigns.create(demo_db, 2023, "第二批", date(2023, 11, 30), Rules(), [], System("组织者"))
    with pytest.raises(CampaignError, match="已有名为"):
        campaigns.update_rules(demo_db, other, title, date(2023, 11, 30), Rules(), [], 1, System("组织者"))
    with pytest.raises(CampaignError, match="请填写任务名称"):
        campaigns.update_rules(demo_db, other, " ", date(2023, 11, 30), Rules(), [], 1, System("组织者"))
    campaigns.create(demo_db, 2024, title, date(2024, 11, 30), Rules(), [], System("组织者"))  # another year: allowed
    assert len(campaigns.list_campaigns(demo_db)) == 3


def test_duplicate_titles_of_an_older_database_are_told_apart(demo_db, campaign_id) -> None:
    campaign = campaigns.get(demo_db, campaign_id)
    demo_db.execute("INSERT INTO campaigns (year, title, deadline, rules, ministry_direct, created_at, updated_at) "
                    "SELECT year, title, deadline, rules, ministry_direct, created_at, updated_at FROM campaigns")
    twin = max(c.id for c in campaigns.list_campaigns(demo_db))
    draw_now(demo_db, campaign_id)
    labels = campaigns.choice_labels(demo_db, campaigns.list_campaigns(demo_db))
    assert labels[campaign_id] == f"{campaign.title}（编号 {campaign_id}，核查中，已过完成时限）"
    assert labels[twin] == f"{campaign.title}（编号 {twin}，未抽取）"
    # the twin's rules can be saved without renaming it; renaming it makes the titles unique again
    campaigns.update_rules(demo_db, twin, campaign.title, campaign.deadline, Rules(ratio=0.3), [], 1, System("组织者"))
    campaigns.update_rules(demo_db, twin, "第二批", campaign.deadline, Rules(ratio=0.3), [], 2, System("组织者"))
    assert campaigns.choice_labels(demo_db, [campaigns.get(demo_db, campaign_id)])[campaign_id] == f"{campaign.title}（核查中，已过完成时限）"


def test_the_year_can_change_before_the_draw(demo_db, campaign_id) -> None:
    campaigns.update_rules(demo_db, campaign_id, campaigns.default_title("湖北省", THIS_YEAR),
                           campaigns.default_deadline(THIS_YEAR), Rules(), [], 1, System("组织者"), year=THIS_YEAR)
    campaign = campaigns.get(demo_db, campaign_id)
    assert (campaign.year, campaign.title) == (THIS_YEAR, f"湖北省{THIS_YEAR}年度绿色矿山实地抽查核查")
    assert "年度 2023→" in campaigns.history(demo_db, campaign_id)["说明"].iloc[0]


# --- deleting a campaign created by mistake ------------------------------------------------------

def test_an_undrawn_campaign_is_deleted_with_its_reason_in_the_audit_trail(demo_db, campaign_id) -> None:
    with pytest.raises(CampaignError, match="删除理由"):
        campaigns.delete(demo_db, campaign_id, " ", System("组织者"))
    frozen = campaigns.freeze(demo_db, campaign_id, System("组织者"))
    with pytest.raises(CampaignError, match="请先作废冻结"):
        campaigns.delete(demo_db, campaign_id, "重复建立", System("组织者"))
    campaigns.discard(demo_db, frozen["id"], "名录有误", System("组织者"))
    campaigns.delete(demo_db, campaign_id, "与另一任务重复建立", System("组织者"))
    assert campaigns.list_campaigns(demo_db) == []
    assert demo_db.execute("SELECT COUNT(*) FROM draws").fetchone()[0] == 0
    entry = audit.entries(demo_db).iloc[0]
    assert entry["操作"] == "任务：删除核查任务" and "与另一任务重复建立" in entry["内容"]
    assert "湖北省2023年度绿色矿山实地抽查核查" in entry["内容"] and "作废冻结" in entry["内容"]
    assert audit.verify(demo_db).problems == []


def test_a_drawn_campaign_cannot_be_deleted(demo_db, campaign_id) -> None:
    draw_now(demo_db, campaign_id)
    with pytest.raises(CampaignError, match="已完成抽取.*不能删除"):
        campaigns.delete(demo_db, campaign_id, "不要了", System("组织者"))
    assert campaigns.get(demo_db, campaign_id).current_draw_id is not None


def test_only_an_organizer_may_delete(demo_db, campaign_id) -> None:
    viewer = User(9, "chakan", "督导", access.VIEWER)
    with pytest.raises(access.Denied, match="无权组织核查任务"):
        campaigns.delete(demo_db, campaign_id, "不要了", viewer)
    campaigns.delete(demo_db, campaign_id, "不要了", ORGANIZER)
    assert campaigns.list_campaigns(demo_db) == []


# --- the campaign in progress --------------------------------------------------------------------

def test_the_campaign_in_progress_for_each_user(tmp_path) -> None:
    """Two drawn campaigns on a database file: last year's, given until next June, with the teams; and
    this year's, due on its default deadline, without teams. Then a third, not drawn yet."""
    db = dbmod.connect(tmp_path / "greenmine.db")
    demo.load_demo(db, mines=60)
    older = campaigns.create(db, THIS_YEAR - 1, "去年的任务", date(THIS_YEAR + 1, 6, 30), Rules(), [], System("组织者"))
    draw_now(db, older)
    team_draw = teams.save_team_draw(db, campaigns.get(db, older), teams.TeamRules(teams=3), System("组织者"))
    newer = campaigns.create(db, THIS_YEAR, "今年的任务", campaigns.default_deadline(THIS_YEAR), Rules(), [], System("组织者"))
    draw_now(db, newer, "另一组见证")
    organizer = ORGANIZER
    member = teams.members(db, team_draw)[0]
    inspector = User(2, "hecha", member["name"], access.INSPECTOR, member["inspector_id"])
    outsider = User(3, "hecha9", "不在组", access.INSPECTOR, None)
    due = campaigns.get(db, newer).deadline

    assert campaigns.in_progress(db, organizer).id == newer  # not merely the newest: see below
    assert campaigns.in_progress(db, inspector).id == older  # where his team has mines
    assert campaigns.in_progress(db, outsider).id == newer
    assert inspections.current_campaign(db).id == newer
    # this year's deadline passed, last year's still running: last year's is the one in progress
    assert campaigns.in_progress(db, organizer, today=due + timedelta(days=1)).id == older
    # both past: the latest drawn
    assert campaigns.in_progress(db, organizer, today=date(THIS_YEAR + 2, 1, 1)).id == newer

    third = campaigns.create(db, THIS_YEAR, "今年第二批", campaigns.default_deadline(THIS_YEAR), Rules(), [], System("组织者"))
    assert campaigns.in_progress(db, organizer).id == newer  # not drawn: nothing to inspect yet
    assert campaigns.to_open_for_the_draw(db, organizer).id == third  # but its draw is the next step
    db.close()


def test_no_campaign_in_progress_without_a_draw(demo_db, campaign_id) -> None:
    assert campaigns.in_progress(demo_db, System("组织者")) is None
    assert campaigns.to_open_for_the_draw(demo_db, System("组织者")).id == campaign_id
