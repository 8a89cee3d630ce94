"""Local accounts: creation by the administrator, login with lock-out, password change, session expiry.

Passwords are hashed with Argon2id (``argon2-cffi``); nothing but the hash is stored. A login that
fails counts against the name typed and the client it came from; after :data:`MAX_FAILURES` failures
in a row that name waits :data:`LOCK_MINUTES` on that client (see :func:`authenticate`). Logins, failed
logins, logouts and every change of an account go into the audit trail. Who may do what is :mod:`core.access`; an account's role is one of ``access.ROLES``.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta
from typing import Any

import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlite_utils import Database

from core import access, audit, limits
from core.access import ADMIN, INSPECTOR, ROLES, User
from core.db import now, transaction

MAX_FAILURES = 5
LOCK_MINUTES = 15
SESSION_MINUTES = 30  # idle time after which a session must log in again (setting "session_minutes")
MIN_PASSWORD = 8
USERNAME = re.compile(r"^[A-Za-z0-9_.\-]{2,32}$")
HASHER = PasswordHasher()  # Argon2id with the library's current defaults
LOGOUT = "退出登录"
FIRST_START = access.System("首次启动")  # who creates the first administrator


class AccountError(ValueError):
    """An account cannot be created or changed as asked; the message says why in Chinese."""


class LoginFailed(Exception):
    """A login refused; the message is what the login page says (never which part was wrong)."""


def password_problems(password: str, username: str = "") -> list[str]:
    """What is wrong with a new password (empty when it is acceptable)."""
    problems = []
    if len(password) < MIN_PASSWORD:
        problems.append(f"密码至少 {MIN_PASSWORD} 位")
    if len(password) > MAX_PASSWORD:
        problems.append(f"密码不能超过 {MAX_PASSWORD} 位")
    if not (re.search(r"[A-Za-z]", password) and re.search(r"[0-9]", password)):
        problems.append("密码须同时包含字母和数字")
    if username and username.lower() in password.lower():
        problems.append("密码不能包含账号名")
    return problems


def _check_password(password: str, username: str) -> None:
    problems = password_problems(password, username)
    if problems:
        raise AccountError("；".join(problems) + "。")


def _user(row: dict[str, Any]) -> User:
    return User(row["id"], row["username"], row["name"], row["role"], row["inspector_id"])


def _row(db: Database, where: str, value: Any) -> dict[str, Any] | None:
    cursor = db.execute(f"SELECT * FROM users WHERE {where} = ?", [value])
    found = cursor.fetchone()
    return dict(zip([d[0] for d in cursor.description], found)) if found else None


def _check_fields(db: Database, role: str, name: str, inspector_id: int | None) -> None:
    if role not in ROLES:
        raise AccountError(f"未知的角色：{role}（应为 {'、'.join(ROLES)} 之一）。")
    if not name.strip():
        raise AccountError("请填写姓名。")
    limits.check(AccountError, ("姓名", name, limits.NAME))
    if role == INSPECTOR and inspector_id is None:
        raise AccountError("核查员账号须关联核查人员名录中的一名人员。")
    if inspector_id is not None and not db.execute("SELECT 1 FROM inspectors WHERE id = ?", [inspector_id]).fetchone():
        raise AccountError("关联的核查人员不在核查人员名录中。")


def create_user(db: Database, username: str, name: str, role: str, password: str, actor: str,
                inspector_id: int | None = None, must_change: bool = True, sso_subject: str | None = None) -> int:
    """A new account; returns its id. ``must_change``: the user sets their own password at first login."""
    access.require(actor, access.ACCOUNTS)
    username = username.strip()
    if not USERNAME.match(username):
        raise AccountError("账号名为 2–32 位字母、数字或 _ . -。")
    _check_fields(db, role, name, inspector_id if role == INSPECTOR else None)
    _check_password(password, username)
    with transaction(db):
        if _row(db, "username", username):
            raise AccountError(f"账号名“{username}”已被使用。")
        stamp = now()
        user_id = db.execute(
            "INSERT INTO users (username, name, role, inspector_id, sso_subject, password_hash, must_change, "
            "password_changed_at, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [username, name.strip(), role, inspector_id if role == INSPECTOR else None, sso_subject or None,
             HASHER.hash(password), int(must_change), stamp, stamp, str(actor)]).lastrowid
        audit.log(db, actor, "账号：新建", username, new={"name": name.strip(), "role": role, "inspector_id": inspector_id,
                                                         "sso_subject": sso_subject})
    return user_id


def create_first_admin(db: Database, username: str, name: str, password: str) -> User:
    """The first administrator, asked for at the first start; refused once any account exists."""
    with transaction(db):
        if needs_first_admin(db):
            user_id = create_user(db, username, name, ADMIN, password, FIRST_START, must_change=False)
            return get(db, user_id)
    raise AccountError("已有账号，不能再创建首个管理员，请用已有账号登录。")


def needs_first_admin(db: Database) -> bool:
    return db.execute("SELECT COUNT(*) FROM users").fetchone()[0] == 0


def update_user(db: Database, user_id: int, actor: str, *, name: str, role: str, inspector_id: int | None,
                active: bool, sso_subject: str | None = None) -> None:
    """Change an account's name, role, inspector link, single-sign-on identity or whether it may log in."""
    access.require(actor, access.ACCOUNTS)
    inspector_id = inspector_id if role == INSPECTOR else None
    _check_fields(db, role, name, inspector_id)
    with transaction(db):
        old = _row(db, "id", user_id)
        if old is None:
            raise AccountError("账号不存在。")
        if isinstance(actor, User) and actor.id == user_id and (role != ADMIN or not active):
            raise AccountError("不能停用自己的账号或取消自己的管理员角色，请由另一名管理员操作。")
        if old["role"] == ADMIN and old["active"] and (role != ADMIN or not active) and _active_admins(db) <= 1:
            raise AccountError("这是唯一的有效管理员账号，不能停用或改为其他角色。")
        new = {"name": name.strip(), "role": role, "inspector_id": inspector_id, "active": int(active),
               "sso_subject": (sso_subject or "").strip() or None}
        changed = {k: v for k, v in new.items() if old[k] != v}
        if not changed:
            return
        db.execute(f"UPDATE users SET {', '.join(f'{k} = ?' for k in changed)} WHERE id = ?", [*changed.values(), user_id])
        audit.log(db, actor, "账号：修改", old["username"], old={k: old[k] for k in changed}, new=changed)


