"""core.teams and core.inspectors: qualified leaders, recusal, balanced regions, swaps, imports."""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core import campaigns, demo, importer, inspectors, teams
from core.sampling import Rules
from core.teams import TeamError, TeamRules
from core.access import System

CITIES = [("420100", "武汉市"), ("420500", "宜昌市"), ("420600", "襄阳市"), ("421000", "荆州市"), ("422800", "恩施州")]


def person(i: int, title: str = "中级", rank: str = "无", city: int | None = None, specialty: str = "地质",
           conflicts: str = "") -> dict:
    code, name = CITIES[city] if city is not None else ("", "")
    return {"id": i, "name": f"人员{i}", "unit": f"单位{i % 7}", "title": title, "rank": rank, "specialty": specialty,
            "prefecture": name, "prefecture_code": code, "conflicts": conflicts, "active": 1}


def mine(i: int, city: int) -> dict:
    code, name = CITIES[city]
    return {"licence_no": f"C42{i:020d}", "name": f"示例矿{i}", "city": name, "city_code": code, "owner": f"示例公司{i % 3}"}


def test_leaders_are_qualified_and_teams_have_the_size() -> None:
    pool = [person(i, title="副高级" if i < 4 else "中级", specialty=("地质", "采矿", "环境")[i % 3]) for i in range(15)]
    drawn = teams.draw_teams(pool, [mine(i, i % 5) for i in range(20)], "seed", TeamRules(teams=3, size=4))
    assert [len(t.members) for t in drawn] == [4, 4, 4]
    assert all(inspectors.is_leader_qualified(t.leader) for t in drawn)
    assert len({p["id"] for t in drawn for p in t.members}) == 12
    assert sorted(m["licence_no"] for t in drawn for m in t.mines) == sorted(mine(i, i % 5)["licence_no"] for i in range(20))


def test_the_same_seed_gives_the_same_teams_whatever_the_pool_order() -> None:
    pool = [person(i, title="正高级" if i % 3 == 0 else "初级", city=i % 5) for i in range(20)]
    mines = [mine(i, i % 5) for i in range(30)]
    first = teams.team_record(teams.draw_teams(pool, mines, "s", TeamRules(3)), "s", TeamRules(3))
    second = teams.team_record(teams.draw_teams(list(reversed(pool)), list(reversed(mines)), "s", TeamRules(3)), "s",
                               TeamRules(3))
    assert first == second


def test_missing_leaders_are_named_and_nothing_is_drawn() -> None:
    pool = [person(i, title="正高级" if i == 0 else "中级") for i in range(12)]
    with pytest.raises(TeamError, match="需要至少 2 名符合组长条件.*当前 1 名"):
        teams.draw_teams(pool, [mine(1, 0)], "seed", TeamRules(teams=2))
    with pytest.raises(TeamError, match="需要 15 名可抽取的核查人员"):
        teams.draw_teams(pool, [mine(1, 0)], "seed", TeamRules(teams=3, size=5))


def test_no_one_checks_their_own_prefecture_or_a_declared_conflict() -> None:
    pool = [person(i, title="副高级", city=i % 5, conflicts="C4200000000000000000007" if i == 1 else "")
            for i in range(12)]
    drawn = teams.draw_teams(pool, [mine(i, i % 5) for i in range(25)], "seed", TeamRules(teams=3))
    for team in drawn:
        for m in team.mines:
            assert team.may_check(m, True) is None
            assert all(p["prefecture_code"] != m["city_code"] for p in team.members)


def test_a_mine_no_team_may_check_is_reported() -> None:
    pool = [person(i, title="副高级", city=0) for i in range(6)]  # everyone from 武汉
    with pytest.raises(TeamError, match="示例矿0（武汉市）"):
        teams.draw_teams(pool, [mine(0, 0), mine(1, 1)], "seed", TeamRules(teams=2))


@settings(max_examples=40, deadline=None)
@given(
    people=st.lists(st.tuples(st.booleans(), st.integers(0, 4) | st.none(), st.sampled_from(inspectors.SPECIALTIES)),
                    min_size=6, max_size=40),
    mine_cities=st.lists(st.integers(0, 4), min_size=1, max_size=40),
    team_count=st.integers(1, 4),
    seed=st.text(min_size=1, max_size=6),
)
def test_rules_hold_or_the_draw_says_why(people, mine_cities, team_count, seed) -> None:
    pool = [person(i, "副高级" if senior else "中级", city=city, specialty=spec) for i, (senior, city, spec) in enumerate(people)]
    mines = [mine(i, city) for i, city in enumerate(mine_cities)]
    try:
        drawn = teams.draw_teams(pool, mines, seed, TeamRules(teams=team_count))
    except TeamError as exc:
        assert str(exc)  # a reason in Chinese, and nothing drawn
        return
    assert all(inspectors.is_leader_qualified(t.leader) and t.members[0] is t.leader for t in drawn)
    assert all(len(t.members) == 3 for t in drawn)
    for team in drawn:
        assert all(team.may_check(m, True) is None for m in team.mines)
    assert sum(len(t.mines) for t in drawn) == len(mines)


