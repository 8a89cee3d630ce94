"""The ministry package (报部材料): one zip with the provincial report, the summary table, the record
(附件1) of every national-list mine with its original photos and videos, and a manifest of SHA-256 hashes.

Inside the zip (湖北省, 2023 as example)::

    湖北省2023年度绿色矿山核查报告.pdf
    湖北省2023年度绿色矿山抽查核查结果汇总表.xlsx
    国家级绿色矿山核查记录表/001_某某矿/某某矿国家级绿色矿山核查记录表.pdf
    国家级绿色矿山核查记录表/001_某某矿/影像/01_矿区环境.jpg
    国家级绿色矿山移出建议/报送函.pdf
    国家级绿色矿山移出建议/湖北省国家级绿色矿山移出建议名单.pdf
    国家级绿色矿山移出建议/湖北省国家级绿色矿山移出建议名单.xlsx
    文件清单.json

The removal proposal (:mod:`core.removal_proposal`) is there when drawn national mines of the campaign
await the ministry's decision on their removal: the cover letter as the coordinator saved it (or the
draft, marked 草稿) and the name list with each mine's situation and facts.

The records are numbered as in the summary table (national mines come first there, so 001 is its
序号 1) and the photos as in the record's photo appendix. Photos and videos are the stored originals,
byte for byte. ``文件清单.json`` lists every other file with its SHA-256 and size, and the head of the
audit trail when the package was made (:func:`core.audit.head`; the report's last page prints it too), so
that the ministry's copy can later be held against the province's log; :func:`verify_package` checks a
zip against it.

The zip is written to disk as it is built (photos are never all in memory) into a temporary file next
to the target, which replaces the target only once complete.
"""

from __future__ import annotations

import hashlib
import json
import queue
import re
import threading
import time
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any, Self

from sqlite_utils import Database

from core import (audit, campaigns, evidence, inspections, pdf, record_pdf, removal_proposal, report_pdf, reports,
                  settings, storage)
from core.db import now
from core.exports import chinese_time
from core.labels import DRAFT, LEVELS, SUBMITTED

MANIFEST = "文件清单.json"
RECORDS_FOLDER = "国家级绿色矿山核查记录表"
PROPOSAL_FOLDER = "国家级绿色矿山移出建议"
EVIDENCE_FOLDER = "影像"
CHUNK = 1024 * 1024
NAME_LIMIT = 60  # characters of a mine name in a folder name: keeps paths within Windows' 260
UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')

Progress = Callable[[float, str], None]


class PackageError(Exception):
    """The package cannot be built as asked; the message (Chinese) says why and what to do."""


@dataclass
class PackageFile:
    path: str     # inside the zip
    sha256: str
    size: int     # bytes


INTERIM = "（阶段性）"  # in the names of the package and its report while drawn mines are outstanding


def package_name(province_name: str, campaign: campaigns.Campaign, interim: bool = False) -> str:
    """'湖北省2023年度绿色矿山核查报部材料.zip' (…报部材料（阶段性）.zip before the campaign is complete)."""
    return reports.file_stem(province_name, campaign, "绿色矿山核查报部材料") + (INTERIM if interim else "") + ".zip"


def report_name(province_name: str, campaign: campaigns.Campaign, interim: bool = False) -> str:
    return reports.file_stem(province_name, campaign, "绿色矿山核查报告") + (INTERIM if interim else "") + ".pdf"


def outstanding(db: Database, campaign: campaigns.Campaign) -> list[dict[str, Any]]:
    """The drawn mines without a submitted record or a recorded reason why not: while there are any, the
    package is an interim one (so named, and so marked in its report and manifest)."""
    return reports.statistics(db, campaign).outstanding


def table_name(province_name: str, campaign: campaigns.Campaign) -> str:
    return reports.file_stem(province_name, campaign, "绿色矿山抽查核查结果汇总表") + ".xlsx"


def safe_name(text: str) -> str:
    """``text`` usable as a file or folder name on Windows and Linux: no / \\ : * ? " < > | or control
    characters, no leading or trailing spaces and dots, at most NAME_LIMIT characters."""
    return UNSAFE.sub("_", text).strip(" .")[:NAME_LIMIT].strip(" .")


def national_records(db: Database, campaign: campaigns.Campaign, include_drafts: bool = False) -> list[dict[str, Any]]:
    """The national-list mines of the campaign whose record goes into the package, in the order of the
    summary table: rows of :func:`core.reports.result_rows` (``record_id``, ``name``, ``licence_no`` …)."""
    rows = reports.result_rows(db, campaign)
    if rows.empty:
        return []
    statuses = (SUBMITTED, DRAFT) if include_drafts else (SUBMITTED,)
    chosen = rows[(rows["level"] == LEVELS[0]) & rows["record_status"].isin(statuses)]
    return chosen.to_dict("records")