def _active_admins(db: Database) -> int:
    return db.execute("SELECT COUNT(*) FROM users WHERE role = ? AND active = 1", [ADMIN]).fetchone()[0]


def reset_password(db: Database, user_id: int, password: str, actor: str) -> None:
    """The administrator sets a new password (the user must change it at next login) and unlocks."""
    access.require(actor, access.ACCOUNTS)
    with transaction(db):
        row = _row(db, "id", user_id)
        if row is None:
            raise AccountError("账号不存在。")
        _check_password(password, row["username"])
        db.execute("UPDATE users SET password_hash = ?, must_change = 1, password_changed_at = ? WHERE id = ?",
                   [HASHER.hash(password), now(), user_id])
        db.execute("DELETE FROM login_throttle WHERE username = ?", [row["username"]])
        audit.log(db, actor, "账号：重置密码", row["username"])


def unlock(db: Database, user_id: int, actor: str) -> None:
    access.require(actor, access.ACCOUNTS)
    with transaction(db):
        row = _row(db, "id", user_id)
        if row is None:
            raise AccountError("账号不存在。")
        db.execute("DELETE FROM login_throttle WHERE username = ?", [row["username"]])
        audit.log(db, actor, "账号：解除锁定", row["username"])


def change_password(db: Database, user: User, old_password: str, new_password: str) -> None:
    """A user changes their own password, giving the current one."""
    with transaction(db):
        row = _row(db, "id", user.id)
        if row is None or not _verify(row["password_hash"], old_password):
            raise AccountError("当前密码不正确。")
        if new_password == old_password:
            raise AccountError("新密码不能与当前密码相同。")
        _check_password(new_password, row["username"])
        db.execute("UPDATE users SET password_hash = ?, must_change = 0, password_changed_at = ? WHERE id = ?",
                   [HASHER.hash(new_password), now(), user.id])
        audit.log(db, user, "账号：修改密码", row["username"])


def _verify(stored: str, password: str) -> bool:
    try:
        return HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


MAX_NAME = 64  # the longest account name a login form takes (and an audit entry repeats)
MAX_PASSWORD = 1024
CLIENT_FAILURES = 30  # failed logins from one client address (any names) within LOCK_MINUTES before it waits
REFUSED = "账号或密码不正确"
_ALL_NAMES = ""  # the throttle row of a whole client (a name typed empty is counted as "（空）")
_UNKNOWN = HASHER.hash("no such account 0")  # verified against for unknown names: same time, no hint


