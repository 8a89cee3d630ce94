"""AppTest of logging in, the pages each role is offered, the accounts page and an inspector's scope."""

from __future__ import annotations

from datetime import datetime, timedelta

from streamlit.testing.v1 import AppTest

from core import accounts, audit, demo, inspections, teams
from core.access import ADMIN, INSPECTOR, ORGANIZER, VIEWER, System
from tests.pages.conftest import APP, PASSWORD, account, button, logged_in
from ui import auth


def logged_out() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception, at.exception
    return at


def log_in(at: AppTest, username: str, password: str) -> AppTest:
    at.text_input(key="login_username").input(username)
    at.text_input(key="login_password").input(password)
    return button(at, "登录").click().run()


def test_the_first_start_asks_for_an_administrator(empty_database) -> None:
    at = logged_out()
    assert [s.value for s in at.subheader] == ["首次启动：创建系统管理员"]
    at.text_input(key="first_username").input("admin")
    at.text_input(key="first_name").input("王管理")
    at.text_input(key="first_password").input("guanli12345")
    at.text_input(key="first_again").input("guanli12345")
    button(at, "创建管理员并登录").click().run()
    assert not at.exception, at.exception
    assert at.session_state[auth.USER].role == ADMIN
    assert "pages/accounts.py" in at.session_state[auth.PAGES]


def test_a_wrong_password_is_refused_then_the_right_one_logs_in(database) -> None:
    account(ORGANIZER)
    at = log_in(logged_out(), "zuzhi", "wrong-1234")
    assert any("账号或密码不正确" in e.value for e in at.error)
    assert at.session_state[auth.USER] is None
    at = log_in(at, "zuzhi", PASSWORD)
    assert not at.exception and at.session_state[auth.USER].username == "zuzhi"
    assert at.title[0].value.endswith("绿色矿山实地抽查核查")  # the overview
    rows = audit.entries(database)
    assert list(rows["操作"][:2]) == [audit.LOGIN, audit.LOGIN_FAILED]


def test_each_role_is_offered_its_pages(database) -> None:
    offered = {}
    for role in (ADMIN, ORGANIZER, VIEWER):
        at = AppTest.from_file(APP, default_timeout=60)
        at.session_state[auth.LOGIN] = logged_in(account(role))
        at.run()
        offered[role] = at.session_state[auth.PAGES]
    assert offered[VIEWER] == {"pages/overview.py", "pages/map.py", "pages/account.py"}
    assert "pages/accounts.py" in offered[ADMIN] and "pages/register.py" not in offered[ADMIN]
    assert {"pages/register.py", "pages/sampling.py", "pages/reports.py"} <= offered[ORGANIZER]
    assert "pages/accounts.py" not in offered[ORGANIZER] and "pages/settings.py" not in offered[ORGANIZER]


def test_an_idle_session_expires(database) -> None:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state[auth.LOGIN] = logged_in(account())
    an_hour_ago = (datetime.now() - timedelta(hours=1)).isoformat(timespec="seconds")
    database.execute("UPDATE user_sessions SET seen_at = ?", [an_hour_ago])
    database.conn.commit()
    at.run()
    assert at.session_state[auth.USER] is None
    assert any("已自动退出" in i.value for i in at.info)


def test_logout(open_page, database) -> None:
    at = open_page("pages/account.py")
    assert "测试组织者" in at.markdown[0].value
    button(at, "退出登录").click().run()
    assert auth.LOGIN not in at.session_state
    assert audit.entries(database).iloc[0]["操作"] == accounts.LOGOUT


def test_a_password_set_by_the_administrator_must_be_changed_first(open_page, database) -> None:
    user_id = accounts.create_user(database, "lisi", "李四", VIEWER, "chushi12345", System("测试"))
    at = log_in(logged_out(), "lisi", "chushi12345")
    assert at.title[0].value == "修改密码"
    at.text_input(key="pw_old").input("chushi12345")
    at.text_input(key="pw_new").input("ziji54321x")
    at.text_input(key="pw_again").input("ziji54321x")
    button(at, "修改密码").click().run()
    assert not at.exception, at.exception
    assert not accounts.must_change_password(database, user_id)
    assert at.title[0].value.endswith("绿色矿山实地抽查核查")  # the overview


