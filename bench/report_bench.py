"""Benchmark of the campaign's results at the scale of a large province: 1,000 submitted records, of
which 200 on national-list mines with 4 real photos each.

Prints: the summary table as xlsx, the provincial report as PDF, and the ministry package (report,
table, 200 record PDFs with their photo appendix, 800 original photos, manifest) with the process's
peak memory and the size of the zip.
Targets on a 2-core machine: xlsx < 2 s, report PDF < 10 s, package < 60 s, peak memory < 1 GB.

The photos are real JPEGs (tests.photos: drawn shapes, grain, EXIF time and GPS) of 2000×1500 pixels,
about 1.2 MB each, rather than a phone's 4000×3000 (4.5 MB): making and ingesting 800 of those would
take ten minutes of setup. Copying the originals into the zip is a small part of the package's time;
``--photo-size 4000x3000`` measures with full-size photos.

    .venv/bin/python bench/report_bench.py [--records 1000] [--national 200] [--photos-per-mine 4]
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import data_dir  # noqa: E402
from core import demo, evidence, inspections, package, pdf, reports, settings  # noqa: E402
from core.db import now, transaction  # noqa: E402
from core.labels import AREAS, CONCLUSIONS, LEVELS, SUBMITTED  # noqa: E402
from bench.record_bench import insert_evidence  # noqa: E402
from tests.photos import make_photo  # noqa: E402
from tests.test_inspections import complete_content  # noqa: E402


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def fill_records(database, campaign, records: int, national: int) -> list[int]:
    """Bulk rows: ``records`` submitted records, the first ``national`` on national-list mines; returns
    the ids of the national records."""
    drawn = inspections.campaign_records(database, campaign)
    on_list = drawn[drawn["level"] == LEVELS[0]].head(national)
    others = drawn[drawn["level"] != LEVELS[0]].head(records - len(on_list))
    if len(on_list) < national or len(on_list) + len(others) < records:
        raise SystemExit(f"only {len(on_list)} national and {len(drawn)} mines drawn; use more mines")
    rng = random.Random(7)
    stamp = now()
    rows = []
    for number, mine in enumerate([*on_list.itertuples(), *others.itertuples()], start=1):
        content = {**inspections.empty_content(), **complete_content(rng.choice(CONCLUSIONS))}
        rows.append((number, campaign.id, int(mine.id), mine.licence_no, SUBMITTED, inspections.canonical(content),
                     stamp, "bench", stamp, "bench", stamp, "bench"))
    with transaction(database):
        database.conn.executemany(
            "INSERT INTO records (id, campaign_id, mine_id, licence_no, status, content, created_at, created_by, "
            "updated_at, updated_by, submitted_at, submitted_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    return list(range(1, len(on_list) + 1))


def add_photos(database, record_ids: list[int], per_record: int, width: int, height: int) -> int:
    """``per_record`` distinct real JPEGs on each record, ingested (original, thumbnail, EXIF, hashes)
    and inserted as evidence rows; returns the total bytes of the originals."""
    total = 0
    rows = []
    for record_id in record_ids:
        lat, lon = database.execute("SELECT m.lat, m.lon FROM records r JOIN mines m ON m.id = r.mine_id "
                                    "WHERE r.id = ?", [record_id]).fetchone()
        for index in range(per_record):
            data = make_photo(width, height, seed=record_id * 10 + index, taken_at="2023-11-02T10:30:00",
                              gps=(lat + 0.002, lon) if lat is not None else None)
            found = evidence.ingest(data, f"IMG_{index}.jpg", inspections.evidence_root())
            total += found.size
            rows.append((record_id, found.sha256, found.kind, found.ext, found.mime, found.size, f"IMG_{index}.jpg",
                         AREAS[index % len(AREAS)], "现场照片", "bench", now(), found.taken_at, found.lat, found.lon,
                         found.device, found.width, found.height, found.phash, 0.2))
    with transaction(database):
        insert_evidence(database, rows)
    return total


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mines", type=int, default=5000)
    parser.add_argument("--records", type=int, default=1000)
    parser.add_argument("--national", type=int, default=200)
    parser.add_argument("--photos-per-mine", type=int, default=4)
    parser.add_argument("--photo-size", default="2000x1500", help="width x height of the photos")
    args = parser.parse_args()
    width, height = (int(v) for v in args.photo_size.split("x"))

    with data_dir() as (tmp, database):
        started = time.perf_counter()
        demo.load_demo(database, mines=args.mines)
        campaign = demo.start_campaign(database)
        national = fill_records(database, campaign, args.records, args.national)
        size = add_photos(database, national, args.photos_per_mine, width, height)
        print(f"setup: {args.mines} mines, {args.records} submitted records ({len(national)} national), "
              f"{len(national) * args.photos_per_mine} photos of {width}×{height} ({size / 1e6:.0f} MB) "
              f"in {time.perf_counter() - started:.1f} s; peak memory so far {peak_mb():.0f} MB")
        province = settings.province(database).name
        font = pdf.find_fonts()

        started = time.perf_counter()
        table = reports.summary_table(database, campaign)
        workbook = reports.summary_xlsx(table, province)
        print(f"summary table xlsx ({len(table)} rows): {time.perf_counter() - started:6.2f} s "
              f"({len(workbook) / 1e3:.0f} kB; target < 2 s)")

        from core import report_pdf

        for label, faces in (("one face, as before issue 16", pdf.find_font()), ("serif body, sans headings", font)):
            started = time.perf_counter()
            document = report_pdf.report_pdf(database, campaign, faces)
            print(f"report PDF ({label}): {time.perf_counter() - started:6.2f} s ({len(document) / 1e6:.1f} MB; "
                  f"target < 10 s)")

        target = Path(tmp) / "exports" / package.package_name(province, campaign)
        started = time.perf_counter()
        manifest = package.build_package(database, campaign, font, target)
        elapsed = time.perf_counter() - started
        print(f"ministry package ({manifest['counts']['records']} records, {manifest['counts']['photos']} photos): "
              f"{elapsed:6.2f} s (target < 60 s); zip {target.stat().st_size / 1e6:.0f} MB; "
              f"peak memory {peak_mb():.0f} MB (whole process; target < 1 GB)")

        started = time.perf_counter()
        problems = package.verify_package(target)
        print(f"verify package: {time.perf_counter() - started:6.2f} s, {len(problems)} problems")


if __name__ == "__main__":
    main()
