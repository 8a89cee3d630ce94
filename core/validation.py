"""Validation of one mine of the register, shared by the import and the edit form.

:func:`validate_mine` takes raw values keyed by field key (as read from a spreadsheet row or a form)
and returns the canonical values ready for the database plus the problems found, each one saying in
Chinese where it is, what is wrong and how to fix it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from core.exports import FORMULA_START
from core import normalize, reference, regions
from core.labels import FIELD_BY_KEY, LEVELS, METHODS, SCALE_UNITS

ERROR = "错误"
WARNING = "提醒"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input. ``row`` is the spreadsheet row number (None for a form)."""

    row: int | None
    column: str
    value: str
    message: str
    fix: str
    severity: str = ERROR

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def as_dict(self) -> dict[str, Any]:
        return {
            "行号": self.row if self.row is not None else "",
            "级别": self.severity,
            "列": self.column,
            "填写内容": self.value,
            "问题": self.message,
            "修改方法": self.fix,
        }


def has_errors(problems: list[Problem]) -> bool:
    return any(p.is_error for p in problems)


class _Collector:
    def __init__(self, row: int | None, raw: dict[str, Any]):
        self.row = row
        self.raw = raw
        self.problems: list[Problem] = []

    def add(self, key: str, message: str, fix: str, severity: str = ERROR, value: Any = None) -> None:
        shown = normalize.text(self.raw.get(key) if value is None else value)
        label = FIELD_BY_KEY[key].label if key in FIELD_BY_KEY else key
        self.problems.append(Problem(self.row, label, shown, message, fix, severity))


def validate_mine(
    raw: dict[str, Any], province: regions.Region, row: int | None = None
) -> tuple[dict[str, Any], list[Problem]]:
    """Normalise and check one mine.

    ``raw`` maps field keys (see ``core.labels.FIELDS``) to cell values; a key that is absent is
    left out of the result, so an import that has no such column does not touch that field.
    Returns ``(values, problems)``; ``values`` holds database columns.
    """
    c = _Collector(row, raw)
    out: dict[str, Any] = {}
    present = set(raw)

    out["licence_no"] = normalize.licence_no(raw.get("licence_no"))
    if not out["licence_no"]:
        c.add("licence_no", "采矿许可证号为必填项", "按采矿许可证填写，如 C4200002010123456789012")
    elif not normalize.LICENCE_PATTERN.match(out["licence_no"]):
        c.add("licence_no", "采矿许可证号不是常见格式（C 加 22 位数字）", "请与采矿许可证核对；旧证号可保留", WARNING)

    out["name"] = normalize.text(raw.get("name"))
    if not out["name"]:
        c.add("name", "矿山名称为必填项", "按采矿许可证证载矿山名称填写")

    for key in ("owner", "listing_batch", "problem_desc", "problem_source", "rectify_demand"):
        if key in present:
            out[key] = normalize.text(raw.get(key))

    level = normalize.level(raw.get("level"))
    if level is None or level == "":
        c.add("level", "入库级别为必填项" if level == "" else "入库级别无法识别", f"填写{'、'.join(LEVELS)}之一")
    else:
        out["level"] = level

    if "listing_year" in present and normalize.text(raw.get("listing_year")):
        year = normalize.year(raw.get("listing_year"))
        if year is None or not 2008 <= year <= date.today().year + 1:
            c.add("listing_year", "入库年份应为 2008 年至今的四位年份", "填写如 2020")
        else:
            out["listing_year"] = year
    elif "listing_year" in present:
        out["listing_year"] = None

    _validate_place(c, raw, present, province, out)

    mineral = normalize.text(raw.get("mineral"))
    known = reference.find_mineral(mineral)
    if not mineral:
        c.add("mineral", "开采矿种为必填项", "按采矿许可证证载开采矿种填写")
    else:
        out["mineral"] = known.name if known else mineral
        out["standard"] = known.standard if known else ""
        if known is None:
            c.add("mineral", "开采矿种不在矿种—行业标准对照表中，无法确定适用行业标准",
                  "检查矿种名称（如“建筑石料用灰岩”“水泥用灰岩”），或请系统管理员在矿种与行业标准对照表中补充（见“设置”页的参考数据）", WARNING)

    method = normalize.method(raw.get("method"))
    if not method:
        c.add("method", "开采方式为必填项" if method == "" else "开采方式无法识别", f"填写{'、'.join(METHODS)}之一")
    else:
        out["method"] = method

    _validate_scale(c, raw, present, out)
    _validate_coordinates(c, raw, present, province, out)

    if "tags" in present:
        out["tags"] = normalize.tags(raw.get("tags"))

    for flag_key, detail_key in (("flag_problem", "problem_desc"), ("flag_rectify", "rectify_demand")):
        if flag_key in present:
            value = normalize.flag(raw.get(flag_key))
            if value is None:
                c.add(flag_key, "应填写“是”或“否”", "填写“是”或“否”，不涉及可留空")
            else:
                out[flag_key] = int(value)
                if value and not out.get(detail_key, normalize.text(raw.get(detail_key))):
                    c.add(detail_key, "已标记但未填写具体内容", "简要填写线索或整改要求的内容与来源", WARNING, value="")

    for key, value in out.items():  # text a spreadsheet would run as a formula is kept as text, and said so
        if isinstance(value, str) and value.startswith(FORMULA_START):
            c.add(key, f"以“{value[0] if value[0].isprintable() else '制表符'}”开头，电子表格可能把它当作公式",
                  "本系统按文字保存；导出的 Excel 按文字写入，CSV 前加单引号。如非本意，请改正", WARNING, value)
    return out, c.problems


