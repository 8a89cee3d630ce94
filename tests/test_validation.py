"""core.validation.validate_mine: every error and warning kind, with its Chinese message."""

from __future__ import annotations

from datetime import date

import pytest

from core import regions
from core.validation import ERROR, WARNING, Problem, has_errors, validate_mine

HUBEI = regions.region_by_code("420000")


def check(raw, row=7):
    return validate_mine(raw, HUBEI, row=row)


def only(problems, severity):
    return [p for p in problems if p.severity == severity]


def the_one(problems, severity=ERROR) -> Problem:
    found = only(problems, severity)
    assert len(found) == 1, [p.message for p in problems]
    return found[0]


# --- a valid row ------------------------------------------------------------------------------

def test_fully_valid_row_has_no_problems_and_derives_standard_and_scale_class(valid_mine):
    values, problems = check(valid_mine())
    assert problems == []
    assert values["licence_no"] == "C4202812010011234567890"
    assert values["level"] == "省级"
    assert values["listing_year"] == 2020
    assert (values["province"], values["province_code"]) == ("湖北省", "420000")
    assert (values["city"], values["city_code"]) == ("黄石市", "420200")
    assert (values["county"], values["county_code"]) == ("大冶市", "420281")
    assert values["mineral"] == "建筑石料用灰岩"
    assert values["standard"] == "DZ/T 0316—2018"
    assert values["method"] == "露天开采"
    assert (values["scale_value"], values["scale_unit"], values["scale_class"]) == (30.0, "万立方米/年", "大型")
    assert (values["lon"], values["lat"]) == (114.98, 30.1)
    assert (values["flag_problem"], values["flag_rectify"]) == (0, 0)


def test_messy_but_understandable_row_is_normalised(valid_mine):
    raw = valid_mine(
        licence_no=" c4202812010011234567890 ", name=" 大冶市甲子示例矿业有限公司青石岭建筑石料用灰岩矿　",
        level="省", listing_year="２０２０年", city="黄石", county="大冶", mineral="金矿", method="井工",
        scale="12万t/a", scale_unit="", lon="114°58′48″", lat="北纬30°6′", flag_problem="有",
        problem_desc="群众来信反映扬尘",
    )
    values, problems = check(raw)
    assert not has_errors(problems), [p.message for p in problems]
    assert values["licence_no"] == "C4202812010011234567890"
    assert values["name"] == "大冶市甲子示例矿业有限公司青石岭建筑石料用灰岩矿"
    assert (values["level"], values["listing_year"], values["method"]) == ("省级", 2020, "地下开采")
    assert (values["city"], values["county"]) == ("黄石市", "大冶市")
    assert (values["mineral"], values["standard"]) == ("岩金", "DZ/T 0314—2018")
    assert (values["scale_value"], values["scale_unit"], values["scale_class"]) == (12.0, "万吨/年", "中型")
    assert values["lon"] == pytest.approx(114.98)
    assert values["lat"] == pytest.approx(30.1)
    assert values["flag_problem"] == 1


def test_fields_absent_from_the_input_are_left_out(valid_mine):
    raw = {k: v for k, v in valid_mine().items() if k in ("licence_no", "name", "level", "city", "mineral", "method")}
    values, problems = check(raw)
    assert problems == []
    for key in ("owner", "listing_year", "county", "scale_value", "lon", "lat", "flag_problem", "problem_desc"):
        assert key not in values


def test_county_code_alone_places_the_mine(valid_mine):
    raw = valid_mine(city="", county="", county_code="420281")
    values, problems = check(raw)
    assert problems == []
    assert (values["city"], values["city_code"], values["county"], values["county_code"]) == (
        "黄石市", "420200", "大冶市", "420281")


