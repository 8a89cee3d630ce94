"""core.demo: the deterministic, clearly fictitious demo register."""

from __future__ import annotations

import re
from datetime import date
from collections import Counter

import pytest

from core import demo, exports, reference, registry, regions, settings
from core.importer import plan_import
from core.labels import LEVELS, METHODS, STATUS_REMOVED
from core.access import System

LICENCE = re.compile(r"^C\d{22}$")


@pytest.fixture(scope="module")
def thousand():
    return demo.generate(1000)


def test_same_seed_same_output():
    assert demo.generate(80) == demo.generate(80)
    assert demo.generate(30, seed=7) == demo.generate(30, seed=7)


def test_other_seed_other_output():
    first, second = demo.generate(30, seed=1), demo.generate(30, seed=2)
    assert [m["licence_no"] for m in first] != [m["licence_no"] for m in second]


def test_count_and_columns(thousand):
    assert len(thousand) == 1000
    assert all(set(m) <= set(registry.EDITABLE) for m in thousand)
    assert {"licence_no", "name", "level", "city_code", "county_code", "mineral", "method", "lon", "lat"} <= set(thousand[0])


def test_level_shares(thousand):
    counts = Counter(m["level"] for m in thousand)
    assert counts == {"国家级": 100, "省级": 500, "市级": 250, "县级": 150}
    small = Counter(m["level"] for m in demo.generate(60))
    assert small == {"国家级": 6, "省级": 30, "市级": 15, "县级": 9}
    assert sum(Counter(m["level"] for m in demo.generate(7)).values()) == 7


def test_listing_years_follow_the_level(thousand):
    for mine in thousand:
        low, high = demo.LISTING_YEARS[mine["level"]]
        assert low <= mine["listing_year"] <= high


def test_every_mine_lies_in_the_province_and_in_its_county(thousand):
    for mine in thousand:
        assert regions.in_province("420000", mine["lon"], mine["lat"]), mine
        county = regions.region_by_code(mine["county_code"])
        assert county is not None and county.province_code == "420000"
        assert county.prefecture_code == mine["city_code"]
        assert abs(mine["lon"] - county.lon) <= 0.12 + 1e-9 and abs(mine["lat"] - county.lat) <= 0.10 + 1e-9
        assert (mine["province"], mine["province_code"]) == ("湖北省", "420000")


def test_licences_are_unique_and_well_formed(thousand):
    licences = [m["licence_no"] for m in thousand]
    assert len(set(licences)) == len(licences)
    assert all(LICENCE.match(l) for l in licences)
    assert all(m["licence_no"][1:7] == m["county_code"] for m in thousand)


def test_names_are_fictitious_and_unique(thousand):
    assert all("示例" in m["name"] and "示例" in m["owner"] for m in thousand)
    assert all(m["name"].startswith(m["owner"]) and m["name"].endswith("矿") for m in thousand)
    assert len({m["name"] for m in thousand}) == len(thousand)


def test_flags_about_ten_percent_each(thousand):
    problem = sum(m["flag_problem"] for m in thousand) / len(thousand)
    rectify = sum(m["flag_rectify"] for m in thousand) / len(thousand)
    assert 0.06 <= problem <= 0.14
    assert 0.06 <= rectify <= 0.14
    for mine in thousand:
        assert bool(mine["problem_desc"]) == bool(mine["flag_problem"]) == bool(mine["problem_source"])
        assert bool(mine["rectify_demand"]) == bool(mine["flag_rectify"])


def test_values_are_consistent_with_the_reference_tables(thousand):
    for mine in thousand:
        assert mine["level"] in LEVELS and mine["method"] in METHODS
        assert mine["standard"] == reference.standard_for(mine["mineral"]) != ""
        assert mine["scale_class"] == reference.scale_class_for(
            mine["mineral"], mine["method"], mine["scale_value"], mine["scale_unit"]) != ""
    methods = Counter(m["method"] for m in thousand)
    assert methods["露天开采"] > methods["地下开采"] > methods["露天-地下联合开采"] > 0


def test_several_provinces():
    mines = demo.generate(10, ("420000", "430000", "360000"))
    assert Counter(m["province_code"] for m in mines) == {"420000": 4, "430000": 3, "360000": 3}
    for mine in mines:
        assert regions.in_province(mine["province_code"], mine["lon"], mine["lat"])
    with pytest.raises(ValueError, match="未知的省级行政区划代码"):
        demo.generate(5, ("420100",))


def test_demo_xlsx_imports_with_zero_errors(db):
    content = exports.register_xlsx(demo.generate(120))
    plan = plan_import(db, content, "演示.xlsx")
    assert plan.errors == []
    assert plan.warnings == []
    assert len(plan.new) == 120


def test_write_xlsx(tmp_path):
    path = tmp_path / "out" / "demo.xlsx"
    demo.write_xlsx(demo.generate(5), path)
    assert path.read_bytes()[:4] == b"PK\x03\x04"


