"""Logging in and out: the login form, the first administrator, the forced password change, session
expiry, and the user box in the sidebar. Accounts and sessions themselves are :mod:`core.accounts`.

A login survives a page reload: the session's token is kept in the Streamlit session and in a cookie
of the browser (no expiry date, so it goes when the browser closes); the server accepts it only while
the session is not ended, idle or made stale by a password change."""

from __future__ import annotations

import json

import streamlit as st
from sqlite_utils import Database

from core import accounts, settings
from core.access import Denied, User
from ui.text import plain

COOKIE = "lvkuang_session"
LOGIN = "_login"  # session_state: the session's token
PENDING_COOKIE = "_cookie"  # session_state: the cookie value this session writes ("" clears it)
PAGES = "_pages"  # session_state: the page files the router offers this user
USER = "_user"  # session_state: the User of this run, set by the router through current_user()


def session_for(database: Database, user: User) -> str:
    """A new session of ``user``: its token (also how tests log a session in)."""
    return accounts.start_session(database, user)


def _begin(database: Database, user: User) -> None:
    token = session_for(database, user)
    st.session_state[LOGIN] = token
    st.session_state[PENDING_COOKIE] = token


def session_minutes(database: Database) -> int:
    return int(settings.get(database, "session_minutes") or accounts.SESSION_MINUTES)


def current_user(database: Database) -> User | None:
    """The logged-in user of this session (or of the browser's cookie, after a reload), or None:
    never logged in, logged out, idle too long, account stopped or password changed (the reason
    is shown on the login page)."""
    st.session_state[USER] = None
    cookie = st.context.cookies.get(COOKIE)
    token = st.session_state.get(LOGIN) or (cookie if isinstance(cookie, str) else None)  # AppTest has no cookies
    if not token:
        return None
    try:
        user = accounts.resume_session(database, token, session_minutes(database))
    except accounts.SessionEnded as ended:
        if st.session_state.pop(LOGIN, None) or str(ended) != "请登录。":
            st.session_state.setdefault("_login_message", str(ended))  # a refused write may have said more
        st.session_state[PENDING_COOKIE] = ""
        return None
    st.session_state[LOGIN] = token
    st.session_state[USER] = user
    return user


def acting_user(database: Database) -> User:
    """The user of this session as the database has it now, or :class:`access.Denied`."""
    token = st.session_state.get(LOGIN)
    if not token:
        raise Denied("未登录或登录已失效，本次操作没有执行，请重新登录。")
    try:
        return accounts.resume_session(database, token, session_minutes(database))
    except accounts.SessionEnded as ended:
        st.session_state.setdefault("_login_message", f"{ended}刚才的操作没有执行。")
        raise Denied(f"{ended}本次操作没有执行。") from None


def write_cookie() -> None:
    """Write (or clear) the browser's session cookie once a login or logout asked for it, on every run
    after: a run cut short (the first page after a login switches to the role's page at once) can take
    its script away before the browser ran it, and a reload would then find no cookie."""
    value = st.session_state.get(PENDING_COOKIE)
    if value is None:
        return
    expiry = "" if value else "; expires=Thu, 01 Jan 1970 00:00:00 GMT"
    secure = "; Secure" if served_over_https() else ""
    st.html(f"<script>document.cookie = {json.dumps(f'{COOKIE}={value}; path=/; SameSite=Strict{secure}{expiry}')};</script>",
            unsafe_allow_javascript=True)


def served_over_https() -> bool:
    """Whether the browser reached the app over HTTPS (directly or through the reverse proxy, which says
    so in ``X-Forwarded-Proto``): the session cookie is then sent over HTTPS only (``Secure``)."""
    return _text(st.context.url).startswith("https://") or _header("X-Forwarded-Proto").lower() == "https"


def _header(name: str) -> str:
    return _text(st.context.headers.get(name))


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""  # AppTest's context gives mocks


LOOPBACK = ("127.0.0.1", "::1", "localhost")


def client_address() -> str:
    """The address a login comes from, against which its failures are counted: the browser's, or —
    when the connection comes from this server itself, i.e. from the reverse proxy — the address the
    proxy forwards (``X-Real-IP``, else the last entry of ``X-Forwarded-For``)."""
    direct = _text(st.context.ip_address) or "127.0.0.1"  # Streamlit gives None for localhost
    if direct not in LOOPBACK:
        return direct
    forwarded = _header("X-Real-IP") or _header("X-Forwarded-For").split(",")[-1]
    return forwarded.strip()[:64] or direct


def logout(database: Database, user: User) -> None:
    accounts.end_session(database, st.session_state.get(LOGIN) or "", user)
    st.session_state.clear()
    st.session_state[PENDING_COOKIE] = ""
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
        st.info(plain(message))
    with st.form("login"):
        st.subheader("登录")
        username = st.text_input("账号", key="login_username", autocomplete="username")
        password = st.text_input("密码", type="password", key="login_password", autocomplete="current-password")
        submitted = st.form_submit_button("登录", type="primary")
    if submitted:
        try:
            user = accounts.authenticate(database, username, password, client=client_address())
        except accounts.LoginFailed as exc:
            st.error(plain(exc))
        else:
            _begin(database, user)
            st.rerun()
    _single_sign_on(database)
    st.caption("忘记密码、账号已停用或登录失败次数过多，请联系本单位的系统管理员。")


def _single_sign_on(database: Database) -> None:
    """Login through the intranet identity provider (OIDC), when ``[auth]`` is configured in
    ``.streamlit/secrets.toml``; the identity is mapped to a local account by its e-mail."""
    if not sso_configured():
        return
    if st.user.get("is_logged_in"):
        try:
            user = accounts.sso_login(database, st.user.get("email") or st.user.get("sub") or "")
        except accounts.LoginFailed as exc:
            st.error(plain(exc))
            st.button("退出统一身份认证", on_click=st.logout)
            return
        _begin(database, user)
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
        _set_password(database, password, again, lambda: accounts.create_first_admin(database, username, name, password))


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
        def change() -> User:
            accounts.change_password(database, user, old, new)
            return user

        _set_password(database, new, again, change, "密码已修改。")


def _set_password(database: Database, password: str, again: str, write, done: str = "") -> None:
    """Check the password was typed twice alike, ``write()`` it (returns the user), then log in anew: a new
    password ends every earlier session, this one too."""
    if password != again:
        st.error("两次输入的密码不一致。")
        return
    try:
        user = write()
    except accounts.AccountError as exc:
        st.error(plain(exc))
        return
    _begin(database, user)
    if done:
        st.session_state["_flash"] = done
    st.rerun()


def sidebar(database: Database, user: User) -> None:
    with st.sidebar:
        st.caption(f"当前用户：{plain(user.name)}（{user.role}）")
        if st.button("退出登录", key="logout"):
            logout(database, user)
            st.rerun()


def denied_page(user: User, title: str, pages: list[tuple]):
    """A page for an address the user's role may not open: says so, and links to the pages it may."""

    def page() -> None:
        st.title(title)
        st.warning(f"您的账号（{plain(user.name)}，角色：{user.role}）无权打开“{title}”。"
                   "如需使用，请联系本单位的系统管理员调整角色。")
        st.write("您可以打开：")
        for _, path, label, *_ in pages:
            st.page_link(path, label=label)

    return page
