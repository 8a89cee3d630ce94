"""绿色矿山名录: filter and search the register, open a mine, edit it, see its history, mark it removed."""

import streamlit as st

import ui
from core import registry
from ui import mine_form
from ui.text import plain

database = ui.db()
here = ui.province(database)

st.title("绿色矿山名录库")
ui.show_flash()

total = registry.count_mines(database)
if total == 0:
    st.info("名录库中还没有矿山。请先导入本省的绿色矿山名录，或在“设置”中载入演示数据。")
    ui.page_link("pages/register_import.py", label="去导入名录")
    ui.page_link("pages/settings.py", label="去设置页载入演示数据")
    st.stop()

filters = ui.register_filters(database)
mines = registry.list_mines(database, filters, registry.LIST_COLUMNS)

counts = mines["level"].value_counts()
metrics = st.columns(5)
metrics[0].metric("符合条件的矿山", f"{len(mines)} 座", help=f"名录库共 {total} 座（含已移出）")
for column, level in zip(metrics[1:], ("国家级", "省级", "市级", "县级")):
    column.metric(level, int(counts.get(level, 0)))

if mines.empty:
    st.info("没有符合条件的矿山。请放宽筛选条件，或清空搜索框。")
    st.stop()

st.caption("点击表格左侧的选择框打开矿山；搜索结果只有一座矿山时自动打开。")
event = ui.mine_table(mines, key="register_table", selectable=True)

selected_rows = event.selection.rows if event else []
if selected_rows:
    st.session_state["selected_mine"] = int(mines.iloc[selected_rows[0]]["id"])
elif len(mines) == 1:
    st.session_state["selected_mine"] = int(mines.iloc[0]["id"])

with st.expander("添加矿山"):
    mine_form.edit_form(database, None)

mine = registry.get_mine(database, st.session_state["selected_mine"]) if "selected_mine" in st.session_state else None
if mine is None:
    st.stop()

st.subheader(plain(mine["name"]))
info, edit, log, status = st.tabs(["基本信息", "编辑", "修改记录", "移出名录" if mine["status"] == "在册" else "恢复在册"])
with info:
    mine_form.facts(mine)
with edit:
    mine_form.edit_form(database, mine)
with log:
    mine_form.history(database, mine)
with status:
    mine_form.status_actions(database, mine)
