"""Settings a province configures once, stored in the database (table ``settings``, JSON values)."""

from __future__ import annotations

import json
from typing import Any

from sqlite_utils import Database

from core import access, audit, regions
from core.db import transaction

DEFAULTS: dict[str, Any] = {
    "province_code": "420000",  # 湖北省, the demo province
}


def get(db: Database, key: str) -> Any:
    row = db.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
    return json.loads(row[0]) if row else DEFAULTS.get(key)


def put(db: Database, key: str, value: Any, actor: str) -> None:
    access.require(actor, access.SETTINGS)
    with transaction(db):
        old = get(db, key)
        if old != value:
            audit.log(db, actor, "设置", key, old=old, new=value)
        db.execute(
            "INSERT INTO settings (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [key, json.dumps(value, ensure_ascii=False)],
        )


def province(db: Database) -> regions.Region:
    """The province this installation serves (names every report, bounds every coordinate)."""
    found = regions.region_by_code(get(db, "province_code"))
    if found is None:
        found = regions.region_by_code(DEFAULTS["province_code"])
    assert found is not None
    return found


def set_province(db: Database, code: str, actor: str) -> regions.Region:
    found = regions.region_by_code(code)
    if found is None or found.kind != "province":
        raise ValueError(f"未知的省级行政区划代码：{code}")
    put(db, "province_code", found.code, actor)
    return found