def build_package(db: Database, campaign: campaigns.Campaign, font: pdf.Faces, target: Path,
                  progress: Progress | None = None, include_drafts: bool = False) -> dict[str, Any]:
    """Write the ministry package of ``campaign`` to ``target`` (a .zip) and return its manifest.

    Submitted records only, unless ``include_drafts`` (their PDFs then say 草稿). ``progress(share,
    text)`` is called as the work goes, share from 0 to 1. Raises PackageError (Chinese message) when the
    campaign has no confirmed draw or a stored original is missing or altered; ``target`` is then left
    as it was.
    """
    advance = progress or (lambda share, text: None)
    with storage.replacing(Path(target)) as raw, _snapshot(db):
        manifest = _write(db, campaign, font, raw, advance, include_drafts)
    advance(1.0, f"报部材料已生成：{manifest['counts']['records']} 座国家级绿色矿山的核查记录，"
                f"{manifest['counts']['photos']} 张照片、{manifest['counts']['videos']} 个视频"
                + (f"，{manifest['counts']['removal_proposals']} 座矿山的移出建议"
                   if manifest["counts"]["removal_proposals"] else ""))
    return manifest


@contextmanager
def _snapshot(db: Database) -> Iterator[None]:
    """One read transaction around the whole package, so that the report, the table and the records
    agree even if someone amends a record meanwhile (with SQLite's WAL a reader keeps its snapshot)."""
    if db.conn.in_transaction:
        yield
        return
    db.conn.execute("BEGIN")
    try:
        yield
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise
    else:
        if db.conn.in_transaction:
            db.conn.execute("COMMIT")


def _write(db: Database, campaign: campaigns.Campaign, font: pdf.Faces, raw: Any, advance: Progress,
           include_drafts: bool) -> dict[str, Any]:
    draw = campaigns.current_draw(db, campaign)
    if draw is None or not draw["record"]:
        raise PackageError("本任务尚未确认抽取结果，没有抽签记录，不能生成报部材料。请先完成随机抽取。")
    province = settings.province(db).name
    records = national_records(db, campaign, include_drafts)
    missing = outstanding(db, campaign)
    counts = {"records": 0, "photos": 0, "videos": 0, "removal_proposals": 0}
    with zipfile.ZipFile(raw, "w", allowZip64=True) as zf:
        with _Writer(zf) as writer:
            advance(0.0, "正在生成核查报告…")
            writer.add_bytes(report_name(province, campaign, bool(missing)),
                             report_pdf.report_pdf(db, campaign, font, include_drafts=include_drafts))
            advance(0.08, "正在生成结果汇总表…")
            table = reports.summary_table(db, campaign, include_drafts)
            writer.add_bytes(table_name(province, campaign), reports.summary_xlsx(table, province))
            for number, row in enumerate(records, start=1):
                advance(0.1 + 0.88 * (number - 1) / len(records), f"正在生成第 {number}/{len(records)} 座矿山的核查记录…")
                record = inspections.get(db, int(row["record_id"]))
                name = safe_name(row["name"]) or row["licence_no"]
                folder = f"{RECORDS_FOLDER}/{number:03d}_{name}"
                writer.add_bytes(f"{folder}/{record_pdf.filename(name, row['level'])}",
                                 record_pdf.record_pdf(db, record, font))
                for index, item in enumerate(inspections.evidence_of(db, record), start=1):
                    photo = f"{index:02d}_{safe_name(item['area'])}{item['ext']}"
                    writer.add_original(f"{folder}/{EVIDENCE_FOLDER}/{photo}", item, row["name"])
                    counts["photos" if item["kind"] == evidence.PHOTO else "videos"] += 1
                counts["records"] += 1
            counts["removal_proposals"] = _add_proposal(db, campaign, font, writer)
            advance(0.98, "正在写入影像原件…")
        advance(0.99, "正在写入文件清单…")
        generated = now()
        manifest = {
            "title": f"{province}{campaign.year}年度绿色矿山核查报部材料{INTERIM if missing else ''}文件清单",
            "campaign": campaign.title,
            "year": campaign.year,
            "province": province,
            "generated_at": generated,
            "generated_at_text": chinese_time(generated),
            "include_drafts": include_drafts,
            # An interim package says so, and which drawn mines are still outstanding (national ones first).
            "final": not missing,
            "outstanding": [{"licence_no": m["licence_no"], "name": m["name"], "level": m["level"], "status": m["status"]}
                            for m in missing],
            "draw_record_sha256": hashlib.sha256(draw["record"].encode("utf-8")).hexdigest(),
            # Inside the same snapshot as the report, whose last page prints the same head.
            "audit_head": audit.head(db)._asdict(),
            "counts": counts,
            "files": [asdict(f) for f in writer.files],
        }
        _write_bytes(zf, MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8"))
    return manifest


def _add_proposal(db: Database, campaign: campaigns.Campaign, font: pdf.Faces, writer: "_Writer") -> int:
    """The removal proposal with its cover letter, when national mines await the ministry's decision;
    returns how many mines it lists."""
    for name, data in removal_proposal.files(db, campaign, font, date.today()).items():
        writer.add_bytes(f"{PROPOSAL_FOLDER}/{name}", data)
    return len(removal_proposal.proposals(db, campaign))


class _Writer:
    """Writes into the zip on a thread of its own while the caller makes the next PDF.

    Reading, hashing, compressing and writing release the GIL, so on two cores the originals (a
    gigabyte or more) are copied while the PDFs are made, instead of after them. Files go into the
    zip in the order they are added; ``files`` lists them once the block is left. An error in the
    thread (an altered original) is raised in the caller at its next call or when the block ends;
    an error in the caller stops the thread before the zip is closed.
    """

    def __init__(self, zf: zipfile.ZipFile):
        self.zf = zf
        self.files: list[PackageFile] = []
        self.error: BaseException | None = None
        self.jobs: queue.Queue[Callable[[], PackageFile] | None] = queue.Queue(maxsize=16)  # bounds memory
        self.thread = threading.Thread(target=self._run, name="package-writer", daemon=True)

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, kind, value, traceback) -> None:
        if kind is not None and self.error is None:
            self.error = value  # the remaining jobs are skipped
        self.jobs.put(None)
        self.thread.join()
        if kind is None and self.error is not None:
            raise self.error

    def add_bytes(self, path: str, data: bytes) -> None:
        self._put(lambda: _write_bytes(self.zf, path, data))

    def add_original(self, path: str, item: dict[str, Any], mine_name: str) -> None:
        source = inspections.original(item)
        if not source.is_file():
            raise PackageError(f"“{mine_name}”的影像“{item['filename']}”原件缺失（{source}）。"
                               "请从备份恢复数据目录中的 evidence 文件夹后重试。")
        self._put(lambda: _copy_original(self.zf, path, source, item, mine_name))

    def _put(self, job: Callable[[], PackageFile]) -> None:
        if self.error is not None:
            raise self.error
        self.jobs.put(job)

    def _run(self) -> None:
        while (job := self.jobs.get()) is not None:
            if self.error is None:
                try:
                    self.files.append(job())
                except Exception as error:  # noqa: BLE001 (raised again in the caller)
                    self.error = error