def test_team_draw_is_stored_and_a_swap_keeps_the_rules(demo_db) -> None:
    campaign_id = campaigns.create(demo_db, 2023, "任务", date(2023, 11, 30), Rules(), [], System("组织者"))
    frozen = campaigns.freeze(demo_db, campaign_id, System("组织者"))
    campaigns.confirm(demo_db, frozen["id"], "见证 1", System("组织者"), "湖北省")
    campaign = campaigns.get(demo_db, campaign_id)
    team_draw_id = teams.save_team_draw(demo_db, campaign, TeamRules(teams=3), System("组织者"))
    table = teams.teams_frame(demo_db, team_draw_id)
    assert list(table["核查组"]) == ["第1组", "第2组", "第3组"]
    assert table["核查矿山数"].sum() == len(campaigns.drawn_mines(demo_db, campaign))
    member = next(demo_db.query("SELECT * FROM team_members WHERE team_draw_id = ? AND role = '组员'", [team_draw_id]))
    in_team = {r["inspector_id"] for r in demo_db.query("SELECT inspector_id FROM team_members")}
    candidates = [p for p in inspectors.list_inspectors(demo_db) if p["id"] not in in_team and not p["prefecture_code"]]
    with pytest.raises(TeamError, match="理由"):
        teams.swap_member(demo_db, team_draw_id, member["inspector_id"], candidates[0]["id"], "", System("组织者"))
    teams.swap_member(demo_db, team_draw_id, member["inspector_id"], candidates[0]["id"], "原组员因病请假", System("组织者"))
    assert "原组员因病请假" in " ".join(campaigns.history(demo_db, campaign_id)["说明"])


def drawn_register(db, mines: int = 400) -> tuple[campaigns.Campaign, list[dict], list[dict]]:
    """The demo register of ``mines`` mines drawn by the rules of the notice: (campaign, drawn mines, pool)."""
    demo.load_demo(db, mines=mines)
    campaign_id = campaigns.create(db, 2023, "任务", date(2023, 11, 30), Rules(), [], System("组织者"))
    frozen = campaigns.freeze(db, campaign_id, System("组织者"))
    campaigns.confirm(db, frozen["id"], "见证 1", System("组织者"), "湖北省")
    campaign = campaigns.get(db, campaign_id)
    return campaign, teams.drawn_mines_for_teams(db, campaign), inspectors.list_inspectors(db, active_only=True)


def loads(drawn: list[teams.Team]) -> list[int]:
    return [len(t.mines) for t in drawn]


def test_loads_are_balanced_on_a_realistic_draw(db) -> None:
    """The demo register's draw (about 300 mines, prefectures of 2 to 42) for several seeds and numbers
    of teams: the largest team has at most a fifth of the average load more than the smallest."""
    _, mines, pool = drawn_register(db)
    assert len(mines) > 200
    for team_count in (3, 8, 12, 14):
        tolerance = teams.balance_tolerance(len(mines), team_count)
        assert tolerance <= 0.2 * len(mines) / team_count + 1
        for seed in ("a", "b", "c", "d", "e"):
            drawn = teams.draw_teams(pool, mines, seed, TeamRules(team_count))
            assert max(loads(drawn)) - min(loads(drawn)) <= tolerance, (team_count, seed, loads(drawn))
            assert sorted(m["licence_no"] for t in drawn for m in t.mines) == sorted(m["licence_no"] for m in mines)
            per_city = Counter(m["city_code"] for m in mines)
            for team in drawn:
                assert all(team.may_check(m, True) is None for m in team.mines)
                # travel: a prefecture is split in pieces of a fifth of the average load or more (the balance's
                # own tolerance), never scattered mine by mine
                held = Counter(m["city_code"] for m in team.mines)
                assert all(count == per_city[city] or count >= len(mines) / team_count / 5
                           for city, count in held.items()), (team_count, seed, held)


