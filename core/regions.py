"""Administrative divisions (省 / 市 / 县) with codes and seat coordinates, from ``data/regions.csv``.

Used to name and code a mine's place, to check that its coordinates are plausible, and to spread
demo mines over real prefectures and counties.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from core import config
from core.reference import read_data_csv

# China's extent in decimal degrees (a loose box: it only catches swapped or mistyped coordinates).
CHINA_LON = (73.4, 135.1)
CHINA_LAT = (3.8, 53.6)
# A mine may lie this far (degrees) outside the box spanned by its province's county seats.
PROVINCE_MARGIN = 0.35

_SUFFIXES = ("土家族苗族自治州", "自治州", "地区", "林区", "盟", "州", "市", "区", "县", "旗")


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    kind: str  # province / prefecture / county
    province_code: str
    prefecture_code: str
    lon: float | None
    lat: float | None


@lru_cache(maxsize=None)
def all_regions() -> tuple[Region, ...]:
    rows = read_data_csv(config.DATA_FILES / "regions.csv")
    return tuple(
        Region(
            r["code"], r["name"], r["kind"], r["province_code"], r["prefecture_code"],
            float(r["lon"]) if r["lon"] else None, float(r["lat"]) if r["lat"] else None,
        )
        for r in rows
    )


@lru_cache(maxsize=None)
def provinces() -> tuple[Region, ...]:
    return tuple(r for r in all_regions() if r.kind == "province")


def province(name_or_code: str) -> Region | None:
    for region in provinces():
        if name_or_code in (region.code, region.name) or short_name(region.name) == short_name(name_or_code):
            return region
    return None


@lru_cache(maxsize=None)
def prefectures(province_code: str) -> tuple[Region, ...]:
    """Prefecture-level units of a province; a municipality is its own single prefecture."""
    found = [r for r in all_regions() if r.kind == "prefecture" and r.province_code == province_code]
    return tuple(found or [r for r in provinces() if r.code == province_code])


@lru_cache(maxsize=None)
def counties(province_code: str, prefecture_code: str | None = None) -> tuple[Region, ...]:
    return tuple(
        r for r in all_regions()
        if r.kind == "county" and r.province_code == province_code
        and (prefecture_code is None or r.prefecture_code == prefecture_code)
    )


def short_name(name: str) -> str:
    """'恩施土家族苗族自治州' → '恩施', '武汉市' → '武汉', '湖北省' → '湖北'."""
    for suffix in ("维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "特别行政区", "省") + _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def _match(name: str, candidates: tuple[Region, ...]) -> Region | None:
    name = name.strip()
    if not name:
        return None
    for region in candidates:
        if region.name == name:
            return region
    wanted = short_name(name)
    hits = [r for r in candidates if short_name(r.name) == wanted]
    return hits[0] if len(hits) == 1 else None


@lru_cache(maxsize=4096)
def find_prefecture(province_code: str, name: str) -> Region | None:
    return _match(name, prefectures(province_code))


@lru_cache(maxsize=4096)
def find_county(province_code: str, name: str, prefecture_code: str | None = None) -> Region | None:
    return _match(name, counties(province_code, prefecture_code)) or (
        _match(name, counties(province_code)) if prefecture_code else None
    )


def region_by_code(code: str) -> Region | None:
    return _by_code().get(code)


@lru_cache(maxsize=None)
def _by_code() -> dict[str, Region]:
    # Prefecture rows come first for codes that are both (province-administered county-level cities).
    found: dict[str, Region] = {}
    for region in all_regions():
        found.setdefault(region.code, region)
    return found


def in_china(lon: float, lat: float) -> bool:
    return CHINA_LON[0] <= lon <= CHINA_LON[1] and CHINA_LAT[0] <= lat <= CHINA_LAT[1]


@lru_cache(maxsize=None)
def province_box(province_code: str) -> tuple[float, float, float, float]:
    """(min lon, min lat, max lon, max lat) around the province's seats, widened by the margin."""
    points = [
        (r.lon, r.lat) for r in all_regions()
        if r.province_code == province_code and r.lon is not None and r.lat is not None
    ]
    lons = [p[0] for p in points]
    lats = [p[1] for p in points]
    return (
        min(lons) - PROVINCE_MARGIN, min(lats) - PROVINCE_MARGIN,
        max(lons) + PROVINCE_MARGIN, max(lats) + PROVINCE_MARGIN,
    )


def in_province(province_code: str, lon: float, lat: float) -> bool:
    min_lon, min_lat, max_lon, max_lat = province_box(province_code)
    return min_lon <= lon <= max_lon and min_lat <= lat <= max_lat
