"""core.regions: provinces, prefectures, counties, coordinate plausibility."""

from __future__ import annotations

import pytest

from core import regions

HUBEI = "420000"


@pytest.mark.parametrize(
    "name, code, full",
    [
        ("恩施州", "422800", "恩施土家族苗族自治州"),
        ("恩施", "422800", "恩施土家族苗族自治州"),
        ("恩施土家族苗族自治州", "422800", "恩施土家族苗族自治州"),
        ("武汉", "420100", "武汉市"),
        ("武汉市", "420100", "武汉市"),
        (" 黄石市 ", "420200", "黄石市"),
        ("神农架", "429021", "神农架林区"),
        ("神农架林区", "429021", "神农架林区"),
        # Province-administered county-level cities are prefecture-level units of their own.
        ("仙桃市", "429004", "仙桃市"),
        ("仙桃", "429004", "仙桃市"),
        ("潜江市", "429005", "潜江市"),
        ("天门市", "429006", "天门市"),
    ],
)
def test_find_prefecture(name, code, full):
    found = regions.find_prefecture(HUBEI, name)
    assert found is not None
    assert (found.code, found.name, found.kind) == (code, full, "prefecture")


@pytest.mark.parametrize("name", ["", "上海", "长沙市", "大冶市", "火星市"])
def test_find_prefecture_unknown_or_outside_the_province(name):
    assert regions.find_prefecture(HUBEI, name) is None


def test_find_county_within_its_prefecture():
    found = regions.find_county(HUBEI, "大冶市", "420200")
    assert found is not None and (found.code, found.prefecture_code, found.kind) == ("420281", "420200", "county")
    assert regions.find_county(HUBEI, "大冶", "420200").code == "420281"
    assert regions.find_county(HUBEI, "恩施市", "422800").code == "422801"


def test_find_county_falls_back_to_the_whole_province():
    # 大冶市 is under 黄石市; asked under 武汉市 it is still found (validation then warns).
    found = regions.find_county(HUBEI, "大冶市", "420100")
    assert found is not None and found.prefecture_code == "420200"
    assert regions.find_county(HUBEI, "江夏区").prefecture_code == "420100"


def test_find_county_unknown():
    assert regions.find_county(HUBEI, "不存在县", "420200") is None
    assert regions.find_county(HUBEI, "浦东新区") is None  # Shanghai, not Hubei


def test_province_administered_city_is_both_prefecture_and_county():
    assert regions.region_by_code("429004").kind == "prefecture"
    county = regions.find_county(HUBEI, "仙桃市", "429004")
    assert county is not None and county.kind == "county"
    assert county.code == county.prefecture_code == "429004"
    assert {c.code for c in regions.counties(HUBEI, "429004")} == {"429004"}


def test_prefectures_and_counties_of_hubei():
    prefectures = regions.prefectures(HUBEI)
    assert len(prefectures) == 17  # 12 地级市 + 恩施州 + 仙桃/潜江/天门 + 神农架林区
    assert all(p.province_code == HUBEI and p.kind == "prefecture" for p in prefectures)
    counties = regions.counties(HUBEI)
    assert len(counties) > 100
    assert all(c.province_code == HUBEI and c.lon is not None for c in counties)
    assert {c.prefecture_code for c in regions.counties(HUBEI, "420200")} == {"420200"}


def test_municipality_is_its_own_prefecture():
    assert [p.code for p in regions.prefectures("310000")] == ["310000"]
    assert regions.find_prefecture("310000", "上海").name == "上海市"


def test_province_lookup_and_short_names():
    assert regions.province("湖北省").code == HUBEI
    assert regions.province("湖北").code == HUBEI
    assert regions.province(HUBEI).name == "湖北省"
    assert regions.province("不存在省") is None
    assert regions.short_name("恩施土家族苗族自治州") == "恩施"
    assert regions.short_name("新疆维吾尔自治区") == "新疆"
    assert regions.short_name("湖北省") == "湖北"
    assert regions.short_name("武汉市") == "武汉"
    assert regions.short_name("神农架林区") == "神农架"
    assert regions.short_name("市") == "市"  # never shortened to nothing


def test_region_by_code():
    assert regions.region_by_code(HUBEI).kind == "province"
    assert regions.region_by_code("420281").name == "大冶市"
    assert regions.region_by_code("999999") is None


@pytest.mark.parametrize(
    "lon, lat, expected",
    [
        (114.3, 30.6, True),  # 武汉
        (87.6, 43.8, True),  # 乌鲁木齐
        (109.5, 18.3, True),  # 三亚
        (30.6, 114.3, False),  # swapped
        (0.0, 0.0, False),
        (-114.3, 30.6, False),
        (140.0, 35.0, False),  # Tokyo
    ],
)
def test_in_china(lon, lat, expected):
    assert regions.in_china(lon, lat) is expected


@pytest.mark.parametrize(
    "lon, lat, expected",
    [
        (114.3, 30.6, True),  # 武汉
        (109.48, 30.29, True),  # 恩施
        (110.8, 32.6, True),  # 十堰
        (114.98, 30.10, True),  # 大冶
        (121.47, 31.23, False),  # 上海
        (113.26, 23.13, False),  # 广州
        (116.4, 39.9, False),  # 北京
        (125.0, 28.0, False),  # East China Sea
    ],
)
def test_in_province_hubei(lon, lat, expected):
    assert regions.in_province(HUBEI, lon, lat) is expected


def test_province_box_contains_every_county_seat():
    min_lon, min_lat, max_lon, max_lat = regions.province_box(HUBEI)
    assert min_lon < max_lon and min_lat < max_lat
    for county in regions.counties(HUBEI):
        assert regions.in_province(HUBEI, county.lon, county.lat), county
