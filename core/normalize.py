"""Turn what people type into spreadsheets into canonical values.

Every function takes a raw cell (any type) and returns the canonical value, or ``None`` when the
cell is not empty but cannot be understood. Empty cells become ``""`` (text) or ``None`` (numbers)
and are left for validation to judge.
"""

from __future__ import annotations

import math
import re
import unicodedata

from core.labels import METHODS, SCALE_CLASSES, SCALE_UNITS

# Free text keeps its Chinese punctuation (，：（）…); only full-width letters, digits and blanks are folded.
_BLANKS = {0x3000: 0x20, 0x00A0: 0x20, 0x2002: 0x20, 0x2003: 0x20, 0x200B: None, 0xFEFF: None}
_FULLWIDTH_ALNUM = {code: code - 0xFEE0 for code in (*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B),
                                                     *range(0xFF41, 0xFF5B))}
_FULLWIDTH_ALNUM.update(_BLANKS)
# Values that are parsed (numbers, units, coordinates, enumerations) also fold full-width punctuation.
_FULLWIDTH_ALL = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_FULLWIDTH_ALL.update(_BLANKS)
_SPACES = re.compile(r"\s+")


def text(value: object) -> str:
    """Cell → trimmed text: full-width letters, digits and spaces made half-width, runs of blanks folded."""
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer():
            value = int(value)
    cleaned = _SPACES.sub(" ", str(value).translate(_FULLWIDTH_ALNUM)).strip()
    # A CSV cell this app exported as '=… (so that no spreadsheet runs it) reads back as the text it was.
    return cleaned[1:] if cleaned[:1] == "'" and cleaned[1:2] in ("=", "+", "-", "@") else cleaned


def _fold(value: object) -> str:
    """Cell → text for parsing: also full-width punctuation made half-width, and no blanks at all."""
    return text(value).translate(_FULLWIDTH_ALL).replace(" ", "")


def licence_no(value: object) -> str:
    """采矿许可证号: no blanks at all, letters upper-case."""
    return text(value).replace(" ", "").upper()


LICENCE_PATTERN = re.compile(r"^C\d{22}$")

_LEVEL_WORDS = {
    "国家级": ("国家级", "国家", "国家级绿色矿山", "部级", "全国"),
    "省级": ("省级", "省", "省级绿色矿山", "自治区级", "直辖市级"),
    "市级": ("市级", "市", "地市级", "设区市级", "市州级", "市级绿色矿山", "州级"),
    "县级": ("县级", "县", "区级", "县区级", "县市区级", "县（市、区）级", "县(市、区)级", "县级绿色矿山"),
}
_LEVEL_LOOKUP = {word: level for level, words in _LEVEL_WORDS.items() for word in words}


def level(value: object) -> str | None:
    raw = _fold(value)
    if not raw:
        return ""
    return _LEVEL_LOOKUP.get(raw)


_METHOD_WORDS = {
    METHODS[0]: ("露天开采", "露天", "露采", "露天开采方式", "山坡露天", "凹陷露天"),
    METHODS[1]: ("地下开采", "地下", "井工", "井工开采", "地采", "坑采", "井下开采", "坑道开采"),
    METHODS[2]: ("露天-地下联合开采", "露天地下联合开采", "联合开采", "露天+地下", "露天/地下", "露天、地下",
                 "露天—地下联合开采", "露天－地下联合开采", "露天和地下", "露天及地下", "露井联采", "联合"),
}
_METHOD_LOOKUP = {word: method for method, words in _METHOD_WORDS.items() for word in words}


def method(value: object) -> str | None:
    raw = _fold(value)
    if not raw:
        return ""
    return _METHOD_LOOKUP.get(raw)


def scale_class(value: object) -> str | None:
    raw = _fold(value)
    if not raw:
        return ""
    for canonical in SCALE_CLASSES:
        if raw in (canonical, canonical[0], canonical + "矿山", canonical + "矿"):
            return canonical
    return None


_YES = {"是", "有", "1", "Y", "YES", "TRUE", "√", "✓", "✔"}
_NO = {"否", "无", "0", "N", "NO", "FALSE", "×", "-", "/"}


def flag(value: object) -> bool | None:
    """是/否 cells → True/False; empty → False; anything else → None."""
    raw = _fold(value).upper()
    if not raw or raw in _NO:
        return False
    if raw in _YES:
        return True
    return None


_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


