"""``python -m core.cli documents``: every document of a campaign written to a folder, read back."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl

from core import campaigns, demo, sampling
from core import db as dbmod

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