def authenticate(db: Database, username: str, password: str, at: datetime | None = None, client: str = "") -> User:
    """The account, if ``password`` is right and it may log in now; else :class:`LoginFailed`.

    Unknown names, wrong passwords and stopped accounts get the same message after the same work (one
    Argon2 verification), so the form tells nobody which names exist. The verification runs outside the
    write lock; only the outcome is written. Failures are counted per name as typed and ``client``
    address: after :data:`MAX_FAILURES` in a row that name waits :data:`LOCK_MINUTES` on that client,
    and a client with :data:`CLIENT_FAILURES` failures in that time waits for any name, so an outsider
    can neither guess on nor keep the owner of an account (the administrator) out at their own desk.
    Every attempt is in the audit trail, except those refused while waiting (the wait is logged once)."""
    moment = at or datetime.now()
    stamp = moment.isoformat(timespec="seconds")
    username = username.strip()
    name = (username[:MAX_NAME] + ("…" if len(username) > MAX_NAME else "")) or "（空）"
    client = client.strip()[:64] or "本机"
    waiting = _waiting_until(db, name, client, moment)
    if waiting:
        raise LoginFailed(f"登录失败次数过多，请于{_clock(waiting)}后再试，或联系系统管理员。")
    if len(username) > MAX_NAME or len(password) > MAX_PASSWORD:
        # No account has such a name or password: refused before any hashing, and logged cut short, so a
        # flood of huge names can neither fill the append-only audit trail nor keep the CPU busy.
        row, reason = None, f"账号超过 {MAX_NAME} 个字符或密码超过 {MAX_PASSWORD} 个字符"
    else:
        row = _row(db, "username", username)
        right = _verify(row["password_hash"] if row else _UNKNOWN, password)
        reason = "账号不存在" if row is None else "账号已停用" if not row["active"] else "" if right else "密码错误"
    if not reason:
        rehashed = HASHER.hash(password) if HASHER.check_needs_rehash(row["password_hash"]) else None
        with transaction(db):
            if rehashed:
                db.execute("UPDATE users SET password_hash = ? WHERE id = ?", [rehashed, row["id"]])
            db.execute("UPDATE users SET last_login_at = ? WHERE id = ?", [stamp, row["id"]])
            db.execute("DELETE FROM login_throttle WHERE username = ? AND client = ?", [name, client])
            audit.log(db, _user(row), audit.LOGIN, username, role=row["role"], client=client)
        return _user(row)
    with transaction(db):
        failures, locked = _count_failure(db, name, client, moment)
        audit.log(db, name, audit.LOGIN_FAILED, name, reason=reason, client=client, failures=failures,
                  **({"locked_until": locked} if locked else {}))
    if locked:
        raise LoginFailed(f"{REFUSED}。连续失败 {MAX_FAILURES} 次，请于{_clock(locked)}后再试，或联系系统管理员。")
    raise LoginFailed(f"{REFUSED}（再错 {MAX_FAILURES - failures} 次须等待 {LOCK_MINUTES} 分钟）。")


def _waiting_until(db: Database, name: str, client: str, moment: datetime) -> str:
    """Until when logins of ``name`` from ``client`` wait ('' when they do not)."""
    stamp = moment.isoformat(timespec="seconds")
    locked = db.execute("SELECT MAX(locked_until) FROM login_throttle WHERE client = ? AND locked_until > ? "
                        "AND username IN (?, ?)", [client, stamp, name, _ALL_NAMES]).fetchone()[0]
    return locked or ""


def _count_failure(db: Database, name: str, client: str, moment: datetime) -> tuple[int, str]:
    """Count a failed login of ``name`` from ``client``; returns the failures in a row and, when they
    reach the limit, until when the name waits on that client. A client that fails too often with any
    names waits as a whole (the row of :data:`_ALL_NAMES`)."""
    stamp = moment.isoformat(timespec="seconds")
    wait = (moment + timedelta(minutes=LOCK_MINUTES)).isoformat(timespec="seconds")
    since = (moment - timedelta(minutes=LOCK_MINUTES)).isoformat(timespec="seconds")
    row = db.execute("SELECT failures, locked_until FROM login_throttle WHERE username = ? AND client = ?",
                     [name, client]).fetchone()
    failures = 1 if row is None or row[1] else row[0] + 1  # a wait that is over starts the count again
    locked = wait if failures >= MAX_FAILURES else ""
    db.execute("INSERT OR REPLACE INTO login_throttle (username, client, failures, last_failed_at, locked_until) "
               "VALUES (?, ?, ?, ?, ?)", [name, client, failures, stamp, locked])
    recent = db.execute("SELECT COALESCE(SUM(failures), 0) FROM login_throttle WHERE client = ? AND username != ? "
                        "AND last_failed_at > ?", [client, _ALL_NAMES, since]).fetchone()[0]
    if recent >= CLIENT_FAILURES:
        db.execute("INSERT OR REPLACE INTO login_throttle (username, client, failures, last_failed_at, locked_until) "
                   "VALUES (?, ?, ?, ?, ?)", [_ALL_NAMES, client, recent, stamp, wait])
        locked = wait
    return failures, locked


