"""矿山分布图: the register on an offline map, coloured by a chosen dimension; click a mine for its details."""

import streamlit as st
from streamlit_folium import st_folium

import ui
from core import basemap, maps, registry
from ui import mine_form

database = ui.db()
here = ui.province(database)

st.title("绿色矿山分布图")

if registry.count_mines(database) == 0:
    st.info("名录库中还没有矿山，地图上暂无内容。请先导入名录，或在“设置”中载入演示数据。")
    ui.page_link("pages/register_import.py", label="去导入名录")
    st.stop()

filters = ui.register_filters(database, key="map")
dimension = st.segmented_control("着色依据", maps.DIMENSIONS, default=maps.DIMENSIONS[0], key="map_dimension") \
    or maps.DIMENSIONS[0]
points = ui.map_points(database, filters, dimension)
st.caption(f"地图上显示 {len(points.rows)} 座矿山"
           + (f"；另有 {points.missing} 座未填经纬度，不在图上" if points.missing else "")
           + "。放大后显示单个矿山，点击矿山在右侧查看详情。")

@st.fragment
def map_panel(points: maps.MapPoints, dimension: str) -> None:
    """The map and the clicked mine's details; a click reruns only this part of the page."""
    # Built afresh on every run: re-rendering a folium map object changes its script, which would
    # make the component reload (and lose the user's zoom) on every click.
    fmap = maps.build_map(points, dimension, basemap.load(database), here, basemap.load_boundary())
    left, right = st.columns([3, 1])
    with left:
        clicked = st_folium(fmap, height=620, use_container_width=True, key="mine_map",
                            returned_objects=["last_object_clicked_tooltip"])
    licence = maps.clicked_licence((clicked or {}).get("last_object_clicked_tooltip"))
    mine = registry.get_by_licence(database, licence) if licence else None
    with right:
        if mine is None:
            st.info("点击地图上的矿山，在这里查看它的名录信息。")
        else:
            mine_form.summary(mine)


map_panel(points, dimension)

if st.toggle("显示地图上的矿山列表", key="map_list"):
    ui.mine_table(registry.list_mines(database, filters, registry.LIST_COLUMNS), key="map_table")
