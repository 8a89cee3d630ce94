"""Logging in and out: the login form, the first administrator, the forced password change, session
expiry, and the user box in the sidebar. Accounts themselves are :mod:`core.accounts`."""

from __future__ import annotations

from datetime import datetime

import streamlit as st
from sqlite_utils import Database

from core import accounts, audit, settings
from core.access import User

LOGIN = "_login"  # session_state: {"user_id", "since" (ISO), "seen" (ISO)}
PAGES = "_pages"  # session_state: the page files the router offers this user
USER = "_user"  # session_state: the User of this run, set by the router through current_user()


def session_for(user: User) -> dict:
    """What the session keeps of a login (also how tests log a session in)."""
    stamp = datetime.now().isoformat(timespec="seconds")
    return {"user_id": user.id, "since": stamp, "seen": stamp}


def session_minutes(database: Database) -> int:
    return int(settings.get(database, "session_minutes") or accounts.SESSION_MINUTES)


def current_user(database: Database) -> User | None:
    """The logged-in user of this session, or None (expired, logged out, account stopped or its
    password changed elsewhere: the reason is shown on the login page)."""
    st.session_state[USER] = None
    login = st.session_state.get(LOGIN)
    if not login:
        return None
    moment = datetime.now()
    state = accounts.session_state(database, login["user_id"], login["since"])
    user = accounts.get(database, login["user_id"])
    if state == "gone" or user is None:
        return _end("该账号已停用或不存在，请联系系统管理员。")
    if state == "password":
        return _end("密码已在别处修改或被管理员重置，请用新密码重新登录。")
    if accounts.expired(datetime.fromisoformat(login["seen"]), moment, session_minutes(database)):
        audit.log(database, user, "会话超时", user.username)
        return _end(f"超过 {session_minutes(database)} 分钟未操作，已自动退出，请重新登录。")
    login["seen"] = moment.isoformat(timespec="seconds")
    st.session_state[USER] = user
    return user


def _end(message: str) -> None:
    st.session_state.pop(LOGIN, None)
    st.session_state["_login_message"] = message


def logout(database: Database, user: User) -> None:
    accounts.logout(database, user)
    st.session_state.clear()
    st.session_state["_login_message"] = "已退出登录。"


def login_page() -> None:
    """The page shown to a session nobody has logged into (or, on the first start, the form that
    creates the first administrator)."""
    import ui  # the package imports this module

    database = ui.db()
    st.title("绿矿核查")
    st.caption(f"{ui.province(database).name} · 绿色矿山实地抽查核查")
    if accounts.needs_first_admin(database):
        _first_admin(database)
        return
    message = st.session_state.pop("_login_message", None)
    if message:
        st.info(message)
    with st.form("login"):
        st.subheader("登录")
        username = st.text_input("账号", key="login_username", autocomplete="username")
        password = st.text_input("密码", type="password", key="login_password", autocomplete="current-password")
        submitted = st.form_submit_button("登录", type="primary")
    if submitted:
        try:
            user = accounts.authenticate(database, username, password)
        except accounts.LoginFailed as exc:
            st.error(str(exc))
        else:
            st.session_state[LOGIN] = session_for(user)
            st.session_state.pop("login_password", None)
            st.rerun()
    _single_sign_on(database)
    st.caption("忘记密码或账号被锁定，请联系本单位的系统管理员。")


def _single_sign_on(database: Database) -> None:
    """Login through the intranet identity provider (OIDC), when ``[auth]`` is configured in
    ``.streamlit/secrets.toml``; the identity is mapped to a local account by its e-mail."""
    if not sso_configured():
        return
    if st.user.is_logged_in:
        try:
            user = accounts.sso_login(database, st.user.get("email") or st.user.get("sub") or "")
        except accounts.LoginFailed as exc:
            st.error(str(exc))
            st.button("退出统一身份认证", on_click=st.logout)
            return
        st.session_state[LOGIN] = session_for(user)
        st.rerun()
    st.button("使用统一身份认证登录", on_click=st.login)


def sso_configured() -> bool:
    try:
        return "auth" in st.secrets
    except (FileNotFoundError, st.errors.StreamlitSecretNotFoundError):
        return False


def _first_admin(database: Database) -> None:
    st.subheader("首次启动：创建系统管理员")
    st.write("系统中还没有账号。请为本单位的系统管理员建立第一个账号；其他人员的账号由管理员在“账号管理”页建立。")
    with st.form("first_admin"):
        username = st.text_input("账号名", key="first_username", placeholder="字母或数字，如 admin")
        name = st.text_input("姓名", key="first_name")
        password = st.text_input("密码", type="password", key="first_password",
                                 help=f"至少 {accounts.MIN_PASSWORD} 位，同时包含字母和数字")
        again = st.text_input("再次输入密码", type="password", key="first_again")
        submitted = st.form_submit_button("创建管理员并登录", type="primary")
    if submitted:
        if password != again:
            st.error("两次输入的密码不一致。")
            return
        try:
            user = accounts.create_first_admin(database, username, name, password)
        except accounts.AccountError as exc:
            st.error(str(exc))
            return
        st.session_state[LOGIN] = session_for(user)
        st.rerun()


def password_form(database: Database, user: User, forced: bool = False) -> None:
    """Change one's own password (forced after an administrator set it)."""
    if forced:
        st.title("修改密码")
        st.warning("这是管理员为您设置的初始密码，请先修改为只有您知道的密码。")
    with st.form("change_password", clear_on_submit=True):
        old = st.text_input("当前密码", type="password", key="pw_old", autocomplete="current-password")
        new = st.text_input("新密码", type="password", key="pw_new", autocomplete="new-password",
                            help=f"至少 {accounts.MIN_PASSWORD} 位，同时包含字母和数字")
        again = st.text_input("再次输入新密码", type="password", key="pw_again", autocomplete="new-password")
        submitted = st.form_submit_button("修改密码", type="primary")
    if submitted:
        if new != again:
            st.error("两次输入的新密码不一致。")
            return
        try:
            accounts.change_password(database, user, old, new)
        except accounts.AccountError as exc:
            st.error(str(exc))
            return
        st.session_state[LOGIN] = session_for(user)
        st.session_state["_flash"] = "密码已修改。"
        st.rerun()


def sidebar(database: Database, user: User) -> None:
    with st.sidebar:
        st.caption(f"当前用户：{user.name}（{user.role}）")
        if st.button("退出登录", key="logout"):
            logout(database, user)
            st.rerun()
