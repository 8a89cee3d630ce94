"""Benchmark of the draw: 10,000 mines and 500 inspectors, in a real database.

Times the freeze (snapshot + commitment), the draw (tickets, strata, record, stored final), the team
draw (leaders, specialties, recusal, regional assignment), the PDF draw record, and verifying the
record from the JSON alone. Target on a 2-core machine: draw + teams + PDF under 2 s.

    .venv/bin/python bench/draw_bench.py [--mines 10000] [--inspectors 500]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core import campaigns, demo, draw_record, inspectors, pdf, sampling, teams  # noqa: E402
from core.access import System
from bench.common import data_dir  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mines", type=int, default=10_000)
    parser.add_argument("--inspectors", type=int, default=500)
    args = parser.parse_args()
    with data_dir() as (tmp, database):
        demo.load_demo(database, mines=args.mines)
        for person in demo.generate_inspectors(count=args.inspectors, seed=7):
            try:
                inspectors.save(database, person, actor=System("基准测试"))
            except ValueError:
                pass  # a demo name drawn twice for the same unit
        pool = len(inspectors.list_inspectors(database, active_only=True))
        # The notice's priority categories, with open-pit mines (most of them) drawn at 30 %.
        rules = sampling.Rules(ratio=0.2, policy={"问题线索": sampling.ALL, "回头看整改要求": sampling.ALL, "露天开采": 0.3})
        campaign_id = campaigns.create(database, 2023, "基准测试任务", date(2023, 11, 30), rules, [], System("bench"))

        started = time.perf_counter()
        frozen = campaigns.freeze(database, campaign_id, System("bench"))
        froze = time.perf_counter()
        record = campaigns.confirm(database, frozen["id"], "见证 83721 45129", System("bench"), "湖北省")
        drew = time.perf_counter()
        campaign = campaigns.get(database, campaign_id)
        team_count = max(1, len(record["selections"]) // 25)
        teams.save_team_draw(database, campaign, teams.TeamRules(team_count, 3), System("bench"))
        teamed = time.perf_counter()
        mines = {m["licence_no"]: m for m in database.query("SELECT licence_no, name, city, county FROM mines")}
        document = draw_record.record_pdf(record, mines, pdf.find_font())
        printed = time.perf_counter()
        problems = sampling.verify(json.loads(json.dumps(record)))
        verified = time.perf_counter()
        assert not problems, problems

        print(f"mines in scope: {len(record['snapshot'])}, drawn: {len(record['selections'])}, "
              f"inspectors: {pool}, teams: {team_count}")
        print(f"freeze (snapshot + commitment):   {froze - started:6.3f} s")
        print(f"draw (tickets, strata, stored):   {drew - froze:6.3f} s")
        print(f"teams (leaders, recusal, regions):{teamed - drew:6.3f} s")
        print(f"PDF draw record ({len(document) / 1e3:.0f} kB):      {printed - teamed:6.3f} s")
        print(f"draw + teams + PDF:               {printed - froze:6.3f} s  (target < 2 s)")
        print(f"verify from the JSON record:      {verified - printed:6.3f} s")


if __name__ == "__main__":
    main()
