"""core.indicators: evaluation-indicator sets (data/indicator_sets/*.csv) and scoring of the checklist."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from core import config, indicators
from core.indicators import INDICATOR, PRECONDITION, IndicatorSetError, indicator_sets, score, summary_text

SHIPPED = config.DATA_FILES / indicators.SETS_DIR
INDEX_HEADER = "code,name,file,source,total_points,pass_total,pass_share\n"
SET_HEADER = "id,kind,group,item,points\n"


@pytest.fixture
def set_2020() -> indicators.IndicatorSet:
    return indicator_sets()["2020"]


@pytest.fixture
def set_2024() -> indicators.IndicatorSet:
    return indicator_sets()["2024"]


def all_marked(indicator_set: indicators.IndicatorSet, mark: str = "符合") -> dict[str, str]:
    return {item.id: mark for item in indicator_set.items}


def write_sets(tmp_path: Path, index_rows: str, files: dict[str, str]) -> Path:
    """A data dir holding indicator_sets/sets.csv (with a comment line) and the given set files."""
    folder = tmp_path / indicators.SETS_DIR
    folder.mkdir(parents=True)
    (folder / "sets.csv").write_text("# 测试用指标集\n" + INDEX_HEADER + index_rows, encoding="utf-8")
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return tmp_path


def small_set(points: tuple[str, str, str] = ("60", "40", "100")) -> str:
    """A set file: comment lines 1–2, header line 3, precondition line 4, items on lines 5–7."""
    a, b, c = points
    return ("# 本省指标\n# 第二行说明\n" + SET_HEADER + "P1,前提条件,,证照合法有效,\n"
            f"A1,指标,环境,绿化达标,{a}\nA2,指标,环境,道路整洁,{b}\nB1,指标,管理,建立管理体系,{c}\n")


# ------------------------------------------------------------------------------------------- loading


def test_shipped_sets_load_in_index_order():
    sets = indicator_sets()
    assert list(sets) == ["2020", "2024"]
    assert sets["2020"].name == "绿色矿山评价指标（2020年版）"
    assert sets["2024"].name == "国家级绿色矿山评价指标（2024年版）"
    assert all(s.source for s in sets.values())


def test_2020_set_has_1000_points_5_preconditions_6_groups(set_2020):
    assert set_2020.has_points
    assert (set_2020.total_points, set_2020.pass_total, set_2020.pass_share) == (1000, 800, 0.75)
    assert len(set_2020.preconditions) == 5
    assert all(p.points is None and p.kind == PRECONDITION for p in set_2020.preconditions)
    assert set_2020.groups == ("矿区环境", "资源开发方式", "资源综合利用", "节能减排", "科技创新与智能矿山",
                               "企业管理与企业形象")
    maxima = {g: sum(i.points for i in set_2020.indicators if i.group == g) for g in set_2020.groups}
    assert maxima["矿区环境"] == 220 and maxima["资源开发方式"] == 220
    assert sum(maxima.values()) == 1000
    assert all(3 <= sum(1 for i in set_2020.indicators if i.group == g) <= 6 for g in set_2020.groups)


def test_2024_set_has_no_points(set_2024):
    assert not set_2024.has_points
    assert (set_2024.total_points, set_2024.pass_total, set_2024.pass_share) == (None, None, None)
    assert set_2024.groups == ("矿区环境", "资源开采", "资源综合利用", "绿色低碳", "生态修复与环境治理",
                               "科技创新与规范管理")
    assert set_2024.preconditions
    assert all(i.points is None for i in set_2024.items)


def test_shipped_files_say_where_they_come_from():
    for path in SHIPPED.glob("*.csv"):
        assert path.read_text(encoding="utf-8").startswith("#"), path.name


def test_a_province_adds_its_own_set_by_adding_files(tmp_path):
    data_dir = tmp_path / "data"
    shutil.copytree(SHIPPED, data_dir / indicators.SETS_DIR)
    folder = data_dir / indicators.SETS_DIR
    (folder / "hb2025.csv").write_text(small_set(), encoding="utf-8")
    with (folder / "sets.csv").open("a", encoding="utf-8") as f:
        f.write("HB2025,湖北省绿色矿山评价指标（试行）,hb2025.csv,省厅文件,200,160,0.6\n")
    sets = indicator_sets(data_dir)
    assert list(sets) == ["2020", "2024", "HB2025"]
    own = sets["HB2025"]
    assert own.groups == ("环境", "管理")
    assert [i.id for i in own.items] == ["P1", "A1", "A2", "B1"]
    assert own.items[1] == indicators.Item("A1", INDICATOR, "环境", "绿化达标", 60.0)
    assert own.pass_share == 0.6


@pytest.mark.parametrize(
    "file_text, line, fragment",
    [
        (small_set().replace("A2,指标", "A1,指标"), 6, "编号“A1”重复"),
        (small_set().replace("B1,指标", "B1,指数"), 7, "kind“指数”无效"),
        (small_set(("60", "四十", "100")), 6, "分值“四十”不是数字"),
        (small_set().replace("证照合法有效,", "证照合法有效,10"), 4, "前提条件为一票否决项"),
        (small_set(("60", "", "100")), 6, "每个指标都应有分值"),
    ],
)
def test_a_wrong_row_is_reported_with_file_and_line(tmp_path, file_text, line, fragment):
    data_dir = write_sets(tmp_path, "X,测试,x.csv,来源,200,160,0.75\n", {"x.csv": file_text})
    with pytest.raises(IndicatorSetError) as raised:
        indicator_sets(data_dir)
    message = str(raised.value)
    assert f"indicator_sets/x.csv 第 {line} 行" in message
    assert fragment in message


def test_points_not_summing_to_total_points_are_reported(tmp_path):
    data_dir = write_sets(tmp_path, "X,测试,x.csv,来源,250,200,0.75\n", {"x.csv": small_set()})
    with pytest.raises(IndicatorSetError, match=r"indicator_sets/x\.csv：各项分值之和为 200，与 sets\.csv 中的 total_points 250 不一致"):
        indicator_sets(data_dir)


def test_points_in_a_set_without_total_points_are_reported(tmp_path):
    data_dir = write_sets(tmp_path, "X,测试,x.csv,来源,,,\n", {"x.csv": small_set()})
    with pytest.raises(IndicatorSetError) as raised:
        indicator_sets(data_dir)
    assert "indicator_sets/x.csv 第 5 行" in str(raised.value)
    assert "未填 total_points" in str(raised.value)
    assert len(raised.value.problems) == 3  # every wrong line, not only the first


@pytest.mark.parametrize(
    "index_row, fragment",
    [
        ("X,测试,missing.csv,来源,200,160,0.75\n", "指标文件“missing.csv”不存在"),
        ("X,测试,x.csv,来源,二百,160,0.75\n", "total_points“二百”不是数字"),
        ("X,测试,x.csv,来源,200,160,75\n", "pass_share 应在 0 到 1 之间"),
        ("X,测试,x.csv,来源,,160,\n", "未填 total_points 却填了通过线"),
        ("X,测试,x.csv,来源,200,160,0.75\nX,重复,x.csv,来源,200,160,0.75\n", "代号“X”重复"),
    ],
)
def test_a_wrong_index_row_is_reported(tmp_path, index_row, fragment):
    data_dir = write_sets(tmp_path, index_row, {"x.csv": small_set()})
    with pytest.raises(IndicatorSetError) as raised:
        indicator_sets(data_dir)
    assert "indicator_sets/sets.csv 第 " in str(raised.value)
    assert fragment in str(raised.value)


def test_a_missing_column_is_reported(tmp_path):
    data_dir = write_sets(tmp_path, "X,测试,x.csv,来源,200,160,0.75\n",
                          {"x.csv": "id,kind,item,points\nA1,指标,绿化达标,200\n"})
    with pytest.raises(IndicatorSetError, match="x.csv 第 1 行：表头缺少列 group"):
        indicator_sets(data_dir)


# ------------------------------------------------------------------------------------------- scoring


def test_all_met_passes(set_2020):
    result = score(set_2020, all_marked(set_2020))
    assert (result.earned, result.maximum, result.passed) == (1000, 1000, True)
    assert result.vetoes == () and result.unmarked == 0
    assert result.counts == {"符合": 30, "不符合": 0, "不适用": 0}
    assert all(g.share == 1 and g.passed for g in result.groups)
    assert summary_text(set_2020, result) == "得分 1000/1000（100.0%），各一级指标均达到75%，符合通过条件"


def test_a_group_below_75_percent_fails_although_the_total_is_above_800(set_2020):
    marks = all_marked(set_2020)
    # 资源综合利用 (200): C1 60 + C2 60 not met → 80/200 = 40 %; total 880/1000.
    marks.update(C1="不符合", C2="不符合")
    result = score(set_2020, marks)
    assert (result.earned, result.maximum) == (880, 1000)
    group = next(g for g in result.groups if g.group == "资源综合利用")
    assert (group.earned, group.maximum, group.share, group.passed) == (80, 200, 0.4, False)
    assert result.passed is False
    assert summary_text(set_2020, result) == "得分 880/1000（88.0%），资源综合利用（40.0%）未达到75%，不符合通过条件"


def test_a_total_below_800_fails(set_2020):
    marks = all_marked(set_2020)
    marks.update(A4="不符合", B3="不符合", C3="不符合", D1="不符合", E2="不符合")  # 60+60+50+40+40 = 250
    result = score(set_2020, marks)
    assert result.earned == 750 and result.passed is False
    assert summary_text(set_2020, result).startswith("得分 750/1000（75.0%），低于通过线80%，")


def test_exactly_at_the_pass_lines_passes(set_2020):
    marks = all_marked(set_2020)
    marks.update(D2="不符合")  # 节能减排 90/120 = 75 % exactly
    result = score(set_2020, marks)
    assert next(g for g in result.groups if g.group == "节能减排").share == 0.75
    assert result.passed is True


def test_not_applicable_shrinks_the_maximum(set_2020):
    marks = all_marked(set_2020)
    marks.update(C3="不适用", C4="不符合")  # 资源综合利用: max 200 - 50 = 150, earned 120
    result = score(set_2020, marks)
    assert (result.earned, result.maximum) == (920, 950)
    group = next(g for g in result.groups if g.group == "资源综合利用")
    assert (group.earned, group.maximum, group.share) == (120, 150, 0.8)
    assert result.passed is True
    assert result.counts == {"符合": 28, "不符合": 1, "不适用": 1}


def test_a_group_entirely_not_applicable_has_no_share_and_does_not_block(set_2020):
    marks = all_marked(set_2020)
    marks.update({i.id: "不适用" for i in set_2020.indicators if i.group == "科技创新与智能矿山"})
    result = score(set_2020, marks)
    group = next(g for g in result.groups if g.group == "科技创新与智能矿山")
    assert (group.maximum, group.share, group.passed) == (0, None, None)
    assert result.maximum == 880 and result.passed is True


def test_a_failed_precondition_vetoes(set_2020):
    marks = all_marked(set_2020)
    marks["P4"] = "不符合"
    result = score(set_2020, marks)
    assert result.earned == 1000 and result.passed is False
    assert result.vetoes == ("保有资源储量可开采年限不少于3年",)
    assert summary_text(set_2020, result) == "前提条件不符合（一票否决）：保有资源储量可开采年限不少于3年"


def test_a_failed_precondition_vetoes_a_set_without_points(set_2024):
    result = score(set_2024, {"P1": "不符合", "P3": "不符合", "A1": "符合"})
    assert result.passed is False
    assert len(result.vetoes) == 2
    assert summary_text(set_2024, result).count("；") == 1


def test_unmarked_items_earn_nothing_and_are_counted(set_2020):
    marks = all_marked(set_2020)
    del marks["A4"], marks["B2"]
    marks["C1"] = ""  # an empty mark is no mark
    result = score(set_2020, marks)
    assert result.unmarked == 3
    assert (result.earned, result.maximum) == (830, 1000)
    assert result.passed is False  # 矿区环境 160/220 < 75 %
    assert summary_text(set_2020, result).endswith("；尚有 3 项未判定")


def test_unmarked_precondition_leaves_the_result_open(set_2020):
    marks = all_marked(set_2020)
    del marks["P2"]
    result = score(set_2020, marks)
    assert result.earned == 1000 and result.passed is None
    assert summary_text(set_2020, result) == (
        "得分 1000/1000（100.0%），各一级指标均达到75%，暂不能判定是否通过；尚有 1 项未判定")


def test_nothing_marked(set_2020):
    result = score(set_2020, {})
    assert result.passed is None and result.unmarked == 30 and result.earned == 0
    assert summary_text(set_2020, result) == "尚未判定（共 30 项）"


def test_a_set_without_points_gives_counts(set_2024):
    marks = all_marked(set_2024)
    marks.update(A1="不符合", B2="不符合", C3="不适用")
    del marks["F4"]
    result = score(set_2024, marks)
    assert result.passed is None
    assert (result.earned, result.maximum, result.groups) == (None, None, ())
    total = len(set_2024.items)
    assert result.counts == {"符合": total - 4, "不符合": 2, "不适用": 1}
    assert result.unmarked == 1
    assert summary_text(set_2024, result) == f"符合 {total - 4} 项，不符合 2 项，不适用 1 项，未判定 1 项"


def test_marks_for_unknown_ids_are_ignored_and_unknown_marks_refused(set_2020):
    assert score(set_2020, {"Z9": "符合"}).unmarked == 30
    with pytest.raises(ValueError):
        score(set_2020, {"A1": "基本符合"})
