"""The overview's campaign figures: required by the ratio, drawn with its split, submitted; the basis."""

from __future__ import annotations

import json
from dataclasses import replace

from core import campaigns, demo, overview, sampling


def test_figures_come_from_the_draw_record(demo_db) -> None:
    campaign = demo.start_campaign(demo_db, 2023)
    figures = overview.campaign_figures(demo_db, campaign)
    record = json.loads(campaigns.current_draw(demo_db, campaign)["record"])
    reasons = [s["reason"] for s in record["selections"]]
    assert figures.required == sum(level["required"] for level in record["levels"].values())
    assert figures.drawn == len(reasons) == figures.priority + figures.priority_ratio + figures.random
    assert figures.priority == reasons.count(sampling.REASON_PRIORITY) > 0
    assert figures.priority_ratio == reasons.count(sampling.REASON_PRIORITY_RATIO) > 0
    assert figures.random == reasons.count(sampling.REASON_RANDOM) > 0
    assert figures.submitted == 0 and figures.ratio == 0.3
    # The demo's rules leave a random part (the draw takes the minimum, or a little more where a level's
    # priority mines exceed it), and the sentence says how.
    assert figures.required <= figures.drawn < figures.required * 1.2
    sentence = overview.explanation(figures)
    assert f"按比例至少应抽查 {figures.required} 座" in sentence and f"共抽取 {figures.drawn} 座" in sentence
    assert f"全部纳入 {figures.priority} 座" in sentence and f"其余 {figures.random} 座随机抽取" in sentence


def test_the_sentence_says_when_nothing_was_left_to_chance() -> None:
    figures = overview.CampaignFigures(0.2, 79, 297, 297, 0, 0, 0)
    sentence = overview.explanation(figures)
    assert "没有随机抽取的部分" in sentence and "随机抽取，共" not in sentence


def test_submitted_records_are_counted(demo_db) -> None:
    campaign = demo.demo_campaign(demo_db)
    figures = overview.campaign_figures(demo_db, campaign)
    submitted = demo_db.execute("SELECT COUNT(*) FROM records WHERE campaign_id = ? AND status = '已提交'",
                                [campaign.id]).fetchone()[0]
    assert 0 < figures.submitted == submitted < figures.drawn


def test_the_basis_cites_the_campaign_s_own_documents(demo_db) -> None:
    campaign = demo.start_campaign(demo_db, 2023)
    assert "《自然资源部办公厅关于开展2023年度绿色矿山实地抽查核查工作的通知》（自然资办函〔2023〕1017号）" in overview.basis(campaign)
    # A campaign of another year without documents cites none: no title is composed from the year.
    later = replace(campaign, year=2025, title="湖北省2025年度绿色矿山实地抽查核查", basis=[])
    text = overview.basis(later)
    assert "《" not in text and "尚未填写" in text and "30%" in text
    assert "1017号" not in overview.basis(None)
