"""The overview's figures of a campaign: how many mines the ratio requires, how many the draw took (and
why: priority categories included in full or by their own ratio, the rest at random), how many records
are submitted, and the campaign's basis as the overview cites it."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlite_utils import Database

from core import campaigns, inspections, sampling
from core.labels import SUBMITTED

@dataclass(frozen=True)
class CampaignFigures:
    ratio: float  # the campaign's sampling ratio, e.g. 0.2
    required: int  # 按比例至少应抽查: each level's mines in scope × ratio, rounded up, summed
    drawn: int  # mines the current draw took (0 before the draw)
    priority: int  # 重点核查（全部纳入）
    priority_ratio: int  # 重点核查（按比例抽取）
    random: int  # 随机抽取
    submitted: int  # drawn mines with a submitted record


def campaign_figures(db: Database, campaign: campaigns.Campaign) -> CampaignFigures:
    """The figures of ``campaign``, from its confirmed draw record (before the draw: the rules' preview)."""
    draw = campaigns.current_draw(db, campaign)
    record = json.loads(draw["record"]) if draw and draw["record"] else None
    if record is None:
        required = int(campaigns.strata_table(db, campaign)["按比例至少抽取"].sum())
        return CampaignFigures(campaign.rules.ratio, required, 0, 0, 0, 0, 0)
    reasons = [s["reason"] for s in record["selections"]]
    records = inspections.campaign_records(db, campaign)
    return CampaignFigures(
        ratio=float(record["rules"]["ratio"]),
        required=sum(level["required"] for level in record["levels"].values()),
        drawn=len(reasons),
        priority=reasons.count(sampling.REASON_PRIORITY),
        priority_ratio=reasons.count(sampling.REASON_PRIORITY_RATIO),
        random=reasons.count(sampling.REASON_RANDOM),
        submitted=int((records["record_status"] == SUBMITTED).sum()) if not records.empty else 0,
    )


def explanation(figures: CampaignFigures) -> str:
    """One sentence that says how the drawn number came about and what progress counts."""
    percent = f"{figures.ratio * 100:g}%"
    required = f"按比例至少应抽查 {figures.required} 座（各入库级别纳入范围的矿山数 × {percent}，向上取整后相加）；"
    if not figures.drawn:
        return required + "尚未抽取。"
    priority = figures.priority + figures.priority_ratio
    split = f"全部纳入 {figures.priority} 座、按类别比例 {figures.priority_ratio} 座"
    if figures.random:
        how = (f"其中重点核查 {priority} 座（{split}），其余 {figures.random} 座随机抽取，共抽取 {figures.drawn} 座；"
               if priority else f"全部 {figures.drawn} 座随机抽取；")
    else:
        how = f"重点核查 {priority} 座（{split}）已达到或超过按比例应抽数，没有随机抽取的部分，共抽取 {figures.drawn} 座；"
    return required + how + f"进度按抽取的 {figures.drawn} 座计，已提交核查记录 {figures.submitted} 座。"


def basis(campaign: campaigns.Campaign | None) -> str:
    """What the overview's subtitle cites: the campaign's own basis documents, exactly as recorded (none is
    composed from the year), and its ratio."""
    if campaign is None:
        return "尚无已抽取的核查任务，以下为名录库概况。"
    ratio = f"核查比例不低于 {campaign.rules.ratio * 100:g}%"
    if not campaign.basis:
        return f"{campaign.title}（{ratio}；核查依据文件尚未填写，请在“抽取核查矿山 → 任务设置”中选择）"
    return f"依据{'、'.join(campaigns.citation(d) for d in campaign.basis)}，{campaign.title}（{ratio}）"
