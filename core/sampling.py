"""The verifiable random draw of mines (双随机·抽取矿山): pure functions, no database.

How a draw goes, and why anyone can check it afterwards:

1. **Freeze.** A snapshot of the mines in scope (canonical JSON of the fields the draw uses) is taken and
   its SHA-256 published, with a *commitment* to a secret nonce: ``sha256("greenmine-commit:" + nonce)``.
2. **Witness input.** At the draw meeting, witnesses add their own input (numbers announced on the spot,
   a named public lottery result …), which nobody could know at freeze time.
3. **Seed.** ``seed = sha256(canonical {algorithm, snapshot hash, nonce, witness input})``.
4. **Tickets.** Each mine gets a ticket ``sha256_uniform(sha256_hex(seed) + licence number)`` — Rivest's
   consistent sampler, the same numbers as the PyPI package ``consistent-sampler`` — and in each stratum
   mines are taken in increasing ticket order. The result depends on nothing but the snapshot, the nonce
   and the witness input: not on database row order, not on the machine.

The draw record holds all of it; :func:`verify` (``python -m core.sampling verify RECORD.json``)
recomputes the draw from the record alone.

Rules per level (入库级别): at least ``ceil(ratio × mines in scope)`` are drawn; every mine of a priority
category whose policy is "all" (重点核查) is included; a category may instead be drawn at its own, higher
ratio; the rest is drawn from the level's remaining mines by ticket.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.labels import FLAG_OPEN_PIT, FLAG_PROBLEM, FLAG_RECTIFY, LEVELS, METHODS, OPEN_PIT

ALGORITHM = "greenmine-consistent-sampling/v1"
# "对纳入国家级、省级、市县级名录的绿色矿山，核查比例不低于20%" (自然资办函〔2023〕1017号).
DEFAULT_RATIO = 0.20
# Priority categories in the order a mine in several of them is counted in; then everything else.
OTHER = "一般"
CATEGORIES = (FLAG_PROBLEM, FLAG_RECTIFY, FLAG_OPEN_PIT)
ALL = "all"  # policy: include every mine of the category (重点核查)
# The mining methods counted as 露天开采 for the priority category: a mine mining open-pit and underground
# (露天-地下联合开采) does open-pit mining. A campaign rule, recorded with the draw; a record from before the
# rule existed counted 露天开采 alone (:meth:`Rules.from_dict`).
OPEN_PIT_METHODS = (OPEN_PIT, METHODS[2])
# The fields of a mine the draw uses; the snapshot holds exactly these.
SNAPSHOT_FIELDS = ("licence_no", "name", "level", "city_code", "method", "flag_problem", "flag_rectify", "tags")

REASON_PRIORITY = "重点核查（全部纳入）"
REASON_PRIORITY_RATIO = "重点核查（按比例抽取）"
REASON_RANDOM = "随机抽取"


def minimum_sample(listed: int, ratio: float = DEFAULT_RATIO) -> int:
    """At least ``ratio`` of the listed mines, rounded up: 41 mines at 20 % → 9."""
    # Round the product first so that 0.2 × 40 = 8.000000000000002 does not become 9.
    return math.ceil(round(listed * ratio, 9))


def canonical_json(value: Any) -> str:
    """One spelling of a value: sorted keys, no spaces, UTF-8 text (what the hashes are taken of)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def sha256_uniform(text: str) -> str:
    """SHA-256 of text as a decimal fraction '0.ddd…' (digits reversed, as in consistent-sampler)."""
    return "0." + f"{int(sha256_hex(text), 16):064d}"[::-1]


def ticket(seed: str, licence_no: str) -> str:
    """A mine's ticket number for this seed (consistent-sampler's generation-1 ticket)."""
    return sha256_uniform(sha256_hex(seed) + licence_no)


