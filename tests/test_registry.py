"""core.registry: create, edit (with history and version check), remove/restore, filters, summaries."""

from __future__ import annotations

from datetime import date

import pytest

from core import registry, regions
from core.labels import FLAG_OPEN_PIT, FLAG_PROBLEM, FLAG_RECTIFY, STATUS_LISTED, STATUS_REMOVED
from core.registry import ConflictError, Filters, RegistryError
from core.validation import validate_mine
from core.access import System

HUBEI = regions.region_by_code("420000")


@pytest.fixture
def values(valid_mine):
    """``values(**changes)`` → validated database values of a mine."""

    def make(**changes):
        out, problems = validate_mine(valid_mine(**changes), HUBEI)
        assert not [p for p in problems if p.is_error]
        return out

    return make


def history_rows(db, mine_id):
    return db.execute(
        "SELECT actor, action, field, old_value, new_value, note FROM mine_history WHERE mine_id = ? ORDER BY id",
        [mine_id],
    ).fetchall()


def snapshot(db):
    return (db.execute("SELECT * FROM mines ORDER BY id").fetchall(),
            db.execute("SELECT * FROM mine_history ORDER BY id").fetchall())


def test_create_mine_stores_values_and_records_creation(db, values):
    mine_id = registry.create_mine(db, values(), System("张三"), note="手工录入")
    mine = registry.get_mine(db, mine_id)
    assert mine["licence_no"] == "C4202812010011234567890"
    assert (mine["status"], mine["version"]) == (STATUS_LISTED, 1)
    assert mine["created_at"] == mine["updated_at"]
    assert history_rows(db, mine_id) == [("张三", "新增", "", "", "", "手工录入")]
    assert registry.get_by_licence(db, "C4202812010011234567890")["id"] == mine_id
    assert registry.get_mine(db, 999) is None
    assert registry.count_mines(db) == 1


def test_duplicate_licence_is_refused_on_create(db, values):
    registry.create_mine(db, values(), System("张三"))
    before = snapshot(db)
    with pytest.raises(RegistryError, match="采矿许可证号 C4202812010011234567890 已在名录库中"):
        registry.create_mine(db, values(name="另一座矿山"), System("李四"))
    assert snapshot(db) == before


def test_update_mine_writes_one_history_row_per_changed_field(db, values):
    mine_id = registry.create_mine(db, values(), System("张三"))
    diff = registry.update_mine(
        db, mine_id, values(level="国家级", scale=8, owner="新采矿权人"), expected_version=1, actor=System("李四"),
        note="按复核结果修改",
    )
    assert diff == {
        "level": ("省级", "国家级"),
        "owner": ("大冶市甲子示例矿业有限公司", "新采矿权人"),
        "scale_value": ("30", "8"),
        "scale_class": ("大型", "中型"),
    }
    mine = registry.get_mine(db, mine_id)
    assert (mine["level"], mine["owner"], mine["scale_value"], mine["scale_class"]) == ("国家级", "新采矿权人", 8.0, "中型")
    assert mine["version"] == 2
    edits = [r for r in history_rows(db, mine_id) if r[1] == "编辑"]
    assert sorted(edits) == sorted([
        ("李四", "编辑", "level", "省级", "国家级", "按复核结果修改"),
        ("李四", "编辑", "owner", "大冶市甲子示例矿业有限公司", "新采矿权人", "按复核结果修改"),
        ("李四", "编辑", "scale_value", "30", "8", "按复核结果修改"),
        ("李四", "编辑", "scale_class", "大型", "中型", "按复核结果修改"),
    ])


def test_history_frame_has_chinese_headings_and_labels(db, values):
    mine_id = registry.create_mine(db, values(), System("张三"))
    registry.update_mine(db, mine_id, values(level="国家级"), 1, System("李四"))
    frame = registry.history(db, mine_id)
    assert list(frame.columns) == ["时间", "操作人", "操作", "字段", "原值", "新值", "说明"]
    newest = frame.iloc[0]
    assert (newest["操作人"], newest["操作"], newest["字段"], newest["原值"], newest["新值"]) == (
        "李四", "编辑", "入库级别", "省级", "国家级")
    assert frame.iloc[-1]["操作"] == "新增"


def test_update_without_changes_writes_nothing(db, values):
    mine_id = registry.create_mine(db, values(), System("张三"))
    before = snapshot(db)
    assert registry.update_mine(db, mine_id, values(), 1, System("李四")) == {}
    assert snapshot(db) == before


def test_stale_version_raises_conflict_and_writes_nothing(db, values):
    mine_id = registry.create_mine(db, values(), System("张三"))
    registry.update_mine(db, mine_id, values(level="国家级"), 1, System("李四"))  # now version 2
    before = snapshot(db)
    with pytest.raises(ConflictError, match="已被他人修改"):
        registry.update_mine(db, mine_id, values(level="县级", owner="王五公司"), 1, System("王五"))
    assert snapshot(db) == before
    assert registry.get_mine(db, mine_id)["level"] == "国家级"


