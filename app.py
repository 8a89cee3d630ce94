"""绿矿核查 — the router and the frame around every page.

Run with ``streamlit run app.py`` (the README's first command does it for you). A session nobody has
logged into sees only the login page; a logged-in user sees the pages their role grants
(:mod:`core.access`), and the functions those pages call check the role again before they write.
"""

import streamlit as st

import ui
from core import access, accounts
from ui import auth

st.set_page_config(page_title="绿矿核查", page_icon=str(ui.ICON), layout="wide")

database = ui.db()

# section, page file, title, url path, what the role must hold to see it
PAGES = [
    ("概况", "pages/overview.py", "总览", "overview", access.OVERVIEW),
    ("名录库", "pages/register.py", "绿色矿山名录", "register", access.REGISTER),
    ("名录库", "pages/map.py", "矿山分布图", "map", access.OVERVIEW),
    ("名录库", "pages/register_import.py", "名录导入与导出", "import", access.REGISTER),
    ("核查", "pages/sampling.py", "抽取核查矿山与核查组", "sampling", access.CAMPAIGNS),
    ("核查", "pages/inspections.py", "现场核查记录", "inspections", access.RECORDS),
    ("核查", "pages/reports.py", "核查结果与报告", "reports", access.REPORTS),
    ("核查", "pages/followup.py", "整改与移出", "followup", access.FOLLOW_UP),
    ("核查", "pages/inspectors.py", "核查人员名录", "inspectors", access.INSPECTORS),
    ("系统", "pages/accounts.py", "账号管理", "accounts", access.ACCOUNTS),
    ("系统", "pages/settings.py", "设置", "settings", access.SETTINGS),
    ("系统", "pages/audit.py", "审计日志", "audit", access.AUDIT),
    ("系统", "pages/account.py", "我的账号", "account", None),
]

user = auth.current_user(database)
auth.write_cookie()
if user is None:
    # Every address leads to the login form (not to "page not found"); after the login, to the home page.
    navigation = st.navigation([st.Page(auth.login_page, title="登录", url_path="login", default=True)] + [
        st.Page(auth.login_page, title="登录", url_path=url) for *_, url, _ in PAGES], position="hidden")
    ui.frame(database)
    ui.run_page(navigation)
elif accounts.must_change_password(database, user.id):
    ui.frame(database)
    auth.sidebar(database, user)
    def forced_change() -> None:
        auth.password_form(database, user, forced=True)

    # Every address leads to the forced password change first; then to the page that was asked for.
    navigation = st.navigation([st.Page(forced_change, title="修改密码", url_path="password", default=True)] + [
        st.Page(forced_change, title="修改密码", url_path=url) for *_, url, _ in PAGES], position="hidden")
    ui.run_page(navigation)
else:
    # Every page has its own address for every role (the links people send): a page the role may not open
    # answers in Chinese instead of Streamlit's English "page not found". The menu is drawn by the frame, so
    # the navigation itself stays hidden; the home address leads to the role's first page.
    allowed = [page for page in PAGES if page[4] is None or access.may(user, page[4])]
    routes = [st.Page(lambda: st.switch_page(allowed[0][1]), title="首页", url_path="home", default=True)]
    for page in PAGES:
        _, path, title, url, _ = page
        routes.append(st.Page(path, title=title, url_path=url) if page in allowed
                      else st.Page(auth.denied_page(user, title, allowed), title=title, url_path=url))
    navigation = st.navigation(routes, position="hidden")
    st.session_state[auth.PAGES] = {path for _, path, *_ in allowed}
    ui.frame(database, allowed)
    auth.sidebar(database, user)
    ui.run_page(navigation)
