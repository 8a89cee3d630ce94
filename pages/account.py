"""我的账号: who is logged in, with which role; change one's own password; log out."""

import streamlit as st

import ui
from core.access import ROLE_HELP
from ui import auth
from ui.text import plain

database = ui.db()
user = ui.actor()

st.title("我的账号")
ui.show_flash()
st.write(f"**{plain(user.name)}**（账号 {plain(user.username)}） · 角色：{user.role}")
st.caption(ROLE_HELP[user.role])
st.subheader("修改密码")
auth.password_form(database, user)
st.subheader("退出")
if st.button("退出登录", key="account_logout"):
    auth.logout(database, user)
    st.rerun()
