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
def scored(tmp_path) -> indicators.IndicatorSet:
    """A fictitious set with the 2020 rules (1000 points, pass at 800 and 75 % per group) and 30 items
    with points: the scoring rules are tested on it, since the official items are loaded by a province."""
    text = (Path(__file__).parent / "fixtures" / "indicator_set_scored.csv").read_text(encoding="utf-8")
    data_dir = write_sets(tmp_path, "T,测试用计分指标集,scored.csv,测试,1000,800,0.75\n", {"scored.csv": text})
    return indicator_sets(data_dir)["T"]


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
    assert sets["2024"].name == "国家级绿色矿山建设评价指标（2024年版）"
    assert all(s.source for s in sets.values())


OFFICIAL_PRECONDITIONS_2020 = (
    "《营业执照》《采矿许可证》《安全许可证》证照合法有效",
    "近三年内（自本次遴选通知下发之日起前三年），未受到自然资源和生态环境等部门行政处罚，或处罚已整改到位"
    "（相关管理部门出具证明），且未发生过重大安全、环保事故",
    "矿山参加遴选期间，矿业权人应进行矿业权人勘查开采信息公示，且未被列入矿业权人勘查开采信息公示系统异常名录",
    "矿山正常运营，且剩余储量可采年限（按储量年度报告）不少于三年",
    "矿区范围未涉及各类自然保护地",
)


def test_2020_set_holds_the_official_preconditions_and_only_the_confirmed_structure(set_2020):
    assert [p.text for p in set_2020.preconditions] == list(OFFICIAL_PRECONDITIONS_2020)
    assert [p.id for p in set_2020.preconditions] == ["P1", "P2", "P3", "P4", "P5"]
    assert all(p.points is None and p.kind == PRECONDITION and p.source for p in set_2020.preconditions)
    assert (set_2020.total_points, set_2020.pass_total, set_2020.pass_share) == (1000, 800, 0.75)
    assert set_2020.groups == ("矿区环境", "资源开发方式", "资源综合利用", "节能减排", "科技创新与智能矿山",
                               "企业管理与企业形象")
    # Only the two confirmed maxima; the other four groups' points were never published where we could see.
    assert set_2020.group_points == {"矿区环境": 220, "资源开发方式": 220}
    subgroups = {g.name: g.subgroups for g in set_2020.structure}
    assert subgroups["矿区环境"] == ("矿容矿貌", "矿区绿化")
    assert subgroups["资源开发方式"] == ("资源开采", "选矿加工", "矿山环境恢复治理与土地复垦", "环境管理与监测")
    assert subgroups["资源综合利用"] == ("综合利用", "固废处置与综合利用", "废水处置与综合利用")
    assert subgroups["节能减排"] == subgroups["科技创新与智能矿山"] == subgroups["企业管理与企业形象"] == ()
    # No invented third-level item and no invented point value.
    assert set_2020.indicators == ()
    assert not set_2020.items_confirmed and not set_2020.has_points
    assert "尚未载入正式文本" in indicators.confirmation_note(set_2020)


def test_2024_set_holds_the_six_confirmed_first_level_names_and_nothing_else(set_2024):
    assert not set_2024.has_points and not set_2024.items_confirmed
    assert (set_2024.total_points, set_2024.pass_total, set_2024.pass_share) == (None, None, None)
    assert set_2024.groups == ("矿区环境", "资源开采", "资源综合利用", "绿色低碳", "生态修复与环境治理",
                               "科技创新与规范管理")
    assert set_2024.items == () and set_2024.group_points == {}
    assert all(g.subgroups == () for g in set_2024.structure)


def test_a_set_without_its_items_counts_marks_of_the_preconditions(set_2020):
    result = score(set_2020, {"P1": "符合", "P2": "符合"})
    assert (result.earned, result.maximum, result.groups, result.passed) == (None, None, (), None)
    assert summary_text(set_2020, result) == "符合 2 项，不符合 0 项，不适用 0 项，未判定 3 项"