def _entry(path: str, compress: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(path, date_time=time.localtime()[:6])
    info.compress_type = compress
    info.external_attr = 0o644 << 16
    return info


def _write_bytes(zf: zipfile.ZipFile, path: str, data: bytes) -> PackageFile:
    """A generated file (PDF, xlsx, JSON), deflated."""
    zf.writestr(_entry(path, zipfile.ZIP_DEFLATED), data, compresslevel=6)
    return PackageFile(path, hashlib.sha256(data).hexdigest(), len(data))


def _copy_original(zf: zipfile.ZipFile, path: str, source: Path, item: dict[str, Any], mine_name: str) -> PackageFile:
    """A stored original, streamed into the zip uncompressed (JPEG, HEIC and MP4 are compressed already)
    and hashed on the way: it must still be the file that was uploaded."""
    info = _entry(path, zipfile.ZIP_STORED)
    info.file_size = source.stat().st_size
    digest = hashlib.sha256()
    size = 0
    with source.open("rb") as stream, zf.open(info, "w") as out:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
            out.write(chunk)
            size += len(chunk)
    if digest.hexdigest() != item["sha256"]:
        raise PackageError(f"“{mine_name}”的影像“{item['filename']}”原件已被改动（SHA-256 与上传时不符）。"
                           "请从备份恢复该文件后重试。")
    return PackageFile(path, item["sha256"], size)


def verify_package(path: Path) -> list[str]:
    """Check a package against its manifest: the problems found (Chinese), [] when every listed file
    is present with its SHA-256 and size and no file is missing or extra."""
    try:
        zf = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as error:
        return [f"无法打开压缩包：{error}"]
    with zf:
        names = [info.filename for info in zf.infolist() if not info.is_dir()]
        problems = [f"压缩包中有重名文件：{name}" for name, times in Counter(names).items() if times > 1]
        if MANIFEST not in names:
            return problems + [f"压缩包中没有文件清单（{MANIFEST}）"]
        try:
            listed = json.loads(zf.read(MANIFEST).decode("utf-8"))["files"]
            expected = {entry["path"]: (entry["sha256"], int(entry["size"])) for entry in listed}
        except (ValueError, KeyError, TypeError, zipfile.BadZipFile) as error:
            return problems + [f"文件清单无法读取：{error}"]
        for name, (sha256, size) in expected.items():
            if name not in names:
                problems.append(f"缺少文件：{name}")
                continue
            try:
                found_sha, found_size = _hash_member(zf, name)
            except (zipfile.BadZipFile, OSError) as error:
                problems.append(f"文件已损坏：{name}（{error}）")
                continue
            if found_sha != sha256 or found_size != size:
                problems.append(f"文件内容与清单不符（SHA-256 不同）：{name}")
        problems += [f"清单中没有的文件：{name}" for name in names if name != MANIFEST and name not in expected]
    return problems


def _hash_member(zf: zipfile.ZipFile, name: str) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with zf.open(name) as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size
