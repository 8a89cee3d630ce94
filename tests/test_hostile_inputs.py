"""Hostile and careless inputs (issue 15): the files are made here, in the test, never committed."""

from __future__ import annotations

import csv
import io
import json

import openpyxl
import pytest

from core import audit, campaigns, demo, draw_record, exports, registry, reports
from core.importer import apply_import, plan_import
from core.validation import WARNING

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
    apply_import(demo_db, plan, "组织者")
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
