"""Hostile and careless inputs (issue 15): the files are made here, in the test, never committed."""

from __future__ import annotations

import csv
import io
import json
from types import SimpleNamespace

import openpyxl
import pytest

from core import audit, campaigns, demo, draw_record, exports, registry, reports
from core.importer import apply_import, plan_import
from core.validation import WARNING
from core.access import System

FORMULAS = ('=HYPERLINK("http://10.1.2.3/login","点我")', "=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1:A9)")


def _written_as_text(content: bytes) -> list[str]:
    """Every cell of every sheet that begins like a formula: each must be a plain string, not a formula."""
    book = openpyxl.load_workbook(io.BytesIO(content))
    found = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith(exports.FORMULA_START):
                    assert cell.data_type == "s", (sheet.title, cell.coordinate, cell.value)
                    found.append(cell.value)
    return found


@pytest.fixture
def hostile(demo_db):
    """The demo register with formula-like names on five mines, imported through the register import."""
    mines = registry.list_mines(demo_db).to_dict("records")[:5]
    for mine, name in zip(mines, FORMULAS):
        mine["name"] = name
    plan = plan_import(demo_db, exports.register_xlsx(mines), "名录.xlsx")
    warned = {p.value for p in plan.problems if p.severity == WARNING and "公式" in p.message}
    assert warned == set(FORMULAS)  # imported with a warning, not silently
    apply_import(demo_db, plan, System("组织者"))
    return demo_db


def test_formula_names_are_text_in_every_xlsx_and_neutralised_in_csv(hostile) -> None:
    mines = registry.list_mines(hostile).to_dict("records")
    assert set(FORMULAS) <= {m["name"] for m in mines}
    assert set(FORMULAS) <= set(_written_as_text(exports.register_xlsx(mines)))
    # CSV: a leading apostrophe, which the import takes away again (the round trip keeps the text).
    content = exports.register_csv(mines)
    names = [row[1] for row in csv.reader(io.StringIO(content.decode("utf-8-sig")))][1:]
    assert {"'" + formula for formula in FORMULAS} <= set(names)
    plan = plan_import(hostile, content, "导出.csv")
    assert plan.errors == [] and (len(plan.new), len(plan.changed)) == (0, 0)


def test_reports_draw_records_and_audit_exports_write_text(hostile) -> None:
    campaign = demo.start_campaign(hostile)
    record = json.loads(campaigns.current_draw(hostile, campaign)["record"])
    by_licence = {m["licence_no"]: m for m in registry.list_mines(hostile).to_dict("records")}
    drawn = [by_licence[s["licence_no"]]["name"] for s in record["selections"]]
    listed = _written_as_text(draw_record.drawn_xlsx(record, by_licence, "名单"))
    assert [name for name in drawn if name in FORMULAS] == [name for name in listed if name in FORMULAS]
    table = reports.summary_table(hostile, campaign, include_drafts=True)
    _written_as_text(reports.summary_xlsx(table, "湖北省"))
    _written_as_text(reports.public_xlsx(reports.public_results(hostile, campaign), "公开"))
    # An entry of the audit trail about such a name: its export writes it as text too.
    audit.log(hostile, "组织者", "测试", FORMULAS[0])
    assert FORMULAS[0] in _written_as_text(audit.export_xlsx(audit.entries(hostile), "审计日志"))
    rows = list(csv.reader(io.StringIO(reports.summary_csv(table).decode("utf-8-sig"))))
    assert not [cell for row in rows for cell in row if cell.startswith(exports.FORMULA_START)]


def test_the_command_line_keeps_the_data_private(tmp_path) -> None:
    """The database and the data directory the app's commands create are the service user's alone."""
    import os
    import stat
    import subprocess
    import sys
    from pathlib import Path

    data = tmp_path / "数据"
    data.mkdir(mode=0o755)
    data.chmod(0o755)  # as an earlier version (or a careless umask) left it
    env = {**os.environ, "GREENMINE_DATA_DIR": str(data)}
    root = Path(__file__).resolve().parents[1]
    subprocess.run([sys.executable, "-m", "core.demo", "--seed-if-empty", "--mines", "30"], cwd=root, env=env,
                   check=True, capture_output=True)
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    database = data / "greenmine.db"
    assert stat.S_IMODE(database.stat().st_mode) & 0o077 == 0
    assert all(stat.S_IMODE(p.stat().st_mode) & 0o077 == 0 for p in data.rglob("*"))


