"""core.normalize: what people type into spreadsheets → canonical values."""

from __future__ import annotations

import math

import pytest

from core import normalize


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("１２３", "123"),  # full-width digits
        ("ＡＢＣ　ｄｅｆ", "ABC def"),  # full-width letters and ideographic space
        ("  黄石市  ", "黄石市"),  # leading/trailing blanks
        ("黄石市\t\n", "黄石市"),
        ("大冶市\u00a0\u3000", "大冶市"),  # no-break and ideographic spaces at the end
        ("甲子   示例\n矿业", "甲子 示例 矿业"),  # runs of blanks folded
        ("\ufeff采矿许可证号", "采矿许可证号"),  # BOM dropped
        (None, ""),
        (float("nan"), ""),
        (2019.0, "2019"),
        (12.5, "12.5"),
        (7, "7"),
    ],
)
def test_text(raw, expected):
    assert normalize.text(raw) == expected


def test_text_keeps_chinese_punctuation_of_free_text():
    # Names are kept as on the mining licence, which writes brackets full-width; descriptions keep
    # their Chinese commas and colons. Only letters, digits and blanks are folded to half-width.
    assert normalize.text("大冶市甲子示例矿业（集团）有限公司") == "大冶市甲子示例矿业（集团）有限公司"
    assert normalize.text("群众来信反映：夜间爆破，扰民；已转办！") == "群众来信反映：夜间爆破，扰民；已转办！"
    assert normalize.text("（２０２０）第１号") == "（2020）第1号"


@pytest.mark.parametrize(
    "raw, expected",
    [
        (" c4202812010011234567890 ", "C4202812010011234567890"),
        ("C 4202 8120 1001 1234 5678 90", "C4202812010011234567890"),
        ("Ｃ４２０２８１２０１００１１２３４５６７８９０", "C4202812010011234567890"),
        ("", ""),
    ],
)
def test_licence_no(raw, expected):
    assert normalize.licence_no(raw) == expected


def test_licence_pattern():
    assert normalize.LICENCE_PATTERN.match("C4202812010011234567890")
    assert not normalize.LICENCE_PATTERN.match("C420281201001123456789")  # 21 digits
    assert not normalize.LICENCE_PATTERN.match("4202812010011234567890X")
    assert not normalize.LICENCE_PATTERN.match("C42028120100112345678901")  # 23 digits


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("国家级", "国家级"), ("国家", "国家级"), ("部级", "国家级"), ("国家级绿色矿山", "国家级"),
        ("省级", "省级"), ("省", "省级"), (" 省 级 ", "省级"), ("自治区级", "省级"),
        ("市级", "市级"), ("市", "市级"), ("地市级", "市级"), ("州级", "市级"),
        ("县级", "县级"), ("县", "县级"), ("区级", "县级"), ("县（市、区）级", "县级"), ("县(市、区)级", "县级"),
        ("", ""), (None, ""), ("   ", ""),
        ("特级", None), ("一级", None), ("国家级省级", None),
    ],
)
def test_level(raw, expected):
    assert normalize.level(raw) == expected


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("露天开采", "露天开采"), ("露天", "露天开采"), ("露采", "露天开采"), ("山坡露天", "露天开采"),
        ("地下开采", "地下开采"), ("地下", "地下开采"), ("井工", "地下开采"), ("井工开采", "地下开采"),
        ("地采", "地下开采"), ("坑采", "地下开采"), ("井下开采", "地下开采"),
        ("露天-地下联合开采", "露天-地下联合开采"), ("露天地下联合开采", "露天-地下联合开采"),
        ("联合开采", "露天-地下联合开采"), ("联合", "露天-地下联合开采"), ("露天+地下", "露天-地下联合开采"),
        ("露天／地下", "露天-地下联合开采"), ("露井联采", "露天-地下联合开采"),
        ("露天－地下联合开采", "露天-地下联合开采"),
        ("", ""), (None, ""),
        ("水采", None), ("爆破", None),
    ],
)
def test_method(raw, expected):
    assert normalize.method(raw) == expected


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("是", True), ("有", True), ("Y", True), ("yes", True), ("√", True), ("1", True), (1, True),
        ("否", False), ("无", False), ("N", False), ("no", False), ("0", False), ("/", False), ("-", False),
        ("", False), (None, False), ("  ", False),
        ("可能", None), ("待查", None), ("2", None),
    ],
)
def test_flag(raw, expected):
    assert normalize.flag(raw) is expected


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("12", 12.0), ("12.5", 12.5), ("１２．５", 12.5), ("1,200", 1200.0), (" 30 ", 30.0), (".5", 0.5),
        ("-3", -3.0), (7, 7.0), (7.25, 7.25),
        ("", None), ("三十", None), ("12万", None), ("1.2.3", None), (True, None), (float("nan"), None),
    ],
)
def test_number(raw, expected):
    assert normalize.number(raw) == expected


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("2019", 2019), ("2019年", 2019), ("2019年度", 2019), ("２０１９年", 2019), (" 2019 年 ", 2019),
        (2019, 2019), (2019.0, 2019), ("2019.0", 2019),
        ("2019.5", None), ("二〇一九", None), ("2019-2020", None), ("", None), ("去年", None),
    ],
)
def test_year(raw, expected):
    assert normalize.year(raw) == expected


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("30万吨/年", (30.0, "万吨/年")),
        ("30 万吨/年", (30.0, "万吨/年")),
        ("３０万吨／年", (30.0, "万吨/年")),
        ("30万t/a", (30.0, "万吨/年")),
        ("30万吨", (30.0, "万吨/年")),
        ("12万m3/a", (12.0, "万立方米/年")),
        ("12万M3/A", (12.0, "万立方米/年")),
        ("12万m³/a", (12.0, "万立方米/年")),
        ("12万方", (12.0, "万立方米/年")),
        ("2.5亿立方米/年", (2.5, "亿立方米/年")),
        ("1,200万吨/年", (1200.0, "万吨/年")),
        ("30", (30.0, "")),
        (30, (30.0, "")),
        (12.5, (12.5, "")),
        ("", (None, "")),
        (None, (None, "")),
        ("三十万吨", None),
        ("30吨", None),
        ("约30万吨/年", None),
        ("30斤/天", None),
    ],
)
def test_scale(raw, expected):
    assert normalize.scale(raw) == expected


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("万吨/年", "万吨/年"), ("万t/a", "万吨/年"), ("万m3/a", "万立方米/年"), ("万方/年", "万立方米/年"),
        ("亿立方米/年", "亿立方米/年"), ("", ""), ("吨", None), ("m3", None),
    ],
)
def test_unit(raw, expected):
    assert normalize.unit(raw) == expected


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("大型", "大型"), ("大", "大型"), ("中型矿山", "中型"), ("小型矿", "小型"), (" 小 型 ", "小型"),
        ("", ""), ("超大型", None), ("特大", None),
    ],
)
def test_scale_class(raw, expected):
    assert normalize.scale_class(raw) == expected


