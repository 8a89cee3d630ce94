"""The draw record as PDF (read back with pdftotext) and the drawn mines as xlsx; the CJK font search."""

from __future__ import annotations

import io
import subprocess

import openpyxl
import pytest

from core import draw_record, pdf, sampling
from tests.test_sampling import register

RARE = "堃喆犇赟"


def data_and_mines():
    rows = register(60)
    data = sampling.record(rows, sampling.Rules(), "nonce-1", "见证 83721", {
        "campaign": "湖北省2023年度绿色矿山实地抽查核查", "draw": 1, "frozen_at": "2023-10-18T09:00:00",
        "drawn_at": "2023-10-20T10:30:00", "ministry_direct": []})
    mines = {row["licence_no"]: {"name": row["name"], "city": "宜昌市", "county": "夷陵区", "mineral": "磷矿",
                                 "method": row["method"]} for row in rows}
    mines[data["selections"][0]["licence_no"]]["name"] = f"{RARE}示例矿"  # rare characters must render
    return data, mines


def test_the_pdf_record_reads_back_with_every_character(tmp_path) -> None:
    data, mines = data_and_mines()
    path = tmp_path / "抽签记录.pdf"
    path.write_bytes(draw_record.record_pdf(data, mines, pdf.find_font()))
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "湖北省2023年度绿色矿山实地抽查核查" in text and "2023年10月20日 10:30" in text
    assert data["commitment"] in text and data["seed"] in text and "见证 83721" in text
    assert f"抽中矿山名单（{len(data['selections'])} 座）" in text
    assert f"{RARE}示例矿" in text
    assert all(s["licence_no"] in text for s in data["selections"])


def test_drawn_mines_xlsx_for_publication() -> None:
    data, mines = data_and_mines()
    sheet = openpyxl.load_workbook(io.BytesIO(draw_record.drawn_xlsx(data, mines, "抽中矿山名单"))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "抽中矿山名单"
    assert rows[1][:4] == ("序号", "入库级别", "采矿许可证号", "矿山名称")
    assert [r[2] for r in rows[2:2 + len(data["selections"])]] == [s["licence_no"] for s in data["selections"]]


def test_a_missing_font_says_what_to_install(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(pdf, "CANDIDATES", ((str(tmp_path / "none.ttc"), 0),))
    monkeypatch.setenv("WINDIR", str(tmp_path))
    monkeypatch.setattr(pdf, "bundled_candidates", lambda: [])
    monkeypatch.setattr(pdf, "fontconfig_candidates", lambda: [])
    with pytest.raises(pdf.FontMissing, match="fonts-noto-cjk"):
        pdf.find_font()
    with pytest.raises(pdf.FontMissing, match="不存在"):
        pdf.find_font(str(tmp_path / "simhei.ttf"))
    monkeypatch.setenv(pdf.ENV_FONT, "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc#2")
    assert pdf.find_font() == pdf.Font("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2)


def test_publication_lists_mines_and_teams(tmp_path) -> None:
    data, mines = data_and_mines()
    team_rows = [{"核查组": "第1组", "组长": "王某华（湖北省自然资源厅，副高级/处级）", "组员": "李某明（地质）、赵某强（采矿）",
                  "核查矿山数": len(data["selections"]), "负责地市": "宜昌市"}]
    path = tmp_path / "公开名单.pdf"
    path.write_bytes(draw_record.publication_pdf(data, mines, team_rows, "湖北省2023年度随机抽查名单", pdf.find_font()))
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "湖北省2023年度随机抽查名单" in text and "二、核查组（1 个）" in text and "王某华" in text
    book = openpyxl.load_workbook(io.BytesIO(draw_record.drawn_xlsx(data, mines, "名单", team_rows)))
    assert book.sheetnames == ["抽中矿山", "核查组"]
    assert book["核查组"]["B2"].value.startswith("王某华")


def wrapped_in(text: str, name: str) -> bool:
    """``name`` whole in ``text`` although its cell wrapped: its characters in order, with the neighbouring
    cells' lines between (pdftotext reads a table row line by line)."""
    start = text.find(name[:6])
    position = start
    for char in name:
        position = text.find(char, position)
        if position < 0:
            return False
        position += 1
    return start >= 0 and position - start < len(name) * 4 + 200


def test_the_record_cites_its_basis_and_rules_and_never_cuts_a_name(tmp_path) -> None:
    from core import campaigns
    data, mines = data_and_mines()
    data["meta"]["basis"] = [campaigns.BASIS_PRESETS[0]]
    long_name = "宜昌市夷陵区堃喆犇赟示例矿业有限责任公司樟村坪镇桃坪河磷矿东段及西段露天-地下联合开采区"
    mines[data["selections"][1]["licence_no"]]["name"] = long_name
    path = tmp_path / "抽签记录.pdf"
    path.write_bytes(draw_record.record_pdf(data, mines, pdf.find_font()))
    text = "".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout.split())
    assert "依据：《自然资源部办公厅关于开展2023年度绿色矿山实地抽查核查工作的通知》（自然资办函〔2023〕1017号）" in text
    assert "计为露天开采的开采方式：露天开采、露天-地下联合开采" in text
    assert wrapped_in(text, long_name) and "…" not in text
    published = tmp_path / "公开名单.pdf"
    published.write_bytes(draw_record.publication_pdf(data, mines, [], "名单", pdf.find_font()))
    text = "".join(subprocess.run(["pdftotext", str(published), "-"], capture_output=True, text=True,
                                  check=True).stdout.split())
    assert wrapped_in(text, long_name) and text.count("自然资办函〔2023〕1017号") == 1
    assert "…" not in text.replace(data["seed"][:16] + "…", "")  # only the seed is shortened, never a name


def long_name(number: int, name: str) -> str:
    """A register name made long and awkward: 40+ characters, rare characters, ending in "）"."""
    return f"{name}堃喆犇赟{number}号矿区东段及西段露天-地下联合开采区（扩建30万吨/年，2027年4月30日到期）"


def test_a_demo_draw_with_long_names_lists_every_drawn_mine_whole_and_set_as_chinese(demo_db, tmp_path) -> None:
    import json

    from core import campaigns, demo, registry, teams
    from tests.test_pdf import assert_set_as_chinese
    campaign = demo.start_campaign(demo_db)
    record = json.loads(campaigns.current_draw(demo_db, campaign)["record"])
    mines = {mine["licence_no"]: {**mine, "name": long_name(n, mine["name"])}
             for n, mine in enumerate(registry.list_mines(demo_db).to_dict("records"))}
    drawn = [mines[s["licence_no"]]["name"] for s in record["selections"]]
    assert drawn and min(len(name) for name in drawn) >= 40
    assert_set_as_chinese(draw_record.record_pdf(record, mines, pdf.find_font()), tmp_path, drawn)
    team_draw = teams.latest_team_draw(demo_db, campaign)
    team_rows = teams.teams_frame(demo_db, team_draw["id"]).to_dict("records")
    published = draw_record.publication_pdf(record, mines, team_rows, f"{campaign.title}随机抽查名单", pdf.find_font())
    assert_set_as_chinese(published, tmp_path, drawn, abridged=(record["seed"][:16] + "…",))