def test_a_flood_of_huge_login_names_is_refused_short_and_logged_short(db) -> None:
    from core import accounts
    before = db.execute("SELECT COUNT(*), COALESCE(SUM(LENGTH(detail) + LENGTH(target) + LENGTH(actor)), 0) "
                        "FROM audit_log").fetchone()
    huge = "甲" * 5_000_000
    with pytest.raises(accounts.LoginFailed, match="账号或密码不正确"):
        accounts.authenticate(db, huge, "x")
    with pytest.raises(accounts.LoginFailed, match="账号或密码不正确"):
        accounts.authenticate(db, "zuzhi", "p" * 5_000_000)
    count, size = db.execute("SELECT COUNT(*), SUM(LENGTH(detail) + LENGTH(target) + LENGTH(actor)) FROM audit_log").fetchone()
    assert count == before[0] + 2 and size - before[1] < 2_000  # two short entries, not 10 MB
    assert accounts.password_problems("a1" * 600) == [f"密码不能超过 {accounts.MAX_PASSWORD} 位"]


def test_unknown_wrong_and_stopped_accounts_get_one_message_after_the_same_work(db, monkeypatch) -> None:
    """Account enumeration: the same words, and exactly one Argon2 verification, whatever was wrong."""
    from core import accounts
    accounts.create_user(db, "tingyong", "停用者", "组织者", "mima12345", System("测试"), must_change=False)
    stopped = accounts.get(db, db.execute("SELECT id FROM users WHERE username = 'tingyong'").fetchone()[0])
    accounts.update_user(db, stopped.id, System("测试"), name="停用者", role="组织者", inspector_id=None, active=False)
    accounts.create_user(db, "zhengchang", "正常者", "组织者", "mima12345", System("测试"), must_change=False)
    verifications = []
    real = accounts._verify
    monkeypatch.setattr(accounts, "_verify", lambda *a: verifications.append(1) or real(*a))
    messages = set()
    for client, (name, password) in enumerate((("nobody", "mima12345"), ("zhengchang", "wrong-1234"),
                                                ("tingyong", "mima12345"), ("tingyong", "wrong-1234"))):
        with pytest.raises(accounts.LoginFailed) as refused:
            accounts.authenticate(db, name, password, client=f"10.0.0.{client}")
        messages.add(str(refused.value))
    assert messages == {f"账号或密码不正确（再错 {accounts.MAX_FAILURES - 1} 次须等待 {accounts.LOCK_MINUTES} 分钟）。"}
    assert len(verifications) == 4


def test_password_verification_holds_no_write_lock(db, tmp_path, monkeypatch) -> None:
    """A login flood must not stall other users' saves: while a password is being verified, another
    connection can write."""
    from core import accounts
    from core.db import connect, transaction
    path = tmp_path / "shared.db"
    first = connect(path)
    accounts.create_user(first, "zhangsan", "张三", "组织者", "mima12345", System("测试"), must_change=False)
    other = connect(path)
    other.conn.execute("PRAGMA busy_timeout = 0")  # a held write lock would fail at once, not wait
    wrote = []

    def verify_while_another_writes(stored, password):
        with transaction(other):
            other.execute("INSERT INTO settings (key, value) VALUES ('probe', '1')")
        wrote.append(True)
        return real(stored, password)

    real = accounts._verify
    monkeypatch.setattr(accounts, "_verify", verify_while_another_writes)
    assert accounts.authenticate(first, "zhangsan", "mima12345").username == "zhangsan"
    assert wrote == [True]


