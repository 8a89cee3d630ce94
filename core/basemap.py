"""What lies under the mines on the map: no tiles (the default), an intranet tile server, local tiles
from the data directory, and an optional province boundary the province uploads (we ship no borders:
official boundaries must come from an approved map, 标准地图)."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from core import access, audit, config, regions, settings
from core.db import transaction

KINDS = {"none": "无底图（地市驻地标注）", "tiles": "内网瓦片服务", "local": "本地瓦片文件夹"}
BOUNDARY_FILE = "boundary.geojson"
TILES_DIR = "tiles"
PUBLISHED_TILES = config.PROJECT_ROOT / "static" / "tiles"
TILE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp"}
MAX_BOUNDARY_MB = 20
MANY_VERTICES = 200_000


class BasemapError(Exception):
    """A base-map setting or boundary file that cannot be used; the message is in Chinese."""


@dataclass
class Basemap:
    kind: str = "none"
    url: str = ""  # tile URL template with {z} {x} {y}, for kind "tiles"
    label_url: str = ""  # optional label layer (e.g. 天地图's annotation layer)
    attribution: str = ""
    subdomains: str = ""  # for a {s} in the templates, e.g. "01234567" for 天地图
    max_zoom: int = 18
    suffix: str = "png"  # for kind "local"

    def validate(self) -> list[str]:
        problems = []
        if self.kind not in KINDS:
            problems.append(f"未知的底图类型：{self.kind}")
        if self.kind == "tiles":
            for label, template in (("瓦片地址", self.url), ("注记图层地址", self.label_url)):
                if not template and label == "注记图层地址":
                    continue
                if not all(part in template for part in ("{z}", "{x}", "{y}")):
                    problems.append(f"{label}应为含 {{z}}、{{x}}、{{y}} 的地址模板")
            if not self.attribution.strip():
                problems.append("请填写底图来源说明（显示在地图右下角），如“天地图·湖北”")
        if not 1 <= self.max_zoom <= 22:
            problems.append("最大缩放级别应在 1 到 22 之间")
        if self.kind == "local" and f".{self.suffix}" not in TILE_SUFFIXES:
            problems.append("本地瓦片格式应为 png、jpg 或 webp")
        return problems


def load(db: Database) -> Basemap:
    stored = settings.get(db, "basemap") or {}
    return Basemap(**{k: v for k, v in stored.items() if k in Basemap.__dataclass_fields__})


def save(db: Database, basemap: Basemap, actor: str) -> None:
    problems = basemap.validate()
    if problems:
        raise BasemapError("；".join(problems))
    settings.put(db, "basemap", asdict(basemap), actor)


# --- boundary ---------------------------------------------------------------------------------

def boundary_path() -> Path:
    return config.data_dir() / BOUNDARY_FILE


def load_boundary() -> dict[str, Any] | None:
    path = boundary_path()
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def boundary_box(data: dict[str, Any]) -> tuple[float, float, float, float] | None:
    """(min lon, min lat, max lon, max lat) of a boundary's outlines; None when it has no coordinates."""
    points = [point for geometry in _geometries(data) for point in _points(geometry["coordinates"])]
    if not points:
        return None
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    return min(lons), min(lats), max(lons), max(lats)