def test_problem_as_dict_uses_chinese_headings(valid_mine):
    _, problems = check(valid_mine(level="特级"), row=12)
    assert the_one(problems).as_dict() == {
        "行号": 12, "级别": "错误", "列": "入库级别", "填写内容": "特级",
        "问题": "入库级别无法识别", "修改方法": "填写国家级、省级、市级、县级之一",
    }
    _, problems = check(valid_mine(level="特级"), row=None)
    assert the_one(problems).as_dict()["行号"] == ""


# --- errors -----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "key, column, message",
    [
        ("licence_no", "采矿许可证号", "采矿许可证号为必填项"),
        ("name", "矿山名称", "矿山名称为必填项"),
        ("level", "入库级别", "入库级别为必填项"),
        ("city", "市", "所在市为必填项"),
        ("mineral", "开采矿种", "开采矿种为必填项"),
        ("method", "开采方式", "开采方式为必填项"),
    ],
)
@pytest.mark.parametrize("blank", ["", None, "   ", "　"])
def test_missing_required_field(valid_mine, key, column, message, blank):
    _, problems = check(valid_mine(**{key: blank}))
    problem = the_one(problems)
    assert (problem.row, problem.column, problem.message, problem.severity) == (7, column, message, ERROR)
    assert problem.fix


@pytest.mark.parametrize("key", ["licence_no", "name", "level", "city", "mineral", "method"])
def test_required_field_missing_as_a_key(valid_mine, key):
    raw = valid_mine()
    del raw[key]
    if key == "city":
        raw["county"] = ""  # the county alone cannot place the mine either
    _, problems = check(raw)
    assert has_errors(problems)
    assert "必填" in the_one(problems).message


def test_unknown_level(valid_mine):
    problem = the_one(check(valid_mine(level="特级"))[1])
    assert (problem.column, problem.value, problem.message) == ("入库级别", "特级", "入库级别无法识别")
    assert "国家级、省级、市级、县级" in problem.fix


def test_unknown_method(valid_mine):
    problem = the_one(check(valid_mine(method="水力开采"))[1])
    assert (problem.column, problem.value, problem.message) == ("开采方式", "水力开采", "开采方式无法识别")
    assert "露天开采、地下开采、露天-地下联合开采" in problem.fix


@pytest.mark.parametrize("year", ["二〇二〇", "2007", 1999, "20", "2020.5", date.today().year + 2, "明年"])
def test_bad_year(valid_mine, year):
    problem = the_one(check(valid_mine(listing_year=year))[1])
    assert (problem.column, problem.message) == ("入库年份", "入库年份应为 2008 年至今的四位年份")


@pytest.mark.parametrize("year", [2008, "2023年", date.today().year + 1])
def test_good_years(valid_mine, year):
    values, problems = check(valid_mine(listing_year=year))
    assert problems == []
    assert 2008 <= values["listing_year"] <= date.today().year + 1


def test_empty_year_is_allowed_and_cleared(valid_mine):
    values, problems = check(valid_mine(listing_year=""))
    assert problems == []
    assert values["listing_year"] is None


@pytest.mark.parametrize("city", ["上海市", "长沙", "火星市", "大冶市"])
def test_unknown_prefecture(valid_mine, city):
    values, problems = check(valid_mine(city=city, county=""))
    problem = the_one(problems)
    assert (problem.column, problem.value, problem.message) == ("市", city, "不是湖北省的地市")
    assert "武汉市" in problem.fix
    assert "city_code" not in values


def test_other_province_named(valid_mine):
    problem = the_one(check(valid_mine(province="湖南省"))[1])
    assert (problem.column, problem.value) == ("省", "湖南省")
    assert "不属于本省" in problem.message and "湖北省" in problem.message


def test_same_province_in_short_form_is_fine(valid_mine):
    assert check(valid_mine(province="湖北"))[1] == []


def test_county_code_outside_the_province(valid_mine):
    problem = the_one(check(valid_mine(county_code="310115"))[1])  # 上海浦东新区
    assert (problem.column, problem.message) == ("县级行政区划代码", "行政区划代码不是本省的县级代码")


