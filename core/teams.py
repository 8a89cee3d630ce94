"""Drawing the inspection teams (随机抽取核查人员): from the same seed as the mines, with qualified
leaders, a mix of specialties, recusal, and mines assigned by region with balanced loads.

Pure functions first (:func:`draw_teams`), then the database side (:func:`save_team_draw`, swaps).
When the pool cannot satisfy the rules the draw says exactly what is missing and assigns nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import pandas as pd
from sqlite_utils import Database

from core import access, campaigns, inspectors, limits, sampling
from core.db import now, transaction

LEADER = "组长"
MEMBER = "组员"
DEFAULT_SIZE = 3
MAX_SIZE = 5
LOAD = ("核查组", "核查矿山数", "负责地市")  # what the page shows of each team before the team draw


class TeamError(Exception):
    """The pool or the request cannot satisfy the rules; the message says what is missing, in Chinese."""


@dataclass
class TeamRules:
    teams: int
    size: int = DEFAULT_SIZE  # members per team, leader included (3 to 5)
    recuse_home_prefecture: bool = True
    leader_rule: str = "title_or_rank"  # one of inspectors.LEADER_RULES

    def as_dict(self) -> dict[str, Any]:
        return {"teams": self.teams, "size": self.size, "recuse_home_prefecture": self.recuse_home_prefecture,
                "leader_rule": self.leader_rule}


@dataclass
class Team:
    no: int
    leader: dict[str, Any]
    members: list[dict[str, Any]] = field(default_factory=list)  # leader first
    mines: list[dict[str, Any]] = field(default_factory=list)

    def may_check(self, mine: dict[str, Any], recuse_home: bool) -> str | None:
        """Why this team may not check the mine (None when it may)."""
        if not self._blocks(mine, recuse_home):
            return None
        for person in self.members:
            if recuse_home and person["prefecture_code"] and person["prefecture_code"] == mine["city_code"]:
                return f"{person['name']}的所在地为{mine['city']}"
            declared = inspectors.conflicts_of(person)
            if mine["licence_no"] in declared or (mine.get("owner") and mine["owner"] in declared):
                return f"{person['name']}申报了回避"
        return None


    @cached_property
    def _recusal(self) -> tuple[set[str], set[str]]:
        """(home prefecture codes, declared conflicts) of the members; teams are complete when asked."""
        homes = {p["prefecture_code"] for p in self.members if p["prefecture_code"]}
        return homes, set().union(*(inspectors.conflicts_of(p) for p in self.members))

    def _blocks(self, mine: dict[str, Any], recuse_home: bool) -> bool:
        homes, declared = self._recusal
        return ((recuse_home and mine["city_code"] in homes) or mine["licence_no"] in declared
                or bool(mine.get("owner")) and mine["owner"] in declared)


def inspector_ticket(seed: str, person: dict[str, Any]) -> str:
    return sampling.ticket(seed, f"inspector:{person['name']}|{person['unit']}")


def draw_teams(pool: list[dict[str, Any]], mines: list[dict[str, Any]], seed: str, rules: TeamRules) -> list[Team]:
    """Teams for the drawn mines. ``pool``: active inspectors; ``mines``: drawn mines with city codes."""
    if not 3 <= rules.size <= MAX_SIZE:
        raise TeamError("每个核查组应为 3～5 人")
    if rules.teams < 1:
        raise TeamError("至少需要 1 个核查组")
    needed = rules.teams * rules.size
    if len(pool) < needed:
        raise TeamError(f"需要 {needed} 名可抽取的核查人员（{rules.teams} 组 × {rules.size} 人），当前 {len(pool)} 名")
    ordered = sorted(pool, key=lambda p: inspector_ticket(seed, p))
    qualified = [p for p in ordered if inspectors.is_leader_qualified(p, rules.leader_rule)]
    if len(qualified) < rules.teams:
        condition = inspectors.LEADER_RULES[rules.leader_rule].split("（")[0]
        raise TeamError(f"需要至少 {rules.teams} 名符合组长条件（{condition}）的人员，当前 {len(qualified)} 名")
    teams = [Team(no, leader, [leader]) for no, leader in enumerate(qualified[:rules.teams], start=1)]
    rest = [p for p in ordered if p not in qualified[:rules.teams]]
    # Fill the teams in turns; each takes the first inspector (by ticket) of a specialty it lacks.
    while any(len(t.members) < rules.size for t in teams):
        for team in teams:
            if len(team.members) >= rules.size:
                continue
            have = {p["specialty"] for p in team.members}
            choice = next((p for p in rest if p["specialty"] not in have), rest[0])
            rest.remove(choice)
            team.members.append(choice)
    _assign_mines(teams, mines, rules.recuse_home_prefecture)
    return teams


def _assign_mines(teams: list[Team], mines: list[dict[str, Any]], recuse_home: bool) -> None:
    """Mines to teams by prefecture with balanced loads (see :func:`balance_tolerance`).

    Each prefecture is cut into as few pieces as the balance needs — pieces of at most ``limit`` mines,
    contiguous by county — and the pieces go, largest first, each to the least loaded team allowed to
    check all of it. ``limit`` starts at the average load and goes down only while the loads stay
    further apart than the tolerance, so a prefecture is split only when balance asks for it. A piece
    no team may take whole goes mine by mine; a mine no team may check stops the draw."""
    ordered = sorted(mines, key=lambda m: (m["city_code"], m.get("county") or "", m["licence_no"]))
    allowed = {m["licence_no"]: frozenset(t.no for t in teams if t.may_check(m, recuse_home) is None) for m in ordered}
    unassignable = [m for m in ordered if not allowed[m["licence_no"]]]
    if unassignable:
        lines = [f"{m['name']}（{m['city']}）：" + "；".join(f"第{t.no}组：{t.may_check(m, recuse_home)}" for t in teams)
                 for m in unassignable]
        raise TeamError("以下矿山因回避规则没有可派的核查组，请增加组数或人员后重新抽取：\n" + "\n".join(lines[:10])
                        + (f"\n……共 {len(lines)} 座" if len(lines) > 10 else ""))
    by_city: dict[str, list[dict[str, Any]]] = {}
    for mine in ordered:
        by_city.setdefault(mine["city_code"], []).append(mine)
    tolerance = balance_tolerance(len(mines), len(teams))
    best: dict[int, list[dict[str, Any]]] | None = None
    for limit in range(max(1, -(-len(mines) // len(teams))), 0, -1):
        plan = _plan(teams, _pieces(by_city, limit), allowed)
        loads = [len(plan[t.no]) for t in teams]
        if best is None or max(loads) - min(loads) < _spread(best):
            best = plan
        if max(loads) - min(loads) <= tolerance:
            break
    assert best is not None
    for team in teams:
        team.mines = best[team.no]


def balance_tolerance(mines: int, teams: int) -> int:
    """How far apart the largest and the smallest team's number of mines may be: a fifth of the average
    load, and at least 2 (whole prefectures rarely divide evenly)."""
    return max(2, round(0.2 * mines / max(1, teams)))


def _spread(plan: dict[int, list[dict[str, Any]]]) -> int:
    loads = [len(assigned) for assigned in plan.values()]
    return max(loads) - min(loads)


def _pieces(by_city: dict[str, list[dict[str, Any]]], limit: int) -> list[list[dict[str, Any]]]:
    """Each prefecture's mines in the fewest pieces of at most ``limit`` mines, of nearly equal size."""
    pieces = []
    for group in by_city.values():
        count = -(-len(group) // limit)
        size, extra = divmod(len(group), count)
        start = 0
        for index in range(count):
            end = start + size + (1 if index < extra else 0)
            pieces.append(group[start:end])
            start = end
    return sorted(pieces, key=lambda piece: (-len(piece), piece[0]["city_code"], piece[0]["licence_no"]))


def _plan(teams: list[Team], pieces: list[list[dict[str, Any]]],
          allowed: dict[str, frozenset[int]]) -> dict[int, list[dict[str, Any]]]:
    """Team number → mines: each piece to the least loaded team allowed to check all of it (else mine by mine)."""
    plan: dict[int, list[dict[str, Any]]] = {t.no: [] for t in teams}
    for piece in pieces:
        common = frozenset.intersection(*(allowed[m["licence_no"]] for m in piece))
        if common:
            plan[min(common, key=lambda no: (len(plan[no]), no))].extend(piece)
            continue
        for mine in piece:
            plan[min(allowed[mine["licence_no"]], key=lambda no: (len(plan[no]), no))].append(mine)
    return plan


def team_record(teams: list[Team], seed: str, rules: TeamRules) -> dict[str, Any]:
    return {
        "seed": seed, "rules": rules.as_dict(),
        "teams": [{"no": t.no, "leader": f"{t.leader['name']}|{t.leader['unit']}",
                   "members": [f"{p['name']}|{p['unit']}" for p in t.members],
                   "mines": [m["licence_no"] for m in t.mines]} for t in teams],
    }


# --- database side ------------------------------------------------------------------------------

def drawn_mines_for_teams(db: Database, campaign: campaigns.Campaign) -> list[dict[str, Any]]:
    frame = campaigns.drawn_mines(db, campaign)
    return [] if frame.empty else frame.to_dict("records")


def save_team_draw(db: Database, campaign: campaigns.Campaign, rules: TeamRules, actor: str) -> int:
    """Draw the teams for the campaign's current draw (same seed) and store them."""
    access.require(actor, access.CAMPAIGNS)
    current = campaigns.current_draw(db, campaign)
    if current is None:
        raise TeamError("请先完成矿山抽取，再抽取核查组")
    pool = inspectors.list_inspectors(db, active_only=True)
    teams = draw_teams(pool, drawn_mines_for_teams(db, campaign), current["seed"], rules)
    record = team_record(teams, current["seed"], rules)
    with transaction(db):
        team_draw_id = db.execute(
            "INSERT INTO team_draws (campaign_id, draw_id, record, drawn_at, drawn_by) VALUES (?, ?, ?, ?, ?)",
            [campaign.id, current["id"], sampling.canonical_json(record), now(), actor]).lastrowid
        db.conn.executemany(
            "INSERT INTO team_members (team_draw_id, team_no, inspector_id, role) VALUES (?, ?, ?, ?)",
            [(team_draw_id, team.no, person["id"], LEADER if person is team.leader else MEMBER)
             for team in teams for person in team.members])
        db.conn.executemany(
            "INSERT INTO team_mines (team_draw_id, team_no, licence_no) VALUES (?, ?, ?)",
            [(team_draw_id, team.no, mine["licence_no"]) for team in teams for mine in team.mines])
        campaigns.record_history(db, campaign.id, actor, "抽取核查组",
                                 f"{rules.teams} 组 × {rules.size} 人；种子 {current['seed']}")
    return team_draw_id


def latest_team_draw(db: Database, campaign: campaigns.Campaign) -> dict[str, Any] | None:
    """The teams in force: the campaign's latest team draw for its current draw of mines."""
    rows = list(db.query("SELECT * FROM team_draws WHERE campaign_id = ? AND draw_id = ? ORDER BY id DESC LIMIT 1",
                         [campaign.id, campaign.current_draw_id or 0]))
    return rows[0] if rows else None


def latest_team_draw_id(db: Database, campaign: campaigns.Campaign) -> int:
    """The id of :func:`latest_team_draw`, 0 when no team is drawn yet (matches no team row). Asked on every
    save of a record: reads the id only, not the draw's record."""
    found = db.execute("SELECT id FROM team_draws WHERE campaign_id = ? AND draw_id = ? ORDER BY id DESC LIMIT 1",
                       [campaign.id, campaign.current_draw_id or 0]).fetchone()
    return found[0] if found else 0


def teams_frame(db: Database, team_draw_id: int) -> pd.DataFrame:
    """One row per team: leader, members, number of mines and prefectures."""
    members = pd.DataFrame(list(db.query(
        "SELECT t.team_no, t.role, i.name, i.unit, i.title, i.rank, i.specialty FROM team_members t "
        "JOIN inspectors i ON i.id = t.inspector_id WHERE t.team_draw_id = ? ORDER BY t.team_no, t.role DESC, i.name",
        [team_draw_id])))
    mines = pd.DataFrame(list(db.query(
        "SELECT t.team_no, m.city FROM team_mines t JOIN mines m ON m.licence_no = t.licence_no "
        "WHERE t.team_draw_id = ?", [team_draw_id])), columns=["team_no", "city"])
    rows = []
    for no, group in members.groupby("team_no"):
        leader = group[group["role"] == LEADER].iloc[0]
        rows.append(_team_row(no, leader, [r for _, r in group[group["role"] == MEMBER].iterrows()],
                              list(mines[mines["team_no"] == no]["city"])))
    return pd.DataFrame(rows)


def _team_row(no: int, leader: Any, others: list[Any], cities: list[str]) -> dict[str, Any]:
    """One team as the page and the published list show it: leader, members, mines and prefectures
    (with how many mines in each, largest first: a prefecture split between teams shows in both)."""
    counts = pd.Series(cities, dtype=object).value_counts()
    return {
        "核查组": f"第{no}组",
        "组长": f"{leader['name']}（{leader['unit']}，{leader['title']}/{leader['rank']}）",
        "组员": "、".join(f"{r['name']}（{r['specialty'] or '—'}）" for r in others),
        "核查矿山数": len(cities),
        "负责地市": "、".join(f"{city}（{count}座）" for city, count in
                          sorted(counts.items(), key=lambda item: (-item[1], item[0]))),
    }


def preview(db: Database, campaign: campaigns.Campaign, rules: TeamRules) -> pd.DataFrame:
    """The load of each team :func:`save_team_draw` would store with these rules (the same seed, so the
    same teams): 核查组, 核查矿山数, 负责地市 as :func:`teams_frame` shows them; nothing is written. Who is
    in which team is not shown before the draw is recorded, so settings cannot be tried until the wanted
    people come out. Raises TeamError as the draw would."""
    current = campaigns.current_draw(db, campaign)
    if current is None:
        raise TeamError("请先完成矿山抽取，再抽取核查组")
    drawn = draw_teams(inspectors.list_inspectors(db, active_only=True), drawn_mines_for_teams(db, campaign),
                       current["seed"], rules)
    return pd.DataFrame([_team_row(t.no, t.leader, [], [m["city"] for m in t.mines]) for t in drawn])[list(LOAD)]


def members(db: Database, team_draw_id: int) -> list[dict[str, Any]]:
    return list(db.query(
        "SELECT t.team_no, t.role, t.inspector_id, i.name, i.unit, i.title, i.rank, i.kind FROM team_members t "
        "JOIN inspectors i ON i.id = t.inspector_id WHERE t.team_draw_id = ? ORDER BY t.team_no, t.role DESC, i.name",
        [team_draw_id]))


def swap_member(db: Database, team_draw_id: int, out_id: int, in_id: int, reason: str, actor: str) -> None:
    """Replace one inspector with another (not in any team), with a recorded reason; rules still hold."""
    access.require(actor, access.CAMPAIGNS)
    if not reason.strip():
        raise TeamError("调换人员必须填写理由")
    limits.check(TeamError, ("调换理由", reason, limits.TEXT))
    with transaction(db):
        draw_row = next(db.query("SELECT * FROM team_draws WHERE id = ?", [team_draw_id]))
        slot = list(db.query("SELECT * FROM team_members WHERE team_draw_id = ? AND inspector_id = ?",
                             [team_draw_id, out_id]))
        if not slot:
            raise TeamError("该人员不在本次核查组中")
        if list(db.query("SELECT 1 FROM team_members WHERE team_draw_id = ? AND inspector_id = ?", [team_draw_id, in_id])):
            raise TeamError("替换人员已在核查组中")
        replacement = next(db.query("SELECT * FROM inspectors WHERE id = ?", [in_id]))
        outgoing = next(db.query("SELECT * FROM inspectors WHERE id = ?", [out_id]))
        team_no, role = slot[0]["team_no"], slot[0]["role"]
        rules = json.loads(draw_row["record"])["rules"]
        leader_rule = rules.get("leader_rule", "title_or_rank")
        if role == LEADER and not inspectors.is_leader_qualified(replacement, leader_rule):
            raise TeamError(f"{replacement['name']}不符合组长条件（{inspectors.LEADER_RULES[leader_rule].split('（')[0]}）")
        team_mines = list(db.query(
            "SELECT m.* FROM team_mines t JOIN mines m ON m.licence_no = t.licence_no WHERE t.team_draw_id = ? AND t.team_no = ?",
            [team_draw_id, team_no]))
        probe = Team(team_no, replacement, [replacement])
        blocked = [f"{m['name']}（{probe.may_check(m, rules['recuse_home_prefecture'])}）" for m in team_mines
                   if probe.may_check(m, rules["recuse_home_prefecture"])]
        if blocked:
            raise TeamError(f"{replacement['name']}须回避本组的矿山：" + "、".join(blocked[:5]))
        db.execute("DELETE FROM team_members WHERE team_draw_id = ? AND inspector_id = ?", [team_draw_id, out_id])
        db.execute("INSERT INTO team_members (team_draw_id, team_no, inspector_id, role) VALUES (?, ?, ?, ?)",
                   [team_draw_id, team_no, in_id, role])
        campaigns.record_history(db, draw_row["campaign_id"], actor, "调换核查人员",
                                 f"第{team_no}组{role}：{outgoing['name']} → {replacement['name']}；理由：{reason.strip()}")
