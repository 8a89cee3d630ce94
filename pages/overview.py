"""总览: where the register stands (the campaign's progress joins here once campaigns exist)."""

import streamlit as st

import ui
from core import registry
from core.labels import LEVELS

database = ui.db()
here = ui.province(database)

st.title(f"{here.name}绿色矿山实地抽查核查")
st.caption("依据《自然资源部办公厅关于开展2023年度绿色矿山实地抽查核查工作的通知》（自然资办函〔2023〕1017号）")

summary = registry.summary(database)
if summary["listed"] == 0:
    st.info("名录库中还没有矿山。第一步：导入本省的绿色矿山名录（或在“设置”中载入演示数据）。")
    st.page_link("pages/register_import.py", label="去导入名录")
    st.stop()

st.subheader("名录库")
cols = st.columns(5)
cols[0].metric("在册绿色矿山", f"{summary['listed']} 座", help=f"另有已移出 {summary['removed']} 座")
for column, level in zip(cols[1:], LEVELS):
    column.metric(level, summary["by_level"].get(level, 0))

st.subheader("重点核查对象")
cols = st.columns(3)
cols[0].metric("露天开采", summary["open_pit"])
cols[1].metric("有问题线索反映", summary["problem"])
cols[2].metric("“回头看”提出整改要求", summary["rectify"])
st.caption("通知要求：对露天开采、有问题线索反映、“回头看”提出整改要求的绿色矿山开展重点核查；核查比例不低于 20%。")

st.subheader("各市（州）在册矿山")
st.dataframe(registry.by_prefecture(database), hide_index=True, width="stretch")
st.page_link("pages/register.py", label="打开绿色矿山名录")