def test_load_demo_fills_the_register(db):
    assert demo.load_demo(db, mines=60) == 60
    assert registry.count_mines(db) == 60
    assert settings.province(db).code == "420000"
    generated = {m["licence_no"] for m in demo.generate(60)}
    assert {r[0] for r in db.execute("SELECT licence_no FROM mines")} == generated
    removed = registry.list_mines(db, registry.Filters(statuses=[STATUS_REMOVED]))
    assert len(removed) == 1
    row = removed.iloc[0]
    assert row["removed_reason"] in demo.REMOVAL_REASONS
    assert row["removed_date"].startswith("2024-")
    history = db.execute(
        "SELECT actor, action, field, new_value FROM mine_history WHERE mine_id = ? AND action = '移出'", [int(row["id"])]
    ).fetchall()
    assert ("演示数据", "移出", "status", STATUS_REMOVED) in history
    creations = db.execute("SELECT COUNT(*) FROM mine_history WHERE action = '导入新增'").fetchone()[0]
    assert creations == 60


def test_load_demo_replaces_the_register(demo_db, valid_mine):
    from core.validation import validate_mine

    values, _ = validate_mine(valid_mine(), regions.region_by_code("420000"))
    own = registry.create_mine(demo_db, values, System("张三"))
    registry.update_mine(demo_db, own, {**values, "level": "国家级"}, 1, System("张三"))
    demo_db.execute("INSERT INTO imports (at, actor, filename, sha256, rows, created, updated) "
                    "VALUES ('2024-01-01T00:00:00', '张三', 'a.xlsx', 'x', 1, 1, 0)")
    settings.set_province(demo_db, "430000", System("测试"))

    assert demo.load_demo(demo_db, mines=40, province_code="420000", seed=5) == 40
    assert registry.count_mines(demo_db) == 40
    assert registry.get_by_licence(demo_db, values["licence_no"]) is None
    assert {r[0] for r in demo_db.execute("SELECT licence_no FROM mines")} == {m["licence_no"] for m in demo.generate(40, seed=5)}
    assert demo_db.execute("SELECT COUNT(*) FROM imports").fetchone()[0] == 0
    assert demo_db.execute("SELECT COUNT(*) FROM mine_history WHERE actor != '演示数据'").fetchone()[0] == 0
    orphans = demo_db.execute(
        "SELECT COUNT(*) FROM mine_history WHERE mine_id NOT IN (SELECT id FROM mines)").fetchone()[0]
    assert orphans == 0
    assert settings.province(demo_db).code == "420000"
    assert len(registry.list_mines(demo_db, registry.Filters(statuses=[STATUS_REMOVED]))) == 1


def test_load_demo_for_another_province(db):
    demo.load_demo(db, mines=20, province_code="430000")
    assert settings.province(db).name == "湖南省"
    assert {r[0] for r in db.execute("SELECT DISTINCT province_code FROM mines")} == {"430000"}


def test_load_demo_is_all_or_nothing(demo_db):
    before = demo_db.execute("SELECT * FROM mines ORDER BY id").fetchall()
    with pytest.raises(ValueError):
        demo.load_demo(demo_db, mines=10, province_code="999999")
    assert demo_db.execute("SELECT * FROM mines ORDER BY id").fetchall() == before


def test_command_line_seeds_an_empty_database_once(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GREENMINE_DATA_DIR", str(tmp_path))
    assert demo.main(["--seed-if-empty", "--mines", "15"]) == 0
    assert "已写入 15 座演示矿山" in capsys.readouterr().out
    assert demo.main(["--seed-if-empty", "--mines", "15"]) == 0
    assert "未写入演示数据" in capsys.readouterr().out
    from core import db as dbmod

    database = dbmod.connect(tmp_path / "greenmine.db")
    assert registry.count_mines(database) == 15
    database.close()


def test_the_demo_campaign_is_under_way(demo_db):
    from core import inspections

    campaign = demo.demo_campaign(demo_db, today=date(2026, 11, 10))
    assert campaign.year == 2026 and campaign.deadline == date(2026, 11, 30)
    frame = inspections.campaign_records(demo_db, campaign)
    progress = frame["progress"].value_counts()
    assert progress.get("保留", 0) > 0 and progress.get("核查中", 0) > 0 and progress.get("待核查", 0) > 0
    submitted = [inspections.get(demo_db, int(i)) for i in frame["record_id"].dropna()]
    for record in submitted:
        if record.locked:
            assert inspections.submission_problems(demo_db, record) == []
            assert record.content["date_to"] < "2026-11-10"
    photos = demo_db.execute("SELECT COUNT(*), SUM(taken_at != ''), SUM(lat IS NOT NULL) FROM evidence").fetchone()
    assert photos[0] > 0 and photos[0] == photos[1] == photos[2]


def test_only_demo_data_until_a_real_mine_is_added(db):
    assert demo.only_demo_data(db)  # empty: nothing real to lose
    demo.load_demo(db, mines=20)
    mine = next(db.query("SELECT * FROM mines WHERE status = '在册' LIMIT 1"))
    registry.update_mine(db, mine["id"], dict(mine, owner="培训时修改"), mine["version"], System("组织者"))
    assert demo.only_demo_data(db)  # a demo mine edited in a training is still demo data
    registry.create_mine(db, dict(mine, licence_no="C4200002023017110199999", name="某县某矿业公司某矿"), System("组织者"))
    assert not demo.only_demo_data(db)
