"""core.campaigns: rules before the draw, freeze and commitment, the final draw, redraws, history."""

from __future__ import annotations

import json
import sqlite3
from datetime import date

import pytest

from core import campaigns, demo, registry, sampling
from core.campaigns import CampaignError
from core.sampling import Rules


@pytest.fixture
def campaign_id(demo_db) -> int:
    return campaigns.create(demo_db, 2023, "湖北省2023年度绿色矿山实地抽查核查", date(2023, 11, 30), Rules(), [], "组织者")


def draw_now(db, campaign_id: int, witness: str = "83721 45129") -> dict:
    frozen = campaigns.freeze(db, campaign_id, "组织者")
    return campaigns.confirm(db, frozen["id"], witness, "组织者", "湖北省")


def test_rules_are_checked(demo_db) -> None:
    with pytest.raises(CampaignError, match="抽查比例"):
        campaigns.create(demo_db, 2023, "任务", date(2023, 11, 30), Rules(ratio=0.05), [], "组织者")
    with pytest.raises(CampaignError, match="不低于总体比例"):
        campaigns.create(demo_db, 2023, "任务", date(2023, 11, 30),
                         Rules(ratio=0.3, policy={"露天开采": 0.2}), [], "组织者")


def test_freeze_commits_then_the_draw_is_recorded_and_verifies(demo_db, campaign_id) -> None:
    frozen = campaigns.freeze(demo_db, campaign_id, "组织者")
    assert frozen["commitment"] == sampling.commitment(frozen["nonce"])
    assert frozen["snapshot_sha256"] == sampling.snapshot_hash(json.loads(frozen["snapshot"]))
    data = campaigns.confirm(demo_db, frozen["id"], "福彩3D 第2023298期 5 6 1", "组织者", "湖北省")
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
        campaigns.freeze(demo_db, campaign_id, "组织者")
    frozen = campaigns.freeze(demo_db, campaign_id, "组织者", redraw_reason="名录中 3 座矿山级别填错，已更正")
    second = campaigns.confirm(demo_db, frozen["id"], "另一组见证数字 55 66", "组织者", "湖北省")
    rows = campaigns.draws(demo_db, campaign_id)
    assert [r["status"] for r in rows] == ["已确认", "已确认"]
    assert json.loads(rows[0]["record"]) == first and json.loads(rows[1]["record"]) == second
    assert campaigns.get(demo_db, campaign_id).current_draw_id == frozen["id"]
    assert "名录中 3 座矿山级别填错" in " ".join(campaigns.history(demo_db, campaign_id)["说明"])


def test_rules_cannot_change_while_frozen_and_a_freeze_can_be_discarded(demo_db, campaign_id) -> None:
    frozen = campaigns.freeze(demo_db, campaign_id, "组织者")
    campaign = campaigns.get(demo_db, campaign_id)
    with pytest.raises(CampaignError, match="已冻结"):
        campaigns.update_rules(demo_db, campaign_id, campaign.title, campaign.deadline, Rules(ratio=0.3), [],
                               campaign.version, "组织者")
    campaigns.discard(demo_db, frozen["id"], "名录需更正后再冻结", "组织者")
    campaigns.update_rules(demo_db, campaign_id, campaign.title, campaign.deadline, Rules(ratio=0.3), [],
                           campaign.version, "组织者")
    assert campaigns.get(demo_db, campaign_id).rules.ratio == 0.3


def test_ministry_direct_mines_are_out_of_scope(demo_db) -> None:
    national = [m["licence_no"] for m in campaigns.national_mines(demo_db)][:2]
    campaign_id = campaigns.create(demo_db, 2023, "任务", date(2023, 11, 30), Rules(), national, "组织者")
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
        campaign = campaigns.create(demo_db, 2024, "任务", date(2024, 11, 30), Rules(), [], "组织者")
        draw_now(demo_db, campaign)
        demo_db.execute("DELETE FROM draws")
