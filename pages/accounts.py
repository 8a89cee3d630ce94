"""账号管理: the administrator creates accounts, sets their role and inspector link, resets passwords,
unlocks and stops them. The role decides which pages a user sees and what core lets them write."""

import streamlit as st

import ui
from core import accounts, inspectors
from core.access import INSPECTOR, ROLE_HELP, ROLES
from core.db import now
from core.exports import chinese_time

database = ui.db()

st.title("账号管理")
st.caption("每个使用者一个账号。角色决定可见的页面和可做的操作，系统在每次写入时再次检查，"
           "核查员只能查看和填写本核查组的矿山。登录、登录失败和账号的每次修改都记入审计日志。")
ui.show_flash()

with st.expander("四种角色", expanded=False):
    st.table({"角色": list(ROLES), "可做的事": [ROLE_HELP[r] for r in ROLES]})

people = {p["id"]: p for p in inspectors.list_inspectors(database)}
table = accounts.users(database)
if table.empty:
    st.info("还没有账号。")
else:
    st.dataframe({
        "账号": table["username"], "姓名": table["name"], "角色": table["role"], "关联核查人员": table["inspector"],
        "统一身份认证标识": table["sso_subject"],
        "状态": ["已停用" if not a else (f"登录失败过多，等待至{chinese_time(locked)}" if locked > now() else "正常")
                 for a, locked in zip(table["active"], table["locked_until"])],
        "须改密码": table["must_change"].astype(bool), "最近登录": table["last_login_at"].map(chinese_time),
    }, hide_index=True, width="stretch", key="accounts_table")


def person_label(inspector_id):
    if inspector_id is None:
        return "（请选择）"
    person = people[inspector_id]
    return f"{person['name']}（{person['unit']}）"


st.subheader("新建账号")
c1, c2, c3 = st.columns(3)
username = c1.text_input("账号名", key="new_username", placeholder="字母或数字，如姓名的拼音")
name = c2.text_input("姓名", key="new_name")
role = c3.selectbox("角色", ROLES, index=ROLES.index(INSPECTOR), key="new_role", help="；".join(
    f"{r}：{ROLE_HELP[r]}" for r in ROLES))
linked = None
if role == INSPECTOR:
    if not people:
        st.warning("核查人员名录为空。请先在“核查人员名录”页导入核查人员，再为其建立核查员账号。")
    linked = st.selectbox("关联核查人员名录中的人员", [None, *people], format_func=person_label, key="new_inspector",
                          help="核查员只能看到和填写其所在核查组抽到的矿山。")
c1, c2 = st.columns(2)
password = c1.text_input("初始密码", type="password", key="new_password",
                         help=f"至少 {accounts.MIN_PASSWORD} 位，同时包含字母和数字；本人首次登录时须修改。")
sso = c2.text_input("统一身份认证标识（可选）", key="new_sso", placeholder="内网统一身份认证的邮箱，未启用可留空")
if st.button("建立账号", type="primary", key="new_create"):
    ui.write_then_rerun(
        lambda: accounts.create_user(database, username, name or (people[linked]["name"] if linked else ""), role,
                                     password, ui.actor(), inspector_id=linked, sso_subject=sso.strip() or None),
        f"已建立账号 {username.strip()}（{role}），请把初始密码当面告知本人。", accounts.AccountError)

if not table.empty:
    st.subheader("修改账号")
    by_id = {row["id"]: row for row in table.to_dict("records")}
    chosen = st.selectbox("选择账号", list(by_id), key="edit_pick",
                          format_func=lambda i: f"{by_id[i]['username']}（{by_id[i]['name']}，{by_id[i]['role']}）")
    current = by_id[chosen]
    k = f"edit_{chosen}"
    c1, c2, c3 = st.columns(3)
    new_name = c1.text_input("姓名", current["name"], key=f"{k}_name")
    new_role = c2.selectbox("角色", ROLES, index=ROLES.index(current["role"]), key=f"{k}_role")
    active = c3.checkbox("允许登录", bool(current["active"]), key=f"{k}_active")
    new_linked = None
    if new_role == INSPECTOR:
        choices = [None, *people]
        new_linked = st.selectbox("关联核查人员", choices, format_func=person_label, key=f"{k}_inspector",
                                  index=choices.index(current["inspector_id"]) if current["inspector_id"] in people else 0)
    new_sso = st.text_input("统一身份认证标识（可选）", current["sso_subject"], key=f"{k}_sso")
    if st.button("保存修改", key=f"{k}_save", type="primary"):
        ui.write_then_rerun(
            lambda: accounts.update_user(database, chosen, ui.actor(), name=new_name, role=new_role,
                                         inspector_id=new_linked, active=active, sso_subject=new_sso),
            f"已保存账号 {current['username']} 的修改。", accounts.AccountError)
    c1, c2 = st.columns([2, 1])
    reset = c1.text_input("新的初始密码", type="password", key=f"{k}_reset",
                          help="重置后本人须在下次登录时修改；账号同时解除锁定。")
    c2.write("")
    if c2.button("重置密码", key=f"{k}_reset_btn"):
        ui.write_then_rerun(lambda: accounts.reset_password(database, chosen, reset, ui.actor()),
                            f"已重置 {current['username']} 的密码，本人下次登录时须修改。", accounts.AccountError)
    if current["locked_until"] > now() and st.button("解除锁定", key=f"{k}_unlock"):
        ui.write_then_rerun(lambda: accounts.unlock(database, chosen, ui.actor()),
                            f"已解除 {current['username']} 的锁定。", accounts.AccountError)