@pytest.mark.parametrize("url, headers, secure", [
    ("http://10.1.2.3:8501/", {}, False),
    ("https://lvkuang.example.gov.cn/", {}, True),
    ("http://127.0.0.1:8501/", {"X-Forwarded-Proto": "https"}, True),  # behind the reverse proxy's HTTPS
])
def test_the_session_cookie_is_secure_under_https(monkeypatch, url, headers, secure) -> None:
    import streamlit
    from ui import auth
    written = []
    monkeypatch.setattr(streamlit, "context", SimpleNamespace(url=url, headers=headers, ip_address=None))
    monkeypatch.setattr(streamlit, "html", lambda body, **_: written.append(body))
    monkeypatch.setattr(streamlit, "session_state", {auth.PENDING_COOKIE: "token"})
    auth.write_cookie()
    assert ("; Secure" in written[0]) == secure and "SameSite=Strict" in written[0]


@pytest.mark.parametrize("peer, headers, client", [
    ("10.0.0.8", {"X-Real-IP": "6.6.6.6"}, "10.0.0.8"),  # a browser cannot claim another address
    (None, {"X-Real-IP": "10.0.0.9"}, "10.0.0.9"),  # the reverse proxy on this server forwards it
    ("127.0.0.1", {"X-Forwarded-For": "6.6.6.6, 10.0.0.7"}, "10.0.0.7"),  # the entry the proxy added
    (None, {}, "127.0.0.1"),
])
def test_failed_logins_are_counted_against_the_real_client(monkeypatch, peer, headers, client) -> None:
    import streamlit
    from ui import auth
    monkeypatch.setattr(streamlit, "context", SimpleNamespace(url="", headers=headers, ip_address=peer))
    assert auth.client_address() == client


def test_every_free_text_input_is_bounded_on_the_server(demo_db) -> None:
    """A form, or a script posing as one, cannot store a huge text: record fields, captions, file names,
    reasons, names, titles, report sections and letters are each refused with the field named."""
    from datetime import date

    from core import accounts, inspections, limits
    from core.access import System
    from tests.photos import make_photo
    actor = System("测试")
    huge = "长" * (limits.SECTION + 1)
    campaign = demo.start_campaign(demo_db)
    first = inspections.campaign_records(demo_db, campaign).iloc[0]
    record = inspections.open_record(demo_db, campaign, int(first["id"]), actor)
    mine = registry.get_by_licence(demo_db, first["licence_no"])
    before = demo_db.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0]
    refusals = [
        (inspections.InspectionError, "意见建议", lambda: inspections.save_draft(
            demo_db, record.id, {"opinions": huge}, record.version, actor)),
        (inspections.InspectionError, "影像说明", lambda: inspections.add_evidence(
            demo_db, record.id, make_photo(), "a.jpg", campaign.photo_areas[0], huge, actor)),
        (inspections.InspectionError, "文件名", lambda: inspections.add_evidence(
            demo_db, record.id, make_photo(), "甲" * 300 + ".jpg", campaign.photo_areas[0], "", actor)),
        (accounts.AccountError, "姓名", lambda: accounts.create_user(
            demo_db, "changming", huge, "查看者", "mima12345", actor)),
        (campaigns.CampaignError, "任务名称", lambda: campaigns.create(
            demo_db, 2030, huge, date(2030, 11, 30), campaign.rules, [], actor)),
        (campaigns.CampaignError, "未核查的原因", lambda: campaigns.record_exemption(
            demo_db, campaign, first["licence_no"], huge, actor)),
        (reports.ReportError, "工作概况", lambda: reports.save_sections(demo_db, campaign.id, {"overview": huge}, 0, actor)),
        (registry.RegistryError, "矿山名称", lambda: registry.update_mine(
            demo_db, mine["id"], {**mine, "name": huge}, mine["version"], actor)),
    ]
    for error, label, attempt in refusals:
        with pytest.raises(error, match=f"“[^”]*{label}[^”]*”过长"):
            attempt()
    assert demo_db.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0] == before  # nothing written
    assert inspections.get(demo_db, record.id).content["opinions"] == ""