def test_the_administrator_creates_an_inspector_account(open_page, database) -> None:
    at = open_page("pages/accounts.py", account(ADMIN))
    at.text_input(key="new_username").input("wangwu")
    at.selectbox(key="new_role").set_value(INSPECTOR).run()
    person = at.selectbox(key="new_inspector").options[1]
    at.selectbox(key="new_inspector").select_index(1)
    at.text_input(key="new_password").input("chushi12345")
    button(at, "建立账号").click().run()
    assert not at.exception, at.exception
    created = database.execute("SELECT name, role, inspector_id FROM users WHERE username = 'wangwu'").fetchone()
    assert created[1] == INSPECTOR and created[0] == person.split("（")[0] and created[2] is not None


def test_an_inspector_sees_only_their_teams_mines(open_page, database) -> None:
    campaign = demo.start_campaign(database)
    members = teams.members(database, teams.latest_team_draw_id(database, campaign))
    mine = next(m for m in members if m["team_no"] == 2)
    at = open_page("pages/inspections.py", account(INSPECTOR, inspector_id=mine["inspector_id"]))
    assert at.selectbox(key="rec_scope").options == ["第2组（组长 " + next(
        m["name"] for m in members if m["team_no"] == 2 and m["role"] == teams.LEADER) + "）"]
    listed = at.dataframe[0].value
    all_records = inspections.campaign_records(database, campaign)
    assert set(listed["矿山名称"]) == set(all_records[all_records["team_no"] == 2]["name"])
    assert len(listed) < len(all_records)
    assert not any(name in set(listed["矿山名称"]) for name in all_records[all_records["team_no"] != 2]["name"])
    assert "pages/register.py" not in at.session_state[auth.PAGES]


def test_a_write_after_the_idle_limit_is_refused_not_saved(open_page, database) -> None:
    campaign = demo.start_campaign(database)
    first = inspections.campaign_records(database, campaign).iloc[0]
    at = open_page("pages/inspections.py")
    at.selectbox(key="rec_mine").set_value(int(first["id"])).run()
    at.session_state["rec_tabs"] = "结论与处理"
    at.run()
    record = inspections.find(database, campaign.id, int(first["id"]))
    an_hour_ago = (datetime.now() - timedelta(hours=1)).isoformat(timespec="seconds")
    database.execute("UPDATE user_sessions SET seen_at = ?", [an_hour_ago])
    database.conn.commit()
    at.text_area(key=f"r{record.id}g0_opinions").set_value("离开一小时后有人输入").run()
    # The router then shows the login page with this message (AppTest runs the page file without the router).
    assert "超过 30 分钟未操作" in at.session_state["_login_message"]
    assert "刚才的操作没有执行" in at.session_state["_login_message"]
    assert inspections.get(database, record.id).content["opinions"] == ""


def test_single_sign_on_is_offered_only_when_configured(database) -> None:
    account(ORGANIZER)
    assert "使用统一身份认证登录" not in [b.label for b in logged_out().button]
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets["auth"] = {"redirect_uri": "http://10.0.0.5:8501/oauth2callback", "cookie_secret": "x" * 32,
                          "client_id": "lvkuang", "client_secret": "s", "server_metadata_url": "http://10.0.0.9/.well-known"}
    at.run()
    assert not at.exception, at.exception
    assert "使用统一身份认证登录" in [b.label for b in at.button]


def test_every_run_after_a_login_writes_the_session_cookie(database) -> None:
    """A run cut short after the login (the home address switches to the role's page at once) may take the
    cookie's script away before the browser ran it: the session keeps writing the cookie on every run."""
    account()
    at = log_in(logged_out(), "zuzhi", PASSWORD)
    token = at.session_state[auth.LOGIN]
    assert any(token in h.proto.body for h in at.get("html") if "document.cookie" in h.proto.body)
    for _ in range(2):
        at.run()
        assert at.session_state[auth.PENDING_COOKIE] == token  # written again by this run's script
