"""Who may do what: the four roles, what each is granted, and the check every write function makes.

Every function in ``core/`` that writes takes the acting person as ``actor`` and calls :func:`require`
(or :func:`require_member` for an inspection record) before it writes, so a page that shows too much
still cannot change what its user may not.

``actor`` is either a :class:`User` — a logged-in account: a ``str`` (the name written into the
histories and the audit trail) that also carries its role and inspector link — or a :class:`System`:
the server's own command line (backups, the demo loader, start-up jobs), run by whoever already holds
the database file, and therefore trusted with everything. Anything else (a plain ``str``) is refused
everything: access fails closed. The pages only ever act as a :class:`User`.
"""

from __future__ import annotations

from typing import Callable, Iterable

ADMIN = "系统管理员"
ORGANIZER = "组织者"
INSPECTOR = "核查员"
VIEWER = "查看者"
ROLES = (ADMIN, ORGANIZER, INSPECTOR, VIEWER)
ROLE_HELP = {
    ADMIN: "管理账号、系统设置、备份与恢复、审计日志",
    ORGANIZER: "维护名录、组织核查任务（抽取矿山与核查组）、核查记录、结果与报告、审计日志",
    INSPECTOR: "仅本核查组的矿山：查看矿山信息，填写、确认核查记录",
    VIEWER: "只读：总览与矿山分布图（供督导和领导查看）",
}

# What can be granted (the Chinese names are what a refusal says the user may not do).
ACCOUNTS = "管理账号"
SETTINGS = "修改系统设置"
BACKUP = "备份与恢复数据"
AUDIT = "查看审计日志"
REGISTER = "维护绿色矿山名录"
INSPECTORS = "维护核查人员名录"
CAMPAIGNS = "组织核查任务（抽取矿山与核查组）"
RECORDS = "填写核查记录"
REPORTS = "编写核查报告、导出结果"
FOLLOW_UP = "跟踪整改与移出"
OVERVIEW = "查看总览与分布图"

GRANTS: dict[str, frozenset[str]] = {
    ADMIN: frozenset({ACCOUNTS, SETTINGS, BACKUP, AUDIT, OVERVIEW}),
    ORGANIZER: frozenset({REGISTER, INSPECTORS, CAMPAIGNS, RECORDS, REPORTS, FOLLOW_UP, AUDIT, OVERVIEW}),
    INSPECTOR: frozenset({RECORDS}),
    VIEWER: frozenset({OVERVIEW}),
}
PERMISSIONS = tuple(sorted({p for granted in GRANTS.values() for p in granted}))


class Denied(PermissionError):
    """The acting user may not do this; the message says so in Chinese."""


class User(str):
    """A logged-in account. Its string value is how it is named in histories: '张三（zhangsan）'."""

    id: int
    username: str
    name: str
    role: str
    inspector_id: int | None

    def __new__(cls, id: int, username: str, name: str, role: str, inspector_id: int | None = None) -> "User":
        user = super().__new__(cls, f"{name}（{username}）")
        user.id, user.username, user.name, user.role, user.inspector_id = id, username, name, role, inspector_id
        return user

    def __reduce__(self):
        return (User, (self.id, self.username, self.name, self.role, self.inspector_id))


class System(str):
    """The server's own command line acting (``python -m core.cli``, the demo loader, start-up jobs):
    whoever runs it already holds the database file. Its string value is the name the histories and the
    audit trail show: System("演示数据"), :data:`SYSTEM`."""


SYSTEM = System("系统")


def may(actor: str, permission: str) -> bool:
    """Whether ``actor`` holds ``permission``: a :class:`System` holds all, a :class:`User` what their
    role grants, anything else nothing."""
    if isinstance(actor, System):
        return True
    return isinstance(actor, User) and permission in GRANTS.get(actor.role, frozenset())


def require(actor: str, permission: str) -> None:
    """Refuse (raise :class:`Denied`) unless ``actor`` holds ``permission``."""
    if may(actor, permission):
        return
    if isinstance(actor, User):
        raise Denied(f"当前账号“{actor}”（{actor.role}）无权{permission}。")
    raise Denied(f"操作人“{actor}”既不是登录的账号也不是服务器命令行，无权{permission}。")


def require_member(actor: str, permission: str, members: Callable[[], Iterable[int]]) -> None:
    """Like :func:`require`; an inspector must also be one of ``members()`` (inspector ids of the team
    the record's mine was assigned to). Organizers and the command line act on any team's record."""
    require(actor, permission)
    if isinstance(actor, User) and actor.role == INSPECTOR:
        if actor.inspector_id is None or actor.inspector_id not in set(members()):
            raise Denied(f"当前账号“{actor}”不是该矿山核查组的成员，只能查看和填写本组核查的矿山。")


def sees_all_teams(actor: str) -> bool:
    """Whether ``actor`` sees every team's records (else only the teams they belong to, if any)."""
    return isinstance(actor, System) or (isinstance(actor, User) and actor.role != INSPECTOR)