@pytest.mark.parametrize("lon, lat", [(0, 0), (-114.98, 30.1), (200, 30), (114.98, 70)])
def test_coordinates_outside_china(valid_mine, lon, lat):
    values, problems = check(valid_mine(lon=lon, lat=lat))
    problem = the_one(problems)
    assert problem.column == "经度"
    assert problem.message.endswith("不在中国境内")
    assert "经纬度可能填反了" not in problem.fix
    assert "经度约 73～135" in problem.fix
    assert "lon" not in values and "lat" not in values


def test_swapped_coordinates_get_the_swapped_hint(valid_mine):
    problem = the_one(check(valid_mine(lon=30.1, lat=114.98))[1])
    assert problem.message == "坐标（30.1, 114.98）不在中国境内"
    assert problem.fix == "经纬度可能填反了"
    assert problem.value == "30.1, 114.98"


@pytest.mark.parametrize("lon, lat", [(121.47, 31.23), (113.26, 23.13), (125.0, 28.0)])
def test_coordinates_outside_the_province(valid_mine, lon, lat):
    values, problems = check(valid_mine(lon=lon, lat=lat))
    problem = the_one(problems)
    assert problem.column == "经度"
    assert problem.message == f"坐标（{lon:g}, {lat:g}）不在湖北省范围内"
    assert "lon" not in values


@pytest.mark.parametrize("missing, column", [("lon", "经度"), ("lat", "纬度")])
def test_one_coordinate_missing(valid_mine, missing, column):
    problem = the_one(check(valid_mine(**{missing: ""}))[1])
    assert (problem.column, problem.message) == (column, "经度和纬度需同时填写")


@pytest.mark.parametrize("which, column", [("lon", "经度"), ("lat", "纬度")])
@pytest.mark.parametrize("bad", ["东经一百一十四度", "abc", "114°75′", "114.9.8"])
def test_unparseable_coordinate(valid_mine, which, column, bad):
    problem = the_one(check(valid_mine(**{which: bad}))[1])
    assert (problem.column, problem.value, problem.message) == (column, bad, "无法识别的坐标")
    assert "度分秒" in problem.fix


@pytest.mark.parametrize("scale", ["三十", "约30万吨/年", "30吨", "N/A"])
def test_non_number_scale(valid_mine, scale):
    values, problems = check(valid_mine(scale=scale))
    problem = the_one(problems)
    assert (problem.column, problem.value, problem.message) == ("生产规模", scale, "生产规模应为数字（可带单位）")
    assert "scale_value" not in values


@pytest.mark.parametrize("scale", [0, "-5", "0万吨/年"])
def test_scale_must_be_positive(valid_mine, scale):
    problem = the_one(check(valid_mine(scale=scale))[1])
    assert (problem.column, problem.message) == ("生产规模", "生产规模应大于 0")


def test_unknown_scale_unit(valid_mine):
    problem = the_one(check(valid_mine(scale_unit="吨/天"))[1])
    assert (problem.column, problem.message) == ("规模单位", "规模单位无法识别")


def test_unknown_scale_class(valid_mine):
    problem = the_one(check(valid_mine(scale_class="超大型"))[1])
    assert (problem.column, problem.message) == ("规模类型", "规模类型无法识别")


@pytest.mark.parametrize("flag_key, column", [("flag_problem", "问题线索"), ("flag_rectify", "回头看整改要求")])
def test_flag_must_be_yes_or_no(valid_mine, flag_key, column):
    problem = the_one(check(valid_mine(**{flag_key: "待查"}))[1])
    assert (problem.column, problem.message) == (column, "应填写“是”或“否”")


def test_every_error_of_a_row_is_reported_at_once(valid_mine):
    raw = valid_mine(licence_no="", level="特级", method="乱写", listing_year="去年", lon="abc")
    _, problems = check(raw, row=9)
    assert {p.column for p in only(problems, ERROR)} == {"采矿许可证号", "入库级别", "开采方式", "入库年份", "经度"}
    assert all(p.row == 9 for p in problems)


