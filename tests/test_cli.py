"""``python -m core.cli``: ``documents`` writes every document of a campaign to a folder, read back;
``audit-head`` and ``audit-verify`` show the audit chain's head and check the log against a kept one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl

from core import audit, campaigns, cli, config, demo, sampling
from core import db as dbmod
from core.access import System

ROOT = Path(__file__).resolve().parents[1]


def test_every_document_of_a_campaign_is_written_to_a_folder(tmp_path, monkeypatch) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    monkeypatch.setenv("GREENMINE_DATA_DIR", str(data_dir))  # the demo's photos go where the command reads them
    database = dbmod.connect(data_dir / "greenmine.db")
    demo.load_demo(database, mines=120)
    campaign = demo.demo_campaign(database)
    national = database.execute(
        "SELECT COUNT(*) FROM records r JOIN mines m ON m.id = r.mine_id WHERE r.campaign_id = ? AND r.status = '已提交' "
        "AND m.level = '国家级'", [campaign.id]).fetchone()[0]
    database.close()
    out = tmp_path / "文件"
    env = {**os.environ, "GREENMINE_DATA_DIR": str(data_dir)}
    done = subprocess.run([sys.executable, "-m", "core.cli", "documents", "--campaign", str(campaign.id), "--out", str(out)],
                          cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "阶段性版本" in done.stdout  # the demo campaign is under way
    names = {str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()}
    stem = f"湖北省{campaign.year}年度"
    for expected in (f"{stem}绿色矿山核查报告（阶段性）.pdf", f"{stem}绿色矿山抽查核查结果汇总表.xlsx",
                     f"{stem}绿色矿山抽查核查结果汇总表.csv", f"{stem}绿色矿山抽查核查结果（公开）.xlsx",
                     f"{campaign.title}抽签记录（第1次）.json", f"{campaign.title}抽签记录（第1次）.pdf",
                     f"{campaign.title}随机抽查名单.pdf", f"{campaign.title}随机抽查名单.xlsx",
                     f"{stem}绿色矿山核查报部材料（阶段性）.zip"):
        assert expected in names, (expected, names)
    records = [n for n in names if n.startswith("国家级绿色矿山核查记录表/")]
    assert len(records) == national > 0
    record = json.loads((out / f"{campaign.title}抽签记录（第1次）.json").read_text(encoding="utf-8"))
    assert sampling.verify(record) == []
    public = openpyxl.load_workbook(out / f"{stem}绿色矿山抽查核查结果（公开）.xlsx").active
    assert str(public.cell(public.max_row, 1).value).startswith("注：截至")
    with zipfile.ZipFile(out / f"{stem}绿色矿山核查报部材料（阶段性）.zip") as archive:
        assert json.loads(archive.read("文件清单.json"))["final"] is False


def test_an_unknown_campaign_is_refused_in_chinese(tmp_path) -> None:
    env = {**os.environ, "GREENMINE_DATA_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "core.cli", "documents", "--campaign", "99", "--out", str(tmp_path / "x")],
                          cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 1 and "该核查任务不存在" in done.stderr
    assert not (tmp_path / "x").exists()
    assert campaigns  # the module the message comes from


def audit_log_of_the_app(rows: int = 6):
    """The app's database (in this test's data directory) with ``rows`` audit entries."""
    database = dbmod.connect(config.db_path())
    for number in range(rows):
        audit.log(database, System("管理员"), "设置", f"key {number}")
    return database


def test_audit_head_prints_the_line_to_keep(capsys) -> None:
    database = audit_log_of_the_app()
    head = audit.head(database)
    database.close()
    assert cli.main(["audit-head"]) == 0
    out = capsys.readouterr().out
    assert f"审计日志链头：{head.short()}" in out and f"\n{head.seq}:{head.hash}\n" in out
    assert f"audit-verify --head {head.seq}:{head.hash[:16]}" in out


def test_audit_verify_finds_a_cut_and_a_rewrite_only_against_a_kept_head(capsys) -> None:
    database = audit_log_of_the_app()
    kept = audit.head(database).kept()
    fourth = database.execute("SELECT hash FROM audit_log WHERE seq = 4").fetchone()[0]
    assert cli.main(["audit-verify", "--head", kept[:30]]) == 0
    assert "审计日志链完整" in capsys.readouterr().out

    database.execute("DROP TRIGGER audit_log_no_delete")
    database.execute("DELETE FROM audit_log WHERE seq > 4")
    database.conn.commit()
    assert cli.main(["audit-verify"]) == 0  # the chain alone cannot tell
    assert "无法发现末尾被删除" in capsys.readouterr().out
    assert cli.main(["audit-verify", "--head", kept]) == 1
    assert "末尾的 2 条日志已被删除" in capsys.readouterr().out

    database.execute("DROP TRIGGER audit_log_no_update")
    database.execute("UPDATE audit_log SET hash = ? WHERE seq = 4", ["0" * 64])  # a rewrite, however done
    database.conn.commit()
    database.close()
    assert cli.main(["audit-verify", "--head", f"4:{fourth}"]) == 1
    assert "与另行保存的链头" in capsys.readouterr().out


def test_audit_verify_refuses_an_unreadable_head_and_a_missing_database(capsys) -> None:
    assert cli.main(["audit-verify", "--head", "12:abc"]) == 1
    assert "至少需要前 16 位" in capsys.readouterr().err
    assert cli.main(["audit-verify"]) == 1 and cli.main(["audit-head"]) == 1
    assert "没有找到数据库文件" in capsys.readouterr().err
    assert not config.db_path().exists()  # not created by asking
