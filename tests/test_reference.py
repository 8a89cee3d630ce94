"""core.reference: standards, mineral → standard, production-scale classes (from data/*.csv)."""

from __future__ import annotations

from pathlib import Path

import pytest

from core import config, reference


@pytest.mark.parametrize(
    "mineral, standard",
    [
        # The word before 灰岩 decides the standard.
        ("建筑石料用灰岩", "DZ/T 0316—2018"),
        ("水泥用灰岩", "DZ/T 0318—2018"),
        ("熔剂用灰岩", "DZ/T 0319—2018"),
        ("建筑用花岗岩", "DZ/T 0316—2018"),
        ("建筑用砂", "DZ/T 0316—2018"),
        ("冶金用白云岩", "DZ/T 0319—2018"),
        ("铁矿", "DZ/T 0319—2018"),
        ("铜矿", "DZ/T 0320—2018"),
        ("岩金", "DZ/T 0314—2018"),
        ("砂金", "DZ/T 0314—2018"),
        ("煤", "DZ/T 0315—2018"),
        ("天然气", "DZ/T 0317—2018"),
        ("磷矿", "DZ/T 0313—2018"),
        ("萤石", "DZ/T 0312—2018"),
    ],
)
def test_standard_for_canonical_minerals(mineral, standard):
    assert reference.standard_for(mineral) == standard


@pytest.mark.parametrize(
    "alias, canonical, standard",
    [
        ("金矿", "岩金", "DZ/T 0314—2018"),
        ("黄金", "岩金", "DZ/T 0314—2018"),
        ("建筑用灰岩", "建筑石料用灰岩", "DZ/T 0316—2018"),
        ("水泥灰岩", "水泥用灰岩", "DZ/T 0318—2018"),
        ("煤炭", "煤", "DZ/T 0315—2018"),
        ("煤矿", "煤", "DZ/T 0315—2018"),
        ("铁", "铁矿", "DZ/T 0319—2018"),
        ("磁铁矿", "铁矿", "DZ/T 0319—2018"),
        ("磷", "磷矿", "DZ/T 0313—2018"),
        ("铅锌", "铅锌矿", "DZ/T 0320—2018"),
        ("石英岩", "硅石", "DZ/T 0312—2018"),
        ("萤石矿", "萤石", "DZ/T 0312—2018"),
        ("膨润土矿", "膨润土", "DZ/T 0312—2018"),  # a trailing 矿 on a canonical name
    ],
)
def test_aliases_map_to_the_canonical_mineral(alias, canonical, standard):
    found = reference.find_mineral(alias)
    assert found is not None and found.name == canonical
    assert reference.standard_for(alias) == standard


@pytest.mark.parametrize("name", ["", "灰岩", "石灰岩", "独居石", "未知矿种", "矿"])
def test_unknown_mineral_has_no_standard(name):
    assert reference.find_mineral(name) is None
    assert reference.standard_for(name) == ""


def test_every_mineral_maps_to_a_known_standard_and_scale_category():
    codes = reference.standards()
    categories = {rule.category for rule in reference.scale_rules()}
    assert len(codes) == 9
    assert all(code.startswith("DZ/T 03") for code in codes)
    for mineral in reference.minerals().values():
        assert mineral.standard in codes, mineral
        assert mineral.scale_category in categories, mineral


def test_mineral_names_are_the_canonical_names_only():
    names = reference.mineral_names()
    assert names == sorted(set(names))
    assert {"建筑石料用灰岩", "水泥用灰岩", "熔剂用灰岩", "岩金", "煤"} <= set(names)
    assert "金矿" not in names  # an alias, not a canonical name


def test_read_data_csv_skips_comment_lines_and_trims(tmp_path: Path):
    path = tmp_path / "x.csv"
    path.write_text("# a comment, with commas\ncode,name\n A , 甲 \n# another\nB,乙\n", encoding="utf-8")
    assert reference.read_data_csv(path) == [{"code": "A", "name": "甲"}, {"code": "B", "name": "乙"}]


def test_reference_tables_load_from_another_directory(tmp_path: Path):
    for name in ("standards.csv", "scale_classes.csv"):
        (tmp_path / name).write_text((config.DATA_FILES / name).read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "mineral_standards.csv").write_text(
        "mineral,standard,scale_category,aliases\n测试矿,DZ/T 0312—2018,非金属,试矿|测矿\n", encoding="utf-8"
    )
    known = reference.minerals(tmp_path)
    assert set(known) == {"测试矿", "试矿", "测矿"}
    assert reference.mineral_names(tmp_path) == ["测试矿"]


BUILDING_STONE = "万立方米/年"
TONNES = "万吨/年"


@pytest.mark.parametrize(
    "mineral, method, value, unit, expected",
    [
        # 建筑石料: 大 ≥ 10 万m³/年, 中 5–10, 小 < 5 (any method)
        ("建筑石料用灰岩", "露天开采", 10, BUILDING_STONE, "大型"),
        ("建筑石料用灰岩", "露天开采", 150, BUILDING_STONE, "大型"),
        ("建筑石料用灰岩", "露天开采", 9.99, BUILDING_STONE, "中型"),
        ("建筑石料用灰岩", "露天开采", 5, BUILDING_STONE, "中型"),
        ("建筑石料用灰岩", "露天开采", 4.99, BUILDING_STONE, "小型"),
        ("建筑用花岗岩", "地下开采", 4.99, BUILDING_STONE, "小型"),
        # 煤, 地下开采: 大 ≥ 120 万t/年, 中 45–120
        ("煤", "地下开采", 120, TONNES, "大型"),
        ("煤", "地下开采", 119.9, TONNES, "中型"),
        ("煤", "地下开采", 45, TONNES, "中型"),
        ("煤", "地下开采", 44.9, TONNES, "小型"),
        # 煤, 露天开采 has its own thresholds (400 / 100)
        ("煤", "露天开采", 120, TONNES, "中型"),
        ("煤", "露天开采", 400, TONNES, "大型"),
        # 水泥用灰岩: 100 / 50; 岩金 (alias 金矿): 15 / 6
        ("水泥用灰岩", "露天开采", 100, TONNES, "大型"),
        ("水泥用灰岩", "露天开采", 60, TONNES, "中型"),
        ("金矿", "地下开采", 15, TONNES, "大型"),
        ("金矿", "地下开采", 5.9, TONNES, "小型"),
    ],
)
def test_scale_class_for_thresholds(mineral, method, value, unit, expected):
    assert reference.scale_class_for(mineral, method, value, unit) == expected


@pytest.mark.parametrize(
    "mineral, method, value, unit",
    [
        ("建筑石料用灰岩", "露天开采", 30, TONNES),  # no rule of that category in 万吨/年
        ("建筑石料用灰岩", "露天开采", 30, ""),  # no unit
        ("未知矿种", "露天开采", 30, TONNES),
        ("煤", "地下开采", None, TONNES),
    ],
)
def test_scale_class_for_without_a_rule_is_empty(mineral, method, value, unit):
    assert reference.scale_class_for(mineral, method, value, unit) == ""