# --- warnings (never errors) ------------------------------------------------------------------

@pytest.mark.parametrize("licence", ["4200002010123456", "C42000020101234567890", "采字第123号"])
def test_unusual_licence_shape_is_a_warning(valid_mine, licence):
    values, problems = check(valid_mine(licence_no=licence))
    assert not has_errors(problems)
    problem = the_one(problems, WARNING)
    assert (problem.column, problem.message) == ("采矿许可证号", "采矿许可证号不是常见格式（C 加 22 位数字）")
    assert values["licence_no"] == licence.upper()


def test_unknown_mineral_is_a_warning_and_has_no_standard(valid_mine):
    values, problems = check(valid_mine(mineral="独居石"))
    assert not has_errors(problems)
    problem = the_one(problems, WARNING)
    assert problem.column == "开采矿种"
    assert "无法确定适用行业标准" in problem.message
    assert (values["mineral"], values["standard"], values["scale_class"]) == ("独居石", "", "")


def test_missing_scale_is_a_warning(valid_mine):
    values, problems = check(valid_mine(scale="", scale_unit="", scale_class=""))
    problem = the_one(problems, WARNING)
    assert not has_errors(problems)
    assert (problem.column, problem.message) == ("生产规模", "未填写生产规模")
    assert (values["scale_value"], values["scale_unit"], values["scale_class"]) == (None, "", "")


def test_scale_without_unit_is_a_warning(valid_mine):
    values, problems = check(valid_mine(scale="30", scale_unit=""))
    problem = the_one(problems, WARNING)
    assert not has_errors(problems)
    assert (problem.column, problem.message) == ("规模单位", "生产规模未注明单位")
    assert values["scale_value"] == 30.0


def test_scale_class_contradicting_the_figure_is_a_warning_and_kept(valid_mine):
    values, problems = check(valid_mine(scale_class="小型"))
    problem = the_one(problems, WARNING)
    assert not has_errors(problems)
    assert problem.column == "规模类型"
    assert problem.message == "与生产规模分类标准不一致（按 30万立方米/年 应为大型）"
    assert values["scale_class"] == "小型"


def test_missing_coordinates_is_a_warning(valid_mine):
    values, problems = check(valid_mine(lon="", lat=None))
    problem = the_one(problems, WARNING)
    assert not has_errors(problems)
    assert (problem.column, problem.message) == ("经度", "未填写经纬度，该矿山不会显示在地图上")
    assert (values["lon"], values["lat"]) == (None, None)


def test_county_of_another_prefecture_is_a_warning(valid_mine):
    values, problems = check(valid_mine(county="江夏区"))  # 武汉市, not 黄石市
    problem = the_one(problems, WARNING)
    assert not has_errors(problems)
    assert (problem.column, problem.value, problem.message) == ("县", "江夏区", "该县（市、区）不属于黄石市")


def test_unknown_county_is_a_warning_and_kept_as_written(valid_mine):
    values, problems = check(valid_mine(county="青石县"))
    problem = the_one(problems, WARNING)
    assert not has_errors(problems)
    assert (problem.column, problem.message) == ("县", "在黄石市下未找到该县（市、区）")
    assert (values["county"], values["county_code"]) == ("青石县", "")


def test_flag_without_detail_is_a_warning(valid_mine):
    values, problems = check(valid_mine(flag_rectify="是", rectify_demand=""))
    problem = the_one(problems, WARNING)
    assert not has_errors(problems)
    assert (problem.column, problem.message) == ("整改要求内容", "已标记但未填写具体内容")
    assert values["flag_rectify"] == 1


def test_province_administered_city_row_is_valid(valid_mine):
    values, problems = check(valid_mine(city="仙桃市", county="仙桃市", lon=113.42, lat=30.36))
    assert problems == []
    assert (values["city_code"], values["county_code"]) == ("429004", "429004")
