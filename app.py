"""绿矿核查 — the router and the frame around every page.

Run with ``streamlit run app.py`` (the README's first command does it for you).
"""

import streamlit as st

import ui

st.set_page_config(page_title="绿矿核查", page_icon=str(ui.ICON), layout="wide")

database = ui.db()

navigation = st.navigation({
    "概况": [
        st.Page("pages/overview.py", title="总览", default=True, url_path="overview"),
    ],
    "名录库": [
        st.Page("pages/register.py", title="绿色矿山名录", url_path="register"),
        st.Page("pages/map.py", title="矿山分布图", url_path="map"),
        st.Page("pages/register_import.py", title="名录导入与导出", url_path="import"),
    ],
    "核查": [
        st.Page("pages/sampling.py", title="抽取核查矿山与核查组", url_path="sampling"),
        st.Page("pages/inspections.py", title="现场核查记录", url_path="inspections"),
        st.Page("pages/reports.py", title="核查结果与报告", url_path="reports"),
        st.Page("pages/inspectors.py", title="核查人员名录", url_path="inspectors"),
    ],
    "系统": [
        st.Page("pages/settings.py", title="设置", url_path="settings"),
        st.Page("pages/audit.py", title="审计日志", url_path="audit"),
    ],
})
ui.frame(database)
navigation.run()