def test_loaded_items_make_a_scored_confirmed_set(set_2020):
    items = tuple(indicators.Item(f"L{n}", INDICATOR, group, f"条目{n}", points, "", "省厅存正式文本")
                  for n, (group, points) in enumerate([("矿区环境", 220), ("资源开发方式", 220), ("资源综合利用", 200),
                                                       ("节能减排", 120), ("科技创新与智能矿山", 120),
                                                       ("企业管理与企业形象", 120)], start=1))
    loaded = set_2020.with_items(items, "系统管理员载入")
    assert loaded.items_confirmed and loaded.has_points and loaded.items_source == "系统管理员载入"
    assert [i.id for i in loaded.items] == ["P1", "P2", "P3", "P4", "P5", "L1", "L2", "L3", "L4", "L5", "L6"]
    assert indicators.confirmation_note(loaded) == ""
    result = score(loaded, {i.id: "符合" for i in loaded.items} | {"L3": "不符合"})
    assert (result.earned, result.passed) == (800, False)  # 资源综合利用 0 % < 75 %


def test_loaded_points_give_a_set_without_total_its_total_and_no_pass_line(set_2024):
    items = (indicators.Item("Q1", PRECONDITION, "", "前提", None), indicators.Item("L1", INDICATOR, "矿区环境", "甲", 60),
             indicators.Item("L2", INDICATOR, "资源开采", "乙", 40))
    loaded = set_2024.with_items(items, "载入")
    assert loaded.total_points == 100 and loaded.pass_total is None
    assert [i.id for i in loaded.preconditions] == ["Q1"]
    assert summary_text(loaded, score(loaded, {"Q1": "符合", "L1": "符合", "L2": "不符合"})) == "得分 60/100（60.0%）"


def test_points_problems_check_totals_and_confirmed_group_maxima():
    structure = (indicators.Group("甲", 220), indicators.Group("乙", None))
    items = (indicators.Item("1", INDICATOR, "甲", "a", 200), indicators.Item("2", INDICATOR, "乙", "b", 800))
    problems = indicators.points_problems(1000, structure, items)
    assert problems == ["一级指标“甲”各项分值之和为 200，与其满分 220 不一致，请核对分值"]
    assert indicators.points_problems(200, (indicators.Group("甲", 220),), ())[0].startswith("各一级指标分值之和 220 超过总分 200")


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


STRUCTURED_HEADER = "id,kind,group,subgroup,item,points,source\n"


def structured_set(*rows: str) -> str:
    """A set file with a structure: header on line 1, 一级指标 环境 (100) on line 2, its 二级指标 绿化 on line 3."""
    return STRUCTURED_HEADER + "G1,一级指标,环境,,,100,出处\nG1.1,二级指标,环境,绿化,,,出处\n" + "".join(rows)


@pytest.mark.parametrize(
    "index_row, file_text, fragment",
    [
        ("X,测试,x.csv,来源,100,,,否\n", structured_set("A1,指标,环境,绿化,绿化达标,100,\n"),
         "第 4 行：sets.csv 中本指标集的 items_confirmed 为“否”"),
        ("X,测试,x.csv,来源,100,,,也许\n", structured_set(), "items_confirmed“也许”无效"),
        ("X,测试,x.csv,来源,100,,,\n", structured_set("S,二级指标,管理,制度,,,\n"), "第 4 行：一级指标“管理”没有对应的“一级指标”行"),
        ("X,测试,x.csv,来源,100,,,\n", structured_set("A1,指标,管理,,建立制度,100,\n"), "条目 A1 的一级指标“管理”不在本文件的一级指标"),
        ("X,测试,x.csv,来源,100,,,\n", structured_set("A1,指标,环境,道路,道路整洁,100,\n"), "条目 A1 的二级指标“道路”不在“环境”的二级指标"),
        ("X,测试,x.csv,来源,100,,,\n", structured_set("A1,指标,环境,绿化,绿化达标,60,\nB1,指标,环境,,道路整洁,30,\n"),
         "各项分值之和为 90"),
        ("X,测试,x.csv,来源,100,,,\n", structured_set("G2,一级指标,环境,,,,\n"), "一级指标“环境”重复"),
        ("X,测试,x.csv,来源,100,,,\n", structured_set("S2,二级指标,环境,道路,,10,\n"), "二级指标行不填分值"),
        ("X,测试,x.csv,来源,,,,\n", structured_set(), "第 2 行：sets.csv 中本指标集未填 total_points，一级指标不应有分值"),
    ],
)
def test_the_structure_and_the_confirmation_flag_are_checked(tmp_path, index_row, file_text, fragment):
    folder = tmp_path / indicators.SETS_DIR
    folder.mkdir()
    (folder / "sets.csv").write_text(INDEX_HEADER.strip() + ",items_confirmed\n" + index_row, encoding="utf-8")
    (folder / "x.csv").write_text(file_text, encoding="utf-8")
    with pytest.raises(IndicatorSetError) as raised:
        indicator_sets(tmp_path)
    assert fragment in str(raised.value)