def test_update_of_unknown_mine_is_refused(db, values):
    with pytest.raises(RegistryError, match="已不在名录库中"):
        registry.update_mine(db, 42, values(), 1, System("李四"))


def test_changing_to_a_licence_of_another_mine_is_refused(db, values):
    first = registry.create_mine(db, values(), System("张三"))
    second = registry.create_mine(db, values(licence_no="C4202812010011234567891", name="第二座示例矿"), System("张三"))
    before = snapshot(db)
    with pytest.raises(RegistryError, match="已属于矿山"):
        registry.update_mine(db, second, values(licence_no="C4202812010011234567890", name="第二座示例矿"), 1, System("李四"))
    assert snapshot(db) == before
    assert registry.get_mine(db, first)["version"] == 1


@pytest.mark.parametrize("reason", ["", "   "])
def test_remove_requires_a_reason(db, values, reason):
    mine_id = registry.create_mine(db, values(), System("张三"))
    before = snapshot(db)
    with pytest.raises(RegistryError, match="请填写移出原因"):
        registry.remove_mine(db, mine_id, date(2024, 3, 1), reason, 1, System("李四"))
    assert snapshot(db) == before


def test_remove_and_restore_record_history(db, values):
    mine_id = registry.create_mine(db, values(), System("张三"))
    registry.remove_mine(db, mine_id, date(2024, 3, 1), " 采矿许可证到期注销 ", 1, System("李四"))
    mine = registry.get_mine(db, mine_id)
    assert (mine["status"], mine["removed_date"], mine["removed_reason"], mine["version"]) == (
        STATUS_REMOVED, "2024-03-01", "采矿许可证到期注销", 2)
    removal = [r for r in history_rows(db, mine_id) if r[1] == "移出"]
    assert sorted(removal) == sorted([
        ("李四", "移出", "status", STATUS_LISTED, STATUS_REMOVED, "采矿许可证到期注销"),
        ("李四", "移出", "removed_date", "", "2024-03-01", "采矿许可证到期注销"),
        ("李四", "移出", "removed_reason", "", "采矿许可证到期注销", "采矿许可证到期注销"),
    ])

    with pytest.raises(RegistryError, match="请填写恢复在册的原因"):
        registry.restore_mine(db, mine_id, "  ", 2, System("王五"))
    assert registry.get_mine(db, mine_id)["status"] == STATUS_REMOVED

    registry.restore_mine(db, mine_id, "许可证已延续", 2, System("王五"))
    mine = registry.get_mine(db, mine_id)
    assert (mine["status"], mine["removed_date"], mine["removed_reason"], mine["version"]) == (STATUS_LISTED, "", "", 3)
    restore = [r for r in history_rows(db, mine_id) if r[1] == "恢复在册"]
    assert ("王五", "恢复在册", "status", STATUS_REMOVED, STATUS_LISTED, "许可证已延续") in restore
    assert all(r[5] == "许可证已延续" for r in restore)


def test_remove_with_stale_version_is_a_conflict(db, values):
    mine_id = registry.create_mine(db, values(), System("张三"))
    registry.update_mine(db, mine_id, values(level="国家级"), 1, System("李四"))
    before = snapshot(db)
    with pytest.raises(ConflictError):
        registry.remove_mine(db, mine_id, date(2024, 3, 1), "资源枯竭关闭", 1, System("王五"))
    with pytest.raises(ConflictError):
        registry.restore_mine(db, mine_id, "误操作", 1, System("王五"))
    assert snapshot(db) == before


def test_upsert_creates_and_updates_by_licence(db, values):
    mine_id = registry.create_mine(db, values(), System("张三"))
    rows = [values(level="国家级"), values(licence_no="C4202812010011234567891", name="第二座示例矿")]
    assert registry.upsert_mines(db, rows, System("导入员"), "导入文件：a.xlsx") == (1, 1)
    assert registry.count_mines(db) == 2
    assert registry.get_mine(db, mine_id)["level"] == "国家级"
    assert registry.get_mine(db, mine_id)["version"] == 2
    assert ("导入员", "导入更新", "level", "省级", "国家级", "导入文件：a.xlsx") in history_rows(db, mine_id)
    # The same rows again change nothing.
    assert registry.upsert_mines(db, rows, System("导入员"), "再次导入") == (0, 0)


def test_upsert_conflict_rolls_back_every_row(db, values):
    mine_id = registry.create_mine(db, values(), System("张三"))
    registry.update_mine(db, mine_id, values(owner="别人改过"), 1, System("李四"))  # version 2
    before = snapshot(db)
    rows = [
        values(licence_no="C4202812010011234567891", name="新矿"),
        {**values(level="国家级"), "_expected_version": 1},
    ]
    with pytest.raises(ConflictError):
        registry.upsert_mines(db, rows, System("导入员"), "导入")
    assert snapshot(db) == before


def test_changes_compares_shown_text():
    old = {"scale_value": 30.0, "listing_year": 2020, "owner": None, "status": "在册"}
    new = {"scale_value": 30, "listing_year": 2021, "owner": "", "status": "已移出", "_row": 5}
    assert registry.changes(old, new) == {"listing_year": ("2020", "2021")}
    assert registry.as_text(None) == "" and registry.as_text(12.50) == "12.5" and registry.as_text(3) == "3"


