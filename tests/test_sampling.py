"""core.sampling: the verifiable stratified draw."""

from __future__ import annotations

import copy
import json
import random

import consistent_sampler
from hypothesis import given, settings
from hypothesis import strategies as st

from core import sampling
from core.sampling import ALL, Rules

LEVELS = ("国家级", "省级", "市级", "县级")


def mine(licence: str, level: str = "省级", method: str = "地下开采", problem: int = 0, rectify: int = 0) -> dict:
    return {"licence_no": licence, "name": f"示例矿{licence[-4:]}", "level": level, "city_code": "420500",
            "method": method, "flag_problem": problem, "flag_rectify": rectify}


def register(n: int = 120, seed: int = 1) -> list[dict]:
    rng = random.Random(seed)
    return sampling.snapshot([
        mine(f"C42{i:020d}", rng.choice(LEVELS), rng.choice(("露天开采", "地下开采")),
             int(rng.random() < 0.1), int(rng.random() < 0.1))
        for i in range(n)
    ])


def test_minimum_sample_rounds_up() -> None:
    assert [sampling.minimum_sample(n) for n in (0, 1, 5, 40, 41)] == [0, 1, 1, 8, 9]
    assert sampling.minimum_sample(10, 0.1) == 1


def test_tickets_are_those_of_the_reference_implementation() -> None:
    seed = "01382438112797316654"
    for licence in ("AB-130", "C4201052011069910993548", "省级-示例"):
        assert sampling.ticket(seed, licence) == consistent_sampler.first_fraction(licence, seed)


def test_draw_order_agrees_with_the_reference_sampler() -> None:
    rows = register(80)
    seed = sampling.derive_seed(sampling.snapshot_hash(rows), "nonce", "见证 12 34")
    ids = [row["licence_no"] for row in rows]
    reference = list(consistent_sampler.sampler(ids, seed, with_replacement=False, output="id"))
    ours = [licence for _, licence in sorted((sampling.ticket(seed, i), i) for i in ids)]
    assert ours == reference


def test_same_inputs_same_draw_whatever_the_row_order() -> None:
    rows = register()
    shuffled = list(rows)
    random.Random(7).shuffle(shuffled)
    first = sampling.record(sampling.snapshot(rows), Rules(), "n0nce", "83721 45129")
    second = sampling.record(sampling.snapshot(shuffled), Rules(), "n0nce", "83721 45129")
    assert first == second
    third = sampling.record(sampling.snapshot(rows), Rules(), "n0nce", "83721 45130")
    assert third["selections"] != first["selections"]  # the witnesses' input matters


def test_every_level_meets_its_ratio_and_priority_mines_are_in() -> None:
    rows = register(300)
    result = sampling.draw(rows, "seed", Rules(ratio=0.2))
    drawn = set(result.drawn_licences())
    for level in LEVELS:
        in_level = [r for r in rows if r["level"] == level]
        assert result.levels[level]["drawn"] >= sampling.minimum_sample(len(in_level), 0.2)
        assert result.levels[level]["listed"] == len(in_level)
    for row in rows:
        if row["flag_problem"] or row["flag_rectify"] or row["method"] == "露天开采":
            assert row["licence_no"] in drawn
    assert len(drawn) == len(result.selections)  # nobody drawn twice


def test_a_category_at_its_own_ratio_and_the_rest_by_ticket() -> None:
    rows = register(400)
    rules = Rules(ratio=0.3, policy={"问题线索": ALL, "回头看整改要求": ALL, "露天开采": 0.25})
    result = sampling.draw(rows, "another seed", rules)
    for level in LEVELS:
        open_pit = [s for s in result.strata if s.level == level and s.category == "露天开采"][0]
        by_ratio = [s for s in result.selections if s.level == level and s.reason == sampling.REASON_PRIORITY_RATIO]
        assert len(by_ratio) == sampling.minimum_sample(open_pit.mines, 0.25)
        # The ratio's mines are the stratum's lowest tickets.
        assert [s.licence_no for s in by_ratio] == [licence for _, licence in open_pit.tickets[:len(by_ratio)]]
        assert result.levels[level]["drawn"] >= result.levels[level]["required"]


def test_record_verifies_and_tampering_is_caught(tmp_path, capsys) -> None:
    data = sampling.record(register(), Rules(), "a secret nonce", "福彩3D 第2023298期 5 6 1", {"title": "测试"})
    assert sampling.verify(data) == []
    path = tmp_path / "抽签记录.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert sampling.main(["verify", str(path)]) == 0
    assert "核验通过" in capsys.readouterr().out

    swapped = copy.deepcopy(data)
    victim = next(r for r in swapped["snapshot"] if r["licence_no"] not in {s["licence_no"] for s in swapped["selections"]})
    swapped["selections"][-1]["licence_no"] = victim["licence_no"]
    assert any("抽取结果" in p for p in sampling.verify(swapped))

    edited = copy.deepcopy(data)
    edited["snapshot"][0]["level"] = "国家级" if edited["snapshot"][0]["level"] != "国家级" else "省级"
    assert any("快照" in p for p in sampling.verify(edited))

    rerolled = copy.deepcopy(data)
    rerolled["nonce"] = "another nonce"
    assert any("承诺" in p for p in sampling.verify(rerolled))
    path.write_text(json.dumps(rerolled, ensure_ascii=False), encoding="utf-8")
    assert sampling.main(["verify", str(path)]) == 1
    assert "核验不通过" in capsys.readouterr().out