def test_a_prefecture_is_split_only_when_balance_needs_it() -> None:
    pool = [person(i, title="副高级") for i in range(9)]
    even = [mine(i, i % 3) for i in range(30)]  # three prefectures of 10 for three teams: kept whole
    drawn = teams.draw_teams(pool, even, "seed", TeamRules(teams=3))
    assert sorted(len({m["city_code"] for m in t.mines}) for t in drawn) == [1, 1, 1]
    lopsided = [mine(i, 0) for i in range(24)] + [mine(100 + i, 1) for i in range(6)]  # 24 + 6 for 3 teams
    drawn = teams.draw_teams(pool, lopsided, "seed", TeamRules(teams=3))
    assert max(loads(drawn)) - min(loads(drawn)) <= 2
    assert sum(any(m["city_code"] == CITIES[0][0] for m in t.mines) for t in drawn) == 3


@settings(max_examples=40, deadline=None)
@given(sizes=st.lists(st.integers(1, 60), min_size=1, max_size=12), team_count=st.integers(1, 12),
       seed=st.text(min_size=1, max_size=6))
def test_without_recusal_the_loads_are_always_within_the_tolerance(sizes, team_count, seed) -> None:
    pool = [person(i, title="副高级") for i in range(3 * team_count)]
    mines = [{**mine(1000 * city + i, city % 5), "city_code": f"42{city:04d}", "city": f"市{city}"}
             for city, size in enumerate(sizes) for i in range(size)]
    drawn = teams.draw_teams(pool, mines, seed, TeamRules(teams=team_count))
    assert max(loads(drawn)) - min(loads(drawn)) <= teams.balance_tolerance(len(mines), team_count)
    assert sum(loads(drawn)) == len(mines)


def test_the_preview_shows_the_loads_of_the_teams_the_draw_will_store(db) -> None:
    campaign, mines, _ = drawn_register(db, mines=120)
    rules = TeamRules(teams=4)
    shown = teams.preview(db, campaign, rules)
    stored = teams.teams_frame(db, teams.save_team_draw(db, campaign, rules, System("组织者")))
    assert list(shown.columns) == ["核查组", "核查矿山数", "负责地市"]  # no names before the draw is recorded
    assert shown.to_dict("records") == stored[list(shown.columns)].to_dict("records")
    assert shown["核查矿山数"].sum() == len(mines)
    assert all("座）" in cities for cities in shown["负责地市"])


def test_inspector_import_checks_everything_first(db) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["姓名", "工作单位", "职称", "职级", "专业", "所在市（州）"])
    writer.writerow(["王某华", "宜昌市自然资源和规划局", "高级工程师", "副处", "采矿", "宜昌"])
    writer.writerow(["李某明", "湖北省自然资源厅", "工程师", "科级", "地质", ""])
    writer.writerow(["赵某强", "某单位", "院士", "科级", "地质", "长沙市"])
    plan = inspectors.plan_import(db, buffer.getvalue().encode("gb18030"), "人员.csv")
    assert not plan.ok
    assert {(p.row, p.column) for p in plan.problems if p.is_error} == {(4, "职称"), (4, "所在市（州）")}
    with pytest.raises(importer.ImportFileError):
        inspectors.apply_import(db, plan, System("测试"))
    assert inspectors.list_inspectors(db) == []
    good = buffer.getvalue().splitlines()[:3]
    plan = inspectors.plan_import(db, "\n".join(good).encode("utf-8-sig"), "人员.csv")
    assert inspectors.apply_import(db, plan, System("测试")) == (2, 0)
    first = inspectors.list_inspectors(db)[0]
    assert (first["title"], first["rank"], first["prefecture_code"]) in {("副高级", "处级", "420500"), ("中级", "科级", "")}
    assert sum(inspectors.is_leader_qualified(p) for p in inspectors.list_inspectors(db)) == 1


def test_a_stricter_leader_rule() -> None:
    pool = [person(0, title="副高级"), person(1, rank="处级"), *[person(i) for i in range(2, 10)]]
    drawn = teams.draw_teams(pool, [mine(1, 0)], "seed", TeamRules(teams=2, leader_rule="title_or_rank"))
    assert {t.leader["id"] for t in drawn} == {0, 1}
    with pytest.raises(TeamError, match="需要至少 2 名符合组长条件（仅限高级职称）的人员，当前 1 名"):
        teams.draw_teams(pool, [mine(1, 0)], "seed", TeamRules(teams=2, leader_rule="title"))
