"""The command line for scheduled exports and checks: ``python -m core.cli documents --campaign ID --out DIR``
writes every document of a campaign to a folder, under the names the pages give them.

What is written: the report (附件2, PDF), the summary table (附表, xlsx and csv), the public results (xlsx),
the draw record (PDF and the verifiable JSON), the publication list of the draw (PDF and xlsx), the removal
proposal with its cover letter (when a national mine awaits the ministry's decision), the ministry package,
and the record (附件1) of every drawn national mine with a submitted record. While drawn mines are still
outstanding the report and the package are interim ones, and the command says so.

The audit trail's head, for the operator to keep outside the database, and the check against it::

    python -m core.cli audit-head                     # prints e.g. 1234:9f3a…, the line to keep
    python -m core.cli audit-verify [--head 1234:9f3a1b2c4d5e6f70]

``audit-verify`` recomputes the chain and, given a kept head, says whether the log was cut short or
rewritten since (exit code 1 on any problem).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from sqlite_utils import Database

from core import (audit, campaigns, config, draw_record, inspections, package, pdf, record_pdf, registry,
                  removal_proposal, report_pdf, reports, settings, storage, teams)
from core import db as dbmod

ACTOR = "命令行"  # who the audit trail names for exports made here


def documents(db: Database, campaign: campaigns.Campaign, out: Path, font: pdf.Faces,
              today: date | None = None) -> list[Path]:
    """Write every document of ``campaign`` into ``out`` (created if missing); the paths written, in order.
    Each file is written whole or not at all (a file of the same name is replaced only when complete)."""
    today = today or date.today()
    draw = campaigns.current_draw(db, campaign)
    if draw is None or not draw["record"]:
        raise campaigns.CampaignError(f"核查任务“{campaign.title}”尚未确认抽取结果，没有可导出的文件。")
    out.mkdir(parents=True, exist_ok=True)
    province = settings.province(db).name
    rows = reports.result_rows(db, campaign)
    stats = reports.statistics(db, campaign, rows=rows)
    interim = not stats.final
    record = json.loads(draw["record"])
    mines = {mine["licence_no"]: mine for mine in registry.list_mines(db).to_dict("records")}
    team_draw = teams.latest_team_draw(db, campaign)
    team_rows = teams.teams_frame(db, team_draw["id"]).to_dict("records") if team_draw else []
    table = reports.summary_table(db, campaign, rows=rows)
    public = reports.public_results(db, campaign, rows)
    stem = lambda what: reports.file_stem(province, campaign, what)  # noqa: E731
    files: dict[str, bytes] = {
        package.report_name(province, campaign, interim): report_pdf.report_pdf(db, campaign, font),
        f"{stem('绿色矿山抽查核查结果汇总表')}.xlsx": reports.summary_xlsx(table, province),
        f"{stem('绿色矿山抽查核查结果汇总表')}.csv": reports.summary_csv(table),
        f"{stem('绿色矿山抽查核查结果（公开）')}.xlsx": reports.public_xlsx(
            public, stem("绿色矿山抽查核查结果（公开）"), reports.public_note(stats, today)),
        f"{campaign.title}抽签记录（第{draw['seq']}次）.json": draw["record"].encode("utf-8"),
        f"{campaign.title}抽签记录（第{draw['seq']}次）.pdf": draw_record.record_pdf(record, mines, font),
        f"{campaign.title}随机抽查名单.pdf": draw_record.publication_pdf(
            record, mines, team_rows, f"{campaign.title}随机抽查名单", font),
        f"{campaign.title}随机抽查名单.xlsx": draw_record.drawn_xlsx(
            record, mines, f"{campaign.title}随机抽查名单", team_rows),
    }
    files.update({f"国家级绿色矿山移出建议/{name}": data
                  for name, data in removal_proposal.files(db, campaign, font, today).items()})
    for row in package.national_records(db, campaign):
        name = package.safe_name(row["name"]) or row["licence_no"]
        files[f"{package.RECORDS_FOLDER}/{record_pdf.filename(name, row['level'])}"] = record_pdf.record_pdf(
            db, inspections.get(db, int(row["record_id"])), font)
    written = []
    for name, data in files.items():
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        with storage.replacing(path) as handle:
            handle.write(data)
        written.append(path)
    target = out / package.package_name(province, campaign, interim)
    package.build_package(db, campaign, font, target)
    written.append(target)
    audit.log(db, ACTOR, "导出：全部文件", f"核查任务 {campaign.id}",
              new={"folder": str(out), "files": [str(p.relative_to(out)) for p in written], "interim": interim})
    return written


def _documents(args: argparse.Namespace) -> int:
    db = dbmod.connect(config.db_path())
    try:
        campaign = campaigns.get(db, args.campaign)
        font = pdf.find_fonts(settings.get(db, "pdf_font"), settings.get(db, "pdf_heading_font"))
        written = documents(db, campaign, args.out, font)
        unfinished = len(package.outstanding(db, campaign))
    except (campaigns.CampaignError, pdf.FontMissing, package.PackageError) as refused:
        print(f"错误：{refused}", file=sys.stderr)
        return 1
    finally:
        db.close()
    print(f"已写入 {len(written)} 个文件到 {args.out}：")
    for path in written:
        print(f"  {path.relative_to(args.out)}")
    if unfinished:
        print(f"注意：尚有 {unfinished} 座抽取的矿山未提交核查记录，核查报告和报部材料为阶段性版本。")
    return 0


def _audit_head(args: argparse.Namespace) -> int:
    db = _existing_database()
    if db is None:
        return 1
    try:
        head = audit.head(db)
    finally:
        db.close()
    print(f"审计日志链头：{head.short()}")
    print(head.kept())
    print("请把上面一行（序号:哈希）保存在本服务器以外（纸质台账、另一台机器）。日后运行")
    print(f"  python -m core.cli audit-verify --head {head.seq}:{head.hash[:audit.PREFIX]}")
    print("即可发现日志末尾被删除，或整条日志链被改写。")
    return 0


def _audit_verify(args: argparse.Namespace) -> int:
    try:
        kept = audit.parse_head(args.head) if args.head is not None else None
    except audit.AuditError as refused:
        print(f"错误：{refused}", file=sys.stderr)
        return 1
    db = _existing_database()
    if db is None:
        return 1
    try:
        result = audit.verify(db, kept)
        head = audit.head(db)
    finally:
        db.close()
    if not result.ok:
        print(f"审计日志链校验发现 {len(result.problems)} 个问题：")
        for problem in result.problems:
            print(f"  - {problem}")
        return 1
    against = f"，包含另行保存的链头（第 {kept.seq} 条）" if kept else ""
    print(f"审计日志链完整：共 {result.entries} 条，逐条校验一致{against}。当前链头：{head.short()}")
    if kept is None:
        print("未给出另行保存的链头（--head 序号:哈希），无法发现末尾被删除或整条链被改写。")
    return 0


def _existing_database() -> Database | None:
    """The app's database, opened as it is (not created, not migrated); None, said why, when missing."""
    path = config.db_path()
    if not path.is_file():
        print(f"错误：没有找到数据库文件 {path}。请检查数据目录设置（{config.ENV_DATA_DIR}）。", file=sys.stderr)
        return None
    return dbmod.connect(path, migrate_schema=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m core.cli", description="绿矿核查命令行：定时导出与检查")
    sub = parser.add_subparsers(dest="command", required=True)
    export = sub.add_parser("documents", help="把一个核查任务的全部文件写入一个目录")
    export.add_argument("--campaign", type=int, required=True, help="核查任务编号（“抽取核查矿山”页的任务名称后显示）")
    export.add_argument("--out", type=Path, required=True, help="写入的目录（不存在时创建）")
    export.set_defaults(run=_documents)
    show = sub.add_parser("audit-head", help="显示审计日志的链头（序号:哈希），供另行保存")
    show.set_defaults(run=_audit_head)
    verify = sub.add_parser("audit-verify", help="逐条校验审计日志链；给出另行保存的链头时，核对日志是否被截短或改写")
    verify.add_argument("--head", metavar="序号:哈希", help="另行保存的链头，哈希可只写前 16 位，如 1234:9f3a1b2c4d5e6f70")
    verify.set_defaults(run=_audit_verify)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    config.keep_files_private()
    sys.exit(main())
