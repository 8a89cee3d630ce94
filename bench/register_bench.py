"""Benchmark of the register at province-plus scale: 10,000 mines.

Prints: time to import a 10,000-row xlsx (parse + validate + write, one transaction), time of a rerun
of the register page holding those mines (AppTest), and the peak memory of this process.
Targets on a 2-core machine: import < 5 s, register rerun < 1 s, peak memory < 500 MB.

    .venv/bin/python bench/register_bench.py [--mines 10000]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import data_dir, logged_in_app  # noqa: E402
from core import demo, importer  # noqa: E402
from core.access import System


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mines", type=int, default=10_000)
    parser.add_argument("--reruns", type=int, default=5)
    args = parser.parse_args()

    with data_dir() as (tmp, database):
        xlsx = Path(tmp) / f"{args.mines}.xlsx"
        started = time.perf_counter()
        demo.write_xlsx(demo.generate(args.mines), xlsx)
        print(f"generate xlsx:   {time.perf_counter() - started:6.2f} s  ({xlsx.stat().st_size / 1e6:.1f} MB, {args.mines} mines)")

        content = xlsx.read_bytes()
        started = time.perf_counter()
        plan = importer.plan_import(database, content, xlsx.name)
        planned = time.perf_counter()
        created, updated = importer.apply_import(database, plan, System("bench"))
        done = time.perf_counter()
        assert plan.ok and created == args.mines, (len(plan.errors), created)
        print(f"import parse+validate: {planned - started:6.2f} s")
        print(f"import write:          {done - planned:6.2f} s")
        print(f"import total:          {done - started:6.2f} s   (target < 5 s)")

        started = time.perf_counter()
        plan = importer.plan_import(database, content, xlsx.name)
        print(f"re-import preview (all unchanged): {time.perf_counter() - started:6.2f} s  ({plan.unchanged} unchanged)")
        database.close()

        at = logged_in_app()
        started = time.perf_counter()
        at.switch_page("pages/register.py").run()
        print(f"register page first run: {time.perf_counter() - started:6.2f} s")
        assert not at.exception, at.exception
        shown = next(m.value for m in at.metric if m.label == "符合条件的矿山")
        assert shown == f"{args.mines} 座", shown
        timings = []
        for index in range(args.reruns):
            started = time.perf_counter()
            at.text_input(key="reg_search").set_value("" if index % 2 else "示例").run()
            timings.append(time.perf_counter() - started)
        assert not at.exception, at.exception
        print(f"register page rerun:     {statistics.median(timings):6.2f} s median of {args.reruns}"
              f" (max {max(timings):.2f} s; target < 1 s)")

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (RSS):       {peak_mb:6.0f} MB  (target < 500 MB)")


if __name__ == "__main__":
    main()