def test_a_structured_set_with_matching_points_loads(tmp_path):
    folder = tmp_path / indicators.SETS_DIR
    folder.mkdir()
    (folder / "sets.csv").write_text(INDEX_HEADER.strip() + ",items_confirmed\nX,测试,x.csv,来源,100,,,是\n", encoding="utf-8")
    (folder / "x.csv").write_text(structured_set("A1,指标,环境,绿化,绿化达标,60,省文件\nA2,指标,环境,,道路整洁,40,\n"),
                                  encoding="utf-8")
    loaded = indicator_sets(tmp_path)["X"]
    assert loaded.items_confirmed and loaded.has_points
    assert loaded.items[0] == indicators.Item("A1", INDICATOR, "环境", "绿化达标", 60, "绿化", "省文件")
    assert loaded.structure == (indicators.Group("环境", 100, ("绿化",), "出处"),)


def test_a_missing_column_is_reported(tmp_path):
    data_dir = write_sets(tmp_path, "X,测试,x.csv,来源,200,160,0.75\n",
                          {"x.csv": "id,kind,item,points\nA1,指标,绿化达标,200\n"})
    with pytest.raises(IndicatorSetError, match="x.csv 第 1 行：表头缺少列 group"):
        indicator_sets(data_dir)


# ------------------------------------------------------------------------------------------- scoring


def test_all_met_passes(scored):
    result = score(scored, all_marked(scored))
    assert (result.earned, result.maximum, result.passed) == (1000, 1000, True)
    assert result.vetoes == () and result.unmarked == 0
    assert result.counts == {"符合": 30, "不符合": 0, "不适用": 0}
    assert all(g.share == 1 and g.passed for g in result.groups)
    assert summary_text(scored, result) == "得分 1000/1000（100.0%），各一级指标均达到75%，符合通过条件"


def test_a_group_below_75_percent_fails_although_the_total_is_above_800(scored):
    marks = all_marked(scored)
    # 资源综合利用 (200): C1 60 + C2 60 not met → 80/200 = 40 %; total 880/1000.
    marks.update(C1="不符合", C2="不符合")
    result = score(scored, marks)
    assert (result.earned, result.maximum) == (880, 1000)
    group = next(g for g in result.groups if g.group == "资源综合利用")
    assert (group.earned, group.maximum, group.share, group.passed) == (80, 200, 0.4, False)
    assert result.passed is False
    assert summary_text(scored, result) == "得分 880/1000（88.0%），资源综合利用（40.0%）未达到75%，不符合通过条件"


def test_a_total_below_800_fails(scored):
    marks = all_marked(scored)
    marks.update(A4="不符合", B3="不符合", C3="不符合", D1="不符合", E2="不符合")  # 60+60+50+40+40 = 250
    result = score(scored, marks)
    assert result.earned == 750 and result.passed is False
    assert summary_text(scored, result).startswith("得分 750/1000（75.0%），低于通过线80%，")