def _validate_place(c: _Collector, raw: dict, present: set, province: regions.Region, out: dict) -> None:
    given_province = normalize.text(raw.get("province"))
    if given_province and regions.short_name(given_province) != regions.short_name(province.name):
        c.add("province", f"不属于本省（系统设置的省份为{province.name}）",
              f"只导入{province.name}的矿山，或在“设置”中更改省份")
    out["province"], out["province_code"] = province.name, province.code

    county_by_code = None
    code = normalize.text(raw.get("county_code")).replace(" ", "")
    if code:
        county_by_code = regions.region_by_code(code[:6])
        if county_by_code is None or county_by_code.province_code != province.code:
            c.add("county_code", "行政区划代码不是本省的县级代码", "填写 6 位县级行政区划代码，或留空只填市、县名称")
            county_by_code = None

    city_name = normalize.text(raw.get("city"))
    if not city_name and county_by_code:
        city = regions.region_by_code(county_by_code.prefecture_code)
    elif not city_name:
        c.add("city", "所在市为必填项", f"填写{province.name}的地市名称")
        return
    else:
        city = regions.find_prefecture(province.code, city_name)
        if city is None:
            names = "、".join(r.name for r in regions.prefectures(province.code)[:6])
            c.add("city", f"不是{province.name}的地市", f"填写本省地市的名称，如：{names}")
            return
    if city is None:
        return
    out["city"], out["city_code"] = city.name, city.code

    county_name = normalize.text(raw.get("county"))
    if county_by_code and not county_name:
        county = county_by_code
    elif county_name:
        county = regions.find_county(province.code, county_name, city.code)
        if county is None:
            c.add("county", f"在{city.name}下未找到该县（市、区）", "检查名称，或留空", WARNING)
            out["county"], out["county_code"] = county_name, ""
            return
    else:
        if "county" in present:
            out["county"], out["county_code"] = "", ""
        return
    if county.prefecture_code != city.code and county.code != city.code:
        c.add("county", f"该县（市、区）不属于{city.name}", "检查所在市与县是否对应", WARNING)
    out["county"], out["county_code"] = county.name, county.code


def _validate_scale(c: _Collector, raw: dict, present: set, out: dict) -> None:
    if not present & {"scale", "scale_unit", "scale_class"}:
        return
    parsed = normalize.scale(raw.get("scale"))
    given_unit = normalize.unit(raw.get("scale_unit"))
    if parsed is None:
        c.add("scale", "生产规模应为数字（可带单位）", "填写如 30 或 30万吨/年")
        return
    value, unit_in_cell = parsed
    if given_unit is None:
        c.add("scale_unit", "规模单位无法识别", f"填写{'、'.join(SCALE_UNITS)}之一")
        given_unit = ""
    unit = unit_in_cell or given_unit
    if value is not None and value <= 0:
        c.add("scale", "生产规模应大于 0", "按采矿许可证证载生产规模填写")
        return
    given_class = normalize.scale_class(raw.get("scale_class"))
    if given_class is None:
        c.add("scale_class", "规模类型无法识别", "填写大型、中型或小型")
        given_class = ""
    computed = reference.scale_class_for(out.get("mineral", ""), out.get("method", ""), value, unit)
    if value is None and not given_class:
        c.add("scale", "未填写生产规模", "按采矿许可证填写生产规模和单位，便于统计", WARNING, value="")
    elif value is not None and not unit:
        c.add("scale_unit", "生产规模未注明单位", f"填写{'、'.join(SCALE_UNITS)}之一", WARNING, value="")
    if given_class and computed and given_class != computed:
        c.add("scale_class", f"与生产规模分类标准不一致（按 {value:g}{unit} 应为{computed}）",
              "核对生产规模与规模类型", WARNING)
    out["scale_value"], out["scale_unit"] = value, unit
    out["scale_class"] = given_class or computed


def _validate_coordinates(c: _Collector, raw: dict, present: set, province: regions.Region, out: dict) -> None:
    if not present & {"lon", "lat"}:
        return
    lon_raw, lat_raw = normalize.text(raw.get("lon")), normalize.text(raw.get("lat"))
    if not lon_raw and not lat_raw:
        c.add("lon", "未填写经纬度，该矿山不会显示在地图上", "填写矿区中心点经纬度（十进制度或度分秒）", WARNING, value="")
        out["lon"], out["lat"] = None, None
        return
    lon, lat = normalize.coordinate(lon_raw), normalize.coordinate(lat_raw)
    bad = False
    for key, text, value in (("lon", lon_raw, lon), ("lat", lat_raw, lat)):
        if not text:
            c.add(key, "经度和纬度需同时填写", "补全另一项，或两项都留空")
            bad = True
        elif value is None:
            c.add(key, "无法识别的坐标", "填写十进制度（如 112.5083）或度分秒（如 112°30′30″）")
            bad = True
    if bad:
        return
    assert lon is not None and lat is not None
    if not regions.in_china(lon, lat):
        hint = "经纬度可能填反了" if regions.in_china(lat, lon) else "检查坐标系与数值（经度约 73～135，纬度约 4～54）"
        c.add("lon", f"坐标（{lon:g}, {lat:g}）不在中国境内", hint, value=f"{lon_raw}, {lat_raw}")
        return
    if not regions.in_province(province.code, lon, lat):
        c.add("lon", f"坐标（{lon:g}, {lat:g}）不在{province.name}范围内", "核对经纬度，或确认矿山是否属于本省",
              value=f"{lon_raw}, {lat_raw}")
        return
    out["lon"], out["lat"] = round(lon, 6), round(lat, 6)