def check_boundary(content: bytes) -> tuple[dict[str, Any], list[str]]:
    """Parse and check an uploaded boundary; returns (GeoJSON, warnings) or raises BasemapError."""
    if len(content) > MAX_BOUNDARY_MB * 1024 * 1024:
        raise BasemapError(f"边界文件超过 {MAX_BOUNDARY_MB} MB。请先在 GIS 软件中简化边界后再上传。")
    try:
        data = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BasemapError("不是有效的 GeoJSON 文件（应为 UTF-8 编码的 JSON）。请从 GIS 软件导出为 GeoJSON。") from exc
    geometries = list(_geometries(data))
    if not geometries:
        raise BasemapError("文件中没有面或线要素。边界应为 Polygon、MultiPolygon 或 LineString 类型的 GeoJSON。")
    points = [point for geometry in geometries for point in _points(geometry["coordinates"])]
    if not points:
        raise BasemapError("边界要素没有坐标。")
    outside = [p for p in points if not (isinstance(p[0], (int, float)) and isinstance(p[1], (int, float))
                                         and regions.in_china(p[0], p[1]))]
    if outside:
        raise BasemapError(
            f"有 {len(outside)} 个坐标不是中国境内的经纬度（如 {outside[0][:2]}）。"
            "边界应为 WGS-84/CGCS2000 经纬度坐标，投影坐标（以米为单位）请先转换。"
        )
    warnings = []
    if len(points) > MANY_VERTICES:
        warnings.append(f"边界有 {len(points)} 个顶点，地图加载会变慢，建议简化到 5 万个以内。")
    return data, warnings


def _geometries(data: Any):
    kind = data.get("type") if isinstance(data, dict) else None
    if kind == "FeatureCollection":
        for feature in data.get("features") or []:
            yield from _geometries(feature)
    elif kind == "Feature":
        yield from _geometries(data.get("geometry"))
    elif kind == "GeometryCollection":
        for geometry in data.get("geometries") or []:
            yield from _geometries(geometry)
    elif kind in ("Polygon", "MultiPolygon", "LineString", "MultiLineString") and "coordinates" in data:
        yield data


def _points(coordinates: Any):
    if isinstance(coordinates, list) and coordinates and not isinstance(coordinates[0], list):
        yield coordinates
    elif isinstance(coordinates, list):
        for part in coordinates:
            yield from _points(part)


def save_boundary(db: Database, content: bytes, actor: str) -> list[str]:
    """Check and store the province's boundary file; returns warnings."""
    access.require(actor, access.SETTINGS)
    data, warnings = check_boundary(content)
    # Only the lines are kept: the map draws outlines, and the file's attributes are text nobody reads.
    geometries = list(_geometries(data))
    outlines = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": geometry} for geometry in geometries]}
    target = boundary_path()
    temporary = target.with_suffix(".tmp")
    temporary.write_text(json.dumps(outlines), encoding="utf-8")
    with transaction(db):
        audit.log(db, actor, "行政区边界：保存", BOUNDARY_FILE, new={"要素": len(geometries), "大小": len(content)})
        os.replace(temporary, target)  # a half-written boundary never replaces the old one
    return warnings


def remove_boundary(db: Database, actor: str) -> None:
    access.require(actor, access.SETTINGS)
    with transaction(db):
        audit.log(db, actor, "行政区边界：删除", BOUNDARY_FILE)
        boundary_path().unlink(missing_ok=True)


# --- local tiles ------------------------------------------------------------------------------

def tiles_source() -> Path:
    return config.data_dir() / TILES_DIR


def publish_local_tiles(db: Database, actor: str, source: Path | None = None, target: Path = PUBLISHED_TILES) -> int:
    """Mirror ``<data dir>/tiles/{z}/{x}/{y}.png`` into ``static/tiles`` so that the app can serve them.

    Streamlit serves only files inside ``static/`` (it refuses links that lead outside), so tiles are
    hard-linked there (copied when the data directory is on another disk). Returns the tile count.
    """
    access.require(actor, access.SETTINGS)
    published_before = target.exists()
    count = _mirror_tiles(source or tiles_source(), target)
    if count or published_before:  # the start-up job logs nothing where there are no tiles
        with transaction(db):
            audit.log(db, actor, "本地瓦片：发布", target.name, new={"瓦片数": count})
    return count


def _mirror_tiles(source: Path, target: Path) -> int:
    if target.exists():
        shutil.rmtree(target)
    if not source.is_dir():
        return 0
    count = 0
    for path in source.rglob("*"):
        if path.suffix.lower() not in TILE_SUFFIXES or not path.is_file():
            continue
        published = target / path.relative_to(source)
        published.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(path, published)
        except OSError:
            shutil.copy2(path, published)
        count += 1
    return count