def test_exactly_at_the_pass_lines_passes(scored):
    marks = all_marked(scored)
    marks.update(D2="不符合")  # 节能减排 90/120 = 75 % exactly
    result = score(scored, marks)
    assert next(g for g in result.groups if g.group == "节能减排").share == 0.75
    assert result.passed is True


def test_not_applicable_shrinks_the_maximum(scored):
    marks = all_marked(scored)
    marks.update(C3="不适用", C4="不符合")  # 资源综合利用: max 200 - 50 = 150, earned 120
    result = score(scored, marks)
    assert (result.earned, result.maximum) == (920, 950)
    group = next(g for g in result.groups if g.group == "资源综合利用")
    assert (group.earned, group.maximum, group.share) == (120, 150, 0.8)
    assert result.passed is True
    assert result.counts == {"符合": 28, "不符合": 1, "不适用": 1}


def test_a_group_entirely_not_applicable_has_no_share_and_does_not_block(scored):
    marks = all_marked(scored)
    marks.update({i.id: "不适用" for i in scored.indicators if i.group == "科技创新与智能矿山"})
    result = score(scored, marks)
    group = next(g for g in result.groups if g.group == "科技创新与智能矿山")
    assert (group.maximum, group.share, group.passed) == (0, None, None)
    assert result.maximum == 880 and result.passed is True


def test_a_failed_precondition_vetoes(scored):
    marks = all_marked(scored)
    marks["P4"] = "不符合"
    result = score(scored, marks)
    assert result.earned == 1000 and result.passed is False
    assert result.vetoes == ("保有资源储量可开采年限不少于3年",)
    assert summary_text(scored, result) == "前提条件不符合（一票否决）：保有资源储量可开采年限不少于3年"


def test_a_failed_precondition_vetoes_a_set_without_points(set_2020):
    result = score(set_2020, {"P1": "不符合", "P3": "不符合", "A1": "符合"})
    assert result.passed is False
    assert len(result.vetoes) == 2
    assert summary_text(set_2020, result).count("；") == 1


def test_unmarked_items_earn_nothing_and_are_counted(scored):
    marks = all_marked(scored)
    del marks["A4"], marks["B2"]
    marks["C1"] = ""  # an empty mark is no mark
    result = score(scored, marks)
    assert result.unmarked == 3
    assert (result.earned, result.maximum) == (830, 1000)
    assert result.passed is False  # 矿区环境 160/220 < 75 %
    assert summary_text(scored, result).endswith("；尚有 3 项未判定")


def test_unmarked_precondition_leaves_the_result_open(scored):
    marks = all_marked(scored)
    del marks["P2"]
    result = score(scored, marks)
    assert result.earned == 1000 and result.passed is None
    assert summary_text(scored, result) == (
        "得分 1000/1000（100.0%），各一级指标均达到75%，暂不能判定是否通过；尚有 1 项未判定")


def test_nothing_marked(scored):
    result = score(scored, {})
    assert result.passed is None and result.unmarked == 30 and result.earned == 0
    assert summary_text(scored, result) == "尚未判定（共 30 项）"


def test_a_set_without_points_gives_counts(tmp_path):
    data_dir = write_sets(tmp_path, "X,测试,x.csv,来源,,,\n", {"x.csv": small_set(("", "", ""))})
    unscored = indicator_sets(data_dir)["X"]
    marks = all_marked(unscored)
    marks.update(A1="不符合", A2="不适用")
    del marks["B1"]
    result = score(unscored, marks)
    assert result.passed is None
    assert (result.earned, result.maximum, result.groups) == (None, None, ())
    assert result.counts == {"符合": 1, "不符合": 1, "不适用": 1}
    assert result.unmarked == 1
    assert summary_text(unscored, result) == "符合 1 项，不符合 1 项，不适用 1 项，未判定 1 项"


def test_marks_for_unknown_ids_are_ignored_and_unknown_marks_refused(scored):
    assert score(scored, {"Z9": "符合"}).unmarked == 30
    with pytest.raises(ValueError):
        score(scored, {"A1": "基本符合"})