DMS_112_30_15 = 112 + 30 / 60 + 15 / 3600


@pytest.mark.parametrize(
    "raw, expected",
    [
        (112.5, 112.5),
        ("112.508333", 112.508333),
        ("１１２．５", 112.5),
        ("112°30′15″", DMS_112_30_15),
        ("112° 30′ 15″", DMS_112_30_15),
        ("112度30分15秒", DMS_112_30_15),
        ("112°30'15\"", DMS_112_30_15),
        ("112°30’15”", DMS_112_30_15),
        ("112°30′", 112.5),
        ("112°", 112.0),
        ("E112.5", 112.5),
        ("112.5E", 112.5),
        ("东经112.5", 112.5),
        ("东经112°30′15″", DMS_112_30_15),
        ("北纬30°30'", 30.5),
        ("N30°30′", 30.5),
        ("30°30′N", 30.5),
        ("30°30′15.5″", 30 + 30 / 60 + 15.5 / 3600),
        ("W10.5", -10.5),
        ("南纬10度", -10.0),
    ],
)
def test_coordinate_decimal_and_dms(raw, expected):
    value = normalize.coordinate(raw)
    assert value is not None
    assert math.isclose(value, expected, abs_tol=1e-9)


@pytest.mark.parametrize(
    "raw",
    ["", None, "abc", "一百一十二度", "112°75′", "112°30′75″", "112.5.3", "112-30-15", "X112.5"],
)
def test_coordinate_nonsense_is_none(raw):
    assert normalize.coordinate(raw) is None


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("采矿许可证号*", "采矿许可证号"),
        ("* 矿山名称", "矿山名称"),
        ("入库\n级别", "入库级别"),
        ("生产规模（万吨/年）", "生产规模(万吨/年)"),
        ("县（市、区）", "县(市、区)"),
        ("ＸＹ", "XY"),
        ("  经度＊ ", "经度"),
    ],
)
def test_header(raw, expected):
    assert normalize.header(raw) == expected


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("所在市（州）", "市"),
        ("所在市(州)", "市"),
        ("所在县（市、区）", "县"),
        ("所属县（市、旗、区）", "县"),
        ("市(地、州、盟)", "市"),
        ("矿山名称", "矿山"),
        ("矿山（企业）名称", "矿山"),
        ("生产规模\n（万吨/年）", "生产规模"),
        ("经度（°）", "经度"),
        ("开 采 方 式", "开采方式"),
        ("入库级别：", "入库级别"),
        ("【采矿许可证号】*", "采矿许可证号"),
        ("所在市（州）代码", "市代码"),  # a code column keeps 代码, so it never reads as the city
        ("县级行政区划代码", "县级行政区划代码"),
        ("名称", "名称"),
        ("所在", "所在"),
    ],
)
def test_heading_stem(raw, expected):
    assert normalize.heading_stem(raw) == expected
