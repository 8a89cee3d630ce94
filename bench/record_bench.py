"""Benchmark of the inspection record at the scale of a large campaign: 2,000 records, 8,000 photos.

Prints: the time to ingest one 12-megapixel JPEG (SHA-256, EXIF, thumbnail, perceptual hash), the
rerun of the record page with a record open (AppTest; an edit of one field, saved as a draft), and
the PDF of one record with 8 photos (median of three in one process: the font file is read by the first only).
Targets on a 2-core machine: ingest < 1 s, record page rerun < 300 ms, record PDF < 2 s.

    .venv/bin/python bench/record_bench.py [--records 2000] [--photos 8000]
"""

from __future__ import annotations

import argparse
import hashlib
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import data_dir, logged_in_app  # noqa: E402
from core import demo, evidence, inspections, pdf, record_pdf  # noqa: E402
from core.db import now, transaction  # noqa: E402
from core.labels import AREAS, CONCLUSIONS, DRAFT, SUBMITTED  # noqa: E402
from core.access import System
from tests.photos import make_photo  # noqa: E402
from tests.test_inspections import complete_content  # noqa: E402


def fill_records(database, campaign, records: int, photos: int) -> None:
    """Bulk rows: ``records`` records (most submitted) and ``photos`` evidence rows spread over them."""
    drawn = inspections.campaign_records(database, campaign)
    if len(drawn) < records:
        raise SystemExit(f"only {len(drawn)} mines drawn; use more mines")
    rng = random.Random(7)
    stamp = now()
    rows, evidence_rows = [], []
    for number, mine in enumerate(drawn.head(records).itertuples(), start=1):
        content = {**inspections.empty_content(), **complete_content(rng.choice(CONCLUSIONS))}
        status = SUBMITTED if number % 5 else DRAFT
        rows.append((number, campaign.id, int(mine.id), mine.licence_no, status, inspections.canonical(content), stamp,
                     "bench", stamp, "bench", stamp if status == SUBMITTED else "", "bench" if status == SUBMITTED else ""))
    for number in range(photos):
        record_id = number % records + 1
        sha = hashlib.sha256(f"photo {number}".encode()).hexdigest()
        evidence_rows.append((record_id, sha, evidence.PHOTO, ".jpg", "image/jpeg", 4_500_000, f"IMG_{number}.jpg",
                              AREAS[number % len(AREAS)], "现场照片", "bench", stamp, "2023-11-02T10:30:00",
                              30.5, 114.3, "示例 Phone 12", 4000, 3000, f"{rng.getrandbits(64):016x}", 0.8))
    with transaction(database):
        database.conn.executemany(
            "INSERT INTO records (id, campaign_id, mine_id, licence_no, status, content, created_at, created_by, "
            "updated_at, updated_by, submitted_at, submitted_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        insert_evidence(database, evidence_rows)


def insert_evidence(database, rows: list[tuple]) -> None:
    """Evidence rows in bulk, in the table's column order (record_id … distance_km)."""
    database.conn.executemany(
        "INSERT INTO evidence (record_id, sha256, kind, ext, mime, size, filename, area, caption, uploaded_by, "
        "uploaded_at, taken_at, lat, lon, device, width, height, phash, distance_km) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mines", type=int, default=5000)
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--photos", type=int, default=8000)
    parser.add_argument("--reruns", type=int, default=7)
    args = parser.parse_args()

    with data_dir() as (tmp, database):
        started = time.perf_counter()
        demo.load_demo(database, mines=args.mines)
        campaign = demo.start_campaign(database)
        fill_records(database, campaign, args.records - 1, args.photos - 8)
        print(f"setup: {args.mines} mines, {args.records - 1} records and {args.photos - 8} photo rows "
              f"in {time.perf_counter() - started:.1f} s")

        # The record under test: a draft on a mine not yet in the bulk rows, with 8 real photos.
        drawn = inspections.campaign_records(database, campaign)
        mine = drawn[drawn["record_id"].isna()].iloc[0]
        lat, lon = database.execute("SELECT lat, lon FROM mines WHERE id = ?", [int(mine["id"])]).fetchone()
        record = inspections.open_record(database, campaign, int(mine["id"]), System("bench"))
        inspections.save_draft(database, record.id, complete_content(), record.version, System("bench"))

        timings = []
        for seed in range(8):
            data = make_photo(4000, 3000, seed=100 + seed, taken_at="2023-11-02T10:30:00",
                              gps=(lat + 0.003, lon))
            started = time.perf_counter()
            evidence.ingest(data, f"IMG_{seed}.jpg", inspections.evidence_root())
            timings.append(time.perf_counter() - started)
            inspections.add_evidence(database, record.id, data, f"IMG_{seed}.jpg", AREAS[seed % len(AREAS)],
                                     f"现场照片 {seed + 1}", System("bench"))
        print(f"ingest 12 MP JPEG ({len(data) / 1e6:.1f} MB): {statistics.median(timings) * 1000:6.0f} ms median of 8 "
              f"(max {max(timings) * 1000:.0f} ms; target < 1 s)")
        total = database.execute("SELECT COUNT(*) FROM records").fetchone()[0]
        photos = database.execute("SELECT COUNT(*) FROM evidence").fetchone()[0]
        print(f"database: {total} records, {photos} photos")

        at = logged_in_app()
        at.switch_page("pages/inspections.py").run()
        at.selectbox(key="rec_mine").set_value(int(mine["id"])).run()
        at.session_state["rec_tabs"] = "结论与处理"  # the tab the field is on (only the open tab is drawn)
        at.run()
        assert not at.exception, at.exception
        field = f"r{record.id}g0_remarks"
        timings = []
        for index in range(args.reruns):
            started = time.perf_counter()
            at.text_area(key=field).set_value(f"备注 {index}").run()
            timings.append(time.perf_counter() - started)
        assert not at.exception, at.exception
        assert inspections.get(database, record.id).content["remarks"] == f"备注 {args.reruns - 1}"
        print(f"record page rerun (one field saved): {statistics.median(timings) * 1000:6.0f} ms median of "
              f"{args.reruns} (max {max(timings) * 1000:.0f} ms; target < 300 ms)")

        for label, font in (("one face, as before issue 16", pdf.find_font()),
                            ("serif body, sans headings", pdf.find_fonts())):
            timings = []
            for _ in range(3):
                started = time.perf_counter()
                document = record_pdf.record_pdf(database, inspections.get(database, record.id), font)
                timings.append(time.perf_counter() - started)
            print(f"record PDF with 8 photos ({label}): {statistics.median(timings):6.2f} s median of 3 "
                  f"({len(document) / 1e6:.1f} MB; target < 2 s)")


if __name__ == "__main__":
    main()
