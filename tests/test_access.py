"""The role × action matrix: every function of core/ that writes, called as each role (and, for an
inspection record, as an inspector of another team). A refusal raises Denied and writes nothing;
a granted call goes through."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from typing import Callable

import pytest

from core import (access, accounts, backup, basemap, campaigns, config, demo, followup, inspections, inspectors,
                  reference_tables, registry, removal_proposal, reports, sampling, settings, teams)
from core.access import ADMIN, INSPECTOR, ORGANIZER, VIEWER, Denied, System
from core.importer import apply_import, plan_import
from tests.photos import make_photo
from tests.test_inspections import complete_content, sign_all

SYSTEM = System("测试")  # the command line, trusted with everything
OTHER_TEAM = "核查员（他组）"
PLAIN = "普通字符串"  # a plain str naming an organizer: neither a User nor the System, so refused everything
ROLES = (ADMIN, ORGANIZER, INSPECTOR, OTHER_TEAM, VIEWER, PLAIN)


class World:
    """A demo register with a campaign under way, one record of team 1 and an account of every role."""

    def __init__(self, db):
        self.db = db
        demo.load_demo(db, mines=60)
        self.campaign = demo.start_campaign(db)
        self.draw_id = teams.latest_team_draw_id(db, self.campaign)
        drawn = inspections.campaign_records(db, self.campaign)
        first = drawn[drawn["team_no"] == 1].iloc[0]
        self.record = inspections.open_record(db, self.campaign, int(first["id"]), SYSTEM)
        self.other_mine = int(drawn[drawn["team_no"] == 1].iloc[1]["id"])
        members = teams.members(db, self.draw_id)
        team1 = [m["inspector_id"] for m in members if m["team_no"] == 1]
        stranger = next(m["inspector_id"] for m in members if m["inspector_id"] not in team1)
        self.users = {}
        for role, name, inspector_id in ((ADMIN, "admin", None), (ORGANIZER, "zuzhi", None), (VIEWER, "chakan", None),
                                         (INSPECTOR, "hecha1", team1[0]), (OTHER_TEAM, "hecha9", stranger)):
            user_id = accounts.create_user(db, name, name, INSPECTOR if role == OTHER_TEAM else role, "mima12345",
                                           SYSTEM, inspector_id=inspector_id, must_change=False)
            self.users[role] = accounts.get(db, user_id)
        self.users[PLAIN] = str(self.users[ORGANIZER])
        self.mine = registry.get_by_licence(db, drawn.iloc[0]["licence_no"])
        self.removed = db.execute("SELECT id, version FROM mines WHERE status = '已移出' LIMIT 1").fetchone()


def _new_campaign(w: World) -> int:
    return campaigns.create(w.db, 2024, "测试任务", date(2024, 11, 30), sampling.Rules(), [], SYSTEM)


def _frozen(w: World) -> int:
    return campaigns.freeze(w.db, _new_campaign(w), SYSTEM)["id"]


def _photo(w: World) -> int:
    return inspections.add_evidence(w.db, w.record.id, make_photo(), "a.jpg", "矿区环境", "", SYSTEM)


def _submitted(w: World) -> inspections.Record:
    version = inspections.save_draft(w.db, w.record.id, complete_content(), w.record.version, SYSTEM)
    sign_all(w.db, inspections.get(w.db, w.record.id))
    inspections.submit(w.db, w.record.id, inspections.get(w.db, w.record.id).version, SYSTEM)
    assert version
    return inspections.get(w.db, w.record.id)


def _swappable(w: World) -> tuple[int, int]:
    """A member of team 1 and an inspector outside the teams who may replace them (tried, then undone)."""
    members = teams.members(w.db, w.draw_id)
    taken = {m["inspector_id"] for m in members}
    out = next(m["inspector_id"] for m in members if m["team_no"] == 1 and m["role"] != teams.LEADER)
    for person in inspectors.list_inspectors(w.db):
        if person["id"] in taken:
            continue
        w.db.conn.execute("SAVEPOINT probe")
        try:
            teams.swap_member(w.db, w.draw_id, out, person["id"], "试换", SYSTEM)
            return out, person["id"]
        except teams.TeamError:
            continue
        finally:
            w.db.conn.execute("ROLLBACK TO probe")
            w.db.conn.execute("RELEASE probe")
    raise AssertionError("no inspector may replace a member of team 1")


def _case(w: World, deadline: str = "2030-05-03") -> int:
    """A rectification case of a submitted 整改 record (on another mine than the world's open record)."""
    record = inspections.open_record(w.db, w.campaign, w.other_mine, SYSTEM)
    inspections.save_draft(w.db, record.id, {**complete_content("整改"), "rectify_measures": "补种",
                                             "rectify_deadline": deadline}, record.version, SYSTEM)
    sign_all(w.db, inspections.get(w.db, record.id))
    inspections.submit(w.db, record.id, inspections.get(w.db, record.id).version, SYSTEM)
    return w.db.execute("SELECT id FROM rectifications WHERE record_id = ?", [record.id]).fetchone()[0]


def _removal(w: World, national: bool) -> int:
    mine = w.db.execute("SELECT id FROM mines WHERE status = '在册' AND level " + ("=" if national else "!=")
                        + " '国家级' LIMIT 1").fetchone()[0]
    w.db.conn.execute("BEGIN")
    removal_id = followup._open_removal(w.db, mine, followup.FROM_RECORD, "核查结论为移出", SYSTEM)
    w.db.conn.execute("COMMIT")
    return removal_id


def _inspector_plan(w: World):
    rows = [["姓名", "工作单位", "职称", "职级", "专业", "所在市（州）", "回避单位或矿山", "可参加抽取"],
            ["新来的", "省地质局", "高级", "无", "地质", "武汉市", "", "是"]]
    from tests.conftest import build_xlsx
    return inspectors.plan_import(w.db, build_xlsx(rows), "人员.xlsx")


def _register_plan(w: World):
    from core import exports
    return plan_import(w.db, exports.register_xlsx([dict(w.mine)]), "名录.xlsx")


def _indicator_plan(w: World):
    """A checked item table of the 2024 set: one item per first-level name, the 100 points shared out."""
    from core import indicators
    from tests.conftest import build_xlsx
    chosen = indicators.indicator_sets()["2024"]
    groups = list(dict.fromkeys(item.group for item in chosen.items)) or ["矿区环境"]
    rows = [["编号", "一级指标", "二级指标", "三级指标（评价内容）", "分值", "来源文件"]]
    shares = [100 // len(groups)] * len(groups)
    shares[0] += 100 - sum(shares)
    rows += [[n + 1, group, "", f"{group}评价内容", share, "本省存档文本"] for n, (group, share) in enumerate(zip(groups, shares))]
    return chosen, reference_tables.plan_indicator_items(chosen, build_xlsx(rows), "指标表.xlsx")


def _situations_plan(w: World):
    import io

    import openpyxl
    book = openpyxl.load_workbook(io.BytesIO(reference_tables.removal_template()))
    for row in range(2, 16):
        book["移出情形"].cell(row, 2).value = f"情形原文{row - 1}"
    buffer = io.BytesIO()
    book.save(buffer)
    return reference_tables.plan_removal_situations(buffer.getvalue(), "附件2.xlsx")


# action: (who may, setup(world) -> argument, call(world, argument, actor))
Action = tuple[set[str], Callable[[World], object], Callable[[World, object, str], object]]
ORGANIZERS = {ORGANIZER}
TEAM = {ORGANIZER, INSPECTOR}
ADMINS = {ADMIN}
NOTHING: Callable[[World], object] = lambda w: None

ACTIONS: dict[str, Action] = {
    "registry.create_mine": (ORGANIZERS, NOTHING, lambda w, _, a: registry.create_mine(
        w.db, {**{k: w.mine[k] for k in registry.EDITABLE}, "licence_no": "C4200002099999999999", "name": "新矿"}, a)),
    "registry.update_mine": (ORGANIZERS, NOTHING, lambda w, _, a: registry.update_mine(
        w.db, w.mine["id"], {**{k: w.mine[k] for k in registry.EDITABLE}, "owner": "改名公司"}, w.mine["version"], a)),
    "registry.remove_mine": (ORGANIZERS, NOTHING, lambda w, _, a: registry.remove_mine(
        w.db, w.mine["id"], date(2024, 1, 2), "测试移出", w.mine["version"], a)),
    "registry.restore_mine": (ORGANIZERS, NOTHING, lambda w, _, a: registry.restore_mine(
        w.db, w.removed[0], "决定撤销", w.removed[1], a)),
    "registry.upsert_mines": (ORGANIZERS, NOTHING, lambda w, _, a: registry.upsert_mines(
        w.db, [{**{k: w.mine[k] for k in registry.EDITABLE}, "owner": "导入公司"}], a, "测试导入")),
    "importer.apply_import": (ORGANIZERS, _register_plan, lambda w, plan, a: apply_import(w.db, plan, a)),
    "inspectors.save": (ORGANIZERS, NOTHING, lambda w, _, a: inspectors.save(
        w.db, {**inspectors.list_inspectors(w.db)[0], "title": "正高级"}, inspectors.list_inspectors(w.db)[0]["id"],
        inspectors.list_inspectors(w.db)[0]["version"], actor=a)),
    "inspectors.apply_import": (ORGANIZERS, _inspector_plan, lambda w, plan, a: inspectors.apply_import(w.db, plan, a)),
    "campaigns.create": (ORGANIZERS, NOTHING, lambda w, _, a: campaigns.create(
        w.db, 2024, "新任务", campaigns.default_deadline(2024), sampling.Rules(), [], a)),
    "campaigns.update_rules": (ORGANIZERS, _new_campaign, lambda w, cid, a: campaigns.update_rules(
        w.db, cid, "改名任务", date.today() + timedelta(days=10), sampling.Rules(), [], campaigns.get(w.db, cid).version, a)),
    "campaigns.delete": (ORGANIZERS, _new_campaign, lambda w, cid, a: campaigns.delete(w.db, cid, "建错了", a)),
    "campaigns.freeze": (ORGANIZERS, _new_campaign, lambda w, cid, a: campaigns.freeze(w.db, cid, a)),
    "campaigns.discard": (ORGANIZERS, _frozen, lambda w, draw, a: campaigns.discard(w.db, draw, "名录有误", a)),
    "campaigns.confirm": (ORGANIZERS, _frozen, lambda w, draw, a: campaigns.confirm(w.db, draw, "见证 2024", a, "湖北省")),
    "teams.save_team_draw": (ORGANIZERS, NOTHING, lambda w, _, a: teams.save_team_draw(
        w.db, w.campaign, teams.TeamRules(teams=len(inspections.team_leaders(w.db, w.campaign))), a)),
    "teams.swap_member": (ORGANIZERS, lambda w: _swappable(w), lambda w, pair, a: teams.swap_member(
        w.db, w.draw_id, *pair, "回避", a)),
    "inspections.open_record": (TEAM, NOTHING, lambda w, _, a: inspections.open_record(w.db, w.campaign, w.other_mine, a)),
    "inspections.save_draft": (TEAM, NOTHING, lambda w, _, a: inspections.save_draft(
        w.db, w.record.id, {"opinions": "加强复绿"}, w.record.version, a)),
    # A member confirms for themselves; for another member only as 代签 with a reason; nobody outside the team.
    "inspections.sign": ({INSPECTOR}, NOTHING, lambda w, _, a: inspections.sign(
        w.db, w.record.id, next(m["inspector_id"] for m in inspections.team_of(w.db, w.record)
                                if m["role"] != "组长" and m["inspector_id"] != w.users[INSPECTOR].inspector_id),
        a, proxy_reason="现场共用一台平板")),
    "inspections.submit": (TEAM, lambda w: _prepare_submission(w), lambda w, version, a: inspections.submit(
        w.db, w.record.id, version, a)),
    "inspections.amend": (TEAM, _submitted, lambda w, record, a: inspections.amend(
        w.db, record.id, {"remarks": "补充说明"}, "企业补充材料", record.version, a)),
    "inspections.add_evidence": (TEAM, NOTHING, lambda w, _, a: inspections.add_evidence(
        w.db, w.record.id, make_photo(), "b.jpg", "矿区环境", "", a)),
    "inspections.remove_evidence": (TEAM, _photo, lambda w, photo, a: inspections.remove_evidence(w.db, photo, a)),
    "followup.update_case": (ORGANIZERS, _case, lambda w, case, a: followup.update_case(
        w.db, case, "王经理", "13800000000", date(2030, 5, 3), followup.get_case(w.db, case).version, a)),
    "followup.complete_item": (ORGANIZERS, lambda w: followup.items(w.db, _case(w))[0]["id"],
                               lambda w, item, a: followup.complete_item(w.db, item, True, "已复绿", a)),
    "followup.add_step": (ORGANIZERS, _case, lambda w, case, a: followup.add_step(
        w.db, case, followup.SENT, date(2024, 3, 1), "", "整改报告", a)),
    "followup.propose_overdue": (ORGANIZERS, lambda w: _case(w, "2020-01-01"), lambda w, case, a: followup.propose_overdue(
        w.db, case, date.today(), a)),
    "followup.approve_removal": (ORGANIZERS, lambda w: _removal(w, False), lambda w, rid, a: followup.approve_removal(
        w.db, rid, date(2024, 6, 1), "鄂自然资函〔2024〕1号", "整改逾期", followup.get_removal(w.db, rid)["version"], a)),
    "followup.keep_listed": (ORGANIZERS, lambda w: _removal(w, False), lambda w, rid, a: followup.keep_listed(
        w.db, rid, "复核后符合标准", followup.get_removal(w.db, rid)["version"], a)),
    "followup.mark_reported": (ORGANIZERS, lambda w: _removal(w, True), lambda w, rid, a: followup.mark_reported(
        w.db, [rid], date(2024, 6, 1), a)),
    "followup.record_decision": (ORGANIZERS, lambda w: _removal(w, True), lambda w, rid, a: followup.record_decision(
        w.db, rid, True, "自然资源部公告2024年第8号", date(2024, 8, 1), followup.get_removal(w.db, rid)["version"], a)),
    "followup.restore": (ORGANIZERS, NOTHING, lambda w, _, a: followup.restore(w.db, w.removed[0], "决定撤销", a)),
    "campaigns.record_exemption": (ORGANIZERS, NOTHING, lambda w, _, a: campaigns.record_exemption(
        w.db, w.campaign, w.db.execute("SELECT licence_no FROM mines WHERE id = ?", [w.other_mine]).fetchone()[0],
        "停产", a)),
    "campaigns.remove_exemption": (ORGANIZERS, NOTHING, lambda w, _, a: campaigns.remove_exemption(
        w.db, w.campaign, "C0", a)),
    "followup.set_situation": (ORGANIZERS, lambda w: _removal(w, True), lambda w, rid, a: followup.set_situation(
        w.db, rid, "x", ["x"], followup.get_removal(w.db, rid)["version"], a)),
    "removal_proposal.save_letter": (ORGANIZERS, NOTHING, lambda w, _, a: removal_proposal.save_letter(
        w.db, w.campaign, removal_proposal.Letter("湖北省自然资源厅", "王某", "027-87654321", date(2023, 12, 1), "正文"),
        [], a)),
    "reference_tables.save_indicator_items": (ADMINS, _indicator_plan, lambda w, plan, a:
                                              reference_tables.save_indicator_items(w.db, plan[0], plan[1], a)),
    "reference_tables.clear_indicator_items": (ADMINS, NOTHING, lambda w, _, a: reference_tables.clear_indicator_items(
        w.db, "2024", a)),
    "reference_tables.save_removal_situations": (ADMINS, _situations_plan, lambda w, plan, a:
                                                 reference_tables.save_removal_situations(w.db, plan, a)),
    "reference_tables.clear_removal_situations": (ADMINS, NOTHING, lambda w, _, a:
                                                  reference_tables.clear_removal_situations(w.db, a)),
    "reference_tables.save_standard_numbers": (ADMINS, NOTHING, lambda w, _, a: reference_tables.save_standard_numbers(
        w.db, {}, a)),
    "reports.save_sections": (ORGANIZERS, NOTHING, lambda w, _, a: reports.save_sections(
        w.db, w.campaign.id, {"overview": "概况"}, 0, a)),
    "settings.put": (ADMINS, NOTHING, lambda w, _, a: settings.put(w.db, "evidence_max_distance_km", 5.0, a)),
    "settings.set_province": (ADMINS, NOTHING, lambda w, _, a: settings.set_province(w.db, "430000", a)),
    "basemap.save": (ADMINS, NOTHING, lambda w, _, a: basemap.save(w.db, basemap.Basemap(kind="none"), a)),
    "basemap.save_boundary": (ADMINS, NOTHING, lambda w, _, a: basemap.save_boundary(
        w.db, b'{"type": "Polygon", "coordinates": [[[110, 30], [112, 30], [112, 32], [110, 30]]]}', a)),
    "basemap.remove_boundary": (ADMINS, NOTHING, lambda w, _, a: basemap.remove_boundary(w.db, a)),
    "basemap.publish_local_tiles": (ADMINS, NOTHING, lambda w, _, a: basemap.publish_local_tiles(
        w.db, a, config.data_dir() / "tiles", config.data_dir() / "published")),
    "backup.create_backup": (ADMINS, NOTHING, lambda w, _, a: backup.create_backup(
        config.db_path(), config.data_dir(), config.data_dir() / "b.zip", None, a)),
    "demo.load_demo": (ADMINS, NOTHING, lambda w, _, a: demo.load_demo(w.db, mines=20, actor=a)),
    "accounts.create_user": (ADMINS, NOTHING, lambda w, _, a: accounts.create_user(
        w.db, "xinren", "新人", VIEWER, "mima54321", a)),
    "accounts.update_user": (ADMINS, NOTHING, lambda w, _, a: accounts.update_user(
        w.db, w.users[VIEWER].id, a, name="督导", role=VIEWER, inspector_id=None, active=False)),
    "accounts.reset_password": (ADMINS, NOTHING, lambda w, _, a: accounts.reset_password(
        w.db, w.users[VIEWER].id, "chongzhi123", a)),
    "accounts.unlock": (ADMINS, NOTHING, lambda w, _, a: accounts.unlock(w.db, w.users[VIEWER].id, a)),
}


def _prepare_submission(w: World) -> int:
    inspections.save_draft(w.db, w.record.id, complete_content(), w.record.version, SYSTEM)
    sign_all(w.db, inspections.get(w.db, w.record.id))
    return inspections.get(w.db, w.record.id).version


def test_every_writing_function_is_in_the_matrix() -> None:
    """A new write function (one taking ``actor``) must be added to the matrix."""
    import inspect

    from core import importer
    modules = (registry, importer, inspectors, campaigns, teams, inspections, reports, settings, basemap, backup, demo,
               accounts, followup, reference_tables, removal_proposal)
    writers = {f"{m.__name__.split('.')[-1]}.{name}" for m in modules for name, f in vars(m).items()
               if inspect.isfunction(f) and f.__module__ == m.__name__ and not name.startswith("_")
               and "actor" in inspect.signature(f).parameters}
    exempt = {"campaigns.record_history",  # called inside the writes above, after their check
              "demo.start_campaign",  # builds on campaigns.create/freeze/confirm and teams.save_team_draw
              "inspections.teams_of",  # reads which teams the actor may see
              # called inside the writes above (submit/amend, freeze, the follow-up steps), after their check:
              "followup.open_from_record", "followup.flag_open_cases", "registry.add_history",
              "followup.open_missing",  # once at start-up after an upgrade, by the system
              "registry.flag_for_rectification"}
    assert writers - exempt == set(ACTIONS)


# Public functions of core/ that change files or the database without taking an ``actor``, and why.
UNCHECKED_WRITES = {
    "accounts.authenticate": "a login: who acts is what it finds out",
    "accounts.sso_login": "a login through the identity provider",
    "accounts.resume_session": "ends an idle session",
    "backup.restore_backup": "the command line only (python -m core.backup restore), run by who holds the files",
    "cli.documents": "the command line's export of documents into a folder",
    "config.data_dir": "creates the data directory",
    "db.migrate": "the schema, when the database is opened",
    "db.erase_all_data": "inside demo.load_demo, after its check",
    "demo.write_xlsx": "the command line's demo register file",
    "storage.replacing": "the atomic file replacement the writes above use",
}
WRITES = {"write_text", "write_bytes", "unlink", "rmtree", "link", "copy2", "copyfile", "touch", "rmdir", "mkdir"}
SQL_WRITE = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER")


def test_every_function_that_writes_checks_who_acts() -> None:
    """A write path that takes no ``actor`` (as removing the boundary once did) is found here: a public
    function of core/ that changes files or runs SQL that writes must take ``actor`` or be listed above."""
    import ast
    from pathlib import Path
    unchecked = set()
    for path in sorted((Path(__file__).resolve().parents[1] / "core").glob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if not isinstance(node, ast.FunctionDef) or node.name.startswith("_"):
                continue
            if {"actor", "user"} & {a.arg for a in node.args.args + node.args.kwonlyargs}:
                continue
            for call in (n for n in ast.walk(node) if isinstance(n, ast.Call)):
                name = getattr(call.func, "attr", getattr(call.func, "id", ""))
                sql = call.args[0] if call.args and name in ("execute", "executemany") else None
                if isinstance(sql, ast.JoinedStr):  # an f-string: its first literal part
                    sql = sql.values[0] if sql.values else None
                if name in WRITES or (isinstance(sql, ast.Constant) and isinstance(sql.value, str)
                                      and sql.value.lstrip().upper().startswith(SQL_WRITE)):
                    unchecked.add(f"{path.stem}.{node.name}")
    assert unchecked == set(UNCHECKED_WRITES)


def _fingerprint(db) -> str:
    """Every table's rows (a refused call must leave them all as they were)."""
    tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    digest = hashlib.sha256()
    for table in tables:
        for row in db.execute(f"SELECT * FROM [{table}] ORDER BY rowid"):
            digest.update(repr(row).encode())
    return digest.hexdigest()


@pytest.fixture
def world(tmp_path):
    from core import db as dbmod
    database = dbmod.connect(config.db_path())
    yield World(database)
    database.close()


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_the_matrix(world: World, action: str) -> None:
    allowed, setup, call = ACTIONS[action]
    argument = setup(world)
    for role in ROLES:
        if role in allowed:
            continue
        before = _fingerprint(world.db)
        with pytest.raises(Denied) as refused:
            call(world, argument, world.users[role])
        assert "无权" in str(refused.value) or "不是该矿山核查组的成员" in str(refused.value)
        assert _fingerprint(world.db) == before, f"{role} was refused {action} but something was written"
    # The first role granted does it (a granted call must not be refused); the rest are granted the same way.
    granted = sorted(allowed, key=ROLES.index)[0]
    call(world, argument, world.users[granted])


def test_an_inspector_writes_only_their_own_teams_record(world: World) -> None:
    mine, stranger = world.users[INSPECTOR], world.users[OTHER_TEAM]
    inspections.save_draft(world.db, world.record.id, {"opinions": "本组填写"}, world.record.version, mine)
    assert inspections.get(world.db, world.record.id).content["opinions"] == "本组填写"
    with pytest.raises(Denied, match="不是该矿山核查组的成员"):
        inspections.save_draft(world.db, world.record.id, {"opinions": "他组填写"},
                               inspections.get(world.db, world.record.id).version, stranger)
    assert inspections.teams_of(world.db, world.campaign, mine) == [1]
    assert 1 not in inspections.teams_of(world.db, world.campaign, stranger)
    assert inspections.teams_of(world.db, world.campaign, world.users[ORGANIZER]) is None


def test_an_unlinked_inspector_writes_no_record(world: World) -> None:
    unlinked = access.User(99, "nobody", "无关联", INSPECTOR, None)
    with pytest.raises(Denied):
        inspections.save_draft(world.db, world.record.id, {"opinions": "x"}, world.record.version, unlinked)


def test_the_command_line_is_trusted_and_each_role_holds_what_it_is_granted() -> None:
    assert access.may(SYSTEM, access.ACCOUNTS) and access.may(SYSTEM, access.REGISTER)
    viewer = access.User(1, "v", "看", VIEWER)
    assert access.may(viewer, access.OVERVIEW) and not access.may(viewer, access.REGISTER)
    assert str(viewer) == "看（v）" and viewer.role == VIEWER