@settings(max_examples=60, deadline=None)
@given(
    flags=st.lists(st.tuples(st.sampled_from(LEVELS), st.booleans(), st.booleans(), st.booleans()), max_size=60),
    ratio=st.sampled_from([0.1, 0.2, 0.35, 0.5]),
    seed=st.text(min_size=1, max_size=8),
)
def test_rules_hold_on_random_registers(flags, ratio, seed) -> None:
    rows = sampling.snapshot([
        mine(f"C{i:022d}", level, "露天开采" if open_pit else "地下开采", int(problem), int(rectify))
        for i, (level, open_pit, problem, rectify) in enumerate(flags)
    ])
    result = sampling.draw(rows, seed, Rules(ratio=ratio))
    drawn = result.drawn_licences()
    assert len(drawn) == len(set(drawn))
    for level in LEVELS:
        count = sum(1 for r in rows if r["level"] == level)
        assert sum(1 for s in result.selections if s.level == level) >= sampling.minimum_sample(count, ratio)
    assert {r["licence_no"] for r in rows if sampling.category(r) != sampling.OTHER} <= set(drawn)


def test_a_category_the_province_adds_is_its_own_stratum() -> None:
    rows = register(200)
    for row in rows[::10]:
        row["tags"] = "生态保护红线周边"
    rules = Rules(policy={"问题线索": ALL, "回头看整改要求": ALL, "生态保护红线周边": ALL, "露天开采": 0.3})
    result = sampling.draw(sampling.snapshot(rows), "seed", rules)
    tagged = {r["licence_no"] for r in rows[::10] if sampling.category(r, ("生态保护红线周边",)) == "生态保护红线周边"}
    assert tagged and tagged <= set(result.drawn_licences())
    assert {s.category for s in result.strata} == {"问题线索", "回头看整改要求", "生态保护红线周边", "露天开采", "一般"}
    assert rules.categories() == ("问题线索", "回头看整改要求", "生态保护红线周边", "露天开采")


def test_open_pit_and_underground_mining_counts_as_open_pit() -> None:
    rows = sampling.snapshot([mine("C1", method="露天-地下联合开采"), mine("C2", method="露天开采"),
                              mine("C3", method="地下开采")])
    assert [sampling.category(r) for r in rows] == ["露天开采", "露天开采", "一般"]
    # The rule is the campaign's, recorded with the draw; a record from before it counted 露天开采 alone.
    narrow = Rules(open_pit_methods=("露天开采",))
    assert [sampling.category(r, (), narrow.open_pit_methods) for r in rows] == ["一般", "露天开采", "一般"]
    data = sampling.record(rows, Rules(), "n", "w")
    assert data["rules"]["open_pit_methods"] == ["露天开采", "露天-地下联合开采"]
    assert {s["licence_no"] for s in data["selections"]} == {"C1", "C2"}
    old = copy.deepcopy(data)
    del old["rules"]["open_pit_methods"]
    assert Rules.from_dict(old["rules"]).open_pit_methods == ("露天开采",)


def test_the_preview_counts_what_the_draw_takes_and_why() -> None:
    rows = register(400)
    rules = Rules(ratio=0.3, policy={"问题线索": ALL, "回头看整改要求": ALL, "露天开采": 0.1})
    preview = sampling.preview(rows, rules)
    data = sampling.record(rows, rules, "nonce", "witness")
    assert preview == sampling.outcome(data)  # the counts do not depend on the seed
    for level in preview:
        picks = [s for s in data["selections"] if s["level"] == level.level]
        assert level.drawn == len(picks) == level.priority + level.random
        assert level.random == sum(1 for s in picks if s["reason"] == sampling.REASON_RANDOM) > 0
        assert level.pool == level.listed - level.priority
    assert sampling.warnings(preview, 0.3) == []


def test_rules_that_leave_nothing_to_chance_are_warned_about() -> None:
    rows = sampling.snapshot([mine(f"C{i:03d}", method="露天开采" if i % 4 else "地下开采") for i in range(100)])
    everything_open_pit = sampling.preview(rows, Rules())  # 露天开采 taken whole: 75 of 100
    warnings = sampling.warnings(everything_open_pit, 0.2)
    assert any("没有任何矿山由随机抽取产生" in w for w in warnings)
    assert any("占纳入范围的 75%，远高于规定的最低比例 20%" in w for w in warnings)