def sso_login(db: Database, subject: str) -> User:
    """The account linked to a single-sign-on identity (the identity provider's e-mail or subject)."""
    subject = subject.strip()
    with transaction(db):
        row = _row(db, "sso_subject", subject) if subject else None
        if row is None or not row["active"]:
            audit.log(db, subject or "（空）", audit.LOGIN_FAILED, subject, reason="统一身份认证账号未开通或已停用")
        else:
            db.execute("UPDATE users SET last_login_at = ? WHERE id = ?", [now(), row["id"]])
            audit.log(db, _user(row), audit.LOGIN, row["username"], role=row["role"], method="统一身份认证")
    if row is None or not row["active"]:
        raise LoginFailed(f"统一身份认证账号“{subject}”尚未在本系统开通或已停用，请联系系统管理员。")
    return _user(row)


def _clock(iso: str) -> str:
    return iso[11:16]


def get(db: Database, user_id: int) -> User | None:
    """The account as it is now, or None when it no longer exists or may not log in."""
    row = _row(db, "id", user_id)
    return _user(row) if row and row["active"] else None


# --- sessions ----------------------------------------------------------------------------------

SEEN_EVERY = 60  # seconds: how stale a session's last-use time may get before it is written again


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(db: Database, user: User) -> str:
    """A new session for a user who just logged in; returns its token (kept by the browser only)."""
    token = secrets.token_urlsafe(32)
    stamp = now()
    with transaction(db):
        db.execute("INSERT INTO user_sessions (token_hash, user_id, created_at, seen_at) VALUES (?, ?, ?, ?)",
                   [_token_hash(token), user.id, stamp, stamp])
    return token


class SessionEnded(Exception):
    """A session that may not go on; the message says why, for the login page."""


def resume_session(db: Database, token: str, minutes: int, at: datetime | None = None) -> User:
    """The user of a session still valid at ``at``; else :class:`SessionEnded` (unknown or ended token,
    idle more than ``minutes``, account stopped, or its password changed after the login)."""
    moment = at or datetime.now()
    stamp = moment.isoformat(timespec="seconds")
    cursor = db.execute("SELECT s.user_id, s.created_at, s.seen_at, s.ended_at, u.active, u.password_changed_at "
                        "FROM user_sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?",
                        [_token_hash(token)])
    found = cursor.fetchone()
    if found is None or found[3]:
        raise SessionEnded("请登录。")
    user_id, created, seen, _, active, changed = found
    if not active:
        raise SessionEnded("该账号已停用，请联系系统管理员。")
    if changed > created:
        raise SessionEnded("密码已在别处修改或被管理员重置，请用新密码重新登录。")
    if expired(datetime.fromisoformat(seen), moment, minutes):
        user = get(db, user_id)
        with transaction(db):
            db.execute("UPDATE user_sessions SET ended_at = ? WHERE token_hash = ?", [stamp, _token_hash(token)])
            audit.log(db, user, "会话超时", user.username)
        raise SessionEnded(f"超过 {minutes} 分钟未操作，已自动退出，请重新登录。")
    if (moment - datetime.fromisoformat(seen)).total_seconds() >= SEEN_EVERY:
        with transaction(db):
            db.execute("UPDATE user_sessions SET seen_at = ? WHERE token_hash = ?", [stamp, _token_hash(token)])
    user = get(db, user_id)
    assert user is not None
    return user


def end_session(db: Database, token: str, user: User) -> None:
    """Log out: the session's token is no longer accepted."""
    with transaction(db):
        db.execute("UPDATE user_sessions SET ended_at = ? WHERE token_hash = ? AND ended_at = ''",
                   [now(), _token_hash(token)])
        audit.log(db, user, LOGOUT, user.username)


def must_change_password(db: Database, user_id: int) -> bool:
    row = _row(db, "id", user_id)
    return bool(row and row["must_change"])


def expired(last_seen: datetime, moment: datetime, minutes: int) -> bool:
    """Whether a session idle since ``last_seen`` has expired at ``moment``."""
    return moment - last_seen > timedelta(minutes=minutes)


def users(db: Database) -> pd.DataFrame:
    """Every account for the accounts page: no password hashes."""
    cursor = db.execute(
        "SELECT u.id, u.username, u.name, u.role, u.inspector_id, COALESCE(i.name, '') AS inspector, "
        "COALESCE(u.sso_subject, '') AS sso_subject, u.active, u.must_change, "
        "COALESCE((SELECT MAX(t.locked_until) FROM login_throttle t WHERE t.username = u.username), '') AS locked_until, "
        "u.last_login_at, u.created_at FROM users u LEFT JOIN inspectors i ON i.id = u.inspector_id ORDER BY u.id")
    return pd.DataFrame(cursor.fetchall(), columns=[d[0] for d in cursor.description])
