"""Local accounts: hashing, login, lock-out, password change and reset, the first administrator, and
every login in the audit trail."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from core import accounts, audit, demo, inspectors
from core.access import ADMIN, INSPECTOR, ORGANIZER, VIEWER, System
from core.accounts import AccountError, LoginFailed

SYSTEM = System("测试")
PASSWORD = "mima12345"


def make(db, username="zhangsan", role=ORGANIZER, **kwargs) -> int:
    return accounts.create_user(db, username, "张三", role, PASSWORD, SYSTEM, must_change=False, **kwargs)


def test_only_a_hash_is_stored_and_the_right_password_logs_in(db) -> None:
    make(db)
    stored = db.execute("SELECT password_hash FROM users").fetchone()[0]
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    user = accounts.authenticate(db, "ZhangSan", PASSWORD)  # the account name is not case-sensitive
    assert (user.username, user.role, str(user)) == ("zhangsan", ORGANIZER, "张三（zhangsan）")


def test_logins_and_failed_logins_are_in_the_audit_trail(db) -> None:
    make(db)
    accounts.authenticate(db, "zhangsan", PASSWORD)
    with pytest.raises(LoginFailed, match="账号或密码不正确"):
        accounts.authenticate(db, "zhangsan", "wrong-1234")
    with pytest.raises(LoginFailed, match="账号或密码不正确"):
        accounts.authenticate(db, "nobody", PASSWORD)  # same message: no hint which part was wrong
    rows = audit.entries(db)
    logins = rows[rows["操作"].isin([audit.LOGIN, audit.LOGIN_FAILED])]
    assert list(logins["操作"])[::-1] == [audit.LOGIN, audit.LOGIN_FAILED, audit.LOGIN_FAILED]
    assert list(logins["对象"])[::-1] == ["zhangsan", "zhangsan", "nobody"]
    assert audit.verify(db).problems == []


def test_five_failures_make_the_name_wait_on_that_client_only(db) -> None:
    make(db)
    start = datetime(2023, 11, 2, 9, 0)
    for attempt in range(accounts.MAX_FAILURES - 1):
        with pytest.raises(LoginFailed, match=f"再错 {accounts.MAX_FAILURES - attempt - 1} 次"):
            accounts.authenticate(db, "zhangsan", "wrong-1234", at=start, client="10.0.0.66")
    with pytest.raises(LoginFailed, match="请于09:15后再试"):
        accounts.authenticate(db, "zhangsan", "wrong-1234", at=start, client="10.0.0.66")
    # Waiting: even the right password is refused on that client until the time is up ...
    with pytest.raises(LoginFailed, match="请于09:15后再试"):
        accounts.authenticate(db, "zhangsan", PASSWORD, at=start + timedelta(minutes=14), client="10.0.0.66")
    # ... but the owner at their own desk is not kept out by someone else's failures.
    assert accounts.authenticate(db, "zhangsan", PASSWORD, at=start + timedelta(minutes=1), client="10.0.0.8")
    assert accounts.authenticate(db, "zhangsan", PASSWORD, at=start + timedelta(minutes=16), client="10.0.0.66")


def test_a_client_failing_with_many_names_waits_for_every_name(db) -> None:
    make(db)
    start = datetime(2023, 11, 2, 9, 0)
    for attempt in range(accounts.CLIENT_FAILURES):
        with pytest.raises(LoginFailed):
            accounts.authenticate(db, f"guess{attempt}", "wrong-1234", at=start, client="10.0.0.66")
    with pytest.raises(LoginFailed, match="请于09:15后再试"):
        accounts.authenticate(db, "zhangsan", PASSWORD, at=start, client="10.0.0.66")
    assert accounts.authenticate(db, "zhangsan", PASSWORD, at=start, client="10.0.0.8")


def test_the_administrator_unlocks_and_resets(db) -> None:
    user_id = make(db)
    for _ in range(accounts.MAX_FAILURES):
        with pytest.raises(LoginFailed):
            accounts.authenticate(db, "zhangsan", "wrong-1234")
    accounts.unlock(db, user_id, SYSTEM)
    assert accounts.authenticate(db, "zhangsan", PASSWORD)
    accounts.reset_password(db, user_id, "chongzhi123", SYSTEM)
    assert accounts.must_change_password(db, user_id)
    with pytest.raises(LoginFailed):
        accounts.authenticate(db, "zhangsan", PASSWORD)
    user = accounts.authenticate(db, "zhangsan", "chongzhi123")
    accounts.change_password(db, user, "chongzhi123", "ziji54321")
    assert not accounts.must_change_password(db, user_id)
    assert accounts.authenticate(db, "zhangsan", "ziji54321")


def test_a_password_change_needs_the_current_password_and_a_good_new_one(db) -> None:
    user = accounts.get(db, make(db))
    with pytest.raises(AccountError, match="当前密码不正确"):
        accounts.change_password(db, user, "wrong-1234", "ziji54321")
    for bad, why in (("short1", "至少 8 位"), ("onlyletters", "字母和数字"), ("zhangsan123", "不能包含账号名")):
        with pytest.raises(AccountError, match=why):
            accounts.change_password(db, user, PASSWORD, bad)
    assert accounts.authenticate(db, "zhangsan", PASSWORD)


def test_a_session_lasts_until_logout_and_only_its_token_resumes_it(db) -> None:
    user = accounts.authenticate(db, accounts.get(db, make(db)).username, PASSWORD)
    token = accounts.start_session(db, user)
    assert accounts.resume_session(db, token, 30).username == "zhangsan"
    stored = db.execute("SELECT token_hash FROM user_sessions").fetchone()[0]
    assert token not in stored and len(stored) == 64  # the server keeps only the hash
    with pytest.raises(accounts.SessionEnded):
        accounts.resume_session(db, token + "x", 30)
    accounts.end_session(db, token, user)
    with pytest.raises(accounts.SessionEnded):
        accounts.resume_session(db, token, 30)
    assert audit.entries(db).iloc[0]["操作"] == accounts.LOGOUT


def test_a_session_ends_after_idle_minutes(db) -> None:
    user = accounts.get(db, make(db))
    token = accounts.start_session(db, user)
    now = datetime.now()
    assert accounts.resume_session(db, token, 30, at=now + timedelta(minutes=29))
    with pytest.raises(accounts.SessionEnded, match="超过 30 分钟未操作"):
        accounts.resume_session(db, token, 30, at=now + timedelta(minutes=29 + 31))
    with pytest.raises(accounts.SessionEnded):  # ended for good, even if used again at once
        accounts.resume_session(db, token, 30, at=now + timedelta(minutes=29 + 31))
    assert "会话超时" in set(audit.entries(db)["操作"])


def test_a_stopped_account_cannot_log_in_and_its_sessions_end(db) -> None:
    user_id = make(db)
    token = accounts.start_session(db, accounts.get(db, user_id))
    accounts.update_user(db, user_id, SYSTEM, name="张三", role=ORGANIZER, inspector_id=None, active=False)
    with pytest.raises(LoginFailed, match="账号或密码不正确"):  # the same answer as for a wrong password
        accounts.authenticate(db, "zhangsan", PASSWORD)
    with pytest.raises(accounts.SessionEnded, match="已停用"):
        accounts.resume_session(db, token, 30)
    assert accounts.get(db, user_id) is None


def test_a_reset_password_ends_the_sessions_that_logged_in_before(db) -> None:
    user_id = make(db)
    token = accounts.start_session(db, accounts.get(db, user_id))
    db.execute("UPDATE user_sessions SET created_at = '2023-01-01T00:00:00'")  # logged in well before the reset
    accounts.reset_password(db, user_id, "chongzhi123", SYSTEM)
    with pytest.raises(accounts.SessionEnded, match="密码已在别处修改"):
        accounts.resume_session(db, token, 30)


def test_accounts_are_checked_when_created(demo_db) -> None:
    with pytest.raises(AccountError, match="账号名"):
        make(demo_db, username="张三")
    make(demo_db)
    with pytest.raises(AccountError, match="已被使用"):
        make(demo_db, username="ZHANGSAN")
    with pytest.raises(AccountError, match="须关联核查人员"):
        make(demo_db, username="hecha", role=INSPECTOR)
    person = inspectors.list_inspectors(demo_db)[0]
    user = accounts.get(demo_db, make(demo_db, username="hecha", role=INSPECTOR, inspector_id=person["id"]))
    assert user.inspector_id == person["id"]


def test_the_last_administrator_cannot_be_stopped_nor_stop_themselves(db) -> None:
    admin = accounts.create_first_admin(db, "admin", "管理员", "guanli12345")
    with pytest.raises(AccountError, match="已有账号"):
        accounts.create_first_admin(db, "admin2", "管理员二", "guanli12345")
    with pytest.raises(AccountError, match="不能停用自己的账号"):
        accounts.update_user(db, admin.id, admin, name="管理员", role=ADMIN, inspector_id=None, active=False)
    with pytest.raises(AccountError, match="唯一的有效管理员"):
        accounts.update_user(db, admin.id, SYSTEM, name="管理员", role=VIEWER, inspector_id=None, active=True)


def test_single_sign_on_maps_to_a_local_account(db) -> None:
    make(db, sso_subject="zhangsan@zrzyt.hubei.gov.cn")
    assert accounts.sso_login(db, "zhangsan@zrzyt.hubei.gov.cn").username == "zhangsan"
    with pytest.raises(LoginFailed, match="尚未在本系统开通"):
        accounts.sso_login(db, "lisi@zrzyt.hubei.gov.cn")


def test_the_demo_creates_one_account_per_role_once(demo_db) -> None:
    demo.start_campaign(demo_db)
    created = demo.demo_accounts(demo_db)
    assert {a["role"] for a in created} == {ADMIN, ORGANIZER, INSPECTOR, VIEWER}
    assert accounts.authenticate(demo_db, "hecha1", demo.DEMO_PASSWORD).inspector_id is not None
    assert demo.demo_accounts(demo_db) == []
