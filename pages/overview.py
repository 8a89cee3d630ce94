"""总览: where the register and the current campaign stand, at one glance."""

from datetime import date

import streamlit as st
from streamlit_folium import st_folium

import ui
from core import basemap, followup, inspections, maps, overview, regions, registry
from core.exports import chinese_date
from core.labels import LEVELS, STATUS_LISTED
from ui.text import plain

database = ui.db()
here = ui.province(database)

# On a phone the figures wrap two or three to a row instead of one per row (only on this page).
st.html("""<style>
@media (max-width: 640px) {
  [class*="st-key-overview_figures"] [data-testid="stHorizontalBlock"] { flex-wrap: wrap; gap: .5rem; }
  [class*="st-key-overview_figures"] [data-testid="stColumn"] {
      flex: 1 1 calc(33% - .5rem) !important; min-width: calc(33% - .5rem) !important;
      width: calc(33% - .5rem) !important; }
  [class*="st-key-overview_figures"] [data-testid="stMetricValue"] { font-size: 1.4rem; }
}
</style>""")

campaign = inspections.current_campaign(database)
st.title(f"{here.name}绿色矿山实地抽查核查")
st.caption(plain(overview.basis(campaign)))

summary = registry.summary(database)
if summary["listed"] == 0:
    st.info("名录库中还没有矿山。第一步：导入本省的绿色矿山名录（或在“设置”中载入演示数据）。")
    ui.page_link("pages/register_import.py", label="去导入名录")
    st.stop()

with st.container(key="overview_figures_register"):
    cols = st.columns(5)
    cols[0].metric("在册绿色矿山", f"{summary['listed']} 座", help=f"另有已移出 {summary['removed']} 座")
    for column, level in zip(cols[1:], LEVELS):
        column.metric(level, summary["by_level"].get(level, 0))
    cols = st.columns(3)
    cols[0].metric("重点核查：露天开采", summary["open_pit"])
    cols[1].metric("重点核查：有问题线索反映", summary["problem"])
    cols[2].metric("重点核查：“回头看”提出整改要求", summary["rectify"])

if campaign is not None:
    st.subheader(plain(campaign.title))
    figures = overview.campaign_figures(database, campaign)
    by_city = inspections.progress_by_prefecture(database, campaign)
    progress = by_city[list(inspections.PROGRESS)].sum()
    days = (campaign.deadline - date.today()).days
    with st.container(key="overview_figures_campaign"):
        cols = st.columns(3)
        cols[0].metric("按比例至少应抽查", f"{figures.required} 座")
        cols[1].metric("已抽取", f"{figures.drawn} 座",
                       help=f"重点核查全部纳入 {figures.priority} 座，按比例 {figures.priority_ratio} 座，"
                            f"随机抽取 {figures.random} 座")
        cols[2].metric("已提交核查记录", f"{figures.submitted} 座")
    st.caption(plain(overview.explanation(figures)))
    st.progress(figures.submitted / figures.drawn if figures.drawn else 0.0,
                text=f"已提交核查记录 {figures.submitted}/{figures.drawn} 座 · 完成时限{chinese_date(campaign.deadline)}，"
                     + (f"还有 {days} 天" if days >= 0 else f"已超过 {-days} 天"))
    with st.container(key="overview_figures_progress"):
        cols = st.columns(len(inspections.PROGRESS))
        for column, label in zip(cols, inspections.PROGRESS):
            column.metric(label, int(progress.get(label, 0)))
    with st.expander("各市（州）核查进度（完成率低的在前）", expanded=figures.submitted < figures.drawn):
        st.dataframe(by_city, hide_index=True, width="stretch",
                     column_config={"完成率": st.column_config.ProgressColumn(format="percent", min_value=0, max_value=1)})
    ui.page_link("pages/inspections.py", label="打开现场核查记录")

attention = followup.attention(database, date.today())
if any(attention.values()):
    st.subheader("整改与移出")
    with st.container(key="overview_figures_followup"):
        cols = st.columns(4)
        cols[0].metric("整改中", attention["open"])
        cols[1].metric(f"{followup.DUE_SOON_DAYS} 天内到期", attention["due_soon"])
        cols[2].metric("逾期", attention["overdue"])
        cols[3].metric("待处理的移出", attention["removals"])
    if attention["overdue"]:
        st.warning(f"有 {attention['overdue']} 座矿山整改逾期。逾期未整改的，按规定应提出移出。")
    ui.page_link("pages/followup.py", label="打开整改与移出")

by_prefecture = registry.by_prefecture(database)
height = max(320, 26 * len(by_prefecture) + 90)  # one readable label per prefecture
chart, where = st.columns([1, 1])
with chart:
    st.subheader("各市（州）在册矿山")
    ranked = by_prefecture.sort_values("合计", ascending=False)
    ranked.index = ranked["市（州）"].map(regions.short_name)
    st.bar_chart(ranked[list(LEVELS)], horizontal=True, height=height, sort=False, stack=True,
                 color=list(maps.PALETTES["入库级别"].values()), x_label="", y_label="在册矿山（座）")
with where:
    st.subheader("分布")
    dimension = "入库级别" if campaign is None else "核查进度"
    points = ui.map_points(database, registry.Filters(statuses=[STATUS_LISTED]), dimension)
    fmap = maps.build_map(points, dimension, basemap.load(database), here, basemap.load_boundary(), height=height)
    st_folium(fmap, height=height, use_container_width=True, returned_objects=[], key="overview_map")

with st.expander("各市（州）在册矿山明细"):
    st.dataframe(by_prefecture, hide_index=True, width="stretch")
ui.page_link("pages/register.py", label="打开绿色矿山名录")
ui.page_link("pages/map.py", label="打开矿山分布图")