def snapshot(mines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The mines in scope as the draw sees them: the snapshot fields only, ordered by licence number."""
    rows = [{key: mine.get(key, "") if key == "tags" else mine[key] for key in SNAPSHOT_FIELDS} for mine in mines]
    return sorted(rows, key=lambda row: row["licence_no"])


def snapshot_hash(rows: list[dict[str, Any]]) -> str:
    return sha256_hex(canonical_json(rows))


def commitment(nonce: str) -> str:
    return sha256_hex("greenmine-commit:" + nonce)


def derive_seed(snapshot_sha256: str, nonce: str, witness_input: str) -> str:
    return sha256_hex(canonical_json({
        "algorithm": ALGORITHM, "snapshot_sha256": snapshot_sha256, "nonce": nonce,
        "witness_input": witness_input.strip(),
    }))


def category(mine: dict[str, Any], extra: tuple[str, ...] = (),
             open_pit_methods: tuple[str, ...] = OPEN_PIT_METHODS) -> str:
    """The stratum category of a mine: its first priority category, or 一般.

    ``extra`` are the categories the province added (tags on mines), ranked after the notice's
    问题线索 and 回头看整改要求 and before 露天开采 (the largest and least specific group), which takes the
    mines whose method is one of ``open_pit_methods``.
    """
    if mine["flag_problem"]:
        return FLAG_PROBLEM
    if mine["flag_rectify"]:
        return FLAG_RECTIFY
    if extra:
        tags = set(str(mine.get("tags") or "").split("、"))
        for name in extra:
            if name in tags:
                return name
    if mine["method"] in open_pit_methods:
        return FLAG_OPEN_PIT
    return OTHER


@dataclass
class Rules:
    """What the campaign fixed before the draw."""

    ratio: float = DEFAULT_RATIO
    levels: tuple[str, ...] = LEVELS
    # category → "all" or a ratio (e.g. 0.5) for that category's mines
    policy: dict[str, Any] = field(default_factory=lambda: {name: ALL for name in CATEGORIES})
    open_pit_methods: tuple[str, ...] = OPEN_PIT_METHODS
    note: str = ""  # why the campaign chose these rules, in its own words (printed with the draw record)

    def extra_categories(self) -> tuple[str, ...]:
        """Categories the province added, in the order the policy lists them."""
        return tuple(name for name in self.policy if name not in CATEGORIES)

    def categories(self) -> tuple[str, ...]:
        """Every priority category, in the order a mine in several is counted in."""
        return (FLAG_PROBLEM, FLAG_RECTIFY, *self.extra_categories(), FLAG_OPEN_PIT)

    def as_dict(self) -> dict[str, Any]:
        return {"ratio": self.ratio, "levels": list(self.levels), "policy": dict(self.policy),
                "open_pit_methods": list(self.open_pit_methods), "note": self.note}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Rules:
        return cls(ratio=data["ratio"], levels=tuple(data["levels"]), policy=dict(data["policy"]),
                   open_pit_methods=tuple(data.get("open_pit_methods", (OPEN_PIT,))), note=data.get("note", ""))


@dataclass
class Stratum:
    level: str
    category: str
    mines: int
    policy: str  # "all", "ratio 0.5" or "remainder"
    tickets: list[tuple[str, str]]  # (ticket number, licence no.) in increasing ticket order
    drawn: list[str]  # licence numbers drawn from this stratum, in drawing order


@dataclass
class Selection:
    licence_no: str
    level: str
    category: str
    reason: str
    ticket: str


@dataclass
class DrawResult:
    seed: str
    levels: dict[str, dict[str, int]]  # level → {listed, required, drawn}
    strata: list[Stratum]
    selections: list[Selection]

    def drawn_licences(self) -> list[str]:
        return [s.licence_no for s in self.selections]


def draw(rows: list[dict[str, Any]], seed: str, rules: Rules) -> DrawResult:
    """Draw the mines of a snapshot (see :func:`snapshot`) with a seed under the rules."""
    levels: dict[str, dict[str, int]] = {}
    strata: list[Stratum] = []
    selections: list[Selection] = []
    for level in rules.levels:
        mines = [row for row in rows if row["level"] == level]
        tickets = {row["licence_no"]: ticket(seed, row["licence_no"]) for row in mines}
        extra = rules.extra_categories()
        by_category: dict[str, list[dict[str, Any]]] = {}
        for row in mines:
            by_category.setdefault(category(row, extra, rules.open_pit_methods), []).append(row)
        required = minimum_sample(len(mines), rules.ratio)
        chosen: set[str] = set()
        level_strata = []
        for name in (*rules.categories(), OTHER):
            members = sorted(by_category.get(name, []), key=lambda r: tickets[r["licence_no"]])
            ordered = [(tickets[r["licence_no"]], r["licence_no"]) for r in members]
            policy = rules.policy.get(name, "remainder") if name != OTHER else "remainder"
            if policy == ALL:
                take = [licence for _, licence in ordered]
                label, reason = ALL, REASON_PRIORITY
            elif policy != "remainder":
                take = [licence for _, licence in ordered[:minimum_sample(len(ordered), float(policy))]]
                label, reason = f"ratio {float(policy):g}", REASON_PRIORITY_RATIO
            else:
                take, label, reason = [], "remainder", REASON_RANDOM
            for licence in take:
                chosen.add(licence)
                selections.append(Selection(licence, level, name, reason, tickets[licence]))
            level_strata.append(Stratum(level, name, len(members), label, ordered, list(take)))
        # The rest of the level's minimum comes from its mines not yet drawn, in ticket order.
        missing = required - len(chosen)
        if missing > 0:
            pool = sorted((tickets[r["licence_no"]], r["licence_no"], category(r, extra, rules.open_pit_methods))
                          for r in mines
                          if r["licence_no"] not in chosen)
            for number, licence, name in pool[:missing]:
                chosen.add(licence)
                selections.append(Selection(licence, level, name, REASON_RANDOM, number))
                next(s for s in level_strata if s.category == name).drawn.append(licence)
        strata.extend(level_strata)
        levels[level] = {"listed": len(mines), "required": required, "drawn": len(chosen)}
    return DrawResult(seed, levels, strata, selections)


def _result_parts(result: DrawResult) -> dict[str, Any]:
    """A draw's result as the record holds it (plain JSON values)."""
    return {
        "levels": result.levels,
        "strata": [
            {"level": s.level, "category": s.category, "mines": s.mines, "policy": s.policy,
             "tickets": [[number, licence] for number, licence in s.tickets], "drawn": s.drawn}
            for s in result.strata
        ],
        "selections": [
            {"licence_no": s.licence_no, "level": s.level, "category": s.category, "reason": s.reason,
             "ticket": s.ticket}
            for s in result.selections
        ],
    }


def record(rows: list[dict[str, Any]], rules: Rules, nonce: str, witness_input: str,
           meta: dict[str, Any] | None = None) -> dict[str, Any]:
    """The draw record (抽签记录): everything needed to recompute and check the draw."""
    digest = snapshot_hash(rows)
    seed = derive_seed(digest, nonce, witness_input)
    return {
        "algorithm": ALGORITHM,
        "meta": meta or {},
        "rules": rules.as_dict(),
        "snapshot": rows,
        "snapshot_sha256": digest,
        "commitment": commitment(nonce),
        "nonce": nonce,
        "witness_input": witness_input.strip(),
        "seed": seed,
        **_result_parts(draw(rows, seed, rules)),
    }


@dataclass
class LevelOutcome:
    """What the rules did in one level: the mines taken whole as 重点核查, at a category's own ratio, and
    at random from the rest (the mines left to chance)."""

    level: str
    listed: int
    required: int
    whole: dict[str, int]            # category → mines taken whole
    by_ratio: dict[str, list[int]]   # category → [mines drawn, mines of the category]
    random: int                      # mines drawn at random
    pool: int                        # mines left to chance: the level's mines not taken as priority
    drawn: int

    @property
    def priority(self) -> int:
        return sum(self.whole.values()) + sum(drawn for drawn, _ in self.by_ratio.values())


def outcome(parts: dict[str, Any]) -> list[LevelOutcome]:
    """Per level, what a draw took and why, from a draw record (or the parts of :func:`preview`).

    The counts do not depend on the seed: only which mines are taken does."""
    outcomes = []
    for level in sorted(parts["levels"], key=lambda name: LEVELS.index(name) if name in LEVELS else len(LEVELS)):
        counts = parts["levels"][level]
        strata = [s for s in parts["strata"] if s["level"] == level]
        picks = [s for s in parts["selections"] if s["level"] == level]
        whole = {s["category"]: s["mines"] for s in strata if s["policy"] == ALL and s["mines"]}
        by_ratio = {s["category"]: [sum(1 for p in picks if p["category"] == s["category"]
                                        and p["reason"] == REASON_PRIORITY_RATIO), s["mines"]]
                    for s in strata if s["policy"].startswith("ratio") and s["mines"]}
        random_ = sum(1 for p in picks if p["reason"] == REASON_RANDOM)
        taken = sum(whole.values()) + sum(drawn for drawn, _ in by_ratio.values())
        outcomes.append(LevelOutcome(level, counts["listed"], counts["required"], whole, by_ratio, random_,
                                     counts["listed"] - taken, counts["drawn"]))
    return outcomes


def preview(rows: list[dict[str, Any]], rules: Rules) -> list[LevelOutcome]:
    """What the rules will produce on these mines, before the draw (any seed gives the same counts)."""
    return outcome(_result_parts(draw(rows, "preview", rules)))


def warnings(outcomes: list[LevelOutcome], ratio: float) -> list[str]:
    """Plain warnings about rules that make the draw less than a random spot check: nothing left to chance,
    or far more mines than the minimum."""
    listed = sum(o.listed for o in outcomes)
    drawn = sum(o.drawn for o in outcomes)
    required = sum(o.required for o in outcomes)
    found = []
    if drawn and not any(o.random for o in outcomes):
        found.append("按当前规则，所有抽中的矿山都来自重点核查类别，没有任何矿山由随机抽取产生：这不再是“双随机”抽查。"
                     "可将数量较多的类别（如露天开采）改为“按比例抽取”。")
    else:
        for o in outcomes:
            if o.drawn and not o.random and o.pool:
                found.append(f"{o.level}：抽中的 {o.drawn} 座全部来自重点核查类别，其余 {o.pool} 座矿山没有被抽中的机会。")
    if listed and required and drawn > max(required * 1.5, required + 0.1 * listed):
        found.append(f"按当前规则将抽取 {drawn} 座，占纳入范围的 {drawn / listed:.0%}，远高于规定的最低比例 {ratio:.0%}"
                     f"（至少 {required} 座）。请确认核查力量能够完成，或将部分重点类别改为按比例抽取。")
    return found


def verify(data: dict[str, Any]) -> list[str]:
    """Recompute a draw from its record; the list of discrepancies (empty when the record holds)."""
    problems = []
    if data.get("algorithm") != ALGORITHM:
        return [f"未知的抽取算法版本：{data.get('algorithm')}"]
    rows = data["snapshot"]
    if snapshot_hash(rows) != data["snapshot_sha256"]:
        problems.append("名录快照的 SHA-256 与记录不符：快照内容被改动过")
    if commitment(data["nonce"]) != data["commitment"]:
        problems.append("随机数与抽取前公布的承诺值不符")
    seed = derive_seed(data["snapshot_sha256"], data["nonce"], data["witness_input"])
    if seed != data["seed"]:
        problems.append("由快照、随机数和见证输入推出的种子与记录不符")
    expected = record(rows, Rules.from_dict(data["rules"]), data["nonce"], data["witness_input"], data.get("meta"))
    for key in ("levels", "strata", "selections"):
        if expected[key] != data[key]:
            problems.append(f"按记录重新计算的抽取结果（{key}）与记录不符")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="核验抽签记录：仅凭记录文件重新计算抽取结果")
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("verify", help="核验一份抽签记录（JSON）")
    check.add_argument("record", type=Path)
    args = parser.parse_args(argv)
    data = json.loads(args.record.read_text(encoding="utf-8"))
    problems = verify(data)
    if problems:
        print("核验不通过：")
        for problem in problems:
            print(f"  - {problem}")
        return 1
    drawn = len(data["selections"])
    print(f"核验通过：快照 {len(data['snapshot'])} 座矿山（SHA-256 {data['snapshot_sha256'][:16]}…），"
          f"种子 {data['seed'][:16]}…，抽取 {drawn} 座，与记录一致。")
    return 0


if __name__ == "__main__":
    sys.exit(main())
