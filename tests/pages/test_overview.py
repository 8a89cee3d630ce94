"""AppTest of the overview's campaign figures: required, drawn (with its split) and submitted side by side."""

from __future__ import annotations

from core import demo, inspections, overview
from tests.pages.conftest import shown, widget


def test_required_drawn_and_submitted_side_by_side(open_page, database) -> None:
    campaign = demo.demo_campaign(database)
    figures = overview.campaign_figures(database, campaign)
    at = open_page()
    assert widget(at.metric, "按比例至少应抽查").value == f"{figures.required} 座"
    assert widget(at.metric, "已抽取").value == f"{figures.drawn} 座"
    assert widget(at.metric, "已提交核查记录").value == f"{figures.submitted} 座"
    assert not [m for m in at.metric if m.label.startswith("按 20%")]
    captions = " ".join(shown(c.value) for c in at.caption)
    assert overview.explanation(figures) in captions
    assert f"其余 {figures.random} 座随机抽取" in captions
    # The demo's campaign is this year's: it cites the document it records (自然资规〔2024〕1号), not the 2023 notice.
    assert campaign.year != 2023 and "1017号" not in captions and "（自然资规〔2024〕1号）" in captions
    assert inspections.current_campaign(database).id == campaign.id
