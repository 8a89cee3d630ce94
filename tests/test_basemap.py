"""Base-map settings, the province boundary upload, and publishing local tiles."""

from __future__ import annotations

import json

import pytest

from core import basemap
from core.access import System


def test_default_is_no_tiles(db) -> None:
    assert basemap.load(db) == basemap.Basemap(kind="none")


def test_a_tile_server_needs_a_template_and_a_source(db) -> None:
    with pytest.raises(basemap.BasemapError) as caught:
        basemap.save(db, basemap.Basemap(kind="tiles", url="/tiles/map.png"), System("测试"))
    assert "{z}" in str(caught.value) and "底图来源说明" in str(caught.value)
    good = basemap.Basemap(kind="tiles", url="/t/{z}/{x}/{y}.png", attribution="天地图·湖北", subdomains="01234567")
    basemap.save(db, good, System("测试"))
    assert basemap.load(db) == good


def polygon(points) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "示例"}, "geometry": {"type": "Polygon", "coordinates": [points]}}
    ]}).encode()


def test_a_valid_boundary_is_stored_and_loaded(db) -> None:
    warnings = basemap.save_boundary(db, polygon([[110, 30], [112, 30], [112, 32], [110, 30]]), System("测试"))
    assert warnings == []
    stored = basemap.load_boundary()
    assert stored["features"][0]["geometry"]["coordinates"][0][1] == [112, 30]
    assert stored["features"][0]["properties"] == {}  # attributes are dropped: only outlines are drawn
    basemap.remove_boundary(db, System("测试"))
    assert basemap.load_boundary() is None


@pytest.mark.parametrize("content,message", [
    (b"not json", "不是有效的 GeoJSON"),
    (json.dumps({"type": "Point", "coordinates": [112, 30]}).encode(), "没有面或线要素"),
    (polygon([[12_500_000, 3_500_000], [12_600_000, 3_500_000], [12_600_000, 3_600_000]]), "投影坐标"),
])
def test_a_bad_boundary_is_refused_and_keeps_the_old_one(db, content, message) -> None:
    basemap.save_boundary(db, polygon([[110, 30], [112, 30], [112, 32], [110, 30]]), System("测试"))
    with pytest.raises(basemap.BasemapError) as caught:
        basemap.save_boundary(db, content, System("测试"))
    assert message in str(caught.value)
    assert basemap.load_boundary() is not None


def test_local_tiles_are_published_into_static(db, tmp_path) -> None:
    source = tmp_path / "tiles"
    (source / "7" / "104").mkdir(parents=True)
    (source / "7" / "104" / "52.png").write_bytes(b"\x89PNG tile")
    (source / "readme.txt").write_text("not a tile")
    target = tmp_path / "static" / "tiles"
    assert basemap.publish_local_tiles(db, System("测试"), source, target) == 1
    assert (target / "7" / "104" / "52.png").read_bytes() == b"\x89PNG tile"
    (source / "7" / "104" / "52.png").unlink()
    assert basemap.publish_local_tiles(db, System("测试"), source, target) == 0
    assert not (target / "7" / "104" / "52.png").exists()