# --- queries on the demo register --------------------------------------------------------------

def licences(frame):
    return set(frame["licence_no"])


def test_filter_by_levels(demo_db):
    everything = registry.list_mines(demo_db)
    assert len(everything) == 60
    national = registry.list_mines(demo_db, Filters(levels=["国家级"]))
    assert len(national) == (everything["level"] == "国家级").sum() > 0
    assert set(national["level"]) == {"国家级"}
    two = registry.list_mines(demo_db, Filters(levels=["国家级", "县级"]))
    assert set(two["level"]) == {"国家级", "县级"}
    assert len(two) == everything["level"].isin(["国家级", "县级"]).sum()


def test_list_is_ordered_by_level(demo_db):
    order = {"国家级": 1, "省级": 2, "市级": 3, "县级": 4}
    ranks = [order[level] for level in registry.list_mines(demo_db)["level"]]
    assert ranks == sorted(ranks)


def test_flag_filters(demo_db):
    everything = registry.list_mines(demo_db)
    open_pit = registry.list_mines(demo_db, Filters(flags=[FLAG_OPEN_PIT]))
    assert len(open_pit) == (everything["method"] == "露天开采").sum() > 0
    assert set(open_pit["method"]) == {"露天开采"}
    problem = registry.list_mines(demo_db, Filters(flags=[FLAG_PROBLEM]))
    assert len(problem) == everything["flag_problem"].sum()
    assert set(problem["flag_problem"]) <= {1}
    both = registry.list_mines(demo_db, Filters(flags=[FLAG_OPEN_PIT, FLAG_RECTIFY]))
    expected = ((everything["method"] == "露天开采") & (everything["flag_rectify"] == 1)).sum()
    assert len(both) == expected


def test_filters_by_city_and_status(demo_db):
    everything = registry.list_mines(demo_db)
    city = everything["city_code"].iloc[0]
    in_city = registry.list_mines(demo_db, Filters(city_codes=[city]))
    assert set(in_city["city_code"]) == {city}
    assert len(in_city) == (everything["city_code"] == city).sum()
    removed = registry.list_mines(demo_db, Filters(statuses=[STATUS_REMOVED]))
    assert len(removed) == 1 and set(removed["status"]) == {STATUS_REMOVED}


def test_search_by_licence_fragment_name_or_owner(demo_db):
    everything = registry.list_mines(demo_db)
    licence = everything["licence_no"].iloc[5]
    fragment = licence[-9:]
    found = registry.list_mines(demo_db, Filters(search=f"  {fragment} "))
    assert licence in licences(found)
    assert all(fragment in l for l in found["licence_no"])
    lower = registry.list_mines(demo_db, Filters(search=licence.lower()))
    assert licences(lower) == {licence}
    name = everything["name"].iloc[7]
    assert name in set(registry.list_mines(demo_db, Filters(search=name))["name"])
    assert len(registry.list_mines(demo_db, Filters(search="示例"))) == 60
    assert registry.list_mines(demo_db, Filters(search="不存在的矿山")).empty


def test_summary_counts(demo_db):
    everything = registry.list_mines(demo_db)
    listed = everything[everything["status"] == STATUS_LISTED]
    summary = registry.summary(demo_db)
    assert (summary["listed"], summary["removed"]) == (59, 1)
    assert summary["open_pit"] == (listed["method"] == "露天开采").sum()
    assert summary["problem"] == listed["flag_problem"].sum()
    assert summary["rectify"] == listed["flag_rectify"].sum()
    assert summary["by_level"] == listed["level"].value_counts().to_dict()
    assert sum(summary["by_level"].values()) == 59


def test_summary_of_an_empty_register(db):
    assert registry.summary(db) == {"listed": 0, "removed": 0, "open_pit": 0, "problem": 0, "rectify": 0,
                                    "by_level": {}}


def test_by_prefecture_counts(demo_db):
    everything = registry.list_mines(demo_db)
    listed = everything[everything["status"] == STATUS_LISTED]
    table = registry.by_prefecture(demo_db)
    assert list(table.columns) == ["市（州）", "国家级", "省级", "市级", "县级", "合计"]
    assert table["合计"].sum() == 59
    assert set(table["市（州）"]) == set(listed["city"])
    for _, row in table.iterrows():
        in_city = listed[listed["city"] == row["市（州）"]]
        assert row["合计"] == len(in_city)
        for level in ("国家级", "省级", "市级", "县级"):
            assert row[level] == (in_city["level"] == level).sum()


def test_by_prefecture_of_an_empty_register(db):
    table = registry.by_prefecture(db)
    assert table.empty
    assert list(table.columns) == ["市（州）", "国家级", "省级", "市级", "县级", "合计"]


def test_distinct_values(demo_db):
    minerals = registry.distinct_values(demo_db, "mineral")
    assert minerals == sorted(set(registry.list_mines(demo_db)["mineral"]))
    assert "" not in minerals