def number(value: object) -> float | None:
    """A plain number (thousands separators allowed); None if the cell holds something else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return None if isinstance(value, float) and math.isnan(value) else float(value)
    raw = _fold(value).replace(",", "")
    return float(raw) if _NUMBER.match(raw) else None


def year(value: object) -> int | None:
    raw = _fold(value).removesuffix("年度").removesuffix("年")
    figure = number(raw)
    if figure is None or not figure.is_integer():
        return None
    return int(figure)


_UNIT_WORDS = {
    "万吨/年": ("万吨/年", "万t/a", "万吨", "万t", "万吨/a", "万t/年", "万吨每年"),
    "万立方米/年": ("万立方米/年", "万m3/a", "万m³/a", "万m3/年", "万m³/年", "万方/年", "万立方米", "万m3", "万m³", "万方"),
    "亿立方米/年": ("亿立方米/年", "亿m3/a", "亿m³/a", "亿m3/年", "亿m³/年", "亿立方米", "亿方/年"),
}
_UNIT_LOOKUP = {word.lower(): unit for unit, words in _UNIT_WORDS.items() for word in words}
_SCALE = re.compile(r"^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(.*)$")


def unit(value: object) -> str | None:
    raw = _fold(value)
    if not raw:
        return ""
    return _UNIT_LOOKUP.get(raw.lower()) or (raw if raw in SCALE_UNITS else None)


def scale(value: object) -> tuple[float | None, str] | None:
    """'30万吨/年' → (30.0, '万吨/年'); '30' → (30.0, ''); '' → (None, ''); nonsense → None."""
    figure = number(value)
    if figure is not None:
        return figure, ""
    raw = _fold(value).replace(",", "")
    if not raw:
        return None, ""
    match = _SCALE.match(raw)
    if not match:
        return None
    found_unit = unit(match.group(2))
    if found_unit is None:
        return None
    return float(match.group(1)), found_unit


_DMS = re.compile(
    r"^(?P<hemi1>[NSEW东西南北])?(?P<deg>\d+(?:\.\d+)?)\s*(?:°|度|º|d)\s*"
    r"(?:(?P<min>\d+(?:\.\d+)?)\s*(?:′|'|分|m)\s*)?"
    r"(?:(?P<sec>\d+(?:\.\d+)?)\s*(?:″|\"|''|秒|s)\s*)?(?P<hemi2>[NSEW东西南北])?$",
    re.IGNORECASE,
)
_DECIMAL_WITH_HEMI = re.compile(r"^(?P<hemi1>[NSEW东西南北])?(?P<value>\d+(?:\.\d+)?)(?P<hemi2>[NSEW东西南北])?$", re.I)


def coordinate(value: object) -> float | None:
    """Decimal degrees or 度分秒 ('112°30′15″', '112度30分15秒', 'E112.5') → decimal degrees."""
    figure = number(value)
    if figure is not None:
        return figure
    raw = _fold(value).replace("’", "'").replace("”", '"').replace("′′", "″")
    if not raw:
        return None
    for prefix in ("东经", "北纬", "西经", "南纬"):
        if raw.startswith(prefix):
            raw = {"东经": "E", "北纬": "N", "西经": "W", "南纬": "S"}[prefix] + raw[2:]
    match = _DECIMAL_WITH_HEMI.match(raw)
    if match:
        degrees = float(match.group("value"))
    else:
        match = _DMS.match(raw)
        if not match:
            return None
        minutes = float(match.group("min") or 0)
        seconds = float(match.group("sec") or 0)
        if minutes >= 60 or seconds >= 60:
            return None
        degrees = float(match.group("deg")) + minutes / 60 + seconds / 3600
    hemisphere = (match.group("hemi1") or match.group("hemi2") or "").upper()
    return -degrees if hemisphere in ("S", "W", "西", "南") else degrees


def tags(value: object) -> str:
    """'生态红线周边；长江岸线,  生态红线周边' → '生态红线周边、长江岸线' (in order, no repeats)."""
    raw = text(value)
    for separator in ("；", ";", "，", ",", "/", "|"):
        raw = raw.replace(separator, "、")
    return "、".join(dict.fromkeys(part.strip() for part in raw.split("、") if part.strip()))


def header(value: object) -> str:
    """A column heading reduced to what matters for matching: no blanks, no '*' marks, no line breaks."""
    return unicodedata.normalize("NFKC", text(value)).replace(" ", "").replace("*", "").replace("＊", "")


# Qualifiers officials put in brackets after a heading: 市（州）, 县（市、区）, 生产规模（万吨/年）, 经度（°）.
_QUALIFIER = re.compile(r"[(\[【〔][^)\]】〕]*[)\]】〕]")
_PLACE_PREFIXES = ("所在", "所属")


def heading_stem(value: object) -> str:
    """A heading reduced to its core word, for matching the many ways registers write it.

    '所在市（州）' → '市', '所在县（市、区）' → '县', '矿山名称' → '矿山', '生产规模（万吨/年）' → '生产规模'.
    A 代码 suffix is kept on purpose, so '所在市（州）代码' never reads as the city itself.
    """
    written = header(value).replace(":", "")
    # A heading written wholly in brackets ('【采矿许可证号】') keeps its words, only the brackets go.
    stem = _QUALIFIER.sub("", written) or re.sub(r"[()\[\]【】〔〕]", "", written)
    for prefix in _PLACE_PREFIXES:
        if stem.startswith(prefix) and len(stem) > len(prefix):
            stem = stem[len(prefix):]
    if stem.endswith("名称") and len(stem) > 2:
        stem = stem[:-2]
    return stem
